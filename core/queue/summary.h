#ifndef MR_SUMMARY_H
#define MR_SUMMARY_H

/*
 * A queue at a glance, for `mailroom summary` and the screen's summary view:
 * recipients by domain and age (as Postfix's qshape shows them), by source
 * and age when several sources are shown as one, by cause category, and by
 * reason (recipients whose reasons decode alike: same category, code and
 * remote host). Every row carries the filter that selects its mail, so the
 * screen can apply it.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "kb.h"
#include "snapshot.h"
#include "summary_facts.h"

/* The age columns (mr_summary_age_minutes) are in summary_facts.h. Column heads, as qshape's: the
 * column holds mail up to that many minutes old ("5", ... "1280", "1280+"). */
extern const char *const mr_summary_age_heads[MR_SUMMARY_AGES];
/* The filter that selects a column's mail: "age:>=5m age:<10m" (to free). */
char *mr_summary_age_filter(size_t column);

struct mr_summary_row {
	char *label;  /* "gmail.com", "greylisting", a reason's example */
	char *filter; /* "domain:gmail.com", "cat:greylisting", ... */
	size_t count; /* recipients */
	size_t ages[MR_SUMMARY_AGES];
	/* reasons only */
	const char *category;
	char code[16]; /* "4.7.28" or "421", "" without */
	char *host;    /* NULL without */
};

/*
 * The domain qshape files an address under, into out (replaced): the
 * address lower-cased, the null sender ("") as MAILER-DAEMON, what follows
 * its last '@' (the whole address without one), ".." made ".", and one dot
 * at either end dropped. Returns whether that is exactly the part after an
 * '@' lower-cased, so that "to:*@DOMAIN" or "from:*@DOMAIN" selects the
 * row's mail; when not, the row gets no filter.
 */
bool mr_summary_domain(const char *address, struct mr_buf *out);

struct mr_summary {
	size_t messages, recipients;
	size_t queues[MR_QUEUE_COUNT];
	/* Of the messages counted, those the operator expired that are still
	 * queued (mr_message_state() is MR_STATE_EXPIRING): counted in their
	 * queue, as they are in it. (Postfix 3.7's qshape skips their files:
	 * it takes only mode 0700 ones, and postsuper -e adds a bit.) */
	size_t expiring;
	struct mr_summary_row total; /* every recipient, by age */
	/* The most frequent first, at most the limit asked for; the domains'
	 * rest is one more row labelled "(other)". */
	struct mr_summary_row *domains, *categories, *reasons;
	size_t n_domains, n_categories, n_reasons;
	/* qshape -s: one count per message, by its sender's domain (the null
	 * sender as MAILER-DAEMON), by age; sender_total counts the messages.
	 * The most frequent first, the rest in "(other)". */
	struct mr_summary_row sender_total;
	struct mr_summary_row *senders;
	size_t n_senders;
	/* Several sources: a row per source with a recipient shown, by age
	 * ("source:LABEL"); none with one source. Most recipients first. */
	struct mr_summary_row *sources;
	size_t n_sources;
};

/* Summarises the messages with only[i] set (all when only is NULL), and of
 * them the recipients with only_rcpt[j] set (all when NULL): those a filter
 * holds for (mr_filter_run_recipients), so that every row's filter, added
 * to that filter, still finds mail. */
/*
 * What a summary counts: the queue, as qshape counts it, or (bounced) the
 * mail that bounced or expired, which only the mail log still knows of.
 * mr_summary_scope() narrows only (NULL: every message) to that kind, as a
 * mask to free, and counts the messages of the other kind it leaves out and
 * their recipients that only_rcpt (NULL: all) holds for.
 */
struct mr_summary_scope {
	bool bounced;
	/* The queues counted, as qshape's queue arguments: bit 1 << queue;
	 * 0 is every queue. Messages of the others, bounced mail included,
	 * are neither counted nor "left": outside counts them. Only with
	 * bounced false. */
	unsigned queues;
	size_t counted;                        /* messages */
	size_t left_messages, left_recipients; /* of the other kind */
	size_t outside;                        /* messages of the queues not asked for */
};
/* qshape's queues when none is named: incoming and active. */
#define MR_SUMMARY_QSHAPE_QUEUES \
	(MR_SUMMARY_QUEUE_BIT(MR_QUEUE_INCOMING) | MR_SUMMARY_QUEUE_BIT(MR_QUEUE_ACTIVE))
/* "hold,deferred" (any order, a name at most once, not bounced) into *queues;
 * false with the problem in why (size bytes). */
bool mr_summary_queues_parse(const char *list, unsigned *queues, char *why, size_t size);
/* The queues' names joined by sep ("incoming, active"), in the queues'
 * order, as a string to free. */
char *mr_summary_queues_name(unsigned queues, const char *sep);
/* A filter term that selects the queues' mail ("queue:hold",
 * "(queue:incoming or queue:active)"), to free; "" for every queue. */
char *mr_summary_queues_filter(unsigned queues);
uint8_t *mr_summary_scope(const struct mr_snapshot *snap, const uint8_t *only,
	const uint8_t *only_rcpt, struct mr_summary_scope *scope);

/* The queues whose messages a scope counts, as bits (MR_SUMMARY_QUEUE_BIT). */
unsigned mr_summary_scope_counted(const struct mr_summary_scope *scope);

void mr_summary_build(struct mr_summary *s, const struct mr_snapshot *snap, const uint8_t *only,
	const uint8_t *only_rcpt, const struct mr_kb *kb, int64_t now, size_t top);
/* The same summary of facts a source gathered (summary_facts.h), asked for
 * with counted_queues = mr_summary_scope_counted(scope): every message of
 * those queues, every recipient; fills scope's counts as mr_summary_scope()
 * would. Decodes each distinct reason text once. */
void mr_summary_build_facts(struct mr_summary *s, struct mr_summary_scope *scope,
	struct mr_summary_facts *f, const struct mr_kb *kb, size_t top);
void mr_summary_finish(struct mr_summary *s);

#endif
