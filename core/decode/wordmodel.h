#ifndef MR_WORDMODEL_H
#define MR_WORDMODEL_H

/*
 * The decoder's last resort: which cause the plain words of a reason point
 * to, learnt from the development table of real reason lines
 * (tests/decode/reasons/). A naive Bayes model over the words a line holds:
 * for each cause, how many of its lines hold each word. It speaks only when
 * no wording rule, status code, reply code or hint word does, and what it
 * says is a guess: on lines the rules had never seen it named the labelled
 * cause about two times in five.
 *
 * share/decode/model.tsv holds the counts:
 *
 *   word      a lower-case word, or "*" for the number of lines of a cause
 *   category  a name from categories.tsv
 *   lines     how many of that cause's lines hold the word (or, for "*",
 *             how many lines it has)
 *
 * It is generated from the table (build/tests/decode-train), and the test
 * `decode` fails when it no longer matches the table.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "tsv.h"

enum { MR_MODEL_WORD_MAX = 24, MR_MODEL_NO_WORD = 0xffff };

/*
 * The words of a text as the model sees them, each once, in text order: runs
 * of ASCII letters (an inner ' or - joins two runs), in lower case, of at
 * least 3 letters, and not a stop word; a word longer than
 * MR_MODEL_WORD_MAX - 1 letters is cut there. Chunks between spaces that
 * hold '@' (mail addresses) give none. Calls fn for each and returns how
 * many there were, at most max.
 */
size_t mr_model_words(const char *text, size_t len, size_t max,
	void (*fn)(const char *word, void *arg), void *arg);

struct mr_model;

/* From model.tsv's rows; a row's category is looked up in names[0..n). */
struct mr_model *mr_model_load(
	const struct mr_tsv *tsv, const char *const *names, size_t n, char **cause);
void mr_model_destroy(struct mr_model *m);

/*
 * The most likely cause of text, or -1 when none of its words is known. The
 * two words that speak most for it go to evidence (MR_MODEL_NO_WORD where
 * there is no second); mr_model_word names them.
 */
int mr_model_guess(const struct mr_model *m, const char *text, size_t len, uint16_t evidence[2]);
const char *mr_model_word(const struct mr_model *m, uint16_t id);

/* Learning: lines are added with their labelled cause (not "unknown"), then
 * written out as model.tsv, with the categories' names in their order. */
struct mr_model_trainer;
struct mr_model_trainer *mr_model_trainer_create(size_t n_categories);
void mr_model_trainer_add(struct mr_model_trainer *t, const char *text, size_t len, int category);
void mr_model_trainer_write(
	const struct mr_model_trainer *t, const char *const *category_names, struct mr_buf *out);
void mr_model_trainer_destroy(struct mr_model_trainer *t);

#endif
