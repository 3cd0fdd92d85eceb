/*
 * bench/sched-policy: the cost of one scheduling pass of the pure policy.
 *
 * Builds a synthetic snapshot shaped like scheduling.md section 6 (most
 * jobs 1 GPU, a tail of 8-GPU and multi-node gangs, three GPU types, a
 * quota per namespace, a cluster mostly busy with running jobs whose ends
 * are spread over a day) and times sched_pass on it.  Prints wall time per
 * pass (best and median of the runs), what the pass decided and the peak
 * RSS.  Usage: sched-policy [JOBS NODES [RUNS]]; with no arguments it runs
 * 100,000 jobs on 5,000 nodes and 32,000 jobs on 1,000 nodes.  Each
 * configuration runs in its own child process, so each peak RSS is its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "sched.h"

#include "common.h"

#define GiB (1024LL * 1024 * 1024)
#define NOW 1800000000000LL
#define NOWNERS 500

static const char *const products[] = {
	"NVIDIA-GeForce-RTX-4090-D", "NVIDIA-GeForce-RTX-4090",
	"NVIDIA-GeForce-RTX-3090",
};
static const char *const tl_d[] = { "RTX4090D" };
static const char *const tl_4[] = { "RTX4090" };
static const char *const tl_3[] = { "RTX3090" };
static const char *const tl_d4[] = { "RTX4090D", "RTX4090" };
static const char *const tl_43[] = { "RTX4090", "RTX3090" };
/* A job's GPU types by its draw of ten: 30% RTX4090D, 20% RTX4090, 10%
 * RTX3090, 20% either 4090, 10% RTX4090 or RTX3090, 10% any. */
static const struct {
	const char *const *types;
	size_t n;
} gpu_lists[10] = {
	{ tl_d, 1 }, { tl_d, 1 }, { tl_d, 1 }, { tl_4, 1 }, { tl_4, 1 },
	{ tl_3, 1 }, { tl_d4, 2 }, { tl_d4, 2 }, { tl_43, 2 }, { NULL, 0 },
};

struct bench {
	struct sched_node *nodes;
	char (*node_names)[24];
	struct sched_job *jobs;
	struct sched_running *running;
	const char **run_nodes;
	struct sched_quota *quotas;
	struct sched_quota_item *qitems;
	struct sched_usage *usage;
	char (*owners)[16];
	size_t nnodes, njobs, nrunning;
	struct sched_snapshot snap;
};

static uint64_t rng = 88172645463325252ull;

/* xorshift: the same snapshot on every run and machine. */
static uint32_t
bench_rand(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

/* GPUs per replica and replicas, in the proportions of section 6. */
static void
bench_shape(int *gpus, int *replicas)
{
	uint32_t r = bench_rand(100);

	*replicas = 1;
	if (r < 45)
		*gpus = 1;
	else if (r < 70)
		*gpus = 2;
	else if (r < 85)
		*gpus = 4;
	else if (r < 96)
		*gpus = 8;
	else {
		*gpus = r < 98 ? 4 : 8;
		*replicas = 2 + (int)bench_rand(3);
	}
}

/* The synthetic cluster and queue. */
static void
bench_build(struct bench *b, size_t njobs, size_t nnodes)
{
	size_t i, o;
	int64_t gpus_left;

	memset(b, 0, sizeof *b);
	b->njobs = njobs;
	b->nnodes = nnodes;
	b->nodes = xcalloc(nnodes, sizeof *b->nodes);
	b->node_names = xcalloc(nnodes, sizeof *b->node_names);
	b->jobs = xcalloc(njobs, sizeof *b->jobs);
	b->running = xcalloc(nnodes * 8, sizeof *b->running);
	b->run_nodes = xcalloc(nnodes * 8, sizeof *b->run_nodes);
	b->owners = xcalloc(NOWNERS, sizeof *b->owners);
	b->usage = xcalloc(NOWNERS, sizeof *b->usage);
	b->quotas = xcalloc(NOWNERS, sizeof *b->quotas);
	b->qitems = xcalloc(NOWNERS * 4, sizeof *b->qitems);
	for (o = 0; o < NOWNERS; o++) {
		snprintf(b->owners[o], sizeof b->owners[o], "user%03zu", o);
		b->usage[o] = (struct sched_usage){ .owner = b->owners[o],
		    .gpu_hours = (double)bench_rand(5000) / 10.0 };
		b->quotas[o] = (struct sched_quota){ b->owners[o], "quota",
		    &b->qitems[o * 4], 4 };
		b->qitems[o * 4 + 0] = (struct sched_quota_item){
		    "requests.nvidia.com/gpu", 64, 0 };
		b->qitems[o * 4 + 1] = (struct sched_quota_item){
		    "requests.cpu", 512000, 0 };
		b->qitems[o * 4 + 2] = (struct sched_quota_item){
		    "requests.memory", 4096 * GiB, 0 };
		b->qitems[o * 4 + 3] = (struct sched_quota_item){ "pods", 200,
		    0 };
	}
	/* Nodes: 40% 4090D, 40% 4090, 20% 3090; 8 GPUs, mostly busy. */
	for (i = 0; i < nnodes; i++) {
		struct sched_node *n = &b->nodes[i];
		size_t p = i % 5 < 2 ? 0 : i % 5 < 4 ? 1 : 2;

		snprintf(b->node_names[i], sizeof b->node_names[i],
		    "node-%05u", (unsigned)i);
		n->name = b->node_names[i];
		n->gpu_product = products[p];
		n->alloc_gpus = 8;
		n->alloc_cpu_milli = 64000;
		n->alloc_memory_bytes = 512 * GiB;
		n->ready = i % 100 != 7;
		n->unschedulable = i % 250 == 3;
		/* running jobs fill about 90% of the GPUs */
		gpus_left = 8 - (bench_rand(10) < 3 ? bench_rand(5) : 0);
		while (gpus_left > 0) {
			struct sched_running *r = &b->running[b->nrunning];
			int g = 1 << bench_rand(4);

			if (g > gpus_left)
				g = (int)gpus_left;
			gpus_left -= g;
			o = bench_rand(NOWNERS);
			b->run_nodes[b->nrunning] = n->name;
			r->id = 1000000 + (int64_t)b->nrunning;
			r->owner = b->owners[o];
			r->gpu_type = products[p];
			r->gpus = g;
			r->replicas = 1;
			r->cpu_milli = 4000LL * g;
			r->memory_bytes = 32 * GiB * g;
			r->nodes = &b->run_nodes[b->nrunning];
			r->in_nodes = true;
			r->started_at = NOW - (int64_t)bench_rand(3600) * 1000;
			r->timeout_s = bench_rand(4) == 0 ? 0 :
			    600 + (int64_t)bench_rand(86400);
			n->req_gpus += g;
			n->req_cpu_milli += r->cpu_milli;
			n->req_memory_bytes += r->memory_bytes;
			b->qitems[o * 4].used += g;
			b->nrunning++;
		}
	}
	for (o = 0; o < NOWNERS; o++) {
		if (b->qitems[o * 4].used > b->qitems[o * 4].hard)
			b->qitems[o * 4].hard = b->qitems[o * 4].used + 16;
	}
	for (i = 0; i < njobs; i++) {
		struct sched_job *j = &b->jobs[i];
		uint32_t t = bench_rand(10);

		o = bench_rand(NOWNERS);
		j->id = (int64_t)i + 1;
		j->owner = b->owners[o];
		j->namespace = b->owners[o];
		j->priority = bench_rand(10) == 0 ? 900 :
		    bench_rand(10) == 0 ? 100 : 500;
		j->submitted_at = NOW - (int64_t)(njobs - i) * 1000;
		bench_shape(&j->gpus, &j->replicas);
		j->cpu_milli = 4000LL * j->gpus;
		j->memory_bytes = 32 * GiB * j->gpus;
		j->workload = j->replicas > 1 ? SCHED_WORKLOAD_DEPLOYMENT :
		    SCHED_WORKLOAD_JOB;
		j->service = j->replicas > 1;
		j->gpu_types = gpu_lists[t].types;
		j->ngpu_types = gpu_lists[t].n;
		j->timeout_s = bench_rand(10) < 7 ?
		    600 + (int64_t)bench_rand(86400) : 0;
		j->held = bench_rand(50) == 0;
		if (bench_rand(50) == 0) {
			j->deps = SCHED_DEPS_PENDING;
			j->dep_job = j->id - 1;
		}
	}
	b->snap = (struct sched_snapshot){ .now = NOW,
	    .jobs = b->jobs, .njobs = njobs,
	    .quotas = b->quotas, .nquotas = NOWNERS,
	    .nodes_readable = true,
	    .nodes = b->nodes, .nnodes = nnodes,
	    .running = b->running, .nrunning = b->nrunning,
	    .usage = b->usage, .nusage = NOWNERS };
}

/* Frees the synthetic snapshot. */
static void
bench_free(struct bench *b)
{
	free(b->nodes);
	free(b->node_names);
	free(b->jobs);
	free(b->running);
	free(b->run_nodes);
	free(b->owners);
	free(b->usage);
	free(b->quotas);
	free(b->qitems);
}

/* Milliseconds on a clock, for timing only. */
static double
bench_ms(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Peak RSS of the process so far, in MiB. */
static double
bench_rss_mib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_maxrss / 1024.0;
}

/* Times runs passes of one configuration and prints one line. */
static void
bench_run(size_t njobs, size_t nnodes, int runs, bool empty)
{
	struct sched_config cfg;
	struct sched_result res;
	struct bench b;
	double t[64], cpu[64], rss0, t0, c0;
	size_t i, never = 0, wait = 0, quota = 0, untested = 0, other = 0;
	char *cause = NULL;
	int r;

	if (runs > 64)
		runs = 64;
	bench_build(&b, njobs, nnodes);
	if (empty) {
		/* Nothing running: the pass is admission-heavy. */
		b.snap.nrunning = 0;
		for (i = 0; i < nnodes; i++) {
			b.nodes[i].req_gpus = 0;
			b.nodes[i].req_cpu_milli = 0;
			b.nodes[i].req_memory_bytes = 0;
		}
		for (i = 0; i < NOWNERS; i++)
			b.qitems[i * 4].used = 0;
	}
	sched_config_default(&cfg);
	rss0 = bench_rss_mib();
	memset(&res, 0, sizeof res);
	for (r = 0; r < runs; r++) {
		sched_result_release(&res);
		t0 = bench_ms(CLOCK_MONOTONIC);
		c0 = bench_ms(CLOCK_PROCESS_CPUTIME_ID);
		if (sched_pass(&b.snap, &cfg, &res, &cause) != 0) {
			fprintf(stderr, "sched_pass: %s\n", cause);
			exit(1);
		}
		t[r] = bench_ms(CLOCK_MONOTONIC) - t0;
		cpu[r] = bench_ms(CLOCK_PROCESS_CPUTIME_ID) - c0;
	}
	for (i = 0; i < res.ndecisions; i++) {
		if (res.decisions[i].verdict == SCHED_VERDICT_NEVER)
			never++;
		else if (res.decisions[i].verdict == SCHED_VERDICT_WAIT) {
			wait++;
			if (strncmp(res.decisions[i].reason, "quota", 5) == 0)
				quota++;
			else if (strncmp(res.decisions[i].reason, "not tested",
			    10) == 0)
				untested++;
			else
				other++;
		}
	}
	qsort(t, (size_t)runs, sizeof t[0], bench_cmp);
	qsort(cpu, (size_t)runs, sizeof cpu[0], bench_cmp);
	printf("%zu jobs, %zu nodes (%s, %zu running): best %.1f ms, "
	    "median %.1f ms (CPU %.1f ms) over %d passes; admitted %zu, waiting %zu "
	    "(quota %zu, past the backfill depth %zu, other %zu), "
	    "never %zu, reservations %zu, placements %zu, memo hits %zu; "
	    "peak RSS %.0f MiB (%.0f MiB before the passes)\n",
	    njobs, nnodes, empty ? "empty cluster" : "busy cluster",
	    empty ? (size_t)0 : b.nrunning, t[0], t[runs / 2],
	    cpu[runs / 2], runs,
	    res.nadmitted, wait, quota, untested, other, never,
	    res.nreservations, res.placements,
	    res.memo_hits, bench_rss_mib(), rss0);
	sched_result_release(&res);
	bench_free(&b);
}

/* Runs one configuration in a child, so that its peak RSS is its own. */
static void
bench_child(size_t jobs, size_t nodes, int runs, bool empty)
{
	pid_t pid;
	int st;

	fflush(stdout);
	pid = fork();
	if (pid == -1) {
		perror("fork");
		exit(1);
	}
	if (pid == 0) {
		bench_run(jobs, nodes, runs, empty);
		fflush(stdout);
		_exit(0);
	}
	if (waitpid(pid, &st, 0) == -1 || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0)
		exit(1);
}

/* Times the configurations asked for, or the four of the docs. */
int
main(int argc, char **argv)
{
	size_t jobs, nodes;
	int runs = 5;

	if (argc >= 3) {
		jobs = strtoul(argv[1], NULL, 10);
		nodes = strtoul(argv[2], NULL, 10);
		if (argc >= 4)
			runs = atoi(argv[3]);
		if (jobs == 0 || nodes == 0 || runs < 1) {
			fprintf(stderr, "usage: sched-policy [JOBS NODES "
			    "[RUNS]]\n");
			return 2;
		}
		bench_child(jobs, nodes, runs, false);
		bench_child(jobs, nodes, runs, true);
		return 0;
	}
	bench_child(100000, 5000, runs, false);
	bench_child(100000, 5000, runs, true);
	bench_child(32000, 1000, runs, false);
	bench_child(32000, 1000, runs, true);
	return 0;
}
