#define PCRE2_CODE_UNIT_WIDTH 8
#include "regexp.h"

#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "xalloc.h"

struct mr_regexp {
	pcre2_code *code;
	bool jit;
};

struct mr_regexp_scratch {
	pcre2_match_data *data;
	pcre2_match_context *context;
	pcre2_jit_stack *stack; /* NULL: JIT code uses its 32 KiB on the thread's stack */
};

/*
 * The options that keep POSIX extended semantics where PCRE's defaults
 * differ: "." takes a newline and "$" is only the end (regexec without
 * REG_NEWLINE); UTF-8 with Unicode classes and case, as in a UTF-8 locale;
 * a byte that is not UTF-8 is matched by nothing rather than making the
 * match an error (PCRE2_MATCH_INVALID_UTF, which also spares a check of
 * the whole text first); \C, which could split a character, is refused.
 */
static const uint32_t compile_options = PCRE2_CASELESS | PCRE2_DOTALL | PCRE2_DOLLAR_ENDONLY |
					PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_UCP |
					PCRE2_NEVER_BACKSLASH_C;

/* [...] from its '[' (PCRE's reading: a ']' first is a member, \ escapes,
 * [:name:] is a class), copied as it is; returns what follows it. */
static const char *copy_bracket(const char *p, struct mr_buf *out) {
	const char *start = p++;
	if (*p == '^') {
		p++;
	}
	if (*p == ']') {
		p++;
	}
	while (*p != '\0' && *p != ']') {
		if (*p == '\\' && p[1] != '\0') {
			p += 2;
		} else if (*p == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
			const char *end = strchr(p + 2, p[1]);
			p = end != NULL && end[1] == ']' ? end + 2 : p + 1;
		} else {
			p++;
		}
	}
	if (*p == ']') {
		p++;
	}
	mr_buf_add(out, start, (size_t)(p - start));
	return p;
}

/* {,N} (GNU: up to N) is {0,N} in PCRE, which reads {,N} as text. */
static bool is_upto(const char *p) {
	if (p[0] != '{' || p[1] != ',' || p[2] < '0' || p[2] > '9') {
		return false;
	}
	p += 2;
	while (*p >= '0' && *p <= '9') {
		p++;
	}
	return *p == '}';
}

/*
 * The pattern as PCRE spells what glibc's regcomp took: \< and \> (the
 * start and end of a word), \` and \' (the start and end of the text) and
 * {,N}. PCRE would read the first four as the characters themselves and
 * the last as text, so a filter written before would quietly change its
 * meaning. Inside [...] nothing is changed.
 */
static char *pcre_spelling(const char *pattern) {
	struct mr_buf out;
	mr_buf_init(&out);
	for (const char *p = pattern; *p != '\0';) {
		if (*p == '[') {
			p = copy_bracket(p, &out);
			continue;
		}
		if (*p == '{' && is_upto(p)) {
			mr_buf_add_str(&out, "{0");
			p++;
			continue;
		}
		if (*p != '\\' || p[1] == '\0') {
			mr_buf_add_char(&out, *p++);
			continue;
		}
		switch (p[1]) {
		case '<':
			mr_buf_add_str(&out, "[[:<:]]");
			break;
		case '>':
			mr_buf_add_str(&out, "[[:>:]]");
			break;
		case '`':
			mr_buf_add_str(&out, "\\A");
			break;
		case '\'':
			mr_buf_add_str(&out, "\\z");
			break;
		default:
			mr_buf_add(&out, p, 2);
		}
		p += 2;
	}
	mr_buf_add_char(&out, '\0');
	return mr_buf_steal(&out);
}

static void too_large(char *why, size_t why_size) {
	snprintf(why, why_size,
		"too large once its repeats are written out (over %d bytes compiled): use "
		"smaller counts in {n,m}",
		MR_REGEXP_MAX_COMPILED);
}

/* Why PCRE2 refused the pattern, in the filter's words where it is a limit. */
static void compile_error(int code, char *why, size_t why_size) {
	switch (code) {
	case PCRE2_ERROR_PATTERN_TOO_LARGE:
		too_large(why, why_size);
		return;
	case PCRE2_ERROR_PARENTHESES_NEST_TOO_DEEP:
		snprintf(why, why_size, "nested too deep (at most %d parentheses inside others)",
			MR_REGEXP_MAX_NESTING);
		return;
	case PCRE2_ERROR_PATTERN_STRING_TOO_LONG:
		snprintf(why, why_size, "too long (at most %d bytes)", MR_REGEXP_MAX_LENGTH);
		return;
	}
	PCRE2_UCHAR message[160];
	if (pcre2_get_error_message(code, message, sizeof(message)) < 0) {
		snprintf((char *)message, sizeof(message), "PCRE2 error %d", code);
	}
	snprintf(why, why_size, "not a regular expression: %s", (const char *)message);
}

static pcre2_code *compile_bounded(const char *pcre, char *why, size_t why_size) {
	pcre2_compile_context *cc = pcre2_compile_context_create(NULL);
	if (cc == NULL) {
		mr_fatal("out of memory");
	}
	/* The spelling can be longer than the pattern written: \< is [[:<:]]. */
	pcre2_set_max_pattern_length(cc, 4 * MR_REGEXP_MAX_LENGTH);
	/* Each level of parentheses is a level of recursion in the compiler. */
	pcre2_set_parens_nest_limit(cc, MR_REGEXP_MAX_NESTING);
	int code;
	PCRE2_SIZE offset;
	pcre2_code *compiled = pcre2_compile(
		(PCRE2_SPTR)pcre, PCRE2_ZERO_TERMINATED, compile_options, &code, &offset, cc);
	pcre2_compile_context_free(cc);
	if (compiled == NULL) {
		compile_error(code, why, why_size);
		return NULL;
	}
	/* PCRE2 writes {n,m} out as n to m copies of what it repeats; nested,
	 * they multiply. Its own ceiling (64 KiB with Debian's link size) is
	 * further than a filter needs, and JIT code grows with it. */
	size_t size = 0;
	pcre2_pattern_info(compiled, PCRE2_INFO_SIZE, &size);
	if (size > MR_REGEXP_MAX_COMPILED) {
		pcre2_code_free(compiled);
		too_large(why, why_size);
		return NULL;
	}
	return compiled;
}

struct mr_regexp *mr_regexp_compile(const char *pattern, char *why, size_t why_size) {
	size_t len = strlen(pattern);
	if (len > MR_REGEXP_MAX_LENGTH) {
		snprintf(why, why_size, "too long (%zu bytes; at most %d)", len,
			MR_REGEXP_MAX_LENGTH);
		return NULL;
	}
	char *pcre = pcre_spelling(pattern);
	pcre2_code *code = compile_bounded(pcre, why, why_size);
	free(pcre);
	if (code == NULL) {
		return NULL;
	}
	struct mr_regexp *re = mr_xcalloc(1, sizeof(*re));
	re->code = code;
	/* Without JIT (no executable memory, another machine) the interpreter
	 * matches the same, under the same limits, more slowly. */
	re->jit = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
	return re;
}

void mr_regexp_free(struct mr_regexp *re) {
	if (re != NULL) {
		pcre2_code_free(re->code);
		free(re);
	}
}

bool mr_regexp_jit(const struct mr_regexp *re) {
	return re->jit;
}

struct mr_regexp_scratch *mr_regexp_scratch_create(void) {
	struct mr_regexp_scratch *s = mr_xcalloc(1, sizeof(*s));
	/* One pair of offsets: only whether there is a match is asked. */
	s->data = pcre2_match_data_create(1, NULL);
	s->context = pcre2_match_context_create(NULL);
	if (s->data == NULL || s->context == NULL) {
		mr_fatal("out of memory");
	}
	/* The match limit bounds JIT code too (its own count of steps); the
	 * depth and heap limits bound only the interpreter, and JIT code's
	 * memory is its stack, whose size is bounded here instead. */
	pcre2_set_match_limit(s->context, MR_REGEXP_MATCH_LIMIT);
	pcre2_set_depth_limit(s->context, MR_REGEXP_DEPTH_LIMIT);
	pcre2_set_heap_limit(s->context, MR_REGEXP_HEAP_LIMIT_KIB);
	s->stack = pcre2_jit_stack_create(MR_REGEXP_JIT_STACK_START, MR_REGEXP_JIT_STACK_MAX, NULL);
	if (s->stack != NULL) {
		pcre2_jit_stack_assign(s->context, NULL, s->stack);
	}
	return s;
}

void mr_regexp_scratch_free(struct mr_regexp_scratch *scratch) {
	if (scratch != NULL) {
		pcre2_jit_stack_free(scratch->stack);
		pcre2_match_context_free(scratch->context);
		pcre2_match_data_free(scratch->data);
		free(scratch);
	}
}

enum mr_regexp_result mr_regexp_match(const struct mr_regexp *re, struct mr_regexp_scratch *scratch,
	const char *text, size_t len) {
	int rc =
		pcre2_match(re->code, (PCRE2_SPTR)text, len, 0, 0, scratch->data, scratch->context);
	if (rc >= 0) {
		return MR_REGEXP_MATCH;
	}
	switch (rc) {
	case PCRE2_ERROR_NOMATCH:
		return MR_REGEXP_NO_MATCH;
	case PCRE2_ERROR_NOMEMORY:
		mr_fatal("out of memory");
	default:
		/* PCRE2_ERROR_MATCHLIMIT, DEPTHLIMIT, HEAPLIMIT, JIT_STACKLIMIT:
		 * the work or the memory this text needed is past the limits. No
		 * other error can come from a compiled pattern and a valid
		 * context (MATCH_INVALID_UTF takes any bytes). */
		return MR_REGEXP_LIMIT;
	}
}
