/*
 * libFuzzer target for the journal reader (backends/postfix/journal.c): any
 * bytes as the output of `journalctl -o json`, whose MESSAGE fields hold
 * what anyone who can make Postfix log a line wrote (a sender address, a
 * remote server's reply).
 *
 * The input is fed as journalctl's output arrives, in two pieces split at a
 * place the first byte chooses, so that an object, a string or an escape
 * cut between two reads is tried too. What comes out must be syslog lines
 * as the mail log's reader takes them: each ends with a line feed, holds no
 * NUL and no other line end, starts with an RFC 3339 time and the
 * instance's name, and is no longer than a message allows; every entry is
 * either read or counted as skipped.
 *
 *   tests/fuzz/run 300 journal
 */

#define _GNU_SOURCE /* memmem */
#include <string.h>

#include "buf.h"
#include "fuzz.h"
#include "postfix/internal.h"

/* "2026-12-07T10:00:02.000000+00:00 journal postfix/smtp[1204]: " and its
 * message: the time, the host, an identifier and a PID of bounded size. */
enum { LINE_MAX_BYTES = PF_JOURNAL_MESSAGE_MAX + 1024 };

static void check_lines(const struct mr_buf *out) {
	const char *s = out->data, *end = out->data + out->len;
	size_t lines = 0;
	FUZZ_CHECK(out->len == 0 || end[-1] == '\n', "the output ends inside a line");
	FUZZ_CHECK(memchr(s, '\0', out->len) == NULL, "a NUL in the output");
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t len = (size_t)(nl - s);
		FUZZ_CHECK(
			memchr(s, '\r', len) == NULL, "a carriage return inside line %zu", lines);
		FUZZ_CHECK(len <= LINE_MAX_BYTES, "line %zu is %zu bytes", lines, len);
		/* YYYY-MM-DDTHH:MM:SS */
		FUZZ_CHECK(len > 20 && s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':',
			"line %zu does not start with an RFC 3339 time", lines);
		FUZZ_CHECK(memmem(s, len, " postfix", 8) != NULL,
			"line %zu is not of the instance's programs", lines);
		lines++;
		s = nl + 1;
	}
	fuzz_note("%zu line%s", lines, lines == 1 ? "" : "s");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	size_t cut = size > 0 ? data[0] % (size + 1) : 0;
	struct mr_buf out;
	mr_buf_init(&out);
	struct pf_journal j;
	pf_journal_init(&j, &out, "postfix");
	pf_journal_feed(&j, (const char *)data, cut);
	pf_journal_feed(&j, (const char *)data + cut, size - cut);
	pf_journal_end(&j);
	check_lines(&out);
	fuzz_note_add(", %zu entr%s read, %zu skipped", j.entries, j.entries == 1 ? "y" : "ies",
		j.skipped);
	pf_journal_finish(&j);
	mr_buf_finish(&out);
	return 0;
}
