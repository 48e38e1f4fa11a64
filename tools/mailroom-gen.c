/*
 * mailroom-gen: writes a queue of N generated messages with the demo's
 * realistic mix, for tests and benchmarks: a queue database, or with
 * --postqueue-json the stream postqueue -j would print for it (bounced mail,
 * which has left a Postfix queue, is not in it; - writes to standard output).
 *
 *   mailroom-gen [--seed N] [--now UNIX] [--long-ids] [--postqueue-json]
 *                --count N OUTPUT
 */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "export.h"
#include "generate.h"
#include "sqlite.h"

static void content(void *ctx, const struct mr_snapshot *snap, const struct mr_message *msg,
	struct mr_buf *headers, struct mr_buf *body) {
	mr_gen_content(ctx, snap, msg, headers, body);
}

static int usage(const char *problem) {
	fprintf(stderr,
		"mailroom-gen: %s\n"
		"usage: mailroom-gen [--seed N] [--now UNIX] [--long-ids] [--postqueue-json] "
		"--count N OUTPUT\n",
		problem);
	return 2;
}

static bool parse_number(const char *s, unsigned long long *v) {
	char *end;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno == 0 && end != s && *end == '\0' && *s != '-';
}

/* Exactly count messages in the stream: bounced ones are not in a queue. */
static int write_postqueue(
	const struct mr_gen_options *o, unsigned long long count, const char *path) {
	char *cause = NULL;
	struct mr_gen *gen = mr_gen_create(o, &cause);
	if (gen == NULL) {
		fprintf(stderr, "mailroom-gen: %s\n", cause);
		free(cause);
		return 1;
	}
	FILE *out = strcmp(path, "-") == 0 ? stdout : fopen(path, "wx");
	if (out == NULL) {
		fprintf(stderr, "mailroom-gen: %s: %s\n", path,
			errno == EEXIST ? "already exists; not overwriting it" : strerror(errno));
		mr_gen_destroy(gen);
		return 1;
	}
	struct mr_snapshot *snap = mr_snapshot_create();
	unsigned long long written = 0;
	bool ok = true;
	while (ok && written < count) {
		mr_snapshot_clear(snap);
		mr_gen_fill(gen, snap, 10000);
		size_t n = 0;
		while (n < snap->n_messages && written < count) {
			written += snap->messages[n++].queue != MR_QUEUE_BOUNCED;
		}
		snap->n_messages = n; /* the last batch ends at count */
		ok = mr_export_snapshot(out, MR_EXPORT_POSTQUEUE, "", snap, NULL, NULL, o->now);
	}
	ok = (out == stdout ? fflush(out) == 0 : fclose(out) == 0) && ok;
	mr_snapshot_destroy(snap);
	mr_gen_destroy(gen);
	if (!ok) {
		fprintf(stderr, "mailroom-gen: %s: %s\n", path, strerror(errno));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv) {
	static const struct option options[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "now", required_argument, NULL, 'n' },
		{ "count", required_argument, NULL, 'c' },
		{ "long-ids", no_argument, NULL, 'l' },
		{ "postqueue-json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct mr_gen_options o = { .seed = 1, .now = mr_now() };
	unsigned long long count = 0, v;
	bool postqueue = false;
	int opt;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 's':
			if (!parse_number(optarg, &v)) {
				return usage("--seed needs a number");
			}
			o.seed = v;
			break;
		case 'n':
			if (!parse_number(optarg, &v) || v == 0) {
				return usage("--now needs Unix seconds");
			}
			o.now = (int64_t)v;
			break;
		case 'c':
			if (!parse_number(optarg, &count) || count == 0) {
				return usage("--count needs a positive number");
			}
			break;
		case 'l':
			o.long_ids = true;
			break;
		case 'j':
			postqueue = true;
			break;
		default:
			return usage("unknown option");
		}
	}
	if (count == 0 || optind != argc - 1) {
		return usage("needs --count and one output file");
	}
	char *cause = NULL;
	if (postqueue) {
		return write_postqueue(&o, count, argv[optind]);
	}
	struct mr_gen *gen = mr_gen_create(&o, &cause);
	struct mr_sqlite *db = gen ? mr_sqlite_create_file(argv[optind], &cause) : NULL;
	if (db == NULL) {
		fprintf(stderr, "mailroom-gen: %s\n", cause);
		free(cause);
		mr_gen_destroy(gen);
		return 1;
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct mr_snapshot *snap = mr_snapshot_create();
	size_t recipients = 0;
	bool ok = true;
	for (unsigned long long done = 0; ok && done < count; done += 10000) {
		mr_snapshot_clear(snap);
		mr_gen_fill(gen, snap, count - done < 10000 ? (size_t)(count - done) : 10000);
		recipients += snap->n_recipients;
		ok = mr_sqlite_insert(db, snap, content, gen, &cause);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	mr_snapshot_destroy(snap);
	mr_sqlite_destroy(db);
	mr_gen_destroy(gen);
	if (!ok) {
		fprintf(stderr, "mailroom-gen: %s\n", cause);
		free(cause);
		return 1;
	}
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	fprintf(stderr, "mailroom-gen: wrote %llu messages, %zu recipients to %s in %.2f s\n",
		count, recipients, argv[optind], secs);
	return 0;
}
