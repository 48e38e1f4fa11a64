#ifndef MR_REASON_H
#define MR_REASON_H

#include <stddef.h>

/*
 * The part of a Postfix reason text worth a list column: the remote reply
 * without the "host mx[ip] said: " lead-in and the "(in reply to RCPT TO
 * command)" trailer, or the whole text when it has neither. Returns a
 * pointer into reason and its length.
 */
const char *mr_reason_brief(const char *reason, size_t *len);

#endif
