#ifndef MR_DECODECACHE_H
#define MR_DECODECACHE_H

/*
 * Diagnoses kept from one batch of a streamed listing (stream.h) to the
 * next: a batch is decoded on its own, and the replies a queue repeats
 * ("Connection timed out", a provider's greylisting) would be decoded again
 * in every batch. Bounded: when it holds max_texts texts or max_bytes of
 * them it starts again empty, so memory stays flat while the texts that
 * keep coming back are soon kept again.
 */

#include <stdbool.h>
#include <stddef.h>

#include "decode.h"

struct mr_decode_cache;

struct mr_decode_cache *mr_decode_cache_create(size_t max_texts, size_t max_bytes);
void mr_decode_cache_destroy(struct mr_decode_cache *c);
/* The diagnosis of s[0..len) when it was added, else NULL. */
const struct mr_diagnosis *mr_decode_cache_find(
	const struct mr_decode_cache *c, const char *s, size_t len);
void mr_decode_cache_add(
	struct mr_decode_cache *c, const char *s, size_t len, const struct mr_diagnosis *d);

#endif
