#include "base64.h"

#include <string.h>

static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void mr_base64_encode(struct mr_buf *out, const unsigned char *p, size_t len) {
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)p[i] << 16;
		v |= i + 1 < len ? (unsigned)p[i + 1] << 8 : 0;
		v |= i + 2 < len ? p[i + 2] : 0;
		mr_buf_add_char(out, digits[(v >> 18) & 63]);
		mr_buf_add_char(out, digits[(v >> 12) & 63]);
		if (i + 1 < len) {
			mr_buf_add_char(out, digits[(v >> 6) & 63]);
		}
		if (i + 2 < len) {
			mr_buf_add_char(out, digits[v & 63]);
		}
	}
}

size_t mr_base64_decode(const char *in, unsigned char *out, size_t cap) {
	unsigned v = 0;
	int bits = 0;
	size_t n = 0;
	for (; *in && *in != '-' && *in != '='; in++) {
		const char *d = strchr(digits, *in);
		if (d == NULL) {
			continue;
		}
		v = (v << 6) | (unsigned)(d - digits);
		bits += 6;
		if (bits >= 8 && n < cap) {
			bits -= 8;
			out[n++] = (unsigned char)(v >> bits);
		}
	}
	return n;
}
