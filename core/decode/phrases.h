#ifndef MR_PHRASES_H
#define MR_PHRASES_H

/*
 * The decoder's own phrases: where a server's reply starts inside an MTA's
 * words, the SMTP stage the words name, and for a failure without a code
 * whether the MTA will retry. They join the knowledge base's matcher, so
 * one pass over a reason finds the rules' phrases and these.
 */

#include <stddef.h>
#include <stdint.h>

#include "matcher.h"
#include "stage.h"

enum mr_anchor {
	MR_NO_ANCHOR,
	MR_REPLY_AFTER,       /* the server's reply starts right after the phrase */
	MR_REPLY_AFTER_COLON, /* ... after the next ": " (Exim names the command first) */
	/* ... right after the phrase, and the words before it are a relay's
	 * boilerplate ("Google tried to deliver your message, but it was
	 * rejected by the recipient domain"): they decide no cause. */
	MR_REPLY_AFTER_BOILERPLATE,
};

struct mr_phrase {
	const char *text;
	uint8_t stage;    /* enum mr_stage */
	int8_t temporary; /* for a reply without codes: 1, 0, or -1 says nothing */
	uint8_t anchor;   /* enum mr_anchor */
};

extern const struct mr_phrase mr_phrases[];
extern const size_t mr_n_phrases;

/* Adds every phrase to m, phrase i with id first_id + i. */
void mr_phrases_add(struct mr_matcher *m, uint32_t first_id);

#endif
