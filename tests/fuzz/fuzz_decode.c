/*
 * libFuzzer target for the reason decoder: any bytes, any length. The
 * decoder must not read outside the text, and what it returns must be
 * consistent: spans inside the text, a known stage and category.
 *
 *   tests/fuzz/run 300 decode
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "explain.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	const struct mr_kb *kb = mr_kb_default();
	/* An exact-size copy, so that reading one byte too far is caught. */
	char *text = malloc(size ? size : 1);
	memcpy(text, data, size);
	struct mr_diagnosis d;
	mr_decode(kb, text, size, &d);
	size_t read = size < MR_DECODE_MAX ? size : MR_DECODE_MAX;
	if ((size_t)d.host.off + d.host.len > read ||
		(size_t)d.address.off + d.address.len > read || d.stage >= MR_STAGE_COUNT ||
		d.category < 0 || (size_t)d.category >= kb->n_categories ||
		d.rule >= (int)kb->n_rules || d.temporary < -1 || d.temporary > 1 ||
		(d.basic != 0 && (d.basic < 200 || d.basic > 599)) ||
		strlen(d.enhanced) >= MR_ENHANCED_MAX) {
		abort();
	}
	struct mr_buf facts;
	mr_buf_init(&facts);
	mr_explain_facts(&facts, text, &d, ", ");
	const char *stage = mr_stage_name((enum mr_stage)d.stage);
	if (d.basic != 0 || d.enhanced[0] != '\0') {
		char basic[8] = "-";
		if (d.basic != 0) {
			snprintf(basic, sizeof(basic), "%u", d.basic);
		}
		fuzz_note("code: %s %s, stage %s, %s", basic, d.enhanced[0] ? d.enhanced : "-",
			stage ? stage : "-", kb->categories[d.category].name);
	} else {
		fuzz_note("no code: stage %s, %s", stage ? stage : "-",
			kb->categories[d.category].name);
	}
	mr_buf_finish(&facts);
	free(text);
	return 0;
}
