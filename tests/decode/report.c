/*
 * How the decoder fares on tables of real reason lines: agreement of the
 * category with the label (or its documented second reading), unknowns,
 * codes, by category (so that gaps show), by file, by the step of evidence
 * that decided, and the most frequent confusions.
 *
 *   decode-report [--misses] DIR...
 *
 * DIR: tests/decode/reasons (development) or tests/decode/shadow (held out:
 * measure on it, never write rules from it).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus.h"
#include "kb.h"
#include "xalloc.h"

struct tally {
	size_t lines, agreed, unknown, codes, decided_as, basic, enhanced, stage;
};

static double pct(size_t a, size_t b) {
	return b ? 100.0 * (double)a / (double)b : 0.0;
}

struct confusion {
	int label, got;
	size_t n;
};

static int by_count(const void *a, const void *b) {
	const struct confusion *x = a, *y = b;
	return x->n < y->n ? 1 : x->n > y->n ? -1 : 0;
}

static void report(const struct mr_kb *kb, const struct corpus *c, const char *dir, bool misses) {
	size_t nc = kb->n_categories;
	struct tally all = { 0 }, *cat = mr_xcalloc(nc, sizeof(*cat));
	struct tally by_confidence[MR_CONFIDENCE_RULE + 1] = { { 0 } };
	size_t *confused = mr_xcalloc(nc * nc, sizeof(*confused));
	struct tally *files = mr_xcalloc(c->n_files, sizeof(*files));
	size_t file = 0;
	for (size_t i = 0; i < c->n_lines; i++) {
		const struct corpus_line *line = &c->lines[i];
		while (strcmp(c->files[file].name, line->file) != 0) {
			file++;
		}
		struct corpus_verdict v;
		corpus_judge(kb, line, &v);
		int label = mr_kb_category_find(kb, line->fields[CORPUS_CATEGORY]);
		if (label < 0) {
			fprintf(stderr, "%s/%s:%zu: unknown category \"%s\"\n", dir, line->file,
				line->line, line->fields[CORPUS_CATEGORY]);
			exit(1);
		}
		struct tally *t[] = { &all, &cat[label], &by_confidence[v.d.confidence],
			&files[file] };
		for (size_t k = 0; k < sizeof(t) / sizeof(t[0]); k++) {
			t[k]->lines++;
			t[k]->agreed += v.category_right;
			t[k]->unknown += v.unknown;
			t[k]->codes += v.codes_right;
			t[k]->basic += v.basic_right;
			t[k]->enhanced += v.enhanced_right;
			t[k]->stage += v.stage_right;
		}
		cat[v.d.category].decided_as++;
		if (!v.category_right) {
			confused[(size_t)label * nc + (size_t)v.d.category]++;
		}
		if (misses && !v.category_right) {
			printf("MISS %s:%zu %s -> %s (%s) %s\n", line->file, line->line,
				line->fields[CORPUS_CATEGORY], v.category,
				mr_confidence_name(v.d.confidence), line->fields[CORPUS_REASON]);
		}
		if (misses && !v.codes_right) {
			printf("CODES %s:%zu want %s %s %s got %s %s %s: %s\n", line->file,
				line->line, line->fields[CORPUS_BASIC],
				line->fields[CORPUS_ENHANCED], line->fields[CORPUS_STAGE], v.basic,
				v.enhanced, v.stage, line->fields[CORPUS_REASON]);
		}
	}
	printf("%s: %zu lines in %zu files\n", dir, all.lines, c->n_files);
	printf("  category agrees   %5.1f%%  (%zu)\n", pct(all.agreed, all.lines), all.agreed);
	printf("  unknown           %5.1f%%  (%zu)\n", pct(all.unknown, all.lines), all.unknown);
	printf("  codes and stage   %5.1f%%  (%zu)\n", pct(all.codes, all.lines), all.codes);
	printf("    basic code      %5.1f%%  (%zu)\n", pct(all.basic, all.lines), all.basic);
	printf("    enhanced code   %5.1f%%  (%zu)\n", pct(all.enhanced, all.lines), all.enhanced);
	printf("    stage           %5.1f%%  (%zu)\n\n", pct(all.stage, all.lines), all.stage);
	printf("  %-22s %6s %7s %9s\n", "category (labelled)", "lines", "agrees", "decided");
	for (size_t k = 0; k < nc; k++) {
		printf("  %-22s %6zu %6.1f%% %9zu\n", kb->categories[k].name, cat[k].lines,
			pct(cat[k].agreed, cat[k].lines), cat[k].decided_as);
	}
	printf("\n  %-22s %6s %7s\n", "decided by", "lines", "agrees");
	for (int k = MR_CONFIDENCE_RULE; k >= MR_CONFIDENCE_NONE; k--) {
		printf("  %-22s %6zu %6.1f%%\n", mr_confidence_name((enum mr_confidence)k),
			by_confidence[k].lines,
			pct(by_confidence[k].agreed, by_confidence[k].lines));
	}
	printf("\n  %-30s %6s %7s %7s\n", "file", "lines", "agrees", "unknown");
	for (size_t k = 0; k < c->n_files; k++) {
		printf("  %-30s %6zu %6.1f%% %6.1f%%\n", c->files[k].name, files[k].lines,
			pct(files[k].agreed, files[k].lines),
			pct(files[k].unknown, files[k].lines));
	}
	struct confusion *list = mr_xcalloc(nc * nc, sizeof(*list));
	size_t n = 0;
	for (size_t a = 0; a < nc; a++) {
		for (size_t b = 0; b < nc; b++) {
			if (confused[a * nc + b]) {
				list[n++] =
					(struct confusion){ (int)a, (int)b, confused[a * nc + b] };
			}
		}
	}
	qsort(list, n, sizeof(*list), by_count);
	printf("\n  most frequent confusions (label -> decoded)\n");
	for (size_t k = 0; k < n && k < 15; k++) {
		printf("  %4zu  %s -> %s\n", list[k].n, kb->categories[list[k].label].name,
			kb->categories[list[k].got].name);
	}
	free(list);
	free(files);
	free(confused);
	free(cat);
}

int main(int argc, char **argv) {
	bool misses = argc > 1 && strcmp(argv[1], "--misses") == 0;
	if (argc < 2 + misses) {
		fprintf(stderr, "usage: decode-report [--misses] DIR...\n");
		return 2;
	}
	const struct mr_kb *kb = mr_kb_default();
	for (int i = 1 + misses; i < argc; i++) {
		struct corpus c;
		char *cause = NULL;
		if (!corpus_load(&c, argv[i], &cause)) {
			fprintf(stderr, "decode-report: %s\n", cause);
			return 1;
		}
		report(kb, &c, argv[i], misses);
		corpus_finish(&c);
	}
	return 0;
}
