#include "postfix.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "postqueue.h"
#include "text.h"
#include "thread.h"
#include "transport_local.h"
#include "xalloc.h"

static const char *const tool_names[PF_TOOL_COUNT] = { "postqueue", "postsuper", "postcat",
	"postconf", "postkick" };

/* argv for a Postfix tool: [sudo -n] TOOL [-c DIR] ARGS...; free with free(). */
static const char **pf_argv(const struct pf *pf, enum pf_tool tool, const char *const *args) {
	size_t n_args = 0;
	while (args[n_args] != NULL) {
		n_args++;
	}
	const char **argv = mr_xcalloc(n_args + 7, sizeof(*argv));
	size_t n = 0;
	if (pf->sudo && (tool == PF_POSTSUPER || tool == PF_POSTCAT || tool == PF_POSTKICK ||
				(tool == PF_POSTQUEUE && pf->sudo_postqueue))) {
		argv[n++] = "sudo";
		argv[n++] = "-n";
	}
	argv[n++] = pf->tool[tool];
	if (pf->config_dir != NULL) {
		argv[n++] = "-c";
		argv[n++] = pf->config_dir;
	}
	for (size_t i = 0; i < n_args; i++) {
		argv[n++] = args[i];
	}
	argv[n] = NULL;
	return argv;
}

/* The shell's "not found" (127), or sudo's "command not found". */
static bool tool_missing(const struct pf *pf, const struct mr_command_result *res) {
	return res->exit_status == 127 ||
	       (pf->sudo && res->exit_status != 0 &&
		       strstr(res->err.data, "command not found") != NULL);
}

bool pf_run(struct pf *pf, enum pf_tool tool, const char *const *args, struct mr_command *cmd,
	struct mr_command_result *res, char **cause) {
	cmd->argv = pf_argv(pf, tool, args);
	bool ok = mr_transport_run(pf->transport, cmd, res, cause);
	free((void *)(uintptr_t)cmd->argv);
	cmd->argv = NULL;
	/* Over SSH the tools are looked for in /usr/sbin first, which saves
	 * asking postconf on every host that has them there; a tool that is
	 * not there did not run, so it is run again once postconf said where
	 * the tools are. */
	if (ok && pf->remote && !pf->tools_asked && tool_missing(pf, res)) {
		pf->tools_asked = true;
		if (pf_find_tools(pf)) {
			mr_command_result_finish(res);
			return pf_run(pf, tool, args, cmd, res, cause);
		}
	}
	/* postqueue, set-gid, takes -c only for the directories the default
	 * main.cf allows; as root it takes any, so sudo -n is the next try.
	 * It refused before reading the queue: no output was given yet. */
	if (ok && tool == PF_POSTQUEUE && pf->sudo && !pf->sudo_postqueue &&
		res->exit_status != 0 &&
		strstr(res->err.data, "unauthorized configuration directory") != NULL) {
		pf->sudo_postqueue = true;
		mr_command_result_finish(res);
		return pf_run(pf, tool, args, cmd, res, cause);
	}
	return ok;
}

/* What to do about a refusal: locally, run mailroom as root; over SSH the
 * fix is on the remote host (its sudoers, or the login), not here. */
static const char *as_root(const struct pf *pf) {
	return pf->remote ? "log in as root" : "run mailroom as root";
}

static const char *sudoers(const struct pf *pf) {
	return pf->remote ? "in the remote host's sudoers (NOPASSWD, as sudo -n asks no password)"
			  : "in sudoers";
}

char *pf_failure(const struct pf *pf, enum pf_tool tool, const struct mr_command_result *res) {
	char *line = mr_command_error_line(res, NULL);
	char *msg;
	if (strstr(line, "reserved for the superuser") != NULL ||
		strstr(line, "Permission denied") != NULL) {
		msg = pf->remote ? mr_xasprintf("%s needs root: log in as root, or let mailroom "
						"use \"sudo -n %s\" on that host (\"host PATTERNS "
						"sudo auto\" in the configuration) (%s)",
					   tool_names[tool], pf->tool[tool], line)
				 : mr_xasprintf("%s needs root: run mailroom as root, or allow "
						"\"sudo -n %s\" (%s)",
					   tool_names[tool], pf->tool[tool], line);
	} else if (pf->sudo && tool == PF_POSTQUEUE && pf->sudo_postqueue &&
		   (strstr(line, "password is required") != NULL ||
			   strstr(line, "sudo:") != NULL)) {
		msg = mr_xasprintf("postqueue -c %s needs root (the directory is not in "
				   "/etc/postfix/main.cf's alternate_config_directories), and sudo "
				   "-n refused it (%s): %s, allow %s %s, or "
				   "add the directory to alternate_config_directories",
			pf->config_dir, line, as_root(pf), pf->tool[tool], sudoers(pf));
	} else if (pf->sudo && (strstr(line, "password is required") != NULL ||
				       strstr(line, "sudo:") != NULL)) {
		msg = mr_xasprintf("%s needs root, and sudo -n refused it (%s): %s or allow %s %s",
			tool_names[tool], line, as_root(pf), pf->tool[tool], sudoers(pf));
	} else if (res->timed_out) {
		msg = mr_xasprintf("%s did not finish in time", tool_names[tool]);
	} else if (*line == '\0') {
		msg = mr_xasprintf(
			"%s failed (exit status %d)", tool_names[tool], res->exit_status);
	} else {
		msg = mr_xasprintf("%s: %s", tool_names[tool], line);
	}
	free(line);
	return msg;
}

static bool feed_reader(void *ctx, const char *data, size_t len) {
	return mr_postqueue_feed(ctx, data, len);
}

bool pf_list(struct pf *pf, struct mr_snapshot *snap, struct mr_source *warn, char **cause) {
	static const char *const args[] = { "-j", NULL };
	struct mr_postqueue_reader reader;
	char *name = mr_xasprintf("postqueue -j on %s", pf->transport->where);
	mr_postqueue_reader_init(&reader, snap, name);
	struct mr_command cmd = {
		.on_output = feed_reader,
		.ctx = &reader,
		.timeout_ms = 10 * 60 * 1000,
	};
	struct mr_command_result res;
	bool ok = pf_run(pf, PF_POSTQUEUE, args, &cmd, &res, cause);
	if (ok) {
		/* As root, postqueue reads the queue itself when Postfix is down,
		 * and shows an empty queue: say what is really going on. */
		const char *down = strstr(res.err.data, "ail system is down");
		if (down != NULL) {
			char *line = mr_command_error_line(&res, "ail system is down");
			ok = mr_fail(cause, "Postfix is not running on %s (postqueue: %s)",
				pf->transport->where, line);
			free(line);
		} else if (reader.error != NULL && !res.cancelled) {
			ok = mr_fail(cause, "%s", reader.error);
		} else if (res.cancelled) {
			ok = mr_fail(
				cause, "%s", reader.error ? reader.error : "listing cancelled");
		} else if (res.exit_status != 0) {
			char *why = pf_failure(pf, PF_POSTQUEUE, &res);
			ok = mr_fail(cause, "%s", why);
			free(why);
		} else if (!mr_postqueue_end(&reader)) {
			ok = mr_fail(cause, "%s", reader.error);
		}
	}
	mr_command_result_finish(&res);
	if (warn != NULL) {
		mr_source_take_warnings(warn, &reader.warnings, name);
	}
	mr_postqueue_reader_finish(&reader);
	free(name);
	return ok;
}

/* Postfix's command_directory is /usr/sbin on Debian; elsewhere PATH has it. */
static void find_tool(const char *name, char out[64]) {
	static const char *const dirs[] = { "/usr/sbin", "/usr/local/sbin", "/usr/bin" };
	for (size_t i = 0; i < sizeof(dirs) / sizeof(*dirs); i++) {
		snprintf(out, 64, "%s/%s", dirs[i], name);
		if (access(out, X_OK) == 0) {
			return;
		}
	}
	snprintf(out, 64, "%s", name);
}

static bool collect(void *ctx, const char *data, size_t len) {
	mr_buf_add(ctx, data, len);
	return true;
}

/* postconf -h NAME...: the parameters' values, one per line, in order (NULL
 * for each when postconf fails). One process for all: each costs a start. */
void pf_postconf(struct pf *pf, const char *const *names, char **values, size_t n, bool expand) {
	const char *args[8] = { expand ? "-xh" : "-h" };
	for (size_t i = 0; i < n && i < 6; i++) {
		args[i + 1] = names[i];
	}
	struct mr_buf out;
	mr_buf_init(&out);
	struct mr_command cmd = { .on_output = collect, .ctx = &out, .timeout_ms = 30 * 1000 };
	struct mr_command_result res;
	char *cause = NULL;
	memset(values, 0, n * sizeof(*values));
	if (pf_run(pf, PF_POSTCONF, args, &cmd, &res, &cause)) {
		const char *line = out.data;
		for (size_t i = 0; res.exit_status == 0 && i < n && *line; i++) {
			const char *nl = strchr(line, '\n');
			size_t len = nl ? (size_t)(nl - line) : strlen(line);
			values[i] = mr_xstrndup(line, len);
			line += len + (nl != NULL);
		}
		mr_command_result_finish(&res);
	}
	free(cause);
	mr_buf_finish(&out);
}

/* A path from postconf when this process can read it, else NULL. */
static char *readable(char *path, int mode) {
	if (path != NULL && (path[0] != '/' || access(path, mode) != 0)) {
		free(path);
		return NULL;
	}
	return path;
}

void pf_settings(struct pf *pf) {
	if (pf->settings_read) {
		return;
	}
	/* Over SSH only the log needs them: a log named needs none of them
	 * but the journal's name, and asking costs a round trip. */
	if (pf->remote && pf->log_choice != NULL && strcmp(pf->log_choice, "journal") != 0) {
		pf->settings_read = true;
		return;
	}
	/* The queue files are read as files, here only: over SSH there are
	 * no retry times from them. The log is found where it is read
	 * (logsource.c), here or there. */
	static const char *const params[] = { "queue_directory", "maillog_file", "syslog_name" };
	char *values[3];
	pf_postconf(pf, params, values, 3, true); /* syslog_name is "${multi_instance_name?...}" */
	if (pf->remote) {
		free(values[0]);
	} else {
		pf->queue_dir = readable(values[0], R_OK | X_OK);
	}
	pf->maillog_file = values[1];
	pf->syslog_name = values[2];
	/* A name journald can be asked about, else Postfix's default. */
	if (pf->syslog_name != NULL &&
		(*pf->syslog_name == '\0' || strpbrk(pf->syslog_name, "$ {}\t") != NULL)) {
		free(pf->syslog_name);
		pf->syslog_name = NULL;
	}
	pf->settings_read = true;
	/* Here, actions read the log file too (its size before): found now. */
	if (!pf->remote) {
		pf_log_find(pf);
	}
}

/* --log's value as the backend takes it: a file must exist here when the
 * queue is here (on the remote host it is looked at when read). */
bool pf_set_log(struct pf *pf, const char *log, const char *source, char **cause) {
	if (log == NULL) {
		return true;
	}
	bool file = strcmp(log, "none") != 0 && strcmp(log, "journal") != 0;
	if (file && (log[0] != '/' || (pf->remote && !pf_plain_path(log)))) {
		char *shown = mr_text_visible_dup(log);
		mr_fail(cause,
			"%s: --log %s: not a log mailroom reads (an absolute path%s, journal or "
			"none)",
			source, shown, pf->remote ? " of plain characters" : "");
		free(shown);
		return false;
	}
	if (file && !pf->remote && access(log, R_OK) != 0) {
		char *shown = mr_text_visible_dup(log);
		mr_fail(cause, "%s: --log %s: %s", source, shown, strerror(errno));
		free(shown);
		return false;
	}
	pf->log_choice = mr_xstrdup(log);
	return true;
}

static bool postfix_open(struct mr_source *src, const char *location,
	const struct mr_open_options *opts, char **cause) {
	if (*location != '\0') {
		struct stat st;
		char *main_cf = mr_xasprintf("%s/main.cf", location);
		bool ok = stat(main_cf, &st) == 0 && S_ISREG(st.st_mode);
		free(main_cf);
		if (!ok) {
			return mr_fail(cause,
				"postfix:%s: not a Postfix configuration directory (no "
				"main.cf in it)",
				location);
		}
	}
	struct pf *pf =
		pf_create(mr_transport_local_create(), *location ? location : NULL, geteuid() != 0);
	for (int t = 0; t < PF_TOOL_COUNT; t++) {
		find_tool(tool_names[t], pf->tool[t]);
	}
	src->data = pf;
	if (!pf_set_log(pf, opts ? opts->log : NULL, src->name, cause)) {
		return false;
	}
	char *shown = mr_text_visible_dup(location);
	src->label = *location ? mr_xasprintf("postfix:%s", shown) : mr_xstrdup("postfix");
	free(shown);
	pf_describe(src);
	return true;
}

struct pf *pf_create(struct mr_transport *transport, const char *config_dir, bool sudo) {
	struct pf *pf = mr_xcalloc(1, sizeof(*pf));
	pf->transport = transport;
	pf->config_dir = config_dir ? mr_xstrdup(config_dir) : NULL;
	pf_set_tool_dir(pf, "/usr/sbin");
	pf->sudo = sudo;
	return pf;
}

void pf_set_tool_dir(struct pf *pf, const char *dir) {
	for (int t = 0; t < PF_TOOL_COUNT; t++) {
		snprintf(pf->tool[t], sizeof(pf->tool[t]), "%s/%s", dir, tool_names[t]);
	}
}

void pf_describe(struct mr_source *src) {
	src->caps = MR_CAP_ALL_ACTIONS & ~MR_CAP_ACTION(MR_ACTION_SET_PRIORITY);
	src->caps |= MR_CAP_CONTENT;
	src->limits = mr_xstrdup("Postfix keeps no priority per message: \"retry now\" delivers a "
				 "message at once, \"hold\" keeps it back");
}

void pf_close(struct mr_source *src) {
	struct pf *pf = src->data;
	if (pf != NULL) {
		mr_transport_destroy(pf->transport);
		free(pf->config_dir);
		free(pf->queue_dir);
		free(pf->maillog_file);
		free(pf->syslog_name);
		free(pf->log_choice);
		free(pf->maillog);
		free(pf->log_tried);
		free(pf);
	}
	src->data = NULL;
}

/* What the queue files and the mail log say, read while postqueue runs. */
struct side_reading {
	struct pf *pf;
	struct pf_retry_times *retry;
	struct pf_maillog *log;
	char *log_note; /* why no log was read, or what of it was not */
};

static void *read_beside(void *arg) {
	struct side_reading *r = arg;
	pf_settings(r->pf);
	r->retry = pf_retry_read(r->pf);
	r->log = pf_maillog_read(r->pf, &r->log_note);
	return NULL;
}

bool pf_source_list(struct mr_source *src, struct mr_snapshot *snap, char **cause) {
	struct side_reading side = { .pf = src->data };
	pthread_t thread;
	bool threaded = mr_thread_start(&thread, read_beside, &side) == 0;
	if (!threaded) {
		read_beside(&side);
	}
	bool ok = pf_list(src->data, snap, src, cause);
	if (threaded) {
		pthread_join(thread, NULL);
	}
	/* Never a silent empty history: the listing says why there is none
	 * (a listing that failed says why it failed, and nothing else). */
	if (ok && side.log_note != NULL) {
		mr_source_warn(src, side.log_note);
	}
	free(side.log_note);
	pf_retry_apply(side.retry, ok ? snap : NULL);
	pf_maillog_add_history(side.log, ok ? snap : NULL);
	pf_maillog_add_bounced(side.log, ok ? snap : NULL);
	return ok;
}

/*
 * The shapes of Postfix queue ids: the short form is upper-case hex (the
 * inode number, then five digits of microseconds: six or more); the long
 * form (enable_long_queue_ids) is six characters of seconds and four of
 * microseconds, then 'z' and the inode number, in an alphabet of digits and
 * the consonants of both cases (no vowels, so that no word can form).
 */
static bool pf_id_plausible(const struct mr_source *src, const char *id) {
	(void)src;
	size_t len = strlen(id);
	if (len >= 6 && id[strspn(id, "0123456789ABCDEF")] == '\0') {
		return true;
	}
	static const char long_alphabet[] = "0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz";
	return len >= 12 && id[strspn(id, long_alphabet)] == '\0' && id[10] == 'z';
}

const struct mr_backend_ops mr_backend_postfix = {
	.name = "postfix",
	.usage = "postfix:[DIR]",
	.summary = "the local Postfix queue; DIR names another instance's config directory",
	.open = postfix_open,
	.close = pf_close,
	.list = pf_source_list,
	.act = pf_act,
	.paces = true,
	.content = pf_content,
	.id_plausible = pf_id_plausible,
};
