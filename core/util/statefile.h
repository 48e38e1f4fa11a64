#ifndef MR_STATEFILE_H
#define MR_STATEFILE_H

/*
 * Files mailroom keeps between runs (the actions log, the prompt's history)
 * live in $XDG_STATE_HOME/mailroom, or ~/.local/state/mailroom without it;
 * the operator's configuration in $XDG_CONFIG_HOME/mailroom, or
 * ~/.config/mailroom.
 */

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* The path of the state file name (to free), or NULL when neither
 * XDG_STATE_HOME nor HOME is an absolute path. */
char *mr_state_path(const char *name);
/* The same for a configuration file, from XDG_CONFIG_HOME. */
char *mr_config_path(const char *name);

/* mkdir -p of path's directory, mode 0700; false with *cause naming the
 * directory and why. */
bool mr_make_parents(const char *path, char **cause);

/*
 * Opens a state file for writing (flags: O_APPEND, or O_EXCL for a file
 * written aside and renamed), creating its directories (0700) and the file
 * (0600) as needed. Neither the file nor its directory is followed when it
 * is a symbolic link: what the operator typed and did is not written where
 * someone else pointed it. A file of ours that others may read is made
 * 0600. Returns the descriptor (close-on-exec), or -1 with *cause naming
 * the file and why.
 */
int mr_state_open(const char *path, int flags, char **cause);

/* Renames from to to, both state files of the same directory, not
 * following a link at to's directory. */
bool mr_state_rename(const char *from, const char *to, char **cause);

/* A whole file's bytes into out (NUL bytes and all; at most max of them, 0
 * for no limit): the operator's configuration files. False with *error set
 * to errno when it cannot be opened or read (ENOENT: it is not there). */
bool mr_read_file(const char *path, size_t max, struct mr_buf *out, int *error);

#endif
