/* mailroom explain: what a failure reason means, for people or as JSON. */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "decode.h"
#include "explain.h"
#include "export.h"
#include "json.h"
#include "kb.h"
#include "text.h"
#include "xalloc.h"

static const char explain_usage[] = "usage: mailroom explain [--json] (TEXT... | -)\n";

/* One labelled line; the value is made visible (it may quote the reason). */
static void field(struct mr_buf *scratch, const char *label, const char *value, size_t len) {
	mr_buf_clear(scratch);
	mr_text_visible(scratch, value, len);
	printf("  %-10s %s\n", label, scratch->data);
}

static void field_str(struct mr_buf *scratch, const char *label, const char *value) {
	field(scratch, label, value, strlen(value));
}

static void explain_human(const struct mr_kb *kb, const char *text, size_t len) {
	struct mr_diagnosis d;
	mr_decode(kb, text, len, &d);
	const struct mr_category *cat = mr_diagnosis_category(kb, &d);
	struct mr_buf scratch, facts;
	mr_buf_init(&scratch);
	mr_buf_init(&facts);
	field(&scratch, "Reason", text, len);
	mr_explain_facts(&facts, text, &d, ", ");
	if (facts.len > 0) {
		field(&scratch, "Facts", facts.data, facts.len);
	}
	char *cause = mr_xasprintf("%s (%s; Sisimai: %s)", cat->title, cat->name, cat->sisimai);
	field_str(&scratch, "Cause", cause);
	free(cause);
	const char *provider = mr_diagnosis_provider(kb, &d);
	if (provider != NULL) {
		field_str(&scratch, "Provider", provider);
	}
	field_str(&scratch, "Meaning", mr_diagnosis_meaning(kb, &d));
	field_str(&scratch, "Advice", mr_diagnosis_advice(kb, &d));
	field_str(&scratch, "Retry", mr_explain_retry(&d));
	mr_explain_decided(&facts, kb, &d);
	field_str(&scratch, "Decided", facts.data);
	field_str(&scratch, "Waiting", mr_explain_waits(kb, &d));
	const struct mr_basic_code *basic = d.basic ? mr_kb_basic(kb, d.basic) : NULL;
	if (basic != NULL) {
		char *line = mr_xasprintf("%u: %s", basic->code, basic->meaning);
		field_str(&scratch, "Code", line);
		free(line);
	}
	const struct mr_enhanced_code *enh = mr_kb_enhanced(kb, d.enhanced);
	if (enh != NULL) {
		char *line = mr_xasprintf("%s: %s. %s", d.enhanced, enh->title, enh->meaning);
		field_str(&scratch, "Status", line);
		free(line);
	}
	mr_buf_finish(&facts);
	mr_buf_finish(&scratch);
}

static void explain_json(const struct mr_kb *kb, const char *text, size_t len) {
	struct mr_diagnosis d;
	mr_decode(kb, text, len, &d);
	struct mr_buf line;
	mr_buf_init(&line);
	mr_buf_add_str(&line, "{\"reason\":");
	mr_json_string_len(&line, text, len);
	mr_buf_add_str(&line, ",\"diagnosis\":");
	mr_explain_json(&line, kb, text, &d);
	mr_buf_add_str(&line, "}\n");
	fwrite(line.data, 1, line.len, stdout);
	mr_buf_finish(&line);
}

static void explain_one(
	const struct mr_kb *kb, bool json, const char *text, size_t len, bool first) {
	if (json) {
		explain_json(kb, text, len);
		return;
	}
	if (!first) {
		putchar('\n');
	}
	explain_human(kb, text, len);
}

/* A reason line longer than this is refused, as a listing's is: memory
 * stays bounded whatever is piped in. */
enum { EXPLAIN_LINE_MAX = 64 << 20 };

/* The next line of in into line (without its end); false at the end.
 * *too_long when it passed max (what was read of it is then dropped). A NUL
 * is kept as C0 80, which the glyph iterator shows as ^@, so it hides
 * nothing after it. */
static bool next_line(FILE *in, struct mr_buf *line, size_t max, bool *too_long) {
	mr_buf_clear(line);
	*too_long = false;
	bool any = false;
	int c;
	while ((c = getc(in)) != EOF) {
		any = true;
		if (c == '\n') {
			return true;
		}
		if (*too_long) {
			continue;
		}
		if (c == '\0') {
			mr_buf_add(line, "\xC0\x80", 2);
		} else {
			mr_buf_add_char(line, (char)c);
		}
		if (line->len > max) {
			*too_long = true;
			mr_buf_clear(line);
		}
	}
	return any;
}

/* One reason per line; blank lines are skipped. */
static int explain_stdin(const struct mr_kb *kb, bool json) {
	struct mr_buf line;
	mr_buf_init(&line);
	bool first = true, too_long = false;
	size_t number = 0;
	while (next_line(stdin, &line, EXPLAIN_LINE_MAX, &too_long)) {
		number++;
		if (too_long) {
			cli_error("explain: standard input: line %zu: longer than %d MiB", number,
				EXPLAIN_LINE_MAX >> 20);
			mr_buf_finish(&line);
			return MR_EXIT_FAILED;
		}
		size_t len = line.len;
		while (len > 0 && (line.data[len - 1] == '\n' || line.data[len - 1] == '\r')) {
			len--;
		}
		if (len == 0) {
			continue;
		}
		explain_one(kb, json, line.data, len, first);
		first = false;
	}
	int err = ferror(stdin) ? errno : 0;
	mr_buf_finish(&line);
	if (err != 0) {
		cli_error("explain: reading standard input: %s", strerror(err));
		return MR_EXIT_FAILED;
	}
	return MR_EXIT_OK;
}

int cli_explain(int argc, char **argv) {
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false;
	static const char shorts[] = "+:h";
	int opt;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, shorts, options, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'h':
			fputs(explain_usage, stdout);
			return MR_EXIT_OK;
		default:
			cli_option_error("explain", opt, argc, argv, shorts, options);
			return MR_EXIT_USAGE;
		}
	}
	if (optind == argc) {
		cli_error("explain: no reason given (a text, or - to read one per line)");
		return MR_EXIT_USAGE;
	}
	const struct mr_kb *kb = mr_kb_default();
	if (argc - optind == 1 && strcmp(argv[optind], "-") == 0) {
		return explain_stdin(kb, json);
	}
	/* Several words are one reason, as a shell splits an unquoted text. */
	struct mr_buf text;
	mr_buf_init(&text);
	for (int i = optind; i < argc; i++) {
		mr_buf_add_str(&text, i > optind ? " " : "");
		mr_buf_add_str(&text, argv[i]);
	}
	explain_one(kb, json, text.data, text.len, true);
	mr_buf_finish(&text);
	return fflush(stdout) == 0 ? MR_EXIT_OK : MR_EXIT_FAILED;
}
