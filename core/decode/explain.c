#include "explain.h"

#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "wordmodel.h"
#include "xalloc.h"

static void part(struct mr_buf *out, const char *separator) {
	if (out->len > 0) {
		mr_buf_add_str(out, separator);
	}
}

void mr_explain_facts(
	struct mr_buf *out, const char *text, const struct mr_diagnosis *d, const char *separator) {
	mr_buf_clear(out);
	if (d->basic != 0) {
		mr_buf_printf(out, "%u", d->basic);
	}
	if (d->enhanced[0] != '\0') {
		mr_buf_add_str(out, d->basic != 0 ? " " : "");
		mr_buf_add_str(out, d->enhanced);
	}
	if (d->stage != MR_STAGE_NONE) {
		part(out, separator);
		mr_buf_printf(out, "at %s", mr_stage_label(d->stage));
	}
	if (d->host.len > 0) {
		part(out, separator);
		mr_buf_add(out, text + d->host.off, d->host.len);
		if (d->address.len > 0) {
			mr_buf_add_str(out, " [");
			mr_buf_add(out, text + d->address.off, d->address.len);
			mr_buf_add_str(out, "]");
		}
		if (d->port != 0) {
			mr_buf_printf(out, ":%u", d->port);
		}
	}
	if (d->temporary >= 0) {
		part(out, separator);
		mr_buf_add_str(out, d->temporary ? "temporary" : "permanent");
	}
}

void mr_explain_decided(struct mr_buf *out, const struct mr_kb *kb, const struct mr_diagnosis *d) {
	struct mr_buf evidence;
	mr_buf_init(&evidence);
	mr_diagnosis_evidence(kb, d, &evidence);
	mr_buf_clear(out);
	switch (d->confidence) {
	case MR_CONFIDENCE_RULE:
		mr_buf_printf(out, "the wording \"%s\"", evidence.data);
		if (kb->rules[d->rule].category != d->category) {
			mr_buf_add_str(out, " in reply to MAIL FROM: the sender's address");
		}
		break;
	case MR_CONFIDENCE_STATUS_CODE:
		mr_buf_printf(out, "the status code %s", evidence.data);
		break;
	case MR_CONFIDENCE_REPLY_CODE:
		mr_buf_printf(out, "the reply code %s", evidence.data);
		break;
	case MR_CONFIDENCE_GUESS:
		if (d->clue >= 0) {
			mr_buf_printf(out, "the word \"%s\" alone", evidence.data);
		} else {
			mr_buf_add_str(out, "the words");
			for (int i = 0; i < 2 && d->learnt[i] != MR_MODEL_NO_WORD; i++) {
				mr_buf_printf(out, "%s\"%s\"", i ? ", " : " ",
					mr_model_word(kb->model, d->learnt[i]));
			}
			mr_buf_add_str(out, ", as real lines of this cause use them");
		}
		break;
	default:
		mr_buf_add_str(out, "nothing: the text does not say why");
		break;
	}
	mr_buf_printf(out, " (confidence: %s)", mr_confidence_name(d->confidence));
	mr_buf_finish(&evidence);
}

const char *mr_explain_waits(const struct mr_kb *kb, const struct mr_diagnosis *d) {
	switch (mr_diagnosis_category(kb, d)->waits) {
	case MR_WAITS_YES:
		return "waiting helps: the retries normally get it through";
	case MR_WAITS_NO:
		return "waiting does not help: it fails the same way until something changes";
	default:
		return "waiting may help";
	}
}

const char *mr_explain_retry(const struct mr_diagnosis *d) {
	switch (d->temporary) {
	case 1:
		return "temporary: the MTA tries again until the queue lifetime ends";
	case 0:
		return "permanent: trying again will fail the same way";
	default:
		return "the text does not say whether it is temporary";
	}
}

static void json_span(struct mr_buf *out, const char *text, struct mr_span span) {
	if (span.len == 0) {
		mr_buf_add_str(out, "null");
	} else {
		mr_json_string_len(out, text + span.off, span.len);
	}
}

static void json_or_null(struct mr_buf *out, const char *s) {
	if (s == NULL) {
		mr_buf_add_str(out, "null");
	} else {
		mr_json_string(out, s);
	}
}

/* A number, or null for 0 (a code or port the text does not have). */
static void json_number_or_null(struct mr_buf *out, unsigned n) {
	if (n != 0) {
		mr_buf_add_u64(out, n);
	} else {
		mr_buf_add_str(out, "null");
	}
}

/* The evidence's words as a JSON string, or null: they are put together
 * where the string goes and then quoted from a copy, so that a diagnosis
 * of a listing's million costs no allocation. */
static void json_evidence(
	struct mr_buf *out, const struct mr_kb *kb, const struct mr_diagnosis *d) {
	size_t at = out->len;
	mr_diagnosis_evidence(kb, d, out);
	size_t len = out->len - at;
	out->len = at;
	if (len == 0) {
		mr_buf_add_str(out, "null");
		return;
	}
	char small[256];
	char *words = len < sizeof(small) ? small : mr_xmalloc(len);
	memcpy(words, out->data + at, len);
	mr_json_string_len(out, words, len);
	if (words != small) {
		free(words);
	}
}

void mr_explain_json(struct mr_buf *out, const struct mr_kb *kb, const char *text,
	const struct mr_diagnosis *d) {
	const struct mr_category *cat = mr_diagnosis_category(kb, d);
	mr_buf_add_str(out, "{\"basic_code\":");
	json_number_or_null(out, d->basic);
	mr_buf_add_str(out, ",\"enhanced_code\":");
	json_or_null(out, d->enhanced[0] ? d->enhanced : NULL);
	mr_buf_add_str(out, ",\"stage\":");
	json_or_null(out, mr_stage_name(d->stage));
	mr_buf_add_str(out, ",\"host\":");
	json_span(out, text, d->host);
	mr_buf_add_str(out, ",\"address\":");
	json_span(out, text, d->address);
	mr_buf_add_str(out, ",\"port\":");
	json_number_or_null(out, d->port);
	mr_buf_add_str(out, ",\"temporary\":");
	mr_buf_add_str(out, d->temporary < 0 ? "null" : d->temporary ? "true" : "false");
	mr_buf_add_str(out, ",\"category\":");
	mr_json_string(out, cat->name);
	mr_buf_add_str(out, ",\"sisimai_reason\":");
	mr_json_string(out, cat->sisimai);
	mr_buf_add_str(out, ",\"confidence\":\"");
	mr_buf_add_str(out, mr_confidence_name(d->confidence));
	mr_buf_add_str(out, "\",\"evidence\":");
	json_evidence(out, kb, d);
	mr_buf_add_str(out, ",\"waiting_helps\":\"");
	mr_buf_add_str(out, mr_waits_name(cat->waits));
	mr_buf_add_str(out, "\",\"provider\":");
	json_or_null(out, mr_diagnosis_provider(kb, d));
	mr_buf_add_str(out, ",\"title\":");
	mr_json_string(out, cat->title);
	mr_buf_add_str(out, ",\"explanation\":");
	mr_json_string(out, mr_diagnosis_meaning(kb, d));
	mr_buf_add_str(out, ",\"advice\":");
	mr_json_string(out, mr_diagnosis_advice(kb, d));
	mr_buf_add_char(out, '}');
}
