#ifndef MR_CLOCK_H
#define MR_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

/*
 * The current time in Unix seconds. MAILROOM_NOW (decimal seconds) pins it,
 * so that ages, retry times and the refresh stamp are reproducible in screen
 * tests and screenshots; it is documented in mailroom(1).
 */
int64_t mr_now(void);

/* Milliseconds on the monotonic clock, for measuring and scheduling:
 * MAILROOM_NOW does not pin it, and setting the date does not move it. */
double mr_monotonic_ms(void);

/* Whether MAILROOM_NOW, when set, is usable; the program refuses to start
 * with a bad one rather than silently use the real clock. */
bool mr_clock_check(char **cause);

#endif
