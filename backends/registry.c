#include "registry.h"

#include "demo.h"
#include "sqlite/sqlite.h"

const struct mr_backend_ops *const mr_backend_registry[] = {
	&mr_backend_sqlite,
	&mr_backend_demo,
	NULL,
};
