#ifndef MR_BACKEND_H
#define MR_BACKEND_H

/*
 * The interface every queue backend implements: one const struct of
 * operations per backend, one exported symbol each. Core looks a source up
 * in a registry array that the program passes in (core cannot link the
 * backends, which need SQLite or libssh2), opens it and drives it.
 */

#include <stdbool.h>

#include "action.h"
#include "buf.h"
#include "snapshot.h"
#include "stream.h"

struct mr_source;
struct mr_summary_facts;

/* What a source's summarise op did. */
enum mr_summarise {
	MR_SUMMARISE_DONE,
	/* Its rows need what only a listing does for them (values it repairs
	 * or rows it leaves out, with a warning each): list instead. */
	MR_SUMMARISE_CANNOT,
	MR_SUMMARISE_FAILED, /* *cause set */
};

/* How remote hosts are reached (backends/postfix/postfix.h): core only
 * hands it on. */
struct mr_remote_options;

/*
 * What a source is told when it opens: the operator's settings, handed down
 * from the command line and the configuration (never process globals). It
 * must outlive the sources opened with it: a fleet opens its members later,
 * on threads of their own. NULL, or a NULL member: the defaults (an unknown
 * remote host is refused, nothing is asked, sudo as the login needs).
 */
struct mr_open_options {
	const struct mr_remote_options *remote;
	/* Where a source that reads a mail log reads it (--log): an absolute
	 * path on the source's host, "journal" or "none"; NULL: found. */
	const char *log;
	/* The source is streamed once (stream op) and never listed: what can
	 * be read once (standard input) need not be kept to list again. */
	bool streamed_once;
};

struct mr_backend_ops {
	const char *name;    /* also the URI scheme: "sqlite" names "sqlite:PATH" */
	const char *usage;   /* how a user names such a source: "sqlite:PATH" */
	const char *summary; /* one line for --help */

	/*
	 * Optional. How sure the backend is that a bare argument (no scheme)
	 * is one of its sources: 0 not at all, 1 possibly (it exists), 2 sure
	 * (its content says so). The most sure backend gets the argument.
	 */
	int (*probe)(const char *arg);

	/* Sets src->data, src->label, src->caps (and src->limits). opts may
	 * be NULL. */
	bool (*open)(struct mr_source *src, const char *location,
		const struct mr_open_options *opts, char **cause);
	/* Frees src->data; must accept a source whose open failed. */
	void (*close)(struct mr_source *src);

	/* Appends every queued message to snap; the caller finishes it. */
	bool (*list)(struct mr_source *src, struct mr_snapshot *snap, char **cause);

	/*
	 * Optional: the same listing in batches (stream.h). Adds each message
	 * to s->batch and calls mr_stream_offer() after it; false stops.
	 * The messages, warnings and errors are list's, in the same order;
	 * only a source that can tell every message without the others (no
	 * mail log to join, no merging) has it. The caller delivers the last
	 * batch.
	 */
	bool (*stream)(struct mr_source *src, struct mr_stream *s, char **cause);

	/*
	 * Carries out req on each id (all valid and distinct, the action among
	 * src->caps) and adds exactly one result per id to report, in order. A
	 * failure that stops the whole batch is reported on every id.
	 */
	void (*act)(struct mr_source *src, const struct mr_action_request *req,
		struct mr_action_report *report);
	/* act runs its ids in parts itself, through a pacer (pace.h): it
	 * honours req->rate, tells req->progress and stops between parts,
	 * answering the ids not started MR_OUTCOME_NOT_ATTEMPTED. Otherwise
	 * mr_source_act calls act once per part. */
	bool paces;

	/*
	 * Optional. Feeds every message and recipient a listing would have,
	 * in the listing's order, to facts (summary_facts.h) without making a
	 * listing: a summary of a million messages then costs their reading.
	 * Nothing of facts is used unless it returns MR_SUMMARISE_DONE.
	 */
	enum mr_summarise (*summarise)(
		struct mr_source *src, struct mr_summary_facts *facts, char **cause);

	/* Optional (MR_CAP_CONTENT): the message's header block and body. */
	bool (*content)(struct mr_source *src, const char *id, struct mr_buf *headers,
		struct mr_buf *body, char **cause);

	/* Optional. Whether id can be one of this source's queue ids at all
	 * (a Postfix id has a shape: "mx1" is not one, so it was meant as a
	 * host). Without it, every valid id can. */
	bool (*id_plausible)(const struct mr_source *src, const char *id);
};

struct mr_source {
	const struct mr_backend_ops *ops;
	char *name;  /* as the user named it, for messages: "sqlite:queue.db" */
	char *label; /* short, for the status line */
	unsigned caps;
	char *limits; /* NULL, or why some actions are not offered */
	/* NULL, or what the operator should know about how the source was
	 * opened, a line each ("~/.ssh/config:12: ForwardAgent is not
	 * supported by mailroom (ignored)"); the commands print them, the
	 * screen shows them when it starts. After them, the last listing's
	 * own (rows it repaired or left out), replaced by every listing. */
	char *warnings;
	size_t opened_warnings; /* the length of those about the opening */
	/* Handed to each listing's snapshot (mr_source_list): none unless
	 * the program sets it. */
	struct mr_listing_progress progress;
	void *data; /* the backend's own */
};

/* Opens arg ("scheme:location" or a bare path) with a backend from the
 * NULL-terminated registry. */
struct mr_source *mr_source_open(const struct mr_backend_ops *const *registry, const char *arg,
	const struct mr_open_options *opts, char **cause);
void mr_source_destroy(struct mr_source *src);
/* Whether arg names a source of the registry (by its scheme, or a backend
 * that recognises it): for arguments that could be a queue id too. */
bool mr_source_recognised(const struct mr_backend_ops *const *registry, const char *arg);

/* The source's summarise op, or MR_SUMMARISE_CANNOT without one. */
enum mr_summarise mr_source_summarise(
	struct mr_source *src, struct mr_summary_facts *facts, char **cause);

/* A new, finished snapshot of the source, or NULL with *cause set. */
struct mr_snapshot *mr_source_list(struct mr_source *src, char **cause);

/* Whether the source lists in batches (the stream op). */
bool mr_source_can_stream(const struct mr_source *src);
/*
 * The listing in batches to s->deliver (s->batch_messages, deliver and ctx
 * set by the caller). False when the source failed (*cause set; the batches
 * delivered before stay delivered, the one being read is dropped) or
 * deliver stopped it (s->stopped, *cause NULL). The listing's warnings are
 * src's as after mr_source_list().
 */
bool mr_source_stream(struct mr_source *src, struct mr_stream *s, char **cause);

bool mr_source_can(const struct mr_source *src, enum mr_action action);

/* Whether id is valid and can be one of src's queue ids (see
 * id_plausible). */
bool mr_source_id_plausible(const struct mr_source *src, const char *id);

/* Adds a line to src->warnings. */
void mr_source_warn(struct mr_source *src, const char *line);
/* A listing's warnings (warnings.h) to src->warnings, and a line "NAME: N
 * more warnings not shown" for those past the ones kept. */
struct mr_warnings;
void mr_source_take_warnings(struct mr_source *src, const struct mr_warnings *w, const char *name);
/* The last listing's warnings, a line each, or NULL when it had none. */
const char *mr_source_listing_warnings(const struct mr_source *src);

/*
 * Runs an action on ids and fills report (initialised here) with one result
 * per distinct id, in the order given: invalid ids and actions the source
 * cannot do fail here without reaching the backend.
 */
void mr_source_act(struct mr_source *src, const struct mr_action_request *req,
	struct mr_action_report *report);

bool mr_source_content(struct mr_source *src, const char *id, struct mr_buf *headers,
	struct mr_buf *body, char **cause);

/* "sqlite:PATH, demo:" — the usages of a registry, for help and errors. */
char *mr_registry_usages(const struct mr_backend_ops *const *registry);

#endif
