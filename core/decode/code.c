#include "code.h"

#include <string.h>

static bool is_digit(char c) {
	return c >= '0' && c <= '9';
}

size_t mr_enhanced_parse(const char *s, size_t len, char out[MR_ENHANCED_MAX]) {
	if (len < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.') {
		return 0;
	}
	size_t i = 2;
	for (int part = 0; part < 2; part++) {
		size_t start = i;
		while (i < len && i - start < 4 && is_digit(s[i])) {
			i++;
		}
		size_t digits = i - start;
		if (digits == 0 || digits > 3) {
			return 0;
		}
		if (part == 0) {
			if (i >= len || s[i] != '.') {
				return 0;
			}
			i++;
		}
	}
	memcpy(out, s, i);
	out[i] = '\0';
	return i;
}

/* A component of a pattern against one of a code: same length, x any digit. */
static bool component_match(const char *pat, size_t plen, const char *code, size_t clen) {
	if (plen == 1 && pat[0] == '*') {
		return true;
	}
	if (plen != clen) {
		return false;
	}
	for (size_t i = 0; i < plen; i++) {
		if (pat[i] != 'x' && pat[i] != code[i]) {
			return false;
		}
	}
	return true;
}

static bool component_valid(const char *pat, size_t plen, size_t max) {
	if (plen == 1 && pat[0] == '*') {
		return true;
	}
	if (plen == 0 || plen > max) {
		return false;
	}
	for (size_t i = 0; i < plen; i++) {
		if (!is_digit(pat[i]) && pat[i] != 'x') {
			return false;
		}
	}
	return true;
}

bool mr_code_pattern_valid(const char *pattern) {
	if (strcmp(pattern, MR_CODE_NONE) == 0) {
		return true;
	}
	size_t len = strlen(pattern);
	const char *dot1 = memchr(pattern, '.', len);
	if (dot1 == NULL) {
		if (len == 1) {
			return pattern[0] == '2' || pattern[0] == '4' || pattern[0] == '5';
		}
		return len == 3 && component_valid(pattern, 3, 3) && pattern[0] != '*';
	}
	const char *dot2 = memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - pattern));
	if (dot2 == NULL || memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - pattern))) {
		return false;
	}
	return component_valid(pattern, (size_t)(dot1 - pattern), 1) &&
	       component_valid(dot1 + 1, (size_t)(dot2 - dot1 - 1), 3) &&
	       component_valid(dot2 + 1, len - (size_t)(dot2 + 1 - pattern), 3);
}

static char reply_class(unsigned basic, const char *enhanced, int temporary) {
	if (basic != 0) {
		return (char)('0' + basic / 100);
	}
	if (enhanced[0] != '\0') {
		return enhanced[0];
	}
	return temporary == 1 ? '4' : temporary == 0 ? '5' : '\0';
}

bool mr_code_match(const char *pattern, unsigned basic, const char *enhanced, int temporary) {
	if (strcmp(pattern, MR_CODE_NONE) == 0) {
		return basic == 0 && enhanced[0] == '\0';
	}
	size_t len = strlen(pattern);
	if (len == 1) {
		return reply_class(basic, enhanced, temporary) == pattern[0];
	}
	if (memchr(pattern, '.', len) == NULL) {
		if (basic == 0) {
			return false;
		}
		char digits[4] = { (char)('0' + basic / 100 % 10), (char)('0' + basic / 10 % 10),
			(char)('0' + basic % 10), '\0' };
		return component_match(pattern, len, digits, 3);
	}
	if (enhanced[0] == '\0') {
		return false;
	}
	/* Component by component. */
	const char *p = pattern, *c = enhanced;
	for (int part = 0; part < 3; part++) {
		const char *pe = strchr(p, '.');
		const char *ce = strchr(c, '.');
		size_t pl = pe ? (size_t)(pe - p) : strlen(p);
		size_t cl = ce ? (size_t)(ce - c) : strlen(c);
		if (!component_match(p, pl, c, cl)) {
			return false;
		}
		if ((pe == NULL) != (ce == NULL)) {
			return false;
		}
		if (pe == NULL) {
			return part == 2;
		}
		p = pe + 1;
		c = ce + 1;
	}
	return false;
}
