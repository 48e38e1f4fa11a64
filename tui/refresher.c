/* The screen's listings on a thread of their own (refresher.h). */

#include "refresher.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "clock.h"
#include "xalloc.h"

struct refresher {
	struct mr_source *src;
	pthread_t thread;
	double started_ms;
	/* Written by the thread before done is set; read after. */
	struct mr_snapshot *snap;
	struct mr_rows_ranks ranks;
	char *cause;
	int64_t ms;
	atomic_bool done;
};

static void *run(void *arg) {
	struct refresher *r = arg;
	r->snap = mr_source_list(r->src, &r->cause);
	if (r->snap != NULL) {
		mr_rows_rank(r->snap, &r->ranks);
	}
	r->ms = (int64_t)(mr_monotonic_ms() - r->started_ms);
	atomic_store(&r->done, true);
	return NULL;
}

struct refresher *refresher_start(struct mr_source *src) {
	struct refresher *r = mr_xcalloc(1, sizeof(*r));
	r->src = src;
	r->started_ms = mr_monotonic_ms();
	atomic_init(&r->done, false);
	/* Signals (Ctrl-C, a resize, a hang-up) are the screen's: the thread
	 * starts with them all blocked, so that none interrupts it. */
	sigset_t all, before;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &before);
	bool started = pthread_create(&r->thread, NULL, run, r) == 0;
	pthread_sigmask(SIG_SETMASK, &before, NULL);
	if (!started) {
		free(r);
		return NULL;
	}
	return r;
}

bool refresher_done(struct refresher *r) {
	return atomic_load(&r->done);
}

int64_t refresher_running_ms(const struct refresher *r) {
	return (int64_t)(mr_monotonic_ms() - r->started_ms);
}

struct mr_snapshot *refresher_finish(
	struct refresher *r, struct mr_rows_ranks *ranks, int64_t *ms, char **cause) {
	pthread_join(r->thread, NULL);
	struct mr_snapshot *snap = r->snap;
	*ranks = r->ranks;
	*ms = r->ms;
	if (snap == NULL) {
		*cause = r->cause;
	} else {
		free(r->cause);
	}
	free(r);
	return snap;
}

void refresher_drop(struct refresher *r) {
	struct mr_rows_ranks ranks;
	int64_t ms;
	char *cause = NULL;
	struct mr_snapshot *snap = refresher_finish(r, &ranks, &ms, &cause);
	mr_rows_ranks_free(&ranks);
	mr_snapshot_destroy(snap);
	free(cause);
}

bool refresher_abandon(struct refresher *r) {
	if (!refresher_done(r)) {
		pthread_detach(r->thread);
		return false;
	}
	refresher_drop(r);
	return true;
}
