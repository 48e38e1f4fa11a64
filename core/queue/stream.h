#ifndef MR_STREAM_H
#define MR_STREAM_H

/*
 * A listing delivered in batches: the source fills a small snapshot, and
 * every batch_messages messages it is finished, handed to the consumer and
 * emptied for the next. `mailroom list --json/--csv` writes a million
 * messages this way in the memory of a few thousand, where a whole snapshot
 * would hold them all (docs/architecture.md, "Listings written as they
 * are read").
 *
 * Only what needs no more than the message itself can be done batch by
 * batch: the filter (its terms are about one message, at one "now" kept
 * for the whole listing), the JSON and CSV exports. The table's column
 * widths, sorting and summaries need the whole queue.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snapshot.h"

/* Big enough that the costs of a batch (finishing it, a filter run) are
 * spread thin, small enough to stay a few megabytes. */
enum { MR_STREAM_BATCH_DEFAULT = 4096 };

struct mr_stream {
	/* Set by the consumer. */
	size_t batch_messages; /* a batch is delivered when it holds this many (0: default) */
	/* A finished batch, taken_at the same on each; false stops the
	 * listing (the consumer failed: it says why itself). */
	bool (*deliver)(void *ctx, const struct mr_snapshot *batch);
	void *ctx;

	/* Set by mr_source_stream(). */
	struct mr_snapshot *batch; /* what the backend fills */
	int64_t taken_at;          /* the listing's "now", from its start */
	bool stopped;              /* deliver said stop */
	size_t delivered;          /* messages delivered so far */
};

/*
 * For a backend, after each whole message it added to s->batch: delivers
 * the batch when it is full. False: stop reading, the consumer stopped
 * (the backend returns false; its cause is not shown).
 */
bool mr_stream_offer(struct mr_stream *s);

/* Whether the batch is full: the next mr_stream_offer() delivers it. */
static inline bool mr_stream_full(const struct mr_stream *s) {
	size_t full = s->batch_messages > 0 ? s->batch_messages : MR_STREAM_BATCH_DEFAULT;
	return s->batch->n_messages >= full;
}

/* Delivers what the batch holds, if anything, and empties it. */
bool mr_stream_flush(struct mr_stream *s);

#endif
