#ifndef MR_DISTINCT_H
#define MR_DISTINCT_H

/*
 * The distinct values of one string column (the recipients' domains, the
 * messages' senders): each item gets the index of its value, and each value
 * is listed once. A filter then decides a term once per value instead of
 * reading millions of strings scattered over the pool, and a summary groups
 * by index. Built on every core: each thread numbers the values of its own
 * range, and the per-thread numbers are merged after.
 */

#include <stddef.h>
#include <stdint.h>

struct mr_distinct {
	uint32_t *ids;       /* one per item: an index into values; not NULL once built */
	const char **values; /* each value once; they point into the items' strings */
	uint32_t *lens;      /* the values' lengths */
	size_t n_items, n;
};

/* The value of item i (len bytes at the returned pointer, which must stay
 * valid as long as the index is used). Called from several threads. */
typedef const char *(*mr_distinct_key)(const void *ctx, size_t item, size_t *len);

void mr_distinct_build(struct mr_distinct *d, size_t n_items, mr_distinct_key key, const void *ctx);
void mr_distinct_finish(struct mr_distinct *d);

#endif
