#ifndef MR_HANDOFF_H
#define MR_HANDOFF_H

/*
 * Work handed from one thread to another in order: a reader fills an item
 * (a batch of a listing, a buffer of rows copied out of a database cursor)
 * and passes it on, and a consumer works through it on the second core
 * while the reader fills the next. The items are the caller's, a fixed
 * pool handed round: the reader takes an empty one, the consumer gives
 * each back once it is done with it, so memory stays that of the pool.
 *
 * The consumer sees every item passed once, in the order passed, one at a
 * time, on a thread of its own; with one core (or no thread to be had),
 * on the reader's, as it is passed.
 */

#include <stdbool.h>
#include <stddef.h>

struct mr_handoff;

/* Works through item, and leaves it empty for the reader to fill again. */
typedef void (*mr_handoff_fn)(void *ctx, void *item);

/* The pool (n_items >= 2, all empty) and the consumer, whose thread is
 * started. */
struct mr_handoff *mr_handoff_start(
	void *const *items, size_t n_items, mr_handoff_fn consume, void *ctx);
/* An empty item to fill; waits for the consumer to give one back. */
void *mr_handoff_take(struct mr_handoff *h);
/* A filled item (one taken) to the consumer. */
void mr_handoff_pass(struct mr_handoff *h, void *item);
/* Waits until the consumer is done with every item passed, ends its
 * thread and frees h (the items stay the caller's). */
void mr_handoff_finish(struct mr_handoff *h);

#endif
