#include "keys.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>

#define CTRL(c) ((c)&0x1f)

static const char *const request_helps[REQ_COUNT] = { [REQ_NONE] = "",
#define X(name, help) [REQ_##name] = help,
	MR_REQUESTS(X)
#undef X
};

/* In the order the help lists them. */
static const struct key_binding default_bindings[] = {
	{ 'j', REQ_MOVE_DOWN },
	{ KEY_DOWN, REQ_MOVE_DOWN },
	{ 'k', REQ_MOVE_UP },
	{ KEY_UP, REQ_MOVE_UP },
	{ KEY_NPAGE, REQ_PAGE_DOWN },
	{ ' ', REQ_PAGE_DOWN },
	{ CTRL('f'), REQ_PAGE_DOWN },
	{ KEY_PPAGE, REQ_PAGE_UP },
	{ CTRL('b'), REQ_PAGE_UP },
	{ 'g', REQ_FIRST },
	{ KEY_HOME, REQ_FIRST },
	{ 'G', REQ_LAST },
	{ KEY_END, REQ_LAST },
	{ '\n', REQ_OPEN },
	{ '\r', REQ_OPEN },
	{ KEY_ENTER, REQ_OPEN },
	{ KEY_RIGHT, REQ_OPEN },
	{ 'm', REQ_CONTENT },
	{ 's', REQ_SORT_NEXT },
	{ 'S', REQ_SORT_REVERSE },
	{ 't', REQ_TAG },
	{ KEY_IC, REQ_TAG },
	{ 'T', REQ_TAG_ALL },
	{ '*', REQ_TAG_INVERT },
	{ 'u', REQ_UNTAG_ALL },
	{ '/', REQ_FILTER },
	{ ':', REQ_COMMAND },
	{ 'F', REQ_ACT_RETRY },
	{ 'H', REQ_ACT_HOLD },
	{ 'U', REQ_ACT_RELEASE },
	{ 'R', REQ_ACT_REQUEUE },
	{ 'E', REQ_ACT_EXPIRE },
	{ 'D', REQ_ACT_DELETE },
	{ '+', REQ_ACT_PRIORITY_UP },
	{ '-', REQ_ACT_PRIORITY_DOWN },
	{ 'o', REQ_OUTCOMES },
	{ 'q', REQ_BACK },
	{ 27, REQ_BACK },
	{ KEY_LEFT, REQ_BACK },
	{ 'r', REQ_REFRESH },
	{ CTRL('l'), REQ_REDRAW },
	{ '?', REQ_HELP },
	{ KEY_F(1), REQ_HELP },
	{ 'Q', REQ_QUIT },
};

enum request key_request(int key) {
	for (size_t i = 0; i < sizeof(default_bindings) / sizeof(*default_bindings); i++) {
		if (default_bindings[i].key == key) {
			return default_bindings[i].request;
		}
	}
	return REQ_NONE;
}

const char *request_help(enum request req) {
	return (unsigned)req < REQ_COUNT ? request_helps[req] : "";
}

static void binding_name(int key, char *out, size_t size) {
	static const struct {
		int key;
		const char *name;
	} names[] = {
		{ KEY_DOWN, "Down" },
		{ KEY_UP, "Up" },
		{ KEY_LEFT, "Left" },
		{ KEY_RIGHT, "Right" },
		{ KEY_NPAGE, "PgDn" },
		{ KEY_PPAGE, "PgUp" },
		{ KEY_HOME, "Home" },
		{ KEY_END, "End" },
		{ KEY_ENTER, "Enter" },
		{ '\n', "Enter" },
		{ '\r', "Enter" },
		{ 27, "Esc" },
		{ ' ', "Space" },
		{ KEY_F(1), "F1" },
		{ KEY_IC, "Ins" },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		if (names[i].key == key) {
			snprintf(out, size, "%s", names[i].name);
			return;
		}
	}
	if (key > 0 && key < 32) {
		snprintf(out, size, "Ctrl-%c", key + 'A' - 1);
	} else {
		snprintf(out, size, "%c", key);
	}
}

void request_keys(enum request req, char *out, size_t size) {
	size_t len = 0;
	out[0] = '\0';
	for (size_t i = 0; i < sizeof(default_bindings) / sizeof(*default_bindings); i++) {
		if (default_bindings[i].request != req) {
			continue;
		}
		char name[16];
		binding_name(default_bindings[i].key, name, sizeof(name));
		/* Enter is bound three ways; list it once. */
		if (strstr(out, name) != NULL) {
			continue;
		}
		int n = snprintf(out + len, size - len, "%s%s", len > 0 ? ", " : "", name);
		if (n < 0 || (size_t)n >= size - len) {
			break;
		}
		len += (size_t)n;
	}
}
