/*
 * Unit tests for the scheduling policy (sched/sched-policy*.c): plain
 * structs in, decisions out, no I/O.  The starvation and fair-share tests
 * run the pure function inside a tiny discrete-event loop.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sched.h"

#include "common.h"

#define W_NODES 64
#define W_JOBS 512
#define W_RUN 512
#define GiB (1024LL * 1024 * 1024)
#define MIN 60000LL
#define HOUR (60 * MIN)
#define T0 1800000000000LL	/* 2027-01-15T08:00:00Z */

static const char *const T_4090D[] = { "RTX4090D" };
static const char *const T_4090[] = { "RTX4090" };
static const char *const T_BOTH[] = { "RTX4090D", "RTX4090" };

#define P_4090D "NVIDIA-GeForce-RTX-4090-D"
#define P_4090 "NVIDIA-GeForce-RTX-4090"

/* A small world: nodes, queue, running jobs, quotas; one pass at a time. */
struct world {
	struct sched_node nodes[W_NODES];
	size_t nnodes;
	char node_names[W_NODES][16];
	struct sched_job jobs[W_JOBS];
	size_t njobs;
	struct sched_running running[W_RUN];
	const char *run_nodes[W_RUN][16];
	size_t nrunning;
	struct sched_quota quotas[4];
	struct sched_quota_item qitems[4][16];
	size_t nquotas;
	struct sched_pending pending[4];
	size_t npending;
	struct sched_user_limit limits[4];
	size_t nlimits;
	struct sched_usage usage[8];
	size_t nusage;
	struct sched_taint taint_nosched, taint_noexec, taint_prefer, taint_k8s;
	int64_t now;
	bool unreadable;
	struct sched_config cfg;
	struct sched_result res;
};

/* Each test starts from an empty world at T0 with default tunables. */
static int
setup(void **state)
{
	struct world *w = xcalloc(1, sizeof *w);

	w->now = T0;
	sched_config_default(&w->cfg);
	w->taint_nosched = (struct sched_taint){ "dedicated", "infra",
	    SCHED_TAINT_NO_SCHEDULE };
	w->taint_noexec = (struct sched_taint){ "broken", "gpu",
	    SCHED_TAINT_NO_EXECUTE };
	w->taint_prefer = (struct sched_taint){ "soft", "x",
	    SCHED_TAINT_PREFER_NO_SCHEDULE };
	w->taint_k8s = (struct sched_taint){ "node.kubernetes.io/not-ready",
	    NULL, SCHED_TAINT_NO_EXECUTE };
	*state = w;
	return 0;
}

/* Releases the last result and the world. */
static int
teardown(void **state)
{
	struct world *w = *state;

	sched_result_release(&w->res);
	free(w);
	return 0;
}

/* Adds a Ready, schedulable node with 32 CPUs and 256Gi. */
static struct sched_node *
add_node(struct world *w, const char *product, int gpus, int used)
{
	struct sched_node *n = &w->nodes[w->nnodes];

	snprintf(w->node_names[w->nnodes], sizeof w->node_names[0], "n%zu",
	    w->nnodes);
	n->name = w->node_names[w->nnodes++];
	n->gpu_product = product;
	n->alloc_gpus = gpus;
	n->req_gpus = used;
	n->alloc_cpu_milli = 32000;
	n->alloc_memory_bytes = 256 * GiB;
	n->ready = true;
	return n;
}

/* Adds a queued job of 1 CPU and 8Gi per replica. */
static struct sched_job *
add_job(struct world *w, int64_t id, const char *owner,
    const char *const *types, size_t ntypes, int gpus, int replicas,
    int64_t timeout_s)
{
	struct sched_job *j = &w->jobs[w->njobs++];

	memset(j, 0, sizeof *j);
	j->id = id;
	j->owner = owner;
	j->namespace = owner;
	j->priority = 500;
	j->submitted_at = T0 - 1000 + id;
	j->gpu_types = types;
	j->ngpu_types = ntypes;
	j->gpus = gpus;
	j->replicas = replicas;
	j->cpu_milli = 1000;
	j->memory_bytes = 8 * GiB;
	j->timeout_s = timeout_s;
	j->workload = replicas > 1 ? SCHED_WORKLOAD_DEPLOYMENT :
	    SCHED_WORKLOAD_JOB;
	j->service = replicas > 1;
	return j;
}

/* Adds a running job of one replica on node n, counted in its requests. */
static struct sched_running *
add_running(struct world *w, int64_t id, const char *owner, size_t node,
    int gpus, int64_t started, int64_t timeout_s)
{
	struct sched_running *r = &w->running[w->nrunning];

	memset(r, 0, sizeof *r);
	w->run_nodes[w->nrunning][0] = w->nodes[node].name;
	r->id = id;
	r->owner = owner;
	r->gpu_type = w->nodes[node].gpu_product;
	r->gpus = gpus;
	r->replicas = 1;
	r->cpu_milli = 1000;
	r->memory_bytes = 8 * GiB;
	r->nodes = w->run_nodes[w->nrunning];
	r->in_nodes = true;
	r->started_at = started;
	r->timeout_s = timeout_s;
	w->nrunning++;
	return r;
}

/* Adds a ResourceQuota for namespace ns with one key. */
static struct sched_quota *
add_quota(struct world *w, const char *ns, const char *key, int64_t hard,
    int64_t used)
{
	struct sched_quota *q = &w->quotas[w->nquotas];

	q->namespace = ns;
	q->name = "q";
	q->items = w->qitems[w->nquotas];
	w->qitems[w->nquotas][0] = (struct sched_quota_item){ key, hard,
	    used };
	q->nitems = 1;
	w->nquotas++;
	return q;
}

/* Adds one more key to a quota. */
static void
quota_key(struct world *w, struct sched_quota *q, const char *key,
    int64_t hard, int64_t used)
{
	w->qitems[q - w->quotas][q->nitems++] = (struct sched_quota_item){
	    key, hard, used };
}

/* Runs one pass over the world as it stands. */
static void
pass(struct world *w)
{
	struct sched_snapshot s = {
		.now = w->now,
		.jobs = w->jobs, .njobs = w->njobs,
		.quotas = w->quotas, .nquotas = w->nquotas,
		.pending = w->pending, .npending = w->npending,
		.limits = w->limits, .nlimits = w->nlimits,
		.nodes_readable = !w->unreadable,
		.nodes = w->nodes, .nnodes = w->nnodes,
		.running = w->running, .nrunning = w->nrunning,
		.usage = w->usage, .nusage = w->nusage,
	};
	char *cause = NULL;

	sched_result_release(&w->res);
	assert_int_equal(sched_pass(&s, &w->cfg, &w->res, &cause), 0);
	assert_null(cause);
	assert_int_equal(w->res.ndecisions, w->njobs);
}

/* The decision about job id in the last pass. */
static const struct sched_decision *
dec(struct world *w, int64_t id)
{
	size_t i;

	for (i = 0; i < w->res.ndecisions; i++) {
		if (w->res.decisions[i].job_id == id)
			return &w->res.decisions[i];
	}
	fail_msg("no decision for job %lld", (long long)id);
	return NULL;
}

/* Asserts a job's verdict and that its reason contains text. */
static void
expect(struct world *w, int64_t id, enum sched_verdict v, const char *text)
{
	const struct sched_decision *d = dec(w, id);

	if (d->verdict != v || strstr(d->reason, text) == NULL)
		fail_msg("job %lld: verdict %d reason '%s'; wanted %d with '%s'",
		    (long long)id, d->verdict, d->reason, v, text);
}

/* Reasons of waiting jobs other than "held" must carry numbers. */
static void
expect_numbers(struct world *w)
{
	size_t i;

	for (i = 0; i < w->res.ndecisions; i++) {
		const struct sched_decision *d = &w->res.decisions[i];

		if (d->verdict == SCHED_VERDICT_ADMIT ||
		    strcmp(d->reason, "held") == 0)
			continue;
		if (strpbrk(d->reason, "0123456789") == NULL)
			fail_msg("job %lld: reason without numbers: '%s'",
			    (long long)d->job_id, d->reason);
	}
}

/* A gang starts whole or not at all, and a later job may use the room. */
static void
test_gang_all_or_nothing(void **state)
{
	struct world *w = *state;
	const struct sched_decision *d;

	add_node(w, P_4090D, 8, 4);	/* 4 free */
	add_node(w, P_4090D, 8, 6);	/* 2 free */
	add_job(w, 1, "alice", T_4090D, 1, 4, 2, 3600);
	add_job(w, 2, "bob", T_4090D, 1, 4, 1, 3600);
	pass(w);
	expect(w, 1, SCHED_VERDICT_WAIT,
	    "RTX4090D: needs 2 nodes with 4 free, room for 1, best has 4");
	assert_null(dec(w, 1)->nodes);
	expect(w, 2, SCHED_VERDICT_ADMIT, "admitted");
	assert_int_equal(w->res.nadmitted, 1);
	assert_string_equal(dec(w, 2)->nodes[0], "n0");

	/* With room on two nodes the gang gets one replica on each. */
	w->nodes[1].req_gpus = 4;
	w->njobs = 1;
	pass(w);
	d = dec(w, 1);
	assert_int_equal(d->verdict, SCHED_VERDICT_ADMIT);
	assert_string_equal(d->gpu_type, "RTX4090D");
	assert_string_equal(d->gpu_product, P_4090D);
	assert_string_not_equal(d->nodes[0], d->nodes[1]);

	/* A gang that fits one node goes on the tightest one. */
	w->nodes[0].req_gpus = 0;
	w->jobs[0].gpus = 2;
	pass(w);
	d = dec(w, 1);
	assert_int_equal(d->verdict, SCHED_VERDICT_ADMIT);
	assert_string_equal(d->nodes[0], "n1");
	assert_string_equal(d->nodes[1], "n1");
}

/* Quota: the whole gang against hard minus used, with the numbers. */
static void
test_quota_blocks(void **state)
{
	struct world *w = *state;

	add_node(w, P_4090D, 8, 0);
	add_node(w, P_4090D, 8, 0);
	add_quota(w, "alice", "requests.nvidia.com/gpu", 8, 6);
	add_job(w, 1, "alice", T_4090D, 1, 4, 2, 3600);
	add_job(w, 2, "alice", T_4090D, 1, 16, 1, 3600);
	add_job(w, 3, "alice", T_4090D, 1, 2, 1, 3600);
	pass(w);
	expect(w, 1, SCHED_VERDICT_WAIT,
	    "quota requests.nvidia.com/gpu: needs 8, 6 of 8 used");
	expect(w, 2, SCHED_VERDICT_NEVER,
	    "quota requests.nvidia.com/gpu: needs 16, hard limit 8 "
	    "(can never fit)");
	expect(w, 3, SCHED_VERDICT_ADMIT, "admitted");
	/* A quota blocked job reserves nothing. */
	assert_int_equal(w->res.nreservations, 0);
	expect_numbers(w);
}

/* Every key the rendered objects count is checked, aliases included. */
static void
test_quota_all_keys(void **state)
{
	struct world *w = *state;
	struct sched_quota *q;
	struct {
		const char *key;
		int64_t hard;
		const char *reason;
	} cases[] = {
		{ "cpu", 3000, "quota cpu: needs 2, 2 of 3 used" },
		{ "requests.cpu", 3000, "quota requests.cpu: needs 2, 2 of 3" },
		{ "memory", 24 * GiB, "quota memory: needs 16Gi, 16Gi of 24Gi" },
		{ "requests.memory", 24 * GiB, "needs 16Gi, 16Gi of 24Gi" },
		{ "limits.cpu", 5000, "quota limits.cpu: needs 4, 4 of 5 used" },
		{ "limits.memory", 24 * GiB, "quota limits.memory: needs 16Gi" },
		{ "pods", 3, "quota pods: needs 2, 2 of 3 used" },
		{ "count/deployments.apps", 3,
		    "quota count/deployments.apps: needs 2, 2 of 3 used" },
		{ "count/replicasets.apps", 3, "needs 2, 2 of 3" },
		{ "services", 1, "quota services: needs 1, 1 of 1 used" },
		{ "requests.nvidia.com/gpu", 3, "needs 2, 2 of 3 used" },
	};
	size_t i;

	add_node(w, P_4090D, 8, 0);
	for (i = 0; i < nitems(cases); i++) {
		w->njobs = 0;
		w->nquotas = 0;
		q = add_quota(w, "alice", "count/secrets", 0, 0);
		quota_key(w, q, cases[i].key, cases[i].hard, 0);
		add_job(w, 1, "alice", T_4090D, 1, 1, 2, 3600);
		w->jobs[0].cpu_limit_milli = 2000;
		add_job(w, 2, "alice", T_4090D, 1, 1, 2, 3600);
		w->jobs[1].cpu_limit_milli = 2000;
		pass(w);
		expect(w, 1, SCHED_VERDICT_ADMIT, "admitted");
		expect(w, 2, SCHED_VERDICT_WAIT, cases[i].reason);
	}
	/* A batch Job counts one count/jobs.batch whatever its replicas. */
	w->njobs = 0;
	w->nquotas = 0;
	add_quota(w, "alice", "count/jobs.batch", 1, 0);
	add_job(w, 1, "alice", T_4090D, 1, 1, 1, 3600);
	add_job(w, 2, "alice", T_4090D, 1, 1, 1, 3600);
	pass(w);
	expect(w, 1, SCHED_VERDICT_ADMIT, "admitted");
	expect(w, 2, SCHED_VERDICT_WAIT, "quota count/jobs.batch: needs 1, "
	    "1 of 1 used");
}

/* Admissions the quota status does not show yet still count. */
static void
test_quota_pending(void **state)
{
	struct world *w = *state;
	int64_t need[SCHED_NRES];

	add_node(w, P_4090D, 8, 0);
	add_node(w, P_4090D, 8, 0);
	add_quota(w, "alice", "requests.nvidia.com/gpu", 8, 0);
	add_job(w, 1, "alice", T_4090D, 1, 4, 1, 3600);
	sched_job_quota_need(&w->jobs[0], need);
	assert_int_equal(need[SCHED_RES_GPU], 4);
	assert_int_equal(need[SCHED_RES_PODS], 1);
	assert_int_equal(need[SCHED_RES_JOBS], 1);
	w->pending[0].namespace = "alice";
	memcpy(w->pending[0].amount, need, sizeof need);
	w->pending[0].amount[SCHED_RES_GPU] = 6;
	w->npending = 1;
	pass(w);
	expect(w, 1, SCHED_VERDICT_WAIT, "quota requests.nvidia.com/gpu: "
	    "needs 4, 6 of 8 used (6 admitted, not yet counted)");
	w->npending = 0;
	add_job(w, 2, "alice", T_4090D, 1, 4, 1, 3600);
	add_job(w, 3, "alice", T_4090D, 1, 4, 1, 3600);
	pass(w);
	expect(w, 1, SCHED_VERDICT_ADMIT, "admitted");
	expect(w, 2, SCHED_VERDICT_ADMIT, "admitted");
	expect(w, 3, SCHED_VERDICT_WAIT, "needs 4, 8 of 8 used");
	assert_int_equal(sched_res_of_key("cpu"), SCHED_RES_REQ_CPU);
	assert_int_equal(sched_res_of_key("requests.storage"), SCHED_RES_STORAGE);
	assert_int_equal(sched_res_of_key("requests.ephemeral-storage"), -1);
}

/* Types are tried in the user's order; RTX4090 never matches RTX4090D. */
static void
test_type_order(void **state)
{
	struct world *w = *state;
	char buf[64];

	sched_gpu_type_normalize(P_4090D, buf, sizeof buf);
	assert_string_equal(buf, "RTX4090D");
	sched_gpu_type_normalize("RTX 4090", buf, sizeof buf);
	assert_string_equal(buf, "RTX4090");
	sched_gpu_type_normalize("nvidia-geforce-rtx-3090", buf, sizeof buf);
	assert_string_equal(buf, "RTX3090");

	add_node(w, P_4090D, 8, 8);	/* full */
	add_node(w, P_4090, 8, 0);
	add_job(w, 1, "alice", T_BOTH, 2, 4, 1, 3600);
	pass(w);
	expect(w, 1, SCHED_VERDICT_ADMIT, "admitted");
	assert_string_equal(dec(w, 1)->gpu_type, "RTX4090");
	assert_string_equal(dec(w, 1)->gpu_product, P_4090);
	assert_string_equal(dec(w, 1)->nodes[0], "n1");

	/* The first type wins when both fit. */
	w->nodes[0].req_gpus = 0;
	pass(w);
	assert_string_equal(dec(w, 1)->gpu_type, "RTX4090D");

	/* Free 4090D GPUs never serve a 4090-only job, and vice versa. */
	w->nodes[1].req_gpus = 8;
	w->jobs[0].gpu_types = T_4090;
	w->jobs[0].ngpu_types = 1;
	add_job(w, 2, "bob", T_4090D, 1, 4, 1, 3600);
	w->nodes[0].req_gpus = 4;
	pass(w);
	expect(w, 1, SCHED_VERDICT_WAIT, "RTX4090: needs 1 node with 4 free, "
	    "best has 0");
	expect(w, 2, SCHED_VERDICT_ADMIT, "admitted");
	assert_string_equal(dec(w, 2)->nodes[0], "n0");

	/* "any" takes whichever type has room. */
	w->njobs = 0;
	add_job(w, 3, "carol", NULL, 0, 4, 1, 3600);
	pass(w);
	expect(w, 3, SCHED_VERDICT_ADMIT, "admitted");
	assert_string_equal(dec(w, 3)->gpu_product, P_4090D);
}

/* A CPU job fits any node, and prefers one without free GPUs. */
static void
test_cpu_job(void **state)
{
	struct world *w = *state;
	struct sched_node *n;

	add_node(w, P_4090D, 8, 0);
	n = add_node(w, NULL, 0, 0);
	add_job(w, 1, "alice", NULL, 0, 0, 1, 600);
	add_job(w, 2, "alice", NULL, 0, 0, 1, 600);
	w->jobs[1].cpu_milli = 20000;
	pass(w);
	expect(w, 1, SCHED_VERDICT_ADMIT, "admitted");
	assert_string_equal(dec(w, 1)->nodes[0], "n1");
	assert_null(dec(w, 1)->gpu_type);
	/* 31 CPUs are left on n1: the 20-CPU job still goes there. */
	expect(w, 2, SCHED_VERDICT_ADMIT, "admitted");
	assert_string_equal(dec(w, 2)->nodes[0], "n1");
	n->req_cpu_milli = 16000;
	w->nodes[0].req_cpu_milli = 16000;
	pass(w);
	expect(w, 2, SCHED_VERDICT_WAIT, "cpu: needs 1 node with 20 CPU and "
	    "8Gi memory free, room for 0");
}

/* Cordoned, NotReady and hard-tainted nodes are never used. */
static void
test_unusable_nodes(void **state)
{
	struct world *w = *state;
	struct sched_node *n;
	size_t i;
	int admitted = 0;

	add_node(w, P_4090D, 8, 0)->unschedulable = true;
	add_node(w, P_4090D, 8, 0)->ready = false;
	n = add_node(w, P_4090D, 8, 0);
	n->taints = &w->taint_nosched;
	n->ntaints = 1;
	n = add_node(w, P_4090D, 8, 0);
	n->taints = &w->taint_noexec;
	n->ntaints = 1;
	n = add_node(w, P_4090D, 8, 0);	/* n4: PreferNoSchedule is fine */
	n->taints = &w->taint_prefer;
	n->ntaints = 1;
	add_node(w, P_4090D, 8, 0);	/* n5 */
	for (i = 1; i <= 4; i++)
		add_job(w, (int64_t)i, "alice", T_4090D, 1, 8, 1, 3600);
	pass(w);
	for (i = 1; i <= 4; i++) {
		const struct sched_decision *d = dec(w, (int64_t)i);

		if (d->verdict != SCHED_VERDICT_ADMIT)
			continue;
		admitted++;
		assert_true(strcmp(d->nodes[0], "n4") == 0 ||
		    strcmp(d->nodes[0], "n5") == 0);
	}
	assert_int_equal(admitted, 2);
	expect(w, 3, SCHED_VERDICT_WAIT, "needs 1 node with 8 free, best has 0");
	/*
	 * Nodes that are down or cordoned come back, also under the taints
	 * Kubernetes puts on them meanwhile: that is not "never".
	 */
	w->nnodes = 2;
	w->nodes[1].taints = &w->taint_k8s;
	w->nodes[1].ntaints = 1;
	w->jobs[0].replicas = 2;
	w->njobs = 1;
	pass(w);
	expect(w, 1, SCHED_VERDICT_WAIT, "needs 2 nodes with 8 free, room for 0");
	/* A dedicated node's taint lasts: 3 replicas can never fit on 2. */
	w->nnodes = 4;
	w->jobs[0].replicas = 3;
	pass(w);
	expect(w, 1, SCHED_VERDICT_NEVER, "can never fit 3 replicas of 8 GPUs "
	    "(the type holds 2)");
}

/* Jobs that can never fit are told so; the caller may fail them. */
static void
test_never_fits(void **state)
{
	struct world *w = *state;

	add_node(w, P_4090D, 8, 0);
	add_node(w, P_4090D, 8, 0);
	add_node(w, P_4090, 8, 0);
	add_job(w, 1, "alice", T_4090D, 1, 16, 1, 3600);
	add_job(w, 2, "alice", T_4090D, 1, 8, 3, 3600);
	add_job(w, 3, "alice", (const char *const[]){ "RTX3090" }, 1, 1, 1,
	    3600);
	add_job(w, 4, "alice", T_BOTH, 2, 8, 3, 3600);
	add_job(w, 5, "alice", T_BOTH, 2, 4, 3, 3600);
	pass(w);
	expect(w, 1, SCHED_VERDICT_NEVER, "can never fit");
	expect(w, 2, SCHED_VERDICT_NEVER, "RTX4090D: can never fit 3 replicas "
	    "of 8 GPUs (the type holds 2)");
	expect(w, 3, SCHED_VERDICT_NEVER, "RTX3090: none of the 3 nodes has this GPU "
	    "type");
	expect(w, 4, SCHED_VERDICT_NEVER, "RTX4090: can never fit");
	expect(w, 5, SCHED_VERDICT_ADMIT, "admitted");
	expect_numbers(w);
}

/* Dependencies, holds, backoff and a group's max_running. */
static void
test_deps_and_max_running(void **state)
{
	struct world *w = *state;
	struct sched_job *j;
	int64_t id;

	add_node(w, P_4090D, 8, 0);
	j = add_job(w, 1, "alice", T_4090D, 1, 1, 1, 3600);
	j->deps = SCHED_DEPS_PENDING;
	j->dep_job = 12;
	j = add_job(w, 2, "alice", T_4090D, 1, 1, 1, 3600);
	j->deps = SCHED_DEPS_FAILED;
	j->dep_job = 12;
	j = add_job(w, 3, "alice", T_4090D, 1, 1, 1, 3600);
	j->held = true;
	j = add_job(w, 4, "alice", T_4090D, 1, 1, 1, 3600);
	j->not_before = T0 + 45000;
	j = add_job(w, 5, "alice", T_4090D, 1, 1, 1, 3600);
	j->deps = SCHED_DEPS_SATISFIED;
	for (id = 10; id < 13; id++) {
		j = add_job(w, id, "bob", T_4090D, 1, 1, 1, 3600);
		j->group = "sweep-a";
		j->group_max_running = 3;
		j->group_running = 1;
	}
	pass(w);
	expect(w, 1, SCHED_VERDICT_WAIT, "waiting for job 12 (after)");
	expect(w, 2, SCHED_VERDICT_NEVER, "dependency job 12 did not succeed");
	expect(w, 3, SCHED_VERDICT_WAIT, "held");
	expect(w, 4, SCHED_VERDICT_WAIT,
	    "retry backoff until 2027-01-15T08:00:45Z (in 45s)");
	expect(w, 5, SCHED_VERDICT_ADMIT, "admitted");
	expect(w, 10, SCHED_VERDICT_ADMIT, "admitted");
	expect(w, 11, SCHED_VERDICT_ADMIT, "admitted");
	expect(w, 12, SCHED_VERDICT_WAIT, "group sweep-a max_running 3 reached");
	/* The next pass is due when the backoff ends. */
	assert_int_equal(w->res.next_pass_ms, 45000);
	expect_numbers(w);
}

/* A group's max_gpus: GPUs its running jobs hold count, and so do those
 * admitted earlier in the same pass; other groups are not held back. */
static void
test_group_max_gpus(void **state)
{
	struct world *w = *state;
	struct sched_job *j;
	int64_t id;

	add_node(w, P_4090D, 8, 0);
	add_node(w, P_4090D, 8, 0);
	for (id = 1; id <= 4; id++) {
		j = add_job(w, id, "alice", T_4090D, 1, 2, 1, 3600);
		j->group = "lab";
		j->group_max_gpus = 6;
		j->group_gpus = 2;          /* one job of it runs already */
	}
	j = add_job(w, 5, "alice", T_4090D, 1, 1, 2, 3600);
	j->group = "other";
	j->group_max_gpus = 2;
	pass(w);
	expect(w, 1, SCHED_VERDICT_ADMIT, "admitted");
	expect(w, 2, SCHED_VERDICT_ADMIT, "admitted");
	expect(w, 3, SCHED_VERDICT_WAIT,
	    "group lab max_gpus 6 reached (6 held, this job needs 2)");
	expect(w, 4, SCHED_VERDICT_WAIT,
	    "group lab max_gpus 6 reached (6 held, this job needs 2)");
	expect(w, 5, SCHED_VERDICT_ADMIT, "admitted");
	expect_numbers(w);
}

/* Priority first, whatever the submission order; positions follow. */
static void
test_priority_order(void **state)
{
	struct world *w = *state;
	struct sched_job *j;

	add_node(w, P_4090D, 8, 0);
	j = add_job(w, 1, "alice", T_4090D, 1, 8, 1, 3600);
	j->priority = 100;
	j = add_job(w, 2, "bob", T_4090D, 1, 8, 1, 3600);
	j->priority = 900;
	j->submitted_at = T0;
	j = add_job(w, 3, "carol", T_4090D, 1, 8, 1, 3600);
	j->priority = 500;
	pass(w);
	expect(w, 2, SCHED_VERDICT_ADMIT, "admitted");
	expect(w, 1, SCHED_VERDICT_WAIT, "best has 0");
	assert_int_equal(dec(w, 2)->position, 1);
	assert_int_equal(dec(w, 3)->position, 2);
	assert_int_equal(dec(w, 1)->position, 3);
	/* Equal priority and usage: the older submission first. */
	w->jobs[0].priority = 500;
	w->jobs[1].priority = 500;
	w->jobs[2].submitted_at = T0 - 5000;
	pass(w);
	expect(w, 3, SCHED_VERDICT_ADMIT, "admitted");
	/* Lower usage beats an older submission. */
	w->usage[0] = (struct sched_usage){ .owner = "carol",
	    .gpu_hours = 50.0 };
	w->nusage = 1;
	pass(w);
	expect(w, 1, SCHED_VERDICT_ADMIT, "admitted");
}

/*
 * Backfill: with job 1 holding a reservation on n0 from +2h, a small job
 * may use n0 now only if its timeout ends first; a job without a timeout
 * may only use room the reservation does not need.
 */
static void
test_backfill(void **state)
{
	struct world *w = *state;
	const struct sched_decision *d;

	add_node(w, P_4090D, 8, 4);	/* n0: 4 free, 4 end at +2h */
	add_node(w, P_4090D, 8, 8);	/* n1: full until +10h */
	add_running(w, 100, "zed", 0, 4, T0, 2 * 3600);
	add_running(w, 101, "zed", 1, 8, T0, 10 * 3600);
	add_job(w, 1, "alice", T_4090D, 1, 8, 1, 3600);
	add_job(w, 2, "bob", T_4090D, 1, 4, 1, 0);	 /* no timeout */
	add_job(w, 3, "bob", T_4090D, 1, 4, 1, 3 * 3600); /* past shadow */
	w->jobs[1].priority = w->jobs[2].priority = 100;
	pass(w);
	d = dec(w, 1);
	assert_int_equal(d->verdict, SCHED_VERDICT_WAIT);
	assert_int_equal(d->reserved_start, T0 + 2 * HOUR);
	assert_non_null(strstr(d->reason, "reserved on RTX4090D, expected start "
	    "2027-01-15T10:00:00Z"));
	/* Job 2 reserves n1 behind it; job 3 finds no node left to reserve. */
	assert_int_equal(w->res.nreservations, 2);
	assert_int_equal(w->res.reservations[0].job_id, 1);
	assert_int_equal(w->res.reservations[0].start, T0 + 2 * HOUR);
	assert_int_equal(w->res.reservations[1].job_id, 2);
	assert_int_equal(w->res.reservations[1].start, T0 + 10 * HOUR);
	expect(w, 2, SCHED_VERDICT_WAIT, "RTX4090D: reserved for job 1 "
	    "(RTX4090D) from 2027-01-15T10:00:00Z");
	expect(w, 3, SCHED_VERDICT_WAIT, "no start expected within the window; "
	    "RTX4090D: reserved for job 1");

	/* One that ends before the shadow time starts now. */
	add_job(w, 4, "bob", T_4090D, 1, 4, 1, 3600);
	w->jobs[3].priority = 100;
	pass(w);
	expect(w, 4, SCHED_VERDICT_ADMIT, "admitted");
	assert_string_equal(dec(w, 4)->nodes[0], "n0");
	expect(w, 1, SCHED_VERDICT_WAIT, "reserved on RTX4090D");

	/* Room outside the reservation is free for anyone. */
	w->njobs = 3;
	add_node(w, P_4090D, 8, 4);	/* n2 */
	pass(w);
	expect(w, 2, SCHED_VERDICT_ADMIT, "admitted");
	assert_string_equal(dec(w, 2)->nodes[0], "n2");
	expect(w, 3, SCHED_VERDICT_WAIT, "reserved for job 1");
	assert_int_equal(dec(w, 1)->reserved_start, T0 + 2 * HOUR);
}

/* Admitted pods not yet on the node's books are held back all the same. */
static void
test_running_not_in_nodes(void **state)
{
	struct world *w = *state;
	struct sched_running *r;

	add_node(w, P_4090D, 8, 0);
	r = add_running(w, 100, "zed", 0, 6, T0, 3600);
	r->in_nodes = false;
	add_job(w, 1, "alice", T_4090D, 1, 4, 1, 3600);
	pass(w);
	expect(w, 1, SCHED_VERDICT_WAIT, "needs 1 node with 4 free, best has 2");
	/* It ends in an hour: the job is reserved for then. */
	assert_int_equal(dec(w, 1)->reserved_start, T0 + HOUR);
	assert_int_equal(w->res.next_pass_ms, HOUR);
	r->in_nodes = true;
	w->nodes[0].req_gpus = 6;
	pass(w);
	expect(w, 1, SCHED_VERDICT_WAIT, "best has 2");
	r->in_nodes = true;
	w->nodes[0].req_gpus = 0;
	pass(w);
	expect(w, 1, SCHED_VERDICT_ADMIT, "admitted");
}

/* Scratch claims count against requests.storage and the claim count, with
 * the reason naming the key (ailab's standing claims fill most of it). */
static void
test_quota_storage(void **state)
{
	struct world *w = *state;
	struct sched_quota *q;
	struct sched_job *j;
	const int64_t T = 1000LL * 1000 * 1000 * 1000;

	add_node(w, P_4090D, 8, 0);
	q = add_quota(w, "alice", "requests.storage", 40 * T, 38 * T);
	quota_key(w, q, "count/pods", 10, 0);
	j = add_job(w, 1, "alice", T_4090D, 1, 1, 1, 3600);
	j->nscratch = 2;
	j->scratch_bytes = 1024LL * GiB;
	j = add_job(w, 2, "alice", T_4090D, 1, 1, 1, 3600);
	j->nscratch = 2;
	j->scratch_bytes = 100 * GiB;
	pass(w);
	expect(w, 1, SCHED_VERDICT_WAIT, "quota requests.storage: needs 2Ti, "
	    "38T of 40T used");
	expect(w, 2, SCHED_VERDICT_ADMIT, "admitted");
	/* Nine replicas with 1 scratch claim each: ten pods fit, nine do
	 * not once two are used. */
	w->njobs = 0;
	w->qitems[0][0].used = 0;
	w->qitems[0][1].used = 2;
	add_job(w, 3, "alice", T_4090D, 1, 0, 9, 3600);
	pass(w);
	expect(w, 3, SCHED_VERDICT_WAIT, "quota count/pods: needs 9, 2 of 10 "
	    "used");
}

/* Replicas placed but not bound are taken where placed, bound ones are
 * on the node's books already: nothing is counted twice or missed. */
static void
test_counted_per_replica(void **state)
{
	struct world *w = *state;
	struct sched_running *r;
	static const bool half[2] = { true, false };

	add_node(w, P_4090D, 8, 4);	/* n0: rank 0's 4 GPUs bound here */
	add_node(w, P_4090D, 8, 0);	/* n1: rank 1 placed, not bound */
	r = add_running(w, 100, "zed", 0, 4, T0, 3600);
	r->replicas = 2;
	w->run_nodes[0][1] = w->nodes[1].name;
	r->counted = half;
	add_job(w, 1, "alice", T_4090D, 1, 8, 1, 3600);
	add_job(w, 2, "alice", T_4090D, 1, 4, 2, 3600);
	pass(w);
	/* 4 + 4 free, not 4 + 8: the 8-GPU job cannot start, a 2x4 can. */
	expect(w, 1, SCHED_VERDICT_WAIT, "best has 4");
	expect(w, 2, SCHED_VERDICT_ADMIT, "admitted");
	assert_string_not_equal(dec(w, 2)->nodes[0], dec(w, 2)->nodes[1]);
}

/* Pods being deleted hold their node, and give it back at once. */
static void
test_ending_entries(void **state)
{
	struct world *w = *state;
	struct sched_running *r;

	add_node(w, P_4090D, 8, 8);
	r = add_running(w, 100, "zed", 0, 8, T0 - HOUR, 0);
	r->ends_at = T0;
	add_job(w, 1, "alice", T_4090D, 1, 8, 1, 3600);
	add_job(w, 2, "bob", T_4090D, 1, 1, 1, 7200);
	w->jobs[1].priority = 100;
	pass(w);
	/* The 8-GPU job is next, not a day away; nobody backfills. */
	expect(w, 1, SCHED_VERDICT_WAIT, "reserved on RTX4090D");
	assert_int_equal(dec(w, 1)->reserved_start, T0);
	expect(w, 2, SCHED_VERDICT_WAIT, "needs 1 node with 1 free, best has 0");
	/* Once the pod is gone, the reserved job starts. */
	w->nodes[0].req_gpus = 0;
	w->nrunning = 0;
	pass(w);
	expect(w, 1, SCHED_VERDICT_ADMIT, "admitted");
}

/* An estimate lets a job without a timeout use room before a reservation,
 * and plans a running job's end. */
static void
test_estimates(void **state)
{
	struct world *w = *state;
	struct sched_running *r;

	add_node(w, P_4090D, 8, 4);
	add_node(w, P_4090D, 8, 8);
	r = add_running(w, 100, "zed", 0, 4, T0, 0);
	r->est_s = 2 * 3600;		/* ends, as planned, at +2h */
	add_running(w, 101, "zed", 1, 8, T0, 10 * 3600);
	add_job(w, 1, "alice", T_4090D, 1, 8, 1, 3600);
	add_job(w, 2, "bob", T_4090D, 1, 4, 1, 0);
	w->jobs[1].est_s = 3600;	/* before the shadow at +2h */
	add_job(w, 3, "bob", T_4090D, 1, 4, 1, 0);
	w->jobs[2].est_s = 3 * 3600;	/* past it */
	w->jobs[1].priority = w->jobs[2].priority = 100;
	pass(w);
	assert_int_equal(dec(w, 1)->reserved_start, T0 + 2 * HOUR);
	expect(w, 2, SCHED_VERDICT_ADMIT, "admitted");
	/* Job 3 would overrun it: it waits for its own turn, on n1. */
	expect(w, 3, SCHED_VERDICT_WAIT, "reserved on RTX4090D, expected start "
	    "2027-01-15T18:00:00Z");
}

/* A pass admits at most max_admit jobs and asks for the next at once. */
static void
test_max_admit(void **state)
{
	struct world *w = *state;

	add_node(w, P_4090D, 8, 0);
	add_job(w, 1, "alice", T_4090D, 1, 1, 1, 3600);
	add_job(w, 2, "alice", T_4090D, 1, 1, 1, 3600);
	add_job(w, 3, "alice", T_4090D, 1, 1, 1, 3600);
	w->cfg.max_admit = 2;
	pass(w);
	assert_int_equal(w->res.nadmitted, 2);
	expect(w, 3, SCHED_VERDICT_WAIT, "2 jobs admitted, as many as one "
	    "pass creates");
	assert_true(w->res.next_pass_ms >= 0 && w->res.next_pass_ms <= 1);
}

/* Without sight of nodes, "any" takes a concrete site type, in order,
 * skipping one judged full until its time. */
static void
test_unseen_any_and_blocks(void **state)
{
	struct world *w = *state;
	static const char *const site[] = { "RTX4090D", "RTX4090", "RTX3090" };
	struct sched_type_block blk = { .gpu_type = "NVIDIA-GeForce-RTX-4090-D",
	    .until = T0 + MIN, .why = "job 9's pod found no room" };
	struct sched_running r = { .id = 9, .owner = "alice",
	    .gpu_type = "RTX4090D", .gpus = 2, .replicas = 1 };
	struct sched_snapshot s;
	char *cause = NULL;

	w->unreadable = true;
	add_job(w, 1, "alice", NULL, 0, 2, 1, 3600);
	add_job(w, 2, "alice", T_4090D, 1, 2, 1, 3600);
	memset(&s, 0, sizeof s);
	s.now = w->now;
	s.jobs = w->jobs;
	s.njobs = w->njobs;
	s.site_types = site;
	s.nsite_types = 3;
	pass(w);	/* no site types given: the type is left open */
	assert_null(dec(w, 1)->gpu_type);
	sched_result_release(&w->res);
	assert_int_equal(sched_pass(&s, &w->cfg, &w->res, &cause), 0);
	assert_string_equal(dec(w, 1)->gpu_type, "RTX4090D");
	s.blocked = &blk;
	s.nblocked = 1;
	sched_result_release(&w->res);
	assert_int_equal(sched_pass(&s, &w->cfg, &w->res, &cause), 0);
	assert_string_equal(dec(w, 1)->gpu_type, "RTX4090");
	expect(w, 2, SCHED_VERDICT_WAIT, "RTX4090D: judged full at 0 GPUs of "
	    "ours until 2027-01-15T08:01:00Z: job 9's pod found no room");
	assert_int_equal(w->res.next_pass_ms, MIN);
	/* Judged full at 4 GPUs of ours, 2 running: one 2-GPU job fits. */
	blk.max_gpus = 4;
	s.running = &r;
	s.nrunning = 1;
	sched_result_release(&w->res);
	assert_int_equal(sched_pass(&s, &w->cfg, &w->res, &cause), 0);
	assert_string_equal(dec(w, 1)->gpu_type, "RTX4090D");
	expect(w, 2, SCHED_VERDICT_WAIT, "RTX4090D: judged full at 4 GPUs");
	s.running = NULL;
	s.nrunning = 0;
	blk.max_gpus = 0;
	/* Expired: tried again. */
	s.now = T0 + MIN;
	sched_result_release(&w->res);
	assert_int_equal(sched_pass(&s, &w->cfg, &w->res, &cause), 0);
	expect(w, 2, SCHED_VERDICT_ADMIT, "admitted");
	assert_null(cause);
}

/* A job waiting past starve_s goes before fair share would put it. */
static void
test_starving_first(void **state)
{
	struct world *w = *state;
	struct sched_job *j;

	add_node(w, P_4090D, 8, 0);
	w->usage[0] = (struct sched_usage){ .owner = "heavy",
	    .gpu_hours = 1000.0 };
	w->nusage = 1;
	j = add_job(w, 1, "heavy", T_4090D, 1, 8, 1, 3600);
	j->submitted_at = T0 - 3 * 24 * HOUR;
	add_job(w, 2, "light", T_4090D, 1, 8, 1, 3600);
	pass(w);
	expect(w, 1, SCHED_VERDICT_ADMIT, "admitted");
	expect(w, 2, SCHED_VERDICT_WAIT, "best has 0");
	w->cfg.starve_s = 0;
	pass(w);
	expect(w, 2, SCHED_VERDICT_ADMIT, "admitted");
	expect(w, 1, SCHED_VERDICT_WAIT, "best has 0");
}

static uint32_t rnd_state = 2463534242u;

/* xorshift: random worlds that are the same on every run. */
static uint32_t
rnd(uint32_t n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state % n;
}

static size_t nchecked;	/* reservations checked, to show the test bites */

/* The index of a node by name. */
static size_t
node_index(struct world *w, const char *name)
{
	size_t i;

	for (i = 0; i < w->nnodes; i++) {
		if (strcmp(w->nodes[i].name, name) == 0)
			return i;
	}
	fail_msg("no node %s", name);
	return 0;
}

/*
 * The backfill guarantee: at the first reservation's start, with every job
 * still running then (by the planning rule: timeouts, else 24h), the job
 * that holds it fits.
 */
static void
check_first_reservation(struct world *w)
{
	const struct sched_reservation *r;
	const struct sched_job *j = NULL;
	int64_t g[W_NODES], c[W_NODES], m[W_NODES], s, end, fit = 0, k;
	size_t i, q, n;
	char a[64], b[64];

	if (w->res.nreservations == 0)
		return;
	nchecked++;
	r = &w->res.reservations[0];
	s = r->start;
	for (i = 0; i < w->njobs; i++) {
		if (w->jobs[i].id == r->job_id)
			j = &w->jobs[i];
	}
	assert_non_null(j);
	for (i = 0; i < w->nnodes; i++) {
		g[i] = w->nodes[i].alloc_gpus - w->nodes[i].req_gpus;
		c[i] = w->nodes[i].alloc_cpu_milli - w->nodes[i].req_cpu_milli;
		m[i] = w->nodes[i].alloc_memory_bytes -
		    w->nodes[i].req_memory_bytes;
	}
	for (i = 0; i < w->nrunning; i++) {
		const struct sched_running *x = &w->running[i];

		n = node_index(w, x->nodes[0]);
		end = x->started_at + (x->timeout_s > 0 ? x->timeout_s :
		    24 * 3600) * 1000;
		if (!x->in_nodes) {
			g[n] -= x->gpus;
			c[n] -= x->cpu_milli;
			m[n] -= x->memory_bytes;
		}
		if (end <= s) {
			g[n] += x->gpus;
			c[n] += x->cpu_milli;
			m[n] += x->memory_bytes;
		}
	}
	for (k = 0; k < (int64_t)w->res.nadmitted; k++) {
		const struct sched_decision *d =
		    &w->res.decisions[w->res.admitted[k]];
		const struct sched_job *x = &w->jobs[w->res.admitted[k]];

		end = w->now + (x->timeout_s > 0 ? x->timeout_s : 24 * 3600) *
		    1000;
		if (end <= s)
			continue;
		for (q = 0; q < (size_t)x->replicas; q++) {
			n = node_index(w, d->nodes[q]);
			g[n] -= x->gpus;
			c[n] -= x->cpu_milli;
			m[n] -= x->memory_bytes;
		}
	}
	for (i = 0; i < w->nnodes; i++) {
		const struct sched_node *nd = &w->nodes[i];

		if (!nd->ready || nd->unschedulable)
			continue;
		if (j->gpus > 0) {
			if (nd->gpu_product == NULL)
				continue;
			sched_gpu_type_normalize(nd->gpu_product, a, sizeof a);
			sched_gpu_type_normalize(r->gpu_product, b, sizeof b);
			if (strcmp(a, b) != 0)
				continue;
		}
		k = j->replicas;
		if (j->gpus > 0 && g[i] / j->gpus < k)
			k = g[i] / j->gpus;
		if (c[i] / j->cpu_milli < k)
			k = c[i] / j->cpu_milli;
		if (m[i] / j->memory_bytes < k)
			k = m[i] / j->memory_bytes;
		if (g[i] >= 0 && c[i] >= 0 && m[i] >= 0 && k > 0)
			fit += k;
	}
	if (fit < j->replicas)
		fail_msg("job %lld reserved from %lld fits %lld of %d replicas",
		    (long long)j->id, (long long)(s - w->now), (long long)fit,
		    j->replicas);
}

/*
 * Random worlds: whatever the pass decides, admitted gangs are whole, fit
 * their nodes' free room and their type, keep every quota, do not delay
 * the first reservation, and the same snapshot gives the same decisions.
 */
static void
test_random_invariants(void **state)
{
	static const char *const owners[] = { "alice", "bob", "carol" };
	static const char *const prods[] = { P_4090D, P_4090, NULL };
	static const char *const *const tls[] = { T_4090D, T_4090, T_BOTH };
	static const size_t ntls[] = { 1, 1, 2 };
	struct world *w = *state;
	int64_t gpu[W_NODES], cpu[W_NODES], mem[W_NODES];
	int64_t used[3][SCHED_NRES], need[SCHED_NRES];
	struct sched_decision *first;
	size_t it, i, k, q, nd;
	char a[64], b[64];

	for (it = 0; it < 2000; it++) {
		w->nnodes = w->njobs = w->nrunning = w->nquotas = 0;
		w->npending = 0;
		for (i = 0; i < 2 + rnd(12); i++) {
			struct sched_node *n = add_node(w, prods[rnd(3)], 8,
			    (int)rnd(9));

			if (n->gpu_product == NULL)
				n->alloc_gpus = n->req_gpus = 0;
			n->req_cpu_milli = rnd(32) * 1000;
			n->ready = rnd(10) != 0;
			n->unschedulable = rnd(10) == 0;
		}
		for (i = 0; i < w->nnodes; i++) {
			if (rnd(3) == 0 && w->nodes[i].alloc_gpus > 0) {
				struct sched_running *r = add_running(w,
				    900 + (int64_t)i, owners[rnd(3)], i, 1,
				    T0 - HOUR, rnd(2) ? 7200 : 0);

				r->in_nodes = rnd(2);
			}
		}
		for (q = 0; q < 3; q++) {
			struct sched_quota *qq = add_quota(w, owners[q],
			    "requests.nvidia.com/gpu", 4 + rnd(20), rnd(4));

			quota_key(w, qq, "pods", 2 + rnd(10), rnd(2));
			quota_key(w, qq, "cpu", 4000 + rnd(20) * 1000, 0);
		}
		for (i = 0; i < 1 + rnd(60); i++) {
			uint32_t t = rnd(4);
			struct sched_job *j = add_job(w, (int64_t)i + 1,
			    owners[rnd(3)], t < 3 ? tls[t] : NULL,
			    t < 3 ? ntls[t] : 0, (int)rnd(9), 1 + (int)rnd(3),
			    rnd(2) ? 600 + rnd(7200) : 0);

			j->priority = (int)rnd(3) * 100;
			j->cpu_milli = 500 + rnd(8) * 1000;
			j->held = rnd(20) == 0;
		}
		pass(w);
		nd = w->res.ndecisions;
		first = xcalloc(nd + 1, sizeof *first);
		memcpy(first, w->res.decisions, nd * sizeof *first);

		for (i = 0; i < w->nnodes; i++) {
			gpu[i] = w->nodes[i].alloc_gpus - w->nodes[i].req_gpus;
			cpu[i] = w->nodes[i].alloc_cpu_milli -
			    w->nodes[i].req_cpu_milli;
			mem[i] = w->nodes[i].alloc_memory_bytes -
			    w->nodes[i].req_memory_bytes;
		}
		for (k = 0; k < w->nrunning; k++) {
			if (w->running[k].in_nodes)
				continue;
			i = (size_t)(w->running[k].nodes[0][1] - '0');
			if (w->running[k].nodes[0][2] != '\0')
				i = i * 10 + (size_t)(w->running[k].nodes[0][2] -
				    '0');
			gpu[i] -= w->running[k].gpus;
			cpu[i] -= w->running[k].cpu_milli;
			mem[i] -= w->running[k].memory_bytes;
		}
		memset(used, 0, sizeof used);
		for (k = 0; k < w->res.nadmitted; k++) {
			const struct sched_decision *d =
			    &w->res.decisions[w->res.admitted[k]];
			const struct sched_job *j = &w->jobs[w->res.admitted[k]];

			assert_int_equal(d->verdict, SCHED_VERDICT_ADMIT);
			assert_false(j->held);
			assert_non_null(d->nodes);
			for (q = 0; q < (size_t)j->replicas; q++) {
				for (i = 0; i < w->nnodes; i++) {
					if (strcmp(w->nodes[i].name,
					    d->nodes[q]) == 0)
						break;
				}
				assert_true(i < w->nnodes);
				assert_true(w->nodes[i].ready &&
				    !w->nodes[i].unschedulable);
				if (j->gpus > 0) {
					sched_gpu_type_normalize(
					    w->nodes[i].gpu_product, a,
					    sizeof a);
					sched_gpu_type_normalize(
					    d->gpu_product, b, sizeof b);
					assert_string_equal(a, b);
				}
				gpu[i] -= j->gpus;
				cpu[i] -= j->cpu_milli;
				mem[i] -= j->memory_bytes;
				assert_true(gpu[i] >= 0 && cpu[i] >= 0 &&
				    mem[i] >= 0);
			}
			sched_job_quota_need(j, need);
			for (q = 0; q < 3; q++) {
				if (strcmp(j->namespace, owners[q]) != 0)
					continue;
				used[q][SCHED_RES_GPU] += need[SCHED_RES_GPU];
				used[q][SCHED_RES_PODS] += need[SCHED_RES_PODS];
				used[q][SCHED_RES_REQ_CPU] +=
				    need[SCHED_RES_REQ_CPU];
			}
		}
		for (q = 0; q < 3; q++) {
			const struct sched_quota_item *qi = w->quotas[q].items;

			assert_true(qi[0].used + used[q][SCHED_RES_GPU] <=
			    qi[0].hard);
			assert_true(qi[1].used + used[q][SCHED_RES_PODS] <=
			    qi[1].hard);
			assert_true(qi[2].used + used[q][SCHED_RES_REQ_CPU] <=
			    qi[2].hard);
		}
		check_first_reservation(w);
		/* Deterministic: the same snapshot, the same decisions. */
		pass(w);
		for (i = 0; i < nd; i++) {
			assert_int_equal(first[i].verdict,
			    w->res.decisions[i].verdict);
			assert_int_equal(first[i].position,
			    w->res.decisions[i].position);
			assert_string_equal(first[i].reason,
			    w->res.decisions[i].reason);
		}
		free(first);
		expect_numbers(w);
	}
	print_message("%zu random worlds had a reservation to check\n",
	    nchecked);
	assert_true(nchecked > 50);
}

/* A small simulated cluster for the multi-pass tests. */
struct sim_job {
	int64_t id;
	const char *owner;
	const char *group;       /* NULL: none */
	int cls;                 /* which side of a fairness test: 0 or 1 */
	int gpus;
	int replicas;
	int64_t submit;
	int64_t runtime;         /* ms */
	int64_t timeout_s;
	int64_t start;           /* 0: not started */
	int64_t end;
	const char *nodes[16];
};

/*
 * Runs passes every step ms until stop() is true or horizon: admitted jobs
 * run for their runtime; nodes' requests follow the running jobs.  Returns
 * the end time.
 */
static int64_t
simulate(struct world *w, struct sim_job *sj, size_t n, int64_t step,
    int64_t horizon, bool (*stop)(struct sim_job *, size_t, int64_t),
    double *usage_a, double *usage_b)
{
	size_t i, k, m;
	int64_t t;

	for (t = T0; t < horizon; t += step) {
		w->now = t;
		for (m = 0; m < w->nnodes; m++)
			w->nodes[m].req_gpus = 0;
		w->njobs = 0;
		w->nrunning = 0;
		for (i = 0; i < n; i++) {
			struct sim_job *s = &sj[i];

			if (s->start != 0 && s->end <= t)
				continue;
			if (s->start != 0) {
				struct sched_running *r =
				    &w->running[w->nrunning];

				memset(r, 0, sizeof *r);
				for (k = 0; k < (size_t)s->replicas; k++) {
					for (m = 0; m < w->nnodes; m++) {
						if (strcmp(w->nodes[m].name,
						    s->nodes[k]) == 0)
							w->nodes[m].req_gpus +=
							    s->gpus;
					}
				}
				r->id = s->id;
				r->owner = s->owner;
				r->gpu_type = P_4090D;
				r->gpus = s->gpus;
				r->replicas = s->replicas;
				r->nodes = s->nodes;
				r->in_nodes = true;
				r->started_at = s->start;
				r->timeout_s = s->timeout_s;
				r->group = s->group;
				w->nrunning++;
				continue;
			}
			if (s->submit > t)
				continue;
			add_job(w, s->id, s->owner, T_4090D, 1, s->gpus,
			    s->replicas, s->timeout_s);
			w->jobs[w->njobs - 1].submitted_at = s->submit;
			w->jobs[w->njobs - 1].group = s->group;
		}
		if (usage_a != NULL) {
			/* by owner, or by group when the sides share one */
			bool g = sj[0].group != NULL;

			w->nusage = 2;
			w->usage[0] = (struct sched_usage){
			    .owner = sj[0].owner, .gpu_hours = *usage_a,
			    .group = g ? sj[0].group : NULL };
			w->usage[1] = (struct sched_usage){
			    .owner = sj[n - 1].owner, .gpu_hours = *usage_b,
			    .group = g ? sj[n - 1].group : NULL };
		}
		pass(w);
		for (k = 0; k < w->res.nadmitted; k++) {
			const struct sched_decision *d =
			    &w->res.decisions[w->res.admitted[k]];

			for (i = 0; i < n && sj[i].id != d->job_id; i++)
				;
			assert_true(i < n);
			sj[i].start = t;
			sj[i].end = t + sj[i].runtime;
			for (m = 0; m < (size_t)sj[i].replicas; m++)
				sj[i].nodes[m] = d->nodes[m];
		}
		/* Usage over the coming step, at what now runs. */
		if (usage_a != NULL) {
			double ga = 0, gb = 0;

			for (i = 0; i < n; i++) {
				if (sj[i].start == 0 || sj[i].end <= t)
					continue;
				if (sj[i].cls == 0)
					ga += sj[i].gpus * sj[i].replicas;
				else
					gb += sj[i].gpus * sj[i].replicas;
			}
			*usage_a = sched_usage_update(*usage_a, ga, step,
			    7 * 24 * HOUR);
			*usage_b = sched_usage_update(*usage_b, gb, step,
			    7 * 24 * HOUR);
		}
		if (stop(sj, n, t))
			break;
	}
	return t;
}

/* The big job has started. */
static bool
big_started(struct sim_job *sj, size_t n, int64_t t)
{
	(void)n;
	(void)t;
	return sj[0].start != 0;
}

/* Fills a starvation scenario: one 2x8 job amid a stream of 1-GPU jobs. */
static size_t
starvation_jobs(struct sim_job *sj, size_t cap)
{
	uint32_t seed = 12345;
	size_t n = 0;

	/* 40 1-GPU jobs fill the 32 GPUs at once, then one comes a minute */
	sj[n++] = (struct sim_job){ .id = 1, .owner = "big", .gpus = 8,
	    .replicas = 2, .submit = T0 + 30 * MIN, .runtime = 3 * HOUR,
	    .timeout_s = 4 * 3600 };
	while (n < cap) {
		seed = seed * 1103515245u + 12345u;
		/* 20-60 min each, timeout 1h */
		sj[n] = (struct sim_job){ .id = (int64_t)n + 1,
		    .owner = "small", .gpus = 1, .replicas = 1,
		    .submit = T0 + (n < 40 ? 0 : (int64_t)(n - 40) * MIN),
		    .runtime = (20 + (int64_t)((seed >> 16) % 41)) * MIN,
		    .timeout_s = 3600 };
		n++;
	}
	return n;
}

/* A 2x8-GPU job is not starved by a stream of 1-GPU jobs. */
static void
test_no_starvation(void **state)
{
	struct world *w = *state;
	static struct sim_job sj[W_JOBS];
	size_t n, i;
	int64_t t;

	for (i = 0; i < 4; i++)
		add_node(w, P_4090D, 8, 0);
	n = starvation_jobs(sj, 400);
	t = simulate(w, sj, n, MIN, T0 + 6 * HOUR, big_started, NULL, NULL);
	/* Submitted at +30 min; every 1-GPU job ends within its 1h timeout. */
	assert_true(sj[0].start != 0);
	assert_true(sj[0].start - sj[0].submit <= HOUR + 2 * MIN);
	assert_true(t < T0 + 6 * HOUR);
	/* Small jobs kept starting meanwhile: backfill, not a drained cluster. */
	for (i = 1, n = 0; i < 400; i++) {
		if (sj[i].start > sj[0].submit && sj[i].start < sj[0].start)
			n++;
	}
	assert_true(n > 0);
	print_message("2x8 job waited %lld min; %zu 1-GPU jobs backfilled\n",
	    (long long)((sj[0].start - sj[0].submit) / MIN), n);

	/* Without reservations the same stream starves it. */
	memset(sj, 0, sizeof sj);
	n = starvation_jobs(sj, 400);
	w->cfg.max_reservations = 0;
	simulate(w, sj, n, MIN, T0 + 6 * HOUR, big_started, NULL, NULL);
	assert_int_equal(sj[0].start, 0);
}

/* Stops when either owner has no queued job left. */
static bool
one_owner_done(struct sim_job *sj, size_t n, int64_t t)
{
	size_t i;
	bool a = false, b = false;

	(void)t;
	for (i = 0; i < n; i++) {
		if (sj[i].start != 0)
			continue;
		if (sj[i].cls == 0)
			a = true;
		else
			b = true;
	}
	return !a || !b;
}

/*
 * Two sides with 100 jobs each compete for one type (2 nodes of 8 GPUs);
 * side 0's jobs are all older and run twice as long.  Returns the GPU-hours
 * each side received while both had work queued.
 */
static void
fair_run(struct world *w, const char *o0, const char *g0, const char *o1,
    const char *g1, double *h0, double *h1)
{
	static struct sim_job sj[200];
	double u0 = 0, u1 = 0, end, s, e;
	size_t i;
	int64_t t;

	w->nnodes = 0;
	add_node(w, P_4090D, 8, 0);
	add_node(w, P_4090D, 8, 0);
	for (i = 0; i < 200; i++) {
		int cls = i < 100 ? 0 : 1;

		sj[i] = (struct sim_job){ .id = (int64_t)i + 1,
		    .owner = cls ? o1 : o0, .group = cls ? g1 : g0,
		    .cls = cls, .gpus = 1, .replicas = 1,
		    .submit = cls ? T0 : T0 - HOUR + (int64_t)i,
		    .runtime = cls ? HOUR : 2 * HOUR,
		    .timeout_s = cls ? 3600 : 2 * 3600 };
	}
	t = simulate(w, sj, 200, MIN, T0 + 48 * HOUR, one_owner_done, &u0,
	    &u1);
	end = (double)t;
	*h0 = *h1 = 0;
	for (i = 0; i < 200; i++) {
		if (sj[i].start == 0)
			continue;
		s = (double)sj[i].start;
		e = (double)sj[i].end < end ? (double)sj[i].end : end;
		if (e <= s)
			continue;
		if (sj[i].cls == 0)
			*h0 += (e - s) / HOUR;
		else
			*h1 += (e - s) / HOUR;
	}
	print_message("fair share %s/%s vs %s/%s: %.1f vs %.1f GPU-h over "
	    "%.1f h\n", o0, g0 ? g0 : "-", o1, g1 ? g1 : "-", *h0, *h1,
	    (end - T0) / HOUR);
}

/* Two owners, and two groups of one owner, share a type within 20%. */
static void
test_fair_share(void **state)
{
	struct world *w = *state;
	double h0, h1;

	fair_run(w, "a", NULL, "b", NULL, &h0, &h1);
	assert_true(h0 > 10 && h1 > 10);
	assert_true(h0 <= h1 * 1.2 && h1 <= h0 * 1.2);
	fair_run(w, "u", "sweep-1", "u", "sweep-2", &h0, &h1);
	assert_true(h0 > 10 && h1 > 10);
	assert_true(h0 <= h1 * 1.2 && h1 <= h0 * 1.2);
	/* Without groups, one owner's queue is plain submission order. */
	fair_run(w, "u", NULL, "u", NULL, &h0, &h1);
	assert_true(h1 < 0.5 * h0);
}

/* With nodes unreadable, quota alone decides. */
static void
test_nodes_unreadable(void **state)
{
	struct world *w = *state;

	w->unreadable = true;
	add_quota(w, "alice", "requests.nvidia.com/gpu", 8, 0);
	add_job(w, 1, "alice", T_BOTH, 2, 4, 1, 3600);
	add_job(w, 2, "alice", T_BOTH, 2, 4, 1, 3600);
	add_job(w, 3, "alice", T_BOTH, 2, 4, 1, 3600);
	pass(w);
	expect(w, 1, SCHED_VERDICT_ADMIT, "admitted");
	assert_string_equal(dec(w, 1)->gpu_type, "RTX4090D");
	assert_null(dec(w, 1)->nodes);
	expect(w, 2, SCHED_VERDICT_ADMIT, "admitted");
	expect(w, 3, SCHED_VERDICT_WAIT, "needs 4, 8 of 8 used");
}

/* The site's per-user per-type limits, including what already runs. */
static void
test_user_limits(void **state)
{
	struct world *w = *state;

	add_node(w, P_4090D, 8, 2);
	add_node(w, P_4090, 8, 0);
	add_running(w, 100, "alice", 0, 2, T0, 3600);
	w->limits[0] = (struct sched_user_limit){ NULL, "RTX4090D", 4 };
	w->limits[1] = (struct sched_user_limit){ "bob", "RTX4090D", 8 };
	w->nlimits = 2;
	add_job(w, 1, "alice", T_BOTH, 2, 4, 1, 3600);
	add_job(w, 2, "alice", T_4090D, 1, 8, 1, 3600);
	add_job(w, 3, "bob", T_4090D, 1, 6, 1, 3600);
	pass(w);
	expect(w, 1, SCHED_VERDICT_ADMIT, "admitted");
	assert_string_equal(dec(w, 1)->gpu_type, "RTX4090");
	expect(w, 2, SCHED_VERDICT_NEVER, "RTX4090D: needs 8 GPUs, user limit 4"
	    " (can never fit)");
	expect(w, 3, SCHED_VERDICT_ADMIT, "admitted");
	w->njobs = 0;
	add_job(w, 4, "alice", T_4090D, 1, 4, 1, 3600);
	pass(w);
	expect(w, 4, SCHED_VERDICT_WAIT, "RTX4090D: user limit, alice holds 2 "
	    "of 4 GPUs, needs 4");
}

/* Same-shape failures are memoised and the backfill depth is bounded. */
static void
test_memo_and_depth(void **state)
{
	struct world *w = *state;
	size_t i;

	add_node(w, P_4090D, 8, 8);
	add_node(w, P_4090D, 8, 8);
	add_running(w, 100, "zed", 0, 8, T0, 3600);
	add_running(w, 101, "zed", 1, 8, T0, 7200);
	for (i = 0; i < 300; i++)
		add_job(w, (int64_t)i + 1, "alice", T_4090D, 1, 2, 1, 0);
	w->cfg.max_reservations = 1;
	w->cfg.max_job_test = 100;
	pass(w);
	assert_int_equal(w->res.nadmitted, 0);
	assert_int_equal(w->res.nreservations, 1);
	expect(w, 1, SCHED_VERDICT_WAIT, "reserved on RTX4090D");
	expect(w, 2, SCHED_VERDICT_WAIT, "needs 1 node with 2 free, best has 0");
	expect(w, 300, SCHED_VERDICT_WAIT, "not tested this pass: backfill "
	    "depth 100 reached behind job 1's reservation");
	assert_true(w->res.placements <= 3);
	assert_true(w->res.memo_hits >= 99);
	/* The first running job's end is the next useful pass. */
	assert_int_equal(w->res.next_pass_ms, HOUR);
	expect_numbers(w);
}

/* Usage decays by half each half-life and saturates under a constant load. */
static void
test_usage_update(void **state)
{
	double u;

	(void)state;
	u = sched_usage_update(10.0, 0, 7 * 24 * HOUR, 7 * 24 * HOUR);
	assert_true(u > 4.999 && u < 5.001);
	u = sched_usage_update(0, 8, HOUR, 7 * 24 * HOUR);
	assert_true(u > 7.98 && u <= 8.0);
	u = sched_usage_update(0, 1, 100 * 7 * 24 * HOUR, 7 * 24 * HOUR);
	assert_true(u > 168 / 0.6932 && u < 168 / 0.6931);
	assert_true(sched_usage_update(3.0, 2, 0, HOUR) == 3.0);
}

/* Runs every test of the policy. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_gang_all_or_nothing,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_quota_blocks, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_quota_all_keys, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_quota_pending, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_type_order, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_cpu_job, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unusable_nodes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_never_fits, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_group_max_gpus, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_deps_and_max_running,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_priority_order, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_backfill, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_running_not_in_nodes,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_starving_first, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_random_invariants, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_no_starvation, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_fair_share, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_nodes_unreadable, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_user_limits, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_memo_and_depth, setup,
		    teardown),
		cmocka_unit_test(test_usage_update),
		cmocka_unit_test_setup_teardown(test_quota_storage, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_counted_per_replica,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_ending_entries, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_estimates, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_max_admit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unseen_any_and_blocks,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
