/*
 * "Retry now" on Postfix: postqueue -i ID for each id, and then what the
 * attempt did. postqueue -i says nothing of that (it is silent also for ids
 * that are gone), so the queue tells: it is listed once before, so that an id
 * that was not queued is "not found" rather than "delivered", and then
 * watched until the retried mail has left incoming and active. Each id then
 * gets one outcome: delivered (it left the queue), done and returned to the
 * sender (it left, bounced: the mail log says so), done and deferred again
 * (with the new reason), done and still under way (the watch ended first),
 * failed on hold, or failed with postqueue's own error. Listings are per
 * batch, never per id.
 */

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "internal.h"
#include "reason.h"
#include "textpool.h"
#include "xalloc.h"

/*
 * How long the queue is watched after the retries, and how often it is listed
 * meanwhile. qmgr takes retried mail from incoming at once, and a delivery to
 * a host that answers takes well under a second (1.2 s in the lab right after
 * a reload, when every delivery agent starts afresh); a host that does not
 * answer keeps mail in active for smtp_connect_timeout (30 s) or more, which no
 * operator should wait for at a prompt: such mail is reported as delivery
 * under way. Each poll is a whole postqueue -j, so not more than four a second.
 */
enum { RETRY_WATCH_MS = 5000, RETRY_POLL_MS = 250 };

/* A reason quoted in a detail: the reply without Postfix's wrapping, cut. */
enum { REASON_QUOTED_MAX = 120 };

struct retried {
	const char *id;
	const struct mr_message *before; /* as listed before; NULL: not listed */
	bool stopped;                    /* the operator stopped before it ran */
	bool ran;                        /* postqueue -i ran and exited 0 */
	bool retryable;                  /* !ran: whether trying again may help */
	char *error;                     /* !ran: what went wrong, in its words */
};

/* postqueue -i for one id: true, or false with its error in r. */
static bool retry_one(struct pf *pf, struct retried *r) {
	const char *args[] = { "-i", r->id, NULL };
	struct mr_command cmd = { .timeout_ms = 60 * 1000 };
	struct mr_command_result res;
	if (!pf_run(pf, PF_POSTQUEUE, args, &cmd, &res, &r->error)) {
		r->retryable = true; /* not run: the connection, not the message */
		return false;
	}
	if (res.exit_status != 0) {
		r->error = pf_failure(pf, PF_POSTQUEUE, &res);
		r->retryable = res.timed_out;
	}
	mr_command_result_finish(&res);
	return r->error == NULL;
}

/* A listing of the queue, or NULL with *cause. */
static struct mr_snapshot *list_queue(struct pf *pf, char **cause) {
	struct mr_snapshot *snap = mr_snapshot_create();
	if (!pf_list(pf, snap, NULL, cause)) {
		mr_snapshot_destroy(snap);
		return NULL;
	}
	return snap;
}

/* Whether a retried message is still on its way through the queue. */
static bool under_way(struct pf_listing *now, const struct retried *r, size_t n) {
	for (size_t i = 0; i < n; i++) {
		const struct mr_message *m = r[i].ran ? pf_listing_find(now, r[i].id) : NULL;
		if (m != NULL && (m->queue == MR_QUEUE_INCOMING || m->queue == MR_QUEUE_ACTIVE)) {
			return true;
		}
	}
	return false;
}

/*
 * Lists the queue until no retried message is in incoming or active, or
 * RETRY_WATCH_MS after started: the last listing, or NULL (with *cause).
 */
static struct mr_snapshot *watch(struct pf *pf, const struct retried *r, size_t n, double started,
	const struct mr_stop *stop, char **cause) {
	for (;;) {
		struct mr_snapshot *snap = list_queue(pf, cause);
		if (snap == NULL) {
			return NULL;
		}
		struct pf_listing now;
		pf_listing_init(&now, snap);
		bool busy = under_way(&now, r, n);
		pf_listing_finish(&now);
		double left = RETRY_WATCH_MS - (mr_monotonic_ms() - started);
		/* Stopped: what the queue shows now is the answer. */
		if (!busy || left <= 0 || mr_stop_requested(stop)) {
			return snap;
		}
		mr_snapshot_destroy(snap);
		double ms = left < RETRY_POLL_MS ? left : RETRY_POLL_MS;
		struct timespec pause = { 0, (long)(ms * 1e6) };
		nanosleep(&pause, NULL);
	}
}

/* Recipient i's reason as the listing has it, or NULL. */
static char *reason_of(const struct mr_snapshot *snap, const struct mr_message *m, uint32_t i) {
	const struct mr_recipient *rc = mr_message_rcpt(snap, m, i);
	return rc->reason ? mr_text_dup(rc->reason) : NULL;
}

/* The reply in a reason, cut to REASON_QUOTED_MAX bytes (not in a UTF-8
 * sequence), for a detail. */
static char *quoted(const char *reason) {
	size_t len;
	const char *p = mr_reason_brief(reason, &len);
	if (len <= REASON_QUOTED_MAX) {
		return mr_xstrndup(p, len);
	}
	len = REASON_QUOTED_MAX;
	while (len > 0 && ((unsigned char)p[len] & 0xC0) == 0x80) {
		len--;
	}
	return mr_xasprintf("%.*s...", (int)len, p);
}

/* The first reason of after's message that the same recipient did not have
 * before (a new reason), or NULL when none changed. */
static char *new_reason(const struct mr_snapshot *before, const struct mr_message *was,
	const struct mr_snapshot *after, const struct mr_message *now) {
	for (uint32_t i = 0; i < now->n_rcpts; i++) {
		char *reason = reason_of(after, now, i);
		const char *address = mr_message_rcpt(after, now, i)->address;
		bool same = reason == NULL;
		for (uint32_t k = 0; was && !same && k < was->n_rcpts; k++) {
			char *old = strcmp(mr_message_rcpt(before, was, k)->address, address) == 0
					    ? reason_of(before, was, k)
					    : NULL;
			same = old != NULL && strcmp(old, reason) == 0;
			free(old);
		}
		if (!same) {
			char *q = quoted(reason);
			free(reason);
			return q;
		}
		free(reason);
	}
	return NULL;
}

/* Back in deferred: it was tried (postqueue -i took it out of deferred). */
static void judge_deferred(struct mr_action_report *report, const struct retried *r,
	const struct mr_snapshot *before, const struct mr_snapshot *after,
	const struct mr_message *now) {
	char *reason = new_reason(before, r->before, after, now);
	if (reason != NULL) {
		mr_action_report_add(
			report, r->id, MR_OUTCOME_DONE, false, "tried, deferred again: %s", reason);
	} else {
		mr_action_report_add(report, r->id, MR_OUTCOME_DONE, false,
			"tried, deferred again for the same reason");
	}
	free(reason);
}

/* Returned to the sender: with the bounce's reason from the log, else its
 * last reason before (the log line of expired mail names none). */
static void judge_returned(struct mr_action_report *report, const struct retried *r,
	const struct mr_snapshot *before, char *logged) {
	char *reason = logged;
	if (reason == NULL && r->before != NULL && r->before->n_rcpts > 0) {
		reason = reason_of(before, r->before, 0);
	}
	char *q = reason ? quoted(reason) : NULL;
	mr_action_report_add(report, r->id, MR_OUTCOME_DONE, false, "returned to the sender%s%s",
		q ? ": " : "", q ? q : "");
	free(q);
	free(reason);
}

/* Gone from the queue after the retry. */
static void judge_gone(struct mr_action_report *report, const struct pf *pf,
	const struct retried *r, const struct mr_snapshot *before, const char *before_error,
	bool log_read) {
	if (r->before == NULL) {
		/* The first listing failed: it may never have been queued. */
		mr_action_report_add(report, r->id, MR_OUTCOME_NOT_FOUND, false,
			"not in the queue after the retry, nor known before (%s)", before_error);
	} else if (r->before->flags & MR_MSG_FORCED_EXPIRE) {
		/* Expired mail leaves at its next attempt, to its sender; the
		 * log, when read, would have listed it as bounced. */
		judge_returned(report, r, before, NULL);
	} else if (log_read) {
		mr_action_report_add(report, r->id, MR_OUTCOME_DELIVERED, false, NULL);
	} else {
		mr_action_report_add(report, r->id, MR_OUTCOME_DELIVERED, false,
			"it left the queue (%s: a bounce would look the same)",
			pf->remote ? "the remote mail log is not read" : "no mail log to read");
	}
}

/* What the listings before and after (and the log) say about one id. */
struct evidence {
	const struct mr_snapshot *before;
	const char *before_error;
	struct pf_listing after; /* its snapshot NULL: that listing failed */
	const char *after_error;
	bool log_read; /* the mail log was read: a bounce would show */
};

/* One retried id's outcome. */
static void judge(struct mr_action_report *report, const struct pf *pf, const struct retried *r,
	struct evidence *e) {
	if (r->stopped) {
		mr_action_report_add(report, r->id, MR_OUTCOME_NOT_ATTEMPTED, true,
			"stopped before postqueue -i ran");
		return;
	}
	if (!r->ran) {
		mr_action_report_add(
			report, r->id, MR_OUTCOME_FAILED, r->retryable, "%s", r->error);
		return;
	}
	if (e->after.snap == NULL) {
		mr_action_report_add(report, r->id, MR_OUTCOME_DONE, false,
			"postqueue -i ran; not confirmed (%s)", e->after_error);
		return;
	}
	const struct mr_message *now = pf_listing_find(&e->after, r->id);
	if (now == NULL) {
		judge_gone(report, pf, r, e->before, e->before_error, e->log_read);
		return;
	}
	switch ((enum mr_queue)now->queue) {
	case MR_QUEUE_BOUNCED:
		judge_returned(report, r, e->before,
			now->n_rcpts > 0 ? reason_of(e->after.snap, now, 0) : NULL);
		break;
	case MR_QUEUE_DEFERRED:
		judge_deferred(report, r, e->before, e->after.snap, now);
		break;
	case MR_QUEUE_HOLD:
		mr_action_report_add(
			report, r->id, MR_OUTCOME_FAILED, false, "on hold: release it first");
		break;
	case MR_QUEUE_INCOMING:
	case MR_QUEUE_ACTIVE:
		mr_action_report_add(report, r->id, MR_OUTCOME_DONE, false,
			"delivery under way (still %s after %d s)", mr_queue_name(now->queue),
			RETRY_WATCH_MS / 1000);
		break;
	case MR_QUEUE_CORRUPT:
		mr_action_report_add(
			report, r->id, MR_OUTCOME_FAILED, false, "Postfix moved it to corrupt");
		break;
	default:
		mr_action_report_add(report, r->id, MR_OUTCOME_DONE, false, "now in %s",
			mr_queue_name(now->queue));
		break;
	}
}

/* The listing after the retries, with what bounced since log_from. */
static struct mr_snapshot *after_retries(struct pf *pf, const struct retried *r, size_t n,
	off_t log_from, const struct mr_stop *stop, char **cause) {
	struct mr_snapshot *snap = watch(pf, r, n, mr_monotonic_ms(), stop, cause);
	if (snap != NULL && log_from >= 0) {
		pf_maillog_add_bounced(pf_maillog_read_from(pf, log_from), snap);
	}
	return snap;
}

void pf_retry_now(
	struct pf *pf, const struct mr_action_request *req, struct mr_action_report *report) {
	char *before_error = NULL, *after_error = NULL;
	struct mr_snapshot *before = list_queue(pf, &before_error);
	struct pf_listing was;
	pf_listing_init(&was, before);
	off_t log_from = pf_maillog_size(pf);
	struct retried *r = mr_xcalloc(req->n_ids + 1, sizeof(*r));
	size_t ran = 0;
	/* Every queued id gets its own postqueue -i: one that fails stops no
	 * other. An id the listing did not have is not run: nothing to retry. */
	for (size_t i = 0; i < req->n_ids; i++) {
		r[i] = (struct retried){ .id = req->ids[i],
			.before = pf_listing_find(&was, req->ids[i]) };
		if (before != NULL && r[i].before == NULL) {
			continue;
		}
		/* The operator may stop between two ids; the rest are not
		 * attempted, and said so. */
		r[i].stopped = mr_stop_requested(req->stop);
		if (!r[i].stopped) {
			r[i].ran = retry_one(pf, &r[i]);
			ran += r[i].ran;
		}
	}
	struct mr_snapshot *after =
		ran > 0 ? after_retries(pf, r, req->n_ids, log_from, req->stop, &after_error)
			: NULL;
	struct evidence e = {
		.before = before,
		.before_error = before_error,
		.after_error = after_error,
		.log_read = log_from >= 0,
	};
	pf_listing_init(&e.after, after);
	for (size_t i = 0; i < req->n_ids; i++) {
		if (before != NULL && r[i].before == NULL) {
			mr_action_report_add(report, r[i].id, MR_OUTCOME_NOT_FOUND, false, NULL);
		} else {
			judge(report, pf, &r[i], &e);
		}
		free(r[i].error);
	}
	pf_listing_finish(&e.after);
	pf_listing_finish(&was);
	mr_snapshot_destroy(after);
	mr_snapshot_destroy(before);
	free(r);
	free(before_error);
	free(after_error);
}
