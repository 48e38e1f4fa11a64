#ifndef MR_EXPLAIN_H
#define MR_EXPLAIN_H

/*
 * A diagnosis in words, for every place that shows one: the detail view,
 * `mailroom explain`, and the list output.
 */

#include <stdio.h>

#include "buf.h"
#include "decode.h"

/* "550 5.1.1 · RCPT TO · mx.example.com [192.0.2.1]:25 · permanent", with
 * the parts the text did not give left out; separator between parts. */
void mr_explain_facts(
	struct mr_buf *out, const char *text, const struct mr_diagnosis *d, const char *separator);

/* "the wording \"user unknown\" (confidence: rule)": what decided the
 * category and how sure the decoder is (decode.h's ladder). */
void mr_explain_decided(struct mr_buf *out, const struct mr_kb *kb, const struct mr_diagnosis *d);

/* Whether waiting helps, for people: "waiting helps: ...". */
const char *mr_explain_waits(const struct mr_kb *kb, const struct mr_diagnosis *d);

/* "will be retried" and the like, for the temporary flag. */
const char *mr_explain_retry(const struct mr_diagnosis *d);

/*
 * The JSON object of `mailroom explain --json` and of each recipient's
 * "diagnosis" in `mailroom list --json`: basic_code, enhanced_code, stage,
 * host, address, port, temporary, category, sisimai_reason, confidence,
 * evidence, waiting_helps, provider, title, explanation, advice (absent
 * facts are null), appended to out.
 */
void mr_explain_json(
	struct mr_buf *out, const struct mr_kb *kb, const char *text, const struct mr_diagnosis *d);

#endif
