#include "statefile.h"

#include <errno.h>
#include <stdio.h>
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

bool mr_read_file(const char *path, size_t max, struct mr_buf *out, int *error) {
	FILE *in = fopen(path, "r");
	if (in == NULL) {
		*error = errno;
		return false;
	}
	char chunk[4096];
	size_t n;
	while ((max == 0 || out->len < max) && (n = fread(chunk, 1, sizeof(chunk), in)) > 0) {
		size_t room = max == 0 ? n : max - out->len;
		mr_buf_add(out, chunk, n < room ? n : room);
	}
	bool ok = !ferror(in);
	*error = ok ? 0 : errno;
	fclose(in);
	return ok;
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
