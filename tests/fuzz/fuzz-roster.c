/*
 * libFuzzer target: arbitrary bytes as a CSV roster (spec_csv_parse), the
 * reader for_each uses.  Every table it returns must be whole: each row
 * has a value per column, and the header names are "row.<column>".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spec-int.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Parses one input as a roster of at most 1000 rows and checks the table. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spec_params p;
	char *cause = NULL;
	size_t i;

	if (spec_csv_parse((const char *)data, size, "row", 1000, &p,
	    &cause) != 0) {
		if (cause == NULL)
			abort();
		free(cause);
		return 0;
	}
	if (p.nkeys == 0 || p.nrows > 1000)
		abort();
	for (i = 0; i < p.nkeys; i++)
		if (strncmp(p.keys[i], "row.", 4) != 0)
			abort();
	for (i = 0; i < p.nkeys * p.nrows; i++)
		if (p.vals[i] == NULL)
			abort();
	spec_params_release(&p);
	return 0;
}
