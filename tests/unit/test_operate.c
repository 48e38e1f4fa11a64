/* Running an operation on one source (core/queue/operate.c): a priority step is
 * one request with the step, which the source applies to each message from
 * the priority it has (no listing is read); a source without priorities gets
 * retry or hold. A test double records every request it is sent. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "operate.h"
#include "pace.h"
#include "snapshot.h"
#include "xalloc.h"

/* Every request the double got: its priority and ids ("P: ID ID"). */
static char requests[8][128];
static size_t n_requests;

static bool ranked_open(struct mr_source *src, const char *location,
	const struct mr_open_options *opts, char **cause) {
	(void)opts;
	(void)cause;
	src->caps = MR_CAP_ACTION(MR_ACTION_HOLD) | MR_CAP_ACTION(MR_ACTION_RETRY);
	if (strcmp(location, "priorities") == 0) {
		src->caps |= MR_CAP_ACTION(MR_ACTION_SET_PRIORITY);
	}
	return true;
}

static void ranked_close(struct mr_source *src) {
	(void)src;
}

static bool ranked_list(struct mr_source *src, struct mr_snapshot *snap, char **cause) {
	(void)src;
	(void)snap;
	(void)cause;
	return true;
}

static void ranked_act(struct mr_source *src, const struct mr_action_request *req,
	struct mr_action_report *report) {
	(void)src;
	if (n_requests < sizeof(requests) / sizeof(*requests)) {
		char *line = requests[n_requests];
		if (req->priority_step != 0) {
			snprintf(line, sizeof(requests[0]),
				"%s %+d:", mr_action_info(req->action)->name,
				(int)req->priority_step);
		} else {
			snprintf(line, sizeof(requests[0]),
				"%s %d:", mr_action_info(req->action)->name, (int)req->priority);
		}
		for (size_t i = 0; i < req->n_ids; i++) {
			strncat(line, " ", sizeof(requests[0]) - strlen(line) - 1);
			strncat(line, req->ids[i], sizeof(requests[0]) - strlen(line) - 1);
		}
	}
	n_requests++;
	for (size_t i = 0; i < req->n_ids; i++) {
		mr_action_report_add(report, req->ids[i], MR_OUTCOME_DONE, false, NULL);
	}
}

static const struct mr_backend_ops ranked_ops = {
	.name = "ranked",
	.usage = "ranked:NAME",
	.summary = "test double",
	.open = ranked_open,
	.close = ranked_close,
	.list = ranked_list,
	.act = ranked_act,
};

static const struct mr_backend_ops *const registry[] = { &ranked_ops, NULL };

/* A stop that says yes from its nth question on (0: at once). */
struct stop_after {
	size_t asked, from;
};

static bool stop_after(void *ctx) {
	struct stop_after *s = ctx;
	return s->asked++ >= s->from;
}

static const struct mr_stop *stop_of(struct stop_after *s) {
	static struct mr_stop stop;
	stop = (struct mr_stop){ stop_after, s };
	return s != NULL ? &stop : NULL;
}

static void run_stopping(const char *source, const char *operation, const char *const *ids,
	size_t n, struct stop_after *stop, double rate, struct mr_action_report *report) {
	char *cause = NULL;
	struct mr_source *src = mr_source_open(registry, source, NULL, &cause);
	T_TRUE(src != NULL, cause, "%s opens", source);
	free(cause);
	if (src == NULL) {
		mr_action_report_init(report, MR_ACTION_SET_PRIORITY);
		return;
	}
	struct mr_operation op;
	mr_operation_parse(operation, &op);
	op.stop = stop_of(stop);
	op.rate = rate;
	char *why = NULL;
	bool planned = mr_operation_plan(src, &op, &why);
	T_TRUE(planned, why, "%s on %s is planned", operation, source);

	free(why);
	memset(requests, 0, sizeof(requests));
	n_requests = 0;
	mr_operation_run(src, &op, ids, NULL, n, report);
	mr_source_destroy(src);
}

static void run(const char *source, const char *operation, const char *const *ids, size_t n,
	struct mr_action_report *report) {
	run_stopping(source, operation, ids, n, NULL, 0, report);
}

static void test_priority_steps(void) {
	const char *ids[] = { "P3A", "P0A", "NEW", "PM1", "P3B", "P0B" };
	struct mr_action_report report;
	run("ranked:priorities", "priority-up", ids, 6, &report);
	T_INT(n_requests, 1, "priority-up: one request, whatever the priorities");
	T_STR(requests[0], "set-priority +1: P3A P0A NEW PM1 P3B P0B",
		"priority-up: the step and every id, in the order given");
	T_INT(report.n_results, 6, "priority-up: an outcome for every id");
	T_INT(report.counts[MR_OUTCOME_DONE], 6, "priority-up: all done");
	mr_action_report_finish(&report);

	const char *twice[] = { "P3A", "P0A", "P3A" };
	run("ranked:priorities", "priority-up", twice, 3, &report);
	T_STR(requests[0], "set-priority +1: P3A P0A", "an id given twice: sent once");
	T_INT(report.n_results, 2,
		"an id given twice: one outcome per distinct id, as for every other action");
	mr_action_report_finish(&report);

	const char *down[] = { "P0A", "P0B" };
	run("ranked:priorities", "priority-down", down, 2, &report);
	T_INT(n_requests, 1, "priority-down: one request");
	T_STR(requests[0], "set-priority -1: P0A P0B", "priority-down: the step down");
	mr_action_report_finish(&report);

	/* "priority 5": a set priority, not a step. */
	struct mr_operation op;
	mr_operation_set_priority(&op, 5);
	T_INT(op.priority_step, 0, "set priority 5: no step");
}

static void test_no_priorities(void) {
	const char *ids[] = { "P3A", "P0A" };
	struct mr_action_report report;
	run("ranked:plain", "priority-up", ids, 2, &report);
	T_INT(n_requests, 1, "no priorities: one request");
	T_STR(requests[0], "retry 0: P3A P0A", "no priorities: priority-up means retry now");
	mr_action_report_finish(&report);
	run("ranked:plain", "priority-down", ids, 2, &report);
	T_STR(requests[0], "hold 0: P3A P0A", "no priorities: priority-down means hold");
	mr_action_report_finish(&report);
}

/* Stopped by the operator: what was not started is not attempted, and said
 * to be; what was started keeps its outcome. */
static void test_stopped(void) {
	const char *ids[] = { "P3A", "P0A" };
	struct mr_action_report report;
	struct stop_after now = { 0, 0 };
	run_stopping("ranked:plain", "hold", ids, 2, &now, 0, &report);
	T_INT(n_requests, 0, "stopped at once: nothing sent to the source");
	T_INT(report.n_results, 2, "stopped at once: an outcome for every id");
	T_INT(report.counts[MR_OUTCOME_NOT_ATTEMPTED], 2, "stopped at once: both not attempted");
	T_STR(report.n_results > 0 ? report.results[0].detail : "", "stopped before it was started",
		"stopped at once: the detail says why");
	mr_action_report_finish(&report);

	/* At 4 a second, three ids are three requests of one (a quarter of
	 * a second's worth each); stopped after the first. */
	const char *steps[] = { "PM1", "P0A", "P3A" };
	struct stop_after later = { 0, 1 };
	run_stopping("ranked:priorities", "priority-up", steps, 3, &later, 4, &report);
	T_INT(n_requests, 1, "stopped after one request: the others not sent");
	T_INT(report.counts[MR_OUTCOME_DONE], 1, "stopped after one request: its id done");
	T_INT(report.counts[MR_OUTCOME_NOT_ATTEMPTED], 2,
		"stopped after one request: the other two not attempted");
	mr_action_report_finish(&report);
}

/* Progress as told: "done/total" after each part. */
static char told[256];

static void tell(void *ctx, size_t done, size_t total) {
	(void)ctx;
	snprintf(told + strlen(told), sizeof(told) - strlen(told), "%s%zu/%zu", *told ? " " : "",
		done, total);
}

/* Yes once the source got two requests (a rate's wait asks more than once
 * per part). */
static bool two_parts_sent(void *ctx) {
	(void)ctx;
	return n_requests >= 2;
}

/* A backend that does not pace itself gets parts from mr_source_act when a
 * rate asks for them: a quarter of a second's worth each, progress after
 * each, and a stop between two parts leaves the rest not attempted. */
static void test_paced(void) {
	const char *ids[25];
	char names[25][8];
	for (size_t i = 0; i < 25; i++) {
		snprintf(names[i], sizeof(names[i]), "ID%02zu", i);
		ids[i] = names[i];
	}
	char *cause = NULL;
	struct mr_source *src = mr_source_open(registry, "ranked:plain", NULL, &cause);
	T_TRUE(src != NULL, cause, "ranked:plain opens");
	free(cause);
	if (src == NULL) {
		return;
	}
	struct mr_progress progress = { tell, NULL };
	struct mr_operation op;
	mr_operation_parse("hold", &op);
	op.rate = 40; /* parts of 10 */
	op.progress = &progress;
	*told = '\0';
	n_requests = 0;
	struct mr_action_report report;
	mr_operation_run(src, &op, ids, NULL, 25, &report);
	T_INT(n_requests, 3, "--rate 40/s on 25 ids: three parts (10, 10, 5)");
	T_STR(requests[2], "hold 0: ID20 ID21 ID22 ID23 ID24", "the last part: the last five ids");
	T_STR(told, "0/25 10/25 20/25 25/25", "progress after each part");
	T_INT(report.counts[MR_OUTCOME_DONE], 25, "every id done, in one report");
	mr_action_report_finish(&report);

	struct mr_stop after_two = { two_parts_sent, NULL };
	op.stop = &after_two;
	n_requests = 0;
	mr_operation_run(src, &op, ids, NULL, 25, &report);
	T_INT(n_requests, 2, "stopped after two parts: the third not sent");
	T_INT(report.counts[MR_OUTCOME_DONE], 20, "stopped after two parts: their 20 ids done");
	T_INT(report.counts[MR_OUTCOME_NOT_ATTEMPTED], 5,
		"stopped after two parts: 5 not attempted");
	T_STR(report.n_results == 25 ? report.results[24].id : "", "ID24",
		"stopped: every id has its outcome, in order");
	mr_action_report_finish(&report);
	mr_source_destroy(src);
}

static void test_rates(void) {
	static const struct {
		const char *text;
		double rate; /* 0: refused */
		const char *error;
	} cases[] = {
		{ "50/s", 50, NULL },
		{ "120/m", 2, NULL },
		{ "0.5/s", 0.5, NULL },
		{ "3/min", 0.05, NULL },
		{ "abc", 0,
			"\"abc\" is not a rate: give ids a second as N/s (50/s) or a minute as "
			"N/m" },
		{ "50", 0,
			"\"50\" is not a rate: give ids a second as N/s (50/s) or a minute as "
			"N/m" },
		{ "0/s", 0, "\"0/s\" is not a rate: it must be more than 0" },
		{ "-5/s", 0, "\"-5/s\" is not a rate: the number before / is not one" },
		{ "10/h", 0, "\"10/h\" is not a rate: the unit after / is s or m" },
		{ "1e9/s", 0, "\"1e9/s\" is not a rate: at most 1000000/s" },
		{ "5x/s", 0, "\"5x/s\" is not a rate: the number before / is not one" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		double rate = 0;
		char *cause = NULL;
		bool ok = mr_rate_parse(cases[i].text, &rate, &cause);
		T_INT(ok, cases[i].rate > 0, "rate %s: %s", cases[i].text,
			cases[i].rate > 0 ? "taken" : "refused");
		if (ok) {
			T_OK(rate > cases[i].rate - 1e-9 && rate < cases[i].rate + 1e-9,
				"rate %s: %g a second", cases[i].text, cases[i].rate);
		} else {
			T_STR(cause ? cause : "", cases[i].error, "rate %s: the message",
				cases[i].text);
		}
		free(cause);
	}
}

int main(void) {
	test_priority_steps();
	test_stopped();
	test_paced();
	test_rates();
	test_no_priorities();
	return t_done();
}
