/*
 * The summary two ways on one queue: from its listing (mr_summary_build)
 * and from what the source counts as it reads (mr_source_summarise,
 * mr_summary_build_facts), which `mailroom summary` uses when it can: the
 * SQLite backend's own summarise op, and a saved listing's batches. Every
 * row, count, age, filter and label must agree, in every scope; and the
 * SQLite backend must give up, for the listing to do it, on rows only the
 * listing repairs.
 */

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "export.h"
#include "generate.h"
#include "harness.h"
#include "open_source.h"
#include "sqlite.h"
#include "summary.h"
#include "xalloc.h"

enum { NOW = 1795435200 };

/* Mail the generator does not make: addresses qshape files oddly, the null
 * sender, unknown arrival, expired messages, a recipient bounced while its
 * message is still queued, a message without recipients. */
static void add_odd_mail(struct mr_snapshot *snap) {
	static const char *const addresses[] = { "User@Example.COM", "x@y..z.", "no-at-sign", "",
		"a@b@c.org", "lead@.dot.", "@", "q@x.test.", "r@x.test", "s@X.TEST" };
	static const char *const senders[] = { "", "Big@Sender.EXAMPLE", "odd@sender..example.",
		"nobody" };
	static const char *const reasons[] = {
		"host mx.example.org[192.0.2.10] said: 450 4.2.0 Greylisted (in reply to RCPT TO "
		"command)",
		"host mx2.example.org[192.0.2.11] said: 450 4.2.0 Greylisted, come back later (in "
		"reply to RCPT TO command)",
		"connect to mx.example.net[192.0.2.20]:25: Connection refused",
		"host mx.example.org[192.0.2.10] said: 450 4.2.0 Greylisted again (in reply to "
		"RCPT "
		"TO command)",
	};
	enum { N_ADDR = sizeof(addresses) / sizeof(*addresses) };
	for (unsigned i = 0; i < 40; i++) {
		char id[16];
		snprintf(id, sizeof(id), "ODD%u", i);
		struct mr_message *m = mr_snapshot_add_message(snap, id);
		m->queue = (uint8_t)(i % MR_QUEUE_COUNT);
		m->arrival = i % 5 == 0 ? MR_TIME_UNKNOWN : NOW - (int64_t)i * 997;
		m->sender = mr_snapshot_intern(snap, senders[i % 4]);
		m->flags = MR_MSG_HAS_PRIORITY | (i % 3 == 0 ? MR_MSG_FORCED_EXPIRE : 0);
		for (unsigned k = 0; k < i % 4; k++) {
			struct mr_recipient *r =
				mr_snapshot_add_recipient(snap, addresses[(i + k * 3) % N_ADDR]);
			r->state = (uint8_t)((i + k) % 3 == 0 ? MR_RCPT_BOUNCED : MR_RCPT_DEFERRED);
			if ((i + k) % 5 != 0) {
				const char *reason = reasons[(i * 7 + k) % 4];
				r->reason = mr_snapshot_reason(snap, reason, strlen(reason));
			}
		}
	}
}

static char *make_db(const char *name, size_t generated) {
	char *path = t_tmppath(name);
	unlink(path);
	char *cause = NULL;
	struct mr_gen_options o = { .seed = 11, .now = NOW };
	struct mr_gen *gen = mr_gen_create(&o, &cause);
	struct mr_sqlite *db = gen ? mr_sqlite_create_file(path, &cause) : NULL;
	struct mr_snapshot *snap = mr_snapshot_create();
	add_odd_mail(snap);
	mr_gen_fill(gen, snap, generated);
	if (db == NULL || !mr_sqlite_insert(db, snap, NULL, NULL, &cause)) {
		t_note("cannot make %s: %s", path, cause);
		exit(99);
	}
	mr_snapshot_destroy(snap);
	mr_sqlite_destroy(db);
	mr_gen_destroy(gen);
	return path;
}

/* A row as one line, every field of it. */
static void row_line(struct mr_buf *out, const char *table, const struct mr_summary_row *r) {
	mr_buf_printf(
		out, "%s|%s|%s|%zu|", table, r->label, r->filter ? r->filter : "(none)", r->count);
	for (size_t c = 0; c < MR_SUMMARY_AGES; c++) {
		mr_buf_printf(out, "%zu,", r->ages[c]);
	}
	mr_buf_printf(out, "|%s|%s|%s\n", r->category ? r->category : "", r->code,
		r->host ? r->host : "(none)");
}

static void rows(struct mr_buf *out, const char *table, const struct mr_summary_row *r, size_t n) {
	for (size_t i = 0; i < n; i++) {
		row_line(out, table, &r[i]);
	}
}

/* The whole summary and scope as text, to compare (and to show when they
 * differ). */
static char *described(const struct mr_summary *s, const struct mr_summary_scope *sc) {
	struct mr_buf out;
	mr_buf_init(&out);
	mr_buf_printf(&out, "scope counted %zu left %zu/%zu outside %zu\n", sc->counted,
		sc->left_messages, sc->left_recipients, sc->outside);
	mr_buf_printf(&out, "messages %zu recipients %zu expiring %zu queues", s->messages,
		s->recipients, s->expiring);
	for (int q = 0; q < MR_QUEUE_COUNT; q++) {
		mr_buf_printf(&out, " %zu", s->queues[q]);
	}
	mr_buf_add_char(&out, '\n');
	row_line(&out, "total", &s->total);
	rows(&out, "domain", s->domains, s->n_domains);
	row_line(&out, "sender_total", &s->sender_total);
	rows(&out, "sender", s->senders, s->n_senders);
	rows(&out, "source", s->sources, s->n_sources);
	rows(&out, "category", s->categories, s->n_categories);
	rows(&out, "reason", s->reasons, s->n_reasons);
	return mr_buf_steal(&out);
}

static char *by_listing(struct mr_source *src, struct mr_summary_scope sc, size_t top) {
	char *cause = NULL;
	struct mr_snapshot *snap = mr_source_list(src, &cause);
	if (snap == NULL) {
		t_note("cannot list: %s", cause);
		exit(99);
	}
	uint8_t *counted = mr_summary_scope(snap, NULL, NULL, &sc);
	struct mr_summary s;
	mr_summary_build(&s, snap, counted, NULL, mr_kb_default(), NOW, top);
	char *text = described(&s, &sc);
	mr_summary_finish(&s);
	free(counted);
	mr_snapshot_destroy(snap);
	return text;
}

/* NULL when the source gave up. */
static char *by_facts(struct mr_source *src, struct mr_summary_scope sc, size_t top) {
	struct mr_summary_facts facts;
	mr_summary_facts_init(&facts, mr_summary_scope_counted(&sc), NOW, mr_kb_default());
	char *cause = NULL;
	enum mr_summarise done = mr_source_summarise(src, &facts, &cause);
	char *text = NULL;
	if (done == MR_SUMMARISE_DONE) {
		struct mr_summary s;
		mr_summary_build_facts(&s, &sc, &facts, mr_kb_default(), top);
		text = described(&s, &sc);
		mr_summary_finish(&s);
	} else if (done == MR_SUMMARISE_FAILED) {
		t_note("summarise failed: %s", cause);
		free(cause);
	}
	mr_summary_facts_finish(&facts);
	return text;
}

/* The first line where got and want differ ("" both when they agree), so
 * that a failure shows the row that differs, not the whole summary. */
static void first_difference(const char *got, const char *want, char **got_line, char **want_line) {
	size_t at = 0;
	while (got[at] != '\0' && got[at] == want[at]) {
		at++;
	}
	if (got[at] == want[at]) {
		*got_line = strdup("");
		*want_line = strdup("");
		return;
	}
	while (at > 0 && got[at - 1] != '\n') {
		at--;
	}
	*got_line = strndup(got + at, strcspn(got + at, "\n"));
	*want_line = strndup(want + at, strcspn(want + at, "\n"));
}

/*
 * src's listing saved as postqueue -j would write it (list --json reads
 * back so), with one message listed again at the end, in another batch,
 * as Postfix does when a message moves while postqueue reads.
 */
static char *save_listing(struct mr_source *src, const char *name) {
	char *path = t_tmppath(name);
	char *cause = NULL;
	struct mr_snapshot *snap = mr_source_list(src, &cause);
	FILE *f = fopen(path, "w");
	if (snap == NULL || f == NULL) {
		t_note("cannot save %s: %s", path, cause ? cause : strerror(errno));
		exit(99);
	}
	/* Postfix lists no recipient without an address (the reader refuses
	 * one): the odd mail with one is left out. */
	uint8_t *kept = mr_xcalloc(snap->n_messages, 1), *again = mr_xcalloc(snap->n_messages, 1);
	for (size_t i = 0; i < snap->n_messages; i++) {
		kept[i] = 1;
		for (uint32_t k = 0; k < snap->messages[i].n_rcpts; k++) {
			const struct mr_recipient *r = mr_message_rcpt(snap, &snap->messages[i], k);
			kept[i] &= r->address != NULL && r->address[0] != '\0';
		}
	}
	struct mr_exporter *e = mr_exporter_start(f, MR_EXPORT_JSON, src->name);
	bool ok = mr_exporter_write(e, snap, kept) && mr_exporter_end(e);
	again[snap->n_messages / 2] = 1;
	e = mr_exporter_start(f, MR_EXPORT_JSON, src->name);
	ok = ok && mr_exporter_write(e, snap, again) && mr_exporter_end(e);
	if (fclose(f) != 0 || !ok) {
		t_note("cannot write %s", path);
		exit(99);
	}
	free(kept);
	free(again);
	mr_snapshot_destroy(snap);
	return path;
}

/* The summary counted as src reads, against the one built from its
 * listing, in several scopes; the source's warnings after the counting. */
static void compare_both_ways(const char *path, const char *warning) {
	struct mr_source *src = t_open_source(path);
	const char *name = strrchr(path, '/') + 1;
	const struct {
		const char *name;
		struct mr_summary_scope scope;
		size_t top;
	} cases[] = {
		{ "the queue", { 0 }, 10 },
		{ "the queue, top 3", { 0 }, 3 },
		{ "the queue, top 1000", { 0 }, 1000 },
		{ "bounced", { .bounced = true }, 10 },
		{ "hold and deferred",
			{ .queues = MR_SUMMARY_QUEUE_BIT(MR_QUEUE_HOLD) |
				    MR_SUMMARY_QUEUE_BIT(MR_QUEUE_DEFERRED) },
			5 },
		{ "qshape's queues", { .queues = MR_SUMMARY_QSHAPE_QUEUES }, 10 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char *listed = by_listing(src, cases[i].scope, cases[i].top);
		char *counted = by_facts(src, cases[i].scope, cases[i].top);
		T_NONNULL(counted, "%s, %s: the source counts a clean queue itself", name,
			cases[i].name);
		if (warning != NULL) {
			const char *said = mr_source_listing_warnings(src);
			T_HAS(said ? said : "", warning, "%s, %s: counting warns as listing does",
				name, cases[i].name);
		}
		char *got, *want;
		first_difference(counted ? counted : "", listed, &got, &want);
		T_STR(got, want, "%s, %s: the same summary both ways (the first line that differs)",
			name, cases[i].name);
		free(got);
		free(want);
		/* the comparison has something to compare */
		T_HAS(listed, "reason|", "%s, %s: reasons summed up", name, cases[i].name);
		free(listed);
		free(counted);
	}
	mr_source_destroy(src);
}

/* An SQLite queue (the backend's own summarise op) and the same queue saved
 * as a postqueue -j listing (read in batches, several here). */
static void test_both_ways_agree(void) {
	char *db = make_db("agree.db", 9000);
	struct mr_source *sqlite_src = t_open_source(db);
	char *saved = save_listing(sqlite_src, "agree.jsonl");
	mr_source_destroy(sqlite_src);
	compare_both_ways(db, NULL);
	compare_both_ways(saved, "again; the first line of it is kept");
	unlink(db);
	unlink(saved);
	free(db);
	free(saved);
}

/* Each change makes a row the listing repairs or leaves out (with a
 * warning): the backend must leave the summary to the listing. */
static void test_gives_up_on_rows_to_repair(void) {
	static const char *const damage[] = {
		"UPDATE message SET arrival_time = 5 WHERE id = 3",
		"UPDATE message SET size = 1 << 50 WHERE id = 4",
		"UPDATE recipient SET attempts = 40000 WHERE message = (SELECT max(message) FROM "
		"recipient)",
		"UPDATE recipient SET next_retry = 7 WHERE message = (SELECT min(message) FROM "
		"recipient)",
		"UPDATE recipient SET reason = 'a' || char(0) || 'b' WHERE message = (SELECT "
		"max(message) FROM recipient)",
		"UPDATE message SET sender = 'x' || char(0) || '@y' WHERE id = 7",
		"PRAGMA foreign_keys = OFF; INSERT INTO recipient (message, position, address, "
		"state) "
		"VALUES (999999, 0, 'orphan@example.org', 'pending')",
	};
	for (size_t i = 0; i < sizeof(damage) / sizeof(*damage); i++) {
		char *path = make_db("damaged.db", 50);
		sqlite3 *db;
		char *err = NULL;
		if (sqlite3_open(path, &db) != SQLITE_OK ||
			sqlite3_exec(db, damage[i], NULL, NULL, &err) != SQLITE_OK) {
			t_note("cannot damage: %s", err ? err : sqlite3_errmsg(db));
			exit(99);
		}
		sqlite3_close(db);
		struct mr_source *src = t_open_source(path);
		char *counted = by_facts(src, (struct mr_summary_scope){ 0 }, 10);
		T_NULL(counted, "gives up after %s", damage[i]);
		free(counted);
		mr_source_destroy(src);
		unlink(path);
		free(path);
	}
}

/* A file made by hand, not STRICT: the types are the backend's to check. */
static void test_loose_schema(void) {
	char *path = make_db("loose.db", 300);
	sqlite3 *db;
	char *err = NULL;
	static const char loosen[] =
		"PRAGMA foreign_keys = OFF;"
		"CREATE TABLE m2 AS SELECT * FROM message; DROP TABLE message;"
		"ALTER TABLE m2 RENAME TO message; CREATE UNIQUE INDEX m2_id ON message (queue_id);"
		"CREATE TABLE r2 AS SELECT * FROM recipient; DROP TABLE recipient;"
		"ALTER TABLE r2 RENAME TO recipient;";
	if (sqlite3_open(path, &db) != SQLITE_OK ||
		sqlite3_exec(db, loosen, NULL, NULL, &err) != SQLITE_OK) {
		t_note("cannot loosen: %s", err ? err : sqlite3_errmsg(db));
		exit(99);
	}
	struct mr_source *src = t_open_source(path);
	char *listed = by_listing(src, (struct mr_summary_scope){ 0 }, 10);
	char *counted = by_facts(src, (struct mr_summary_scope){ 0 }, 10);
	T_NONNULL(counted, "not STRICT: the backend counts a clean queue itself");
	T_OK(counted != NULL && strcmp(counted, listed) == 0, "not STRICT: the same summary");
	free(listed);
	free(counted);
	if (sqlite3_exec(db, "UPDATE message SET arrival_time = 'soon' WHERE rowid = 3", NULL, NULL,
		    &err) != SQLITE_OK) {
		t_note("cannot damage: %s", err ? err : sqlite3_errmsg(db));
		exit(99);
	}
	counted = by_facts(src, (struct mr_summary_scope){ 0 }, 10);
	T_NULL(counted, "not STRICT: gives up on text where a time belongs");
	free(counted);
	if (sqlite3_exec(db,
		    "UPDATE message SET arrival_time = 0 WHERE rowid = 3;"
		    "UPDATE message SET id = 'x' || id WHERE rowid = 4",
		    NULL, NULL, &err) != SQLITE_OK) {
		t_note("cannot damage: %s", err ? err : sqlite3_errmsg(db));
		exit(99);
	}
	counted = by_facts(src, (struct mr_summary_scope){ 0 }, 10);
	T_NULL(counted, "not STRICT: gives up on a message key that is not a whole number");
	free(counted);
	sqlite3_close(db);
	mr_source_destroy(src);
	unlink(path);
	free(path);
}

int main(void) {
	setenv("MAILROOM_NOW", "1795435200", 1);
	test_both_ways_agree();
	test_gives_up_on_rows_to_repair();
	test_loose_schema();
	return t_done();
}
