/*
 * Items handed to a consumer thread (handoff.h): every item passed is seen
 * once, in order, on the consumer's own thread when there are two cores;
 * the pool bounds what is outstanding; a slow consumer holds the reader.
 */

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "handoff.h"
#include "harness.h"
#include "parallel.h"
#include "thread.h"

enum { ITEMS = 3, PASSES = 2000 };

struct slot {
	int value;
	bool in_use; /* taken and not yet given back */
};

struct consumer {
	pthread_t reader;
	int seen[PASSES];
	size_t n_seen;
	size_t off_thread, reused_in_use;
	size_t signals_open; /* items consumed off the reader's thread with ^C not blocked */
	bool slow;
};

static void consume(void *ctx, void *item) {
	struct consumer *c = ctx;
	struct slot *s = item;
	if (c->slow && c->n_seen % 100 == 0) {
		nanosleep(&(struct timespec){ .tv_nsec = 2 * 1000 * 1000 }, NULL);
	}
	bool off = !pthread_equal(pthread_self(), c->reader);
	c->off_thread += off;
	if (off) {
		sigset_t now;
		pthread_sigmask(SIG_BLOCK, NULL, &now);
		c->signals_open += sigismember(&now, SIGINT) != 1;
	}
	if (c->n_seen < PASSES) {
		c->seen[c->n_seen] = s->value;
	}
	c->n_seen++;
	s->in_use = false;
}

static void run(bool slow) {
	const char *how = slow ? "slow consumer" : "fast consumer";
	struct slot slots[ITEMS] = { 0 };
	void *items[ITEMS];
	for (size_t i = 0; i < ITEMS; i++) {
		items[i] = &slots[i];
	}
	struct consumer *c = calloc(1, sizeof(*c));
	c->reader = pthread_self();
	c->slow = slow;
	struct mr_handoff *h = mr_handoff_start(items, ITEMS, consume, c);
	size_t reused = 0;
	for (int v = 0; v < PASSES; v++) {
		struct slot *s = mr_handoff_take(h);
		reused += s->in_use; /* handed out again before it came back */
		s->in_use = true;
		s->value = v;
		mr_handoff_pass(h, s);
	}
	mr_handoff_finish(h);
	size_t out_of_order = 0;
	for (size_t i = 0; i < c->n_seen && i < PASSES; i++) {
		out_of_order += c->seen[i] != (int)i;
	}
	T_SIZE(c->n_seen, PASSES, "%s: every item passed is consumed once", how);
	T_SIZE(out_of_order, 0, "%s: in the order passed", how);
	T_SIZE(reused, 0, "%s: no item handed out while the consumer has it", how);
	T_SIZE(c->off_thread, mr_cores() >= 2 ? (size_t)PASSES : 0,
		"%s: consumed on a thread of its own with two cores, else on the reader's", how);
	T_SIZE(c->signals_open, 0, "%s: signals blocked on the consumer's thread", how);
	free(c);
}

/* Threads start with every signal blocked (thread.h), whoever starts them,
 * and the starter's own mask is left as it was. */
struct mask_seen {
	bool sigint, sigwinch, sighup;
};

static void *look_at_mask(void *arg) {
	struct mask_seen *seen = arg;
	sigset_t now;
	pthread_sigmask(SIG_BLOCK, NULL, &now);
	*seen = (struct mask_seen){ sigismember(&now, SIGINT) == 1,
		sigismember(&now, SIGWINCH) == 1, sigismember(&now, SIGHUP) == 1 };
	return NULL;
}

static void test_thread_signals(void) {
	sigset_t none, mine;
	sigemptyset(&none);
	pthread_sigmask(SIG_SETMASK, &none, NULL);
	struct mask_seen seen = { 0 };
	pthread_t thread;
	int err = mr_thread_start(&thread, look_at_mask, &seen);
	T_INT(err, 0, "thread: started");
	if (err == 0) {
		pthread_join(thread, NULL);
	}
	T_OK(seen.sigint && seen.sigwinch && seen.sighup,
		"thread: Ctrl-C, a resize and a hang-up are blocked in it");
	pthread_sigmask(SIG_BLOCK, NULL, &mine);
	T_OK(!sigismember(&mine, SIGINT) && !sigismember(&mine, SIGWINCH),
		"thread: the starter's own mask is as it was");
}

int main(void) {
	run(false);
	run(true);
	test_thread_signals();
	return t_done();
}
