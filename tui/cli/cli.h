#ifndef MR_TUI_CLI_H
#define MR_TUI_CLI_H

#include <stdbool.h>

#include "backend.h"
#include "config.h"
#include "postfix.h"

struct mr_filter;

/* Subcommands of the mailroom binary that print instead of drawing. */

enum {
	MR_EXIT_OK = 0,
	MR_EXIT_FAILED = 1, /* the source or the output failed */
	MR_EXIT_USAGE = 2,  /* bad arguments */
};

/* mailroom list [--json|--csv] SOURCE; argv[0] is "list". */
int cli_list(int argc, char **argv);

/* mailroom act ACTION (--filter EXPR | ID...) [--dry-run] [--yes] SOURCE */
int cli_act(int argc, char **argv);

/* mailroom summary [--json] [--filter EXPR] [--top N] SOURCE */
int cli_summary(int argc, char **argv);

/* mailroom explain [--json] (TEXT... | -) */
int cli_explain(int argc, char **argv);

/* mailroom codes [QUERY] */
int cli_codes(int argc, char **argv);

/* Prints "mailroom: message" to stderr (message made visible). */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

struct option;
/* What getopt_long refused when it returned opt ('?' or ':', optstring
 * starting with ":" or "+:"), naming the argument as it was typed:
 * "[command: ]unknown option "-xyz" (try mailroom [command ]--help)" or
 * "[command: ]--filter needs a value (...)". */
void cli_option_error(const char *command, int opt, int argc, char **argv, const char *optstring,
	const struct option *longopts);

/* A whole decimal number from min to max in *out, or false after printing
 * "WHAT takes a number from MIN to MAX (got "ARG")". */
bool cli_parse_number(const char *what, const char *arg, long min, long max, long *out);

/*
 * What opening sources takes, kept by the command until it has closed them
 * (a fleet opens its members later, on threads): the command line's
 * --demo and --accept-new (a remote host seen for the first time is trusted
 * and added to known_hosts, as ssh -o StrictHostKeyChecking=accept-new
 * does), the configuration (the screen's keys and settings, and the per-host
 * sudo rules), and the options each source is opened with.
 */
struct cli_sources {
	bool demo, accept_new;
	const char *log;    /* --log: a file, "journal" or "none"; NULL: found */
	bool streamed_once; /* mr_open_options' */
	bool loaded;        /* config holds the configuration */
	struct config config;
	struct mr_remote_options remote;
	struct mr_open_options open;
};

/* The options of every command that opens a source (the screen, list, act,
 * summary), for its getopt_long table, and cli_source_option to take them
 * into s: 1 taken, 0 another option, -1 a bad value (said). */
#define CLI_SOURCE_OPTIONS                                                              \
	{ "demo", no_argument, NULL, 'd' }, { "accept-new", no_argument, NULL, 'a' }, { \
		"log", required_argument, NULL, 'L'                                     \
	}
int cli_source_option(int opt, struct cli_sources *s);

/* Reads the configuration into s (once), or prints why not. */
bool cli_sources_configure(struct cli_sources *s);

/* Opens the sources named on the command line, or prints why not: one
 * source, or several merged (a fleet, fleet.h, whose members are opened
 * and listed on their own threads when it is first listed). An unknown
 * remote host is refused unless --accept-new was given or screen is true,
 * where the operator is asked (on the terminal, before the screen starts). */
struct mr_source *cli_open_sources(
	struct cli_sources *s, const char *const *names, size_t n, bool screen);
/* After the sources are closed. */
void cli_sources_finish(struct cli_sources *s);
/* The sources a subcommand names in argv[first..argc) after its options
 * (--demo's first), or without any the local Postfix queue: *n names in an
 * array to free; NULL after saying why when one is named twice. */
const char **cli_source_args(int argc, char **argv, int first, bool demo, size_t *n);
/* Whether the sources named can be opened together: none named twice, not
 * more than origins can count; false after saying why. */
bool cli_check_sources(const char *const *names, size_t n);
/* A fresh listing of src, or NULL after printing why not. With several
 * sources, prints each one's warnings and error, and *partial says whether
 * one could not be listed (the listing has the others). */
struct mr_snapshot *cli_read_queue(struct mr_source *src, bool *partial);
/* What src's last listing (or summing up) repaired or left out, a line
 * each on standard error. */
void cli_print_listing_warnings(const struct mr_source *src);

/* What list and summary read: the sources they opened and their listing. */
struct cli_reading {
	struct mr_source *src;
	struct mr_snapshot *snap; /* NULL when nothing could be listed */
	int status;               /* MR_EXIT_FAILED when a source did not answer */
};
/* Opens the sources names says (and frees names), then lists them; false
 * when they could not be opened (said, and srcs finished). */
bool cli_read_sources(
	struct cli_sources *srcs, const char **names, size_t n, struct cli_reading *r);
/* cli_read_sources() in two steps, for a command that may not need the
 * listing: the opening, then the listing. */
bool cli_open_reading(
	struct cli_sources *srcs, const char **names, size_t n, struct cli_reading *r);
void cli_reading_list(struct cli_reading *r);
/* The listing of src (one source that can stream) in batches to s's
 * deliver, then its warnings and, when the source failed, why (not when
 * deliver stopped it: the caller says why). Whether it was listed whole. */
bool cli_stream_queue(struct mr_source *src, struct mr_stream *s);
/* Destroys the listing, closes the sources, then finishes srcs. */
void cli_reading_finish(struct cli_reading *r, struct cli_sources *srcs);
/* The messages of snap the filter lets through, a byte each as
 * mr_filter_run() sets them, with ages as at the listing; NULL when there
 * is no filter (every message). Free it. With rcpt_match, also the
 * recipients it holds for (mr_filter_run_recipients), to free too. */
uint8_t *cli_filter_matches(
	struct mr_filter *filter, const struct mr_snapshot *snap, uint8_t **rcpt_match);

/* The filter of a --filter option, or NULL after printing where it is wrong:
 * "command: --filter: column N: why (in "EXPR")". */
struct mr_filter *cli_parse_filter(const char *command, const char *expr);
/* Whether the filter's last run failed (a regular expression reached a
 * limit: its match bytes are all 0), after printing the same kind of line. */
bool cli_filter_failed(const char *command, const char *expr, const struct mr_filter *filter);

#endif
