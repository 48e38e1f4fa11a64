/*
 * libFuzzer target for the mail log reader (backends/postfix/maillog.c):
 * any bytes as the end of the mail log, which anyone who can make Postfix
 * log a line (a sender address, a remote server's reply) writes into.
 *
 * The line parsers there (line_id, line_time, reason_after, read_line) are
 * static; the narrowest public entry points read the log from a file named
 * by a struct pf, so the input is that file: a memfd, named by its
 * /proc/self/fd path, so that nothing is written to disk and nothing is
 * left behind by a crash. Through them:
 *   - pf_maillog_read() then pf_maillog_add_history() and
 *     pf_maillog_add_bounced() into a listing that already has two of the
 *     ids the seeds use (those stay the listing's, with their attempts),
 *     then finished as a source's listing is;
 *   - pf_maillog_new_ids() for a few old ids, as after a requeue.
 * What it adds must be a listing like any other: valid queue ids, bounced
 * mail with bounced recipients and their reasons.
 *
 *   tests/fuzz/run 300 maillog
 */

#define _GNU_SOURCE /* memfd_create */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "postfix/internal.h"
#include "snapshot.h"

static int log_fd = -1;
static char log_path[64];

static void write_log(const uint8_t *data, size_t size) {
	if (log_fd < 0) {
		log_fd = memfd_create("maillog", MFD_CLOEXEC);
		if (log_fd < 0) {
			perror("fuzz-maillog: memfd_create");
			abort();
		}
		snprintf(log_path, sizeof(log_path), "/proc/self/fd/%d", log_fd);
	}
	if (ftruncate(log_fd, 0) != 0) {
		abort();
	}
	for (size_t at = 0; at < size;) {
		ssize_t n = pwrite(log_fd, data + at, size - at, (off_t)at);
		if (n <= 0) {
			abort();
		}
		at += (size_t)n;
	}
}

static void check_listing(const struct mr_snapshot *snap, size_t queued) {
	for (size_t i = 0; i < snap->n_messages; i++) {
		const struct mr_message *m = &snap->messages[i];
		if (!mr_queue_id_valid(m->id) || m->sender == NULL ||
			(size_t)m->first_rcpt + m->n_rcpts > snap->n_recipients) {
			abort();
		}
		if (i < queued) {
			continue; /* the listing's own */
		}
		if (m->queue != MR_QUEUE_BOUNCED) {
			abort();
		}
		for (size_t k = 0; k < i; k++) {
			if (strcmp(snap->messages[k].id, m->id) == 0) {
				abort(); /* a message listed and bounced is listed once */
			}
		}
		for (uint32_t k = 0; k < m->n_rcpts; k++) {
			const struct mr_recipient *r = mr_message_rcpt(snap, m, k);
			if (r->address == NULL || r->state != MR_RCPT_BOUNCED ||
				r->reason == NULL || r->diagnosis >= snap->n_diagnoses) {
				abort();
			}
		}
	}
}

/* Attempts only of the listed messages, in their order, their runs
 * contiguous (the recipients the log adds keep every run in place), every
 * reply decoded; a recipient's count no more than its message's lines. */
static void check_history(const struct mr_snapshot *snap, size_t queued) {
	for (size_t i = 0; i < snap->n_attempts; i++) {
		const struct mr_attempt *a = &snap->attempts[i];
		if (a->message >= queued || (i > 0 && a->message < snap->attempts[i - 1].message) ||
			a->status >= MR_ATTEMPT_STATUS_COUNT || a->reply == NULL ||
			mr_attempt_diagnosis(snap, a) == NULL || a->recipient == NULL) {
			abort();
		}
	}
	uint32_t next = 0;
	for (size_t i = 0; i < snap->n_messages; i++) {
		const struct mr_message *m = &snap->messages[i];
		size_t n;
		mr_message_history(snap, m, &n);
		if (m->first_rcpt != next || m->attempts > (int32_t)n) {
			abort();
		}
		next += m->n_rcpts;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	write_log(data, size);
	struct pf pf = { .maillog = log_path };

	struct mr_snapshot *snap = mr_snapshot_create();
	static const char *const listed[] = { "4B1E2C3D4E", "3XyZ1s2Bq4zWq8R" };
	for (size_t i = 0; i < 2; i++) {
		struct mr_message *m = mr_snapshot_add_message(snap, listed[i]);
		m->queue = MR_QUEUE_DEFERRED;
		m->sender = mr_snapshot_intern(snap, "a@b.test");
		mr_snapshot_add_recipient(snap, "c@d.test");
	}
	char *note = NULL;
	struct pf_maillog *log = pf_maillog_read(&pf, &note);
	free(note);
	bool read = log != NULL;
	pf_maillog_add_history(log, snap);
	pf_maillog_add_bounced(log, snap);
	mr_snapshot_finish(snap);
	check_listing(snap, 2);
	check_history(snap, 2);

	/* After a requeue: the new ids of these, from pickup's orig_id. */
	static const char *const old[] = { "4B1E2C3D4E", "A8A8E104066", "3XyZ1s2Bq4zWq8R",
		"1E00F105FF8" };
	char *new_ids[4] = { NULL, NULL, NULL, NULL };
	size_t known = pf_maillog_new_ids(&pf, 0, old, 4, new_ids);
	size_t named = 0;
	for (size_t i = 0; i < 4; i++) {
		if (new_ids[i] != NULL) {
			if (!mr_queue_id_valid(new_ids[i])) {
				abort(); /* it goes to postsuper */
			}
			named++;
		}
		free(new_ids[i]);
	}
	if (known != named) {
		abort();
	}
	size_t bounced = snap->n_messages - 2, timed = 0;
	for (size_t i = 2; i < snap->n_messages; i++) {
		timed += snap->messages[i].arrival != MR_TIME_UNKNOWN;
	}
	fuzz_note("%s: %zu bounced messages (%zu with their time) and %zu recipients added "
		  "beside 2 listed, %zu attempts of them; %zu of 4 requeued ids found",
		read ? "read" : "no log", bounced, timed, snap->n_recipients - 2, snap->n_attempts,
		known);
	mr_snapshot_destroy(snap);
	return 0;
}
