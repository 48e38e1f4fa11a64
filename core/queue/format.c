#include "format.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "model.h"

void mr_format_age(char out[MR_FORMAT_MAX], int64_t s) {
	if (s < 0) {
		s = 0;
	}
	if (s < 60) {
		snprintf(out, MR_FORMAT_MAX, "%" PRId64 "s", s);
	} else if (s < 3600) {
		snprintf(out, MR_FORMAT_MAX, "%" PRId64 "m", s / 60);
	} else if (s < 48 * 3600) {
		snprintf(out, MR_FORMAT_MAX, "%" PRId64 "h", s / 3600);
	} else if (s < 1000 * 86400) {
		snprintf(out, MR_FORMAT_MAX, "%" PRId64 "d", s / 86400);
	} else {
		snprintf(out, MR_FORMAT_MAX, "%" PRId64 "y", s / (365 * 86400));
	}
}

static void duration(char *out, size_t size, int64_t s) {
	if (s < 0) {
		s = 0;
	}
	if (s < 60) {
		snprintf(out, size, "%" PRId64 "s", s);
	} else if (s < 3600) {
		snprintf(out, size, "%" PRId64 "m %02" PRId64 "s", s / 60, s % 60);
	} else if (s < 86400) {
		snprintf(out, size, "%" PRId64 "h %02" PRId64 "m", s / 3600, s % 3600 / 60);
	} else {
		snprintf(out, size, "%" PRId64 "d %" PRId64 "h", s / 86400, s % 86400 / 3600);
	}
}

void mr_format_duration(char out[MR_FORMAT_MAX], int64_t s) {
	duration(out, MR_FORMAT_MAX, s);
}

void mr_format_size(char out[MR_FORMAT_MAX], uint64_t bytes) {
	static const char units[] = "KMGTPE";
	if (bytes < 1024) {
		snprintf(out, MR_FORMAT_MAX, "%" PRIu64, bytes);
		return;
	}
	double v = (double)bytes / 1024;
	size_t unit = 0;
	while (v >= 1023.95 && unit + 1 < sizeof(units) - 1) {
		v /= 1024;
		unit++;
	}
	if (v < 9.95) {
		snprintf(out, MR_FORMAT_MAX, "%.1f%c", v, units[unit]);
	} else {
		snprintf(out, MR_FORMAT_MAX, "%.0f%c", v, units[unit]);
	}
}

static void format_local(char out[MR_FORMAT_MAX], int64_t t, bool with_date) {
	time_t tt = (time_t)t;
	struct tm tm;
	size_t n = 0;
	if (t != MR_TIME_UNKNOWN && localtime_r(&tt, &tm) != NULL) {
		n = with_date ? strftime(out, MR_FORMAT_MAX, "%Y-%m-%d %H:%M:%S", &tm)
			      : strftime(out, MR_FORMAT_MAX, "%H:%M:%S", &tm);
	}
	if (n == 0) {
		snprintf(out, MR_FORMAT_MAX, "unknown");
	}
}

void mr_format_time(char out[MR_FORMAT_MAX], int64_t t) {
	format_local(out, t, true);
}

void mr_format_clock(char out[MR_FORMAT_MAX], int64_t t) {
	format_local(out, t, false);
}

void mr_format_relative(char out[MR_FORMAT_MAX], int64_t t, int64_t now) {
	/* Room for "in " or " ago" around the longest span. */
	char span[MR_FORMAT_MAX - 5];
	if (t == now) {
		snprintf(out, MR_FORMAT_MAX, "now");
	} else if (t > now) {
		duration(span, sizeof(span), t - now);
		snprintf(out, MR_FORMAT_MAX, "in %s", span);
	} else {
		duration(span, sizeof(span), now - t);
		snprintf(out, MR_FORMAT_MAX, "%s ago", span);
	}
}

void mr_format_count(char out[MR_FORMAT_MAX], uint64_t n) {
	char digits[MR_FORMAT_MAX];
	int len = snprintf(digits, sizeof(digits), "%" PRIu64, n);
	size_t o = 0;
	for (int i = 0; i < len; i++) {
		if (i > 0 && (len - i) % 3 == 0) {
			out[o++] = ',';
		}
		out[o++] = digits[i];
	}
	out[o] = '\0';
}

void mr_format_delay(char out[MR_FORMAT_MAX], uint32_t hundredths) {
	if (hundredths == MR_DELAY_UNKNOWN) {
		snprintf(out, MR_FORMAT_MAX, "?");
	} else if (hundredths % 100 == 0) {
		snprintf(out, MR_FORMAT_MAX, "%u", (unsigned)(hundredths / 100));
	} else if (hundredths % 10 == 0) {
		snprintf(out, MR_FORMAT_MAX, "%u.%u", (unsigned)(hundredths / 100),
			(unsigned)(hundredths % 100 / 10));
	} else {
		snprintf(out, MR_FORMAT_MAX, "%u.%02u", (unsigned)(hundredths / 100),
			(unsigned)(hundredths % 100));
	}
}
