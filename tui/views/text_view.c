/* Scrollable, pre-wrapped, searchable text: the detail, content, codes,
 * help, outcome and source views. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "draw.h"
#include "text.h"
#include "xalloc.h"

void text_view_clear(struct text_view *tv) {
	for (size_t i = 0; i < tv->n_lines; i++) {
		free(tv->lines[i].text);
	}
	free(tv->lines);
	tv->lines = NULL;
	tv->n_lines = 0;
}

void text_view_finish(struct text_view *tv) {
	text_view_clear(tv);
	free(tv->search);
	tv->search = NULL;
}

void text_view_add(struct text_view *tv, int indent, int style, const char *text) {
	tv->lines = mr_xreallocarray(tv->lines, tv->n_lines + 1, sizeof(*tv->lines));
	tv->lines[tv->n_lines++] = (struct text_line){
		.text = mr_xstrdup(text),
		.indent = indent,
		.style = style,
	};
}

struct wrap_ctx {
	struct text_view *tv;
	int indent;
	int style;
};

static void add_wrapped_line(void *ctx, const char *line, size_t len) {
	struct wrap_ctx *w = ctx;
	char *copy = mr_xstrndup(line, len);
	text_view_add(w->tv, w->indent, w->style, copy);
	free(copy);
}

void text_view_add_wrapped(
	struct text_view *tv, int indent, int style, const char *text, size_t len) {
	struct wrap_ctx ctx = { tv, indent, style };
	char *copy = mr_xstrndup(text, len);
	wrap_text(copy, COLS - indent, add_wrapped_line, &ctx);
	free(copy);
}

static size_t max_top(const struct text_view *tv, int rows) {
	return tv->n_lines > (size_t)rows ? tv->n_lines - (size_t)rows : 0;
}

bool text_view_scroll(struct text_view *tv, enum request req, int rows) {
	size_t page = rows > 1 ? (size_t)rows - 1 : 1;
	size_t last = max_top(tv, rows);
	switch (req) {
	case REQ_MOVE_DOWN:
		tv->top = tv->top < last ? tv->top + 1 : last;
		break;
	case REQ_MOVE_UP:
		tv->top = tv->top > 0 ? tv->top - 1 : 0;
		break;
	case REQ_PAGE_DOWN:
		tv->top = tv->top + page < last ? tv->top + page : last;
		break;
	case REQ_PAGE_UP:
		tv->top = tv->top > page ? tv->top - page : 0;
		break;
	case REQ_FIRST:
		tv->top = 0;
		break;
	case REQ_LAST:
		tv->top = last;
		break;
	default:
		return false;
	}
	return true;
}

void text_view_draw(struct text_view *tv, int y, int rows) {
	if (tv->top > max_top(tv, rows)) {
		tv->top = max_top(tv, rows);
	}
	for (int r = 0; r < rows; r++) {
		size_t i = tv->top + (size_t)r;
		if (i >= tv->n_lines) {
			continue;
		}
		const struct text_line *line = &tv->lines[i];
		int x = line->indent;
		size_t label = (size_t)line->label;
		if (label > 0) {
			x += draw_text_found(stdscr, y + r, x, COLS - x, line->text, label,
				STYLE_LABEL, A_NORMAL, tv->search);
		}
		draw_text_found(stdscr, y + r, x, COLS - x, line->text + label,
			strlen(line->text + label), (enum style)line->style, A_NORMAL, tv->search);
	}
}

void text_view_page(const struct app *app, struct text_view *tv, const char *title) {
	draw_title(title);
	text_view_draw(tv, 1, app_body_rows(app));
}

/* --- search ---------------------------------------------------------------------- */

/* Whether the line holds needle, ASCII case ignored (as it is drawn). */
static bool line_has(const struct text_line *line, const char *needle) {
	return mr_find_ascii_case(line->text, strlen(line->text), needle, strlen(needle)) != NULL;
}

/* The first line from `from` on (backward: before it), going round the
 * end; SIZE_MAX when none has the text. */
static size_t find_line(const struct text_view *tv, size_t from, bool backward) {
	for (size_t k = 0; k < tv->n_lines; k++) {
		size_t i = backward ? (from + tv->n_lines - k) % tv->n_lines
				    : (from + k) % tv->n_lines;
		if (line_has(&tv->lines[i], tv->search)) {
			return i;
		}
	}
	return SIZE_MAX;
}

/* Shows line a little below the top, so what leads to it shows too. */
static void show_line(struct text_view *tv, size_t line) {
	tv->found = line;
	tv->top = line > 2 ? line - 2 : 0;
}

void text_view_search(struct app *app, struct text_view *tv, const char *text) {
	free(tv->search);
	tv->search = text != NULL && *text != '\0' ? mr_xstrdup(text) : NULL;
	tv->found = SIZE_MAX;
	if (tv->search == NULL) {
		return;
	}
	size_t line = find_line(tv, tv->before, false);
	if (line == SIZE_MAX) {
		tv->top = tv->before;
		app_set_message(app, "\"%s\" is not in this text", text);
		return;
	}
	show_line(tv, line);
}

void text_view_search_again(struct app *app, struct text_view *tv, bool backward) {
	if (tv->search == NULL) {
		app_set_message(app, "no search yet: / searches");
		return;
	}
	size_t from = tv->found != SIZE_MAX ? tv->found : tv->top;
	size_t start = backward ? from : (from + 1) % (tv->n_lines ? tv->n_lines : 1);
	size_t line = tv->n_lines
			      ? find_line(tv, backward ? start + tv->n_lines - 1 : start, backward)
			      : SIZE_MAX;
	if (line == SIZE_MAX) {
		app_set_message(app, "\"%s\" is not in this text", tv->search);
		return;
	}
	if ((backward && line >= from) || (!backward && line <= from)) {
		app_set_message(app, "search went round to the %s", backward ? "end" : "start");
	}
	show_line(tv, line);
}

bool text_view_request(struct app *app, struct text_view *tv, enum request req) {
	if (text_view_scroll(tv, req, app_body_rows(app))) {
		return true;
	}
	switch (req) {
	case REQ_SEARCH:
		app_prompt(app, PROMPT_SEARCH);
		return true;
	case REQ_SEARCH_NEXT:
	case REQ_SEARCH_PREV:
		text_view_search_again(app, tv, req == REQ_SEARCH_PREV);
		return true;
	default:
		return false;
	}
}
