#ifndef MR_TUI_DRAW_H
#define MR_TUI_DRAW_H

/*
 * Drawing untrusted text into curses windows. Text goes through the core
 * glyph splitter: printable characters are drawn (as '?' where the locale
 * cannot show them), and escapes (^[, <U+202E>, \xFF) are drawn in their own
 * attribute so they cannot pass for the same characters typed.
 */

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>

#include "model.h"

enum style {
	STYLE_NORMAL,
	STYLE_HEADER,    /* column titles */
	STYLE_TITLE,     /* a view's first line */
	STYLE_STATUS,    /* the status line */
	STYLE_CURSOR,    /* the selected row */
	STYLE_ESCAPE,    /* a visible stand-in for something unprintable */
	STYLE_LABEL,     /* "Sender" in the detail view */
	STYLE_DIM,       /* secondary text */
	STYLE_REASON,    /* a failure text */
	STYLE_TEMPORARY, /* the cause of a failure that will be retried */
	STYLE_PERMANENT, /* the cause of a failure that will not */
	STYLE_TAGGED,    /* the mark of a tagged message */
	STYLE_FOUND,     /* what a search found in a text */
	STYLE_KEYBAR,    /* the line of keys at the bottom */
	STYLE_KEY,       /* a key in it */
	STYLE_QUEUE,     /* + enum mr_queue: each queue's own colour */
	STYLE_COUNT = STYLE_QUEUE + MR_QUEUE_COUNT
};

/* The styles as the configuration sets them (config.c), before draw_init;
 * a style set by neither is drawn plain. */
bool style_parse(const char *name, enum style *style);
bool colour_parse(const char *name, short *colour);
bool attr_parse(const char *name, attr_t *attr);
void draw_set_colour(enum style style, short fg, short bg, attr_t attrs);
void draw_set_mono(enum style style, attr_t attrs);

/* Sets up colours unless NO_COLOR is set or the terminal has none; the mono
 * attributes otherwise. */
void draw_init(void);
bool draw_utf8(void);
attr_t style_attr(enum style style);

/* Display columns of s[0..len) as draw_text would show it. */
int text_width(const char *s, size_t len);

/*
 * Draws s[0..len) at y, x in at most width columns, ending with an ellipsis
 * when it does not fit. base is OR-ed into every cell (the cursor's reverse
 * video). Returns the columns used.
 */
int draw_text(WINDOW *win, int y, int x, int width, const char *s, size_t len, enum style style,
	attr_t base);
int draw_str(WINDOW *win, int y, int x, int width, const char *s, enum style style, attr_t base);
/* An address in at most width columns: when it does not fit, the middle of
 * its local part gives way ("very…ng@example.com"), so the domain stays. */
int draw_address(
	WINDOW *win, int y, int x, int width, const char *address, enum style style, attr_t base);
/* Spaces from x to x + width - 1. */
void draw_fill(WINDOW *win, int y, int x, int width, enum style style, attr_t base);

/* A view's first line, across the screen. */
void draw_title(const char *title);
/* s[0..len) with the parts that contain needle (ASCII case ignored) drawn
 * in the found style; as draw_text otherwise. */
int draw_text_found(WINDOW *win, int y, int x, int width, const char *s, size_t len,
	enum style style, attr_t base, const char *needle);

/*
 * Splits s into lines of at most width columns, breaking at spaces where it
 * can; calls emit for each line with its start and length.
 */
void wrap_text(
	const char *s, int width, void (*emit)(void *ctx, const char *line, size_t len), void *ctx);

#endif
