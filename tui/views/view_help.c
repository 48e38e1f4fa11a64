/* The help: the keys of the view it was asked in, then those of every view,
 * from the bindings in force and the views' lists of requests. */

#include <stdio.h>
#include <stdlib.h>

#include "app.h"
#include "draw.h"
#include "xalloc.h"

enum { KEYS_W = 22 };

struct help_view {
	struct view view;
	struct text_view tv;
	enum keymap of;   /* the keymap of the view it is about */
	const char *what; /* and what that view is */
	bool first;       /* it is the first view (q quits there) */
};

static void add_requests(struct text_view *tv, enum keymap keymap, const enum request *reqs) {
	for (const enum request *r = reqs; *r != REQ_NONE; r++) {
		char keys[128];
		request_keys(keymap, *r, keys, sizeof(keys));
		if (keys[0] == '\0') {
			continue; /* unbound by the configuration */
		}
		char *line = mr_xasprintf("%-*s%s", KEYS_W, keys, request_help(*r));
		text_view_add(tv, 2, STYLE_NORMAL, line);
		tv->lines[tv->n_lines - 1].label = KEYS_W;
		free(line);
	}
}

static void build(struct help_view *hv, const struct view *below) {
	struct text_view *tv = &hv->tv;
	text_view_clear(tv);
	tv->width = COLS;
	text_view_add(tv, 0, STYLE_NORMAL, "");
	char *head = mr_xasprintf("In %s:", hv->what);
	text_view_add(tv, 0, STYLE_HEADER, head);
	free(head);
	add_requests(tv, hv->of, below->ops->requests);
	text_view_add(tv, 0, STYLE_NORMAL, "");
	text_view_add(tv, 0, STYLE_HEADER, "In every view:");
	add_requests(tv, hv->of, view_global_requests);
	text_view_add(tv, 0, STYLE_NORMAL, "");
	if (hv->first) {
		text_view_add(tv, 2, STYLE_DIM, "This is the first view: q quits, Esc does not.");
	}
	text_view_add(tv, 2, STYLE_DIM,
		"Text from the queue is shown with control characters made visible:");
	text_view_add(tv, 2, STYLE_DIM,
		"^[ is ESC, <U+202E> an invisible character, \\xFF a byte that is not UTF-8.");
}

static void help_draw(struct app *app, struct view *v) {
	struct help_view *hv = (struct help_view *)v;
	char *title = mr_xasprintf("Keys of %s", hv->what);
	text_view_page(app, &hv->tv, title);
	free(title);
}

static void help_handle(struct app *app, struct view *v, enum request req) {
	text_view_request(app, &((struct help_view *)v)->tv, req);
}

static struct text_view *help_text(struct app *app, struct view *v) {
	(void)app;
	return &((struct help_view *)v)->tv;
}

static void help_destroy(struct view *v) {
	struct help_view *hv = (struct help_view *)v;
	text_view_finish(&hv->tv);
	free(hv);
}

static const enum request requests[] = { TEXT_VIEW_REQUESTS, REQ_NONE };

static const enum request bar[] = { REQ_SEARCH, REQ_PAGE_DOWN, REQ_BACK, REQ_NONE };

const struct view_ops help_view_ops = {
	.what = "the help",
	.requests = requests,
	.bar = bar,
	.draw = help_draw,
	.handle = help_handle,
	.destroy = help_destroy,
	.text = help_text,
};

void help_open(struct app *app) {
	const struct view *below = app_top(app);
	struct help_view *hv = mr_xcalloc(1, sizeof(*hv));
	hv->view = (struct view){ &help_view_ops, KEYMAP_HELP };
	hv->of = below->keymap;
	hv->what = below->ops->what;
	hv->first = app->depth == 1;
	build(hv, below);
	app_push(app, &hv->view);
}
