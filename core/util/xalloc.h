#ifndef MR_XALLOC_H
#define MR_XALLOC_H

/*
 * Allocation that never returns NULL. Running out of memory is not an error
 * mailroom can recover from in a useful way, so it ends the program, but only
 * after the fatal hook (set by the screen) has restored the terminal.
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

void *mr_xmalloc(size_t size);
void *mr_xcalloc(size_t count, size_t size);
void *mr_xrealloc(void *ptr, size_t size);
/* Grows an array of count elements of size bytes; aborts on overflow. */
void *mr_xreallocarray(void *ptr, size_t count, size_t size);
char *mr_xstrdup(const char *s);
char *mr_xstrndup(const char *s, size_t len);
char *mr_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2), nonnull(1)));
char *mr_xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0), nonnull(1)));

/* Called once before the process exits on a fatal error. */
void mr_set_fatal_hook(void (*hook)(void));
_Noreturn void mr_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Sets *cause (when cause is not NULL) to a new formatted message; always
 * returns false so that error paths read "return mr_fail(cause, ...);".
 */
bool mr_fail(char **cause, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
