#ifndef MR_SNAPSHOT_H
#define MR_SNAPSHOT_H

/*
 * What one refresh of a source returned: flat arrays of messages and
 * recipients plus the pool their strings live in. A backend fills it with
 * mr_snapshot_add_message() and mr_snapshot_add_recipient() (which always
 * belongs to the message added last) and then calls mr_snapshot_finish().
 */

#include <stdbool.h>
#include <stddef.h>

#include "decode.h"
#include "distinct.h"
#include "model.h"
#include "strpool.h"
#include "textpool.h"

struct mr_snapshot;

/*
 * Told as a listing is read, every MR_PROGRESS_MESSAGES messages added: so
 * that a screen can say how far the first listing of a big queue has come
 * instead of leaving the terminal as it was for seconds. tell is NULL for
 * none.
 */
#define MR_PROGRESS_MESSAGES 16384
struct mr_listing_progress {
	void (*tell)(void *ctx, size_t messages);
	/*
	 * Offered a look at the listing so far, every MR_GLIMPSE_MESSAGES
	 * messages, by readers whose messages are whole as soon as they are
	 * read (postqueue -j's lines, SQLite's rows): snap's messages are
	 * complete, and may be copied (mr_snapshot_copy_front()) on the
	 * reader's thread, during the call. So a screen can show the front of
	 * a big queue while the rest is read. NULL for none.
	 */
	void (*glimpse)(void *ctx, const struct mr_snapshot *snap);
	void *ctx;
};
#define MR_GLIMPSE_MESSAGES 1024

struct mr_snapshot {
	struct mr_message *messages;
	size_t n_messages;
	size_t cap_messages;
	struct mr_recipient *recipients;
	size_t n_recipients;
	size_t cap_recipients;
	struct mr_strpool *strings;
	struct mr_textpool *reasons; /* stored in strings */
	int64_t taken_at;
	size_t queue_counts[MR_QUEUE_COUNT]; /* set by mr_snapshot_finish() */
	/* One per distinct reason text (set by mr_snapshot_finish()): real
	 * queues repeat a reason thousands of times and it is decoded once. */
	struct mr_diagnosis *diagnoses;
	size_t n_diagnoses, cap_diagnoses;
	/* Decoding while a listing is read (mr_snapshot_decode_soon()). */
	struct mr_early_decoder *early;
	size_t early_next; /* the index of the next text it expects */
	/* Never decoded (a batch for a consumer that decodes the reasons its
	 * own way, stream.h): no early decoding either. */
	bool undecoded;
	/* Delivery attempts from a mail log, ordered by message
	 * (mr_message_history()); none for sources without one. */
	struct mr_attempt *attempts;
	size_t n_attempts, cap_attempts;
	/* The sources of a merged listing by message origin ("mx1", "mx2"),
	 * in the pool; none (0) when one source listed it. */
	const char **origins;
	size_t n_origins;
	/* Indexes built on first use (below), dropped when the snapshot is. */
	struct mr_snapshot_derived *derived;
	struct mr_listing_progress progress; /* none unless the lister sets it */
};

/* For a reader whose messages are whole as read: whether snap's glimpse is
 * due now (asked for, at a multiple of MR_GLIMPSE_MESSAGES messages not
 * offered yet; *last keeps the count it was last offered at). */
static inline bool mr_snapshot_glimpse_due(const struct mr_snapshot *snap, size_t *last) {
	size_t n = snap->n_messages;
	if (snap->progress.glimpse == NULL || n % MR_GLIMPSE_MESSAGES != 0 || n == *last) {
		return false;
	}
	*last = n;
	return true;
}

/* Offers it, on the reader's thread. */
static inline void mr_snapshot_glimpse(const struct mr_snapshot *snap) {
	snap->progress.glimpse(snap->progress.ctx, snap);
}

struct mr_snapshot *mr_snapshot_create(void);
void mr_snapshot_destroy(struct mr_snapshot *snap);
/* Empties the snapshot for reuse (generators fill it in batches). */
void mr_snapshot_clear(struct mr_snapshot *snap);

const char *mr_snapshot_intern(struct mr_snapshot *snap, const char *s);
const char *mr_snapshot_intern_len(struct mr_snapshot *snap, const char *s, size_t len);
/* A reason text, interned in the snapshot's text pool. */
const struct mr_text *mr_snapshot_reason(struct mr_snapshot *snap, const char *s, size_t len);

/* A zeroed message with unknown times and attempts, id copied into the pool
 * (NULL: "", for a reader that sets it later). */
struct mr_message *mr_snapshot_add_message(struct mr_snapshot *snap, const char *id);
/* A pending recipient of the message added last, address interned (NULL:
 * "", for a reader that sets it later). */
struct mr_recipient *mr_snapshot_add_recipient(struct mr_snapshot *snap, const char *address);

/*
 * Room for k more recipients, one at the end of the run of each
 * messages[i] (indexes, nondecreasing; a message named twice gets two):
 * pending recipients with address "", after the message's own. The
 * recipients after them move, in one pass over the array, so a reader
 * that learns of recipients the listing did not have (a mail log's) adds
 * them all at once.
 */
void mr_snapshot_insert_recipients(struct mr_snapshot *snap, const uint32_t *messages, size_t k);

/* An attempt of message (its index), its strings interned and reply in
 * the text pool (decoded by mr_snapshot_finish()), its recipient, relay,
 * dsn and reply set by the caller. Attempts are added message by message,
 * in the order of the messages (a message's index never smaller than the
 * last one's). */
struct mr_attempt *mr_snapshot_add_attempt(struct mr_snapshot *snap, uint32_t message);

/* A message's attempts, oldest first (as logged): *n of them, NULL when
 * none. */
const struct mr_attempt *mr_message_history(
	const struct mr_snapshot *snap, const struct mr_message *msg, size_t *n);

/* The latest attempt of its recipients, or MR_TIME_UNKNOWN. */
int64_t mr_message_last_attempt(const struct mr_snapshot *snap, const struct mr_message *msg);

/* The decoded reply of an attempt, or NULL when it has none. */
static inline const struct mr_diagnosis *mr_attempt_diagnosis(
	const struct mr_snapshot *snap, const struct mr_attempt *a) {
	return a->reply == NULL || a->reply->index >= snap->n_diagnoses
		       ? NULL
		       : &snap->diagnoses[a->reply->index];
}

/* For a reader of big listings: t, just interned, may be decoded now on
 * another core instead of in mr_snapshot_finish() (decoding.h). Texts
 * interned before are ignored, so every reason may be passed. */
void mr_snapshot_decode_soon(struct mr_snapshot *snap, const struct mr_text *t);

/* Derives per-message attempts and next retry where the backend left them
 * unknown, counts the messages per queue, and decodes every distinct reason
 * (reasons are interned: equal texts are found by their pointer). */
void mr_snapshot_finish(struct mr_snapshot *snap);

static inline const struct mr_recipient *mr_message_rcpt(
	const struct mr_snapshot *snap, const struct mr_message *msg, size_t i) {
	return &snap->recipients[msg->first_rcpt + i];
}

/* The recipient whose reason best explains why the message is stuck: the
 * first deferred or bounced one with a reason, else any with a reason, else
 * NULL. */
const struct mr_recipient *mr_message_main_failure(
	const struct mr_snapshot *snap, const struct mr_message *msg);

/* What a line of a listing names for a message: a recipient (the one a
 * filter picked, else the first; NULL when it has none) and the failure it
 * explains (the picked recipient's own when it has a reason, else the main
 * failure), so that under "domain:gmail.com" a message to Gmail and GMX
 * reads as the Gmail recipient and its reply. */
struct mr_headline {
	const struct mr_recipient *recipient, *failure;
};
struct mr_headline mr_message_headline(const struct mr_snapshot *snap, const struct mr_message *msg,
	const struct mr_recipient *picked);

/* The decoded reason of a recipient, or NULL when it has none. */
static inline const struct mr_diagnosis *mr_recipient_diagnosis(
	const struct mr_snapshot *snap, const struct mr_recipient *r) {
	return r->diagnosis == MR_NO_DIAGNOSIS ? NULL : &snap->diagnoses[r->diagnosis];
}

/* The distinct domains of the recipients (one id per recipient; the part
 * after the last '@', as written) and the distinct senders (one per
 * message), built on first use from the finished snapshot. Not for two
 * threads at once. */
const struct mr_distinct *mr_snapshot_rcpt_domains(const struct mr_snapshot *snap);
const struct mr_distinct *mr_snapshot_senders(const struct mr_snapshot *snap);

/* Linear search by queue id; NULL when absent. */
const struct mr_message *mr_snapshot_find(const struct mr_snapshot *snap, const char *id);
/* The same, among the messages of one origin (ids repeat across sources). */
const struct mr_message *mr_snapshot_find_from(
	const struct mr_snapshot *snap, uint16_t origin, const char *id);

/*
 * Merging the listings of several sources into one: into, new or finished,
 * first gets its origins' labels (mr_snapshot_set_origins), then each
 * part's messages with part's origin, and stays finished: the parts' strings
 * are copied into its pools and their diagnoses taken as they are, so no
 * reason is decoded twice.
 */
void mr_snapshot_set_origins(struct mr_snapshot *into, const char *const *labels, size_t n);
void mr_snapshot_merge(struct mr_snapshot *into, const struct mr_snapshot *part, uint16_t origin);

/* A new snapshot of from's first n messages with their recipients, strings
 * copied, not finished (its reasons are decoded by mr_snapshot_finish()):
 * for a listing still being read, whose diagnoses and attempts are not
 * there yet, so neither is copied. */
struct mr_snapshot *mr_snapshot_copy_front(const struct mr_snapshot *from, size_t n);

/* The label of a message's source, or NULL with one source. */
static inline const char *mr_message_origin(
	const struct mr_snapshot *snap, const struct mr_message *msg) {
	return msg->origin < snap->n_origins ? snap->origins[msg->origin] : NULL;
}

#endif
