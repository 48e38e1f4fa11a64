/*
 * Runs a fuzz target's entry point on files, without libFuzzer: the suite
 * replays the seed corpus and every input that once failed, in every build
 * (with the sanitizers in build-sanitize/).
 *
 *   fuzz-replay FILE...
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv) {
	int status = 0;
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		if (f == NULL) {
			fprintf(stderr, "fuzz-replay: %s: cannot open\n", argv[i]);
			status = 1;
			continue;
		}
		uint8_t *data = NULL;
		size_t len = 0, cap = 0, n;
		do {
			if (len == cap) {
				cap = cap ? cap * 2 : 4096;
				uint8_t *bigger = realloc(data, cap);
				if (bigger == NULL) {
					fprintf(stderr, "fuzz-replay: out of memory\n");
					return 1;
				}
				data = bigger;
			}
			n = fread(data + len, 1, cap - len, f);
			len += n;
		} while (n > 0);
		fclose(f);
		/* The whole file, then each line: the table's reasons one by one. */
		LLVMFuzzerTestOneInput(data, len);
		size_t start = 0;
		for (size_t j = 0; j <= len; j++) {
			if (j == len || data[j] == '\n') {
				LLVMFuzzerTestOneInput(data + start, j - start);
				start = j + 1;
			}
		}
		printf("ok %d - %s replayed\n", i, argv[i]);
		free(data);
	}
	printf("1..%d\n", argc - 1);
	return status;
}
