/* Unit tests for cli's output for people: escaping text for a terminal and
 * neutralising CSV cells. */
#include "unit.h"
#include "cli.h"

/* cli_text of s equals want. */
static void
text_is(const char *s, const char *want)
{
	char *got = cli_text(s);

	assert_string_equal(got, want);
	free(got);
}

/* Controls, C1, bidi overrides and broken UTF-8 are escaped; printable
 * text, UTF-8 included, is kept. */
static void
test_text(void **state)
{
	(void)state;
	text_is("plain", "plain");
	text_is(NULL, "");
	text_is("a\tb\nc\rd", "a\\tb\\nc\\rd");
	text_is("\033]0;pwn\007", "\\x1b]0;pwn\\x07");
	text_is("\033[2J\x7f", "\\x1b[2J\\x7f");
	text_is("x\xc2\x9b" "31m", "x\\u009b31m");
	text_is("caf\xc3\xa9 \xe5\xad\xa6 \xf0\x9f\x98\x80", "caf\xc3\xa9 "
	    "\xe5\xad\xa6 \xf0\x9f\x98\x80");
	text_is("\xe2\x80\xae" "abc", "\\u202eabc");
	text_is("\xe2\x80\xa8", "\\u2028");
	text_is("bad\xff\xfe", "bad\\xff\\xfe");
	/* Overlong, surrogate and truncated forms are not UTF-8. */
	text_is("\xc0\xaf", "\\xc0\\xaf");
	text_is("\xed\xa0\x80", "\\xed\\xa0\\x80");
	text_is("\xe5\xad", "\\xe5\\xad");
	text_is("\\x1b stays as written", "\\x1b stays as written");
}

/* One CSV field into a string. */
static char *
csv(const char *s, bool last)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cli_csv_field(f, s, last);
	fclose(f);
	return buf;
}

/* csv of s equals want. */
static void
csv_is(const char *s, const char *want)
{
	char *got = csv(s, false);

	assert_string_equal(got, want);
	free(got);
}

/* Formulas get a quote; numbers and text do not; RFC 4180 quoting. */
static void
test_csv(void **state)
{
	(void)state;
	csv_is("plain", "plain,");
	csv_is("=1+1", "'=1+1,");
	csv_is("=HYPERLINK(\"http://x/\",\"y\")",
	    "\"'=HYPERLINK(\"\"http://x/\"\",\"\"y\"\")\",");
	csv_is("+1+1", "'+1+1,");
	csv_is("-2+3", "'-2+3,");
	csv_is("@SUM(A1)", "'@SUM(A1),");
	csv_is("\tcmd", "'\tcmd,");
	csv_is("\rcmd", "\"'\rcmd\",");
	csv_is("-5", "-5,");
	csv_is("+2.5", "+2.5,");
	csv_is("-", "-,");
	csv_is("-.5", "'-.5,");
	csv_is("", ",");
	csv_is("a,b", "\"a,b\",");
	csv_is("two\nlines", "\"two\nlines\",");
	csv_is("a = b", "a = b,");
	assert_string_take(csv("last", true), "last\n");
}

/* Checks one estimated start text and frees it. */
static void
start_is(int64_t est_ms, const char *want)
{
	char *got = cli_start_text(est_ms);

	assert_string_equal(got, want);
	free(got);
}

/* An estimated start from now: none, due, and rounded to the nearest of
 * the units ages use (a few seconds of slack for the clock moving). */
static void
test_start_text(void **state)
{
	int64_t now = now_ms();

	(void)state;
	start_is(0, "-");
	start_is(now - 60000, "~now");
	start_is(now + 45000, "~45s");
	start_is(now + 15 * 60000 + 5000, "~15m");
	start_is(now + 3 * 3600000 - 60000, "~3h");
	start_is(now + 2 * 3600000 + 20 * 60000, "~2h");
	start_is(now + 2 * 3600000 - 10000, "~2h");
	start_is(now + 3 * 86400000LL - 3600000, "~3d");
}

/* The -o table: every format by name, the error naming them all, and a
 * command refusing what it cannot print while taking what it can. */
static void
test_formats(void **state)
{
	enum cli_output out;
	char *cause = NULL;

	(void)state;
	assert_int_equal(cli_output_parse("name", &out, &cause), 0);
	assert_int_equal(out, CLI_OUTPUT_NAME);
	assert_int_equal(cli_output_parse("csv", &out, &cause), 0);
	assert_int_equal(out, CLI_OUTPUT_CSV);
	assert_int_equal(cli_output_parse("xml", &out, &cause), -1);
	assert_string_equal(cause, "invalid value for '-o': 'xml' (use table, "
	    "wide, json, yaml, csv or name)");
	free(cause);
	cause = NULL;
	assert_int_equal(cli_output_check("cancel", CLI_OUTPUT_JSON, &cause),
	    0);
	assert_int_equal(cli_output_check("ls", CLI_OUTPUT_CSV, &cause), 0);
	assert_int_equal(cli_output_check("wait", CLI_OUTPUT_CSV, &cause), -1);
	assert_string_equal(cause, "'wait' cannot print -o csv (it prints "
	    "table, json, yaml or name)");
	free(cause);
	cause = NULL;
	/* A command that prints no data takes only its default. */
	assert_int_equal(cli_output_check("logs", CLI_OUTPUT_JSON, &cause), -1);
	assert_string_equal(cause, "'logs' cannot print -o json (it prints "
	    "table)");
	free(cause);
	assert_string_take(cli_output_help("render"), "json or yaml");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_start_text),
		cmocka_unit_test(test_formats),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
