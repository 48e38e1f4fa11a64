/*
 * Actions on Postfix: postsuper with the ids on standard input ("-"), whose
 * per-id lines on standard error say what it did (it exits 0 even when
 * nothing matched); every outcome is then checked against a fresh listing.
 * The ids go in parts of up to a thousand, one postsuper each, so that a
 * long action can be paced, shown and stopped between parts. "Retry now",
 * "release and retry" and "expire now" flush the ids with postqueue -i, with
 * their own judgement (retry_now.c).
 */

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "pace.h"
#include "ptrmap.h"
#include "xalloc.h"

struct verb {
	const char *flag; /* postsuper option */
	const char *said; /* what postsuper writes per id: "ID: placed on hold" */
};

static const struct verb verbs[MR_ACTION_COUNT] = {
	[MR_ACTION_HOLD] = { "-h", "placed on hold" },
	[MR_ACTION_RELEASE] = { "-H", "released from hold" },
	[MR_ACTION_DELETE] = { "-d", "removed" },
	[MR_ACTION_REQUEUE] = { "-r", "requeued" },
	/* -f: expire, and release held mail so that it is returned now. */
	[MR_ACTION_EXPIRE] = { "-f", "expired" },
};

/*
 * The ids postsuper named with the verb, "postsuper: ID: placed on hold",
 * as a set (interned in pool, value 1 in set): looked up once per id, so
 * that ten thousand ids do not mean ten thousand passes over its output.
 */
void pf_postsuper_said(const struct mr_buf *err, const char *said, struct mr_strpool *pool,
	struct mr_ptrmap *set) {
	size_t said_len = strlen(said);
	for (const char *line = err->data; *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		const char *id = memchr(line, ':', len);
		if (id != NULL && len >= said_len + 4 && id + 2 < line + len && id[1] == ' ' &&
			memcmp(line + len - said_len, said, said_len) == 0) {
			id += 2;
			const char *id_end = line + len - said_len - 2;
			if (id_end > id && memcmp(id_end, ": ", 2) == 0) {
				mr_ptrmap_put(
					set, mr_strpool_intern(pool, id, (size_t)(id_end - id)), 1);
			}
		}
		line = end ? end + 1 : line + len;
	}
}

static bool in_set(struct mr_strpool *pool, const struct mr_ptrmap *set, const char *id) {
	return mr_ptrmap_get(set, mr_strpool_intern(pool, id, strlen(id))) != UINT32_MAX;
}

/* One id's outcome, from what postsuper said and what the queue shows now. */
static void judge(struct mr_action_report *report, enum mr_action action, const char *id, bool said,
	struct pf_listing *after, const char *run_error, const char *new_id) {
	const struct mr_message *now = pf_listing_find(after, id);
	bool listed = now != NULL;
	bool held = listed && now->queue == MR_QUEUE_HOLD;
	if (after->snap == NULL) {
		/* The listing failed: say what postsuper said, unconfirmed. */
		if (said) {
			mr_action_report_add(report, id, MR_OUTCOME_DONE, false,
				"postsuper reported it; not confirmed (the queue could not be "
				"listed)");
		} else {
			mr_action_report_add(report, id, MR_OUTCOME_FAILED, true, "%s",
				run_error ? run_error
					  : "not confirmed: the queue could not be listed");
		}
		return;
	}
	switch (action) {
	case MR_ACTION_HOLD:
		if (held) {
			mr_action_report_add(report, id, MR_OUTCOME_DONE, false,
				said ? NULL : "already on hold");
			return;
		}
		break;
	case MR_ACTION_RELEASE:
		if (said && !held) {
			mr_action_report_add(report, id, MR_OUTCOME_DONE, false,
				listed ? NULL : "released; it has already left the queue");
			return;
		}
		if (listed && !held) {
			mr_action_report_add(report, id, MR_OUTCOME_FAILED, false, "not on hold");
			return;
		}
		break;
	case MR_ACTION_DELETE:
		if (said && !listed) {
			mr_action_report_add(report, id, MR_OUTCOME_DONE, false, NULL);
			return;
		}
		break;
	case MR_ACTION_REQUEUE:
		if (said && new_id != NULL) {
			mr_action_report_add(
				report, id, MR_OUTCOME_DONE, false, "requeued as %s", new_id)
				->new_id = mr_xstrdup(new_id);
			return;
		}
		if (said) {
			mr_action_report_add(report, id, MR_OUTCOME_DONE, false,
				"requeued: Postfix gives it a new queue id when pickup takes it");
			return;
		}
		break;
	case MR_ACTION_EXPIRE:
		if (said || (listed && (now->flags & MR_MSG_FORCED_EXPIRE))) {
			mr_action_report_add(report, id, MR_OUTCOME_DONE, false,
				said ? "returned to the sender at the next attempt"
				     : "already expired");
			return;
		}
		break;
	default:
		break;
	}
	if (!listed) {
		mr_action_report_add(report, id, MR_OUTCOME_NOT_FOUND, false, NULL);
	} else if (said) {
		mr_action_report_add(report, id, MR_OUTCOME_FAILED, true,
			"postsuper reported it, but the queue shows it in %s",
			mr_queue_name(now->queue));
	} else {
		mr_action_report_add(report, id, MR_OUTCOME_FAILED, run_error == NULL, "%s",
			run_error ? run_error : "postsuper did not act on it");
	}
}

/*
 * postsuper -r moves messages to maildrop; pickup gives them new ids, but
 * only wakes once a minute for them: postkick wakes it now, and its log
 * lines (orig_id=) give the new ids within seconds.
 */
static void find_new_ids(struct pf *pf, off_t log_from, const struct mr_action_request *req,
	const struct mr_buf *said, char **new_ids) {
	struct mr_strpool *pool = mr_strpool_create();
	struct mr_ptrmap set;
	mr_ptrmap_init(&set);
	pf_postsuper_said(said, verbs[MR_ACTION_REQUEUE].said, pool, &set);
	size_t wanted = set.count;
	mr_ptrmap_finish(&set);
	mr_strpool_destroy(pool);
	if (wanted == 0 || log_from < 0) {
		return;
	}
	static const char *const args[] = { "public", "pickup", "W", NULL };
	struct mr_command cmd = { .timeout_ms = 10 * 1000 };
	struct mr_command_result res;
	char *cause = NULL;
	if (pf_run(pf, PF_POSTKICK, args, &cmd, &res, &cause)) {
		mr_command_result_finish(&res);
	}
	free(cause);
	for (int tries = 0; tries < 50; tries++) {
		if (pf_maillog_new_ids(pf, log_from, req->ids, req->n_ids, new_ids) >= wanted) {
			return;
		}
		struct timespec pause = { 0, 200 * 1000 * 1000 };
		nanosleep(&pause, NULL);
	}
}

void pf_postsuper(struct pf *pf, const char *flag, const char *const *ids, size_t n,
	struct mr_buf *said, char **run_error) {
	struct mr_buf input;
	mr_buf_init(&input);
	for (size_t i = 0; i < n; i++) {
		mr_buf_printf(&input, "%s\n", ids[i]);
	}
	const char *args[] = { flag, "-", NULL };
	struct mr_command cmd = {
		.input = input.data,
		.input_len = input.len,
		.timeout_ms = 5 * 60 * 1000,
	};
	struct mr_command_result res;
	char *error = NULL;
	if (!pf_run(pf, PF_POSTSUPER, args, &cmd, &res, &error)) {
		mr_buf_init(&res.err);
	} else if (res.exit_status != 0) {
		error = pf_failure(pf, PF_POSTSUPER, &res);
	}
	if (error != NULL && *run_error == NULL) {
		*run_error = error;
	} else {
		free(error);
	}
	mr_buf_add(said, res.err.data, res.err.len);
	mr_command_result_finish(&res);
	mr_buf_finish(&input);
}

/*
 * Ids per postsuper run: postsuper takes thousands a second, so a part is
 * short and Ctrl-C, the progress line and a rate act between parts; one
 * process (one SSH channel) for each part, never one per id.
 */
enum { POSTSUPER_PART_MAX = 1000 };

/* postsuper on the ids in parts (paced, stoppable); how many were run. */
static size_t run_postsuper(
	struct pf *pf, const struct mr_action_request *req, struct mr_buf *said, char **run_error) {
	struct mr_pacer pacer;
	mr_pacer_init(&pacer, req, req->n_ids, POSTSUPER_PART_MAX);
	size_t at = 0;
	for (size_t k; (k = mr_pacer_next(&pacer)) > 0; at += k) {
		pf_postsuper(pf, verbs[req->action].flag, req->ids + at, k, said, run_error);
		mr_pacer_ran(&pacer, k);
	}
	return at;
}

void pf_act(struct mr_source *src, const struct mr_action_request *req,
	struct mr_action_report *report) {
	struct pf *pf = src->data;
	/* The log's size before acting (a local file only): over SSH no
	 * setting is needed, and asking postconf would cost a round trip. */
	if (!pf->remote) {
		pf_settings(pf);
	}
	if (req->action == MR_ACTION_RETRY || req->action == MR_ACTION_RELEASE_RETRY ||
		req->action == MR_ACTION_EXPIRE_NOW) {
		pf_retry_now(pf, req, report);
		return;
	}
	char *run_error = NULL;
	struct mr_buf said;
	mr_buf_init(&said);
	char **new_ids = mr_xcalloc(req->n_ids ? req->n_ids : 1, sizeof(*new_ids));
	off_t log_from = req->action == MR_ACTION_REQUEUE ? pf_maillog_size(pf) : -1;
	size_t started = run_postsuper(pf, req, &said, &run_error);
	if (req->action == MR_ACTION_REQUEUE) {
		find_new_ids(pf, log_from, req, &said, new_ids);
	}
	/* What the queue shows now decides, whatever the tools said. */
	struct mr_snapshot *after = mr_snapshot_create();
	char *list_error = NULL;
	if (!pf_list(pf, after, NULL, &list_error)) {
		mr_snapshot_destroy(after);
		after = NULL;
		if (run_error == NULL) {
			run_error = list_error;
			list_error = NULL;
		}
	}
	struct pf_listing listing;
	pf_listing_init(&listing, after);
	struct mr_ptrmap done;
	mr_ptrmap_init(&done);
	pf_postsuper_said(&said, verbs[req->action].said, listing.ids, &done);
	for (size_t i = 0; i < req->n_ids; i++) {
		if (i >= started) {
			/* The operator stopped before this part. */
			mr_action_report_add(report, req->ids[i], MR_OUTCOME_NOT_ATTEMPTED, true,
				"stopped before it was started");
			free(new_ids[i]);
			continue;
		}
		bool reported_done = in_set(listing.ids, &done, req->ids[i]);
		judge(report, req->action, req->ids[i], reported_done, &listing, run_error,
			new_ids[i]);
		free(new_ids[i]);
	}
	mr_ptrmap_finish(&done);
	pf_listing_finish(&listing);
	free(new_ids);
	mr_snapshot_destroy(after);
	free(list_error);
	free(run_error);
	mr_buf_finish(&said);
}
