/*
 * The Postfix backend against a real, private Postfix instance that
 * tests/postfix.sh starts and fills: 3 messages to greylist@sink.test, 1 to
 * full@sink.test, 1 to user@refused.test, 1 to greylist@ and full@sink.test,
 * 1 to user@tarpit.test (greeting timeout), all deferred, and one bounce. Every action is checked
 * in a fresh listing.
 *
 *   test_postfix CONFIG_DIR
 *   test_postfix --unprivileged sudo|refused CONFIG_DIR   (as another user)
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend.h"
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

static const struct mr_message *in(const struct mr_snapshot *snap, const char *id) {
	return snap ? mr_snapshot_find(snap, id) : NULL;
}

/* Runs one action on ids and checks each outcome (and detail, if given). */
static void act(enum mr_action action, const char *const *ids, size_t n,
	const enum mr_outcome *want, const char *const *want_detail, const char *what) {
	struct mr_action_request req = { .action = action, .ids = ids, .n_ids = n };
	struct mr_action_report report;
	mr_source_act(src, &req, &report);
	bool ok = report.n_results == n;
	for (size_t i = 0; ok && i < n; i++) {
		const struct mr_action_result *r = &report.results[i];
		bool same = strcmp(r->id, ids[i]) == 0 && r->outcome == want[i] &&
			    (want_detail == NULL || want_detail[i] == NULL ||
				    (r->detail && strstr(r->detail, want_detail[i])));
		if (!same) {
			t_note("%s: got %s (%s), want %s", r->id, mr_outcome_name(r->outcome),
				r->detail ? r->detail : "", mr_outcome_name(want[i]));
		}
		ok = ok && same;
	}
	T_OK(ok, "%s", what);
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
	src = mr_source_open(mr_backend_registry, arg, &cause);
	free(arg);
	if (!T_OK(src != NULL, "%s: opens (%s)", mode, cause ? cause : "")) {
		return t_done();
	}
	if (strcmp(mode, "refused") == 0) {
		struct mr_snapshot *snap = mr_source_list(src, &cause);
		T_OK(snap == NULL && cause && strstr(cause, "postqueue -c ") &&
				strstr(cause, "needs root") && strstr(cause, "sudo -n refused") &&
				strstr(cause, "alternate_config_directories") &&
				!strchr(cause, '\n'),
			"no sudo: listing says postqueue -c needs root and sudo -n refused (%s)",
			cause ? cause : "listed");
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
		T_OK(id != NULL, "sudo: lists the queue (postqueue through sudo -n)");
		if (id != NULL) {
			const char *one[] = { id };
			act(MR_ACTION_HOLD, one, 1, (enum mr_outcome[]){ MR_OUTCOME_DONE }, NULL,
				"sudo: hold through sudo -n postsuper");
			struct mr_snapshot *snap = list();
			T_OK(in(snap, id) && in(snap, id)->queue == MR_QUEUE_HOLD,
				"sudo: held in a fresh listing");
			mr_snapshot_destroy(snap);
			struct mr_buf headers, body;
			mr_buf_init(&headers);
			mr_buf_init(&body);
			bool got = mr_source_content(src, id, &headers, &body, &cause);
			T_OK(got && strstr(headers.data, "Subject:") != NULL,
				"sudo: the message through sudo -n postcat (%s)", got ? "" : cause);
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

int main(int argc, char **argv) {
	if (argc == 4 && strcmp(argv[1], "--unprivileged") == 0) {
		return unprivileged(argv[2], argv[3]);
	}
	if (argc < 2) {
		t_skip_all(
			"usage: test_postfix CONFIG_DIR | --unprivileged sudo|refused CONFIG_DIR");
	}
	char *arg = mr_xasprintf("postfix:%s", argv[1]);
	char *cause = NULL;
	src = mr_source_open(mr_backend_registry, arg, &cause);
	if (!T_OK(src != NULL, "opens %s (%s)", arg, cause ? cause : "")) {
		return t_done();
	}
	struct mr_snapshot *snap = list();
	T_OK(snap && snap->queue_counts[MR_QUEUE_DEFERRED] == 7, "lists the 7 deferred messages");
	size_t reasons = 0, rcpts = 0;
	for (size_t i = 0; snap && i < snap->n_messages; i++) {
		const struct mr_message *m = &snap->messages[i];
		for (uint32_t r = 0; m->queue == MR_QUEUE_DEFERRED && r < m->n_rcpts; r++) {
			rcpts++;
			reasons += mr_message_rcpt(snap, m, r)->reason != NULL;
		}
	}
	T_OK(rcpts == 8 && reasons == 8, "every recipient with its reason (%zu of %zu)", reasons,
		rcpts);
	/* nouser@ bounced: gone from the queue, found in the mail log. */
	const struct mr_message *bounced = NULL;
	for (size_t i = 0; snap && i < snap->n_messages; i++) {
		if (snap->messages[i].queue == MR_QUEUE_BOUNCED) {
			bounced = &snap->messages[i];
		}
	}
	const struct mr_recipient *br =
		bounced && bounced->n_rcpts == 1 ? mr_message_rcpt(snap, bounced, 0) : NULL;
	T_OK(snap && snap->queue_counts[MR_QUEUE_BOUNCED] == 1 && br &&
			strcmp(br->address, "nouser@sink.test") == 0 &&
			br->state == MR_RCPT_BOUNCED && br->reason &&
			strstr(t_text(br->reason), "550 5.1.1 User unknown") &&
			strcmp(bounced->sender, "mqtest@sink.test") == 0 && bounced->size > 0,
		"the bounce is listed from the mail log, with its reason");
	/* qmgr sets a deferred file's time to its next attempt. */
	size_t timed = 0;
	for (size_t i = 0; snap && i < snap->n_messages; i++) {
		const struct mr_message *m = &snap->messages[i];
		timed += m->next_retry != MR_TIME_UNKNOWN && m->next_retry > m->arrival;
	}
	T_INT(timed, 7, "every deferred message has its next retry time (as root)");
	mr_snapshot_destroy(snap);

	char *grey0 = find_id("greylist@sink.test", 0), *grey1 = find_id("greylist@sink.test", 1);
	char *grey2 = find_id("greylist@sink.test", 2), *full = find_id("full@sink.test", 0);
	char *refused = find_id("user@refused.test", 0);
	char *tarpit = find_id("user@tarpit.test", 0);
	snap = list();
	const struct mr_message *tm = tarpit ? in(snap, tarpit) : NULL;
	const struct mr_diagnosis *td =
		tm ? mr_recipient_diagnosis(snap, mr_message_rcpt(snap, tm, 0)) : NULL;
	T_OK(td && td->stage == MR_STAGE_GREETING && td->temporary == 1 && td->basic == 0,
		"a greeting timeout: stage greeting, temporary, no reply code");
	mr_snapshot_destroy(snap);
	free(tarpit);
	if (!T_OK(grey0 && grey1 && grey2 && full && refused, "the messages are where expected")) {
		return t_done();
	}

	const char *one[] = { grey0 };
	act(MR_ACTION_HOLD, one, 1, (enum mr_outcome[]){ MR_OUTCOME_DONE }, NULL, "hold: done");
	snap = list();
	T_OK(in(snap, grey0) && in(snap, grey0)->queue == MR_QUEUE_HOLD, "hold: now in hold");
	mr_snapshot_destroy(snap);
	act(MR_ACTION_HOLD, one, 1, (enum mr_outcome[]){ MR_OUTCOME_DONE },
		(const char *[]){ "already on hold" }, "hold again: done, already on hold");
	act(MR_ACTION_RETRY, one, 1, (enum mr_outcome[]){ MR_OUTCOME_FAILED },
		(const char *[]){ "on hold" }, "retry on held mail: refused, release it first");
	act(MR_ACTION_RELEASE, one, 1, (enum mr_outcome[]){ MR_OUTCOME_DONE }, NULL,
		"release: done");
	snap = list();
	T_OK(in(snap, grey0) && in(snap, grey0)->queue == MR_QUEUE_DEFERRED,
		"release: back in deferred");
	mr_snapshot_destroy(snap);
	act(MR_ACTION_RELEASE, one, 1, (enum mr_outcome[]){ MR_OUTCOME_FAILED },
		(const char *[]){ "not on hold" }, "release again: not on hold");

	/* A batch in order, with an id that is not there and one that is bad. */
	const char *batch[] = { grey1, "B0GUS000000", refused, "bad/id" };
	act(MR_ACTION_HOLD, batch, 4,
		(enum mr_outcome[]){
			MR_OUTCOME_DONE, MR_OUTCOME_NOT_FOUND, MR_OUTCOME_DONE, MR_OUTCOME_FAILED },
		(const char *[]){ NULL, NULL, NULL, "not a valid queue id" },
		"hold a batch: per-id outcomes, in order");
	const char *released[] = { grey1, refused };
	act(MR_ACTION_RELEASE, released, 2, (enum mr_outcome[]){ MR_OUTCOME_DONE, MR_OUTCOME_DONE },
		NULL, "release the batch");

	act(MR_ACTION_RETRY, (const char *[]){ refused }, 1, (enum mr_outcome[]){ MR_OUTCOME_DONE },
		NULL, "retry now: done");
	act(MR_ACTION_RETRY, (const char *[]){ "B0GUS000000" }, 1,
		(enum mr_outcome[]){ MR_OUTCOME_NOT_FOUND }, NULL,
		"retry a vanished id: not found");

	act(MR_ACTION_EXPIRE, (const char *[]){ full }, 1, (enum mr_outcome[]){ MR_OUTCOME_DONE },
		NULL, "expire: done");
	snap = list();
	const struct mr_message *m = in(snap, full);
	T_OK(m == NULL || (m->flags & MR_MSG_FORCED_EXPIRE), "expire: marked forced_expire");
	mr_snapshot_destroy(snap);

	struct mr_buf headers, body;
	mr_buf_init(&headers);
	mr_buf_init(&body);
	T_OK(mr_source_content(src, grey2, &headers, &body, &cause) &&
			strstr(headers.data, "Subject:") != NULL && body.len > 0,
		"content: headers and body (%s)", cause ? cause : "");
	free(cause);
	cause = NULL;

	/* Requeue: pickup gives it a new id, which the report names. */
	struct mr_action_request rq = {
		.action = MR_ACTION_REQUEUE, .ids = (const char *[]){ grey2 }, .n_ids = 1
	};
	struct mr_action_report requeued;
	mr_source_act(src, &rq, &requeued);
	const struct mr_action_result *res = requeued.n_results == 1 ? &requeued.results[0] : NULL;
	T_OK(res && res->outcome == MR_OUTCOME_DONE && res->new_id &&
			strcmp(res->new_id, grey2) != 0 && mr_queue_id_valid(res->new_id),
		"requeue: done, with the new queue id (%s)", res && res->detail ? res->detail : "");
	snap = list();
	T_OK(res && res->new_id && in(snap, res->new_id) && !in(snap, grey2),
		"requeue: the new id is queued, the old one is gone");
	mr_snapshot_destroy(snap);
	mr_action_report_finish(&requeued);

	act(MR_ACTION_DELETE, (const char *[]){ grey1 }, 1, (enum mr_outcome[]){ MR_OUTCOME_DONE },
		NULL, "delete: done");
	snap = list();
	T_OK(snap && !in(snap, grey1), "delete: gone from the listing");
	mr_snapshot_destroy(snap);
	act(MR_ACTION_DELETE, (const char *[]){ grey1 }, 1,
		(enum mr_outcome[]){ MR_OUTCOME_NOT_FOUND }, NULL, "delete again: not found");
	T_OK(!mr_source_content(src, grey1, &headers, &body, &cause) && cause &&
			strstr(cause, "no longer in the queue"),
		"content of a deleted message: says it is gone (%s)", cause ? cause : "");
	free(cause);
	mr_buf_finish(&headers);
	mr_buf_finish(&body);

	/* Expired and retried now: returned to the sender, then in the log. */
	/* Retry it now unless qmgr already has (then it is not found). */
	struct mr_action_request now = {
		.action = MR_ACTION_RETRY, .ids = (const char *[]){ full }, .n_ids = 1
	};
	struct mr_action_report retried;
	mr_source_act(src, &now, &retried);
	mr_action_report_finish(&retried);
	bool returned = false;
	for (int tries = 0; tries < 50 && !returned; tries++) {
		snap = list();
		m = in(snap, full);
		returned = m && m->queue == MR_QUEUE_BOUNCED && m->n_rcpts == 1 &&
			   mr_message_rcpt(snap, m, 0)->reason &&
			   strstr(t_text(mr_message_rcpt(snap, m, 0)->reason),
				   "452 4.2.2 Mailbox full");
		mr_snapshot_destroy(snap);
		if (!returned) {
			struct timespec pause = { 0, 200 * 1000 * 1000 };
			nanosleep(&pause, NULL);
		}
	}
	T_OK(returned, "expired: returned to the sender, listed as bounced with its last reason");

	struct mr_action_request prio = {
		.action = MR_ACTION_SET_PRIORITY, .ids = (const char *[]){ grey0 }, .n_ids = 1
	};
	struct mr_action_report report;
	mr_source_act(src, &prio, &report);
	T_OK(report.n_results == 1 && report.results[0].outcome == MR_OUTCOME_FAILED &&
			strstr(report.results[0].detail, "no priority"),
		"set priority: refused with the reason (%s)",
		report.n_results ? report.results[0].detail : "");
	mr_action_report_finish(&report);

	free(grey0), free(grey1), free(grey2), free(full), free(refused);
	free(arg);
	mr_source_destroy(src);
	return t_done();
}
