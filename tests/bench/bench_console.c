/*
 * From keystroke to redrawn screen on a big queue: the screen's own code
 * (app_set_filter, app_handle, app_draw, the real curses drawing into a
 * 200x50 terminal whose output goes to /dev/null) on a snapshot loaded from
 * a postqueue -j file. Prints the time of each step; asserts nothing.
 *
 *   build/tools/mailroom-gen --postqueue-json --count 1000000 /tmp/q.jsonl
 *   build/tests/bench-console /tmp/q.jsonl
 *
 * Typing a filter goes through the real '/' prompt (libedit), its keys fed
 * to curses: on a queue this big the note under the prompt checks each key
 * and Enter applies the filter (tui/commands.c, LIVE_FILTER_MAX).
 */

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "draw.h"
#include "kb.h"
#include "postqueue.h"
#include "registry.h"
#include "xalloc.h"

static double seconds(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct mr_snapshot *load(const char *path) {
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		perror(path);
		exit(1);
	}
	struct mr_snapshot *snap = mr_snapshot_create();
	struct mr_postqueue_reader reader;
	mr_postqueue_reader_init(&reader, snap, "postqueue -j output");
	static char chunk[1 << 16];
	size_t n;
	bool ok = true;
	while (ok && (n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		ok = mr_postqueue_feed(&reader, chunk, n);
	}
	ok = ok && mr_postqueue_end(&reader);
	fclose(f);
	if (!ok) {
		fprintf(stderr, "bench-console: %s: %s\n", path, reader.error);
		exit(1);
	}
	mr_postqueue_reader_finish(&reader);
	mr_snapshot_finish(snap);
	return snap;
}

/* One keystroke: what it changes, then the redraw. Returns milliseconds. */
static double key(struct app *app, enum request req) {
	double t = seconds();
	app_handle(app, req);
	app_draw(app);
	return (seconds() - t) * 1e3;
}

static double key_worst, key_total;
static size_t key_count;

static void on_key(double ms) {
	key_total += ms;
	key_count++;
	key_worst = ms > key_worst ? ms : key_worst;
}

/* Typing expr at the '/' prompt and pressing Enter, the keys fed to curses
 * as if typed: each key's time to the redrawn screen (the prompt's note
 * says whether the filter parses, and where not), then Enter's (the filter
 * applied, the list redrawn). */
static void type_filter(struct app *app, const char *expr) {
	key_worst = key_total = 0;
	key_count = 0;
	prompt_key_timer = on_key;
	ungetch('\r'); /* ungetch is last in, first out */
	for (size_t i = strlen(expr); i > 0; i--) {
		ungetch((unsigned char)expr[i - 1]);
	}
	app_prompt(app, '/');
	app_draw(app);
	double enter = seconds() * 1e3 - prompt_last_key_at(app->prompt);
	prompt_key_timer = NULL;
	printf("bench-console: typing \"%s\": %zu keys, worst %.2f ms, mean %.2f ms; Enter "
	       "(applied, redrawn) %.1f ms; %zu rows\n",
		expr, key_count, key_worst, key_count ? key_total / (double)key_count : 0.0, enter,
		app->rows.n_rows);
}

int main(int argc, char **argv) {
	if (argc != 2) {
		fprintf(stderr, "usage: bench-console FILE (from mailroom-gen --postqueue-json)\n");
		return 2;
	}
	mr_kb_default();
	double t = seconds();
	struct mr_snapshot *snap = load(argv[1]);
	printf("bench-console: %zu messages, %zu recipients loaded in %.2f s\n", snap->n_messages,
		snap->n_recipients, seconds() - t);

	/* A terminal of 200x50 whose output nobody reads. */
	setenv("TERM", "xterm-256color", 0);
	setenv("LINES", "50", 1);
	setenv("COLUMNS", "200", 1);
	FILE *out = fopen("/dev/null", "w"), *in = fopen("/dev/null", "r");
	SCREEN *screen = newterm(NULL, out, in);
	if (screen == NULL) {
		fprintf(stderr, "bench-console: no terminal description for TERM\n");
		return 1;
	}
	draw_init();
	char *cause = NULL;
	struct mr_source *src = mr_source_open(mr_backend_registry, "demo:10", NULL, &cause);
	/* The prompt's history goes to a directory of the bench's own. */
	char state[] = "/tmp/bench-console.XXXXXX";
	if (mkdtemp(state) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	setenv("XDG_STATE_HOME", state, 1);
	struct app app;
	struct app_settings settings = { .refresh = 0, .confirm_all = true, .keybar = true };
	t = seconds();
	app_init(&app, src, snap, NULL, &settings);
	app.prompt = prompt_open();
	app_draw(&app);
	printf("bench-console: the first screen (ids sorted once, then by age): %.1f ms\n",
		(seconds() - t) * 1e3);

	static const char *const filters[] = { "domain:gmail.com cat:rate-limited",
		"queue:deferred age:>2h", "code:4.7.*", "-cat:rate-limited", "from:news",
		"reason:\"try again\"" };
	for (size_t i = 0; i < sizeof(filters) / sizeof(*filters); i++) {
		type_filter(&app, filters[i]);
	}
	struct mr_filter_error err;
	app_set_filter(&app, "", &err);

	double worst = 0;
	for (int s = 0; s < MR_SORT_COUNT; s++) {
		double ms = key(&app, REQ_SORT_NEXT);
		printf("bench-console: s (sort by %s): %.1f ms\n", mr_sort_name(app.rows.sort), ms);
		worst = ms > worst ? ms : worst;
	}
	double rev = key(&app, REQ_SORT_REVERSE);
	printf("bench-console: S (reverse): %.1f ms; worst sort %.1f ms\n", rev,
		rev > worst ? rev : worst);

	double page_worst = 0, page_total = 0;
	for (int i = 0; i < 200; i++) {
		double ms = key(&app, i < 100 ? REQ_PAGE_DOWN : REQ_PAGE_UP);
		page_total += ms;
		page_worst = ms > page_worst ? ms : page_worst;
	}
	double end = key(&app, REQ_LAST), home = key(&app, REQ_FIRST);
	printf("bench-console: paging: 200 pages, worst %.2f ms, mean %.2f ms; G %.2f ms, g "
	       "%.2f ms\n",
		page_worst, page_total / 200, end, home);
	double tag_all = key(&app, REQ_TAG_ALL);
	printf("bench-console: T (tag all %zu): %.1f ms\n", app.rows.n_tagged, tag_all);

	cause = NULL;
	prompt_close(app.prompt, &cause);
	free(cause);
	char *history = mr_xasprintf("%s/mailroom/history", state);
	char *dir = mr_xasprintf("%s/mailroom", state);
	unlink(history);
	rmdir(dir);
	rmdir(state);
	free(history);
	free(dir);
	endwin();
	delscreen(screen);
	fclose(out);
	fclose(in);
	app.prompt = NULL;
	app_finish(&app); /* and the snapshot */
	mr_source_destroy(src);
	return 0;
}
