#include "kbsearch.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "code.h"

const char *mr_kb_section_title(enum mr_kb_section section) {
	static const char *const titles[MR_KB_SECTIONS] = {
		[MR_KB_CATEGORIES] = "Cause categories",
		[MR_KB_BASIC] = "Basic reply codes",
		[MR_KB_ENHANCED] = "Enhanced status codes",
		[MR_KB_PROVIDERS] = "Provider replies",
		[MR_KB_RULES] = "Phrase rules (first match wins)",
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
			    text_matches(q, c->meaning) || text_matches(q, c->sisimai))) {
			continue;
		}
		mr_buf_printf(&s->line[0], "%s (badge \"%s\", Sisimai: %s)", c->title, c->badge,
			c->sisimai);
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
	for (size_t i = 0; i < 3; i++) {
		mr_buf_finish(&s.line[i]);
	}
	return s.found;
}
