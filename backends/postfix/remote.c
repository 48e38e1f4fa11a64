#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "openssh.h"
#include "postfix.h"
#include "sshconfig.h"
#include "statefile.h"
#include "text.h"
#include "transport_ssh.h"
#include "user.h"
#include "xalloc.h"

/*
 * A Postfix queue on another machine: the Postfix backend over the SSH
 * transport. The destination is resolved by ssh itself (ssh -G,
 * backends/ssh/openssh.c), or where no ssh client is installed by
 * mailroom's own reader of ~/.ssh/config (backends/ssh/sshconfig.c), which says so;
 * the tools run under sudo -n unless the login is root,
 * from /usr/sbin, or from the remote command_directory when they are not
 * there.
 */

/* What a source opened without options gets: an unknown host is refused,
 * nothing is asked, sudo as the login needs. */
static const struct mr_remote_options no_options = {
	.prompts = { .new_host = MR_SSH_NEW_HOST_REFUSE },
};

/* Whether the tools run through sudo -n on host alias, logged in as user. */
static bool uses_sudo(const struct mr_remote_options *o, const char *alias, const char *user) {
	enum mr_remote_sudo sudo = MR_REMOTE_SUDO_AUTO;
	for (size_t i = 0; i < o->n_rules; i++) {
		if (mr_ssh_host_match(alias, o->rules[i].hosts)) {
			sudo = o->rules[i].sudo;
		}
	}
	return sudo == MR_REMOTE_SUDO_ALWAYS ||
	       (sudo == MR_REMOTE_SUDO_AUTO && strcmp(user, "root") != 0);
}

/* The whole file (its length in *len, NUL bytes and all; a megabyte at
 * most), NULL when there is none. */
static char *read_small_file(const char *path, size_t *len) {
	struct mr_buf text;
	mr_buf_init(&text);
	int error;
	if (!mr_read_file(path, 1 << 20, &text, &error)) {
		mr_buf_finish(&text);
		*len = 0;
		return NULL;
	}
	*len = text.len;
	return mr_buf_steal(&text);
}

static char *home_dir(void) {
	const char *home = getenv("HOME");
	if (home == NULL || *home == '\0') {
		struct passwd *pw = getpwuid(getuid());
		home = pw ? pw->pw_dir : "/";
	}
	return mr_xstrdup(home);
}

/* ssh://[user@]host[:port][/CONFIG_DIR]: the part before the path, and the
 * path (NULL when none). Other forms have no path. */
static char *split_config_dir(const char *location, char **config_dir) {
	*config_dir = NULL;
	if (strncmp(location, "//", 2) != 0) {
		return mr_xstrdup(location);
	}
	const char *rest = location + 2;
	const char *bracket = rest[0] == '[' ? strchr(rest, ']') : NULL;
	const char *slash = strchr(bracket ? bracket : rest, '/');
	if (slash == NULL) {
		return mr_xasprintf("ssh:%s", location);
	}
	*config_dir = mr_xstrdup(slash);
	return mr_xasprintf("ssh:%.*s", (int)(slash - location), location);
}

/* Only these reach the remote command line as a path (quoted all the
 * same): a directory name with anything else is refused, not passed on. */
bool pf_plain_path(const char *path) {
	return path[0] == '/' && strstr(path, "/-") == NULL && strstr(path, "..") == NULL &&
	       strspn(path, "/abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
		       strlen(path);
}

/* postconf -h command_directory (postconf itself from where the tools are
 * looked for, else from PATH), and the directory if it is a plain path. */
static char *command_directory(struct pf *pf) {
	static const char *const names[] = { "command_directory" };
	char *dir = NULL;
	for (int attempt = 0; dir == NULL && attempt < 2; attempt++) {
		if (attempt == 1) {
			snprintf(pf->tool[PF_POSTCONF], sizeof(pf->tool[PF_POSTCONF]), "postconf");
		}
		pf_postconf(pf, names, &dir, 1, false);
		/* An absolute path of plain characters only: it goes into argv. */
		if (dir != NULL && (strlen(dir) >= 40 || !pf_plain_path(dir))) {
			free(dir);
			dir = NULL;
		}
	}
	return dir;
}

bool pf_find_tools(struct pf *pf) {
	char *dir = command_directory(pf);
	char *was = mr_xstrdup(pf->tool[PF_POSTQUEUE]);
	if (dir != NULL) {
		pf_set_tool_dir(pf, dir);
	}
	bool moved = strcmp(was, pf->tool[PF_POSTQUEUE]) != 0;
	free(was);
	free(dir);
	return moved;
}

/* How to reach one host: its resolved configuration and the options for
 * the transport, with ssh's defaults where the configuration names none. */
struct plan {
	struct mr_ssh_target target;
	char *default_keys[3], *default_known;
	struct mr_ssh_options options;
};

static void plan_finish(struct plan *p) {
	for (size_t i = 0; i < 3; i++) {
		free(p->default_keys[i]);
	}
	free(p->default_known);
	mr_ssh_target_finish(&p->target);
}

/* The ssh configuration's text (NULL when there is none). */
struct ssh_files {
	char *home, *me, *config_name, *config_text;
	size_t config_len;
};

static bool plan_for(struct plan *p, struct mr_source *src, const char *destination,
	const struct ssh_files *f, const struct mr_ssh_prompts *prompts, char **cause) {
	memset(p, 0, sizeof(*p));
	bool missing = false;
	if (!mr_ssh_target_openssh(&p->target, destination, f->home, f->me, &missing, cause)) {
		if (!missing) {
			return false;
		}
		/* No ssh client to ask: the built-in reader, which follows
		 * neither Include nor Match, and says so. */
		free(*cause);
		*cause = NULL;
		if (!mr_ssh_target_resolve(&p->target, destination, f->config_text, f->config_len,
			    f->config_name, f->home, f->me, cause)) {
			return false;
		}
		mr_source_warn(src,
			"no ssh client on this machine: ~/.ssh/config is read by "
			"mailroom's own reader, which follows neither Include nor Match");
	}
	struct mr_ssh_target *t = &p->target;
	for (size_t i = 0; i < t->n_warnings; i++) {
		mr_source_warn(src, t->warnings[i]);
	}
	const char *const *keys = (const char *const *)t->identity_files;
	size_t n_keys = t->n_identity_files;
	if (!t->identity_files_configured) {
		static const char *const names[] = { "id_ed25519", "id_ecdsa", "id_rsa" };
		for (size_t i = 0; i < 3; i++) {
			p->default_keys[i] = mr_xasprintf("%s/.ssh/%s", f->home, names[i]);
		}
		keys = (const char *const *)p->default_keys;
		n_keys = 3;
	}
	const char *const *known = (const char *const *)t->known_hosts_files;
	size_t n_known = t->n_known_hosts_files;
	if (n_known == 0) {
		p->default_known = mr_xasprintf("%s/.ssh/known_hosts", f->home);
		known = (const char *const *)&p->default_known;
		n_known = 1;
	}
	enum mr_ssh_new_host new_host = prompts->new_host;
	if (t->strict_host_key_checking == MR_SSH_STRICT_ACCEPT_NEW ||
		t->strict_host_key_checking == MR_SSH_STRICT_NO) {
		new_host = MR_SSH_NEW_HOST_ACCEPT; /* as ssh: new keys go in, changed ones never */
	} else if (t->strict_host_key_checking == MR_SSH_STRICT_YES) {
		new_host = MR_SSH_NEW_HOST_REFUSE;
	}
	p->options = (struct mr_ssh_options){
		.alias = t->alias,
		.host = t->host,
		.port = t->port,
		.user = t->user ? t->user : f->me,
		.identity_files = keys,
		.n_identity_files = n_keys,
		.identities_only = t->identities_only,
		.known_hosts_files = known,
		.n_known_hosts_files = n_known,
		.new_host = new_host,
		.connect_timeout_ms = t->connect_timeout_s * 1000,
		.keepalive_s = t->server_alive_interval_s,
		.keepalive_count_max = t->server_alive_count_max,
		.trust_new_host = prompts->trust_new_host,
		.passphrase = prompts->passphrase,
		.ctx = prompts->ctx,
	};
	return true;
}

/* ProxyJump's [user@]host[:port] as a destination the resolver takes (it
 * takes a port only in the ssh:// form); NULL when it names more than one
 * hop, which mailroom does not follow. */
static char *jump_destination(const char *jump) {
	if (strchr(jump, ',') != NULL) {
		return NULL;
	}
	if (strncmp(jump, "ssh://", 6) == 0) {
		return mr_xstrdup(jump);
	}
	const char *colon = strrchr(jump, ':');
	bool port = colon != NULL && colon[1] != '\0' &&
		    strspn(colon + 1, "0123456789") == strlen(colon + 1);
	bool ipv6 = colon != NULL && memchr(jump, ':', (size_t)(colon - jump)) != NULL;
	return port && !ipv6 ? mr_xasprintf("ssh://%s", jump) : mr_xstrdup(jump);
}

static struct mr_transport *connect_to(struct mr_source *src, const char *destination,
	const struct mr_ssh_prompts *prompts, char **label_host, char **user, char **cause) {
	struct ssh_files f = { home_dir(), mr_xstrdup(mr_user_name()), NULL, NULL, 0 };
	f.config_name = mr_xasprintf("%s/.ssh/config", f.home);
	f.config_text = read_small_file(f.config_name, &f.config_len);
	struct plan target, jump;
	struct mr_transport *transport = NULL;
	bool jumping = false;
	if (plan_for(&target, src, destination, &f, prompts, cause)) {
		char *via = target.target.proxy_jump ? jump_destination(target.target.proxy_jump)
						     : NULL;
		if (target.target.proxy_jump != NULL && via == NULL) {
			char *shown = mr_text_visible_dup(target.target.proxy_jump);
			mr_fail(cause, "ssh %s: ProxyJump %s: mailroom jumps through one host only",
				target.target.alias, shown);
			free(shown);
		} else if (via != NULL &&
			   (jumping = plan_for(&jump, src, via, &f, prompts, cause)) &&
			   jump.target.proxy_jump != NULL) {
			mr_fail(cause,
				"ssh %s: the jump host %s has a ProxyJump of its own: mailroom "
				"jumps through one host only",
				target.target.alias, jump.target.alias);
		} else if (via == NULL || jumping) {
			target.options.jump = via ? &jump.options : NULL;
			transport = mr_transport_ssh_create(&target.options, cause);
			*label_host = mr_xstrdup(target.target.alias);
			*user = mr_xstrdup(target.options.user);
		}
		free(via);
		if (jumping) {
			plan_finish(&jump);
		}
		plan_finish(&target);
	}
	free(f.config_text);
	free(f.config_name);
	free(f.home);
	free(f.me);
	if (transport == NULL) {
		free(*label_host);
		free(*user);
		*label_host = *user = NULL;
	}
	return transport;
}

static bool remote_open(struct mr_source *src, const char *location,
	const struct mr_open_options *opts, char **cause) {
	const struct mr_remote_options *o =
		opts != NULL && opts->remote != NULL ? opts->remote : &no_options;
	char *config_dir = NULL;
	char *destination = split_config_dir(location, &config_dir);
	if (config_dir != NULL && (config_dir[1] == '\0' || !pf_plain_path(config_dir))) {
		char *shown = mr_text_visible_dup(config_dir);
		mr_fail(cause, "%s: not a configuration directory mailroom will pass on (%s)",
			src->name, shown);
		free(shown);
		free(destination);
		free(config_dir);
		return false;
	}
	char *alias = NULL, *user = NULL;
	struct mr_transport *transport =
		connect_to(src, destination, &o->prompts, &alias, &user, cause);
	free(destination);
	if (transport == NULL) {
		free(config_dir);
		return false;
	}
	struct pf *pf = pf_create(transport, config_dir, uses_sudo(o, alias, user));
	pf->remote = true;
	if (!pf_set_log(pf, opts ? opts->log : NULL, src->name, cause)) {
		src->data = pf;
		free(alias);
		free(user);
		free(config_dir);
		return false;
	}
	char *label = mr_xasprintf("%s%s", alias, config_dir ? config_dir : "");
	src->data = pf;
	src->label = mr_text_visible_dup(label);
	free(label);
	free(alias);
	free(user);
	free(config_dir);
	pf_describe(src);
	return true;
}

/* Whether a Host line of the configuration names alias itself (not only
 * through a wildcard): "mailroom mx1" then means that host. */
static bool config_names_host(const char *text, size_t len, const char *alias) {
	const char *end = text + len;
	for (const char *line = text; line < end;) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		const char *stop = nl ? nl : end;
		const char *p = line + strspn(line, " \t");
		if (stop - p > 4 && strncasecmp(p, "host", 4) == 0 && strchr(" \t=", p[4])) {
			p += 5;
			while (p < stop) {
				p += strspn(p, " \t=\"");
				size_t word = strcspn(p, " \t\"\r\n");
				if (p + word > stop) {
					word = (size_t)(stop - p);
				}
				if (word > 0 && word == strlen(alias) &&
					memcmp(p, alias, word) == 0) {
					return true;
				}
				p += word > 0 ? word : 1;
			}
		}
		line = stop + 1;
	}
	return false;
}

/* user@host is a remote queue when no such file is here, and so is a name
 * that ~/.ssh/config has a Host line for. */
static int remote_probe(const char *arg) {
	struct stat st;
	if (stat(arg, &st) == 0 || strchr(arg, '/') != NULL) {
		return 0;
	}
	if (strchr(arg, '@') != NULL) {
		return 2;
	}
	char *home = home_dir();
	char *path = mr_xasprintf("%s/.ssh/config", home);
	size_t len;
	char *text = read_small_file(path, &len);
	bool named =
		text != NULL && *arg != '\0' && *arg != '-' && config_names_host(text, len, arg);
	free(text);
	free(path);
	free(home);
	return named ? 2 : 0;
}

const struct mr_backend_ops mr_backend_postfix_ssh = {
	.name = "ssh",
	.usage = "ssh://[USER@]HOST[:PORT][/DIR]",
	.summary = "a Postfix queue over SSH (also USER@HOST, or a Host of ~/.ssh/config); DIR "
		   "names an instance's config directory",
	.open = remote_open,
	.probe = remote_probe,
	.close = pf_close,
	.list = pf_source_list,
	.act = pf_act,
	.paces = true,
	.content = pf_content,
};
