/*
 * sched-teardown.c: a job's teardown (each replica's log tail and end kept,
 * its objects deleted, then the store told), the orphans of this queue
 * (objects whose job is unknown or done with) and the pruning of old
 * records.  Each teardown is an asynchronous chain of requests counted in
 * the pass's in-flight requests.  What a dry run reports instead is in
 * sched-ops.c.
 */
#include "sched-loop-int.h"

#include <stdlib.h>
#include <string.h>

#include "common.h"

/* An object of the job to delete. */
struct sched_tobj {
	enum kube_kind kind;
	char *name;
};

/* A replica whose log tail and end are kept. */
struct sched_trep {
	struct sched_teardown *t;
	int rank;
	char *pod;
	char *node;
	bool has_exit_code;
	int exit_code;
	char *reason;                /* or NULL */
	bool previous;               /* its first run's log is the previous */
};

/* A job's teardown: archive logs, delete objects, then record. */
struct sched_teardown {
	struct sched_loop *loop;
	int64_t id;
	int attempt;
	char *ns;
	char *owner;
	enum sched_after after;
	char *reason;
	int64_t not_before;
	struct sched_tobj *objs;
	size_t nobjs;
	struct sched_trep *reps;
	size_t nreps;
	int pending;
	bool failed;
};

/* Frees a teardown and counts its requests done. */
static void
sched_teardown_free(struct sched_teardown *t)
{
	struct sched_loop *loop = t->loop;
	size_t i;

	for (i = 0; i < t->nobjs; i++)
		free(t->objs[i].name);
	for (i = 0; i < t->nreps; i++) {
		free(t->reps[i].pod);
		free(t->reps[i].node);
		free(t->reps[i].reason);
	}
	free(t->objs);
	free(t->reps);
	free(t->reason);
	free(t->ns);
	free(t->owner);
	free(t);
	sched_req_done(loop);
}

/* A teardown cancelled by an abort: freed unrecorded, as a kill leaves it. */
static void
sched_teardown_drop(void *arg)
{
	sched_teardown_free(arg);
}

/* Finishes a teardown: records the outcome if every step worked. */
static void
sched_teardown_finish(struct sched_teardown *t)
{
	struct store_change chg = { .not_before = t->not_before };
	char *cause = NULL;

	if (!t->failed) {
		if (t->after == SCHED_AFTER_REQUEUE &&
		    store_transition_with(t->loop->store, t->id,
		    STORE_STATE_BIT(STORE_ADMITTED) |
		    STORE_STATE_BIT(STORE_RUNNING), STORE_QUEUED, t->reason,
		    &chg, &cause) != 0) {
			sched_note(t->loop, true, "job %lld: %s",
			    (long long)t->id, cause);
			free(cause);
			cause = NULL;
		}
		if (store_set_cleaned(t->loop->store, t->id, &cause) != 0) {
			sched_note(t->loop, true, "job %lld: %s",
			    (long long)t->id, cause);
			free(cause);
		} else if (t->nobjs > 0)
			sched_note(t->loop, false, "job %lld: deleted %zu "
			    "object%s", (long long)t->id, t->nobjs,
			    t->nobjs == 1 ? "" : "s");
	}
	sched_teardown_free(t);
}

/* True if a replica of an attempt (any, for rank -1) already has its end
 * archived. */
static bool
sched_replica_archived(struct sched_loop *loop, int64_t id, int attempt,
    int rank)
{
	struct store_replica *r = NULL;
	size_t n = 0, i;
	bool found = false;

	if (store_replicas(loop->store, id, &r, &n, NULL) != 0)
		return false;
	for (i = 0; i < n; i++)
		if (r[i].attempt == attempt &&
		    (rank < 0 || r[i].rank == rank))
			found = true;
	store_replicas_free(r, n);
	return found;
}

static void sched_teardown_delete(struct sched_teardown *);

/* One archived log came back: keep its tail with the replica's end. */
static void
sched_teardown_log_cb(struct kube_response *r, void *arg)
{
	struct sched_trep *rep = arg;
	struct sched_teardown *t = rep->t;
	struct store_replica sr;
	size_t limit = t->loop->opts.log_limit, len = 0;
	const char *text = NULL;
	char *cause = NULL;

	memset(&sr, 0, sizeof sr);
	if (r->error == NULL && r->text != NULL) {
		text = r->text;
		len = r->text_len;
	} else if (r->error != NULL && !kube_is_not_found(r->error))
		t->loop->stats.api_errors++;
	if (len > limit) {
		text += len - limit;
		len = limit;
		sr.log_truncated = true;
	}
	sr.attempt = t->attempt;
	sr.rank = rep->rank;
	sr.node = rep->node;
	sr.has_exit_code = rep->has_exit_code;
	sr.exit_code = rep->exit_code;
	sr.reason = rep->reason;
	sr.log = (char *)text;
	sr.log_len = len;
	/* A second teardown (after a failed delete) finds no log: keep what
	 * the first one archived. */
	if ((text != NULL || !sched_replica_archived(t->loop, t->id,
	    sr.attempt, sr.rank)) &&
	    store_replica_save(t->loop->store, t->id, &sr, &cause) != 0) {
		sched_note(t->loop, true, "job %lld: %s", (long long)t->id,
		    cause);
		free(cause);
	}
	if (--t->pending == 0)
		sched_teardown_delete(t);
}

/* One delete came back; NotFound is success. */
static void
sched_teardown_delete_cb(struct kube_response *r, void *arg)
{
	struct sched_teardown *t = arg;
	char *err;

	if (r->error != NULL && !kube_is_not_found(r->error)) {
		err = kube_error_string(r->error);
		sched_note(t->loop, true, "job %lld: deleting: %s",
		    (long long)t->id, err);
		free(err);
		t->failed = true;
		t->loop->stats.api_errors++;
	}
	if (--t->pending == 0)
		sched_teardown_finish(t);
}

/* Deletes every object of the job (Background: pods go with them). */
static void
sched_teardown_delete(struct sched_teardown *t)
{
	struct kube_delete_opts dopts = {
		.propagation = KUBE_PROPAGATION_BACKGROUND,
		.grace_seconds = -1 };
	struct sched_req *w;
	size_t i;

	if (t->nobjs == 0) {
		sched_teardown_finish(t);
		return;
	}
	t->pending = (int)t->nobjs;
	for (i = 0; i < t->nobjs; i++) {
		w = sched_req_new(t->loop, sched_teardown_delete_cb, t,
		    sched_teardown_drop, t);
		sched_req_sent(w, kube_delete(sched_client(t->loop, t->owner),
		    t->objs[i].kind, t->ns, t->objs[i].name, &dopts,
		    sched_req_cb, w));
	}
}

/*
 * Adds the job's objects of one kind to a teardown's delete list, but not
 * those of a later attempt than the one torn down: a cleanup that read the
 * job ended may see the objects of a retry made since, which are live.
 */
static void
sched_teardown_add(struct sched_teardown *t, const json_t *objs,
    enum kube_kind kind)
{
	const json_t *o;
	const char *a;
	size_t i;

	t->objs = xreallocarray(t->objs, t->nobjs + json_array_size(objs) + 1,
	    sizeof *t->objs);
	json_array_foreach(objs, i, o) {
		a = kube_obj_label(o, SCHED_ATTEMPT_LABEL);
		if (a != NULL && strtol(a, NULL, 10) > t->attempt)
			continue;
		t->objs[t->nobjs].kind = kind;
		t->objs[t->nobjs++].name = xstrdup(kube_obj_name(o));
	}
}

/* One rank's pod of the current attempt, with its end as observed. */
static void
sched_teardown_replica(struct sched_teardown *t, const json_t *p, int rank,
    const struct sched_obs *obs)
{
	struct sched_trep *rep = &t->reps[t->nreps++];

	rep->t = t;
	rep->rank = rank;
	rep->pod = xstrdup(kube_obj_name(p));
	rep->node = xstrdup(kube_pod_node(p) != NULL ? kube_pod_node(p) : "");
	if (obs != NULL && rank < obs->replicas) {
		rep->has_exit_code = obs->ranks[rank].has_exit_code;
		rep->exit_code = obs->ranks[rank].exit_code;
		if (obs->ranks[rank].reason != NULL)
			rep->reason = xstrdup(obs->ranks[rank].reason);
	}
	rep->previous = spec_pod_has_previous_run(p);
}

/*
 * Tears a job down: keeps each replica's log tail and end, deletes its
 * objects, then re-queues it (after = REQUEUE) and marks it cleaned.
 */
void
sched_teardown_start(struct sched_loop *loop, const struct store_job *j,
    const struct sched_obs *obs, enum sched_after after, const char *reason,
    int64_t not_before)
{
	struct kube_log_opts lo = { .tail_lines = SCHED_LOG_TAIL_LINES };
	struct sched_teardown *t = xcalloc(1, sizeof *t);
	struct sched_req *w;
	json_t *pods, *p;
	size_t i;
	int r;

	t->loop = loop;
	t->id = j->id;
	t->attempt = j->attempts;
	t->ns = xstrdup(j->namespace);
	t->owner = xstrdup(j->owner);
	t->after = after;
	t->reason = xstrdup(reason != NULL ? reason : "");
	t->not_before = not_before;
	/* Workloads first, so that no controller re-creates the pods. */
	sched_teardown_add(t, sched_job_objects(loop, j, SCHED_OBJ_DEPLOYMENTS),
	    KUBE_DEPLOYMENTS);
	sched_teardown_add(t, sched_job_objects(loop, j, SCHED_OBJ_JOBS),
	    KUBE_JOBS);
	sched_teardown_add(t, sched_job_objects(loop, j, SCHED_OBJ_SERVICES),
	    KUBE_SERVICES);
	loop->inflight++;

	/* One log per rank of the current attempt: the first run's. */
	pods = sched_attempt_pods(loop, j);
	t->reps = xcalloc(json_array_size(pods) + 1, sizeof *t->reps);
	json_array_foreach(pods, i, p) {
		if ((r = spec_pod_rank(p)) >= 0)
			sched_teardown_replica(t, p, r, obs);
	}
	json_decref(pods);
	if (t->nreps == 0) {
		sched_teardown_delete(t);
		return;
	}
	t->pending = (int)t->nreps;
	for (i = 0; i < t->nreps; i++) {
		lo.previous = t->reps[i].previous;
		w = sched_req_new(loop, sched_teardown_log_cb, &t->reps[i],
		    sched_teardown_drop, t);
		sched_req_sent(w, kube_pod_logs(loop->kube, j->namespace,
		    t->reps[i].pod, &lo, NULL, sched_req_cb, w));
	}
}

/*
 * True if a teardown of the job's current attempt has begun: only a
 * teardown keeps a replica's end, before its first delete.  What of the
 * attempt is missing then was deleted on purpose (by a teardown a kill cut
 * short, or one whose other deletes failed) and must not be made again.
 */
bool
sched_attempt_torn(struct sched_loop *loop, const struct store_job *j)
{
	return sched_replica_archived(loop, j->id, j->attempts, -1);
}

/*
 * True if a teardown of the job's current attempt had begun: its logs are
 * kept (only a teardown keeps them) and its workload is gone.  A scheduler
 * killed between a requeue's deletes and its record leaves the job
 * admitted with no objects, which a restart must not take for creates
 * that never happened: the attempt would run a second time.
 */
bool
sched_teardown_begun(struct sched_loop *loop, const struct store_job *j)
{
	if (json_array_size(sched_job_objects(loop, j,
	    SCHED_OBJ_DEPLOYMENTS)) > 0 || json_array_size(sched_job_objects(
	    loop, j, SCHED_OBJ_JOBS)) > 0)
		return false;
	return sched_attempt_torn(loop, j);
}

/* Deletes one orphan object (NotFound is success). */
static void
sched_orphan_cb(struct kube_response *r, void *arg)
{
	struct sched_loop *loop = arg;
	char *err;

	/* A conflict: the uid precondition failed, the name is another
	 * object's now (made since the cluster was listed): left alone. */
	if (r->error != NULL && !kube_is_not_found(r->error) &&
	    !kube_is_conflict(r->error)) {
		err = kube_error_string(r->error);
		sched_note(loop, true, "deleting an orphan: %s", err);
		free(err);
	}
	sched_req_done(loop);
}

/* Says so, then deletes one orphan (sched_ops_real's delete_orphan). */
void
sched_delete_orphan(struct sched_loop *loop, enum kube_kind kind,
    const char *what, const json_t *o, const char *ns, int64_t id)
{
	struct kube_delete_opts dopts = {
		.propagation = KUBE_PROPAGATION_BACKGROUND, .grace_seconds = -1 };
	struct sched_req *w;

	/* This object, not whatever holds its name when the delete lands. */
	dopts.uid = json_string_value(json_object_get(json_object_get(o,
	    "metadata"), "uid"));
	sched_note(loop, false, "deleting orphan %s %s/%s (job %s/%lld)", what,
	    kube_obj_namespace(o), kube_obj_name(o), ns, (long long)id);
	loop->inflight++;
	w = sched_req_new(loop, sched_orphan_cb, loop, NULL, NULL);
	sched_req_sent(w, kube_delete(loop->kube, kind, kube_obj_namespace(o),
	    kube_obj_name(o), &dopts, sched_req_cb, w));
}

/*
 * True if the store, read now, says a job is done with (ended and
 * cleaned) or unknown.  The pass read the queue before the cluster was
 * listed: a job submitted and admitted in between has objects in the
 * listing but not in the pass's read.  Its admission was recorded before
 * its first create, so a read after the listing sees it.
 */
static bool
sched_orphan_job_done(struct sched_loop *loop, int64_t id)
{
	struct store_job *j = NULL;
	char *cause = NULL;
	bool done;

	if (id <= 0)
		return true;
	if (store_get(loop->store, id, &j, &cause) != 0) {
		/* Unsure: leave its objects for the next cleanup. */
		sched_note(loop, true, "job %lld: %s", (long long)id, cause);
		free(cause);
		return false;
	}
	done = j == NULL || (store_state_is_terminal(j->state) && j->cleaned);
	store_job_free(j);
	return done;
}

/*
 * Finds this queue's objects whose job is unknown or already cleaned, and
 * deletes those older than the grace period, whatever the grace never
 * those of a job the store says is live.  Objects of other queues and
 * objects without our labels are never touched.
 */
void
sched_orphans(struct sched_loop *loop)
{
	static const struct {
		const char *key;
		enum sched_obj obj;
		enum kube_kind kind;
	} kinds[] = { { "deployments", SCHED_OBJ_DEPLOYMENTS, KUBE_DEPLOYMENTS },
		{ "jobs", SCHED_OBJ_JOBS, KUBE_JOBS },
		{ "services", SCHED_OBJ_SERVICES, KUBE_SERVICES },
		{ "pods", SCHED_OBJ_PODS, KUBE_PODS } };
	const char *ns, *ts;
	json_t *o;
	int64_t id, created;
	size_t i, k, w = 0;
	int done;

	while (sched_cache_next_job(loop->cc, &w, &ns, &id)) {
		/* The pass read every job that is not both ended and cleaned:
		 * any other id is unknown or done with. */
		if (id > 0 && sched_jtab_find(&loop->jtab, id) != NULL)
			continue;
		done = -1;          /* the store not asked yet */
		for (k = 0; k < nitems(kinds); k++) {
			json_array_foreach(sched_cache_job_objects(loop->cc, ns,
			    id, kinds[k].obj), i, o) {
				if (kinds[k].kind == KUBE_PODS &&
				    json_object_get(json_object_get(o,
				    "metadata"), "ownerReferences") != NULL)
					continue;   /* goes with its owner */
				ts = json_string_value(json_object_get(
				    json_object_get(o, "metadata"),
				    "creationTimestamp"));
				if (time_parse_rfc3339(ts, &created) != 0 ||
				    loop->now - created <
				    loop->opts.grace_s * 1000)
					continue;
				if (done == -1)
					done = sched_orphan_job_done(loop, id);
				if (!done)
					continue;
				loop->ops->delete_orphan(loop, kinds[k].kind,
				    kinds[k].key, o, ns, id);
			}
		}
	}
}

/* Removes records of jobs that ended long ago (or says which it would). */
void
sched_prune(struct sched_loop *loop)
{
	loop->ops->prune(loop, now_ms() - loop->opts.max_age_s * 1000);
}
