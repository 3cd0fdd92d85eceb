/*
 * The storage controllers: the persistent volume controller (binding,
 * provisioning with rancher.io/local-path, kadalu and NFS, release and
 * reclaim), the ephemeral volume controller, claim and volume protection,
 * and the collection of a removed pod's claims.  sim_storage_pass runs
 * them over the work sets sim_storage_index fills.
 */
#include "sim-storage.h"

#include <stdarg.h>

/*
 * Records an Event about an object with a formatted message; none for the
 * claims the cluster file made, bound long before the simulation starts.
 */
static void printflike(5, 6)
sim_claim_event(struct sim *sim, json_t *pvc, const char *type,
    const char *reason, const char *fmt, ...)
{
	va_list ap;
	char *m;

	if (sim->storage->starting)
		return;
	va_start(ap, fmt);
	xvasprintf(&m, fmt, ap);
	va_end(ap);
	sim_event_record(sim, pvc, type, reason, m);
	free(m);
}

/* The pods that mount a claim (borrowed; NULL if none), from the index. */
static json_t *
sim_claim_users(struct sim *sim, json_t *pvc)
{
	char *k = sim_storage_key(pvc, NULL);
	json_t *set = json_object_get(sim->storage->users, k);

	free(k);
	return set;
}

/* True if a running or starting pod on a node mounts the claim. */
static bool
sim_claim_in_use(struct sim *sim, json_t *pvc)
{
	const char *ns = sim_str(pvc, "metadata.namespace"), *name;
	json_t *pod, *v;

	json_object_foreach(sim_claim_users(sim, pvc), name, v) {
		pod = sim_get(sim, SIM_RT_PODS, ns, name);
		if (pod != NULL && sim_str(pod, "spec.nodeName") != NULL &&
		    !sim_pod_is_terminal(pod))
			return true;
	}
	return false;
}

/* Claim protection: a deleted claim goes once no pod mounts it. */
static void
sim_claim_release(struct sim *sim, json_t *pvc)
{
	json_t *cp;

	if (!sim_list_has(sim_path(pvc, "metadata.finalizers"),
	    SIM_PVC_PROTECTION) || sim_claim_in_use(sim, pvc))
		return;
	cp = json_deep_copy(pvc);
	if (sim_finalizer_drop(cp, SIM_PVC_PROTECTION)) {
		json_decref(cp);
		sim_remove(sim, SIM_RT_PVCS, sim_str(pvc, "metadata.namespace"),
		    sim_str(pvc, "metadata.name"));
	} else
		sim_put(sim, SIM_RT_PVCS, cp);
}

/* Binds a claim and a volume to each other, as the PV controller does. */
static void
sim_bind(struct sim *sim, json_t *pvc, json_t *pv, bool by_controller)
{
	json_t *v = json_deep_copy(pv), *c = json_deep_copy(pvc);
	char *ts = time_format_rfc3339(sim_now(sim));

	sim_set(v, "spec.claimRef", json_pack("{ssssssssssss}", "kind",
	    "PersistentVolumeClaim", "namespace", sim_str(pvc,
	    "metadata.namespace"), "name", sim_str(pvc, "metadata.name"), "uid",
	    sim_str(pvc, "metadata.uid"), "apiVersion", "v1",
	    "resourceVersion", sim_str(pvc, "metadata.resourceVersion")));
	sim_set(v, "status", json_pack("{ssss}", "phase", "Bound",
	    "lastPhaseTransitionTime", ts));
	free(ts);
	/* The stored volume replaces pv, which may go with it. */
	v = sim_put(sim, SIM_RT_PVS, v);
	sim_set(c, "spec.volumeName", json_string(sim_str(v, "metadata.name")));
	sim_annotate(c, "pv.kubernetes.io/bind-completed", "yes");
	if (by_controller)
		sim_annotate(c, "pv.kubernetes.io/bound-by-controller", "yes");
	sim_set(c, "status", json_pack("{sss[]s{sO?}}", "phase", "Bound",
	    "accessModes", "capacity", "storage", sim_path(v,
	    "spec.capacity.storage")));
	json_array_extend(sim_path(c, "status.accessModes"), sim_path(v,
	    "spec.accessModes"));
	sim_put(sim, SIM_RT_PVCS, c);
}

/* Where a provisioned volume lives: a node's NVMe path, or the driver. */
static void
sim_pv_source(json_t *pv, json_t *pvc, const char *prov, const char *node)
{
	char *path;

	if (strcmp(prov, SIM_LOCAL_PATH) != 0) {
		sim_set(pv, "spec.csi", json_pack("{ssss}", "driver", prov,
		    "volumeHandle", sim_str(pv, "metadata.name")));
		return;
	}
	path = xprintf("/nvme1/local-path-provisioner/%s_%s_%s",
	    sim_str(pv, "metadata.name"), sim_str(pvc, "metadata.namespace"),
	    sim_str(pvc, "metadata.name"));
	sim_set(pv, "spec.hostPath", json_pack("{ssss}", "path", path, "type",
	    "DirectoryOrCreate"));
	free(path);
	if (node == NULL)
		return;
	sim_set(pv, "spec.nodeAffinity", json_pack("{s{s[{s[{sssss[s]}]}]}}",
	    "required", "nodeSelectorTerms", "matchExpressions", "key",
	    SIM_HOSTNAME, "operator", "In", "values", node));
	sim_annotate(pv, "local.path.provisioner/selected-node", node);
}

/*
 * The volume a provisioner makes for a claim (new reference); without a
 * class (sc NULL), the volume an administrator made for it (Retain).
 */
static json_t *
sim_pv_new(json_t *pvc, json_t *sc, const char *name, const char *node)
{
	const char *prov = sc ? sim_str(sc, "provisioner") : NULL;
	const char *rp = sc ? sim_str(sc, "reclaimPolicy") : "Retain";
	const char *mode = sim_str(pvc, "spec.volumeMode");
	const char *cls = sim_str(pvc, "spec.storageClassName");
	json_t *pv;

	pv = json_pack("{s{ss}s{sO?s{sO?}ssss}}", "metadata", "name", name,
	    "spec", "accessModes", sim_path(pvc, "spec.accessModes"),
	    "capacity", "storage", sim_path(pvc,
	    "spec.resources.requests.storage"), "persistentVolumeReclaimPolicy",
	    rp ? rp : "Delete", "volumeMode", mode ? mode : "Filesystem");
	if (pv == NULL)
		fatalx("volume template");
	if (cls != NULL)
		sim_set(pv, "spec.storageClassName", json_string(cls));
	if (prov != NULL)
		sim_annotate(pv, "pv.kubernetes.io/provisioned-by", prov);
	sim_finalizer_add(pv, SIM_PV_PROTECTION);
	sim_pv_source(pv, pvc, prov ? prov : "ailab-kubesim", node);
	return pv;
}

/* Provisions a volume for a claim of an existing class and binds it. */
void
sim_provision(struct sim *sim, json_t *pvc, json_t *sc, const char *node)
{
	const char *prov = sim_str(sc, "provisioner"), *uid;
	json_t *cp, *pv;
	char *name, *key;

	if (strcmp(prov, SIM_LOCAL_PATH) == 0 && node == NULL) {
		sim_claim_event(sim, pvc, "Warning", "ProvisioningFailed",
		    "failed to provision volume with StorageClass \"%s\": "
		    "configuration error, no node was specified",
		    sim_str(sc, "metadata.name"));
		return;
	}
	cp = json_deep_copy(pvc);
	sim_annotate(cp, "volume.beta.kubernetes.io/storage-provisioner", prov);
	sim_annotate(cp, "volume.kubernetes.io/storage-provisioner", prov);
	pvc = sim_put(sim, SIM_RT_PVCS, cp);
	sim_claim_event(sim, pvc, "Normal", "ExternalProvisioning",
	    "Waiting for a volume to be created either by the external "
	    "provisioner '%s' or manually by the system administrator. If "
	    "volume creation is delayed, please verify that the provisioner is "
	    "running and correctly registered.", prov);
	key = sim_storage_key(pvc, NULL);
	sim_claim_event(sim, pvc, "Normal", "Provisioning", "External "
	    "provisioner is provisioning volume for claim \"%s\"", key);
	free(key);
	uid = sim_str(pvc, "metadata.uid");
	name = xprintf("pvc-%s", uid ? uid : "");
	pv = sim_create_obj(sim, SIM_RT_PVS, sim_pv_new(pvc, sc, name, node));
	sim_claim_event(sim, pvc, "Normal", "ProvisioningSucceeded",
	    "Successfully provisioned volume %s", name);
	sim_bind(sim, pvc, pv, true);
	free(name);
}

/* True if an available volume can serve a claim (size, modes, class). */
static bool
sim_pv_matches(json_t *pv, json_t *pvc, const char *cls, int64_t *size)
{
	const char *pc = sim_str(pv, "spec.storageClassName");
	json_t *m;
	int64_t want;
	size_t i;

	if (sim_path(pv, "spec.claimRef") != NULL ||
	    sim_path(pv, "metadata.deletionTimestamp") != NULL ||
	    strcmp(pc ? pc : "", cls ? cls : "") != 0 ||
	    sim_key_parse("requests.storage", sim_path(pv,
	    "spec.capacity.storage"), size) != 0 ||
	    sim_key_parse("requests.storage", sim_path(pvc,
	    "spec.resources.requests.storage"), &want) != 0 || *size < want)
		return false;
	json_array_foreach(sim_path(pvc, "spec.accessModes"), i, m) {
		if (!json_is_string(m) || !sim_list_has(sim_path(pv,
		    "spec.accessModes"), json_string_value(m)))
			return false;
	}
	return true;
}

/* The smallest available volume that serves a claim, or NULL. */
static json_t *
sim_pv_best(struct sim *sim, json_t *pvc, const char *cls)
{
	json_t *pv, *best = NULL, *v;
	const char *name;
	int64_t size, best_size = 0;

	json_object_foreach(sim->storage->available, name, v) {
		pv = sim_get(sim, SIM_RT_PVS, NULL, name);
		if (pv != NULL && sim_pv_matches(pv, pvc, cls, &size) &&
		    (best == NULL || size < best_size)) {
			best = pv;
			best_size = size;
		}
	}
	return best;
}

/* The pods that mount a claim but wait for a node, comma separated. */
static char *
sim_claim_waiters(struct sim *sim, json_t *pvc, int *n)
{
	const char *ns = sim_str(pvc, "metadata.namespace"), *name;
	json_t *pod, *v;
	char *out = NULL;

	*n = 0;
	json_object_foreach(sim_claim_users(sim, pvc), name, v) {
		pod = sim_get(sim, SIM_RT_PODS, ns, name);
		if (pod == NULL || sim_str(pod, "spec.nodeName") != NULL ||
		    sim_pod_is_terminal(pod))
			continue;
		xappendf(&out, "%s%s", out ? "," : "", name);
		(*n)++;
	}
	return out;
}

/* A WaitForFirstConsumer claim with no node yet says what it waits for. */
static void
sim_claim_wait(struct sim *sim, json_t *pvc)
{
	int n;
	char *pods = sim_claim_waiters(sim, pvc, &n);

	if (n == 0)
		sim_claim_event(sim, pvc, "Normal", "WaitForFirstConsumer",
		    "waiting for first consumer to be created before binding");
	else
		sim_claim_event(sim, pvc, "Normal", "WaitForPodScheduled",
		    "waiting for %s %s to be scheduled", n > 1 ? "pods" : "pod",
		    pods);
	free(pods);
}

/* A claim that names its volume binds to it once the volume is free. */
static void
sim_claim_bind_named(struct sim *sim, json_t *pvc)
{
	json_t *pv = sim_get(sim, SIM_RT_PVS, NULL, sim_str(pvc,
	    "spec.volumeName"));
	const char *ref;

	if (pv == NULL || sim_path(pv, "metadata.deletionTimestamp") != NULL)
		return;
	ref = sim_str(pv, "spec.claimRef.uid");
	if (ref != NULL && strcmp(ref, sim_str(pvc, "metadata.uid")) != 0)
		return;
	sim_bind(sim, pvc, pv, false);
}

/* Syncs a pending claim: default class, static match, or provisioning. */
static void
sim_claim_bind(struct sim *sim, json_t *pvc)
{
	const char *cls = sim_str(pvc, "spec.storageClassName");
	json_t *sc, *cp, *pv;

	if (sim_path(pvc, "spec.storageClassName") == NULL &&
	    (sc = sim_default_class(sim)) != NULL) {
		/* Retroactive default class assignment (GA in 1.28). */
		cp = json_deep_copy(pvc);
		sim_set(cp, "spec.storageClassName",
		    json_string(sim_str(sc, "metadata.name")));
		sim_put(sim, SIM_RT_PVCS, cp);
		return;
	}
	if (sim_str(pvc, "spec.volumeName") != NULL) {
		sim_claim_bind_named(sim, pvc);
		return;
	}
	sc = cls ? sim_get(sim, SIM_RT_STORAGECLASSES, NULL, cls) : NULL;
	if (!(sc != NULL && sim_class_waits(sc)) &&
	    (pv = sim_pv_best(sim, pvc, cls)) != NULL) {
		sim_bind(sim, pvc, pv, true);
		return;
	}
	if (cls == NULL || *cls == '\0')
		sim_claim_event(sim, pvc, "Normal", "FailedBinding", "no "
		    "persistent volumes available for this claim and no "
		    "storage class is set");
	else if (sc == NULL)
		sim_claim_event(sim, pvc, "Warning", "ProvisioningFailed",
		    "storageclass.storage.k8s.io \"%s\" not found", cls);
	else if (sim_class_waits(sc) &&
	    sim_annotation(pvc, SIM_SELECTED_NODE) == NULL)
		sim_claim_wait(sim, pvc);
	else
		sim_provision(sim, pvc, sc, sim_annotation(pvc,
		    SIM_SELECTED_NODE));
}

/*
 * A bound claim whose volume is missing: a claim the cluster file made
 * bound gets its volume at start; one that lost a volume it had is Lost.
 */
static void
sim_claim_check(struct sim *sim, json_t *pvc)
{
	const char *vn = sim_str(pvc, "spec.volumeName");
	const char *cls = sim_str(pvc, "spec.storageClassName");
	bool made = sim->storage->starting || sim_annotation(pvc,
	    "pv.kubernetes.io/bind-completed") == NULL;
	json_t *sc, *cp, *pv;

	if (vn == NULL && made)
		sim_claim_bind(sim, pvc);
	if (vn == NULL || sim_get(sim, SIM_RT_PVS, NULL, vn) != NULL)
		return;
	if (made) {
		sc = cls ? sim_get(sim, SIM_RT_STORAGECLASSES, NULL, cls) : NULL;
		pv = sim_pv_new(pvc, sc, vn, sim_annotation(pvc,
		    SIM_SELECTED_NODE));
		sim_bind(sim, pvc, sim_create_obj(sim, SIM_RT_PVS, pv), true);
		return;
	}
	cp = json_deep_copy(pvc);
	sim_set(cp, "status.phase", json_string("Lost"));
	sim_put(sim, SIM_RT_PVCS, cp);
	sim_claim_event(sim, pvc, "Warning", "ClaimLost", "Bound claim has "
	    "lost its PersistentVolume. Data on the volume is lost!");
}

/* Syncs one claim by its state. */
static void
sim_claim_sync(struct sim *sim, json_t *pvc)
{
	const char *ph = sim_str(pvc, "status.phase");

	if (sim_path(pvc, "metadata.deletionTimestamp") != NULL)
		sim_claim_release(sim, pvc);
	else if (sim_claim_is_bound(pvc))
		sim_claim_check(sim, pvc);
	else if (ph == NULL || strcmp(ph, "Lost") != 0)
		sim_claim_bind(sim, pvc);
}

/* Sets a volume's phase if it differs. */
static void
sim_pv_phase(struct sim *sim, json_t *pv, const char *phase)
{
	json_t *cp;
	char *ts;

	if (sim_str(pv, "status.phase") != NULL &&
	    strcmp(sim_str(pv, "status.phase"), phase) == 0)
		return;
	cp = json_deep_copy(pv);
	ts = time_format_rfc3339(sim_now(sim));
	sim_set(cp, "status", json_pack("{ssss}", "phase", phase,
	    "lastPhaseTransitionTime", ts));
	sim_put(sim, SIM_RT_PVS, cp);
	free(ts);
}

/*
 * Syncs one volume: free ones are Available, a volume whose claim is gone
 * is deleted (reclaimPolicy Delete) or Released, and a deleted volume goes
 * once nothing is bound to it (volume protection).
 */
static void
sim_volume_sync(struct sim *sim, const char *name)
{
	json_t *pv = sim_get(sim, SIM_RT_PVS, NULL, name), *pvc;
	const char *uid, *rp, *cuid;
	bool bound = false, gone = false;

	if (pv == NULL)
		return;
	uid = sim_str(pv, "spec.claimRef.uid");
	if (sim_path(pv, "spec.claimRef") != NULL) {
		pvc = sim_get(sim, SIM_RT_PVCS, sim_str(pv,
		    "spec.claimRef.namespace"), sim_str(pv, "spec.claimRef.name"));
		cuid = sim_str(pvc, "metadata.uid");
		gone = uid != NULL && (cuid == NULL || strcmp(cuid, uid) != 0);
		bound = !gone && uid != NULL;
	}
	rp = sim_str(pv, "spec.persistentVolumeReclaimPolicy");
	if (gone && rp != NULL && strcmp(rp, "Delete") == 0) {
		sim_remove(sim, SIM_RT_PVS, NULL, name);
		return;
	}
	if (sim_path(pv, "metadata.deletionTimestamp") != NULL && !bound) {
		sim_remove(sim, SIM_RT_PVS, NULL, name);
		return;
	}
	sim_pv_phase(sim, pv, gone ? "Released" : bound ? "Bound" :
	    "Available");
}

/* The claim a pod's ephemeral volume template describes, owned by the pod. */
static json_t *
sim_eph_claim(json_t *pod, json_t *vol, const char *name)
{
	json_t *t = sim_path(vol, "ephemeral.volumeClaimTemplate"), *c;

	c = json_pack("{s{sssss[{sssssssssbsb}]}so}", "metadata", "name", name,
	    "namespace", sim_str(pod, "metadata.namespace"), "ownerReferences",
	    "apiVersion", "v1", "kind", "Pod", "name", sim_str(pod,
	    "metadata.name"), "uid", sim_str(pod, "metadata.uid"), "controller",
	    1, "blockOwnerDeletion", 1, "spec",
	    json_is_object(json_object_get(t, "spec")) ?
	    json_deep_copy(json_object_get(t, "spec")) : json_object());
	if (c == NULL)
		fatalx("ephemeral claim template");
	if (json_is_object(sim_path(t, "metadata.labels")))
		sim_set(c, "metadata.labels", json_deep_copy(sim_path(t,
		    "metadata.labels")));
	if (json_is_object(sim_path(t, "metadata.annotations")))
		sim_set(c, "metadata.annotations", json_deep_copy(sim_path(t,
		    "metadata.annotations")));
	return c;
}

/* Makes (or checks) one ephemeral claim; -1 with *why on failure. */
static int
sim_eph_volume(struct sim *sim, json_t *pod, json_t *vol, char **why)
{
	const char *ns = sim_str(pod, "metadata.namespace");
	json_t *pvc, *st = NULL;
	bool eph;
	char *name = sim_vol_claim(pod, vol, &eph);
	int rc = 0;

	pvc = sim_get(sim, SIM_RT_PVCS, ns, name);
	if (pvc != NULL && !sim_claim_owned_by(pvc, pod)) {
		*why = xprintf("PVC %s/%s was not created for pod %s/%s (pod is "
		    "not owner)", ns, name, ns, sim_str(pod, "metadata.name"));
		rc = -1;
	} else if (pvc == NULL && sim_admit_create(sim, SIM_RT_PVCS,
	    sim_eph_claim(pod, vol, name), &st) == NULL) {
		*why = xprintf("create PVC %s: %s", name, sim_str(st,
		    "message") ? sim_str(st, "message") : "refused");
		json_decref(st);
		rc = -1;
	}
	free(name);
	return rc;
}

/* The ephemeral volume controller for one pod; -1 to try again later. */
static int
sim_eph_sync(struct sim *sim, json_t *pod)
{
	json_t *v;
	size_t i;
	char *why = NULL, *m;

	json_array_foreach(sim_path(pod, "spec.volumes"), i, v) {
		if (json_object_get(v, "ephemeral") == NULL ||
		    sim_str(v, "name") == NULL)
			continue;
		if (sim_eph_volume(sim, pod, v, &why) != 0) {
			m = xprintf("ephemeral volume %s: %s", sim_str(v, "name"),
			    why);
			sim_claim_event(sim, pod, "Warning", "FailedBinding",
			    "%s", m);
			free(m);
			free(why);
			return -1;
		}
	}
	return 0;
}

/* Runs the ephemeral volume controller for pods that are due. */
static void
sim_eph_pass(struct sim *sim)
{
	json_t *set = sim->storage->pods, *keys = json_array(), *k, *v, *pod;
	int64_t now = now_ms(), delay;
	const char *key;
	size_t i;

	json_object_foreach(set, key, v) {
		if (json_integer_value(json_array_get(v, 0)) <= now)
			json_array_append_new(keys, json_string(key));
	}
	json_array_foreach(keys, i, k) {
		key = json_string_value(k);
		pod = sim_pod_at(sim, key);
		if (pod == NULL ||
		    sim_path(pod, "metadata.deletionTimestamp") != NULL ||
		    sim_eph_sync(sim, pod) == 0) {
			json_object_del(set, key);
			continue;
		}
		delay = json_integer_value(json_array_get(json_object_get(set,
		    key), 1)) * 2;
		delay = delay < SIM_EPH_RETRY_MS ? SIM_EPH_RETRY_MS :
		    delay > SIM_EPH_RETRY_MAX_MS ? SIM_EPH_RETRY_MAX_MS : delay;
		json_object_set_new(set, key, json_pack("[II]",
		    (json_int_t)(now + delay), (json_int_t)delay));
	}
	json_decref(keys);
}

/* The garbage collector for removed pods: their claims are deleted. */
static void
sim_storage_gc(struct sim *sim)
{
	json_t *set = sim->storage->gone, *deps, *res, *o;
	const char *uid, *key;
	json_t *v, *x;
	int rt;

	sim->storage->gone = json_object();
	json_object_foreach(set, uid, v) {
		deps = json_deep_copy(json_object_get(sim->owners, uid));
		json_object_foreach(deps, key, x) {
			o = sim_get_key(sim, key, &rt);
			if (o == NULL || json_object_get(sim->uids, uid) != NULL)
				continue;
			res = NULL;
			json_incref(o);
			sim_delete(sim, rt, sim_str(o, "metadata.namespace"),
			    sim_str(o, "metadata.name"), "Background", -1, &res);
			json_decref(res);
			json_decref(o);
		}
		json_decref(deps);
	}
	json_decref(set);
}

/* Syncs every claim marked since the last pass. */
static void
sim_claims_pass(struct sim *sim)
{
	json_t *set = sim->storage->claims, *v, *pvc;
	const char *key;

	sim->storage->claims = json_object();
	json_object_foreach(set, key, v) {
		if ((pvc = sim_get_at(sim, SIM_RT_PVCS, key)) != NULL) {
			json_incref(pvc);
			sim_claim_sync(sim, pvc);
			json_decref(pvc);
		}
	}
	json_decref(set);
}

/* Syncs every volume marked since the last pass. */
static void
sim_volumes_pass(struct sim *sim)
{
	json_t *set = sim->storage->volumes, *v;
	const char *name;

	sim->storage->volumes = json_object();
	json_object_foreach(set, name, v)
		sim_volume_sync(sim, name);
	json_decref(set);
}

/* One pass of the volume controllers over what changed. */
void
sim_storage_pass(struct sim *sim)
{
	sim_storage_gc(sim);
	sim_eph_pass(sim);
	sim_claims_pass(sim);
	sim_volumes_pass(sim);
}
