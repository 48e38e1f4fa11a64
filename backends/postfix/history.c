/*
 * Delivery history: every attempt the mail log holds for the messages still
 * queued. Postfix writes one line per recipient per attempt:
 *
 *   ... postfix/smtp[..]: ID: to=<rcpt>, [orig_to=<a>, ]relay=mx.example[192.0.2.1]:25,
 *       [conn_use=2, ]delay=5.2, delays=0.1/0/5/0, dsn=4.4.1, status=deferred (REPLY)
 *
 * maillog.c reads the log once (its end, MAILLOG_TAIL) and hands every such
 * line here; the listing then takes the attempts of its own ids. What the
 * log no longer holds is not invented: a message that arrived before the
 * first line read has "at least" the attempts found (MR_MSG_HISTORY_PARTIAL).
 *
 * The lines are untrusted text: fields are bounded, the id was checked by
 * the caller, and the status counts only where it is the line's own (see
 * pf_delivery_parse()).
 */

#define _GNU_SOURCE /* memmem */

#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "strpool.h"
#include "xalloc.h"

/* Longer fields are not Postfix's: an address is at most 254 bytes in
 * practice (RFC 5321's path, Postfix's line_length_limit is 2048), a relay
 * a host name, an address and a port. A reply is kept to its first
 * HISTORY_REPLY_MAX bytes. */
enum { HISTORY_FIELD_MAX = 2048, HISTORY_RELAY_MAX = 1024, HISTORY_REPLY_MAX = 8192 };

/* needle in s[0..end), lines not being NUL-terminated. */
static const char *find_in(const char *s, const char *end, const char *needle) {
	return s != NULL && s < end ? memmem(s, (size_t)(end - s), needle, strlen(needle)) : NULL;
}

/* "0.12" as hundredths (12); digits after the second decimal are dropped.
 * MR_DELAY_UNKNOWN when s does not start with a number. */
static uint32_t hundredths(const char *s, const char *end, const char **after) {
	uint64_t v = 0;
	const char *p = s;
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > UINT32_MAX / 100) {
			return MR_DELAY_UNKNOWN; /* 497 days: not a delay */
		}
	}
	if (p == s) {
		return MR_DELAY_UNKNOWN;
	}
	v *= 100;
	if (p < end && *p == '.') {
		p++;
		for (int scale = 10; p < end && *p >= '0' && *p <= '9'; p++, scale /= 10) {
			v += (uint64_t)(*p - '0') * (uint64_t)scale;
		}
	}
	*after = p;
	return (uint32_t)v;
}

/* "a/b/c/d" into delays; each unknown that is not a number. */
static void parse_delays(const char *s, const char *end, uint32_t delays[4]) {
	for (int i = 0; i < 4; i++) {
		delays[i] = MR_DELAY_UNKNOWN;
	}
	for (int i = 0; i < 4 && s < end; i++) {
		const char *after = s;
		delays[i] = hundredths(s, end, &after);
		if (delays[i] == MR_DELAY_UNKNOWN || after >= end || *after != '/') {
			return;
		}
		s = after + 1;
	}
}

/* The value of ", KEY" between from and to, up to the next ", " (or to). */
static bool field(const char *from, const char *to, const char *key, struct pf_span *out) {
	const char *p = find_in(from, to, key);
	if (p == NULL) {
		return false;
	}
	p += strlen(key);
	const char *comma = find_in(p, to, ", ");
	out->p = p;
	out->len = (size_t)((comma ? comma : to) - p);
	return true;
}

bool pf_delivery_parse(const char *rest, const char *end, struct pf_delivery *d) {
	static const char to[] = "to=<";
	*d = (struct pf_delivery){ 0 };
	if ((size_t)(end - rest) < sizeof(to) - 1 || memcmp(rest, to, sizeof(to) - 1) != 0) {
		return false;
	}
	const char *addr = rest + sizeof(to) - 1;
	const char *close = memchr(addr, '>', (size_t)(end - addr));
	if (close == NULL) {
		return false;
	}
	d->to = (struct pf_span){ addr, (size_t)(close - addr) };
	/* The status is the first ", status=" after the address fields end
	 * (">, relay="): the reply after it comes from the remote server and
	 * the addresses before it from senders, and either may hold
	 * "status=bounced (". Nothing after it counts. */
	const char *relay = find_in(rest, end, ">, relay=");
	const char *status = relay ? find_in(relay, end, ", status=") : NULL;
	if (status == NULL) {
		return false;
	}
	d->status_at = status + 9;
	static const char *const words[MR_ATTEMPT_STATUS_COUNT] = { "deferred", "bounced", "sent" };
	d->status = MR_ATTEMPT_STATUS_COUNT;
	for (int i = 0; i < MR_ATTEMPT_STATUS_COUNT; i++) {
		size_t k = strlen(words[i]);
		const char *p = d->status_at;
		/* "WORD (REPLY)" to the line's end. */
		if ((size_t)(end - p) >= k + 3 && memcmp(p, words[i], k) == 0 && p[k] == ' ' &&
			p[k + 1] == '(' && end[-1] == ')') {
			d->status = (enum mr_attempt_status)i;
			d->reply = (struct pf_span){ p + k + 2, (size_t)(end - 1 - (p + k + 2)) };
		}
	}
	if (d->status == MR_ATTEMPT_STATUS_COUNT) {
		return false;
	}
	/* The fields from relay= to status= are Postfix's own; each ends at
	 * the next ", " (the one before status= included). */
	const char *fields = relay + 1;
	field(fields, status + 2, ", relay=", &d->relay);
	field(fields, status + 2, ", dsn=", &d->dsn);
	struct pf_span delays;
	if (field(fields, status + 2, ", delays=", &delays)) {
		parse_delays(delays.p, delays.p + delays.len, d->delays);
	} else {
		parse_delays(NULL, NULL, d->delays);
	}
	return true;
}

/* --- what was read, by queue id ----------------------------------------- */

struct logged_attempt {
	const char *recipient, *relay, *dsn, *reply; /* in the history's pool */
	int64_t when;
	uint32_t delays[4];
	uint32_t next; /* the id's next attempt, UINT32_MAX: the last */
	uint8_t status;
};

struct chain {
	uint32_t head, tail;
};

struct pf_history {
	struct mr_strpool *pool;
	struct mr_ptrmap ids; /* interned id -> index into chains */
	struct chain *chains;
	size_t n_chains, cap_chains;
	struct logged_attempt *attempts;
	size_t n_attempts, cap_attempts;
	int64_t since; /* the time of the first line read */
};

struct pf_history *pf_history_create(void) {
	struct pf_history *h = mr_xcalloc(1, sizeof(*h));
	h->pool = mr_strpool_create();
	mr_ptrmap_init(&h->ids);
	return h;
}

void pf_history_destroy(struct pf_history *h) {
	if (h == NULL) {
		return;
	}
	mr_ptrmap_finish(&h->ids);
	mr_strpool_destroy(h->pool);
	free(h->chains);
	free(h->attempts);
	free(h);
}

void pf_history_since(struct pf_history *h, int64_t when) {
	if (h->since == MR_TIME_UNKNOWN) {
		h->since = when;
	}
}

void pf_history_add(
	struct pf_history *h, const char *id, const struct pf_delivery *d, int64_t when) {
	if (d->to.len > HISTORY_FIELD_MAX || d->relay.len > HISTORY_RELAY_MAX || d->dsn.len > 16 ||
		h->n_attempts >= UINT32_MAX - 1) {
		return;
	}
	const char *key = mr_strpool_intern(h->pool, id, strlen(id));
	uint32_t c = mr_ptrmap_get(&h->ids, key);
	if (c == UINT32_MAX) {
		if (h->n_chains == h->cap_chains) {
			h->cap_chains = h->cap_chains ? h->cap_chains * 2 : 256;
			h->chains = mr_xreallocarray(h->chains, h->cap_chains, sizeof(*h->chains));
		}
		c = (uint32_t)h->n_chains++;
		h->chains[c] = (struct chain){ UINT32_MAX, UINT32_MAX };
		mr_ptrmap_put(&h->ids, key, c);
	}
	if (h->n_attempts == h->cap_attempts) {
		h->cap_attempts = h->cap_attempts ? h->cap_attempts * 2 : 1024;
		h->attempts = mr_xreallocarray(h->attempts, h->cap_attempts, sizeof(*h->attempts));
	}
	uint32_t i = (uint32_t)h->n_attempts++;
	size_t reply_len = d->reply.len < HISTORY_REPLY_MAX ? d->reply.len : HISTORY_REPLY_MAX;
	struct logged_attempt *a = &h->attempts[i];
	*a = (struct logged_attempt){
		.recipient = mr_strpool_intern(h->pool, d->to.p, d->to.len),
		.relay = mr_strpool_intern(h->pool, d->relay.p ? d->relay.p : "", d->relay.len),
		.dsn = mr_strpool_intern(h->pool, d->dsn.p ? d->dsn.p : "", d->dsn.len),
		.reply = mr_strpool_intern(h->pool, d->reply.p, reply_len),
		.when = when,
		.next = UINT32_MAX,
		.status = (uint8_t)d->status,
	};
	memcpy(a->delays, d->delays, sizeof(a->delays));
	struct chain *ch = &h->chains[c];
	if (ch->tail == UINT32_MAX) {
		ch->head = i;
	} else {
		h->attempts[ch->tail].next = i;
	}
	ch->tail = i;
}

/* --- into the listing --------------------------------------------------- */

/* A recipient the log names that the listing does not have (Postfix lists
 * only the recipients still to deliver): kept when its last attempt
 * bounced, so that it shows with its own reason. */
struct unlisted {
	const char *address; /* in the snapshot's pool */
	const struct mr_text *reason;
	int64_t when;
	int32_t attempts;
	bool bounced;
};

struct extras {
	uint32_t *messages;
	struct unlisted *rcpts;
	size_t n, cap;
};

/* The listed recipient with address (an interned pointer), or NULL. Many
 * recipients are looked up through map, built once per message. */
static struct mr_recipient *listed(struct mr_snapshot *snap, const struct mr_message *msg,
	struct mr_ptrmap *map, bool *mapped, const char *address) {
	enum { LINEAR_MAX = 32 };
	if (msg->n_rcpts <= LINEAR_MAX) {
		for (uint32_t i = 0; i < msg->n_rcpts; i++) {
			struct mr_recipient *r = &snap->recipients[msg->first_rcpt + i];
			if (r->address == address) {
				return r;
			}
		}
		return NULL;
	}
	if (!*mapped) {
		for (uint32_t i = msg->n_rcpts; i-- > 0;) { /* the first of equal ones wins */
			mr_ptrmap_put(map, snap->recipients[msg->first_rcpt + i].address, i);
		}
		*mapped = true;
	}
	uint32_t i = mr_ptrmap_get(map, address);
	return i == UINT32_MAX ? NULL : &snap->recipients[msg->first_rcpt + i];
}

static struct unlisted *unlisted_of(
	struct unlisted **list, size_t *n, size_t *cap, const char *address) {
	for (size_t i = 0; i < *n; i++) {
		if ((*list)[i].address == address) {
			return &(*list)[i];
		}
	}
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 4;
		*list = mr_xreallocarray(*list, *cap, sizeof(**list));
	}
	(*list)[*n] = (struct unlisted){ .address = address };
	return &(*list)[(*n)++];
}

static void extra_add(struct extras *x, uint32_t message, const struct unlisted *u) {
	if (x->n == x->cap) {
		x->cap = x->cap ? x->cap * 2 : 16;
		x->messages = mr_xreallocarray(x->messages, x->cap, sizeof(*x->messages));
		x->rcpts = mr_xreallocarray(x->rcpts, x->cap, sizeof(*x->rcpts));
	}
	x->messages[x->n] = message;
	x->rcpts[x->n++] = *u;
}

/* One message's attempts into snap; bounced recipients it does not list
 * into x. */
static void apply_message(struct pf_history *h, struct mr_snapshot *snap, uint32_t m,
	const struct chain *ch, struct extras *x, struct unlisted **unl, size_t *cap_unl) {
	struct mr_message *msg = &snap->messages[m];
	bool partial = (msg->flags & MR_MSG_HISTORY_PARTIAL) != 0;
	for (uint32_t i = 0; i < msg->n_rcpts; i++) {
		snap->recipients[msg->first_rcpt + i].attempts = 0;
	}
	struct mr_ptrmap map;
	bool mapped = false;
	mr_ptrmap_init(&map);
	size_t n_unl = 0;
	for (uint32_t i = ch ? ch->head : UINT32_MAX; i != UINT32_MAX; i = h->attempts[i].next) {
		const struct logged_attempt *l = &h->attempts[i];
		struct mr_attempt *a = mr_snapshot_add_attempt(snap, m);
		a->recipient = mr_snapshot_intern(snap, l->recipient);
		a->relay = mr_snapshot_intern(snap, l->relay);
		a->dsn = mr_snapshot_intern(snap, l->dsn);
		a->reply = mr_snapshot_reason(snap, l->reply, strlen(l->reply));
		a->when = l->when;
		memcpy(a->delays, l->delays, sizeof(a->delays));
		a->status = l->status;
		struct mr_recipient *r = listed(snap, msg, &map, &mapped, a->recipient);
		if (r != NULL) {
			r->attempts = mr_attempts_clamp((int64_t)r->attempts + 1);
			if (l->when > r->last_attempt) {
				r->last_attempt = l->when;
			}
			continue;
		}
		struct unlisted *u = unlisted_of(unl, &n_unl, cap_unl, a->recipient);
		u->attempts++;
		u->when = l->when;
		u->bounced = l->status == MR_ATTEMPT_BOUNCED;
		u->reason = a->reply;
	}
	mr_ptrmap_finish(&map);
	/* Not in the log read: none when the log reaches back to the arrival,
	 * else not known. */
	for (uint32_t i = 0; partial && i < msg->n_rcpts; i++) {
		struct mr_recipient *r = &snap->recipients[msg->first_rcpt + i];
		if (r->attempts == 0) {
			r->attempts = MR_ATTEMPTS_UNKNOWN;
		}
	}
	for (size_t i = 0; msg->queue != MR_QUEUE_BOUNCED && i < n_unl; i++) {
		if ((*unl)[i].bounced) {
			extra_add(x, m, &(*unl)[i]);
		}
	}
}

/* The bounced recipients the listing did not have, after each message's own. */
static void add_extras(struct mr_snapshot *snap, const struct extras *x) {
	mr_snapshot_insert_recipients(snap, x->messages, x->n);
	for (size_t i = 0; i < x->n;) {
		const struct mr_message *msg = &snap->messages[x->messages[i]];
		size_t same = 1;
		while (i + same < x->n && x->messages[i + same] == x->messages[i]) {
			same++;
		}
		struct mr_recipient *r = &snap->recipients[msg->first_rcpt + msg->n_rcpts - same];
		for (size_t j = 0; j < same; j++, r++) {
			const struct unlisted *u = &x->rcpts[i + j];
			r->address = u->address;
			r->state = MR_RCPT_BOUNCED;
			r->reason = u->reason;
			r->last_attempt = u->when;
			r->attempts = mr_attempts_clamp(u->attempts);
		}
		i += same;
	}
}

void pf_history_apply(struct pf_history *h, struct mr_snapshot *snap) {
	if (h == NULL || snap == NULL) {
		return;
	}
	struct extras x = { 0 };
	struct unlisted *unl = NULL;
	size_t cap_unl = 0;
	size_t n = snap->n_messages;
	for (size_t m = 0; m < n; m++) {
		struct mr_message *msg = &snap->messages[m];
		msg->flags |= MR_MSG_HISTORY;
		if (h->since == MR_TIME_UNKNOWN || msg->arrival == MR_TIME_UNKNOWN ||
			h->since > msg->arrival) {
			msg->flags |= MR_MSG_HISTORY_PARTIAL;
		}
		const char *key = mr_strpool_find(h->pool, msg->id, strlen(msg->id));
		uint32_t c = key ? mr_ptrmap_get(&h->ids, key) : UINT32_MAX;
		apply_message(h, snap, (uint32_t)m, c == UINT32_MAX ? NULL : &h->chains[c], &x,
			&unl, &cap_unl);
	}
	add_extras(snap, &x);
	free(x.messages);
	free(x.rcpts);
	free(unl);
}
