/* What every view shares (view.h), and the table of views (views.h). */

#include <stddef.h>

#include "view.h"

const struct view_ops *const view_table[] = {
#define X(name, text, ops) &ops,
	MR_VIEWS(X)
#undef X
		NULL
};

const char *const view_table_names[] = {
#define X(name, text, ops) text,
	MR_VIEWS(X)
#undef X
		NULL
};

const enum request view_global_requests[] = { REQ_BACK, REQ_CLOSE, REQ_COMMAND, REQ_SUMMARY,
	REQ_CODES, REQ_SOURCES, REQ_OUTCOMES, REQ_REFRESH, REQ_REDRAW, REQ_HELP, REQ_QUIT,
	REQ_NONE };

bool view_answers(const struct view *v, enum request req) {
	for (const enum request *r = v->ops->requests; *r != REQ_NONE; r++) {
		if (*r == req) {
			return true;
		}
	}
	return false;
}

const char *view_name(const struct view *v) {
	return keymap_name(v->keymap);
}
