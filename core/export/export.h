#ifndef MR_EXPORT_H
#define MR_EXPORT_H

/*
 * `mailroom list` output. The field names and their meaning are stable and
 * documented in mailroom(1); where postqueue -j has the same field, the name
 * is the same, so jq filters written for postqueue carry over.
 *
 *   json   one object per message and line (JSON Lines), every recipient
 *          and reason; strings are exact (escaped as JSON requires; bytes
 *          that are not UTF-8 become U+FFFD)
 *   csv    RFC 4180, a header row, then one row per recipient; control
 *          characters made visible as on the screen, and a text field that
 *          a spreadsheet would take for a formula (= + - @ TAB CR first)
 *          after a ' (OWASP's advice against CSV injection)
 *   csv-raw the same with each text field exactly as the queue has it
 *   table  aligned columns for people; untrusted text made visible; a PRIO
 *          column when a message listed has a priority (none on Postfix)
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "filter.h"
#include "snapshot.h"

enum mr_export_format {
	MR_EXPORT_TABLE,
	MR_EXPORT_JSON,
	MR_EXPORT_CSV,
	MR_EXPORT_CSV_RAW,   /* text fields exact: no visible escapes, no formula guard */
	MR_EXPORT_POSTQUEUE, /* as postqueue -j writes it; bounced mail (gone) left out */
};

/* Writes the messages of snap (source: its source's name; with merged
 * sources each message's origin is named instead, and the table has a
 * SOURCE column), those with only[i] set (every one when only
 * is NULL: one byte per message, as mr_filter_run() sets them from filter,
 * at now); the table names the recipient the filter picked and its reply
 * (mr_filter_first_recipient; filter may be NULL). False when writing
 * failed (errno set). */
bool mr_export_snapshot(FILE *out, enum mr_export_format format, const char *source,
	const struct mr_snapshot *snap, const uint8_t *only, const struct mr_filter *filter,
	int64_t now);

/*
 * The same written in parts, for a listing that comes in batches
 * (stream.h): start writes what comes first (CSV's header), write each
 * batch's messages with only[i] set (every one when only is NULL), end
 * flushes. The bytes are mr_export_snapshot's for the batches' messages in
 * a row. Not for the table, whose columns are as wide as the widest cell
 * of the whole queue: start returns NULL for it. write and end are false
 * when writing failed (errno set); end frees the exporter in any case.
 */
struct mr_exporter;
struct mr_exporter *mr_exporter_start(FILE *out, enum mr_export_format format, const char *source);
bool mr_exporter_write(struct mr_exporter *e, const struct mr_snapshot *snap, const uint8_t *only);
bool mr_exporter_end(struct mr_exporter *e);

#endif
