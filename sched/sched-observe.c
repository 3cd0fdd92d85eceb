#include "sched-observe.h"
#include "spec.h"

#include <stdlib.h>
#include <string.h>

#include "common.h"

/* A string member of an object, or NULL. */
static const char *
obs_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* A string member of an object, or def when it has none. */
static const char *
obs_or(const json_t *o, const char *key, const char *def)
{
	const char *s = obs_str(o, key);

	return s != NULL ? s : def;
}

/* The status of the pod's first container (ours is the only one). */
static const json_t *
obs_container(const json_t *pod)
{
	return json_array_get(json_object_get(json_object_get(pod, "status"),
	    "containerStatuses"), 0);
}

/* The condition of a type (its reason and message) if its status is the
 * one asked, else NULL. */
static const json_t *
obs_condition(const json_t *obj, const char *type, const char *status)
{
	const json_t *c;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(obj, "status"),
	    "conditions"), i, c) {
		if (strcmp(obs_or(c, "type", ""), type) == 0)
			return strcmp(obs_or(c, "status", ""), status) == 0 ?
			    c : NULL;
	}
	return NULL;
}

/* Sets the observation's reason once: the first cause found wins. */
static void
obs_reason(struct sched_obs *o, char *reason)
{
	if (o->reason == NULL)
		o->reason = reason;
	else
		free(reason);
}

/* Classifies one pod into its rank's slot. */
static void
obs_pod(struct sched_obs *o, const json_t *pod, bool deployment, int rank,
    bool *lost)
{
	struct sched_obs_replica *r = &o->ranks[rank];
	const json_t *st = json_object_get(pod, "status"), *cs, *term, *wait;
	const json_t *sched;
	const char *phase = obs_str(st, "phase"), *preason, *wr;

	r->seen = true;
	r->pod = obs_str(json_object_get(pod, "metadata"), "name");
	r->node = obs_str(json_object_get(pod, "spec"), "nodeName");
	preason = obs_str(st, "reason");
	if (phase == NULL)
		phase = "Pending";
	if (preason != NULL && (strcmp(preason, "Evicted") == 0 ||
	    strcmp(preason, "NodeLost") == 0 ||
	    strcmp(preason, "Terminated") == 0 ||
	    strcmp(preason, "UnexpectedAdmissionError") == 0)) {
		*lost = true;
		obs_reason(o, xprintf("rank %d: pod %s %s%s%s", rank,
		    r->pod ? r->pod : "?", preason,
		    obs_str(st, "message") ? ": " : "", obs_or(st, "message",
		    "")));
		return;
	}
	cs = obs_container(pod);
	term = json_object_get(json_object_get(cs, "lastState"), "terminated");
	/* The first run is lastState once the container restarted (the
	 * wrapper then only sleeps), or state before the restart. */
	if (term == NULL || !deployment)
		term = json_object_get(json_object_get(cs, "state"),
		    "terminated");

	/* The first run of the command ended: the replica is done. */
	if (term != NULL && (deployment || strcmp(phase, "Succeeded") == 0 ||
	    strcmp(phase, "Failed") == 0)) {
		r->done = true;
		r->has_exit_code = spec_run_exit_code(term, &r->exit_code) == 0;
		r->reason = obs_str(term, "reason");
		return;
	}
	if (!deployment && strcmp(phase, "Succeeded") == 0) {
		r->done = true;
		r->has_exit_code = true;
		r->exit_code = 0;
		return;
	}
	if (!deployment && strcmp(phase, "Failed") == 0) {
		*lost = true;
		obs_reason(o, xprintf("rank %d: pod %s failed%s%s", rank,
		    r->pod ? r->pod : "?", preason ? ": " : "",
		    preason ? preason : ""));
		return;
	}
	if (strcmp(phase, "Running") == 0 &&
	    json_object_get(json_object_get(cs, "state"), "running") != NULL) {
		r->running = true;
		return;
	}
	wait = json_object_get(json_object_get(cs, "state"), "waiting");
	wr = obs_str(wait, "reason");
	if (wr != NULL && (strcmp(wr, "ErrImagePull") == 0 ||
	    strcmp(wr, "ImagePullBackOff") == 0 ||
	    strcmp(wr, "InvalidImageName") == 0)) {
		o->image_pull_failing = true;
		obs_reason(o, xprintf("rank %d: %s: %s", rank, wr,
		    obs_or(wait, "message", "cannot pull the image")));
		return;
	}
	if (wr != NULL && strcmp(wr, "CreateContainerConfigError") == 0) {
		obs_reason(o, xprintf("rank %d: %s: %s", rank, wr,
		    obs_or(wait, "message", "")));
		return;
	}
	if ((sched = obs_condition(pod, "PodScheduled", "False")) != NULL) {
		const char *msg = obs_str(sched, "message");
		int64_t t;

		o->unschedulable = true;
		if (msg != NULL && strstr(msg, "Insufficient nvidia.com/gpu") !=
		    NULL)
			o->unschedulable_gpu = true;
		if (time_parse_rfc3339(obs_str(sched, "lastTransitionTime"),
		    &t) == 0 && (o->unschedulable_since == 0 ||
		    t < o->unschedulable_since))
			o->unschedulable_since = t;
		obs_reason(o, xprintf("rank %d unschedulable: %s", rank,
		    obs_or(sched, "message", obs_or(sched, "reason",
		    "no node fits"))));
	}
}

/* Looks for a workload that the cluster refused to give pods (quota). */
static void
obs_workloads(struct sched_obs *o, const json_t *workloads, bool deployment,
    int *job_state)
{
	const json_t *w, *c;
	size_t i;

	*job_state = 0;
	json_array_foreach(workloads, i, w) {
		if (deployment) {
			c = obs_condition(w, "ReplicaFailure", "True");
			if (c != NULL) {
				o->quota_refused = strstr(obs_or(c, "message",
				    ""), "exceeded quota") != NULL;
				obs_reason(o, xprintf("%s: %s", obs_or(c,
				    "reason", "ReplicaFailure"), obs_or(c,
				    "message", "")));
			}
			continue;
		}
		if (obs_condition(w, "Complete", "True") != NULL)
			*job_state = 1;
		if ((c = obs_condition(w, "Failed", "True")) != NULL) {
			*job_state = -1;
			obs_reason(o, xprintf("job failed: %s%s%s", obs_or(c,
			    "reason", ""), obs_str(c, "message") ? ": " : "",
			    obs_or(c, "message", "")));
		}
	}
}

/*
 * A pod the system took away (DisruptionTarget: the taint manager of a node
 * that stopped reporting, preemption, the kubelet's eviction, pod GC) loses
 * its rank even when its controller already made a replacement: the other
 * ranks of a gang are mid-run and cannot take a restarted peer.  Called
 * after the ranks are classified, so a rank already done stays done.
 */
static void
obs_disrupted(struct sched_obs *o, const json_t *pods, bool *lost)
{
	const json_t *pod, *c;
	size_t i;
	int rank;

	json_array_foreach(pods, i, pod) {
		c = obs_condition(pod, "DisruptionTarget", "True");
		rank = spec_pod_rank(pod);
		if (c == NULL || rank < 0 || rank >= o->replicas ||
		    o->ranks[rank].done)
			continue;
		*lost = true;
		obs_reason(o, xprintf("rank %d: pod %s %s%s%s%s%s", rank,
		    obs_or(json_object_get(pod, "metadata"), "name", "?"),
		    obs_or(c, "reason", "disrupted"),
		    obs_str(json_object_get(pod, "spec"), "nodeName") ?
		    " on node " : "",
		    obs_or(json_object_get(pod, "spec"), "nodeName", ""),
		    obs_str(c, "message") ? ": " : "", obs_or(c, "message",
		    "")));
	}
}

/* See sched-observe.h. */
int
sched_observe(const json_t *pods, const json_t *workloads, int replicas,
    bool deployment, struct sched_obs *o)
{
	const json_t *pod, *meta;
	struct sched_obs_replica *r;
	bool lost = false, *current;
	size_t i;
	int rank, job_state, pass;

	memset(o, 0, sizeof *o);
	if (replicas <= 0)
		return -1;
	o->replicas = replicas;
	o->ranks = xcalloc((size_t)replicas, sizeof *o->ranks);
	current = xcalloc((size_t)replicas, sizeof *current);

	/* Live pods first; a pod being deleted speaks for its rank only if
	 * no live one does. */
	for (pass = 0; pass < 2; pass++) {
		json_array_foreach(pods, i, pod) {
			meta = json_object_get(pod, "metadata");
			if ((json_object_get(meta, "deletionTimestamp") != NULL)
			    != (pass == 1))
				continue;
			rank = spec_pod_rank(pod);
			if (rank < 0 || rank >= replicas || current[rank])
				continue;
			current[rank] = true;
			obs_pod(o, pod, deployment, rank, &lost);
		}
	}
	free(current);
	obs_disrupted(o, pods, &lost);
	obs_workloads(o, workloads, deployment, &job_state);

	for (rank = 0; rank < replicas; rank++) {
		r = &o->ranks[rank];
		if (r->done || r->running)
			o->running++;
		if (r->done)
			o->done++;
		if (r->done && r->exit_code != 0 && !o->has_exit_code) {
			o->has_exit_code = true;
			o->exit_code = r->exit_code;
			free(o->reason);
			o->reason = xprintf("rank %d exited %d%s%s%s", rank,
			    r->exit_code, r->reason ? " (" : "",
			    r->reason ? r->reason : "", r->reason ? ")" : "");
		}
	}
	if (o->has_exit_code)
		o->state = SCHED_OBS_FAILED;
	else if (job_state == -1)
		o->state = SCHED_OBS_FAILED;
	else if (lost)
		o->state = SCHED_OBS_LOST;
	else if (o->done == replicas || job_state == 1) {
		o->state = SCHED_OBS_SUCCEEDED;
		o->has_exit_code = true;
		o->exit_code = 0;
		free(o->reason);
		o->reason = xprintf("%d of %d replicas exited 0", replicas,
		    replicas);
	} else if (o->running == replicas)
		o->state = SCHED_OBS_RUNNING;
	else {
		o->state = SCHED_OBS_PENDING;
		if (o->reason == NULL)
			o->reason = xprintf("%d of %d replicas running",
			    o->running, replicas);
	}
	return 0;
}

/* Frees what sched_observe allocated. */
void
sched_obs_release(struct sched_obs *o)
{
	free(o->reason);
	free(o->ranks);
	memset(o, 0, sizeof *o);
}
