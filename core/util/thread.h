#ifndef MR_THREAD_H
#define MR_THREAD_H

/*
 * Every thread mailroom starts besides the main one runs with every signal
 * blocked. Signals are the main thread's: the screen's handlers (a resize,
 * Ctrl-C, a hang-up) set flags its key loop reads, and the EINTR a signal
 * gives its wait is what wakes the loop; a signal taken by a worker would
 * set the flag but wake nobody. A thread inherits the mask of the one that
 * starts it, so the mask is set around the start, whoever starts it.
 */

#include <pthread.h>

/* pthread_create(thread, NULL, run, arg) with every signal blocked in the
 * new thread; 0, or pthread_create's error. */
int mr_thread_start(pthread_t *thread, void *(*run)(void *), void *arg);

#endif
