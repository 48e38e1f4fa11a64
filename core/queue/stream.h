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
 * With two cores or more, the batches are handed over (handoff.h) to a
 * thread of their own, which finishes (decodes) and delivers them in order while the
 * source reads the next: reading and writing a listing overlap. deliver is
 * then called on that thread, one batch at a time, never on the source's.
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
	/* Batches as read: not finished, no diagnoses (a consumer that
	 * decodes the reasons its own way, once over the whole listing). */
	bool undecoded;

	/* Set by mr_source_stream(). The backend fills batch, and reads it
	 * again after each offer: it may be another snapshot by then.
	 * stopped: deliver said stop (the source's thread knows it at its
	 * next offer); delivered: messages handed over so far. */
	struct mr_snapshot *batch;
	int64_t taken_at; /* the listing's "now", from its start */
	bool stopped;
	size_t delivered;
	struct mr_stream_relay *relay; /* the batches and the delivering thread */
};

/* Before the source reads (mr_source_stream() calls it): the batches,
 * the first to fill, and the delivering thread when there is a core for
 * it (else batches are delivered on the caller's thread). */
void mr_stream_start(struct mr_stream *s);
/* After the source read: the last batch delivered when it read the whole
 * listing (read_whole; else it is dropped), every batch handed over
 * delivered, the thread ended, the batches freed. Whether every batch was
 * delivered (false: read_whole was, or s->stopped). */
bool mr_stream_end(struct mr_stream *s, bool read_whole);

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

/* Delivers what the batch holds, if anything, and gives the source an
 * empty one in s->batch. */
bool mr_stream_flush(struct mr_stream *s);

#endif
