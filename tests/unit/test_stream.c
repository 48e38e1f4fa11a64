/*
 * A listing in batches (stream.h), on a saved postqueue -j listing: every
 * message delivered once, in the order read, each batch finished (or not,
 * when asked undecoded); with a second core, on the stream's own thread; a
 * consumer's stop and a source's failure part way end it as documented.
 */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend.h"
#include "harness.h"
#include "open_source.h"
#include "parallel.h"
#include "xalloc.h"

enum { MESSAGES = 1000, BATCH = 7 };

/* MESSAGES messages, two recipients each, a reason of a few kinds; with
 * bad_at, line bad_at is not a message. */
static char *write_listing(const char *name, size_t bad_at) {
	char *path = t_tmppath(name);
	FILE *f = fopen(path, "w");
	if (f == NULL) {
		t_note("cannot write %s", path);
		exit(99);
	}
	for (size_t i = 1; i <= MESSAGES; i++) {
		if (i == bad_at) {
			fputs("{\"queue_name\": \"deferred\", \"recipients\": [}\n", f);
			continue;
		}
		fprintf(f,
			"{\"queue_name\": \"deferred\", \"queue_id\": \"%05zX\", "
			"\"arrival_time\": 1795430000, \"message_size\": 900, \"sender\": "
			"\"app@example.org\", \"recipients\": [{\"address\": \"a%zu@example.com\", "
			"\"delay_reason\": \"host mx.example.com[192.0.2.1] said: 450 4.2.0 "
			"Greylisted, try again in %zu minutes (in reply to RCPT TO command)\"}, "
			"{\"address\": \"b%zu@example.net\", \"delay_reason\": \"connect to "
			"mx.example.net[192.0.2.2]:25: Connection timed out\"}]}\n",
			i + 0x1000, i, i % 5, i);
	}
	if (fclose(f) != 0) {
		t_note("cannot write %s", path);
		exit(99);
	}
	return path;
}

/* What the consumer saw. */
struct seen {
	pthread_t caller;
	struct mr_buf ids;   /* every id delivered, a line each */
	size_t batches;      /* delivered */
	size_t stop_after;   /* 0: never stops */
	size_t other_thread; /* batches delivered off the caller's thread */
	size_t wrong_finish; /* batches finished when they should not be, or not */
	size_t too_big;      /* batches over BATCH messages */
	bool undecoded;
	size_t slow_batches;    /* the first batches take 300 ms each */
	int64_t first_taken_at; /* the first batch's "now" */
	size_t other_now;       /* batches with another */
};

static bool take_batch(void *ctx, const struct mr_snapshot *batch) {
	struct seen *seen = ctx;
	if (seen->batches < seen->slow_batches) {
		nanosleep(&(struct timespec){ .tv_nsec = 300 * 1000 * 1000 }, NULL);
	}
	if (seen->batches == 0) {
		seen->first_taken_at = batch->taken_at;
	}
	seen->other_now += batch->taken_at != seen->first_taken_at;
	seen->batches++;
	seen->other_thread += !pthread_equal(pthread_self(), seen->caller);
	seen->too_big += batch->n_messages > BATCH;
	/* Finished: a diagnosis for each distinct reason; undecoded: none. */
	bool decoded =
		batch->n_diagnoses > 0 && batch->recipients[0].diagnosis < batch->n_diagnoses;
	seen->wrong_finish += decoded == seen->undecoded;
	for (size_t i = 0; i < batch->n_messages; i++) {
		mr_buf_printf(&seen->ids, "%s\n", batch->messages[i].id);
	}
	return seen->stop_after == 0 || seen->batches < seen->stop_after;
}

static bool stream(struct mr_source *src, struct seen *seen, char **cause) {
	seen->caller = pthread_self();
	mr_buf_init(&seen->ids);
	struct mr_stream s = { .batch_messages = BATCH,
		.deliver = take_batch,
		.ctx = seen,
		.undecoded = seen->undecoded };
	bool ok = mr_source_stream(src, &s, cause);
	if (seen->stop_after > 0) {
		T_OK(s.stopped, "a consumer's stop is known when the stream returns");
	}
	return ok;
}

/* A listing written as name (line bad_at not a message, when not 0),
 * opened and streamed to seen. */
static bool stream_listing(const char *name, size_t bad_at, struct seen *seen, char **cause) {
	char *path = write_listing(name, bad_at);
	struct mr_source *src = t_open_source(path);
	bool ok = stream(src, seen, cause);
	mr_source_destroy(src);
	free(path);
	return ok;
}

static void test_order(bool undecoded) {
	const char *how = undecoded ? "undecoded" : "finished";
	char *path = write_listing("order.jsonl", 0);
	struct mr_source *src = t_open_source(path);
	char *cause = NULL;
	struct mr_snapshot *whole = mr_source_list(src, &cause);
	T_NONNULL(whole, "%s: the whole listing, to compare with", how);
	struct mr_buf want;
	mr_buf_init(&want);
	for (size_t i = 0; whole != NULL && i < whole->n_messages; i++) {
		mr_buf_printf(&want, "%s\n", whole->messages[i].id);
	}
	struct seen seen = { .undecoded = undecoded };
	T_OK(stream(src, &seen, &cause), "%s: streamed whole", how);
	T_SIZE(seen.batches, (MESSAGES + BATCH - 1) / BATCH, "%s: every batch delivered", how);
	T_STR(seen.ids.data ? seen.ids.data : "", want.data ? want.data : "",
		"%s: every message once, in the order read", how);
	T_SIZE(seen.too_big, 0, "%s: no batch over its size", how);
	T_SIZE(seen.wrong_finish, 0, "%s: each batch %s", how,
		undecoded ? "left undecoded" : "finished, reasons decoded");
	if (mr_cores() >= 2) {
		T_SIZE(seen.other_thread, seen.batches,
			"%s: delivered on the stream's own thread (two cores)", how);
	} else {
		T_SIZE(seen.other_thread, 0, "%s: delivered on the caller's thread (one core)",
			how);
	}
	mr_buf_finish(&seen.ids);
	mr_buf_finish(&want);
	mr_snapshot_destroy(whole);
	mr_source_destroy(src);
	free(path);
}

/* A listing that takes seconds: every batch has the listing's "now", so
 * that age: terms mean the same on the last as on the first (the clock is
 * not pinned here). */
static void test_one_now(void) {
	struct seen seen = { .slow_batches = 5 };
	char *cause = NULL;
	T_OK(stream_listing("now.jsonl", 0, &seen, &cause), "slow consumer: streamed whole");
	T_SIZE(seen.other_now, 0, "slow consumer: one \"now\" for every batch over 1.5 s");
	mr_buf_finish(&seen.ids);
}

/* The consumer stops at its third batch: nothing more reaches it, and the
 * stream says it stopped, with no cause of its own. */
static void test_consumer_stops(void) {
	struct seen seen = { .stop_after = 3 };
	char *cause = NULL;
	T_OK(!stream_listing("stop.jsonl", 0, &seen, &cause), "stopped: the stream is not whole");
	T_SIZE(seen.batches, 3, "stopped: no batch after the one that said stop");
	T_NULL(cause, "stopped: no cause (the consumer says why)");
	mr_buf_finish(&seen.ids);
}

/* Line 500 is not a message: the batches read before it are delivered
 * (71 of 7), the one being read is dropped, the error names the line. */
static void test_source_fails(void) {
	struct seen seen = { 0 };
	char *cause = NULL;
	T_OK(!stream_listing("bad.jsonl", 500, &seen, &cause), "a bad line: the stream fails");
	T_HAS(cause ? cause : "", "line 500", "a bad line: the error names it");
	T_SIZE(seen.batches, 499 / BATCH, "a bad line: the full batches before it delivered");
	T_SIZE(seen.ids.len, (size_t)(499 / BATCH * BATCH) * 6, "a bad line: their messages only");
	free(cause);
	mr_buf_finish(&seen.ids);
}

int main(void) {
	test_order(false);
	test_order(true);
	test_one_now();
	test_consumer_stops();
	test_source_fails();
	return t_done();
}
