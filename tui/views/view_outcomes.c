/* The outcomes of the last action, one line per message (o). */

#include <stdlib.h>

#include "app.h"
#include "draw.h"
#include "xalloc.h"

struct outcomes_view {
	struct view view;
};

static void outcomes_draw(struct app *app, struct view *v) {
	(void)v;
	if (app->outcomes.n_lines == 0) {
		draw_title("Outcomes of the last action");
		draw_str(stdscr, 2, 2, COLS - 2, "No action yet.", STYLE_DIM, A_NORMAL);
		return;
	}
	text_view_page(app, &app->outcomes, "Outcomes of the last action");
}

static void outcomes_handle(struct app *app, struct view *v, enum request req) {
	(void)v;
	text_view_request(app, &app->outcomes, req);
}

/* The outcomes are the screen's: kept from one action to the next. */
static struct text_view *outcomes_text(struct app *app, struct view *v) {
	(void)v;
	return &app->outcomes;
}

static void outcomes_destroy(struct view *v) {
	free(v);
}

static const enum request requests[] = { TEXT_VIEW_REQUESTS, REQ_NONE };

static const enum request bar[] = { REQ_HELP, REQ_SEARCH, REQ_SEARCH_NEXT, REQ_PAGE_DOWN, REQ_BACK,
	REQ_NONE };

const struct view_ops outcomes_view_ops = {
	.what = "the outcomes of the last action",
	.requests = requests,
	.bar = bar,
	.draw = outcomes_draw,
	.handle = outcomes_handle,
	.destroy = outcomes_destroy,
	.text = outcomes_text,
};

void outcomes_open(struct app *app) {
	struct outcomes_view *ov = mr_xcalloc(1, sizeof(*ov));
	ov->view = (struct view){ &outcomes_view_ops, KEYMAP_OUTCOMES };
	app->outcomes.top = 0;
	app_push(app, &ov->view);
}
