/*
 * Unit tests for the site profile's per-user limits as the scheduler uses
 * them: the accessors (spec_site_user_max_queued, spec_site_user_max_gpus),
 * and the policy keeping an owner within limits.per_user.running_gpus
 * without blocking anyone else; and the loop's reading of a spec from
 * extracted fields, which must agree with reading the whole text.
 */
#include "unit.h"
#include "sched.h"
#include "sched-adapt.h"
#include "spec.h"
#include "common.h"

#define NOW 1800000000000LL
#define GiB (1024LL * 1024 * 1024)
#define P_4090D "NVIDIA-GeForce-RTX-4090-D"

/* Writes text to a temporary site file and applies it over the built-in
 * profile; returns the profile and the diagnostics' first message. */
static struct spec_site *
site_from(const char *text, int *ret, char **msg)
{
	char path[] = "/tmp/aq-site-XXXXXX";
	struct spec_site *s = spec_site_builtin();
	struct spec_diags d = { 0 };

	unit_write_tmp(path, text);
	*ret = spec_site_apply_file(s, path, &d);
	*msg = d.n > 0 ? spec_diag_format(&d.v[0]) : NULL;
	spec_diags_release(&d);
	unlink(path);
	return s;
}

/* The keys, their defaults and their errors. */
static void
test_site_limits(void **state)
{
	struct spec_site *s;
	char *msg = NULL;
	int ret;

	(void)state;
	s = spec_site_builtin();
	assert_int_equal(spec_site_user_max_queued(s), 0);
	assert_int_equal(spec_site_user_max_gpus(s, "RTX4090D"), 0);
	assert_string_equal(spec_site_gpu_name(s, 0), "RTX4090D");
	assert_null(spec_site_gpu_name(s, 3));
	spec_site_free(s);

	s = site_from("limits:\n  per_user:\n    queued_jobs: 1000\n"
	    "    running_gpus: {RTX4090D: 16, RTX4090: 16, RTX3090: 32, "
	    "H100: 4}\ngpu_types:\n  H100: {product: NVIDIA-H100}\n", &ret,
	    &msg);
	assert_int_equal(ret, 0);
	assert_int_equal(spec_site_user_max_queued(s), 1000);
	assert_int_equal(spec_site_user_max_gpus(s, "RTX4090D"), 16);
	assert_int_equal(spec_site_user_max_gpus(s, "RTX3090"), 32);
	/* A type added later in the same file may be limited. */
	assert_int_equal(spec_site_user_max_gpus(s, "H100"), 4);
	assert_int_equal(spec_site_user_max_gpus(s, "A100"), 0);
	assert_int_equal(spec_site_user_max_gpus(s, NULL), 0);
	spec_site_free(s);

	s = site_from("limits:\n  per_user: {queued_jobs: -1}\n", &ret, &msg);
	assert_int_equal(ret, -1);
	assert_non_null(strstr(msg, ":2:")); /* line of the value */
	assert_non_null(strstr(msg, "'limits.per_user.queued_jobs' must be"));
	free(msg);
	spec_site_free(s);
	s = site_from("limits:\n  per_user:\n    running_gpus: {V100: 2}\n",
	    &ret, &msg);
	assert_int_equal(ret, -1);
	assert_non_null(strstr(msg, "unknown GPU type 'V100'"));
	free(msg);
	spec_site_free(s);
	s = site_from("limits: {per_user: {running: 3}}\n", &ret, &msg);
	assert_int_equal(ret, -1);
	assert_non_null(strstr(msg, "unknown key 'limits.per_user.running'"));
	free(msg);
	spec_site_free(s);
}

/* A node of 8 RTX4090D GPUs. */
static void
node(struct sched_node *n, const char *name, int used)
{
	memset(n, 0, sizeof *n);
	n->name = name;
	n->gpu_product = P_4090D;
	n->alloc_gpus = 8;
	n->req_gpus = used;
	n->alloc_cpu_milli = 64000;
	n->alloc_memory_bytes = 256 * GiB;
	n->ready = true;
}

/* A queued one-replica RTX4090D job. */
static void
job(struct sched_job *j, int64_t id, const char *owner, int gpus,
    int priority)
{
	static const char *const types[] = { "RTX4090D" };

	memset(j, 0, sizeof *j);
	j->id = id;
	j->owner = owner;
	j->namespace = owner;
	j->priority = priority;
	j->submitted_at = NOW - 1000 + id;
	j->gpu_types = types;
	j->ngpu_types = 1;
	j->gpus = gpus;
	j->replicas = 1;
	j->cpu_milli = 1000;
	j->memory_bytes = GiB;
	j->timeout_s = 3600;
}

/*
 * limits.per_user.running_gpus as the loop hands it to the policy (one
 * limit for every owner per type of the site): an owner at its limit
 * waits with a reason naming the limit and the numbers, reserves nothing,
 * and does not hold back another owner's job behind it.
 */
static void
test_policy_running_gpus(void **state)
{
	struct sched_user_limit lim[4];
	struct sched_snapshot snap;
	struct sched_result res;
	struct sched_node nodes[2];
	struct sched_job jobs[3];
	struct sched_running run;
	const char *run_nodes[1] = { "n1" };
	struct spec_site *s;
	const char *name;
	char *msg = NULL, *cause = NULL;
	size_t i, nlim = 0;
	int ret, max;

	(void)state;
	s = site_from("limits: {per_user: {running_gpus: {RTX4090D: 8}}}\n",
	    &ret, &msg);
	assert_int_equal(ret, 0);
	for (i = 0; (name = spec_site_gpu_name(s, i)) != NULL; i++) {
		if ((max = spec_site_user_max_gpus(s, name)) <= 0)
			continue;
		lim[nlim++] = (struct sched_user_limit){ NULL, name, max };
	}
	assert_int_equal(nlim, 1);

	/* alice holds 6 of her 8 on n1; n2 is free. */
	node(&nodes[0], "n1", 6);
	node(&nodes[1], "n2", 0);
	memset(&run, 0, sizeof run);
	run.id = 100;
	run.owner = "alice";
	run.gpu_type = P_4090D;
	run.gpus = 6;
	run.replicas = 1;
	run.cpu_milli = 1000;
	run.memory_bytes = GiB;
	run.nodes = run_nodes;
	run.in_nodes = true;
	run.started_at = NOW - 60000;
	run.timeout_s = 3600;
	/* alice's 4-GPU job goes first (higher priority), then bob's
	 * 8-GPU job that needs all of n2, then alice's 2-GPU job. */
	job(&jobs[0], 1, "alice", 4, 900);
	job(&jobs[1], 2, "bob", 8, 500);
	job(&jobs[2], 3, "alice", 2, 100);
	memset(&snap, 0, sizeof snap);
	snap.now = NOW;
	snap.jobs = jobs;
	snap.njobs = 3;
	snap.limits = lim;
	snap.nlimits = nlim;
	snap.nodes_readable = true;
	snap.nodes = nodes;
	snap.nnodes = 2;
	snap.running = &run;
	snap.nrunning = 1;
	memset(&res, 0, sizeof res);
	assert_int_equal(sched_pass(&snap, NULL, &res, &cause), 0);
	assert_int_equal(res.decisions[0].verdict, SCHED_VERDICT_WAIT);
	assert_string_equal(res.decisions[0].reason, "RTX4090D: user limit, "
	    "alice holds 6 of 8 GPUs, needs 4");
	assert_int_equal(res.decisions[0].reserved_start, 0);
	assert_int_equal(res.decisions[1].verdict, SCHED_VERDICT_ADMIT);
	assert_string_equal(res.decisions[1].nodes[0], "n2");
	/* Within the limit (6 + 2 = 8): admitted beside the running job. */
	assert_int_equal(res.decisions[2].verdict, SCHED_VERDICT_ADMIT);
	assert_string_equal(res.decisions[2].nodes[0], "n1");
	assert_int_equal(res.nreservations, 0);
	sched_result_release(&res);
	spec_site_free(s);
}

/* Reading a stored spec from extracted fields agrees with reading it. */
static void
test_spec_fields(void **state)
{
	struct store_job j;
	struct sched_spec a, b;
	const char *v[SCHED_SPEC_NFIELDS] = { "job", "1", "3600", "120", "2",
		"5", "0", "[\"RTX4090D\",\"RTX4090\"]", "[\"prep\",\"7\"]" };
	const char *none[SCHED_SPEC_NFIELDS] = { NULL };
	const char *bad[SCHED_SPEC_NFIELDS] = { NULL, NULL, NULL, NULL, NULL,
		NULL, NULL, "[\"RTX", NULL };
	char *cause = NULL;

	(void)state;
	memset(&j, 0, sizeof j);
	j.spec_json = (char *)"{\"workload\":\"job\",\"interactive\":true,"
	    "\"timeout_s\":3600,\"gang_timeout_s\":120,\"retries\":2,"
	    "\"max_running\":5,\"gpu\":{\"any\":false,\"types\":[\"RTX4090D\","
	    "\"RTX4090\"]},\"after\":[\"prep\",\"7\"],\"command\":[\"x\"]}";
	assert_int_equal(sched_spec_read(&j, &a, NULL), 0);
	assert_int_equal(sched_spec_from_fields(v, &b, NULL), 0);
	assert_int_equal(a.deployment, b.deployment);
	assert_false(b.deployment);
	assert_true(a.interactive && b.interactive);
	assert_int_equal(a.timeout_s, b.timeout_s);
	assert_int_equal(a.gang_timeout_s, b.gang_timeout_s);
	assert_int_equal(a.retries, b.retries);
	assert_int_equal(a.max_running, b.max_running);
	assert_int_equal(a.ntypes, 2);
	assert_int_equal(b.ntypes, 2);
	assert_string_equal(b.types[1], "RTX4090");
	assert_int_equal(b.nafter, 2);
	assert_string_equal(b.after[0], a.after[0]);
	sched_spec_release(&a);
	sched_spec_release(&b);
	/* Absent fields: a deployment of any type, no limits. */
	assert_int_equal(sched_spec_from_fields(none, &b, NULL), 0);
	assert_true(b.deployment);
	assert_null(b.types);
	assert_int_equal(b.nafter, 0);
	sched_spec_release(&b);
	v[6] = "1";     /* gpu.any: types ignored */
	assert_int_equal(sched_spec_from_fields(v, &b, NULL), 0);
	assert_null(b.types);
	sched_spec_release(&b);
	assert_int_equal(sched_spec_from_fields(bad, &b, &cause), -1);
	assert_cause(cause, "not JSON");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_site_limits),
		cmocka_unit_test(test_policy_running_gpus),
		cmocka_unit_test(test_spec_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
