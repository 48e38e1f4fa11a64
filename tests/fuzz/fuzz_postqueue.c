/*
 * libFuzzer target for the postqueue -j reader (backends/postfix/postqueue.c): any bytes
 * as the output of postqueue -j, which on a server it does not control
 * mailroom reads as it arrives.
 *
 * The bytes are fed twice: in one piece, and in pieces of sizes drawn from
 * a hash of the input (1 byte to a few kilobytes, the way a pipe or an SSH
 * channel delivers them). Where a line is cut must change nothing, so both
 * readers must agree on every message, recipient, reason and error. The
 * snapshot is then finished (reasons decoded) and, when the whole input was
 * read, written in every export format; the postqueue -j it writes must
 * read back into the same listing (minus bounced mail, which postqueue
 * never lists), and writing that again must give the same bytes.
 *
 *   tests/fuzz/run 300 postqueue
 */

#define _GNU_SOURCE /* open_memstream */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "fuzz.h"
#include "postqueue.h"
#include "textpool.h"
#include "xalloc.h"

enum { NOW = 1796564527 };

/* A fixed sequence from the input: the same input is always cut alike, so
 * a failure replays. */
static uint64_t next_random(uint64_t *state) {
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

static size_t chunk_size(uint64_t *state) {
	uint64_t r = next_random(state);
	switch (r % 4) {
	case 0:
		return 1;
	case 1:
		return 1 + (size_t)(r >> 8) % 16; /* through a key, a quote, an escape */
	case 2:
		return 1 + (size_t)(r >> 8) % 256;
	default:
		return 1 + (size_t)(r >> 8) % 8192;
	}
}

struct outcome {
	bool ok;
	struct mr_snapshot *snap;
	char *error;
	size_t lines, duplicates;
};

/* Reads data, in one piece or cut as state says (state NULL: one piece). */
static struct outcome read_listing(const uint8_t *data, size_t size, uint64_t *state) {
	struct outcome o = { .snap = mr_snapshot_create() };
	struct mr_postqueue_reader r;
	mr_postqueue_reader_init(&r, o.snap, "fuzz input");
	bool ok = true;
	if (state == NULL) {
		ok = mr_postqueue_feed(&r, (const char *)data, size);
	} else {
		for (size_t at = 0; at < size && ok;) {
			size_t n = chunk_size(state);
			n = n < size - at ? n : size - at;
			/* An exact-size copy of each piece: a read past it is caught. */
			char *piece = mr_xmalloc(n);
			memcpy(piece, data + at, n);
			ok = mr_postqueue_feed(&r, piece, n);
			free(piece);
			at += n;
		}
	}
	/* As the backends do: end() only after output that fed well. */
	o.ok = ok && mr_postqueue_end(&r);
	FUZZ_CHECK(o.ok == (r.error == NULL), "false exactly when there is an error to show");
	o.error = r.error ? mr_xstrdup(r.error) : NULL;
	o.lines = r.line;
	o.duplicates = r.duplicates;
	mr_postqueue_reader_finish(&r);
	return o;
}

static void outcome_finish(struct outcome *o) {
	mr_snapshot_destroy(o->snap);
	free(o->error);
}

static bool same_string(const char *a, const char *b) {
	return (a == NULL) == (b == NULL) && (a == NULL || strcmp(a, b) == 0);
}

static bool same_text(const struct mr_text *a, const struct mr_text *b) {
	if (a == NULL || b == NULL) {
		return a == b;
	}
	struct mr_buf sa, sb;
	mr_buf_init(&sa);
	mr_buf_init(&sb);
	bool same =
		a->len == b->len && memcmp(mr_text_str(a, &sa), mr_text_str(b, &sb), a->len) == 0;
	mr_buf_finish(&sa);
	mr_buf_finish(&sb);
	return same;
}

/* Every field the reader sets, message by message. */
static void check_same(const struct mr_snapshot *a, const struct mr_snapshot *b) {
	FUZZ_CHECK(a->n_messages == b->n_messages && a->n_recipients == b->n_recipients,
		"read whole and cut: %zu and %zu messages, %zu and %zu recipients", a->n_messages,
		b->n_messages, a->n_recipients, b->n_recipients);
	for (size_t i = 0; i < a->n_messages; i++) {
		const struct mr_message *x = &a->messages[i], *y = &b->messages[i];
		FUZZ_CHECK(strcmp(x->id, y->id) == 0 && same_string(x->sender, y->sender) &&
				   x->queue == y->queue && x->arrival == y->arrival &&
				   x->size == y->size && x->flags == y->flags &&
				   x->first_rcpt == y->first_rcpt && x->n_rcpts == y->n_rcpts,
			"read whole and cut: message %zu differs", i);
	}
	for (size_t j = 0; j < a->n_recipients; j++) {
		const struct mr_recipient *x = &a->recipients[j], *y = &b->recipients[j];
		FUZZ_CHECK(same_string(x->address, y->address) &&
				   same_string(x->original, y->original) && x->state == y->state &&
				   same_text(x->reason, y->reason),
			"read whole and cut: recipient %zu differs", j);
	}
}

/* What a finished snapshot promises its readers (the screen, the filter). */
static void check_finished(const struct mr_snapshot *snap) {
	size_t counted = 0;
	for (int q = 0; q < MR_QUEUE_COUNT; q++) {
		counted += snap->queue_counts[q];
	}
	FUZZ_CHECK(counted == snap->n_messages, "the queue counts add up to the messages");
	for (size_t i = 0; i < snap->n_messages; i++) {
		const struct mr_message *m = &snap->messages[i];
		FUZZ_CHECK(mr_queue_id_valid(m->id) && m->queue < MR_QUEUE_COUNT &&
				   m->sender != NULL &&
				   (size_t)m->first_rcpt + m->n_rcpts <= snap->n_recipients,
			"message %zu: a valid id, a queue, a sender and its recipients", i);
		for (uint32_t k = 0; k < m->n_rcpts; k++) {
			const struct mr_recipient *r = mr_message_rcpt(snap, m, k);
			FUZZ_CHECK(r->address != NULL && r->address[0] != '\0',
				"message %zu, recipient %u: an address (a recipient without one "
				"is refused)",
				i, k);
			FUZZ_CHECK(
				r->state < MR_RCPT_STATE_COUNT &&
					(r->reason == NULL) == (r->diagnosis == MR_NO_DIAGNOSIS) &&
					(r->reason == NULL || r->diagnosis < snap->n_diagnoses),
				"message %zu, recipient %u: a state, a diagnosis with a reason", i,
				k);
		}
	}
}

static char *export_to_memory(
	const struct mr_snapshot *snap, enum mr_export_format format, size_t *len) {
	char *text = NULL;
	FILE *out = open_memstream(&text, len);
	FUZZ_CHECK(out != NULL, "open_memstream");
	FUZZ_CHECK(mr_export_snapshot(out, format, "fuzz", snap, NULL, NULL, NOW),
		"export format %d to memory", (int)format);
	fclose(out);
	return text;
}

/* The formats people and scripts read; the bytes themselves are the export
 * tests' business, here only that writing them holds up. */
static void export_all(const struct mr_snapshot *snap) {
	static FILE *null;
	if (null == NULL) {
		null = fopen("/dev/null", "w");
		FUZZ_CHECK(null != NULL, "/dev/null");
	}
	static const enum mr_export_format formats[] = { MR_EXPORT_TABLE, MR_EXPORT_JSON,
		MR_EXPORT_CSV };
	for (size_t i = 0; i < sizeof(formats) / sizeof(*formats); i++) {
		FUZZ_CHECK(mr_export_snapshot(null, formats[i], "fuzz", snap, NULL, NULL, NOW),
			"export format %d", (int)formats[i]);
	}
}

/* The listing as postqueue -j, read back, written again, and so on once
 * more. The first writing makes every string valid UTF-8 (U+FFFD for the
 * rest, written as \ufffd) and the second writes U+FFFD as it is; from
 * then on the bytes must not change. Returns the first writing's size. */
static size_t round_trip(const struct mr_snapshot *snap) {
	size_t queued = 0;
	for (size_t i = 0; i < snap->n_messages; i++) {
		queued += snap->messages[i].queue != MR_QUEUE_BOUNCED;
	}
	size_t first_len = 0, len[2];
	char *text[2] = { NULL, NULL };
	const struct mr_snapshot *from = snap;
	struct outcome back[2];
	for (int round = 0; round < 2; round++) {
		text[round] = export_to_memory(from, MR_EXPORT_POSTQUEUE, &len[round]);
		if (round == 0) {
			first_len = len[0];
		}
		back[round] = read_listing((const uint8_t *)text[round], len[round], NULL);
		FUZZ_CHECK(
			back[round].ok, "its own postqueue -j reads back (%s)", back[round].error);
		FUZZ_CHECK(back[round].snap->n_messages == queued,
			"its own postqueue -j reads back: %zu messages of %zu",
			back[round].snap->n_messages, queued);
		mr_snapshot_finish(back[round].snap);
		from = back[round].snap;
	}
	size_t last_len;
	char *last = export_to_memory(from, MR_EXPORT_POSTQUEUE, &last_len);
	FUZZ_CHECK(last_len == len[1] && memcmp(last, text[1], last_len) == 0,
		"postqueue -j written, read back and written again: the same bytes");
	free(last);
	for (int round = 0; round < 2; round++) {
		free(text[round]);
		outcome_finish(&back[round]);
	}
	return first_len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	uint64_t state = 0xcbf29ce484222325u; /* FNV-1a of the input */
	for (size_t i = 0; i < size; i++) {
		state = (state ^ data[i]) * 0x100000001b3u;
	}
	state |= 1; /* xorshift never leaves 0 */
	struct outcome whole = read_listing(data, size, NULL);
	struct outcome cut = read_listing(data, size, &state);
	FUZZ_CHECK(whole.ok == cut.ok && same_string(whole.error, cut.error) &&
			   whole.lines == cut.lines && whole.duplicates == cut.duplicates,
		"read whole and cut: the same outcome (%s / %s)", whole.error ? whole.error : "ok",
		cut.error ? cut.error : "ok");
	check_same(whole.snap, cut.snap);
	outcome_finish(&cut);
	/* After an error too: the lines before it are kept, and shown. */
	mr_snapshot_finish(whole.snap);
	check_finished(whole.snap);
	if (whole.ok) {
		export_all(whole.snap);
		size_t written = round_trip(whole.snap);
		fuzz_note("parsed: %zu lines, %zu messages (%zu listed twice), %zu recipients, "
			  "%zu distinct reasons; exported, read back the same (%zu bytes)",
			whole.lines, whole.snap->n_messages, whole.duplicates,
			whole.snap->n_recipients, whole.snap->n_diagnoses, written);
	} else {
		fuzz_note("refused: %s; %zu messages before it kept", whole.error,
			whole.snap->n_messages);
	}
	outcome_finish(&whole);
	return 0;
}
