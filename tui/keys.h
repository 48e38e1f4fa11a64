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

/* name in the configuration: MOVE_DOWN is "move-down" */
#define MR_REQUESTS(X)                                     \
	X(MOVE_DOWN, "Move down one line")                 \
	X(MOVE_UP, "Move up one line")                     \
	X(MOVE_LEFT, "Move one column left")               \
	X(MOVE_RIGHT, "Move one column right")             \
	X(PAGE_DOWN, "Move down one page")                 \
	X(PAGE_UP, "Move up one page")                     \
	X(FIRST, "Go to the first line")                   \
	X(LAST, "Go to the last line")                     \
	X(OPEN, "Show the selected message in detail")     \
	X(CONTENT, "Show the message's headers and body")  \
	X(SUMMARY, "Summary: by domain and age, by cause") \
	X(CODES, "Browse the reply codes and causes")      \
	X(SORT_NEXT, "Sort by the next column")            \
	X(SORT_REVERSE, "Reverse the order")               \
	X(TAG, "Tag or untag the message, go down")        \
	X(TAG_ALL, "Tag every message shown")              \
	X(TAG_INVERT, "Flip the tags of those shown")      \
	X(UNTAG_ALL, "Remove every tag")                   \
	X(FILTER, "Filter the list (docs/filter.md)")      \
	X(COMMAND, "Type a command (Tab lists them)")      \
	X(ACT_RETRY, "Retry now: tagged, else this one")   \
	X(ACT_HOLD, "Hold: tagged, else this one")         \
	X(ACT_RELEASE, "Release from hold")                \
	X(ACT_REQUEUE, "Requeue (process again)")          \
	X(ACT_EXPIRE, "Expire (return to sender)")         \
	X(ACT_DELETE, "Delete (asks first)")               \
	X(ACT_PRIORITY_UP, "Priority up")                  \
	X(ACT_PRIORITY_DOWN, "Priority down")              \
	X(OUTCOMES, "List the last action's outcomes")     \
	X(SOURCES, "Sources: each one's state and errors") \
	X(BACK, "Close this view (quit from the list)")    \
	X(REFRESH, "List the queue again")                 \
	X(REDRAW, "Redraw the screen")                     \
	X(HELP, "Show this help")                          \
	X(QUIT, "Quit mailroom")

enum request {
	REQ_NONE,
#define X(name, help) REQ_##name,
	MR_REQUESTS(X)
#undef X
		REQ_COUNT
};

/* Where a binding holds: everywhere, or in one view (before generic). */
#define MR_KEYMAPS(X)         \
	X(GENERIC, "generic") \
	X(LIST, "list")       \
	X(DETAIL, "detail")   \
	X(CONTENT, "content") \
	X(SUMMARY, "summary") X(CODES, "codes") X(HELP, "help") X(OUTCOMES, "outcomes")

enum keymap {
#define X(name, text) KEYMAP_##name,
	MR_KEYMAPS(X)
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
/* "move-down" -> REQ_MOVE_DOWN, "none" -> REQ_NONE; false when unknown. */
bool request_parse(const char *name, enum request *req);
bool keymap_parse(const char *name, enum keymap *keymap);
const char *keymap_name(enum keymap keymap);

/* "j", "Down", "Ctrl-F", "F1", "Space" -> a curses key; false when unknown. */
bool key_parse(const char *name, int *key);
/* "j, Down" — the keys bound to req in keymap, for the help view. */
void request_keys(enum keymap keymap, enum request req, char *out, size_t size);

#endif
