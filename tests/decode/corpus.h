#ifndef MR_TEST_CORPUS_H
#define MR_TEST_CORPUS_H

/*
 * The decoder's tables of real reason lines (tests/decode/reasons/ for
 * development, tests/decode/shadow/ held out): every *.tsv file of a
 * directory, in name order, with the columns
 *
 *   reason basic enhanced stage category second source note
 *
 * (the header comment of each file says what they mean). The test, the
 * report and the bench read them through this.
 */

#include <stdbool.h>
#include <stddef.h>

#include "decode.h"
#include "tsv.h"

enum corpus_column {
	CORPUS_REASON,
	CORPUS_BASIC,
	CORPUS_ENHANCED,
	CORPUS_STAGE,
	CORPUS_CATEGORY,
	CORPUS_SECOND,
	CORPUS_SOURCE,
	CORPUS_NOTE,
};

struct corpus_line {
	char **fields;    /* enum corpus_column */
	const char *file; /* "mta-postfix.tsv" */
	size_t line;
};

struct corpus {
	struct mr_tsv *files;
	size_t n_files;
	struct corpus_line *lines;
	size_t n_lines;
};

/* Reads every *.tsv file of dir; false with *cause naming file and line. */
bool corpus_load(struct corpus *c, const char *dir, char **cause);
void corpus_finish(struct corpus *c);

/* What the decoder says of a line, in the columns' terms. */
struct corpus_verdict {
	struct mr_diagnosis d;
	bool codes_right; /* basic, enhanced and stage as labelled */
	bool basic_right, enhanced_right, stage_right;
	bool category_right; /* the category, or the documented second reading */
	bool unknown;
	/* The decoder's answer in the table's terms ("-" where it has none). */
	char basic[8];
	const char *enhanced, *stage, *category;
};

void corpus_judge(const struct mr_kb *kb, const struct corpus_line *line, struct corpus_verdict *v);

/* The decoder's word model (wordmodel.h) learnt from the table's lines and their
 * labelled causes, as share/decode/model.tsv holds it. */
void corpus_train(const struct mr_kb *kb, const struct corpus *c, struct mr_buf *out);

#endif
