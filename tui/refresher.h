#ifndef MR_REFRESHER_H
#define MR_REFRESHER_H

/*
 * The screen's automatic listings, on a thread of their own: on a million
 * messages a listing and its ranking take seconds, and a source that stops
 * answering may take much longer; meanwhile the screen answers every key
 * from the listing it has. The thread lists the source and ranks the
 * snapshot for the list (mr_rows_rank); the screen polls, and takes both
 * when it has no question open.
 *
 * While a listing runs the source is the thread's: the screen waits for it
 * (refresher_finish) before it acts, reads a message's content or shows
 * the source's warnings, since a backend serves one caller at a time.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "rows.h"

struct refresher;

/* Starts listing src; NULL when no thread could be started (then the
 * caller lists on its own thread). */
struct refresher *refresher_start(struct mr_source *src);
/*
 * The screen's first listing, started before the screen: src->progress (the
 * progress line's, if any) is told how far it has come until
 * refresher_quiet, and once it has run a moment, the front of a big queue
 * is copied for the screen to start with (refresher_wait_first).
 */
struct refresher *refresher_start_first(struct mr_source *src);
/*
 * Waits until the first listing is over, then NULL (refresher_finish takes
 * it), or until the front of a big one is ready: then that front, its first
 * messages, finished, while the rest is still read.
 */
struct mr_snapshot *refresher_wait_first(struct refresher *r);
/* The terminal is the screen's: the progress line is told no more. */
void refresher_quiet(struct refresher *r);
/* Messages the first listing has read so far. */
size_t refresher_messages_read(struct refresher *r);
/* Waits for the listing to end and keeps its results for
 * refresher_finish: the source is free. */
void refresher_wait(struct refresher *r);
/* Whether the listing is over (never waits). */
bool refresher_done(struct refresher *r);
/* How long the listing has run, in ms. */
int64_t refresher_running_ms(const struct refresher *r);
/*
 * Waits for the listing to end and frees r: the new snapshot with its
 * ranks in *ranks and the listing's time in *ms, or NULL with *cause set.
 */
struct mr_snapshot *refresher_finish(
	struct refresher *r, struct mr_rows_ranks *ranks, int64_t *ms, char **cause);
/* Waits for the listing to end, frees r and drops its results (before
 * the screen uses the source itself). */
void refresher_drop(struct refresher *r);
/*
 * For quitting: when the listing is over, as refresher_finish with the
 * results dropped, and true. When it is not (a source that does not
 * answer), the thread is left to run until the program exits, and false:
 * the source is still in use and must not be destroyed.
 */
bool refresher_abandon(struct refresher *r);

#endif
