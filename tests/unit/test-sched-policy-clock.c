/*
 * Unit tests for the policy against the cluster's clock: the backfill
 * chain.  The loop's "now" is the API server's Date, to the second, and a
 * pod's start is stamped to the second a little after its admission, so a
 * pass may see a start later than its own now.  Passes come a few hundred
 * ms apart.  A 1-GPU job backfilled onto a node a gang has reserved must
 * never move that reservation later: if its stamped start did, the next
 * one could plan to end with it, and the next, sliding the gang back for
 * as long as 1-GPU jobs keep coming.
 */
#include "unit.h"
#include "sched-world.h"
#include "common.h"

#define GAP 300          /* ms between passes */
#define LATENCY 400      /* ms from admission to the container's start */
#define RUN 3000         /* ms a 1-GPU job runs, of its 600 s timeout */
#define NSMALL 200       /* 1-GPU jobs, one arriving before each pass */
#define GANG 5           /* the 2x8 job's id */

/* A job of the simulation, in real ms (the cluster's true time). */
struct cjob {
	int64_t id;
	int gpus;
	int replicas;
	int64_t submit;
	int64_t run;             /* how long it runs once started */
	int64_t admit_real;      /* 0: not admitted */
	int64_t admit_now;       /* the pass's now when admitted */
	const char *nodes[2];
};

/* A time as the API server stamps it: to the second. */
static int64_t
to_sec(int64_t ms)
{
	return ms - ms % 1000;
}

/* The world as a pass at real time t sees it: what runs, what waits. */
static void
chain_world(struct world *w, struct cjob *cj, size_t n, int64_t t)
{
	size_t i, k;

	w->now = to_sec(t);
	w->nodes[0].req_gpus = w->nodes[1].req_gpus = 0;
	w->njobs = w->nrunning = 0;
	for (i = 0; i < n; i++) {
		struct cjob *c = &cj[i];
		int64_t start = c->admit_real + LATENCY;
		struct sched_running *r;

		if (c->admit_real == 0) {
			if (c->submit <= t)
				add_job(w, c->id, "bob", T_4090D, 1, c->gpus,
				    c->replicas, 600)->submitted_at = c->submit;
			continue;
		}
		if (t >= start + c->run)
			continue;
		r = &w->running[w->nrunning];
		memset(r, 0, sizeof *r);
		r->id = c->id;
		r->owner = "bob";
		r->gpu_type = P_4090D;
		r->gpus = c->gpus;
		r->replicas = c->replicas;
		r->cpu_milli = 1000;
		r->memory_bytes = 8 * GiB;
		r->nodes = c->nodes;
		r->in_nodes = true;
		/* The pod's stamped start once it runs; before, the loop's
		 * own time of the admission. */
		r->started_at = t >= start ? to_sec(start) : c->admit_now;
		r->admitted_at = c->admit_now;
		r->timeout_s = 600;
		for (k = 0; k < (size_t)c->replicas; k++)
			w->nodes[strcmp(c->nodes[k], "n1") == 0].req_gpus +=
			    c->gpus;
		w->nrunning++;
	}
}

/*
 * Four 1-GPU jobs run on two 8-GPU nodes; a 2x8 job waits and reserves
 * both; a 1-GPU job (timeout 600 s, runs 3 s) arrives before every pass.
 * The reservation never moves later, and the 2x8 job starts once the few
 * jobs that fitted before its reservation have ended, not after the
 * stream.
 */
static void
test_backfill_chain(void **state)
{
	struct world *w = *state;
	static struct cjob cj[NSMALL + 5];
	int64_t t, prev = 0, first = 0, started = 0;
	size_t i, k, n = 0, backfilled = 0;

	add_node(w, P_4090D, 8, 0);
	add_node(w, P_4090D, 8, 0);
	for (i = 1; i <= 4; i++)
		cj[n++] = (struct cjob){ .id = (int64_t)i, .gpus = 1,
		    .replicas = 1, .submit = T0 - 1000, .run = RUN };
	cj[n++] = (struct cjob){ .id = GANG, .gpus = 8, .replicas = 2,
	    .submit = T0 + 150, .run = 600000 };
	for (i = 0; i < NSMALL; i++)
		cj[n++] = (struct cjob){ .id = GANG + 1 + (int64_t)i,
		    .gpus = 1, .replicas = 1,
		    .submit = T0 + 100 + GAP * ((int64_t)i + 1) - 10,
		    .run = RUN };
	for (t = T0 + 100; t < T0 + 100 + GAP * (NSMALL + 20) && started == 0;
	    t += GAP) {
		chain_world(w, cj, n, t);
		pass(w);
		for (k = 0; k < w->res.nadmitted; k++) {
			const struct sched_decision *d =
			    &w->res.decisions[w->res.admitted[k]];

			for (i = 0; i < n && cj[i].id != d->job_id; i++)
				;
			assert_true(i < n);
			cj[i].admit_real = t;
			cj[i].admit_now = w->now;
			cj[i].nodes[0] = d->nodes[0];
			cj[i].nodes[1] = cj[i].replicas > 1 ? d->nodes[1] :
			    NULL;
			if (cj[i].id == GANG)
				started = t;
			else if (prev != 0)
				backfilled++;
		}
		if (started != 0 || t < T0 + 150 ||
		    dec(w, GANG)->verdict != SCHED_VERDICT_WAIT)
			continue;
		if (dec(w, GANG)->reserved_start > prev && prev != 0)
			fail_msg("at +%lld ms the 2x8 job's reservation moved "
			    "from +%lld to +%lld ms", (long long)(t - T0),
			    (long long)(prev - T0),
			    (long long)(dec(w, GANG)->reserved_start - T0));
		prev = dec(w, GANG)->reserved_start;
		if (first == 0)
			first = prev;
	}
	print_message("reserved at +%lld ms; %zu 1-GPU jobs backfilled; the "
	    "2x8 job started %lld ms after its submission\n",
	    (long long)(first - T0), backfilled,
	    (long long)(started - (T0 + 150)));
	assert_true(first != 0);
	assert_true(started != 0);
	/* The jobs that fitted in the reservation's first second end 3 s
	 * after they start; the stream after them does not count. */
	assert_true(started - (T0 + 150) <= 10000);
	assert_true(backfilled <= 4);
}

/*
 * One pass: a job admitted at the pass's now whose pod was stamped a
 * second later (the clock behind the stamp) is planned to end a timeout
 * after its admission, so the reservation waiting for it is not put back.
 */
static void
test_plan_from_admission(void **state)
{
	struct world *w = *state;
	struct sched_running *r;

	add_node(w, P_4090D, 8, 0);
	r = add_running(w, 1, "bob", 0, 4, T0 + 1000, 600);
	r->admitted_at = T0;
	w->nodes[0].req_gpus = 4;
	add_job(w, 2, "bob", T_4090D, 1, 8, 1, 600);
	pass(w);
	expect(w, 2, SCHED_VERDICT_WAIT, "reserved");
	assert_int_equal(dec(w, 2)->reserved_start, T0 + 600000);
	/* Without a plan, the stamped start is all there is. */
	r->admitted_at = 0;
	pass(w);
	assert_int_equal(dec(w, 2)->reserved_start, T0 + 601000);
	/* A stamp before the admission (a clock ahead) plans from it. */
	r->admitted_at = T0 + 2000;
	pass(w);
	assert_int_equal(dec(w, 2)->reserved_start, T0 + 601000);
}

/* Runs the policy's tests against the cluster's clock. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		world_test(test_backfill_chain),
		world_test(test_plan_from_admission),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
