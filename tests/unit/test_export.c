/* list --json / --csv / table: exact output for known messages. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explain.h"
#include "export.h"
#include "harness.h"
#include "json.h"
#include "text.h"
#include "xalloc.h"

static char *capture(enum mr_export_format format, const struct mr_snapshot *snap) {
	char *data = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&data, &len);
	mr_export_snapshot(out, format, "sqlite:q.db", snap, NULL, NULL, 1795435200);
	fclose(out);
	return data;
}

/* s (len bytes) as mr_json_string_len writes it. */
static char *json_of(const char *s, size_t len) {
	struct mr_buf out;
	mr_buf_init(&out);
	mr_json_string_len(&out, s, len);
	return mr_buf_steal(&out);
}

static void test_json_strings(void) {
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "plain", "\"plain\"" },
		{ "quote \" back \\", "\"quote \\\" back \\\\\"" },
		{ "esc \x1b[2J", "\"esc \\u001b[2J\"" },
		{ "nl\ntab\t", "\"nl\\ntab\\t\"" },
		{ "del\x7f", "\"del\\u007f\"" },
		{ "c1 \xc2\x9b", "\"c1 \\u009b\"" },
		{ "ls \xe2\x80\xa8", "\"ls \\u2028\"" },
		{ "j\xc3\xbcrgen", "\"j\xc3\xbcrgen\"" },
		{ "latin1 \xfc", "\"latin1 \\ufffd\"" },
		{ "nul \xc0\x80 inside", "\"nul \\u0000 inside\"" },
		{ "lone \xc0 lead", "\"lone \\ufffd lead\"" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char *data = json_of(cases[i].in, strlen(cases[i].in));
		T_STR(data, cases[i].want, "json string %zu", i);
		free(data);
	}
}

/* With a length: bytes after it are not written, a NUL byte inside is one. */
static void test_json_string_lengths(void) {
	static const struct {
		const char *in;
		size_t len;
		const char *want;
	} cases[] = {
		{ "a\0b", 3, "\"a\\u0000b\"" },
		{ "cut here", 3, "\"cut\"" },
		{ "", 0, "\"\"" },
		{ "ends in \xc3\xbc", 9, "\"ends in \\ufffd\"" },
		{ "stored \xc0\x80", 9, "\"stored \\u0000\"" },
		{ "half \xc0\x80", 6, "\"half \\ufffd\"" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char *data = json_of(cases[i].in, cases[i].len);
		T_STR(data, cases[i].want, "json string of a length: %s", cases[i].want);
		free(data);
	}
}

/* Plain runs are found sixteen bytes at a time: a byte to escape, or one
 * above ASCII, at every offset of a longer text, on either side of a
 * block's edge. */
static void test_json_string_blocks(void) {
	static const struct {
		const char *in, *out;
	} specials[] = {
		{ "\"", "\\\"" },
		{ "\\", "\\\\" },
		{ "\n", "\\n" },
		{ "\x1b", "\\u001b" },
		{ "\x7f", "\\u007f" },
		{ "\xc2\x9b", "\\u009b" },
		{ "\xc3\xbc", "\xc3\xbc" },
		{ "\xfc", "\\ufffd" },
	};
	enum { LEN = 40 };
	static const char before[] = "0123456789abcdefghijklmnopqrstuvwxyzABCD",
			  after[] = "EFGHIJKLMNOPQRSTUVWXYZ ./:;<=>?@[]^_`{|}~";
	size_t wrong = 0;
	for (size_t s = 0; s < sizeof(specials) / sizeof(*specials); s++) {
		for (size_t at = 0; at <= LEN; at++) {
			char in[128], want[128];
			snprintf(in, sizeof(in), "%.*s%s%.*s", (int)at, before, specials[s].in,
				(int)(LEN - at), after);
			snprintf(want, sizeof(want), "\"%.*s%s%.*s\"", (int)at, before,
				specials[s].out, (int)(LEN - at), after);
			char *data = json_of(in, strlen(in));
			if (strcmp(data, want) != 0 && wrong++ == 0) {
				t_note("got %s, want %s", data, want);
			}
			free(data);
		}
	}
	T_SIZE(wrong, 0, "json strings: a byte to escape at every offset of a longer text");
}

static struct mr_snapshot *sample(void) {
	struct mr_snapshot *snap = mr_snapshot_create();
	struct mr_message *m = mr_snapshot_add_message(snap, "A8A8E104066");
	m->queue = MR_QUEUE_DEFERRED;
	m->arrival = 1795431600;
	m->size = 1234;
	m->sender = mr_snapshot_intern(snap, "shop@contoso-shop.eu");
	m->flags = MR_MSG_HAS_PRIORITY;
	struct mr_recipient *r = mr_snapshot_add_recipient(snap, "greylist@sink.test");
	r->state = MR_RCPT_DEFERRED;
	static const char greylisted[] = "host 127.0.0.1[127.0.0.1] said: 450 4.2.0 "
					 "Greylisted, please try again later (in reply to "
					 "RCPT TO command)";
	r->reason = mr_snapshot_reason(snap, greylisted, strlen(greylisted));
	r->attempts = 2;
	r->last_attempt = 1795434600;
	r->next_retry = 1795435500;
	r = mr_snapshot_add_recipient(snap, "b@x.test");
	r->original = mr_snapshot_intern(snap, "B@X.test");
	m = mr_snapshot_add_message(snap, "MD1");
	m->queue = MR_QUEUE_MAILDROP;
	m->arrival = 1795435190;
	m->size = 300;
	m->sender = mr_snapshot_intern(snap, "");
	mr_snapshot_finish(snap);
	return snap;
}

/* The diagnosis object as explain --json writes it, compared on its own. */
static char *diagnosis_json(const struct mr_snapshot *snap, const struct mr_recipient *r) {
	struct mr_buf out;
	mr_buf_init(&out);
	mr_explain_json(&out, mr_kb_default(), t_text(r->reason), mr_recipient_diagnosis(snap, r));
	return mr_buf_steal(&out);
}

/* The expected output is written out by hand, never produced by the JSON
 * writer or the decoder, so that a bug in either shows here. The
 * greylisting reason's diagnosis, with the knowledge base's words for it: */
#define GREYLISTED_JSON                                                                        \
	"{\"basic_code\":450,\"enhanced_code\":\"4.2.0\",\"stage\":\"rcpt\",\"host\":"         \
	"\"127.0.0.1\",\"address\":\"127.0.0.1\",\"port\":null,\"temporary\":true,"            \
	"\"category\":\"greylisting\",\"sisimai_reason\":\"greylisting\",\"confidence\":"      \
	"\"rule\",\"evidence\":\"greylist\",\"waiting_helps\":\"yes\",\"provider\":null,"      \
	"\"title\":"                                                                           \
	"\"greylisting\",\"explanation\":\"The receiving server deferred a first delivery "    \
	"attempt on purpose and expects a retry after a few minutes.\",\"advice\":\"Nothing "  \
	"to do: Postfix retries and the next attempt normally succeeds. Flush only if the "    \
	"delay matters; greylisting that lasts for hours points to a sending IP that changes " \
	"between attempts.\"}"

static void test_json(void) {
	struct mr_snapshot *snap = sample();
	char *got = capture(MR_EXPORT_JSON, snap);
	char *diagnosis = diagnosis_json(snap, &snap->recipients[0]);
	T_STR(diagnosis, GREYLISTED_JSON, "json: the diagnosis of the reason");
	T_STR(got,
		"{\"source\":\"sqlite:q.db\",\"queue_id\":\"A8A8E104066\",\"queue_name\":"
		"\"deferred\",\"arrival_time\":1795431600,\"message_size\":1234,\"sender\":"
		"\"shop@contoso-shop.eu\",\"priority\":0,\"forced_expire\":false,\"state\":"
		"\"deferred\",\"state_why\":null,\"attempts\":2,"
		"\"next_retry\":1795435500,\"recipients\":[{\"address\":\"greylist@sink.test\","
		"\"original_address\":null,\"state\":\"deferred\",\"reason\":\"host "
		"127.0.0.1[127.0.0.1] said: 450 4.2.0 Greylisted, please try again later (in reply "
		"to RCPT TO command)\",\"attempts\":2,\"last_attempt\":1795434600,\"next_retry\":"
		"1795435500,\"diagnosis\":" GREYLISTED_JSON "},{\"address\":\"b@x.test\","
		"\"original_address\":\"B@X.test\",\"state\":\"pending\",\"reason\":null,"
		"\"attempts\":null,\"last_attempt\":null,\"next_retry\":null,\"diagnosis\":null}],"
		"\"last_attempt\":1795434600,\"history\":null,\"history_complete\":null}"
		"\n"
		"{\"source\":\"sqlite:q.db\",\"queue_id\":\"MD1\",\"queue_name\":\"maildrop\","
		"\"arrival_time\":1795435190,\"message_size\":300,\"sender\":\"\",\"priority\":"
		"null,\"forced_expire\":false,\"state\":\"maildrop\",\"state_why\":null,"
		"\"attempts\":null,\"next_retry\":null,\"recipients\":"
		"[],\"last_attempt\":null,\"history\":null,\"history_complete\":null}"
		"\n",
		"json lines");
	free(diagnosis);
	free(got);
	mr_snapshot_destroy(snap);
}

/* Every text field of a message goes through the same escaping. */
static void test_json_escapes(void) {
	struct mr_snapshot *snap = mr_snapshot_create();
	struct mr_message *m = mr_snapshot_add_message(snap, "E\"1");
	m->queue = MR_QUEUE_HOLD;
	m->arrival = 1795431600;
	m->size = 10;
	m->sender = mr_snapshot_intern(snap, "a" MR_NUL_STORED "b@x.test");
	struct mr_recipient *r = mr_snapshot_add_recipient(snap, "j\xc3\xbcrgen\\@x.test");
	r->original = mr_snapshot_intern(snap, "\x1b[2J\xe2\x80\xa8@x.test");
	r->state = MR_RCPT_DEFERRED;
	static const char reason[] = "conversation with \"mx\" \xfc timed out\tafter\nEHLO \x7f";
	r->reason = mr_snapshot_reason(snap, reason, sizeof(reason) - 1);
	mr_snapshot_finish(snap);
	char *data = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&data, &len);
	mr_export_snapshot(out, MR_EXPORT_JSON, "ssh:\"mx\"\n", snap, NULL, NULL, 1795435200);
	fclose(out);
	T_STR(data,
		"{\"source\":\"ssh:\\\"mx\\\"\\n\",\"queue_id\":\"E\\\"1\",\"queue_name\":\"hold\","
		"\"arrival_time\":1795431600,\"message_size\":10,\"sender\":\"a\\u0000b@x.test\","
		"\"priority\":null,\"forced_expire\":false,\"state\":\"hold\",\"state_why\":null,"
		"\"attempts\":null,\"next_retry\":null,"
		"\"recipients\":[{\"address\":\"j\xc3\xbcrgen\\\\@x.test\",\"original_address\":"
		"\"\\u001b[2J\\u2028@x.test\",\"state\":\"deferred\",\"reason\":\"conversation "
		"with "
		"\\\"mx\\\" \\ufffd timed out\\tafter\\nEHLO \\u007f\",\"attempts\":null,"
		"\"last_attempt\":null,\"next_retry\":null,\"diagnosis\":{\"basic_code\":null,"
		"\"enhanced_code\":null,\"stage\":\"helo\",\"host\":null,\"address\":null,\"port\":"
		"null,\"temporary\":true,\"category\":\"network\",\"sisimai_reason\":"
		"\"networkerror\",\"confidence\":\"rule\",\"evidence\":\"timed out\","
		"\"waiting_helps\":\"yes\",\"provider\":null,\"title\":\"timed out or network "
		"error\",\"explanation\":\"The connection timed out, was lost, or the network "
		"could "
		"not reach the server.\",\"advice\":\"Check outbound connectivity on port 25 from "
		"this server; Postfix retries. If only this destination fails, the problem is "
		"likely "
		"theirs.\"}}],\"last_attempt\":null,\"history\":null,\"history_complete\":null}\n",
		"json: quotes, backslashes, controls, a stored NUL, U+2028 and a stray byte are "
		"escaped in the source, id, sender, addresses and reason alike");
	free(data);
	mr_snapshot_destroy(snap);
}

static void test_csv(void) {
	struct mr_snapshot *snap = sample();
	char *got = capture(MR_EXPORT_CSV, snap);
	T_STR(got,
		"source,queue_id,queue_name,arrival_time,message_size,sender,priority,forced_"
		"expire,recipient,original_recipient,state,attempts,last_attempt,next_retry,reason,"
		"category,basic_code,enhanced_code,stage,temporary,message_state\n"
		"sqlite:q.db,A8A8E104066,deferred,1795431600,1234,shop@contoso-shop.eu,0,false,"
		"greylist@sink.test,,deferred,2,1795434600,1795435500,\"host 127.0.0.1[127.0.0.1] "
		"said: 450 4.2.0 Greylisted, please try again later (in reply to RCPT TO "
		"command)\",greylisting,450,4.2.0,rcpt,true,deferred\n"
		"sqlite:q.db,A8A8E104066,deferred,1795431600,1234,shop@contoso-shop.eu,0,false,"
		"b@x.test,B@X.test,pending,,,,,,,,,,deferred\n"
		"sqlite:q.db,MD1,maildrop,1795435190,300,,,false,,,,,,,,,,,,,maildrop\n",
		"csv rows");
	free(got);
	mr_snapshot_destroy(snap);
}

/* Text a spreadsheet would take for a formula gets a leading '; --csv-raw
 * writes it exactly (still quoted as CSV needs); numbers are never touched. */
static void test_csv_formulas(void) {
	static const struct {
		const char *sender, *csv, *raw;
	} cases[] = {
		{ "=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\"",
			"\"=HYPERLINK(\"\"http://x\"\")\"" },
		{ "+1@x.test", "'+1@x.test", "+1@x.test" },
		{ "-2+3@x.test", "'-2+3@x.test", "-2+3@x.test" },
		{ "@SUM(A1)", "'@SUM(A1)", "@SUM(A1)" },
		{ "\tcmd", "'^Icmd", "\tcmd" },
		{ "\rcmd", "'^Mcmd", "\"\rcmd\"" },
		{ "a=b@x.test", "a=b@x.test", "a=b@x.test" },
		{ "line\nbreak", "line^Jbreak", "\"line\nbreak\"" },
		{ "", "", "" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct mr_snapshot *snap = mr_snapshot_create();
		struct mr_message *m = mr_snapshot_add_message(snap, "A1");
		m->arrival = 1795431600;
		m->size = 10;
		m->priority = -5;
		m->flags = MR_MSG_HAS_PRIORITY;
		m->sender = mr_snapshot_intern(snap, cases[i].sender);
		mr_snapshot_finish(snap);
		for (int raw = 0; raw <= 1; raw++) {
			char *got = capture(raw ? MR_EXPORT_CSV_RAW : MR_EXPORT_CSV, snap);
			char *want =
				mr_xasprintf("sqlite:q.db,A1,deferred,1795431600,10,%s,-5,false,"
					     ",,,,,,,,,,,,deferred\n",
					raw ? cases[i].raw : cases[i].csv);
			const char *row = got ? strchr(got, '\n') : NULL;
			T_STR(row ? row + 1 : got, want, "csv%s: sender %zu", raw ? "-raw" : "", i);
			free(want);
			free(got);
		}
		mr_snapshot_destroy(snap);
	}
}

static void test_table(void) {
	/* The first message's priority (NULL: its source keeps none) and the
	 * second's; the PRIO column is there when one of them has one. */
	static const struct {
		const char *first, *second, *want;
	} cases[] = {
		{ "0", NULL,
			"ID           QUEUE     AGE   SIZE  PRIO  SENDER                "
			"RECIPIENT              CAUSE      REASON\n"
			"A8A8E104066  deferred  1h    1.2K  0     shop@contoso-shop.eu  "
			"greylist@sink.test +1  greylist   450 4.2.0 Greylisted, please try again "
			"later\n"
			"MD1          maildrop  10s   300   -     <>\n" },
		/* Postfix: no priority, no column, the table as it always was */
		{ NULL, NULL,
			"ID           QUEUE     AGE   SIZE  SENDER                "
			"RECIPIENT              CAUSE      REASON\n"
			"A8A8E104066  deferred  1h    1.2K  shop@contoso-shop.eu  "
			"greylist@sink.test +1  greylist   450 4.2.0 Greylisted, please try again "
			"later\n"
			"MD1          maildrop  10s   300   <>\n" },
		/* the column as wide as the widest number */
		{ "-2147483648", "7",
			"ID           QUEUE     AGE   SIZE  PRIO         SENDER                "
			"RECIPIENT              CAUSE      REASON\n"
			"A8A8E104066  deferred  1h    1.2K  -2147483648  shop@contoso-shop.eu  "
			"greylist@sink.test +1  greylist   450 4.2.0 Greylisted, please try again "
			"later\n"
			"MD1          maildrop  10s   300   7            <>\n" },
		{ NULL, "2147483647",
			"ID           QUEUE     AGE   SIZE  PRIO        SENDER                "
			"RECIPIENT              CAUSE      REASON\n"
			"A8A8E104066  deferred  1h    1.2K  -           shop@contoso-shop.eu  "
			"greylist@sink.test +1  greylist   450 4.2.0 Greylisted, please try again "
			"later\n"
			"MD1          maildrop  10s   300   2147483647  <>\n" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct mr_snapshot *snap = sample();
		const char *given[2] = { cases[i].first, cases[i].second };
		for (size_t k = 0; k < 2; k++) {
			struct mr_message *m = &snap->messages[k];
			m->flags = given[k] ? MR_MSG_HAS_PRIORITY : 0;
			m->priority = given[k] ? (int32_t)strtol(given[k], NULL, 10) : 0;
		}
		char *got = capture(MR_EXPORT_TABLE, snap);
		T_STR(got, cases[i].want, "table, priorities %s and %s",
			cases[i].first ? cases[i].first : "none",
			cases[i].second ? cases[i].second : "none");
		free(got);
		mr_snapshot_destroy(snap);
	}
	/* Only the messages listed count: the one with a priority filtered out,
	 * no column. */
	struct mr_snapshot *snap = sample();
	uint8_t only[2] = { 0, 1 };
	char *data = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&data, &len);
	mr_export_snapshot(out, MR_EXPORT_TABLE, "sqlite:q.db", snap, only, NULL, 1795435200);
	fclose(out);
	T_STR(data,
		"ID   QUEUE     AGE   SIZE  SENDER  RECIPIENT  CAUSE      REASON\n"
		"MD1  maildrop  10s   300   <>\n",
		"table of the message without a priority only");
	free(data);
	mr_snapshot_destroy(snap);
}

/* A message's attempts from the mail log: every field, escaped as the
 * rest; a partial history says so, a message without a log says null. */
static void test_json_history(void) {
	struct mr_snapshot *snap = mr_snapshot_create();
	struct mr_message *m = mr_snapshot_add_message(snap, "A8A8E104066");
	m->flags = MR_MSG_HISTORY | MR_MSG_HISTORY_PARTIAL;
	struct mr_recipient *r = mr_snapshot_add_recipient(snap, "a@x.test");
	r->state = MR_RCPT_DEFERRED;
	r->attempts = 2;
	r->last_attempt = 1795434600;
	static const char *const replies[2] = { "connect to mx.x.test[192.0.2.1]:25: Connection "
						"refused",
		"host mx.x.test said: 250 ok \x1b[2J" };
	for (int i = 0; i < 2; i++) {
		struct mr_attempt *a = mr_snapshot_add_attempt(snap, 0);
		a->recipient = mr_snapshot_intern(snap, i ? "b\x1b@x.test" : "a@x.test");
		a->relay = mr_snapshot_intern(snap, i ? "mx.x.test[192.0.2.1]:25" : "none");
		a->dsn = mr_snapshot_intern(snap, i ? "2.0.0" : "4.4.1");
		a->reply = mr_snapshot_reason(snap, replies[i], strlen(replies[i]));
		a->when = 1795434000 + i * 600;
		a->status = i ? MR_ATTEMPT_SENT : MR_ATTEMPT_DEFERRED;
		if (i == 0) {
			a->delays[0] = 10;
			a->delays[1] = 0;
			a->delays[2] = 3001;
			a->delays[3] = 604650 * 100;
		}
	}
	mr_snapshot_add_message(snap, "MD1"); /* none read for it: complete, empty */
	snap->messages[1].flags = MR_MSG_HISTORY;
	mr_snapshot_finish(snap);
	char *got = capture(MR_EXPORT_JSON, snap);
	T_HAS(got,
		"\"diagnosis\":null}],\"last_attempt\":1795434600,\"history\":[{\"time\":"
		"1795434000,\"recipient\":\"a@x.test\",\"relay\":\"none\",\"delays\":{\"a\":0.1,"
		"\"b\":0,\"c\":30.01,\"d\":604650},\"dsn\":\"4.4.1\",\"status\":\"deferred\","
		"\"reply\":\"connect to mx.x.test[192.0.2.1]:25: Connection refused\",\"category\":"
		"\"connection-refused\"},{\"time\":1795434600,\"recipient\":\"b\\u001b@x.test\","
		"\"relay\":"
		"\"mx.x.test[192.0.2.1]:25\",\"delays\":{\"a\":null,\"b\":null,\"c\":null,\"d\":"
		"null},\"dsn\":\"2.0.0\",\"status\":\"sent\",\"reply\":\"host mx.x.test said: "
		"250 ok \\u001b[2J\",\"category\":null}],\"history_complete\":false}\n",
		"json: the history of a message, partial");
	T_HAS(got,
		"\"recipients\":[],\"last_attempt\":null,\"history\":[],\"history_complete\":true}",
		"json: a message the log has nothing of");
	free(got);
	mr_snapshot_destroy(snap);
}

/* The exporter in parts (a streamed listing's batches) writes the bytes
 * of the whole export: here the sample's two messages, one batch each. */
static void test_exporter_parts(void) {
	struct mr_snapshot *snap = sample();
	static const enum mr_export_format formats[] = { MR_EXPORT_JSON, MR_EXPORT_CSV,
		MR_EXPORT_CSV_RAW, MR_EXPORT_POSTQUEUE };
	static const uint8_t first[] = { 1, 0 }, second[] = { 0, 1 };
	for (size_t f = 0; f < sizeof(formats) / sizeof(*formats); f++) {
		char *whole = capture(formats[f], snap);
		char *data = NULL;
		size_t len = 0;
		FILE *out = open_memstream(&data, &len);
		struct mr_exporter *e = mr_exporter_start(out, formats[f], "sqlite:q.db");
		T_OK(mr_exporter_write(e, snap, first), "format %zu: first batch written", f);
		T_OK(mr_exporter_write(e, snap, second), "format %zu: second batch written", f);
		T_OK(mr_exporter_end(e), "format %zu: flushed", f);
		fclose(out);
		T_STR(data, whole, "format %zu: in two batches, the whole export's bytes", f);
		free(data);
		free(whole);
	}
	T_NULL(mr_exporter_start(stdout, MR_EXPORT_TABLE, "sqlite:q.db"),
		"the table is not written in parts");
	mr_snapshot_destroy(snap);
}

/*
 * Recipients that share a reason get its part of the row copied from the
 * first one's (each distinct reason is made once per batch): every row is
 * still the row of its own reason. Messages alike but for their ids, with
 * reasons A, B, A, none, B (B with a quote, a comma and a control byte):
 * rows of the same reason are the same but for the id, and each JSON line
 * holds its own reason's diagnosis, written here on its own.
 */
static void test_shared_reasons(void) {
	static const char *const reasons[] = {
		"host mx.test[192.0.2.1] said: 450 4.2.0 Greylisted, please try again later",
		"host mx.test[192.0.2.2] said: 550 5.1.1 \"nobody\", here \x1b[2J (in reply to "
		"RCPT TO command)",
	};
	static const int pick[] = { 0, 1, 0, -1, 1 };
	enum { N = sizeof(pick) / sizeof(*pick) };
	struct mr_snapshot *snap = mr_snapshot_create();
	for (size_t i = 0; i < N; i++) {
		char id[16];
		snprintf(id, sizeof(id), "ID%zu", i);
		struct mr_message *m = mr_snapshot_add_message(snap, id);
		m->queue = MR_QUEUE_DEFERRED;
		m->arrival = 1795431600;
		m->sender = mr_snapshot_intern(snap, "s@x.test");
		struct mr_recipient *r = mr_snapshot_add_recipient(snap, "r@x.test");
		r->state = pick[i] < 0 ? MR_RCPT_PENDING : MR_RCPT_DEFERRED;
		if (pick[i] >= 0) {
			r->reason = mr_snapshot_reason(
				snap, reasons[pick[i]], strlen(reasons[pick[i]]));
		}
	}
	mr_snapshot_finish(snap);
	for (int f = 0; f < 2; f++) {
		char *got = capture(f ? MR_EXPORT_CSV : MR_EXPORT_JSON, snap);
		/* The lines, the CSV header left out, with "IDn" made "ID". */
		char *line[N + 1] = { 0 };
		size_t n = 0;
		char *save = NULL;
		for (char *l = strtok_r(got, "\n", &save); l != NULL && n <= N;
			l = strtok_r(NULL, "\n", &save)) {
			char *id = strstr(l, "ID");
			if (id != NULL && id[2] >= '0' && id[2] <= '9') {
				memmove(id + 2, id + 3, strlen(id + 3) + 1);
			}
			line[n++] = l;
		}
		char **rows = line + f; /* past the CSV header */
		T_SIZE(n, (size_t)N + (size_t)f, "shared reasons %s: a line per message",
			f ? "csv" : "json");
		if (n < (size_t)N + (size_t)f) {
			free(got);
			continue;
		}
		T_STR(rows[2], rows[0], "shared reasons %s: A's row again", f ? "csv" : "json");
		T_STR(rows[4], rows[1], "shared reasons %s: B's row again", f ? "csv" : "json");
		T_OK(strcmp(rows[0], rows[1]) != 0 && strcmp(rows[3], rows[0]) != 0,
			"shared reasons %s: A's, B's and no reason's rows differ",
			f ? "csv" : "json");
		for (size_t i = 0; !f && i < N; i++) {
			const struct mr_recipient *r =
				&snap->recipients[snap->messages[i].first_rcpt];
			char *diagnosis = r->reason ? diagnosis_json(snap, r) : mr_xstrdup("null");
			char *want = mr_xasprintf("\"diagnosis\":%s}", diagnosis);
			T_HAS(rows[i], want,
				"shared reasons json: message %zu has its own diagnosis", i);
			free(want);
			free(diagnosis);
		}
		free(got);
	}
	mr_snapshot_destroy(snap);
}

int main(void) {
	test_json_strings();
	test_json_string_lengths();
	test_json_string_blocks();
	test_json();
	test_json_history();
	test_json_escapes();
	test_csv();
	test_csv_formulas();
	test_table();
	test_exporter_parts();
	test_shared_reasons();
	return t_done();
}
