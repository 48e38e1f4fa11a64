/* The content view: a message's headers and body, fetched when asked for. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "draw.h"
#include "fleet.h"
#include "format.h"
#include "text.h"
#include "xalloc.h"

/* Lines of the message shown; past them the view says how much is left.
 * A screenful is what an operator reads; the cap keeps a 50 MB attachment
 * from becoming a million screen lines. */
enum { CONTENT_MAX_LINES = 20000, TAB_WIDTH = 8, FOLD_INDENT = 4 };

/* line as a string to draw: with expand, tabs turned into spaces up to the
 * next tab stop, so that they are neither drawn as ^I nor lost; a NUL byte
 * stored as C0 80 (text.h), so that it is drawn as ^@ rather than ending
 * the line there. */
static char *drawable(const char *line, size_t len, bool expand) {
	size_t tabs = 0, nuls = 0;
	for (size_t i = 0; i < len; i++) {
		tabs += expand && line[i] == '\t';
		nuls += line[i] == '\0';
	}
	char *out = mr_xmalloc(len + tabs * (TAB_WIDTH - 1) + nuls + 1);
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		if (line[i] == '\0') {
			memcpy(out + o, MR_NUL_STORED, MR_NUL_STORED_LEN);
			o += MR_NUL_STORED_LEN;
		} else if (line[i] != '\t' || !expand) {
			out[o++] = line[i];
		} else {
			do {
				out[o++] = ' ';
			} while (o % TAB_WIDTH != 0);
		}
	}
	out[o] = '\0';
	return out;
}

/* "Name: value": the name drawn as a label; folded lines indented. */
static void add_header_line(struct text_view *tv, const char *line, size_t len) {
	bool folded = len > 0 && (line[0] == ' ' || line[0] == '\t');
	if (folded) {
		size_t lead = 0;
		while (lead < len && (line[lead] == ' ' || line[lead] == '\t')) {
			lead++;
		}
		char *text = drawable(line + lead, len - lead, false);
		text_view_add_wrapped(tv, FOLD_INDENT, STYLE_NORMAL, text, strlen(text));
		free(text);
		return;
	}
	char *text = drawable(line, len, true);
	size_t first = tv->n_lines;
	text_view_add_wrapped(tv, 0, STYLE_NORMAL, text, strlen(text));
	size_t name = strcspn(text, ": ");
	if (text[name] == ':' && tv->n_lines > first && name < strlen(tv->lines[first].text)) {
		tv->lines[first].label = (int)name + 1;
	}
	free(text);
}

static void add_body_line(struct text_view *tv, const char *line, size_t len) {
	if (len == 0) {
		text_view_add(tv, 0, STYLE_NORMAL, "");
		return;
	}
	char *text = drawable(line, len, true);
	text_view_add_wrapped(tv, 0, STYLE_NORMAL, text, strlen(text));
	free(text);
}

/* Splits text into lines (a CR before the LF dropped) for add; false when
 * the cap was reached, with *rest the bytes not shown after the last line
 * shown, and *cut true when that line itself was cut (one line of a few
 * megabytes wraps into more screen lines than the cap). */
static bool add_lines(struct text_view *tv, const char *text, size_t len,
	void (*add)(struct text_view *, const char *, size_t), size_t *rest, bool *cut) {
	size_t pos = 0;
	while (pos < len) {
		if (tv->n_lines >= CONTENT_MAX_LINES) {
			*rest = len - pos;
			return false;
		}
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		size_t line_end = end > pos && text[end - 1] == '\r' ? end - 1 : end;
		add(tv, text + pos, line_end - pos);
		pos = end + 1;
		if (tv->n_lines > CONTENT_MAX_LINES) {
			for (size_t i = CONTENT_MAX_LINES; i < tv->n_lines; i++) {
				free(tv->lines[i].text);
			}
			tv->n_lines = CONTENT_MAX_LINES;
			*rest = pos < len ? len - pos : 0;
			*cut = true;
			return false;
		}
	}
	return true;
}

struct content_view {
	struct view view;
	struct text_view tv;
	char *id;
	uint16_t origin;
	struct mr_buf headers, body;
};

/* (Re)builds the lines for the current width from the fetched text. */
static void build(struct content_view *cv) {
	struct text_view *tv = &cv->tv;
	size_t keep_top = tv->top;
	text_view_clear(tv);
	tv->width = COLS;
	tv->top = keep_top;
	size_t rest = 0;
	bool cut = false;
	bool whole = add_lines(tv, cv->headers.data, cv->headers.len, add_header_line, &rest, &cut);
	if (whole) {
		/* The empty line between them, as in the message. */
		text_view_add(tv, 0, STYLE_NORMAL, "");
		whole = add_lines(tv, cv->body.data, cv->body.len, add_body_line, &rest, &cut);
	}
	if (!whole) {
		char size[MR_FORMAT_MAX], lines[MR_FORMAT_MAX];
		mr_format_size(size, rest);
		mr_format_count(lines, CONTENT_MAX_LINES);
		char *note =
			mr_xasprintf(cut ? "(the first %s lines are shown; the last of them goes "
					   "on, and %s more after it are not)"
					 : "(the first %s lines are shown; %s more are not)",
				lines, size);
		text_view_add(tv, 0, STYLE_DIM, "");
		text_view_add(tv, 0, STYLE_DIM, note);
		free(note);
	}
}

static const enum request requests[] = { TEXT_VIEW_REQUESTS, REQ_ACT_RETRY, REQ_ACT_HOLD,
	REQ_ACT_RELEASE, REQ_ACT_REQUEUE, REQ_ACT_EXPIRE, REQ_ACT_RELEASE_RETRY, REQ_ACT_EXPIRE_NOW,
	REQ_ACT_DELETE, REQ_ACT_PRIORITY_UP, REQ_ACT_PRIORITY_DOWN, REQ_NONE };

static const enum request bar[] = { REQ_HELP, REQ_SEARCH, REQ_SEARCH_NEXT, REQ_ACT_HOLD,
	REQ_ACT_DELETE, REQ_COMMAND, REQ_BACK, REQ_NONE };

static void content_draw(struct app *app, struct view *v) {
	struct content_view *cv = (struct content_view *)v;
	if (cv->tv.width != COLS) {
		build(cv);
	}
	char size[MR_FORMAT_MAX];
	size_t bytes = cv->headers.len + cv->body.len;
	mr_format_size(size, bytes);
	const char *from =
		cv->origin < app->snap->n_origins ? app->snap->origins[cv->origin] : NULL;
	char *title = mr_xasprintf("Content of %s%s%s (%s%s)", cv->id, from ? " on " : "",
		from ? from : "", size, bytes < 1024 ? " bytes" : "");
	text_view_page(app, &cv->tv, title);
	free(title);
}

static void content_handle(struct app *app, struct view *v, enum request req) {
	text_view_request(app, &((struct content_view *)v)->tv, req);
}

static struct text_view *content_text(struct app *app, struct view *v) {
	(void)app;
	return &((struct content_view *)v)->tv;
}

/* The message shown. */
static bool content_targets(struct app *app, struct view *v, struct selection *sel) {
	struct content_view *cv = (struct content_view *)v;
	const struct mr_message *msg = mr_snapshot_find_from(app->snap, cv->origin, cv->id);
	if (msg == NULL) {
		app_set_message(app, "%s is no longer in the queue", cv->id);
		return false;
	}
	sel->what = "this message";
	selection_add(sel, app->snap, (uint32_t)(msg - app->snap->messages));
	return true;
}

static void content_destroy(struct view *v) {
	struct content_view *cv = (struct content_view *)v;
	text_view_finish(&cv->tv);
	mr_buf_finish(&cv->headers);
	mr_buf_finish(&cv->body);
	free(cv->id);
	free(cv);
}

const struct view_ops content_view_ops = {
	.what = "a message's headers and body",
	.requests = requests,
	.bar = bar,
	.draw = content_draw,
	.handle = content_handle,
	.destroy = content_destroy,
	.text = content_text,
	.targets = content_targets,
};

void content_open(struct app *app, uint16_t origin, const char *id) {
	struct content_view *cv = mr_xcalloc(1, sizeof(*cv));
	mr_buf_init(&cv->headers);
	mr_buf_init(&cv->body);
	char *cause = NULL;
	app_settle(app); /* the source is the reading's alone */
	struct mr_source *src = mr_source_of(app->source, origin, &cause);
	if (src == NULL || !mr_source_content(src, id, &cv->headers, &cv->body, &cause)) {
		app_set_message(app, "cannot show the message: %s", cause);
		free(cause);
		mr_buf_finish(&cv->headers);
		mr_buf_finish(&cv->body);
		free(cv);
		return;
	}
	cv->view = (struct view){ &content_view_ops, KEYMAP_CONTENT };
	cv->id = mr_xstrdup(id);
	cv->origin = origin;
	app_push(app, &cv->view);
	build(cv);
}
