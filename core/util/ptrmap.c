#include "ptrmap.h"

#include "bigmem.h"

void mr_ptrmap_init(struct mr_ptrmap *map) {
	map->mask = 255;
	map->count = 0;
	map->slots = mr_big_alloc((map->mask + 1) * sizeof(*map->slots));
}

void mr_ptrmap_finish(struct mr_ptrmap *map) {
	mr_big_free(map->slots, (map->mask + 1) * sizeof(*map->slots));
	map->slots = NULL;
}

static size_t slot_of(const struct mr_ptrmap *map, const void *key) {
	size_t h = (size_t)(((uintptr_t)key >> 3) * 0x9e3779b97f4a7c15u) & map->mask;
	while (map->slots[h].key != NULL && map->slots[h].key != key) {
		h = (h + 1) & map->mask;
	}
	return h;
}

uint32_t mr_ptrmap_get(const struct mr_ptrmap *map, const void *key) {
	const struct mr_ptrmap_slot *s = &map->slots[slot_of(map, key)];
	return s->key != NULL ? s->value : UINT32_MAX;
}

void mr_ptrmap_put(struct mr_ptrmap *map, const void *key, uint32_t value) {
	size_t h = slot_of(map, key);
	if (map->slots[h].key == NULL) {
		map->count++;
	}
	map->slots[h] = (struct mr_ptrmap_slot){ key, value };
	if (map->count * 2 > map->mask) {
		/* Grow: reinsert what is there into twice the slots. */
		struct mr_ptrmap_slot *old = map->slots;
		size_t old_size = map->mask + 1;
		map->mask = old_size * 2 - 1;
		map->slots = mr_big_alloc((map->mask + 1) * sizeof(*map->slots));
		for (size_t i = 0; i < old_size; i++) {
			if (old[i].key != NULL) {
				map->slots[slot_of(map, old[i].key)] = old[i];
			}
		}
		mr_big_free(old, old_size * sizeof(*old));
	}
}
