#include "statefile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "xalloc.h"

char *mr_state_path(const char *name) {
	const char *state = getenv("XDG_STATE_HOME");
	if (state != NULL && state[0] == '/') {
		return mr_xasprintf("%s/mailroom/%s", state, name);
	}
	const char *home = getenv("HOME");
	if (home != NULL && home[0] == '/') {
		return mr_xasprintf("%s/.local/state/mailroom/%s", home, name);
	}
	return NULL;
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
