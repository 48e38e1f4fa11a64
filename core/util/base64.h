#ifndef MR_BASE64_H
#define MR_BASE64_H

/* Base64 (RFC 4648), as SSH uses it: fingerprints are printed without
 * padding, key files are read with line breaks in them. */

#include <stddef.h>

#include "buf.h"

/* p[0..len) added to out, without padding. */
void mr_base64_encode(struct mr_buf *out, const unsigned char *p, size_t len);
/* The bytes in in, up to its end, a '=' (padding) or a '-' (a PEM block's
 * END line), skipping what is not a base64 digit (line breaks); at most cap
 * of them into out. Returns how many were written. */
size_t mr_base64_decode(const char *in, unsigned char *out, size_t cap);

#endif
