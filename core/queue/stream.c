#include "stream.h"

bool mr_stream_flush(struct mr_stream *s) {
	struct mr_snapshot *batch = s->batch;
	if (s->stopped) {
		return false;
	}
	if (batch->n_messages == 0) {
		return true;
	}
	mr_snapshot_finish(batch);
	s->delivered += batch->n_messages;
	if (!s->deliver(s->ctx, batch)) {
		s->stopped = true;
	}
	mr_snapshot_clear(batch);
	/* One "now" for the whole listing: age: terms mean the same on the
	 * last batch as on the first. */
	batch->taken_at = s->taken_at;
	return !s->stopped;
}

bool mr_stream_offer(struct mr_stream *s) {
	return mr_stream_full(s) ? mr_stream_flush(s) : !s->stopped;
}
