#include "queueid.h"

#include <inttypes.h>
#include <stdio.h>

/* A bijection on [0, 2^44): distinct message numbers give distinct ids. */
static uint64_t scramble44(uint64_t n) {
	const uint64_t mask = (UINT64_C(1) << 44) - 1;
	n &= mask;
	n = (n * 0x5bd1e995u + 0x2545f491u) & mask; /* odd multiplier: invertible */
	n ^= n >> 22;
	n = (n * 0x27d4eb2du) & mask;
	n ^= n >> 19;
	return n;
}

void mr_queue_id_make(uint64_t n, bool long_ids, char out[MR_QUEUE_ID_MAX + 1]) {
	uint64_t v = scramble44(n);
	if (!long_ids) {
		snprintf(out, MR_QUEUE_ID_MAX + 1, "%011" PRIX64, v);
		return;
	}
	/* Postfix's long ids use 51 digits (no vowels but 'z' as separator). */
	static const char digits[] = "0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjkmnpqrstvwxy";
	const uint64_t base = sizeof(digits) - 1;
	char *p = out;
	for (int i = 0; i < 10; i++) {
		p[9 - i] = digits[v % base];
		v /= base;
	}
	p += 10;
	*p++ = 'z';
	uint64_t tail = (n * 0x9e3779b97f4a7c15u) >> 40;
	for (int i = 0; i < 4; i++) {
		*p++ = digits[tail % base];
		tail /= base;
	}
	*p = '\0';
}
