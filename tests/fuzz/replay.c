/*
 * Runs a fuzz target's entry point on files, without libFuzzer: the suite
 * replays every seed and every input that once failed, in every build (with
 * the sanitizers in build-sanitize/).
 *
 *   fuzz-replay-TARGET [--lines] FILE|DIRECTORY...
 *
 * A directory stands for every file in it (not those starting with a dot),
 * in byte order of their names, so the lines come out the same everywhere.
 * Each file is one TAP line naming it, its size and what the target said it
 * checked (fuzz.h); a file that cannot be read, or a directory with nothing
 * to replay, is "not ok". A crash needs no line: it fails the test itself.
 * With --lines each file is also replayed line by line (the decoder's
 * corpus: one reason a line), and the line says what the lines gave.
 */

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "xalloc.h"

static int checks;
static int failures;

/* Paths are untrusted text too, and a TAP line is one line: anything but
 * printable ASCII becomes '?', and a long text is cut. */
static void put_visible(const char *s, size_t max) {
	size_t n = 0;
	for (; *s != '\0' && n < max; s++, n++) {
		unsigned char c = (unsigned char)*s;
		putchar(c >= 0x20 && c < 0x7f ? c : '?');
	}
	if (*s != '\0') {
		fputs("...", stdout);
	}
}

/* The last two parts of a path ("corpus-filter/seed-nested"): enough to
 * find the file, short enough to read. */
static const char *shown_name(const char *path) {
	const char *last = strrchr(path, '/');
	if (last == NULL) {
		return path;
	}
	const char *p = last;
	while (p > path && p[-1] != '/') {
		p--;
	}
	return p;
}

static void not_ok(const char *path, const char *why) {
	printf("not ok %d - ", ++checks);
	put_visible(shown_name(path), 200);
	printf(": %s\n", why);
	failures++;
}

static bool read_file(const char *path, uint8_t **data, size_t *len) {
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		return false;
	}
	size_t cap = 0, n;
	*data = NULL;
	*len = 0;
	do {
		if (*len == cap) {
			cap = cap ? cap * 2 : 4096;
			*data = mr_xrealloc(*data, cap);
		}
		n = fread(*data + *len, 1, cap - *len, f);
		*len += n;
	} while (n > 0);
	bool ok = !ferror(f);
	fclose(f);
	if (!ok) {
		free(*data);
	}
	return ok;
}

/* What the lines of a file gave, by the part of each note before ": " (the
 * targets' verdicts: "code", "no code", "parsed", "refused"). */
struct verdict {
	char what[64];
	size_t count;
};

static void count_verdict(struct verdict *v, size_t *n, size_t max, const char *note) {
	size_t len = strcspn(note, ":");
	if (len >= sizeof(v->what)) {
		len = sizeof(v->what) - 1;
	}
	for (size_t i = 0; i < *n; i++) {
		if (strlen(v[i].what) == len && memcmp(v[i].what, note, len) == 0) {
			v[i].count++;
			return;
		}
	}
	if (*n < max) {
		memcpy(v[*n].what, note, len);
		v[*n].what[len] = '\0';
		v[(*n)++].count = 1;
	}
}

static void replay_file(const char *path, bool by_line) {
	uint8_t *data;
	size_t len;
	if (!read_file(path, &data, &len)) {
		char why[200];
		snprintf(why, sizeof(why), "cannot read (%s)", strerror(errno));
		not_ok(path, why);
		return;
	}
	/* An exact-size copy each time: reading one byte too far is caught
	 * (the targets copy again where they need a terminating NUL). */
	uint8_t *copy = mr_xmalloc(len ? len : 1);
	memcpy(copy, data, len);
	fuzz_note("%s", ""); /* not the last file's, if the target says nothing */
	LLVMFuzzerTestOneInput(copy, len);
	free(copy);
	printf("ok %d - ", ++checks);
	put_visible(shown_name(path), 200);
	printf(" (%zu bytes): ", len);
	put_visible(*fuzz_last_note() ? fuzz_last_note() : "replayed", 300);
	if (by_line) {
		struct verdict verdicts[8];
		size_t n_verdicts = 0, lines = 0, start = 0;
		for (size_t j = 0; j <= len; j++) {
			if (j == len || data[j] == '\n') {
				if (j == len && start == len && len > 0) {
					break; /* the file's last newline starts no line */
				}
				size_t n = j - start;
				copy = mr_xmalloc(n ? n : 1);
				memcpy(copy, data + start, n);
				fuzz_note("%s", "replayed");
				LLVMFuzzerTestOneInput(copy, n);
				free(copy);
				count_verdict(verdicts, &n_verdicts, 8, fuzz_last_note());
				lines++;
				start = j + 1;
			}
		}
		printf("; line by line (%zu):", lines);
		for (size_t i = 0; i < n_verdicts; i++) {
			printf("%s %zu ", i ? "," : "", verdicts[i].count);
			put_visible(verdicts[i].what, 60);
		}
	}
	putchar('\n');
	fflush(stdout);
	free(data);
}

static int by_name(const void *a, const void *b) {
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void replay_directory(const char *dir, bool by_line) {
	DIR *d = opendir(dir);
	if (d == NULL) {
		char why[200];
		snprintf(why, sizeof(why), "cannot read the directory (%s)", strerror(errno));
		not_ok(dir, why);
		return;
	}
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.') {
			continue;
		}
		names = mr_xreallocarray(names, n + 1, sizeof(*names));
		names[n++] = mr_xasprintf("%s/%s", dir, e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), by_name);
	size_t replayed = 0;
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		if (stat(names[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			free(names[i]);
			continue; /* a corpus is flat: nothing of the target's in there */
		}
		replay_file(names[i], by_line);
		replayed++;
		free(names[i]);
	}
	free(names);
	if (replayed == 0) {
		not_ok(dir, "no file to replay (a corpus directory has at least its seeds)");
	}
}

int main(int argc, char **argv) {
	fuzz_noting = true;
	bool by_line = false;
	int first = 1;
	if (argc > 1 && strcmp(argv[1], "--lines") == 0) {
		by_line = true;
		first = 2;
	}
	if (first >= argc) {
		fprintf(stderr, "usage: %s [--lines] FILE|DIRECTORY...\n", argv[0]);
		return 2;
	}
	for (int i = first; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			replay_directory(argv[i], by_line);
		} else {
			replay_file(argv[i], by_line);
		}
	}
	printf("1..%d\n", checks);
	return failures > 0;
}
