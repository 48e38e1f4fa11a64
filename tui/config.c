/* Reading the configuration: share/config, built in, then the operator's. */

#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blob.h"
#include "buf.h"
#include "draw.h"
#include "keys.h"
#include "statefile.h"
#include "xalloc.h"

enum { MAX_WORDS = 8 };

struct line {
	const char *file;
	size_t number;
	char *words[MAX_WORDS];
	size_t n_words;
};

/* "FILE:LINE: what is wrong" */
static bool line_fail(const struct line *l, char **cause, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static bool line_fail(const struct line *l, char **cause, const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	char *what = mr_xvasprintf(fmt, ap);
	va_end(ap);
	mr_fail(cause, "%s:%zu: %s", l->file, l->number, what);
	free(what);
	return false;
}

static bool read_bind(const struct line *l, char **cause) {
	if (l->n_words != 4) {
		return line_fail(l, cause, "%s KEYMAP KEY REQUEST: three words after it", "bind");
	}
	enum keymap keymap;
	int key;
	enum request req;
	if (!keymap_parse(l->words[1], &keymap)) {
		struct mr_buf names;
		mr_buf_init(&names);
		for (int k = KEYMAP_GENERIC + 1; k < KEYMAP_COUNT; k++) {
			mr_buf_printf(&names, "%s%s", k > KEYMAP_GENERIC + 1 ? ", " : "",
				keymap_name((enum keymap)k));
		}
		line_fail(l, cause, "no keymap \"%s\" (generic, or a view: %s)", l->words[1],
			names.data);
		mr_buf_finish(&names);
		return false;
	}
	if (!key_parse(l->words[2], &key)) {
		return line_fail(l, cause, "no key \"%s\" (a character, Down, PgUp, Ctrl-F, F1...)",
			l->words[2]);
	}
	if (!request_parse(l->words[3], &req)) {
		return line_fail(
			l, cause, "no request \"%s\" (the help, ?, names them)", l->words[3]);
	}
	key_bind(keymap, key, req);
	return true;
}

static bool read_attrs(const struct line *l, size_t first, attr_t *attrs, char **cause) {
	*attrs = A_NORMAL;
	for (size_t i = first; i < l->n_words; i++) {
		attr_t a;
		if (!attr_parse(l->words[i], &a)) {
			return line_fail(l, cause,
				"no attribute \"%s\" (bold, underline, dim, reverse, normal)",
				l->words[i]);
		}
		*attrs |= a;
	}
	return true;
}

static bool read_style(const struct line *l, char **cause) {
	bool colour = strcmp(l->words[0], "color") == 0;
	enum style style;
	if (l->n_words < (colour ? 4u : 2u)) {
		return line_fail(l, cause,
			colour ? "%s STYLE FG BG [ATTR...]: a style and two colours"
			       : "%s STYLE [ATTR...]: a style",
			l->words[0]);
	}
	if (!style_parse(l->words[1], &style)) {
		return line_fail(
			l, cause, "no style \"%s\" (share/config names them)", l->words[1]);
	}
	attr_t attrs;
	if (!colour) {
		if (!read_attrs(l, 2, &attrs, cause)) {
			return false;
		}
		draw_set_mono(style, attrs);
		return true;
	}
	short fg, bg;
	for (size_t i = 2; i < 4; i++) {
		if (!colour_parse(l->words[i], i == 2 ? &fg : &bg)) {
			return line_fail(l, cause,
				"no colour \"%s\" (black, red, green, yellow, blue, magenta, "
				"cyan, white, default)",
				l->words[i]);
		}
	}
	if (!read_attrs(l, 4, &attrs, cause)) {
		return false;
	}
	draw_set_colour(style, fg, bg, attrs);
	return true;
}

bool config_parse_seconds(const char *text, int *seconds) {
	char *end;
	errno = 0;
	long n = strtol(text, &end, 10);
	if (end == text || *end != '\0' || errno != 0 || n < 0 || n > CONFIG_REFRESH_MAX) {
		return false;
	}
	*seconds = (int)n;
	return true;
}

static bool read_set(const struct line *l, struct config *config, char **cause) {
	if (l->n_words != 3) {
		return line_fail(l, cause, "%s NAME VALUE: two words after it", "set");
	}
	const char *value = l->words[2];
	if (strcmp(l->words[1], "refresh") == 0) {
		if (!config_parse_seconds(value, &config->refresh)) {
			return line_fail(l, cause,
				"refresh: \"%s\" is not a number of seconds from 0 to %d", value,
				CONFIG_REFRESH_MAX);
		}
		return true;
	}
	if (strcmp(l->words[1], "mouse") == 0 || strcmp(l->words[1], "keybar") == 0) {
		if (strcmp(value, "yes") != 0 && strcmp(value, "no") != 0) {
			return line_fail(
				l, cause, "%s: \"%s\" is neither yes nor no", l->words[1], value);
		}
		*(l->words[1][0] == 'm' ? &config->mouse : &config->keybar) =
			strcmp(value, "yes") == 0;
		return true;
	}
	if (strcmp(l->words[1], "confirm") == 0) {
		if (strcmp(value, "all") != 0 && strcmp(value, "destructive") != 0) {
			return line_fail(
				l, cause, "confirm: \"%s\" is neither all nor destructive", value);
		}
		config->confirm_all = strcmp(value, "all") == 0;
		return true;
	}
	return line_fail(
		l, cause, "no setting \"%s\" (refresh, mouse, keybar, confirm)", l->words[1]);
}

/* host PATTERNS sudo auto|always|never: how the Postfix tools run on the
 * remote hosts whose names match (postfix.h). */
static bool read_host(const struct line *l, struct config *config, char **cause) {
	static const char *const whens[] = { [MR_REMOTE_SUDO_AUTO] = "auto",
		[MR_REMOTE_SUDO_ALWAYS] = "always",
		[MR_REMOTE_SUDO_NEVER] = "never" };
	if (l->n_words != 4 || strcmp(l->words[2], "sudo") != 0) {
		return line_fail(l, cause, "%s PATTERNS sudo auto|always|never", "host");
	}
	for (size_t i = 0; i < sizeof(whens) / sizeof(*whens); i++) {
		if (strcmp(l->words[3], whens[i]) == 0) {
			config->hosts = mr_xrealloc(
				config->hosts, (config->n_hosts + 1) * sizeof(*config->hosts));
			config->hosts[config->n_hosts++] =
				(struct mr_remote_rule){ mr_xstrdup(l->words[1]),
					(enum mr_remote_sudo)i };
			return true;
		}
	}
	return line_fail(l, cause, "sudo: \"%s\" is not auto, always or never", l->words[3]);
}

/* Splits at blanks; false when there are too many words. */
static bool split(char *text, struct line *l) {
	l->n_words = 0;
	for (char *word = strtok(text, " \t\r"); word != NULL; word = strtok(NULL, " \t\r")) {
		if (l->n_words == MAX_WORDS) {
			return false;
		}
		l->words[l->n_words++] = word;
	}
	return true;
}

bool config_read(
	struct config *config, const char *file, const char *text, size_t len, char **cause) {
	struct line l = { .file = file };
	bool ok = true;
	for (size_t pos = 0; ok && pos < len;) {
		const char *start = text + pos;
		const char *nl = memchr(start, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - start) : len - pos;
		pos += n + 1;
		l.number++;
		if (memchr(start, '\0', n) != NULL) {
			ok = line_fail(&l, cause, "a NUL byte: not a text file");
			break;
		}
		char *copy = mr_xstrndup(start, n);
		if (copy[strspn(copy, " \t\r")] == '#') {
			/* a comment */
		} else if (!split(copy, &l)) {
			ok = line_fail(&l, cause, "more than %d words", MAX_WORDS);
		} else if (l.n_words == 0) {
			/* empty */
		} else if (strcmp(l.words[0], "bind") == 0) {
			ok = read_bind(&l, cause);
		} else if (strcmp(l.words[0], "color") == 0 || strcmp(l.words[0], "mono") == 0) {
			ok = read_style(&l, cause);
		} else if (strcmp(l.words[0], "set") == 0) {
			ok = read_set(&l, config, cause);
		} else if (strcmp(l.words[0], "host") == 0) {
			ok = read_host(&l, config, cause);
		} else {
			ok = line_fail(&l, cause,
				"no command \"%s\" (bind, color, mono, set, host)", l.words[0]);
		}
		free(copy);
	}
	return ok;
}

void config_finish(struct config *config) {
	for (size_t i = 0; i < config->n_hosts; i++) {
		free(config->hosts[i].hosts);
	}
	free(config->hosts);
	config->hosts = NULL;
	config->n_hosts = 0;
}

bool config_load(struct config *config, char **cause) {
	*config = (struct config){
		.refresh = 0, .mouse = false, .confirm_all = true, .keybar = true
	};
	keys_reset();
	const struct mr_blob *builtin = mr_blob_find("config");
	if (builtin == NULL || !config_read(config, "share/config (built in)",
				       (const char *)builtin->data, builtin->len, cause)) {
		return builtin != NULL || mr_fail(cause, "share/config is not built in");
	}
	char *path = mr_config_path("config");
	if (path == NULL) {
		return true;
	}
	struct mr_buf text;
	mr_buf_init(&text);
	int error;
	bool ok = mr_read_file(path, 0, &text, &error);
	if (!ok && error == ENOENT) {
		mr_buf_finish(&text);
		free(path);
		return true; /* no file of the operator's: share/config alone */
	}
	if (!ok) {
		mr_fail(cause, "%s: %s", path, strerror(error));
	}
	ok = ok && config_read(config, path, text.data, text.len, cause);
	mr_buf_finish(&text);
	free(path);
	return ok;
}
