/*
 * How fast a postqueue -j listing loads: parse, intern, decode every distinct
 * reason, finish the snapshot — the path `mailroom` takes for a Postfix
 * queue, fed from a file instead of the postqueue pipe. Prints MB/s,
 * messages/s and the process's peak RSS.
 *
 *   build/tests/mailroom-gen --postqueue-json --count 1000000 /tmp/q.jsonl
 *   build/tests/bench-postqueue /tmp/q.jsonl
 */

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "backend.h"
#include "registry.h"
#include "xalloc.h"

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
	char *arg = mr_xasprintf("postqueue-json:%s", argv[1]);
	char *cause = NULL;
	struct mr_source *src = mr_source_open(mr_backend_registry, arg, &cause);
	if (src == NULL) {
		fprintf(stderr, "bench-postqueue: %s\n", cause);
		return 1;
	}
	double start = seconds();
	struct mr_snapshot *snap = mr_source_list(src, &cause);
	double elapsed = seconds() - start;
	if (snap == NULL) {
		fprintf(stderr, "bench-postqueue: %s\n", cause);
		return 1;
	}
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	double mb = (double)st.st_size / 1e6;
	printf("bench-postqueue: %zu messages, %zu recipients, %zu distinct reasons decoded, "
	       "%.1f MB\n",
		snap->n_messages, snap->n_recipients, snap->n_diagnoses, mb);
	printf("bench-postqueue: loaded in %.2f s: %.0f MB/s, %.0f messages/s; peak RSS %.0f MB\n",
		elapsed, mb / elapsed, (double)snap->n_messages / elapsed,
		(double)ru.ru_maxrss / 1024);
	mr_snapshot_destroy(snap);
	mr_source_destroy(src);
	free(arg);
	return 0;
}
