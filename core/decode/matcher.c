#include "matcher.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/*
 * mr_matcher_add() only keeps the patterns. mr_matcher_build() then gives
 * every byte that occurs in a pattern a class of its own (letters folded) and
 * all other bytes class 0, builds the trie, adds failure links breadth first
 * and fills every missing transition from the failure state's, so that
 * scanning is one table lookup per byte. A byte of class 0 always leads back
 * to the root.
 *
 * That table is megabytes for a big knowledge base, far more than a core's
 * cache, and a scan spends most of its steps in the few states near the
 * root. So only the first DENSE_MAX states (breadth first) keep a row; each
 * deeper state keeps only the transitions in which it differs from its
 * nearest failure state that has a row (its own pattern's next byte, mostly),
 * and takes every other from that row. The whole fits in the cache.
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
	 * A state is a reference: for a state with a row, the row's offset in
	 * next (state × n_classes, so no multiplication while scanning); for a
	 * deeper one, SPARSE_FLAG and its record's offset in sparse. A
	 * reference carries OUTPUT_FLAG when that state reports matches: the
	 * scan looks at nothing else for most bytes.
	 */
	uint32_t *next;
	uint32_t n_states;
	/* Each deeper state's record: how many transitions of its own (with
	 * the first one's class and the state's depth), the row it defers to,
	 * what it reports (as first and count below), the transitions'
	 * references, then their classes, four to a word. */
	uint32_t *sparse;
	uint32_t dense_depth; /* the deepest state with a row */

	/* What state s with a row reports: out[first[s] .. first[s] + count[s]). */
	uint32_t *first, *count;
	struct output {
		uint32_t id, len;
	} * out;
	size_t longest; /* pattern length */
};

#define OUTPUT_FLAG 0x80000000u
#define SPARSE_FLAG 0x40000000u
#define REF_MASK    0x3fffffffu

/* States with a row of their own: 1,024 rows of 75 classes are 300 KB. */
enum { DENSE_MAX = 1024 };

/*
 * A sparse record's words before its references. SPARSE_COUNT holds the
 * class of the first (9 bits; NO_CLASS when there is none), how many (9
 * bits), and the depth (DEPTH_MANY for that deep or deeper). A state
 * deeper than the rows is most often on the way through one pattern, its
 * one transition of its own: the first class and reference come with the
 * count, and the step loads them together. The class is in the low bits,
 * where the step tests it without a shift.
 */
enum { SPARSE_COUNT, SPARSE_FALLBACK, SPARSE_FIRST_OUT, SPARSE_OUTS, SPARSE_HEAD };
#define CLASS_MASK  0x1ffu
#define COUNT_SHIFT 9
#define COUNT_MASK  0x1ffu
#define NO_CLASS    0x100u
#define DEPTH_SHIFT 18
#define DEPTH_MANY  0x3fffu

static unsigned char fold(unsigned char c) {
	return (unsigned char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
}

struct mr_matcher *mr_matcher_create(void) {
	return mr_xcalloc(1, sizeof(struct mr_matcher));
}

static void free_tables(struct mr_matcher *m) {
	free(m->next);
	free(m->sparse);
	m->sparse = NULL;
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

/* A sparse record's length in words with n transitions of its own. */
static size_t record_words(uint32_t n) {
	return SPARSE_HEAD + n + (n + 3) / 4;
}

/*
 * The automaton while it is built, by state numbers in the order the trie
 * made them ("old" numbers). Only the trie's own edges are kept as such, in
 * sibling lists sorted by class; a state near the root gets a full row of
 * transitions, and a deeper one only those in which it differs from the
 * nearest failure state with a row (as the finished matcher keeps them).
 * A full states × classes table is 13 MB for the knowledge base (25,639
 * states, 131 classes), and filling it took 40 of the 70 ms that loading
 * the knowledge base took.
 */
struct builder {
	uint32_t nc, n_states, n_dense;
	/* The trie: each state's first child, next sibling (by class), and
	 * the class of the edge into it. */
	uint32_t *child, *sibling, *edge;
	uint32_t *fail, *depth, *renumber; /* renumber: breadth-first order */
	uint32_t *rows;                    /* n_dense × nc, by new number */
	/* A deeper state's differences from its fallback's row: pairs
	 * (class, old state) sorted by class in diff[start .. start + n). */
	uint32_t *fallback, *diff_start, *diff_n;
	struct transition {
		uint32_t cls, to;
	} * diff;
	size_t n_diff, cap_diff;
};

/* The child of s by class c in the trie, made when it is not there yet. */
static uint32_t trie_child(struct builder *b, uint32_t s, uint32_t c) {
	uint32_t *link = &b->child[s];
	while (*link != 0 && b->edge[*link] < c) {
		link = &b->sibling[*link];
	}
	if (*link != 0 && b->edge[*link] == c) {
		return *link;
	}
	uint32_t t = b->n_states++;
	b->edge[t] = c;
	b->sibling[t] = *link;
	*link = t;
	return t;
}

static bool has_row(const struct builder *b, uint32_t s) {
	return b->renumber[s] < b->n_dense;
}

/* Where state s (already built) goes on class c. */
static uint32_t transition(const struct builder *b, uint32_t s, uint32_t c) {
	if (has_row(b, s)) {
		return b->rows[(size_t)b->renumber[s] * b->nc + c];
	}
	const struct transition *d = b->diff + b->diff_start[s];
	for (uint32_t i = 0; i < b->diff_n[s] && d[i].cls <= c; i++) {
		if (d[i].cls == c) {
			return d[i].to;
		}
	}
	return b->rows[(size_t)b->renumber[b->fallback[s]] * b->nc + c];
}

/*
 * State s's transitions, its failure state's being built: a row is the
 * failure state's with the trie's own edges written over it; a deeper
 * state's differences are its own edges and, where it has none, those its
 * failure state has from the same fallback (a failure state with a row is
 * itself the fallback, and has none).
 */
static void build_state(struct builder *b, uint32_t s) {
	uint32_t nc = b->nc, f = b->fail[s];
	if (has_row(b, s)) {
		uint32_t *row = b->rows + (size_t)b->renumber[s] * nc;
		if (s != 0) {
			memcpy(row, b->rows + (size_t)b->renumber[f] * nc, nc * sizeof(*row));
		}
		for (uint32_t t = b->child[s]; t != 0; t = b->sibling[t]) {
			row[b->edge[t]] = t;
		}
		return;
	}
	b->fallback[s] = has_row(b, f) ? f : b->fallback[f];
	uint32_t inherited = has_row(b, f) ? 0 : b->diff_n[f];
	uint32_t own = 0;
	for (uint32_t t = b->child[s]; t != 0; t = b->sibling[t]) {
		own++;
	}
	if (b->n_diff + own + inherited > b->cap_diff) {
		b->cap_diff = (b->n_diff + own + inherited) * 2;
		b->diff = mr_xreallocarray(b->diff, b->cap_diff, sizeof(*b->diff));
	}
	/* Both lists are sorted by class: merged, the trie's edge wins. */
	const struct transition *from = b->diff + (inherited ? b->diff_start[f] : 0);
	struct transition *out = b->diff + b->n_diff;
	uint32_t t = b->child[s], i = 0, n = 0;
	while (t != 0 || i < inherited) {
		if (t != 0 && (i == inherited || b->edge[t] <= from[i].cls)) {
			if (i < inherited && from[i].cls == b->edge[t]) {
				i++;
			}
			out[n++] = (struct transition){ b->edge[t], t };
			t = b->sibling[t];
		} else {
			out[n++] = from[i++];
		}
	}
	b->diff_start[s] = (uint32_t)b->n_diff;
	b->diff_n[s] = n;
	b->n_diff += n;
}

/*
 * The matcher's tables from the built automaton: the rows, and a record
 * for each deeper state. Records are laid out in the old order, that of the
 * patterns, so that following one pattern reads neighbouring records.
 */
static void compress(struct mr_matcher *m, const struct builder *b) {
	uint32_t nc = b->nc, n = b->n_states, n_dense = b->n_dense;
	const uint32_t *renumber = b->renumber;
	uint32_t *offset = mr_xcalloc(n, sizeof(uint32_t));
	size_t words = 0;
	for (uint32_t old = 0; old < n; old++) {
		if (has_row(b, old)) {
			continue;
		}
		offset[old] = (uint32_t)words;
		words += record_words(b->diff_n[old]);
		if (words >= SPARSE_FLAG) {
			mr_fatal("matcher: %u states of %u classes is too many", n, nc);
		}
	}
	/* A state's reference, flagged where there is output. */
#define REF(old)                                                                      \
	((renumber[old] < n_dense ? renumber[old] * nc : SPARSE_FLAG | offset[old]) | \
		(m->count[renumber[old]] ? OUTPUT_FLAG : 0))
	m->next = mr_xcalloc((size_t)n_dense * nc, sizeof(uint32_t));
	for (size_t k = 0; k < (size_t)n_dense * nc; k++) {
		m->next[k] = REF(b->rows[k]);
	}
	m->sparse = mr_xcalloc(words ? words : 1, sizeof(uint32_t));
	for (uint32_t old = 0; old < n; old++) {
		if (has_row(b, old)) {
			continue;
		}
		uint32_t *r = m->sparse + offset[old];
		const struct transition *d = b->diff + b->diff_start[old];
		uint32_t k = b->diff_n[old];
		uint32_t depth = b->depth[old] < DEPTH_MANY ? b->depth[old] : DEPTH_MANY;
		r[SPARSE_FALLBACK] = renumber[b->fallback[old]] * nc;
		r[SPARSE_COUNT] =
			(k > 0 ? d[0].cls : NO_CLASS) | k << COUNT_SHIFT | depth << DEPTH_SHIFT;
		r[SPARSE_FIRST_OUT] = m->first[renumber[old]];
		r[SPARSE_OUTS] = m->count[renumber[old]];
		uint8_t *classes = (uint8_t *)(r + SPARSE_HEAD + k);
		for (uint32_t i = 0; i < k; i++) {
			r[SPARSE_HEAD + i] = REF(d[i].to);
			classes[i] = (uint8_t)d[i].cls;
		}
	}
#undef REF
	/* Deeper states keep what they report in their records. */
	m->first = mr_xreallocarray(m->first, n_dense, sizeof(uint32_t));
	m->count = mr_xreallocarray(m->count, n_dense, sizeof(uint32_t));
	free(offset);
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
	struct builder b = { .nc = nc, .n_states = 1 };
	b.child = mr_xcalloc(max_states, sizeof(uint32_t));
	b.sibling = mr_xcalloc(max_states, sizeof(uint32_t));
	b.edge = mr_xcalloc(max_states, sizeof(uint32_t));
	uint32_t *terminal_of = mr_xcalloc(m->n_patterns ? m->n_patterns : 1, sizeof(uint32_t));

	/* The trie; state 0 is the root and no edge ever leads to it. */
	for (size_t i = 0; i < m->n_patterns; i++) {
		uint32_t s = 0;
		for (size_t j = 0; j < m->patterns[i].len; j++) {
			s = trie_child(&b, s, m->byte_class[(unsigned char)m->patterns[i].text[j]]);
		}
		terminal_of[i] = s;
		if (m->patterns[i].len > m->longest) {
			m->longest = m->patterns[i].len;
		}
	}
	uint32_t n_states = b.n_states;
	b.n_dense = n_states < DENSE_MAX ? n_states : DENSE_MAX;

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
	}

	/*
	 * Breadth first, children in class order: failure links, each
	 * state's transitions, and its full output (its own followed by its
	 * failure state's, which is complete by then). The states are
	 * renumbered in that order: those near the root, where a scan spends
	 * nearly all its steps, take the first rows together and stay in the
	 * cache; numbered as the patterns came they were spread out.
	 */
	b.fail = mr_xcalloc(n_states, sizeof(uint32_t));
	b.depth = mr_xcalloc(n_states, sizeof(uint32_t));
	b.renumber = mr_xcalloc(n_states, sizeof(uint32_t));
	b.rows = mr_xcalloc((size_t)b.n_dense * nc, sizeof(uint32_t));
	b.fallback = mr_xcalloc(n_states, sizeof(uint32_t));
	b.diff_start = mr_xcalloc(n_states, sizeof(uint32_t));
	b.diff_n = mr_xcalloc(n_states, sizeof(uint32_t));
	uint32_t *queue = mr_xcalloc(n_states, sizeof(uint32_t));
	uint32_t *first = mr_xcalloc(n_states, sizeof(uint32_t));
	uint32_t *count = mr_xcalloc(n_states, sizeof(uint32_t));
	size_t n_out = 0, cap_out = m->n_patterns + 16;
	m->out = mr_xcalloc(cap_out, sizeof(*m->out));
	size_t head = 0, tail = 0;
	queue[tail++] = 0;
	while (head < tail) {
		uint32_t s = queue[head++];
		uint32_t f = b.fail[s];
		build_state(&b, s);
		size_t total = own_count[s] + (s != 0 && f != 0 ? count[b.renumber[f]] : 0);
		if (n_out + total > cap_out) {
			cap_out = (n_out + total) * 2;
			m->out = mr_xreallocarray(m->out, cap_out, sizeof(*m->out));
		}
		uint32_t r = b.renumber[s];
		first[r] = (uint32_t)n_out;
		memcpy(m->out + n_out, own + own_first[s], own_count[s] * sizeof(*own));
		n_out += own_count[s];
		if (s != 0 && f != 0) {
			memcpy(m->out + n_out, m->out + first[b.renumber[f]],
				count[b.renumber[f]] * sizeof(*own));
			n_out += count[b.renumber[f]];
		}
		count[r] = (uint32_t)total;
		for (uint32_t t = b.child[s]; t != 0; t = b.sibling[t]) {
			b.fail[t] = s == 0 ? 0 : transition(&b, f, b.edge[t]);
			b.depth[t] = b.depth[s] + 1;
			b.renumber[t] = (uint32_t)tail;
			queue[tail++] = t;
		}
	}
	m->first = first;
	m->count = count;
	m->n_states = n_states;
	m->dense_depth = 0;
	for (uint32_t k = 0; k < b.n_dense; k++) {
		if (b.depth[queue[k]] > m->dense_depth) {
			m->dense_depth = b.depth[queue[k]];
		}
	}
	compress(m, &b);
	free(queue);
	free(b.child);
	free(b.sibling);
	free(b.edge);
	free(b.fail);
	free(b.depth);
	free(b.renumber);
	free(b.rows);
	free(b.fallback);
	free(b.diff_start);
	free(b.diff_n);
	free(b.diff);
	free(fill);
	free(own);
	free(own_first);
	free(own_count);
	free(terminal_of);
}

/*
 * The tables a scan reads, in locals: through m, every store of a match
 * (or the call that stores it) would make the compiler load them again on
 * every step.
 */
struct tables {
	const uint32_t *next, *sparse;
};

/* The state after a deeper state's ref (without OUTPUT_FLAG) on a byte of
 * class c. */
static inline uint32_t step_sparse(struct tables t, uint32_t ref, uint32_t c) {
	const uint32_t *r = t.sparse + (ref & REF_MASK);
	uint32_t head = r[SPARSE_COUNT];
	if ((head & CLASS_MASK) == c) {
		return r[SPARSE_HEAD];
	}
	uint32_t n = head >> COUNT_SHIFT & COUNT_MASK;
	const uint8_t *cls = (const uint8_t *)(r + SPARSE_HEAD + n);
	for (uint32_t i = 1; i < n; i++) {
		if (cls[i] == c) {
			return r[SPARSE_HEAD + i];
		}
	}
	return t.next[r[SPARSE_FALLBACK] + c];
}

/* The state after ref (without OUTPUT_FLAG) on a byte of class c. */
static inline uint32_t step(struct tables t, uint32_t ref, uint32_t c) {
	return ref & SPARSE_FLAG ? step_sparse(t, ref, c) : t.next[ref + c];
}

/* Stores what the state of ref reports for matches ending at end that
 * start before the offset before, while there is room. Inline: a line has
 * a score of matches, and a call's arguments cost as much as storing them. */
static inline size_t report(const struct mr_matcher *m, uint32_t ref, size_t end, size_t before,
	struct mr_match *matches, size_t max, size_t found) {
	uint32_t first, count;
	if (ref & SPARSE_FLAG) {
		first = m->sparse[(ref & REF_MASK) + SPARSE_FIRST_OUT];
		count = m->sparse[(ref & REF_MASK) + SPARSE_OUTS];
	} else {
		first = m->first[ref / m->n_classes];
		count = m->count[ref / m->n_classes];
	}
	const struct output *o = m->out + first;
	if (before == SIZE_MAX) {
		/* Every one of them (a match starts at or after 0): as many as
		 * there is room for, without a test each. */
		size_t n = count < max - found ? count : max - found;
		for (size_t k = 0; k < n; k++) {
			matches[found + k] = (struct mr_match){ o[k].id, (uint32_t)end };
		}
		return found + n;
	}
	for (uint32_t k = 0; k < count && found < max; k++) {
		if (end - o[k].len < before) {
			matches[found++] = (struct mr_match){ o[k].id, (uint32_t)end };
		}
	}
	return found;
}

/* Whether the state of ref may be deeper than depth: for a state with a
 * row, the deepest of them stands for its depth. */
static bool deeper_than(const struct mr_matcher *m, uint32_t ref, size_t depth) {
	if (!(ref & SPARSE_FLAG)) {
		return m->dense_depth > depth;
	}
	uint32_t d = m->sparse[(ref & REF_MASK) + SPARSE_COUNT] >> DEPTH_SHIFT;
	return d == DEPTH_MANY || d > depth;
}

/*
 * The whole text in one pass: matches in order of their end. Most steps go
 * from a state with a row to one with a row that reports nothing: both
 * flags clear, one comparison. They run in a loop of their own.
 */
static size_t scan_whole(const struct mr_matcher *m, const char *text, size_t len,
	struct mr_match *matches, size_t max) {
	const uint8_t *cls = m->byte_class;
	const struct tables t = { m->next, m->sparse };
	size_t found = 0;
	uint32_t a = 0;
	size_t i = 0;
	while (i < len) {
		/* a has a row here. */
		uint32_t v;
		while ((v = t.next[a + cls[(unsigned char)text[i]]]) < SPARSE_FLAG) {
			a = v;
			if (++i == len) {
				return found;
			}
		}
		i++;
		/* Flagged: report, and step byte by byte while the state is
		 * deeper than the rows. */
		for (;;) {
			a = v & ~OUTPUT_FLAG;
			if (v & OUTPUT_FLAG) {
				found = report(m, a, i, SIZE_MAX, matches, max, found);
			}
			if (!(a & SPARSE_FLAG) || i == len) {
				break;
			}
			v = step_sparse(t, a, cls[(unsigned char)text[i]]);
			i++;
		}
	}
	return found;
}

/*
 * Merges the matches of the two halves, first[0..n1) (those that start
 * before the middle) and second[0..n2), into the order of one pass: by
 * their end, and at one end the first half's, which are longer, first.
 * first is also where the merge goes, and it holds max.
 */
static size_t merge(
	struct mr_match *first, size_t n1, const struct mr_match *second, size_t n2, size_t max) {
	/* How many of each the first max of the merged order take. */
	size_t i = 0, j = 0;
	while (i + j < max && (i < n1 || j < n2)) {
		if (j == n2 || (i < n1 && first[i].end <= second[j].end)) {
			i++;
		} else {
			j++;
		}
	}
	/* From the back, so that first is read before it is overwritten. */
	size_t total = i + j;
	for (size_t k = total; k > 0; k--) {
		if (j == 0 || (i > 0 && first[i - 1].end > second[j - 1].end)) {
			first[k - 1] = first[--i];
		} else {
			first[k - 1] = second[--j];
		}
	}
	return total;
}

/* A text shorter than SPLIT_MIN is scanned in one pass: for a reason line
 * of a hundred bytes, the halves and their merge cost more than they hide. */
enum { SECOND_MAX = 128, SPLIT_MIN = 128 };

size_t mr_matcher_scan(const struct mr_matcher *m, const char *text, size_t len,
	struct mr_match *matches, size_t max) {
	if (m->next == NULL) {
		return 0;
	}
	const uint8_t *cls = m->byte_class;
	/*
	 * Each step waits for the table load of the step before, so a text is
	 * scanned as two halves at once: the loads of one hide the other's.
	 * The first half runs on past the middle until no match can start
	 * before it. A long text's matches are stored first half first, which
	 * keeps, for every pattern, its matches in text order; a shorter one's
	 * are merged into the order of one pass, as they always came.
	 */
	bool long_text = len >= 4 * m->longest && len >= 64;
	if (!long_text && len < SPLIT_MIN) {
		return scan_whole(m, text, len, matches, max);
	}
	size_t mid = len / 2;
	struct mr_match second[SECOND_MAX];
	size_t found = 0, found2 = 0;
	const struct tables t = { m->next, m->sparse };
	uint32_t a = 0, b = 0;
	size_t i = 0;
	for (; i < mid; i++) {
		uint32_t va = step(t, a, cls[(unsigned char)text[i]]);
		uint32_t vb = step(t, b, cls[(unsigned char)text[mid + i]]);
		a = va & ~OUTPUT_FLAG;
		b = vb & ~OUTPUT_FLAG;
		if (!((va | vb) & OUTPUT_FLAG)) {
			continue; /* the common case: one test for both */
		}
		if (va & OUTPUT_FLAG) {
			found = report(m, a, i + 1, SIZE_MAX, matches, max, found);
		}
		if (vb & OUTPUT_FLAG) {
			found2 = report(m, b, mid + i + 1, SIZE_MAX, second, SECOND_MAX, found2);
		}
	}
	/* The first half's tail into the second: what starts from the middle
	 * on is the second half's, and once the state is no deeper than the
	 * way past the middle, nothing that starts before it can end later. */
	for (; i < mid + m->longest - 1 && i < len && deeper_than(m, a, i - mid); i++) {
		uint32_t va = step(t, a, cls[(unsigned char)text[i]]);
		a = va & ~OUTPUT_FLAG;
		if (va & OUTPUT_FLAG) {
			found = report(m, a, i + 1, mid, matches, max, found);
		}
	}
	/* The second half's end, when the text is odd in length. */
	for (size_t j = 2 * mid; j < len; j++) {
		uint32_t vb = step(t, b, cls[(unsigned char)text[j]]);
		b = vb & ~OUTPUT_FLAG;
		if (vb & OUTPUT_FLAG) {
			found2 = report(m, b, j + 1, SIZE_MAX, second, SECOND_MAX, found2);
		}
	}
	if (long_text) {
		for (size_t k = 0; k < found2 && found < max; k++) {
			matches[found++] = second[k];
		}
		return found;
	}
	/* A short text with more matches than second holds: one pass keeps
	 * them all, as it always did. */
	if (found2 == SECOND_MAX) {
		return scan_whole(m, text, len, matches, max);
	}
	return merge(matches, found, second, found2, max);
}
