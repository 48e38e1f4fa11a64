#include "registry.h"

#include "demo.h"
#include "postfix.h"
#include "sqlite.h"

const struct mr_backend_ops *const mr_backend_registry[] = {
	&mr_backend_postfix,
	&mr_backend_postfix_ssh,
	&mr_backend_postqueue_json,
	&mr_backend_sqlite,
	&mr_backend_demo,
	NULL,
};
