#include "transport_local.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "xalloc.h"

extern char **environ;

static void close_fd(int *fd) {
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

/* Waits for the child; when it must stop early: TERM, then KILL if it
 * lingers half a second, to its process group (a script's own children
 * too). */
static int reap(pid_t pid, bool stop) {
	int status = 0;
	if (stop) {
		kill(-pid, SIGTERM);
		for (int i = 0; i < 50; i++) {
			if (waitpid(pid, &status, WNOHANG) == pid) {
				return status;
			}
			struct timespec pause = { 0, 10 * 1000 * 1000 };
			nanosleep(&pause, NULL);
		}
		kill(-pid, SIGKILL);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
	}
	return status;
}

static int cloexec_pipe(int fds[2]) {
	if (pipe(fds) != 0) {
		return -1;
	}
	fcntl(fds[0], F_SETFD, FD_CLOEXEC);
	fcntl(fds[1], F_SETFD, FD_CLOEXEC);
	return 0;
}

static bool spawn(const struct mr_command *cmd, pid_t *pid, int fds[3], char **cause) {
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
	if (cloexec_pipe(in) != 0 || cloexec_pipe(out) != 0 || cloexec_pipe(err) != 0) {
		int e = errno;
		close_fd(&in[0]), close_fd(&in[1]), close_fd(&out[0]), close_fd(&out[1]);
		close_fd(&err[0]), close_fd(&err[1]);
		return mr_fail(cause, "%s: cannot create pipes: %s", cmd->argv[0], strerror(e));
	}
	posix_spawn_file_actions_t actions;
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&actions, err[1], STDERR_FILENO);
	/* A process group of its own: Ctrl-C at the terminal reaches mailroom
	 * only, which stops an action between two parts; a postsuper or
	 * postqueue killed in the middle of its ids would leave their outcomes
	 * unknown. */
	posix_spawnattr_t attr;
	posix_spawnattr_init(&attr);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
	posix_spawnattr_setpgroup(&attr, 0);
	/* A path runs that file; a bare name is looked up in PATH. */
	int rc = strchr(cmd->argv[0], '/') != NULL
			 ? posix_spawn(pid, cmd->argv[0], &actions, &attr,
				   (char *const *)(uintptr_t)cmd->argv, environ)
			 : posix_spawnp(pid, cmd->argv[0], &actions, &attr,
				   (char *const *)(uintptr_t)cmd->argv, environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&actions);
	close_fd(&in[0]);
	close_fd(&out[1]);
	close_fd(&err[1]);
	if (rc != 0) {
		close_fd(&in[1]), close_fd(&out[0]), close_fd(&err[0]);
		return mr_fail(cause, "%s: cannot run it: %s", cmd->argv[0], strerror(rc));
	}
	fds[0] = in[1];
	fds[1] = out[0];
	fds[2] = err[0];
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	return true;
}

static bool local_run(struct mr_transport *t, const struct mr_command *cmd,
	struct mr_command_result *res, char **cause) {
	(void)t;
	*res = (struct mr_command_result){ .exit_status = -1 };
	mr_buf_init(&res->err);
	pid_t pid;
	int fds[3] = { -1, -1, -1 };
	if (!spawn(cmd, &pid, fds, cause)) {
		mr_buf_finish(&res->err);
		return false;
	}
	size_t fed = 0;
	if (cmd->input_len == 0) {
		close_fd(&fds[0]);
	}
	int64_t deadline = cmd->timeout_ms > 0 ? mr_monotonic_ms() + cmd->timeout_ms : 0;
	char chunk[65536];
	while (fds[1] >= 0 || fds[2] >= 0) {
		struct pollfd p[3];
		int n = 0, idx[3] = { -1, -1, -1 };
		for (int i = 0; i < 3; i++) {
			if (fds[i] >= 0) {
				idx[i] = n;
				p[n++] = (struct pollfd){ fds[i], i == 0 ? POLLOUT : POLLIN, 0 };
			}
		}
		int wait = -1;
		if (deadline != 0) {
			int64_t left = deadline - mr_monotonic_ms();
			wait = left > 0 ? (int)left : 0;
		}
		int r = poll(p, (nfds_t)n, wait);
		if (r < 0 && errno == EINTR) {
			continue;
		}
		if (r == 0 || (deadline != 0 && mr_monotonic_ms() >= deadline)) {
			res->timed_out = true;
			break;
		}
		if (idx[0] >= 0 && p[idx[0]].revents) {
			ssize_t w = write(fds[0], cmd->input + fed, cmd->input_len - fed);
			if (w > 0) {
				fed += (size_t)w;
			}
			if ((w < 0 && errno != EAGAIN && errno != EINTR) || fed == cmd->input_len) {
				close_fd(&fds[0]); /* done, or the program stopped reading */
			}
		}
		if (idx[1] >= 0 && p[idx[1]].revents) {
			ssize_t got = read(fds[1], chunk, sizeof(chunk));
			if (got > 0 && cmd->on_output != NULL &&
				!cmd->on_output(cmd->ctx, chunk, (size_t)got)) {
				res->cancelled = true;
				break;
			}
			if (got == 0 || (got < 0 && errno != EINTR && errno != EAGAIN)) {
				close_fd(&fds[1]);
			} else if (got > 0 && (size_t)got < sizeof(chunk) / 4) {
				/* A program that writes a line at a time (postqueue)
				 * would cost a wake-up per line: let some gather. */
				struct timespec pause = { 0, 300 * 1000 };
				nanosleep(&pause, NULL);
			}
		}
		if (idx[2] >= 0 && p[idx[2]].revents) {
			ssize_t got = read(fds[2], chunk, sizeof(chunk));
			if (got > 0) {
				mr_command_result_add_err(res, chunk, (size_t)got);
			}
			if (got == 0 || (got < 0 && errno != EINTR && errno != EAGAIN)) {
				close_fd(&fds[2]);
			}
		}
	}
	for (int i = 0; i < 3; i++) {
		close_fd(&fds[i]);
	}
	int status = reap(pid, res->timed_out || res->cancelled);
	if (WIFEXITED(status)) {
		res->exit_status = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status)) {
		res->signal = WTERMSIG(status);
	}
	return true;
}

static void local_destroy(struct mr_transport *t) {
	free(t);
}

static const struct mr_transport_ops local_ops = {
	.name = "local",
	.run = local_run,
	.destroy = local_destroy,
};

struct mr_transport *mr_transport_local_create(void) {
	/* A program that stops reading its input must give EPIPE, not end
	 * mailroom. */
	signal(SIGPIPE, SIG_IGN);
	struct mr_transport *t = mr_xcalloc(1, sizeof(*t));
	t->ops = &local_ops;
	t->where = "this machine";
	return t;
}
