/*
 * Where the mail log is read from (backends/postfix/logsource.c and
 * journal.c), with real log text: a file and the rotated files before it
 * (FILE.1, FILE.1.gz, FILE.2.gz, read through the real gzip), the year of
 * syslog's stamps across a New Year, a recorded `journalctl -o json` stream
 * replayed by a fake journalctl found on PATH and run by the real code
 * (the local transport), and how a remote host's log is found, through a
 * scripted transport that answers as tail, sudo and journalctl do.
 *
 *   test_logsource JOURNAL_RECORDING
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "harness.h"
#include "postfix/internal.h"
#include "snapshot.h"
#include "transport_local.h"
#include "xalloc.h"

static const char *recording;

static char *write_file(const char *name, const char *text) {
	char *path = t_tmppath(name);
	FILE *f = fopen(path, "w");
	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
		t_note("cannot write %s", path);
		exit(99);
	}
	return path;
}

/* path.gz made by the real gzip (the file itself goes). */
static void gzip_file(const char *path) {
	char *cmd = mr_xasprintf("gzip -n -f '%s'", path);
	if (system(cmd) != 0) {
		t_note("%s failed", cmd);
		exit(99);
	}
	free(cmd);
}

#define DEFERRED(stamp, id, dsn)                                                              \
	stamp " mx postfix/smtp[1210]: " id ": to=<list@example.org>, relay=none, delay=31, " \
	      "delays=0.1/0/30/0, dsn=" dsn ", status=deferred (connect to "                  \
	      "mx.example.org[192.0.2.10]:25: Connection refused)\n"

#define BOUNCED(stamp, id)                                                                    \
	stamp " mx postfix/qmgr[1202]: " id ": from=<shop@contoso-shop.eu>, size=2291, "      \
	      "nrcpt=1 (queue active)\n" stamp " mx postfix/smtp[1204]: " id                  \
	      ": to=<nobody@example.com>, relay=mx.example.com[192.0.2.20]:25, delay=1.2, "   \
	      "delays=0.05/0.01/0.6/0.5, dsn=5.1.1, status=bounced (host "                    \
	      "mx.example.com[192.0.2.20] said: 550 5.1.1 User unknown (in reply to RCPT TO " \
	      "command))\n"

/* A listing of id, deferred to list@example.org, with the log read into it;
 * *times the times of its attempts, space-separated. */
static struct mr_snapshot *listed_with_log(
	struct pf *pf, const char *id, char **times, char **note) {
	struct mr_snapshot *snap = mr_snapshot_create();
	struct mr_message *m = mr_snapshot_add_message(snap, id);
	m->arrival = 1700000000;
	mr_snapshot_add_recipient(snap, "list@example.org")->state = MR_RCPT_DEFERRED;
	struct pf_maillog *log = pf_maillog_read(pf, note);
	pf_maillog_add_history(log, snap);
	pf_maillog_add_bounced(log, snap);
	mr_snapshot_finish(snap);
	struct mr_buf out;
	mr_buf_init(&out);
	const struct mr_message *listed = mr_snapshot_find(snap, id);
	size_t n = 0;
	const struct mr_attempt *h = listed ? mr_message_history(snap, listed, &n) : NULL;
	for (size_t i = 0; i < n; i++) {
		mr_buf_printf(&out, "%s%lld %s", i ? " " : "", (long long)h[i].when, h[i].dsn);
	}
	*times = mr_buf_steal(&out);
	return snap;
}

static const struct mr_message *bounced(const struct mr_snapshot *snap, const char *id) {
	const struct mr_message *m = mr_snapshot_find(snap, id);
	return m != NULL && m->queue == MR_QUEUE_BOUNCED ? m : NULL;
}

/* A local file source with a real transport (for gzip). */
static struct pf *file_source(const char *path) {
	struct pf *pf = pf_create(mr_transport_local_create(), NULL, false);
	pf->log_choice = mr_xstrdup(path);
	return pf;
}

static void destroy(struct pf *pf) {
	struct mr_source src = { .data = pf };
	pf_close(&src);
}

/* --- rotated files -------------------------------------------------------- */

static void test_rotated(void) {
	setenv("MAILROOM_NOW", "1796644800", 1); /* 2026-12-07 12:00 UTC */
	char *dir = mr_xasprintf("%s/rotated", t_tmpdir());
	mkdir(dir, 0700);
	char *log = mr_xasprintf("%s/mail.log", dir);
	char *one = mr_xasprintf("%s/mail.log.1", dir);
	char *two = mr_xasprintf("%s/mail.log.2", dir);
	/* Newest in mail.log, the week before in .1, the one before in .2.gz
	 * (Debian's rsyslog rotation: delaycompress). */
	free(write_file("rotated/mail.log", DEFERRED("Dec  7 10:00:00", "A8A8E104066", "4.4.1")));
	free(write_file("rotated/mail.log.1", DEFERRED("Dec  1 09:00:00", "A8A8E104066", "4.4.2")));
	free(write_file("rotated/mail.log.2",
		DEFERRED("Nov 24 08:00:00", "A8A8E104066", "4.4.3")
			BOUNCED("Nov 24 08:00:05", "4N1QbK0Yzbz9sWL")));
	gzip_file(two);

	struct pf *pf = file_source(log);
	char *times, *note;
	struct mr_snapshot *snap = listed_with_log(pf, "A8A8E104066", &times, &note);
	T_STR(times, "1795507200 4.4.3 1796115600 4.4.2 1796637600 4.4.1",
		"rotated: the attempts of mail.log.2.gz, mail.log.1 and mail.log, oldest first");
	T_NULL(note, "rotated: nothing to say about the log");
	T_NONNULL(
		bounced(snap, "4N1QbK0Yzbz9sWL"), "rotated: the bounce in mail.log.2.gz is listed");
	mr_snapshot_destroy(snap);
	free(times);

	/* A tail that mail.log and part of mail.log.1 fill: .2.gz is not read,
	 * and the first line is marked as possibly cut. */
	struct pf_log_text t;
	char *why = NULL;
	size_t current = strlen(DEFERRED("Dec  7 10:00:00", "A8A8E104066", "4.4.1"));
	T_OK(pf_log_fetch(pf, current + 20, &t, &why), "short tail: read");
	T_SIZE(t.text.len, current + 20, "short tail: exactly the bytes wanted");
	T_OK(t.cut, "short tail: the first line may be cut");
	T_OK(strstr(t.text.data, "4.4.3") == NULL, "short tail: mail.log.2.gz not read");
	T_OK(strstr(t.text.data, "4.4.1") != NULL, "short tail: mail.log read");
	mr_buf_finish(&t.text);
	destroy(pf);

	/* Without delaycompress: mail.log.1.gz. And a gap (no .2): the
	 * reading stops there, .3.gz is not reached. */
	unlink(one);
	free(write_file("rotated/mail.log.1", DEFERRED("Dec  1 09:00:00", "A8A8E104066", "4.4.2")));
	gzip_file(one);
	char *two_gz = mr_xasprintf("%s.gz", two),
	     *three_gz = mr_xasprintf("%s/mail.log.3.gz", dir);
	rename(two_gz, three_gz);
	pf = file_source(log);
	snap = listed_with_log(pf, "A8A8E104066", &times, &note);
	T_STR(times, "1796115600 4.4.2 1796637600 4.4.1",
		"rotated .1.gz: its attempts before mail.log's; no .2, so no .3.gz");
	T_NULL(bounced(snap, "4N1QbK0Yzbz9sWL"), "rotated .1.gz: .3.gz, past the gap, not read");
	mr_snapshot_destroy(snap);
	free(times);
	free(note);
	destroy(pf);

	/* A .gz that is not one: gzip fails, and what was read stands. */
	unlink(three_gz);
	char *one_gz = mr_xasprintf("%s.gz", one);
	free(write_file("rotated/mail.log.1.gz", "not gzip\n"));
	pf = file_source(log);
	snap = listed_with_log(pf, "A8A8E104066", &times, &note);
	T_STR(times, "1796637600 4.4.1", "a broken .1.gz: mail.log's attempts only");
	mr_snapshot_destroy(snap);
	free(times);
	free(note);
	destroy(pf);
	free(one_gz);
	free(two_gz);
	free(three_gz);
	free(dir);
	free(log);
	free(one);
	free(two);
}

/* --- the year of a syslog stamp ----------------------------------------- */

static void test_new_year(void) {
	/* Read half an hour into 2027: December's lines are 2026's. */
	setenv("MAILROOM_NOW", "1798763400", 1); /* 2027-01-01 00:30 UTC */
	char *dir = mr_xasprintf("%s/newyear", t_tmpdir());
	mkdir(dir, 0700);
	char *log = write_file("newyear/mail.log",
		DEFERRED("Dec 31 23:59:50", "A8A8E104066", "4.4.1")
			DEFERRED("Jan  1 00:00:10", "A8A8E104066", "4.4.2"));
	/* A quiet server's older file: February is last February, not next. */
	free(write_file("newyear/mail.log.1", DEFERRED("Feb  3 08:00:00", "A8A8E104066", "4.4.3")));
	struct pf *pf = file_source(log);
	char *times, *note;
	struct mr_snapshot *snap = listed_with_log(pf, "A8A8E104066", &times, &note);
	T_STR(times, "1770105600 4.4.3 1798761590 4.4.1 1798761610 4.4.2",
		"New Year: Feb 3 2026, Dec 31 2026 23:59:50, Jan 1 2027 00:00:10");
	mr_snapshot_destroy(snap);
	free(times);
	free(note);
	destroy(pf);

	/* Read on New Year's Eve: a January line is this January's. */
	setenv("MAILROOM_NOW", "1798718400", 1); /* 2026-12-31 12:00 UTC */
	char *eve = write_file("newyear/eve.log",
		DEFERRED("Jan  1 00:00:10", "A8A8E104066", "4.4.1")
			DEFERRED("Dec 31 11:00:00", "A8A8E104066", "4.4.2"));
	pf = file_source(eve);
	snap = listed_with_log(pf, "A8A8E104066", &times, &note);
	T_STR(times, "1767225610 4.4.1 1798714800 4.4.2",
		"New Year's Eve: Jan 1 is 2026's, Dec 31 today's");
	mr_snapshot_destroy(snap);
	free(times);
	free(note);
	destroy(pf);
	free(eve);
	free(log);
	free(dir);
}

/* --- journald, replayed --------------------------------------------------- */

/* A journalctl first on PATH that notes its arguments and prints text (or
 * the recording when text is NULL). */
static char *fake_journalctl(const char *text, char **args_file) {
	char *bin = mr_xasprintf("%s/bin", t_tmpdir());
	mkdir(bin, 0700);
	*args_file = mr_xasprintf("%s/journalctl.args", t_tmpdir());
	char *out = text ? write_file("journal.out", text) : mr_xstrdup(recording);
	char *script = mr_xasprintf(
		"#!/bin/sh\nprintf '%%s\\n' \"$@\" >'%s'\nexec cat '%s'\n", *args_file, out);
	char *path = mr_xasprintf("%s/journalctl", bin);
	FILE *f = fopen(path, "w");
	if (f == NULL || fputs(script, f) < 0 || fclose(f) != 0 || chmod(path, 0700) != 0) {
		t_note("cannot write %s", path);
		exit(99);
	}
	static char *old_path;
	if (old_path == NULL) {
		old_path = mr_xstrdup(getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
	}
	char *new_path = mr_xasprintf("%s:%s", bin, old_path);
	setenv("PATH", new_path, 1);
	free(new_path);
	free(path);
	free(script);
	free(out);
	return bin;
}

static char *file_text(const char *path) {
	struct mr_buf b;
	mr_buf_init(&b);
	char *cause = NULL;
	if (!mr_buf_add_file(&b, path, &cause)) {
		free(cause);
	}
	return mr_buf_steal(&b);
}

static void test_journal(void) {
	setenv("MAILROOM_NOW", "1796644800", 1);
	char *args_file;
	free(fake_journalctl(NULL, &args_file));
	struct pf *pf = pf_create(mr_transport_local_create(), NULL, false);
	pf->log_choice = mr_xstrdup("journal");
	char *times, *note;
	struct mr_snapshot *snap = listed_with_log(pf, "A8A8E104066", &times, &note);
	T_STR(times, "1796637603 4.4.1 1796637660 4.2.0",
		"journal: both attempts, at __REALTIME_TIMESTAMP's second");
	const struct mr_message *m = mr_snapshot_find(snap, "A8A8E104066");
	size_t n = 0;
	const struct mr_attempt *h = m ? mr_message_history(snap, m, &n) : NULL;
	struct mr_buf text;
	mr_buf_init(&text);
	if (T_SIZE(n, 2, "journal: two attempts")) {
		T_STR(mr_text_str(h[1].reply, &text),
			"host mx.example.org[192.0.2.10] said: 450 4.2.0 Bo\xeete pleine (in reply "
			"to RCPT TO command)",
			"journal: a MESSAGE given as bytes, read as its bytes");
	}
	mr_buf_finish(&text);
	const struct mr_message *b = bounced(snap, "4N1QbK0Yzbz9sWL");
	if (T_NONNULL(b, "journal: the bounce is listed")) {
		T_INT(b->arrival, 1796637601, "journal: its arrival from qmgr's entry");
		T_SIZE(b->n_rcpts, 1, "journal: sshd's look-alike entry is not Postfix's");
	}
	T_STR(note, "journalctl: 2 entries not read (not what journalctl -o json writes)",
		"journal: the cut line and the entry without a time are counted");
	char *args = file_text(args_file);
	T_HAS(args, "-o\njson\n", "journalctl -o json");
	T_HAS(args, "-n\n65536\n", "journalctl -n 65536: the last entries only");
	T_HAS(args, "\nSYSLOG_IDENTIFIER=postfix/smtp\n", "journalctl: Postfix's programs");
	T_HAS(args, "\nSYSLOG_IDENTIFIER=postfix/qmgr\n", "journalctl: qmgr too");
	T_HAS(args, "\n+\n_SYSTEMD_UNIT=postfix@-.service\n", "journalctl: or the unit");
	free(args);
	mr_snapshot_destroy(snap);
	free(times);
	free(note);
	destroy(pf);

	/* Another instance: its syslog_name names the identifiers. */
	pf = pf_create(mr_transport_local_create(), "/etc/postfix-out", false);
	pf->log_choice = mr_xstrdup("journal");
	pf->syslog_name = mr_xstrdup("postfix-out");
	char *why = NULL;
	struct pf_log_text t;
	T_OK(!pf_log_fetch(pf, 1 << 20, &t, &why), "instance: no entries of postfix-out");
	T_STR(why,
		"no mail log readable (tried: the journal (--log journal): the journal has no "
		"lines of postfix-out's programs)",
		"instance: the line says what was tried");
	args = file_text(args_file);
	T_HAS(args, "\nSYSLOG_IDENTIFIER=postfix-out/smtp\n", "instance: its identifiers");
	T_LACKS(args, "_SYSTEMD_UNIT", "instance: not the default instance's unit");
	free(args);
	free(why);
	destroy(pf);

	/* journalctl fails: its own words. */
	free(args_file);
	free(fake_journalctl("", &args_file));
	char *bin = mr_xasprintf("%s/bin/journalctl", t_tmpdir());
	FILE *f = fopen(bin, "w");
	fputs("#!/bin/sh\necho 'Failed to open journal: Permission denied' >&2\nexit 1\n", f);
	fclose(f);
	pf = pf_create(mr_transport_local_create(), NULL, false);
	pf->log_choice = mr_xstrdup("journal");
	why = NULL;
	T_OK(!pf_log_fetch(pf, 1 << 20, &t, &why), "journalctl fails: nothing read");
	T_STR(why,
		"no mail log readable (tried: the journal (--log journal): journalctl: Permission "
		"denied)",
		"journalctl fails: its error in the line");
	free(why);
	destroy(pf);
	free(bin);
	free(args_file);
}

/* journal.c on pieces of every size: the same lines. */
static void test_journal_pieces(void) {
	char *text = file_text(recording);
	size_t len = strlen(text);
	struct mr_buf whole;
	mr_buf_init(&whole);
	struct pf_journal j;
	pf_journal_init(&j, &whole, "postfix");
	pf_journal_feed(&j, text, len);
	pf_journal_end(&j);
	size_t entries = j.entries;
	pf_journal_finish(&j);
	T_SIZE(entries, 6, "journal.c: six entries of Postfix's");
	T_HAS(whole.data,
		"2026-12-07T10:00:02.123456+00:00 journal postfix/smtp[1204]: 4N1QbK0Yzbz9sWL: "
		"to=<nobody@example.com>",
		"journal.c: a line as a file with RFC 3339 stamps has it");
	bool same = true;
	for (size_t piece = 1; piece < 64 && same; piece++) {
		struct mr_buf out;
		mr_buf_init(&out);
		pf_journal_init(&j, &out, "postfix");
		for (size_t at = 0; at < len; at += piece) {
			pf_journal_feed(&j, text + at, at + piece < len ? piece : len - at);
		}
		pf_journal_end(&j);
		pf_journal_finish(&j);
		same = out.len == whole.len && memcmp(out.data, whole.data, out.len) == 0;
		T_OK(same || piece > 1000, "journal.c: in pieces of %zu bytes, the same lines",
			piece);
		mr_buf_finish(&out);
	}
	/* A MESSAGE with a line end and escapes: one line, made visible later. */
	static const char tricky[] =
		"{\"__REALTIME_TIMESTAMP\":\"1796637602000000\",\"SYSLOG_IDENTIFIER\":"
		"\"postfix/smtp\",\"_PID\":\"1; "
		"rm\",\"MESSAGE\":\"a\\nb\\u0000c\\ud83d\\ude00\\ud800\"}\n"
		"{\"__REALTIME_TIMESTAMP\":\"1796637602000000\",\"SYSLOG_IDENTIFIER\":"
		"\"postfix]: X\",\"MESSAGE\":[65,300]}\n";
	struct mr_buf out;
	mr_buf_init(&out);
	pf_journal_init(&j, &out, NULL);
	pf_journal_feed(&j, tricky, strlen(tricky));
	pf_journal_end(&j);
	T_STR(out.data,
		"2026-12-07T10:00:02.000000+00:00 journal postfix/smtp[0]: a b c\xf0\x9f\x98\x80"
		"\xef\xbf\xbd\n",
		"journal.c: a line end and a NUL become spaces, a surrogate pair one character, a "
		"lone one U+FFFD, a PID that is not digits 0");
	T_SIZE(j.skipped, 1, "journal.c: a byte above 255 makes the entry not journalctl's");
	pf_journal_finish(&j);
	mr_buf_finish(&out);
	mr_buf_finish(&whole);
	free(text);
}

/* --- a remote host's log, found ------------------------------------------ */

/* Answers by the command line (argv joined by spaces, prefix match), and
 * keeps what was run. */
struct answer {
	const char *command;
	int status;
	const char *out, *err;
};
struct scripted {
	struct mr_transport base;
	const struct answer *answers;
	struct mr_buf ran;
};

static bool scripted_run(struct mr_transport *base, const struct mr_command *cmd,
	struct mr_command_result *res, char **cause) {
	(void)cause;
	struct scripted *s = (struct scripted *)base;
	struct mr_buf line;
	mr_buf_init(&line);
	for (size_t i = 0; cmd->argv[i] != NULL; i++) {
		mr_buf_printf(&line, "%s%s", i ? " " : "", cmd->argv[i]);
	}
	mr_buf_printf(&s->ran, "%s\n", line.data);
	*res = (struct mr_command_result){ .exit_status = 127 };
	mr_buf_init(&res->err);
	for (const struct answer *a = s->answers; a->command != NULL; a++) {
		if (strncmp(line.data, a->command, strlen(a->command)) == 0) {
			res->exit_status = a->status;
			mr_buf_add_str(&res->err, a->err ? a->err : "");
			if (a->out != NULL && cmd->on_output != NULL) {
				cmd->on_output(cmd->ctx, a->out, strlen(a->out));
			}
			break;
		}
	}
	mr_buf_finish(&line);
	return true;
}

static void scripted_destroy(struct mr_transport *base) {
	mr_buf_finish(&((struct scripted *)base)->ran);
}

static const struct mr_transport_ops scripted_ops = { "scripted", scripted_run, scripted_destroy };

static struct pf *remote_source(struct scripted *s, const struct answer *answers, bool sudo) {
	*s = (struct scripted){ { &scripted_ops, "mx1" }, answers, { 0 } };
	mr_buf_init(&s->ran);
	struct pf *pf = pf_create(&s->base, NULL, sudo);
	pf->remote = true;
	pf->settings_read = true;
	pf->maillog_file = mr_xstrdup("/var/log/postfix.log");
	return pf;
}

static const char remote_log[] = DEFERRED("Dec  7 10:00:00", "A8A8E104066", "4.4.1");

static void test_remote(void) {
	setenv("MAILROOM_NOW", "1796644800", 1);
	/* maillog_file missing, mail.log refused, then through sudo -n. */
	static const struct answer refused[] = {
		{ "tail -c 1 -- /var/log/postfix.log", 1, NULL,
			"tail: cannot open '/var/log/postfix.log' for reading: No such file or "
			"directory\n" },
		{ "tail -c 1 -- /var/log/mail.log", 1, NULL,
			"tail: cannot open '/var/log/mail.log' for reading: Permission denied\n" },
		{ "sudo -n tail -c 1 -- /var/log/mail.log", 0, "", NULL },
		{ "sudo -n tail -c 4194304 -- /var/log/mail.log", 0, remote_log, NULL },
		{ "sudo -n tail -c", 1, NULL, "tail: cannot open: No such file or directory\n" },
		{ "sudo -n gzip", 1, NULL, "gzip: No such file or directory\n" },
		{ NULL, 0, NULL, NULL },
	};
	struct scripted s;
	struct pf *pf = remote_source(&s, refused, true);
	char *times, *note;
	struct mr_snapshot *snap = listed_with_log(pf, "A8A8E104066", &times, &note);
	T_STR(times, "1796637600 4.4.1",
		"remote: the attempt in /var/log/mail.log, read with sudo");
	T_NULL(note, "remote: nothing to say");
	T_STR(pf->maillog, "/var/log/mail.log", "remote: mail.log found");
	T_OK(pf->log_sudo, "remote: read through sudo -n from now on");
	T_HAS(s.ran.data,
		"tail -c 1 -- /var/log/postfix.log\ntail -c 1 -- /var/log/mail.log\nsudo -n tail "
		"-c 1 "
		"-- /var/log/mail.log\nsudo -n tail -c 4194304 -- /var/log/mail.log\nsudo -n tail "
		"-c 4194098 -- /var/log/mail.log.1\nsudo -n gzip -dc -- /var/log/mail.log.1.gz\n",
		"remote: maillog_file, mail.log, sudo, the tail, then the rotated ones");
	T_OK(pf_maillog_size(pf) < 0, "remote: no local size of a remote file");
	mr_snapshot_destroy(snap);
	free(times);
	free(note);
	destroy(pf);

	/* No file at all: the journal, run there. */
	static const struct answer journal[] = {
		{ "tail -c 1 -- ", 1, NULL, "tail: cannot open: No such file or directory\n" },
		{ "journalctl -o json", 0,
			"{\"__REALTIME_TIMESTAMP\":\"1796637600000000\",\"SYSLOG_IDENTIFIER\":"
			"\"postfix/smtp\",\"_PID\":\"1210\",\"MESSAGE\":\"A8A8E104066: "
			"to=<list@example.org>, relay=none, delay=31, delays=0.1/0/30/0, "
			"dsn=4.4.1, status=deferred (connect to mx.example.org[192.0.2.10]:25: "
			"Connection refused)\"}\n",
			NULL },
		{ NULL, 0, NULL, NULL },
	};
	pf = remote_source(&s, journal, false);
	snap = listed_with_log(pf, "A8A8E104066", &times, &note);
	T_STR(times, "1796637600 4.4.1", "remote journal: the attempt from journalctl there");
	T_INT(pf->log_kind, PF_LOG_JOURNAL, "remote journal: found");
	mr_snapshot_destroy(snap);
	free(times);
	free(note);
	destroy(pf);

	/* Nothing: the line says what was tried. */
	static const struct answer nothing[] = {
		{ "tail -c 1 -- ", 1, NULL,
			"tail: cannot open 'x' for reading: No such file or directory\n" },
		{ "journalctl", 127, NULL, "sh: 1: journalctl: not found\n" },
		{ NULL, 0, NULL, NULL },
	};
	pf = remote_source(&s, nothing, false);
	snap = listed_with_log(pf, "A8A8E104066", &times, &note);
	T_STR(note,
		"no mail log readable (tried: maillog_file /var/log/postfix.log: cannot open "
		"'x' for reading: No such file or directory, /var/log/mail.log: cannot open "
		"'x' for reading: No such file or directory, /var/log/maillog: cannot open "
		"'x' for reading: No such file or directory, the journal: journalctl: not "
		"installed)",
		"nothing readable: every place tried, in order, with why");
	T_STR(times, "", "nothing readable: no attempts");
	mr_snapshot_destroy(snap);
	free(times);
	free(note);
	/* Looked for again at the next listing. */
	T_INT(pf->log_kind, PF_LOG_UNDECIDED, "nothing readable: looked for again next time");
	destroy(pf);

	/* --log with a path that cannot go on a command line. */
	pf = remote_source(&s, nothing, false);
	char *cause = NULL;
	T_OK(!pf_set_log(pf, "/var/log/mail log", "mx1", &cause), "--log with a space: refused");
	T_STR(cause,
		"mx1: --log /var/log/mail log: not a log mailroom reads (an absolute path of plain "
		"characters, journal or none)",
		"--log with a space: why");
	free(cause);
	cause = NULL;
	T_OK(pf_set_log(pf, "none", "mx1", &cause), "--log none: taken");
	struct pf_log_text t;
	char *why = NULL;
	T_OK(!pf_log_fetch(pf, 100, &t, &why) && why == NULL,
		"--log none: nothing read, nothing said");
	destroy(pf);
}

int main(int argc, char **argv) {
	if (argc < 2) {
		fprintf(stderr, "usage: test_logsource JOURNAL_RECORDING\n");
		return 2;
	}
	recording = argv[1];
	setenv("TZ", "UTC", 1);
	tzset();
	test_rotated();
	test_new_year();
	test_journal();
	test_journal_pieces();
	test_remote();
	return t_done();
}
