/* Unit tests for common/: the quantity grammar, durations, hints. */
#include "unit.h"
#include "common.h"

static void
check_q(const char *s, int scale, int64_t want)
{
	int64_t v = -12345;
	char *cause = NULL;

	if (quantity_parse(s, scale, &v, &cause) != 0)
		fail_msg("'%s' refused: %s", s, cause);
	if (v != want)
		fail_msg("'%s' scale %d: got %lld, want %lld", s, scale,
		    (long long)v, (long long)want);
}

static void
check_bad(const char *s)
{
	int64_t v;
	char *cause = NULL;

	if (quantity_parse(s, QUANTITY_UNITS, &v, &cause) == 0)
		fail_msg("'%s' accepted as %lld", s, (long long)v);
	assert_cause(cause, "invalid quantity");
}

static void
test_quantity_units(void **state)
{
	(void)state;
	check_q("0", QUANTITY_UNITS, 0);
	check_q("1", QUANTITY_UNITS, 1);
	check_q("16Gi", QUANTITY_UNITS, 16LL << 30);
	check_q("1.5Gi", QUANTITY_UNITS, 1536LL << 20);
	check_q("100G", QUANTITY_UNITS, 100000000000LL);
	check_q("1k", QUANTITY_UNITS, 1000);
	check_q("1Ki", QUANTITY_UNITS, 1024);
	check_q("1e3", QUANTITY_UNITS, 1000);
	check_q("5E-3", QUANTITY_MILLI, 5);
	check_q("1E", QUANTITY_UNITS, 1000000000000000000LL);
	check_q("8Ei", QUANTITY_UNITS, INT64_MAX);
	check_q("100m", QUANTITY_UNITS, 1);    /* Value() is a ceiling */
	check_q(".5", QUANTITY_UNITS, 1);
	check_q("5.", QUANTITY_UNITS, 5);
	check_q("+2", QUANTITY_UNITS, 2);
	check_q("-2", QUANTITY_UNITS, -2);
	check_q("-1.5", QUANTITY_UNITS, -2);   /* away from zero */
	check_q("1n", QUANTITY_UNITS, 1);
	check_q("99999999999999999999999999", QUANTITY_UNITS, INT64_MAX);
}

static void
test_quantity_milli(void **state)
{
	(void)state;
	check_q("8", QUANTITY_MILLI, 8000);
	check_q("500m", QUANTITY_MILLI, 500);
	check_q("1.5", QUANTITY_MILLI, 1500);
	check_q("0.1", QUANTITY_MILLI, 100);
	check_q("1u", QUANTITY_MILLI, 1);      /* ceil(0.001) */
	check_q("250n", QUANTITY_MILLI, 1);
	check_q("2k", QUANTITY_MILLI, 2000000);
	check_q("0.0000000000000000000000000000000000000000001", QUANTITY_MILLI,
	    1);
}

static void
test_quantity_bad(void **state)
{
	static const char *const bad[] = { "", "Gi", "1K", "1ki", "1Mb",
		"1 Gi", "1.2.3", "1e", "1e+", "abc", "--1", "1Gi " };
	size_t i;

	(void)state;
	for (i = 0; i < nitems(bad); i++)
		check_bad(bad[i]);
}

static void
test_quantity_format(void **state)
{
	(void)state;
	assert_string_take(quantity_format_bytes(16LL << 30), "16Gi");
	assert_string_take(quantity_format_bytes(1000), "1000");
	assert_string_take(quantity_format_milli(8000), "8");
	assert_string_take(quantity_format_milli(1500), "1500m");
}

static void
test_duration(void **state)
{
	int64_t v;
	char *cause = NULL;

	(void)state;
	assert_int_equal(duration_parse("90", &v, NULL), 0);
	assert_int_equal(v, 90);
	assert_int_equal(duration_parse("2h", &v, NULL), 0);
	assert_int_equal(v, 7200);
	assert_int_equal(duration_parse("1h30m", &v, NULL), 0);
	assert_int_equal(v, 5400);
	assert_int_equal(duration_parse("1d", &v, NULL), 0);
	assert_int_equal(v, 86400);
	assert_int_equal(duration_parse("10x", &v, &cause), -1);
	assert_cause(cause, "10x");
	assert_int_equal(duration_parse("h", &v, NULL), -1);
	assert_int_equal(duration_parse("1h30", &v, NULL), -1);
	assert_int_equal(duration_parse("", &v, NULL), -1);
}

/* Milliseconds: the seconds grammar plus "ms" and fractions, exactly. */
static void
test_duration_ms(void **state)
{
	static const struct {
		const char *in;
		int64_t ms;
	} good[] = {
		{ "500ms", 500 }, { "0.5s", 500 }, { "0.05s", 50 },
		{ "2", 2000 }, { "0.25", 250 }, { "1m30s", 90000 },
		{ "1.5m", 90000 }, { "1h", 3600000 }, { "1s500ms", 1500 },
		{ "1d", 86400000 }, { "0ms", 0 }, { "1.000s", 1000 },
	};
	static const char *const bad[] = { "", "ms", "1.5ms", "0.0001s",
		".5s", "1.s", "5x", "1h30", "-1s", "1 s", "1.5.5s",
		"0.1234567891s", "99999999999999999999s", "3660000000d" };
	int64_t v;
	char *cause = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		assert_int_equal(duration_parse_ms(good[i].in, &v, NULL), 0);
		assert_int_equal(v, good[i].ms);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(duration_parse_ms(bad[i], &v, NULL), -1);
	assert_int_equal(duration_parse_ms("0.0005s", &v, &cause), -1);
	assert_cause(cause, "finer than a millisecond");
	assert_int_equal(duration_parse_ms("10x", &v, &cause), -1);
	assert_non_null(strstr(cause, "'10x'"));
	assert_cause(cause, "500ms");

	/* The seconds grammar takes neither. */
	assert_int_equal(duration_parse("500ms", &v, NULL), -1);
	assert_int_equal(duration_parse("0.5s", &v, NULL), -1);

	assert_string_take(duration_format_ms(50), "50ms");
	assert_string_take(duration_format_ms(1500), "1500ms");
	assert_string_take(duration_format_ms(3600000), "1h");
	assert_string_take(duration_format_ms(120000), "2m");
}

static void
test_rfc3339(void **state)
{
	int64_t v;

	(void)state;
	assert_int_equal(time_parse_rfc3339("1970-01-01T00:00:10Z", &v), 0);
	assert_int_equal(v, 10000);
	assert_int_equal(time_parse_rfc3339("2026-11-29T05:57:50.25Z", &v), 0);
	assert_int_equal(v % 1000, 250);
	assert_int_equal(time_parse_rfc3339("2026-11-29 05:57:50", &v), -1);
	assert_int_equal(time_parse_rfc3339("2026-11-29T05:57:50+01:00", &v),
	    -1);
}

static void
test_closest(void **state)
{
	const char *const words[] = { "submit", "show", "cancel", "ls" };

	(void)state;
	assert_string_equal(closest_word("sumbit", words, 4), "submit");
	assert_string_equal(closest_word("cancle", words, 4), "cancel");
	assert_null(closest_word("frobnicate", words, 4));
}

/* The stored dependency grammar: kinds, groups, ids, names. */
static void
test_after_parse(void **state)
{
	struct after_ref r;

	(void)state;
	assert_int_equal(after_parse("prep", &r), 0);
	assert_int_equal(r.kind, AFTER_OK);
	assert_false(r.group);
	assert_string_equal(r.target, "prep");
	assert_int_equal(r.id, 0);
	assert_int_equal(after_parse("any:12", &r), 0);
	assert_int_equal(r.kind, AFTER_ANY);
	assert_int_equal(r.id, 12);
	assert_int_equal(after_parse("failed:group:lab 1", &r), 0);
	assert_int_equal(r.kind, AFTER_FAILED);
	assert_true(r.group);
	assert_string_equal(r.target, "lab 1");
	assert_int_equal(r.id, 0);
	assert_int_equal(after_parse("group:7", &r), 0);
	assert_true(r.group);
	assert_int_equal(r.id, 0);   /* a group named 7, not job 7 */
	assert_int_equal(after_parse("ok:007x", &r), 0);
	assert_int_equal(r.id, 0);
	assert_int_equal(after_parse("any:", &r), -1);
	assert_int_equal(after_parse("group:", &r), -1);
	assert_string_equal(after_kind_field(AFTER_ANY), "after_any");
	assert_string_equal(after_kind_field(AFTER_OK), "after");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quantity_units),
		cmocka_unit_test(test_quantity_milli),
		cmocka_unit_test(test_quantity_bad),
		cmocka_unit_test(test_quantity_format),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_duration_ms),
		cmocka_unit_test(test_closest),
		cmocka_unit_test(test_rfc3339),
		cmocka_unit_test(test_after_parse),
	};

	return cmocka_run_group_tests_name("common", tests, NULL, NULL);
}
