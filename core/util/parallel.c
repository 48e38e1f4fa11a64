#include "parallel.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <time.h>
#include <unistd.h>

#include "thread.h"

/* The threads of one run still working, for the calling thread to wait on
 * while it asks whether to stop. */
struct pool {
	pthread_mutex_t lock;
	pthread_cond_t done;
	size_t running;
};

struct range {
	mr_range_fn fn;
	void *ctx;
	size_t thread, from, to;
	struct pool *pool; /* a started thread's */
};

static void *run_range(void *arg) {
	const struct range *r = arg;
	r->fn(r->ctx, r->thread, r->from, r->to);
	if (r->pool != NULL) {
		pthread_mutex_lock(&r->pool->lock);
		r->pool->running--;
		pthread_cond_signal(&r->pool->done);
		pthread_mutex_unlock(&r->pool->lock);
	}
	return NULL;
}

size_t mr_cores(void) {
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 1 ? (size_t)n : 1;
}

static int64_t now_ns(void) {
	struct timespec ts;
	/* The coarse clock (a few ms steps) costs a read of memory. */
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void mr_stop_init(struct mr_parallel_stop *stop, bool (*should_stop)(void *ctx), void *ctx) {
	stop->should_stop = should_stop;
	stop->ctx = ctx;
	stop->owner = pthread_self();
	atomic_init(&stop->stopped, false);
	stop->asked_ns = now_ns();
}

bool mr_stopped(struct mr_parallel_stop *stop) {
	/* Relaxed: the flag only tells threads to return early; what they
	 * wrote is published by pthread_join. */
	return stop != NULL && atomic_load_explicit(&stop->stopped, memory_order_relaxed);
}

void mr_stop_now(struct mr_parallel_stop *stop) {
	if (stop != NULL) {
		atomic_store_explicit(&stop->stopped, true, memory_order_relaxed);
	}
}

bool mr_stop_poll(struct mr_parallel_stop *stop, bool ask) {
	if (stop == NULL) {
		return false;
	}
	if (mr_stopped(stop)) {
		return true;
	}
	if (!ask || stop->should_stop == NULL || !pthread_equal(pthread_self(), stop->owner)) {
		return false;
	}
	stop->asked_ns = now_ns();
	if (stop->should_stop(stop->ctx)) {
		mr_stop_now(stop);
		return true;
	}
	return false;
}

bool mr_stop_due(struct mr_parallel_stop *stop) {
	return stop != NULL && stop->should_stop != NULL &&
	       pthread_equal(pthread_self(), stop->owner) &&
	       now_ns() - stop->asked_ns >= MR_STOP_WAIT_MS * 1000000LL;
}

/* Waits for the started threads to finish their ranges, asking whether to
 * stop every MR_STOP_WAIT_MS meanwhile (they see the answer and return). */
static void wait_asking(struct pool *pool, struct mr_parallel_stop *stop) {
	pthread_mutex_lock(&pool->lock);
	while (pool->running > 0) {
		struct timespec until;
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_nsec += MR_STOP_WAIT_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		int rc = 0;
		while (pool->running > 0 && rc != ETIMEDOUT) {
			rc = pthread_cond_timedwait(&pool->done, &pool->lock, &until);
		}
		if (pool->running > 0) {
			pthread_mutex_unlock(&pool->lock);
			mr_stop_poll(stop, true);
			pthread_mutex_lock(&pool->lock);
		}
	}
	pthread_mutex_unlock(&pool->lock);
}

static void pool_init(struct pool *pool) {
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&pool->done, &attr);
	pthread_condattr_destroy(&attr);
	pthread_mutex_init(&pool->lock, NULL);
	pool->running = 0;
}

static void pool_finish(struct pool *pool) {
	pthread_cond_destroy(&pool->done);
	pthread_mutex_destroy(&pool->lock);
}

size_t mr_parallel_for_stoppable(
	size_t n, size_t min_per_thread, mr_range_fn fn, void *ctx, struct mr_parallel_stop *stop) {
	size_t threads = mr_cores();
	threads = threads > MR_PARALLEL_MAX ? MR_PARALLEL_MAX : threads;
	if (min_per_thread == 0) {
		min_per_thread = 1;
	}
	if (n / min_per_thread < threads) {
		threads = n / min_per_thread > 0 ? n / min_per_thread : 1;
	}
	struct pool pool;
	pool_init(&pool);
	struct range ranges[MR_PARALLEL_MAX];
	pthread_t ids[MR_PARALLEL_MAX];
	bool started[MR_PARALLEL_MAX] = { false };
	for (size_t t = 0; t < threads; t++) {
		ranges[t] = (struct range){ fn, ctx, t, n * t / threads, n * (t + 1) / threads,
			stop != NULL ? &pool : NULL };
		if (t == 0) {
			continue;
		}
		/* Counted before it starts, so that it cannot finish uncounted. */
		pthread_mutex_lock(&pool.lock);
		pool.running++;
		pthread_mutex_unlock(&pool.lock);
		started[t] = mr_thread_start(&ids[t], run_range, &ranges[t]) == 0;
		if (!started[t]) {
			pthread_mutex_lock(&pool.lock);
			pool.running--;
			pthread_mutex_unlock(&pool.lock);
		}
	}
	/* A thread that cannot start leaves its range to this one. */
	for (size_t t = 0; t < threads; t++) {
		if (!started[t]) {
			ranges[t].pool = NULL;
			run_range(&ranges[t]);
		}
	}
	if (stop != NULL) {
		wait_asking(&pool, stop);
	}
	for (size_t t = 0; t < threads; t++) {
		if (started[t]) {
			pthread_join(ids[t], NULL);
		}
	}
	pool_finish(&pool);
	return threads;
}

size_t mr_parallel_for(size_t n, size_t min_per_thread, mr_range_fn fn, void *ctx) {
	return mr_parallel_for_stoppable(n, min_per_thread, fn, ctx, NULL);
}
