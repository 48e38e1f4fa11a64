#ifndef MR_BUF_H
#define MR_BUF_H

/* A growable byte string, always NUL-terminated after init. */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct mr_buf {
	char *data;
	size_t len;
	size_t cap;
};

void mr_buf_init(struct mr_buf *buf);
void mr_buf_finish(struct mr_buf *buf);
void mr_buf_clear(struct mr_buf *buf);
void mr_buf_reserve(struct mr_buf *buf, size_t extra);
void mr_buf_add(struct mr_buf *buf, const void *data, size_t len);
void mr_buf_add_str(struct mr_buf *buf, const char *s);
void mr_buf_add_char(struct mr_buf *buf, char c);
void mr_buf_printf(struct mr_buf *buf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), nonnull(2)));
/* Appends everything read from fd (name is for the message), or the whole
 * file at path; false with *cause naming it and why. */
bool mr_buf_add_fd(struct mr_buf *buf, int fd, const char *name, char **cause);
bool mr_buf_add_file(struct mr_buf *buf, const char *path, char **cause);
/* Hands the string to the caller; the buffer is then finished (init it to reuse). */
char *mr_buf_steal(struct mr_buf *buf);

#endif
