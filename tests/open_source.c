#include "open_source.h"

#include <stdlib.h>

#include "harness.h"
#include "registry.h"

struct mr_source *t_open_source(const char *name) {
	char *cause = NULL;
	struct mr_source *src = mr_source_open(mr_backend_registry, name, NULL, &cause);
	if (src == NULL) {
		t_note("cannot open %s: %s", name, cause);
		exit(99);
	}
	return src;
}
