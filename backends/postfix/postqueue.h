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
#include "stream.h"
#include "strpool.h"
#include "warnings.h"

/*
 * The longest line read: 64 MiB. postqueue -j writes a message a line, a few
 * hundred bytes (with a thousand recipients and their reasons, some hundred
 * KB). A longer line is not a listing, and reading it whole would cost its
 * size in memory, or all the memory there is for one that never ends: it is
 * refused once it passes this, with the input and the line named.
 */
#define MR_POSTQUEUE_LINE_MAX ((size_t)64 << 20)

struct mr_postqueue_reader {
	struct mr_snapshot *snap;
	char *name;            /* the input, for messages: "queue.jsonl", "standard input" */
	struct mr_buf partial; /* the unfinished last line */
	struct mr_buf scratch;
	/* The messages read so far by queue id (ids are not copied again):
	 * see remember_id() in postqueue.c; 0 is an empty slot. */
	uint64_t *id_slots;
	size_t id_mask, n_ids;
	/* Streaming (mr_postqueue_reader_stream): the batch is snap, and the
	 * ids are kept here, as the batches that held them are gone. */
	struct mr_stream *stream;
	struct mr_buf stream_ids; /* NUL-terminated, one after the other */
	/* Short ids (hex, as most Postfix queues have them) are kept as
	 * numbers instead, in a set of their own: packed_hex_id() in
	 * postqueue.c; 0 is an empty slot. */
	uint64_t *hex_slots;
	size_t hex_mask, n_hex;
	/* Strings waiting to be interned, in batches (flush_pending() in
	 * postqueue.c); their bytes are copied to pending_text. */
	struct mr_postqueue_pending *pending;
	size_t n_pending, line_pending;
	struct mr_buf pending_text;
	size_t line;                 /* lines read */
	size_t line_max;             /* MR_POSTQUEUE_LINE_MAX (tests set less) */
	size_t duplicates;           /* messages listed twice, skipped */
	size_t glimpsed;             /* messages when a glimpse was last offered */
	struct mr_warnings warnings; /* "NAME: line N: ..." */
	char *error;                 /* the first error, if any: "NAME: line N: ..." */
};

/* name says what is read, for the messages (shown made visible). */
void mr_postqueue_reader_init(
	struct mr_postqueue_reader *r, struct mr_snapshot *snap, const char *name);
void mr_postqueue_reader_finish(struct mr_postqueue_reader *r);
/* Reads into s->batch (init's snap is NULL), offering it to s after each
 * message: a message listed twice is still found, in any two batches. A
 * stop is an error ("listing stopped"). Call it before feeding. */
void mr_postqueue_reader_stream(struct mr_postqueue_reader *r, struct mr_stream *s);

/* Feeds output; false once a line was bad (r->error says which and why),
 * or longer than r->line_max: "NAME: line N: longer than 64 MiB". */
bool mr_postqueue_feed(struct mr_postqueue_reader *r, const char *data, size_t len);
/* The end of the output: a last line without a newline is read too. The
 * snapshot is complete only after this. */
bool mr_postqueue_end(struct mr_postqueue_reader *r);

/* For text kept before it is read (standard input, read when it is
 * opened): its lines counted as the bytes go by, and refused past max as
 * the reader would refuse them ("NAME: line N: longer than 64 MiB"). */
struct mr_line_meter {
	size_t lines; /* ended so far */
	size_t len;   /* of the line not ended yet */
};
bool mr_line_meter_feed(struct mr_line_meter *m, const char *data, size_t len, size_t max,
	const char *name, char **cause);

#endif
