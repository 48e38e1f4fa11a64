/* Reading the decoder's tables of real reason lines, and judging a line. */

#include "corpus.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "kb.h"
#include "stage.h"
#include "wordmodel.h"
#include "xalloc.h"

static int by_name(const void *a, const void *b) {
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.tsv names in dir, sorted, NULL-terminated. */
static char **tsv_names(const char *dir, char **cause) {
	DIR *d = opendir(dir);
	if (d == NULL) {
		*cause = mr_xasprintf("%s: cannot open the directory", dir);
		return NULL;
	}
	char **names = NULL;
	size_t n = 0;
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		size_t len = strlen(e->d_name);
		if (len > 4 && strcmp(e->d_name + len - 4, ".tsv") == 0) {
			names = mr_xreallocarray(names, n + 2, sizeof(*names));
			names[n++] = mr_xstrdup(e->d_name);
		}
	}
	closedir(d);
	if (n == 0) {
		*cause = mr_xasprintf("%s: no .tsv file", dir);
		return NULL;
	}
	qsort(names, n, sizeof(*names), by_name);
	names[n] = NULL;
	return names;
}

bool corpus_load(struct corpus *c, const char *dir, char **cause) {
	static const char *const columns[] = { "reason", "basic", "enhanced", "stage", "category",
		"second", "source", "note", NULL };
	*c = (struct corpus){ 0 };
	char **names = tsv_names(dir, cause);
	if (names == NULL) {
		return false;
	}
	bool ok = true;
	for (size_t i = 0; ok && names[i] != NULL; i++) {
		char *path = mr_xasprintf("%s/%s", dir, names[i]);
		struct mr_buf data;
		mr_buf_init(&data);
		c->files = mr_xreallocarray(c->files, c->n_files + 1, sizeof(*c->files));
		ok = mr_buf_add_file(&data, path, cause) &&
		     mr_tsv_parse(
			     &c->files[c->n_files], names[i], data.data, data.len, columns, cause);
		mr_buf_finish(&data);
		free(path);
		if (!ok) {
			break;
		}
		const struct mr_tsv *tsv = &c->files[c->n_files++];
		c->lines =
			mr_xreallocarray(c->lines, c->n_lines + tsv->n_rows + 1, sizeof(*c->lines));
		for (size_t r = 0; r < tsv->n_rows; r++) {
			c->lines[c->n_lines++] =
				(struct corpus_line){ .fields = tsv->rows[r].fields,
					.file = tsv->name,
					.line = tsv->rows[r].line };
		}
	}
	for (size_t i = 0; names[i] != NULL; i++) {
		free(names[i]);
	}
	free(names);
	if (!ok) {
		corpus_finish(c);
	}
	return ok;
}

void corpus_finish(struct corpus *c) {
	for (size_t i = 0; i < c->n_files; i++) {
		mr_tsv_finish(&c->files[i]);
	}
	free(c->files);
	free(c->lines);
	*c = (struct corpus){ 0 };
}

void corpus_judge(
	const struct mr_kb *kb, const struct corpus_line *line, struct corpus_verdict *v) {
	char **f = line->fields;
	mr_decode(kb, f[CORPUS_REASON], strlen(f[CORPUS_REASON]), &v->d);
	snprintf(v->basic, sizeof(v->basic), "%u", v->d.basic);
	if (v->d.basic == 0) {
		strcpy(v->basic, "-");
	}
	v->enhanced = v->d.enhanced[0] ? v->d.enhanced : "-";
	v->stage = mr_stage_name(v->d.stage) ? mr_stage_name(v->d.stage) : "-";
	v->basic_right = strcmp(v->basic, f[CORPUS_BASIC]) == 0;
	v->enhanced_right = strcmp(v->enhanced, f[CORPUS_ENHANCED]) == 0;
	v->stage_right = strcmp(v->stage, f[CORPUS_STAGE]) == 0;
	v->codes_right = v->basic_right && v->enhanced_right && v->stage_right;
	v->category = kb->categories[v->d.category].name;
	v->category_right = strcmp(v->category, f[CORPUS_CATEGORY]) == 0 ||
			    strcmp(v->category, f[CORPUS_SECOND]) == 0;
	v->unknown = v->d.category == kb->unknown;
}

void corpus_train(const struct mr_kb *kb, const struct corpus *c, struct mr_buf *out) {
	struct mr_model_trainer *t = mr_model_trainer_create(kb->n_categories);
	const char **names = mr_xcalloc(kb->n_categories, sizeof(*names));
	for (size_t i = 0; i < kb->n_categories; i++) {
		names[i] = kb->categories[i].name;
	}
	for (size_t i = 0; i < c->n_lines; i++) {
		char **f = c->lines[i].fields;
		int category = mr_kb_category_find(kb, f[CORPUS_CATEGORY]);
		if (category >= 0 && category != kb->unknown) {
			mr_model_trainer_add(
				t, f[CORPUS_REASON], strlen(f[CORPUS_REASON]), category);
		}
	}
	mr_model_trainer_write(t, names, out);
	free(names);
	mr_model_trainer_destroy(t);
}
