/*
 * fuzz-spec: a libFuzzer target for the spec parser, validator, expander
 * and renderer.  Not part of the normal build; see tests/fuzz/README.md.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "spec.h"
#include "../unit/spec-whole.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Feeds one input through everything a spec file goes through. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const sets[] = { "priority=high" };
	/* A server's bound on jobs: an input is never a 100,000-job
	 * expansion, which would only measure the fuzzer's patience. */
	struct spec_options o = { .default_namespace = "fuzz",
		.max_jobs = 1000 };
	struct spec_run run = { .job_id = 42, .attempt = 1, .owner = "fuzz",
		.group = "g" };
	struct spec_diags d = { 0 };
	struct spec_set *set = NULL;
	char *cause = NULL;
	json_t *objs;
	size_t i;

	if (size > 0 && (data[0] & 1))
		o.sets = sets, o.nsets = 1;
	if (spec_load_buffer("fuzz.yaml", (const char *)data, size, &o, &set,
	    &d) == 0) {
		spec_check_after(&set, 1, &d);
		for (i = 0; i < set->n && i < 8; i++) {
			objs = spec_render_job_json(whole(set->jobs[i]),
			    &run, &cause);
			if (objs == NULL)
				abort();	/* a valid spec must render */
			json_decref(objs);
		}
	}
	for (i = 0; i < d.n; i++)
		free(spec_diag_format(&d.v[i]));
	spec_set_free(set);
	spec_diags_release(&d);
	return 0;
}
