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
	/* Open addressing, linear probing; a zero hash marks an empty slot. */
	const char **slots;
	uint32_t *slot_hash;
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
	pool->slot_hash = mr_big_alloc(slots * sizeof(*pool->slot_hash));
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
	mr_big_free(pool->slot_hash, slots * sizeof(*pool->slot_hash));
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

static char *store(struct mr_strpool *pool, const char *s, size_t len) {
	struct block *b = pool->blocks;
	if (len + 1 > b->size - b->used) {
		/* An oversized string gets a block of its own behind the current one,
		 * so the current block's free space is not wasted. */
		if (len + 1 > BLOCK_SIZE / 4) {
			struct block *big = block_create(len + 1);
			big->next = b->next;
			b->next = big;
			pool->block_bytes += len + 1;
			b = big;
		} else {
			size_t size = pool->block_bytes < BIG_POOL ? BLOCK_SIZE : BIG_BLOCK_SIZE;
			b = block_create(size);
			b->next = pool->blocks;
			pool->blocks = b;
			pool->block_bytes += size;
		}
	}
	char *p = b->data + b->used;
	memcpy(p, s, len);
	p[len] = '\0';
	b->used += len + 1;
	return p;
}

const char *mr_strpool_copy(struct mr_strpool *pool, const char *s, size_t len) {
	return store(pool, s, len);
}

static void grow_table(struct mr_strpool *pool) {
	struct mr_strpool old = *pool;
	const char **old_slots = pool->slots;
	uint32_t *old_hash = pool->slot_hash;
	size_t old_count = pool->slot_mask + 1;
	size_t distinct = pool->distinct;
	table_init(pool, old_count * 2);
	pool->distinct = distinct;
	for (size_t i = 0; i < old_count; i++) {
		if (old_hash[i] == 0) {
			continue;
		}
		size_t j = old_hash[i] & pool->slot_mask;
		while (pool->slot_hash[j] != 0) {
			j = (j + 1) & pool->slot_mask;
		}
		pool->slots[j] = old_slots[i];
		pool->slot_hash[j] = old_hash[i];
	}
	table_free(&old);
}

const char *mr_strpool_intern(struct mr_strpool *pool, const char *s, size_t len) {
	/* Probing reads only the dense hash array (a zero hash marks an empty
	 * slot); the string itself is looked at when the hashes agree. */
	uint32_t hash = (uint32_t)mr_hash_bytes(s, len) | 1;
	size_t i = hash & pool->slot_mask;
	while (pool->slot_hash[i] != 0) {
		if (pool->slot_hash[i] == hash) {
			const char *candidate = pool->slots[i];
			if (memcmp(candidate, s, len) == 0 && candidate[len] == '\0') {
				return candidate;
			}
		}
		i = (i + 1) & pool->slot_mask;
	}
	const char *copy = store(pool, s, len);
	pool->slots[i] = copy;
	pool->slot_hash[i] = hash;
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
	return pool->block_bytes + slots * (sizeof(*pool->slots) + sizeof(*pool->slot_hash));
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
