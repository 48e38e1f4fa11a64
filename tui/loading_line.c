/* The first listing's progress line (loading_line.h). */

#include "loading_line.h"

#include <stdlib.h>
#include <unistd.h>

#include "clock.h"
#include "format.h"
#include "text.h"

enum { FIRST_AFTER_MS = 250, EVERY_MS = 100 };

static void show(struct loading_line *line, const char *what) {
	/* \r and "erase to the end of the line": rewritten in place. */
	fprintf(line->out, "\rmailroom: %s\033[K", what);
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
	char count[MR_FORMAT_MAX], what[512];
	mr_format_count(count, messages);
	snprintf(what, sizeof(what), "reading %s: %s messages (%.1f s)", line->name, count,
		(now - line->started_ms) / 1000.0);
	show(line, what);
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
	char count[MR_FORMAT_MAX], what[512];
	mr_format_count(count, messages);
	snprintf(what, sizeof(what), "%s: %s messages read (%.1f s); preparing the screen",
		line->name, count, (mr_monotonic_ms() - line->started_ms) / 1000.0);
	show(line, what);
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
