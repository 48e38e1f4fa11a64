#ifndef MR_TUI_VIEWS_H
#define MR_TUI_VIEWS_H

/*
 * The screen's views, one line each: its name (also its keymap in the
 * configuration, "bind detail / search") and its operations (view.h), which
 * live in a file of its own. Adding a view is one file and one line here.
 */

#define MR_VIEWS(X)                                \
	X(LIST, "list", list_view_ops)             \
	X(DETAIL, "detail", detail_view_ops)       \
	X(CONTENT, "content", content_view_ops)    \
	X(SUMMARY, "summary", summary_view_ops)    \
	X(CODES, "codes", codes_view_ops)          \
	X(HELP, "help", help_view_ops)             \
	X(OUTCOMES, "outcomes", outcomes_view_ops) \
	X(SOURCES, "sources", sources_view_ops)

#endif
