/*
 * The SQLite queue backend against real database files: opening (and
 * refusing, without a byte changed), listing, every action on every kind of
 * queue entry, vanished ids, another writer holding the database, and
 * all-or-nothing batches.
 */

#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "registry.h"
#include "sqlite.h"
#include "warnings.h"

enum { NOW = 1795435200 };

/* --- fixtures ----------------------------------------------------------- */

static struct mr_message *add(struct mr_snapshot *snap, const char *id, enum mr_queue queue) {
	struct mr_message *m = mr_snapshot_add_message(snap, id);
	m->queue = (uint8_t)queue;
	m->arrival = NOW - 3600;
	m->size = 2048;
	m->sender = mr_snapshot_intern(snap, "shop@contoso-shop.eu");
	return m;
}

static void deferred_rcpt(struct mr_snapshot *snap, const char *address, const char *reason) {
	struct mr_recipient *r = mr_snapshot_add_recipient(snap, address);
	r->state = MR_RCPT_DEFERRED;
	r->reason = mr_snapshot_reason(snap, reason, strlen(reason));
	r->attempts = 4;
	r->last_attempt = NOW - 600;
	r->next_retry = NOW + 1200;
}

static const char greylisted[] = "host mx.example.org[192.0.2.10] said: 450 4.2.0 Greylisted "
				 "(in reply to RCPT TO command)";

/* One message per kind of entry an action can meet. */
static struct mr_snapshot *fixture(void) {
	struct mr_snapshot *snap = mr_snapshot_create();
	add(snap, "D1", MR_QUEUE_DEFERRED);
	deferred_rcpt(snap, "a@example.org", greylisted);
	deferred_rcpt(snap, "b@example.org", greylisted);
	add(snap, "H1", MR_QUEUE_HOLD);
	deferred_rcpt(snap, "c@example.org", greylisted);
	add(snap, "A1", MR_QUEUE_ACTIVE);
	mr_snapshot_add_recipient(snap, "d@example.net");
	struct mr_message *b = add(snap, "B1", MR_QUEUE_BOUNCED);
	struct mr_recipient *r = mr_snapshot_add_recipient(snap, "nobody@example.com");
	r->state = MR_RCPT_BOUNCED;
	static const char unknown[] = "host mx.example.com[192.0.2.20] said: 550 5.1.1 "
				      "User unknown (in reply to RCPT TO command)";
	r->reason = mr_snapshot_reason(snap, unknown, strlen(unknown));
	r->attempts = 1;
	b->sender = mr_snapshot_intern(snap, "");
	add(snap, "C1", MR_QUEUE_CORRUPT);
	struct mr_message *x = add(snap, "X1", MR_QUEUE_DEFERRED);
	x->flags |= MR_MSG_FORCED_EXPIRE;
	deferred_rcpt(snap, "e@example.org", greylisted);
	add(snap, "M1", MR_QUEUE_MAILDROP);
	mr_snapshot_add_recipient(snap, "f@example.org");
	struct mr_message *h = add(snap, "HX", MR_QUEUE_HOLD);
	h->flags |= MR_MSG_FORCED_EXPIRE;
	deferred_rcpt(snap, "g@example.org", greylisted);
	mr_snapshot_finish(snap);
	return snap;
}

static void fixture_content(void *ctx, const struct mr_snapshot *snap, const struct mr_message *msg,
	struct mr_buf *headers, struct mr_buf *body) {
	(void)ctx;
	(void)snap;
	mr_buf_printf(headers, "Subject: test %s\n", msg->id);
	mr_buf_add_str(body, "hello\n");
}

static char *make_db(const char *name) {
	char *path = t_tmppath(name);
	unlink(path);
	char *cause = NULL;
	struct mr_sqlite *db = mr_sqlite_create_file(path, &cause);
	if (db == NULL) {
		t_note("cannot create %s: %s", path, cause);
		exit(99);
	}
	struct mr_snapshot *snap = fixture();
	if (!mr_sqlite_insert(db, snap, fixture_content, NULL, &cause)) {
		t_note("cannot fill %s: %s", path, cause);
		exit(99);
	}
	mr_snapshot_destroy(snap);
	mr_sqlite_destroy(db);
	return path;
}

static struct mr_source *open_source(const char *path) {
	char *arg = malloc(strlen(path) + 8);
	sprintf(arg, "sqlite:%s", path);
	char *cause = NULL;
	struct mr_source *src = mr_source_open(mr_backend_registry, arg, NULL, &cause);
	if (src == NULL) {
		t_note("cannot open %s: %s", arg, cause);
		free(cause);
	}
	free(arg);
	return src;
}

static const struct mr_message *find(struct mr_snapshot *snap, const char *id) {
	return mr_snapshot_find(snap, id);
}

/* A second connection, as another program would have. */
static sqlite3 *other_connection(const char *path) {
	sqlite3 *db;
	if (sqlite3_open(path, &db) != SQLITE_OK) {
		t_note("other connection: %s", sqlite3_errmsg(db));
		exit(99);
	}
	return db;
}

static long long scalar(const char *path, const char *sql) {
	sqlite3 *db = other_connection(path);
	sqlite3_stmt *stmt;
	long long v = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK &&
		sqlite3_step(stmt) == SQLITE_ROW) {
		v = sqlite3_column_int64(stmt, 0);
	}
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return v;
}

/* --- opening ------------------------------------------------------------ */

struct file_bytes {
	unsigned char *data;
	size_t len;
};

static struct file_bytes read_file(const char *path) {
	struct file_bytes f = { 0 };
	FILE *fp = fopen(path, "rb");
	if (fp == NULL) {
		return f;
	}
	unsigned char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0) {
		f.data = realloc(f.data, f.len + n);
		memcpy(f.data + f.len, buf, n);
		f.len += n;
	}
	fclose(fp);
	return f;
}

static bool same_bytes(struct file_bytes a, struct file_bytes b) {
	return a.len == b.len && (a.len == 0 || memcmp(a.data, b.data, a.len) == 0);
}

static bool exists(const char *path, const char *suffix) {
	char buf[512];
	snprintf(buf, sizeof(buf), "%s%s", path, suffix);
	struct stat st;
	return stat(buf, &st) == 0;
}

static void write_bytes(const char *path, const void *data, size_t len) {
	FILE *fp = fopen(path, "wb");
	fwrite(data, 1, len, fp);
	fclose(fp);
}

/*
 * Opens path, expecting a refusal with exactly want; the file must be left
 * byte for byte as it was, with no journal or WAL files beside it.
 */
static void expect_refusal(const char *label, const char *path, const char *want) {
	struct file_bytes before = read_file(path);
	char *cause = NULL;
	struct mr_source *src = mr_source_open(mr_backend_registry, path, NULL, &cause);
	T_NULL(src, "%s: refused", label);
	T_STR(cause, want, "%s: says why", label);
	mr_source_destroy(src);
	free(cause);
	struct file_bytes after = read_file(path);
	T_OK(same_bytes(before, after), "%s: left byte for byte unchanged", label);
	T_OK(!exists(path, "-wal"), "%s: no -wal file created", label);
	T_OK(!exists(path, "-shm"), "%s: no -shm file created", label);
	T_OK(!exists(path, "-journal"), "%s: no -journal file created", label);
	free(before.data);
	free(after.data);
}

static void test_refusals(void) {
	/* A real SQLite database of another program. */
	char *foreign = t_tmppath("foreign.sqlite");
	sqlite3 *db = other_connection(foreign);
	sqlite3_exec(db,
		"CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT);"
		"INSERT INTO moz_places (url) VALUES ('https://example.org/');",
		NULL, NULL, NULL);
	sqlite3_close(db);
	char want[512];
	snprintf(want, sizeof(want),
		"%s: an SQLite database, but not a mailroom queue (application_id 0x00000000, "
		"expected 0x4D52514D); left unchanged",
		foreign);
	expect_refusal("foreign SQLite file", foreign, want);

	/* Another program's database with look-alike tables and its own application_id. */
	char *foreign_wal = t_tmppath("other-app.db");
	db = other_connection(foreign_wal);
	sqlite3_exec(db,
		"PRAGMA application_id = 1234; PRAGMA journal_mode = DELETE;"
		"CREATE TABLE message (id INTEGER PRIMARY KEY, queue_id TEXT);",
		NULL, NULL, NULL);
	sqlite3_close(db);
	snprintf(want, sizeof(want),
		"%s: an SQLite database, but not a mailroom queue (application_id 0x000004D2, "
		"expected 0x4D52514D); left unchanged",
		foreign_wal);
	expect_refusal("look-alike tables, other application_id", foreign_wal, want);

	/* A mailroom database from the future. */
	char *newer = make_db("newer.db");
	db = other_connection(newer);
	sqlite3_exec(
		db, "PRAGMA user_version = 99; PRAGMA journal_mode = DELETE;", NULL, NULL, NULL);
	sqlite3_close(db);
	snprintf(want, sizeof(want),
		"%s: schema version 99 is newer than this mailroom understands (1); left "
		"unchanged, use a newer mailroom",
		newer);
	expect_refusal("newer schema", newer, want);

	char *text = t_tmppath("queue.txt");
	write_bytes(text, "this is not a database\n", 23);
	snprintf(
		want, sizeof(want), "%s: not a mailroom queue database (not an SQLite file)", text);
	expect_refusal("text file", text, want);

	char *empty = t_tmppath("empty.db");
	write_bytes(empty, "", 0);
	snprintf(want, sizeof(want), "%s: empty file, not a mailroom queue database", empty);
	expect_refusal("empty file", empty, want);

	char *truncated = t_tmppath("truncated.db");
	write_bytes(truncated, "SQLite format 3\0\x10\0", 18);
	snprintf(want, sizeof(want), "%s: not a mailroom queue database (not an SQLite file)",
		truncated);
	expect_refusal("truncated header", truncated, want);

	/* Our header on garbage pages: SQLite itself must find the damage. */
	char *ours = make_db("ours.db");
	struct file_bytes good = read_file(ours);
	unsigned char *garbage = malloc(good.len);
	memcpy(garbage, good.data, 100);
	for (size_t i = 100; i < good.len; i++) {
		garbage[i] = (unsigned char)(i * 131 + 7);
	}
	char *damaged = t_tmppath("damaged.db");
	write_bytes(damaged, garbage, good.len);
	/* The rollback-journal flavour of the header, so nothing expects a WAL. */
	{
		FILE *fp = fopen(damaged, "r+b");
		fseek(fp, 18, SEEK_SET);
		fputc(1, fp);
		fputc(1, fp);
		fclose(fp);
	}
	snprintf(want, sizeof(want),
		"%s: damaged or incomplete mailroom database (database disk image is malformed)",
		damaged);
	expect_refusal("mailroom header, corrupt pages", damaged, want);
	free(garbage);
	free(good.data);

	char *dir = t_tmppath("adir.db");
	mkdir(dir, 0755);
	snprintf(want, sizeof(want), "%s: is a directory, not a queue database", dir);
	char *cause = NULL;
	struct mr_source *src = mr_source_open(mr_backend_registry, dir, NULL, &cause);
	T_NULL(src, "directory: refused");
	T_STR(cause, want, "directory: says why");
	mr_source_destroy(src);
	free(cause);

	free(foreign);
	free(foreign_wal);
	free(newer);
	free(text);
	free(empty);
	free(truncated);
	free(ours);
	free(damaged);
	free(dir);
}

static void test_damage_found_while_listing(void) {
	/* Corrupt the pages holding recipients, leave the schema intact. */
	char *path = make_db("listdamage.db");
	long long page_size = scalar(path, "PRAGMA page_size");
	long long root =
		scalar(path, "SELECT rootpage FROM sqlite_schema WHERE name = 'recipient'");
	FILE *fp = fopen(path, "r+b");
	fseek(fp, (long)((root - 1) * page_size), SEEK_SET);
	for (long long i = 0; i < page_size; i++) {
		fputc(0xA5, fp);
	}
	fclose(fp);
	struct file_bytes before = read_file(path);
	struct mr_source *src = open_source(path);
	char *cause = NULL;
	struct mr_snapshot *snap = src ? mr_source_list(src, &cause) : NULL;
	T_NONNULL(src, "damaged recipients: the file opens (the schema is intact)");
	T_NULL(snap, "damaged recipients: the listing fails");
	T_HAS(cause, "malformed", "damaged recipients: SQLite's finding is passed on");
	t_note("%s", cause ? cause : "(no cause)");
	free(cause);
	mr_snapshot_destroy(snap);
	mr_source_destroy(src);
	struct file_bytes after = read_file(path);
	T_OK(same_bytes(before, after), "damaged recipients: file unchanged");
	free(before.data);
	free(after.data);
	free(path);
}

static void test_migration_and_creation(void) {
	/* A file mailroom began to create (application_id set, no schema). */
	char *path = t_tmppath("v0.db");
	sqlite3 *db = other_connection(path);
	sqlite3_exec(db,
		"PRAGMA application_id = 1297240397; CREATE TABLE tmp (x); DROP TABLE tmp;", NULL,
		NULL, NULL);
	sqlite3_close(db);
	T_INT(scalar(path, "PRAGMA user_version"), 0, "migration: starts at version 0");
	struct mr_source *src = open_source(path);
	T_OK(src != NULL, "migration: version 0 opens");
	mr_source_destroy(src);
	T_INT(scalar(path, "PRAGMA user_version"), 1, "migration: now at version 1");
	T_INT(scalar(path, "SELECT count(*) FROM sqlite_schema WHERE name IN "
			   "('message', 'recipient', 'action_log')"),
		3, "migration: tables created");

	char *cause = NULL;
	T_OK(mr_sqlite_create_file(path, &cause) == NULL, "create: refuses an existing file");
	char want[512];
	snprintf(want, sizeof(want), "%s: already exists; not overwriting it", path);
	T_STR(cause, want, "create: says so");
	free(cause);
	free(path);

	char *created = make_db("created.db");
	sqlite3 *check = other_connection(created);
	sqlite3_stmt *stmt;
	sqlite3_prepare_v2(check, "PRAGMA journal_mode", -1, &stmt, NULL);
	sqlite3_step(stmt);
	T_STR((const char *)sqlite3_column_text(stmt, 0), "wal", "create: WAL mode");
	sqlite3_finalize(stmt);
	sqlite3_close(check);
	T_INT(scalar(created, "PRAGMA application_id"), MR_SQLITE_APPLICATION_ID,
		"create: application_id");
	free(created);
}

static void test_listing(void) {
	char *path = make_db("list.db");
	struct mr_source *src = open_source(path);
	char *cause = NULL;
	struct mr_snapshot *snap = mr_source_list(src, &cause);
	if (!T_TRUE(snap != NULL, cause, "list: reads")) {
		free(cause);
		mr_source_destroy(src);
		free(path);
		return;
	}
	T_INT(snap->n_messages, 8, "list: every message");
	const struct mr_message *d = find(snap, "D1");
	if (!T_NONNULL(d, "list: D1 is listed")) {
		mr_snapshot_destroy(snap);
		mr_source_destroy(src);
		free(path);
		return;
	}
	T_STR(mr_queue_name(d->queue), "deferred", "list: queue");
	T_INT(d->n_rcpts, 2, "list: recipients of their message");
	T_STR(mr_message_rcpt(snap, d, 1)->address, "b@example.org", "list: recipient order");
	T_STR(t_text(mr_message_rcpt(snap, d, 0)->reason), greylisted, "list: reason");
	T_INT(mr_message_rcpt(snap, d, 0)->attempts, 4, "list: attempts");
	T_INT(mr_message_rcpt(snap, d, 0)->last_attempt, NOW - 600, "list: last attempt");
	T_INT(d->next_retry, NOW + 1200, "list: next retry");
	T_INT(d->arrival, NOW - 3600, "list: arrival");
	T_INT(d->size, 2048, "list: size");
	T_OK(d->flags & MR_MSG_HAS_PRIORITY, "list: priority is native");
	T_STR(find(snap, "B1")->sender, "", "list: null sender");
	T_OK(find(snap, "X1")->flags & MR_MSG_FORCED_EXPIRE, "list: forced expire");
	T_OK(mr_message_rcpt(snap, find(snap, "A1"), 0)->reason == NULL, "list: no reason is NULL");
	T_INT(snap->queue_counts[MR_QUEUE_HOLD], 2, "list: counts per queue");

	struct mr_buf headers, body;
	mr_buf_init(&headers);
	mr_buf_init(&body);
	T_OK(mr_source_content(src, "D1", &headers, &body, &cause), "content: read");
	T_STR(headers.data, "Subject: test D1\n", "content: headers");
	T_STR(body.data, "hello\n", "content: body");
	T_OK(!mr_source_content(src, "NOSUCH", &headers, &body, &cause), "content: absent id");
	T_STR(cause, "NOSUCH: no such message (it may have left the queue)", "content: says so");
	free(cause);
	mr_buf_finish(&headers);
	mr_buf_finish(&body);
	mr_snapshot_destroy(snap);
	mr_source_destroy(src);
	free(path);
}

/* --- actions ------------------------------------------------------------ */

enum { GONE = -1, SAME = -2 };

static const struct action_case {
	const char *name;
	enum mr_action action;
	const char *id;
	enum mr_outcome outcome;
	const char *detail; /* NULL: none expected */
	int queue_after;    /* enum mr_queue, GONE or SAME */
	int expired_after;  /* 0, 1, or -1 for "not checked" */
} action_cases[] = {
	{ "retry deferred", MR_ACTION_RETRY, "D1", MR_OUTCOME_DONE, NULL, MR_QUEUE_DEFERRED, 0 },
	{ "retry held", MR_ACTION_RETRY, "H1", MR_OUTCOME_FAILED, "on hold: release it first",
		MR_QUEUE_HOLD, -1 },
	{ "retry active", MR_ACTION_RETRY, "A1", MR_OUTCOME_DONE, "already being delivered",
		MR_QUEUE_ACTIVE, -1 },
	{ "retry bounced", MR_ACTION_RETRY, "B1", MR_OUTCOME_FAILED,
		"already bounced: only delete applies", MR_QUEUE_BOUNCED, -1 },
	{ "retry corrupt", MR_ACTION_RETRY, "C1", MR_OUTCOME_FAILED,
		"corrupt queue entry: only delete applies", MR_QUEUE_CORRUPT, -1 },
	{ "hold deferred", MR_ACTION_HOLD, "D1", MR_OUTCOME_DONE, NULL, MR_QUEUE_HOLD, -1 },
	{ "hold maildrop", MR_ACTION_HOLD, "M1", MR_OUTCOME_DONE, NULL, MR_QUEUE_HOLD, -1 },
	{ "hold held", MR_ACTION_HOLD, "H1", MR_OUTCOME_DONE, "was already on hold", MR_QUEUE_HOLD,
		-1 },
	{ "hold bounced", MR_ACTION_HOLD, "B1", MR_OUTCOME_FAILED,
		"already bounced: only delete applies", MR_QUEUE_BOUNCED, -1 },
	{ "release held", MR_ACTION_RELEASE, "H1", MR_OUTCOME_DONE, NULL, MR_QUEUE_DEFERRED, -1 },
	{ "release deferred", MR_ACTION_RELEASE, "D1", MR_OUTCOME_FAILED, "not on hold",
		MR_QUEUE_DEFERRED, -1 },
	{ "delete deferred", MR_ACTION_DELETE, "D1", MR_OUTCOME_DONE, NULL, GONE, -1 },
	{ "delete bounced", MR_ACTION_DELETE, "B1", MR_OUTCOME_DONE, NULL, GONE, -1 },
	{ "delete corrupt", MR_ACTION_DELETE, "C1", MR_OUTCOME_DONE, NULL, GONE, -1 },
	{ "requeue deferred", MR_ACTION_REQUEUE, "D1", MR_OUTCOME_DONE, NULL, GONE, -1 },
	{ "requeue bounced", MR_ACTION_REQUEUE, "B1", MR_OUTCOME_FAILED,
		"already bounced: only delete applies", MR_QUEUE_BOUNCED, -1 },
	{ "expire deferred", MR_ACTION_EXPIRE, "D1", MR_OUTCOME_DONE, NULL, MR_QUEUE_DEFERRED, 1 },
	{ "expire held", MR_ACTION_EXPIRE, "H1", MR_OUTCOME_DONE,
		"released from hold so that it can be returned", MR_QUEUE_DEFERRED, 1 },
	{ "expire held, already expired", MR_ACTION_EXPIRE, "HX", MR_OUTCOME_DONE,
		"released from hold so that it can be returned", MR_QUEUE_DEFERRED, 1 },
	{ "expire expired", MR_ACTION_EXPIRE, "X1", MR_OUTCOME_DONE, "was already expired",
		MR_QUEUE_DEFERRED, 1 },
	{ "expire bounced", MR_ACTION_EXPIRE, "B1", MR_OUTCOME_FAILED,
		"already bounced: only delete applies", MR_QUEUE_BOUNCED, -1 },
	{ "release-retry held", MR_ACTION_RELEASE_RETRY, "H1", MR_OUTCOME_DONE, NULL,
		MR_QUEUE_DEFERRED, -1 },
	{ "release-retry deferred", MR_ACTION_RELEASE_RETRY, "D1", MR_OUTCOME_FAILED, "not on hold",
		MR_QUEUE_DEFERRED, -1 },
	{ "expire-now deferred", MR_ACTION_EXPIRE_NOW, "D1", MR_OUTCOME_DONE,
		"returned to the sender at the next attempt, which is now", MR_QUEUE_DEFERRED, 1 },
	{ "expire-now held", MR_ACTION_EXPIRE_NOW, "H1", MR_OUTCOME_DONE,
		"returned to the sender at the next attempt, which is now", MR_QUEUE_DEFERRED, 1 },
	{ "expire-now bounced", MR_ACTION_EXPIRE_NOW, "B1", MR_OUTCOME_FAILED,
		"already bounced: only delete applies", MR_QUEUE_BOUNCED, -1 },
	{ "set priority", MR_ACTION_SET_PRIORITY, "D1", MR_OUTCOME_DONE, "priority 0 -> 7",
		MR_QUEUE_DEFERRED, -1 },
	{ "set priority bounced", MR_ACTION_SET_PRIORITY, "B1", MR_OUTCOME_FAILED,
		"already bounced: only delete applies", MR_QUEUE_BOUNCED, -1 },
	{ "retry absent", MR_ACTION_RETRY, "NOSUCH", MR_OUTCOME_NOT_FOUND,
		"not in the queue (it may have been delivered or removed)", SAME, -1 },
	{ "delete absent", MR_ACTION_DELETE, "NOSUCH", MR_OUTCOME_NOT_FOUND,
		"not in the queue (it may have been delivered or removed)", SAME, -1 },
	{ "hold invalid id", MR_ACTION_HOLD, "D1;rm", MR_OUTCOME_FAILED,
		"\"D1;rm\" is not a valid queue id", SAME, -1 },
};

static void run_action_case(const struct action_case *c) {
	char *path = make_db("action.db");
	struct mr_source *src = open_source(path);
	const char *ids[] = { c->id };
	struct mr_action_request req = {
		.action = c->action, .priority = 7, .ids = ids, .n_ids = 1
	};
	struct mr_action_report report;
	mr_source_act(src, &req, &report);
	T_INT(report.n_results, 1, "%s: one result", c->name);
	const struct mr_action_result *r = &report.results[0];
	T_INT(r->outcome, c->outcome, "%s: outcome %s", c->name, mr_outcome_name(c->outcome));
	T_OK(!r->retryable, "%s: not retryable", c->name);
	T_STR(r->detail, c->detail, "%s: detail", c->name);

	char *cause = NULL;
	struct mr_snapshot *snap = mr_source_list(src, &cause);
	const struct mr_message *m = find(snap, c->id);
	if (c->queue_after == GONE) {
		T_OK(m == NULL, "%s: gone from a fresh listing", c->name);
	} else if (c->queue_after != SAME) {
		if (T_NONNULL(m, "%s: still listed afterwards", c->name)) {
			T_STR(mr_queue_name(m->queue), mr_queue_name((enum mr_queue)c->queue_after),
				"%s: its queue afterwards", c->name);
		}
	}
	if (c->expired_after >= 0 && m != NULL) {
		T_INT((m->flags & MR_MSG_FORCED_EXPIRE) != 0, c->expired_after,
			"%s: forced expiry afterwards", c->name);
	}
	T_INT(snap->n_messages, 8 - (c->queue_after == GONE && c->action == MR_ACTION_DELETE),
		"%s: no other message lost", c->name);

	/* Specific effects. */
	if (c->action == MR_ACTION_RETRY && c->outcome == MR_OUTCOME_DONE && m != NULL &&
		m->queue == MR_QUEUE_DEFERRED) {
		T_INT(mr_message_rcpt(snap, m, 0)->next_retry, NOW, "%s: due now", c->name);
	}
	if (c->action == MR_ACTION_RELEASE && c->outcome == MR_OUTCOME_DONE && m != NULL) {
		T_INT(mr_message_rcpt(snap, m, 0)->next_retry, NOW, "%s: due now", c->name);
	}
	if (c->action == MR_ACTION_SET_PRIORITY && c->outcome == MR_OUTCOME_DONE && m != NULL) {
		T_INT(m->priority, 7, "%s: priority stored", c->name);
	}
	if (c->action == MR_ACTION_REQUEUE && c->outcome == MR_OUTCOME_DONE) {
		if (T_NONNULL(r->new_id, "%s: reports a new id", c->name)) {
			T_TRUE(mr_queue_id_valid(r->new_id), r->new_id, "%s: the new id is valid",
				c->name);
			T_TRUE(strcmp(r->new_id, c->id) != 0, r->new_id,
				"%s: the new id is not the old one", c->name);
		}
		const struct mr_message *n = r->new_id ? find(snap, r->new_id) : NULL;
		if (T_NONNULL(n, "%s: the new id is listed", c->name)) {
			T_STR(mr_queue_name(n->queue), "maildrop", "%s: new id in maildrop",
				c->name);
			T_INT(n->n_rcpts, 2, "%s: the new id has both recipients", c->name);
			for (uint32_t i = 0; i < n->n_rcpts; i++) {
				const struct mr_recipient *rc = mr_message_rcpt(snap, n, i);
				T_STR(t_text(rc->reason), NULL,
					"%s: recipient %u starts without a reason", c->name, i);
				T_INT(rc->state, MR_RCPT_PENDING, "%s: recipient %u starts pending",
					c->name, i);
			}
		}
		T_INT(scalar(path,
			      "SELECT count(*) FROM action_log WHERE new_queue_id IS NOT NULL"),
			1, "%s: new id logged", c->name);
	}
	if (c->action == MR_ACTION_DELETE && c->outcome == MR_OUTCOME_DONE) {
		T_INT(scalar(path, "SELECT count(*) FROM recipient WHERE message NOT IN "
				   "(SELECT id FROM message)"),
			0, "%s: recipients deleted with it", c->name);
	}
	/* Everything that reached the database is logged, nothing else. */
	bool reached = mr_queue_id_valid(c->id);
	char sql[256];
	snprintf(sql, sizeof(sql),
		"SELECT count(*) FROM action_log WHERE queue_id = '%s' AND action = '%s' AND "
		"outcome = '%s' AND time = %d",
		c->id, mr_action_info(c->action)->name, mr_outcome_name(c->outcome), NOW);
	T_INT(scalar(path, sql), reached ? 1 : 0, "%s: action log", c->name);

	mr_snapshot_destroy(snap);
	mr_action_report_finish(&report);
	mr_source_destroy(src);
	unlink(path);
	free(path);
}

static void test_actions(void) {
	for (size_t i = 0; i < sizeof(action_cases) / sizeof(*action_cases); i++) {
		run_action_case(&action_cases[i]);
	}
}

/* A priority step moves each message from the priority it has in the file
 * as the action runs (another program set them after the operator's
 * listing), saturating at the ends of 32 bits; the actions log keeps the
 * priority each got, or the step asked for one not found. */
static void test_priority_step(void) {
	char *path = make_db("step.db");
	struct mr_source *src = open_source(path);
	sqlite3 *other = other_connection(path);
	sqlite3_exec(other,
		"UPDATE message SET priority = 2147483647 WHERE queue_id = 'D1';"
		"UPDATE message SET priority = -5 WHERE queue_id = 'H1';",
		NULL, NULL, NULL);
	const char *ids[] = { "D1", "H1", "NOSUCH" };
	struct mr_action_request req = {
		.action = MR_ACTION_SET_PRIORITY, .priority_step = 1, .ids = ids, .n_ids = 3
	};
	struct mr_action_report report;
	mr_source_act(src, &req, &report);
	T_STR(report.results[0].detail, "priority 2147483647 -> 2147483647",
		"step up: the highest priority stays the highest");
	T_STR(report.results[1].detail, "priority -5 -> -4",
		"step up: from the file's -5, not from a listing");
	T_INT(report.results[2].outcome, MR_OUTCOME_NOT_FOUND, "step up: an absent id not found");
	mr_action_report_finish(&report);
	req.priority_step = -1;
	const char *low[] = { "X1" };
	sqlite3_exec(other, "UPDATE message SET priority = -2147483648 WHERE queue_id = 'X1'", NULL,
		NULL, NULL);
	req.ids = low;
	req.n_ids = 1;
	mr_source_act(src, &req, &report);
	T_STR(report.results[0].detail, "priority -2147483648 -> -2147483648",
		"step down: the lowest priority stays the lowest");
	mr_action_report_finish(&report);
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(other,
		"SELECT group_concat(queue_id || '=' || ifnull(argument, 'NULL'), ' ') FROM "
		"(SELECT queue_id, argument FROM action_log ORDER BY id)",
		-1, &st, NULL);
	const char *logged = st && sqlite3_step(st) == SQLITE_ROW
				     ? (const char *)sqlite3_column_text(st, 0)
				     : NULL;
	T_STR(logged, "D1=2147483647 H1=-4 NOSUCH=+1 X1=-2147483648",
		"the actions log: the priority each got, the step for the absent id");
	sqlite3_finalize(st);
	sqlite3_close(other);
	mr_source_destroy(src);
	free(path);
}

static void test_vanished_id(void) {
	char *path = make_db("vanish.db");
	struct mr_source *src = open_source(path);
	char *cause = NULL;
	struct mr_snapshot *snap = mr_source_list(src, &cause);
	/* The operator saw D1 and H1; another program removes D1 meanwhile. */
	sqlite3 *other = other_connection(path);
	sqlite3_exec(other, "DELETE FROM message WHERE queue_id = 'D1'", NULL, NULL, NULL);
	sqlite3_close(other);
	const char *ids[] = { find(snap, "D1")->id, find(snap, "H1")->id };
	struct mr_action_request req = { .action = MR_ACTION_HOLD, .ids = ids, .n_ids = 2 };
	struct mr_action_report report;
	mr_source_act(src, &req, &report);
	T_INT(report.results[0].outcome, MR_OUTCOME_NOT_FOUND, "vanished id: not found");
	T_INT(report.results[1].outcome, MR_OUTCOME_DONE, "vanished id: the rest still acted on");
	mr_action_report_finish(&report);
	mr_snapshot_destroy(snap);
	mr_source_destroy(src);
	free(path);
}

struct holder {
	const char *path;
	int hold_ms;
	sqlite3 *db;
};

static void *release_later(void *arg) {
	struct holder *h = arg;
	struct timespec ts = { h->hold_ms / 1000, (long)(h->hold_ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
	sqlite3_exec(h->db, "COMMIT", NULL, NULL, NULL);
	return NULL;
}

static void test_second_writer(void) {
	char *path = make_db("locked.db");
	struct mr_source *src = open_source(path);
	mr_sqlite_set_busy_timeout(src, 200);

	/* Another program holds the write lock for longer than we wait. */
	sqlite3 *other = other_connection(path);
	T_INT(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK,
		"second writer: takes the write lock");
	const char *ids[] = { "D1", "NOSUCH", "H1" };
	struct mr_action_request req = { .action = MR_ACTION_DELETE, .ids = ids, .n_ids = 3 };
	struct mr_action_report report;
	mr_source_act(src, &req, &report);
	T_INT(report.counts[MR_OUTCOME_FAILED], 3, "second writer: every id failed");
	T_OK(report.results[0].retryable, "second writer: D1 may be retried");
	T_OK(report.results[2].retryable, "second writer: H1 may be retried");
	T_STR(report.results[0].detail,
		"the database is locked by another program (waited 200 ms); nothing was changed",
		"second writer: says who and that nothing changed");
	mr_action_report_finish(&report);
	sqlite3_exec(other, "COMMIT", NULL, NULL, NULL);
	T_INT(scalar(path, "SELECT count(*) FROM message"), 8, "second writer: nothing deleted");
	T_INT(scalar(path, "SELECT count(*) FROM action_log"), 0, "second writer: nothing logged");

	/* It lets go within our wait: the action goes through. */
	mr_sqlite_set_busy_timeout(src, 5000);
	sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	struct holder h = { path, 150, other };
	pthread_t thread;
	pthread_create(&thread, NULL, release_later, &h);
	mr_source_act(src, &req, &report);
	pthread_join(thread, NULL);
	T_INT(report.counts[MR_OUTCOME_DONE], 2, "second writer gone: done");
	T_INT(report.counts[MR_OUTCOME_NOT_FOUND], 1, "second writer gone: absent id not found");
	mr_action_report_finish(&report);
	T_INT(scalar(path, "SELECT count(*) FROM message"), 6, "second writer gone: deleted");

	/* A reader in the middle of a listing does not block an action (WAL). */
	sqlite3_exec(other, "BEGIN; SELECT count(*) FROM message;", NULL, NULL, NULL);
	mr_sqlite_set_busy_timeout(src, 100);
	const char *hold_ids[] = { "A1" };
	struct mr_action_request hold = { .action = MR_ACTION_HOLD, .ids = hold_ids, .n_ids = 1 };
	mr_source_act(src, &hold, &report);
	T_INT(report.results[0].outcome, MR_OUTCOME_DONE, "open reader: writer not blocked");
	mr_action_report_finish(&report);
	sqlite3_exec(other, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(other);
	mr_source_destroy(src);
	free(path);
}

static void test_batch_atomic(void) {
	char *path = make_db("atomic.db");
	/* A trigger makes the update of one message fail halfway through. */
	sqlite3 *other = other_connection(path);
	sqlite3_exec(other,
		"CREATE TRIGGER fail_m1 BEFORE UPDATE ON message WHEN NEW.queue_id = 'M1' "
		"BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
		NULL, NULL, NULL);
	sqlite3_close(other);
	struct mr_source *src = open_source(path);
	const char *ids[] = { "D1", "M1", "A1" };
	struct mr_action_request req = { .action = MR_ACTION_HOLD, .ids = ids, .n_ids = 3 };
	struct mr_action_report report;
	mr_source_act(src, &req, &report);
	T_INT(report.counts[MR_OUTCOME_FAILED], 3, "atomic batch: every id reported failed");
	T_OK(!report.results[0].retryable, "atomic batch: a constraint failure is not retryable");
	T_HAS(report.results[0].detail, "nothing was changed",
		"atomic batch: says nothing changed");
	mr_action_report_finish(&report);
	T_INT(scalar(path, "SELECT count(*) FROM message WHERE queue = 'hold'"), 2,
		"atomic batch: D1 (done before the failure) rolled back");
	T_INT(scalar(path, "SELECT count(*) FROM action_log"), 0, "atomic batch: nothing logged");
	mr_source_destroy(src);
	free(path);
}

/* What the unprivileged child of test_read_only found, sent to the parent
 * through a pipe: the checks are made there, so that they count. */
struct read_only_seen {
	int euid;
	bool opened, can_delete;
	char limits[256], cause[256];
};

/* Opens path in a child that is not root (as root it becomes nobody first:
 * root may write any file, so the read-only path is reached only without
 * root's rights), and reports what it saw. */
static bool read_only_as_other(
	const char *path, uid_t uid, gid_t gid, struct read_only_seen *seen) {
	int fds[2];
	if (pipe(fds) != 0) {
		t_note("pipe: %s", strerror(errno));
		return false;
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		t_note("fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return false;
	}
	if (pid == 0) {
		close(fds[0]);
		struct read_only_seen r = { .euid = -1 };
		if (geteuid() == 0 &&
			(setgroups(0, NULL) != 0 || setgid(gid) != 0 || setuid(uid) != 0)) {
			snprintf(r.cause, sizeof(r.cause), "cannot become uid %u: %s",
				(unsigned)uid, strerror(errno));
		} else {
			r.euid = (int)geteuid();
			char *arg = malloc(strlen(path) + 8);
			sprintf(arg, "sqlite:%s", path);
			char *cause = NULL;
			struct mr_source *src =
				mr_source_open(mr_backend_registry, arg, NULL, &cause);
			r.opened = src != NULL;
			if (src != NULL) {
				r.can_delete = mr_source_can(src, MR_ACTION_DELETE);
				snprintf(r.limits, sizeof(r.limits), "%s",
					src->limits ? src->limits : "(none)");
			}
			snprintf(r.cause, sizeof(r.cause), "%s", cause ? cause : "");
		}
		bool sent = write(fds[1], &r, sizeof(r)) == (ssize_t)sizeof(r);
		_exit(sent ? 0 : 1);
	}
	close(fds[1]);
	size_t got = 0;
	while (got < sizeof(*seen)) {
		ssize_t n = read(fds[0], (char *)seen + got, sizeof(*seen) - got);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			break;
		}
		got += (size_t)n;
	}
	close(fds[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
	}
	T_SIZE(got, sizeof(*seen), "read-only file: the child reported what it saw");
	T_INT(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), 0,
		"read-only file: the child exited normally");
	return got == sizeof(*seen);
}

static void test_read_only(void) {
	/* As root, the child is nobody: the directories above the file must be
	 * searchable by anyone, and its own directory is nobody's, as a user's
	 * queue is in a directory of the user's (SQLite makes its -shm file
	 * beside a WAL file even to read it). Only the file is read-only. */
	uid_t uid = getuid();
	gid_t gid = getgid();
	if (geteuid() == 0) {
		struct passwd *pw = getpwnam("nobody");
		if (!T_NONNULL(pw, "read-only file: as root, the user nobody exists")) {
			return;
		}
		uid = pw->pw_uid;
		gid = pw->pw_gid;
	}
	chmod(t_tmpdir(), 0711);
	char *dir = t_tmppath("read-only");
	mkdir(dir, 0755);
	chmod(dir, 0755);
	if (geteuid() == 0 && chown(dir, uid, gid) != 0) {
		t_note("chown %s: %s", dir, strerror(errno));
	}
	char *path = make_db("read-only/readonly.db");
	chmod(path, 0444);
	struct read_only_seen seen = { .euid = -1 };
	if (read_only_as_other(path, uid, gid, &seen)) {
		T_TRUE(seen.euid > 0, seen.cause,
			"read-only file: opened as a user other than root");
		if (geteuid() == 0) {
			T_INT(seen.euid, uid, "read-only file: as root, checked as nobody");
		}
		T_TRUE(seen.opened, seen.cause, "read-only file: opens");
		T_TRUE(!seen.can_delete, seen.limits, "read-only file: no actions offered");
		T_STR(seen.limits, "read-only: the file is not writable",
			"read-only file: says why");
	}
	free(path);
	free(dir);
}

static size_t count_lines(const char *s) {
	size_t n = s != NULL && *s != '\0';
	for (; s != NULL && *s; s++) {
		n += *s == '\n';
	}
	return n;
}

/* A file with our application_id and a schema without NOT NULL (made by
 * hand): 150 messages with a NULL sender. Each is listed, as the null
 * sender; the first 100 warnings are kept and the rest counted, and a
 * second listing replaces the first one's. */
static void test_bad_values_capped(void) {
	char *path = t_tmppath("loose-many.db");
	sqlite3 *db = other_connection(path);
	int rc = sqlite3_exec(db,
		"PRAGMA application_id = 1297240397; PRAGMA user_version = 1;"
		"CREATE TABLE message (id INTEGER PRIMARY KEY, queue_id TEXT UNIQUE, queue TEXT,"
		" arrival_time INTEGER, size INTEGER, sender TEXT, priority INTEGER,"
		" forced_expire INTEGER, headers BLOB, body BLOB);"
		"CREATE TABLE recipient (message INTEGER, position INTEGER, address TEXT,"
		" original_address TEXT, state TEXT, reason TEXT, attempts INTEGER,"
		" last_attempt INTEGER, next_retry INTEGER);"
		"CREATE TABLE action_log (id INTEGER PRIMARY KEY, time INTEGER, user TEXT,"
		" action TEXT, argument TEXT, queue_id TEXT, outcome TEXT, detail TEXT,"
		" new_queue_id TEXT);"
		"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 150)"
		" INSERT INTO message (queue_id, queue, arrival_time, size, sender, priority,"
		" forced_expire) SELECT 'M' || i, 'deferred', 1795431600, 1, NULL, 0, 0 FROM n;",
		NULL, NULL, NULL);
	T_INT(rc, SQLITE_OK, "bad values: the file is made");
	sqlite3_close(db);
	struct mr_source *src = open_source(path);
	char first[512], last[512];
	snprintf(first, sizeof(first), "%s: message M1: sender is NULL (taken as the null sender)",
		path);
	snprintf(last, sizeof(last), "%s: 50 more warnings not shown", path);
	for (int i = 1; src != NULL && i <= 2; i++) {
		char *cause = NULL;
		struct mr_snapshot *snap = mr_source_list(src, &cause);
		T_INT(snap ? snap->n_messages : 0, 150, "bad values, listing %d: every message", i);
		T_STR(snap && snap->n_messages ? snap->messages[0].sender : NULL, "",
			"bad values, listing %d: a NULL sender is the null sender", i);
		const char *w = src->warnings ? src->warnings : "";
		T_INT(count_lines(w), MR_WARNINGS_MAX + 1,
			"bad values, listing %d: 100 warnings and a count", i);
		char line[512];
		snprintf(line, sizeof(line), "%.*s", (int)strcspn(w, "\n"), w);
		T_STR(line, first, "bad values, listing %d: the first names its message", i);
		const char *end = strrchr(w, '\n');
		T_STR(end ? end + 1 : w, last, "bad values, listing %d: the count of the rest", i);
		free(cause);
		mr_snapshot_destroy(snap);
	}
	mr_source_destroy(src);
	free(path);
}

/* A listing offers glimpses of its front (snapshot.h) as rows come: each a
 * copy of the messages read so far, every one whole. */
static void test_glimpse(void) {
	enum { MESSAGES = 2100 };
	struct mr_snapshot *made = mr_snapshot_create();
	char s[64], r[512];
	for (int i = 0; i < MESSAGES; i++) {
		snprintf(s, sizeof(s), "G%010X", i);
		struct mr_message *m = add(made, s, i % 3 ? MR_QUEUE_DEFERRED : MR_QUEUE_HOLD);
		snprintf(s, sizeof(s), "sender%d@example.org", i % 40);
		m->sender = mr_snapshot_intern(made, s);
		snprintf(s, sizeof(s), "a%d@example.net", i);
		snprintf(r, sizeof(r), "host mx%d.example.net[192.0.2.1] said: %s", i % 7,
			i % 2 ? "450 4.2.0 Greylisted, try again later" : "550 5.1.1 no such user");
		deferred_rcpt(made, s, r);
		snprintf(s, sizeof(s), "b%d@example.com", i);
		mr_snapshot_add_recipient(made, s);
	}
	mr_snapshot_finish(made);
	char *path = t_tmppath("glimpse.db");
	unlink(path);
	char *cause = NULL;
	struct mr_sqlite *db = mr_sqlite_create_file(path, &cause);
	bool filled = db != NULL && mr_sqlite_insert(db, made, fixture_content, NULL, &cause);
	T_TRUE(filled, cause, "glimpse: a queue of %d messages", MESSAGES);
	mr_sqlite_destroy(db);
	mr_snapshot_destroy(made);
	struct mr_source *src = filled ? open_source(path) : NULL;
	struct t_glimpses g = { 0 };
	if (src != NULL) {
		src->progress =
			(struct mr_listing_progress){ .glimpse = t_take_glimpse, .ctx = &g };
		struct mr_snapshot *snap = mr_source_list(src, &cause);
		T_NONNULL(snap, "glimpse: listed");
		t_check_glimpses(&g, 2, snap, "glimpse");
		mr_snapshot_destroy(snap);
		mr_source_destroy(src);
	}
	free(cause);
	free(path);
}

int main(void) {
	setenv("MAILROOM_NOW", "1795435200", 1);
	test_bad_values_capped();
	test_refusals();
	test_damage_found_while_listing();
	test_migration_and_creation();
	test_listing();
	test_actions();
	test_vanished_id();
	test_priority_step();
	test_second_writer();
	test_batch_atomic();
	test_read_only();
	test_glimpse();
	return t_done();
}
