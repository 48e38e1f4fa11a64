#ifndef MR_BACKEND_SQLITE_H
#define MR_BACKEND_SQLITE_H

/*
 * A queue stored in SQLite (schema: share/sqlite/schema-1.sql). Opening an
 * existing file never creates or changes anything unless the file is a
 * mailroom database this version understands; writing a new one is a
 * separate, explicit step (the generator and the demo use it).
 */

#include <stdbool.h>

#include "backend.h"
#include "buf.h"
#include "snapshot.h"

#define MR_SQLITE_APPLICATION_ID  0x4D52514D /* "MRQM" */
#define MR_SQLITE_SCHEMA_VERSION  1
#define MR_SQLITE_BUSY_TIMEOUT_MS 5000

extern const struct mr_backend_ops mr_backend_sqlite;

struct mr_sqlite;

/* A new database file at path, which must not exist yet. */
struct mr_sqlite *mr_sqlite_create_file(const char *path, char **cause);
/* A new database in memory (the demo). */
struct mr_sqlite *mr_sqlite_create_memory(char **cause);
void mr_sqlite_destroy(struct mr_sqlite *db);

/* Supplies a message's stored content while inserting; may leave both empty. */
typedef void mr_sqlite_content_fn(void *ctx, const struct mr_snapshot *snap,
	const struct mr_message *msg, struct mr_buf *headers, struct mr_buf *body);

/* Inserts every message of snap in one transaction. */
bool mr_sqlite_insert(struct mr_sqlite *db, const struct mr_snapshot *snap,
	mr_sqlite_content_fn *content, void *ctx, char **cause);

/* Makes src a source over db (which src then owns), as open would. */
void mr_sqlite_adopt(struct mr_source *src, struct mr_sqlite *db);

/* The backend's operations, for backends built on it (the demo). */
bool mr_sqlite_list(struct mr_source *src, struct mr_snapshot *snap, char **cause);
enum mr_summarise mr_sqlite_summarise(
	struct mr_source *src, struct mr_summary_facts *facts, char **cause);
bool mr_sqlite_stream(struct mr_source *src, struct mr_stream *stream, char **cause);
void mr_sqlite_act(struct mr_source *src, const struct mr_action_request *req,
	struct mr_action_report *report);
bool mr_sqlite_content(struct mr_source *src, const char *id, struct mr_buf *headers,
	struct mr_buf *body, char **cause);
void mr_sqlite_close(struct mr_source *src);

/* How long an action waits for another writer before it fails (retryable). */
void mr_sqlite_set_busy_timeout(struct mr_source *src, int milliseconds);

#endif
