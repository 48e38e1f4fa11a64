#include "xalloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void (*fatal_hook)(void);

void mr_set_fatal_hook(void (*hook)(void)) {
	fatal_hook = hook;
}

_Noreturn void mr_fatal(const char *fmt, ...) {
	if (fatal_hook != NULL) {
		void (*hook)(void) = fatal_hook;
		fatal_hook = NULL; /* a failing hook must not recurse */
		hook();
	}
	va_list ap;
	va_start(ap, fmt);
	fputs("mailroom: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

void *mr_xmalloc(size_t size) {
	void *p = malloc(size != 0 ? size : 1);
	if (p == NULL) {
		mr_fatal("out of memory (allocating %zu bytes)", size);
	}
	return p;
}

void *mr_xcalloc(size_t count, size_t size) {
	void *p = calloc(count != 0 ? count : 1, size != 0 ? size : 1);
	if (p == NULL) {
		mr_fatal("out of memory (allocating %zu x %zu bytes)", count, size);
	}
	return p;
}

void *mr_xrealloc(void *ptr, size_t size) {
	void *p = realloc(ptr, size != 0 ? size : 1);
	if (p == NULL) {
		mr_fatal("out of memory (growing to %zu bytes)", size);
	}
	return p;
}

void *mr_xreallocarray(void *ptr, size_t count, size_t size) {
	if (size != 0 && count > SIZE_MAX / size) {
		mr_fatal("out of memory (%zu x %zu bytes overflows)", count, size);
	}
	return mr_xrealloc(ptr, count * size);
}

char *mr_xstrdup(const char *s) {
	return mr_xstrndup(s, strlen(s));
}

char *mr_xstrndup(const char *s, size_t len) {
	char *p = mr_xmalloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *mr_xvasprintf(const char *fmt, va_list ap) {
	va_list copy;
	va_copy(copy, ap);
	int len = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (len < 0) {
		mr_fatal("cannot format message \"%s\"", fmt);
	}
	char *p = mr_xmalloc((size_t)len + 1);
	vsnprintf(p, (size_t)len + 1, fmt, ap);
	return p;
}

char *mr_xasprintf(const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	char *p = mr_xvasprintf(fmt, ap);
	va_end(ap);
	return p;
}

bool mr_fail(char **cause, const char *fmt, ...) {
	if (cause != NULL) {
		va_list ap;
		va_start(ap, fmt);
		free(*cause);
		*cause = mr_xvasprintf(fmt, ap);
		va_end(ap);
	}
	return false;
}
