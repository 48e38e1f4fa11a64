#ifndef MR_FLEET_H
#define MR_FLEET_H

/*
 * Several sources as one ("mailroom mx1 mx2 relay3"): a source whose
 * members each open and list on a thread of their own, so that a slow or
 * dead host never holds up the others. Their listings are merged into one
 * snapshot in which a message's origin is its member's index; actions and
 * content go to the member a message came from. A member that cannot be
 * opened or listed keeps its error for the sources list and is tried again
 * at the next listing, its last listing still shown; the whole listing
 * fails only when no member has one.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"

enum mr_member_state {
	MR_MEMBER_WAITING, /* not listed yet */
	MR_MEMBER_LISTED,  /* its last listing worked */
	MR_MEMBER_FAILED,  /* its last open or listing failed */
};

/* A member as the last merge saw it; valid until the next listing. */
struct mr_member_status {
	const char *name;  /* as the operator named it: "mx1" */
	const char *label; /* short, once open: "mx1/etc/postfix-out" */
	enum mr_member_state state;
	const char *error;    /* FAILED: why (one line) */
	const char *warnings; /* NULL, or lines about how it was opened */
	size_t messages;      /* in the listing shown (its last good one) */
	int64_t listed_at;    /* Unix seconds of that listing; 0: none */
	int64_t listing_ms;   /* how long its last listing took */
	int64_t busy_ms;      /* > 0: a listing running for this long */
};

/* A fleet of the n sources named (n >= 2); nothing is opened until the
 * first listing. The registry and opts (what each member is opened with, NULL: the
 * defaults) outlive it. */
struct mr_source *mr_fleet_open(const struct mr_backend_ops *const *registry,
	const char *const *args, size_t n, const struct mr_open_options *opts);
bool mr_fleet_is(const struct mr_source *src);

/* How long a listing waits for slow members, in ms (-1: for every member,
 * the default, as a command that prints the queue wants). Members still
 * listing then are merged with their last listing, and their new one is
 * merged by a later mr_fleet_merge(). A listing always waits until at
 * least one member has one. */
void mr_fleet_set_patience(struct mr_source *fleet, int ms);

/* Whether a member is still listing; whether one finished since the last
 * merge (then mr_fleet_merge() has something new). */
bool mr_fleet_busy(struct mr_source *fleet);
bool mr_fleet_news(struct mr_source *fleet);
/* The members' latest listings merged, without starting new ones: a new,
 * finished snapshot, or NULL with *cause when no member has a listing. */
struct mr_snapshot *mr_fleet_merge(struct mr_source *fleet, char **cause);

/* The members, n of them, in origin order. */
const struct mr_member_status *mr_fleet_members(struct mr_source *fleet, size_t *n);

/* How many members a source has, are listing now, and failed: all 0 for a
 * source that is not a fleet. */
struct mr_fleet_tally {
	size_t members, listing, failed;
};
struct mr_fleet_tally mr_fleet_tally(struct mr_source *src);

/* The source that listed messages of origin: src itself when it is not a
 * fleet, else the member (waiting while its listing runs), or NULL with
 * *cause when that member is not open. */
struct mr_source *mr_source_of(struct mr_source *src, uint16_t origin, char **cause);

/* The names the operator gave, by origin: one for a source that is not a
 * fleet (for the actions log, whose lines name the source acted on). */
const char *const *mr_source_names(const struct mr_source *src, size_t *n);

#endif
