/*
 * Where Postfix's mail log is read from, and its end read as syslog lines,
 * oldest first, whatever it is kept in:
 *
 *   - a file: maillog_file, /var/log/mail.log or /var/log/maillog. When its
 *     end is shorter than MAILLOG_TAIL (just after a rotation), the rotated
 *     files before it are read too, newest first, as logrotate names them:
 *     FILE.1 (or FILE.1.gz), FILE.2.gz, ... until the tail is full or one
 *     is missing. A .gz is read by `gzip -dc -- FILE` through the transport
 *     (an argv, no shell), keeping only the end; zlib would save a process
 *     per rotated file, read at most a few times a listing.
 *   - journald: `journalctl -o json` limited to the last entries of
 *     Postfix's programs (journal.c turns each into the line a file would
 *     hold, so the same reader reads both).
 *
 * Over SSH the same, run on the remote host: `tail -c N -- FILE` and
 * `gzip -dc -- FILE.2.gz` (through sudo -n when the login is refused and
 * the tools run through sudo), `journalctl ...`: one command each, its
 * output read. Locally a file is read with pread.
 *
 * Unless the operator named one (--log), the log is found on first use:
 * postconf's maillog_file, then the system's files, then the journal. A
 * log found this way that later cannot be read is looked for again at the
 * next listing; what was tried is said when nothing could be read.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "xalloc.h"

/* logrotate's default keeps 4 (Debian's rsyslog: weekly, 4). */
enum { ROTATED_MAX = 9 };

/* The journal's last entries of Postfix's programs: about MAILLOG_TAIL of
 * lines, and a bounded output (each entry is some 300 bytes of JSON more). */
enum { JOURNAL_ENTRIES = 65536 };

static const int COMMAND_TIMEOUT_MS = 60 * 1000;

/* A piece of the log: one file's end. */
struct piece {
	struct mr_buf text;
	bool whole; /* from the file's beginning */
};

/* Output kept to its last want bytes as it arrives. */
struct window {
	struct mr_buf *buf;
	size_t want;
	bool dropped;
};

static bool keep_end(void *ctx, const char *data, size_t len) {
	struct window *w = ctx;
	mr_buf_add(w->buf, data, len);
	if (w->buf->len > 2 * w->want) {
		memmove(w->buf->data, w->buf->data + w->buf->len - w->want, w->want);
		w->buf->len = w->want;
		w->buf->data[w->buf->len] = '\0';
		w->dropped = true;
	}
	return true;
}

static void cut_to(struct window *w) {
	if (w->buf->len > w->want) {
		memmove(w->buf->data, w->buf->data + w->buf->len - w->want, w->want);
		w->buf->len = w->want;
		w->buf->data[w->buf->len] = '\0';
		w->dropped = true;
	}
}

/* Runs argv (behind sudo -n when sudo) with its output kept to the last
 * want bytes of out; false with *why (the program's own words). */
static bool run_kept(struct pf *pf, const char *const *argv, bool sudo, size_t want,
	struct mr_buf *out, bool *whole, char **why) {
	const char *with_sudo[16] = { "sudo", "-n" };
	size_t n = 2;
	for (size_t i = 0; argv[i] != NULL && n < 15; i++) {
		with_sudo[n++] = argv[i];
	}
	with_sudo[n] = NULL;
	struct window w = { out, want, false };
	mr_buf_clear(out);
	struct mr_command cmd = {
		.argv = sudo ? with_sudo : argv,
		.on_output = keep_end,
		.ctx = &w,
		.timeout_ms = COMMAND_TIMEOUT_MS,
	};
	struct mr_command_result res;
	char *cause = NULL;
	if (!mr_transport_run(pf->transport, &cmd, &res, &cause)) {
		free(*why);
		*why = cause;
		return false;
	}
	bool ok = res.exit_status == 0 && !res.timed_out;
	if (!ok) {
		char *line = mr_command_error_line(&res, NULL);
		free(*why);
		*why = res.timed_out   ? mr_xasprintf("%s did not finish in time", argv[0])
		       : *line != '\0' ? mr_xstrdup(line)
				       : mr_xasprintf("%s failed (exit status %d)", argv[0],
						 res.exit_status);
		free(line);
	}
	mr_command_result_finish(&res);
	cut_to(&w);
	*whole = !w.dropped;
	return ok;
}

/* A refusal that sudo -n may get past. */
static bool refused(const char *why) {
	return why != NULL && strstr(why, "Permission denied") != NULL;
}

/* argv, and again through sudo -n when it was refused and the source runs
 * its tools that way (remembered: the next reads go through sudo first). */
static bool run_remote(struct pf *pf, const char *const *argv, size_t want, struct mr_buf *out,
	bool *whole, char **why) {
	if (run_kept(pf, argv, pf->log_sudo, want, out, whole, why)) {
		return true;
	}
	if (!pf->sudo || pf->log_sudo || !refused(*why)) {
		return false;
	}
	char *plain = *why;
	*why = NULL;
	if (run_kept(pf, argv, true, want, out, whole, why)) {
		pf->log_sudo = true;
		free(plain);
		return true;
	}
	char *both = mr_xasprintf("%s, and sudo -n refused it: %s", plain, *why);
	free(plain);
	free(*why);
	*why = both;
	return false;
}

/* The last want bytes of a plain file. */
static bool file_end(struct pf *pf, const char *path, size_t want, struct piece *p, char **why) {
	if (pf->remote) {
		char count[32];
		snprintf(count, sizeof(count), "%zu", want);
		const char *argv[] = { "tail", "-c", count, "--", path, NULL };
		bool ok = run_remote(pf, argv, want, &p->text, &p->whole, why);
		p->whole = ok && p->text.len < want;
		return ok;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	const char *problem = fd < 0 || fstat(fd, &sb) != 0 ? strerror(errno)
			      : !S_ISREG(sb.st_mode)        ? "not a file"
							    : NULL;
	if (problem != NULL) {
		free(*why);
		*why = mr_xstrdup(problem);
		if (fd >= 0) {
			close(fd);
		}
		return false;
	}
	off_t from = sb.st_size > (off_t)want ? sb.st_size - (off_t)want : 0;
	size_t len = (size_t)(sb.st_size - from);
	mr_buf_clear(&p->text);
	mr_buf_reserve(&p->text, len + 1);
	ssize_t got = len > 0 ? pread(fd, p->text.data, len, from) : 0;
	int error = errno;
	close(fd);
	if (got < 0) {
		free(*why);
		*why = mr_xstrdup(strerror(error));
		return false;
	}
	p->text.len = (size_t)got;
	p->text.data[p->text.len] = '\0';
	p->whole = from == 0;
	return true;
}

/* The last want bytes of a gzip file, decompressed. */
static bool gz_end(struct pf *pf, const char *path, size_t want, struct piece *p, char **why) {
	if (pf->transport == NULL) {
		return false;
	}
	if (!pf->remote && access(path, R_OK) != 0) {
		free(*why);
		*why = mr_xstrdup(strerror(errno));
		return false;
	}
	const char *argv[] = { "gzip", "-dc", "--", path, NULL };
	return pf->remote ? run_remote(pf, argv, want, &p->text, &p->whole, why)
			  : run_kept(pf, argv, false, want, &p->text, &p->whole, why);
}

/* Appends the pieces, oldest (the last) first, each ending a line. */
static void join(struct piece *pieces, size_t n, struct mr_buf *out) {
	/* Most often the newest file alone holds enough: its text is taken as
	 * it is (copying 16 MiB, and faulting in a second 16 MiB for it, was a
	 * third of the reading, done while postqueue runs). */
	if (n == 1) {
		mr_buf_finish(out);
		*out = pieces[0].text;
		mr_buf_init(&pieces[0].text);
		if (out->len > 0 && out->data[out->len - 1] != '\n') {
			mr_buf_add_char(out, '\n');
		}
		return;
	}
	size_t total = 0;
	for (size_t i = 0; i < n; i++) {
		total += pieces[i].text.len + 1;
	}
	mr_buf_reserve(out, total);
	for (size_t i = n; i-- > 0;) {
		mr_buf_add(out, pieces[i].text.data, pieces[i].text.len);
		if (out->len > 0 && out->data[out->len - 1] != '\n') {
			mr_buf_add_char(out, '\n');
		}
	}
}

/* The end of the log in path and, when that is short, in its rotated
 * files; false with *why when path itself cannot be read. */
static bool read_files(
	struct pf *pf, const char *path, size_t want, struct pf_log_text *out, char **why) {
	struct piece pieces[ROTATED_MAX + 1];
	size_t n = 0, have = 0;
	mr_buf_init(&pieces[0].text);
	if (!file_end(pf, path, want, &pieces[0], why)) {
		mr_buf_finish(&pieces[0].text);
		return false;
	}
	have = pieces[n++].text.len;
	char *ignored = NULL;
	for (int k = 1; k <= ROTATED_MAX && pieces[n - 1].whole && have < want; k++) {
		struct piece *p = &pieces[n];
		mr_buf_init(&p->text);
		char *plain = mr_xasprintf("%s.%d", path, k);
		char *gz = mr_xasprintf("%s.%d.gz", path, k);
		bool got = file_end(pf, plain, want - have, p, &ignored) ||
			   gz_end(pf, gz, want - have, p, &ignored);
		free(plain);
		free(gz);
		if (!got) {
			mr_buf_finish(&p->text);
			break;
		}
		have += p->text.len;
		n++;
	}
	free(ignored);
	mr_buf_init(&out->text);
	join(pieces, n, &out->text);
	out->cut = !pieces[n - 1].whole;
	out->entries = 0;
	for (size_t i = 0; i < n; i++) {
		mr_buf_finish(&pieces[i].text);
	}
	return true;
}

/* Postfix's programs whose lines the log reader takes, as journald names
 * them: SYSLOG_NAME/PROGRAM. */
static const char *const programs[] = { "smtp", "lmtp", "local", "virtual", "pipe", "error",
	"retry", "discard", "qmgr", "pickup", "bounce", "cleanup" };
enum { N_PROGRAMS = sizeof(programs) / sizeof(*programs) };

struct journal_read {
	struct pf_journal reader;
	struct mr_buf lines;
	size_t want;
};

static bool feed_journal(void *ctx, const char *data, size_t len) {
	struct journal_read *r = ctx;
	pf_journal_feed(&r->reader, data, len);
	/* Only the end is kept: the oldest lines go, a whole line at a time. */
	if (r->lines.len > 2 * r->want) {
		const char *from = r->lines.data + r->lines.len - r->want;
		const char *nl = memchr(from, '\n', r->want);
		size_t keep = nl ? (size_t)(r->lines.data + r->lines.len - nl - 1) : 0;
		memmove(r->lines.data, r->lines.data + r->lines.len - keep, keep);
		r->lines.len = keep;
		r->lines.data[keep] = '\0';
	}
	return true;
}

/* The last entries of Postfix's programs in the journal; false with *why
 * when journalctl fails or holds none. */
static bool read_journal(struct pf *pf, size_t want, struct pf_log_text *out, char **why) {
	if (pf->transport == NULL) {
		return false;
	}
	const char *name = pf->syslog_name && *pf->syslog_name ? pf->syslog_name : "postfix";
	char count[32];
	snprintf(count, sizeof(count), "%d", (int)JOURNAL_ENTRIES);
	char *matches[N_PROGRAMS + 1];
	const char *argv[N_PROGRAMS + 16];
	size_t n = 0;
	argv[n++] = "journalctl";
	argv[n++] = "-o";
	argv[n++] = "json";
	argv[n++] = "--no-pager";
	argv[n++] = "-n";
	argv[n++] = count;
	argv[n++] = "--output-fields=__REALTIME_TIMESTAMP,SYSLOG_IDENTIFIER,_PID,MESSAGE";
	for (size_t i = 0; i < N_PROGRAMS; i++) {
		matches[i] = mr_xasprintf("SYSLOG_IDENTIFIER=%s/%s", name, programs[i]);
		argv[n++] = matches[i];
	}
	/* The default instance's unit (Debian's postfix@-.service) adds the
	 * services master.cf names otherwise (syslog_name=postfix/$service_name). */
	if (pf->config_dir == NULL) {
		argv[n++] = "+";
		argv[n++] = "_SYSTEMD_UNIT=postfix@-.service";
	}
	argv[n] = NULL;

	struct journal_read r = { .want = want };
	mr_buf_init(&r.lines);
	pf_journal_init(&r.reader, &r.lines, name);
	bool sudo = pf->log_sudo;
	bool ok = false;
	for (int attempt = 0; attempt < 2 && !ok; attempt++) {
		const char *with_sudo[N_PROGRAMS + 18] = { "sudo", "-n" };
		for (size_t i = 0; i <= n; i++) {
			with_sudo[i + 2] = argv[i];
		}
		struct mr_command cmd = {
			.argv = sudo ? with_sudo : argv,
			.on_output = feed_journal,
			.ctx = &r,
			.timeout_ms = COMMAND_TIMEOUT_MS,
		};
		struct mr_command_result res;
		char *cause = NULL;
		if (!mr_transport_run(pf->transport, &cmd, &res, &cause)) {
			free(*why);
			*why = mr_xasprintf("journalctl: %s", cause);
			free(cause);
			break;
		}
		pf_journal_end(&r.reader);
		/* Not in the groups that read the system's journal: journalctl
		 * shows the user's own entries and says so on standard error. */
		bool partial = strstr(res.err.data, "not seeing messages") != NULL ||
			       strstr(res.err.data, "insufficient permissions") != NULL;
		ok = res.exit_status == 0 && !res.timed_out && !partial;
		if (!ok) {
			char *line = mr_command_error_line(&res, NULL);
			free(*why);
			*why = res.exit_status == 127 ? mr_xstrdup("journalctl: not installed")
			       : res.timed_out ? mr_xstrdup("journalctl did not finish in time")
			       : *line != '\0' ? mr_xasprintf("journalctl: %s", line)
					       : mr_xasprintf("journalctl failed (exit status %d)",
							 res.exit_status);
			free(line);
		}
		int status = res.exit_status;
		mr_command_result_finish(&res);
		if (ok || sudo || !pf->sudo || status == 127) {
			break;
		}
		/* Once more through sudo -n, as the tools run. */
		sudo = true;
		pf_journal_finish(&r.reader);
		mr_buf_clear(&r.lines);
		pf_journal_init(&r.reader, &r.lines, name);
	}
	if (ok && sudo) {
		pf->log_sudo = true;
	}
	if (ok && r.reader.entries == 0) {
		ok = false;
		free(*why);
		*why = mr_xasprintf("the journal has no lines of %s's programs", name);
	}
	if (ok && r.reader.skipped > 0) {
		out->skipped = r.reader.skipped;
	}
	out->entries = r.reader.entries;
	pf_journal_finish(&r.reader);
	for (size_t i = 0; i < N_PROGRAMS; i++) {
		free(matches[i]);
	}
	if (!ok) {
		mr_buf_finish(&r.lines);
		return false;
	}
	out->text = r.lines;
	out->cut = false;
	return true;
}

/* Adds "what: why" to the list of what was tried. */
static void tried(struct mr_buf *list, const char *what, const char *why) {
	mr_buf_printf(
		list, "%s%s%s%s", list->len ? ", " : "", what, why ? ": " : "", why ? why : "");
}

/* A file's path as it may go on a remote command line (quoted all the
 * same); locally every path is opened as it is. */
static bool usable_path(const struct pf *pf, const char *path) {
	return path != NULL && path[0] == '/' && (!pf->remote || pf_plain_path(path));
}

/*
 * Finds the log (see the top): sets log_kind and maillog, and in log_tried
 * what did not work. A file counts when its end can be read.
 */
static void decide(struct pf *pf) {
	free(pf->maillog);
	pf->maillog = NULL;
	free(pf->log_tried);
	pf->log_tried = NULL;
	if (pf->log_choice != NULL) {
		pf->log_kind = strcmp(pf->log_choice, "none") == 0      ? PF_LOG_NONE
			       : strcmp(pf->log_choice, "journal") == 0 ? PF_LOG_JOURNAL
									: PF_LOG_FILE;
		if (pf->log_kind == PF_LOG_FILE) {
			pf->maillog = mr_xstrdup(pf->log_choice);
		}
		return;
	}
	struct mr_buf list;
	mr_buf_init(&list);
	const char *candidates[] = { pf->maillog_file, "/var/log/mail.log", "/var/log/maillog" };
	for (size_t i = 0; i < sizeof(candidates) / sizeof(*candidates); i++) {
		const char *path = candidates[i];
		if (i == 0 && (path == NULL || *path == '\0')) {
			continue; /* unset: Postfix logs through syslog */
		}
		char *why = NULL;
		struct piece p;
		mr_buf_init(&p.text);
		/* One byte: "tail -c 0" succeeds without opening the file. */
		bool ok = usable_path(pf, path) && file_end(pf, path, 1, &p, &why);
		mr_buf_finish(&p.text);
		if (ok) {
			pf->log_kind = PF_LOG_FILE;
			pf->maillog = mr_xstrdup(path);
			free(why);
			mr_buf_finish(&list);
			return;
		}
		char *what = i == 0 ? mr_xasprintf("maillog_file %s", path) : mr_xstrdup(path);
		tried(&list, what,
			why                     ? why
			: usable_path(pf, path) ? "cannot be read"
						: "not a plain path");
		free(what);
		free(why);
	}
	pf->log_kind = PF_LOG_JOURNAL;
	pf->log_tried = mr_buf_steal(&list);
}

void pf_log_find(struct pf *pf) {
	if (pf->log_kind == PF_LOG_UNDECIDED) {
		if (pf->maillog != NULL && pf->log_choice == NULL && pf->transport == NULL) {
			pf->log_kind = PF_LOG_FILE; /* set by hand (tests) */
		} else {
			decide(pf);
		}
	}
}

bool pf_log_fetch(struct pf *pf, size_t want, struct pf_log_text *out, char **why) {
	memset(out, 0, sizeof(*out));
	pf_log_find(pf);
	char *problem = NULL;
	bool ok = false;
	const char *what = NULL;
	char *named = NULL;
	switch (pf->log_kind) {
	case PF_LOG_NONE:
		*why = NULL; /* the operator's choice: nothing to say */
		return false;
	case PF_LOG_FILE:
		ok = read_files(pf, pf->maillog, want, out, &problem);
		what = named = pf->log_choice ? mr_xasprintf("%s (--log)", pf->maillog)
					      : mr_xstrdup(pf->maillog);
		break;
	case PF_LOG_JOURNAL:
	default:
		ok = read_journal(pf, want, out, &problem);
		what = pf->log_choice ? "the journal (--log journal)" : "the journal";
		break;
	}
	if (ok) {
		free(named);
		free(problem);
		*why = NULL;
		return true;
	}
	struct mr_buf list;
	mr_buf_init(&list);
	if (pf->log_tried != NULL) {
		mr_buf_add_str(&list, pf->log_tried);
	}
	tried(&list, what, problem ? problem : "cannot be read");
	*why = mr_xasprintf("no mail log readable (tried: %s)", list.data);
	mr_buf_finish(&list);
	free(named);
	free(problem);
	/* Found, not named: looked for again at the next listing. */
	if (pf->log_choice == NULL && pf->transport != NULL) {
		pf->log_kind = PF_LOG_UNDECIDED;
	}
	return false;
}
