/*
 * sched-snap-run.c: the snapshot's entries of the jobs that hold room on
 * the cluster: admitted and running jobs with where each replica is and
 * what their quota does not count yet, and ended jobs whose pods are still
 * being deleted.  A running job that is steady (sched-follow.c: nothing
 * of it changed since it was last followed) reuses the entry the last
 * snapshot made of it.
 */
#include "sched-loop-int.h"

#include <stdlib.h>
#include <string.h>

#include "common.h"

/* True if the cluster-wide pods counted this pod on its node (always, in
 * namespace-only sight, where nodes are not the policy's to count). */
static bool
sched_pod_booked(struct sched_loop *loop, const json_t *p)
{
	return !loop->pods_ok || sched_cache_pod_booked(loop->cc,
	    kube_obj_namespace(p), kube_obj_name(p));
}

/*
 * Where each replica of an admitted job is, for the policy: a bound pod's
 * node (already in the node's requested amounts), else the node the job
 * was placed on at admission (taken by the policy itself, so that
 * capacity is never handed out twice while pods are being made).  *buf
 * keeps the placement's text the names point into.
 */
static void
sched_snap_placement(struct sched_loop *loop, const struct store_job *j,
    const json_t *pods, const char **nodes, bool *counted, char **buf)
{
	const json_t *p;
	const char *node;
	char *s, *next;
	size_t k;
	int r;

	json_array_foreach(pods, k, p) {
		r = spec_pod_rank(p);
		node = kube_pod_node(p);
		if (r < 0 || r >= j->replicas || node == NULL)
			continue;
		nodes[r] = node;
		/* Counted only if the store the nodes' requests come from
		 * has it bound: our pods and everyone's are two watches. */
		counted[r] = sched_pod_booked(loop, p);
	}
	*buf = NULL;
	if (j->run_nodes == NULL || *j->run_nodes == '\0')
		return;
	*buf = xstrdup(j->run_nodes);
	for (s = *buf, r = 0; s != NULL && r < j->replicas; s = next, r++) {
		if ((next = strchr(s, ',')) != NULL)
			*next++ = '\0';
		if (!counted[r] && *s != '\0')
			nodes[r] = s;
	}
}

/*
 * An ended job whose pods are still being deleted: they hold their nodes
 * (kube-scheduler places nothing there until they are gone), and the
 * policy expects the room back now, so reservations are not pushed away.
 */
void
sched_snap_ending(struct sched_loop *loop, const struct store_job *j,
    struct sched_snap_store *ss)
{
	struct sched_running *sr;
	json_t *pods = sched_job_objects(loop, j, SCHED_OBJ_PODS), *p;
	size_t k, n = 0;

	/* Pods already being deleted are entries of their own. */
	json_array_foreach(pods, k, p) {
		if (kube_pod_node(p) != NULL && !kube_pod_is_terminal(p) &&
		    !sched_pod_is_deleting(p))
			n++;
	}
	if (n == 0)
		return;
	sr = sched_snap_entry(ss, n);
	json_array_foreach(pods, k, p) {
		if (kube_pod_node(p) == NULL || kube_pod_is_terminal(p) ||
		    sched_pod_is_deleting(p))
			continue;
		ss->rcounted[ss->nrunning][sr->replicas] =
		    sched_pod_booked(loop, p);
		ss->rnodes[ss->nrunning][sr->replicas++] = kube_pod_node(p);
	}
	sr->id = j->id;
	sr->owner = j->owner;
	sr->group = j->group;
	sr->gpu_type = *j->run_gpu_type ? j->run_gpu_type : NULL;
	sr->gpus = j->gpu_count;
	sr->cpu_milli = j->cpu_milli;
	sr->memory_bytes = j->memory_bytes;
	sr->started_at = loop->now;
	sr->ends_at = loop->now;
	ss->nrunning++;
}

/* An admitted job's replicas whose pods the quota's status may not count
 * yet (none made, or just seen): what they take of the namespace's quota. */
static void
sched_snap_pending(struct sched_snap_store *ss, const struct store_job *j,
    const struct sched_spec *sp, int replicas)
{
	struct sched_job tmp;
	int64_t need[SCHED_NRES];
	struct sched_pending *pe = NULL;
	size_t k;
	int x;

	memset(&tmp, 0, sizeof tmp);
	tmp.gpus = j->gpu_count;
	tmp.replicas = replicas;
	tmp.cpu_milli = j->cpu_milli;
	tmp.memory_bytes = j->memory_bytes;
	if (sp != NULL) {
		tmp.nscratch = sp->nscratch;
		tmp.scratch_bytes = sp->scratch_bytes;
	}
	sched_job_quota_need(&tmp, need);
	for (k = 0; k < ss->npending; k++)
		if (strcmp(ss->pending[k].namespace, j->namespace) == 0)
			pe = &ss->pending[k];
	if (pe == NULL) {
		pe = &ss->pending[ss->npending++];
		pe->namespace = j->namespace;
	}
	/* Count only pods; the objects exist already. */
	for (x = 0; x < SCHED_NRES; x++)
		if (x != SCHED_RES_DEPLOYMENTS && x != SCHED_RES_JOBS &&
		    x != SCHED_RES_SERVICES)
			pe->amount[x] += need[x];
}

/*
 * How many replicas of an admitted job the namespace's quota status may
 * not count yet: those without a pod of this attempt, and those whose pod
 * came on its watch before the quota's change did (sched-cache.h).
 */
static int
sched_snap_unquoted(struct sched_loop *loop, const struct store_job *j,
    const json_t *pods)
{
	bool *in = xcalloc((size_t)j->replicas + 1, sizeof *in);
	const json_t *p;
	int r, n = j->replicas;
	size_t k;

	json_array_foreach(pods, k, p) {
		r = spec_pod_rank(p);
		if (r < 0 || r >= j->replicas || in[r] ||
		    !sched_cache_pod_in_quota(loop->cc, p,
		    SCHED_QUOTA_GRACE_MS))
			continue;
		in[r] = true;
		n--;
	}
	free(in);
	return n;
}

/* The now this process admitted the job's attempt at, or 0 (admitted by
 * another process, or before a restart: its start plans it then). */
static int64_t
sched_plan_of(struct sched_loop *loop, const struct store_job *j)
{
	const struct sched_centry *e = sched_jtab_find(&loop->jtab, j->id);

	if (e == NULL || e->plan_attempt != j->attempts)
		return 0;
	return e->plan_at;
}

/* The part of a running job's entry its store row gives. */
static struct sched_running *
sched_snap_run_head(struct sched_loop *loop, const struct store_job *j,
    struct sched_snap_store *ss, const struct sched_spec **sp)
{
	struct sched_running *sr = sched_snap_entry(ss, (size_t)j->replicas);

	sr->id = j->id;
	sr->owner = j->owner;
	sr->group = j->group;
	sr->gpu_type = *j->run_gpu_type ? j->run_gpu_type : NULL;
	sr->gpus = j->gpu_count;
	sr->replicas = j->replicas;
	sr->cpu_milli = j->cpu_milli;
	sr->memory_bytes = j->memory_bytes;
	if ((*sp = sched_spec_of(loop, j, NULL)) != NULL)
		sr->timeout_s = (*sp)->timeout_s;
	sr->est_s = sched_estimate(loop, j, NULL);
	sr->admitted_at = sched_plan_of(loop, j);
	return sr;
}

/*
 * A steady running job's entry from what the last snapshot found (every
 * replica bound, counted in its node and its quota; the start from its
 * pods): nothing of it changed since, or it would have been followed.
 * False if there is none to reuse.
 */
static bool
sched_snap_run_kept(struct sched_loop *loop, struct store_job *j,
    struct sched_snap_store *ss)
{
	struct sched_centry *e = sched_jtab_find(&loop->jtab, j->id);
	struct sched_running *sr;
	const struct sched_spec *sp;
	int r;

	if (e == NULL || !e->steady || e->run == NULL ||
	    e->run->replicas != j->replicas)
		return false;
	sr = sched_snap_run_head(loop, j, ss, &sp);
	for (r = 0; r < j->replicas; r++) {
		ss->rnodes[ss->nrunning][r] = e->run->nodes[r];
		ss->rcounted[ss->nrunning][r] = true;
	}
	sr->started_at = e->run->started_at;
	ss->nrunning++;
	return true;
}

/* Keeps a steady running job's entry for the next snapshots, when every
 * replica is bound and counted and its start is its pods'. */
static void
sched_snap_run_keep(struct sched_loop *loop, const struct store_job *j,
    const struct sched_running *sr, bool from_pods)
{
	struct sched_centry *e = sched_jtab_find(&loop->jtab, j->id);
	int r;

	if (e == NULL || !e->steady || e->run != NULL || !from_pods ||
	    j->state != STORE_RUNNING)
		return;
	for (r = 0; r < j->replicas; r++)
		if (!sr->counted[r] || sr->nodes[r] == NULL)
			return;
	e->run = xcalloc(1, sizeof *e->run);
	e->run->replicas = j->replicas;
	e->run->started_at = sr->started_at;
	e->run->nodes = xcalloc((size_t)j->replicas, sizeof *e->run->nodes);
	for (r = 0; r < j->replicas; r++)
		e->run->nodes[r] = xstrdup(sr->nodes[r]);
}

/* An admitted or running job: what it holds, and where. */
void
sched_snap_running(struct sched_loop *loop, struct store_job *j,
    struct sched_snap_store *ss)
{
	struct sched_running *sr;
	const struct sched_spec *sp;
	json_t *pods;
	int uncounted;

	if (sched_snap_run_kept(loop, j, ss))
		return;
	sr = sched_snap_run_head(loop, j, ss, &sp);
	pods = sched_attempt_pods(loop, j);
	sched_snap_placement(loop, j, pods, ss->rnodes[ss->nrunning],
	    ss->rcounted[ss->nrunning], &ss->rplaced[ss->nrunning]);
	uncounted = sched_snap_unquoted(loop, j, pods);
	/*
	 * The start on the cluster's own clock, as the timeout is enforced:
	 * the store's times are this host's, and a fast or skewed cluster
	 * clock would make the planned ends drift.
	 */
	sr->started_at = sched_job_started(pods);
	json_decref(pods);
	if (uncounted == 0)
		sched_snap_run_keep(loop, j, sr, sr->started_at != 0);
	if (sr->started_at == 0)
		sr->started_at = sched_job_created(loop, j);
	if (sr->started_at == 0)
		sr->started_at = sched_cluster_time(loop, j->started_at != 0 ?
		    j->started_at : j->admitted_at);
	if (uncounted > 0)
		sched_snap_pending(ss, j, sp, uncounted);
	ss->nrunning++;
}
