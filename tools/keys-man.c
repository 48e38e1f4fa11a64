/*
 * The man page's list of keys, made from what the screen's help is made
 * from: the built-in share/config (the bindings) and the views' tables of
 * requests (tui/views/views.h). tests/keys.sh compares it with the block between
 * the ".\" keys: begin" and ".\" keys: end" lines of share/mailroom.1, so
 * that the man page, the help screen and the key bar cannot disagree.
 *
 *   build/tools/keys-man
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blob.h"
#include "config.h"
#include "keys.h"
#include "view.h"

/* A key's name as roff shows it: '-' is a minus to roff, '\' an escape. */
static void put_key(const char *key) {
	for (const char *p = key; *p; p++) {
		if (*p == '-' || *p == '\\') {
			putchar('\\');
		}
		putchar(*p);
	}
}

/* "j, Down" as ".BR j ", " Down": each key bold, the commas not. */
static void put_keys(const char *keys) {
	fputs(strchr(keys, ',') != NULL ? ".BR " : ".B ", stdout);
	for (const char *p = keys; *p;) {
		size_t len = strcspn(p, ",");
		char *one = strndup(p, len);
		put_key(one);
		free(one);
		p += len;
		if (*p == ',') {
			fputs(" \", \" ", stdout);
			p += strspn(p, ", ");
		}
	}
	putchar('\n');
}

static void put_requests(const char *title, enum keymap keymap, const enum request *reqs) {
	printf(".SS \"%s\"\n", title);
	bool first = true;
	for (const enum request *r = reqs; *r != REQ_NONE; r++) {
		char keys[128];
		request_keys(keymap, *r, keys, sizeof(keys));
		if (keys[0] == '\0') {
			continue;
		}
		puts(first ? ".TP 22" : ".TQ");
		first = false;
		put_keys(keys);
		printf("%s.\n", request_help(*r));
	}
}

int main(void) {
	struct config config;
	char *cause = NULL;
	const struct mr_blob *builtin = mr_blob_find("config");
	config = (struct config){ 0 };
	keys_reset();
	if (builtin == NULL || !config_read(&config, "share/config", (const char *)builtin->data,
				       builtin->len, &cause)) {
		fprintf(stderr, "keys-man: %s\n", cause ? cause : "share/config is not built in");
		return 1;
	}
	for (size_t i = 0; view_table[i] != NULL; i++) {
		char title[128];
		snprintf(title, sizeof(title), "Keys in %s", view_table[i]->what);
		put_requests(title, (enum keymap)(KEYMAP_GENERIC + 1 + i), view_table[i]->requests);
	}
	put_requests("Keys in every view", KEYMAP_LIST, view_global_requests);
	config_finish(&config);
	return 0;
}
