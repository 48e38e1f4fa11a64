#ifndef MR_JSON_H
#define MR_JSON_H

/* JSON strings for what mailroom prints: the exports (core/export) and the
 * decoder's explanations (core/decode) write their text with these, so
 * neither needs the other. */

#include <stddef.h>

#include "buf.h"

/* A JSON string literal (with quotes) for s, appended to out. The writers
 * build their output in buffers and write it in large pieces: through
 * stdio a field at a time, the writing was most of `list --json`. */
void mr_json_string(struct mr_buf *out, const char *s);
void mr_json_string_len(struct mr_buf *out, const char *s, size_t len);

#endif
