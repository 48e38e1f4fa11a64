/* Helpers shared by the command-line subcommands. */

#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "filter.h"
#include "fleet.h"
#include "registry.h"
#include "ssh_prompts.h"
#include "text.h"
#include "xalloc.h"

void cli_error(const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	char *message = mr_xvasprintf(fmt, ap);
	va_end(ap);
	/* Messages quote arguments and server output: make them visible, and
	 * keep them to one line. */
	char *shown = mr_text_visible_dup(message);
	fprintf(stderr, "mailroom: %s\n", shown);
	free(shown);
	free(message);
}

/* Whether getopt_long knows c as an option of its own (a short one, or a
 * long one's value): a '?' with such an optopt is about a long option. */
static bool known_option(int c, const char *optstring, const struct option *longopts) {
	if (c != ':' && c != '+' && strchr(optstring, c) != NULL) {
		return true;
	}
	for (size_t i = 0; longopts[i].name != NULL; i++) {
		if (longopts[i].val == c) {
			return true;
		}
	}
	return false;
}

/* Whether arg is a cluster of short options that ends in c: "-nyx". */
static bool cluster_ending_in(const char *arg, int c) {
	size_t len = strlen(arg);
	return len >= 2 && arg[0] == '-' && arg[1] != '-' && arg[len - 1] == c;
}

/*
 * The argument getopt_long refused. It does not say which: a long option,
 * a missing value and the last option of a cluster have been stepped over
 * (optind - 1), but an unknown letter inside a cluster ("-xyz") leaves
 * optind on its argument, and an argument before it can be anything.
 */
static const char *refused_argument(
	int opt, int argc, char **argv, const char *optstring, const struct option *longopts) {
	if (opt == ':' || optopt == 0 || known_option(optopt, optstring, longopts)) {
		return argv[optind - 1];
	}
	if (cluster_ending_in(argv[optind - 1], optopt) || optind >= argc) {
		return argv[optind - 1];
	}
	return argv[optind];
}

void cli_option_error(const char *command, int opt, int argc, char **argv, const char *optstring,
	const struct option *longopts) {
	const char *arg = refused_argument(opt, argc, argv, optstring, longopts);
	char *problem = opt == ':' ? mr_xasprintf("%s needs a value", arg)
				   : mr_xasprintf("unknown option \"%s\"", arg);
	if (command == NULL) {
		cli_error("%s (try mailroom --help)", problem);
	} else {
		cli_error("%s: %s (try mailroom %s --help)", command, problem, command);
	}
	free(problem);
}

bool cli_parse_number(const char *what, const char *arg, long min, long max, long *out) {
	char *end;
	errno = 0;
	long n = strtol(arg, &end, 10);
	/* Digits only (a '-' for a negative bound): strtol would take " 5" and "+5". */
	bool digits = (arg[0] >= '0' && arg[0] <= '9') ||
		      (arg[0] == '-' && min < 0 && arg[1] >= '0' && arg[1] <= '9');
	if (!digits || end == arg || *end != '\0' || errno != 0 || n < min || n > max) {
		cli_error("%s takes a number from %ld to %ld (got \"%s\")", what, min, max, arg);
		return false;
	}
	*out = n;
	return true;
}

/* Characters (not bytes) in s[0..pos): UTF-8 continuation bytes do not count. */
static size_t chars_before(const char *s, size_t pos) {
	size_t n = 0;
	for (size_t i = 0; i < pos; i++) {
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	}
	return n;
}

static void filter_error(const char *command, const char *expr, const struct mr_filter_error *err) {
	cli_error("%s: --filter: column %zu: %s (in \"%s\")", command,
		chars_before(expr, err->pos) + 1, err->message, expr);
}

struct mr_filter *cli_parse_filter(const char *command, const char *expr) {
	struct mr_filter_error err;
	struct mr_filter *filter = mr_filter_parse(expr, mr_kb_default(), &err);
	if (filter == NULL) {
		filter_error(command, expr, &err);
	}
	return filter;
}

bool cli_filter_failed(const char *command, const char *expr, const struct mr_filter *filter) {
	struct mr_filter_error err;
	if (filter == NULL || mr_filter_last_status(filter, &err) != MR_FILTER_FAILED) {
		return false;
	}
	filter_error(command, expr, &err);
	return true;
}

bool cli_check_sources(const char *const *names, size_t n) {
	/* The same queue twice would list its mail twice and act on it twice. */
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < i; k++) {
			if (strcmp(names[i], names[k]) == 0) {
				char *shown = mr_text_visible_dup(names[i]);
				cli_error("%s is named twice", shown);
				free(shown);
				return false;
			}
		}
	}
	if (n > UINT16_MAX) {
		cli_error("%zu sources: at most %u at once", n, (unsigned)UINT16_MAX);
		return false;
	}
	return true;
}

const char **cli_source_args(int argc, char **argv, int first, bool demo, size_t *n) {
	const char **names = mr_xcalloc((size_t)(argc - first) + 2, sizeof(*names));
	*n = 0;
	if (demo) {
		names[(*n)++] = "demo:";
	}
	for (int i = first; i < argc; i++) {
		names[(*n)++] = argv[i];
	}
	if (*n == 0) {
		names[(*n)++] = "postfix:";
	}
	if (!cli_check_sources(names, *n)) {
		free(names);
		return NULL;
	}
	return names;
}

/* Each line of text as "mailroom: [prefix: ]line". */
static void print_lines(const char *prefix, const char *text) {
	for (const char *line = text; line != NULL && *line != '\0';) {
		size_t len = strcspn(line, "\n");
		cli_error("%s%s%.*s", prefix ? prefix : "", prefix ? ": " : "", (int)len, line);
		line += len + (line[len] == '\n');
	}
}

void cli_print_listing_warnings(const struct mr_source *src) {
	print_lines(NULL, mr_source_listing_warnings(src));
}

struct mr_snapshot *cli_read_queue(struct mr_source *src, bool *partial) {
	char *cause = NULL;
	struct mr_snapshot *snap = mr_source_list(src, &cause);
	/* What the listing repaired or left out (a fleet's members' below). */
	cli_print_listing_warnings(src);
	if (snap == NULL) {
		cli_error("%s", cause);
		free(cause);
	}
	*partial = false;
	if (snap != NULL && mr_fleet_is(src)) {
		/* A member's warnings and error, now that it has been opened. */
		size_t n;
		const struct mr_member_status *members = mr_fleet_members(src, &n);
		for (size_t i = 0; i < n; i++) {
			print_lines(members[i].name, members[i].warnings);
			if (members[i].state == MR_MEMBER_FAILED) {
				print_lines(NULL, members[i].error);
				*partial = true;
			}
		}
	}
	return snap;
}

bool cli_stream_queue(struct mr_source *src, struct mr_stream *s) {
	char *cause = NULL;
	bool ok = mr_source_stream(src, s, &cause);
	/* The same lines as cli_read_queue, after the messages rather than
	 * before: they are known at the end. */
	cli_print_listing_warnings(src);
	if (!ok && !s->stopped) {
		cli_error("%s", cause ? cause : "the listing failed");
	}
	free(cause);
	return ok;
}

bool cli_open_reading(
	struct cli_sources *srcs, const char **names, size_t n, struct cli_reading *r) {
	r->src = cli_open_sources(srcs, names, n, false);
	free(names);
	r->snap = NULL;
	r->status = MR_EXIT_FAILED;
	if (r->src == NULL) {
		cli_sources_finish(srcs);
		return false;
	}
	return true;
}

void cli_reading_list(struct cli_reading *r) {
	bool partial;
	r->snap = cli_read_queue(r->src, &partial);
	/* Printed all the same: what the sources that answered hold. */
	r->status = r->snap != NULL && !partial ? MR_EXIT_OK : MR_EXIT_FAILED;
}

bool cli_read_sources(
	struct cli_sources *srcs, const char **names, size_t n, struct cli_reading *r) {
	if (!cli_open_reading(srcs, names, n, r)) {
		return false;
	}
	cli_reading_list(r);
	return true;
}

void cli_reading_finish(struct cli_reading *r, struct cli_sources *srcs) {
	mr_snapshot_destroy(r->snap);
	mr_source_destroy(r->src);
	cli_sources_finish(srcs);
}

uint8_t *cli_filter_matches(
	struct mr_filter *filter, const struct mr_snapshot *snap, uint8_t **rcpt_match) {
	if (filter == NULL) {
		return NULL;
	}
	uint8_t *match = mr_xmalloc(snap->n_messages ? snap->n_messages : 1);
	if (rcpt_match != NULL) {
		*rcpt_match = mr_xmalloc(snap->n_recipients ? snap->n_recipients : 1);
	}
	mr_filter_run_recipients(
		filter, snap, snap->taken_at, match, rcpt_match ? *rcpt_match : NULL);
	return match;
}

int cli_source_option(int opt, struct cli_sources *s) {
	if (opt == 'd') {
		s->demo = true;
	} else if (opt == 'a') { /* not 'A': --no-audit is 'A' in act and the screen */
		s->accept_new = true;
	} else if (opt == 'L') {
		/* A file is looked at by the source (it may be on another host);
		 * what cannot be a log at all is refused here. */
		if (strcmp(optarg, "journal") != 0 && strcmp(optarg, "none") != 0 &&
			optarg[0] != '/') {
			cli_error("--log %s: not a log source (an absolute FILE, journal or none)",
				optarg);
			return -1;
		}
		s->log = optarg;
	}
	return opt == 'd' || opt == 'a' || opt == 'L';
}

bool cli_sources_configure(struct cli_sources *s) {
	if (s->loaded) {
		return true;
	}
	char *cause = NULL;
	if (!config_load(&s->config, &cause)) {
		cli_error("%s", cause);
		free(cause);
		config_finish(&s->config);
		return false;
	}
	s->loaded = true;
	return true;
}

struct mr_source *cli_open_sources(
	struct cli_sources *s, const char *const *names, size_t n, bool screen) {
	if (!cli_sources_configure(s)) {
		return NULL;
	}
	s->remote = (struct mr_remote_options){
		.prompts = ssh_prompts_for(screen, s->accept_new),
		.rules = s->config.hosts,
		.n_rules = s->config.n_hosts,
	};
	s->open = (struct mr_open_options){
		.remote = &s->remote, .log = s->log, .streamed_once = s->streamed_once
	};
	if (n > 1) {
		return mr_fleet_open(mr_backend_registry, names, n, &s->open);
	}
	char *cause = NULL;
	struct mr_source *src = mr_source_open(mr_backend_registry, names[0], &s->open, &cause);
	if (src == NULL) {
		cli_error("%s", cause);
		free(cause);
		return NULL;
	}
	print_lines(NULL, src->warnings);
	return src;
}

void cli_sources_finish(struct cli_sources *s) {
	if (s->loaded) {
		config_finish(&s->config);
		s->loaded = false;
	}
}
