#ifndef MR_LOADING_LINE_H
#define MR_LOADING_LINE_H

/*
 * The line that shows how far the first listing has come, before the
 * screen starts: reading a million-message queue takes seconds, and a
 * terminal left as it was for that long looks hung. It goes to standard
 * error when that is a terminal, rewritten in place at most ten times a
 * second, and only once a listing has taken a quarter of a second: a small
 * queue starts the screen with no line at all.
 *
 *   mailroom: reading postqueue-json:q.jsonl: 412,000 messages (1.2 s)
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "backend.h"

struct loading_line {
	FILE *out;  /* NULL: nothing is shown */
	char *name; /* the source's name, control characters made visible */
	double started_ms, shown_ms;
	bool shown;
};

/* Sets src->progress to the line (when standard error is a terminal). */
void loading_line_start(struct loading_line *line, struct mr_source *src);
/* The listing is read: says what comes next if the line is showing, and
 * takes the line off src. */
void loading_line_read(struct loading_line *line, struct mr_source *src, size_t messages);
/* Takes the line off src and erases it, if shown (before an error message
 * or the screen). */
void loading_line_finish(struct loading_line *line, struct mr_source *src);

#endif
