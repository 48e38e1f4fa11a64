/* The first listing's progress line (loading_line.h). */

#include "loading_line.h"

#include <stdlib.h>
#include <unistd.h>

#include "clock.h"
#include "format.h"
#include "text.h"

enum { FIRST_AFTER_MS = 250, EVERY_MS = 100 };

/* The line for messages read so far, or all of them (read) at time now. */
static void show(struct loading_line *line, size_t messages, double now, bool read) {
	char count[MR_FORMAT_MAX];
	mr_format_count(count, messages);
	double seconds = (now - line->started_ms) / 1000.0;
	/* \r and "erase to the end of the line": rewritten in place. */
	if (read) {
		fprintf(line->out,
			"\rmailroom: %s: %s messages read (%.1f s); preparing the screen\033[K",
			line->name, count, seconds);
	} else {
		fprintf(line->out, "\rmailroom: reading %s: %s messages (%.1f s)\033[K", line->name,
			count, seconds);
	}
	fflush(line->out);
	line->shown = true;
}

static void tell(void *ctx, size_t messages) {
	struct loading_line *line = ctx;
	double now = mr_monotonic_ms();
	if (now - line->started_ms < FIRST_AFTER_MS || now - line->shown_ms < EVERY_MS) {
		return;
	}
	line->shown_ms = now;
	show(line, messages, now, false);
}

void loading_line_start(struct loading_line *line, struct mr_source *src) {
	*line = (struct loading_line){ .started_ms = mr_monotonic_ms() };
	if (!isatty(STDERR_FILENO)) {
		return;
	}
	line->out = stderr;
	line->name = mr_text_visible_dup(src->name);
	src->progress = (struct mr_listing_progress){ .tell = tell, .ctx = line };
}

void loading_line_read(struct loading_line *line, struct mr_source *src, size_t messages) {
	src->progress = (struct mr_listing_progress){ 0 };
	if (!line->shown) {
		return;
	}
	show(line, messages, mr_monotonic_ms(), true);
}

void loading_line_finish(struct loading_line *line, struct mr_source *src) {
	src->progress = (struct mr_listing_progress){ 0 };
	if (line->shown) {
		fputs("\r\033[K", line->out);
		fflush(line->out);
	}
	free(line->name);
	*line = (struct loading_line){ 0 };
}
