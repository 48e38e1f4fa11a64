#include "buf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xalloc.h"

void mr_buf_init(struct mr_buf *buf) {
	buf->cap = 64;
	buf->len = 0;
	buf->data = mr_xmalloc(buf->cap);
	buf->data[0] = '\0';
}

void mr_buf_finish(struct mr_buf *buf) {
	if (buf == NULL) {
		return;
	}
	free(buf->data);
	buf->data = NULL;
	buf->len = buf->cap = 0;
}

void mr_buf_clear(struct mr_buf *buf) {
	buf->len = 0;
	buf->data[0] = '\0';
}

void mr_buf_reserve(struct mr_buf *buf, size_t extra) {
	if (extra >= buf->cap - buf->len) {
		size_t want = buf->len + extra + 1;
		size_t cap = buf->cap;
		while (cap < want) {
			cap *= 2;
		}
		buf->data = mr_xrealloc(buf->data, cap);
		buf->cap = cap;
	}
}

void mr_buf_add_slow(struct mr_buf *buf, const void *data, size_t len) {
	mr_buf_reserve(buf, len);
	if (len == 0) {
		/* data may be NULL then (SQLite's empty blob): memcpy must not see it. */
		buf->data[buf->len] = '\0';
		return;
	}
	memcpy(buf->data + buf->len, data, len);
	buf->len += len;
	buf->data[buf->len] = '\0';
}

void mr_buf_add_u64(struct mr_buf *buf, uint64_t v) {
	char digits[20];
	size_t n = sizeof(digits);
	do {
		digits[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	mr_buf_add(buf, digits + n, sizeof(digits) - n);
}

void mr_buf_add_i64(struct mr_buf *buf, int64_t v) {
	if (v < 0) {
		mr_buf_add_char(buf, '-');
	}
	mr_buf_add_u64(buf, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v);
}

void mr_buf_printf(struct mr_buf *buf, const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	va_list copy;
	va_copy(copy, ap);
	int len = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (len > 0) {
		mr_buf_reserve(buf, (size_t)len);
		vsnprintf(buf->data + buf->len, (size_t)len + 1, fmt, ap);
		buf->len += (size_t)len;
	}
	va_end(ap);
}

char *mr_buf_steal(struct mr_buf *buf) {
	char *s = buf->data;
	buf->data = NULL;
	buf->len = buf->cap = 0;
	return s;
}

bool mr_buf_add_fd(struct mr_buf *buf, int fd, const char *name, char **cause) {
	char chunk[65536];
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n == 0) {
			return true;
		}
		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			return mr_fail(cause, "%s: %s", name, strerror(errno));
		}
		mr_buf_add(buf, chunk, (size_t)n);
	}
}

bool mr_buf_add_file(struct mr_buf *buf, const char *path, char **cause) {
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		return mr_fail(cause, "%s: %s", path, strerror(errno));
	}
	bool ok = mr_buf_add_fd(buf, fd, path, cause);
	close(fd);
	return ok;
}
