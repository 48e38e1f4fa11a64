#include "decodecache.h"

#include <stdlib.h>

#include "ptrmap.h"
#include "strpool.h"
#include "xalloc.h"

struct mr_decode_cache {
	struct mr_strpool *texts;
	struct mr_ptrmap index; /* a text of the pool -> its diagnosis */
	struct mr_diagnosis *diagnoses;
	size_t n, max_texts, bytes, max_bytes;
};

struct mr_decode_cache *mr_decode_cache_create(size_t max_texts, size_t max_bytes) {
	struct mr_decode_cache *c = mr_xcalloc(1, sizeof(*c));
	c->texts = mr_strpool_create();
	mr_ptrmap_init(&c->index);
	c->max_texts = max_texts > 0 ? max_texts : 1;
	c->max_bytes = max_bytes;
	c->diagnoses = mr_xcalloc(c->max_texts, sizeof(*c->diagnoses));
	return c;
}

void mr_decode_cache_destroy(struct mr_decode_cache *c) {
	if (c == NULL) {
		return;
	}
	mr_strpool_destroy(c->texts);
	mr_ptrmap_finish(&c->index);
	free(c->diagnoses);
	free(c);
}

const struct mr_diagnosis *mr_decode_cache_find(
	const struct mr_decode_cache *c, const char *s, size_t len) {
	const char *known = mr_strpool_find(c->texts, s, len);
	uint32_t i = known != NULL ? mr_ptrmap_get(&c->index, known) : UINT32_MAX;
	return i == UINT32_MAX ? NULL : &c->diagnoses[i];
}

void mr_decode_cache_add(
	struct mr_decode_cache *c, const char *s, size_t len, const struct mr_diagnosis *d) {
	if (c->n == c->max_texts || c->bytes + len > c->max_bytes) {
		mr_strpool_clear(c->texts);
		mr_ptrmap_finish(&c->index);
		mr_ptrmap_init(&c->index);
		c->n = 0;
		c->bytes = 0;
	}
	const char *text = mr_strpool_intern(c->texts, s, len);
	if (mr_ptrmap_get(&c->index, text) != UINT32_MAX) {
		return;
	}
	c->diagnoses[c->n] = *d;
	mr_ptrmap_put(&c->index, text, (uint32_t)c->n);
	c->n++;
	c->bytes += len;
}
