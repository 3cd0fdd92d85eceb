/*
 * Deletion and garbage collection: graceful pod deletion, finalizers,
 * the propagation policies (Background, Foreground, Orphan) over owner
 * references, and the completion of foreground deletions.
 */
#include "sim-ctrl.h"

/* Copies the keys of a set so it can change while we walk it. */
static json_t *
sim_keys(json_t *set)
{
	json_t *arr = json_array(), *v;
	const char *k;

	json_object_foreach(set, k, v)
		json_array_append_new(arr, json_string(k));
	return arr;
}

/* Removes the ownerReference to uid from every dependent. */
static void
sim_orphan(struct sim *sim, const char *uid)
{
	json_t *keys = sim_keys(json_object_get(sim->owners, uid)), *k, *o, *cp;
	json_t *refs, *r;
	size_t i, j;
	int rt;

	json_array_foreach(keys, i, k) {
		if ((o = sim_get_key(sim, json_string_value(k), &rt)) != NULL) {
			cp = json_deep_copy(o);
			refs = sim_path(cp, "metadata.ownerReferences");
			for (j = json_array_size(refs); j-- > 0;) {
				r = json_array_get(refs, j);
				if (sim_str(r, "uid") &&
				    strcmp(sim_str(r, "uid"), uid) == 0)
					json_array_remove(refs, j);
			}
			if (json_array_size(refs) == 0)
				json_object_del(json_object_get(cp, "metadata"),
				    "ownerReferences");
			sim_put(sim, rt, cp);
		}
	}
	json_decref(keys);
}

/* Deletes the dependents of uid with a policy (background GC). */
static void
sim_delete_dependents(struct sim *sim, const char *uid, const char *policy)
{
	json_t *keys = sim_keys(json_object_get(sim->owners, uid)), *k, *o;
	json_t *res;
	size_t i;
	int rt;

	json_array_foreach(keys, i, k) {
		o = sim_get_key(sim, json_string_value(k), &rt);
		if (o == NULL ||
		    sim_path(o, "metadata.deletionTimestamp") != NULL)
			continue;
		res = NULL;
		json_incref(o);
		sim_delete(sim, rt, sim_str(o, "metadata.namespace"),
		    sim_str(o, "metadata.name"), policy, -1, &res);
		json_decref(res);
		json_decref(o);
	}
	json_decref(keys);
}

/*
 * Deletes a pod: one on a node gets a deletionTimestamp its kubelet acts
 * on after the grace period; others go at once (0; 1 when graceful).
 */
static int
sim_delete_pod(struct sim *sim, json_t *obj, const char *ns, const char *name,
    const char *uid, int64_t grace, json_t **result)
{
	json_t *g = sim_path(obj, "spec.terminationGracePeriodSeconds"), *cp;
	int64_t gs;
	char *ts, *pk;

	if (sim_str(obj, "spec.nodeName") == NULL || sim_pod_is_terminal(obj) ||
	    grace == 0) {
		*result = json_deep_copy(obj);
		sim_remove(sim, SIM_RT_PODS, ns, name);
		sim_delete_dependents(sim, uid, "Background");
		return 0;
	}
	gs = grace > 0 ? grace : (json_is_integer(g) ? json_integer_value(g) :
	    30);
	pk = xprintf("%s/%s", ns, name);
	/* As the apiserver: the time after which the pod may be killed, now
	 * plus its grace. */
	cp = json_deep_copy(obj);
	ts = time_format_rfc3339(sim_now(sim) + (gs > 0 ? gs : 0) * 1000);
	sim_set(cp, "metadata.deletionTimestamp", json_string(ts));
	sim_set(cp, "metadata.deletionGracePeriodSeconds", json_integer(gs));
	*result = json_incref(sim_put(sim, SIM_RT_PODS, cp));
	sim_kubelet_arm(sim, pk, sim_now(sim) + (gs < 1 ? 0 : 1000));
	free(pk);
	free(ts);
	return 1;
}

/* Deletes every object in a namespace being removed, in the background. */
static void
sim_delete_contents(struct sim *sim, const char *ns)
{
	json_t *m, *keys, *k, *res;
	size_t i;
	int t;

	for (t = 0; t < SIM_RT_MAX; t++) {
		m = json_object_get(sim->objs[t], ns);
		if (!sim_rtypes[t].namespaced || m == NULL)
			continue;
		keys = sim_keys(m);
		json_array_foreach(keys, i, k) {
			res = NULL;
			sim_delete(sim, t, ns, json_string_value(k),
			    "Background", 0, &res);
			json_decref(res);
		}
		json_decref(keys);
	}
}

/*
 * Deletes an object as the apiserver and garbage collector would: 0 when
 * it is gone, 1 when it is going (grace, finalizers, foreground).
 */
int
sim_delete(struct sim *sim, enum sim_rt rt, const char *ns, const char *name,
    const char *policy, int64_t grace, json_t **result)
{
	json_t *obj = sim_get(sim, rt, ns, name), *cp, *fin;
	char *ts = NULL, *uid;
	int rc = 1;

	*result = NULL;
	if (obj == NULL)
		return 0;
	if (policy == NULL)
		policy = rt == SIM_RT_JOBS ? "Orphan" : "Background";
	if (sim_path(obj, "metadata.deletionTimestamp") != NULL) {
		/* Already going; a zero grace period for a pod ends it now. */
		if (rt == SIM_RT_PODS && grace == 0) {
			*result = json_deep_copy(obj);
			sim_remove(sim, rt, ns, name);
			return 0;
		}
		*result = json_incref(obj);
		return 1;
	}
	/* A copy: removing the object frees it. */
	uid = xstrdup(sim_str(obj, "metadata.uid"));
	if (strcmp(policy, "Orphan") == 0)
		sim_orphan(sim, uid);
	if (rt == SIM_RT_PODS) {
		rc = sim_delete_pod(sim, obj, ns, name, uid, grace, result);
		goto out;
	}
	ts = time_format_rfc3339(sim_now(sim));
	if (strcmp(policy, "Foreground") == 0 &&
	    json_object_get(sim->owners, uid) != NULL) {
		cp = json_deep_copy(obj);
		sim_set(cp, "metadata.deletionTimestamp", json_string(ts));
		sim_set(cp, "metadata.deletionGracePeriodSeconds",
		    json_integer(0));
		fin = sim_path(cp, "metadata.finalizers");
		if (!json_is_array(fin)) {
			fin = json_array();
			sim_set(cp, "metadata.finalizers", fin);
		}
		json_array_append_new(fin, json_string("foregroundDeletion"));
		*result = json_incref(sim_put(sim, rt, cp));
		sim_delete_dependents(sim, uid, "Foreground");
		goto out;
	}
	if (json_array_size(sim_path(obj, "metadata.finalizers")) > 0) {
		cp = json_deep_copy(obj);
		sim_set(cp, "metadata.deletionTimestamp", json_string(ts));
		*result = json_incref(sim_put(sim, rt, cp));
		goto out;
	}
	*result = json_deep_copy(obj);
	sim_remove(sim, rt, ns, name);
	if (rt == SIM_RT_NODES)
		sim_node_gone(sim, name);
	if (strcmp(policy, "Orphan") != 0)
		sim_delete_dependents(sim, uid, "Background");
	if (rt == SIM_RT_NAMESPACES)
		sim_delete_contents(sim, name);
	rc = 0;
out:
	free(ts);
	free(uid);
	return rc;
}

/* Completes foreground deletions whose dependents are gone. */
void
sim_gc_foreground(struct sim *sim, enum sim_rt rt)
{
	json_t *o, *cp, *todo = json_array(), *x, *v;
	const char *k;
	size_t i;
	int t;

	json_object_foreach(sim->fg_pending, k, v) {
		if ((o = sim_get_key(sim, k, &t)) != NULL && t == (int)rt &&
		    sim_path(o, "metadata.deletionTimestamp") != NULL &&
		    json_object_get(sim->owners, sim_str(o, "metadata.uid")) ==
		    NULL && sim_list_has(sim_path(o, "metadata.finalizers"),
		    "foregroundDeletion"))
			json_array_append(todo, o);
	}
	sim_index_sort(sim, rt, todo);
	json_array_foreach(todo, i, x) {
		cp = json_deep_copy(x);
		/* sim_put takes cp; a removal frees it here. */
		if (!sim_finalizer_drop(cp, "foregroundDeletion"))
			sim_put(sim, rt, cp);
		else {
			json_decref(cp);
			sim_remove(sim, rt, sim_str(x, "metadata.namespace"),
			    sim_str(x, "metadata.name"));
		}
	}
	json_decref(todo);
}
