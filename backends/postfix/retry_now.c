/*
 * "Retry now" on Postfix: postqueue -i ID for each id, and then what the
 * attempt did. postqueue -i takes one id and has no standard-input form, so
 * the ids go in parts, each part one process: a fixed shell script (its
 * text a constant; the ids, validated, are its positional arguments, never
 * part of a command line a shell reads) that runs postqueue -i for each id
 * in four lanes at once and prints one line per id with its exit status and
 * the last line postqueue wrote on standard error. Over SSH that is one
 * channel per part instead of one per id. "Release and retry" and "expire
 * now" run postsuper -H or -f (ids on standard input) on each part first.
 *
 * postqueue -i says nothing of what the attempt did (it is silent also for
 * ids that are gone), so the queue tells: it is listed once before, so that
 * an id that was not queued is "not found" rather than "delivered", and then
 * watched until the retried mail has left incoming and active. Each id then
 * gets one outcome: delivered (it left the queue), done and returned to the
 * sender (it left, bounced: the mail log says so), done and deferred again
 * (with the new reason), done and still under way (the watch ended first),
 * failed on hold, or failed with postqueue's own error. Listings are per
 * batch, never per id.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <unistd.h>

#include "clock.h"
#include "flush_request.h"
#include "internal.h"
#include "pace.h"
#include "ptrmap.h"
#include "reason.h"
#include "strpool.h"
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

/*
 * Ids per process: a part runs in a second or two (postqueue's start is most
 * of an id's cost, 10-90 ms on a busy two-core machine, in four lanes), so
 * that Ctrl-C stops soon and the progress line moves; a channel or a shell
 * per 128 ids costs next to nothing beside them.
 */
enum { RETRY_PART_MAX = 128 };

/*
 * The script, run as sh -c SCRIPT sh SUDO POSTQUEUE CONFIG_DIR LANES ID...
 * (SUDO "sudo" or empty, CONFIG_DIR empty for the default instance). Its
 * text never changes: every value is a positional argument, quoted where it
 * is used. Lane L of LANES runs the ids at positions L, L+LANES, ...; each
 * id's line is one printf (one write, well under PIPE_BUF), so lanes never
 * mix their lines. A missing postqueue exits 127 as the shell would.
 */
static const char retry_script[] =
	"s=$1 pq=$2 c=$3 lanes=$4; shift 4\n"
	"[ -x \"$pq\" ] || exit 127\n"
	"nl='\n'\n"
	"one() {\n"
	"\tid=$1\n"
	"\tif [ -n \"$c\" ]; then set -- -c \"$c\" -i \"$id\"; else set -- -i \"$id\"; fi\n"
	"\tif [ -n \"$s\" ]; then err=$(sudo -n \"$pq\" \"$@\" 2>&1 >/dev/null)\n"
	"\telse err=$(\"$pq\" \"$@\" 2>&1 >/dev/null); fi\n"
	"\tst=$?\n"
	"\tprintf 'mailroom-retry %s %d %s\\n' \"$id\" \"$st\" \"${err##*\"$nl\"}\"\n"
	"}\n"
	"lane=0\n"
	"while [ $lane -lt $lanes ]; do\n"
	"\t(k=0; for id do [ $((k % lanes)) -eq $lane ] && one \"$id\"; k=$((k + 1)); done) &\n"
	"\tlane=$((lane + 1))\n"
	"done\n"
	"wait\n";

/* postqueue -i processes at once: two cores' worth and some, as each
 * spends part of its time waiting for the flush service. */
enum { RETRY_LANES = 4 };

/* A reason quoted in a detail: the reply without Postfix's wrapping, cut. */
enum { REASON_QUOTED_MAX = 120 };

struct retried {
	const char *id;
	const struct mr_message *before; /* as listed before; NULL: not listed */
	bool stopped;                    /* the operator stopped before it ran */
	bool prepared;                   /* postsuper said it released/expired it */
	bool ran;                        /* postqueue -i ran and exited 0 */
	bool retryable;                  /* !ran: whether trying again may help */
	char *error;                     /* !ran: what went wrong, in its words */
};

/* What runs before postqueue -i on each part: nothing, or postsuper. */
struct preparation {
	enum mr_action action; /* RETRY, RELEASE_RETRY or EXPIRE_NOW */
	const char *flag;      /* postsuper's option, or NULL */
	const char *said;      /* what postsuper writes per id it acted on */
};

static const struct preparation preparations[] = {
	{ MR_ACTION_RETRY, NULL, NULL },
	{ MR_ACTION_RELEASE_RETRY, "-H", "released from hold" },
	/* -f: expire, and release held mail, which would never be tried. */
	{ MR_ACTION_EXPIRE_NOW, "-f", "expired" },
};

static bool collect(void *ctx, const char *data, size_t len) {
	mr_buf_add(ctx, data, len);
	return true;
}

/* One "mailroom-retry ID STATUS LAST-ERROR-LINE" line into the part's ids. */
static void take_line(
	struct pf *pf, const char *line, size_t len, struct retried **part, size_t n) {
	static const char tag[] = "mailroom-retry ";
	if (len < sizeof(tag) || memcmp(line, tag, sizeof(tag) - 1) != 0) {
		return;
	}
	const char *id = line + sizeof(tag) - 1, *end = line + len;
	const char *sp = memchr(id, ' ', (size_t)(end - id));
	if (sp == NULL) {
		return;
	}
	size_t id_len = (size_t)(sp - id);
	char *status_end;
	long status = strtol(sp + 1, &status_end, 10);
	if (status_end == sp + 1 || status_end > end) {
		return;
	}
	const char *err = status_end < end && *status_end == ' ' ? status_end + 1 : end;
	for (size_t i = 0; i < n; i++) {
		struct retried *r = part[i];
		if (strlen(r->id) != id_len || memcmp(r->id, id, id_len) != 0 || r->ran ||
			r->error != NULL) {
			continue;
		}
		if (status == 0) {
			r->ran = true;
		} else {
			/* As pf_failure words a failed tool, from its last line. */
			struct mr_command_result res = { .exit_status = (int)status };
			mr_buf_init(&res.err);
			mr_buf_add(&res.err, err, (size_t)(end - err));
			r->error = pf_failure(pf, PF_POSTQUEUE, &res);
			r->retryable = false;
			mr_buf_finish(&res.err);
		}
		return;
	}
}

/* The script on one part: each id's outcome into it. */
static void retry_part_script(struct pf *pf, struct retried **part, size_t n) {
	const char **argv = mr_xcalloc(n + 10, sizeof(*argv));
	size_t k = 0;
	argv[k++] = "/bin/sh";
	argv[k++] = "-c";
	argv[k++] = retry_script;
	argv[k++] = "sh";
	argv[k++] = pf->sudo && pf->sudo_postqueue ? "sudo" : "";
	argv[k++] = pf->tool[PF_POSTQUEUE];
	argv[k++] = pf->config_dir ? pf->config_dir : "";
	char lanes[8];
	snprintf(lanes, sizeof(lanes), "%d", RETRY_LANES);
	argv[k++] = lanes;
	for (size_t i = 0; i < n; i++) {
		argv[k++] = part[i]->id;
	}
	struct mr_buf out;
	mr_buf_init(&out);
	struct mr_command cmd = {
		.argv = argv,
		.on_output = collect,
		.ctx = &out,
		.timeout_ms = 10 * 60 * 1000,
	};
	struct mr_command_result res;
	char *cause = NULL;
	bool ok = mr_transport_run(pf->transport, &cmd, &res, &cause);
	/* postqueue is not where it was looked for (a remote host with its
	 * tools elsewhere): once postconf said where, again. */
	if (ok && res.exit_status == 127 && out.len == 0 && pf->remote && !pf->tools_asked) {
		pf->tools_asked = true;
		mr_command_result_finish(&res);
		if (pf_find_tools(pf)) {
			free(argv);
			mr_buf_finish(&out);
			retry_part_script(pf, part, n);
			return;
		}
		ok = mr_transport_run(pf->transport, &cmd, &res, &cause);
	}
	for (const char *line = out.data; ok && line < out.data + out.len;) {
		const char *nl = memchr(line, '\n', (size_t)(out.data + out.len - line));
		size_t len = nl ? (size_t)(nl - line) : (size_t)(out.data + out.len - line);
		take_line(pf, line, len, part, n);
		line += len + 1;
	}
	/* An id without its line: the script ended early (or never ran). It
	 * may or may not have been retried; never "done". */
	char *why = ok ? NULL : cause;
	if (ok && res.exit_status == 127) {
		why = mr_xasprintf("postqueue not found: %s", pf->tool[PF_POSTQUEUE]);
	} else if (ok && res.timed_out) {
		why = mr_xstrdup("the retries did not finish in time; list the queue to see what "
				 "they did");
	} else if (ok && (res.exit_status != 0 || res.signal != 0)) {
		char *line = mr_command_error_line(&res, NULL);
		why = mr_xasprintf("the retries ended early (exit status %d%s%s); list the queue "
				   "to see what they did",
			res.exit_status, *line ? ": " : "", line);
		free(line);
	}
	for (size_t i = 0; i < n; i++) {
		if (!part[i]->ran && part[i]->error == NULL) {
			part[i]->error = mr_xasprintf("no outcome from postqueue -i: %s",
				why ? why : "it gave no line for it");
			part[i]->retryable = true;
		}
	}
	if (why != cause) {
		free(why);
	}
	free(cause);
	if (ok) {
		mr_command_result_finish(&res);
	}
	mr_buf_finish(&out);
	free(argv);
}

/*
 * As root on a local queue, each id's request goes to the flush service
 * itself (flush_request.c): under a millisecond an id where postqueue -i
 * costs 10-15. From the first answer that is not in postqueue -i's
 * protocol on, postqueue -i does the rest, this part and the next: it knows
 * its own Postfix. Same outcomes as the script's: taken (ran), or the
 * service's refusal.
 */
static void retry_part(struct pf *pf, struct retried **part, size_t n) {
	size_t sent = 0;
	if (!pf->remote && !pf->flush_by_postqueue && geteuid() == 0) {
		pf_settings(pf);
		char *path = pf->queue_dir ? mr_xasprintf("%s/public/flush", pf->queue_dir) : NULL;
		for (; path != NULL && sent < n; sent++) {
			char *cause = NULL;
			enum pf_flush_outcome o = pf_flush_request(path, part[sent]->id, &cause);
			if (o == PF_FLUSH_UNAVAILABLE) {
				free(cause);
				break;
			}
			if (o == PF_FLUSH_TAKEN) {
				part[sent]->ran = true;
				free(cause);
			} else {
				part[sent]->error = cause;
				part[sent]->retryable = false;
			}
		}
		pf->flush_by_postqueue = path == NULL || sent < n;
		free(path);
	}
	if (sent < n) {
		retry_part_script(pf, part + sent, n - sent);
	}
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
	bool log_read, bool expired) {
	if (r->before == NULL && !expired) {
		/* The first listing failed: it may never have been queued. */
		mr_action_report_add(report, r->id, MR_OUTCOME_NOT_FOUND, false,
			"not in the queue after the retry, nor known before (%s)", before_error);
	} else if (expired || (r->before->flags & MR_MSG_FORCED_EXPIRE)) {
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
	const struct preparation *prep;
};

/* Judged as a retry, with what postsuper did first. */
static void judge_retried(struct mr_action_report *report, const struct pf *pf,
	const struct retried *r, struct evidence *e);

static void judge(struct mr_action_report *report, const struct pf *pf, const struct retried *r,
	struct evidence *e) {
	if (r->stopped) {
		mr_action_report_add(report, r->id, MR_OUTCOME_NOT_ATTEMPTED, true, "%s",
			e->prep->flag ? "stopped before it was started"
				      : "stopped before postqueue -i ran");
		return;
	}
	size_t at = report->n_results;
	judge_retried(report, pf, r, e);
	/* Released first: said, whatever the retry did. */
	struct mr_action_result *res = &report->results[at];
	if (r->prepared && e->prep->action == MR_ACTION_RELEASE_RETRY) {
		char *detail = mr_xasprintf("released from hold%s%s", res->detail ? "; " : "",
			res->detail ? res->detail : "");
		free(res->detail);
		res->detail = detail;
	}
}

static void judge_retried(struct mr_action_report *report, const struct pf *pf,
	const struct retried *r, struct evidence *e) {
	bool expire = e->prep->action == MR_ACTION_EXPIRE_NOW;
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
		judge_gone(report, pf, r, e->before, e->before_error, e->log_read,
			expire && r->prepared);
		return;
	}
	if (expire && !r->prepared && !(now->flags & MR_MSG_FORCED_EXPIRE)) {
		mr_action_report_add(report, r->id, MR_OUTCOME_FAILED, false,
			"postsuper did not expire it (still in %s)", mr_queue_name(now->queue));
		return;
	}
	switch ((enum mr_queue)now->queue) {
	case MR_QUEUE_BOUNCED:
		judge_returned(report, r, e->before,
			now->n_rcpts > 0 ? reason_of(e->after.snap, now, 0) : NULL);
		break;
	case MR_QUEUE_DEFERRED:
		if (expire) {
			mr_action_report_add(report, r->id, MR_OUTCOME_DONE, false,
				"expired; still deferred: returned to the sender at its next "
				"attempt");
		} else {
			judge_deferred(report, r, e->before, e->after.snap, now);
		}
		break;
	case MR_QUEUE_HOLD:
		mr_action_report_add(report, r->id, MR_OUTCOME_FAILED, false, "%s",
			e->prep->flag ? "still on hold: postsuper did not release it"
				      : "on hold: release it first");
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

/* postsuper FLAG - on a part: which ids it said it acted on. A run that
 * failed is every id's failure. */
static void prepare_part(
	struct pf *pf, const struct preparation *prep, struct retried **part, size_t n) {
	const char **ids = mr_xcalloc(n + 1, sizeof(*ids));
	for (size_t i = 0; i < n; i++) {
		ids[i] = part[i]->id;
	}
	struct mr_buf said;
	mr_buf_init(&said);
	char *run_error = NULL;
	pf_postsuper(pf, prep->flag, ids, n, &said, &run_error);
	struct mr_strpool *pool = mr_strpool_create();
	struct mr_ptrmap set;
	mr_ptrmap_init(&set);
	pf_postsuper_said(&said, prep->said, pool, &set);
	for (size_t i = 0; i < n; i++) {
		const char *id = part[i]->id;
		part[i]->prepared =
			mr_ptrmap_get(&set, mr_strpool_intern(pool, id, strlen(id))) != UINT32_MAX;
		if (!part[i]->prepared && run_error != NULL) {
			part[i]->error = mr_xstrdup(run_error);
			part[i]->retryable = true;
		}
	}
	mr_ptrmap_finish(&set);
	mr_strpool_destroy(pool);
	free(run_error);
	mr_buf_finish(&said);
	free(ids);
}

/* Runs the queued ids in parts (paced, stoppable): postsuper first when
 * the action asks for it, then the script. Returns how many ran. */
static size_t run_parts(struct pf *pf, const struct mr_action_request *req,
	const struct preparation *prep, struct retried *r, bool listed) {
	struct retried **queued = mr_xcalloc(req->n_ids + 1, sizeof(*queued));
	struct retried **flushed = mr_xcalloc(RETRY_PART_MAX + 1, sizeof(*flushed));
	size_t n_queued = 0, ran = 0;
	for (size_t i = 0; i < req->n_ids; i++) {
		/* An id the listing did not have is not run: nothing to retry. */
		if (!listed || r[i].before != NULL) {
			queued[n_queued++] = &r[i];
		}
	}
	struct mr_pacer pacer;
	mr_pacer_init(&pacer, req, n_queued, RETRY_PART_MAX);
	size_t at = 0;
	for (size_t k; (k = mr_pacer_next(&pacer)) > 0; at += k) {
		struct retried **part = queued + at;
		size_t n = k;
		if (prep->flag != NULL) {
			prepare_part(pf, prep, part, k);
			/* An id postsuper could not be run for keeps that failure
			 * and is not retried: nothing was released or expired. */
			n = 0;
			for (size_t i = 0; i < k; i++) {
				if (queued[at + i]->error == NULL) {
					flushed[n++] = queued[at + i];
				}
			}
			part = flushed;
		}
		if (n > 0) {
			retry_part(pf, part, n);
		}
		for (size_t i = at; i < at + k; i++) {
			ran += queued[i]->ran;
		}
		mr_pacer_ran(&pacer, k);
	}
	/* The operator stopped: the rest are not attempted, and said so. */
	for (size_t i = at; i < n_queued; i++) {
		queued[i]->stopped = true;
	}
	free(flushed);
	free(queued);
	return ran;
}

void pf_retry_now(
	struct pf *pf, const struct mr_action_request *req, struct mr_action_report *report) {
	const struct preparation *prep = &preparations[0];
	for (size_t i = 0; i < sizeof(preparations) / sizeof(*preparations); i++) {
		if (preparations[i].action == req->action) {
			prep = &preparations[i];
		}
	}
	char *before_error = NULL, *after_error = NULL;
	struct mr_snapshot *before = list_queue(pf, &before_error);
	struct pf_listing was;
	pf_listing_init(&was, before);
	off_t log_from = pf_maillog_size(pf);
	struct retried *r = mr_xcalloc(req->n_ids + 1, sizeof(*r));
	for (size_t i = 0; i < req->n_ids; i++) {
		r[i] = (struct retried){ .id = req->ids[i],
			.before = pf_listing_find(&was, req->ids[i]) };
	}
	size_t ran = run_parts(pf, req, prep, r, before != NULL);
	struct mr_snapshot *after =
		ran > 0 ? after_retries(pf, r, req->n_ids, log_from, req->stop, &after_error)
			: NULL;
	struct evidence e = {
		.before = before,
		.before_error = before_error,
		.after_error = after_error,
		.log_read = log_from >= 0,
		.prep = prep,
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
