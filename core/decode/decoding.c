#include "decoding.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "bigmem.h"
#include "buf.h"
#include "parallel.h"
#include "thread.h"
#include "xalloc.h"

struct decode_job {
	const struct mr_kb *kb;
	const struct mr_text *const *texts;
	struct mr_diagnosis *out;
};

static void decode_range(void *ctx, size_t thread, size_t from, size_t to) {
	(void)thread;
	const struct decode_job *job = ctx;
	struct mr_buf scratch;
	mr_buf_init(&scratch);
	for (size_t i = from; i < to; i++) {
		const struct mr_text *t = job->texts[i];
		mr_decode(job->kb, mr_text_str(t, &scratch), t->len, &job->out[i]);
	}
	mr_buf_finish(&scratch);
}

/* The texts do not depend on each other, and the knowledge base is only
 * read, so each core takes a share. */
void mr_decode_texts(const struct mr_kb *kb, const struct mr_text *const *texts,
	struct mr_diagnosis *out, size_t n) {
	struct decode_job job = { kb, texts, out };
	mr_parallel_for(n, 4096, decode_range, &job);
}

/*
 * The reader hands texts over a batch at a time (one lock per BATCH texts);
 * the thread decodes them in order into an array only it touches until
 * mr_early_decoder_finish() has joined it.
 */
enum { BATCH = 512 };

struct batch {
	struct batch *next;
	size_t n;
	const struct mr_text *texts[BATCH];
};

struct mr_early_decoder {
	const struct mr_kb *kb;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t ready;
	struct batch *head, *tail; /* handed over, not yet taken */
	bool done;                 /* no more batches will come */
	struct batch *filling;     /* the reader's side */
	/* The thread's side. */
	struct mr_diagnosis *out;
	size_t n_out, cap_out;
};

static struct batch *take(struct mr_early_decoder *d) {
	pthread_mutex_lock(&d->lock);
	while (d->head == NULL && !d->done) {
		pthread_cond_wait(&d->ready, &d->lock);
	}
	struct batch *b = d->head;
	if (b != NULL) {
		d->head = b->next;
		if (d->head == NULL) {
			d->tail = NULL;
		}
	}
	pthread_mutex_unlock(&d->lock);
	return b;
}

static void *early_main(void *arg) {
	struct mr_early_decoder *d = arg;
	struct mr_buf scratch;
	mr_buf_init(&scratch);
	struct batch *b;
	while ((b = take(d)) != NULL) {
		if (d->n_out + b->n > d->cap_out) {
			size_t cap = d->cap_out ? d->cap_out * 2 : 4096;
			d->out = mr_big_grow(
				d->out, d->cap_out * sizeof(*d->out), cap * sizeof(*d->out));
			d->cap_out = cap;
		}
		for (size_t i = 0; i < b->n; i++) {
			const struct mr_text *t = b->texts[i];
			mr_decode(d->kb, mr_text_str(t, &scratch), t->len, &d->out[d->n_out++]);
		}
		free(b);
	}
	mr_buf_finish(&scratch);
	return NULL;
}

struct mr_early_decoder *mr_early_decoder_start(const struct mr_kb *kb) {
	if (mr_cores() < 2) {
		return NULL;
	}
	struct mr_early_decoder *d = mr_xcalloc(1, sizeof(*d));
	d->kb = kb;
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->ready, NULL);
	if (mr_thread_start(&d->thread, early_main, d) != 0) {
		pthread_mutex_destroy(&d->lock);
		pthread_cond_destroy(&d->ready);
		free(d);
		return NULL;
	}
	return d;
}

static void hand_over(struct mr_early_decoder *d, bool last) {
	pthread_mutex_lock(&d->lock);
	if (d->filling != NULL) {
		if (d->tail != NULL) {
			d->tail->next = d->filling;
		} else {
			d->head = d->filling;
		}
		d->tail = d->filling;
		d->filling = NULL;
	}
	d->done = last;
	pthread_cond_signal(&d->ready);
	pthread_mutex_unlock(&d->lock);
}

void mr_early_decoder_add(struct mr_early_decoder *d, const struct mr_text *t) {
	if (d->filling == NULL) {
		d->filling = mr_xmalloc(sizeof(*d->filling));
		d->filling->next = NULL;
		d->filling->n = 0;
	}
	d->filling->texts[d->filling->n++] = t;
	if (d->filling->n == BATCH) {
		hand_over(d, false);
	}
}

struct mr_diagnosis *mr_early_decoder_finish(struct mr_early_decoder *d, size_t *n, size_t *cap) {
	hand_over(d, true);
	pthread_join(d->thread, NULL);
	pthread_mutex_destroy(&d->lock);
	pthread_cond_destroy(&d->ready);
	struct mr_diagnosis *out = d->out;
	*n = d->n_out;
	*cap = d->cap_out;
	free(d);
	return out;
}
