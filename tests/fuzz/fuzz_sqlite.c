/*
 * libFuzzer target for reading a queue database (backends/sqlite/open.c,
 * list.c): any bytes as a file someone hands mailroom ("mailroom
 * queue.db"), opened through the backends registry as the program opens a
 * source, listed, each message's content read, and the listing written in
 * the export formats, since rows carry whatever a program or a hand put
 * there (NULLs, text in number columns, NUL bytes, huge numbers).
 *
 * SQLite needs a path, and may write beside it (the -wal and -shm files of
 * WAL mode, a migration): the input is written to a directory made for the
 * process under $TMPDIR (tests/fuzz/run points that at its scratch
 * directory) and removed at exit. Most random bytes are refused before
 * SQLite sees them (not an SQLite file, not mailroom's application_id):
 * the seeds in tests/fuzz/corpus-sqlite/ are real queue databases, for the
 * mutations to start from.
 *
 *   tests/fuzz/run 300 sqlite
 */

#define _GNU_SOURCE /* open_memstream */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "export.h"
#include "fuzz.h"
#include "registry.h"
#include "xalloc.h"

enum { NOW = 1796564527 };

static char *dir, *db_path, *wal_path, *shm_path, *journal_path, *source;

static void remove_files(void) {
	unlink(db_path);
	unlink(wal_path);
	unlink(shm_path);
	unlink(journal_path);
}

static void cleanup(void) {
	remove_files();
	rmdir(dir);
}

static void make_dir(void) {
	const char *tmp = getenv("TMPDIR");
	char *templ = mr_xasprintf("%s/mailroom-fuzz-sqlite-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	dir = mkdtemp(templ);
	if (dir == NULL) {
		perror("fuzz-sqlite: mkdtemp");
		abort();
	}
	db_path = mr_xasprintf("%s/queue.db", dir);
	wal_path = mr_xasprintf("%s-wal", db_path);
	shm_path = mr_xasprintf("%s-shm", db_path);
	journal_path = mr_xasprintf("%s-journal", db_path);
	source = mr_xasprintf("sqlite:%s", db_path);
	atexit(cleanup);
}

static void write_db(const uint8_t *data, size_t size) {
	/* No -wal or -journal of the last input: SQLite would take it as
	 * this file's and replay it. */
	remove_files();
	int fd = open(db_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		abort();
	}
	for (size_t at = 0; at < size;) {
		ssize_t n = write(fd, data + at, size - at);
		if (n <= 0) {
			abort();
		}
		at += (size_t)n;
	}
	close(fd);
}

static void export_all(const struct mr_snapshot *snap) {
	static FILE *null;
	if (null == NULL && (null = fopen("/dev/null", "w")) == NULL) {
		abort();
	}
	static const enum mr_export_format formats[] = { MR_EXPORT_TABLE, MR_EXPORT_JSON,
		MR_EXPORT_CSV, MR_EXPORT_POSTQUEUE };
	for (size_t i = 0; i < sizeof(formats) / sizeof(*formats); i++) {
		if (!mr_export_snapshot(null, formats[i], source, snap, NULL, NULL, NOW)) {
			abort();
		}
	}
}

/* A message without the temporary path it starts with, so that a replay's
 * notes are the same on every run. */
static const char *without_path(const char *cause) {
	size_t n = strlen(db_path);
	if (strncmp(cause, db_path, n) == 0 && strncmp(cause + n, ": ", 2) == 0) {
		return cause + n + 2;
	}
	return cause;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	if (dir == NULL) {
		make_dir();
	}
	write_db(data, size);
	char *cause = NULL;
	struct mr_source *src = mr_source_open(mr_backend_registry, source, NULL, &cause);
	if (src == NULL) {
		if (cause == NULL) {
			abort(); /* a refusal says why */
		}
		fuzz_note("refused: %s", without_path(cause));
		free(cause);
		return 0;
	}
	struct mr_snapshot *snap = mr_source_list(src, &cause);
	if (snap == NULL) {
		if (cause == NULL) {
			abort();
		}
		fuzz_note("not listed: %s", without_path(cause));
		free(cause);
		mr_source_destroy(src);
		return 0;
	}
	size_t contents = 0;
	struct mr_buf headers, body;
	mr_buf_init(&headers);
	mr_buf_init(&body);
	for (size_t i = 0; i < snap->n_messages; i++) {
		const struct mr_message *m = &snap->messages[i];
		if (!mr_queue_id_valid(m->id) || m->queue >= MR_QUEUE_COUNT ||
			(size_t)m->first_rcpt + m->n_rcpts > snap->n_recipients) {
			abort();
		}
		char *why = NULL;
		if (i < 8 && mr_source_content(src, m->id, &headers, &body, &why)) {
			contents++;
		}
		free(why);
	}
	mr_buf_finish(&headers);
	mr_buf_finish(&body);
	export_all(snap);
	fuzz_note("listed: %zu messages, %zu recipients, %zu distinct reasons, %zu contents "
		  "read; exported",
		snap->n_messages, snap->n_recipients, snap->n_diagnoses, contents);
	mr_snapshot_destroy(snap);
	mr_source_destroy(src);
	return 0;
}
