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
extern const struct mr_backend_ops mr_backend_postqueue_json;

#endif
