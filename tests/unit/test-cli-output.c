/* Unit tests for cli's output for people: escaping text for a terminal and
 * neutralising CSV cells. */
#include "unit.h"
#include "cli.h"

/* Controls, C1, bidi overrides and broken UTF-8 are escaped; printable
 * text, UTF-8 included, is kept. */
static void
test_text(void **state)
{
	(void)state;
	assert_string_take(cli_text("plain"), "plain");
	assert_string_take(cli_text(NULL), "");
	assert_string_take(cli_text("a\tb\nc\rd"), "a\\tb\\nc\\rd");
	assert_string_take(cli_text("\033]0;pwn\007"), "\\x1b]0;pwn\\x07");
	assert_string_take(cli_text("\033[2J\x7f"), "\\x1b[2J\\x7f");
	assert_string_take(cli_text("x\xc2\x9b" "31m"), "x\\u009b31m");
	assert_string_take(cli_text("caf\xc3\xa9 \xe5\xad\xa6 "
	    "\xf0\x9f\x98\x80"), "caf\xc3\xa9 \xe5\xad\xa6 \xf0\x9f\x98\x80");
	assert_string_take(cli_text("\xe2\x80\xae" "abc"), "\\u202eabc");
	assert_string_take(cli_text("\xe2\x80\xa8"), "\\u2028");
	assert_string_take(cli_text("bad\xff\xfe"), "bad\\xff\\xfe");
	/* Overlong, surrogate and truncated forms are not UTF-8. */
	assert_string_take(cli_text("\xc0\xaf"), "\\xc0\\xaf");
	assert_string_take(cli_text("\xed\xa0\x80"), "\\xed\\xa0\\x80");
	assert_string_take(cli_text("\xe5\xad"), "\\xe5\\xad");
	assert_string_take(cli_text("\\x1b stays as written"),
	    "\\x1b stays as written");
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

/* Formulas get a quote; numbers and text do not; RFC 4180 quoting. */
static void
test_csv(void **state)
{
	(void)state;
	assert_string_take(csv("plain", false), "plain,");
	assert_string_take(csv("=1+1", false), "'=1+1,");
	assert_string_take(csv("=HYPERLINK(\"http://x/\",\"y\")", false),
	    "\"'=HYPERLINK(\"\"http://x/\"\",\"\"y\"\")\",");
	assert_string_take(csv("+1+1", false), "'+1+1,");
	assert_string_take(csv("-2+3", false), "'-2+3,");
	assert_string_take(csv("@SUM(A1)", false), "'@SUM(A1),");
	assert_string_take(csv("\tcmd", false), "'\tcmd,");
	assert_string_take(csv("\rcmd", false), "\"'\rcmd\",");
	assert_string_take(csv("-5", false), "-5,");
	assert_string_take(csv("+2.5", false), "+2.5,");
	assert_string_take(csv("-", false), "-,");
	assert_string_take(csv("-.5", false), "'-.5,");
	assert_string_take(csv("", false), ",");
	assert_string_take(csv("a,b", false), "\"a,b\",");
	assert_string_take(csv("two\nlines", false), "\"two\nlines\",");
	assert_string_take(csv("a = b", false), "a = b,");
	assert_string_take(csv("last", true), "last\n");
}

/* An estimated start from now: none, due, and rounded to the nearest of
 * the units ages use (a few seconds of slack for the clock moving). */
static void
test_start_text(void **state)
{
	int64_t now = now_ms();

	(void)state;
	assert_string_take(cli_start_text(0), "-");
	assert_string_take(cli_start_text(now - 60000), "~now");
	assert_string_take(cli_start_text(now + 45000), "~45s");
	assert_string_take(cli_start_text(now + 15 * 60000 + 5000), "~15m");
	assert_string_take(cli_start_text(now + 3 * 3600000 - 60000), "~3h");
	assert_string_take(cli_start_text(now + 2 * 3600000 + 20 * 60000),
	    "~2h");
	assert_string_take(cli_start_text(now + 2 * 3600000 - 10000), "~2h");
	assert_string_take(cli_start_text(now + 3 * 86400000LL - 3600000),
	    "~3d");
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
	assert_string_take(cause, "invalid value for '-o': 'xml' (use table, "
	    "wide, json, yaml, csv or name)");
	cause = NULL;
	assert_int_equal(cli_output_check("cancel", CLI_OUTPUT_JSON, &cause),
	    0);
	assert_int_equal(cli_output_check("ls", CLI_OUTPUT_CSV, &cause), 0);
	assert_int_equal(cli_output_check("wait", CLI_OUTPUT_CSV, &cause), -1);
	assert_string_take(cause, "'wait' cannot print -o csv (it prints "
	    "table, json, yaml or name)");
	cause = NULL;
	/* A command that prints no data takes only its default. */
	assert_int_equal(cli_output_check("logs", CLI_OUTPUT_JSON, &cause), -1);
	assert_string_take(cause, "'logs' cannot print -o json (it prints "
	    "table)");
	assert_string_take(cli_output_help("render"), "json or yaml");
}

/* The cell of row i, column c of test_table: lengths that vary, and once
 * a cell longer than a block of rows, so that rows cross from block to
 * block (the row so far moves) and one block holds a single row. */
static char *
table_cell(size_t i, size_t c)
{
	size_t len = (i * 7 + c * 13) % 40 + 1;
	char *s;

	if (i == 3000 && c == 1)
		len = 70000;
	s = xmalloc(len + 1);
	memset(s, 'a' + (int)((i + c) % 26), len);
	s[len] = '\0';
	return s;
}

/* A table of 5,000 rows, most of them in one of two styles, prints every
 * row, in order, padded to the widest cell of its column, with its style
 * around its cell: the same text as computed here from the cells. */
static void
test_table(void **state)
{
	static const char *const hdr[] = { "ID", "NAME", "STATE" };
	struct cli_table *t = cli_table_new(hdr, 3);
	size_t widths[3] = { 2, 4, 5 }, i, c, w, len, elen;
	char *cells[3], *buf, *want, *p;
	FILE *f;

	(void)state;
	for (i = 0; i < 5000; i++) {
		for (c = 0; c < 3; c++) {
			cells[c] = table_cell(i, c);
			if (strlen(cells[c]) > widths[c])
				widths[c] = strlen(cells[c]);
		}
		cli_table_add(t, (const char *const *)cells);
		if (i % 2 == 0)
			cli_table_style_last(t, 2, "<", ">");
		else if (i % 3 == 0)
			cli_table_style_last(t, 0, "[", "]");
		for (c = 0; c < 3; c++)
			free(cells[c]);
	}
	assert_non_null(f = open_memstream(&buf, &len));
	cli_table_print(t, f);
	assert_int_equal(fclose(f), 0);
	cli_table_free(t);
	p = want = xmalloc(len + 1);
	for (i = 0; i <= 5000; i++) {
		for (c = 0; c < 3; c++) {
			cells[c] = i == 0 ? xstrdup(hdr[c]) :
			    table_cell(i - 1, c);
			elen = strlen(cells[c]);
			if (c == 2 && i > 0 && (i - 1) % 2 == 0)
				p += sprintf(p, "<%s>", cells[c]);
			else if (c == 0 && i > 0 && (i - 1) % 2 == 1 &&
			    (i - 1) % 3 == 0)
				p += sprintf(p, "[%s]", cells[c]);
			else
				p += sprintf(p, "%s", cells[c]);
			for (w = elen; c < 2 && w < widths[c] + 3; w++)
				*p++ = ' ';
			free(cells[c]);
		}
		*p++ = '\n';
		assert_true((size_t)(p - want) <= len);
	}
	*p = '\0';
	assert_int_equal((size_t)(p - want), len);
	assert_string_equal(buf, want);
	free(buf);
	free(want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_start_text),
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
