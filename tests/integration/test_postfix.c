/*
 * The Postfix backend against a real, private Postfix instance that
 * tests/postfix.sh starts and fills: 3 messages to greylist@sink.test, 1 to
 * full@sink.test, 1 to user@refused.test, 1 to greylist@ and full@sink.test,
 * 1 to user@tarpit.test (greeting timeout), all deferred, and one bounce. Every action is checked
 * in a fresh listing. tests/postfix.sh itself retries mail that can be delivered, and with the
 * flush service off.
 *
 *   test_postfix CONFIG_DIR
 *   test_postfix --unprivileged sudo|refused CONFIG_DIR   (as another user)
 *   test_postfix --history CONFIG_DIR MAILLOG   (after tests/postfix.sh sent one
 *       message to greylist@ and nouser@sink.test: the delivery history)
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend.h"
#include "clock.h"
#include "harness.h"
#include "registry.h"
#include "xalloc.h"

static struct mr_source *src;

static struct mr_snapshot *list(void) {
	char *cause = NULL;
	struct mr_snapshot *snap = mr_source_list(src, &cause);
	if (snap == NULL) {
		t_note("listing failed: %s", cause);
		free(cause);
	}
	return snap;
}

/* The id of the n-th listed message with a recipient at rcpt (NULL: none). */
static char *find_id(const char *rcpt, int n) {
	struct mr_snapshot *snap = list();
	char *id = NULL;
	for (size_t i = 0; snap && i < snap->n_messages && id == NULL; i++) {
		const struct mr_message *m = &snap->messages[i];
		if (m->n_rcpts == 1 && strcmp(mr_message_rcpt(snap, m, 0)->address, rcpt) == 0 &&
			n-- == 0) {
			id = mr_xstrdup(m->id);
		}
	}
	mr_snapshot_destroy(snap);
	return id;
}

/* Where a listing shows id: its queue's name, "gone", or "(no listing)". */
static const char *queue_of(const struct mr_snapshot *snap, const char *id) {
	if (snap == NULL) {
		return "(no listing)";
	}
	const struct mr_message *m = mr_snapshot_find(snap, id);
	return m ? mr_queue_name(m->queue) : "gone";
}

/* The same in a fresh listing (queue names are static strings). */
static const char *queue_now(const char *id) {
	struct mr_snapshot *snap = list();
	const char *q = queue_of(snap, id);
	mr_snapshot_destroy(snap);
	return q;
}

/*
 * Runs one action on ids: one check that there is a result per id, one per
 * id for its id and outcome ("ID outcome", in order), and one for the words
 * its detail must contain when want_detail gives them.
 */
static void act(enum mr_action action, const char *const *ids, size_t n,
	const enum mr_outcome *want, const char *const *want_detail, const char *what) {
	struct mr_action_request req = { .action = action, .ids = ids, .n_ids = n };
	struct mr_action_report report;
	mr_source_act(src, &req, &report);
	T_INT(report.n_results, n, "%s: one result per id", what);
	for (size_t i = 0; i < n && i < report.n_results; i++) {
		const struct mr_action_result *r = &report.results[i];
		char *got = mr_xasprintf("%s %s", r->id, mr_outcome_name(r->outcome));
		char *wanted = mr_xasprintf("%s %s", ids[i], mr_outcome_name(want[i]));
		if (!T_STR(got, wanted, "%s: %s", what, wanted)) {
			t_note("  detail: %s", r->detail ? r->detail : "(none)");
		}
		if (want_detail != NULL && want_detail[i] != NULL) {
			T_HAS(r->detail, want_detail[i], "%s: %s says \"%s\"", what, ids[i],
				want_detail[i]);
		}
		free(got);
		free(wanted);
	}
	mr_action_report_finish(&report);
}

/*
 * Run as a user other than root (tests/postfix.sh uses setpriv): with sudo
 * allowed for the Postfix tools ("sudo"), everything works through sudo -n;
 * without ("refused"), listing and acting fail with a message that names the
 * tool and what it needs.
 */
static int unprivileged(const char *mode, const char *config_dir) {
	char *arg = mr_xasprintf("postfix:%s", config_dir);
	char *cause = NULL;
	src = mr_source_open(mr_backend_registry, arg, NULL, &cause);
	free(arg);
	if (!T_TRUE(src != NULL, cause, "%s: opens", mode)) {
		return t_done();
	}
	if (strcmp(mode, "refused") == 0) {
		struct mr_snapshot *snap = mr_source_list(src, &cause);
		T_NULL(snap, "no sudo: listing fails");
		T_HAS(cause, "postqueue -c ", "no sudo: the error names postqueue -c");
		T_HAS(cause, "needs root", "no sudo: the error says it needs root");
		T_HAS(cause, "sudo -n refused", "no sudo: the error says sudo -n refused");
		T_HAS(cause, "alternate_config_directories",
			"no sudo: the error names alternate_config_directories");
		T_LACKS(cause, "\n", "no sudo: the error is one line");
		mr_snapshot_destroy(snap);
		const char *ids[] = { "ABCDEF123" };
		act(MR_ACTION_HOLD, ids, 1, (enum mr_outcome[]){ MR_OUTCOME_FAILED },
			(const char *const[]){ "postsuper needs root" },
			"no sudo: hold fails, saying postsuper needs root");
	} else {
		/* A deferred message: the ones before may be held by now. */
		struct mr_snapshot *listed = list();
		char *id = NULL;
		for (size_t i = 0; listed && i < listed->n_messages && id == NULL; i++) {
			if (listed->messages[i].queue == MR_QUEUE_DEFERRED) {
				id = mr_xstrdup(listed->messages[i].id);
			}
		}
		mr_snapshot_destroy(listed);
		T_NONNULL(id, "sudo: lists the queue (postqueue through sudo -n)");
		if (id != NULL) {
			const char *one[] = { id };
			act(MR_ACTION_HOLD, one, 1, (enum mr_outcome[]){ MR_OUTCOME_DONE }, NULL,
				"sudo: hold through sudo -n postsuper");
			T_STR(queue_now(id), "hold", "sudo: held in a fresh listing");
			struct mr_buf headers, body;
			mr_buf_init(&headers);
			mr_buf_init(&body);
			bool got = mr_source_content(src, id, &headers, &body, &cause);
			T_TRUE(got, got ? NULL : cause,
				"sudo: the message through sudo -n postcat");
			T_HAS(headers.data, "Subject:", "sudo: postcat gives the headers");
			mr_buf_finish(&headers);
			mr_buf_finish(&body);
			act(MR_ACTION_RELEASE, one, 1, (enum mr_outcome[]){ MR_OUTCOME_DONE }, NULL,
				"sudo: released again");
			free(id);
		}
	}
	free(cause);
	mr_source_destroy(src);
	return t_done();
}

/* The listing's first checks: what tests/postfix.sh sent, as Postfix keeps it. */
static void check_listing(void) {
	struct mr_snapshot *snap = list();
	T_NONNULL(snap, "lists the queue");
	if (snap == NULL) {
		return;
	}
	T_INT(snap->queue_counts[MR_QUEUE_DEFERRED], 7, "lists the 7 deferred messages");
	size_t reasons = 0, rcpts = 0;
	for (size_t i = 0; i < snap->n_messages; i++) {
		const struct mr_message *m = &snap->messages[i];
		for (uint32_t r = 0; m->queue == MR_QUEUE_DEFERRED && r < m->n_rcpts; r++) {
			rcpts++;
			reasons += mr_message_rcpt(snap, m, r)->reason != NULL;
		}
	}
	T_INT(rcpts, 8, "8 deferred recipients");
	T_INT(reasons, 8, "every deferred recipient with its reason");
	/* nouser@ bounced: gone from the queue, found in the mail log. */
	T_INT(snap->queue_counts[MR_QUEUE_BOUNCED], 1, "one bounce, listed from the mail log");
	const struct mr_message *bounced = NULL;
	for (size_t i = 0; i < snap->n_messages; i++) {
		if (snap->messages[i].queue == MR_QUEUE_BOUNCED) {
			bounced = &snap->messages[i];
		}
	}
	if (bounced != NULL) {
		T_STR(bounced->sender, "mqtest@sink.test", "the bounce: its sender");
		T_OK(bounced->size > 0, "the bounce: its size (%llu)",
			(unsigned long long)bounced->size);
		T_INT(bounced->n_rcpts, 1, "the bounce: one recipient");
	}
	const struct mr_recipient *br =
		bounced && bounced->n_rcpts == 1 ? mr_message_rcpt(snap, bounced, 0) : NULL;
	if (br != NULL) {
		T_STR(br->address, "nouser@sink.test", "the bounce: its recipient");
		T_STR(mr_rcpt_state_name(br->state), "bounced", "the bounce: recipient bounced");
		T_HAS(t_text(br->reason), "550 5.1.1 User unknown", "the bounce: its reason");
	}
	/* qmgr sets a deferred file's time to its next attempt. */
	size_t timed = 0;
	for (size_t i = 0; i < snap->n_messages; i++) {
		const struct mr_message *m = &snap->messages[i];
		timed += m->next_retry != MR_TIME_UNKNOWN && m->next_retry > m->arrival;
	}
	T_INT(timed, 7, "every deferred message has its next retry time (as root)");
	mr_snapshot_destroy(snap);
}

/* The tarpit's greeting timeout, decoded. */
static void check_tarpit(void) {
	char *tarpit = find_id("user@tarpit.test", 0);
	struct mr_snapshot *snap = list();
	const struct mr_message *tm = tarpit && snap ? mr_snapshot_find(snap, tarpit) : NULL;
	const struct mr_diagnosis *td =
		tm ? mr_recipient_diagnosis(snap, mr_message_rcpt(snap, tm, 0)) : NULL;
	if (T_NONNULL(td, "the message to the tarpit, with a diagnosis")) {
		T_INT(td->stage, MR_STAGE_GREETING, "a greeting timeout: stage greeting");
		T_INT(td->temporary, 1, "a greeting timeout: temporary");
		T_INT(td->basic, 0, "a greeting timeout: no reply code");
	}
	mr_snapshot_destroy(snap);
	free(tarpit);
}

/* Requeue: pickup gives it a new id, which the report names. */
static void check_requeue(const char *id) {
	struct mr_action_request rq = {
		.action = MR_ACTION_REQUEUE, .ids = (const char *[]){ id }, .n_ids = 1
	};
	struct mr_action_report requeued;
	mr_source_act(src, &rq, &requeued);
	T_SIZE(requeued.n_results, 1, "requeue: one result");
	const char *new_id = NULL;
	if (requeued.n_results == 1) {
		const struct mr_action_result *res = &requeued.results[0];
		if (!T_STR(mr_outcome_name(res->outcome), "done", "requeue: done")) {
			t_note("  detail: %s", res->detail ? res->detail : "(none)");
		}
		new_id = res->new_id;
	}
	T_NONNULL(new_id, "requeue: the report names a new queue id");
	struct mr_snapshot *snap = list();
	T_NONNULL(snap, "requeue: the queue is listed after");
	T_STR(queue_of(snap, id), "gone", "requeue: the old id is gone");
	if (new_id != NULL) {
		T_TRUE(mr_queue_id_valid(new_id), new_id,
			"requeue: the new id is a valid queue id");
		T_TRUE(strcmp(new_id, id) != 0, new_id, "requeue: the new id is not the old one");
		/* pickup, then qmgr: incoming, active or deferred again, never gone. */
		T_NONNULL(snap ? mr_snapshot_find(snap, new_id) : NULL,
			"requeue: the new id is queued (%s)", queue_of(snap, new_id));
	}
	mr_snapshot_destroy(snap);
	mr_action_report_finish(&requeued);
}

/* After expire and retry: returned to the sender, so the mail log lists it as
 * bounced with its last reason (qmgr takes a moment: looked for 10 s). */
static void check_returned(const char *id) {
	const struct mr_recipient *rc = NULL;
	struct mr_snapshot *snap = NULL;
	for (int tries = 0; tries < 50; tries++) {
		mr_snapshot_destroy(snap);
		snap = list();
		const struct mr_message *m = snap ? mr_snapshot_find(snap, id) : NULL;
		if (m != NULL && m->queue == MR_QUEUE_BOUNCED) {
			rc = m->n_rcpts == 1 ? mr_message_rcpt(snap, m, 0) : NULL;
			break;
		}
		struct timespec pause = { 0, 200 * 1000 * 1000 };
		nanosleep(&pause, NULL);
	}
	T_STR(queue_of(snap, id), "bounced", "expired: returned to the sender, listed as bounced");
	T_NONNULL(rc, "expired: listed with its one recipient");
	if (rc != NULL) {
		T_HAS(t_text(rc->reason), "452 4.2.2 Mailbox full",
			"expired: listed with its last reason");
	}
	mr_snapshot_destroy(snap);
}

/* The delivery lines of the log for id and rcpt ("ID: to=<RCPT>," with a
 * status of an attempt), counted here with plain string search, apart from
 * the backend's parser. */
static int log_attempts(const char *log_path, const char *id, const char *rcpt) {
	FILE *f = fopen(log_path, "r");
	if (f == NULL) {
		return -1;
	}
	char *key = mr_xasprintf(": %s: to=<%s>,", id, rcpt);
	char *line = NULL;
	size_t cap = 0;
	int n = 0;
	while (getline(&line, &cap, f) > 0) {
		n += strstr(line, key) != NULL &&
		     (strstr(line, ", status=deferred (") != NULL ||
			     strstr(line, ", status=bounced (") != NULL ||
			     strstr(line, ", status=sent (") != NULL);
	}
	free(line);
	free(key);
	fclose(f);
	return n;
}

/* Every queued recipient's attempts and the log's lines for it, as
 * "ID RCPT N" lines; the log's side when log is true. */
static char *attempt_table(const struct mr_snapshot *snap, const char *log_path, bool log) {
	struct mr_buf out;
	mr_buf_init(&out);
	for (size_t i = 0; i < snap->n_messages; i++) {
		const struct mr_message *m = &snap->messages[i];
		for (uint32_t k = 0; m->queue != MR_QUEUE_BOUNCED && k < m->n_rcpts; k++) {
			const struct mr_recipient *r = mr_message_rcpt(snap, m, k);
			mr_buf_printf(&out, "%s %s %d\n", m->id, r->address,
				log ? log_attempts(log_path, m->id, r->address) : r->attempts);
		}
	}
	char *s = mr_buf_steal(&out);
	return s ? s : mr_xstrdup("");
}

/* The message to greylist@ (deferred) and nouser@sink.test (bounced):
 * postqueue -j lists only greylist@; the log has both attempts. */
static const struct mr_message *find_mixed(const struct mr_snapshot *snap) {
	for (size_t i = 0; snap && i < snap->n_messages; i++) {
		const struct mr_message *m = &snap->messages[i];
		if (m->queue == MR_QUEUE_DEFERRED && m->n_rcpts == 2 &&
			strcmp(mr_message_rcpt(snap, m, 0)->address, "greylist@sink.test") == 0 &&
			strcmp(mr_message_rcpt(snap, m, 1)->address, "nouser@sink.test") == 0) {
			return m;
		}
	}
	return NULL;
}

static int history(const char *config_dir, const char *log_path) {
	char *arg = mr_xasprintf("postfix:%s", config_dir);
	char *cause = NULL;
	src = mr_source_open(mr_backend_registry, arg, NULL, &cause);
	free(arg);
	if (!T_TRUE(src != NULL, cause, "history: opens")) {
		return t_done();
	}
	/* Postfix may try mail again while we look: a listing whose log did
	 * not grow around it is compared (up to 10 s for the mixed message). */
	struct mr_snapshot *snap = NULL;
	char *want = NULL, *got = NULL;
	/* When that listing ended: an attempt it found in the log was logged
	 * before then, though maybe after the listing began (taken_at): the
	 * log is read while postqueue runs, and postlogd stamps a line when
	 * it writes it. */
	int64_t listed_by = 0;
	for (int tries = 0; tries < 50; tries++) {
		free(want);
		free(got);
		mr_snapshot_destroy(snap);
		snap = list();
		listed_by = mr_now();
		if (snap == NULL) {
			break;
		}
		want = attempt_table(snap, log_path, true);
		got = attempt_table(snap, log_path, false);
		struct mr_snapshot *again = list();
		char *want_again = again ? attempt_table(again, log_path, true) : NULL;
		bool steady = want_again && strcmp(want, want_again) == 0;
		free(want_again);
		mr_snapshot_destroy(again);
		if (steady && find_mixed(snap) != NULL) {
			break;
		}
		struct timespec pause = { 0, 200 * 1000 * 1000 };
		nanosleep(&pause, NULL);
	}
	const struct mr_message *m = find_mixed(snap);
	if (!T_NONNULL(m, "history: the message to greylist@ and nouser@ is listed with both")) {
		return t_done();
	}
	T_STR(got, want, "history: every queued recipient's attempts are its lines in the log");
	T_INT(m->flags & (MR_MSG_HISTORY | MR_MSG_HISTORY_PARTIAL), MR_MSG_HISTORY,
		"history: read for it, and complete (the log begins before it)");
	const struct mr_recipient *grey = mr_message_rcpt(snap, m, 0);
	const struct mr_recipient *nouser = mr_message_rcpt(snap, m, 1);
	T_STR(mr_rcpt_state_name(grey->state), "deferred", "history: greylist@ still deferred");
	T_OK(grey->attempts >= 1, "history: greylist@ tried (%d)", grey->attempts);
	T_STR(mr_rcpt_state_name(nouser->state), "bounced",
		"history: nouser@ bounced while greylist@ is queued");
	T_HAS(t_text(nouser->reason), "550 5.1.1 User unknown", "history: nouser@'s own reason");
	const struct mr_diagnosis *d = mr_recipient_diagnosis(snap, nouser);
	T_STR(d ? mr_diagnosis_category(mr_kb_default(), d)->name : NULL, "unknown-user",
		"history: nouser@'s reason decoded");
	T_INT(nouser->attempts, 1, "history: nouser@ tried once");
	T_OK(nouser->last_attempt >= m->arrival && nouser->last_attempt <= listed_by,
		"history: nouser@'s attempt time (%lld, arrived %lld)",
		(long long)nouser->last_attempt, (long long)m->arrival);
	T_INT(m->attempts, grey->attempts, "history: the message's attempts are its most tried");
	size_t n;
	const struct mr_attempt *h = mr_message_history(snap, m, &n);
	T_SIZE(n, (size_t)grey->attempts + 1, "history: one attempt per delivery line");
	size_t bounced = 0, deferred = 0;
	for (size_t i = 0; i < n; i++) {
		const struct mr_attempt *a = &h[i];
		bool is_nouser = strcmp(a->recipient, "nouser@sink.test") == 0;
		T_STR(mr_attempt_status_name(a->status), is_nouser ? "bounced" : "deferred",
			"history: attempt %zu's status", i);
		T_STR(a->dsn, is_nouser ? "5.1.1" : "4.2.0", "history: attempt %zu's dsn", i);
		T_HAS(a->relay, "127.0.0.1[127.0.0.1]:", "history: attempt %zu's relay", i);
		T_OK(a->delays[0] != MR_DELAY_UNKNOWN && a->delays[3] != MR_DELAY_UNKNOWN,
			"history: attempt %zu's delays", i);
		T_HAS(t_text(a->reply), is_nouser ? "User unknown" : "Greylisted",
			"history: attempt %zu's reply", i);
		const struct mr_diagnosis *ad = mr_attempt_diagnosis(snap, a);
		T_STR(ad ? mr_diagnosis_category(mr_kb_default(), ad)->name : NULL,
			is_nouser ? "unknown-user" : "greylisting", "history: attempt %zu decoded",
			i);
		T_OK(i == 0 || a->when >= h[i - 1].when, "history: attempt %zu not before the last",
			i);
		bounced += is_nouser;
		deferred += !is_nouser;
	}
	T_SIZE(bounced, 1, "history: nouser@'s one attempt");
	free(want);
	free(got);
	mr_snapshot_destroy(snap);
	mr_source_destroy(src);
	return t_done();
}

int main(int argc, char **argv) {
	if (argc == 4 && strcmp(argv[1], "--unprivileged") == 0) {
		return unprivileged(argv[2], argv[3]);
	}
	if (argc == 4 && strcmp(argv[1], "--history") == 0) {
		return history(argv[2], argv[3]);
	}
	if (argc < 2) {
		t_skip_all(
			"usage: test_postfix CONFIG_DIR | --unprivileged sudo|refused CONFIG_DIR");
	}
	char *arg = mr_xasprintf("postfix:%s", argv[1]);
	char *cause = NULL;
	src = mr_source_open(mr_backend_registry, arg, NULL, &cause);
	if (!T_TRUE(src != NULL, cause, "opens %s", arg)) {
		return t_done();
	}
	check_listing();
	check_tarpit();

	char *grey0 = find_id("greylist@sink.test", 0), *grey1 = find_id("greylist@sink.test", 1);
	char *grey2 = find_id("greylist@sink.test", 2), *full = find_id("full@sink.test", 0);
	char *refused = find_id("user@refused.test", 0);
	int found = (grey0 != NULL) + (grey1 != NULL) + (grey2 != NULL);
	T_INT(found, 3, "the 3 messages to greylist@ alone are listed");
	T_NONNULL(full, "the message to full@ alone is listed");
	T_NONNULL(refused, "the message to user@refused.test is listed");
	if (found != 3 || full == NULL || refused == NULL) {
		return t_done();
	}

	const char *one[] = { grey0 };
	act(MR_ACTION_HOLD, one, 1, (enum mr_outcome[]){ MR_OUTCOME_DONE }, NULL, "hold");
	T_STR(queue_now(grey0), "hold", "hold: now in hold");
	act(MR_ACTION_HOLD, one, 1, (enum mr_outcome[]){ MR_OUTCOME_DONE },
		(const char *[]){ "already on hold" }, "hold again");
	act(MR_ACTION_RETRY, one, 1, (enum mr_outcome[]){ MR_OUTCOME_FAILED },
		(const char *[]){ "on hold: release it first" }, "retry on held mail");
	act(MR_ACTION_RELEASE, one, 1, (enum mr_outcome[]){ MR_OUTCOME_DONE }, NULL, "release");
	T_STR(queue_now(grey0), "deferred", "release: back in deferred");
	act(MR_ACTION_RELEASE, one, 1, (enum mr_outcome[]){ MR_OUTCOME_FAILED },
		(const char *[]){ "not on hold" }, "release again");

	/* A batch in order, with an id that is not there and one that is bad. */
	const char *batch[] = { grey1, "B0GUS000000", refused, "bad/id" };
	act(MR_ACTION_HOLD, batch, 4,
		(enum mr_outcome[]){
			MR_OUTCOME_DONE, MR_OUTCOME_NOT_FOUND, MR_OUTCOME_DONE, MR_OUTCOME_FAILED },
		(const char *[]){ NULL, NULL, NULL, "not a valid queue id" }, "hold a batch");
	const char *released[] = { grey1, refused };
	act(MR_ACTION_RELEASE, released, 2, (enum mr_outcome[]){ MR_OUTCOME_DONE, MR_OUTCOME_DONE },
		NULL, "release the batch");

	/* Still refused: tried at once, and deferred again. */
	act(MR_ACTION_RETRY, (const char *[]){ refused }, 1, (enum mr_outcome[]){ MR_OUTCOME_DONE },
		(const char *[]){ "tried, deferred again" }, "retry now");
	T_STR(queue_now(refused), "deferred", "retry now: deferred again");
	act(MR_ACTION_RETRY, (const char *[]){ "B0GUS000000" }, 1,
		(enum mr_outcome[]){ MR_OUTCOME_NOT_FOUND }, NULL, "retry a vanished id");

	act(MR_ACTION_EXPIRE, (const char *[]){ full }, 1, (enum mr_outcome[]){ MR_OUTCOME_DONE },
		NULL, "expire");
	/* postsuper -f only marks it: it is returned at its next attempt. */
	struct mr_snapshot *snap = list();
	const struct mr_message *m = snap ? mr_snapshot_find(snap, full) : NULL;
	T_STR(queue_of(snap, full), "deferred", "expire: still deferred until its next attempt");
	if (T_NONNULL(m, "expire: still listed")) {
		T_INT(m->flags & MR_MSG_FORCED_EXPIRE, MR_MSG_FORCED_EXPIRE,
			"expire: marked forced_expire");
	}

	mr_snapshot_destroy(snap);

	struct mr_buf headers, body;
	mr_buf_init(&headers);
	mr_buf_init(&body);
	bool got = mr_source_content(src, grey2, &headers, &body, &cause);
	T_TRUE(got, cause, "content: read");
	T_HAS(headers.data, "Subject:", "content: the headers");
	T_OK(body.len > 0, "content: a body (%zu bytes)", body.len);
	free(cause);
	cause = NULL;

	check_requeue(grey2);

	act(MR_ACTION_DELETE, (const char *[]){ grey1 }, 1, (enum mr_outcome[]){ MR_OUTCOME_DONE },
		NULL, "delete");
	T_STR(queue_now(grey1), "gone", "delete: gone from the listing");
	act(MR_ACTION_DELETE, (const char *[]){ grey1 }, 1,
		(enum mr_outcome[]){ MR_OUTCOME_NOT_FOUND }, NULL, "delete again");
	T_OK(!mr_source_content(src, grey1, &headers, &body, &cause),
		"content of a deleted message: fails");
	T_HAS(cause, "no longer in the queue", "content of a deleted message: says it is gone");
	free(cause);
	mr_buf_finish(&headers);
	mr_buf_finish(&body);

	/* Expired and retried now: returned to the sender, then in the log. */
	act(MR_ACTION_RETRY, (const char *[]){ full }, 1, (enum mr_outcome[]){ MR_OUTCOME_DONE },
		(const char *[]){ "returned to the sender: 452 4.2.2 Mailbox full" },
		"retry expired mail");
	check_returned(full);

	struct mr_action_request prio = {
		.action = MR_ACTION_SET_PRIORITY, .ids = (const char *[]){ grey0 }, .n_ids = 1
	};
	struct mr_action_report report;
	mr_source_act(src, &prio, &report);
	T_SIZE(report.n_results, 1, "set priority: one result");
	if (report.n_results == 1) {
		T_STR(mr_outcome_name(report.results[0].outcome), "failed",
			"set priority: refused");
		T_HAS(report.results[0].detail, "no priority",
			"set priority: says Postfix keeps no priority");
	}
	mr_action_report_finish(&report);

	free(grey0), free(grey1), free(grey2), free(full), free(refused);
	free(arg);
	mr_source_destroy(src);
	return t_done();
}
