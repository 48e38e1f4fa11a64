#ifndef MR_DECODING_H
#define MR_DECODING_H

/*
 * Decoding a snapshot's distinct reasons. When the listing is complete, the
 * ones left are decoded on every core (mr_decode_texts). While a big listing
 * is still being read, the reader is busy on one core and another is idle:
 * an early decoder takes each new text as it is interned and decodes it on
 * a thread of its own, so little is left when the listing ends.
 */

#include <stddef.h>

#include "decode.h"
#include "kb.h"
#include "textpool.h"

/* out[i] = the diagnosis of texts[i], for i < n, on every core. */
void mr_decode_texts(const struct mr_kb *kb, const struct mr_text *const *texts,
	struct mr_diagnosis *out, size_t n);

struct mr_early_decoder;

/* NULL when this machine has one core (or no thread could start). */
struct mr_early_decoder *mr_early_decoder_start(const struct mr_kb *kb);
/* The next text to decode: texts come in the order of their index, from 0. */
void mr_early_decoder_add(struct mr_early_decoder *d, const struct mr_text *t);
/* Waits for the thread and ends it. Returns the diagnoses of the texts
 * added, *n of them, in an array of *cap (bigmem.h: free it with
 * mr_big_free(p, *cap * sizeof(*p))). */
struct mr_diagnosis *mr_early_decoder_finish(struct mr_early_decoder *d, size_t *n, size_t *cap);

#endif
