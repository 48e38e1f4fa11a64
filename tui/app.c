/* The screen's state: the view stack, listings, the question, requests. */

#include "app.h"

#include <curses.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "draw.h"
#include "fleet.h"
#include "format.h"
#include "refresher.h"
#include "signals.h"
#include "xalloc.h"

enum { MIN_COLS = 20, MIN_LINES = 5 };

/* A listing that takes longer than this says so in the status line first. */
enum { SLOW_LISTING_MS = 300 };
/* Automatic listings leave the queue alone at least this many times as long
 * as a listing takes: a queue that takes 2 s to list is listed at most
 * every 20 s, whatever the interval asked. */
enum { LISTING_SHARE = 10 };
/* While a source of several is still listing, this often the loop looks
 * whether it has finished. */
enum { FLEET_POLL_MS = 200 };
/* While one source lists on its own thread, this often the loop looks
 * whether it has finished (the keys are answered meanwhile). */
enum { LISTING_POLL_MS = 50 };

/* Refreshes are timed on the monotonic clock, not with mr_now(), which
 * MAILROOM_NOW may pin. */
static int64_t monotonic_ms(void) {
	return (int64_t)mr_monotonic_ms();
}

/* --- the view stack ------------------------------------------------------------ */

struct view *app_top(const struct app *app) {
	return app->depth > 0 ? app->stack[app->depth - 1] : NULL;
}

enum keymap app_keymap(const struct app *app) {
	const struct view *top = app_top(app);
	return top != NULL ? top->keymap : KEYMAP_GENERIC;
}

/* The topmost list at or below depth. */
static struct list_view *list_below(const struct app *app, size_t depth) {
	for (size_t i = depth; i > 0; i--) {
		if (app->stack[i - 1]->ops == &list_view_ops) {
			return (struct list_view *)app->stack[i - 1];
		}
	}
	return NULL;
}

void app_push(struct app *app, struct view *v) {
	if (app->depth == app->cap) {
		app->cap = app->cap ? 2 * app->cap : 8;
		app->stack = mr_xreallocarray(app->stack, app->cap, sizeof(*app->stack));
	}
	app->stack[app->depth++] = v;
}

void app_pop(struct app *app) {
	if (app->depth <= 1) {
		return;
	}
	struct view *top = app->stack[--app->depth];
	if (top->ops == &list_view_ops) {
		/* The list below gets the rows back, as it left them. */
		app->list = NULL;
		top->ops->destroy(top);
		list_activate(app, list_below(app, app->depth));
	} else {
		top->ops->destroy(top);
	}
	struct view *now = app_top(app);
	if (now->ops->on_show != NULL) {
		now->ops->on_show(app, now);
	}
}

/* --- the list's cursor and filter ------------------------------------------------ */

const struct mr_message *app_current(const struct app *app) {
	const struct list_view *l = app->list;
	if (l == NULL || app->rows.n_rows == 0 || l->cursor >= app->rows.n_rows) {
		return NULL;
	}
	return &app->snap->messages[app->rows.rows[l->cursor]];
}

void app_keep_cursor(struct app *app, uint32_t message) {
	struct list_view *l = app->list;
	size_t row = mr_rows_find(&app->rows, message);
	l->cursor = row < app->rows.n_rows         ? row
		    : l->cursor < app->rows.n_rows ? l->cursor
		    : app->rows.n_rows > 0         ? app->rows.n_rows - 1
						   : 0;
}

/*
 * What stops a filter the screen runs. While the operator types (a preview),
 * a run that takes longer than PREVIEW_BUDGET_MS ends it, and the line then
 * filters only on Enter: the screen never runs an unbounded filter on a
 * keystroke. (A key typed meanwhile does not stop it: the list then always
 * shows the last text that parsed, not some earlier one.) When a filter is
 * applied, Esc or Ctrl-C ends it; other keys typed meanwhile are kept for
 * after. The filter's own code asks at least every 10 ms.
 */
enum { PREVIEW_BUDGET_MS = 150, SAY_FILTERING_MS = 250, KEPT_KEYS = 64 };

struct filter_stop {
	const struct app *app;
	bool preview;
	double started;
	bool said; /* "filtering..." shown */
	bool timed_out, cancelled;
	int kept[KEPT_KEYS];
	size_t n_kept;
};

static bool input_waiting(void) {
	struct pollfd in = { .fd = STDIN_FILENO, .events = POLLIN };
	return poll(&in, 1, 0) > 0;
}

static bool filter_should_stop(void *ctx) {
	struct filter_stop *s = ctx;
	double took = mr_monotonic_ms() - s->started;
	if (s->preview) {
		s->timed_out = took > PREVIEW_BUDGET_MS;
		return s->timed_out;
	}
	if (signals_interrupted()) {
		s->cancelled = true;
	}
	if (s->app->prompt == NULL) {
		return s->cancelled; /* the benchmark: no terminal to read */
	}
	if (!s->said && took > SAY_FILTERING_MS) {
		/* Only the status line: the rows are being made. */
		s->said = true;
		int y = LINES - 1 - (s->app->settings.keybar ? 1 : 0);
		draw_fill(stdscr, y, 0, COLS, STYLE_STATUS, A_NORMAL);
		draw_str(stdscr, y, 1, COLS - 1, "filtering... (Esc or Ctrl-C stops it)",
			STYLE_STATUS, A_NORMAL);
		refresh();
	}
	/* Once KEPT_KEYS are kept, the rest stay in the terminal's input,
	 * read after them (an Esc among them then no longer stops the run). */
	while (!s->cancelled && s->n_kept < KEPT_KEYS && input_waiting()) {
		int key = getch();
		if (key == 27) {
			s->cancelled = true;
		} else if (key != ERR && key != KEY_RESIZE && s->n_kept < KEPT_KEYS) {
			s->kept[s->n_kept++] = key;
		}
		if (key == ERR) {
			break;
		}
	}
	return s->cancelled;
}

enum mr_filter_status app_filter(
	struct app *app, const char *expr, bool preview, struct mr_filter_error *err) {
	struct mr_filter *filter = mr_filter_parse(expr, mr_kb_default(), err);
	if (filter == NULL) {
		return MR_FILTER_FAILED;
	}
	struct list_view *l = app->list;
	const struct mr_message *current = app_current(app);
	uint32_t m = current ? (uint32_t)(current - app->snap->messages) : UINT32_MAX;
	if (mr_filter_is_empty(filter)) {
		mr_filter_free(filter);
		filter = NULL;
	}
	struct filter_stop stop = { .app = app, .preview = preview, .started = mr_monotonic_ms() };
	struct mr_filter_run_opts opts = { filter_should_stop, &stop };
	enum mr_filter_status status =
		mr_rows_set_filter_with(&app->rows, filter, app->refreshed_at, &opts);
	/* Keys typed while it ran, for after it, in their order. */
	for (size_t i = stop.n_kept; i > 0; i--) {
		ungetch(stop.kept[i - 1]);
	}
	if (status != MR_FILTER_DONE) {
		if (status == MR_FILTER_FAILED) {
			mr_filter_last_status(filter, err);
		} else {
			snprintf(err->message, sizeof(err->message), "%s",
				stop.timed_out ? "takes longer than a keystroke: Enter applies it"
					       : "stopped: not applied");
			err->pos = 0;
		}
		mr_filter_free(filter);
		/* The list as it was: the filter it had, which ran before. */
		mr_rows_set_filter(&app->rows, l->filter, app->refreshed_at);
		app_keep_cursor(app, m);
		return status;
	}
	mr_filter_free(l->filter);
	free(l->filter_text);
	l->filter = filter;
	l->filter_text = filter != NULL ? mr_xstrdup(expr) : NULL;
	app_keep_cursor(app, m);
	return MR_FILTER_DONE;
}

bool app_set_filter(struct app *app, const char *expr, struct mr_filter_error *err) {
	return app_filter(app, expr, false, err) == MR_FILTER_DONE;
}

/* --- listings ---------------------------------------------------------------------- */

static void schedule_refresh(struct app *app) {
	int64_t wait = (int64_t)app->settings.refresh * 1000;
	if (wait < app->listing_ms * LISTING_SHARE) {
		wait = app->listing_ms * LISTING_SHARE;
	}
	app->refresh_due = monotonic_ms() + wait;
}

void app_set_refresh(struct app *app, int seconds) {
	app->settings.refresh = seconds > 0 ? seconds : 0;
	schedule_refresh(app);
}

/* A new listing on the screen: the tags move to it, the list's cursor stays
 * on its message if it is still shown, else on the same row; every open
 * view is told. */
static void take_listing(struct app *app, struct mr_snapshot *snap, struct mr_rows_ranks *ranks) {
	const struct mr_message *current = app_current(app);
	char *keep = current != NULL ? mr_xstrdup(current->id) : NULL;
	uint16_t keep_origin = current != NULL ? current->origin : 0;
	/* The old snapshot lives until the tags have moved to the new one. */
	app_keep_warnings(app);
	size_t lost = ranks != NULL ? mr_rows_set_ranked(&app->rows, snap, ranks, app->list->filter,
					      snap->taken_at)
				    : mr_rows_set_snapshot(
					      &app->rows, snap, app->list->filter, snap->taken_at);
	mr_snapshot_destroy(app->snap);
	app->snap = snap;
	app->partial = false;
	app->refreshed_at = snap->taken_at;
	if (lost > 0) {
		app_set_message(
			app, "%zu tagged message%s left the queue", lost, lost == 1 ? "" : "s");
	}
	const struct mr_message *found =
		keep ? mr_snapshot_find_from(snap, keep_origin, keep) : NULL;
	struct list_view *l = app->list;
	if (found != NULL) {
		size_t row = mr_rows_find(&app->rows, (uint32_t)(found - snap->messages));
		if (row < app->rows.n_rows) {
			l->cursor = row;
		}
	}
	if (l->cursor >= app->rows.n_rows) {
		l->cursor = app->rows.n_rows > 0 ? app->rows.n_rows - 1 : 0;
	}
	free(keep);
	for (size_t i = 0; i < app->depth; i++) {
		struct view *v = app->stack[i];
		if (v->ops->on_refresh != NULL) {
			v->ops->on_refresh(app, v);
		}
	}
}

void app_settle(struct app *app) {
	if (app->listing == NULL) {
		return;
	}
	if (app->partial) {
		refresher_wait(app->listing); /* the whole queue, taken when idle */
		return;
	}
	refresher_drop(app->listing);
	app->listing = NULL;
	app->refresh_due = monotonic_ms();
}

bool app_refresh(struct app *app, char **cause) {
	app_settle(app);
	if (app->listing != NULL) {
		refresher_drop(app->listing); /* kept by app_settle: listed anew here */
		app->listing = NULL;
	}
	int64_t start = monotonic_ms();
	struct mr_snapshot *snap = mr_source_list(app->source, cause);
	app->listing_ms = monotonic_ms() - start;
	schedule_refresh(app);
	if (snap == NULL) {
		return false;
	}
	take_listing(app, snap, NULL);
	return true;
}

void app_take_news(struct app *app) {
	if (!mr_fleet_is(app->source) || !mr_fleet_news(app->source)) {
		return;
	}
	char *cause = NULL;
	struct mr_snapshot *snap = mr_fleet_merge(app->source, &cause);
	if (snap != NULL) {
		take_listing(app, snap, NULL);
	}
	free(cause);
}

/* A listing on its own thread is over: its snapshot on the screen, or its
 * error in the status line (the last listing stays). */
static void take_background_listing(struct app *app) {
	struct mr_rows_ranks ranks;
	char *cause = NULL;
	struct mr_snapshot *snap = refresher_finish(app->listing, &ranks, &app->listing_ms, &cause);
	app->listing = NULL;
	schedule_refresh(app);
	if (snap == NULL) {
		app_set_message(app, "cannot list the queue%s: %s",
			app->partial ? " whole (r lists again)" : "", cause);
		free(cause);
		return;
	}
	bool first = app->partial;
	take_listing(app, snap, &ranks);
	if (first) {
		app_show_warnings(app);
	}
	if (app->listing_asked) {
		app_set_message(app, "listed again: %zu message%s", app->snap->n_messages,
			app->snap->n_messages == 1 ? "" : "s");
	}
	app->listing_asked = false;
}

void app_refresh_now(struct app *app, bool asked) {
	/* One source lists on a thread of its own, and the keys are answered
	 * meanwhile. A fleet's members list on theirs already, and its
	 * listing waits for them only a moment (LATER_PATIENCE_MS). */
	if (!mr_fleet_is(app->source)) {
		if (asked && app->partial && app->listing != NULL) {
			/* The first listing still runs: it is the newest there is. */
			char read[MR_FORMAT_MAX];
			mr_format_count(read, refresher_messages_read(app->listing));
			app_set_message(app, "still reading the queue (%s messages so far)", read);
			return;
		}
		if (app->listing == NULL) {
			app->listing = refresher_start(app->source);
		}
		if (app->listing != NULL) {
			app->listing_asked |= asked;
			if (asked) {
				app_set_message(app, "listing the queue again...");
			}
			return;
		}
	}
	if (app->listing_ms > SLOW_LISTING_MS) {
		char *keep = app->message;
		app->message = mr_xstrdup("listing the queue again...");
		app_draw(app);
		free(app->message);
		app->message = keep;
	}
	char *cause = NULL;
	if (!app_refresh(app, &cause)) {
		/* The last listing stays on the screen, its time in the status
		 * line saying how old it is. */
		app_set_message(app, "cannot list the queue: %s", cause);
		free(cause);
	} else if (asked) {
		app_set_message(app, "listed again: %zu message%s", app->snap->n_messages,
			app->snap->n_messages == 1 ? "" : "s");
	}
}

int app_idle_timeout(const struct app *app) {
	/* A question waits for its answer with the queue as it was asked
	 * about: nothing is listed or merged in meanwhile. */
	if (app->question.text != NULL) {
		return -1;
	}
	int wait = -1;
	if (app->listing != NULL) {
		return LISTING_POLL_MS; /* to take it soon after it ends */
	}
	if (app->settings.refresh > 0) {
		int64_t left = app->refresh_due - monotonic_ms();
		wait = left <= 0 ? 0 : left > INT_MAX ? INT_MAX : (int)left;
	}
	if (mr_fleet_is(app->source) && mr_fleet_busy(app->source) &&
		(wait < 0 || wait > FLEET_POLL_MS)) {
		wait = FLEET_POLL_MS;
	}
	return wait;
}

void app_idle(struct app *app) {
	if (app->question.text != NULL) {
		return;
	}
	app_take_news(app);
	if (app->listing != NULL) {
		if (refresher_done(app->listing)) {
			take_background_listing(app);
		}
		return;
	}
	if (app->settings.refresh > 0 && monotonic_ms() >= app->refresh_due) {
		app_refresh_now(app, false);
	}
}

bool app_whole_queue(struct app *app, const char *what) {
	if (!app->partial) {
		return true;
	}
	if (app->listing == NULL) {
		app_set_message(app,
			"%s: only part of the queue was read (the listing failed): r lists it "
			"again",
			what);
		return false;
	}
	char read[MR_FORMAT_MAX];
	mr_format_count(read, refresher_messages_read(app->listing));
	app_set_message(
		app, "%s: waits until the whole queue is read (%s messages so far)", what, read);
	return false;
}

void app_show_warnings(struct app *app) {
	const char *w = app->source_warnings;
	if (w == NULL) {
		return;
	}
	size_t len = strcspn(w, "\n");
	bool more = w[len] != '\0';
	app_set_message(app, "%.*s%s", (int)len, w,
		more ? " (and more: mailroom list prints them all)" : "");
}

/* --- messages and questions ----------------------------------------------------------- */

void app_set_message(struct app *app, const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	free(app->message);
	app->message = mr_xvasprintf(fmt, ap);
	va_end(ap);
}

void app_ask(struct app *app, char *text, void (*answer)(struct app *, bool, void *), void *ctx,
	void (*free_ctx)(void *)) {
	free(app->question.text);
	app->question = (struct question){ text, answer, free_ctx, ctx };
}

static void answer_question(struct app *app, bool yes) {
	struct question q = app->question;
	app->question = (struct question){ 0 };
	q.answer(app, yes, q.ctx);
	if (q.free_ctx != NULL) {
		q.free_ctx(q.ctx);
	}
	free(q.text);
}

/* --- drawing ------------------------------------------------------------------------- */

int app_body_rows(const struct app *app) {
	return LINES - 2 - (app->settings.keybar ? 1 : 0);
}

void app_draw(struct app *app) {
	erase();
	if (COLS < MIN_COLS || LINES < MIN_LINES) {
		mvaddnstr(0, 0, "terminal too small", COLS);
		refresh();
		return;
	}
	struct view *top = app_top(app);
	top->ops->draw(app, top);
	int status_y = LINES - 1 - (app->settings.keybar ? 1 : 0);
	status_draw(app, status_y);
	if (app->settings.keybar) {
		keybar_draw(app, LINES - 1);
	}
	/* The prompt, while a line is typed, stands on the last line (its note
	 * above it). */
	prompt_draw(app->prompt);
	refresh();
}

/* --- requests ---------------------------------------------------------------------------- */

static const char *const operations[REQ_COUNT] = {
	[REQ_ACT_RETRY] = "retry",
	[REQ_ACT_HOLD] = "hold",
	[REQ_ACT_RELEASE] = "release",
	[REQ_ACT_REQUEUE] = "requeue",
	[REQ_ACT_EXPIRE] = "expire",
	[REQ_ACT_RELEASE_RETRY] = "release-retry",
	[REQ_ACT_EXPIRE_NOW] = "expire-now",
	[REQ_ACT_DELETE] = "delete",
	[REQ_ACT_PRIORITY_UP] = "priority-up",
	[REQ_ACT_PRIORITY_DOWN] = "priority-down",
};

/* Opens a view of a kind that is not on top already. */
static bool on_top(const struct app *app, const struct view_ops *ops) {
	return app_top(app)->ops == ops;
}

/* The requests every view answers the same way. */
static bool handle_global(struct app *app, enum request req) {
	switch (req) {
	case REQ_QUIT:
		app->quit = true;
		return true;
	case REQ_BACK:
		if (app->depth > 1) {
			app_pop(app);
		} else {
			app->quit = true;
		}
		return true;
	case REQ_CLOSE:
		if (app->depth > 1) {
			app_pop(app);
		} else {
			app_set_message(app, "nothing to close here: q quits");
		}
		return true;
	case REQ_HELP:
		help_open(app); /* on the help too: its own keys */
		return true;
	case REQ_REDRAW:
		clearok(curscr, TRUE);
		return true;
	case REQ_REFRESH:
		app_refresh_now(app, true);
		return true;
	case REQ_COMMAND:
		app_prompt(app, ':');
		return true;
	case REQ_OUTCOMES:
		if (!on_top(app, &outcomes_view_ops)) {
			outcomes_open(app);
		}
		return true;
	case REQ_SOURCES:
		if (!on_top(app, &sources_view_ops)) {
			sources_open(app);
		}
		return true;
	case REQ_SUMMARY:
		if (!on_top(app, &summary_view_ops)) {
			summary_open(app);
		}
		return true;
	case REQ_CODES:
		if (!on_top(app, &codes_view_ops)) {
			codes_open(app, app->codes_query);
		}
		return true;
	default:
		return false;
	}
}

void app_handle(struct app *app, enum request req) {
	struct view *top = app_top(app);
	if (req == REQ_NONE) {
		return;
	}
	if (view_answers(top, req)) {
		if ((unsigned)req < REQ_COUNT && operations[req] != NULL) {
			app_act_from_view(app, operations[req]);
		} else {
			top->ops->handle(app, top, req);
		}
		return;
	}
	if (handle_global(app, req)) {
		return;
	}
	char key[16];
	request_first_key(app_keymap(app), req, key, sizeof(key));
	app_set_message(app, "%s%s%s: not in this view (? lists its keys)", key, key[0] ? " " : "",
		request_bar(req));
}

void app_key(struct app *app, int key) {
	if (key == KEY_RESIZE) {
		return;
	}
	if (app->question.text != NULL) {
		/* Every key answers: none reaches the view behind the question. */
		if (key != KEY_MOUSE) {
			answer_question(app, key == 'y' || key == 'Y');
		}
		return;
	}
	free(app->message);
	app->message = NULL;
	enum request req = key_request(app_keymap(app), key);
	if (req == REQ_NONE && key > ' ' && key < 127) {
		app_set_message(app, "%c: no key here (? lists them)", key);
		return;
	}
	app_handle(app, req);
}

/* --- life ------------------------------------------------------------------------------------ */

void app_init(struct app *app, struct mr_source *source, struct mr_snapshot *snap,
	struct mr_rows_ranks *ranks, const struct app_settings *settings) {
	*app = (struct app){ .settings = *settings, .source = source };
	mr_rows_init(&app->rows);
	mr_buf_init(&app->prompt_note);
	list_open(app, NULL);
	app->snap = snap;
	app->refreshed_at = snap->taken_at;
	if (ranks != NULL) {
		mr_rows_set_ranked(&app->rows, snap, ranks, NULL, snap->taken_at);
	} else {
		mr_rows_set_snapshot(&app->rows, snap, NULL, snap->taken_at);
	}
	schedule_refresh(app);
}

void app_keep_warnings(struct app *app) {
	free(app->source_warnings);
	app->source_warnings = app->source->warnings ? mr_xstrdup(app->source->warnings) : NULL;
}

bool app_finish(struct app *app) {
	bool source_free = app->listing == NULL || refresher_abandon(app->listing);
	app->listing = NULL;
	while (app->depth > 0) {
		struct view *v = app->stack[--app->depth];
		v->ops->destroy(v);
	}
	free(app->stack);
	if (app->question.text != NULL) {
		if (app->question.free_ctx != NULL) {
			app->question.free_ctx(app->question.ctx);
		}
		free(app->question.text);
	}
	mr_rows_finish(&app->rows);
	mr_snapshot_destroy(app->snap);
	text_view_finish(&app->outcomes);
	free(app->codes_query);
	free(app->source_warnings);
	free(app->message);
	mr_buf_finish(&app->prompt_note);
	return source_free;
}
