/*
 * sched-follow.c: what the observed pods and workloads say about each job
 * on the cluster, turned into job states: started, ended and how, lost or
 * never placed (back to the queue), overdue; and the objects a running job
 * lost, made again or answered by running it again.
 */
#include "sched-loop-int.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "sched-estimate.h"

/* Records a state change, logging instead of failing the pass. */
bool
sched_move(struct sched_loop *loop, const struct store_job *j,
    enum store_state to, const char *reason, const struct store_change *chg)
{
	char *cause = NULL;

	if (loop->ops->transition(loop, j, to, reason, chg, &cause) != 0) {
		/* Another process (a cleanup, a user) got there first; or a
		 * dry run, which said what it would do. */
		if (cause != NULL)
			sched_note(loop, false, "job %lld: %s",
			    (long long)j->id, cause);
		free(cause);
		return false;
	}
	log_info("job %lld: %s -> %s: %s", (long long)j->id,
	    store_state_name(j->state), store_state_name(to), reason);
	return true;
}

/* Ends a job in a final state, then tears it down; run_ms > 0 records how
 * long it ran, for the estimates of its owner's next jobs. */
static void
sched_end_run(struct sched_loop *loop, struct store_job *j,
    const struct sched_obs *obs, enum store_state to, const char *reason,
    int64_t run_ms)
{
	struct store_change chg = { .run_ms = run_ms };
	bool ran = j->state == STORE_RUNNING;

	if (obs != NULL && obs->has_exit_code) {
		chg.set_exit_code = true;
		chg.exit_code = obs->exit_code;
	}
	if (!sched_move(loop, j, to, reason, &chg))
		return;
	j->state = to;
	if (run_ms > 0) {
		sched_est_add(loop->est, j->owner, j->name, j->group, run_ms);
		loop->est_gen++;
	}
	/* A gang that ran leaves room on its type. */
	if (ran)
		sched_type_freed(loop, j->run_gpu_type);
	loop->ops->teardown(loop, j, obs, SCHED_AFTER_CLEANED, reason, 0);
}

/* Ends a job in a final state, then tears it down. */
void
sched_end(struct sched_loop *loop, struct store_job *j,
    const struct sched_obs *obs, enum store_state to, const char *reason)
{
	sched_end_run(loop, j, obs, to, reason, 0);
}

/* Sends a job back to the queue after a backoff that doubles per attempt. */
static void
sched_requeue(struct sched_loop *loop, struct store_job *j,
    const struct sched_obs *obs, const char *why)
{
	int64_t delay = loop->opts.backoff_s * 1000;
	int shift = j->attempts > 1 ? j->attempts - 1 : 0;
	char *reason;

	delay <<= shift < 10 ? shift : 10;
	reason = xprintf("%s; retry in %llds", why, (long long)(delay / 1000));
	/* In the cluster's clock, as the policy compares it. */
	loop->ops->teardown(loop, j, obs, SCHED_AFTER_REQUEUE, reason,
	    loop->now + delay);
	free(reason);
}

/*
 * A gang one of whose pods finds no GPUs holds quota and runs nothing: the
 * type is judged full (without sight of nodes), and past a short grace
 * the gang goes back to the queue, keeping its place, long before the
 * gang timeout would.  True if it was given back.
 */
static bool
sched_give_back(struct sched_loop *loop, struct store_job *j,
    const struct sched_obs *obs, int64_t created)
{
	int64_t since = obs->unschedulable_since != 0 ?
	    obs->unschedulable_since : created;
	const char *msg = obs->reason != NULL ? obs->reason : "Unschedulable";
	char *reason;

	sched_type_full(loop, j, msg);
	if (since == 0 || loop->now - since <= SCHED_UNSCHED_GRACE_MS)
		return false;
	reason = xprintf("given back after %llds without room: %s",
	    (long long)((loop->now - since) / 1000), msg);
	if (loop->sight == SCHED_SIGHT_NAMESPACE)
		loop->ops->teardown(loop, j, obs, SCHED_AFTER_REQUEUE, reason,
		    0);
	else
		sched_requeue(loop, j, obs, reason);
	free(reason);
	return true;
}

/* Stops a job that ran past its timeout (interactive ones included);
 * true if it did. */
static bool
sched_check_timeout(struct sched_loop *loop, struct store_job *j,
    const struct sched_spec *sp, const json_t *pods,
    const struct sched_obs *obs)
{
	int64_t started;
	char *reason;

	started = sched_job_started(pods);
	if (sp->timeout_s <= 0 || started == 0 ||
	    loop->now - started <= sp->timeout_s * 1000)
		return false;
	reason = xprintf("ran longer than its timeout of %llds",
	    (long long)sp->timeout_s);
	sched_end_run(loop, j, obs, STORE_TIMED_OUT, reason,
	    sp->timeout_s * 1000);
	free(reason);
	return true;
}

/* Cleanup's view of an active job: only its timeout. */
static void
sched_cleanup_active(struct sched_loop *loop, struct store_job *j)
{
	const struct sched_spec *sp;
	json_t *pods;

	if ((sp = sched_spec_of(loop, j, NULL)) == NULL)
		return;
	pods = sched_attempt_pods(loop, j);
	sched_check_timeout(loop, j, sp, pods, NULL);
	json_decref(pods);
}

/*
 * A running job's workloads, checked every pass: something other than the
 * queue may delete them.  A lost workload cannot be made again, as the
 * gang's other ranks ran on without it, so the job runs again from the
 * start.  True if the job was requeued.
 */
static bool
sched_running_objects(struct sched_loop *loop, struct store_job *j,
    const struct sched_spec *sp, const json_t *workloads,
    const struct sched_obs *obs)
{
	size_t want = sp->deployment ? (size_t)j->replicas : 1;
	size_t have = json_array_size(workloads);
	char *reason;

	if (obs->state == SCHED_OBS_SUCCEEDED || obs->state == SCHED_OBS_FAILED)
		return false;
	if (have < want) {
		reason = have == 0 ? xstrdup("its objects disappeared") :
		    xprintf("%zu of its %zu %s were deleted while it ran",
		    want - have, want, sp->deployment ? "Deployments" :
		    "Jobs");
		sched_requeue(loop, j, obs, reason);
		free(reason);
		return true;
	}
	return false;
}

/*
 * Makes a live job's missing objects again, once this pass has decided
 * not to tear it down (a create still in flight would outlive the
 * teardown): all of an admitted job's, a running job's lost Service (a
 * distributed job needs its rendezvous name).  Not if this attempt's
 * teardown had begun: what is missing was deleted on purpose, by a
 * teardown a kill or a failed delete cut short, and the requeue is
 * finished instead.  0 if nothing was missing, 1 if something was done,
 * or -1 if the job cannot be rendered.
 */
static int
sched_remake_objects(struct sched_loop *loop, struct store_job *j,
    const struct sched_spec *sp, const struct sched_obs *obs, char **cause)
{
	char *reason;
	int n;

	if (j->state == STORE_RUNNING && json_array_size(sched_job_objects(
	    loop, j, SCHED_OBJ_SERVICES)) >= (size_t)sp->nservices)
		return 0;
	if ((n = sched_count_missing(loop, j, cause)) <= 0)
		return n;
	if (sched_attempt_torn(loop, j)) {
		reason = xprintf("attempt %d was being torn down when the "
		    "scheduler stopped or a delete failed", j->attempts);
		sched_requeue(loop, j, obs, reason);
		free(reason);
		return 1;
	}
	if (sched_ensure_objects(loop, j, cause) < 0)
		return -1;
	if (j->state == STORE_RUNNING)
		sched_note(loop, false, "job %lld: re-creating its lost "
		    "Service", (long long)j->id);
	return 1;
}

/*
 * A running job found running whole with nothing to do need not be
 * followed again until something about it changes (sched_follow): notes
 * that, with the deadline its timeout sets on the cluster's clock.
 */
static void
sched_mark_steady(struct sched_loop *loop, const struct store_job *j,
    const struct sched_spec *sp, const json_t *pods)
{
	struct sched_centry *e = sched_jtab_find(&loop->jtab, j->id);
	int64_t started = sched_job_started(pods);

	if (e == NULL)
		return;
	/* Its snapshot entry is made again from what was just seen. */
	sched_centry_unsteady(e);
	if (j->cancel_requested || (sp->timeout_s > 0 && started == 0))
		return;
	e->steady = true;
	e->due = sp->timeout_s > 0 ? started + sp->timeout_s * 1000 + 1 : 0;
}

/* Follows one admitted or running job: start, end, failure, timeouts. */
static void
sched_reconcile(struct sched_loop *loop, struct store_job *j)
{
	const struct sched_spec *sp;
	struct sched_obs obs;
	json_t *pods, *workloads;
	int64_t created, gang;
	const char *bad = NULL;
	char *cause = NULL, *reason;

	if ((sp = sched_spec_of(loop, j, &bad)) == NULL) {
		reason = xprintf("unreadable spec: %s", bad);
		sched_end(loop, j, NULL, STORE_FAILED, reason);
		free(reason);
		return;
	}
	if (j->cancel_requested) {
		sched_end(loop, j, NULL, STORE_CANCELLED, "cancelled");
		return;
	}
	pods = sched_attempt_pods(loop, j);
	workloads = json_incref(sched_job_objects(loop, j,
	    sp->deployment ? SCHED_OBJ_DEPLOYMENTS : SCHED_OBJ_JOBS));
	if (workloads == NULL)
		workloads = json_array();
	sched_observe(pods, workloads, j->replicas, sp->deployment, &obs);
	if (j->state == STORE_ADMITTED && json_array_size(pods) == 0 &&
	    sched_teardown_begun(loop, j)) {
		reason = xprintf("attempt %d ended and was being torn down "
		    "when the scheduler stopped", j->attempts);
		sched_requeue(loop, j, NULL, reason);
		free(reason);
		goto done;
	}
	if (j->state == STORE_RUNNING && sched_running_objects(loop, j, sp,
	    workloads, &obs))
		goto done;
	switch (obs.state) {
	case SCHED_OBS_SUCCEEDED:
		sched_end_run(loop, j, &obs, STORE_SUCCEEDED, obs.reason,
		    sched_job_run_ms(loop, pods));
		goto done;
	case SCHED_OBS_FAILED:
		if (j->attempts <= sp->retries) {
			reason = xprintf("attempt %d failed: %s", j->attempts,
			    obs.reason);
			sched_requeue(loop, j, &obs, reason);
			free(reason);
		} else
			sched_end_run(loop, j, &obs, STORE_FAILED, obs.reason,
			    sched_job_run_ms(loop, pods));
		goto done;
	case SCHED_OBS_LOST:
		sched_requeue(loop, j, &obs, obs.reason);
		goto done;
	case SCHED_OBS_RUNNING:
		/* Recorded with the others at the end of this step. */
		if (j->state == STORE_ADMITTED) {
			loop->started = xreallocarray(loop->started,
			    loop->nstarted + 1, sizeof *loop->started);
			loop->started[loop->nstarted++] = j;
		}
		break;
	case SCHED_OBS_PENDING:
		created = sched_job_created(loop, j);
		gang = sp->gang_timeout_s > 0 ? sp->gang_timeout_s :
		    loop->opts.gang_timeout_s;
		if (created != 0 && obs.image_pull_failing &&
		    loop->now - created > loop->opts.pull_limit_s * 1000) {
			sched_end(loop, j, &obs, STORE_FAILED, obs.reason);
			goto done;
		}
		if (obs.unschedulable_gpu &&
		    sched_give_back(loop, j, &obs, created))
			goto done;
		if (created != 0 && loop->now - created > gang * 1000) {
			reason = xprintf("gang did not start within %llds: %s",
			    (long long)gang, obs.reason);
			sched_requeue(loop, j, &obs, reason);
			free(reason);
			goto done;
		}
		/* Written with the others at the end of this step. */
		if (j->state == STORE_ADMITTED && obs.reason != NULL &&
		    strcmp(obs.reason, j->reason) != 0) {
			loop->waits = xreallocarray(loop->waits,
			    loop->nwaits + 1, sizeof *loop->waits);
			loop->waits[loop->nwaits++] = (struct sched_reason){
			    .job = j, .id = j->id,
			    .text = sched_strs_get(&loop->strs, obs.reason) };
		}
		break;
	}

	if (sched_check_timeout(loop, j, sp, pods, &obs))
		goto done;
	/* Only now: a job this pass tears down gets nothing created, as the
	 * teardown deletes what the cache holds, not a create in flight. */
	switch (sched_remake_objects(loop, j, sp, &obs, &cause)) {
	case -1:
		reason = xprintf("cannot render: %s", cause);
		sched_end(loop, j, NULL, STORE_FAILED, reason);
		free(reason);
		free(cause);
		break;
	case 0:
		if (j->state == STORE_RUNNING &&
		    obs.state == SCHED_OBS_RUNNING)
			sched_mark_steady(loop, j, sp, pods);
		break;
	}
done:
	sched_obs_release(&obs);
	json_decref(pods);
	json_decref(workloads);
}

/* Records that the admitted jobs whose replicas all run are running, in
 * one transaction. */
static void
sched_record_started(struct sched_loop *loop)
{
	struct store_move *mv;
	struct store_job *j;
	char *cause = NULL;
	size_t i;
	bool ok = true;

	if (loop->nstarted == 0)
		return;
	mv = xcalloc(loop->nstarted, sizeof *mv);
	for (i = 0; i < loop->nstarted; i++) {
		j = loop->started[i];
		mv[i].id = j->id;
		mv[i].from = STORE_STATE_BIT(STORE_ADMITTED);
		mv[i].to = STORE_RUNNING;
		mv[i].reason = xprintf("all %d replicas running", j->replicas);
	}
	if (loop->ops->transitions(loop, mv, loop->nstarted, &cause) != 0) {
		sched_note(loop, true, "recording starts: %s", cause);
		free(cause);
		ok = false;
	}
	for (i = 0; i < loop->nstarted; i++) {
		j = loop->started[i];
		if (ok && mv[i].result == 0) {
			log_info("job %lld: admitted -> running: %s",
			    (long long)j->id, mv[i].reason);
			j->state = STORE_RUNNING;
		} else if (mv[i].cause != NULL) {
			/* It ended (a timeout) or was changed meanwhile. */
			sched_note(loop, false, "job %lld: %s", (long long)j->id,
			    mv[i].cause);
			free(mv[i].cause);
		}
		free((char *)mv[i].reason);
	}
	free(mv);
}

/* Writes the reasons of admitted jobs waiting for their pods, gathered
 * while following them, in one transaction. */
static void
sched_record_waits(struct sched_loop *loop)
{
	const char **texts;
	int64_t *ids;
	char *cause = NULL;
	size_t i;

	if (loop->nwaits == 0)
		return;
	ids = xcalloc(loop->nwaits, sizeof *ids);
	texts = xcalloc(loop->nwaits, sizeof *texts);
	for (i = 0; i < loop->nwaits; i++) {
		ids[i] = loop->waits[i].id;
		texts[i] = loop->waits[i].text;
	}
	if (store_set_reasons(loop->store, ids, texts, NULL, NULL,
	    loop->nwaits, &cause) != 0) {
		log_warnx("%s", cause);
		free(cause);
	} else
		sched_reasons_written(loop, loop->waits, loop->nwaits,
		    false);
	free(ids);
	free(texts);
}

/* The index of the first job of the queue (sorted by id) above an id. */
static size_t
sched_follow_above(const struct sched_loop *loop, int64_t id)
{
	size_t lo = 0, hi = loop->njobs, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (loop->jobs[mid]->id <= id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The slice of n running jobs after the last slice's end, in order of
 * id and round to the lowest ids when the queue ends first (n < nrun). */
static void
sched_follow_slice(struct sched_loop *loop, size_t n)
{
	struct sched_resync *r = &loop->resync;
	size_t i, k = 0;

	r->wrap = false;
	for (i = sched_follow_above(loop, r->hi); i < loop->njobs; i++) {
		if (loop->jobs[i]->state != STORE_RUNNING)
			continue;
		if (++k == n)
			break;
	}
	r->lo = r->hi;
	if (k == n) {
		r->hi = loop->jobs[i]->id;
		r->n = n;
		return;
	}
	r->wrap = true;
	for (i = 0; i < loop->njobs && loop->jobs[i]->id <= r->lo; i++) {
		if (loop->jobs[i]->state != STORE_RUNNING)
			continue;
		r->hi = loop->jobs[i]->id;
		if (++k == n)
			break;
	}
	r->n = k;
}

/*
 * See sched-loop-int.h: the safety net under the change events, spread.
 * The pace is the clock's, not the passes', as events may wake passes
 * often: each pass owes the running jobs' share of the time since the
 * last, and takes a slice when it owes any, ahead of the pace rather
 * than behind.  A slice is at least the share of one of m parts of the
 * period (m at most SCHED_RESYNC_INTERVALS, parts of at least
 * SCHED_RESYNC_MIN jobs; few running jobs go all at once).  A job at the
 * end of a slice is followed up to a slice ahead of the pace, so the pace
 * is a sweep and a slice per period: none waits longer than the period.
 */
void
sched_follow_resync(struct sched_loop *loop)
{
	struct sched_resync *r = &loop->resync;
	int64_t now = now_ms();
	int64_t period = SCHED_RESYNC_INTERVALS * loop->opts.interval_ms;
	size_t i, nrun = 0, n, m, part;
	bool all;

	r->n = 0;
	for (i = 0; i < loop->njobs; i++)
		nrun += loop->jobs[i]->state == STORE_RUNNING;
	r->nrun = nrun;
	m = nrun / SCHED_RESYNC_MIN;
	m = m < 1 ? 1 : m > SCHED_RESYNC_INTERVALS ? SCHED_RESYNC_INTERVALS : m;
	part = (nrun + m - 1) / m;
	/* The first pass, or one a period after the last: all at once. */
	all = r->at == 0 || period <= 0 || now - r->at >= period;
	if (all)
		r->owed = 0;
	else
		r->owed += (double)(m == 1 ? nrun : nrun + part) *
		    (double)(now - r->at) / (double)period;
	if (r->owed > (double)nrun)
		r->owed = (double)nrun;
	r->at = now;
	if (nrun == 0 || (!all && r->owed <= 0))
		return;
	n = (size_t)r->owed;
	if ((double)n < r->owed)
		n++;
	if (n < part)
		n = part;
	if (all || n >= nrun) {
		r->owed -= (double)nrun;
		if (loop->follow_all == NULL)
			loop->follow_all = "resync";
		return;
	}
	r->owed -= (double)n;
	sched_follow_slice(loop, n);
}

/* Whether the resync's slice of this pass holds a job. */
static bool
sched_follow_in_slice(const struct sched_loop *loop, int64_t id)
{
	const struct sched_resync *r = &loop->resync;

	if (r->n == 0)
		return false;
	if (r->wrap)
		return id > r->lo || id <= r->hi;
	return id > r->lo && id <= r->hi;
}

/* Takes the cache's change events: the jobs whose objects changed are
 * followed this pass. */
static void
sched_follow_changes(struct sched_loop *loop)
{
	struct sched_centry *e;
	int64_t *ids;
	size_t i, n;
	bool all;

	sched_cache_take_changed(loop->cc, &ids, &n, &all);
	if (all) {
		loop->follow_all = "relist";
		/* A whole sweep: the resync's next slice is a period off. */
		loop->resync.owed = -(double)loop->resync.nrun;
	}
	for (i = 0; i < n; i++)
		if ((e = sched_jtab_find(&loop->jtab, ids[i])) != NULL)
			sched_centry_unsteady(e);
	free(ids);
}

/* Whether this pass may leave a running job alone: steady, nothing of it
 * changed, its deadline not due, and not the resync's; *slice says when
 * only the resync's slice holds it. */
static bool
sched_follow_skips(struct sched_loop *loop, const struct store_job *j,
    bool *slice)
{
	const struct sched_centry *e;

	*slice = false;
	if (loop->follow_all != NULL || j->state != STORE_RUNNING ||
	    loop->opts.mode != SCHED_MODE_SCHEDULE)
		return false;
	e = sched_jtab_find(&loop->jtab, j->id);
	if (e == NULL || !e->steady || (e->due != 0 && loop->now >= e->due))
		return false;
	*slice = sched_follow_in_slice(loop, j->id);
	return !*slice;
}

/*
 * Follows every job of the pass that is on the cluster or not yet
 * cleaned: ended ones are torn down, admitted and running ones followed
 * (cleanup only checks their timeouts), but running ones only when their
 * objects or their row changed, their deadline is due, or the periodic
 * resync asks; namespaces the pass cannot read are left alone, and a
 * namespace the user may not use fails its waiting jobs.  Starts and
 * waiting reasons are recorded at once at the end.
 */
void
sched_follow(struct sched_loop *loop)
{
	struct store_job *j;
	struct sched_ns *ns;
	size_t i, nrun = 0, nfollowed = 0, nslice = 0;
	char *why;
	bool refuse = false, slice;

	sched_follow_changes(loop);

	/* Waiting jobs matter here only in a namespace the user may not
	 * use: most passes skip them without looking their namespace up. */
	for (i = 0; i < loop->nns; i++)
		if (loop->ns[i].failed && loop->ns[i].forbidden)
			refuse = loop->opts.mode == SCHED_MODE_SCHEDULE;
	for (i = 0; i < loop->njobs; i++) {
		j = loop->jobs[i];
		if (!refuse && (j->state == STORE_QUEUED ||
		    j->state == STORE_HELD))
			continue;
		/* Acting on a partial view could re-create or re-queue by
		 * mistake: leave a namespace alone until it lists. */
		ns = loop->nns_failed > 0 ? sched_ns_find(loop,
		    j->namespace) : NULL;
		if (ns != NULL && ns->failed) {
			if (ns->forbidden && (j->state == STORE_QUEUED ||
			    j->state == STORE_HELD) &&
			    loop->opts.mode == SCHED_MODE_SCHEDULE) {
				why = xprintf("cannot use namespace '%s': %s",
				    j->namespace, ns->error);
				if (sched_move(loop, j, STORE_FAILED, why, NULL))
					j->state = STORE_FAILED;
				free(why);
			}
			continue;
		}
		if (store_state_is_terminal(j->state)) {
			if (!j->cleaned)
				loop->ops->teardown(loop, j, NULL,
				    SCHED_AFTER_CLEANED, NULL, 0);
			continue;
		}
		if (!store_state_is_active(j->state))
			continue;
		nrun += j->state == STORE_RUNNING;
		if (sched_follow_skips(loop, j, &slice))
			continue;
		nfollowed += j->state == STORE_RUNNING;
		nslice += slice;
		if (loop->opts.mode == SCHED_MODE_CLEANUP)
			sched_cleanup_active(loop, j);
		else
			sched_reconcile(loop, j);
	}
	if (loop->follow_all == NULL && loop->resync.n > 0)
		log_info("pass: follow: %zu of %zu running jobs followed "
		    "(changed or due; resync slice: %zu of %zu, ids %lld-%lld%s)",
		    nfollowed, nrun, nslice, loop->resync.n,
		    (long long)loop->resync.lo + 1,
		    (long long)loop->resync.hi,
		    loop->resync.wrap ? ", round" : "");
	else
		log_info("pass: follow: %zu of %zu running jobs followed "
		    "(%s%s)", nfollowed, nrun,
		    loop->follow_all != NULL ? "all: " : "",
		    loop->follow_all != NULL ? loop->follow_all :
		    "changed or due");
	loop->follow_all = NULL;
	loop->resync.n = 0;
	sched_record_started(loop);
	sched_record_waits(loop);
}
