#include "export.h"

#include <inttypes.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "explain.h"
#include "format.h"
#include "json.h"
#include "reason.h"
#include "text.h"
#include "xalloc.h"

static void json_time(struct mr_buf *out, int64_t t) {
	if (t == MR_TIME_UNKNOWN) {
		mr_buf_add_str(out, "null");
	} else {
		mr_buf_add_i64(out, t);
	}
}

static void json_count(struct mr_buf *out, int32_t n) {
	if (n == MR_ATTEMPTS_UNKNOWN) {
		mr_buf_add_str(out, "null");
	} else {
		mr_buf_add_i64(out, n);
	}
}

static void json_string_or_null(struct mr_buf *out, const char *s) {
	if (s == NULL) {
		mr_buf_add_str(out, "null");
	} else {
		mr_json_string(out, s);
	}
}

/* A reason's text, assembled in text when it is stored as a difference. */
static void json_text_or_null(struct mr_buf *out, const struct mr_text *t, struct mr_buf *text) {
	if (t == NULL) {
		mr_buf_add_str(out, "null");
	} else {
		mr_json_string_len(out, mr_text_str(t, text), t->len);
	}
}

/* A message's attempts from a mail log: null when no log was read for it
 * (its source has none), else every attempt, oldest first. */
static void json_history(struct mr_buf *out, struct mr_buf *text, const struct mr_snapshot *snap,
	const struct mr_message *msg) {
	mr_buf_add_str(out, ",\"last_attempt\":");
	json_time(out, mr_message_last_attempt(snap, msg));
	if (!(msg->flags & MR_MSG_HISTORY)) {
		mr_buf_add_str(out, ",\"history\":null,\"history_complete\":null");
		return;
	}
	size_t n;
	const struct mr_attempt *h = mr_message_history(snap, msg, &n);
	mr_buf_add_str(out, ",\"history\":[");
	for (size_t i = 0; i < n; i++) {
		const struct mr_attempt *a = &h[i];
		mr_buf_add_str(out, i > 0 ? ",{\"time\":" : "{\"time\":");
		json_time(out, a->when);
		mr_buf_add_str(out, ",\"recipient\":");
		mr_json_string(out, a->recipient);
		mr_buf_add_str(out, ",\"relay\":");
		mr_json_string(out, a->relay);
		mr_buf_add_str(out, ",\"delays\":{");
		for (int k = 0; k < 4; k++) {
			char d[MR_FORMAT_MAX];
			mr_format_delay(d, a->delays[k]);
			mr_buf_printf(out, "%s\"%c\":%s", k ? "," : "", "abcd"[k],
				a -> delays[k] == MR_DELAY_UNKNOWN ? "null" : d);
		}
		mr_buf_add_str(out, "},\"dsn\":");
		json_string_or_null(out, *a->dsn ? a->dsn : NULL);
		mr_buf_add_str(out, ",\"status\":\"");
		mr_buf_add_str(out, mr_attempt_status_name(a->status));
		mr_buf_add_str(out, "\",\"reply\":");
		json_text_or_null(out, a->reply, text);
		mr_buf_add_str(out, ",\"category\":");
		const struct mr_diagnosis *d = mr_attempt_diagnosis(snap, a);
		if (d == NULL || a->status == MR_ATTEMPT_SENT) {
			mr_buf_add_str(out, "null");
		} else {
			mr_json_string(out, mr_diagnosis_category(mr_kb_default(), d)->name);
		}
		mr_buf_add_char(out, '}');
	}
	mr_buf_add_str(out, msg->flags & MR_MSG_HISTORY_PARTIAL ? "],\"history_complete\":false"
								: "],\"history_complete\":true");
}

/*
 * What a writer makes of each distinct reason, kept for the batch being
 * written: recipients share reasons (a million messages' 1.9 million
 * reasons are half a million texts), and a reason's part of a row (its
 * diagnosis as JSON, with explanation and advice; its CSV field made
 * visible and its decoded columns) is most of the row. Indexed by the
 * snapshot's diagnosis; kept up to PER_REASON_KEPT bytes a batch, made
 * afresh past that: the reasons that repeat come early in a batch, and a
 * streamed listing's memory is to stay flat.
 */
enum { PER_REASON_KEPT = 1 << 20 };

struct per_reason {
	struct mr_buf kept;
	size_t *at, *len; /* per diagnosis; len 0: nothing kept yet */
	size_t n;         /* the snapshot's diagnoses */
};

static void per_reason_reset(struct per_reason *c, const struct mr_snapshot *snap) {
	mr_buf_clear(&c->kept);
	free(c->at);
	free(c->len);
	c->n = snap->n_diagnoses;
	c->at = mr_xcalloc(c->n ? c->n : 1, sizeof(*c->at));
	c->len = mr_xcalloc(c->n ? c->n : 1, sizeof(*c->len));
}

static void per_reason_finish(struct per_reason *c) {
	mr_buf_finish(&c->kept);
	free(c->at);
	free(c->len);
}

/* The bytes kept for r's reason appended to out, if there are. */
static bool per_reason_copy(
	const struct per_reason *c, const struct mr_recipient *r, struct mr_buf *out) {
	size_t i = r->diagnosis;
	if (i >= c->n || c->len[i] == 0) {
		return false;
	}
	mr_buf_add(out, c->kept.data + c->at[i], c->len[i]);
	return true;
}

/* Keeps what was just written for r's reason: out from offset from on. */
static void per_reason_keep(
	struct per_reason *c, const struct mr_recipient *r, const struct mr_buf *out, size_t from) {
	size_t i = r->diagnosis;
	if (i < c->n && c->kept.len < PER_REASON_KEPT && out->len > from) {
		c->at[i] = c->kept.len;
		c->len[i] = out->len - from;
		mr_buf_add(&c->kept, out->data + from, out->len - from);
	}
}

static void diagnosis_json(struct mr_buf *out, struct per_reason *c, struct mr_buf *text,
	const struct mr_snapshot *snap, const struct mr_recipient *r) {
	const struct mr_diagnosis *d = mr_recipient_diagnosis(snap, r);
	if (d == NULL) {
		mr_buf_add_str(out, "null");
		return;
	}
	if (per_reason_copy(c, r, out)) {
		return;
	}
	size_t from = out->len;
	mr_explain_json(out, mr_kb_default(), mr_text_str(r->reason, text), d);
	per_reason_keep(c, r, out, from);
}

static void export_json(struct mr_buf *out, struct per_reason *cache, struct mr_buf *text,
	const char *source, const struct mr_snapshot *snap, const struct mr_message *msg) {
	mr_buf_add_str(out, "{\"source\":");
	mr_json_string(out, source);
	mr_buf_add_str(out, ",\"queue_id\":");
	mr_json_string(out, msg->id);
	mr_buf_add_str(out, ",\"queue_name\":\"");
	mr_buf_add_str(out, mr_queue_name(msg->queue));
	mr_buf_add_str(out, "\",\"arrival_time\":");
	json_time(out, msg->arrival);
	mr_buf_add_str(out, ",\"message_size\":");
	mr_buf_add_u64(out, msg->size);
	mr_buf_add_str(out, ",\"sender\":");
	mr_json_string(out, msg->sender);
	mr_buf_add_str(out, ",\"priority\":");
	if (msg->flags & MR_MSG_HAS_PRIORITY) {
		mr_buf_add_i64(out, msg->priority);
	} else {
		mr_buf_add_str(out, "null");
	}
	mr_buf_add_str(out, msg->flags & MR_MSG_FORCED_EXPIRE ? ",\"forced_expire\":true"
							      : ",\"forced_expire\":false");
	mr_buf_add_str(out, ",\"state\":\"");
	mr_buf_add_str(out, mr_state_name(mr_message_state(msg)));
	mr_buf_add_str(out, "\",\"state_why\":");
	json_string_or_null(out, mr_message_state_why(msg));
	mr_buf_add_str(out, ",\"attempts\":");
	json_count(out, msg->attempts);
	mr_buf_add_str(out, ",\"next_retry\":");
	json_time(out, msg->next_retry);
	mr_buf_add_str(out, ",\"recipients\":[");
	for (uint32_t i = 0; i < msg->n_rcpts; i++) {
		const struct mr_recipient *r = mr_message_rcpt(snap, msg, i);
		mr_buf_add_str(out, i > 0 ? ",{\"address\":" : "{\"address\":");
		mr_json_string(out, r->address);
		mr_buf_add_str(out, ",\"original_address\":");
		json_string_or_null(out, r->original);
		mr_buf_add_str(out, ",\"state\":\"");
		mr_buf_add_str(out, mr_rcpt_state_name(r->state));
		mr_buf_add_str(out, "\",\"reason\":");
		json_text_or_null(out, r->reason, text);
		mr_buf_add_str(out, ",\"attempts\":");
		json_count(out, r->attempts);
		mr_buf_add_str(out, ",\"last_attempt\":");
		json_time(out, r->last_attempt);
		mr_buf_add_str(out, ",\"next_retry\":");
		json_time(out, r->next_retry);
		mr_buf_add_str(out, ",\"diagnosis\":");
		diagnosis_json(out, cache, text, snap, r);
		mr_buf_add_char(out, '}');
	}
	mr_buf_add_char(out, ']');
	json_history(out, text, snap, msg);
	mr_buf_add_str(out, "}\n");
}

/* Postfix 3.7's postqueue -j line: its field names, order and spacing. */
static void export_postqueue(struct mr_buf *out, struct mr_buf *text,
	const struct mr_snapshot *snap, const struct mr_message *msg) {
	if (msg->queue == MR_QUEUE_BOUNCED) {
		return;
	}
	mr_buf_add_str(out, "{\"queue_name\": \"");
	mr_buf_add_str(out, mr_queue_name(msg->queue));
	mr_buf_add_str(out, "\", \"queue_id\": ");
	mr_json_string(out, msg->id);
	mr_buf_add_str(out, ", \"arrival_time\": ");
	mr_buf_add_i64(out, msg->arrival);
	mr_buf_add_str(out, ", \"message_size\": ");
	mr_buf_add_u64(out, msg->size);
	mr_buf_add_str(out, msg->flags & MR_MSG_FORCED_EXPIRE ? ", \"forced_expire\": true"
							      : ", \"forced_expire\": false");
	mr_buf_add_str(out, ", \"sender\": ");
	mr_json_string(out, *msg->sender ? msg->sender : "MAILER-DAEMON");
	mr_buf_add_str(out, ", \"recipients\": [");
	for (uint32_t i = 0; i < msg->n_rcpts; i++) {
		const struct mr_recipient *r = mr_message_rcpt(snap, msg, i);
		mr_buf_add_str(out, i > 0 ? ", {\"address\": " : "{\"address\": ");
		mr_json_string(out, r->address);
		if (r->reason != NULL && r->state != MR_RCPT_PENDING) {
			mr_buf_add_str(out, ", \"delay_reason\": ");
			json_text_or_null(out, r->reason, text);
		}
		mr_buf_add_char(out, '}');
	}
	mr_buf_add_str(out, "]}\n");
}

/*
 * Where CSV goes, and how its text fields are written. A row is built in
 * line and written at once; the message's own columns, the same on each of
 * its recipients' rows, are built once per message in prefix. (Through
 * stdio a field at a time, the writing was a third of `list --csv`.)
 */
struct csv {
	FILE *out;
	struct mr_buf *scratch, *text;
	struct per_reason *per_reason; /* the reason's field and decoded columns */
	bool raw;                      /* the exact text: no visible escapes, no formula guard */
	struct mr_buf line, prefix;
};

/*
 * A spreadsheet takes a cell that starts with one of these as a formula
 * (=HYPERLINK(...), +cmd|...): a sender or a reason from the queue could
 * run one on the operator's machine. OWASP's advice: a leading ' makes it
 * text, and spreadsheets show the rest as it is. Numbers mailroom writes
 * itself (csv_number) are never text from the queue and are left alone.
 */
static bool csv_formula_start(char c) {
	return c != '\0' && strchr("=+-@\t\r", c) != NULL;
}

/* A CSV text field into out: its text (made visible, and guarded against
 * formulas; or exact with raw), quoted when it holds a comma, a quote or a
 * line end; then the separator. */
static void csv_field(struct csv *csv, struct mr_buf *out, const char *s, bool last) {
	struct mr_buf *scratch = csv->scratch;
	mr_buf_clear(scratch);
	if (s != NULL && csv->raw) {
		mr_buf_add_nul_restored(scratch, s, strlen(s));
	} else if (s != NULL) {
		if (csv_formula_start(*s)) {
			mr_buf_add_char(scratch, '\'');
		}
		mr_text_visible(scratch, s, strlen(s));
	}
	/* By length: the exact text of --csv-raw may hold a NUL. */
	const char *p = scratch->data, *end = p + scratch->len;
	bool quote = false;
	for (const char *q = p; q < end && !quote; q++) {
		quote = *q == ',' || *q == '"' || *q == '\r' || *q == '\n';
	}
	if (quote) {
		mr_buf_add_char(out, '"');
		for (const char *q; p < end; p = q + 1) {
			q = memchr(p, '"', (size_t)(end - p));
			if (q == NULL) {
				mr_buf_add(out, p, (size_t)(end - p));
				break;
			}
			mr_buf_add(out, p, (size_t)(q - p) + 1);
			mr_buf_add_char(out, '"'); /* a quote doubled */
		}
		mr_buf_add_char(out, '"');
	} else {
		mr_buf_add(out, p, scratch->len);
	}
	mr_buf_add_char(out, last ? '\n' : ',');
}

/* A whole number and the separator; only the separator when unknown. */
static void csv_number(struct mr_buf *out, int64_t v, bool known) {
	if (known) {
		mr_buf_add_i64(out, v);
	}
	mr_buf_add_char(out, ',');
}

static void csv_word(struct mr_buf *out, const char *word) {
	mr_buf_add_str(out, word);
	mr_buf_add_char(out, ',');
}

static const char csv_header[] =
	"source,queue_id,queue_name,arrival_time,message_size,sender,priority,forced_expire,"
	"recipient,original_recipient,state,attempts,last_attempt,next_retry,reason,"
	"category,basic_code,enhanced_code,stage,temporary,message_state\n";

/* The decoded columns after the reason, empty when there is no reason. */
static void csv_decoded(struct mr_buf *out, const struct mr_diagnosis *d) {
	if (d == NULL) {
		mr_buf_add_str(out, ",,,,,");
		return;
	}
	const char *stage = mr_stage_name(d->stage);
	csv_word(out, mr_diagnosis_category(mr_kb_default(), d)->name);
	csv_number(out, d->basic, d->basic != 0);
	csv_word(out, d->enhanced);
	csv_word(out, stage ? stage : "");
	csv_word(out, d->temporary < 0 ? "" : d->temporary ? "true" : "false");
}

/* The message's state (the list's QUEUE column: "expiring" for mail the
 * operator expired), last so that the earlier columns keep their places. */
static void csv_state(struct mr_buf *out, const struct mr_message *msg) {
	mr_buf_add_str(out, mr_state_name(mr_message_state(msg)));
	mr_buf_add_char(out, '\n');
}

/* The message's columns, the same on each of its rows, into csv->prefix. */
static void csv_prefix(struct csv *csv, const char *source, const struct mr_message *msg) {
	struct mr_buf *out = &csv->prefix;
	mr_buf_clear(out);
	csv_field(csv, out, source, false);
	csv_field(csv, out, msg->id, false);
	csv_word(out, mr_queue_name(msg->queue));
	csv_number(out, msg->arrival, msg->arrival != MR_TIME_UNKNOWN);
	csv_number(out, (int64_t)msg->size, true);
	csv_field(csv, out, msg->sender, false);
	csv_number(out, msg->priority, msg->flags & MR_MSG_HAS_PRIORITY);
	mr_buf_add_str(out, msg->flags & MR_MSG_FORCED_EXPIRE ? "true," : "false,");
}

static void csv_row(struct csv *csv, const struct mr_snapshot *snap, const struct mr_message *msg,
	const struct mr_recipient *r) {
	struct mr_buf *out = &csv->line;
	mr_buf_clear(out);
	mr_buf_add(out, csv->prefix.data, csv->prefix.len);
	if (r == NULL) {
		mr_buf_add_str(out, ",,,,,,,");
		csv_decoded(out, NULL);
		csv_state(out, msg);
	} else {
		csv_field(csv, out, r->address, false);
		csv_field(csv, out, r->original, false);
		csv_word(out, mr_rcpt_state_name(r->state));
		csv_number(out, r->attempts, r->attempts != MR_ATTEMPTS_UNKNOWN);
		csv_number(out, r->last_attempt, r->last_attempt != MR_TIME_UNKNOWN);
		csv_number(out, r->next_retry, r->next_retry != MR_TIME_UNKNOWN);
		if (!per_reason_copy(csv->per_reason, r, out)) {
			size_t from = out->len;
			csv_field(csv, out, r->reason ? mr_text_str(r->reason, csv->text) : NULL,
				false);
			csv_decoded(out, mr_recipient_diagnosis(snap, r));
			per_reason_keep(csv->per_reason, r, out, from);
		}
		csv_state(out, msg);
	}
	fwrite(out->data, 1, out->len, csv->out);
}

static void export_csv(struct csv *csv, const char *source, const struct mr_snapshot *snap,
	const struct mr_message *msg) {
	csv_prefix(csv, source, msg);
	if (msg->n_rcpts == 0) {
		csv_row(csv, snap, msg, NULL);
	}
	for (uint32_t i = 0; i < msg->n_rcpts; i++) {
		csv_row(csv, snap, msg, mr_message_rcpt(snap, msg, i));
	}
}

/* Code points, which is the column count for the scripts queues mostly hold. */
static size_t text_columns(const char *s) {
	size_t n = 0;
	for (; *s; s++) {
		n += ((unsigned char)*s & 0xc0) != 0x80;
	}
	return n;
}

/* s, then blanks to width; a wider s still gets two blanks after it. */
static void pad(struct mr_buf *line, const char *s, size_t width) {
	mr_buf_add_str(line, s);
	size_t n = text_columns(s);
	size_t end = n + 2 > width && width > 0 ? n + 2 : width;
	for (; n < end; n++) {
		mr_buf_add_char(line, ' ');
	}
}

/* A table line without trailing blanks (empty last columns leave some). */
static void put_line(FILE *out, struct mr_buf *line) {
	while (line->len > 0 && line->data[line->len - 1] == ' ') {
		line->data[--line->len] = '\0';
	}
	fputs(line->data, out);
	putc('\n', out);
	mr_buf_clear(line);
}

/* Senders and recipients wider than this push their own line out of
 * alignment rather than widen every line. */
enum { TABLE_MAX_COLUMN = 36 };

static void table_recipient(
	struct mr_buf *out, const struct mr_message *msg, const struct mr_headline *line) {
	mr_buf_clear(out);
	if (line->recipient != NULL) {
		const char *a = line->recipient->address;
		mr_text_visible(out, a, strlen(a));
	}
	if (msg->n_rcpts > 1) {
		mr_buf_printf(out, " +%" PRIu32, msg->n_rcpts - 1);
	}
}

static void table_sender(struct mr_buf *out, const struct mr_message *msg) {
	mr_buf_clear(out);
	if (*msg->sender == '\0') {
		mr_buf_add_str(out, "<>");
	} else {
		mr_text_visible(out, msg->sender, strlen(msg->sender));
	}
}

/* A message's PRIO cell: its priority, or "-" when its source keeps none
 * (Postfix mail merged with SQLite's), as "<>" keeps the null sender's cell
 * from being blank: the fields before the recipient stay one word each. */
enum { PRIO_MAX = 12 }; /* "-2147483648" */

static void table_priority(char out[PRIO_MAX], const struct mr_message *msg) {
	if (msg->flags & MR_MSG_HAS_PRIORITY) {
		snprintf(out, PRIO_MAX, "%" PRId32, msg->priority);
	} else {
		snprintf(out, PRIO_MAX, "-");
	}
}

/* The table names the recipient the filter picked (mr_filter_first_recipient). */

static void export_table(FILE *out, struct mr_buf *text, const struct mr_snapshot *snap,
	const uint8_t *only, const struct mr_filter *filter, int64_t now) {
	size_t id_w = 2, sender_w = 6, rcpt_w = 9, source_w = 6, prio_w = 4;
	/* A PRIO column only when a listed message has a priority: none on
	 * Postfix, whose table stays as it was. */
	bool prio = false;
	char prio_cell[PRIO_MAX];
	/* Merged sources: which one holds the message, first. */
	for (size_t o = 0; o < snap->n_origins; o++) {
		size_t w = text_columns(snap->origins[o]);
		source_w = w > source_w ? (w < TABLE_MAX_COLUMN ? w : TABLE_MAX_COLUMN) : source_w;
	}
	struct mr_buf cell;
	mr_buf_init(&cell);
	/* The recipient the filter picked for each line, found once in the
	 * first pass (it asks the filter again) and used in the second. */
	const struct mr_recipient **picked =
		mr_filter_is_empty(filter)
			? NULL
			: mr_xcalloc(snap->n_messages ? snap->n_messages : 1, sizeof(*picked));
	for (size_t i = 0; i < snap->n_messages; i++) {
		if (only != NULL && !only[i]) {
			continue;
		}
		const struct mr_message *msg = &snap->messages[i];
		size_t w = strlen(msg->id);
		id_w = w > id_w ? w : id_w;
		table_priority(prio_cell, msg);
		w = strlen(prio_cell);
		prio_w = w > prio_w ? w : prio_w;
		prio = prio || (msg->flags & MR_MSG_HAS_PRIORITY);
		table_sender(&cell, msg);
		w = text_columns(cell.data);
		sender_w = w > sender_w ? (w < TABLE_MAX_COLUMN ? w : TABLE_MAX_COLUMN) : sender_w;
		if (picked != NULL) {
			picked[i] = mr_filter_first_recipient(filter, snap, now, msg);
		}
		struct mr_headline headline =
			mr_message_headline(snap, msg, picked ? picked[i] : NULL);
		table_recipient(&cell, msg, &headline);
		w = text_columns(cell.data);
		rcpt_w = w > rcpt_w ? (w < TABLE_MAX_COLUMN ? w : TABLE_MAX_COLUMN) : rcpt_w;
	}
	struct mr_buf line;
	mr_buf_init(&line);
	if (snap->n_origins > 0) {
		pad(&line, "SOURCE", source_w + 2);
	}
	pad(&line, "ID", id_w + 2);
	pad(&line, "QUEUE", 10);
	pad(&line, "AGE", 6);
	pad(&line, "SIZE", 6);
	if (prio) {
		pad(&line, "PRIO", prio_w + 2);
	}
	pad(&line, "SENDER", sender_w + 2);
	pad(&line, "RECIPIENT", rcpt_w + 2);
	pad(&line, "CAUSE", 11);
	pad(&line, "REASON", 0);
	put_line(out, &line);
	for (size_t i = 0; i < snap->n_messages && !ferror(out); i++) {
		if (only != NULL && !only[i]) {
			continue;
		}
		const struct mr_message *msg = &snap->messages[i];
		char age[MR_FORMAT_MAX] = "-", size[MR_FORMAT_MAX];
		if (msg->arrival != MR_TIME_UNKNOWN) {
			mr_format_age(age, now - msg->arrival);
		}
		mr_format_size(size, msg->size);
		if (snap->n_origins > 0) {
			mr_buf_clear(&cell);
			const char *from = mr_message_origin(snap, msg);
			mr_text_visible(&cell, from, strlen(from));
			pad(&line, cell.data, source_w + 2);
		}
		pad(&line, msg->id, id_w + 2);
		pad(&line, mr_state_name(mr_message_state(msg)), 10);
		pad(&line, age, 6);
		pad(&line, size, 6);
		if (prio) {
			table_priority(prio_cell, msg);
			pad(&line, prio_cell, prio_w + 2);
		}
		table_sender(&cell, msg);
		pad(&line, cell.data, sender_w + 2);
		struct mr_headline headline =
			mr_message_headline(snap, msg, picked ? picked[i] : NULL);
		table_recipient(&cell, msg, &headline);
		pad(&line, cell.data, rcpt_w + 2);
		const struct mr_recipient *failure = headline.failure;
		const struct mr_diagnosis *d =
			failure ? mr_recipient_diagnosis(snap, failure) : NULL;
		pad(&line, d ? mr_diagnosis_category(mr_kb_default(), d)->badge : "", 11);
		if (failure != NULL) {
			size_t len;
			const char *brief =
				mr_reason_brief(mr_text_str(failure->reason, text), &len);
			mr_text_visible(&line, brief, len);
		}
		put_line(out, &line);
	}
	mr_buf_finish(&line);
	mr_buf_finish(&cell);
	free(picked);
}

/* The formats written a message at a time, whatever came before. */
struct mr_exporter {
	FILE *out;
	enum mr_export_format format;
	const char *source;
	struct mr_buf scratch, text;
	struct csv csv;
	struct mr_buf json;           /* JSON lines not yet written */
	struct per_reason per_reason; /* JSON's and CSV's */
	int locking;                  /* the stream's, given back at the end */
};

struct mr_exporter *mr_exporter_start(FILE *out, enum mr_export_format format, const char *source) {
	if (format == MR_EXPORT_TABLE) {
		return NULL;
	}
	struct mr_exporter *e = mr_xcalloc(1, sizeof(*e));
	e->out = out;
	e->format = format;
	e->source = source;
	mr_buf_init(&e->scratch);
	mr_buf_init(&e->text);
	e->csv = (struct csv){ .out = out,
		.scratch = &e->scratch,
		.text = &e->text,
		.per_reason = &e->per_reason,
		.raw = format == MR_EXPORT_CSV_RAW };
	mr_buf_init(&e->csv.line);
	mr_buf_init(&e->csv.prefix);
	mr_buf_init(&e->json);
	mr_buf_init(&e->per_reason.kept);
	/* Millions of small writes: this thread is the stream's only user, so
	 * it can skip the lock each one would take. */
	e->locking = __fsetlocking(out, FSETLOCKING_BYCALLER);
	if (format == MR_EXPORT_CSV || format == MR_EXPORT_CSV_RAW) {
		fputs(csv_header, out);
	}
	return e;
}

/* JSON lines are written when this much has gathered, and at the end of
 * each batch. */
enum { JSON_WRITE_AT = 1 << 16 };

static void write_json(struct mr_exporter *e) {
	fwrite(e->json.data, 1, e->json.len, e->out);
	mr_buf_clear(&e->json);
}

bool mr_exporter_write(struct mr_exporter *e, const struct mr_snapshot *snap, const uint8_t *only) {
	FILE *out = e->out;
	if (e->format != MR_EXPORT_POSTQUEUE) { /* its rows keep nothing per reason */
		per_reason_reset(&e->per_reason, snap);
	}
	for (size_t i = 0; i < snap->n_messages && !ferror(out); i++) {
		if (only != NULL && !only[i]) {
			continue;
		}
		const struct mr_message *msg = &snap->messages[i];
		const char *from = mr_message_origin(snap, msg);
		switch (e->format) {
		case MR_EXPORT_JSON:
			export_json(&e->json, &e->per_reason, &e->text, from ? from : e->source,
				snap, msg);
			break;
		case MR_EXPORT_CSV:
		case MR_EXPORT_CSV_RAW:
			export_csv(&e->csv, from ? from : e->source, snap, msg);
			break;
		case MR_EXPORT_POSTQUEUE:
			export_postqueue(&e->json, &e->text, snap, msg);
			break;
		case MR_EXPORT_TABLE:
			break;
		}
		if (e->json.len >= JSON_WRITE_AT) {
			write_json(e);
		}
	}
	write_json(e);
	return !ferror(out);
}

bool mr_exporter_end(struct mr_exporter *e) {
	if (e == NULL) {
		return true;
	}
	bool ok = fflush(e->out) == 0 && !ferror(e->out);
	__fsetlocking(e->out, e->locking);
	mr_buf_finish(&e->csv.line);
	mr_buf_finish(&e->csv.prefix);
	mr_buf_finish(&e->json);
	per_reason_finish(&e->per_reason);
	mr_buf_finish(&e->scratch);
	mr_buf_finish(&e->text);
	free(e);
	return ok;
}

bool mr_export_snapshot(FILE *out, enum mr_export_format format, const char *source,
	const struct mr_snapshot *snap, const uint8_t *only, const struct mr_filter *filter,
	int64_t now) {
	if (format != MR_EXPORT_TABLE) {
		struct mr_exporter *e = mr_exporter_start(out, format, source);
		mr_exporter_write(e, snap, only);
		return mr_exporter_end(e);
	}
	struct mr_buf text;
	mr_buf_init(&text);
	int locking = __fsetlocking(out, FSETLOCKING_BYCALLER);
	export_table(out, &text, snap, only, filter, now);
	mr_buf_finish(&text);
	bool ok = fflush(out) == 0 && !ferror(out);
	__fsetlocking(out, locking);
	return ok;
}
