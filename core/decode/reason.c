#include "reason.h"

#include <string.h>

static const char *const lead_ins[] = {
	" said: ",
	" refused to talk to me: ",
};

const char *mr_reason_brief(const char *reason, size_t *len) {
	const char *start = reason;
	/* Only a "host " lead-in is Postfix's own; a remote reply quoting
	 * " said: " somewhere in its text must stay whole. */
	if (strncmp(reason, "host ", 5) == 0) {
		for (size_t i = 0; i < sizeof(lead_ins) / sizeof(lead_ins[0]); i++) {
			const char *p = strstr(reason, lead_ins[i]);
			if (p != NULL) {
				start = p + strlen(lead_ins[i]);
				break;
			}
		}
	}
	size_t n = strlen(start);
	static const char trailer[] = " command)";
	const char *open = NULL;
	if (n > sizeof(trailer) && strcmp(start + n - (sizeof(trailer) - 1), trailer) == 0) {
		for (const char *p = start + n; p > start; p--) {
			if (strncmp(p - 1, " (in reply to ", 14) == 0) {
				open = p - 1;
				break;
			}
		}
	}
	*len = open != NULL ? (size_t)(open - start) : n;
	return start;
}
