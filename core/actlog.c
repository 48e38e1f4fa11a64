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

bool mr_actlog_append(const char *path, int64_t when, const char *user, const char *const *sources,
	size_t n_sources, const struct mr_action_report *report, char **cause) {
	struct mr_buf line;
	mr_buf_init(&line);
	time_t t = (time_t)when;
	struct tm tm;
	char stamp[32];
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
	if (n_sources <= 1) {
		add_line(&line, stamp, user, sources[0], report, 0, true);
	}
	/* Merged sources: a line for each source acted on, under its name. */
	for (size_t o = 0; n_sources > 1 && o < n_sources; o++) {
		bool any = false;
		for (size_t i = 0; i < report->n_results && !any; i++) {
			any = report->results[i].origin == o;
		}
		if (any) {
			add_line(&line, stamp, user, sources[o], report, (uint16_t)o, false);
		}
	}
	bool ok = mr_make_parents(path, cause);
	int fd = ok ? open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600) : -1;
	if (ok && fd < 0) {
		ok = mr_fail(cause, "%s: %s", path, strerror(errno));
	}
	/* One write: appends from two mailroom processes do not interleave. */
	if (ok && write(fd, line.data, line.len) != (ssize_t)line.len) {
		ok = mr_fail(cause, "%s: %s", path, errno ? strerror(errno) : "short write");
	}
	if (fd >= 0 && close(fd) != 0 && ok) {
		ok = mr_fail(cause, "%s: %s", path, strerror(errno));
	}
	mr_buf_finish(&line);
	return ok;
}
