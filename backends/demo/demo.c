/*
 * The demo queue: generated stuck mail in an in-memory SQLite queue, so a
 * new user sees mailroom work in one command, and every action can be tried
 * without touching a file or a mail server. It is the SQLite backend in all
 * but opening.
 */

#include "demo.h"

#include <errno.h>
#include <stdlib.h>

#include "clock.h"
#include "generate.h"
#include "sqlite.h"
#include "xalloc.h"

static void demo_content(void *ctx, const struct mr_snapshot *snap, const struct mr_message *msg,
	struct mr_buf *headers, struct mr_buf *body) {
	mr_gen_content(ctx, snap, msg, headers, body);
}

static bool parse_count(const char *location, size_t *count, char **cause) {
	if (*location == '\0') {
		*count = MR_DEMO_MESSAGES;
		return true;
	}
	char *end;
	errno = 0;
	unsigned long long n = strtoull(location, &end, 10);
	if (errno != 0 || *end != '\0' || *location < '0' || *location > '9' || n == 0 ||
		n > MR_DEMO_MAX_MESSAGES) {
		return mr_fail(cause, "demo:%s: expected a message count from 1 to %d", location,
			MR_DEMO_MAX_MESSAGES);
	}
	*count = (size_t)n;
	return true;
}

static bool demo_open(struct mr_source *src, const char *location,
	const struct mr_open_options *opts, char **cause) {
	(void)opts;
	size_t count = 0;
	if (!parse_count(location, &count, cause)) {
		return false;
	}
	struct mr_gen_options options = { .seed = MR_DEMO_SEED, .now = mr_now() };
	struct mr_gen *gen = mr_gen_create(&options, cause);
	if (gen == NULL) {
		return false;
	}
	struct mr_sqlite *db = mr_sqlite_create_memory(cause);
	struct mr_snapshot *snap = mr_snapshot_create();
	bool ok = db != NULL;
	/* In batches, so a large demo never holds two full copies. */
	for (size_t done = 0; ok && done < count; done += 10000) {
		mr_snapshot_clear(snap);
		mr_gen_fill(gen, snap, count - done < 10000 ? count - done : 10000);
		ok = mr_sqlite_insert(db, snap, demo_content, gen, cause);
	}
	mr_snapshot_destroy(snap);
	mr_gen_destroy(gen);
	if (!ok) {
		mr_sqlite_destroy(db);
		return false;
	}
	mr_sqlite_adopt(src, db);
	src->label = mr_xstrdup("demo");
	return true;
}

const struct mr_backend_ops mr_backend_demo = {
	.name = "demo",
	.usage = "demo:",
	.summary = "a generated demo queue in memory (--demo); demo:N for N messages",
	.open = demo_open,
	.close = mr_sqlite_close,
	.list = mr_sqlite_list,
	.stream = mr_sqlite_stream,
	.act = mr_sqlite_act,
	.content = mr_sqlite_content,
};
