#include "keys.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define CTRL(c) ((c)&0x1f)

static const char *const request_helps[REQ_COUNT] = { [REQ_NONE] = "",
#define X(name, bar, help) [REQ_##name] = help,
	MR_REQUESTS(X)
#undef X
};

static const char *const request_bars[REQ_COUNT] = { [REQ_NONE] = "",
#define X(name, bar, help) [REQ_##name] = bar,
	MR_REQUESTS(X)
#undef X
};

static const char *const request_ids[REQ_COUNT] = { [REQ_NONE] = "NONE",
#define X(name, bar, help) [REQ_##name] = #name,
	MR_REQUESTS(X)
#undef X
};

static const char *const keymap_names[KEYMAP_COUNT] = { [KEYMAP_GENERIC] = "generic",
#define X(name, text, ops) [KEYMAP_##name] = text,
	MR_VIEWS(X)
#undef X
};

struct binding {
	enum keymap keymap;
	int key;
	enum request request;
};

/* In the order they were bound, which is the order the help lists them. */
static struct binding *bindings;
static size_t n_bindings, cap_bindings;

static struct binding *find(enum keymap keymap, int key) {
	for (size_t i = 0; i < n_bindings; i++) {
		if (bindings[i].keymap == keymap && bindings[i].key == key) {
			return &bindings[i];
		}
	}
	return NULL;
}

static void bind_one(enum keymap keymap, int key, enum request req) {
	struct binding *b = find(keymap, key);
	if (b != NULL) {
		b->request = req;
		return;
	}
	if (n_bindings == cap_bindings) {
		cap_bindings = cap_bindings ? 2 * cap_bindings : 64;
		bindings = mr_xreallocarray(bindings, cap_bindings, sizeof(*bindings));
	}
	bindings[n_bindings++] = (struct binding){ keymap, key, req };
}

void key_bind(enum keymap keymap, int key, enum request req) {
	bind_one(keymap, key, req);
	/* Terminals send Enter as CR, LF or the keypad's Enter: one key. */
	if (key == '\r') {
		bind_one(keymap, '\n', req);
		bind_one(keymap, KEY_ENTER, req);
	}
}

void keys_reset(void) {
	free(bindings);
	bindings = NULL;
	n_bindings = cap_bindings = 0;
}

enum request key_request(enum keymap keymap, int key) {
	const struct binding *b = find(keymap, key);
	if (b == NULL && keymap != KEYMAP_GENERIC) {
		b = find(KEYMAP_GENERIC, key);
	}
	return b != NULL ? b->request : REQ_NONE;
}

const char *request_help(enum request req) {
	return (unsigned)req < REQ_COUNT ? request_helps[req] : "";
}

const char *request_bar(enum request req) {
	return (unsigned)req < REQ_COUNT ? request_bars[req] : "";
}

const char *request_name(enum request req) {
	static char names[REQ_COUNT][24];
	if ((unsigned)req >= REQ_COUNT) {
		return "";
	}
	if (names[req][0] == '\0') {
		/* MOVE_DOWN -> move-down, made once */
		const char *id = request_ids[req];
		size_t i = 0;
		for (; id[i] && i + 1 < sizeof(names[req]); i++) {
			names[req][i] =
				id[i] == '_'
					? '-'
					: (char)(id[i] >= 'A' && id[i] <= 'Z' ? id[i] + 32 : id[i]);
		}
		names[req][i] = '\0';
	}
	return names[req];
}

/* "move-down" is MOVE_DOWN, case and '-' for '_' aside. */
static bool same_name(const char *id, const char *name) {
	for (; *id && *name; id++, name++) {
		char c = *name == '-' ? '_'
				      : (char)(*name >= 'a' && *name <= 'z' ? *name - 32 : *name);
		if (c != *id) {
			return false;
		}
	}
	return *id == '\0' && *name == '\0';
}

bool request_parse(const char *name, enum request *req) {
	for (int r = 0; r < REQ_COUNT; r++) {
		if (same_name(request_ids[r], name)) {
			*req = (enum request)r;
			return true;
		}
	}
	return false;
}

bool keymap_parse(const char *name, enum keymap *keymap) {
	for (int k = 0; k < KEYMAP_COUNT; k++) {
		if (strcmp(keymap_names[k], name) == 0) {
			*keymap = (enum keymap)k;
			return true;
		}
	}
	return false;
}

const char *keymap_name(enum keymap keymap) {
	return (unsigned)keymap < KEYMAP_COUNT ? keymap_names[keymap] : "";
}

static const struct {
	int key;
	const char *name;
} key_names[] = {
	{ KEY_DOWN, "Down" },
	{ KEY_UP, "Up" },
	{ KEY_LEFT, "Left" },
	{ KEY_RIGHT, "Right" },
	{ KEY_NPAGE, "PgDn" },
	{ KEY_PPAGE, "PgUp" },
	{ KEY_HOME, "Home" },
	{ KEY_END, "End" },
	{ '\r', "Enter" },
	{ '\n', "Enter" },
	{ KEY_ENTER, "Enter" },
	{ 27, "Esc" },
	{ ' ', "Space" },
	{ '\t', "Tab" },
	{ KEY_BTAB, "Shift-Tab" },
	{ KEY_IC, "Ins" },
	{ KEY_DC, "Del" },
	{ KEY_BACKSPACE, "Backspace" },
	{ 127, "Backspace" },
};

bool key_parse(const char *name, int *key) {
	for (size_t i = 0; i < sizeof(key_names) / sizeof(*key_names); i++) {
		if (strcmp(key_names[i].name, name) == 0) {
			*key = key_names[i].key;
			return true;
		}
	}
	if (strncmp(name, "Ctrl-", 5) == 0 && name[5] >= 'A' && name[5] <= 'Z' && name[6] == '\0') {
		*key = CTRL(name[5]);
		return true;
	}
	int f;
	char end;
	if (sscanf(name, "F%d%c", &f, &end) == 1 && f >= 1 && f <= 12) {
		*key = KEY_F(f);
		return true;
	}
	/* One printable ASCII character stands for itself. */
	if (name[0] > ' ' && name[0] < 127 && name[1] == '\0') {
		*key = name[0];
		return true;
	}
	return false;
}

void key_label(int key, char *out, size_t size) {
	for (size_t i = 0; i < sizeof(key_names) / sizeof(*key_names); i++) {
		if (key_names[i].key == key) {
			snprintf(out, size, "%s", key_names[i].name);
			return;
		}
	}
	if (key >= KEY_F(1) && key <= KEY_F(12)) {
		snprintf(out, size, "F%d", key - KEY_F0);
	} else if (key > 0 && key < 32) {
		snprintf(out, size, "Ctrl-%c", key + 'A' - 1);
	} else {
		snprintf(out, size, "%c", key);
	}
}

/* Whether name is one of the entries of the list "a, b, c". */
static bool listed(const char *list, const char *name) {
	size_t len = strlen(name);
	for (const char *p = list; *p;) {
		size_t entry = strcspn(p, ",");
		if (entry == len && strncmp(p, name, len) == 0) {
			return true;
		}
		p += entry;
		p += strspn(p, ", ");
	}
	return false;
}

void request_keys(enum keymap keymap, enum request req, char *out, size_t size) {
	size_t len = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n_bindings; i++) {
		const struct binding *b = &bindings[i];
		/* A key the view binds to something else does not do req there. */
		if (b->request != req || (b->keymap != keymap && b->keymap != KEYMAP_GENERIC) ||
			key_request(keymap, b->key) != req) {
			continue;
		}
		char name[16];
		key_label(b->key, name, sizeof(name));
		/* Enter is bound three ways; list it once. */
		if (listed(out, name)) {
			continue;
		}
		int n = snprintf(out + len, size - len, "%s%s", len > 0 ? ", " : "", name);
		if (n < 0 || (size_t)n >= size - len) {
			break;
		}
		len += (size_t)n;
	}
}

void request_first_key(enum keymap keymap, enum request req, char *out, size_t size) {
	out[0] = '\0';
	/* The view's own bindings first: they are the ones it shows. */
	for (int pass = 0; pass < 2 && out[0] == '\0'; pass++) {
		for (size_t i = 0; i < n_bindings; i++) {
			const struct binding *b = &bindings[i];
			bool here = pass == 0 ? b->keymap == keymap : b->keymap == KEYMAP_GENERIC;
			if (here && b->request == req && key_request(keymap, b->key) == req) {
				key_label(b->key, out, size);
				return;
			}
		}
	}
}
