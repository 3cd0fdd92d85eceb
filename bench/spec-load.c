/*
 * bench/spec-load: loads spec files as a server would (spec_load_file, or
 * with --max-jobs N and --no-files its limits) and prints, per file, the
 * jobs made or the first diagnostic, the time taken and the peak RSS.
 * Usage: bench/spec-load [--max-jobs N] [--no-files] FILE...
 * bench/spec-hostile.sh runs it; figures in docs/performance.md, "Hostile
 * specs".
 */
#include <sys/resource.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "common.h"
#include "spec.h"

/* Loads each file in turn and says what it made, how fast, in how much. */
int
main(int argc, char **argv)
{
	struct spec_options o = { .default_namespace = "alice" };
	struct spec_diags d = { 0 };
	struct spec_set *set;
	struct rusage ru;
	double t0, t1;
	char *first;
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--max-jobs") == 0 && i + 1 < argc)
			o.max_jobs = (size_t)strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--no-files") == 0)
			o.no_files = true;
		else {
			fprintf(stderr, "usage: spec-load [--max-jobs N] "
			    "[--no-files] FILE...\n");
			return 2;
		}
	}
	json_object_seed(0);
	for (; i < argc; i++) {
		t0 = bench_now();
		if (spec_load_file(argv[i], &o, &set, &d) == 0) {
			t1 = bench_now();
			printf("%s: %zu jobs", argv[i], set->n);
			spec_set_free(set);
		} else {
			t1 = bench_now();
			first = d.n > 0 ? spec_diag_format(&d.v[0]) :
			    xstrdup("?");
			printf("%s: refused: %s", argv[i], first);
			free(first);
		}
		spec_diags_release(&d);
		getrusage(RUSAGE_SELF, &ru);
		printf(" (%.3f s, peak RSS %ld MiB)\n", t1 - t0,
		    ru.ru_maxrss / 1024);
	}
	return 0;
}
