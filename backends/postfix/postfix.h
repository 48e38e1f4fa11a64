#ifndef MR_BACKEND_POSTFIX_H
#define MR_BACKEND_POSTFIX_H

/*
 * The Postfix backend: the queue as postqueue -j lists it, actions with
 * postsuper and postqueue -i, messages with postcat. Every program runs
 * through a transport (core/queue/transport.h), with an argv and ids on standard
 * input, never through a shell.
 *
 *   postfix:             the local Postfix
 *   postfix:CONFIG_DIR   the instance whose main.cf is in CONFIG_DIR (-c)
 *   postqueue-json:FILE  a saved postqueue -j listing (- for standard input):
 *                        read-only
 */

#include "backend.h"
#include "transport_ssh.h"

extern const struct mr_backend_ops mr_backend_postfix;
/*   ssh://[USER@]HOST[:PORT][/CONFIG_DIR], USER@HOST: Postfix over SSH */
extern const struct mr_backend_ops mr_backend_postfix_ssh;

/* Whether the Postfix tools of a remote host run through sudo -n: as its
 * login needs (auto: unless it is root), always, or never (the login runs
 * them itself). */
enum mr_remote_sudo { MR_REMOTE_SUDO_AUTO, MR_REMOTE_SUDO_ALWAYS, MR_REMOTE_SUDO_NEVER };
struct mr_remote_rule {
	char *hosts; /* patterns as a Host line's, comma-separated */
	enum mr_remote_sudo sudo;
};

/* How remote sources are reached (struct mr_open_options' remote): how an
 * unknown host and an encrypted key are treated, and the operator's sudo
 * rules, the last that matches a host's name deciding (none: auto). */
struct mr_remote_options {
	struct mr_ssh_prompts prompts;
	const struct mr_remote_rule *rules;
	size_t n_rules;
};
extern const struct mr_backend_ops mr_backend_postqueue_json;

#endif
