/* mailroom codes: the knowledge base, listed and searched. */

#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "kbsearch.h"

static const char codes_usage[] = "usage: mailroom codes [QUERY]\n";

/* Prints an entry, its section's title before the first of the section. */
static void print_entry(void *ctx, const struct mr_kb_entry *e) {
	int *section = ctx;
	if (*section != (int)e->section) {
		printf("%s%s\n", *section >= 0 ? "\n" : "", mr_kb_section_title(e->section));
		*section = (int)e->section;
	}
	int width = mr_kb_section_key_width(e->section);
	for (size_t i = 0; i < 3 && e->lines[i] != NULL; i++) {
		if (e->key == NULL) {
			printf("  %s\n", e->lines[i]);
		} else {
			printf("  %-*s %s\n", width, i == 0 ? e->key : "", e->lines[i]);
		}
	}
}

int cli_codes(int argc, char **argv) {
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char shorts[] = "+:h";
	int opt;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, shorts, options, NULL)) != -1) {
		if (opt == 'h') {
			fputs(codes_usage, stdout);
			return MR_EXIT_OK;
		}
		cli_option_error("codes", opt, argc, argv, shorts, options);
		return MR_EXIT_USAGE;
	}
	if (argc - optind > 1) {
		cli_error("codes: one query at a time (quote a phrase: mailroom codes \"over "
			  "quota\")");
		return MR_EXIT_USAGE;
	}
	const char *q = optind < argc ? argv[optind] : NULL;
	int section = -1;
	if (mr_kb_search(mr_kb_default(), q, print_entry, &section) == 0) {
		cli_error("codes: nothing in the knowledge base matches \"%s\"", q);
		return MR_EXIT_FAILED;
	}
	return MR_EXIT_OK;
}
