#include "harness.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "snapshot.h"
#include "textpool.h"

static int tests_run;
static int tests_failed;
static char tmpdir[256];

static void print_name(const char *fmt, va_list ap) {
	char name[512];
	vsnprintf(name, sizeof(name), fmt, ap);
	/* A newline in a name would end the TAP line early. */
	for (char *p = name; *p; p++) {
		if (*p == '\n' || *p == '#') {
			*p = ' ';
		}
	}
	fputs(name, stdout);
}

static bool report(bool ok, const char *file, int line, const char *fmt, va_list ap) {
	tests_run++;
	if (!ok) {
		tests_failed++;
	}
	printf("%s %d - ", ok ? "ok" : "not ok", tests_run);
	print_name(fmt, ap);
	putchar('\n');
	if (!ok) {
		printf("#   at %s:%d\n", file, line);
	}
	fflush(stdout);
	return ok;
}

bool t_check(bool ok, const char *file, int line, const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	report(ok, file, line, fmt, ap);
	va_end(ap);
	return ok;
}

static void quoted(const char *label, const char *s) {
	printf("#   %s: ", label);
	if (s == NULL) {
		puts("NULL");
		return;
	}
	putchar('"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f || *p == '"' || *p == '\\') {
			printf("\\x%02x", *p);
		} else {
			putchar(*p);
		}
	}
	puts("\"");
}

bool t_check_str(
	const char *got, const char *want, const char *file, int line, const char *fmt, ...) {
	bool ok = (got == NULL && want == NULL) ||
		  (got != NULL && want != NULL && strcmp(got, want) == 0);
	va_list ap;
	va_start(ap, fmt);
	report(ok, file, line, fmt, ap);
	va_end(ap);
	if (!ok) {
		quoted("got ", got);
		quoted("want", want);
	}
	return ok;
}

bool t_check_int(int64_t got, int64_t want, const char *file, int line, const char *fmt, ...) {
	bool ok = got == want;
	va_list ap;
	va_start(ap, fmt);
	report(ok, file, line, fmt, ap);
	va_end(ap);
	if (!ok) {
		printf("#   got  %" PRId64 "\n#   want %" PRId64 "\n", got, want);
	}
	return ok;
}

bool t_check_null(
	const void *got, bool want_null, const char *file, int line, const char *fmt, ...) {
	bool ok = (got == NULL) == want_null;
	va_list ap;
	va_start(ap, fmt);
	report(ok, file, line, fmt, ap);
	va_end(ap);
	if (!ok) {
		if (got == NULL) {
			puts("#   got  NULL\n#   want a pointer");
		} else {
			printf("#   got  %p\n#   want NULL\n", got);
		}
	}
	return ok;
}

bool t_check_ptr(
	const void *got, const void *want, const char *file, int line, const char *fmt, ...) {
	bool ok = got == want;
	va_list ap;
	va_start(ap, fmt);
	report(ok, file, line, fmt, ap);
	va_end(ap);
	if (!ok) {
		printf("#   got  %p\n#   want %p\n", got, want);
	}
	return ok;
}

bool t_check_size(size_t got, size_t want, const char *file, int line, const char *fmt, ...) {
	bool ok = got == want;
	va_list ap;
	va_start(ap, fmt);
	report(ok, file, line, fmt, ap);
	va_end(ap);
	if (!ok) {
		printf("#   got  %zu\n#   want %zu\n", got, want);
	}
	return ok;
}

bool t_check_true(bool ok, const char *found, const char *file, int line, const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	report(ok, file, line, fmt, ap);
	va_end(ap);
	if (!ok) {
		quoted("found", found);
	}
	return ok;
}

/* The three substring checks differ only in what passes. */
enum part_at { PART_ANYWHERE, PART_NOWHERE, PART_FIRST };

static bool check_part(const char *got, const char *part, enum part_at at, const char *file,
	int line, const char *fmt, va_list ap) {
	const char *hit = got != NULL ? strstr(got, part) : NULL;
	bool ok = false;
	const char *want = NULL;
	switch (at) {
	case PART_ANYWHERE:
		ok = hit != NULL;
		want = "want it to contain";
		break;
	case PART_NOWHERE:
		ok = got != NULL && hit == NULL;
		want = "want it without";
		break;
	case PART_FIRST:
		ok = hit != NULL && hit == got;
		want = "want it to begin with";
		break;
	}
	report(ok, file, line, fmt, ap);
	if (!ok) {
		quoted("got ", got);
		quoted(want, part);
	}
	return ok;
}

bool t_check_has(
	const char *got, const char *part, const char *file, int line, const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	bool ok = check_part(got, part, PART_ANYWHERE, file, line, fmt, ap);
	va_end(ap);
	return ok;
}

bool t_check_lacks(
	const char *got, const char *part, const char *file, int line, const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	bool ok = check_part(got, part, PART_NOWHERE, file, line, fmt, ap);
	va_end(ap);
	return ok;
}

bool t_check_prefix(
	const char *got, const char *part, const char *file, int line, const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	bool ok = check_part(got, part, PART_FIRST, file, line, fmt, ap);
	va_end(ap);
	return ok;
}

/* Bytes as a C string would show them, NULs and all, cut after 200. */
static void quoted_mem(const char *label, const void *data, size_t len) {
	const unsigned char *p = data;
	if (p == NULL) {
		printf("#   %s: NULL\n", label);
		return;
	}
	printf("#   %s: %zu bytes \"", label, len);
	for (size_t i = 0; i < len && i < 200; i++) {
		if (p[i] < 0x20 || p[i] >= 0x7f || p[i] == '"' || p[i] == '\\') {
			printf("\\x%02x", p[i]);
		} else {
			putchar(p[i]);
		}
	}
	puts(len > 200 ? "\"..." : "\"");
}

bool t_check_mem(const void *got, size_t got_len, const void *want, size_t want_len,
	const char *file, int line, const char *fmt, ...) {
	bool ok = got != NULL && want != NULL && got_len == want_len &&
		  (got_len == 0 || memcmp(got, want, got_len) == 0);
	va_list ap;
	va_start(ap, fmt);
	report(ok, file, line, fmt, ap);
	va_end(ap);
	if (!ok) {
		quoted_mem("got ", got, got_len);
		quoted_mem("want", want, want_len);
	}
	return ok;
}

void t_note(const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	fputs("# ", stdout);
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
}

const char *t_tmpdir(void) {
	if (tmpdir[0] == '\0') {
		const char *base = getenv("TMPDIR");
		snprintf(tmpdir, sizeof(tmpdir), "%s/mailroom-test-XXXXXX", base ? base : "/tmp");
		if (mkdtemp(tmpdir) == NULL) {
			perror("mkdtemp");
			exit(99);
		}
	}
	return tmpdir;
}

char *t_tmppath(const char *name) {
	size_t n = strlen(t_tmpdir()) + strlen(name) + 2;
	char *path = malloc(n);
	if (path == NULL) {
		perror("malloc");
		exit(99);
	}
	snprintf(path, n, "%s/%s", t_tmpdir(), name);
	return path;
}

static void remove_tmpdir(void) {
	if (tmpdir[0] == '\0') {
		return;
	}
	/* Only this program's own scratch directory, by its full path. */
	char *argv[] = { "rm", "-rf", "--", tmpdir, NULL };
	pid_t pid = fork();
	if (pid == 0) {
		execvp("rm", argv);
		_exit(127);
	}
	int status;
	if (pid > 0) {
		waitpid(pid, &status, 0);
	}
}

int t_done(void) {
	printf("1..%d\n", tests_run);
	if (tests_failed > 0) {
		printf("# %d of %d failed\n", tests_failed, tests_run);
	}
	remove_tmpdir();
	return tests_failed > 0 || tests_run == 0 ? 1 : 0;
}

_Noreturn void t_skip_all(const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	fputs("1..0 # SKIP ", stdout);
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
	remove_tmpdir();
	exit(0);
}

const char *t_text(const struct mr_text *t) {
	static char *recent[4];
	static size_t next;
	if (t == NULL) {
		return NULL;
	}
	free(recent[next]);
	recent[next] = mr_text_dup(t);
	const char *s = recent[next];
	next = (next + 1) % 4;
	return s;
}

/* Every message of front as the whole listing has it. */
bool t_same_front(const struct mr_snapshot *front, const struct mr_snapshot *whole) {
	struct mr_buf a, b;
	mr_buf_init(&a);
	mr_buf_init(&b);
	bool same = front->n_messages <= whole->n_messages;
	for (size_t i = 0; same && i < front->n_messages; i++) {
		const struct mr_message *m = &front->messages[i], *w = &whole->messages[i];
		same = strcmp(m->id, w->id) == 0 && strcmp(m->sender, w->sender) == 0 &&
		       m->queue == w->queue && m->arrival == w->arrival && m->size == w->size &&
		       m->n_rcpts == w->n_rcpts;
		for (uint32_t k = 0; same && k < m->n_rcpts; k++) {
			const struct mr_recipient *r = mr_message_rcpt(front, m, k);
			const struct mr_recipient *s = mr_message_rcpt(whole, w, k);
			const struct mr_diagnosis *dr = mr_recipient_diagnosis(front, r);
			const struct mr_diagnosis *ds = mr_recipient_diagnosis(whole, s);
			same = strcmp(r->address, s->address) == 0 && r->state == s->state &&
			       (r->original == NULL) == (s->original == NULL) &&
			       (r->original == NULL || strcmp(r->original, s->original) == 0) &&
			       (r->reason == NULL) == (s->reason == NULL) &&
			       (dr == NULL) == (ds == NULL);
			if (same && r->reason != NULL) {
				same = strcmp(mr_text_str(r->reason, &a),
					       mr_text_str(s->reason, &b)) == 0 &&
				       dr->category == ds->category;
			}
		}
	}
	mr_buf_finish(&a);
	mr_buf_finish(&b);
	return same;
}

void t_take_glimpse(void *ctx, const struct mr_snapshot *snap) {
	struct t_glimpses *g = ctx;
	if (g->n < sizeof(g->fronts) / sizeof(*g->fronts)) {
		g->fronts[g->n++] = mr_snapshot_copy_front(snap, snap->n_messages);
	}
}

void t_check_glimpses(
	struct t_glimpses *g, size_t want, const struct mr_snapshot *whole, const char *what) {
	T_SIZE(g->n, want, "%s: offered every 1,024 messages", what);
	for (size_t i = 0; whole != NULL && i < g->n; i++) {
		T_SIZE(g->fronts[i]->n_messages, 1024 * (i + 1), "%s %zu: its messages", what,
			i + 1);
		mr_snapshot_finish(g->fronts[i]);
		T_OK(t_same_front(g->fronts[i], whole),
			"%s %zu: every message whole (senders, recipients, reasons interned)", what,
			i + 1);
	}
	for (size_t i = 0; i < g->n; i++) {
		mr_snapshot_destroy(g->fronts[i]);
	}
	g->n = 0;
}
