#ifndef MR_PACE_H
#define MR_PACE_H

/*
 * A long action in parts: how many ids the next part takes, when it may
 * start (--rate N/s spreads the ids over time, so that a live server is not
 * handed ten thousand deliveries at once), whether the operator stopped it,
 * and how far it has come (the progress line). A backend that runs ids in
 * batches asks before each batch; mr_source_act does it for the others.
 */

#include <stdbool.h>
#include <stddef.h>

#include "action.h"

struct mr_pacer {
	const struct mr_action_request *req;
	size_t total;    /* ids in all */
	size_t done;     /* ids handed out so far */
	size_t part_max; /* the most a part takes without a rate */
	double started;  /* monotonic ms */
	bool stopped;    /* the operator stopped it: the rest are not attempted */
};

/* Parts of at most part_max ids (fewer with a rate: about a quarter of a
 * second's worth, so that the pace is even). */
void mr_pacer_init(
	struct mr_pacer *p, const struct mr_action_request *req, size_t total, size_t part_max);
/* How many ids the next part takes, after waiting until the rate allows
 * it; 0 when every id was handed out or the operator stopped (p->stopped).
 * The wait is cut short by a stop, checked every 50 ms. */
size_t mr_pacer_next(struct mr_pacer *p);
/* The part of n ids just handed out has run: progress is told. */
void mr_pacer_ran(struct mr_pacer *p, size_t n);

/* "50/s", "120/m" (a minute), "0.5/s": ids a second, > 0. False with a
 * message naming the problem. */
bool mr_rate_parse(const char *text, double *rate, char **cause);

#endif
