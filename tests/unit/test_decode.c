/*
 * The decoder: the matcher, code patterns, the parser on tricky texts, the
 * built-in knowledge base, and the table of real-world reasons in
 * tests/decode/reasons/ (the directory given as the first argument).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "blob.h"
#include "buf.h"
#include "corpus.h"
#include "decode.h"
#include "explain.h"
#include "harness.h"
#include "kb.h"
#include "matcher.h"
#include "snapshot.h"
#include "tsv.h"
#include "xalloc.h"

/* The development table is to hold at least 1,500 real lines. */
enum { CORPUS_MIN_LINES = 1500 };

/* Match i of n as "ID@END", "none" past the last, for comparing. */
static const char *hit_at(const struct mr_match *hits, size_t n, size_t i, char *out, size_t size) {
	if (i >= n) {
		return "none";
	}
	snprintf(out, size, "%u@%zu", (unsigned)hits[i].id, (size_t)hits[i].end);
	return out;
}

static void test_matcher(void) {
	struct mr_matcher *m = mr_matcher_create();
	mr_matcher_add(m, "he", 2, 1);
	mr_matcher_add(m, "she", 3, 2);
	mr_matcher_add(m, "HIS", 3, 3);
	mr_matcher_add(m, "hers", 4, 4);
	mr_matcher_add(m, "she", 3, 5);
	mr_matcher_build(m);
	struct mr_match hits[16];
	size_t n = mr_matcher_scan(m, "uSHErs his", 10, hits, 16);
	T_INT(n, 5, "matcher: every overlapping match is found");
	/* "she" (2 and 5, in the order added) and "he" end at 4, "hers" at 6. */
	char a[32], b[32], c[32];
	char *first = mr_xasprintf("%s %s %s", hit_at(hits, n, 0, a, sizeof(a)),
		hit_at(hits, n, 1, b, sizeof(b)), hit_at(hits, n, 2, c, sizeof(c)));
	T_STR(first, "2@4 5@4 1@4",
		"matcher: matches at one end come longest pattern first, then in order added");
	free(first);
	T_STR(hit_at(hits, n, 3, a, sizeof(a)), "4@6", "matcher: hers found across case");
	T_STR(hit_at(hits, n, 4, a, sizeof(a)), "3@10", "matcher: upper-case pattern folded");
	T_INT(mr_matcher_scan(m, "uSHErs his", 10, hits, 2), 2,
		"matcher: no more matches than the array holds");
	T_INT(mr_matcher_scan(m, "\xff\x01 nothing", 10, hits, 16), 0,
		"matcher: bytes outside every pattern match nothing");
	mr_matcher_destroy(m);

	/* Long texts are scanned as two halves at once: the same matches as a
	 * plain search, wherever they fall, the middle included. */
	static const char *const words[] = { "greylist", "mailbox full", "ox fu", "try again later",
		"a", "ll m", "temporarily deferred due to unexpected volume" };
	struct mr_matcher *big = mr_matcher_create();
	for (size_t w = 0; w < sizeof(words) / sizeof(*words); w++) {
		mr_matcher_add(big, words[w], strlen(words[w]), (uint32_t)w);
	}
	mr_matcher_build(big);
	size_t checked = 0, wrong = 0;
	for (size_t len = 60; len < 700; len += 37) {
		char text[700];
		for (size_t i = 0; i < len; i++) {
			text[i] = "Mailbox FULL, try again later; greylisted. temporarily deferred "
				  "due to unexpected volume x"[(i + len) % 91];
		}
		struct mr_match got[512];
		size_t n_got = mr_matcher_scan(big, text, len, got, 512);
		/* Reference: every (pattern, end) by comparison at every offset. */
		size_t want = 0;
		for (size_t w = 0; w < sizeof(words) / sizeof(*words); w++) {
			size_t wl = strlen(words[w]);
			for (size_t at = 0; at + wl <= len; at++) {
				if (strncasecmp(text + at, words[w], wl) != 0) {
					continue;
				}
				want++;
				bool seen = false;
				for (size_t k = 0; k < n_got && k < 512; k++) {
					seen |= got[k].id == w && got[k].end == at + wl;
				}
				wrong += !seen;
			}
		}
		wrong += n_got != want;
		checked += want;
	}
	T_SIZE(wrong, 0, "matcher: long texts give exactly the matches of a plain search");
	T_OK(checked > 100, "matcher: the long texts hold matches enough to tell (%zu)", checked);
	mr_matcher_destroy(big);

	struct mr_matcher *empty = mr_matcher_create();
	mr_matcher_build(empty);
	T_INT(mr_matcher_scan(empty, "abc", 3, hits, 16), 0, "matcher: no patterns, no matches");
	mr_matcher_destroy(empty);
}

/* A match of the reference search, and the order of one pass. */
struct ref_match {
	uint32_t id;
	size_t end, len;
};

static int ref_order(const void *a, const void *b) {
	const struct ref_match *x = a, *y = b;
	if (x->end != y->end) {
		return x->end < y->end ? -1 : 1;
	}
	if (x->len != y->len) {
		return x->len > y->len ? -1 : 1;
	}
	return x->id < y->id ? -1 : x->id > y->id;
}

/*
 * Hundreds of patterns, so that most states are deeper than those that
 * keep a full row, and texts of every length around the one from which a
 * scan runs as two halves: the matches of a plain search, in the order of
 * one pass (by end, then longest, then as added). The patterns of two
 * letters match at nearly every offset, so that matches of both halves end
 * together, the second half holds more than it keeps apart, and some texts
 * have more than the array holds.
 */
static void test_matcher_many(void) {
	enum { N_WORDS = 700, WANT_MAX = 40000 };
	static char words[N_WORDS][101];
	static struct ref_match want[WANT_MAX];
	struct mr_matcher *m = mr_matcher_create();
	uint32_t seed = 20261207;
	for (size_t w = 0; w < N_WORDS; w++) {
		seed = seed * 1103515245 + 12345;
		bool dense = w % 3 == 1;
		/* One long pattern puts every text here short of "long". */
		size_t len = w == 0 ? 100 : (dense ? 4 + (seed >> 16) % 9 : 8 + (seed >> 16) % 5);
		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245 + 12345;
			words[w][i] = w == 0  ? 'x'
				      : dense ? "aB"[(seed >> 16) % 2]
					      : "cdeE"[(seed >> 16) % 4];
		}
		words[w][len] = '\0';
		mr_matcher_add(m, words[w], len, (uint32_t)w);
	}
	mr_matcher_build(m);
	size_t wrong = 0, checked = 0, full = 0;
	for (size_t len = 1; len < 400; len += 7) {
		char text[400];
		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245 + 12345;
			/* Every other text has fewer matches: two halves merged. */
			text[i] = len % 2 ? "abABabABab c"[(seed >> 16) % 12]
					  : "abAB cde -"[(seed >> 16) % 10];
		}
		size_t n_want = 0;
		for (size_t w = 0; w < N_WORDS; w++) {
			size_t wl = strlen(words[w]);
			for (size_t at = 0; at + wl <= len && n_want < WANT_MAX; at++) {
				if (strncasecmp(text + at, words[w], wl) == 0) {
					want[n_want++] =
						(struct ref_match){ (uint32_t)w, at + wl, wl };
				}
			}
		}
		qsort(want, n_want, sizeof(*want), ref_order);
		struct mr_match got[512];
		size_t n_got = mr_matcher_scan(m, text, len, got, 512);
		wrong += n_got != (n_want < 512 ? n_want : 512);
		for (size_t k = 0; k < n_got && k < n_want; k++) {
			wrong += got[k].id != want[k].id || got[k].end != want[k].end;
		}
		checked += n_want;
		full += n_want > 512;
	}
	T_SIZE(wrong, 0, "matcher: many patterns give the matches of a plain search, in its order");
	T_OK(checked > 5000 && full > 0, "matcher: the texts hold matches enough to tell (%zu)",
		checked);
	mr_matcher_destroy(m);
}

static void test_code_patterns(void) {
	static const struct {
		const char *pattern;
		unsigned basic;
		const char *enhanced;
		int temporary;
		bool valid, match;
	} cases[] = {
		{ "4", 450, "", 1, true, true },
		{ "4", 0, "4.7.1", -1, true, true },
		{ "5", 0, "", 0, true, true },
		{ "5", 0, "", -1, true, false },
		{ "550", 550, "5.1.1", 0, true, true },
		{ "550", 0, "5.1.1", 0, true, false },
		{ "45x", 451, "", 1, true, true },
		{ "45x", 421, "", 1, true, false },
		{ "4xx", 421, "", 1, true, true },
		{ "5.7.1", 550, "5.7.1", 0, true, true },
		{ "5.7.1", 550, "5.7.10", 0, true, false },
		{ "4.7.*", 421, "4.7.28", 1, true, true },
		{ "4.7.*", 421, "5.7.28", 1, true, false },
		{ "x.1.1", 550, "5.1.1", 0, true, true },
		{ "*.1.1", 450, "4.1.1", 1, true, true },
		{ "5.7.6xx", 550, "5.7.606", 0, true, true },
		{ "5.7.6xx", 550, "5.7.6", 0, true, false },
		{ "5.7", 0, "", 0, false, false },
		{ "5.7.1.1", 0, "", 0, false, false },
		{ "55", 0, "", 0, false, false },
		{ "abc", 0, "", 0, false, false },
		{ "6", 0, "", 0, false, false },
		{ "5.7.1234", 0, "", 0, false, false },
		{ "none", 0, "", -1, true, true },
		{ "none", 0, "", 0, true, true },
		{ "none", 550, "", 0, true, false },
		{ "none", 0, "4.7.1", 1, true, false },
		{ "nonE", 0, "", 0, false, false },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		T_INT(mr_code_pattern_valid(cases[i].pattern), cases[i].valid,
			"code pattern \"%s\" is %svalid", cases[i].pattern,
			cases[i].valid ? "" : "not ");
		if (cases[i].valid) {
			T_INT(mr_code_match(cases[i].pattern, cases[i].basic, cases[i].enhanced,
				      cases[i].temporary),
				cases[i].match, "code pattern \"%s\" %s %u %s", cases[i].pattern,
				cases[i].match ? "matches" : "does not match", cases[i].basic,
				cases[i].enhanced);
		}
	}
}

static char *span_dup(const char *text, struct mr_span span) {
	return span.len ? mr_xstrndup(text + span.off, span.len) : mr_xstrdup("-");
}

/* The parser on texts chosen for their traps; categories are the data's. */
static void test_parser(const struct mr_kb *kb) {
	static const struct {
		const char *text;
		unsigned basic;
		const char *enhanced, *stage, *host, *address;
		unsigned port;
		int temporary;
	} cases[] = {
		{ "host mx.example.com[192.0.2.1] said: 550 5.1.1 <a@example.com>: Recipient "
		  "address rejected: User unknown (in reply to RCPT TO command)",
			550, "5.1.1", "rcpt", "mx.example.com", "192.0.2.1", 0, 0 },
		{ "host 127.0.0.1[127.0.0.1] said: 450 4.2.0 Greylisted, please try again later "
		  "(in reply to RCPT TO command)",
			450, "4.2.0", "rcpt", "127.0.0.1", "127.0.0.1", 0, 1 },
		/* Multi-line replies as Postfix flattens them. */
		{ "host gmail-smtp-in.l.google.com[142.250.27.26] said: 550-5.7.1 [192.0.2.9] "
		  "Our system has detected that this message is 550-5.7.1 likely unsolicited "
		  "mail. 550 5.7.1 https://support.google.com/mail/?p=UnsolicitedMessageError "
		  "(in reply to end of DATA command)",
			550, "5.7.1", "end-of-data", "gmail-smtp-in.l.google.com", "142.250.27.26",
			0, 0 },
		/* No enhanced code; an IP address is not one. */
		{ "host mx[5.6.7.8] said: 554 Your IP 5.6.7.8 is listed (in reply to MAIL FROM "
		  "command)",
			554, "-", "mail", "mx", "5.6.7.8", 0, 0 },
		/* Local errors without a code. */
		{ "connect to mx.example.net[203.0.113.5]:25: Connection refused", 0, "-",
			"connect", "mx.example.net", "203.0.113.5", 25, 1 },
		{ "delivery temporarily suspended: connect to 127.0.0.1[127.0.0.1]:2599: "
		  "Connection refused",
			0, "-", "connect", "127.0.0.1", "127.0.0.1", 2599, 1 },
		{ "conversation with 127.0.0.1[127.0.0.1] timed out while receiving the initial "
		  "server greeting",
			0, "-", "greeting", "127.0.0.1", "127.0.0.1", 0, 1 },
		{ "lost connection with mx.example.org[2001:db8::25] while sending end of data -- "
		  "message may be sent more than once",
			0, "-", "end-of-data", "mx.example.org", "2001:db8::25", 0, 1 },
		{ "Host or domain name not found. Name service error for name=example.invalid "
		  "type=MX: Host not found, try again",
			0, "-", "-", "-", "-", 0, 1 },
		{ "Host or domain name not found. Name service error for name=example.invalid "
		  "type=A: Host not found",
			0, "-", "-", "-", "-", 0, 0 },
		{ "mail for example.com loops back to myself", 0, "-", "-", "-", "-", 0, 0 },
		{ "TLS is required, but was not offered by host mx.example.com[192.0.2.7]", 0, "-",
			"starttls", "mx.example.com", "192.0.2.7", 0, 1 },
		{ "host mx.example.com[192.0.2.7] refused to talk to me: 554 5.7.1 Access denied",
			554, "5.7.1", "greeting", "mx.example.com", "192.0.2.7", 0, 0 },
		/* The code after text; the class decides which enhanced code counts. */
		{ "Remote server returned '550 5.4.1 Recipient address rejected: Access denied'",
			550, "5.4.1", "-", "-", "-", 0, 0 },
		{ "451 Temporary local problem - please try later (4.3.0)", 451, "4.3.0", "-", "-",
			"-", 0, 1 },
		{ "452 too many recipients (see 5.5.3 in RFC 3463)", 452, "-", "-", "-", "-", 0,
			1 },
		/* Exim, Sendmail, DSN. */
		{ "SMTP error from remote mail server after RCPT TO:<u@example.com>: 550 5.1.1 "
		  "<u@example.com>: Recipient address rejected",
			550, "5.1.1", "rcpt", "-", "-", 0, 0 },
		{ "H=mx.example.com [192.0.2.3]: SMTP error from remote mail server after end of "
		  "data: 552 5.3.4 Message size exceeds fixed limit",
			552, "5.3.4", "end-of-data", "mx.example.com", "192.0.2.3", 0, 0 },
		/* An internationalised host name, as Postfix logs it. */
		{ "host mx.m\xc3\xbcller.de[192.0.2.4] said: 451 4.3.0 try again (in reply to RCPT "
		  "TO "
		  "command)",
			451, "4.3.0", "rcpt", "mx.m\xc3\xbcller.de", "192.0.2.4", 0, 1 },
		{ "smtp; 550 5.2.1 The email account that you tried to reach is disabled", 550,
			"5.2.1", "-", "-", "-", 0, 0 },
		/* Gmail names the command it answers in parentheses. */
		{ "Deferred: 421 4.7.0 Try again later, closing connection. (EHLO)", 421, "4.7.0",
			"helo", "-", "-", 0, 1 },
		{ ">>> RCPT To:<u@example.com> <<< 550 5.1.1 User unknown", 550, "5.1.1", "rcpt",
			"-", "-", 0, 0 },
		/* Numbers that are not codes. */
		{ "host mx.example.com[192.0.2.1] said: Requested action aborted (in reply to "
		  "DATA command)",
			0, "-", "data", "mx.example.com", "192.0.2.1", 0, -1 },
		{ "Please try again later from [198.51.100.24]. (S77714)", 0, "-", "-", "-", "-", 0,
			1 },
		/* A code that wraps the failure's own gives way to it. */
		{ "554 <kijitora@example.ed.jp>... 550 Host unknown (Authoritative answer from "
		  "name server)",
			550, "-", "-", "-", "-", 0, 0 },
		{ "554 5.0.0 <user@example.org>... 550 5.1.1 User unknown", 550, "5.1.1", "-", "-",
			"-", 0, 0 },
		{ "host smtpz4.laposte.net[194.117.213.1] refused to talk to me: 220-laposte 421 "
		  "4.2.1 Service refuse. Service refused, please try later.",
			421, "4.2.1", "greeting", "smtpz4.laposte.net", "194.117.213.1", 0, 1 },
		/* Numbers that are not replies: a source line, an HTTP status. */
		{ "Error SMTP Init : SSL:<False>: STARTTLS extension not supported by server. : "
		  "mymail.py:503",
			0, "-", "starttls", "-", "-", 0, -1 },
		{ "RESEND ERROR { statusCode: 403, message: 'The example.com domain is not "
		  "verified' }",
			0, "-", "-", "-", "-", 0, -1 },
		{ "[400] Error encountered while sending using Gmail API - <HttpError 400 when "
		  "requesting https://www.googleapis.com/upload/gmail/v1/users/me/messages/send>",
			0, "-", "-", "-", "-", 0, -1 },
		/* A lone number that ends a text: a reply code only when SMTP defines it. */
		{ "Connection to smtp.example.net:587 Timed Out, 404", 0, "-", "-", "-", "-", 0,
			1 },
		{ "Error: Expected smtp code 250, got 552", 552, "-", "-", "-", "-", 0, 0 },
		/* A reply after the address it is about, with a code SMTP does not define. */
		{ "<user@example.com> : 571 user@example.com... You are banned", 571, "-", "-", "-",
			"-", 0, 0 },
		/* A stage phrase counts where a word starts: no "connect to " here. */
		{ "451 4.4.3 Temporary rejected: Reconnect to fast. Please try again later", 451,
			"4.4.3", "-", "-", "-", 0, 1 },
		/* A package's version in a path is not a status code. */
		{ "Command died with status 8: \"/mail/mailman-2.1.6/mail/mailman bounces "
		  "staff\". Command output: Failure to find group name mailman.",
			0, "-", "-", "-", "-", 0, -1 },
		{ "", 0, "-", "-", "-", "-", 0, -1 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const char *text = cases[i].text;
		struct mr_diagnosis d;
		mr_decode(kb, text, strlen(text), &d);
		char *host = span_dup(text, d.host), *addr = span_dup(text, d.address);
		const char *stage = mr_stage_name(d.stage);
		/* Every fact in one line, so that a difference shows beside the rest. */
		char *got = mr_xasprintf("%u %s %s host %s address %s port %u temporary %d",
			d.basic, d.enhanced[0] ? d.enhanced : "-", stage ? stage : "-", host, addr,
			d.port, d.temporary);
		char *want = mr_xasprintf("%u %s %s host %s address %s port %u temporary %d",
			cases[i].basic, cases[i].enhanced, cases[i].stage, cases[i].host,
			cases[i].address, cases[i].port, cases[i].temporary);
		T_STR(got, want, "parse: %.60s", text);
		free(got);
		free(want);
		free(host);
		free(addr);
	}

	/* Longer than the decoder reads, and hostile bytes: no crash, stays in bounds. */
	size_t big = MR_DECODE_MAX * 3;
	char *text = mr_xmalloc(big + 1);
	for (size_t i = 0; i < big; i++) {
		text[i] = "550 5.1.1 [1.2.3.4]<@>\x1b\xff"[i % 22];
	}
	text[big] = '\0';
	struct mr_diagnosis d;
	mr_decode(kb, text, big, &d);
	T_OK(d.host.off + d.host.len <= MR_DECODE_MAX,
		"parse: spans stay within what was read (the host ends at %zu of %d)",
		(size_t)d.host.off + d.host.len, (int)MR_DECODE_MAX);

	T_INT(d.basic, 550, "parse: a huge text still gives its code");
	free(text);
}

/* Every category is reachable and the files agree with each other. */
static void test_kb(const struct mr_kb *kb) {
	T_OK(kb->n_categories >= 19, "kb: %zu categories", kb->n_categories);
	T_OK(kb->n_basic >= 22, "kb: %zu basic codes", kb->n_basic);
	T_OK(kb->n_enhanced >= 80, "kb: %zu enhanced codes", kb->n_enhanced);
	T_OK(kb->n_provider_rules >= 60, "kb: %zu provider replies", kb->n_provider_rules);
	T_OK(kb->n_rules - kb->n_provider_rules >= 100, "kb: %zu general rules",
		kb->n_rules - kb->n_provider_rules);
	static const unsigned rfc5321[] = { 211, 214, 220, 221, 250, 251, 252, 354, 421, 450, 451,
		452, 455, 500, 501, 502, 503, 504, 550, 551, 552, 553, 554, 555 };
	size_t missing = 0;
	for (size_t i = 0; i < sizeof(rfc5321) / sizeof(*rfc5321); i++) {
		if (mr_kb_basic(kb, rfc5321[i]) == NULL) {
			t_note("basic code %u is missing", rfc5321[i]);
			missing++;
		}
	}
	T_INT(missing, 0, "kb: every basic reply code of RFC 5321 is known");
	T_NONNULL(mr_kb_enhanced(kb, "5.1.1"), "kb: enhanced code 5.1.1 is found");
	T_NONNULL(mr_kb_enhanced(kb, "4.7.1"), "kb: enhanced code 4.7.1 is found");
	T_NONNULL(mr_kb_enhanced(kb, "5.7.26"), "kb: enhanced code 5.7.26 is found");
	size_t unreachable = 0;
	for (size_t c = 0; c < kb->n_categories; c++) {
		bool used = (int)c == kb->unknown;
		for (size_t r = 0; !used && r < kb->n_rules; r++) {
			used = kb->rules[r].category == (int)c;
		}
		if (!used) {
			t_note("no rule leads to category %s", kb->categories[c].name);
			unreachable++;
		}
	}
	T_INT(unreachable, 0, "kb: every category can be reached by a rule");
	/* Each rule can decide its own phrase (is not shadowed by an earlier one
	 * that matches whenever it does, codes allowing). */
	size_t shadowed = 0;
	for (size_t r = 0; r < kb->n_rules; r++) {
		const struct mr_rule *rule = &kb->rules[r];
		if (rule->code != NULL) {
			continue;
		}
		struct mr_diagnosis d;
		mr_decode(kb, rule->pattern, strlen(rule->pattern), &d);
		if (d.rule >= 0 && (size_t)d.rule < r && kb->rules[d.rule].code == NULL &&
			kb->rules[d.rule].category != rule->category) {
			t_note("rule \"%s\" (%s) is decided by earlier \"%s\" (%s)", rule->pattern,
				kb->categories[rule->category].name, kb->rules[d.rule].pattern,
				kb->categories[kb->rules[d.rule].category].name);
			shadowed++;
		}
	}
	T_INT(shadowed, 0, "kb: no rule is shadowed by an earlier one of another category");
}

/* Loading reports bad data by file and line. */
static void test_kb_errors(void) {
	/* A small good knowledge base, file by file (kb.h's order); each case
	 * replaces one file. */
	static const char *const good[MR_KB_FILES] = {
		"name\tsisimai\tbadge\twaits\ttitle\tmeaning\tadvice\n"
		"unknown\tundefined\t?\tsometimes\tunknown\tm\ta\n"
		"dns\thostunknown\tdns\tsometimes\tDNS\tm\ta\n",
		"code\tmeaning\treference\n550\tm\tr\n",
		"code\ttitle\tmeaning\tcategory\treference\nX.1.1\tt\tm\t-\tr\n",
		"code\tstage\tcategory\tnote\n55x\trcpt\tdns\tn\n",
		"provider\tpattern\tcode\tcategory\tmeaning\tadvice\tsource\n",
		"pattern\tcode\tcategory\tmeaning\tadvice\tnote\nname service\t-\tdns\t-\t-\t-\n",
		"word\tcode\tcategory\tnote\nnxdomain\t-\tdns\t-\n",
		"word\tcategory\tlines\n*\tdns\t2\nlookup\tdns\t2\n",
	};
	enum { CATS, BASIC, ENH, REPLIES, PROV, RULES, WORDS, MODEL };
	const struct {
		int file;
		const char *data, *error;
	} cases[] = {
		{ RULES, NULL, NULL },
		{ RULES,
			"pattern\tcode\tcategory\tmeaning\tadvice\tnote\nname "
			"service\t-\tdnss\t-\t-\t-\n",
			"decode/rules.tsv:2: unknown category \"dnss\"" },
		{ RULES,
			"pattern\tcode\tcategory\tmeaning\tadvice\tnote\nName "
			"service\t-\tdns\t-\t-\t-\n",
			"decode/rules.tsv:2: pattern not in lower case: \"Name service\"" },
		{ RULES,
			"pattern\tcode\tcategory\tmeaning\tadvice\tnote\nname "
			"service\t5.x\tdns\t-\t-\t-\n",
			"decode/rules.tsv:2: not a code pattern: \"5.x\"" },
		{ RULES, "pattern\tcode\tcategory\tmeaning\tadvice\tnote\ndns\t-\tdns\t-\t-\t-\n",
			"decode/rules.tsv:2: pattern shorter than 4 characters: \"dns\"" },
		{ CATS,
			"name\tsisimai\tbadge\twaits\ttitle\tmeaning\tadvice\n"
			"unknown\tundefined\t?\tmaybe\tunknown\tm\ta\n",
			"decode/categories.tsv:2: waits is not yes, no or sometimes: \"maybe\"" },
		{ REPLIES, "code\tstage\tcategory\tnote\n5.1.1\trcpt\tdns\tn\n",
			"decode/replies.tsv:2: not a reply code pattern: \"5.1.1\"" },
		{ REPLIES, "code\tstage\tcategory\tnote\n550\tquit\tdns\tn\n",
			"decode/replies.tsv:2: not a stage: \"quit\"" },
		{ REPLIES, "code\tstage\tcategory\tnote\n550\trcpt\tnxdomain\tn\n",
			"decode/replies.tsv:2: unknown category \"nxdomain\"" },
		{ WORDS, "word\tcode\tcategory\tnote\nnx\t-\tdns\t-\n",
			"decode/words.tsv:2: word shorter than 3 characters: \"nx\"" },
		{ WORDS, "word\tcode\tcategory\tnote\nNXdomain\t-\tdns\t-\n",
			"decode/words.tsv:2: pattern not in lower case: \"NXdomain\"" },
		{ MODEL, "word\tcategory\tlines\n*\tdnss\t2\n",
			"decode/model.tsv:2: unknown category \"dnss\"" },
		{ MODEL, "word\tcategory\tlines\nzone\tdns\t2\nlookup\tdns\t2\n",
			"decode/model.tsv:3: \"lookup\" is out of order" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const char *data[MR_KB_FILES];
		size_t lens[MR_KB_FILES];
		for (int f = 0; f < MR_KB_FILES; f++) {
			data[f] = f == cases[i].file && cases[i].data != NULL ? cases[i].data
									      : good[f];
			lens[f] = strlen(data[f]);
		}
		char *cause = NULL;
		struct mr_kb *kb = mr_kb_load(data, lens, &cause);
		if (cases[i].error == NULL) {
			T_TRUE(kb != NULL, cause, "kb load: good data loads");
		} else {
			T_STR(cause, cases[i].error, "kb load: %s", cases[i].error);
		}
		mr_kb_destroy(kb);
		free(cause);
	}
}

/*
 * The development table of real reason lines (tests/decode/reasons/, one
 * file per MTA or provider family). Codes and stage are facts of the text:
 * every line must give exactly those. The category is a judgement the
 * labels record: the decoder must agree (with the label or its documented
 * second reading) on at least 90% of the lines and say unknown on at most
 * 5% of them; each disagreement is listed.
 */
static void test_corpus(const struct mr_kb *kb, const struct corpus *c) {
	T_OK(c->n_lines >= CORPUS_MIN_LINES, "corpus: %zu real reason lines (at least %d)",
		c->n_lines, CORPUS_MIN_LINES);
	size_t agreed = 0, unknown = 0, unknown_label = 0;
	for (size_t i = 0; i < c->n_lines; i++) {
		const struct corpus_line *line = &c->lines[i];
		char **f = line->fields;
		T_TRUE(mr_kb_category_find(kb, f[CORPUS_CATEGORY]) >= 0, f[CORPUS_CATEGORY],
			"corpus %s:%zu: the label is a category", line->file, line->line);
		T_TRUE(strcmp(f[CORPUS_SECOND], "-") == 0 ||
				mr_kb_category_find(kb, f[CORPUS_SECOND]) >= 0,
			f[CORPUS_SECOND], "corpus %s:%zu: the second reading is a category",
			line->file, line->line);
		struct corpus_verdict v;
		corpus_judge(kb, line, &v);
		char *got = mr_xasprintf("%s %s %s", v.basic, v.enhanced, v.stage);
		char *want = mr_xasprintf(
			"%s %s %s", f[CORPUS_BASIC], f[CORPUS_ENHANCED], f[CORPUS_STAGE]);
		if (!T_STR(got, want, "corpus %s:%zu: codes and stage", line->file, line->line)) {
			t_note("text: %s", f[CORPUS_REASON]);
		}
		free(got);
		free(want);
		agreed += v.category_right;
		unknown += v.unknown;
		unknown_label += strcmp(f[CORPUS_CATEGORY], "unknown") == 0;
		if (!v.category_right) {
			t_note("%s:%zu: labelled %s, decoded %s (%s): %s", line->file, line->line,
				f[CORPUS_CATEGORY], v.category, mr_confidence_name(v.d.confidence),
				f[CORPUS_REASON]);
		}
	}
	/* Thousandths, so that the check compares integers. */
	size_t agree_pm = c->n_lines ? agreed * 1000 / c->n_lines : 0;
	size_t unknown_pm = c->n_lines ? unknown * 1000 / c->n_lines : 0;
	T_OK(agree_pm >= 900,
		"corpus: the category agrees on %zu of %zu lines (%zu.%zu%%, at least 90%%)",
		agreed, c->n_lines, agree_pm / 10, agree_pm % 10);
	T_OK(unknown_pm <= 50,
		"corpus: unknown on %zu of %zu lines (%zu.%zu%%, at most 5%%; %zu are labelled so)",
		unknown, c->n_lines, unknown_pm / 10, unknown_pm % 10, unknown_label);
}

/*
 * A rule shadows another on a real line when both match, the other names
 * the line's cause (its label or documented second reading), and the first
 * names something else: then the order of the tables, not the words,
 * decides what operators are told. The first must be made narrower (or
 * the other moved before it).
 */
static void test_rule_shadows(const struct mr_kb *kb, const struct corpus *c) {
	size_t shadowed = 0;
	for (size_t i = 0; i < c->n_lines; i++) {
		char **f = c->lines[i].fields;
		uint32_t rules[64];
		size_t n =
			mr_decode_rules(kb, f[CORPUS_REASON], strlen(f[CORPUS_REASON]), rules, 64);
		int label = mr_kb_category_find(kb, f[CORPUS_CATEGORY]);
		int second = mr_kb_category_find(kb, f[CORPUS_SECOND]);
		uint32_t first = UINT32_MAX, right = UINT32_MAX;
		for (size_t k = 0; k < n; k++) {
			int category = kb->rules[rules[k]].category;
			first = rules[k] < first ? rules[k] : first;
			if ((category == label || category == second) && rules[k] < right) {
				right = rules[k];
			}
		}
		if (right != UINT32_MAX && first != right) {
			const struct mr_rule *a = &kb->rules[first], *b = &kb->rules[right];
			t_note("%s:%zu: \"%s\" (%s) shadows \"%s\" (%s): %s", c->lines[i].file,
				c->lines[i].line, a->pattern, kb->categories[a->category].name,
				b->pattern, kb->categories[b->category].name, f[CORPUS_REASON]);
			shadowed++;
		}
	}
	T_INT(shadowed, 0, "shadows: no rule shadows the one that names a real line's cause");
}

/* A snapshot decodes each distinct reason once and links every recipient. */
static void test_snapshot(void) {
	struct mr_snapshot *snap = mr_snapshot_create();
	static const char *const reasons[] = { "450 4.2.0 Greylisted", NULL,
		"connect to a.example[192.0.2.1]:25: Connection refused", "450 4.2.0 Greylisted" };
	for (int m = 0; m < 300; m++) {
		char id[16];
		snprintf(id, sizeof(id), "A%d", m);
		mr_snapshot_add_message(snap, id);
		for (int r = 0; r < 4; r++) {
			char addr[32];
			snprintf(addr, sizeof(addr), "u%d@example.com", r);
			struct mr_recipient *rc = mr_snapshot_add_recipient(snap, addr);
			rc->reason = reasons[r] ? mr_snapshot_reason(
							  snap, reasons[r], strlen(reasons[r]))
						: NULL;
		}
	}
	/* Enough distinct reasons to make the table grow. */
	for (int m = 0; m < 3000; m++) {
		char text[64];
		snprintf(text, sizeof(text), "550 5.1.1 user%d: User unknown", m);
		mr_snapshot_add_message(snap, "B");
		mr_snapshot_add_recipient(snap, "x@example.com")->reason =
			mr_snapshot_reason(snap, text, strlen(text));
	}
	mr_snapshot_finish(snap);
	T_INT(snap->n_diagnoses, 3002, "snapshot: one diagnosis per distinct reason");
	const struct mr_recipient *r0 = &snap->recipients[0], *r3 = &snap->recipients[3];
	T_OK(r0->diagnosis != MR_NO_DIAGNOSIS, "snapshot: a reason has a diagnosis (%lld)",
		(long long)r0->diagnosis);
	T_INT(r3->diagnosis, r0->diagnosis, "snapshot: equal reasons share a diagnosis");
	T_NULL(mr_recipient_diagnosis(snap, &snap->recipients[1]),
		"snapshot: no reason, no diagnosis");
	const struct mr_diagnosis *d = mr_recipient_diagnosis(snap, &snap->recipients[2]);
	T_NONNULL(d, "snapshot: a recipient with a reason has a diagnosis");
	if (d != NULL) {
		T_INT(d->stage, MR_STAGE_CONNECT,
			"snapshot: the diagnosis belongs to the recipient's reason: connect");
		T_INT(d->port, 25,
			"snapshot: the diagnosis belongs to the recipient's reason: port");
	}
	const struct mr_diagnosis *last =
		mr_recipient_diagnosis(snap, &snap->recipients[snap->n_recipients - 1]);
	T_NONNULL(last, "snapshot: reasons after growing have a diagnosis");
	if (last != NULL) {
		T_INT(last->basic, 550, "snapshot: reasons after growing are linked");
	}
	mr_snapshot_destroy(snap);
}

static bool same_diagnosis(const struct mr_diagnosis *a, const struct mr_diagnosis *b) {
	return a->basic == b->basic && strcmp(a->enhanced, b->enhanced) == 0 &&
	       a->stage == b->stage && a->temporary == b->temporary && a->category == b->category &&
	       a->rule == b->rule && a->port == b->port && a->host.off == b->host.off &&
	       a->host.len == b->host.len && a->address.off == b->address.off &&
	       a->address.len == b->address.len;
}

/* Distinct reasons of four kinds, as a big queue has them. */
static void make_reason(char *out, size_t size, int i) {
	int mx = i % 7, ip = i % 250;
	switch (i % 4) {
	case 0:
		snprintf(out, size,
			"host mx%d.example.com[192.0.2.%d] said: 450 4.2.0 <u%d@example.com>: "
			"Greylisted",
			mx, ip, i);
		break;
	case 1:
		snprintf(out, size,
			"host mx%d.example.com[192.0.2.%d] said: 550 5.1.1 <u%d@example.com>: User "
			"unknown (in reply to RCPT TO command)",
			mx, ip, i);
		break;
	case 2:
		snprintf(out, size,
			"connect to mx%d.example.com[192.0.2.%d]:25: Connection timed out (%d)", mx,
			ip, i);
		break;
	default:
		snprintf(out, size,
			"host mx%d.example.com[192.0.2.%d] refused to talk to me: 554 5.7.1 listed "
			"%d",
			mx, ip, i);
	}
}

/* Adds n messages with distinct reasons, offered for early decoding; the one
 * after gap_after is preceded by a reason interned without it (as the mail
 * log's are). */
static void fill_early(struct mr_snapshot *snap, int n, int gap_after) {
	char text[256];
	for (int i = 0; i < n; i++) {
		make_reason(text, sizeof(text), i);
		mr_snapshot_add_message(snap, "A1");
		struct mr_recipient *r = mr_snapshot_add_recipient(snap, "u@example.com");
		r->reason = mr_snapshot_reason(snap, text, strlen(text));
		mr_snapshot_decode_soon(snap, r->reason);
		mr_snapshot_decode_soon(snap, r->reason); /* seen: ignored */
		if (i == gap_after) {
			mr_snapshot_reason(snap, "a gap", 5);
		}
	}
}

/* Every recipient's diagnosis is what decoding its reason alone gives. */
static size_t count_as_alone(const struct mr_kb *kb, const struct mr_snapshot *snap) {
	size_t same = 0;
	struct mr_buf scratch;
	mr_buf_init(&scratch);
	for (size_t i = 0; i < snap->n_recipients; i++) {
		const struct mr_recipient *r = &snap->recipients[i];
		struct mr_diagnosis alone;
		mr_decode(kb, mr_text_str(r->reason, &scratch), r->reason->len, &alone);
		same += same_diagnosis(mr_recipient_diagnosis(snap, r), &alone);
	}
	mr_buf_finish(&scratch);
	return same;
}

/* Reasons decoded while a listing is read (on a second core) come out as
 * those decoded at the end, also when some were interned by another path,
 * and a snapshot can be cleared or destroyed while its thread runs. */
static void test_early_decoding(const struct mr_kb *kb) {
	bool cores = sysconf(_SC_NPROCESSORS_ONLN) > 1;
	struct mr_snapshot *snap = mr_snapshot_create();
	fill_early(snap, 5000, 3000);
	if (cores) {
		T_NONNULL(snap->early, "early decoding: a thread is started");
		T_SIZE(snap->early_next, 3001,
			"early decoding: a thread takes the texts up to the gap");
	} else {
		T_NULL(snap->early, "early decoding: on one core, no thread");
	}

	mr_snapshot_finish(snap);
	T_INT(snap->n_diagnoses, 5001, "early decoding: one diagnosis per text");
	T_INT(count_as_alone(kb, snap), 5000, "early decoding: every diagnosis as decoded alone");
	mr_snapshot_clear(snap);
	fill_early(snap, 100, -1); /* cleared while the thread is busy */
	mr_snapshot_clear(snap);
	fill_early(snap, 2000, -1);
	mr_snapshot_finish(snap);
	T_INT(count_as_alone(kb, snap), 2000, "early decoding: after clearing, as decoded alone");
	fill_early(snap, 3000, -1);
	mr_snapshot_destroy(snap); /* with the thread busy: ASan would see a leak */
}

/* An address refused in reply to MAIL FROM is the sender's: the same words
 * at RCPT TO are the recipient's. */
static void test_sender_stage(const struct mr_kb *kb) {
	static const struct {
		const char *text, *category, *decided;
	} cases[] = {
		{ "host mx[192.0.2.1] said: 551 invalid address (in reply to MAIL FROM command)",
			"sender-rejected",
			"the wording \"invalid address\" in reply to MAIL FROM: the sender's "
			"address "
			"(confidence: rule)" },
		{ "host mx[192.0.2.1] said: 551 invalid address (in reply to RCPT TO command)",
			"unknown-user", "the wording \"invalid address\" (confidence: rule)" },
		{ "SMTP error from remote mail server after MAIL FROM:<a@example.com>: 550 5.1.1 "
		  "User unknown",
			"sender-rejected", NULL },
	};
	struct mr_buf decided;
	mr_buf_init(&decided);
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct mr_diagnosis d;
		mr_decode(kb, cases[i].text, strlen(cases[i].text), &d);
		T_STR(kb->categories[d.category].name, cases[i].category, "stage decides whose: %s",
			cases[i].text);
		if (cases[i].decided != NULL) {
			mr_explain_decided(&decided, kb, &d);
			T_STR(decided.data, cases[i].decided, "decided: %s", cases[i].text);
		}
	}
	mr_buf_finish(&decided);
}

/* The word model is the table's: learning it again gives model.tsv byte for
 * byte. And it guesses what its words say on lines no rule names. */
static void test_word_model(const struct mr_kb *kb, const struct corpus *c) {
	struct mr_buf learnt;
	mr_buf_init(&learnt);
	corpus_train(kb, c, &learnt);
	const struct mr_blob *built_in = mr_blob_find("decode/model.tsv");
	bool same = built_in != NULL && built_in->len == learnt.len &&
		    memcmp(built_in->data, learnt.data, learnt.len) == 0;
	T_TRUE(same,
		"share/decode/model.tsv is out of date: run build/tests/decode-train "
		"tests/decode/reasons >share/decode/model.tsv",
		"word model: model.tsv is what the table teaches");
	mr_buf_finish(&learnt);

	const struct {
		const char *text, *category;
	} cases[] = {
		/* words only, in no rule: the causes whose lines use them */
		{ "this message looks suspicious", "spam" },
		{ "storage exhausted", "mailbox-full" },
		{ "remote host closed the door", "network" },
		/* nothing it knows: still unknown */
		{ "zzzz qqqq", "unknown" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct mr_diagnosis d;
		mr_decode(kb, cases[i].text, strlen(cases[i].text), &d);
		T_STR(kb->categories[d.category].name, cases[i].category, "word model: %s",
			cases[i].text);
		bool by_model = d.confidence == MR_CONFIDENCE_GUESS && d.clue < 0;
		T_TRUE(by_model || d.confidence == MR_CONFIDENCE_NONE, "decided by another step",
			"word model decides: %s", cases[i].text);
	}
}

int main(int argc, char **argv) {
	const struct mr_kb *kb = mr_kb_default();
	test_matcher();
	test_matcher_many();
	test_code_patterns();
	test_parser(kb);
	test_kb(kb);
	test_kb_errors();
	test_snapshot();
	test_early_decoding(kb);
	test_sender_stage(kb);
	if (argc > 1) {
		struct corpus table;
		char *cause = NULL;
		if (T_TRUE(corpus_load(&table, argv[1], &cause), cause, "corpus: %s is read",
			    argv[1])) {
			test_corpus(kb, &table);
			test_rule_shadows(kb, &table);
			test_word_model(kb, &table);
			corpus_finish(&table);
		}
		free(cause);
	} else {
		T_OK(false, "corpus: no path given");
	}
	return t_done();
}
