#ifndef MR_SSH_OPENSSH_H
#define MR_SSH_OPENSSH_H

/*
 * Where and how ssh(1) itself would connect: `ssh -G [-l USER] [-p PORT] --
 * HOST`, run without a shell, prints the configuration it would use after
 * applying /etc/ssh/ssh_config and ~/.ssh/config with their Include and Match
 * blocks, tokens, canonicalisation and first-value-wins. mailroom takes that
 * answer, so `mailroom mx1` connects where `ssh mx1` does; its own reader
 * (backends/ssh/sshconfig.c) is the fallback where no ssh client is installed.
 */

#include <stdbool.h>
#include <stddef.h>

#include "sshconfig.h"

/*
 * The target from `ssh -G`'s output text[0..len) for alias (the host as the
 * operator named it): HostName, User, Port, IdentityFile (with ~ and %d %h
 * %n %p %r %u %% expanded, which ssh -G leaves to the connection),
 * IdentitiesOnly, UserKnownHostsFile, StrictHostKeyChecking, ConnectTimeout,
 * ServerAlive*, ProxyJump; warnings for settings that would change the
 * connection and that mailroom does not follow (ProxyCommand, HostKeyAlias,
 * CertificateFile, PKCS11Provider, IdentityAgent). False with *cause when a
 * value is missing or unusable (a host name that is not one).
 */
bool mr_ssh_target_from_g(struct mr_ssh_target *t, const char *alias, const char *text, size_t len,
	const char *home, const char *local_user, char **cause);

/*
 * Runs `ssh -G` for destination ("[user@]host", "ssh://[user@]host[:port]")
 * and reads its answer. False with *cause when ssh refuses the destination
 * or cannot be run; *missing then says there is no ssh client to run.
 */
bool mr_ssh_target_openssh(struct mr_ssh_target *t, const char *destination, const char *home,
	const char *local_user, bool *missing, char **cause);

#endif
