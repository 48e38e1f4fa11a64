#include "statefile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* The directory of path, opened without following a link, and where the
 * file's name starts; -1 with *cause. */
static int open_dir(const char *path, const char **name, char **cause) {
	const char *slash = strrchr(path, '/');
	if (slash == NULL) {
		mr_fail(cause, "%s: not an absolute path", path);
		return -1;
	}
	*name = slash + 1;
	char *dir = slash == path ? mr_xstrdup("/") : mr_xstrndup(path, (size_t)(slash - path));
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		int error = errno;
		struct stat st;
		bool link = lstat(dir, &st) == 0 && S_ISLNK(st.st_mode);
		mr_fail(cause, "%s: %s", dir,
			link               ? "a symbolic link: not followed"
			: error == ENOTDIR ? "not a directory"
					   : strerror(error));
	}
	free(dir);
	return fd;
}

int mr_state_open(const char *path, int flags, char **cause) {
	if (!mr_make_parents(path, cause)) {
		return -1;
	}
	const char *name;
	int dir = open_dir(path, &name, cause);
	if (dir < 0) {
		return -1;
	}
	int fd = openat(dir, name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | flags, 0600);
	int error = errno;
	close(dir);
	if (fd < 0) {
		mr_fail(cause, "%s: %s", path,
			error == ELOOP ? "a symbolic link: not followed" : strerror(error));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		mr_fail(cause, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	/* Made readable by others before (an older mailroom made the history
	 * 0644): it is the operator's alone from now on. */
	if ((st.st_mode & 077) != 0 && st.st_uid == geteuid()) {
		fchmod(fd, 0600);
	}
	return fd;
}

bool mr_state_rename(const char *from, const char *to, char **cause) {
	const char *from_name, *to_name;
	int dir = open_dir(to, &to_name, cause);
	if (dir < 0) {
		return false;
	}
	const char *slash = strrchr(from, '/');
	from_name = slash != NULL ? slash + 1 : from;
	bool ok = renameat(dir, from_name, dir, to_name) == 0;
	if (!ok) {
		mr_fail(cause, "%s: %s", to, strerror(errno));
	}
	close(dir);
	return ok;
}
