#ifndef MR_KB_H
#define MR_KB_H

/*
 * The knowledge base the decoder works from, loaded from the TSV files in
 * share/decode/ (embedded at build time):
 *
 *   categories.tsv      cause categories: meaning, advice, Sisimai's name
 *   basic-codes.tsv     RFC 5321 reply codes and their meaning
 *   enhanced-codes.tsv  the IANA enhanced status code registry, each code
 *                       with the category it says when the words do not
 *   replies.tsv         what a reply code says at an SMTP stage, when
 *                       neither the words nor the status code do
 *   providers.tsv       replies particular to a provider (Gmail, Microsoft, ...)
 *   rules.tsv           the wordings of causes across MTAs and filters
 *   words.tsv           single words that hint at a cause, the last resort
 *
 * The decoder climbs them in order of evidence (decode.h): a wording rule
 * (provider entries and rules are one ordered list, providers first: the
 * first whose phrase occurs and whose code pattern matches decides), else
 * the enhanced status code, else the reply code at its stage, else a word.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "code.h"
#include "tsv.h"

struct mr_matcher;
struct mr_model;

enum { MR_KB_FILES = 8 };

/* Whether waiting (the MTA's retries) helps. */
enum mr_waits { MR_WAITS_NO, MR_WAITS_YES, MR_WAITS_SOMETIMES };

struct mr_category {
	const char *name;         /* "unknown-user" */
	const char *sisimai;      /* Sisimai 5's reason: "userunknown" */
	const char *sisimai_also; /* its older names, space-separated: "speeding" */
	const char *badge;        /* at most 10 columns, for the list */
	enum mr_waits waits;
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

/* A reply code at a stage, and the cause it says there. */
struct mr_reply_rule {
	const char *code; /* a basic code pattern (code.h): "552", "55x", "5" */
	uint8_t stage;    /* enum mr_stage; MR_STAGE_NONE: any stage */
	int category;
	const char *note; /* why, for people */
};

/* A word that hints at a cause, when nothing better does. */
struct mr_word {
	const char *word; /* lower case */
	const char *code; /* a code pattern, or NULL for any */
	int category;
};

/*
 * A rule's pattern is one phrase, or several joined by " * ": "mailbox * full"
 * matches "mailbox" followed, anywhere later, by "full" (the wording family
 * "mailbox is full", "mailbox for <x> full", "mailbox quota full"). Each
 * phrase is a part the matcher looks for; the rule matches when its parts
 * occur in order without overlapping.
 */
enum { MR_RULE_PARTS_MAX = 4, MR_MULTI_RULES_MAX = 1024 };

struct mr_rule_part {
	uint32_t rule; /* the rule's index */
	uint16_t len;  /* the phrase's length */
	uint8_t index; /* 0 for the first part */
	bool last;     /* the rule matches when this part does, in order */
};

struct mr_rule {
	const char *provider; /* NULL for a general rule */
	const char *pattern;  /* lower case, as written: "mailbox * full" */
	uint8_t n_parts;      /* 1 for a single phrase */
	uint16_t slot;        /* rules of several parts: the index of their state */
	const char *code;     /* a code pattern (code.h), or NULL for any */
	int category;
	const char *meaning; /* NULL: the category's */
	const char *advice;  /* NULL: the category's */
	const char *source;  /* where the text is documented, or NULL */
};

struct mr_kb {
	struct mr_category *categories;
	size_t n_categories;
	int unknown;                       /* the "unknown" category */
	int unknown_user, sender_rejected; /* the decoder moves one to the other (decode.c) */

	struct mr_basic_code *basic;
	size_t n_basic;
	struct mr_enhanced_code *enhanced;
	size_t n_enhanced;
	/* mr_kb_enhanced()'s answer for each common code (kb.c), worked out
	 * once on loading: the decoder asks for nearly every reason. */
	uint16_t *enhanced_common;
	struct mr_reply_rule *replies;
	size_t n_replies;
	struct mr_rule *rules;
	size_t n_rules;
	size_t n_provider_rules;    /* rules[0 .. n_provider_rules) are providers' */
	struct mr_rule_part *parts; /* every rule's parts, rule by rule */
	size_t n_parts;
	size_t n_multi; /* rules of several parts */
	struct mr_word *words;
	size_t n_words;
	struct mr_model *model; /* the last guess: words learnt from real lines */

	/* Every rule's part (id = its index in parts), then every word's (id =
	 * n_parts + its index), then the decoder's phrases (phrases.h). */
	struct mr_matcher *matcher;
	struct mr_tsv files[MR_KB_FILES]; /* the strings above point into these */
};

/* The knowledge base from share/decode/, loaded on first use; the embedded
 * files are checked by the tests, so a failure here is a build defect. */
const struct mr_kb *mr_kb_default(void);
/*
 * Starts loading the built-in knowledge base on a thread of its own and
 * returns at once: a command that will decode calls it first, so that the
 * 30 ms of loading pass while its queue is read (postqueue alone takes far
 * longer). mr_kb_default() then waits for that load rather than making a
 * second. Without a thread, nothing happens and the first use loads it.
 */
void mr_kb_default_warm(void);

/*
 * Loads a knowledge base from the given file contents (the order of the
 * files above); errors name the file and line. For tests and tools.
 */
struct mr_kb *mr_kb_load(
	const char *const data[MR_KB_FILES], const size_t lens[MR_KB_FILES], char **cause);
void mr_kb_destroy(struct mr_kb *kb);

int mr_kb_category_find(const struct mr_kb *kb, const char *name);
/* The category whose Sisimai name (or older name) this is; -1 for none,
 * -2 when several categories share it (networkerror). */
int mr_kb_category_by_sisimai(const struct mr_kb *kb, const char *name);
const struct mr_basic_code *mr_kb_basic(const struct mr_kb *kb, unsigned code);
/* The class-specific entry when there is one, else the X.S.D entry. */
const struct mr_enhanced_code *mr_kb_enhanced(const struct mr_kb *kb, const char *code);
/* The first reply rule for basic (not 0) at stage, or NULL. */
const struct mr_reply_rule *mr_kb_reply(const struct mr_kb *kb, unsigned basic, unsigned stage);
/* "yes", "no", "sometimes". */
const char *mr_waits_name(enum mr_waits waits);

/* The file names below share/, in the order mr_kb_load() takes them. */
extern const char *const mr_kb_files[MR_KB_FILES];

#endif
