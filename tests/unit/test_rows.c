/* The list's rows: filter, every sort in both directions, tags across a
 * refresh. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "generate.h"
#include "harness.h"
#include "rows.h"
#include "xalloc.h"

enum { NOW = 1795435200 };

static struct mr_snapshot *generated(size_t count, uint64_t seed) {
	struct mr_gen_options o = { .seed = seed, .now = NOW };
	char *cause = NULL;
	struct mr_gen *gen = mr_gen_create(&o, &cause);
	if (gen == NULL) {
		mr_fatal("%s", cause);
	}
	struct mr_snapshot *snap = mr_snapshot_create();
	mr_gen_fill(gen, snap, count);
	mr_snapshot_finish(snap);
	mr_gen_destroy(gen);
	return snap;
}

/* How two messages compare under a sort, by the plain definition. */
static int reference(const struct mr_snapshot *snap, enum mr_sort sort, uint32_t a, uint32_t b) {
	const struct mr_message *x = &snap->messages[a], *y = &snap->messages[b];
	const char *sa = NULL, *sb = NULL;
	int64_t na = 0, nb = 0;
	switch (sort) {
	case MR_SORT_AGE:
		na = x->arrival, nb = y->arrival;
		break;
	case MR_SORT_ID:
		sa = x->id, sb = y->id;
		break;
	case MR_SORT_QUEUE:
		na = x->queue, nb = y->queue;
		break;
	case MR_SORT_SIZE:
		na = (int64_t)x->size, nb = (int64_t)y->size;
		break;
	case MR_SORT_SENDER:
		sa = x->sender, sb = y->sender;
		break;
	case MR_SORT_RECIPIENT:
		sa = x->n_rcpts ? mr_message_rcpt(snap, x, 0)->address : "";
		sb = y->n_rcpts ? mr_message_rcpt(snap, y, 0)->address : "";
		break;
	case MR_SORT_CAUSE: {
		const struct mr_recipient *fa = mr_message_main_failure(snap, x);
		const struct mr_recipient *fb = mr_message_main_failure(snap, y);
		const struct mr_diagnosis *da = fa ? mr_recipient_diagnosis(snap, fa) : NULL;
		const struct mr_diagnosis *db = fb ? mr_recipient_diagnosis(snap, fb) : NULL;
		na = da ? da->category + 1 : 0, nb = db ? db->category + 1 : 0;
		break;
	}
	case MR_SORT_ATTEMPTS:
		na = x->attempts, nb = y->attempts;
		break;
	case MR_SORT_LAST_ATTEMPT: /* longest untried first, never tried last */
		na = mr_message_last_attempt(snap, x), nb = mr_message_last_attempt(snap, y);
		na = na ? na : INT64_MAX, nb = nb ? nb : INT64_MAX;
		break;
	case MR_SORT_NEXT_RETRY:
		na = x->next_retry ? x->next_retry : INT64_MAX;
		nb = y->next_retry ? y->next_retry : INT64_MAX;
		break;
	case MR_SORT_PRIORITY: /* higher first, then those without one */
		na = x->flags & MR_MSG_HAS_PRIORITY ? -(int64_t)x->priority : INT64_MAX;
		nb = y->flags & MR_MSG_HAS_PRIORITY ? -(int64_t)y->priority : INT64_MAX;
		break;
	case MR_SORT_SOURCE:
		na = x->origin, nb = y->origin;
		break;
	default:
		break;
	}
	if (sa != NULL) {
		return strcasecmp(sa, sb);
	}
	return na < nb ? -1 : na > nb;
}

/* The generator gives priorities (-4 to 4, mostly 0) but not the flag that
 * says the source keeps them, which the SQLite reader sets: set it here on
 * most messages, leave it off some (as Postfix mail merged in), and put the
 * extremes of a signed 32-bit priority on a few. */
static void give_priorities(struct mr_snapshot *snap) {
	static const int32_t extremes[] = { INT32_MAX, INT32_MIN, INT32_MAX - 1, INT32_MIN + 1,
		-1000000, 1000000 };
	for (size_t i = 0; i < snap->n_messages; i++) {
		struct mr_message *m = &snap->messages[i];
		if (i % 11 == 3) {
			m->flags &= (uint8_t)~MR_MSG_HAS_PRIORITY;
			continue;
		}
		m->flags |= MR_MSG_HAS_PRIORITY;
		if (i % 101 == 7) {
			m->priority = extremes[(i / 101) % (sizeof(extremes) / sizeof(*extremes))];
		}
	}
}

static void test_sorts(void) {
	struct mr_snapshot *snap = generated(3000, 11);
	give_priorities(snap);
	struct mr_rows rows;
	mr_rows_init(&rows);
	mr_rows_set_snapshot(&rows, snap, NULL, NOW);
	T_INT(rows.n_rows, 3000, "every message shown without a filter");
	for (int s = 0; s < MR_SORT_COUNT; s++) {
		for (int reverse = 0; reverse < 2; reverse++) {
			/* From a known order (by id), so that ties can be checked. */
			mr_rows_sort(&rows, MR_SORT_ID, false);
			uint32_t *place = mr_xcalloc(snap->n_messages, sizeof(*place));
			for (size_t i = 0; i < rows.n_rows; i++) {
				place[rows.rows[i]] = (uint32_t)i;
			}
			mr_rows_sort(&rows, (enum mr_sort)s, reverse);
			size_t bad = 0;
			uint8_t *seen = mr_xcalloc(snap->n_messages, 1);
			for (size_t i = 0; i < rows.n_rows; i++) {
				seen[rows.rows[i]]++;
				if (i == 0) {
					continue;
				}
				uint32_t a = rows.rows[i - 1], b = rows.rows[i];
				int c = reference(snap, (enum mr_sort)s, a, b);
				c = reverse ? -c : c;
				bad += c > 0 || (c == 0 && place[a] > place[b]);
			}
			size_t once = 0;
			for (size_t i = 0; i < snap->n_messages; i++) {
				once += seen[i] == 1;
			}
			T_SIZE(bad, 0, "sort by %s%s: in order, ties as before",
				mr_sort_name((enum mr_sort)s), reverse ? ", reversed" : "");
			T_SIZE(once, 3000, "sort by %s%s: every message once",
				mr_sort_name((enum mr_sort)s), reverse ? ", reversed" : "");
			free(seen);
			free(place);
		}
	}
	static const struct {
		const char *name;
		int sort; /* -1: not a sort */
	} names[] = {
		{ "age", MR_SORT_AGE },
		{ "next-retry", MR_SORT_NEXT_RETRY },
		{ "last-attempt", MR_SORT_LAST_ATTEMPT },
		{ "priority", MR_SORT_PRIORITY },
		{ "source", MR_SORT_SOURCE },
		{ "prio", -1 }, /* the filter's short key is not a sort name */
		{ "nope", -1 },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		enum mr_sort back = MR_SORT_COUNT;
		bool found = mr_sort_parse(names[i].name, &back);
		T_INT(found ? (int)back : -1, names[i].sort, "sort name %s parses", names[i].name);
		if (found) {
			T_STR(mr_sort_name(back), names[i].name, "sort %d is named back",
				(int)back);
		}
	}
	mr_rows_finish(&rows);
	mr_snapshot_destroy(snap);
}

/* A message of the priority sample: "P" with its priority, "-" without one. */
struct prio_row {
	const char *id;
	const char *priority; /* NULL: the source keeps none */
	uint64_t size;
};

static struct mr_snapshot *priority_sample(void) {
	static const struct prio_row rows[] = {
		{ "A", "0", 50 },
		{ "B", "3", 40 },
		{ "C", NULL, 30 },
		{ "D", "-2", 20 },
		{ "E", "3", 10 },
		{ "F", "0", 60 },
		{ "G", NULL, 70 },
		{ "H", "2147483647", 80 },
		{ "I", "-2147483648", 5 },
	};
	struct mr_snapshot *snap = mr_snapshot_create();
	for (size_t i = 0; i < sizeof(rows) / sizeof(*rows); i++) {
		struct mr_message *m = mr_snapshot_add_message(snap, rows[i].id);
		m->arrival = NOW - 60;
		m->size = rows[i].size;
		if (rows[i].priority != NULL) {
			m->flags = MR_MSG_HAS_PRIORITY;
			m->priority = (int32_t)strtol(rows[i].priority, NULL, 10);
		}
	}
	mr_snapshot_finish(snap);
	return snap;
}

static char *row_ids(const struct mr_rows *rows) {
	struct mr_buf out;
	mr_buf_init(&out);
	for (size_t i = 0; i < rows->n_rows; i++) {
		mr_buf_add_str(&out, rows->snap->messages[rows->rows[i]].id);
	}
	return mr_buf_steal(&out);
}

/* Sorting by priority from a known order: highest first, those without a
 * priority last, ties (3, 0, none) in the order they had. */
static void test_priority_sort(void) {
	struct mr_snapshot *snap = priority_sample();
	static const struct {
		enum mr_sort before; /* the order the sort starts from */
		bool reverse;
		const char *want;
	} cases[] = {
		/* from the ids: B before E, A before F, C before G */
		{ MR_SORT_ID, false, "HBEAFDICG" },
		/* from smallest first: E (10) before B (40), A (50) before F (60) */
		{ MR_SORT_SIZE, false, "HEBAFDICG" },
		/* reversed: the exact reverse order, ties still as before */
		{ MR_SORT_ID, true, "CGIDAFBEH" },
		{ MR_SORT_SIZE, true, "CGIDAFEBH" },
	};
	struct mr_rows rows;
	mr_rows_init(&rows);
	mr_rows_set_snapshot(&rows, snap, NULL, NOW);
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		mr_rows_sort(&rows, cases[i].before, false);
		mr_rows_sort(&rows, MR_SORT_PRIORITY, cases[i].reverse);
		char *got = row_ids(&rows);
		T_STR(got, cases[i].want, "by priority%s after %s",
			cases[i].reverse ? ", reversed" : "", mr_sort_name(cases[i].before));
		free(got);
	}
	/* Under a filter, and with a filter that changes: the rows it keeps,
	 * in priority order. */
	struct mr_filter_error err;
	struct mr_filter *f = mr_filter_parse("-prio:0", mr_kb_default(), &err);
	mr_rows_sort(&rows, MR_SORT_ID, false);
	mr_rows_sort(&rows, MR_SORT_PRIORITY, false);
	mr_rows_set_filter(&rows, f, NOW);
	char *got = row_ids(&rows);
	T_STR(got, "HBEDICG", "by priority under -prio:0");
	free(got);
	mr_filter_free(f);
	/* Nothing with a priority (Postfix): the order stays as it was. */
	for (size_t i = 0; i < snap->n_messages; i++) {
		snap->messages[i].flags = 0;
	}
	mr_rows_set_filter(&rows, NULL, NOW);
	mr_rows_sort(&rows, MR_SORT_SIZE, false);
	mr_rows_sort(&rows, MR_SORT_PRIORITY, false);
	got = row_ids(&rows);
	T_STR(got, "IEDCBAFGH", "by priority with no priority known: as before (by size)");
	free(got);
	mr_rows_finish(&rows);
	mr_snapshot_destroy(snap);
}

static int by_string(const void *a, const void *b) {
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* ids sorted and joined by spaces, newly allocated. */
static char *sorted_ids(const char **ids, size_t n) {
	const char **copy = mr_xcalloc(n ? n : 1, sizeof(*copy));
	for (size_t i = 0; i < n; i++) {
		copy[i] = ids[i];
	}
	qsort(copy, n, sizeof(*copy), by_string);
	struct mr_buf out;
	mr_buf_init(&out);
	for (size_t i = 0; i < n; i++) {
		mr_buf_printf(&out, "%s%s", i ? " " : "", copy[i]);
	}
	free(copy);
	return mr_buf_steal(&out);
}

static void test_filter_and_tags(void) {
	struct mr_snapshot *snap = generated(2000, 12);
	struct mr_filter_error err;
	struct mr_filter *hold = mr_filter_parse("queue:hold", mr_kb_default(), &err);
	struct mr_rows rows;
	mr_rows_init(&rows);
	mr_rows_set_snapshot(&rows, snap, hold, NOW);
	size_t held = snap->queue_counts[MR_QUEUE_HOLD], right = 0;
	for (size_t i = 0; i < rows.n_rows; i++) {
		right += snap->messages[rows.rows[i]].queue == MR_QUEUE_HOLD;
	}
	T_OK(held > 0, "filter: the queue has held messages (%zu)", held);
	T_SIZE(rows.n_rows, held, "filter: as many rows as held messages");
	T_SIZE(right, held, "filter: every row a held message");
	mr_rows_tag_shown(&rows);
	T_INT(rows.n_tagged, held, "tag every shown row");
	mr_rows_set_filter(&rows, NULL, NOW);
	T_INT(rows.n_tagged, held, "tags stay when the filter changes");
	mr_rows_invert_shown(&rows);
	T_INT(rows.n_tagged, 2000 - held, "invert: every other message");
	mr_rows_untag_all(&rows);
	T_INT(rows.n_tagged, 0, "untag all");
	/* Tag three; a refresh where one of them is gone keeps two. */
	mr_rows_tag(&rows, rows.rows[0], true);
	mr_rows_tag(&rows, rows.rows[1], true);
	mr_rows_tag(&rows, rows.rows[2], true);
	mr_rows_tag(&rows, rows.rows[2], true); /* twice: counted once */
	char *gone = mr_xstrdup(snap->messages[rows.rows[1]].id);
	char *kept0 = mr_xstrdup(snap->messages[rows.rows[0]].id);
	char *kept2 = mr_xstrdup(snap->messages[rows.rows[2]].id);
	struct mr_snapshot *next = mr_snapshot_create();
	for (size_t i = 0; i < snap->n_messages; i++) {
		const struct mr_message *m = &snap->messages[i];
		if (strcmp(m->id, gone) != 0) {
			struct mr_message *c = mr_snapshot_add_message(next, m->id);
			c->arrival = m->arrival;
			c->queue = m->queue;
		}
	}
	mr_snapshot_finish(next);
	size_t lost = mr_rows_set_snapshot(&rows, next, NULL, NOW);
	mr_snapshot_destroy(snap);
	T_INT(lost, 1, "refresh: the tag of the message that left is dropped and counted");
	size_t n;
	const char **ids = mr_rows_tagged_ids(&rows, &n);
	T_SIZE(n, 2, "refresh: two tags left");
	/* In either order: compared sorted. */
	char *got_ids = sorted_ids(ids, n);
	const char *pair[] = { kept0, kept2 };
	char *want_ids = sorted_ids(pair, 2);
	T_STR(got_ids, want_ids, "refresh: the other tags follow their ids");
	free(got_ids);
	free(want_ids);
	free(ids);
	/* Tagged but filtered out: still acted on, listed after the shown. */
	struct mr_filter *none = mr_filter_parse("id:nosuchthing", mr_kb_default(), &err);
	mr_rows_set_filter(&rows, none, NOW);
	ids = mr_rows_tagged_ids(&rows, &n);
	T_SIZE(rows.n_rows, 0, "a filter that matches nothing: no rows");
	T_SIZE(n, 2, "tagged ids include the hidden ones");
	free(ids);
	free(gone);
	free(kept0);
	free(kept2);
	mr_filter_free(hold);
	mr_filter_free(none);
	mr_rows_finish(&rows);
	mr_snapshot_destroy(next);
}

static bool stop_at_once(void *ctx) {
	(*(size_t *)ctx)++;
	return true;
}

/* A filter run the screen stops (Esc), or that fails: no rows, the tags
 * kept, and the filter before brings its rows back. */
static void test_filter_stopped(void) {
	struct mr_snapshot *snap = generated(2000, 13);
	struct mr_filter_error err;
	struct mr_filter *hold = mr_filter_parse("queue:hold", mr_kb_default(), &err);
	struct mr_filter *deferred = mr_filter_parse("queue:deferred", mr_kb_default(), &err);
	struct mr_rows rows;
	mr_rows_init(&rows);
	mr_rows_set_snapshot(&rows, snap, hold, NOW);
	size_t held = rows.n_rows;
	mr_rows_tag_shown(&rows);
	size_t asked = 0;
	struct mr_filter_run_opts opts = { stop_at_once, &asked };
	enum mr_filter_status status = mr_rows_set_filter_with(&rows, deferred, NOW, &opts);
	T_INT(status, MR_FILTER_CANCELLED, "a filter stopped at the first question: cancelled");
	T_SIZE(rows.n_rows, 0, "cancelled: no rows");
	T_SIZE(asked, 1, "cancelled: asked once");
	T_SIZE(rows.n_tagged, held, "cancelled: the tags kept");
	status = mr_rows_set_filter_with(&rows, hold, NOW, NULL);
	T_INT(status, MR_FILTER_DONE, "the filter before, again: done");
	T_SIZE(rows.n_rows, held, "the filter before, again: its rows");
	T_OK(held > 0, "the filter before shows some rows (%zu)", held);
	mr_rows_finish(&rows);
	mr_filter_free(hold);
	mr_filter_free(deferred);
	mr_snapshot_destroy(snap);
}

int main(void) {
	test_filter_stopped();
	test_sorts();
	test_priority_sort();
	test_filter_and_tags();
	return t_done();
}
