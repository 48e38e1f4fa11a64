#ifndef MR_TEXTPOOL_H
#define MR_TEXTPOOL_H

/*
 * Interned long texts (reason texts) stored as differences. A queue's
 * distinct reasons are mostly one reply with a different token in it: Gmail
 * ends each reply with its own transaction id, others name the recipient or
 * the client's IP. A text that shares enough of its start and end with an
 * earlier one stored whole is stored as that earlier text (its base) plus
 * the part in between; on a million-message queue this keeps a fraction of
 * the bytes (docs/architecture.md, "Memory").
 *
 * As with the string pool, equal texts are the same pointer, so a text's
 * identity can key a map; the text itself is read with mr_text_str().
 */

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "strpool.h"

struct mr_text {
	const struct mr_text *base; /* NULL: the whole text is in middle */
	uint32_t len;               /* of the whole text */
	uint32_t prefix;            /* bytes from the start of base */
	uint32_t suffix;            /* bytes from the end of base */
	uint32_t index;             /* 0, 1, ... in the order first interned */
	char middle[];              /* the rest, NUL-terminated */
};

struct mr_textpool;

/* Records are stored in storage and live as long as it does. */
struct mr_textpool *mr_textpool_create(struct mr_strpool *storage);
void mr_textpool_destroy(struct mr_textpool *pool);
/* Forgets every text (call it when storage is cleared). */
void mr_textpool_clear(struct mr_textpool *pool);

/* The pool's record of s[0..len), shared with every equal text interned. */
const struct mr_text *mr_textpool_intern(struct mr_textpool *pool, const char *s, size_t len);
/* Interning in batches, as with the string pool (strpool.h); the hash is
 * mr_strpool_hash(s, len). */
void mr_textpool_warm_slot(const struct mr_textpool *pool, uint32_t hash);
void mr_textpool_warm_match(const struct mr_textpool *pool, uint32_t hash);
const struct mr_text *mr_textpool_intern_hashed(
	struct mr_textpool *pool, const char *s, size_t len, uint32_t hash);
/* The number of distinct texts; their indexes are 0 .. distinct - 1. */
size_t mr_textpool_distinct(const struct mr_textpool *pool);
/* Every text by its index: texts[0 .. distinct), valid until the next text
 * is interned or the pool is cleared. */
const struct mr_text *const *mr_textpool_texts(const struct mr_textpool *pool);
/* The indexes of the texts stored whole, rising; *n is set to how many.
 * Every other text's base is one of them. */
const uint32_t *mr_textpool_wholes(const struct mr_textpool *pool, size_t *n);
/* Bytes of the table and of the records, for the benchmarks. */
size_t mr_textpool_bytes(const struct mr_textpool *pool);

/* The text, NUL-terminated: the record's own bytes when it is stored whole,
 * else assembled in scratch (valid until scratch changes). */
const char *mr_text_str(const struct mr_text *t, struct mr_buf *scratch);
/* The whole text copied into a new string (free it). */
char *mr_text_dup(const struct mr_text *t);

#endif
