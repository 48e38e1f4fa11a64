#include "harness.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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
