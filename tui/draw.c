#include "draw.h"

#include <langinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "text.h"

static bool utf8_locale;
static attr_t styles[STYLE_COUNT];

bool draw_utf8(void) {
	return utf8_locale;
}

attr_t style_attr(enum style style) {
	return (unsigned)style < STYLE_COUNT ? styles[style] : A_NORMAL;
}

/* https://no-color.org: present and not empty disables colour. */
static bool colour_wanted(void) {
	const char *no_color = getenv("NO_COLOR");
	return (no_color == NULL || *no_color == '\0') && has_colors();
}

void draw_init(void) {
	utf8_locale = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;

	/* Without colour, attributes alone keep every distinction. */
	styles[STYLE_HEADER] = A_BOLD | A_UNDERLINE;
	styles[STYLE_TITLE] = A_BOLD;
	styles[STYLE_STATUS] = A_REVERSE;
	styles[STYLE_CURSOR] = A_REVERSE;
	styles[STYLE_ESCAPE] = A_UNDERLINE;
	styles[STYLE_LABEL] = A_BOLD;
	styles[STYLE_DIM] = A_DIM;
	styles[STYLE_PERMANENT] = A_BOLD;
	styles[STYLE_TAGGED] = A_BOLD;
	styles[STYLE_QUEUE + MR_QUEUE_HOLD] = A_BOLD;
	styles[STYLE_QUEUE + MR_QUEUE_BOUNCED] = A_BOLD;
	styles[STYLE_QUEUE + MR_QUEUE_CORRUPT] = A_BOLD;
	if (!colour_wanted()) {
		return;
	}
	start_color();
	use_default_colors();
	static const struct {
		enum style style;
		short fg, bg;
		attr_t extra;
	} pairs[] = {
		{ STYLE_STATUS, COLOR_WHITE, COLOR_BLUE, A_NORMAL },
		{ STYLE_ESCAPE, COLOR_MAGENTA, -1, A_UNDERLINE },
		{ STYLE_REASON, COLOR_YELLOW, -1, A_NORMAL },
		{ STYLE_TEMPORARY, COLOR_CYAN, -1, A_NORMAL },
		{ STYLE_PERMANENT, COLOR_RED, -1, A_BOLD },
		{ STYLE_TAGGED, COLOR_GREEN, -1, A_BOLD },
		{ STYLE_QUEUE + MR_QUEUE_INCOMING, COLOR_CYAN, -1, A_NORMAL },
		{ STYLE_QUEUE + MR_QUEUE_ACTIVE, COLOR_GREEN, -1, A_NORMAL },
		{ STYLE_QUEUE + MR_QUEUE_DEFERRED, COLOR_YELLOW, -1, A_NORMAL },
		{ STYLE_QUEUE + MR_QUEUE_HOLD, COLOR_MAGENTA, -1, A_BOLD },
		{ STYLE_QUEUE + MR_QUEUE_MAILDROP, COLOR_CYAN, -1, A_NORMAL },
		{ STYLE_QUEUE + MR_QUEUE_CORRUPT, COLOR_RED, -1, A_BOLD },
		{ STYLE_QUEUE + MR_QUEUE_BOUNCED, COLOR_RED, -1, A_NORMAL },
	};
	for (size_t i = 0; i < sizeof(pairs) / sizeof(*pairs); i++) {
		short pair = (short)(i + 1);
		init_pair(pair, pairs[i].fg, pairs[i].bg);
		styles[pairs[i].style] = COLOR_PAIR(pair) | pairs[i].extra;
	}
}

/* Columns a glyph takes; sets *escape when it must be drawn as an escape. */
static int glyph_width(struct mr_glyph *g, bool *escape) {
	*escape = g->kind == MR_GLYPH_ESCAPE;
	if (*escape) {
		return (int)g->text_len;
	}
	if (g->cp < 0x80) {
		return 1;
	}
	if (!utf8_locale) {
		/* The locale cannot show it: a '?' that is visibly not text. */
		*escape = true;
		g->text[0] = '?';
		g->text[1] = '\0';
		g->text_len = 1;
		return 1;
	}
	int w = wcwidth((wchar_t)g->cp);
	if (w < 0) {
		/* Unassigned or unprintable in this locale's tables. */
		*escape = true;
		g->text_len =
			(size_t)snprintf(g->text, sizeof(g->text), "<U+%04X>", (unsigned)g->cp);
		return (int)g->text_len;
	}
	return w;
}

int text_width(const char *s, size_t len) {
	int total = 0;
	size_t pos = 0;
	while (pos < len) {
		struct mr_glyph g;
		bool escape;
		mr_glyph_next(s, len, &pos, &g);
		total += glyph_width(&g, &escape);
	}
	return total;
}

static void put_glyph(
	WINDOW *win, const struct mr_glyph *g, bool escape, attr_t attr, attr_t escape_attr) {
	if (escape) {
		wattrset(win, escape_attr);
		waddnstr(win, g->text, (int)g->text_len);
	} else if (g->cp < 0x80) {
		wattrset(win, attr);
		waddch(win, (chtype)g->cp);
	} else {
		wattrset(win, attr);
		wchar_t wc[2] = { (wchar_t)g->cp, 0 };
		waddnwstr(win, wc, 1);
	}
}

int draw_text(WINDOW *win, int y, int x, int width, const char *s, size_t len, enum style style,
	attr_t base) {
	if (width <= 0) {
		return 0;
	}
	attr_t attr = style_attr(style) | base;
	attr_t escape_attr = style_attr(STYLE_ESCAPE) | base;
	bool fits = text_width(s, len) <= width;
	int room = fits ? width : width - 1; /* keep a column for the ellipsis */
	int used = 0;
	size_t pos = 0;
	wmove(win, y, x);
	while (pos < len) {
		struct mr_glyph g;
		bool escape;
		mr_glyph_next(s, len, &pos, &g);
		int w = glyph_width(&g, &escape);
		if (used + w > room) {
			break;
		}
		/* Zero-width characters (combining marks) join the previous cell;
		 * at the start of a field there is none, so they are shown. */
		if (w == 0 && used == 0) {
			continue;
		}
		put_glyph(win, &g, escape, attr, escape_attr);
		used += w;
	}
	if (!fits) {
		wattrset(win, attr);
		if (utf8_locale) {
			waddnwstr(win, L"\u2026", 1);
		} else {
			waddch(win, '>');
		}
		used++;
	}
	wattrset(win, A_NORMAL);
	return used;
}

int draw_str(WINDOW *win, int y, int x, int width, const char *s, enum style style, attr_t base) {
	return draw_text(win, y, x, width, s, strlen(s), style, base);
}

void draw_fill(WINDOW *win, int y, int x, int width, enum style style, attr_t base) {
	if (width <= 0) {
		return;
	}
	wattrset(win, style_attr(style) | base);
	mvwhline(win, y, x, ' ', width);
	wattrset(win, A_NORMAL);
}

void wrap_text(const char *s, int width, void (*emit)(void *ctx, const char *line, size_t len),
	void *ctx) {
	size_t len = strlen(s);
	size_t start = 0;
	if (width < 1) {
		width = 1;
	}
	while (start < len) {
		size_t pos = start, last_space = 0;
		int used = 0;
		while (pos < len) {
			size_t before = pos;
			struct mr_glyph g;
			bool escape;
			mr_glyph_next(s, len, &pos, &g);
			int w = glyph_width(&g, &escape);
			if (used + w > width && before > start) {
				pos = before;
				break;
			}
			used += w;
			if (!escape && g.cp == ' ') {
				last_space = pos;
			}
		}
		size_t end = pos;
		/* Break after the last space when the line was cut mid-word. */
		if (pos < len && last_space > start && s[pos] != ' ') {
			end = last_space;
		}
		size_t line_end = end;
		while (line_end > start && s[line_end - 1] == ' ') {
			line_end--;
		}
		emit(ctx, s + start, line_end - start);
		start = end;
		while (start < len && s[start] == ' ') {
			start++;
		}
	}
}
