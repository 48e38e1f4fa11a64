#ifndef MR_BLOB_H
#define MR_BLOB_H

/* Data files from share/, embedded at build time (see tools/embed.c). */

#include <stddef.h>

struct mr_blob {
	const char *name;          /* path below share/: "demo/replies.tsv" */
	const unsigned char *data; /* NUL-terminated */
	size_t len;
};

extern const struct mr_blob mr_blobs[];

/* The embedded file called name, or NULL. */
const struct mr_blob *mr_blob_find(const char *name);

#endif
