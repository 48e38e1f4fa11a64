/*
 * Bounced mail. A message that bounced has left the Postfix queue; what is
 * left of it is in the mail log:
 *
 *   ... postfix/qmgr[..]: ID: from=<sender>, size=309, nrcpt=2 (queue active)
 *   ... postfix/smtp[..]: ID: to=<rcpt>, relay=..., dsn=5.1.1, status=bounced (REASON)
 *   ... postfix/qmgr[..]: ID: from=<sender>, status=expired, returned to sender
 *
 * (an expired message's line names no recipient: its last deferred ones are
 * taken). Only the end of the log is read (MAILLOG_TAIL), so a large log
 * costs the same as a small one; messages still queued are left to the
 * listing. Where the log is (a file and the rotated ones before it,
 * journald, here or over SSH) is logsource.c's: it hands over syslog lines.
 *
 * It is read beside postqueue, and on a busy server it is mostly deliveries
 * and deferrals: the ids of messages that ended are found first by searching
 * the text for the status words. The same read gives every message's
 * delivery attempts (history.c): each delivery line goes there, and the
 * lines of the messages that ended are read for them too.
 */

#define _GNU_SOURCE /* memmem, memrchr */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "internal.h"
#include "ptrmap.h"
#include "xalloc.h"

/* Over SSH every listing brings the tail across the network (the screen
 * lists every few seconds), so a remote log's tail is a quarter of a local
 * one's: history read from it says "at least" sooner on a busy host. */
enum { MAILLOG_TAIL = 16 << 20, MAILLOG_TAIL_REMOTE = 4 << 20 };

struct bounced_rcpt {
	const char *address, *reason;
	int64_t when;
	bool bounced; /* else: deferred, kept in case the message expires */
};

struct logged {
	const char *id, *sender;
	uint64_t size;
	int64_t first, final;
	bool ended;  /* bounced or expired recipients seen */
	bool forced; /* returned by the operator's postsuper -e */
	struct bounced_rcpt *rcpts;
	size_t n_rcpts, cap_rcpts;
};

/* mktime() of an hour of the log, kept: mktime reads the time zone file
 * on every call, and a log has a few distinct hours in a million lines. */
struct hour_cache {
	int mon, mday, hour, year;
	int64_t start; /* MR_TIME_UNKNOWN: nothing kept */
};

struct pf_maillog {
	struct mr_strpool *pool;
	struct mr_strpool *ended;   /* ids of messages that bounced or expired */
	struct mr_ptrmap index;     /* interned id -> logged */
	struct pf_history *history; /* every attempt read, by id */
	struct logged *msgs;
	size_t n_msgs, cap_msgs;
	struct tm now;
	struct hour_cache hour;
};

static const char *const months = "JanFebMarAprMayJunJulAugSepOctNovDec";

/* A two-digit field of a syslog time ("05", " 5" for the day), or -1. It
 * reads exactly two bytes: the line is not NUL-terminated. */
static int two_digits(const char *p) {
	bool tens = p[0] >= '0' && p[0] <= '9', ones = p[1] >= '0' && p[1] <= '9';
	if (!ones || !(tens || p[0] == ' ')) {
		return -1;
	}
	return (tens ? (p[0] - '0') * 10 : 0) + (p[1] - '0');
}

/* Days from 1970-01-01 to a date of the Gregorian calendar (year's March
 * first counting days, so that February's length comes last). */
static int64_t days_from_civil(int year, int month, int day) {
	year -= month <= 2;
	int64_t era = (year >= 0 ? year : year - 399) / 400;
	int64_t year_of_era = year - era * 400;
	int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
	int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
	return era * 146097 + day_of_era - 719468;
}

static int digits(const char *p, int n) {
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9') {
			return -1;
		}
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

/*
 * "2026-12-06T13:42:07.123456+00:00": rsyslog's RFC 3339 stamps (and
 * journalctl's -o short-iso "+0100", and "Z"). The offset is in the stamp,
 * so no time zone is looked up.
 */
static int64_t rfc3339_time(const char *s, size_t len) {
	if (len < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') ||
		s[13] != ':' || s[16] != ':') {
		return MR_TIME_UNKNOWN;
	}
	int year = digits(s, 4), mon = digits(s + 5, 2), mday = digits(s + 8, 2);
	int hour = digits(s + 11, 2), min = digits(s + 14, 2), sec = digits(s + 17, 2);
	if (year < 1970 || mon < 1 || mon > 12 || mday < 1 || mday > 31 || hour < 0 || hour > 23 ||
		min < 0 || min > 59 || sec < 0 || sec > 60) {
		return MR_TIME_UNKNOWN;
	}
	size_t i = 19;
	if (i < len && s[i] == '.') {
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		}
	}
	int64_t offset = 0;
	if (i < len && s[i] == 'Z') {
		i++;
	} else if (i + 5 <= len && (s[i] == '+' || s[i] == '-')) {
		int oh = digits(s + i + 1, 2);
		size_t m = s[i + 3] == ':' ? i + 4 : i + 3;
		int om = m + 2 <= len ? digits(s + m, 2) : -1;
		if (oh < 0 || oh > 23 || om < 0 || om > 59) {
			return MR_TIME_UNKNOWN;
		}
		offset = (s[i] == '-' ? -1 : 1) * (int64_t)(oh * 3600 + om * 60);
		i = m + 2;
	} else {
		return MR_TIME_UNKNOWN;
	}
	if (i < len && s[i] != ' ') {
		return MR_TIME_UNKNOWN;
	}
	return days_from_civil(year, mon, mday) * 86400 + hour * 3600 + min * 60 + sec - offset;
}

/* "Nov 23 08:03:22": syslog has no year; a date more than a day ahead of
 * now is last year's (so "Dec 31" read on January 1st, and a rotated file's
 * "Feb 3" read in January, are last year's; a clock a little fast is not).
 * Or an RFC 3339 stamp, which has everything. */
static int64_t line_time(const char *s, size_t len, const struct tm *now, struct hour_cache *c) {
	if (len > 10 && s[4] == '-') {
		return rfc3339_time(s, len);
	}
	if (len < 15 || s[3] != ' ' || s[6] != ' ' || s[9] != ':' || s[12] != ':') {
		return MR_TIME_UNKNOWN;
	}
	const char *m = strstr(months, (char[]){ s[0], s[1], s[2], '\0' });
	if (m == NULL || (m - months) % 3 != 0) {
		return MR_TIME_UNKNOWN;
	}
	int mon = (int)((m - months) / 3), mday = two_digits(s + 4), hour = two_digits(s + 7);
	int min = two_digits(s + 10), sec = two_digits(s + 13);
	if (mday < 1 || mday > 31 || hour < 0 || hour > 23 || min < 0 || min > 59 || sec < 0 ||
		sec > 60) {
		return MR_TIME_UNKNOWN;
	}
	bool ahead = mon > now->tm_mon || (mon == now->tm_mon && mday > now->tm_mday + 1);
	int year = ahead ? now->tm_year - 1 : now->tm_year;
	if (c->start == MR_TIME_UNKNOWN || c->mon != mon || c->mday != mday || c->hour != hour ||
		c->year != year) {
		struct tm tm = { .tm_year = year,
			.tm_mon = mon,
			.tm_mday = mday,
			.tm_hour = hour,
			.tm_isdst = -1 };
		time_t t = mktime(&tm);
		*c = (struct hour_cache){ mon, mday, hour, year,
			t == (time_t)-1 ? MR_TIME_UNKNOWN : (int64_t)t };
		if (c->start == MR_TIME_UNKNOWN) {
			return MR_TIME_UNKNOWN;
		}
	}
	return c->start + min * 60 + sec;
}

static struct logged *entry(struct pf_maillog *st, const char *id, size_t len, int64_t when) {
	const char *key = mr_strpool_intern(st->pool, id, len);
	uint32_t i = mr_ptrmap_get(&st->index, key);
	if (i != UINT32_MAX) {
		return &st->msgs[i];
	}
	if (st->n_msgs == st->cap_msgs) {
		st->cap_msgs = st->cap_msgs ? st->cap_msgs * 2 : 256;
		st->msgs = mr_xreallocarray(st->msgs, st->cap_msgs, sizeof(*st->msgs));
	}
	struct logged *e = &st->msgs[st->n_msgs];
	*e = (struct logged){ .id = key, .sender = "", .first = when };
	mr_ptrmap_put(&st->index, key, (uint32_t)st->n_msgs++);
	return e;
}

/* The text between "<" and ">" after key, interned; NULL when absent. */
static const char *angle(struct pf_maillog *st, const char *s, const char *end, const char *key) {
	size_t k = strlen(key);
	if ((size_t)(end - s) < k || memcmp(s, key, k) != 0) {
		return NULL;
	}
	const char *close = memchr(s + k, '>', (size_t)(end - s - (ptrdiff_t)k));
	return close ? mr_strpool_intern(st->pool, s + k, (size_t)(close - s - (ptrdiff_t)k))
		     : NULL;
}

/* needle in s[0..end), lines not being NUL-terminated. */
static const char *find_in(const char *s, const char *end, const char *needle) {
	return s != NULL && s < end ? memmem(s, (size_t)(end - s), needle, strlen(needle)) : NULL;
}

enum returned { NOT_RETURNED, RETURNED_EXPIRED, RETURNED_FORCED };

/* The status of a qmgr "from=<s>, status=expired, returned to sender" line:
 * only at the line's end, where a sender address cannot put it.
 * force-expired is the operator's postsuper -e. */
static enum returned returned_to_sender(const char *rest, const char *end) {
	static const char *const tails[] = { ">, status=expired, returned to sender",
		">, status=force-expired, returned to sender" };
	for (size_t i = 0; i < sizeof(tails) / sizeof(*tails); i++) {
		size_t k = strlen(tails[i]);
		if ((size_t)(end - rest) >= k && memcmp(end - k, tails[i], k) == 0) {
			return i == 0 ? RETURNED_EXPIRED : RETURNED_FORCED;
		}
	}
	return NOT_RETURNED;
}

static void add_rcpt(
	struct logged *e, const char *address, const char *reason, int64_t when, bool bounced) {
	/* A later line for the same recipient replaces the earlier one. */
	for (size_t i = 0; i < e->n_rcpts; i++) {
		if (e->rcpts[i].address == address) {
			e->rcpts[i] = (struct bounced_rcpt){ address, reason, when, bounced };
			return;
		}
	}
	if (e->n_rcpts == e->cap_rcpts) {
		e->cap_rcpts = e->cap_rcpts ? e->cap_rcpts * 2 : 2;
		e->rcpts = mr_xreallocarray(e->rcpts, e->cap_rcpts, sizeof(*e->rcpts));
	}
	e->rcpts[e->n_rcpts++] = (struct bounced_rcpt){ address, reason, when, bounced };
}

/* The queue id of a "...]: ID: rest" line into id; *rest after it. */
static bool line_id(
	const char *s, const char *end, char id[MR_QUEUE_ID_MAX + 1], const char **rest) {
	const char *p = find_in(s, end, "]: ");
	if (p == NULL) {
		return false;
	}
	p += 3;
	const char *colon = memchr(p, ':', (size_t)(end - p));
	if (colon == NULL || colon - p > MR_QUEUE_ID_MAX || colon + 2 > end || colon[1] != ' ') {
		return false;
	}
	memcpy(id, p, (size_t)(colon - p));
	id[colon - p] = '\0';
	*rest = colon + 2;
	return mr_queue_id_valid(id);
}

/* The ids of the messages whose lines say they bounced or expired: a
 * "status=" found by a quick search counts only where it is the line's own
 * status (pf_delivery_parse(), returned_to_sender()). */
static void find_ended(struct pf_maillog *st, const char *buf, const char *end) {
	static const char *const words[] = { "bounced ", "expired", "force-expired" };
	for (const char *p = buf; (p = memmem(p, (size_t)(end - p), "status=", 7)) != NULL;) {
		p += 7;
		bool ended = false;
		for (size_t w = 0; w < sizeof(words) / sizeof(*words) && !ended; w++) {
			size_t k = strlen(words[w]);
			ended = (size_t)(end - p) >= k && memcmp(p, words[w], k) == 0;
		}
		if (!ended) {
			continue;
		}
		const char *line = memrchr(buf, '\n', (size_t)(p - buf));
		const char *line_end = memchr(p, '\n', (size_t)(end - p));
		line = line ? line + 1 : buf;
		line_end = line_end ? line_end : end;
		char id[MR_QUEUE_ID_MAX + 1];
		const char *rest;
		struct pf_delivery d;
		if (line_id(line, line_end, id, &rest) &&
			((pf_delivery_parse(rest, line_end, &d) && d.status_at == p &&
				 d.status == MR_ATTEMPT_BOUNCED) ||
				returned_to_sender(rest, line_end))) {
			mr_strpool_intern(st->ended, id, strlen(id));
		}
	}
}

/* A line of the log: an attempt for the history, and for messages that
 * ended, what is left of them. */
static void read_line(struct pf_maillog *st, const char *s, const char *end) {
	char id[MR_QUEUE_ID_MAX + 1];
	const char *rest;
	if (!line_id(s, end, id, &rest)) {
		return;
	}
	bool ended = mr_strpool_find(st->ended, id, strlen(id)) != NULL;
	struct pf_delivery d;
	bool delivery = pf_delivery_parse(rest, end, &d);
	if (!delivery && !ended) {
		return;
	}
	int64_t when = line_time(s, (size_t)(end - s), &st->now, &st->hour);
	if (delivery) {
		pf_history_add(st->history, id, &d, when);
	}
	if (!ended) {
		return;
	}
	const char *who;
	if (delivery && (d.status == MR_ATTEMPT_BOUNCED || d.status == MR_ATTEMPT_DEFERRED)) {
		who = mr_strpool_intern(st->pool, d.to.p, d.to.len);
		const char *reason = mr_strpool_intern(st->pool, d.reply.p, d.reply.len);
		bool bounced = d.status == MR_ATTEMPT_BOUNCED;
		struct logged *e = entry(st, id, strlen(id), when);
		add_rcpt(e, who, reason, when, bounced);
		if (bounced) {
			e->ended = true;
			e->final = when;
		}
	} else if ((who = angle(st, rest, end, "from=<")) != NULL) {
		struct logged *e = entry(st, id, strlen(id), when);
		e->sender = who;
		const char *size = find_in(rest, end, ", size=");
		if (size != NULL) {
			e->size = strtoull(size + 7, NULL, 10);
		}
		enum returned returned = returned_to_sender(rest, end);
		if (returned != NOT_RETURNED) {
			/* Returned to the sender: its deferred recipients bounced,
			 * their last replies the reasons. */
			e->forced = returned == RETURNED_FORCED;
			for (size_t i = 0; i < e->n_rcpts; i++) {
				e->rcpts[i].bounced = true;
				e->rcpts[i].when = when;
			}
			e->ended = true;
			e->final = when;
		}
	}
}

/* The time of the first line from s on that has one: where what was read
 * begins. A few lines are tried (a cut line, another program's). */
static int64_t first_time(struct pf_maillog *st, const char *s, const char *end) {
	for (int tries = 0; s < end && tries < 64; tries++) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *line_end = nl ? nl : end;
		int64_t t = line_time(s, (size_t)(line_end - s), &st->now, &st->hour);
		if (t != MR_TIME_UNKNOWN) {
			return t;
		}
		s = line_end + 1;
	}
	return MR_TIME_UNKNOWN;
}

/*
 * The local log file from offset from to its end, in a buffer to free.
 * NULL when there is no such log, nothing new, or more than MAILLOG_TAIL
 * bytes after from.
 */
static char *log_bytes(const struct pf *pf, off_t from, size_t *len) {
	int fd = pf->maillog && !pf->remote ? open(pf->maillog, O_RDONLY | O_CLOEXEC) : -1;
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) != 0 || sb.st_size <= from ||
		sb.st_size - from > MAILLOG_TAIL) {
		if (fd >= 0) {
			close(fd);
		}
		return NULL;
	}
	char *buf = mr_xmalloc((size_t)(sb.st_size - from) + 1);
	ssize_t got = pread(fd, buf, (size_t)(sb.st_size - from), from);
	close(fd);
	if (got <= 0) {
		free(buf);
		return NULL;
	}
	*len = (size_t)got;
	return buf;
}

/* What was read of the log, its first line cut when cut says so. */
static struct pf_maillog *read_text(const char *buf, size_t len, bool cut) {
	struct pf_maillog *st = mr_xcalloc(1, sizeof(*st));
	st->pool = mr_strpool_create();
	st->ended = mr_strpool_create();
	mr_ptrmap_init(&st->index);
	time_t now = (time_t)mr_now();
	localtime_r(&now, &st->now);
	const char *s = buf, *end = buf + len;
	if (cut) {
		const char *nl = memchr(s, '\n', len);
		s = nl ? nl + 1 : end;
	}
	find_ended(st, s, end);
	st->history = pf_history_create();
	pf_history_since(st->history, first_time(st, s, end));
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *line_end = nl ? nl : end;
		read_line(st, s, line_end);
		s = line_end + 1;
	}
	return st;
}

struct pf_maillog *pf_maillog_read(struct pf *pf, char **note) {
	struct pf_log_text t;
	*note = NULL;
	if (!pf_log_fetch(pf, pf->remote ? MAILLOG_TAIL_REMOTE : MAILLOG_TAIL, &t, note)) {
		return NULL;
	}
	struct pf_maillog *st = read_text(t.text.data, t.text.len, t.cut);
	if (t.skipped > 0) {
		*note = mr_xasprintf("journalctl: %zu entr%s not read (not what journalctl -o json "
				     "writes)",
			t.skipped, t.skipped == 1 ? "y" : "ies");
	}
	mr_buf_finish(&t.text);
	return st;
}

struct pf_maillog *pf_maillog_read_from(const struct pf *pf, off_t offset) {
	size_t len;
	char *buf = offset >= 0 ? log_bytes(pf, offset, &len) : NULL;
	if (buf == NULL) {
		return NULL;
	}
	struct pf_maillog *st = read_text(buf, len, false);
	free(buf);
	return st;
}

void pf_maillog_add_bounced(struct pf_maillog *st, struct mr_snapshot *snap) {
	if (st == NULL) {
		return;
	}
	/* What is queued, by the same pool's pointers: the listing has it. */
	struct mr_ptrmap queued;
	mr_ptrmap_init(&queued);
	for (size_t i = 0; snap && i < snap->n_messages; i++) {
		const char *id = snap->messages[i].id;
		mr_ptrmap_put(&queued, mr_strpool_intern(st->pool, id, strlen(id)), 1);
	}
	/* Messages that left the queue with bounced recipients. */
	for (size_t i = 0; i < st->n_msgs; i++) {
		struct logged *e = &st->msgs[i];
		if (snap == NULL || !e->ended || mr_ptrmap_get(&queued, e->id) != UINT32_MAX) {
			free(e->rcpts);
			continue;
		}
		struct mr_message *m = mr_snapshot_add_message(snap, e->id);
		m->queue = MR_QUEUE_BOUNCED;
		if (e->forced) {
			m->flags |= MR_MSG_FORCED_EXPIRE;
		}
		m->arrival = e->first;
		m->size = e->size;
		m->sender = mr_snapshot_intern(snap, e->sender);
		for (size_t r = 0; r < e->n_rcpts; r++) {
			if (!e->rcpts[r].bounced) {
				continue;
			}
			struct mr_recipient *rc =
				mr_snapshot_add_recipient(snap, e->rcpts[r].address);
			rc->state = MR_RCPT_BOUNCED;
			rc->reason = mr_snapshot_reason(
				snap, e->rcpts[r].reason, strlen(e->rcpts[r].reason));
			rc->last_attempt = e->rcpts[r].when;
		}
		free(e->rcpts);
	}
	free(st->msgs);
	pf_history_destroy(st->history);
	mr_ptrmap_finish(&queued);
	mr_ptrmap_finish(&st->index);
	mr_strpool_destroy(st->pool);
	mr_strpool_destroy(st->ended);
	free(st);
}

void pf_maillog_add_history(struct pf_maillog *st, struct mr_snapshot *snap) {
	if (st != NULL) {
		pf_history_apply(st->history, snap);
	}
}

off_t pf_maillog_size(const struct pf *pf) {
	struct stat sb;
	return pf->maillog != NULL && !pf->remote && stat(pf->maillog, &sb) == 0 ? sb.st_size : -1;
}

/*
 * pickup logs a requeued message under its new id with the old one:
 *   ... postfix/pickup[..]: NEWID: uid=0 from=<sender> orig_id=OLDID
 * Fills new_ids[i] (when still NULL) for ids[i] from the log written since
 * offset from; returns how many are known.
 */
size_t pf_maillog_new_ids(
	const struct pf *pf, off_t from, const char *const *ids, size_t n, char **new_ids) {
	size_t known = 0;
	for (size_t i = 0; i < n; i++) {
		known += new_ids[i] != NULL;
	}
	size_t len;
	char *buf = from >= 0 ? log_bytes(pf, from, &len) : NULL;
	if (buf == NULL) {
		return known;
	}
	const char *end = buf + len;
	for (const char *s = buf; s < end;) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *line_end = nl ? nl : end;
		const char *orig = find_in(s, line_end, " orig_id=");
		const char *tag = find_in(s, line_end, "]: ");
		if (orig != NULL && tag != NULL && tag < orig) {
			const char *old = orig + 9;
			size_t old_len = (size_t)(line_end - old);
			const char *new_id = tag + 3;
			const char *colon = memchr(new_id, ':', (size_t)(line_end - new_id));
			for (size_t i = 0; colon && i < n; i++) {
				if (new_ids[i] == NULL && strlen(ids[i]) == old_len &&
					memcmp(ids[i], old, old_len) == 0) {
					char *candidate =
						mr_xstrndup(new_id, (size_t)(colon - new_id));
					if (mr_queue_id_valid(candidate)) {
						new_ids[i] = candidate;
						known++;
					} else {
						free(candidate);
					}
				}
			}
		}
		s = line_end + 1;
	}
	free(buf);
	return known;
}
