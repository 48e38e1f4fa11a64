#ifndef MR_STRPOOL_H
#define MR_STRPOOL_H

/*
 * A string pool. Real queues repeat the same sender, domain and reason text
 * thousands of times; interning stores each once, and the returned pointers
 * stay valid (and can be compared for equality) until the pool is destroyed.
 */

#include <stddef.h>
#include <stdint.h>

struct mr_strpool;

struct mr_strpool *mr_strpool_create(void);
void mr_strpool_destroy(struct mr_strpool *pool);
/* Forgets every string, keeping the first block for reuse. */
void mr_strpool_clear(struct mr_strpool *pool);

/* The pool's copy of s[0..len), shared with every equal string interned. */
const char *mr_strpool_intern(struct mr_strpool *pool, const char *s, size_t len);
/* A copy without the lookup, for strings that are unique anyway (queue ids). */
const char *mr_strpool_copy(struct mr_strpool *pool, const char *s, size_t len);

size_t mr_strpool_distinct(const struct mr_strpool *pool);
/* Bytes held by the pool, for the benchmarks' memory figures. */
size_t mr_strpool_bytes(const struct mr_strpool *pool);

uint64_t mr_hash_bytes(const void *data, size_t len);

#endif
