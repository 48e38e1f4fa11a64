/* The bottom-line prompt: libedit's editing, curses' drawing and keys. */

#include "prompt.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <histedit.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

#include "buf.h"
#include "clock.h"
#include "draw.h"
#include "statefile.h"
#include "text.h"
#include "xalloc.h"

#define CTRL(c) ((c)&0x1f)

void (*prompt_key_timer)(double ms);

/* Up to this many words are offered by Tab at once. */
enum { MAX_WORDS = 64 };

/* The sequence the Delete key is turned into, bound to deleting forward. */
static const char delete_sequence[] = "\033[3~";

struct prompt {
	EditLine *el;
	History *histories[PROMPT_KINDS]; /* by kind, as in prompt_kinds */
	FILE *null;
	char *history_path;

	/* While a line is read: */
	bool reading, cancelled;
	char kind;
	const struct prompt_hooks *hooks;
	char *seen; /* the line as the last note was made for */
	struct mr_buf note;
	bool note_error;
	const char *pending; /* the rest of a key's sequence for libedit */
	double key_at;       /* when the last key was read (for the timer) */
	/* Ctrl-R: what is looked for, the line it last put in place, and how
	 * many matches back that one is. */
	char *wanted, *recalled;
	size_t recalled_back;
};

double prompt_last_key_at(const struct prompt *p) {
	return p->key_at;
}

/* '/' a filter, ':' a command, '?' a search of the codes, 's' a search
 * of a text. */
static const char prompt_kinds[PROMPT_KINDS + 1] = "/:?s";

/* What the line starts with on the screen: a text search shows '/', as in
 * less and vi. */
static char shown_kind(char kind) {
	return kind == 's' ? '/' : kind;
}

static History *history_of(const struct prompt *p, char kind) {
	const char *at = strchr(prompt_kinds, kind);
	return p->histories[at != NULL && kind != '\0' ? at - prompt_kinds : 0];
}

/* --- history file ------------------------------------------------------------- */

static void load_history(struct prompt *p) {
	if (p->history_path == NULL) {
		return;
	}
	FILE *f = fopen(p->history_path, "r");
	if (f == NULL) {
		return;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	HistEvent ev;
	while ((len = getline(&line, &cap, f)) > 0) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] != '\0' && strchr(prompt_kinds, line[0]) != NULL && line[1] != '\0') {
			history(history_of(p, line[0]), &ev, H_ENTER, line + 1);
		}
	}
	free(line);
	fclose(f);
}

/* Oldest first, so that loading enters them in the same order. */
static void write_kind(FILE *f, History *h, char kind) {
	HistEvent ev;
	if (history(h, &ev, H_LAST) != 0) {
		return;
	}
	do {
		fprintf(f, "%c%s\n", kind, ev.str);
	} while (history(h, &ev, H_PREV) == 0);
}

static bool save_history(struct prompt *p, char **cause) {
	if (p->history_path == NULL) {
		return true;
	}
	/* Written aside and renamed: a full disk never leaves half a file.
	 * What an operator typed is theirs alone (0600), and a link put in the
	 * way is not followed. */
	char *tmp = mr_xasprintf("%s.%ld", p->history_path, (long)getpid());
	int fd = mr_state_open(tmp, O_EXCL, cause);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (f == NULL && fd >= 0) {
		close(fd);
	}
	bool ok = f != NULL;
	if (ok) {
		for (size_t i = 0; i < PROMPT_KINDS; i++) {
			write_kind(f, p->histories[i], prompt_kinds[i]);
		}
		ok = fflush(f) == 0 && !ferror(f);
		ok = fclose(f) == 0 && ok;
		if (!ok) {
			mr_fail(cause, "%s: %s", p->history_path, strerror(errno));
		}
		ok = ok && mr_state_rename(tmp, p->history_path, cause);
	}
	if (!ok && fd >= 0) {
		unlink(tmp);
	}
	free(tmp);
	return ok;
}

/* --- drawing ------------------------------------------------------------------ */

bool prompt_draw(const struct prompt *p) {
	if (p == NULL || !p->reading) {
		return false;
	}
	const LineInfo *li = el_line(p->el);
	size_t len = (size_t)(li->lastchar - li->buffer);
	size_t cursor = (size_t)(li->cursor - li->buffer);
	int y = LINES - 1;
	if (p->note.len > 0) {
		draw_fill(stdscr, y - 1, 0, COLS, p->note_error ? STYLE_PERMANENT : STYLE_DIM,
			A_REVERSE);
		draw_text(stdscr, y - 1, 1, COLS - 1, p->note.data, p->note.len,
			p->note_error ? STYLE_PERMANENT : STYLE_DIM, A_REVERSE);
	}
	draw_fill(stdscr, y, 0, COLS, STYLE_NORMAL, A_NORMAL);
	mvaddch(y, 0, (chtype)shown_kind(p->kind));
	/* A line wider than the screen shows the part around the cursor. */
	size_t start = 0;
	while (start < cursor && text_width(li->buffer + start, cursor - start) > COLS - 2) {
		struct mr_glyph g;
		mr_glyph_next(li->buffer, len, &start, &g);
	}
	draw_text(stdscr, y, 1, COLS - 1, li->buffer + start, len - start, STYLE_NORMAL, A_NORMAL);
	move(y, 1 + text_width(li->buffer + start, cursor - start));
	return true;
}

/* The note for the line as it is now (the hook is asked once per change). */
static void update_note(struct prompt *p) {
	const LineInfo *li = el_line(p->el);
	size_t len = (size_t)(li->lastchar - li->buffer);
	if (p->seen != NULL && strlen(p->seen) == len && memcmp(p->seen, li->buffer, len) == 0) {
		return;
	}
	free(p->seen);
	p->seen = mr_xstrndup(li->buffer, len);
	mr_buf_clear(&p->note);
	p->note_error = false;
	if (p->hooks->edited != NULL) {
		const char *note =
			p->hooks->edited(p->hooks->ctx, p->kind, p->seen, &p->note_error);
		if (note != NULL) {
			mr_buf_add_str(&p->note, note);
		}
	}
}

/* --- keys --------------------------------------------------------------------- */

/* A curses key as libedit's emacs map knows it. */
static const char *translate(int key) {
	switch (key) {
	case KEY_LEFT:
		return "\002"; /* ^B */
	case KEY_RIGHT:
		return "\006"; /* ^F */
	case KEY_UP:
		return "\020"; /* ^P: the previous entry */
	case KEY_DOWN:
		return "\016"; /* ^N */
	case KEY_HOME:
		return "\001"; /* ^A */
	case KEY_END:
		return "\005"; /* ^E */
	case KEY_BACKSPACE:
		return "\010"; /* ^H */
	case KEY_DC:
		return delete_sequence;
	case KEY_ENTER:
		return "\n";
	default:
		return NULL; /* ignored */
	}
}

/* After get_wch gave no key: whether the terminal is gone (input that is
 * readable but gives no key) rather than the wait over. */
static bool terminal_gone(void) {
	struct pollfd input = { .fd = STDIN_FILENO, .events = POLLIN };
	if (poll(&input, 1, 0) <= 0) {
		return false;
	}
	nodelay(stdscr, TRUE);
	wint_t ch;
	int got = get_wch(&ch);
	nodelay(stdscr, FALSE);
	if (got == ERR) {
		return true;
	}
	unget_wch(ch); /* a key came between the wait and the poll */
	return false;
}

/* libedit's character reader: draw, then wait for a key. */
static int read_key(EditLine *el, wchar_t *out) {
	struct prompt *p;
	el_get(el, EL_CLIENTDATA, &p);
	if (p->pending != NULL && *p->pending != '\0') {
		*out = (wchar_t)(unsigned char)*p->pending++;
		return 1;
	}
	/* libedit set the terminal's modes for its own drawing, which it
	 * does not do here; curses draws with its own (output newlines
	 * untranslated), so they are put back before every draw. */
	reset_prog_mode();
	update_note(p);
	p->hooks->draw(p->hooks->ctx);
	if (prompt_key_timer != NULL && p->key_at > 0) {
		prompt_key_timer(mr_monotonic_ms() - p->key_at);
	}
	for (;;) {
		wint_t ch;
		errno = 0;
		timeout(p->hooks->wait != NULL ? p->hooks->wait(p->hooks->ctx) : -1);
		int got = get_wch(&ch);
		p->key_at = mr_monotonic_ms();
		if (got == ERR) {
			if (errno == EINTR) {
				if (p->hooks->interrupted != NULL &&
					p->hooks->interrupted(p->hooks->ctx)) {
					p->cancelled = true;
					return 0;
				}
				continue;
			}
			if (!terminal_gone()) {
				/* No key in time: what is due behind the line (a
				 * listing), then the line again as it was, its
				 * note made for what the screen shows now. */
				if (p->hooks->idle != NULL) {
					p->hooks->idle(p->hooks->ctx);
				}
				free(p->seen);
				p->seen = NULL;
				reset_prog_mode();
				update_note(p);
				p->hooks->draw(p->hooks->ctx);
				continue;
			}
			p->cancelled = true; /* the terminal is gone */
			return 0;
		}
		if (got == KEY_CODE_YES) {
			if (ch == KEY_RESIZE) {
				p->hooks->draw(p->hooks->ctx);
				continue;
			}
			const char *seq = translate((int)ch);
			if (seq == NULL) {
				continue;
			}
			p->pending = seq + 1;
			*out = (wchar_t)(unsigned char)seq[0];
			return 1;
		}
		if (ch == 27 || ch == CTRL('g') || ch == CTRL('c')) {
			p->cancelled = true;
			return 0;
		}
		*out = ch == '\r' ? L'\n' : (wchar_t)ch;
		return 1;
	}
}

/* Tab: the longest text every offered word starts with; the words in the
 * note when there are several. */
static unsigned char complete_word(EditLine *el, int ch) {
	(void)ch;
	struct prompt *p;
	el_get(el, EL_CLIENTDATA, &p);
	if (p->hooks->complete == NULL) {
		return CC_ERROR;
	}
	const LineInfo *li = el_line(el);
	size_t cursor = (size_t)(li->cursor - li->buffer);
	char *line = mr_xstrndup(li->buffer, (size_t)(li->lastchar - li->buffer));
	size_t start = cursor;
	while (start > 0 && strchr(" ()", line[start - 1]) == NULL) {
		start--;
	}
	if (start < cursor && line[start] == '-') {
		start++; /* -cat:... negates cat:... */
	}
	const char *words[MAX_WORDS];
	size_t n =
		p->hooks->complete(p->hooks->ctx, p->kind, line, start, cursor, words, MAX_WORDS);
	size_t typed = cursor - start;
	unsigned char result = CC_REFRESH;
	if (n == 0) {
		result = CC_REFRESH_BEEP;
	} else {
		size_t common = strlen(words[0]);
		for (size_t i = 1; i < n; i++) {
			size_t j = 0;
			while (j < common && words[i][j] == words[0][j]) {
				j++;
			}
			common = j;
		}
		if (common > typed) {
			char *add = mr_xstrndup(words[0] + typed, common - typed);
			el_insertstr(el, add);
			free(add);
		}
		if (n == 1 && words[0][common - 1] != ':') {
			el_insertstr(el, " ");
		}
		if (n > 1) {
			/* The note names the choices until the next change. */
			free(p->seen);
			const LineInfo *now = el_line(el);
			p->seen = mr_xstrndup(now->buffer, (size_t)(now->lastchar - now->buffer));
			mr_buf_clear(&p->note);
			p->note_error = false;
			for (size_t i = 0; i < n; i++) {
				mr_buf_printf(&p->note, "%s%s", i ? "  " : "", words[i]);
			}
		}
	}
	free(line);
	return result;
}

/* The line's whole text replaced by text. */
static void replace_line(EditLine *el, const char *text) {
	const LineInfo *li = el_line(el);
	el_cursor(el, (int)(li->lastchar - li->cursor));
	li = el_line(el);
	el_deletestr(el, (int)(li->cursor - li->buffer));
	el_insertstr(el, text);
}

/* Ctrl-R: the latest line of this kind's history that holds what was typed
 * when the search began; Ctrl-R again, the one before it. The note says
 * what is looked for. */
static unsigned char recall(EditLine *el, int ch) {
	(void)ch;
	struct prompt *p;
	el_get(el, EL_CLIENTDATA, &p);
	const LineInfo *li = el_line(el);
	char *line = mr_xstrndup(li->buffer, (size_t)(li->lastchar - li->buffer));
	if (p->recalled == NULL || strcmp(line, p->recalled) != 0) {
		free(p->wanted); /* a new search, for what is typed */
		p->wanted = line;
		p->recalled_back = 0;
	} else {
		free(line);
		p->recalled_back++;
	}
	History *h = history_of(p, p->kind);
	HistEvent ev;
	const char *found = NULL;
	size_t seen = 0;
	for (int r = history(h, &ev, H_FIRST); r == 0; r = history(h, &ev, H_NEXT)) {
		if (strstr(ev.str, p->wanted) != NULL && seen++ == p->recalled_back) {
			found = ev.str;
			break;
		}
	}
	if (found != NULL) {
		char *copy = mr_xstrdup(found);
		replace_line(el, copy);
		free(p->recalled);
		p->recalled = copy;
	}
	/* The note for the line now (the list follows a filter recalled as it
	 * follows one typed), after what Ctrl-R found; it stays until the line
	 * changes. */
	free(p->seen);
	p->seen = NULL;
	update_note(p);
	char *said = found != NULL ? mr_xasprintf("Ctrl-R: an earlier line with \"%s\"", p->wanted)
				   : mr_xasprintf("Ctrl-R: no %searlier line has \"%s\"",
					     p->recalled_back > 0 ? "more " : "", p->wanted);
	if (found == NULL && p->recalled_back > 0) {
		p->recalled_back--;
	}
	char *rest = p->note.len > 0 ? mr_xstrdup(p->note.data) : NULL;
	mr_buf_clear(&p->note);
	mr_buf_printf(&p->note, "%s%s%s", said, rest ? "; " : "", rest ? rest : "");
	p->note_error = p->note_error || found == NULL;
	free(said);
	free(rest);
	return found != NULL ? CC_REFRESH : CC_REFRESH_BEEP;
}

/* --- the prompt ------------------------------------------------------------------ */

struct prompt *prompt_open(void) {
	struct prompt *p = mr_xcalloc(1, sizeof(*p));
	mr_buf_init(&p->note);
	p->null = fopen("/dev/null", "w");
	if (p->null == NULL) {
		mr_fatal("/dev/null: %s", strerror(errno));
	}
	/* Output to /dev/null, but the terminal's descriptor for its modes:
	 * with a descriptor that is not a terminal libedit does not edit. */
	p->el = el_init_fd(
		"mailroom", stdin, p->null, p->null, STDIN_FILENO, STDOUT_FILENO, fileno(p->null));
	if (p->el == NULL) {
		mr_fatal("cannot set up line editing");
	}
	reset_prog_mode(); /* libedit set the terminal back to line mode */
	el_set(p->el, EL_CLIENTDATA, p);
	el_set(p->el, EL_EDITOR, "emacs");
	el_set(p->el, EL_GETCFN, read_key);
	el_set(p->el, EL_ADDFN, "mailroom-complete", "complete a word", complete_word);
	el_set(p->el, EL_BIND, "^I", "mailroom-complete", NULL);
	/* libedit's own ^R search draws on the terminal behind curses' back. */
	el_set(p->el, EL_ADDFN, "mailroom-recall", "find an earlier line", recall);
	el_set(p->el, EL_BIND, "^R", "mailroom-recall", NULL);
	el_set(p->el, EL_BIND, delete_sequence, "ed-delete-next-char", NULL);
	HistEvent ev;
	for (size_t i = 0; i < PROMPT_KINDS; i++) {
		p->histories[i] = history_init();
		history(p->histories[i], &ev, H_SETSIZE, PROMPT_HISTORY);
		history(p->histories[i], &ev, H_SETUNIQUE, 1);
	}
	p->history_path = mr_state_path("history");
	load_history(p);
	return p;
}

bool prompt_close(struct prompt *p, char **cause) {
	if (p == NULL) {
		return true;
	}
	bool ok = save_history(p, cause);
	el_end(p->el);
	for (size_t i = 0; i < PROMPT_KINDS; i++) {
		history_end(p->histories[i]);
	}
	fclose(p->null);
	free(p->history_path);
	free(p->seen);
	free(p->wanted);
	free(p->recalled);
	mr_buf_finish(&p->note);
	free(p);
	return ok;
}

char *prompt_read(
	struct prompt *p, char kind, const char *initial, const struct prompt_hooks *hooks) {
	p->kind = kind;
	p->hooks = hooks;
	p->reading = true;
	p->cancelled = false;
	p->pending = NULL;
	p->key_at = 0;
	free(p->seen);
	p->seen = NULL;
	free(p->recalled);
	p->recalled = NULL;
	el_set(p->el, EL_HIST, history, history_of(p, kind));
	if (initial != NULL && *initial != '\0') {
		el_push(p->el, initial);
	}
	curs_set(1);
	int count = 0;
	const char *got = el_gets(p->el, &count);
	reset_prog_mode(); /* libedit restored the modes it found before curses' */
	curs_set(0);
	p->reading = false;
	char *line = NULL;
	if (!p->cancelled && got != NULL) {
		size_t len = strcspn(got, "\n");
		while (len > 0 && got[len - 1] == ' ') {
			len--; /* left by completion */
		}
		line = mr_xstrndup(got, len);
		if (line[0] != '\0') {
			HistEvent ev;
			history(history_of(p, kind), &ev, H_ENTER, line);
		}
	}
	el_reset(p->el);
	mr_buf_clear(&p->note);
	return line;
}
