/* Scrollable, pre-wrapped text: the detail, content, help and outcome views. */

#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "draw.h"
#include "xalloc.h"

void text_view_clear(struct text_view *tv) {
	for (size_t i = 0; i < tv->n_lines; i++) {
		free(tv->lines[i].text);
	}
	free(tv->lines);
	tv->lines = NULL;
	tv->n_lines = 0;
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
		move(y + r, 0);
		clrtoeol();
		if (i >= tv->n_lines) {
			continue;
		}
		const struct text_line *line = &tv->lines[i];
		int x = line->indent;
		size_t label = (size_t)line->label;
		if (label > 0) {
			x += draw_text(stdscr, y + r, x, COLS - x, line->text, label, STYLE_LABEL,
				A_NORMAL);
		}
		draw_text(stdscr, y + r, x, COLS - x, line->text + label,
			strlen(line->text + label), (enum style)line->style, A_NORMAL);
	}
}

int text_view_rows(void) {
	return LINES - 2; /* the title above, the status line below */
}

void text_view_page(struct text_view *tv, const char *title) {
	draw_title(title);
	text_view_draw(tv, 1, text_view_rows());
}
