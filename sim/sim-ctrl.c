/*
 * The controller manager in simulation: one pass runs the controllers of
 * the types that changed (sim_controllers: Deployment, ReplicaSet, Job),
 * the garbage collector, node lifecycle, endpoints and quota status.  The
 * helpers the controllers share (conditions, owners, Events, back-off)
 * live here too.
 */
#include "sim-ctrl.h"

/* True once a pod has stopped for good. */
bool
sim_pod_is_terminal(json_t *pod)
{
	const char *ph = sim_str(pod, "status.phase");

	return ph != NULL && (strcmp(ph, "Succeeded") == 0 ||
	    strcmp(ph, "Failed") == 0);
}

/* Records an Event, folding repeats into a count as the recorder does. */
void
sim_event_record(struct sim *sim, json_t *inv, const char *type,
    const char *reason, const char *msg)
{
	const char *ns = sim_str(inv, "metadata.namespace");
	const char *iname = sim_str(inv, "metadata.name");
	const char *uid = sim_str(inv, "metadata.uid");
	uint32_t h = 2166136261u;
	const char *p;
	char *name, *ts;
	json_t *ev, *cp;

	if (ns == NULL)
		ns = "default";
	for (p = uid ? uid : ""; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	for (p = reason; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	for (p = msg; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	name = xprintf("%s.%08x", iname ? iname : "unknown", h);
	ts = time_format_rfc3339(sim_now(sim));
	ev = sim_get(sim, SIM_RT_EVENTS, ns, name);
	if (ev != NULL) {
		cp = json_deep_copy(ev);
		json_object_set_new(cp, "count", json_integer(
		    json_integer_value(json_object_get(cp, "count")) + 1));
		json_object_set_new(cp, "lastTimestamp", json_string(ts));
		sim_put(sim, SIM_RT_EVENTS, cp);
	} else {
		ev = json_pack("{s{ssss}s{ssssssssss?}sssssssss{ss}ssssss}",
		    "metadata", "name", name, "namespace", ns,
		    "involvedObject", "kind", sim_str_or(inv, "kind", ""),
		    "namespace", ns, "name", iname ? iname : "", "apiVersion",
		    sim_str_or(inv, "apiVersion", "v1"), "uid", uid,
		    "reason", reason, "message", msg, "type", type,
		    "reportingComponent", "ailab-kubesim",
		    "source", "component", "ailab-kubesim",
		    "firstTimestamp", ts, "lastTimestamp", ts,
		    "reportingInstance", "ailab-kubesim");
		if (ev != NULL) {
			json_object_set_new(ev, "count", json_integer(1));
			sim_create_obj(sim, SIM_RT_EVENTS, ev);
		}
	}
	free(name);
	free(ts);
}

/* Sets a condition, keeping transition times when the status holds. */
void
sim_cond_set(json_t *obj, const char *type, const char *status,
    const char *reason, const char *msg, int64_t now)
{
	json_t *conds = sim_path(obj, "status.conditions"), *c;
	char *ts = time_format_rfc3339(now);
	size_t i;

	if (!json_is_array(conds)) {
		conds = json_array();
		sim_set(obj, "status.conditions", conds);
	}
	json_array_foreach(conds, i, c) {
		if (strcmp(sim_str(c, "type"), type) != 0)
			continue;
		if (strcmp(sim_str(c, "status"), status) != 0)
			json_object_set_new(c, "lastTransitionTime",
			    json_string(ts));
		if (sim_str(c, "reason") == NULL ||
		    strcmp(sim_str(c, "reason"), reason) != 0 ||
		    sim_str(c, "message") == NULL ||
		    strcmp(sim_str(c, "message"), msg) != 0)
			json_object_set_new(c, "lastUpdateTime", json_string(ts));
		json_object_set_new(c, "status", json_string(status));
		json_object_set_new(c, "reason", json_string(reason));
		json_object_set_new(c, "message", json_string(msg));
		free(ts);
		return;
	}
	json_array_append_new(conds, json_pack("{ssssssssssss}", "type", type,
	    "status", status, "reason", reason, "message", msg,
	    "lastUpdateTime", ts, "lastTransitionTime", ts));
	free(ts);
}

/* Removes a condition by type. */
void
sim_cond_del(json_t *obj, const char *type)
{
	json_t *conds = sim_path(obj, "status.conditions");
	size_t i;

	for (i = json_array_size(conds); i-- > 0;) {
		if (strcmp(sim_str(json_array_get(conds, i), "type"), type) == 0)
			json_array_remove(conds, i);
	}
}

/* A condition's status, or NULL. */
static const char *
sim_cond_status(json_t *obj, const char *type)
{
	json_t *conds = sim_path(obj, "status.conditions"), *c;
	size_t i;

	json_array_foreach(conds, i, c) {
		if (sim_str(c, "type") && strcmp(sim_str(c, "type"), type) == 0)
			return sim_str(c, "status");
	}
	return NULL;
}

/* Whether a condition of that type is "True". */
bool
sim_cond_true(json_t *obj, const char *type)
{
	const char *s = sim_cond_status(obj, type);

	return s != NULL && strcmp(s, "True") == 0;
}

/* Stores a copy only when its status changed (no RV churn otherwise). */
void
sim_put_if_changed(struct sim *sim, enum sim_rt rt, json_t *old, json_t *cp)
{
	if (json_equal(old, cp))
		json_decref(cp);
	else
		sim_put(sim, rt, cp);
}

/* The owned objects of a type (array of borrowed objects, new array). */
json_t *
sim_owned(struct sim *sim, const char *uid, enum sim_rt want)
{
	json_t *set = json_object_get(sim->owners, uid), *v, *o;
	json_t *out = json_array();
	const char *k;
	int rt;

	json_object_foreach(set, k, v) {
		if ((o = sim_get_key(sim, k, &rt)) != NULL && rt == (int)want)
			json_array_append(out, o);
	}
	return out;
}

/* An ownerReferences entry pointing at obj as controller. */
json_t *
sim_owner_ref(json_t *obj)
{
	return json_pack("[{sOsOsOsOsbsb}]", "apiVersion",
	    json_object_get(obj, "apiVersion"), "kind",
	    json_object_get(obj, "kind"), "name", sim_path(obj, "metadata.name"),
	    "uid", sim_path(obj, "metadata.uid"), "controller", 1,
	    "blockOwnerDeletion", 1);
}

/* True if the controller with uid may try creating again (1 s backoff). */
bool
sim_may_try(struct sim *sim, const char *uid)
{
	json_t *v = json_object_get(sim->backoff, uid);

	return v == NULL || now_ms() >= json_integer_value(v);
}

/* Delays the next creation attempt after a refusal. */
void
sim_hold_off(struct sim *sim, const char *uid)
{
	json_object_set_new(sim->backoff, uid, json_integer(now_ms() + 1000));
}

/* True if a pod counts as ready. */
bool
sim_pod_ready(json_t *pod)
{
	return sim_cond_true(pod, "Ready");
}

/* Keeps ResourceQuota status.used current for namespaces that changed. */
static void
sim_quota_sync(struct sim *sim)
{
	json_t *dirty = sim->dirty_ns, *m, *q, *cp, *used, *hard, *v, *use;
	const char *ns, *name, *k;

	sim->dirty_ns = json_object();
	json_object_foreach(dirty, ns, v) {
		m = json_object_get(sim->objs[SIM_RT_RESOURCEQUOTAS], ns);
		use = json_object_get(sim->ns_use, ns);
		json_object_foreach(m, name, q) {
			cp = json_deep_copy(q);
			hard = sim_path(q, "spec.hard");
			used = json_object();
			json_object_foreach(hard, k, v) {
				int64_t u = json_integer_value(json_object_get(use,
				    sim_quota_key(k)));
				char *s = sim_key_format(k, u);

				json_object_set_new(used, k, json_string(s));
				free(s);
			}
			sim_set(cp, "status.hard", json_deep_copy(hard));
			sim_set(cp, "status.used", used);
			sim_put_if_changed(sim, SIM_RT_RESOURCEQUOTAS, q, cp);
		}
	}
	json_decref(dirty);
}

/*
 * Takes the controllers of a type that changed, or whose dependents did,
 * since their last sync, in the order a walk of the store meets them.
 */
static json_t *
sim_ctrl_take(struct sim *sim, enum sim_rt rt)
{
	json_t *set = sim->ctrl_dirty[rt], *arr = json_array(), *v, *o;
	const char *k;
	int t;

	sim->ctrl_dirty[rt] = json_object();
	json_object_foreach(set, k, v) {
		if ((o = sim_get_key(sim, k, &t)) != NULL)
			json_array_append(arr, o);
	}
	json_decref(set);
	sim_index_sort(sim, rt, arr);
	return arr;
}

/* Marks what the clock wakes: deadlines, TTLs and ended back-offs. */
static void
sim_ctrl_wake(struct sim *sim)
{
	json_t *v;
	int64_t now = now_ms();
	const char *k, *key;
	void *tmp;

	json_object_foreach(sim->ctrl_timed, k, v)
		sim_ctrl_mark(sim, k);
	json_object_foreach_safe(sim->backoff, tmp, k, v) {
		if (now < json_integer_value(v))
			continue;
		key = json_string_value(json_object_get(sim->uids, k));
		if (key != NULL)
			sim_ctrl_mark(sim, key);
		json_object_del(sim->backoff, k);
	}
}

/* The controllers in the order a pass runs them. */
static const struct sim_controller sim_controllers[] = {
	{ SIM_RT_DEPLOYMENTS, sim_deploy_sync },
	{ SIM_RT_REPLICASETS, sim_rs_sync },
	{ SIM_RT_JOBS, sim_job_sync },
};

/* One pass of every controller. */
void
sim_ctrl_pass(struct sim *sim)
{
	const struct sim_controller *c;
	json_t *arr, *o;
	size_t i, k;

	sim_ctrl_wake(sim);
	for (k = 0; k < nitems(sim_controllers); k++) {
		c = &sim_controllers[k];
		arr = sim_ctrl_take(sim, c->rt);
		json_array_foreach(arr, i, o) {
			/* An earlier sync may have replaced or removed it. */
			if (sim_get(sim, c->rt, sim_str(o, "metadata.namespace"),
			    sim_str(o, "metadata.name")) == o)
				c->sync(sim, o);
		}
		json_decref(arr);
	}
	sim_gc_foreground(sim, SIM_RT_JOBS);
	sim_gc_foreground(sim, SIM_RT_DEPLOYMENTS);
	sim_gc_foreground(sim, SIM_RT_REPLICASETS);
	sim_node_pass(sim);
	sim_endpoints_pass(sim);
	sim_quota_release(sim);
	sim_quota_sync(sim);
}
