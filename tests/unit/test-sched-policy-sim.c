/*
 * Unit tests for the scheduling policy over many passes: random worlds
 * checked against its invariants, and a tiny discrete-event loop running
 * the pure function to show no starvation and a fair share.
 */
#include "unit.h"
#include "sched-world.h"
#include "common.h"

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
			i = node_index(w, w->running[k].nodes[0]);
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
				i = node_index(w, d->nodes[q]);
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
				for (k = 0; k < (size_t)s->replicas; k++)
					w->nodes[node_index(w,
					    s->nodes[k])].req_gpus += s->gpus;
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

/* Runs the random and multi-pass tests of the policy. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		world_test(test_random_invariants),
		world_test(test_no_starvation),
		world_test(test_fair_share),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
