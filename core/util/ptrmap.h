#ifndef MR_PTRMAP_H
#define MR_PTRMAP_H

/*
 * A map from pointers to small numbers, for interned strings: equal strings
 * of one pool are one pointer, so the pointer is the key (no hashing or
 * comparing of text).
 */

#include <stddef.h>
#include <stdint.h>

struct mr_ptrmap {
	struct mr_ptrmap_slot {
		const void *key;
		uint32_t value;
	} * slots;
	size_t mask;
	size_t count;
};

void mr_ptrmap_init(struct mr_ptrmap *map);
void mr_ptrmap_finish(struct mr_ptrmap *map);
/* The value of key, or UINT32_MAX when it is not in the map. */
uint32_t mr_ptrmap_get(const struct mr_ptrmap *map, const void *key);
void mr_ptrmap_put(struct mr_ptrmap *map, const void *key, uint32_t value);

#endif
