#ifndef MR_TSV_H
#define MR_TSV_H

/*
 * The tab-separated files in share/: '#' starts a comment line, blank lines
 * are skipped, the first other line names the columns, and every row has
 * exactly that many fields. In a field, \\ \t \n and \xNN stand for a
 * backslash, tab, newline and any byte. Data errors name file and line.
 */

#include <stdbool.h>
#include <stddef.h>

struct mr_tsv_row {
	char **fields;
	size_t line;
};

struct mr_tsv {
	char *name;
	size_t n_columns;
	struct mr_tsv_row *rows;
	size_t n_rows;
};

/* Parses data; the header must be exactly the given columns (NULL-terminated). */
bool mr_tsv_parse(struct mr_tsv *tsv, const char *name, const char *data, size_t len,
	const char *const *columns, char **cause);
/* Parses an embedded share/ file by name. */
bool mr_tsv_load_blob(
	struct mr_tsv *tsv, const char *name, const char *const *columns, char **cause);
void mr_tsv_finish(struct mr_tsv *tsv);

/* A field as a positive integer (weights); false with *cause naming the row. */
bool mr_tsv_positive(const struct mr_tsv *tsv, const struct mr_tsv_row *row, size_t column,
	unsigned long *value, char **cause);

#endif
