/*
 * The scheduler's volume checks: why a pod's claims rule out every node
 * (PreFilter), which nodes their volumes or classes allow, and the
 * binding of a pod's waiting claims to the node it is bound to.
 */
#include "sim-storage.h"

/* Why a claim a pod mounts rules out every node, or NULL (PreFilter). */
static char *
sim_claim_unusable(json_t *pod, json_t *pvc, const char *name, bool eph)
{
	const char *ns = sim_str(pod, "metadata.namespace");

	if (pvc == NULL && eph)
		return xprintf("waiting for ephemeral volume controller to "
		    "create the persistentvolumeclaim \"%s\"", name);
	if (pvc == NULL)
		return xprintf("persistentvolumeclaim \"%s\" not found", name);
	if (sim_str(pvc, "status.phase") != NULL &&
	    strcmp(sim_str(pvc, "status.phase"), "Lost") == 0)
		return xprintf("persistentvolumeclaim \"%s\" bound to "
		    "non-existent persistentvolume \"%s\"", name,
		    sim_str_or(pvc, "spec.volumeName", ""));
	if (sim_path(pvc, "metadata.deletionTimestamp") != NULL)
		return xprintf("persistentvolumeclaim \"%s\" is being deleted",
		    name);
	if (eph && !sim_claim_owned_by(pvc, pod))
		return xprintf("PVC %s/%s was not created for pod %s/%s (pod is "
		    "not owner)", ns, name, ns, sim_str(pod, "metadata.name"));
	return NULL;
}

/*
 * The nodes a local volume's affinity names by hostname (the scheduler's
 * GetLocalPersistentVolumeNodeNames), or NULL when it does not narrow.
 */
static json_t *
sim_pv_hosts(json_t *pv)
{
	json_t *terms = sim_path(pv, "spec.nodeAffinity.required."
	    "nodeSelectorTerms"), *t, *e, *out = NULL, *term, *v;
	size_t i, j, k;

	json_array_foreach(terms, i, t) {
		term = NULL;
		json_array_foreach(json_object_get(t, "matchExpressions"), j, e) {
			if (sim_str(e, "key") == NULL || strcmp(sim_str(e, "key"),
			    SIM_HOSTNAME) != 0 || sim_str(e, "operator") == NULL ||
			    strcmp(sim_str(e, "operator"), "In") != 0 ||
			    term != NULL)
				continue;
			term = json_object();
			json_array_foreach(json_object_get(e, "values"), k, v)
				if (json_is_string(v))
					json_object_set_new(term,
					    json_string_value(v), json_true());
		}
		if (term == NULL) {
			json_decref(out);
			return NULL;
		}
		if (out == NULL)
			out = json_object();
		json_object_update(out, term);
		json_decref(term);
	}
	return out;
}

/* Narrows the eligible node set by one bound volume's hosts. */
static void
sim_hosts_narrow(json_t **nodes, json_t *hosts)
{
	json_t *keep, *v;
	const char *k;

	if (*nodes == NULL) {
		*nodes = json_incref(hosts);
		return;
	}
	keep = json_object();
	json_object_foreach(*nodes, k, v) {
		if (json_object_get(hosts, k) != NULL)
			json_object_set_new(keep, k, json_true());
	}
	json_decref(*nodes);
	*nodes = keep;
}

/* Whether an unbound claim can wait for the pod's node, else NULL reason. */
static bool
sim_claim_waits_for_pod(struct sim *sim, json_t *pvc)
{
	const char *cls = sim_str(pvc, "spec.storageClassName");
	json_t *sc = cls ? sim_get(sim, SIM_RT_STORAGECLASSES, NULL, cls) : NULL;

	return sc != NULL && sim_class_waits(sc) &&
	    sim_str(pvc, "spec.volumeName") == NULL;
}

/* Folds one usable claim into the pod's node constraints; -1 if unbound. */
static int
sim_claim_constrain(struct sim *sim, json_t *pvc, json_t **nodes,
    json_t **affinity)
{
	json_t *pv, *hosts;

	if (!sim_claim_is_bound(pvc))
		return sim_claim_waits_for_pod(sim, pvc) ? 0 : -1;
	pv = sim_get(sim, SIM_RT_PVS, NULL, sim_str(pvc, "spec.volumeName"));
	if (sim_path(pv, "spec.nodeAffinity.required") == NULL)
		return 0;
	if ((hosts = sim_pv_hosts(pv)) != NULL) {
		sim_hosts_narrow(nodes, hosts);
		json_decref(hosts);
	}
	if (*affinity == NULL)
		*affinity = json_array();
	json_array_append(*affinity, sim_path(pv, "spec.nodeAffinity.required"));
	return 0;
}

/*
 * The scheduler's VolumeBinding PreFilter: a reason no node can take the
 * pod, or NULL with the nodes its local volumes narrow it to (*nodes) and
 * the node affinities its Filter checks (*affinity); either may be NULL.
 */
char *
sim_storage_prefilter(struct sim *sim, json_t *pod, json_t **nodes,
    json_t **affinity)
{
	const char *ns = sim_str(pod, "metadata.namespace");
	json_t *v, *pvc;
	size_t i;
	bool eph, unbound = false;
	char *name, *m = NULL;

	*nodes = *affinity = NULL;
	json_array_foreach(sim_path(pod, "spec.volumes"), i, v) {
		if ((name = sim_vol_claim(pod, v, &eph)) == NULL)
			continue;
		pvc = sim_get(sim, SIM_RT_PVCS, ns, name);
		m = sim_claim_unusable(pod, pvc, name, eph);
		free(name);
		if (m != NULL)
			goto fail;
		if (sim_claim_constrain(sim, pvc, nodes, affinity) != 0)
			unbound = true;
	}
	if (unbound)
		m = xstrdup("pod has unbound immediate PersistentVolumeClaims");
	else if (*nodes != NULL && json_object_size(*nodes) == 0)
		m = xstrdup("node(s) didn't satisfy plugin VolumeBinding");
	if (m == NULL)
		return NULL;
fail:
	json_decref(*nodes);
	json_decref(*affinity);
	*nodes = *affinity = NULL;
	return m;
}

/* Binds the pod's WaitForFirstConsumer claims on the node it goes to. */
void
sim_storage_bind_pod(struct sim *sim, json_t *pod, const char *node)
{
	const char *ns = sim_str(pod, "metadata.namespace");
	json_t *v, *pvc, *cp, *sc;
	size_t i;
	bool eph;
	char *name;

	json_array_foreach(sim_path(pod, "spec.volumes"), i, v) {
		if ((name = sim_vol_claim(pod, v, &eph)) == NULL)
			continue;
		pvc = sim_get(sim, SIM_RT_PVCS, ns, name);
		free(name);
		if (pvc == NULL || sim_claim_is_bound(pvc) ||
		    !sim_claim_waits_for_pod(sim, pvc))
			continue;
		sc = sim_get(sim, SIM_RT_STORAGECLASSES, NULL, sim_str(pvc,
		    "spec.storageClassName"));
		cp = json_deep_copy(pvc);
		sim_annotate(cp, SIM_SELECTED_NODE, node);
		pvc = sim_put(sim, SIM_RT_PVCS, cp);
		sim_provision(sim, pvc, sc, node);
	}
}
