/*
 * "Retry now" without a process per id: the request that postqueue -i sends
 * to Postfix's flush service, sent by mailroom itself over the same socket
 * (QUEUE_DIRECTORY/public/flush), one connection per id.
 *
 * Why: postqueue -i takes one id, and its start (a set-group-id program that
 * reads main.cf and links a dozen libraries) costs 10-15 ms of CPU, most of
 * a retry; on a two-core machine four at once are no faster than one after
 * another. The request itself costs well under a millisecond.
 *
 * When: only for a local queue and only as root. postconf(5) says access to
 * flushing "is always granted if the invoking user is the super-user", so
 * authorized_flush_users decides nothing that postqueue would decide
 * otherwise; any other user goes through postqueue -i, which applies it.
 *
 * The exchange (Postfix's attribute protocol, as postqueue -i speaks it and
 * strace shows on Postfix 3.7): the service first names its protocol,
 * "protocol\0queue_flush_protocol\0\0"; the client sends
 * "request\0send_file\0queue_id\0ID\0\0"; the service answers
 * "status\0N\0\0", 0 when the request was taken (also for an id that is
 * not in the deferred queue: postqueue -i is silent then too). Anything
 * else, or a service that does not name this protocol, makes the caller go
 * back to postqueue -i, which knows its own Postfix.
 */

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "flush_request.h"
#include "xalloc.h"

/*
 * A flush service that does not answer in these times is not going to: its
 * greeting comes as the connection is taken (a Postfix older than the
 * greeting sends none, and postqueue -i takes over after HELLO_MS), its
 * status once the file was moved.
 */
enum { HELLO_MS = 3000, STATUS_MS = 10000, ATTR_MAX = 256 };

/* Postfix's flush statuses (flush_clnt.h). */
enum {
	FLUSH_STAT_OK = 0,
	FLUSH_STAT_FAIL = 1,
	FLUSH_STAT_UNKNOWN = 2,
	FLUSH_STAT_BAD = 3,
	FLUSH_STAT_DENY = 4
};

struct conn {
	int fd;
	int timeout_ms;
	char buf[ATTR_MAX * 2];
	size_t len, at;
};

/* Waits for fd to be ready for events, up to the timeout. */
static bool ready(int fd, short events, int timeout_ms) {
	struct pollfd p = { .fd = fd, .events = events };
	for (;;) {
		int n = poll(&p, 1, timeout_ms);
		if (n > 0) {
			return true;
		}
		if (n == 0 || errno != EINTR) {
			return false;
		}
	}
}

/* The next NUL-terminated string from the service into out (at most
 * ATTR_MAX bytes with its NUL); false on an error, the end, or a timeout. */
static bool read_string(struct conn *c, char out[ATTR_MAX]) {
	size_t n = 0;
	for (;;) {
		if (c->at == c->len) {
			if (!ready(c->fd, POLLIN, c->timeout_ms)) {
				return false;
			}
			ssize_t got = read(c->fd, c->buf, sizeof(c->buf));
			if (got < 0 && errno == EINTR) {
				continue;
			}
			if (got <= 0) {
				return false;
			}
			c->len = (size_t)got;
			c->at = 0;
		}
		char ch = c->buf[c->at++];
		if (n == ATTR_MAX) {
			return false;
		}
		out[n++] = ch;
		if (ch == '\0') {
			return true;
		}
	}
}

/* One attribute list of exactly one NAME=VALUE pair: its value, if its name
 * is name. */
static bool read_one_attr(struct conn *c, const char *name, char value[ATTR_MAX]) {
	char got[ATTR_MAX], end[ATTR_MAX];
	return read_string(c, got) && strcmp(got, name) == 0 && read_string(c, value) &&
	       read_string(c, end) && end[0] == '\0';
}

static bool write_all(int fd, const char *data, size_t len) {
	while (len > 0) {
		if (!ready(fd, POLLOUT, STATUS_MS)) {
			return false;
		}
		ssize_t put = send(fd, data, len, MSG_NOSIGNAL);
		if (put < 0 && errno == EINTR) {
			continue;
		}
		if (put <= 0) {
			return false;
		}
		data += put;
		len -= (size_t)put;
	}
	return true;
}

static int connect_to(const char *path, char **cause) {
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sun.sun_path)) {
		*cause = mr_xasprintf("%s: the path is too long for a socket", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*cause = mr_xasprintf("socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		*cause = mr_xasprintf("%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

enum pf_flush_outcome pf_flush_request(const char *socket_path, const char *id, char **cause) {
	*cause = NULL;
	struct conn c = { .fd = connect_to(socket_path, cause), .timeout_ms = HELLO_MS };
	if (c.fd < 0) {
		return PF_FLUSH_UNAVAILABLE;
	}
	enum pf_flush_outcome outcome = PF_FLUSH_UNAVAILABLE;
	char value[ATTR_MAX];
	if (!read_one_attr(&c, "protocol", value) || strcmp(value, "queue_flush_protocol") != 0) {
		*cause = mr_xasprintf("%s: the flush service did not name the protocol "
				      "postqueue -i speaks",
			socket_path);
		goto done;
	}
	size_t id_len = strlen(id);
	char request[ATTR_MAX + 64];
	static const char head[] = "request\0send_file\0queue_id"; /* and its NUL */
	if (id_len == 0 || id_len > ATTR_MAX - 1) {
		*cause = mr_xasprintf("%s: not a queue id", id);
		goto done;
	}
	size_t n = 0;
	memcpy(request, head, sizeof(head));
	n += sizeof(head);
	memcpy(request + n, id, id_len + 1);
	n += id_len + 1;
	request[n++] = '\0'; /* the end of the list */
	errno = 0;
	if (!write_all(c.fd, request, n)) {
		*cause = mr_xasprintf("%s: the request could not be sent: %s", socket_path,
			errno ? strerror(errno) : "timed out");
		goto done;
	}
	char *end;
	c.timeout_ms = STATUS_MS;
	if (!read_one_attr(&c, "status", value)) {
		*cause = mr_xasprintf("%s: no status came back for %s", socket_path, id);
		goto done;
	}
	long status = strtol(value, &end, 10);
	if (end == value || *end != '\0') {
		*cause = mr_xasprintf(
			"%s: the status \"%.32s\" is not a number", socket_path, value);
		goto done;
	}
	switch (status) {
	case FLUSH_STAT_OK:
		outcome = PF_FLUSH_TAKEN;
		break;
	case FLUSH_STAT_BAD:
		*cause = mr_xstrdup("the flush service refused the request (a bad queue id)");
		outcome = PF_FLUSH_REFUSED;
		break;
	case FLUSH_STAT_DENY:
		*cause = mr_xstrdup("the flush service denied the request");
		outcome = PF_FLUSH_REFUSED;
		break;
	default:
		/* FAIL and UNKNOWN: postqueue -i would say "Cannot flush mail
		 * queue - mail system is down". */
		*cause = mr_xasprintf(
			"the flush service failed (status %ld): is Postfix running?", status);
		outcome = PF_FLUSH_REFUSED;
		break;
	}
done:
	close(c.fd);
	return outcome;
}
