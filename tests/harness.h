#ifndef MR_TEST_HARNESS_H
#define MR_TEST_HARNESS_H

/*
 * A small TAP producer for the unit tests: each check is one numbered test
 * line, failures explain themselves in "#" comments, and the plan comes
 * last. Meson runs the programs with protocol 'tap'.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

bool t_check(bool ok, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
bool t_check_str(const char *got, const char *want, const char *file, int line, const char *fmt,
	...) __attribute__((format(printf, 5, 6)));
bool t_check_int(int64_t got, int64_t want, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* A pointer against NULL: want_null says which is right; prints what was
 * found (the address) when it is wrong. */
bool t_check_null(const void *got, bool want_null, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* The very same object (not an equal one): prints both addresses. */
bool t_check_ptr(const void *got, const void *want, const char *file, int line, const char *fmt,
	...) __attribute__((format(printf, 5, 6)));
bool t_check_size(size_t got, size_t want, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* A boolean claim; found (may be NULL) is what the code under test said,
 * e.g. its error text, printed when the claim is false. */
bool t_check_true(bool ok, const char *found, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* got contains part (NULL got never does); prints both when it does not. */
bool t_check_has(const char *got, const char *part, const char *file, int line, const char *fmt,
	...) __attribute__((format(printf, 5, 6)));
/* got lacks part; a NULL got fails (there is nothing to lack it), so that
 * a missing text never passes for a clean one. Prints both when wrong. */
bool t_check_lacks(const char *got, const char *part, const char *file, int line, const char *fmt,
	...) __attribute__((format(printf, 5, 6)));
/* got begins with part (NULL got never does). */
bool t_check_prefix(const char *got, const char *part, const char *file, int line, const char *fmt,
	...) __attribute__((format(printf, 5, 6)));
/* Bytes, NULs included: lengths and contents must agree. */
bool t_check_mem(const void *got, size_t got_len, const void *want, size_t want_len,
	const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 7, 8)));
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
#define T_NULL(got, ...)    t_check_null((got), true, __FILE__, __LINE__, __VA_ARGS__)
#define T_NONNULL(got, ...) t_check_null((got), false, __FILE__, __LINE__, __VA_ARGS__)
#define T_PTR(got, want, ...) \
	t_check_ptr((const void *)(got), (const void *)(want), __FILE__, __LINE__, __VA_ARGS__)
#define T_SIZE(got, want, ...) \
	t_check_size((size_t)(got), (size_t)(want), __FILE__, __LINE__, __VA_ARGS__)
#define T_TRUE(cond, found, ...) t_check_true((cond), (found), __FILE__, __LINE__, __VA_ARGS__)
#define T_HAS(got, part, ...)    t_check_has((got), (part), __FILE__, __LINE__, __VA_ARGS__)
#define T_LACKS(got, part, ...)  t_check_lacks((got), (part), __FILE__, __LINE__, __VA_ARGS__)
#define T_PREFIX(got, part, ...) t_check_prefix((got), (part), __FILE__, __LINE__, __VA_ARGS__)
#define T_MEM(got, got_len, want, want_len, ...) \
	t_check_mem((got), (got_len), (want), (want_len), __FILE__, __LINE__, __VA_ARGS__)

struct mr_text;
/* A reason's whole text (NULL for none), valid for the next three calls too,
 * so checks can compare two. */
const char *t_text(const struct mr_text *t);

struct mr_snapshot;
/* Whether every message of front (finished) is the same, with its
 * recipients, reasons and their categories, as whole's message of the same
 * index: a listing's front against the whole listing. */
bool t_same_front(const struct mr_snapshot *front, const struct mr_snapshot *whole);

/* A listing's glimpses (snapshot.h) as a test takes them: t_take_glimpse is
 * the progress's glimpse, a struct t_glimpses its ctx; each is a copy of the
 * front as it was offered. */
struct t_glimpses {
	struct mr_snapshot *fronts[4];
	size_t n;
};
void t_take_glimpse(void *ctx, const struct mr_snapshot *snap);
/* Checks that want glimpses were offered, at 1,024, 2,048 ... messages, and
 * that each front's messages are whole's (t_same_front), then frees them;
 * whole NULL (the listing failed): no front is compared. what names the
 * test. */
void t_check_glimpses(
	struct t_glimpses *g, size_t want, const struct mr_snapshot *whole, const char *what);

/* A scratch directory for this test program, removed by t_done(). */
const char *t_tmpdir(void);

/* NAME inside t_tmpdir(), newly allocated (the caller frees it). */
char *t_tmppath(const char *name);

#endif
