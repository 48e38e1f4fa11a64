/* The SSH configuration as OpenSSH's own client reads it: ssh -G. */

#include "openssh.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "text.h"
#include "transport_local.h"
#include "xalloc.h"

/* ssh -G reads files and may run a Match exec command; it never talks to the
 * network for this, but a broken configuration must not hang the screen. */
enum { SSH_G_TIMEOUT_MS = 10000 };

/* The identity files ssh lists when the configuration names none, in its
 * order: then mailroom tries its own defaults, as ssh tries its own. */
static const char *const default_identities[] = { "~/.ssh/id_rsa", "~/.ssh/id_ecdsa",
	"~/.ssh/id_ecdsa_sk", "~/.ssh/id_ed25519", "~/.ssh/id_ed25519_sk", "~/.ssh/id_xmss",
	"~/.ssh/id_dsa", NULL };

static void push(char ***list, size_t *n, char *item) {
	*list = mr_xreallocarray(*list, *n + 1, sizeof(**list));
	(*list)[(*n)++] = item;
}

/* A host name as a connection takes it: letters, digits, '.', '-', '_', or
 * an IPv6 address; never a leading '-'. */
static bool plain_host(const char *host) {
	return host[0] != '\0' && host[0] != '-' &&
	       strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:") ==
		       strlen(host);
}

/* The settings of one answer, as text, before they are checked. */
struct answer {
	char *hostname, *user, *port, *identities_only, *strict, *connect_timeout;
	char *alive_interval, *alive_count, *proxy_jump, *known_hosts;
	char **identities;
	size_t n_identities;
	char **unfollowed; /* "ProxyCommand" etc. that are set */
	size_t n_unfollowed;
};

static void answer_finish(struct answer *a) {
	char **fields[] = { &a->hostname, &a->user, &a->port, &a->identities_only, &a->strict,
		&a->connect_timeout, &a->alive_interval, &a->alive_count, &a->proxy_jump,
		&a->known_hosts };
	for (size_t i = 0; i < sizeof(fields) / sizeof(*fields); i++) {
		free(*fields[i]);
	}
	for (size_t i = 0; i < a->n_identities; i++) {
		free(a->identities[i]);
	}
	free(a->identities);
	for (size_t i = 0; i < a->n_unfollowed; i++) {
		free(a->unfollowed[i]);
	}
	free(a->unfollowed);
}

/* Settings that change how ssh connects and that mailroom does not follow:
 * a warning names each one that is set (ssh -G prints "none" or leaves out
 * the ones that are not). */
static const struct {
	const char *key, *name, *unset;
} unfollowed[] = {
	{ "proxycommand", "ProxyCommand", "none" },
	{ "hostkeyalias", "HostKeyAlias", NULL },
	{ "certificatefile", "CertificateFile", NULL },
	{ "pkcs11provider", "PKCS11Provider", "none" },
	{ "identityagent", "IdentityAgent", "SSH_AUTH_SOCK" },
};

static void take_line(struct answer *a, const char *key, size_t key_len, const char *value) {
	struct {
		const char *key;
		char **field;
	} fields[] = {
		{ "hostname", &a->hostname },
		{ "user", &a->user },
		{ "port", &a->port },
		{ "identitiesonly", &a->identities_only },
		{ "stricthostkeychecking", &a->strict },
		{ "connecttimeout", &a->connect_timeout },
		{ "serveraliveinterval", &a->alive_interval },
		{ "serveralivecountmax", &a->alive_count },
		{ "proxyjump", &a->proxy_jump },
		{ "userknownhostsfile", &a->known_hosts },
	};
	for (size_t i = 0; i < sizeof(fields) / sizeof(*fields); i++) {
		if (strlen(fields[i].key) == key_len && memcmp(fields[i].key, key, key_len) == 0) {
			if (*fields[i].field == NULL) { /* the first value wins */
				*fields[i].field = mr_xstrdup(value);
			}
			return;
		}
	}
	if (key_len == 12 && memcmp(key, "identityfile", 12) == 0) {
		push(&a->identities, &a->n_identities, mr_xstrdup(value));
		return;
	}
	for (size_t i = 0; i < sizeof(unfollowed) / sizeof(*unfollowed); i++) {
		if (strlen(unfollowed[i].key) == key_len &&
			memcmp(unfollowed[i].key, key, key_len) == 0 &&
			(unfollowed[i].unset == NULL || strcmp(value, unfollowed[i].unset) != 0)) {
			push(&a->unfollowed, &a->n_unfollowed, mr_xstrdup(unfollowed[i].name));
		}
	}
}

static void read_answer(struct answer *a, const char *text, size_t len) {
	for (size_t pos = 0; pos < len;) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;
		pos += n + 1;
		size_t key_len = 0;
		while (key_len < n && line[key_len] != ' ') {
			key_len++;
		}
		if (key_len == 0 || key_len == n) {
			continue;
		}
		char *value = mr_xstrndup(line + key_len + 1, n - key_len - 1);
		if (memchr(value, '\0', n - key_len - 1) == NULL) {
			take_line(a, line, key_len, value);
		}
		free(value);
	}
}

static bool number(const char *text, int lo, int hi, int *out) {
	char *end;
	long n = text != NULL ? strtol(text, &end, 10) : 0;
	if (text == NULL || end == text || *end != '\0' || n < lo || n > hi) {
		return false;
	}
	*out = (int)n;
	return true;
}

static bool fail_value(char **cause, const char *alias, const char *key, const char *value) {
	char *shown = mr_text_visible_dup(value ? value : "(none)");
	mr_fail(cause, "ssh -G %s: %s: not usable (\"%s\")", alias, key, shown);
	free(shown);
	return false;
}

/* The files of one setting, each with its tokens expanded. */
static bool expand_files(char ***out, size_t *n_out, char *const *raw, size_t n,
	const struct mr_ssh_tokens *tk, const char *alias, const char *key, char **cause) {
	for (size_t i = 0; i < n; i++) {
		char *path = NULL, *problem = NULL;
		if (!mr_ssh_expand(raw[i], tk, &path, &problem)) {
			char *shown = mr_text_visible_dup(raw[i]);
			mr_fail(cause, "ssh -G %s: %s %s: %s", alias, key, shown, problem);
			free(shown);
			free(problem);
			return false;
		}
		push(out, n_out, path);
	}
	return true;
}

static bool is_default_identities(const struct answer *a) {
	size_t n = 0;
	while (default_identities[n] != NULL) {
		n++;
	}
	if (a->n_identities != n) {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (strcmp(a->identities[i], default_identities[i]) != 0) {
			return false;
		}
	}
	return true;
}

/* The account's home directory, as ssh takes it (not from HOME), or NULL:
 * sources open on threads of their own, so not getpwuid's shared buffer. */
static char *account_home(void) {
	struct passwd pw, *found = NULL;
	char buf[4096];
	if (getpwuid_r(getuid(), &pw, buf, sizeof(buf), &found) != 0 || found == NULL) {
		return NULL;
	}
	return mr_xstrdup(pw.pw_dir);
}

/* ssh's own UserKnownHostsFile when none is configured, expanded with the
 * account's home: then mailroom uses its default (~/.ssh/known_hosts of
 * HOME), as it does without ssh. */
static bool is_default_known_hosts(const char *value, const char *account_home) {
	if (account_home == NULL) {
		return false;
	}
	char *want = mr_xasprintf(
		"%s/.ssh/known_hosts %s/.ssh/known_hosts2", account_home, account_home);
	bool same = strcmp(value, want) == 0;
	free(want);
	return same;
}

static bool fill(struct mr_ssh_target *t, const struct answer *a, const char *home,
	const char *local_user, char **cause) {
	const char *alias = t->alias;
	if (a->hostname == NULL || !plain_host(a->hostname)) {
		return fail_value(cause, alias, "hostname", a->hostname);
	}
	t->host = mr_xstrdup(a->hostname);
	if (a->user == NULL || a->user[0] == '-' || strpbrk(a->user, " \t/\\;&|$`'\"") != NULL) {
		return fail_value(cause, alias, "user", a->user);
	}
	t->user = mr_xstrdup(a->user);
	if (!number(a->port, 1, 65535, &t->port)) {
		return fail_value(cause, alias, "port", a->port);
	}
	t->identities_only = a->identities_only != NULL && strcmp(a->identities_only, "yes") == 0;
	const char *strict = a->strict != NULL ? a->strict : "ask";
	t->strict_host_key_checking = strcmp(strict, "accept-new") == 0 ? MR_SSH_STRICT_ACCEPT_NEW
				      : strcmp(strict, "true") == 0 || strcmp(strict, "yes") == 0
					      ? MR_SSH_STRICT_YES
				      : strcmp(strict, "false") == 0 || strcmp(strict, "no") == 0 ||
						      strcmp(strict, "off") == 0
					      ? MR_SSH_STRICT_NO
					      : MR_SSH_STRICT_ASK;
	if (a->connect_timeout == NULL || strcmp(a->connect_timeout, "none") == 0) {
		t->connect_timeout_s = 0;
	} else if (!number(a->connect_timeout, 0, 86400, &t->connect_timeout_s)) {
		return fail_value(cause, alias, "connecttimeout", a->connect_timeout);
	}
	t->server_alive_interval_s = 0;
	t->server_alive_count_max = 3;
	if ((a->alive_interval != NULL &&
		    !number(a->alive_interval, 0, 86400, &t->server_alive_interval_s)) ||
		(a->alive_count != NULL &&
			!number(a->alive_count, 1, 1000, &t->server_alive_count_max))) {
		return fail_value(cause, alias, "serveralive*",
			a->alive_interval ? a->alive_interval : a->alive_count);
	}
	if (a->proxy_jump != NULL && strcmp(a->proxy_jump, "none") != 0) {
		t->proxy_jump = mr_xstrdup(a->proxy_jump);
	}
	struct mr_ssh_tokens tk = { home, local_user, t->host, alias, t->user, t->port };
	t->identity_files_configured = !is_default_identities(a);
	if (t->identity_files_configured &&
		!expand_files(&t->identity_files, &t->n_identity_files, a->identities,
			a->n_identities, &tk, alias, "identityfile", cause)) {
		return false;
	}
	char *account = account_home();
	bool default_known =
		a->known_hosts != NULL && is_default_known_hosts(a->known_hosts, account);
	free(account);
	if (a->known_hosts != NULL && !default_known) {
		/* Several files, separated by blanks, as ssh -G prints them. */
		char **raw = NULL;
		size_t n_raw = 0;
		char *copy = mr_xstrdup(a->known_hosts);
		char *save = NULL;
		for (char *f = strtok_r(copy, " ", &save); f != NULL;
			f = strtok_r(NULL, " ", &save)) {
			push(&raw, &n_raw, mr_xstrdup(f));
		}
		bool ok = expand_files(&t->known_hosts_files, &t->n_known_hosts_files, raw, n_raw,
			&tk, alias, "userknownhostsfile", cause);
		for (size_t i = 0; i < n_raw; i++) {
			free(raw[i]);
		}
		free(raw);
		free(copy);
		if (!ok) {
			return false;
		}
	}
	for (size_t i = 0; i < a->n_unfollowed; i++) {
		push(&t->warnings, &t->n_warnings,
			mr_xasprintf("ssh configuration for %s (as ssh -G reads it): %s is not "
				     "supported by mailroom (ignored)",
				alias, a->unfollowed[i]));
	}
	return true;
}

bool mr_ssh_target_from_g(struct mr_ssh_target *t, const char *alias, const char *text, size_t len,
	const char *home, const char *local_user, char **cause) {
	memset(t, 0, sizeof(*t));
	t->alias = mr_xstrdup(alias);
	struct answer a = { 0 };
	read_answer(&a, text, len);
	bool ok = fill(t, &a, home, local_user, cause);
	answer_finish(&a);
	if (!ok) {
		mr_ssh_target_finish(t);
		memset(t, 0, sizeof(*t));
	}
	return ok;
}

/* Whether an ssh client is on PATH (else the built-in reader stands in). */
static bool have_ssh(void) {
	const char *path = getenv("PATH");
	char *copy = mr_xstrdup(path != NULL && *path != '\0' ? path : "/usr/bin:/bin");
	bool found = false;
	char *save = NULL;
	for (char *dir = strtok_r(copy, ":", &save); dir != NULL && !found;
		dir = strtok_r(NULL, ":", &save)) {
		char *file = mr_xasprintf("%s/ssh", *dir ? dir : ".");
		found = access(file, X_OK) == 0;
		free(file);
	}
	free(copy);
	return found;
}

/* HOME's .ssh/config when HOME is not the account's home and it has one. */
static char *user_config(const char *home) {
	char *account = account_home();
	bool same = home == NULL || account == NULL || strcmp(home, account) == 0;
	free(account);
	if (same) {
		return NULL;
	}
	char *path = mr_xasprintf("%s/.ssh/config", home);
	struct stat st;
	if (stat(path, &st) != 0) {
		free(path);
		return NULL;
	}
	return path;
}

static bool collect(void *ctx, const char *data, size_t len) {
	struct mr_buf *out = ctx;
	mr_buf_add(out, data, len);
	return out->len < (1 << 20); /* ssh -G prints a few kilobytes */
}

bool mr_ssh_target_openssh(struct mr_ssh_target *t, const char *destination, const char *home,
	const char *local_user, bool *missing, char **cause) {
	*missing = !have_ssh();
	if (*missing) {
		return mr_fail(cause, "no ssh client (ssh -G) on this machine");
	}
	char *user = NULL, *host = NULL;
	int port = 0;
	if (!mr_ssh_destination_parse(destination, &user, &host, &port, cause)) {
		return false;
	}
	char port_text[16];
	snprintf(port_text, sizeof(port_text), "%d", port);
	const char *argv[11];
	size_t n = 0;
	argv[n++] = "ssh";
	argv[n++] = "-G";
	/* ssh reads ~/.ssh/config from the account's home, whatever HOME
	 * says; where HOME is elsewhere (and has one), that configuration is
	 * the one meant. */
	char *config = user_config(home);
	if (config != NULL) {
		argv[n++] = "-F";
		argv[n++] = config;
	}
	if (user != NULL) {
		argv[n++] = "-l";
		argv[n++] = user;
	}
	if (port != 0) {
		argv[n++] = "-p";
		argv[n++] = port_text;
	}
	argv[n++] = "--"; /* the host is never an option */
	argv[n++] = host;
	argv[n] = NULL;
	struct mr_buf out;
	mr_buf_init(&out);
	struct mr_command cmd = {
		.argv = argv, .on_output = collect, .ctx = &out, .timeout_ms = SSH_G_TIMEOUT_MS
	};
	struct mr_transport *local = mr_transport_local_create();
	struct mr_command_result res;
	bool ok = mr_transport_run(local, &cmd, &res, cause);
	if (ok && res.exit_status != 0) {
		char *line = mr_command_error_line(&res, NULL);
		char *shown = mr_text_visible_dup(line ? line : "no reason given");
		ok = mr_fail(cause, "ssh -G %s: %s", host, shown);
		free(shown);
		free(line);
	}
	if (ok) {
		mr_command_result_finish(&res);
		/* The host as named is the alias: %n, and what messages say. */
		ok = mr_ssh_target_from_g(
			t, host, out.data ? out.data : "", out.len, home, local_user, cause);
	} else {
		mr_command_result_finish(&res);
	}
	mr_transport_destroy(local);
	mr_buf_finish(&out);
	free(config);
	free(user);
	free(host);
	return ok;
}
