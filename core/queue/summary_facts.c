#include "summary_facts.h"

#include <stdlib.h>
#include <string.h>

#include "bigmem.h"
#include "xalloc.h"

const int mr_summary_age_minutes[MR_SUMMARY_AGES] = { 0, 5, 10, 20, 40, 80, 160, 320, 640, 1280 };

size_t mr_summary_age_column(int64_t now, int64_t arrival) {
	int64_t minutes = (now - arrival) / 60;
	size_t c = 0;
	while (c + 1 < MR_SUMMARY_AGES && minutes >= mr_summary_age_minutes[c + 1]) {
		c++;
	}
	return c;
}

void mr_summary_facts_init(
	struct mr_summary_facts *f, unsigned counted_queues, int64_t now, const struct mr_kb *kb) {
	*f = (struct mr_summary_facts){ .counted_queues = counted_queues, .now = now, .kb = kb };
	f->keys = mr_strpool_create();
	f->texts = mr_strpool_create();
	f->reasons = mr_textpool_create(f->texts);
	mr_ptrmap_init(&f->sender_index);
	mr_ptrmap_init(&f->recipient_index);
}

/* What early decoding did: *n diagnoses in an array of *cap (NULL, 0, 0
 * without it). */
static struct mr_diagnosis *take_early(struct mr_summary_facts *f, size_t *n, size_t *cap) {
	*n = *cap = 0;
	if (f->early == NULL) {
		return NULL;
	}
	struct mr_diagnosis *done = mr_early_decoder_finish(f->early, n, cap);
	f->early = NULL;
	return done;
}

struct mr_diagnosis *mr_summary_facts_decode(
	struct mr_summary_facts *f, const struct mr_kb *kb, size_t *cap) {
	size_t done;
	struct mr_diagnosis *d = take_early(f, &done, cap);
	if (kb != f->kb) {
		done = 0; /* decoded with another knowledge base */
	}
	size_t n = mr_textpool_distinct(f->reasons);
	if (n + 1 > *cap) {
		d = mr_big_grow(d, *cap * sizeof(*d), (n + 1) * sizeof(*d));
		*cap = n + 1;
	}
	if (done < n) {
		mr_decode_texts(kb, mr_textpool_texts(f->reasons) + done, d + done, n - done);
	}
	return d;
}

void mr_summary_facts_finish(struct mr_summary_facts *f) {
	size_t n, cap;
	struct mr_diagnosis *early = take_early(f, &n, &cap);
	mr_big_free(early, cap * sizeof(*early));
	free(f->senders);
	free(f->recipients);
	free(f->reason_weights);
	mr_ptrmap_finish(&f->sender_index);
	mr_ptrmap_finish(&f->recipient_index);
	mr_textpool_destroy(f->reasons);
	mr_strpool_destroy(f->texts);
	mr_strpool_destroy(f->keys);
}

static void weigh(const struct mr_summary_facts *f, struct mr_summary_weight *w) {
	w->count++;
	if (f->known_age) {
		w->ages[f->column]++;
	}
}

/* The part of an address its domain is found in (summary_facts.h): few
 * distinct ones where addresses are many. */
static void key_of(const char *address, size_t len, const char **key, size_t *key_len) {
	size_t at = len;
	while (at > 0 && address[at - 1] != '@') {
		at--;
	}
	*key = at > 0 ? address + at - 1 : address;
	*key_len = len - (size_t)(*key - address);
}

/* The fact filed under the key of address, made when new. */
static struct mr_summary_fact *fact(struct mr_summary_facts *f, struct mr_ptrmap *index,
	struct mr_summary_fact **facts, size_t *n, size_t *cap, const char *address, size_t len) {
	const char *key;
	size_t key_len;
	key_of(address, len, &key, &key_len);
	const char *k = mr_strpool_intern(f->keys, key, key_len);
	uint32_t i = mr_ptrmap_get(index, k);
	if (i == UINT32_MAX) {
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 64;
			*facts = mr_xreallocarray(*facts, *cap, sizeof(**facts));
		}
		i = (uint32_t)(*n)++;
		(*facts)[i] = (struct mr_summary_fact){ .key = k };
		mr_ptrmap_put(index, k, i);
	}
	return &(*facts)[i];
}

void mr_summary_facts_message(struct mr_summary_facts *f, enum mr_queue queue, bool forced_expire,
	int64_t arrival, const char *sender, size_t sender_len) {
	f->queue = (uint8_t)queue;
	f->queue_messages[queue]++;
	f->counting = (f->counted_queues & MR_SUMMARY_QUEUE_BIT(queue)) != 0;
	if (!f->counting) {
		return;
	}
	/* The state as a listed message's, by the same rule. */
	struct mr_message msg = { .queue = (uint8_t)queue,
		.flags = forced_expire ? MR_MSG_FORCED_EXPIRE : 0 };
	f->expiring += mr_message_state(&msg) == MR_STATE_EXPIRING;
	f->known_age = arrival != MR_TIME_UNKNOWN;
	f->column = f->known_age ? mr_summary_age_column(f->now, arrival) : 0;
	weigh(f, &fact(f, &f->sender_index, &f->senders, &f->n_senders, &f->cap_senders, sender,
			 sender_len)
			  ->weight);
}

/* The weights of the reason text, which is fed whether counted or not:
 * rows of reasons are labelled by the first text of theirs listed. */
static struct mr_summary_weight *reason_weight(
	struct mr_summary_facts *f, const char *reason, size_t len) {
	const struct mr_text *t = mr_textpool_intern(f->reasons, reason, len);
	uint32_t index = t->index;
	if (index == f->early_next && f->kb != NULL) {
		/* a new text: decoded now, on another core, if there is one */
		if (index == 0) {
			f->early = mr_early_decoder_start(f->kb);
		}
		if (f->early != NULL) {
			mr_early_decoder_add(f->early, t);
			f->early_next++;
		}
	}
	if (index >= f->cap_reason_weights) {
		size_t cap = f->cap_reason_weights ? f->cap_reason_weights * 2 : 256;
		f->reason_weights =
			mr_xreallocarray(f->reason_weights, cap, sizeof(*f->reason_weights));
		memset(f->reason_weights + f->cap_reason_weights, 0,
			(cap - f->cap_reason_weights) * sizeof(*f->reason_weights));
		f->cap_reason_weights = cap;
	}
	return &f->reason_weights[index];
}

void mr_summary_facts_recipient(struct mr_summary_facts *f, const char *address, size_t address_len,
	enum mr_rcpt_state state, const char *reason, size_t reason_len) {
	f->queue_recipients[f->queue]++;
	struct mr_summary_weight *w = reason ? reason_weight(f, reason, reason_len) : NULL;
	if (!f->counting || !mr_summary_rcpt_queued(state, (enum mr_queue)f->queue)) {
		return;
	}
	weigh(f, &fact(f, &f->recipient_index, &f->recipients, &f->n_recipients, &f->cap_recipients,
			 address, address_len)
			  ->weight);
	if (w != NULL) {
		weigh(f, w);
	}
}

void mr_summary_facts_batch(struct mr_summary_facts *f, const struct mr_snapshot *batch) {
	struct mr_buf scratch;
	mr_buf_init(&scratch);
	for (size_t i = 0; i < batch->n_messages; i++) {
		const struct mr_message *msg = &batch->messages[i];
		const char *sender = msg->sender != NULL ? msg->sender : "";
		mr_summary_facts_message(f, (enum mr_queue)msg->queue,
			(msg->flags & MR_MSG_FORCED_EXPIRE) != 0, msg->arrival, sender,
			strlen(sender));
		for (uint32_t k = 0; k < msg->n_rcpts; k++) {
			const struct mr_recipient *r = mr_message_rcpt(batch, msg, k);
			const char *address = r->address != NULL ? r->address : "";
			const char *reason =
				r->reason != NULL ? mr_text_str(r->reason, &scratch) : NULL;
			mr_summary_facts_recipient(f, address, strlen(address),
				(enum mr_rcpt_state)r->state, reason,
				r->reason != NULL ? r->reason->len : 0);
		}
	}
	mr_buf_finish(&scratch);
}
