/* Unit tests for common/common-yaml.c: the one YAML reader, its marks, its
 * bounds and its refusals. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "common.h"
#include "common-yaml.h"

/* Parses text that must be one valid document; the caller frees it. */
static struct ytree_node *
parse_ok(const char *text)
{
	struct ytree_node *root;
	char *cause = NULL;

	if (ytree_parse_file_text("t.yaml", text, strlen(text), NULL, &root,
	    &cause) != 0)
		fail_msg("'%s' refused: %s", text, cause);
	return root;
}

/* Parses text that must fail at line:col with a message containing want. */
static void
parse_bad(const char *text, const struct ytree_limits *lim, int line,
    int col, const char *want)
{
	struct ytree_node **docs = (struct ytree_node **)1;
	struct ytree_mark at;
	size_t ndocs = 1;
	char *cause = NULL;

	if (ytree_parse(text, strlen(text), lim, &docs, &ndocs, &at,
	    &cause) == 0)
		fail_msg("'%s' accepted", text);
	assert_null(docs);
	assert_int_equal(ndocs, 0);
	assert_non_null(cause);
	if (strstr(cause, want) == NULL)
		fail_msg("'%s': no '%s' in '%s'", text, want, cause);
	if (at.line != line || at.col != col)
		fail_msg("'%s': at %d:%d, want %d:%d (%s)", text, at.line,
		    at.col, line, col, cause);
	free(cause);
}

/* Every node keeps the line and column where it starts. */
static void
test_marks(void **state)
{
	struct ytree_node *root, *b;

	(void)state;
	root = parse_ok("a: 1\nb:\n  - x\n  - 'y'\nc: {d: e}\n");
	assert_int_equal(root->type, YTREE_MAP);
	assert_int_equal(root->n, 6);
	assert_int_equal(root->kids[2]->line, 2);
	assert_int_equal(root->kids[2]->col, 1);
	b = ytree_get(root, "b");
	assert_non_null(b);
	assert_int_equal(b->type, YTREE_SEQ);
	assert_int_equal(b->n, 2);
	assert_int_equal(b->line, 3);
	assert_int_equal(b->col, 3);
	assert_string_equal(b->kids[1]->s, "y");
	assert_int_equal(b->kids[1]->line, 4);
	assert_int_equal(b->kids[1]->col, 5);
	assert_false(b->kids[1]->plain);
	assert_true(b->kids[0]->plain);
	assert_string_equal(ytree_get(ytree_get(root, "c"), "d")->s, "e");
	assert_int_equal(ytree_get(root, "c")->col, 4);
	assert_null(ytree_get(root, "z"));
	assert_null(ytree_get(b, "x"));
	ytree_free(root);
}

/* Aliases are refused where they stand (billion laughs), naming the
 * caller's kind of file. */
static void
test_alias(void **state)
{
	struct ytree_limits lim = { .what = "a test file" };

	(void)state;
	parse_bad("a: &x [1, 2]\nb: *x\n", &lim, 2, 4,
	    "YAML aliases are not allowed in a test file");
}

/* Keys: plain non-empty strings, each once, also past the size where a
 * hash set finds them. */
static void
test_keys(void **state)
{
	char *text = NULL, *line;
	size_t len = 0;
	int i;

	(void)state;
	parse_bad("a: 1\nb: 2\na: 3\n", NULL, 3, 1, "duplicate key 'a'");
	parse_bad("? [1]\n: x\n", NULL, 1, 3, "keys must be plain strings");
	parse_bad("'': x\n", NULL, 1, 1, "empty key ''");
	for (i = 0; i < 100; i++) {
		line = xprintf("k%d: %d\n", i, i);
		text = xreallocarray(text, len + strlen(line) + 1, 1);
		memcpy(text + len, line, strlen(line) + 1);
		len += strlen(line);
		free(line);
	}
	line = xprintf("%sk57: again\n", text);
	parse_bad(line, NULL, 101, 1, "duplicate key 'k57'");
	free(line);
	free(text);
}

/* The bounds: depth, string length, NUL bytes, documents. */
static void
test_bounds(void **state)
{
	struct ytree_limits deep = { .max_depth = 2 };
	struct ytree_limits small = { .max_string = 4 };
	struct ytree_limits docs = { .max_docs = 2 };
	struct ytree_node **v;
	struct ytree_mark at;
	size_t n;
	char *cause;

	(void)state;
	parse_bad("a:\n  b:\n    c: 1\n", &deep, 3, 5,
	    "nesting deeper than 2 levels");
	parse_bad("a: abcd\nb: abcde\n", &small, 2, 4,
	    "string longer than 4 bytes");
	parse_bad("a: \"x\\0y\"\n", NULL, 1, 4,
	    "strings must not contain NUL characters");
	parse_bad("a\n---\nb\n---\nc\n", &docs, 4, 1,
	    "more than 2 documents in one file");
	parse_bad("a: 1\n---\nb: 2\n", NULL, 2, 1,
	    "more than one document");
	parse_bad("a: [1, 2\n", NULL, 2, 1, "not valid YAML");
	assert_int_equal(ytree_parse("a\n---\nb\n", 8, &docs, &v, &n, &at,
	    &cause), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[1]->s, "b");
	ytree_docs_free(v, n);
}

/* A config file's errors read FILE:LINE:COL, as compilers write them. */
static void
test_file_errors(void **state)
{
	static const char *const keys[] = { "server", "server_ca" };
	struct ytree_node *root;
	char *cause = NULL;

	(void)state;
	assert_int_equal(ytree_parse_file_text("c.yaml", "x: [\n", 5, NULL,
	    &root, &cause), -1);
	assert_null(root);
	assert_non_null(cause);
	assert_true(has_prefix(cause, "c.yaml:2:1: not valid YAML"));
	free(cause);

	root = parse_ok("server: https://q\nservr: x\n");
	cause = ytree_unknown("c.yaml", root->kids[2], "setting", keys,
	    nitems(keys));
	assert_string_equal(cause, "c.yaml:2:1: unknown setting 'servr' "
	    "(did you mean 'server'?)");
	free(cause);
	cause = ytree_errorf("c.yaml", root->kids[3], "bad %s", "value");
	assert_string_equal(cause, "c.yaml:2:8: bad value");
	free(cause);
	cause = ytree_errorf("c.yaml", NULL, "no place");
	assert_string_equal(cause, "c.yaml: no place");
	free(cause);
	ytree_free(root);
}

/* Empty files, nulls and the tree's editing calls. */
static void
test_null_and_edit(void **state)
{
	struct ytree_node *root, *v;

	(void)state;
	assert_null(parse_ok(""));
	assert_null(parse_ok("# only a comment\n"));
	root = parse_ok("a: ~\nb: 'null'\nc:\nd: null\n");
	assert_true(ytree_is_null(ytree_get(root, "a")));
	assert_false(ytree_is_null(ytree_get(root, "b")));
	assert_true(ytree_is_null(ytree_get(root, "c")));
	assert_true(ytree_is_null(ytree_get(root, "d")));
	assert_true(ytree_is_null(NULL));
	ytree_set(root, "b", ytree_scalar("x", 0, 0));
	assert_string_equal(ytree_get(root, "b")->s, "x");
	ytree_set(root, "e", ytree_scalar("y", 0, 0));
	assert_int_equal(root->n, 10);
	v = ytree_take(root, "a");
	assert_non_null(v);
	assert_int_equal(root->n, 8);
	assert_null(ytree_get(root, "a"));
	ytree_free(v);
	ytree_free_wipe(root);
	ytree_free(NULL);
	ytree_free_wipe(NULL);
}

/* Files: bounded, regular, NUL-terminated. */
static void
test_read_file(void **state)
{
	char path[] = "/tmp/test-common-yaml.XXXXXX", *buf, *cause = NULL;
	size_t len;
	int fd;

	(void)state;
	if ((fd = mkstemp(path)) == -1)
		fail_msg("mkstemp failed");
	assert_int_equal(write(fd, "a: 1\n", 5), 5);
	close(fd);
	assert_int_equal(ytree_read_file(path, 5, &buf, &len, &cause), 0);
	assert_int_equal(len, 5);
	assert_string_equal(buf, "a: 1\n");
	free(buf);
	assert_int_equal(ytree_read_file(path, 4, &buf, &len, &cause), -1);
	assert_null(buf);
	assert_non_null(strstr(cause, "larger than 4 bytes"));
	free(cause);
	unlink(path);
	assert_int_equal(ytree_read_file("/tmp", 4, &buf, &len, &cause), -1);
	assert_string_equal(cause, "not a regular file");
	free(cause);
	assert_int_equal(ytree_read_file(path, 4, &buf, &len, &cause), -1);
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_marks),
		cmocka_unit_test(test_alias),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_null_and_edit),
		cmocka_unit_test(test_read_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
