/*
 * What the prompt does: '/' edits the filter (or searches the text of a
 * text view), ':' runs a command, '?' searches the codes; the notes shown
 * while typing and the words Tab offers.
 *
 * Commands take their arguments or refuse them: ":hold EXPR" holds what
 * EXPR matches (asking first, as every action does), ":quit now" is an
 * error in the prompt, never a quit.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "buf.h"
#include "config.h"
#include "kb.h"
#include "operate.h"
#include "pace.h"
#include "signals.h"
#include "xalloc.h"

/* Up to this many messages the list follows the filter as it is typed, and
 * a command's note counts what its filter matches; above, Enter does (a bare
 * word on a million messages is a full search of every field, longer than a
 * keystroke should take). */
enum { LIVE_FILTER_MAX = 100000 };

enum takes { TAKES_NOTHING, TAKES_OPTIONAL, TAKES_REQUIRED };

/* A command's arguments, split off its name; pos is where they start in
 * the line (for error columns). */
struct args {
	const char *text;
	size_t pos;
};

struct command {
	const char *name;
	const char *usage; /* its arguments, for the note: "COLUMN [reverse]" */
	const char *does;  /* what it does, for the note */
	enum takes takes;
	/* Checks the arguments: false with the note saying what is wrong;
	 * true with what it will do (or nothing). NULL: anything goes. */
	bool (*check)(struct app *app, const struct command *c, struct args a, struct mr_buf *note);
	void (*run)(struct app *app, const struct command *c, struct args a);
	enum request req; /* when run is NULL: what a key would ask */
};

static bool check_filter(
	struct app *app, const struct command *c, struct args a, struct mr_buf *note);
static bool check_sort(
	struct app *app, const struct command *c, struct args a, struct mr_buf *note);
static bool check_tag(struct app *app, const struct command *c, struct args a, struct mr_buf *note);
static bool check_refresh(
	struct app *app, const struct command *c, struct args a, struct mr_buf *note);
static bool check_priority(
	struct app *app, const struct command *c, struct args a, struct mr_buf *note);
static void run_filter(struct app *app, const struct command *c, struct args a);
static void run_sort(struct app *app, const struct command *c, struct args a);
static void run_tag(struct app *app, const struct command *c, struct args a);
static void run_refresh(struct app *app, const struct command *c, struct args a);
static bool check_rate(
	struct app *app, const struct command *c, struct args a, struct mr_buf *note);
static void run_rate(struct app *app, const struct command *c, struct args a);
static void run_codes(struct app *app, const struct command *c, struct args a);
static void run_priority(struct app *app, const struct command *c, struct args a);

static const struct command commands[] = {
	{ "filter", "[EXPR]", "filters the list (none: every message)", TAKES_OPTIONAL,
		check_filter, run_filter, REQ_NONE },
	{ "sort", "COLUMN [reverse]", "orders the list", TAKES_REQUIRED, check_sort, run_sort,
		REQ_NONE },
	{ "tag", "[EXPR]", "tags every message shown, or what EXPR matches", TAKES_OPTIONAL,
		check_tag, run_tag, REQ_NONE },
	{ "untag", "[EXPR]", "removes every tag, or those of what EXPR matches", TAKES_OPTIONAL,
		check_tag, run_tag, REQ_NONE },
	{ "priority", "N [EXPR]", "puts messages at priority N", TAKES_REQUIRED, check_priority,
		run_priority, REQ_NONE },
	{ "refresh", "[SECONDS | off]", "lists now, or every SECONDS", TAKES_OPTIONAL,
		check_refresh, run_refresh, REQ_NONE },
	{ "rate", "[N/s | off]", "paces the actions that follow (none: says the pace)",
		TAKES_OPTIONAL, check_rate, run_rate, REQ_NONE },
	{ "codes", "[QUERY]", "opens the code browser", TAKES_OPTIONAL, NULL, run_codes, REQ_NONE },
	{ "summary", "", "by domain and age, by cause", TAKES_NOTHING, NULL, NULL, REQ_SUMMARY },
	{ "sources", "", "each source's state", TAKES_NOTHING, NULL, NULL, REQ_SOURCES },
	{ "outcomes", "", "the last action's outcomes", TAKES_NOTHING, NULL, NULL, REQ_OUTCOMES },
	{ "help", "", "the keys of this view", TAKES_NOTHING, NULL, NULL, REQ_HELP },
	{ "quit", "", "quits mailroom", TAKES_NOTHING, NULL, NULL, REQ_QUIT },
};

enum { N_COMMANDS = sizeof(commands) / sizeof(*commands) };

/* The prompt's note, made afresh: it lives in the app, one at a time. */
static struct mr_buf *note_clear(struct app *app) {
	mr_buf_clear(&app->prompt_note);
	return &app->prompt_note;
}

static const char *plural(size_t n) {
	return n == 1 ? "" : "s";
}

/* --- filters ---------------------------------------------------------------------- */

/* Parses expr, which starts at column pos + 1 of the line; NULL with the
 * error in note. */
static struct mr_filter *parse_at(const char *expr, size_t pos, struct mr_buf *out) {
	struct mr_filter_error err;
	struct mr_filter *f = mr_filter_parse(expr, mr_kb_default(), &err);
	if (f == NULL) {
		mr_buf_printf(out, "column %zu: %s", pos + err.pos + 1, err.message);
	}
	return f;
}

/* The messages of the snapshot f matches: into sel (if not NULL); returns
 * how many. */
static size_t matching(struct app *app, struct mr_filter *f, struct selection *sel) {
	const struct mr_snapshot *snap = app->snap;
	uint8_t *match = mr_xmalloc(snap->n_messages ? snap->n_messages : 1);
	size_t n = mr_filter_run(f, snap, app->refreshed_at, match);
	for (size_t i = 0; sel != NULL && i < snap->n_messages; i++) {
		if (!match[i]) {
			continue;
		}
		size_t before = sel->n;
		selection_add(sel, snap, (uint32_t)i);
		/* The list may show fewer: the question says so. */
		sel->hidden += sel->n > before && !app->rows.match[i];
	}
	free(match);
	return n;
}

/* "37 messages match" when the queue is small enough to count per key. */
static void count_note(struct app *app, const char *expr, size_t pos, struct mr_buf *out) {
	if (app->snap->n_messages > LIVE_FILTER_MAX) {
		return;
	}
	struct mr_filter *f = parse_at(expr, pos, out);
	if (f != NULL) {
		size_t n = matching(app, f, NULL);
		mr_buf_printf(out, "; %zu message%s match%s", n, plural(n), n == 1 ? "es" : "");
		mr_filter_free(f);
	}
}

static const char *filter_note(struct app *app, const char *expr, bool apply, bool *error) {
	struct mr_buf *note = note_clear(app);
	struct mr_filter *f = parse_at(expr, 0, note);
	if (f == NULL) {
		*error = true;
		return note->data;
	}
	mr_filter_free(f);
	if (!apply || app->preview_off) {
		mr_buf_add_str(note, "Enter applies it");
		return note->data;
	}
	struct mr_filter_error err;
	switch (app_filter(app, expr, true, &err)) {
	case MR_FILTER_DONE:
		mr_buf_printf(note, "%zu shown; Enter keeps it, Esc goes back", app->rows.n_rows);
		break;
	case MR_FILTER_FAILED:
		*error = true;
		mr_buf_printf(note, "column %zu: %s", err.pos + 1, err.message);
		break;
	case MR_FILTER_CANCELLED:
		/* Too slow to follow the typing: no more previews for this
		 * line. */
		app->preview_off = true;
		mr_buf_add_str(note, err.message);
		break;
	}
	return note->data;
}

/* A value as a filter takes it: quoted when it holds what would end it. */
static char *filter_value(const char *key, const char *value) {
	if (value[strcspn(value, " \t()\"")] == '\0') {
		return mr_xasprintf("%s%s", key, value);
	}
	struct mr_buf b;
	mr_buf_init(&b);
	mr_buf_printf(&b, "%s\"", key);
	for (const char *p = value; *p; p++) {
		mr_buf_printf(&b, "%s%c", *p == '"' || *p == '\\' ? "\\" : "", *p);
	}
	mr_buf_add_str(&b, "\"");
	return mr_buf_steal(&b);
}

/* What the filter words can be: keys, and after cat:, queue:, state: or
 * source: their values. */
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
	} else if (key_len == 6 && strncmp(word, "state:", 6) == 0) {
		for (int q = 0; q < MR_STATE_COUNT && n_values < 256; q++) {
			if (strncmp(mr_state_name(q), typed, typed_len) == 0) {
				values[n_values++] = mr_xasprintf("state:%s", mr_state_name(q));
			}
		}
	} else if (key_len == 7 && strncmp(word, "source:", 7) == 0) {
		for (size_t o = 0; o < snap->n_origins && n_values < 256; o++) {
			if (strncmp(snap->origins[o], typed, typed_len) == 0) {
				values[n_values++] = filter_value("source:", snap->origins[o]);
			}
		}
	}
	for (size_t i = 0; i < n_values && n < max; i++) {
		words[n++] = values[i];
	}
	return n;
}

/* --- the commands' checks and runs ------------------------------------------------------ */

static bool check_filter(
	struct app *app, const struct command *c, struct args a, struct mr_buf *out) {
	(void)c;
	struct mr_filter *f = parse_at(a.text, a.pos, out);
	if (f == NULL) {
		return false;
	}
	mr_filter_free(f);
	mr_buf_add_str(out, *a.text ? "Enter applies it" : "Enter shows every message");
	(void)app;
	return true;
}

static void run_filter(struct app *app, const struct command *c, struct args a) {
	(void)c;
	struct mr_filter_error err;
	if (!app_set_filter(app, a.text, &err)) {
		app_set_message(app, "filter: column %zu: %s", a.pos + err.pos + 1, err.message);
	}
}

/* "COLUMN [reverse]": false when it is not. */
static bool parse_sort(const char *text, enum mr_sort *sort, bool *reverse) {
	char name[32] = "", dir[16] = "", extra[2] = "";
	int n = sscanf(text, "%31s %15s %1s", name, dir, extra);
	*reverse = n >= 2 && (strcmp(dir, "reverse") == 0 || strcmp(dir, "rev") == 0);
	return n >= 1 && n <= 2 && (n == 1 || *reverse) && mr_sort_parse(name, sort);
}

static bool check_sort(
	struct app *app, const struct command *c, struct args a, struct mr_buf *out) {
	(void)app;
	(void)c;
	enum mr_sort sort;
	bool reverse;
	if (!parse_sort(a.text, &sort, &reverse)) {
		mr_buf_printf(out, "sort COLUMN [reverse]: not a column \"%.*s\" (Tab lists them)",
			(int)strcspn(a.text, " "), a.text);
		return false;
	}
	mr_buf_printf(out, "by %s%s", mr_sort_name(sort), reverse ? ", reversed" : "");
	return true;
}

static void run_sort(struct app *app, const struct command *c, struct args a) {
	(void)c;
	enum mr_sort sort;
	bool reverse;
	if (!parse_sort(a.text, &sort, &reverse)) {
		app_set_message(app, "sort: no column \"%s\" (Tab lists them)", a.text);
		return;
	}
	const struct mr_message *current = app_current(app);
	mr_rows_sort(&app->rows, sort, reverse);
	if (current != NULL) {
		app_keep_cursor(app, (uint32_t)(current - app->snap->messages));
	}
	app_set_message(app, "sorted by %s%s", mr_sort_name(sort), reverse ? ", reversed" : "");
}

static bool check_tag(struct app *app, const struct command *c, struct args a, struct mr_buf *out) {
	if (*a.text == '\0') {
		mr_buf_printf(out, "%s %s", c->name, c->does);
		return true;
	}
	struct mr_filter *f = parse_at(a.text, a.pos, out);
	if (f == NULL) {
		return false;
	}
	mr_filter_free(f);
	mr_buf_printf(out, "%s what it matches", c->name);
	count_note(app, a.text, a.pos, out);
	return true;
}

static void run_tag(struct app *app, const struct command *c, struct args a) {
	bool on = strcmp(c->name, "tag") == 0;
	/* Tagging all that matches, of a part of the queue, would leave the
	 * rest untagged unseen. */
	if (on && !app_whole_queue(app, c->name)) {
		return;
	}
	const struct mr_message *current = app_current(app);
	uint32_t m = current ? (uint32_t)(current - app->snap->messages) : UINT32_MAX;
	if (*a.text == '\0') {
		if (on) {
			mr_rows_tag_shown(&app->rows);
		} else {
			mr_rows_untag_all(&app->rows);
		}
		app_keep_cursor(app, m);
		return;
	}
	struct mr_buf err;
	mr_buf_init(&err);
	struct mr_filter *f = parse_at(a.text, a.pos, &err);
	if (f == NULL) {
		app_set_message(app, "%s: %s", c->name, err.data);
		mr_buf_finish(&err);
		return;
	}
	mr_buf_finish(&err);
	struct selection sel = { 0 };
	matching(app, f, &sel);
	for (size_t i = 0; i < sel.n; i++) {
		mr_rows_tag(&app->rows, sel.messages[i], on);
	}
	app_set_message(app, "%s %zu message%s%s", on ? "tagged" : "untagged", sel.n, plural(sel.n),
		sel.hidden ? " (some not shown in the list)" : "");
	selection_finish(&sel);
	mr_filter_free(f);
}

/* "N [EXPR]": the priority and where EXPR starts. */
static bool parse_priority(const char *text, int32_t *priority, size_t *rest) {
	char *end;
	errno = 0;
	long n = strtol(text, &end, 10);
	if (end == text || errno != 0 || n < INT32_MIN || n > INT32_MAX ||
		(*end != '\0' && *end != ' ')) {
		return false;
	}
	*priority = (int32_t)n;
	*rest = (size_t)(end - text) + strspn(end, " ");
	return true;
}

static bool check_priority(
	struct app *app, const struct command *c, struct args a, struct mr_buf *out) {
	(void)c;
	int32_t priority;
	size_t rest;
	if (!parse_priority(a.text, &priority, &rest)) {
		mr_buf_add_str(out, "priority N [EXPR]: N is a whole number, higher goes first");
		return false;
	}
	struct mr_operation op;
	mr_operation_set_priority(&op, priority);
	char *why = NULL;
	bool can = mr_operation_plan(app->source, &op, &why);
	if (!can) {
		mr_buf_add_str(out, why);
		free(why);
		return false;
	}
	free(why);
	if (a.text[rest] == '\0') {
		mr_buf_printf(
			out, "priority %d for the tagged messages, else this one", (int)priority);
		return true;
	}
	struct mr_filter *f = parse_at(a.text + rest, a.pos + rest, out);
	if (f == NULL) {
		return false;
	}
	mr_filter_free(f);
	mr_buf_printf(out, "priority %d for what it matches", (int)priority);
	count_note(app, a.text + rest, a.pos + rest, out);
	return true;
}

/* An action on what expr matches in the whole queue (NULL or "": on what
 * the view on top says, as its key would). */
static void act_on(struct app *app, const char *operation, bool set_priority, int32_t priority,
	const char *expr, size_t pos) {
	if (expr == NULL || *expr == '\0') {
		if (!set_priority) {
			app_act_from_view(app, operation);
			return;
		}
		struct view *top = app_top(app);
		struct selection sel = { 0 };
		if (top->ops->targets != NULL && top->ops->targets(app, top, &sel)) {
			app_set_priority(app, priority, &sel);
		} else if (top->ops->targets == NULL) {
			app_set_message(
				app, "priority: %s shows no message to act on", top->ops->what);
		}
		selection_finish(&sel);
		return;
	}
	struct mr_buf err;
	mr_buf_init(&err);
	struct mr_filter *f = parse_at(expr, pos, &err);
	if (f == NULL) {
		app_set_message(app, "%s: %s", operation, err.data);
		mr_buf_finish(&err);
		return;
	}
	mr_buf_finish(&err);
	struct selection sel = { .what = "what the filter matches" };
	matching(app, f, &sel);
	mr_filter_free(f);
	if (set_priority) {
		app_set_priority(app, priority, &sel);
	} else {
		app_act(app, operation, &sel);
	}
	selection_finish(&sel);
}

static void run_priority(struct app *app, const struct command *c, struct args a) {
	(void)c;
	int32_t priority;
	size_t rest;
	if (!parse_priority(a.text, &priority, &rest)) {
		app_set_message(app, "priority N [EXPR]: \"%s\" is not a whole number", a.text);
		return;
	}
	act_on(app, "priority", true, priority, a.text + rest, a.pos + rest);
}

static bool check_refresh(
	struct app *app, const struct command *c, struct args a, struct mr_buf *out) {
	(void)app;
	(void)c;
	int seconds;
	if (*a.text == '\0') {
		mr_buf_add_str(out, "lists the queue now");
		return true;
	}
	if (strcmp(a.text, "off") != 0 && !config_parse_seconds(a.text, &seconds)) {
		mr_buf_printf(out, "refresh: \"%s\" is not a number of seconds (0 to %d) or off",
			a.text, CONFIG_REFRESH_MAX);
		return false;
	}
	mr_buf_add_str(out, "sets how often the queue is listed");
	return true;
}

static void run_refresh(struct app *app, const struct command *c, struct args a) {
	(void)c;
	if (*a.text == '\0') {
		app_refresh_now(app, true);
		return;
	}
	int seconds = 0;
	if (strcmp(a.text, "off") != 0 && !config_parse_seconds(a.text, &seconds)) {
		app_set_message(app, "refresh: \"%s\" is not a number of seconds (0 to %d) or off",
			a.text, CONFIG_REFRESH_MAX);
		return;
	}
	app_set_refresh(app, seconds);
	if (seconds == 0) {
		app_set_message(app, "listed again only on r");
	} else {
		app_set_message(app, "listed again every %ds", seconds);
	}
}

static bool check_rate(
	struct app *app, const struct command *c, struct args a, struct mr_buf *out) {
	(void)app;
	(void)c;
	double rate;
	char *cause = NULL;
	if (*a.text == '\0') {
		mr_buf_add_str(out, "says how actions are paced");
	} else if (strcmp(a.text, "off") == 0) {
		mr_buf_add_str(out, "actions go as fast as the source takes them");
	} else if (!mr_rate_parse(a.text, &rate, &cause)) {
		mr_buf_printf(out, "rate: %s", cause);
		free(cause);
		return false;
	} else {
		mr_buf_printf(out, "actions take at most %g messages a second", rate);
	}
	return true;
}

static void run_rate(struct app *app, const struct command *c, struct args a) {
	(void)c;
	char *cause = NULL;
	double rate = 0;
	if (*a.text != '\0' && strcmp(a.text, "off") != 0 &&
		!mr_rate_parse(a.text, &rate, &cause)) {
		app_set_message(app, "rate: %s", cause);
		free(cause);
		return;
	}
	if (*a.text != '\0') {
		app->settings.rate = rate;
	}
	if (app->settings.rate > 0) {
		app_set_message(app,
			"actions take at most %g messages a second (:rate off: no limit)",
			app->settings.rate);
	} else {
		app_set_message(app, "actions go as fast as the source takes them");
	}
}

static void run_codes(struct app *app, const struct command *c, struct args a) {
	(void)c;
	codes_open(app, a.text);
}

/* --- finding a command --------------------------------------------------------------------------
 */

static const struct command *find_command(const char *name, size_t len) {
	for (size_t i = 0; i < N_COMMANDS; i++) {
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

/* A line split into its first word and the rest. */
struct parsed {
	const char *word;
	size_t len;
	struct args args;
};

static struct parsed parse_line(const char *line) {
	size_t lead = strspn(line, " ");
	struct parsed p = { .word = line + lead };
	p.len = strcspn(p.word, " ");
	size_t at = lead + p.len + strspn(p.word + p.len, " ");
	p.args = (struct args){ line + at, at };
	return p;
}

/* What an action word will do: on what the filter matches, or the view's. */
static bool check_action(struct app *app, const char *name, struct args a, struct mr_buf *out) {
	struct mr_operation op;
	mr_operation_parse(name, &op);
	char *why = NULL;
	bool can = mr_operation_plan(app->source, &op, &why);
	if (!can) {
		mr_buf_add_str(out, why);
		free(why);
		return false;
	}
	if (*a.text == '\0') {
		struct view *top = app_top(app);
		mr_buf_printf(out, "%s %s", name,
			top->ops->targets == NULL ? "(nothing here to act on)"
			: app->rows.n_tagged > 0 && top->ops == &list_view_ops
				? "the tagged messages"
				: "this message");
	} else {
		struct mr_filter *f = parse_at(a.text, a.pos, out);
		if (f == NULL) {
			free(why);
			return false;
		}
		mr_filter_free(f);
		mr_buf_printf(out, "%s what the filter matches", name);
		count_note(app, a.text, a.pos, out);
	}
	if (why != NULL) {
		mr_buf_printf(out, "; %s", why);
	}
	free(why);
	return true;
}

static const char *command_note(struct app *app, const char *line, bool *error) {
	struct mr_buf *note = note_clear(app);
	struct parsed p = parse_line(line);
	if (p.len == 0) {
		return "a command; Tab lists them";
	}
	const struct command *c = find_command(p.word, p.len);
	if (c != NULL) {
		bool has_args = *p.args.text != '\0';
		if (c->takes == TAKES_NOTHING && has_args) {
			*error = true;
			mr_buf_printf(note, "%s takes no argument", c->name);
		} else if (c->check != NULL && (has_args || c->takes == TAKES_REQUIRED)) {
			*error = !c->check(app, c, p.args, note);
		} else {
			mr_buf_printf(note, "%s%s%s: %s", c->name, *c->usage ? " " : "", c->usage,
				c->does);
		}
		return note->data;
	}
	if (is_operation(p.word, p.len)) {
		char *name = mr_xstrndup(p.word, p.len);
		*error = !check_action(app, name, p.args, note);
		free(name);
		return note->data;
	}
	for (size_t i = 0; i < N_COMMANDS; i++) {
		if (strncmp(commands[i].name, p.word, p.len) == 0) {
			return "Tab completes it";
		}
	}
	*error = true;
	mr_buf_printf(note, "no such command: %.*s", (int)p.len, p.word);
	return note->data;
}

static size_t command_words(const struct app *app, const char *line, size_t start, size_t end,
	const char **words, size_t max) {
	size_t n = 0;
	const char *word = line + start;
	size_t len = end - start;
	struct parsed p = parse_line(line);
	if (start <= (size_t)(p.word - line)) {
		for (size_t i = 0; i < N_COMMANDS && n < max; i++) {
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
	if (p.len == 4 && strncmp(p.word, "sort", 4) == 0) {
		for (int s = 0; s < MR_SORT_COUNT && n < max; s++) {
			if (strncmp(mr_sort_name((enum mr_sort)s), word, len) == 0) {
				words[n++] = mr_sort_name((enum mr_sort)s);
			}
		}
		return n;
	}
	const struct command *c = find_command(p.word, p.len);
	if ((c != NULL && c->takes != TAKES_NOTHING && c->run != run_codes &&
		    c->run != run_refresh && c->run != run_rate) ||
		is_operation(p.word, p.len)) {
		return filter_words(app->snap, word, len, words, max);
	}
	return 0;
}

/* A command line: a command of the table, or an action word. An error is
 * said and nothing runs. */
static void run_command(struct app *app, const char *line) {
	struct parsed p = parse_line(line);
	if (p.len == 0) {
		return;
	}
	const struct command *c = find_command(p.word, p.len);
	if (c != NULL) {
		if (c->takes == TAKES_NOTHING && *p.args.text != '\0') {
			app_set_message(app, "%s takes no argument (\"%s\")", c->name, p.args.text);
		} else if (c->takes == TAKES_REQUIRED && *p.args.text == '\0') {
			app_set_message(app, "%s %s: give %s", c->name, c->usage, c->usage);
		} else if (c->run != NULL) {
			c->run(app, c, p.args);
		} else {
			app_handle(app, c->req);
		}
	} else if (is_operation(p.word, p.len)) {
		char *name = mr_xstrndup(p.word, p.len);
		act_on(app, name, false, 0, p.args.text, p.args.pos);
		free(name);
	} else {
		app_set_message(app, "no such command: %.*s (Tab lists them)", (int)p.len, p.word);
	}
}

/* --- the prompt's hooks -------------------------------------------------------------- */

/* The text view on top, which PROMPT_SEARCH searches; NULL when none. */
static struct text_view *searched(struct app *app) {
	struct view *top = app_top(app);
	return top->ops->text != NULL ? top->ops->text(app, top) : NULL;
}

static void draw_hook(void *ctx) {
	app_draw(ctx);
}

static int wait_hook(void *ctx) {
	return app_idle_timeout(ctx);
}

static void idle_hook(void *ctx) {
	app_idle(ctx);
}

static bool interrupted_hook(void *ctx) {
	(void)ctx;
	return signals_interrupted();
}

static const char *edited_hook(void *ctx, char kind, const char *line, bool *error) {
	struct app *app = ctx;
	switch (kind) {
	case PROMPT_CODES: {
		/* The knowledge base is small: the browser follows the typing. */
		codes_search(app, line);
		struct mr_buf *note = note_clear(app);
		mr_buf_printf(note, "%zu found; Enter keeps it, Esc goes back", codes_found(app));
		return note->data;
	}
	case PROMPT_SEARCH: {
		struct text_view *tv = searched(app);
		free(app->message);
		app->message = NULL;
		text_view_search(app, tv, line);
		struct mr_buf *note = note_clear(app);
		bool found = tv->search == NULL || tv->found != SIZE_MAX;
		*error = !found;
		mr_buf_add_str(note, !found ? "not in this text" : "Enter keeps it; n, N go on");
		return note->data;
	}
	case PROMPT_FILTER:
		return filter_note(app, line, app->snap->n_messages <= LIVE_FILTER_MAX, error);
	default:
		return command_note(app, line, error);
	}
}

static size_t complete_hook(void *ctx, char kind, const char *line, size_t start, size_t end,
	const char **words, size_t max) {
	struct app *app = ctx;
	switch (kind) {
	case PROMPT_FILTER:
		return filter_words(app->snap, line + start, end - start, words, max);
	case PROMPT_COMMAND:
		return command_words(app, line, start, end, words, max);
	default:
		return 0;
	}
}

static void search_prompt(struct app *app, const struct prompt_hooks *hooks) {
	struct text_view *tv = searched(app);
	if (tv == NULL) {
		return;
	}
	char *before = tv->search != NULL ? mr_xstrdup(tv->search) : NULL;
	size_t top = tv->top;
	tv->before = tv->top;
	char *line = prompt_read(app->prompt, PROMPT_SEARCH, NULL, hooks);
	if (line == NULL) {
		/* Esc: back where it was, with the search there was. */
		tv->before = top;
		text_view_search(app, tv, before);
		tv->top = top;
	}
	free(line);
	free(before);
}

void app_prompt(struct app *app, char kind) {
	if (app->prompt == NULL) {
		return;
	}
	static const struct prompt_hooks hooks_template = { NULL, draw_hook, edited_hook,
		complete_hook, wait_hook, idle_hook, interrupted_hook };
	struct prompt_hooks hooks = hooks_template;
	hooks.ctx = app;
	if (kind == PROMPT_SEARCH) {
		search_prompt(app, &hooks);
		return;
	}
	app->preview_off = false; /* a new line: previews until one is slow */
	const char *was = kind == PROMPT_FILTER  ? app->list->filter_text
			  : kind == PROMPT_CODES ? app->codes_query
						 : NULL;
	char *before = was != NULL ? mr_xstrdup(was) : NULL;
	char *line = prompt_read(app->prompt, kind, before, &hooks);
	struct mr_filter_error err;
	if (kind == PROMPT_FILTER) {
		enum mr_filter_status status =
			line != NULL ? app_filter(app, line, false, &err) : MR_FILTER_CANCELLED;
		if (status != MR_FILTER_DONE) {
			/* Esc, an error or a stopped run: back to the filter there
			 * was (the list may have followed the typing). */
			struct mr_filter_error unused;
			app_set_filter(app, before ? before : "", &unused);
		}
		if (status == MR_FILTER_FAILED) {
			app_set_message(app, "filter: column %zu: %s", err.pos + 1, err.message);
		} else if (status == MR_FILTER_CANCELLED && line != NULL) {
			app_set_message(app, "filter: stopped, not applied; the one before stays");
		} else if (status == MR_FILTER_DONE && app->list->filter != NULL) {
			app_set_message(app, "%zu message%s", app->rows.n_rows,
				app->rows.n_rows == 1 ? " matches" : "s match");
		}
	} else if (kind == PROMPT_CODES) {
		codes_search(app, line != NULL ? line : before);
	} else if (line != NULL) {
		run_command(app, line);
	}
	free(line);
	free(before);
}
