#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include "clock.h"
#include "internal.h"
#include "xalloc.h"

static pthread_once_t library_once = PTHREAD_ONCE_INIT;

static void library_init(void) {
	libssh2_init(0);
}

const char *ssh_error(LIBSSH2_SESSION *session) {
	char *msg = NULL;
	if (session == NULL || libssh2_session_last_error(session, &msg, NULL, 0) == 0 ||
		msg == NULL) {
		return "no more detail";
	}
	return msg;
}

/* libssh2's receive, noting when the server was last heard from (for
 * ServerAliveCountMax); errors as libssh2 wants them, -errno. */
static ssize_t heard_recv(
	libssh2_socket_t sock, void *buffer, size_t length, int flags, void **abstract) {
	struct ssh_transport *t = *abstract;
	ssize_t n = recv(sock, buffer, length, flags);
	if (n < 0) {
		return -errno;
	}
	if (n > 0) {
		t->last_heard = mr_monotonic_ms();
	}
	return n;
}

bool ssh_wait(struct ssh_transport *t, int64_t deadline_ms) {
	return ssh_wait_socket(
		t->sock, -1, libssh2_session_block_directions(t->session), deadline_ms, 1000);
}

bool ssh_wait_socket(int sock, int wake, int directions, int64_t deadline_ms, int longest_ms) {
	struct pollfd p[2] = { { .fd = sock }, { .fd = wake, .events = POLLIN } };
	p[0].events = (short)(((directions & LIBSSH2_SESSION_BLOCK_INBOUND) ? POLLIN : 0) |
			      ((directions & LIBSSH2_SESSION_BLOCK_OUTBOUND) ? POLLOUT : 0));
	if (p[0].events == 0) {
		p[0].events = POLLIN;
	}
	int timeout = longest_ms;
	if (deadline_ms > 0) {
		int64_t left = deadline_ms - mr_monotonic_ms();
		if (left <= 0) {
			return false;
		}
		timeout = left < timeout ? (int)left : timeout;
	}
	int n = poll(p, wake >= 0 ? 2 : 1, timeout);
	return n >= 0 || errno == EINTR;
}

/* A TCP connection to host:port within timeout_ms, trying each address. */
static int tcp_connect(const struct ssh_config *c, int timeout_ms, char **cause) {
	char port[16];
	snprintf(port, sizeof(port), "%d", c->port);
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *list = NULL;
	int gai = getaddrinfo(c->host, port, &hints, &list);
	if (gai != 0) {
		mr_fail(cause, "ssh %s: cannot resolve %s: %s", c->alias, c->host,
			gai_strerror(gai));
		return -1;
	}
	int sock = -1, err = 0;
	for (struct addrinfo *a = list; a != NULL && sock < 0; a = a->ai_next) {
		sock = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
			a->ai_protocol);
		if (sock < 0) {
			err = errno;
			continue;
		}
		int rc = connect(sock, a->ai_addr, a->ai_addrlen);
		err = rc == 0 ? 0 : errno;
		if (rc != 0 && err == EINPROGRESS) {
			struct pollfd p = { .fd = sock, .events = POLLOUT };
			int ready = poll(&p, 1, timeout_ms);
			socklen_t len = sizeof(err);
			if (ready <= 0) {
				err = ready == 0 ? ETIMEDOUT : errno;
			} else if (getsockopt(sock, SOL_SOCKET, SO_ERROR, &err, &len) != 0) {
				err = errno;
			}
		}
		if (err != 0) {
			close(sock);
			sock = -1;
		}
	}
	freeaddrinfo(list);
	if (sock < 0) {
		mr_fail(cause, "ssh %s: cannot connect to %s port %d: %s", c->alias, c->host,
			c->port, strerror(err ? err : ECONNREFUSED));
		return -1;
	}
	/* libssh2 runs blocking for the handshake and the login (bounded by
	 * libssh2_session_set_timeout), non-blocking while a command runs. */
	fcntl(sock, F_SETFL, fcntl(sock, F_GETFL) & ~O_NONBLOCK);
	return sock;
}

void ssh_shut_if_dropped(struct ssh_transport *t) {
	if (t->dropped && t->sock >= 0) {
		shutdown(t->sock, SHUT_RDWR);
	}
}

void ssh_disconnect(struct ssh_transport *t) {
	ssh_shut_if_dropped(t);
	if (t->session != NULL) {
		libssh2_session_set_blocking(t->session, 1);
		libssh2_session_set_timeout(t->session, 2000);
		if (!t->dropped) {
			libssh2_session_disconnect(t->session, "mailroom is done");
		}
		libssh2_session_free(t->session);
		t->session = NULL;
	}
	if (t->sock >= 0) {
		close(t->sock);
		t->sock = -1;
	}
	ssh_relay_close(t->relay); /* after the socket: the relay sees it end */
	t->relay = NULL;
	t->dropped = false;
}

bool ssh_connect(struct ssh_transport *t, char **cause) {
	pthread_once(&library_once, library_init);
	int timeout_ms = t->config.connect_timeout_ms > 0 ? t->config.connect_timeout_ms : 30000;
	if (t->hop != NULL) {
		if (!ssh_relay_open(
			    t->hop, t->config.host, t->config.port, &t->relay, &t->sock, cause)) {
			return false;
		}
	} else {
		t->sock = tcp_connect(&t->config, timeout_ms, cause);
		if (t->sock < 0) {
			return false;
		}
	}
	t->session = libssh2_session_init_ex(NULL, NULL, NULL, t);
	if (t->session == NULL) {
		ssh_disconnect(t);
		return mr_fail(cause, "ssh %s: cannot start an SSH session", t->where);
	}
	/* libssh2 takes the callback as a void *; ISO C has no conversion from
	 * a function pointer to one, so its bytes are copied. */
	ssize_t (*recv_fn)(libssh2_socket_t, void *, size_t, int, void **) = heard_recv;
	void *callback;
	memcpy(&callback, &recv_fn, sizeof(callback));
	libssh2_session_callback_set(t->session, LIBSSH2_CALLBACK_RECV, callback);
	t->last_heard = mr_monotonic_ms();
	libssh2_session_set_blocking(t->session, 1);
	libssh2_session_set_timeout(t->session, timeout_ms);
	/* Read once: the handshake asks for the kinds of key they have for this
	 * host, then the key the server shows is checked against them. */
	LIBSSH2_KNOWNHOSTS *known = ssh_read_known_hosts(t);
	ssh_prefer_known_host_keys(t, known);
	if (libssh2_session_handshake(t->session, t->sock) != 0) {
		bool ok = libssh2_session_last_errno(t->session) == LIBSSH2_ERROR_TIMEOUT
				  ? mr_fail(cause,
					    "ssh %s: the SSH handshake failed: no answer in %d s "
					    "(ConnectTimeout)",
					    t->where, timeout_ms / 1000)
				  : mr_fail(cause, "ssh %s: the SSH handshake failed: %s", t->where,
					    ssh_error(t->session));
		t->dropped = true;
		if (known != NULL) {
			libssh2_knownhost_free(known);
		}
		ssh_disconnect(t);
		return ok;
	}
	bool checked = ssh_check_host_key(t, known, cause);
	if (known != NULL) {
		libssh2_knownhost_free(known);
	}
	if (!checked || !ssh_authenticate(t, cause)) {
		ssh_disconnect(t);
		return false;
	}
	if (t->config.keepalive_s > 0) {
		libssh2_keepalive_config(t->session, 1, (unsigned)t->config.keepalive_s);
	}
	return true;
}
