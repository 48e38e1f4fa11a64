/* The help view, generated from the key table. */

#include <stdio.h>
#include <stdlib.h>

#include "app.h"
#include "draw.h"
#include "xalloc.h"

enum { KEYS_W = 22 };

void help_open(struct app *app) {
	if (app->view != VIEW_HELP) {
		app->view_before_help = app->view;
	}
	app->view = VIEW_HELP;
	struct text_view *tv = &app->help;
	text_view_clear(tv);
	tv->top = 0;
	text_view_add(tv, 0, STYLE_NORMAL, "");
	for (int req = REQ_NONE + 1; req < REQ_COUNT; req++) {
		char keys[128];
		request_keys(
			app_keymap(app->view_before_help), (enum request)req, keys, sizeof(keys));
		if (keys[0] == '\0') {
			continue; /* not bound where the help was asked for */
		}
		char *line = mr_xasprintf("%-*s%s", KEYS_W, keys, request_help((enum request)req));
		text_view_add(tv, 2, STYLE_NORMAL, line);
		tv->lines[tv->n_lines - 1].label = KEYS_W;
		free(line);
	}
	text_view_add(tv, 0, STYLE_NORMAL, "");
	text_view_add(tv, 2, STYLE_DIM,
		"Text from the queue is shown with control characters made visible:");
	text_view_add(tv, 2, STYLE_DIM,
		"^[ is ESC, <U+202E> an invisible character, \\xFF a byte that is not UTF-8.");
}

void help_draw(struct app *app) {
	text_view_page(&app->help, "Keys");
}

void help_handle(struct app *app, enum request req) {
	if (text_view_scroll(&app->help, req, text_view_rows())) {
		return;
	}
	if (req == REQ_BACK) {
		app->view = app->view_before_help;
	}
}
