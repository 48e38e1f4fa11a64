/* The curses screen: set-up, the key loop, and the state views share. */

#include "screen.h"

#include <curses.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "clock.h"
#include "draw.h"
#include "fleet.h"
#include "ssh_prompts.h"
#include "xalloc.h"

enum { MIN_COLS = 20, MIN_LINES = 4 };

/* A listing that takes longer than this says so in the status line first. */
enum { SLOW_LISTING_MS = 300 };
/* Automatic listings leave the queue alone at least this many times as long
 * as a listing takes: a queue that takes 2 s to list is listed at most
 * every 20 s, whatever the interval asked. */
enum { LISTING_SHARE = 10 };
/* Several sources: how long a listing waits for the slow ones, the first
 * (before the screen starts) and later ones (while the operator waits). */
enum { FIRST_PATIENCE_MS = 3000, LATER_PATIENCE_MS = 500 };

/* Refreshes are timed on the monotonic clock, not with mr_now(), which
 * MAILROOM_NOW may pin. */
static int64_t monotonic_ms(void) {
	return (int64_t)mr_monotonic_ms();
}

static void schedule_refresh(struct app *app) {
	int64_t wait = (int64_t)app->refresh_every * 1000;
	if (wait < app->listing_ms * LISTING_SHARE) {
		wait = app->listing_ms * LISTING_SHARE;
	}
	app->refresh_due = monotonic_ms() + wait;
}

void app_set_refresh(struct app *app, int seconds) {
	app->refresh_every = seconds > 0 ? seconds : 0;
	schedule_refresh(app);
}

const struct mr_message *app_current(const struct app *app) {
	if (app->list.n_rows == 0 || app->cursor >= app->list.n_rows) {
		return NULL;
	}
	return &app->snap->messages[app->list.rows[app->cursor]];
}

/* A new listing on the screen: the tags move to it, the cursor stays on
 * its message if it is still shown, else on the same row. */
static void take_listing(struct app *app, struct mr_snapshot *snap) {
	const struct mr_message *current = app_current(app);
	char *keep = current != NULL ? mr_xstrdup(current->id) : NULL;
	uint16_t keep_origin = current != NULL ? current->origin : 0;
	/* The old snapshot lives until the tags have moved to the new one. */
	size_t lost = mr_rows_set_snapshot(&app->list, snap, app->filter, snap->taken_at);
	mr_snapshot_destroy(app->snap);
	app->snap = snap;
	app->refreshed_at = snap->taken_at;
	if (lost > 0) {
		app_set_message(
			app, "%zu tagged message%s left the queue", lost, lost == 1 ? "" : "s");
	}
	const struct mr_message *found =
		keep ? mr_snapshot_find_from(snap, keep_origin, keep) : NULL;
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
}

bool app_refresh(struct app *app, char **cause) {
	int64_t start = monotonic_ms();
	struct mr_snapshot *snap = mr_source_list(app->source, cause);
	app->listing_ms = monotonic_ms() - start;
	schedule_refresh(app);
	if (snap == NULL) {
		return false;
	}
	take_listing(app, snap);
	return true;
}

/* Several sources: one that was still listing has finished; its listing
 * is merged in without listing the others again. */
static void take_news(struct app *app) {
	char *cause = NULL;
	struct mr_snapshot *snap = mr_fleet_merge(app->source, &cause);
	if (snap != NULL) {
		take_listing(app, snap);
	}
	free(cause);
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

enum keymap app_keymap(enum view view) {
	static const enum keymap keymaps[] = {
		[VIEW_LIST] = KEYMAP_LIST,
		[VIEW_DETAIL] = KEYMAP_DETAIL,
		[VIEW_HELP] = KEYMAP_HELP,
		[VIEW_OUTCOMES] = KEYMAP_OUTCOMES,
		[VIEW_CONTENT] = KEYMAP_CONTENT,
		[VIEW_SUMMARY] = KEYMAP_SUMMARY,
		[VIEW_CODES] = KEYMAP_CODES,
	};
	return (unsigned)view < sizeof(keymaps) / sizeof(*keymaps) ? keymaps[view] : KEYMAP_GENERIC;
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
	case VIEW_CONTENT:
		content_draw(app);
		break;
	case VIEW_SUMMARY:
		summary_draw(app);
		break;
	case VIEW_CODES:
		codes_draw(app);
		break;
	case VIEW_SOURCES:
		sources_draw(app);
		break;
	}
	/* The prompt, while a line is typed, stands where the status was. */
	if (!prompt_draw(app->prompt)) {
		status_draw(app);
	}
	refresh();
}

void app_refresh_now(struct app *app, bool asked) {
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
	case REQ_REFRESH:
		app_refresh_now(app, true);
		return;
	case REQ_FILTER:
		if (app->view != VIEW_CODES) {
			app_prompt(app, '/');
			return;
		}
		break;
	case REQ_COMMAND:
		app_prompt(app, ':');
		return;
	case REQ_OUTCOMES:
		app->view = VIEW_OUTCOMES;
		return;
	case REQ_SOURCES:
		sources_open(app);
		return;
	case REQ_SUMMARY:
		summary_open(app);
		return;
	case REQ_CODES:
		codes_open(app, app->codes_query);
		return;
	case REQ_CONTENT:
		if (app->view == VIEW_DETAIL) {
			content_open(app, app->detail_origin, app->detail_id);
		} else if (app->view == VIEW_LIST && app_current(app) != NULL) {
			content_open(app, app_current(app)->origin, app_current(app)->id);
		}
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
	case VIEW_CONTENT:
		content_handle(app, req);
		break;
	case VIEW_SUMMARY:
		summary_handle(app, req);
		break;
	case VIEW_CODES:
		codes_handle(app, req);
		break;
	case VIEW_SOURCES:
		sources_handle(app, req);
		break;
	}
}

/* Lines the wheel moves per notch. */
enum { WHEEL_LINES = 3 };

/* A click selects the row (or the summary's cell) under it, a double
 * click opens it too; the wheel moves as the arrow keys do. */
static void handle_mouse(struct app *app) {
	MEVENT ev;
	if (getmouse(&ev) != OK) {
		return;
	}
	enum request wheel = ev.bstate & BUTTON4_PRESSED   ? REQ_MOVE_UP
			     : ev.bstate & BUTTON5_PRESSED ? REQ_MOVE_DOWN
							   : REQ_NONE;
	if (wheel != REQ_NONE) {
		for (int i = 0; i < WHEEL_LINES; i++) {
			app_handle(app, wheel);
		}
		return;
	}
	if (!(ev.bstate & (BUTTON1_CLICKED | BUTTON1_DOUBLE_CLICKED))) {
		return;
	}
	bool hit = app->view == VIEW_LIST      ? list_click(app, ev.y)
		   : app->view == VIEW_SUMMARY ? summary_click(app, ev.y, ev.x)
					       : false;
	if (hit && (ev.bstate & BUTTON1_DOUBLE_CLICKED)) {
		app_handle(app, REQ_OPEN);
	}
}

enum wait { WAIT_KEY, WAIT_NONE, WAIT_GONE };

/*
 * The next key within timeout_ms (-1: no limit). getch() answers ERR both
 * when the time runs out and when the terminal is gone; input that is
 * readable but gives no key tells the second apart, so a hung-up terminal
 * ends the program instead of spinning on a read that fails forever.
 */
static enum wait wait_key(int timeout_ms, int *key) {
	timeout(timeout_ms);
	errno = 0;
	*key = getch();
	if (*key != ERR) {
		return WAIT_KEY;
	}
	if (errno == EINTR) {
		return WAIT_NONE;
	}
	struct pollfd input = { .fd = STDIN_FILENO, .events = POLLIN };
	if (poll(&input, 1, 0) <= 0) {
		return WAIT_NONE;
	}
	/* A key may have come between the timeout and the poll. */
	nodelay(stdscr, TRUE);
	*key = getch();
	return *key == ERR ? WAIT_GONE : WAIT_KEY;
}

/* How long the key loop may wait for a key before a listing is due. */
static int refresh_timeout(const struct app *app) {
	if (app->refresh_every == 0 || app->asking) {
		return -1;
	}
	int64_t left = app->refresh_due - monotonic_ms();
	return left <= 0 ? 0 : left > INT_MAX ? INT_MAX : (int)left;
}

/* While a source of several is still listing, the key loop looks this
 * often whether it has finished. */
enum { FLEET_POLL_MS = 200 };

static int key_timeout(struct app *app) {
	int wait = refresh_timeout(app);
	if (!app->asking && mr_fleet_is(app->source) && mr_fleet_busy(app->source) &&
		(wait < 0 || wait > FLEET_POLL_MS)) {
		wait = FLEET_POLL_MS;
	}
	return wait;
}

int screen_run(struct mr_source *source, const struct config *config, char **cause) {
	struct app app = { .source = source, .refresh_every = config->refresh };
	mr_rows_init(&app.list);
	/* Several sources: the screen starts with those that answer within
	 * FIRST_PATIENCE_MS; the others, and later the slow ones, are merged in
	 * as they finish. */
	if (mr_fleet_is(source)) {
		mr_fleet_set_patience(source, FIRST_PATIENCE_MS);
	}
	/* The first listing happens before curses starts, so that a source
	 * that cannot be read fails with a plain message on the terminal. */
	if (!app_refresh(&app, cause)) {
		return 1;
	}
	if (mr_fleet_is(source)) {
		mr_fleet_set_patience(source, LATER_PATIENCE_MS);
	}
	/* The terminal is the screen's from here on (ssh_prompts.h). */
	ssh_prompts_close();
	if (source->warnings != NULL) {
		/* Printed before the screen took the terminal; shown again here,
		 * the first of them, until the next key. */
		size_t len = strcspn(source->warnings, "\n");
		bool more = source->warnings[len] != '\0';
		app_set_message(&app, "%.*s%s", (int)len, source->warnings,
			more ? " (and more: mailroom list prints them all)" : "");
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
	if (config->mouse) {
		mousemask(BUTTON1_CLICKED | BUTTON1_DOUBLE_CLICKED | BUTTON4_PRESSED |
				  BUTTON5_PRESSED,
			NULL);
	}
	draw_init();
	app.prompt = prompt_open();

	while (!app.quit) {
		app_draw(&app);
		int key;
		enum wait got = wait_key(key_timeout(&app), &key);
		if (got == WAIT_GONE) {
			break;
		}
		if (got == WAIT_NONE) {
			if (mr_fleet_is(app.source) && mr_fleet_news(app.source)) {
				take_news(&app);
			}
			if (refresh_timeout(&app) == 0) {
				app_refresh_now(&app, false);
			}
			continue;
		}
		if (key == KEY_RESIZE) {
			continue;
		}
		if (key == KEY_MOUSE) {
			free(app.message);
			app.message = NULL;
			handle_mouse(&app);
			continue;
		}
		free(app.message);
		app.message = NULL;
		app_handle(&app, key_request(app_keymap(app.view), key));
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
	text_view_clear(&app.sources);
	text_view_clear(&app.content);
	free(app.content_id);
	summary_close(&app);
	text_view_clear(&app.codes);
	free(app.codes_query);
	mr_buf_finish(&app.content_headers);
	mr_buf_finish(&app.content_body);
	return 0;
}
