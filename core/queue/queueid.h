#ifndef MR_QUEUEID_H
#define MR_QUEUEID_H

/*
 * Making queue ids: for generated queues, and for a message a SQLite queue
 * requeues, which Postfix would give a new id too.
 */

#include <stdbool.h>
#include <stdint.h>

#include "model.h"

/*
 * Queue id number n in Postfix's style: 11 hex digits, or the long form
 * (base-51 digits, 'z', more digits). Distinct n below 2^44 give distinct ids.
 */
void mr_queue_id_make(uint64_t n, bool long_ids, char out[MR_QUEUE_ID_MAX + 1]);

#endif
