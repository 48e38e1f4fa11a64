/* The curses screen: set-up, the key loop, and the state views share. */

#include "screen.h"

#include <curses.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "draw.h"
#include "xalloc.h"

enum { MIN_COLS = 20, MIN_LINES = 4 };

const struct mr_message *app_current(const struct app *app) {
	if (app->list.n_rows == 0 || app->cursor >= app->list.n_rows) {
		return NULL;
	}
	return &app->snap->messages[app->list.rows[app->cursor]];
}

bool app_refresh(struct app *app, char **cause) {
	struct mr_snapshot *snap = mr_source_list(app->source, cause);
	if (snap == NULL) {
		return false;
	}
	const struct mr_message *current = app_current(app);
	char *keep = current != NULL ? mr_xstrdup(current->id) : NULL;
	/* The old snapshot lives until the tags have moved to the new one. */
	size_t lost = mr_rows_set_snapshot(&app->list, snap, app->filter, snap->taken_at);
	mr_snapshot_destroy(app->snap);
	app->snap = snap;
	app->refreshed_at = snap->taken_at;
	if (lost > 0) {
		app_set_message(
			app, "%zu tagged message%s left the queue", lost, lost == 1 ? "" : "s");
	}
	/* The cursor stays on its message if it is still shown, else on the
	 * same row. */
	const struct mr_message *found = keep ? mr_snapshot_find(snap, keep) : NULL;
	if (found != NULL) {
		size_t row = mr_rows_find(&app->list, (uint32_t)(found - snap->messages));
		if (row < app->list.n_rows) {
			app->cursor = row;
		}
	}
	if (app->cursor >= app->list.n_rows) {
		app->cursor = app->list.n_rows > 0 ? app->list.n_rows - 1 : 0;
	}
	free(keep);
	return true;
}

bool app_set_filter(struct app *app, const char *expr, struct mr_filter_error *err) {
	struct mr_filter *filter = mr_filter_parse(expr, mr_kb_default(), err);
	if (filter == NULL) {
		return false;
	}
	const struct mr_message *current = app_current(app);
	uint32_t m = current ? (uint32_t)(current - app->snap->messages) : UINT32_MAX;
	mr_filter_free(app->filter);
	free(app->filter_text);
	app->filter = mr_filter_is_empty(filter) ? NULL : filter;
	app->filter_text = app->filter ? mr_xstrdup(expr) : NULL;
	if (app->filter == NULL) {
		mr_filter_free(filter);
	}
	mr_rows_set_filter(&app->list, app->filter, app->refreshed_at);
	app_keep_cursor(app, m);
	return true;
}

/* Re-sorts, filters or re-tags keep the cursor on the message it was on. */
void app_keep_cursor(struct app *app, uint32_t message) {
	size_t row = mr_rows_find(&app->list, message);
	app->cursor = row < app->list.n_rows           ? row
		      : app->cursor < app->list.n_rows ? app->cursor
		      : app->list.n_rows > 0           ? app->list.n_rows - 1
						       : 0;
}

void app_set_message(struct app *app, const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	free(app->message);
	app->message = mr_xvasprintf(fmt, ap);
	va_end(ap);
}

static void restore_terminal(void) {
	if (!isendwin()) {
		endwin();
	}
}

void app_draw(struct app *app) {
	erase();
	if (COLS < MIN_COLS || LINES < MIN_LINES) {
		mvaddnstr(0, 0, "terminal too small", COLS);
		refresh();
		return;
	}
	switch (app->view) {
	case VIEW_LIST:
		list_draw(app);
		break;
	case VIEW_DETAIL:
		detail_draw(app);
		break;
	case VIEW_HELP:
		help_draw(app);
		break;
	case VIEW_OUTCOMES:
		outcomes_draw(app);
		break;
	}
	/* The prompt, while a line is typed, stands where the status was. */
	if (!prompt_draw(app->prompt)) {
		status_draw(app);
	}
	refresh();
}

void app_handle(struct app *app, enum request req) {
	switch (req) {
	case REQ_QUIT:
		app->quit = true;
		return;
	case REQ_HELP:
		help_open(app);
		return;
	case REQ_REDRAW:
		clearok(curscr, TRUE);
		return;
	case REQ_REFRESH: {
		char *cause = NULL;
		if (app_refresh(app, &cause)) {
			app_set_message(app, "listed again: %zu message%s", app->snap->n_messages,
				app->snap->n_messages == 1 ? "" : "s");
		} else {
			app_set_message(app, "cannot list the queue: %s", cause);
			free(cause);
		}
		return;
	}
	case REQ_FILTER:
		app_prompt(app, '/');
		return;
	case REQ_COMMAND:
		app_prompt(app, ':');
		return;
	case REQ_OUTCOMES:
		app->view = VIEW_OUTCOMES;
		return;
	default:
		break;
	}
	static const char *const operations[] = {
		[REQ_ACT_RETRY] = "retry",
		[REQ_ACT_HOLD] = "hold",
		[REQ_ACT_RELEASE] = "release",
		[REQ_ACT_REQUEUE] = "requeue",
		[REQ_ACT_EXPIRE] = "expire",
		[REQ_ACT_DELETE] = "delete",
		[REQ_ACT_PRIORITY_UP] = "priority-up",
		[REQ_ACT_PRIORITY_DOWN] = "priority-down",
	};
	if (req < sizeof(operations) / sizeof(*operations) && operations[req] != NULL &&
		(app->view == VIEW_LIST || app->view == VIEW_DETAIL)) {
		app_act(app, operations[req]);
		return;
	}
	switch (app->view) {
	case VIEW_LIST:
		list_handle(app, req);
		break;
	case VIEW_DETAIL:
		detail_handle(app, req);
		break;
	case VIEW_HELP:
		help_handle(app, req);
		break;
	case VIEW_OUTCOMES:
		outcomes_handle(app, req);
		break;
	}
}

int screen_run(struct mr_source *source, char **cause) {
	struct app app = { .source = source };
	mr_rows_init(&app.list);
	/* The first listing happens before curses starts, so that a source
	 * that cannot be read fails with a plain message on the terminal. */
	if (!app_refresh(&app, cause)) {
		return 1;
	}
	SCREEN *screen = newterm(NULL, stdout, stdin);
	if (screen == NULL) {
		const char *term = getenv("TERM");
		mr_fail(cause, "cannot use this terminal (TERM=%s)", term ? term : "unset");
		mr_rows_finish(&app.list);
		mr_snapshot_destroy(app.snap);
		return 1;
	}
	mr_set_fatal_hook(restore_terminal);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	set_escdelay(25);
	draw_init();
	app.prompt = prompt_open();

	while (!app.quit) {
		app_draw(&app);
		errno = 0;
		int key = getch();
		if (key == ERR && errno != EINTR) {
			/* The terminal is gone (hang-up, closed input): end, do
			 * not spin on a read that fails forever. */
			break;
		}
		if (key == KEY_RESIZE || key == ERR) {
			continue;
		}
		free(app.message);
		app.message = NULL;
		app_handle(&app, key_request(key));
	}
	char *history_cause = NULL;
	bool history_saved = prompt_close(app.prompt, &history_cause);
	endwin();
	delscreen(screen);
	mr_set_fatal_hook(NULL);
	if (!history_saved) {
		fprintf(stderr, "mailroom: the prompt's history was not saved: %s\n",
			history_cause);
		free(history_cause);
	}

	mr_rows_finish(&app.list);
	mr_filter_free(app.filter);
	free(app.filter_text);
	mr_snapshot_destroy(app.snap);
	free(app.detail_id);
	free(app.message);
	text_view_clear(&app.detail);
	text_view_clear(&app.help);
	text_view_clear(&app.outcomes);
	return 0;
}
