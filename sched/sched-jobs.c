/*
 * sched-jobs.c: what the loop derives of each job of the queue: the
 * scheduler's part of its spec (parsed once, kept in sched-queue.c's
 * table), run-time estimates, and its objects and pods as the cache holds
 * them.
 */
#include "sched-loop-int.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "sched-estimate.h"

/*
 * A job's run-time estimate in seconds (0: the queue knows too little) and
 * what it rests on (NULL with none), kept per job until more runs end.
 */
int64_t
sched_estimate(struct sched_loop *loop, const struct store_job *j,
    const char **basis)
{
	struct sched_centry *e = sched_jtab_find(&loop->jtab, j->id);
	char buf[128];
	int64_t est;

	if (basis != NULL)
		*basis = NULL;
	if (e != NULL && e->est_gen == loop->est_gen) {
		if (basis != NULL)
			*basis = e->est_basis;
		return e->est_s;
	}
	est = sched_est_get(loop->est, j->owner, j->name, j->group, buf,
	    sizeof buf);
	if (e == NULL)
		return est;
	/* A sweep's jobs share their basis: held once. */
	sched_strs_put(&loop->strs, e->est_basis);
	e->est_basis = est > 0 ? sched_strs_get(&loop->strs, buf) : NULL;
	e->est_s = est;
	e->est_gen = loop->est_gen;
	if (basis != NULL)
		*basis = e->est_basis;
	return est;
}

/* The scheduler's part of a job's spec, or NULL with *cause (not to be
 * freed) when it cannot be read. */
const struct sched_spec *
sched_spec_of(struct sched_loop *loop, const struct store_job *j,
    const char **cause)
{
	struct sched_centry *e = sched_jtab_find(&loop->jtab, j->id);

	if (e != NULL && !e->parsed && j->spec_json != NULL) {
		e->parsed = true;
		e->ok = sched_spec_read(j, &e->sp, &e->cause) == 0;
	}
	if (e == NULL || !e->parsed || !e->ok) {
		if (cause != NULL)
			*cause = e != NULL && e->cause != NULL ? e->cause :
			    "spec not read";
		return NULL;
	}
	return &e->sp;
}

/* The objects of one job of this queue, of one kind (NULL: none). */
json_t *
sched_job_objects(struct sched_loop *loop, const struct store_job *j,
    enum sched_obj kind)
{
	return sched_cache_job_objects(loop->cc, j->namespace, j->id, kind);
}

/* The number of objects of ours a job still has. */
size_t
sched_job_object_count(struct sched_loop *loop, const struct store_job *j)
{
	size_t n = 0;
	int k;

	for (k = 0; k < SCHED_OBJ_COUNT; k++)
		n += json_array_size(sched_job_objects(loop, j,
		    (enum sched_obj)k));
	return n;
}

/* Pods of the job's current attempt (older attempts' pods are ignored). */
json_t *
sched_attempt_pods(struct sched_loop *loop, const struct store_job *j)
{
	return spec_attempt_pods(sched_job_objects(loop, j, SCHED_OBJ_PODS),
	    j->attempts);
}

/* The earliest creation time among a job's workload objects, or 0. */
int64_t
sched_job_created(struct sched_loop *loop, const struct store_job *j)
{
	static const enum sched_obj kinds[] = { SCHED_OBJ_DEPLOYMENTS,
	    SCHED_OBJ_JOBS };
	const char *ts;
	int64_t t, best = 0;
	json_t *o;
	size_t i, k;

	for (k = 0; k < nitems(kinds); k++) {
		json_array_foreach(sched_job_objects(loop, j, kinds[k]), i, o) {
			ts = json_string_value(json_object_get(json_object_get(o,
			    "metadata"), "creationTimestamp"));
			if (time_parse_rfc3339(ts, &t) == 0 &&
			    (best == 0 || t < best))
				best = t;
		}
	}
	return best;
}

/* When the gang started running: the latest container start, or 0. */
int64_t
sched_job_started(const json_t *pods)
{
	const json_t *p, *cs;
	const char *ts;
	int64_t t, best = 0;
	size_t i;

	json_array_foreach(pods, i, p) {
		cs = json_array_get(json_object_get(json_object_get(p,
		    "status"), "containerStatuses"), 0);
		ts = json_string_value(json_object_get(json_object_get(
		    json_object_get(cs, "state"), "running"), "startedAt"));
		if (ts == NULL)
			ts = json_string_value(json_object_get(json_object_get(
			    json_object_get(cs, "lastState"), "terminated"),
			    "startedAt"));
		if (time_parse_rfc3339(ts, &t) == 0 && t > best)
			best = t;
	}
	return best;
}

/*
 * How long a gang ran, on the cluster's clock: from its first container
 * start to its last end (the wrapper's first run, kept in lastState once
 * it sleeps), for the run-time estimates; 0 when unknown.
 */
int64_t
sched_job_run_ms(const struct sched_loop *loop, const json_t *pods)
{
	const json_t *p, *cs, *st, *t;
	int64_t a, b, first = 0, last = 0;
	size_t i;

	json_array_foreach(pods, i, p) {
		cs = json_array_get(json_object_get(json_object_get(p,
		    "status"), "containerStatuses"), 0);
		st = json_object_get(cs, "state");
		if ((t = json_object_get(json_object_get(cs, "lastState"),
		    "terminated")) == NULL)
			t = json_object_get(st, "terminated");
		if (t != NULL) {
			if (time_parse_rfc3339(json_string_value(
			    json_object_get(t, "startedAt")), &a) != 0 ||
			    time_parse_rfc3339(json_string_value(
			    json_object_get(t, "finishedAt")), &b) != 0)
				continue;
		} else if (time_parse_rfc3339(json_string_value(json_object_get(
		    json_object_get(st, "running"), "startedAt")), &a) == 0)
			b = loop->now;
		else
			continue;
		if (first == 0 || a < first)
			first = a;
		if (b > last)
			last = b;
	}
	return first != 0 && last > first ? last - first : 0;
}

/*
 * A time the store recorded on this host's clock, moved onto the cluster's
 * clock that the policy's now and the pods' timestamps use, so that a
 * skewed (or simulated) cluster clock cannot make running jobs look
 * overdue and push reservations back for ever; 0 stays 0.
 */
int64_t
sched_cluster_time(const struct sched_loop *loop, int64_t local)
{
	if (local == 0)
		return 0;
	return local + (loop->now - now_ms());
}
