#ifndef MR_BACKEND_SSH_INTERNAL_H
#define MR_BACKEND_SSH_INTERNAL_H

#include <libssh2.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "transport_ssh.h"

/* The options, owned. */
struct ssh_config {
	char *alias, *host, *user;
	int port;
	char **identity_files;
	size_t n_identity_files;
	bool identities_only;
	char **known_hosts_files;
	size_t n_known_hosts_files;
	enum mr_ssh_new_host new_host;
	int connect_timeout_ms, keepalive_s, keepalive_count_max;
	bool (*trust_new_host)(void *ctx, const char *where, const char *fingerprint);
	char *(*passphrase)(void *ctx, const char *key_file);
	void *ctx;
};

struct ssh_transport {
	struct mr_transport base;
	struct ssh_config config;
	char *where; /* "user@host:port" or the alias, for messages */
	/*
	 * A libssh2 session is for one thread at a time: lock is held while a
	 * command uses it. Commands of several threads run at once on their
	 * own channels, each letting go of the session while it waits for the
	 * socket or hands output to its reader. running counts them. One that
	 * lets go may have taken in packets that another one waits for
	 * (libssh2 reads whatever has come, whichever channel asks, and queues
	 * it on its channel), which the socket then no longer shows: so stir
	 * changes whenever one lets go, and with others running, a byte on
	 * the wake pipe wakes those waiting.
	 */
	pthread_mutex_t lock;
	int running;
	atomic_uint stir;
	int wake[2];
	int sock; /* -1: not connected */
	LIBSSH2_SESSION *session;
	bool dropped; /* the session failed; open a new one before the next command */
	/* ProxyJump: the jump host (owned; it runs no command) and the relay
	 * through it that carries this session, or NULL. */
	struct ssh_transport *hop;
	struct ssh_relay *relay;
	int64_t last_heard; /* monotonic ms of the last bytes from the server */
};

/* Opens the session: TCP, handshake, host key, authentication. */
bool ssh_connect(struct ssh_transport *t, char **cause);
void ssh_disconnect(struct ssh_transport *t);
/* After a drop: the socket shut both ways, so that libssh2 frees what it
 * holds at once instead of waiting on a server that is gone. */
void ssh_shut_if_dropped(struct ssh_transport *t);

/* ProxyJump (jump.c): a connection to host:port through hop's session
 * (connected first when it is not), as a socket in *sock for this side's
 * session; closed with ssh_relay_close once that socket is closed. */
struct ssh_relay;
bool ssh_relay_open(struct ssh_transport *hop, const char *host, int port, struct ssh_relay **out,
	int *sock, char **cause);
void ssh_relay_close(struct ssh_relay *r);

/* Every known_hosts file, read once per connection (hostkey.c); NULL when
 * libssh2 has no room for them. Free with libssh2_knownhost_free. */
LIBSSH2_KNOWNHOSTS *ssh_read_known_hosts(struct ssh_transport *t);
/* Before the handshake: ask for the kinds of host key known_hosts has for
 * this host first, as ssh does. */
void ssh_prefer_known_host_keys(struct ssh_transport *t, LIBSSH2_KNOWNHOSTS *kh);
/* The server's key checked against known_hosts (kh may be NULL). */
bool ssh_check_host_key(struct ssh_transport *t, LIBSSH2_KNOWNHOSTS *kh, char **cause);

/* Logs in as the user: the agent, then the key files (auth.c). */
bool ssh_authenticate(struct ssh_transport *t, char **cause);

/* libssh2's last error message for the session. */
const char *ssh_error(LIBSSH2_SESSION *session);

/* Waits until the socket is ready the way the session waits for, a second
 * at most (so that the caller sends keepalives and sees its deadline), or
 * until deadline_ms (monotonic; 0: none). False on timeout. */
bool ssh_wait(struct ssh_transport *t, int64_t deadline_ms);
/* The same for a socket and the directions the session waited for (read
 * while it was held), longest_ms at most; also until wake (a pipe, or -1)
 * can be read. */
bool ssh_wait_socket(int sock, int wake, int directions, int64_t deadline_ms, int longest_ms);

#endif
