#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "buf.h"
#include "internal.h"
#include "statefile.h"
#include "xalloc.h"

/* "SHA256:..." as ssh-keygen -l shows it. */
static char *fingerprint(LIBSSH2_SESSION *session) {
	const char *hash = libssh2_hostkey_hash(session, LIBSSH2_HOSTKEY_HASH_SHA256);
	struct mr_buf out;
	mr_buf_init(&out);
	mr_buf_add_str(&out, "SHA256:");
	if (hash != NULL) {
		mr_base64_encode(&out, (const unsigned char *)hash, 32);
	} else {
		mr_buf_add_str(&out, "(unknown)");
	}
	return mr_buf_steal(&out);
}

/* In the order mailroom prefers them, as OpenSSH does. */
static const struct {
	int hostkey, knownhost;
	const char *name, *algorithms;
} key_types[] = {
	{ LIBSSH2_HOSTKEY_TYPE_ED25519, LIBSSH2_KNOWNHOST_KEY_ED25519, "ED25519", "ssh-ed25519" },
	{ LIBSSH2_HOSTKEY_TYPE_ECDSA_256, LIBSSH2_KNOWNHOST_KEY_ECDSA_256, "ECDSA",
		"ecdsa-sha2-nistp256" },
	{ LIBSSH2_HOSTKEY_TYPE_ECDSA_384, LIBSSH2_KNOWNHOST_KEY_ECDSA_384, "ECDSA",
		"ecdsa-sha2-nistp384" },
	{ LIBSSH2_HOSTKEY_TYPE_ECDSA_521, LIBSSH2_KNOWNHOST_KEY_ECDSA_521, "ECDSA",
		"ecdsa-sha2-nistp521" },
	{ LIBSSH2_HOSTKEY_TYPE_RSA, LIBSSH2_KNOWNHOST_KEY_SSHRSA, "RSA",
		"rsa-sha2-512,rsa-sha2-256,ssh-rsa" },
	{ LIBSSH2_HOSTKEY_TYPE_DSS, LIBSSH2_KNOWNHOST_KEY_SSHDSS, "DSA", "ssh-dss" },
};
enum { N_KEY_TYPES = sizeof(key_types) / sizeof(*key_types) };

LIBSSH2_KNOWNHOSTS *ssh_read_known_hosts(struct ssh_transport *t) {
	LIBSSH2_KNOWNHOSTS *kh = libssh2_knownhost_init(t->session);
	for (size_t f = 0; kh != NULL && f < t->config.n_known_hosts_files; f++) {
		/* A file that is not there yet holds no host: that is no error. */
		libssh2_knownhost_readfile(
			kh, t->config.known_hosts_files[f], LIBSSH2_KNOWNHOST_FILE_OPENSSH);
	}
	return kh;
}

/* Each of the comma-separated algorithms that is among supported, added to
 * the list. */
static void add_supported(
	struct mr_buf *list, const char *algorithms, const char **supported, int n_supported) {
	char *copy = mr_xstrdup(algorithms), *save = NULL;
	for (char *name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		for (int i = 0; i < n_supported; i++) {
			if (strcmp(supported[i], name) == 0) {
				mr_buf_printf(list, "%s%s", list->len ? "," : "", name);
			}
		}
	}
	free(copy);
}

void ssh_prefer_known_host_keys(struct ssh_transport *t, LIBSSH2_KNOWNHOSTS *kh) {
	if (kh == NULL) {
		return;
	}
	/* Which kinds of key known_hosts has for this host (hashed entries
	 * too): a key that cannot be right is "mismatched" exactly when an
	 * entry of its kind exists. */
	bool known[N_KEY_TYPES] = { false };
	bool any = false;
	for (size_t i = 0; i < N_KEY_TYPES; i++) {
		static const char probe[] = "not a key";
		known[i] = libssh2_knownhost_checkp(kh, t->config.host, t->config.port, probe,
				   sizeof(probe) - 1,
				   LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW |
					   key_types[i].knownhost,
				   NULL) == LIBSSH2_KNOWNHOST_CHECK_MISMATCH;
		any = any || known[i];
	}
	/* The kinds known first, so that a host is checked against the key
	 * known_hosts has for it rather than found "unknown" under another.
	 * Only algorithms this libssh2 has: given one it lacks, 1.10's
	 * libssh2_session_method_pref removes it with an overlapping memcpy. */
	const char **supported = NULL;
	int n_supported =
		libssh2_session_supported_algs(t->session, LIBSSH2_METHOD_HOSTKEY, &supported);
	struct mr_buf list;
	mr_buf_init(&list);
	for (int pass = any ? 0 : 1; pass < 2; pass++) {
		for (size_t i = 0; i < N_KEY_TYPES; i++) {
			if (known[i] == (pass == 0)) {
				add_supported(
					&list, key_types[i].algorithms, supported, n_supported);
			}
		}
	}
	if (list.len > 0 &&
		libssh2_session_method_pref(t->session, LIBSSH2_METHOD_HOSTKEY, list.data) != 0) {
		/* Then libssh2 keeps its own order. */
	}
	mr_buf_finish(&list);
	if (n_supported > 0) {
		libssh2_free(t->session, (void *)supported);
	}
}

/* The name known_hosts files the host under: "host", or "[host]:port". */
static char *known_name(const struct ssh_config *c) {
	return c->port == 22 ? mr_xstrdup(c->host) : mr_xasprintf("[%s]:%d", c->host, c->port);
}

/* Where in the files the entry that no longer matches is: "FILE line N". */
static char *find_line(
	LIBSSH2_KNOWNHOSTS *kh, struct libssh2_knownhost *entry, const struct ssh_config *c) {
	char text[8192];
	size_t len = 0;
	if (entry == NULL || libssh2_knownhost_writeline(kh, entry, text, sizeof(text), &len,
				     LIBSSH2_KNOWNHOST_FILE_OPENSSH) != 0) {
		return NULL;
	}
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' ')) {
		text[--len] = '\0';
	}
	for (size_t f = 0; f < c->n_known_hosts_files; f++) {
		FILE *in = fopen(c->known_hosts_files[f], "r");
		char *line = NULL;
		size_t cap = 0;
		ssize_t got;
		for (size_t no = 1; in != NULL && (got = getline(&line, &cap, in)) >= 0; no++) {
			while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r' ||
						  line[got - 1] == ' ')) {
				line[--got] = '\0';
			}
			/* A line may carry a comment after the key. */
			if (strncmp(line, text, len) == 0 &&
				(line[len] == '\0' || line[len] == ' ')) {
				free(line);
				fclose(in);
				return mr_xasprintf("%s line %zu", c->known_hosts_files[f], no);
			}
		}
		free(line);
		if (in != NULL) {
			fclose(in);
		}
	}
	return NULL;
}

/* Appends the key to the first known_hosts file (made, with its directory,
 * when missing), as OpenSSH's accept-new does. */
static bool remember(LIBSSH2_KNOWNHOSTS *kh, const struct ssh_config *c, const char *key,
	size_t key_len, int type_bit, char **cause) {
	if (c->n_known_hosts_files == 0) {
		return mr_fail(
			cause, "ssh %s: no known_hosts file to add the host key to", c->alias);
	}
	const char *path = c->known_hosts_files[0];
	char *name = known_name(c);
	struct libssh2_knownhost *entry = NULL;
	int rc = libssh2_knownhost_addc(kh, name, NULL, key, key_len, NULL, 0,
		LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | type_bit, &entry);
	free(name);
	char line[8192];
	size_t len = 0;
	if (rc != 0 || libssh2_knownhost_writeline(kh, entry, line, sizeof(line), &len,
			       LIBSSH2_KNOWNHOST_FILE_OPENSSH) != 0) {
		return mr_fail(
			cause, "ssh %s: cannot make a known_hosts line for its key", c->alias);
	}
	if (!mr_make_parents(path, cause)) { /* ~/.ssh may not exist yet */
		return false;
	}
	FILE *out = fopen(path, "a");
	bool ok = out != NULL && fwrite(line, 1, len, out) == len;
	if (out != NULL && fclose(out) != 0) {
		ok = false;
	}
	if (!ok) {
		return mr_fail(cause, "ssh %s: cannot add the host key to %s: %s", c->alias, path,
			strerror(errno));
	}
	return true;
}

bool ssh_check_host_key(struct ssh_transport *t, LIBSSH2_KNOWNHOSTS *kh, char **cause) {
	const struct ssh_config *c = &t->config;
	size_t key_len = 0;
	int type = LIBSSH2_HOSTKEY_TYPE_UNKNOWN;
	const char *key = libssh2_session_hostkey(t->session, &key_len, &type);
	int type_bit = 0;
	const char *type_name = "unknown";
	for (size_t i = 0; i < N_KEY_TYPES; i++) {
		if (key_types[i].hostkey == type && type_bit == 0) {
			type_bit = key_types[i].knownhost;
			type_name = key_types[i].name;
		}
	}
	if (key == NULL || type_bit == 0) {
		return mr_fail(cause,
			"ssh %s: the server sent a host key of a kind mailroom does "
			"not know",
			t->where);
	}
	struct libssh2_knownhost *entry = NULL;
	int check = kh == NULL ? LIBSSH2_KNOWNHOST_CHECK_FAILURE
			       : libssh2_knownhost_checkp(kh, c->host, c->port, key, key_len,
					 LIBSSH2_KNOWNHOST_TYPE_PLAIN |
						 LIBSSH2_KNOWNHOST_KEYENC_RAW | type_bit,
					 &entry);
	char *print = fingerprint(t->session);
	bool ok = false;
	switch (check) {
	case LIBSSH2_KNOWNHOST_CHECK_MATCH:
		ok = true;
		break;
	case LIBSSH2_KNOWNHOST_CHECK_MISMATCH: {
		char *where = find_line(kh, entry, c);
		char *name = known_name(c);
		ok = mr_fail(cause,
			"ssh %s: THE HOST KEY HAS CHANGED: the server's %s key is %s, and %s "
			"says otherwise; this may be an attack, or the host was reinstalled: "
			"check with its administrator, then remove the old line "
			"(ssh-keygen -R '%s')",
			t->where, type_name, print, where ? where : "known_hosts", name);
		free(name);
		free(where);
		break;
	}
	case LIBSSH2_KNOWNHOST_CHECK_NOTFOUND:
		if (c->new_host == MR_SSH_NEW_HOST_ACCEPT ||
			(c->new_host == MR_SSH_NEW_HOST_ASK && c->trust_new_host != NULL &&
				c->trust_new_host(c->ctx, t->where, print))) {
			ok = remember(kh, c, key, key_len, type_bit, cause);
		} else {
			ok = mr_fail(cause,
				"ssh %s: unknown host: its %s key is %s; if that is right, "
				"connect once with --accept-new (or ssh) to add it to %s",
				t->where, type_name, print,
				c->n_known_hosts_files ? c->known_hosts_files[0] : "known_hosts");
		}
		break;
	default:
		ok = mr_fail(cause, "ssh %s: cannot check the host key: %s", t->where,
			ssh_error(t->session));
		break;
	}
	free(print);
	return ok;
}
