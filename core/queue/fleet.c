#include "fleet.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "clock.h"
#include "text.h"
#include "thread.h"
#include "user.h"
#include "xalloc.h"

/*
 * Threads: a member's job (open if need be, then list) runs on its own
 * thread and writes only the job's fields and, while it runs, the member's
 * source; everything else is the calling thread's. The lock guards the
 * job's flags, and the condition says that a job finished.
 */

struct job {
	pthread_t thread;
	bool running;  /* started and not yet taken */
	bool finished; /* its results are in */
	int64_t started_ms;
	struct mr_snapshot *snap; /* NULL: failed, error says why */
	char *error;
	int64_t took_ms;
};

struct member {
	struct fleet *fleet;
	char *name;
	struct mr_source *src;    /* NULL until opened */
	struct mr_snapshot *snap; /* its last good listing */
	char *error;              /* of the last job, when it failed */
	char *label;              /* its source's, made unique in the fleet */
	/* Copied from its source while no job uses it (copy_from_source). */
	char *base_label, *warnings;
	unsigned caps;
	const struct mr_source *seen; /* the source they were copied from */
	const char *seen_warnings;
	struct job job;
	int64_t listing_ms; /* how long its last job took */
};

struct fleet {
	const struct mr_backend_ops *const *registry;
	const struct mr_open_options *opts; /* the caller's, which outlive us */
	struct member *members;
	struct mr_member_status *statuses; /* one per member */
	const char **names;                /* the members' */
	size_t n;
	int patience_ms;
	pthread_mutex_t lock;
	pthread_cond_t finished; /* on the monotonic clock */
};

static void *run_job(void *arg) {
	struct member *m = arg;
	struct fleet *f = m->fleet;
	int64_t start = (int64_t)mr_monotonic_ms();
	char *cause = NULL;
	if (m->src == NULL) {
		m->src = mr_source_open(f->registry, m->name, f->opts, &cause);
	}
	struct mr_snapshot *snap = m->src ? mr_source_list(m->src, &cause) : NULL;
	pthread_mutex_lock(&f->lock);
	m->job.snap = snap;
	m->job.error = snap ? NULL : cause ? cause : mr_xstrdup("listing failed");
	m->job.took_ms = (int64_t)mr_monotonic_ms() - start;
	m->job.finished = true;
	pthread_cond_broadcast(&f->finished);
	pthread_mutex_unlock(&f->lock);
	return NULL;
}

static void start_job(struct member *m) {
	m->job = (struct job){ .running = true, .started_ms = (int64_t)mr_monotonic_ms() };
	int err = mr_thread_start(&m->job.thread, run_job, m);
	if (err != 0) {
		m->job = (struct job){ 0 };
		free(m->error);
		m->error = mr_xasprintf("%s: cannot start a thread: %s", m->name, strerror(err));
	}
}

/* Takes a finished job's results into its member (under the lock). */
static bool take_job(struct member *m) {
	if (!m->job.running || !m->job.finished) {
		return false;
	}
	pthread_join(m->job.thread, NULL);
	if (m->job.snap != NULL) {
		mr_snapshot_destroy(m->snap);
		m->snap = m->job.snap;
	}
	free(m->error);
	m->error = m->job.error;
	m->listing_ms = m->job.took_ms;
	m->job = (struct job){ 0 };
	return true;
}

/* What a column of sources shows: the source's label or the name it was
 * given, the shorter ("mx1" for ssh://mx1; "/srv/a.json" rather than
 * "postqueue-json:/srv/a.json"). */
static const char *short_label(const struct member *m) {
	if (m->src == NULL || strlen(m->name) < strlen(m->src->label)) {
		return m->name;
	}
	return m->src->label;
}

/* Takes what the status shows from a member's source, when no job uses it
 * (a job that runs may open it, or add a warning): kept in copies, so that
 * the status stays valid while the next job runs. Under the lock. */
static void copy_from_source(struct member *m) {
	bool idle = !m->job.running || m->job.finished;
	if (!idle ||
		(m->seen == m->src && m->seen_warnings == (m->src ? m->src->warnings : NULL))) {
		return;
	}
	free(m->base_label);
	free(m->warnings);
	m->base_label = mr_text_visible_dup(short_label(m));
	m->warnings = m->src && m->src->warnings ? mr_xstrdup(m->src->warnings) : NULL;
	m->caps = m->src ? m->src->caps : 0;
	m->seen = m->src;
	m->seen_warnings = m->src ? m->src->warnings : NULL;
}

static void refresh_status(struct fleet *f, struct mr_source *src) {
	int64_t now = (int64_t)mr_monotonic_ms();
	src->caps = 0;
	for (size_t i = 0; i < f->n; i++) {
		copy_from_source(&f->members[i]);
		src->caps |= f->members[i].caps;
	}
	for (size_t i = 0; i < f->n; i++) {
		struct member *m = &f->members[i];
		struct mr_member_status *s = &f->statuses[i];
		s->name = m->name;
		/* Two queues may have the same label (two hosts' "queue.db"):
		 * the second is told apart as "queue.db#2". */
		size_t same = 1;
		for (size_t k = 0; k < i; k++) {
			same += strcmp(f->members[k].base_label, m->base_label) == 0;
		}
		free(m->label);
		m->label = same > 1 ? mr_xasprintf("%s#%zu", m->base_label, same)
				    : mr_xstrdup(m->base_label);
		s->label = m->label;
		s->state = m->error  ? MR_MEMBER_FAILED
			   : m->snap ? MR_MEMBER_LISTED
				     : MR_MEMBER_WAITING;
		s->error = m->error;
		s->warnings = m->warnings;
		s->messages = m->snap ? m->snap->n_messages : 0;
		s->listed_at = m->snap ? m->snap->taken_at : 0;
		s->listing_ms = m->listing_ms;
		s->busy_ms = m->job.running ? now - m->job.started_ms + 1 : 0;
	}
}

static struct timespec deadline_after(int ms) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

/* Until every job finished, or patience ran out and some member has a
 * listing to show. */
static void wait_for_jobs(struct fleet *f) {
	struct timespec deadline = deadline_after(f->patience_ms > 0 ? f->patience_ms : 0);
	bool timed_out = false;
	pthread_mutex_lock(&f->lock);
	for (;;) {
		bool waiting = false, shown = false;
		for (size_t i = 0; i < f->n; i++) {
			struct member *m = &f->members[i];
			waiting |= m->job.running && !m->job.finished;
			shown |= m->snap != NULL || (m->job.finished && m->job.snap != NULL);
		}
		if (!waiting || (timed_out && shown)) {
			break;
		}
		if (f->patience_ms < 0 || timed_out) {
			pthread_cond_wait(&f->finished, &f->lock);
		} else {
			timed_out = pthread_cond_timedwait(&f->finished, &f->lock, &deadline) ==
				    ETIMEDOUT;
		}
	}
	pthread_mutex_unlock(&f->lock);
}

static bool merge_into(struct mr_source *src, struct mr_snapshot *snap, char **cause) {
	struct fleet *f = src->data;
	pthread_mutex_lock(&f->lock);
	for (size_t i = 0; i < f->n; i++) {
		take_job(&f->members[i]);
	}
	refresh_status(f, src);
	pthread_mutex_unlock(&f->lock);

	const char **labels = mr_xcalloc(f->n, sizeof(*labels));
	struct mr_buf errors, all;
	mr_buf_init(&errors);
	mr_buf_init(&all);
	bool any = false;
	for (size_t i = 0; i < f->n; i++) {
		labels[i] = f->statuses[i].label;
		mr_buf_printf(&all, "%s%s", i ? ", " : "", labels[i]);
		any |= f->members[i].snap != NULL;
		if (f->members[i].error != NULL) {
			mr_buf_printf(&errors, "%s%s", errors.len ? "; " : "", f->members[i].error);
		}
	}
	if (any) {
		mr_snapshot_set_origins(snap, labels, f->n);
		for (size_t i = 0; i < f->n; i++) {
			const struct mr_snapshot *part = f->members[i].snap;
			/* Ages are told from now, the merge: right for every
			 * message still queued, an older listing's too. */
			if (part != NULL) {
				mr_snapshot_merge(snap, part, (uint16_t)i);
			}
		}
	} else {
		mr_fail(cause, "%s", errors.len ? errors.data : "no source has been listed yet");
	}
	/* The fleet's own label, for the status line and questions: its
	 * members' as they are now known ("mx1, mx2", not "ssh://mx1, …"). */
	free(src->label);
	src->label = mr_buf_steal(&all);
	mr_buf_finish(&errors);
	free(labels);
	return any;
}

static bool fleet_list(struct mr_source *src, struct mr_snapshot *snap, char **cause) {
	struct fleet *f = src->data;
	for (size_t i = 0; i < f->n; i++) {
		if (!f->members[i].job.running) {
			start_job(&f->members[i]);
		}
	}
	wait_for_jobs(f);
	return merge_into(src, snap, cause);
}

struct mr_snapshot *mr_fleet_merge(struct mr_source *fleet, char **cause) {
	struct mr_snapshot *snap = mr_snapshot_create();
	if (!merge_into(fleet, snap, cause)) {
		mr_snapshot_destroy(snap);
		return NULL;
	}
	mr_snapshot_finish(snap);
	return snap;
}

static bool fleet_open(struct mr_source *src, const char *location,
	const struct mr_open_options *opts, char **cause) {
	(void)opts;
	(void)src;
	(void)location;
	return mr_fail(cause, "a fleet is made by mr_fleet_open()");
}

static void fleet_close(struct mr_source *src) {
	struct fleet *f = src->data;
	if (f == NULL) {
		return;
	}
	for (size_t i = 0; i < f->n; i++) {
		struct member *m = &f->members[i];
		if (m->job.running) {
			/* A member still connecting is waited for: its thread uses
			 * the source being closed. */
			pthread_join(m->job.thread, NULL);
			mr_snapshot_destroy(m->job.snap);
			free(m->job.error);
		}
		mr_source_destroy(m->src);
		mr_snapshot_destroy(m->snap);
		free(m->error);
		free(m->label);
		free(m->base_label);
		free(m->warnings);
		free(m->name);
	}
	free(f->members);
	free(f->statuses);
	free(f->names);
	pthread_cond_destroy(&f->finished);
	pthread_mutex_destroy(&f->lock);
	free(f);
	src->data = NULL;
}

/* Each id goes to its member through mr_operation_run (operate.c), which
 * knows the origins; a request without them cannot be routed. */
static void fleet_act(struct mr_source *src, const struct mr_action_request *req,
	struct mr_action_report *report) {
	for (size_t i = 0; i < req->n_ids; i++) {
		mr_action_report_add(report, req->ids[i], MR_OUTCOME_FAILED, false,
			"%s: which source it is on was not said", src->label);
	}
}

/* An id that no member could have (an SQLite member takes any). */
static bool fleet_id_plausible(const struct mr_source *src, const char *id) {
	const struct fleet *f = src->data;
	for (size_t i = 0; i < f->n; i++) {
		const struct mr_source *m = f->members[i].src;
		if (m == NULL || mr_source_id_plausible(m, id)) {
			return true; /* a member not open may have it */
		}
	}
	return false;
}

static const struct mr_backend_ops fleet_ops = {
	.name = "fleet",
	.usage = "SOURCE SOURCE...",
	.summary = "several sources merged into one list",
	.open = fleet_open,
	.close = fleet_close,
	.list = fleet_list,
	.act = fleet_act,
	.id_plausible = fleet_id_plausible,
};

bool mr_fleet_is(const struct mr_source *src) {
	return src != NULL && src->ops == &fleet_ops;
}

struct mr_source *mr_fleet_open(const struct mr_backend_ops *const *registry,
	const char *const *args, size_t n, const struct mr_open_options *opts) {
	(void)mr_user_name(); /* cached now, before threads ask for it */
	struct fleet *f = mr_xcalloc(1, sizeof(*f));
	f->opts = opts;
	f->registry = registry;
	f->n = n;
	f->patience_ms = -1;
	f->members = mr_xcalloc(n, sizeof(*f->members));
	f->statuses = mr_xcalloc(n, sizeof(*f->statuses));
	f->names = mr_xcalloc(n, sizeof(*f->names));
	pthread_mutex_init(&f->lock, NULL);
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&f->finished, &attr);
	pthread_condattr_destroy(&attr);
	struct mr_buf name, label;
	mr_buf_init(&name);
	mr_buf_init(&label);
	for (size_t i = 0; i < n; i++) {
		f->members[i].fleet = f;
		f->members[i].name = mr_xstrdup(args[i]);
		f->members[i].base_label = mr_text_visible_dup(args[i]);
		f->names[i] = f->members[i].name;
		char *shown = mr_text_visible_dup(args[i]);
		mr_buf_printf(&name, "%s%s", i ? " " : "", args[i]);
		mr_buf_printf(&label, "%s%s", i ? ", " : "", shown);
		free(shown);
	}
	struct mr_source *src = mr_xcalloc(1, sizeof(*src));
	src->ops = &fleet_ops;
	src->name = mr_buf_steal(&name);
	src->label = mr_buf_steal(&label);
	src->data = f;
	refresh_status(f, src);
	return src;
}

void mr_fleet_set_patience(struct mr_source *fleet, int ms) {
	((struct fleet *)fleet->data)->patience_ms = ms;
}

bool mr_fleet_busy(struct mr_source *fleet) {
	struct fleet *f = fleet->data;
	bool busy = false;
	pthread_mutex_lock(&f->lock);
	for (size_t i = 0; i < f->n && !busy; i++) {
		busy = f->members[i].job.running;
	}
	pthread_mutex_unlock(&f->lock);
	return busy;
}

bool mr_fleet_news(struct mr_source *fleet) {
	struct fleet *f = fleet->data;
	bool news = false;
	pthread_mutex_lock(&f->lock);
	for (size_t i = 0; i < f->n && !news; i++) {
		news = f->members[i].job.running && f->members[i].job.finished;
	}
	pthread_mutex_unlock(&f->lock);
	return news;
}

const struct mr_member_status *mr_fleet_members(struct mr_source *fleet, size_t *n) {
	struct fleet *f = fleet->data;
	pthread_mutex_lock(&f->lock);
	refresh_status(f, fleet);
	pthread_mutex_unlock(&f->lock);
	*n = f->n;
	return f->statuses;
}

struct mr_fleet_tally mr_fleet_tally(struct mr_source *src) {
	struct mr_fleet_tally t = { 0 };
	if (!mr_fleet_is(src)) {
		return t;
	}
	const struct mr_member_status *members = mr_fleet_members(src, &t.members);
	for (size_t i = 0; i < t.members; i++) {
		t.listing += members[i].busy_ms > 0;
		t.failed += members[i].state == MR_MEMBER_FAILED;
	}
	return t;
}

struct mr_source *mr_source_of(struct mr_source *src, uint16_t origin, char **cause) {
	if (!mr_fleet_is(src)) {
		return src;
	}
	struct fleet *f = src->data;
	if (origin >= f->n) {
		mr_fail(cause, "%s: no source number %u", src->label, (unsigned)origin);
		return NULL;
	}
	struct member *m = &f->members[origin];
	/* Its listing uses the source; what is asked of it waits for that. */
	pthread_mutex_lock(&f->lock);
	while (m->job.running && !m->job.finished) {
		pthread_cond_wait(&f->finished, &f->lock);
	}
	pthread_mutex_unlock(&f->lock);
	if (m->src == NULL) {
		mr_fail(cause, "%s is not open%s%s", m->name, m->error ? ": " : "",
			m->error ? m->error : "");
	}
	return m->src;
}

const char *const *mr_source_names(const struct mr_source *src, size_t *n) {
	if (!mr_fleet_is(src)) {
		*n = 1;
		return (const char *const *)&src->name;
	}
	const struct fleet *f = src->data;
	*n = f->n;
	return f->names;
}
