/* The screen's listings on a thread of their own (refresher.h). */

#include "refresher.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "clock.h"
#include "thread.h"
#include "xalloc.h"

/* A big first listing is shown from its front once it has run this long
 * (one done sooner is shown whole), with at most this many messages. */
enum { GLIMPSE_AFTER_MS = 400, GLIMPSE_MAX = 16384 };

struct refresher {
	struct mr_source *src;
	pthread_t thread;
	bool joined;
	double started_ms;
	/* Written by the thread before done is set; read after. */
	struct mr_snapshot *snap;
	struct mr_rows_ranks ranks;
	char *cause;
	int64_t ms;
	atomic_bool done;
	/* The first listing's (refresher_start_first). */
	atomic_size_t read;              /* messages read so far */
	struct mr_listing_progress line; /* the progress line's, until quiet */
	atomic_bool glimpse_offered;     /* set on the reader's thread */
	pthread_mutex_t lock;            /* guards what follows, and done's news */
	pthread_cond_t news;             /* a glimpse, or the listing's end */
	bool quiet;                      /* the terminal is the screen's */
	struct mr_snapshot *glimpse;     /* the front, until taken */
};

static void *run(void *arg) {
	struct refresher *r = arg;
	r->snap = mr_source_list(r->src, &r->cause);
	if (r->snap != NULL) {
		mr_rows_rank(r->snap, &r->ranks);
	}
	r->ms = (int64_t)(mr_monotonic_ms() - r->started_ms);
	pthread_mutex_lock(&r->lock);
	atomic_store(&r->done, true);
	pthread_cond_broadcast(&r->news);
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

/* The first listing's progress, on the reader's thread: counted, and shown
 * on the progress line until the screen has the terminal. */
static void tell_first(void *ctx, size_t messages) {
	struct refresher *r = ctx;
	atomic_store(&r->read, messages);
	pthread_mutex_lock(&r->lock);
	if (!r->quiet && r->line.tell != NULL) {
		r->line.tell(r->line.ctx, messages);
	}
	pthread_mutex_unlock(&r->lock);
}

/* On the reader's thread: once the first listing has run GLIMPSE_AFTER_MS,
 * its front is copied for the screen to start with. */
static void glimpse_first(void *ctx, const struct mr_snapshot *snap) {
	struct refresher *r = ctx;
	atomic_store(&r->read, snap->n_messages);
	if (atomic_load(&r->glimpse_offered) ||
		mr_monotonic_ms() - r->started_ms < GLIMPSE_AFTER_MS) {
		return;
	}
	atomic_store(&r->glimpse_offered, true);
	struct mr_snapshot *front = mr_snapshot_copy_front(snap, GLIMPSE_MAX);
	pthread_mutex_lock(&r->lock);
	r->glimpse = front;
	pthread_cond_broadcast(&r->news);
	pthread_mutex_unlock(&r->lock);
}

static void destroy(struct refresher *r) {
	mr_snapshot_destroy(r->glimpse);
	pthread_cond_destroy(&r->news);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

static struct refresher *start(struct mr_source *src, bool first) {
	struct refresher *r = mr_xcalloc(1, sizeof(*r));
	r->src = src;
	r->started_ms = mr_monotonic_ms();
	atomic_init(&r->done, false);
	atomic_init(&r->read, 0);
	atomic_init(&r->glimpse_offered, false);
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->news, NULL);
	if (first) {
		/* The thread's listing reads src->progress as it starts. */
		r->line = src->progress;
		src->progress = (struct mr_listing_progress){
			.tell = tell_first,
			.glimpse = glimpse_first,
			.ctx = r,
		};
	}
	/* Signals (Ctrl-C, a resize, a hang-up) are the screen's (thread.h). */
	if (mr_thread_start(&r->thread, run, r) != 0) {
		if (first) {
			src->progress = r->line;
		}
		destroy(r);
		return NULL;
	}
	return r;
}

struct refresher *refresher_start(struct mr_source *src) {
	return start(src, false);
}

struct refresher *refresher_start_first(struct mr_source *src) {
	return start(src, true);
}

bool refresher_done(struct refresher *r) {
	return atomic_load(&r->done);
}

int64_t refresher_running_ms(const struct refresher *r) {
	return (int64_t)(mr_monotonic_ms() - r->started_ms);
}

size_t refresher_messages_read(struct refresher *r) {
	return atomic_load(&r->read);
}

struct mr_snapshot *refresher_wait_first(struct refresher *r) {
	pthread_mutex_lock(&r->lock);
	while (!atomic_load(&r->done) && r->glimpse == NULL) {
		pthread_cond_wait(&r->news, &r->lock);
	}
	struct mr_snapshot *front = NULL;
	/* A listing that ended meanwhile is shown whole. */
	if (!atomic_load(&r->done)) {
		front = r->glimpse;
		r->glimpse = NULL;
	}
	pthread_mutex_unlock(&r->lock);
	if (front != NULL) {
		mr_snapshot_finish(front);
	}
	return front;
}

void refresher_quiet(struct refresher *r) {
	pthread_mutex_lock(&r->lock);
	r->quiet = true;
	pthread_mutex_unlock(&r->lock);
}

void refresher_wait(struct refresher *r) {
	if (!r->joined) {
		pthread_join(r->thread, NULL);
		r->joined = true;
	}
}

struct mr_snapshot *refresher_finish(
	struct refresher *r, struct mr_rows_ranks *ranks, int64_t *ms, char **cause) {
	refresher_wait(r);
	struct mr_snapshot *snap = r->snap;
	*ranks = r->ranks;
	*ms = r->ms;
	if (snap == NULL) {
		*cause = r->cause;
	} else {
		free(r->cause);
	}
	destroy(r);
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
		/* Its thread still tells it of its progress: r lives on, quiet. */
		refresher_quiet(r);
		pthread_detach(r->thread);
		return false;
	}
	refresher_drop(r);
	return true;
}
