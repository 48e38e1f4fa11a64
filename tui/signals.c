/* The screen's signals: Ctrl-C, the end of the session, a crash. */

#include "signals.h"

#include <curses.h>
#include <signal.h>
#include <string.h>
#include <term.h>
#include <termios.h>
#include <unistd.h>

/*
 * Signals. Ctrl-C (SIGINT) stops what is running (an action between two
 * ids, a filter) and otherwise only says how to quit; SIGTERM and SIGHUP end
 * the screen as q would. A crash (SIGSEGV, SIGABRT, ...) puts the terminal
 * back before it dies, so the shell is not left in the alternate screen with
 * the keys not echoed: the strings that do it are read from terminfo while
 * curses runs, and written with write(2), which a signal handler may call.
 * The flags are the signals' own, the only state a handler may touch.
 */
static volatile sig_atomic_t interrupted, terminated;
static struct termios saved_modes;
static bool have_modes;
static char reset_terminal[256];
static size_t reset_len;
static struct sigaction crash_was[NSIG];

static void on_interrupt(int sig) {
	(void)sig;
	interrupted = 1;
}

static void on_terminate(int sig) {
	(void)sig;
	terminated = 1;
}

static void on_crash(int sig) {
	if (reset_len > 0 && write(STDOUT_FILENO, reset_terminal, reset_len) < 0) {
		/* nothing more can be done about it here */
	}
	if (have_modes) {
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_modes);
	}
	/* What was there before (the sanitizers' reporters), or the default. */
	sigaction(sig, &crash_was[sig], NULL);
	raise(sig);
}

static void add_reset(const char *cap) {
	char *s = tigetstr(cap);
	if (s == NULL || s == (char *)-1) {
		return;
	}
	size_t len = strlen(s);
	if (reset_len + len < sizeof(reset_terminal)) {
		memcpy(reset_terminal + reset_len, s, len);
		reset_len += len;
	}
}

void signals_catch(void) {
	add_reset("sgr0");
	add_reset("cnorm");
	add_reset("rmkx");
	add_reset("rmcup");
	struct sigaction sa = { .sa_handler = on_interrupt };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL); /* no SA_RESTART: the key wait returns */
	sa.sa_handler = on_terminate;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	static const int crashes[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
	sa.sa_handler = on_crash;
	sa.sa_flags = SA_RESETHAND;
	for (size_t i = 0; i < sizeof(crashes) / sizeof(*crashes); i++) {
		sigaction(crashes[i], &sa, &crash_was[crashes[i]]);
	}
}

bool signals_interrupted(void) {
	bool was = interrupted != 0;
	interrupted = 0;
	return was;
}

bool signals_terminated(void) {
	return terminated != 0;
}

void signals_save_terminal_modes(void) {
	have_modes = tcgetattr(STDIN_FILENO, &saved_modes) == 0;
}
