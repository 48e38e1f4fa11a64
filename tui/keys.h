#ifndef MR_TUI_KEYS_H
#define MR_TUI_KEYS_H

/*
 * What keys ask for. Requests are a table, in the manner of tig's request
 * list; bindings come from the configuration (share/config, then the
 * operator's own), per keymap: a view's own keymap first, then "generic".
 * The help view is generated from them.
 */

#include <stdbool.h>
#include <stddef.h>

#include "views.h"

/*
 * X(NAME, BAR, HELP): NAME in the configuration is "move-down" for
 * MOVE_DOWN; BAR is the word the key bar shows; HELP the help screen's line
 * (and the man page's).
 */
#define MR_REQUESTS(X)                                                                 \
	X(MOVE_DOWN, "Down", "Move down one line")                                     \
	X(MOVE_UP, "Up", "Move up one line")                                           \
	X(MOVE_LEFT, "Left", "Move one column left")                                   \
	X(MOVE_RIGHT, "Right", "Move one column right")                                \
	X(PAGE_DOWN, "Page", "Move down one page")                                     \
	X(PAGE_UP, "Page up", "Move up one page")                                      \
	X(NEXT_PART, "Next part", "Show the next part (of a long list of recipients)") \
	X(PREV_PART, "Prev part", "Show the part before")                              \
	X(FIRST, "First", "Go to the first line")                                      \
	X(LAST, "Last", "Go to the last line")                                         \
	X(OPEN, "Open", "Open what is selected")                                       \
	X(CONTENT, "Message", "Show the message's headers and body")                   \
	X(SUMMARY, "Summary", "Summary: by domain and age, by cause")                  \
	X(SUMMARY_BY, "Senders", "Summary: recipient or sender domains (qshape -s)")   \
	X(SUMMARY_QUEUE, "Queue", "Summary: every queue, or each in turn (qshape's)")  \
	X(CODES, "Codes", "Browse the reply codes and causes")                         \
	X(SOURCES, "Sources", "Sources: each one's state and errors")                  \
	X(OUTCOMES, "Outcomes", "List the last action's outcomes")                     \
	X(SORT_NEXT, "Sort", "Sort by the next column")                                \
	X(SORT_REVERSE, "Reverse", "Reverse the order")                                \
	X(TAG, "Tag", "Tag or untag the message, go down")                             \
	X(TAG_ALL, "Tag all", "Tag every message shown")                               \
	X(TAG_INVERT, "Flip tags", "Flip the tags of those shown")                     \
	X(UNTAG_ALL, "Untag", "Remove every tag")                                      \
	X(FILTER, "Filter", "Filter the list (docs/filter.md)")                        \
	X(SEARCH, "Search", "Search the text")                                         \
	X(SEARCH_NEXT, "Next", "Go to the next match of the search")                   \
	X(SEARCH_PREV, "Prev", "Go to the previous match of the search")               \
	X(COMMAND, "Command", "Type a command (Tab lists them)")                       \
	X(ACT_RETRY, "Retry", "Retry now: tagged, else this one")                      \
	X(ACT_HOLD, "Hold", "Hold: tagged, else this one")                             \
	X(ACT_RELEASE, "Release", "Release from hold")                                 \
	X(ACT_REQUEUE, "Requeue", "Requeue (process again)")                           \
	X(ACT_EXPIRE, "Expire", "Expire (return to sender)")                           \
	X(ACT_RELEASE_RETRY, "Wake", "Release from hold and retry now")                \
	X(ACT_EXPIRE_NOW, "Exp now", "Expire now: return to sender at once")           \
	X(ACT_DELETE, "Delete", "Delete")                                              \
	X(ACT_PRIORITY_UP, "Prio+", "Priority up")                                     \
	X(ACT_PRIORITY_DOWN, "Prio-", "Priority down")                                 \
	X(BACK, "Back", "Close this view; on the first one, quit")                     \
	X(CLOSE, "Close", "Close this view (never quits)")                             \
	X(REFRESH, "Refresh", "List the queue again")                                  \
	X(REDRAW, "Redraw", "Redraw the screen")                                       \
	X(HELP, "Help", "Show the keys of this view")                                  \
	X(QUIT, "Quit", "Quit mailroom")

enum request {
	REQ_NONE,
#define X(name, bar, help) REQ_##name,
	MR_REQUESTS(X)
#undef X
		REQ_COUNT
};

/* Where a binding holds: everywhere ("generic"), or in one view, whose
 * bindings come before generic's. */
enum keymap {
	KEYMAP_GENERIC,
#define X(name, text, ops) KEYMAP_##name,
	MR_VIEWS(X)
#undef X
		KEYMAP_COUNT
};

/* The request key is bound to in keymap, else in generic; REQ_NONE. */
enum request key_request(enum keymap keymap, int key);
/* Binds key to req in keymap (REQ_NONE unbinds it there). */
void key_bind(enum keymap keymap, int key, enum request req);
/* Forgets every binding (before the configuration is read again). */
void keys_reset(void);

const char *request_help(enum request req);
/* The word of the key bar: "Filter". */
const char *request_bar(enum request req);
/* "move-down" */
const char *request_name(enum request req);
/* "move-down" -> REQ_MOVE_DOWN, "none" -> REQ_NONE; false when unknown. */
bool request_parse(const char *name, enum request *req);
bool keymap_parse(const char *name, enum keymap *keymap);
const char *keymap_name(enum keymap keymap);

/* "j", "Down", "Ctrl-F", "F1", "Space" -> a curses key; false when unknown. */
bool key_parse(const char *name, int *key);
/* "j, Down" — the keys bound to req in keymap, for the help view. */
void request_keys(enum keymap keymap, enum request req, char *out, size_t size);
/* The first key bound to req in keymap ("Enter"), or "" when none. */
void request_first_key(enum keymap keymap, enum request req, char *out, size_t size);
/* A key's name as the configuration writes it: "Ctrl-F", "PgDn", "j". */
void key_label(int key, char *out, size_t size);

#endif
