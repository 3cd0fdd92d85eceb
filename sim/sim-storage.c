/*
 * Storage in simulation: the state of the storage controllers, the
 * admission of claims, volumes and classes, claim usage for quota, the
 * index that turns store changes into work sets (sim_storage_index), and
 * the classes ailab runs when the cluster file names none.  The
 * controllers are sim-volume.c's; the scheduler's volume checks are
 * sim-volsched.c's.
 */
#include "sim-storage.h"

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
char *
sim_storage_key(json_t *obj, const char *name)
{
	return xprintf("%s/%s", sim_str(obj, "metadata.namespace"),
	    name ? name : sim_str(obj, "metadata.name"));
}

/* True if a list of strings holds s. */
bool
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
void
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
bool
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
const char *
sim_annotation(json_t *obj, const char *k)
{
	return json_string_value(json_object_get(sim_path(obj,
	    "metadata.annotations"), k));
}

/* Sets an annotation on a copy. */
void
sim_annotate(json_t *obj, const char *k, const char *v)
{
	json_object_set_new(sim_child(sim_child(obj, "metadata"),
	    "annotations"), k, json_string(v));
}

/* The claim a pod volume mounts ("<pod>-<volume>" if ephemeral), or NULL. */
char *
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
bool
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
bool
sim_claim_is_bound(json_t *pvc)
{
	const char *ph = sim_str(pvc, "status.phase");

	return ph != NULL && strcmp(ph, "Bound") == 0;
}

/* The newest class marked default, as DefaultStorageClass admission picks. */
json_t *
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
bool
sim_class_waits(json_t *sc)
{
	const char *m = sim_str(sc, "volumeBindingMode");

	return m != NULL && strcmp(m, "WaitForFirstConsumer") == 0;
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

	if (json_array_size(modes) == 0)
		sim_cause(e, "FieldValueRequired", "spec.accessModes", "%s",
		    required);
	json_array_foreach(modes, i, v) {
		m = json_is_string(v) ? json_string_value(v) : "";
		for (j = 0; j < nitems(known); j++)
			if (strcmp(m, known[j]) == 0)
				break;
		if (j < nitems(known))
			continue;
		sim_cause(e, "FieldValueNotSupported", "spec.accessModes",
		    "Unsupported value: \"%s\": supported values: "
		    "\"ReadOnlyMany\", \"ReadWriteMany\", \"ReadWriteOnce\", "
		    "\"ReadWriteOncePod\"", m);
	}
}

/* What a new claim and a new volume both get once valid: the Filesystem
 * mode unless set, their protection finalizer and the phase Pending; the
 * admission's answer (NULL: admitted). */
static json_t *
sim_volume_new(json_t *o, const char *finalizer)
{
	if (sim_path(o, "spec.volumeMode") == NULL)
		sim_set(o, "spec.volumeMode", json_string("Filesystem"));
	sim_finalizer_add(o, finalizer);
	json_object_set_new(o, "status", json_pack("{ss}", "phase",
	    "Pending"));
	return NULL;
}

/* Validates and defaults a claim as the apiserver and its admission do. */
static json_t *
sim_pvc_admit(struct sim *sim, json_t *pvc)
{
	json_t *e = json_array();
	json_t *req = sim_path(pvc, "spec.resources.requests.storage"), *st;
	json_t *dflt;
	int64_t n;

	sim_check_modes(e, sim_path(pvc, "spec.accessModes"),
	    "Required value: at least 1 access mode is required");
	if (req == NULL)
		sim_cause(e, "FieldValueRequired", "spec.resources[storage]",
		    "Required value");
	else if (sim_key_parse("requests.storage", req, &n) != 0 || n <= 0)
		sim_cause(e, "FieldValueInvalid", "spec.resources[storage]",
		    "Invalid value: \"%s\": must be greater than zero",
		    json_is_string(req) ? json_string_value(req) : "");
	if ((st = sim_causes_status(e, SIM_RT_PVCS, pvc)) != NULL)
		return st;
	dflt = sim_default_class(sim);
	if (sim_path(pvc, "spec.storageClassName") == NULL && dflt != NULL)
		sim_set(pvc, "spec.storageClassName",
		    json_string(sim_str(dflt, "metadata.name")));
	return sim_volume_new(pvc, SIM_PVC_PROTECTION);
}

/* Validates and defaults a volume an administrator creates. */
static json_t *
sim_pv_admit(json_t *pv)
{
	json_t *e = json_array();
	json_t *st;

	if (sim_path(pv, "spec.capacity.storage") == NULL)
		sim_cause(e, "FieldValueRequired", "spec.capacity",
		    "Required value");
	sim_check_modes(e, sim_path(pv, "spec.accessModes"),
	    "Required value");
	if ((st = sim_causes_status(e, SIM_RT_PVS, pv)) != NULL)
		return st;
	if (sim_path(pv, "spec.persistentVolumeReclaimPolicy") == NULL)
		sim_set(pv, "spec.persistentVolumeReclaimPolicy",
		    json_string("Retain"));
	return sim_volume_new(pv, SIM_PV_PROTECTION);
}

/* Defaults a class field, or reports a value outside the allowed two. */
static void
sim_class_enum(json_t *e, json_t *sc, const char *field,
    const char *a, const char *b)
{
	json_t *v = json_object_get(sc, field);
	const char *s = json_string_value(v);

	if (v == NULL) {
		json_object_set_new(sc, field, json_string(a));
		return;
	}
	if (s != NULL && (strcmp(s, a) == 0 || strcmp(s, b) == 0))
		return;
	sim_cause(e, "FieldValueNotSupported", field, "Unsupported value: "
	    "\"%s\": supported values: \"%s\", \"%s\"", s ? s : "",
	    strcmp(a, b) < 0 ? a : b, strcmp(a, b) < 0 ? b : a);
}

/* Validates and defaults a StorageClass. */
static json_t *
sim_class_admit(json_t *sc)
{
	json_t *e = json_array();
	const char *p = sim_str(sc, "provisioner");

	if (p == NULL || *p == '\0')
		sim_cause(e, "FieldValueRequired", "provisioner",
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
		k = sim_storage_key(pod, c);
		json_object_set_new(s->claims, k, json_true());
		if (add > 0)
			json_object_set_new(sim_child(s->users, k), name,
			    json_true());
		else if (add < 0 &&
		    (set = json_object_get(s->users, k)) != NULL) {
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
		k = sim_storage_key(new, NULL);
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
	char *k = sim_storage_key(new ? new : old, NULL);
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
