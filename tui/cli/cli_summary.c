/* mailroom summary: the queue at a glance, as a table or one JSON object. */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "clock.h"
#include "export.h"
#include "filter.h"
#include "format.h"
#include "json.h"
#include "summary.h"
#include "text.h"
#include "xalloc.h"

static const char summary_usage[] =
	"usage: mailroom summary [--json] [--by recipient|sender] [--queue QUEUE[,QUEUE...]] "
	"[--bounced] [--filter EXPR] [--top N] [--demo | SOURCE...]\n";

/* What the table by domain counts: recipients by their domain (qshape), or
 * messages by their sender's (qshape -s). */
enum by { BY_RECIPIENT, BY_SENDER };

static void print_visible(const char *s, int width) {
	char *shown = mr_text_visible_dup(s);
	printf("%-*.*s", width, width, shown);
	free(shown);
}

static void table_row(const struct mr_summary_row *r) {
	print_visible(r->label, 28);
	printf(" %7zu", r->count);
	for (size_t c = 0; c < MR_SUMMARY_AGES; c++) {
		printf(" %6zu", r->ages[c]);
	}
	putchar('\n');
}

/* The heading of a table by age, as qshape's. */
static void age_heads(const char *what, const char *by) {
	printf("\n%s by %s and age in minutes:\n%-28s %7s", what, by, "", "T");
	for (size_t c = 0; c < MR_SUMMARY_AGES; c++) {
		printf(" %6s", mr_summary_age_heads[c]);
	}
	putchar('\n');
}

static void print_scope(const struct mr_summary_scope *sc) {
	if (sc->queues != 0) {
		char *names = mr_summary_queues_name(sc->queues, ", ");
		char *args = mr_summary_queues_name(sc->queues, " ");
		char outside[MR_FORMAT_MAX];
		mr_format_count(outside, sc->outside);
		printf("Queues: %s, as qshape %s; not counted: %s message%s of the others\n", names,
			args, outside, sc->outside == 1 ? "" : "s");
		free(names);
		free(args);
	}
	char messages[MR_FORMAT_MAX], recipients[MR_FORMAT_MAX];
	mr_format_count(messages, sc->left_messages);
	mr_format_count(recipients, sc->left_recipients);
	if (sc->bounced) {
		printf("Counted: mail that bounced or expired, from the mail log (no longer "
		       "queued); not counted: %s queued message%s, %s recipient%s\n",
			messages, sc->left_messages == 1 ? "" : "s", recipients,
			sc->left_recipients == 1 ? "" : "s");
	} else if (sc->left_messages > 0) {
		printf("Counted: the queue; not counted: %s bounced message%s, %s recipient%s, "
		       "from the mail log (--bounced counts them)\n",
			messages, sc->left_messages == 1 ? "" : "s", recipients,
			sc->left_recipients == 1 ? "" : "s");
	} else {
		puts("Counted: the queue");
	}
}

static void print_table(const char *source, const struct mr_summary *s,
	const struct mr_summary_scope *sc, enum by by) {
	char messages[MR_FORMAT_MAX], recipients[MR_FORMAT_MAX];
	mr_format_count(messages, s->messages);
	mr_format_count(recipients, s->recipients);
	char *shown = mr_text_visible_dup(source);
	printf("Source %s\n", shown);
	print_scope(sc);
	printf("%s message%s, %s recipient%s", messages, s->messages == 1 ? "" : "s", recipients,
		s->recipients == 1 ? "" : "s");
	free(shown);
	const char *sep = " (";
	for (int q = 0; q < MR_QUEUE_COUNT; q++) {
		if (s->queues[q] > 0) {
			printf("%s%s %zu", sep, mr_queue_name((enum mr_queue)q), s->queues[q]);
			sep = ", ";
		}
	}
	puts(*sep == ',' ? ")" : "");
	if (s->expiring > 0) {
		/* counted in their queue (qshape 3.7 skips their files) */
		printf("Of them expiring (expired by the operator, returned at the next attempt): "
		       "%zu\n",
			s->expiring);
	}
	if (by == BY_SENDER) {
		age_heads("Messages", "sender domain");
		table_row(&s->sender_total);
		for (size_t i = 0; i < s->n_senders; i++) {
			table_row(&s->senders[i]);
		}
	} else {
		age_heads("Recipients", "domain");
		table_row(&s->total);
		for (size_t i = 0; i < s->n_domains; i++) {
			table_row(&s->domains[i]);
		}
	}
	if (s->n_sources > 0) {
		age_heads("Recipients", "source");
		for (size_t i = 0; i < s->n_sources; i++) {
			table_row(&s->sources[i]);
		}
	}
	printf("\nRecipients with a reason, by cause:\n");
	for (size_t i = 0; i < s->n_categories; i++) {
		printf("  %7zu  %s\n", s->categories[i].count, s->categories[i].label);
	}
	printf("\nTop reasons (recipients, cause, code, remote host, reply):\n");
	for (size_t i = 0; i < s->n_reasons; i++) {
		const struct mr_summary_row *r = &s->reasons[i];
		printf("  %7zu  %-18s %-8s ", r->count, r->category, r->code[0] ? r->code : "-");
		print_visible(r->host ? r->host : "-", 32);
		putchar(' ');
		char *reply = mr_text_visible_dup(r->label);
		printf("%.100s\n", reply);
		free(reply);
	}
}

/* A JSON string on standard output (the summary is a few hundred lines:
 * one small buffer each). */
static void put_json_string(const char *s) {
	struct mr_buf out;
	mr_buf_init(&out);
	mr_json_string(&out, s);
	fwrite(out.data, 1, out.len, stdout);
	mr_buf_finish(&out);
}

static void json_rows(const char *name, const struct mr_summary_row *rows, size_t n, bool ages) {
	/* The sender tables count messages, as qshape -s; the others recipients. */
	const char *counted = strncmp(name, "sender", 6) == 0 ? "messages" : "recipients";
	printf(",\"%s\":[", name);
	for (size_t i = 0; i < n; i++) {
		const struct mr_summary_row *r = &rows[i];
		fputs(i ? ",{\"label\":" : "{\"label\":", stdout);
		put_json_string(r->label);
		fputs(",\"filter\":", stdout);
		put_json_string(r->filter ? r->filter : "");
		printf(",\"%s\":%zu", counted, r->count);
		if (ages) {
			fputs(",\"ages\":[", stdout);
			for (size_t c = 0; c < MR_SUMMARY_AGES; c++) {
				printf(c ? ",%zu" : "%zu", r->ages[c]);
			}
			putchar(']');
		}
		if (r->category != NULL && strcmp(name, "reasons") == 0) {
			fputs(",\"category\":", stdout);
			put_json_string(r->category);
			fputs(",\"code\":", stdout);
			if (r->code[0]) {
				put_json_string(r->code);
			} else {
				fputs("null", stdout);
			}
			fputs(",\"host\":", stdout);
			if (r->host) {
				put_json_string(r->host);
			} else {
				fputs("null", stdout);
			}
		}
		putchar('}');
	}
	putchar(']');
}

static void print_json(const char *source, const struct mr_summary *s,
	const struct mr_summary_scope *sc, enum by by) {
	fputs("{\"source\":", stdout);
	put_json_string(source);
	printf(",\"counted\":\"%s\",\"scope\":\"%s\",\"not_counted\":{\"messages\":%zu,"
	       "\"recipients\":%zu}",
		sc->bounced ? "bounced" : "queue", sc->bounced ? "queue:bounced" : "-queue:bounced",
		sc->left_messages, sc->left_recipients);
	fputs(",\"queues_counted\":", stdout);
	if (sc->queues == 0) {
		fputs("null", stdout);
	} else {
		char *names = mr_summary_queues_name(sc->queues, "\",\"");
		printf("[\"%s\"],\"outside\":%zu", names, sc->outside);
		free(names);
	}
	printf(",\"by\":\"%s\"", by == BY_SENDER ? "sender" : "recipient");
	printf(",\"messages\":%zu,\"recipients\":%zu,\"expiring\":%zu,\"queues\":{", s->messages,
		s->recipients, s->expiring);
	for (int q = 0; q < MR_QUEUE_COUNT; q++) {
		printf("%s\"%s\":%zu", q ? "," : "", mr_queue_name((enum mr_queue)q), s->queues[q]);
	}
	fputs("},\"age_minutes\":[", stdout);
	for (size_t c = 0; c < MR_SUMMARY_AGES; c++) {
		printf(c ? ",%d" : "%d", mr_summary_age_minutes[c]);
	}
	putchar(']');
	json_rows("total", &s->total, 1, true);
	json_rows("domains", s->domains, s->n_domains, true);
	json_rows("sender_total", &s->sender_total, 1, true);
	json_rows("sender_domains", s->senders, s->n_senders, true);
	json_rows("sources", s->sources, s->n_sources, true);
	json_rows("categories", s->categories, s->n_categories, true);
	json_rows("reasons", s->reasons, s->n_reasons, true);
	puts("}");
}

/* How the summary is printed. */
struct shown {
	const char *source;
	bool json;
	enum by by;
};

/* Prints s and finishes it; a failed write makes *status MR_EXIT_FAILED. */
static void print_summary(struct mr_summary *s, const struct mr_summary_scope *sc,
	const struct shown *shown, int *status) {
	if (shown->json) {
		print_json(shown->source, s, sc, shown->by);
	} else {
		print_table(shown->source, s, sc, shown->by);
	}
	mr_summary_finish(s);
	if (fflush(stdout) != 0) {
		cli_error("writing the summary: %s", strerror(errno));
		*status = MR_EXIT_FAILED;
	}
}

/*
 * The summary from what the source counts as it reads (summary_facts.h),
 * without a listing: the same summary, a fraction of the time and memory on
 * a big queue. A source that lists in batches (a saved listing) is summed
 * up batch by batch. False when the source cannot (neither, or rows that
 * only a listing repairs): list then.
 */
static bool summarise_counted(struct mr_source *src, struct mr_summary_scope *sc,
	const struct shown *shown, size_t top, int *status) {
	struct mr_summary_facts facts;
	mr_summary_facts_init(&facts, mr_summary_scope_counted(sc), mr_now(), mr_kb_default());
	char *cause = NULL;
	enum mr_summarise done = mr_source_summarise(src, &facts, &cause);
	if (done != MR_SUMMARISE_CANNOT) {
		cli_print_listing_warnings(src); /* a source read in batches has them */
	}
	if (done == MR_SUMMARISE_DONE) {
		struct mr_summary s;
		mr_summary_build_facts(&s, sc, &facts, mr_kb_default(), top);
		*status = MR_EXIT_OK;
		print_summary(&s, sc, shown, status);
	} else if (done == MR_SUMMARISE_FAILED) {
		cli_error("%s", cause);
		free(cause);
		*status = MR_EXIT_FAILED;
	}
	mr_summary_facts_finish(&facts);
	return done != MR_SUMMARISE_CANNOT;
}

int cli_summary(int argc, char **argv) {
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "bounced", no_argument, NULL, 'b' },
		{ "filter", required_argument, NULL, 'f' },
		{ "top", required_argument, NULL, 't' },
		{ "by", required_argument, NULL, 'y' },
		{ "queue", required_argument, NULL, 'q' },
		CLI_SOURCE_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false, bounced = false;
	struct cli_sources srcs = { 0 };
	const char *expr = NULL;
	long top = 10;
	enum by by = BY_RECIPIENT;
	unsigned queues = 0;
	static const char shorts[] = "+:h";
	int opt;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, shorts, options, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'b':
			bounced = true;
			break;
		case 'f':
			expr = optarg;
			break;
		case 't':
			if (!cli_parse_number("summary: --top", optarg, 1, 1000, &top)) {
				return MR_EXIT_USAGE;
			}
			break;
		case 'y':
			if (strcmp(optarg, "recipient") == 0) {
				by = BY_RECIPIENT;
			} else if (strcmp(optarg, "sender") == 0) {
				by = BY_SENDER;
			} else {
				cli_error("summary: --by takes recipient or sender (got \"%s\")",
					optarg);
				return MR_EXIT_USAGE;
			}
			break;
		case 'q': {
			unsigned more;
			char why[120];
			if (!mr_summary_queues_parse(optarg, &more, why, sizeof(why))) {
				cli_error("summary: --queue %s: %s", optarg, why);
				return MR_EXIT_USAGE;
			}
			queues |= more;
			break;
		}
		case 'h':
			fputs(summary_usage, stdout);
			return MR_EXIT_OK;
		default: {
			int taken = cli_source_option(opt, &srcs);
			if (taken > 0) {
				break;
			}
			if (taken == 0) {
				cli_option_error("summary", opt, argc, argv, shorts, options);
			}
			return MR_EXIT_USAGE;
		}
		}
	}
	if (bounced && queues != 0) {
		cli_error("summary: --bounced counts mail no longer queued; --queue cannot go "
			  "with it");
		return MR_EXIT_USAGE;
	}
	struct mr_filter *filter = expr ? cli_parse_filter("summary", expr) : NULL;
	if (expr != NULL && filter == NULL) {
		return MR_EXIT_USAGE;
	}
	size_t n_names;
	const char **names = cli_source_args(argc, argv, optind, srcs.demo, &n_names);
	if (names == NULL) {
		mr_filter_free(filter);
		return MR_EXIT_USAGE;
	}
	struct cli_reading rd;
	if (!cli_open_reading(&srcs, names, n_names, &rd)) {
		mr_filter_free(filter);
		return MR_EXIT_FAILED;
	}
	struct mr_summary_scope sc = { .bounced = bounced, .queues = queues };
	const struct shown shown = { .source = rd.src->name, .json = json, .by = by };
	/* A filter needs the listing; so may the source (summarise_counted). */
	int status;
	if (filter != NULL || !summarise_counted(rd.src, &sc, &shown, (size_t)top, &status)) {
		cli_reading_list(&rd);
		status = rd.status;
	}
	struct mr_snapshot *snap = rd.snap;
	if (snap != NULL) {
		uint8_t *only_rcpt = NULL;
		uint8_t *only = cli_filter_matches(filter, snap, &only_rcpt);
		if (cli_filter_failed("summary", expr, filter)) {
			status = MR_EXIT_USAGE; /* nothing summed up: the filter is the user's to
						   fix */
		} else {
			uint8_t *counted = mr_summary_scope(snap, only, only_rcpt, &sc);
			struct mr_summary s;
			mr_summary_build(&s, snap, counted, only_rcpt, mr_kb_default(),
				snap->taken_at, (size_t)top);
			print_summary(&s, &sc, &shown, &status);
			free(counted);
		}
		free(only);
		free(only_rcpt);
	}
	mr_filter_free(filter);
	cli_reading_finish(&rd, &srcs);
	return status;
}
