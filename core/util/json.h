#ifndef MR_JSON_H
#define MR_JSON_H

/* JSON strings for what mailroom prints: the exports (core/export) and the
 * decoder's explanations (core/decode) write their text with these, so
 * neither needs the other. */

#include <stddef.h>
#include <stdio.h>

/* A JSON string literal (with quotes) for s. */
void mr_json_string(FILE *out, const char *s);
void mr_json_string_len(FILE *out, const char *s, size_t len);

#endif
