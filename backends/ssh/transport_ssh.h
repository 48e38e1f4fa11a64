#ifndef MR_TRANSPORT_SSH_H
#define MR_TRANSPORT_SSH_H

/*
 * Runs programs on another machine over SSH (libssh2): one session per
 * transport, one exec channel per command. The argv is joined into one
 * command line for the remote shell with every argument quoted
 * (core/util/shquote.h); standard output streams to the callback, standard error
 * is kept apart, the exit status and signal come back, a timeout stops the
 * command. A session that dropped is opened again before the next command,
 * never during one: a command whose connection dropped is reported failed,
 * not sent again, and what it did is found by listing the queue again.
 */

#include <stdbool.h>
#include <stddef.h>

#include "transport.h"

enum mr_ssh_new_host {
	MR_SSH_NEW_HOST_REFUSE, /* the CLI without --accept-new */
	MR_SSH_NEW_HOST_ACCEPT, /* add it to known_hosts (--accept-new, accept-new) */
	MR_SSH_NEW_HOST_ASK,    /* ask trust_new_host (the screen) */
};

struct mr_ssh_options {
	const char *alias; /* what the operator named, for messages ("mx1") */
	const char *host;  /* the name or address connected to */
	int port;
	const char *user;
	/* Key files to try after the agent, in order (each with or without its
	 * .pub beside it). identities_only: these only, no agent. */
	const char *const *identity_files;
	size_t n_identity_files;
	bool identities_only;
	/* known_hosts files, all read; new keys are added to the first. */
	const char *const *known_hosts_files;
	size_t n_known_hosts_files;
	enum mr_ssh_new_host new_host;
	int connect_timeout_ms; /* 0: 30 s */
	int keepalive_s;        /* 0: none (ServerAliveInterval) */
	/* With keepalives: the server is taken for gone after this many
	 * intervals without a byte from it (ServerAliveCountMax; 0: 3). */
	int keepalive_count_max;
	/* ProxyJump: the host to connect through (its own options; one hop,
	 * no jump of its own), or NULL. */
	const struct mr_ssh_options *jump;
	/* MR_SSH_NEW_HOST_ASK: whether to trust an unknown host's key. */
	bool (*trust_new_host)(void *ctx, const char *where, const char *fingerprint);
	/* A key file's passphrase (freed by the caller of it with free()), or
	 * NULL to skip the key; NULL callback: encrypted keys are skipped. */
	char *(*passphrase)(void *ctx, const char *key_file);
	void *ctx;
};

/* What the program around the transport decides: unknown hosts, and
 * passphrases (the callbacks as in mr_ssh_options). */
struct mr_ssh_prompts {
	enum mr_ssh_new_host new_host;
	bool (*trust_new_host)(void *ctx, const char *where, const char *fingerprint);
	char *(*passphrase)(void *ctx, const char *key_file);
	void *ctx;
};

/* Connects, checks the host key and authenticates; NULL with *cause (one
 * line naming the host) when any of it fails. The options are copied. */
struct mr_transport *mr_transport_ssh_create(const struct mr_ssh_options *o, char **cause);

#endif
