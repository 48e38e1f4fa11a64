/* The curses screen: the terminal, the key loop, the mouse. */

#include "screen.h"

#include <curses.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "clock.h"
#include "draw.h"
#include "fleet.h"
#include "loading_line.h"
#include "refresher.h"
#include "signals.h"
#include "ssh_prompts.h"
#include "xalloc.h"

/* Several sources: how long a listing waits for the slow ones, the first
 * (before the screen starts) and later ones (while the operator waits). */
enum { FIRST_PATIENCE_MS = 3000, LATER_PATIENCE_MS = 500 };

/* Lines the wheel moves per notch. */
enum { WHEEL_LINES = 3 };

static void restore_terminal(void) {
	if (!isendwin()) {
		endwin();
	}
}

/* A click selects the row (or the summary's cell) under it, a double
 * click opens it too; the wheel moves as the arrow keys do. Nothing
 * happens while a question is asked. */
static void handle_mouse(struct app *app) {
	MEVENT ev;
	if (getmouse(&ev) != OK || app->question.text != NULL) {
		return;
	}
	enum request wheel = ev.bstate & BUTTON4_PRESSED   ? REQ_MOVE_UP
			     : ev.bstate & BUTTON5_PRESSED ? REQ_MOVE_DOWN
							   : REQ_NONE;
	struct view *top = app_top(app);
	if (wheel != REQ_NONE) {
		for (int i = 0; i < WHEEL_LINES && view_answers(top, wheel); i++) {
			app_handle(app, wheel);
		}
		return;
	}
	if (!(ev.bstate & (BUTTON1_CLICKED | BUTTON1_DOUBLE_CLICKED))) {
		return;
	}
	bool hit = top->ops->click != NULL && top->ops->click(app, top, ev.y, ev.x);
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

/*
 * The first listing, on a thread of its own (for one source): the whole of
 * it, ranked (*ranked), or when a big queue takes a while, the front of it,
 * with *rest the listing that goes on reading (refresher.h). NULL with
 * *cause when it failed. Several sources list as they always do: the fleet
 * waits for them a while.
 */
static struct mr_snapshot *first_listing(struct mr_source *source, struct mr_rows_ranks *ranks,
	bool *ranked, struct refresher **rest, char **cause) {
	struct refresher *r = mr_fleet_is(source) ? NULL : refresher_start_first(source);
	if (r == NULL) {
		return mr_source_list(source, cause);
	}
	struct mr_snapshot *front = refresher_wait_first(r);
	if (front != NULL) {
		*rest = r;
		return front;
	}
	int64_t ms;
	struct mr_snapshot *snap = refresher_finish(r, ranks, &ms, cause);
	*ranked = snap != NULL;
	return snap;
}

static void start_curses(const struct config *config) {
	mr_set_fatal_hook(restore_terminal);
	signals_catch();
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	set_escdelay(25);
	/* The mouse only when asked for: reporting it takes the terminal's
	 * own selection away (copying a queue id then needs Shift). */
	if (config->mouse) {
		mousemask(BUTTON1_CLICKED | BUTTON1_DOUBLE_CLICKED | BUTTON4_PRESSED |
				  BUTTON5_PRESSED,
			NULL);
	}
	draw_init();
}

int screen_run(
	struct mr_source *source, const struct config *config, char **cause, bool *source_free) {
	*source_free = true;
	/* Several sources: the screen starts with those that answer within
	 * FIRST_PATIENCE_MS; the others, and later the slow ones, are merged in
	 * as they finish. */
	if (mr_fleet_is(source)) {
		mr_fleet_set_patience(source, FIRST_PATIENCE_MS);
	}
	/* The first listing happens before curses starts, so that a source
	 * that cannot be read fails with a plain message on the terminal. */
	int64_t start = (int64_t)mr_monotonic_ms();
	struct loading_line loading;
	loading_line_start(&loading, source);
	struct mr_rows_ranks ranks = { 0 };
	bool ranked = false;
	struct refresher *rest = NULL;
	struct mr_snapshot *snap = first_listing(source, &ranks, &ranked, &rest, cause);
	if (snap == NULL) {
		loading_line_finish(&loading, source);
		return 1;
	}
	if (rest == NULL) {
		loading_line_read(&loading, source, snap->n_messages);
	}
	if (mr_fleet_is(source)) {
		mr_fleet_set_patience(source, LATER_PATIENCE_MS);
	}
	struct app_settings settings = {
		.refresh = config->refresh,
		.confirm_all = config->confirm_all,
		.keybar = config->keybar,
		.no_audit = config->no_audit,
	};
	struct app app;
	app_init(&app, source, snap, ranked ? &ranks : NULL, &settings);
	app.listing_ms = (int64_t)mr_monotonic_ms() - start;
	app_set_refresh(&app, settings.refresh);
	if (rest != NULL) {
		app.listing = rest;
		app.partial = true;
		refresher_quiet(rest); /* the terminal is the screen's */
	}
	/* The terminal is the screen's from here on (ssh_prompts.h). */
	ssh_prompts_close();
	if (rest == NULL) {
		/* Printed before the screen took the terminal; shown again here,
		 * the first of them, until the next key. (A listing still reading
		 * has them when it is over.) */
		app_keep_warnings(&app);
		app_show_warnings(&app);
	}
	loading_line_finish(&loading, source);
	signals_save_terminal_modes();
	SCREEN *screen = newterm(NULL, stdout, stdin);
	if (screen == NULL) {
		const char *term = getenv("TERM");
		mr_fail(cause, "cannot use this terminal (TERM=%s)", term ? term : "unset");
		app_finish(&app);
		return 1;
	}
	start_curses(config);
	app.prompt = prompt_open();

	while (!app.quit && !signals_terminated()) {
		app_draw(&app);
		int key;
		enum wait got = wait_key(app_idle_timeout(&app), &key);
		if (got == WAIT_GONE) {
			break;
		}
		if (signals_interrupted()) {
			/* Nothing runs between two keys: Ctrl-C stops nothing here,
			 * and answers a question no. */
			if (app.question.text != NULL) {
				app_key(&app, 3);
			} else {
				app_set_message(
					&app, "Ctrl-C stops a long action or filter; q or Q quits");
			}
			continue;
		}
		if (got == WAIT_NONE) {
			app_idle(&app);
			continue;
		}
		if (key == KEY_MOUSE) {
			free(app.message);
			app.message = NULL;
			handle_mouse(&app);
			continue;
		}
		app_key(&app, key);
	}
	char *history_cause = NULL;
	bool history_saved = prompt_close(app.prompt, &history_cause);
	app.prompt = NULL;
	endwin();
	delscreen(screen);
	mr_set_fatal_hook(NULL);
	if (!history_saved) {
		fprintf(stderr, "mailroom: the prompt's history was not saved: %s\n",
			history_cause);
		free(history_cause);
	}
	*source_free = app_finish(&app);
	return 0;
}
