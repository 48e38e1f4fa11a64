#include "model.h"

#include <string.h>

static const char *const queue_names[MR_QUEUE_COUNT] = {
	[MR_QUEUE_INCOMING] = "incoming",
	[MR_QUEUE_ACTIVE] = "active",
	[MR_QUEUE_DEFERRED] = "deferred",
	[MR_QUEUE_HOLD] = "hold",
	[MR_QUEUE_MAILDROP] = "maildrop",
	[MR_QUEUE_CORRUPT] = "corrupt",
	[MR_QUEUE_BOUNCED] = "bounced",
};

static const char *const rcpt_state_names[MR_RCPT_STATE_COUNT] = {
	[MR_RCPT_PENDING] = "pending",
	[MR_RCPT_DEFERRED] = "deferred",
	[MR_RCPT_BOUNCED] = "bounced",
};

const char *mr_queue_name(enum mr_queue queue) {
	return (unsigned)queue < MR_QUEUE_COUNT ? queue_names[queue] : "?";
}

bool mr_queue_parse(const char *name, enum mr_queue *queue) {
	for (unsigned i = 0; i < MR_QUEUE_COUNT; i++) {
		if (strcmp(name, queue_names[i]) == 0) {
			*queue = (enum mr_queue)i;
			return true;
		}
	}
	return false;
}

int mr_message_state(const struct mr_message *msg) {
	/* Mail that already left (bounced) was returned; held mail is never
	 * tried, so it is returned only once released (mailroom's expire
	 * releases it: postsuper -f, as SQLite's does). */
	if ((msg->flags & MR_MSG_FORCED_EXPIRE) && msg->queue != MR_QUEUE_BOUNCED &&
		msg->queue != MR_QUEUE_HOLD) {
		return MR_STATE_EXPIRING;
	}
	return msg->queue;
}

const char *mr_message_state_why(const struct mr_message *msg) {
	if (!(msg->flags & MR_MSG_FORCED_EXPIRE)) {
		return NULL;
	}
	switch (msg->queue) {
	case MR_QUEUE_BOUNCED:
		return "expired by the operator (postsuper -e): returned to the sender";
	case MR_QUEUE_HOLD:
		return "expired by the operator (postsuper -e): returned to the sender once "
		       "released";
	default:
		return "expired by the operator (postsuper -e): returned to the sender at the "
		       "next attempt";
	}
}

const char *mr_state_name(int state) {
	return state == MR_STATE_EXPIRING ? "expiring" : mr_queue_name((enum mr_queue)state);
}

bool mr_state_parse(const char *name, int *state) {
	enum mr_queue q;
	if (strcmp(name, "expiring") == 0) {
		*state = MR_STATE_EXPIRING;
		return true;
	}
	if (!mr_queue_parse(name, &q)) {
		return false;
	}
	*state = (int)q;
	return true;
}

const char *mr_rcpt_state_name(enum mr_rcpt_state state) {
	return (unsigned)state < MR_RCPT_STATE_COUNT ? rcpt_state_names[state] : "?";
}

/* Postfix's own words in the log's status= field. */
static const char *const attempt_status_names[MR_ATTEMPT_STATUS_COUNT] = { "deferred", "bounced",
	"sent" };

const char *mr_attempt_status_name(enum mr_attempt_status status) {
	return (unsigned)status < MR_ATTEMPT_STATUS_COUNT ? attempt_status_names[status] : "?";
}

bool mr_rcpt_state_parse(const char *name, enum mr_rcpt_state *state) {
	for (unsigned i = 0; i < MR_RCPT_STATE_COUNT; i++) {
		if (strcmp(name, rcpt_state_names[i]) == 0) {
			*state = (enum mr_rcpt_state)i;
			return true;
		}
	}
	return false;
}

bool mr_queue_id_valid(const char *id) {
	size_t len = 0;
	for (const char *p = id; *p != '\0'; p++, len++) {
		char c = *p;
		bool alnum =
			(c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
		if (!alnum || len >= MR_QUEUE_ID_MAX) {
			return false;
		}
	}
	return len > 0;
}
