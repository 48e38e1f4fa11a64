#include "generate.h"
#include "queueid.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tsv.h"
#include "xalloc.h"

/* The outbound side of the generated queue (documentation addresses). */
static const char *const client_ips[] = { "198.51.100.23", "198.51.100.24", "198.51.100.41" };
static const char client_host[] = "out2.relay.hostingcompany.example";

/* How stuck mail spreads over the queues on a troubled day. */
static const struct {
	enum mr_queue queue;
	unsigned weight;
} queue_mix[] = {
	{ MR_QUEUE_DEFERRED, 62 },
	{ MR_QUEUE_BOUNCED, 16 },
	{ MR_QUEUE_HOLD, 10 },
	{ MR_QUEUE_ACTIVE, 8 },
	{ MR_QUEUE_INCOMING, 2 },
	{ MR_QUEUE_MAILDROP, 2 },
};

/* Postfix's defaults: first retry after minimal_backoff_time, doubling up
 * to maximal_backoff_time; mail is returned after maximal_queue_lifetime. */
enum {
	MIN_BACKOFF = 300,
	MAX_BACKOFF = 4000,
	QUEUE_LIFETIME = 5 * 86400,
};

enum outcome { OUTCOME_DEFERRED, OUTCOME_BOUNCED };

struct weighted {
	uint64_t *cumulative; /* cumulative[i] = sum of weights 0..i */
	size_t n;
};

struct reply {
	const char *text;
	enum outcome outcome;
};

struct profile {
	const char *name;
	struct reply *replies[2]; /* by outcome */
	struct weighted pick[2];
	size_t n[2];
};

struct domain {
	const char *name;
	const char *mx;
	const char *ip;
	size_t *profiles; /* indices into gen->profiles, most specific first */
	size_t n_profiles;
};

enum sender_kind {
	KIND_NEWSLETTER,
	KIND_TRANSACTIONAL,
	KIND_PERSON,
	KIND_SYSTEM,
	KIND_BOUNCE,
	KIND_COUNT
};

static const char *const kind_names[KIND_COUNT] = { "newsletter", "transactional", "person",
	"system", "bounce" };

struct sender {
	const char *address;
	enum sender_kind kind;
};

struct mr_gen {
	struct mr_gen_options options;
	struct mr_tsv domains_tsv, replies_tsv, senders_tsv, subjects_tsv, names_tsv;
	struct domain *domains;
	size_t n_domains;
	struct weighted domain_pick;
	struct profile *profiles;
	size_t n_profiles;
	struct sender *senders;
	size_t n_senders;
	struct weighted sender_pick;
	const char **subjects[KIND_COUNT];
	size_t n_subjects[KIND_COUNT];
	uint64_t next_index;
	struct mr_buf scratch;
};

/* splitmix64: tiny, fast, and its output is the same on every platform. */
struct rng {
	uint64_t state;
};

static uint64_t rng_next(struct rng *rng) {
	uint64_t z = (rng->state += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* Uniform in [0, bound), bound > 0; the bias is below 2^-40 for our bounds. */
static uint64_t rng_below(struct rng *rng, uint64_t bound) {
	return rng_next(rng) % bound;
}

static double rng_unit(struct rng *rng) {
	return (double)(rng_next(rng) >> 11) / (double)(UINT64_C(1) << 53);
}

static bool chance(struct rng *rng, unsigned percent) {
	return rng_below(rng, 100) < percent;
}

static void weighted_add(struct weighted *w, unsigned long weight) {
	w->cumulative = mr_xreallocarray(w->cumulative, w->n + 1, sizeof(*w->cumulative));
	w->cumulative[w->n] = (w->n > 0 ? w->cumulative[w->n - 1] : 0) + weight;
	w->n++;
}

static size_t weighted_pick(const struct weighted *w, struct rng *rng) {
	uint64_t r = rng_below(rng, w->cumulative[w->n - 1]);
	size_t lo = 0, hi = w->n - 1;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (w->cumulative[mid] > r) {
			hi = mid;
		} else {
			lo = mid + 1;
		}
	}
	return lo;
}

static bool load_profiles(struct mr_gen *gen, char **cause) {
	static const char *const columns[] = { "profile", "weight", "outcome", "text", NULL };
	struct mr_tsv *t = &gen->replies_tsv;
	if (!mr_tsv_load_blob(t, "demo/replies.tsv", columns, cause)) {
		return false;
	}
	gen->profiles = mr_xcalloc(t->n_rows, sizeof(*gen->profiles));
	for (size_t r = 0; r < t->n_rows; r++) {
		const struct mr_tsv_row *row = &t->rows[r];
		unsigned long weight;
		if (!mr_tsv_positive(t, row, 1, &weight, cause)) {
			return false;
		}
		enum outcome outcome;
		if (strcmp(row->fields[2], "deferred") == 0) {
			outcome = OUTCOME_DEFERRED;
		} else if (strcmp(row->fields[2], "bounced") == 0) {
			outcome = OUTCOME_BOUNCED;
		} else {
			return mr_fail(cause,
				"%s:%zu: outcome \"%s\" is neither deferred nor bounced", t->name,
				row->line, row->fields[2]);
		}
		struct profile *p = NULL;
		for (size_t i = 0; i < gen->n_profiles; i++) {
			if (strcmp(gen->profiles[i].name, row->fields[0]) == 0) {
				p = &gen->profiles[i];
			}
		}
		if (p == NULL) {
			p = &gen->profiles[gen->n_profiles++];
			p->name = row->fields[0];
		}
		p->replies[outcome] = mr_xreallocarray(
			p->replies[outcome], p->n[outcome] + 1, sizeof(struct reply));
		p->replies[outcome][p->n[outcome]++] =
			(struct reply){ .text = row->fields[3], .outcome = outcome };
		weighted_add(&p->pick[outcome], weight);
	}
	return true;
}

static bool load_domains(struct mr_gen *gen, char **cause) {
	static const char *const columns[] = { "domain", "weight", "mx", "ip", "profiles", NULL };
	struct mr_tsv *t = &gen->domains_tsv;
	if (!mr_tsv_load_blob(t, "demo/domains.tsv", columns, cause)) {
		return false;
	}
	gen->domains = mr_xcalloc(t->n_rows, sizeof(*gen->domains));
	for (size_t r = 0; r < t->n_rows; r++) {
		const struct mr_tsv_row *row = &t->rows[r];
		struct domain *d = &gen->domains[gen->n_domains++];
		unsigned long weight;
		if (!mr_tsv_positive(t, row, 1, &weight, cause)) {
			return false;
		}
		d->name = row->fields[0];
		d->mx = row->fields[2];
		d->ip = row->fields[3];
		weighted_add(&gen->domain_pick, weight);
		/* Split the comma list in place (the row owns the string). */
		for (char *name = strtok(row->fields[4], ","); name != NULL;
			name = strtok(NULL, ",")) {
			size_t found = gen->n_profiles;
			for (size_t i = 0; i < gen->n_profiles; i++) {
				if (strcmp(gen->profiles[i].name, name) == 0) {
					found = i;
				}
			}
			if (found == gen->n_profiles) {
				return mr_fail(cause,
					"%s:%zu: profile \"%s\" is not in demo/replies.tsv",
					t->name, row->line, name);
			}
			d->profiles = mr_xreallocarray(
				d->profiles, d->n_profiles + 1, sizeof(*d->profiles));
			d->profiles[d->n_profiles++] = found;
		}
		if (d->n_profiles == 0) {
			return mr_fail(cause, "%s:%zu: no profiles", t->name, row->line);
		}
	}
	if (gen->n_domains == 0) {
		return mr_fail(cause, "%s: no domains", t->name);
	}
	return true;
}

static bool parse_kind(const char *name, enum sender_kind *kind) {
	for (unsigned i = 0; i < KIND_COUNT; i++) {
		if (strcmp(name, kind_names[i]) == 0) {
			*kind = (enum sender_kind)i;
			return true;
		}
	}
	return false;
}

static bool load_people(struct mr_gen *gen, char **cause) {
	static const char *const sender_columns[] = { "address", "weight", "kind", NULL };
	static const char *const subject_columns[] = { "kind", "subject", NULL };
	static const char *const name_columns[] = { "given", "family", NULL };
	struct mr_tsv *t = &gen->senders_tsv;
	if (!mr_tsv_load_blob(t, "demo/senders.tsv", sender_columns, cause)) {
		return false;
	}
	gen->senders = mr_xcalloc(t->n_rows, sizeof(*gen->senders));
	for (size_t r = 0; r < t->n_rows; r++) {
		const struct mr_tsv_row *row = &t->rows[r];
		struct sender *s = &gen->senders[gen->n_senders++];
		unsigned long weight;
		if (!mr_tsv_positive(t, row, 1, &weight, cause)) {
			return false;
		}
		if (!parse_kind(row->fields[2], &s->kind)) {
			return mr_fail(cause, "%s:%zu: unknown sender kind \"%s\"", t->name,
				row->line, row->fields[2]);
		}
		s->address = row->fields[0];
		weighted_add(&gen->sender_pick, weight);
	}
	t = &gen->subjects_tsv;
	if (!mr_tsv_load_blob(t, "demo/subjects.tsv", subject_columns, cause)) {
		return false;
	}
	for (size_t r = 0; r < t->n_rows; r++) {
		const struct mr_tsv_row *row = &t->rows[r];
		enum sender_kind kind;
		if (!parse_kind(row->fields[0], &kind)) {
			return mr_fail(cause, "%s:%zu: unknown sender kind \"%s\"", t->name,
				row->line, row->fields[0]);
		}
		gen->subjects[kind] = mr_xreallocarray(
			gen->subjects[kind], gen->n_subjects[kind] + 1, sizeof(const char *));
		gen->subjects[kind][gen->n_subjects[kind]++] = row->fields[1];
	}
	for (unsigned k = 0; k < KIND_COUNT; k++) {
		if (gen->n_subjects[k] == 0) {
			return mr_fail(
				cause, "%s: no subject for kind \"%s\"", t->name, kind_names[k]);
		}
	}
	if (gen->n_senders == 0) {
		return mr_fail(cause, "demo/senders.tsv: no senders");
	}
	if (!mr_tsv_load_blob(&gen->names_tsv, "demo/names.tsv", name_columns, cause)) {
		return false;
	}
	if (gen->names_tsv.n_rows == 0) {
		return mr_fail(cause, "demo/names.tsv: no names");
	}
	return true;
}

struct mr_gen *mr_gen_create(const struct mr_gen_options *options, char **cause) {
	struct mr_gen *gen = mr_xcalloc(1, sizeof(*gen));
	gen->options = *options;
	mr_buf_init(&gen->scratch);
	if (!load_profiles(gen, cause) || !load_domains(gen, cause) || !load_people(gen, cause)) {
		mr_gen_destroy(gen);
		return NULL;
	}
	return gen;
}

void mr_gen_destroy(struct mr_gen *gen) {
	if (gen == NULL) {
		return;
	}
	for (size_t i = 0; i < gen->n_profiles; i++) {
		for (int o = 0; o < 2; o++) {
			free(gen->profiles[i].replies[o]);
			free(gen->profiles[i].pick[o].cumulative);
		}
	}
	for (size_t i = 0; i < gen->n_domains; i++) {
		free(gen->domains[i].profiles);
	}
	for (unsigned k = 0; k < KIND_COUNT; k++) {
		free(gen->subjects[k]);
	}
	free(gen->profiles);
	free(gen->domains);
	free(gen->senders);
	free(gen->domain_pick.cumulative);
	free(gen->sender_pick.cumulative);
	mr_tsv_finish(&gen->domains_tsv);
	mr_tsv_finish(&gen->replies_tsv);
	mr_tsv_finish(&gen->senders_tsv);
	mr_tsv_finish(&gen->subjects_tsv);
	mr_tsv_finish(&gen->names_tsv);
	mr_buf_finish(&gen->scratch);
	free(gen);
}

static const char *domain_of(const char *address) {
	const char *at = strrchr(address, '@');
	return at != NULL ? at + 1 : "";
}

/* "anna.mueller", "a.mueller", "annamueller", "anna", "mueller42". */
static void local_part(const struct mr_gen *gen, struct rng *rng, struct mr_buf *out) {
	const struct mr_tsv *names = &gen->names_tsv;
	const char *given = names->rows[rng_below(rng, names->n_rows)].fields[0];
	const char *family = names->rows[rng_below(rng, names->n_rows)].fields[1];
	switch (rng_below(rng, 6)) {
	case 0:
	case 1:
		mr_buf_printf(out, "%s.%s", given, family);
		break;
	case 2:
		mr_buf_printf(out, "%c.%s", given[0], family);
		break;
	case 3:
		mr_buf_printf(out, "%s%s", given, family);
		break;
	case 4:
		mr_buf_printf(out, "%s", given);
		break;
	default:
		mr_buf_printf(out, "%s%u", family, (unsigned)rng_below(rng, 100));
		break;
	}
}

struct reply_context {
	const struct domain *domain;
	const char *rcpt;
	const char *sender;
	const char *client_ip;
	int64_t when;
	struct rng *rng;
};

static void add_token(struct mr_buf *out, struct rng *rng) {
	/* Shaped like Gmail's trace token: hex, a dash, a mixed tail. */
	static const char alnum[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	mr_buf_printf(out, "%013" PRIx64 "-", rng_next(rng) & UINT64_C(0xfffffffffffff));
	for (int i = 0; i < 20; i++) {
		mr_buf_add_char(out, alnum[rng_below(rng, sizeof(alnum) - 1)]);
	}
	mr_buf_printf(out, ".%u", (unsigned)rng_below(rng, 900) + 10);
}

static void add_date(struct mr_buf *out, int64_t t) {
	char date[64];
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	mr_buf_add_str(out, date);
}

/* Expands a reply template's {placeholders}. */
static void expand(const char *template, const struct reply_context *c, struct mr_buf *out) {
	const char *local_end = strrchr(c->rcpt, '@');
	for (const char *p = template; *p != '\0'; p++) {
		const char *close = *p == '{' ? strchr(p, '}') : NULL;
		if (close == NULL) {
			mr_buf_add_char(out, *p);
			continue;
		}
		size_t n = (size_t)(close - p - 1);
		const char *name = p + 1;
#define IS(key) (n == sizeof(key) - 1 && memcmp(name, key, n) == 0)
		if (IS("mx")) {
			mr_buf_add_str(out, c->domain->mx);
		} else if (IS("ip")) {
			mr_buf_add_str(out, c->domain->ip);
		} else if (IS("domain")) {
			mr_buf_add_str(out, c->domain->name);
		} else if (IS("rcpt")) {
			mr_buf_add_str(out, c->rcpt);
		} else if (IS("local")) {
			mr_buf_add(out, c->rcpt,
				local_end ? (size_t)(local_end - c->rcpt) : strlen(c->rcpt));
		} else if (IS("client_ip")) {
			mr_buf_add_str(out, c->client_ip);
		} else if (IS("client_host")) {
			mr_buf_add_str(out, client_host);
		} else if (IS("sender_domain")) {
			mr_buf_add_str(out, *c->sender ? domain_of(c->sender) : client_host);
		} else if (IS("token")) {
			add_token(out, c->rng);
		} else if (IS("date")) {
			add_date(out, c->when);
		} else if (IS("msgid")) {
			mr_buf_printf(out, "%016" PRIX64, rng_next(c->rng));
		} else {
			/* Not a placeholder: keep the text as it is. */
			mr_buf_add(out, p, n + 2);
		}
#undef IS
		p = close;
	}
}

/*
 * Picks a reply for a recipient at a domain: mostly from the domain's own
 * profile (its provider's texts), sometimes a more generic one, and the
 * last profile (network trouble) now and then.
 */
static const struct reply *pick_reply(
	const struct mr_gen *gen, const struct domain *d, enum outcome outcome, struct rng *rng) {
	size_t start = 0;
	uint64_t r = rng_below(rng, 100);
	if (d->n_profiles > 1) {
		if (r >= 90) {
			start = d->n_profiles - 1;
		} else if (r >= 60) {
			start = 1 + (size_t)rng_below(rng, d->n_profiles - 1);
		}
	}
	/* Fall through to later profiles, then wrap, until one has such replies. */
	for (size_t k = 0; k < d->n_profiles; k++) {
		const struct profile *p = &gen->profiles[d->profiles[(start + k) % d->n_profiles]];
		if (p->n[outcome] > 0) {
			return &p->replies[outcome][weighted_pick(&p->pick[outcome], rng)];
		}
	}
	return NULL;
}

/* Attempts Postfix would have made since arrival, with exponential backoff. */
static void simulate_attempts(
	int64_t arrival, int64_t now, int32_t *attempts, int64_t *last, int64_t *next) {
	int64_t t = arrival;
	int64_t backoff = MIN_BACKOFF;
	int32_t n = 0;
	*last = arrival;
	while (t <= now) {
		n++;
		*last = t;
		t += backoff;
		backoff = backoff * 2 > MAX_BACKOFF ? MAX_BACKOFF : backoff * 2;
	}
	*attempts = n;
	*next = t;
}

/* A draw between lo and hi whose logarithm is uniform: sizes and ages of
 * queued mail spread over orders of magnitude. */
static double log_uniform(struct rng *rng, double lo, double hi) {
	return lo * exp(log(hi / lo) * rng_unit(rng));
}

static uint64_t message_size(enum sender_kind kind, struct rng *rng) {
	static const double range[KIND_COUNT][2] = {
		[KIND_NEWSLETTER] = { 18e3, 120e3 },
		[KIND_TRANSACTIONAL] = { 4e3, 40e3 },
		[KIND_PERSON] = { 1.5e3, 18e6 },
		[KIND_SYSTEM] = { 800, 9e3 },
		[KIND_BOUNCE] = { 3e3, 60e3 },
	};
	return (uint64_t)log_uniform(rng, range[kind][0], range[kind][1]);
}

/* Addresses are interned, so equal addresses are the same pointer. */
static bool has_recipient(
	const struct mr_snapshot *snap, const struct mr_message *msg, const char *address) {
	for (uint32_t i = 0; i < msg->n_rcpts; i++) {
		if (mr_message_rcpt(snap, msg, i)->address == address) {
			return true;
		}
	}
	return false;
}

static void add_recipients(const struct mr_gen *gen, struct mr_snapshot *snap,
	struct mr_message *msg, struct rng *rng, int64_t now, struct mr_buf *scratch) {
	unsigned n = 1;
	uint64_t r = rng_below(rng, 100);
	if (r >= 96) {
		n = 6 + (unsigned)rng_below(rng, 35);
	} else if (r >= 88) {
		n = 3 + (unsigned)rng_below(rng, 3);
	} else if (r >= 78) {
		n = 2;
	}
	/* Whether delivery was tried is a property of the message: held mail
	 * was often deferred first, active mail may be on its first attempt,
	 * mail waiting for pickup or cleanup has never been tried. */
	enum outcome outcome = msg->queue == MR_QUEUE_BOUNCED ? OUTCOME_BOUNCED : OUTCOME_DEFERRED;
	bool tried = true;
	switch ((enum mr_queue)msg->queue) {
	case MR_QUEUE_HOLD:
		tried = chance(rng, 60);
		break;
	case MR_QUEUE_ACTIVE:
		tried = chance(rng, 50);
		break;
	case MR_QUEUE_INCOMING:
	case MR_QUEUE_MAILDROP:
	case MR_QUEUE_CORRUPT:
		tried = false;
		break;
	default:
		break;
	}
	/* Several recipients of one message usually share a few domains. */
	size_t first_domain = weighted_pick(&gen->domain_pick, rng);
	const char *client_ip =
		client_ips[rng_below(rng, sizeof(client_ips) / sizeof(*client_ips))];
	for (unsigned i = 0; i < n; i++) {
		size_t di = i == 0 || chance(rng, 40) ? first_domain
						      : weighted_pick(&gen->domain_pick, rng);
		const struct domain *d = &gen->domains[di];
		/* Postfix drops duplicate recipients of a message; so do we. */
		const char *address;
		do {
			mr_buf_clear(scratch);
			local_part(gen, rng, scratch);
			mr_buf_printf(scratch, "@%s", d->name);
			address = mr_snapshot_intern_len(snap, scratch->data, scratch->len);
		} while (has_recipient(snap, msg, address));
		struct mr_recipient *rcpt = mr_snapshot_add_recipient(snap, address);

		const struct reply *reply = tried ? pick_reply(gen, d, outcome, rng) : NULL;
		if (reply == NULL) {
			rcpt->attempts = 0;
			continue;
		}
		int64_t last, next;
		int32_t attempts;
		simulate_attempts(msg->arrival, now, &attempts, &last, &next);
		if (outcome == OUTCOME_BOUNCED) {
			/* A permanent failure ends it at the first attempt that got it. */
			attempts =
				1 + (int32_t)rng_below(rng, attempts > 3 ? 3 : (uint64_t)attempts);
			last = msg->arrival +
			       (int64_t)rng_below(rng, (uint64_t)(now - msg->arrival) + 1);
			next = MR_TIME_UNKNOWN;
		}
		if (msg->queue == MR_QUEUE_HOLD) {
			next = MR_TIME_UNKNOWN; /* held mail is not retried until released */
		}
		struct reply_context ctx = {
			.domain = d,
			.rcpt = rcpt->address,
			.sender = msg->sender,
			.client_ip = client_ip,
			.when = last,
			.rng = rng,
		};
		mr_buf_clear(scratch);
		expand(reply->text, &ctx, scratch);
		rcpt->reason = mr_snapshot_reason(snap, scratch->data, scratch->len);
		rcpt->state = outcome == OUTCOME_BOUNCED ? MR_RCPT_BOUNCED : MR_RCPT_DEFERRED;
		rcpt->attempts = mr_attempts_clamp(attempts);
		rcpt->last_attempt = last;
		rcpt->next_retry = next;
	}
}

static void generate_one(struct mr_gen *gen, struct mr_snapshot *snap, uint64_t index) {
	struct rng rng = { gen->options.seed ^ (index * 0xd1342543de82ef95u) };
	rng_next(&rng);
	int64_t now = gen->options.now;

	unsigned total = 0;
	for (size_t i = 0; i < sizeof(queue_mix) / sizeof(*queue_mix); i++) {
		total += queue_mix[i].weight;
	}
	uint64_t q = rng_below(&rng, total);
	enum mr_queue queue = MR_QUEUE_DEFERRED;
	for (size_t i = 0; i < sizeof(queue_mix) / sizeof(*queue_mix); i++) {
		if (q < queue_mix[i].weight) {
			queue = queue_mix[i].queue;
			break;
		}
		q -= queue_mix[i].weight;
	}

	/* Many messages from the last hour, a long tail up to the queue
	 * lifetime; mail waiting for pickup is seconds old. */
	bool fresh = queue == MR_QUEUE_INCOMING || queue == MR_QUEUE_MAILDROP;
	int64_t age = (int64_t)log_uniform(&rng, fresh ? 2 : 40, fresh ? 90 : QUEUE_LIFETIME);

	char id[MR_QUEUE_ID_MAX + 1];
	mr_queue_id_make(gen->options.seed * 0x10001 + index, gen->options.long_ids, id);
	struct mr_message *msg = mr_snapshot_add_message(snap, id);
	const struct sender *sender = &gen->senders[weighted_pick(&gen->sender_pick, &rng)];
	msg->queue = (uint8_t)queue;
	msg->arrival = now - age;
	msg->sender = mr_snapshot_intern(snap, sender->address);
	msg->size = message_size(sender->kind, &rng);
	msg->priority = chance(&rng, 6) ? (int32_t)rng_below(&rng, 9) - 4 : 0;
	if (queue == MR_QUEUE_DEFERRED && chance(&rng, 1)) {
		msg->flags |= MR_MSG_FORCED_EXPIRE;
	}
	add_recipients(gen, snap, msg, &rng, now, &gen->scratch);
}

void mr_gen_fill(struct mr_gen *gen, struct mr_snapshot *snap, size_t count) {
	for (size_t i = 0; i < count; i++) {
		generate_one(gen, snap, gen->next_index++);
	}
}

static const struct sender *find_sender(const struct mr_gen *gen, const char *address) {
	for (size_t i = 0; i < gen->n_senders; i++) {
		if (strcmp(gen->senders[i].address, address) == 0) {
			return &gen->senders[i];
		}
	}
	return NULL;
}

void mr_gen_content(const struct mr_gen *gen, const struct mr_snapshot *snap,
	const struct mr_message *msg, struct mr_buf *headers, struct mr_buf *body) {
	struct rng rng = { mr_hash_bytes(msg->id, strlen(msg->id)) ^ gen->options.seed };
	const struct sender *sender = find_sender(gen, msg->sender);
	enum sender_kind kind = sender != NULL ? sender->kind : KIND_PERSON;
	const char *subject = gen->subjects[kind][rng_below(&rng, gen->n_subjects[kind])];
	const char *from = *msg->sender ? msg->sender : NULL;
	const char *first = msg->n_rcpts > 0 ? mr_message_rcpt(snap, msg, 0)->address : "";

	mr_buf_clear(headers);
	mr_buf_printf(headers, "Received: by %s (Postfix, from userid 33)\n\tid %s; ", client_host,
		msg->id);
	add_date(headers, msg->arrival);
	mr_buf_add_str(headers, "\nDate: ");
	add_date(headers, msg->arrival);
	if (from != NULL) {
		mr_buf_printf(headers, "\nFrom: %s\n", from);
	} else {
		mr_buf_printf(
			headers, "\nFrom: MAILER-DAEMON@%s (Mail Delivery System)\n", client_host);
	}
	mr_buf_printf(headers, "To: %s\n", first);
	if (msg->n_rcpts > 1) {
		mr_buf_printf(headers, "Cc: %s", mr_message_rcpt(snap, msg, 1)->address);
		for (uint32_t i = 2; i < msg->n_rcpts && i < 6; i++) {
			mr_buf_printf(headers, ",\n\t%s", mr_message_rcpt(snap, msg, i)->address);
		}
		mr_buf_add_char(headers, '\n');
	}
	mr_buf_printf(headers, "Subject: %s\n", subject);
	mr_buf_printf(headers, "Message-ID: <%s.%016" PRIx64 "@%s>\n", msg->id, rng_next(&rng),
		from != NULL ? domain_of(from) : client_host);
	mr_buf_add_str(headers, "MIME-Version: 1.0\n"
				"Content-Type: text/plain; charset=UTF-8\n"
				"Content-Transfer-Encoding: 8bit\n");

	mr_buf_clear(body);
	mr_buf_printf(body, "%s\n\n", subject);
	mr_buf_printf(body,
		"This message was generated by mailroom for its demo and test queues.\n"
		"The queue records its size as %" PRIu64 " bytes; the body is abridged.\n",
		msg->size);
}
