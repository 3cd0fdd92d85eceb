/* Unit tests for spec on hostile input: large mappings, empty keys, sweeps
 * and rosters past a job limit, CSV rosters, deep 'after' chains, and the
 * escaping of what the kubelet would expand. */
#include "unit.h"
#include "spec-int.h"
#include "spec-whole.h"

/* The first diagnostic as a line, for comparing; the caller frees it. */
static char *
first_diag(const struct spec_diags *d)
{
	assert_true(d->n > 0);
	return spec_diag_format(&d->v[0]);
}

/* The text is refused (job limit max) with one diagnostic, this one. */
#define assert_refused(text, max, d, want) do {				\
	assert_null(load_max((text), (max), (d)));			\
	assert_int_equal((d)->n, 1);					\
	assert_string_take(first_diag(d), (want));			\
	spec_diags_release(d);						\
} while (0)

/* Text of many lines, built with a format per line. */
struct text {
	char *s;
	size_t len;
	size_t cap;
};

/* Appends a formatted line, growing the text geometrically. */
static void
text_add(struct text *t, const char *fmt, ...) printflike(2, 3);
static void
text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	char *line;
	int n;

	va_start(ap, fmt);
	n = xvasprintf(&line, fmt, ap);
	va_end(ap);
	if (t->len + (size_t)n + 1 > t->cap) {
		t->cap = (t->len + (size_t)n + 1) * 2;
		t->s = xreallocarray(t->s, t->cap, 1);
	}
	memcpy(t->s + t->len, line, (size_t)n + 1);
	t->len += (size_t)n;
	free(line);
}

/* A duplicate among thousands of keys is found (through the key set), at
 * its place, and a large mapping without one loads. */
static void
test_duplicate_in_large_map(void **state)
{
	struct spec_diags d = { 0 };
	struct text text = { 0 };
	struct spec_set *set;
	json_t *j;
	int i;

	(void)state;
	text_add(&text, "name: envy\ncommand: 'true'\nenv:\n");
	for (i = 0; i < 5000; i++)
		text_add(&text, "  K%05d: v%d\n", i, i);
	set = load_max(text.s, 0, &d);
	assert_non_null(set);
	j = json_loads(whole(set->jobs[0]), 0, NULL);
	assert_int_equal(json_object_size(json_object_get(j, "env")), 5000);
	json_decref(j);
	spec_set_free(set);
	/* K00017 again, on line 5004, after the set has taken over. */
	text_add(&text, "  K00017: again\n");
	assert_refused(text.s, 0, &d, "t.yaml:5004:3: duplicate key 'K00017'");
	free(text.s);
	/* A small mapping still finds one by scanning. */
	assert_refused("name: a\ncommand: x\nname: b\n", 0, &d,
	    "t.yaml:3:1: duplicate key 'name'");
}

/* A key '' is an error at its place, wherever it is. */
static void
test_empty_key(void **state)
{
	struct spec_diags d = { 0 };

	(void)state;
	assert_refused("name: a\ncommand: x\n\"\": 1\n", 0, &d,
	    "t.yaml:3:1: empty key ''");
	assert_refused("name: a\ncommand: x\nenv:\n  A: 1\n  '': 2\n", 0, &d,
	    "t.yaml:5:3: empty key ''");
}

/* Past SPEC_MAX_DIAGS, errors are counted and one line says so. */
static void
test_diagnostics_bounded(void **state)
{
	struct spec_diags d = { 0 };
	struct text text = { 0 };
	int i;

	(void)state;
	text_add(&text, "name: a\ncommand: x\nenv:\n");
	for (i = 0; i < 3000; i++)
		text_add(&text, "  %d-bad: v\n", i);
	assert_null(load_max(text.s, 0, &d));
	assert_int_equal(d.n, SPEC_MAX_DIAGS + 1);
	assert_string_equal(d.v[SPEC_MAX_DIAGS].msg, "too many errors: the "
	    "first 1000 are shown");
	spec_diags_release(&d);
	free(text.s);
}

/* A sweep's size is its axes' product, refused at the field before any
 * job is made; the limit is the caller's. */
static void
test_sweep_limit(void **state)
{
	struct spec_diags d = { 0 };
	struct text big = { 0 };
	struct spec_set *set;
	int i;

	(void)state;
	assert_refused("name: g\ncommand: x\nsweep:\n  grid:\n"
	    "    a: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n    b: [1, 2, 3, 4, 5, 6, "
	    "7, 8, 9, 10]\n    c: [1, 2]\n", 100, &d,
	    "t.yaml:5:5: 'sweep.grid' makes 200 jobs (10 x "
	    "10 x 2): at most 100 may be submitted at once");
	/* A product past 64 bits is still refused, not wrapped. */
	text_add(&big, "name: g\ncommand: x\nsweep:\n  grid:\n");
	for (i = 0; i < 20; i++)
		text_add(&big, "    p%d: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n", i);
	assert_null(load_max(big.s, 0, &d));
	assert_non_null(strstr(d.v[0].msg, "makes more than "));
	spec_diags_release(&d);
	free(big.s);
	assert_refused("name: z\ncommand: x\nsweep:\n  zip:\n"
	    "    a: [1, 2, 3]\n    b: [4, 5, 6]\n", 2, &d,
	    "t.yaml:5:5: 'sweep.zip' makes 3 jobs: at most "
	    "2 may be submitted at once");
	assert_refused("name: l\ncommand: x\nsweep:\n  list:\n"
	    "  - {a: 1}\n  - {a: 2}\n  - {a: 3}\n", 2, &d,
	    "t.yaml:5:3: 'sweep.list' makes 3 jobs: at "
	    "most 2 may be submitted at once");
	/* Documents add up: the one that passes the limit is named. */
	assert_refused("name: a\ncommand: x\n---\nname: b\ncommand: x\n"
	    "---\nname: c\ncommand: x\n", 2, &d,
	    "t.yaml:7:1: the file makes more than 2 jobs: "
	    "at most 2 may be submitted at once");
	/* At the limit is fine; 0 is SPEC_MAX_JOBS. */
	set = load_max("name: g\ncommand: x\nsweep: {grid: {a: [1, 2]}}\n", 2,
	    &d);
	assert_non_null(set);
	assert_int_equal(set->n, 2);
	spec_set_free(set);
	spec_diags_release(&d);
}

/* With no_files, a roster is refused at its place and nothing is read. */
static void
test_no_files(void **state)
{
	struct spec_options o = { .default_namespace = "alice",
		.no_files = true };
	const char *text = "name: r-${s.id}\ncommand: x\nfor_each:\n"
	    "  roster: /etc/passwd\n  as: s\n";
	struct spec_diags d = { 0 };
	struct spec_set *set = NULL;

	(void)state;
	assert_int_equal(spec_load_buffer("t.yaml", text, strlen(text), &o,
	    &set, &d), -1);
	assert_null(set);
	assert_string_take(first_diag(&d),
	    "t.yaml:4:11: 'for_each.roster' names a file "
	    "('/etc/passwd'), and files are not read here: its rows must come "
	    "with the spec (ailab-queue submit sends them)");
	spec_diags_release(&d);
}

/* With no_files, a roster's rows given as data under the name the spec
 * writes are expanded as a local file's; a value's error names its cell
 * (file.csv:line:col); the refs a client must read are listed once each;
 * a roster under another name is still a file, refused. */
static void
test_rosters_as_data(void **state)
{
	const char *csv = "id,ns\nann,alice\nBob,bob\n";
	struct spec_roster_data r = { "class/s.csv", csv, strlen(csv) };
	struct spec_options o = { .default_namespace = "alice",
		.no_files = true, .rosters = &r, .nrosters = 1 };
	const char *text = "name: r-${s.id}\ncommand: x\nfor_each:\n"
	    "  roster: class/s.csv\n  as: s\n---\nname: q-${t.id}\n"
	    "command: x\nfor_each: {roster: class/s.csv, as: t}\n";
	const char *other = "name: r-${s.id}\ncommand: x\nfor_each:\n"
	    "  roster: other.csv\n  as: s\n";
	struct spec_diags d = { 0 };
	struct spec_set *set = NULL;
	char *s, **refs;
	size_t n;

	(void)state;
	spec_roster_refs("t.yaml", text, strlen(text), &refs, &n);
	assert_int_equal(n, 1);
	assert_string_equal(refs[0], "class/s.csv");
	free(refs[0]);
	free(refs);
	/* An upper-case id is no DNS name: refused at its cell. */
	assert_int_equal(spec_load_buffer("t.yaml", text, strlen(text), &o,
	    &set, &d), -1);
	s = first_diag(&d);
	assert_non_null(strstr(s, "class/s.csv:3:1: "));
	free(s);
	spec_diags_release(&d);
	r.len = strlen("id,ns\nann,alice\n");
	memset(&d, 0, sizeof d);
	assert_int_equal(spec_load_buffer("t.yaml", text, strlen(text), &o,
	    &set, &d), 0);
	assert_int_equal(set->n, 2);
	assert_string_equal(set->jobs[0]->name, "r-ann");
	assert_string_equal(set->jobs[0]->group_kind, "roster");
	spec_set_free(set);
	spec_diags_release(&d);
	memset(&d, 0, sizeof d);
	assert_int_equal(spec_load_buffer("t.yaml", other, strlen(other), &o,
	    &set, &d), -1);
	s = first_diag(&d);
	assert_non_null(strstr(s, "t.yaml:4:11: 'for_each.roster' names a "
	    "file ('other.csv')"));
	free(s);
	spec_diags_release(&d);
}

/* CSV as RFC 4180 has it, each field its own size, bounded rows. */
static void
test_csv(void **state)
{
	const char *csv = "\xef\xbb\xbfid,note \r\n"
	    "1,\"a, \"\"quoted\"\"\nline\"\r\n"
	    "\n"
	    "2,plain  \n"
	    "3,\"\"";
	struct spec_params p;
	char *cause = NULL;

	(void)state;
	assert_int_equal(spec_csv_parse(csv, strlen(csv), "s", 10, &p,
	    &cause), 0);
	assert_int_equal(p.nkeys, 2);
	assert_string_equal(p.keys[1], "s.note");
	assert_int_equal(p.nrows, 3);
	assert_string_equal(p.vals[1], "a, \"quoted\"\nline");
	assert_string_equal(p.vals[3], "plain");
	assert_string_equal(p.vals[5], "");
	spec_params_release(&p);
	assert_int_equal(spec_csv_parse(csv, strlen(csv), "s", 2, &p,
	    &cause), -1);
	assert_string_take(cause, "more than 2 rows: at most 2 jobs may be "
	    "submitted at once");
	assert_int_equal(spec_csv_parse("a,b\n1,2,3,4,5,6,7,8,9\n", 21, "s",
	    10, &p, &cause), -1);
	assert_string_take(cause, "line 2: more fields than the header's 2");
	assert_int_equal(spec_csv_parse("a\n\"open\n", 8, "s", 10, &p,
	    &cause), -1);
	assert_string_take(cause, "line 2: unterminated quoted field");
	assert_int_equal(spec_csv_parse("a\n\"x\"y\n", 7, "s", 10, &p,
	    &cause), -1);
	assert_string_take(cause, "line 2: text after a closing quote");
}

/* A large roster: every row read, the last one whole. */
static void
test_csv_large(void **state)
{
	struct spec_params p;
	char *cause = NULL, *buf;
	size_t len = 0, i, cap = 100000 * 24 + 32;

	(void)state;
	buf = xmalloc(cap);
	len += (size_t)snprintf(buf, cap, "name,seed\n");
	for (i = 0; i < 100000; i++)
		len += (size_t)snprintf(buf + len, cap - len, "s%06zu,%zu\n", i,
		    i * 7919 % 1000003);
	assert_int_equal(spec_csv_parse(buf, len, "row", 100000, &p, &cause),
	    0);
	assert_int_equal(p.nrows, 100000);
	assert_string_equal(p.vals[2 * 99999], "s099999");
	spec_params_release(&p);
	free(buf);
}

/* A chain of jobs each after the one before, named so that the walk
 * starts at its far end; n jobs in nfiles sets. */
static int
check_chain(size_t n, size_t nfiles, struct spec_diags *d)
{
	struct spec_set **sets = xcalloc(nfiles, sizeof *sets);
	struct text text;
	size_t f, k = 0, per = (n + nfiles - 1) / nfiles, i;
	int ret;

	for (f = 0; f < nfiles; f++) {
		memset(&text, 0, sizeof text);
		for (i = 0; i < per && k < n; i++, k++) {
			text_add(&text, "name: j%06zu\ncommand: x\n", n - k);
			if (k > 0)
				text_add(&text, "after: j%06zu\n", n - k + 1);
			text_add(&text, "---\n");
		}
		sets[f] = load_max(text.s, 0, d);
		assert_non_null(sets[f]);
		free(text.s);
	}
	ret = spec_check_after(sets, nfiles, d);
	for (f = 0; f < nfiles; f++)
		spec_set_free(sets[f]);
	free(sets);
	return ret;
}

/* Long 'after' chains are walked without recursion; one deeper than
 * SPEC_MAX_AFTER_DEPTH is refused at a job's place; cycles are found. */
static void
test_after_chain(void **state)
{
	struct spec_diags d = { 0 };
	struct spec_set *set;

	(void)state;
	/* The first job of a chain waits for none. */
	assert_int_equal(check_chain(SPEC_MAX_AFTER_DEPTH + 1, 3, &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(check_chain(SPEC_MAX_AFTER_DEPTH + 2, 3, &d), -1);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.v[0].msg, "'after' makes more than 10000 jobs "
	    "wait one for another, at job 'j010001'");
	spec_diags_release(&d);
	set = load_max("name: a\ncommand: x\nafter: c\n---\nname: b\n"
	    "command: x\nafter: a\n---\nname: c\ncommand: x\nafter: b\n", 0,
	    &d);
	assert_non_null(set);
	assert_int_equal(spec_check_after(&set, 1, &d), -1);
	assert_string_take(first_diag(&d),
	    "t.yaml:1:1: 'after' makes a cycle through " "job 'a'");
	spec_set_free(set);
	spec_diags_release(&d);
}

/*
 * The kubelet's expansion of $(VAR) and $$ (k8s.io/kubernetes
 * third_party/forked/golang/expansion, Expand), written from its source:
 * what a container's process would get for a rendered string.
 */
static char *
kube_expand(const char *in, const char *const *vars)
{
	char *out = xmalloc(strlen(in) * 8 + 64), *name;
	const char *p, *close;
	size_t n = 0, i;

	for (p = in; *p != '\0'; p++) {
		if (p[0] != '$' || p[1] == '\0') {
			out[n++] = *p;
			continue;
		}
		if (p[1] == '$') {
			out[n++] = '$';
			p++;
			continue;
		}
		if (p[1] == '(' && (close = strchr(p + 2, ')')) != NULL) {
			name = xstrndup(p + 2, (size_t)(close - p - 2));
			for (i = 0; vars[i] != NULL; i += 2)
				if (strcmp(vars[i], name) == 0)
					break;
			n += (size_t)sprintf(out + n, vars[i] != NULL ? "%s" :
			    "$(%s)", vars[i] != NULL ? vars[i + 1] : name);
			free(name);
			p = close;
			continue;
		}
		out[n++] = '$';
	}
	out[n] = '\0';
	return out;
}

/* Every command string, argument and env value of a rendered job comes
 * out of the kubelet's expansion as the spec said, for random strings of
 * '$', '(', ')' and letters. */
static void
test_kube_literal(void **state)
{
	static const char *const vars[] = { "HOME", "/root", "RANK", "0",
		"A", "x", NULL };
	static const char alphabet[] = "$$$()aA";
	struct spec_run run = { .job_id = 7, .attempt = 1, .owner = "bob" };
	struct spec_diags d = { 0 };
	struct spec_set *set;
	json_t *j, *cmd, *env, *objs, *c, *e;
	char *spec, *cause = NULL, *got, want[64][16];
	const char *v;
	size_t i, k, iter;
	unsigned int seed = 1;

	(void)state;
	set = load_max("name: lit\ncommand: [x]\n", 0, &d);
	assert_non_null(set);
	for (iter = 0; iter < 200; iter++) {
		j = json_loads(whole(set->jobs[0]), 0, NULL);
		cmd = json_array();
		env = json_object();
		for (i = 0; i < 64; i++) {
			size_t len = (size_t)(rand_r(&seed) % 12);

			for (k = 0; k < len; k++)
				want[i][k] = alphabet[rand_r(&seed) %
				    (sizeof alphabet - 1)];
			want[i][len] = '\0';
			if (i < 32)
				json_array_append_new(cmd, json_string(want[i]));
			else {
				char name[16];

				snprintf(name, sizeof name, "E%zu", i);
				json_object_set_new(env, name,
				    json_string(want[i]));
			}
		}
		json_object_set_new(j, "command", cmd);
		json_object_set_new(j, "env", env);
		spec = json_dumps(j, JSON_COMPACT);
		json_decref(j);
		objs = spec_render_job_json(spec, &run, &cause);
		assert_non_null(objs);
		c = json_array_get(json_object_get(json_object_get(
		    json_object_get(json_object_get(json_array_get(objs, 1),
		    "spec"), "template"), "spec"), "containers"), 0);
		json_array_foreach(json_object_get(c, "args"), i, e) {
			got = kube_expand(json_string_value(e), vars);
			assert_string_equal(got, want[i]);
			free(got);
		}
		json_array_foreach(json_object_get(c, "env"), i, e) {
			v = json_string_value(json_object_get(e, "name"));
			if (v[0] != 'E')
				continue;
			got = kube_expand(json_string_value(json_object_get(e,
			    "value")), vars);
			assert_string_equal(got, want[atoi(v + 1)]);
			free(got);
		}
		/* The wrapper around the command passes through unchanged. */
		got = kube_expand(json_string_value(json_array_get(
		    json_object_get(c, "command"), 2)), vars);
		assert_string_equal(got, spec_wrapper_script);
		free(got);
		json_decref(objs);
		free(spec);
	}
	spec_set_free(set);
	spec_diags_release(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duplicate_in_large_map),
		cmocka_unit_test(test_empty_key),
		cmocka_unit_test(test_diagnostics_bounded),
		cmocka_unit_test(test_sweep_limit),
		cmocka_unit_test(test_no_files),
		cmocka_unit_test(test_rosters_as_data),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_csv_large),
		cmocka_unit_test(test_after_chain),
		cmocka_unit_test(test_kube_literal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
