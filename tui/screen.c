/* The curses screen: set-up, the key loop, and the state views share. */

#include "screen.h"

#include <curses.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "draw.h"
#include "xalloc.h"

enum { MIN_COLS = 20, MIN_LINES = 4 };

struct order_key {
	int64_t arrival;
	const char *id;
	uint32_t index;
};

/* Oldest first: the mail stuck longest heads the list; ties by id. */
static int compare_keys(const void *a, const void *b) {
	const struct order_key *x = a, *y = b;
	if (x->arrival != y->arrival) {
		return x->arrival < y->arrival ? -1 : 1;
	}
	return strcmp(x->id, y->id);
}

static void order_rows(struct app *app) {
	size_t n = app->snap->n_messages;
	struct order_key *keys = mr_xcalloc(n, sizeof(*keys));
	for (size_t i = 0; i < n; i++) {
		const struct mr_message *m = &app->snap->messages[i];
		keys[i] = (struct order_key){ m->arrival, m->id, (uint32_t)i };
	}
	qsort(keys, n, sizeof(*keys), compare_keys);
	free(app->rows);
	app->rows = mr_xcalloc(n, sizeof(*app->rows));
	for (size_t i = 0; i < n; i++) {
		app->rows[i] = keys[i].index;
	}
	app->n_rows = n;
	free(keys);
}

const struct mr_message *app_current(const struct app *app) {
	if (app->n_rows == 0 || app->cursor >= app->n_rows) {
		return NULL;
	}
	return &app->snap->messages[app->rows[app->cursor]];
}

bool app_refresh(struct app *app, char **cause) {
	struct mr_snapshot *snap = mr_source_list(app->source, cause);
	if (snap == NULL) {
		return false;
	}
	const struct mr_message *current = app_current(app);
	char *keep = current != NULL ? mr_xstrdup(current->id) : NULL;
	mr_snapshot_destroy(app->snap);
	app->snap = snap;
	app->refreshed_at = snap->taken_at;
	order_rows(app);
	/* The cursor stays on its message if it is still queued, else on the
	 * same row. */
	if (keep != NULL) {
		for (size_t i = 0; i < app->n_rows; i++) {
			if (strcmp(app->snap->messages[app->rows[i]].id, keep) == 0) {
				app->cursor = i;
				break;
			}
		}
	}
	if (app->cursor >= app->n_rows) {
		app->cursor = app->n_rows > 0 ? app->n_rows - 1 : 0;
	}
	free(keep);
	return true;
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

static void draw(struct app *app) {
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
	}
	status_draw(app);
	refresh();
}

static void handle(struct app *app, enum request req) {
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
	default:
		break;
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
	}
}

int screen_run(struct mr_source *source, char **cause) {
	struct app app = { .source = source };
	/* The first listing happens before curses starts, so that a source
	 * that cannot be read fails with a plain message on the terminal. */
	if (!app_refresh(&app, cause)) {
		return 1;
	}
	SCREEN *screen = newterm(NULL, stdout, stdin);
	if (screen == NULL) {
		const char *term = getenv("TERM");
		mr_fail(cause, "cannot use this terminal (TERM=%s)", term ? term : "unset");
		mr_snapshot_destroy(app.snap);
		free(app.rows);
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

	while (!app.quit) {
		draw(&app);
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
		handle(&app, key_request(key));
	}
	endwin();
	delscreen(screen);
	mr_set_fatal_hook(NULL);

	mr_snapshot_destroy(app.snap);
	free(app.rows);
	free(app.detail_id);
	free(app.message);
	text_view_clear(&app.detail);
	text_view_clear(&app.help);
	return 0;
}
