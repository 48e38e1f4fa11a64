#ifndef MR_ACTLOG_H
#define MR_ACTLOG_H

/*
 * The record of what was done: every action mailroom runs, from the screen
 * or `mailroom act`, is appended to $XDG_STATE_HOME/mailroom/actions.log
 * (~/.local/state/mailroom/actions.log without it; 0600 in a 0700
 * directory, neither followed when a link) as tab-separated lines, one
 * before it starts and one with its outcomes:
 *
 *   time (UTC)  user  source  action  outcomes  ids
 *   2026-11-23T15:10:01Z  alice  postfix:  hold  started 3  A1B2C3 D4E5F6 X9Y8
 *   2026-11-23T15:10:02Z  alice  postfix:  hold  done 2, not found 1  A1B2C3 D4E5F6 X9Y8=not-found
 *   2026-11-23T15:12:40Z  alice  postfix:  retry  done 1, delivered 1  A1B2C3 F7E6=delivered
 *
 * The outcomes that occurred are counted in mr_outcome order. An id that was
 * not done carries its outcome after "=" (delivered too); a requeued id its
 * new id after ">". Each line is one write, synced before the action starts
 * or its outcomes are reported: no action runs without its record (the log
 * is opened first, and an action refuses to run when it cannot be, unless
 * the operator said --no-audit), and a closed output or SIGPIPE after the
 * action cannot lose the record. A "started" line without its outcomes
 * says an action was cut short (killed).
 */

#include <stdbool.h>
#include <stdint.h>

#include "action.h"

/* The log's path (to free), or NULL when neither XDG_STATE_HOME nor HOME
 * is set. */
char *mr_actlog_path(void);

struct mr_actlog {
	int fd;
	char *path;
};

/* Opens the log (creating the directories and the file); false with
 * *cause naming the file and why, or saying neither XDG_STATE_HOME nor
 * HOME is set. */
bool mr_actlog_open(struct mr_actlog *log, char **cause);
void mr_actlog_close(struct mr_actlog *log);

/* Who did it, when, where: sources is the source's name, or with merged
 * sources each one's by origin, and then there is a line for each source
 * acted on. */
struct mr_actlog_who {
	int64_t when;
	const char *user;
	const char *const *sources;
	size_t n_sources;
};

/* The "started" line of action on ids (origins: each one's source, or
 * NULL with one source), synced. */
bool mr_actlog_begin(struct mr_actlog *log, const struct mr_actlog_who *who, const char *action,
	const char *const *ids, const uint16_t *origins, size_t n_ids, char **cause);
/* The outcomes line, synced. */
bool mr_actlog_record(struct mr_actlog *log, const struct mr_actlog_who *who,
	const struct mr_action_report *report, char **cause);

/* Opens path, records report, closes (for tests and one-off records). */
bool mr_actlog_append(const char *path, int64_t when, const char *user, const char *const *sources,
	size_t n_sources, const struct mr_action_report *report, char **cause);

#endif
