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

#include "code.h"
#include "kb.h"
#include "stage.h"

/* Only the first this many bytes of a reason are read. */
#define MR_DECODE_MAX 4096

struct mr_span {
	uint16_t off, len; /* len 0: absent */
};

struct mr_diagnosis {
	uint16_t basic;                 /* 0: none */
	char enhanced[MR_ENHANCED_MAX]; /* "": none */
	uint8_t stage;                  /* enum mr_stage */
	int8_t temporary;               /* 1 yes, 0 no (permanent), -1 unknown */
	int16_t category;               /* index into the knowledge base's */
	int16_t rule;                   /* the deciding rule's index, or -1 */
	struct mr_span host, address;   /* "mx.example.com", "192.0.2.1" */
	uint16_t port;                  /* 0: not given */
};

void mr_decode(const struct mr_kb *kb, const char *text, size_t len, struct mr_diagnosis *d);

/* What the diagnosis says, preferring the deciding rule's own words. */
const struct mr_category *mr_diagnosis_category(
	const struct mr_kb *kb, const struct mr_diagnosis *d);
const char *mr_diagnosis_meaning(const struct mr_kb *kb, const struct mr_diagnosis *d);
const char *mr_diagnosis_advice(const struct mr_kb *kb, const struct mr_diagnosis *d);
const char *mr_diagnosis_provider(const struct mr_kb *kb, const struct mr_diagnosis *d);

#endif
