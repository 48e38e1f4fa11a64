/* The content view: a message's headers and body, fetched when asked for. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "draw.h"
#include "fleet.h"
#include "format.h"
#include "xalloc.h"

/* Lines of the message shown; past them the view says how much is left.
 * A screenful is what an operator reads; the cap keeps a 50 MB attachment
 * from becoming a million screen lines. */
enum { CONTENT_MAX_LINES = 20000, TAB_WIDTH = 8, FOLD_INDENT = 4 };

/* line with tabs turned into spaces up to the next tab stop, so that they
 * are neither drawn as ^I nor lost. */
static char *expand_tabs(const char *line, size_t len) {
	size_t tabs = 0;
	for (size_t i = 0; i < len; i++) {
		tabs += line[i] == '\t';
	}
	char *out = mr_xmalloc(len + tabs * (TAB_WIDTH - 1) + 1);
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		if (line[i] != '\t') {
			out[o++] = line[i];
			continue;
		}
		do {
			out[o++] = ' ';
		} while (o % TAB_WIDTH != 0);
	}
	out[o] = '\0';
	return out;
}

/* "Name: value": the name drawn as a label; folded lines indented. */
static void add_header_line(struct text_view *tv, const char *line, size_t len) {
	bool folded = len > 0 && (line[0] == ' ' || line[0] == '\t');
	if (folded) {
		size_t lead = strspn(line, " \t");
		text_view_add_wrapped(tv, FOLD_INDENT, STYLE_NORMAL, line + lead, len - lead);
		return;
	}
	char *text = expand_tabs(line, len);
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
	char *text = expand_tabs(line, len);
	text_view_add_wrapped(tv, 0, STYLE_NORMAL, text, strlen(text));
	free(text);
}

/* Splits text into lines (a CR before the LF dropped) for add; false when
 * the cap was reached, with *rest the bytes not shown. */
static bool add_lines(struct text_view *tv, const char *text, size_t len,
	void (*add)(struct text_view *, const char *, size_t), size_t *rest) {
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
	}
	return true;
}

/* (Re)builds the lines for the current width from the fetched text. */
static void build(struct app *app) {
	struct text_view *tv = &app->content;
	size_t keep_top = tv->top;
	text_view_clear(tv);
	tv->width = COLS;
	tv->top = keep_top;
	size_t rest = 0;
	const struct mr_buf *head = &app->content_headers, *body = &app->content_body;
	bool whole = add_lines(tv, head->data, head->len, add_header_line, &rest);
	if (whole) {
		/* The empty line between them, as in the message. */
		text_view_add(tv, 0, STYLE_NORMAL, "");
		whole = add_lines(tv, body->data, body->len, add_body_line, &rest);
	}
	if (!whole) {
		char size[MR_FORMAT_MAX];
		mr_format_size(size, rest);
		char *note = mr_xasprintf(
			"(the first %d lines are shown; %s more are not)", CONTENT_MAX_LINES, size);
		text_view_add(tv, 0, STYLE_DIM, "");
		text_view_add(tv, 0, STYLE_DIM, note);
		free(note);
	}
}

void content_open(struct app *app, uint16_t origin, const char *id) {
	struct mr_buf headers, body;
	mr_buf_init(&headers);
	mr_buf_init(&body);
	char *cause = NULL;
	struct mr_source *src = mr_source_of(app->source, origin, &cause);
	if (src == NULL || !mr_source_content(src, id, &headers, &body, &cause)) {
		app_set_message(app, "cannot show the message: %s", cause);
		free(cause);
		mr_buf_finish(&headers);
		mr_buf_finish(&body);
		return;
	}
	mr_buf_finish(&app->content_headers);
	mr_buf_finish(&app->content_body);
	app->content_headers = headers;
	app->content_body = body;
	free(app->content_id);
	app->content_id = mr_xstrdup(id);
	app->content_origin = origin;
	app->content_from = app->view;
	app->content.top = 0;
	app->view = VIEW_CONTENT;
	build(app);
}

void content_draw(struct app *app) {
	if (app->content.width != COLS) {
		build(app);
	}
	char size[MR_FORMAT_MAX];
	size_t bytes = app->content_headers.len + app->content_body.len;
	mr_format_size(size, bytes);
	const char *from = app->content_origin < app->snap->n_origins
				   ? app->snap->origins[app->content_origin]
				   : NULL;
	char *title = mr_xasprintf("Content of %s%s%s (%s%s)", app->content_id, from ? " on " : "",
		from ? from : "", size, bytes < 1024 ? " bytes" : "");
	text_view_page(&app->content, title);
	free(title);
}

void content_handle(struct app *app, enum request req) {
	if (text_view_scroll(&app->content, req, text_view_rows())) {
		return;
	}
	if (req == REQ_BACK) {
		app->view = app->content_from;
	}
}
