/*
 * libFuzzer target for the SSH client configuration reader (backends/ssh/sshconfig.c):
 * any bytes as a ~/.ssh/config, resolved for a few destinations, and the
 * same bytes as a destination. Whatever the input, the answer must hold
 * together: a host that getaddrinfo may see, a port in range, and messages
 * that are one line with no control character in them, since they go to
 * the terminal.
 *
 *   tests/fuzz/run 300 sshconfig
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "sshconfig.h"

/* What may be printed as it is: no control character, no DEL. */
static void check_printable(const char *s) {
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			abort();
		}
	}
}

static void check_host(const char *host) {
	if (host == NULL || host[0] == '\0' || host[0] == '-' || strlen(host) > 255) {
		abort();
	}
	for (const char *p = host; *p != '\0'; p++) {
		if (*p <= ' ' || *p == 0x7f || (unsigned char)*p >= 0x80 || strchr("/;$`'\"", *p)) {
			abort();
		}
	}
}

static void check_target(const struct mr_ssh_target *t) {
	check_host(t->host);
	check_printable(t->alias);
	if (t->user != NULL) {
		check_printable(t->user);
		if (t->user[0] == '-') {
			abort();
		}
	}
	if (t->port < 1 || t->port > 65535 || t->connect_timeout_s < 0 ||
		t->server_alive_interval_s < 0 || t->server_alive_count_max < 0 ||
		t->strict_host_key_checking > MR_SSH_STRICT_ACCEPT_NEW ||
		(t->n_identity_files > 0 && !t->identity_files_configured) ||
		(t->n_identity_files == 0) != (t->identity_files == NULL) ||
		(t->n_known_hosts_files == 0) != (t->known_hosts_files == NULL)) {
		abort();
	}
	for (size_t i = 0; i < t->n_identity_files; i++) {
		for (size_t j = 0; j < i; j++) {
			if (strcmp(t->identity_files[i], t->identity_files[j]) == 0) {
				abort(); /* duplicates are dropped */
			}
		}
	}
	if (t->n_warnings > 21) {
		abort(); /* twenty, then a count */
	}
	for (size_t i = 0; i < t->n_warnings; i++) {
		check_printable(t->warnings[i]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	static const char *const destinations[] = {
		"mx1",
		"ssh://postmaster@mx1.example.com:2222",
		"bastion",
	};
	/* An exact-size copy, so that reading one byte too far is caught. */
	char *text = malloc(size ? size : 1);
	memcpy(text, data, size);
	size_t resolved = 0, warnings = 0;
	for (size_t i = 0; i < sizeof(destinations) / sizeof(destinations[0]); i++) {
		struct mr_ssh_target t;
		char *cause = NULL;
		if (mr_ssh_target_resolve(
			    &t, destinations[i], text, size, "fuzz", "/home/ops", "ops", &cause)) {
			if (cause != NULL) {
				abort();
			}
			check_target(&t);
			resolved++;
			warnings += t.n_warnings;
		} else {
			if (cause == NULL || t.host != NULL || t.n_warnings != 0) {
				abort();
			}
			check_printable(cause);
		}
		mr_ssh_target_finish(&t);
		free(cause);
	}

	/* The bytes up to the first NUL as a destination. */
	char *destination = malloc(size + 1);
	memcpy(destination, data, size);
	destination[size] = '\0';
	char *user, *host, *cause = NULL;
	int port;
	bool parsed = mr_ssh_destination_parse(destination, &user, &host, &port, &cause);
	fuzz_note("%s: %zu of 3 destinations resolved, %zu warnings; the text as a destination %s",
		resolved > 0 ? "resolved" : "refused", resolved, warnings,
		parsed ? "parsed" : "refused");
	if (parsed) {
		check_host(host);
		if (port < 0 || port > 65535 || (user != NULL && user[0] == '-')) {
			abort();
		}
		if (user != NULL) {
			check_printable(user);
		}
		free(user);
		free(host);
	} else {
		if (cause == NULL || user != NULL || host != NULL) {
			abort();
		}
		check_printable(cause);
	}
	free(cause);
	free(destination);
	free(text);
	return 0;
}
