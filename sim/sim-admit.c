/*
 * Admission of a create, as the apiserver's chain does it: generated
 * names, validation (422 Invalid), per-type defaults, and ResourceQuota
 * (403 Forbidden).  Each type's defaults are a hook in sim_admit_hooks.
 */
#include "sim-ctrl.h"

#include <ctype.h>

/* True if s is an RFC 1123 subdomain, as metadata.name must be. */
static bool
sim_is_dns_subdomain(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > 253)
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!(islower((unsigned char)c) || isdigit((unsigned char)c) ||
		    c == '-' || c == '.'))
			return false;
	}
	return isalnum((unsigned char)s[0]) && isalnum((unsigned char)s[n - 1]);
}

/* Validates what the apiserver would refuse with 422 Invalid. */
static json_t *
sim_validate(enum sim_rt rt, json_t *obj)
{
	json_t *causes = json_array(), *st = NULL, *ctrs, *c, *tspec = NULL;
	const char *name = sim_str(obj, "metadata.name");
	const char *pre = rt == SIM_RT_PODS ? "spec" : "spec.template.spec";
	char f[64];
	size_t i;

	if (name != NULL && !sim_is_dns_subdomain(name))
		sim_cause(causes, "FieldValueInvalid", "metadata.name",
		    "Invalid value: \"%s\": a lowercase RFC 1123 "
		    "subdomain must consist of lower case alphanumeric "
		    "characters, '-' or '.', and must start and end with an "
		    "alphanumeric character (e.g. 'example.com', regex used for "
		    "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]"
		    "([-a-z0-9]*[a-z0-9])?)*')", name);
	if (rt == SIM_RT_PODS || rt == SIM_RT_DEPLOYMENTS ||
	    rt == SIM_RT_REPLICASETS || rt == SIM_RT_JOBS) {
		tspec = sim_path(obj, pre);
		ctrs = json_object_get(tspec, "containers");
		snprintf(f, sizeof f, "%s.containers", pre);
		if (json_array_size(ctrs) == 0)
			sim_cause(causes, "FieldValueRequired", f,
			    "Required value");
		json_array_foreach(ctrs, i, c) {
			snprintf(f, sizeof f, "%s.containers[%zu].name", pre, i);
			if (sim_str(c, "name") == NULL)
				sim_cause(causes, "FieldValueRequired", f,
				    "Required value");
			snprintf(f, sizeof f, "%s.containers[%zu].image", pre, i);
			if (sim_str(c, "image") == NULL)
				sim_cause(causes, "FieldValueRequired", f,
				    "Required value");
		}
	}
	if (rt == SIM_RT_JOBS) {
		const char *rp = sim_str(tspec, "restartPolicy");
		const char *mode = sim_str(obj, "spec.completionMode");

		if (rp == NULL)
			sim_cause(causes, "FieldValueRequired",
			    "spec.template.spec.restartPolicy",
			    "Required value: valid values: \"OnFailure\", "
			    "\"Never\"");
		else if (strcmp(rp, "Never") != 0 && strcmp(rp, "OnFailure") != 0)
			sim_cause(causes, "FieldValueNotSupported",
			    "spec.template.spec.restartPolicy", "Unsupported "
			    "value: \"%s\": supported values: \"OnFailure\", "
			    "\"Never\"", rp);
		if (mode != NULL && strcmp(mode, "Indexed") == 0 &&
		    !json_is_integer(sim_path(obj, "spec.completions")))
			sim_cause(causes, "FieldValueRequired", "spec.completions",
			    "Required value: when completion mode is Indexed");
	}
	if (rt == SIM_RT_DEPLOYMENTS || rt == SIM_RT_REPLICASETS) {
		json_t *sel = sim_path(obj, "spec.selector");
		json_t *r = sim_path(obj, "spec.replicas");

		if (sel == NULL)
			sim_cause(causes, "FieldValueRequired", "spec.selector",
			    "Required value");
		else {
			struct sim_selector *s = sim_selector_from_json(sel, NULL);

			if (s == NULL || !sim_selector_matches(s, sim_path(obj,
			    "spec.template.metadata.labels")))
				sim_cause(causes, "FieldValueInvalid",
				    "spec.template.metadata.labels",
				    "Invalid value: `selector` does not match "
				    "template `labels`");
			sim_selector_free(s);
		}
		if (r != NULL && (!json_is_integer(r) ||
		    json_integer_value(r) < 0))
			sim_cause(causes, "FieldValueInvalid", "spec.replicas",
			    "Invalid value: must be greater than or equal to 0");
	}
	sim_valid_resources(causes, rt, obj);
	if (json_array_size(causes) > 0)
		st = sim_invalid_status(rt, name, causes);
	json_decref(causes);
	return st;
}

/* Sets a member by dotted path only when absent (defaulting); takes v. */
void
sim_default(json_t *obj, const char *path, json_t *v)
{
	if (sim_path(obj, path) == NULL)
		sim_set(obj, path, v);
	else
		json_decref(v);
}

/* Fills pod spec defaults as the apiserver does. */
void
sim_pod_defaults(json_t *spec)
{
	json_t *c;
	size_t i;

	sim_default(spec, "restartPolicy", json_string("Always"));
	sim_default(spec, "terminationGracePeriodSeconds", json_integer(30));
	sim_default(spec, "dnsPolicy", json_string("ClusterFirst"));
	sim_default(spec, "schedulerName", json_string("default-scheduler"));
	sim_default(spec, "securityContext", json_object());
	json_array_foreach(json_object_get(spec, "containers"), i, c) {
		sim_default(c, "terminationMessagePath",
		    json_string("/dev/termination-log"));
		sim_default(c, "terminationMessagePolicy", json_string("File"));
		sim_container_defaults(c);
		sim_default(c, "resources", json_object());
	}
	json_array_foreach(json_object_get(spec, "initContainers"), i, c)
		sim_container_defaults(c);
}

/* The quota objects of a namespace as an array (new reference). */
json_t *
sim_ns_quotas(struct sim *sim, const char *ns)
{
	json_t *arr = json_array(), *m, *q;
	const char *k;

	m = json_object_get(sim->objs[SIM_RT_RESOURCEQUOTAS], ns);
	json_object_foreach(m, k, q)
		json_array_append(arr, q);
	return arr;
}

/* Usage a new object would add against quota (new reference). */
static json_t *
sim_new_usage(enum sim_rt rt, json_t *obj)
{
	const struct sim_rtype *t = &sim_rtypes[rt];
	json_t *u;
	char *k;

	if (rt == SIM_RT_PODS)
		return sim_pod_usage(obj, true);
	if (rt == SIM_RT_PVCS)
		return sim_pvc_usage(obj);
	u = json_object();
	k = *t->group ? xprintf("count/%s.%s", t->name, t->group) :
	    xprintf("count/%s", t->name);
	json_object_set_new(u, k, json_integer(1));
	free(k);
	if (rt == SIM_RT_SERVICES)
		json_object_set_new(u, "services", json_integer(1));
	return u;
}

/* What a type's admission hook reads, and its refusal when it returns -1. */
struct sim_admission {
	struct sim *sim;
	enum sim_rt rt;
	json_t *obj;
	const char *name;
	json_t *status;
};

/* Pod defaults, phase Pending and, when already bound, PodScheduled. */
static int
sim_admit_pod(struct sim_admission *a)
{
	json_t *obj = a->obj;
	char *ts;

	sim_pod_defaults(sim_child(obj, "spec"));
	/* The ServiceAccount admission plugin: a pod runs as "default". */
	sim_default(obj, "spec.serviceAccountName", json_string("default"));
	sim_default(obj, "spec.serviceAccount", json_string(sim_str(obj,
	    "spec.serviceAccountName")));
	json_object_set_new(obj, "status", json_pack("{ss}", "phase",
	    "Pending"));
	sim_pod_admit(obj);
	if (sim_path(obj, "spec.nodeName") != NULL) {
		ts = time_format_rfc3339(sim_now(a->sim));
		sim_set(obj, "status.conditions", json_pack("[{ssssss?ss}]",
		    "type", "PodScheduled", "status", "True", "lastProbeTime",
		    NULL, "lastTransitionTime", ts));
		free(ts);
	}
	return 0;
}

/* A Deployment's defaults: replicas, history, deadline, rolling update. */
static int
sim_admit_deployment(struct sim_admission *a)
{
	json_t *obj = a->obj;

	sim_default(obj, "spec.replicas", json_integer(1));
	sim_default(obj, "spec.revisionHistoryLimit", json_integer(10));
	sim_default(obj, "spec.progressDeadlineSeconds", json_integer(600));
	sim_default(obj, "spec.strategy", json_pack("{sss{ssss}}", "type",
	    "RollingUpdate", "rollingUpdate", "maxUnavailable", "25%",
	    "maxSurge", "25%"));
	sim_pod_defaults(sim_path(obj, "spec.template.spec"));
	json_object_set_new(obj, "status", json_object());
	return 0;
}

/* A ReplicaSet's defaults. */
static int
sim_admit_replicaset(struct sim_admission *a)
{
	json_t *obj = a->obj;

	sim_default(obj, "spec.replicas", json_integer(1));
	json_object_set_new(obj, "status", json_pack("{si}", "replicas", 0));
	return 0;
}

/*
 * A Job's defaults as batch/v1 sets them: its uid now (the selector and
 * the template's labels name it), completions and parallelism, back-off,
 * the completion mode and the pod replacement policy.
 */
static int
sim_admit_job(struct sim_admission *a)
{
	json_t *obj = a->obj;
	char uid[64];
	uint64_t r1 = sim_rand(a->sim), r2 = sim_rand(a->sim);
	json_t *labels;

	snprintf(uid, sizeof uid, "%08x-%04x-4%03x-%04x-%012llx",
	    (unsigned)(r1 >> 32), (unsigned)(r1 >> 16) & 0xffff,
	    (unsigned)r1 & 0xfff, (unsigned)(0x8000 | ((r2 >> 48) & 0x3fff)),
	    (unsigned long long)(r2 & 0xffffffffffffULL));
	sim_set(obj, "metadata.uid", json_string(uid));
	if (sim_path(obj, "spec.completions") == NULL &&
	    sim_path(obj, "spec.parallelism") == NULL) {
		sim_set(obj, "spec.completions", json_integer(1));
		sim_set(obj, "spec.parallelism", json_integer(1));
	}
	sim_default(obj, "spec.parallelism", json_integer(1));
	sim_default(obj, "spec.backoffLimit", json_integer(6));
	sim_default(obj, "spec.completionMode", json_string("NonIndexed"));
	sim_default(obj, "spec.suspend", json_false());
	/* A podFailurePolicy allows replacing failed pods only. */
	sim_default(obj, "spec.podReplacementPolicy", json_string(
	    sim_path(obj, "spec.podFailurePolicy") ? "Failed" :
	    "TerminatingOrFailed"));
	sim_default(obj, "spec.manualSelector", json_false());
	if (sim_path(obj, "spec.selector") == NULL)
		sim_set(obj, "spec.selector", json_pack("{s{ss}}",
		    "matchLabels", "batch.kubernetes.io/controller-uid", uid));
	labels = sim_child(sim_child(sim_child(sim_child(obj, "spec"),
	    "template"), "metadata"), "labels");
	json_object_set_new(labels, "batch.kubernetes.io/controller-uid",
	    json_string(uid));
	json_object_set_new(labels, "controller-uid", json_string(uid));
	json_object_set_new(labels, "batch.kubernetes.io/job-name",
	    json_string(a->name));
	json_object_set_new(labels, "job-name", json_string(a->name));
	if (!json_is_object(sim_path(obj, "metadata.labels")))
		sim_set(obj, "metadata.labels", json_pack("{ssss}",
		    "batch.kubernetes.io/controller-uid", uid,
		    "batch.kubernetes.io/job-name", a->name));
	sim_pod_defaults(sim_path(obj, "spec.template.spec"));
	json_object_set_new(obj, "status", json_object());
	return 0;
}

/* A namespace is Active, finalized by "kubernetes" and labelled by name. */
static int
sim_admit_namespace(struct sim_admission *a)
{
	json_t *obj = a->obj;

	sim_set(obj, "status.phase", json_string("Active"));
	sim_set(obj, "spec.finalizers", json_pack("[s]", "kubernetes"));
	json_object_set_new(sim_child(sim_child(obj, "metadata"), "labels"),
	    "kubernetes.io/metadata.name", json_string(a->name));
	return 0;
}

/* A quota's status starts with its hard limits. */
static int
sim_admit_quota(struct sim_admission *a)
{
	json_t *obj = a->obj;

	sim_set(obj, "status", json_pack("{sO}", "hard",
	    sim_path(obj, "spec.hard") ? sim_path(obj, "spec.hard") :
	    json_object()));
	return 0;
}

/* A Service gets its type and a cluster IP. */
static int
sim_admit_service(struct sim_admission *a)
{
	json_t *obj = a->obj;
	char ip[32];

	sim_default(obj, "spec.type", json_string("ClusterIP"));
	if (sim_path(obj, "spec.clusterIP") == NULL) {
		snprintf(ip, sizeof ip, "10.96.%u.%u",
		    (unsigned)(sim_rand(a->sim) % 250),
		    (unsigned)(sim_rand(a->sim) % 250 + 1));
		sim_set(obj, "spec.clusterIP", json_string(ip));
	}
	sim_service_defaults(obj);
	return 0;
}

/* Claims, volumes and classes: sim-storage.c's admission. */
static int
sim_admit_storage(struct sim_admission *a)
{
	a->status = sim_storage_admit(a->sim, a->rt, a->obj);
	return a->status != NULL ? -1 : 0;
}

/* Each type's defaults (and refusals) after validation, before quota. */
static int (*const sim_admit_hooks[SIM_RT_MAX])(struct sim_admission *) = {
	[SIM_RT_PODS] = sim_admit_pod,
	[SIM_RT_DEPLOYMENTS] = sim_admit_deployment,
	[SIM_RT_REPLICASETS] = sim_admit_replicaset,
	[SIM_RT_JOBS] = sim_admit_job,
	[SIM_RT_NAMESPACES] = sim_admit_namespace,
	[SIM_RT_RESOURCEQUOTAS] = sim_admit_quota,
	[SIM_RT_SERVICES] = sim_admit_service,
	[SIM_RT_PVCS] = sim_admit_storage,
	[SIM_RT_PVS] = sim_admit_storage,
	[SIM_RT_STORAGECLASSES] = sim_admit_storage,
};

/*
 * Creates through validation, defaulting and quota admission; a dry run
 * stops short of storing and answers the object as it would be (a new
 * reference), running only the hooks that change nothing but the object.
 */
static json_t *
sim_admit_run(struct sim *sim, enum sim_rt rt, json_t *obj, json_t **status,
    bool dry)
{
	const char *ns = sim_str(obj, "metadata.namespace");
	const char *gen = sim_str(obj, "metadata.generateName");
	json_t *st, *meta, *quotas, *delta, *stored;
	struct sim_admission a;
	const char *q = sim_qualified(rt);
	char *m, suffix[8];
	const char *name;
	int tries;

	*status = NULL;
	meta = sim_child(obj, "metadata");
	json_object_del(meta, "resourceVersion");
	json_object_del(meta, "uid");
	json_object_del(meta, "creationTimestamp");
	json_object_del(meta, "deletionTimestamp");
	json_object_del(meta, "managedFields");
	json_object_del(meta, "selfLink");
	if (sim_str(obj, "metadata.name") == NULL ||
	    *sim_str(obj, "metadata.name") == '\0') {
		if (gen == NULL) {
			const struct sim_rtype *t = &sim_rtypes[rt];

			m = xprintf("%s \"\" is invalid: metadata.name: Required "
			    "value: name or generateName is required", t->kind);
			*status = sim_status_new(422, "Invalid", m, json_pack(
			    "{sss[{ssssss}]}", "kind", t->kind, "causes",
			    "reason", "FieldValueRequired", "message",
			    "Required value: name or generateName is required",
			    "field", "metadata.name"));
			free(m);
			json_decref(obj);
			return NULL;
		}
		for (tries = 0; tries < 10; tries++) {
			sim_rand_suffix(sim, suffix, 5);
			m = xprintf("%s%s", gen, suffix);
			if (sim_get(sim, rt, ns, m) == NULL) {
				json_object_set_new(meta, "name", json_string(m));
				free(m);
				break;
			}
			free(m);
		}
	}
	name = sim_str(obj, "metadata.name");
	if ((st = sim_validate(rt, obj)) != NULL) {
		*status = st;
		json_decref(obj);
		return NULL;
	}
	if (sim_get(sim, rt, ns, name) != NULL) {
		m = xprintf("%s \"%s\" already exists", q, name);
		*status = sim_status_new(409, "AlreadyExists", m,
		    sim_details(rt, name));
		free(m);
		json_decref(obj);
		return NULL;
	}
	/* Defaults, or a refusal, by type. */
	a = (struct sim_admission){ sim, rt, obj, name, NULL };
	if (sim_admit_hooks[rt] != NULL && (!dry || rt == SIM_RT_PODS ||
	    rt == SIM_RT_DEPLOYMENTS || rt == SIM_RT_REPLICASETS ||
	    rt == SIM_RT_JOBS) && sim_admit_hooks[rt](&a) != 0) {
		*status = a.status;
		json_decref(obj);
		return NULL;
	}
	if (sim_rtypes[rt].namespaced && ns != NULL) {
		quotas = sim_ns_quotas(sim, ns);
		delta = sim_new_usage(rt, obj);
		m = NULL;
		if (sim_quota_admit(quotas, json_object_get(sim->ns_use, ns),
		    delta, rt == SIM_RT_PODS ? obj : NULL, &m) != 0) {
			char *full;

			full = xprintf("%s \"%s\" is forbidden: %s", q, name, m);
			*status = sim_status_new(403, "Forbidden", full,
			    json_pack("{ssss}", "name", name, "kind",
			    sim_rtypes[rt].name));
			free(full);
			free(m);
			json_decref(quotas);
			json_decref(delta);
			json_decref(obj);
			return NULL;
		}
		json_decref(quotas);
		json_decref(delta);
	}
	if (dry) {
		sim_create_meta(sim, rt, obj);
		return obj;
	}
	stored = sim_create_obj(sim, rt, obj);
	return stored;
}

/* Creates through validation, defaulting and quota admission. */
json_t *
sim_admit_create(struct sim *sim, enum sim_rt rt, json_t *obj,
    json_t **status)
{
	return sim_admit_run(sim, rt, obj, status, false);
}

/* What a create would store, through the same admission (dryRun=All). */
json_t *
sim_admit_dry_run(struct sim *sim, enum sim_rt rt, json_t *obj,
    json_t **status)
{
	return sim_admit_run(sim, rt, obj, status, true);
}
