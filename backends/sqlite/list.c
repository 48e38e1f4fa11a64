/* Reading a queue database: the listing and a message's content. */

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "text.h"
#include "warnings.h"
#include "xalloc.h"

static const char messages_sql[] =
	"SELECT id, queue_id, queue, arrival_time, size, sender, priority, forced_expire "
	"FROM message ORDER BY id";
static const char recipients_sql[] =
	"SELECT message, address, original_address, state, reason, attempts, last_attempt, "
	"next_retry, position FROM recipient ORDER BY message, position";

/*
 * Every value is checked here, at the edge: the schema's STRICT tables and
 * constraints keep bad values out of files mailroom made, but a file with
 * our application_id and a looser schema (made by hand, by another tool)
 * can hold a NULL, text where a number belongs, a blob where text belongs,
 * or a number no queue can hold. Such a value is taken as a safe default
 * and the row gets one warning saying what was wrong; nothing after this
 * file sees a NULL it does not expect or a time of the year 5000. A row
 * whose queue id is not one cannot be acted on and is left out.
 */
struct reading {
	struct mr_sqlite *db;
	struct mr_snapshot *snap;
	struct mr_stream *stream; /* NULL: every message into snap */
	sqlite3_stmt *msgs, *rcpts;
	int rc_rcpt; /* the recipient scan's last step */
	/* Its row's message key, read once per step (each call into SQLite
	 * takes the connection's mutex); keyed false: not a whole number. */
	bool rcpt_keyed;
	sqlite3_int64 rcpt_key;
	struct mr_buf faults;   /* what is wrong with the current row */
	struct mr_buf nul_safe; /* a text with a NUL in it, stored as C0 80 */
	struct mr_warnings warnings;
	struct mr_strpool *ids; /* the ids seen, when the schema does not keep them unique */
	size_t orphans;         /* recipient rows of no message */
	size_t glimpsed;        /* messages when a glimpse was last offered */
	size_t rows;            /* message rows read, this one too */
};

static const char *type_name(int type) {
	switch (type) {
	case SQLITE_INTEGER:
		return "a whole number";
	case SQLITE_FLOAT:
		return "a real number";
	case SQLITE_TEXT:
		return "text";
	case SQLITE_BLOB:
		return "a blob";
	default:
		return "NULL";
	}
}

static void fault(struct reading *rd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fault(struct reading *rd, const char *fmt, ...) {
	if (rd->faults.len > 0) {
		mr_buf_add_str(&rd->faults, "; ");
	}
	va_list ap;
	va_start(ap, fmt);
	char *what = mr_xvasprintf(fmt, ap);
	va_end(ap);
	mr_buf_add_str(&rd->faults, what);
	free(what);
}

/* A text column's bytes (*len of them; a NUL in them stored as C0 80, as
 * text.h says, until the next call), or NULL for an SQL NULL where null_ok;
 * anything else is a fault and gives fallback. */
static const char *text_column(struct reading *rd, sqlite3_stmt *stmt, int col, const char *name,
	bool null_ok, const char *fallback, const char *taken_as, size_t *len) {
	int type = sqlite3_column_type(stmt, col);
	if (type == SQLITE_TEXT) {
		const char *s = (const char *)sqlite3_column_text(stmt, col);
		*len = (size_t)sqlite3_column_bytes(stmt, col);
		if (s == NULL) {
			return "";
		}
		if (memchr(s, '\0', *len) != NULL) {
			mr_buf_clear(&rd->nul_safe);
			mr_buf_add_nul_safe(&rd->nul_safe, s, *len);
			*len = rd->nul_safe.len;
			return rd->nul_safe.data;
		}
		return s;
	}
	if (type != SQLITE_NULL || !null_ok) {
		fault(rd, "%s is %s (taken as %s)", name, type_name(type), taken_as);
	}
	*len = fallback != NULL ? strlen(fallback) : 0;
	return type == SQLITE_NULL && null_ok ? NULL : fallback;
}

/* An integer column within [min, max]; anything else is a fault and gives
 * fallback. range says the bounds in words, for the warning. */
static int64_t int_column(struct reading *rd, sqlite3_stmt *stmt, int col, const char *name,
	int64_t min, int64_t max, const char *range, int64_t fallback, const char *taken_as) {
	int type = sqlite3_column_type(stmt, col);
	if (type != SQLITE_INTEGER) {
		fault(rd, "%s is %s (taken as %s)", name, type_name(type), taken_as);
		return fallback;
	}
	int64_t v = sqlite3_column_int64(stmt, col);
	if (v < min || v > max) {
		fault(rd, "%s %" PRId64 " is not %s (taken as %s)", name, v, range, taken_as);
		return fallback;
	}
	return v;
}

/* A time, or MR_TIME_UNKNOWN: 0 is how a file says unknown where the
 * column cannot be NULL, and NULL is where it can. */
static int64_t time_column(
	struct reading *rd, sqlite3_stmt *stmt, int col, const char *name, bool null_ok) {
	int type = sqlite3_column_type(stmt, col);
	if ((type == SQLITE_NULL && null_ok) ||
		(type == SQLITE_INTEGER && sqlite3_column_int64(stmt, col) == MR_TIME_UNKNOWN)) {
		return MR_TIME_UNKNOWN;
	}
	return int_column(rd, stmt, col, name, MR_TIME_MIN, MR_TIME_MAX, "a time from 1980 to 2100",
		MR_TIME_UNKNOWN, "unknown");
}

static const char *intern(struct mr_snapshot *snap, const char *s, size_t len) {
	return s != NULL ? mr_snapshot_intern_len(snap, s, len) : NULL;
}

/* The row's one warning, when something was wrong with it. */
static void warn_row(struct reading *rd, const char *row) {
	if (rd->faults.len > 0) {
		mr_warnings_add(
			&rd->warnings, "%s: %s: %s", mr_sqlite_name(rd->db), row, rd->faults.data);
		mr_buf_clear(&rd->faults);
	}
}

static void read_recipient(struct reading *rd, const char *msg_id, uint32_t index) {
	sqlite3_stmt *st = rd->rcpts;
	size_t len;
	const char *s = text_column(rd, st, 1, "address", false, "", "empty", &len);
	struct mr_recipient *r = mr_snapshot_add_recipient(rd->snap, NULL);
	r->address = intern(rd->snap, s, len);
	s = text_column(rd, st, 2, "original_address", true, NULL, "none", &len);
	r->original = intern(rd->snap, s, len);
	s = text_column(rd, st, 4, "reason", true, NULL, "none", &len);
	r->reason = s != NULL ? mr_snapshot_reason(rd->snap, s, len) : NULL;
	enum mr_rcpt_state state = r->reason ? MR_RCPT_DEFERRED : MR_RCPT_PENDING;
	const char *taken = r->reason ? "deferred, as it has a reason" : "pending";
	s = text_column(rd, st, 3, "state", false, NULL, taken, &len);
	if (s != NULL && !mr_rcpt_state_parse(s, &state)) {
		fault(rd, "state \"%.*s\" is not pending, deferred or bounced (taken as %s)",
			len > 40 ? 40 : (int)len, s, taken);
	}
	r->state = (uint8_t)state;
	r->attempts = (int16_t)int_column(rd, st, 5, "attempts", 0, INT16_MAX, "from 0 to 32767",
		MR_ATTEMPTS_UNKNOWN, "unknown");
	r->last_attempt = time_column(rd, st, 6, "last_attempt", true);
	r->next_retry = time_column(rd, st, 7, "next_retry", true);
	if (rd->faults.len > 0) {
		char *row =
			sqlite3_column_type(st, 8) == SQLITE_INTEGER
				? mr_xasprintf("message %s, recipient at position %lld", msg_id,
					  (long long)sqlite3_column_int64(st, 8))
				: mr_xasprintf("message %s, recipient %" PRIu32, msg_id, index + 1);
		warn_row(rd, row);
		free(row);
	}
}

static void next_rcpt(struct reading *rd) {
	rd->rc_rcpt = sqlite3_step(rd->rcpts);
	rd->rcpt_keyed =
		rd->rc_rcpt == SQLITE_ROW && sqlite3_column_type(rd->rcpts, 0) == SQLITE_INTEGER;
	rd->rcpt_key = rd->rcpt_keyed ? sqlite3_column_int64(rd->rcpts, 0) : 0;
}

/* Steps over the recipients before key (of no message: a message column
 * that is not a whole number is no message's), then takes the message's
 * own (into the snapshot unless msg_id is NULL: a row left out). */
static void take_recipients(struct reading *rd, sqlite3_int64 key, const char *msg_id) {
	while (rd->rc_rcpt == SQLITE_ROW && (!rd->rcpt_keyed || rd->rcpt_key < key)) {
		rd->orphans++;
		next_rcpt(rd);
	}
	for (uint32_t i = 0; rd->rcpt_keyed && rd->rcpt_key == key; i++) {
		if (msg_id != NULL) {
			read_recipient(rd, msg_id, i);
		}
		next_rcpt(rd);
	}
}

/* The message's queue id, or NULL (with a warning) when the row cannot be
 * listed: no queue id, or one listed before. */
static const char *message_id(struct reading *rd) {
	sqlite3_stmt *st = rd->msgs;
	int type = sqlite3_column_type(st, 1);
	const char *id = (const char *)sqlite3_column_text(st, 1);
	int len = sqlite3_column_bytes(st, 1);
	if (type == SQLITE_TEXT && id != NULL && strlen(id) == (size_t)len &&
		mr_queue_id_valid(id) && rd->ids == NULL) {
		return id; /* nearly every row: nothing to say */
	}
	const char *name = mr_sqlite_name(rd->db);
	/* Named by its key (the row id) when it has one. */
	char row[64];
	if (sqlite3_column_type(st, 0) == SQLITE_INTEGER) {
		snprintf(row, sizeof(row), "message row id=%lld",
			(long long)sqlite3_column_int64(st, 0));
	} else {
		snprintf(row, sizeof(row), "message row %zu (in id order)", rd->rows);
	}
	if (type != SQLITE_TEXT || id == NULL || strlen(id) != (size_t)len ||
		!mr_queue_id_valid(id)) {
		if (type == SQLITE_TEXT) {
			mr_warnings_add(&rd->warnings,
				"%s: %s: queue id \"%.*s\" is not one (1 to 64 of 0-9, A-Z, "
				"a-z); left out with its recipients",
				name, row, len > 80 ? 80 : len, id ? id : "");
		} else {
			mr_warnings_add(&rd->warnings,
				"%s: %s: queue id is %s; left out with its recipients", name, row,
				type_name(type));
		}
		return NULL;
	}
	if (rd->ids != NULL) {
		size_t before = mr_strpool_distinct(rd->ids);
		mr_strpool_intern(rd->ids, id, (size_t)len);
		if (mr_strpool_distinct(rd->ids) == before) {
			mr_warnings_add(&rd->warnings,
				"%s: %s: queue id %s is another row's too; the first is kept", name,
				row, id);
			return NULL;
		}
	}
	return id;
}

static void read_message(struct reading *rd) {
	sqlite3_stmt *st = rd->msgs;
	rd->rows++;
	bool keyed = sqlite3_column_type(st, 0) == SQLITE_INTEGER;
	sqlite3_int64 key = sqlite3_column_int64(st, 0);
	const char *id = message_id(rd);
	if (id == NULL) {
		if (keyed) {
			take_recipients(rd, key, NULL);
		}
		return;
	}
	struct mr_message *msg = mr_snapshot_add_message(rd->snap, id);
	size_t len;
	const char *s = text_column(rd, st, 2, "queue", false, NULL, "corrupt", &len);
	enum mr_queue queue = MR_QUEUE_CORRUPT;
	if (s != NULL && !mr_queue_parse(s, &queue)) {
		fault(rd, "queue \"%.*s\" is not a queue mailroom knows (taken as corrupt)",
			len > 40 ? 40 : (int)len, s);
		queue = MR_QUEUE_CORRUPT;
	}
	msg->queue = (uint8_t)queue;
	msg->arrival = time_column(rd, st, 3, "arrival_time", false);
	msg->size = (uint64_t)int_column(
		rd, st, 4, "size", 0, MR_SIZE_MAX, "from 0 to 1 TiB", 0, "0 bytes");
	s = text_column(rd, st, 5, "sender", false, "", "the null sender", &len);
	msg->sender = intern(rd->snap, s, len);
	msg->priority = (int32_t)int_column(
		rd, st, 6, "priority", INT32_MIN, INT32_MAX, "a 32-bit whole number", 0, "0");
	msg->flags = MR_MSG_HAS_PRIORITY;
	if (int_column(rd, st, 7, "forced_expire", 0, 1, "0 or 1", 0, "0") != 0) {
		msg->flags |= MR_MSG_FORCED_EXPIRE;
	}
	if (!keyed) {
		fault(rd, "id is %s, so its recipients cannot be found (listed without)",
			type_name(sqlite3_column_type(st, 0)));
	}
	if (rd->faults.len > 0) {
		char *row = mr_xasprintf("message %s", msg->id);
		warn_row(rd, row);
		free(row);
	}
	if (keyed) {
		take_recipients(rd, key, msg->id);
	}
}

/*
 * Two ordered scans merged by message key: one pass over each table, no
 * per-message query, so a million-message database lists in one sweep.
 */
static bool read_all(struct reading *rd, char **cause) {
	next_rcpt(rd);
	int rc;
	while ((rc = sqlite3_step(rd->msgs)) == SQLITE_ROW) {
		read_message(rd);
		if (rd->rc_rcpt != SQLITE_ROW && rd->rc_rcpt != SQLITE_DONE) {
			return mr_sqlite_fail(rd->db, cause, "cannot read recipients");
		}
		/* A message and its recipients are whole here. */
		if (mr_snapshot_glimpse_due(rd->snap, &rd->glimpsed)) {
			mr_snapshot_glimpse(rd->snap);
		}
		if (rd->stream != NULL) {
			bool offered = mr_stream_offer(rd->stream);
			rd->snap = rd->stream->batch; /* the next batch is another snapshot */
			if (!offered) {
				return false;
			}
		}
	}
	if (rc != SQLITE_DONE) {
		return mr_sqlite_fail(rd->db, cause, "cannot read messages");
	}
	while (rd->rc_rcpt == SQLITE_ROW) {
		rd->orphans++;
		next_rcpt(rd);
	}
	if (rd->orphans > 0) {
		mr_warnings_add(&rd->warnings, "%s: %zu recipient row%s of no message; left out",
			mr_sqlite_name(rd->db), rd->orphans, rd->orphans == 1 ? "" : "s");
	}
	return rd->rc_rcpt == SQLITE_DONE ||
	       mr_sqlite_fail(rd->db, cause, "cannot read recipients");
}

static bool read_listing(
	struct mr_source *src, struct mr_stream *stream, struct mr_snapshot *snap, char **cause) {
	struct mr_sqlite *db = src->data;
	struct reading rd = { .db = db, .snap = stream ? stream->batch : snap, .stream = stream };
	/* One read transaction: both scans see the same state of the queue. */
	if (sqlite3_exec(db->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		return mr_sqlite_fail(db, cause, "cannot read");
	}
	bool ok = false;
	mr_buf_init(&rd.faults);
	mr_buf_init(&rd.nul_safe);
	mr_warnings_init(&rd.warnings);
	rd.ids = db->unique_ids ? NULL : mr_strpool_create();
	if (sqlite3_prepare_v2(db->db, messages_sql, -1, &rd.msgs, NULL) != SQLITE_OK ||
		sqlite3_prepare_v2(db->db, recipients_sql, -1, &rd.rcpts, NULL) != SQLITE_OK) {
		mr_sqlite_fail(db, cause, "cannot read");
	} else {
		ok = read_all(&rd, cause);
	}
	sqlite3_finalize(rd.msgs);
	sqlite3_finalize(rd.rcpts);
	sqlite3_exec(db->db, "COMMIT", NULL, NULL, NULL);
	mr_source_take_warnings(src, &rd.warnings, mr_sqlite_name(db));
	mr_warnings_finish(&rd.warnings);
	mr_buf_finish(&rd.faults);
	mr_buf_finish(&rd.nul_safe);
	mr_strpool_destroy(rd.ids);
	return ok;
}

bool mr_sqlite_list(struct mr_source *src, struct mr_snapshot *snap, char **cause) {
	return read_listing(src, NULL, snap, cause);
}

/* Both scans go forward only: a batch is cut after any message. */
bool mr_sqlite_stream(struct mr_source *src, struct mr_stream *stream, char **cause) {
	return read_listing(src, stream, NULL, cause);
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
