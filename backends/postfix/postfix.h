#ifndef MR_BACKEND_POSTFIX_H
#define MR_BACKEND_POSTFIX_H

/*
 * The Postfix backend: the queue as postqueue -j lists it, actions with
 * postsuper and postqueue -i, messages with postcat. Every program runs
 * through a transport (core/transport.h), with an argv and ids on standard
 * input, never through a shell.
 *
 *   postfix:             the local Postfix
 *   postfix:CONFIG_DIR   the instance whose main.cf is in CONFIG_DIR (-c)
 *   postqueue-json:FILE  a saved postqueue -j listing (- for standard input):
 *                        read-only
 */

#include "backend.h"
#include "ssh/transport_ssh.h"

extern const struct mr_backend_ops mr_backend_postfix;
/*   ssh://[USER@]HOST[:PORT][/CONFIG_DIR], USER@HOST: Postfix over SSH */
extern const struct mr_backend_ops mr_backend_postfix_ssh;

/* How remote sources treat unknown hosts and encrypted keys (the CLI and
 * the screen set it before opening sources). */
void mr_postfix_ssh_configure(const struct mr_ssh_prompts *prompts);

/* Whether the Postfix tools of a remote host run through sudo -n: as its
 * login needs (auto: unless it is root), always, or never (the login runs
 * them itself). */
enum mr_remote_sudo { MR_REMOTE_SUDO_AUTO, MR_REMOTE_SUDO_ALWAYS, MR_REMOTE_SUDO_NEVER };
struct mr_remote_rule {
	char *hosts; /* patterns as a Host line's, comma-separated */
	enum mr_remote_sudo sudo;
};
/* The operator's rules (copied), the last that matches a host's name
 * deciding; none: auto. */
void mr_postfix_ssh_rules(const struct mr_remote_rule *rules, size_t n);
extern const struct mr_backend_ops mr_backend_postqueue_json;

#endif
