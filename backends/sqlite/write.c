/* Writing whole snapshots into a queue database (generator, demo). */

#include "internal.h"
#include "xalloc.h"

static const char insert_message_sql[] =
	"INSERT INTO message (queue_id, queue, arrival_time, size, sender, priority, "
	"forced_expire, headers, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char insert_recipient_sql[] =
	"INSERT INTO recipient (message, position, address, original_address, state, reason, "
	"attempts, last_attempt, next_retry) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";

static void bind_text_or_null(sqlite3_stmt *stmt, int column, const char *s) {
	if (s == NULL) {
		sqlite3_bind_null(stmt, column);
	} else {
		sqlite3_bind_text(stmt, column, s, -1, SQLITE_STATIC);
	}
}

/* SQLite takes its own copy: the text may be assembled in a scratch buffer. */
static void bind_reason(sqlite3_stmt *stmt, int column, const struct mr_text *reason) {
	if (reason == NULL) {
		sqlite3_bind_null(stmt, column);
		return;
	}
	struct mr_buf text;
	mr_buf_init(&text);
	sqlite3_bind_text(
		stmt, column, mr_text_str(reason, &text), (int)reason->len, SQLITE_TRANSIENT);
	mr_buf_finish(&text);
}

static void bind_time(sqlite3_stmt *stmt, int column, int64_t t) {
	if (t == MR_TIME_UNKNOWN) {
		sqlite3_bind_null(stmt, column);
	} else {
		sqlite3_bind_int64(stmt, column, t);
	}
}

static void bind_blob_or_null(sqlite3_stmt *stmt, int column, const struct mr_buf *buf) {
	if (buf->len == 0) {
		sqlite3_bind_null(stmt, column);
	} else {
		sqlite3_bind_blob(stmt, column, buf->data, (int)buf->len, SQLITE_STATIC);
	}
}

static bool insert_message(struct mr_sqlite *db, sqlite3_stmt *ins_msg, sqlite3_stmt *ins_rcpt,
	const struct mr_snapshot *snap, const struct mr_message *msg, const struct mr_buf *headers,
	const struct mr_buf *body, char **cause) {
	sqlite3_reset(ins_msg);
	sqlite3_bind_text(ins_msg, 1, msg->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(ins_msg, 2, mr_queue_name(msg->queue), -1, SQLITE_STATIC);
	sqlite3_bind_int64(ins_msg, 3, msg->arrival);
	sqlite3_bind_int64(ins_msg, 4, (sqlite3_int64)msg->size);
	sqlite3_bind_text(ins_msg, 5, msg->sender, -1, SQLITE_STATIC);
	sqlite3_bind_int64(ins_msg, 6, msg->priority);
	sqlite3_bind_int(ins_msg, 7, (msg->flags & MR_MSG_FORCED_EXPIRE) != 0);
	bind_blob_or_null(ins_msg, 8, headers);
	bind_blob_or_null(ins_msg, 9, body);
	if (sqlite3_step(ins_msg) != SQLITE_DONE) {
		return mr_sqlite_fail(db, cause, "cannot insert a message");
	}
	sqlite3_int64 key = sqlite3_last_insert_rowid(db->db);
	for (uint32_t i = 0; i < msg->n_rcpts; i++) {
		const struct mr_recipient *r = mr_message_rcpt(snap, msg, i);
		sqlite3_reset(ins_rcpt);
		sqlite3_bind_int64(ins_rcpt, 1, key);
		sqlite3_bind_int64(ins_rcpt, 2, i);
		sqlite3_bind_text(ins_rcpt, 3, r->address, -1, SQLITE_STATIC);
		bind_text_or_null(ins_rcpt, 4, r->original);
		sqlite3_bind_text(ins_rcpt, 5, mr_rcpt_state_name(r->state), -1, SQLITE_STATIC);
		bind_reason(ins_rcpt, 6, r->reason);
		sqlite3_bind_int64(ins_rcpt, 7, r->attempts > 0 ? r->attempts : 0);
		bind_time(ins_rcpt, 8, r->last_attempt);
		bind_time(ins_rcpt, 9, r->next_retry);
		if (sqlite3_step(ins_rcpt) != SQLITE_DONE) {
			return mr_sqlite_fail(db, cause, "cannot insert a recipient");
		}
	}
	return true;
}

bool mr_sqlite_insert(struct mr_sqlite *db, const struct mr_snapshot *snap,
	mr_sqlite_content_fn *content, void *ctx, char **cause) {
	sqlite3_stmt *ins_msg = NULL, *ins_rcpt = NULL;
	if (sqlite3_exec(db->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		return mr_sqlite_fail(db, cause, "cannot start writing");
	}
	bool ok =
		sqlite3_prepare_v2(db->db, insert_message_sql, -1, &ins_msg, NULL) == SQLITE_OK &&
		sqlite3_prepare_v2(db->db, insert_recipient_sql, -1, &ins_rcpt, NULL) == SQLITE_OK;
	if (!ok) {
		mr_sqlite_fail(db, cause, "cannot prepare to write");
	}
	struct mr_buf headers, body;
	mr_buf_init(&headers);
	mr_buf_init(&body);
	for (size_t i = 0; ok && i < snap->n_messages; i++) {
		const struct mr_message *msg = &snap->messages[i];
		mr_buf_clear(&headers);
		mr_buf_clear(&body);
		if (content != NULL) {
			content(ctx, snap, msg, &headers, &body);
		}
		ok = insert_message(db, ins_msg, ins_rcpt, snap, msg, &headers, &body, cause);
	}
	mr_buf_finish(&headers);
	mr_buf_finish(&body);
	sqlite3_finalize(ins_msg);
	sqlite3_finalize(ins_rcpt);
	if (ok && sqlite3_exec(db->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		ok = mr_sqlite_fail(db, cause, "cannot commit");
	}
	if (!ok) {
		sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
	}
	return ok;
}
