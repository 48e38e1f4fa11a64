#include "action.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "xalloc.h"

static const struct mr_action_info action_infos[MR_ACTION_COUNT] = {
	[MR_ACTION_RETRY] = { "retry", "Retry now", "retried" },
	[MR_ACTION_HOLD] = { "hold", "Hold", "held" },
	[MR_ACTION_RELEASE] = { "release", "Release from hold", "released" },
	[MR_ACTION_DELETE] = { "delete", "Delete", "deleted", .destructive = true,
		.always_asks = true },
	[MR_ACTION_REQUEUE] = { "requeue", "Requeue", "requeued", .always_asks = true },
	[MR_ACTION_EXPIRE] = { "expire", "Expire (return to sender)", "expired",
		.destructive = true, .always_asks = true },
	[MR_ACTION_SET_PRIORITY] = { "set-priority", "Set priority", "re-prioritised",
		.takes_priority = true },
	[MR_ACTION_RELEASE_RETRY] = { "release-retry", "Release and retry now",
		"released and retried" },
	[MR_ACTION_EXPIRE_NOW] = { "expire-now", "Expire now (return to sender now)", "returned",
		.destructive = true, .always_asks = true },
};

static const char *const outcome_names[MR_OUTCOME_COUNT] = {
	[MR_OUTCOME_DONE] = "done",
	[MR_OUTCOME_DELIVERED] = "delivered",
	[MR_OUTCOME_NOT_FOUND] = "not found",
	[MR_OUTCOME_FAILED] = "failed",
	[MR_OUTCOME_NOT_ATTEMPTED] = "not attempted",
};

const struct mr_action_info *mr_action_info(enum mr_action action) {
	return (unsigned)action < MR_ACTION_COUNT ? &action_infos[action] : NULL;
}

bool mr_action_parse(const char *name, enum mr_action *action) {
	for (unsigned i = 0; i < MR_ACTION_COUNT; i++) {
		if (strcmp(name, action_infos[i].name) == 0) {
			*action = (enum mr_action)i;
			return true;
		}
	}
	return false;
}

const char *mr_outcome_name(enum mr_outcome outcome) {
	return (unsigned)outcome < MR_OUTCOME_COUNT ? outcome_names[outcome] : "?";
}

bool mr_outcome_succeeded(enum mr_outcome outcome) {
	return outcome == MR_OUTCOME_DONE || outcome == MR_OUTCOME_DELIVERED;
}

void mr_action_report_init(struct mr_action_report *report, enum mr_action action) {
	*report = (struct mr_action_report){ .action = action };
}

void mr_action_report_finish(struct mr_action_report *report) {
	if (report == NULL) {
		return;
	}
	for (size_t i = 0; i < report->n_results; i++) {
		free(report->results[i].id);
		free(report->results[i].detail);
		free(report->results[i].new_id);
	}
	free(report->results);
	*report = (struct mr_action_report){ .action = report->action };
}

struct mr_action_result *mr_action_report_add(struct mr_action_report *report, const char *id,
	enum mr_outcome outcome, bool retryable, const char *detail, ...) {
	if (report->n_results == report->cap_results) {
		report->cap_results = report->cap_results ? report->cap_results * 2 : 16;
		report->results = mr_xreallocarray(
			report->results, report->cap_results, sizeof(*report->results));
	}
	struct mr_action_result *r = &report->results[report->n_results++];
	*r = (struct mr_action_result){
		.id = mr_xstrdup(id),
		.outcome = outcome,
		.retryable = outcome == MR_OUTCOME_FAILED && retryable,
	};
	if (detail != NULL) {
		va_list ap;
		va_start(ap, detail);
		r->detail = mr_xvasprintf(detail, ap);
		va_end(ap);
	}
	report->counts[outcome]++;
	return r;
}

struct mr_action_result *mr_action_report_append(
	struct mr_action_report *report, const struct mr_action_result *result) {
	struct mr_action_result *copy = mr_action_report_add(report, result->id, result->outcome,
		result->retryable, result->detail ? "%s" : NULL, result->detail);
	copy->new_id = result->new_id ? mr_xstrdup(result->new_id) : NULL;
	copy->origin = result->origin;
	return copy;
}

bool mr_action_report_succeeded(const struct mr_action_report *report) {
	size_t succeeded = 0;
	for (int o = 0; o < MR_OUTCOME_COUNT; o++) {
		succeeded += mr_outcome_succeeded((enum mr_outcome)o) ? report->counts[o] : 0;
	}
	return succeeded == report->n_results;
}

char *mr_action_report_tally(const struct mr_action_report *report) {
	struct mr_buf tally;
	mr_buf_init(&tally);
	for (int o = 0; o < MR_OUTCOME_COUNT; o++) {
		/* Not attempted only when the operator stopped something: the
		 * line stays as it always was otherwise. */
		if (o == MR_OUTCOME_NOT_ATTEMPTED && report->counts[o] == 0) {
			continue;
		}
		mr_buf_printf(&tally, "%s%zu %s", o ? ", " : "", report->counts[o],
			mr_outcome_name((enum mr_outcome)o));
	}
	return mr_buf_steal(&tally);
}

const struct mr_action_result *mr_action_report_find(
	const struct mr_action_report *report, const char *id) {
	for (size_t i = 0; i < report->n_results; i++) {
		if (strcmp(report->results[i].id, id) == 0) {
			return &report->results[i];
		}
	}
	return NULL;
}

void mr_progress_step(const struct mr_progress *progress, size_t done, size_t total) {
	if (progress != NULL && progress->step != NULL) {
		progress->step(progress->ctx, done, total);
	}
}

bool mr_stop_requested(const struct mr_stop *stop) {
	return stop != NULL && stop->requested != NULL && stop->requested(stop->ctx);
}
