#ifndef MR_TUI_PROMPT_H
#define MR_TUI_PROMPT_H

/*
 * The line at the bottom of the screen where a filter ('/'), a command
 * (':'), a search of the codes ('?') or of a text ('s', shown as '/') is
 * typed, edited by libedit inside curses: libedit's own output goes to
 * /dev/null, and its character reader draws the line into the screen and
 * then reads one key with curses. Emacs keys, the arrows and the history
 * work as in a shell; Ctrl-R finds an earlier line with the text typed; Tab
 * completes; Esc, Ctrl-G or Ctrl-C cancels. While the operator types, the
 * screen behind goes on (a listing that falls due is taken), and the line
 * stays as it is: no key typed here ever reaches a view.
 *
 * History: one file, $XDG_STATE_HOME/mailroom/history (0600), a line per
 * entry starting with its kind ("/domain:gmail.com", ":hold"), at most
 * PROMPT_HISTORY of each kind, oldest first.
 */

#include <stdbool.h>
#include <stddef.h>

enum { PROMPT_HISTORY = 500, PROMPT_KINDS = 4 };

struct prompt_hooks {
	void *ctx;
	/* Draws the whole screen, the prompt included (prompt_draw), and
	 * refreshes it. */
	void (*draw)(void *ctx);
	/* After every change of the line: a note to show above it (NULL:
	 * none), *error when it says what is wrong. */
	const char *(*edited)(void *ctx, char kind, const char *line, bool *error);
	/* The words that may stand where the word at line[start..end) is;
	 * fills words (at most max) and returns how many there are. */
	size_t (*complete)(void *ctx, char kind, const char *line, size_t start, size_t end,
		const char **words, size_t max);
	/* Milliseconds the reader may wait for a key before idle is due (-1:
	 * no limit), and what is due then (a listing); the line is drawn
	 * again after. */
	int (*wait)(void *ctx);
	void (*idle)(void *ctx);
	/* Whether Ctrl-C was pressed (it arrives as a signal, not a key): the
	 * line is then cancelled as with Esc. */
	bool (*interrupted)(void *ctx);
};

struct prompt;

/* Loads the history (a missing file is an empty one). */
struct prompt *prompt_open(void);
/* Saves the history; false with *cause when it cannot. */
bool prompt_close(struct prompt *p, char **cause);

/* Reads a line of kind '/', ':', '?' or 's' starting as initial (NULL: empty).
 * Returns it (to free), or NULL when the operator cancelled. */
char *prompt_read(
	struct prompt *p, char kind, const char *initial, const struct prompt_hooks *hooks);

/* Draws the line being read into the last two lines of stdscr (the note
 * above it), and leaves the terminal cursor in it; false when no line is
 * being read. */
bool prompt_draw(const struct prompt *p);

/* For the benchmark: when set, called with the milliseconds from each key
 * read to the screen drawn after it; and when the last key was read (ms on
 * the monotonic clock). */
extern void (*prompt_key_timer)(double ms);
double prompt_last_key_at(const struct prompt *p);

#endif
