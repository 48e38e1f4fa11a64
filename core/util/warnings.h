#ifndef MR_WARNINGS_H
#define MR_WARNINGS_H

/*
 * What a listing repaired or left out, a line each ("q.db: message A1:
 * sender is NULL (taken as the null sender)"), gathered while it reads and
 * handed to its source (mr_source_take_warnings in backend.h). A damaged
 * queue can have a bad row in every message: past MR_WARNINGS_MAX lines
 * they are only counted, and one more line says how many were not shown.
 */

#include <stddef.h>

#include "buf.h"

enum { MR_WARNINGS_MAX = 100 };

struct mr_warnings {
	struct mr_buf text; /* the lines kept, each ending in '\n' */
	size_t n;           /* every warning, kept or not */
};

void mr_warnings_init(struct mr_warnings *w);
void mr_warnings_finish(struct mr_warnings *w);
/* Adds one line, made visible (it may quote the queue's text). */
void mr_warnings_add(struct mr_warnings *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
