#ifndef MR_ROWS_H
#define MR_ROWS_H

/*
 * The rows of the queue list: which messages a filter lets through, in what
 * order, and which are tagged. Kept apart from the screen so that the same
 * code is tested and measured on a million messages (tests/bench).
 *
 * Sorting is by a 64-bit key per message and a stable radix sort: numbers
 * are their own keys, texts their rank among the column's distinct texts
 * (ignoring case), worked out once per snapshot.
 * Ties keep the order of the rows before, so sorting by one column and then
 * another orders by both; a new snapshot or filter starts from the order of
 * the ids (sorted once per snapshot), so equal keys are in order of id.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "filter.h"
#include "snapshot.h"

enum mr_sort {
	MR_SORT_AGE, /* oldest first */
	MR_SORT_ID,
	MR_SORT_QUEUE,
	MR_SORT_SIZE,
	MR_SORT_SENDER,
	MR_SORT_RECIPIENT, /* the first recipient */
	MR_SORT_CAUSE,     /* the main failure's category */
	MR_SORT_ATTEMPTS,
	MR_SORT_LAST_ATTEMPT, /* longest untried first; never tried last */
	MR_SORT_NEXT_RETRY,
	MR_SORT_PRIORITY, /* highest first (it goes first); messages without one last */
	MR_SORT_SOURCE,   /* with several sources: in the order they were named */
	MR_SORT_COUNT
};

const char *mr_sort_name(enum mr_sort sort); /* "age", "sender", ... */
bool mr_sort_parse(const char *name, enum mr_sort *sort);

struct mr_rows {
	const struct mr_snapshot *snap;
	uint32_t *rows; /* message indexes, in display order */
	size_t n_rows;
	enum mr_sort sort;
	bool reverse;
	uint32_t *by_id; /* every message, in order of id: where sorts start */
	/* Per message, its rank in the id, sender and recipient columns. */
	uint32_t *text_rank[3];
	uint8_t *match;  /* per message: the filter lets it through */
	uint8_t *tagged; /* per message */
	size_t n_tagged;
	/* Buffers for filtering and sorting, kept for the snapshot: a fresh
	 * mapping each time costs its page faults every time (tens of ms for a
	 * million rows on a virtual machine). */
	struct mr_rows_scratch {
		uint64_t *keys, *keys2, *by_msg;
		uint32_t *rows2;
		size_t cap; /* messages each one holds */
	} scratch;
};

void mr_rows_init(struct mr_rows *r);
void mr_rows_finish(struct mr_rows *r);

/*
 * Takes a new snapshot: the filter is run on it (NULL: every message) and
 * the rows sorted. Tags move with their messages' ids; returns how many
 * tagged messages left the queue (their tags are dropped).
 */
size_t mr_rows_set_snapshot(
	struct mr_rows *r, const struct mr_snapshot *snap, struct mr_filter *filter, int64_t now);
/*
 * mr_rows_set_snapshot in two steps, so that the long one can run on the
 * thread that listed the snapshot rather than hold up the screen's keys:
 * mr_rows_rank reads only the snapshot (a million messages: some hundreds
 * of ms); mr_rows_set_ranked takes the ranks (and sets *ranks empty), then
 * filters and sorts. mr_rows_ranks_free for ranks never taken.
 */
struct mr_rows_ranks {
	uint32_t *text_rank[3];
	uint32_t *by_id;
};
void mr_rows_rank(const struct mr_snapshot *snap, struct mr_rows_ranks *out);
size_t mr_rows_set_ranked(struct mr_rows *r, const struct mr_snapshot *snap,
	struct mr_rows_ranks *ranks, struct mr_filter *filter, int64_t now);
void mr_rows_ranks_free(struct mr_rows_ranks *ranks);
/* A new filter on the same snapshot (NULL: every message). */
void mr_rows_set_filter(struct mr_rows *r, struct mr_filter *filter, int64_t now);
/* The same, run with opts (a should_stop for Esc; NULL: none), saying how
 * the run ended (mr_filter_run_with): when it failed or was cancelled there
 * are no rows, and mr_filter_last_status() says why; setting the previous
 * filter again brings its rows back. Tags stay either way. */
enum mr_filter_status mr_rows_set_filter_with(struct mr_rows *r, struct mr_filter *filter,
	int64_t now, const struct mr_filter_run_opts *opts);
/* A new order; the rows that pass stay the same. */
void mr_rows_sort(struct mr_rows *r, enum mr_sort sort, bool reverse);

/* The row showing message index, or n_rows when it is not shown. */
size_t mr_rows_find(const struct mr_rows *r, uint32_t message);

void mr_rows_tag(struct mr_rows *r, uint32_t message, bool on);
/* Every shown row tagged; every shown row's tag flipped; no tag at all. */
void mr_rows_tag_shown(struct mr_rows *r);
void mr_rows_invert_shown(struct mr_rows *r);
void mr_rows_untag_all(struct mr_rows *r);

/* The ids of the tagged messages (pointers into the snapshot), in row order
 * of the shown ones first, then the hidden ones; *n set. Free the array. */
const char **mr_rows_tagged_ids(const struct mr_rows *r, size_t *n);

#endif
