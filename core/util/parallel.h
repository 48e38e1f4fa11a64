#ifndef MR_PARALLEL_H
#define MR_PARALLEL_H

/*
 * Work on every core: items 0..n split into one contiguous range per
 * thread (this thread takes the first), each at least min_per_thread long,
 * so small jobs stay on one thread. fn must only read what is shared and
 * write what belongs to its range; thread is 0..threads-1, for per-thread
 * results.
 */

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { MR_PARALLEL_MAX = 8 };

typedef void (*mr_range_fn)(void *ctx, size_t thread, size_t from, size_t to);

/* The cores online (at least 1). */
size_t mr_cores(void);

/* Returns how many threads took part (at least 1). */
size_t mr_parallel_for(size_t n, size_t min_per_thread, mr_range_fn fn, void *ctx);

/*
 * A way to end a parallel run early. should_stop is the caller's question
 * ("has the user pressed Esc?"), asked only on the thread that set the stop
 * up, since what it looks at (a terminal) may belong to that thread; the
 * other threads see its answer through the flag. A range fn polls now and
 * then and returns when told to.
 */
struct mr_parallel_stop {
	bool (*should_stop)(void *ctx); /* NULL: never */
	void *ctx;
	pthread_t owner;     /* the thread that asks should_stop */
	atomic_bool stopped; /* said so, or mr_stop_now() */
	int64_t asked_ns;    /* when the owner last asked (CLOCK_MONOTONIC) */
};

void mr_stop_init(struct mr_parallel_stop *stop, bool (*should_stop)(void *ctx), void *ctx);

/* How often the calling thread asks should_stop while it waits for the
 * others to finish their ranges, or through mr_stop_poll_due(). */
enum { MR_STOP_WAIT_MS = 10 };

/* Whether the run is to stop: the flag, and when ask is true and this is
 * the owner's thread, should_stop first. stop may be NULL (never). */
bool mr_stop_poll(struct mr_parallel_stop *stop, bool ask);
/* Whether MR_STOP_WAIT_MS have passed since the owner last asked (false on
 * other threads): for items whose cost varies too much to count them only
 * (a regular expression can take a second on one text). */
bool mr_stop_due(struct mr_parallel_stop *stop);
/* Stops the run from any thread (a range that failed). */
void mr_stop_now(struct mr_parallel_stop *stop);
/* Whether it was stopped, by should_stop or mr_stop_now(). */
bool mr_stopped(struct mr_parallel_stop *stop);

/* mr_parallel_for, called on stop's owner thread, which asks should_stop
 * every MR_STOP_WAIT_MS while it waits for the others; every thread has
 * ended when it returns, stopped or not. stop may be NULL. */
size_t mr_parallel_for_stoppable(
	size_t n, size_t min_per_thread, mr_range_fn fn, void *ctx, struct mr_parallel_stop *stop);

#endif
