#ifndef MR_TUI_SCREEN_H
#define MR_TUI_SCREEN_H

#include <stdbool.h>

#include "backend.h"
#include "config.h"

/* Runs the interactive screen on source until the user quits; returns the
 * exit status, or 1 with *cause set when the source cannot be listed.
 * *source_free is false when a listing of the source was still running at
 * the end (a source that stopped answering): it must not be destroyed. */
int screen_run(
	struct mr_source *source, const struct config *config, char **cause, bool *source_free);

#endif
