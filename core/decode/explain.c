#include "explain.h"

#include <string.h>

#include "json.h"
#include "wordmodel.h"

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

static void json_span(FILE *out, const char *text, struct mr_span span) {
	if (span.len == 0) {
		fputs("null", out);
	} else {
		mr_json_string_len(out, text + span.off, span.len);
	}
}

static void json_or_null(FILE *out, const char *s) {
	if (s == NULL) {
		fputs("null", out);
	} else {
		mr_json_string(out, s);
	}
}

void mr_explain_json(
	FILE *out, const struct mr_kb *kb, const char *text, const struct mr_diagnosis *d) {
	const struct mr_category *cat = mr_diagnosis_category(kb, d);
	fputs("{\"basic_code\":", out);
	if (d->basic != 0) {
		fprintf(out, "%u", d->basic);
	} else {
		fputs("null", out);
	}
	fputs(",\"enhanced_code\":", out);
	json_or_null(out, d->enhanced[0] ? d->enhanced : NULL);
	fputs(",\"stage\":", out);
	json_or_null(out, mr_stage_name(d->stage));
	fputs(",\"host\":", out);
	json_span(out, text, d->host);
	fputs(",\"address\":", out);
	json_span(out, text, d->address);
	fputs(",\"port\":", out);
	if (d->port != 0) {
		fprintf(out, "%u", d->port);
	} else {
		fputs("null", out);
	}
	fprintf(out, ",\"temporary\":%s",
		d->temporary < 0 ? "null"
		: d->temporary   ? "true"
				 : "false");
	fputs(",\"category\":", out);
	mr_json_string(out, cat->name);
	fputs(",\"sisimai_reason\":", out);
	mr_json_string(out, cat->sisimai);
	fprintf(out, ",\"confidence\":\"%s\"", mr_confidence_name(d->confidence));
	fputs(",\"evidence\":", out);
	struct mr_buf evidence;
	mr_buf_init(&evidence);
	mr_diagnosis_evidence(kb, d, &evidence);
	json_or_null(out, evidence.len ? evidence.data : NULL);
	mr_buf_finish(&evidence);
	fprintf(out, ",\"waiting_helps\":\"%s\"", mr_waits_name(cat->waits));
	fputs(",\"provider\":", out);
	json_or_null(out, mr_diagnosis_provider(kb, d));
	fputs(",\"title\":", out);
	mr_json_string(out, cat->title);
	fputs(",\"explanation\":", out);
	mr_json_string(out, mr_diagnosis_meaning(kb, d));
	fputs(",\"advice\":", out);
	mr_json_string(out, mr_diagnosis_advice(kb, d));
	putc('}', out);
}
