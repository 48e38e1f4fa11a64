#include "matcher.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/*
 * mr_matcher_add() only keeps the patterns. mr_matcher_build() then gives
 * every byte that occurs in a pattern a class of its own (letters folded) and
 * all other bytes class 0, builds the trie as a dense states × classes table,
 * adds failure links breadth first and fills every missing transition from
 * the failure state's, so that scanning is one table lookup per byte. A byte
 * of class 0 always leads back to the root.
 */

struct pattern {
	char *text; /* lower case */
	size_t len;
	uint32_t id;
};

struct mr_matcher {
	struct pattern *patterns;
	size_t n_patterns, cap_patterns;

	uint8_t byte_class[256];
	uint32_t n_classes;
	/*
	 * next[row + class] is the next state's row (state × n_classes, so no
	 * multiplication while scanning), with OUTPUT_FLAG set when that state
	 * reports matches: the scan looks at nothing else for most bytes.
	 */
	uint32_t *next;
	uint32_t n_states;

	/* What state s reports: out[first[s] .. first[s] + count[s]). */
	uint32_t *first, *count;
	struct output {
		uint32_t id, len;
	} * out;
	size_t longest; /* pattern length */
};

#define OUTPUT_FLAG 0x80000000u

static unsigned char fold(unsigned char c) {
	return (unsigned char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
}

struct mr_matcher *mr_matcher_create(void) {
	return mr_xcalloc(1, sizeof(struct mr_matcher));
}

static void free_tables(struct mr_matcher *m) {
	free(m->next);
	free(m->first);
	free(m->count);
	free(m->out);
	m->next = NULL;
	m->first = m->count = NULL;
	m->out = NULL;
}

void mr_matcher_destroy(struct mr_matcher *m) {
	if (m == NULL) {
		return;
	}
	for (size_t i = 0; i < m->n_patterns; i++) {
		free(m->patterns[i].text);
	}
	free(m->patterns);
	free_tables(m);
	free(m);
}

void mr_matcher_add(struct mr_matcher *m, const char *pattern, size_t len, uint32_t id) {
	if (len == 0) {
		return;
	}
	if (m->n_patterns == m->cap_patterns) {
		m->cap_patterns = m->cap_patterns ? m->cap_patterns * 2 : 32;
		m->patterns = mr_xreallocarray(m->patterns, m->cap_patterns, sizeof(*m->patterns));
	}
	char *text = mr_xmalloc(len);
	for (size_t i = 0; i < len; i++) {
		text[i] = (char)fold((unsigned char)pattern[i]);
	}
	m->patterns[m->n_patterns++] = (struct pattern){ text, len, id };
}

static void assign_classes(struct mr_matcher *m) {
	memset(m->byte_class, 0, sizeof(m->byte_class));
	m->n_classes = 1;
	for (size_t i = 0; i < m->n_patterns; i++) {
		for (size_t j = 0; j < m->patterns[i].len; j++) {
			unsigned char c = (unsigned char)m->patterns[i].text[j];
			if (m->byte_class[c] == 0) {
				m->byte_class[c] = (uint8_t)m->n_classes++;
			}
		}
	}
	/* Upper-case letters read as their lower-case class. */
	for (unsigned c = 'A'; c <= 'Z'; c++) {
		m->byte_class[c] = m->byte_class[fold((unsigned char)c)];
	}
}

/*
 * Moves row s of the states × nc table to row to[s] (to is a permutation),
 * in place, one cycle at a time: the table, megabytes for a big knowledge
 * base, is not held twice while the matcher is built. The entries still
 * name states by their old numbers.
 */
static void move_rows(uint32_t *table, uint32_t nc, uint32_t n, const uint32_t *to) {
	bool *moved = mr_xcalloc(n ? n : 1, sizeof(*moved));
	uint32_t *held = mr_xcalloc(nc, sizeof(*held)), *spare = mr_xcalloc(nc, sizeof(*spare));
	size_t row = (size_t)nc * sizeof(*table);
	for (uint32_t s = 0; s < n; s++) {
		if (moved[s]) {
			continue;
		}
		memcpy(held, table + (size_t)s * nc, row);
		for (uint32_t at = s; !moved[at];) {
			uint32_t dest = to[at];
			memcpy(spare, table + (size_t)dest * nc, row);
			memcpy(table + (size_t)dest * nc, held, row);
			moved[at] = true;
			uint32_t *t = held;
			held = spare;
			spare = t;
			at = dest;
		}
	}
	free(moved);
	free(held);
	free(spare);
}

void mr_matcher_build(struct mr_matcher *m) {
	free_tables(m);
	m->longest = 0;
	assign_classes(m);
	size_t max_states = 1;
	for (size_t i = 0; i < m->n_patterns; i++) {
		max_states += m->patterns[i].len;
	}
	uint32_t nc = m->n_classes;
	uint32_t *next = mr_xcalloc(max_states * nc, sizeof(*next));
	uint32_t *terminal_of = mr_xcalloc(m->n_patterns ? m->n_patterns : 1, sizeof(uint32_t));
	uint32_t n_states = 1;

	/* The trie; state 0 is the root and no edge ever leads to it. */
	for (size_t i = 0; i < m->n_patterns; i++) {
		uint32_t s = 0;
		for (size_t j = 0; j < m->patterns[i].len; j++) {
			uint32_t cls = m->byte_class[(unsigned char)m->patterns[i].text[j]];
			if (next[s * nc + cls] == 0) {
				next[s * nc + cls] = n_states++;
			}
			s = next[s * nc + cls];
		}
		terminal_of[i] = s;
	}

	/* Own outputs per state, in the order the patterns were added. */
	uint32_t *own_count = mr_xcalloc(n_states, sizeof(uint32_t));
	for (size_t i = 0; i < m->n_patterns; i++) {
		own_count[terminal_of[i]]++;
	}
	uint32_t *own_first = mr_xcalloc(n_states + 1, sizeof(uint32_t));
	for (uint32_t s = 0; s < n_states; s++) {
		own_first[s + 1] = own_first[s] + own_count[s];
	}
	struct output *own = mr_xcalloc(m->n_patterns ? m->n_patterns : 1, sizeof(*own));
	uint32_t *fill = mr_xcalloc(n_states, sizeof(uint32_t));
	for (size_t i = 0; i < m->n_patterns; i++) {
		uint32_t s = terminal_of[i];
		own[own_first[s] + fill[s]++] =
			(struct output){ m->patterns[i].id, (uint32_t)m->patterns[i].len };
		if (m->patterns[i].len > m->longest) {
			m->longest = m->patterns[i].len;
		}
	}

	/* Failure links breadth first; a state's full output is its own
	 * followed by its failure state's, which is complete by then. */
	uint32_t *fail = mr_xcalloc(n_states, sizeof(uint32_t));
	uint32_t *queue = mr_xcalloc(n_states, sizeof(uint32_t));
	m->first = mr_xcalloc(n_states, sizeof(uint32_t));
	m->count = mr_xcalloc(n_states, sizeof(uint32_t));
	size_t n_out = 0, cap_out = m->n_patterns + 16;
	m->out = mr_xcalloc(cap_out, sizeof(*m->out));
	size_t head = 0, tail = 0;
	for (uint32_t c = 0; c < nc; c++) {
		if (next[c] != 0) {
			queue[tail++] = next[c];
		}
	}
	while (head < tail) {
		uint32_t s = queue[head++];
		uint32_t f = fail[s];
		size_t total = own_count[s] + (f ? m->count[f] : 0);
		if (n_out + total > cap_out) {
			cap_out = (n_out + total) * 2;
			m->out = mr_xreallocarray(m->out, cap_out, sizeof(*m->out));
		}
		m->first[s] = (uint32_t)n_out;
		memcpy(m->out + n_out, own + own_first[s], own_count[s] * sizeof(*own));
		n_out += own_count[s];
		if (f != 0) {
			memcpy(m->out + n_out, m->out + m->first[f], m->count[f] * sizeof(*own));
			n_out += m->count[f];
		}
		m->count[s] = (uint32_t)total;
		for (uint32_t c = 0; c < nc; c++) {
			uint32_t t = next[s * nc + c];
			if (t != 0) {
				fail[t] = next[f * nc + c];
				queue[tail++] = t;
			} else {
				next[s * nc + c] = next[f * nc + c];
			}
		}
	}
	/* Renumbered breadth first: the states near the root, where a scan
	 * spends nearly all its steps, take the first rows together and stay
	 * in the cache; numbered as the patterns came they were spread over
	 * the whole table. */
	uint32_t *renumber = mr_xcalloc(n_states, sizeof(uint32_t));
	for (size_t k = 0; k < tail; k++) {
		renumber[queue[k]] = (uint32_t)k + 1;
	}
	move_rows(next, nc, n_states, renumber);
	next = mr_xreallocarray(next, (size_t)n_states * nc, sizeof(*next));
	uint32_t *first = mr_xcalloc(n_states, sizeof(uint32_t));
	uint32_t *count = mr_xcalloc(n_states, sizeof(uint32_t));
	for (uint32_t old = 0; old < n_states; old++) {
		first[renumber[old]] = m->first[old];
		count[renumber[old]] = m->count[old];
	}
	free(m->first);
	free(m->count);
	m->first = first;
	m->count = count;
	free(queue);
	free(fail);
	free(fill);
	free(own);
	free(own_first);
	free(own_count);
	free(terminal_of);
	/* Rows instead of (old) state numbers, flagged where there is output. */
	if ((uint64_t)n_states * nc >= OUTPUT_FLAG) {
		mr_fatal("matcher: %u states of %u classes is too many", n_states, nc);
	}
	for (size_t i = 0; i < (size_t)n_states * nc; i++) {
		uint32_t t = renumber[next[i]];
		next[i] = t * nc | (m->count[t] ? OUTPUT_FLAG : 0);
	}
	free(renumber);
	m->next = next;
	m->n_states = n_states;
}

/* Stores what the state of row reports for matches ending at end that
 * start before the offset before, while there is room. */
static size_t report(const struct mr_matcher *m, uint32_t row, size_t end, size_t before,
	struct mr_match *matches, size_t max, size_t found) {
	uint32_t s = row / m->n_classes;
	for (uint32_t k = 0; k < m->count[s] && found < max; k++) {
		const struct output *o = &m->out[m->first[s] + k];
		if (end - o->len < before) {
			matches[found++] = (struct mr_match){ o->id, (uint32_t)end };
		}
	}
	return found;
}

size_t mr_matcher_scan(const struct mr_matcher *m, const char *text, size_t len,
	struct mr_match *matches, size_t max) {
	if (m->next == NULL) {
		return 0;
	}
	const uint32_t *next = m->next;
	const uint8_t *cls = m->byte_class;
	/*
	 * Each step waits for the table load of the step before, so a long text
	 * is scanned as two halves at once: the loads of one hide the other's.
	 * The first half runs on past the middle until no match can start
	 * before it; matches are stored first half first, which keeps, for
	 * every pattern, its matches in text order.
	 */
	size_t mid = len >= 4 * m->longest && len >= 64 ? len / 2 : len;
	struct mr_match second[128];
	size_t found = 0, found2 = 0;
	uint32_t a = 0, b = 0;
	size_t i = 0;
	for (; i < mid && mid + i < len; i++) {
		uint32_t va = next[a + cls[(unsigned char)text[i]]];
		uint32_t vb = next[b + cls[(unsigned char)text[mid + i]]];
		a = va & ~OUTPUT_FLAG;
		b = vb & ~OUTPUT_FLAG;
		if (va & OUTPUT_FLAG) {
			found = report(m, a, i + 1, SIZE_MAX, matches, max, found);
		}
		if (vb & OUTPUT_FLAG) {
			found2 = report(m, b, mid + i + 1, SIZE_MAX, second, 128, found2);
		}
	}
	/* The first half's tail into the second (or the whole short text):
	 * what starts from the middle on is the second half's. */
	size_t stop = mid < len ? mid + m->longest - 1 : len;
	for (; i < stop && i < len; i++) {
		uint32_t va = next[a + cls[(unsigned char)text[i]]];
		a = va & ~OUTPUT_FLAG;
		if (va & OUTPUT_FLAG) {
			found = report(
				m, a, i + 1, mid < len ? mid : SIZE_MAX, matches, max, found);
		}
	}
	/* The second half's end, when the text is odd in length. */
	for (size_t j = mid + (mid < len ? mid : 0); mid < len && j < len; j++) {
		uint32_t vb = next[b + cls[(unsigned char)text[j]]];
		b = vb & ~OUTPUT_FLAG;
		if (vb & OUTPUT_FLAG) {
			found2 = report(m, b, j + 1, SIZE_MAX, second, 128, found2);
		}
	}
	for (size_t k = 0; k < found2 && found < max; k++) {
		matches[found++] = second[k];
	}
	return found;
}
