#ifndef MR_MATCHER_H
#define MR_MATCHER_H

/*
 * Finds many literal patterns in a text in one pass (Aho-Corasick, compiled
 * to a DFA over the few byte classes the patterns use). The knowledge base
 * has hundreds of phrases and a queue has millions of reason lines: one
 * strstr per phrase per line would be the decoder's whole cost.
 *
 * Matching is ASCII case-insensitive: patterns and text are compared in
 * lower case.
 */

#include <stddef.h>
#include <stdint.h>

struct mr_matcher;

struct mr_match {
	uint32_t id;  /* as given to mr_matcher_add() */
	uint32_t end; /* offset just past the match in the text */
};

struct mr_matcher *mr_matcher_create(void);
void mr_matcher_destroy(struct mr_matcher *m);

/* Adds a pattern (len > 0) before mr_matcher_build(); ids need not be unique. */
void mr_matcher_add(struct mr_matcher *m, const char *pattern, size_t len, uint32_t id);
void mr_matcher_build(struct mr_matcher *m);

/*
 * Stores matches in matches[0..max) and returns how many it stored. They
 * come, for each pattern, in text order; at one end offset, in the order the
 * patterns were added. A text with more matches than max (or than 128 in
 * its second half) loses some: callers size max for real texts.
 */
size_t mr_matcher_scan(const struct mr_matcher *m, const char *text, size_t len,
	struct mr_match *matches, size_t max);

#endif
