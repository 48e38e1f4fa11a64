/*
 * When Postfix tries a deferred message next. qmgr sets a deferred queue
 * file's modification time to the time of its next delivery attempt and
 * scans the deferred queue for files whose time has come, so the files'
 * times are the answer. Reading them needs the queue directory (root only:
 * it is mode 0700, owned by postfix); without it the time stays unknown.
 */

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"
#include "xalloc.h"

struct id_index {
	const char **ids;
	uint32_t *message;
	size_t mask;
};

static size_t slot(const struct id_index *x, const char *id) {
	size_t h = (size_t)mr_hash_bytes(id, strlen(id)) & x->mask;
	while (x->ids[h] != NULL && strcmp(x->ids[h], id) != 0) {
		h = (h + 1) & x->mask;
	}
	return h;
}

static void walk(const char *dir, int depth, const struct id_index *x, struct mr_snapshot *snap) {
	DIR *d = opendir(dir);
	if (d == NULL) {
		return;
	}
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.') {
			continue;
		}
		char *path = mr_xasprintf("%s/%s", dir, e->d_name);
		struct stat st;
		if (lstat(path, &st) == 0) {
			if (S_ISDIR(st.st_mode) && depth < 4) {
				walk(path, depth + 1, x, snap); /* hash_queue_depth levels */
			} else if (S_ISREG(st.st_mode)) {
				size_t h = slot(x, e->d_name);
				if (x->ids[h] != NULL) {
					struct mr_message *m = &snap->messages[x->message[h]];
					m->next_retry = (int64_t)st.st_mtime;
					for (uint32_t i = 0; i < m->n_rcpts; i++) {
						struct mr_recipient *r =
							&snap->recipients[m->first_rcpt + i];
						if (r->state == MR_RCPT_DEFERRED) {
							r->next_retry = m->next_retry;
						}
					}
				}
			}
		}
		free(path);
	}
	closedir(d);
}

void pf_next_retry(const struct pf *pf, struct mr_snapshot *snap) {
	if (pf->queue_dir == NULL) {
		return;
	}
	size_t deferred = 0;
	for (size_t i = 0; i < snap->n_messages; i++) {
		deferred += snap->messages[i].queue == MR_QUEUE_DEFERRED;
	}
	if (deferred == 0) {
		return;
	}
	size_t slots = 16;
	while (slots < deferred * 2) {
		slots *= 2;
	}
	struct id_index x = { mr_xcalloc(slots, sizeof(*x.ids)),
		mr_xcalloc(slots, sizeof(*x.message)), slots - 1 };
	for (size_t i = 0; i < snap->n_messages; i++) {
		if (snap->messages[i].queue == MR_QUEUE_DEFERRED) {
			size_t h = slot(&x, snap->messages[i].id);
			x.ids[h] = snap->messages[i].id;
			x.message[h] = (uint32_t)i;
		}
	}
	char *dir = mr_xasprintf("%s/deferred", pf->queue_dir);
	walk(dir, 0, &x, snap);
	free(dir);
	free(x.ids);
	free(x.message);
}
