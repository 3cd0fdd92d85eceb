/* Unit tests for spec-emit.c: every template expanded both ways, the
 * stored spec written as text and the reference dumped from a jansson tree,
 * must give the same jobs byte for byte and the same diagnostics. */
#include <dirent.h>
#include "unit.h"
#include "spec-int.h"

/* What one way of expanding a file gave. */
struct result {
	struct spec_set *set;
	struct spec_diags d;
	int errors;
	size_t emitted;          /* templates the text writer took */
	size_t templates;
};

/* Does what spec_load_buffer does, expanding each template the given way
 * and counting the templates spec-emit.c would write. */
static void
load_how(const char *file, const char *text, const struct spec_options *opts,
    enum spec_expand_how how, struct result *r)
{
	struct spec_ctx c = { .file = file, .diags = &r->d };
	struct spec_options o = *opts;
	struct spec_site *site = spec_site_builtin();
	struct ytree_node **docs = NULL;
	struct spec_emit *e;
	struct spec_tmpl t;
	size_t ndocs = 0, i;
	unsigned fixed;
	json_t *shared;

	memset(r, 0, sizeof *r);
	r->set = xcalloc(1, sizeof *r->set);
	if (o.site == NULL)
		o.site = site;
	c.max_jobs = o.max_jobs;
	c.no_files = o.no_files;
	if (spec_yaml_parse(&c, text, strlen(text), &docs, &ndocs) == 0) {
		for (i = 0; i < ndocs; i++) {
			if (ytree_is_null(docs[i]))
				continue;
			if (spec_tmpl_read(&c, docs[i], &o, &t) == 0) {
				shared = json_pack("{s:i}", "v", 1);
				fixed = spec_fixed_members(&t, "g");
				spec_fixed_add(shared, &t, fixed, "g", "sweep");
				e = spec_emit_new(&c, &t, shared, fixed, "g",
				    "sweep");
				r->emitted += e != NULL;
				r->templates++;
				spec_emit_free(e);
				json_decref(shared);
				spec_expand_tmpl(&c, &o, &t, r->set, how);
			}
			spec_tmpl_release(&t);
		}
	}
	for (i = 0; i < ndocs; i++)
		ytree_free(docs[i]);
	free(docs);
	spec_site_free(site);
	r->errors = c.errors;
}

/* Frees what load_how gave. */
static void
result_release(struct result *r)
{
	spec_set_free(r->set);
	spec_diags_release(&r->d);
}

/* Asserts the two ways gave the same; returns the text way's job count. */
static size_t
compare_text(const char *file, const char *text,
    const struct spec_options *o, size_t *emitted)
{
	struct result a, b;
	struct spec_job *x, *y;
	char *da, *db;
	size_t i;

	load_how(file, text, o, SPEC_EXPAND_TEXT, &a);
	load_how(file, text, o, SPEC_EXPAND_TREE, &b);
	assert_int_equal(a.errors, b.errors);
	assert_int_equal(a.d.n, b.d.n);
	for (i = 0; i < a.d.n; i++) {
		da = spec_diag_format(&a.d.v[i]);
		db = spec_diag_format(&b.d.v[i]);
		assert_string_equal(da, db);
		free(da);
		free(db);
	}
	assert_int_equal(a.set->n, b.set->n);
	assert_int_equal(a.set->bytes, b.set->bytes);
	for (i = 0; i < a.set->n; i++) {
		x = a.set->jobs[i];
		y = b.set->jobs[i];
		/* Every way of writing gives one text, whatever the
		 * split. */
		da = spec_job_json(x);
		db = spec_job_json(y);
		assert_string_equal(da, db);
		free(da);
		free(db);
		assert_null(y->spec_shared);
		if (x->spec_shared != NULL)
			assert_int_equal(strlen(x->spec_shared),
			    x->spec_shared_len);
		assert_string_equal(x->name, y->name);
		assert_string_equal(x->namespace, y->namespace);
		assert_string_or_null_equal(x->group, y->group);
		assert_string_or_null_equal(x->group_kind, y->group_kind);
		assert_string_equal(x->gpu_type, y->gpu_type);
		assert_string_equal(x->file, y->file);
		assert_int_equal(x->priority, y->priority);
		assert_int_equal(x->gpu_count, y->gpu_count);
		assert_int_equal(x->replicas, y->replicas);
		assert_int_equal(x->cpu_milli, y->cpu_milli);
		assert_int_equal(x->memory_bytes, y->memory_bytes);
		assert_int_equal(x->line, y->line);
	}
	if (emitted != NULL)
		*emitted = a.emitted;
	i = a.set->n;
	result_release(&a);
	result_release(&b);
	return i;
}

/* compare_text over a file. */
static size_t
compare_file(const char *path, const struct spec_options *o,
    size_t *emitted)
{
	char *buf = NULL, *cause = NULL;
	size_t len, n;

	if (ytree_read_file(path, SPEC_MAX_FILE_SIZE, &buf, &len, &cause) != 0)
		fail_msg("%s", cause);
	n = compare_text(path, buf, o, emitted);
	free(buf);
	return n;
}

/* A directory of roster files for one test. */
static char dir[128];

/* Writes a file into dir. */
static char *
put_file(const char *name, const char *text)
{
	char *path = xprintf("%s/%s", dir, name);

	unit_write(path, text);
	return path;
}

/* A grid like the benchmark's, every field that varies per job, and the
 * text way taken. */
static void
test_grid(void **state)
{
	static const char head[] = ",\"command\":[\"python train.py --lr ";
	struct spec_options o = { .default_namespace = "alice" };
	struct spec_diags d = { 0 };
	struct spec_set *set;
	char *text, *lr = xstrdup(""), *bs = xstrdup(""), *n;
	size_t emitted;
	int i;

	(void)state;
	for (i = 0; i < 30; i++) {
		n = xprintf("%s%s%de-5", lr, i ? ", " : "", i + 1);
		free(lr);
		lr = n;
		n = xprintf("%s%s%d", bs, i ? ", " : "", 8 * (i + 1));
		free(bs);
		bs = n;
	}
	text = xprintf("name: bench\ncommand: python train.py --lr ${lr} "
	    "--bs ${bs}\nworkdir: /root/proj\nenv: {RUN: \"${index}\", "
	    "G: \"${group}\", K: fixed}\n"
	    "gpu: {type: [RTX4090D, RTX4090], count: 1}\n"
	    "resources: {cpu: 8, memory: 16Gi}\nshm: 8Gi\ntimeout: 2h\n"
	    "after: [prep]\nlabels: {lr: \"${lr}\", team: a}\n"
	    "annotations: {note: \"bs ${bs}\"}\nsweep:\n"
	    "  grid: {lr: [%s], bs: [%s]}\n  max_running: 50\n", lr, bs);
	assert_int_equal(compare_text("grid.yaml", text, &o, &emitted), 900);
	assert_int_equal(emitted, 1);
	o.group = "mine";
	assert_int_equal(compare_text("grid.yaml", text, &o, &emitted), 900);
	/* The fields the jobs share are one text of the set, which each
	 * job's own part follows, not a copy a job. */
	assert_int_equal(spec_load_buffer("grid.yaml", text, strlen(text), &o,
	    &set, &d), 0);
	assert_int_equal(set->n, 900);
	assert_non_null(set->jobs[0]->spec_shared);
	assert_true(set->jobs[0]->spec_shared_len > 500);
	for (i = 0; i < 900; i++) {
		assert_ptr_equal(set->jobs[i]->spec_shared,
		    set->jobs[0]->spec_shared);
		/* The command first, where the jobs' texts part. */
		assert_int_equal(strncmp(set->jobs[i]->spec_own, head,
		    strlen(head)), 0);
		/* What no row changes is in the shared text, not in
		 * each job's own part. */
		assert_null(strstr(set->jobs[i]->spec_own, "\"shell\""));
		assert_null(strstr(set->jobs[i]->spec_own, "\"workdir\""));
		assert_null(strstr(set->jobs[i]->spec_own, "\"group"));
		assert_non_null(strstr(set->jobs[i]->spec_own, "\"env\":"));
	}
	assert_non_null(strstr(set->jobs[0]->spec_shared,
	    ",\"shell\":true,\"workdir\":\"/root/proj\",\"group\":"
	    "\"mine\",\"group_kind\":\"sweep\""));
	spec_set_free(set);
	spec_diags_release(&d);
	free(text);
	free(lr);
	free(bs);
}

/* The members of a stored spec as the layout before the fixed members
 * moved had them after the name (allocated), for json_equal. */
static json_t *
old_members(const char *name, const char *cmd, size_t index,
    const char *params)
{
	json_t *o = json_object();

	json_object_set_new(o, "name", json_string(name));
	json_object_set_new(o, "command", json_pack("[s]", cmd));
	json_object_set_new(o, "shell", json_true());
	json_object_set_new(o, "env", json_object());
	json_object_set_new(o, "labels", json_object());
	json_object_set_new(o, "annotations", json_object());
	json_object_set_new(o, "group", json_string("sweep"));
	json_object_set_new(o, "group_kind", json_string("sweep"));
	json_object_set_new(o, "index", json_integer((json_int_t)index));
	json_object_set_new(o, "params", json_loads(params, 0, NULL));
	return o;
}

/*
 * The benchmark's sweep (bench/sweep.sh): each job's own part is its
 * command, its name and its parameters, the rest (shell, the empty maps,
 * the group) in the text the jobs share; the whole is the same JSON object as
 * before, members in another order.  A template whose command, workdir
 * and maps have no variable keeps them all in the shared text; a template
 * of one job keeps the layout it had.
 */
static void
test_fixed_members(void **state)
{
	static const char text[] = "name: sweep\n"
	    "command: python train.py --a ${a} --b ${b}\n"
	    "gpu: {type: RTX4090D, count: 1}\n"
	    "sweep:\n  grid:\n    a: [0, 1, 2]\n    b: [0, 1, 2, 3]\n";
	static const char one[] = "name: solo\ncommand: run $${x}\n";
	static const char fixed[] = "name: f-${v}\ncommand: [a, b]\n"
	    "workdir: /w\nenv: {A: x, B: y}\nlabels: {l: v}\n"
	    "sweep: {list: [{v: a}, {v: b}]}\n";
	struct spec_options o = { .default_namespace = "alice" };
	struct spec_diags d = { 0 };
	struct spec_set *set;
	json_t *whole, *want, *v;
	const char *k;
	char *s;
	size_t emitted;

	(void)state;
	assert_int_equal(compare_text("sweep.yaml", text, &o, &emitted), 12);
	assert_int_equal(emitted, 1);
	assert_int_equal(spec_load_buffer("sweep.yaml", text, strlen(text),
	    &o, &set, &d), 0);
	assert_string_equal(set->jobs[7]->spec_own, ",\"command\":[\"python "
	    "train.py --a 1 --b 3\"],\"name\":\"sweep-7\",\"index\":7,"
	    "\"params\":{\"a\":\"1\",\"b\":\"3\"}}");
	s = spec_job_json(set->jobs[7]);
	/* No member twice: each moved, none copied. */
	whole = json_loads(s, JSON_REJECT_DUPLICATES, NULL);
	assert_non_null(whole);
	want = old_members("sweep-7", "python train.py --a 1 --b 3", 7,
	    "{\"a\":\"1\",\"b\":\"3\"}");
	json_object_foreach(want, k, v)
		assert_true(json_equal(json_object_get(whole, k), v));
	json_decref(want);
	json_decref(whole);
	free(s);
	spec_set_free(set);

	assert_int_equal(compare_text("f.yaml", fixed, &o, &emitted), 2);
	assert_int_equal(emitted, 1);
	assert_int_equal(spec_load_buffer("f.yaml", fixed, strlen(fixed), &o,
	    &set, &d), 0);
	assert_string_equal(set->jobs[1]->spec_own, ",\"name\":\"f-b\","
	    "\"index\":1,\"params\":{\"v\":\"b\"}}");
	assert_non_null(strstr(set->jobs[1]->spec_shared, ",\"command\":"
	    "[\"a\",\"b\"],\"shell\":false,\"workdir\":\"/w\",\"env\":"
	    "{\"A\":\"x\",\"B\":\"y\"},\"labels\":{\"l\":\"v\"},"
	    "\"annotations\":{},\"group\":\"f\",\"group_kind\":\"sweep\""));
	spec_set_free(set);

	/* One job: the layout it always had, its members after its name. */
	assert_int_equal(spec_load_buffer("one.yaml", one, strlen(one), &o,
	    &set, &d), 0);
	s = spec_job_json(set->jobs[0]);
	assert_non_null(strstr(s, ",\"name\":\"solo\",\"command\":[\"run "
	    "${x}\"],\"shell\":true,\"env\":{},\"labels\":{},"
	    "\"annotations\":{}}"));
	free(s);
	spec_set_free(set);
	spec_diags_release(&d);
}

/* Strings jansson escapes (quotes, backslashes, control characters,
 * non-ASCII, U+2028), $$, a list command, a parameter a row lacks, and
 * hostile values quoted into a shell-form command where they stand. */
static void
test_escaping(void **state)
{
	static const char text[] =
	    "name: odd-${index}\n"
	    "namespace: bob\n"
	    "command: [python, \"t.py\", \"${m}\", \"caf\\u00e9 \\\"q\\\" "
	    "b\\\\s\\ttab\", \"$${lit} $$HOME\", \"\\x01\\x7f\"]\n"
	    "workdir: /w/${m2}\n"
	    "env: {A: \"${m}\", B: const, C: \"${index}-${group}\", "
	    "D: \"\\u00fcn\\u00ef\", E: \"x\\ty\", F: \"/a/b\"}\n"
	    "annotations: {note: \"${m}\", \"a.b/c\": \"\\u2028\"}\n"
	    "labels: {k: \"v-${index}\"}\n"
	    "sweep:\n"
	    "  list:\n"
	    "    - {m: \"\\u00e9\\\"\\\\\", m2: a, x: \"1\"}\n"
	    "    - {m: \"\\u2028 line\\nbreak\", m2: c}\n"
	    "    - {m: m, m2: d}\n"
	    "---\n"
	    "name: plain\n"
	    "command: echo \"$$x\" ${index} ${group}\n"
	    "---\n"
	    "name: shelly\n"
	    "interactive: true\n"
	    "---\n"
	    "name: sh\n"
	    "command: echo ${v} '${v}' \"${v}\" ${v:raw} \\${v}\n"
	    "sweep: {list: [{v: \"O'Brien\"}, {v: \"$(id) `x` \\\"q\\\" "
	    "\\\\b\"}, {v: plain}, {v: \"\"}]}\n"
	    "---\n"
	    "name: helmish\n"
	    "command: [\"\\u4e2d\\u6587\"]\n"
	    "env: {}\n";
	struct spec_options o = { .default_namespace = "alice" };
	size_t emitted;

	(void)state;
	assert_int_equal(compare_text("odd.yaml", text, &o, &emitted), 10);
	assert_int_equal(emitted, 5);
}

/* Rosters: CSV with quotes and a byte that is not UTF-8 (jansson refuses
 * it: the member is left out both ways), a column twice (the tree keeps
 * one member: the text way hands the template to it), YAML rows that lack
 * a field. */
static void
test_rosters(void **state)
{
	struct spec_options o = { .default_namespace = "alice" };
	char *path, *csv, *dup, *yml;
	size_t emitted;

	(void)state;
	csv = put_file("s.csv", "id,name,mail\ns1,\"Lin, \"\"Wei\"\"\",a@b\n"
	    "s2,Bad \xff byte,\"multi\nline\"\ns3,\xe4\xb8\xad,\n");
	dup = put_file("d.csv", "id,id,x\na,b,c\nd,e,f\n");
	yml = put_file("r.yaml", "- {id: a1, name: Ann}\n- {id: b2}\n"
	    "- {name: \"N\\u00e9\", id: c3}\n");
	path = xprintf("%s/lab.yaml", dir);
	assert_int_equal(compare_text(path, "name: lab-${s.id}\ncommand: "
	    "grade ${s.name}\nenv: {N: \"${s.name}\", M: \"${s.mail}\"}\n"
	    "for_each: {roster: s.csv, as: s}\n", &o, &emitted), 3);
	assert_int_equal(emitted, 1);
	assert_int_equal(compare_text(path, "name: lab-${s.x}\ncommand: "
	    "grade ${s.id}\nfor_each: {roster: d.csv, as: s}\n", &o,
	    &emitted), 2);
	assert_int_equal(emitted, 0);
	assert_int_equal(compare_text(path, "name: lab-${s.id}\ncommand: "
	    "grade\nlabels: {n: \"${s.name}\"}\nfor_each: {roster: r.yaml, "
	    "as: s}\n", &o, &emitted), 1);
	assert_int_equal(compare_text(path, "name: lab-${s.id}\ncommand: "
	    "grade\nenv: {n: \"${s.id}\"}\nfor_each: {roster: r.yaml, "
	    "as: s}\n", &o, &emitted), 3);
	assert_int_equal(emitted, 1);
	unlink(csv);
	unlink(dup);
	unlink(yml);
	free(csv);
	free(dup);
	free(yml);
	free(path);
}

/* Errors past the first row come out the same: a label value made bad by
 * a parameter, an unknown variable, a name made bad by a parameter. */
static void
test_errors(void **state)
{
	struct spec_options o = { .default_namespace = "alice" };

	(void)state;
	assert_int_equal(compare_text("e.yaml", "name: e\ncommand: x\n"
	    "labels: {k: \"${v}\"}\nsweep: {list: [{v: a}, {v: b}, "
	    "{v: \"no good\"}]}\n", &o, NULL), 2);
	assert_int_equal(compare_text("e.yaml", "name: e\ncommand: x\n"
	    "labels: {k: \"no good\"}\nsweep: {list: [{v: a}]}\n", &o,
	    NULL), 0);
	assert_int_equal(compare_text("e.yaml", "name: e\ncommand: x\n"
	    "annotations: {k: \"${nope}\"}\nsweep: {list: [{v: a}]}\n", &o,
	    NULL), 0);
	assert_int_equal(compare_text("e.yaml", "name: e-${v}\ncommand: x\n"
	    "sweep: {list: [{v: a}, {v: B}]}\n", &o, NULL), 1);
	assert_int_equal(compare_text("e.yaml", "name: e\ncommand: "
	    "[a, \"${v\"]\nsweep: {list: [{v: a}]}\n", &o, NULL), 0);
}

/* Every golden case of tests/spec/ (valid and invalid) both ways. */
static void
test_golden(void **state)
{
	struct spec_options o = { .default_namespace = "alice" };
	const char *src = getenv("top_srcdir");
	char *gdir, *path;
	struct dirent *de;
	size_t len, cases = 0, jobs = 0, emitted, all = 0;
	DIR *d;

	(void)state;
	gdir = xprintf("%s/tests/spec", src != NULL ? src : ".");
	d = opendir(gdir);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len < 6 || strcmp(de->d_name + len - 5, ".yaml") != 0 ||
		    strstr(de->d_name, ".site.") != NULL)
			continue;
		path = xprintf("%s/%s", gdir, de->d_name);
		jobs += compare_file(path, &o, &emitted);
		all += emitted;
		cases++;
		free(path);
	}
	closedir(d);
	free(gdir);
	assert_true(cases > 80);
	assert_true(jobs > 50);
	assert_true(all > 40);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grid),
		cmocka_unit_test(test_fixed_members),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_rosters),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_golden),
	};
	int ret;

	snprintf(dir, sizeof dir, "%s/spec-emit-XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(dir) == NULL)
		return 1;
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	rmdir(dir);
	return ret;
}
