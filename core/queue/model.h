#ifndef MR_MODEL_H
#define MR_MODEL_H

/*
 * The queue model: messages and their recipients as one refresh of a source
 * saw them. Strings point into the owning snapshot's pool; recipients of a
 * message are a contiguous run in the snapshot's recipient array, so a
 * million-message snapshot is three flat arrays and a pool, not a million
 * small allocations.
 */

#include <stdbool.h>
#include <stdint.h>

/* The queues mailroom shows, in Postfix's order (active, deferred, hold...); "bounced" holds mail
 * that has already left the queue with a permanent failure (read from logs or kept by a stored
 * queue), so its reasons can still be shown. */
enum mr_queue {
	MR_QUEUE_INCOMING,
	MR_QUEUE_ACTIVE,
	MR_QUEUE_DEFERRED,
	MR_QUEUE_HOLD,
	MR_QUEUE_MAILDROP,
	MR_QUEUE_CORRUPT,
	MR_QUEUE_BOUNCED,
	MR_QUEUE_COUNT
};

enum mr_rcpt_state {
	MR_RCPT_PENDING,  /* not tried yet, or being tried now */
	MR_RCPT_DEFERRED, /* tried, failed temporarily, will be tried again */
	MR_RCPT_BOUNCED,  /* failed permanently */
	MR_RCPT_STATE_COUNT
};

/* Times are Unix seconds; this value means the source does not know. */
#define MR_TIME_UNKNOWN     ((int64_t)0)
#define MR_ATTEMPTS_UNKNOWN (-1)

/* The times a queue can really hold: 1980-01-01 to 2100-01-01 (Unix
 * seconds). A time outside is damage, not mail: read as one, it shows an
 * age of thousands of years. Sources take such a time as unknown. */
#define MR_TIME_MIN ((int64_t)315532800)
#define MR_TIME_MAX ((int64_t)4102444800)
/* The largest message size taken as real: 1 TiB (Postfix's default
 * message_size_limit is 10 MB; a size of 1e300 is damage). */
#define MR_SIZE_MAX ((int64_t)1 << 40)

enum mr_message_flag {
	MR_MSG_FORCED_EXPIRE = 1 << 0, /* will be returned to sender at the next attempt */
	MR_MSG_HAS_PRIORITY = 1 << 1,  /* the source keeps a priority for it */
	/* Its delivery attempts were looked for in a mail log (the snapshot's
	 * attempts hold what was found, maybe none). */
	MR_MSG_HISTORY = 1 << 2,
	/* The part of the log read begins after the message arrived: its
	 * attempts (and its recipients') are at least the ones found. */
	MR_MSG_HISTORY_PARTIAL = 1 << 3,
};

enum mr_attempt_status {
	MR_ATTEMPT_DEFERRED, /* failed temporarily */
	MR_ATTEMPT_BOUNCED,  /* failed permanently */
	MR_ATTEMPT_SENT,     /* delivered */
	MR_ATTEMPT_STATUS_COUNT
};

/* A delay of an attempt that the log did not give. */
#define MR_DELAY_UNKNOWN UINT32_MAX

/*
 * One delivery attempt of one recipient, as a mail log tells it. A
 * snapshot keeps them in one flat array ordered by message (then as
 * logged), so a message's history is a run found by its index and a
 * queue without logs costs nothing.
 */
struct mr_attempt {
	const char *recipient;       /* interned */
	const char *relay;           /* "mx.example.com[192.0.2.20]:25", "none"; interned */
	const char *dsn;             /* "4.4.1", "" when not given; interned */
	const struct mr_text *reply; /* the reply or the reason; its index is its diagnosis's */
	int64_t when;
	/* Postfix's delays=a/b/c/d in hundredths of a second (before the queue
	 * manager, in it, connection setup, transmission): MR_DELAY_UNKNOWN
	 * when not given. */
	uint32_t delays[4];
	uint32_t message; /* index into the snapshot's messages */
	uint8_t status;   /* enum mr_attempt_status */
};

struct mr_text; /* textpool.h: read a reason with mr_text_str() */

struct mr_recipient {
	const char *address;
	const char *original;         /* as first addressed, or NULL when the same */
	const struct mr_text *reason; /* the last failure text, or NULL when none */
	int64_t last_attempt;
	int64_t next_retry;
	/* The decoded reason: an index into the snapshot's diagnoses, set by
	 * mr_snapshot_finish(), or MR_NO_DIAGNOSIS when there is no reason. */
	uint32_t diagnosis;
	/* 16 bits: Postfix tries a message at most a few hundred times in its
	 * queue lifetime, and a million-message snapshot has two million of
	 * these (48 bytes each, not 56). */
	int16_t attempts;
	uint8_t state; /* enum mr_rcpt_state */
};

/* attempts as a recipient holds it: MR_ATTEMPTS_UNKNOWN, or 0..INT16_MAX. */
static inline int16_t mr_attempts_clamp(int64_t attempts) {
	return (int16_t)(attempts < 0           ? MR_ATTEMPTS_UNKNOWN
			 : attempts > INT16_MAX ? INT16_MAX
						: attempts);
}

#define MR_NO_DIAGNOSIS UINT32_MAX

struct mr_message {
	const char *id;
	const char *sender; /* "" is the null sender (bounces) */
	int64_t arrival;
	/* Derived from the recipients unless the source says otherwise: the
	 * highest attempt count and the earliest retry of a deferred recipient. */
	int64_t next_retry;
	uint64_t size;
	uint32_t first_rcpt; /* index into the snapshot's recipients */
	uint32_t n_rcpts;
	int32_t priority; /* higher is more urgent; 0 when the source has none */
	int32_t attempts;
	uint8_t queue; /* enum mr_queue */
	uint8_t flags; /* enum mr_message_flag */
	/* Which source listed it when several are merged (the snapshot's
	 * origins); 0 with one source. Ids are unique only within a source. */
	uint16_t origin;
};

const char *mr_queue_name(enum mr_queue queue);
bool mr_queue_parse(const char *name, enum mr_queue *queue);

/*
 * What the list shows of where a message stands: its queue, or "expiring"
 * for mail the operator expired (postsuper -e, or expire on a stored queue)
 * that is still queued and not on hold (held mail is never tried). Postfix returns it to the sender
 * at its next attempt, whatever its recipients' last replies said: they stay its reasons (the last
 * failure), but "deferred" would promise another try. States are the queues' numbers, then
 * MR_STATE_EXPIRING.
 */
enum { MR_STATE_EXPIRING = MR_QUEUE_COUNT, MR_STATE_COUNT };
int mr_message_state(const struct mr_message *msg);
/* Why a message is in its state, when the state alone does not say it:
 * expiring, or bounced because the operator expired it; NULL otherwise. */
const char *mr_message_state_why(const struct mr_message *msg);
const char *mr_state_name(int state);
bool mr_state_parse(const char *name, int *state);
const char *mr_rcpt_state_name(enum mr_rcpt_state state);
const char *mr_attempt_status_name(enum mr_attempt_status status);
bool mr_rcpt_state_parse(const char *name, enum mr_rcpt_state *state);

/*
 * Whether id has the shape of a Postfix queue id (short hex or long
 * enable_long_queue_ids form): 1..MR_QUEUE_ID_MAX characters of [0-9A-Za-z].
 * Every backend accepts only such ids, so an id can never carry a path, an
 * option or shell syntax into a command.
 */
#define MR_QUEUE_ID_MAX 64
bool mr_queue_id_valid(const char *id);

#endif
