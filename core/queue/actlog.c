#include "actlog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "statefile.h"
#include "text.h"
#include "xalloc.h"

char *mr_actlog_path(void) {
	return mr_state_path("actions.log");
}

/* Text from a source or a server, on one line and visible. */
static void add_field(struct mr_buf *line, const char *s) {
	struct mr_buf shown;
	mr_buf_init(&shown);
	mr_text_visible(&shown, s, strlen(s));
	for (char *p = shown.data; *p; p++) {
		if (*p == '\t') {
			*p = ' ';
		}
	}
	mr_buf_add(line, shown.data, shown.len);
	mr_buf_finish(&shown);
}

/* The line for the results of one origin (every result when all). */
static void add_line(struct mr_buf *line, const char *stamp, const char *user, const char *source,
	const struct mr_action_report *report, uint16_t origin, bool all) {
	size_t counts[MR_OUTCOME_COUNT] = { 0 };
	for (size_t i = 0; i < report->n_results; i++) {
		if (all || report->results[i].origin == origin) {
			counts[report->results[i].outcome]++;
		}
	}
	mr_buf_printf(line, "%s\t", stamp);
	add_field(line, user);
	mr_buf_add_char(line, '\t');
	add_field(line, source);
	mr_buf_printf(line, "\t%s\t", mr_action_info(report->action)->name);
	bool first = true;
	for (int o = 0; o < MR_OUTCOME_COUNT; o++) {
		if (counts[o] > 0) {
			mr_buf_printf(line, "%s%s %zu", first ? "" : ", ",
				mr_outcome_name((enum mr_outcome)o), counts[o]);
			first = false;
		}
	}
	if (first) {
		mr_buf_add_str(line, "nothing");
	}
	mr_buf_add_char(line, '\t');
	bool first_id = true;
	for (size_t i = 0; i < report->n_results; i++) {
		const struct mr_action_result *r = &report->results[i];
		if (!all && r->origin != origin) {
			continue;
		}
		if (!first_id) {
			mr_buf_add_char(line, ' ');
		}
		first_id = false;
		add_field(line, r->id);
		if (r->outcome != MR_OUTCOME_DONE) {
			/* "not found" as one word: ids are separated by spaces. */
			mr_buf_add_char(line, '=');
			for (const char *o = mr_outcome_name(r->outcome); *o; o++) {
				mr_buf_add_char(line, *o == ' ' ? '-' : *o);
			}
		} else if (r->new_id != NULL) {
			mr_buf_add_char(line, '>');
			add_field(line, r->new_id);
		}
	}
	mr_buf_add_char(line, '\n');
}

static void stamp_of(int64_t when, char stamp[32]) {
	time_t t = (time_t)when;
	struct tm tm;
	strftime(stamp, 32, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
}

bool mr_actlog_open(struct mr_actlog *log, char **cause) {
	log->path = mr_actlog_path();
	log->fd = -1;
	if (log->path == NULL) {
		return mr_fail(cause, "no actions.log: neither XDG_STATE_HOME nor HOME is set");
	}
	log->fd = mr_state_open(log->path, O_APPEND, cause);
	return log->fd >= 0;
}

void mr_actlog_close(struct mr_actlog *log) {
	if (log->fd >= 0) {
		close(log->fd);
	}
	free(log->path);
	*log = (struct mr_actlog){ .fd = -1 };
}

/* One write, then synced: appends from two mailroom processes do not
 * interleave, and a line reported written is on the disk. */
static bool write_synced(struct mr_actlog *log, const struct mr_buf *line, char **cause) {
	errno = 0;
	if (write(log->fd, line->data, line->len) != (ssize_t)line->len) {
		return mr_fail(cause, "%s: %s", log->path, errno ? strerror(errno) : "short write");
	}
	if (fdatasync(log->fd) != 0) {
		return mr_fail(cause, "%s: %s", log->path, strerror(errno));
	}
	return true;
}

static void add_begin_line(struct mr_buf *line, const char *stamp, const char *user,
	const char *source, const char *action, const char *const *ids, const uint16_t *origins,
	size_t n_ids, uint16_t origin) {
	size_t n = 0;
	for (size_t i = 0; i < n_ids; i++) {
		n += origins == NULL || origins[i] == origin;
	}
	if (n == 0) {
		return;
	}
	mr_buf_printf(line, "%s\t", stamp);
	add_field(line, user);
	mr_buf_add_char(line, '\t');
	add_field(line, source);
	mr_buf_printf(line, "\t%s\tstarted %zu\t", action, n);
	bool first = true;
	for (size_t i = 0; i < n_ids; i++) {
		if (origins == NULL || origins[i] == origin) {
			if (!first) {
				mr_buf_add_char(line, ' ');
			}
			first = false;
			add_field(line, ids[i]);
		}
	}
	mr_buf_add_char(line, '\n');
}

bool mr_actlog_begin(struct mr_actlog *log, const struct mr_actlog_who *who, const char *action,
	const char *const *ids, const uint16_t *origins, size_t n_ids, char **cause) {
	char stamp[32];
	stamp_of(who->when, stamp);
	struct mr_buf line;
	mr_buf_init(&line);
	if (who->n_sources <= 1) {
		add_begin_line(
			&line, stamp, who->user, who->sources[0], action, ids, NULL, n_ids, 0);
	}
	for (size_t o = 0; who->n_sources > 1 && o < who->n_sources; o++) {
		add_begin_line(&line, stamp, who->user, who->sources[o], action, ids, origins,
			n_ids, (uint16_t)o);
	}
	bool ok = line.len == 0 || write_synced(log, &line, cause);
	mr_buf_finish(&line);
	return ok;
}

bool mr_actlog_record(struct mr_actlog *log, const struct mr_actlog_who *who,
	const struct mr_action_report *report, char **cause) {
	char stamp[32];
	stamp_of(who->when, stamp);
	struct mr_buf line;
	mr_buf_init(&line);
	if (who->n_sources <= 1) {
		add_line(&line, stamp, who->user, who->sources[0], report, 0, true);
	}
	/* Merged sources: a line for each source acted on, under its name. */
	for (size_t o = 0; who->n_sources > 1 && o < who->n_sources; o++) {
		bool any = false;
		for (size_t i = 0; i < report->n_results && !any; i++) {
			any = report->results[i].origin == o;
		}
		if (any) {
			add_line(&line, stamp, who->user, who->sources[o], report, (uint16_t)o,
				false);
		}
	}
	bool ok = write_synced(log, &line, cause);
	mr_buf_finish(&line);
	return ok;
}

bool mr_actlog_append(const char *path, int64_t when, const char *user, const char *const *sources,
	size_t n_sources, const struct mr_action_report *report, char **cause) {
	struct mr_actlog log = { .fd = mr_state_open(path, O_APPEND, cause),
		.path = mr_xstrdup(path) };
	struct mr_actlog_who who = { when, user, sources, n_sources };
	bool ok = log.fd >= 0 && mr_actlog_record(&log, &who, report, cause);
	mr_actlog_close(&log);
	return ok;
}
