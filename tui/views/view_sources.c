/* The sources view: each source of the screen, whether its last listing
 * worked, when, how many messages it holds, and why not when it failed.
 * With several sources this is where a dead or slow host says so. */

#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "draw.h"
#include "fleet.h"
#include "format.h"
#include "xalloc.h"

enum { INDENT = 2, DETAIL_INDENT = 6 };

static void add_lines(struct text_view *tv, int indent, int style, const char *text) {
	for (const char *line = text; line != NULL && *line != '\0';) {
		size_t len = strcspn(line, "\n");
		text_view_add_wrapped(tv, indent, style, line, len);
		line += len + (line[len] == '\n');
	}
}

static void add_member(struct text_view *tv, const struct mr_member_status *m) {
	char count[MR_FORMAT_MAX], clock[MR_FORMAT_MAX];
	mr_format_count(count, m->messages);
	mr_format_clock(clock, m->listed_at);
	char *state = m->state == MR_MEMBER_FAILED ? mr_xstrdup("failed")
		      : m->state == MR_MEMBER_WAITING
			      ? mr_xstrdup("not listed yet")
			      : mr_xasprintf("%s message%s, listed at %s in "
					     "%.1f s",
					count, m->messages == 1 ? "" : "s", clock,
					(double)m->listing_ms / 1000);
	char *line = mr_xasprintf("%s  %s", m->label, state);
	text_view_add(
		tv, INDENT, m->state == MR_MEMBER_FAILED ? STYLE_PERMANENT : STYLE_NORMAL, line);
	free(line);
	free(state);
	if (m->state == MR_MEMBER_FAILED) {
		add_lines(tv, DETAIL_INDENT, STYLE_REASON, m->error);
		if (m->listed_at != 0) {
			char *shown = mr_xasprintf("still shown: its listing of %s (%s message%s)",
				clock, count, m->messages == 1 ? "" : "s");
			text_view_add(tv, DETAIL_INDENT, STYLE_DIM, shown);
			free(shown);
		}
	}
	if (m->busy_ms > 0) {
		char *busy = mr_xasprintf("listing now, for %.1f s: merged in when it has finished",
			(double)m->busy_ms / 1000);
		text_view_add(tv, DETAIL_INDENT, STYLE_DIM, busy);
		free(busy);
	}
	add_lines(tv, DETAIL_INDENT, STYLE_DIM, m->warnings);
	if (strcmp(m->label, m->name) != 0) {
		char *named = mr_xasprintf("named %s", m->name);
		text_view_add(tv, DETAIL_INDENT, STYLE_DIM, named);
		free(named);
	}
}

struct sources_view {
	struct view view;
	struct text_view tv;
};

/* Built on every draw: a source's state changes while the view is open. */
static void build(struct app *app, struct text_view *tv, char **title) {
	size_t top = tv->top;
	text_view_clear(tv);
	tv->top = top;
	tv->width = COLS;
	text_view_add(tv, 0, STYLE_NORMAL, "");
	if (!mr_fleet_is(app->source)) {
		*title = mr_xstrdup("Source");
		text_view_add(tv, INDENT, STYLE_NORMAL, app->source->label);
		add_lines(tv, DETAIL_INDENT, STYLE_DIM, app->source_warnings);
		return;
	}
	size_t n, failed = 0, busy = 0;
	const struct mr_member_status *members = mr_fleet_members(app->source, &n);
	for (size_t i = 0; i < n; i++) {
		add_member(tv, &members[i]);
		text_view_add(tv, 0, STYLE_NORMAL, "");
		failed += members[i].state == MR_MEMBER_FAILED;
		busy += members[i].busy_ms > 0;
	}
	text_view_add(tv, INDENT, STYLE_DIM,
		"A source that failed is tried again at every listing (r, or the refresh "
		"interval).");
	*title = mr_xasprintf("Sources: %zu, %zu failed, %zu listing now", n, failed, busy);
}

static void sources_draw(struct app *app, struct view *v) {
	struct sources_view *sv = (struct sources_view *)v;
	char *title = NULL;
	build(app, &sv->tv, &title);
	text_view_page(app, &sv->tv, title);
	free(title);
}

static void sources_handle(struct app *app, struct view *v, enum request req) {
	text_view_request(app, &((struct sources_view *)v)->tv, req);
}

static struct text_view *sources_text(struct app *app, struct view *v) {
	(void)app;
	return &((struct sources_view *)v)->tv;
}

static void sources_destroy(struct view *v) {
	struct sources_view *sv = (struct sources_view *)v;
	text_view_finish(&sv->tv);
	free(sv);
}

static const enum request requests[] = { TEXT_VIEW_REQUESTS, REQ_NONE };

static const enum request bar[] = { REQ_HELP, REQ_SEARCH, REQ_REFRESH, REQ_BACK, REQ_NONE };

const struct view_ops sources_view_ops = {
	.what = "each source's state and errors",
	.requests = requests,
	.bar = bar,
	.draw = sources_draw,
	.handle = sources_handle,
	.destroy = sources_destroy,
	.text = sources_text,
};

void sources_open(struct app *app) {
	struct sources_view *sv = mr_xcalloc(1, sizeof(*sv));
	sv->view = (struct view){ &sources_view_ops, KEYMAP_SOURCES };
	app_push(app, &sv->view);
}
