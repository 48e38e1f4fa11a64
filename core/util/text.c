#include "text.h"

#include <stdio.h>
#include <string.h>

size_t mr_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp) {
	unsigned char c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	size_t n;
	uint32_t v, min;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2, v = c & 0x1f, min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3, v = c & 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4, v = c & 0x07, min = 0x10000;
	} else {
		return 0; /* continuation byte, overlong lead (c0, c1) or past f4 */
	}
	if (len < n) {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			return 0;
		}
		v = (v << 6) | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) {
		return 0;
	}
	*cp = v;
	return n;
}

size_t mr_utf8_encode(uint32_t cp, char out[4]) {
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/*
 * Characters that print nothing but change how the rest is shown: C1
 * controls, bidirectional marks, embeddings, overrides and isolates (the
 * "Trojan Source" set), line and paragraph separators, the byte order mark
 * and interlinear annotation marks. Joiners and zero-width spaces are left
 * alone: real names and emoji use them.
 */
static bool invisible_format(uint32_t cp) {
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c || cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfeff ||
	       (cp >= 0xfff9 && cp <= 0xfffb);
}

void mr_glyph_next(const char *s, size_t len, size_t *pos, struct mr_glyph *glyph) {
	const unsigned char *p = (const unsigned char *)s + *pos;
	size_t left = len - *pos;
	uint32_t cp;
	size_t n = mr_utf8_decode(p, left, &cp);
	if (n == 0 && mr_is_stored_nul((const char *)p, left)) {
		n = MR_NUL_STORED_LEN; /* a NUL inside the text, shown as one: ^@ */
		cp = 0;
	}
	if (n == 0) {
		glyph->kind = MR_GLYPH_ESCAPE;
		glyph->text_len =
			(size_t)snprintf(glyph->text, sizeof(glyph->text), "\\x%02X", p[0]);
		*pos += 1;
		return;
	}
	*pos += n;
	if (cp < 0x20 || cp == 0x7f) {
		glyph->kind = MR_GLYPH_ESCAPE;
		glyph->text[0] = '^';
		glyph->text[1] = cp == 0x7f ? '?' : (char)(cp + '@');
		glyph->text[2] = '\0';
		glyph->text_len = 2;
	} else if (invisible_format(cp)) {
		glyph->kind = MR_GLYPH_ESCAPE;
		glyph->text_len = (size_t)snprintf(
			glyph->text, sizeof(glyph->text), "<U+%04X>", (unsigned)cp);
	} else {
		glyph->kind = MR_GLYPH_CHAR;
		glyph->cp = cp;
		memcpy(glyph->text, p, n);
		glyph->text[n] = '\0';
		glyph->text_len = n;
	}
}

void mr_buf_add_nul_safe(struct mr_buf *out, const char *s, size_t len) {
	const char *end = s + len;
	for (const char *nul; (nul = memchr(s, '\0', (size_t)(end - s))) != NULL; s = nul + 1) {
		mr_buf_add(out, s, (size_t)(nul - s));
		mr_buf_add(out, MR_NUL_STORED, MR_NUL_STORED_LEN);
	}
	mr_buf_add(out, s, (size_t)(end - s));
}

void mr_buf_add_nul_restored(struct mr_buf *out, const char *s, size_t len) {
	size_t run = 0;
	for (size_t i = 0; i < len; i++) {
		if (mr_is_stored_nul(s + i, len - i)) {
			mr_buf_add(out, s + run, i - run);
			mr_buf_add_char(out, '\0');
			run = ++i + 1;
		}
	}
	mr_buf_add(out, s + run, len - run);
}

void mr_text_visible(struct mr_buf *out, const char *s, size_t len) {
	size_t pos = 0;
	while (pos < len) {
		/* Runs of plain ASCII, the common case, are copied at once. */
		size_t run = pos;
		while (run < len && (unsigned char)s[run] >= 0x20 && (unsigned char)s[run] < 0x7f) {
			run++;
		}
		if (run > pos) {
			mr_buf_add(out, s + pos, run - pos);
			pos = run;
			continue;
		}
		struct mr_glyph glyph;
		mr_glyph_next(s, len, &pos, &glyph);
		mr_buf_add(out, glyph.text, glyph.text_len);
	}
}

char *mr_text_visible_dup(const char *s) {
	struct mr_buf buf;
	mr_buf_init(&buf);
	mr_text_visible(&buf, s, strlen(s));
	return mr_buf_steal(&buf);
}

int mr_hex_digit(char c) {
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

static char ascii_lower(char c) {
	return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

const char *mr_find_ascii_case(const char *s, size_t len, const char *needle, size_t n) {
	for (size_t i = 0; n > 0 && i + n <= len; i++) {
		size_t j = 0;
		while (j < n && ascii_lower(s[i + j]) == ascii_lower(needle[j])) {
			j++;
		}
		if (j == n) {
			return s + i;
		}
	}
	return NULL;
}
