#include "rows.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bigmem.h"
#include "parallel.h"
#include "ptrmap.h"
#include "strpool.h"
#include "xalloc.h"

static const char *const sort_names[MR_SORT_COUNT] = { "age", "id", "queue", "size", "sender",
	"recipient", "cause", "attempts", "last-attempt", "next-retry", "priority", "source" };

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

static void scratch_free(struct mr_rows_scratch *s) {
	mr_big_free(s->keys, s->cap * sizeof(*s->keys));
	mr_big_free(s->keys2, s->cap * sizeof(*s->keys2));
	mr_big_free(s->by_msg, s->cap * sizeof(*s->by_msg));
	mr_big_free(s->rows2, s->cap * sizeof(*s->rows2));
	*s = (struct mr_rows_scratch){ 0 };
}

/* The scratch buffers and rows/match arrays for n messages. */
static void scratch_reserve(struct mr_rows *r, size_t n) {
	struct mr_rows_scratch *s = &r->scratch;
	if (n <= s->cap && s->keys != NULL) {
		return;
	}
	scratch_free(s);
	s->cap = n ? n : 1;
	s->keys = mr_big_alloc(s->cap * sizeof(*s->keys));
	s->keys2 = mr_big_alloc(s->cap * sizeof(*s->keys2));
	s->by_msg = mr_big_alloc(s->cap * sizeof(*s->by_msg));
	s->rows2 = mr_big_alloc(s->cap * sizeof(*s->rows2));
	free(r->match);
	free(r->rows);
	r->match = mr_xmalloc(s->cap);
	r->rows = mr_xmalloc(s->cap * sizeof(*r->rows));
}

void mr_rows_finish(struct mr_rows *r) {
	scratch_free(&r->scratch);
	free(r->rows);
	free(r->by_id);
	free(r->match);
	free(r->tagged);
	for (int c = 0; c < 3; c++) {
		free(r->text_rank[c]);
	}
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

/* The text columns' ranks are kept in this order (mr_rows.text_rank). */
static int text_column(enum mr_sort sort) {
	return sort == MR_SORT_ID ? 0 : sort == MR_SORT_SENDER ? 1 : 2;
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

/*
 * Highest priority first, as the queue sends it: the key is the distance
 * below INT32_MAX, 0 to 2^32 - 1. Without a priority (Postfix mail among
 * SQLite's) the key is 2^32, after every priority; not UINT64_MAX, so that
 * the radix sort still has only 33 bits to sort.
 */
static uint64_t priority_key(const struct mr_message *msg) {
	if (!(msg->flags & MR_MSG_HAS_PRIORITY)) {
		return UINT64_C(1) << 32;
	}
	return (uint64_t)((int64_t)INT32_MAX - msg->priority);
}

static uint64_t sort_key(const struct mr_rows *r, enum mr_sort sort, uint32_t m) {
	const struct mr_snapshot *snap = r->snap;
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
	case MR_SORT_LAST_ATTEMPT: {
		/* The one not tried for longest first: a message the queue
		 * manager seems to have forgotten stands out. */
		int64_t last = mr_message_last_attempt(snap, msg);
		return last == MR_TIME_UNKNOWN ? UINT64_MAX : ordered(last);
	}
	case MR_SORT_SOURCE:
		return msg->origin;
	case MR_SORT_NEXT_RETRY:
		/* Unknown last: it is not due as far as anyone knows. */
		return msg->next_retry == MR_TIME_UNKNOWN ? UINT64_MAX : ordered(msg->next_retry);
	case MR_SORT_PRIORITY:
		return priority_key(msg);
	default: /* a text column: its rank, worked out with the snapshot */
		return r->text_rank[text_column(sort)][m];
	}
}

/* --- sorting -------------------------------------------------------------------- */

enum { DIGIT_BITS = 11, DIGITS = 1 << DIGIT_BITS };

/*
 * A stable LSD radix sort of (key, row) pairs. Keys are first made relative
 * to the smallest, so only the bits in which they differ are sorted, 11 at
 * a time: few passes, and each scatters into few enough places to stay in
 * the caches.
 */
static void radix_sort(uint64_t *keys, uint32_t *rows, size_t n, uint64_t *keys2, uint32_t *rows2) {
	if (n < 2) {
		return;
	}
	uint64_t lo = keys[0], hi = keys[0];
	for (size_t i = 1; i < n; i++) {
		lo = keys[i] < lo ? keys[i] : lo;
		hi = keys[i] > hi ? keys[i] : hi;
	}
	int bits = 0;
	for (uint64_t span = hi - lo; span != 0; span >>= 1) {
		bits++;
	}
	if (bits == 0) {
		return;
	}
	for (size_t i = 0; i < n; i++) {
		keys[i] -= lo;
	}
	uint64_t *from_k = keys, *to_k = keys2;
	uint32_t *from_r = rows, *to_r = rows2;
	size_t count[DIGITS];
	for (int shift = 0; shift < bits; shift += DIGIT_BITS) {
		memset(count, 0, sizeof(count));
		for (size_t i = 0; i < n; i++) {
			count[(from_k[i] >> shift) & (DIGITS - 1)]++;
		}
		size_t at = 0;
		for (size_t d = 0; d < DIGITS; d++) {
			size_t c = count[d];
			count[d] = at;
			at += c;
		}
		for (size_t i = 0; i < n; i++) {
			size_t to = count[(from_k[i] >> shift) & (DIGITS - 1)]++;
			to_k[to] = from_k[i];
			to_r[to] = from_r[i];
		}
		uint64_t *swap_k = from_k;
		from_k = to_k;
		to_k = swap_k;
		uint32_t *swap_r = from_r;
		from_r = to_r;
		to_r = swap_r;
	}
	if (from_r != rows) {
		memcpy(rows, from_r, n * sizeof(*rows));
	}
}

/* radix_sort with buffers of its own, for the sorts done once per snapshot. */
static void radix_sort_once(uint64_t *keys, uint32_t *rows, size_t n) {
	uint64_t *keys2 = mr_xmalloc((n ? n : 1) * sizeof(*keys2));
	uint32_t *rows2 = mr_xmalloc((n ? n : 1) * sizeof(*rows2));
	radix_sort(keys, rows, n, keys2, rows2);
	free(keys2);
	free(rows2);
}

struct distinct_text {
	const char *text;
	uint32_t index; /* into the column's distinct texts */
};

static int compare_texts(const void *a, const void *b) {
	const struct distinct_text *x = a, *y = b;
	int c = strcasecmp(x->text, y->text);
	return c != 0 ? c : strcmp(x->text, y->text);
}

/*
 * Every message's rank among the distinct texts of a column, case ignored
 * (texts equal but for case share a rank): sorting by the column is then
 * sorting numbers. Texts are interned, so the distinct ones are the
 * distinct pointers; they are put in order by their first eight bytes and
 * then, among those that tie, by the whole text.
 */
static uint32_t *rank_texts(const struct mr_snapshot *snap, enum mr_sort sort) {
	size_t n = snap->n_messages;
	struct mr_ptrmap distinct;
	mr_ptrmap_init(&distinct);
	const char **texts = mr_xmalloc((n + 1) * sizeof(*texts));
	uint32_t *which = mr_xmalloc((n + 1) * sizeof(*which));
	size_t n_texts = 0;
	for (size_t m = 0; m < n; m++) {
		const char *t = sort_text(snap, sort, (uint32_t)m);
		uint32_t k = sort == MR_SORT_ID ? UINT32_MAX : mr_ptrmap_get(&distinct, t);
		if (k == UINT32_MAX) {
			k = (uint32_t)n_texts;
			texts[n_texts++] = t;
			if (sort != MR_SORT_ID) {
				mr_ptrmap_put(&distinct, t, k);
			}
		}
		which[m] = k;
	}
	mr_ptrmap_finish(&distinct);
	uint64_t *keys = mr_xmalloc((n_texts + 1) * sizeof(*keys));
	uint32_t *order = mr_xmalloc((n_texts + 1) * sizeof(*order));
	for (size_t i = 0; i < n_texts; i++) {
		keys[i] = text_key(texts[i]);
		order[i] = (uint32_t)i;
	}
	radix_sort_once(keys, order, n_texts);
	/* radix_sort made keys relative; equal ones are still equal. Put the
	 * texts of each run of equal prefixes in order of the whole text. */
	struct distinct_text *run = NULL;
	size_t run_cap = 0;
	uint32_t *rank = mr_xmalloc((n_texts + 1) * sizeof(*rank));
	uint32_t next = 0;
	for (size_t start = 0; start < n_texts;) {
		size_t end = start + 1;
		while (end < n_texts && keys[end] == keys[start]) {
			end++;
		}
		if (end - start > run_cap) {
			run_cap = end - start;
			run = mr_xreallocarray(run, run_cap, sizeof(*run));
		}
		for (size_t i = start; i < end; i++) {
			run[i - start] = (struct distinct_text){ texts[order[i]], order[i] };
		}
		if (end - start > 1) {
			qsort(run, end - start, sizeof(*run), compare_texts);
		}
		/* Texts of different prefixes differ, case ignored: only
		 * within a run is a text read again to compare it (on a
		 * million distinct ids, a million reads scattered over the
		 * pool saved). */
		const char *previous = NULL;
		for (size_t i = 0; i < end - start; i++) {
			if (previous == NULL || strcasecmp(previous, run[i].text) != 0) {
				next++;
			}
			previous = run[i].text;
			rank[run[i].index] = next;
		}
		start = end;
	}
	uint32_t *by_msg = mr_xmalloc((n + 1) * sizeof(*by_msg));
	for (size_t m = 0; m < n; m++) {
		by_msg[m] = rank[which[m]];
	}
	free(run);
	free(rank);
	free(keys);
	free(order);
	free(which);
	free(texts);
	return by_msg;
}

void mr_rows_sort(struct mr_rows *r, enum mr_sort sort, bool reverse) {
	r->sort = sort;
	r->reverse = reverse;
	size_t n = r->n_rows;
	if (n == 0) {
		return;
	}
	/* Keys are taken in message order (the arrays are read straight
	 * through), then gathered in row order. */
	size_t n_messages = r->snap->n_messages;
	struct mr_rows_scratch *s = &r->scratch;
	for (size_t m = 0; m < n_messages; m++) {
		s->by_msg[m] = sort_key(r, sort, (uint32_t)m);
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t k = s->by_msg[r->rows[i]];
		s->keys[i] = reverse ? ~k : k;
	}
	radix_sort(s->keys, r->rows, n, s->keys2, s->rows2);
}

/* --- filtering ------------------------------------------------------------------ */

void mr_rows_set_filter(struct mr_rows *r, struct mr_filter *filter, int64_t now) {
	mr_rows_set_filter_with(r, filter, now, NULL);
}

enum mr_filter_status mr_rows_set_filter_with(struct mr_rows *r, struct mr_filter *filter,
	int64_t now, const struct mr_filter_run_opts *opts) {
	size_t n = r->snap->n_messages;
	scratch_reserve(r, n);
	/* A run that did not finish sets every byte to 0: no rows. */
	enum mr_filter_status status =
		mr_filter_run_with(filter, r->snap, now, r->match, NULL, opts, NULL, NULL);
	r->n_rows = 0;
	for (size_t i = 0; i < n; i++) {
		if (r->match[r->by_id[i]]) {
			r->rows[r->n_rows++] = r->by_id[i];
		}
	}
	mr_rows_sort(r, r->sort, r->reverse);
	return status;
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

/* The three text columns, ranked on two cores at once: a million ids and
 * a million recipients take about as long as each other, and the senders
 * (few) little; ranking only reads the snapshot. */
struct rank_job {
	const struct mr_snapshot *snap;
	uint32_t **ranks; /* the three of mr_rows.text_rank */
};

static void rank_columns(void *ctx, size_t thread, size_t from, size_t to) {
	static const enum mr_sort columns[3] = { MR_SORT_ID, MR_SORT_SENDER, MR_SORT_RECIPIENT };
	(void)thread;
	struct rank_job *job = ctx;
	for (size_t c = from; c < to; c++) {
		job->ranks[c] = rank_texts(job->snap, columns[c]);
	}
}

void mr_rows_rank(const struct mr_snapshot *snap, struct mr_rows_ranks *out) {
	/* The text columns ranked once per snapshot; every filter and sort
	 * starts from the order of the ids. */
	struct rank_job job = { snap, out->text_rank };
	mr_parallel_for(3, 1, rank_columns, &job);
	/* The distinct domains and senders that filters decide by, built now
	 * with the ranks rather than at the first keystroke that needs them. */
	mr_snapshot_rcpt_domains(snap);
	mr_snapshot_senders(snap);
	size_t n = snap->n_messages;
	out->by_id = mr_xmalloc((n ? n : 1) * sizeof(*out->by_id));
	uint64_t *keys = mr_xmalloc((n ? n : 1) * sizeof(*keys));
	for (size_t i = 0; i < n; i++) {
		out->by_id[i] = (uint32_t)i;
		keys[i] = out->text_rank[0][i];
	}
	radix_sort_once(keys, out->by_id, n);
	free(keys);
}

void mr_rows_ranks_free(struct mr_rows_ranks *ranks) {
	for (int c = 0; c < 3; c++) {
		free(ranks->text_rank[c]);
	}
	free(ranks->by_id);
	*ranks = (struct mr_rows_ranks){ 0 };
}

size_t mr_rows_set_ranked(struct mr_rows *r, const struct mr_snapshot *snap,
	struct mr_rows_ranks *ranks, struct mr_filter *filter, int64_t now) {
	uint8_t *old_tags = r->tagged;
	size_t lost = carry_tags(r, r->snap, r->n_tagged > 0 ? old_tags : NULL, snap);
	free(old_tags);
	r->snap = snap;
	for (int c = 0; c < 3; c++) {
		free(r->text_rank[c]);
		r->text_rank[c] = ranks->text_rank[c];
	}
	free(r->by_id);
	r->by_id = ranks->by_id;
	*ranks = (struct mr_rows_ranks){ 0 };
	mr_rows_set_filter(r, filter, now);
	return lost;
}

size_t mr_rows_set_snapshot(
	struct mr_rows *r, const struct mr_snapshot *snap, struct mr_filter *filter, int64_t now) {
	struct mr_rows_ranks ranks;
	mr_rows_rank(snap, &ranks);
	return mr_rows_set_ranked(r, snap, &ranks, filter, now);
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
