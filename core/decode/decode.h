#ifndef MR_DECODE_H
#define MR_DECODE_H

/*
 * The decoder: what a delivery failure's reason text says, as data. It reads
 * Postfix's delay and bounce reasons ("host mx[1.2.3.4] said: 550 5.1.1 ...
 * (in reply to RCPT TO command)", "connect to ...: Connection refused"),
 * Exim's and Sendmail's log reasons and DSN Diagnostic-Code fields, and finds
 * the basic reply code (RFC 5321), the enhanced status code (RFC 3463), the
 * SMTP stage, the remote host, whether the failure is temporary, and, from
 * the knowledge base, the cause category.
 *
 * Like Postfix's DSN struct the result is small and fixed in size: the host
 * and address are offsets into the text, which must outlive the diagnosis
 * (reason texts live in a snapshot's string pool).
 */

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "code.h"
#include "kb.h"
#include "stage.h"

/* Only the first this many bytes of a reason are read. */
#define MR_DECODE_MAX 4096

struct mr_span {
	uint16_t off, len; /* len 0: absent */
};

/*
 * What decided the category, from the strongest evidence to none. The
 * decoder climbs the ladder in this order and stops at the first step that
 * says something:
 *   rule         a wording rule of a provider, an MTA or a filter product
 *   status-code  the enhanced status code (5.1.1, 5.7.26) by itself
 *   reply-code   the basic reply code at its SMTP stage (552 after DATA)
 *   guess        a plain word that hints at a cause ("spam", "quota"), or
 *                failing that, the words the development table's lines of
 *                one cause hold (wordmodel.h)
 *   none         nothing says why: the category is "unknown"
 */
enum mr_confidence {
	MR_CONFIDENCE_NONE,
	MR_CONFIDENCE_GUESS,
	MR_CONFIDENCE_REPLY_CODE,
	MR_CONFIDENCE_STATUS_CODE,
	MR_CONFIDENCE_RULE,
};

struct mr_diagnosis {
	uint16_t basic;                 /* 0: none */
	char enhanced[MR_ENHANCED_MAX]; /* "": none */
	uint8_t stage;                  /* enum mr_stage */
	int8_t temporary;               /* 1 yes, 0 no (permanent), -1 unknown */
	int16_t category;               /* index into the knowledge base's */
	int16_t rule;                   /* the deciding rule's index, or -1 */
	uint8_t confidence;             /* enum mr_confidence */
	int16_t clue;                   /* the deciding reply rule's or word's index, or -1 */
	uint16_t learnt[2]; /* a model guess: its words (wordmodel.h), or MR_MODEL_NO_WORD */
	struct mr_span host, address; /* "mx.example.com", "192.0.2.1" */
	uint16_t port;                /* 0: not given */
};

void mr_decode(const struct mr_kb *kb, const char *text, size_t len, struct mr_diagnosis *d);
/* Every wording rule that matches the text (codes allowing), not only the
 * deciding one: at most max rule indexes, returns how many. For the test
 * that no two rules of different categories claim one real line. */
size_t mr_decode_rules(
	const struct mr_kb *kb, const char *text, size_t len, uint32_t *rules, size_t max);

/* What the diagnosis says, preferring the deciding rule's own words. */
const struct mr_category *mr_diagnosis_category(
	const struct mr_kb *kb, const struct mr_diagnosis *d);
const char *mr_diagnosis_meaning(const struct mr_kb *kb, const struct mr_diagnosis *d);
const char *mr_diagnosis_advice(const struct mr_kb *kb, const struct mr_diagnosis *d);
const char *mr_diagnosis_provider(const struct mr_kb *kb, const struct mr_diagnosis *d);

/* "rule", "status-code", "reply-code", "guess", "none". */
const char *mr_confidence_name(enum mr_confidence confidence);
/* What decided, in words: the rule's phrase ("user unknown"), the status
 * code ("5.1.1"), the reply at its stage ("552 at end of DATA"), the word
 * ("spam"); nothing for none. Appended to out. */
void mr_diagnosis_evidence(
	const struct mr_kb *kb, const struct mr_diagnosis *d, struct mr_buf *out);

#endif
