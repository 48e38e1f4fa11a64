#ifndef MR_TRANSPORT_H
#define MR_TRANSPORT_H

/*
 * How a backend runs a program: an argv (never a shell string), bytes fed to
 * its standard input, its standard output streamed to a callback as it
 * arrives, its standard error collected, its exit status, a timeout and a
 * way to stop early. The local transport runs programs on this machine
 * (backends/local/transport_local.c); an SSH transport runs them on another, so
 * the Postfix backend does not care where Postfix is.
 *
 * Two threads may run commands on one transport at once: the Postfix backend
 * looks up its settings and reads beside a running postqueue.
 */

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

struct mr_command {
	const char *const *argv; /* NULL-terminated; argv[0] is the program */
	const char *input;       /* fed to standard input, which is then closed */
	size_t input_len;
	/* Each piece of standard output as it arrives; returning false stops
	 * the program (the run ends "cancelled"). NULL: output is dropped. */
	bool (*on_output)(void *ctx, const char *data, size_t len);
	void *ctx;
	int timeout_ms; /* 0: none */
};

struct mr_command_result {
	int exit_status;   /* 0..255, or -1 when it did not exit by itself */
	int signal;        /* the signal that ended it, or 0 */
	bool timed_out;    /* stopped after timeout_ms */
	bool cancelled;    /* stopped because on_output said so */
	struct mr_buf err; /* standard error, bounded (the first 1 MiB) */
};

struct mr_transport;

struct mr_transport_ops {
	const char *name;
	/* Runs the command to its end; false (with *cause) only when it could
	 * not be started or the connection failed: a program that fails is a
	 * result, not an error. res is initialised here; after false it holds
	 * nothing (finishing it is harmless). */
	bool (*run)(struct mr_transport *t, const struct mr_command *cmd,
		struct mr_command_result *res, char **cause);
	void (*destroy)(struct mr_transport *t);
};

struct mr_transport {
	const struct mr_transport_ops *ops;
	const char *where; /* "this machine", "mx1.example.com": for messages */
};

static inline bool mr_transport_run(struct mr_transport *t, const struct mr_command *cmd,
	struct mr_command_result *res, char **cause) {
	return t->ops->run(t, cmd, res, cause);
}

void mr_transport_destroy(struct mr_transport *t);
void mr_command_result_finish(struct mr_command_result *res);

/* Standard error beyond this is dropped: a program that floods it is
 * reported by its first lines. */
#define MR_COMMAND_ERR_MAX (1 << 20)
/* Adds what a program wrote to standard error, up to MR_COMMAND_ERR_MAX
 * bytes in all (every transport collects it this way). */
void mr_command_result_add_err(struct mr_command_result *res, const char *data, size_t len);

/* A line of standard error without "program: fatal: " noise, for messages:
 * "Queue report unavailable - mail system is down". The first line that
 * contains containing, or the last line when that is NULL or not found. */
char *mr_command_error_line(const struct mr_command_result *res, const char *containing);

#endif
