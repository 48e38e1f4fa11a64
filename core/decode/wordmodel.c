#include "wordmodel.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/* Additive smoothing: small, so that a word never seen with a cause counts
 * strongly against it (chosen on held-out lines: larger values named the
 * cause less often). */
#define ALPHA 0.1

/* Words that every kind of reply uses, sorted for find_word. */
static const char *const stop_words[] = {
	"and",
	"are",
	"been",
	"com",
	"from",
	"has",
	"have",
	"html",
	"http",
	"https",
	"net",
	"not",
	"org",
	"our",
	"please",
	"see",
	"that",
	"the",
	"this",
	"was",
	"with",
	"www",
	"you",
	"your",
};

/* strcmp's order, inline: words are short and most differ in their first
 * byte, where a call costs more than the comparison. */
static int compare_words(const char *a, const char *b) {
	while (*a != '\0' && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

/*
 * The index of word among n sorted entries of size bytes from base, each
 * of which starts with its string (a char pointer), or n when it is not
 * there: bsearch's halving, step for step, with the comparison inline.
 */
static size_t find_word(const char *word, const void *base, size_t n, size_t size) {
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const char *entry =
			*(const char *const *)(const void *)((const char *)base + mid * size);
		int c = compare_words(word, entry);
		if (c < 0) {
			hi = mid;
		} else if (c > 0) {
			lo = mid + 1;
		} else {
			return mid;
		}
	}
	return n;
}

static bool is_stop_word(const char *word) {
	size_t n = sizeof(stop_words) / sizeof(*stop_words);
	return find_word(word, stop_words, n, sizeof(*stop_words)) < n;
}

static bool is_letter(char c) {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_space(char c) {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

size_t mr_model_words(const char *text, size_t len, size_t max,
	void (*fn)(const char *word, void *arg), void *arg) {
	enum { SEEN_MAX = 64 };
	char seen[SEEN_MAX][MR_MODEL_WORD_MAX];
	size_t seen_len[SEEN_MAX];
	size_t n = 0;
	size_t i = 0;
	while (i < len && n < max && n < SEEN_MAX) {
		while (i < len && is_space(text[i])) {
			i++;
		}
		size_t chunk = i;
		while (i < len && !is_space(text[i])) {
			i++;
		}
		if (memchr(text + chunk, '@', i - chunk) != NULL) {
			continue; /* a mail address names nobody's cause */
		}
		for (size_t j = chunk; j < i && n < max && n < SEEN_MAX;) {
			if (!is_letter(text[j])) {
				j++;
				continue;
			}
			char word[MR_MODEL_WORD_MAX];
			size_t w = 0;
			while (j < i) {
				if (is_letter(text[j])) {
					if (w + 1 < MR_MODEL_WORD_MAX) {
						char c = text[j];
						word[w++] = c >= 'A' && c <= 'Z'
								    ? (char)(c - 'A' + 'a')
								    : c;
					}
					j++;
				} else if ((text[j] == '\'' || text[j] == '-') && j + 1 < i &&
					   is_letter(text[j + 1]) && w + 1 < MR_MODEL_WORD_MAX) {
					word[w++] = text[j++];
				} else {
					break;
				}
			}
			word[w] = '\0';
			if (w < 3 || is_stop_word(word)) {
				continue;
			}
			/* The length and the first letter before the bytes: a
			 * long line has dozens of words to tell apart. */
			bool again = false;
			for (size_t k = 0; k < n && !again; k++) {
				again = seen_len[k] == w && seen[k][0] == word[0] &&
					memcmp(seen[k], word, w) == 0;
			}
			if (!again) {
				seen_len[n] = w;
				memcpy(seen[n++], word, w + 1);
				fn(word, arg);
			}
		}
	}
	return n;
}

/* A word of the vocabulary: the causes whose lines hold it, as a range of
 * entries. */
struct vocab {
	const char *word;
	uint32_t first, n; /* entries[first .. first + n) */
	uint32_t lines;    /* all causes' lines that hold it */
};

struct entry {
	uint16_t category;
	uint32_t lines;
	float weight; /* how much more the word says for the cause than a word never seen with it */
};

struct mr_model {
	size_t n_categories;
	uint32_t *lines; /* per cause */
	uint32_t total;  /* all lines */
	/* Per cause: log P(cause), and log P(word | cause) of a word never seen
	 * with it; computed once, so that a guess only adds. */
	double *prior, *unseen;
	struct vocab *vocab;
	size_t n_vocab;
	struct entry *entries;
	size_t n_entries;
};

static int find_name(const char *const *names, size_t n, const char *name) {
	for (size_t i = 0; i < n; i++) {
		if (strcmp(names[i], name) == 0) {
			return (int)i;
		}
	}
	return -1;
}

struct mr_model *mr_model_load(
	const struct mr_tsv *tsv, const char *const *names, size_t n, char **cause) {
	struct mr_model *m = mr_xcalloc(1, sizeof(*m));
	m->n_categories = n;
	m->lines = mr_xcalloc(n ? n : 1, sizeof(*m->lines));
	m->vocab = mr_xcalloc(tsv->n_rows ? tsv->n_rows : 1, sizeof(*m->vocab));
	m->entries = mr_xcalloc(tsv->n_rows ? tsv->n_rows : 1, sizeof(*m->entries));
	for (size_t r = 0; r < tsv->n_rows; r++) {
		const struct mr_tsv_row *row = &tsv->rows[r];
		int category = find_name(names, n, row->fields[1]);
		unsigned long lines;
		if (category < 0) {
			mr_fail(cause, "%s:%zu: unknown category \"%s\"", tsv->name, row->line,
				row->fields[1]);
			mr_model_destroy(m);
			return NULL;
		}
		if (!mr_tsv_positive(tsv, row, 2, &lines, cause)) {
			mr_model_destroy(m);
			return NULL;
		}
		const char *word = row->fields[0];
		if (strcmp(word, "*") == 0) {
			m->lines[category] = (uint32_t)lines;
			m->total += (uint32_t)lines;
			continue;
		}
		struct vocab *last = m->n_vocab ? &m->vocab[m->n_vocab - 1] : NULL;
		if (last == NULL || strcmp(last->word, word) != 0) {
			if (m->n_vocab + 1 >= MR_MODEL_NO_WORD) {
				mr_fail(cause, "%s:%zu: too many words", tsv->name, row->line);
				mr_model_destroy(m);
				return NULL;
			}
			if (last != NULL && strcmp(last->word, word) > 0) {
				mr_fail(cause, "%s:%zu: \"%s\" is out of order", tsv->name,
					row->line, word);
				mr_model_destroy(m);
				return NULL;
			}
			last = &m->vocab[m->n_vocab++];
			*last = (struct vocab){ .word = word, .first = (uint32_t)m->n_entries };
		}
		m->entries[m->n_entries++] =
			(struct entry){ .category = (uint16_t)category, .lines = (uint32_t)lines };
		last->n++;
		last->lines += (uint32_t)lines;
	}
	m->prior = mr_xcalloc(n ? n : 1, sizeof(*m->prior));
	m->unseen = mr_xcalloc(n ? n : 1, sizeof(*m->unseen));
	for (size_t c = 0; c < n; c++) {
		if (m->lines[c] > 0) {
			m->prior[c] = log((double)m->lines[c] / m->total);
			m->unseen[c] = log(ALPHA / (m->lines[c] + 2 * ALPHA));
		}
	}
	for (size_t e = 0; e < m->n_entries; e++) {
		struct entry *entry = &m->entries[e];
		entry->weight = (float)log((entry->lines + ALPHA) / ALPHA);
	}
	return m;
}

void mr_model_destroy(struct mr_model *m) {
	if (m == NULL) {
		return;
	}
	free(m->lines);
	free(m->prior);
	free(m->unseen);
	free(m->vocab);
	free(m->entries);
	free(m);
}

struct guess {
	const struct mr_model *m;
	uint16_t known[64];
	size_t n_known;
};

static void collect(const char *word, void *arg) {
	struct guess *g = arg;
	/* A vocabulary entry starts with its word. */
	size_t v = find_word(word, g->m->vocab, g->m->n_vocab, sizeof(*g->m->vocab));
	if (v < g->m->n_vocab && g->n_known < sizeof(g->known) / sizeof(*g->known)) {
		g->known[g->n_known++] = (uint16_t)v;
	}
}

static uint32_t lines_with(const struct mr_model *m, const struct vocab *v, size_t category) {
	for (uint32_t e = v->first; e < v->first + v->n; e++) {
		if (m->entries[e].category == category) {
			return m->entries[e].lines;
		}
	}
	return 0;
}

int mr_model_guess(const struct mr_model *m, const char *text, size_t len, uint16_t evidence[2]) {
	evidence[0] = evidence[1] = MR_MODEL_NO_WORD;
	struct guess g = { .m = m };
	mr_model_words(text, len, 64, collect, &g);
	if (g.n_known == 0 || m->total == 0) {
		return -1;
	}
	/* log P(cause) + the sum over known words of log P(word | cause): each
	 * word counts as unseen with every cause, then its own causes get back
	 * the difference. */
	enum { CATEGORIES_MAX = 256 };
	double score[CATEGORIES_MAX];
	size_t nc = m->n_categories < CATEGORIES_MAX ? m->n_categories : CATEGORIES_MAX;
	for (size_t c = 0; c < nc; c++) {
		score[c] = m->prior[c] + (double)g.n_known * m->unseen[c];
	}
	for (size_t k = 0; k < g.n_known; k++) {
		const struct vocab *v = &m->vocab[g.known[k]];
		for (uint32_t e = v->first; e < v->first + v->n; e++) {
			if (m->entries[e].category < nc) {
				score[m->entries[e].category] += m->entries[e].weight;
			}
		}
	}
	int best = -1;
	for (size_t c = 0; c < nc; c++) {
		if (m->lines[c] > 0 && (best < 0 || score[c] > score[best])) {
			best = (int)c;
		}
	}
	/* The evidence: the words most typical of this cause against the others. */
	double top[2] = { 0, 0 };
	for (size_t k = 0; k < g.n_known; k++) {
		const struct vocab *v = &m->vocab[g.known[k]];
		uint32_t with = lines_with(m, v, (size_t)best);
		double in = (with + ALPHA) / (m->lines[best] + 2 * ALPHA);
		double out = (v->lines - with + ALPHA) / (m->total - m->lines[best] + 2 * ALPHA);
		double ratio = log(in / out);
		if (with == 0 || ratio <= 0) {
			continue;
		}
		if (evidence[0] == MR_MODEL_NO_WORD || ratio > top[0]) {
			evidence[1] = evidence[0];
			top[1] = top[0];
			evidence[0] = g.known[k];
			top[0] = ratio;
		} else if (evidence[1] == MR_MODEL_NO_WORD || ratio > top[1]) {
			evidence[1] = g.known[k];
			top[1] = ratio;
		}
	}
	return best;
}

const char *mr_model_word(const struct mr_model *m, uint16_t id) {
	return id < m->n_vocab ? m->vocab[id].word : NULL;
}

/* Learning: words in a hash table, each with its lines per cause. */
struct learnt {
	char word[MR_MODEL_WORD_MAX];
	uint32_t *lines; /* per cause */
	uint32_t total;
};

struct mr_model_trainer {
	size_t n_categories;
	uint32_t *lines;
	struct learnt *slots;
	size_t n_slots, n_used;
	int adding; /* the category of the line being added */
};

struct mr_model_trainer *mr_model_trainer_create(size_t n_categories) {
	struct mr_model_trainer *t = mr_xcalloc(1, sizeof(*t));
	t->n_categories = n_categories;
	t->lines = mr_xcalloc(n_categories ? n_categories : 1, sizeof(*t->lines));
	t->n_slots = 1024;
	t->slots = mr_xcalloc(t->n_slots, sizeof(*t->slots));
	return t;
}

static uint64_t hash_word(const char *word) {
	uint64_t h = 1469598103934665603u; /* FNV-1a */
	for (const char *p = word; *p; p++) {
		h = (h ^ (unsigned char)*p) * 1099511628211u;
	}
	return h;
}

static struct learnt *slot_of(struct learnt *slots, size_t n_slots, const char *word) {
	size_t i = (size_t)(hash_word(word) & (n_slots - 1));
	while (slots[i].lines != NULL && strcmp(slots[i].word, word) != 0) {
		i = (i + 1) & (n_slots - 1);
	}
	return &slots[i];
}

static void grow(struct mr_model_trainer *t) {
	size_t n = t->n_slots * 2;
	struct learnt *slots = mr_xcalloc(n, sizeof(*slots));
	for (size_t i = 0; i < t->n_slots; i++) {
		if (t->slots[i].lines != NULL) {
			*slot_of(slots, n, t->slots[i].word) = t->slots[i];
		}
	}
	free(t->slots);
	t->slots = slots;
	t->n_slots = n;
}

static void learn(const char *word, void *arg) {
	struct mr_model_trainer *t = arg;
	if ((t->n_used + 1) * 2 > t->n_slots) {
		grow(t);
	}
	struct learnt *l = slot_of(t->slots, t->n_slots, word);
	if (l->lines == NULL) {
		strcpy(l->word, word);
		l->lines = mr_xcalloc(t->n_categories, sizeof(*l->lines));
		t->n_used++;
	}
	l->lines[t->adding]++;
	l->total++;
}

void mr_model_trainer_add(struct mr_model_trainer *t, const char *text, size_t len, int category) {
	if (category < 0 || (size_t)category >= t->n_categories) {
		return;
	}
	t->lines[category]++;
	t->adding = category;
	mr_model_words(text, len, 64, learn, t);
}

static int compare_learnt(const void *a, const void *b) {
	return strcmp(
		(*(const struct learnt *const *)a)->word, (*(const struct learnt *const *)b)->word);
}

void mr_model_trainer_write(
	const struct mr_model_trainer *t, const char *const *category_names, struct mr_buf *out) {
	mr_buf_add_str(out,
		"# How many lines of each cause hold each word, on the development table\n"
		"# of real reason lines: the decoder's last guess (core/decode/wordmodel.h).\n"
		"# Generated: build/tests/decode-train tests/decode/reasons "
		">share/decode/model.tsv\n"
		"# (the test `decode` fails when this file no longer matches the table).\n"
		"word\tcategory\tlines\n");
	for (size_t c = 0; c < t->n_categories; c++) {
		if (t->lines[c] > 0) {
			mr_buf_printf(out, "*\t%s\t%u\n", category_names[c], t->lines[c]);
		}
	}
	/* A word of one line is that line's, not its cause's: it is left out. */
	const struct learnt **words = mr_xcalloc(t->n_used ? t->n_used : 1, sizeof(*words));
	size_t n = 0;
	for (size_t i = 0; i < t->n_slots; i++) {
		if (t->slots[i].lines != NULL && t->slots[i].total >= 2) {
			words[n++] = &t->slots[i];
		}
	}
	qsort(words, n, sizeof(*words), compare_learnt);
	for (size_t i = 0; i < n; i++) {
		for (size_t c = 0; c < t->n_categories; c++) {
			if (words[i]->lines[c] > 0) {
				mr_buf_printf(out, "%s\t%s\t%u\n", words[i]->word,
					category_names[c], words[i]->lines[c]);
			}
		}
	}
	free(words);
}

void mr_model_trainer_destroy(struct mr_model_trainer *t) {
	if (t == NULL) {
		return;
	}
	for (size_t i = 0; i < t->n_slots; i++) {
		free(t->slots[i].lines);
	}
	free(t->slots);
	free(t->lines);
	free(t);
}
