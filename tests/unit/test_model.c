/* The core model: pool, snapshot, names, ids, actions and the registry. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actlog.h"
#include "backend.h"
#include "harness.h"
#include "reason.h"
#include "summary.h"
#include "textpool.h"
#include "tsv.h"
#include "xalloc.h"

static void test_strpool(void) {
	struct mr_strpool *pool = mr_strpool_create();
	const char *a = mr_strpool_intern(pool, "gmail.com", 9);
	const char *b = mr_strpool_intern(pool, "gmail.com!", 9);
	T_PTR(a, b, "pool: equal strings share one copy");
	T_STR(a, "gmail.com", "pool: copy is NUL-terminated");
	const char *c = mr_strpool_intern(pool, "gmail.co", 8);
	T_OK(c != a, "pool: a prefix is a different string");
	/* Enough strings to grow the table several times; all stay valid. */
	const char *kept[5000];
	char key[32];
	for (int i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "reason %d", i);
		kept[i] = mr_strpool_intern(pool, key, strlen(key));
	}
	size_t moved = 0, changed = 0;
	for (int i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "reason %d", i);
		moved += mr_strpool_intern(pool, key, strlen(key)) != kept[i];
		changed += strcmp(kept[i], key) != 0;
	}
	T_SIZE(moved, 0, "pool: 5000 strings keep their pointers across growth");
	T_SIZE(changed, 0, "pool: 5000 strings keep their text across growth");
	T_INT(mr_strpool_distinct(pool), 5002, "pool: distinct count");
	char big[100000];
	memset(big, 'x', sizeof(big));
	const char *huge = mr_strpool_intern(pool, big, sizeof(big));
	T_SIZE(strlen(huge), sizeof(big), "pool: a string larger than a block");
	T_STR(mr_strpool_intern(pool, "", 0), "", "pool: empty string");
	mr_strpool_clear(pool);
	T_INT(mr_strpool_distinct(pool), 0, "pool: clear forgets");
	T_STR(mr_strpool_intern(pool, "again", 5), "again", "pool: usable after clear");
	mr_strpool_destroy(pool);
	mr_strpool_destroy(NULL);
}

/* A reason read back from the text pool is want, byte for byte. */
static bool text_is(const struct mr_text *t, const char *want, struct mr_buf *scratch) {
	const char *got = mr_text_str(t, scratch);
	return t->len == strlen(want) && memcmp(got, want, t->len) == 0;
}

static void test_textpool(void) {
	struct mr_strpool *storage = mr_strpool_create();
	struct mr_textpool *pool = mr_textpool_create(storage);
	struct mr_buf scratch;
	mr_buf_init(&scratch);
	/* Gmail's replies differ only in the transaction id near the end. */
	static const char gmail[] =
		"host gmail-smtp-in.l.google.com[142.250.153.27] said: 452-4.2.2 The "
		"recipient's inbox is out of storage space. Please direct the 452-4.2.2 "
		"recipient to 452 4.2.2  https://support.google.com/mail/?p=OverQuotaTemp "
		"%s - gsmtp (in reply to RCPT TO command)";
	char text[600], again[600];
	const struct mr_text *kept[3000];
	size_t with_base = 0;
	for (int i = 0; i < 3000; i++) {
		char token[40];
		snprintf(token, sizeof(token), "3c17e7be7e22b-%08x.%d", (unsigned)i * 2654435761u,
			i);
		snprintf(text, sizeof(text), gmail, token);
		kept[i] = mr_textpool_intern(pool, text, strlen(text));
		with_base += kept[i]->base != NULL;
	}
	size_t misread = 0, other = 0;
	for (int i = 0; i < 3000; i++) {
		char token[40];
		snprintf(token, sizeof(token), "3c17e7be7e22b-%08x.%d", (unsigned)i * 2654435761u,
			i);
		snprintf(again, sizeof(again), gmail, token);
		misread += !text_is(kept[i], again, &scratch);
		other += mr_textpool_intern(pool, again, strlen(again)) != kept[i];
	}
	T_SIZE(misread, 0, "texts: 3000 variants of one reply read back exactly");
	T_SIZE(other, 0, "texts: an equal text is the same record");
	T_INT(mr_textpool_distinct(pool), 3000, "texts: distinct count");
	T_OK(with_base >= 2990, "texts: variants are stored as differences (%zu of 3000)",
		with_base);
	/* Besides the records, the list by index: a pointer a text, room for
	 * up to twice as many as it grows by doubling. */
	T_OK(mr_textpool_bytes(pool) < 3000 * (strlen(text) / 4 + 2 * sizeof(void *)),
		"texts: differences take under a quarter of the bytes (%zu)",
		mr_textpool_bytes(pool));
	/* Edge cases around a base: shorter, longer, a repeat of its two ends,
	 * the empty text, and texts that share only a little. */
	static const char base[] =
		"host mx.example.com[192.0.2.1] said: 550 5.1.1 <a@example.com>: "
		"Recipient address rejected: User unknown in virtual mailbox "
		"table (in reply to RCPT TO command)";
	static const char *const cases[] = {
		base,
		"host mx.example.com[192.0.2.1] said: 550 5.1.1 <a@example.com>: Recipient address "
		"rejected: User unknown in virtual mailbox table (in reply to RCPT TO command) and "
		"more",
		"host mx.example.com[192.0.2.1] said: 550 5.1.1 <a@example.com>: Recipient address "
		"rejected: User unknown in virtual mailbox table (in reply to RCPT",
		"host mx.example.com[192.0.2.1] said: 550 5.1.1 <a@example.com>: "
		"(in reply to RCPT TO command)",
		"host mx.example.com[192.0.2.1] said: 550 5.1.1 <a@example.com>: Recipient address "
		"rejected: User unknown in virtual mailbox table (in reply to RCPT TO command)"
		"(in reply to RCPT TO command)",
		"host mx.example.com[192.0.2.1] said: 550 5.1.1 <b@example.com>: Recipient address "
		"rejected: User unknown in virtual mailbox table (in reply to RCPT TO command)",
		"",
		"x",
		"host mx.example.com[192.0.2.1] said: 421 Service not available",
	};
	const struct mr_text *edge[sizeof(cases) / sizeof(cases[0])];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		edge[i] = mr_textpool_intern(pool, cases[i], strlen(cases[i]));
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		T_MEM(mr_text_str(edge[i], &scratch), edge[i]->len, cases[i], strlen(cases[i]),
			"texts: edge case %zu reads back", i);
		T_PTR(mr_textpool_intern(pool, cases[i], strlen(cases[i])), edge[i],
			"texts: edge case %zu interns to itself", i);
	}
	T_PTR(edge[5]->base, edge[0], "texts: a text differing in one address uses its base");
	/* The list by index, and the texts stored whole: every text once, at
	 * its index; the wholes rising, and every base among them. */
	const struct mr_text *const *all = mr_textpool_texts(pool);
	size_t n_all = mr_textpool_distinct(pool), n_wholes, whole_texts = 0;
	const uint32_t *wholes = mr_textpool_wholes(pool, &n_wholes);
	size_t misplaced = 0, outside = 0, not_whole = 0, not_rising = 0, unlisted = 0;
	uint8_t *is_whole = calloc(n_all, 1);
	for (size_t w = 0; w < n_wholes; w++) {
		if (wholes[w] >= n_all) {
			outside++;
			continue;
		}
		not_whole += all[wholes[w]]->base != NULL;
		not_rising += w > 0 && wholes[w] <= wholes[w - 1];
		is_whole[wholes[w]] = 1;
	}
	for (size_t i = 0; i < n_all; i++) {
		misplaced += all[i]->index != i;
		whole_texts += all[i]->base == NULL;
		unlisted += all[i]->base != NULL && !is_whole[all[i]->base->index];
	}
	free(is_whole);
	T_SIZE(n_all, 3000 + sizeof(cases) / sizeof(cases[0]), "texts: every text listed");
	T_SIZE(misplaced, 0, "texts: listed by index");
	T_PTR(all[0], kept[0], "texts: the first text first");
	T_PTR(all[3000 + 5], edge[5], "texts: an edge case at its index");
	T_SIZE(outside, 0, "texts: the texts stored whole are at indexes of texts");
	T_SIZE(not_whole, 0, "texts: the texts listed whole are stored whole");
	T_SIZE(not_rising, 0, "texts: the texts stored whole are listed rising");
	T_SIZE(unlisted, 0, "texts: every base is listed whole");
	T_SIZE(n_wholes, whole_texts, "texts: every text stored whole is listed");
	T_OK(n_wholes >= 2, "texts: more than one text stored whole (%zu)", n_wholes);
	char *copy = mr_text_dup(edge[5]);
	T_STR(copy, cases[5], "texts: a copy of a text stored as a difference");
	free(copy);
	mr_textpool_clear(pool);
	mr_strpool_clear(storage);
	T_INT(mr_textpool_distinct(pool), 0, "texts: clear forgets");
	mr_textpool_wholes(pool, &n_wholes);
	T_INT(n_wholes, 0, "texts: clear forgets the texts stored whole");
	const struct mr_text *after = mr_textpool_intern(pool, base, strlen(base));
	T_MEM(mr_text_str(after, &scratch), after->len, base, strlen(base),
		"texts: usable after clear");
	mr_buf_finish(&scratch);
	mr_textpool_destroy(pool);
	mr_strpool_destroy(storage);
}

static void test_names(void) {
	for (int q = 0; q < MR_QUEUE_COUNT; q++) {
		enum mr_queue back;
		const char *name = mr_queue_name((enum mr_queue)q);
		bool parsed = mr_queue_parse(name, &back);
		T_OK(parsed, "queue name round trip: %s parses", name);
		if (parsed) {
			T_INT(back, q, "queue name round trip: %s", name);
		}
	}
	enum mr_queue q;
	T_OK(!mr_queue_parse("Deferred", &q), "queue names are exact");
	for (int s = 0; s < MR_RCPT_STATE_COUNT; s++) {
		enum mr_rcpt_state back;
		const char *name = mr_rcpt_state_name((enum mr_rcpt_state)s);
		bool parsed = mr_rcpt_state_parse(name, &back);
		T_OK(parsed, "state name round trip: %s parses", name);
		if (parsed) {
			T_INT(back, s, "state name round trip: %s", name);
		}
	}
	for (int a = 0; a < MR_ACTION_COUNT; a++) {
		enum mr_action back;
		const struct mr_action_info *info = mr_action_info((enum mr_action)a);
		T_NONNULL(info, "action %d: its information", a);
		if (info == NULL) {
			continue;
		}
		bool parsed = mr_action_parse(info->name, &back);
		T_OK(parsed, "action name round trip: %s parses", info->name);
		if (parsed) {
			T_INT(back, a, "action name round trip: %s", info->name);
		}
	}
	T_OK(mr_action_info(MR_ACTION_DELETE)->destructive, "delete is destructive");
	T_OK(mr_action_info(MR_ACTION_EXPIRE)->destructive, "expire is destructive");
	T_OK(!mr_action_info(MR_ACTION_HOLD)->destructive, "hold is not destructive");
	for (int a = 0; a < MR_ACTION_COUNT; a++) {
		const struct mr_action_info *info = mr_action_info((enum mr_action)a);
		T_OK(!info->destructive || info->always_asks, "%s: destructive, so always asked",
			info->name);
	}
	T_OK(mr_action_info(MR_ACTION_REQUEUE)->always_asks, "requeue is always asked");
	T_OK(!mr_action_info(MR_ACTION_REQUEUE)->destructive, "requeue is not destructive");
	T_OK(!mr_action_info(MR_ACTION_HOLD)->always_asks, "hold is asked as configured");
}

static void test_queue_ids(void) {
	static const struct {
		const char *id;
		bool valid;
	} cases[] = {
		{ "A8A8E104066", true },
		{ "4jXzH44BMWz81Sm", true },
		{ "", false },
		{ "bad/id", false },
		{ "../../etc/passwd", false },
		{ "-d", false },
		{ "ALL deferred", false },
		{ "id;rm", false },
		{ "ABC\n", false },
		{ "1234567890123456789012345678901234567890123456789012345678901234", true },
		{ "12345678901234567890123456789012345678901234567890123456789012345", false },
		{ "\xc3\xa9t\xc3\xa9", false },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		T_INT(mr_queue_id_valid(cases[i].id), cases[i].valid, "queue id %zu is %svalid", i,
			cases[i].valid ? "" : "in");
	}
}

static void test_snapshot(void) {
	struct mr_snapshot *snap = mr_snapshot_create();
	struct mr_message *m = mr_snapshot_add_message(snap, "A1");
	m->queue = MR_QUEUE_DEFERRED;
	struct mr_recipient *r = mr_snapshot_add_recipient(snap, "a@x.example");
	r->state = MR_RCPT_DEFERRED;
	r->attempts = 3;
	r->next_retry = 500;
	r->reason = mr_snapshot_reason(snap, "450 later", 9);
	r = mr_snapshot_add_recipient(snap, "b@x.example");
	r->state = MR_RCPT_DEFERRED;
	r->attempts = 5;
	r->next_retry = 400;
	r->reason = mr_snapshot_reason(snap, "450 later", 9);
	m = mr_snapshot_add_message(snap, "B2");
	m->queue = MR_QUEUE_HOLD;
	mr_snapshot_add_recipient(snap, "c@y.example");
	m = mr_snapshot_add_message(snap, "C3");
	m->queue = MR_QUEUE_DEFERRED;
	m->attempts = 9; /* the backend knew better: kept */
	mr_snapshot_finish(snap);

	const struct mr_message *a = mr_snapshot_find(snap, "A1");
	T_INT(a->n_rcpts, 2, "snapshot: recipients belong to their message");
	T_INT(a->attempts, 5, "snapshot: message attempts = most of any recipient");
	T_INT(a->next_retry, 400, "snapshot: next retry = earliest deferred recipient");
	T_PTR(mr_message_rcpt(snap, a, 0)->reason, mr_message_rcpt(snap, a, 1)->reason,
		"snapshot: equal reasons are one interned text");
	T_PTR(mr_message_main_failure(snap, a), mr_message_rcpt(snap, a, 0),
		"snapshot: main failure is the first failed recipient");
	const struct mr_message *b = mr_snapshot_find(snap, "B2");
	T_NULL(mr_message_main_failure(snap, b), "snapshot: no reason, no main failure");
	T_INT(b->attempts, MR_ATTEMPTS_UNKNOWN, "snapshot: unknown attempts stay unknown");
	T_INT(mr_snapshot_find(snap, "C3")->attempts, 9, "snapshot: backend attempts kept");
	T_INT(snap->queue_counts[MR_QUEUE_DEFERRED], 2, "snapshot: deferred count");
	T_INT(snap->queue_counts[MR_QUEUE_HOLD], 1, "snapshot: hold count");
	T_NULL(mr_snapshot_find(snap, "nope"), "snapshot: find absent id");
	mr_snapshot_clear(snap);
	T_INT(snap->n_messages, 0, "snapshot: clear empties");
	mr_snapshot_destroy(snap);
}

/* A backend that records what reached it, to test what core filters. */
static struct {
	int opened;
	size_t batch;
	char last_ids[256];
} fake;

static int fake_probe(const char *arg) {
	return strstr(arg, ".fake") != NULL ? 2 : 0;
}

static bool fake_open(struct mr_source *src, const char *location,
	const struct mr_open_options *opts, char **cause) {
	(void)opts;
	if (strcmp(location, "broken") == 0) {
		return mr_fail(cause, "fake: broken on purpose");
	}
	fake.opened++;
	src->caps = MR_CAP_ACTION(MR_ACTION_HOLD) | MR_CAP_ACTION(MR_ACTION_DELETE);
	src->limits = strdup("the fake queue only holds and deletes");
	return true;
}

static void fake_close(struct mr_source *src) {
	(void)src;
}

static bool fake_list(struct mr_source *src, struct mr_snapshot *snap, char **cause) {
	(void)src;
	(void)cause;
	mr_snapshot_add_message(snap, "AAA");
	return true;
}

static void fake_act(struct mr_source *src, const struct mr_action_request *req,
	struct mr_action_report *report) {
	(void)src;
	fake.batch = req->n_ids;
	fake.last_ids[0] = '\0';
	for (size_t i = 0; i < req->n_ids; i++) {
		strncat(fake.last_ids, req->ids[i],
			sizeof(fake.last_ids) - strlen(fake.last_ids) - 2);
		strcat(fake.last_ids, " ");
		if (strcmp(req->ids[i], "GONE") == 0) {
			mr_action_report_add(
				report, req->ids[i], MR_OUTCOME_NOT_FOUND, false, NULL);
		} else {
			mr_action_report_add(report, req->ids[i], MR_OUTCOME_DONE, false, NULL);
		}
	}
}

static const struct mr_backend_ops fake_ops = {
	.name = "fake",
	.usage = "fake:NAME",
	.summary = "test double",
	.probe = fake_probe,
	.open = fake_open,
	.close = fake_close,
	.list = fake_list,
	.act = fake_act,
};

static const struct mr_backend_ops *const registry[] = { &fake_ops, NULL };

static void test_registry(void) {
	char *cause = NULL;
	struct mr_source *src = mr_source_open(registry, "fake:one", NULL, &cause);
	T_TRUE(src != NULL, cause, "registry: fake:one opens");
	if (src != NULL) {
		T_PTR(src->ops, &fake_ops, "registry: scheme selects the backend");
		T_STR(src->label, "fake:one", "registry: default label is the argument");
	}
	mr_source_destroy(src);

	src = mr_source_open(registry, "queue.fake", NULL, &cause);
	T_TRUE(src != NULL, cause, "registry: a bare argument is probed");
	mr_source_destroy(src);

	src = mr_source_open(registry, "fake:broken", NULL, &cause);
	T_NULL(src, "registry: a failing open fails");
	T_STR(cause, "fake: broken on purpose", "registry: the backend's cause is kept");
	free(cause);
	cause = NULL;

	src = mr_source_open(registry, "pop3://mail.example", NULL, &cause);
	T_STR(cause, "pop3://mail.example: unknown kind of source (this mailroom opens fake:NAME)",
		"registry: unknown scheme names the known ones");
	free(cause);
	cause = NULL;

	src = mr_source_open(registry, "/nonexistent/queue.db", NULL, &cause);
	T_STR(cause, "/nonexistent/queue.db: No such file or directory",
		"registry: missing file says so");
	free(cause);
	cause = NULL;

	src = mr_source_open(registry, "pwn\x1b[2J", NULL, &cause);
	T_LACKS(cause, "\x1b", "registry: an argument in an error is made visible");
	free(cause);
	cause = NULL;

	src = mr_source_open(registry, "/", NULL, &cause);
	T_STR(cause, "/: not a queue mailroom can open (it opens fake:NAME)",
		"registry: an existing non-queue says what would open");
	free(cause);
}

static void test_act_filtering(void) {
	char *cause = NULL;
	struct mr_source *src = mr_source_open(registry, "fake:x", NULL, &cause);
	const char *ids[] = { "AAA", "bad/id", "GONE", "AAA", "BBB", "" };
	struct mr_action_request req = { .action = MR_ACTION_HOLD, .ids = ids, .n_ids = 6 };
	struct mr_action_report report;
	mr_source_act(src, &req, &report);
	T_INT(fake.batch, 3, "act: only valid, distinct ids reach the backend");
	T_STR(fake.last_ids, "AAA GONE BBB ", "act: in request order");
	if (T_INT(report.n_results, 5, "act: one result per distinct id")) {
		T_STR(report.results[0].id, "AAA", "act: results in request order (1)");
		T_INT(report.results[1].outcome, MR_OUTCOME_FAILED, "act: an invalid id fails");
		T_OK(!report.results[1].retryable, "act: an invalid id is not retryable");
		T_STR(report.results[1].detail, "\"bad/id\" is not a valid queue id",
			"act: the invalid id is named");
		T_INT(report.results[2].outcome, MR_OUTCOME_NOT_FOUND,
			"act: not found passes through");
		T_STR(report.results[3].id, "BBB", "act: duplicates are dropped");
		T_INT(report.results[4].outcome, MR_OUTCOME_FAILED, "act: empty id fails");
	}
	T_INT(report.counts[MR_OUTCOME_DONE], 2, "act: done count");
	T_INT(report.counts[MR_OUTCOME_FAILED], 2, "act: failed count");
	mr_action_report_finish(&report);

	fake.batch = 99;
	req.action = MR_ACTION_REQUEUE;
	req.n_ids = 1;
	mr_source_act(src, &req, &report);
	T_INT(fake.batch, 99, "act: an action the source cannot do never reaches it");
	if (T_INT(report.n_results, 1, "act: the refused id has its result")) {
		T_STR(report.results[0].detail,
			"fake:x cannot requeue: the fake queue only holds and deletes",
			"act: the refusal says why");
	}
	mr_action_report_finish(&report);
	mr_source_destroy(src);
}

/* The five outcomes: names, which succeeded, the tally, the actions log. */
static void test_outcomes(void) {
	static const char *const names[] = { "done", "delivered", "not found", "failed",
		"not attempted" };
	T_INT(MR_OUTCOME_COUNT, 5, "outcomes: five");
	for (int o = 0; o < MR_OUTCOME_COUNT; o++) {
		T_STR(mr_outcome_name((enum mr_outcome)o), names[o], "outcome %d: its name", o);
	}
	T_OK(mr_outcome_succeeded(MR_OUTCOME_DONE), "outcomes: done succeeded");
	T_OK(mr_outcome_succeeded(MR_OUTCOME_DELIVERED), "outcomes: delivered succeeded");
	T_OK(!mr_outcome_succeeded(MR_OUTCOME_NOT_FOUND), "outcomes: not found did not");
	T_OK(!mr_outcome_succeeded(MR_OUTCOME_FAILED), "outcomes: failed did not");
	T_OK(!mr_outcome_succeeded(MR_OUTCOME_NOT_ATTEMPTED), "outcomes: not attempted did not");

	struct mr_action_report report;
	mr_action_report_init(&report, MR_ACTION_RETRY);
	char *tally = mr_action_report_tally(&report);
	T_STR(tally, "0 done, 0 delivered, 0 not found, 0 failed", "tally: all four when empty");
	free(tally);
	mr_action_report_add(&report, "A1", MR_OUTCOME_DONE, false, "deferred again");
	mr_action_report_add(&report, "B2", MR_OUTCOME_DELIVERED, false, NULL);
	T_OK(mr_action_report_succeeded(&report), "report: done and delivered succeeded");
	mr_action_report_add(&report, "C3", MR_OUTCOME_NOT_FOUND, false, NULL);
	T_OK(!mr_action_report_succeeded(&report), "report: one not found, not succeeded");
	mr_action_report_add(&report, "D4", MR_OUTCOME_DELIVERED, false, NULL);
	mr_action_report_add(&report, "E5", MR_OUTCOME_FAILED, true, "postqueue: no");
	tally = mr_action_report_tally(&report);
	T_STR(tally, "1 done, 2 delivered, 1 not found, 1 failed", "tally: in order");
	free(tally);
	mr_action_report_add(&report, "F6", MR_OUTCOME_NOT_ATTEMPTED, true, "stopped");
	tally = mr_action_report_tally(&report);
	T_STR(tally, "1 done, 2 delivered, 1 not found, 1 failed, 1 not attempted",
		"tally: not attempted only when there is one");
	free(tally);

	char *path = mr_xasprintf("%s/actions.log", t_tmpdir());
	char *cause = NULL;
	const char *source = "postfix:";
	bool written = mr_actlog_append(path, 1795435200, "op", &source, 1, &report, &cause);
	T_TRUE(written, cause, "actlog: written");
	char line[256] = "";
	FILE *in = fopen(path, "r");
	if (in == NULL || fgets(line, sizeof(line), in) == NULL) {
		line[0] = '\0';
	}
	if (in != NULL) {
		fclose(in);
	}
	T_STR(line,
		"2026-11-23T12:00:00Z\top\tpostfix:\tretry\tdone 1, delivered 2, not found 1, "
		"failed 1, not attempted 1\tA1 B2=delivered C3=not-found D4=delivered E5=failed "
		"F6=not-attempted\n",
		"actlog: delivered counted, after done");
	free(cause);
	free(path);
	mr_action_report_finish(&report);
}

static void test_reason_brief(void) {
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "host mx.example.com[192.0.2.1] said: 450 4.2.0 Greylisted (in reply to RCPT TO "
		  "command)",
			"450 4.2.0 Greylisted" },
		{ "host mx.example.com[192.0.2.1] refused to talk to me: 554 5.7.1 No",
			"554 5.7.1 No" },
		{ "connect to mx.example.com[192.0.2.1]:25: Connection refused",
			"connect to mx.example.com[192.0.2.1]:25: Connection refused" },
		{ "550 5.1.1 x said: y (in reply to RCPT TO command)", "550 5.1.1 x said: y" },
		{ "", "" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		size_t len;
		const char *p = mr_reason_brief(cases[i].in, &len);
		char *got = strndup(p, len);
		T_STR(got, cases[i].want, "reason brief %zu", i);
		free(got);
	}
}

static void test_tsv(void) {
	static const char *const columns[] = { "a", "b", NULL };
	struct mr_tsv t;
	char *cause = NULL;
	const char *good = "# comment\n\na\tb\nx\\ty\t\\x41\\\\\n\n";
	bool parsed = mr_tsv_parse(&t, "good.tsv", good, strlen(good), columns, &cause);
	T_TRUE(parsed, cause, "tsv: parses");
	if (parsed) {
		if (T_INT(t.n_rows, 1, "tsv: one row")) {
			T_STR(t.rows[0].fields[0], "x\ty", "tsv: \\t escape");
			T_STR(t.rows[0].fields[1], "A\\", "tsv: \\x and \\\\ escapes");
			T_INT(t.rows[0].line, 4, "tsv: line numbers count comments");
		}
		mr_tsv_finish(&t);
	}
	free(cause);
	cause = NULL;

	static const struct {
		const char *data, *want;
	} bad[] = {
		{ "a\tb\nonly\n", "bad.tsv:2: expected 2 fields, found 1" },
		{ "a\tb\n1\t2\t3\n", "bad.tsv:2: too many fields" },
		{ "a\tc\n", "bad.tsv:1: column 2 is \"c\", expected \"b\"" },
		{ "a\tb\nx\\q\ty\n", "bad.tsv:2: malformed backslash escape" },
		{ "a\tb\nx\\x4\ty\n", "bad.tsv:2: malformed backslash escape" },
		{ "# nothing\n", "bad.tsv: no header line" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		T_OK(!mr_tsv_parse(
			     &t, "bad.tsv", bad[i].data, strlen(bad[i].data), columns, &cause),
			"tsv: bad input %zu refused", i);
		T_STR(cause, bad[i].want, "tsv: bad input %zu says why", i);
		free(cause);
		cause = NULL;
	}
}

/* The distinct recipient domains and senders of a snapshot big enough to be
 * indexed on several threads: every item's id names its own value, and each
 * value is listed once. */
static void test_distinct(void) {
	struct mr_snapshot *snap = mr_snapshot_create();
	enum { MESSAGES = 150000, DOMAINS = 997, SENDERS = 31 };
	char buf[64];
	for (int i = 0; i < MESSAGES; i++) {
		snprintf(buf, sizeof(buf), "M%d", i);
		struct mr_message *m = mr_snapshot_add_message(snap, buf);
		snprintf(buf, sizeof(buf), i % SENDERS ? "s%d@example.org" : "", i % SENDERS);
		m->sender = mr_snapshot_intern(snap, buf);
		snprintf(buf, sizeof(buf), "u%d@d%d.example", i, (i * 7) % DOMAINS);
		mr_snapshot_add_recipient(snap, buf);
		mr_snapshot_add_recipient(snap, i % 2 ? "x@d0.example" : "no-domain");
	}
	mr_snapshot_finish(snap);
	const struct mr_distinct *domains = mr_snapshot_rcpt_domains(snap);
	const struct mr_distinct *senders = mr_snapshot_senders(snap);
	T_INT(domains->n, DOMAINS + 1, "distinct recipient domains (the empty one included)");
	T_INT(senders->n, SENDERS, "distinct senders");
	size_t wrong = 0;
	for (size_t i = 0; i < snap->n_recipients; i++) {
		const char *at = strrchr(snap->recipients[i].address, '@');
		const char *want = at ? at + 1 : "";
		uint32_t id = domains->ids[i];
		wrong += id >= domains->n || domains->lens[id] != strlen(want) ||
			 memcmp(domains->values[id], want, strlen(want)) != 0;
	}
	for (size_t i = 0; i < snap->n_messages; i++) {
		uint32_t id = senders->ids[i];
		wrong += id >= senders->n ||
			 strcmp(senders->values[id], snap->messages[i].sender) != 0;
	}
	T_INT(wrong, 0, "every item's id names its value");
	size_t repeated = 0;
	for (size_t a = 0; a < domains->n; a++) {
		for (size_t b = a + 1; b < domains->n; b++) {
			repeated += domains->lens[a] == domains->lens[b] &&
				    memcmp(domains->values[a], domains->values[b],
					    domains->lens[a]) == 0;
		}
	}
	T_INT(repeated, 0, "each domain listed once");
	T_PTR(mr_snapshot_rcpt_domains(snap), domains, "built once, then kept");

	mr_snapshot_destroy(snap);
}

/* qshape's filing of an address under a domain, and whether *@DOMAIN selects it. */
static void test_summary_domain(void) {
	static const struct {
		const char *address, *domain;
		bool plain;
	} cases[] = {
		{ "a@Example.COM", "example.com", true },
		{ "", "MAILER-DAEMON", false }, /* the null sender */
		{ "root", "root", false },      /* no @: the whole address */
		{ "x@y@two.test", "two.test", true },
		{ "a@one.test.", "one.test", false }, /* a dot at the end dropped */
		{ "a@.one.test", "one.test", false }, { "a@one..test", "one.test", false },
		{ "a@one...test", "one..test", false }, /* pairs, left to right */
		{ "a@.", ".", true }, /* one character stays */ { "a@", "", false },
		{ "a@x*.test", "x*.test", false }, /* a glob would say more */
	};
	struct mr_buf out;
	mr_buf_init(&out);
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		bool plain = mr_summary_domain(cases[i].address, &out);
		T_STR(out.data, cases[i].domain, "summary domain of \"%s\"", cases[i].address);
		T_INT(plain, cases[i].plain, "summary domain of \"%s\": plain", cases[i].address);
	}
	mr_buf_finish(&out);
}

/* The message's state: expiring only while queued and not on hold. */
static void test_message_state(void) {
	static const struct {
		enum mr_queue queue;
		bool forced;
		const char *state;
		bool why;
	} cases[] = {
		{ MR_QUEUE_DEFERRED, false, "deferred", false },
		{ MR_QUEUE_DEFERRED, true, "expiring", true },
		{ MR_QUEUE_ACTIVE, true, "expiring", true },
		{ MR_QUEUE_INCOMING, true, "expiring", true },
		{ MR_QUEUE_HOLD, true, "hold", true },
		{ MR_QUEUE_BOUNCED, true, "bounced", true },
		{ MR_QUEUE_BOUNCED, false, "bounced", false },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct mr_message m = { .queue = (uint8_t)cases[i].queue,
			.flags = cases[i].forced ? MR_MSG_FORCED_EXPIRE : 0 };
		int state = mr_message_state(&m);
		T_STR(mr_state_name(state), cases[i].state, "state of case %zu", i);
		T_INT(mr_message_state_why(&m) != NULL, cases[i].why, "why of case %zu", i);
		int back = -1;
		T_OK(mr_state_parse(cases[i].state, &back) && back == state, "state %s parsed back",
			cases[i].state);
	}
	int s;
	T_OK(!mr_state_parse("expired", &s), "no state \"expired\"");
	static const struct {
		const char *list;
		unsigned queues;
		const char *why;
	} lists[] = {
		{ "hold", MR_SUMMARY_QUEUE_BIT(MR_QUEUE_HOLD), NULL },
		{ "incoming,active", MR_SUMMARY_QSHAPE_QUEUES, NULL },
		{ "bounced", 0, "bounced mail is not queued: --bounced counts it" },
		{ "hold,hold", 0, "hold named twice" },
		{ "hold,", 0,
			"no queue \"\" (incoming, active, deferred, hold, maildrop, corrupt)" },
	};
	for (size_t i = 0; i < sizeof(lists) / sizeof(*lists); i++) {
		unsigned q = 0;
		char why[120] = "";
		bool good = mr_summary_queues_parse(lists[i].list, &q, why, sizeof(why));
		T_INT(good, lists[i].why == NULL, "--queue %s", lists[i].list);
		if (good) {
			T_INT(q, lists[i].queues, "--queue %s: the queues", lists[i].list);
		} else {
			T_STR(why, lists[i].why, "--queue %s: why", lists[i].list);
		}
	}
	char *f = mr_summary_queues_filter(MR_SUMMARY_QSHAPE_QUEUES);
	T_STR(f, "(queue:incoming or queue:active)", "the filter of qshape's queues");
	free(f);
}

int main(void) {
	test_distinct();
	test_strpool();
	test_textpool();
	test_names();
	test_queue_ids();
	test_snapshot();
	test_registry();
	test_act_filtering();
	test_outcomes();
	test_reason_brief();
	test_tsv();
	test_summary_domain();
	test_message_state();
	return t_done();
}
