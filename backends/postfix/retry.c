/*
 * When Postfix tries a deferred message next. qmgr sets a deferred queue
 * file's modification time to the time of its next delivery attempt and
 * scans the deferred queue for files whose time has come, so the files'
 * times are the answer. Reading them needs the queue directory (root only:
 * it is mode 0700, owned by postfix); without it the time stays unknown.
 */

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"
#include "ptrmap.h"
#include "xalloc.h"

struct pf_retry_times {
	struct mr_strpool *names;
	struct mr_ptrmap index; /* interned file name -> times[] */
	int64_t *times;
	size_t n, cap;
};

static void walk(const char *dir, int depth, struct pf_retry_times *rt) {
	DIR *d = opendir(dir);
	if (d == NULL) {
		return;
	}
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.') {
			continue;
		}
		struct stat st;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
			continue;
		}
		if (S_ISDIR(st.st_mode) && depth < 4) {
			char *path = mr_xasprintf("%s/%s", dir, e->d_name);
			walk(path, depth + 1, rt); /* hash_queue_depth levels */
			free(path);
		} else if (S_ISREG(st.st_mode)) {
			if (rt->n == rt->cap) {
				rt->cap = rt->cap ? rt->cap * 2 : 1024;
				rt->times =
					mr_xreallocarray(rt->times, rt->cap, sizeof(*rt->times));
			}
			rt->times[rt->n] = (int64_t)st.st_mtime;
			const char *name =
				mr_strpool_intern(rt->names, e->d_name, strlen(e->d_name));
			mr_ptrmap_put(&rt->index, name, (uint32_t)rt->n++);
		}
	}
	closedir(d);
}

struct pf_retry_times *pf_retry_read(const struct pf *pf) {
	if (pf->queue_dir == NULL) {
		return NULL;
	}
	struct pf_retry_times *rt = mr_xcalloc(1, sizeof(*rt));
	rt->names = mr_strpool_create();
	mr_ptrmap_init(&rt->index);
	char *dir = mr_xasprintf("%s/deferred", pf->queue_dir);
	walk(dir, 0, rt);
	free(dir);
	return rt;
}

void pf_retry_apply(struct pf_retry_times *rt, struct mr_snapshot *snap) {
	if (rt == NULL) {
		return;
	}
	for (size_t i = 0; snap && i < snap->n_messages; i++) {
		struct mr_message *m = &snap->messages[i];
		if (m->queue != MR_QUEUE_DEFERRED) {
			continue;
		}
		const char *name = mr_strpool_intern(rt->names, m->id, strlen(m->id));
		uint32_t k = mr_ptrmap_get(&rt->index, name);
		if (k == UINT32_MAX) {
			continue;
		}
		m->next_retry = rt->times[k];
		for (uint32_t r = 0; r < m->n_rcpts; r++) {
			struct mr_recipient *rc = &snap->recipients[m->first_rcpt + r];
			if (rc->state == MR_RCPT_DEFERRED) {
				rc->next_retry = m->next_retry;
			}
		}
	}
	mr_ptrmap_finish(&rt->index);
	mr_strpool_destroy(rt->names);
	free(rt->times);
	free(rt);
}
