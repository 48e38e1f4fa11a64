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

/*
 * A listing written batch by batch (stream.h) as the source reads it: with
 * no sort and no column widths to know, JSON and CSV need nothing but the
 * message at hand, so a million-message queue is written in the memory of
 * a few thousand. The exporter starts with the first batch, so a source
 * that fails before one is complete writes nothing, as it did whole.
 */
struct list_stream {
	enum mr_export_format format;
	const char *source;
	struct mr_exporter *exporter; /* NULL until the first batch */
	struct mr_filter *filter;
	bool filter_failed;
	int write_errno; /* 0 while writing works */
};

static bool write_batch(void *ctx, const struct mr_snapshot *batch) {
	struct list_stream *ls = ctx;
	if (ls->exporter == NULL) {
		ls->exporter = mr_exporter_start(stdout, ls->format, ls->source);
	}
	/* One "now" for the filter's ages: the stream keeps the listing's. */
	uint8_t *only = cli_filter_matches(ls->filter, batch, NULL);
	if (ls->filter != NULL && mr_filter_last_status(ls->filter, NULL) == MR_FILTER_FAILED) {
		free(only);
		ls->filter_failed = true;
		return false;
	}
	bool ok = mr_exporter_write(ls->exporter, batch, only);
	free(only);
	if (!ok) {
		ls->write_errno = errno;
	}
	return ok;
}

/* The exit status of `list` over one source that streams, as the whole
 * listing would have it; what was written before a failure stays. */
static int list_streamed(struct mr_source *src, enum mr_export_format format,
	struct mr_filter *filter, const char *expr, size_t batch_messages) {
	struct list_stream ls = { .format = format, .source = src->name, .filter = filter };
	struct mr_stream s = {
		.batch_messages = batch_messages, .deliver = write_batch, .ctx = &ls
	};
	bool listed = cli_stream_queue(src, &s);
	if (listed && ls.exporter == NULL) {
		ls.exporter = mr_exporter_start(stdout, format, src->name); /* an empty queue */
	}
	bool flushed = mr_exporter_end(ls.exporter);
	if (ls.write_errno == 0 && !flushed) {
		ls.write_errno = errno;
	}
	if (ls.filter_failed) {
		cli_filter_failed("list", expr, filter);
		return MR_EXIT_USAGE;
	}
	if (ls.write_errno != 0) {
		cli_error("writing the listing: %s", strerror(ls.write_errno));
		return MR_EXIT_FAILED;
	}
	return listed ? MR_EXIT_OK : MR_EXIT_FAILED;
}

/*
 * MAILROOM_LIST_BATCH, for the tests (mailroom(1), ENVIRONMENT): N messages
 * per batch of a streamed listing, so that a small listing is cut into
 * many; 0 reads the queue whole, as before streaming, to compare with.
 * Unset (or not a number): batches of the default size. False: whole.
 */
static bool batches_from_environment(size_t *batch_messages) {
	const char *v = getenv("MAILROOM_LIST_BATCH");
	*batch_messages = 0;
	if (v == NULL || *v < '0' || *v > '9') {
		return true;
	}
	char *end;
	unsigned long n = strtoul(v, &end, 10);
	*batch_messages = *end == '\0' ? (size_t)n : 0;
	return *end != '\0' || n > 0;
}

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
	size_t batch_messages;
	bool streams = format != MR_EXPORT_TABLE && n_names == 1 &&
		       batches_from_environment(&batch_messages);
	/* Standard input, streamed, is not kept whole as it is to list again. */
	srcs.streamed_once = streams;
	struct cli_reading rd;
	if (!cli_open_reading(&srcs, names, n_names, &rd)) {
		mr_filter_free(filter);
		return MR_EXIT_FAILED;
	}
	/* The table's columns are as wide as the whole queue's widest cell,
	 * and several sources are merged: those read the queue whole. */
	if (streams && mr_source_can_stream(rd.src)) {
		int status = list_streamed(rd.src, format, filter, expr, batch_messages);
		mr_filter_free(filter);
		cli_reading_finish(&rd, &srcs);
		return status;
	}
	cli_reading_list(&rd);
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
