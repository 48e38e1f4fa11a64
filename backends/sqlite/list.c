/* Reading a queue database: the listing and a message's content. */

#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "text.h"
#include "xalloc.h"

static const char messages_sql[] =
	"SELECT id, queue_id, queue, arrival_time, size, sender, priority, forced_expire "
	"FROM message ORDER BY id";
static const char recipients_sql[] =
	"SELECT message, address, original_address, state, reason, attempts, last_attempt, "
	"next_retry FROM recipient ORDER BY message, position";

static const char *column_text(sqlite3_stmt *stmt, int column) {
	const unsigned char *s = sqlite3_column_text(stmt, column);
	return s != NULL ? (const char *)s : "";
}

static const char *column_interned(struct mr_snapshot *snap, sqlite3_stmt *stmt, int column) {
	if (sqlite3_column_type(stmt, column) == SQLITE_NULL) {
		return NULL;
	}
	const char *s = column_text(stmt, column);
	return mr_snapshot_intern_len(snap, s, (size_t)sqlite3_column_bytes(stmt, column));
}

static const struct mr_text *column_reason(
	struct mr_snapshot *snap, sqlite3_stmt *stmt, int column) {
	if (sqlite3_column_type(stmt, column) == SQLITE_NULL) {
		return NULL;
	}
	const char *s = column_text(stmt, column);
	return mr_snapshot_reason(snap, s, (size_t)sqlite3_column_bytes(stmt, column));
}

static int64_t column_time(sqlite3_stmt *stmt, int column) {
	return sqlite3_column_type(stmt, column) == SQLITE_NULL
		       ? MR_TIME_UNKNOWN
		       : sqlite3_column_int64(stmt, column);
}

/* A row the schema's constraints should have kept out: a file edited by
 * hand or by another program. Named precisely, never skipped silently. */
static bool bad_row(const struct mr_sqlite *db, char **cause, const char *what, const char *value) {
	char *name = mr_text_visible_dup(mr_sqlite_name(db));
	char *shown = mr_text_visible_dup(value);
	mr_fail(cause, "%s: %s \"%s\"", name, what, shown);
	free(name);
	free(shown);
	return false;
}

/*
 * Two ordered scans merged by message key: one pass over each table, no
 * per-message query, so a million-message database lists in one sweep.
 */
static bool read_all(struct mr_sqlite *db, struct mr_snapshot *snap, sqlite3_stmt *msgs,
	sqlite3_stmt *rcpts, char **cause) {
	int rc_rcpt = sqlite3_step(rcpts);
	int rc;
	while ((rc = sqlite3_step(msgs)) == SQLITE_ROW) {
		int64_t key = sqlite3_column_int64(msgs, 0);
		const char *id = column_text(msgs, 1);
		if (!mr_queue_id_valid(id)) {
			return bad_row(db, cause, "invalid queue id", id);
		}
		struct mr_message *msg = mr_snapshot_add_message(snap, id);
		enum mr_queue queue;
		if (!mr_queue_parse(column_text(msgs, 2), &queue)) {
			return bad_row(db, cause, "unknown queue", column_text(msgs, 2));
		}
		msg->queue = (uint8_t)queue;
		msg->arrival = sqlite3_column_int64(msgs, 3);
		int64_t size = sqlite3_column_int64(msgs, 4);
		msg->size = size > 0 ? (uint64_t)size : 0;
		msg->sender = column_interned(snap, msgs, 5);
		msg->priority = (int32_t)sqlite3_column_int64(msgs, 6);
		msg->flags = MR_MSG_HAS_PRIORITY;
		if (sqlite3_column_int(msgs, 7) != 0) {
			msg->flags |= MR_MSG_FORCED_EXPIRE;
		}
		/* Recipients of messages that no longer exist cannot occur with
		 * foreign keys on; skip any that precede this message anyway. */
		while (rc_rcpt == SQLITE_ROW && sqlite3_column_int64(rcpts, 0) < key) {
			rc_rcpt = sqlite3_step(rcpts);
		}
		while (rc_rcpt == SQLITE_ROW && sqlite3_column_int64(rcpts, 0) == key) {
			struct mr_recipient *r =
				mr_snapshot_add_recipient(snap, column_text(rcpts, 1));
			r->original = column_interned(snap, rcpts, 2);
			enum mr_rcpt_state state;
			if (!mr_rcpt_state_parse(column_text(rcpts, 3), &state)) {
				return bad_row(db, cause, "unknown recipient state",
					column_text(rcpts, 3));
			}
			r->state = (uint8_t)state;
			r->reason = column_reason(snap, rcpts, 4);
			r->attempts = mr_attempts_clamp(sqlite3_column_int64(rcpts, 5));
			r->last_attempt = column_time(rcpts, 6);
			r->next_retry = column_time(rcpts, 7);
			rc_rcpt = sqlite3_step(rcpts);
		}
		if (rc_rcpt != SQLITE_ROW && rc_rcpt != SQLITE_DONE) {
			return mr_sqlite_fail(db, cause, "cannot read recipients");
		}
	}
	if (rc != SQLITE_DONE) {
		return mr_sqlite_fail(db, cause, "cannot read messages");
	}
	return true;
}

bool mr_sqlite_list(struct mr_source *src, struct mr_snapshot *snap, char **cause) {
	struct mr_sqlite *db = src->data;
	sqlite3_stmt *msgs = NULL, *rcpts = NULL;
	/* One read transaction: both scans see the same state of the queue. */
	if (sqlite3_exec(db->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		return mr_sqlite_fail(db, cause, "cannot read");
	}
	bool ok = false;
	if (sqlite3_prepare_v2(db->db, messages_sql, -1, &msgs, NULL) != SQLITE_OK ||
		sqlite3_prepare_v2(db->db, recipients_sql, -1, &rcpts, NULL) != SQLITE_OK) {
		mr_sqlite_fail(db, cause, "cannot read");
	} else {
		ok = read_all(db, snap, msgs, rcpts, cause);
	}
	sqlite3_finalize(msgs);
	sqlite3_finalize(rcpts);
	sqlite3_exec(db->db, "COMMIT", NULL, NULL, NULL);
	return ok;
}

bool mr_sqlite_content(struct mr_source *src, const char *id, struct mr_buf *headers,
	struct mr_buf *body, char **cause) {
	struct mr_sqlite *db = src->data;
	sqlite3_stmt *stmt;
	if (sqlite3_prepare_v2(db->db, "SELECT headers, body FROM message WHERE queue_id = ?", -1,
		    &stmt, NULL) != SQLITE_OK) {
		return mr_sqlite_fail(db, cause, "cannot read the message");
	}
	sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(stmt);
	bool ok = false;
	if (rc == SQLITE_ROW) {
		mr_buf_clear(headers);
		mr_buf_clear(body);
		bool kept = false;
		for (int col = 0; col < 2; col++) {
			struct mr_buf *out = col == 0 ? headers : body;
			if (sqlite3_column_type(stmt, col) != SQLITE_NULL) {
				kept = true;
				const void *data = sqlite3_column_blob(stmt, col);
				mr_buf_add(out, data, (size_t)sqlite3_column_bytes(stmt, col));
			}
		}
		ok = kept || mr_fail(cause, "%s: the queue keeps no content for it", id);
	} else if (rc == SQLITE_DONE) {
		mr_fail(cause, "%s: no such message (it may have left the queue)", id);
	} else {
		mr_sqlite_fail(db, cause, "cannot read the message");
	}
	sqlite3_finalize(stmt);
	return ok;
}
