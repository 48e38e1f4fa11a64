#ifndef MR_TUI_CONFIG_H
#define MR_TUI_CONFIG_H

/*
 * The screen's keys, colours and settings: share/config, built into the
 * binary, then $XDG_CONFIG_HOME/mailroom/config, whose lines change or add
 * to it. Lines: "bind KEYMAP KEY REQUEST", "color STYLE FG BG [ATTR...]",
 * "mono STYLE [ATTR...]", "set NAME VALUE", "host PATTERNS sudo WHEN",
 * "# comment" (share/config says
 * more). Bindings go to keys.c, styles to draw.c.
 */

#include <stdbool.h>
#include <stddef.h>

#include "postfix.h"

enum { CONFIG_REFRESH_MAX = 86400 };

struct config {
	int refresh; /* seconds between automatic listings; 0: none */
	bool mouse;
	/* "set confirm all": every action asks first; "destructive": only
	 * those that cannot be undone (and those on many messages). */
	bool confirm_all;
	bool keybar; /* "set keybar yes": the line of keys at the bottom */
	/* --no-audit: act when actions.log cannot be written (not a setting
	 * of the file: a record kept is the rule, its absence a decision). */
	bool no_audit;
	/* "host PATTERNS sudo auto|always|never", in order (the strings are
	 * the config's). */
	struct mr_remote_rule *hosts;
	size_t n_hosts;
};

/* Reads the built-in file and the operator's; false with *cause
 * "FILE:LINE: what is wrong" at the first bad line. Free it with
 * config_finish (also after false). */
bool config_load(struct config *config, char **cause);
void config_finish(struct config *config);

/* A refresh interval: whole decimal seconds from 0 to CONFIG_REFRESH_MAX,
 * as "set refresh" and ":refresh" take it; false when text is not one. */
bool config_parse_seconds(const char *text, int *seconds);

/* One configuration text named file (for messages) on top of what is set. */
bool config_read(
	struct config *config, const char *file, const char *text, size_t len, char **cause);

#endif
