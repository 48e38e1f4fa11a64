#include "blob.h"

#include <string.h>

const struct mr_blob *mr_blob_find(const char *name) {
	for (const struct mr_blob *b = mr_blobs; b->name != NULL; b++) {
		if (strcmp(b->name, name) == 0) {
			return b;
		}
	}
	return NULL;
}
