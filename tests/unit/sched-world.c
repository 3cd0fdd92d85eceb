/* The policy tests' world (sched-world.h): building it and one pass. */
#include "unit.h"
#include "sched-world.h"
#include "common.h"

const char *const T_4090D[1] = { "RTX4090D" };
const char *const T_4090[1] = { "RTX4090" };
const char *const T_BOTH[2] = { "RTX4090D", "RTX4090" };

/* Each test starts from an empty world at T0 with default tunables. */
int
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
int
teardown(void **state)
{
	struct world *w = *state;

	sched_result_release(&w->res);
	free(w);
	return 0;
}

/* Adds a Ready, schedulable node with 32 CPUs and 256Gi. */
struct sched_node *
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
struct sched_job *
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
struct sched_running *
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
struct sched_quota *
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
void
quota_key(struct world *w, struct sched_quota *q, const char *key,
    int64_t hard, int64_t used)
{
	w->qitems[q - w->quotas][q->nitems++] = (struct sched_quota_item){
	    key, hard, used };
}

/* Runs one pass over the world as it stands. */
void
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
const struct sched_decision *
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
void
expect(struct world *w, int64_t id, enum sched_verdict v, const char *text)
{
	const struct sched_decision *d = dec(w, id);

	if (d->verdict != v || strstr(d->reason, text) == NULL)
		fail_msg("job %lld: verdict %d reason '%s'; wanted %d with '%s'",
		    (long long)id, d->verdict, d->reason, v, text);
}

/* Reasons of waiting jobs other than "held" must carry numbers. */
void
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
