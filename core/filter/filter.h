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
 * Regular expressions run on PCRE2 under limits (core/filter/regexp.h): one that
 * is too big is a parse error, one that needs too much backtracking on some
 * reason makes the run fail rather than match nothing.
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
 * about reasons are decided once per distinct reason. A run can fail (a
 * regular expression reached a limit): it then returns 0 with every byte
 * 0, and mr_filter_last_status() says why.
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

/* How a run ended. */
enum mr_filter_status {
	MR_FILTER_DONE,      /* match says which messages match */
	MR_FILTER_FAILED,    /* a regular expression reached a limit: the error names it */
	MR_FILTER_CANCELLED, /* should_stop said so */
};

/* How often a run asks should_stop, on the thread that called it. */
enum { MR_FILTER_POLL_MESSAGES = 4096, MR_FILTER_POLL_REASONS = 256 };

struct mr_filter_run_opts {
	/*
	 * Asked on the calling thread only (the others are told), every
	 * MR_FILTER_POLL_MESSAGES messages or MR_FILTER_POLL_REASONS distinct
	 * reasons it decides (and every 10 ms while a regular expression
	 * decides them, as one text can take long), and every 10 ms while it
	 * waits for the other threads; true ends the run as cancelled. NULL:
	 * never.
	 */
	bool (*should_stop)(void *ctx);
	void *ctx;
};

/*
 * mr_filter_run_recipients (rcpt_match may be NULL) with opts (NULL: none),
 * saying how it ended. MR_FILTER_DONE: *n_matched (may be NULL) is how many
 * messages match. MR_FILTER_FAILED or MR_FILTER_CANCELLED: every byte of
 * match (and rcpt_match) is 0 and *n_matched is 0; a failure fills *err (may
 * be NULL): pos is the byte offset of the term's value, as for a parse error,
 * and message says "reason:/(a*)*\1$/: too much backtracking: simplify it".
 * Either way every thread of the run has ended, and the filter can be run
 * again.
 */
enum mr_filter_status mr_filter_run_with(struct mr_filter *filter, const struct mr_snapshot *snap,
	int64_t now, uint8_t *match, uint8_t *rcpt_match, const struct mr_filter_run_opts *opts,
	size_t *n_matched, struct mr_filter_error *err);

/* How the last run of the filter ended, by any of the run functions (DONE
 * before any), with *err (may be NULL) filled when it failed. */
enum mr_filter_status mr_filter_last_status(
	const struct mr_filter *filter, struct mr_filter_error *err);

/*
 * The first of m's recipients the filter holds for, as the last run over
 * snap decided its terms (call it after mr_filter_run on the same snapshot
 * and now); NULL when the filter says nothing about recipients, is empty,
 * holds for none, or the last run did not finish. A listing names this
 * recipient rather than the first.
 */
const struct mr_recipient *mr_filter_first_recipient(const struct mr_filter *filter,
	const struct mr_snapshot *snap, int64_t now, const struct mr_message *m);

/* The keys, for completion and help: "from:", "to:", ... NULL-terminated. */
extern const char *const mr_filter_keys[];

#endif
