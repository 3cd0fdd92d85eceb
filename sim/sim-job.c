/*
 * The Job controller: pods per completion index or by count, the
 * podReplacementPolicy, backoffLimit and activeDeadlineSeconds, the
 * Complete and Failed conditions, and ttlSecondsAfterFinished.
 */
#include "sim-ctrl.h"

/* "0-2,5" from a sorted list of indexes. */
static char *
sim_ranges(const unsigned char *done, long n)
{
	char *out = xstrdup("");
	long i, j;

	for (i = 0; i < n; i++) {
		if (!done[i])
			continue;
		for (j = i; j + 1 < n && done[j + 1]; j++)
			;
		if (j > i)
			xappendf(&out, "%s%ld-%ld", *out ? "," : "", i, j);
		else
			xappendf(&out, "%s%ld", *out ? "," : "", i);
		i = j;
	}
	return out;
}

/* Makes one pod of a Job (index -1 for NonIndexed). */
static int
sim_job_create_pod(struct sim *sim, json_t *job, long index, json_t **st)
{
	const char *jname = sim_str(job, "metadata.name");
	json_t *pod, *ctrs, *c, *env, *meta, *labels, *annots;
	char *gen, idx[24];
	size_t i;

	pod = json_object();
	meta = json_object();
	json_object_set_new(meta, "namespace",
	    json_string(sim_str(job, "metadata.namespace")));
	labels = sim_path(job, "spec.template.metadata.labels");
	labels = json_is_object(labels) ? json_deep_copy(labels) : json_object();
	json_object_set_new(meta, "labels", labels);
	json_object_set_new(meta, "ownerReferences", sim_owner_ref(job));
	annots = sim_path(job, "spec.template.metadata.annotations");
	annots = json_is_object(annots) ? json_deep_copy(annots) :
	    json_object();
	json_object_set_new(meta, "annotations", annots);
	json_object_set_new(pod, "metadata", meta);
	json_object_set_new(pod, "spec",
	    json_deep_copy(sim_path(job, "spec.template.spec")));
	if (index >= 0) {
		snprintf(idx, sizeof idx, "%ld", index);
		gen = xprintf("%s-%ld-", jname, index);
		json_object_set_new(labels,
		    "batch.kubernetes.io/job-completion-index", json_string(idx));
		json_object_set_new(annots,
		    "batch.kubernetes.io/job-completion-index", json_string(idx));
		if (sim_path(pod, "spec.hostname") == NULL)
			sim_set(pod, "spec.hostname",
			    json_sprintf("%s-%ld", jname, index));
		ctrs = sim_path(pod, "spec.containers");
		json_array_foreach(ctrs, i, c) {
			env = json_object_get(c, "env");
			if (!json_is_array(env)) {
				env = json_array();
				json_object_set_new(c, "env", env);
			}
			json_array_append_new(env, json_pack("{sss{s{ss}}}",
			    "name", "JOB_COMPLETION_INDEX", "valueFrom",
			    "fieldRef", "fieldPath", "metadata.annotations"
			    "['batch.kubernetes.io/job-completion-index']"));
		}
	} else
		gen = xprintf("%s-", jname);
	sim_set(pod, "metadata.generateName", json_string(gen));
	free(gen);
	return sim_admit_create(sim, SIM_RT_PODS, pod, st) ? 0 : -1;
}

/* What a Job sync counts of its pods, and its spec's numbers. */
struct sim_job_state {
	json_int_t comps, par, blim;
	json_int_t active, ready, succ, fail, terminating;
	bool indexed, pr_failed;
	unsigned char *done, *busy;	/* per index, when comps is sane */
};

/*
 * Deletes a finished Job whose ttlSecondsAfterFinished has passed since
 * it completed (or was created).
 */
static void
sim_job_ttl(struct sim *sim, json_t *job, int64_t now)
{
	json_t *ttl = sim_path(job, "spec.ttlSecondsAfterFinished"), *res = NULL;
	const char *ct = sim_str(job, "status.completionTime");

	if (ct == NULL)
		ct = sim_str(job, "metadata.creationTimestamp");
	if (json_is_integer(ttl) && sim_time_parse(ct) >= 0 &&
	    sim_time_parse(ct) + json_integer_value(ttl) * 1000 <= now) {
		sim_delete(sim, SIM_RT_JOBS, sim_str(job, "metadata.namespace"),
		    sim_str(job, "metadata.name"), "Background", -1, &res);
		json_decref(res);
	}
}

/*
 * Counts the Job's pods into js, remembering in seen (pod uid to "s:IDX",
 * "f:IDX" or "t:IDX" while terminating) each pod's end, so that a pod
 * removed later still counts as succeeded or failed.
 */
static void
sim_job_count(struct sim *sim, json_t *job, json_t *pods,
    struct sim_job_state *js)
{
	const char *uid = sim_str(job, "metadata.uid"), *k, *was;
	json_t *seen, *present = json_object(), *p, *v;
	size_t i;
	long idx;

	seen = sim_child(sim->job_seen, uid);
	json_array_foreach(pods, i, p) {
		const char *puid = sim_str(p, "metadata.uid");
		const char *ix = json_string_value(json_object_get(sim_path(p,
		    "metadata.annotations"),
		    "batch.kubernetes.io/job-completion-index"));
		bool term = sim_pod_is_terminal(p);
		bool deleting = sim_path(p, "metadata.deletionTimestamp") != NULL;

		idx = ix ? strtol(ix, NULL, 10) : -1;
		was = json_string_value(json_object_get(seen, puid));
		json_object_set_new(present, puid, json_true());
		if (term && (was == NULL || was[0] == 't')) {
			bool ok = strcmp(sim_str(p, "status.phase"),
			    "Succeeded") == 0;

			json_object_set_new(seen, puid, json_sprintf("%c:%ld",
			    ok ? 's' : 'f', idx));
		} else if (!term && deleting && was == NULL)
			/* Terminating: failed now, or once terminal (Failed). */
			json_object_set_new(seen, puid, json_sprintf("%c:%ld",
			    js->pr_failed ? 't' : 'f', idx));
		if (!term && deleting)
			js->terminating++;
		if (!term && !deleting) {
			js->active++;
			if (sim_pod_ready(p))
				js->ready++;
		}
		if (js->busy != NULL && idx >= 0 && idx < js->comps && !term &&
		    (!deleting || js->pr_failed))
			js->busy[idx] = 1;
	}
	json_object_foreach(seen, k, v) {
		const char *s = json_string_value(v);

		/* A terminating pod gone before it was terminal failed. */
		if (s[0] == 't' && json_object_get(present, k) == NULL) {
			json_object_set_new(seen, k, json_sprintf("f%s", s + 1));
			s = json_string_value(json_object_get(seen, k));
		}
		if (s[0] == 't')
			continue;
		if (s[0] == 's') {
			js->succ++;
			idx = strtol(s + 2, NULL, 10);
			if (js->done != NULL && idx >= 0 && idx < js->comps)
				js->done[idx] = 1;
		} else
			js->fail++;
	}
	json_decref(present);
}

/*
 * Sets the Failed (back-off, deadline) or Complete conditions on cp, the
 * Job's new state; true once the Job has finished.
 */
static bool
sim_job_conditions(json_t *job, json_t *cp, struct sim_job_state *js,
    int64_t now)
{
	json_t *ads = sim_path(job, "spec.activeDeadlineSeconds");
	bool complete;
	long idx;
	char *ts;

	if (js->fail > js->blim) {
		sim_cond_set(cp, "FailureTarget", "True", "BackoffLimitExceeded",
		    "Job has reached the specified backoff limit", now);
		sim_cond_set(cp, "Failed", "True", "BackoffLimitExceeded",
		    "Job has reached the specified backoff limit", now);
		return true;
	}
	if (json_is_integer(ads) && sim_str(cp, "status.startTime") != NULL &&
	    sim_time_parse(sim_str(cp, "status.startTime")) +
	    json_integer_value(ads) * 1000 <= now) {
		sim_cond_set(cp, "FailureTarget", "True", "DeadlineExceeded",
		    "Job was active longer than specified deadline", now);
		sim_cond_set(cp, "Failed", "True", "DeadlineExceeded",
		    "Job was active longer than specified deadline", now);
		return true;
	}
	if (js->indexed) {
		complete = js->done != NULL;
		for (idx = 0; js->done != NULL && idx < js->comps; idx++)
			if (!js->done[idx])
				complete = false;
	} else
		complete = js->comps > 0 ? js->succ >= js->comps : js->succ > 0;
	if (!complete)
		return false;
	sim_cond_set(cp, "SuccessCriteriaMet", "True", "CompletionsReached",
	    "Reached expected number of succeeded pods", now);
	sim_cond_set(cp, "Complete", "True", "CompletionsReached",
	    "Reached expected number of succeeded pods", now);
	ts = time_format_rfc3339(now);
	sim_set(cp, "status.completionTime", json_string(ts));
	free(ts);
	return true;
}

/*
 * Creates the pods the Job lacks within its parallelism: free indexes,
 * or up to the completions left; a refusal is an Event and a back-off.
 */
static void
sim_job_create_pods(struct sim *sim, json_t *job, struct sim_job_state *js)
{
	json_int_t slots = js->par - js->active -
	    (js->pr_failed ? js->terminating : 0), left;
	json_t *st = NULL;
	long idx;
	char *m;
	int rc = 0;

	if (js->indexed) {
		for (idx = 0; idx < js->comps && slots > 0 && js->busy; idx++) {
			if (js->done[idx] || js->busy[idx])
				continue;
			rc = sim_job_create_pod(sim, job, idx, &st);
			if (rc != 0)
				break;
			js->active++;
			slots--;
		}
	} else {
		left = (js->comps > 0 ? js->comps : 1) - js->succ - js->active;
		for (; slots > 0 && left > 0; slots--, left--) {
			rc = sim_job_create_pod(sim, job, -1, &st);
			if (rc != 0)
				break;
			js->active++;
		}
	}
	if (rc != 0) {
		m = xprintf("Error creating: %s", sim_str(st, "message"));
		sim_event_record(sim, job, "Warning", "FailedCreate", m);
		free(m);
		json_decref(st);
		sim_hold_off(sim, sim_str(job, "metadata.uid"));
	}
}

/* Deletes the Job's running pods: it finished or was suspended. */
static void
sim_job_stop_pods(struct sim *sim, json_t *job, json_t *pods,
    struct sim_job_state *js)
{
	const char *ns = sim_str(job, "metadata.namespace");
	json_t *p, *res;
	size_t i;

	json_array_foreach(pods, i, p) {
		if (sim_pod_is_terminal(p) ||
		    sim_path(p, "metadata.deletionTimestamp") != NULL)
			continue;
		res = NULL;
		sim_delete(sim, SIM_RT_PODS, ns, sim_str(p, "metadata.name"),
		    NULL, -1, &res);
		json_decref(res);
		js->active--;
	}
}

/* Reconciles a Job: pods per index or count, backoff, conditions. */
void
sim_job_sync(struct sim *sim, json_t *job)
{
	const char *uid = sim_str(job, "metadata.uid");
	const char *mode = sim_str(job, "spec.completionMode");
	const char *prp = sim_str(job, "spec.podReplacementPolicy");
	struct sim_job_state js;
	json_t *pods, *cp;
	bool finished, suspend;
	int64_t now = sim_now(sim);
	char *ts;

	if (sim_path(job, "metadata.deletionTimestamp") != NULL &&
	    json_object_get(sim->owners, uid) == NULL)
		return;
	if (sim_cond_true(job, "Complete") || sim_cond_true(job, "Failed")) {
		sim_job_ttl(sim, job, now);
		return;
	}
	memset(&js, 0, sizeof js);
	js.comps = json_integer_value(sim_path(job, "spec.completions"));
	js.par = json_integer_value(sim_path(job, "spec.parallelism"));
	js.blim = json_integer_value(sim_path(job, "spec.backoffLimit"));
	js.indexed = mode != NULL && strcmp(mode, "Indexed") == 0;
	js.pr_failed = prp != NULL && strcmp(prp, "Failed") == 0;
	suspend = json_is_true(sim_path(job, "spec.suspend"));
	if (js.comps > 0 && js.comps <= 100000) {
		js.done = xcalloc(js.comps, 1);
		js.busy = xcalloc(js.comps, 1);
	}
	pods = sim_owned(sim, uid, SIM_RT_PODS);
	sim_job_count(sim, job, pods, &js);
	cp = json_deep_copy(job);
	if (!suspend && sim_path(cp, "status.startTime") == NULL) {
		ts = time_format_rfc3339(now);
		sim_set(cp, "status.startTime", json_string(ts));
		free(ts);
	}
	/* Suspension shows as a condition; resuming restarts the clock. */
	if (suspend)
		sim_cond_set(cp, "Suspended", "True", "JobSuspended",
		    "Job suspended", now);
	else if (sim_cond_true(job, "Suspended")) {
		sim_cond_set(cp, "Suspended", "False", "JobResumed",
		    "Job resumed", now);
		ts = time_format_rfc3339(now);
		sim_set(cp, "status.startTime", json_string(ts));
		free(ts);
	}
	finished = sim_job_conditions(job, cp, &js, now);
	if (finished || suspend)
		sim_job_stop_pods(sim, job, pods, &js);
	else if (sim_may_try(sim, uid))
		sim_job_create_pods(sim, job, &js);
	json_decref(pods);
	sim_set(cp, "status.active", json_integer(js.active < 0 ? 0 :
	    js.active));
	sim_set(cp, "status.ready", json_integer(js.ready));
	sim_set(cp, "status.succeeded", json_integer(js.succ));
	sim_set(cp, "status.failed", json_integer(js.fail));
	sim_set(cp, "status.terminating", json_integer(js.terminating));
	sim_set(cp, "status.uncountedTerminatedPods", json_object());
	if (js.indexed && js.done != NULL) {
		ts = sim_ranges(js.done, js.comps);
		if (*ts)
			sim_set(cp, "status.completedIndexes", json_string(ts));
		free(ts);
	}
	free(js.done);
	free(js.busy);
	sim_put_if_changed(sim, SIM_RT_JOBS, job, cp);
}
