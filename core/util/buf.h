#ifndef MR_BUF_H
#define MR_BUF_H

/* A growable byte string, always NUL-terminated after init. */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct mr_buf {
	char *data;
	size_t len;
	size_t cap;
};

void mr_buf_init(struct mr_buf *buf);
void mr_buf_finish(struct mr_buf *buf);
void mr_buf_clear(struct mr_buf *buf);
void mr_buf_reserve(struct mr_buf *buf, size_t extra);
void mr_buf_add_slow(struct mr_buf *buf, const void *data, size_t len);

/* Appends len bytes. Inline where they fit: the writers of millions of
 * lines add a few bytes at a time, and a literal's length is then known
 * when compiling. */
static inline void mr_buf_add(struct mr_buf *buf, const void *data, size_t len) {
	if (len > 0 && len < buf->cap - buf->len) {
		memcpy(buf->data + buf->len, data, len);
		buf->len += len;
		buf->data[buf->len] = '\0';
	} else {
		mr_buf_add_slow(buf, data, len);
	}
}

static inline void mr_buf_add_str(struct mr_buf *buf, const char *s) {
	mr_buf_add(buf, s, strlen(s));
}

static inline void mr_buf_add_char(struct mr_buf *buf, char c) {
	mr_buf_add(buf, &c, 1);
}

/* A number in decimal, as printf's %" PRIu64 "/%" PRId64 " write it (without
 * a call to printf, which costs more than the digits for millions of them). */
void mr_buf_add_u64(struct mr_buf *buf, uint64_t v);
void mr_buf_add_i64(struct mr_buf *buf, int64_t v);
void mr_buf_printf(struct mr_buf *buf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), nonnull(2)));
/* Appends everything read from fd (name is for the message), or the whole
 * file at path; false with *cause naming it and why. */
bool mr_buf_add_fd(struct mr_buf *buf, int fd, const char *name, char **cause);
bool mr_buf_add_file(struct mr_buf *buf, const char *path, char **cause);
/* Hands the string to the caller; the buffer is then finished (init it to reuse). */
char *mr_buf_steal(struct mr_buf *buf);

#endif
