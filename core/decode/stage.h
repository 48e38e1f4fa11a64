#ifndef MR_STAGE_H
#define MR_STAGE_H

/* The SMTP stages a failure can happen at, with their names. */

enum mr_stage {
	MR_STAGE_NONE, /* the text does not say */
	MR_STAGE_CONNECT,
	MR_STAGE_GREETING,
	MR_STAGE_HELO,
	MR_STAGE_STARTTLS,
	MR_STAGE_AUTH,
	MR_STAGE_MAIL,
	MR_STAGE_RCPT,
	MR_STAGE_DATA,
	MR_STAGE_END_OF_DATA,
	MR_STAGE_COUNT
};

const char *mr_stage_name(enum mr_stage stage);  /* "rcpt", or NULL for none */
const char *mr_stage_label(enum mr_stage stage); /* "RCPT TO", for people */
/* MR_STAGE_NONE for "-" or a name it does not know. */
enum mr_stage mr_stage_parse(const char *name);

#endif
