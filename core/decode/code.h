#ifndef MR_CODE_H
#define MR_CODE_H

/*
 * SMTP reply codes as text: the basic code of RFC 5321 ("550") and the
 * enhanced status code of RFC 3463 ("5.7.1"), and patterns over them, which
 * the knowledge base's rules and the filter language share:
 *
 *   4, 5          the class: temporary or permanent failure
 *   550, 45x, 4xx a basic code; x stands for any digit
 *   5.7.1, 4.7.*  an enhanced code; * stands for a whole component, x for a
 *   x.1.1, 5.7.6xx  digit (the class may be x or * too)
 */

#include <stdbool.h>
#include <stddef.h>

/* "5.999.999" and its NUL. */
#define MR_ENHANCED_MAX 10

/*
 * Reads an enhanced status code at s[0..len): class 2, 4 or 5, then subject
 * and detail of 1 to 3 digits each. Returns its length, or 0 when s does not
 * start with one. The caller checks what precedes and follows it.
 */
size_t mr_enhanced_parse(const char *s, size_t len, char out[MR_ENHANCED_MAX]);

/* The pattern of a text with no code at all: a rule for words that say
 * nothing of the cause, which must not stop the codes from saying it. */
#define MR_CODE_NONE "none"

/* A basic code (550, 55x, 5xx), an enhanced code (5.7.1, 4.7.x, x.2.1), a
 * class (2, 4, 5) or MR_CODE_NONE. */
bool mr_code_pattern_valid(const char *pattern);

/*
 * Whether a reply matches pattern. basic is 0 and enhanced "" when the reply
 * has none; temporary (1 yes, 0 no, -1 unknown) gives the class of a reply
 * without codes.
 */
bool mr_code_match(const char *pattern, unsigned basic, const char *enhanced, int temporary);

#endif
