#ifndef MR_ACTLOG_H
#define MR_ACTLOG_H

/*
 * The record of what was done: every action mailroom runs, from the screen
 * or `mailroom act`, is appended to $XDG_STATE_HOME/mailroom/actions.log
 * (~/.local/state/mailroom/actions.log without it) as one tab-separated line:
 *
 *   time (UTC)  user  source  action  outcomes  ids
 *   2026-11-23T15:10:02Z  alice  postfix:  hold  done 2, not found 1  A1B2C3 D4E5F6 X9Y8=not-found
 *   2026-11-23T15:12:40Z  alice  postfix:  retry  done 1, delivered 1  A1B2C3 F7E6=delivered
 *
 * The outcomes that occurred are counted in mr_outcome order. An id that was
 * not done carries its outcome after "=" (delivered too); a requeued id its
 * new id after ">".
 */

#include <stdbool.h>
#include <stdint.h>

#include "action.h"

/* The log's path (to free), or NULL when neither XDG_STATE_HOME nor HOME
 * is set. */
char *mr_actlog_path(void);

/* Appends one line (creating the directories, mode 0700, and the file,
 * mode 0600); false with *cause naming the file and why. sources: the
 * source's name, or with merged sources each one's by origin, and then a
 * line for each source acted on (its results' origin). */
bool mr_actlog_append(const char *path, int64_t when, const char *user, const char *const *sources,
	size_t n_sources, const struct mr_action_report *report, char **cause);

#endif
