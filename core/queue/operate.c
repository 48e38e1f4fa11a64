#include "operate.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fleet.h"
#include "xalloc.h"

const char *const mr_operation_names[] = { "retry", "hold", "release", "delete", "requeue",
	"expire", "priority-up", "priority-down", "release-retry", "expire-now", NULL };

bool mr_operation_parse(const char *name, struct mr_operation *op) {
	*op = (struct mr_operation){ .name = name };
	bool known = true;
	if (strcmp(name, "priority-up") == 0 || strcmp(name, "priority-down") == 0) {
		op->priority_step = name[9] == 'u' ? 1 : -1;
		op->action = MR_ACTION_SET_PRIORITY;
	} else {
		/* set-priority takes a number; the operator steps up or down. */
		known = strcmp(name, "set-priority") != 0 && mr_action_parse(name, &op->action);
	}
	op->runs = op->action; /* until mr_operation_plan() says otherwise */
	/* The name is the table's, not the caller's: an operation may be kept
	 * (a question waiting for its answer) after the words it came from. */
	for (size_t i = 0; known && mr_operation_names[i] != NULL; i++) {
		if (strcmp(mr_operation_names[i], name) == 0) {
			op->name = mr_operation_names[i];
		}
	}
	return known;
}

void mr_operation_set_priority(struct mr_operation *op, int32_t priority) {
	*op = (struct mr_operation){ .name = "priority",
		.action = MR_ACTION_SET_PRIORITY,
		.priority = priority,
		.runs = MR_ACTION_SET_PRIORITY };
}

bool mr_operation_plan(const struct mr_source *src, struct mr_operation *op, char **why) {
	*why = NULL;
	op->runs = op->action;
	if (op->priority_step != 0 && !mr_source_can(src, MR_ACTION_SET_PRIORITY)) {
		op->runs = op->priority_step > 0 ? MR_ACTION_RETRY : MR_ACTION_HOLD;
		if (mr_source_can(src, op->runs)) {
			*why = mr_xasprintf("%s keeps no priority per message: %s means %s",
				src->label, op->name, mr_action_info(op->runs)->label);
			return true;
		}
	}
	if (!mr_source_can(src, op->runs)) {
		*why = mr_xasprintf("%s cannot %s%s%s", src->label, op->name,
			src->limits ? ": " : "", src->limits ? src->limits : "");
		return false;
	}
	return true;
}

/* On one source: ids of one origin. A priority step is one request, each
 * message moved by the source from the priority it has as it acts. */
static void run_on(struct mr_source *src, const struct mr_operation *op, const char *const *ids,
	size_t n, struct mr_action_report *report) {
	struct mr_action_request req = {
		.action = op->runs,
		.priority = op->priority,
		.priority_step = op->runs == MR_ACTION_SET_PRIORITY ? op->priority_step : 0,
		.ids = ids,
		.n_ids = n,
		.stop = op->stop,
		.progress = op->progress,
		.rate = op->rate,
	};
	mr_source_act(src, &req, report);
}

/* One member's share of a fleet's action: planned for that member (a
 * priority step may mean retry on one and a priority on another). */
static void run_on_member(struct mr_source *fleet, const struct mr_operation *op, uint16_t origin,
	const char *const *ids, size_t n, struct mr_action_report *report) {
	char *cause = NULL, *why = NULL;
	struct mr_source *member = mr_source_of(fleet, origin, &cause);
	struct mr_operation planned = *op;
	if (member != NULL && mr_operation_plan(member, &planned, &why)) {
		run_on(member, &planned, ids, n, report);
	} else {
		mr_action_report_init(report, op->runs);
		for (size_t i = 0; i < n; i++) {
			mr_action_report_add(report, ids[i], MR_OUTCOME_FAILED, true, "%s",
				member ? why : cause);
		}
	}
	free(cause);
	free(why);
}

void mr_operation_run(struct mr_source *src, const struct mr_operation *op, const char *const *ids,
	const uint16_t *origins, size_t n, struct mr_action_report *report) {
	if (!mr_fleet_is(src) || origins == NULL) {
		run_on(src, op, ids, n, report);
		return;
	}
	/* Split by origin, each member's ids in the order given. */
	size_t most = 0;
	for (size_t i = 0; i < n; i++) {
		most = origins[i] > most ? origins[i] : most;
	}
	struct mr_action_report *parts = mr_xcalloc(most + 1, sizeof(*parts));
	size_t *next = mr_xcalloc(most + 1, sizeof(*next));
	const char **mine = mr_xcalloc(n + 1, sizeof(*mine));
	for (size_t o = 0; o <= most; o++) {
		size_t k = 0;
		for (size_t i = 0; i < n; i++) {
			if (origins[i] == o) {
				mine[k++] = ids[i];
			}
		}
		if (k > 0) {
			run_on_member(src, op, (uint16_t)o, mine, k, &parts[o]);
		} else {
			mr_action_report_init(&parts[o], op->runs);
		}
	}
	/* Back in the order given: each member answered its ids in order, one
	 * result per distinct id (backend.h). */
	mr_action_report_init(report, op->runs);
	for (size_t i = 0; i < n; i++) {
		struct mr_action_report *part = &parts[origins[i]];
		size_t *at = &next[origins[i]];
		if (*at < part->n_results && strcmp(part->results[*at].id, ids[i]) == 0) {
			mr_action_report_append(report, &part->results[(*at)++])->origin =
				origins[i];
		}
	}
	for (size_t o = 0; o <= most; o++) {
		mr_action_report_finish(&parts[o]);
	}
	free(parts);
	free(next);
	free(mine);
}

char *mr_ids_sample(const char *const *ids, size_t n) {
	struct mr_buf s;
	mr_buf_init(&s);
	for (size_t i = 0; i < n && i < 3; i++) {
		mr_buf_printf(&s, "%s%s", i ? ", " : "", ids[i]);
	}
	if (n > 3) {
		mr_buf_printf(&s, " and %zu more", n - 3);
	}
	return mr_buf_steal(&s);
}
