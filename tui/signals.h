#ifndef MR_TUI_SIGNALS_H
#define MR_TUI_SIGNALS_H

/*
 * The screen's signals. Ctrl-C stops what runs (an action between two ids,
 * a filter) and is asked for with signals_interrupted(); SIGTERM and SIGHUP
 * end the screen; a crash puts the terminal back before the process dies.
 */

#include <stdbool.h>

/* Installs the handlers; curses must be running (terminfo is read). */
void signals_catch(void);

/* Keeps the terminal's modes as they are before curses changes them, for a
 * crash to put back. */
void signals_save_terminal_modes(void);

/* Whether Ctrl-C was pressed since the last time it was asked (and so
 * forgets it): a long action or filter then stops. */
bool signals_interrupted(void);

/* Whether SIGTERM or SIGHUP asked the screen to end. */
bool signals_terminated(void);

#endif
