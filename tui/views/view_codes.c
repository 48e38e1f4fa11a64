/*
 * The code browser: the knowledge base the decoder uses — cause categories,
 * reply codes, enhanced status codes, provider replies, phrase rules —
 * searched as it is typed at '/' ("4.7.1", "55x", "quota", "gmail").
 */

#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "draw.h"
#include "kbsearch.h"
#include "xalloc.h"

enum { INDENT = 2 };

struct build_ctx {
	struct text_view *tv;
	int section; /* of the last entry, -1 before the first */
};

static void add_entry(void *ctx, const struct mr_kb_entry *e) {
	struct build_ctx *b = ctx;
	struct text_view *tv = b->tv;
	if (b->section != (int)e->section) {
		if (b->section >= 0) {
			text_view_add(tv, 0, STYLE_NORMAL, "");
		}
		text_view_add(tv, 0, STYLE_HEADER, mr_kb_section_title(e->section));
		b->section = (int)e->section;
	}
	int key_w = e->key != NULL ? mr_kb_section_key_width(e->section) + 1 : 0;
	for (size_t i = 0; i < 3 && e->lines[i] != NULL; i++) {
		size_t first = tv->n_lines;
		text_view_add_wrapped(tv, INDENT + key_w, i == 2 ? STYLE_DIM : STYLE_NORMAL,
			e->lines[i], strlen(e->lines[i]));
		if (i == 0 && e->key != NULL && tv->n_lines > first) {
			/* The key in front of the first line, as a label. */
			struct text_line *line = &tv->lines[first];
			char *text = mr_xasprintf("%-*s%s", key_w, e->key, line->text);
			free(line->text);
			line->text = text;
			line->indent = INDENT;
			line->label = key_w;
		}
	}
}

struct codes_view {
	struct view view;
	struct text_view tv;
	size_t found;
};

static void build(struct app *app, struct codes_view *cv) {
	struct text_view *tv = &cv->tv;
	text_view_clear(tv);
	tv->width = COLS;
	struct build_ctx ctx = { tv, -1 };
	cv->found = mr_kb_search(mr_kb_default(), app->codes_query, add_entry, &ctx);
	if (cv->found == 0) {
		text_view_add(tv, INDENT, STYLE_DIM, "Nothing in the knowledge base matches.");
	}
}

static struct codes_view *codes_on_top(const struct app *app) {
	struct view *top = app_top(app);
	return top != NULL && top->ops == &codes_view_ops ? (struct codes_view *)top : NULL;
}

void codes_search(struct app *app, const char *query) {
	/* query may be app->codes_query itself: copied before it is freed. */
	char *copy = query != NULL && *query != '\0' ? mr_xstrdup(query) : NULL;
	free(app->codes_query);
	app->codes_query = copy;
	struct codes_view *cv = codes_on_top(app);
	if (cv != NULL) {
		cv->tv.top = 0;
		build(app, cv);
	}
}

size_t codes_found(const struct app *app) {
	struct codes_view *cv = codes_on_top(app);
	return cv != NULL ? cv->found : 0;
}

static void codes_draw(struct app *app, struct view *v) {
	struct codes_view *cv = (struct codes_view *)v;
	if (cv->tv.width != COLS) {
		build(app, cv);
	}
	char *title = app->codes_query != NULL
			      ? mr_xasprintf("Codes and causes matching \"%s\": %zu; / searches",
					app->codes_query, cv->found)
			      : mr_xasprintf("Codes and causes: %zu; / searches", cv->found);
	text_view_page(app, &cv->tv, title);
	free(title);
}

static void codes_handle(struct app *app, struct view *v, enum request req) {
	struct codes_view *cv = (struct codes_view *)v;
	if (req == REQ_SEARCH) {
		/* Its search is a query of the knowledge base, with its own
		 * history. */
		app_prompt(app, PROMPT_CODES);
		return;
	}
	text_view_scroll(&cv->tv, req, app_body_rows(app));
}

static void codes_destroy(struct view *v) {
	struct codes_view *cv = (struct codes_view *)v;
	text_view_finish(&cv->tv);
	free(cv);
}

static const enum request requests[] = { REQ_MOVE_DOWN, REQ_MOVE_UP, REQ_PAGE_DOWN, REQ_PAGE_UP,
	REQ_FIRST, REQ_LAST, REQ_SEARCH, REQ_NONE };

static const enum request bar[] = { REQ_HELP, REQ_SEARCH, REQ_PAGE_DOWN, REQ_COMMAND, REQ_BACK,
	REQ_NONE };

const struct view_ops codes_view_ops = {
	.what = "the reply codes, enhanced status codes and causes the decoder knows",
	.requests = requests,
	.bar = bar,
	.draw = codes_draw,
	.handle = codes_handle,
	.destroy = codes_destroy,
};

void codes_open(struct app *app, const char *query) {
	struct codes_view *cv = codes_on_top(app);
	if (cv == NULL) {
		cv = mr_xcalloc(1, sizeof(*cv));
		cv->view = (struct view){ &codes_view_ops, KEYMAP_CODES };
		app_push(app, &cv->view);
	}
	codes_search(app, query);
}
