/* JSON strings, escaped to ASCII so that the output is safe to print. */

#include "json.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "text.h"

/* Whether byte c goes out as it is: printable ASCII but the quote and the
 * backslash. */
static inline bool plain(unsigned char c) {
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

/* The end of the run of plain bytes of p[from..len): most of a reason or
 * an explanation is one, so it is found sixteen bytes at a time where the
 * machine can (SSE2, every x86-64). */
static size_t plain_run_end(const unsigned char *p, size_t from, size_t len) {
	size_t i = from;
#ifdef __SSE2__
	const __m128i space_less_one = _mm_set1_epi8(0x1f), del = _mm_set1_epi8(0x7f);
	const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
	for (; i + 16 <= len; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		/* Signed: bytes of 0x80 and above are negative, so "above 0x1f
		 * and below 0x7f" is printable ASCII. */
		__m128i printable =
			_mm_and_si128(_mm_cmpgt_epi8(v, space_less_one), _mm_cmplt_epi8(v, del));
		__m128i escaped =
			_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash));
		unsigned ok = (unsigned)_mm_movemask_epi8(_mm_andnot_si128(escaped, printable));
		if (ok != 0xffff) {
			return i + (size_t)__builtin_ctz(~ok);
		}
	}
#endif
	while (i < len && plain(p[i])) {
		i++;
	}
	return i;
}

void mr_json_string(struct mr_buf *out, const char *s) {
	mr_json_string_len(out, s, strlen(s));
}

void mr_json_string_len(struct mr_buf *out, const char *s, size_t len) {
	const unsigned char *p = (const unsigned char *)s;
	mr_buf_add_char(out, '"');
	for (size_t i = 0; i < len;) {
		/* Runs of plain ASCII go out in one copy. */
		size_t run = plain_run_end(p, i, len);
		if (run > i) {
			mr_buf_add(out, p + i, run - i);
			i = run;
			continue;
		}
		uint32_t cp;
		size_t n = mr_utf8_decode(p + i, len - i, &cp);
		if (n == 0 && mr_is_stored_nul(s + i, len - i)) {
			mr_buf_add_str(out, "\\u0000"); /* a NUL inside the text (text.h) */
			i += MR_NUL_STORED_LEN;
			continue;
		}
		if (n == 0) {
			mr_buf_add_str(out, "\\ufffd");
			i++;
			continue;
		}
		switch (cp) {
		case '"':
			mr_buf_add_str(out, "\\\"");
			break;
		case '\\':
			mr_buf_add_str(out, "\\\\");
			break;
		case '\n':
			mr_buf_add_str(out, "\\n");
			break;
		case '\t':
			mr_buf_add_str(out, "\\t");
			break;
		default:
			/* Controls, DEL, and the line separators that break JavaScript. */
			if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 ||
				cp == 0x2029) {
				mr_buf_printf(out, "\\u%04x", (unsigned)cp);
			} else {
				mr_buf_add(out, p + i, n);
			}
		}
		i += n;
	}
	mr_buf_add_char(out, '"');
}
