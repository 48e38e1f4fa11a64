#ifndef MR_FILTER_H
#define MR_FILTER_H

/*
 * The filter language, shared by the screen's "/" prompt and the command
 * line's --filter (docs/filter.md has the whole of it):
 *
 *   domain:gmail.com code:45x        both (a space is "and")
 *   cat:greylisting or cat:rate-limited
 *   not queue:hold   -queue:hold     negation
 *   (from:shop or from:news) age:>2h size:>1M
 *   prio:>0  prio:<=-1               the priority (none for Postfix: never taken)
 *   reason:"try again later"  reason:/4\.7\.[0-9]+/   host:*.outlook.com
 *
 * A message matches when the filter holds for the message and one of its
 * recipients: in "domain:gmail.com cat:greylisting" both terms are about the
 * same recipient, and "not cat:greylisting" finds messages with a recipient
 * that is not greylisted. A word without a key is looked for in the id, the
 * sender, the recipient and its reason. Matching ignores case; a value with
 * * or ? is a glob.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kb.h"
#include "snapshot.h"

struct mr_filter;

struct mr_filter_error {
	size_t pos; /* byte offset in the expression of what is wrong */
	char message[200];
};

/* NULL with *err filled when expr is not a filter. An empty expression is
 * a filter that matches everything. kb gives the category names. */
struct mr_filter *mr_filter_parse(
	const char *expr, const struct mr_kb *kb, struct mr_filter_error *err);
void mr_filter_free(struct mr_filter *filter);

/* Whether the filter is the empty one (matches everything). */
bool mr_filter_is_empty(const struct mr_filter *filter);

/*
 * Sets match[i] (one byte per message of the finished snapshot) to whether
 * message i matches, with ages taken at now; returns how many do. Terms
 * about reasons are decided once per distinct reason.
 */
size_t mr_filter_run(
	struct mr_filter *filter, const struct mr_snapshot *snap, int64_t now, uint8_t *match);

/*
 * The same, and rcpt_match[j] (a byte per recipient of the snapshot) to
 * whether recipient j is one the filter holds for: of a matching message,
 * every recipient when the filter says nothing about recipients, else those
 * its recipient terms hold for ("domain:gmail.com" marks the Gmail ones).
 */
size_t mr_filter_run_recipients(struct mr_filter *filter, const struct mr_snapshot *snap,
	int64_t now, uint8_t *match, uint8_t *rcpt_match);

/*
 * The first of m's recipients the filter holds for, as the last run over
 * snap decided its terms (call it after mr_filter_run on the same snapshot
 * and now); NULL when the filter says nothing about recipients, is empty, or
 * holds for none. A listing names this recipient rather than the first.
 */
const struct mr_recipient *mr_filter_first_recipient(const struct mr_filter *filter,
	const struct mr_snapshot *snap, int64_t now, const struct mr_message *m);

/* The keys, for completion and help: "from:", "to:", ... NULL-terminated. */
extern const char *const mr_filter_keys[];

#endif
