/*
 * Storage in simulation: StorageClasses and PersistentVolumes, the
 * persistent volume controller with the provisioners ailab runs
 * (rancher.io/local-path, kadalu, NFS), the ephemeral volume controller,
 * claim and volume protection, the collection of a removed pod's claims,
 * and the scheduler's volume checks.  The store reports changes through
 * sim_storage_index into work sets; sim_storage_pass does the work.
 */
#include "sim-int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

#define SIM_PVC_PROTECTION "kubernetes.io/pvc-protection"
#define SIM_PV_PROTECTION "kubernetes.io/pv-protection"
#define SIM_SELECTED_NODE "volume.kubernetes.io/selected-node"
#define SIM_HOSTNAME "kubernetes.io/hostname"
#define SIM_LOCAL_PATH "rancher.io/local-path"
#define SIM_EPH_RETRY_MS 1000
#define SIM_EPH_RETRY_MAX_MS 30000

struct sim_storage {
	json_t *claims;		/* "ns/name" -> true: claims to sync */
	json_t *pending;	/* "ns/name" -> true: claims not bound yet */
	json_t *volumes;	/* name -> true: volumes to sync */
	json_t *pods;		/* "ns/name" -> [due, delay]: ephemeral claims */
	json_t *gone;		/* uid -> true: removed pods with dependents */
	json_t *users;		/* "ns/claim" -> { pod name: true }: mounts */
	json_t *available;	/* name -> true: volumes free to bind */
	bool starting;		/* the claims the cluster file made: no events */
};

/*
 * ailab's classes (admin charts, cluster_setting) when the file has none,
 * in name order as etcd lists them.
 */
static const struct {
	const char *name;
	const char *provisioner;
	const char *mode;
	bool expand;
} sim_ailab_classes[] = {
	{ "kadalu.gfs-nvme-share", "kadalu", "Immediate", true },
	{ "kadalu.gfs-sata-share", "kadalu", "Immediate", true },
	{ "kadalu.gfs-sata-users", "kadalu", "Immediate", true },
	{ "nfs-users", "k8s-sigs.io/nfs-subdir-external-provisioner",
	    "Immediate", false },
	{ "rancher-local-path", SIM_LOCAL_PATH, "WaitForFirstConsumer", false },
};

/* Allocates the work sets. */
void
sim_storage_init(struct sim *sim)
{
	struct sim_storage *s = xcalloc(1, sizeof *s);

	s->claims = json_object();
	s->pending = json_object();
	s->volumes = json_object();
	s->pods = json_object();
	s->gone = json_object();
	s->users = json_object();
	s->available = json_object();
	sim->storage = s;
}

/* Frees the work sets. */
void
sim_storage_free(struct sim *sim)
{
	struct sim_storage *s = sim->storage;

	if (s == NULL)
		return;
	json_decref(s->claims);
	json_decref(s->pending);
	json_decref(s->volumes);
	json_decref(s->pods);
	json_decref(s->gone);
	json_decref(s->users);
	json_decref(s->available);
	free(s);
	sim->storage = NULL;
}

/* "ns/name" of a namespaced object or of a name in its namespace. */
static char *
sim_nskey(json_t *obj, const char *name)
{
	return xprintf("%s/%s", sim_str(obj, "metadata.namespace"),
	    name ? name : sim_str(obj, "metadata.name"));
}

/* True if a list of strings holds s. */
static bool
sim_list_has(json_t *list, const char *s)
{
	json_t *v;
	size_t i;

	json_array_foreach(list, i, v) {
		if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
			return true;
	}
	return false;
}

/* Adds a finalizer to an object being created. */
static void
sim_finalizer_add(json_t *obj, const char *f)
{
	json_t *fin = sim_path(obj, "metadata.finalizers");

	if (!json_is_array(fin)) {
		fin = json_array();
		sim_set(obj, "metadata.finalizers", fin);
	}
	if (!sim_list_has(fin, f))
		json_array_append_new(fin, json_string(f));
}

/* Drops a finalizer from a copy; true if none is left. */
static bool
sim_finalizer_drop(json_t *obj, const char *f)
{
	json_t *fin = sim_path(obj, "metadata.finalizers");
	size_t i;

	for (i = json_array_size(fin); i-- > 0;) {
		if (json_is_string(json_array_get(fin, i)) &&
		    strcmp(json_string_value(json_array_get(fin, i)), f) == 0)
			json_array_remove(fin, i);
	}
	return json_array_size(fin) == 0;
}

/* An annotation of an object, or NULL. */
static const char *
sim_annotation(json_t *obj, const char *k)
{
	return json_string_value(json_object_get(sim_path(obj,
	    "metadata.annotations"), k));
}

/* Sets an annotation on a copy. */
static void
sim_annotate(json_t *obj, const char *k, const char *v)
{
	json_t *a = sim_path(obj, "metadata.annotations");

	if (!json_is_object(a)) {
		a = json_object();
		sim_set(obj, "metadata.annotations", a);
	}
	json_object_set_new(a, k, json_string(v));
}

/* The claim a pod volume mounts ("<pod>-<volume>" if ephemeral), or NULL. */
static char *
sim_vol_claim(json_t *pod, json_t *vol, bool *eph)
{
	const char *c = sim_str(vol, "persistentVolumeClaim.claimName");

	*eph = false;
	if (c != NULL)
		return xstrdup(c);
	if (!json_is_object(json_object_get(vol, "ephemeral")) ||
	    sim_str(vol, "name") == NULL)
		return NULL;
	*eph = true;
	return xprintf("%s-%s", sim_str(pod, "metadata.name"),
	    sim_str(vol, "name"));
}

/* True if a pod mounts a claim. */
bool
sim_pod_has_claims(json_t *pod)
{
	json_t *v;
	size_t i;

	json_array_foreach(sim_path(pod, "spec.volumes"), i, v) {
		if (json_object_get(v, "persistentVolumeClaim") != NULL ||
		    json_object_get(v, "ephemeral") != NULL)
			return true;
	}
	return false;
}

/* True if a claim is controlled by the pod (metav1.IsControlledBy). */
static bool
sim_claim_owned_by(json_t *pvc, json_t *pod)
{
	const char *uid = sim_str(pod, "metadata.uid");
	json_t *r;
	size_t i;

	json_array_foreach(sim_path(pvc, "metadata.ownerReferences"), i, r) {
		if (json_is_true(json_object_get(r, "controller")))
			return uid != NULL && sim_str(r, "uid") != NULL &&
			    strcmp(sim_str(r, "uid"), uid) == 0;
	}
	return false;
}

/* True once a claim has its volume. */
static bool
sim_claim_is_bound(json_t *pvc)
{
	const char *ph = sim_str(pvc, "status.phase");

	return ph != NULL && strcmp(ph, "Bound") == 0;
}

/* The newest class marked default, as DefaultStorageClass admission picks. */
static json_t *
sim_default_class(struct sim *sim)
{
	json_t *m = json_object_get(sim->objs[SIM_RT_STORAGECLASSES], "");
	json_t *sc, *best = NULL;
	const char *name, *a, *b;

	json_object_foreach(m, name, sc) {
		a = sim_annotation(sc, "storageclass.kubernetes.io/"
		    "is-default-class");
		b = sim_annotation(sc, "storageclass.beta.kubernetes.io/"
		    "is-default-class");
		if ((a == NULL || strcmp(a, "true") != 0) &&
		    (b == NULL || strcmp(b, "true") != 0))
			continue;
		if (best == NULL || strcmp(sim_str(sc,
		    "metadata.creationTimestamp"), sim_str(best,
		    "metadata.creationTimestamp")) >= 0)
			best = sc;
	}
	return best;
}

/* True for a class that binds only once a pod is scheduled. */
static bool
sim_class_waits(json_t *sc)
{
	const char *m = sim_str(sc, "volumeBindingMode");

	return m != NULL && strcmp(m, "WaitForFirstConsumer") == 0;
}

/* Adds one field error to a list of causes (field.ErrorList). */
static void
sim_cause_add(json_t *causes, const char *reason, const char *field,
    const char *detail)
{
	json_array_append_new(causes, json_pack("{ssssss}", "reason", reason,
	    "message", detail, "field", field));
}

/* The 422 Invalid Status of the causes, or NULL if none; frees them. */
static json_t *
sim_causes_status(json_t *causes, enum sim_rt rt, json_t *obj)
{
	json_t *st = NULL;

	if (json_array_size(causes) > 0)
		st = sim_invalid_status(rt, sim_str(obj, "metadata.name"),
		    causes);
	json_decref(causes);
	return st;
}

/* Checks accessModes against the modes Kubernetes knows. */
static void
sim_check_modes(json_t *e, json_t *modes, const char *required)
{
	static const char *known[] = { "ReadOnlyMany", "ReadWriteMany",
		"ReadWriteOnce", "ReadWriteOncePod" };
	const char *m;
	json_t *v;
	size_t i, j;
	char *d;

	if (json_array_size(modes) == 0)
		sim_cause_add(e, "FieldValueRequired", "spec.accessModes",
		    required);
	json_array_foreach(modes, i, v) {
		m = json_is_string(v) ? json_string_value(v) : "";
		for (j = 0; j < nitems(known); j++)
			if (strcmp(m, known[j]) == 0)
				break;
		if (j < nitems(known))
			continue;
		d = xprintf("Unsupported value: \"%s\": supported values: "
		    "\"ReadOnlyMany\", \"ReadWriteMany\", \"ReadWriteOnce\", "
		    "\"ReadWriteOncePod\"", m);
		sim_cause_add(e, "FieldValueNotSupported", "spec.accessModes", d);
		free(d);
	}
}

/* Validates and defaults a claim as the apiserver and its admission do. */
static json_t *
sim_pvc_admit(struct sim *sim, json_t *pvc)
{
	json_t *e = json_array();
	json_t *req = sim_path(pvc, "spec.resources.requests.storage"), *st;
	json_t *dflt;
	int64_t n;
	char *d;

	sim_check_modes(e, sim_path(pvc, "spec.accessModes"),
	    "Required value: at least 1 access mode is required");
	if (req == NULL)
		sim_cause_add(e, "FieldValueRequired", "spec.resources[storage]",
		    "Required value");
	else if (sim_key_parse("requests.storage", req, &n) != 0 || n <= 0) {
		d = xprintf("Invalid value: \"%s\": must be greater than zero",
		    json_is_string(req) ? json_string_value(req) : "");
		sim_cause_add(e, "FieldValueInvalid", "spec.resources[storage]",
		    d);
		free(d);
	}
	if ((st = sim_causes_status(e, SIM_RT_PVCS, pvc)) != NULL)
		return st;
	dflt = sim_default_class(sim);
	if (sim_path(pvc, "spec.storageClassName") == NULL && dflt != NULL)
		sim_set(pvc, "spec.storageClassName",
		    json_string(sim_str(dflt, "metadata.name")));
	if (sim_path(pvc, "spec.volumeMode") == NULL)
		sim_set(pvc, "spec.volumeMode", json_string("Filesystem"));
	sim_finalizer_add(pvc, SIM_PVC_PROTECTION);
	json_object_set_new(pvc, "status", json_pack("{ss}", "phase",
	    "Pending"));
	return NULL;
}

/* Validates and defaults a volume an administrator creates. */
static json_t *
sim_pv_admit(json_t *pv)
{
	json_t *e = json_array();
	json_t *st;

	if (sim_path(pv, "spec.capacity.storage") == NULL)
		sim_cause_add(e, "FieldValueRequired", "spec.capacity",
		    "Required value");
	sim_check_modes(e, sim_path(pv, "spec.accessModes"),
	    "Required value");
	if ((st = sim_causes_status(e, SIM_RT_PVS, pv)) != NULL)
		return st;
	if (sim_path(pv, "spec.persistentVolumeReclaimPolicy") == NULL)
		sim_set(pv, "spec.persistentVolumeReclaimPolicy",
		    json_string("Retain"));
	if (sim_path(pv, "spec.volumeMode") == NULL)
		sim_set(pv, "spec.volumeMode", json_string("Filesystem"));
	sim_finalizer_add(pv, SIM_PV_PROTECTION);
	json_object_set_new(pv, "status", json_pack("{ss}", "phase",
	    "Pending"));
	return NULL;
}

/* Defaults a class field, or reports a value outside the allowed two. */
static void
sim_class_enum(json_t *e, json_t *sc, const char *field,
    const char *a, const char *b)
{
	json_t *v = json_object_get(sc, field);
	const char *s = json_string_value(v);
	char *d;

	if (v == NULL) {
		json_object_set_new(sc, field, json_string(a));
		return;
	}
	if (s != NULL && (strcmp(s, a) == 0 || strcmp(s, b) == 0))
		return;
	d = xprintf("Unsupported value: \"%s\": supported values: \"%s\", "
	    "\"%s\"", s ? s : "", strcmp(a, b) < 0 ? a : b,
	    strcmp(a, b) < 0 ? b : a);
	sim_cause_add(e, "FieldValueNotSupported", field, d);
	free(d);
}

/* Validates and defaults a StorageClass. */
static json_t *
sim_class_admit(json_t *sc)
{
	json_t *e = json_array();
	const char *p = sim_str(sc, "provisioner");

	if (p == NULL || *p == '\0')
		sim_cause_add(e, "FieldValueRequired", "provisioner",
		    "Required value");
	sim_class_enum(e, sc, "reclaimPolicy", "Delete", "Retain");
	sim_class_enum(e, sc, "volumeBindingMode", "Immediate",
	    "WaitForFirstConsumer");
	return sim_causes_status(e, SIM_RT_STORAGECLASSES, sc);
}

/* Admission of the storage types: NULL, or the Status refusing obj. */
json_t *
sim_storage_admit(struct sim *sim, enum sim_rt rt, json_t *obj)
{
	if (rt == SIM_RT_PVCS)
		return sim_pvc_admit(sim, obj);
	if (rt == SIM_RT_PVS)
		return sim_pv_admit(obj);
	return sim_class_admit(obj);
}

/*
 * What a claim counts against quota, as the PVC evaluator charges it: the
 * claim, its requested size, and both again under its class.
 */
json_t *
sim_pvc_usage(json_t *pvc)
{
	const char *cls = sim_str(pvc, "spec.storageClassName");
	json_t *u = json_pack("{sisi}", "persistentvolumeclaims", 1,
	    "count/persistentvolumeclaims", 1);
	int64_t n = 0;
	bool sized;
	char *k;

	sized = sim_key_parse("requests.storage", sim_path(pvc,
	    "spec.resources.requests.storage"), &n) == 0;
	if (sized)
		json_object_set_new(u, "requests.storage", json_integer(n));
	if (cls == NULL || *cls == '\0')
		return u;
	k = xprintf("%s.storageclass.storage.k8s.io/persistentvolumeclaims",
	    cls);
	json_object_set_new(u, k, json_integer(1));
	free(k);
	if (sized) {
		k = xprintf("%s.storageclass.storage.k8s.io/requests.storage",
		    cls);
		json_object_set_new(u, k, json_integer(n));
		free(k);
	}
	return u;
}

/*
 * Marks the claims a pod mounts for a sync and keeps the index of the pods
 * that mount each claim (add: the pod came or went, sign 1 or -1).
 */
static void
sim_mark_pod_claims(struct sim *sim, json_t *pod, int add)
{
	struct sim_storage *s = sim->storage;
	const char *name = sim_str(pod, "metadata.name");
	json_t *v, *set;
	size_t i;
	bool eph;
	char *c, *k;

	json_array_foreach(sim_path(pod, "spec.volumes"), i, v) {
		if ((c = sim_vol_claim(pod, v, &eph)) == NULL)
			continue;
		k = sim_nskey(pod, c);
		json_object_set_new(s->claims, k, json_true());
		set = json_object_get(s->users, k);
		if (add > 0 && set == NULL) {
			set = json_object();
			json_object_set_new(s->users, k, set);
		}
		if (add > 0)
			json_object_set_new(set, name, json_true());
		else if (add < 0 && set != NULL) {
			json_object_del(set, name);
			if (json_object_size(set) == 0)
				json_object_del(s->users, k);
		}
		free(k);
		free(c);
	}
}

/* True if a pod's ephemeral volumes need their claims made. */
static bool
sim_pod_has_ephemeral(json_t *pod)
{
	json_t *v;
	size_t i;

	json_array_foreach(sim_path(pod, "spec.volumes"), i, v) {
		if (json_object_get(v, "ephemeral") != NULL)
			return true;
	}
	return false;
}

/* Notes what a pod change means for its claims. */
static void
sim_index_pod(struct sim *sim, json_t *old, json_t *new)
{
	struct sim_storage *s = sim->storage;
	json_t *pod = new ? new : old;
	const char *a, *b;
	char *k;

	if (!sim_pod_has_claims(pod))
		return;
	if (old == NULL && sim_pod_has_ephemeral(new)) {
		k = sim_nskey(new, NULL);
		json_object_set_new(s->pods, k, json_pack("[II]", (json_int_t)0,
		    (json_int_t)0));
		free(k);
	}
	if (new == NULL && json_object_get(sim->owners, sim_str(old,
	    "metadata.uid")) != NULL)
		json_object_set_new(s->gone, sim_str(old, "metadata.uid"),
		    json_true());
	a = old ? sim_str(old, "spec.nodeName") : NULL;
	b = new ? sim_str(new, "spec.nodeName") : NULL;
	if (old == NULL || new == NULL ||
	    sim_pod_is_terminal(old) != sim_pod_is_terminal(new) ||
	    (a == NULL) != (b == NULL))
		sim_mark_pod_claims(sim, pod, old == NULL ? 1 : new == NULL ?
		    -1 : 0);
}

/* True if a claim change can change where its pods may go. */
static bool
sim_claim_moved(json_t *old, json_t *new)
{
	if (old == NULL || new == NULL)
		return true;
	return !json_equal(sim_path(old, "status.phase"),
	    sim_path(new, "status.phase")) ||
	    !json_equal(sim_path(old, "metadata.deletionTimestamp"),
	    sim_path(new, "metadata.deletionTimestamp"));
}

/* Notes a claim change: to sync, pending or not, its released volume. */
static void
sim_index_claim(struct sim *sim, json_t *old, json_t *new)
{
	struct sim_storage *s = sim->storage;
	char *k = sim_nskey(new ? new : old, NULL);
	const char *vn;

	json_object_set_new(s->claims, k, json_true());
	if (new != NULL && !sim_claim_is_bound(new))
		json_object_set_new(s->pending, k, json_true());
	else
		json_object_del(s->pending, k);
	if (new == NULL && (vn = sim_str(old, "spec.volumeName")) != NULL)
		json_object_set_new(s->volumes, vn, json_true());
	if (sim_claim_moved(old, new))
		sim->sched_gen++;
	free(k);
}

/* Notes a change for the volume controllers; never writes the store. */
void
sim_storage_index(struct sim *sim, enum sim_rt rt, json_t *old, json_t *new)
{
	struct sim_storage *s = sim->storage;
	json_t *o = new ? new : old;
	const char *ns;
	char *k;

	switch (rt) {
	case SIM_RT_PODS:
		sim_index_pod(sim, old, new);
		break;
	case SIM_RT_PVCS:
		sim_index_claim(sim, old, new);
		break;
	case SIM_RT_PVS:
		json_object_set_new(s->volumes, sim_str(o, "metadata.name"),
		    json_true());
		if (new != NULL && sim_path(new, "spec.claimRef") == NULL &&
		    sim_path(new, "metadata.deletionTimestamp") == NULL)
			json_object_set_new(s->available, sim_str(o,
			    "metadata.name"), json_true());
		else
			json_object_del(s->available, sim_str(o,
			    "metadata.name"));
		ns = sim_str(o, "spec.claimRef.namespace");
		if (ns != NULL && sim_str(o, "spec.claimRef.name") != NULL) {
			k = xprintf("%s/%s", ns, sim_str(o,
			    "spec.claimRef.name"));
			json_object_set_new(s->claims, k, json_true());
			free(k);
		}
		break;
	case SIM_RT_STORAGECLASSES:
		/* Claims waiting for a class or a default get another look. */
		json_object_update(s->claims, s->pending);
		sim->sched_gen++;
		break;
	default:
		break;
	}
}

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
	char *k = sim_nskey(pvc, NULL);
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
	char *ts = sim_time_str(sim_now(sim));

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
static void
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
	key = sim_nskey(pvc, NULL);
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
	char *out = NULL, *t;

	*n = 0;
	json_object_foreach(sim_claim_users(sim, pvc), name, v) {
		pod = sim_get(sim, SIM_RT_PODS, ns, name);
		if (pod == NULL || sim_str(pod, "spec.nodeName") != NULL ||
		    sim_pod_is_terminal(pod))
			continue;
		t = xprintf("%s%s%s", out ? out : "", out ? "," : "", name);
		free(out);
		out = t;
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
	ts = sim_time_str(sim_now(sim));
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
	const char *key, *slash;
	size_t i;
	char *ns;

	json_object_foreach(set, key, v) {
		if (json_integer_value(json_array_get(v, 0)) <= now)
			json_array_append_new(keys, json_string(key));
	}
	json_array_foreach(keys, i, k) {
		key = json_string_value(k);
		slash = strchr(key, '/');
		ns = xstrndup(key, slash - key);
		pod = sim_get(sim, SIM_RT_PODS, ns, slash + 1);
		free(ns);
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
	const char *uid, *key, *a, *b;
	json_t *v, *x;
	char *ns;

	sim->storage->gone = json_object();
	json_object_foreach(set, uid, v) {
		deps = json_deep_copy(json_object_get(sim->owners, uid));
		json_object_foreach(deps, key, x) {
			a = strchr(key, '/');
			b = a ? strchr(a + 1, '/') : NULL;
			if (b == NULL)
				continue;
			ns = xstrndup(a + 1, b - a - 1);
			o = sim_get(sim, atoi(key), *ns ? ns : NULL, b + 1);
			if (o != NULL && json_object_get(sim->uids, uid) == NULL) {
				res = NULL;
				sim_delete(sim, atoi(key), *ns ? ns : NULL, b + 1,
				    "Background", -1, &res);
				json_decref(res);
			}
			free(ns);
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
	const char *key, *slash;
	char *ns;

	sim->storage->claims = json_object();
	json_object_foreach(set, key, v) {
		slash = strchr(key, '/');
		if (slash == NULL)
			continue;
		ns = xstrndup(key, slash - key);
		pvc = sim_get(sim, SIM_RT_PVCS, ns, slash + 1);
		if (pvc != NULL) {
			json_incref(pvc);
			sim_claim_sync(sim, pvc);
			json_decref(pvc);
		}
		free(ns);
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

/* Creates ailab's StorageClasses. */
static void
sim_storage_ailab(struct sim *sim)
{
	json_t *sc, *st = NULL;
	size_t i;

	for (i = 0; i < nitems(sim_ailab_classes); i++) {
		sc = json_pack("{s{ss}sssssssb}", "metadata", "name",
		    sim_ailab_classes[i].name, "provisioner",
		    sim_ailab_classes[i].provisioner, "volumeBindingMode",
		    sim_ailab_classes[i].mode, "reclaimPolicy", "Delete",
		    "allowVolumeExpansion", sim_ailab_classes[i].expand);
		if (sim_admit_create(sim, SIM_RT_STORAGECLASSES, sc, &st) == NULL)
			fatalx("built-in StorageClass %s: %s",
			    sim_ailab_classes[i].name, sim_str(st, "message"));
	}
}

/* Creates the cluster file's StorageClasses; -1 with *cause naming one. */
static int
sim_storage_classes(struct sim *sim, json_t *list, char **cause)
{
	json_t *sc, *st = NULL;
	size_t i;

	if (!json_is_array(list)) {
		*cause = xstrdup("'storageClasses' must be a list of "
		    "StorageClasses");
		return -1;
	}
	json_array_foreach(list, i, sc) {
		if (!json_is_object(sc)) {
			*cause = xprintf("storageClasses[%zu]: not a "
			    "StorageClass", i);
			return -1;
		}
		sc = json_deep_copy(sc);
		if (sim_path(sc, "metadata.name") == NULL &&
		    sim_str(sc, "name") != NULL) {
			sim_set(sc, "metadata.name", json_string(sim_str(sc,
			    "name")));
			json_object_del(sc, "name");
		}
		if (sim_admit_create(sim, SIM_RT_STORAGECLASSES, sc, &st) ==
		    NULL) {
			*cause = xprintf("storageClasses[%zu]: %s", i,
			    sim_str(st, "message"));
			json_decref(st);
			return -1;
		}
	}
	return 0;
}

/*
 * Creates the cluster's StorageClasses, then gives the claims the cluster
 * file made (sim-cluster.c) their volumes, as bound long before the
 * simulation starts.
 */
int
sim_storage_start(struct sim *sim, char **cause)
{
	json_t *classes = json_object_get(sim->cluster, "storageClasses");
	const char *file = sim->opt.cluster_file;
	char *why = NULL;

	if (classes == NULL)
		sim_storage_ailab(sim);
	else if (sim_storage_classes(sim, classes, &why) != 0) {
		*cause = xprintf("%s: %s", file ? file : "built-in", why);
		free(why);
		return -1;
	}
	sim->storage->starting = true;
	sim_storage_pass(sim);
	sim->storage->starting = false;
	return 0;
}

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
		    sim_str(pvc, "spec.volumeName") ?
		    sim_str(pvc, "spec.volumeName") : "");
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
