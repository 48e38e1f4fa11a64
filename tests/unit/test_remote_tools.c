/*
 * The Postfix backend over a transport whose far side has its tools
 * somewhere else than /usr/sbin: the tool that is not found is run again
 * from postconf's command_directory, once, and nothing else is repeated.
 * The transport is scripted: it records each command line and answers as
 * a remote shell (127, "not found") or sudo ("command not found") would.
 * The tools that need root (postsuper here) run as "sudo -n TOOL" when the
 * host asks for sudo, and as TOOL otherwise; postqueue and postconf never
 * through sudo.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "postfix/internal.h"
#include "shquote.h"
#include "snapshot.h"
#include "xalloc.h"

struct scripted {
	struct mr_transport base;
	const char *tool_dir;  /* where the tools really are */
	bool postconf_in_path; /* only a bare "postconf" is found */
	struct mr_buf log;     /* the command lines run, one per line */
};

static bool scripted_run(struct mr_transport *base, const struct mr_command *cmd,
	struct mr_command_result *res, char **cause) {
	(void)cause;
	struct scripted *s = (struct scripted *)base;
	*res = (struct mr_command_result){ .exit_status = 0 };
	mr_buf_init(&res->err);
	mr_shell_quote_argv(&s->log, cmd->argv);
	mr_buf_add_char(&s->log, '\n');
	size_t i = strcmp(cmd->argv[0], "sudo") == 0 ? 2 : 0;
	const char *program = cmd->argv[i];
	const char *slash = strrchr(program, '/');
	bool found = slash ? strncmp(program, s->tool_dir, (size_t)(slash - program)) == 0 &&
				     strlen(s->tool_dir) == (size_t)(slash - program)
			   : strcmp(program, "postconf") == 0 && s->postconf_in_path;
	if (!found) {
		res->exit_status = i ? 1 : 127;
		mr_buf_printf(&res->err,
			i ? "sudo: %s: command not found\n" : "sh: 1: %s: not found\n", program);
		return true;
	}
	const char *name = slash ? slash + 1 : program;
	if (strcmp(name, "postconf") == 0 && cmd->on_output != NULL) {
		char line[128];
		size_t len = (size_t)snprintf(line, sizeof(line), "%s\n", s->tool_dir);
		cmd->on_output(cmd->ctx, line, len);
	}
	return true; /* postqueue -j: an empty queue */
}

static void scripted_destroy(struct mr_transport *base) {
	(void)base;
}

static const struct mr_transport_ops scripted_ops = { "scripted", scripted_run, scripted_destroy };

/* The command lines a listing runs, with the tools in tool_dir. */
static char *listing(
	const char *tool_dir, bool postconf_in_path, bool sudo, bool *ok, char **cause) {
	struct scripted s = { { &scripted_ops, "far" }, tool_dir, postconf_in_path, { 0 } };
	mr_buf_init(&s.log);
	struct pf *pf = pf_create(&s.base, NULL, sudo);
	pf->remote = true;
	struct mr_snapshot *snap = mr_snapshot_create();
	*cause = NULL;
	*ok = pf_list(pf, snap, NULL, cause);
	mr_snapshot_destroy(snap);
	free(pf->config_dir);
	free(pf);
	return mr_buf_steal(&s.log);
}

/* The command lines a hold of one id runs, with the tools in tool_dir;
 * *outcome is what it reported (the scripted queue is empty: not found). */
static char *holding(const char *tool_dir, bool sudo, enum mr_outcome *outcome) {
	struct scripted s = { { &scripted_ops, "far" }, tool_dir, true, { 0 } };
	mr_buf_init(&s.log);
	struct pf *pf = pf_create(&s.base, NULL, sudo);
	pf->remote = true;
	struct mr_source src = { .data = pf };
	const char *ids[] = { "4B1E2C3D4E" };
	struct mr_action_request req = { .action = MR_ACTION_HOLD, .ids = ids, .n_ids = 1 };
	struct mr_action_report report;
	mr_action_report_init(&report, req.action);
	pf_act(&src, &req, &report);
	*outcome = report.n_results == 1 ? report.results[0].outcome : MR_OUTCOME_COUNT;
	mr_action_report_finish(&report);
	free(pf->config_dir);
	free(pf);
	return mr_buf_steal(&s.log);
}

int main(void) {
	bool ok;
	char *cause;
	char *log = listing("/usr/sbin", false, false, &ok, &cause);
	free(cause);
	T_OK(ok, "tools in /usr/sbin: listed");
	T_STR(log, "/usr/sbin/postqueue -j\n", "tools in /usr/sbin: postconf is not asked");
	free(log);

	log = listing("/opt/postfix/sbin", true, false, &ok, &cause);
	free(cause);
	T_OK(ok, "tools elsewhere: listed");
	T_STR(log,
		"/usr/sbin/postqueue -j\n/usr/sbin/postconf -h command_directory\n"
		"postconf -h command_directory\n/opt/postfix/sbin/postqueue -j\n",
		"tools elsewhere: postconf from PATH says where, postqueue runs from there");
	free(log);

	log = listing("/opt/postfix/sbin", true, true, &ok, &cause);
	free(cause);
	T_OK(ok, "through sudo, tools elsewhere: listed");
	T_STR(log,
		"/usr/sbin/postqueue -j\n/usr/sbin/postconf -h command_directory\n"
		"postconf -h command_directory\n/opt/postfix/sbin/postqueue -j\n",
		"through sudo: postqueue alone needs no sudo, and is found the same way");
	free(log);

	/* postsuper needs root: through sudo -n when sudo is asked for, and
	 * found elsewhere the same way (sudo says "command not found"). */
	enum mr_outcome outcome;
	log = holding("/opt/postfix/sbin", false, &outcome);
	T_STR(log,
		"/usr/sbin/postsuper -h -\n/usr/sbin/postconf -h command_directory\n"
		"postconf -h command_directory\n/opt/postfix/sbin/postsuper -h -\n"
		"/opt/postfix/sbin/postqueue -j\n",
		"hold without sudo: postsuper runs itself, from where postconf says");
	T_INT(outcome, MR_OUTCOME_NOT_FOUND, "hold without sudo: an id not listed is not found");
	free(log);

	log = holding("/opt/postfix/sbin", true, &outcome);
	T_STR(log,
		"sudo -n /usr/sbin/postsuper -h -\n/usr/sbin/postconf -h command_directory\n"
		"postconf -h command_directory\nsudo -n /opt/postfix/sbin/postsuper -h -\n"
		"/opt/postfix/sbin/postqueue -j\n",
		"hold through sudo: postsuper through sudo -n (both times), postconf and "
		"postqueue without");
	T_INT(outcome, MR_OUTCOME_NOT_FOUND, "hold through sudo: an id not listed is not found");
	free(log);

	log = listing("/nowhere", false, false, &ok, &cause);
	T_OK(!ok, "no postconf to ask: the listing fails");
	T_HAS(cause, "/usr/sbin/postqueue: not found",
		"no postconf to ask: postqueue's own failure stands");
	free(cause);
	T_STR(log,
		"/usr/sbin/postqueue -j\n/usr/sbin/postconf -h command_directory\n"
		"postconf -h command_directory\n",
		"no postconf to ask: asked once, nothing run again");
	free(log);
	return t_done();
}
