/*
 * tests/unit/spec-whole.h: the test programs' way to read a job's whole
 * stored spec, which spec.h hands over in two parts (the text its sweep
 * shares and its own).
 */
#ifndef SPEC_WHOLE_H
#define SPEC_WHOLE_H

#include <stdlib.h>

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

#endif
