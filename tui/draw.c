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

static const char *const style_names[STYLE_COUNT] = {
	[STYLE_NORMAL] = "normal",
	[STYLE_HEADER] = "header",
	[STYLE_TITLE] = "title",
	[STYLE_STATUS] = "status",
	[STYLE_CURSOR] = "cursor",
	[STYLE_ESCAPE] = "escape",
	[STYLE_LABEL] = "label",
	[STYLE_DIM] = "dim",
	[STYLE_REASON] = "reason",
	[STYLE_TEMPORARY] = "temporary",
	[STYLE_PERMANENT] = "permanent",
	[STYLE_TAGGED] = "tagged",
	[STYLE_FOUND] = "found",
	[STYLE_KEYBAR] = "keybar",
	[STYLE_KEY] = "key",
	[STYLE_QUEUE + MR_QUEUE_INCOMING] = "queue-incoming",
	[STYLE_QUEUE + MR_QUEUE_ACTIVE] = "queue-active",
	[STYLE_QUEUE + MR_QUEUE_DEFERRED] = "queue-deferred",
	[STYLE_QUEUE + MR_QUEUE_HOLD] = "queue-hold",
	[STYLE_QUEUE + MR_QUEUE_MAILDROP] = "queue-maildrop",
	[STYLE_QUEUE + MR_QUEUE_CORRUPT] = "queue-corrupt",
	[STYLE_QUEUE + MR_QUEUE_BOUNCED] = "queue-bounced",
};

/* What the configuration asked for each style, with and without colour. */
static struct {
	bool coloured; /* fg and bg were set */
	short fg, bg;  /* -1: the terminal's own */
	attr_t colour_attrs, mono_attrs;
} specs[STYLE_COUNT];

bool style_parse(const char *name, enum style *style) {
	for (int s = 0; s < STYLE_COUNT; s++) {
		if (style_names[s] != NULL && strcmp(style_names[s], name) == 0) {
			*style = (enum style)s;
			return true;
		}
	}
	return false;
}

bool colour_parse(const char *name, short *colour) {
	static const char *const names[] = { "black", "red", "green", "yellow", "blue", "magenta",
		"cyan", "white" };
	for (short c = 0; c < 8; c++) {
		if (strcmp(names[c], name) == 0) {
			*colour = c; /* COLOR_BLACK is 0, ... COLOR_WHITE 7 */
			return true;
		}
	}
	if (strcmp(name, "default") == 0) {
		*colour = -1;
		return true;
	}
	return false;
}

bool attr_parse(const char *name, attr_t *attr) {
	static const struct {
		const char *name;
		attr_t attr;
	} names[] = { { "bold", A_BOLD }, { "underline", A_UNDERLINE }, { "dim", A_DIM },
		{ "reverse", A_REVERSE }, { "normal", A_NORMAL } };
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		if (strcmp(names[i].name, name) == 0) {
			*attr = names[i].attr;
			return true;
		}
	}
	return false;
}

void draw_set_colour(enum style style, short fg, short bg, attr_t attrs) {
	specs[style].coloured = true;
	specs[style].fg = fg;
	specs[style].bg = bg;
	specs[style].colour_attrs = attrs;
}

void draw_set_mono(enum style style, attr_t attrs) {
	specs[style].mono_attrs = attrs;
}

void draw_init(void) {
	utf8_locale = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	bool colour = colour_wanted();
	if (colour) {
		start_color();
		use_default_colors();
	}
	short pairs = 0;
	for (int s = 0; s < STYLE_COUNT; s++) {
		if (!colour) {
			/* Without colour, attributes alone keep every distinction. */
			styles[s] = specs[s].mono_attrs;
			continue;
		}
		styles[s] = specs[s].colour_attrs;
		if (specs[s].coloured && (specs[s].fg != -1 || specs[s].bg != -1)) {
			pairs++;
			init_pair(pairs, specs[s].fg, specs[s].bg);
			styles[s] |= COLOR_PAIR(pairs);
		}
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

/* Bytes of s[0..len) that fit in cols columns, ending between glyphs. */
static size_t prefix_fitting(const char *s, size_t len, int cols) {
	size_t pos = 0;
	int used = 0;
	while (pos < len) {
		size_t next = pos;
		struct mr_glyph g;
		bool escape;
		mr_glyph_next(s, len, &next, &g);
		int w = glyph_width(&g, &escape);
		if (used + w > cols) {
			break;
		}
		used += w;
		pos = next;
	}
	return pos;
}

/* Where the longest end of s[0..len) that fits in cols columns starts. */
static size_t suffix_fitting(const char *s, size_t len, int cols) {
	int total = text_width(s, len);
	size_t pos = 0;
	while (pos < len && total > cols) {
		struct mr_glyph g;
		bool escape;
		mr_glyph_next(s, len, &pos, &g);
		total -= glyph_width(&g, &escape);
	}
	return pos;
}

static int draw_ellipsis(WINDOW *win, enum style style, attr_t base) {
	wattrset(win, style_attr(style) | base);
	if (utf8_locale) {
		waddnwstr(win, L"\u2026", 1);
	} else {
		waddch(win, '~');
	}
	wattrset(win, A_NORMAL);
	return 1;
}

int draw_address(
	WINDOW *win, int y, int x, int width, const char *address, enum style style, attr_t base) {
	size_t len = strlen(address);
	const char *at = len > 0 ? memchr(address, '@', len) : NULL;
	for (const char *p = at; p != NULL;
		p = memchr(p + 1, '@', len - (size_t)(p + 1 - address))) {
		at = p; /* the last '@': a quoted local part may hold others */
	}
	if (width <= 0 || text_width(address, len) <= width || at == NULL || at == address) {
		return draw_text(win, y, x, width, address, len, style, base);
	}
	size_t local = (size_t)(at - address);
	int domain_w = text_width(at, len - local);
	int room = width - domain_w - 1; /* for the local part, less the ellipsis */
	wmove(win, y, x);
	if (room < 2) {
		/* Not even the domain fits: its end names it best
		 * ("…mail.example.com"). */
		draw_ellipsis(win, style, base);
		size_t from = suffix_fitting(address, len, width - 1);
		return 1 +
		       draw_text(win, y, x + 1, width - 1, address + from, len - from, style, base);
	}
	int head = (room + 1) / 2;
	size_t head_len = prefix_fitting(address, local, head);
	int used = draw_text(win, y, x, head, address, head_len, style, base);
	wmove(win, y, x + used);
	used += draw_ellipsis(win, style, base);
	size_t tail_from = suffix_fitting(address, local, room - (used - 1));
	used += draw_text(win, y, x + used, width - used, address + tail_from, local - tail_from,
		style, base);
	used += draw_text(win, y, x + used, width - used, at, len - local, style, base);
	return used;
}

void draw_fill(WINDOW *win, int y, int x, int width, enum style style, attr_t base) {
	if (width <= 0) {
		return;
	}
	wattrset(win, style_attr(style) | base);
	mvwhline(win, y, x, ' ', width);
	wattrset(win, A_NORMAL);
}

void draw_title(const char *title) {
	draw_fill(stdscr, 0, 0, COLS, STYLE_TITLE, A_NORMAL);
	draw_str(stdscr, 0, 0, COLS, title, STYLE_TITLE, A_NORMAL);
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

int draw_text_found(WINDOW *win, int y, int x, int width, const char *s, size_t len,
	enum style style, attr_t base, const char *needle) {
	size_t n = needle != NULL ? strlen(needle) : 0;
	if (n == 0) {
		return draw_text(win, y, x, width, s, len, style, base);
	}
	int used = 0;
	size_t pos = 0;
	while (pos < len && used < width) {
		const char *hit = mr_find_ascii_case(s + pos, len - pos, needle, n);
		size_t end = hit != NULL ? (size_t)(hit - s) : len;
		/* The text before the match, then the match; a part that does not
		 * fit ends the line with draw_text's ellipsis. */
		for (int part = 0; part < 2 && used < width; part++) {
			size_t from = part == 0 ? pos : end;
			size_t to = part == 0 ? end : end + n;
			if (to == from || (part == 1 && hit == NULL)) {
				continue;
			}
			bool fits = text_width(s + from, to - from) <= width - used;
			used += draw_text(win, y, x + used, width - used, s + from, to - from,
				part == 0 ? style : STYLE_FOUND, base);
			if (!fits) {
				return used;
			}
		}
		if (hit == NULL) {
			break;
		}
		pos = end + n;
	}
	return used;
}
