/* The queue generator: deterministic, unique ids, the intended mix. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "generate.h"
#include "harness.h"
#include "strpool.h"

enum { NOW = 1795435200, N = 20000 };

static struct mr_snapshot *generate(uint64_t seed, size_t n, bool long_ids) {
	struct mr_gen_options o = { .seed = seed, .now = NOW, .long_ids = long_ids };
	char *cause = NULL;
	struct mr_gen *gen = mr_gen_create(&o, &cause);
	if (gen == NULL) {
		t_note("generator: %s", cause);
		exit(99);
	}
	struct mr_snapshot *snap = mr_snapshot_create();
	/* In uneven batches: the sequence must not depend on them. */
	size_t done = 0;
	for (size_t batch = 1; done < n; batch = batch * 3 + 1) {
		size_t k = batch < n - done ? batch : n - done;
		mr_gen_fill(gen, snap, k);
		done += k;
	}
	mr_snapshot_finish(snap);
	mr_gen_destroy(gen);
	return snap;
}

/* Whether two queues are the same, message by message; why says where the
 * first difference is ("" when none). */
static bool same_snapshots(
	const struct mr_snapshot *a, const struct mr_snapshot *b, char *why, size_t size) {
	snprintf(why, size, "%s", "");
	if (a->n_messages != b->n_messages || a->n_recipients != b->n_recipients) {
		snprintf(why, size, "%zu messages and %zu recipients, against %zu and %zu",
			a->n_messages, a->n_recipients, b->n_messages, b->n_recipients);
		return false;
	}
	for (size_t i = 0; i < a->n_messages; i++) {
		const struct mr_message *x = &a->messages[i], *y = &b->messages[i];
		if (strcmp(x->id, y->id) || strcmp(x->sender, y->sender) ||
			x->arrival != y->arrival || x->size != y->size || x->queue != y->queue ||
			x->n_rcpts != y->n_rcpts) {
			snprintf(why, size, "message %zu: %s against %s", i, x->id, y->id);
			return false;
		}
		for (uint32_t r = 0; r < x->n_rcpts; r++) {
			const struct mr_recipient *p = mr_message_rcpt(a, x, r),
						  *q = mr_message_rcpt(b, y, r);
			const char *pr = t_text(p->reason), *qr = t_text(q->reason);
			if (strcmp(p->address, q->address) || (pr == NULL) != (qr == NULL) ||
				(pr && strcmp(pr, qr))) {
				snprintf(why, size, "message %s, recipient %u: %s against %s",
					x->id, (unsigned)r, p->address, q->address);
				return false;
			}
		}
	}
	return true;
}

static void test_deterministic(void) {
	struct mr_snapshot *a = generate(7, 2000, false);
	struct mr_snapshot *b = generate(7, 2000, false);
	struct mr_snapshot *c = generate(8, 2000, false);
	struct mr_snapshot *prefix = generate(7, 500, false);
	char why[256];
	T_TRUE(same_snapshots(a, b, why, sizeof(why)), why, "same options, same queue");
	T_OK(!same_snapshots(a, c, why, sizeof(why)), "another seed, another queue");
	/* The first 500 of 2000 are the 500-message queue. */
	a->n_messages = 500;
	a->n_recipients = prefix->n_recipients;
	T_TRUE(same_snapshots(a, prefix, why, sizeof(why)), why,
		"a prefix of a larger queue is the smaller queue");
	mr_snapshot_destroy(a);
	mr_snapshot_destroy(b);
	mr_snapshot_destroy(c);
	mr_snapshot_destroy(prefix);
}

static void test_ids(bool long_ids) {
	struct mr_snapshot *snap = generate(42, N, long_ids);
	struct mr_strpool *seen = mr_strpool_create();
	size_t invalid = 0, wrong_length = 0;
	for (size_t i = 0; i < snap->n_messages; i++) {
		const char *id = snap->messages[i].id;
		invalid += !mr_queue_id_valid(id);
		wrong_length += strlen(id) != (long_ids ? 15u : 11u);
		mr_strpool_intern(seen, id, strlen(id));
	}
	T_SIZE(invalid, 0, "%s ids: valid", long_ids ? "long" : "short");
	T_SIZE(wrong_length, 0, "%s ids: of Postfix's length", long_ids ? "long" : "short");
	T_INT(mr_strpool_distinct(seen), N, "%s ids: %d distinct", long_ids ? "long" : "short", N);
	mr_strpool_destroy(seen);
	mr_snapshot_destroy(snap);
}

static bool between(double v, double lo, double hi) {
	return v >= lo && v <= hi;
}

static void test_mix(void) {
	struct mr_snapshot *snap = generate(20261123, N, false);
	double deferred = (double)snap->queue_counts[MR_QUEUE_DEFERRED] / N;
	double bounced = (double)snap->queue_counts[MR_QUEUE_BOUNCED] / N;
	double hold = (double)snap->queue_counts[MR_QUEUE_HOLD] / N;
	double active = (double)snap->queue_counts[MR_QUEUE_ACTIVE] / N;
	t_note("deferred %.3f bounced %.3f hold %.3f active %.3f", deferred, bounced, hold, active);
	T_OK(between(deferred, 0.59, 0.65), "mix: about 62%% deferred (%.3f)", deferred);
	T_OK(between(bounced, 0.14, 0.18), "mix: about 16%% bounced (%.3f)", bounced);
	T_OK(between(hold, 0.08, 0.12), "mix: about 10%% held (%.3f)", hold);
	T_OK(between(active, 0.065, 0.095), "mix: about 8%% active (%.3f)", active);

	size_t multi = 0, deferred_without_reason = 0, bounced_state = 0, bounced_reason = 0;
	size_t bounced_total = 0;
	size_t unexpanded = 0, null_senders = 0, over_lifetime = 0, future = 0, duplicates = 0;
	size_t held_with_retry = 0;
	for (size_t i = 0; i < snap->n_messages; i++) {
		const struct mr_message *m = &snap->messages[i];
		multi += m->n_rcpts > 1;
		null_senders += *m->sender == '\0';
		over_lifetime += NOW - m->arrival > 5 * 86400;
		future += m->arrival > NOW;
		held_with_retry += m->queue == MR_QUEUE_HOLD && m->next_retry != MR_TIME_UNKNOWN;
		for (uint32_t r = 0; r < m->n_rcpts; r++) {
			const struct mr_recipient *rc = mr_message_rcpt(snap, m, r);
			for (uint32_t o = 0; o < r; o++) {
				duplicates += strcmp(mr_message_rcpt(snap, m, o)->address,
						      rc->address) == 0;
			}
			if (m->queue == MR_QUEUE_DEFERRED && rc->reason == NULL) {
				deferred_without_reason++;
			}
			if (m->queue == MR_QUEUE_BOUNCED) {
				bounced_total++;
				bounced_state += rc->state == MR_RCPT_BOUNCED;
				bounced_reason += rc->reason != NULL;
			}
			const char *reason = t_text(rc->reason);
			if (reason != NULL && (strstr(reason, "{mx}") || strstr(reason, "{ip}") ||
						      strstr(reason, "{rcpt}") ||
						      strstr(reason, "{client_ip}"))) {
				unexpanded++;
			}
		}
	}
	T_OK(between((double)multi / N, 0.15, 0.30), "mix: a fifth have several recipients (%.3f)",
		(double)multi / N);
	T_INT(duplicates, 0, "no message lists a recipient twice");
	T_INT(held_with_retry, 0, "held mail has no next retry");
	T_INT(deferred_without_reason, 0, "every deferred recipient has a reason");
	T_INT(bounced_state, bounced_total, "every bounced recipient is bounced");
	T_INT(bounced_reason, bounced_total, "every bounced recipient has a reason");
	T_INT(unexpanded, 0, "no placeholder left in a reason");
	T_OK(null_senders > 0, "some bounces stuck in the queue (null sender: %zu)", null_senders);
	T_INT(over_lifetime, 0, "nothing older than the queue lifetime");
	T_INT(future, 0, "nothing from the future");
	/* Real queues repeat a reason thousands of times; so does this one. */
	struct mr_strpool *reasons = mr_strpool_create();
	size_t with_reason = 0;
	for (size_t i = 0; i < snap->n_recipients; i++) {
		const char *reason = t_text(snap->recipients[i].reason);
		if (reason != NULL) {
			with_reason++;
			mr_strpool_intern(reasons, reason, strlen(reason));
		}
	}
	t_note("%zu reasons, %zu distinct", with_reason, mr_strpool_distinct(reasons));
	T_OK(mr_strpool_distinct(reasons) * 2 < with_reason,
		"reason texts repeat (%zu distinct of %zu)", mr_strpool_distinct(reasons),
		with_reason);
	T_INT(mr_textpool_distinct(snap->reasons), mr_strpool_distinct(reasons),
		"the snapshot keeps each distinct reason once");
	mr_strpool_destroy(reasons);
	mr_snapshot_destroy(snap);
}

static void test_content(void) {
	struct mr_gen_options o = { .seed = 1, .now = NOW };
	struct mr_gen *gen = mr_gen_create(&o, NULL);
	struct mr_snapshot *snap = mr_snapshot_create();
	mr_gen_fill(gen, snap, 50);
	struct mr_buf h, b;
	mr_buf_init(&h);
	mr_buf_init(&b);
	const struct mr_message *m = &snap->messages[0];
	mr_gen_content(gen, snap, m, &h, &b);
	T_HAS(h.data, "Subject: ", "content: has Subject");
	T_HAS(h.data, "Message-ID: <", "content: has Message-ID");
	T_HAS(h.data, m->id, "content: Received names the queue id");
	T_OK(b.len > 0, "content: has a body (%zu bytes)", b.len);

	mr_buf_finish(&h);
	mr_buf_finish(&b);
	mr_snapshot_destroy(snap);
	mr_gen_destroy(gen);
}

int main(void) {
	test_deterministic();
	test_ids(false);
	test_ids(true);
	test_mix();
	test_content();
	return t_done();
}
