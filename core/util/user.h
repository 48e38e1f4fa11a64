#ifndef MR_USER_H
#define MR_USER_H

/* The login name of whoever runs mailroom, for action logs ("uid N" if
 * the account has no name). */
const char *mr_user_name(void);

#endif
