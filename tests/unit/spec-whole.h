/*
 * tests/unit/spec-whole.h: the test programs' way to load a spec from text
 * and to read a job's whole stored spec, which spec.h hands over in two
 * parts (the text its sweep shares and its own).
 */
#ifndef SPEC_WHOLE_H
#define SPEC_WHOLE_H

#include <stdlib.h>
#include <string.h>

#include "spec.h"

/* A job's whole stored spec, kept until the next call. */
static inline const char *
whole(const struct spec_job *sj)
{
	static char *last;

	free(last);
	last = spec_job_json(sj);
	return last;
}

/* Loads a spec from text as t.yaml with the built-in site and the given
 * job limit (0: the default); NULL with the diagnostics in d. */
static inline struct spec_set *
load_max(const char *text, size_t max_jobs, struct spec_diags *d)
{
	struct spec_options o = { .default_namespace = "alice",
		.max_jobs = max_jobs };
	struct spec_set *set = NULL;

	if (spec_load_buffer("t.yaml", text, strlen(text), &o, &set, d) != 0)
		return NULL;
	return set;
}

/* load_max with the default job limit. */
static inline struct spec_set *
load(const char *text, struct spec_diags *d)
{
	return load_max(text, 0, d);
}

#endif
