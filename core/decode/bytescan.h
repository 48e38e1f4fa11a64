#ifndef MR_BYTESCAN_H
#define MR_BYTESCAN_H

/*
 * Finding the few bytes worth a closer look in a reason line, sixteen at a
 * time where the machine can (SSE2, on every x86-64), one at a time
 * elsewhere. A line is read many times over by the decoder's searches
 * for codes; most of its bytes are letters none of them looks at.
 */

#include <stdbool.h>
#include <stddef.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#ifdef __SSE2__
/* Which of the sixteen bytes from s are in low..high (unsigned), a bit each. */
static inline unsigned mr_in_range_mask(const char *s, __m128i low, __m128i high) {
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
	/* lo <= v <= hi, unsigned: max(v, lo) == v and min(v, hi) == v. */
	__m128i in = _mm_and_si128(
		_mm_cmpeq_epi8(_mm_max_epu8(v, low), v), _mm_cmpeq_epi8(_mm_min_epu8(v, high), v));
	return (unsigned)_mm_movemask_epi8(in);
}
#endif

/* The offset of the first byte of s[from..to) in lo..hi, or to. */
static inline size_t mr_find_byte_range(
	const char *s, size_t from, size_t to, unsigned char lo, unsigned char hi) {
	size_t i = from;
#ifdef __SSE2__
	const __m128i low = _mm_set1_epi8((char)lo), high = _mm_set1_epi8((char)hi);
	for (; i + 16 <= to; i += 16) {
		unsigned mask = mr_in_range_mask(s + i, low, high);
		if (mask != 0) {
			return i + (size_t)__builtin_ctz(mask);
		}
	}
	/* The last few bytes: the sixteen that end at to, those before i
	 * masked off (they are the text's, read but not looked at). */
	if (i < to && to >= 16) {
		size_t block = to - 16;
		unsigned mask = mr_in_range_mask(s + block, low, high) >> (i - block);
		return mask != 0 ? i + (size_t)__builtin_ctz(mask) : to;
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

#ifdef __SSE2__
/*
 * For the decoder's cleaning of a line: how many bytes from s (16 of them
 * readable) it copies as they are, given whether the cleaned text ends in
 * a space before them. That is up to the first byte the cleaning must look
 * at: '<', a tab, CR or LF anywhere; a space, or a digit 2-5 (which may
 * start a "550-5.7.1 " prefix), right after a space. 16 when none.
 */
static inline unsigned mr_plain_run(const char *s, bool after_space) {
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
	__m128i always = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('<')),
					      _mm_cmpeq_epi8(v, _mm_set1_epi8('\t'))),
		_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\r')),
			_mm_cmpeq_epi8(v, _mm_set1_epi8('\n'))));
	__m128i space = _mm_cmpeq_epi8(v, _mm_set1_epi8(' '));
	/* '2'..'5' are 0x32, 0x33, 0x34, 0x35: with the last bit off, 0x32 or 0x34. */
	__m128i even = _mm_and_si128(v, _mm_set1_epi8((char)0xfe));
	__m128i after_space_special =
		_mm_or_si128(space, _mm_or_si128(_mm_cmpeq_epi8(even, _mm_set1_epi8('2')),
					    _mm_cmpeq_epi8(even, _mm_set1_epi8('4'))));
	unsigned spaces_before = (unsigned)_mm_movemask_epi8(space) << 1 | (after_space ? 1u : 0u);
	unsigned special = (unsigned)_mm_movemask_epi8(always) |
			   ((unsigned)_mm_movemask_epi8(after_space_special) & spaces_before);
	return special == 0 ? 16 : (unsigned)__builtin_ctz(special);
}
#endif

#endif
