/*
 * Postfix's lines from journald: `journalctl -o json` writes one object a
 * line, each field a string (or, for a value that is not UTF-8, an array of
 * its bytes as numbers; for a field given twice, an array of its values):
 *
 *   {"__REALTIME_TIMESTAMP":"1796637602000000","SYSLOG_IDENTIFIER":"postfix/smtp",
 *    "_PID":"1204","MESSAGE":"4N1QbK0Yzbz9sWL: to=<nobody@example.com>, ..."}
 *
 * Each entry becomes the syslog line the same message would have been in a
 * file with RFC 3339 stamps,
 *
 *   2026-12-07T10:00:02.000000+00:00 journal postfix/smtp[1204]: 4N1QbK0Yzbz9sWL: to=...
 *
 * so that the mail log's one line reader (maillog.c) reads the journal as
 * it reads files. The input is another program's output about untrusted
 * text: an object that is not what journalctl writes is skipped and
 * counted, a JSON line is kept to PF_JOURNAL_LINE_MAX bytes, a message to
 * PF_JOURNAL_MESSAGE_MAX, and a line end inside a message cannot start a
 * line of its own.
 */

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "internal.h"

enum { FIELD_TIME, FIELD_IDENT, FIELD_PID, FIELD_MESSAGE, FIELD_COUNT };

static const char *const field_names[FIELD_COUNT] = { "__REALTIME_TIMESTAMP", "SYSLOG_IDENTIFIER",
	"_PID", "MESSAGE" };

struct cursor {
	const char *p, *end;
};

static void skip_ws(struct cursor *c) {
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\r')) {
		c->p++;
	}
}

static int hex(char ch) {
	return ch >= '0' && ch <= '9'   ? ch - '0'
	       : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
	       : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
					: -1;
}

static bool hex4(struct cursor *c, uint32_t *out) {
	if (c->end - c->p < 4) {
		return false;
	}
	*out = 0;
	for (int i = 0; i < 4; i++) {
		int h = hex(c->p[i]);
		if (h < 0) {
			return false;
		}
		*out = *out << 4 | (uint32_t)h;
	}
	c->p += 4;
	return true;
}

static void add_utf8(struct mr_buf *out, uint32_t cp) {
	char b[4];
	size_t n;
	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | cp >> 6);
		b[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | cp >> 12);
		b[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (char)(0xf0 | cp >> 18);
		b[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		b[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	mr_buf_add(out, b, n);
}

/* A string at c (its opening quote) into out (NULL: skipped). A lone
 * surrogate becomes U+FFFD, as it means no character. */
static bool string(struct cursor *c, struct mr_buf *out) {
	if (c->p >= c->end || *c->p != '"') {
		return false;
	}
	c->p++;
	while (c->p < c->end && *c->p != '"') {
		const char *run = c->p;
		while (c->p < c->end && *c->p != '"' && *c->p != '\\') {
			c->p++;
		}
		if (out != NULL) {
			mr_buf_add(out, run, (size_t)(c->p - run));
		}
		if (c->p >= c->end || *c->p == '"') {
			break;
		}
		if (++c->p >= c->end) {
			return false;
		}
		char e = *c->p++;
		static const char plain[] = "\"\\/bfnrt", meant[] = "\"\\/\b\f\n\r\t";
		const char *k = strchr(plain, e);
		if (e != '\0' && k != NULL) {
			if (out != NULL) {
				mr_buf_add_char(out, meant[k - plain]);
			}
			continue;
		}
		uint32_t cp, low;
		if (e != 'u' || !hex4(c, &cp)) {
			return false;
		}
		if (cp >= 0xd800 && cp < 0xdc00 && c->end - c->p >= 6 && c->p[0] == '\\' &&
			c->p[1] == 'u') {
			struct cursor next = { c->p + 2, c->end };
			if (hex4(&next, &low) && low >= 0xdc00 && low < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
				c->p = next.p;
			}
		}
		if (out != NULL) {
			add_utf8(out, cp >= 0xd800 && cp < 0xe000 ? 0xfffd : cp);
		}
	}
	if (c->p >= c->end) {
		return false;
	}
	c->p++;
	return true;
}

/* A number, true, false or null: skipped. */
static bool scalar(struct cursor *c) {
	const char *start = c->p;
	while (c->p < c->end && strchr(",]} \t\r", *c->p) == NULL) {
		c->p++;
	}
	return c->p > start;
}

static bool value(struct cursor *c, struct mr_buf *out, int depth);

/* An array: of numbers 0-255 (a value's bytes) into out, or of strings
 * (a field given more than once), the first into out. */
static bool array(struct cursor *c, struct mr_buf *out, int depth) {
	c->p++;
	skip_ws(c);
	bool first = true;
	while (c->p < c->end && *c->p != ']') {
		if (!first) {
			if (*c->p != ',') {
				return false;
			}
			c->p++;
			skip_ws(c);
		}
		if (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
			unsigned v = 0;
			const char *start = c->p;
			while (c->p < c->end && *c->p >= '0' && *c->p <= '9' && c->p - start < 4) {
				v = v * 10 + (unsigned)(*c->p++ - '0');
			}
			if (v > 255) {
				return false;
			}
			if (out != NULL) {
				mr_buf_add_char(out, (char)v);
			}
		} else if (!value(c, first ? out : NULL, depth + 1)) {
			return false;
		}
		first = false;
		skip_ws(c);
	}
	if (c->p >= c->end) {
		return false;
	}
	c->p++;
	return true;
}

/* An object that is a value of a field (journalctl writes none): skipped. */
static bool object_skipped(struct cursor *c, int depth) {
	c->p++;
	skip_ws(c);
	bool first = true;
	while (c->p < c->end && *c->p != '}') {
		if (!first) {
			if (*c->p != ',') {
				return false;
			}
			c->p++;
			skip_ws(c);
		}
		if (!string(c, NULL)) {
			return false;
		}
		skip_ws(c);
		if (c->p >= c->end || *c->p++ != ':') {
			return false;
		}
		skip_ws(c);
		if (!value(c, NULL, depth + 1)) {
			return false;
		}
		skip_ws(c);
		first = false;
	}
	if (c->p >= c->end) {
		return false;
	}
	c->p++;
	return true;
}

static bool value(struct cursor *c, struct mr_buf *out, int depth) {
	if (depth > 8 || c->p >= c->end) {
		return false;
	}
	switch (*c->p) {
	case '"':
		return string(c, out);
	case '[':
		return array(c, out, depth);
	case '{':
		return object_skipped(c, depth);
	default:
		return scalar(c);
	}
}

/* One object into its fields; false when it is not one. */
static bool entry(struct pf_journal *j, const char *line, size_t len, bool seen[FIELD_COUNT]) {
	struct cursor c = { line, line + len };
	for (int f = 0; f < FIELD_COUNT; f++) {
		mr_buf_clear(&j->field[f]);
		seen[f] = false;
	}
	skip_ws(&c);
	if (c.p >= c.end || *c.p != '{') {
		return false;
	}
	c.p++;
	skip_ws(&c);
	bool first = true;
	while (c.p < c.end && *c.p != '}') {
		if (!first) {
			if (*c.p != ',') {
				return false;
			}
			c.p++;
			skip_ws(&c);
		}
		mr_buf_clear(&j->key);
		if (!string(&c, &j->key)) {
			return false;
		}
		skip_ws(&c);
		if (c.p >= c.end || *c.p++ != ':') {
			return false;
		}
		skip_ws(&c);
		int field = -1;
		for (int f = 0; f < FIELD_COUNT && field < 0; f++) {
			if (strcmp(j->key.data, field_names[f]) == 0 && !seen[f]) {
				field = f;
			}
		}
		if (field >= 0 && *c.p == 'n') { /* null: as if absent */
			if (!scalar(&c)) {
				return false;
			}
		} else if (!value(&c, field >= 0 ? &j->field[field] : NULL, 0)) {
			return false;
		} else if (field >= 0) {
			seen[field] = true;
		}
		skip_ws(&c);
		first = false;
	}
	if (c.p >= c.end) {
		return false;
	}
	c.p++;
	skip_ws(&c);
	return c.p == c.end;
}

/* Bytes of s as they may stand in a line: no line end, no NUL, and in
 * the identifier nothing that ends it early. */
static void add_clean(struct mr_buf *out, const char *s, size_t len, size_t max, bool ident) {
	for (size_t i = 0; i < len && i < max; i++) {
		char ch = s[i];
		if (ch == '\n' || ch == '\r' || ch == '\0' ||
			(ident && (ch == '[' || ch == ']' || ch == ' ' || ch == ':'))) {
			ch = ident ? '_' : ' ';
		}
		mr_buf_add_char(out, ch);
	}
}

/* "1796637602000000" microseconds, or false. */
static bool micros(const struct mr_buf *b, int64_t *out) {
	if (b->len == 0 || b->len > 18) {
		return false;
	}
	int64_t v = 0;
	for (size_t i = 0; i < b->len; i++) {
		if (b->data[i] < '0' || b->data[i] > '9') {
			return false;
		}
		v = v * 10 + (b->data[i] - '0');
	}
	*out = v;
	return true;
}

static void one_line(struct pf_journal *j, const char *line, size_t len) {
	bool seen[FIELD_COUNT];
	int64_t us;
	if (len == 0) {
		return;
	}
	if (!entry(j, line, len, seen) || !seen[FIELD_MESSAGE] || !seen[FIELD_IDENT] ||
		!seen[FIELD_TIME] || !micros(&j->field[FIELD_TIME], &us)) {
		j->skipped++;
		return;
	}
	const struct mr_buf *ident = &j->field[FIELD_IDENT];
	size_t nl = j->syslog_name ? strlen(j->syslog_name) : 0;
	/* Another program's line (a match on the unit brings its helpers'). */
	if (nl > 0 && !(ident->len >= nl && memcmp(ident->data, j->syslog_name, nl) == 0 &&
			      (ident->len == nl || ident->data[nl] == '/'))) {
		return;
	}
	time_t secs = (time_t)(us / 1000000);
	struct tm tm;
	if (gmtime_r(&secs, &tm) == NULL || tm.tm_year + 1900 > 9999) {
		j->skipped++;
		return;
	}
	mr_buf_printf(j->out, "%04d-%02d-%02dT%02d:%02d:%02d.%06d+00:00 journal ",
		tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		(int)(us % 1000000));
	add_clean(j->out, ident->data, ident->len, 256, true);
	const struct mr_buf *pid = &j->field[FIELD_PID];
	bool digits = pid->len > 0 && pid->len <= 10 && strspn(pid->data, "0123456789") == pid->len;
	mr_buf_printf(j->out, "[%s]: ", digits ? pid->data : "0");
	const struct mr_buf *msg = &j->field[FIELD_MESSAGE];
	add_clean(j->out, msg->data, msg->len, PF_JOURNAL_MESSAGE_MAX, false);
	mr_buf_add_char(j->out, '\n');
	j->entries++;
}

void pf_journal_init(struct pf_journal *j, struct mr_buf *out, const char *syslog_name) {
	memset(j, 0, sizeof(*j));
	j->out = out;
	j->syslog_name = syslog_name;
	mr_buf_init(&j->line);
	mr_buf_init(&j->key);
	for (int f = 0; f < FIELD_COUNT; f++) {
		mr_buf_init(&j->field[f]);
	}
}

void pf_journal_finish(struct pf_journal *j) {
	mr_buf_finish(&j->line);
	mr_buf_finish(&j->key);
	for (int f = 0; f < FIELD_COUNT; f++) {
		mr_buf_finish(&j->field[f]);
	}
}

void pf_journal_feed(struct pf_journal *j, const char *data, size_t len) {
	const char *end = data + len;
	while (data < end) {
		const char *nl = memchr(data, '\n', (size_t)(end - data));
		const char *stop = nl ? nl : end;
		size_t piece = (size_t)(stop - data);
		if (j->overlong || j->line.len + piece > PF_JOURNAL_LINE_MAX) {
			if (!j->overlong) {
				j->skipped++;
			}
			j->overlong = true;
			mr_buf_clear(&j->line);
		} else if (nl != NULL && j->line.len == 0) {
			one_line(j, data, piece); /* whole in this piece: not copied */
		} else {
			mr_buf_add(&j->line, data, piece);
		}
		if (nl != NULL) {
			if (!j->overlong && j->line.len > 0) {
				one_line(j, j->line.data, j->line.len);
			}
			mr_buf_clear(&j->line);
			j->overlong = false;
		}
		data = nl ? nl + 1 : end;
	}
}

void pf_journal_end(struct pf_journal *j) {
	if (!j->overlong && j->line.len > 0) {
		one_line(j, j->line.data, j->line.len);
	}
	mr_buf_clear(&j->line);
	j->overlong = false;
}
