/*
 * What the Postfix backend reads from Postfix's own lines, without Postfix
 * and without root: the mail log (backends/postfix/maillog.c) for mail that
 * bounced or expired, for every listed message's delivery attempts
 * (backends/postfix/history.c) and for the new ids of requeued mail, and postsuper's
 * per-id lines (backends/postfix/act.c) for what an action did. Each table
 * row is real lines as Postfix 3.7 writes them (syslog's "Dec  7", postlog's
 * "Dec 07", RFC 3339 stamps), or lines that must not count, and what must
 * come of them, written out by hand. Times are UTC (TZ is set), so the
 * expected seconds are plain numbers.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "postfix/internal.h"
#include "snapshot.h"
#include "xalloc.h"

/* 2026-12-07 12:00:00 UTC: the lines below are from before it. */
#define NOW_DEC7 "1796644800"

/* A message the listing already has: the log's lines about it do not add
 * it again. */
#define QUEUED_ID "4N1QzZ9abcz9sWQ"

static char *write_log(const char *name, const char *text) {
	char *path = t_tmppath(name);
	FILE *f = fopen(path, "w");
	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
		t_note("cannot write %s", path);
		exit(99);
	}
	return path;
}

/* The log's end as a listing reads it; what it says of the log is dropped. */
static struct pf_maillog *read_log(struct pf *pf) {
	char *note = NULL;
	struct pf_maillog *log = pf_maillog_read(pf, &note);
	free(note);
	return log;
}

/* --- bounced and expired mail ------------------------------------------- */

struct want_rcpt {
	const char *address, *reason;
	int64_t when;
};

struct want_msg {
	const char *id, *sender;
	uint64_t size;
	int64_t arrival;
	size_t n_rcpts;
	struct want_rcpt rcpts[2];
};

struct log_case {
	const char *name;
	const char *now; /* MAILROOM_NOW */
	const char *log;
	const char *added; /* the ids added to the listing, sorted, space-separated */
	struct want_msg msgs[2];
};

static const char unknown_user[] =
	"host mx.example.com[192.0.2.20] said: 550 5.1.1 <nobody@example.com>: Recipient "
	"address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command)";
static const char timed_out[] = "connect to mx.example.org[192.0.2.10]:25: Connection timed out";
static const char lab_unknown[] =
	"host 127.0.0.1[127.0.0.1] said: 550 5.1.1 User unknown (in reply to RCPT TO command)";

static const struct log_case log_cases[] = {
	{ "bounced by the remote server (syslog)", NOW_DEC7,
		"Dec  7 10:00:00 mx postfix/pickup[1201]: 4N1QbK0Yzbz9sWL: uid=0 from=<root>\n"
		"Dec  7 10:00:00 mx postfix/cleanup[1203]: 4N1QbK0Yzbz9sWL: "
		"message-id=<20261207100000.4N1QbK0Yzbz9sWL@mx.example.org>\n"
		"Dec  7 10:00:01 mx postfix/qmgr[1202]: 4N1QbK0Yzbz9sWL: "
		"from=<shop@contoso-shop.eu>, size=2291, nrcpt=1 (queue active)\n"
		"Dec  7 10:00:02 mx postfix/smtp[1204]: 4N1QbK0Yzbz9sWL: to=<nobody@example.com>, "
		"relay=mx.example.com[192.0.2.20]:25, delay=1.2, delays=0.05/0.01/0.6/0.5, "
		"dsn=5.1.1, status=bounced (host mx.example.com[192.0.2.20] said: 550 5.1.1 "
		"<nobody@example.com>: Recipient address rejected: User unknown in virtual mailbox "
		"table (in reply to RCPT TO command))\n"
		"Dec  7 10:00:02 mx postfix/bounce[1205]: 4N1QbK0Yzbz9sWL: sender non-delivery "
		"notification: 4N1QbL1abcz9sWM\n"
		"Dec  7 10:00:02 mx postfix/qmgr[1202]: 4N1QbK0Yzbz9sWL: removed\n",
		"4N1QbK0Yzbz9sWL",
		{ { "4N1QbK0Yzbz9sWL", "shop@contoso-shop.eu", 2291, 1796637601, 1,
			{ { "nobody@example.com", unknown_user, 1796637602 } } } } },
	{ "two recipients, one delivered: only the bounced one", NOW_DEC7,
		"Dec  7 10:00:01 mx postfix/qmgr[1202]: 4N1QbK0Yzbz9sWL: "
		"from=<shop@contoso-shop.eu>, size=2291, nrcpt=2 (queue active)\n"
		"Dec  7 10:00:02 mx postfix/smtp[1204]: 4N1QbK0Yzbz9sWL: to=<anna@example.net>, "
		"relay=mx.example.net[192.0.2.30]:25, delay=1.1, delays=0.05/0.01/0.5/0.5, "
		"dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 4N1QbL2xyz)\n"
		"Dec  7 10:00:02 mx postfix/smtp[1204]: 4N1QbK0Yzbz9sWL: to=<nobody@example.com>, "
		"relay=mx.example.com[192.0.2.20]:25, delay=1.2, delays=0.05/0.01/0.6/0.5, "
		"dsn=5.1.1, status=bounced (host mx.example.com[192.0.2.20] said: 550 5.1.1 "
		"<nobody@example.com>: Recipient address rejected: User unknown in virtual mailbox "
		"table (in reply to RCPT TO command))\n",
		"4N1QbK0Yzbz9sWL",
		{ { "4N1QbK0Yzbz9sWL", "shop@contoso-shop.eu", 2291, 1796637601, 1,
			{ { "nobody@example.com", unknown_user, 1796637602 } } } } },
	{ "expired: the last deferred reason, returned to the sender", NOW_DEC7,
		"Nov 30 09:15:00 mx postfix/qmgr[1202]: A8A8E104066: from=<news@example.net>, "
		"size=4100, nrcpt=1 (queue active)\n"
		"Dec  7 09:00:00 mx postfix/smtp[1210]: A8A8E104066: to=<list@example.org>, "
		"relay=none, delay=604680, delays=604650/0.01/30/0, dsn=4.4.1, status=deferred "
		"(connect to mx.example.org[192.0.2.10]:25: Connection timed out)\n"
		"Dec  7 10:05:00 mx postfix/qmgr[1202]: A8A8E104066: from=<news@example.net>, "
		"status=expired, returned to sender\n",
		"A8A8E104066",
		{ { "A8A8E104066", "news@example.net", 4100, 1796030100, 1,
			{ { "list@example.org", timed_out, 1796637900 } } } } },
	{ "force-expired (postsuper -f), returned to the sender", NOW_DEC7,
		"Dec  7 09:00:00 mx postfix/smtp[1210]: A8A8E104066: to=<list@example.org>, "
		"relay=none, delay=30, delays=0/0.01/30/0, dsn=4.4.1, status=deferred "
		"(connect to mx.example.org[192.0.2.10]:25: Connection timed out)\n"
		"Dec  7 10:05:00 mx postfix/qmgr[1202]: A8A8E104066: from=<news@example.net>, "
		"status=force-expired, returned to sender\n",
		"A8A8E104066",
		{ { "A8A8E104066", "news@example.net", 0, 1796634000, 1,
			{ { "list@example.org", timed_out, 1796637900 } } } } },
	{ "postlog's zero-padded day (a lab log line)", NOW_DEC7,
		"Dec 06 22:03:49 lab postfix/smtp[31972]: D1258A78394: to=<nouser@sink.test>, "
		"relay=127.0.0.1[127.0.0.1]:46485, delay=0.01, delays=0/0/0/0.01, dsn=5.1.1, "
		"status=bounced (host 127.0.0.1[127.0.0.1] said: 550 5.1.1 User unknown (in reply "
		"to RCPT TO command))\n"
		"Dec 06 22:03:49 lab postfix/qmgr[31879]: D1258A78394: removed\n",
		"D1258A78394",
		{ { "D1258A78394", "", 0, 1796594629, 1,
			{ { "nouser@sink.test", lab_unknown, 1796594629 } } } } },
	{ "the new year: December's lines are last year's", "1798876800",
		"Dec 31 23:59:58 mx postfix/smtp[1204]: D1258A78394: to=<nouser@sink.test>, "
		"relay=127.0.0.1[127.0.0.1]:46485, delay=0.01, delays=0/0/0/0.01, dsn=5.1.1, "
		"status=bounced (host 127.0.0.1[127.0.0.1] said: 550 5.1.1 User unknown (in reply "
		"to RCPT TO command))\n",
		"D1258A78394",
		{ { "D1258A78394", "", 0, 1798761598, 1,
			{ { "nouser@sink.test", lab_unknown, 1798761598 } } } } },
	{ "RFC 3339 stamps (rsyslog): the time with its offset", NOW_DEC7,
		"2026-12-07T10:00:01.000217+00:00 mx postfix/qmgr[1202]: D1258A78394: "
		"from=<shop@contoso-shop.eu>, size=2291, nrcpt=1 (queue active)\n"
		"2026-12-07T11:00:02.123456+01:00 mx postfix/smtp[1204]: D1258A78394: "
		"to=<nouser@sink.test>, relay=127.0.0.1[127.0.0.1]:46485, delay=0.01, "
		"delays=0/0/0/0.01, dsn=5.1.1, status=bounced (host 127.0.0.1[127.0.0.1] said: 550 "
		"5.1.1 User unknown (in reply to RCPT TO command))\n",
		"D1258A78394",
		{ { "D1258A78394", "shop@contoso-shop.eu", 2291, 1796637601, 1,
			{ { "nouser@sink.test", lab_unknown, 1796637602 } } } } },
	{ "short-iso stamps (journalctl) and Z, across the new year", "1798876800",
		"2026-12-31T19:59:58-0400 mx postfix/qmgr[1202]: D1258A78394: "
		"from=<shop@contoso-shop.eu>, size=2291, nrcpt=1 (queue active)\n"
		"2027-01-01T00:00:01Z mx postfix/smtp[1204]: D1258A78394: "
		"to=<nouser@sink.test>, relay=127.0.0.1[127.0.0.1]:46485, delay=0.01, "
		"delays=0/0/0/0.01, dsn=5.1.1, status=bounced (host 127.0.0.1[127.0.0.1] said: 550 "
		"5.1.1 User unknown (in reply to RCPT TO command))\n",
		"D1258A78394",
		{ { "D1258A78394", "shop@contoso-shop.eu", 2291, 1798761598, 1,
			{ { "nouser@sink.test", lab_unknown, 1798761601 } } } } },
	{ "a stamp that is not one: the time unknown", NOW_DEC7,
		"2026-13-07T10:00:02+00:00 mx postfix/smtp[1204]: D1258A78394: "
		"to=<nouser@sink.test>, relay=127.0.0.1[127.0.0.1]:46485, delay=0.01, "
		"delays=0/0/0/0.01, dsn=5.1.1, status=bounced (host 127.0.0.1[127.0.0.1] said: 550 "
		"5.1.1 User unknown (in reply to RCPT TO command))\n",
		"D1258A78394",
		{ { "D1258A78394", "", 0, MR_TIME_UNKNOWN, 1,
			{ { "nouser@sink.test", lab_unknown, MR_TIME_UNKNOWN } } } } },
	{ "bounced mail still listed stays the listing's", NOW_DEC7,
		"Dec  7 10:00:02 mx postfix/smtp[1204]: " QUEUED_ID ": to=<nobody@example.com>, "
		"relay=mx.example.com[192.0.2.20]:25, delay=1.2, delays=0.05/0.01/0.6/0.5, "
		"dsn=5.1.1, status=bounced (host mx.example.com[192.0.2.20] said: 550 5.1.1 "
		"<nobody@example.com>: Recipient address rejected: User unknown in virtual mailbox "
		"table (in reply to RCPT TO command))\n",
		"", { { NULL } } },
	{ "lines that say nothing bounced", NOW_DEC7,
		/* postsuper, per id and in sum */
		"Dec  7 10:06:00 mx postfix/postsuper[1300]: 4N1QdF3xyzz9sWP: placed on hold\n"
		"Dec  7 10:06:00 mx postfix/postsuper[1300]: Placed on hold: 1 message\n"
		"Dec  7 10:06:01 mx postfix/postsuper[1301]: 4N1QdF3xyzz9sWP: released from hold\n"
		"Dec  7 10:06:02 mx postfix/postsuper[1302]: 4N1QdF3xyzz9sWP: requeued\n"
		"Dec  7 10:06:03 mx postfix/postsuper[1303]: 4N1QdF3xyzz9sWP: removed\n"
		"Dec  7 10:06:03 mx postfix/postsuper[1303]: Deleted: 1 message\n"
		/* delivered, deferred (still queued), removed */
		"Dec  7 10:00:02 mx postfix/smtp[1204]: 4N1QbK0Yzbz9sWL: to=<anna@example.net>, "
		"relay=mx.example.net[192.0.2.30]:25, delay=1.1, delays=0.05/0.01/0.5/0.5, "
		"dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 4N1QbL2xyz)\n"
		"Dec  7 09:00:00 mx postfix/smtp[1210]: A8A8E104066: to=<list@example.org>, "
		"relay=none, delay=30, delays=0/0.01/30/0, dsn=4.4.1, status=deferred "
		"(connect to mx.example.org[192.0.2.10]:25: Connection timed out)\n"
		"Dec  7 10:00:02 mx postfix/qmgr[1202]: 4N1QbK0Yzbz9sWL: removed\n"
		/* refused before queueing: no queue id */
		"Dec  7 10:07:00 mx postfix/smtpd[1400]: NOQUEUE: reject: RCPT from "
		"unknown[192.0.2.99]: 554 5.7.1 <x@example.com>: Relay access denied; "
		"from=<spam@example.biz> to=<x@example.com> proto=ESMTP helo=<example.biz>\n"
		/* a bounce line cut short (no closing parenthesis) */
		"Dec  7 10:08:00 mx postfix/smtp[1204]: 4N1QeG4xyzz9sWQ: to=<cut@example.com>, "
		"relay=mx.example.com[192.0.2.20]:25, delay=1, delays=0/0/0.5/0.5, dsn=5.1.1, "
		"status=bounced (host mx.example.com[192.0.2.20] said: 550 5.1.1 User unkno\n"
		/* an id that is not one (a dash) */
		"Dec  7 10:09:00 mx postfix/smtp[1204]: 4N1Q-bad: to=<x@example.com>, relay=none, "
		"delay=1, delays=0/0/0.5/0.5, dsn=5.1.1, status=bounced (bad)\n"
		/* not Postfix's line at all */
		"Dec  7 10:09:01 mx CRON[2000]: (root) CMD (status=bounced (nothing))\n"
		/* a remote reply that imitates a bounce inside a deferral */
		"Dec  7 10:10:00 mx postfix/smtp[1204]: 4N1QfH5xyzz9sWR: to=<x@example.com>, "
		"relay=mx.example.com[192.0.2.20]:25, delay=1, delays=0/0/0.5/0.5, dsn=4.0.0, "
		"status=deferred (host mx.example.com[192.0.2.20] said: 450 wait, status=bounced "
		"(forged) (in reply to RCPT TO command))\n"
		/* a recipient address that imitates one */
		"Dec  7 10:10:01 mx postfix/smtp[1204]: 4N1QfJ6xyzz9sWS: "
		"to=<\"a, status=bounced (forged)\"@example.com>, "
		"relay=mx.example.com[192.0.2.20]:25, "
		"delay=1, delays=0/0/0.5/0.5, dsn=4.0.0, status=deferred (host mx.example.com"
		"[192.0.2.20] said: 451 try later (in reply to RCPT TO command))\n"
		/* a sender address that imitates an expiry */
		"Dec  7 10:10:02 mx postfix/qmgr[1202]: 4N1QfK7xyzz9sWT: "
		"from=<\"x, status=expired, returned to sender\"@example.com>, size=900, nrcpt=1 "
		"(queue active)\n",
		"", { { NULL } } },
};

/* The ids of snap's messages from index first on, sorted, space-separated. */
static char *added_ids(const struct mr_snapshot *snap, size_t first) {
	size_t n = snap->n_messages > first ? snap->n_messages - first : 0;
	const char **ids = mr_xcalloc(n ? n : 1, sizeof(*ids));
	for (size_t i = 0; i < n; i++) {
		ids[i] = snap->messages[first + i].id;
	}
	for (size_t i = 1; i < n; i++) {
		for (size_t j = i; j > 0 && strcmp(ids[j - 1], ids[j]) > 0; j--) {
			const char *t = ids[j];
			ids[j] = ids[j - 1];
			ids[j - 1] = t;
		}
	}
	struct mr_buf out;
	mr_buf_init(&out);
	for (size_t i = 0; i < n; i++) {
		mr_buf_printf(&out, "%s%s", i ? " " : "", ids[i]);
	}
	free(ids);
	char *s = mr_buf_steal(&out);
	return s ? s : mr_xstrdup("");
}

static void check_message(
	const struct log_case *c, const struct mr_snapshot *snap, const struct want_msg *w) {
	const struct mr_message *m = mr_snapshot_find(snap, w->id);
	if (!T_NONNULL(m, "%s: %s is listed", c->name, w->id)) {
		return;
	}
	T_STR(mr_queue_name(m->queue), "bounced", "%s: %s is bounced", c->name, w->id);
	T_STR(m->sender, w->sender, "%s: %s's sender", c->name, w->id);
	T_INT(m->size, w->size, "%s: %s's size", c->name, w->id);
	T_INT(m->arrival, w->arrival, "%s: %s's time (its first line read)", c->name, w->id);
	if (!T_INT(m->n_rcpts, w->n_rcpts, "%s: %s's recipients", c->name, w->id)) {
		return;
	}
	for (size_t i = 0; i < w->n_rcpts; i++) {
		const struct mr_recipient *r = mr_message_rcpt(snap, m, i);
		const struct want_rcpt *wr = &w->rcpts[i];
		T_STR(r->address, wr->address, "%s: recipient %zu", c->name, i);
		T_INT(r->state, MR_RCPT_BOUNCED, "%s: recipient %zu bounced", c->name, i);
		T_STR(t_text(r->reason), wr->reason, "%s: recipient %zu's reason", c->name, i);
		T_INT(r->last_attempt, wr->when, "%s: recipient %zu's time", c->name, i);
	}
}

static void test_bounced(void) {
	for (size_t k = 0; k < sizeof(log_cases) / sizeof(*log_cases); k++) {
		const struct log_case *c = &log_cases[k];
		setenv("MAILROOM_NOW", c->now, 1);
		char name[32];
		snprintf(name, sizeof(name), "maillog-%zu", k);
		char *path = write_log(name, c->log);
		struct pf pf = { .maillog = path };

		struct mr_snapshot *snap = mr_snapshot_create();
		struct mr_message *q = mr_snapshot_add_message(snap, QUEUED_ID);
		q->queue = MR_QUEUE_DEFERRED;
		q->sender = mr_snapshot_intern(snap, "queued@example.org");
		mr_snapshot_add_recipient(snap, "nobody@example.com");

		struct pf_maillog *log = read_log(&pf);
		T_NONNULL(log, "%s: the log is read", c->name);
		pf_maillog_add_bounced(log, snap);

		char *added = added_ids(snap, 1);
		T_STR(added, c->added, "%s: the mail added", c->name);
		free(added);
		T_STR(mr_queue_name(snap->messages[0].queue), "deferred",
			"%s: the listed message stays as listed", c->name);
		for (size_t i = 0; i < 2 && c->msgs[i].id != NULL; i++) {
			check_message(c, snap, &c->msgs[i]);
		}
		mr_snapshot_destroy(snap);
		free(path);
	}
}

/* Only what was written from an offset on: an action's own outcome, not
 * what the log said before it. */
static void test_bounced_from_offset(void) {
	setenv("MAILROOM_NOW", NOW_DEC7, 1);
	static const char before[] =
		"Dec  7 10:00:02 mx postfix/smtp[1204]: 4N1QbK0Yzbz9sWL: to=<nobody@example.com>, "
		"relay=none, delay=1, delays=0/0/0.5/0.5, dsn=5.1.1, status=bounced (old)\n";
	static const char after[] =
		"Dec  7 10:00:03 mx postfix/smtp[1204]: D1258A78394: to=<nouser@sink.test>, "
		"relay=none, delay=1, delays=0/0/0.5/0.5, dsn=5.1.1, status=bounced (new)\n";
	char *text = mr_xasprintf("%s%s", before, after);
	char *path = write_log("maillog-offset", text);
	free(text);
	struct pf pf = { .maillog = path };
	T_INT(pf_maillog_size(&pf), strlen(before) + strlen(after), "offset: the log's size");
	struct mr_snapshot *snap = mr_snapshot_create();
	pf_maillog_add_bounced(pf_maillog_read_from(&pf, (off_t)strlen(before)), snap);
	char *added = added_ids(snap, 0);
	T_STR(added, "D1258A78394", "offset: only the mail that ended after it");
	free(added);
	mr_snapshot_destroy(snap);
	T_NULL(pf_maillog_read_from(&pf, (off_t)(strlen(before) + strlen(after))),
		"offset: nothing written since, nothing read");
	free(path);
}

/* --- delivery history of listed mail ------------------------------------ */

/* A listed message: id, arrival, its recipients as postqueue -j lists
 * them (the pending ones), space-separated. */
struct listed {
	const char *id;
	int64_t arrival;
	const char *rcpts;
};

struct history_case {
	const char *name;
	const char *log;
	struct listed listing[3];
	/* Per listed message: its attempts, "TIME RCPT RELAY DELAYS DSN STATUS
	 * (REPLY)" joined by "\n" (delays in hundredths, - when not given);
	 * its recipients, "ADDRESS STATE ATTEMPTS LAST" joined by "; " (? for
	 * an unknown count); its attempts; whether its history is partial. */
	struct {
		const char *history, *rcpts;
		int attempts;
		bool partial;
	} want[3];
};

#define T0 1796637600 /* Dec  7 10:00:00 UTC */

static const struct history_case history_cases[] = {
	{ "syslog: deferred twice, delivered to another recipient",
		"Dec  7 09:59:00 mx postfix/pickup[1201]: A8A8E104066: uid=0 "
		"from=<news@example.net>\n"
		"Dec  7 10:00:01 mx postfix/smtp[1210]: A8A8E104066: to=<list@example.org>, "
		"relay=none, delay=31, delays=0.1/0/30/0, dsn=4.4.1, status=deferred (connect to "
		"mx.example.org[192.0.2.10]:25: Connection refused)\n"
		"Dec  7 10:00:02 mx postfix/smtp[1211]: A8A8E104066: to=<anna@example.net>, "
		"relay=mx.example.net[192.0.2.30]:25, delay=1.1, delays=0.05/0.01/0.5/0.54, "
		"dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 4N1QbL2xyz)\n"
		"Dec  7 10:10:00 mx postfix/smtp[1212]: A8A8E104066: to=<list@example.org>, "
		"relay=mx2.example.org[192.0.2.11]:25, delay=631, delays=600/0.01/1.2/0, "
		"dsn=4.7.1, "
		"status=deferred (host mx2.example.org[192.0.2.11] said: 450 4.7.1 Greylisted, try "
		"again later (in reply to RCPT TO command))\n",
		{ { "A8A8E104066", T0 - 10, "list@example.org" } },
		{ { "1796637601 list@example.org none 10/0/3000/0 4.4.1 deferred (connect to "
		    "mx.example.org[192.0.2.10]:25: Connection refused)\n"
		    "1796637602 anna@example.net mx.example.net[192.0.2.30]:25 5/1/50/54 2.0.0 "
		    "sent "
		    "(250 2.0.0 Ok: queued as 4N1QbL2xyz)\n"
		    "1796638200 list@example.org mx2.example.org[192.0.2.11]:25 60000/1/120/0 "
		    "4.7.1 "
		    "deferred (host mx2.example.org[192.0.2.11] said: 450 4.7.1 Greylisted, try "
		    "again later (in reply to RCPT TO command))",
			"list@example.org deferred 2 1796638200", 2, false } } },
	{ "RFC 3339 stamps, orig_to and conn_use",
		"2026-12-07T10:00:00.000217+00:00 mx postfix/qmgr[1202]: D1258A78394: "
		"from=<shop@contoso-shop.eu>, size=2291, nrcpt=1 (queue active)\n"
		"2026-12-07T11:00:02.123456+01:00 mx postfix/smtp[1204]: D1258A78394: "
		"to=<nouser@sink.test>, orig_to=<alias@sink.test>, "
		"relay=127.0.0.1[127.0.0.1]:46485, "
		"conn_use=2, delay=0.19, delays=0.02/0.01/0.13/0.03, dsn=4.2.2, status=deferred "
		"(host 127.0.0.1[127.0.0.1] said: 452 4.2.2 Mailbox full (in reply to RCPT TO "
		"command))\n",
		{ { "D1258A78394", T0, "nouser@sink.test" } },
		{ { "1796637602 nouser@sink.test 127.0.0.1[127.0.0.1]:46485 2/1/13/3 4.2.2 "
		    "deferred "
		    "(host 127.0.0.1[127.0.0.1] said: 452 4.2.2 Mailbox full (in reply to RCPT TO "
		    "command))",
			"nouser@sink.test deferred 1 1796637602", 1, false } } },
	{ "a recipient bounced while another is still queued",
		"Dec  7 10:00:00 mx postfix/qmgr[1202]: 4N1QbK0Yzbz9sWL: "
		"from=<shop@contoso-shop.eu>, size=2291, nrcpt=2 (queue active)\n"
		"Dec  7 10:00:02 mx postfix/smtp[1204]: 4N1QbK0Yzbz9sWL: to=<nobody@example.com>, "
		"relay=mx.example.com[192.0.2.20]:25, delay=1.2, delays=0.05/0.01/0.6/0.5, "
		"dsn=5.1.1, status=bounced (host mx.example.com[192.0.2.20] said: 550 5.1.1 "
		"User unknown (in reply to RCPT TO command))\n"
		"Dec  7 10:00:03 mx postfix/smtp[1205]: 4N1QbK0Yzbz9sWL: to=<later@example.org>, "
		"relay=none, delay=2, delays=0.05/0.01/2/0, dsn=4.4.1, status=deferred (connect "
		"to mx.example.org[192.0.2.10]:25: Connection refused)\n",
		{ { "4N1QbK0Yzbz9sWL", T0, "later@example.org" },
			{ "A8A8E104066", T0, "x@y.test" } },
		{ { "1796637602 nobody@example.com mx.example.com[192.0.2.20]:25 5/1/60/50 5.1.1 "
		    "bounced (host mx.example.com[192.0.2.20] said: 550 5.1.1 User unknown (in "
		    "reply to RCPT TO command))\n"
		    "1796637603 later@example.org none 5/1/200/0 4.4.1 deferred (connect to "
		    "mx.example.org[192.0.2.10]:25: Connection refused)",
			  "later@example.org deferred 1 1796637603; nobody@example.com bounced 1 "
			  "1796637602",
			  1, false },
			{ "", "x@y.test pending 0 0", 0, false } } },
	{ "arrived before the log read begins: at least what it holds",
		"Dec  7 10:00:02 mx postfix/smtp[1204]: A8A8E104066: to=<a@example.org>, "
		"relay=none, delay=86400, delays=86398/0/2/0, dsn=4.4.1, status=deferred (connect "
		"to mx.example.org[192.0.2.10]:25: Connection refused)\n",
		{ { "A8A8E104066", T0 - 86400, "a@example.org b@example.org" } },
		{ { "1796637602 a@example.org none 8639800/0/200/0 4.4.1 deferred (connect to "
		    "mx.example.org[192.0.2.10]:25: Connection refused)",
			"a@example.org deferred 1 1796637602; b@example.org deferred ? 0", 1,
			true } } },
	{ "lines that are no attempt, or not this message's",
		/* the reply imitates a bounce: the status is the line's own */
		"Dec  7 10:00:00 mx postfix/smtp[1204]: A8A8E104066: to=<a@example.org>, "
		"relay=mx.example.org[192.0.2.10]:25, delay=1, delays=0/0/0.5/0.5, dsn=4.0.0, "
		"status=deferred (host mx.example.org[192.0.2.10] said: 450 wait, status=bounced "
		"(forged) (in reply to RCPT TO command))\n"
		/* cut short: no closing parenthesis */
		"Dec  7 10:00:01 mx postfix/smtp[1204]: A8A8E104066: to=<a@example.org>, "
		"relay=none, delay=1, delays=0/0/0.5/0.5, dsn=5.1.1, status=bounced (User unkno\n"
		/* another message, an id that is not one, a status not an attempt's */
		"Dec  7 10:00:02 mx postfix/smtp[1204]: D1258A78394: to=<a@example.org>, "
		"relay=none, delay=1, delays=0/0/0.5/0.5, dsn=4.4.1, status=deferred (other)\n"
		"Dec  7 10:00:03 mx postfix/smtp[1204]: A8A8-E104066: to=<a@example.org>, "
		"relay=none, delay=1, delays=0/0/0.5/0.5, dsn=4.4.1, status=deferred (bad id)\n"
		"Dec  7 10:00:04 mx postfix/smtp[1204]: A8A8E104066: to=<a@example.org>, "
		"relay=none, delay=1, delays=0/0/0.5/0.5, dsn=2.1.5, status=deliverable (ok)\n"
		/* no delays field; an escape in the reply is kept (shown safely) */
		"Dec  7 10:00:05 mx postfix/local[1206]: A8A8E104066: to=<a@example.org>, "
		"relay=local, delay=1, dsn=4.3.0, status=deferred (\x1b[31mred\x1b[0m)\n"
		/* an address imitating a bounce: the bounced recipient is not added */
		"Dec  7 10:00:06 mx postfix/smtp[1204]: A8A8E104066: "
		"to=<\"b, status=bounced (forged)\"@example.com>, relay=none, delay=1, "
		"delays=0/0/0.5/0.5, dsn=4.0.0, status=deferred (try later)\n",
		{ { "A8A8E104066", T0, "a@example.org" } },
		{ { "1796637600 a@example.org mx.example.org[192.0.2.10]:25 0/0/50/50 4.0.0 "
		    "deferred "
		    "(host mx.example.org[192.0.2.10] said: 450 wait, status=bounced (forged) (in "
		    "reply to RCPT TO command))\n"
		    "1796637605 a@example.org local -/-/-/- 4.3.0 deferred (\x1b[31mred\x1b[0m)\n"
		    "1796637606 \"b, status=bounced (forged)\"@example.com none 0/0/50/50 4.0.0 "
		    "deferred (try later)",
			"a@example.org deferred 2 1796637605", 2, false } } },
};

static void add_listed(struct mr_snapshot *snap, const struct listed *l) {
	struct mr_message *m = mr_snapshot_add_message(snap, l->id);
	m->arrival = l->arrival;
	char *rcpts = mr_xstrdup(l->rcpts);
	for (char *save, *a = strtok_r(rcpts, " ", &save); a; a = strtok_r(NULL, " ", &save)) {
		struct mr_recipient *r = mr_snapshot_add_recipient(snap, a);
		if (strcmp(a, "x@y.test") != 0) {
			r->state = MR_RCPT_DEFERRED;
		}
	}
	free(rcpts);
}

static void delays_str(struct mr_buf *out, const uint32_t d[4]) {
	for (int i = 0; i < 4; i++) {
		if (d[i] == MR_DELAY_UNKNOWN) {
			mr_buf_printf(out, "%s-", i ? "/" : "");
		} else {
			mr_buf_printf(out, "%s%u", i ? "/" : "", (unsigned)d[i]);
		}
	}
}

static char *history_str(const struct mr_snapshot *snap, const struct mr_message *m) {
	struct mr_buf out, text;
	mr_buf_init(&out);
	mr_buf_init(&text);
	size_t n;
	const struct mr_attempt *h = mr_message_history(snap, m, &n);
	for (size_t i = 0; i < n; i++) {
		mr_buf_printf(&out, "%s%lld %s %s ", i ? "\n" : "", (long long)h[i].when,
			h[i].recipient, h[i].relay);
		delays_str(&out, h[i].delays);
		mr_buf_printf(&out, " %s %s (%s)", h[i].dsn, mr_attempt_status_name(h[i].status),
			mr_text_str(h[i].reply, &text));
		T_OK(mr_attempt_diagnosis(snap, &h[i]) != NULL, "attempt %zu of %s is decoded", i,
			m->id);
	}
	mr_buf_finish(&text);
	char *s = mr_buf_steal(&out);
	return s ? s : mr_xstrdup("");
}

static char *rcpts_str(const struct mr_snapshot *snap, const struct mr_message *m) {
	struct mr_buf out;
	mr_buf_init(&out);
	for (uint32_t i = 0; i < m->n_rcpts; i++) {
		const struct mr_recipient *r = mr_message_rcpt(snap, m, i);
		mr_buf_printf(
			&out, "%s%s %s ", i ? "; " : "", r->address, mr_rcpt_state_name(r->state));
		if (r->attempts == MR_ATTEMPTS_UNKNOWN) {
			mr_buf_add_str(&out, "?");
		} else {
			mr_buf_printf(&out, "%d", r->attempts);
		}
		mr_buf_printf(&out, " %lld", (long long)r->last_attempt);
	}
	char *s = mr_buf_steal(&out);
	return s ? s : mr_xstrdup("");
}

static void test_history(void) {
	setenv("MAILROOM_NOW", NOW_DEC7, 1);
	for (size_t k = 0; k < sizeof(history_cases) / sizeof(*history_cases); k++) {
		const struct history_case *c = &history_cases[k];
		char name[32];
		snprintf(name, sizeof(name), "history-%zu", k);
		char *path = write_log(name, c->log);
		struct pf pf = { .maillog = path };
		struct mr_snapshot *snap = mr_snapshot_create();
		size_t n = 0;
		for (; n < 3 && c->listing[n].id != NULL; n++) {
			add_listed(snap, &c->listing[n]);
		}
		struct pf_maillog *log = read_log(&pf);
		T_NONNULL(log, "%s: the log is read", c->name);
		pf_maillog_add_history(log, snap);
		pf_maillog_add_bounced(log, snap);
		mr_snapshot_finish(snap);
		T_SIZE(snap->n_messages, n, "%s: no message added", c->name);
		for (size_t i = 0; i < n && i < snap->n_messages; i++) {
			const struct mr_message *m = &snap->messages[i];
			char *h = history_str(snap, m), *r = rcpts_str(snap, m);
			T_STR(h, c->want[i].history, "%s: %s's history", c->name, m->id);
			T_STR(r, c->want[i].rcpts, "%s: %s's recipients", c->name, m->id);
			T_INT(m->attempts, c->want[i].attempts, "%s: %s's attempts", c->name,
				m->id);
			T_INT((m->flags & MR_MSG_HISTORY) != 0, 1, "%s: %s's log was read", c->name,
				m->id);
			T_INT((m->flags & MR_MSG_HISTORY_PARTIAL) != 0, c->want[i].partial,
				"%s: %s's history is partial", c->name, m->id);
			free(h);
			free(r);
		}
		mr_snapshot_destroy(snap);
		free(path);
	}
}

/* Bounced recipients added to several messages of a big listing: every
 * run stays whole and in place, and a message of many recipients finds
 * its own among them. */
static void test_history_many(void) {
	setenv("MAILROOM_NOW", NOW_DEC7, 1);
	static const char *const ids[4] = { "A1B2C3D4E5", "A1B2C3D4E6", "A1B2C3D4E7",
		"A1B2C3D4E8" };
	struct mr_buf log;
	mr_buf_init(&log);
	for (int m = 0; m < 4; m += 2) { /* the first and the third */
		mr_buf_printf(&log,
			"Dec  7 10:00:0%d mx postfix/smtp[1]: %s: to=<gone%d@example.com>, "
			"relay=none, delay=1, delays=0/0/1/0, dsn=5.1.1, status=bounced (550 "
			"5.1.1 gone)\n"
			"Dec  7 10:00:0%d mx postfix/smtp[1]: %s: to=<r39@example.org>, "
			"relay=none, delay=1, delays=0/0/1/0, dsn=4.4.1, status=deferred (no)\n",
			m, ids[m], m, m, ids[m]);
	}
	char *path = write_log("history-many", log.data);
	mr_buf_finish(&log);
	struct pf pf = { .maillog = path };
	struct mr_snapshot *snap = mr_snapshot_create();
	for (int m = 0; m < 4; m++) {
		struct mr_message *msg = mr_snapshot_add_message(snap, ids[m]);
		msg->arrival = T0;
		for (int r = 0; r < 40; r++) {
			char a[32];
			snprintf(a, sizeof(a), "r%d@example.org", r);
			mr_snapshot_add_recipient(snap, a)->state = MR_RCPT_DEFERRED;
		}
	}
	struct pf_maillog *st = read_log(&pf);
	pf_maillog_add_history(st, snap);
	pf_maillog_add_bounced(st, snap);
	mr_snapshot_finish(snap);
	for (int m = 0; m < 4; m++) {
		const struct mr_message *msg = &snap->messages[m];
		bool grew = m % 2 == 0;
		T_INT(msg->n_rcpts, grew ? 41 : 40, "many: %s's recipients", ids[m]);
		T_INT(msg->first_rcpt, m * 40 + (m + 1) / 2, "many: %s's run starts after the last",
			ids[m]);
		bool whole = true;
		for (int r = 0; r < 40; r++) {
			char a[32];
			snprintf(a, sizeof(a), "r%d@example.org", r);
			whole = whole &&
				strcmp(mr_message_rcpt(snap, msg, (size_t)r)->address, a) == 0;
		}
		T_OK(whole, "many: %s's own recipients in order", ids[m]);
		T_INT(mr_message_rcpt(snap, msg, 39)->attempts, grew ? 1 : 0,
			"many: %s's 40th recipient's attempts", ids[m]);
		if (grew) {
			const struct mr_recipient *r = mr_message_rcpt(snap, msg, 40);
			char want[32];
			snprintf(want, sizeof(want), "gone%d@example.com", m);
			T_STR(r->address, want, "many: %s's bounced recipient", ids[m]);
			T_INT(r->state, MR_RCPT_BOUNCED, "many: %s's is bounced", ids[m]);
			T_STR(t_text(r->reason), "550 5.1.1 gone", "many: %s's own reason", ids[m]);
		}
	}
	mr_snapshot_destroy(snap);
	free(path);
}

/* --- new ids of requeued mail ------------------------------------------- */

struct new_id_case {
	const char *name;
	const char *log;
	const char *want[3]; /* for the old ids below; NULL: not found */
};

static const char *const old_ids[3] = { "4N1QdF3xyzz9sWP", "A8A8E104066", "D1258A78394" };

static const struct new_id_case new_id_cases[] = {
	{ "pickup names the old id (long ids)",
		"Dec  7 10:06:02 mx postfix/postsuper[1302]: 4N1QdF3xyzz9sWP: requeued\n"
		"Dec  7 10:06:02 mx postfix/postsuper[1302]: Requeued: 1 message\n"
		"Dec  7 10:06:03 mx postfix/pickup[1201]: 4N1QgH5xyzz9sWR: uid=0 "
		"from=<shop@contoso-shop.eu> orig_id=4N1QdF3xyzz9sWP\n"
		"Dec  7 10:06:03 mx postfix/cleanup[1203]: 4N1QgH5xyzz9sWR: "
		"message-id=<20261207100000.4N1QbK0Yzbz9sWL@mx.example.org>\n",
		{ "4N1QgH5xyzz9sWR", NULL, NULL } },
	{ "short ids, two requeued, postlog's day",
		"Dec 07 10:06:03 lab postfix/pickup[31878]: BC08CA78323: uid=0 "
		"from=<mqtest@sink.test> orig_id=D1258A78394\n"
		"Dec 07 10:06:03 lab postfix/pickup[31878]: C2917A78313: uid=0 "
		"from=<mqtest@sink.test> orig_id=A8A8E104066\n",
		{ NULL, "C2917A78313", "BC08CA78323" } },
	{ "lines that name no new id",
		/* postsuper's own line, a pickup line without orig_id, another
		 * message's orig_id, an old id that only begins like ours, a new
		 * id that is not one */
		"Dec  7 10:06:02 mx postfix/postsuper[1302]: 4N1QdF3xyzz9sWP: requeued\n"
		"Dec  7 10:06:03 mx postfix/pickup[1201]: 4N1QgH5xyzz9sWR: uid=0 "
		"from=<shop@contoso-shop.eu>\n"
		"Dec  7 10:06:03 mx postfix/pickup[1201]: 4N1QgH6xyzz9sWS: uid=0 "
		"from=<shop@contoso-shop.eu> orig_id=4N1QxX1xyzz9sWT\n"
		"Dec  7 10:06:03 mx postfix/pickup[1201]: 4N1QgH7xyzz9sWU: uid=0 "
		"from=<shop@contoso-shop.eu> orig_id=A8A8E1040667\n"
		"Dec  7 10:06:03 mx postfix/pickup[1201]: 4N1Q-bad: uid=0 "
		"from=<shop@contoso-shop.eu> orig_id=D1258A78394\n",
		{ NULL, NULL, NULL } },
};

static void test_new_ids(void) {
	for (size_t k = 0; k < sizeof(new_id_cases) / sizeof(*new_id_cases); k++) {
		const struct new_id_case *c = &new_id_cases[k];
		char name[32];
		snprintf(name, sizeof(name), "newids-%zu", k);
		char *path = write_log(name, c->log);
		struct pf pf = { .maillog = path };
		char *got[3] = { NULL, NULL, NULL };
		size_t want_known = 0;
		for (size_t i = 0; i < 3; i++) {
			want_known += c->want[i] != NULL;
		}
		size_t known = pf_maillog_new_ids(&pf, 0, old_ids, 3, got);
		T_SIZE(known, want_known, "%s: how many are known", c->name);
		for (size_t i = 0; i < 3; i++) {
			T_STR(got[i], c->want[i], "%s: the new id of %s", c->name, old_ids[i]);
			free(got[i]);
		}
		free(path);
	}
	/* Lines before the offset (before the requeue) do not count. */
	static const char early[] = "Dec  7 10:06:03 mx postfix/pickup[1201]: 4N1QgH5xyzz9sWR: "
				    "uid=0 from=<a@b.example> orig_id=4N1QdF3xyzz9sWP\n";
	char *path = write_log("newids-offset", early);
	struct pf pf = { .maillog = path };
	char *got[3] = { NULL, NULL, NULL };
	T_SIZE(pf_maillog_new_ids(&pf, (off_t)strlen(early), old_ids, 3, got), 0,
		"offset: a line before it names no new id");
	T_NULL(got[0], "offset: the old id has no new one");
	free(got[0]);
	free(path);
}

/* --- postsuper's per-id lines ------------------------------------------- */

/* A transport that answers postsuper with a given standard error and
 * postqueue -j with a given listing. */
struct scripted {
	struct mr_transport base;
	const char *said;    /* postsuper's standard error */
	const char *listing; /* postqueue -j */
};

static bool scripted_run(struct mr_transport *base, const struct mr_command *cmd,
	struct mr_command_result *res, char **cause) {
	(void)cause;
	struct scripted *s = (struct scripted *)base;
	*res = (struct mr_command_result){ .exit_status = 0 };
	mr_buf_init(&res->err);
	const char *slash = strrchr(cmd->argv[0], '/');
	const char *name = slash ? slash + 1 : cmd->argv[0];
	if (strcmp(name, "postsuper") == 0) {
		mr_buf_add_str(&res->err, s->said);
	} else if (strcmp(name, "postqueue") == 0 && cmd->on_output != NULL) {
		cmd->on_output(cmd->ctx, s->listing, strlen(s->listing));
	}
	return true;
}

static void scripted_destroy(struct mr_transport *base) {
	(void)base;
}

static const struct mr_transport_ops scripted_ops = { "scripted", scripted_run, scripted_destroy };

#define LISTED(queue)                                                                      \
	"{\"queue_name\": \"" queue "\", \"queue_id\": \"4N1QdF3xyzz9sWP\", "              \
	"\"arrival_time\": 1796637601, \"message_size\": 2291, \"forced_expire\": false, " \
	"\"sender\": \"shop@contoso-shop.eu\", \"recipients\": [{\"address\": "            \
	"\"nobody@example.com\"}]}\n"

struct said_case {
	const char *name;
	enum mr_action action;
	const char *said;    /* postsuper's standard error */
	const char *listing; /* the queue afterwards */
	enum mr_outcome outcome;
	const char *detail;
};

static const struct said_case said_cases[] = {
	{ "hold, said and held", MR_ACTION_HOLD,
		"postsuper: 4N1QdF3xyzz9sWP: placed on hold\n"
		"postsuper: Placed on hold: 1 message\n",
		LISTED("hold"), MR_OUTCOME_DONE, NULL },
	{ "hold, said but not held", MR_ACTION_HOLD, "postsuper: 4N1QdF3xyzz9sWP: placed on hold\n",
		LISTED("deferred"), MR_OUTCOME_FAILED,
		"postsuper reported it, but the queue shows it in deferred" },
	{ "hold, another id said (ours only begins it)", MR_ACTION_HOLD,
		"postsuper: 4N1QdF3xyzz9sWPX: placed on hold\n", LISTED("deferred"),
		MR_OUTCOME_FAILED, "postsuper did not act on it" },
	{ "hold, only the sum said", MR_ACTION_HOLD, "postsuper: Placed on hold: 1 message\n",
		LISTED("deferred"), MR_OUTCOME_FAILED, "postsuper did not act on it" },
	{ "hold, another verb said", MR_ACTION_HOLD, "postsuper: 4N1QdF3xyzz9sWP: requeued\n",
		LISTED("deferred"), MR_OUTCOME_FAILED, "postsuper did not act on it" },
	{ "release, said", MR_ACTION_RELEASE, "postsuper: 4N1QdF3xyzz9sWP: released from hold\n",
		LISTED("deferred"), MR_OUTCOME_DONE, NULL },
	{ "delete, said and gone", MR_ACTION_DELETE,
		"postsuper: 4N1QdF3xyzz9sWP: removed\npostsuper: Deleted: 1 message\n", "",
		MR_OUTCOME_DONE, NULL },
	{ "delete, nothing said and gone", MR_ACTION_DELETE, "", "", MR_OUTCOME_NOT_FOUND, NULL },
	{ "requeue, said", MR_ACTION_REQUEUE, "postsuper: 4N1QdF3xyzz9sWP: requeued\n",
		LISTED("maildrop"), MR_OUTCOME_DONE,
		"requeued: Postfix gives it a new queue id when pickup takes it" },
	{ "expire, said", MR_ACTION_EXPIRE, "postsuper: 4N1QdF3xyzz9sWP: expired\n",
		LISTED("deferred"), MR_OUTCOME_DONE, "returned to the sender at the next attempt" },
};

static void test_postsuper_said(void) {
	for (size_t k = 0; k < sizeof(said_cases) / sizeof(*said_cases); k++) {
		const struct said_case *c = &said_cases[k];
		struct scripted s = { { &scripted_ops, "far" }, c->said, c->listing };
		struct pf *pf = pf_create(&s.base, NULL, false);
		pf->remote = true; /* no postconf, no local files */
		struct mr_source src = { .data = pf };
		const char *ids[] = { "4N1QdF3xyzz9sWP" };
		struct mr_action_request req = { .action = c->action, .ids = ids, .n_ids = 1 };
		struct mr_action_report report;
		mr_action_report_init(&report, req.action);
		pf_act(&src, &req, &report);
		if (T_SIZE(report.n_results, 1, "%s: one result", c->name)) {
			T_STR(mr_outcome_name(report.results[0].outcome),
				mr_outcome_name(c->outcome), "%s: outcome", c->name);
			T_STR(report.results[0].detail, c->detail, "%s: detail", c->name);
		}
		mr_action_report_finish(&report);
		free(pf->config_dir);
		free(pf);
	}
}

int main(void) {
	setenv("TZ", "UTC", 1);
	tzset();
	test_bounced();
	test_bounced_from_offset();
	test_history();
	test_history_many();
	test_new_ids();
	test_postsuper_said();
	return t_done();
}
