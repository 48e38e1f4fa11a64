#include "clock.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "text.h"
#include "xalloc.h"

double mr_monotonic_ms(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static bool pinned_time(int64_t *t) {
	const char *pinned = getenv("MAILROOM_NOW");
	if (pinned == NULL || *pinned == '\0') {
		return false;
	}
	char *end;
	errno = 0;
	long long v = strtoll(pinned, &end, 10);
	if (errno != 0 || *end != '\0' || v <= 0) {
		return false;
	}
	*t = (int64_t)v;
	return true;
}

int64_t mr_now(void) {
	int64_t t;
	return pinned_time(&t) ? t : (int64_t)time(NULL);
}

bool mr_clock_check(char **cause) {
	const char *pinned = getenv("MAILROOM_NOW");
	int64_t t;
	if (pinned == NULL || *pinned == '\0' || pinned_time(&t)) {
		return true;
	}
	char *shown = mr_text_visible_dup(pinned);
	mr_fail(cause, "MAILROOM_NOW: expected Unix seconds, got \"%s\"", shown);
	free(shown);
	return false;
}
