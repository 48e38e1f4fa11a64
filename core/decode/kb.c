#include "kb.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blob.h"
#include "matcher.h"
#include "phrases.h"
#include "thread.h"
#include "wordmodel.h"
#include "xalloc.h"

const char *const mr_kb_files[MR_KB_FILES] = {
	"decode/categories.tsv",
	"decode/basic-codes.tsv",
	"decode/enhanced-codes.tsv",
	"decode/replies.tsv",
	"decode/providers.tsv",
	"decode/rules.tsv",
	"decode/words.tsv",
	"decode/model.tsv",
};

enum { CATEGORIES, BASIC, ENHANCED, REPLIES, PROVIDERS, RULES, WORDS, MODEL };

static const char *const columns[MR_KB_FILES][9] = {
	[CATEGORIES] = { "name", "sisimai", "badge", "waits", "title", "meaning", "advice", NULL },
	[BASIC] = { "code", "meaning", "reference", NULL },
	[ENHANCED] = { "code", "title", "meaning", "category", "reference", NULL },
	[REPLIES] = { "code", "stage", "category", "note", NULL },
	[PROVIDERS] = { "provider", "pattern", "code", "category", "meaning", "advice", "source",
		NULL },
	[RULES] = { "pattern", "code", "category", "meaning", "advice", "note", NULL },
	[WORDS] = { "word", "code", "category", "note", NULL },
	[MODEL] = { "word", "category", "lines", NULL },
};

static const char *const waits_names[] = {
	[MR_WAITS_NO] = "no",
	[MR_WAITS_YES] = "yes",
	[MR_WAITS_SOMETIMES] = "sometimes",
};

const char *mr_waits_name(enum mr_waits waits) {
	return waits_names[waits];
}

/* "-" marks an empty field in share/'s files. */
static const char *optional(const char *field) {
	return field == NULL || strcmp(field, "-") == 0 ? NULL : field;
}

static bool row_fail(const struct mr_tsv *tsv, const struct mr_tsv_row *row, char **cause,
	const char *what, const char *value) {
	return mr_fail(cause, "%s:%zu: %s \"%s\"", tsv->name, row->line, what, value);
}

/* Whether name is one of the space-separated words of list. */
static bool in_words(const char *list, const char *name) {
	size_t len = strlen(name);
	for (const char *p = list; *p != '\0';) {
		size_t n = strcspn(p, " ");
		if (n == len && memcmp(p, name, len) == 0) {
			return true;
		}
		p += n + (p[n] == ' ');
	}
	return false;
}

int mr_kb_category_by_sisimai(const struct mr_kb *kb, const char *name) {
	int found = -1;
	for (size_t i = 0; i < kb->n_categories; i++) {
		const struct mr_category *c = &kb->categories[i];
		if (strcmp(c->sisimai, name) == 0 || in_words(c->sisimai_also, name)) {
			if (found >= 0) {
				return -2;
			}
			found = (int)i;
		}
	}
	return found;
}

int mr_kb_category_find(const struct mr_kb *kb, const char *name) {
	for (size_t i = 0; i < kb->n_categories; i++) {
		if (strcmp(kb->categories[i].name, name) == 0) {
			return (int)i;
		}
	}
	return -1;
}

static bool load_categories(struct mr_kb *kb, char **cause) {
	const struct mr_tsv *tsv = &kb->files[CATEGORIES];
	kb->categories = mr_xcalloc(tsv->n_rows ? tsv->n_rows : 1, sizeof(*kb->categories));
	for (size_t i = 0; i < tsv->n_rows; i++) {
		char **f = tsv->rows[i].fields;
		if (mr_kb_category_find(kb, f[0]) >= 0) {
			return row_fail(tsv, &tsv->rows[i], cause, "category listed twice:", f[0]);
		}
		if (strlen(f[2]) > 10) {
			return row_fail(tsv, &tsv->rows[i], cause, "badge longer than 10:", f[2]);
		}
		int waits = -1;
		for (int w = 0; w < (int)(sizeof(waits_names) / sizeof(*waits_names)); w++) {
			waits = strcmp(f[3], waits_names[w]) == 0 ? w : waits;
		}
		if (waits < 0) {
			return row_fail(tsv, &tsv->rows[i], cause,
				"waits is not yes, no or sometimes:", f[3]);
		}
		/* "ratelimited speeding": the name, then older names. */
		char *also = strchr(f[1], ' ');
		if (also != NULL) {
			*also++ = '\0';
		}
		kb->categories[kb->n_categories++] = (struct mr_category){
			.name = f[0],
			.sisimai = f[1],
			.sisimai_also = also != NULL ? also : "",
			.badge = f[2],
			.waits = (enum mr_waits)waits,
			.title = f[4],
			.meaning = f[5],
			.advice = f[6],
		};
	}
	kb->unknown = mr_kb_category_find(kb, "unknown");
	kb->unknown_user = mr_kb_category_find(kb, "unknown-user");
	kb->sender_rejected = mr_kb_category_find(kb, "sender-rejected");
	if (kb->unknown < 0) {
		return mr_fail(cause, "%s: has no \"unknown\" category", tsv->name);
	}
	return true;
}

static bool category_field(const struct mr_kb *kb, const struct mr_tsv *tsv,
	const struct mr_tsv_row *row, const char *field, bool may_be_empty, int *out,
	char **cause) {
	if (may_be_empty && strcmp(field, "-") == 0) {
		*out = -1;
		return true;
	}
	*out = mr_kb_category_find(kb, field);
	return *out >= 0 || row_fail(tsv, row, cause, "unknown category", field);
}

static bool load_basic(struct mr_kb *kb, char **cause) {
	const struct mr_tsv *tsv = &kb->files[BASIC];
	kb->basic = mr_xcalloc(tsv->n_rows ? tsv->n_rows : 1, sizeof(*kb->basic));
	for (size_t i = 0; i < tsv->n_rows; i++) {
		char **f = tsv->rows[i].fields;
		bool digits = strlen(f[0]) == 3 && f[0][0] >= '2' && f[0][0] <= '5' &&
			      f[0][1] >= '0' && f[0][1] <= '9' && f[0][2] >= '0' && f[0][2] <= '9';
		if (!digits) {
			return row_fail(tsv, &tsv->rows[i], cause, "not a reply code:", f[0]);
		}
		unsigned code = (unsigned)atoi(f[0]);
		if (mr_kb_basic(kb, code) != NULL) {
			return row_fail(tsv, &tsv->rows[i], cause, "code listed twice:", f[0]);
		}
		kb->basic[kb->n_basic++] = (struct mr_basic_code){ code, f[1], f[2] };
	}
	return true;
}

/* "X.1.1" or "4.7.0": the class may be X (any). */
static bool enhanced_entry_valid(const char *code) {
	char buf[MR_ENHANCED_MAX];
	size_t len = strlen(code);
	if (len < 5 || len >= MR_ENHANCED_MAX) {
		return false;
	}
	memcpy(buf, code, len + 1);
	if (buf[0] == 'X') {
		buf[0] = '5';
	}
	return mr_enhanced_parse(buf, len, buf) == len;
}

static bool load_enhanced(struct mr_kb *kb, char **cause) {
	const struct mr_tsv *tsv = &kb->files[ENHANCED];
	kb->enhanced = mr_xcalloc(tsv->n_rows ? tsv->n_rows : 1, sizeof(*kb->enhanced));
	for (size_t i = 0; i < tsv->n_rows; i++) {
		const struct mr_tsv_row *row = &tsv->rows[i];
		char **f = row->fields;
		if (!enhanced_entry_valid(f[0])) {
			return row_fail(tsv, row, cause, "not an enhanced status code:", f[0]);
		}
		for (size_t j = 0; j < kb->n_enhanced; j++) {
			if (strcmp(kb->enhanced[j].code, f[0]) == 0) {
				return row_fail(tsv, row, cause, "code listed twice:", f[0]);
			}
		}
		int category;
		if (!category_field(kb, tsv, row, f[3], true, &category, cause)) {
			return false;
		}
		kb->enhanced[kb->n_enhanced++] = (struct mr_enhanced_code){
			.code = f[0],
			.title = f[1],
			.meaning = f[2],
			.category = category,
			.reference = f[4],
		};
	}
	return true;
}

/* The class-specific entry when there is one, else the X.S.D entry: entry
 * by entry. */
static const struct mr_enhanced_code *enhanced_search(const struct mr_kb *kb, const char *code) {
	const struct mr_enhanced_code *any_class = NULL;
	for (size_t i = 0; i < kb->n_enhanced; i++) {
		const char *entry = kb->enhanced[i].code;
		if (strcmp(entry + 1, code + 1) != 0) {
			continue;
		}
		if (entry[0] == code[0]) {
			return &kb->enhanced[i];
		}
		if (entry[0] == 'X') {
			any_class = &kb->enhanced[i];
		}
	}
	return any_class;
}

/*
 * The common codes, "C.S.D" of class 2, 4 or 5 with a subject of one digit
 * and a detail under 100 written without a leading zero, each have a
 * place in enhanced_common: its index there, or -1 for another code.
 */
enum { COMMON_CLASSES = 3, COMMON_SUBJECTS = 10, COMMON_DETAILS = 100 };

static int common_index(const char *code) {
	int cls = code[0] == '2' ? 0 : code[0] == '4' ? 1 : code[0] == '5' ? 2 : -1;
	if (cls < 0 || code[1] != '.' || code[2] < '0' || code[2] > '9' || code[3] != '.' ||
		code[4] < '0' || code[4] > '9') {
		return -1;
	}
	int detail = code[4] - '0';
	if (code[5] != '\0') {
		if (code[4] == '0' || code[5] < '0' || code[5] > '9' || code[6] != '\0') {
			return -1;
		}
		detail = detail * 10 + (code[5] - '0');
	}
	return (cls * COMMON_SUBJECTS + (code[2] - '0')) * COMMON_DETAILS + detail;
}

/*
 * Every common code's answer, as enhanced_search() gives it: 1 + the
 * entry's index, or 0 for none. A class's own entry comes before the X
 * entry, the first before a later one; an X entry answers for every class
 * that has none, the last one of them (codes are listed once, so there is
 * at most one of each). Entries written otherwise ("X.1.100") match no
 * common code.
 */
static void index_enhanced(struct mr_kb *kb) {
	if (kb->n_enhanced >= UINT16_MAX) {
		return; /* every code is searched for */
	}
	enum { PER_CLASS = COMMON_SUBJECTS * COMMON_DETAILS };
	kb->enhanced_common = mr_xcalloc(COMMON_CLASSES * PER_CLASS, sizeof(*kb->enhanced_common));
	for (size_t i = 0; i < kb->n_enhanced; i++) {
		char code[MR_ENHANCED_MAX];
		snprintf(code, sizeof(code), "2%s", kb->enhanced[i].code + 1);
		int k = kb->enhanced[i].code[0] == 'X' ? common_index(code) : -1;
		for (int c = 0; k >= 0 && c < COMMON_CLASSES; c++) {
			kb->enhanced_common[c * PER_CLASS + k] = (uint16_t)(i + 1);
		}
	}
	for (size_t i = kb->n_enhanced; i > 0; i--) {
		int k = kb->enhanced[i - 1].code[0] != 'X' ? common_index(kb->enhanced[i - 1].code)
							   : -1;
		if (k >= 0) {
			kb->enhanced_common[k] = (uint16_t)i;
		}
	}
}

static bool load_replies(struct mr_kb *kb, char **cause) {
	const struct mr_tsv *tsv = &kb->files[REPLIES];
	kb->replies = mr_xcalloc(tsv->n_rows ? tsv->n_rows : 1, sizeof(*kb->replies));
	for (size_t i = 0; i < tsv->n_rows; i++) {
		const struct mr_tsv_row *row = &tsv->rows[i];
		char **f = row->fields;
		/* Only basic codes: an enhanced code has decided before this. */
		if (!mr_code_pattern_valid(f[0]) || strchr(f[0], '.') != NULL) {
			return row_fail(tsv, row, cause, "not a reply code pattern:", f[0]);
		}
		enum mr_stage stage = mr_stage_parse(f[1]);
		if (stage == MR_STAGE_NONE && strcmp(f[1], "-") != 0) {
			return row_fail(tsv, row, cause, "not a stage:", f[1]);
		}
		struct mr_reply_rule r = { .code = f[0], .stage = (uint8_t)stage, .note = f[3] };
		if (!category_field(kb, tsv, row, f[2], false, &r.category, cause)) {
			return false;
		}
		kb->replies[kb->n_replies++] = r;
	}
	return true;
}

/* A phrase the matcher looks for: long enough not to fire inside unrelated
 * words, addresses and names, and in lower case as the text is compared. */
static bool pattern_valid(const struct mr_tsv *tsv, const struct mr_tsv_row *row,
	const char *pattern, size_t min, char **cause) {
	if (strlen(pattern) < min) {
		return row_fail(tsv, row, cause,
			min == 4 ? "pattern shorter than 4 characters:"
				 : "word shorter than 3 characters:",
			pattern);
	}
	for (const char *p = pattern; *p; p++) {
		if (*p >= 'A' && *p <= 'Z') {
			return row_fail(tsv, row, cause, "pattern not in lower case:", pattern);
		}
	}
	return true;
}

static bool load_words(struct mr_kb *kb, char **cause) {
	const struct mr_tsv *tsv = &kb->files[WORDS];
	kb->words = mr_xcalloc(tsv->n_rows ? tsv->n_rows : 1, sizeof(*kb->words));
	for (size_t i = 0; i < tsv->n_rows; i++) {
		const struct mr_tsv_row *row = &tsv->rows[i];
		char **f = row->fields;
		if (!pattern_valid(tsv, row, f[0], 3, cause)) {
			return false;
		}
		if (strcmp(f[1], "-") != 0 && !mr_code_pattern_valid(f[1])) {
			return row_fail(tsv, row, cause, "not a code pattern:", f[1]);
		}
		struct mr_word w = { .word = f[0], .code = optional(f[1]) };
		if (!category_field(kb, tsv, row, f[2], false, &w.category, cause)) {
			return false;
		}
		kb->words[kb->n_words] = w;
		mr_matcher_add(
			kb->matcher, w.word, strlen(w.word), (uint32_t)(kb->n_parts + kb->n_words));
		kb->n_words++;
	}
	return true;
}

/* Splits the pattern at " * " into parts the matcher looks for. */
static bool add_parts(struct mr_kb *kb, const struct mr_tsv *tsv, const struct mr_tsv_row *row,
	struct mr_rule *rule, char **cause) {
	const char *p = rule->pattern;
	size_t first = kb->n_parts;
	for (;;) {
		const char *gap = strstr(p, " * ");
		size_t len = gap ? (size_t)(gap - p) : strlen(p);
		if (len < 4 || memchr(p, '*', len) != NULL) {
			return row_fail(tsv, row, cause,
				"pattern part shorter than 4 characters or with a stray '*':",
				rule->pattern);
		}
		if (kb->n_parts - first == MR_RULE_PARTS_MAX) {
			return row_fail(
				tsv, row, cause, "pattern of more than 4 parts:", rule->pattern);
		}
		kb->parts[kb->n_parts] = (struct mr_rule_part){
			.rule = (uint32_t)kb->n_rules,
			.len = (uint16_t)len,
			.index = (uint8_t)(kb->n_parts - first),
			.last = gap == NULL,
		};
		mr_matcher_add(kb->matcher, p, len, (uint32_t)kb->n_parts);
		kb->n_parts++;
		if (gap == NULL) {
			break;
		}
		p = gap + 3;
	}
	rule->n_parts = (uint8_t)(kb->n_parts - first);
	if (rule->n_parts > 1) {
		if (kb->n_multi == MR_MULTI_RULES_MAX) {
			return row_fail(tsv, row, cause,
				"too many patterns of several parts:", rule->pattern);
		}
		rule->slot = (uint16_t)kb->n_multi++;
	}
	return true;
}

static bool add_rule(struct mr_kb *kb, const struct mr_tsv *tsv, const struct mr_tsv_row *row,
	const char *provider, const char *pattern, const char *code, const char *category,
	const char *meaning, const char *advice, const char *source, char **cause) {
	if (!pattern_valid(tsv, row, pattern, 4, cause)) {
		return false;
	}
	if (strcmp(code, "-") != 0 && !mr_code_pattern_valid(code)) {
		return row_fail(tsv, row, cause, "not a code pattern:", code);
	}
	struct mr_rule rule = {
		.provider = provider,
		.pattern = pattern,
		.code = optional(code),
		.meaning = optional(meaning),
		.advice = optional(advice),
		.source = optional(source),
	};
	if (!category_field(kb, tsv, row, category, false, &rule.category, cause) ||
		!add_parts(kb, tsv, row, &rule, cause)) {
		return false;
	}
	kb->rules[kb->n_rules++] = rule;
	return true;
}

static bool load_rules(struct mr_kb *kb, char **cause) {
	const struct mr_tsv *prov = &kb->files[PROVIDERS], *gen = &kb->files[RULES];
	size_t n = prov->n_rows + gen->n_rows + 1;
	kb->rules = mr_xcalloc(n, sizeof(*kb->rules));
	kb->parts = mr_xcalloc(n * MR_RULE_PARTS_MAX, sizeof(*kb->parts));
	kb->matcher = mr_matcher_create();
	for (size_t i = 0; i < prov->n_rows; i++) {
		char **f = prov->rows[i].fields;
		if (!add_rule(kb, prov, &prov->rows[i], f[0], f[1], f[2], f[3], f[4], f[5], f[6],
			    cause)) {
			return false;
		}
	}
	kb->n_provider_rules = kb->n_rules;
	for (size_t i = 0; i < gen->n_rows; i++) {
		char **f = gen->rows[i].fields;
		if (!add_rule(kb, gen, &gen->rows[i], NULL, f[0], f[1], f[2], f[3], f[4], NULL,
			    cause)) {
			return false;
		}
	}
	return true;
}

static bool load_model(struct mr_kb *kb, char **cause) {
	const char **names = mr_xcalloc(kb->n_categories, sizeof(*names));
	for (size_t i = 0; i < kb->n_categories; i++) {
		names[i] = kb->categories[i].name;
	}
	kb->model = mr_model_load(&kb->files[MODEL], names, kb->n_categories, cause);
	free(names);
	return kb->model != NULL;
}

struct mr_kb *mr_kb_load(
	const char *const data[MR_KB_FILES], const size_t lens[MR_KB_FILES], char **cause) {
	struct mr_kb *kb = mr_xcalloc(1, sizeof(*kb));
	bool ok = true;
	for (int i = 0; ok && i < MR_KB_FILES; i++) {
		ok = mr_tsv_parse(
			&kb->files[i], mr_kb_files[i], data[i], lens[i], columns[i], cause);
	}
	ok = ok && load_categories(kb, cause) && load_basic(kb, cause) &&
	     load_enhanced(kb, cause) && load_replies(kb, cause) && load_rules(kb, cause) &&
	     load_words(kb, cause) && load_model(kb, cause);
	if (!ok) {
		mr_kb_destroy(kb);
		return NULL;
	}
	index_enhanced(kb);
	mr_phrases_add(kb->matcher, (uint32_t)(kb->n_parts + kb->n_words));
	mr_matcher_build(kb->matcher);
	return kb;
}

void mr_kb_destroy(struct mr_kb *kb) {
	if (kb == NULL) {
		return;
	}
	mr_matcher_destroy(kb->matcher);
	free(kb->categories);
	free(kb->basic);
	free(kb->enhanced);
	free(kb->enhanced_common);
	free(kb->rules);
	free(kb->parts);
	free(kb->replies);
	free(kb->words);
	mr_model_destroy(kb->model);
	for (int i = 0; i < MR_KB_FILES; i++) {
		mr_tsv_finish(&kb->files[i]);
	}
	free(kb);
}

const struct mr_basic_code *mr_kb_basic(const struct mr_kb *kb, unsigned code) {
	for (size_t i = 0; i < kb->n_basic; i++) {
		if (kb->basic[i].code == code) {
			return &kb->basic[i];
		}
	}
	return NULL;
}

const struct mr_enhanced_code *mr_kb_enhanced(const struct mr_kb *kb, const char *code) {
	if (code == NULL || code[0] == '\0') {
		return NULL;
	}
	int k = kb->enhanced_common != NULL ? common_index(code) : -1;
	if (k >= 0) {
		uint16_t entry = kb->enhanced_common[k];
		return entry == 0 ? NULL : &kb->enhanced[entry - 1];
	}
	return enhanced_search(kb, code);
}

const struct mr_reply_rule *mr_kb_reply(const struct mr_kb *kb, unsigned basic, unsigned stage) {
	/* A pattern that starts with another class's digit cannot match a
	 * reply code: most rows are ruled out without parsing their pattern. */
	char cls = basic < 1000 ? (char)('0' + basic / 100) : '\0';
	for (size_t i = 0; basic != 0 && i < kb->n_replies; i++) {
		const struct mr_reply_rule *r = &kb->replies[i];
		char first = r->code[0];
		if ((r->stage == MR_STAGE_NONE || r->stage == stage) &&
			!(cls != '\0' && first >= '0' && first <= '9' && first != cls) &&
			mr_code_match(r->code, basic, "", -1)) {
			return r;
		}
	}
	return NULL;
}

static struct mr_kb *default_kb;

static void load_default(void) {
	const char *data[MR_KB_FILES];
	size_t lens[MR_KB_FILES];
	for (int i = 0; i < MR_KB_FILES; i++) {
		const struct mr_blob *blob = mr_blob_find(mr_kb_files[i]);
		if (blob == NULL) {
			mr_fatal("the knowledge base file %s is not built in", mr_kb_files[i]);
		}
		data[i] = (const char *)blob->data;
		lens[i] = blob->len;
	}
	char *cause = NULL;
	default_kb = mr_kb_load(data, lens, &cause);
	if (default_kb == NULL) {
		mr_fatal("built-in knowledge base: %s", cause);
	}
}

const struct mr_kb *mr_kb_default(void) {
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, load_default);
	return default_kb;
}

static void *warm(void *unused) {
	mr_kb_default();
	return NULL;
}

void mr_kb_default_warm(void) {
	pthread_t thread;
	if (mr_thread_start(&thread, warm, NULL) == 0) {
		pthread_detach(thread);
	}
}
