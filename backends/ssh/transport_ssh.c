#include "transport_ssh.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "internal.h"
#include "shquote.h"
#include "xalloc.h"

static char **copy_list(const char *const *list, size_t n) {
	char **out = mr_xcalloc(n + 1, sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		out[i] = mr_xstrdup(list[i]);
	}
	return out;
}

static void free_list(char **list, size_t n) {
	for (size_t i = 0; list != NULL && i < n; i++) {
		free(list[i]);
	}
	free(list);
}

/* A failure of the connection itself, as opposed to the command's. */
static bool connection_lost(int rc) {
	return rc == LIBSSH2_ERROR_SOCKET_SEND || rc == LIBSSH2_ERROR_SOCKET_RECV ||
	       rc == LIBSSH2_ERROR_SOCKET_DISCONNECT || rc == LIBSSH2_ERROR_SOCKET_TIMEOUT ||
	       rc == LIBSSH2_ERROR_TIMEOUT || rc == LIBSSH2_ERROR_KEX_FAILURE ||
	       rc == LIBSSH2_ERROR_DECRYPT;
}

/* The number of a signal named as SSH names them ("TERM"), 0 when unknown. */
static int signal_number(const char *name) {
	static const struct {
		const char *name;
		int number;
	} signals[] = { { "ABRT", SIGABRT }, { "ALRM", SIGALRM }, { "FPE", SIGFPE },
		{ "HUP", SIGHUP }, { "ILL", SIGILL }, { "INT", SIGINT }, { "KILL", SIGKILL },
		{ "PIPE", SIGPIPE }, { "QUIT", SIGQUIT }, { "SEGV", SIGSEGV }, { "TERM", SIGTERM },
		{ "USR1", SIGUSR1 }, { "USR2", SIGUSR2 } };
	for (size_t i = 0; i < sizeof(signals) / sizeof(*signals); i++) {
		if (strcmp(name, signals[i].name) == 0) {
			return signals[i].number;
		}
	}
	return 0;
}

struct exec_state {
	struct ssh_transport *t;
	LIBSSH2_CHANNEL *channel;
	int64_t deadline; /* 0: none */
	int rc;           /* the libssh2 error that ended the run, or 0 */
	bool silent;      /* ended because the server stopped answering */
};

/* How long the server may be silent while keepalives go out before it is
 * taken for gone: ServerAliveInterval x ServerAliveCountMax (3 by default,
 * as in ssh); 0 without keepalives. */
static int silence_limit_s(const struct ssh_transport *t) {
	const struct ssh_config *c = &t->config;
	return c->keepalive_s * (c->keepalive_count_max > 0 ? c->keepalive_count_max : 3);
}

static bool server_gone(const struct ssh_transport *t) {
	int limit = silence_limit_s(t);
	return limit > 0 && mr_monotonic_ms() - t->last_heard > (int64_t)limit * 1000;
}

/* How long a command that shares the session waits for the socket before
 * it looks again, in case another one took in its packets between its
 * look and its poll (the wake pipe says so otherwise). */
enum { SHARED_WAIT_MS = 50 };

/* What letting go tells the other commands: something may have changed,
 * and, when there are others, a byte on the wake pipe for those waiting. */
static void stir(struct ssh_transport *t) {
	atomic_fetch_add(&t->stir, 1);
	if (t->running > 1 && write(t->wake[1], "", 1) < 0) {
		/* full: a wake-up is pending already */
	}
}

/* Lets go of the session, which another command may use meanwhile. */
static void let_go(struct ssh_transport *t) {
	stir(t);
	pthread_mutex_unlock(&t->lock);
}

/* A command's end: it lets go of the session for good, waking the others
 * (counted before it leaves) that may wait for packets it took in. */
static void leave(struct ssh_transport *t) {
	stir(t);
	t->running--;
	if (!t->dropped && t->running == 0) {
		libssh2_session_set_blocking(t->session, 1);
	}
	pthread_mutex_unlock(&t->lock);
}

/* Takes the session again, and the wake-ups meant for this wait. */
static void take_again(struct ssh_transport *t) {
	pthread_mutex_lock(&t->lock);
	char drop[64];
	while (read(t->wake[0], drop, sizeof(drop)) > 0) {
	}
}

/* Waits for the socket while libssh2 says EAGAIN, sending keepalives, with
 * the session let go; false when the command must end: its deadline
 * passed (res->timed_out) or the server stopped answering (x->rc,
 * x->silent). Called and returns with t->lock held. */
static bool keep_waiting(struct exec_state *x, struct mr_command_result *res) {
	struct ssh_transport *t = x->t;
	if (t->config.keepalive_s > 0) {
		int next = 0;
		libssh2_keepalive_send(t->session, &next);
		if (server_gone(t)) {
			x->silent = true;
			x->rc = LIBSSH2_ERROR_SOCKET_TIMEOUT;
			return false;
		}
	}
	int directions = libssh2_session_block_directions(t->session);
	bool shared = t->running > 1;
	unsigned seen = atomic_load(&t->stir) + 1;
	let_go(t);
	/* Nothing new on the socket, but another command used the session
	 * meanwhile: what this one waits for may be in libssh2's queue. */
	bool in_time = true;
	if (atomic_load(&t->stir) == seen) {
		in_time = ssh_wait_socket(t->sock, t->wake[0], directions, x->deadline,
			shared ? SHARED_WAIT_MS : 1000);
	} else if (x->deadline > 0 && mr_monotonic_ms() >= x->deadline) {
		in_time = false;
	}
	take_again(t);
	if (!in_time) {
		res->timed_out = true;
	}
	return in_time;
}

/* The program a command line runs, for messages: "postqueue" for
 * "sudo -n /usr/sbin/postqueue -j". */
static const char *program_name(const char *const *argv) {
	size_t i = 0;
	if (strcmp(argv[0], "sudo") == 0) {
		for (i = 1; argv[i] != NULL && argv[i][0] == '-'; i++) {
		}
		i = argv[i] != NULL ? i : 0;
	}
	const char *slash = strrchr(argv[i], '/');
	return slash != NULL ? slash + 1 : argv[i];
}

/* Reads what is there of standard output and error; false when the
 * command must stop (the callback said so) or the connection failed. */
static bool drain(struct exec_state *x, const struct mr_command *cmd, struct mr_command_result *res,
	bool *progress) {
	char data[32768];
	for (;;) {
		ssize_t n = libssh2_channel_read(x->channel, data, sizeof(data));
		if (n > 0) {
			*progress = true;
			if (cmd->on_output == NULL) {
				continue;
			}
			/* The reader's work (parsing a listing) is no reason to keep
			 * the other commands off the session. */
			let_go(x->t);
			bool more = cmd->on_output(cmd->ctx, data, (size_t)n);
			take_again(x->t);
			if (!more) {
				res->cancelled = true;
				return false;
			}
			continue;
		}
		ssize_t e = libssh2_channel_read_stderr(x->channel, data, sizeof(data));
		if (e > 0) {
			*progress = true;
			mr_command_result_add_err(res, data, (size_t)e);
			continue;
		}
		int rc = n < 0 && n != LIBSSH2_ERROR_EAGAIN   ? (int)n
			 : e < 0 && e != LIBSSH2_ERROR_EAGAIN ? (int)e
							      : 0;
		if (rc != 0) {
			x->rc = rc;
			return false;
		}
		return true;
	}
}

static bool run_channel(struct exec_state *x, const struct mr_command *cmd, const char *line,
	struct mr_command_result *res) {
	int rc;
	while ((rc = libssh2_channel_process_startup(x->channel, "exec", 4, line,
			(unsigned)strlen(line))) == LIBSSH2_ERROR_EAGAIN) {
		if (!keep_waiting(x, res)) {
			return false;
		}
	}
	if (rc != 0) {
		x->rc = rc;
		return false;
	}
	size_t sent = 0;
	bool eof_sent = false;
	while (!libssh2_channel_eof(x->channel)) {
		bool progress = false;
		if (sent < cmd->input_len) {
			ssize_t w = libssh2_channel_write(
				x->channel, cmd->input + sent, cmd->input_len - sent);
			if (w > 0) {
				sent += (size_t)w;
				progress = true;
			} else if (w != LIBSSH2_ERROR_EAGAIN) {
				x->rc = (int)w;
				return false;
			}
		} else if (!eof_sent) {
			rc = libssh2_channel_send_eof(x->channel);
			if (rc == 0) {
				eof_sent = true;
			} else if (rc != LIBSSH2_ERROR_EAGAIN) {
				x->rc = rc;
				return false;
			}
		}
		if (!drain(x, cmd, res, &progress)) {
			return false;
		}
		if (!progress && !libssh2_channel_eof(x->channel) && !keep_waiting(x, res)) {
			return false;
		}
	}
	bool progress = false;
	return drain(x, cmd, res, &progress);
}

/* A session channel, or NULL (t->dropped set when the connection is gone,
 * res->timed_out when the server did not answer in time). */
static LIBSSH2_CHANNEL *open_channel(struct exec_state *x, struct mr_command_result *res) {
	struct ssh_transport *t = x->t;
	libssh2_session_set_blocking(t->session, 0);
	LIBSSH2_CHANNEL *channel;
	while ((channel = libssh2_channel_open_session(t->session)) == NULL &&
		libssh2_session_last_errno(t->session) == LIBSSH2_ERROR_EAGAIN) {
		if (!keep_waiting(x, res)) {
			t->dropped = true; /* a session in the middle of a request */
			return NULL;
		}
	}
	if (channel == NULL && connection_lost(libssh2_session_last_errno(t->session))) {
		t->dropped = true;
	}
	return channel;
}

/* Closes the channel and takes the exit status (finished) or leaves it -1.
 * Closing ends the remote program when it still runs (cancelled, timed
 * out): sshd hangs it up. */
static void close_channel(struct exec_state *x, struct mr_command_result *res, bool finished) {
	struct exec_state closing = { x->t, x->channel, mr_monotonic_ms() + 5000, 0, false };
	struct mr_command_result ignored = { 0 };
	while (libssh2_channel_close(x->channel) == LIBSSH2_ERROR_EAGAIN &&
		keep_waiting(&closing, &ignored)) {
	}
	while (libssh2_channel_wait_closed(x->channel) == LIBSSH2_ERROR_EAGAIN &&
		keep_waiting(&closing, &ignored)) {
	}
	if (closing.rc != 0 || ignored.timed_out) {
		x->t->dropped = true;
	}
	if (finished) {
		res->exit_status = libssh2_channel_get_exit_status(x->channel);
		char *signal = NULL;
		libssh2_channel_get_exit_signal(x->channel, &signal, NULL, NULL, NULL, NULL, NULL);
		if (signal != NULL) {
			res->signal = signal_number(signal);
			res->exit_status = -1;
			free(signal);
		}
	}
}

static bool ssh_run(struct mr_transport *base, const struct mr_command *cmd,
	struct mr_command_result *res, char **cause) {
	struct ssh_transport *t = (struct ssh_transport *)base;
	*res = (struct mr_command_result){ .exit_status = -1 };
	mr_buf_init(&res->err);
	pthread_mutex_lock(&t->lock);
	/* A session that dropped is opened again before a command is sent,
	 * never while one runs: that one says it dropped, and so does this. */
	if ((t->dropped || t->session == NULL) && t->running > 0) {
		pthread_mutex_unlock(&t->lock);
		mr_command_result_finish(res);
		return mr_fail(cause, "ssh %s: the connection dropped while another command ran",
			t->where);
	}
	if (t->dropped || t->session == NULL) {
		ssh_disconnect(t);
		if (!ssh_connect(t, cause)) {
			pthread_mutex_unlock(&t->lock);
			return false;
		}
	}
	struct mr_buf line;
	mr_buf_init(&line);
	mr_shell_quote_argv(&line, cmd->argv);
	struct exec_state x = { t, NULL, 0, 0, false };
	if (cmd->timeout_ms > 0) {
		x.deadline = mr_monotonic_ms() + cmd->timeout_ms;
	}
	t->running++;
	x.channel = open_channel(&x, res);
	if (x.channel == NULL && t->dropped && t->running == 1) {
		/* The connection was gone before anything of this command was
		 * sent (the server restarted, a NAT forgot it): a new session,
		 * then the command, once. */
		ssh_disconnect(t);
		if (ssh_connect(t, cause)) {
			res->timed_out = false;
			x.channel = open_channel(&x, res);
		} else {
			t->dropped = true;
			t->running--;
			pthread_mutex_unlock(&t->lock);
			mr_buf_finish(&line);
			mr_command_result_finish(res);
			return false;
		}
	}
	const char *program = program_name(cmd->argv);
	bool ok = true;
	if (x.channel == NULL) {
		ok = mr_fail(cause, "ssh %s: cannot start %s: %s", t->where, program,
			res->timed_out ? "no answer in time" : ssh_error(t->session));
	} else {
		bool finished = run_channel(&x, cmd, line.data, res);
		if (!finished && x.rc != 0 && connection_lost(x.rc)) {
			t->dropped = true;
			char *why = x.silent ? mr_xasprintf("no answer from the server for %d s",
						       silence_limit_s(t))
					     : mr_xstrdup(ssh_error(t->session));
			ok = mr_fail(cause,
				"ssh %s: the connection dropped while %s ran (%s); it was not "
				"sent again: list the queue to see what it did",
				t->where, program, why);
			free(why);
		} else if (!finished && x.rc != 0) {
			ok = mr_fail(
				cause, "ssh %s: %s: %s", t->where, program, ssh_error(t->session));
		}
		if (!t->dropped) {
			close_channel(&x, res, finished);
		}
		/* A dropped session's socket is shut first: freeing then fails
		 * fast instead of waiting to say goodbye to a server that is
		 * gone, and nothing is left behind. */
		ssh_shut_if_dropped(t);
		libssh2_channel_free(x.channel);
	}
	mr_buf_finish(&line);
	leave(t);
	if (!ok) {
		mr_command_result_finish(res);
	}
	return ok;
}

static void ssh_destroy(struct mr_transport *base) {
	struct ssh_transport *t = (struct ssh_transport *)base;
	ssh_disconnect(t);
	if (t->hop != NULL) {
		ssh_destroy(&t->hop->base);
	}
	struct ssh_config *c = &t->config;
	free(c->alias);
	free(c->host);
	free(c->user);
	free_list(c->identity_files, c->n_identity_files);
	free_list(c->known_hosts_files, c->n_known_hosts_files);
	pthread_mutex_destroy(&t->lock);
	close(t->wake[0]);
	close(t->wake[1]);
	free(t->where);
	free(t);
}

static const struct mr_transport_ops ssh_ops = {
	.name = "ssh",
	.run = ssh_run,
	.destroy = ssh_destroy,
};

/* A transport with its options, not connected yet. */
static struct ssh_transport *transport_new(const struct mr_ssh_options *o) {
	struct ssh_transport *t = mr_xcalloc(1, sizeof(*t));
	t->config = (struct ssh_config){
		.alias = mr_xstrdup(o->alias ? o->alias : o->host),
		.host = mr_xstrdup(o->host),
		.user = mr_xstrdup(o->user),
		.port = o->port,
		.identity_files = copy_list(o->identity_files, o->n_identity_files),
		.n_identity_files = o->n_identity_files,
		.identities_only = o->identities_only,
		.known_hosts_files = copy_list(o->known_hosts_files, o->n_known_hosts_files),
		.n_known_hosts_files = o->n_known_hosts_files,
		.new_host = o->new_host,
		.connect_timeout_ms = o->connect_timeout_ms,
		.keepalive_s = o->keepalive_s,
		.keepalive_count_max = o->keepalive_count_max,
		.trust_new_host = o->trust_new_host,
		.passphrase = o->passphrase,
		.ctx = o->ctx,
	};
	t->where = mr_xasprintf("%s@%s:%d", o->user, o->host, o->port);
	t->base = (struct mr_transport){ &ssh_ops, t->where };
	t->sock = -1;
	pthread_mutex_init(&t->lock, NULL);
	if (pipe(t->wake) != 0) {
		mr_fatal("ssh: cannot make a pipe: %s", strerror(errno));
	}
	for (int i = 0; i < 2; i++) {
		fcntl(t->wake[i], F_SETFL, O_NONBLOCK);
		fcntl(t->wake[i], F_SETFD, FD_CLOEXEC);
	}
	if (o->jump != NULL) {
		t->hop = transport_new(o->jump); /* its own jump is not followed */
		free(t->where);
		t->where = mr_xasprintf(
			"%s@%s:%d (through %s)", o->user, o->host, o->port, t->hop->where);
		t->base.where = t->where;
	}
	return t;
}

struct mr_transport *mr_transport_ssh_create(const struct mr_ssh_options *o, char **cause) {
	struct ssh_transport *t = transport_new(o);
	if (!ssh_connect(t, cause)) {
		ssh_destroy(&t->base);
		return NULL;
	}
	return &t->base;
}
