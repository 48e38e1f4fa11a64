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
#include "operate.h"
#include "text.h"
#include "user.h"
#include "xalloc.h"

static const char act_usage[] =
	"usage: mailroom act ACTION (--filter EXPR | ID...) [--dry-run] [--yes] [--demo | SOURCE]\n"
	"actions: retry hold release delete requeue expire priority-up priority-down\n"
	"A SOURCE is scheme:location (postfix:, sqlite:PATH) or a path; the other\n"
	"arguments are queue ids. Destructive actions (delete, expire) ask first, or\n"
	"need --yes when there is no terminal to ask on.\n";

/* What was asked for, as the command line said it. */
struct act_args {
	const char *action_name;
	struct mr_operation op;
	const char *filter_expr;
	const char *source;
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
	a->source = demo ? "demo:" : NULL;
	a->ids = mr_xcalloc((size_t)(argc - optind) + 1, sizeof(*a->ids));
	/* Queue ids are letters and digits only; anything else names the source. */
	for (int i = optind; i < argc; i++) {
		if (mr_queue_id_valid(argv[i])) {
			a->ids[a->n_ids++] = argv[i];
		} else if (a->source == NULL) {
			a->source = argv[i];
		} else {
			cli_error("act: \"%s\" is not a queue id, and the source is %s", argv[i],
				a->source);
			return false;
		}
	}
	if ((a->filter_expr != NULL) == (a->n_ids > 0)) {
		cli_error("act: give either --filter EXPR or queue ids");
		return false;
	}
	if (a->source == NULL) {
		a->source = "postfix:"; /* as for list: the local Postfix queue */
	}
	return true;
}

/* The queued messages the filter matches (bounced mail has left the queue). */
static const char **filtered_ids(
	struct mr_filter *filter, const struct mr_snapshot *snap, size_t *n, size_t *bounced) {
	uint8_t *match = cli_filter_matches(filter, snap, NULL);
	const char **ids = mr_xcalloc(snap->n_messages + 1, sizeof(*ids));
	*n = *bounced = 0;
	for (size_t i = 0; i < snap->n_messages; i++) {
		if (!match[i]) {
			continue;
		}
		if (snap->messages[i].queue == MR_QUEUE_BOUNCED) {
			(*bounced)++;
		} else {
			ids[(*n)++] = snap->messages[i].id;
		}
	}
	free(match);
	return ids;
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

static void print_report(const struct act_args *a, const struct mr_action_report *report) {
	for (size_t i = 0; i < report->n_results; i++) {
		const struct mr_action_result *r = &report->results[i];
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
	printf("%s: %zu done, %zu not found, %zu failed\n", a->action_name,
		report->counts[MR_OUTCOME_DONE], report->counts[MR_OUTCOME_NOT_FOUND],
		report->counts[MR_OUTCOME_FAILED]);
}

static void log_action(const char *source, const struct mr_action_report *report) {
	char *path = mr_actlog_path();
	char *cause = NULL;
	if (path == NULL) {
		cli_error("act: no actions.log: neither XDG_STATE_HOME nor HOME is set");
	} else if (!mr_actlog_append(path, mr_now(), mr_user_name(), source, report, &cause)) {
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
		return MR_EXIT_USAGE;
	}
	struct mr_filter *filter = a.filter_expr ? cli_parse_filter("act", a.filter_expr) : NULL;
	struct mr_source *src = a.filter_expr && !filter ? NULL : cli_open_source(a.source, false);
	if (src == NULL) {
		mr_filter_free(filter);
		free(a.ids);
		return a.filter_expr && !filter ? MR_EXIT_USAGE : MR_EXIT_FAILED;
	}
	int status = MR_EXIT_FAILED;
	struct mr_snapshot *snap = NULL;
	const char **ids = a.ids;
	size_t n = a.n_ids, bounced = 0;
	char *why = NULL;
	if (!mr_operation_plan(src, &a.op, &why)) {
		cli_error("act: %s", why);
		free(why);
		goto done;
	}
	if (why != NULL) {
		fprintf(stderr, "mailroom: act: %s\n", why); /* what a priority step means */
		free(why);
	}
	if (filter != NULL || a.op.priority_step != 0) {
		snap = cli_read_queue(src);
		if (snap == NULL) {
			goto done;
		}
	}
	if (filter != NULL) {
		ids = filtered_ids(filter, snap, &n, &bounced);
		if (bounced > 0) {
			fprintf(stderr,
				"mailroom: act: %zu bounced message%s left out (no longer "
				"queued)\n",
				bounced, bounced == 1 ? "" : "s");
		}
	}
	char *some = mr_ids_sample(ids, n);
	if (n == 0) {
		printf("%s: no message matches\n", a.action_name);
		status = MR_EXIT_OK;
	} else if (a.dry_run) {
		for (size_t i = 0; i < n; i++) {
			puts(ids[i]);
		}
		printf("%s: would act on %zu message%s (dry run)\n", a.action_name, n,
			n == 1 ? "" : "s");
		status = MR_EXIT_OK;
	} else if (mr_action_info(a.op.runs)->destructive && !confirmed(&a, src->label, n, some)) {
		status = MR_EXIT_FAILED;
	} else {
		struct mr_action_report report;
		mr_operation_run(src, &a.op, snap, ids, n, &report);
		print_report(&a, &report);
		log_action(src->name, &report);
		status = report.counts[MR_OUTCOME_DONE] == report.n_results ? MR_EXIT_OK
									    : MR_EXIT_FAILED;
		mr_action_report_finish(&report);
	}
	free(some);
done:
	if (ids != a.ids) {
		free(ids);
	}
	free(a.ids);
	mr_snapshot_destroy(snap);
	mr_filter_free(filter);
	mr_source_destroy(src);
	return status;
}
