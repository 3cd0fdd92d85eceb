/*
 * tests/unit/unit.h: what every unit test source includes first: cmocka,
 * the C headers it and the tests use, the checks the tests share beyond
 * cmocka's (as macros, so that a failure names the test's own line) and
 * their files on disk.
 */
#ifndef UNIT_H
#define UNIT_H

#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

/* A string the call returns for the caller to free is want; freed. */
#define assert_string_take(call, want) do {				\
	char *took_ = (call);						\
	assert_string_equal(took_, (want));				\
	free(took_);							\
} while (0)

/* Two strings either of which may be NULL: both NULL, or equal. */
#define assert_string_or_null_equal(a, b) do {				\
	const char *a_ = (a), *b_ = (b);				\
	if (a_ == NULL || b_ == NULL)					\
		assert_ptr_equal(a_, b_);				\
	else								\
		assert_string_equal(a_, b_);				\
} while (0)

/* A member of a JSON object (jansson's, for the callers that include
 * it) is this integer, or this string. */
#define assert_json_int(obj, key, want)					\
	assert_int_equal(json_integer_value(json_object_get((obj),	\
	    (key))), (want))
#define assert_json_string(obj, key, want)				\
	assert_string_equal(json_string_value(json_object_get((obj),	\
	    (key))), (want))

/* The cause a failed call left names want; freed and reset for the next
 * call. */
#define assert_cause(cause, want) do {					\
	assert_non_null(cause);						\
	assert_non_null(strstr((cause), (want)));			\
	free(cause);							\
	(cause) = NULL;							\
} while (0)

/* Writes text to the file at path, made or emptied: a test's fixture on
 * disk. */
static inline void
unit_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Writes text to a new temporary file made from tmpl (its XXXXXX replaced
 * in place); the caller unlinks it. */
static inline void
unit_write_tmp(char *tmpl, const char *text)
{
	int fd = mkstemp(tmpl);

	assert_true(fd >= 0);
	close(fd);
	unit_write(tmpl, text);
}

/* nftw's callback for unit_rmtree: removes one entry, directories last. */
static inline int
unit_remove_entry(const char *path, const struct stat *sb, int flag,
    struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Removes a test's temporary directory and all in it, no shell involved;
 * 0 or -1. */
static inline int
unit_rmtree(const char *dir)
{
	return nftw(dir, unit_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
