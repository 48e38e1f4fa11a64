#include "stream.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "parallel.h"
#include "xalloc.h"

/*
 * Batches waiting for the delivering thread, and emptied ones coming back.
 * Two may wait: enough to keep both threads busy when one batch takes
 * longer than the next, while memory stays that of a few batches.
 */
enum { RELAY_WAITING = 2, RELAY_BATCHES = RELAY_WAITING + 2 };

struct mr_stream_relay {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t changed; /* a batch waits, one came back, or the end */
	struct mr_snapshot *waiting[RELAY_WAITING];
	size_t first, n_waiting;
	struct mr_snapshot *empty[RELAY_BATCHES];
	size_t n_empty;
	bool ending;
	atomic_bool stopped; /* deliver said stop */
	struct mr_stream *s;
};

/* One batch to the consumer: decoded, delivered, emptied. */
static bool deliver(struct mr_stream *s, struct mr_snapshot *batch) {
	if (!s->undecoded) {
		mr_snapshot_finish(batch);
	}
	bool ok = s->deliver(s->ctx, batch);
	mr_snapshot_clear(batch);
	/* One "now" for the whole listing: age: terms mean the same on the
	 * last batch as on the first. */
	batch->taken_at = s->taken_at;
	return ok;
}

static void *relay_main(void *arg) {
	struct mr_stream_relay *relay = arg;
	pthread_mutex_lock(&relay->lock);
	for (;;) {
		while (relay->n_waiting == 0 && !relay->ending) {
			pthread_cond_wait(&relay->changed, &relay->lock);
		}
		if (relay->n_waiting == 0) {
			break;
		}
		struct mr_snapshot *batch = relay->waiting[relay->first];
		relay->first = (relay->first + 1) % RELAY_WAITING;
		relay->n_waiting--;
		pthread_mutex_unlock(&relay->lock);
		if (atomic_load(&relay->stopped)) {
			mr_snapshot_clear(batch); /* stopped: the rest is dropped */
		} else if (!deliver(relay->s, batch)) {
			atomic_store(&relay->stopped, true);
		}
		pthread_mutex_lock(&relay->lock);
		relay->empty[relay->n_empty++] = batch;
		pthread_cond_broadcast(&relay->changed);
	}
	pthread_mutex_unlock(&relay->lock);
	return NULL;
}

void mr_stream_start(struct mr_stream *s) {
	s->batch = mr_snapshot_create();
	s->batch->undecoded = s->undecoded;
	s->taken_at = s->batch->taken_at;
	s->stopped = false;
	s->delivered = 0;
	s->relay = NULL;
	if (mr_cores() < 2) {
		return;
	}
	struct mr_stream_relay *relay = mr_xcalloc(1, sizeof(*relay));
	relay->s = s;
	atomic_init(&relay->stopped, false);
	pthread_mutex_init(&relay->lock, NULL);
	pthread_cond_init(&relay->changed, NULL);
	if (pthread_create(&relay->thread, NULL, relay_main, relay) != 0) {
		pthread_mutex_destroy(&relay->lock);
		pthread_cond_destroy(&relay->changed);
		free(relay);
		return;
	}
	s->relay = relay;
}

/* Waits until every batch handed over is delivered, and ends the thread;
 * s->stopped is then final. */
static void end_relay(struct mr_stream *s) {
	struct mr_stream_relay *relay = s->relay;
	if (relay == NULL) {
		return;
	}
	pthread_mutex_lock(&relay->lock);
	relay->ending = true;
	pthread_cond_broadcast(&relay->changed);
	pthread_mutex_unlock(&relay->lock);
	pthread_join(relay->thread, NULL);
	s->stopped = s->stopped || atomic_load(&relay->stopped);
	for (size_t i = 0; i < relay->n_empty; i++) {
		mr_snapshot_destroy(relay->empty[i]);
	}
	pthread_mutex_destroy(&relay->lock);
	pthread_cond_destroy(&relay->changed);
	free(relay);
	s->relay = NULL;
}

/* The full batch to the delivering thread, and an empty one for the
 * source: one that came back, or a new one while fewer than
 * RELAY_BATCHES exist. Waits while RELAY_WAITING batches wait. */
static void hand_over(struct mr_stream *s) {
	struct mr_stream_relay *relay = s->relay;
	pthread_mutex_lock(&relay->lock);
	while (relay->n_waiting == RELAY_WAITING) {
		pthread_cond_wait(&relay->changed, &relay->lock);
	}
	relay->waiting[(relay->first + relay->n_waiting) % RELAY_WAITING] = s->batch;
	relay->n_waiting++;
	pthread_cond_broadcast(&relay->changed);
	struct mr_snapshot *empty = relay->n_empty > 0 ? relay->empty[--relay->n_empty] : NULL;
	pthread_mutex_unlock(&relay->lock);
	if (empty == NULL) {
		empty = mr_snapshot_create();
		empty->taken_at = s->taken_at;
		empty->undecoded = s->undecoded;
	}
	s->batch = empty;
}

bool mr_stream_flush(struct mr_stream *s) {
	if (s->relay != NULL && atomic_load(&s->relay->stopped)) {
		s->stopped = true;
	}
	if (s->stopped) {
		return false;
	}
	struct mr_snapshot *batch = s->batch;
	if (batch->n_messages == 0) {
		return true;
	}
	s->delivered += batch->n_messages;
	if (s->relay != NULL) {
		hand_over(s);
		return true;
	}
	if (!deliver(s, batch)) {
		s->stopped = true;
	}
	return !s->stopped;
}

bool mr_stream_end(struct mr_stream *s, bool read_whole) {
	bool delivered = read_whole && mr_stream_flush(s);
	end_relay(s);
	mr_snapshot_destroy(s->batch);
	s->batch = NULL;
	return delivered && !s->stopped;
}

bool mr_stream_offer(struct mr_stream *s) {
	return mr_stream_full(s) ? mr_stream_flush(s) : !s->stopped;
}
