#include "parallel.h"

#include <pthread.h>
#include <stdbool.h>
#include <unistd.h>

struct range {
	mr_range_fn fn;
	void *ctx;
	size_t thread, from, to;
};

static void *run_range(void *arg) {
	const struct range *r = arg;
	r->fn(r->ctx, r->thread, r->from, r->to);
	return NULL;
}

size_t mr_cores(void) {
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 1 ? (size_t)n : 1;
}

size_t mr_parallel_for(size_t n, size_t min_per_thread, mr_range_fn fn, void *ctx) {
	size_t threads = mr_cores();
	threads = threads > MR_PARALLEL_MAX ? MR_PARALLEL_MAX : threads;
	if (min_per_thread == 0) {
		min_per_thread = 1;
	}
	if (n / min_per_thread < threads) {
		threads = n / min_per_thread > 0 ? n / min_per_thread : 1;
	}
	struct range ranges[MR_PARALLEL_MAX];
	pthread_t ids[MR_PARALLEL_MAX];
	bool started[MR_PARALLEL_MAX] = { false };
	for (size_t t = 0; t < threads; t++) {
		ranges[t] = (struct range){ fn, ctx, t, n * t / threads, n * (t + 1) / threads };
		/* A thread that cannot start leaves its range to this one. */
		started[t] = t > 0 && pthread_create(&ids[t], NULL, run_range, &ranges[t]) == 0;
	}
	for (size_t t = 0; t < threads; t++) {
		if (!started[t]) {
			run_range(&ranges[t]);
		}
	}
	for (size_t t = 0; t < threads; t++) {
		if (started[t]) {
			pthread_join(ids[t], NULL);
		}
	}
	return threads;
}
