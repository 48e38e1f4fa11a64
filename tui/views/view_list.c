/* The queue list: one row per message. */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "draw.h"
#include "fleet.h"
#include "format.h"
#include "reason.h"
#include "xalloc.h"

static const enum request requests[] = { REQ_MOVE_DOWN, REQ_MOVE_UP, REQ_PAGE_DOWN, REQ_PAGE_UP,
	REQ_FIRST, REQ_LAST, REQ_OPEN, REQ_CONTENT, REQ_FILTER, REQ_SORT_NEXT, REQ_SORT_REVERSE,
	REQ_TAG, REQ_TAG_ALL, REQ_TAG_INVERT, REQ_UNTAG_ALL, REQ_ACT_RETRY, REQ_ACT_HOLD,
	REQ_ACT_RELEASE, REQ_ACT_REQUEUE, REQ_ACT_EXPIRE, REQ_ACT_RELEASE_RETRY, REQ_ACT_EXPIRE_NOW,
	REQ_ACT_DELETE, REQ_ACT_PRIORITY_UP, REQ_ACT_PRIORITY_DOWN, REQ_NONE };

static const enum request bar[] = { REQ_HELP, REQ_OPEN, REQ_FILTER, REQ_TAG, REQ_ACT_RETRY,
	REQ_ACT_HOLD, REQ_ACT_DELETE, REQ_SUMMARY, REQ_COMMAND, REQ_BACK, REQ_NONE };

/* Column widths for the current terminal width. */
struct columns {
	int source; /* 0: one source, no column */
	int id, queue, prio, age, size, sender, rcpt, cause, reason;
	int tries, last; /* 0: not shown */
};

enum {
	QUEUE_W = 8,
	PRIO_W = 4,
	AGE_W = 4,
	SIZE_W = 5,
	CAUSE_W = 8,
	TRIES_W = 5,
	LAST_W = 4,
	GAP = 1
};

/* The width the reason keeps before TRIES and LAST take room from it. */
enum { REASON_BEFORE_ATTEMPTS = 24 };

static int clamp(int v, int lo, int hi) {
	return v < lo ? lo : v > hi ? hi : v;
}

/* What the columns depend on in the snapshot, looked at once per snapshot:
 * a million messages are not read again for every keystroke. */
static void measure(struct list_view *l, const struct mr_snapshot *snap) {
	if (l->layout_of == snap) {
		return;
	}
	l->layout_of = snap;
	/* Ids are all about as long; the widest of the first decides. */
	int id = 2;
	for (size_t i = 0; i < snap->n_messages && i < 4096; i++) {
		int w = (int)strlen(snap->messages[i].id);
		id = w > id ? w : id;
	}
	l->id_width = clamp(id, 2, 20);
	/* One pass, until both are found. Postfix without a readable mail log
	 * knows no attempts: no columns of dashes then. */
	l->priorities = false;
	l->attempts = false;
	for (size_t i = 0; i < snap->n_messages && !(l->priorities && l->attempts); i++) {
		const struct mr_message *m = &snap->messages[i];
		l->priorities |= (m->flags & MR_MSG_HAS_PRIORITY) != 0;
		l->attempts |= m->attempts != MR_ATTEMPTS_UNKNOWN;
	}
}

static void share_rest(struct columns *c, int rest) {
	/* The reason is what operators came for: sender and recipient give up
	 * room to it, within limits. */
	c->sender = clamp(rest * 22 / 100, 6, 32);
	c->rcpt = clamp(rest * 28 / 100, 9, 40);
	c->reason = rest - c->sender - c->rcpt;
	if (c->reason < 0) {
		c->reason = 0;
	}
}

static struct columns layout(const struct app *app, const struct list_view *l) {
	struct columns c = { .id = l->id_width,
		.queue = QUEUE_W,
		.prio = l->priorities ? PRIO_W : 0,
		.age = AGE_W,
		.size = SIZE_W,
		.cause = CAUSE_W };
	/* Merged sources: which one holds the message, first. */
	for (size_t o = 0; o < app->snap->n_origins; o++) {
		int w = text_width(app->snap->origins[o], strlen(app->snap->origins[o]));
		c.source = clamp(w, c.source > 6 ? c.source : 6, 16);
	}
	int rest = COLS - (c.id + c.queue + c.age + c.size + c.cause + 7 * GAP) -
		   (c.source ? c.source + GAP : 0) - (c.prio ? c.prio + GAP : 0);
	share_rest(&c, rest);
	/* Attempts and the last one where the reason keeps its room, and
	 * always while the list is sorted by them: the order must show. */
	bool sorted_by =
		app->rows.sort == MR_SORT_ATTEMPTS || app->rows.sort == MR_SORT_LAST_ATTEMPT;
	if (l->attempts) {
		struct columns wide = c;
		share_rest(&wide, rest - (TRIES_W + LAST_W + 2 * GAP));
		if (wide.reason >= REASON_BEFORE_ATTEMPTS || sorted_by) {
			c = wide;
			c.tries = TRIES_W;
			c.last = LAST_W;
		}
	}
	return c;
}

static int list_rows(const struct app *app) {
	return app_body_rows(app); /* column titles above, status line below */
}

static void draw_right(int y, int x, int width, const char *s, enum style style, attr_t base) {
	int w = (int)strlen(s);
	draw_fill(stdscr, y, x, width, STYLE_NORMAL, base);
	draw_str(stdscr, y, x + (w < width ? width - w : 0), width, s, style, base);
}

static void draw_titles(const struct columns *c) {
	draw_fill(stdscr, 0, 0, COLS, STYLE_HEADER, A_NORMAL);
	int x = 0;
	if (c->source > 0) {
		draw_str(stdscr, 0, x, c->source, "SOURCE", STYLE_HEADER, A_NORMAL);
		x += c->source + GAP;
	}
	draw_str(stdscr, 0, x, c->id, "ID", STYLE_HEADER, A_NORMAL);
	x += c->id + GAP;
	draw_str(stdscr, 0, x, c->queue, "QUEUE", STYLE_HEADER, A_NORMAL);
	x += c->queue + GAP;
	if (c->prio > 0) {
		draw_right(0, x, c->prio, "PRIO", STYLE_HEADER, A_NORMAL);
		x += c->prio + GAP;
	}
	draw_right(0, x, c->age, "AGE", STYLE_HEADER, A_NORMAL);
	x += c->age + GAP;
	draw_right(0, x, c->size, "SIZE", STYLE_HEADER, A_NORMAL);
	x += c->size + GAP;
	if (c->tries > 0) {
		draw_right(0, x, c->tries, "TRIES", STYLE_HEADER, A_NORMAL);
		x += c->tries + GAP;
		draw_right(0, x, c->last, "LAST", STYLE_HEADER, A_NORMAL);
		x += c->last + GAP;
	}
	draw_str(stdscr, 0, x, c->sender, "SENDER", STYLE_HEADER, A_NORMAL);
	x += c->sender + GAP;
	draw_str(stdscr, 0, x, c->rcpt, "RECIPIENT", STYLE_HEADER, A_NORMAL);
	x += c->rcpt + GAP;
	draw_str(stdscr, 0, x, c->cause, "CAUSE", STYLE_HEADER, A_NORMAL);
	x += c->cause + GAP;
	draw_str(stdscr, 0, x, c->reason, "REASON", STYLE_HEADER, A_NORMAL);
}

/* TRIES: "-" when unknown, "3+" when the mail log read began after the
 * message arrived (more attempts may be older than the log). LAST: how long
 * ago the latest attempt of any recipient was. */
static int draw_attempts(const struct app *app, const struct columns *c, int y, int x,
	const struct mr_message *msg, attr_t base) {
	char tries[MR_FORMAT_MAX] = "-", last[MR_FORMAT_MAX] = "-";
	if (msg->attempts != MR_ATTEMPTS_UNKNOWN) {
		snprintf(tries, sizeof(tries), "%" PRId32 "%s", msg->attempts,
			(msg->flags & MR_MSG_HISTORY_PARTIAL) ? "+" : "");
	}
	int64_t at = mr_message_last_attempt(app->snap, msg);
	if (at != MR_TIME_UNKNOWN) {
		mr_format_age(last, app->refreshed_at - at);
	}
	draw_right(y, x, c->tries, tries, msg->attempts > 0 ? STYLE_NORMAL : STYLE_DIM, base);
	x += c->tries + GAP;
	draw_right(y, x, c->last, last, at != MR_TIME_UNKNOWN ? STYLE_NORMAL : STYLE_DIM, base);
	return x + c->last + GAP;
}

static void draw_row(const struct app *app, const struct list_view *l, const struct columns *c,
	int y, const struct mr_message *msg, bool selected) {
	attr_t base = selected ? style_attr(STYLE_CURSOR) : A_NORMAL;
	draw_fill(stdscr, y, 0, COLS, STYLE_NORMAL, base);
	int x = 0;
	if (c->source > 0) {
		draw_str(stdscr, y, x, c->source, mr_message_origin(app->snap, msg), STYLE_DIM,
			base);
		x += c->source + GAP;
	}
	draw_str(stdscr, y, x, c->id, msg->id, STYLE_NORMAL, base);
	if (app->rows.tagged[msg - app->snap->messages]) {
		/* In the gap after the id: a tagged row reads as such without
		 * colour, and untagged rows keep their layout. */
		draw_str(stdscr, y, x + c->id, GAP, "*", STYLE_TAGGED, base);
	}
	x += c->id + GAP;
	/* The queue, or "expiring": returned to the sender at its next attempt,
	 * which will not fix itself either. */
	int state = mr_message_state(msg);
	draw_str(stdscr, y, x, c->queue, mr_state_name(state),
		state == MR_STATE_EXPIRING ? STYLE_PERMANENT
					   : (enum style)(STYLE_QUEUE + msg->queue),
		base);
	x += c->queue + GAP;
	if (c->prio > 0) {
		char prio[16] = "";
		if (msg->flags & MR_MSG_HAS_PRIORITY) {
			snprintf(prio, sizeof(prio), "%" PRId32, msg->priority);
		}
		draw_right(y, x, c->prio, prio, msg->priority != 0 ? STYLE_LABEL : STYLE_DIM, base);
		x += c->prio + GAP;
	}

	char age[MR_FORMAT_MAX], size[MR_FORMAT_MAX];
	if (msg->arrival == MR_TIME_UNKNOWN) {
		snprintf(age, sizeof(age), "-"); /* not 56 years: unknown */
	} else {
		mr_format_age(age, app->refreshed_at - msg->arrival);
	}
	mr_format_size(size, msg->size);
	draw_right(y, x, c->age, age, STYLE_NORMAL, base);
	x += c->age + GAP;
	draw_right(y, x, c->size, size, STYLE_NORMAL, base);
	x += c->size + GAP;
	if (c->tries > 0) {
		x = draw_attempts(app, c, y, x, msg, base);
	}

	if (*msg->sender == '\0') {
		draw_str(stdscr, y, x, c->sender, "<>", STYLE_DIM, base);
	} else {
		draw_address(stdscr, y, x, c->sender, msg->sender, STYLE_NORMAL, base);
	}
	x += c->sender + GAP;

	/* Under a filter about recipients, the one it picked and its reply. */
	struct mr_headline line = mr_message_headline(app->snap, msg,
		mr_filter_first_recipient(l->filter, app->snap, app->refreshed_at, msg));
	if (line.recipient != NULL) {
		char more[24] = "";
		if (msg->n_rcpts > 1) {
			snprintf(more, sizeof(more), " +%" PRIu32, msg->n_rcpts - 1);
		}
		int more_w = (int)strlen(more);
		int addr_w = c->rcpt - more_w;
		int used = draw_address(
			stdscr, y, x, addr_w, line.recipient->address, STYLE_NORMAL, base);
		draw_str(stdscr, y, x + used, more_w, more, STYLE_DIM, base);
	}
	x += c->rcpt + GAP;

	const struct mr_recipient *failure = line.failure;
	const struct mr_diagnosis *d = failure ? mr_recipient_diagnosis(app->snap, failure) : NULL;
	if (d != NULL) {
		/* Permanent failures stand out: they will not fix themselves. */
		draw_str(stdscr, y, x, c->cause, mr_diagnosis_category(mr_kb_default(), d)->badge,
			d->temporary == 0 ? STYLE_PERMANENT : STYLE_TEMPORARY, base);
	}
	x += c->cause + GAP;
	if (failure != NULL && c->reason > 0) {
		struct mr_buf text;
		mr_buf_init(&text);
		size_t len;
		const char *brief = mr_reason_brief(mr_text_str(failure->reason, &text), &len);
		draw_text(stdscr, y, x, c->reason, brief, len, STYLE_REASON, base);
		mr_buf_finish(&text);
	}
}

/* The window of rows on the screen, around the cursor. */
static void keep_cursor_visible(const struct app *app, struct list_view *l) {
	size_t rows = list_rows(app) > 0 ? (size_t)list_rows(app) : 1;
	size_t n = app->rows.n_rows;
	if (l->cursor >= n && n > 0) {
		l->cursor = n - 1;
	}
	if (l->cursor < l->top) {
		l->top = l->cursor;
	} else if (l->cursor >= l->top + rows) {
		l->top = l->cursor - rows + 1;
	}
	/* No empty rows below the last message while there is more above; a
	 * list that fits starts at its first row (after a filter left fewer
	 * rows than the screen holds, none may hide above). */
	if (n <= rows) {
		l->top = 0;
	} else if (l->top > n - rows) {
		l->top = n - rows;
	}
}

/* Why no row is shown: an empty queue, a filter that matches nothing, or
 * sources still listing or failed. Saying "empty" in those cases would send an
 * operator away while mail is stuck. */
static void empty_list_note(const struct app *app, char *out, size_t size) {
	struct mr_fleet_tally t = mr_fleet_tally(app->source);
	if (app->list->filter != NULL && app->snap->n_messages > 0) {
		char total[MR_FORMAT_MAX];
		mr_format_count(total, app->snap->n_messages);
		snprintf(out, size, "No message matches the filter; %s in the queue.", total);
	} else if (t.listing > 0) {
		snprintf(out, size, "No message yet: %zu of %zu sources still listing.", t.listing,
			t.members);
	} else if (t.failed > 0) {
		snprintf(out, size, "No message listed: %zu of %zu sources failed.", t.failed,
			t.members);
	} else {
		snprintf(out, size, "The queue is empty.");
	}
}

static void list_draw(struct app *app, struct view *v) {
	struct list_view *l = (struct list_view *)v;
	measure(l, app->snap);
	struct columns c = layout(app, l);
	keep_cursor_visible(app, l);
	draw_titles(&c);
	int rows = list_rows(app);
	for (int r = 0; r < rows; r++) {
		size_t i = l->top + (size_t)r;
		if (i < app->rows.n_rows) {
			draw_row(app, l, &c, 1 + r, &app->snap->messages[app->rows.rows[i]],
				i == l->cursor);
		} else if (i == 0) {
			char why[160];
			empty_list_note(app, why, sizeof why);
			draw_str(stdscr, 1, 1, COLS - 1, why, STYLE_DIM, A_NORMAL);
		}
	}
}

static void say_sort(struct app *app) {
	app_set_message(app, "sorted by %s%s", mr_sort_name(app->rows.sort),
		app->rows.reverse ? ", reversed" : "");
}

/* Sorts and tags of many rows; the cursor stays on its message. */
static void change_rows(struct app *app, enum request req) {
	const struct mr_message *current = app_current(app);
	uint32_t m = current ? (uint32_t)(current - app->snap->messages) : UINT32_MAX;
	struct mr_rows *rows = &app->rows;
	switch (req) {
	case REQ_SORT_NEXT: {
		/* Columns the queue has nothing in are skipped: the source with
		 * one source, the priority on Postfix, attempts without a log. */
		measure(app->list, app->snap);
		enum mr_sort next = rows->sort;
		do {
			next = (enum mr_sort)((next + 1) % MR_SORT_COUNT);
		} while ((next == MR_SORT_SOURCE && app->snap->n_origins == 0) ||
			 (next == MR_SORT_PRIORITY && !app->list->priorities) ||
			 ((next == MR_SORT_ATTEMPTS || next == MR_SORT_LAST_ATTEMPT) &&
				 !app->list->attempts));
		mr_rows_sort(rows, next, rows->reverse);
		say_sort(app);
		break;
	}
	case REQ_SORT_REVERSE:
		mr_rows_sort(rows, rows->sort, !rows->reverse);
		say_sort(app);
		break;
	case REQ_TAG_ALL:
		if (app_whole_queue(app, "tag all")) {
			mr_rows_tag_shown(rows);
		}
		break;
	case REQ_TAG_INVERT:
		if (app_whole_queue(app, "invert the tags")) {
			mr_rows_invert_shown(rows);
		}
		break;
	default:
		mr_rows_untag_all(rows);
		break;
	}
	app_keep_cursor(app, m);
}

static bool list_click(struct app *app, struct view *v, int y, int x) {
	(void)x;
	struct list_view *l = (struct list_view *)v;
	size_t row = l->top + (size_t)(y - 1);
	if (y < 1 || y > list_rows(app) || row >= app->rows.n_rows) {
		return false;
	}
	l->cursor = row;
	return true;
}

static void list_handle(struct app *app, struct view *v, enum request req) {
	struct list_view *l = (struct list_view *)v;
	size_t page = list_rows(app) > 1 ? (size_t)list_rows(app) - 1 : 1;
	size_t last = app->rows.n_rows > 0 ? app->rows.n_rows - 1 : 0;
	const struct mr_message *current = app_current(app);
	switch (req) {
	case REQ_MOVE_DOWN:
		l->cursor = l->cursor < last ? l->cursor + 1 : last;
		break;
	case REQ_MOVE_UP:
		l->cursor = l->cursor > 0 ? l->cursor - 1 : 0;
		break;
	case REQ_PAGE_DOWN:
		l->cursor = l->cursor + page < last ? l->cursor + page : last;
		l->top = l->top + page;
		break;
	case REQ_PAGE_UP:
		l->cursor = l->cursor > page ? l->cursor - page : 0;
		l->top = l->top > page ? l->top - page : 0;
		break;
	case REQ_FIRST:
		l->cursor = 0;
		break;
	case REQ_LAST:
		l->cursor = last;
		break;
	case REQ_OPEN:
		if (current != NULL) {
			detail_open(app, current->origin, current->id);
		}
		break;
	case REQ_CONTENT:
		if (current != NULL) {
			content_open(app, current->origin, current->id);
		}
		break;
	case REQ_FILTER:
		app_prompt(app, '/');
		break;
	case REQ_SORT_NEXT:
	case REQ_SORT_REVERSE:
	case REQ_TAG_ALL:
	case REQ_TAG_INVERT:
	case REQ_UNTAG_ALL:
		change_rows(app, req);
		break;
	case REQ_TAG:
		if (current != NULL) {
			uint32_t m = (uint32_t)(current - app->snap->messages);
			mr_rows_tag(&app->rows, m, !app->rows.tagged[m]);
			l->cursor = l->cursor < last ? l->cursor + 1 : last;
		}
		break;
	default:
		break;
	}
}

/* Every tagged message, shown or not (the question says how many are
 * not), else the one under the cursor. */
static bool list_targets(struct app *app, struct view *v, struct selection *sel) {
	(void)v;
	const struct mr_snapshot *snap = app->snap;
	if (app->rows.n_tagged > 0) {
		sel->what = "the tagged messages";
		sel->tagged = true;
		for (size_t i = 0; i < snap->n_messages; i++) {
			if (!app->rows.tagged[i]) {
				continue;
			}
			size_t before = sel->n;
			selection_add(sel, snap, (uint32_t)i);
			sel->hidden += sel->n > before && !app->rows.match[i];
		}
		return true;
	}
	const struct mr_message *current = app_current(app);
	if (current == NULL) {
		app_set_message(app, "no message here to act on");
		return false;
	}
	sel->what = "this message";
	selection_add(sel, snap, (uint32_t)(current - snap->messages));
	return true;
}

static void list_destroy(struct view *v) {
	struct list_view *l = (struct list_view *)v;
	mr_filter_free(l->filter);
	free(l->filter_text);
	free(l->saved_id);
	free(l);
}

/* Leaves the rows: the order and the cursor's message are kept. */
static void list_deactivate(struct app *app, struct list_view *l) {
	l->sort = app->rows.sort;
	l->reverse = app->rows.reverse;
	const struct mr_message *current = app_current(app);
	free(l->saved_id);
	l->saved_id = current != NULL ? mr_xstrdup(current->id) : NULL;
	l->saved_origin = current != NULL ? current->origin : 0;
}

void list_activate(struct app *app, struct list_view *list) {
	if (app->list != NULL && app->list != list) {
		list_deactivate(app, app->list);
	}
	app->list = list;
	if (app->snap == NULL) {
		return;
	}
	app->rows.sort = list->sort;
	app->rows.reverse = list->reverse;
	mr_rows_set_filter(&app->rows, list->filter, app->refreshed_at);
	const struct mr_message *m =
		list->saved_id != NULL
			? mr_snapshot_find_from(app->snap, list->saved_origin, list->saved_id)
			: NULL;
	if (m != NULL) {
		app_keep_cursor(app, (uint32_t)(m - app->snap->messages));
	} else if (list->cursor >= app->rows.n_rows) {
		list->cursor = app->rows.n_rows > 0 ? app->rows.n_rows - 1 : 0;
	}
}

const struct view_ops list_view_ops = {
	.what = "the queue list",
	.requests = requests,
	.bar = bar,
	.draw = list_draw,
	.handle = list_handle,
	.destroy = list_destroy,
	.click = list_click,
	.targets = list_targets,
};

void list_open(struct app *app, const char *expr) {
	struct list_view *l = mr_xcalloc(1, sizeof(*l));
	l->view = (struct view){ &list_view_ops, KEYMAP_LIST };
	if (app->list != NULL) {
		/* A list over another keeps its order. */
		l->sort = app->rows.sort;
		l->reverse = app->rows.reverse;
	}
	if (expr != NULL && *expr != '\0') {
		struct mr_filter_error err;
		l->filter = mr_filter_parse(expr, mr_kb_default(), &err);
		if (l->filter != NULL && mr_filter_is_empty(l->filter)) {
			mr_filter_free(l->filter);
			l->filter = NULL;
		}
		l->filter_text = l->filter != NULL ? mr_xstrdup(expr) : NULL;
	}
	app_push(app, &l->view);
	list_activate(app, l);
}
