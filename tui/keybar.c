/*
 * The key bar: one line at the bottom with the keys the view on top takes,
 * as htop, nano and mc show them ("? Help  Enter Open  / Filter ..."). It is
 * made from the view's bar list and the bindings in force, so a key the
 * operator rebound shows as rebound.
 */

#include <string.h>

#include "app.h"
#include "draw.h"

enum { MAX_ENTRIES = 24 };

struct entry {
	char key[16];
	const char *word;
};

static int entry_width(const struct entry *e) {
	return (int)(strlen(e->key) + 1 + strlen(e->word) + 2);
}

static int draw_entry(int y, int x, const struct entry *e) {
	int used = draw_str(stdscr, y, x, COLS - x, e->key, STYLE_KEY, A_NORMAL);
	used += draw_str(stdscr, y, x + used, COLS - x - used, " ", STYLE_KEYBAR, A_NORMAL);
	used += draw_str(stdscr, y, x + used, COLS - x - used, e->word, STYLE_KEYBAR, A_NORMAL);
	return used + 2;
}

/* The entries of the view on top that have a key. */
static size_t entries(const struct app *app, struct entry *out) {
	const struct view *top = app_top(app);
	size_t n = 0;
	for (const enum request *r = top->ops->bar; *r != REQ_NONE && n < MAX_ENTRIES; r++) {
		request_first_key(top->keymap, *r, out[n].key, sizeof(out[n].key));
		if (out[n].key[0] == '\0') {
			continue;
		}
		/* q closes a view, and quits from the first. */
		out[n].word = *r == REQ_BACK && app->depth == 1 ? "Quit" : request_bar(*r);
		n++;
	}
	return n;
}

void keybar_draw(struct app *app, int y) {
	draw_fill(stdscr, y, 0, COLS, STYLE_KEYBAR, A_NORMAL);
	if (app->question.text != NULL) {
		static const struct entry answers[] = { { "y", "Yes" }, { "any other key", "No" } };
		int x = 1;
		for (size_t i = 0; i < 2; i++) {
			x += draw_entry(y, x, &answers[i]);
		}
		return;
	}
	struct entry all[MAX_ENTRIES];
	size_t n = entries(app, all);
	/* The first and the last (help, and the way out) always; those in
	 * between while they fit, in the order the view wants them. */
	int room = COLS - 1;
	bool keep[MAX_ENTRIES] = { false };
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || i + 1 == n) {
			keep[i] = true;
			room -= entry_width(&all[i]);
		}
	}
	for (size_t i = 1; i + 1 < n && entry_width(&all[i]) <= room; i++) {
		keep[i] = true;
		room -= entry_width(&all[i]);
	}
	int x = 1;
	for (size_t i = 0; i < n && x < COLS; i++) {
		if (keep[i]) {
			x += draw_entry(y, x, &all[i]);
		}
	}
}
