/* mailroom act: one action on messages named by id or by a filter, with
 * an outcome per message. */

#include <getopt.h>
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
#include "registry.h"
#include "text.h"
#include "user.h"
#include "xalloc.h"

static const char act_usage[] =
	"usage: mailroom act ACTION (--filter EXPR | ID...) [--dry-run] [--yes] [--demo | "
	"SOURCE...]\n"
	"actions: retry hold release delete requeue expire priority-up priority-down\n"
	"A SOURCE is scheme:location (postfix:, sqlite:PATH) or a path; the other\n"
	"arguments are queue ids. Destructive actions (delete, expire) ask first, or\n"
	"need --yes when there is no terminal to ask on. Each id gets one outcome: done,\n"
	"delivered (retried and gone from the queue), not found or failed; the exit\n"
	"status is 0 only when every one is done or delivered.\n";

/* What was asked for, as the command line said it. */
struct act_args {
	const char *action_name;
	struct mr_operation op;
	const char *filter_expr;
	const char **sources;
	size_t n_sources;
	const char **ids;
	size_t n_ids;
	bool dry_run, yes;
};

/* Usage errors print and return false. */
static bool parse_args(int argc, char **argv, struct act_args *a) {
	static const struct option options[] = {
		{ "filter", required_argument, NULL, 'f' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "yes", no_argument, NULL, 'y' },
		CLI_SOURCE_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	int opt;
	bool demo = false;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "f:ny", options, NULL)) != -1) {
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
		default:
			if (cli_source_option(opt, &demo)) {
				break;
			}
			cli_unknown_option("act", argv[optind - 1]);
			return false;
		}
	}
	if (optind >= argc) {
		fputs(act_usage, stderr);
		return false;
	}
	a->action_name = argv[optind++];
	if (!mr_operation_parse(a->action_name, &a->op)) {
		cli_error("act: no action \"%s\" (retry, hold, release, delete, requeue, expire, "
			  "priority-up, priority-down)",
			a->action_name);
		return false;
	}
	a->ids = mr_xcalloc((size_t)(argc - optind) + 1, sizeof(*a->ids));
	a->sources = mr_xcalloc((size_t)(argc - optind) + 2, sizeof(*a->sources));
	if (demo) {
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

static void log_action(const struct mr_source *src, const struct mr_action_report *report) {
	char *path = mr_actlog_path();
	char *cause = NULL;
	size_t n;
	const char *const *names = mr_source_names(src, &n);
	if (path == NULL) {
		cli_error("act: no actions.log: neither XDG_STATE_HOME nor HOME is set");
	} else if (!mr_actlog_append(path, mr_now(), mr_user_name(), names, n, report, &cause)) {
		cli_error("act: the action was run, but not logged: %s", cause);
		free(cause);
	}
	free(path);
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
	struct mr_source *src =
		a.filter_expr && !filter ? NULL : cli_open_sources(a.sources, a.n_sources, false);
	if (src == NULL) {
		mr_filter_free(filter);
		free(a.ids);
		free(a.sources);
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
	if (filter != NULL || a.op.priority_step != 0 || fleet) {
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
		printf("%s: would act on %zu message%s (dry run)\n", a.action_name, n,
			n == 1 ? "" : "s");
		status = MR_EXIT_OK;
	} else if (n > 0 && mr_action_info(a.op.runs)->destructive &&
		   !confirmed(&a, src->label, n, some)) {
		status = MR_EXIT_FAILED;
	} else {
		struct mr_action_report report;
		mr_operation_run(src, &a.op, snap, ids, origins, n, &report);
		for (size_t i = 0; i < unrouted.n_results; i++) {
			mr_action_report_append(&report, &unrouted.results[i]);
		}
		print_report(&a, snap, &report);
		log_action(src, &report);
		/* 0 only when each message was done or delivered. */
		status = mr_action_report_succeeded(&report) && !partial ? MR_EXIT_OK
									 : MR_EXIT_FAILED;
		mr_action_report_finish(&report);
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
	return status;
}
