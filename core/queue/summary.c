#include "summary.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bigmem.h"
#include "buf.h"
#include "decoding.h"
#include "ptrmap.h"
#include "reason.h"
#include "strpool.h"
#include "xalloc.h"

const char *const mr_summary_age_heads[MR_SUMMARY_AGES] = { "5", "10", "20", "40", "80", "160",
	"320", "640", "1280", "1280+" };

char *mr_summary_age_filter(size_t column) {
	int low = mr_summary_age_minutes[column];
	if (column + 1 == MR_SUMMARY_AGES) {
		return mr_xasprintf("age:>=%dm", low);
	}
	int high = mr_summary_age_minutes[column + 1];
	return low == 0 ? mr_xasprintf("age:<%dm", high)
			: mr_xasprintf("age:>=%dm age:<%dm", low, high);
}

/* A filter value, quoted when it holds what would end or confuse a bare one. */
static void add_value(struct mr_buf *out, const char *s) {
	if (*s != '\0' && strpbrk(s, " \t()\"\\") == NULL) {
		mr_buf_add_str(out, s);
		return;
	}
	mr_buf_add_char(out, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\') {
			mr_buf_add_char(out, '\\');
		}
		mr_buf_add_char(out, *s);
	}
	mr_buf_add_char(out, '"');
}

/* A filter of one term, "KEY:VALUE", the value quoted when it must be. */
static char *term(const char *key, const char *value) {
	struct mr_buf filter;
	mr_buf_init(&filter);
	mr_buf_printf(&filter, "%s:", key);
	add_value(&filter, value);
	return mr_buf_steal(&filter);
}

/* Rows found by a key: interned key -> index into rows. */
struct grouping {
	struct mr_strpool *keys;
	struct mr_ptrmap index;
	struct mr_summary_row *rows;
	size_t n, cap;
};

static void grouping_init(struct grouping *g) {
	*g = (struct grouping){ .keys = mr_strpool_create() };
	mr_ptrmap_init(&g->index);
}

static void grouping_finish(struct grouping *g) {
	mr_ptrmap_finish(&g->index);
	mr_strpool_destroy(g->keys);
}

/* The row for key; *fresh tells whether it was just made (label it then). */
static struct mr_summary_row *group(struct grouping *g, const char *key, size_t len, bool *fresh) {
	const char *k = mr_strpool_intern(g->keys, key, len);
	uint32_t i = mr_ptrmap_get(&g->index, k);
	*fresh = i == UINT32_MAX;
	if (*fresh) {
		if (g->n == g->cap) {
			g->cap = g->cap ? g->cap * 2 : 64;
			g->rows = mr_xreallocarray(g->rows, g->cap, sizeof(*g->rows));
		}
		i = (uint32_t)g->n++;
		g->rows[i] = (struct mr_summary_row){ 0 };
		mr_ptrmap_put(&g->index, k, i);
	}
	return &g->rows[i];
}

static int by_count(const void *a, const void *b) {
	const struct mr_summary_row *x = a, *y = b;
	if (x->count != y->count) {
		return x->count < y->count ? 1 : -1;
	}
	return strcmp(x->label, y->label);
}

static void free_row(struct mr_summary_row *r) {
	free(r->label);
	free(r->filter);
	free(r->host);
}

/* Sorts rows, keeps the first top; the rest go into an "(other)" row when
 * other is set, else are dropped. */
static void keep_top(struct mr_summary_row **rows, size_t *n, size_t top, bool other) {
	if (*n == 0) {
		return;
	}
	qsort(*rows, *n, sizeof(**rows), by_count);
	if (*n <= top) {
		return;
	}
	struct mr_summary_row rest = { 0 };
	for (size_t i = top; i < *n; i++) {
		rest.count += (*rows)[i].count;
		for (size_t c = 0; c < MR_SUMMARY_AGES; c++) {
			rest.ages[c] += (*rows)[i].ages[c];
		}
		free_row(&(*rows)[i]);
	}
	*n = top;
	if (other) {
		rest.label = mr_xstrdup("(other)");
		(*rows)[(*n)++] = rest;
	}
}

/* Frees the rows that count nothing, closing up; the rows left. */
static size_t drop_empty(struct mr_summary_row *rows, size_t n) {
	size_t kept = 0;
	for (size_t i = 0; i < n; i++) {
		if (rows[i].count > 0) {
			rows[kept++] = rows[i];
		} else {
			free_row(&rows[i]);
		}
	}
	return kept;
}

bool mr_summary_domain(const char *address, struct mr_buf *out) {
	mr_buf_clear(out);
	if (*address == '\0') {
		mr_buf_add_str(out, "MAILER-DAEMON"); /* after lc, as qshape */
		return false;
	}
	const char *at = strrchr(address, '@');
	const char *p = at ? at + 1 : address;
	/* s/\.\././g: each pair of dots, left to right, one dot */
	while (*p != '\0') {
		if (p[0] == '.' && p[1] == '.') {
			mr_buf_add_char(out, '.');
			p += 2;
		} else {
			mr_buf_add_char(out, (char)tolower((unsigned char)*p));
			p++;
		}
	}
	/* s/\.?(.+?)\.?$/$1/: a dot at either end, keeping one character */
	char *d = out->data;
	size_t len = out->len;
	size_t start = len >= 2 && d[0] == '.' ? 1 : 0;
	size_t end = len - start >= 2 && d[len - 1] == '.' ? len - 1 : len;
	if (start > 0 || end < len) {
		memmove(d, d + start, end - start);
		out->len = end - start;
		d[out->len] = '\0';
	}
	/* Plain when it is the part after the '@', lower-cased, as it was. */
	if (at == NULL || strlen(at + 1) != out->len || out->len == 0 ||
		strpbrk(out->data, "*?") != NULL) {
		return false;
	}
	return strncasecmp(at + 1, out->data, out->len) == 0;
}

/* The row of a domain, labelled and given its filter (key:*@DOMAIN, or
 * from:<> for the null sender) when made. */
static struct mr_summary_row *domain_row(
	struct grouping *g, const char *address, const char *key, struct mr_buf *scratch) {
	bool plain = mr_summary_domain(address, scratch);
	bool fresh;
	struct mr_summary_row *row = group(g, scratch->data, scratch->len, &fresh);
	if (fresh) {
		row->label = mr_xstrdup(scratch->data);
		if (plain) {
			char *exact = mr_xasprintf("*@%s", scratch->data);
			row->filter = term(key, exact);
			free(exact);
		} else if (*address == '\0' && strcmp(key, "from") == 0) {
			row->filter = mr_xstrdup("from:<>");
		}
	} else if (!plain && *address != '\0' && row->filter != NULL) {
		/* "x.test." filed with "x.test": no one filter selects both
		 * (the null sender's row has only null senders) */
		free(row->filter);
		row->filter = NULL;
	}
	return row;
}

/* Each distinct reason's row among the reasons: alike when category, code
 * and remote host agree. */
static uint32_t *group_reasons(struct grouping *g, const struct mr_text *const *texts,
	const struct mr_diagnosis *diagnoses, size_t n, const struct mr_kb *kb) {
	uint32_t *row_of = mr_xcalloc(n + 1, sizeof(*row_of));
	struct mr_buf scratch, key;
	mr_buf_init(&scratch);
	mr_buf_init(&key);
	for (size_t i = 0; i < n; i++) {
		const struct mr_diagnosis *d = &diagnoses[i];
		const char *text = mr_text_str(texts[i], &scratch);
		const char *category = mr_diagnosis_category(kb, d)->name;
		char code[16] = "";
		if (d->enhanced[0] != '\0') {
			snprintf(code, sizeof(code), "%s", d->enhanced);
		} else if (d->basic != 0) {
			snprintf(code, sizeof(code), "%u", d->basic);
		}
		char *host = d->host.len ? mr_xstrndup(text + d->host.off, d->host.len) : NULL;
		mr_buf_clear(&key);
		mr_buf_printf(&key, "%s|%s|%s", category, code, host ? host : "");
		bool fresh;
		struct mr_summary_row *r = group(g, key.data, key.len, &fresh);
		row_of[i] = (uint32_t)(r - g->rows);
		if (!fresh) {
			free(host);
			continue;
		}
		size_t brief_len;
		const char *brief = mr_reason_brief(text, &brief_len);
		r->label = mr_xstrndup(brief, brief_len);
		r->category = category;
		snprintf(r->code, sizeof(r->code), "%s", code);
		r->host = host;
		struct mr_buf filter;
		mr_buf_init(&filter);
		mr_buf_add_str(&filter, "cat:");
		add_value(&filter, category);
		if (code[0] != '\0') {
			mr_buf_printf(&filter, " code:%s", code);
		}
		if (host != NULL) {
			mr_buf_add_str(&filter, " host:");
			add_value(&filter, host);
		}
		r->filter = mr_buf_steal(&filter);
	}
	mr_buf_finish(&scratch);
	mr_buf_finish(&key);
	return row_of;
}

static void count(struct mr_summary_row *r, bool known_age, size_t column) {
	r->count++;
	if (known_age) {
		r->ages[column]++;
	}
}

/* count() of many at once, for facts a source gathered. */
static void count_weight(struct mr_summary_row *r, const struct mr_summary_weight *w) {
	r->count += w->count;
	for (size_t c = 0; c < MR_SUMMARY_AGES; c++) {
		r->ages[c] += w->ages[c];
	}
}

/* What both ways of building a summary count into before the rows are
 * made: the same groupings, so the two cannot file mail differently. */
struct counting {
	struct grouping domains, reasons, senders;
	uint32_t *reason_row; /* a diagnosis's row among reasons */
	size_t *by_category;
	size_t (*category_ages)[MR_SUMMARY_AGES];
	struct mr_buf scratch;
};

static void counting_init(struct counting *k, struct mr_summary *s, const struct mr_kb *kb,
	const struct mr_text *const *texts, const struct mr_diagnosis *diagnoses,
	size_t n_diagnoses) {
	*s = (struct mr_summary){ 0 };
	s->total.label = mr_xstrdup("(total)");
	s->total.filter = mr_xstrdup("");
	s->sender_total.label = mr_xstrdup("(total)");
	s->sender_total.filter = mr_xstrdup("");
	grouping_init(&k->domains);
	grouping_init(&k->reasons);
	grouping_init(&k->senders);
	mr_buf_init(&k->scratch);
	k->reason_row = group_reasons(&k->reasons, texts, diagnoses, n_diagnoses, kb);
	k->by_category = mr_xcalloc(kb->n_categories, sizeof(*k->by_category));
	k->category_ages = mr_xcalloc(kb->n_categories, sizeof(*k->category_ages));
}

/* The rows, most first, from what was counted; frees the counting. */
static void counting_finish(
	struct counting *k, struct mr_summary *s, const struct mr_kb *kb, size_t top) {
	s->categories = mr_xcalloc(kb->n_categories + 1, sizeof(*s->categories));
	for (size_t c = 0; c < kb->n_categories; c++) {
		if (k->by_category[c] == 0) {
			continue;
		}
		struct mr_summary_row *row = &s->categories[s->n_categories++];
		row->label = mr_xstrdup(kb->categories[c].name);
		row->filter = mr_xasprintf("cat:%s", kb->categories[c].name);
		row->category = kb->categories[c].name;
		row->count = k->by_category[c];
		memcpy(row->ages, k->category_ages[c], sizeof(row->ages));
	}
	keep_top(&s->categories, &s->n_categories, s->n_categories, false);
	/* Reasons that no recipient shown has are dropped first. */
	s->reasons = k->reasons.rows;
	s->n_reasons = drop_empty(k->reasons.rows, k->reasons.n);
	keep_top(&s->reasons, &s->n_reasons, top, false);
	s->domains = k->domains.rows;
	s->n_domains = k->domains.n;
	if (s->domains == NULL) {
		s->domains = mr_xcalloc(1, sizeof(*s->domains));
	}
	keep_top(&s->domains, &s->n_domains, top, true);
	s->senders = k->senders.rows;
	s->n_senders = k->senders.n;
	if (s->senders == NULL) {
		s->senders = mr_xcalloc(1, sizeof(*s->senders));
	}
	keep_top(&s->senders, &s->n_senders, top, true);
	/* A source without a recipient shown may hold none or may have failed
	 * to list: the snapshot cannot tell, so it gets no row rather than a 0. */
	s->n_sources = drop_empty(s->sources, s->n_sources);
	keep_top(&s->sources, &s->n_sources, top, true);
	free(k->by_category);
	free(k->category_ages);
	free(k->reason_row);
	grouping_finish(&k->domains);
	grouping_finish(&k->reasons);
	grouping_finish(&k->senders);
	mr_buf_finish(&k->scratch);
}

void mr_summary_build(struct mr_summary *s, const struct mr_snapshot *snap, const uint8_t *only,
	const uint8_t *only_rcpt, const struct mr_kb *kb, int64_t now, size_t top) {
	struct counting k;
	counting_init(
		&k, s, kb, mr_textpool_texts(snap->reasons), snap->diagnoses, snap->n_diagnoses);
	s->sources = mr_xcalloc(snap->n_origins + 1, sizeof(*s->sources));
	s->n_sources = snap->n_origins;
	for (size_t o = 0; o < snap->n_origins; o++) {
		s->sources[o].label = mr_xstrdup(snap->origins[o]);
		s->sources[o].filter = term("source", snap->origins[o]);
	}
	for (size_t m = 0; m < snap->n_messages; m++) {
		if (only != NULL && !only[m]) {
			continue;
		}
		const struct mr_message *msg = &snap->messages[m];
		s->messages++;
		if (msg->queue < MR_QUEUE_COUNT) {
			s->queues[msg->queue]++;
		}
		s->expiring += mr_message_state(msg) == MR_STATE_EXPIRING;
		bool known_age = msg->arrival != MR_TIME_UNKNOWN;
		size_t column = known_age ? mr_summary_age_column(now, msg->arrival) : 0;
		/* qshape -s: every message once, under its sender's domain */
		count(&s->sender_total, known_age, column);
		count(domain_row(&k.senders, msg->sender, "from", &k.scratch), known_age, column);
		for (uint32_t i = 0; i < msg->n_rcpts; i++) {
			if (only_rcpt != NULL && !only_rcpt[msg->first_rcpt + i]) {
				continue;
			}
			const struct mr_recipient *r = mr_message_rcpt(snap, msg, i);
			if (!mr_summary_rcpt_queued(r->state, msg->queue)) {
				continue;
			}
			s->recipients++;
			count(&s->total, known_age, column);
			if (msg->origin < s->n_sources) {
				count(&s->sources[msg->origin], known_age, column);
			}
			count(domain_row(&k.domains, r->address, "to", &k.scratch), known_age,
				column);
			if (r->diagnosis != MR_NO_DIAGNOSIS) {
				const struct mr_diagnosis *d = &snap->diagnoses[r->diagnosis];
				k.by_category[d->category]++;
				if (known_age) {
					k.category_ages[d->category][column]++;
				}
				count(&k.reasons.rows[k.reason_row[r->diagnosis]], known_age,
					column);
			}
		}
	}
	counting_finish(&k, s, kb, top);
}

/* Where a scope files a queue's messages. */
enum scope_kind { SCOPE_COUNTED, SCOPE_LEFT, SCOPE_OUTSIDE };

static enum scope_kind scope_kind(const struct mr_summary_scope *scope, unsigned queue) {
	if (!scope->bounced && scope->queues != 0 &&
		!(scope->queues & MR_SUMMARY_QUEUE_BIT(queue))) {
		return SCOPE_OUTSIDE;
	}
	return (queue == MR_QUEUE_BOUNCED) == scope->bounced ? SCOPE_COUNTED : SCOPE_LEFT;
}

unsigned mr_summary_scope_counted(const struct mr_summary_scope *scope) {
	unsigned queues = 0;
	for (unsigned q = 0; q < MR_QUEUE_COUNT; q++) {
		if (scope_kind(scope, q) == SCOPE_COUNTED) {
			queues |= MR_SUMMARY_QUEUE_BIT(q);
		}
	}
	return queues;
}

void mr_summary_build_facts(struct mr_summary *s, struct mr_summary_scope *scope,
	struct mr_summary_facts *f, const struct mr_kb *kb, size_t top) {
	size_t n_texts = mr_textpool_distinct(f->reasons);
	const struct mr_text *const *texts = mr_textpool_texts(f->reasons);
	size_t cap;
	struct mr_diagnosis *diagnoses = mr_summary_facts_decode(f, kb, &cap);
	struct counting k;
	counting_init(&k, s, kb, texts, diagnoses, n_texts);
	s->sources = mr_xcalloc(1, sizeof(*s->sources)); /* one source: no rows */
	scope->counted = scope->left_messages = scope->left_recipients = scope->outside = 0;
	for (unsigned q = 0; q < MR_QUEUE_COUNT; q++) {
		switch (scope_kind(scope, q)) {
		case SCOPE_COUNTED:
			scope->counted += f->queue_messages[q];
			s->messages += f->queue_messages[q];
			s->queues[q] = f->queue_messages[q];
			break;
		case SCOPE_LEFT:
			scope->left_messages += f->queue_messages[q];
			scope->left_recipients += f->queue_recipients[q];
			break;
		case SCOPE_OUTSIDE:
			scope->outside += f->queue_messages[q];
			break;
		}
	}
	s->expiring = f->expiring;
	for (size_t i = 0; i < f->n_senders; i++) {
		const struct mr_summary_fact *x = &f->senders[i];
		count_weight(&s->sender_total, &x->weight);
		count_weight(domain_row(&k.senders, x->key, "from", &k.scratch), &x->weight);
	}
	for (size_t i = 0; i < f->n_recipients; i++) {
		const struct mr_summary_fact *x = &f->recipients[i];
		s->recipients += x->weight.count;
		count_weight(&s->total, &x->weight);
		count_weight(domain_row(&k.domains, x->key, "to", &k.scratch), &x->weight);
	}
	for (size_t i = 0; i < n_texts && i < f->cap_reason_weights; i++) {
		const struct mr_summary_weight *w = &f->reason_weights[i];
		const struct mr_diagnosis *d = &diagnoses[i];
		k.by_category[d->category] += w->count;
		for (size_t c = 0; c < MR_SUMMARY_AGES; c++) {
			k.category_ages[d->category][c] += w->ages[c];
		}
		count_weight(&k.reasons.rows[k.reason_row[i]], w);
	}
	counting_finish(&k, s, kb, top);
	mr_big_free(diagnoses, cap * sizeof(*diagnoses));
}

void mr_summary_finish(struct mr_summary *s) {
	free_row(&s->total);
	free_row(&s->sender_total);
	struct mr_summary_row *lists[] = { s->domains, s->categories, s->reasons, s->sources,
		s->senders };
	size_t counts[] = { s->n_domains, s->n_categories, s->n_reasons, s->n_sources,
		s->n_senders };
	for (size_t l = 0; l < sizeof(lists) / sizeof(*lists); l++) {
		for (size_t i = 0; i < counts[l]; i++) {
			free_row(&lists[l][i]);
		}
		free(lists[l]);
	}
}

uint8_t *mr_summary_scope(const struct mr_snapshot *snap, const uint8_t *only,
	const uint8_t *only_rcpt, struct mr_summary_scope *scope) {
	scope->counted = scope->left_messages = scope->left_recipients = scope->outside = 0;
	uint8_t *mask = mr_xcalloc(snap->n_messages ? snap->n_messages : 1, 1);
	for (size_t m = 0; m < snap->n_messages; m++) {
		const struct mr_message *msg = &snap->messages[m];
		if (only != NULL && !only[m]) {
			continue;
		}
		enum scope_kind kind = scope_kind(scope, msg->queue);
		if (kind == SCOPE_OUTSIDE) {
			scope->outside++;
			continue;
		}
		if (kind == SCOPE_COUNTED) {
			mask[m] = 1;
			scope->counted++;
			continue;
		}
		scope->left_messages++;
		for (size_t i = 0; i < msg->n_rcpts; i++) {
			scope->left_recipients +=
				only_rcpt == NULL || only_rcpt[msg->first_rcpt + i];
		}
	}
	return mask;
}

bool mr_summary_queues_parse(const char *list, unsigned *queues, char *why, size_t size) {
	*queues = 0;
	const char *p = list;
	for (;;) {
		size_t len = strcspn(p, ",");
		char name[16];
		enum mr_queue q;
		snprintf(name, sizeof(name), "%.*s", (int)(len < 15 ? len : 15), p);
		if (len == 0 || len > 15 || !mr_queue_parse(name, &q)) {
			snprintf(why, size,
				"no queue \"%.*s\" (incoming, active, deferred, hold, maildrop, "
				"corrupt)",
				(int)(len < 40 ? len : 40), p);
			return false;
		}
		if (q == MR_QUEUE_BOUNCED) {
			snprintf(why, size, "bounced mail is not queued: --bounced counts it");
			return false;
		}
		if (*queues & MR_SUMMARY_QUEUE_BIT(q)) {
			snprintf(why, size, "%s named twice", name);
			return false;
		}
		*queues |= MR_SUMMARY_QUEUE_BIT(q);
		if (p[len] == '\0') {
			return true;
		}
		p += len + 1;
	}
}

char *mr_summary_queues_name(unsigned queues, const char *sep) {
	struct mr_buf out;
	mr_buf_init(&out);
	for (int q = 0; q < MR_QUEUE_COUNT; q++) {
		if (queues & MR_SUMMARY_QUEUE_BIT(q)) {
			mr_buf_printf(
				&out, "%s%s", out.len ? sep : "", mr_queue_name((enum mr_queue)q));
		}
	}
	return mr_buf_steal(&out);
}

char *mr_summary_queues_filter(unsigned queues) {
	struct mr_buf out;
	mr_buf_init(&out);
	int n = 0;
	for (int q = 0; q < MR_QUEUE_COUNT; q++) {
		if (queues & MR_SUMMARY_QUEUE_BIT(q)) {
			mr_buf_printf(&out, "%squeue:%s", n++ ? " or " : "",
				mr_queue_name((enum mr_queue)q));
		}
	}
	if (n > 1) {
		char *inner = mr_buf_steal(&out);
		char *both = mr_xasprintf("(%s)", inner);
		free(inner);
		return both;
	}
	return mr_buf_steal(&out);
}
