#ifndef MR_BACKEND_POSTFIX_FLUSH_REQUEST_H
#define MR_BACKEND_POSTFIX_FLUSH_REQUEST_H

/* postqueue -i's request to Postfix's flush service, sent directly (root,
 * local queue only): see flush_request.c. */

#include <stdbool.h>

enum pf_flush_outcome {
	PF_FLUSH_TAKEN,      /* the service took the request (status 0) */
	PF_FLUSH_REFUSED,    /* it answered with another status: *cause */
	PF_FLUSH_UNAVAILABLE /* no answer in its protocol: use postqueue -i (*cause) */
};

/* Asks the flush service at socket_path (QUEUE_DIRECTORY/public/flush) to
 * deliver deferred message id now. *cause: NULL, or why (free it). */
enum pf_flush_outcome pf_flush_request(const char *socket_path, const char *id, char **cause);

#endif
