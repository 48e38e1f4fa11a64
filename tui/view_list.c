/* The queue list: one row per message. */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "draw.h"
#include "fleet.h"
#include "format.h"
#include "reason.h"

/* Column widths for the current terminal width. */
struct columns {
	int source; /* 0: one source, no column */
	int id, queue, age, size, sender, rcpt, cause, reason;
};

enum { QUEUE_W = 8, AGE_W = 4, SIZE_W = 5, CAUSE_W = 8, GAP = 1 };

static int clamp(int v, int lo, int hi) {
	return v < lo ? lo : v > hi ? hi : v;
}

static struct columns layout(const struct app *app) {
	struct columns c = { .queue = QUEUE_W, .age = AGE_W, .size = SIZE_W, .cause = CAUSE_W };
	/* Ids are all about as long; the widest decides, within reason. */
	int id = 2;
	for (size_t i = 0; i < app->snap->n_messages && i < 4096; i++) {
		int w = (int)strlen(app->snap->messages[i].id);
		id = w > id ? w : id;
	}
	c.id = clamp(id, 2, 20);
	/* Merged sources: which one holds the message, first. */
	for (size_t o = 0; o < app->snap->n_origins; o++) {
		int w = text_width(app->snap->origins[o], strlen(app->snap->origins[o]));
		c.source = clamp(w, c.source > 6 ? c.source : 6, 16);
	}
	int rest = COLS - (c.id + c.queue + c.age + c.size + c.cause + 7 * GAP) -
		   (c.source ? c.source + GAP : 0);
	/* The reason is what operators came for: sender and recipient give up
	 * room to it, within limits. */
	c.sender = clamp(rest * 22 / 100, 6, 32);
	c.rcpt = clamp(rest * 28 / 100, 9, 40);
	c.reason = rest - c.sender - c.rcpt;
	if (c.reason < 0) {
		c.reason = 0;
	}
	return c;
}

static int list_rows(void) {
	return LINES - 2; /* column titles above, status line below */
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
	draw_str(stdscr, 0, x + c->age - 3, 3, "AGE", STYLE_HEADER, A_NORMAL);
	x += c->age + GAP;
	draw_str(stdscr, 0, x + c->size - 4, 4, "SIZE", STYLE_HEADER, A_NORMAL);
	x += c->size + GAP;
	draw_str(stdscr, 0, x, c->sender, "SENDER", STYLE_HEADER, A_NORMAL);
	x += c->sender + GAP;
	draw_str(stdscr, 0, x, c->rcpt, "RECIPIENT", STYLE_HEADER, A_NORMAL);
	x += c->rcpt + GAP;
	draw_str(stdscr, 0, x, c->cause, "CAUSE", STYLE_HEADER, A_NORMAL);
	x += c->cause + GAP;
	draw_str(stdscr, 0, x, c->reason, "REASON", STYLE_HEADER, A_NORMAL);
}

static void draw_right(int y, int x, int width, const char *s, enum style style, attr_t base) {
	int w = (int)strlen(s);
	draw_fill(stdscr, y, x, width, STYLE_NORMAL, base);
	draw_str(stdscr, y, x + (w < width ? width - w : 0), width, s, style, base);
}

static void draw_row(const struct app *app, const struct columns *c, int y,
	const struct mr_message *msg, bool selected) {
	attr_t base = selected ? style_attr(STYLE_CURSOR) : A_NORMAL;
	draw_fill(stdscr, y, 0, COLS, STYLE_NORMAL, base);
	int x = 0;
	if (c->source > 0) {
		draw_str(stdscr, y, x, c->source, mr_message_origin(app->snap, msg), STYLE_DIM,
			base);
		x += c->source + GAP;
	}
	draw_str(stdscr, y, x, c->id, msg->id, STYLE_NORMAL, base);
	if (app->list.tagged[msg - app->snap->messages]) {
		/* In the gap after the id: a tagged row reads as such without
		 * colour, and untagged rows keep their layout. */
		draw_str(stdscr, y, x + c->id, GAP, "*", STYLE_TAGGED, base);
	}
	x += c->id + GAP;
	draw_str(stdscr, y, x, c->queue, mr_queue_name(msg->queue),
		(enum style)(STYLE_QUEUE + msg->queue), base);
	x += c->queue + GAP;

	char age[MR_FORMAT_MAX], size[MR_FORMAT_MAX];
	mr_format_age(age, app->refreshed_at - msg->arrival);
	mr_format_size(size, msg->size);
	draw_right(y, x, c->age, age, STYLE_NORMAL, base);
	x += c->age + GAP;
	draw_right(y, x, c->size, size, STYLE_NORMAL, base);
	x += c->size + GAP;

	if (*msg->sender == '\0') {
		draw_str(stdscr, y, x, c->sender, "<>", STYLE_DIM, base);
	} else {
		draw_str(stdscr, y, x, c->sender, msg->sender, STYLE_NORMAL, base);
	}
	x += c->sender + GAP;

	/* Under a filter about recipients, the one it picked and its reply. */
	struct mr_headline line = mr_message_headline(app->snap, msg,
		mr_filter_first_recipient(app->filter, app->snap, app->refreshed_at, msg));
	if (line.recipient != NULL) {
		char more[24] = "";
		if (msg->n_rcpts > 1) {
			snprintf(more, sizeof(more), " +%" PRIu32, msg->n_rcpts - 1);
		}
		int more_w = (int)strlen(more);
		int addr_w = c->rcpt - more_w;
		int used =
			draw_str(stdscr, y, x, addr_w, line.recipient->address, STYLE_NORMAL, base);
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

static void keep_cursor_visible(struct app *app) {
	int rows = list_rows();
	if (rows < 1) {
		return;
	}
	if (app->cursor >= app->list.n_rows && app->list.n_rows > 0) {
		app->cursor = app->list.n_rows - 1;
	}
	if (app->cursor < app->top) {
		app->top = app->cursor;
	} else if (app->cursor >= app->top + (size_t)rows) {
		app->top = app->cursor - (size_t)rows + 1;
	}
	/* No empty rows below the last message while there is more above. */
	if (app->list.n_rows >= (size_t)rows && app->top > app->list.n_rows - (size_t)rows) {
		app->top = app->list.n_rows - (size_t)rows;
	}
}

/* Why no row is shown: an empty queue, a filter that matches nothing, or
 * sources still listing or failed. Saying "empty" in those cases would send an
 * operator away while mail is stuck. */
static void empty_list_note(const struct app *app, char *out, size_t size) {
	struct mr_fleet_tally t = mr_fleet_tally(app->source);
	if (app->filter != NULL && app->snap->n_messages > 0) {
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

void list_draw(struct app *app) {
	struct columns c = layout(app);
	keep_cursor_visible(app);
	draw_titles(&c);
	int rows = list_rows();
	for (int r = 0; r < rows; r++) {
		size_t i = app->top + (size_t)r;
		move(1 + r, 0);
		clrtoeol();
		if (i < app->list.n_rows) {
			draw_row(app, &c, 1 + r, &app->snap->messages[app->list.rows[i]],
				i == app->cursor);
		} else if (i == 0) {
			char why[160];
			empty_list_note(app, why, sizeof why);
			draw_str(stdscr, 1, 1, COLS - 1, why, STYLE_DIM, A_NORMAL);
		}
	}
}

/* Sorts and tags of many rows; the cursor stays on its message. */
static void change_rows(struct app *app, enum request req) {
	const struct mr_message *current = app_current(app);
	uint32_t m = current ? (uint32_t)(current - app->snap->messages) : UINT32_MAX;
	struct mr_rows *rows = &app->list;
	switch (req) {
	case REQ_SORT_NEXT: {
		enum mr_sort next = (enum mr_sort)((rows->sort + 1) % MR_SORT_COUNT);
		if (next == MR_SORT_SOURCE && app->snap->n_origins == 0) {
			next = (enum mr_sort)((next + 1) % MR_SORT_COUNT); /* one source */
		}
		mr_rows_sort(rows, next, rows->reverse);
		app_set_message(app, "sorted by %s%s", mr_sort_name(rows->sort),
			rows->reverse ? ", reversed" : "");
		break;
	}
	case REQ_SORT_REVERSE:
		mr_rows_sort(rows, rows->sort, !rows->reverse);
		app_set_message(app, "sorted by %s%s", mr_sort_name(rows->sort),
			rows->reverse ? ", reversed" : "");
		break;
	case REQ_TAG_ALL:
		mr_rows_tag_shown(rows);
		break;
	case REQ_TAG_INVERT:
		mr_rows_invert_shown(rows);
		break;
	default:
		mr_rows_untag_all(rows);
		break;
	}
	app_keep_cursor(app, m);
}

bool list_click(struct app *app, int y) {
	size_t row = app->top + (size_t)(y - 1);
	if (y < 1 || y > list_rows() || row >= app->list.n_rows) {
		return false;
	}
	app->cursor = row;
	return true;
}

void list_handle(struct app *app, enum request req) {
	size_t page = list_rows() > 1 ? (size_t)list_rows() - 1 : 1;
	size_t last = app->list.n_rows > 0 ? app->list.n_rows - 1 : 0;
	switch (req) {
	case REQ_MOVE_DOWN:
		app->cursor = app->cursor < last ? app->cursor + 1 : last;
		break;
	case REQ_MOVE_UP:
		app->cursor = app->cursor > 0 ? app->cursor - 1 : 0;
		break;
	case REQ_PAGE_DOWN:
		app->cursor = app->cursor + page < last ? app->cursor + page : last;
		app->top = app->top + page;
		break;
	case REQ_PAGE_UP:
		app->cursor = app->cursor > page ? app->cursor - page : 0;
		app->top = app->top > page ? app->top - page : 0;
		break;
	case REQ_FIRST:
		app->cursor = 0;
		break;
	case REQ_LAST:
		app->cursor = last;
		break;
	case REQ_OPEN:
		if (app->list.n_rows > 0) {
			detail_open(app);
		}
		break;
	case REQ_BACK:
		app->quit = true;
		break;
	case REQ_SORT_NEXT:
	case REQ_SORT_REVERSE:
	case REQ_TAG_ALL:
	case REQ_TAG_INVERT:
	case REQ_UNTAG_ALL:
		change_rows(app, req);
		break;
	case REQ_TAG:
		if (app_current(app) != NULL) {
			uint32_t m = (uint32_t)(app_current(app) - app->snap->messages);
			mr_rows_tag(&app->list, m, !app->list.tagged[m]);
			app->cursor = app->cursor < last ? app->cursor + 1 : last;
		}
		break;
	default:
		break;
	}
}
