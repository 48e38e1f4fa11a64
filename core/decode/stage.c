#include "stage.h"

#include <string.h>

static const char *const stage_names[MR_STAGE_COUNT][2] = {
	[MR_STAGE_NONE] = { NULL, NULL },
	[MR_STAGE_CONNECT] = { "connect", "connect" },
	[MR_STAGE_GREETING] = { "greeting", "greeting" },
	[MR_STAGE_HELO] = { "helo", "EHLO/HELO" },
	[MR_STAGE_STARTTLS] = { "starttls", "STARTTLS" },
	[MR_STAGE_AUTH] = { "auth", "AUTH" },
	[MR_STAGE_MAIL] = { "mail", "MAIL FROM" },
	[MR_STAGE_RCPT] = { "rcpt", "RCPT TO" },
	[MR_STAGE_DATA] = { "data", "DATA" },
	[MR_STAGE_END_OF_DATA] = { "end-of-data", "end of DATA" },
};

const char *mr_stage_name(enum mr_stage stage) {
	return (unsigned)stage < MR_STAGE_COUNT ? stage_names[stage][0] : NULL;
}

const char *mr_stage_label(enum mr_stage stage) {
	return (unsigned)stage < MR_STAGE_COUNT ? stage_names[stage][1] : NULL;
}

enum mr_stage mr_stage_parse(const char *name) {
	for (int s = 1; s < MR_STAGE_COUNT; s++) {
		if (strcmp(stage_names[s][0], name) == 0) {
			return (enum mr_stage)s;
		}
	}
	return MR_STAGE_NONE;
}
