/*
 * mailroom: see what mail is stuck in a queue, why, and act on it.
 *
 *   mailroom [--demo | SOURCE]        the interactive screen
 *   mailroom list [--json|--csv] ...  the queue, printed
 */

#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "clock.h"
#include "kb.h"
#include "registry.h"
#include "screen.h"

static void print_help(void) {
	printf("usage: mailroom [--refresh SECONDS] [--no-audit] [--demo] [SOURCE...]\n"
	       "       mailroom list [--json | --csv | --csv-raw] [--filter EXPR] [--demo] "
	       "[SOURCE...]\n"
	       "       mailroom act ACTION (--filter EXPR | ID...) [--dry-run] [--yes] "
	       "[--no-audit] [SOURCE...]\n"
	       "       mailroom summary [--json] [--bounced] [--filter EXPR] [--top N] [--demo] "
	       "[SOURCE...]\n"
	       "       mailroom explain [--json] (TEXT... | -)\n"
	       "       mailroom codes [QUERY]\n"
	       "       mailroom --help | --version\n"
	       "\n"
	       "Shows the mail stuck in a queue, why it is stuck, and lets you act on it.\n"
	       "Without a SOURCE: the local Postfix queue (postfix:). Several SOURCEs\n"
	       "(mailroom mx1 mx2 relay3) are listed at once and merged into one list.\n"
	       "\n"
	       "Sources:\n");
	for (size_t i = 0; mr_backend_registry[i] != NULL; i++) {
		printf("  %-14s %s\n", mr_backend_registry[i]->usage,
			mr_backend_registry[i]->summary);
	}
	printf("\n"
	       "Commands:\n"
	       "  list           print the queue: a table, or --json (one object per\n"
	       "                 message and line) or --csv (one row per recipient;\n"
	       "                 --csv-raw: the text exact, for programs)\n"
	       "  act            retry, hold, release, delete, requeue, expire or move the\n"
	       "                 priority of messages, with an outcome for each\n"
	       "  summary        recipients by domain and age (as qshape), by cause and by\n"
	       "                 reason, each with the filter that selects them\n"
	       "  explain        what a failure reason means: codes, stage, host, cause,\n"
	       "                 advice; - reads one reason per line from stdin\n"
	       "  codes          list or search the reply codes, status codes, provider\n"
	       "                 replies and cause categories mailroom knows\n"
	       "\n"
	       "Options:\n"
	       "  --demo         open the built-in demo queue (changes stay in memory)\n"
	       "  --accept-new   trust a remote host seen for the first time and add its\n"
	       "                 key to known_hosts (also for list, act and summary)\n"
	       "  --log SOURCE   where Postfix's mail log is read: an absolute FILE (its\n"
	       "                 rotated files too), journal, or none; without it: found\n"
	       "                 (also for list, act and summary)\n"
	       "  --refresh SECONDS\n"
	       "                 list the queue again every SECONDS on the screen (0: only\n"
	       "                 on r); share/config sets the default, 10\n"
	       "  --no-audit     act even when actions.log cannot be written (then no\n"
	       "                 record is kept); without it such actions are refused\n"
	       "  -h, --help     show this help\n"
	       "  -V, --version  show the version\n"
	       "\n"
	       "See mailroom(1) for keys, fields and the environment.\n");
}

/* refresh: --refresh's seconds, or -1 for the configuration's. */
static int run_screen(
	struct cli_sources *srcs, const char *const *names, size_t n, long refresh, bool no_audit) {
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		cli_error("the screen needs a terminal; use \"mailroom list\" to print the queue");
		return MR_EXIT_USAGE;
	}
	if (!cli_sources_configure(srcs)) {
		return MR_EXIT_USAGE;
	}
	struct config config = srcs->config; /* the screen's settings, changed below */
	if (refresh >= 0) {
		config.refresh = (int)refresh;
	}
	config.no_audit = no_audit;
	struct mr_source *src = cli_open_sources(srcs, names, n, true);
	if (src == NULL) {
		return MR_EXIT_FAILED;
	}
	char *cause = NULL;
	bool source_free;
	int status = screen_run(src, &config, &cause, &source_free);
	if (cause != NULL) {
		cli_error("%s", cause);
		free(cause);
	}
	/* Else a listing that never ended still uses it; the exit ends it. */
	if (source_free) {
		mr_source_destroy(src);
	}
	return status;
}

int main(int argc, char **argv) {
	/* The locale decides whether UTF-8 can be shown and how times look. */
	setlocale(LC_ALL, "");
	char *cause = NULL;
	if (!mr_clock_check(&cause)) {
		cli_error("%s", cause);
		free(cause);
		return MR_EXIT_USAGE;
	}
	/* decodes: the command reads a queue and then explains its reasons, so
	 * the knowledge base is loaded while the queue is read. */
	static const struct {
		const char *name;
		int (*run)(int argc, char **argv);
		bool decodes;
	} commands[] = {
		{ "list", cli_list, true },
		{ "act", cli_act, false },
		{ "summary", cli_summary, true },
		{ "explain", cli_explain, false },
		{ "codes", cli_codes, false },
	};
	for (size_t i = 0; argc > 1 && i < sizeof(commands) / sizeof(*commands); i++) {
		if (strcmp(argv[1], commands[i].name) == 0) {
			if (commands[i].decodes) {
				mr_kb_default_warm();
			}
			return commands[i].run(argc - 1, argv + 1);
		}
	}

	static const struct option options[] = {
		CLI_SOURCE_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{ "refresh", required_argument, NULL, 'r' },
		{ "no-audit", no_argument, NULL, 'A' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_sources srcs = { 0 };
	bool no_audit = false;
	long refresh = -1;
	static const char shorts[] = "+:hV";
	int opt;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, shorts, options, NULL)) != -1) {
		switch (opt) {
		case 'r':
			if (!cli_parse_number(
				    "--refresh", optarg, 0, CONFIG_REFRESH_MAX, &refresh)) {
				return MR_EXIT_USAGE;
			}
			break;
		case 'A':
			no_audit = true;
			break;
		case 'h':
			print_help();
			return MR_EXIT_OK;
		case 'V':
			printf("mailroom %s\n", MR_VERSION);
			return MR_EXIT_OK;
		default: {
			int taken = cli_source_option(opt, &srcs);
			if (taken > 0) {
				break;
			}
			if (taken == 0) {
				cli_option_error(NULL, opt, argc, argv, shorts, options);
			}
			return MR_EXIT_USAGE;
		}
		}
	}
	size_t n;
	const char **names = cli_source_args(argc, argv, optind, srcs.demo, &n);
	if (names == NULL) {
		return MR_EXIT_USAGE;
	}
	mr_kb_default_warm();
	int status = run_screen(&srcs, names, n, refresh, no_audit);
	free(names);
	cli_sources_finish(&srcs);
	return status;
}
