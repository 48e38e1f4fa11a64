#ifndef MR_BACKEND_DEMO_H
#define MR_BACKEND_DEMO_H

#include "backend.h"

/* Messages in the demo queue ("demo:"); "demo:N" asks for N instead. */
#define MR_DEMO_MESSAGES     300
#define MR_DEMO_MAX_MESSAGES 2000000
/* The generator seed that makes the demo the same for everyone. */
#define MR_DEMO_SEED 20261123

extern const struct mr_backend_ops mr_backend_demo;

#endif
