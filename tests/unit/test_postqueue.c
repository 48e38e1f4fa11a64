/* postqueue -j lines as Postfix 3.7 writes them, and the local transport. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "postfix/internal.h"
#include "postqueue.h"
#include "registry.h"
#include "transport_local.h"
#include "xalloc.h"

/* From a real Postfix 3.7 queue, plus the shapes it can take. */
static const char sample[] =
	"{\"queue_name\": \"deferred\", \"queue_id\": \"A8A8E104066\", \"arrival_time\": "
	"1795435402, \"message_size\": 316, \"forced_expire\": false, \"sender\": "
	"\"mqtest@lab.localdomain\", \"recipients\": [{\"address\": \"greylist@sink.test\", "
	"\"delay_reason\": \"host 127.0.0.1[127.0.0.1] said: 450 4.2.0 Greylisted, please try "
	"again later (in reply to RCPT TO command)\"}]}\n"
	"{\"queue_name\": \"hold\", \"queue_id\": \"4jXzH44BMWz81Sm\", \"arrival_time\": "
	"1795435000, "
	"\"message_size\": 2292, \"forced_expire\": true, \"sender\": \"MAILER-DAEMON\", "
	"\"recipients\": [{\"address\": \"a@x.test\"}, {\"address\": \"b@x.test\", "
	"\"delay_reason\": \"connect to x.test[192.0.2.1]:25: Connection refused\"}]}\n"
	"{\"queue_name\": \"maildrop\", \"queue_id\": \"1E00F105FF8\", \"arrival_time\": "
	"1795435500, "
	"\"message_size\": 400, \"forced_expire\": false, \"sender\": "
	"\"\\\"john \\\\\\\"q\\\\\\\" doe\\\"@lab.localdomain\", \"new_field\": {\"x\": [1, 2.5, "
	"null, "
	"\"y\"]}, \"recipients\": [{\"address\": \"j\\u00fcrgen@b\\u00fccher.example\", "
	"\"delay_reason\": \"\\ud83d\\udce8 \\u001b[2J \\ud800\"}]}\n"
	/* null for an absent value, as other tools write it. */
	"{\"queue_name\": \"deferred\", \"queue_id\": \"B0B0B0B0B0B\", \"arrival_time\": "
	"1795435000, \"message_size\": 1, \"sender\": \"x@y.test\", \"recipients\": "
	"[{\"address\": \"z@y.test\", \"delay_reason\": null, \"orig_address\": null}]}\n"
	/* Listed twice: qmgr moved it while postqueue read the queue. */
	"{\"queue_name\": \"active\", \"queue_id\": \"A8A8E104066\", \"arrival_time\": 1795435402, "
	"\"message_size\": 316, \"forced_expire\": false, \"sender\": \"mqtest@lab.localdomain\", "
	"\"recipients\": [{\"address\": \"greylist@sink.test\"}]}";

static void test_sample(void) {
	struct mr_snapshot *snap = mr_snapshot_create();
	struct mr_postqueue_reader r;
	mr_postqueue_reader_init(&r, snap, "postqueue -j output");
	/* Fed in awkward pieces, as a pipe delivers it. */
	bool ok = true;
	for (size_t i = 0; i < sizeof(sample) - 1 && ok; i += 7) {
		size_t n = sizeof(sample) - 1 - i < 7 ? sizeof(sample) - 1 - i : 7;
		ok = mr_postqueue_feed(&r, sample + i, n);
	}
	ok = ok && mr_postqueue_end(&r);
	T_TRUE(ok, r.error, "sample: parses");
	mr_snapshot_finish(snap);
	T_INT(snap->n_messages, 4, "sample: four messages, the one listed twice once");
	T_INT(r.duplicates, 1, "sample: one duplicate counted");
	T_INT(r.warnings.n, 1, "sample: one warning");
	T_STR(r.warnings.text.data,
		"postqueue -j output: line 5: queue id A8A8E104066 again; the first line of it is "
		"kept (normal when Postfix moved the message while postqueue -j read the queue)\n",
		"sample: the id listed twice is named, with its line");
	if (snap->n_messages == 4) {
		const struct mr_message *m = &snap->messages[0];
		T_STR(m->id, "A8A8E104066", "first: queue id");
		T_INT(m->queue, MR_QUEUE_DEFERRED, "first: the first listing stands (deferred)");
		T_INT(m->arrival, 1795435402, "first: arrival time");
		T_INT(m->size, 316, "first: size");
		T_STR(m->sender, "mqtest@lab.localdomain", "first: sender");
		const struct mr_recipient *r0 = mr_message_rcpt(snap, m, 0);
		T_INT(r0->state, MR_RCPT_DEFERRED, "first: recipient deferred");
		T_HAS(t_text(r0->reason), "450 4.2.0 Greylisted", "first: delay_reason kept");
		const struct mr_diagnosis *d = mr_recipient_diagnosis(snap, r0);
		T_NONNULL(d, "first: reason decoded");
		if (d != NULL) {
			T_INT(d->basic, 450, "first: reason decoded: 450");
		}
		m = &snap->messages[1];
		T_STR(m->id, "4jXzH44BMWz81Sm", "long queue ids are ids");
		T_STR(m->sender, "", "MAILER-DAEMON is the null sender");
		T_INT(m->flags & MR_MSG_FORCED_EXPIRE, MR_MSG_FORCED_EXPIRE, "forced_expire");
		T_INT(m->n_rcpts, 2, "two recipients");
		T_INT(mr_message_rcpt(snap, m, 0)->state, MR_RCPT_PENDING,
			"held, never tried: pending");
		T_INT(m->attempts, MR_ATTEMPTS_UNKNOWN, "postqueue does not count attempts");
		m = &snap->messages[2];
		T_STR(m->sender, "\"john \\\"q\\\" doe\"@lab.localdomain", "escaped quotes");
		T_STR(mr_message_rcpt(snap, m, 0)->address,
			"j\xc3\xbcrgen@b\xc3\xbc"
			"cher.example",
			"\\u escapes to UTF-8");
		T_STR(t_text(mr_message_rcpt(snap, m, 0)->reason),
			"\xf0\x9f\x93\xa8 \x1b[2J \xef\xbf\xbd",
			"surrogate pairs joined, a lone one replaced, controls kept exact");
		m = &snap->messages[3];
		T_INT(m->n_rcpts, 1, "null values: the one recipient");
		if (m->n_rcpts == 1) {
			T_NULL(mr_message_rcpt(snap, m, 0)->reason,
				"null values read as absent: no reason");
			T_NULL(mr_message_rcpt(snap, m, 0)->original,
				"null values read as absent: no original address");
		}
	}
	mr_postqueue_reader_finish(&r);
	mr_snapshot_destroy(snap);
}

/* A line as postqueue writes it: id, then n recipients named and failed by
 * the pattern (with %d for the recipient's number; NULL: not tried). */
static void add_line(struct mr_buf *out, const char *id, int n, const char *reason) {
	mr_buf_printf(out,
		"{\"queue_name\": \"deferred\", \"queue_id\": \"%s\", \"arrival_time\": "
		"1795435000, "
		"\"message_size\": 1, \"sender\": \"s%s@x.test\", \"recipients\": [",
		id, id);
	for (int i = 0; i < n; i++) {
		mr_buf_printf(out, "%s{\"address\": \"r%d@x.test\"", i ? ", " : "", i);
		if (reason == NULL) {
			mr_buf_add_char(out, '}');
			continue;
		}
		mr_buf_add_str(out, ", \"delay_reason\": \"");
		const char *number = strstr(reason, "%d");
		if (number == NULL) {
			mr_buf_add_str(out, reason);
		} else {
			mr_buf_add(out, reason, (size_t)(number - reason));
			mr_buf_printf(out, "%d%s", i, number + 2);
		}
		mr_buf_add_str(out, "\"}");
	}
	mr_buf_add_str(out, "]}\n");
}

/* Whether got is not want (either may be NULL); the first difference found
 * (when none was before) is noted. */
static bool differs(
	const char *id, const char *what, const char *got, const char *want, size_t before) {
	bool same = got == NULL || want == NULL ? got == want : strcmp(got, want) == 0;
	if (!same && before == 0) {
		t_note("%s: %s \"%.60s\", want \"%.60s\"", id, what, got ? got : "(none)",
			want ? want : "(none)");
	}
	return !same;
}

/* Strings are interned in batches: a line longer than a batch, a duplicate
 * and a bad line must leave every kept field exactly right. */
static void test_batches(void) {
	struct mr_buf in, huge;
	mr_buf_init(&in);
	mr_buf_init(&huge);
	add_line(&in, "A1", 150, "450 4.2.0 <r%d@x.test>: Greylisted");
	/* The first listing stands; the second is short enough to be still
	 * waiting in the batch when it is dropped, and its reasons must not
	 * land on the next message's recipients, which have none. */
	add_line(&in, "A1", 3, "550 listed twice %d");
	add_line(&in, "N0", 2, NULL);
	for (int i = 0; i < 300000; i++) {
		mr_buf_add_char(&huge, (char)('a' + i % 26));
	}
	add_line(&in, "B2", 1, huge.data); /* beyond a batch's bytes */
	add_line(&in, "C3", 70, "421 4.7.0 try later %d");
	mr_buf_add_str(&in,
		"{\"queue_name\": \"deferred\", \"queue_id\": \"D4\", \"sender\": "
		"\"half@x.test\", \"recipients\": [{\"address\": \"y@x.test\"}, oops\n");
	struct mr_snapshot *snap = mr_snapshot_create();
	struct mr_postqueue_reader r;
	mr_postqueue_reader_init(&r, snap, "postqueue -j output");
	bool ok = mr_postqueue_feed(&r, in.data, in.len);
	ok = mr_postqueue_end(&r) && ok;
	T_OK(!ok, "batches: the bad line is refused");
	T_HAS(r.error, "line 6", "batches: the bad line is named");
	mr_postqueue_reader_finish(&r);
	T_INT(snap->n_messages, 4, "batches: four messages kept");
	T_INT(snap->n_recipients, 150 + 2 + 1 + 70, "batches: their recipients only");
	if (snap->n_messages == 4) {
		size_t wrong = 0;
		char want[128];
		for (size_t m = 0; m < 4; m++) {
			const struct mr_message *msg = &snap->messages[m];
			snprintf(want, sizeof(want), "s%s@x.test", msg->id);
			wrong += differs(msg->id, "sender", msg->sender, want, wrong);
			for (uint32_t i = 0; i < msg->n_rcpts; i++) {
				const struct mr_recipient *rc = mr_message_rcpt(snap, msg, i);
				snprintf(want, sizeof(want), "r%u@x.test", i);
				wrong += differs(msg->id, "address", rc->address, want, wrong);
				if (m == 0) {
					snprintf(want, sizeof(want),
						"450 4.2.0 <r%u@x.test>: Greylisted", i);
				} else if (m == 3) {
					snprintf(want, sizeof(want), "421 4.7.0 try later %u", i);
				}
				const char *wanted = m == 1 ? NULL : m == 2 ? huge.data : want;
				wrong += differs(
					msg->id, "reason", t_text(rc->reason), wanted, wrong);
			}
		}
		T_SIZE(wrong, 0, "batches: every sender, address and reason is its own");
	}
	mr_snapshot_destroy(snap);
	mr_buf_finish(&in);
	mr_buf_finish(&huge);
}

static void test_bad_lines(void) {
	static const struct {
		const char *line, *error;
	} cases[] = {
		{ "{\"queue_name\": \"deferred\"", "line 1: expected ',' or '}' (at byte 26)" },
		{ "not json", "line 1: expected '{' (at byte 1)" },
		{ "{\"queue_name\": \"deferred\", \"queue_id\": \"../../etc\"}",
			"line 1: queue_id is not a Postfix queue id (at byte 51)" },
		{ "{\"queue_name\": \"sideways\", \"queue_id\": \"A1\"}",
			"line 1: queue_name is not a Postfix queue (at byte 26)" },
		{ "{\"queue_name\": \"deferred\"}", "line 1: no queue_id (at byte 27)" },
		{ "{\"queue_id\": \"A1\", \"queue_name\": \"hold\", \"arrival_time\": 1.5}",
			"line 1: arrival_time: expected seconds (at byte 59)" },
		{ "{\"queue_id\": \"A1\", \"queue_name\": \"hold\", \"recipients\": [{}]}",
			"line 1: a recipient has no address (at byte 59)" },
		{ "{\"queue_id\": \"A1\", \"queue_name\": \"hold\"} x",
			"line 1: text after the object (at byte 42)" },
		{ "{\"queue_id\": \"A\\u0000B\", \"queue_name\": \"hold\"}",
			"line 1: queue_id is not a Postfix queue id (at byte 24)" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct mr_snapshot *snap = mr_snapshot_create();
		struct mr_postqueue_reader r;
		mr_postqueue_reader_init(&r, snap, "postqueue -j output");
		bool ok = mr_postqueue_feed(&r, cases[i].line, strlen(cases[i].line)) &&
			  mr_postqueue_end(&r);
		char *want = mr_xasprintf("postqueue -j output: %s", cases[i].error);
		T_OK(!ok, "bad line %zu refused", i);
		T_STR(r.error, want, "bad line %zu: %s", i, cases[i].error);
		T_INT(snap->n_messages, 0, "bad line %zu: nothing half-added", i);
		free(want);
		mr_postqueue_reader_finish(&r);
		mr_snapshot_destroy(snap);
	}
	/* Nesting beyond reason is refused, not recursed into. */
	struct mr_buf deep;
	mr_buf_init(&deep);
	mr_buf_add_str(&deep, "{\"queue_id\": \"A1\", \"queue_name\": \"hold\", \"x\": ");
	for (int i = 0; i < 10000; i++) {
		mr_buf_add_char(&deep, '[');
	}
	struct mr_snapshot *snap = mr_snapshot_create();
	struct mr_postqueue_reader r;
	mr_postqueue_reader_init(&r, snap, "postqueue -j output");
	mr_postqueue_feed(&r, deep.data, deep.len);
	T_OK(!mr_postqueue_end(&r), "deep nesting refused");
	T_HAS(r.error, "nested too deep", "deep nesting refused: says why");
	mr_postqueue_reader_finish(&r);
	mr_snapshot_destroy(snap);
	mr_buf_finish(&deep);
}

static void write_text(const char *path, const char *text) {
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

/* A listing's warnings are the source's until the next listing, which
 * replaces them: a screen listing every 10 s must not pile them up. */
static void test_listing_warnings(void) {
	char *path = mr_xasprintf("%s/twice.jsonl", t_tmpdir());
	static const char line[] = "{\"queue_name\": \"hold\", \"queue_id\": \"A1\", "
				   "\"arrival_time\": 1795435000, \"message_size\": 1, "
				   "\"sender\": \"s@x.test\", \"recipients\": []}\n";
	char *twice = mr_xasprintf("%s%s", line, line);
	write_text(path, twice);
	char *cause = NULL;
	struct mr_source *src = mr_source_open(mr_backend_registry, path, NULL, &cause);
	T_TRUE(src != NULL, cause, "listing warnings: the file opens");
	if (src == NULL) {
		free(cause);
		free(twice);
		free(path);
		return;
	}
	char *want = mr_xasprintf("%s: line 2: queue id A1 again; the first line of it is kept "
				  "(normal when Postfix moved the message while postqueue -j "
				  "read the queue)",
		path);
	for (int i = 1; i <= 2; i++) {
		struct mr_snapshot *snap = mr_source_list(src, &cause);
		T_TRUE(snap != NULL, cause, "listing %d: listed", i);
		if (snap != NULL) {
			T_SIZE(snap->n_messages, 1, "listing %d: the message once", i);
		}
		T_STR(src->warnings, want, "listing %d: one warning, not one per listing", i);
		T_STR(mr_source_listing_warnings(src), want, "listing %d: the listing's own", i);
		mr_snapshot_destroy(snap);
	}
	write_text(path, line);
	struct mr_snapshot *snap = mr_source_list(src, &cause);
	T_TRUE(snap != NULL, cause, "a listing without a warning: listed");
	T_STR(src->warnings, NULL, "a listing without a warning clears the last one's");
	T_STR(mr_source_listing_warnings(src), NULL,
		"a listing without a warning clears the last one's listing warnings");
	mr_snapshot_destroy(snap);
	mr_source_destroy(src);
	free(want);
	free(twice);
	free(path);
}

static bool feed_reader(void *ctx, const char *data, size_t len) {
	return mr_postqueue_feed(ctx, data, len);
}

/* The fields of a line Postfix writes, with one of them replaced (or, with
 * an empty value, left out): "@QUEUE_ID@" style keys name them. */
static char *line_with(const char *field, const char *value) {
	static const char *const fields[][2] = {
		{ "queue_name", "\"deferred\"" },
		{ "queue_id", "\"A1\"" },
		{ "arrival_time", "1795435000" },
		{ "message_size", "316" },
		{ "forced_expire", "false" },
		{ "sender", "\"s@x.test\"" },
		{ "recipients", "[{\"address\": \"r@x.test\", \"delay_reason\": \"later\"}]" },
	};
	struct mr_buf b;
	mr_buf_init(&b);
	mr_buf_add_char(&b, '{');
	for (size_t i = 0; i < sizeof(fields) / sizeof(*fields); i++) {
		const char *v = strcmp(fields[i][0], field) == 0 ? value : fields[i][1];
		if (*v != '\0') {
			mr_buf_printf(&b, "%s\"%s\": %s", b.len > 1 ? ", " : "", fields[i][0], v);
		}
	}
	mr_buf_add_char(&b, '}');
	return mr_buf_steal(&b);
}

/* The reader is strict: a line is a message as Postfix writes it, or an
 * error naming the line; no value out of range reaches the snapshot. */
static void test_values(void) {
	static const struct {
		const char *field, *value, *error; /* error NULL: read */
	} cases[] = {
		{ "queue_id", "5", "expected a string" },
		{ "queue_id", "null", "expected a string" },
		{ "queue_name", "[]", "expected a string" },
		{ "arrival_time", "\"1795435000\"", "arrival_time: expected seconds" },
		{ "arrival_time", "-5", "arrival_time: not a time from 1980 to 2100" },
		{ "arrival_time", "-99999999999", "arrival_time: not a time from 1980 to 2100" },
		{ "arrival_time", "99999999999999", "arrival_time: not a time from 1980 to 2100" },
		{ "arrival_time", "1e300", "arrival_time: expected seconds" },
		{ "arrival_time", "", "no arrival_time" },
		{ "message_size", "\"big\"", "message_size: expected bytes" },
		{ "message_size", "-1", "message_size: not a size from 0 to 1 TiB" },
		{ "message_size", "2199023255552", "message_size: not a size from 0 to 1 TiB" },
		{ "message_size", "99999999999999999999", "message_size: expected bytes" },
		{ "message_size", "1e300", "message_size: expected bytes" },
		{ "message_size", "", "no message_size" },
		{ "forced_expire", "1", "expected true or false" },
		{ "sender", "5", "expected a string" },
		{ "sender", "null", "expected a string" },
		{ "sender", "", "no sender" },
		{ "recipients", "{}", "recipients: expected a list" },
		{ "recipients", "", "no recipients" },
		{ "recipients", "[{\"address\": 5}]", "expected a string" },
		{ "recipients", "[{\"address\": \"r@x.test\", \"delay_reason\": 5}]",
			"expected a string" },
		{ "recipients", "[{\"address\": \"r@x.test\", \"state\": \"lost\"}]",
			"state is not pending, deferred or bounced" },
		{ "recipients", "[{\"address\": \"r@x.test\", \"address\": \"s@x.test\"}]",
			"a field is given twice" },
		{ "sender", "\"s@x.test\", \"sender\": \"t@x.test\"", "a field is given twice" },
		/* Read: */
		{ "arrival_time", "null", NULL },
		{ "arrival_time", "0", NULL },
		{ "message_size", "1099511627776", NULL },
		{ "forced_expire", "", NULL },
		{ "recipients", "[]", NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char *line = line_with(cases[i].field, cases[i].value);
		struct mr_snapshot *snap = mr_snapshot_create();
		struct mr_postqueue_reader r;
		mr_postqueue_reader_init(&r, snap, "q.jsonl");
		bool ok = mr_postqueue_feed(&r, line, strlen(line)) && mr_postqueue_end(&r);
		/* The error up to its byte, which says where in the line. */
		char *got = r.error ? mr_xstrndup(r.error, strcspn(r.error, "(") - 1) : NULL;
		char *want =
			cases[i].error ? mr_xasprintf("q.jsonl: line 1: %s", cases[i].error) : NULL;
		T_STR(got, want, "%s %s", cases[i].field,
			*cases[i].value ? cases[i].value : "left out");
		T_INT(snap->n_messages, cases[i].error ? 0 : 1, "%s %s: the message only if read",
			cases[i].field, *cases[i].value ? cases[i].value : "left out");
		if (ok && strcmp(cases[i].field, "arrival_time") == 0) {
			T_INT(snap->messages[0].arrival, MR_TIME_UNKNOWN,
				"arrival_time %s is unknown", cases[i].value);
		}
		free(want);
		free(got);
		free(line);
		mr_postqueue_reader_finish(&r);
		mr_snapshot_destroy(snap);
	}
}

/* A NUL in a string, escaped or as a byte, is stored as C0 80: nothing
 * after the reader ends the string there. */
static void test_nul(void) {
	static const char line[] =
		"{\"queue_name\": \"deferred\", \"queue_id\": \"A1\", \"arrival_time\": "
		"1795435000, \"message_size\": 1, \"sender\": \"s\\u0000hidden@x.test\", "
		"\"recipients\": [{\"address\": \"r\0raw@x.test\", \"delay_reason\": "
		"\"450 try\\u0000 later\\u0000\"}]}\n";
	struct mr_snapshot *snap = mr_snapshot_create();
	struct mr_postqueue_reader r;
	mr_postqueue_reader_init(&r, snap, "q.jsonl");
	bool ok = mr_postqueue_feed(&r, line, sizeof(line) - 1) && mr_postqueue_end(&r);
	T_TRUE(ok, r.error, "NUL: read");
	T_SIZE(snap->n_messages, 1, "NUL: the one message");
	if (snap->n_messages == 1) {
		T_INT(snap->messages[0].n_rcpts, 1, "NUL: its one recipient");
	}
	if (snap->n_messages == 1 && snap->messages[0].n_rcpts == 1) {
		const struct mr_recipient *rc = mr_message_rcpt(snap, &snap->messages[0], 0);
		T_STR(snap->messages[0].sender, "s\xc0\x80hidden@x.test",
			"NUL: \\u0000 in the sender");
		T_STR(rc->address, "r\xc0\x80raw@x.test", "NUL: a raw NUL byte in the address");
		T_STR(t_text(rc->reason), "450 try\xc0\x80 later\xc0\x80",
			"NUL: two in the reason");
	}
	mr_postqueue_reader_finish(&r);
	mr_snapshot_destroy(snap);
}

/* Empty lines are skipped, "\n" or "\r\n" ones; a line ended "\r\n" reads. */
static void test_empty_lines(void) {
	static const char *const inputs[] = {
		"\n\n{\"queue_name\": \"hold\", \"queue_id\": \"E1E1E1E1E1E\", \"arrival_time\": "
		"1795435000, \"message_size\": 1, \"sender\": \"s@x.test\", \"recipients\": "
		"[{\"address\": \"r@x.test\"}]}\n\n",
		"\r\n{\"queue_name\": \"hold\", \"queue_id\": \"E1E1E1E1E1E\", \"arrival_time\": "
		"1795435000, \"message_size\": 1, \"sender\": \"s@x.test\", \"recipients\": "
		"[{\"address\": \"r@x.test\"}]}\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof(inputs) / sizeof(*inputs); i++) {
		struct mr_snapshot *snap = mr_snapshot_create();
		struct mr_postqueue_reader r;
		mr_postqueue_reader_init(&r, snap, "q.jsonl");
		bool ok =
			mr_postqueue_feed(&r, inputs[i], strlen(inputs[i])) && mr_postqueue_end(&r);
		T_TRUE(ok, r.error, "empty lines %s: read", i ? "\\r\\n" : "\\n");
		T_INT(snap->n_messages, 1, "empty lines %s: the one message", i ? "\\r\\n" : "\\n");
		mr_postqueue_reader_finish(&r);
		mr_snapshot_destroy(snap);
	}
}

/* A valid line for queue id (quoted) of exactly len bytes (its object
 * padded with blanks), no newline. */
static char *line_of(const char *id, size_t len) {
	char *line = line_with("queue_id", id);
	size_t n = strlen(line);
	line = realloc(line, len + 1);
	memset(line + n, ' ', len - n);
	line[len] = '\0';
	return line;
}

/* Lines longer than the limit are refused, at the limit's memory, however
 * they arrive; a line of exactly the limit is read. */
static void test_line_limit(void) {
	enum { MAX = 300 };
	char *fits = line_of("\"A1\"", MAX), *also = line_of("\"A2\"", MAX);
	char *over = line_of("\"A3\"", MAX + 1);
	char *three = mr_xasprintf("%s\n%s\n%s\n", fits, also, over);
	/* In pieces, as a pipe gives them, and whole, as standard input is kept. */
	static const size_t pieces[] = { 1, 7, 49, 343, 1000 };
	for (size_t k = 0; k < sizeof(pieces) / sizeof(*pieces); k++) {
		size_t piece = pieces[k];
		struct mr_snapshot *snap = mr_snapshot_create();
		struct mr_postqueue_reader r;
		mr_postqueue_reader_init(&r, snap, "q.jsonl");
		r.line_max = MAX;
		size_t most = 0;
		bool ok = true;
		for (size_t i = 0; i < strlen(three) && ok; i += piece) {
			size_t n = strlen(three) - i < piece ? strlen(three) - i : piece;
			ok = mr_postqueue_feed(&r, three + i, n);
			most = r.partial.len > most ? r.partial.len : most;
		}
		ok = ok && mr_postqueue_end(&r);
		T_OK(!ok, "line limit, pieces of %zu: refused", piece);
		T_STR(r.error, "q.jsonl: line 3: longer than 300 bytes",
			"line limit, pieces of %zu: the input and the line named", piece);
		T_OK(most <= MAX, "line limit, pieces of %zu: never more than the limit kept (%zu)",
			piece, most);
		T_INT(snap->n_messages, 2, "line limit, pieces of %zu: the lines before it read",
			piece);
		mr_postqueue_reader_finish(&r);
		mr_snapshot_destroy(snap);
	}
	/* Standard input is kept as it comes: the meter refuses the same line. */
	struct mr_line_meter meter = { 0 };
	char *cause = NULL;
	bool fed =
		mr_line_meter_feed(&meter, three, strlen(three) - 2, MAX, "standard input", &cause);
	T_TRUE(fed, cause, "meter: the limit itself passes");

	T_OK(!mr_line_meter_feed(&meter, "x", 1, MAX, "standard input", &cause),
		"meter: a byte more does not");
	T_STR(cause, "standard input: line 3: longer than 300 bytes", "meter: says so");
	free(cause);
	free(three);
	free(fits);
	free(also);
	free(over);
}

/* postqueue -j run locally and over SSH feeds the same reader from a
 * program's output: a real program writing a line past the real limit
 * (64 MiB) through the local transport is stopped there. */
static void test_line_limit_program(void) {
	struct mr_transport *t = mr_transport_local_create();
	const char *argv[] = { "sh", "-c",
		"printf '{\"queue_id\": \"'; head -c 100000000 /dev/zero | tr '\\000' x", NULL };
	struct mr_snapshot *snap = mr_snapshot_create();
	struct mr_postqueue_reader r;
	mr_postqueue_reader_init(&r, snap, "postqueue -j on this machine");
	struct mr_command cmd = { .argv = argv, .on_output = feed_reader, .ctx = &r };
	struct mr_command_result res;
	char *cause = NULL;
	bool ran = mr_transport_run(t, &cmd, &res, &cause);
	T_TRUE(ran, cause, "a 100 MB line: the program runs");
	T_OK(res.cancelled, "a 100 MB line: the program is stopped at the limit");
	T_STR(r.error, "postqueue -j on this machine: line 1: longer than 64 MiB",
		"a 100 MB line: refused with the input and the line");
	mr_command_result_finish(&res);
	mr_postqueue_reader_finish(&r);
	mr_snapshot_destroy(snap);
	mr_transport_destroy(t);
}

static bool collect(void *ctx, const char *data, size_t len) {
	mr_buf_add(ctx, data, len);
	return true;
}

static bool stop_early(void *ctx, const char *data, size_t len) {
	(void)data;
	size_t *seen = ctx;
	*seen += len;
	return *seen < 1000;
}

static void test_transport(void) {
	struct mr_transport *t = mr_transport_local_create();
	struct mr_buf out;
	mr_buf_init(&out);
	/* Input in, output out, larger than a pipe holds. */
	struct mr_buf big;
	mr_buf_init(&big);
	for (int i = 0; i < 20000; i++) {
		mr_buf_printf(&big, "line %d\n", i);
	}
	const char *cat[] = { "cat", NULL };
	struct mr_command cmd = { .argv = cat,
		.input = big.data,
		.input_len = big.len,
		.on_output = collect,
		.ctx = &out };
	struct mr_command_result res;
	char *cause = NULL;
	bool ran = mr_transport_run(t, &cmd, &res, &cause);
	T_TRUE(ran, cause, "transport: cat runs");
	T_INT(res.exit_status, 0, "transport: exit status 0");
	T_MEM(out.data, out.len, big.data, big.len, "transport: %zu bytes through stdin and stdout",
		big.len);
	mr_command_result_finish(&res);

	const char *ls[] = { "ls", "/nonexistent-mailroom", NULL };
	cmd = (struct mr_command){ .argv = ls };
	ran = mr_transport_run(t, &cmd, &res, &cause);
	T_TRUE(ran, cause, "transport: ls runs");
	T_OK(res.exit_status != 0, "transport: a failing program gives its status (%d)",
		res.exit_status);
	T_HAS(res.err.data, "nonexistent-mailroom",
		"transport: a failing program gives its stderr");
	char *line = mr_command_error_line(&res, NULL);
	T_HAS(line, "No such file", "transport: the error line");
	free(line);
	mr_command_result_finish(&res);

	const char *sleep_argv[] = { "sleep", "10", NULL };
	cmd = (struct mr_command){ .argv = sleep_argv, .timeout_ms = 200 };
	ran = mr_transport_run(t, &cmd, &res, &cause);
	T_TRUE(ran, cause, "transport: sleep runs");
	if (ran) {
		T_OK(res.timed_out, "transport: a timeout stops the program");
		T_INT(res.exit_status, -1, "transport: a program stopped has no exit status");
	}
	mr_command_result_finish(&res);

	size_t seen = 0;
	const char *yes[] = { "yes", NULL };
	cmd = (struct mr_command){ .argv = yes, .on_output = stop_early, .ctx = &seen };
	ran = mr_transport_run(t, &cmd, &res, &cause);
	T_TRUE(ran, cause, "transport: yes runs");
	if (ran) {
		T_OK(res.cancelled, "transport: the output callback can stop it");
	}
	mr_command_result_finish(&res);

	const char *head[] = { "head", "-c", "1", NULL };
	cmd = (struct mr_command){ .argv = head, .input = big.data, .input_len = big.len };
	ran = mr_transport_run(t, &cmd, &res, &cause);
	T_TRUE(ran, cause, "transport: head runs");
	if (ran) {
		T_INT(res.exit_status, 0,
			"transport: a program that stops reading its input is no crash");
	}
	mr_command_result_finish(&res);

	/* No shell: metacharacters are an argument, not syntax. */
	const char *printf_argv[] = { "printf", "%s", "$(touch /tmp/mailroom-pwned); `id`", NULL };
	mr_buf_clear(&out);
	cmd = (struct mr_command){ .argv = printf_argv, .on_output = collect, .ctx = &out };
	ran = mr_transport_run(t, &cmd, &res, &cause);
	T_TRUE(ran, cause, "transport: printf runs");
	T_STR(out.data, "$(touch /tmp/mailroom-pwned); `id`",
		"transport: arguments reach the program as they are");
	T_OK(access("/tmp/mailroom-pwned", F_OK) != 0,
		"transport: no shell ran the arguments (no /tmp/mailroom-pwned)");
	mr_command_result_finish(&res);

	const char *missing[] = { "mailroom-no-such-program", NULL };
	cmd = (struct mr_command){ .argv = missing };
	ran = mr_transport_run(t, &cmd, &res, &cause);
	T_OK(!ran, "transport: a missing program is an error");
	T_PREFIX(cause, "mailroom-no-such-program: cannot run it",
		"transport: a missing program: says it cannot run it");

	free(cause);
	mr_buf_finish(&big);
	mr_buf_finish(&out);
	mr_transport_destroy(t);
}

/* What the operator reads when a Postfix tool fails (the tools' own texts). */
static void test_postfix_failures(void) {
	struct pf pf = { .sudo = false, .config_dir = "/etc/postfix-lab" };
	snprintf(pf.tool[PF_POSTSUPER], sizeof(pf.tool[PF_POSTSUPER]), "/usr/sbin/postsuper");
	snprintf(pf.tool[PF_POSTQUEUE], sizeof(pf.tool[PF_POSTQUEUE]), "/usr/sbin/postqueue");
	/* Locally the advice is about this machine; over SSH (remote) about the
	 * remote host, where the sudoers file to change is. */
	static const struct {
		bool sudo, sudo_postqueue, remote;
		enum pf_tool tool;
		const char *err;
		int status;
		const char *want;
	} cases[] = {
		{ false, false, false, PF_POSTSUPER,
			"postsuper: fatal: use of this command is reserved for the superuser\n", 1,
			"postsuper needs root: run mailroom as root, or allow \"sudo -n "
			"/usr/sbin/postsuper\" (use of this command is reserved for the "
			"superuser)" },
		{ true, false, false, PF_POSTSUPER, "sudo: a password is required\n", 1,
			"postsuper needs root, and sudo -n refused it (a password is required): "
			"run mailroom as root or allow /usr/sbin/postsuper in sudoers" },
		{ false, false, true, PF_POSTSUPER,
			"postsuper: fatal: use of this command is reserved for the superuser\n", 1,
			"postsuper needs root: log in as root, or let mailroom use \"sudo -n "
			"/usr/sbin/postsuper\" on that host (\"host PATTERNS sudo auto\" in the "
			"configuration) (use of this command is reserved for the superuser)" },
		{ true, false, true, PF_POSTSUPER, "sudo: a password is required\n", 1,
			"postsuper needs root, and sudo -n refused it (a password is required): "
			"log in as root or allow /usr/sbin/postsuper in the remote host's sudoers "
			"(NOPASSWD, as sudo -n asks no password)" },
		{ true, true, true, PF_POSTQUEUE, "sudo: a password is required\n", 1,
			"postqueue -c /etc/postfix-lab needs root (the directory is not in "
			"/etc/postfix/main.cf's alternate_config_directories), and sudo -n refused "
			"it (a password is required): log in as root, allow /usr/sbin/postqueue in "
			"the remote host's sudoers (NOPASSWD, as sudo -n asks no password), or add "
			"the directory to alternate_config_directories" },
		{ false, false, false, PF_POSTQUEUE,
			"postqueue: fatal: Queue report unavailable - mail system is down\n", 69,
			"postqueue: Queue report unavailable - mail system is down" },
		{ false, false, false, PF_POSTSUPER, "", 1, "postsuper failed (exit status 1)" },
		/* sshd's line for a login without a home is not the tool's error. */
		{ true, false, true, PF_POSTSUPER,
			"Could not chdir to home directory /nonexistent: No such file or "
			"directory\npostsuper: fatal: queue file write error\n",
			75, "postsuper: queue file write error" },
		{ true, false, true, PF_POSTSUPER,
			"Could not chdir to home directory /nonexistent: No such file or "
			"directory\n",
			1, "postsuper failed (exit status 1)" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct mr_command_result res = { .exit_status = cases[i].status };
		mr_buf_init(&res.err);
		mr_buf_add_str(&res.err, cases[i].err);
		pf.sudo = cases[i].sudo;
		pf.sudo_postqueue = cases[i].sudo_postqueue;
		pf.remote = cases[i].remote;
		char *got = pf_failure(&pf, cases[i].tool, &res);
		T_STR(got, cases[i].want, "postfix failure message %zu", i);
		free(got);
		mr_command_result_finish(&res);
	}
}

/* postcat's "gone" is its own line about the id, not a login's chatter. */
static void test_postcat_gone(void) {
	static const struct {
		const char *err;
		bool gone;
	} cases[] = {
		{ "postcat: fatal: open queue file A8A8E104066: No such file or directory\n",
			true },
		{ "Could not chdir to home directory /nonexistent: No such file or directory\n"
		  "postcat: fatal: open queue file A8A8E104066: No such file or directory\n",
			true },
		/* A login without a home, the message there: not gone. */
		{ "Could not chdir to home directory /nonexistent: No such file or directory\n",
			false },
		{ "sudo: unable to resolve host mx1: Name or service not known\n", false },
		{ "postcat: fatal: open queue file B9B9F215177: No such file or directory\n",
			false },
		{ "", false },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct mr_command_result res = { .exit_status = 1 };
		mr_buf_init(&res.err);
		mr_buf_add_str(&res.err, cases[i].err);
		T_INT(pf_postcat_gone(&res, "A8A8E104066"), cases[i].gone, "postcat gone %zu", i);
		mr_command_result_finish(&res);
	}
}

/* A glimpse (snapshot.h) copies the front of a listing still being read. */
static void test_glimpse(void) {
	struct mr_buf text;
	mr_buf_init(&text);
	enum { LINES = 2600 };
	for (int i = 0; i < LINES; i++) {
		mr_buf_printf(&text,
			"{\"queue_name\": \"%s\", \"queue_id\": \"G%010X\", \"arrival_time\": %d, "
			"\"message_size\": %d, \"sender\": \"s%d@example.org\", \"recipients\": "
			"[{\"address\": \"a%d@example.net\", \"orig_address\": "
			"\"o%d@example.net\", "
			"\"delay_reason\": \"host mx.example.net[192.0.2.1] said: %s (in reply to "
			"RCPT TO command)\"}, {\"address\": \"b%d@example.com\"}]}\n",
			i % 3 ? "deferred" : "hold", i, 1795400000 + i, 100 + i, i % 50, i, i,
			i % 2 ? "450 4.2.0 Greylisted, try again later" : "550 5.1.1 no such user",
			i);
	}
	struct mr_snapshot *snap = mr_snapshot_create();
	struct t_glimpses g = { 0 };
	snap->progress = (struct mr_listing_progress){ .glimpse = t_take_glimpse, .ctx = &g };
	struct mr_postqueue_reader r;
	mr_postqueue_reader_init(&r, snap, "glimpsed");
	bool ok = true;
	for (size_t i = 0; i < text.len && ok; i += 4093) {
		ok = mr_postqueue_feed(
			&r, text.data + i, text.len - i < 4093 ? text.len - i : 4093);
	}
	ok = ok && mr_postqueue_end(&r);
	T_TRUE(ok, r.error, "glimpse: the listing parses");
	mr_postqueue_reader_finish(&r);
	snap->progress = (struct mr_listing_progress){ 0 };
	mr_snapshot_finish(snap);
	t_check_glimpses(&g, 2, snap, "glimpse");
	struct mr_snapshot *two = mr_snapshot_copy_front(snap, 2);
	mr_snapshot_finish(two);
	T_INT(two->n_messages, 2, "copy_front: n messages of a finished snapshot");
	T_OK(t_same_front(two, snap), "copy_front: the same messages");
	struct mr_snapshot *all = mr_snapshot_copy_front(snap, 1u << 30);
	T_INT(all->n_messages, LINES, "copy_front: n larger than the snapshot takes it all");
	mr_snapshot_destroy(all);
	mr_snapshot_destroy(two);
	mr_snapshot_destroy(snap);
	mr_buf_finish(&text);
}

int main(void) {
	test_postfix_failures();
	test_postcat_gone();
	test_sample();
	test_batches();
	test_bad_lines();
	test_values();
	test_nul();
	test_empty_lines();
	test_line_limit();
	test_line_limit_program();
	test_listing_warnings();
	test_transport();
	test_glimpse();
	return t_done();
}
