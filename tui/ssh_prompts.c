#include "ssh_prompts.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "postfix.h"
#include "text.h"
#include "xalloc.h"

/*
 * Questions for remote sources, asked on the terminal (/dev/tty) before the
 * screen starts, as ssh asks them: whether to trust a host seen for the
 * first time, and a key's passphrase (not echoed). Without a terminal
 * nothing is asked: the host is refused, the key skipped.
 */

/* While echo is off: the terminal as it was, put back if a signal ends
 * mailroom in the middle of the question (Ctrl-C at a passphrase). */
static int echo_fd = -1;
static struct termios echo_was;
static const int ending_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

static void restore_echo_and_die(int sig) {
	tcsetattr(echo_fd, TCSAFLUSH, &echo_was); /* async-signal-safe */
	signal(sig, SIG_DFL);
	raise(sig);
}

/* A line from the terminal, echo off when secret; NULL without one. */
static char *ask_locked(const char *question, bool secret) {
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		return NULL;
	}
	struct termios was, quiet;
	bool restore = secret && tcgetattr(fd, &was) == 0;
	struct sigaction before[sizeof(ending_signals) / sizeof(*ending_signals)];
	if (restore) {
		echo_fd = fd;
		echo_was = was;
		struct sigaction on_end = { .sa_handler = restore_echo_and_die };
		sigemptyset(&on_end.sa_mask);
		for (size_t i = 0; i < sizeof(ending_signals) / sizeof(*ending_signals); i++) {
			sigaction(ending_signals[i], &on_end, &before[i]);
		}
		quiet = was;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(fd, TCSAFLUSH, &quiet);
	}
	if (write(fd, question, strlen(question)) < 0) {
		/* The answer is read all the same. */
	}
	char line[1024];
	size_t len = 0;
	char c;
	while (len + 1 < sizeof(line) && read(fd, &c, 1) == 1 && c != '\n') {
		line[len++] = c;
	}
	line[len] = '\0';
	if (restore) {
		tcsetattr(fd, TCSAFLUSH, &was);
		for (size_t i = 0; i < sizeof(ending_signals) / sizeof(*ending_signals); i++) {
			sigaction(ending_signals[i], &before[i], NULL);
		}
		if (write(fd, "\n", 1) < 0) {
			/* nothing to do */
		}
	}
	close(fd);
	char *answer = mr_xstrdup(line);
	memset(line, 0, sizeof(line));
	return answer;
}

/* One question at a time (several sources open at once), none once the
 * screen has the terminal. */
static pthread_mutex_t asking = PTHREAD_MUTEX_INITIALIZER;
static bool closed;

/* ask_locked, one question at a time. */
static char *ask(const char *question, bool secret) {
	pthread_mutex_lock(&asking);
	char *answer = closed ? NULL : ask_locked(question, secret);
	pthread_mutex_unlock(&asking);
	return answer;
}

void ssh_prompts_close(void) {
	pthread_mutex_lock(&asking);
	closed = true;
	pthread_mutex_unlock(&asking);
}

static bool trust_new_host(void *ctx, const char *where, const char *fingerprint) {
	(void)ctx;
	char *shown = mr_text_visible_dup(where);
	char *question = mr_xasprintf("mailroom: %s is not a known host. Its key's fingerprint is "
				      "%s.\nTrust it and add it to known_hosts (yes/no)? ",
		shown, fingerprint);
	char *answer = ask(question, false);
	bool yes = answer != NULL && strcmp(answer, "yes") == 0;
	free(answer);
	free(question);
	free(shown);
	return yes;
}

static char *passphrase(void *ctx, const char *key_file) {
	(void)ctx;
	char *shown = mr_text_visible_dup(key_file);
	char *question = mr_xasprintf("mailroom: passphrase for %s: ", shown);
	char *answer = ask(question, true);
	free(question);
	free(shown);
	if (answer != NULL && *answer == '\0') {
		free(answer); /* an empty answer skips the key, as with ssh */
		return NULL;
	}
	return answer;
}

struct mr_ssh_prompts ssh_prompts_for(bool ask_new_host, bool accept_new) {
	return (struct mr_ssh_prompts){
		.new_host = accept_new     ? MR_SSH_NEW_HOST_ACCEPT
			    : ask_new_host ? MR_SSH_NEW_HOST_ASK
					   : MR_SSH_NEW_HOST_REFUSE,
		.trust_new_host = trust_new_host,
		.passphrase = passphrase,
	};
}
