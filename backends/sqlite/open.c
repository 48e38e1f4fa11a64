/*
 * Opening, creating and migrating queue databases, and the backend's ops.
 *
 * The first 100 bytes of an SQLite file say what it is (magic string,
 * application_id at offset 68, user_version at offset 60). They are read
 * with plain read(2) before SQLite sees the file, so a file that is not ours,
 * or is newer than we understand, is refused without SQLite touching it:
 * no journal, no WAL, no rollback of someone else's hot journal.
 */

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blob.h"
#include "internal.h"
#include "text.h"
#include "xalloc.h"

/*
 * A connection is used by one thread at a time: a source belongs to the
 * thread that lists or acts on it (the screen's refresher and its actions
 * wait for each other), and rows leave SQLite copied before another thread
 * sees them. So SQLite's own mutex, taken and given back on every call
 * (each sqlite3_step and sqlite3_column_*), only costs: it was a quarter of
 * the reading thread's time in the summary of a million messages.
 */
#define ONE_THREAD_AT_A_TIME SQLITE_OPEN_NOMUTEX

enum { HEADER_SIZE = 100 };
static const char sqlite_magic[16] = "SQLite format 3";

const char *mr_sqlite_name(const struct mr_sqlite *db) {
	return db->path != NULL ? db->path : "demo queue";
}

bool mr_sqlite_fail(const struct mr_sqlite *db, char **cause, const char *what) {
	char *shown = mr_text_visible_dup(mr_sqlite_name(db));
	mr_fail(cause, "%s: %s (%s)", shown, what, sqlite3_errmsg(db->db));
	free(shown);
	return false;
}

bool mr_sqlite_transient(int rc) {
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
	case SQLITE_FULL:
	case SQLITE_IOERR:
		return true;
	default:
		return false;
	}
}

static uint32_t be32(const unsigned char *p) {
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Reads and judges the file header; on success sets *version. */
static bool check_header(const char *path, const char *shown, uint32_t *version, char **cause) {
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		return mr_fail(cause, "%s: %s", shown, strerror(errno));
	}
	struct stat st;
	if (fstat(fd, &st) != 0) {
		int err = errno;
		close(fd);
		return mr_fail(cause, "%s: %s", shown, strerror(err));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return mr_fail(cause, "%s: %s", shown,
			S_ISDIR(st.st_mode) ? "is a directory, not a queue database"
					    : "not a regular file, not a queue database");
	}
	unsigned char header[HEADER_SIZE];
	ssize_t n = read(fd, header, sizeof(header));
	int err = errno;
	close(fd);
	if (n < 0) {
		return mr_fail(cause, "%s: %s", shown, strerror(err));
	}
	if (n == 0) {
		return mr_fail(cause, "%s: empty file, not a mailroom queue database", shown);
	}
	if (n < HEADER_SIZE || memcmp(header, sqlite_magic, sizeof(sqlite_magic)) != 0) {
		return mr_fail(
			cause, "%s: not a mailroom queue database (not an SQLite file)", shown);
	}
	uint32_t app_id = be32(header + 68);
	*version = be32(header + 60);
	if (app_id != MR_SQLITE_APPLICATION_ID) {
		return mr_fail(cause,
			"%s: an SQLite database, but not a mailroom queue (application_id 0x%08X, "
			"expected 0x%08X); left unchanged",
			shown, app_id, (unsigned)MR_SQLITE_APPLICATION_ID);
	}
	if (*version > MR_SQLITE_SCHEMA_VERSION) {
		return mr_fail(cause,
			"%s: schema version %u is newer than this mailroom understands (%d); "
			"left unchanged, use a newer mailroom",
			shown, *version, MR_SQLITE_SCHEMA_VERSION);
	}
	return true;
}

/* Whether SQLite could write the file and its -wal/-shm companions. */
/* Why the file can only be read (to free), or NULL. Beside the file and
 * its directory, the -wal and -shm files a program left (another user's,
 * after a crash) must be writable too, or every write fails as "readonly
 * database" only when an action is tried. */
static char *why_read_only(const char *path) {
	if (access(path, W_OK) != 0) {
		return mr_xstrdup("the file is not writable");
	}
	char *copy = mr_xstrdup(path);
	bool dir_ok = access(dirname(copy), W_OK | X_OK) == 0;
	free(copy);
	if (!dir_ok) {
		return mr_xstrdup("its directory is not writable");
	}
	static const char *const sides[] = { "-wal", "-shm" };
	for (size_t i = 0; i < 2; i++) {
		char *side = mr_xasprintf("%s%s", path, sides[i]);
		struct stat st;
		if (stat(side, &st) == 0 && access(side, W_OK) != 0) {
			struct passwd pw, *found = NULL;
			char buf[1024];
			getpwuid_r(st.st_uid, &pw, buf, sizeof(buf), &found);
			char *shown = mr_text_visible_dup(side);
			char *why =
				mr_xasprintf("%s belongs to %s%s(uid %u) and is not writable: a "
					     "program of that user left it; remove it while "
					     "nothing uses the queue, or act as that user",
					shown, found ? found->pw_name : "", found ? " " : "",
					(unsigned)st.st_uid);
			free(shown);
			free(side);
			return why;
		}
		free(side);
	}
	return NULL;
}

/* Another program holds the file's lock past the busy timeout: a
 * rollback-journal database being written, or a WAL one being checkpointed.
 * That is no damage, and the message says what it is. */
static bool locked(struct mr_sqlite *db) {
	int code = sqlite3_errcode(db->db) & 0xff;
	return code == SQLITE_BUSY || code == SQLITE_LOCKED;
}

static bool locked_fail(struct mr_sqlite *db, char **cause) {
	char *shown = mr_text_visible_dup(db->path ? db->path : ":memory:");
	mr_fail(cause,
		"%s: locked by another program (waited %d ms); try again when it has "
		"finished writing",
		shown, db->busy_timeout_ms);
	free(shown);
	return false;
}

static bool exec_sql(struct mr_sqlite *db, const char *sql, const char *what, char **cause) {
	if (sqlite3_exec(db->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		return locked(db) ? locked_fail(db, cause) : mr_sqlite_fail(db, cause, what);
	}
	return true;
}

/* Whether a unique, whole index covers queue_id alone, as our schema's
 * UNIQUE does. A file made by hand may lack it: the listing then keeps the
 * first of repeated ids itself (list.c). */
static bool queue_ids_unique(struct mr_sqlite *db) {
	static const char sql[] = "SELECT count(*) FROM pragma_index_list('message') AS l "
				  "WHERE l.\"unique\" AND NOT l.partial "
				  "AND (SELECT count(*) FROM pragma_index_info(l.name)) = 1 "
				  "AND (SELECT name FROM pragma_index_info(l.name)) = 'queue_id'";
	sqlite3_stmt *stmt;
	if (sqlite3_prepare_v2(db->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		return false;
	}
	bool unique = sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_int(stmt, 0) > 0;
	sqlite3_finalize(stmt);
	return unique;
}

/* Every table and column the backend reads, so a damaged or hand-altered
 * file fails here, with a message, rather than halfway through a listing.
 * Only the names: the values are checked as they are read (list.c). */
static bool verify_schema(struct mr_sqlite *db, char **cause) {
	static const char *const probes[] = {
		"SELECT id, queue_id, queue, arrival_time, size, sender, priority, forced_expire, "
		"headers, body FROM message LIMIT 0",
		"SELECT message, position, address, original_address, state, reason, attempts, "
		"last_attempt, next_retry FROM recipient LIMIT 0",
		"SELECT id, time, user, action, argument, queue_id, outcome, detail, new_queue_id "
		"FROM action_log LIMIT 0",
	};
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		sqlite3_stmt *stmt;
		if (sqlite3_prepare_v2(db->db, probes[i], -1, &stmt, NULL) != SQLITE_OK) {
			return locked(db) ? locked_fail(db, cause)
					  : mr_sqlite_fail(db, cause,
						    "damaged or incomplete mailroom database");
		}
		sqlite3_finalize(stmt);
	}
	db->unique_ids = queue_ids_unique(db);
	return true;
}

static bool configure(struct mr_sqlite *db, char **cause) {
	sqlite3_busy_timeout(db->db, db->busy_timeout_ms);
	sqlite3_extended_result_codes(db->db, 1);
	return exec_sql(db, "PRAGMA foreign_keys = ON", "cannot enable foreign keys", cause);
}

bool mr_sqlite_migrate(struct mr_sqlite *db, int from_version, char **cause) {
	if (from_version >= MR_SQLITE_SCHEMA_VERSION) {
		return true;
	}
	if (!exec_sql(db, "BEGIN IMMEDIATE", "cannot start the schema migration", cause)) {
		return false;
	}
	for (int v = from_version + 1; v <= MR_SQLITE_SCHEMA_VERSION; v++) {
		char name[64];
		snprintf(name, sizeof(name), "sqlite/schema-%d.sql", v);
		const struct mr_blob *blob = mr_blob_find(name);
		if (blob == NULL) {
			sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
			return mr_fail(cause, "%s is not embedded in this build", name);
		}
		char set_version[64];
		snprintf(set_version, sizeof(set_version), "PRAGMA user_version = %d", v);
		if (!exec_sql(db, (const char *)blob->data, "cannot apply the schema", cause) ||
			!exec_sql(db, set_version, "cannot record the schema version", cause)) {
			sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
			return false;
		}
	}
	return exec_sql(db, "COMMIT", "cannot commit the schema migration", cause);
}

static struct mr_sqlite *handle_create(const char *path) {
	struct mr_sqlite *db = mr_xcalloc(1, sizeof(*db));
	db->path = path != NULL ? mr_xstrdup(path) : NULL;
	db->busy_timeout_ms = MR_SQLITE_BUSY_TIMEOUT_MS;
	return db;
}

void mr_sqlite_destroy(struct mr_sqlite *db) {
	if (db == NULL) {
		return;
	}
	sqlite3_close(db->db);
	free(db->path);
	free(db->read_only_why);
	free(db);
}

struct mr_sqlite *mr_sqlite_open_existing(const char *path, char **cause) {
	char *shown = mr_text_visible_dup(path);
	uint32_t version = 0;
	if (!check_header(path, shown, &version, cause)) {
		free(shown);
		return NULL;
	}
	struct mr_sqlite *db = handle_create(path);
	char *why = why_read_only(path);
	db->read_only = why != NULL;
	db->read_only_why = why;
	int flags = (db->read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) |
		    ONE_THREAD_AT_A_TIME;
	if (sqlite3_open_v2(path, &db->db, flags, NULL) != SQLITE_OK || !configure(db, cause)) {
		if (cause != NULL && *cause == NULL) {
			mr_sqlite_fail(db, cause, "cannot open");
		}
		goto fail;
	}
	if (version < MR_SQLITE_SCHEMA_VERSION) {
		if (db->read_only) {
			mr_fail(cause, "%s: needs an upgrade to schema version %d, but %s", shown,
				MR_SQLITE_SCHEMA_VERSION, why);
			goto fail;
		}
		if (!mr_sqlite_migrate(db, (int)version, cause)) {
			goto fail;
		}
	}
	if (!verify_schema(db, cause)) {
		goto fail;
	}
	/* Only now, knowing the file is ours: readers then never block the
	 * writer, and an operator's action never waits for a long listing. */
	if (!db->read_only &&
		!exec_sql(db, "PRAGMA journal_mode = WAL", "cannot switch to WAL mode", cause)) {
		goto fail;
	}
	free(shown);
	return db;
fail:
	free(shown);
	mr_sqlite_destroy(db);
	return NULL;
}

static struct mr_sqlite *create_at(const char *path, int flags, char **cause) {
	struct mr_sqlite *db = handle_create(path);
	char app_id[64];
	snprintf(app_id, sizeof(app_id), "PRAGMA application_id = %d", MR_SQLITE_APPLICATION_ID);
	if (sqlite3_open_v2(path != NULL ? path : ":memory:", &db->db, flags | ONE_THREAD_AT_A_TIME,
		    NULL) != SQLITE_OK) {
		mr_sqlite_fail(db, cause, "cannot create");
		mr_sqlite_destroy(db);
		return NULL;
	}
	if (!configure(db, cause) || !exec_sql(db, app_id, "cannot mark as mailroom's", cause) ||
		!mr_sqlite_migrate(db, 0, cause) ||
		(path != NULL && !exec_sql(db, "PRAGMA journal_mode = WAL", "cannot switch to WAL",
					 cause))) {
		mr_sqlite_destroy(db);
		return NULL;
	}
	db->unique_ids = true; /* the schema it was just given */
	return db;
}

struct mr_sqlite *mr_sqlite_create_file(const char *path, char **cause) {
	struct stat st;
	if (lstat(path, &st) == 0 || errno != ENOENT) {
		char *shown = mr_text_visible_dup(path);
		mr_fail(cause, "%s: %s", shown,
			errno == ENOENT || errno == 0 ? "already exists; not overwriting it"
						      : strerror(errno));
		free(shown);
		return NULL;
	}
	/* SQLITE_OPEN_EXCLUSIVE is not honoured by sqlite3_open_v2, so the file
	 * is created here with O_EXCL: a file that appeared since lstat() is
	 * left alone, not turned into a database. */
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		char *shown = mr_text_visible_dup(path);
		mr_fail(cause, "%s: %s", shown, strerror(errno));
		free(shown);
		return NULL;
	}
	close(fd);
	struct mr_sqlite *db = create_at(path, SQLITE_OPEN_READWRITE, cause);
	if (db == NULL) {
		unlink(path);
	}
	return db;
}

struct mr_sqlite *mr_sqlite_create_memory(char **cause) {
	return create_at(
		NULL, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_MEMORY, cause);
}

void mr_sqlite_adopt(struct mr_source *src, struct mr_sqlite *db) {
	src->data = db;
	src->caps = MR_CAP_CONTENT;
	if (db->read_only) {
		free(src->limits);
		src->limits = mr_xasprintf("read-only: %s", db->read_only_why);
	} else {
		src->caps |= MR_CAP_ALL_ACTIONS;
	}
}

void mr_sqlite_set_busy_timeout(struct mr_source *src, int milliseconds) {
	struct mr_sqlite *db = src->data;
	db->busy_timeout_ms = milliseconds;
	sqlite3_busy_timeout(db->db, milliseconds);
}

static int sqlite_probe(const char *arg) {
	int fd = open(arg, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		return 0;
	}
	char magic[sizeof(sqlite_magic)];
	ssize_t n = read(fd, magic, sizeof(magic));
	close(fd);
	if (n == (ssize_t)sizeof(magic) && memcmp(magic, sqlite_magic, sizeof(magic)) == 0) {
		return 2;
	}
	/* Any other existing file may still be meant as a database: opening
	 * it gives the precise reason it is not one. */
	return 1;
}

static bool sqlite_open(struct mr_source *src, const char *location,
	const struct mr_open_options *opts, char **cause) {
	(void)opts;
	if (*location == '\0') {
		return mr_fail(cause, "sqlite: needs a file name (sqlite:PATH)");
	}
	struct mr_sqlite *db = mr_sqlite_open_existing(location, cause);
	if (db == NULL) {
		return false;
	}
	mr_sqlite_adopt(src, db);
	char *shown = mr_text_visible_dup(location);
	src->label = mr_xasprintf("sqlite:%s", shown);
	free(shown);
	return true;
}

void mr_sqlite_close(struct mr_source *src) {
	mr_sqlite_destroy(src->data);
	src->data = NULL;
}

const struct mr_backend_ops mr_backend_sqlite = {
	.name = "sqlite",
	.usage = "sqlite:PATH",
	.summary = "a queue stored in an SQLite database (a bare PATH works too)",
	.probe = sqlite_probe,
	.open = sqlite_open,
	.close = mr_sqlite_close,
	.list = mr_sqlite_list,
	.summarise = mr_sqlite_summarise,
	.stream = mr_sqlite_stream,
	.act = mr_sqlite_act,
	.content = mr_sqlite_content,
};
