#ifndef MR_SUMMARY_FACTS_H
#define MR_SUMMARY_FACTS_H

/*
 * What a summary needs of a queue, gathered while a source reads it, without
 * a listing: a source that can read its whole queue fast (SQLite) feeds each
 * message and its recipients here, and only the counts stay, grouped by what
 * the summary files them under. A million messages then cost their reading,
 * not a snapshot (mr_backend_ops.summarise; mr_summary_build_facts).
 *
 * The rules of what is counted are here, not in the source: the source only
 * hands over the rows as a listing would have them.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decoding.h"
#include "model.h"
#include "ptrmap.h"
#include "snapshot.h"
#include "strpool.h"
#include "textpool.h"

/* Age columns in minutes, as qshape's: 0-5, 5-10, ..., 640-1280, 1280+. */
#define MR_SUMMARY_AGES 10
extern const int mr_summary_age_minutes[MR_SUMMARY_AGES]; /* lower bounds */
/* The column of mail that arrived at arrival (known), seen at now. */
size_t mr_summary_age_column(int64_t now, int64_t arrival);

/* A queue among a set of queues (struct mr_summary_scope, counted_queues). */
#define MR_SUMMARY_QUEUE_BIT(q) (1u << (q))

/* Whether a recipient of a message in queue is still queued, as qshape
 * counts: one bounced while others of its message are still queued (a mail
 * log said so) is not. */
static inline bool mr_summary_rcpt_queued(enum mr_rcpt_state state, enum mr_queue queue) {
	return state != MR_RCPT_BOUNCED || queue == MR_QUEUE_BOUNCED;
}

/* Mail alike in what a summary counts of it: how much, and of that with a
 * known arrival how much in each age column. */
struct mr_summary_weight {
	size_t count;
	size_t ages[MR_SUMMARY_AGES];
};

/* Mail filed under one key: the part of an address that decides its domain
 * (from its last '@' on; the whole address without one; "" for the null
 * sender), so that mr_summary_domain() of the key is the address's. */
struct mr_summary_fact {
	const char *key;
	struct mr_summary_weight weight;
};

struct mr_summary_facts {
	/* Asked: the queues whose mail is counted (MR_SUMMARY_QUEUE_BIT) and
	 * the time the ages are taken at. */
	unsigned counted_queues;
	int64_t now;
	/* Every message and recipient fed, by the message's queue. */
	size_t queue_messages[MR_QUEUE_COUNT], queue_recipients[MR_QUEUE_COUNT];
	/* Of the counted messages, those mr_message_state() calls expiring. */
	size_t expiring;
	/* The counted messages by sender, the counted recipients still queued
	 * (not bounced, unless their message is) by address. */
	struct mr_summary_fact *senders, *recipients;
	size_t n_senders, n_recipients;
	/* Every reason text fed, counted or not, by its index in the pool (the
	 * order first fed, as a snapshot's), and the counted recipients of each. */
	struct mr_textpool *reasons;
	struct mr_summary_weight *reason_weights;
	/* Below: the gathering's own. */
	struct mr_strpool *keys, *texts;
	struct mr_ptrmap sender_index, recipient_index;
	size_t cap_senders, cap_recipients, cap_reason_weights;
	/* Decoding the reasons on another core while the source reads
	 * (decoding.h): texts come in the order of their index. */
	const struct mr_kb *kb;
	struct mr_early_decoder *early;
	size_t early_next;
	bool counting, known_age; /* the message fed last */
	uint8_t queue;
	size_t column;
};

/* kb: what the reasons are decoded with, as the summary will be built. */
void mr_summary_facts_init(
	struct mr_summary_facts *f, unsigned counted_queues, int64_t now, const struct mr_kb *kb);
/* Every distinct reason's diagnosis, by index (what early decoding did and
 * the rest), in an array of *cap to free with mr_big_free(p, *cap *
 * sizeof(*p)). */
struct mr_diagnosis *mr_summary_facts_decode(
	struct mr_summary_facts *f, const struct mr_kb *kb, size_t *cap);
void mr_summary_facts_finish(struct mr_summary_facts *f);

/* A message, as a listing has it (arrival MR_TIME_UNKNOWN when not known);
 * the recipients fed next are its own. */
void mr_summary_facts_message(struct mr_summary_facts *f, enum mr_queue queue, bool forced_expire,
	int64_t arrival, const char *sender, size_t sender_len);
/* A recipient of the message fed last; reason NULL when it has none. */
void mr_summary_facts_recipient(struct mr_summary_facts *f, const char *address, size_t address_len,
	enum mr_rcpt_state state, const char *reason, size_t reason_len);

/* Every message of a batch of a listing (stream.h) and its recipients. */
void mr_summary_facts_batch(struct mr_summary_facts *f, const struct mr_snapshot *batch);

#endif
