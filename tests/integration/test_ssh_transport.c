/*
 * The SSH transport against a real sshd (tests/ssh.sh starts it): commands
 * of two threads run at once on one session, each on its own channel, and
 * each gets its own output whole.
 *
 *   test_ssh_transport PORT USER KEY KNOWN_HOSTS SHARED_DIR
 *
 * SHARED_DIR is a directory the login may write in.
 */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "harness.h"
#include "transport_ssh.h"
#include "xalloc.h"

static struct mr_transport *transport;

struct run {
	const char *const *argv;
	struct mr_buf out;
	struct mr_command_result res;
	bool ok;
	char *cause;
	/* Set once the first output came: the command is running. */
	pthread_mutex_t lock;
	pthread_cond_t started;
	bool has_output;
};

static bool collect(void *ctx, const char *data, size_t len) {
	struct run *r = ctx;
	mr_buf_add(&r->out, data, len);
	pthread_mutex_lock(&r->lock);
	r->has_output = true;
	pthread_cond_broadcast(&r->started);
	pthread_mutex_unlock(&r->lock);
	return true;
}

static void run_init(struct run *r, const char *const *argv) {
	memset(r, 0, sizeof(*r));
	r->argv = argv;
	mr_buf_init(&r->out);
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->started, NULL);
}

static void run_finish(struct run *r) {
	mr_buf_finish(&r->out);
	mr_command_result_finish(&r->res);
	free(r->cause);
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->started);
}

static void *run_command(void *arg) {
	struct run *r = arg;
	struct mr_command cmd = {
		.argv = r->argv, .on_output = collect, .ctx = r, .timeout_ms = 60 * 1000
	};
	r->ok = mr_transport_run(transport, &cmd, &r->res, &r->cause);
	/* A command that ends without output must not leave a waiter. */
	pthread_mutex_lock(&r->lock);
	r->has_output = true;
	pthread_cond_broadcast(&r->started);
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

/* Starts fn on a thread of its own; without one, runs it here (its checks
 * then fail, rather than wait on a thread that never was). Whether a
 * thread was started, to be joined. */
static bool spawn(pthread_t *thread, void *(*fn)(void *), void *arg, const char *what) {
	bool started = pthread_create(thread, NULL, fn, arg) == 0;
	T_OK(started, "%s", what);
	if (!started) {
		fn(arg);
	}
	return started;
}

static void wait_started(struct run *r) {
	pthread_mutex_lock(&r->lock);
	while (!r->has_output) {
		pthread_cond_wait(&r->started, &r->lock);
	}
	pthread_mutex_unlock(&r->lock);
}

/*
 * The first command waits for a file that only the second one makes, and
 * the second starts once the first has said it runs: on a transport that
 * ran one command at a time the first would give up after 15 s (exit 3)
 * before the second could start.
 */
static void test_two_at_once(const char *dir) {
	char *flag = mr_xasprintf("%s/flag", dir);
	const char *const waiter[] = { "sh", "-c",
		"echo started; i=0; while [ ! -e \"$1\" ]; do i=$((i + 1)); "
		"[ $i -gt 300 ] && exit 3; sleep 0.05; done; echo saw it",
		"sh", flag, NULL };
	const char *const maker[] = { "touch", flag, NULL };
	struct run a, b;
	run_init(&a, waiter);
	run_init(&b, maker);
	pthread_t thread;
	bool threaded = spawn(&thread, run_command, &a, "the waiting command starts");
	wait_started(&a);
	run_command(&b);
	if (threaded) {
		pthread_join(thread, NULL);
	}
	T_OK(b.ok && b.res.exit_status == 0, "the second command ran while the first one did (%s)",
		b.cause ? b.cause : "ok");
	T_OK(a.ok, "the first command ran to its end (%s)", a.cause ? a.cause : "ok");
	T_INT(a.res.exit_status, 0,
		"the first command saw the second one's file, not its own timeout");
	T_STR(a.out.data, "started\nsaw it\n", "the first command's output, whole");
	run_finish(&a);
	run_finish(&b);
	free(flag);
}

/* Two large outputs at once, each of one letter: every byte reaches its
 * own command's reader, none is lost or crosses over. */
static void test_outputs_apart(void) {
	const char *const letters[2] = { "a", "b" };
	char *lines[2];
	const char *argv[2][5];
	struct run r[2];
	pthread_t threads[2];
	bool threaded[2];
	for (int i = 0; i < 2; i++) {
		lines[i] = mr_xasprintf("head -c 3000000 /dev/zero | tr '\\0' %s", letters[i]);
		argv[i][0] = "sh";
		argv[i][1] = "-c";
		argv[i][2] = lines[i];
		argv[i][3] = NULL;
		run_init(&r[i], argv[i]);
		char *what = mr_xasprintf("output command %s starts", letters[i]);
		threaded[i] = spawn(&threads[i], run_command, &r[i], what);
		free(what);
	}
	for (int i = 0; i < 2; i++) {
		if (threaded[i]) {
			pthread_join(threads[i], NULL);
		}
		size_t own = 0;
		for (size_t k = 0; k < r[i].out.len; k++) {
			own += r[i].out.data[k] == letters[i][0];
		}
		T_OK(r[i].ok && r[i].res.exit_status == 0, "output command %s ran (%s)", letters[i],
			r[i].cause ? r[i].cause : "ok");
		T_INT(r[i].out.len, 3000000, "output command %s: all its bytes", letters[i]);
		T_INT(own, 3000000, "output command %s: only its own letter", letters[i]);
		run_finish(&r[i]);
		free(lines[i]);
	}
}

/* Many short commands from two threads: each gets its own answer. */
struct echoes {
	int from, wrong;
};

static void *echo_many(void *arg) {
	struct echoes *e = arg;
	for (int i = 0; i < 25; i++) {
		char word[16];
		snprintf(word, sizeof(word), "%d", e->from + i);
		const char *const argv[] = { "echo", word, NULL };
		struct run r;
		run_init(&r, argv);
		run_command(&r);
		char want[20];
		snprintf(want, sizeof(want), "%s\n", word);
		if (!r.ok || r.res.exit_status != 0 ||
			strcmp(r.out.data ? r.out.data : "", want) != 0) {
			e->wrong++;
		}
		run_finish(&r);
	}
	return NULL;
}

static void test_many_short(void) {
	struct echoes e[2] = { { 1000, 0 }, { 2000, 0 } };
	pthread_t thread;
	bool threaded = spawn(&thread, echo_many, &e[0], "the first echoing thread starts");
	echo_many(&e[1]);
	if (threaded) {
		pthread_join(thread, NULL);
	}
	T_INT(e[0].wrong + e[1].wrong, 0, "50 short commands of two threads, each its own answer");
	/* Alone again: the session is as it was. */
	const char *const argv[] = { "echo", "alone", NULL };
	struct run r;
	run_init(&r, argv);
	run_command(&r);
	T_STR(r.out.data, "alone\n", "a command alone after them");
	run_finish(&r);
}

int main(int argc, char **argv) {
	if (argc != 6) {
		fprintf(stderr, "usage: test_ssh_transport PORT USER KEY KNOWN_HOSTS SHARED_DIR\n");
		return 2;
	}
	const char *keys[] = { argv[3] };
	const char *known[] = { argv[4] };
	struct mr_ssh_options o = {
		.alias = "lab",
		.host = "127.0.0.1",
		.port = atoi(argv[1]),
		.user = argv[2],
		.identity_files = keys,
		.n_identity_files = 1,
		.identities_only = true,
		.known_hosts_files = known,
		.n_known_hosts_files = 1,
		.new_host = MR_SSH_NEW_HOST_REFUSE,
	};
	char *cause = NULL;
	transport = mr_transport_ssh_create(&o, &cause);
	T_OK(transport != NULL, "connected to the lab's sshd (%s)", cause ? cause : "ok");
	if (transport == NULL) {
		free(cause);
		return t_done();
	}
	test_two_at_once(argv[5]);
	test_outputs_apart();
	test_many_short();
	mr_transport_destroy(transport);
	return t_done();
}
