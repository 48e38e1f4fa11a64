#ifndef MR_TEST_OPEN_SOURCE_H
#define MR_TEST_OPEN_SOURCE_H

/* For tests of the backends: a source opened by its name, as the command
 * line would (the backend registry picks it); the test ends with exit code
 * 99 (a broken test, not a failed check) when it cannot be opened. */

#include "backend.h"

struct mr_source *t_open_source(const char *name);

#endif
