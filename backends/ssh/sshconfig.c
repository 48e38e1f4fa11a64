#include "sshconfig.h"

#include <arpa/inet.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "text.h"
#include "xalloc.h"

/* What a keyword does here. */
enum kw {
	KW_UNKNOWN, /* not an ssh_config keyword at all */
	KW_HOST,
	KW_MATCH,
	KW_INCLUDE,
	KW_HOSTNAME,
	KW_USER,
	KW_PORT,
	KW_IDENTITY_FILE,
	KW_IDENTITIES_ONLY,
	KW_KNOWN_HOSTS,
	KW_STRICT,
	KW_CONNECT_TIMEOUT,
	KW_ALIVE_INTERVAL,
	KW_ALIVE_COUNT,
	KW_PROXY_JUMP,
	KW_PROXY_COMMAND,
	KW_IGNORE_UNKNOWN,
	KW_QUIET, /* accepted without a word: it changes nothing in how mailroom connects */
	KW_WARN,  /* not followed, and the operator is told */
	KW_COUNT
};

struct keyword {
	const char *name; /* as ssh_config(5) spells it */
	enum kw kw;
	/* KW_WARN: values, '|'-separated, that ask for what mailroom does
	 * anyway ("ForwardAgent no"), so they need no warning. */
	const char *quiet_values;
};

/*
 * Every keyword of OpenSSH 9's ssh_config, so that a typing error ("Hostnmae")
 * is told apart from a keyword mailroom does not follow. A keyword is
 * quiet only when following it could not change where mailroom connects,
 * as whom, or how it checks the host; everything else warns, because an
 * operator who wrote it expects it to matter.
 */
static const struct keyword keywords[] = {
	/* Followed. */
	{ "Host", KW_HOST, NULL },
	{ "Match", KW_MATCH, NULL },
	{ "Include", KW_INCLUDE, NULL },
	{ "HostName", KW_HOSTNAME, NULL },
	{ "User", KW_USER, NULL },
	{ "Port", KW_PORT, NULL },
	{ "IdentityFile", KW_IDENTITY_FILE, NULL },
	{ "IdentityFile2", KW_IDENTITY_FILE, NULL }, /* ssh's old name for it */
	{ "IdentitiesOnly", KW_IDENTITIES_ONLY, NULL },
	{ "UserKnownHostsFile", KW_KNOWN_HOSTS, NULL },
	{ "StrictHostKeyChecking", KW_STRICT, NULL },
	{ "ConnectTimeout", KW_CONNECT_TIMEOUT, NULL },
	{ "ServerAliveInterval", KW_ALIVE_INTERVAL, NULL },
	{ "ServerAliveCountMax", KW_ALIVE_COUNT, NULL },
	{ "ProxyJump", KW_PROXY_JUMP, NULL },
	{ "ProxyCommand", KW_PROXY_COMMAND, NULL }, /* only "none"; else a warning */
	{ "IgnoreUnknown", KW_IGNORE_UNKNOWN, NULL },

	/* ssh's own diagnostics: mailroom reports its errors itself. */
	{ "LogLevel", KW_QUIET, NULL },
	{ "LogVerbose", KW_QUIET, NULL },
	{ "SyslogFacility", KW_QUIET, NULL },
	/* An interactive session's features: mailroom runs its own commands,
	 * without a terminal, a display or an escape character. */
	{ "EnableEscapeCommandline", KW_QUIET, NULL },
	{ "EscapeChar", KW_QUIET, NULL },
	{ "ForkAfterAuthentication", KW_QUIET, NULL },
	{ "ForwardX11", KW_QUIET, NULL },
	{ "ForwardX11Timeout", KW_QUIET, NULL },
	{ "ForwardX11Trusted", KW_QUIET, NULL },
	{ "ObscureKeystrokeTiming", KW_QUIET, NULL },
	{ "RemoteCommand", KW_QUIET, NULL },
	{ "RequestTTY", KW_QUIET, NULL },
	{ "SessionType", KW_QUIET, NULL },
	{ "StdinNull", KW_QUIET, NULL },
	{ "VisualHostKey", KW_QUIET, NULL },
	{ "XAuthLocation", KW_QUIET, NULL },
	/* Connection sharing: mailroom keeps its own connection open for as
	 * long as it needs it; sharing ssh's would only save a handshake. */
	{ "ControlMaster", KW_QUIET, NULL },
	{ "ControlPath", KW_QUIET, NULL },
	{ "ControlPersist", KW_QUIET, NULL },
	/* Speed and socket tuning, not where, as whom or how safely:
	 * ServerAliveInterval, which is followed, is what notices a dead peer. */
	{ "Compression", KW_QUIET, NULL },
	{ "IPQoS", KW_QUIET, NULL },
	{ "KeepAlive", KW_QUIET, NULL }, /* ssh's old name for TCPKeepAlive */
	{ "TCPKeepAlive", KW_QUIET, NULL },
	/* The remote environment: mailroom runs Postfix's programs in the
	 * server's own environment on purpose, as it reads their output. */
	{ "SendEnv", KW_QUIET, NULL },
	{ "SetEnv", KW_QUIET, NULL },
	/* Conveniences of ssh on this machine: mailroom reads keys but never
	 * adds them to the agent, runs no local command, and shows host keys
	 * its own way. (UseKeychain is Apple's, for the same agent.) */
	{ "AddKeysToAgent", KW_QUIET, NULL },
	{ "FingerprintHash", KW_QUIET, NULL },
	{ "PermitLocalCommand", KW_QUIET, NULL },
	{ "UseKeychain", KW_QUIET, NULL },
	/* Details of features that warn on their own when asked for
	 * (forwarding, tunnels, canonicalisation, ProxyCommand, Match). */
	{ "CanonicalDomains", KW_QUIET, NULL },
	{ "CanonicalizeFallbackLocal", KW_QUIET, NULL },
	{ "CanonicalizeMaxDots", KW_QUIET, NULL },
	{ "CanonicalizePermittedCNAMEs", KW_QUIET, NULL },
	{ "ClearAllForwardings", KW_QUIET, NULL },
	{ "ExitOnForwardFailure", KW_QUIET, NULL },
	{ "GatewayPorts", KW_QUIET, NULL },
	{ "PermitRemoteOpen", KW_QUIET, NULL },
	{ "ProxyUseFdpass", KW_QUIET, NULL },
	{ "StreamLocalBindMask", KW_QUIET, NULL },
	{ "StreamLocalBindUnlink", KW_QUIET, NULL },
	{ "Tag", KW_QUIET, NULL },
	{ "TunnelDevice", KW_QUIET, NULL },
	/* Keywords ssh itself ignores now. */
	{ "Cipher", KW_QUIET, NULL },
	{ "FallBackToRsh", KW_QUIET, NULL },
	{ "GlobalKnownHostsFile2", KW_QUIET, NULL },
	{ "Protocol", KW_QUIET, NULL },
	{ "RhostsAuthentication", KW_QUIET, NULL },
	{ "UsePrivilegedPort", KW_QUIET, NULL },
	{ "UseRoaming", KW_QUIET, NULL },
	{ "UseRsh", KW_QUIET, NULL },
	{ "UserKnownHostsFile2", KW_QUIET, NULL },

	/* Not followed; quiet only with a value that asks for what mailroom
	 * does anyway: it forwards nothing, resolves the name as given, checks
	 * the host key against known_hosts alone and never updates it. */
	{ "AddressFamily", KW_WARN, "any" },
	{ "CanonicalizeHostname", KW_WARN, "no|false" },
	{ "CheckHostIP", KW_WARN, "no|false" },
	{ "DynamicForward", KW_WARN, NULL },
	{ "EnableSSHKeysign", KW_WARN, "no|false" },
	{ "ForwardAgent", KW_WARN, "no|false" },
	{ "GSSAPIAuthentication", KW_WARN, "no|false" },
	{ "GSSAPIDelegateCredentials", KW_WARN, "no|false" },
	{ "HashKnownHosts", KW_WARN, "no|false" },
	{ "HostbasedAuthentication", KW_WARN, "no|false" },
	{ "LocalForward", KW_WARN, NULL },
	{ "NoHostAuthenticationForLocalhost", KW_WARN, "no|false" },
	{ "RemoteForward", KW_WARN, NULL },
	{ "Tunnel", KW_WARN, "no|false" },
	{ "UpdateHostKeys", KW_WARN, "no|false" },
	{ "UseMPTCP", KW_WARN, "no|false" },
	{ "VerifyHostKeyDNS", KW_WARN, "no|false" },
	/* Not followed: authentication, algorithms, addresses, other files. */
	{ "AFSTokenPassing", KW_WARN, NULL },
	{ "BatchMode", KW_WARN, NULL },
	{ "BindAddress", KW_WARN, NULL },
	{ "BindInterface", KW_WARN, NULL },
	{ "CASignatureAlgorithms", KW_WARN, NULL },
	{ "CertificateFile", KW_WARN, NULL },
	{ "ChallengeResponseAuthentication", KW_WARN, NULL },
	{ "Ciphers", KW_WARN, NULL },
	{ "CompressionLevel", KW_WARN, NULL },
	{ "ConnectionAttempts", KW_WARN, NULL },
	{ "DSAAuthentication", KW_WARN, NULL },
	{ "GlobalKnownHostsFile", KW_WARN, NULL },
	{ "HostKeyAlgorithms", KW_WARN, NULL },
	{ "HostKeyAlias", KW_WARN, NULL },
	{ "HostbasedAcceptedAlgorithms", KW_WARN, NULL },
	{ "HostbasedKeyTypes", KW_WARN, NULL },
	{ "IdentityAgent", KW_WARN, NULL },
	{ "KbdInteractiveAuthentication", KW_WARN, NULL },
	{ "KbdInteractiveDevices", KW_WARN, NULL },
	{ "KerberosAuthentication", KW_WARN, NULL },
	{ "KerberosTGTPassing", KW_WARN, NULL },
	{ "KexAlgorithms", KW_WARN, NULL },
	{ "KnownHostsCommand", KW_WARN, NULL },
	{ "LocalCommand", KW_WARN, NULL },
	{ "MACs", KW_WARN, NULL },
	{ "NumberOfPasswordPrompts", KW_WARN, NULL },
	{ "PKCS11Provider", KW_WARN, NULL },
	{ "PasswordAuthentication", KW_WARN, NULL },
	{ "PreferredAuthentications", KW_WARN, NULL },
	{ "PubkeyAcceptedAlgorithms", KW_WARN, NULL },
	{ "PubkeyAcceptedKeyTypes", KW_WARN, NULL },
	{ "PubkeyAuthentication", KW_WARN, NULL },
	{ "RSAAuthentication", KW_WARN, NULL },
	{ "RekeyLimit", KW_WARN, NULL },
	{ "RequiredRSASize", KW_WARN, NULL },
	{ "RevokedHostKeys", KW_WARN, NULL },
	{ "RhostsRSAAuthentication", KW_WARN, NULL },
	{ "SecurityKeyProvider", KW_WARN, NULL },
	{ "SkeyAuthentication", KW_WARN, NULL },
	{ "SmartcardDevice", KW_WARN, NULL },
	{ "TISAuthentication", KW_WARN, NULL },
};

/* ssh reads at most this many; so does mailroom. */
enum { MAX_IDENTITY_FILES = 100, MAX_KNOWN_HOSTS_FILES = 16 };
/* More warnings than this would hide the first ones; the rest are counted. */
enum { MAX_WARNINGS = 20 };
/* A value quoted in a message is cut here: a message is one line. */
enum { SHOWN_MAX = 200 };

/* s as a message may quote it: control characters visible, cut at SHOWN_MAX. */
static char *shown(const char *s) {
	size_t len = strlen(s);
	struct mr_buf buf;
	mr_buf_init(&buf);
	mr_text_visible(&buf, s, len < SHOWN_MAX ? len : SHOWN_MAX);
	if (len > SHOWN_MAX) {
		mr_buf_add_str(&buf, "...");
	}
	return mr_buf_steal(&buf);
}

static void push(char ***list, size_t *n, char *s) {
	*list = mr_xreallocarray(*list, *n + 1, sizeof(**list));
	(*list)[(*n)++] = s;
}

static void free_list(char ***list, size_t *n) {
	for (size_t i = 0; i < *n; i++) {
		free((*list)[i]);
	}
	free(*list);
	*list = NULL;
	*n = 0;
}

/* ---- Values ---- */

static bool is_digit(char c) {
	return c >= '0' && c <= '9';
}

static bool is_blank(char c) {
	return c == ' ' || c == '\t';
}

static bool is_alnum(char c) {
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Decimal digits only, at most max. */
static bool parse_number(const char *s, long max, long *out) {
	long n = 0;
	if (*s == '\0') {
		return false;
	}
	for (; *s != '\0'; s++) {
		if (!is_digit(*s)) {
			return false;
		}
		n = n * 10 + (*s - '0');
		if (n > max) {
			return false;
		}
	}
	*out = n;
	return true;
}

static bool parse_port(const char *s, int *port) {
	long n;
	if (!parse_number(s, 65535, &n) || n == 0) {
		return false;
	}
	*port = (int)n;
	return true;
}

/* ssh's times: "30", "30s", "1m30s", "2h", "1d", "1w"; "none" is 0. */
static bool parse_time(const char *s, int *seconds) {
	if (strcmp(s, "none") == 0) {
		*seconds = 0;
		return true;
	}
	long total = 0;
	if (*s == '\0') {
		return false;
	}
	while (*s != '\0') {
		long n = 0;
		if (!is_digit(*s)) {
			return false;
		}
		for (; is_digit(*s); s++) {
			n = n * 10 + (*s - '0');
			if (n > INT_MAX) {
				return false;
			}
		}
		long unit = 1;
		switch (*s) {
		case '\0':
			break;
		case 's':
		case 'S':
			s++;
			break;
		case 'm':
		case 'M':
			unit = 60, s++;
			break;
		case 'h':
		case 'H':
			unit = 3600, s++;
			break;
		case 'd':
		case 'D':
			unit = 86400, s++;
			break;
		case 'w':
		case 'W':
			unit = 604800, s++;
			break;
		default:
			return false;
		}
		if (n > (INT_MAX - total) / unit) {
			return false;
		}
		total += n * unit;
	}
	*seconds = (int)total;
	return true;
}

static bool parse_flag(const char *s, bool *flag) {
	if (strcasecmp(s, "yes") == 0 || strcasecmp(s, "true") == 0) {
		*flag = true;
	} else if (strcasecmp(s, "no") == 0 || strcasecmp(s, "false") == 0) {
		*flag = false;
	} else {
		return false;
	}
	return true;
}

static bool parse_strict(const char *s, enum mr_ssh_strict *strict) {
	bool flag;
	if (parse_flag(s, &flag)) {
		*strict = flag ? MR_SSH_STRICT_YES : MR_SSH_STRICT_NO;
	} else if (strcasecmp(s, "off") == 0) {
		*strict = MR_SSH_STRICT_NO;
	} else if (strcasecmp(s, "ask") == 0) {
		*strict = MR_SSH_STRICT_ASK;
	} else if (strcasecmp(s, "accept-new") == 0) {
		*strict = MR_SSH_STRICT_ACCEPT_NEW;
	} else {
		return false;
	}
	return true;
}

/* An IPv6 address, with an optional zone: "fe80::1%eth0". */
static bool is_ipv6(const char *s) {
	const char *zone = strchr(s, '%');
	size_t len = zone ? (size_t)(zone - s) : strlen(s);
	char addr[INET6_ADDRSTRLEN];
	struct in6_addr in6;
	if (len == 0 || len >= sizeof(addr)) {
		return false;
	}
	memcpy(addr, s, len);
	addr[len] = '\0';
	if (inet_pton(AF_INET6, addr, &in6) != 1) {
		return false;
	}
	if (zone != NULL) {
		if (zone[1] == '\0') {
			return false;
		}
		for (const char *p = zone + 1; *p != '\0'; p++) {
			if (!is_alnum(*p) && *p != '.' && *p != '-' && *p != '_') {
				return false;
			}
		}
	}
	return true;
}

static bool has_space_or_control(const char *s) {
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p <= ' ' || *p == 0x7f) {
			return true;
		}
	}
	return false;
}

/*
 * Whether host can be handed to getaddrinfo and printed in a message: a
 * name of letters, digits, '.', '-' and '_', or an IPv6 address. bare: it
 * came without ssh://, where a ':' can only be part of an IPv6 address.
 */
static bool check_host(const char *host, bool bare, char **problem) {
	if (host[0] == '\0') {
		return mr_fail(problem, "no host name");
	}
	if (host[0] == '-') {
		return mr_fail(problem, "a host name may not start with '-'");
	}
	if (has_space_or_control(host)) {
		return mr_fail(problem, "a host name may not contain spaces or control characters");
	}
	if (strlen(host) > 255) {
		return mr_fail(problem, "a host name may not be longer than 255 bytes");
	}
	if (bare && host[0] == '[') {
		return mr_fail(problem, "brackets go with ssh://, as in ssh://[::1]:2222");
	}
	if (strchr(host, ':') != NULL) {
		if (is_ipv6(host)) {
			return true;
		}
		if (bare) {
			return mr_fail(problem,
				"a host name may not contain ':' (a port goes in the ssh:// form: "
				"ssh://host:port)");
		}
		return mr_fail(problem, "not a host name or an IPv6 address");
	}
	for (const char *p = host; *p != '\0'; p++) {
		if ((unsigned char)*p >= 0x80) {
			return mr_fail(problem,
				"a host name must be ASCII (an international name in its xn-- "
				"form)");
		}
		if (!is_alnum(*p) && *p != '.' && *p != '-' && *p != '_') {
			return mr_fail(problem, "a host name may not contain '%c'", *p);
		}
	}
	return true;
}

/* A user name is sent to the server as it is, and %r puts it in paths. */
static bool check_user(const char *user, char **problem) {
	if (user[0] == '\0') {
		return mr_fail(problem, "no user name before '@'");
	}
	if (user[0] == '-') {
		return mr_fail(problem, "a user name may not start with '-'");
	}
	if (has_space_or_control(user)) {
		return mr_fail(problem, "a user name may not contain spaces or control characters");
	}
	if (strlen(user) > 255) {
		return mr_fail(problem, "a user name may not be longer than 255 bytes");
	}
	const char *bad = strpbrk(user, "'`\"$\\;&<>|(){}/");
	if (bad != NULL) {
		return mr_fail(problem, "a user name may not contain '%c'", *bad);
	}
	return true;
}

/*
 * One destination or ProxyJump hop: "ssh://[user@]host[:port][/]" or
 * "[user@]host"; jump: also "[user@]host:port" and "[user@][v6]:port",
 * as ProxyJump allows. *problem says what is wrong without naming text.
 */
static bool split_hop(
	const char *text, bool jump, char **user, char **host, int *port, char **problem) {
	*user = *host = NULL;
	*port = 0;
	size_t len = strlen(text);
	const char *s = text;
	bool uri = len >= 6 && strncasecmp(s, "ssh://", 6) == 0;
	bool ports = uri || jump;
	if (uri) {
		s += 6, len -= 6;
		const char *slash = memchr(s, '/', len);
		if (slash != NULL) {
			if (slash != s + len - 1) {
				return mr_fail(problem, "a path is not allowed after the host");
			}
			len--;
		}
	}
	const char *at = NULL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '@') {
			at = s + i;
		}
	}
	if (at != NULL) {
		*user = mr_xstrndup(s, (size_t)(at - s));
		if (!check_user(*user, problem)) {
			goto fail;
		}
		len -= (size_t)(at + 1 - s);
		s = at + 1;
	}
	const char *port_text = NULL;
	size_t host_len = len, port_len = 0;
	if (ports && len > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', len);
		if (close == NULL) {
			mr_fail(problem, "no ']' after '['");
			goto fail;
		}
		const char *after = close + 1;
		size_t rest = len - (size_t)(after - s);
		if (rest > 0 && after[0] != ':') {
			mr_fail(problem, "only \":port\" may follow ']'");
			goto fail;
		}
		if (rest > 0) {
			port_text = after + 1, port_len = rest - 1;
		}
		s++;
		host_len = (size_t)(close - s);
	} else if (ports) {
		const char *colon = memchr(s, ':', len);
		if (colon != NULL) {
			if (memchr(colon + 1, ':', len - (size_t)(colon + 1 - s)) != NULL) {
				mr_fail(problem,
					"an IPv6 address goes in brackets, as in ssh://[::1]:2222");
				goto fail;
			}
			port_text = colon + 1, port_len = len - (size_t)(colon + 1 - s);
			host_len = (size_t)(colon - s);
		}
	}
	*host = mr_xstrndup(s, host_len);
	if (!check_host(*host, !ports, problem)) {
		goto fail;
	}
	if (port_text != NULL) {
		char *p = mr_xstrndup(port_text, port_len);
		bool ok = parse_port(p, port);
		if (!ok) {
			char *v = shown(p);
			mr_fail(problem, "\"%s\" is not a port number", v);
			free(v);
		}
		free(p);
		if (!ok) {
			goto fail;
		}
	}
	return true;
fail:
	free(*user);
	free(*host);
	*user = *host = NULL;
	*port = 0;
	return false;
}

bool mr_ssh_destination_parse(const char *text, char **user, char **host, int *port, char **cause) {
	char *problem = NULL;
	if (text == NULL) {
		text = "";
	}
	if (split_hop(text, false, user, host, port, &problem)) {
		return true;
	}
	char *v = shown(text);
	mr_fail(cause, "ssh destination \"%s\": %s", v, problem);
	free(v);
	free(problem);
	return false;
}

/* ---- Patterns ---- */

static char fold(char c, bool nocase) {
	return nocase && c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* ssh's patterns: '*' is any run of characters, '?' any one. On a
 * mismatch the last '*' takes one more character, so the time is bounded
 * by len(s) * len(pattern), whatever the pattern. */
static bool glob_match(const char *s, const char *pat, size_t pat_len, bool nocase) {
	size_t p = 0, after_star = SIZE_MAX;
	const char *star_took = NULL; /* the last character the last '*' took */
	while (*s != '\0') {
		if (p < pat_len && pat[p] == '*') {
			after_star = ++p;
			star_took = s;
			continue;
		}
		if (p < pat_len && (pat[p] == '?' || fold(pat[p], nocase) == fold(*s, nocase))) {
			p++, s++;
			continue;
		}
		if (after_star == SIZE_MAX) {
			return false;
		}
		p = after_star;
		s = ++star_took;
	}
	while (p < pat_len && pat[p] == '*') {
		p++;
	}
	return p == pat_len;
}

/* A comma-separated list, as IgnoreUnknown takes: true when a pattern
 * matches and no "!pattern" does. */
static bool list_match(const char *s, const char *list) {
	bool matched = false;
	while (*list != '\0') {
		size_t len = strcspn(list, ",");
		bool negated = list[0] == '!';
		if (glob_match(s, list + negated, len - negated, true)) {
			if (negated) {
				return false;
			}
			matched = true;
		}
		list += len + (list[len] == ',');
	}
	return matched;
}

bool mr_ssh_host_match(const char *alias, const char *patterns) {
	bool matched = false;
	for (const char *p = patterns; *p != '\0';) {
		size_t len = strcspn(p, ",");
		bool negated = p[0] == '!';
		if (len > (size_t)negated && glob_match(alias, p + negated, len - negated, false)) {
			if (negated) {
				return false;
			}
			matched = true;
		}
		p += len + (p[len] == ',');
	}
	return matched;
}

/* ---- Lines ---- */

struct words {
	char **v;
	size_t n;
};

static void words_clear(struct words *w) {
	free_list(&w->v, &w->n);
}

/*
 * Splits a value as ssh does: words apart by spaces and tabs; "..." and
 * '...' quote, from anywhere in a word; a backslash escapes a quote, a
 * backslash or (outside quotes) a space; a '#' where a word would start
 * ends the line. False on an unterminated quote.
 */
static bool split_words(const char *s, size_t len, struct words *w) {
	struct mr_buf word;
	mr_buf_init(&word);
	size_t i = 0;
	for (;;) {
		while (i < len && is_blank(s[i])) {
			i++;
		}
		if (i == len || s[i] == '#') {
			break;
		}
		char quote = 0;
		mr_buf_clear(&word);
		for (; i < len; i++) {
			char c = s[i];
			if (c == '\\' && i + 1 < len &&
				(s[i + 1] == '\'' || s[i + 1] == '"' || s[i + 1] == '\\' ||
					(quote == 0 && s[i + 1] == ' '))) {
				mr_buf_add_char(&word, s[++i]);
			} else if (quote == 0 && is_blank(c)) {
				break;
			} else if (quote == 0 && (c == '"' || c == '\'')) {
				quote = c;
			} else if (quote != 0 && c == quote) {
				quote = 0;
			} else {
				mr_buf_add_char(&word, c);
			}
		}
		if (quote != 0) {
			mr_buf_finish(&word);
			return false;
		}
		push(&w->v, &w->n, mr_xstrndup(word.data, word.len));
	}
	mr_buf_finish(&word);
	return true;
}

/* What the reading has found so far. */
struct resolver {
	struct mr_ssh_target *t;
	const char *name; /* of the configuration, for messages */
	unsigned line;
	bool active;        /* the lines being read apply to the alias */
	bool set[KW_COUNT]; /* the keyword has had its value: later ones do not count */
	bool proxy_set;     /* ProxyJump or ProxyCommand has: the other does not count */
	char *hostname;     /* as written */
	unsigned hostname_line;
	char *user; /* from the destination (user_line 0) or User */
	unsigned user_line;
	char **identities; /* IdentityFile as written */
	unsigned *identity_lines;
	size_t n_identities;
	char **known_hosts; /* UserKnownHostsFile as written */
	size_t n_known_hosts;
	unsigned known_hosts_line;
	char *ignore_unknown; /* IgnoreUnknown's pattern list */
	size_t warnings_left_out;
};

static bool line_fail(struct resolver *r, char **cause, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static bool line_fail(struct resolver *r, char **cause, const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	char *what = mr_xvasprintf(fmt, ap);
	va_end(ap);
	mr_fail(cause, "%s:%u: %s", r->name, r->line, what);
	free(what);
	return false;
}

/* "FILE:LINE: Port: not a port number ("abc")" */
static bool bad_value(struct resolver *r, unsigned line, const char *keyword, const char *problem,
	const char *value, char **cause) {
	char *v = shown(value);
	mr_fail(cause, "%s:%u: %s: %s (\"%s\")", r->name, line, keyword, problem, v);
	free(v);
	return false;
}

static void warn(struct resolver *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(struct resolver *r, const char *fmt, ...) {
	if (r->t->n_warnings == MAX_WARNINGS) {
		r->warnings_left_out++;
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	char *what = mr_xvasprintf(fmt, ap);
	va_end(ap);
	push(&r->t->warnings, &r->t->n_warnings, mr_xasprintf("%s:%u: %s", r->name, r->line, what));
	free(what);
}

/* The one value a keyword takes. */
static bool one_value(
	struct resolver *r, const struct keyword *k, const struct words *w, char **cause) {
	if (w->n == 0 || w->v[0][0] == '\0') {
		return line_fail(r, cause, "%s: no value", k->name);
	}
	if (w->n > 1) {
		char *v = shown(w->v[1]);
		line_fail(r, cause, "%s: unexpected \"%s\" after the value", k->name, v);
		free(v);
		return false;
	}
	return true;
}

/* Whether a value is one of "no|false". */
static bool among(const char *value, const char *values) {
	while (*values != '\0') {
		size_t len = strcspn(values, "|");
		if (strlen(value) == len && strncasecmp(value, values, len) == 0) {
			return true;
		}
		values += len + (values[len] == '|');
	}
	return false;
}

/* A Host line: whether the block it opens applies. */
static bool host_line(struct resolver *r, const struct words *w, char **cause) {
	if (w->n == 0) {
		return line_fail(r, cause, "Host: no pattern");
	}
	bool matched = false, negated = false;
	for (size_t i = 0; i < w->n; i++) {
		const char *pattern = w->v[i];
		bool negation = pattern[0] == '!';
		if (pattern[negation] == '\0') {
			return line_fail(r, cause, "Host: an empty pattern");
		}
		/* As in ssh, the alias as typed, case and all. */
		if (glob_match(
			    r->t->alias, pattern + negation, strlen(pattern + negation), false)) {
			if (negation) {
				negated = true;
			} else {
				matched = true;
			}
		}
	}
	r->active = matched && !negated;
	return true;
}

/* Splits ProxyJump's value into hops and checks each. */
static bool check_jump(struct resolver *r, const char *value, char **cause) {
	char *hops = mr_xstrdup(value);
	bool ok = true;
	char *save = NULL;
	if (hops[0] == ',' || hops[strlen(hops) - 1] == ',' || strstr(hops, ",,") != NULL) {
		ok = bad_value(r, r->line, "ProxyJump", "an empty hop", value, cause);
	}
	for (char *hop = strtok_r(hops, ",", &save); ok && hop != NULL;
		hop = strtok_r(NULL, ",", &save)) {
		char *user, *host, *problem = NULL;
		int port;
		if (split_hop(hop, true, &user, &host, &port, &problem)) {
			free(user);
			free(host);
		} else {
			ok = bad_value(r, r->line, "ProxyJump", problem, hop, cause);
			free(problem);
		}
	}
	free(hops);
	return ok;
}

/* A line the keyword table knows: checked in every block, as ssh does,
 * and applied when the block applies and nothing set it before. */
static bool keyword_line(
	struct resolver *r, const struct keyword *k, const struct words *w, char **cause) {
	struct mr_ssh_target *t = r->t;
	bool apply = r->active && !r->set[k->kw];
	const char *v = w->n > 0 ? w->v[0] : "";
	switch (k->kw) {
	case KW_HOST:
		return host_line(r, w, cause);
	case KW_MATCH:
		r->active = false;
		warn(r, "Match is not supported by mailroom (its block is skipped)");
		return true;
	case KW_INCLUDE:
		if (r->active) {
			char *files = shown(v);
			warn(r,
				"Include is not supported by mailroom (ignored: \"%s\" is not "
				"read)",
				files);
			free(files);
		}
		return true;
	case KW_HOSTNAME:
	case KW_USER:
	case KW_IDENTITY_FILE:
	case KW_IGNORE_UNKNOWN:
	case KW_PROXY_JUMP:
		if (!one_value(r, k, w, cause)) {
			return false;
		}
		break;
	case KW_PORT: {
		int port;
		if (!one_value(r, k, w, cause)) {
			return false;
		}
		if (!parse_port(v, &port)) {
			return bad_value(r, r->line, k->name, "not a port number", v, cause);
		}
		if (apply) {
			t->port = port;
		}
		break;
	}
	case KW_IDENTITIES_ONLY: {
		bool flag;
		if (!one_value(r, k, w, cause)) {
			return false;
		}
		if (!parse_flag(v, &flag)) {
			return bad_value(r, r->line, k->name, "not yes or no", v, cause);
		}
		if (apply) {
			t->identities_only = flag;
		}
		break;
	}
	case KW_STRICT: {
		enum mr_ssh_strict strict;
		if (!one_value(r, k, w, cause)) {
			return false;
		}
		if (!parse_strict(v, &strict)) {
			return bad_value(
				r, r->line, k->name, "not yes, no, ask or accept-new", v, cause);
		}
		if (apply) {
			t->strict_host_key_checking = strict;
		}
		break;
	}
	case KW_CONNECT_TIMEOUT:
	case KW_ALIVE_INTERVAL: {
		int seconds;
		if (!one_value(r, k, w, cause)) {
			return false;
		}
		if (!parse_time(v, &seconds)) {
			return bad_value(r, r->line, k->name,
				"not a time (seconds, or as 1m30s, or none)", v, cause);
		}
		if (apply && k->kw == KW_CONNECT_TIMEOUT) {
			t->connect_timeout_s = seconds;
		} else if (apply) {
			t->server_alive_interval_s = seconds;
		}
		break;
	}
	case KW_ALIVE_COUNT: {
		long count;
		if (!one_value(r, k, w, cause)) {
			return false;
		}
		if (!parse_number(v, INT_MAX, &count)) {
			return bad_value(r, r->line, k->name, "not a count", v, cause);
		}
		if (apply) {
			t->server_alive_count_max = (int)count;
		}
		break;
	}
	case KW_KNOWN_HOSTS:
		if (w->n == 0) {
			return line_fail(r, cause, "%s: no value", k->name);
		}
		for (size_t i = 0; i < w->n; i++) {
			if (w->v[i][0] == '\0') {
				return line_fail(r, cause, "%s: an empty file name", k->name);
			}
			if (strcasecmp(w->v[i], "none") == 0 && w->n > 1) {
				return line_fail(
					r, cause, "%s: \"none\" must be the only value", k->name);
			}
		}
		if (w->n > MAX_KNOWN_HOSTS_FILES) {
			return line_fail(
				r, cause, "%s: more than %d files", k->name, MAX_KNOWN_HOSTS_FILES);
		}
		break;
	case KW_PROXY_COMMAND:
		if (w->n == 0) {
			return line_fail(r, cause, "%s: no value", k->name);
		}
		if (r->active && !r->proxy_set) {
			r->proxy_set = true;
			if (w->n > 1 || strcasecmp(v, "none") != 0) {
				warn(r, "ProxyCommand is not supported by mailroom (ignored; "
					"ProxyJump is)");
			}
		}
		return true;
	case KW_QUIET:
		return true;
	case KW_WARN:
		if (r->active &&
			!(k->quiet_values != NULL && w->n == 1 && among(v, k->quiet_values))) {
			warn(r, "%s is not supported by mailroom (ignored)", k->name);
		}
		return true;
	case KW_UNKNOWN:
	case KW_COUNT:
		return true;
	}

	/* The keywords whose values are kept as written, for finish(). */
	switch (k->kw) {
	case KW_HOSTNAME:
		if (apply) {
			r->hostname = mr_xstrdup(v);
			r->hostname_line = r->line;
		}
		break;
	case KW_USER:
		if (apply) {
			r->user = mr_xstrdup(v);
			r->user_line = r->line;
		}
		break;
	case KW_IGNORE_UNKNOWN:
		if (apply) {
			r->ignore_unknown = mr_xstrdup(v);
		}
		break;
	case KW_IDENTITY_FILE:
		/* Every IdentityFile that applies counts, not the first. */
		if (r->active) {
			t->identity_files_configured = true;
			if (strcasecmp(v, "none") == 0) {
				break;
			}
			if (r->n_identities == MAX_IDENTITY_FILES) {
				return line_fail(r, cause, "%s: more than %d files", k->name,
					MAX_IDENTITY_FILES);
			}
			r->identity_lines = mr_xreallocarray(
				r->identity_lines, r->n_identities + 1, sizeof(*r->identity_lines));
			r->identity_lines[r->n_identities] = r->line;
			push(&r->identities, &r->n_identities, mr_xstrdup(v));
		}
		break;
	case KW_KNOWN_HOSTS:
		if (apply) {
			for (size_t i = 0; i < w->n; i++) {
				push(&r->known_hosts, &r->n_known_hosts, mr_xstrdup(w->v[i]));
			}
			r->known_hosts_line = r->line;
		}
		break;
	case KW_PROXY_JUMP:
		/* A block that does not apply is not checked: ssh checks only
		 * the syntax there, and mailroom's checks of hosts are stricter. */
		if (r->active && !r->proxy_set) {
			r->proxy_set = true;
			if (strcasecmp(v, "none") != 0) {
				if (!check_jump(r, v, cause)) {
					return false;
				}
				t->proxy_jump = mr_xstrdup(v);
			}
		}
		break;
	default:
		break;
	}
	r->set[k->kw] = r->set[k->kw] || apply;
	return true;
}

static const struct keyword *lookup(const char *name) {
	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++) {
		if (strcasecmp(name, keywords[i].name) == 0) {
			return &keywords[i];
		}
	}
	return NULL;
}

/* One line, without its "\n". */
static bool read_line(struct resolver *r, const char *s, size_t len, char **cause) {
	if (len > MR_SSH_CONFIG_LINE_MAX) {
		return line_fail(r, cause, "a line longer than %d bytes", MR_SSH_CONFIG_LINE_MAX);
	}
	if (memchr(s, '\0', len) != NULL) {
		return line_fail(r, cause, "a NUL byte: not a text file");
	}
	while (len > 0 && (is_blank(s[len - 1]) || s[len - 1] == '\r' || s[len - 1] == '\f')) {
		len--;
	}
	size_t i = 0;
	while (i < len && (is_blank(s[i]) || s[i] == '\r')) {
		i++;
	}
	if (i == len || s[i] == '#') {
		return true;
	}
	/* "Keyword value", "Keyword=value", "Keyword = value". */
	size_t start = i;
	while (i < len && !is_blank(s[i]) && s[i] != '\r' && s[i] != '=') {
		i++;
	}
	char *name = mr_xstrndup(s + start, i - start);
	while (i < len && is_blank(s[i])) {
		i++;
	}
	if (i < len && s[i] == '=') {
		i++;
	}
	while (i < len && is_blank(s[i])) {
		i++;
	}
	const struct keyword *k = lookup(name);
	struct keyword unknown = { name, KW_UNKNOWN, NULL };
	char *name_shown = NULL;
	if (k == NULL) {
		unknown.name = name_shown = shown(name);
		k = &unknown;
	}
	struct words w = { NULL, 0 };
	bool ok;
	if (i == len) {
		ok = line_fail(r, cause, "%s: no value", k->name);
	} else if (!split_words(s + i, len - i, &w)) {
		ok = line_fail(r, cause, "%s: a quote that does not end", k->name);
	} else if (k->kw == KW_UNKNOWN) {
		ok = true;
		/* IgnoreUnknown names keywords ssh would refuse, in any case. */
		if (r->active &&
			(r->ignore_unknown == NULL || !list_match(name, r->ignore_unknown))) {
			warn(r, "%s is not an ssh_config keyword (ignored)", k->name);
		}
	} else {
		ok = keyword_line(r, k, &w, cause);
	}
	words_clear(&w);
	free(name_shown);
	free(name);
	return ok;
}

/* ---- The result ---- */

/* HostName's value with %h and %% expanded. */
static bool expand_hostname(struct resolver *r, char **out, char **cause) {
	struct mr_buf buf;
	mr_buf_init(&buf);
	for (const char *p = r->hostname; *p != '\0'; p++) {
		if (*p != '%') {
			mr_buf_add_char(&buf, *p);
		} else if (p[1] == 'h') {
			mr_buf_add_str(&buf, r->t->alias);
			p++;
		} else if (p[1] == '%') {
			mr_buf_add_char(&buf, '%');
			p++;
		} else {
			mr_buf_finish(&buf);
			char *problem;
			if (p[1] < '!' || p[1] > '~') {
				problem = mr_xstrdup("a '%' not followed by a token (%h or %%)");
			} else {
				problem = mr_xasprintf(
					"%%%c is not a token HostName takes (%%h and %%%% are)",
					p[1]);
			}
			bad_value(r, r->hostname_line, "HostName", problem, r->hostname, cause);
			free(problem);
			return false;
		}
	}
	*out = mr_buf_steal(&buf);
	return true;
}

bool mr_ssh_expand(const char *raw, const struct mr_ssh_tokens *tk, char **out, char **problem) {
	struct mr_buf buf;
	mr_buf_init(&buf);
	const char *p = raw;
	*problem = NULL;
	if (p[0] == '~') {
		if (p[1] != '\0' && p[1] != '/') {
			*problem = mr_xstrdup("~user is not supported by mailroom, only ~/");
		} else if (tk->home == NULL || tk->home[0] == '\0') {
			*problem = mr_xstrdup("~ needs the home directory, which is unknown");
		} else {
			mr_buf_add_str(&buf, tk->home);
			p++;
		}
	}
	for (; *problem == NULL && *p != '\0'; p++) {
		if (*p == '$' && p[1] == '{') {
			*problem = mr_xstrdup(
				"environment variables (${...}) are not supported by mailroom");
			break;
		}
		if (*p != '%') {
			mr_buf_add_char(&buf, *p);
			continue;
		}
		const char *value = NULL;
		char port[16];
		p++;
		switch (*p) {
		case '%':
			value = "%";
			break;
		case 'd':
			value = tk->home;
			break;
		case 'h':
			value = tk->host;
			break;
		case 'n':
			value = tk->alias;
			break;
		case 'p':
			snprintf(port, sizeof(port), "%d", tk->port);
			value = port;
			break;
		case 'r':
			value = tk->remote_user;
			break;
		case 'u':
			value = tk->local_user;
			break;
		}
		if (*p == '\0') {
			*problem = mr_xstrdup("a '%' with nothing after it");
		} else if (*p < '!' || *p > '~') {
			*problem = mr_xstrdup("a '%' followed by something that is not a token");
		} else if (strchr("%dhnpru", *p) == NULL) {
			*problem = mr_xasprintf("%%%c is not supported by mailroom "
						"(%%d %%h %%n %%p %%r %%u and %%%% are)",
				*p);
		} else if (value == NULL) {
			*problem = mr_xasprintf(
				"%%%c needs the home directory or login name, which is unknown",
				*p);
		} else {
			mr_buf_add_str(&buf, value);
		}
	}
	if (*problem != NULL) {
		mr_buf_finish(&buf);
		return false;
	}
	*out = mr_buf_steal(&buf);
	return true;
}

/* A file name with ~ and %d %h %n %p %r %u %% expanded. */
static bool expand_path(struct resolver *r, const char *keyword, unsigned line, const char *raw,
	const struct mr_ssh_tokens *tk, char **out, char **cause) {
	char *problem = NULL;
	if (!mr_ssh_expand(raw, tk, out, &problem)) {
		bad_value(r, line, keyword, problem, raw, cause);
		free(problem);
		return false;
	}
	return true;
}

static bool finish(struct resolver *r, const char *home, const char *local_user, char **cause) {
	struct mr_ssh_target *t = r->t;
	char *problem = NULL;
	if (r->hostname != NULL) {
		if (!expand_hostname(r, &t->host, cause)) {
			return false;
		}
		if (!check_host(t->host, false, &problem)) {
			bad_value(r, r->hostname_line, "HostName", problem, t->host, cause);
			free(problem);
			return false;
		}
	} else {
		t->host = mr_xstrdup(t->alias);
	}
	for (char *p = t->host; *p != '\0'; p++) {
		*p = fold(*p, true);
	}
	if (r->user != NULL && r->user_line != 0 && !check_user(r->user, &problem)) {
		bad_value(r, r->user_line, "User", problem, r->user, cause);
		free(problem);
		return false;
	}
	t->user = r->user;
	r->user = NULL;

	struct mr_ssh_tokens tk = {
		.home = home,
		.local_user = local_user,
		.host = t->host,
		.alias = t->alias,
		.remote_user = t->user != NULL ? t->user : local_user,
		.port = t->port,
	};
	for (size_t i = 0; i < r->n_identities; i++) {
		char *path;
		if (!expand_path(r, "IdentityFile", r->identity_lines[i], r->identities[i], &tk,
			    &path, cause)) {
			return false;
		}
		bool again = false;
		for (size_t j = 0; j < t->n_identity_files && !again; j++) {
			again = strcmp(t->identity_files[j], path) == 0;
		}
		if (again) {
			free(path);
		} else {
			push(&t->identity_files, &t->n_identity_files, path);
		}
	}
	for (size_t i = 0; i < r->n_known_hosts; i++) {
		char *path;
		if (strcasecmp(r->known_hosts[i], "none") == 0) {
			path = mr_xstrdup("/dev/null");
		} else if (!expand_path(r, "UserKnownHostsFile", r->known_hosts_line,
				   r->known_hosts[i], &tk, &path, cause)) {
			return false;
		}
		push(&t->known_hosts_files, &t->n_known_hosts_files, path);
	}
	if (r->warnings_left_out > 0) {
		push(&t->warnings, &t->n_warnings,
			mr_xasprintf("%s: %zu more warning%s not shown", r->name,
				r->warnings_left_out, r->warnings_left_out == 1 ? "" : "s"));
	}
	return true;
}

bool mr_ssh_target_resolve(struct mr_ssh_target *t, const char *destination, const char *config,
	size_t config_len, const char *config_name, const char *home, const char *local_user,
	char **cause) {
	memset(t, 0, sizeof(*t));
	t->server_alive_count_max = 3;
	t->strict_host_key_checking = MR_SSH_STRICT_ASK;
	struct resolver r = {
		.t = t,
		.name = config_name != NULL ? config_name : "ssh configuration",
		.active = true, /* lines before the first Host apply to every host */
	};
	/* A user or port in the destination comes first, as ssh's command
	 * line does: the configuration's then do not count. */
	if (!mr_ssh_destination_parse(destination, &r.user, &t->alias, &t->port, cause)) {
		return false;
	}
	r.set[KW_USER] = r.user != NULL;
	r.set[KW_PORT] = t->port != 0;

	bool ok = true;
	size_t pos = 0;
	while (ok && config != NULL && pos < config_len) {
		const char *s = config + pos;
		const char *nl = memchr(s, '\n', config_len - pos);
		size_t len = nl != NULL ? (size_t)(nl - s) : config_len - pos;
		pos += len + (nl != NULL);
		r.line++;
		ok = read_line(&r, s, len, cause);
	}
	if (ok && t->port == 0) {
		t->port = 22;
	}
	ok = ok && finish(&r, home, local_user, cause);

	free(r.hostname);
	free(r.user);
	free_list(&r.identities, &r.n_identities);
	free(r.identity_lines);
	free_list(&r.known_hosts, &r.n_known_hosts);
	free(r.ignore_unknown);
	if (!ok) {
		mr_ssh_target_finish(t);
	}
	return ok;
}

void mr_ssh_target_finish(struct mr_ssh_target *t) {
	if (t == NULL) {
		return;
	}
	free(t->alias);
	free(t->host);
	free(t->user);
	free_list(&t->identity_files, &t->n_identity_files);
	free_list(&t->known_hosts_files, &t->n_known_hosts_files);
	free(t->proxy_jump);
	free_list(&t->warnings, &t->n_warnings);
	memset(t, 0, sizeof(*t));
}
