/* Actions from the screen: on the tagged messages, or the current one;
 * destructive ones confirmed with the count and a sample; the outcome said
 * in the status line, listed on 'o', and appended to the actions log. */

#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "actlog.h"
#include "app.h"
#include "clock.h"
#include "draw.h"
#include "fleet.h"
#include "operate.h"
#include "text.h"
#include "user.h"
#include "xalloc.h"

/* The ids to act on (their messages' indexes and origins): every tagged
 * message, shown or not, else the current one. Bounced mail has left the
 * queue: counted, not acted on. */
static const char **targets(
	const struct app *app, uint32_t **which, uint16_t **origins, size_t *n, size_t *bounced) {
	const struct mr_snapshot *snap = app->snap;
	size_t most = app->list.n_tagged > 0 ? app->list.n_tagged : 1;
	const char **ids = mr_xcalloc(most + 1, sizeof(*ids));
	*which = mr_xcalloc(most + 1, sizeof(**which));
	*origins = mr_xcalloc(most + 1, sizeof(**origins));
	*n = *bounced = 0;
	for (size_t i = 0; i < snap->n_messages; i++) {
		bool chosen = app->list.n_tagged > 0 ? app->list.tagged[i]
						     : &snap->messages[i] == app_current(app);
		if (!chosen) {
			continue;
		}
		if (snap->messages[i].queue == MR_QUEUE_BOUNCED) {
			(*bounced)++;
		} else {
			(*which)[*n] = (uint32_t)i;
			(*origins)[*n] = snap->messages[i].origin;
			ids[(*n)++] = snap->messages[i].id;
		}
	}
	return ids;
}

/* Actions that can be undone still ask when they touch this many. */
enum { CONFIRM_FROM = 100 };

/* A question on the status line, which it has to itself; true for y. */
static bool confirm(struct app *app, const char *question) {
	app_set_message(app, "%s", question);
	app->asking = true;
	app_draw(app);
	int key = getch();
	app->asking = false;
	free(app->message);
	app->message = NULL;
	return key == 'y' || key == 'Y';
}

static void list_outcomes(struct app *app, const struct mr_operation *op, const char *source,
	const struct mr_snapshot *snap, const struct mr_action_report *report) {
	struct text_view *tv = &app->outcomes;
	text_view_clear(tv);
	tv->top = 0;
	char *title = mr_xasprintf("%s on %s: %zu done, %zu not found, %zu failed", op->name,
		source, report->counts[MR_OUTCOME_DONE], report->counts[MR_OUTCOME_NOT_FOUND],
		report->counts[MR_OUTCOME_FAILED]);
	text_view_add(tv, 0, STYLE_NORMAL, title);
	free(title);
	text_view_add(tv, 0, STYLE_NORMAL, "");
	for (size_t i = 0; i < report->n_results; i++) {
		const struct mr_action_result *r = &report->results[i];
		/* With merged sources, which one it was on comes first. */
		const char *origin = r->origin < snap->n_origins ? snap->origins[r->origin] : NULL;
		char *line = mr_xasprintf("%s%s%-14s %-10s %s%s", origin ? origin : "",
			origin ? " " : "", r->id, mr_outcome_name(r->outcome),
			r->new_id ? "now " : "",
			r->new_id   ? r->new_id
			: r->detail ? r->detail
				    : "");
		text_view_add(tv, 2, r->outcome == MR_OUTCOME_DONE ? STYLE_NORMAL : STYLE_PERMANENT,
			line);
		free(line);
	}
}

static void log_action(struct app *app, const struct mr_action_report *report, char **note) {
	char *path = mr_actlog_path();
	char *cause = NULL;
	if (path == NULL) {
		*note = mr_xstrdup("not logged: neither XDG_STATE_HOME nor HOME is set");
	} else {
		size_t n;
		const char *const *names = mr_source_names(app->source, &n);
		if (!mr_actlog_append(path, mr_now(), mr_user_name(), names, n, report, &cause)) {
			*note = mr_xasprintf("not logged: %s", cause);
			free(cause);
		}
	}
	free(path);
}

void app_act(struct app *app, const char *operation) {
	struct mr_operation op;
	if (!mr_operation_parse(operation, &op)) {
		app_set_message(app, "no such action: %s", operation);
		return;
	}
	char *why = NULL;
	if (!mr_operation_plan(app->source, &op, &why)) {
		app_set_message(app, "%s", why);
		free(why);
		return;
	}
	size_t n, bounced;
	uint32_t *which;
	uint16_t *origins;
	const char **ids = targets(app, &which, &origins, &n, &bounced);
	char *some = mr_ids_sample(ids, n);
	if (n == 0) {
		app_set_message(app, "%s: nothing to act on%s", op.name,
			bounced ? " (bounced mail has left the queue)" : "");
	} else {
		/* What the answer needs first, so that a narrow screen cuts only
		 * the sample: "delete 2 messages on demo? [y/N] This cannot be
		 * undone. (A1, B2)". */
		char *full = mr_xasprintf("%s %zu message%s on %s? [y/N]%s%s%s (%s)", op.name, n,
			n == 1 ? "" : "s", app->source->label,
			mr_action_info(op.runs)->destructive ? " This cannot be undone." : "",
			why ? " " : "", why ? why : "", some);
		/* Destructive ones always ask, others when they are many. */
		bool asked = mr_action_info(op.runs)->destructive || n >= CONFIRM_FROM;
		if (!asked || confirm(app, full)) {
			struct mr_action_report report;
			mr_operation_run(app->source, &op, app->snap, ids, origins, n, &report);
			char *note = NULL;
			log_action(app, &report, &note);
			list_outcomes(app, &op, app->source->label, app->snap, &report);
			/* Done messages lose their tags; the rest stay tagged, to retry. */
			for (size_t i = 0; i < report.n_results && i < n; i++) {
				/* One result per id, in order (backend.h). */
				if (report.results[i].outcome == MR_OUTCOME_DONE) {
					mr_rows_tag(&app->list, which[i], false);
				}
			}
			char *cause = NULL;
			bool listed = app_refresh(app, &cause);
			app_set_message(app,
				"%s: %zu done, %zu not found, %zu failed%s%s%s%s (o lists them)",
				op.name, report.counts[MR_OUTCOME_DONE],
				report.counts[MR_OUTCOME_NOT_FOUND],
				report.counts[MR_OUTCOME_FAILED],
				bounced ? "; bounced left out" : "", note ? "; " : "",
				note ? note : "", listed ? "" : "; cannot list again");
			free(cause);
			free(note);
			mr_action_report_finish(&report);
		} else {
			app_set_message(app, "%s: not done", op.name);
		}
		free(full);
	}
	free(why);
	free(some);
	free(ids);
	free(which);
	free(origins);
}

void outcomes_draw(struct app *app) {
	if (app->outcomes.n_lines == 0) {
		draw_title("Outcomes of the last action");
		draw_str(stdscr, 2, 2, COLS - 2, "No action yet.", STYLE_DIM, A_NORMAL);
		return;
	}
	text_view_page(&app->outcomes, "Outcomes of the last action");
}

void outcomes_handle(struct app *app, enum request req) {
	if (text_view_scroll(&app->outcomes, req, text_view_rows())) {
		return;
	}
	if (req == REQ_BACK) {
		app->view = VIEW_LIST;
	}
}
