/*
 * Learns the decoder's word model (core/decode/wordmodel.h) from a table of real
 * reason lines and prints it as share/decode/model.tsv holds it:
 *
 *   decode-train tests/decode/reasons >share/decode/model.tsv
 *
 * Run it after changing the development table; the test `decode` fails
 * while the model and the table disagree.
 */

#include <stdio.h>
#include <stdlib.h>

#include "corpus.h"
#include "kb.h"

int main(int argc, char **argv) {
	if (argc != 2) {
		fprintf(stderr, "usage: decode-train DIR\n");
		return 2;
	}
	struct corpus c;
	char *cause = NULL;
	if (!corpus_load(&c, argv[1], &cause)) {
		fprintf(stderr, "decode-train: %s\n", cause);
		free(cause);
		return 1;
	}
	struct mr_buf out;
	mr_buf_init(&out);
	corpus_train(mr_kb_default(), &c, &out);
	fwrite(out.data, 1, out.len, stdout);
	mr_buf_finish(&out);
	corpus_finish(&c);
	return ferror(stdout) ? 1 : 0;
}
