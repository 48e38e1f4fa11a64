/*
 * The summary view: the messages shown, at a glance — recipients by domain
 * and age (as qshape), by source and age (several sources), by cause, by
 * reason. Every row, and every cell of the tables by age, is a filter: Enter
 * adds it to the list's.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "buf.h"
#include "draw.h"
#include "format.h"
#include "kb.h"
#include "summary.h"
#include "xalloc.h"

/* Rows of the summary on the screen. */
enum { TOP_ROWS = 10, LABEL_MIN = 10, LABEL_MAX = 28, COUNT_W = 7, AGE_W = 6 };

/* The domain column takes what the counts leave, within bounds. */
static int label_width(void) {
	int w = COLS - 2 - COUNT_W - MR_SUMMARY_AGES * AGE_W;
	return w < LABEL_MIN ? LABEL_MIN : w > LABEL_MAX ? LABEL_MAX : w;
}

enum line_kind { LINE_BLANK, LINE_HEADING, LINE_AGE_HEADS, LINE_BY_AGE, LINE_CAUSE, LINE_REASON };

struct summary_line {
	enum line_kind kind;
	const char *text; /* headings */
	const struct mr_summary_row *row;
};

struct summary_view {
	struct mr_summary summary;
	const struct mr_snapshot *of; /* the snapshot it was made from */
	char *filter_of;              /* and the filter (NULL: none) */
	struct summary_line *lines;
	size_t n_lines;
	size_t line;   /* the selected line */
	size_t column; /* in a line by age: 0 the total, 1 + an age column */
	size_t top;
};

static void add_line(struct summary_view *v, enum line_kind kind, const char *text,
	const struct mr_summary_row *row) {
	v->lines = mr_xreallocarray(v->lines, v->n_lines + 1, sizeof(*v->lines));
	v->lines[v->n_lines++] = (struct summary_line){ kind, text, row };
}

static bool selectable(const struct summary_line *l) {
	return l->kind == LINE_BY_AGE || l->kind == LINE_CAUSE || l->kind == LINE_REASON;
}

static void summary_free(struct summary_view *v) {
	if (v->of != NULL) {
		mr_summary_finish(&v->summary);
	}
	free(v->lines);
	v->lines = NULL;
	v->n_lines = 0;
	v->of = NULL;
	free(v->filter_of);
	v->filter_of = NULL;
}

/* Summarises the messages the list shows. */
static void build(struct app *app) {
	struct summary_view *v = app->summary;
	summary_free(v);
	/* The filter again, for the recipients it holds for: a summary of
	 * "domain:gmail.com" counts the Gmail recipients, not the others of
	 * the same messages. */
	uint8_t *only = NULL, *only_rcpt = NULL;
	if (app->filter != NULL) {
		const struct mr_snapshot *snap = app->snap;
		only = mr_xmalloc(snap->n_messages ? snap->n_messages : 1);
		only_rcpt = mr_xmalloc(snap->n_recipients ? snap->n_recipients : 1);
		mr_filter_run_recipients(app->filter, snap, app->refreshed_at, only, only_rcpt);
	}
	mr_summary_build(&v->summary, app->snap, only, only_rcpt, mr_kb_default(),
		app->refreshed_at, TOP_ROWS);
	free(only);
	free(only_rcpt);
	v->of = app->snap;
	v->filter_of = app->filter_text != NULL ? mr_xstrdup(app->filter_text) : NULL;
	const struct mr_summary *s = &v->summary;
	add_line(v, LINE_HEADING, "Recipients by domain and age in minutes", NULL);
	add_line(v, LINE_AGE_HEADS, NULL, NULL);
	add_line(v, LINE_BY_AGE, NULL, &s->total);
	for (size_t i = 0; i < s->n_domains; i++) {
		add_line(v, LINE_BY_AGE, NULL, &s->domains[i]);
	}
	if (s->n_sources > 0) {
		/* Several sources: which host the stuck mail is on, and how old. */
		add_line(v, LINE_BLANK, NULL, NULL);
		add_line(v, LINE_HEADING, "Recipients by source and age in minutes", NULL);
		add_line(v, LINE_AGE_HEADS, NULL, NULL);
		for (size_t i = 0; i < s->n_sources; i++) {
			add_line(v, LINE_BY_AGE, NULL, &s->sources[i]);
		}
	}
	add_line(v, LINE_BLANK, NULL, NULL);
	add_line(v, LINE_HEADING, "Recipients with a reason, by cause", NULL);
	for (size_t i = 0; i < s->n_categories; i++) {
		add_line(v, LINE_CAUSE, NULL, &s->categories[i]);
	}
	add_line(v, LINE_BLANK, NULL, NULL);
	add_line(v, LINE_HEADING, "Top reasons: recipients, cause, code, remote host, reply", NULL);
	for (size_t i = 0; i < s->n_reasons; i++) {
		add_line(v, LINE_REASON, NULL, &s->reasons[i]);
	}
	if (v->line >= v->n_lines || !selectable(&v->lines[v->line])) {
		v->line = 2; /* the total */
	}
}

void summary_open(struct app *app) {
	if (app->summary == NULL) {
		app->summary = mr_xcalloc(1, sizeof(*app->summary));
	}
	app->summary->line = 2;
	app->summary->column = 0;
	app->summary->top = 0;
	build(app);
	app->view = VIEW_SUMMARY;
}

void summary_close(struct app *app) {
	if (app->summary != NULL) {
		summary_free(app->summary);
		free(app->summary);
		app->summary = NULL;
	}
}

/* The title, the rows, the filter Enter would apply, the status line. */
static int body_rows(void) {
	return LINES - 3;
}

static void draw_number(int y, int x, int width, size_t n, bool selected) {
	char text[32];
	snprintf(text, sizeof(text), "%*zu", width, n);
	draw_str(stdscr, y, x, width, text, n == 0 ? STYLE_DIM : STYLE_NORMAL,
		selected ? style_attr(STYLE_CURSOR) : A_NORMAL);
}

static void draw_line(const struct summary_view *v, size_t i, int y) {
	const struct summary_line *l = &v->lines[i];
	const struct mr_summary_row *r = l->row;
	bool here = i == v->line;
	attr_t cursor = style_attr(STYLE_CURSOR);
	const struct mr_kb *kb = mr_kb_default();
	switch (l->kind) {
	case LINE_BLANK:
		return;
	case LINE_HEADING:
		draw_str(stdscr, y, 0, COLS, l->text, STYLE_TITLE, A_NORMAL);
		return;
	case LINE_AGE_HEADS: {
		int x = 2 + label_width();
		draw_str(stdscr, y, x, COUNT_W, "      T", STYLE_HEADER, A_NORMAL);
		x += COUNT_W;
		for (size_t c = 0; c < MR_SUMMARY_AGES && x + AGE_W <= COLS; c++, x += AGE_W) {
			char head[16];
			snprintf(head, sizeof(head), "%*s", AGE_W, mr_summary_age_heads[c]);
			draw_str(stdscr, y, x, AGE_W, head, STYLE_HEADER, A_NORMAL);
		}
		return;
	}
	case LINE_BY_AGE: {
		draw_str(stdscr, y, 2, label_width() - 1, r->label,
			here ? STYLE_LABEL : STYLE_NORMAL, A_NORMAL);
		int x = 2 + label_width();
		draw_number(y, x, COUNT_W, r->count, here && v->column == 0);
		x += COUNT_W;
		for (size_t c = 0; c < MR_SUMMARY_AGES && x + AGE_W <= COLS; c++, x += AGE_W) {
			draw_number(y, x, AGE_W, r->ages[c], here && v->column == c + 1);
		}
		return;
	}
	case LINE_CAUSE: {
		draw_fill(stdscr, y, 0, COLS, STYLE_NORMAL, here ? cursor : A_NORMAL);
		char count[32];
		snprintf(count, sizeof(count), "%7zu  ", r->count);
		int x = draw_str(stdscr, y, 0, COLS, count, STYLE_NORMAL, here ? cursor : A_NORMAL);
		x += draw_str(stdscr, y, x, 20, r->label, STYLE_LABEL, here ? cursor : A_NORMAL);
		int title_x = 9 + 20;
		int c = mr_kb_category_find(kb, r->label);
		if (c >= 0 && COLS > title_x) {
			draw_str(stdscr, y, title_x, COLS - title_x, kb->categories[c].title,
				STYLE_DIM, here ? cursor : A_NORMAL);
		}
		return;
	}
	case LINE_REASON: {
		attr_t base = here ? cursor : A_NORMAL;
		draw_fill(stdscr, y, 0, COLS, STYLE_NORMAL, base);
		/* The host column takes a third of what the reply would have. */
		int host_w = (COLS - 36) / 3;
		host_w = host_w < 10 ? 10 : host_w > 30 ? 30 : host_w;
		char *head = mr_xasprintf("%7zu  %-18.18s %-7s %-*.*s ", r->count,
			r->category ? r->category : "-", *r->code ? r->code : "-", host_w, host_w,
			r->host ? r->host : "-");
		/* Padded by bytes, which suits host names; anything else in them
		 * is made visible by draw_str like all queue text. */
		int x = draw_str(stdscr, y, 0, COLS, head, STYLE_NORMAL, base);
		free(head);
		if (x < COLS) {
			draw_str(stdscr, y, x, COLS - x, r->label, STYLE_REASON, base);
		}
		return;
	}
	}
}

/* Keeps the selected line on the screen. */
static void scroll_to_line(struct summary_view *v, int rows) {
	if (v->line < v->top) {
		v->top = v->line > 0 && !selectable(&v->lines[v->line - 1]) ? v->line - 1 : v->line;
	}
	if (v->line >= v->top + (size_t)rows) {
		v->top = v->line - (size_t)rows + 1;
	}
}

/* The filter of the selected row or cell, with the list's own before it;
 * false when the row has none ("(other)"). */
static bool selected_filter(const struct app *app, struct mr_buf *expr) {
	const struct summary_view *v = app->summary;
	const struct summary_line *l = &v->lines[v->line];
	if (l->row->filter == NULL) {
		return false;
	}
	if (app->filter_text != NULL) {
		mr_buf_printf(expr, "(%s)", app->filter_text);
	}
	if (*l->row->filter != '\0') {
		mr_buf_printf(expr, "%s%s", expr->len ? " " : "", l->row->filter);
	}
	if (l->kind == LINE_BY_AGE && v->column > 0) {
		char *age = mr_summary_age_filter(v->column - 1);
		mr_buf_printf(expr, "%s%s", expr->len ? " " : "", age);
		free(age);
	}
	return true;
}

void summary_draw(struct app *app) {
	struct summary_view *v = app->summary;
	bool same_filter = (v->filter_of == NULL && app->filter_text == NULL) ||
			   (v->filter_of != NULL && app->filter_text != NULL &&
				   strcmp(v->filter_of, app->filter_text) == 0);
	if (v->of != app->snap || !same_filter) {
		build(app); /* listed again, or filtered at the '/' prompt */
	}
	char messages[MR_FORMAT_MAX], recipients[MR_FORMAT_MAX];
	mr_format_count(messages, v->summary.messages);
	mr_format_count(recipients, v->summary.recipients);
	char *title =
		mr_xasprintf("Summary of %s message%s, %s recipient%s%s; Enter filters the list",
			messages, v->summary.messages == 1 ? "" : "s", recipients,
			v->summary.recipients == 1 ? "" : "s", app->filter ? " shown" : "");
	draw_title(title);
	free(title);
	int rows = body_rows();
	scroll_to_line(v, rows);
	for (int r = 0; r < rows && v->top + (size_t)r < v->n_lines; r++) {
		draw_line(v, v->top + (size_t)r, 1 + r);
	}
	struct mr_buf expr, hint;
	mr_buf_init(&expr);
	mr_buf_init(&hint);
	if (!selected_filter(app, &expr)) {
		mr_buf_add_str(&hint, "no filter selects just this row");
	} else {
		mr_buf_printf(&hint, "Enter: /%s", expr.len ? expr.data : "(every message)");
	}
	draw_str(stdscr, LINES - 2, 0, COLS, hint.data, STYLE_DIM, A_NORMAL);
	mr_buf_finish(&hint);
	mr_buf_finish(&expr);
}

/* The next selectable line from line in direction step, or line itself. */
static size_t next_line(const struct summary_view *v, size_t line, int step, size_t count) {
	size_t at = line;
	for (size_t i = line; count > 0;) {
		if ((step < 0 && i == 0) || (step > 0 && i + 1 >= v->n_lines)) {
			break;
		}
		i = step < 0 ? i - 1 : i + 1;
		if (selectable(&v->lines[i])) {
			at = i;
			count--;
		}
	}
	return at;
}

static void apply(struct app *app) {
	struct mr_buf expr;
	mr_buf_init(&expr);
	if (!selected_filter(app, &expr)) {
		app_set_message(app, "%s has no filter of its own",
			app->summary->lines[app->summary->line].row->label);
		mr_buf_finish(&expr);
		return;
	}
	struct mr_filter_error err;
	if (!app_set_filter(app, expr.data, &err)) {
		/* The summary makes only filters that parse: a bug if not. */
		app_set_message(app, "filter: column %zu: %s", err.pos + 1, err.message);
	} else {
		app->view = VIEW_LIST;
		app_set_message(app, "%zu message%s", app->list.n_rows,
			app->list.n_rows == 1 ? " matches" : "s match");
	}
	mr_buf_finish(&expr);
}

bool summary_click(struct app *app, int y, int x) {
	struct summary_view *v = app->summary;
	size_t line = v->top + (size_t)(y - 1);
	if (y < 1 || y > body_rows() || line >= v->n_lines || !selectable(&v->lines[line])) {
		return false;
	}
	v->line = line;
	if (v->lines[line].kind == LINE_BY_AGE) {
		int first = 2 + label_width();
		v->column = x < first + COUNT_W ? 0 : 1 + (size_t)(x - first - COUNT_W) / AGE_W;
		if (v->column > MR_SUMMARY_AGES) {
			v->column = MR_SUMMARY_AGES;
		}
	}
	return true;
}

void summary_handle(struct app *app, enum request req) {
	struct summary_view *v = app->summary;
	size_t page = body_rows() > 1 ? (size_t)body_rows() - 1 : 1;
	switch (req) {
	case REQ_MOVE_DOWN:
		v->line = next_line(v, v->line, 1, 1);
		break;
	case REQ_MOVE_UP:
		v->line = next_line(v, v->line, -1, 1);
		break;
	case REQ_PAGE_DOWN:
		v->line = next_line(v, v->line, 1, page);
		break;
	case REQ_PAGE_UP:
		v->line = next_line(v, v->line, -1, page);
		break;
	case REQ_FIRST:
		v->line = next_line(v, 0, 1, 1);
		v->top = 0;
		break;
	case REQ_LAST:
		v->line = next_line(v, v->line, 1, v->n_lines);
		break;
	case REQ_MOVE_LEFT:
		v->column = v->column > 0 ? v->column - 1 : 0;
		break;
	case REQ_MOVE_RIGHT:
		v->column = v->column < MR_SUMMARY_AGES ? v->column + 1 : MR_SUMMARY_AGES;
		break;
	case REQ_OPEN:
		apply(app);
		break;
	case REQ_BACK:
		app->view = VIEW_LIST;
		break;
	default:
		break;
	}
}
