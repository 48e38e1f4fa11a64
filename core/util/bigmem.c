#define _GNU_SOURCE /* mremap */

#include "bigmem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "xalloc.h"

/* The size of a huge page on x86-64 and arm64; below it, malloc. */
enum { HUGE = 2 * 1024 * 1024 };

static size_t mapped_size(size_t size) {
	if (size > SIZE_MAX - HUGE) {
		mr_fatal("out of memory (allocating %zu bytes)", size);
	}
	return (size + HUGE - 1) & ~(size_t)(HUGE - 1);
}

/* A zeroed, HUGE-aligned mapping of size (a multiple of HUGE) bytes. */
static void *map_aligned(size_t size) {
	/* Map one huge page more than needed and trim, so the start is aligned
	 * and the kernel can use huge pages from the first byte. */
	size_t span = size + HUGE;
	char *p = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		mr_fatal("out of memory (mapping %zu bytes)", size);
	}
	uintptr_t start = ((uintptr_t)p + HUGE - 1) & ~(uintptr_t)(HUGE - 1);
	size_t head = start - (uintptr_t)p;
	if (head > 0) {
		munmap(p, head);
	}
	if (span - head > size) {
		munmap((char *)start + size, span - head - size);
	}
#ifdef MADV_HUGEPAGE
	/* Advice only: where huge pages are off, this is ordinary memory. */
	madvise((void *)start, size, MADV_HUGEPAGE);
#endif
	return (void *)start;
}

void *mr_big_alloc(size_t size) {
	if (size < HUGE) {
		return mr_xcalloc(1, size);
	}
	return map_aligned(mapped_size(size));
}

void *mr_big_grow(void *p, size_t old_size, size_t new_size) {
	if (p == NULL) {
		return mr_big_alloc(new_size);
	}
	if (new_size < HUGE) {
		return mr_xrealloc(p, new_size);
	}
	if (old_size < HUGE) {
		void *q = map_aligned(mapped_size(new_size));
		memcpy(q, p, old_size);
		free(p);
		return q;
	}
	size_t old_mapped = mapped_size(old_size), new_mapped = mapped_size(new_size);
	if (new_mapped == old_mapped) {
		return p;
	}
	/* Move the pages, not their contents, into a new aligned region. */
	void *q = map_aligned(new_mapped);
	if (mremap(p, old_mapped, old_mapped, MREMAP_MAYMOVE | MREMAP_FIXED, q) == MAP_FAILED) {
		memcpy(q, p, old_size);
		munmap(p, old_mapped);
	}
	return q;
}

void mr_big_free(void *p, size_t size) {
	if (p == NULL) {
		return;
	}
	if (size < HUGE) {
		free(p);
	} else {
		munmap(p, mapped_size(size));
	}
}
