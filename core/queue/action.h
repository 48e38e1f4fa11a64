#ifndef MR_ACTION_H
#define MR_ACTION_H

/*
 * What an operator can do to queued mail, and what came of it. Actions carry
 * queue ids, never row numbers: the queue changes under the operator's feet,
 * and every id gets its own outcome.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum mr_action {
	MR_ACTION_RETRY,         /* attempt delivery now */
	MR_ACTION_HOLD,          /* keep it, but stop delivery attempts */
	MR_ACTION_RELEASE,       /* undo hold */
	MR_ACTION_DELETE,        /* discard, without notifying the sender */
	MR_ACTION_REQUEUE,       /* process it again from the start, under a new id */
	MR_ACTION_EXPIRE,        /* return it to the sender at the next attempt */
	MR_ACTION_SET_PRIORITY,  /* change its place in line */
	MR_ACTION_RELEASE_RETRY, /* undo hold, and attempt delivery now */
	MR_ACTION_EXPIRE_NOW,    /* return it to the sender now, not at the next attempt */
	MR_ACTION_COUNT
};

/* Capability bits: one per action, plus what a source can show. */
#define MR_CAP_ACTION(action) (1u << (action))
#define MR_CAP_ALL_ACTIONS    ((1u << MR_ACTION_COUNT) - 1)
#define MR_CAP_CONTENT        (1u << 16) /* headers and body of a message */

struct mr_action_info {
	const char *name;    /* command word: "retry", "set-priority" */
	const char *label;   /* for menus: "Retry now" */
	const char *done;    /* for reports: "retried" */
	bool destructive;    /* cannot be undone: the question says so; act needs --yes */
	bool always_asks;    /* the screen asks first whatever the configuration says:
			      * what is destructive, and requeue (a new id; the
			      * reasons and attempts are forgotten) */
	bool takes_priority; /* needs mr_action_request.priority */
};

const struct mr_action_info *mr_action_info(enum mr_action action);
bool mr_action_parse(const char *name, enum mr_action *action);

/*
 * The operator's way to stop a long action (Ctrl-C, Esc): asked between ids
 * or batches, never in the middle of one; what was not started then is
 * MR_OUTCOME_NOT_ATTEMPTED. NULL, or a NULL function: never.
 */
struct mr_stop {
	bool (*requested)(void *ctx);
	void *ctx;
};

bool mr_stop_requested(const struct mr_stop *stop);

/*
 * How far a long action has come: called after each part of it with the ids
 * done so far (whatever their outcome) and the ids in all. Called on the
 * thread that runs the action. NULL, or a NULL function: nobody asks.
 */
struct mr_progress {
	void (*step)(void *ctx, size_t done, size_t total);
	void *ctx;
};

void mr_progress_step(const struct mr_progress *progress, size_t done, size_t total);

struct mr_action_request {
	enum mr_action action;
	int32_t priority; /* MR_ACTION_SET_PRIORITY only, when priority_step is 0 */
	/* MR_ACTION_SET_PRIORITY: when not 0, each message moves this far from
	 * the priority it has when the backend acts (saturating at the ends of
	 * 32 bits), and priority is not used. */
	int32_t priority_step;
	const char *const *ids;
	size_t n_ids;
	const struct mr_stop *stop;         /* NULL: runs to the end */
	const struct mr_progress *progress; /* NULL: nobody asks */
	double rate; /* at most this many ids a second (pace.h); 0: as fast as it goes */
};

/*
 * One true outcome per id. DELIVERED is for "retry now" only: after the
 * attempt the message left the queue (a source that cannot tell a delivery
 * from a bounce says so in the detail); mail that was tried and is still
 * queued, or was returned to the sender, is DONE with a detail saying which.
 */
enum mr_outcome {
	MR_OUTCOME_DONE,
	MR_OUTCOME_DELIVERED, /* retried, and it left the queue */
	MR_OUTCOME_NOT_FOUND, /* the id is not (or no longer) in the queue */
	MR_OUTCOME_FAILED,
	MR_OUTCOME_NOT_ATTEMPTED, /* the operator stopped the action first */
	MR_OUTCOME_COUNT
};

/* "done", "delivered", "not found", "failed", "not attempted". */
const char *mr_outcome_name(enum mr_outcome outcome);
/* Whether the action did what was asked: done or delivered. */
bool mr_outcome_succeeded(enum mr_outcome outcome);

struct mr_action_result {
	char *id;
	enum mr_outcome outcome;
	bool retryable;  /* FAILED only: whether trying again may help */
	char *detail;    /* NULL, or a sentence for the operator */
	char *new_id;    /* REQUEUE: the id the message has now */
	uint16_t origin; /* which of merged sources it was on (mr_message.origin) */
};

struct mr_action_report {
	enum mr_action action;
	struct mr_action_result *results;
	size_t n_results;
	size_t cap_results;
	size_t counts[MR_OUTCOME_COUNT];
};

void mr_action_report_init(struct mr_action_report *report, enum mr_action action);
void mr_action_report_finish(struct mr_action_report *report);
/* Records one id's outcome; detail is a printf format or NULL. */
struct mr_action_result *mr_action_report_add(struct mr_action_report *report, const char *id,
	enum mr_outcome outcome, bool retryable, const char *detail, ...)
	__attribute__((format(printf, 5, 6)));
/* Appends a copy of a result (from another report). */
struct mr_action_result *mr_action_report_append(
	struct mr_action_report *report, const struct mr_action_result *result);
/* Whether every result succeeded (mr_outcome_succeeded). */
bool mr_action_report_succeeded(const struct mr_action_report *report);
/* "N done, N delivered, N not found, N failed": every outcome, always in
 * this order, so that a script can read the counts by position. */
char *mr_action_report_tally(const struct mr_action_report *report);
/* The result for id, or NULL. */
const struct mr_action_result *mr_action_report_find(
	const struct mr_action_report *report, const char *id);

#endif
