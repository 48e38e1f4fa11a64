#include "stream.h"

#include <stdatomic.h>
#include <stdlib.h>

#include "handoff.h"
#include "xalloc.h"

/*
 * The batches handed round between the source's thread and the delivering
 * one (handoff.h): one being filled, one being delivered, two waiting;
 * enough to keep both threads busy when one batch takes longer than the
 * next, while memory stays that of a few batches.
 */
enum { RELAY_BATCHES = 4 };

struct mr_stream_relay {
	struct mr_handoff *handoff;
	struct mr_snapshot *batches[RELAY_BATCHES];
	atomic_bool stopped; /* deliver said stop */
	struct mr_stream *s;
};

/* A batch on the delivering thread: decoded and delivered (not once the
 * consumer has stopped), then emptied for the source to fill again. */
static void deliver(void *ctx, void *item) {
	struct mr_stream_relay *relay = ctx;
	struct mr_stream *s = relay->s;
	struct mr_snapshot *batch = item;
	if (!atomic_load(&relay->stopped)) {
		if (!s->undecoded) {
			mr_snapshot_finish(batch);
		}
		if (!s->deliver(s->ctx, batch)) {
			atomic_store(&relay->stopped, true);
		}
	}
	mr_snapshot_clear(batch);
	/* One "now" for the whole listing: age: terms mean the same on the
	 * last batch as on the first. */
	batch->taken_at = s->taken_at;
}

void mr_stream_start(struct mr_stream *s) {
	struct mr_stream_relay *relay = mr_xcalloc(1, sizeof(*relay));
	relay->s = s;
	atomic_init(&relay->stopped, false);
	for (size_t i = 0; i < RELAY_BATCHES; i++) {
		relay->batches[i] = mr_snapshot_create();
		relay->batches[i]->undecoded = s->undecoded;
	}
	s->relay = relay;
	s->taken_at = relay->batches[0]->taken_at;
	for (size_t i = 1; i < RELAY_BATCHES; i++) {
		relay->batches[i]->taken_at = s->taken_at;
	}
	s->stopped = false;
	s->delivered = 0;
	relay->handoff =
		mr_handoff_start((void *const *)relay->batches, RELAY_BATCHES, deliver, relay);
	s->batch = mr_handoff_take(relay->handoff);
}

bool mr_stream_flush(struct mr_stream *s) {
	if (atomic_load(&s->relay->stopped)) {
		s->stopped = true;
	}
	if (s->stopped) {
		return false;
	}
	if (s->batch->n_messages == 0) {
		return true;
	}
	s->delivered += s->batch->n_messages;
	mr_handoff_pass(s->relay->handoff, s->batch);
	s->batch = mr_handoff_take(s->relay->handoff);
	/* With one core the batch was delivered just now: a stop is known. */
	s->stopped = atomic_load(&s->relay->stopped);
	return !s->stopped;
}

bool mr_stream_end(struct mr_stream *s, bool read_whole) {
	struct mr_stream_relay *relay = s->relay;
	bool delivered = read_whole && mr_stream_flush(s);
	mr_handoff_finish(relay->handoff);
	s->stopped = s->stopped || atomic_load(&relay->stopped);
	for (size_t i = 0; i < RELAY_BATCHES; i++) {
		mr_snapshot_destroy(relay->batches[i]);
	}
	free(relay);
	s->relay = NULL;
	s->batch = NULL;
	return delivered && !s->stopped;
}

bool mr_stream_offer(struct mr_stream *s) {
	return mr_stream_full(s) ? mr_stream_flush(s) : !s->stopped;
}
