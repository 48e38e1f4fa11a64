/*
 * What `mailroom summary` needs of a queue database, read without a listing
 * (summary_facts.h): two ordered scans merged by message key, as the
 * listing's (list.c), of only the columns a summary counts by, fed to core
 * row by row on the second core; no snapshot is made, so a million
 * messages cost their reading.
 *
 * The listing repairs bad values and leaves bad rows out, with a warning
 * each; rather than repeat those rules here, any row the listing would not
 * take as it is (a type, a range, a NUL in a text, an invalid or repeated
 * queue id, a recipient of no message) makes this give up, and the caller
 * lists instead: the summary is then the listing's, warnings and all.
 * SQL checks the columns not read here, so a clean row costs one number.
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "handoff.h"
#include "internal.h"
#include "summary_facts.h"

/*
 * What the row checks test of a column's type: in a STRICT table whose
 * column is declared with that type, SQLite has already checked every
 * value, and testing "col IS NOT NULL" costs a fraction of typeof() on two
 * million rows; otherwise typeof() says. mailroom's own files are STRICT.
 */
struct typing {
	sqlite3 *db;
	bool strict;
	const char *table;
};

static struct typing typing_of(sqlite3 *db, const char *table) {
	struct typing t = { .db = db, .table = table };
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "SELECT strict FROM pragma_table_list WHERE name = ?1", -1, &st,
		    NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
		t.strict = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1;
	}
	sqlite3_finalize(st);
	return t;
}

/* Appends a test that col holds a type (SQLite's "integer" or "text"),
 * not NULL. */
static void add_typed(
	struct mr_buf *sql, const struct typing *t, const char *col, const char *type) {
	bool declared = false;
	sqlite3_stmt *st;
	if (t->strict && sqlite3_prepare_v2(t->db,
				 "SELECT upper(type) = upper(?3) FROM pragma_table_info(?1) "
				 "WHERE name = ?2",
				 -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, t->table, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, col, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, type, -1, SQLITE_STATIC);
		declared = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1;
		sqlite3_finalize(st);
	}
	if (declared) {
		mr_buf_printf(sql, "%s IS NOT NULL", col);
	} else {
		mr_buf_printf(sql, "typeof(%s) = '%s'", col, type);
	}
}

/* " AND col is an integer from lo to hi". */
static void add_range(
	struct mr_buf *sql, const struct typing *t, const char *col, int64_t lo, int64_t hi) {
	mr_buf_add_str(sql, " AND ");
	add_typed(sql, t, col, "integer");
	mr_buf_printf(sql, " AND %s BETWEEN %" PRId64 " AND %" PRId64, col, lo, hi);
}

/* " AND col is a time or 0 (unknown)", NULL too where null_ok. */
static void add_time(struct mr_buf *sql, const struct typing *t, const char *col, bool null_ok) {
	mr_buf_printf(sql, " AND (%s", null_ok ? "" : "NOT ");
	mr_buf_printf(sql, "%s IS NULL %s (", col, null_ok ? "OR" : "AND");
	add_typed(sql, t, col, "integer");
	mr_buf_printf(sql, " AND (%s = 0 OR %s BETWEEN %" PRId64 " AND %" PRId64 ")))", col, col,
		MR_TIME_MIN, MR_TIME_MAX);
}

/* " AND col is text", or NULL where null_ok. */
static void add_text(struct mr_buf *sql, const struct typing *t, const char *col, bool null_ok) {
	mr_buf_add_str(sql, " AND (");
	if (null_ok) {
		mr_buf_printf(sql, "%s IS NULL OR ", col);
	}
	add_typed(sql, t, col, "text");
	mr_buf_add_char(sql, ')');
}

/* "CASE col WHEN 'name0' THEN 0 ... ELSE -1 END" for a table of names. */
static void case_of_names(struct mr_buf *sql, const char *col, const char *(*name)(int), int n) {
	mr_buf_printf(sql, "CASE %s", col);
	for (int i = 0; i < n; i++) {
		mr_buf_printf(sql, " WHEN '%s' THEN %d", name(i), i);
	}
	mr_buf_add_str(sql, " ELSE -1 END");
}

static const char *queue_name(int q) {
	return mr_queue_name((enum mr_queue)q);
}

static const char *state_name(int s) {
	return mr_rcpt_state_name((enum mr_rcpt_state)s);
}

/* id, queue_id, sender, arrival_time, and a code: -1 for a row the listing
 * would repair, else 2 * the queue + forced_expire. */
static char *messages_sql(sqlite3 *db) {
	struct typing t = typing_of(db, "message");
	struct mr_buf sql;
	mr_buf_init(&sql);
	mr_buf_add_str(&sql, "SELECT id, queue_id, sender, arrival_time, CASE WHEN ");
	add_typed(&sql, &t, "id", "integer"); /* else the listing finds no recipients */
	add_text(&sql, &t, "queue_id", false);
	add_text(&sql, &t, "sender", false);
	add_time(&sql, &t, "arrival_time", false);
	add_range(&sql, &t, "size", 0, MR_SIZE_MAX);
	add_range(&sql, &t, "priority", INT32_MIN, INT32_MAX);
	add_range(&sql, &t, "forced_expire", 0, 1);
	mr_buf_add_str(&sql, " THEN 2 * (");
	case_of_names(&sql, "queue", queue_name, MR_QUEUE_COUNT);
	mr_buf_add_str(&sql, ") + forced_expire ELSE -1 END FROM message ORDER BY id");
	return mr_buf_steal(&sql);
}

/* message, address, reason, and the state (-1 for a row the listing would
 * repair). */
static char *recipients_sql(sqlite3 *db) {
	struct typing t = typing_of(db, "recipient");
	struct mr_buf sql;
	mr_buf_init(&sql);
	mr_buf_add_str(&sql, "SELECT message, address, reason, CASE WHEN ");
	add_typed(&sql, &t, "message", "integer");
	add_text(&sql, &t, "address", false);
	add_text(&sql, &t, "reason", true);
	add_text(&sql, &t, "original_address", true);
	add_range(&sql, &t, "attempts", 0, INT16_MAX);
	add_time(&sql, &t, "last_attempt", true);
	add_time(&sql, &t, "next_retry", true);
	mr_buf_add_str(&sql, " THEN ");
	case_of_names(&sql, "state", state_name, MR_RCPT_STATE_COUNT);
	mr_buf_add_str(&sql, " ELSE -1 END FROM recipient ORDER BY message, position");
	return mr_buf_steal(&sql);
}

/*
 * The rows go to the facts on the second core (handoff.h) while SQLite
 * reads on: each row is copied out of its cursor, whose texts last only
 * until the next step, into a buffer of rows, and a full buffer is passed
 * on. A row is a head and its texts' bytes after it.
 */
enum { ROW_BUFFERS = 4, ROW_BUFFER_BYTES = 256 * 1024 };

struct row_head {
	int64_t arrival;    /* a message's */
	uint32_t len, len2; /* sender; or address, then reason */
	int32_t code;       /* a message's queue code; a recipient's state */
	uint8_t recipient;  /* else a message */
	uint8_t has_reason;
};

struct gathering {
	sqlite3_stmt *msgs, *rcpts;
	int rc_rcpt; /* the recipient scan's last step */
	bool clean;  /* every row so far as the listing would take it */
	struct mr_handoff *handoff;
	struct mr_buf *rows; /* being filled */
};

/* A buffer of rows, on the facts' thread. */
static void feed_rows(void *ctx, void *item) {
	struct mr_summary_facts *facts = ctx;
	struct mr_buf *rows = item;
	for (size_t at = 0; at < rows->len;) {
		struct row_head h;
		memcpy(&h, rows->data + at, sizeof(h));
		const char *text = rows->data + at + sizeof(h);
		if (h.recipient) {
			mr_summary_facts_recipient(facts, text, h.len, (enum mr_rcpt_state)h.code,
				h.has_reason ? text + h.len : NULL, h.len2);
		} else {
			mr_summary_facts_message(facts, (enum mr_queue)(h.code / 2),
				(h.code & 1) != 0, h.arrival, text, h.len);
		}
		at += sizeof(h) + h.len + h.len2;
	}
	mr_buf_clear(rows);
}

static void add_row(
	struct gathering *g, const struct row_head *h, const char *text, const char *text2) {
	if (g->rows->len >= ROW_BUFFER_BYTES) {
		mr_handoff_pass(g->handoff, g->rows);
		g->rows = mr_handoff_take(g->handoff);
	}
	mr_buf_add(g->rows, h, sizeof(*h));
	mr_buf_add(g->rows, text, h->len);
	if (h->len2 > 0) {
		mr_buf_add(g->rows, text2, h->len2);
	}
}

/* A text column's bytes, or NULL when it holds a NUL (the listing would
 * store it otherwise). */
static const char *text(sqlite3_stmt *st, int col, size_t *len) {
	const char *s = (const char *)sqlite3_column_text(st, col);
	*len = (size_t)sqlite3_column_bytes(st, col);
	return s != NULL && memchr(s, '\0', *len) != NULL ? NULL : s;
}

/* The recipients of the message with key (none of an earlier key: a
 * recipient of no message is left out by the listing). */
static void take_recipients(struct gathering *g, sqlite3_int64 key) {
	sqlite3_stmt *st = g->rcpts;
	while (g->clean && g->rc_rcpt == SQLITE_ROW) {
		sqlite3_int64 of = sqlite3_column_int64(st, 0);
		int state = sqlite3_column_int(st, 3);
		if (of > key) {
			return;
		}
		size_t address_len, reason_len = 0;
		const char *address = text(st, 1, &address_len);
		bool has_reason = sqlite3_column_type(st, 2) != SQLITE_NULL;
		const char *reason = has_reason ? text(st, 2, &reason_len) : NULL;
		if (of < key || state < 0 || address == NULL || (has_reason && reason == NULL)) {
			g->clean = false;
			return;
		}
		add_row(g,
			&(struct row_head){ .len = (uint32_t)address_len,
				.len2 = (uint32_t)reason_len,
				.code = state,
				.recipient = 1,
				.has_reason = reason != NULL },
			address, reason);
		g->rc_rcpt = sqlite3_step(st);
	}
}

static void take_message(struct gathering *g) {
	sqlite3_stmt *st = g->msgs;
	int code = sqlite3_column_int(st, 4);
	const char *id = (const char *)sqlite3_column_text(st, 1);
	size_t id_len = (size_t)sqlite3_column_bytes(st, 1);
	size_t sender_len;
	const char *sender = text(st, 2, &sender_len);
	if (code < 0 || id == NULL || strlen(id) != id_len || !mr_queue_id_valid(id) ||
		sender == NULL) {
		g->clean = false;
		return;
	}
	add_row(g,
		&(struct row_head){ .arrival = sqlite3_column_int64(st, 3),
			.len = (uint32_t)sender_len,
			.code = code },
		sender, NULL);
	take_recipients(g, sqlite3_column_int64(st, 0));
}

static enum mr_summarise gather(struct mr_sqlite *db, struct gathering *g, char **cause) {
	g->rc_rcpt = sqlite3_step(g->rcpts);
	int rc;
	while (g->clean && (rc = sqlite3_step(g->msgs)) == SQLITE_ROW) {
		take_message(g);
		if (g->rc_rcpt != SQLITE_ROW && g->rc_rcpt != SQLITE_DONE) {
			mr_sqlite_fail(db, cause, "cannot read recipients");
			return MR_SUMMARISE_FAILED;
		}
	}
	if (!g->clean || g->rc_rcpt == SQLITE_ROW) {
		return MR_SUMMARISE_CANNOT; /* a row to repair, or recipients of no message */
	}
	if (rc != SQLITE_DONE) {
		mr_sqlite_fail(db, cause, "cannot read messages");
		return MR_SUMMARISE_FAILED;
	}
	return MR_SUMMARISE_DONE;
}

enum mr_summarise mr_sqlite_summarise(
	struct mr_source *src, struct mr_summary_facts *facts, char **cause) {
	struct mr_sqlite *db = src->data;
	if (!db->unique_ids) {
		return MR_SUMMARISE_CANNOT; /* the listing keeps the first of repeated ids */
	}
	/* One read transaction: both scans see the same state of the queue. */
	if (sqlite3_exec(db->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		mr_sqlite_fail(db, cause, "cannot read");
		return MR_SUMMARISE_FAILED;
	}
	struct mr_buf buffers[ROW_BUFFERS];
	void *items[ROW_BUFFERS];
	for (size_t i = 0; i < ROW_BUFFERS; i++) {
		mr_buf_init(&buffers[i]);
		items[i] = &buffers[i];
	}
	struct gathering g = { .clean = true };
	g.handoff = mr_handoff_start(items, ROW_BUFFERS, feed_rows, facts);
	g.rows = mr_handoff_take(g.handoff);
	char *msgs = messages_sql(db->db), *rcpts = recipients_sql(db->db);
	enum mr_summarise done = MR_SUMMARISE_FAILED;
	if (sqlite3_prepare_v2(db->db, msgs, -1, &g.msgs, NULL) != SQLITE_OK ||
		sqlite3_prepare_v2(db->db, rcpts, -1, &g.rcpts, NULL) != SQLITE_OK) {
		mr_sqlite_fail(db, cause, "cannot read");
	} else {
		done = gather(db, &g, cause);
	}
	/* The facts are used only when done; then every row reaches them. */
	if (done == MR_SUMMARISE_DONE) {
		mr_handoff_pass(g.handoff, g.rows);
	}
	mr_handoff_finish(g.handoff);
	for (size_t i = 0; i < ROW_BUFFERS; i++) {
		mr_buf_finish(&buffers[i]);
	}
	sqlite3_finalize(g.msgs);
	sqlite3_finalize(g.rcpts);
	sqlite3_exec(db->db, "COMMIT", NULL, NULL, NULL);
	free(msgs);
	free(rcpts);
	return done;
}
