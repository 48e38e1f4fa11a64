#ifndef MR_KB_H
#define MR_KB_H

/*
 * The knowledge base the decoder works from, loaded from the TSV files in
 * share/decode/ (embedded at build time):
 *
 *   categories.tsv      cause categories: meaning, advice, Sisimai's name
 *   basic-codes.tsv     RFC 5321 reply codes and their meaning
 *   enhanced-codes.tsv  the IANA enhanced status code registry
 *   providers.tsv       replies particular to a provider (Gmail, Microsoft, ...)
 *   rules.tsv           general phrases, for replies whose codes do not decide
 *
 * Provider entries and rules are one ordered list (providers first): the
 * first whose phrase occurs in a reason and whose code pattern matches it
 * decides the category.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "code.h"
#include "tsv.h"

struct mr_matcher;

struct mr_category {
	const char *name; /* "unknown-user" */
	const char *sisimai;
	const char *badge; /* at most 10 columns, for the list */
	const char *title;
	const char *meaning;
	const char *advice;
};

struct mr_basic_code {
	unsigned code;
	const char *meaning;
	const char *reference;
};

struct mr_enhanced_code {
	const char *code; /* "X.1.1", or class-specific: "4.7.0" */
	const char *title;
	const char *meaning;
	int category; /* index, or -1 when the code alone does not decide */
	const char *reference;
};

struct mr_rule {
	const char *provider; /* NULL for a general rule */
	const char *pattern;  /* lower case */
	const char *code;     /* a code pattern (code.h), or NULL for any */
	int category;
	const char *meaning; /* NULL: the category's */
	const char *advice;  /* NULL: the category's */
	const char *source;  /* where the text is documented, or NULL */
};

struct mr_kb {
	struct mr_category *categories;
	size_t n_categories;
	int unknown; /* the "unknown" category */

	struct mr_basic_code *basic;
	size_t n_basic;
	struct mr_enhanced_code *enhanced;
	size_t n_enhanced;
	struct mr_rule *rules;
	size_t n_rules;
	size_t n_provider_rules; /* rules[0 .. n_provider_rules) are providers' */

	struct mr_matcher *matcher; /* every rule's pattern, id = rule index */
	struct mr_tsv files[5];     /* the strings above point into these */
};

/* The knowledge base from share/decode/, loaded on first use; the embedded
 * files are checked by the tests, so a failure here is a build defect. */
const struct mr_kb *mr_kb_default(void);

/*
 * Loads a knowledge base from the given file contents (the order of the
 * files above); errors name the file and line. For tests and tools.
 */
struct mr_kb *mr_kb_load(const char *const data[5], const size_t lens[5], char **cause);
void mr_kb_destroy(struct mr_kb *kb);

int mr_kb_category_find(const struct mr_kb *kb, const char *name);
const struct mr_basic_code *mr_kb_basic(const struct mr_kb *kb, unsigned code);
/* The class-specific entry when there is one, else the X.S.D entry. */
const struct mr_enhanced_code *mr_kb_enhanced(const struct mr_kb *kb, const char *code);

/* The file names below share/, in the order mr_kb_load() takes them. */
extern const char *const mr_kb_files[5];

#endif
