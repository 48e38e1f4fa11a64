#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "buf.h"
#include "internal.h"
#include "xalloc.h"

/*
 * Logging in: the agent's keys, then the key files, as ssh does. What was
 * tried is kept so that a refusal says it, and RSA keys are noted: libssh2
 * 1.10 signs with RSA only as "ssh-rsa" (SHA-1), which OpenSSH 8.8 and
 * later refuse by default, so an RSA key that works with ssh fails here and
 * the operator must be told why.
 */

struct attempts {
	struct mr_buf tried; /* "agent ED25519 key 'me@laptop' (refused); ..." */
	bool rsa_refused;
};

/* "WHAT (HOW)", after the others tried. */
static void note(struct attempts *a, const char *what, const char *how) {
	if (a->tried.len > 0) {
		mr_buf_add_str(&a->tried, "; ");
	}
	mr_buf_printf(&a->tried, "%s (%s)", what, how);
}

/* A big-endian length and the bytes after it, from raw[*at..n); false
 * past the end. */
static bool take_string(
	const unsigned char *raw, size_t n, size_t *at, const unsigned char **s, uint32_t *len) {
	if (n - *at < 4) {
		return false;
	}
	*len = (uint32_t)raw[*at] << 24 | (uint32_t)raw[*at + 1] << 16 |
	       (uint32_t)raw[*at + 2] << 8 | raw[*at + 3];
	*at += 4;
	if (n - *at < *len) {
		return false;
	}
	*s = raw + *at;
	*at += *len;
	return true;
}

/* The first string of an SSH wire blob: the key's type ("ssh-ed25519"). */
static char *blob_type(const unsigned char *blob, size_t len) {
	size_t at = 0;
	const unsigned char *type;
	uint32_t type_len;
	return take_string(blob, len, &at, &type, &type_len) && type_len < 64
		       ? mr_xstrndup((const char *)type, type_len)
		       : mr_xstrdup("unknown");
}

struct key_file {
	char *type; /* "ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", or "unknown" */
	bool encrypted;
	bool readable;
};

/* OpenSSH's private key format: "openssh-key-v1\0", then the cipher ("none"
 * when not encrypted), the KDF and its options, the number of keys, and the
 * first public key, whose first string is the key's type. */
static void openssh_key_header(const unsigned char *raw, size_t n, struct key_file *k) {
	static const char magic[] = "openssh-key-v1";
	size_t at = sizeof(magic); /* with its NUL */
	const unsigned char *cipher, *skip, *pub;
	uint32_t cipher_len, skip_len, pub_len;
	if (n < at || memcmp(raw, magic, at) != 0 ||
		!take_string(raw, n, &at, &cipher, &cipher_len)) {
		return;
	}
	k->encrypted = !(cipher_len == 4 && memcmp(cipher, "none", 4) == 0);
	if (take_string(raw, n, &at, &skip, &skip_len) &&
		take_string(raw, n, &at, &skip, &skip_len) && n - at >= 4 &&
		(at += 4, take_string(raw, n, &at, &pub, &pub_len))) {
		k->type = blob_type(pub, pub_len);
	}
}

/* What kind of key a private key file holds, and whether it needs a
 * passphrase, from the file itself (OpenSSH's format, or PEM). */
static struct key_file inspect(const char *path) {
	struct key_file k = { NULL, false, false };
	FILE *in = fopen(path, "r");
	char text[16384];
	size_t len = in ? fread(text, 1, sizeof(text) - 1, in) : 0;
	if (in != NULL) {
		fclose(in);
		k.readable = len > 0;
	}
	text[len] = '\0';
	const char *begin = strstr(text, "-----BEGIN OPENSSH PRIVATE KEY-----");
	if (begin != NULL) {
		unsigned char raw[12288];
		const char *body = strchr(begin, '\n');
		size_t n = mr_base64_decode(body ? body : "", raw, sizeof(raw));
		openssh_key_header(raw, n, &k);
		explicit_bzero(raw, sizeof(raw));
	} else if (strstr(text, "-----BEGIN RSA PRIVATE KEY-----") != NULL) {
		k.type = mr_xstrdup("ssh-rsa");
		k.encrypted = strstr(text, "ENCRYPTED") != NULL;
	} else if (strstr(text, "-----BEGIN EC PRIVATE KEY-----") != NULL) {
		k.type = mr_xstrdup("ecdsa");
		k.encrypted = strstr(text, "ENCRYPTED") != NULL;
	} else if (strstr(text, "-----BEGIN ENCRYPTED PRIVATE KEY-----") != NULL) {
		k.encrypted = true;
	}
	explicit_bzero(text, sizeof(text)); /* an unencrypted key's secret */
	if (k.type == NULL) {
		k.type = mr_xstrdup("unknown");
	}
	return k;
}

static bool try_agent(struct ssh_transport *t, struct attempts *a) {
	LIBSSH2_AGENT *agent = getenv("SSH_AUTH_SOCK") ? libssh2_agent_init(t->session) : NULL;
	bool in = false;
	if (agent != NULL && libssh2_agent_connect(agent) == 0 &&
		libssh2_agent_list_identities(agent) == 0) {
		struct libssh2_agent_publickey *id = NULL, *prev = NULL;
		while (!in && libssh2_agent_get_identity(agent, &id, prev) == 0) {
			const char *user = t->config.user;
			in = libssh2_agent_userauth(agent, user, id) == 0;
			if (!in) {
				char *type = blob_type(id->blob, id->blob_len);
				char *what = mr_xasprintf("the agent's %s key '%s'", type,
					id->comment ? id->comment : "");
				a->rsa_refused = a->rsa_refused || strcmp(type, "ssh-rsa") == 0;
				note(a, what, "refused");
				free(what);
				free(type);
			}
			prev = id;
		}
		libssh2_agent_disconnect(agent);
	}
	if (agent != NULL) {
		libssh2_agent_free(agent);
	}
	return in;
}

static bool try_file(struct ssh_transport *t, const char *path, struct attempts *a) {
	struct key_file k = inspect(path);
	if (!k.readable) {
		free(k.type);
		return false; /* a default that is not there: ssh says nothing either */
	}
	char *passphrase = NULL;
	if (k.encrypted) {
		passphrase =
			t->config.passphrase ? t->config.passphrase(t->config.ctx, path) : NULL;
		if (passphrase == NULL) {
			note(a, path, "it needs a passphrase, none given");
			free(k.type);
			return false;
		}
	}
	const char *user = t->config.user;
	int rc = libssh2_userauth_publickey_fromfile_ex(
		t->session, user, (unsigned)strlen(user), NULL, path, passphrase ? passphrase : "");
	if (passphrase != NULL) {
		memset(passphrase, 0, strlen(passphrase));
		free(passphrase);
	}
	if (rc != 0) {
		bool rsa = strcmp(k.type, "ssh-rsa") == 0;
		a->rsa_refused = a->rsa_refused || (rsa && rc != LIBSSH2_ERROR_FILE);
		note(a, path,
			rc == LIBSSH2_ERROR_FILE
				? (k.encrypted ? "wrong passphrase, or a key libssh2 cannot read"
					       : "a key libssh2 cannot read")
				: "refused");
	}
	free(k.type);
	return rc == 0;
}

bool ssh_authenticate(struct ssh_transport *t, char **cause) {
	const char *user = t->config.user;
	char *methods = libssh2_userauth_list(t->session, user, (unsigned)strlen(user));
	if (methods == NULL) {
		if (libssh2_userauth_authenticated(t->session)) {
			return true; /* "none" was enough */
		}
		return mr_fail(cause, "ssh %s: the server closed the login: %s", t->where,
			ssh_error(t->session));
	}
	if (strstr(methods, "publickey") == NULL) {
		return mr_fail(cause,
			"ssh %s: the server does not take keys for %s (it offers: %s); mailroom "
			"logs in with keys only",
			t->where, user, methods);
	}
	struct attempts a = { .rsa_refused = false };
	mr_buf_init(&a.tried);
	bool in = !t->config.identities_only && try_agent(t, &a);
	for (size_t i = 0; !in && i < t->config.n_identity_files; i++) {
		in = try_file(t, t->config.identity_files[i], &a);
	}
	if (!in) {
		if (a.rsa_refused) {
			mr_fail(cause,
				"ssh %s: the server refused the RSA key: libssh2 1.10 signs RSA "
				"keys with SHA-1 (ssh-rsa), which OpenSSH 8.8 and later refuse; "
				"use an ed25519 or ECDSA key (ssh-keygen -t ed25519, then add it "
				"to the server's authorized_keys), or let the server accept "
				"ssh-rsa (PubkeyAcceptedAlgorithms +ssh-rsa) (tried: %s)",
				t->where, a.tried.data);
		} else {
			mr_fail(cause, "ssh %s: no key was accepted for %s (tried: %s)", t->where,
				user, a.tried.len ? a.tried.data : "no agent, no key files");
		}
	}
	mr_buf_finish(&a.tried);
	return in;
}
