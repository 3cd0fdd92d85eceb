/*
 * Unit tests for the scheduling policy (sched/sched-policy*.c): plain
 * structs in, decisions out, no I/O; one pass at a time over a small
 * world (sched-world.h).  test-sched-policy-sim.c holds the random worlds
 * and the multi-pass runs.
 */
#include "unit.h"
#include "sched-world.h"
#include "common.h"

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

/* Runs the single-pass tests of the policy. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		world_test(test_gang_all_or_nothing),
		world_test(test_quota_blocks),
		world_test(test_quota_all_keys),
		world_test(test_quota_pending),
		world_test(test_type_order),
		world_test(test_cpu_job),
		world_test(test_unusable_nodes),
		world_test(test_never_fits),
		world_test(test_group_max_gpus),
		world_test(test_deps_and_max_running),
		world_test(test_priority_order),
		world_test(test_backfill),
		world_test(test_running_not_in_nodes),
		world_test(test_starving_first),
		world_test(test_nodes_unreadable),
		world_test(test_user_limits),
		world_test(test_memo_and_depth),
		cmocka_unit_test(test_usage_update),
		world_test(test_quota_storage),
		world_test(test_counted_per_replica),
		world_test(test_ending_entries),
		world_test(test_estimates),
		world_test(test_max_admit),
		world_test(test_unseen_any_and_blocks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
