#ifndef MR_SHQUOTE_H
#define MR_SHQUOTE_H

/*
 * An argv as one command line for a remote POSIX shell. SSH's exec request
 * carries a single string, which the remote user's shell splits again: every
 * argument is put in single quotes (a quote inside becomes '\''), so no byte
 * of it is ever read as shell syntax, whatever the data. Arguments made
 * only of [A-Za-z0-9_./=:,+@%-] stay bare, for readable logs. Quoting does
 * not stop an argument from being taken as an option: callers validate ids
 * and paths before they get here.
 */

#include "buf.h"

void mr_shell_quote_argv(struct mr_buf *out, const char *const *argv);

#endif
