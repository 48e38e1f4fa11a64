/* JSON strings, escaped to ASCII so that the output is safe to print. */

#include "json.h"

#include <stdint.h>
#include <string.h>

#include "text.h"

void mr_json_string(FILE *out, const char *s) {
	mr_json_string_len(out, s, strlen(s));
}

void mr_json_string_len(FILE *out, const char *s, size_t len) {
	const unsigned char *p = (const unsigned char *)s;
	putc('"', out);
	for (size_t i = 0; i < len;) {
		/* Runs of plain ASCII go out in one write. */
		size_t run = i;
		while (run < len && p[run] >= 0x20 && p[run] < 0x7f && p[run] != '"' &&
			p[run] != '\\') {
			run++;
		}
		if (run > i) {
			fwrite(p + i, 1, run - i, out);
			i = run;
			continue;
		}
		uint32_t cp;
		size_t n = mr_utf8_decode(p + i, len - i, &cp);
		if (n == 0 && mr_is_stored_nul(s + i, len - i)) {
			fputs("\\u0000", out); /* a NUL inside the text (text.h) */
			i += MR_NUL_STORED_LEN;
			continue;
		}
		if (n == 0) {
			fputs("\\ufffd", out);
			i++;
			continue;
		}
		switch (cp) {
		case '"':
			fputs("\\\"", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		case '\t':
			fputs("\\t", out);
			break;
		default:
			/* Controls, DEL, and the line separators that break JavaScript. */
			if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 ||
				cp == 0x2029) {
				fprintf(out, "\\u%04x", (unsigned)cp);
			} else {
				fwrite(p + i, 1, n, out);
			}
		}
		i += n;
	}
	putc('"', out);
}
