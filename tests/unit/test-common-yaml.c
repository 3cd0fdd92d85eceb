/* Unit tests for common/common-yaml.c: the one YAML reader, its marks, its
 * bounds and its refusals. */
#include "unit.h"
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

/* Aliases expand to copies of their anchors' nodes, which keep the
 * anchor's marks, as kubectl and helm read them; anchors are scoped to
 * their document and a later definition wins. */
static void
test_alias(void **state)
{
	struct ytree_node *root, *b, **docs;
	struct ytree_limits two = { .max_docs = 2 };
	struct ytree_mark at;
	const char *text;
	size_t ndocs;
	char *cause = NULL;

	(void)state;
	root = parse_ok("a: &x [1, &y two]\nb: *x\nc: *y\nk: &k key\n"
	    "m: {*k : v}\n");
	b = ytree_get(root, "b");
	assert_non_null(b);
	assert_true(b != ytree_get(root, "a"));
	assert_int_equal(b->type, YTREE_SEQ);
	assert_int_equal(b->n, 2);
	assert_string_equal(b->kids[1]->s, "two");
	assert_true(b->kids[1]->plain);
	assert_int_equal(b->line, 1);
	assert_int_equal(b->col, 4);
	assert_int_equal(b->kids[1]->col, 11);
	assert_string_equal(ytree_get(root, "c")->s, "two");
	assert_int_equal(ytree_get(root, "c")->line, 1);
	assert_string_equal(ytree_get(ytree_get(root, "m"), "key")->s, "v");
	ytree_free(root);

	root = parse_ok("a: &x 1\nb: &x 2\nc: *x\nd: &z [&z 3, *z]\ne: *z\n");
	assert_string_equal(ytree_get(root, "c")->s, "2");
	assert_string_equal(ytree_get(root, "d")->kids[1]->s, "3");
	assert_string_equal(ytree_get(root, "e")->s, "3");
	ytree_free_wipe(root);

	parse_bad("a: &x 1\n---\nb: *x\n", &two, 3, 4, "unknown anchor 'x'");
	text = "a: &x 1\nb: *x\n---\nc: &x 2\nd: *x\n";
	assert_int_equal(ytree_parse(text, strlen(text), &two, &docs, &ndocs,
	    &at, &cause), 0);
	assert_int_equal(ndocs, 2);
	assert_string_equal(ytree_get(docs[0], "b")->s, "1");
	assert_string_equal(ytree_get(docs[1], "d")->s, "2");
	ytree_docs_free(docs, ndocs);
}

/* An alias to no anchor, or to the node it stands in, is refused where
 * the alias stands; so is a key repeated through an alias. */
static void
test_alias_refused(void **state)
{
	(void)state;
	parse_bad("a: 1\nb: *nope\n", NULL, 2, 4, "unknown anchor 'nope'");
	parse_bad("b: *x\na: &x 1\n", NULL, 1, 4, "unknown anchor 'x'");
	parse_bad("a: &x [1, *x]\n", NULL, 1, 11, "alias '*x' is inside");
	parse_bad("a: &x {b: {c: *x}}\n", NULL, 1, 15, "is inside");
	parse_bad("a: &k a\n*k : 2\n", NULL, 1, 4, "duplicate key 'a'");
	parse_bad("k: &k [1]\n? *k\n: 2\n", NULL, 1, 4,
	    "keys must be plain strings");
}

/* A billion laughs is refused at the alias that passes the node budget,
 * before it is copied: nine levels of nine would be 387 million nodes. */
static void
test_alias_laughs(void **state)
{
	struct ytree_limits lim = { .what = "a test file" };
	char *text = xstrdup("l0: &l0 [x, x, x, x, x, x, x, x, x]\n"), *t;
	int i;

	(void)state;
	for (i = 1; i <= 9; i++) {
		t = xprintf("%sl%d: &l%d [*l%d, *l%d, *l%d, *l%d, *l%d, *l%d, "
		    "*l%d, *l%d, *l%d]\n", text, i, i, i - 1, i - 1, i - 1,
		    i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
		free(text);
		text = t;
	}
	/* l1 to l4 copy 74,718 nodes; the first alias of l5 would add
	 * 66,430 more. */
	parse_bad(text, &lim, 6, 10,
	    "YAML aliases expand to more than 100000 nodes in a test file");
	free(text);
}

/* The other budgets: bytes copied, aliases within aliases, and nesting
 * after expansion; a budget just met is not passed. */
static void
test_alias_budgets(void **state)
{
	struct ytree_limits bytes = { .max_alias_bytes = 10 };
	struct ytree_limits levels = { .max_alias_depth = 2 };
	struct ytree_limits nodes = { .max_alias_nodes = 4 };
	struct ytree_limits deep = { .max_depth = 3 };
	struct ytree_node **docs;
	struct ytree_mark at;
	const char *text;
	size_t n;
	char *cause = NULL;

	(void)state;
	parse_bad("a: &s 12345\nb: *s\nc: *s\nd: *s\n", &bytes, 4, 4,
	    "more than 10 bytes");
	parse_bad("a: &a 1\nb: &b [*a]\nc: &c [*b]\nd: [*c]\n", &levels,
	    4, 5, "YAML aliases nested more than 2 deep in this file");
	text = "a: &a 1\nb: &b [*a]\nc: [*b]\n";
	assert_int_equal(ytree_parse(text, strlen(text), &levels, &docs, &n,
	    &at, &cause), 0);
	ytree_docs_free(docs, n);
	parse_bad("a: &a [1]\nb: *a\nc: *a\nd: *a\n", &nodes, 4, 4,
	    "more than 4 nodes");
	text = "a: &a [1]\nb: *a\nc: *a\n";
	assert_int_equal(ytree_parse(text, strlen(text), &nodes, &docs, &n,
	    &at, &cause), 0);
	ytree_docs_free(docs, n);
	parse_bad("a: &a {b: [1]}\nc: [{d: *a}]\n", &deep, 2, 9,
	    "nesting deeper than 3 levels");
}

/* Merge keys as kubectl and helm apply them: the mapping's own keys win,
 * then the first merged mapping; what is merged counts as aliases do. */
static void
test_merge(void **state)
{
	struct ytree_limits nodes = { .max_alias_nodes = 10 };
	struct ytree_node *root, *m;

	(void)state;
	root = parse_ok("base: &b {cluster: c1, user: u1, namespace: a}\n"
	    "more: &m {namespace: m, extra: e}\n"
	    "ctx:\n  <<: [*b, *m]\n  namespace: z\n"
	    "one: {<<: *m, k: v}\n"
	    "inline: {<<: {q: 1}}\n");
	m = ytree_get(root, "ctx");
	assert_null(ytree_get(m, "<<"));
	assert_int_equal(m->n, 8);
	assert_string_equal(ytree_get(m, "namespace")->s, "z");
	assert_string_equal(ytree_get(m, "cluster")->s, "c1");
	assert_int_equal(ytree_get(m, "cluster")->line, 1);
	assert_string_equal(ytree_get(m, "extra")->s, "e");
	m = ytree_get(root, "one");
	assert_int_equal(m->n, 6);
	assert_string_equal(ytree_get(m, "namespace")->s, "m");
	assert_string_equal(ytree_get(ytree_get(root, "inline"), "q")->s, "1");
	ytree_free(root);
	root = parse_ok("a: {'<<': x}\n");
	assert_string_equal(ytree_get(ytree_get(root, "a"), "<<")->s, "x");
	ytree_free(root);

	parse_bad("a: {<<: x}\n", NULL, 1, 5, "'<<' must merge a mapping");
	parse_bad("a: &a [1]\nb: {<<: [*a]}\n", NULL, 2, 5,
	    "'<<' must merge a mapping");
	parse_bad("a: {<<: {x: 1}, <<: {y: 2}}\n", NULL, 1, 17,
	    "duplicate key '<<'");
	parse_bad("a: &a {x: 1, y: 2, z: 3}\nb: {<<: *a}\n", &nodes, 2, 5,
	    "more than 10 nodes");
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
	assert_string_take(ytree_unknown("c.yaml", root->kids[2], "setting",
	    keys, nitems(keys)), "c.yaml:2:1: unknown setting 'servr' "
	    "(did you mean 'server'?)");
	assert_string_take(ytree_errorf("c.yaml", root->kids[3], "bad %s",
	    "value"), "c.yaml:2:8: bad value");
	assert_string_take(ytree_errorf("c.yaml", NULL, "no place"),
	    "c.yaml: no place");
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

	(void)state;
	unit_write_tmp(path, "a: 1\n");
	assert_int_equal(ytree_read_file(path, 5, &buf, &len, &cause), 0);
	assert_int_equal(len, 5);
	assert_string_equal(buf, "a: 1\n");
	free(buf);
	assert_int_equal(ytree_read_file(path, 4, &buf, &len, &cause), -1);
	assert_null(buf);
	assert_cause(cause, "larger than 4 bytes");
	unlink(path);
	assert_int_equal(ytree_read_file("/tmp", 4, &buf, &len, &cause), -1);
	assert_string_take(cause, "not a regular file");
	assert_int_equal(ytree_read_file(path, 4, &buf, &len, &cause), -1);
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_marks),
		cmocka_unit_test(test_alias),
		cmocka_unit_test(test_alias_refused),
		cmocka_unit_test(test_alias_laughs),
		cmocka_unit_test(test_alias_budgets),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_null_and_edit),
		cmocka_unit_test(test_read_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
