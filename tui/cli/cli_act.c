/* mailroom act: one action on messages named by id or by a filter, with
 * an outcome per message. */

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actlog.h"
#include "cli.h"
#include "clock.h"
#include "filter.h"
#include "fleet.h"
#include "operate.h"
#include "pace.h"
#include "registry.h"
#include "text.h"
#include "user.h"
#include "xalloc.h"

static const char act_usage[] =
	"usage: mailroom act ACTION (--filter EXPR | ID...) [--dry-run] [--yes] [--rate N/s]\n"
	"       [--demo | SOURCE...]\n"
	"actions: retry hold release delete requeue expire priority-up priority-down\n"
	"         release-retry expire-now\n"
	"A SOURCE is scheme:location (postfix:, sqlite:PATH) or a path; the other\n"
	"arguments are queue ids. Destructive actions (delete, expire) ask first, or\n"
	"need --yes when there is no terminal to ask on. --rate N/s (or N/m) paces the\n"
	"ids. Each id gets one outcome: done, delivered (retried and gone from the\n"
	"queue), not found or failed, or not attempted after Ctrl-C; the exit status is\n"
	"0 only when every one is done or delivered.\n";

/* What was asked for, as the command line said it. */
struct act_args {
	const char *action_name;
	struct mr_operation op;
	const char *filter_expr;
	const char **sources;
	size_t n_sources;
	const char **ids;
	size_t n_ids;
	bool dry_run, yes, no_audit;
	double rate;                       /* --rate: ids a second, 0 for as fast as it goes */
	struct cli_sources sources_opened; /* --demo, --accept-new, what opening takes */
};

/* Usage errors print and return false. */
static bool parse_args(int argc, char **argv, struct act_args *a) {
	static const struct option options[] = {
		{ "filter", required_argument, NULL, 'f' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "yes", no_argument, NULL, 'y' },
		{ "no-audit", no_argument, NULL, 'A' },
		{ "rate", required_argument, NULL, 'R' },
		CLI_SOURCE_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	/* Options may follow the action and the ids (no "+"). */
	static const char shorts[] = ":f:ny";
	int opt;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, shorts, options, NULL)) != -1) {
		switch (opt) {
		case 'f':
			a->filter_expr = optarg;
			break;
		case 'n':
			a->dry_run = true;
			break;
		case 'y':
			a->yes = true;
			break;
		case 'A':
			a->no_audit = true;
			break;
		case 'R': {
			char *cause = NULL;
			if (!mr_rate_parse(optarg, &a->rate, &cause)) {
				cli_error("act: --rate: %s", cause);
				free(cause);
				return false;
			}
			break;
		}
		default: {
			int taken = cli_source_option(opt, &a->sources_opened);
			if (taken > 0) {
				break;
			}
			if (taken == 0) {
				cli_option_error("act", opt, argc, argv, shorts, options);
			}
			return false;
		}
		}
	}
	if (optind >= argc) {
		fputs(act_usage, stderr);
		return false;
	}
	a->action_name = argv[optind++];
	if (!mr_operation_parse(a->action_name, &a->op)) {
		cli_error("act: no action \"%s\" (retry, hold, release, delete, requeue, expire, "
			  "priority-up, priority-down, release-retry, expire-now)",
			a->action_name);
		return false;
	}
	a->ids = mr_xcalloc((size_t)(argc - optind) + 1, sizeof(*a->ids));
	a->sources = mr_xcalloc((size_t)(argc - optind) + 2, sizeof(*a->sources));
	if (a->sources_opened.demo) {
		a->sources[a->n_sources++] = "demo:";
	}
	/* Queue ids are letters and digits only; a word that names a source (a
	 * Host of ~/.ssh/config such as "mx1", a file here) is a source. */
	for (int i = optind; i < argc; i++) {
		bool id = mr_queue_id_valid(argv[i]) &&
			  !mr_source_recognised(mr_backend_registry, argv[i]);
		if (id) {
			a->ids[a->n_ids++] = argv[i];
		} else {
			a->sources[a->n_sources++] = argv[i];
		}
	}
	if ((a->filter_expr != NULL) == (a->n_ids > 0)) {
		cli_error("act: give either --filter EXPR or queue ids");
		return false;
	}
	if (a->n_sources == 0) {
		a->sources[a->n_sources++] = "postfix:"; /* as for list: the local Postfix queue */
	}
	return cli_check_sources(a->sources, a->n_sources);
}

/* The queued messages the filter matches (bounced mail has left the queue),
 * with their origins. */
static const char **filtered_ids(struct mr_filter *filter, const struct mr_snapshot *snap,
	uint16_t **origins, size_t *n, size_t *bounced) {
	uint8_t *match = cli_filter_matches(filter, snap, NULL);
	const char **ids = mr_xcalloc(snap->n_messages + 1, sizeof(*ids));
	*origins = mr_xcalloc(snap->n_messages + 1, sizeof(**origins));
	*n = *bounced = 0;
	for (size_t i = 0; i < snap->n_messages; i++) {
		if (!match[i]) {
			continue;
		}
		if (snap->messages[i].queue == MR_QUEUE_BOUNCED) {
			(*bounced)++;
		} else {
			(*origins)[*n] = snap->messages[i].origin;
			ids[(*n)++] = snap->messages[i].id;
		}
	}
	free(match);
	return ids;
}

/* The origin of an outcome that no source gave: printed without one. */
#define NO_ORIGIN UINT16_MAX

/*
 * With several sources, the ids named go to the one source whose listing
 * has each; an id that none has, or more than one (ids are unique only
 * within a queue), is not acted on: its outcome goes in unrouted, and ids
 * keeps the others (*n of them) with their origins.
 */
static uint16_t *route_ids(const struct mr_snapshot *snap, const char **ids, size_t *n,
	struct mr_action_report *unrouted) {
	uint16_t *origins = mr_xcalloc(*n + 1, sizeof(*origins));
	size_t kept = 0;
	for (size_t i = 0; i < *n; i++) {
		size_t found = 0;
		uint16_t origin = 0;
		struct mr_buf where;
		mr_buf_init(&where);
		for (size_t m = 0; m < snap->n_messages; m++) {
			const struct mr_message *msg = &snap->messages[m];
			if (strcmp(msg->id, ids[i]) == 0 && (found == 0 || msg->origin != origin)) {
				mr_buf_printf(&where, "%s%s", found ? " and " : "",
					mr_message_origin(snap, msg));
				origin = msg->origin;
				found++;
			}
		}
		if (found == 1) {
			origins[kept] = origin;
			ids[kept++] = ids[i];
		} else if (found == 0) {
			mr_action_report_add(unrouted, ids[i], MR_OUTCOME_NOT_FOUND, false,
				"in none of the queues listed")
				->origin = NO_ORIGIN;
		} else {
			mr_action_report_add(unrouted, ids[i], MR_OUTCOME_FAILED, false,
				"on %s, different messages with the same id: name the one "
				"source",
				where.data)
				->origin = NO_ORIGIN;
		}
		mr_buf_finish(&where);
	}
	*n = kept;
	return origins;
}

/* Asks on the terminal; false (after saying why) when there is none. */
static bool confirmed(const struct act_args *a, const char *source, size_t n, const char *ids) {
	if (a->yes) {
		return true;
	}
	if (!isatty(STDIN_FILENO) || !isatty(STDERR_FILENO)) {
		cli_error("act: %s cannot be undone: add --yes to %s %zu message%s (%s)",
			a->action_name, a->action_name, n, n == 1 ? "" : "s", ids);
		return false;
	}
	fprintf(stderr, "%s %zu message%s in %s (%s)? This cannot be undone. [y/N] ",
		a->action_name, n, n == 1 ? "" : "s", source, ids);
	char answer[16] = "";
	if (fgets(answer, sizeof(answer), stdin) == NULL) {
		return false;
	}
	return answer[0] == 'y' || answer[0] == 'Y';
}

/* A line per id ("ID outcome detail"); with several sources the source's
 * label first. Then the count of each outcome, all four. */
static void print_report(const struct act_args *a, const struct mr_snapshot *snap,
	const struct mr_action_report *report) {
	for (size_t i = 0; i < report->n_results; i++) {
		const struct mr_action_result *r = &report->results[i];
		if (snap != NULL && r->origin < snap->n_origins) {
			char *shown = mr_text_visible_dup(snap->origins[r->origin]);
			printf("%s\t", shown);
			free(shown);
		}
		printf("%s\t%s", r->id, mr_outcome_name(r->outcome));
		if (r->new_id != NULL) {
			printf("\tnow %s", r->new_id);
		} else if (r->detail != NULL) {
			char *shown = mr_text_visible_dup(r->detail);
			printf("\t%s", shown);
			free(shown);
		}
		putchar('\n');
	}
	char *tally = mr_action_report_tally(report);
	printf("%s: %s\n", a->action_name, tally);
	free(tally);
}

/* Every id named can be one of the source's: "act hold ID mx1" with mx1
 * not a known host would otherwise hold ID on the local queue and report
 * mx1 not found, when mx1 was meant as the source. False (said): nothing
 * is done. */
static bool ids_plausible(const struct act_args *a, const struct mr_source *src) {
	bool ok = true;
	for (size_t i = 0; i < a->n_ids; i++) {
		if (!mr_source_id_plausible(src, a->ids[i])) {
			char *label = mr_text_visible_dup(src->label);
			cli_error("act: \"%s\" is not a queue id of %s, nor a source mailroom "
				  "knows, so "
				  "nothing was done (a host is named ssh://HOST, USER@HOST or by a "
				  "Host "
				  "of ~/.ssh/config)",
				a->ids[i], label);
			free(label);
			ok = false;
		}
	}
	return ok;
}

/*
 * Ctrl-C while an action runs stops it between two ids (or batches): what
 * was done keeps its outcome, the rest are "not attempted", and both are
 * recorded and printed. A second Ctrl-C kills, as usual. The flag is the
 * signal's: the only state a handler may touch.
 */
static volatile sig_atomic_t stop_asked;

static void on_interrupt(int sig) {
	stop_asked = 1;
	signal(sig, SIG_DFL);
}

static bool stop_requested(void *ctx) {
	(void)ctx;
	return stop_asked != 0;
}

/* The progress line, on standard error when it is a terminal: rewritten in
 * place after each part, cleared at the end. */
struct progress_line {
	const char *action;
	bool shown;
};

static void show_progress(void *ctx, size_t done, size_t total) {
	struct progress_line *p = ctx;
	if (total == 0) {
		return;
	}
	fprintf(stderr, "\r%s: %zu of %zu (%zu%%), Ctrl-C stops after the part under way\033[K",
		p->action, done, total, done * 100 / total);
	fflush(stderr);
	p->shown = true;
}

/* The actions log, opened before anything is done; false (said) when it
 * cannot be and the operator did not say --no-audit: then nothing runs. */
static bool open_log(const struct act_args *a, struct mr_actlog *log) {
	*log = (struct mr_actlog){ .fd = -1 };
	if (a->no_audit) {
		return true;
	}
	char *cause = NULL;
	if (!mr_actlog_open(log, &cause)) {
		cli_error("act: %s: cannot record the action, so nothing was done (--no-audit acts "
			  "without a record)",
			cause);
		free(cause);
		mr_actlog_close(log);
		return false;
	}
	return true;
}

/* The printout failed (a closed output: "act ... | head -1"): one line
 * saying so, and where the outcomes are when they were recorded (log_path,
 * else NULL). errno is the write's. */
static void say_unprinted(const char *log_path) {
	const char *error = strerror(errno ? errno : EIO);
	if (log_path == NULL) {
		cli_error(
			"act: the outcomes could not all be printed (standard output: %s)", error);
		return;
	}
	char *shown = mr_text_visible_dup(log_path);
	cli_error("act: the outcomes could not all be printed (standard output: %s); %s has "
		  "them all",
		error, shown);
	free(shown);
}

/* Runs the action between its two records; false when the first could not
 * be written (nothing was done). *recorded says whether the second was. */
static bool run_recorded(const struct act_args *a, struct mr_source *src, const char **ids,
	const uint16_t *origins, size_t n, struct mr_actlog *log, struct mr_action_report *report,
	bool *recorded) {
	size_t n_names;
	const char *const *names = mr_source_names(src, &n_names);
	struct mr_actlog_who who = { mr_now(), mr_user_name(), names, n_names };
	char *cause = NULL;
	*recorded = true;
	if (log->fd >= 0 && !mr_actlog_begin(log, &who, mr_action_info(a->op.runs)->name, ids,
				    mr_fleet_is(src) ? origins : NULL, n, &cause)) {
		cli_error("act: %s: cannot record the action, so nothing was done (--no-audit "
			  "acts without a record)",
			cause);
		free(cause);
		return false;
	}
	struct mr_stop stop = { stop_requested, NULL };
	struct mr_operation op = a->op;
	op.stop = &stop;
	op.rate = a->rate;
	struct progress_line line = { .action = a->action_name };
	struct mr_progress progress = { show_progress, &line };
	if (isatty(STDERR_FILENO)) {
		op.progress = &progress;
	}
	struct sigaction sa = { .sa_handler = on_interrupt }, was;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &was);
	mr_operation_run(src, &op, ids, origins, n, report);
	sigaction(SIGINT, &was, NULL);
	if (line.shown) {
		fputs("\r\033[K", stderr);
	}
	if (stop_asked) {
		fprintf(stderr, "mailroom: act: stopped (Ctrl-C): %zu not attempted\n",
			report->counts[MR_OUTCOME_NOT_ATTEMPTED]);
	}
	who.when = mr_now();
	if (log->fd >= 0 && !mr_actlog_record(log, &who, report, &cause)) {
		cli_error("act: the action was run, but its outcomes were not recorded: %s", cause);
		free(cause);
		*recorded = false;
	}
	return true;
}

int cli_act(int argc, char **argv) {
	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		fputs(act_usage, stdout);
		return MR_EXIT_OK;
	}
	struct act_args a = { 0 };
	if (!parse_args(argc, argv, &a)) {
		free(a.ids);
		free(a.sources);
		return MR_EXIT_USAGE;
	}
	struct mr_filter *filter = a.filter_expr ? cli_parse_filter("act", a.filter_expr) : NULL;
	struct mr_source *src = a.filter_expr && !filter ? NULL
							 : cli_open_sources(&a.sources_opened,
								   a.sources, a.n_sources, false);
	if (src == NULL) {
		mr_filter_free(filter);
		free(a.ids);
		free(a.sources);
		cli_sources_finish(&a.sources_opened);
		return a.filter_expr && !filter ? MR_EXIT_USAGE : MR_EXIT_FAILED;
	}
	bool fleet = mr_fleet_is(src);
	int status = MR_EXIT_FAILED;
	struct mr_snapshot *snap = NULL;
	const char **ids = a.ids;
	uint16_t *origins = NULL;
	size_t n = a.n_ids, bounced = 0;
	struct mr_action_report unrouted;
	mr_action_report_init(&unrouted, a.op.action);
	struct mr_actlog log = { .fd = -1 };
	char *why = NULL;
	/* A fleet's members are planned for once they are open (listed). */
	if (!fleet && !mr_operation_plan(src, &a.op, &why)) {
		cli_error("act: %s", why);
		free(why);
		goto done;
	}
	if (why != NULL) {
		fprintf(stderr, "mailroom: act: %s\n", why); /* what a priority step means */
		free(why);
	}
	bool partial = false;
	/* A priority step needs no listing: the source moves each message
	 * from the priority it has as it acts. */
	if (filter != NULL || fleet) {
		snap = cli_read_queue(src, &partial);
		if (snap == NULL) {
			goto done;
		}
	}
	if (fleet && !mr_operation_plan(src, &a.op, &why)) {
		cli_error("act: %s", why);
		free(why);
		goto done;
	}
	if (fleet && why != NULL) {
		fprintf(stderr, "mailroom: act: %s\n", why);
		free(why);
	}
	if (filter == NULL && !ids_plausible(&a, src)) {
		status = MR_EXIT_USAGE;
		goto done;
	}
	if (filter != NULL) {
		ids = filtered_ids(filter, snap, &origins, &n, &bounced);
		if (cli_filter_failed("act", a.filter_expr, filter)) {
			status = MR_EXIT_USAGE; /* and nothing is acted on */
			goto done;
		}
		if (bounced > 0) {
			fprintf(stderr,
				"mailroom: act: %zu bounced message%s left out (no longer "
				"queued)\n",
				bounced, bounced == 1 ? "" : "s");
		}
	} else if (fleet) {
		origins = route_ids(snap, ids, &n, &unrouted);
	}
	char *some = mr_ids_sample(ids, n);
	if (n == 0 && unrouted.n_results == 0) {
		printf("%s: no message matches\n", a.action_name);
		status = partial ? MR_EXIT_FAILED : MR_EXIT_OK;
	} else if (a.dry_run) {
		for (size_t i = 0; i < n; i++) {
			if (fleet) {
				char *shown = mr_text_visible_dup(snap->origins[origins[i]]);
				printf("%s\t", shown);
				free(shown);
			}
			puts(ids[i]);
		}
		char *label = mr_text_visible_dup(src->label);
		printf("%s: would act on %zu message%s on %s (dry run)\n", a.action_name, n,
			n == 1 ? "" : "s", label);
		free(label);
		status = MR_EXIT_OK;
	} else if (n > 0 && mr_action_info(a.op.runs)->destructive &&
		   !confirmed(&a, src->label, n, some)) {
		status = MR_EXIT_FAILED;
	} else if (open_log(&a, &log)) {
		struct mr_action_report report;
		bool recorded;
		if (run_recorded(&a, src, ids, origins, n, &log, &report, &recorded)) {
			for (size_t i = 0; i < unrouted.n_results; i++) {
				mr_action_report_append(&report, &unrouted.results[i]);
			}
			/* The record is written: a closed output now loses only the
			 * printout, which then fails the command. */
			signal(SIGPIPE, SIG_IGN);
			errno = 0;
			print_report(&a, snap, &report);
			bool printed = fflush(stdout) == 0 && !ferror(stdout);
			if (!printed) {
				say_unprinted(log.fd >= 0 && recorded ? log.path : NULL);
			}
			/* 0 only when each message was done or delivered. */
			status = mr_action_report_succeeded(&report) && !partial && recorded &&
						 printed
					 ? MR_EXIT_OK
					 : MR_EXIT_FAILED;
			mr_action_report_finish(&report);
		}
		mr_actlog_close(&log);
	}
	free(some);
done:
	if (ids != a.ids) {
		free(ids);
	}
	free(origins);
	free(a.ids);
	free(a.sources);
	mr_action_report_finish(&unrouted);
	mr_snapshot_destroy(snap);
	mr_filter_free(filter);
	mr_source_destroy(src);
	cli_sources_finish(&a.sources_opened);
	return status;
}
