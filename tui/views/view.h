#ifndef MR_TUI_VIEW_H
#define MR_TUI_VIEW_H

/*
 * The interface every view of the screen implements, after tig's view table
 * and NeoMutt's dialogs: one const struct of operations per view (views.h
 * lists them), and a stack of open views that the screen loop owns. Enter
 * opens a view on top; q, Esc, Left or h closes the top one and shows the
 * one below as it was; q on the first view quits.
 *
 * A view answers the requests of its `requests` list; the screen answers
 * the global ones (help, commands, the views any view can open, quit) and
 * says so when a key does nothing here. Help, the key bar and the man page
 * are made from these lists and the bindings, so they cannot disagree.
 */

#include <stdbool.h>
#include <stddef.h>

#include "keys.h"

struct app;
struct view;
struct mr_buf;
struct text_view;
struct selection;

struct view_ops {
	const char *what; /* for the help: "the queue list" */
	/* The requests it answers, in the order the help lists them;
	 * REQ_NONE ends the list. */
	const enum request *requests;
	/* The requests the key bar shows, most wanted first; REQ_NONE ends. */
	const enum request *bar;

	/* The title line (its text, into title). */
	void (*title)(struct app *app, struct view *v, struct mr_buf *title);
	/* Draws the body: screen lines 1 to app_body_rows(). */
	void (*draw)(struct app *app, struct view *v);
	/* One of its requests. */
	void (*handle)(struct app *app, struct view *v, enum request req);
	/* Frees what the view holds, and the view. */
	void (*destroy)(struct view *v);

	/* Optional. The view is on top again: the one above it closed. */
	void (*on_show)(struct app *app, struct view *v);
	/* Optional. A new listing replaced the snapshot. */
	void (*on_refresh)(struct app *app, struct view *v);
	/* Optional. A click at screen line y, column x: selects what is there;
	 * false when nothing is. */
	bool (*click)(struct app *app, struct view *v, int y, int x);
	/* Optional. The text '/' searches and n / N move through. */
	struct text_view *(*text)(struct app *app, struct view *v);
	/* Optional. What an action from this view acts on; false, with a
	 * message set, when nothing. Views without it offer no actions. */
	bool (*targets)(struct app *app, struct view *v, struct selection *sel);
};

struct view {
	const struct view_ops *ops;
	enum keymap keymap;
};

#define X(name, text, ops) extern const struct view_ops ops;
MR_VIEWS(X)
#undef X

/* The requests the screen answers in every view (app.c), in the order the
 * help lists them; REQ_NONE ends the list. */
extern const enum request view_global_requests[];

/* The views in the order of views.h, for the help and the man page. */
extern const struct view_ops *const view_table[];
extern const char *const view_table_names[];

/* Whether v answers req itself. */
bool view_answers(const struct view *v, enum request req);
/* A view's name, as its keymap ("list"). */
const char *view_name(const struct view *v);

#endif
