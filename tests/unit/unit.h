/*
 * tests/unit/unit.h: the checks the unit tests share beyond cmocka's, as
 * macros so that a failure names the test's own line.
 */
#ifndef UNIT_H
#define UNIT_H

#include <stdlib.h>

/* A string the call returns for the caller to free is want; freed. */
#define assert_string_take(call, want) do {				\
	char *took_ = (call);						\
	assert_string_equal(took_, (want));				\
	free(took_);							\
} while (0)

#endif
