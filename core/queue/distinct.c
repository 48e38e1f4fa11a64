#include "distinct.h"

#include <stdlib.h>
#include <string.h>

#include "parallel.h"
#include "strpool.h"
#include "xalloc.h"

/* An open-addressing table of values, numbered in the order first seen. */
struct table {
	struct slot {
		uint32_t hash, id; /* id + 1; 0: empty */
	} * slots;
	size_t mask;
	const char **values;
	uint32_t *lens;
	size_t n, cap;
};

static void table_init(struct table *t) {
	*t = (struct table){ .mask = 255 };
	t->slots = mr_xcalloc(t->mask + 1, sizeof(*t->slots));
}

static void table_finish(struct table *t) {
	free(t->slots);
	free(t->values);
	free(t->lens);
}

static void table_grow(struct table *t) {
	size_t mask = t->mask * 2 + 1;
	struct slot *slots = mr_xcalloc(mask + 1, sizeof(*slots));
	for (size_t i = 0; i <= t->mask; i++) {
		if (t->slots[i].id == 0) {
			continue;
		}
		size_t j = t->slots[i].hash & mask;
		while (slots[j].id != 0) {
			j = (j + 1) & mask;
		}
		slots[j] = t->slots[i];
	}
	free(t->slots);
	t->slots = slots;
	t->mask = mask;
}

static uint32_t table_add(struct table *t, const char *s, size_t len, uint32_t hash) {
	size_t j = hash & t->mask;
	for (; t->slots[j].id != 0; j = (j + 1) & t->mask) {
		uint32_t id = t->slots[j].id - 1;
		if (t->slots[j].hash == hash && t->lens[id] == len &&
			(t->values[id] == s || memcmp(t->values[id], s, len) == 0)) {
			return id;
		}
	}
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->values = mr_xreallocarray(t->values, t->cap, sizeof(*t->values));
		t->lens = mr_xreallocarray(t->lens, t->cap, sizeof(*t->lens));
	}
	uint32_t id = (uint32_t)t->n++;
	t->values[id] = s;
	t->lens[id] = (uint32_t)len;
	t->slots[j] = (struct slot){ hash, id + 1 };
	if (t->n * 2 > t->mask) {
		table_grow(t);
	}
	return id;
}

struct build {
	struct mr_distinct *d;
	mr_distinct_key key;
	const void *ctx;
	struct table local[MR_PARALLEL_MAX];
	uint32_t *to_global[MR_PARALLEL_MAX];
};

/* Each thread numbers the values of its range in a table of its own. */
static void number_range(void *ctx, size_t thread, size_t from, size_t to) {
	struct build *b = ctx;
	struct table *t = &b->local[thread];
	table_init(t);
	for (size_t i = from; i < to; i++) {
		size_t len;
		const char *s = b->key(b->ctx, i, &len);
		b->d->ids[i] = table_add(t, s, len, mr_strpool_hash(s, len));
	}
}

static void renumber_range(void *ctx, size_t thread, size_t from, size_t to) {
	struct build *b = ctx;
	/* The same split as number_range's: the same n and minimum. */
	const uint32_t *map = b->to_global[thread];
	for (size_t i = from; i < to; i++) {
		b->d->ids[i] = map[b->d->ids[i]];
	}
}

enum { MIN_PER_THREAD = 65536 };

void mr_distinct_build(
	struct mr_distinct *d, size_t n_items, mr_distinct_key key, const void *ctx) {
	*d = (struct mr_distinct){ .n_items = n_items };
	d->ids = mr_xreallocarray(NULL, n_items ? n_items : 1, sizeof(*d->ids));
	struct build b = { .d = d, .key = key, .ctx = ctx };
	size_t threads = mr_parallel_for(n_items, MIN_PER_THREAD, number_range, &b);

	struct table global;
	table_init(&global);
	for (size_t t = 0; t < threads; t++) {
		const struct table *local = &b.local[t];
		b.to_global[t] = mr_xreallocarray(NULL, local->n ? local->n : 1, sizeof(uint32_t));
		for (size_t id = 0; id < local->n; id++) {
			const char *s = local->values[id];
			b.to_global[t][id] = table_add(
				&global, s, local->lens[id], mr_strpool_hash(s, local->lens[id]));
		}
		table_finish(&b.local[t]);
	}
	if (threads > 1) {
		mr_parallel_for(n_items, MIN_PER_THREAD, renumber_range, &b);
	}
	for (size_t t = 0; t < threads; t++) {
		free(b.to_global[t]);
	}
	d->values = global.values;
	d->lens = global.lens;
	d->n = global.n;
	free(global.slots);
}

void mr_distinct_finish(struct mr_distinct *d) {
	free(d->ids);
	free(d->values);
	free(d->lens);
	*d = (struct mr_distinct){ 0 };
}
