/* What mailroom takes from `ssh -G`'s answer (backends/ssh/openssh.c):
 * real answers of OpenSSH 9.2 as text, each with what the target must say. */

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "openssh.h"
#include "xalloc.h"

/* The part of `ssh -G mx1` that matters, with no configuration at all. */
static const char plain[] = "user root\n"
			    "hostname mx1\n"
			    "port 22\n"
			    "identitiesonly no\n"
			    "stricthostkeychecking ask\n"
			    "serveralivecountmax 3\n"
			    "serveraliveinterval 0\n"
			    "identityfile ~/.ssh/id_rsa\n"
			    "identityfile ~/.ssh/id_ecdsa\n"
			    "identityfile ~/.ssh/id_ecdsa_sk\n"
			    "identityfile ~/.ssh/id_ed25519\n"
			    "identityfile ~/.ssh/id_ed25519_sk\n"
			    "identityfile ~/.ssh/id_xmss\n"
			    "identityfile ~/.ssh/id_dsa\n"
			    "proxycommand none\n"
			    "connecttimeout none\n";

static void test_plain(void) {
	struct mr_ssh_target t;
	char *cause = NULL;
	bool taken =
		mr_ssh_target_from_g(&t, "mx1", plain, strlen(plain), "/home/op", "op", &cause);
	if (!T_TRUE(taken, cause, "no configuration: taken")) {
		free(cause);
		return;
	}
	T_STR(t.host, "mx1", "no configuration: the host as named");
	T_STR(t.user, "root", "no configuration: the user ssh says");
	T_INT(t.port, 22, "no configuration: port 22");
	T_OK(!t.identity_files_configured,
		"ssh's own list of keys: not configured (mailroom tries its defaults)");
	T_INT(t.n_known_hosts_files, 0, "no UserKnownHostsFile line: none (mailroom's default)");
	T_INT(t.strict_host_key_checking, MR_SSH_STRICT_ASK, "StrictHostKeyChecking ask");
	T_INT(t.connect_timeout_s, 0, "ConnectTimeout none: 0");
	T_INT(t.server_alive_count_max, 3, "ServerAliveCountMax 3");
	T_STR(t.proxy_jump, NULL, "no ProxyJump");
	T_INT(t.n_warnings, 0, "nothing to warn about");
	mr_ssh_target_finish(&t);
	free(cause);
}

/* `ssh -G mx1` under a Host block with tokens, a jump and a Match that
 * set the port (ssh prints the values, not the file names of ~ and %). */
static const char configured[] = "user ops\n"
				 "hostname mx1.example.com\n"
				 "port 2222\n"
				 "identitiesonly yes\n"
				 "stricthostkeychecking accept-new\n"
				 "identityfile ~/.ssh/%r_%h_%p\n"
				 "identityfile %d/keys/%n\n"
				 "userknownhostsfile /home/op/.ssh/kh1 /tmp/kh2\n"
				 "connecttimeout 7\n"
				 "serveraliveinterval 15\n"
				 "serveralivecountmax 2\n"
				 "proxyjump jump@bastion:2200\n"
				 "proxycommand none\n"
				 "hostkeyalias mx1-key\n";

static void test_configured(void) {
	struct mr_ssh_target t;
	char *cause = NULL;
	bool taken = mr_ssh_target_from_g(
		&t, "mx1", configured, strlen(configured), "/home/op", "op", &cause);
	if (!T_TRUE(taken, cause, "configured: taken")) {
		free(cause);
		return;
	}
	T_STR(t.host, "mx1.example.com", "HostName as ssh expanded it");
	T_STR(t.user, "ops", "User");
	T_INT(t.port, 2222, "the port a Match block set");
	T_OK(t.identities_only, "IdentitiesOnly yes");
	T_INT(t.strict_host_key_checking, MR_SSH_STRICT_ACCEPT_NEW, "accept-new");
	T_INT(t.n_identity_files, 2, "both identity files");
	T_STR(t.n_identity_files > 0 ? t.identity_files[0] : "",
		"/home/op/.ssh/ops_mx1.example.com_2222",
		"~, %%r, %%h and %%p expanded as ssh would when it connects");
	T_STR(t.n_identity_files > 1 ? t.identity_files[1] : "", "/home/op/keys/mx1",
		"%%d and %%n expanded");
	T_INT(t.n_known_hosts_files, 2, "two known_hosts files");
	T_STR(t.n_known_hosts_files > 1 ? t.known_hosts_files[1] : "", "/tmp/kh2",
		"the second known_hosts file");
	T_INT(t.connect_timeout_s, 7, "ConnectTimeout 7");
	T_INT(t.server_alive_interval_s, 15, "ServerAliveInterval 15");
	T_INT(t.server_alive_count_max, 2, "ServerAliveCountMax 2");
	T_STR(t.proxy_jump ? t.proxy_jump : "", "jump@bastion:2200", "ProxyJump as written");
	T_INT(t.n_warnings, 1, "one setting mailroom does not follow");
	T_STR(t.n_warnings > 0 ? t.warnings[0] : "",
		"ssh configuration for mx1 (as ssh -G reads it): HostKeyAlias is not supported by "
		"mailroom (ignored)",
		"HostKeyAlias named in a warning");
	mr_ssh_target_finish(&t);
	free(cause);
}

/* Each bad answer is refused with a line naming the setting. */
static void test_refused(void) {
	static const struct {
		const char *answer, *cause;
	} cases[] = {
		{ "user root\nhostname -oProxyCommand=x\nport 22\n",
			"ssh -G mx1: hostname: not usable (\"-oProxyCommand=x\")" },
		{ "user root\nport 22\n", "ssh -G mx1: hostname: not usable (\"(none)\")" },
		{ "user root\nhostname mx1\nport 70000\n",
			"ssh -G mx1: port: not usable (\"70000\")" },
		{ "user -x\nhostname mx1\nport 22\n", "ssh -G mx1: user: not usable (\"-x\")" },
		{ "user root\nhostname mx1\nport 22\nidentityfile ~/.ssh/%C\n",
			"ssh -G mx1: identityfile ~/.ssh/%C: %C is not supported by mailroom (%d "
			"%h "
			"%n %p %r %u and %% are)" },
		{ "user root\nhostname mx1\nport 22\nconnecttimeout soon\n",
			"ssh -G mx1: connecttimeout: not usable (\"soon\")" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct mr_ssh_target t;
		char *cause = NULL;
		bool ok = mr_ssh_target_from_g(&t, "mx1", cases[i].answer, strlen(cases[i].answer),
			"/home/op", "op", &cause);
		T_OK(!ok, "refused: %s", cases[i].cause);
		T_STR(cause ? cause : "", cases[i].cause, "the refusal says why");
		if (ok) {
			mr_ssh_target_finish(&t);
		}
		free(cause);
	}
}

/* ssh's own known_hosts files (the account's) are its default, not a
 * configuration: mailroom then uses HOME's, as without ssh. */
static void test_default_known_hosts(void) {
	struct passwd *pw = getpwuid(getuid());
	if (pw == NULL) {
		t_skip_all("no account for uid %d", (int)getuid());
	}
	char *answer = mr_xasprintf("user root\nhostname mx1\nport 22\n"
				    "userknownhostsfile %s/.ssh/known_hosts %s/.ssh/known_hosts2\n",
		pw->pw_dir, pw->pw_dir);
	struct mr_ssh_target t;
	char *cause = NULL;
	bool taken = mr_ssh_target_from_g(
		&t, "mx1", answer, strlen(answer), "/tmp/elsewhere", "op", &cause);
	if (T_TRUE(taken, cause, "default known_hosts: taken")) {
		T_INT(t.n_known_hosts_files, 0, "ssh's default known_hosts files: none configured");
		mr_ssh_target_finish(&t);
	}

	free(cause);
	free(answer);
}

int main(void) {
	test_plain();
	test_configured();
	test_refused();
	test_default_known_hosts();
	return t_done();
}
