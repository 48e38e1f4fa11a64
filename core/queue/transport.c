#include "transport.h"

#include <string.h>

#include "xalloc.h"

void mr_transport_destroy(struct mr_transport *t) {
	if (t != NULL) {
		t->ops->destroy(t);
	}
}

void mr_command_result_finish(struct mr_command_result *res) {
	mr_buf_finish(&res->err);
}

void mr_command_result_add_err(struct mr_command_result *res, const char *data, size_t len) {
	size_t room = res->err.len < MR_COMMAND_ERR_MAX ? MR_COMMAND_ERR_MAX - res->err.len : 0;
	mr_buf_add(&res->err, data, len < room ? len : room);
}

/* Lines that sshd writes to a command's standard error before the command
 * runs, which say nothing about the command: a login without a home
 * directory (a service account's) gets this one on every exec. */
static bool session_chatter(const char *line, size_t n) {
	static const char chdir_failed[] = "Could not chdir to home directory ";
	return n >= sizeof(chdir_failed) - 1 &&
	       memcmp(line, chdir_failed, sizeof(chdir_failed) - 1) == 0;
}

char *mr_command_error_line(const struct mr_command_result *res, const char *containing) {
	const char *s = res->err.data;
	size_t len = res->err.len;
	const char *found = containing ? strstr(s, containing) : NULL;
	if (found != NULL) {
		const char *nl = strchr(found, '\n');
		len = nl ? (size_t)(nl - s) : len;
	}
	const char *line;
	size_t n;
	do { /* the last line, sshd's chatter not counted */
		while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r')) {
			len--;
		}
		size_t start = len;
		while (start > 0 && s[start - 1] != '\n') {
			start--;
		}
		line = s + start;
		n = len - start;
		len = start;
	} while (n > 0 && session_chatter(line, n));
	/* "postqueue: fatal: X" -> "X"; the caller names the program. */
	static const char *const noise[] = { "fatal: ", "warning: ", "error: " };
	const char *colon = memchr(line, ':', n);
	if (colon != NULL && colon + 2 <= line + n && colon[1] == ' ') {
		size_t skip = (size_t)(colon + 2 - line);
		for (size_t i = 0; i < sizeof(noise) / sizeof(*noise); i++) {
			size_t k = strlen(noise[i]);
			if (n - skip >= k && memcmp(line + skip, noise[i], k) == 0) {
				skip += k;
				break;
			}
		}
		line += skip;
		n -= skip;
	}
	return mr_xstrndup(line, n);
}
