/*
 * libFuzzer target for the filter language (core/filter/filter.c, docs/filter.md):
 * any bytes, up to the first NUL, as what an operator types at the "/"
 * prompt or passes to --filter, or pastes from a ticket.
 *
 * A refused expression must say where, inside the text. A filter that
 * parses is run on two small listings built here, one source's and three
 * sources merged, with what real queues hold: recipients with and without
 * reasons, reasons that share most of their text (stored as differences),
 * a reason longer than the decoder reads, a message without recipients,
 * control characters and UTF-8 in addresses, priorities at their limits.
 * The answers must hold together: the count is the matches, both ways of
 * running agree, the recipient a listing names is one the filter took.
 *
 *   tests/fuzz/run 300 filter
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "filter.h"
#include "fuzz.h"
#include "xalloc.h"

enum { NOW = 1796564527 };

static void add(struct mr_snapshot *snap, const char *id, enum mr_queue queue, const char *sender,
	int64_t arrival, uint64_t size, const char *const *rcpts, const char *const *reasons) {
	struct mr_message *m = mr_snapshot_add_message(snap, id);
	m->queue = (uint8_t)queue;
	m->sender = mr_snapshot_intern(snap, sender);
	m->arrival = arrival;
	m->size = size;
	for (size_t i = 0; rcpts != NULL && rcpts[i] != NULL; i++) {
		struct mr_recipient *r = mr_snapshot_add_recipient(snap, rcpts[i]);
		if (reasons != NULL && reasons[i] != NULL) {
			r->reason = mr_snapshot_reason(snap, reasons[i], strlen(reasons[i]));
			r->state = queue == MR_QUEUE_BOUNCED ? MR_RCPT_BOUNCED : MR_RCPT_DEFERRED;
		}
	}
}

#define LIST(...) ((const char *const[]){ __VA_ARGS__, NULL })

static const char gmail_rate[] =
	"host gmail-smtp-in.l.google.com[142.250.153.27] said: 450-4.2.1 The user you are "
	"trying to contact is receiving mail at a rate that prevents additional messages from "
	"being delivered. (in reply to RCPT TO command)";
static const char yahoo[] = "host mta5.am0.yahoodns.net[67.195.204.72] said: 421 4.7.0 [TSS04] "
			    "Messages from 198.51.100.41 temporarily deferred due to unexpected "
			    "volume or user complaints (in reply to MAIL FROM command)";
static const char outlook[] =
	"host eur.olc.protection.outlook.com[52.101.68.24] said: 451 4.7.500 Server busy. "
	"Please try again later from [198.51.100.23]. (AS843) (in reply to RCPT TO command)";

/* A remote server's reply is anyone's text: this one is a long run of one
 * letter, what makes a backtracking regular expression take forever. */
static char hostile_reason[400];

/* One source's listing, as Postfix gives it (no priorities). */
static void fill_one(struct mr_snapshot *snap, const char *long_reason) {
	add(snap, "A8A8E104066", MR_QUEUE_DEFERRED, "shop@contoso-shop.eu", NOW - 3 * 3600, 2 << 20,
		LIST("a@gmail.com", "b@yahoo.com"), LIST(gmail_rate, yahoo));
	add(snap, "4jXzH44BMWz81Sm", MR_QUEUE_HOLD, "", NOW - 600, 5000, LIST("c@mx.gmail.com"),
		NULL);
	add(snap, "B0B0B0B0B0B", MR_QUEUE_DEFERRED, "news@mail.example.org", NOW - 2 * 86400, 500,
		LIST("d@outlook.com"), LIST(outlook));
	/* Reasons that differ in a few bytes: the pool keeps them as
	 * differences from the first, which the filter searches apart. */
	add(snap, "C1C1C1C1C1C", MR_QUEUE_BOUNCED, "x@y.test", NOW - 3600, 1000,
		LIST("e1@example.net", "e2@example.net", "E3@Example.NET"),
		LIST("host mx.example.net[192.0.2.1] said: 550 5.1.1 <e1@example.net>: Recipient "
		     "address rejected: User unknown in virtual mailbox table (in reply to RCPT TO "
		     "command)",
			"host mx.example.net[192.0.2.1] said: 550 5.1.1 <e2@example.net>: "
			"Recipient "
			"address rejected: User unknown in virtual mailbox table (in reply to RCPT "
			"TO command)",
			"host mx.example.net[192.0.2.1] said: 550 5.1.1 <E3@Example.NET>: "
			"Recipient "
			"address rejected: User unknown in virtual mailbox table (in reply to RCPT "
			"TO command)"));
	add(snap, "D2D2D2D2D2D", MR_QUEUE_DEFERRED, "al\x1b[2Jerts@S\xc3\xbcnk.Test", NOW - 7200,
		800,
		LIST("g@sink.test", "j\xc3\xbcrgen@b\xc3\xbc\x63her.example", "\x7f@\x01.test"),
		LIST("host mx.sink.test[127.0.0.1] said: 450 4.2.0 <g@sink.test>: Recipient "
		     "address rejected: Greylisted, please try again later (in reply to RCPT TO "
		     "command)",
			long_reason, "connect to \x01.test[192.0.2.9]:25: Connection refused"));
	/* No recipient at all (a listing cut short), and no arrival time. */
	add(snap, "E3E3E3E3E3E", MR_QUEUE_INCOMING, "MAILER-DAEMON@x.test", 0, 0, NULL, NULL);
	add(snap, "G5G5G5G5G5G", MR_QUEUE_DEFERRED, "spam@hostile.test", NOW - 60, 100,
		LIST("x@hostile.test"), LIST(hostile_reason));
	/* Arrived in the future: a clock that went back. */
	add(snap, "F4F4F4F4F4F", MR_QUEUE_ACTIVE, "a@b", NOW + 86400, UINT64_MAX / 2,
		LIST("h@[192.0.2.1]"), NULL);
}

/* A second source with priorities (a queue database), at their limits. */
static void fill_two(struct mr_snapshot *snap) {
	static const int32_t priorities[] = { 0, INT32_MIN, INT32_MAX, -1 };
	for (size_t i = 0; i < sizeof(priorities) / sizeof(*priorities); i++) {
		char id[16];
		snprintf(id, sizeof(id), "P%zu", i);
		add(snap, id, MR_QUEUE_DEFERRED, "shop@contoso-shop.eu", NOW - (int64_t)i * 3600, i,
			LIST("a@gmail.com"), LIST(gmail_rate));
		snap->messages[snap->n_messages - 1].priority = priorities[i];
		snap->messages[snap->n_messages - 1].flags |= MR_MSG_HAS_PRIORITY;
	}
}

static struct mr_snapshot *one, *merged;

static void build_listings(void) {
	/* Longer than the decoder reads (MR_DECODE_MAX): the words that
	 * matter come after the part it decodes. */
	struct mr_buf long_reason;
	mr_buf_init(&long_reason);
	mr_buf_add_str(&long_reason, "host mx.long.test[192.0.2.3] said: 452 4.3.1 ");
	while (long_reason.len < 3 * MR_DECODE_MAX) {
		mr_buf_add_str(&long_reason, "Insufficient system storage, ");
	}
	mr_buf_add_str(&long_reason, "try again later (in reply to end of DATA command)");

	int n = snprintf(hostile_reason, sizeof(hostile_reason),
		"host mx.hostile.test[192.0.2.66] said: 550 5.7.1 ");
	memset(hostile_reason + n, 'a', sizeof(hostile_reason) - (size_t)n - 2);
	hostile_reason[sizeof(hostile_reason) - 2] = '!';

	one = mr_snapshot_create();
	fill_one(one, long_reason.data);
	mr_snapshot_finish(one);

	static const char *const labels[] = { "mx1", "mx2/etc/postfix-out", "Relay3" };
	struct mr_snapshot *parts[3];
	for (size_t i = 0; i < 3; i++) {
		parts[i] = mr_snapshot_create();
	}
	fill_one(parts[0], long_reason.data);
	fill_two(parts[1]);
	fill_one(parts[2], "a short one");
	merged = mr_snapshot_create();
	mr_snapshot_set_origins(merged, labels, 3);
	for (size_t i = 0; i < 3; i++) {
		mr_snapshot_finish(parts[i]);
		mr_snapshot_merge(merged, parts[i], (uint16_t)i);
		mr_snapshot_destroy(parts[i]);
	}
	mr_buf_finish(&long_reason);
}

/* Runs f on snap both ways and checks the answers against each other;
 * returns how many messages matched. */
static size_t run_on(struct mr_filter *f, const struct mr_snapshot *snap) {
	size_t n = snap->n_messages, n_rcpts = snap->n_recipients;
	uint8_t *match = mr_xcalloc(n ? n : 1, 1), *again = mr_xcalloc(n ? n : 1, 1);
	uint8_t *rcpt_match = mr_xcalloc(n_rcpts ? n_rcpts : 1, 1);
	memset(match, 0xaa, n); /* every byte must be set, to 0 or 1 */
	memset(again, 0xaa, n);
	memset(rcpt_match, 0xaa, n_rcpts);
	size_t count = mr_filter_run(f, snap, NOW, match);
	size_t count_again = mr_filter_run_recipients(f, snap, NOW, again, rcpt_match);
	size_t counted = 0;
	for (size_t i = 0; i < n; i++) {
		if (match[i] > 1 || match[i] != again[i]) {
			abort();
		}
		counted += match[i];
		const struct mr_message *m = &snap->messages[i];
		size_t taken = 0;
		for (uint32_t k = 0; k < m->n_rcpts; k++) {
			uint8_t r = rcpt_match[m->first_rcpt + k];
			if (r > 1) {
				abort();
			}
			taken += r;
		}
		if (!match[i] && taken > 0) {
			abort(); /* recipients only of messages taken */
		}
		const struct mr_recipient *first = mr_filter_first_recipient(f, snap, NOW, m);
		if (first != NULL) {
			size_t j = (size_t)(first - snap->recipients);
			if (!match[i] || j < m->first_rcpt ||
				j >= (size_t)m->first_rcpt + m->n_rcpts || !rcpt_match[j]) {
				abort(); /* the named recipient is one the filter took */
			}
		} else if (match[i] && taken != m->n_rcpts) {
			abort(); /* says nothing about recipients: every one taken */
		}
	}
	if (count != counted || count_again != count || (mr_filter_is_empty(f) && count != n)) {
		abort();
	}
	/* The table names the recipient the filter picked. */
	static FILE *null;
	if (null == NULL && (null = fopen("/dev/null", "w")) == NULL) {
		abort();
	}
	if (!mr_export_snapshot(null, MR_EXPORT_TABLE, "fuzz", snap, match, f, NOW)) {
		abort();
	}
	free(match);
	free(again);
	free(rcpt_match);
	return count;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	if (one == NULL) {
		build_listings();
	}
	/* An exact-size copy with its NUL: reading past the end is caught. */
	char *expr = mr_xmalloc(size + 1);
	memcpy(expr, data, size);
	expr[size] = '\0';
	size_t len = strlen(expr);
	struct mr_filter_error err;
	struct mr_filter *f = mr_filter_parse(expr, mr_kb_default(), &err);
	if (f == NULL) {
		if (err.pos > len || err.message[0] == '\0' ||
			memchr(err.message, '\0', sizeof(err.message)) == NULL) {
			abort(); /* an error points into the text and says something */
		}
		fuzz_note("refused: at %zu, %s", err.pos, err.message);
	} else {
		size_t a = run_on(f, one), b = run_on(f, merged);
		fuzz_note("parsed: %s, ran on %zu messages (%zu matched) and %zu from 3 sources "
			  "(%zu matched)",
			mr_filter_is_empty(f) ? "empty" : "a filter", one->n_messages, a,
			merged->n_messages, b);
		mr_filter_free(f);
	}
	free(expr);
	return 0;
}
