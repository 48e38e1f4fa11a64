#include "statefile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "xalloc.h"

/* $VARIABLE/mailroom/name, else $HOME/fallback/mailroom/name; relative
 * paths are ignored, as the XDG base directory specification says. */
static char *xdg_path(const char *variable, const char *fallback, const char *name) {
	const char *dir = getenv(variable);
	if (dir != NULL && dir[0] == '/') {
		return mr_xasprintf("%s/mailroom/%s", dir, name);
	}
	const char *home = getenv("HOME");
	if (home != NULL && home[0] == '/') {
		return mr_xasprintf("%s/%s/mailroom/%s", home, fallback, name);
	}
	return NULL;
}

char *mr_state_path(const char *name) {
	return xdg_path("XDG_STATE_HOME", ".local/state", name);
}

char *mr_config_path(const char *name) {
	return xdg_path("XDG_CONFIG_HOME", ".config", name);
}

bool mr_make_parents(const char *path, char **cause) {
	char *dir = mr_xstrdup(path);
	bool ok = true;
	for (char *p = dir + 1; ok && (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			ok = mr_fail(cause, "%s: %s", dir, strerror(errno));
		}
		*p = '/';
	}
	free(dir);
	return ok;
}
