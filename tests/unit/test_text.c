/* The untrusted-text layer: what reaches a terminal for hostile input. */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "buf.h"
#include "harness.h"
#include "shquote.h"
#include "text.h"

static const struct {
	const char *name;
	const char *in;
	size_t len; /* 0: strlen */
	const char *want;
} visible_cases[] = {
	{ "plain ASCII", "host mx1.example.com said: 450 4.2.0 Greylisted", 0,
		"host mx1.example.com said: 450 4.2.0 Greylisted" },
	{ "UTF-8 kept",
		"j\xc3\xbcrgen@b\xc3\xbc"
		"cher-keller.de",
		0,
		"j\xc3\xbcrgen@b\xc3\xbc"
		"cher-keller.de" },
	{ "emoji kept", "Sale \xf0\x9f\x8e\x89", 0, "Sale \xf0\x9f\x8e\x89" },
	{ "CSI clear screen", "\x1b[2J\x1b[H", 0, "^[[2J^[[H" },
	{ "OSC title with BEL", "\"\x1b]0;owned\x07\"@attacker.example", 0,
		"\"^[]0;owned^G\"@attacker.example" },
	{ "tab newline CR", "a\tb\nc\rd", 0, "a^Ib^Jc^Md" },
	{ "NUL inside", "a\0b", 3, "a^@b" },
	{ "NUL stored as C0 80",
		"a\xc0\x80"
		"b",
		0, "a^@b" },
	{ "stored NUL at the end", "a\xc0\x80", 0, "a^@" },
	{ "C0 without 80 after it",
		"a\xc0"
		"b",
		0, "a\\xC0b" },
	{ "DEL", "x\x7fy", 0, "x^?y" },
	{ "C1 CSI as UTF-8",
		"a\xc2\x9b"
		"31mb",
		0, "a<U+009B>31mb" },
	{ "right-to-left override",
		"user\xe2\x80\xae"
		"fdp.exe",
		0, "user<U+202E>fdp.exe" },
	{ "left-to-right isolate", "\xe2\x81\xa6x\xe2\x81\xa9", 0, "<U+2066>x<U+2069>" },
	{ "line separator",
		"a\xe2\x80\xa8"
		"b",
		0, "a<U+2028>b" },
	{ "byte order mark", "\xef\xbb\xbfSubject", 0, "<U+FEFF>Subject" },
	{ "zero-width joiner kept", "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x92\xbb", 0,
		"\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x92\xbb" },
	{ "lone continuation byte", "a\x80z", 0, "a\\x80z" },
	{ "Latin-1 byte", "M\xfcller", 0, "M\\xFCller" },
	{ "overlong slash", "\xc0\xaf", 0, "\\xC0\\xAF" },
	{ "overlong 3-byte NUL", "\xe0\x80\x80", 0, "\\xE0\\x80\\x80" },
	{ "UTF-16 surrogate", "\xed\xa0\x80", 0, "\\xED\\xA0\\x80" },
	{ "beyond U+10FFFF", "\xf4\x90\x80\x80", 0, "\\xF4\\x90\\x80\\x80" },
	{ "truncated sequence at end", "ok\xe2\x82", 0, "ok\\xE2\\x82" },
	{ "truncated then ASCII", "\xe2\x82z", 0, "\\xE2\\x82z" },
	{ "empty", "", 0, "" },
};

static void test_visible(void) {
	for (size_t i = 0; i < sizeof(visible_cases) / sizeof(*visible_cases); i++) {
		struct mr_buf out;
		mr_buf_init(&out);
		const char *in = visible_cases[i].in;
		size_t len = visible_cases[i].len ? visible_cases[i].len : strlen(in);
		mr_text_visible(&out, in, len);
		T_STR(out.data, visible_cases[i].want, "visible: %s", visible_cases[i].name);
		/* Nothing below 0x20 and no DEL may survive, whatever the input. */
		size_t controls = 0;
		for (size_t j = 0; j < out.len; j++) {
			unsigned char c = (unsigned char)out.data[j];
			controls += c < 0x20 || c == 0x7f;
		}
		T_SIZE(controls, 0, "visible: %s has no control bytes", visible_cases[i].name);
		mr_buf_finish(&out);
	}
}

static void test_glyph_kinds(void) {
	const char *s = "a\x1b\xc3\xa9";
	size_t pos = 0;
	struct mr_glyph g;
	mr_glyph_next(s, strlen(s), &pos, &g);
	T_INT(g.kind, MR_GLYPH_CHAR, "glyph: ASCII char is a char");
	T_INT(g.cp, 'a', "glyph: ASCII char, its code point");
	T_SIZE(pos, 1, "glyph: ASCII char, one byte");
	mr_glyph_next(s, strlen(s), &pos, &g);
	T_INT(g.kind, MR_GLYPH_ESCAPE, "glyph: ESC is an escape");
	T_STR(g.text, "^[", "glyph: ESC shown as ^[");
	T_SIZE(pos, 2, "glyph: ESC, one byte");
	mr_glyph_next(s, strlen(s), &pos, &g);
	T_INT(g.kind, MR_GLYPH_CHAR, "glyph: two-byte char is a char");
	T_INT(g.cp, 0xe9, "glyph: two-byte char, its code point");
	T_SIZE(pos, 4, "glyph: two-byte char, two bytes");
}

static void test_utf8_round_trip(void) {
	static const uint32_t cps[] = { 0x41, 0x7f, 0x80, 0x7ff, 0x800, 0xffff, 0x10000, 0x10ffff };
	for (size_t i = 0; i < sizeof(cps) / sizeof(*cps); i++) {
		char buf[4];
		size_t n = mr_utf8_encode(cps[i], buf);
		uint32_t back = 0;
		size_t m = mr_utf8_decode((const unsigned char *)buf, n, &back);
		T_SIZE(m, n, "utf8 round trip U+%04X: the bytes written are read",
			(unsigned)cps[i]);
		T_INT(back, cps[i], "utf8 round trip U+%04X", (unsigned)cps[i]);
	}
}

/* A NUL is stored as C0 80 by the readers and becomes a NUL again only
 * where the output has a length (--csv-raw). */
static void test_stored_nul(void) {
	static const char with_nuls[] = "\0a\0\0b\0";
	struct mr_buf stored, back;
	mr_buf_init(&stored);
	mr_buf_init(&back);
	mr_buf_add_nul_safe(&stored, with_nuls, sizeof(with_nuls) - 1);
	T_STR(stored.data,
		"\xc0\x80"
		"a\xc0\x80\xc0\x80"
		"b\xc0\x80",
		"NULs stored as C0 80");
	T_INT(strlen(stored.data), stored.len, "stored: no NUL byte left");
	mr_buf_add_nul_restored(&back, stored.data, stored.len);
	T_MEM(back.data, back.len, with_nuls, sizeof(with_nuls) - 1,
		"restored: the same bytes again");
	const char *s = "x\xc0\x80y";
	size_t pos = 1;
	struct mr_glyph g;
	mr_glyph_next(s, strlen(s), &pos, &g);
	T_INT(g.kind, MR_GLYPH_ESCAPE, "glyph: a stored NUL is an escape");
	T_STR(g.text, "^@", "glyph: a stored NUL is shown as ^@");
	T_SIZE(pos, 3, "glyph: a stored NUL is one glyph of two bytes");
	mr_buf_finish(&stored);
	mr_buf_finish(&back);
}

static void test_dup(void) {
	char *s = mr_text_visible_dup("bad\x1b[0m");
	T_STR(s, "bad^[[0m", "visible_dup");
	free(s);
}

/* Command lines for a remote shell: what each argv becomes. */
static void test_shell_quote(void) {
	static const struct {
		const char *argv[5];
		const char *want;
	} cases[] = {
		{ { "sudo", "-n", "/usr/sbin/postsuper", "-h", NULL },
			"sudo -n /usr/sbin/postsuper -h" },
		{ { "/usr/sbin/postqueue", "-c", "/tmp/lab dir/etc", "-j", NULL },
			"/usr/sbin/postqueue -c '/tmp/lab dir/etc' -j" },
		{ { "echo", "", "it's", NULL }, "echo '' 'it'\\''s'" },
		{ { "x", "$(reboot)", "`id`;rm -rf /", "a|b&c>d", NULL },
			"x '$(reboot)' '`id`;rm -rf /' 'a|b&c>d'" },
		{ { "x", "*", "~root", "new\nline", NULL }, "x '*' '~root' 'new\nline'" },
		{ { "x", "tab\there", "\x1b[2J", NULL }, "x 'tab\there' '\x1b[2J'" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct mr_buf out;
		mr_buf_init(&out);
		mr_shell_quote_argv(&out, cases[i].argv);
		T_STR(out.data, cases[i].want, "shell quoting, case %zu", i);
		mr_buf_finish(&out);
	}
}

/* RFC 4648's vectors, without padding as fingerprints are printed, and
 * back, with padding and line breaks as key files have them. */
static void test_base64(void) {
	static const char *const plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const coded[] = { "", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE",
		"Zm9vYmFy" };
	for (size_t i = 0; i < sizeof(plain) / sizeof(*plain); i++) {
		struct mr_buf out;
		mr_buf_init(&out);
		mr_base64_encode(&out, (const unsigned char *)plain[i], strlen(plain[i]));
		T_STR(out.data, coded[i], "base64 of \"%s\"", plain[i]);
		mr_buf_finish(&out);
	}
	unsigned char raw[16];
	size_t n = mr_base64_decode("Zm9v\nYmE=\n-----END", raw, sizeof(raw));
	T_MEM(raw, n, "fooba", 5, "base64 decoded across a line break");
	n = mr_base64_decode("Zm9vYmFy", raw, 4);
	T_MEM(raw, n, "foob", 4, "base64 decoding stops at the room given");
}

/* Where a search of the screen finds its text: ASCII letters without case,
 * every other byte as it is; -1 for nowhere. */
static void test_find_ascii_case(void) {
	static const struct {
		const char *s, *needle;
		int at;
	} cases[] = {
		{ "Host outlook.com said", "OUTLOOK", 5 },
		{ "Host outlook.com said", "said", 17 },
		{ "abc", "abcd", -1 },
		{ "abc", "", -1 },
		{ "", "a", -1 },
		{ "x\xc3\x89t\xc3\xa9", "\xc3\xa9", 4 }, /* É is not é: not ASCII */
		{ "a-b_c", "B_C", 2 },
		{ "[ab]", "[AB]", 0 },
		{ "aaab", "aab", 1 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const char *hit = mr_find_ascii_case(
			cases[i].s, strlen(cases[i].s), cases[i].needle, strlen(cases[i].needle));
		T_INT(hit ? hit - cases[i].s : -1, cases[i].at, "find \"%s\" in \"%s\"",
			cases[i].needle, cases[i].s);
	}
}

/* Numbers appended in decimal are printf's digits, at the edges too. */
static void test_buf_numbers(void) {
	static const int64_t signed_cases[] = { 0, 7, 10, -1, -10, 1795435200, INT64_MAX,
		INT64_MIN };
	for (size_t i = 0; i < sizeof(signed_cases) / sizeof(*signed_cases); i++) {
		struct mr_buf b;
		mr_buf_init(&b);
		mr_buf_add_str(&b, "n=");
		mr_buf_add_i64(&b, signed_cases[i]);
		char want[32];
		snprintf(want, sizeof(want), "n=%" PRId64, signed_cases[i]);
		T_STR(b.data, want, "buf: signed %s", want);
		mr_buf_finish(&b);
	}
	static const uint64_t unsigned_cases[] = { 0, 9, 100, UINT64_MAX };
	for (size_t i = 0; i < sizeof(unsigned_cases) / sizeof(*unsigned_cases); i++) {
		struct mr_buf b;
		mr_buf_init(&b);
		mr_buf_add_u64(&b, unsigned_cases[i]);
		char want[32];
		snprintf(want, sizeof(want), "%" PRIu64, unsigned_cases[i]);
		T_STR(b.data, want, "buf: unsigned %s", want);
		mr_buf_finish(&b);
	}
}

int main(void) {
	test_buf_numbers();
	test_shell_quote();
	test_base64();
	test_find_ascii_case();
	test_visible();
	test_glyph_kinds();
	test_utf8_round_trip();
	test_dup();
	test_stored_nul();
	return t_done();
}
