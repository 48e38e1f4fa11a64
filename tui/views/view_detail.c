/* The detail view: a message's envelope and every recipient's full reason. */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "buf.h"
#include "draw.h"
#include "explain.h"
#include "format.h"
#include "xalloc.h"

enum { LABEL_W = 12, INDENT = 2 };

/* Recipients shown at a time: a message to three million recipients opens
 * as fast as one to thirty, its recipients a part at a time (] and [). */
enum { PART = 200 };

static void add_wrapped(struct text_view *tv, int indent, int style, const char *text) {
	text_view_add_wrapped(tv, indent, style, text, strlen(text));
}

struct field_ctx {
	struct text_view *tv;
	const char *label;
	bool first;
};

static void add_field_line(void *ctx, const char *line, size_t len) {
	struct field_ctx *f = ctx;
	char *text = mr_xasprintf("%-*s%.*s", LABEL_W, f->first ? f->label : "", (int)len, line);
	text_view_add(f->tv, INDENT, STYLE_NORMAL, text);
	f->tv->lines[f->tv->n_lines - 1].label = f->first ? LABEL_W : 0;
	free(text);
	f->first = false;
}

/* "Label       value", the value wrapped under itself. */
static void add_field(struct text_view *tv, const char *label, const char *value) {
	struct field_ctx ctx = { tv, label, true };
	wrap_text(*value ? value : " ", COLS - INDENT - LABEL_W, add_field_line, &ctx);
}

static void add_time_field(struct text_view *tv, const char *label, int64_t t, int64_t now) {
	char when[MR_FORMAT_MAX], rel[MR_FORMAT_MAX];
	mr_format_time(when, t);
	if (t == MR_TIME_UNKNOWN) {
		add_field(tv, label, "unknown");
		return;
	}
	mr_format_relative(rel, t, now);
	char *value = mr_xasprintf("%s  (%s)", when, rel);
	add_field(tv, label, value);
	free(value);
}

/* "  7. address", numbers right-aligned; details indented under the address. */
/* Under the reason: the decoder's reading of it, and what to do. */
static void add_diagnosis(
	struct text_view *tv, int indent, const char *reason, const struct mr_diagnosis *d) {
	const struct mr_kb *kb = mr_kb_default();
	const struct mr_category *cat = mr_diagnosis_category(kb, d);
	const char *provider = mr_diagnosis_provider(kb, d);
	struct mr_buf facts, line;
	mr_buf_init(&facts);
	mr_buf_init(&line);
	mr_explain_facts(&facts, reason, d, ", ");
	mr_buf_printf(&line, "Cause: %s", cat->title);
	if (facts.len > 0) {
		mr_buf_printf(&line, " - %s", facts.data);
	}
	if (provider != NULL) {
		mr_buf_printf(&line, "; a known reply of %s", provider);
	}
	add_wrapped(tv, indent, STYLE_LABEL, line.data);
	add_wrapped(tv, indent, STYLE_NORMAL, mr_diagnosis_meaning(kb, d));
	mr_buf_clear(&line);
	mr_buf_printf(&line, "To do: %s", mr_diagnosis_advice(kb, d));
	add_wrapped(tv, indent, STYLE_DIM, line.data);
	mr_explain_decided(&facts, kb, d);
	mr_buf_clear(&line);
	mr_buf_printf(&line, "Decided by %s; %s", facts.data, mr_explain_waits(kb, d));
	add_wrapped(tv, indent, STYLE_DIM, line.data);
	mr_buf_finish(&line);
	mr_buf_finish(&facts);
}

/*
 * The delivery attempts the mail log holds, oldest first: a line with the
 * time, status, dsn, recipient, relay and delays, and under it the
 * decoder's category and the reply. Texts from the log go through the
 * text view like every queue text, so no control reaches the terminal.
 */
static void add_history(
	struct text_view *tv, const struct mr_snapshot *snap, const struct mr_message *msg) {
	size_t n;
	const struct mr_attempt *h = mr_message_history(snap, msg, &n);
	bool partial = (msg->flags & MR_MSG_HISTORY_PARTIAL) != 0;
	char count[MR_FORMAT_MAX];
	mr_format_count(count, n);
	char *head = mr_xasprintf("History (%s%s attempt%s in the mail log)",
		partial ? "at least " : "", count, n == 1 ? "" : "s");
	text_view_add(tv, INDENT, STYLE_HEADER, head);
	free(head);
	if (partial) {
		text_view_add(tv, INDENT, STYLE_DIM,
			"the part of the log read begins after the message arrived: earlier "
			"attempts are not shown");
	}
	text_view_add(tv, 0, STYLE_NORMAL, "");
	const struct mr_kb *kb = mr_kb_default();
	struct mr_buf line, text;
	mr_buf_init(&line);
	mr_buf_init(&text);
	for (size_t i = 0; i < n; i++) {
		const struct mr_attempt *a = &h[i];
		char when[MR_FORMAT_MAX];
		mr_format_time(when, a->when);
		mr_buf_clear(&line);
		mr_buf_printf(&line, "%s  %s", when, mr_attempt_status_name(a->status));
		if (*a->dsn) {
			mr_buf_printf(&line, " %s", a->dsn);
		}
		mr_buf_printf(&line, "  %s  relay %s  delays ", a->recipient, a->relay);
		for (int k = 0; k < 4; k++) {
			char d[MR_FORMAT_MAX];
			mr_format_delay(d, a->delays[k]);
			mr_buf_printf(&line, "%s%s", k ? "/" : "", d);
		}
		add_wrapped(tv, INDENT, a->status == MR_ATTEMPT_SENT ? STYLE_NORMAL : STYLE_LABEL,
			line.data);
		const struct mr_diagnosis *d = mr_attempt_diagnosis(snap, a);
		mr_buf_clear(&line);
		if (d != NULL && a->status != MR_ATTEMPT_SENT) {
			mr_buf_printf(&line, "%s: ", mr_diagnosis_category(kb, d)->title);
		}
		if (a->reply != NULL) {
			mr_buf_add_str(&line, mr_text_str(a->reply, &text));
		}
		add_wrapped(tv, INDENT + 4, STYLE_REASON, line.data);
	}
	mr_buf_finish(&text);
	mr_buf_finish(&line);
	text_view_add(tv, 0, STYLE_NORMAL, "");
}

static void add_recipient(struct text_view *tv, const struct mr_snapshot *snap,
	const struct mr_recipient *r, size_t index, int digits, int64_t now, bool partial) {
	int indent = INDENT + digits + 2;
	char *head = mr_xasprintf("%*zu. %s", digits, index + 1, r->address);
	add_wrapped(tv, INDENT, STYLE_LABEL, head);
	free(head);
	if (r->original != NULL && strcmp(r->original, r->address) != 0) {
		char *orig = mr_xasprintf("originally %s", r->original);
		add_wrapped(tv, indent, STYLE_DIM, orig);
		free(orig);
	}
	if (r->reason == NULL && r->attempts <= 0) {
		add_wrapped(tv, indent, STYLE_DIM,
			r->state == MR_RCPT_PENDING ? "pending: not tried yet"
						    : mr_rcpt_state_name(r->state));
		text_view_add(tv, 0, STYLE_NORMAL, "");
		return;
	}
	struct mr_buf facts;
	mr_buf_init(&facts);
	mr_buf_add_str(&facts, mr_rcpt_state_name(r->state));
	if (r->attempts != MR_ATTEMPTS_UNKNOWN) {
		mr_buf_printf(&facts, ", %s%d attempt%s", partial ? "at least " : "", r->attempts,
			r->attempts == 1 ? "" : "s");
	}
	char rel[MR_FORMAT_MAX];
	if (r->last_attempt != MR_TIME_UNKNOWN) {
		mr_format_relative(rel, r->last_attempt, now);
		mr_buf_printf(&facts, ", last %s", rel);
	}
	if (r->state == MR_RCPT_DEFERRED && r->next_retry != MR_TIME_UNKNOWN) {
		mr_format_relative(rel, r->next_retry, now);
		mr_buf_printf(&facts, ", next %s", r->next_retry <= now ? "due now" : rel);
	}
	add_wrapped(tv, indent, STYLE_DIM, facts.data);
	mr_buf_finish(&facts);
	struct mr_buf text;
	mr_buf_init(&text);
	const char *reason = r->reason ? mr_text_str(r->reason, &text) : NULL;
	add_wrapped(tv, indent, reason ? STYLE_REASON : STYLE_DIM,
		reason ? reason : "no reason recorded");
	const struct mr_diagnosis *d = mr_recipient_diagnosis(snap, r);
	if (d != NULL) {
		add_diagnosis(tv, indent, reason, d);
	}
	mr_buf_finish(&text);
	text_view_add(tv, 0, STYLE_NORMAL, "");
}

struct detail_view {
	struct view view;
	struct text_view tv;
	char *id;                           /* the message it shows */
	uint16_t origin;                    /* and the source it is on (mr_message.origin) */
	const struct mr_snapshot *built_of; /* NULL: to build again */
	uint32_t part;                      /* of the recipients shown */
};

/* (Re)builds the lines for the current width and snapshot. */
static void build(struct app *app, struct detail_view *dv) {
	struct text_view *tv = &dv->tv;
	size_t keep_top = tv->top;
	text_view_clear(tv);
	tv->width = COLS;
	tv->top = keep_top;
	dv->built_of = app->snap;
	const struct mr_message *msg = mr_snapshot_find_from(app->snap, dv->origin, dv->id);
	if (msg == NULL) {
		text_view_add(tv, INDENT, STYLE_DIM, "This message is no longer in the queue.");
		return;
	}
	int64_t now = app->refreshed_at;
	char buf[4 * MR_FORMAT_MAX + 32];
	text_view_add(tv, 0, STYLE_NORMAL, "");
	if (mr_message_origin(app->snap, msg) != NULL) {
		add_field(tv, "Source", mr_message_origin(app->snap, msg));
	}
	add_field(tv, "Queue", mr_queue_name(msg->queue));
	const char *why = mr_message_state_why(msg);
	if (why != NULL) {
		/* expiring: its recipients' replies below are still its reasons */
		char *state = mr_xasprintf("%s: %s", mr_state_name(mr_message_state(msg)), why);
		add_field(tv, "State", state);
		free(state);
	}
	add_time_field(tv, "Arrived", msg->arrival, now);
	char size[MR_FORMAT_MAX], exact[MR_FORMAT_MAX];
	mr_format_size(size, msg->size);
	mr_format_count(exact, msg->size);
	if (msg->size >= 1024) {
		snprintf(buf, sizeof(buf), "%s bytes (%s)", exact, size);
	} else {
		snprintf(buf, sizeof(buf), "%s bytes", exact);
	}
	add_field(tv, "Size", buf);
	add_field(
		tv, "Sender", *msg->sender ? msg->sender : "<> (null sender: a bounce or notice)");
	if (msg->flags & MR_MSG_HAS_PRIORITY) {
		snprintf(buf, sizeof(buf), "%" PRId32, msg->priority);
		add_field(tv, "Priority", buf);
	}
	bool partial = (msg->flags & MR_MSG_HISTORY_PARTIAL) != 0;
	if (msg->attempts != MR_ATTEMPTS_UNKNOWN) {
		snprintf(buf, sizeof(buf), "%s%" PRId32, partial ? "at least " : "", msg->attempts);
		add_field(tv, "Attempts", buf);
	}
	/* From the mail log: the latest of the attempts shown below. */
	int64_t last = mr_message_last_attempt(app->snap, msg);
	if ((msg->flags & MR_MSG_HISTORY) && last != MR_TIME_UNKNOWN) {
		add_time_field(tv, "Last attempt", last, now);
	}
	if (msg->queue == MR_QUEUE_DEFERRED) {
		add_time_field(tv, "Next retry", msg->next_retry, now);
	}
	text_view_add(tv, 0, STYLE_NORMAL, "");
	uint32_t parts = msg->n_rcpts / PART + (msg->n_rcpts % PART != 0);
	if (dv->part >= parts) {
		dv->part = parts > 0 ? parts - 1 : 0;
	}
	uint32_t first = dv->part * PART;
	uint32_t end = msg->n_rcpts - first < PART ? msg->n_rcpts : first + PART;
	char total[MR_FORMAT_MAX];
	mr_format_count(total, msg->n_rcpts);
	if (parts > 1) {
		char from[MR_FORMAT_MAX], to[MR_FORMAT_MAX];
		mr_format_count(from, first + 1);
		mr_format_count(to, end);
		snprintf(buf, sizeof(buf), "Recipients %s to %s of %s", from, to, total);
	} else {
		snprintf(buf, sizeof(buf), "Recipients (%s)", total);
	}
	text_view_add(tv, INDENT, STYLE_HEADER, buf);
	if (parts > 1) {
		char part[MR_FORMAT_MAX], of[MR_FORMAT_MAX];
		mr_format_count(part, dv->part + 1);
		mr_format_count(of, parts);
		char *how = mr_xasprintf(
			"part %s of %s: ] shows the next part, [ the one before", part, of);
		text_view_add(tv, INDENT, STYLE_DIM, how);
		free(how);
	}
	text_view_add(tv, 0, STYLE_NORMAL, "");
	int digits = snprintf(NULL, 0, "%" PRIu32, msg->n_rcpts);
	for (uint32_t i = first; i < end; i++) {
		add_recipient(
			tv, app->snap, mr_message_rcpt(app->snap, msg, i), i, digits, now, partial);
	}
	if (msg->flags & MR_MSG_HISTORY) {
		add_history(tv, app->snap, msg);
	}
}

static const enum request requests[] = { TEXT_VIEW_REQUESTS, REQ_NEXT_PART, REQ_PREV_PART, REQ_OPEN,
	REQ_CONTENT, REQ_ACT_RETRY, REQ_ACT_HOLD, REQ_ACT_RELEASE, REQ_ACT_REQUEUE, REQ_ACT_EXPIRE,
	REQ_ACT_RELEASE_RETRY, REQ_ACT_EXPIRE_NOW, REQ_ACT_DELETE, REQ_ACT_PRIORITY_UP,
	REQ_ACT_PRIORITY_DOWN, REQ_NONE };

static const enum request bar[] = { REQ_HELP, REQ_CONTENT, REQ_SEARCH, REQ_ACT_RETRY, REQ_ACT_HOLD,
	REQ_ACT_DELETE, REQ_COMMAND, REQ_BACK, REQ_NONE };

static void detail_draw(struct app *app, struct view *v) {
	struct detail_view *dv = (struct detail_view *)v;
	/* Rewrapped after a resize or a new listing (which may have changed
	 * the message). */
	if (dv->built_of != app->snap || dv->tv.width != COLS) {
		build(app, dv);
	}
	char *title = mr_xasprintf("Message %s", dv->id);
	text_view_page(app, &dv->tv, title);
	free(title);
}

static void detail_handle(struct app *app, struct view *v, enum request req) {
	struct detail_view *dv = (struct detail_view *)v;
	if (text_view_request(app, &dv->tv, req)) {
		return;
	}
	if (req == REQ_NEXT_PART || req == REQ_PREV_PART) {
		const struct mr_message *msg = mr_snapshot_find_from(app->snap, dv->origin, dv->id);
		uint32_t parts = msg ? msg->n_rcpts / PART + (msg->n_rcpts % PART != 0) : 0;
		uint32_t part = req == REQ_NEXT_PART ? dv->part + 1 : dv->part - 1;
		if (req == REQ_PREV_PART ? dv->part == 0 : part >= parts) {
			app_set_message(app, "no part %s this one",
				req == REQ_PREV_PART ? "before" : "after");
			return;
		}
		dv->part = part;
		dv->built_of = NULL;
		dv->tv.top = 0;
		return;
	}
	if (req == REQ_OPEN || req == REQ_CONTENT) {
		content_open(app, dv->origin, dv->id);
	}
}

static void detail_refreshed(struct app *app, struct view *v) {
	(void)app;
	((struct detail_view *)v)->built_of = NULL;
}

static struct text_view *detail_text(struct app *app, struct view *v) {
	(void)app;
	return &((struct detail_view *)v)->tv;
}

/* The message shown, not the tags of the list below. */
static bool detail_targets(struct app *app, struct view *v, struct selection *sel) {
	struct detail_view *dv = (struct detail_view *)v;
	const struct mr_message *msg = mr_snapshot_find_from(app->snap, dv->origin, dv->id);
	if (msg == NULL) {
		app_set_message(app, "%s is no longer in the queue", dv->id);
		return false;
	}
	sel->what = "this message";
	selection_add(sel, app->snap, (uint32_t)(msg - app->snap->messages));
	return true;
}

static void detail_destroy(struct view *v) {
	struct detail_view *dv = (struct detail_view *)v;
	text_view_finish(&dv->tv);
	free(dv->id);
	free(dv);
}

const struct view_ops detail_view_ops = {
	.what = "a message's envelope and every recipient's reason",
	.requests = requests,
	.bar = bar,
	.draw = detail_draw,
	.handle = detail_handle,
	.destroy = detail_destroy,
	.on_refresh = detail_refreshed,
	.text = detail_text,
	.targets = detail_targets,
};

void detail_open(struct app *app, uint16_t origin, const char *id) {
	struct detail_view *dv = mr_xcalloc(1, sizeof(*dv));
	dv->view = (struct view){ &detail_view_ops, KEYMAP_DETAIL };
	dv->id = mr_xstrdup(id);
	dv->origin = origin;
	app_push(app, &dv->view);
}
