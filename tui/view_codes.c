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

static void build(struct app *app) {
	struct text_view *tv = &app->codes;
	text_view_clear(tv);
	tv->width = COLS;
	struct build_ctx ctx = { tv, -1 };
	app->codes_found = mr_kb_search(mr_kb_default(), app->codes_query, add_entry, &ctx);
	if (app->codes_found == 0) {
		text_view_add(tv, INDENT, STYLE_DIM, "Nothing in the knowledge base matches.");
	}
}

void codes_search(struct app *app, const char *query) {
	free(app->codes_query);
	app->codes_query = query != NULL && *query != '\0' ? mr_xstrdup(query) : NULL;
	app->codes.top = 0;
	build(app);
}

void codes_open(struct app *app, const char *query) {
	if (app->view != VIEW_CODES) {
		app->codes_from = app->view == VIEW_HELP ? VIEW_LIST : app->view;
	}
	app->view = VIEW_CODES;
	codes_search(app, query);
}

void codes_draw(struct app *app) {
	if (app->codes.width != COLS) {
		build(app);
	}
	char *title = app->codes_query != NULL
			      ? mr_xasprintf("Codes and causes matching \"%s\": %zu; / searches",
					app->codes_query, app->codes_found)
			      : mr_xasprintf("Codes and causes: %zu; / searches", app->codes_found);
	text_view_page(&app->codes, title);
	free(title);
}

void codes_handle(struct app *app, enum request req) {
	if (text_view_scroll(&app->codes, req, text_view_rows())) {
		return;
	}
	if (req == REQ_FILTER) {
		app_prompt(app, '?');
	} else if (req == REQ_BACK) {
		app->view = app->codes_from;
	}
}
