#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"
#include "thread.h"
#include "xalloc.h"

/*
 * ProxyJump, one hop: a direct-tcpip channel through the jump host's
 * session to the target, relayed by a thread to one end of a socketpair.
 * The target's session takes the other end as its socket, so everything
 * above it (handshake, host key, login, commands) is the same as over TCP;
 * the target's host key is checked under the target's own name, as ssh
 * does. The jump host's transport belongs to the target's and runs no
 * command: the relay thread has its session to itself while it runs.
 */

struct ssh_relay {
	struct ssh_transport *hop;
	LIBSSH2_CHANNEL *channel;
	int end;     /* the relay's end of the socketpair */
	int wake[2]; /* a byte here ends the relay */
	pthread_t thread;
};

/* Writes all of data to the channel, waiting on the hop's socket. */
static bool to_channel(struct ssh_relay *r, const char *data, size_t len) {
	while (len > 0) {
		ssize_t n = libssh2_channel_write(r->channel, data, len);
		if (n == LIBSSH2_ERROR_EAGAIN) {
			ssh_wait(r->hop, 0);
			continue;
		}
		if (n < 0) {
			return false;
		}
		data += n;
		len -= (size_t)n;
	}
	return true;
}

static bool to_socket(int fd, const char *data, size_t len) {
	while (len > 0) {
		ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			return false;
		}
		data += n;
		len -= (size_t)n;
	}
	return true;
}

static void *relay_run(void *arg) {
	struct ssh_relay *r = arg;
	char buf[32768];
	bool open = true;
	while (open) {
		ssize_t n;
		bool moved = false;
		while ((n = libssh2_channel_read(r->channel, buf, sizeof(buf))) > 0) {
			open = to_socket(r->end, buf, (size_t)n);
			moved = true;
		}
		if (n < 0 && n != LIBSSH2_ERROR_EAGAIN) {
			r->hop->dropped = true; /* the next connection opens a new one */
			break;
		}
		if (libssh2_channel_eof(r->channel)) {
			break;
		}
		n = recv(r->end, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			break; /* the target's session is done with it */
		}
		if (n > 0) {
			open = open && to_channel(r, buf, (size_t)n);
			moved = true;
		}
		if (moved) {
			continue;
		}
		int dir = libssh2_session_block_directions(r->hop->session);
		struct pollfd p[3] = {
			{ .fd = r->hop->sock,
				.events = (short)(POLLIN |
						  ((dir & LIBSSH2_SESSION_BLOCK_OUTBOUND) ? POLLOUT
											  : 0)) },
			{ .fd = r->end, .events = POLLIN },
			{ .fd = r->wake[0], .events = POLLIN },
		};
		if (r->hop->config.keepalive_s > 0) {
			int next = 0;
			libssh2_keepalive_send(r->hop->session, &next);
		}
		if (poll(p, 3, 1000) > 0 && p[2].revents != 0) {
			break;
		}
	}
	/* The target's session sees the end of its connection. */
	shutdown(r->end, SHUT_RDWR);
	return NULL;
}

bool ssh_relay_open(struct ssh_transport *hop, const char *host, int port, struct ssh_relay **out,
	int *sock, char **cause) {
	if (hop->dropped || hop->session == NULL) {
		ssh_disconnect(hop);
		if (!ssh_connect(hop, cause)) {
			return false;
		}
	}
	libssh2_session_set_blocking(hop->session, 1);
	LIBSSH2_CHANNEL *channel = libssh2_channel_direct_tcpip(hop->session, host, port);
	if (channel == NULL) {
		return mr_fail(cause, "ssh %s: the jump host would not connect to %s port %d: %s",
			hop->where, host, port, ssh_error(hop->session));
	}
	int pair[2];
	struct ssh_relay *r = mr_xcalloc(1, sizeof(*r));
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
		pair[0] = pair[1] = -1;
	}
	if (pair[0] < 0 || pipe(r->wake) != 0) {
		int err = errno;
		if (pair[0] >= 0) {
			close(pair[0]);
			close(pair[1]);
		}
		libssh2_channel_free(channel);
		free(r);
		return mr_fail(cause, "ssh %s: %s", hop->where, strerror(err));
	}
	fcntl(r->wake[0], F_SETFD, FD_CLOEXEC);
	fcntl(r->wake[1], F_SETFD, FD_CLOEXEC);
	libssh2_session_set_blocking(hop->session, 0);
	r->hop = hop;
	r->channel = channel;
	r->end = pair[1];
	if (mr_thread_start(&r->thread, relay_run, r) != 0) {
		close(pair[0]);
		close(pair[1]);
		close(r->wake[0]);
		close(r->wake[1]);
		libssh2_channel_free(channel);
		free(r);
		return mr_fail(cause, "ssh %s: cannot start the relay", hop->where);
	}
	*out = r;
	*sock = pair[0];
	return true;
}

void ssh_relay_close(struct ssh_relay *r) {
	if (r == NULL) {
		return;
	}
	if (write(r->wake[1], "x", 1) < 0) {
		/* the relay ends on its own once the socket closes */
	}
	pthread_join(r->thread, NULL);
	close(r->end);
	close(r->wake[0]);
	close(r->wake[1]);
	struct ssh_transport *hop = r->hop;
	ssh_shut_if_dropped(hop);
	libssh2_channel_free(r->channel);
	libssh2_session_set_blocking(hop->session, 1);
	free(r);
}
