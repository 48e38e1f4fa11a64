/* mailroom codes: the knowledge base, listed and searched. */

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "code.h"
#include "kb.h"

static const char codes_usage[] = "usage: mailroom codes [QUERY]\n";

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

/* Whether a section was printed: the next one starts after a blank line. */
static bool printed_section;

static void heading(bool *shown, const char *title) {
	if (!*shown) {
		printf("%s%s\n", printed_section ? "\n" : "", title);
		*shown = true;
		printed_section = true;
	}
}

static size_t list_categories(const struct mr_kb *kb, const char *q) {
	size_t n = 0;
	bool shown = false;
	for (size_t i = 0; i < kb->n_categories; i++) {
		const struct mr_category *c = &kb->categories[i];
		if (!(text_matches(q, c->name) || text_matches(q, c->title) ||
			    text_matches(q, c->meaning) || text_matches(q, c->sisimai))) {
			continue;
		}
		heading(&shown, "Cause categories");
		printf("  %-19s %s (badge \"%s\", Sisimai: %s)\n  %-19s %s\n  %-19s Advice: %s\n",
			c->name, c->title, c->badge, c->sisimai, "", c->meaning, "", c->advice);
		n++;
	}
	return n;
}

static size_t list_basic(const struct mr_kb *kb, const char *q) {
	size_t n = 0;
	bool shown = false;
	for (size_t i = 0; i < kb->n_basic; i++) {
		const struct mr_basic_code *b = &kb->basic[i];
		if (!(basic_matches(q, b->code) || text_matches(q, b->meaning))) {
			continue;
		}
		heading(&shown, "Basic reply codes");
		printf("  %-9u %s (%s)\n", b->code, b->meaning, b->reference);
		n++;
	}
	return n;
}

static size_t list_enhanced(const struct mr_kb *kb, const char *q) {
	size_t n = 0;
	bool shown = false;
	for (size_t i = 0; i < kb->n_enhanced; i++) {
		const struct mr_enhanced_code *e = &kb->enhanced[i];
		if (!(code_matches(q, e->code) || text_matches(q, e->title) ||
			    text_matches(q, e->meaning))) {
			continue;
		}
		heading(&shown, "Enhanced status codes");
		printf("  %-9s %s: %s", e->code, e->title, e->meaning);
		if (e->category >= 0) {
			printf(" [%s]", kb->categories[e->category].name);
		}
		printf(" (%s)\n", e->reference);
		n++;
	}
	return n;
}

static size_t list_rules(const struct mr_kb *kb, const char *q, bool providers) {
	size_t n = 0;
	bool shown = false;
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
		heading(&shown, providers ? "Provider replies" : "Phrase rules (first match wins)");
		printf("  %s%s\"%s\"%s%s -> %s", r->provider ? r->provider : "",
			r->provider ? ": " : "", r->pattern, r->code ? " with " : "",
			r->code ? r->code : "", cat);
		if (r->meaning != NULL) {
			printf(": %s", r->meaning);
		}
		putchar('\n');
		n++;
	}
	return n;
}

int cli_codes(int argc, char **argv) {
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+h", options, NULL)) != -1) {
		if (opt == 'h') {
			fputs(codes_usage, stdout);
			return MR_EXIT_OK;
		}
		cli_unknown_option("codes", argv[optind - 1]);
		return MR_EXIT_USAGE;
	}
	if (argc - optind > 1) {
		cli_error("codes: one query at a time (quote a phrase: mailroom codes \"over "
			  "quota\")");
		return MR_EXIT_USAGE;
	}
	const char *q = optind < argc ? argv[optind] : NULL;
	const struct mr_kb *kb = mr_kb_default();
	size_t found = 0;
	found += list_categories(kb, q);
	found += list_basic(kb, q);
	found += list_enhanced(kb, q);
	found += list_rules(kb, q, true);
	found += list_rules(kb, q, false);
	if (found == 0) {
		cli_error("codes: nothing in the knowledge base matches \"%s\"", q);
		return MR_EXIT_FAILED;
	}
	return MR_EXIT_OK;
}
