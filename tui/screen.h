#ifndef MR_TUI_SCREEN_H
#define MR_TUI_SCREEN_H

#include "backend.h"

/* Seconds between automatic listings: often enough to watch a queue drain,
 * seldom enough that a listing is not always under way. */
enum { SCREEN_REFRESH_DEFAULT = 10, SCREEN_REFRESH_MAX = 86400 };

struct screen_options {
	int refresh; /* seconds between automatic listings; 0: none */
};

/* Runs the interactive screen on source until the user quits; returns the
 * exit status, or 1 with *cause set when the source cannot be listed. */
int screen_run(struct mr_source *source, const struct screen_options *options, char **cause);

#endif
