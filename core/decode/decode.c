#include "decode.h"

#include <string.h>
#include <strings.h>

#include "bytescan.h"
#include "matcher.h"
#include "phrases.h"
#include "wordmodel.h"

/*
 * Decoding works on at most MR_DECODE_MAX bytes:
 *
 *  0. A cleaned copy of the text: mail addresses and host tokens become a
 *     space, multi-line prefixes ("550-5.7.1 ") go, white space runs are
 *     one space (clean_text). The first host token is the remote host.
 *  1. One pass of the knowledge base's matcher over the cleaned copy finds
 *     the rules' phrases and the decoder's own (phrases.c): anchors,
 *     stage phrases, retry hints.
 *  2. Codes, in the original text. The reply starts after the first anchor
 *     ("said: ", "refused to talk to me: ", Exim's "... after RCPT TO:<x>: ",
 *     a DSN's "smtp;", Sendmail's "<<< "), or at the start. The basic code
 *     is read there; failing that, the first "NNN X.Y.Z" pair anywhere, then
 *     the first 4xx/5xx token (one that ends the text only when SMTP defines
 *     it). The enhanced code is the one right after the
 *     basic code, else the first in the text of the same class.
 *  3. Stage, and for replies without a code whether the MTA will retry:
 *     the first phrase of the table that occurs decides each.
 *  4. The category: the first knowledge-base rule whose phrase occurs and
 *     whose code pattern matches, else the enhanced code's usual category,
 *     else "unknown". As the rules see only the cleaned copy,
 *     "spam@example.com" or "mx.spamfilter.net" cannot decide anything.
 */

static bool is_digit(char c) {
	return c >= '0' && c <= '9';
}

static bool is_alpha(char c) {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* A host name's bytes, UTF-8 ones too: Postfix logs an internationalised
 * name as it is ("mx.müller.de[192.0.2.1]"). */
static bool is_host_char(char c) {
	return is_alpha(c) || is_digit(c) || c == '.' || c == '-' || c == '_' ||
	       (unsigned char)c >= 0x80;
}

/*
 * A basic code token at s[i]: [2-5][0-9][0-9] followed by space, '-' or the
 * end. RFC 5321 allows only 0-5 as the second digit; servers that send "570"
 * are believed only where a reply must start (strict false).
 */
static unsigned basic_at(const char *s, size_t len, size_t i, bool strict) {
	if (i + 3 > len || s[i] < '2' || s[i] > '5' || !is_digit(s[i + 1]) ||
		(strict && s[i + 1] > '5') || !is_digit(s[i + 2])) {
		return 0;
	}
	/* "550 ", "550-", "(550)", "550, ", "550; ", and "550: " or "[451] text"
	 * as client libraries print it ("[405]" at a text's end is a number). */
	char next = i + 3 < len ? s[i + 3] : ' ';
	if (next == '.' && i + 5 < len && s[i + 4] == s[i] && s[i + 5] == '.') {
		next = ' '; /* "550.5.7.0 ..." */
	}
	if (next != ' ' && next != '-' && next != ')' && next != ',' && next != ';' &&
		!(next == ':' && i + 4 < len && s[i + 4] == ' ') &&
		!(next == ']' && i > 0 && s[i - 1] == '[' && i + 5 < len && s[i + 4] == ' ')) {
		return 0;
	}
	return (unsigned)((s[i] - '0') * 100 + (s[i + 1] - '0') * 10 + (s[i + 2] - '0'));
}

/* Whether the ':' at s[colon] ends a file name, "mymail.py:503" or
 * "mailer.go:59": what follows is a line number, not a reply code. */
static bool source_location(const char *s, size_t colon) {
	size_t i = colon;
	while (i > 0 && is_alpha(s[i - 1])) {
		i--;
	}
	size_t ext = colon - i;
	return ext >= 1 && ext <= 4 && i >= 2 && s[i - 1] == '.' &&
	       (is_alpha(s[i - 2]) || is_digit(s[i - 2]) || s[i - 2] == '_');
}

/* Whether the number at s[i] follows key (lower case, ending in a space). */
static bool after_key(const char *s, size_t i, const char *key) {
	size_t n = strlen(key);
	return i >= n && strncasecmp(s + i - n, key, n) == 0;
}

/* Whether the number at s[i] is an HTTP API's status, as JSON errors of
 * sending services print it ("statusCode: 403,") or HTTP client libraries
 * ("HttpError 400 when requesting ..."): not an SMTP reply. */
static bool http_status(const char *s, size_t i) {
	/* The space first, which most numbers that are codes follow too, then
	 * the one character that tells the keys apart from other words. */
	if (i < 2 || s[i - 1] != ' ') {
		return false;
	}
	char before = s[i - 2];
	return (before == ':' && after_key(s, i, "statuscode: ")) ||
	       ((before == 'r' || before == 'R') &&
		       (after_key(s, i, "httperror ") || after_key(s, i, "http error ")));
}

/* Whether the number at s[i] is a log field's value, a message's size as
 * amavis ("size: 544") and Postfix ("size=544") log it: not a reply. */
static bool size_field(const char *s, size_t i) {
	return after_key(s, i, "size: ") || after_key(s, i, "size=");
}

/* Where a code may start inside text: not in a number, a word or an address. */
static bool token_start(const char *s, size_t i) {
	if (i == 0) {
		return true;
	}
	char p = s[i - 1];
	if (p == '[') {
		/* "SMTP error: [451] ...", "got response [530 ...]"; not a provider's
		 * own number ("OFR_416 [416]"). */
		return i >= 3 && s[i - 2] == ' ' &&
		       (s[i - 3] == ':' || (i >= 10 && strncmp(s + i - 10, "response", 8) == 0));
	}
	if ((p == ':' && source_location(s, i - 1)) || http_status(s, i) || size_field(s, i)) {
		return false;
	}
	/* '>': an XML element's text, "<message>454 Throttling failure ...";
	 * and the full-width colon of Chinese and Japanese text ("错误：554"). */
	return p == ' ' || p == ':' || p == ';' || p == '(' || p == '"' || p == '\'' || p == '=' ||
	       p == '#' || p == '<' || p == '>' ||
	       (i >= 3 && memcmp(s + i - 3, "\xef\xbc\x9a", 3) == 0);
}

/* "550.5.7.0": a basic code of the same class joined by a dot, as some
 * servers write it, ends at s[i - 1]. */
static bool dotted_after_basic(const char *s, size_t i) {
	return i >= 4 && s[i - 1] == '.' && is_digit(s[i - 2]) && is_digit(s[i - 3]) &&
	       s[i - 4] == s[i] && (i == 4 || s[i - 5] == ' ');
}

/* An enhanced code at s[i], not part of an IP address or a version number
 * (also a package's, "mailman-2.1.6/", in a path). */
static size_t enhanced_at(const char *s, size_t len, size_t i, char out[MR_ENHANCED_MAX]) {
	if (i > 0 && (is_digit(s[i - 1]) || s[i - 1] == '.' || is_alpha(s[i - 1])) &&
		!dotted_after_basic(s, i)) {
		return 0;
	}
	if (i > 1 && s[i - 1] == '-' && is_alpha(s[i - 2])) {
		return 0;
	}
	size_t n = mr_enhanced_parse(s + i, len - i, out);
	/* RFC 3463's subjects are one digit in practice (some servers send 8 or
	 * 9); Yahoo's "4.16.50" is its own number, not a status code. */
	if (n == 0 || out[3] != '.') {
		out[0] = '\0';
		return 0;
	}
	size_t end = i + n;
	if (end < len && (is_digit(s[end]) || is_alpha(s[end]) || s[end] == '/' ||
				 (s[end] == '.' && end + 1 < len && is_digit(s[end + 1])))) {
		out[0] = '\0';
		return 0;
	}
	return n;
}

/* Where the cleaned text's offsets come from: from clean on, offsets run in
 * step with the text's from orig on. */
struct segment {
	uint16_t clean, orig;
};

#define MAX_SEGMENTS 128

struct cleaned {
	char text[MR_DECODE_MAX];
	size_t len;
	struct segment segments[MAX_SEGMENTS];
	size_t n_segments;
};

/*
 * Bytes the cleaning looks at twice, by whether the cleaned text so far is
 * empty or ends in a space: only there can a space start a run or a digit a
 * "550-5.7.1 " prefix. Every other byte is copied: one lookup, with that
 * state carried along, decides, so the common case is one predicted branch.
 * mr_plain_run (bytescan.h) tests the same bytes sixteen at a time.
 */
static const bool special_byte[2][256] = {
	{ ['<'] = true, ['\t'] = true, ['\r'] = true, ['\n'] = true },
	{ ['<'] = true,
		[' '] = true,
		['\t'] = true,
		['\r'] = true,
		['\n'] = true,
		['2'] = true,
		['3'] = true,
		['4'] = true,
		['5'] = true },
};

/* Offset in the text of offset k of the cleaned text. */
static size_t original_offset(const struct cleaned *c, size_t k) {
	size_t i = c->n_segments - 1;
	while (i > 0 && c->segments[i].clean > k) {
		i--;
	}
	return c->segments[i].orig + (k - c->segments[i].clean);
}

enum { MAX_HITS = 512 };

/*
 * The matcher's hits by kind, each kind in the order found: the rules'
 * parts, the words (words.tsv), the decoder's own phrases (ids come in that
 * order, kb.h). A line has a score of hits, a few of them phrases; each
 * step reads only the kind it looks at.
 */
enum hit_kind { HIT_PART, HIT_WORD, HIT_PHRASE, HIT_KINDS };

struct hits {
	struct mr_match of[HIT_KINDS][MAX_HITS];
	size_t n[HIT_KINDS];
};

static void sort_hits(
	const struct mr_kb *kb, const struct mr_match *hits, size_t n, struct hits *h) {
	uint32_t words = (uint32_t)kb->n_parts, phrases = (uint32_t)(kb->n_parts + kb->n_words);
	h->n[HIT_PART] = h->n[HIT_WORD] = h->n[HIT_PHRASE] = 0;
	for (size_t i = 0; i < n; i++) {
		enum hit_kind k = hits[i].id < words     ? HIT_PART
				  : hits[i].id < phrases ? HIT_WORD
							 : HIT_PHRASE;
		h->of[k][h->n[k]++] = hits[i];
	}
}

/* Exim names the host between its words and the reply: "... after DATA:
 * host mx.example.com [192.0.2.1]: 597 ...": the reply starts after it. */
static size_t after_exim_host(const char *s, size_t len, size_t i) {
	if (len - i < 5 || strncmp(s + i, "host ", 5) != 0) {
		return i;
	}
	for (size_t j = i + 5; j + 2 < len && j < i + 300; j++) {
		if (s[j] == ']' && s[j + 1] == ':' && s[j + 2] == ' ') {
			return j + 3;
		}
	}
	return i;
}

/* Where the server's reply starts: after the first anchor phrase in the
 * text, else at the start. The hits are in the cleaned
 * text; clean maps them back. */
static size_t reply_start(const struct mr_kb *kb, const char *s, size_t len, const struct hits *h,
	const struct cleaned *clean) {
	size_t best = mr_n_phrases, end = 0;
	const struct mr_match *hits = h->of[HIT_PHRASE];
	for (size_t i = 0; i < h->n[HIT_PHRASE]; i++) {
		size_t id = hits[i].id - kb->n_parts - kb->n_words;
		/* The earliest anchor in the text: the first MTA's words
		 * introduce the reply, later ones are quoted inside it. */
		if (mr_phrases[id].anchor != MR_NO_ANCHOR && best == mr_n_phrases) {
			best = id;
			end = original_offset(clean, hits[i].end - 1) + 1; /* back in the text */
		}
	}
	if (best == mr_n_phrases) {
		return 0;
	}
	if (mr_phrases[best].anchor == MR_REPLY_AFTER_COLON) {
		for (size_t i = end; i + 1 < len; i++) {
			if (s[i] == ':' && s[i + 1] == ' ') {
				return after_exim_host(s, len, i + 2);
			}
		}
	}
	return end;
}

/* The first enhanced code in s[from..to) of the given class (0: any). */
static bool enhanced_in(
	const char *s, size_t len, size_t from, size_t to, char cls, char out[MR_ENHANCED_MAX]) {
	if (to < from + 5) {
		return false;
	}
	/* From dot to dot: a code's second byte is one, and they are few. */
	for (const char *dot = memchr(s + from + 1, '.', to - 4 - from); dot != NULL;
		dot = memchr(dot + 1, '.', (size_t)(s + to - 4 - dot))) {
		size_t i = (size_t)(dot - s) - 1;
		if ((s[i] == '2' || s[i] == '4' || s[i] == '5') &&
			enhanced_at(s, len, i, out) != 0) {
			if (cls == 0 || out[0] == cls) {
				return true;
			}
			out[0] = '\0';
		}
	}
	return false;
}

/* Where the enhanced code of the basic code at s[at] would start: after
 * "550 ", "550-", "550: ", and a quote some wrappers open there ("550-'5.7.1"). */
static size_t enhanced_after(const char *s, size_t len, size_t at) {
	size_t after = at + 4 + (at + 3 < len && s[at + 3] == ':');
	if (after < len && (s[after] == '\'' || s[after] == '"')) {
		after++;
	}
	return after;
}

/*
 * Where the code that says what failed is, when the one found at at only
 * wraps it:
 * - a greeting's continuation line before the refusal ("220-laposte 421
 *   4.2.1 Service refused"): a 2xx or 3xx code is never a failure, so a
 *   failure code after it is the reply's;
 * - Sendmail's "554 <user@example.org>... 550 Host unknown" (or "554 5.0.0
 *   <user@...>... 550 5.1.1 ..."): the code after
 *   the address is the failure's own, the first only Sendmail's summary.
 */
/* The enhanced code read right after the basic code at at (SIZE_MAX: none
 * read), as enhanced_at() left it in code, and its length: inner_code reads
 * it, and find_codes takes it when that basic code is the reply's. */
struct code_after {
	size_t at, n;
	char code[MR_ENHANCED_MAX];
};

static size_t inner_code(
	const char *s, size_t len, size_t at, unsigned *basic, struct code_after *after) {
	if (*basic < 400) {
		for (size_t i = at + 3; i + 3 <= len; i++) {
			unsigned b;
			if ((s[i] == '4' || s[i] == '5') && token_start(s, i) &&
				(b = basic_at(s, len, i, true)) != 0) {
				*basic = b;
				return i;
			}
		}
		return at;
	}
	size_t i = enhanced_after(s, len, at);
	size_t n = i < len ? enhanced_at(s, len, i, after->code) : 0;
	after->at = at;
	after->n = n;
	i += n > 0 ? n + 1 : 0;
	if (i < len && s[i] == '<') {
		const char *close = memchr(s + i, '>', len - i);
		if (close != NULL && (size_t)(close - s) + 5 < len &&
			strncmp(close + 1, "... ", 4) == 0) {
			size_t inner = (size_t)(close - s) + 5;
			unsigned b = basic_at(s, len, inner, true);
			if (b >= 400) {
				*basic = b;
				return inner;
			}
		}
	}
	return at;
}

/* Where a reply starts after a leading "<address>" and a colon ("<x@example.com>:
 * 550 ...", Sendmail's and Coremail's notices), when a code is there; else
 * otherwise. */
static size_t after_address(const char *s, size_t len, size_t otherwise) {
	const char *close = len > 0 && s[0] == '<' ? memchr(s, '>', len) : NULL;
	if (close == NULL) {
		return otherwise;
	}
	size_t i = (size_t)(close - s) + 1;
	while (i < len && s[i] == ' ') {
		i++;
	}
	if (i >= len || s[i] != ':') {
		return otherwise;
	}
	for (i++; i < len && s[i] == ' '; i++) {
	}
	return basic_at(s, len, i, false) ? i : otherwise;
}

/* anchor: where the reply starts after the MTA's own words, if it does.
 * A lone number that ends the text counts as the reply's code only when
 * SMTP defines it (the knowledge base's basic codes: RFC 5321, 4954,
 * 7504): "got 552" and "SMTP code: 554" do, "Connection ... Timed Out,
 * 404" is an application's status. */
static void find_codes(
	const struct mr_kb *kb, const char *s, size_t len, size_t anchor, struct mr_diagnosis *d) {
	/* A reply quoted as it came ("550 5.1.1 ...") starts with its code, or
	 * follows the address it is about ("<x@example.com> : 571 ..."). */
	size_t start = basic_at(s, len, 0, false) ? 0 : after_address(s, len, anchor);
	while (start < len && (s[start] == ' ' || s[start] == '"' || s[start] == '\'')) {
		start++;
	}
	size_t at = start;
	unsigned basic = basic_at(s, len, start, false);
	/* "... NNN X.Y.Z ..." anywhere, then any failure code alone. */
	for (size_t i = start; basic == 0 && i + 9 <= len; i++) {
		char tmp[MR_ENHANCED_MAX];
		if ((i = mr_find_byte_range(s, i, len - 8, '2', '5')) == len - 8) {
			break;
		}
		if (token_start(s, i) && (basic = basic_at(s, len, i, true)) != 0 &&
			enhanced_at(s, len, enhanced_after(s, len, i), tmp) != 0 &&
			tmp[0] == s[i]) {
			at = i;
		} else {
			basic = 0;
		}
	}
	/* A lone number after a status code of another class is part of the
	 * text: "5.7.1 <DATA>: ... limit of 400 rcpts" has no 400 reply. */
	size_t status_at = len;
	char status_class = 0;
	for (size_t i = 0; basic == 0 && i + 5 <= len; i++) {
		char tmp[MR_ENHANCED_MAX];
		if ((i = mr_find_byte_range(s, i, len - 4, '4', '5')) == len - 4) {
			break;
		}
		if (s[i + 1] == '.' && enhanced_at(s, len, i, tmp) != 0) {
			status_at = i;
			status_class = tmp[0];
			break;
		}
	}
	for (size_t i = start; basic == 0 && i + 3 <= len; i++) {
		if ((i = mr_find_byte_range(s, i, len - 2, '4', '5')) == len - 2) {
			break;
		}
		if ((i < status_at || s[i] == status_class) && token_start(s, i) &&
			(basic = basic_at(s, len, i, true)) != 0) {
			/* SMTP has no 40x or 41x reply (a temporary failure is
			 * never about syntax or information): a lone 400 or 404
			 * is HTTP's (a sending service's API answer), "(#416)" a
			 * pull request's number, not a server's reply. */
			if ((i + 3 == len && mr_kb_basic(kb, basic) == NULL) ||
				(basic >= 400 && basic < 420)) {
				basic = 0;
				continue;
			}
			at = i;
		}
	}
	/* What inner_code reads after the code is what would be read into
	 * d->enhanced: it starts from d->enhanced's bytes. */
	struct code_after read = { .at = SIZE_MAX };
	memcpy(read.code, d->enhanced, sizeof(read.code));
	if (basic != 0) {
		at = inner_code(s, len, at, &basic, &read);
	}
	d->basic = (uint16_t)basic;
	size_t after = enhanced_after(s, len, at);
	if (basic != 0 && read.at == at) {
		/* Read already: the reply's own code, not one it wraps. */
		memcpy(d->enhanced, read.code, sizeof(read.code));
		if (read.n != 0) {
			return;
		}
	} else if (basic != 0 && after < len && enhanced_at(s, len, after, d->enhanced) != 0) {
		return;
	}
	/* Elsewhere: "#5.1.1", "(4.7.1)", or the code of a reply without a basic
	 * one; in the reply first, then before it. */
	char cls = basic ? (char)('0' + basic / 100) : 0;
	if (!enhanced_in(s, len, start, len, cls, d->enhanced) &&
		!enhanced_in(s, len, 0, start, cls, d->enhanced) && cls != 0) {
		/* qmail's "(#5.7.1)" is the text's own code even after another
		 * class's reply ("452 ... (#5.7.1)"); a bare one may be a
		 * reference ("see 5.5.3 in RFC 3463"). */
		for (const char *p = start < len ? memchr(s + start, '(', len - start) : NULL;
			p != NULL && p + 2 < s + len;
			p = memchr(p + 1, '(', (size_t)(s + len - p - 1))) {
			size_t i = (size_t)(p - s);
			if (s[i + 1] == '#') {
				enhanced_in(s, len, i + 2, len, 0, d->enhanced);
				break;
			}
		}
	}
}

/* An IP literal at s[i] (after '['): IPv4 or IPv6, up to ']'. */
static size_t ip_literal(const char *s, size_t len, size_t i, bool *ok) {
	size_t start = i;
	/* The ':' first: most literals are IPv4, and the call costs more. */
	if (len - i > 5 && s[i + 4] == ':' && strncasecmp(s + i, "ipv6:", 5) == 0) {
		i += 5;
	}
	bool dot = false, colon = false;
	while (i < len && (is_digit(s[i]) || (s[i] >= 'a' && s[i] <= 'f') ||
				  (s[i] >= 'A' && s[i] <= 'F') || s[i] == '.' || s[i] == ':')) {
		dot |= s[i] == '.';
		colon |= s[i] == ':';
		i++;
	}
	*ok = i < len && s[i] == ']' && i > start && (dot || colon);
	return i;
}

/*
 * Finds "name[address]" (Postfix) or "name [address]" (Exim), with an
 * optional ":port", at or after from. Sets the spans of the whole token (for
 * blanking), the name and the address; false when there is none.
 */
static bool host_token(const char *s, size_t len, size_t from, struct mr_span *whole,
	struct mr_span *name, struct mr_span *addr, uint16_t *port) {
	for (const char *b = memchr(s + from, '[', len - from); b != NULL;
		b = memchr(b + 1, '[', len - (size_t)(b + 1 - s))) {
		size_t i = (size_t)(b - s);
		bool ok;
		size_t close = ip_literal(s, len, i + 1, &ok);
		if (!ok) {
			continue;
		}
		size_t name_end = i;
		bool spaced = i > 0 && s[i - 1] == ' ';
		if (spaced) {
			name_end--;
		}
		size_t name_start = name_end;
		while (name_start > 0 && is_host_char(s[name_start - 1])) {
			name_start--;
		}
		/* "from [192.0.2.1]": a word, not a host name. */
		if (name_start == name_end ||
			(spaced && memchr(s + name_start, '.', name_end - name_start) == NULL)) {
			continue;
		}
		size_t end = close + 1;
		unsigned p = 0;
		if (end + 1 < len && s[end] == ':' && is_digit(s[end + 1])) {
			end++;
			while (end < len && is_digit(s[end]) && p < 65536) {
				p = p * 10 + (unsigned)(s[end] - '0');
				end++;
			}
		}
		*whole = (struct mr_span){ (uint16_t)name_start, (uint16_t)(end - name_start) };
		*name = (struct mr_span){ (uint16_t)name_start, (uint16_t)(name_end - name_start) };
		*addr = (struct mr_span){ (uint16_t)(i + 1), (uint16_t)(close - i - 1) };
		*port = p < 65536 ? (uint16_t)p : 0;
		return true;
	}
	return false;
}

/* "<user@domain>" at s[i]: its length, or 0. */
static size_t address_at(const char *s, size_t len, size_t i) {
	size_t j = i + 1;
	bool at = false;
	while (j < len && j - i < 256 && s[j] != '>' && s[j] != ' ') {
		at |= s[j] == '@';
		j++;
	}
	return j < len && s[j] == '>' && at ? j - i + 1 : 0;
}

/*
 * A line prefix of a multi-line reply that Postfix flattened into one line,
 * at s[i]: "550-5.7.1 " (any code), or "550 5.7.1 " repeating the code of
 * the first prefix (the last line). Its length with the space, or 0.
 */
static size_t continuation_at(const char *s, size_t len, size_t i, unsigned *code) {
	unsigned c = basic_at(s, len, i, false);
	if (c == 0 || i + 3 >= len || (s[i + 3] == ' ' && c != *code)) {
		return 0;
	}
	size_t n = 4;
	char enhanced[MR_ENHANCED_MAX];
	size_t e = mr_enhanced_parse(s + i + n, len - i - n, enhanced);
	if (e > 0 && i + n + e < len && s[i + n + e] == ' ') {
		n += e + 1;
	}
	if (*code == 0) {
		*code = c;
	}
	return n;
}

/*
 * The text as rules see it: mail addresses and host tokens become a space,
 * so that "spam@example.com" or "mx.spamfilter.example" cannot decide
 * anything; multi-line prefixes go, so that a phrase broken over
 * lines is whole again; runs of white space are one space. The first host token is the remote host.
 */
static void clean_text(const char *s, size_t len, struct cleaned *c, struct mr_diagnosis *d) {
	struct mr_span whole = { 0, 0 }, name, addr;
	uint16_t port;
	size_t next_host = SIZE_MAX;
	if (host_token(s, len, 0, &whole, &name, &addr, &port)) {
		d->host = name;
		d->address = addr;
		d->port = port;
		next_host = whole.off;
	}
	char *out = c->text;
	size_t n = 0;
	unsigned code = 0;
	c->segments[0] = (struct segment){ 0, 0 };
	c->n_segments = 1;
	bool after_space = true; /* n == 0 || out[n - 1] == ' ' */
	for (size_t i = 0; i < len;) {
#ifdef __SSE2__
		/* The common case, a block at a time: bytes copied as they are,
		 * up to the next one to clean or the next host token. */
		if (i + 16 <= len) {
			size_t run = mr_plain_run(s + i, after_space);
			if (next_host != SIZE_MAX && next_host - i < run) {
				run = next_host - i;
			}
			if (run > 0) {
				memcpy(out + n, s + i, 16); /* the rest is written over */
				n += run;
				i += run;
				after_space = s[i - 1] == ' ';
				continue;
			}
		}
#endif
		unsigned char ch = (unsigned char)s[i];
		if (i != next_host && !special_byte[after_space][ch]) {
			out[n++] = (char)ch; /* the common case: copied as it is */
			after_space = ch == ' ';
			i++;
			continue;
		}
		size_t skip = 1;
		bool space = true;
		if (i == next_host) {
			skip = whole.len;
			next_host = host_token(s, len, i + skip, &whole, &name, &addr, &port)
					    ? whole.off
					    : SIZE_MAX;
		} else if (ch == '<') {
			skip = address_at(s, len, i);
			space = skip > 0;
			skip = skip > 0 ? skip : 1;
		} else if (ch >= '2' && ch <= '5') {
			size_t marker =
				n == 0 || out[n - 1] == ' ' ? continuation_at(s, len, i, &code) : 0;
			/* The space before a prefix stands for it. */
			space = marker > 0 && n == 0;
			skip = marker > 0 ? marker : 1;
			if (marker == 0) {
				out[n++] = (char)ch;
				after_space = false;
				i++;
				continue;
			}
		}
		if (space && (n == 0 || out[n - 1] != ' ')) {
			out[n++] = ' ';
		} else if (!space && ch == '<') {
			out[n++] = '<';
		}
		i += skip;
		after_space = n == 0 || out[n - 1] == ' ';
		/* Record where the offsets stop running in step. */
		const struct segment *last = &c->segments[c->n_segments - 1];
		if ((size_t)last->orig + (n - last->clean) != i && c->n_segments < MAX_SEGMENTS) {
			c->segments[c->n_segments++] = (struct segment){ (uint16_t)n, (uint16_t)i };
		}
	}
	c->len = n;
}

/* Whether a phrase that starts with a letter starts a word of the text
 * there: "connect to " names no stage inside "Reconnect to fast". */
static bool starts_word(const struct cleaned *clean, const struct mr_match *m, const char *phrase) {
	size_t n = strlen(phrase);
	return !is_alpha(phrase[0]) || m->end == n || !is_alpha(clean->text[m->end - n - 1]);
}

/* The stage and, for replies without codes, whether it will be retried. */
static void apply_phrases(const struct mr_kb *kb, const struct hits *h, const struct cleaned *clean,
	struct mr_diagnosis *d) {
	size_t stage_by = mr_n_phrases, temp_by = mr_n_phrases;
	const struct mr_match *hits = h->of[HIT_PHRASE];
	for (size_t i = 0; i < h->n[HIT_PHRASE]; i++) {
		size_t id = hits[i].id - kb->n_parts - kb->n_words;
		if (mr_phrases[id].stage != MR_STAGE_NONE && id < stage_by &&
			starts_word(clean, &hits[i], mr_phrases[id].text)) {
			stage_by = id;
		}
		if (mr_phrases[id].temporary >= 0 && id < temp_by) {
			temp_by = id;
		}
	}
	if (stage_by < mr_n_phrases) {
		d->stage = mr_phrases[stage_by].stage;
	} else if (d->basic == 534 || d->basic == 535) {
		d->stage = MR_STAGE_AUTH; /* RFC 4954: replies only AUTH gets */
	}
	if (d->basic != 0) {
		d->temporary = (int8_t)(d->basic / 100 == 4 ? 1 : d->basic / 100 == 5 ? 0 : -1);
	} else if (d->enhanced[0] != '\0') {
		d->temporary = (int8_t)(d->enhanced[0] == '4' ? 1 : d->enhanced[0] == '5' ? 0 : -1);
	} else if (temp_by < mr_n_phrases) {
		d->temporary = mr_phrases[temp_by].temporary;
	}
}

/* Postfix's "delivery temporarily suspended: " only says it reuses the last
 * failure: phrases inside it do not count. Its length, or 0. */
static size_t suspended_prefix(const char *text, size_t len) {
	static const char suspended[] = "delivery temporarily suspended: ";
	size_t n = sizeof(suspended) - 1;
	return len > n && memcmp(text, suspended, n) == 0 ? n : 0;
}

/* Where the words that may decide start: after Postfix's "delivery
 * temporarily suspended: " and after a relay's boilerplate (phrases.h). */
static size_t deciding_start(
	const struct mr_kb *kb, const char *text, size_t len, const struct hits *h) {
	size_t skip = suspended_prefix(text, len);
	const struct mr_match *hits = h->of[HIT_PHRASE];
	for (size_t i = 0; i < h->n[HIT_PHRASE]; i++) {
		if (hits[i].end > skip &&
			mr_phrases[hits[i].id - kb->n_parts - kb->n_words].anchor ==
				MR_REPLY_AFTER_BOILERPLATE) {
			skip = hits[i].end;
		}
	}
	return skip;
}

/*
 * The rules whose parts all occur, in order, past skip, and whose code
 * pattern fits: the first of them in *best; with all, every one of them
 * (at most max, in the order they complete). Hits come in order of their
 * end, so following each rule's parts as they come finds the earliest
 * completion.
 */
static size_t match_rules(const struct mr_kb *kb, const struct hits *h, size_t skip,
	const struct mr_diagnosis *d, uint32_t *best, uint32_t *all, size_t max) {
	/* Rules of several parts: the part each waits for next, and where the
	 * last one found ended. */
	uint8_t next[MR_MULTI_RULES_MAX];
	uint32_t after[MR_MULTI_RULES_MAX];
	bool started = false;
	size_t found = 0;
	const struct mr_match *hits = h->of[HIT_PART];
	for (size_t i = 0; i < h->n[HIT_PART]; i++) {
		uint32_t id = hits[i].id;
		if (hits[i].end <= skip) {
			continue;
		}
		const struct mr_rule_part *part = &kb->parts[id];
		const struct mr_rule *rule = &kb->rules[part->rule];
		if (all == NULL && part->rule >= *best) {
			continue;
		}
		if (rule->n_parts > 1) {
			if (!started) {
				memset(next, 0, kb->n_multi);
				started = true;
			}
			uint32_t start = hits[i].end - part->len;
			if (next[rule->slot] != part->index ||
				(part->index > 0 && start < after[rule->slot])) {
				continue;
			}
			next[rule->slot]++;
			after[rule->slot] = hits[i].end;
			if (!part->last) {
				continue;
			}
		}
		if (rule->code != NULL &&
			!mr_code_match(rule->code, d->basic, d->enhanced, d->temporary)) {
			continue;
		}
		if (part->rule < *best) {
			*best = part->rule;
		}
		if (all != NULL && found < max) {
			all[found++] = part->rule;
		}
	}
	return found;
}

/* The first word (words.tsv) that occurs past skip and whose code pattern
 * fits, or UINT32_MAX: looked for only when nothing stronger decided. */
static uint32_t first_word(
	const struct mr_kb *kb, const struct hits *h, size_t skip, const struct mr_diagnosis *d) {
	uint32_t word = UINT32_MAX;
	const struct mr_match *hits = h->of[HIT_WORD];
	for (size_t i = 0; i < h->n[HIT_WORD]; i++) {
		if (hits[i].end <= skip) {
			continue;
		}
		uint32_t w = hits[i].id - (uint32_t)kb->n_parts;
		const struct mr_word *entry = &kb->words[w];
		if (w < word && (entry->code == NULL || mr_code_match(entry->code, d->basic,
								d->enhanced, d->temporary))) {
			word = w;
		}
	}
	return word;
}

/*
 * The category, by the ladder of evidence (decode.h). A rule is the first
 * that matched and whose code pattern fits.
 */
static void climb_ladder(const struct mr_kb *kb, const char *raw, size_t raw_len, const char *text,
	size_t len, const struct hits *h, struct mr_diagnosis *d) {
	size_t skip = deciding_start(kb, text, len, h);
	uint32_t best = UINT32_MAX;
	match_rules(kb, h, skip, d, &best, NULL, 0);
	if (best != UINT32_MAX) {
		d->rule = (int16_t)best;
		d->category = (int16_t)kb->rules[best].category;
		d->confidence = MR_CONFIDENCE_RULE;
		return;
	}
	const struct mr_enhanced_code *e = mr_kb_enhanced(kb, d->enhanced);
	if (e != NULL && e->category >= 0) {
		d->category = (int16_t)e->category;
		d->confidence = MR_CONFIDENCE_STATUS_CODE;
		return;
	}
	const struct mr_reply_rule *r = mr_kb_reply(kb, d->basic, d->stage);
	if (r != NULL) {
		d->category = (int16_t)r->category;
		d->clue = (int16_t)(r - kb->replies);
		d->confidence = MR_CONFIDENCE_REPLY_CODE;
		return;
	}
	uint32_t word = first_word(kb, h, skip, d);
	if (word != UINT32_MAX) {
		d->category = (int16_t)kb->words[word].category;
		d->clue = (int16_t)word;
		d->confidence = MR_CONFIDENCE_GUESS;
		return;
	}
	/* The model learnt from the table's texts as they are, not cleaned. */
	int learnt = mr_model_guess(kb->model, raw, raw_len, d->learnt);
	if (learnt >= 0) {
		d->category = (int16_t)learnt;
		d->confidence = MR_CONFIDENCE_GUESS;
		return;
	}
	d->category = (int16_t)kb->unknown;
	d->confidence = MR_CONFIDENCE_NONE;
}

/*
 * The category by the ladder; then an address refused in reply to MAIL FROM
 * is the sender's, whatever the words call it ("551 invalid address (in
 * reply to MAIL FROM command)", Exim's sender callout's "User unknown").
 */
static void categorise(const struct mr_kb *kb, const char *raw, size_t raw_len, const char *text,
	size_t len, const struct hits *h, struct mr_diagnosis *d) {
	climb_ladder(kb, raw, raw_len, text, len, h, d);
	if (d->stage == MR_STAGE_MAIL && d->category == kb->unknown_user &&
		kb->sender_rejected >= 0) {
		d->category = (int16_t)kb->sender_rejected;
	}
}

/*
 * qmail's own log writes a reason with '_' for each space and '/' for each
 * line break ("delivery 7: failure: 192.0.2.1_does_not_like_recipient./
 * Remote_host_said:_550_No_such_user/"). When no space follows the first
 * '_', the word holding it and the rest are read with spaces, at the same
 * offsets. A name with one or two ("OFR_415") stays as it is.
 */
static const char *qmail_spaces(const char *text, size_t len, char buf[MR_DECODE_MAX]) {
	/* Most texts have no '_' at all: one fast search says so. */
	const char *first = memchr(text, '_', len);
	if (first == NULL) {
		return text;
	}
	/* No space after the first '_': so it is in the last word. */
	size_t from = len, unders = 0;
	while (from > 0 && text[from - 1] != ' ') {
		from--;
	}
	if ((size_t)(first - text) < from) {
		return text;
	}
	for (size_t i = from; i < len; i++) {
		unders += text[i] == '_';
	}
	if (unders < 3) { /* a name: "[RCPT_TO]", "OFR_415", "SSL_connect" */
		return text;
	}
	memcpy(buf, text, from);
	for (size_t i = from; i < len; i++) {
		buf[i] = text[i] == '_' || text[i] == '/' ? ' ' : text[i];
	}
	return buf;
}

/* The text cleaned, its codes and stage found, and the matcher's hits by
 * kind. Hits past MAX_HITS are dropped: only absurd texts have so many. */
static void scan(const struct mr_kb *kb, const char *text, size_t len, struct cleaned *clean,
	struct hits *h, struct mr_diagnosis *d) {
	*d = (struct mr_diagnosis){ .temporary = -1,
		.rule = -1,
		.clue = -1,
		.learnt = { MR_MODEL_NO_WORD, MR_MODEL_NO_WORD },
		.category = (int16_t)kb->unknown };
	if (len > MR_DECODE_MAX) {
		len = MR_DECODE_MAX;
	}
	char spaced[MR_DECODE_MAX];
	text = qmail_spaces(text, len, spaced);
	clean_text(text, len, clean, d);
	/* One pass finds the rules' phrases and the decoder's own. */
	struct mr_match hits[MAX_HITS];
	size_t n = mr_matcher_scan(kb->matcher, clean->text, clean->len, hits, MAX_HITS);
	sort_hits(kb, hits, n, h);
	find_codes(kb, text, len, reply_start(kb, text, len, h, clean), d);
	apply_phrases(kb, h, clean, d);
}

void mr_decode(const struct mr_kb *kb, const char *text, size_t len, struct mr_diagnosis *d) {
	struct cleaned clean;
	struct hits h;
	scan(kb, text, len, &clean, &h, d);
	categorise(
		kb, text, len < MR_DECODE_MAX ? len : MR_DECODE_MAX, clean.text, clean.len, &h, d);
}

size_t mr_decode_rules(
	const struct mr_kb *kb, const char *text, size_t len, uint32_t *rules, size_t max) {
	struct cleaned clean;
	struct hits h;
	struct mr_diagnosis d;
	scan(kb, text, len, &clean, &h, &d);
	uint32_t best = UINT32_MAX;
	return match_rules(
		kb, &h, deciding_start(kb, clean.text, clean.len, &h), &d, &best, rules, max);
}

const struct mr_category *mr_diagnosis_category(
	const struct mr_kb *kb, const struct mr_diagnosis *d) {
	return &kb->categories[d->category];
}

const char *mr_diagnosis_meaning(const struct mr_kb *kb, const struct mr_diagnosis *d) {
	/* The rule's own words, unless the stage turned its cause into another. */
	if (d->rule >= 0 && kb->rules[d->rule].meaning != NULL &&
		kb->rules[d->rule].category == d->category) {
		return kb->rules[d->rule].meaning;
	}
	return kb->categories[d->category].meaning;
}

const char *mr_diagnosis_advice(const struct mr_kb *kb, const struct mr_diagnosis *d) {
	/* The rule's own words, unless the stage turned its cause into another. */
	if (d->rule >= 0 && kb->rules[d->rule].advice != NULL &&
		kb->rules[d->rule].category == d->category) {
		return kb->rules[d->rule].advice;
	}
	return kb->categories[d->category].advice;
}

const char *mr_diagnosis_provider(const struct mr_kb *kb, const struct mr_diagnosis *d) {
	return d->rule >= 0 ? kb->rules[d->rule].provider : NULL;
}

static const char *const confidence_names[] = {
	[MR_CONFIDENCE_NONE] = "none",
	[MR_CONFIDENCE_GUESS] = "guess",
	[MR_CONFIDENCE_REPLY_CODE] = "reply-code",
	[MR_CONFIDENCE_STATUS_CODE] = "status-code",
	[MR_CONFIDENCE_RULE] = "rule",
};

const char *mr_confidence_name(enum mr_confidence confidence) {
	return (unsigned)confidence <= MR_CONFIDENCE_RULE ? confidence_names[confidence] : "none";
}

void mr_diagnosis_evidence(
	const struct mr_kb *kb, const struct mr_diagnosis *d, struct mr_buf *out) {
	switch (d->confidence) {
	case MR_CONFIDENCE_RULE:
		mr_buf_add_str(out, kb->rules[d->rule].pattern);
		break;
	case MR_CONFIDENCE_STATUS_CODE:
		mr_buf_add_str(out, d->enhanced);
		break;
	case MR_CONFIDENCE_REPLY_CODE:
		mr_buf_printf(out, "%u", d->basic);
		if (kb->replies[d->clue].stage != MR_STAGE_NONE) {
			mr_buf_printf(out, " at %s", mr_stage_label(d->stage));
		}
		break;
	case MR_CONFIDENCE_GUESS:
		if (d->clue >= 0) {
			mr_buf_add_str(out, kb->words[d->clue].word);
			break;
		}
		for (int i = 0; i < 2 && d->learnt[i] != MR_MODEL_NO_WORD; i++) {
			mr_buf_printf(
				out, "%s%s", i ? ", " : "", mr_model_word(kb->model, d->learnt[i]));
		}
		break;
	default:
		break;
	}
}
