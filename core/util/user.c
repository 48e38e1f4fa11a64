#include "user.h"

#include <pwd.h>
#include <stdio.h>
#include <unistd.h>

const char *mr_user_name(void) {
	static char name[64];
	if (name[0] == '\0') {
		struct passwd *pw = getpwuid(geteuid());
		if (pw != NULL && pw->pw_name != NULL) {
			snprintf(name, sizeof(name), "%s", pw->pw_name);
		} else {
			snprintf(name, sizeof(name), "uid %u", (unsigned)geteuid());
		}
	}
	return name;
}
