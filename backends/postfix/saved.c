/*
 * A saved `postqueue -j` listing as a read-only source, so that a dump taken
 * on another machine (postqueue -j > queue.jsonl) can be examined here:
 * postqueue-json:FILE, a bare FILE that starts with '{', or - for standard
 * input.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "handoff.h"
#include "postfix.h"
#include "postqueue.h"
#include "text.h"
#include "xalloc.h"

struct saved {
	char *path; /* NULL: standard input, read at open (but see stdin_unread) */
	struct mr_buf stdin_data;
	/* Standard input left to the one stream (mr_open_options'
	 * streamed_once), read as it is parsed rather than kept. */
	bool stdin_unread;
	bool stdin_gone; /* read so, and not kept */
};

static int saved_probe(const char *arg) {
	if (strcmp(arg, "-") == 0) {
		return 2;
	}
	int fd = open(arg, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		return 0;
	}
	char head[64];
	ssize_t n = read(fd, head, sizeof(head));
	close(fd);
	for (ssize_t i = 0; i < n; i++) {
		if (head[i] != ' ' && head[i] != '\n' && head[i] != '\t' && head[i] != '\r') {
			return head[i] == '{' ? 2 : 0;
		}
	}
	return 0;
}

/* Standard input can be read once: it is kept, to be listed as often as
 * asked. Its lines are measured as it comes, so an endless one is refused
 * at the reader's limit rather than kept until memory runs out. */
static bool read_stdin(struct mr_buf *out, char **cause) {
	struct mr_line_meter meter = { 0 };
	char chunk[65536];
	for (;;) {
		ssize_t n = read(STDIN_FILENO, chunk, sizeof(chunk));
		if (n == 0) {
			return true;
		}
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0) {
			return mr_fail(cause, "standard input: %s", strerror(errno));
		}
		if (!mr_line_meter_feed(&meter, chunk, (size_t)n, MR_POSTQUEUE_LINE_MAX,
			    "standard input", cause)) {
			return false;
		}
		mr_buf_add(out, chunk, (size_t)n);
	}
}

static bool saved_open(struct mr_source *src, const char *location,
	const struct mr_open_options *opts, char **cause) {
	if (*location == '\0') {
		return mr_fail(cause, "postqueue-json: needs a file name, or - for standard input");
	}
	struct saved *s = mr_xcalloc(1, sizeof(*s));
	mr_buf_init(&s->stdin_data);
	if (strcmp(location, "-") == 0) {
		s->stdin_unread = opts != NULL && opts->streamed_once;
		if (!s->stdin_unread && !read_stdin(&s->stdin_data, cause)) {
			mr_buf_finish(&s->stdin_data);
			free(s);
			return false;
		}
		src->label = mr_xstrdup("postqueue -j from standard input");
	} else {
		if (access(location, R_OK) != 0) {
			mr_buf_finish(&s->stdin_data);
			free(s);
			return mr_fail(cause, "%s: %s", location, strerror(errno));
		}
		s->path = mr_xstrdup(location);
		char *shown = mr_text_visible_dup(location);
		src->label = mr_xasprintf("postqueue-json:%s", shown);
		free(shown);
	}
	src->data = s;
	src->caps = 0;
	src->limits = mr_xstrdup("a saved postqueue -j listing: look, don't touch");
	return true;
}

static void saved_close(struct mr_source *src) {
	struct saved *s = src->data;
	if (s != NULL) {
		free(s->path);
		mr_buf_finish(&s->stdin_data);
		free(s);
	}
	src->data = NULL;
}

/*
 * A file (or standard input) is read on the calling thread and parsed on
 * the second core (handoff.h): copying a million-message listing out of
 * the page cache was a fifth of the parsing thread's time, and the two
 * overlap. The chunks are a fixed pool, small so that a streamed
 * listing's memory stays flat; a line cut between two is whole again in
 * the parser.
 */
enum { CHUNKS = 4, CHUNK_BYTES = 256 << 10 };

struct chunk {
	size_t len;
	char data[CHUNK_BYTES];
};

struct parsing {
	struct mr_postqueue_reader *reader;
	atomic_bool failed; /* the parser stopped: read no further */
};

static void parse_chunk(void *ctx, void *item) {
	struct parsing *p = ctx;
	struct chunk *c = item;
	if (!atomic_load(&p->failed) && !mr_postqueue_feed(p->reader, c->data, c->len)) {
		atomic_store(&p->failed, true);
	}
	c->len = 0;
}

/* Reads fd to its end into the parser; false with *cause when reading
 * fails (a parser's error is the reader's). */
static bool read_and_parse(
	struct mr_postqueue_reader *reader, int fd, const char *name, char **cause) {
	struct chunk *chunks = mr_xcalloc(CHUNKS, sizeof(*chunks));
	void *items[CHUNKS];
	for (size_t i = 0; i < CHUNKS; i++) {
		items[i] = &chunks[i];
	}
	struct parsing p = { .reader = reader };
	atomic_init(&p.failed, false);
	struct mr_handoff *h = mr_handoff_start(items, CHUNKS, parse_chunk, &p);
	bool ok = true;
	while (!atomic_load(&p.failed)) {
		struct chunk *c = mr_handoff_take(h);
		ssize_t n;
		do {
			n = read(fd, c->data, sizeof(c->data));
		} while (n < 0 && errno == EINTR);
		if (n <= 0) {
			ok = n == 0 || mr_fail(cause, "%s: %s", name, strerror(errno));
			mr_handoff_pass(h, c); /* empty: given straight back */
			break;
		}
		c->len = (size_t)n;
		mr_handoff_pass(h, c);
	}
	mr_handoff_finish(h);
	free(chunks);
	return ok && !atomic_load(&p.failed);
}

/* The listing into reader's snapshot, or in batches when it streams. */
static bool saved_read(
	struct mr_source *src, struct mr_stream *stream, struct mr_snapshot *snap, char **cause) {
	struct saved *s = src->data;
	struct mr_postqueue_reader reader;
	const char *name = s->path ? s->path : "standard input";
	mr_postqueue_reader_init(&reader, snap, name);
	if (stream != NULL) {
		mr_postqueue_reader_stream(&reader, stream);
	}
	bool ok = true;
	if (s->path == NULL && !s->stdin_unread) {
		ok = mr_postqueue_feed(&reader, s->stdin_data.data, s->stdin_data.len);
	} else {
		/* A file, or standard input read once: the reader refuses a line
		 * too long as read_stdin would. */
		int fd = s->path ? open(s->path, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
		if (fd < 0) {
			ok = mr_fail(cause, "%s: %s", s->path, strerror(errno));
		}
		if (s->path == NULL) {
			s->stdin_unread = false;
			s->stdin_gone = true;
		}
		if (fd >= 0) {
			ok = read_and_parse(&reader, fd, name, cause);
		}
		if (fd >= 0 && s->path != NULL) {
			close(fd);
		}
	}
	if (ok) {
		ok = mr_postqueue_end(&reader);
	}
	if (!ok && reader.error != NULL) {
		mr_fail(cause, "%s", reader.error);
	}
	mr_source_take_warnings(src, &reader.warnings, name);
	mr_postqueue_reader_finish(&reader);
	return ok;
}

static bool saved_list(struct mr_source *src, struct mr_snapshot *snap, char **cause) {
	struct saved *s = src->data;
	if (s->stdin_gone) {
		return mr_fail(cause, "standard input was read once already");
	}
	if (s->stdin_unread) { /* kept after all, to be listed as often as asked */
		if (!read_stdin(&s->stdin_data, cause)) {
			return false;
		}
		s->stdin_unread = false;
	}
	return saved_read(src, NULL, snap, cause);
}

/* The parser reads a line at a time already: batches are just cut. */
static bool saved_stream(struct mr_source *src, struct mr_stream *stream, char **cause) {
	struct saved *s = src->data;
	if (s->stdin_gone) {
		return mr_fail(cause, "standard input was read once already");
	}
	return saved_read(src, stream, NULL, cause);
}

const struct mr_backend_ops mr_backend_postqueue_json = {
	.name = "postqueue-json",
	.usage = "postqueue-json:FILE",
	.summary = "a saved postqueue -j listing, read-only (- reads standard input)",
	.probe = saved_probe,
	.open = saved_open,
	.close = saved_close,
	.list = saved_list,
	.stream = saved_stream,
};
