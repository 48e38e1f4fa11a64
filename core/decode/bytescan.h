#ifndef MR_BYTESCAN_H
#define MR_BYTESCAN_H

/*
 * Finding the few bytes worth a closer look in a reason line, sixteen at a
 * time where the machine can (SSE2, on every x86-64), one at a time
 * elsewhere. A line is read many times over by the decoder's searches
 * for codes; most of its bytes are letters none of them looks at.
 */

#include <stddef.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* The offset of the first byte of s[from..to) in lo..hi, or to. */
static inline size_t mr_find_byte_range(
	const char *s, size_t from, size_t to, unsigned char lo, unsigned char hi) {
	size_t i = from;
#ifdef __SSE2__
	const __m128i low = _mm_set1_epi8((char)lo), high = _mm_set1_epi8((char)hi);
	for (; i + 16 <= to; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		/* lo <= v <= hi, unsigned: max(v, lo) == v and min(v, hi) == v. */
		__m128i in = _mm_and_si128(_mm_cmpeq_epi8(_mm_max_epu8(v, low), v),
			_mm_cmpeq_epi8(_mm_min_epu8(v, high), v));
		unsigned mask = (unsigned)_mm_movemask_epi8(in);
		if (mask != 0) {
			return i + (size_t)__builtin_ctz(mask);
		}
	}
#endif
	for (; i < to; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= lo && c <= hi) {
			return i;
		}
	}
	return to;
}

#endif
