#ifndef MR_SSHCONFIG_H
#define MR_SSHCONFIG_H

/*
 * What the operator typed ("mx1", "root@mx1", "ssh://root@mx1:2222") and
 * their OpenSSH client configuration (~/.ssh/config) turned into where and
 * how the SSH transport connects, the way ssh(1) would:
 *
 *   Host mx1 mx2                    patterns (* ? !negation), case-sensitive
 *       HostName %h.example.com     like ssh, on the name as typed
 *       User postmaster
 *   Host *                          defaults last: the first value of each
 *       IdentityFile ~/.ssh/ops     keyword that applies wins
 *
 * Supported: Host, HostName, User, Port, IdentityFile, IdentitiesOnly,
 * UserKnownHostsFile, StrictHostKeyChecking, ConnectTimeout,
 * ServerAliveInterval, ServerAliveCountMax, ProxyJump, IgnoreUnknown.
 * Match blocks and Include are not: each gives a warning, and a Match block
 * is skipped. Keywords mailroom does not follow give a warning naming the
 * file and line, except a few that change nothing in how it connects (the
 * table in sshconfig.c says which and why); docs/architecture.md has the
 * list.
 *
 * Nothing here opens a file, reads the environment or resolves a name: the
 * caller passes the text, the home directory and the login name, so the
 * result depends on the arguments alone.
 */

#include <stdbool.h>
#include <stddef.h>

/* StrictHostKeyChecking: what to do with a host key known_hosts lacks. */
enum mr_ssh_strict {
	MR_SSH_STRICT_ASK,        /* the default: ask the operator */
	MR_SSH_STRICT_YES,        /* refuse the host */
	MR_SSH_STRICT_NO,         /* "no", "off": ssh takes a new key, even a changed one */
	MR_SSH_STRICT_ACCEPT_NEW, /* accept an unknown host, refuse a changed key */
};

struct mr_ssh_target {
	char *alias; /* the host as asked for: "mx1" */
	char *host;  /* HostName with %h expanded, else the alias; lowercased, as
		      * ssh does. A host name or IP address, never starting with '-' */
	char *user;  /* from the destination, else User, else NULL: the login name */
	int port;    /* from the destination, else Port, else 22 */
	/*
	 * The IdentityFile lines that apply, in order, without duplicates, with
	 * ~ and %d %h %n %p %r %u %% expanded; "IdentityFile none" names no
	 * file. No default key is added here: when identity_files_configured is
	 * false the transport tries its defaults (~/.ssh/id_ed25519, ...), which
	 * ssh too does only when no IdentityFile line applies.
	 */
	char **identity_files;
	size_t n_identity_files;
	bool identity_files_configured;
	bool identities_only; /* only those keys, not every key the agent has */
	/*
	 * UserKnownHostsFile's files, expanded as above; NULL and 0 when the
	 * configuration names none (the transport uses ~/.ssh/known_hosts).
	 * "UserKnownHostsFile none" gives the one file /dev/null: no host is
	 * known beforehand and no key is remembered.
	 */
	char **known_hosts_files;
	size_t n_known_hosts_files;
	enum mr_ssh_strict strict_host_key_checking;
	int connect_timeout_s;       /* ConnectTimeout; 0: none */
	int server_alive_interval_s; /* ServerAliveInterval; 0: off */
	int server_alive_count_max;  /* ServerAliveCountMax; 3 by default */
	/* ProxyJump as written: "[user@]host[:port]" or ssh:// URIs, several
	 * separated by commas (checked); NULL when none applies or it is "none". */
	char *proxy_jump;
	/* One line each: "~/.ssh/config:12: ForwardAgent is not supported by
	 * mailroom (ignored)"; control characters made visible. */
	char **warnings;
	size_t n_warnings;
};

/*
 * Splits a destination: "ssh://[user@]host[:port][/]", "user@host" or
 * "host", with an IPv6 address as "ssh://[::1]:2222" or a bare "::1" (no
 * port outside the ssh:// form, so "mx1:2222" is an error that says so).
 * The user is everything before the last '@'. *user is NULL and *port 0
 * when the text gives none. The host is passed to getaddrinfo, never to a
 * shell, but it is checked all the same: letters, digits, '.', '-' and '_',
 * or an IPv6 address; never a leading '-', whitespace or control
 * characters. The user may not start with '-' or hold whitespace, control
 * characters, '/' or shell metacharacters. False with a one-line *cause
 * naming the input: ssh destination "-oProxyCommand=x": a host name may not
 * start with '-'.
 */
bool mr_ssh_destination_parse(const char *text, char **user, char **host, int *port, char **cause);

/*
 * Resolves destination against the configuration text config[0..config_len)
 * (NULL or empty: no configuration), named config_name in messages
 * ("~/.ssh/config"). ~ and %d expand to home, %u to local_user; a user or
 * port in the destination wins over User and Port, as on ssh's command line.
 * The text is a whole file: lines end with "\n" or "\r\n", and a NUL byte or
 * a line longer than MR_SSH_CONFIG_LINE_MAX is an error, as is every value
 * ssh itself would refuse in a keyword mailroom follows, in any Host block:
 * "~/.ssh/config:7: Port: not a port number ("abc")". False with *cause; t
 * then holds nothing (finishing it is harmless). Finish t after true.
 */
#define MR_SSH_CONFIG_LINE_MAX 16384
bool mr_ssh_target_resolve(struct mr_ssh_target *t, const char *destination, const char *config,
	size_t config_len, const char *config_name, const char *home, const char *local_user,
	char **cause);
void mr_ssh_target_finish(struct mr_ssh_target *t);

/* What the %-tokens of a file name stand for. */
struct mr_ssh_tokens {
	const char *home, *local_user, *host, *alias, *remote_user;
	int port;
};

/* raw with ~ and %d %h %n %p %r %u %% expanded: true with *out (to free),
 * or false with *problem saying what mailroom cannot expand (to free). */
bool mr_ssh_expand(const char *raw, const struct mr_ssh_tokens *tk, char **out, char **problem);

/* Whether alias matches patterns as a Host line's would: a comma-separated
 * list of patterns (* ?), case-sensitive, "!pattern" excluding. For
 * mailroom's own per-host settings, named like ssh's. */
bool mr_ssh_host_match(const char *alias, const char *patterns);

#endif
