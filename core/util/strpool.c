#include "strpool.h"

#include <stdlib.h>
#include <string.h>

#include "bigmem.h"
#include "xalloc.h"

/* Strings live in blocks that never move, so pointers stay valid. */
struct block {
	struct block *next;
	size_t used;
	size_t size;
	char data[];
};

/* What mr_strpool_alloc() aligns to: pointers and 64-bit integers. The
 * header above is three words, so block data starts so aligned too. */
#define POOL_ALIGN ((size_t)8)
_Static_assert(sizeof(struct block) % 8 == 0, "block data must stay aligned");

/* Small pools use small blocks; once a pool is big, its blocks are huge
 * pages (bigmem.h), a first touch per 2 MiB instead of per 4 KiB. */
enum {
	BLOCK_SIZE = 64 * 1024 - sizeof(struct block),
	BIG_BLOCK_SIZE = 2 * 1024 * 1024 - sizeof(struct block),
	BIG_POOL = 4 * 1024 * 1024,
};

struct mr_strpool {
	struct block *blocks;
	size_t block_bytes;
	/* Open addressing, linear probing; a NULL string marks an empty slot.
	 * The hash and length sit beside the pointer, so a probe reads one
	 * cache line and a string is compared only when both agree. */
	struct slot {
		const char *s;
		uint32_t hash;
		uint32_t len;
	} * slots;
	size_t slot_mask;
	size_t distinct;
};

static struct block *block_create(size_t size) {
	struct block *b = mr_big_alloc(sizeof(*b) + size);
	b->next = NULL;
	b->used = 0;
	b->size = size;
	return b;
}

static void table_init(struct mr_strpool *pool, size_t slots) {
	pool->slots = mr_big_alloc(slots * sizeof(*pool->slots));
	pool->slot_mask = slots - 1;
	pool->distinct = 0;
}

struct mr_strpool *mr_strpool_create(void) {
	struct mr_strpool *pool = mr_xcalloc(1, sizeof(*pool));
	pool->blocks = block_create(BLOCK_SIZE);
	pool->block_bytes = BLOCK_SIZE;
	table_init(pool, 1024);
	return pool;
}

static void free_blocks(struct block *b) {
	while (b != NULL) {
		struct block *next = b->next;
		mr_big_free(b, sizeof(*b) + b->size);
		b = next;
	}
}

static void table_free(struct mr_strpool *pool) {
	size_t slots = pool->slot_mask + 1;
	mr_big_free(pool->slots, slots * sizeof(*pool->slots));
}

void mr_strpool_destroy(struct mr_strpool *pool) {
	if (pool == NULL) {
		return;
	}
	free_blocks(pool->blocks);
	table_free(pool);
	free(pool);
}

void mr_strpool_clear(struct mr_strpool *pool) {
	/* The newest block is first; keep the last (oldest, standard-sized) one. */
	struct block *keep = pool->blocks;
	struct block *prev = NULL;
	while (keep->next != NULL) {
		prev = keep;
		keep = keep->next;
	}
	if (prev != NULL) {
		prev->next = NULL;
		free_blocks(pool->blocks);
	}
	keep->used = 0;
	pool->blocks = keep;
	pool->block_bytes = keep->size;
	table_free(pool);
	table_init(pool, 1024);
}

/* size bytes from the pool's blocks, at a multiple of align (a power of 2). */
static char *reserve(struct mr_strpool *pool, size_t size, size_t align) {
	struct block *b = pool->blocks;
	size_t at = (b->used + align - 1) & ~(align - 1);
	if (at > b->size || size > b->size - at) {
		/* An oversized string gets a block of its own behind the current one,
		 * so the current block's free space is not wasted. */
		if (size > BLOCK_SIZE / 4) {
			struct block *big = block_create(size);
			big->next = b->next;
			b->next = big;
			pool->block_bytes += size;
			b = big;
		} else {
			size_t bytes = pool->block_bytes < BIG_POOL ? BLOCK_SIZE : BIG_BLOCK_SIZE;
			b = block_create(bytes);
			b->next = pool->blocks;
			pool->blocks = b;
			pool->block_bytes += bytes;
		}
		at = 0; /* a block's data starts POOL_ALIGN-aligned */
	}
	b->used = at + size;
	return b->data + at;
}

static char *store(struct mr_strpool *pool, const char *s, size_t len) {
	char *p = reserve(pool, len + 1, 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

void *mr_strpool_alloc(struct mr_strpool *pool, size_t size) {
	return reserve(pool, size, POOL_ALIGN);
}

const char *mr_strpool_copy(struct mr_strpool *pool, const char *s, size_t len) {
	return store(pool, s, len);
}

static void grow_table(struct mr_strpool *pool) {
	struct mr_strpool old = *pool;
	size_t distinct = pool->distinct;
	table_init(pool, (old.slot_mask + 1) * 2);
	pool->distinct = distinct;
	for (size_t i = 0; i <= old.slot_mask; i++) {
		if (old.slots[i].s == NULL) {
			continue;
		}
		size_t j = old.slots[i].hash & pool->slot_mask;
		while (pool->slots[j].s != NULL) {
			j = (j + 1) & pool->slot_mask;
		}
		pool->slots[j] = old.slots[i];
	}
	table_free(&old);
}

void mr_strpool_warm_slot(const struct mr_strpool *pool, uint32_t hash) {
	__builtin_prefetch(&pool->slots[hash & pool->slot_mask]);
}

void mr_strpool_warm_match(const struct mr_strpool *pool, uint32_t hash) {
	const struct slot *slot = &pool->slots[hash & pool->slot_mask];
	if (slot->s != NULL && slot->hash == hash) {
		__builtin_prefetch(slot->s);
	}
}

/* The slot holding s[0..len), or the empty slot where it would go. */
static size_t probe(const struct mr_strpool *pool, const char *s, size_t len, uint32_t hash) {
	size_t i = hash & pool->slot_mask;
	for (; pool->slots[i].s != NULL; i = (i + 1) & pool->slot_mask) {
		const struct slot *slot = &pool->slots[i];
		if (slot->hash == hash && slot->len == len && memcmp(slot->s, s, len) == 0) {
			break;
		}
	}
	return i;
}

const char *mr_strpool_find(const struct mr_strpool *pool, const char *s, size_t len) {
	return pool->slots[probe(pool, s, len, mr_strpool_hash(s, len))].s;
}

const char *mr_strpool_intern(struct mr_strpool *pool, const char *s, size_t len) {
	return mr_strpool_intern_hashed(pool, s, len, mr_strpool_hash(s, len));
}

const char *mr_strpool_intern_hashed(
	struct mr_strpool *pool, const char *s, size_t len, uint32_t hash) {
	if (len > UINT32_MAX) {
		mr_fatal("a string of %zu bytes is too long to keep", len);
	}
	size_t i = probe(pool, s, len, hash);
	if (pool->slots[i].s != NULL) {
		return pool->slots[i].s;
	}
	const char *copy = store(pool, s, len);
	pool->slots[i] = (struct slot){ copy, hash, (uint32_t)len };
	pool->distinct++;
	/* Keep the load below 3/4 so probe chains stay short. */
	if (pool->distinct * 4 >= (pool->slot_mask + 1) * 3) {
		grow_table(pool);
	}
	return copy;
}

size_t mr_strpool_distinct(const struct mr_strpool *pool) {
	return pool->distinct;
}

size_t mr_strpool_bytes(const struct mr_strpool *pool) {
	size_t slots = pool->slot_mask + 1;
	return pool->block_bytes + slots * sizeof(*pool->slots);
}

static uint64_t load64(const unsigned char *p) {
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

/*
 * Eight bytes per step, then a murmur-style finaliser: fast on the long
 * reason texts that dominate real queues, and well mixed in the low bits
 * that index the table.
 */
uint64_t mr_hash_bytes(const void *data, size_t len) {
	const unsigned char *p = data;
	const uint64_t k = 0x9e3779b97f4a7c15u;
	uint64_t h = 0x243f6a8885a308d3u ^ (len * k);
	while (len >= 8) {
		h = (h ^ load64(p)) * k;
		h ^= h >> 29;
		p += 8;
		len -= 8;
	}
	uint64_t tail = 0;
	for (size_t i = 0; i < len; i++) {
		tail |= (uint64_t)p[i] << (8 * i);
	}
	h = (h ^ tail) * k;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdu;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53u;
	h ^= h >> 33;
	return h;
}
