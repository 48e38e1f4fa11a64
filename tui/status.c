/* The status line: source, counts per queue, position, last refresh. */

#include <string.h>

#include "app.h"
#include "buf.h"
#include "draw.h"
#include "fleet.h"
#include "format.h"
#include "refresher.h"
#include "text.h"

static const char *const short_queue_names[MR_QUEUE_COUNT] = {
	[MR_QUEUE_INCOMING] = "inc",
	[MR_QUEUE_ACTIVE] = "act",
	[MR_QUEUE_DEFERRED] = "def",
	[MR_QUEUE_HOLD] = "hold",
	[MR_QUEUE_MAILDROP] = "drop",
	[MR_QUEUE_CORRUPT] = "bad",
	[MR_QUEUE_BOUNCED] = "bnc",
};

/* "186 deferred  31 hold ..." (or the short names), queues with mail only. */
static void queue_counts(const struct mr_snapshot *snap, bool brief, struct mr_buf *out) {
	static const enum mr_queue order[] = { MR_QUEUE_DEFERRED, MR_QUEUE_HOLD, MR_QUEUE_ACTIVE,
		MR_QUEUE_INCOMING, MR_QUEUE_MAILDROP, MR_QUEUE_CORRUPT, MR_QUEUE_BOUNCED };
	bool first = true;
	for (size_t i = 0; i < sizeof(order) / sizeof(*order); i++) {
		size_t n = snap->queue_counts[order[i]];
		if (n == 0) {
			continue;
		}
		char count[MR_FORMAT_MAX];
		mr_format_count(count, n);
		mr_buf_printf(out, "%s%s %s",
			first   ? ""
			: brief ? " "
				: "  ",
			count, brief ? short_queue_names[order[i]] : mr_queue_name(order[i]));
		first = false;
	}
}

/* How many bytes of s fit in width columns, ending between characters. */
static size_t fitting(const char *s, size_t len, int width) {
	size_t pos = 0;
	while (pos < len) {
		size_t next = pos;
		struct mr_glyph g;
		mr_glyph_next(s, len, &next, &g);
		if (text_width(s, next) > width) {
			break;
		}
		pos = next;
	}
	return pos;
}

/* Several sources: " (1 of 3 failed, w shows why)" when one failed, " (1 listing)"
 * while one is slow; nothing when all are listed. */
static void sources_note(const struct app *app, bool brief, struct mr_buf *out) {
	struct mr_fleet_tally t = mr_fleet_tally(app->source);
	if (t.failed > 0) {
		mr_buf_printf(out, brief ? " (%zu failed)" : " (%zu of %zu failed, w shows why)",
			t.failed, t.members);
	} else if (t.listing > 0) {
		mr_buf_printf(out, " (%zu listing)", t.listing);
	}
}

/* The front of a big queue while the rest is read: how far the reading
 * has come, and no counts per queue (they would be the part's). */
static void partial_note(const struct app *app, int form, struct mr_buf *out) {
	char shown[MR_FORMAT_MAX];
	mr_format_count(shown, app->snap->n_messages);
	if (app->listing == NULL) {
		mr_buf_printf(out,
			form == 0   ? ": first %s messages only (listing failed)"
			: form == 1 ? ": first %s only (listing failed)"
				    : ": first %s only",
			shown);
		return;
	}
	char read[MR_FORMAT_MAX];
	mr_format_count(read, refresher_messages_read(app->listing));
	mr_buf_printf(out,
		form == 0   ? ": reading the queue, %s messages so far; the first %s shown"
		: form == 1 ? ": reading, %s so far (%s shown)"
			    : ": reading %s",
		read, shown);
}

/* The status line, from the most to the least wordy form that fits. */
static void compose(const struct app *app, int form, struct mr_buf *left, struct mr_buf *right) {
	char clock[MR_FORMAT_MAX], total[MR_FORMAT_MAX], at[MR_FORMAT_MAX];
	mr_format_clock(clock, app->refreshed_at);
	mr_format_count(total, app->snap->n_messages);
	mr_format_count(at, app->list->cursor + 1);
	mr_buf_clear(left);
	mr_buf_clear(right);
	if (app->question.text != NULL) {
		mr_buf_printf(left, " %s", app->question.text);
		return;
	}
	const char *filter_text = app->list->filter_text;
	if (filter_text != NULL) {
		/* The filter as the operator wrote it, cut between characters. */
		size_t len = strlen(filter_text);
		size_t cut = fitting(filter_text, len, form < 2 ? 40 : 16);
		mr_buf_printf(right, " /%.*s%s ", (int)cut, filter_text, cut < len ? "..." : "");
	}
	if (app->rows.n_tagged > 0) {
		char tagged[MR_FORMAT_MAX];
		mr_format_count(tagged, app->rows.n_tagged);
		mr_buf_printf(right, " %s tagged ", tagged);
	}
	if (app->rows.sort != MR_SORT_AGE || app->rows.reverse) {
		mr_buf_printf(right, " by %s%s ", mr_sort_name(app->rows.sort),
			app->rows.reverse ? " rev" : "");
	}
	if (app->rows.n_rows > 0) {
		char shown[MR_FORMAT_MAX];
		mr_format_count(shown, app->rows.n_rows);
		mr_buf_printf(right, " %s/%s", at, shown);
	} else {
		mr_buf_add_str(right, " empty");
	}
	mr_buf_printf(right, "  %s%s ", form < 2 ? "refreshed " : "", clock);
	if (app->message != NULL) {
		mr_buf_printf(left, " %s", app->message);
		return;
	}
	mr_buf_printf(left, " %s", app->source->label);
	sources_note(app, form > 0, left);
	if (app->partial) {
		partial_note(app, form, left);
		return;
	}
	if (form < 2) {
		mr_buf_printf(
			left, ": %s message%s  ", total, app->snap->n_messages == 1 ? "" : "s");
	} else {
		mr_buf_add_str(left, ": ");
	}
	queue_counts(app->snap, form > 0, left);
}

void status_draw(struct app *app, int y) {
	draw_fill(stdscr, y, 0, COLS, STYLE_STATUS, A_NORMAL);
	struct mr_buf left, right;
	mr_buf_init(&left);
	mr_buf_init(&right);
	for (int form = 0; form < 3; form++) {
		compose(app, form, &left, &right);
		if (text_width(left.data, left.len) + text_width(right.data, right.len) <= COLS) {
			break;
		}
	}
	int right_w = text_width(right.data, right.len);
	int left_w = COLS - right_w > 0 ? COLS - right_w : 0;
	draw_text(stdscr, y, 0, left_w, left.data, left.len, STYLE_STATUS, A_NORMAL);
	if (COLS >= right_w) {
		draw_text(stdscr, y, COLS - right_w, right_w, right.data, right.len, STYLE_STATUS,
			A_NORMAL);
	}
	mr_buf_finish(&left);
	mr_buf_finish(&right);
}
