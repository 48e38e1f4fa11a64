#ifndef MR_TUI_KEYS_H
#define MR_TUI_KEYS_H

/*
 * What keys ask for. Requests and their default bindings are tables, in the
 * manner of tig's request list; the help view is generated from them.
 */

#include <stddef.h>

#define MR_REQUESTS(X)                                    \
	X(MOVE_DOWN, "Move down one line")                \
	X(MOVE_UP, "Move up one line")                    \
	X(PAGE_DOWN, "Move down one page")                \
	X(PAGE_UP, "Move up one page")                    \
	X(FIRST, "Go to the first line")                  \
	X(LAST, "Go to the last line")                    \
	X(OPEN, "Show the selected message in detail")    \
	X(CONTENT, "Show the message's headers and body") \
	X(SORT_NEXT, "Sort by the next column")           \
	X(SORT_REVERSE, "Reverse the order")              \
	X(TAG, "Tag or untag the message, go down")       \
	X(TAG_ALL, "Tag every message shown")             \
	X(TAG_INVERT, "Flip the tags of those shown")     \
	X(UNTAG_ALL, "Remove every tag")                  \
	X(FILTER, "Filter the list (docs/filter.md)")     \
	X(COMMAND, "Type a command (Tab lists them)")     \
	X(ACT_RETRY, "Retry now: tagged, else this one")  \
	X(ACT_HOLD, "Hold: tagged, else this one")        \
	X(ACT_RELEASE, "Release from hold")               \
	X(ACT_REQUEUE, "Requeue (process again)")         \
	X(ACT_EXPIRE, "Expire (return to sender)")        \
	X(ACT_DELETE, "Delete (asks first)")              \
	X(ACT_PRIORITY_UP, "Priority up")                 \
	X(ACT_PRIORITY_DOWN, "Priority down")             \
	X(OUTCOMES, "List the last action's outcomes")    \
	X(BACK, "Close this view (quit from the list)")   \
	X(REFRESH, "List the queue again")                \
	X(REDRAW, "Redraw the screen")                    \
	X(HELP, "Show this help")                         \
	X(QUIT, "Quit mailroom")

enum request {
	REQ_NONE,
#define X(name, help) REQ_##name,
	MR_REQUESTS(X)
#undef X
		REQ_COUNT
};

struct key_binding {
	int key;
	enum request request;
};

enum request key_request(int key);
const char *request_help(enum request req);
/* "j, Down" — every key bound to req, for the help view. */
void request_keys(enum request req, char *out, size_t size);

#endif
