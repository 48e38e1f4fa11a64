/* The note of what a fuzz target's last call checked (fuzz.h). */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

bool fuzz_noting;

static char note[512];

__attribute__((format(printf, 2, 0))) static void vnote(size_t at, const char *fmt, va_list ap) {
	if (at < sizeof(note)) {
		vsnprintf(note + at, sizeof(note) - at, fmt, ap);
	}
}

void fuzz_note(const char *fmt, ...) {
	if (!fuzz_noting) {
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	vnote(0, fmt, ap);
	va_end(ap);
}

void fuzz_note_add(const char *fmt, ...) {
	if (!fuzz_noting) {
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	vnote(strlen(note), fmt, ap);
	va_end(ap);
}

const char *fuzz_last_note(void) {
	return note;
}

void fuzz_fail(const char *file, int line, const char *fmt, ...) {
	fprintf(stderr, "%s:%d: check failed: ", file, line);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}
