#ifndef MR_TEXT_H
#define MR_TEXT_H

/*
 * Text from a queue is untrusted: a sender, subject or reply text can hold
 * terminal escape sequences, invalid UTF-8 or bidirectional overrides. This
 * module splits such text into glyphs: a printable character, or an escape
 * that shows the offending byte or character visibly:
 *
 *   C0 controls and DEL   ^[  ^I  ^?          (caret notation, as less(1))
 *   C1 controls, bidi and other invisible format characters   <U+202E>
 *   bytes that are not UTF-8   \xFF
 *
 * A NUL inside a field would end it early in every C string after the
 * reader (the table, JSON, CSV, the screen): the readers store it as the
 * two bytes C0 80 ("modified UTF-8"; an overlong form, so never valid
 * UTF-8 otherwise), this iterator shows those as the NUL they stand for,
 * ^@, and JSON output writes them back as \u0000.
 *
 * Every path to the terminal (the screen and the CLI's plain output) goes
 * through it; the screen draws escapes in their own attribute, so an
 * operator can tell an escaped control from the same characters typed.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

enum mr_glyph_kind {
	MR_GLYPH_CHAR,   /* a printable character: cp, and its UTF-8 in text */
	MR_GLYPH_ESCAPE, /* the visible stand-in for something unprintable, in text */
};

struct mr_glyph {
	enum mr_glyph_kind kind;
	uint32_t cp; /* MR_GLYPH_CHAR only */
	char text[12];
	size_t text_len;
};

/* Decodes the glyph at s[*pos] (pos < len) and advances *pos past it. */
void mr_glyph_next(const char *s, size_t len, size_t *pos, struct mr_glyph *glyph);

/* The first place needle[0..n) is in s[0..len), ASCII letters matched
 * without case (as a search of what is on the screen); NULL when none. */
const char *mr_find_ascii_case(const char *s, size_t len, const char *needle, size_t n);

/* The bytes a NUL inside a string is stored as (see above). */
#define MR_NUL_STORED     "\xc0\x80"
#define MR_NUL_STORED_LEN 2
/* Whether s[0..len) starts with a stored NUL. */
static inline bool mr_is_stored_nul(const char *s, size_t len) {
	return len >= 2 && (unsigned char)s[0] == 0xc0 && (unsigned char)s[1] == 0x80;
}
/* Appends s[0..len) to out with each NUL byte stored as C0 80. */
void mr_buf_add_nul_safe(struct mr_buf *out, const char *s, size_t len);
/* The other way: appends s with each stored NUL a NUL byte again (the
 * exact text, for output that has a length: --csv-raw). */
void mr_buf_add_nul_restored(struct mr_buf *out, const char *s, size_t len);

/* Appends the visible form of s[0..len) to out. */
void mr_text_visible(struct mr_buf *out, const char *s, size_t len);
/* The visible form of a NUL-terminated string, newly allocated. */
char *mr_text_visible_dup(const char *s);

/*
 * Decodes one UTF-8 sequence strictly (no overlongs, surrogates or values
 * past U+10FFFF). Returns its length, or 0 when s does not start with one.
 */
size_t mr_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp);
/* Encodes cp (a valid scalar value) into out; returns the length, 1..4. */
size_t mr_utf8_encode(uint32_t cp, char out[4]);

/* The value of a hexadecimal digit, or -1. */
int mr_hex_digit(char c);

#endif
