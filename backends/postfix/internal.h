#ifndef MR_BACKEND_POSTFIX_INTERNAL_H
#define MR_BACKEND_POSTFIX_INTERNAL_H

#include <stdbool.h>
#include <sys/types.h>

#include "backend.h"
#include "buf.h"
#include "ptrmap.h"
#include "strpool.h"
#include "transport.h"

enum pf_tool { PF_POSTQUEUE, PF_POSTSUPER, PF_POSTCAT, PF_POSTCONF, PF_POSTKICK, PF_TOOL_COUNT };

/* Where the mail log is read from (logsource.c): not looked for yet, a
 * file (and the rotated ones before it), journald, or none (--log none). */
enum pf_log_kind { PF_LOG_UNDECIDED, PF_LOG_FILE, PF_LOG_JOURNAL, PF_LOG_NONE };

struct pf {
	struct mr_transport *transport;
	char *config_dir;             /* NULL: the default instance */
	char tool[PF_TOOL_COUNT][64]; /* program paths, or names to find in PATH */
	bool sudo;                    /* run postsuper and postcat through sudo -n */
	/* Not root, and postqueue refused the configuration directory (it is
	 * not in the default main.cf's alternate_config_directories): run
	 * postqueue through sudo -n too. */
	bool sudo_postqueue;
	bool remote; /* over SSH: no local files to read beside the tools */
	/* Remote: postconf was asked where the tools are (once, when one was
	 * not where it was looked for). */
	bool tools_asked;
	/* Retries go through postqueue -i: not root, over SSH, or the flush
	 * service did not answer a direct request as postqueue -i's. */
	bool flush_by_postqueue;
	/* Set by pf_settings(): */
	bool settings_read;
	char *queue_dir;    /* when readable (root): for retry times */
	char *maillog_file; /* postconf's maillog_file ("": syslog) */
	char *syslog_name;  /* postconf's syslog_name: journald's identifiers */
	/* The mail log (logsource.c): --log's file, "journal" or "none"
	 * (NULL: looked for), what was found, and what was tried first. */
	char *log_choice;
	enum pf_log_kind log_kind;
	char *maillog; /* PF_LOG_FILE: the file, on the transport's host */
	char *log_tried;
	bool log_sudo; /* remote: the log is read through sudo -n */
};

/* Looks up queue_dir, maillog_file and syslog_name once (one postconf
 * run), and where the mail log is. The first listing does it beside
 * postqueue, so it costs no time; an action before any listing does it
 * itself. */
void pf_settings(struct pf *pf);

/* The end of the mail log as syslog lines, oldest first (logsource.c). */
struct pf_log_text {
	struct mr_buf text;
	bool cut;       /* its first line may be the end of a longer one */
	size_t entries; /* journald: the entries read */
	size_t skipped; /* journald: entries that were not what journalctl writes */
};
/* Reads the last want bytes of the log wherever it is, finding it first;
 * false when none can be read, with *why "no mail log readable (tried:
 * ...)" (NULL after --log none). Free out->text after true. */
bool pf_log_fetch(struct pf *pf, size_t want, struct pf_log_text *out, char **why);
/* Finds the log now when it is not known yet (pf_log_fetch does it too). */
void pf_log_find(struct pf *pf);

/* journalctl -o json read as it arrives into syslog lines (journal.c);
 * entries of programs not named syslog_name[/...] are left out. */
enum { PF_JOURNAL_LINE_MAX = 1 << 20, PF_JOURNAL_MESSAGE_MAX = 64 << 10 };
struct pf_journal {
	struct mr_buf *out;
	const char *syslog_name;
	struct mr_buf line, key, field[4];
	bool overlong;
	size_t entries, skipped;
};
void pf_journal_init(struct pf_journal *j, struct mr_buf *out, const char *syslog_name);
void pf_journal_feed(struct pf_journal *j, const char *data, size_t len);
void pf_journal_end(struct pf_journal *j);
void pf_journal_finish(struct pf_journal *j);

/* --log's value (NULL: none given) for the source named source; false
 * with *cause when it is no log mailroom reads. */
bool pf_set_log(struct pf *pf, const char *log, const char *source, char **cause);

/* Whether a path may go on a remote command line (remote.c). */
bool pf_plain_path(const char *path);

/*
 * Messages that bounced or expired recently, from the end of the mail log:
 * read (any thread), then added to a listing (freeing what was read; a NULL
 * snap only frees).
 */
struct pf_maillog;
/* NULL when no log could be read; *note (to free) then says why, and
 * otherwise what was not read (NULL: nothing to say). */
struct pf_maillog *pf_maillog_read(struct pf *pf, char **note);
/* The same from offset on (pf_maillog_size() before an action): only what
 * ended since. NULL when nothing was written since, or more than the tail;
 * a local file only. */
struct pf_maillog *pf_maillog_read_from(const struct pf *pf, off_t offset);
void pf_maillog_add_bounced(struct pf_maillog *log, struct mr_snapshot *snap);
/* Before pf_maillog_add_bounced(): each listed message's delivery attempts
 * from the same read (history.c). */
void pf_maillog_add_history(struct pf_maillog *log, struct mr_snapshot *snap);

/*
 * A delivery line after its "ID: ": "to=<A>, ..., relay=R, ..., delays=a/b/c/d,
 * dsn=D, status=WORD (REPLY)" with WORD deferred, bounced or sent. Spans
 * point into the line; false when it is no such line (history.c).
 */
struct pf_span {
	const char *p;
	size_t len;
};
struct pf_delivery {
	struct pf_span to, relay, dsn, reply;
	const char *status_at; /* where the status word starts */
	enum mr_attempt_status status;
	uint32_t delays[4]; /* hundredths of a second, MR_DELAY_UNKNOWN */
};
bool pf_delivery_parse(const char *rest, const char *end, struct pf_delivery *d);

/* The attempts of the log read, by queue id (history.c): maillog.c adds
 * each delivery line and the time of the first line read (since); apply
 * gives each message of a listing its attempts, its recipients' counts and
 * last attempts, and the recipients that bounced while others are still
 * queued. Messages added to the listing after it get none. */
struct pf_history;
struct pf_history *pf_history_create(void);
void pf_history_destroy(struct pf_history *h);
void pf_history_since(struct pf_history *h, int64_t when);
void pf_history_add(
	struct pf_history *h, const char *id, const struct pf_delivery *d, int64_t when);
void pf_history_apply(struct pf_history *h, struct mr_snapshot *snap);

/* The mail log's size now (-1 when it cannot be read, or it is not a
 * local file), and the new ids
 * pickup gave requeued messages since then (see maillog.c). */
off_t pf_maillog_size(const struct pf *pf);
size_t pf_maillog_new_ids(
	const struct pf *pf, off_t from, const char *const *ids, size_t n, char **new_ids);

/* Next retry times of deferred messages, from the queue files' times:
 * read (any thread), then applied to a listing (and freed). */
struct pf_retry_times;
struct pf_retry_times *pf_retry_read(const struct pf *pf);
void pf_retry_apply(struct pf_retry_times *times, struct mr_snapshot *snap);

/* Whether postcat's standard error says the message with this id is gone
 * (content.c). */
bool pf_postcat_gone(const struct mr_command_result *res, const char *id);

/* Runs a Postfix tool, [sudo -n] TOOL [-c DIR] ARGS...; cmd gives the rest (input, output, timeout;
 * its argv is set here). As mr_transport_run(). */
bool pf_run(struct pf *pf, enum pf_tool tool, const char *const *args, struct mr_command *cmd,
	struct mr_command_result *res, char **cause);

/* A fresh listing into snap (not finished); false with a message. Its
 * warnings go to warn (NULL: the listings an action takes to judge it). */
bool pf_list(struct pf *pf, struct mr_snapshot *snap, struct mr_source *warn, char **cause);

/* A listing by queue id (listing.c); snap NULL: a listing that failed, in
 * which nothing is found. */
struct pf_listing {
	const struct mr_snapshot *snap;
	struct mr_strpool *ids;
	struct mr_ptrmap index;
};
void pf_listing_init(struct pf_listing *l, const struct mr_snapshot *snap);
void pf_listing_finish(struct pf_listing *l);
const struct mr_message *pf_listing_find(struct pf_listing *l, const char *id);

void pf_act(struct mr_source *src, const struct mr_action_request *req,
	struct mr_action_report *report);
/* postsuper FLAG - with ids on standard input: what it wrote on standard
 * error is added to said; *run_error gets the first failure of a run
 * (unchanged when it has one). */
void pf_postsuper(struct pf *pf, const char *flag, const char *const *ids, size_t n,
	struct mr_buf *said, char **run_error);
/* The ids postsuper's lines name with the verb ("postsuper: ID: placed on
 * hold"), interned in pool, into set (value 1). */
void pf_postsuper_said(
	const struct mr_buf *err, const char *said, struct mr_strpool *pool, struct mr_ptrmap *set);

/* Retry now, and release-and-retry and expire-now: postqueue -i per id, judged by listings before
 * and after (retry_now.c); pf_settings() first. */
void pf_retry_now(
	struct pf *pf, const struct mr_action_request *req, struct mr_action_report *report);
bool pf_content(struct mr_source *src, const char *id, struct mr_buf *headers, struct mr_buf *body,
	char **cause);

/* A Postfix on the other end of transport (taken over), its tools in
 * /usr/sbin until pf_set_tool_dir says otherwise. */
struct pf *pf_create(struct mr_transport *transport, const char *config_dir, bool sudo);
void pf_set_tool_dir(struct pf *pf, const char *dir);
/* Remote: asks postconf for command_directory and uses it; true when the
 * tools are now looked for somewhere else (remote.c). */
bool pf_find_tools(struct pf *pf);
/* What a Postfix source can do, and what it cannot, for the screen. */
void pf_describe(struct mr_source *src);
void pf_close(struct mr_source *src);
/* A listing with what the queue files and the log add to it. */
bool pf_source_list(struct mr_source *src, struct mr_snapshot *snap, char **cause);
/* postconf -h NAME... (at most 6): the values, one per name, NULL for each
 * when postconf fails. One process for all: each costs a start. */
void pf_postconf(struct pf *pf, const char *const *names, char **values, size_t n, bool expand);

/* What to tell the operator when a privileged tool failed. */
char *pf_failure(const struct pf *pf, enum pf_tool tool, const struct mr_command_result *res);

#endif
