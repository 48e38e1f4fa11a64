#include "backend.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pace.h"
#include "summary_facts.h"
#include "text.h"
#include "warnings.h"
#include "xalloc.h"

static const struct mr_backend_ops *find_by_scheme(
	const struct mr_backend_ops *const *registry, const char *arg, const char **location) {
	const char *colon = strchr(arg, ':');
	if (colon == NULL) {
		return NULL;
	}
	size_t len = (size_t)(colon - arg);
	for (size_t i = 0; registry[i] != NULL; i++) {
		if (strlen(registry[i]->name) == len && memcmp(registry[i]->name, arg, len) == 0) {
			*location = colon + 1;
			return registry[i];
		}
	}
	return NULL;
}

static const struct mr_backend_ops *find_by_probe(
	const struct mr_backend_ops *const *registry, const char *arg) {
	const struct mr_backend_ops *best = NULL;
	int best_score = 0;
	for (size_t i = 0; registry[i] != NULL; i++) {
		int score = registry[i]->probe != NULL ? registry[i]->probe(arg) : 0;
		if (score > best_score) {
			best = registry[i];
			best_score = score;
		}
	}
	return best;
}

/* A scheme is letters, digits, '+', '-', '.' before the first ':'. */
static bool looks_like_uri(const char *arg) {
	const char *p = arg;
	while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		(p > arg && ((*p >= '0' && *p <= '9') || *p == '+' || *p == '-' || *p == '.'))) {
		p++;
	}
	return p > arg && *p == ':';
}

bool mr_source_recognised(const struct mr_backend_ops *const *registry, const char *arg) {
	const char *location;
	return find_by_scheme(registry, arg, &location) != NULL ||
	       find_by_probe(registry, arg) != NULL;
}

struct mr_source *mr_source_open(const struct mr_backend_ops *const *registry, const char *arg,
	const struct mr_open_options *opts, char **cause) {
	char *shown = mr_text_visible_dup(arg);
	const char *location = arg;
	const struct mr_backend_ops *ops = find_by_scheme(registry, arg, &location);
	if (ops == NULL) {
		ops = find_by_probe(registry, arg);
	}
	if (ops == NULL) {
		struct stat st;
		char *usages = mr_registry_usages(registry);
		if (stat(arg, &st) != 0 && looks_like_uri(arg)) {
			mr_fail(cause, "%s: unknown kind of source (this mailroom opens %s)", shown,
				usages);
		} else if (stat(arg, &st) != 0) {
			mr_fail(cause, "%s: %s", shown, strerror(errno));
		} else {
			mr_fail(cause, "%s: not a queue mailroom can open (it opens %s)", shown,
				usages);
		}
		free(usages);
		free(shown);
		return NULL;
	}
	struct mr_source *src = mr_xcalloc(1, sizeof(*src));
	src->ops = ops;
	src->name = mr_xstrdup(arg);
	if (!ops->open(src, location, opts, cause)) {
		/* A warning may be why it failed (a key setting not followed):
		 * the first one goes with the error, on its line. */
		if (src->warnings != NULL && cause != NULL && *cause != NULL) {
			size_t len = strcspn(src->warnings, "\n");
			char *with =
				mr_xasprintf("%s (also: %.*s)", *cause, (int)len, src->warnings);
			free(*cause);
			*cause = with;
		}
		mr_source_destroy(src);
		free(shown);
		return NULL;
	}
	if (src->label == NULL) {
		src->label = mr_xstrdup(shown);
	}
	src->opened_warnings = src->warnings ? strlen(src->warnings) : 0;
	free(shown);
	return src;
}

void mr_source_destroy(struct mr_source *src) {
	if (src == NULL) {
		return;
	}
	src->ops->close(src);
	free(src->name);
	free(src->label);
	free(src->limits);
	free(src->warnings);
	free(src);
}

void mr_source_warn(struct mr_source *src, const char *line) {
	char *was = src->warnings;
	src->warnings = was ? mr_xasprintf("%s\n%s", was, line) : mr_xstrdup(line);
	free(was);
}

void mr_source_take_warnings(struct mr_source *src, const struct mr_warnings *w, const char *name) {
	const char *text = w->text.data;
	for (const char *nl; (nl = strchr(text, '\n')) != NULL; text = nl + 1) {
		char *line = mr_xstrndup(text, (size_t)(nl - text));
		mr_source_warn(src, line);
		free(line);
	}
	if (w->n > MR_WARNINGS_MAX) {
		char *shown = mr_text_visible_dup(name);
		char *line = mr_xasprintf(
			"%s: %zu more warnings not shown", shown, w->n - (size_t)MR_WARNINGS_MAX);
		mr_source_warn(src, line);
		free(line);
		free(shown);
	}
}

const char *mr_source_listing_warnings(const struct mr_source *src) {
	if (src->warnings == NULL || src->warnings[src->opened_warnings] == '\0') {
		return NULL;
	}
	return src->warnings + src->opened_warnings + (src->opened_warnings > 0);
}

/* src->warnings as it was opened: a listing's warnings replace the last
 * one's, or a screen listing every 10 s would pile them up. */
static char *opened_warnings(const struct mr_source *src) {
	return src->opened_warnings > 0 ? mr_xstrndup(src->warnings, src->opened_warnings) : NULL;
}

/* Unchanged warnings keep their pointer; changed ones get a new one
 * (allocated while the old was alive), which is how a fleet sees a change
 * (copy_from_source in fleet.c). */
static void keep_unchanged_warnings(struct mr_source *src, char *before) {
	if (before != NULL && src->warnings != NULL && strcmp(before, src->warnings) == 0) {
		free(src->warnings);
		src->warnings = before;
	} else {
		free(before);
	}
}

struct mr_snapshot *mr_source_list(struct mr_source *src, char **cause) {
	struct mr_snapshot *snap = mr_snapshot_create();
	snap->progress = src->progress;
	char *before = src->warnings;
	src->warnings = opened_warnings(src);
	bool ok = src->ops->list(src, snap, cause);
	keep_unchanged_warnings(src, before);
	if (!ok) {
		mr_snapshot_destroy(snap);
		return NULL;
	}
	snap->progress = (struct mr_listing_progress){ 0 }; /* the listing is over */
	mr_snapshot_finish(snap);
	return snap;
}

static bool feed_facts(void *ctx, const struct mr_snapshot *batch) {
	mr_summary_facts_batch(ctx, batch);
	return true;
}

enum mr_summarise mr_source_summarise(
	struct mr_source *src, struct mr_summary_facts *facts, char **cause) {
	if (src->ops->summarise != NULL) {
		return src->ops->summarise(src, facts, cause);
	}
	if (src->ops->stream == NULL) {
		return MR_SUMMARISE_CANNOT;
	}
	/* A source that streams is summed up batch by batch: its listing,
	 * warnings and all, without keeping it. */
	struct mr_stream s = { .deliver = feed_facts, .ctx = facts, .undecoded = true };
	return mr_source_stream(src, &s, cause) ? MR_SUMMARISE_DONE : MR_SUMMARISE_FAILED;
}

bool mr_source_can_stream(const struct mr_source *src) {
	return src->ops->stream != NULL;
}

bool mr_source_stream(struct mr_source *src, struct mr_stream *s, char **cause) {
	char *before = src->warnings;
	src->warnings = opened_warnings(src);
	char *failure = NULL;
	mr_stream_start(s);
	bool ok = src->ops->stream(src, s, &failure);
	keep_unchanged_warnings(src, before);
	/* After a failure, the batch being read is dropped: a listing that
	 * fails within its first batch writes nothing, as a whole one. Those
	 * handed over before are delivered all the same. */
	bool delivered = mr_stream_end(s, ok);
	if (s->stopped) {
		free(failure); /* the consumer's own failure; it says why */
		return false;
	}
	if (!ok) {
		if (cause != NULL) {
			*cause = failure;
		} else {
			free(failure);
		}
		return false;
	}
	return delivered;
}

bool mr_source_can(const struct mr_source *src, enum mr_action action) {
	return (src->caps & MR_CAP_ACTION(action)) != 0;
}

enum id_role { ROLE_BACKEND, ROLE_INVALID, ROLE_UNSUPPORTED, ROLE_DUPLICATE };

static void copy_result(
	struct mr_action_report *report, const char *id, const struct mr_action_result *r) {
	if (r == NULL) {
		mr_action_report_add(
			report, id, MR_OUTCOME_FAILED, false, "the backend reported no outcome");
		return;
	}
	mr_action_report_append(report, r);
}

void mr_source_act(struct mr_source *src, const struct mr_action_request *req,
	struct mr_action_report *report) {
	mr_action_report_init(report, req->action);
	const struct mr_action_info *info = mr_action_info(req->action);
	if (info == NULL) {
		return;
	}
	/* Valid, distinct ids go to the backend in one batch; the rest are
	 * answered here. Bulk actions can name a million ids, so duplicates are
	 * found through a pool rather than by comparing pairs. */
	bool capable = mr_source_can(src, req->action);
	enum id_role *role = mr_xcalloc(req->n_ids, sizeof(*role));
	const char **batch = mr_xcalloc(req->n_ids, sizeof(*batch));
	size_t n_batch = 0;
	struct mr_strpool *seen = mr_strpool_create();
	for (size_t i = 0; i < req->n_ids; i++) {
		size_t before = mr_strpool_distinct(seen);
		mr_strpool_intern(seen, req->ids[i], strlen(req->ids[i]));
		if (mr_strpool_distinct(seen) == before) {
			role[i] = ROLE_DUPLICATE;
		} else if (!mr_queue_id_valid(req->ids[i])) {
			role[i] = ROLE_INVALID;
		} else if (!capable) {
			role[i] = ROLE_UNSUPPORTED;
		} else {
			role[i] = ROLE_BACKEND;
			batch[n_batch++] = req->ids[i];
		}
	}
	mr_strpool_destroy(seen);

	struct mr_action_report backend;
	mr_action_report_init(&backend, req->action);
	/* Stopped before this source's turn (a fleet's members go one by
	 * one): nothing of it is started. A backend that runs its ids in
	 * batches paces them itself (pace.h); the others get parts here, one
	 * call each, when a rate asks for it. */
	size_t started = 0;
	if (n_batch > 0 && src->ops->paces) {
		started = mr_stop_requested(req->stop) ? 0 : n_batch;
		if (started > 0) {
			struct mr_action_request sub = *req;
			sub.ids = batch;
			sub.n_ids = n_batch;
			src->ops->act(src, &sub, &backend);
		}
	} else if (n_batch > 0) {
		struct mr_pacer pacer;
		mr_pacer_init(&pacer, req, n_batch, n_batch);
		for (size_t k; (k = mr_pacer_next(&pacer)) > 0; started += k) {
			struct mr_action_request sub = *req;
			sub.ids = batch + started;
			sub.n_ids = k;
			src->ops->act(src, &sub, &backend);
			mr_pacer_ran(&pacer, k);
		}
	}
	/* The backend answers in batch order; walk both in step. */
	size_t next = 0;
	for (size_t i = 0; i < req->n_ids; i++) {
		const char *id = req->ids[i];
		switch (role[i]) {
		case ROLE_BACKEND: {
			if (next >= started) {
				next++;
				mr_action_report_add(report, id, MR_OUTCOME_NOT_ATTEMPTED, true,
					"stopped before it was started");
				break;
			}
			const struct mr_action_result *r = NULL;
			if (next < backend.n_results && strcmp(backend.results[next].id, id) == 0) {
				r = &backend.results[next];
			}
			next++;
			copy_result(report, id, r);
			break;
		}
		case ROLE_INVALID: {
			char *shown = mr_text_visible_dup(id);
			mr_action_report_add(report, id, MR_OUTCOME_FAILED, false,
				"\"%s\" is not a valid queue id", shown);
			free(shown);
			break;
		}
		case ROLE_UNSUPPORTED:
			mr_action_report_add(report, id, MR_OUTCOME_FAILED, false,
				"%s cannot %s%s%s", src->label, info->name, src->limits ? ": " : "",
				src->limits ? src->limits : "");
			break;
		case ROLE_DUPLICATE:
			break;
		}
	}
	mr_action_report_finish(&backend);
	free(batch);
	free(role);
}

bool mr_source_id_plausible(const struct mr_source *src, const char *id) {
	return mr_queue_id_valid(id) &&
	       (src->ops->id_plausible == NULL || src->ops->id_plausible(src, id));
}

bool mr_source_content(struct mr_source *src, const char *id, struct mr_buf *headers,
	struct mr_buf *body, char **cause) {
	if (!mr_queue_id_valid(id)) {
		return mr_fail(cause, "not a valid queue id");
	}
	if (src->ops->content == NULL || !(src->caps & MR_CAP_CONTENT)) {
		return mr_fail(cause, "%s cannot show message content", src->label);
	}
	return src->ops->content(src, id, headers, body, cause);
}

char *mr_registry_usages(const struct mr_backend_ops *const *registry) {
	struct mr_buf buf;
	mr_buf_init(&buf);
	for (size_t i = 0; registry[i] != NULL; i++) {
		mr_buf_printf(&buf, "%s%s", i > 0 ? ", " : "", registry[i]->usage);
	}
	return mr_buf_steal(&buf);
}
