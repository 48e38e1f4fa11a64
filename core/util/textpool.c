#include "textpool.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "bigmem.h"
#include "xalloc.h"

/*
 * Finding a base: a direct-mapped cache of texts stored whole, keyed by a
 * text's start and its length in LEN_CLASS steps. A reply and its variants
 * agree on their start (host, code, the start of the reply) up to the first
 * address ("<user@domain>", which differs between recipients), and are about
 * as long; so the key is the text up to its first '<', at most KEY_BYTES.
 * Two unrelated texts sharing a slot only cost compression, never
 * correctness, since any base gives back the same text.
 */
enum {
	KEY_BYTES = 96,
	LEN_CLASS = 16,
	BASE_SLOTS = 1 << 16,
	/* Below this, a record with a base saves too little to be worth it. */
	MIN_SAVING = 32,
};

struct slot {
	const struct mr_text *text; /* NULL: empty */
	uint32_t hash;
};

struct mr_textpool {
	struct mr_strpool *storage;
	struct slot *slots; /* open addressing, linear probing */
	size_t mask;
	size_t distinct;
	size_t record_bytes;
	const struct mr_text **bases; /* BASE_SLOTS, direct-mapped */
	/* Every text by its index, so that a pass over all of them (the
	 * decoder's, the filter's) reads the records in the order they were
	 * stored instead of hopping through the table. */
	const struct mr_text **by_index;
	size_t cap_index;
	uint32_t *wholes; /* the indexes of the texts stored whole */
	size_t n_wholes, cap_wholes;
};

static void table_init(struct mr_textpool *pool, size_t slots) {
	pool->slots = mr_big_alloc(slots * sizeof(*pool->slots));
	pool->mask = slots - 1;
}

static void table_free(struct mr_textpool *pool) {
	mr_big_free(pool->slots, (pool->mask + 1) * sizeof(*pool->slots));
}

struct mr_textpool *mr_textpool_create(struct mr_strpool *storage) {
	struct mr_textpool *pool = mr_xcalloc(1, sizeof(*pool));
	pool->storage = storage;
	table_init(pool, 1024);
	pool->bases = mr_xcalloc(BASE_SLOTS, sizeof(*pool->bases));
	return pool;
}

void mr_textpool_destroy(struct mr_textpool *pool) {
	if (pool == NULL) {
		return;
	}
	table_free(pool);
	free(pool->bases);
	mr_big_free(pool->by_index, pool->cap_index * sizeof(*pool->by_index));
	free(pool->wholes);
	free(pool);
}

void mr_textpool_clear(struct mr_textpool *pool) {
	table_free(pool);
	table_init(pool, 1024);
	pool->distinct = 0;
	pool->n_wholes = 0;
	pool->record_bytes = 0;
	memset(pool->bases, 0, BASE_SLOTS * sizeof(*pool->bases));
}

static size_t middle_len(const struct mr_text *t) {
	return t->len - t->prefix - t->suffix;
}

static bool text_equals(const struct mr_text *t, const char *s, size_t len) {
	if (t->len != len) {
		return false;
	}
	if (t->base == NULL) {
		return memcmp(t->middle, s, len) == 0;
	}
	const char *base = t->base->middle;
	size_t mid = middle_len(t);
	return memcmp(base, s, t->prefix) == 0 && memcmp(t->middle, s + t->prefix, mid) == 0 &&
	       memcmp(base + t->base->len - t->suffix, s + t->prefix + mid, t->suffix) == 0;
}

static size_t base_slot(const char *s, size_t len) {
	size_t key = len < KEY_BYTES ? len : KEY_BYTES;
	const char *address = memchr(s, '<', key);
	if (address != NULL) {
		key = (size_t)(address - s);
	}
	uint64_t h = mr_hash_bytes(s, key) ^ (uint64_t)(len / LEN_CLASS) * 0x9e3779b97f4a7c15u;
	return (size_t)(h >> 32) & (BASE_SLOTS - 1);
}

static size_t common_prefix(const char *a, const char *b, size_t max) {
	size_t n = 0;
	while (n < max && a[n] == b[n]) {
		n++;
	}
	return n;
}

static size_t common_suffix(const char *a_end, const char *b_end, size_t max) {
	size_t n = 0;
	while (n < max && a_end[-1 - (ptrdiff_t)n] == b_end[-1 - (ptrdiff_t)n]) {
		n++;
	}
	return n;
}

static struct mr_text *new_record(struct mr_textpool *pool, size_t middle) {
	size_t bytes = offsetof(struct mr_text, middle) + middle + 1;
	pool->record_bytes += bytes;
	return mr_strpool_alloc(pool->storage, bytes);
}

/* A new record for s: relative to the cached base when that saves enough,
 * else whole (and then the base for texts like it). */
static const struct mr_text *store(struct mr_textpool *pool, const char *s, size_t len) {
	size_t slot = base_slot(s, len);
	const struct mr_text *base = pool->bases[slot];
	if (base != NULL) {
		size_t max = base->len < len ? base->len : len;
		size_t prefix = common_prefix(base->middle, s, max);
		size_t suffix = common_suffix(base->middle + base->len, s + len, max - prefix);
		if (prefix + suffix >= MIN_SAVING + offsetof(struct mr_text, middle)) {
			size_t middle = len - prefix - suffix;
			struct mr_text *t = new_record(pool, middle);
			*t = (struct mr_text){ base, (uint32_t)len, (uint32_t)prefix,
				(uint32_t)suffix, (uint32_t)pool->distinct };
			memcpy(t->middle, s + prefix, middle);
			t->middle[middle] = '\0';
			return t;
		}
	}
	struct mr_text *t = new_record(pool, len);
	*t = (struct mr_text){ NULL, (uint32_t)len, 0, 0, (uint32_t)pool->distinct };
	memcpy(t->middle, s, len);
	t->middle[len] = '\0';
	pool->bases[slot] = t;
	if (pool->n_wholes == pool->cap_wholes) {
		pool->cap_wholes = pool->cap_wholes ? pool->cap_wholes * 2 : 256;
		pool->wholes =
			mr_xreallocarray(pool->wholes, pool->cap_wholes, sizeof(*pool->wholes));
	}
	pool->wholes[pool->n_wholes++] = t->index;
	return t;
}

static void grow_table(struct mr_textpool *pool) {
	struct mr_textpool old = *pool;
	table_init(pool, (old.mask + 1) * 2);
	for (size_t i = 0; i <= old.mask; i++) {
		if (old.slots[i].text == NULL) {
			continue;
		}
		size_t j = old.slots[i].hash & pool->mask;
		while (pool->slots[j].text != NULL) {
			j = (j + 1) & pool->mask;
		}
		pool->slots[j] = old.slots[i];
	}
	table_free(&old);
}

void mr_textpool_warm_slot(const struct mr_textpool *pool, uint32_t hash) {
	__builtin_prefetch(&pool->slots[hash & pool->mask]);
}

void mr_textpool_warm_match(const struct mr_textpool *pool, uint32_t hash) {
	const struct slot *slot = &pool->slots[hash & pool->mask];
	if (slot->text != NULL && slot->hash == hash) {
		__builtin_prefetch(slot->text);
		if (slot->text->base != NULL) {
			__builtin_prefetch(slot->text->base);
		}
	}
}

const struct mr_text *mr_textpool_intern(struct mr_textpool *pool, const char *s, size_t len) {
	return mr_textpool_intern_hashed(pool, s, len, mr_strpool_hash(s, len));
}

const struct mr_text *mr_textpool_intern_hashed(
	struct mr_textpool *pool, const char *s, size_t len, uint32_t hash) {
	if (len > UINT32_MAX || pool->distinct == UINT32_MAX) {
		mr_fatal("too many or too long texts to keep (%zu bytes)", len);
	}
	size_t i = hash & pool->mask;
	for (; pool->slots[i].text != NULL; i = (i + 1) & pool->mask) {
		if (pool->slots[i].hash == hash && text_equals(pool->slots[i].text, s, len)) {
			return pool->slots[i].text;
		}
	}
	const struct mr_text *t = store(pool, s, len);
	pool->slots[i] = (struct slot){ t, hash };
	if (pool->distinct == pool->cap_index) {
		size_t cap = pool->cap_index ? pool->cap_index * 2 : 1024;
		pool->by_index = mr_big_grow(pool->by_index,
			pool->cap_index * sizeof(*pool->by_index), cap * sizeof(*pool->by_index));
		pool->cap_index = cap;
	}
	pool->by_index[pool->distinct] = t;
	/* Keep the load below 3/4 so probe chains stay short. */
	if (++pool->distinct * 4 >= (pool->mask + 1) * 3) {
		grow_table(pool);
	}
	return t;
}

size_t mr_textpool_distinct(const struct mr_textpool *pool) {
	return pool->distinct;
}

const struct mr_text *const *mr_textpool_texts(const struct mr_textpool *pool) {
	return pool->by_index;
}

const uint32_t *mr_textpool_wholes(const struct mr_textpool *pool, size_t *n) {
	*n = pool->n_wholes;
	return pool->wholes;
}

size_t mr_textpool_bytes(const struct mr_textpool *pool) {
	return (pool->mask + 1) * sizeof(*pool->slots) + pool->cap_index * sizeof(*pool->by_index) +
	       pool->cap_wholes * sizeof(*pool->wholes) + pool->record_bytes;
}

const char *mr_text_str(const struct mr_text *t, struct mr_buf *scratch) {
	if (t->base == NULL) {
		return t->middle;
	}
	const char *base = t->base->middle;
	mr_buf_clear(scratch);
	mr_buf_add(scratch, base, t->prefix);
	mr_buf_add(scratch, t->middle, middle_len(t));
	mr_buf_add(scratch, base + t->base->len - t->suffix, t->suffix);
	return scratch->data;
}

char *mr_text_dup(const struct mr_text *t) {
	struct mr_buf scratch;
	mr_buf_init(&scratch);
	const char *s = mr_text_str(t, &scratch);
	char *copy = mr_xstrndup(s, t->len);
	mr_buf_finish(&scratch);
	return copy;
}
