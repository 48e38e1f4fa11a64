#ifndef MR_REGEXP_H
#define MR_REGEXP_H

/*
 * The filter's regular expressions (reason:/.../), on PCRE2 with bounds on
 * everything a pattern can make it spend: the pattern's length, its
 * nesting, its compiled size (counted repeats are written out when it is
 * compiled, so ((a{1,100}){1,100}){1,100} is a million copies), and per
 * match the backtracking steps, the depth, the heap and the JIT stack. A
 * match that reaches a limit says so; it is never taken for "no match".
 *
 * Patterns and texts are UTF-8, case is ignored (Unicode letters too), and
 * a byte that is not UTF-8 is matched by nothing, not even ".", as glibc's
 * regexec did in a UTF-8 locale. POSIX extended syntax is kept: \< and \>
 * (GNU's word edges), \` and \' and {,n} are turned into PCRE's spelling.
 * docs/filter.md lists what differs.
 */

#include <stdbool.h>
#include <stddef.h>

/*
 * The limits (docs/architecture.md, "Filters", says how they were chosen).
 * MATCH_LIMIT counts backtracking steps from each place in the text where a
 * match is tried, so one text costs at most its length times that.
 */
enum {
	MR_REGEXP_MAX_LENGTH = 1000,          /* bytes of the pattern as written */
	MR_REGEXP_MAX_NESTING = 32,           /* parentheses inside parentheses */
	MR_REGEXP_MAX_COMPILED = 32 * 1024,   /* bytes compiled (PCRE2_INFO_SIZE) */
	MR_REGEXP_MATCH_LIMIT = 250 * 1000,   /* steps from one starting place */
	MR_REGEXP_DEPTH_LIMIT = 100 * 1000,   /* nested backtracking points */
	MR_REGEXP_HEAP_LIMIT_KIB = 16 * 1024, /* the interpreter's frames */
	MR_REGEXP_JIT_STACK_START = 32 * 1024,
	MR_REGEXP_JIT_STACK_MAX = 1024 * 1024, /* JIT code has no heap or depth limit */
};

struct mr_regexp;
/* What one thread needs to match: the match data, a match context with the
 * limits, and its own JIT stack (one may not be shared between threads). */
struct mr_regexp_scratch;

enum mr_regexp_result {
	MR_REGEXP_NO_MATCH,
	MR_REGEXP_MATCH,
	MR_REGEXP_LIMIT, /* a limit was reached: the answer is not known */
};

/* The pattern compiled (and JIT-compiled where the machine allows), or NULL
 * with why (a phrase, "too large once ...") in why_size bytes. */
struct mr_regexp *mr_regexp_compile(const char *pattern, char *why, size_t why_size);
void mr_regexp_free(struct mr_regexp *re);

struct mr_regexp_scratch *mr_regexp_scratch_create(void);
void mr_regexp_scratch_free(struct mr_regexp_scratch *scratch);

/* Whether len bytes at text hold a match of re, with scratch's limits. */
enum mr_regexp_result mr_regexp_match(const struct mr_regexp *re, struct mr_regexp_scratch *scratch,
	const char *text, size_t len);

/* Whether re runs as JIT code (for the benchmarks' notes). */
bool mr_regexp_jit(const struct mr_regexp *re);

#endif
