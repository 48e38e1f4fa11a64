#ifndef MR_BACKEND_SQLITE_INTERNAL_H
#define MR_BACKEND_SQLITE_INTERNAL_H

/* Shared by the files of the SQLite backend only. */

#include <sqlite3.h>
#include <stdbool.h>

#include "sqlite.h"

struct mr_sqlite {
	sqlite3 *db;
	char *path; /* NULL in memory */
	bool read_only;
	char *read_only_why;
	int busy_timeout_ms;
	/* Whether the file's schema keeps queue ids unique (ours does; a file
	 * made by hand may not): otherwise the listing drops repeated ones. */
	bool unique_ids;
};

/* Opens an existing mailroom database after checking it is one. */
struct mr_sqlite *mr_sqlite_open_existing(const char *path, char **cause);

/* Brings a database (ours, writable) to the current schema. */
bool mr_sqlite_migrate(struct mr_sqlite *db, int from_version, char **cause);

/* "PATH: what" with SQLite's message for the handle's last error. */
bool mr_sqlite_fail(const struct mr_sqlite *db, char **cause, const char *what);
const char *mr_sqlite_name(const struct mr_sqlite *db);

/* Whether an SQLite result code describes a condition that can pass. */
bool mr_sqlite_transient(int rc);

#endif
