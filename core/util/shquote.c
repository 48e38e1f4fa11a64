#include "shquote.h"

#include <stdbool.h>
#include <string.h>

static bool bare(const char *arg) {
	if (*arg == '\0') {
		return false; /* an empty argument needs its quotes to exist */
	}
	for (const char *p = arg; *p; p++) {
		if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./"
			   "=:,+@%-",
			    *p) == NULL) {
			return false;
		}
	}
	return true;
}

void mr_shell_quote_argv(struct mr_buf *out, const char *const *argv) {
	for (size_t i = 0; argv[i] != NULL; i++) {
		if (i > 0) {
			mr_buf_add_char(out, ' ');
		}
		if (bare(argv[i])) {
			mr_buf_add_str(out, argv[i]);
			continue;
		}
		mr_buf_add_char(out, '\'');
		for (const char *p = argv[i]; *p; p++) {
			if (*p == '\'') {
				mr_buf_add_str(out, "'\\''");
			} else {
				mr_buf_add_char(out, *p);
			}
		}
		mr_buf_add_char(out, '\'');
	}
}
