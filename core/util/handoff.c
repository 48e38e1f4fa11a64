#include "handoff.h"

#include <pthread.h>
#include <stdlib.h>

#include "parallel.h"
#include "thread.h"
#include "xalloc.h"

struct mr_handoff {
	mr_handoff_fn consume;
	void *ctx;
	bool threaded;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t changed; /* an item passed, one given back, or the end */
	size_t n_items;
	void **passed; /* a ring of n_items, oldest at first */
	size_t first, n_passed;
	void **empty; /* a stack */
	size_t n_empty;
	bool ending;
};

static void *consumer_main(void *arg) {
	struct mr_handoff *h = arg;
	pthread_mutex_lock(&h->lock);
	for (;;) {
		while (h->n_passed == 0 && !h->ending) {
			pthread_cond_wait(&h->changed, &h->lock);
		}
		if (h->n_passed == 0) {
			break;
		}
		void *item = h->passed[h->first];
		h->first = (h->first + 1) % h->n_items;
		h->n_passed--;
		pthread_mutex_unlock(&h->lock);
		h->consume(h->ctx, item);
		pthread_mutex_lock(&h->lock);
		h->empty[h->n_empty++] = item;
		pthread_cond_broadcast(&h->changed);
	}
	pthread_mutex_unlock(&h->lock);
	return NULL;
}

struct mr_handoff *mr_handoff_start(
	void *const *items, size_t n_items, mr_handoff_fn consume, void *ctx) {
	struct mr_handoff *h = mr_xcalloc(1, sizeof(*h));
	h->consume = consume;
	h->ctx = ctx;
	h->n_items = n_items;
	h->passed = mr_xcalloc(n_items, sizeof(*h->passed));
	h->empty = mr_xcalloc(n_items, sizeof(*h->empty));
	for (size_t i = n_items; i > 0; i--) {
		h->empty[h->n_empty++] = items[i - 1]; /* the first taken first */
	}
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->changed, NULL);
	h->threaded = mr_cores() >= 2 && mr_thread_start(&h->thread, consumer_main, h) == 0;
	return h;
}

void *mr_handoff_take(struct mr_handoff *h) {
	pthread_mutex_lock(&h->lock);
	while (h->n_empty == 0) {
		pthread_cond_wait(&h->changed, &h->lock);
	}
	void *item = h->empty[--h->n_empty];
	pthread_mutex_unlock(&h->lock);
	return item;
}

void mr_handoff_pass(struct mr_handoff *h, void *item) {
	if (!h->threaded) {
		h->consume(h->ctx, item);
		h->empty[h->n_empty++] = item;
		return;
	}
	pthread_mutex_lock(&h->lock);
	h->passed[(h->first + h->n_passed) % h->n_items] = item;
	h->n_passed++;
	pthread_cond_broadcast(&h->changed);
	pthread_mutex_unlock(&h->lock);
}

void mr_handoff_finish(struct mr_handoff *h) {
	if (h->threaded) {
		pthread_mutex_lock(&h->lock);
		h->ending = true;
		pthread_cond_broadcast(&h->changed);
		pthread_mutex_unlock(&h->lock);
		pthread_join(h->thread, NULL);
	}
	pthread_mutex_destroy(&h->lock);
	pthread_cond_destroy(&h->changed);
	free(h->passed);
	free(h->empty);
	free(h);
}
