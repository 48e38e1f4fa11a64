#ifndef MR_OPERATE_H
#define MR_OPERATE_H

/*
 * The operator's words for actions, shared by `mailroom act` and the
 * screen: the actions of action.h, and priority-up / priority-down, which
 * move each message one step where the source keeps priorities and mean
 * "retry now" and "hold" where it does not (Postfix).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"

struct mr_operation {
	const char *name; /* "hold", "priority-up": static, from mr_operation_names */
	enum mr_action action;
	int priority_step; /* priority-up: 1, priority-down: -1, else 0 */
	int32_t priority;  /* set-priority (mr_operation_set_priority) */
	/* NULL, or how the operator stops it between ids or batches (the rest
	 * are then not attempted). */
	const struct mr_stop *stop;
	/* NULL, or who is told how far it has come (each source's share on
	 * its own: done and total are that source's). */
	const struct mr_progress *progress;
	double rate; /* ids a second at most (pace.h); 0: as fast as it goes */
	/* Set by mr_operation_plan(): what the source will run (a priority
	 * step becomes retry or hold where it keeps no priorities). */
	enum mr_action runs;
};

/* The words, in the order menus offer them; NULL-terminated. */
extern const char *const mr_operation_names[];

bool mr_operation_parse(const char *name, struct mr_operation *op);
/* An operation that puts messages at one priority ("priority 5"), where
 * the source keeps priorities. */
void mr_operation_set_priority(struct mr_operation *op, int32_t priority);

/* Sets op->runs for src, and whether src can do it; *why says what it
 * cannot, or what a priority step means here (NULL when nothing to say; to
 * free). Whether to ask first: mr_action_info(op->runs)->destructive. */
bool mr_operation_plan(const struct mr_source *src, struct mr_operation *op, char **why);

/* Runs a planned op on ids into report, one result per distinct id, in
 * order. A priority step is one request: the source moves each message
 * from the priority it has then (no listing needed, and none goes stale).
 * With a fleet (fleet.h), origins says which member each id is on (the
 * message's origin) and each member gets its own ids, planned for it; the
 * results carry their origin. */
void mr_operation_run(struct mr_source *src, const struct mr_operation *op, const char *const *ids,
	const uint16_t *origins, size_t n, struct mr_action_report *report);

/* "A1, B2, C3 and 117 more" (to free). */
char *mr_ids_sample(const char *const *ids, size_t n);

#endif
