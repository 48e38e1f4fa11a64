#include "kbsearch.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "code.h"
#include "stage.h"

const char *mr_kb_section_title(enum mr_kb_section section) {
	static const char *const titles[MR_KB_SECTIONS] = {
		[MR_KB_CATEGORIES] = "Cause categories",
		[MR_KB_BASIC] = "Basic reply codes",
		[MR_KB_ENHANCED] = "Enhanced status codes",
		[MR_KB_PROVIDERS] = "Provider replies",
		[MR_KB_RULES] = "Phrase rules (first match wins)",
		[MR_KB_REPLIES] = "Reply codes at a stage (when neither words nor status code say)",
		[MR_KB_WORDS] = "Single words (the last resort: a guess)",
	};
	return (unsigned)section < MR_KB_SECTIONS ? titles[section] : "";
}

int mr_kb_section_key_width(enum mr_kb_section section) {
	return section == MR_KB_CATEGORIES                           ? 19
	       : section == MR_KB_BASIC || section == MR_KB_ENHANCED ? 9
								     : 0;
}

/* Case-insensitive substring; an absent query matches everything. */
static bool text_matches(const char *query, const char *s) {
	if (query == NULL) {
		return true;
	}
	if (s == NULL) {
		return false;
	}
	size_t n = strlen(query);
	for (; *s; s++) {
		if (strncasecmp(s, query, n) == 0) {
			return true;
		}
	}
	return n == 0;
}

/* "5.7.1" finds the registry's "X.7.1"; "55x" finds 550 to 559. */
static bool code_matches(const char *query, const char *code) {
	if (query == NULL) {
		return true;
	}
	if (strcasecmp(query, code) == 0) {
		return true;
	}
	return code[0] == 'X' && strlen(query) > 1 && strchr("245xX*", query[0]) &&
	       strcmp(code + 1, query + 1) == 0;
}

/* A reply pattern ("552", "55x", "5") that a basic code query falls in. */
static bool basic_pattern_matches(const char *query, const char *pattern) {
	if (query == NULL || strlen(query) != 3) {
		return false;
	}
	unsigned code = (unsigned)atoi(query);
	return code >= 200 && code <= 599 && strspn(query, "0123456789") == 3 &&
	       mr_code_match(pattern, code, "", -1);
}

static bool basic_matches(const char *query, unsigned code) {
	if (query == NULL) {
		return true;
	}
	return strlen(query) == 3 && mr_code_pattern_valid(query) &&
	       mr_code_match(query, code, "", -1);
}

struct search {
	void (*emit)(void *ctx, const struct mr_kb_entry *entry);
	void *ctx;
	size_t found;
	struct mr_buf line[3];
};

/* Emits an entry whose lines are the search's buffers, n of them. */
static void emit(struct search *s, enum mr_kb_section section, const char *key, size_t n) {
	struct mr_kb_entry e = { .section = section, .key = key };
	for (size_t i = 0; i < n; i++) {
		e.lines[i] = s->line[i].data;
	}
	s->emit(s->ctx, &e);
	s->found++;
	for (size_t i = 0; i < 3; i++) {
		mr_buf_clear(&s->line[i]);
	}
}

static void search_categories(struct search *s, const struct mr_kb *kb, const char *q) {
	for (size_t i = 0; i < kb->n_categories; i++) {
		const struct mr_category *c = &kb->categories[i];
		if (!(text_matches(q, c->name) || text_matches(q, c->title) ||
			    text_matches(q, c->meaning) || text_matches(q, c->sisimai) ||
			    (c->sisimai_also[0] != '\0' && text_matches(q, c->sisimai_also)))) {
			continue;
		}
		mr_buf_printf(&s->line[0], "%s (badge \"%s\", Sisimai: %s%s%s; waiting helps: %s)",
			c->title, c->badge, c->sisimai, c->sisimai_also[0] ? ", earlier " : "",
			c->sisimai_also, mr_waits_name(c->waits));
		mr_buf_add_str(&s->line[1], c->meaning);
		mr_buf_printf(&s->line[2], "Advice: %s", c->advice);
		emit(s, MR_KB_CATEGORIES, c->name, 3);
	}
}

static void search_basic(struct search *s, const struct mr_kb *kb, const char *q) {
	for (size_t i = 0; i < kb->n_basic; i++) {
		const struct mr_basic_code *b = &kb->basic[i];
		if (!(basic_matches(q, b->code) || text_matches(q, b->meaning))) {
			continue;
		}
		char key[16];
		snprintf(key, sizeof(key), "%u", b->code);
		mr_buf_printf(&s->line[0], "%s (%s)", b->meaning, b->reference);
		emit(s, MR_KB_BASIC, key, 1);
	}
}

static void search_enhanced(struct search *s, const struct mr_kb *kb, const char *q) {
	for (size_t i = 0; i < kb->n_enhanced; i++) {
		const struct mr_enhanced_code *e = &kb->enhanced[i];
		if (!(code_matches(q, e->code) || text_matches(q, e->title) ||
			    text_matches(q, e->meaning))) {
			continue;
		}
		mr_buf_printf(&s->line[0], "%s: %s", e->title, e->meaning);
		if (e->category >= 0) {
			mr_buf_printf(&s->line[0], " [%s]", kb->categories[e->category].name);
		}
		mr_buf_printf(&s->line[0], " (%s)", e->reference);
		emit(s, MR_KB_ENHANCED, e->code, 1);
	}
}

static void search_rules(struct search *s, const struct mr_kb *kb, const char *q, bool providers) {
	size_t from = providers ? 0 : kb->n_provider_rules;
	size_t to = providers ? kb->n_provider_rules : kb->n_rules;
	for (size_t i = from; i < to; i++) {
		const struct mr_rule *r = &kb->rules[i];
		const char *cat = kb->categories[r->category].name;
		if (!(text_matches(q, r->provider) || text_matches(q, r->pattern) ||
			    text_matches(q, cat) || text_matches(q, r->meaning) ||
			    (r->code != NULL && code_matches(q, r->code)))) {
			continue;
		}
		mr_buf_printf(&s->line[0], "%s%s\"%s\"%s%s -> %s", r->provider ? r->provider : "",
			r->provider ? ": " : "", r->pattern, r->code ? " with " : "",
			r->code ? r->code : "", cat);
		if (r->meaning != NULL) {
			mr_buf_printf(&s->line[0], ": %s", r->meaning);
		}
		emit(s, providers ? MR_KB_PROVIDERS : MR_KB_RULES, NULL, 1);
	}
}

static void search_replies(struct search *s, const struct mr_kb *kb, const char *q) {
	for (size_t i = 0; i < kb->n_replies; i++) {
		const struct mr_reply_rule *r = &kb->replies[i];
		const char *cat = kb->categories[r->category].name;
		const char *stage = mr_stage_label(r->stage);
		if (!(code_matches(q, r->code) || basic_pattern_matches(q, r->code) ||
			    text_matches(q, cat) || text_matches(q, r->note))) {
			continue;
		}
		mr_buf_printf(&s->line[0], "%s%s%s -> %s: %s", r->code, stage ? " at " : "",
			stage ? stage : "", cat, r->note);
		emit(s, MR_KB_REPLIES, NULL, 1);
	}
}

static void search_words(struct search *s, const struct mr_kb *kb, const char *q) {
	for (size_t i = 0; i < kb->n_words; i++) {
		const struct mr_word *w = &kb->words[i];
		const char *cat = kb->categories[w->category].name;
		if (!(text_matches(q, w->word) || text_matches(q, cat))) {
			continue;
		}
		mr_buf_printf(&s->line[0], "\"%s\"%s%s -> %s", w->word, w->code ? " with " : "",
			w->code ? w->code : "", cat);
		emit(s, MR_KB_WORDS, NULL, 1);
	}
}

size_t mr_kb_search(const struct mr_kb *kb, const char *query,
	void (*emit_fn)(void *ctx, const struct mr_kb_entry *entry), void *ctx) {
	struct search s = { .emit = emit_fn, .ctx = ctx };
	for (size_t i = 0; i < 3; i++) {
		mr_buf_init(&s.line[i]);
	}
	search_categories(&s, kb, query);
	search_basic(&s, kb, query);
	search_enhanced(&s, kb, query);
	search_rules(&s, kb, query, true);
	search_rules(&s, kb, query, false);
	search_replies(&s, kb, query);
	search_words(&s, kb, query);
	for (size_t i = 0; i < 3; i++) {
		mr_buf_finish(&s.line[i]);
	}
	return s.found;
}
