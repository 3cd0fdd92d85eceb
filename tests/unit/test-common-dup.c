/* Unit tests for the helpers common/ gained so that one piece of code
 * serves where several modules did the same thing: utf8_decode and
 * time_format_rfc3339_micro. */
#include "unit.h"
#include "common.h"

/* Each form decodes to its code point and its length. */
static void
test_utf8_valid(void **state)
{
	uint32_t cp = 0;

	(void)state;
	assert_int_equal(utf8_decode("a", 1, &cp), 1);
	assert_int_equal(cp, 'a');
	assert_int_equal(utf8_decode("", 1, &cp), 1);   /* the NUL itself */
	assert_int_equal(cp, 0);
	assert_int_equal(utf8_decode("\xc3\xa9x", 3, &cp), 2);
	assert_int_equal(cp, 0xe9);
	assert_int_equal(utf8_decode("\xe2\x80\xae", 3, &cp), 3);
	assert_int_equal(cp, 0x202e);
	assert_int_equal(utf8_decode("\xf0\x9f\x98\x80", 4, &cp), 4);
	assert_int_equal(cp, 0x1f600);
	assert_int_equal(utf8_decode("\xf4\x8f\xbf\xbf", 4, NULL), 4);
	assert_int_equal(utf8_decode("\xc2\x80", 2, NULL), 2);
}

/* What is not strict UTF-8 is 0, and *cp is left alone. */
static void
test_utf8_invalid(void **state)
{
	uint32_t cp = 7;

	(void)state;
	assert_int_equal(utf8_decode("a", 0, &cp), 0);             /* empty */
	assert_int_equal(utf8_decode("\x80", 1, &cp), 0);  /* continuation */
	assert_int_equal(utf8_decode("\xc0\xaf", 2, &cp), 0);   /* overlong */
	assert_int_equal(utf8_decode("\xc1\xbf", 2, &cp), 0);
	assert_int_equal(utf8_decode("\xe0\x9f\xbf", 3, &cp), 0);
	assert_int_equal(utf8_decode("\xf0\x8f\xbf\xbf", 4, &cp), 0);
	assert_int_equal(utf8_decode("\xed\xa0\x80", 3, &cp), 0); /* UTF-16 */
	assert_int_equal(utf8_decode("\xf4\x90\x80\x80", 4, &cp), 0);
	assert_int_equal(utf8_decode("\xf5\x80\x80\x80", 4, &cp), 0);
	assert_int_equal(utf8_decode("\xff", 1, &cp), 0);
	assert_int_equal(utf8_decode("\xc3x", 2, &cp), 0);   /* cut short */
	assert_int_equal(utf8_decode("\xc3", 1, &cp), 0);  /* beyond len */
	assert_int_equal(utf8_decode("\xe2\x82\xac", 2, &cp), 0);
	assert_int_equal(utf8_decode("\xe2\x82", 4, &cp), 0); /* stops at NUL */
	assert_int_equal(cp, 7);
}

/* A MicroTime shows its six digits, a Time none; both end in Z. */
static void
test_time_micro(void **state)
{
	(void)state;
	assert_string_take(time_format_rfc3339_micro(1767323045123456LL),
	    "2026-01-02T03:04:05.123456Z");
	assert_string_take(time_format_rfc3339_micro(1767323045000000LL),
	    "2026-01-02T03:04:05.000000Z");
	assert_string_take(time_format_rfc3339(1767323045999LL),
	    "2026-01-02T03:04:05Z");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_valid),
		cmocka_unit_test(test_utf8_invalid),
		cmocka_unit_test(test_time_micro),
	};

	return cmocka_run_group_tests_name("common-dup", tests, NULL, NULL);
}
