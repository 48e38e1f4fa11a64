/*
 * Actions from the screen: on what the view says (the list: the tagged
 * messages, else the one under the cursor; the detail and the message
 * views: their own message; a command: what its filter matches). Every
 * action asks first, naming the messages and recipients and any tagged
 * messages the filter hides, unless the configuration lets actions that
 * can be undone go without; then one outcome per message is said, listed on
 * 'o' and appended to the actions log.
 */

#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "actlog.h"
#include "app.h"
#include "buf.h"
#include "clock.h"
#include "draw.h"
#include "fleet.h"
#include "format.h"
#include "operate.h"
#include "signals.h"
#include "text.h"
#include "user.h"
#include "xalloc.h"

/* Actions that can be undone ask from this many messages even when the
 * configuration lets them go without a question. */
enum { CONFIRM_MANY = 100 };
/* An action that took this long ran behind a screen that did not answer:
 * the keys typed meanwhile were typed blind, and are dropped. Below it,
 * keys typed ahead are the operator's own quick typing, and are kept. */
enum { BLIND_MS = 250 };

void selection_add(struct selection *sel, const struct mr_snapshot *snap, uint32_t message) {
	const struct mr_message *m = &snap->messages[message];
	if (m->queue == MR_QUEUE_BOUNCED) {
		sel->bounced++; /* gone from the queue: nothing to act on */
		return;
	}
	if (sel->n == sel->cap) {
		sel->cap = sel->cap ? 2 * sel->cap : 16;
		sel->ids = mr_xreallocarray(sel->ids, sel->cap, sizeof(*sel->ids));
		sel->origins = mr_xreallocarray(sel->origins, sel->cap, sizeof(*sel->origins));
		sel->messages = mr_xreallocarray(sel->messages, sel->cap, sizeof(*sel->messages));
	}
	sel->ids[sel->n] = m->id;
	sel->origins[sel->n] = m->origin;
	sel->messages[sel->n] = message;
	sel->n++;
	sel->recipients += m->n_rcpts;
}

void selection_finish(struct selection *sel) {
	free(sel->ids);
	free(sel->origins);
	free(sel->messages);
	*sel = (struct selection){ 0 };
}

/* What a question is about, kept until it is answered. */
struct pending {
	struct mr_operation op;
	struct selection sel;
	char *why;            /* what the source will really do, or NULL */
	struct mr_actlog log; /* opened before the question: fd -1 with --no-audit */
};

static void pending_free(void *ctx) {
	struct pending *p = ctx;
	selection_finish(&p->sel);
	free(p->why);
	mr_actlog_close(&p->log);
	free(p);
}

static const char *plural(size_t n) {
	return n == 1 ? "" : "s";
}

/* "delete 3 messages, 17 recipients on demo? [y/N] This cannot be undone.
 * 1 of them is tagged but not shown. (A1, B2, C3)": what the answer needs
 * first, so that a narrow screen cuts only the sample. */
static char *question(const struct app *app, const struct pending *p) {
	struct mr_buf q;
	mr_buf_init(&q);
	char messages[MR_FORMAT_MAX], recipients[MR_FORMAT_MAX];
	mr_format_count(messages, p->sel.n);
	mr_format_count(recipients, p->sel.recipients);
	mr_buf_printf(&q, "%s", p->op.name);
	if (p->op.priority_step == 0 && p->op.action == MR_ACTION_SET_PRIORITY) {
		mr_buf_printf(&q, " %d", (int)p->op.priority);
	}
	mr_buf_printf(&q, " %s message%s, %s recipient%s on %s? [y/N]", messages, plural(p->sel.n),
		recipients, plural(p->sel.recipients), app->source->label);
	if (app->settings.rate > 0) {
		mr_buf_printf(&q, " At most %g a second (:rate).", app->settings.rate);
	}
	if (mr_action_info(p->op.runs)->destructive) {
		mr_buf_add_str(&q, " This cannot be undone.");
	}
	if (p->sel.hidden > 0) {
		mr_buf_printf(&q, " %zu of them %s %snot shown in the list.", p->sel.hidden,
			p->sel.hidden == 1 ? "is" : "are", p->sel.tagged ? "tagged but " : "");
	}
	if (p->sel.bounced > 0) {
		mr_buf_printf(&q, " %zu bounced left out.", p->sel.bounced);
	}
	if (p->why != NULL) {
		mr_buf_printf(&q, " %s.", p->why);
	}

	char *sample = mr_ids_sample(p->sel.ids, p->sel.n);
	mr_buf_printf(&q, " (%s)", sample);
	free(sample);
	return mr_buf_steal(&q);
}

static void list_outcomes(struct app *app, const struct mr_operation *op,
	const struct mr_action_report *report, const char *counts) {
	struct text_view *tv = &app->outcomes;
	text_view_clear(tv);
	tv->top = 0;
	char *title = mr_xasprintf("%s on %s: %s", op->name, app->source->label, counts);
	text_view_add(tv, 0, STYLE_NORMAL, title);
	free(title);
	text_view_add(tv, 0, STYLE_NORMAL, "");
	const struct mr_snapshot *snap = app->snap;
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
		text_view_add(tv, 2,
			mr_outcome_succeeded(r->outcome) ? STYLE_NORMAL : STYLE_PERMANENT, line);
		free(line);
	}
}

static struct mr_actlog_who who(struct app *app) {
	size_t n;
	const char *const *names = mr_source_names(app->source, &n);
	return (struct mr_actlog_who){ mr_now(), mr_user_name(), names, n };
}

/* Keys typed while a long action ran were typed at a screen that did not
 * answer: they are dropped, so that none of them starts or answers
 * something the operator has not seen (D and y typed blind would delete
 * whatever the cursor is on after the listing). Returns how many. */
static size_t drop_typed_keys(void) {
	size_t n = 0;
	nodelay(stdscr, TRUE);
	int key;
	while ((key = getch()) != ERR) {
		n += key != KEY_RESIZE;
	}
	nodelay(stdscr, FALSE);
	return n;
}

/* What stops a running action: Ctrl-C, or Esc once the action has run
 * long enough for keys to be typed blind (the other keys typed then are
 * counted, and dropped with the rest after). */
struct stopper {
	bool keys; /* a real terminal to read keys from */
	double started;
	bool stopped;
	size_t typed;
};

static bool stop_requested(void *ctx) {
	struct stopper *s = ctx;
	if (signals_interrupted()) {
		s->stopped = true;
	}
	if (s->keys && !s->stopped && mr_monotonic_ms() - s->started >= BLIND_MS) {
		nodelay(stdscr, TRUE);
		int key;
		while ((key = getch()) != ERR) {
			if (key == 27) {
				s->stopped = true;
			} else if (key != KEY_RESIZE) {
				s->typed++;
			}
		}
		nodelay(stdscr, FALSE);
	}
	return s->stopped;
}

/* The status line while an action runs: how far it has come, drawn at
 * once (the action runs on this thread; nothing else draws meanwhile). */
struct progress_line {
	struct app *app;
	const char *name;
};

static void show_progress(void *ctx, size_t done, size_t total) {
	struct progress_line *line = ctx;
	char d[MR_FORMAT_MAX], t[MR_FORMAT_MAX];
	mr_format_count(d, done);
	mr_format_count(t, total);
	app_set_message(
		line->app, "%s: %s of %s done... (Esc or Ctrl-C stops it)", line->name, d, t);
	app_draw(line->app);
}

static void run(struct app *app, struct pending *p) {
	/* The record first: no action without it. */
	char *cause = NULL;
	struct mr_actlog_who by = who(app);
	if (p->log.fd >= 0 && !mr_actlog_begin(&p->log, &by, mr_action_info(p->op.runs)->name,
				      p->sel.ids, p->sel.origins, p->sel.n, &cause)) {
		app_set_message(app,
			"%s: not done: cannot record it: %s (mailroom --no-audit acts "
			"without a record)",
			p->op.name, cause);
		free(cause);
		return;
	}
	/* Said before it starts: a long action must not look like a frozen
	 * screen. */
	app_set_message(app, "%s: %zu message%s... (Esc or Ctrl-C stops it)", p->op.name, p->sel.n,
		plural(p->sel.n));
	app_draw(app);
	struct mr_action_report report;
	struct stopper stopper = { .keys = app->prompt != NULL, .started = mr_monotonic_ms() };
	struct mr_stop stop = { stop_requested, &stopper };
	p->op.stop = &stop;
	struct progress_line line = { app, p->op.name };
	struct mr_progress progress = { show_progress, &line };
	p->op.progress = &progress;
	p->op.rate = app->settings.rate;
	app_settle(app); /* the source is the action's alone */
	mr_operation_run(app->source, &p->op, p->sel.ids, p->sel.origins, p->sel.n, &report);
	p->op.stop = NULL;
	p->op.progress = NULL;
	bool blind = mr_monotonic_ms() - stopper.started >= BLIND_MS;
	char *note = NULL;
	by.when = mr_now();
	if (p->log.fd >= 0 && !mr_actlog_record(&p->log, &by, &report, &cause)) {
		note = mr_xasprintf("outcomes not recorded: %s", cause);
		free(cause);
		cause = NULL;
	} else if (p->log.fd < 0) {
		note = mr_xstrdup("not recorded (--no-audit)");
	}
	char *counts = mr_action_report_tally(&report);
	list_outcomes(app, &p->op, &report, counts);
	/* Done messages lose their tags; the rest stay tagged, to retry. */
	for (size_t i = 0; i < report.n_results && i < p->sel.n; i++) {
		/* One result per id, in order (backend.h). */
		if (mr_outcome_succeeded(report.results[i].outcome)) {
			mr_rows_tag(&app->rows, p->sel.messages[i], false);
		}
	}
	size_t typed = stopper.typed + (app->prompt != NULL && blind ? drop_typed_keys() : 0);
	bool listed = app_refresh(app, &cause);
	free(cause);
	struct mr_buf extra;
	mr_buf_init(&extra);
	if (stopper.stopped) {
		mr_buf_add_str(&extra, "; stopped");
	}
	if (p->sel.bounced > 0) {
		mr_buf_add_str(&extra, "; bounced left out");
	}
	if (note != NULL) {
		mr_buf_printf(&extra, "; %s", note);
	}
	if (!listed) {
		mr_buf_add_str(&extra, "; cannot list again");
	}
	if (typed > 0) {
		mr_buf_printf(&extra, "; %zu key%s typed meanwhile ignored", typed, plural(typed));
	}
	app_set_message(
		app, "%s: %s%s (o lists them)", p->op.name, counts, extra.len ? extra.data : "");
	mr_buf_finish(&extra);
	free(counts);
	free(note);
	mr_action_report_finish(&report);
}

static void answered(struct app *app, bool yes, void *ctx) {
	struct pending *p = ctx;
	if (yes) {
		run(app, p);
	} else {
		app_set_message(app, "%s: not done", p->op.name);
	}
}

/* Asks when it must (always where the action says so, mr_action_info();
 * for the rest unless the configuration says not to), then runs. Takes p. */
static void ask_or_run(struct app *app, struct pending *p) {
	if (p->sel.n == 0) {
		app_set_message(app, "%s: nothing to act on%s", p->op.name,
			p->sel.bounced ? " (bounced mail has left the queue)" : "");
		pending_free(p);
		return;
	}
	bool ask = mr_action_info(p->op.runs)->always_asks || app->settings.confirm_all ||
		   p->sel.n >= CONFIRM_MANY || p->sel.hidden > 0;
	if (ask) {
		app_ask(app, question(app, p), answered, p, pending_free);
		return;
	}
	run(app, p);
	pending_free(p);
}

static void plan_and_ask(struct app *app, struct mr_operation *op, struct selection *sel) {
	struct pending *p = mr_xcalloc(1, sizeof(*p));
	p->op = *op;
	p->sel = *sel;
	*sel = (struct selection){ 0 };
	p->log = (struct mr_actlog){ .fd = -1 };
	if (!mr_operation_plan(app->source, &p->op, &p->why)) {
		app_set_message(app, "%s", p->why);
		pending_free(p);
		return;
	}
	/* The record can be written, or nothing is asked or done. */
	char *cause = NULL;
	if (!app->settings.no_audit && !mr_actlog_open(&p->log, &cause)) {
		app_set_message(app,
			"%s: not done: cannot record it: %s (mailroom --no-audit acts "
			"without a record)",
			p->op.name, cause);
		free(cause);
		pending_free(p);
		return;
	}
	ask_or_run(app, p);
}

void app_act(struct app *app, const char *operation, struct selection *sel) {
	struct mr_operation op;
	/* Acting on what a part of the queue showed would leave the rest out
	 * unseen: the action waits for the whole of it. */
	if (!app_whole_queue(app, operation)) {
		selection_finish(sel);
		return;
	}
	if (!mr_operation_parse(operation, &op)) {
		app_set_message(app, "no such action: %s", operation);
		selection_finish(sel);
		return;
	}
	plan_and_ask(app, &op, sel);
}

void app_set_priority(struct app *app, int32_t priority, struct selection *sel) {
	struct mr_operation op;
	if (!app_whole_queue(app, "priority")) {
		selection_finish(sel);
		return;
	}
	mr_operation_set_priority(&op, priority);
	plan_and_ask(app, &op, sel);
}

void app_act_from_view(struct app *app, const char *operation) {
	struct view *top = app_top(app);
	struct selection sel = { 0 };
	if (top->ops->targets == NULL) {
		app_set_message(
			app, "%s: %s shows no message to act on", operation, top->ops->what);
		return;
	}
	if (!top->ops->targets(app, top, &sel)) {
		selection_finish(&sel);
		return;
	}
	app_act(app, operation, &sel);
}
