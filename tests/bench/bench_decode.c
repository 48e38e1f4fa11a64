/*
 * How fast reasons are decoded, on one core, for three sets of lines:
 *
 *   real-world  the development table of real reasons (tests/decode/reasons/)
 *   queue       every recipient's reason of a generated 20,000-message
 *               queue, repeats included, as a queue listing has them
 *   distinct    each distinct reason of that queue once (long multi-line
 *               replies weigh more here: they are rarely equal)
 *
 * Each set is decoded over and over for SECONDS of the thread's CPU time
 * (-N: exactly N passes, to count instructions under valgrind); prints
 * lines per CPU second and MB per CPU second. Then the time to decode every recipient's reason of a
 * generated 1,000,000-message queue once, and its distinct reasons once (a
 * listing decodes each distinct reason once: reasons are interned).
 *
 *   bench-decode [REASONS_DIR] [SECONDS] [MESSAGES]
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "corpus.h"
#include "decode.h"
#include "generate.h"
#include "ptrmap.h"
#include "snapshot.h"
#include "tsv.h"
#include "xalloc.h"

/* The decoding thread's own CPU time: the figure is per core, and another
 * program busy on the machine does not lower it (much). */
static double seconds(void) {
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct texts {
	char **texts;
	size_t *lens;
	size_t n, cap, bytes;
};

static void add(struct texts *c, const char *text) {
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 1024;
		c->texts = mr_xreallocarray(c->texts, c->cap, sizeof(*c->texts));
		c->lens = mr_xreallocarray(c->lens, c->cap, sizeof(*c->lens));
	}
	c->texts[c->n] = mr_xstrdup(text);
	c->lens[c->n] = strlen(text);
	c->bytes += c->lens[c->n];
	c->n++;
}

static void load_table(struct texts *c, const char *dir) {
	struct corpus table;
	char *cause = NULL;
	if (!corpus_load(&table, dir, &cause)) {
		mr_fatal("%s", cause);
	}
	for (size_t i = 0; i < table.n_lines; i++) {
		add(c, table.lines[i].fields[CORPUS_REASON]);
	}
	corpus_finish(&table);
}

/* The reasons of a generated queue: every recipient's, or each distinct
 * one once. */
static void load_generated(struct texts *all, struct texts *distinct, size_t messages) {
	struct mr_gen_options o = { .seed = 20261123, .now = 1795435200 };
	char *cause = NULL;
	struct mr_gen *gen = mr_gen_create(&o, &cause);
	if (gen == NULL) {
		mr_fatal("%s", cause);
	}
	struct mr_snapshot *snap = mr_snapshot_create();
	mr_gen_fill(gen, snap, messages);
	struct mr_ptrmap seen;
	mr_ptrmap_init(&seen);
	struct mr_buf text;
	mr_buf_init(&text);
	for (size_t i = 0; i < snap->n_recipients; i++) {
		const struct mr_text *t = snap->recipients[i].reason;
		if (t == NULL) {
			continue;
		}
		const char *r = mr_text_str(t, &text);
		add(all, r);
		/* Reasons are interned: a new pointer is a new text. */
		if (mr_ptrmap_get(&seen, t) == UINT32_MAX) {
			mr_ptrmap_put(&seen, t, 1);
			add(distinct, r);
		}
	}
	mr_buf_finish(&text);
	mr_ptrmap_finish(&seen);
	mr_snapshot_destroy(snap);
	mr_gen_destroy(gen);
}

static void run(const char *name, const struct texts *c, double budget) {
	const struct mr_kb *kb = mr_kb_default();
	struct mr_diagnosis d;
	unsigned checksum = 0;
	size_t decoded = 0, bytes = 0;
	double start = seconds(), now = start;
	/* A negative budget is a number of passes: the same work every run,
	 * for counting instructions (valgrind --tool=cachegrind). */
	size_t passes = budget < 0 ? (size_t)-budget : SIZE_MAX;
	for (size_t pass = 0; pass < passes && (budget < 0 || now - start < budget); pass++) {
		for (size_t i = 0; i < c->n; i++) {
			mr_decode(kb, c->texts[i], c->lens[i], &d);
			checksum += (unsigned)d.category + d.basic;
		}
		decoded += c->n;
		bytes += c->bytes;
		now = seconds();
	}
	double elapsed = now - start;
	printf("bench-decode: %-11s %6zu lines of %3.0f bytes on average: %9.0f lines/s, "
	       "%5.1f MB/s (checksum %u)\n",
		name, c->n, (double)c->bytes / (double)c->n, (double)decoded / elapsed,
		(double)bytes / elapsed / 1e6, checksum);
}

/* Each line once, as a listing of that queue would need them. */
static void once(const char *name, size_t messages, const struct texts *c) {
	const struct mr_kb *kb = mr_kb_default();
	struct mr_diagnosis d;
	unsigned checksum = 0;
	double start = seconds();
	for (size_t i = 0; i < c->n; i++) {
		mr_decode(kb, c->texts[i], c->lens[i], &d);
		checksum += (unsigned)d.category + d.basic;
	}
	printf("bench-decode: %zu-message queue, %-8s %8zu reasons decoded once in %.3f s "
	       "(checksum %u)\n",
		messages, name, c->n, seconds() - start, checksum);
}

static void texts_free(struct texts *c) {
	for (size_t i = 0; i < c->n; i++) {
		free(c->texts[i]);
	}
	free(c->texts);
	free(c->lens);
}

int main(int argc, char **argv) {
	const char *table = argc > 1 ? argv[1] : "tests/decode/reasons";
	double budget = argc > 2 ? atof(argv[2]) : 2.0;
	size_t messages = argc > 3 ? (size_t)atol(argv[3]) : 1000000;
	struct texts real = { 0 }, queue = { 0 }, distinct = { 0 };
	struct texts big = { 0 }, big_distinct = { 0 };
	load_table(&real, table);
	load_generated(&queue, &distinct, 20000);
	mr_kb_default(); /* loading is not decoding */
	run("real-world", &real, budget);
	run("queue", &queue, budget);
	run("distinct", &distinct, budget);
	load_generated(&big, &big_distinct, messages);
	once("every", messages, &big);
	once("distinct", messages, &big_distinct);
	texts_free(&real);
	texts_free(&queue);
	texts_free(&distinct);
	texts_free(&big);
	texts_free(&big_distinct);
	return 0;
}
