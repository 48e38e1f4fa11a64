#ifndef MR_TRANSPORT_LOCAL_H
#define MR_TRANSPORT_LOCAL_H

#include "transport.h"

/* Runs programs on this machine with posix_spawn: no shell, ever. */
struct mr_transport *mr_transport_local_create(void);

#endif
