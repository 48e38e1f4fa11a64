/* The SSH destination and client configuration: real ~/.ssh/config texts
 * and what each resolves to, with the exact messages for what is wrong. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "harness.h"
#include "sshconfig.h"
#include "xalloc.h"

#define HOME  "/home/ops"
#define LOGIN "ops"
#define NAME  "~/.ssh/config"

/* ---- Destinations ---- */

struct destination_case {
	const char *text;
	const char *want; /* "user host port", "-" for no user, or "error: cause" */
};

static const struct destination_case destinations[] = {
	{ "mx1", "- mx1 0" },
	{ "ops@mx1.example.com", "ops mx1.example.com 0" },
	{ "ssh://postmaster@mx1:2222", "postmaster mx1 2222" },
	{ "ssh://mx1", "- mx1 0" },
	{ "SSH://mx1.example.com/", "- mx1.example.com 0" },
	{ "ssh://[::1]:2222", "- ::1 2222" },
	{ "ssh://ops@[2001:db8::25]", "ops 2001:db8::25 0" },
	{ "::1", "- ::1 0" },
	{ "ops@fe80::1%eth0", "ops fe80::1%eth0 0" },
	{ "ops@corp.example@mx_1.internal-net", "ops@corp.example mx_1.internal-net 0" },
	{ "ssh://mx1:022", "- mx1 22" },

	{ "", "error: ssh destination \"\": no host name" },
	{ "-oProxyCommand=x",
		"error: ssh destination \"-oProxyCommand=x\": a host name may not start with '-'" },
	{ "ssh://-oProxyCommand=x",
		"error: ssh destination \"ssh://-oProxyCommand=x\": a host name may not start with "
		"'-'" },
	{ "host name",
		"error: ssh destination \"host name\": a host name may not contain spaces or "
		"control characters" },
	{ "mx1\033[2J", "error: ssh destination \"mx1^[[2J\": a host name may not contain spaces "
			"or control "
			"characters" },
	{ "mx1\n",
		"error: ssh destination \"mx1^J\": a host name may not contain spaces or control "
		"characters" },
	{ "ssh://host:0", "error: ssh destination \"ssh://host:0\": \"0\" is not a port number" },
	{ "ssh://host:99999",
		"error: ssh destination \"ssh://host:99999\": \"99999\" is not a port number" },
	{ "ssh://host:", "error: ssh destination \"ssh://host:\": \"\" is not a port number" },
	{ "ssh://host:ssh",
		"error: ssh destination \"ssh://host:ssh\": \"ssh\" is not a port number" },
	{ "mx1:2222",
		"error: ssh destination \"mx1:2222\": a host name may not contain ':' (a port goes "
		"in the ssh:// form: ssh://host:port)" },
	{ "[::1]", "error: ssh destination \"[::1]\": brackets go with ssh://, as in "
		   "ssh://[::1]:2222" },
	{ "ssh://::1",
		"error: ssh destination \"ssh://::1\": an IPv6 address goes in brackets, as in "
		"ssh://[::1]:2222" },
	{ "ssh://[::1", "error: ssh destination \"ssh://[::1\": no ']' after '['" },
	{ "ssh://[::1]22",
		"error: ssh destination \"ssh://[::1]22\": only \":port\" may follow ']'" },
	{ "ssh://mx1/var/spool/postfix",
		"error: ssh destination \"ssh://mx1/var/spool/postfix\": a path is not allowed "
		"after the host" },
	{ "ssh://ops@", "error: ssh destination \"ssh://ops@\": no host name" },
	{ "@mx1", "error: ssh destination \"@mx1\": no user name before '@'" },
	{ "-lroot@mx1",
		"error: ssh destination \"-lroot@mx1\": a user name may not start with '-'" },
	{ "ops;id@mx1", "error: ssh destination \"ops;id@mx1\": a user name may not contain ';'" },
	{ "mx1;reboot", "error: ssh destination \"mx1;reboot\": a host name may not contain ';'" },
	{ "$(id)", "error: ssh destination \"$(id)\": a host name may not contain '$'" },
	{ "mx1/x", "error: ssh destination \"mx1/x\": a host name may not contain '/'" },
	{ "m\303\251l.example",
		"error: ssh destination \"m\303\251l.example\": a host name must be ASCII (an "
		"international name in its xn-- form)" },
};

static void test_destinations(void) {
	for (size_t i = 0; i < sizeof(destinations) / sizeof(destinations[0]); i++) {
		const struct destination_case *c = &destinations[i];
		static char unset[] = "unset";
		char *user = unset, *host = unset, *cause = NULL;
		int port = -1;
		char *got;
		if (mr_ssh_destination_parse(c->text, &user, &host, &port, &cause)) {
			got = mr_xasprintf("%s %s %d", user ? user : "-", host, port);
			free(user);
			free(host);
		} else {
			T_STR(user, NULL, "a refused destination leaves no user (%s)", c->text);
			T_STR(host, NULL, "a refused destination leaves no host (%s)", c->text);
			got = mr_xasprintf("error: %s", cause);
		}
		T_STR(got, c->want, "destination %zu", i);
		free(got);
		free(cause);
	}
}

/* ---- Configurations ---- */

static const char *strict_name(enum mr_ssh_strict s) {
	switch (s) {
	case MR_SSH_STRICT_ASK:
		return "ask";
	case MR_SSH_STRICT_YES:
		return "yes";
	case MR_SSH_STRICT_NO:
		return "no";
	case MR_SSH_STRICT_ACCEPT_NEW:
		return "accept-new";
	}
	return "?";
}

/* The target as text: host, port and user, then each other field that is
 * not its default, one a line, then the warnings. */
static char *describe(const struct mr_ssh_target *t) {
	struct mr_buf b;
	mr_buf_init(&b);
	mr_buf_printf(&b, "host=%s port=%d user=%s", t->host, t->port, t->user ? t->user : "-");
	for (size_t i = 0; i < t->n_identity_files; i++) {
		mr_buf_printf(&b, "\nidentity=%s", t->identity_files[i]);
	}
	if (t->identity_files_configured && t->n_identity_files == 0) {
		mr_buf_add_str(&b, "\nidentity=(none)");
	}
	if (t->identities_only) {
		mr_buf_add_str(&b, "\nidentities-only");
	}
	for (size_t i = 0; i < t->n_known_hosts_files; i++) {
		mr_buf_printf(&b, "\nknown-hosts=%s", t->known_hosts_files[i]);
	}
	if (t->strict_host_key_checking != MR_SSH_STRICT_ASK) {
		mr_buf_printf(&b, "\nstrict=%s", strict_name(t->strict_host_key_checking));
	}
	if (t->connect_timeout_s != 0) {
		mr_buf_printf(&b, "\nconnect-timeout=%d", t->connect_timeout_s);
	}
	if (t->server_alive_interval_s != 0 || t->server_alive_count_max != 3) {
		mr_buf_printf(
			&b, "\nalive=%d/%d", t->server_alive_interval_s, t->server_alive_count_max);
	}
	if (t->proxy_jump != NULL) {
		mr_buf_printf(&b, "\njump=%s", t->proxy_jump);
	}
	for (size_t i = 0; i < t->n_warnings; i++) {
		mr_buf_printf(&b, "\nwarning: %s", t->warnings[i]);
	}
	return mr_buf_steal(&b);
}

static char *resolve_n(const char *destination, const char *config, size_t len) {
	struct mr_ssh_target t;
	char *cause = NULL, *got;
	if (mr_ssh_target_resolve(&t, destination, config, len, NAME, HOME, LOGIN, &cause)) {
		T_STR(cause, NULL, "no cause after success (%s)", destination);
		got = describe(&t);
	} else {
		T_STR(t.alias, NULL, "a failed resolve leaves no alias (%s)", destination);
		T_STR(t.host, NULL, "a failed resolve leaves no host (%s)", destination);
		T_SIZE(t.n_warnings, 0, "a failed resolve leaves no warnings (%s)", destination);
		got = mr_xasprintf("error: %s", cause);
		T_LACKS(cause, "\n", "the cause is one line (%s)", destination);
	}
	mr_ssh_target_finish(&t);
	free(cause);
	return got;
}

static char *resolve(const char *destination, const char *config) {
	return resolve_n(destination, config, config ? strlen(config) : 0);
}

struct config_case {
	const char *what;
	const char *destination;
	const char *config;
	const char *want;
};

static const struct config_case configs[] = {
	{ "no configuration", "mx1", NULL, "host=mx1 port=22 user=-" },
	{ "an empty one", "ssh://ops@MX1:2200", "", "host=mx1 port=2200 user=ops" },
	{ "the first value wins", "mx1",
		"Host mx1\n"
		"    HostName mx1.example.com\n"
		"    User postmaster\n"
		"    Port 2201\n"
		"Host mx1\n"
		"    HostName other.example.com\n"
		"    User root\n"
		"    Port 2202\n"
		"Host *\n"
		"    User nobody\n"
		"    Port 2203\n",
		"host=mx1.example.com port=2201 user=postmaster" },
	{ "Host * fills in what is not set yet", "mx1",
		"Host mx1\n"
		"    User postmaster\n"
		"Host *\n"
		"    User nobody\n"
		"    Port 2222\n"
		"    ConnectTimeout 10\n",
		"host=mx1 port=2222 user=postmaster\nconnect-timeout=10" },
	{ "Host * for another host", "mx2",
		"Host mx1\n"
		"    User postmaster\n"
		"Host *\n"
		"    User nobody\n"
		"    Port 2222\n",
		"host=mx2 port=2222 user=nobody" },
	{ "lines before any Host apply to every host", "mx1",
		"User ops\n"
		"Host mx1\n"
		"    User root\n",
		"host=mx1 port=22 user=ops" },
	{ "? is one character", "mx1.example.com",
		"Host mx?.example.com\n"
		"    User question\n"
		"Host *.example.com\n"
		"    User star\n",
		"host=mx1.example.com port=22 user=question" },
	{ "* is any run", "mx10.example.com",
		"Host mx?.example.com\n"
		"    User question\n"
		"Host *.example.com\n"
		"    User star\n",
		"host=mx10.example.com port=22 user=star" },
	{ "*.example.com does not match example.com", "example.com",
		"Host *.example.com\n"
		"    User star\n",
		"host=example.com port=22 user=-" },
	{ "a pattern matches the whole name", "mx1.example.com.evil",
		"Host *.example.com\n"
		"    User star\n",
		"host=mx1.example.com.evil port=22 user=-" },
	{ "negation: the jump host does not jump through itself", "bastion.example.com",
		"Host *.example.com !bastion.example.com\n"
		"    ProxyJump bastion.example.com\n",
		"host=bastion.example.com port=22 user=-" },
	{ "negation: the others jump", "mx1.example.com",
		"Host *.example.com !bastion.example.com\n"
		"    ProxyJump bastion.example.com\n",
		"host=mx1.example.com port=22 user=-\njump=bastion.example.com" },
	{ "a negation alone matches nothing", "mx2",
		"Host !mx1\n"
		"    User never\n",
		"host=mx2 port=22 user=-" },
	{ "several hosts on one line", "mx2",
		"Host mx1 mx2 mx3\n"
		"    User postmaster\n",
		"host=mx2 port=22 user=postmaster" },
	{ "none of several hosts", "mx4",
		"Host mx1 mx2 mx3\n"
		"    User postmaster\n",
		"host=mx4 port=22 user=-" },
	{ "patterns are case-sensitive, as in ssh", "mx1",
		"Host MX1\n"
		"    User upper\n",
		"host=mx1 port=22 user=-" },
	{ "the host is lowercased, as in ssh", "MX1",
		"Host MX1\n"
		"    User upper\n",
		"host=mx1 port=22 user=upper" },
	{ "Keyword=value, odd case and quotes", "mx1",
		"Host=mx1\n"
		"  hostname=mx1.example.com\n"
		"  PORT = 2200\n"
		"  IdentityFile \"~/.ssh/key with spaces\"\n"
		"  IdentityFile '/etc/ssh/keys/%u'\n"
		"  identityfile ~/.ssh/back\\ slash\\\"d\n"
		"  User \"ops\"\n",
		"host=mx1.example.com port=2200 user=ops\n"
		"identity=/home/ops/.ssh/key with spaces\n"
		"identity=/etc/ssh/keys/ops\n"
		"identity=/home/ops/.ssh/back slash\"d" },
	{ "comments, blank lines, tabs and CRLF", "mx1",
		"# mail servers\r\n"
		"\r\n"
		"Host mx1 # the first\r\n"
		"\t# HostName commented.example.com\r\n"
		"\tHostName mx1.example.com   # where it is\r\n"
		"\tIdentityFile \"~/.ssh/#1\"\r\n"
		"   \t\r\n"
		"\tUser ops",
		"host=mx1.example.com port=22 user=ops\nidentity=/home/ops/.ssh/#1" },
	{ "keywords mailroom does not follow are named with file and line", "mx1",
		"Host mx1\n"
		"  ForwardAgent yes\n"
		"  Ciphers aes256-ctr\n"
		"  Hostnmae typo.example.com\n"
		"  CertificateFile ~/.ssh/id_ed25519-cert.pub\n"
		"Host other\n"
		"  Ciphers aes128-ctr\n"
		"  Frobnicate yes\n",
		"host=mx1 port=22 user=-\n"
		"warning: ~/.ssh/config:2: ForwardAgent is not supported by mailroom (ignored)\n"
		"warning: ~/.ssh/config:3: Ciphers is not supported by mailroom (ignored)\n"
		"warning: ~/.ssh/config:4: Hostnmae is not an ssh_config keyword (ignored)\n"
		"warning: ~/.ssh/config:5: CertificateFile is not supported by mailroom "
		"(ignored)" },
	{ "keywords that change nothing are accepted quietly", "mx1",
		"Host *\n"
		"  LogLevel ERROR\n"
		"  Compression yes\n"
		"  ControlMaster auto\n"
		"  ControlPath ~/.ssh/cm-%r@%h:%p\n"
		"  ControlPersist 10m\n"
		"  ForwardX11 no\n"
		"  SendEnv LANG LC_*\n"
		"  TCPKeepAlive yes\n"
		"  AddKeysToAgent yes\n"
		"  ForwardAgent no\n"
		"  CheckHostIP no\n"
		"  HashKnownHosts no\n"
		"  Protocol 2\n",
		"host=mx1 port=22 user=-" },
	{ "a value other than mailroom's own warns", "mx1",
		"Host *\n"
		"  CheckHostIP yes\n"
		"  HashKnownHosts yes\n",
		"host=mx1 port=22 user=-\n"
		"warning: ~/.ssh/config:2: CheckHostIP is not supported by mailroom (ignored)\n"
		"warning: ~/.ssh/config:3: HashKnownHosts is not supported by mailroom (ignored)" },
	{ "IgnoreUnknown silences keywords ssh does not know", "mx1",
		"IgnoreUnknown UseKeychainX,Frob*\n"
		"Host *\n"
		"  frobnicate yes\n"
		"  UseKeychainX yes\n"
		"  Other yes\n",
		"host=mx1 port=22 user=-\n"
		"warning: ~/.ssh/config:5: Other is not an ssh_config keyword (ignored)" },
	{ "a control character in a keyword is shown", "mx1", "Fo\033o yes\n",
		"host=mx1 port=22 user=-\n"
		"warning: ~/.ssh/config:1: Fo^[o is not an ssh_config keyword (ignored)" },
	{ "a Match block is skipped with one warning", "mx1",
		"Host mx1\n"
		"  User a\n"
		"Match host mx1 exec \"true\"\n"
		"  User b\n"
		"  Port 2222\n"
		"  Ciphers aes128-ctr\n"
		"Host mx1\n"
		"  Port 2200\n",
		"host=mx1 port=2200 user=a\n"
		"warning: ~/.ssh/config:3: Match is not supported by mailroom (its block is "
		"skipped)" },
	{ "a bad value in a Match block is still an error, as in ssh", "mx1",
		"Match all\n"
		"  Port abc\n",
		"error: ~/.ssh/config:2: Port: not a port number (\"abc\")" },
	{ "Include warns where it applies", "mx1",
		"Include config.d/*\n"
		"Host other\n"
		"  Include other.d/*\n",
		"host=mx1 port=22 user=-\n"
		"warning: ~/.ssh/config:1: Include is not supported by mailroom (ignored: "
		"\"config.d/*\" is not read)" },
	{ "IdentityFile: ~ and tokens", "mx1",
		"Host mx1\n"
		"  HostName MX1.Example.com\n"
		"  User postmaster\n"
		"  Port 2222\n"
		"  IdentityFile ~/.ssh/id_%h\n"
		"  IdentityFile %d/keys/%u-%r\n"
		"  IdentityFile /keys/%n_%p_100%%\n"
		"  IdentityFile ~\n"
		"  IdentityFile ~/.ssh/id_%h\n"
		"Host *\n"
		"  IdentityFile ~/.ssh/id_default\n",
		"host=mx1.example.com port=2222 user=postmaster\n"
		"identity=/home/ops/.ssh/id_mx1.example.com\n"
		"identity=/home/ops/keys/ops-postmaster\n"
		"identity=/keys/mx1_2222_100%\n"
		"identity=/home/ops\n"
		"identity=/home/ops/.ssh/id_default" },
	{ "%r is the login name without User", "mx1", "IdentityFile ~/%r\n",
		"host=mx1 port=22 user=-\nidentity=/home/ops/ops" },
	{ "%r and %p take the destination's user and port", "ssh://root@mx1:2200",
		"User postmaster\n"
		"Port 2222\n"
		"IdentityFile ~/%r-%p\n",
		"host=mx1 port=2200 user=root\nidentity=/home/ops/root-2200" },
	{ "IdentityFile none: no file, and no defaults", "mx1", "IdentityFile none\n",
		"host=mx1 port=22 user=-\nidentity=(none)" },
	{ "IdentityFile none beside another", "mx1",
		"IdentityFile none\n"
		"IdentityFile ~/k\n",
		"host=mx1 port=22 user=-\nidentity=/home/ops/k" },
	{ "IdentityFile of another host is not expanded", "mx1",
		"Host other\n"
		"  IdentityFile ~/%l\n",
		"host=mx1 port=22 user=-" },
	{ "IdentityFile ~user", "mx1", "IdentityFile ~bob/.ssh/id\n",
		"error: ~/.ssh/config:1: IdentityFile: ~user is not supported by mailroom, only ~/ "
		"(\"~bob/.ssh/id\")" },
	{ "IdentityFile %l", "mx1", "\nIdentityFile ~/.ssh/%l\n",
		"error: ~/.ssh/config:2: IdentityFile: %l is not supported by mailroom (%d %h %n "
		"%p "
		"%r %u and %% are) (\"~/.ssh/%l\")" },
	{ "IdentityFile ${HOME}", "mx1", "IdentityFile ${HOME}/k\n",
		"error: ~/.ssh/config:1: IdentityFile: environment variables (${...}) are not "
		"supported by mailroom (\"${HOME}/k\")" },
	{ "IdentityFile ending in %", "mx1", "IdentityFile k%\n",
		"error: ~/.ssh/config:1: IdentityFile: a '%' with nothing after it (\"k%\")" },
	{ "UserKnownHostsFile: several files, expanded", "mx1",
		"UserKnownHostsFile ~/.ssh/known_hosts \"/etc/ssh/known hosts.d/%h\"\n"
		"UserKnownHostsFile /not/this/one\n",
		"host=mx1 port=22 user=-\n"
		"known-hosts=/home/ops/.ssh/known_hosts\n"
		"known-hosts=/etc/ssh/known hosts.d/mx1" },
	{ "UserKnownHostsFile none", "mx1", "UserKnownHostsFile none\n",
		"host=mx1 port=22 user=-\nknown-hosts=/dev/null" },
	{ "UserKnownHostsFile none and more", "mx1", "UserKnownHostsFile none ~/kh\n",
		"error: ~/.ssh/config:1: UserKnownHostsFile: \"none\" must be the only value" },
	{ "StrictHostKeyChecking accept-new", "mx1", "StrictHostKeyChecking accept-new\n",
		"host=mx1 port=22 user=-\nstrict=accept-new" },
	{ "StrictHostKeyChecking off", "mx1", "StrictHostKeyChecking off\n",
		"host=mx1 port=22 user=-\nstrict=no" },
	{ "StrictHostKeyChecking Yes", "mx1", "StrictHostKeyChecking Yes\n",
		"host=mx1 port=22 user=-\nstrict=yes" },
	{ "StrictHostKeyChecking maybe", "mx1", "Host *\n  StrictHostKeyChecking maybe\n",
		"error: ~/.ssh/config:2: StrictHostKeyChecking: not yes, no, ask or accept-new "
		"(\"maybe\")" },
	{ "IdentitiesOnly yes", "mx1", "IdentitiesOnly yes\n",
		"host=mx1 port=22 user=-\nidentities-only" },
	{ "IdentitiesOnly maybe", "mx1", "IdentitiesOnly maybe\n",
		"error: ~/.ssh/config:1: IdentitiesOnly: not yes or no (\"maybe\")" },
	{ "ConnectTimeout and ServerAlive", "mx1",
		"ConnectTimeout 1m30s\n"
		"ServerAliveInterval 15\n"
		"ServerAliveCountMax 4\n",
		"host=mx1 port=22 user=-\nconnect-timeout=90\nalive=15/4" },
	{ "ConnectTimeout none", "mx1",
		"ConnectTimeout none\n"
		"ConnectTimeout 10\n",
		"host=mx1 port=22 user=-" },
	{ "ConnectTimeout negative", "mx1", "ConnectTimeout -5\n",
		"error: ~/.ssh/config:1: ConnectTimeout: not a time (seconds, or as 1m30s, or "
		"none) "
		"(\"-5\")" },
	{ "ServerAliveInterval with a bad unit", "mx1", "ServerAliveInterval 10x\n",
		"error: ~/.ssh/config:1: ServerAliveInterval: not a time (seconds, or as 1m30s, or "
		"none) (\"10x\")" },
	{ "ServerAliveCountMax not a number", "mx1", "ServerAliveCountMax three\n",
		"error: ~/.ssh/config:1: ServerAliveCountMax: not a count (\"three\")" },
	{ "Port 0", "mx1", "Host mx1\n  Port 0\n",
		"error: ~/.ssh/config:2: Port: not a port number (\"0\")" },
	{ "Port 70000", "mx1", "Host mx1\n  Port 70000\n",
		"error: ~/.ssh/config:2: Port: not a port number (\"70000\")" },
	{ "Port abc, in another host's block: ssh refuses it too", "mx1",
		"Host other\n  Port abc\n",
		"error: ~/.ssh/config:2: Port: not a port number (\"abc\")" },
	{ "Port without a value", "mx1", "Port\n", "error: ~/.ssh/config:1: Port: no value" },
	{ "Port with a comment for its value", "mx1", "Port # none\n",
		"error: ~/.ssh/config:1: Port: no value" },
	{ "Port with two values", "mx1", "Port 22 23\n",
		"error: ~/.ssh/config:1: Port: unexpected \"23\" after the value" },
	{ "Host without a pattern", "mx1", "Host # c\n",
		"error: ~/.ssh/config:1: Host: no pattern" },
	{ "a quote that does not end", "mx1", "IdentityFile \"~/.ssh/x\n",
		"error: ~/.ssh/config:1: IdentityFile: a quote that does not end" },
	{ "HostName %h", "mx1", "Host mx*\n  HostName %h.mail.example.com\n",
		"host=mx1.mail.example.com port=22 user=-" },
	{ "HostName %%", "mx1", "HostName fe80::1%%eth0\n", "host=fe80::1%eth0 port=22 user=-" },
	{ "HostName %l", "mx1", "Host mx1\n  HostName %l\n",
		"error: ~/.ssh/config:2: HostName: %l is not a token HostName takes (%h and %% "
		"are) "
		"(\"%l\")" },
	{ "HostName giving a bad host", "mx1", "HostName -oProxyCommand=x\n",
		"error: ~/.ssh/config:1: HostName: a host name may not start with '-' "
		"(\"-oProxyCommand=x\")" },
	{ "HostName %h%% giving a bad host", "mx1", "HostName %h%%\n",
		"error: ~/.ssh/config:1: HostName: a host name may not contain '%' (\"mx1%\")" },
	{ "User that is not a user name", "mx1", "User -x\n",
		"error: ~/.ssh/config:1: User: a user name may not start with '-' (\"-x\")" },
	{ "the destination's user and port win", "ssh://root@mx1:2200",
		"Host mx1\n"
		"  User postmaster\n"
		"  Port 2222\n",
		"host=mx1 port=2200 user=root" },
	{ "a bad destination", "-oProxyCommand=x", "User ops\n",
		"error: ssh destination \"-oProxyCommand=x\": a host name may not start with '-'" },
	{ "ProxyJump user@host:port", "mx1", "ProxyJump ops@bastion.example.com:2222\n",
		"host=mx1 port=22 user=-\njump=ops@bastion.example.com:2222" },
	{ "ProxyJump through two, one by URI", "mx1",
		"ProxyJump ssh://ops@[2001:db8::1]:2222,jump2.example.com\n",
		"host=mx1 port=22 user=-\njump=ssh://ops@[2001:db8::1]:2222,jump2.example.com" },
	{ "ProxyJump none is a first value too", "mx1",
		"Host mx1\n"
		"  ProxyJump none\n"
		"Host *\n"
		"  ProxyJump bastion\n",
		"host=mx1 port=22 user=-" },
	{ "ProxyCommand first: no ProxyJump, a warning", "mx1",
		"Host mx1\n"
		"  ProxyCommand ssh -W %h:%p bastion\n"
		"Host *\n"
		"  ProxyJump bastion\n",
		"host=mx1 port=22 user=-\n"
		"warning: ~/.ssh/config:2: ProxyCommand is not supported by mailroom (ignored; "
		"ProxyJump is)" },
	{ "ProxyJump with a host starting with '-'", "mx1",
		"Host *\n  ProxyJump -oProxyCommand=x\n",
		"error: ~/.ssh/config:2: ProxyJump: a host name may not start with '-' "
		"(\"-oProxyCommand=x\")" },
	{ "ProxyJump with port 0", "mx1", "ProxyJump ops@bastion:0\n",
		"error: ~/.ssh/config:1: ProxyJump: \"0\" is not a port number "
		"(\"ops@bastion:0\")" },
	{ "ProxyJump with an empty hop", "mx1", "ProxyJump a,,b\n",
		"error: ~/.ssh/config:1: ProxyJump: an empty hop (\"a,,b\")" },
};

static void test_configs(void) {
	for (size_t i = 0; i < sizeof(configs) / sizeof(configs[0]); i++) {
		const struct config_case *c = &configs[i];
		char *got = resolve(c->destination, c->config);
		T_STR(got, c->want, "%s", c->what);
		free(got);
	}
}

/* What no table of C strings can hold, and what only size shows. */
static void test_text(void) {
	static const char nul[] = "Host mx1\n  User o\0ps\n";
	char *got = resolve_n("mx1", nul, sizeof(nul) - 1);
	T_STR(got, "error: ~/.ssh/config:2: a NUL byte: not a text file", "a NUL byte");
	free(got);

	struct mr_buf long_line;
	mr_buf_init(&long_line);
	mr_buf_add_str(&long_line, "Host mx1\n\nUser ");
	for (int i = 0; i < MR_SSH_CONFIG_LINE_MAX; i++) {
		mr_buf_add_char(&long_line, 'a');
	}
	got = resolve("mx1", long_line.data);
	T_STR(got, "error: ~/.ssh/config:3: a line longer than 16384 bytes", "an overlong line");
	free(got);
	mr_buf_finish(&long_line);

	/* A file of unknown keywords: twenty warnings, then a count. */
	struct mr_buf many;
	mr_buf_init(&many);
	for (int i = 0; i < 25; i++) {
		mr_buf_printf(&many, "Frob%d yes\n", i);
	}
	struct mr_ssh_target t;
	char *cause = NULL;
	bool resolved =
		mr_ssh_target_resolve(&t, "mx1", many.data, many.len, NAME, HOME, LOGIN, &cause);
	T_TRUE(resolved, cause, "many warnings: resolved");
	T_INT(t.n_warnings, 21, "many warnings: twenty and a count");
	T_STR(t.n_warnings > 0 ? t.warnings[0] : NULL,
		"~/.ssh/config:1: Frob0 is not an ssh_config keyword (ignored)",
		"many warnings: the first");
	T_STR(t.n_warnings > 0 ? t.warnings[t.n_warnings - 1] : NULL,
		"~/.ssh/config: 5 more warnings not shown", "many warnings: the count");
	mr_ssh_target_finish(&t);
	mr_buf_finish(&many);

	/* Without a home directory, ~ cannot be expanded. */
	cause = NULL;
	T_OK(!mr_ssh_target_resolve(
		     &t, "mx1", "IdentityFile ~/.ssh/id\n", 23, NAME, NULL, LOGIN, &cause),
		"no home: refused");
	T_STR(cause,
		"~/.ssh/config:1: IdentityFile: ~ needs the home directory, which is unknown "
		"(\"~/.ssh/id\")",
		"no home: the cause");
	free(cause);

	/* Finishing twice, or after a failure, is harmless. */
	mr_ssh_target_finish(&t);
	mr_ssh_target_finish(NULL);
}

/* mailroom's own per-host settings match names as Host lines do. */
static void test_host_match(void) {
	static const struct {
		const char *alias, *patterns;
		bool want;
	} cases[] = {
		{ "mx1", "mx1", true },
		{ "mx1", "mx2", false },
		{ "mx1", "mx*", true },
		{ "mx10", "mx?", false },
		{ "mx1", "mx2,mx1", true },
		{ "MX1", "mx1", false }, /* case-sensitive, as Host */
		{ "mx1", "*,!mx1", false },
		{ "mx2", "*,!mx1", true },
		{ "mx1", "!mx1", false }, /* a negation alone matches nothing */
		{ "relay3", "!mx*", false },
		{ "10.0.0.5", "10.0.0.*", true },
		{ "mx1", "", false },
		{ "mx1", ",", false },
		{ "mx1", "!", false },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		T_INT(mr_ssh_host_match(cases[i].alias, cases[i].patterns), cases[i].want,
			"host match: %s against \"%s\" is %s", cases[i].alias, cases[i].patterns,
			cases[i].want ? "yes" : "no");
	}
}

int main(void) {
	test_host_match();
	test_destinations();
	test_configs();
	test_text();
	return t_done();
}
