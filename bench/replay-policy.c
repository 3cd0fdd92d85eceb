/*
 * bench/replay-policy: ailab-queue's pure scheduling policy (sched_pass)
 * replayed offline on a trace of bench/replay.py, in a discrete-event loop
 * with no pass latency, on the replay cluster's node model (20 x 8
 * RTX4090D, 20 x 8 RTX4090, 10 x 8 RTX3090).  It runs the policy as the
 * loop does: a pass at every arrival and end (and when the policy asks),
 * fair-share usage decayed between events, run-time estimates learned from
 * the runs that ended (sched-estimate.c), timeouts as users gave them.
 * Separating the policy from the loop's latency tells which of the two a
 * replay's figures come from.
 *
 * Usage: replay-policy TRACE.json OUT.json
 * OUT gets [{id, user, gpus, submit, start, end}] in seconds since the
 * trace's start, as replay.py's metrics read them.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched.h"
#include "sched-estimate.h"

#include "common.h"

#define GiB (1024LL * 1024 * 1024)
#define EPOCH 1800000000000LL	/* the trace's time 0, in ms */

struct rnode {
	char name[16];
	const char *product;
	int gpus_used;
};

struct rjob {
	int64_t id;
	char *name;
	char *user;
	const char *type[1];
	int ntypes;
	int gpus, replicas;
	int64_t submit, run, timeout;     /* s */
	int64_t start, end;               /* s; -1: not yet */
	int node[64];                     /* per replica */
};

static struct rnode nodes[50];
static size_t nnodes;

/* The replay cluster's nodes (bench/replay-cluster.yaml). */
static void
make_nodes(void)
{
	static const struct { const char *prefix, *product; int n; } g[] = {
		{ "d", "NVIDIA-GeForce-RTX-4090-D", 20 },
		{ "g", "NVIDIA-GeForce-RTX-4090", 20 },
		{ "a", "NVIDIA-GeForce-RTX-3090", 10 },
	};
	size_t i;
	int k;

	for (i = 0; i < nitems(g); i++)
		for (k = 0; k < g[i].n; k++) {
			snprintf(nodes[nnodes].name, sizeof nodes[0].name,
			    "%s%02d", g[i].prefix, k + 1);
			nodes[nnodes++].product = g[i].product;
		}
}

/* Reads the trace's jobs. */
static struct rjob *
load(const char *path, size_t *n)
{
	json_error_t err;
	json_t *t = json_load_file(path, 0, &err), *j;
	struct rjob *v;
	size_t i;

	if (t == NULL)
		fatalx("%s: %s", path, err.text);
	*n = json_array_size(json_object_get(t, "jobs"));
	v = xcalloc(*n + 1, sizeof *v);
	json_array_foreach(json_object_get(t, "jobs"), i, j) {
		const char *ty = json_string_value(json_object_get(j, "type"));

		v[i].id = json_integer_value(json_object_get(j, "id")) + 1;
		v[i].name = xstrdup(json_string_value(json_object_get(j,
		    "name")));
		v[i].user = xstrdup(json_string_value(json_object_get(j,
		    "user")));
		if (ty != NULL && strcmp(ty, "any") != 0) {
			v[i].type[0] = xstrdup(ty);
			v[i].ntypes = 1;
		}
		v[i].gpus = (int)json_integer_value(json_object_get(j, "gpus"));
		v[i].replicas = (int)json_integer_value(json_object_get(j,
		    "replicas"));
		v[i].submit = json_integer_value(json_object_get(j, "submit"));
		v[i].run = json_integer_value(json_object_get(j, "run"));
		v[i].timeout = json_integer_value(json_object_get(j,
		    "timeout"));
		v[i].start = v[i].end = -1;
	}
	json_decref(t);
	return v;
}

/* The node index of a name. */
static int
node_of(const char *name)
{
	size_t i;

	for (i = 0; i < nnodes; i++)
		if (strcmp(nodes[i].name, name) == 0)
			return (int)i;
	fatalx("unknown node %s", name);
}

/* One pass at time t over the world as it stands; admissions start. */
static void
pass_once(struct rjob *jobs, size_t n, int64_t t, struct sched_node *sn,
    struct sched_job *sj, struct sched_running *sr, const char **rn,
    struct sched_usage *su, char **owners, const double *usage,
    size_t nowners, struct sched_est *est, const struct sched_config *cfg,
    struct sched_result *res)
{
	struct sched_snapshot snap;
	struct rjob *j;
	size_t i, k, nq = 0, nr = 0;
	char *cause = NULL;

	memset(&snap, 0, sizeof snap);
	snap.now = EPOCH + t * 1000;
	for (i = 0; i < nnodes; i++)
		sn[i] = (struct sched_node){ .name = nodes[i].name,
		    .gpu_product = nodes[i].product, .alloc_cpu_milli = 64000,
		    .alloc_memory_bytes = 512 * GiB, .alloc_gpus = 8,
		    .req_gpus = nodes[i].gpus_used, .ready = true };
	for (i = 0; i < n; i++) {
		j = &jobs[i];
		if (j->start < 0 && j->submit <= t) {
			sj[nq] = (struct sched_job){ .id = j->id,
			    .owner = j->user, .namespace = "lab",
			    .priority = 500, .submitted_at = EPOCH +
			    j->submit * 1000, .gpu_types = j->type,
			    .ngpu_types = (size_t)j->ntypes, .gpus = j->gpus,
			    .replicas = j->replicas, .cpu_milli = 1000,
			    .memory_bytes = 4 * GiB, .timeout_s = j->timeout };
			if (j->timeout == 0)
				sj[nq].est_s = sched_est_get(est, j->user,
				    j->name, NULL, NULL, 0);
			nq++;
		} else if (j->start >= 0 && j->end > t) {
			for (k = 0; k < (size_t)j->replicas; k++)
				rn[nr * 64 + k] = nodes[j->node[k]].name;
			sr[nr] = (struct sched_running){ .id = j->id,
			    .owner = j->user, .gpu_type =
			    nodes[j->node[0]].product, .gpus = j->gpus,
			    .replicas = j->replicas, .cpu_milli = 1000,
			    .memory_bytes = 4 * GiB, .nodes = &rn[nr * 64],
			    .in_nodes = true, .started_at = EPOCH +
			    j->start * 1000, .timeout_s = j->timeout };
			if (j->timeout == 0)
				sr[nr].est_s = sched_est_get(est, j->user,
				    j->name, NULL, NULL, 0);
			nr++;
		}
	}
	for (k = 0; k < nowners; k++)
		su[k] = (struct sched_usage){ .owner = owners[k],
		    .gpu_hours = usage[k] };
	snap.jobs = sj;
	snap.njobs = nq;
	snap.nodes_readable = true;
	snap.nodes = sn;
	snap.nnodes = nnodes;
	snap.running = sr;
	snap.nrunning = nr;
	snap.usage = su;
	snap.nusage = nowners;
	if (sched_pass(&snap, cfg, res, &cause) != 0)
		fatalx("policy: %s", cause);
	for (i = 0; i < res->nadmitted; i++) {
		const struct sched_decision *d = &res->decisions[res->admitted[i]];

		for (k = 0; k < n; k++)
			if (jobs[k].id == d->job_id)
				break;
		j = &jobs[k];
		j->start = t;
		j->end = t + (j->timeout > 0 && j->timeout < j->run ?
		    j->timeout : j->run);
		for (k = 0; k < (size_t)j->replicas; k++) {
			j->node[k] = node_of(d->nodes[k]);
			nodes[j->node[k]].gpus_used += j->gpus;
		}
	}
}

int
main(int argc, char **argv)
{
	struct sched_node sn[50];
	struct sched_job *sj;
	struct sched_running *sr;
	struct sched_usage *su;
	const char **rn;
	struct sched_config cfg;
	struct sched_result res;
	struct sched_est *est = sched_est_new();
	struct rjob *jobs, *j;
	char **owners;
	double *usage;
	size_t n, i, k, nowners = 0, ended = 0, passes = 0;
	int64_t t, next, wake, last = 0;
	json_t *out;
	FILE *f;

	if (argc != 3) {
		fprintf(stderr, "usage: replay-policy TRACE.json OUT.json\n");
		return 2;
	}
	make_nodes();
	jobs = load(argv[1], &n);
	sj = xcalloc(n + 1, sizeof *sj);
	sr = xcalloc(n + 1, sizeof *sr);
	rn = xcalloc(n * 64 + 1, sizeof *rn);
	owners = xcalloc(n + 1, sizeof *owners);
	usage = xcalloc(n + 1, sizeof *usage);
	su = xcalloc(n + 1, sizeof *su);
	for (i = 0; i < n; i++) {
		for (k = 0; k < nowners; k++)
			if (strcmp(owners[k], jobs[i].user) == 0)
				break;
		if (k == nowners)
			owners[nowners++] = jobs[i].user;
	}
	sched_config_default(&cfg);
	/* Tunables to try, from the environment (the defaults otherwise). */
	if (getenv("SCHED_STARVE_S") != NULL)
		cfg.starve_s = strtoll(getenv("SCHED_STARVE_S"), NULL, 10);
	if (getenv("SCHED_TAU_COMMIT_S") != NULL)
		cfg.tau_commit_s = strtoll(getenv("SCHED_TAU_COMMIT_S"), NULL,
		    10);
	if (getenv("SCHED_MAX_RESERVATIONS") != NULL)
		cfg.max_reservations = (size_t)strtoll(getenv(
		    "SCHED_MAX_RESERVATIONS"), NULL, 10);
	t = 0;
	for (;;) {
		/* Usage decays; running GPUs are charged. */
		for (k = 0; k < nowners; k++) {
			double g = 0;

			for (i = 0; i < n; i++)
				if (jobs[i].start >= 0 && jobs[i].start <= last &&
				    jobs[i].end > last &&
				    strcmp(jobs[i].user, owners[k]) == 0)
					g += jobs[i].gpus * jobs[i].replicas;
			usage[k] = sched_usage_update(usage[k], g,
			    (t - last) * 1000, 7 * 86400 * 1000LL);
		}
		last = t;
		/* Ends free their nodes and teach the estimates. */
		for (i = 0; i < n; i++) {
			j = &jobs[i];
			if (j->start >= 0 && j->end == t) {
				for (k = 0; k < (size_t)j->replicas; k++)
					nodes[j->node[k]].gpus_used -= j->gpus;
				sched_est_add(est, j->user, j->name, NULL,
				    (j->end - j->start) * 1000);
				ended++;
				j->end = -t - 1;  /* done; keeps the end */
			}
		}
		/* Passes at this instant until one admits nothing. */
		do {
			pass_once(jobs, n, t, sn, sj, sr, rn, su, owners, usage,
			    nowners, est, &cfg, &res);
			passes++;
			wake = res.next_pass_ms >= 0 ? t + (res.next_pass_ms +
			    999) / 1000 : -1;
			k = res.nadmitted;
			sched_result_release(&res);
		} while (k > 0);
		if (ended == n)
			break;
		/* The next event: an arrival, an end, or the policy's wake. */
		next = INT64_MAX;
		for (i = 0; i < n; i++) {
			j = &jobs[i];
			if (j->start < 0 && j->submit > t && j->submit < next)
				next = j->submit;
			if (j->start >= 0 && j->end > t && j->end < next)
				next = j->end;
		}
		if (wake > t && wake < next)
			next = wake;
		if (next == INT64_MAX)
			fatalx("stuck at %lld with %zu of %zu ended",
			    (long long)t, ended, n);
		t = next;
	}
	out = json_array();
	for (i = 0; i < n; i++) {
		j = &jobs[i];
		json_array_append_new(out, json_pack("{s:I,s:s,s:i,s:I,s:I,s:I}",
		    "id", (json_int_t)(j->id - 1), "user", j->user, "gpus",
		    j->gpus * j->replicas, "submit", (json_int_t)j->submit,
		    "start", (json_int_t)j->start, "end",
		    (json_int_t)(-j->end - 1)));
	}
	if ((f = fopen(argv[2], "w")) == NULL)
		fatal("%s", argv[2]);
	json_dumpf(out, f, JSON_INDENT(1));
	fclose(f);
	fprintf(stderr, "%zu jobs, %zu passes\n", n, passes);
	json_decref(out);
	sched_est_free(est);
	return 0;
}
