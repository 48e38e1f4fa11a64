#include "tsv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "blob.h"
#include "buf.h"
#include "text.h"
#include "xalloc.h"

/* Unescapes one field; false on a malformed escape. */
static bool unescape(struct mr_buf *out, const char *s, size_t len) {
	mr_buf_clear(out);
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '\\') {
			mr_buf_add_char(out, s[i]);
			continue;
		}
		if (++i >= len) {
			return false;
		}
		switch (s[i]) {
		case '\\':
			mr_buf_add_char(out, '\\');
			break;
		case 't':
			mr_buf_add_char(out, '\t');
			break;
		case 'n':
			mr_buf_add_char(out, '\n');
			break;
		case 'x': {
			int hi = i + 1 < len ? mr_hex_digit(s[i + 1]) : -1;
			int lo = i + 2 < len ? mr_hex_digit(s[i + 2]) : -1;
			if (hi < 0 || lo < 0) {
				return false;
			}
			mr_buf_add_char(out, (char)(hi * 16 + lo));
			i += 2;
			break;
		}
		default:
			return false;
		}
	}
	return true;
}

static bool fail_at(char **cause, const char *name, size_t line, const char *what) {
	return mr_fail(cause, "%s:%zu: %s", name, line, what);
}

bool mr_tsv_parse(struct mr_tsv *tsv, const char *name, const char *data, size_t len,
	const char *const *columns, char **cause) {
	*tsv = (struct mr_tsv){ .name = mr_xstrdup(name) };
	size_t want = 0;
	while (columns[want] != NULL) {
		want++;
	}
	tsv->n_columns = want;
	size_t cap = 0;
	bool header_seen = false;
	struct mr_buf field;
	mr_buf_init(&field);
	char **fields = mr_xcalloc(want, sizeof(*fields));
	size_t line = 0;
	const char *p = data, *end = data + len;
	bool ok = true;
	while (ok && p < end) {
		line++;
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL) {
			eol = end;
		}
		const char *next = eol < end ? eol + 1 : end;
		if (eol > p && eol[-1] == '\r') {
			eol--;
		}
		if (eol == p || *p == '#') {
			p = next;
			continue;
		}
		size_t n = 0;
		const char *f = p;
		while (ok) {
			const char *tab = memchr(f, '\t', (size_t)(eol - f));
			const char *fend = tab != NULL ? tab : eol;
			if (n == want) {
				ok = fail_at(cause, name, line, "too many fields");
				break;
			}
			if (!unescape(&field, f, (size_t)(fend - f))) {
				ok = fail_at(cause, name, line, "malformed backslash escape");
				break;
			}
			fields[n++] = mr_xstrndup(field.data, field.len);
			if (tab == NULL) {
				break;
			}
			f = tab + 1;
		}
		if (ok && n != want) {
			ok = mr_fail(cause, "%s:%zu: expected %zu fields, found %zu", name, line,
				want, n);
		}
		if (ok && !header_seen) {
			for (size_t i = 0; i < want && ok; i++) {
				if (strcmp(fields[i], columns[i]) != 0) {
					ok = mr_fail(cause,
						"%s:%zu: column %zu is \"%s\", expected \"%s\"",
						name, line, i + 1, fields[i], columns[i]);
				}
			}
			header_seen = true;
			for (size_t i = 0; i < n; i++) {
				free(fields[i]);
			}
		} else if (ok) {
			if (tsv->n_rows == cap) {
				cap = cap ? cap * 2 : 64;
				tsv->rows = mr_xreallocarray(tsv->rows, cap, sizeof(*tsv->rows));
			}
			struct mr_tsv_row *row = &tsv->rows[tsv->n_rows++];
			row->line = line;
			row->fields = fields;
			fields = mr_xcalloc(want, sizeof(*fields));
		} else {
			for (size_t i = 0; i < n; i++) {
				free(fields[i]);
			}
		}
		p = next;
	}
	if (ok && !header_seen) {
		ok = mr_fail(cause, "%s: no header line", name);
	}
	free(fields);
	mr_buf_finish(&field);
	if (!ok) {
		mr_tsv_finish(tsv);
	}
	return ok;
}

bool mr_tsv_load_blob(
	struct mr_tsv *tsv, const char *name, const char *const *columns, char **cause) {
	const struct mr_blob *blob = mr_blob_find(name);
	if (blob == NULL) {
		*tsv = (struct mr_tsv){ 0 };
		return mr_fail(cause, "%s: not embedded in this build", name);
	}
	return mr_tsv_parse(tsv, name, (const char *)blob->data, blob->len, columns, cause);
}

void mr_tsv_finish(struct mr_tsv *tsv) {
	if (tsv == NULL) {
		return;
	}
	for (size_t r = 0; r < tsv->n_rows; r++) {
		for (size_t i = 0; i < tsv->n_columns; i++) {
			free(tsv->rows[r].fields[i]);
		}
		free(tsv->rows[r].fields);
	}
	free(tsv->rows);
	free(tsv->name);
	*tsv = (struct mr_tsv){ 0 };
}

bool mr_tsv_positive(const struct mr_tsv *tsv, const struct mr_tsv_row *row, size_t column,
	unsigned long *value, char **cause) {
	const char *s = row->fields[column];
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v == 0 || *s == '-') {
		return mr_fail(
			cause, "%s:%zu: \"%s\" is not a positive integer", tsv->name, row->line, s);
	}
	*value = v;
	return true;
}
