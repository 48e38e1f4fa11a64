#ifndef MR_PARALLEL_H
#define MR_PARALLEL_H

/*
 * Work on every core: items 0..n split into one contiguous range per
 * thread (this thread takes the first), each at least min_per_thread long,
 * so small jobs stay on one thread. fn must only read what is shared and
 * write what belongs to its range; thread is 0..threads-1, for per-thread
 * results.
 */

#include <stddef.h>

enum { MR_PARALLEL_MAX = 8 };

typedef void (*mr_range_fn)(void *ctx, size_t thread, size_t from, size_t to);

/* The cores online (at least 1). */
size_t mr_cores(void);

/* Returns how many threads took part (at least 1). */
size_t mr_parallel_for(size_t n, size_t min_per_thread, mr_range_fn fn, void *ctx);

#endif
