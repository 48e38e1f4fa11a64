#ifndef MR_SSH_PROMPTS_H
#define MR_SSH_PROMPTS_H

#include <stdbool.h>

#include "transport_ssh.h"

/* How remote sources opened with these prompts treat a host seen for the
 * first time: asked on the terminal (the screen), refused (the commands), or
 * added to known_hosts (--accept-new). Passphrases are asked on the
 * terminal in every case. */
struct mr_ssh_prompts ssh_prompts_for(bool ask_new_host, bool accept_new);

/* From now on the terminal is the screen's: nothing more is asked (a host
 * seen for the first time is refused, an encrypted key skipped). Waits for
 * a question being answered. Sources opened on threads (several at once)
 * ask one at a time. */
void ssh_prompts_close(void);

#endif
