/* The filter language: what each term matches, and where errors point. */

#define _GNU_SOURCE /* strcasestr */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "filter.h"
#include "generate.h"
#include "harness.h"
#include "parallel.h"
#include "regexp.h"
#include "xalloc.h"

enum { NOW = 1795435200 };

static void add(struct mr_snapshot *snap, const char *id, enum mr_queue queue, const char *sender,
	int64_t age, uint64_t size, const char *rcpt, const char *reason) {
	struct mr_message *m = mr_snapshot_add_message(snap, id);
	m->queue = (uint8_t)queue;
	m->sender = mr_snapshot_intern(snap, sender);
	m->arrival = NOW - age;
	m->size = size;
	/* rcpt is "address" or "address|address2" with reason "reason|reason2". */
	char *rcpts = mr_xstrdup(rcpt), *reasons = reason ? mr_xstrdup(reason) : NULL;
	char *rs = NULL, *ws = NULL;
	char *why = reasons ? strtok_r(reasons, "|", &ws) : NULL;
	for (char *a = strtok_r(rcpts, "|", &rs); a; a = strtok_r(NULL, "|", &rs)) {
		struct mr_recipient *r = mr_snapshot_add_recipient(snap, a);
		if (why != NULL) {
			r->reason = mr_snapshot_reason(snap, why, strlen(why));
			r->state = queue == MR_QUEUE_BOUNCED ? MR_RCPT_BOUNCED : MR_RCPT_DEFERRED;
			why = strtok_r(NULL, "|", &ws);
		}
	}
	free(rcpts);
	free(reasons);
}

static struct mr_snapshot *sample(void) {
	struct mr_snapshot *snap = mr_snapshot_create();
	add(snap, "M1", MR_QUEUE_DEFERRED, "shop@contoso-shop.eu", 3 * 3600, 2 << 20,
		"a@gmail.com|b@yahoo.com",
		"host gmail-smtp-in.l.google.com[142.250.153.27] said: 450-4.2.1 The user you "
		"are trying to contact is receiving mail at a rate that prevents additional "
		"messages from being delivered. (in reply to RCPT TO command)|"
		"host mta5.am0.yahoodns.net[67.195.204.72] said: 421 4.7.0 [TSS04] Messages "
		"from 198.51.100.41 temporarily deferred due to unexpected volume or user "
		"complaints (in reply to MAIL FROM command)");
	add(snap, "M2", MR_QUEUE_HOLD, "", 600, 5000, "c@mx.gmail.com", NULL);
	add(snap, "M3", MR_QUEUE_DEFERRED, "news@mail.example.org", 2 * 86400, 500, "d@outlook.com",
		"host eur.olc.protection.outlook.com[52.101.68.24] said: 451 4.7.500 Server "
		"busy. Please try again later from [198.51.100.23]. (AS843) (in reply to RCPT "
		"TO command)");
	add(snap, "M4", MR_QUEUE_BOUNCED, "x@y.test", 3600, 1000, "e@example.net",
		"host mx.example.net[192.0.2.1] said: 550 5.1.1 <e@example.net>: Recipient "
		"address rejected: User unknown in virtual mailbox table (in reply to RCPT TO "
		"command)");
	add(snap, "M5", MR_QUEUE_DEFERRED, "alerts@Sink.Test", 7200, 800, "g@sink.test",
		"host mx.sink.test[127.0.0.1] said: 450 4.2.0 <g@sink.test>: Recipient address "
		"rejected: Greylisted, please try again later (in reply to RCPT TO command)");
	mr_snapshot_finish(snap);
	return snap;
}

/* The ids the expression matches, as "M1 M3". */
static char *matching(const struct mr_snapshot *snap, const char *expr) {
	struct mr_filter_error err;
	struct mr_filter *f = mr_filter_parse(expr, mr_kb_default(), &err);
	if (f == NULL) {
		return mr_xasprintf("error at %zu: %s", err.pos, err.message);
	}
	uint8_t *match = mr_xcalloc(snap->n_messages ? snap->n_messages : 1, 1);
	size_t n = mr_filter_run(f, snap, NOW, match);
	struct mr_buf out;
	mr_buf_init(&out);
	size_t counted = 0;
	for (size_t i = 0; i < snap->n_messages; i++) {
		if (match[i]) {
			mr_buf_printf(&out, "%s%s", out.len ? " " : "", snap->messages[i].id);
			counted++;
		}
	}
	if (counted != n) {
		mr_buf_printf(&out, " (count %zu)", n);
	}
	mr_filter_free(f);
	free(match);
	return mr_buf_steal(&out);
}

static void test_matches(void) {
	struct mr_snapshot *snap = sample();
	static const struct {
		const char *expr, *want;
	} cases[] = {
		{ "", "M1 M2 M3 M4 M5" },
		{ "   ", "M1 M2 M3 M4 M5" },
		{ "domain:gmail.com", "M1 M2" }, /* and a domain below it */
		{ "domain:GMAIL.COM", "M1 M2" },
		{ "domain:*.gmail.com", "M2" },
		{ "domain:mail.com", "" }, /* not gmail.com */
		{ "to:yahoo", "M1" },
		{ "code:45x", "M1 M3 M5" },
		{ "code:4.7.*", "M1 M3" },
		{ "code:5", "M4" },
		{ "code:550", "M4" },
		{ "code:x.1.1", "M4" },
		{ "code:none", "" }, /* every reason here holds a code; M2 has none */
		{ "cat:greylisting", "M5" },
		{ "cat:grey", "M5" }, /* the only category starting so */
		{ "cat:unknown-user", "M4" },
		{ "host:*.outlook.com", "M3" },
		{ "host:yahoodns", "M1" },
		{ "queue:hold", "M2" },
		{ "-queue:hold", "M1 M3 M4 M5" },
		{ "not queue:hold", "M1 M3 M4 M5" },
		{ "NOT queue:hold AND queue:deferred", "M1 M3 M5" },
		{ "age:>2h", "M1 M3" },
		{ "age:2h", "M1 M3 M5" }, /* at least */
		{ "age:<=1h", "M2 M4" },
		{ "age:>1d", "M3" },
		{ "size:>1M", "M1" },
		{ "size:<=1000", "M3 M4 M5" },
		{ "size:=5000", "M2" },
		{ "size:>1KB", "M1 M2" },
		{ "from:<>", "M2" },
		{ "from:mailer-daemon", "M2" },
		{ "from:shop", "M1" },
		{ "from:*@mail.example.org", "M3" },
		{ "sender-domain:sink.test", "M5" },
		{ "sender-domain:example.org", "M3" },
		{ "reason:\"try again later\"", "M3 M5" },
		{ "reason:\"TRY AGAIN\"", "M3 M5" },
		{ "reason:/4\\.7\\.[0-9]{3}/", "M3" },
		{ "reason:/^host mx\\./", "M4 M5" },
		{ "id:m4", "M4" },
		{ "(queue:deferred or queue:bounced) domain:example.net", "M4" },
		{ "queue:deferred and not cat:greylisting", "M1 M3" },
		{ "queue:hold or cat:greylisting or code:550", "M2 M4 M5" },
		{ "-(queue:deferred or queue:bounced)", "M2" },
		{ "gmail", "M1 M2" },   /* a word without a key: addresses, reasons */
		{ "contoso", "M1" },    /* the sender */
		{ "m3", "M3" },         /* the id */
		{ "greylisted", "M5" }, /* a reason */
		{ "\"rate that\"", "M1" },
		/* Terms about recipients are about the same recipient. */
		{ "domain:gmail.com code:421", "" },
		{ "domain:gmail.com code:450", "M1" },
		{ "domain:yahoo.com code:421", "M1" },
		{ "domain:gmail.com or code:421", "M1 M2" },
		{ "-domain:gmail.com", "M1 M3 M4 M5" }, /* M1 also writes to yahoo */
		{ "not cat:greylisting", "M1 M2 M3 M4" },
		/* M3 is rate-limited; M1's gmail recipient too, not its yahoo one. */
		{ "-cat:greylisting -cat:rate-limited queue:deferred", "M1" },
		{ "cat:rate-limited", "M1 M3" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char *got = matching(snap, cases[i].expr);
		T_STR(got, cases[i].want, "%s", cases[i].expr);
		free(got);
	}
	/* Any number of terms about reasons is decided, not only the first. */
	struct mr_buf many;
	mr_buf_init(&many);
	for (int i = 0; i < 300; i++) {
		mr_buf_add_str(&many, "code:599 or ");
	}
	mr_buf_add_str(&many, "code:550");
	char *got = matching(snap, many.data);
	T_STR(got, "M4", "301 terms about reasons, the last one matching");
	free(got);
	mr_buf_finish(&many);
	mr_snapshot_destroy(snap);
}

static void test_errors(void) {
	struct mr_snapshot *snap = sample();
	static const struct {
		const char *expr;
		size_t pos;
		const char *says;
	} cases[] = {
		{ "frm:x", 0, "no key \"frm:\"" },
		{ "queue:deferred frm:x", 15, "no key" },
		{ "age:>2", 4, "give a unit" },
		{ "age:soon", 4, "expected a number" },
		{ "size:>1Q", 5, "the unit is K, M, G or T" },
		{ "cat:nosuch", 4, "no category \"nosuch\"" },
		{ "cat:m", 4, "more than one category matches \"m\"" },
		{ "queue:sideways", 6, "no queue \"sideways\"" },
		{ "code:4.7", 5, "not a reply code pattern" },
		{ "code:abc", 5, "not a reply code pattern" },
		{ "(queue:hold", 0, "this ( has no )" },
		{ "queue:hold)", 10, "a ) without its (" },
		{ ")", 0, "a ) without its (" },
		{ "queue:hold or", 13, "expected a term" },
		{ "or queue:hold", 0, "expected a term before \"or\"" },
		{ "not", 3, "expected a term" },
		{ "reason:\"abc", 7, "no closing \"" },
		{ "reason:/[/", 7, "not a regular expression" },
		{ "host:/x/", 5, "only reason: takes" },
		{ "source:/mx1/", 7, "only reason: takes" },
		{ "source:", 7, "expected a value" },
		{ "sources:mx1", 0, "(keys: from to domain sender-domain queue state source code" },
		{ "domain:", 7, "expected a value" },
		{ "domain: gmail.com", 7, "expected a value" },
		/* A search for nothing never moved on: it hung (found by fuzzing). */
		{ "reason:\"\"", 7, "reason: empty: give a text to look for" },
		{ "\"\"", 0, "empty: give a text to look for" },
		{ "from:\"\" queue:hold", 5, "from: empty" },
		{ "reason://", 7, "reason: empty" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct mr_filter_error err;
		struct mr_filter *f = mr_filter_parse(cases[i].expr, mr_kb_default(), &err);
		T_NULL(f, "error in %s: refused", cases[i].expr);
		if (f == NULL) {
			T_SIZE(err.pos, cases[i].pos, "error in %s: at %zu", cases[i].expr,
				cases[i].pos);
			T_HAS(err.message, cases[i].says, "error in %s: says \"%s\"", cases[i].expr,
				cases[i].says);
		}
		mr_filter_free(f);
	}
	/* Deep nesting is refused, not recursed into without end. */
	char deep[400];
	memset(deep, '(', sizeof(deep) - 1);
	deep[sizeof(deep) - 1] = '\0';
	struct mr_filter_error err;
	struct mr_filter *f = mr_filter_parse(deep, mr_kb_default(), &err);
	T_NULL(f, "deep nesting refused");
	if (f == NULL) {
		T_HAS(err.message, "nested too deep", "deep nesting refused: says why");
	}
	mr_filter_free(f);
	mr_snapshot_destroy(snap);
}

/* Reasons stored as differences from a similar earlier one (textpool.h) are
 * searched without being assembled; every needle must find what a search of
 * the whole text finds, wherever it falls: in the part shared with the base
 * at the start or the end, in the text's own part, or across a border. */
static void test_reason_search_in_differences(void) {
	struct mr_snapshot *snap = mr_snapshot_create();
	static const char *const tokens[] = { "AB12", "zz9Q", "Try", "x", "again", "", "4.7.1 X" };
	enum { N_TEXTS = 60 };
	for (int i = 0; i < N_TEXTS; i++) {
		char id[16], reason[512];
		snprintf(id, sizeof(id), "D%d", i);
		snprintf(reason, sizeof(reason),
			"450 4.7.1 <r%d@example.com>: host mx%d.example.com[192.0.2.%d] said: "
			"Service unavailable, please try again later %s%d (in reply to RCPT TO "
			"command)",
			i % 5, i % 3, i % 7, tokens[i % 7], i);
		add(snap, id, MR_QUEUE_DEFERRED, "s@example.org", 60, 100, "r@example.com", reason);
	}
	mr_snapshot_finish(snap);
	size_t deltas = 0;
	for (size_t i = 0; i < snap->n_recipients; i++) {
		deltas += snap->recipients[i].reason->base != NULL;
	}
	T_OK(deltas >= N_TEXTS / 10, "test reasons stored as differences (%zu)", deltas);

	static const char *const needles[] = { "host mx1", "mx2.example", "450 4.7.1 <r3", "<r1@",
		"said: serv", "try again", "later zz9", "later ab12", "ab1", "2 (in", "7 (in reply",
		"command)", "x1", "again later x", "4.7.1 x", "example.com[192.0.2.3] said",
		"later 4", "d)", "h", "unavailable, please try again later again3", "TO command) ",
		"nowhere" };
	/* And needles cut at the borders of the stored parts: ending where the
	 * shared start ends, starting where the shared end starts, across each. */
	enum { FIXED = sizeof(needles) / sizeof(*needles), CUTS = 6 };
	char *cut[FIXED + 4 * CUTS] = { 0 };
	size_t n_needles = 0;
	for (size_t k = 0; k < FIXED; k++) {
		cut[n_needles++] = mr_xstrdup(needles[k]);
	}
	for (size_t i = 0, made = 0; i < snap->n_recipients && made < CUTS; i++) {
		const struct mr_text *t = snap->recipients[i].reason;
		if (t->base == NULL || t->prefix < 8 || t->suffix < 8) {
			continue;
		}
		char *text = mr_text_dup(t);
		size_t end = t->len - t->suffix;
		cut[n_needles++] = mr_xstrndup(text + t->prefix - 8, 8);
		cut[n_needles++] = mr_xstrndup(text + end, 8);
		cut[n_needles++] = mr_xstrndup(text + t->prefix - 3, 6);
		cut[n_needles++] = mr_xstrndup(text + end - 3, 6);
		free(text);
		made++;
	}
	for (size_t k = 0; k < n_needles; k++) {
		if (strchr(cut[k], '"') != NULL) {
			free(cut[k]);
			continue;
		}
		char *expr = mr_xasprintf("reason:\"%s\"", cut[k]);
		char *got = matching(snap, expr);
		struct mr_buf want;
		mr_buf_init(&want);
		for (size_t i = 0; i < snap->n_messages; i++) {
			char *text = mr_text_dup(snap->recipients[i].reason);
			if (strcasestr(text, cut[k]) != NULL) {
				mr_buf_printf(
					&want, "%s%s", want.len ? " " : "", snap->messages[i].id);
			}
			free(text);
		}
		T_STR(got, want.len ? want.data : "", "%s", expr);
		free(got);
		free(expr);
		free(cut[k]);
		mr_buf_finish(&want);
	}
	mr_snapshot_destroy(snap);
}

/* The recipients a filter holds for, as "a@gmail.com c@mx.gmail.com". */
static char *matching_recipients(const struct mr_snapshot *snap, const char *expr) {
	struct mr_filter_error err;
	struct mr_filter *f = mr_filter_parse(expr, mr_kb_default(), &err);
	uint8_t *match = mr_xcalloc(snap->n_messages, 1);
	uint8_t *rcpt = mr_xcalloc(snap->n_recipients, 1);
	mr_filter_run_recipients(f, snap, NOW, match, rcpt);
	struct mr_buf out;
	mr_buf_init(&out);
	for (size_t j = 0; j < snap->n_recipients; j++) {
		if (rcpt[j]) {
			mr_buf_printf(
				&out, "%s%s", out.len ? " " : "", snap->recipients[j].address);
		}
	}
	mr_filter_free(f);
	free(match);
	free(rcpt);
	return mr_buf_steal(&out);
}

static void test_recipients_matched(void) {
	struct mr_snapshot *snap = sample();
	static const struct {
		const char *expr, *want;
	} cases[] = {
		{ "", "a@gmail.com b@yahoo.com c@mx.gmail.com d@outlook.com e@example.net "
		      "g@sink.test" },
		/* recipient terms: the recipients they hold for, not their neighbours */
		{ "domain:gmail.com", "a@gmail.com c@mx.gmail.com" },
		{ "cat:rate-limited", "a@gmail.com d@outlook.com" },
		{ "-to:gmail", "b@yahoo.com d@outlook.com e@example.net g@sink.test" },
		/* message terms: every recipient of the messages */
		{ "queue:deferred size:>1M", "a@gmail.com b@yahoo.com" },
		{ "to:nobody", "" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char *got = matching_recipients(snap, cases[i].expr);
		T_STR(got, cases[i].want, "recipients of %s", cases[i].expr);
		free(got);
	}
	mr_snapshot_destroy(snap);
}

/* For each matching message, "ID=ADDRESS" of the recipient a listing
 * names, "ID=(first)" when the filter picks none. */
static char *named_recipients(const struct mr_snapshot *snap, const char *expr) {
	struct mr_filter_error err;
	struct mr_filter *f = mr_filter_parse(expr, mr_kb_default(), &err);
	uint8_t *match = mr_xcalloc(snap->n_messages, 1);
	mr_filter_run(f, snap, NOW, match);
	struct mr_buf out;
	mr_buf_init(&out);
	for (size_t i = 0; i < snap->n_messages; i++) {
		if (match[i]) {
			const struct mr_message *m = &snap->messages[i];
			const struct mr_recipient *r = mr_filter_first_recipient(f, snap, NOW, m);
			mr_buf_printf(&out, "%s%s=%s", out.len ? " " : "", m->id,
				r ? r->address : "(first)");
		}
	}
	mr_filter_free(f);
	free(match);
	return mr_buf_steal(&out);
}

static void test_first_recipient(void) {
	struct mr_snapshot *snap = sample();
	static const struct {
		const char *expr, *want;
	} cases[] = {
		{ "domain:yahoo.com", "M1=b@yahoo.com" },
		{ "-to:gmail queue:deferred", "M1=b@yahoo.com M3=d@outlook.com M5=g@sink.test" },
		{ "code:4.2.1 or domain:yahoo.com", "M1=a@gmail.com" },
		{ "(code:4.7.0 or to:nobody) from:shop", "M1=b@yahoo.com" },
		/* nothing about recipients: the listing keeps the first */
		{ "queue:deferred size:>1M", "M1=(first)" },
		{ "", "M1=(first) M2=(first) M3=(first) M4=(first) M5=(first)" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char *got = named_recipients(snap, cases[i].expr);
		T_STR(got, cases[i].want, "the recipient named under %s", cases[i].expr);
		free(got);
	}
	/* The headline: the picked recipient's reply, else the message's. */
	const struct mr_message *m1 = mr_snapshot_find(snap, "M1");
	const struct mr_recipient *a = mr_message_rcpt(snap, m1, 0),
				  *b = mr_message_rcpt(snap, m1, 1);
	struct mr_headline picked = mr_message_headline(snap, m1, b);
	struct mr_headline plain = mr_message_headline(snap, m1, NULL);
	T_PTR(picked.recipient, b, "headline: the picked recipient");
	T_PTR(picked.failure, b, "headline: the picked recipient's reply");
	T_PTR(plain.recipient, a, "headline without a pick: the first recipient");
	T_PTR(plain.failure, mr_message_main_failure(snap, m1),
		"headline without a pick: the main failure");
	const struct mr_message *m2 = mr_snapshot_find(snap, "M2");
	const struct mr_recipient *c = mr_message_rcpt(snap, m2, 0);
	struct mr_headline quiet = mr_message_headline(snap, m2, c);
	T_PTR(quiet.recipient, c, "headline: a picked recipient without a reason is named");
	T_PTR(quiet.failure, mr_message_main_failure(snap, m2),
		"headline: a picked recipient without a reason gives the message's reply");
	mr_snapshot_destroy(snap);
}

/* Three sources merged into one, as "mailroom mx1 mx2 relay3" lists them:
 * labels as a fleet gives them, one with a configuration directory and one
 * not in lower case. */
static struct mr_snapshot *merged(void) {
	struct mr_snapshot *parts[3];
	for (size_t i = 0; i < 3; i++) {
		parts[i] = mr_snapshot_create();
	}
	add(parts[0], "A1", MR_QUEUE_DEFERRED, "shop@contoso-shop.eu", 3 * 3600, 2000,
		"a@gmail.com|b@yahoo.com",
		"host gmail-smtp-in.l.google.com[142.250.153.27] said: 450 4.2.1 Try again "
		"later (in reply to RCPT TO command)|"
		"host mta5.am0.yahoodns.net[67.195.204.72] said: 421 4.7.0 [TSS04] Messages "
		"temporarily deferred (in reply to MAIL FROM command)");
	add(parts[0], "A2", MR_QUEUE_HOLD, "news@mail.example.org", 600, 500, "c@outlook.com",
		NULL);
	/* The Gmail recipient second: a filter naming it must pick it. */
	add(parts[1], "B1", MR_QUEUE_DEFERRED, "shop@contoso-shop.eu", 7200, 800,
		"d@yahoo.com|e@gmail.com",
		"host mta5.am0.yahoodns.net[67.195.204.72] said: 421 4.7.0 [TSS04] Messages "
		"temporarily deferred (in reply to MAIL FROM command)|"
		"host gmail-smtp-in.l.google.com[142.250.153.27] said: 450 4.2.1 Try again "
		"later (in reply to RCPT TO command)");
	add(parts[1], "B2", MR_QUEUE_HOLD, "x@y.test", 60, 100, "f@example.net", NULL);
	add(parts[2], "C1", MR_QUEUE_DEFERRED, "alerts@sink.test", 86400, 300, "g@gmail.com",
		"host gmail-smtp-in.l.google.com[142.250.153.27] said: 450 4.2.1 Try again "
		"later (in reply to RCPT TO command)");
	static const char *const labels[] = { "mx1", "mx2/etc/postfix-out", "Relay3" };
	struct mr_snapshot *snap = mr_snapshot_create();
	mr_snapshot_set_origins(snap, labels, 3);
	for (size_t i = 0; i < 3; i++) {
		mr_snapshot_finish(parts[i]);
		mr_snapshot_merge(snap, parts[i], (uint16_t)i);
		mr_snapshot_destroy(parts[i]);
	}
	return snap;
}

static void test_source(void) {
	struct mr_snapshot *snap = merged();
	T_SIZE(snap->n_origins, 3, "the merged sample: three sources");
	T_SIZE(snap->n_messages, 5, "the merged sample: five messages");
	const struct mr_message *b1 = mr_snapshot_find(snap, "B1");
	T_NONNULL(b1, "the merged sample: B1 is there");
	if (b1 != NULL) {
		T_INT(b1->origin, 1, "the merged sample: B1 is from the second source");
	}
	static const struct {
		const char *expr, *want;
	} cases[] = {
		{ "source:mx1", "A1 A2" },
		{ "source:mx2", "" },         /* the whole label: mx2/etc/postfix-out */
		{ "source:postfix-out", "" }, /* not a part of it */
		{ "source:mx", "" },          /* so mx1 is not mx10 */
		{ "source:mx2*", "B1 B2" },   /* a glob for the rest */
		{ "source:mx2/etc/postfix-out", "B1 B2" },
		{ "source:MX2/ETC/Postfix-Out", "B1 B2" },
		{ "source:mx*", "A1 A2 B1 B2" }, /* a glob over the whole label */
		{ "source:mx?", "A1 A2" },       /* not mx2/etc/postfix-out */
		{ "source:*/postfix-out", "B1 B2" },
		{ "source:relay3", "C1" }, /* case ignored, both ways */
		{ "source:RELAY*", "C1" },
		{ "source:MX1", "A1 A2" },
		{ "source:\"relay3\"", "C1" },
		{ "source:nowhere", "" },
		{ "source:mx1/", "" },
		{ "-source:mx1", "B1 B2 C1" },
		{ "not source:mx1", "B1 B2 C1" },
		{ "-source:mx*", "C1" },
		{ "-source:nowhere", "A1 A2 B1 B2 C1" },
		{ "source:mx1 or source:relay3", "A1 A2 C1" },
		{ "-(source:mx1 or source:relay3)", "B1 B2" },
		{ "Source:mx1", "A1 A2" }, /* keys ignore case */
		/* with message terms */
		{ "source:mx1 queue:hold", "A2" },
		{ "source:mx* -queue:hold", "A1 B1" },
		/* with recipient terms: about the message, whichever recipient */
		{ "source:mx2* domain:gmail.com", "B1" },
		{ "source:mx1 domain:outlook.com", "A2" },
		{ "source:relay3 domain:yahoo.com", "" },
		{ "-source:mx1 code:450", "B1 C1" },
		{ "source:mx2* or domain:outlook.com", "A2 B1 B2" },
		/* not host:, the remote host in a reason */
		{ "host:mx1", "" },
		{ "host:*.google.com", "A1 B1 C1" },
		/* a bare word is not looked for in the label */
		{ "relay3", "" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char *got = matching(snap, cases[i].expr);
		T_STR(got, cases[i].want, "%s (merged)", cases[i].expr);
		free(got);
	}
	static const struct {
		const char *expr, *want;
	} rcpts[] = {
		/* a message term: every recipient of its messages */
		{ "source:mx2*", "d@yahoo.com e@gmail.com f@example.net" },
		{ "-source:mx*", "g@gmail.com" },
		/* with a recipient term: the recipients it picks */
		{ "source:mx2* domain:gmail.com", "e@gmail.com" },
		{ "source:mx* -domain:gmail.com", "b@yahoo.com c@outlook.com d@yahoo.com "
						  "f@example.net" },
		{ "source:mx1 or domain:yahoo.com", "a@gmail.com b@yahoo.com c@outlook.com "
						    "d@yahoo.com" },
	};
	for (size_t i = 0; i < sizeof(rcpts) / sizeof(*rcpts); i++) {
		char *got = matching_recipients(snap, rcpts[i].expr);
		T_STR(got, rcpts[i].want, "recipients of %s (merged)", rcpts[i].expr);
		free(got);
	}
	static const struct {
		const char *expr, *want;
	} named[] = {
		{ "source:mx2* domain:gmail.com", "B1=e@gmail.com" },
		{ "source:mx* domain:gmail.com", "A1=a@gmail.com B1=e@gmail.com" },
		{ "source:mx2* -domain:yahoo.com", "B1=e@gmail.com B2=f@example.net" },
		{ "-source:mx1 code:4.2.1", "B1=e@gmail.com C1=g@gmail.com" },
		/* nothing about recipients: the listing keeps the first */
		{ "source:mx2*", "B1=(first) B2=(first)" },
	};
	for (size_t i = 0; i < sizeof(named) / sizeof(*named); i++) {
		char *got = named_recipients(snap, named[i].expr);
		T_STR(got, named[i].want, "the recipient named under %s (merged)", named[i].expr);
		free(got);
	}
	mr_snapshot_destroy(snap);
}

/* One source: no message has a label, so source: holds for none and its
 * negation for all. */
static void test_source_alone(void) {
	struct mr_snapshot *snap = sample();
	T_SIZE(snap->n_origins, 0, "one source: no origins");
	static const struct {
		const char *expr, *want;
	} cases[] = {
		{ "source:mx1", "" },
		{ "source:*", "" },
		{ "source:demo", "" },
		{ "-source:mx1", "M1 M2 M3 M4 M5" },
		{ "-source:*", "M1 M2 M3 M4 M5" },
		{ "source:mx1 or queue:hold", "M2" },
		{ "-source:mx1 domain:yahoo.com", "M1" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char *got = matching(snap, cases[i].expr);
		T_STR(got, cases[i].want, "%s (one source)", cases[i].expr);
		free(got);
	}
	char *got = named_recipients(snap, "-source:mx1 domain:yahoo.com");
	T_STR(got, "M1=b@yahoo.com", "the recipient named under -source:mx1 domain:yahoo.com");
	free(got);
	/* The same filter over a merged snapshot and then over one source:
	 * each run decides its own origins. */
	struct mr_snapshot *many = merged();
	struct mr_filter_error err;
	struct mr_filter *f = mr_filter_parse("source:mx*", mr_kb_default(), &err);
	uint8_t match[5];
	size_t n_many = mr_filter_run(f, many, NOW, match);
	size_t n_one = mr_filter_run(f, snap, NOW, match);
	T_SIZE(n_many, 4, "source:mx* over merged: four messages");
	T_SIZE(n_one, 0, "source:mx* then over one source: none");
	mr_filter_free(f);
	mr_snapshot_destroy(many);
	mr_snapshot_destroy(snap);
}

/* Messages with priorities as SQLite keeps them (signed 32-bit, the
 * extremes too) and one from a source without (Postfix): priority 0 but not
 * known, which no prio: comparison may take for a 0. */
static struct mr_snapshot *prioritised(void) {
	static const struct {
		const char *id, *rcpt;
		enum mr_queue queue;
		bool known;
		int32_t priority;
	} rows[] = {
		{ "P1", "a@gmail.com|b@yahoo.com", MR_QUEUE_DEFERRED, true, 5 },
		{ "P2", "c@gmail.com", MR_QUEUE_DEFERRED, true, 0 },
		{ "P3", "d@yahoo.com", MR_QUEUE_HOLD, true, -1 },
		{ "P4", "e@gmail.com", MR_QUEUE_DEFERRED, true, INT32_MIN },
		{ "P5", "f@outlook.com", MR_QUEUE_ACTIVE, true, INT32_MAX },
		{ "P6", "g@gmail.com", MR_QUEUE_HOLD, false, 0 },
	};
	struct mr_snapshot *snap = mr_snapshot_create();
	for (size_t i = 0; i < sizeof(rows) / sizeof(*rows); i++) {
		add(snap, rows[i].id, rows[i].queue, "s@example.org", 60, 100, rows[i].rcpt, NULL);
		struct mr_message *m = &snap->messages[snap->n_messages - 1];
		m->priority = rows[i].priority;
		m->flags = rows[i].known ? MR_MSG_HAS_PRIORITY : 0;
	}
	mr_snapshot_finish(snap);
	return snap;
}

static void test_priority(void) {
	struct mr_snapshot *snap = prioritised();
	static const struct {
		const char *expr, *want;
	} cases[] = {
		{ "prio:5", "P1" }, /* no operator: that priority, not "at least" */
		{ "prio:=5", "P1" },
		{ "priority:5", "P1" }, /* the other spelling */
		{ "PRIO:5", "P1" },     /* keys ignore case */
		{ "prio:4", "" },
		{ "prio:>0", "P1 P5" },
		{ "prio:<0", "P3 P4" },
		{ "prio:>=0", "P1 P2 P5" },
		{ "prio:<=0", "P2 P3 P4" },
		{ "prio:>=5", "P1 P5" },
		{ "prio:<=-1", "P3 P4" },
		{ "prio:>-2", "P1 P2 P3 P5" },
		{ "prio:-1", "P3" },
		{ "prio:=-1", "P3" },
		{ "prio:0", "P2" }, /* P6's 0 is not a priority: it has none */
		{ "prio:\"0\"", "P2" },
		{ "prio:2147483647", "P5" },
		{ "prio:-2147483648", "P4" },
		{ "prio:<-2147483647", "P4" },
		{ "prio:>2147483646", "P5" },
		{ "prio:>=-2147483648", "P1 P2 P3 P4 P5" }, /* every known priority */
		/* negation takes what has none, as for any term */
		{ "-prio:>0", "P2 P3 P4 P6" },
		{ "not prio:0", "P1 P3 P4 P5 P6" },
		{ "-prio:>=-2147483648", "P6" },
		{ "-priority:<0", "P1 P2 P5 P6" },
		{ "prio:>0 or prio:<0", "P1 P3 P4 P5" },
		{ "-(prio:>0 or prio:<0)", "P2 P6" },
		{ "prio:<=0 queue:hold", "P3" },
		{ "queue:hold -prio:<0", "P6" },
		/* about the message, with recipient terms about one recipient */
		{ "prio:>0 domain:yahoo.com", "P1" },
		{ "prio:<0 domain:gmail.com", "P4" },
		{ "-prio:<0 domain:gmail.com", "P1 P2 P6" },
		{ "prio:>0 or domain:yahoo.com", "P1 P3 P5" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char *got = matching(snap, cases[i].expr);
		T_STR(got, cases[i].want, "%s", cases[i].expr);
		free(got);
	}
	static const struct {
		const char *expr, *want;
	} rcpts[] = {
		/* a message term: every recipient of its messages */
		{ "prio:5", "a@gmail.com b@yahoo.com" },
		/* with a recipient term: the recipient it picks */
		{ "prio:5 domain:yahoo.com", "b@yahoo.com" },
		{ "-prio:>=0", "d@yahoo.com e@gmail.com g@gmail.com" },
	};
	for (size_t i = 0; i < sizeof(rcpts) / sizeof(*rcpts); i++) {
		char *got = matching_recipients(snap, rcpts[i].expr);
		T_STR(got, rcpts[i].want, "recipients of %s", rcpts[i].expr);
		free(got);
	}
	mr_snapshot_destroy(snap);
}

/* prio: errors: the column of the value and what to write instead. */
static void test_priority_errors(void) {
	static const char number[] = "prio: give a number, as in prio:>0";
	static const struct {
		const char *expr;
		size_t pos;
		const char *message;
	} cases[] = {
		{ "prio:x", 5, number },
		{ "prio:high", 5, number },
		{ "prio:>", 5, number },
		{ "prio:>=", 5, number },
		{ "prio:=", 5, number },
		{ "prio:1.5", 5, number },
		{ "prio:5x", 5, number },
		{ "prio:+3", 5, number },
		{ "prio:--1", 5, number },
		{ "prio:-", 5, number },
		{ "prio:0x10", 5, number },
		{ "prio:> 1", 5, number }, /* the value ends at the blank */
		{ "prio:*", 5, number },
		{ "prio:\"\"", 5, number },
		{ "queue:hold prio:>x", 16, number },
		{ "(queue:hold or prio:1e3)", 20, number },
		{ "priority:high", 9, "priority: give a number, as in priority:>0" },
		{ "prio:2147483648", 5,
			"prio: 2147483648 is out of range (-2147483648 to 2147483647)" },
		{ "prio:<-2147483649", 5,
			"prio: -2147483649 is out of range (-2147483648 to 2147483647)" },
		{ "prio:99999999999999999999", 5,
			"prio: 99999999999999999999 is out of range (-2147483648 to 2147483647)" },
		{ "prio:", 5, "prio: expected a value" },
		{ "priority:", 9, "priority: expected a value" },
		{ "prio: 1", 5, "prio: expected a value" },
		{ "prio:/1/", 5, "only reason: takes a /regular expression/" },
		{ "prios:1", 0,
			"no key \"prios:\" (keys: from to domain sender-domain queue state source "
			"code "
			"cat "
			"host age size prio reason id)" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct mr_filter_error err;
		struct mr_filter *f = mr_filter_parse(cases[i].expr, mr_kb_default(), &err);
		T_NULL(f, "%s is refused", cases[i].expr);
		if (f == NULL) {
			T_SIZE(err.pos, cases[i].pos, "%s: where", cases[i].expr);
			T_STR(err.message, cases[i].message, "%s: what", cases[i].expr);
		}
		mr_filter_free(f);
	}
}

/* The keys offered for completion name every key, source: too. A key the
 * parser knows, given without a value, is refused with its own name ("from:
 * expected a value"); a word it does not know as a key gets "no key", and
 * one it took for text would be no error at all. Any value instead could be
 * refused for itself, or taken as text, and prove nothing about the key. */
static void test_keys(void) {
	bool source = false, prio = false;
	size_t n = 0;
	for (; mr_filter_keys[n] != NULL; n++) {
		const char *key = mr_filter_keys[n];
		source = source || strcmp(key, "source:") == 0;
		prio = prio || strcmp(key, "prio:") == 0;
		struct mr_filter_error err;
		struct mr_filter *f = mr_filter_parse(key, mr_kb_default(), &err);
		T_NULL(f, "%s is a key: without a value it is refused", key);
		if (f == NULL) {
			char *want = mr_xasprintf("%s expected a value", key);
			T_STR(err.message, want, "%s is a key: the parser names it", key);
			T_SIZE(err.pos, strlen(key), "%s is a key: the value is missing after it",
				key);
			free(want);
		}
		mr_filter_free(f);
	}

	T_OK(source, "the keys offered include source:");
	T_OK(prio, "the keys offered include prio:");
	T_INT(n, 15, "the keys offered");
}

/* --- regular expressions ---------------------------------------------------------- */

/* Reasons for what POSIX syntax and PCRE2 could read differently: UTF-8
 * letters, a byte that is not UTF-8 (Latin-1, as some servers still send),
 * words next to punctuation. */
static struct mr_snapshot *unusual(void) {
	struct mr_snapshot *snap = mr_snapshot_create();
	add(snap, "U1", MR_QUEUE_DEFERRED, "a@example.org", 60, 100, "u1@example.de",
		"host mx.example.de[192.0.2.7] said: 552 5.2.2 Postfach \xc3\xbc"
		"berf\xc3\xbcllt (in reply to RCPT TO command)");
	add(snap, "U2", MR_QUEUE_DEFERRED, "a@example.org", 60, 100, "u2@example.de",
		"host mx.example.de[192.0.2.7] said: 550 5.7.1 Nachricht \xe4nderung "
		"abgelehnt (in reply to end of DATA command)");
	add(snap, "U3", MR_QUEUE_DEFERRED, "a@example.org", 60, 100, "u3@example.com",
		"host mx.example.com[192.0.2.8] said: 450 4.7.1 <u3@example.com>: rate-limited, "
		"try again (in reply to RCPT TO command)");
	mr_snapshot_finish(snap);
	return snap;
}

/* Regular expressions that glibc's regcomp took match what they matched:
 * case ignored, anchors, alternation, classes, GNU's word edges, {,n}. */
static void test_regex_syntax(void) {
	struct mr_snapshot *snap = sample();
	static const struct {
		const char *expr, *want;
	} cases[] = {
		{ "reason:/4\\.7\\.[0-9]{3}/", "M3" },
		{ "reason:/GREYLISTED/", "M5" },
		{ "reason:/greylisted/", "M5" },
		{ "reason:/^host mx\\./", "M4 M5" },
		{ "reason:/^HOST MX\\./", "M4 M5" },
		{ "reason:/^said/", "" },
		{ "reason:/RCPT TO command\\)$/", "M1 M3 M4 M5" }, /* M1 by its gmail reply */
		{ "reason:/MAIL FROM command\\)$/", "M1" },
		{ "reason:/command$/", "" },
		{ "reason:/yahoodns|outlook/", "M1 M3" },
		{ "reason:/(yahoo|outlook)[a-z]*\\.(net|com)/", "M1 M3" },
		{ "reason:/[[:digit:]]{3} [45]\\.[[:digit:]]\\.[0-9]+ /", "M1 M3 M4 M5" },
		{ "reason:/[[:upper:]]{3}04/", "M1" }, /* [TSS04], case ignored in classes too */
		{ "reason:/[^a-z ]{3}\\.[0-9]/", "M1 M3 M4 M5" },
		{ "reason:/\\buser unknown\\b/", "M4" },
		{ "reason:/\\<rate\\>/", "M1" },    /* GNU: the start and end of a word */
		{ "reason:/\\<rat\\>/", "" },       /* not the letters < and > */
		{ "reason:/\\`host gmail/", "M1" }, /* GNU: the start of the text */
		{ "reason:/command\\)\\'/", "M1 M3 M4 M5" },
		{ "reason:/busy{,1}\\. Please/", "M3" }, /* {,n} is {0,n}, not text */
		{ "reason:/x{,0}Server busy/", "M3" },
		{ "reason:/zz(b|c)*d|4\\.2\\.1/", "M1" },
		{ "reason:/\\/|said: 421/", "M1" }, /* \/ is a slash */
		{ "reason:/(4)\\.\\1\\./", "" },    /* back-references: 4.4. */
		{ "reason:/(0)\\.\\1 /", "" },
		{ "reason:/([0-9])\\1\\.[0-9]/", "M1 M3" }, /* 198.51.100.41 */
		{ "reason:/(5)\\1[0-9] /", "M4" },          /* 550 */
		{ "reason:/.*/", "M1 M3 M4 M5" },           /* M2 has no reason */
		{ "-reason:/.*/", "M2" },
		{ "reason:/try again/ queue:deferred -reason:/greylist/", "M3" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char *got = matching(snap, cases[i].expr);
		T_STR(got, cases[i].want, "%s", cases[i].expr);
		free(got);
	}
	mr_snapshot_destroy(snap);
}

/* UTF-8 text: case ignored for every letter, "." one character; a byte that
 * is not UTF-8 is matched by nothing, not even ".", as glibc's regexec did in
 * a UTF-8 locale, and the rest of its text is searched as usual. */
static void test_regex_bytes(void) {
	struct mr_snapshot *snap = unusual();
	static const struct {
		const char *expr, *want;
	} cases[] = {
		{ "reason:/postfach \xc3\xbc/", "U1" },
		{ "reason:/POSTFACH \xc3\x9c"
		  "BERF\xc3\x9c"
		  "LLT/",
			"U1" },                         /* Ü for ü */
		{ "reason:/postfach .berf..llt/", "" }, /* one . per character */
		{ "reason:/postfach .berf.llt/", "U1" },
		{ "reason:/[\xc3\xbc\xc3\xa4]berf/", "U1" }, /* a class of characters, not bytes */
		{ "reason:/abgelehnt \\(in reply/", "U2" },  /* after the Latin-1 byte */
		{ "reason:/^host mx\\.example\\.de.*Nachricht /", "U2" }, /* before it */
		{ "reason:/nachricht .nderung/", "" }, /* nothing matches the byte */
		{ "reason:/nderung/", "U2" },
		{ "reason:/nachricht.*abgelehnt/", "" },
		{ "reason:/5\\.7\\.1|5\\.2\\.2/", "U1 U2" },
		{ "reason:/[[:alpha:]]+llt/", "U1" }, /* Unicode classes */
		{ "reason:/\\w+berf/", "U1" },
		{ "reason:/\\brate\\b/", "U3" },
		{ "reason:/<u3@example\\.com>/", "U3" },
		{ "reason:/\\<u3/", "U3" },
		{ "reason:\"postfach\"", "U1" }, /* and the plain search too */
		{ "abgelehnt", "U2" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char *got = matching(snap, cases[i].expr);
		T_STR(got, cases[i].want, "%s (unusual texts)", cases[i].expr);
		free(got);
	}
	mr_snapshot_destroy(snap);
}

/* reason:/((...(1)...))/ with depth parentheses around the 1. */
static char *nested(int depth) {
	struct mr_buf b;
	mr_buf_init(&b);
	mr_buf_add_str(&b, "reason:/");
	for (int i = 0; i < depth; i++) {
		mr_buf_add_char(&b, '(');
	}
	mr_buf_add_char(&b, '1');
	for (int i = 0; i < depth; i++) {
		mr_buf_add_char(&b, ')');
	}
	mr_buf_add_char(&b, '/');
	return mr_buf_steal(&b);
}

/* Patterns refused when parsed, at the column of their value, naming them:
 * the two that made glibc's regcomp overflow its stack and take 1.2 GB. */
static void test_regex_refused(void) {
	static const char too_large[] = "too large once its repeats are written out (over 32768 "
					"bytes compiled): use smaller counts in {n,m}";
	char *long_one = mr_xasprintf("reason:/%0*d/", MR_REGEXP_MAX_LENGTH + 1, 0);
	char *deep = nested(MR_REGEXP_MAX_NESTING + 1);
	/* Long terms are named by their first 60 bytes. */
	char *long_shown = mr_xasprintf("%.60s...: ", long_one);
	char *deep_shown = mr_xasprintf("%.60s...: ", deep);
	const struct {
		const char *expr;
		size_t pos;
		const char *starts, *says;
	} cases[] = {
		{ "reason:/(.*){1,32000}(.*){1,32000}b/", 7,
			"reason:/(.*){1,32000}(.*){1,32000}b/: ", too_large },
		{ "reason:/((a{1,100}){1,100}){1,100}/", 7,
			"reason:/((a{1,100}){1,100}){1,100}/: ", too_large },
		/* Over the budget, under PCRE2's own ceiling. */
		{ "reason:/(abc){1,2000}/", 7, "reason:/(abc){1,2000}/: ", too_large },
		{ "queue:hold or reason:/(x|y){1,65535}/", 21,
			"reason:/(x|y){1,65535}/: ", too_large },
		{ "reason:/a{1,70000}/", 7, "reason:/a{1,70000}/: ", "not a regular expression: " },
		{ long_one, 7, long_shown, "too long (1001 bytes; at most 1000)" },
		{ deep, 7, deep_shown, "nested too deep (at most 32 parentheses inside others)" },
		{ "reason:/[/", 7,
			"reason:/[/: ", "not a regular expression: missing terminating ]" },
		{ "reason:/\xff/", 7, "reason:/\xff/: ", "not a regular expression: UTF-8 error" },
		{ "reason:/\\C/", 7, "reason:/\\C/: ", "not a regular expression: " },
		{ "reason:/a**/", 7, "reason:/a**/: ", "not a regular expression: " },
		{ "reason:/[[.a.]]/", 7,
			"reason:/[[.a.]]/: ", "not a regular expression: POSIX collating" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct mr_filter_error err;
		struct mr_filter *f = mr_filter_parse(cases[i].expr, mr_kb_default(), &err);
		char *want = mr_xasprintf("%s%s", cases[i].starts, cases[i].says);
		T_NULL(f, "%.60s is refused", cases[i].expr);
		if (f == NULL) {
			T_SIZE(err.pos, cases[i].pos, "%.60s: where", cases[i].expr);
			T_PREFIX(err.message, want, "%.60s: what", cases[i].expr);
		}
		free(want);
		mr_filter_free(f);
	}
	free(long_one);
	free(deep);
	free(long_shown);
	free(deep_shown);
	/* Under the budgets: taken. */
	char *deepest = nested(MR_REGEXP_MAX_NESTING);
	char *longest = mr_xasprintf("reason:/%0*d/", MR_REGEXP_MAX_LENGTH, 0);
	const char *const taken[] = { "reason:/(abc){1,1000}/", "reason:/x{1,65535}/", deepest,
		longest };
	for (size_t i = 0; i < sizeof(taken) / sizeof(*taken); i++) {
		struct mr_filter_error err;
		struct mr_filter *f = mr_filter_parse(taken[i], mr_kb_default(), &err);
		T_TRUE(f != NULL, f ? NULL : err.message, "%.60s is taken", taken[i]);
		mr_filter_free(f);
	}
	free(deepest);
	free(longest);
}

/* The threads of this process, from /proc: a run must leave none behind. */
static size_t threads_now(void) {
	DIR *dir = opendir("/proc/self/task");
	size_t n = 0;
	for (struct dirent *e; dir != NULL && (e = readdir(dir)) != NULL;) {
		n += e->d_name[0] != '.';
	}
	if (dir != NULL) {
		closedir(dir);
	}
	return n;
}

/* The threads once those that were joined are gone: a joined thread has
 * finished, but the kernel may list it under /proc a moment longer. Polls
 * for up to two seconds; a thread still running stays counted. */
static size_t threads_settled(size_t want) {
	size_t n = threads_now();
	for (int i = 0; i < 400 && n > want; i++) {
		nanosleep(&(struct timespec){ .tv_nsec = 5 * 1000 * 1000 }, NULL);
		n = threads_now();
	}
	return n;
}

/* What one run said: its status, count, error and how many bytes it left
 * not 0. */
struct outcome {
	enum mr_filter_status status;
	size_t n;
	struct mr_filter_error err;
	size_t n_set; /* bytes of match and rcpt not 0 */
};

static struct outcome run_once(struct mr_filter *f, const struct mr_snapshot *snap,
	const struct mr_filter_run_opts *opts) {
	struct outcome o = { 0 };
	uint8_t *match = mr_xmalloc(snap->n_messages), *rcpt = mr_xmalloc(snap->n_recipients);
	memset(match, 7, snap->n_messages); /* so that a byte left alone shows */
	memset(rcpt, 7, snap->n_recipients);
	o.status = mr_filter_run_with(f, snap, NOW, match, rcpt, opts, &o.n, &o.err);
	for (size_t i = 0; i < snap->n_messages; i++) {
		o.n_set += match[i] != 0;
	}
	for (size_t j = 0; j < snap->n_recipients; j++) {
		o.n_set += rcpt[j] != 0;
	}
	free(match);
	free(rcpt);
	return o;
}

/* A generated queue of count messages, then those of extra (NULL: none),
 * each with one recipient whose reason is the text. */
static struct mr_snapshot *generated(size_t count, const char *const *extra) {
	struct mr_gen_options o = { .seed = 3, .now = NOW };
	char *cause = NULL;
	struct mr_gen *gen = mr_gen_create(&o, &cause);
	if (gen == NULL) {
		mr_fatal("%s", cause);
	}
	struct mr_snapshot *snap = mr_snapshot_create();
	mr_gen_fill(gen, snap, count);
	mr_gen_destroy(gen);
	for (size_t i = 0; extra != NULL && extra[i] != NULL; i++) {
		char id[32];
		snprintf(id, sizeof(id), "LONG%zu", i);
		add(snap, id, MR_QUEUE_DEFERRED, "s@example.org", 60, 100, "r@example.com",
			extra[i]);
	}
	mr_snapshot_finish(snap);
	return snap;
}

/* Backtracking past the limits on a 5,000-character reason: the run fails
 * and says which term, instead of running for ever (glibc took hours on the
 * first) or answering "no match"; it is bounded on the interpreter too. */
static void test_regex_backtracking(void) {
	char *a_run = mr_xasprintf("host mx.example.net said: 450 %0*db", 4969, 0);
	memset(a_run + 30, 'a', 4969); /* "450 aaa...ab": 5,000 characters */
	T_INT(strlen(a_run), 5000, "the long reason");
	const char *const extra[] = { a_run, NULL };
	struct mr_snapshot *snap = generated(3, extra);
	static const struct {
		const char *expr;
		size_t pos;
		const char *message;
	} cases[] = {
		{ "reason:/(a*)*\\1$/", 7,
			"reason:/(a*)*\\1$/: too much backtracking: simplify it" },
		{ "reason:/(a|aa)+$/", 7, "reason:/(a|aa)+$/: too much backtracking: simplify it" },
		{ "reason:/(a+)+$/", 7, "reason:/(a+)+$/: too much backtracking: simplify it" },
		{ "reason:/(a|a){1,40}b/", 7,
			"reason:/(a|a){1,40}b/: too much backtracking: simplify it" },
		/* With other terms that would match: the answer is still unknown. */
		{ "queue:deferred or reason:/(a*)*\\1$/", 25,
			"reason:/(a*)*\\1$/: too much backtracking: simplify it" },
		{ "reason:/(a*)*\\1$/ and queue:hold", 7,
			"reason:/(a*)*\\1$/: too much backtracking: simplify it" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct mr_filter_error err;
		struct mr_filter *f = mr_filter_parse(cases[i].expr, mr_kb_default(), &err);
		T_TRUE(f != NULL, f ? NULL : err.message, "%s parses", cases[i].expr);
		if (f == NULL) {
			continue;
		}
		struct outcome o = run_once(f, snap, NULL);
		T_INT(o.status, MR_FILTER_FAILED, "%s: the run fails", cases[i].expr);
		T_SIZE(o.n, 0, "%s: no message counted", cases[i].expr);
		T_SIZE(o.n_set, 0, "%s: no message, no recipient marked", cases[i].expr);
		T_INT(o.err.pos, cases[i].pos, "%s: where", cases[i].expr);
		T_STR(o.err.message, cases[i].message, "%s: what", cases[i].expr);
		/* The older functions: the same answer, and the status after. */
		uint8_t match[8];
		size_t n = mr_filter_run(f, snap, NOW, match);
		struct mr_filter_error again = { 0 };
		T_SIZE(n, 0, "%s: mr_filter_run fails too, counting nothing", cases[i].expr);
		T_INT(mr_filter_last_status(f, &again), MR_FILTER_FAILED,
			"%s: mr_filter_last_status says failed", cases[i].expr);
		T_STR(again.message, cases[i].message, "%s: mr_filter_last_status says why",
			cases[i].expr);
		T_NULL(mr_filter_first_recipient(f, snap, NOW, &snap->messages[0]),
			"%s: no recipient named after a failed run", cases[i].expr);
		mr_filter_free(f);
	}
	/* Patterns that need work on the long reason, within the limits. */
	static const struct {
		const char *expr, *want;
	} fine[] = {
		{ "reason:/(a|b)*b$/", "LONG0" },
		{ "reason:/^host.*said:.*(450|550).*b$/", "LONG0" },
		{ "reason:/(a*)*\\1b$/", "LONG0" },
		{ "reason:/a{4969}b/", "LONG0" },
		{ "reason:/a{4970}/", "" },
		{ "reason:/.*a.*b.*zz/", "" },
		{ "reason:/(a|b)*c$/", "" },
	};
	for (size_t i = 0; i < sizeof(fine) / sizeof(*fine); i++) {
		char *got = matching(snap, fine[i].expr);
		T_STR(got, fine[i].want, "%s on the long reason", fine[i].expr);
		free(got);
	}
	mr_snapshot_destroy(snap);
	/* The same filter on a queue without that reason: done. */
	struct mr_filter_error err;
	struct mr_filter *f = mr_filter_parse("reason:/(a*)*\\1$/", mr_kb_default(), &err);
	struct mr_snapshot *plain = sample();
	struct outcome o = run_once(f, plain, NULL);
	T_INT(o.status, MR_FILTER_DONE, "the failed filter on another queue: done");
	mr_snapshot_destroy(plain);
	mr_filter_free(f);
	free(a_run);
}

/* A failure found by another thread than the caller's: the long reason is
 * the last of many, so it is in the second thread's range. */
static void test_regex_failure_threaded(void) {
	char *a_run = mr_xasprintf("550 %0*d!", 4995, 0);
	memset(a_run + 4, 'a', 4995);
	const char *const extra[] = { a_run, NULL };
	struct mr_snapshot *snap = generated(40000, extra);
	size_t before = threads_now();
	struct mr_filter_error err;
	struct mr_filter *f =
		mr_filter_parse("domain:gmail.com or reason:/(a*)*\\1$/", mr_kb_default(), &err);
	struct outcome o = run_once(f, snap, NULL);
	T_INT(o.status, MR_FILTER_FAILED, "failed in another thread: the run fails");
	T_SIZE(o.n, 0, "failed in another thread: no message counted");
	T_SIZE(o.n_set, 0, "failed in another thread: no message, no recipient marked");
	T_INT(o.err.pos, 27, "failed in another thread: where");
	T_INT(threads_settled(before), before, "failed in another thread: no thread left running");
	mr_filter_free(f);
	mr_snapshot_destroy(snap);
	free(a_run);
}

struct stopper {
	size_t calls, stop_after;
	pthread_t caller;
	bool elsewhere; /* asked on another thread than the caller's */
};

static bool stop_after(void *ctx) {
	struct stopper *s = ctx;
	s->elsewhere = s->elsewhere || !pthread_equal(pthread_self(), s->caller);
	return ++s->calls > s->stop_after;
}

/* Cancelling: should_stop is asked on the calling thread only, the run ends
 * at its first yes in whatever part it is (reasons, values, messages, one
 * thread or several), says so, answers nothing, leaves no thread running,
 * and the filter runs again as before. */
static void test_cancel(void) {
	struct mr_snapshot *snap = generated(100000, NULL);
	T_OK(snap->n_diagnoses > 2 * 4096, "a queue with %zu distinct reasons (several threads)",
		snap->n_diagnoses);
	static const struct {
		const char *expr;
		size_t stop_after;
	} cases[] = {
		{ "reason:/try.*again/ domain:gmail.com", 0 }, /* the first question */
		{ "reason:/try.*again/ domain:gmail.com", 5 }, /* while deciding reasons */
		{ "reason:\"try again\"", 3 },                 /* the texts stored whole */
		{ "reason:\"try again\"", 40 },
		{ "code:4.7.* or from:shop", 2 },
		{ "queue:deferred", 0 }, /* the messages: nothing about reasons */
		{ "queue:deferred", 4 },
		{ "queue:deferred age:>1h", 9 },
	};
	size_t before = threads_now();
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct mr_filter_error err;
		struct mr_filter *f = mr_filter_parse(cases[i].expr, mr_kb_default(), &err);
		struct stopper s = { .stop_after = cases[i].stop_after, .caller = pthread_self() };
		struct mr_filter_run_opts opts = { stop_after, &s };
		struct outcome o = run_once(f, snap, &opts);
		const char *e = cases[i].expr;
		size_t after = cases[i].stop_after;
		T_INT(o.status, MR_FILTER_CANCELLED, "%s, stopped after %zu: cancelled", e, after);
		T_SIZE(o.n, 0, "%s, stopped after %zu: no message counted", e, after);
		T_SIZE(o.n_set, 0, "%s, stopped after %zu: no message, no recipient marked", e,
			after);
		T_INT(s.calls, after + 1, "%s, stopped after %zu: asked until the first yes", e,
			after);
		T_OK(!s.elsewhere, "%s, stopped after %zu: asked on the caller's thread only", e,
			after);
		T_INT(threads_settled(before), before,
			"%s, stopped after %zu: no thread left running", e, after);
		T_INT(mr_filter_last_status(f, NULL), MR_FILTER_CANCELLED,
			"%s, stopped after %zu: mr_filter_last_status says cancelled", e, after);
		/* Again, never stopped: the answer of a run without opts. */
		struct stopper never = { .stop_after = SIZE_MAX, .caller = pthread_self() };
		opts.ctx = &never;
		o = run_once(f, snap, &opts);
		uint8_t *match = mr_xmalloc(snap->n_messages);
		size_t want = mr_filter_run(f, snap, NOW, match);
		T_INT(o.status, MR_FILTER_DONE, "%s: the next run is done", e);
		T_SIZE(o.n, want, "%s: the next run counts the messages a run without opts does",
			e);
		T_OK(want > 0, "%s: a run without opts matches some messages (%zu)", e, want);
		T_OK(never.calls > 0, "%s: the next run is asked (%zu times)", e, never.calls);
		T_OK(!never.elsewhere, "%s: the next run is asked on the caller's thread only", e);
		free(match);
		mr_filter_free(f);
	}
	/* Asked about every MR_FILTER_POLL_MESSAGES messages of the caller's
	 * range, and while it waits for the other threads. */
	struct mr_filter_error err;
	struct mr_filter *f = mr_filter_parse("queue:deferred", mr_kb_default(), &err);
	struct stopper never = { .stop_after = SIZE_MAX, .caller = pthread_self() };
	struct mr_filter_run_opts opts = { stop_after, &never };
	run_once(f, snap, &opts);
	size_t threads = snap->n_messages / 16384; /* match_range()'s least per thread */
	threads = threads < mr_cores() ? threads : mr_cores();
	threads = threads < MR_PARALLEL_MAX ? threads : MR_PARALLEL_MAX;
	size_t share = snap->n_messages / threads;
	T_OK(never.calls >= share / MR_FILTER_POLL_MESSAGES,
		"asked %zu times over %zu messages of this thread", never.calls, share);
	mr_filter_free(f);
	/* An empty filter is done at once, asked nothing. */
	f = mr_filter_parse("", mr_kb_default(), &err);
	struct stopper first = { .stop_after = 0, .caller = pthread_self() };
	opts.ctx = &first;
	struct outcome o = run_once(f, snap, &opts);
	T_INT(o.status, MR_FILTER_DONE, "the empty filter: done");
	T_SIZE(o.n, snap->n_messages, "the empty filter: every message");
	T_SIZE(first.calls, 0, "the empty filter: nothing asked");
	mr_filter_free(f);
	mr_snapshot_destroy(snap);
}

/* A regular expression that takes a tenth of a second on each of 40 long
 * reasons (within the limits): counting reasons alone, the question would
 * come again after MR_FILTER_POLL_REASONS of them, and the run would be
 * asked once more, about its 40 messages, and end; the clock asks it after
 * each slow reason, and the third question stops it. */
static void test_cancel_slow_regex(void) {
	struct mr_buf slow[40];
	const char *texts[41] = { 0 };
	for (size_t i = 0; i < 40; i++) {
		mr_buf_init(&slow[i]);
		mr_buf_printf(&slow[i], "host mx%zu.example.net said: 450 ", i);
		for (size_t k = 0; k < 4000 + i; k++) {
			mr_buf_add_char(&slow[i], 'a');
		}
		mr_buf_add_str(&slow[i], "cb");
		texts[i] = slow[i].data;
	}
	struct mr_snapshot *snap = generated(0, texts);
	struct mr_filter_error err;
	struct mr_filter *f = mr_filter_parse("reason:/(a|a){1,12}b/", mr_kb_default(), &err);
	struct stopper s = { .stop_after = 2, .caller = pthread_self() };
	struct mr_filter_run_opts opts = { stop_after, &s };
	struct outcome o = run_once(f, snap, &opts);
	T_INT(o.status, MR_FILTER_CANCELLED,
		"a slow regular expression is asked about by the clock");
	T_SIZE(o.n, 0, "a slow regular expression stopped: no message counted");
	T_SIZE(o.n_set, 0, "a slow regular expression stopped: no message, no recipient marked");
	T_SIZE(s.calls, 3, "a slow regular expression stops at the third question");

	mr_filter_free(f);
	mr_snapshot_destroy(snap);
	for (size_t i = 0; i < 40; i++) {
		mr_buf_finish(&slow[i]);
	}
}

int main(void) {
	test_cancel_slow_regex();
	test_regex_refused();
	test_regex_backtracking();
	test_regex_syntax();
	test_regex_bytes();
	test_regex_failure_threaded();
	test_cancel();
	test_matches();
	test_recipients_matched();
	test_first_recipient();
	test_source();
	test_source_alone();
	test_keys();
	test_priority();
	test_priority_errors();
	test_reason_search_in_differences();
	test_errors();
	return t_done();
}
