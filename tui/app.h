#ifndef MR_TUI_APP_H
#define MR_TUI_APP_H

/* The screen's state, shared by its views. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "buf.h"
#include "filter.h"
#include "keys.h"
#include "prompt.h"
#include "rows.h"
#include "snapshot.h"

enum view {
	VIEW_LIST,
	VIEW_DETAIL,
	VIEW_HELP,
	VIEW_OUTCOMES,
	VIEW_CONTENT,
	VIEW_SUMMARY,
	VIEW_CODES,
	VIEW_SOURCES,
};

struct summary_view; /* view_summary.c */

/* One screen line of a text view (detail, help), already wrapped. */
struct text_line {
	char *text;
	int indent;
	int style; /* enum style in draw.h */
	int label; /* leading bytes drawn as a label (ASCII), 0 for none */
};

struct text_view {
	struct text_line *lines;
	size_t n_lines;
	size_t top;
	int width; /* the width the lines were wrapped for */
};

struct app {
	struct mr_source *source;
	struct mr_snapshot *snap;
	struct mr_rows list;      /* the rows shown, their order, the tags */
	struct mr_filter *filter; /* NULL: every message */
	char *filter_text;        /* as typed; NULL with filter */
	size_t cursor;
	size_t top;
	int64_t refreshed_at;
	int refresh_every;   /* seconds between automatic listings; 0: none */
	int64_t refresh_due; /* monotonic ms of the next one */
	int64_t listing_ms;  /* how long the last listing took */

	enum view view;
	enum view view_before_help;
	char *detail_id;        /* the message the detail view shows */
	uint16_t detail_origin; /* and the source it is on (mr_message.origin) */
	struct text_view detail;
	struct text_view help;
	struct text_view outcomes; /* of the last action */
	char *content_id;          /* the message the content view shows */
	uint16_t content_origin;
	struct mr_buf content_headers, content_body;
	struct text_view content;
	enum view content_from; /* the view q goes back to */
	struct summary_view *summary;
	char *codes_query; /* NULL: the whole knowledge base */
	size_t codes_found;
	struct text_view codes;
	enum view codes_from;
	struct text_view sources;
	enum view sources_from;
	struct prompt *prompt; /* NULL: no prompt (the benchmark) */

	char *message; /* shown in the status line until the next key */
	bool asking;   /* message is a question: the status line is its own */
	bool quit;
};

/* The keymap whose bindings come first in view. */
enum keymap app_keymap(enum view view);

/* Draws the current view and the status line; handles one request. */
void app_draw(struct app *app);
void app_handle(struct app *app, enum request req);

/* A new filter from expr (empty: none); false with *err when it is not one.
 * The cursor stays on its message when that is still shown. */
bool app_set_filter(struct app *app, const char *expr, struct mr_filter_error *err);

/* Lists the source again; keeps the cursor on the same message, and
 * schedules the next automatic listing. */
bool app_refresh(struct app *app, char **cause);
/* app_refresh from a key or the timer: says so in the status line when the
 * listing is slow, and how it went when it fails (or was asked for). */
void app_refresh_now(struct app *app, bool asked);
/* Automatic listing every seconds (0: none), from now on. */
void app_set_refresh(struct app *app, int seconds);
void app_set_message(struct app *app, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const struct mr_message *app_current(const struct app *app);
/* After the rows changed: the cursor back on message (an index into the
 * snapshot), or as near as it can be. */
void app_keep_cursor(struct app *app, uint32_t message);

/* The views: draw themselves into stdscr and handle their requests. */
void list_draw(struct app *app);
void list_handle(struct app *app, enum request req);
/* A click at screen row y (column x): selects what is there; false when
 * nothing is. */
bool list_click(struct app *app, int y);
bool summary_click(struct app *app, int y, int x);
void detail_open(struct app *app);
void detail_draw(struct app *app);
void detail_handle(struct app *app, enum request req);
void help_open(struct app *app);
void help_draw(struct app *app);
void help_handle(struct app *app, enum request req);
/* Fetches id's headers and body from the source it is on (origin) and
 * shows them; says why not in the status line when it cannot. */
void content_open(struct app *app, uint16_t origin, const char *id);
void content_draw(struct app *app);
void content_handle(struct app *app, enum request req);
/* The summary of the messages shown; Enter on a row or cell filters. */
void summary_open(struct app *app);
void summary_draw(struct app *app);
void summary_handle(struct app *app, enum request req);
void summary_close(struct app *app);
/* The code browser, showing what matches query (NULL or "": all). */
void codes_open(struct app *app, const char *query);
void codes_search(struct app *app, const char *query);
void codes_draw(struct app *app);
void codes_handle(struct app *app, enum request req);
/* Each source's state: listed when, how many messages, or why not. */
void sources_open(struct app *app);
void sources_draw(struct app *app);
void sources_handle(struct app *app, enum request req);
void outcomes_draw(struct app *app);
void outcomes_handle(struct app *app, enum request req);

/* The prompt: '/' edits the filter, ':' runs a command, '?' searches the
 * codes (commands.c). */
void app_prompt(struct app *app, char kind);
/* An action on the tagged messages, or the current one (actions.c). */
void app_act(struct app *app, const char *operation);

void text_view_clear(struct text_view *tv);
void text_view_add(struct text_view *tv, int indent, int style, const char *text);
/* text[0..len) as lines of at most COLS - indent columns (none when empty). */
void text_view_add_wrapped(
	struct text_view *tv, int indent, int style, const char *text, size_t len);
/* Scrolls for movement requests; true when req was one. */
bool text_view_scroll(struct text_view *tv, enum request req, int rows);
void text_view_draw(struct text_view *tv, int y, int rows);
/* A whole text view: its title, then its lines down to the status line
 * (text_view_rows of them). */
void text_view_page(struct text_view *tv, const char *title);
int text_view_rows(void);

/* The status line at the bottom, shared by every view. */
void status_draw(struct app *app);

#endif
