/* postqueue -i's request to Postfix's flush service, sent directly: against a
 * stand-in service on a socket of the test's own that speaks each case's
 * part of the exchange and checks the request it gets, byte for byte. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "flush_request.h"
#include "harness.h"

/* A byte string with NULs: its text and length. */
struct bytes {
	const char *data;
	size_t len;
};
#define BYTES(s) \
	{ s, sizeof(s) - 1 }

static const char ID[] = "4Yx3Zq1VkDz9abc";
static const char REQUEST[] = "request\0send_file\0queue_id\0"
			      "4Yx3Zq1VkDz9abc\0";

static const struct {
	const char *name;
	struct bytes hello;   /* what the service says first */
	bool wants_request;   /* the client must send the request */
	struct bytes reply;   /* then the service's answer */
	bool one_byte_writes; /* the service writes a byte at a time */
	enum pf_flush_outcome want;
	const char *cause; /* a part of *cause, or NULL for none */
} cases[] = {
	{ "taken", BYTES("protocol\0queue_flush_protocol\0"), true,
		BYTES("status\0"
		      "0\0"),
		false, PF_FLUSH_TAKEN, NULL },
	{ "taken, a byte at a time", BYTES("protocol\0queue_flush_protocol\0"), true,
		BYTES("status\0"
		      "0\0"),
		true, PF_FLUSH_TAKEN, NULL },
	{ "bad queue id", BYTES("protocol\0queue_flush_protocol\0"), true,
		BYTES("status\0"
		      "3\0"),
		false, PF_FLUSH_REFUSED, "bad queue id" },
	{ "denied", BYTES("protocol\0queue_flush_protocol\0"), true,
		BYTES("status\0"
		      "4\0"),
		false, PF_FLUSH_REFUSED, "denied" },
	{ "failed", BYTES("protocol\0queue_flush_protocol\0"), true,
		BYTES("status\0"
		      "1\0"),
		false, PF_FLUSH_REFUSED, "is Postfix running?" },
	{ "another protocol", BYTES("protocol\0showq_protocol\0"), false, BYTES(""), false,
		PF_FLUSH_UNAVAILABLE, "did not name the protocol" },
	{ "no greeting (an older flush service)", BYTES(""), false, BYTES(""), false,
		PF_FLUSH_UNAVAILABLE, "did not name the protocol" },
	{ "a status that is not a number", BYTES("protocol\0queue_flush_protocol\0"), true,
		BYTES("status\0ok\0"), false, PF_FLUSH_UNAVAILABLE, "is not a number" },
	{ "more than a status", BYTES("protocol\0queue_flush_protocol\0"), true,
		BYTES("status\0"
		      "0\0reason\0x\0"),
		false, PF_FLUSH_UNAVAILABLE, "no status" },
	{ "closed before the status", BYTES("protocol\0queue_flush_protocol\0"), true, BYTES(""),
		false, PF_FLUSH_UNAVAILABLE, "no status" },
};

/* Writes b; false once the client has gone (it may close as soon as it
 * has what it needs, or more than it wants). */
static bool write_bytes(int fd, struct bytes b, bool one_at_a_time) {
	for (size_t at = 0; at < b.len;) {
		size_t n = one_at_a_time ? 1 : b.len - at;
		ssize_t put = send(fd, b.data + at, n, MSG_NOSIGNAL);
		if (put <= 0) {
			return false;
		}
		at += (size_t)put;
	}
	return true;
}

/* The stand-in service: one connection; exits 0 when what it read is what
 * the case wants, 1 otherwise. */
static void serve(int listener, size_t c) {
	int fd = accept(listener, NULL, NULL);
	if (fd < 0) {
		_exit(2);
	}
	/* An attribute list ends with an empty name: the hello's last NUL. */
	struct bytes hello = cases[c].hello;
	if (hello.len > 0) {
		write_bytes(fd, hello, cases[c].one_byte_writes);
		write_bytes(fd, (struct bytes){ "", 1 }, false);
	} else {
		shutdown(fd, SHUT_WR); /* says nothing: EOF */
	}
	char got[256];
	size_t len = 0;
	size_t want = cases[c].wants_request ? sizeof(REQUEST) : 0; /* with the list's end */
	while (len < want) {
		ssize_t n = read(fd, got + len, sizeof(got) - len);
		if (n <= 0) {
			break;
		}
		len += (size_t)n;
	}
	bool ok = len == want && memcmp(got, REQUEST, want) == 0;
	if (cases[c].reply.len > 0 && write_bytes(fd, cases[c].reply, cases[c].one_byte_writes)) {
		write_bytes(fd, (struct bytes){ "", 1 }, false);
	}
	close(fd);
	_exit(ok ? 0 : 1);
}

int main(void) {
	char dir[] = "/tmp/mailroom-flush.XXXXXX";
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	char path[sizeof(dir) + 8];
	snprintf(path, sizeof(path), "%s/flush", dir);
	for (size_t c = 0; c < sizeof(cases) / sizeof(*cases); c++) {
		unlink(path);
		int listener = socket(AF_UNIX, SOCK_STREAM, 0);
		struct sockaddr_un sun = { .sun_family = AF_UNIX };
		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
		if (listener < 0 || bind(listener, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
			listen(listener, 1) != 0) {
			perror("socket");
			return 1;
		}
		pid_t pid = fork();
		if (pid == 0) {
			serve(listener, c);
		}
		close(listener);
		char *cause = NULL;
		enum pf_flush_outcome got = pf_flush_request(path, ID, &cause);
		int status = 0;
		waitpid(pid, &status, 0);
		T_INT(got, cases[c].want, "%s: the outcome", cases[c].name);
		T_OK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s: the service got %s",
			cases[c].name,
			cases[c].wants_request ? "postqueue -i's request, byte for byte"
					       : "no request");
		if (cases[c].cause == NULL) {
			T_NULL(cause, "%s: no cause", cases[c].name);
		} else {
			T_HAS(cause ? cause : "", cases[c].cause, "%s: the cause says why",
				cases[c].name);
		}
		free(cause);
	}
	unlink(path);
	char *cause = NULL;
	T_INT(pf_flush_request(path, ID, &cause), PF_FLUSH_UNAVAILABLE,
		"no service at the path: unavailable (postqueue -i then)");
	T_HAS(cause ? cause : "", path, "no service: the cause names the socket");
	free(cause);
	rmdir(dir);
	return t_done();
}
