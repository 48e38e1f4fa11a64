/*
 * A listing looked up by queue id: an action on thousands of ids in a large
 * queue must not search the listing once per id.
 */

#include <string.h>

#include "internal.h"

void pf_listing_init(struct pf_listing *l, const struct mr_snapshot *snap) {
	l->snap = snap;
	l->ids = mr_strpool_create();
	mr_ptrmap_init(&l->index);
	for (size_t i = 0; snap && i < snap->n_messages; i++) {
		const char *id = snap->messages[i].id;
		mr_ptrmap_put(&l->index, mr_strpool_intern(l->ids, id, strlen(id)), (uint32_t)i);
	}
}

void pf_listing_finish(struct pf_listing *l) {
	mr_ptrmap_finish(&l->index);
	mr_strpool_destroy(l->ids);
}

const struct mr_message *pf_listing_find(struct pf_listing *l, const char *id) {
	if (l->snap == NULL) {
		return NULL;
	}
	uint32_t i = mr_ptrmap_get(&l->index, mr_strpool_intern(l->ids, id, strlen(id)));
	return i == UINT32_MAX ? NULL : &l->snap->messages[i];
}
