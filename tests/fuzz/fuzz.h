#ifndef MR_FUZZ_H
#define MR_FUZZ_H

/*
 * What every fuzz target in tests/fuzz/ shares: libFuzzer's entry point, and
 * a note of what the last call checked, which replay.c prints on each TAP
 * line ("parsed 3 messages, exported, read back the same"), so that a
 * replay that passes says what it passed on.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Set by replay.c only: under libFuzzer, notes are never read, and the
 * millions of calls skip formatting them. */
extern bool fuzz_noting;

/* Replaces the note (printf format); targets call it once per input, or
 * add to it with fuzz_note_add(). */
void fuzz_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fuzz_note_add(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The last note, "" before any. */
const char *fuzz_last_note(void);

/* What a target checks: when cond is false, says which check failed and
 * where on stderr, then aborts, which libFuzzer and the replay report as a
 * crash with its stack (the optimiser merges the aborts of a function, so
 * the stack alone would not tell the checks apart). */
#define FUZZ_CHECK(cond, ...)                                       \
	do {                                                        \
		if (!(cond)) {                                      \
			fuzz_fail(__FILE__, __LINE__, __VA_ARGS__); \
		}                                                   \
	} while (0)
_Noreturn void fuzz_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
