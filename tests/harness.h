#ifndef MR_TEST_HARNESS_H
#define MR_TEST_HARNESS_H

/*
 * A small TAP producer for the unit tests: each check is one numbered test
 * line, failures explain themselves in "#" comments, and the plan comes
 * last. Meson runs the programs with protocol 'tap'.
 */

#include <stdbool.h>
#include <stdint.h>

bool t_check(bool ok, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
bool t_check_str(const char *got, const char *want, const char *file, int line, const char *fmt,
	...) __attribute__((format(printf, 5, 6)));
bool t_check_int(int64_t got, int64_t want, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Prints a diagnostic comment. */
void t_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints the plan; returns the exit status (0 when every check passed). */
int t_done(void);
/* Skips the whole program with a reason (TAP "1..0 # SKIP"); exits. */
_Noreturn void t_skip_all(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define T_OK(cond, ...)       t_check((cond), __FILE__, __LINE__, __VA_ARGS__)
#define T_STR(got, want, ...) t_check_str((got), (want), __FILE__, __LINE__, __VA_ARGS__)
#define T_INT(got, want, ...) \
	t_check_int((int64_t)(got), (int64_t)(want), __FILE__, __LINE__, __VA_ARGS__)

struct mr_text;
/* A reason's whole text (NULL for none), valid for the next three calls too,
 * so checks can compare two. */
const char *t_text(const struct mr_text *t);

/* A scratch directory for this test program, removed by t_done(). */
const char *t_tmpdir(void);

#endif
