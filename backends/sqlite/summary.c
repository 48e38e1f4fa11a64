/*
 * What `mailroom summary` needs of a queue database, read without a listing
 * (summary_facts.h): two ordered scans merged by message key, as the
 * listing's (list.c), of only the columns a summary counts by, fed to core
 * row by row; no snapshot is made, so a million messages cost their reading.
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
#include "internal.h"
#include "summary_facts.h"

/* The columns a listing checks but a summary does not read, as one test. */
#define RANGE(col, lo, hi)   "typeof(" col ") = 'integer' AND " col " BETWEEN " lo " AND " hi
#define TIME_OR_UNKNOWN(col) "(" col " = 0 OR " col " BETWEEN %" PRId64 " AND %" PRId64 ")"

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
static char *messages_sql(void) {
	struct mr_buf sql;
	mr_buf_init(&sql);
	mr_buf_printf(&sql,
		"SELECT id, queue_id, sender, arrival_time, CASE WHEN typeof(queue_id) = 'text' "
		"AND typeof(sender) = 'text' AND typeof(queue) = 'text' "
		"AND typeof(arrival_time) = 'integer' AND " TIME_OR_UNKNOWN(
			"arrival_time") " AND " RANGE("size", "0",
			"%" PRId64) " AND " RANGE("priority", "-2147483648",
			"2147483647") " AND " RANGE("forced_expire", "0", "1") " THEN 2 * (",
		MR_TIME_MIN, MR_TIME_MAX, MR_SIZE_MAX);
	case_of_names(&sql, "queue", queue_name, MR_QUEUE_COUNT);
	mr_buf_add_str(&sql, ") + forced_expire ELSE -1 END FROM message ORDER BY id");
	return mr_buf_steal(&sql);
}

/* message, address, reason, and the state (-1 for a row the listing would
 * repair). */
static char *recipients_sql(void) {
	struct mr_buf sql;
	mr_buf_init(&sql);
	mr_buf_printf(&sql,
		"SELECT message, address, reason, CASE WHEN typeof(message) = 'integer' "
		"AND typeof(address) = 'text' AND (reason IS NULL OR typeof(reason) = 'text') "
		"AND (original_address IS NULL OR typeof(original_address) = 'text') "
		"AND " RANGE("attempts", "0",
			"32767") " AND (last_attempt IS NULL OR "
				 "(typeof(last_attempt) = 'integer' AND " TIME_OR_UNKNOWN(
					 "last_attempt") ")) "
							 "AND (next_retry IS NULL OR "
							 "(typeof(next_retry) = 'integer' "
							 "AND " TIME_OR_UNKNOWN(
								 "next_retry") ")) THEN ",
		MR_TIME_MIN, MR_TIME_MAX, MR_TIME_MIN, MR_TIME_MAX);
	case_of_names(&sql, "state", state_name, MR_RCPT_STATE_COUNT);
	mr_buf_add_str(&sql, " ELSE -1 END FROM recipient ORDER BY message, position");
	return mr_buf_steal(&sql);
}

struct gathering {
	sqlite3_stmt *msgs, *rcpts;
	struct mr_summary_facts *facts;
	int rc_rcpt; /* the recipient scan's last step */
	bool clean;  /* every row so far as the listing would take it */
};

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
		mr_summary_facts_recipient(g->facts, address, address_len,
			(enum mr_rcpt_state)state, reason, reason_len);
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
	mr_summary_facts_message(g->facts, (enum mr_queue)(code / 2), (code & 1) != 0,
		sqlite3_column_int64(st, 3), sender, sender_len);
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
	struct gathering g = { .facts = facts, .clean = true };
	char *msgs = messages_sql(), *rcpts = recipients_sql();
	enum mr_summarise done = MR_SUMMARISE_FAILED;
	if (sqlite3_prepare_v2(db->db, msgs, -1, &g.msgs, NULL) != SQLITE_OK ||
		sqlite3_prepare_v2(db->db, rcpts, -1, &g.rcpts, NULL) != SQLITE_OK) {
		mr_sqlite_fail(db, cause, "cannot read");
	} else {
		done = gather(db, &g, cause);
	}
	sqlite3_finalize(g.msgs);
	sqlite3_finalize(g.rcpts);
	sqlite3_exec(db->db, "COMMIT", NULL, NULL, NULL);
	free(msgs);
	free(rcpts);
	return done;
}
