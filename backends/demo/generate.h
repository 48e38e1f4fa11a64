#ifndef MR_GENERATE_H
#define MR_GENERATE_H

/*
 * Writes realistic stuck-mail queues of any size: the demo queue and the
 * test and benchmark queues. The mix (recipient domains with their MX hosts,
 * the real reply texts each provider gives, senders, subjects, names) is
 * data in share/demo/; the generator only draws from it. Message i depends
 * only on the options and i, so equal options give equal queues, and any
 * prefix of a large queue is the smaller queue.
 */

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "model.h"
#include "snapshot.h"

struct mr_gen_options {
	uint64_t seed;
	int64_t now;   /* ages are relative to this */
	bool long_ids; /* enable_long_queue_ids style ids instead of short hex */
};

struct mr_gen;

struct mr_gen *mr_gen_create(const struct mr_gen_options *options, char **cause);
void mr_gen_destroy(struct mr_gen *gen);

/* Appends the next count messages of the sequence to snap. */
void mr_gen_fill(struct mr_gen *gen, struct mr_snapshot *snap, size_t count);

/* The header block and (abridged) body of a generated message. */
void mr_gen_content(const struct mr_gen *gen, const struct mr_snapshot *snap,
	const struct mr_message *msg, struct mr_buf *headers, struct mr_buf *body);

#endif
