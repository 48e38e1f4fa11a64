#ifndef MR_KBSEARCH_H
#define MR_KBSEARCH_H

/*
 * Searching the knowledge base, for `mailroom codes` and the screen's code
 * browser: what matches a query, entry by entry, section by section, in the
 * words both show.
 */

#include <stddef.h>

#include "kb.h"

enum mr_kb_section {
	MR_KB_CATEGORIES,
	MR_KB_BASIC,
	MR_KB_ENHANCED,
	MR_KB_PROVIDERS,
	MR_KB_RULES,
	MR_KB_REPLIES,
	MR_KB_WORDS,
	MR_KB_SECTIONS
};

struct mr_kb_entry {
	enum mr_kb_section section;
	const char *key;      /* "unknown-user", "550", "X.7.1"; NULL for rules */
	const char *lines[3]; /* what it says, a line each; NULL after the last */
};

/* "Cause categories", "Basic reply codes", ... */
const char *mr_kb_section_title(enum mr_kb_section section);
/* The width the keys of a section are padded to, for lining up. */
int mr_kb_section_key_width(enum mr_kb_section section);

/*
 * Calls emit for every entry that matches query (NULL: all), in the order of
 * the sections; the entry and its strings live only during the call.
 * Matching ignores case; "5.7.1" finds the registry's "X.7.1", "55x" the
 * basic codes 550 to 559. Returns how many matched.
 */
size_t mr_kb_search(const struct mr_kb *kb, const char *query,
	void (*emit)(void *ctx, const struct mr_kb_entry *entry), void *ctx);

#endif
