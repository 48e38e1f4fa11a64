/*
 * What the filter's regular expressions cost (core/filter/regexp.c):
 *
 *   worst    patterns that backtrack, each on a reason of 5,000 characters:
 *            the time to its answer, a limit reached or the answer after
 *            the most work the limits allow (docs/architecture.md quotes it)
 *   compile  the largest pattern taken: compiling and JIT-compiling it
 *   filter   reason:/.../ filters on a generated queue (default 1,000,000
 *            messages): a whole run, best of five
 *
 *   bench-regex [MESSAGES]     (0: no filters)
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "filter.h"
#include "generate.h"
#include "regexp.h"
#include "snapshot.h"
#include "xalloc.h"

static double seconds(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* This thread's processor time: a match on one thread, measured so that
 * other work on a shared machine does not count. */
static double cpu_seconds(void) {
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *result_name(enum mr_regexp_result r) {
	switch (r) {
	case MR_REGEXP_MATCH:
		return "match";
	case MR_REGEXP_NO_MATCH:
		return "no match";
	case MR_REGEXP_LIMIT:
		return "limit reached";
	}
	return "?";
}

/* "host ... said: 450 aaa...aEND", 5,000 characters. */
static char *long_reason(const char *end) {
	static const char start[] = "host mx.example.net said: 450 ";
	size_t len = 5000, a = len - strlen(start) - strlen(end);
	char *text = mr_xmalloc(len + 1);
	memcpy(text, start, strlen(start));
	memset(text + strlen(start), 'a', a);
	strcpy(text + strlen(start) + a, end);
	return text;
}

static void worst(void) {
	static const struct {
		const char *pattern, *end;
	} cases[] = {
		{ "(a*)*\\1$", "b" },
		{ "(a+)+$", "b" },
		{ "(a|aa)+$", "b" },
		/* 2^k ways from each place, so the work per place is just under
		 * the limit for some k: the most a 5,000-character text can cost. */
		{ "(a|a){1,12}b", "cb" },
		{ "(a|a){1,14}b", "cb" },
		{ "(a|a){1,15}b", "cb" },
		{ "(a|a){1,16}b", "cb" },
		{ "(a|a){1,17}b", "cb" },
		{ "(a|a){1,18}b", "cb" },
		{ "^.*a.*a.*b.*zz", "zbz" },
		{ "(a|b)*c$", "b" },
	};
	printf("worst: each pattern on a 5,000-character reason (processor time)\n");
	struct mr_regexp_scratch *scratch = mr_regexp_scratch_create();
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char why[160];
		struct mr_regexp *re = mr_regexp_compile(cases[i].pattern, why, sizeof(why));
		if (re == NULL) {
			printf("  %-20s refused: %s\n", cases[i].pattern, why);
			continue;
		}
		char *text = long_reason(cases[i].end);
		double t0 = cpu_seconds();
		enum mr_regexp_result r = mr_regexp_match(re, scratch, text, strlen(text));
		double t = cpu_seconds() - t0;
		printf("  %-20s %8.3f s  %s%s\n", cases[i].pattern, t, result_name(r),
			mr_regexp_jit(re) ? "" : " (interpreted)");
		free(text);
		mr_regexp_free(re);
	}
	mr_regexp_scratch_free(scratch);
}

static void compile(void) {
	static const char *const patterns[] = { "(abc){1,1500}", "4\\.7\\.[0-9]{3}",
		"^host [^ ]*(google|outlook)" };
	printf("compile: pattern and JIT, best of 5 (processor time)\n");
	for (size_t i = 0; i < sizeof(patterns) / sizeof(*patterns); i++) {
		double best = 1e9;
		for (int k = 0; k < 5; k++) {
			char why[160];
			double t0 = cpu_seconds();
			struct mr_regexp *re = mr_regexp_compile(patterns[i], why, sizeof(why));
			double t = cpu_seconds() - t0;
			best = t < best ? t : best;
			if (re == NULL) {
				mr_fatal("%s: %s", patterns[i], why);
			}
			mr_regexp_free(re);
		}
		printf("  %-30s %8.3f ms\n", patterns[i], best * 1000);
	}
}

static void filters(size_t count) {
	struct mr_gen_options o = { .seed = 1, .now = 1795435200 };
	char *cause = NULL;
	struct mr_gen *gen = mr_gen_create(&o, &cause);
	if (gen == NULL) {
		mr_fatal("%s", cause);
	}
	struct mr_snapshot *snap = mr_snapshot_create();
	mr_gen_fill(gen, snap, count);
	mr_snapshot_finish(snap);
	mr_gen_destroy(gen);
	static const char *const exprs[] = { "reason:/4\\.7\\.[0-9]{3}/",
		"reason:/^host [^ ]*(google|outlook)/", "reason:/try.*again/",
		"reason:/(greylist|try again)/", "reason:/\\<mailbox\\>.*full/",
		"reason:\"try again\"" };
	printf("filter: %zu messages, %zu distinct reasons; best of 5 (wall clock, every core)\n",
		snap->n_messages, snap->n_diagnoses);
	uint8_t *match = mr_xmalloc(snap->n_messages);
	for (size_t i = 0; i < sizeof(exprs) / sizeof(*exprs); i++) {
		struct mr_filter_error err;
		struct mr_filter *f = mr_filter_parse(exprs[i], mr_kb_default(), &err);
		if (f == NULL) {
			mr_fatal("%s: %s", exprs[i], err.message);
		}
		double best = 1e9;
		size_t n = 0;
		for (int k = 0; k < 5; k++) {
			double t0 = seconds();
			n = mr_filter_run(f, snap, o.now, match);
			double t = seconds() - t0;
			best = t < best ? t : best;
		}
		printf("  %-40s %8.1f ms  %zu messages\n", exprs[i], best * 1000, n);
		mr_filter_free(f);
	}
	free(match);
	mr_snapshot_destroy(snap);
}

int main(int argc, char **argv) {
	size_t count = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
	worst();
	compile();
	if (count > 0) {
		filters(count);
	}
	return 0;
}
