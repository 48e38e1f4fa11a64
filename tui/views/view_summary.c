/*
 * The summary view: the messages shown, at a glance — recipients by domain
 * and age (as qshape), or messages by sender domain (as qshape -s: s
 * switches), by source and age (several sources), by cause, by reason; of
 * every queue or of one (Tab goes round them, as qshape's queue
 * arguments). Every row, and every cell of the tables by age, is a filter:
 * Enter adds it to the list's.
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

/* Rows of the summary on the screen; the narrowest columns. */
enum { TOP_ROWS = 10, LABEL_MIN = 10, LABEL_MAX = 28, COUNT_MIN = 7, AGE_MIN = 6 };

enum line_kind { LINE_BLANK, LINE_HEADING, LINE_AGE_HEADS, LINE_BY_AGE, LINE_CAUSE, LINE_REASON };

struct summary_line {
	enum line_kind kind;
	const char *text; /* headings */
	const struct mr_summary_row *row;
};

struct summary_view {
	struct view view;
	struct mr_summary summary;
	/* Columns sized from the counts: a big queue's never run together. */
	int count_w, age_w;
	const struct mr_snapshot *of; /* the snapshot it was made from */
	char *filter_of;              /* and the filter (NULL: none) */
	struct summary_line *lines;
	size_t n_lines;
	/* What is counted: the queue, as qshape counts it; the mail that
	 * bounced, which only the mail log knows of, only when the list shows
	 * nothing else. What is left out is said on the first line. */
	struct mr_summary_scope scope;
	char scope_line[240];
	bool by_sender; /* the table by domain: messages by sender domain */
	size_t queues;  /* which of queue_views is counted */
	size_t line;    /* the selected line */
	size_t column;  /* in a line by age: 0 the total, 1 + an age column */
	size_t top;
};

/* What Tab goes round: every queue, qshape's own default (incoming and
 * active), then each queue a message waits in. */
static const unsigned queue_views[] = {
	0,
	MR_SUMMARY_QSHAPE_QUEUES,
	MR_SUMMARY_QUEUE_BIT(MR_QUEUE_INCOMING),
	MR_SUMMARY_QUEUE_BIT(MR_QUEUE_ACTIVE),
	MR_SUMMARY_QUEUE_BIT(MR_QUEUE_DEFERRED),
	MR_SUMMARY_QUEUE_BIT(MR_QUEUE_HOLD),
};
enum { QUEUE_VIEWS = sizeof(queue_views) / sizeof(*queue_views) };

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

static int digits(size_t n) {
	int d = 1;
	while (n >= 10) {
		n /= 10;
		d++;
	}
	return d;
}

/* The widths the counts need: one space before the widest of each kind. */
static void size_columns(struct summary_view *v) {
	const struct mr_summary *s = &v->summary;
	size_t most = s->total.count, most_age = 0;
	for (size_t c = 0; c < MR_SUMMARY_AGES; c++) {
		/* the recipients' total is at least the messages' */
		most_age = s->total.ages[c] > most_age ? s->total.ages[c] : most_age;
		most_age = s->sender_total.ages[c] > most_age ? s->sender_total.ages[c] : most_age;
	}
	most = s->sender_total.count > most ? s->sender_total.count : most;
	for (size_t i = 0; i < s->n_categories; i++) {
		most = s->categories[i].count > most ? s->categories[i].count : most;
	}
	v->count_w = digits(most) + 1 > COUNT_MIN ? digits(most) + 1 : COUNT_MIN;
	v->age_w = digits(most_age) + 1 > AGE_MIN ? digits(most_age) + 1 : AGE_MIN;
}

/* The domain column takes what the counts leave, within bounds. */
static int label_width(const struct summary_view *v) {
	int w = COLS - 2 - v->count_w - MR_SUMMARY_AGES * v->age_w;
	return w < LABEL_MIN ? LABEL_MIN : w > LABEL_MAX ? LABEL_MAX : w;
}

/*
 * The messages of only (NULL: every message) that are counted, as a mask to
 * free: the queue's, or the bounced mail when the list shows nothing else.
 * v->scope_line says what is left out.
 */
static uint8_t *count_scope(struct summary_view *v, const struct mr_snapshot *snap,
	const uint8_t *only, const uint8_t *only_rcpt) {
	unsigned queues = queue_views[v->queues];
	v->scope = (struct mr_summary_scope){ .bounced = false, .queues = queues };
	uint8_t *counted = mr_summary_scope(snap, only, only_rcpt, &v->scope);
	if (queues == 0 && v->scope.counted == 0 && v->scope.left_messages > 0) {
		free(counted);
		v->scope = (struct mr_summary_scope){ .bounced = true };
		counted = mr_summary_scope(snap, only, only_rcpt, &v->scope);
	}
	char messages[MR_FORMAT_MAX], recipients[MR_FORMAT_MAX], outside[MR_FORMAT_MAX];
	mr_format_count(messages, v->scope.left_messages);
	mr_format_count(recipients, v->scope.left_recipients);
	mr_format_count(outside, v->scope.outside);
	char *names = mr_summary_queues_name(queues, " and ");
	char *args = mr_summary_queues_name(queues, " ");
	char what[120];
	if (queues == 0) {
		snprintf(what, sizeof(what), "The queue");
	} else {
		snprintf(what, sizeof(what),
			"The %s queue%s, as qshape %s; not counted: %s other%s", names,
			strchr(names, ' ') ? "s" : "", args, outside,
			v->scope.outside == 1 ? "" : "s");
	}
	free(names);
	free(args);
	if (v->scope.bounced) {
		snprintf(v->scope_line, sizeof(v->scope_line),
			"Bounced mail from the mail log (no longer queued)");
	} else if (v->scope.left_messages > 0) {
		snprintf(v->scope_line, sizeof(v->scope_line),
			"%s; not counted: %s bounced (%s recipient%s) from the mail log", what,
			messages, recipients, v->scope.left_recipients == 1 ? "" : "s");
	} else {
		snprintf(v->scope_line, sizeof(v->scope_line), "%s", what);
	}
	return counted;
}

/* Summarises the messages the list below shows. */
static void build(struct app *app, struct summary_view *v) {
	summary_free(v);
	struct list_view *list = app->list;
	/* The filter again, for the recipients it holds for: a summary of
	 * "domain:gmail.com" counts the Gmail recipients, not the others of
	 * the same messages. */
	const struct mr_snapshot *snap = app->snap;
	uint8_t *only = NULL, *only_rcpt = NULL;
	if (list->filter != NULL) {
		only = mr_xmalloc(snap->n_messages ? snap->n_messages : 1);
		only_rcpt = mr_xmalloc(snap->n_recipients ? snap->n_recipients : 1);
		mr_filter_run_recipients(list->filter, snap, app->refreshed_at, only, only_rcpt);
	}
	uint8_t *counted = count_scope(v, snap, only, only_rcpt);
	mr_summary_build(&v->summary, snap, counted, only_rcpt, mr_kb_default(), app->refreshed_at,
		TOP_ROWS);
	free(counted);
	free(only);
	free(only_rcpt);
	if (v->summary.expiring > 0) {
		/* counted in their queue (qshape 3.7 skips their files) */
		size_t len = strlen(v->scope_line);
		snprintf(v->scope_line + len, sizeof(v->scope_line) - len, "; %zu expiring",
			v->summary.expiring);
	}
	v->of = app->snap;
	v->filter_of = list->filter_text != NULL ? mr_xstrdup(list->filter_text) : NULL;
	size_columns(v);
	const struct mr_summary *s = &v->summary;
	add_line(v, LINE_HEADING, v->scope_line, NULL);
	if (v->by_sender) {
		add_line(v, LINE_HEADING, "Messages by sender domain and age in minutes", NULL);
	} else {
		add_line(v, LINE_HEADING, "Recipients by domain and age in minutes", NULL);
	}
	add_line(v, LINE_AGE_HEADS, NULL, NULL);
	size_t total_line = v->n_lines;
	add_line(v, LINE_BY_AGE, NULL, v->by_sender ? &s->sender_total : &s->total);
	size_t n_domains = v->by_sender ? s->n_senders : s->n_domains;
	for (size_t i = 0; i < n_domains; i++) {
		add_line(v, LINE_BY_AGE, NULL, v->by_sender ? &s->senders[i] : &s->domains[i]);
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
		v->line = total_line;
	}
}

/* The rows between the title and the line that shows the selected filter. */
static int body_rows(const struct app *app) {
	return app_body_rows(app) - 1;
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
		int x = 2 + label_width(v);
		char head[32];
		snprintf(head, sizeof(head), "%*s", v->count_w, "T");
		draw_str(stdscr, y, x, v->count_w, head, STYLE_HEADER, A_NORMAL);
		x += v->count_w;
		for (size_t c = 0; c < MR_SUMMARY_AGES && x + v->age_w <= COLS;
			c++, x += v->age_w) {
			snprintf(head, sizeof(head), "%*s", v->age_w, mr_summary_age_heads[c]);
			draw_str(stdscr, y, x, v->age_w, head, STYLE_HEADER, A_NORMAL);
		}
		return;
	}
	case LINE_BY_AGE: {
		draw_str(stdscr, y, 2, label_width(v) - 1, r->label,
			here ? STYLE_LABEL : STYLE_NORMAL, A_NORMAL);
		int x = 2 + label_width(v);
		draw_number(y, x, v->count_w, r->count, here && v->column == 0);
		x += v->count_w;
		for (size_t c = 0; c < MR_SUMMARY_AGES && x + v->age_w <= COLS;
			c++, x += v->age_w) {
			draw_number(y, x, v->age_w, r->ages[c], here && v->column == c + 1);
		}
		return;
	}
	case LINE_CAUSE: {
		draw_fill(stdscr, y, 0, COLS, STYLE_NORMAL, here ? cursor : A_NORMAL);
		char count[32];
		snprintf(count, sizeof(count), "%*zu  ", v->count_w, r->count);
		int x = draw_str(stdscr, y, 0, COLS, count, STYLE_NORMAL, here ? cursor : A_NORMAL);
		/* The longest name, "too-many-connections", and a space. */
		x += draw_str(stdscr, y, x, 21, r->label, STYLE_LABEL, here ? cursor : A_NORMAL);
		int title_x = v->count_w + 2 + 21;
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
		char *head = mr_xasprintf("%*zu  %-18.18s %-7s %-*.*s ", v->count_w, r->count,
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
static bool selected_filter(
	const struct app *app, const struct summary_view *v, struct mr_buf *expr) {
	const struct summary_line *l = &v->lines[v->line];
	if (l->row->filter == NULL) {
		return false;
	}
	if (app->list->filter_text != NULL) {
		mr_buf_printf(expr, "(%s)", app->list->filter_text);
	}
	if (*l->row->filter != '\0') {
		mr_buf_printf(expr, "%s%s", expr->len ? " " : "", l->row->filter);
	}
	if (l->kind == LINE_BY_AGE && v->column > 0) {
		char *age = mr_summary_age_filter(v->column - 1);
		mr_buf_printf(expr, "%s%s", expr->len ? " " : "", age);
		free(age);
	}
	if (v->scope.queues != 0) { /* the queues counted */
		char *queues = mr_summary_queues_filter(v->scope.queues);
		mr_buf_printf(expr, "%s%s", expr->len ? " " : "", queues);
		free(queues);
	} else if (v->scope.left_messages > 0) { /* the row's mail, not the bounced mail left out */
		mr_buf_printf(expr, "%s%s", expr->len ? " " : "", "-queue:bounced");
	}
	return true;
}

static void summary_draw(struct app *app, struct view *view) {
	struct summary_view *v = (struct summary_view *)view;
	const char *filter_text = app->list->filter_text;
	bool same_filter = (v->filter_of == NULL && filter_text == NULL) ||
			   (v->filter_of != NULL && filter_text != NULL &&
				   strcmp(v->filter_of, filter_text) == 0);
	if (v->of != app->snap || !same_filter) {
		build(app, v); /* listed again, or filtered at the '/' prompt */
	}
	char messages[MR_FORMAT_MAX], recipients[MR_FORMAT_MAX];
	mr_format_count(messages, v->summary.messages);
	mr_format_count(recipients, v->summary.recipients);
	char *title = mr_xasprintf(
		"Summary of %s message%s, %s recipient%s%s; Enter lists a row or a cell", messages,
		v->summary.messages == 1 ? "" : "s", recipients,
		v->summary.recipients == 1 ? "" : "s", app->list->filter ? " shown" : "");
	draw_title(title);
	free(title);
	int rows = body_rows(app);
	scroll_to_line(v, rows);
	for (int r = 0; r < rows && v->top + (size_t)r < v->n_lines; r++) {
		draw_line(v, v->top + (size_t)r, 1 + r);
	}
	struct mr_buf expr, hint;
	mr_buf_init(&expr);
	mr_buf_init(&hint);
	if (!selected_filter(app, v, &expr)) {
		mr_buf_add_str(&hint, "no filter selects just this row");
	} else {
		mr_buf_printf(&hint, "Enter: /%s", expr.len ? expr.data : "(every message)");
	}
	draw_str(stdscr, 1 + rows, 0, COLS, hint.data, STYLE_DIM, A_NORMAL);
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

/* Drills down: a list of what the row or cell selects, over the summary;
 * q comes back here. */
static void apply(struct app *app, struct summary_view *v) {
	struct mr_buf expr;
	mr_buf_init(&expr);
	if (!selected_filter(app, v, &expr)) {
		app_set_message(app, "%s has no filter of its own", v->lines[v->line].row->label);
		mr_buf_finish(&expr);
		return;
	}
	list_open(app, expr.data);
	app_set_message(app, "%zu message%s; q goes back to the summary", app->rows.n_rows,
		app->rows.n_rows == 1 ? " matches" : "s match");
	mr_buf_finish(&expr);
}

static bool summary_click(struct app *app, struct view *view, int y, int x) {
	struct summary_view *v = (struct summary_view *)view;
	size_t line = v->top + (size_t)(y - 1);
	if (y < 1 || y > body_rows(app) || line >= v->n_lines || !selectable(&v->lines[line])) {
		return false;
	}
	v->line = line;
	if (v->lines[line].kind == LINE_BY_AGE) {
		int first = 2 + label_width(v);
		v->column = x < first + v->count_w
				    ? 0
				    : 1 + (size_t)(x - first - v->count_w) / (size_t)v->age_w;
		if (v->column > MR_SUMMARY_AGES) {
			v->column = MR_SUMMARY_AGES;
		}
	}
	return true;
}

static void summary_handle(struct app *app, struct view *view, enum request req) {
	struct summary_view *v = (struct summary_view *)view;
	size_t page = body_rows(app) > 1 ? (size_t)body_rows(app) - 1 : 1;
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
		apply(app, v);
		break;
	case REQ_FILTER:
		app_prompt(app, PROMPT_FILTER); /* the list's, which it summarises */
		break;
	case REQ_SUMMARY_BY:
		v->by_sender = !v->by_sender;
		build(app, v);
		app_set_message(app, "%s",
			v->by_sender ? "Messages by sender domain, as qshape -s counts them"
				     : "Recipients by domain, as qshape counts them");
		break;
	case REQ_SUMMARY_QUEUE: {
		v->queues = (v->queues + 1) % QUEUE_VIEWS;
		build(app, v);
		char *names = mr_summary_queues_name(queue_views[v->queues], " and ");
		app_set_message(app, "Counting %s%s%s", v->queues ? "the " : "every queue", names,
			v->queues ? (strchr(names, ' ') ? " queues" : " queue") : "");
		free(names);
		break;
	}
	default:
		break;
	}
}

static void summary_destroy(struct view *view) {
	struct summary_view *v = (struct summary_view *)view;
	summary_free(v);
	free(v);
}

static const enum request requests[] = { REQ_MOVE_DOWN, REQ_MOVE_UP, REQ_MOVE_LEFT, REQ_MOVE_RIGHT,
	REQ_PAGE_DOWN, REQ_PAGE_UP, REQ_FIRST, REQ_LAST, REQ_OPEN, REQ_FILTER, REQ_SUMMARY_BY,
	REQ_SUMMARY_QUEUE, REQ_NONE };

static const enum request bar[] = { REQ_HELP, REQ_OPEN, REQ_FILTER, REQ_SUMMARY_BY,
	REQ_SUMMARY_QUEUE, REQ_MOVE_LEFT, REQ_MOVE_RIGHT, REQ_COMMAND, REQ_BACK, REQ_NONE };

const struct view_ops summary_view_ops = {
	.what = "the mail shown by domain and age, by cause, by reason",
	.requests = requests,
	.bar = bar,
	.draw = summary_draw,
	.handle = summary_handle,
	.destroy = summary_destroy,
	.click = summary_click,
};

void summary_open(struct app *app) {
	/* Its counts are the queue's: of a part of it, they would mislead. */
	if (!app_whole_queue(app, "summary")) {
		return;
	}
	struct summary_view *v = mr_xcalloc(1, sizeof(*v));
	v->view = (struct view){ &summary_view_ops, KEYMAP_SUMMARY };
	v->line = 2; /* the total */
	app_push(app, &v->view);
	build(app, v);
}
