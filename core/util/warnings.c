#include "warnings.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "xalloc.h"

void mr_warnings_init(struct mr_warnings *w) {
	mr_buf_init(&w->text);
	w->n = 0;
}

void mr_warnings_finish(struct mr_warnings *w) {
	mr_buf_finish(&w->text);
}

void mr_warnings_add(struct mr_warnings *w, const char *fmt, ...) {
	if (w->n++ >= MR_WARNINGS_MAX) {
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	char *line = mr_xvasprintf(fmt, ap);
	va_end(ap);
	mr_text_visible(&w->text, line, strlen(line));
	mr_buf_add_char(&w->text, '\n');
	free(line);
}
