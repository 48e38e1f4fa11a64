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

uint64_t mr_hash_bytes(const void *data, size_t len);

struct mr_strpool *mr_strpool_create(void);
void mr_strpool_destroy(struct mr_strpool *pool);
/* Forgets every string, keeping the first block for reuse. */
void mr_strpool_clear(struct mr_strpool *pool);

/* The pool's copy of s[0..len), shared with every equal string interned. */
const char *mr_strpool_intern(struct mr_strpool *pool, const char *s, size_t len);

/*
 * Interning in batches. A big pool's table is far larger than the caches,
 * so each lookup waits for memory; a reader that has many strings at hand
 * hashes them all, warms the slots they will probe (and then the strings
 * those slots hold), and only then interns them, so the waits overlap.
 * Warming is a hint: correctness never depends on it.
 */
static inline uint32_t mr_strpool_hash(const char *s, size_t len) {
	return (uint32_t)mr_hash_bytes(s, len);
}
void mr_strpool_warm_slot(const struct mr_strpool *pool, uint32_t hash);
void mr_strpool_warm_match(const struct mr_strpool *pool, uint32_t hash);
/* mr_strpool_intern() with hash = mr_strpool_hash(s, len). */
const char *mr_strpool_intern_hashed(
	struct mr_strpool *pool, const char *s, size_t len, uint32_t hash);
/* The pool's copy of s[0..len) if it has one, else NULL (nothing added). */
const char *mr_strpool_find(const struct mr_strpool *pool, const char *s, size_t len);
/* A copy without the lookup, for strings that are unique anyway (queue ids). */
const char *mr_strpool_copy(struct mr_strpool *pool, const char *s, size_t len);

/* size bytes, aligned for pointers and 64-bit integers, that live as long
 * as the pool. */
void *mr_strpool_alloc(struct mr_strpool *pool, size_t size);

size_t mr_strpool_distinct(const struct mr_strpool *pool);
/* Bytes held by the pool, for the benchmarks' memory figures. */
size_t mr_strpool_bytes(const struct mr_strpool *pool);

#endif
