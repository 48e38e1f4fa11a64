#include "postqueue.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "bigmem.h"
#include "text.h"
#include "xalloc.h"

/*
 * A purpose-built parser: postqueue's objects are flat and small, so one
 * pass over the line with no tree and no allocation per value (strings are
 * decoded into a scratch buffer, then interned) is all it takes. Unknown
 * keys are skipped, whatever their value, so a newer Postfix with more
 * fields still reads.
 */

enum { MAX_DEPTH = 32 };

struct cursor {
	const char *p, *end;
	const char *error; /* static text */
};

static void skip_ws(struct cursor *c) {
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\r')) {
		c->p++;
	}
}

static bool fail(struct cursor *c, const char *what) {
	if (c->error == NULL) {
		c->error = what;
	}
	return false;
}

static bool expect(struct cursor *c, char ch, const char *what) {
	skip_ws(c);
	if (c->p < c->end && *c->p == ch) {
		c->p++;
		return true;
	}
	return fail(c, what);
}

static bool hex4(struct cursor *c, uint32_t *out) {
	if (c->end - c->p < 4) {
		return fail(c, "a \\u escape is cut short");
	}
	uint32_t v = 0;
	for (int i = 0; i < 4; i++) {
		int h = mr_hex_digit(c->p[i]);
		if (h < 0) {
			return fail(c, "a \\u escape has a character that is not hex");
		}
		v = v << 4 | (uint32_t)h;
	}
	c->p += 4;
	*out = v;
	return true;
}

/* A string's text: the line itself when it has no escapes (most do not),
 * else decoded into out. */
struct text {
	const char *p;
	size_t len;
};

static bool decode_escapes(struct cursor *c, struct mr_buf *out);

static bool string_text(struct cursor *c, struct mr_buf *out, struct text *t) {
	skip_ws(c);
	if (c->p >= c->end || *c->p != '"') {
		return fail(c, "expected a string");
	}
	const char *start = c->p + 1;
	const char *quote = memchr(start, '"', (size_t)(c->end - start));
	if (quote != NULL && memchr(start, '\\', (size_t)(quote - start)) == NULL &&
		memchr(start, '\0', (size_t)(quote - start)) == NULL) {
		*t = (struct text){ start, (size_t)(quote - start) };
		c->p = quote + 1;
		return true;
	}
	c->p = start;
	mr_buf_clear(out);
	if (!decode_escapes(c, out)) {
		return false;
	}
	*t = (struct text){ out->data, out->len };
	return true;
}

/* A string into out (decoded; out is cleared first). */
static bool string(struct cursor *c, struct mr_buf *out) {
	struct text t;
	if (!string_text(c, out, &t)) {
		return false;
	}
	if (t.p != out->data) {
		mr_buf_clear(out);
		mr_buf_add(out, t.p, t.len);
	}
	return true;
}

/* The rest of a string after its opening quote, escapes decoded into out;
 * a NUL, as \u0000 or as a byte, is stored as C0 80 (text.h), so that no C
 * string after the reader ends there. */
static bool decode_escapes(struct cursor *c, struct mr_buf *out) {
	for (;;) {
		const char *start = c->p;
		while (c->p < c->end && *c->p != '"' && *c->p != '\\' && *c->p != '\0') {
			c->p++;
		}
		mr_buf_add(out, start, (size_t)(c->p - start));
		if (c->p >= c->end) {
			return fail(c, "a string is not closed");
		}
		if (*c->p == '\0') {
			c->p++;
			mr_buf_add(out, MR_NUL_STORED, MR_NUL_STORED_LEN);
			continue;
		}
		if (*c->p++ == '"') {
			return true;
		}
		if (c->p >= c->end) {
			return fail(c, "a string ends in a backslash");
		}
		char e = *c->p++;
		static const char plain[] = "\"\\/bfnrt";
		static const char meant[] = "\"\\/\b\f\n\r\t";
		const char *k = strchr(plain, e);
		if (k != NULL && e != '\0') {
			mr_buf_add_char(out, meant[k - plain]);
			continue;
		}
		if (e != 'u') {
			return fail(c, "a string has an unknown escape");
		}
		uint32_t cp;
		if (!hex4(c, &cp)) {
			return false;
		}
		if (cp >= 0xd800 && cp <= 0xdbff && c->end - c->p >= 6 && c->p[0] == '\\' &&
			c->p[1] == 'u') {
			struct cursor peek = { c->p + 2, c->end, NULL };
			uint32_t low;
			if (hex4(&peek, &low) && low >= 0xdc00 && low <= 0xdfff) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
				c->p = peek.p;
			}
		}
		if (cp >= 0xd800 && cp <= 0xdfff) {
			cp = 0xfffd; /* a lone surrogate */
		}
		if (cp == 0) {
			mr_buf_add(out, MR_NUL_STORED, MR_NUL_STORED_LEN);
			continue;
		}
		char utf8[4];
		mr_buf_add(out, utf8, mr_utf8_encode(cp, utf8));
	}
}

static bool integer(struct cursor *c, int64_t *out) {
	skip_ws(c);
	const char *start = c->p;
	bool negative = c->p < c->end && *c->p == '-';
	if (negative) {
		c->p++;
	}
	uint64_t v = 0;
	while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
		if (v > (UINT64_MAX - 9) / 10) {
			return fail(c, "a number is too large");
		}
		v = v * 10 + (uint64_t)(*c->p++ - '0');
	}
	if (c->p == start + negative || v > INT64_MAX) {
		return fail(c, "expected a whole number");
	}
	/* "1.0" or "1e3": not what postqueue writes for these fields. */
	if (c->p < c->end && (*c->p == '.' || *c->p == 'e' || *c->p == 'E')) {
		return fail(c, "expected a whole number");
	}
	*out = negative ? -(int64_t)v : (int64_t)v;
	return true;
}

static bool literal(struct cursor *c, const char *word) {
	size_t n = strlen(word);
	if ((size_t)(c->end - c->p) >= n && memcmp(c->p, word, n) == 0) {
		c->p += n;
		return true;
	}
	return false;
}

static bool boolean(struct cursor *c, bool *out) {
	skip_ws(c);
	if (literal(c, "true")) {
		*out = true;
		return true;
	}
	if (literal(c, "false")) {
		*out = false;
		return true;
	}
	return fail(c, "expected true or false");
}

/* Any value, not kept (unknown keys). */
static bool skip_value(struct cursor *c, struct mr_buf *scratch, int depth) {
	if (depth > MAX_DEPTH) {
		return fail(c, "values nested too deep");
	}
	skip_ws(c);
	if (c->p >= c->end) {
		return fail(c, "expected a value");
	}
	char ch = *c->p;
	if (ch == '"') {
		return string(c, scratch);
	}
	if (ch == '{' || ch == '[') {
		char close = ch == '{' ? '}' : ']';
		c->p++;
		skip_ws(c);
		if (c->p < c->end && *c->p == close) {
			c->p++;
			return true;
		}
		for (;;) {
			if (ch == '{' && !(string(c, scratch) && expect(c, ':', "expected ':'"))) {
				return false;
			}
			if (!skip_value(c, scratch, depth + 1)) {
				return false;
			}
			skip_ws(c);
			if (c->p < c->end && *c->p == ',') {
				c->p++;
				continue;
			}
			return expect(c, close, "expected ',' or the end of a list");
		}
	}
	if (literal(c, "true") || literal(c, "false") || literal(c, "null")) {
		return true;
	}
	if (ch == '-' || (ch >= '0' && ch <= '9')) {
		c->p++;
		while (c->p < c->end && strchr("0123456789.eE+-", *c->p) != NULL && *c->p) {
			c->p++;
		}
		return true;
	}
	return fail(c, "expected a value");
}

/* Calls field(key) for each member of an object; the callback reads the value. */
/* A key as it is in the line (keys have no escapes worth decoding). */
struct key {
	const char *p;
	size_t len;
};

static bool key_is(struct key k, const char *name) {
	return k.len == strlen(name) && memcmp(k.p, name, k.len) == 0;
}

typedef bool (*member_fn)(struct cursor *c, struct key key, void *ctx);

static bool object(struct cursor *c, struct mr_buf *key, member_fn member, void *ctx) {
	if (!expect(c, '{', "expected '{'")) {
		return false;
	}
	skip_ws(c);
	if (c->p < c->end && *c->p == '}') {
		c->p++;
		return true;
	}
	for (;;) {
		struct text t;
		if (!string_text(c, key, &t) || !expect(c, ':', "expected ':' after a key")) {
			return false;
		}
		if (!member(c, (struct key){ t.p, t.len }, ctx)) {
			return false;
		}
		skip_ws(c);
		if (c->p < c->end && *c->p == ',') {
			c->p++;
			continue;
		}
		return expect(c, '}', "expected ',' or '}'");
	}
}

/*
 * Interning waits: a million-message listing interns some five million
 * strings into tables far larger than the caches, and one lookup at a time
 * each would wait for memory. The strings of many lines are gathered here
 * with their hashes and interned PENDING_MAX at a time (strpool.h says how).
 * A field is named by its message's or recipient's index, since the arrays
 * move as they grow.
 */
enum pending_field { PENDING_SENDER, PENDING_ADDRESS, PENDING_ORIGINAL, PENDING_REASON };
enum { PENDING_MAX = 64, PENDING_TEXT_MAX = 256 * 1024 };

struct mr_postqueue_pending {
	uint32_t index; /* of the message (sender) or the recipient */
	uint32_t hash;
	size_t offset, len; /* in pending_text */
	enum pending_field field;
};

static void flush_pending(struct mr_postqueue_reader *r) {
	struct mr_snapshot *snap = r->snap;
	const struct mr_postqueue_pending *p = r->pending, *end = p + r->n_pending;
	for (const struct mr_postqueue_pending *q = p; q < end; q++) {
		if (q->field == PENDING_REASON) {
			mr_textpool_warm_slot(snap->reasons, q->hash);
		} else {
			mr_strpool_warm_slot(snap->strings, q->hash);
		}
	}
	for (const struct mr_postqueue_pending *q = p; q < end; q++) {
		if (q->field == PENDING_REASON) {
			mr_textpool_warm_match(snap->reasons, q->hash);
		} else {
			mr_strpool_warm_match(snap->strings, q->hash);
		}
	}
	for (const struct mr_postqueue_pending *q = p; q < end; q++) {
		const char *s = r->pending_text.data + q->offset;
		/* A sender's index is its message's: there may be no recipient yet. */
		struct mr_recipient *rcpt =
			q->field == PENDING_SENDER ? NULL : &snap->recipients[q->index];
		switch (q->field) {
		case PENDING_SENDER:
			snap->messages[q->index].sender =
				mr_strpool_intern_hashed(snap->strings, s, q->len, q->hash);
			break;
		case PENDING_ADDRESS:
			rcpt->address = mr_strpool_intern_hashed(snap->strings, s, q->len, q->hash);
			break;
		case PENDING_ORIGINAL:
			rcpt->original =
				mr_strpool_intern_hashed(snap->strings, s, q->len, q->hash);
			break;
		case PENDING_REASON:
			rcpt->reason = mr_textpool_intern_hashed(snap->reasons, s, q->len, q->hash);
			mr_snapshot_decode_soon(snap, rcpt->reason);
			break;
		}
	}
	r->n_pending = 0;
	r->line_pending = 0;
	mr_buf_clear(&r->pending_text);
}

static void intern_later(struct mr_postqueue_reader *r, enum pending_field field, size_t index,
	const char *s, size_t len) {
	if (r->n_pending == PENDING_MAX || r->pending_text.len > PENDING_TEXT_MAX) {
		flush_pending(r);
	}
	r->pending[r->n_pending++] = (struct mr_postqueue_pending){
		.index = (uint32_t)index,
		.hash = mr_strpool_hash(s, len),
		.offset = r->pending_text.len,
		.len = len,
		.field = field,
	};
	mr_buf_add(&r->pending_text, s, len);
}

/* A line that is not kept: what it left waiting is dropped too. (What was
 * already interned from it went to indexes the next lines overwrite.) */
static void forget_line(struct mr_postqueue_reader *r) {
	if (r->line_pending < r->n_pending) {
		r->pending_text.len = r->pending[r->line_pending].offset;
		r->n_pending = r->line_pending;
	}
}

/* The fields a line gave (a bit each), so that one given twice is refused
 * (which value would stand?) and one Postfix always writes is missed. */
enum {
	F_QUEUE_ID = 1 << 0,
	F_QUEUE_NAME = 1 << 1,
	F_ARRIVAL = 1 << 2,
	F_SIZE = 1 << 3,
	F_FORCED_EXPIRE = 1 << 4,
	F_SENDER = 1 << 5,
	F_RECIPIENTS = 1 << 6,
	/* a recipient's */
	F_ADDRESS = 1 << 0,
	F_STATE = 1 << 1,
	F_REASON = 1 << 2,
	F_ORIGINAL = 1 << 3,
};

static bool first_time(struct cursor *c, unsigned *seen, unsigned field) {
	if (*seen & field) {
		return fail(c, "a field is given twice");
	}
	*seen |= field;
	return true;
}

struct message_ctx {
	struct mr_postqueue_reader *r;
	struct mr_message *msg;
	struct mr_buf key; /* keys of nested objects */
	unsigned seen;     /* F_QUEUE_ID... */
	struct mr_recipient *rcpt;
	unsigned rcpt_seen; /* F_ADDRESS... */
	bool rcpt_has_address;
};

static size_t rcpt_index(const struct message_ctx *m) {
	return (size_t)(m->rcpt - m->r->snap->recipients);
}

static bool recipient_member(struct cursor *c, struct key key, void *ctx) {
	struct message_ctx *m = ctx;
	struct mr_buf *s = &m->r->scratch;
	/* null is as good as absent (other tools write it for "none"). */
	skip_ws(c);
	if (literal(c, "null")) {
		return true;
	}
	struct text t;
	if (key_is(key, "address")) {
		if (!first_time(c, &m->rcpt_seen, F_ADDRESS) || !string_text(c, s, &t)) {
			return false;
		}
		intern_later(m->r, PENDING_ADDRESS, rcpt_index(m), t.p, t.len);
		m->rcpt_has_address = t.len > 0;
		return true;
	}
	/* mailroom list --json writes "reason" and "state": its own listings
	 * read back too. */
	if (key_is(key, "state")) {
		enum mr_rcpt_state state;
		if (!first_time(c, &m->rcpt_seen, F_STATE) || !string(c, s)) {
			return false;
		}
		if (!mr_rcpt_state_parse(s->data, &state)) {
			return fail(c, "state is not pending, deferred or bounced");
		}
		if (!(m->rcpt_seen & F_REASON)) {
			m->rcpt->state = (uint8_t)state;
		}
		return true;
	}
	if (key_is(key, "delay_reason") || key_is(key, "bounce_reason") || key_is(key, "reason")) {
		if (!first_time(c, &m->rcpt_seen, F_REASON) || !string_text(c, s, &t)) {
			return false;
		}
		intern_later(m->r, PENDING_REASON, rcpt_index(m), t.p, t.len);
		if (key.p[0] == 'b') {
			m->rcpt->state = MR_RCPT_BOUNCED;
		} else if (m->rcpt->state == MR_RCPT_PENDING) {
			m->rcpt->state = MR_RCPT_DEFERRED;
		}
		return true;
	}
	if (key_is(key, "orig_address") || key_is(key, "original_address")) {
		if (!first_time(c, &m->rcpt_seen, F_ORIGINAL) || !string_text(c, s, &t)) {
			return false;
		}
		intern_later(m->r, PENDING_ORIGINAL, rcpt_index(m), t.p, t.len);
		return true;
	}
	return skip_value(c, s, 1);
}

static bool recipients(struct cursor *c, struct message_ctx *m) {
	if (!expect(c, '[', "recipients: expected a list")) {
		return false;
	}
	skip_ws(c);
	if (c->p < c->end && *c->p == ']') {
		c->p++;
		return true;
	}
	for (;;) {
		m->rcpt = mr_snapshot_add_recipient(m->r->snap, NULL);
		m->rcpt_has_address = false;
		m->rcpt_seen = 0;
		if (!object(c, &m->key, recipient_member, m)) {
			return false;
		}
		if (!m->rcpt_has_address) {
			return fail(c, "a recipient has no address");
		}
		skip_ws(c);
		if (c->p < c->end && *c->p == ',') {
			c->p++;
			continue;
		}
		return expect(c, ']', "recipients: expected ',' or ']'");
	}
}

static bool message_member(struct cursor *c, struct key key, void *ctx) {
	struct message_ctx *m = ctx;
	struct mr_buf *s = &m->r->scratch;
	struct mr_message *msg = m->msg;
	int64_t n;
	if (key_is(key, "queue_id")) {
		if (!first_time(c, &m->seen, F_QUEUE_ID) || !string(c, s)) {
			return false;
		}
		if (strlen(s->data) != s->len || !mr_queue_id_valid(s->data)) {
			return fail(c, "queue_id is not a Postfix queue id");
		}
		msg->id = mr_strpool_copy(m->r->snap->strings, s->data, s->len);
		return true;
	}
	if (key_is(key, "queue_name")) {
		enum mr_queue q;
		if (!first_time(c, &m->seen, F_QUEUE_NAME) || !string(c, s)) {
			return false;
		}
		if (!mr_queue_parse(s->data, &q)) {
			return fail(c, "queue_name is not a Postfix queue");
		}
		msg->queue = (uint8_t)q;
		return true;
	}
	if (key_is(key, "arrival_time")) {
		if (!first_time(c, &m->seen, F_ARRIVAL)) {
			return false;
		}
		/* null: mailroom list --json for a time its source did not know. */
		skip_ws(c);
		if (literal(c, "null")) {
			return true;
		}
		if (!integer(c, &n)) {
			c->error = "arrival_time: expected seconds";
			return false;
		}
		if (n != MR_TIME_UNKNOWN && (n < MR_TIME_MIN || n > MR_TIME_MAX)) {
			return fail(c, "arrival_time: not a time from 1980 to 2100");
		}
		msg->arrival = n;
		return true;
	}
	if (key_is(key, "message_size")) {
		if (!first_time(c, &m->seen, F_SIZE)) {
			return false;
		}
		if (!integer(c, &n)) {
			c->error = "message_size: expected bytes";
			return false;
		}
		if (n < 0 || n > MR_SIZE_MAX) {
			return fail(c, "message_size: not a size from 0 to 1 TiB");
		}
		msg->size = (uint64_t)n;
		return true;
	}
	if (key_is(key, "forced_expire")) {
		bool expired;
		if (!first_time(c, &m->seen, F_FORCED_EXPIRE) || !boolean(c, &expired)) {
			return false;
		}
		if (expired) {
			msg->flags |= MR_MSG_FORCED_EXPIRE;
		}
		return true;
	}
	if (key_is(key, "sender")) {
		if (!first_time(c, &m->seen, F_SENDER) || !string(c, s)) {
			return false;
		}
		/* postqueue shows the null sender (bounces) as MAILER-DAEMON. */
		bool null_sender = strcmp(s->data, "MAILER-DAEMON") == 0;
		intern_later(m->r, PENDING_SENDER, (size_t)(msg - m->r->snap->messages), s->data,
			null_sender ? 0 : s->len);
		return true;
	}
	if (key_is(key, "recipients")) {
		return first_time(c, &m->seen, F_RECIPIENTS) && recipients(c, m);
	}
	return skip_value(c, s, 1);
}

/* The id a slot's low half names: a message's index + 1 in the snapshot,
 * or when streaming, the id's offset + 1 among the ids kept. */
static const char *slot_id(const struct mr_postqueue_reader *r, uint64_t slot) {
	uint32_t k = (uint32_t)slot - 1;
	return r->stream != NULL ? r->stream_ids.data + k : r->snap->messages[k].id;
}

/* A slot holds the id in its low half (slot_id) and its hash in its high
 * half, so that probing rarely has to look at the id itself. */
static size_t id_slot(const struct mr_postqueue_reader *r, const uint64_t *slots, size_t mask,
	const char *id, uint32_t hash) {
	size_t h = hash & mask;
	while (slots[h] != 0 &&
		((uint32_t)(slots[h] >> 32) != hash || strcmp(slot_id(r, slots[h]), id) != 0)) {
		h = (h + 1) & mask;
	}
	return h;
}

/*
 * A short Postfix id (upper-case hex, up to 15 digits) as one number: its
 * digits and its length, so exactly one id has it; 0 for other ids. A
 * million of them cost their set's 16 MB, and no copy of their text.
 */
static uint64_t packed_hex_id(const char *id, size_t len) {
	if (len == 0 || len > 15) {
		return 0;
	}
	uint64_t v = 0;
	for (size_t i = 0; i < len; i++) {
		char c = id[i];
		int h = c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (h < 0) {
			return 0;
		}
		v = v << 4 | (uint64_t)h;
	}
	return (uint64_t)len << 60 | v;
}

/* Spreads a packed id's bits over the table's index. */
static size_t hex_hash(uint64_t key) {
	key ^= key >> 31;
	key *= 0x7fb5d329728ea185ull;
	key ^= key >> 27;
	return (size_t)key;
}

/* A named id's slot keeps its hash in the high half (see id_slot). */
static size_t named_slot_hash(uint64_t slot) {
	return (uint32_t)(slot >> 32);
}

/*
 * Doubles an open-addressed table of non-zero 64-bit slots, placing each
 * slot again where slot_hash sends it: both id sets grow this way when half
 * full, so that probes stay short.
 */
static void grow_slots(uint64_t **slots, size_t *mask, size_t (*slot_hash)(uint64_t)) {
	size_t old_mask = *mask, new_mask = old_mask * 2 + 1;
	uint64_t *old = *slots, *grown = mr_big_alloc((new_mask + 1) * sizeof(*grown));
	for (size_t i = 0; i <= old_mask; i++) {
		if (old[i] != 0) {
			size_t k = slot_hash(old[i]) & new_mask;
			while (grown[k] != 0) {
				k = (k + 1) & new_mask;
			}
			grown[k] = old[i];
		}
	}
	mr_big_free(old, (old_mask + 1) * sizeof(*old));
	*slots = grown;
	*mask = new_mask;
}

/* Adds a packed id to the set; false when it was there. */
static bool remember_hex(struct mr_postqueue_reader *r, uint64_t key) {
	if (r->hex_slots == NULL) {
		r->hex_mask = 1023;
		r->hex_slots = mr_big_alloc((r->hex_mask + 1) * sizeof(*r->hex_slots));
	}
	size_t h = hex_hash(key) & r->hex_mask;
	for (; r->hex_slots[h] != 0; h = (h + 1) & r->hex_mask) {
		if (r->hex_slots[h] == key) {
			return false;
		}
	}
	r->hex_slots[h] = key;
	if (++r->n_hex * 2 > r->hex_mask) {
		grow_slots(&r->hex_slots, &r->hex_mask, hex_hash);
	}
	return true;
}

/* Adds message index to the ids seen; false when its id was seen before. */
static bool remember_id(struct mr_postqueue_reader *r, uint32_t index) {
	const char *id = r->snap->messages[index].id;
	size_t len = strlen(id);
	uint64_t packed = r->stream != NULL ? packed_hex_id(id, len) : 0;
	if (packed != 0) {
		return remember_hex(r, packed);
	}
	uint32_t hash = (uint32_t)mr_hash_bytes(id, len);
	size_t h = id_slot(r, r->id_slots, r->id_mask, id, hash);
	if (r->id_slots[h] != 0) {
		return false;
	}
	uint64_t named = (uint64_t)index + 1;
	if (r->stream != NULL) {
		if (r->stream_ids.len + len + 1 >= UINT32_MAX) {
			mr_fatal("more than 4 GiB of queue ids in one listing");
		}
		named = r->stream_ids.len + 1;
		mr_buf_add(&r->stream_ids, id, len + 1);
	}
	r->id_slots[h] = (uint64_t)hash << 32 | named;
	if (++r->n_ids * 2 > r->id_mask) {
		grow_slots(&r->id_slots, &r->id_mask, named_slot_hash);
	}
	return true;
}

static bool parse_line(struct mr_postqueue_reader *r, const char *line, size_t len, char **cause) {
	struct mr_snapshot *snap = r->snap;
	size_t keep_messages = snap->n_messages, keep_rcpts = snap->n_recipients;
	struct cursor c = { line, line + len, NULL };
	struct message_ctx m = { .r = r };
	mr_buf_init(&m.key);
	r->line_pending = r->n_pending;
	m.msg = mr_snapshot_add_message(snap, NULL);
	size_t msg_index = snap->n_messages - 1;
	bool ok = object(&c, &m.key, message_member, &m);
	mr_buf_finish(&m.key);
	m.msg = &snap->messages[msg_index]; /* adding recipients never moves messages */
	if (ok) {
		skip_ws(&c);
		ok = c.p == c.end || fail(&c, "text after the object");
	}
	/* What Postfix always writes (arrival_time may be null, as mailroom
	 * list --json writes an unknown time). */
	static const struct {
		unsigned field;
		const char *error;
	} required[] = {
		{ F_QUEUE_ID, "no queue_id" },
		{ F_QUEUE_NAME, "no queue_name" },
		{ F_ARRIVAL, "no arrival_time" },
		{ F_SIZE, "no message_size" },
		{ F_SENDER, "no sender" },
		{ F_RECIPIENTS, "no recipients" },
	};
	for (size_t i = 0; ok && i < sizeof(required) / sizeof(*required); i++) {
		if (!(m.seen & required[i].field)) {
			ok = fail(&c, required[i].error);
		}
	}
	if (!ok) {
		snap->n_messages = keep_messages;
		snap->n_recipients = keep_rcpts;
		forget_line(r);
		return mr_fail(cause, "%s: line %zu: %s (at byte %zu)", r->name, r->line,
			c.error ? c.error : "not a message", (size_t)(c.p - line) + 1);
	}
	/* Listed twice: the first listing stands. */
	if (!remember_id(r, (uint32_t)msg_index)) {
		mr_warnings_add(&r->warnings,
			"%s: line %zu: queue id %s again; the first line of it is kept (normal "
			"when Postfix moved the message while postqueue -j read the queue)",
			r->name, r->line, m.msg->id);
		snap->n_messages = keep_messages;
		snap->n_recipients = keep_rcpts;
		forget_line(r);
		r->duplicates++;
		return true;
	}
	for (uint32_t i = 0; i < m.msg->n_rcpts; i++) {
		struct mr_recipient *rc = &snap->recipients[m.msg->first_rcpt + i];
		if (rc->state == MR_RCPT_PENDING && m.msg->queue == MR_QUEUE_DEFERRED) {
			rc->state = MR_RCPT_DEFERRED; /* deferred without a reason kept */
		}
	}
	return true;
}

void mr_postqueue_reader_init(
	struct mr_postqueue_reader *r, struct mr_snapshot *snap, const char *name) {
	*r = (struct mr_postqueue_reader){
		.snap = snap,
		.id_mask = 1023,
		.line_max = MR_POSTQUEUE_LINE_MAX,
	};
	r->name = mr_text_visible_dup(name);
	mr_warnings_init(&r->warnings);
	r->pending = mr_xcalloc(PENDING_MAX, sizeof(*r->pending));
	mr_buf_init(&r->pending_text);
	r->id_slots = mr_big_alloc((r->id_mask + 1) * sizeof(*r->id_slots));
	mr_buf_init(&r->partial);
	mr_buf_init(&r->scratch);
	mr_buf_init(&r->stream_ids);
}

void mr_postqueue_reader_stream(struct mr_postqueue_reader *r, struct mr_stream *s) {
	r->stream = s;
	r->snap = s->batch;
}

/* Streaming: the batch goes once it is full, its strings interned first
 * (what waits names its messages and recipients by index). */
static bool offer_batch(struct mr_postqueue_reader *r) {
	if (r->stream == NULL || !mr_stream_full(r->stream)) {
		return true;
	}
	flush_pending(r);
	bool offered = mr_stream_offer(r->stream);
	r->snap = r->stream->batch; /* the next batch is another snapshot */
	if (!offered) {
		r->error = mr_xstrdup("listing stopped");
		return false;
	}
	return true;
}

/* A look at the listing so far for whoever asked (snapshot.h), every
 * MR_GLIMPSE_MESSAGES messages: the strings waiting to be interned first,
 * so that every message read is whole. */
static void offer_glimpse(struct mr_postqueue_reader *r) {
	if (mr_snapshot_glimpse_due(r->snap, &r->glimpsed)) {
		flush_pending(r);
		mr_snapshot_glimpse(r->snap);
	}
}

void mr_postqueue_reader_finish(struct mr_postqueue_reader *r) {
	flush_pending(r); /* whatever end() did not see, the snapshot still gets */
	mr_buf_finish(&r->partial);
	mr_buf_finish(&r->scratch);
	mr_buf_finish(&r->stream_ids);
	if (r->hex_slots != NULL) {
		mr_big_free(r->hex_slots, (r->hex_mask + 1) * sizeof(*r->hex_slots));
	}
	mr_buf_finish(&r->pending_text);
	free(r->pending);
	mr_big_free(r->id_slots, (r->id_mask + 1) * sizeof(*r->id_slots));
	mr_warnings_finish(&r->warnings);
	free(r->name);
	free(r->error);
}

static bool one_line(struct mr_postqueue_reader *r, const char *line, size_t len) {
	r->line++;
	/* An empty line is skipped, also one ended "\r\n" (a listing that went
	 * through a Windows editor or a CRLF pipe). */
	if (len == 0 || (len == 1 && line[0] == '\r')) {
		return true;
	}
	return parse_line(r, line, len, &r->error);
}

/* "NAME: line N: longer than 64 MiB" (in bytes for a limit a test set). */
static bool too_long(const char *name, size_t line, size_t max, char **cause) {
	if (max % ((size_t)1 << 20) == 0) {
		return mr_fail(cause, "%s: line %zu: longer than %zu MiB", name, line, max >> 20);
	}
	return mr_fail(cause, "%s: line %zu: longer than %zu bytes", name, line, max);
}

bool mr_line_meter_feed(struct mr_line_meter *m, const char *data, size_t len, size_t max,
	const char *name, char **cause) {
	const char *end = data + len;
	for (const char *nl; (nl = memchr(data, '\n', (size_t)(end - data))) != NULL;
		data = nl + 1) {
		if (m->len + (size_t)(nl - data) > max) {
			return too_long(name, m->lines + 1, max, cause);
		}
		m->lines++;
		m->len = 0;
	}
	m->len += (size_t)(end - data);
	return m->len <= max || too_long(name, m->lines + 1, max, cause);
}

bool mr_postqueue_feed(struct mr_postqueue_reader *r, const char *data, size_t len) {
	if (r->error != NULL) {
		return false;
	}
	const char *end = data + len;
	while (data < end) {
		const char *nl = memchr(data, '\n', (size_t)(end - data));
		/* Checked before the line is kept: memory stays within the limit
		 * however long the line, and however it is cut into pieces. */
		size_t piece = (size_t)((nl ? nl : end) - data);
		if (r->partial.len + piece > r->line_max) {
			mr_buf_clear(&r->partial);
			return too_long(r->name, r->line + 1, r->line_max, &r->error);
		}
		if (nl == NULL) {
			mr_buf_add(&r->partial, data, (size_t)(end - data));
			return true;
		}
		bool ok;
		if (r->partial.len > 0) {
			mr_buf_add(&r->partial, data, (size_t)(nl - data));
			ok = one_line(r, r->partial.data, r->partial.len);
			mr_buf_clear(&r->partial);
		} else {
			ok = one_line(r, data, (size_t)(nl - data));
		}
		if (!ok || !offer_batch(r)) {
			return false;
		}
		offer_glimpse(r);
		data = nl + 1;
	}
	return true;
}

bool mr_postqueue_end(struct mr_postqueue_reader *r) {
	bool ok = r->error == NULL;
	if (ok && r->partial.len > 0) {
		ok = one_line(r, r->partial.data, r->partial.len);
		mr_buf_clear(&r->partial);
	}
	/* Also after an error: the lines read before it are whole. */
	flush_pending(r);
	return ok;
}
