#ifndef MR_BACKEND_REGISTRY_H
#define MR_BACKEND_REGISTRY_H

#include "backend.h"

/* Every backend this build has, NULL-terminated, for mr_source_open(). It
 * lives here rather than in core because core must not link the backends. */
extern const struct mr_backend_ops *const mr_backend_registry[];

#endif
