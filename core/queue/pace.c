#include "pace.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "text.h"
#include "xalloc.h"

/* With a rate, a part is this long a slice of it: the ids of a second go
 * out in four parts rather than all at its start. */
enum { PART_MS = 250, STOP_CHECK_MS = 50 };

void mr_pacer_init(
	struct mr_pacer *p, const struct mr_action_request *req, size_t total, size_t part_max) {
	*p = (struct mr_pacer){
		.req = req,
		.total = total,
		.part_max = part_max ? part_max : 1,
		.started = mr_monotonic_ms(),
	};
	mr_progress_step(req->progress, 0, total);
}

static size_t part_size(const struct mr_pacer *p) {
	size_t n = p->part_max;
	if (p->req->rate > 0) {
		double slice = floor(p->req->rate * PART_MS / 1000.0);
		n = slice < 1 ? 1 : slice < (double)n ? (size_t)slice : n;
	}
	size_t left = p->total - p->done;
	return n < left ? n : left;
}

size_t mr_pacer_next(struct mr_pacer *p) {
	if (p->done >= p->total || p->stopped) {
		return 0;
	}
	/* The part may start once the ids before it had their time. */
	double due = p->req->rate > 0 ? p->started + (double)p->done * 1000.0 / p->req->rate : 0;
	for (;;) {
		if (mr_stop_requested(p->req->stop)) {
			p->stopped = true;
			return 0;
		}
		double wait = due - mr_monotonic_ms();
		if (wait <= 0) {
			break;
		}
		double ms = wait < STOP_CHECK_MS ? wait : STOP_CHECK_MS;
		struct timespec pause = { 0, (long)(ms * 1e6) };
		nanosleep(&pause, NULL);
	}
	size_t n = part_size(p);
	p->done += n;
	return n;
}

void mr_pacer_ran(struct mr_pacer *p, size_t n) {
	(void)n;
	mr_progress_step(p->req->progress, p->done, p->total);
}

bool mr_rate_parse(const char *text, double *rate, char **cause) {
	const char *slash = strchr(text, '/');
	char *shown = mr_text_visible_dup(text);
	bool ok = false;
	if (slash == NULL || slash == text) {
		mr_fail(cause,
			"\"%s\" is not a rate: give ids a second as N/s (50/s) or a minute as N/m",
			shown);
	} else {
		char *end;
		errno = 0;
		double n = strtod(text, &end);
		const char *unit = slash + 1;
		bool per_second = strcmp(unit, "s") == 0 || strcmp(unit, "sec") == 0;
		bool per_minute = strcmp(unit, "m") == 0 || strcmp(unit, "min") == 0;
		if (end != slash || errno != 0 || !isfinite(n) || text[0] == '-' ||
			text[0] == '+' || text[0] == ' ') {
			mr_fail(cause, "\"%s\" is not a rate: the number before / is not one",
				shown);
		} else if (!per_second && !per_minute) {
			mr_fail(cause, "\"%s\" is not a rate: the unit after / is s or m", shown);
		} else if (n <= 0) {
			mr_fail(cause, "\"%s\" is not a rate: it must be more than 0", shown);
		} else if (n > 1e6) {
			mr_fail(cause, "\"%s\" is not a rate: at most 1000000/s", shown);
		} else {
			*rate = per_minute ? n / 60.0 : n;
			ok = true;
		}
	}
	free(shown);
	return ok;
}
