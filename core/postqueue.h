#ifndef MR_POSTQUEUE_H
#define MR_POSTQUEUE_H

/*
 * Reads `postqueue -j` output: one JSON object per message and line
 * (queue_name, queue_id, arrival_time, message_size, forced_expire, sender,
 * recipients[] with address and delay_reason). Streaming: output is fed as
 * it arrives and each complete line becomes a message of the snapshot, so a
 * million-message queue never sits in memory as text.
 *
 * A message listed twice (qmgr moved it while postqueue read the queue) is
 * kept once, with a warning. A line that is not such an object is an error
 * naming the input and the line.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "snapshot.h"
#include "strpool.h"
#include "warnings.h"

struct mr_postqueue_reader {
	struct mr_snapshot *snap;
	char *name;            /* the input, for messages: "queue.jsonl", "standard input" */
	struct mr_buf partial; /* the unfinished last line */
	struct mr_buf scratch;
	/* The messages read so far by queue id (ids are not copied again):
	 * see remember_id() in postqueue.c; 0 is an empty slot. */
	uint64_t *id_slots;
	size_t id_mask, n_ids;
	/* Strings waiting to be interned, in batches (flush_pending() in
	 * postqueue.c); their bytes are copied to pending_text. */
	struct mr_postqueue_pending *pending;
	size_t n_pending, line_pending;
	struct mr_buf pending_text;
	size_t line;                 /* lines read */
	size_t duplicates;           /* messages listed twice, skipped */
	struct mr_warnings warnings; /* "NAME: line N: ..." */
	char *error;                 /* the first error, if any: "NAME: line N: ..." */
};

/* name says what is read, for the messages (shown made visible). */
void mr_postqueue_reader_init(
	struct mr_postqueue_reader *r, struct mr_snapshot *snap, const char *name);
void mr_postqueue_reader_finish(struct mr_postqueue_reader *r);

/* Feeds output; false once a line was bad (r->error says which and why). */
bool mr_postqueue_feed(struct mr_postqueue_reader *r, const char *data, size_t len);
/* The end of the output: a last line without a newline is read too. The
 * snapshot is complete only after this. */
bool mr_postqueue_end(struct mr_postqueue_reader *r);

#endif
