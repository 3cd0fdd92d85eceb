/* Unit tests for spec: the completion wrapper under /bin/sh, expansion,
 * the stored spec JSON and rendering from it. */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "unit.h"
#include "common.h"
#include "spec.h"
#include "spec-whole.h"

/* A pod's name, or NULL for no pod. */
static const char *
pod_name(const json_t *p)
{
	return json_string_value(json_object_get(json_object_get(p,
	    "metadata"), "name"));
}

/* A private directory holding the wrapper script. */
struct wrap_env {
	char dir[64];
	char script[128];
};

/* Writes the wrapper to a temporary directory beside its state directory. */
static int
wrap_setup(void **state)
{
	struct wrap_env *w = xcalloc(1, sizeof *w);
	char *d;

	snprintf(w->dir, sizeof w->dir, "/tmp/test-spec.XXXXXX");
	assert_non_null(mkdtemp(w->dir));
	d = xprintf("%s/state", w->dir);
	assert_int_equal(mkdir(d, 0700), 0);
	free(d);
	snprintf(w->script, sizeof w->script, "%s/wrapper.sh", w->dir);
	unit_write(w->script, spec_wrapper_script);
	*state = w;
	return 0;
}

/* Removes the temporary directory. */
static int
wrap_teardown(void **state)
{
	struct wrap_env *w = *state;

	assert_int_equal(unit_rmtree(w->dir), 0);
	free(w);
	return 0;
}

/* Reads a small file whole, or NULL. */
static char *
slurp(const char *dir, const char *name)
{
	char *path = xprintf("%s/%s", dir, name), buf[4096];
	FILE *f = fopen(path, "r");
	size_t n;

	free(path);
	if (f == NULL)
		return NULL;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	return xstrdup(buf);
}

/* Runs the wrapper as the container would, with the state directory and
 * termination log redirected; returns the exit status or -1. */
static int
run_wrapper(struct wrap_env *w, const char *timeout, const char *user)
{
	char *cmd;
	int st;

	cmd = xprintf("cd '%s' && AILAB_STATE_DIR='%s/state' "
	    "AILAB_TERMINATION_LOG='%s/termlog' %s /bin/sh -c \"$(cat '%s')\" "
	    "ailab-queue-wrapper %s >'%s/stdout' 2>&1", w->dir, w->dir, w->dir,
	    timeout, w->script, user, w->dir);
	st = system(cmd);
	free(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The first run records the exit code; a restart only waits. */
static void
test_wrapper_runs_once(void **state)
{
	struct wrap_env *w = *state;

	assert_int_equal(run_wrapper(w, "", "/bin/sh -c "
	    "'echo ran >>count; exit 3'"), 3);
	assert_string_take(slurp(w->dir, "state/exit"), "3\n");
	assert_string_take(slurp(w->dir, "termlog"), "ailab-queue-exit=3\n");
	/* The restarted container must not run the command again: it
	 * sleeps until timeout(1) stops it. */
	assert_int_equal(run_wrapper(w, "timeout 1", "/bin/sh -c "
	    "'echo ran >>count; exit 3'"), 124);
	assert_string_take(slurp(w->dir, "count"), "ran\n");
}

/* Success is recorded as 0 too. */
static void
test_wrapper_success(void **state)
{
	struct wrap_env *w = *state;

	assert_int_equal(run_wrapper(w, "", "true"), 0);
	assert_string_take(slurp(w->dir, "state/exit"), "0\n");
}

/* The user's arguments reach the command verbatim, never re-parsed. */
static void
test_wrapper_quoting(void **state)
{
	struct wrap_env *w = *state;
	char *s;

	assert_int_equal(run_wrapper(w, "", "printf '[%s]' 'a b' "
	    "'$(touch pwned)' '\"q\"' ';' '*'"), 0);
	s = slurp(w->dir, "stdout");
	assert_string_equal(s, "[a b][$(touch pwned)][\"q\"][;][*]");
	free(s);
	s = slurp(w->dir, "pwned");
	assert_null(s);
}

/* A grid sweep becomes one group; the stored spec keeps what the
 * scheduler needs. */
static void
test_sweep_group(void **state)
{
	struct spec_diags d = { 0 };
	struct spec_set *set;
	json_t *j;

	(void)state;
	set = load("name: lr\ncommand: echo ${lr} ${bs}\n"
	    "gpu: {type: [RTX4090D, RTX4090]}\ntimeout: 1h\nretries: 2\n"
	    "after: [prep]\nsweep: {grid: {lr: [1, 2, 3], bs: [8, 16]}, "
	    "max_running: 4}\n", &d);
	assert_non_null(set);
	assert_int_equal(set->n, 6);
	assert_string_equal(set->jobs[0]->group, "lr");
	assert_string_equal(set->jobs[0]->group_kind, "sweep");
	assert_string_equal(set->jobs[5]->name, "lr-5");
	assert_string_equal(set->jobs[0]->gpu_type, "RTX4090D,RTX4090");
	assert_string_equal(set->jobs[0]->namespace, "alice");
	j = json_loads(whole(set->jobs[1]), 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_array_get(json_object_get(
	    j, "command"), 0)), "echo 1 16");
	assert_json_int(j, "max_running", 4);
	assert_json_int(j, "timeout_s", 3600);
	assert_json_int(j, "retries", 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(
	    j, "after"), 0)), "prep");
	json_decref(j);
	spec_set_free(set);
	spec_diags_release(&d);
}

/* Runs a command line with /bin/sh -c in dir; its stdout, allocated. */
static char *
run_shell(const char *dir, const char *line)
{
	char *out = xprintf("%s/sh.out", dir), *text;
	pid_t pid;
	int st, fd;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || dup2(fd, 1) < 0 || chdir(dir) != 0)
			_exit(127);
		execl("/bin/sh", "sh", "-c", line, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	free(out);
	text = slurp(dir, "sh.out");
	assert_non_null(text);
	return text;
}

/* Sweep values reach a shell command line as the literal strings they
 * are, wherever ${v} stands (a word of its own, inside '...' or "...",
 * glued to other text), and nothing in them runs; ${v:raw} is pasted. */
static void
test_shell_values(void **state)
{
	struct wrap_env *w = *state;
	static const char *const values[] = {
		"O'Brien\" $(touch pwned) `touch pwned` \\ $HOME; *",
		"a b", "", "plain-1.5", "'", "\\" };
	struct spec_diags d = { 0 };
	struct spec_set *set;
	char *out, *want;
	json_t *j;
	size_t i;

	set = load("name: q\n"
	    "command: printf '[%s]' ${v} '${v}' \"${v}\" x${v}y \\\"${v}\\'\\\"\n"
	    "sweep: {list: [{v: \"O'Brien\\\" $(touch pwned) `touch pwned` "
	    "\\\\ $HOME; *\"}, {v: a b}, {v: ''}, {v: plain-1.5}, {v: \"'\"}, "
	    "{v: \"\\\\\"}]}\n", &d);
	assert_non_null(set);
	assert_int_equal(set->n, nitems(values));
	for (i = 0; i < set->n; i++) {
		j = json_loads(whole(set->jobs[i]), 0, NULL);
		assert_non_null(j);
		out = run_shell(w->dir, json_string_value(json_array_get(
		    json_object_get(j, "command"), 0)));
		want = xprintf("[%s][%s][%s][x%sy][\"%s'\"]", values[i],
		    values[i], values[i], values[i], values[i]);
		assert_string_equal(out, want);
		free(want);
		free(out);
		json_decref(j);
	}
	out = slurp(w->dir, "pwned");
	assert_null(out);
	spec_set_free(set);

	set = load("name: r\ncommand: printf '[%s]' ${v:raw} ${v}\n"
	    "sweep: {list: [{v: a b}]}\n", &d);
	assert_non_null(set);
	j = json_loads(whole(set->jobs[0]), 0, NULL);
	assert_string_equal(json_string_value(json_array_get(json_object_get(
	    j, "command"), 0)), "printf '[%s]' a b 'a b'");
	json_decref(j);
	spec_set_free(set);

	/* Exec form and env are not shell text: values stay as they are. */
	set = load("name: e\ncommand: [printf, '%s', '${v}']\n"
	    "env: {V: '${v}'}\nsweep: {list: [{v: \"it's\"}]}\n", &d);
	assert_non_null(set);
	j = json_loads(whole(set->jobs[0]), 0, NULL);
	assert_string_equal(json_string_value(json_array_get(json_object_get(
	    j, "command"), 2)), "it's");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    j, "env"), "V")), "it's");
	json_decref(j);
	spec_set_free(set);
	spec_diags_release(&d);
}

/* The stored timeout_s of the only job of a spec, loaded with a site. */
static int64_t
stored_timeout(const char *text, const struct spec_site *site)
{
	struct spec_options o = { .default_namespace = "alice", .site = site };
	struct spec_diags d = { 0 };
	struct spec_set *set = NULL;
	json_t *j;
	int64_t t;

	assert_int_equal(spec_load_buffer("t.yaml", text, strlen(text), &o,
	    &set, &d), 0);
	j = json_loads(whole(set->jobs[0]), 0, NULL);
	assert_non_null(j);
	t = json_integer_value(json_object_get(j, "timeout_s"));
	json_decref(j);
	spec_set_free(set);
	spec_diags_release(&d);
	return t;
}

/* An interactive job without a timeout gets the site's (24h built in, set
 * by defaults.interactive_timeout); its own timeout, 0 included, wins; a
 * batch job gets none; a bad setting is an error at its place. */
static void
test_interactive_timeout(void **state)
{
	char path[] = "/tmp/aq-site-XXXXXX";
	const char *text = "defaults: {interactive_timeout: 8h}\n";
	const char *bad = "defaults:\n  interactive_timeout: soon\n";
	struct spec_site *site;
	struct spec_diags d = { 0 };
	char *msg;

	(void)state;
	assert_int_equal(stored_timeout("name: a\ninteractive: true\n", NULL),
	    86400);
	assert_int_equal(stored_timeout("name: a\ninteractive: true\n"
	    "timeout: 2h\n", NULL), 7200);
	assert_int_equal(stored_timeout("name: a\ninteractive: true\n"
	    "timeout: 0\n", NULL), 0);
	assert_int_equal(stored_timeout("name: a\ncommand: 'true'\n", NULL),
	    0);
	assert_int_equal(stored_timeout("NameSpace: alice\nBaseName: a\n"
	    "GPU: RTX4090\n", NULL), 86400);

	unit_write_tmp(path, text);
	site = spec_site_builtin();
	assert_int_equal(spec_site_apply_file(site, path, &d), 0);
	assert_int_equal(stored_timeout("name: a\ninteractive: true\n", site),
	    8 * 3600);
	spec_site_free(site);

	unit_write(path, bad);
	site = spec_site_builtin();
	assert_int_equal(spec_site_apply_file(site, path, &d), -1);
	assert_true(d.n > 0);
	msg = spec_diag_format(&d.v[0]);
	assert_non_null(strstr(msg, ":2:24: 'defaults.interactive_timeout': "
	    "invalid duration 'soon'"));
	free(msg);
	spec_site_free(site);
	spec_diags_release(&d);
	unlink(path);
}

/* A pod of a job as the cluster answers it: rank label or completion
 * index, attempt label, creation time, status. */
static json_t *
contract_pod(const char *name, const char *rank_key, int rank,
    const char *attempt, const char *created, const char *status)
{
	json_t *p = json_pack("{s:{s:s,s:{},s:{},s:s}}", "metadata", "name",
	    name, "labels", "annotations", "creationTimestamp", created);
	json_t *meta = json_object_get(p, "metadata");

	json_object_set_new(json_object_get(meta, strcmp(rank_key,
	    SPEC_INDEX_ANNOTATION) == 0 ? "annotations" : "labels"), rank_key,
	    json_sprintf("%d", rank));
	if (attempt != NULL)
		json_object_set_new(json_object_get(meta, "labels"),
		    SPEC_LABEL_ATTEMPT, json_string(attempt));
	if (status != NULL)
		json_object_set_new(p, "status", json_loads(status, 0, NULL));
	return p;
}

/* One way to find a job's pods: by rank and attempt, newest first; the
 * log to read and the exit code of a finished run. */
static void
test_contract_pods(void **state)
{
	json_t *pods, *a2, *t;
	int code = -7;

	(void)state;
	pods = json_pack("[oooooo]",
	    contract_pod("j-0-old", SPEC_LABEL_RANK, 0, "1",
	    "2026-01-01T00:00:00Z", NULL),
	    contract_pod("j-0-a", SPEC_LABEL_RANK, 0, "2",
	    "2026-01-01T00:01:00Z", NULL),
	    contract_pod("j-0-b", SPEC_LABEL_RANK, 0, "2",
	    "2026-01-01T00:02:00Z", "{\"containerStatuses\":[{\"lastState\":"
	    "{\"terminated\":{\"exitCode\":3}}}]}"),
	    contract_pod("j-1-x", SPEC_LABEL_RANK, 1, "2",
	    "2026-01-01T00:01:00Z", "{\"containerStatuses\":[{\"state\":"
	    "{\"running\":{}}}]}"),
	    contract_pod("j-2-idx", SPEC_INDEX_ANNOTATION, 2, NULL,
	    "2026-01-01T00:01:00Z", NULL),
	    contract_pod("j-1-old", SPEC_LABEL_RANK, 1, "1",
	    "2026-01-01T00:03:00Z", NULL));
	assert_string_equal(pod_name(spec_pick_pod(pods, 0, 2)), "j-0-b");
	assert_string_equal(pod_name(spec_pick_pod(pods, 0, 1)), "j-0-old");
	assert_string_equal(pod_name(spec_pick_pod(pods, 1, 2)), "j-1-x");
	/* An Indexed Job pod says its rank in the completion index. */
	assert_string_equal(pod_name(spec_pick_pod(pods, 2, 2)), "j-2-idx");
	assert_null(spec_pick_pod(pods, 3, 2));
	assert_null(spec_pick_pod(pods, 0, 3));

	a2 = spec_attempt_pods(pods, 2);
	assert_int_equal(json_array_size(a2), 4);
	json_decref(a2);

	assert_true(spec_pod_has_previous_run(spec_pick_pod(pods, 0, 2)));
	assert_false(spec_pod_has_previous_run(spec_pick_pod(pods, 1, 2)));
	assert_false(spec_pod_has_previous_run(spec_pick_pod(pods, 2, 2)));
	json_decref(pods);

	t = json_loads("{\"exitCode\":1,\"message\":\"ailab-queue-exit=42\\n\"}",
	    0, NULL);
	assert_int_equal(spec_run_exit_code(t, &code), 0);
	assert_int_equal(code, 42);
	json_decref(t);
	t = json_loads("{\"exitCode\":9,\"message\":\"done\"}", 0, NULL);
	assert_int_equal(spec_run_exit_code(t, &code), 0);
	assert_int_equal(code, 9);
	json_decref(t);
	t = json_loads("{\"message\":\"ailab-queue-exit=300\"}", 0, NULL);
	assert_int_equal(spec_run_exit_code(t, &code), -1);
	json_decref(t);
	assert_int_equal(spec_run_exit_code(NULL, &code), -1);

	/* The selector names the manager, the queue and the job. */
	{
		char *sel = spec_job_selector("q1", 17);

		assert_string_equal(sel, "app.kubernetes.io/managed-by="
		    "ailab-queue,ailab-queue.io/queue=q1,"
		    "ailab-queue.io/job-id=17");
		free(sel);
	}
}

/* Rendering from the stored spec: names, labels, env, chosen GPU type. */
static void
test_render_stored(void **state)
{
	struct spec_diags d = { 0 };
	struct spec_run run = { .job_id = 42, .attempt = 2, .owner = "bob",
		.group = "g", .gpu_type = "RTX4090" };
	struct spec_set *set;
	json_t *objs, *dep, *pod, *c, *env;
	char *cause = NULL;
	const char *v;
	size_t i;

	(void)state;
	set = load("name: ddp\ncommand: [python, x.py]\nreplicas: 2\n"
	    "gpu: {type: [RTX4090D, RTX4090], count: 2}\n"
	    "annotations: {ailab-kubesim.io/duration: 5s}\n", &d);
	assert_non_null(set);
	objs = spec_render_job_json(whole(set->jobs[0]), &run, &cause);
	assert_non_null(objs);
	assert_int_equal(json_array_size(objs), 3);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    json_array_get(objs, 0), "metadata"), "name")), "ddp-42");
	dep = json_array_get(objs, 2);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    dep, "metadata"), "name")), "ddp-42-1");
	pod = json_object_get(json_object_get(dep, "spec"), "template");
	v = json_string_value(json_object_get(json_object_get(json_object_get(
	    pod, "metadata"), "labels"), "ailab-queue.io/attempt"));
	assert_string_equal(v, "2");
	v = json_string_value(json_object_get(json_object_get(json_object_get(
	    pod, "metadata"), "annotations"), "ailab-kubesim.io/duration"));
	assert_string_equal(v, "5s");
	v = json_string_value(json_object_get(json_object_get(json_object_get(
	    pod, "spec"), "nodeSelector"), "gpu-model"));
	assert_string_equal(v, "RTX4090");
	c = json_array_get(json_object_get(json_object_get(pod, "spec"),
	    "containers"), 0);
	env = json_object_get(c, "env");
	for (i = 0; i < json_array_size(env); i++)
		if (strcmp(json_string_value(json_object_get(json_array_get(
		    env, i), "name")), "RANK") == 0)
			break;
	assert_true(i < json_array_size(env));
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    env, i), "value")), "1");
	json_decref(objs);
	assert_null(spec_render_job_json("{\"v\":99}", &run, &cause));
	assert_non_null(cause);
	free(cause);
	spec_set_free(set);
	spec_diags_release(&d);
}

/* Every error comes back at once, each with its place. */
static void
test_all_errors(void **state)
{
	struct spec_diags d = { 0 };

	(void)state;
	assert_null(load("name: x\nreplicas: 0\ngpu: {type: RTX409}\n"
	    "comand: y\n", &d));
	assert_int_equal(d.n, 3);	/* no "required" after a did-you-mean */
	assert_string_take(spec_diag_format(&d.v[2]),
	    "t.yaml:4:1: unknown key 'comand' (did you " "mean 'command'?)");
	spec_diags_release(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_wrapper_runs_once,
		    wrap_setup, wrap_teardown),
		cmocka_unit_test_setup_teardown(test_wrapper_success,
		    wrap_setup, wrap_teardown),
		cmocka_unit_test_setup_teardown(test_wrapper_quoting,
		    wrap_setup, wrap_teardown),
		cmocka_unit_test(test_sweep_group),
		cmocka_unit_test(test_interactive_timeout),
		cmocka_unit_test_setup_teardown(test_shell_values, wrap_setup,
		    wrap_teardown),
		cmocka_unit_test(test_render_stored),
		cmocka_unit_test(test_contract_pods),
		cmocka_unit_test(test_all_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
