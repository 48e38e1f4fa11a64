#define _GNU_SOURCE /* memrchr */
#include "filter.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "code.h"
#include "parallel.h"
#include "regexp.h"
#include "xalloc.h"

/*
 * A recursive-descent parser over a small tokenizer, giving a tree of
 * and/or/not nodes over terms. Running a filter first decides each term
 * about reasons once per distinct reason (a big queue has millions of
 * recipients and far fewer distinct reasons), then walks the tree once per
 * message.
 */

enum key {
	KEY_ANY, /* a word without a key */
	KEY_ID,
	KEY_FROM,
	KEY_TO,
	KEY_DOMAIN,
	KEY_SENDER_DOMAIN,
	KEY_QUEUE,
	KEY_STATE,
	KEY_SOURCE,
	KEY_CODE,
	KEY_CAT,
	KEY_HOST,
	KEY_AGE,
	KEY_SIZE,
	KEY_PRIO,
	KEY_REASON,
	KEY_COUNT
};

static const char *const key_names[KEY_COUNT] = { "", "id", "from", "to", "domain", "sender-domain",
	"queue", "state", "source", "code", "cat", "host", "age", "size", "prio", "reason" };

/* Other spellings of a key: priority: is prio: (the word the JSON uses). */
static const struct {
	const char *name;
	enum key key;
} key_aliases[] = { { "priority", KEY_PRIO } };

const char *const mr_filter_keys[] = { "from:", "to:", "domain:", "sender-domain:", "queue:",
	"state:", "source:", "code:", "cat:", "host:", "age:", "size:", "prio:", "reason:", "id:",
	NULL };

enum how { HOW_SUBSTRING, HOW_GLOB, HOW_REGEX };

enum node_kind { NODE_AND, NODE_OR, NODE_NOT, NODE_TERM };

struct node {
	enum node_kind kind;
	struct node *left, *right; /* right: and/or only */
	/* A term: */
	enum key key;
	const char *name; /* the key as written, for errors: prio or priority */
	enum how how;
	char *value; /* lower case, for text terms and code patterns */
	size_t value_len;
	struct mr_regexp *regex; /* HOW_REGEX */
	char *written;           /* HOW_REGEX: the term as written, for errors */
	size_t pos;              /* of the value in the expression, for errors */
	int number;              /* queue or category */
	char op;                 /* age, size, prio: '<', '>', '=', 'l' (<=), 'g' (>=) */
	int64_t amount;
	/* Per run: whether each distinct reason matches (reason terms), or
	 * each distinct value of the column (domain:, from:, sender-domain:),
	 * or each origin's label (source:, n_per_value of them). */
	uint8_t *per_reason;
	uint8_t *per_value;
	size_t n_per_value;
};

struct mr_filter {
	struct node *root; /* NULL: matches everything */
	const struct mr_kb *kb;
	/* How the last run ended, and why when it failed. */
	enum mr_filter_status status;
	struct mr_filter_error error;
};

/* --- errors ----------------------------------------------------------------- */

struct parser {
	const char *expr, *p;
	const struct mr_kb *kb;
	struct mr_filter_error *err;
	bool failed;
	int depth;
};

__attribute__((format(printf, 3, 4))) static void fail_at(
	struct parser *ps, const char *at, const char *fmt, ...) {
	if (ps->failed) {
		return;
	}
	ps->failed = true;
	ps->err->pos = (size_t)(at - ps->expr);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ps->err->message, sizeof(ps->err->message), fmt, ap);
	va_end(ap);
}

/* --- text matching ---------------------------------------------------------- */

static bool ci_equal(const char *a, const char *b, size_t n) {
	for (size_t i = 0; i < n; i++) {
		if (tolower((unsigned char)a[i]) != (unsigned char)b[i]) {
			return false;
		}
	}
	return true;
}

/* Where needle (lower case) first is in hay, ignoring case; NULL when it is
 * not. Reasons are long and a filter reads every distinct one: the first
 * byte is looked for with memchr, in both cases when it is a letter, before
 * anything is compared. */
static const char *ci_find(const char *hay, size_t hay_len, const char *needle, size_t len) {
	if (len == 0) {
		return hay;
	}
	if (len > hay_len) {
		return NULL;
	}
	unsigned char lo = (unsigned char)needle[0], up = (unsigned char)toupper(lo);
	const char *end = hay + hay_len - len + 1; /* where a match can start */
	const char *next_lo = memchr(hay, lo, (size_t)(end - hay));
	const char *next_up = up != lo ? memchr(hay, up, (size_t)(end - hay)) : NULL;
	while (next_lo != NULL || next_up != NULL) {
		bool take_lo = next_up == NULL || (next_lo != NULL && next_lo < next_up);
		const char *at = take_lo ? next_lo : next_up;
		if (ci_equal(at + 1, needle + 1, len - 1)) {
			return at;
		}
		const char *from = at + 1;
		if (take_lo) {
			next_lo = from < end ? memchr(from, lo, (size_t)(end - from)) : NULL;
		} else {
			next_up = from < end ? memchr(from, up, (size_t)(end - from)) : NULL;
		}
	}
	return NULL;
}

static bool ci_contains(const char *hay, size_t hay_len, const char *needle, size_t len) {
	return ci_find(hay, hay_len, needle, len) != NULL;
}

/* A glob (lower case; * any run, ? one byte) over all of s, ignoring case. */
static bool ci_glob(const char *glob, const char *s, size_t len) {
	const char *star = NULL;
	size_t i = 0, star_i = 0;
	while (i < len) {
		if (*glob == '*') {
			star = glob++;
			star_i = i;
		} else if (*glob != '\0' &&
			   (*glob == '?' || (unsigned char)*glob == tolower((unsigned char)s[i]))) {
			glob++;
			i++;
		} else if (star != NULL) {
			glob = star + 1;
			i = ++star_i;
		} else {
			return false;
		}
	}
	while (*glob == '*') {
		glob++;
	}
	return *glob == '\0';
}

static bool text_matches(const struct node *t, const char *s, size_t len) {
	switch (t->how) {
	case HOW_GLOB:
		return ci_glob(t->value, s, len);
	case HOW_REGEX: /* only reason: takes one, matched in decide_range() */
		return false;
	case HOW_SUBSTRING:
		break;
	}
	return ci_contains(s, len, t->value, t->value_len);
}

/* domain: the domain itself or one below it (gmail.com, mx.gmail.com). */
static bool domain_matches(const struct node *t, const char *domain, size_t len) {
	if (t->how == HOW_GLOB) {
		return ci_glob(t->value, domain, len);
	}
	if (len < t->value_len || !ci_equal(domain + len - t->value_len, t->value, t->value_len)) {
		return false;
	}
	return len == t->value_len || domain[len - t->value_len - 1] == '.';
}

static bool compare(char op, int64_t have, int64_t want) {
	switch (op) {
	case '<':
		return have < want;
	case '>':
		return have > want;
	case 'l':
		return have <= want;
	case 'g':
		return have >= want;
	default:
		return have == want;
	}
}

/* --- the tokenizer ------------------------------------------------------------ */

static void skip_space(struct parser *ps) {
	while (*ps->p == ' ' || *ps->p == '\t') {
		ps->p++;
	}
}

static bool ends_word(char c) {
	return c == '\0' || c == ' ' || c == '\t' || c == '(' || c == ')';
}

/* The operator word at p ("and", "or", "not"), standing alone. */
static bool is_word(const char *p, const char *word) {
	size_t n = strlen(word);
	return strncasecmp(p, word, n) == 0 && ends_word(p[n]);
}

/* A value: "quoted" (with \" and \\), /regex/ (when allowed), or a bare
 * run up to a space or parenthesis. Returns a new string, lower-cased
 * unless raw; *regex tells whether it was /.../. */
static char *read_value(struct parser *ps, bool allow_regex, bool *regex) {
	const char *start = ps->p;
	*regex = false;
	struct mr_buf out;
	mr_buf_init(&out);
	if (*ps->p == '"' || (allow_regex && *ps->p == '/')) {
		char close = *ps->p++;
		*regex = close == '/';
		while (*ps->p != '\0' && *ps->p != close) {
			if (*ps->p == '\\' &&
				(ps->p[1] == close || (close == '"' && ps->p[1] == '\\'))) {
				ps->p++;
			}
			mr_buf_add_char(&out, *ps->p++);
		}
		if (*ps->p != close) {
			fail_at(ps, start, "no closing %c", close);
			mr_buf_finish(&out);
			return NULL;
		}
		ps->p++;
	} else {
		while (!ends_word(*ps->p)) {
			mr_buf_add_char(&out, *ps->p++);
		}
	}
	return mr_buf_steal(&out);
}

static void lower(char *s) {
	for (; *s; s++) {
		*s = (char)tolower((unsigned char)*s);
	}
}

/* --- terms ---------------------------------------------------------------------- */

static struct node *new_node(enum node_kind kind, struct node *left, struct node *right) {
	struct node *n = mr_xcalloc(1, sizeof(*n));
	n->kind = kind;
	n->left = left;
	n->right = right;
	return n;
}

static void free_node(struct node *n) {
	if (n == NULL) {
		return;
	}
	free_node(n->left);
	free_node(n->right);
	mr_regexp_free(n->regex);
	free(n->written);
	free(n->value);
	free(n->per_reason);
	free(n->per_value);
	free(n);
}

/* The comparison at the start of s (>, >=, <, <=, =), or op_default;
 * returns what follows it. */
static const char *read_op(const char *s, char op_default, char *op) {
	*op = op_default;
	if (s[0] == '<' || s[0] == '>') {
		*op = s[1] == '=' ? (s[0] == '<' ? 'l' : 'g') : s[0];
		return s + (s[1] == '=' ? 2 : 1);
	}
	if (s[0] == '=') {
		*op = '=';
		return s + 1;
	}
	return s;
}

/* "[op]NUMBER[unit]" for age: and size:; units multiply. */
static bool read_amount(struct parser *ps, struct node *t, const char *at, const char *text) {
	/* age:2h means at least two hours old */
	const char *s = read_op(text, 'g', &t->op);
	char *end;
	double n = strtod(s, &end);
	if (end == s || n < 0 || !(s[0] >= '0' && s[0] <= '9')) {
		fail_at(ps, at, "%s: expected a number, as in %s", key_names[t->key],
			t->key == KEY_AGE ? "age:>2h" : "size:>1M");
		return false;
	}
	double unit = 1;
	if (t->key == KEY_AGE) {
		switch (*end) {
		case 's':
			unit = 1;
			break;
		case 'm':
			unit = 60;
			break;
		case 'h':
			unit = 3600;
			break;
		case 'd':
			unit = 86400;
			break;
		case 'w':
			unit = 7 * 86400;
			break;
		default:
			fail_at(ps, at, "age: give a unit, s, m, h, d or w (age:>2h)");
			return false;
		}
		end++;
	} else if (*end != '\0') {
		const char *units = "kmgt";
		const char *u = strchr(units, tolower((unsigned char)*end));
		if (u == NULL) {
			fail_at(ps, at,
				"size: the unit is K, M, G or T (1024 based), as in size:>1M");
			return false;
		}
		for (const char *k = units; k <= u; k++) {
			unit *= 1024;
		}
		end++;
		if (*end == 'b' || *end == 'B') {
			end++;
		}
	}
	if (*end != '\0' || n * unit > 9e18) {
		fail_at(ps, at, "%s: \"%s\" is not an amount", key_names[t->key], text);
		return false;
	}
	t->amount = (int64_t)(n * unit);
	return true;
}

/*
 * "[op]INTEGER" for prio:, the integer signed (SQLite priorities are signed
 * 32-bit, higher first). Without an operator it is equality: prio:5 asks
 * for priority 5, not "at least 5" as age:2h does, since a priority is a
 * level, not an amount.
 */
static bool read_priority(struct parser *ps, struct node *t, const char *at, const char *text) {
	const char *s = read_op(text, '=', &t->op);
	const char *digits = s[0] == '-' ? s + 1 : s;
	/* Digits only: strtoll would also take " 5" and "+5" and stop quietly at "5x". */
	if (*digits == '\0' || digits[strspn(digits, "0123456789")] != '\0') {
		fail_at(ps, at, "%s: give a number, as in %s:>0", t->name, t->name);
		return false;
	}
	errno = 0;
	long long n = strtoll(s, NULL, 10);
	if (errno == ERANGE || n < INT32_MIN || n > INT32_MAX) {
		fail_at(ps, at, "%s: %s is out of range (%" PRId32 " to %" PRId32 ")", t->name, s,
			INT32_MIN, INT32_MAX);
		return false;
	}
	t->amount = n;
	return true;
}

/* The category named, or named so by Sisimai (cat:userunknown), or the
 * only one that starts so (cat:grey). */
static int find_category(const struct mr_kb *kb, const char *name) {
	int found = mr_kb_category_find(kb, name);
	if (found >= 0) {
		return found;
	}
	found = mr_kb_category_by_sisimai(kb, name);
	if (found != -1) {
		return found;
	}
	size_t len = strlen(name);
	for (size_t i = 0; i < kb->n_categories; i++) {
		if (strncmp(kb->categories[i].name, name, len) == 0) {
			if (found >= 0) {
				return -2; /* more than one */
			}
			found = (int)i;
		}
	}
	return found;
}

static void category_error(struct parser *ps, const char *at, const char *name, int found) {
	struct mr_buf names;
	mr_buf_init(&names);
	for (size_t i = 0; i < ps->kb->n_categories; i++) {
		mr_buf_printf(&names, "%s%s", i ? ", " : "", ps->kb->categories[i].name);
	}
	fail_at(ps, at, "cat: %s \"%s\" (%s)",
		found == -2 ? "more than one category matches" : "no category", name, names.data);
	mr_buf_finish(&names);
}

/* The term as errors name it: reason:/.../ as written, its end cut off
 * (at a character's start) when it is long. */
enum { SHOWN_MAX = 60 };

static const char *shown(const struct node *t, char *buf, size_t size) {
	size_t len = strlen(t->written);
	if (len <= SHOWN_MAX) {
		return t->written;
	}
	len = SHOWN_MAX;
	while (len > 0 && ((unsigned char)t->written[len] & 0xc0) == 0x80) {
		len--;
	}
	snprintf(buf, size, "%.*s...", (int)len, t->written);
	return buf;
}

/* reason:/.../, compiled under the limits of core/filter/regexp.h. */
static bool finish_regex(struct parser *ps, struct node *t, const char *at) {
	if (t->key != KEY_REASON) {
		fail_at(ps, at, "only reason: takes a /regular expression/");
		return false;
	}
	char why[160], buf[SHOWN_MAX + 4];
	t->regex = mr_regexp_compile(t->value, why, sizeof(why));
	if (t->regex == NULL) {
		fail_at(ps, at, "%s: %s", shown(t, buf, sizeof(buf)), why);
		return false;
	}
	t->how = HOW_REGEX;
	return true;
}

static bool finish_term(struct parser *ps, struct node *t, const char *at, bool regex) {
	if (regex) {
		return finish_regex(ps, t, at);
	}
	lower(t->value);
	t->value_len = strlen(t->value);
	t->how = strpbrk(t->value, "*?") ? HOW_GLOB : HOW_SUBSTRING;
	switch (t->key) {
	case KEY_QUEUE: {
		enum mr_queue q;
		if (!mr_queue_parse(t->value, &q)) {
			fail_at(ps, at,
				"queue: no queue \"%s\" (incoming, active, deferred, hold, "
				"maildrop, corrupt, bounced)",
				t->value);
			return false;
		}
		t->number = (int)q;
		return true;
	}
	case KEY_STATE:
		if (!mr_state_parse(t->value, &t->number)) {
			fail_at(ps, at,
				"state: no state \"%s\" (expiring, or a queue: incoming, active, "
				"deferred, hold, maildrop, corrupt, bounced)",
				t->value);
			return false;
		}
		return true;
	case KEY_CODE:
		if (!mr_code_pattern_valid(t->value)) {
			fail_at(ps, at,
				"code: \"%s\" is not a reply code pattern (550, 45x, 5.7.1, "
				"4.7.*)",
				t->value);
			return false;
		}
		return true;
	case KEY_CAT:
		t->number = find_category(ps->kb, t->value);
		if (t->number < 0) {
			category_error(ps, at, t->value, t->number);
			return false;
		}
		return true;
	case KEY_AGE:
	case KEY_SIZE:
		return read_amount(ps, t, at, t->value);
	case KEY_PRIO:
		return read_priority(ps, t, at, t->value);
	default:
		return true;
	}
}

/* The key spelled word (len bytes, any case), -1 when there is none; *name
 * the key as the user's errors should call it (priority: stays priority:). */
static int find_key(const char *word, size_t len, const char **name) {
	for (int i = 1; i < KEY_COUNT; i++) {
		if (strlen(key_names[i]) == len && strncasecmp(word, key_names[i], len) == 0) {
			*name = key_names[i];
			return i;
		}
	}
	for (size_t i = 0; i < sizeof(key_aliases) / sizeof(*key_aliases); i++) {
		const char *alias = key_aliases[i].name;
		if (strlen(alias) == len && strncasecmp(word, alias, len) == 0) {
			*name = alias;
			return (int)key_aliases[i].key;
		}
	}
	return -1;
}

static struct node *parse_term(struct parser *ps) {
	const char *at = ps->p;
	struct node *t = new_node(NODE_TERM, NULL, NULL);
	t->key = KEY_ANY;
	/* key: a run of letters and '-' followed by ':' */
	const char *k = ps->p;
	while ((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') || *k == '-') {
		k++;
	}
	if (*k == ':' && k > ps->p) {
		size_t len = (size_t)(k - ps->p);
		int found = find_key(ps->p, len, &t->name);
		if (found < 0) {
			fail_at(ps, at, "no key \"%.*s:\" (keys: %s)", (int)len, ps->p,
				"from to domain sender-domain queue state source code cat host age "
				"size "
				"prio reason id");
			free_node(t);
			return NULL;
		}
		t->key = (enum key)found;
		ps->p = k + 1;
		if (ends_word(*ps->p)) {
			fail_at(ps, ps->p, "%s: expected a value", t->name);
			free_node(t);
			return NULL;
		}
	}
	const char *value_at = ps->p;
	bool regex;
	t->value = read_value(ps, true, &regex);
	t->pos = (size_t)(value_at - ps->expr);
	if (regex) {
		t->written = mr_xstrndup(at, (size_t)(ps->p - at));
	}
	if (t->value != NULL && t->value[0] == '\0' && t->key != KEY_AGE && t->key != KEY_SIZE &&
		t->key != KEY_PRIO) {
		/* "" would be found everywhere, and a search for nothing never
		 * moves on: it is said, not run. (A number's key says it wants
		 * a number.) */
		fail_at(ps, value_at,
			"%s%sempty: give a text to look for (as in reason:\"try again\")",
			t->key == KEY_ANY ? "" : t->name, t->key == KEY_ANY ? "" : ": ");
		free_node(t);
		return NULL;
	}
	if (t->value == NULL || !finish_term(ps, t, value_at, regex)) {
		free_node(t);
		return NULL;
	}
	return t;
}

/* --- the grammar ---------------------------------------------------------------- */
/*
 *   or    := and ("or" and)*
 *   and   := unary (["and"] unary)*
 *   unary := ("not" | "-") unary | "(" or ")" | term
 */

enum { MAX_DEPTH = 64 };

static struct node *parse_or(struct parser *ps);

static struct node *parse_unary(struct parser *ps) {
	skip_space(ps);
	const char *at = ps->p;
	if (*ps->p == '\0') {
		fail_at(ps, at, "expected a term");
		return NULL;
	}
	if (++ps->depth > MAX_DEPTH) {
		fail_at(ps, at, "nested too deep");
		return NULL;
	}
	struct node *n = NULL;
	if (is_word(ps->p, "not") || (*ps->p == '-' && ps->p[1] != '\0' && ps->p[1] != ' ' &&
					     ps->p[1] != '\t' && ps->p[1] != ')')) {
		ps->p += *ps->p == '-' ? 1 : 3;
		struct node *inner = parse_unary(ps);
		n = inner ? new_node(NODE_NOT, inner, NULL) : NULL;
	} else if (*ps->p == '(') {
		ps->p++;
		n = parse_or(ps);
		skip_space(ps);
		if (n != NULL && *ps->p != ')') {
			fail_at(ps, at, "this ( has no )");
			free_node(n);
			n = NULL;
		} else if (n != NULL) {
			ps->p++;
		}
	} else if (*ps->p == ')') {
		fail_at(ps, at, "a ) without its (");
	} else if (is_word(ps->p, "and") || is_word(ps->p, "or")) {
		fail_at(ps, at, "expected a term before \"%.*s\"", is_word(ps->p, "or") ? 2 : 3,
			ps->p);
	} else {
		n = parse_term(ps);
	}
	ps->depth--;
	return n;
}

/*
 * A chain of terms joined by "and" (or by "or") becomes a balanced tree of
 * them: "a and b and c and d" is (a and b) and (c and d). The tree is as
 * deep as the logarithm of the chain's length, never as the chain is long,
 * so the walks over it (matching, freeing) cannot run out of stack however
 * many terms a filter has; and and or do not care how their terms group.
 */
struct chain {
	struct node **items;
	size_t n, cap;
};

static void chain_add(struct chain *c, struct node *n) {
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 8;
		c->items = mr_xreallocarray(c->items, c->cap, sizeof(*c->items));
	}
	c->items[c->n++] = n;
}

static struct node *balanced(enum node_kind kind, struct node **items, size_t n) {
	if (n == 1) {
		return items[0];
	}
	size_t half = n / 2;
	return new_node(kind, balanced(kind, items, half), balanced(kind, items + half, n - half));
}

/* The chain as one node, or NULL (and every node freed) when a part failed. */
static struct node *chain_end(struct chain *c, enum node_kind kind, bool failed) {
	struct node *n = NULL;
	if (failed) {
		for (size_t i = 0; i < c->n; i++) {
			free_node(c->items[i]);
		}
	} else if (c->n > 0) {
		n = balanced(kind, c->items, c->n);
	}
	free(c->items);
	return n;
}

static struct node *parse_and(struct parser *ps) {
	struct chain c = { 0 };
	struct node *n = parse_unary(ps);
	while (n != NULL) {
		chain_add(&c, n);
		skip_space(ps);
		if (*ps->p == '\0' || *ps->p == ')' || is_word(ps->p, "or")) {
			break;
		}
		if (is_word(ps->p, "and")) {
			ps->p += 3;
		}
		n = parse_unary(ps);
	}
	return chain_end(&c, NODE_AND, n == NULL);
}

static struct node *parse_or(struct parser *ps) {
	struct chain c = { 0 };
	struct node *n = parse_and(ps);
	while (n != NULL) {
		chain_add(&c, n);
		skip_space(ps);
		if (!is_word(ps->p, "or")) {
			break;
		}
		ps->p += 2;
		n = parse_and(ps);
	}
	return chain_end(&c, NODE_OR, n == NULL);
}

struct mr_filter *mr_filter_parse(
	const char *expr, const struct mr_kb *kb, struct mr_filter_error *err) {
	struct parser ps = { .expr = expr, .p = expr, .kb = kb, .err = err };
	*err = (struct mr_filter_error){ 0 };
	struct node *root = NULL;
	skip_space(&ps);
	if (*ps.p != '\0') {
		root = parse_or(&ps);
		skip_space(&ps);
		if (root != NULL && *ps.p != '\0') {
			fail_at(&ps, ps.p, "a ) without its (");
			free_node(root);
			root = NULL;
		}
		if (root == NULL) {
			return NULL;
		}
	}
	struct mr_filter *f = mr_xcalloc(1, sizeof(*f));
	f->root = root;
	f->kb = kb;
	return f;
}

void mr_filter_free(struct mr_filter *filter) {
	if (filter != NULL) {
		free_node(filter->root);
		free(filter);
	}
}

bool mr_filter_is_empty(const struct mr_filter *filter) {
	return filter == NULL || filter->root == NULL;
}

/* --- running ----------------------------------------------------------------------- */

static bool about_reasons(enum key key) {
	return key == KEY_CODE || key == KEY_CAT || key == KEY_HOST || key == KEY_REASON ||
	       key == KEY_ANY;
}

/* A term about one reason text and its diagnosis. */
static bool reason_matches(const struct mr_filter *f, const struct node *t, const char *text,
	size_t len, const struct mr_diagnosis *d) {
	switch (t->key) {
	case KEY_CODE:
		return mr_code_match(t->value, d->basic, d->enhanced, d->temporary);
	case KEY_CAT:
		return mr_diagnosis_category(f->kb, d) == &f->kb->categories[t->number];
	case KEY_HOST:
		if (d->host.len == 0) {
			return false;
		}
		if (t->how == HOW_GLOB) {
			return ci_glob(t->value, text + d->host.off, d->host.len);
		}
		return ci_contains(text + d->host.off, d->host.len, t->value, t->value_len);
	default: /* reason:, and a word without a key */
		return text_matches(t, text, len);
	}
}

/* code: and cat: are decided by the diagnosis alone. */
static bool reads_text(enum key key) {
	return key == KEY_REASON || key == KEY_ANY || key == KEY_HOST;
}

/*
 * A text stored as a difference from its base (textpool.h) is searched for
 * a plain substring without being assembled: it holds the needle when its
 * base does within the part they share at the start or at the end, or when
 * the bytes around the part of its own do. Per base: where the needle is
 * first and last (-1: nowhere).
 */
static bool searches_deltas(const struct node *t) {
	return (t->key == KEY_REASON || t->key == KEY_ANY) && t->how == HOW_SUBSTRING;
}

struct reason_term {
	struct node *node;
	bool deltas;           /* searches_deltas() */
	int32_t *first, *last; /* deltas: per text stored whole */
};

struct reason_job {
	const struct mr_filter *filter;
	const struct mr_snapshot *snap;
	const struct mr_text *const *texts; /* NULL: no term reads the text */
	const uint32_t *wholes;             /* the texts stored whole */
	struct reason_term *terms;
	size_t n_terms;
	bool regex;                    /* a term is a regular expression */
	struct mr_parallel_stop *stop; /* cancelled, or a regular expression failed */
	_Atomic(struct node *) failed; /* the first term that reached a limit */
};

static void find_in_whole(struct reason_term *rt, size_t i, const char *text, size_t len) {
	const struct node *n = rt->node;
	const char *at = ci_find(text, len, n->value, n->value_len);
	rt->first[i] = rt->last[i] = at ? (int32_t)(at - text) : -1;
	while (at != NULL) {
		rt->last[i] = (int32_t)(at - text);
		at = ci_find(at + 1, (size_t)(text + len - at - 1), n->value, n->value_len);
	}
	n->per_reason[i] = rt->first[i] >= 0;
}

/* The first pass: the delta searches in the texts stored whole, which the
 * second pass needs for the texts stored as differences from them. */
static void search_wholes_range(void *ctx, size_t thread, size_t from, size_t to) {
	(void)thread;
	const struct reason_job *job = ctx;
	for (size_t w = from; w < to; w++) {
		if (mr_stop_poll(job->stop, (w - from) % MR_FILTER_POLL_REASONS == 0)) {
			return;
		}
		uint32_t i = job->wholes[w];
		const struct mr_text *t = job->texts[i];
		for (size_t k = 0; k < job->n_terms; k++) {
			if (job->terms[k].deltas) {
				find_in_whole(&job->terms[k], i, t->middle, t->len);
			}
		}
	}
}

/* A window of text to search, on the stack when it is short (the part a
 * text has of its own is some tens of bytes). */
struct window {
	char small[256];
	struct mr_buf big;
};

static const char *window_fill(struct window *w, const char *a, size_t a_len, const char *b,
	size_t b_len, const char *c, size_t c_len) {
	size_t len = a_len + b_len + c_len;
	char *to = w->small;
	if (len > sizeof(w->small)) {
		mr_buf_clear(&w->big);
		mr_buf_reserve(&w->big, len);
		to = w->big.data;
	}
	memcpy(to, a, a_len);
	memcpy(to + a_len, b, b_len);
	memcpy(to + a_len + b_len, c, c_len);
	return to;
}

static bool delta_holds(const struct reason_term *rt, const struct mr_text *t, struct window *w) {
	const struct mr_text *base = t->base;
	const char *needle = rt->node->value;
	size_t n = rt->node->value_len;
	int32_t first = rt->first[base->index], last = rt->last[base->index];
	if (first >= 0 && (size_t)first + n <= t->prefix) {
		return true;
	}
	if (last >= 0 && (size_t)last >= base->len - t->suffix) {
		return true;
	}
	/* A match across the text's own part: the n - 1 bytes before it, the
	 * part, and the n - 1 after. */
	size_t before = n - 1 < t->prefix ? n - 1 : t->prefix;
	size_t after = n - 1 < t->suffix ? n - 1 : t->suffix;
	size_t own = t->len - t->prefix - t->suffix;
	const char *text = window_fill(w, base->middle + t->prefix - before, before, t->middle, own,
		base->middle + base->len - t->suffix, after);
	return ci_contains(text, before + own + after, needle, n);
}

/* A regular expression about reason i; false when it reached a limit,
 * which fails the run: "no match" would be a guess. */
static bool regex_decides(struct reason_job *job, struct node *n, size_t i, const char *text,
	size_t len, struct mr_regexp_scratch *rx) {
	enum mr_regexp_result r = mr_regexp_match(n->regex, rx, text, len);
	if (r == MR_REGEXP_LIMIT) {
		struct node *none = NULL;
		atomic_compare_exchange_strong(&job->failed, &none, n);
		mr_stop_now(job->stop);
		return false;
	}
	n->per_reason[i] = r == MR_REGEXP_MATCH;
	return true;
}

/* Every term about reason i; false when the run is to end. */
static bool decide_one(struct reason_job *job, size_t i, struct mr_buf *scratch,
	struct window *window, struct mr_regexp_scratch *rx) {
	const struct mr_text *t = job->texts ? job->texts[i] : NULL;
	const char *text = t && t->base == NULL ? t->middle : NULL;
	for (size_t k = 0; k < job->n_terms; k++) {
		struct reason_term *rt = &job->terms[k];
		if (rt->deltas) {
			if (t->base != NULL) {
				rt->node->per_reason[i] = delta_holds(rt, t, window);
			}
			continue;
		}
		if (text == NULL && t != NULL && reads_text(rt->node->key)) {
			text = mr_text_str(t, scratch);
		}
		if (rt->node->how == HOW_REGEX) {
			if (!regex_decides(job, rt->node, i, text, t->len, rx)) {
				return false;
			}
			continue;
		}
		rt->node->per_reason[i] = reason_matches(
			job->filter, rt->node, text, t ? t->len : 0, &job->snap->diagnoses[i]);
	}
	return true;
}

/* The second pass: every term for every text, but the delta searches in
 * the texts stored whole, which the first pass decided. */
static void decide_range(void *ctx, size_t thread, size_t from, size_t to) {
	(void)thread;
	struct reason_job *job = ctx;
	struct mr_buf scratch;
	struct window window;
	mr_buf_init(&scratch);
	mr_buf_init(&window.big);
	/* Per thread: a JIT stack may not be shared. */
	struct mr_regexp_scratch *rx = job->regex ? mr_regexp_scratch_create() : NULL;
	for (size_t i = from; i < to; i++) {
		/* A regular expression's time per text varies from nothing to
		 * seconds (core/filter/regexp.h): then the clock can ask too. */
		bool ask = (i - from) % MR_FILTER_POLL_REASONS == 0 ||
			   (job->regex && mr_stop_due(job->stop));
		bool stop = mr_stop_poll(job->stop, ask);
		if (stop || !decide_one(job, i, &scratch, &window, rx)) {
			break;
		}
	}
	mr_regexp_scratch_free(rx);
	mr_buf_finish(&window.big);
	mr_buf_finish(&scratch);
}

/* The terms about reasons, to decide for every distinct reason at once. */
struct reason_terms {
	struct reason_term *items;
	size_t n, cap;
};

static void reason_terms(struct node *n, struct reason_terms *list) {
	if (n == NULL) {
		return;
	}
	reason_terms(n->left, list);
	reason_terms(n->right, list);
	if (n->kind == NODE_TERM && about_reasons(n->key)) {
		if (list->n == list->cap) {
			list->cap = list->cap ? list->cap * 2 : 8;
			list->items =
				mr_xreallocarray(list->items, list->cap, sizeof(*list->items));
		}
		list->items[list->n++] = (struct reason_term){ .node = n };
	}
}

/* Decides the terms about reasons; returns the term that reached a limit,
 * or NULL (also when stopped). */
static struct node *decide_reasons(
	struct mr_filter *f, const struct mr_snapshot *snap, struct mr_parallel_stop *stop) {
	struct reason_terms list = { 0 };
	reason_terms(f->root, &list);
	struct reason_term *terms = list.items;
	size_t n_terms = list.n;
	if (n_terms == 0) {
		return NULL;
	}
	size_t n_texts = snap->n_diagnoses ? snap->n_diagnoses : 1;
	struct reason_job job = {
		.filter = f, .snap = snap, .terms = terms, .n_terms = n_terms, .stop = stop
	};
	atomic_init(&job.failed, NULL);
	bool text = false, deltas = false;
	for (size_t k = 0; k < n_terms; k++) {
		struct reason_term *rt = &terms[k];
		free(rt->node->per_reason);
		rt->node->per_reason = mr_xcalloc(n_texts, 1);
		text = text || reads_text(rt->node->key);
		job.regex = job.regex || rt->node->how == HOW_REGEX;
		rt->deltas = searches_deltas(rt->node);
		if (rt->deltas) {
			rt->first = mr_xreallocarray(NULL, n_texts, sizeof(*rt->first));
			rt->last = mr_xreallocarray(NULL, n_texts, sizeof(*rt->last));
			deltas = true;
		}
	}
	if (text) {
		job.texts = mr_textpool_texts(snap->reasons);
	}
	if (deltas) {
		size_t n_wholes;
		job.wholes = mr_textpool_wholes(snap->reasons, &n_wholes);
		mr_parallel_for_stoppable(n_wholes, 1024, search_wholes_range, &job, stop);
	}
	if (!mr_stopped(stop)) {
		mr_parallel_for_stoppable(snap->n_diagnoses, 4096, decide_range, &job, stop);
	}
	for (size_t k = 0; k < n_terms; k++) {
		free(terms[k].first);
		free(terms[k].last);
	}
	free(terms);
	return atomic_load(&job.failed);
}

/* from:<> (or from:mailer-daemon) is the null sender of bounces. */
static bool is_null_sender(const struct node *t) {
	return strcmp(t->value, "<>") == 0 || strcmp(t->value, "mailer-daemon") == 0;
}

static bool about_recipient(enum key key) {
	return key == KEY_TO || key == KEY_DOMAIN || about_reasons(key);
}

/* Terms that read the sender (a word without a key reads every field). */
static bool about_sender(enum key key) {
	return key == KEY_FROM || key == KEY_SENDER_DOMAIN || key == KEY_ANY;
}

/* A sender term about one distinct sender. */
static bool sender_matches(const struct node *t, const char *sender, size_t len) {
	if (t->key == KEY_ANY) {
		return text_matches(t, sender, len);
	}
	if (t->key == KEY_FROM) {
		return is_null_sender(t) ? len == 0 : text_matches(t, sender, len);
	}
	const char *at = memrchr(sender, '@', len);
	const char *domain = at ? at + 1 : sender + len;
	return domain_matches(t, domain, (size_t)(sender + len - domain));
}

/* source: about the label of each origin, ignoring case: the whole label,
 * or a glob over it. With one source there is no label, and source: holds
 * for no message. */
static void decide_origins(struct node *n, const struct mr_snapshot *snap) {
	free(n->per_value);
	n->per_value = mr_xcalloc(snap->n_origins ? snap->n_origins : 1, 1);
	n->n_per_value = snap->n_origins;
	for (size_t o = 0; o < snap->n_origins; o++) {
		/* As the column shows it: source:mx1 is not mx10 (mx1* is). */
		const char *label = snap->origins[o];
		size_t len = strlen(label);
		n->per_value[o] = n->how == HOW_GLOB
					  ? ci_glob(n->value, label, len)
					  : len == n->value_len && ci_equal(label, n->value, len);
	}
}

/* The terms about the recipients' domains and the senders, decided once per
 * distinct value: a million messages have a few thousand of each, and
 * reading every message's strings is most of a filter's time. source:, once
 * per origin. */
static void decide_values(struct node *n, const struct mr_snapshot *snap) {
	if (n == NULL) {
		return;
	}
	decide_values(n->left, snap);
	decide_values(n->right, snap);
	if (n->kind == NODE_TERM && n->key == KEY_SOURCE) {
		decide_origins(n, snap);
		return;
	}
	if (n->kind != NODE_TERM || (n->key != KEY_DOMAIN && !about_sender(n->key))) {
		return;
	}
	const struct mr_distinct *d =
		n->key == KEY_DOMAIN ? mr_snapshot_rcpt_domains(snap) : mr_snapshot_senders(snap);
	free(n->per_value);
	n->per_value = mr_xcalloc(d->n ? d->n : 1, 1);
	for (size_t v = 0; v < d->n; v++) {
		n->per_value[v] = n->key == KEY_DOMAIN
					  ? domain_matches(n, d->values[v], d->lens[v])
					  : sender_matches(n, d->values[v], d->lens[v]);
	}
}

/* What the terms of one run look at. */
struct run {
	const struct mr_snapshot *snap;
	int64_t now;
	const uint32_t *rcpt_domain, *sender; /* ids; NULL when no term asks */
};

/* A term for message m and one of its recipients r (NULL: it has none). */
static bool term_holds(const struct run *run, const struct node *t, const struct mr_message *m,
	const struct mr_recipient *r) {
	bool reason = r != NULL && r->diagnosis != MR_NO_DIAGNOSIS && t->per_reason != NULL &&
		      t->per_reason[r->diagnosis];
	switch (t->key) {
	case KEY_ID:
		return text_matches(t, m->id, strlen(m->id));
	case KEY_FROM:
	case KEY_SENDER_DOMAIN:
		return t->per_value[run->sender[m - run->snap->messages]];
	case KEY_QUEUE:
		return m->queue == t->number;
	case KEY_STATE:
		return mr_message_state(m) == t->number;
	case KEY_SOURCE: /* decided per origin; none with one source */
		return m->origin < t->n_per_value && t->per_value[m->origin];
	case KEY_AGE:
		return m->arrival != MR_TIME_UNKNOWN &&
		       compare(t->op, run->now - m->arrival, t->amount);
	case KEY_SIZE:
		return compare(t->op, (int64_t)m->size, t->amount);
	case KEY_PRIO: /* a source without priorities (Postfix) gives no number to compare */
		return (m->flags & MR_MSG_HAS_PRIORITY) && compare(t->op, m->priority, t->amount);
	case KEY_TO:
		return r != NULL && text_matches(t, r->address, strlen(r->address));
	case KEY_DOMAIN:
		return r != NULL && t->per_value[run->rcpt_domain[r - run->snap->recipients]];
	case KEY_ANY: /* what is decided already first */
		return reason || t->per_value[run->sender[m - run->snap->messages]] ||
		       text_matches(t, m->id, strlen(m->id)) ||
		       (r != NULL && text_matches(t, r->address, strlen(r->address)));
	default:
		return reason;
	}
}

static bool holds(const struct run *run, const struct node *n, const struct mr_message *m,
	const struct mr_recipient *r) {
	switch (n->kind) {
	case NODE_AND:
		return holds(run, n->left, m, r) && holds(run, n->right, m, r);
	case NODE_OR:
		return holds(run, n->left, m, r) || holds(run, n->right, m, r);
	case NODE_NOT:
		return !holds(run, n->left, m, r);
	case NODE_TERM:
		break;
	}
	return term_holds(run, n, m, r);
}

static bool mentions(const struct node *n, bool (*about)(enum key)) {
	if (n == NULL) {
		return false;
	}
	if (n->kind == NODE_TERM) {
		return about(n->key);
	}
	return mentions(n->left, about) || mentions(n->right, about);
}

static bool about_rcpt_domain(enum key key) {
	return key == KEY_DOMAIN;
}

/* A message matches when the filter holds for it and one of its recipients
 * (all the terms of "domain:gmail.com cat:greylisting" about the same one),
 * or for it alone when it has none. */
static bool message_matches(const struct run *run, const struct node *root, bool per_recipient,
	const struct mr_message *m, uint8_t *rcpt_match) {
	if (!per_recipient || m->n_rcpts == 0) {
		bool all = holds(run, root, m, NULL);
		if (rcpt_match != NULL) {
			memset(rcpt_match + m->first_rcpt, all, m->n_rcpts);
		}
		return all;
	}
	bool any = false;
	for (uint32_t i = 0; i < m->n_rcpts; i++) {
		bool one = holds(run, root, m, mr_message_rcpt(run->snap, m, i));
		any = any || one;
		if (rcpt_match == NULL && any) {
			return true;
		}
		if (rcpt_match != NULL) {
			rcpt_match[m->first_rcpt + i] = one;
		}
	}
	return any;
}

struct message_job {
	const struct run *run;
	const struct node *root;
	bool per_recipient;
	uint8_t *match, *rcpt_match;
	struct mr_parallel_stop *stop;
	size_t counts[MR_PARALLEL_MAX];
};

static void match_range(void *ctx, size_t thread, size_t from, size_t to) {
	struct message_job *job = ctx;
	const struct mr_message *messages = job->run->snap->messages;
	size_t n = 0;
	for (size_t i = from; i < to; i++) {
		if ((i - from) % MR_FILTER_POLL_MESSAGES == 0 && mr_stop_poll(job->stop, true)) {
			break;
		}
		job->match[i] = message_matches(
			job->run, job->root, job->per_recipient, &messages[i], job->rcpt_match);
		n += job->match[i];
	}
	job->counts[thread] = n;
}

/* What the terms of a run over snap read, the decisions about reasons and
 * values made. */
static struct run run_for(
	const struct mr_filter *filter, const struct mr_snapshot *snap, int64_t now) {
	struct run run = { snap, now, NULL, NULL };
	if (mentions(filter->root, about_rcpt_domain)) {
		run.rcpt_domain = mr_snapshot_rcpt_domains(snap)->ids;
	}
	if (mentions(filter->root, about_sender)) {
		run.sender = mr_snapshot_senders(snap)->ids;
	}
	return run;
}

/* The run's answer: how many match, after the terms were decided. */
static size_t match_messages(struct mr_filter *filter, const struct mr_snapshot *snap, int64_t now,
	uint8_t *match, uint8_t *rcpt_match, struct mr_parallel_stop *stop) {
	struct run run = run_for(filter, snap, now);
	struct message_job job = { &run, filter->root, mentions(filter->root, about_recipient),
		match, rcpt_match, stop, { 0 } };
	size_t threads =
		mr_parallel_for_stoppable(snap->n_messages, 16384, match_range, &job, stop);
	size_t n = 0;
	for (size_t t = 0; t < threads; t++) {
		n += job.counts[t];
	}
	return n;
}

/* The term that reached a limit, as a parse error names a term. */
static void run_failed(struct mr_filter *filter, const struct node *t) {
	char buf[SHOWN_MAX + 4];
	filter->error.pos = t->pos;
	snprintf(filter->error.message, sizeof(filter->error.message),
		"%s: too much backtracking: simplify it", shown(t, buf, sizeof(buf)));
}

/* A run that did not finish answers nothing: no message, no recipient. */
static void answer_nothing(const struct mr_snapshot *snap, uint8_t *match, uint8_t *rcpt_match) {
	memset(match, 0, snap->n_messages);
	if (rcpt_match != NULL) {
		memset(rcpt_match, 0, snap->n_recipients);
	}
}

enum mr_filter_status mr_filter_run_with(struct mr_filter *filter, const struct mr_snapshot *snap,
	int64_t now, uint8_t *match, uint8_t *rcpt_match, const struct mr_filter_run_opts *opts,
	size_t *n_matched, struct mr_filter_error *err) {
	size_t n = snap->n_messages;
	if (mr_filter_is_empty(filter)) {
		memset(match, 1, snap->n_messages);
		if (rcpt_match != NULL) {
			memset(rcpt_match, 1, snap->n_recipients);
		}
	} else {
		filter->status = MR_FILTER_DONE;
		struct mr_parallel_stop stop;
		mr_stop_init(&stop, opts ? opts->should_stop : NULL, opts ? opts->ctx : NULL);
		const struct node *failed = decide_reasons(filter, snap, &stop);
		if (!mr_stopped(&stop)) {
			decide_values(filter->root, snap);
			n = match_messages(filter, snap, now, match, rcpt_match, &stop);
		}
		if (failed != NULL) {
			filter->status = MR_FILTER_FAILED;
			run_failed(filter, failed);
		} else if (mr_stopped(&stop)) {
			filter->status = MR_FILTER_CANCELLED;
		}
		if (filter->status != MR_FILTER_DONE) {
			answer_nothing(snap, match, rcpt_match);
			n = 0;
		}
	}
	if (n_matched != NULL) {
		*n_matched = n;
	}
	return mr_filter_last_status(filter, err);
}

enum mr_filter_status mr_filter_last_status(
	const struct mr_filter *filter, struct mr_filter_error *err) {
	if (mr_filter_is_empty(filter)) {
		return MR_FILTER_DONE;
	}
	if (err != NULL && filter->status == MR_FILTER_FAILED) {
		*err = filter->error;
	}
	return filter->status;
}

size_t mr_filter_run(
	struct mr_filter *filter, const struct mr_snapshot *snap, int64_t now, uint8_t *match) {
	return mr_filter_run_recipients(filter, snap, now, match, NULL);
}

size_t mr_filter_run_recipients(struct mr_filter *filter, const struct mr_snapshot *snap,
	int64_t now, uint8_t *match, uint8_t *rcpt_match) {
	size_t n;
	mr_filter_run_with(filter, snap, now, match, rcpt_match, NULL, &n, NULL);
	return n;
}

const struct mr_recipient *mr_filter_first_recipient(const struct mr_filter *filter,
	const struct mr_snapshot *snap, int64_t now, const struct mr_message *m) {
	if (mr_filter_is_empty(filter) || filter->status != MR_FILTER_DONE ||
		!mentions(filter->root, about_recipient)) {
		return NULL;
	}
	struct run run = run_for(filter, snap, now);
	for (uint32_t i = 0; i < m->n_rcpts; i++) {
		const struct mr_recipient *r = mr_message_rcpt(snap, m, i);
		if (holds(&run, filter->root, m, r)) {
			return r;
		}
	}
	return NULL;
}
