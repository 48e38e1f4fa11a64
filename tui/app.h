#ifndef MR_TUI_APP_H
#define MR_TUI_APP_H

/*
 * The screen's state, shared by its views: the source and its latest
 * snapshot, the rows of the list on show (and the tags), the stack of open
 * views (view.h), the question being asked, the status line's message.
 */

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
#include "view.h"

/* What the screen was told at start (config.h, the command line). */
struct app_settings {
	int refresh; /* seconds between automatic listings; 0: none */
	/* Whether actions that can be undone ask first (destructive ones
	 * always do); when they don't, they still ask for CONFIRM_MANY
	 * messages or more, or when tagged messages are hidden. */
	bool confirm_all;
	bool keybar;   /* the line of keys at the bottom */
	bool no_audit; /* act when actions.log cannot be written */
	double rate;   /* :rate, ids a second an action takes at most; 0: no limit */
};

/* A list of the queue. Lists stack: Enter on a cell of the summary opens
 * a list filtered to it over the summary, and q goes back to the summary
 * and the list below as they were. One mr_rows serves them all (on a
 * million messages a set of rows is tens of MB): it is set up for the
 * topmost list, and a list shown again is filtered and sorted again. */
struct list_view {
	struct view view;
	struct mr_filter *filter; /* NULL: every message */
	char *filter_text;        /* as typed; NULL with filter */
	enum mr_sort sort;
	bool reverse;
	size_t cursor, top;
	/* While another list has the rows: the message the cursor was on. */
	char *saved_id;
	uint16_t saved_origin;
	/* The columns, worked out once per snapshot (view_list.c). */
	const struct mr_snapshot *layout_of;
	int id_width;
	bool priorities; /* some message has one: a PRIO column */
	bool attempts;   /* some message's attempts are known: TRIES and LAST */
};

/* A question on the status line ("delete 3 messages...? [y/N]"): the next
 * key answers it, y for yes, any other for no. Nothing else happens while
 * it is open: no listing, no key reaches a view. */
struct question {
	char *text;
	void (*answer)(struct app *app, bool yes, void *ctx);
	void (*free_ctx)(void *ctx);
	void *ctx;
};

/* One screen line of a text view, already wrapped. */
struct text_line {
	char *text;
	int indent;
	int style; /* enum style in draw.h */
	int label; /* leading bytes drawn as a label (ASCII), 0 for none */
};

/* Scrollable, pre-wrapped text, searchable with '/', n and N. */
struct text_view {
	struct text_line *lines;
	size_t n_lines;
	size_t top;
	int width;     /* the width the lines were wrapped for */
	char *search;  /* what '/' looks for (NULL: nothing) */
	size_t found;  /* the line of the current match, or SIZE_MAX */
	size_t before; /* top when the search began, for Esc */
};

struct app {
	struct app_settings settings;
	struct mr_source *source;
	struct mr_snapshot *snap;
	struct mr_rows rows;    /* the rows of `list`, and the tags */
	struct list_view *list; /* the topmost list open */
	int64_t refreshed_at;
	int64_t refresh_due; /* monotonic ms of the next automatic listing */
	int64_t listing_ms;  /* how long the last listing took */
	/* A listing running on its own thread (refresher.h), or NULL; asked:
	 * the operator asked for it (r), so its end is said. */
	struct refresher *listing;
	bool listing_asked;
	/* snap is the front of the first listing of a big queue, shown while
	 * listing reads the rest (or after it failed to): what needs the
	 * whole queue waits for it (app_whole_queue). */
	bool partial;
	/* The source's warnings as of the listing shown (a copy: a listing
	 * on its own thread replaces the source's own). */
	char *source_warnings;

	struct view **stack; /* stack[0] is the first list */
	size_t depth, cap;

	struct text_view outcomes; /* of the last action */
	char *codes_query;         /* the code browser's search, kept */
	struct prompt *prompt;     /* NULL: no prompt (the benchmark) */
	struct question question;  /* text NULL: none */
	struct mr_buf prompt_note; /* what the line typed will do (commands.c) */

	char *message;    /* shown in the status line until the next key */
	bool preview_off; /* the line typed now filters only on Enter: too slow */
	bool quit;
};

/* Opens the screen's state on a first snapshot (taken), with the list as
 * its first view; ranks are the snapshot's (taken), or NULL to rank it
 * here. The source's warnings are not read (a listing may still be
 * writing them): app_keep_warnings once it is over. */
void app_init(struct app *app, struct mr_source *source, struct mr_snapshot *snap,
	struct mr_rows_ranks *ranks, const struct app_settings *settings);
/* The source's warnings as of the listing shown, kept for the sources
 * view. */
void app_keep_warnings(struct app *app);
/* Returns false when a listing of the source was still running (it is
 * left to the end of the program; the source must not be destroyed). */
bool app_finish(struct app *app);

/* Draws the top view, the status line and the key bar. */
void app_draw(struct app *app);
/* One request, as a key in the top view asked for it. */
void app_handle(struct app *app, enum request req);
/* One key: the question's answer while one is asked, else its request. */
void app_key(struct app *app, int key);
/* Lines between the title and the status line. */
int app_body_rows(const struct app *app);

struct view *app_top(const struct app *app);
void app_push(struct app *app, struct view *v);
/* Closes the top view (never the first) and shows the one below. */
void app_pop(struct app *app);
/* The top view's keymap. */
enum keymap app_keymap(const struct app *app);

/* A new filter from expr (empty: none) for the list on show; false with
 * *err when it is not one, or when its run failed or was stopped (Esc or
 * Ctrl-C): the list then keeps the filter it had. The cursor stays on its
 * message when that is still shown. */
bool app_set_filter(struct app *app, const char *expr, struct mr_filter_error *err);
/* The same, saying how the run ended; with preview (while a line is typed)
 * it stops after a keystroke's worth of time or at the next key typed,
 * which *err then says. */
enum mr_filter_status app_filter(
	struct app *app, const char *expr, bool preview, struct mr_filter_error *err);
/* The message under the list's cursor, or NULL. */
const struct mr_message *app_current(const struct app *app);
/* After the rows changed: the cursor back on message (an index into the
 * snapshot), or as near as it can be. */
void app_keep_cursor(struct app *app, uint32_t message);

/* Lists the source again; keeps every cursor on its message, and
 * schedules the next automatic listing. */
bool app_refresh(struct app *app, char **cause);
/* Waits for a listing running on its own thread and drops it: before the
 * screen uses the source itself (the next one is due at once). The first
 * listing of a partial screen is kept, to be shown next. */
void app_settle(struct app *app);
/* Whether the whole queue is on the screen; if not (app->partial), says in
 * the status line that what (an action, tagging all) waits for it. */
bool app_whole_queue(struct app *app, const char *what);
/* The first of the warnings kept (app_keep_warnings) in the status line,
 * if any (all of them went to the terminal before the screen started). */
void app_show_warnings(struct app *app);
/* app_refresh from a key or the timer: says so in the status line when the
 * listing is slow, and how it went when it fails (or was asked for). */
void app_refresh_now(struct app *app, bool asked);
/* Several sources: merges in the ones that finished since. */
void app_take_news(struct app *app);
/* Automatic listing every seconds (0: none), from now on. */
void app_set_refresh(struct app *app, int seconds);
/* Milliseconds until something is due (a listing, a slow source to merge
 * in); -1 when nothing is. */
int app_idle_timeout(const struct app *app);
/* What is due when no key came: listing again, merging in. */
void app_idle(struct app *app);

void app_set_message(struct app *app, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Asks text; answer is called with the answer, then free_ctx(ctx). */
void app_ask(struct app *app, char *text, void (*answer)(struct app *, bool, void *), void *ctx,
	void (*free_ctx)(void *));

/* --- the list (view_list.c) --- */

/* Opens a list on top, filtered by expr (NULL: none). */
void list_open(struct app *app, const char *expr);
/* The rows are set up for list: its filter run, its order, its cursor. */
void list_activate(struct app *app, struct list_view *list);

/* --- the views any view can open --- */

/* The detail of a message (its id, the source it is on). */
void detail_open(struct app *app, uint16_t origin, const char *id);
/* Fetches id's headers and body from the source it is on (origin) and
 * shows them; says why not in the status line when it cannot. */
void content_open(struct app *app, uint16_t origin, const char *id);
void summary_open(struct app *app);
/* The code browser, showing what matches query (NULL or "": all). */
void codes_open(struct app *app, const char *query);
void codes_search(struct app *app, const char *query);
/* The number of entries the code browser found, or 0 when it is not on top. */
size_t codes_found(const struct app *app);
void help_open(struct app *app);
void outcomes_open(struct app *app);
void sources_open(struct app *app);

/* --- the prompt (commands.c) --- */

/* The prompt's kinds: what it is for, and the character it shows. */
enum { PROMPT_FILTER = '/', PROMPT_COMMAND = ':', PROMPT_CODES = '?', PROMPT_SEARCH = 's' };
/* '/' edits the filter, ':' runs a command, '?' searches the codes, and
 * PROMPT_SEARCH (shown as '/') searches the text of the view on top. */
void app_prompt(struct app *app, char kind);

/* --- actions (actions.c) --- */

/* What an action acts on: ids and the sources they are on. */
struct selection {
	const char **ids; /* pointers into the snapshot */
	uint16_t *origins;
	uint32_t *messages; /* their indexes in the snapshot */
	size_t n, cap;
	size_t recipients; /* of those messages */
	size_t hidden;     /* those the list does not show */
	bool tagged;       /* they are the tagged messages */
	size_t bounced;    /* left out: gone from the queue already */
	const char *what;  /* "the tagged messages", "this message" */
};

void selection_add(struct selection *sel, const struct mr_snapshot *snap, uint32_t message);
void selection_finish(struct selection *sel);
/* Asks, then runs operation ("hold", "priority-up") on sel, which it takes. */
void app_act(struct app *app, const char *operation, struct selection *sel);
/* An action request from a view: on what the view says (view.h targets). */
void app_act_from_view(struct app *app, const char *operation);
/* set-priority N on sel, where the source keeps priorities. */
void app_set_priority(struct app *app, int32_t priority, struct selection *sel);

/* --- text views (text_view.c) --- */

void text_view_clear(struct text_view *tv);
void text_view_add(struct text_view *tv, int indent, int style, const char *text);
/* text[0..len) as lines of at most COLS - indent columns (none when empty). */
void text_view_add_wrapped(
	struct text_view *tv, int indent, int style, const char *text, size_t len);
/* Scrolls for movement requests; true when req was one. */
bool text_view_scroll(struct text_view *tv, enum request req, int rows);
void text_view_draw(struct text_view *tv, int y, int rows);
/* A whole text view: its title, then its lines down to the status line. */
void text_view_page(const struct app *app, struct text_view *tv, const char *title);
/* The search: text (NULL to end it) from where the view is; the next or
 * the previous match. They say in the status line when nothing matches. */
void text_view_search(struct app *app, struct text_view *tv, const char *text);
void text_view_search_again(struct app *app, struct text_view *tv, bool backward);
/* Frees the view's lines and search. */
void text_view_finish(struct text_view *tv);
/* What every text view does: scrolling, '/', n and N; false for the
 * other requests. */
bool text_view_request(struct app *app, struct text_view *tv, enum request req);
/* The requests text_view_request answers, for the views' lists. */
#define TEXT_VIEW_REQUESTS                                                                       \
	REQ_MOVE_DOWN, REQ_MOVE_UP, REQ_PAGE_DOWN, REQ_PAGE_UP, REQ_FIRST, REQ_LAST, REQ_SEARCH, \
		REQ_SEARCH_NEXT, REQ_SEARCH_PREV

/* The status line above the key bar, and the key bar (status.c, keybar.c). */
void status_draw(struct app *app, int y);
void keybar_draw(struct app *app, int y);

#endif
