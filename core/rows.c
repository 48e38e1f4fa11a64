#include "rows.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ptrmap.h"
#include "strpool.h"
#include "xalloc.h"

static const char *const sort_names[MR_SORT_COUNT] = { "age", "id", "queue", "size", "sender",
	"recipient", "cause", "attempts", "next-retry" };

const char *mr_sort_name(enum mr_sort sort) {
	return (unsigned)sort < MR_SORT_COUNT ? sort_names[sort] : "?";
}

bool mr_sort_parse(const char *name, enum mr_sort *sort) {
	for (int i = 0; i < MR_SORT_COUNT; i++) {
		if (strcmp(name, sort_names[i]) == 0) {
			*sort = (enum mr_sort)i;
			return true;
		}
	}
	return false;
}

void mr_rows_init(struct mr_rows *r) {
	*r = (struct mr_rows){ 0 };
}

void mr_rows_finish(struct mr_rows *r) {
	free(r->rows);
	free(r->by_id);
	free(r->match);
	free(r->tagged);
	*r = (struct mr_rows){ 0 };
}

/* --- keys ------------------------------------------------------------------- */

/* The first eight bytes of s, lower-cased, as a number that orders as they do. */
static uint64_t text_key(const char *s) {
	uint64_t k = 0;
	for (int i = 0; i < 8; i++) {
		unsigned char c = (unsigned char)*s;
		k = k << 8 | (uint64_t)tolower(c);
		s += c != '\0';
	}
	return k;
}

static bool is_text_sort(enum mr_sort sort) {
	return sort == MR_SORT_ID || sort == MR_SORT_SENDER || sort == MR_SORT_RECIPIENT;
}

static const char *sort_text(const struct mr_snapshot *snap, enum mr_sort sort, uint32_t m) {
	const struct mr_message *msg = &snap->messages[m];
	switch (sort) {
	case MR_SORT_ID:
		return msg->id;
	case MR_SORT_SENDER:
		return msg->sender;
	default:
		return msg->n_rcpts > 0 ? mr_message_rcpt(snap, msg, 0)->address : "";
	}
}

/* Signed to unsigned, keeping the order. */
static uint64_t ordered(int64_t v) {
	return (uint64_t)v ^ (UINT64_C(1) << 63);
}

static uint64_t sort_key(const struct mr_snapshot *snap, enum mr_sort sort, uint32_t m) {
	const struct mr_message *msg = &snap->messages[m];
	switch (sort) {
	case MR_SORT_AGE:
		return ordered(msg->arrival);
	case MR_SORT_QUEUE:
		return msg->queue;
	case MR_SORT_SIZE:
		return msg->size;
	case MR_SORT_CAUSE: {
		const struct mr_recipient *f = mr_message_main_failure(snap, msg);
		const struct mr_diagnosis *d = f ? mr_recipient_diagnosis(snap, f) : NULL;
		return d ? (uint64_t)d->category + 1 : 0;
	}
	case MR_SORT_ATTEMPTS:
		return ordered(msg->attempts);
	case MR_SORT_NEXT_RETRY:
		/* Unknown last: it is not due as far as anyone knows. */
		return msg->next_retry == MR_TIME_UNKNOWN ? UINT64_MAX : ordered(msg->next_retry);
	default:
		return text_key(sort_text(snap, sort, m));
	}
}

/* --- sorting -------------------------------------------------------------------- */

/* A stable LSD radix sort of (key, row) pairs, 16 bits a pass; a pass
 * where every key has the same digit is skipped. */
static void radix_sort(uint64_t *keys, uint32_t *rows, size_t n) {
	uint64_t *keys2 = mr_xmalloc(n * sizeof(*keys2) + 1);
	uint32_t *rows2 = mr_xmalloc(n * sizeof(*rows2) + 1);
	size_t *count = mr_xmalloc(65536 * sizeof(*count));
	for (int shift = 0; shift < 64; shift += 16) {
		memset(count, 0, 65536 * sizeof(*count));
		for (size_t i = 0; i < n; i++) {
			count[(keys[i] >> shift) & 0xffff]++;
		}
		if (n == 0 || count[(keys[0] >> shift) & 0xffff] == n) {
			continue;
		}
		size_t at = 0;
		for (size_t d = 0; d < 65536; d++) {
			size_t c = count[d];
			count[d] = at;
			at += c;
		}
		for (size_t i = 0; i < n; i++) {
			size_t to = count[(keys[i] >> shift) & 0xffff]++;
			keys2[to] = keys[i];
			rows2[to] = rows[i];
		}
		memcpy(keys, keys2, n * sizeof(*keys));
		memcpy(rows, rows2, n * sizeof(*rows));
	}
	free(keys2);
	free(rows2);
	free(count);
}

/* For putting the rows whose first eight bytes tie in order of the rest. */
struct tie {
	const char *text;
	uint32_t row;
	uint32_t before; /* place before this sort: keeps ties as they were */
};

static int compare_ties(const void *a, const void *b) {
	const struct tie *x = a, *y = b;
	int c = strcasecmp(x->text, y->text);
	if (c != 0) {
		return c;
	}
	return x->before < y->before ? -1 : x->before > y->before;
}

static void reverse_ties(struct tie *t, size_t n) {
	for (size_t i = 0; i < n / 2; i++) {
		struct tie swap = t[i];
		t[i] = t[n - 1 - i];
		t[n - 1 - i] = swap;
	}
}

/* Descending texts, but equal texts still in their order before. */
static void reverse_texts(struct tie *ties, size_t n) {
	reverse_ties(ties, n);
	for (size_t start = 0; start < n;) {
		size_t end = start + 1;
		while (end < n && strcasecmp(ties[end].text, ties[start].text) == 0) {
			end++;
		}
		reverse_ties(ties + start, end - start);
		start = end;
	}
}

static void order_ties(struct mr_rows *r, const uint64_t *keys, const uint32_t *before) {
	struct tie *ties = NULL;
	size_t cap = 0;
	for (size_t start = 0; start < r->n_rows;) {
		size_t end = start + 1;
		while (end < r->n_rows && keys[end] == keys[start]) {
			end++;
		}
		size_t n = end - start;
		if (n > 1) {
			if (n > cap) {
				cap = n;
				ties = mr_xreallocarray(ties, cap, sizeof(*ties));
			}
			for (size_t i = 0; i < n; i++) {
				uint32_t m = r->rows[start + i];
				ties[i] = (struct tie){ sort_text(r->snap, r->sort, m), m,
					before[m] };
			}
			qsort(ties, n, sizeof(*ties), compare_ties);
			if (r->reverse) {
				reverse_texts(ties, n);
			}
			for (size_t i = 0; i < n; i++) {
				r->rows[start + i] = ties[i].row;
			}
		}
		start = end;
	}
	free(ties);
}

void mr_rows_sort(struct mr_rows *r, enum mr_sort sort, bool reverse) {
	r->sort = sort;
	r->reverse = reverse;
	size_t n = r->n_rows;
	if (n == 0) {
		return;
	}
	uint64_t *keys = mr_xmalloc(n * sizeof(*keys));
	for (size_t i = 0; i < n; i++) {
		uint64_t k = sort_key(r->snap, sort, r->rows[i]);
		keys[i] = reverse ? ~k : k;
	}
	uint32_t *before = NULL;
	if (is_text_sort(sort)) {
		before = mr_xmalloc(r->snap->n_messages * sizeof(*before));
		for (size_t i = 0; i < n; i++) {
			before[r->rows[i]] = (uint32_t)i;
		}
	}
	radix_sort(keys, r->rows, n);
	if (before != NULL) {
		order_ties(r, keys, before);
	}
	free(before);
	free(keys);
}

/* --- filtering ------------------------------------------------------------------ */

void mr_rows_set_filter(struct mr_rows *r, struct mr_filter *filter, int64_t now) {
	size_t n = r->snap->n_messages;
	free(r->match);
	r->match = mr_xmalloc(n ? n : 1);
	mr_filter_run(filter, r->snap, now, r->match);
	free(r->rows);
	r->rows = mr_xmalloc((n ? n : 1) * sizeof(*r->rows));
	r->n_rows = 0;
	for (size_t i = 0; i < n; i++) {
		if (r->match[r->by_id[i]]) {
			r->rows[r->n_rows++] = r->by_id[i];
		}
	}
	mr_rows_sort(r, r->sort, r->reverse);
}

/* Tags by id from the old snapshot to the new one; returns those lost. */
static size_t carry_tags(struct mr_rows *r, const struct mr_snapshot *old_snap,
	const uint8_t *old_tags, const struct mr_snapshot *snap) {
	r->tagged = mr_xcalloc(snap->n_messages ? snap->n_messages : 1, 1);
	r->n_tagged = 0;
	if (old_tags == NULL || old_snap == NULL) {
		return 0;
	}
	size_t wanted = 0;
	struct mr_strpool *ids = mr_strpool_create();
	struct mr_ptrmap index;
	mr_ptrmap_init(&index);
	for (size_t i = 0; i < old_snap->n_messages; i++) {
		if (old_tags[i]) {
			const char *id = old_snap->messages[i].id;
			mr_ptrmap_put(&index, mr_strpool_intern(ids, id, strlen(id)), 1);
			wanted++;
		}
	}
	for (size_t i = 0; wanted > 0 && i < snap->n_messages; i++) {
		const char *id = snap->messages[i].id;
		const char *known = mr_strpool_find(ids, id, strlen(id));
		if (known != NULL && mr_ptrmap_get(&index, known) == 1) {
			mr_ptrmap_put(&index, known, 2); /* listed twice: tagged once */
			r->tagged[i] = 1;
			r->n_tagged++;
		}
	}
	mr_ptrmap_finish(&index);
	mr_strpool_destroy(ids);
	return wanted - r->n_tagged;
}

size_t mr_rows_set_snapshot(
	struct mr_rows *r, const struct mr_snapshot *snap, struct mr_filter *filter, int64_t now) {
	uint8_t *old_tags = r->tagged;
	size_t lost = carry_tags(r, r->snap, r->n_tagged > 0 ? old_tags : NULL, snap);
	free(old_tags);
	r->snap = snap;
	/* Every message in order of id, once: each filter and sort starts there. */
	enum mr_sort sort = r->sort;
	bool reverse = r->reverse;
	free(r->rows);
	r->rows = mr_xmalloc((snap->n_messages ? snap->n_messages : 1) * sizeof(*r->rows));
	for (size_t i = 0; i < snap->n_messages; i++) {
		r->rows[i] = (uint32_t)i;
	}
	r->n_rows = snap->n_messages;
	mr_rows_sort(r, MR_SORT_ID, false);
	free(r->by_id);
	r->by_id = r->rows;
	r->rows = NULL;
	r->sort = sort;
	r->reverse = reverse;
	mr_rows_set_filter(r, filter, now);
	return lost;
}

size_t mr_rows_find(const struct mr_rows *r, uint32_t message) {
	for (size_t i = 0; i < r->n_rows; i++) {
		if (r->rows[i] == message) {
			return i;
		}
	}
	return r->n_rows;
}

/* --- tags ------------------------------------------------------------------------- */

void mr_rows_tag(struct mr_rows *r, uint32_t message, bool on) {
	if (message < r->snap->n_messages && r->tagged[message] != on) {
		r->tagged[message] = on;
		r->n_tagged += on ? 1 : (size_t)-1;
	}
}

void mr_rows_tag_shown(struct mr_rows *r) {
	for (size_t i = 0; i < r->n_rows; i++) {
		mr_rows_tag(r, r->rows[i], true);
	}
}

void mr_rows_invert_shown(struct mr_rows *r) {
	for (size_t i = 0; i < r->n_rows; i++) {
		mr_rows_tag(r, r->rows[i], !r->tagged[r->rows[i]]);
	}
}

void mr_rows_untag_all(struct mr_rows *r) {
	if (r->snap != NULL) {
		memset(r->tagged, 0, r->snap->n_messages);
	}
	r->n_tagged = 0;
}

const char **mr_rows_tagged_ids(const struct mr_rows *r, size_t *n) {
	const char **ids = mr_xcalloc(r->n_tagged + 1, sizeof(*ids));
	*n = 0;
	for (size_t i = 0; i < r->n_rows; i++) {
		if (r->tagged[r->rows[i]]) {
			ids[(*n)++] = r->snap->messages[r->rows[i]].id;
		}
	}
	for (size_t i = 0; i < r->snap->n_messages && *n < r->n_tagged; i++) {
		if (r->tagged[i] && !r->match[i]) {
			ids[(*n)++] = r->snap->messages[i].id;
		}
	}
	return ids;
}
