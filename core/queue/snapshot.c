#include "snapshot.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "bigmem.h"
#include "clock.h"
#include "decoding.h"
#include "xalloc.h"

static size_t take_early(struct mr_snapshot *snap);

/* An index is built when its ids are NULL. */
struct mr_snapshot_derived {
	struct mr_distinct rcpt_domains, senders;
};

static void drop_derived(struct mr_snapshot_derived *d) {
	mr_distinct_finish(&d->rcpt_domains);
	mr_distinct_finish(&d->senders);
	*d = (struct mr_snapshot_derived){ 0 };
}

struct mr_snapshot *mr_snapshot_create(void) {
	struct mr_snapshot *snap = mr_xcalloc(1, sizeof(*snap));
	snap->strings = mr_strpool_create();
	snap->reasons = mr_textpool_create(snap->strings);
	snap->taken_at = mr_now();
	snap->derived = mr_xcalloc(1, sizeof(*snap->derived));
	return snap;
}

void mr_snapshot_destroy(struct mr_snapshot *snap) {
	if (snap == NULL) {
		return;
	}
	mr_big_free(snap->messages, snap->cap_messages * sizeof(*snap->messages));
	mr_big_free(snap->recipients, snap->cap_recipients * sizeof(*snap->recipients));
	mr_big_free(snap->attempts, snap->cap_attempts * sizeof(*snap->attempts));
	take_early(snap);
	mr_big_free(snap->diagnoses, snap->cap_diagnoses * sizeof(*snap->diagnoses));
	mr_textpool_destroy(snap->reasons);
	mr_strpool_destroy(snap->strings);
	drop_derived(snap->derived);
	free(snap->derived);
	free(snap->origins);
	free(snap);
}

void mr_snapshot_clear(struct mr_snapshot *snap) {
	take_early(snap); /* its thread reads texts the pools are about to forget */
	drop_derived(snap->derived);
	snap->n_messages = 0;
	snap->n_recipients = 0;
	snap->n_attempts = 0;
	snap->n_diagnoses = 0;
	memset(snap->queue_counts, 0, sizeof(snap->queue_counts));
	mr_strpool_clear(snap->strings);
	mr_textpool_clear(snap->reasons);
	free(snap->origins);
	snap->origins = NULL;
	snap->n_origins = 0;
	snap->taken_at = mr_now();
}

const char *mr_snapshot_intern_len(struct mr_snapshot *snap, const char *s, size_t len) {
	return mr_strpool_intern(snap->strings, s, len);
}

const struct mr_text *mr_snapshot_reason(struct mr_snapshot *snap, const char *s, size_t len) {
	return mr_textpool_intern(snap->reasons, s, len);
}

const char *mr_snapshot_intern(struct mr_snapshot *snap, const char *s) {
	return s == NULL ? NULL : mr_strpool_intern(snap->strings, s, strlen(s));
}

struct mr_message *mr_snapshot_add_message(struct mr_snapshot *snap, const char *id) {
	if (snap->n_messages == snap->cap_messages) {
		size_t cap = snap->cap_messages ? snap->cap_messages * 2 : 1024;
		snap->messages =
			mr_big_grow(snap->messages, snap->cap_messages * sizeof(*snap->messages),
				cap * sizeof(*snap->messages));
		snap->cap_messages = cap;
	}
	if (snap->n_recipients > UINT32_MAX) {
		mr_fatal("more than %u recipients in one snapshot", (unsigned)UINT32_MAX);
	}
	struct mr_message *msg = &snap->messages[snap->n_messages++];
	*msg = (struct mr_message){
		.id = id != NULL ? mr_strpool_copy(snap->strings, id, strlen(id)) : "",
		.sender = "",
		.first_rcpt = (uint32_t)snap->n_recipients,
		.attempts = MR_ATTEMPTS_UNKNOWN,
		.queue = MR_QUEUE_DEFERRED,
	};
	if (snap->progress.tell != NULL && snap->n_messages % MR_PROGRESS_MESSAGES == 0) {
		snap->progress.tell(snap->progress.ctx, snap->n_messages);
	}
	return msg;
}

struct mr_recipient *mr_snapshot_add_recipient(struct mr_snapshot *snap, const char *address) {
	if (snap->n_messages == 0) {
		mr_fatal("recipient added to a snapshot without a message");
	}
	if (snap->n_recipients == snap->cap_recipients) {
		size_t cap = snap->cap_recipients ? snap->cap_recipients * 2 : 1024;
		snap->recipients = mr_big_grow(snap->recipients,
			snap->cap_recipients * sizeof(*snap->recipients),
			cap * sizeof(*snap->recipients));
		snap->cap_recipients = cap;
	}
	struct mr_recipient *rcpt = &snap->recipients[snap->n_recipients++];
	*rcpt = (struct mr_recipient){
		.address = address != NULL ? mr_snapshot_intern(snap, address) : "",
		.attempts = MR_ATTEMPTS_UNKNOWN,
		.diagnosis = MR_NO_DIAGNOSIS,
		.state = MR_RCPT_PENDING,
	};
	snap->messages[snap->n_messages - 1].n_rcpts++;
	return rcpt;
}

void mr_snapshot_insert_recipients(struct mr_snapshot *snap, const uint32_t *messages, size_t k) {
	if (k == 0) {
		return;
	}
	for (size_t i = 0; i < k; i++) {
		if (messages[i] >= snap->n_messages || (i > 0 && messages[i] < messages[i - 1])) {
			mr_fatal("recipients inserted out of order");
		}
	}
	if (snap->n_recipients + k > UINT32_MAX) {
		mr_fatal("more than %u recipients in one snapshot", (unsigned)UINT32_MAX);
	}
	if (snap->n_recipients + k > snap->cap_recipients) {
		size_t cap = snap->cap_recipients ? snap->cap_recipients : 1024;
		while (cap < snap->n_recipients + k) {
			cap *= 2;
		}
		snap->recipients = mr_big_grow(snap->recipients,
			snap->cap_recipients * sizeof(*snap->recipients),
			cap * sizeof(*snap->recipients));
		snap->cap_recipients = cap;
	}
	/* From the last message back: each run moves up by the number of new
	 * recipients of the messages before it, then gets its own. */
	size_t before = k;
	for (size_t m = snap->n_messages; m-- > messages[0];) {
		size_t own = 0;
		while (before > 0 && messages[before - 1] == m) {
			before--;
			own++;
		}
		struct mr_message *msg = &snap->messages[m];
		uint32_t first = msg->first_rcpt + (uint32_t)before;
		if (before > 0) {
			memmove(&snap->recipients[first], &snap->recipients[msg->first_rcpt],
				msg->n_rcpts * sizeof(*snap->recipients));
		}
		for (size_t j = 0; j < own; j++) {
			snap->recipients[first + msg->n_rcpts + j] = (struct mr_recipient){
				.address = "",
				.attempts = MR_ATTEMPTS_UNKNOWN,
				.diagnosis = MR_NO_DIAGNOSIS,
				.state = MR_RCPT_PENDING,
			};
		}
		msg->first_rcpt = first;
		msg->n_rcpts += (uint32_t)own;
	}
	snap->n_recipients += k;
}

struct mr_attempt *mr_snapshot_add_attempt(struct mr_snapshot *snap, uint32_t message) {
	if (message >= snap->n_messages ||
		(snap->n_attempts > 0 && snap->attempts[snap->n_attempts - 1].message > message)) {
		mr_fatal("attempt of message %u added out of order", (unsigned)message);
	}
	if (snap->n_attempts == snap->cap_attempts) {
		size_t cap = snap->cap_attempts ? snap->cap_attempts * 2 : 256;
		snap->attempts =
			mr_big_grow(snap->attempts, snap->cap_attempts * sizeof(*snap->attempts),
				cap * sizeof(*snap->attempts));
		snap->cap_attempts = cap;
	}
	struct mr_attempt *a = &snap->attempts[snap->n_attempts++];
	*a = (struct mr_attempt){
		.recipient = "",
		.relay = "",
		.dsn = "",
		.delays = { MR_DELAY_UNKNOWN, MR_DELAY_UNKNOWN, MR_DELAY_UNKNOWN,
			MR_DELAY_UNKNOWN },
		.message = message,
	};
	return a;
}

const struct mr_attempt *mr_message_history(
	const struct mr_snapshot *snap, const struct mr_message *msg, size_t *n) {
	*n = 0;
	if (snap->n_attempts == 0) {
		return NULL;
	}
	/* The first attempt of the message's index, by halves. */
	uint32_t m = (uint32_t)(msg - snap->messages);
	size_t lo = 0, hi = snap->n_attempts;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (snap->attempts[mid].message < m) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	size_t end = lo;
	while (end < snap->n_attempts && snap->attempts[end].message == m) {
		end++;
	}
	*n = end - lo;
	return end > lo ? &snap->attempts[lo] : NULL;
}

int64_t mr_message_last_attempt(const struct mr_snapshot *snap, const struct mr_message *msg) {
	int64_t last = MR_TIME_UNKNOWN;
	for (uint32_t i = 0; i < msg->n_rcpts; i++) {
		const struct mr_recipient *r = mr_message_rcpt(snap, msg, i);
		if (r->last_attempt > last) {
			last = r->last_attempt;
		}
	}
	return last;
}

static void derive_from_recipients(const struct mr_snapshot *snap, struct mr_message *msg) {
	bool want_attempts = msg->attempts == MR_ATTEMPTS_UNKNOWN;
	bool want_retry = msg->next_retry == MR_TIME_UNKNOWN;
	for (uint32_t i = 0; i < msg->n_rcpts; i++) {
		const struct mr_recipient *r = mr_message_rcpt(snap, msg, i);
		if (want_attempts && r->attempts > msg->attempts) {
			msg->attempts = r->attempts;
		}
		if (want_retry && r->state == MR_RCPT_DEFERRED &&
			r->next_retry != MR_TIME_UNKNOWN &&
			(msg->next_retry == MR_TIME_UNKNOWN || r->next_retry < msg->next_retry)) {
			msg->next_retry = r->next_retry;
		}
	}
}

void mr_snapshot_decode_soon(struct mr_snapshot *snap, const struct mr_text *t) {
	/* Texts are numbered as they are interned: the next number is a new
	 * text; a gap (a text interned elsewhere) ends early decoding, and
	 * mr_snapshot_finish() decodes the rest. */
	if (t->index != snap->early_next || snap->undecoded) {
		return;
	}
	if (snap->early == NULL) {
		if (t->index != 0 ||
			(snap->early = mr_early_decoder_start(mr_kb_default())) == NULL) {
			return;
		}
	}
	mr_early_decoder_add(snap->early, t);
	snap->early_next++;
}

/* Takes what the early decoder did as the start of the diagnoses. */
static size_t take_early(struct mr_snapshot *snap) {
	if (snap->early == NULL) {
		return 0;
	}
	size_t n, cap;
	struct mr_diagnosis *done = mr_early_decoder_finish(snap->early, &n, &cap);
	snap->early = NULL;
	snap->early_next = 0;
	mr_big_free(snap->diagnoses, snap->cap_diagnoses * sizeof(*snap->diagnoses));
	snap->diagnoses = done;
	snap->cap_diagnoses = cap;
	return n;
}

/* Decodes each distinct reason once: reasons are interned, and a text's
 * index in the pool is its diagnosis's index in the snapshot. */
static void decode_reasons(struct mr_snapshot *snap) {
	size_t n = mr_textpool_distinct(snap->reasons);
	for (size_t i = 0; i < snap->n_recipients; i++) {
		struct mr_recipient *r = &snap->recipients[i];
		r->diagnosis = r->reason != NULL ? r->reason->index : MR_NO_DIAGNOSIS;
	}
	size_t done = take_early(snap);
	if (done == 0 && snap->n_diagnoses <= n) {
		done = snap->n_diagnoses; /* decoded already: finished before, or merged */
	}
	if (n > snap->cap_diagnoses) {
		snap->diagnoses =
			mr_big_grow(snap->diagnoses, snap->cap_diagnoses * sizeof(*snap->diagnoses),
				n * sizeof(*snap->diagnoses));
		snap->cap_diagnoses = n;
	}
	snap->n_diagnoses = n;
	if (done < n) {
		const struct mr_text *const *texts = mr_textpool_texts(snap->reasons);
		mr_decode_texts(mr_kb_default(), texts + done, snap->diagnoses + done, n - done);
	}
}

void mr_snapshot_finish(struct mr_snapshot *snap) {
	drop_derived(snap->derived); /* indexes of what it was before */
	memset(snap->queue_counts, 0, sizeof(snap->queue_counts));
	for (size_t i = 0; i < snap->n_messages; i++) {
		struct mr_message *msg = &snap->messages[i];
		derive_from_recipients(snap, msg);
		if (msg->queue < MR_QUEUE_COUNT) {
			snap->queue_counts[msg->queue]++;
		}
	}
	decode_reasons(snap);
}

const struct mr_recipient *mr_message_main_failure(
	const struct mr_snapshot *snap, const struct mr_message *msg) {
	const struct mr_recipient *any = NULL;
	for (uint32_t i = 0; i < msg->n_rcpts; i++) {
		const struct mr_recipient *r = mr_message_rcpt(snap, msg, i);
		if (r->reason == NULL) {
			continue;
		}
		if (r->state != MR_RCPT_PENDING) {
			return r;
		}
		if (any == NULL) {
			any = r;
		}
	}
	return any;
}

struct mr_headline mr_message_headline(const struct mr_snapshot *snap, const struct mr_message *msg,
	const struct mr_recipient *picked) {
	if (picked != NULL) {
		return (struct mr_headline){ picked,
			picked->reason != NULL ? picked : mr_message_main_failure(snap, msg) };
	}
	return (struct mr_headline){ msg->n_rcpts > 0 ? mr_message_rcpt(snap, msg, 0) : NULL,
		mr_message_main_failure(snap, msg) };
}

const struct mr_message *mr_snapshot_find(const struct mr_snapshot *snap, const char *id) {
	for (size_t i = 0; i < snap->n_messages; i++) {
		if (strcmp(snap->messages[i].id, id) == 0) {
			return &snap->messages[i];
		}
	}
	return NULL;
}

const struct mr_message *mr_snapshot_find_from(
	const struct mr_snapshot *snap, uint16_t origin, const char *id) {
	for (size_t i = 0; i < snap->n_messages; i++) {
		const struct mr_message *m = &snap->messages[i];
		if (m->origin == origin && strcmp(m->id, id) == 0) {
			return m;
		}
	}
	return NULL;
}

void mr_snapshot_set_origins(struct mr_snapshot *into, const char *const *labels, size_t n) {
	free(into->origins);
	into->origins = mr_xcalloc(n > 0 ? n : 1, sizeof(*into->origins));
	for (size_t i = 0; i < n; i++) {
		into->origins[i] = mr_strpool_intern(into->strings, labels[i], strlen(labels[i]));
	}
	into->n_origins = n;
}

/* A part's reason as into has it: interned once per distinct text, its
 * diagnosis copied when into sees the text for the first time (a text's
 * index is its diagnosis's index, in both snapshots). With texts NULL, the
 * part is not decoded yet: the text alone is interned, and decoded when
 * into is finished. */
struct merged_reasons {
	const struct mr_text **texts; /* by the part's text index; NULL: not yet */
	struct mr_buf scratch;
};

static const struct mr_text *merged_reason(struct mr_snapshot *into, const struct mr_snapshot *part,
	struct merged_reasons *m, const struct mr_text *reason) {
	if (m->texts == NULL) {
		return mr_textpool_intern(
			into->reasons, mr_text_str(reason, &m->scratch), reason->len);
	}
	const struct mr_text **known = &m->texts[reason->index];
	if (*known != NULL) {
		return *known;
	}
	const char *s = mr_text_str(reason, &m->scratch);
	const struct mr_text *t = mr_textpool_intern(into->reasons, s, reason->len);
	if (t->index == into->n_diagnoses) {
		if (into->n_diagnoses == into->cap_diagnoses) {
			size_t cap = into->cap_diagnoses ? into->cap_diagnoses * 2 : 256;
			into->diagnoses = mr_big_grow(into->diagnoses,
				into->cap_diagnoses * sizeof(*into->diagnoses),
				cap * sizeof(*into->diagnoses));
			into->cap_diagnoses = cap;
		}
		into->diagnoses[into->n_diagnoses++] = part->diagnoses[reason->index];
	}
	return *known = t;
}

/* Appends part's message m to into with its recipients, their strings
 * interned in into and their reasons through reasons (merged_reason). */
static struct mr_message *copy_message(struct mr_snapshot *into, const struct mr_snapshot *part,
	const struct mr_message *m, struct merged_reasons *reasons) {
	struct mr_message *msg = mr_snapshot_add_message(into, m->id);
	const char *id = msg->id;
	uint32_t first = msg->first_rcpt;
	*msg = *m;
	msg->id = id;
	msg->sender = mr_snapshot_intern(into, m->sender);
	msg->first_rcpt = first;
	msg->n_rcpts = 0; /* counted again as they are added */
	for (uint32_t k = 0; k < m->n_rcpts; k++) {
		const struct mr_recipient *r = mr_message_rcpt(part, m, k);
		struct mr_recipient *to = mr_snapshot_add_recipient(into, r->address);
		const char *address = to->address;
		*to = *r;
		to->address = address;
		to->original = mr_snapshot_intern(into, r->original);
		if (reasons->texts == NULL) {
			to->diagnosis = MR_NO_DIAGNOSIS;
		}
		if (r->reason != NULL) {
			to->reason = merged_reason(into, part, reasons, r->reason);
			if (reasons->texts != NULL) {
				to->diagnosis = to->reason->index;
			}
		}
	}
	return msg;
}

void mr_snapshot_merge(struct mr_snapshot *into, const struct mr_snapshot *part, uint16_t origin) {
	drop_derived(into->derived);
	struct merged_reasons reasons = {
		.texts = mr_xcalloc(part->n_diagnoses + 1, sizeof(*reasons.texts)),
	};
	mr_buf_init(&reasons.scratch);
	for (size_t i = 0; i < part->n_messages; i++) {
		const struct mr_message *m = &part->messages[i];
		struct mr_message *msg = copy_message(into, part, m, &reasons);
		msg->origin = origin;
		if (m->queue < MR_QUEUE_COUNT) {
			into->queue_counts[m->queue]++;
		}
		size_t n_history;
		const struct mr_attempt *h = mr_message_history(part, m, &n_history);
		uint32_t index = (uint32_t)(into->n_messages - 1);
		for (size_t k = 0; k < n_history; k++) {
			struct mr_attempt *a = mr_snapshot_add_attempt(into, index);
			*a = h[k];
			a->message = index;
			a->recipient = mr_snapshot_intern(into, h[k].recipient);
			a->relay = mr_snapshot_intern(into, h[k].relay);
			a->dsn = mr_snapshot_intern(into, h[k].dsn);
			a->reply =
				h[k].reply ? merged_reason(into, part, &reasons, h[k].reply) : NULL;
		}
	}
	mr_buf_finish(&reasons.scratch);
	free(reasons.texts);
}

struct mr_snapshot *mr_snapshot_copy_front(const struct mr_snapshot *from, size_t n) {
	struct mr_snapshot *snap = mr_snapshot_create();
	snap->taken_at = from->taken_at;
	if (n > from->n_messages) {
		n = from->n_messages;
	}
	struct merged_reasons texts_only = { .texts = NULL };
	mr_buf_init(&texts_only.scratch);
	for (size_t i = 0; i < n; i++) {
		copy_message(snap, from, &from->messages[i], &texts_only);
	}
	mr_buf_finish(&texts_only.scratch);
	return snap;
}

static const char *rcpt_domain(const void *ctx, size_t i, size_t *len) {
	const struct mr_snapshot *snap = ctx;
	const char *address = snap->recipients[i].address;
	const char *at = strrchr(address, '@');
	const char *domain = at ? at + 1 : "";
	*len = strlen(domain);
	return domain;
}

static const struct mr_distinct *built(
	struct mr_distinct *d, size_t n_items, mr_distinct_key key, const void *ctx) {
	if (d->ids == NULL) {
		mr_distinct_build(d, n_items, key, ctx);
	}
	return d;
}

const struct mr_distinct *mr_snapshot_rcpt_domains(const struct mr_snapshot *snap) {
	return built(&snap->derived->rcpt_domains, snap->n_recipients, rcpt_domain, snap);
}

static const char *sender(const void *ctx, size_t i, size_t *len) {
	const struct mr_snapshot *snap = ctx;
	*len = strlen(snap->messages[i].sender);
	return snap->messages[i].sender;
}

const struct mr_distinct *mr_snapshot_senders(const struct mr_snapshot *snap) {
	return built(&snap->derived->senders, snap->n_messages, sender, snap);
}
