/*
 * How fast a postqueue -j listing loads: parse and intern, then decode every
 * distinct reason — the path `mailroom` takes for a Postfix queue, fed from
 * a file instead of the postqueue pipe. Prints MB/s, messages/s, each
 * phase's time and the process's peak RSS.
 *
 *   build/tools/mailroom-gen --postqueue-json --count 1000000 /tmp/q.jsonl
 *   build/tests/bench-postqueue /tmp/q.jsonl
 */

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "kb.h"
#include "postqueue.h"
#include "snapshot.h"

static double seconds(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
	if (argc != 2) {
		fprintf(stderr,
			"usage: bench-postqueue FILE (from mailroom-gen --postqueue-json)\n");
		return 2;
	}
	struct stat st;
	if (stat(argv[1], &st) != 0) {
		perror(argv[1]);
		return 1;
	}
	mr_kb_default(); /* the knowledge base loads once per process, not per listing */
	FILE *f = fopen(argv[1], "rb");
	if (f == NULL) {
		perror(argv[1]);
		return 1;
	}
	/* As the postfix backend does: chunks from the pipe into the reader,
	 * then the snapshot is finished (each distinct reason decoded). */
	struct mr_snapshot *snap = mr_snapshot_create();
	struct mr_postqueue_reader reader;
	mr_postqueue_reader_init(&reader, snap, "postqueue -j output");
	static char chunk[65536];
	size_t n;
	bool ok = true;
	double start = seconds();
	while (ok && (n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		ok = mr_postqueue_feed(&reader, chunk, n);
	}
	ok = ok && mr_postqueue_end(&reader);
	double parsed = seconds();
	fclose(f);
	if (!ok) {
		fprintf(stderr, "bench-postqueue: %s\n", reader.error);
		return 1;
	}
	/* As in the backend: the reader is done before the snapshot is finished. */
	mr_postqueue_reader_finish(&reader);
	mr_snapshot_finish(snap);
	double finished = seconds();
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	double mb = (double)st.st_size / 1e6, total = finished - start;
	printf("bench-postqueue: %zu messages, %zu recipients, %.1f MB of postqueue -j\n",
		snap->n_messages, snap->n_recipients, mb);
	printf("bench-postqueue: parse %.2f s (%.0f MB/s, %.0f messages/s), decode %zu distinct "
	       "reasons %.2f s\n",
		parsed - start, mb / (parsed - start), (double)snap->n_messages / (parsed - start),
		snap->n_diagnoses, finished - parsed);
	printf("bench-postqueue: loaded in %.2f s (%.0f messages/s); peak RSS %.0f MB; pool %.0f "
	       "MB, of which reasons %.0f MB (%zu distinct)\n",
		total, (double)snap->n_messages / total, (double)ru.ru_maxrss / 1024,
		(double)mr_strpool_bytes(snap->strings) / 1e6,
		(double)mr_textpool_bytes(snap->reasons) / 1e6,
		mr_textpool_distinct(snap->reasons));
	mr_snapshot_destroy(snap);
	return 0;
}
