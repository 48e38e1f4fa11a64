/*
 * Actions on a queue database. A batch runs in one IMMEDIATE transaction,
 * together with its action_log rows: either every outcome reported is in the
 * file, or (when the commit fails) none is, and every id says so.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "internal.h"
#include "queueid.h"
#include "user.h"
#include "xalloc.h"

enum stmt {
	FIND,
	SET_QUEUE,
	DUE_NOW,
	DELETE,
	EXPIRE,
	PRIORITY,
	REQUEUE_MESSAGE,
	REQUEUE_RECIPIENTS,
	ID_TAKEN,
	LOG,
	STMT_COUNT
};

static const char *const stmt_sql[STMT_COUNT] = {
	[FIND] = "SELECT id, queue, forced_expire, priority FROM message WHERE queue_id = ?",
	[SET_QUEUE] = "UPDATE message SET queue = ? WHERE id = ?",
	[DUE_NOW] = "UPDATE recipient SET next_retry = ? WHERE message = ? AND state = 'deferred'",
	[DELETE] = "DELETE FROM message WHERE id = ?",
	[EXPIRE] = "UPDATE message SET forced_expire = 1 WHERE id = ?",
	[PRIORITY] = "UPDATE message SET priority = ? WHERE id = ?",
	[REQUEUE_MESSAGE] =
		"UPDATE message SET queue_id = ?, queue = 'maildrop', forced_expire = 0 "
		"WHERE id = ?",
	[REQUEUE_RECIPIENTS] =
		"UPDATE recipient SET state = 'pending', reason = NULL, attempts = 0, "
		"last_attempt = NULL, next_retry = NULL "
		"WHERE message = ? AND state <> 'bounced'",
	[ID_TAKEN] = "SELECT 1 FROM message WHERE queue_id = ?",
	[LOG] = "INSERT INTO action_log (time, user, action, argument, queue_id, outcome, detail, "
		"new_queue_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
};

struct batch {
	struct mr_sqlite *db;
	sqlite3_stmt *stmt[STMT_COUNT];
	int64_t now;
	int error;      /* the first SQLite error; the batch is then rolled back */
	int32_t set_to; /* SET_PRIORITY: the priority the last message done got */
};

/* A priority step from where a message is, kept within 32 bits. */
static int32_t stepped(int32_t from, int32_t step) {
	int64_t to = (int64_t)from + step;
	return to > INT32_MAX ? INT32_MAX : to < INT32_MIN ? INT32_MIN : (int32_t)to;
}

struct target {
	sqlite3_int64 key;
	enum mr_queue queue;
	bool expired;
	int32_t priority;
};

/* Runs a bound statement to completion; false (and the error kept) if not. */
static bool run(struct batch *b, enum stmt which) {
	sqlite3_stmt *stmt = b->stmt[which];
	int rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		if (b->error == SQLITE_OK) {
			b->error = rc;
		}
		return false;
	}
	return true;
}

static bool run_key(struct batch *b, enum stmt which, sqlite3_int64 key) {
	sqlite3_bind_int64(b->stmt[which], 1, key);
	return run(b, which);
}

static bool set_queue(struct batch *b, const struct target *t, enum mr_queue queue) {
	sqlite3_bind_text(b->stmt[SET_QUEUE], 1, mr_queue_name(queue), -1, SQLITE_STATIC);
	sqlite3_bind_int64(b->stmt[SET_QUEUE], 2, t->key);
	return run(b, SET_QUEUE);
}

/* Deferred recipients become due now: the next queue run tries them. */
static bool due_now(struct batch *b, const struct target *t) {
	sqlite3_bind_int64(b->stmt[DUE_NOW], 1, b->now);
	sqlite3_bind_int64(b->stmt[DUE_NOW], 2, t->key);
	return run(b, DUE_NOW);
}

/* 0: found, 1: not found, -1: error. */
static int find(struct batch *b, const char *id, struct target *t) {
	sqlite3_stmt *stmt = b->stmt[FIND];
	sqlite3_bind_text(stmt, 1, id, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(stmt);
	int found = 1;
	if (rc == SQLITE_ROW) {
		t->key = sqlite3_column_int64(stmt, 0);
		const char *queue = (const char *)sqlite3_column_text(stmt, 1);
		if (queue == NULL || !mr_queue_parse(queue, &t->queue)) {
			t->queue = MR_QUEUE_CORRUPT;
		}
		t->expired = sqlite3_column_int(stmt, 2) != 0;
		t->priority = (int32_t)sqlite3_column_int64(stmt, 3);
		found = 0;
	} else if (rc != SQLITE_DONE) {
		b->error = b->error ? b->error : rc;
		found = -1;
	}
	sqlite3_reset(stmt);
	return found;
}

/*
 * Why an action cannot apply to a message in this queue, or NULL when it
 * can. This is the whole policy: everything else carries it out.
 */
static const char *refusal(enum mr_action action, enum mr_queue queue) {
	if (action == MR_ACTION_DELETE) {
		return NULL;
	}
	if (queue == MR_QUEUE_BOUNCED) {
		return "already bounced: only delete applies";
	}
	if (queue == MR_QUEUE_CORRUPT) {
		return "corrupt queue entry: only delete applies";
	}
	if (action == MR_ACTION_RETRY && queue == MR_QUEUE_HOLD) {
		return "on hold: release it first";
	}
	if ((action == MR_ACTION_RELEASE || action == MR_ACTION_RELEASE_RETRY) &&
		queue != MR_QUEUE_HOLD) {
		return "not on hold";
	}
	return NULL;
}

/* A queue id no message has yet, in the style of the existing ones. */
static bool fresh_id(struct batch *b, const char *old, char out[MR_QUEUE_ID_MAX + 1]) {
	static uint64_t counter;
	bool long_ids = strlen(old) > 12;
	for (int tries = 0; tries < 100; tries++) {
		uint64_t seed[3] = { (uint64_t)b->now, (uint64_t)getpid(), ++counter };
		mr_queue_id_make(mr_hash_bytes(seed, sizeof(seed)), long_ids, out);
		sqlite3_bind_text(b->stmt[ID_TAKEN], 1, out, -1, SQLITE_TRANSIENT);
		int rc = sqlite3_step(b->stmt[ID_TAKEN]);
		sqlite3_reset(b->stmt[ID_TAKEN]);
		if (rc == SQLITE_DONE) {
			return true;
		}
		if (rc != SQLITE_ROW) {
			b->error = b->error ? b->error : rc;
			return false;
		}
	}
	return false;
}

/* Carries out the action on one found message; adds its result. */
static void apply(struct batch *b, const struct mr_action_request *req, const char *id,
	const struct target *t, struct mr_action_report *out) {
	const char *refused = refusal(req->action, t->queue);
	if (refused != NULL) {
		mr_action_report_add(out, id, MR_OUTCOME_FAILED, false, "%s", refused);
		return;
	}
	bool ok = true;
	const char *detail = NULL;
	char new_id[MR_QUEUE_ID_MAX + 1] = "";
	switch (req->action) {
	case MR_ACTION_RETRY:
		if (t->queue == MR_QUEUE_DEFERRED) {
			ok = due_now(b, t);
		} else {
			detail = "already being delivered";
		}
		break;
	case MR_ACTION_HOLD:
		if (t->queue == MR_QUEUE_HOLD) {
			detail = "was already on hold";
		} else {
			ok = set_queue(b, t, MR_QUEUE_HOLD);
		}
		break;
	case MR_ACTION_RELEASE:
	case MR_ACTION_RELEASE_RETRY: /* released mail is due at once here */
		ok = set_queue(b, t, MR_QUEUE_DEFERRED) && due_now(b, t);
		break;
	case MR_ACTION_DELETE:
		ok = run_key(b, DELETE, t->key);
		break;
	case MR_ACTION_REQUEUE:
		ok = fresh_id(b, id, new_id);
		if (ok) {
			sqlite3_bind_text(
				b->stmt[REQUEUE_MESSAGE], 1, new_id, -1, SQLITE_TRANSIENT);
			sqlite3_bind_int64(b->stmt[REQUEUE_MESSAGE], 2, t->key);
			ok = run(b, REQUEUE_MESSAGE) && run_key(b, REQUEUE_RECIPIENTS, t->key);
		}
		break;
	case MR_ACTION_EXPIRE_NOW:
		/* As expire, and due now: the next attempt, which returns it,
		 * is at once. */
		ok = run_key(b, EXPIRE, t->key) &&
		     (t->queue != MR_QUEUE_HOLD || set_queue(b, t, MR_QUEUE_DEFERRED)) &&
		     due_now(b, t);
		detail = "returned to the sender at the next attempt, which is now";
		break;
	case MR_ACTION_EXPIRE:
		if (t->expired && t->queue != MR_QUEUE_HOLD) {
			detail = "was already expired";
			break;
		}
		ok = run_key(b, EXPIRE, t->key);
		if (ok && t->queue == MR_QUEUE_HOLD) {
			/* Held mail is never attempted, so it could never be
			 * returned: release it too, as postsuper -f does. */
			ok = set_queue(b, t, MR_QUEUE_DEFERRED);
			detail = "released from hold so that it can be returned";
		}
		break;
	case MR_ACTION_SET_PRIORITY:
		/* A step goes from the priority the message has now, read in
		 * this transaction: never from a listing another program may
		 * have changed since. */
		b->set_to = req->priority_step != 0 ? stepped(t->priority, req->priority_step)
						    : req->priority;
		sqlite3_bind_int64(b->stmt[PRIORITY], 1, b->set_to);
		sqlite3_bind_int64(b->stmt[PRIORITY], 2, t->key);
		ok = run(b, PRIORITY);
		break;
	case MR_ACTION_COUNT:
		ok = false;
		break;
	}
	if (!ok && b->error != SQLITE_OK) {
		/* The batch will be rolled back and every id reported failed. */
		return;
	}
	if (!ok) {
		mr_action_report_add(out, id, MR_OUTCOME_FAILED, true, "no free queue id found");
		return;
	}
	struct mr_action_result *r = NULL;
	if (req->action == MR_ACTION_SET_PRIORITY) {
		r = mr_action_report_add(out, id, MR_OUTCOME_DONE, false, "priority %d -> %d",
			(int)t->priority, (int)b->set_to);
	} else {
		r = mr_action_report_add(
			out, id, MR_OUTCOME_DONE, false, detail ? "%s" : NULL, detail);
	}
	if (*new_id != '\0') {
		r->new_id = mr_xstrdup(new_id);
	}
}

static bool log_result(
	struct batch *b, const struct mr_action_request *req, const struct mr_action_result *r) {
	sqlite3_stmt *stmt = b->stmt[LOG];
	/* The priority the message got (r is the result apply() added last);
	 * for one not changed, what was asked (a step as "+1" or "-1"). */
	char argument[16];
	if (r->outcome == MR_OUTCOME_DONE) {
		snprintf(argument, sizeof(argument), "%d", (int)b->set_to);
	} else if (req->priority_step != 0) {
		snprintf(argument, sizeof(argument), "%+d", (int)req->priority_step);
	} else {
		snprintf(argument, sizeof(argument), "%d", (int)req->priority);
	}
	sqlite3_bind_int64(stmt, 1, b->now);
	sqlite3_bind_text(stmt, 2, mr_user_name(), -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, mr_action_info(req->action)->name, -1, SQLITE_STATIC);
	if (req->action == MR_ACTION_SET_PRIORITY) {
		sqlite3_bind_text(stmt, 4, argument, -1, SQLITE_TRANSIENT);
	} else {
		sqlite3_bind_null(stmt, 4);
	}
	sqlite3_bind_text(stmt, 5, r->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 6, mr_outcome_name(r->outcome), -1, SQLITE_STATIC);
	if (r->detail != NULL) {
		sqlite3_bind_text(stmt, 7, r->detail, -1, SQLITE_STATIC);
	} else {
		sqlite3_bind_null(stmt, 7);
	}
	if (r->new_id != NULL) {
		sqlite3_bind_text(stmt, 8, r->new_id, -1, SQLITE_STATIC);
	} else {
		sqlite3_bind_null(stmt, 8);
	}
	return run(b, LOG);
}

/* Every id failed with the same cause: nothing of the batch was kept. */
static void fail_all(const struct mr_action_request *req, struct mr_action_report *report,
	bool retryable, const char *why) {
	for (size_t i = 0; i < req->n_ids; i++) {
		mr_action_report_add(report, req->ids[i], MR_OUTCOME_FAILED, retryable, "%s", why);
	}
}

static void fail_all_sqlite(struct batch *b, const struct mr_action_request *req,
	struct mr_action_report *report, int rc) {
	char *why;
	if ((rc & 0xff) == SQLITE_BUSY) {
		why = mr_xasprintf("the database is locked by another program "
				   "(waited %d ms); nothing was changed",
			b->db->busy_timeout_ms);
	} else {
		why = mr_xasprintf("%s; nothing was changed", sqlite3_errstr(rc));
	}
	fail_all(req, report, mr_sqlite_transient(rc), why);
	free(why);
}

void mr_sqlite_act(struct mr_source *src, const struct mr_action_request *req,
	struct mr_action_report *report) {
	struct batch b = { .db = src->data, .now = mr_now() };
	if (b.db->read_only) {
		fail_all(req, report, false, src->limits);
		return;
	}
	int rc = sqlite3_exec(b.db->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		fail_all_sqlite(&b, req, report, sqlite3_extended_errcode(b.db->db));
		return;
	}
	for (int i = 0; i < STMT_COUNT && b.error == SQLITE_OK; i++) {
		rc = sqlite3_prepare_v2(b.db->db, stmt_sql[i], -1, &b.stmt[i], NULL);
		if (rc != SQLITE_OK) {
			b.error = rc;
		}
	}
	/* Outcomes are collected aside and only published once committed. */
	struct mr_action_report pending;
	mr_action_report_init(&pending, req->action);
	for (size_t i = 0; i < req->n_ids && b.error == SQLITE_OK; i++) {
		struct target t;
		int found = find(&b, req->ids[i], &t);
		if (found == 1) {
			mr_action_report_add(&pending, req->ids[i], MR_OUTCOME_NOT_FOUND, false,
				"not in the queue (it may have been delivered or removed)");
		} else if (found == 0) {
			apply(&b, req, req->ids[i], &t, &pending);
		}
		if (b.error == SQLITE_OK) {
			log_result(&b, req, &pending.results[pending.n_results - 1]);
		}
	}
	for (int i = 0; i < STMT_COUNT; i++) {
		sqlite3_finalize(b.stmt[i]);
	}
	if (b.error == SQLITE_OK &&
		sqlite3_exec(b.db->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		b.error = sqlite3_extended_errcode(b.db->db);
	}
	if (b.error != SQLITE_OK) {
		sqlite3_exec(b.db->db, "ROLLBACK", NULL, NULL, NULL);
		fail_all_sqlite(&b, req, report, b.error);
	} else {
		for (size_t i = 0; i < pending.n_results; i++) {
			mr_action_report_append(report, &pending.results[i]);
		}
	}
	mr_action_report_finish(&pending);
}
