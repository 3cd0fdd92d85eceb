/*
 * sched-snap.c: the policy's snapshot (sched.h) from the store's jobs and
 * the cache: waiting jobs with their dependencies, admitted and running
 * jobs with where each replica is, pods being deleted, quotas with what
 * they do not count yet, nodes with what their pods request.
 */
#include "sched-loop-int.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

/* Makes room for n more running entries in the snapshot. */
static void
sched_snap_room(struct sched_snap_store *ss, size_t n)
{
	size_t cap = ss->nrunning + n;

	if (cap <= ss->caprunning)
		return;
	if (cap < ss->caprunning * 2)
		cap = ss->caprunning * 2;
	ss->running = xreallocarray(ss->running, cap, sizeof *ss->running);
	ss->rnodes = xreallocarray(ss->rnodes, cap, sizeof *ss->rnodes);
	ss->rcounted = xreallocarray(ss->rcounted, cap, sizeof *ss->rcounted);
	ss->rplaced = xreallocarray(ss->rplaced, cap, sizeof *ss->rplaced);
	memset(ss->running + ss->caprunning, 0, (cap - ss->caprunning) *
	    sizeof *ss->running);
	memset(ss->rnodes + ss->caprunning, 0, (cap - ss->caprunning) *
	    sizeof *ss->rnodes);
	memset(ss->rcounted + ss->caprunning, 0, (cap - ss->caprunning) *
	    sizeof *ss->rcounted);
	memset(ss->rplaced + ss->caprunning, 0, (cap - ss->caprunning) *
	    sizeof *ss->rplaced);
	ss->caprunning = cap;
}

/* See sched-loop-int.h. */
struct sched_running *
sched_snap_entry(struct sched_snap_store *ss, size_t n)
{
	struct sched_running *sr;

	sched_snap_room(ss, 1);
	sr = &ss->running[ss->nrunning];
	memset(sr, 0, sizeof *sr);
	ss->rnodes[ss->nrunning] = xcalloc(n + 1, sizeof **ss->rnodes);
	ss->rcounted[ss->nrunning] = xcalloc(n + 1, sizeof **ss->rcounted);
	sr->nodes = ss->rnodes[ss->nrunning];
	sr->counted = ss->rcounted[ss->nrunning];
	return sr;
}

/* True for a pod being deleted (it holds its node until it is gone). */
bool
sched_pod_is_deleting(const json_t *p)
{
	return json_object_get(json_object_get(p, "metadata"),
	    "deletionTimestamp") != NULL;
}

/*
 * A pod being deleted, anyone's: it holds its node a little longer, and
 * the policy expects the room back now (an entry that only takes and
 * releases room), so reservations are not pushed away while it goes.
 */
static void
sched_snap_deleting(struct sched_snap_store *ss,
    const struct sched_cdeleting *d, int64_t now)
{
	struct sched_running *sr = sched_snap_entry(ss, 1);

	ss->rnodes[ss->nrunning][0] = d->node;
	ss->rcounted[ss->nrunning][0] = true;
	sr->owner = d->ns;
	sr->replicas = 1;
	sr->gpus = (int)d->gpus;
	sr->cpu_milli = d->cpu_milli;
	sr->memory_bytes = d->memory_bytes;
	sr->started_at = now;
	sr->ends_at = now;
	ss->nrunning++;
}

/*
 * The nodes as the cache keeps them, each with what the pods bound to it
 * and not ended request, pods being deleted included: they hold the node
 * until they are gone (sched_snap_deleting and sched_snap_ending tell the
 * policy when it gets the room back).
 */
static void
sched_snap_nodes(struct sched_loop *loop, struct sched_snap_store *ss)
{
	struct sched_cnode *const *cn;
	struct sched_cdeleting d;
	struct sched_map bynode;
	int64_t cpu, mem, gpu;
	size_t i, n, w = 0;

	cn = sched_cache_nodes(loop->cc, &n);
	if (n + 1 > ss->capnodes) {
		ss->capnodes = n + 1;
		ss->nodes = xreallocarray(ss->nodes, ss->capnodes,
		    sizeof *ss->nodes);
	}
	ss->nnodes = n;
	sched_map_init(&bynode);
	for (i = 0; i < n; i++) {
		ss->nodes[i] = cn[i]->node;
		sched_cache_node_requests(loop->cc, ss->nodes[i].name, &cpu,
		    &mem, &gpu);
		ss->nodes[i].req_cpu_milli = cpu;
		ss->nodes[i].req_memory_bytes = mem;
		ss->nodes[i].req_gpus = (int)gpu;
	}
	while (sched_cache_next_deleting(loop->cc, &w, &d)) {
		if (sched_map_count(&bynode) == 0)
			for (i = 0; i < n; i++)
				sched_map_put_index(&bynode,
				    ss->nodes[i].name, i);
		if (sched_map_get_index(&bynode, d.node) != (size_t)-1)
			sched_snap_deleting(ss, &d, loop->now);
	}
	sched_map_release(&bynode, NULL);
}

/* Reads each namespace's quotas: status.hard and status.used per key. */
static void
sched_snap_quotas(struct sched_loop *loop, struct sched_snap_store *ss)
{
	struct sched_quota_item *items;
	struct sched_ns *ns;
	json_t *q, *hard, *v;
	const char *key;
	size_t i, n;

	ss->qobjs = sched_cache_quotas(loop->cc);
	ss->quotas = xcalloc(json_array_size(ss->qobjs) + 1,
	    sizeof *ss->quotas);
	ss->qitems = xcalloc(json_array_size(ss->qobjs) + 1,
	    sizeof *ss->qitems);
	json_array_foreach(ss->qobjs, i, q) {
		ns = sched_ns_find(loop, kube_obj_namespace(q));
		if (ns == NULL || ns->failed)
			continue;
		hard = json_object_get(json_object_get(q, "status"), "hard");
		items = xcalloc(json_object_size(hard) + 1, sizeof *items);
		n = 0;
		json_object_foreach(hard, key, v) {
			if (kube_quota_get(q, key, &items[n].hard,
			    &items[n].used, NULL) != 0)
				continue;
			items[n++].key = key;
		}
		ss->qitems[ss->nquotas] = items;
		ss->quotas[ss->nquotas].namespace = ns->name;
		ss->quotas[ss->nquotas].name = kube_obj_name(q);
		ss->quotas[ss->nquotas].items = items;
		ss->quotas[ss->nquotas].nitems = n;
		ss->nquotas++;
	}
}

/* What the store knows of the jobs an `after` entry names, asked once a
 * pass per name or id: the owner's own jobs only, oldest first. */
static struct sched_depmemo *
sched_dep_memo(struct sched_loop *loop, const struct store_job *j,
    const char *ref, int64_t id, bool group)
{
	struct store_filter f = { .all = true };
	struct store_job **found = NULL, *d = NULL;
	struct sched_depmemo *m;
	size_t n = 0, i;
	char *key;

	key = id > 0 ? xprintf("%s\t#%lld", j->owner, (long long)id) :
	    group ? xprintf("%s\tgroup:%s", j->owner, ref) :
	    xprintf("%s\t%s/%s", j->owner, j->namespace, ref);
	if ((m = sched_map_get(&loop->depmemo, key)) != NULL) {
		free(key);
		return m;
	}
	m = xcalloc(1, sizeof *m);
	if (id > 0) {
		if (store_get(loop->store, id, &d, NULL) == 0 && d != NULL &&
		    strcmp(d->owner, j->owner) == 0) {
			found = &d;
			n = 1;
		}
	} else {
		if (group) {
			/* Within the job's owner's own groups. */
			f.group = ref;
			f.group_owner = j->owner;
		} else
			f.name = ref;
		if (store_list(loop->store, &f, &found, &n, NULL) != 0)
			n = 0;
	}
	m->ids = xcalloc(n + 1, sizeof *m->ids);
	m->states = xcalloc(n + 1, sizeof *m->states);
	for (i = 0; i < n; i++) {
		if (strcmp(found[i]->namespace, j->namespace) != 0 &&
		    id == 0 && !group)
			continue;
		if (strcmp(found[i]->owner, j->owner) != 0)
			continue;
		m->ids[m->n] = found[i]->id;
		m->states[m->n++] = found[i]->state;
	}
	if (id > 0)
		store_job_free(d);
	else
		store_jobs_free(found, n);
	sched_map_put(&loop->depmemo, key, m);
	free(key);
	return m;
}

/* What a dependency of kind k makes of the states it names: whether all
 * ended, whether one ended without success. */
static enum sched_deps
sched_dep_verdict(enum after_kind k, bool all_ended, bool any_bad)
{
	switch (k) {
	case AFTER_OK:
		if (any_bad)
			return SCHED_DEPS_FAILED;
		break;
	case AFTER_ANY:
		break;
	case AFTER_FAILED:
		if (all_ended && !any_bad)
			return SCHED_DEPS_FAILED;
		break;
	}
	return all_ended ? SCHED_DEPS_SATISFIED : SCHED_DEPS_PENDING;
}

/* A job's state as this pass knows it: its own view when the job is one
 * of this pass's, else the store's. */
static enum store_state
sched_dep_now(struct sched_loop *loop, int64_t id, enum store_state stored)
{
	struct sched_centry *e = sched_jtab_find(&loop->jtab, id);

	return e != NULL ? e->job->state : stored;
}

/*
 * The state of what an entry names (common.h: after_parse): a job by id,
 * the latest job of a name in the same namespace, or every job of a
 * group, judged by the entry's kind (after: all succeeded; after_any: all
 * ended; after_failed: all ended, one without success).  Only the
 * submitter's own jobs resolve: another owner's job is "not found" like
 * one that never was, so `after` neither tells whether it exists nor lets
 * one user gate on another's.  *dep is the job the reason names: one
 * still running, one that decided, or 0 for not found.
 */
static enum sched_deps
sched_dep_state(struct sched_loop *loop, const struct store_job *j,
    const char *ref, int64_t *dep)
{
	struct sched_centry *e;
	struct sched_depmemo *m;
	struct after_ref r;
	enum store_state st;
	bool known = false, all_ended = true, any_bad = false;
	int64_t pending = 0, bad = 0, last = 0;
	size_t i;

	*dep = 0;
	if (after_parse(ref, &r) != 0)
		return SCHED_DEPS_FAILED;
	if (r.id > 0 && (e = sched_jtab_find(&loop->jtab, r.id)) != NULL) {
		if (strcmp(e->job->owner, j->owner) != 0)
			return SCHED_DEPS_FAILED;
		known = true;
		last = r.id;
		st = e->job->state;
		all_ended = store_state_is_terminal(st);
		any_bad = all_ended && st != STORE_SUCCEEDED;
	} else {
		m = sched_dep_memo(loop, j, r.target, r.id, r.group);
		/* A name: its latest job; a group or an id: every one. */
		for (i = m->n; i > 0; i--) {
			if (m->ids[i - 1] == j->id)
				continue;
			known = true;
			last = m->ids[i - 1];
			st = sched_dep_now(loop, last, m->states[i - 1]);
			if (!store_state_is_terminal(st)) {
				all_ended = false;
				pending = last;
			} else if (st != STORE_SUCCEEDED) {
				any_bad = true;
				bad = last;
			}
			if (!r.group)
				break;
		}
	}
	if (!known)
		return SCHED_DEPS_FAILED;
	switch (sched_dep_verdict(r.kind, all_ended, any_bad)) {
	case SCHED_DEPS_PENDING:
		*dep = pending != 0 ? pending : last;
		return SCHED_DEPS_PENDING;
	case SCHED_DEPS_FAILED:
		*dep = bad != 0 ? bad : last;
		return SCHED_DEPS_FAILED;
	default:
		*dep = last;
		return SCHED_DEPS_SATISFIED;
	}
}

/* The last group a waiting job was counted in: a sweep's jobs come one
 * after another, and so find their group's count without a key. */
struct sched_gmemo {
	const char *owner;
	const char *group;
	size_t running;
	size_t gpus;
};

/* Builds the policy's job from a queued store job. */
static void
sched_snap_job(struct sched_loop *loop, struct store_job *j,
    const struct sched_spec *sp, struct sched_job *sj,
    const struct sched_gmemo *grp)
{
	enum sched_deps d;
	size_t i;
	int64_t dep;

	memset(sj, 0, sizeof *sj);
	sj->id = j->id;
	sj->owner = j->owner;
	sj->namespace = j->namespace;
	sj->group = j->group;
	sj->group_max_running = sp->max_running;
	sj->group_running = (int)grp->running;
	sj->group_max_gpus = sp->max_gpus;
	sj->group_gpus = (int)grp->gpus;
	sj->priority = j->priority;
	sj->submitted_at = j->submitted_at;
	sj->gpu_types = (const char *const *)sp->types;
	sj->ngpu_types = sp->ntypes;
	sj->gpus = j->gpu_count;
	sj->replicas = j->replicas;
	sj->cpu_milli = j->cpu_milli;
	sj->memory_bytes = j->memory_bytes;
	sj->cpu_limit_milli = sp->cpu_limit_milli;
	sj->memory_limit_bytes = sp->memory_limit_bytes;
	sj->nscratch = sp->nscratch;
	sj->scratch_bytes = sp->scratch_bytes;
	sj->workload = sp->deployment ? SCHED_WORKLOAD_DEPLOYMENT :
	    SCHED_WORKLOAD_JOB;
	sj->service = true;
	sj->timeout_s = sp->timeout_s;
	sj->est_s = sp->timeout_s > 0 ? 0 : sched_estimate(loop, j, NULL);
	sj->held = j->state == STORE_HELD;
	sj->not_before = j->not_before;
	sj->deps = sp->nafter == 0 ? SCHED_DEPS_NONE : SCHED_DEPS_SATISFIED;
	for (i = 0; i < sp->nafter; i++) {
		d = sched_dep_state(loop, j, sp->after[i], &dep);
		if (d == SCHED_DEPS_SATISFIED)
			continue;
		if (sj->deps == SCHED_DEPS_SATISFIED ||
		    d == SCHED_DEPS_FAILED) {
			sj->deps = d;
			sj->dep_job = dep;
			sj->dep_ref = sp->after[i];
		}
	}
}

/*
 * Frees what one pass's snapshot points at, keeping its arrays for the
 * next pass (with all: them too): at 100,000 jobs they are tens of
 * megabytes that each pass would otherwise allocate and clear again.
 */
void
sched_snap_release(struct sched_snap_store *ss, bool all)
{
	size_t i;

	for (i = 0; i < ss->nquotas; i++)
		free(ss->qitems[i]);
	free(ss->qitems);
	free(ss->quotas);
	json_decref(ss->qobjs);
	for (i = 0; i < ss->nrunning; i++) {
		free(ss->rnodes[i]);
		free(ss->rcounted[i]);
		free(ss->rplaced[i]);
		ss->rnodes[i] = NULL;
		ss->rcounted[i] = NULL;
		ss->rplaced[i] = NULL;
	}
	free(ss->blocked);
	free(ss->usage);
	if (all) {
		free(ss->jobs);
		free(ss->sjobs);
		free(ss->sspecs);
		free(ss->pending);
		free(ss->nodes);
		free(ss->rnodes);
		free(ss->rcounted);
		free(ss->rplaced);
		free(ss->running);
		memset(ss, 0, sizeof *ss);
		return;
	}
	ss->njobs = ss->nquotas = ss->npending = ss->nnodes = 0;
	ss->nrunning = ss->nblocked = ss->nusage = 0;
	ss->qitems = NULL;
	ss->quotas = NULL;
	ss->qobjs = NULL;
	ss->blocked = NULL;
	ss->usage = NULL;
}

/* Makes the kept arrays hold n jobs and nns namespaces' pending room. */
static void
sched_snap_reserve(struct sched_snap_store *ss, size_t n, size_t nns)
{
	if (n + 1 > ss->capjobs) {
		ss->capjobs = n + 1 + n / 8;
		ss->jobs = xreallocarray(ss->jobs, ss->capjobs,
		    sizeof *ss->jobs);
		ss->sjobs = xreallocarray(ss->sjobs, ss->capjobs,
		    sizeof *ss->sjobs);
		ss->sspecs = xreallocarray(ss->sspecs, ss->capjobs,
		    sizeof *ss->sspecs);
	}
	if (nns + 1 > ss->cappending) {
		ss->cappending = nns + 1;
		ss->pending = xreallocarray(ss->pending, ss->cappending,
		    sizeof *ss->pending);
	}
	memset(ss->pending, 0, (nns + 1) * sizeof *ss->pending);
}

/* Counts each group's admitted and running jobs, and the GPUs they hold,
 * once a pass, into maps from "owner\tgroup".  A group is its owner's: a class
 * where everyone submits "lab1" has one limit each. */
static void
sched_groups_running(struct sched_loop *loop, struct sched_map *counts,
    struct sched_map *gpus)
{
	const struct store_job *j;
	size_t i, n, g;
	char *k;

	sched_map_init(counts);
	sched_map_init(gpus);
	for (i = 0; i < loop->njobs; i++) {
		j = loop->jobs[i];
		if (j->group == NULL || !store_state_is_active(j->state))
			continue;
		k = xprintf("%s\t%s", j->owner, j->group);
		n = sched_map_get_index(counts, k);
		sched_map_put_index(counts, k, n == (size_t)-1 ? 1 : n + 1);
		g = sched_map_get_index(gpus, k);
		sched_map_put_index(gpus, k, (g == (size_t)-1 ? 0 : g) +
		    (size_t)j->gpu_count * (size_t)j->replicas);
		free(k);
	}
}

/* A waiting job for the policy, with its group's running count. */
static void
sched_snap_waiting(struct sched_loop *loop, struct store_job *j,
    const struct sched_map *groups, const struct sched_map *ggpus,
    struct sched_gmemo *gm, struct sched_snap_store *ss)
{
	const struct sched_spec *sp;
	const char *cause = NULL;
	size_t gr = 0, gg = 0;
	char *gkey;

	if ((sp = sched_spec_of(loop, j, &cause)) == NULL) {
		log_warnx("job %lld: %s", (long long)j->id, cause);
		return;
	}
	if (j->group != NULL && gm->group != NULL &&
	    strcmp(gm->group, j->group) == 0 &&
	    strcmp(gm->owner, j->owner) == 0) {
		gr = gm->running;
		gg = gm->gpus;
	} else if (j->group != NULL) {
		gkey = xprintf("%s\t%s", j->owner, j->group);
		if ((gr = sched_map_get_index(groups, gkey)) == (size_t)-1)
			gr = 0;
		if ((gg = sched_map_get_index(ggpus, gkey)) == (size_t)-1)
			gg = 0;
		free(gkey);
		*gm = (struct sched_gmemo){ j->owner, j->group, gr, gg };
	}
	sched_snap_job(loop, j, sp, &ss->jobs[ss->njobs],
	    &(struct sched_gmemo){ j->owner, j->group, gr, gg });
	ss->sspecs[ss->njobs] = sp;
	ss->sjobs[ss->njobs++] = j;
}

/* Points the snapshot at what the store holds. */
static void
sched_snap_fill(struct sched_loop *loop, struct sched_snap_store *ss,
    struct sched_snapshot *snap)
{
	size_t i;

	snap->jobs = ss->jobs;
	snap->njobs = ss->njobs;
	snap->quotas = ss->quotas;
	snap->nquotas = ss->nquotas;
	snap->pending = ss->pending;
	snap->npending = ss->npending;
	snap->nodes = ss->nodes;
	snap->nnodes = ss->nnodes;
	snap->running = ss->running;
	snap->nrunning = ss->nrunning;
	snap->usage = ss->usage;
	snap->nusage = ss->nusage;
	snap->limits = loop->limits;
	snap->nlimits = loop->nlimits;
	snap->site_types = loop->site_types;
	snap->nsite_types = loop->nsite_types;
	ss->blocked = xcalloc(loop->nblocks + 1, sizeof *ss->blocked);
	for (i = 0; i < loop->nblocks; i++)
		ss->blocked[ss->nblocked++] = (struct sched_type_block){
		    .gpu_type = loop->blocks[i].type,
		    .until = loop->blocks[i].until,
		    .max_gpus = loop->blocks[i].max_gpus,
		    .why = loop->blocks[i].why };
	snap->blocked = ss->blocked;
	snap->nblocked = ss->nblocked;
}

/* Builds the snapshot the policy reads from the store and the cache. */
void
sched_snap_build(struct sched_loop *loop, struct sched_snap_store *ss,
    struct sched_snapshot *snap)
{
	struct sched_map groups, ggpus;
	struct sched_gmemo gm = { NULL, NULL, 0, 0 };
	struct store_job *j;
	struct sched_ns *ns;
	size_t i;

	memset(snap, 0, sizeof *snap);
	sched_groups_running(loop, &groups, &ggpus);
	snap->now = loop->now;
	sched_snap_reserve(ss, loop->njobs, loop->nns);
	/* Running entries grow as jobs holding room are met (doubling, kept
	 * across passes): sized for every job of the queue they took 136
	 * bytes a waiting job too. */
	for (i = 0; i < loop->njobs; i++) {
		j = loop->jobs[i];
		/* Most passes see every namespace: no lookup per job. */
		if (loop->nns_failed > 0 &&
		    (ns = sched_ns_find(loop, j->namespace)) != NULL &&
		    ns->failed)
			continue;
		if (j->state == STORE_QUEUED || j->state == STORE_HELD)
			sched_snap_waiting(loop, j, &groups, &ggpus, &gm, ss);
		else if (store_state_is_terminal(j->state) && !j->cleaned)
			sched_snap_ending(loop, j, ss);
		else if (store_state_is_active(j->state))
			sched_snap_running(loop, j, ss);
	}
	sched_map_release(&groups, NULL);
	sched_map_release(&ggpus, NULL);
	sched_snap_quotas(loop, ss);
	snap->nodes_readable = loop->nodes_ok && loop->pods_ok;
	if (snap->nodes_readable)
		sched_snap_nodes(loop, ss);
	sched_snap_usage(loop, ss);
	sched_snap_fill(loop, ss, snap);
}
