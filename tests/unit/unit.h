/*
 * tests/unit/unit.h: what every unit test source includes first: cmocka,
 * the C headers it and the tests use, and the checks the tests share
 * beyond cmocka's, as macros so that a failure names the test's own line.
 */
#ifndef UNIT_H
#define UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

/* A string the call returns for the caller to free is want; freed. */
#define assert_string_take(call, want) do {				\
	char *took_ = (call);						\
	assert_string_equal(took_, (want));				\
	free(took_);							\
} while (0)

#endif
