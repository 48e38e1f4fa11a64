/* What the prompt does: '/' edits the filter, ':' runs a command; the
 * notes shown while typing and the words Tab offers. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "buf.h"
#include "config.h"
#include "kb.h"
#include "operate.h"
#include "xalloc.h"

/* Up to this many messages the list follows the filter as it is typed;
 * above, Enter applies it (a bare word on a million messages is a full
 * search of every field, longer than a keystroke should take). */
enum { LIVE_FILTER_MAX = 100000 };

/* A command runs a function of its own or does what a key does. */
struct command {
	const char *name;
	const char *args; /* for the note: "COLUMN [reverse]" */
	void (*run)(struct app *app, const char *args);
	enum request req; /* when run is NULL */
};

static void run_filter(struct app *app, const char *args);
static void run_sort(struct app *app, const char *args);
static void run_refresh(struct app *app, const char *args);
static void run_codes(struct app *app, const char *args);

static const struct command commands[] = {
	{ "filter", "[EXPR]", run_filter, REQ_NONE },
	{ "sort", "COLUMN [reverse]", run_sort, REQ_NONE },
	{ "tag", "(every message shown)", NULL, REQ_TAG_ALL },
	{ "untag", "(every message)", NULL, REQ_UNTAG_ALL },
	{ "refresh", "[SECONDS | off] (list now, or every SECONDS)", run_refresh, REQ_NONE },
	{ "codes", "[QUERY] (the code browser)", run_codes, REQ_NONE },
	{ "summary", "(by domain and age, by cause)", NULL, REQ_SUMMARY },
	{ "help", "", NULL, REQ_HELP },
	{ "quit", "", NULL, REQ_QUIT },
};

/* The note under construction for the prompt (one at a time). */
static struct mr_buf note;

static void note_clear(void) {
	if (note.data == NULL) {
		mr_buf_init(&note);
	}
	mr_buf_clear(&note);
}

/* --- '/': the filter --------------------------------------------------------------- */

static const char *filter_note(struct app *app, const char *expr, bool apply, bool *error) {
	struct mr_filter_error err;
	note_clear();
	struct mr_filter *f = mr_filter_parse(expr, mr_kb_default(), &err);
	if (f == NULL) {
		*error = true;
		mr_buf_printf(&note, "column %zu: %s", err.pos + 1, err.message);
		return note.data;
	}
	mr_filter_free(f);
	if (apply) {
		app_set_filter(app, expr, &err);
		mr_buf_printf(&note, "%zu shown; Enter keeps it, Esc goes back", app->list.n_rows);
	} else {
		mr_buf_add_str(&note, "Enter applies it");
	}
	return note.data;
}

/* What the filter words can be: keys, and after cat:, queue: or source:
 * their values. */
static size_t filter_words(const struct mr_snapshot *snap, const char *word, size_t len,
	const char **words, size_t max) {
	size_t n = 0;
	const char *colon = memchr(word, ':', len);
	if (colon == NULL) {
		for (size_t i = 0; mr_filter_keys[i] != NULL && n < max; i++) {
			if (strncmp(mr_filter_keys[i], word, len) == 0) {
				words[n++] = mr_filter_keys[i];
			}
		}
		return n;
	}
	static char *values[256];
	static size_t n_values;
	for (size_t i = 0; i < n_values; i++) {
		free(values[i]);
	}
	n_values = 0;
	size_t key_len = (size_t)(colon - word) + 1;
	const char *typed = colon + 1;
	size_t typed_len = len - key_len;
	const struct mr_kb *kb = mr_kb_default();
	if (key_len == 4 && strncmp(word, "cat:", 4) == 0) {
		for (size_t i = 0; i < kb->n_categories && n_values < 256; i++) {
			if (strncmp(kb->categories[i].name, typed, typed_len) == 0) {
				values[n_values++] = mr_xasprintf("cat:%s", kb->categories[i].name);
			}
		}
	} else if (key_len == 6 && strncmp(word, "queue:", 6) == 0) {
		for (int q = 0; q < MR_QUEUE_COUNT && n_values < 256; q++) {
			if (strncmp(mr_queue_name((enum mr_queue)q), typed, typed_len) == 0) {
				values[n_values++] =
					mr_xasprintf("queue:%s", mr_queue_name((enum mr_queue)q));
			}
		}
	} else if (key_len == 7 && strncmp(word, "source:", 7) == 0) {
		for (size_t o = 0; o < snap->n_origins && n_values < 256; o++) {
			if (strncmp(snap->origins[o], typed, typed_len) == 0) {
				values[n_values++] = mr_xasprintf("source:%s", snap->origins[o]);
			}
		}
	}
	for (size_t i = 0; i < n_values && n < max; i++) {
		words[n++] = values[i];
	}
	return n;
}

/* --- ':': commands ----------------------------------------------------------------- */

static const struct command *find_command(const char *name, size_t len) {
	for (size_t i = 0; i < sizeof(commands) / sizeof(*commands); i++) {
		if (strlen(commands[i].name) == len && strncmp(commands[i].name, name, len) == 0) {
			return &commands[i];
		}
	}
	return NULL;
}

static bool is_operation(const char *name, size_t len) {
	for (size_t i = 0; mr_operation_names[i] != NULL; i++) {
		if (strlen(mr_operation_names[i]) == len &&
			strncmp(mr_operation_names[i], name, len) == 0) {
			return true;
		}
	}
	return false;
}

static const char *command_note(struct app *app, const char *line, bool *error) {
	note_clear();
	size_t len = strcspn(line, " ");
	if (len == 0) {
		return "a command; Tab lists them";
	}
	const struct command *c = find_command(line, len);
	if (c != NULL) {
		if (c->run == run_filter && line[len] != '\0') {
			return filter_note(app, line + len + 1, false, error);
		}
		mr_buf_printf(&note, "%s %s", c->name, c->args);
		return note.data;
	}
	if (is_operation(line, len)) {
		struct mr_operation op;
		char *name = mr_xstrndup(line, len);
		mr_operation_parse(name, &op);
		char *why = NULL;
		bool can = mr_operation_plan(app->source, &op, &why);
		size_t tagged = app->list.n_tagged;
		if (!can) {
			*error = true;
			mr_buf_add_str(&note, why);
		} else {
			mr_buf_printf(&note, "%s %s%s%s", name,
				tagged ? "the tagged messages" : "this message", why ? "; " : "",
				why ? why : "");
		}
		free(why);
		free(name);
		return note.data;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(*commands); i++) {
		if (strncmp(commands[i].name, line, len) == 0) {
			return "Tab completes it";
		}
	}
	*error = true;
	mr_buf_printf(&note, "no such command: %.*s", (int)len, line);
	return note.data;
}

static size_t command_words(const struct app *app, const char *line, size_t start, size_t end,
	const char **words, size_t max) {
	size_t n = 0;
	const char *word = line + start;
	size_t len = end - start;
	if (start == 0) {
		for (size_t i = 0; i < sizeof(commands) / sizeof(*commands) && n < max; i++) {
			if (strncmp(commands[i].name, word, len) == 0) {
				words[n++] = commands[i].name;
			}
		}
		/* Only the actions this source can do are offered. */
		for (size_t i = 0; mr_operation_names[i] != NULL && n < max; i++) {
			struct mr_operation op;
			char *why = NULL;
			mr_operation_parse(mr_operation_names[i], &op);
			bool can = mr_operation_plan(app->source, &op, &why);
			free(why);
			if (can && strncmp(mr_operation_names[i], word, len) == 0) {
				words[n++] = mr_operation_names[i];
			}
		}
		return n;
	}
	size_t verb = strcspn(line, " ");
	if (verb == 4 && strncmp(line, "sort", 4) == 0) {
		for (int s = 0; s < MR_SORT_COUNT && n < max; s++) {
			if (strncmp(mr_sort_name((enum mr_sort)s), word, len) == 0) {
				words[n++] = mr_sort_name((enum mr_sort)s);
			}
		}
		return n;
	}
	if (verb == 6 && strncmp(line, "filter", 6) == 0) {
		return filter_words(app->snap, word, len, words, max);
	}
	return 0;
}

static void run_filter(struct app *app, const char *args) {
	struct mr_filter_error err;
	if (!app_set_filter(app, args, &err)) {
		app_set_message(app, "filter: column %zu: %s", err.pos + 1, err.message);
	}
}

static void run_sort(struct app *app, const char *args) {
	char name[32] = "";
	char dir[16] = "";
	sscanf(args, "%31s %15s", name, dir);
	for (int s = 0; s < MR_SORT_COUNT; s++) {
		if (strcmp(mr_sort_name((enum mr_sort)s), name) == 0) {
			const struct mr_message *current = app_current(app);
			mr_rows_sort(&app->list, (enum mr_sort)s,
				strcmp(dir, "reverse") == 0 || strcmp(dir, "rev") == 0);
			if (current != NULL) {
				app_keep_cursor(app, (uint32_t)(current - app->snap->messages));
			}
			return;
		}
	}
	app_set_message(app, "sort: no column \"%s\" (Tab lists them)", name);
}

static void run_refresh(struct app *app, const char *args) {
	if (*args == '\0') {
		app_refresh_now(app, true);
		return;
	}
	int seconds = 0;
	if (strcmp(args, "off") != 0 && !config_parse_seconds(args, &seconds)) {
		app_set_message(app, "refresh: \"%s\" is not a number of seconds (0 to %d) or off",
			args, CONFIG_REFRESH_MAX);
		return;
	}
	app_set_refresh(app, seconds);
	if (seconds == 0) {
		app_set_message(app, "listed again only on r");
	} else {
		app_set_message(app, "listed again every %ds", seconds);
	}
}

static void run_codes(struct app *app, const char *args) {
	codes_open(app, args);
}

/* A command line: a command of the table, or an action word. */
static void run_command(struct app *app, const char *line) {
	while (*line == ' ') {
		line++;
	}
	size_t len = strcspn(line, " ");
	const char *args = line + len + strspn(line + len, " ");
	const struct command *c = find_command(line, len);
	if (c != NULL && c->run != NULL) {
		c->run(app, args);
	} else if (c != NULL) {
		app_handle(app, c->req);
	} else if (is_operation(line, len)) {
		char *name = mr_xstrndup(line, len);
		app_act(app, name);
		free(name);
	} else if (len > 0) {
		app_set_message(app, "no such command: %.*s (Tab lists them)", (int)len, line);
	}
}

/* --- the prompt's hooks -------------------------------------------------------------- */

static void draw_hook(void *ctx) {
	app_draw(ctx);
}

static const char *edited_hook(void *ctx, char kind, const char *line, bool *error) {
	struct app *app = ctx;
	if (kind == '?') {
		/* The knowledge base is small: the browser follows the typing. */
		codes_search(app, line);
		note_clear();
		mr_buf_printf(&note, "%zu found; Enter keeps it, Esc goes back", app->codes_found);
		return note.data;
	}
	if (kind == '/') {
		return filter_note(app, line, app->snap->n_messages <= LIVE_FILTER_MAX, error);
	}
	return command_note(app, line, error);
}

static size_t complete_hook(void *ctx, char kind, const char *line, size_t start, size_t end,
	const char **words, size_t max) {
	if (kind == '/') {
		return filter_words(
			((struct app *)ctx)->snap, line + start, end - start, words, max);
	}
	if (kind == '?') {
		return 0;
	}
	return command_words(ctx, line, start, end, words, max);
}

void app_prompt(struct app *app, char kind) {
	if (app->prompt == NULL) {
		return;
	}
	static const struct prompt_hooks hooks_template = { NULL, draw_hook, edited_hook,
		complete_hook };
	struct prompt_hooks hooks = hooks_template;
	hooks.ctx = app;
	const char *was = kind == '/' ? app->filter_text : kind == '?' ? app->codes_query : NULL;
	char *before = was != NULL ? mr_xstrdup(was) : NULL;
	char *line = prompt_read(app->prompt, kind, before, &hooks);
	struct mr_filter_error err;
	if (kind == '/') {
		if (line == NULL) {
			/* Esc: back to the filter there was (the list may have
			 * followed the typing). */
			app_set_filter(app, before ? before : "", &err);
		} else if (!app_set_filter(app, line, &err)) {
			struct mr_filter_error unused;
			app_set_filter(app, before ? before : "", &unused);
			app_set_message(app, "filter: column %zu: %s", err.pos + 1, err.message);
		} else if (app->filter != NULL) {
			app_set_message(app, "%zu message%s", app->list.n_rows,
				app->list.n_rows == 1 ? " matches" : "s match");
		}
	} else if (kind == '?') {
		codes_search(app, line != NULL ? line : before);
	} else if (line != NULL) {
		run_command(app, line);
	}
	free(line);
	free(before);
}
