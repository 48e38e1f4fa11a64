#ifndef MR_TUI_SCREEN_H
#define MR_TUI_SCREEN_H

#include <stdbool.h>

#include "backend.h"
#include "config.h"

/* Runs the interactive screen on source until the user quits; returns the
 * exit status, or 1 with *cause set when the source cannot be listed. */
int screen_run(struct mr_source *source, const struct config *config, char **cause);

#endif
