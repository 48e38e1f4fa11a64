/* mailroom list: the queue as a table, JSON Lines or CSV. */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "export.h"
#include "filter.h"
#include "xalloc.h"

static const char list_usage[] =
	"usage: mailroom list [--json | --csv | --csv-raw] [--filter EXPR] [--demo | SOURCE...]\n";

int cli_list(int argc, char **argv) {
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "csv", no_argument, NULL, 'c' },
		{ "csv-raw", no_argument, NULL, 'C' },
		CLI_SOURCE_OPTIONS,
		{ "filter", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum mr_export_format format = MR_EXPORT_TABLE;
	struct cli_sources srcs = { 0 };
	const char *expr = NULL;
	int formats = 0;
	static const char shorts[] = "+:h";
	int opt;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, shorts, options, NULL)) != -1) {
		switch (opt) {
		case 'j':
			format = MR_EXPORT_JSON;
			formats++;
			break;
		case 'c':
			format = MR_EXPORT_CSV;
			formats++;
			break;
		case 'C':
			format = MR_EXPORT_CSV_RAW;
			formats++;
			break;
		case 'f':
			expr = optarg;
			break;
		case 'h':
			fputs(list_usage, stdout);
			return MR_EXIT_OK;
		default: {
			int taken = cli_source_option(opt, &srcs);
			if (taken > 0) {
				break;
			}
			if (taken == 0) {
				cli_option_error("list", opt, argc, argv, shorts, options);
			}
			return MR_EXIT_USAGE;
		}
		}
	}
	if (formats > 1) {
		cli_error("list: --json, --csv and --csv-raw exclude each other");
		return MR_EXIT_USAGE;
	}
	struct mr_filter *filter = expr ? cli_parse_filter("list", expr) : NULL;
	if (expr != NULL && filter == NULL) {
		return MR_EXIT_USAGE;
	}
	size_t n_names;
	const char **names = cli_source_args(argc, argv, optind, srcs.demo, &n_names);
	if (names == NULL) {
		mr_filter_free(filter);
		return MR_EXIT_USAGE;
	}
	/* Listings are large: write them in big pieces. */
	static char out_buf[1 << 16];
	setvbuf(stdout, out_buf, _IOFBF, sizeof(out_buf));
	struct cli_reading rd;
	if (!cli_read_sources(&srcs, names, n_names, &rd)) {
		mr_filter_free(filter);
		return MR_EXIT_FAILED;
	}
	int status = rd.status;
	struct mr_snapshot *snap = rd.snap;
	if (snap != NULL) {
		uint8_t *only = cli_filter_matches(filter, snap, NULL);
		if (cli_filter_failed("list", expr, filter)) {
			status =
				MR_EXIT_USAGE; /* nothing listed: the filter is the user's to fix */
		} else if (!mr_export_snapshot(stdout, format, rd.src->name, snap, only, filter,
				   snap->taken_at)) {
			cli_error("writing the listing: %s", strerror(errno));
			status = MR_EXIT_FAILED;
		}
		free(only);
	}
	mr_filter_free(filter);
	cli_reading_finish(&rd, &srcs);
	return status;
}
