/* Several sources as one (core/queue/fleet.c), and merging their snapshots
 * (mr_snapshot_merge), with a test double whose sources list on command:
 * "team:a" lists A1 and SAME at once, "team:b" lists B1 and SAME,
 * "team:slow" waits until the test lets it go, "team:dead" cannot be
 * opened. */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "actlog.h"
#include "buf.h"
#include "fleet.h"
#include "harness.h"
#include "operate.h"
#include "snapshot.h"
#include "xalloc.h"

static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_open = PTHREAD_COND_INITIALIZER;
static bool slow_may_go;

/* What each source was asked to do, for the routing checks. */
static char acted[3][128];

struct team {
	char name[16];
	int index; /* into acted */
};

static bool team_open(struct mr_source *src, const char *location,
	const struct mr_open_options *opts, char **cause) {
	(void)opts;
	if (strncmp(location, "dead", 4) == 0) {
		return mr_fail(cause, "team:%s: connection refused", location);
	}
	struct team *t = mr_xcalloc(1, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", location);
	t->index = location[0] == 'a' ? 0 : location[0] == 'b' ? 1 : 2;
	src->data = t;
	src->caps = MR_CAP_ACTION(MR_ACTION_HOLD) | MR_CAP_ACTION(MR_ACTION_DELETE);
	if (strncmp(location, "twin", 4) == 0) {
		src->label = mr_xstrdup("twin"); /* two hosts' "queue.db" */
	}
	return true;
}

static void team_close(struct mr_source *src) {
	free(src->data);
}

static void add(struct mr_snapshot *snap, const char *id, const char *rcpt, const char *reason) {
	struct mr_message *m = mr_snapshot_add_message(snap, id);
	m->sender = mr_snapshot_intern(snap, "news@example.org");
	m->queue = MR_QUEUE_DEFERRED;
	struct mr_recipient *r = mr_snapshot_add_recipient(snap, rcpt);
	r->state = MR_RCPT_DEFERRED;
	r->reason = mr_snapshot_reason(snap, reason, strlen(reason));
}

static bool team_list(struct mr_source *src, struct mr_snapshot *snap, char **cause) {
	struct team *t = src->data;
	if (strcmp(t->name, "slow") == 0) {
		pthread_mutex_lock(&gate_lock);
		while (!slow_may_go) {
			pthread_cond_wait(&gate_open, &gate_lock);
		}
		pthread_mutex_unlock(&gate_lock);
		add(snap, "S1", "x@slow.example", "450 4.2.0 slow down");
		return true;
	}
	char id[8];
	snprintf(id, sizeof(id), "%c1", t->name[0] - 'a' + 'A');
	add(snap, id, "u@gmail.com", "421 4.7.28 rate limited by gmail");
	/* The same text in both: interned once in the merge. */
	add(snap, "SAME", "v@gmx.net", "550 5.1.1 user unknown");
	return true;
}

static void team_act(struct mr_source *src, const struct mr_action_request *req,
	struct mr_action_report *report) {
	struct team *t = src->data;
	for (size_t i = 0; i < req->n_ids; i++) {
		strncat(acted[t->index], req->ids[i],
			sizeof(acted[0]) - strlen(acted[t->index]) - 2);
		strcat(acted[t->index], " ");
		mr_action_report_add(report, req->ids[i], MR_OUTCOME_DONE, false, NULL);
	}
}

static const struct mr_backend_ops team_ops = {
	.name = "team",
	.usage = "team:NAME",
	.summary = "test double",
	.open = team_open,
	.close = team_close,
	.list = team_list,
	.act = team_act,
};

static const struct mr_backend_ops *const registry[] = { &team_ops, NULL };

static struct mr_source *fleet_of(const char *a, const char *b) {
	const char *names[] = { a, b };
	return mr_fleet_open(registry, names, 2, NULL);
}

static void test_merge(void) {
	struct mr_source *f = fleet_of("team:a", "team:b");
	char *cause = NULL;
	struct mr_snapshot *snap = mr_source_list(f, &cause);
	T_TRUE(snap != NULL, cause, "merge: listed");
	if (snap == NULL) {
		return;
	}
	T_INT(snap->n_messages, 4, "merge: every message of both");
	T_INT(snap->n_recipients, 4, "merge: every recipient of both");
	T_INT(snap->queue_counts[MR_QUEUE_DEFERRED], 4, "merge: queue counts added");
	T_INT(snap->n_origins, 2, "merge: two origins");
	T_STR(snap->origins[0], "team:a", "merge: origin 0 is the first source named");
	T_STR(snap->origins[1], "team:b", "merge: origin 1 the second");
	const struct mr_message *a = mr_snapshot_find_from(snap, 0, "SAME");
	const struct mr_message *b = mr_snapshot_find_from(snap, 1, "SAME");
	T_NONNULL(a, "merge: SAME is listed from team:a");
	T_NONNULL(b, "merge: SAME is listed from team:b");
	if (a != NULL && b != NULL) {
		T_OK(a != b, "merge: the same id on each source is two messages");
	}
	T_NULL(mr_snapshot_find_from(snap, 1, "A1"), "merge: A1 is not on team:b");
	if (b != NULL) {
		T_STR(mr_message_origin(snap, b), "team:b", "merge: a message names its source");
		T_STR(b->sender, "news@example.org", "merge: the sender copied");
	}
	/* Two distinct reasons, each in both parts. */
	T_INT(snap->n_diagnoses, 2, "merge: a text in both parts is one diagnosis");
	const struct mr_recipient *r = a ? mr_message_rcpt(snap, a, 0) : NULL;
	const struct mr_recipient *s = b ? mr_message_rcpt(snap, b, 0) : NULL;
	if (r != NULL && s != NULL) {
		T_PTR(r->reason, s->reason,
			"merge: equal reasons are the same text in the merged pool");
		T_INT(r->diagnosis, s->diagnosis, "merge: equal reasons share their diagnosis");
	}
	const struct mr_diagnosis *d = r ? mr_recipient_diagnosis(snap, r) : NULL;
	T_NONNULL(d, "merge: the diagnosis came across");
	if (d != NULL) {
		T_INT(d->basic, 550, "merge: the diagnosis came across: 550");
		T_STR(d->enhanced, "5.1.1", "merge: the diagnosis came across: 5.1.1");
		T_INT(d->temporary, 0, "merge: the diagnosis came across: permanent");
	}
	T_STR(t_text(r ? r->reason : NULL), "550 5.1.1 user unknown", "merge: the text itself");
	const struct mr_message *a1 = mr_snapshot_find_from(snap, 0, "A1");
	const struct mr_recipient *g = a1 ? mr_message_rcpt(snap, a1, 0) : NULL;
	d = g ? mr_recipient_diagnosis(snap, g) : NULL;
	T_NONNULL(d, "merge: A1's reason decoded");
	if (d != NULL) {
		T_INT(d->basic, 421, "merge: A1's reason decoded: 421");
		T_INT(d->temporary, 1, "merge: A1's 421 decoded as temporary");
	}
	T_STR(g ? g->address : NULL, "u@gmail.com", "merge: the address copied");

	size_t n;
	const struct mr_member_status *m = mr_fleet_members(f, &n);
	T_INT(n, 2, "status: two members");
	T_INT(m[0].state, MR_MEMBER_LISTED, "status: team:a listed");
	T_SIZE(m[0].messages, 2, "status: team:a listed 2 messages");
	T_STR(m[0].error, NULL, "status: team:a has no error");
	T_OK(!mr_fleet_busy(f), "status: nothing running after a full listing");
	T_OK(!mr_fleet_news(f), "status: nothing new after a full listing");
	mr_snapshot_destroy(snap);
	mr_source_destroy(f);
}

/* The slow one is merged in later, without listing the fast one again. */
static void test_slow(void) {
	struct mr_source *f = fleet_of("team:a", "team:slow");
	mr_fleet_set_patience(f, 50);
	char *cause = NULL;
	struct mr_snapshot *snap = mr_source_list(f, &cause);
	T_TRUE(snap != NULL, cause, "slow: listed without the slow source");
	if (snap != NULL) {
		T_SIZE(snap->n_messages, 2, "slow: the listing did not wait for the slow source");
	}
	size_t n;
	const struct mr_member_status *m = mr_fleet_members(f, &n);
	T_INT(m[1].state, MR_MEMBER_WAITING, "slow: it is still listing");
	T_OK(m[1].busy_ms > 0, "slow: busy for a while (%lld ms)", (long long)m[1].busy_ms);
	struct mr_fleet_tally t = mr_fleet_tally(f);
	T_SIZE(t.members, 2, "slow: tallied as 1 of 2 listing: 2 members");
	T_SIZE(t.listing, 1, "slow: tallied as 1 of 2 listing: 1 listing");
	T_SIZE(t.failed, 0, "slow: tallied as 1 of 2 listing: none failed");
	T_OK(mr_fleet_busy(f), "slow: busy");
	T_OK(!mr_fleet_news(f), "slow: nothing new yet");
	mr_snapshot_destroy(snap);

	pthread_mutex_lock(&gate_lock);
	slow_may_go = true;
	pthread_cond_broadcast(&gate_open);
	pthread_mutex_unlock(&gate_lock);
	/* Waiting for it, not timing it: it finishes when it finishes. */
	while (!mr_fleet_news(f)) {
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	}
	snap = mr_fleet_merge(f, &cause);
	T_TRUE(snap != NULL, cause, "slow: merged when it finished");
	if (snap != NULL) {
		T_SIZE(snap->n_messages, 3, "slow: merged in when it finished");
		T_NONNULL(mr_snapshot_find_from(snap, 1, "S1"), "slow: its message, origin 1");
	}
	m = mr_fleet_members(f, &n);
	T_INT(m[1].state, MR_MEMBER_LISTED, "slow: now listed");
	T_INT(m[1].busy_ms, 0, "slow: no longer busy");
	T_OK(!mr_fleet_busy(f), "slow: nothing running");
	mr_snapshot_destroy(snap);
	mr_source_destroy(f);
}

static void test_dead(void) {
	struct mr_source *f = fleet_of("team:a", "team:dead");
	char *cause = NULL;
	struct mr_snapshot *snap = mr_source_list(f, &cause);
	T_TRUE(snap != NULL, cause, "dead: the others are listed");
	if (snap != NULL) {
		T_SIZE(snap->n_messages, 2, "dead: the others' messages are listed");
	}
	size_t n;
	const struct mr_member_status *m = mr_fleet_members(f, &n);
	T_INT(m[1].state, MR_MEMBER_FAILED, "dead: it failed");
	T_STR(m[1].error, "team:dead: connection refused", "dead: its error kept");
	struct mr_fleet_tally t = mr_fleet_tally(f);
	T_SIZE(t.members, 2, "dead: tallied as 1 of 2 failed: 2 members");
	T_SIZE(t.listing, 0, "dead: tallied as 1 of 2 failed: none listing");
	T_SIZE(t.failed, 1, "dead: tallied as 1 of 2 failed: 1 failed");
	char *why = NULL;
	T_NULL(mr_source_of(f, 1, &why), "dead: nothing can be asked of it");
	T_HAS(why, "is not open", "dead: nothing can be asked of it: it is not open");
	free(why);
	mr_snapshot_destroy(snap);
	mr_source_destroy(f);

	f = fleet_of("team:dead", "team:deader");
	free(cause);
	cause = NULL;
	snap = mr_source_list(f, &cause);
	T_NULL(snap, "dead: no source listed, no listing");
	T_HAS(cause, "team:dead: connection refused; team:deader: connection refused",
		"dead: the error says why");
	free(cause);
	mr_source_destroy(f);
}

/* Each id goes to the source it is on; results in the order given. */
static void test_routing(void) {
	memset(acted, 0, sizeof(acted));
	struct mr_source *f = fleet_of("team:a", "team:b");
	char *cause = NULL;
	struct mr_snapshot *snap = mr_source_list(f, &cause);
	struct mr_operation op;
	mr_operation_parse("hold", &op);
	char *why = NULL;
	bool can = mr_operation_plan(f, &op, &why);
	T_TRUE(can, why, "route: a fleet can hold (its members can)");
	free(why);
	const char *ids[] = { "SAME", "B1", "A1", "SAME", "SAME" };
	const uint16_t origins[] = { 1, 1, 0, 0, 1 };
	struct mr_action_report report;
	mr_operation_run(f, &op, ids, origins, 5, &report);
	T_STR(acted[0], "A1 SAME ", "route: team:a got its own ids");
	T_STR(acted[1], "SAME B1 ", "route: team:b got its own, the duplicate once");
	T_INT(report.n_results, 4, "route: one result per distinct (source, id)");
	struct mr_buf order;
	mr_buf_init(&order);
	for (size_t i = 0; i < report.n_results; i++) {
		mr_buf_printf(&order, "%s%s@%u", i ? " " : "", report.results[i].id,
			(unsigned)report.results[i].origin);
	}
	T_STR(order.data, "SAME@1 B1@1 A1@0 SAME@0",
		"route: results in the order given, each with its origin");
	mr_buf_finish(&order);
	T_INT(report.counts[MR_OUTCOME_DONE], 4, "route: all done");

	/* The actions log: a line per source acted on. */
	char *path = mr_xasprintf("%s/actions.log", t_tmpdir());
	size_t n;
	const char *const *names = mr_source_names(f, &n);
	bool written = mr_actlog_append(path, 1795435200, "op", names, n, &report, &cause);
	T_TRUE(written, cause, "actlog: written");
	FILE *in = fopen(path, "r");
	char line[256], all[512] = "";
	while (in && fgets(line, sizeof(line), in)) {
		strncat(all, line, sizeof(all) - strlen(all) - 1);
	}
	if (in) {
		fclose(in);
	}
	T_STR(all,
		"2026-11-23T12:00:00Z\top\tteam:a\thold\tdone 2\tA1 SAME\n"
		"2026-11-23T12:00:00Z\top\tteam:b\thold\tdone 2\tSAME B1\n",
		"actlog: one line per source, under its name");
	free(path);
	mr_action_report_finish(&report);

	/* Without origins a fleet cannot tell where an id is. */
	struct mr_action_request bare = { .action = MR_ACTION_HOLD, .ids = ids, .n_ids = 1 };
	mr_source_act(f, &bare, &report);
	T_SIZE(report.n_results, 1, "route: a request without origins has its one result");
	if (report.n_results == 1) {
		T_INT(report.results[0].outcome, MR_OUTCOME_FAILED,
			"route: a request without origins is refused, not guessed");
	}
	mr_action_report_finish(&report);
	T_NONNULL(mr_source_of(f, 0, &cause), "route: a member by its origin");
	T_NULL(mr_source_of(f, 7, &cause), "route: no member past the last");
	free(cause);
	mr_snapshot_destroy(snap);
	mr_source_destroy(f);
}

/* Two sources labelled alike are told apart. */
static void test_labels(void) {
	const char *names[] = { "team:a", "team:b", "team:dead" };
	struct mr_source *f = mr_fleet_open(registry, names, 3, NULL);
	T_STR(f->label, "team:a, team:b, team:dead", "labels: the fleet's, all of them");
	T_STR(f->name, "team:a team:b team:dead", "labels: the fleet's name");
	mr_source_destroy(f);

	f = fleet_of("team:twin1", "team:twin2");
	char *cause = NULL;
	struct mr_snapshot *snap = mr_source_list(f, &cause);
	T_TRUE(snap != NULL, cause, "labels: listed");
	if (snap != NULL) {
		T_SIZE(snap->n_origins, 2, "labels: one per source");
	}
	if (snap != NULL && snap->n_origins == 2) {
		T_STR(snap->origins[0], "twin", "labels: the shorter of label and name");
		T_STR(snap->origins[1], "twin#2", "labels: the second of two alike numbered");
	}

	mr_snapshot_destroy(snap);
	mr_source_destroy(f);
}

int main(void) {
	test_merge();
	test_slow();
	test_dead();
	test_routing();
	test_labels();
	return t_done();
}
