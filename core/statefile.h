#ifndef MR_STATEFILE_H
#define MR_STATEFILE_H

/*
 * Files mailroom keeps between runs (the actions log, the prompt's history)
 * live in $XDG_STATE_HOME/mailroom, or ~/.local/state/mailroom without it;
 * the operator's configuration in $XDG_CONFIG_HOME/mailroom, or
 * ~/.config/mailroom.
 */

#include <stdbool.h>

/* The path of the state file name (to free), or NULL when neither
 * XDG_STATE_HOME nor HOME is an absolute path. */
char *mr_state_path(const char *name);
/* The same for a configuration file, from XDG_CONFIG_HOME. */
char *mr_config_path(const char *name);

/* mkdir -p of path's directory, mode 0700; false with *cause naming the
 * directory and why. */
bool mr_make_parents(const char *path, char **cause);

#endif
