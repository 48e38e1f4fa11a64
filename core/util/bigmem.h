#ifndef MR_BIGMEM_H
#define MR_BIGMEM_H

/*
 * Memory for the few arrays that grow with the queue (messages, recipients,
 * the string pool's blocks and table). A million-message snapshot touches
 * some hundred thousand pages, and on a virtual machine each first touch of
 * a 4 KiB page is a trap that costs microseconds: mapping these arrays in
 * 2 MiB-aligned regions that the kernel may back with transparent huge
 * pages makes loading such a queue markedly faster (docs/architecture.md,
 * "Memory"). Small sizes stay with malloc, so small queues cost nothing more.
 *
 * The caller remembers each allocation's size and passes it back.
 */

#include <stddef.h>

/* size zeroed bytes; never NULL (out of memory is fatal, as in xalloc.h). */
void *mr_big_alloc(size_t size);
/* p (of old_size bytes, or NULL) grown to new_size >= old_size bytes, the
 * contents kept; the bytes past old_size are unspecified. */
void *mr_big_grow(void *p, size_t old_size, size_t new_size);
void mr_big_free(void *p, size_t size);

#endif
