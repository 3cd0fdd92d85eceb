/*
 * The control plane in simulation: admission (validation, defaults,
 * ResourceQuota), deletion with propagation policies and garbage
 * collection, the Deployment, ReplicaSet and Job controllers, quota status
 * and Events.
 */
#include "sim-int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

/* True once a pod has stopped for good. */
bool
sim_pod_is_terminal(json_t *pod)
{
	const char *ph = sim_str(pod, "status.phase");

	return ph != NULL && (strcmp(ph, "Succeeded") == 0 ||
	    strcmp(ph, "Failed") == 0);
}

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

/* Collects validation errors the way field.ErrorList prints them. */
struct sim_verr {
	json_t *causes;
};

/* Adds one field error. */
static void
sim_verr_add(struct sim_verr *v, const char *reason, const char *field,
    const char *detail)
{
	json_array_append_new(v->causes, json_pack("{ssssss}", "reason", reason,
	    "message", detail, "field", field));
}

/* Validates what the apiserver would refuse with 422 Invalid. */
static json_t *
sim_validate(enum sim_rt rt, json_t *obj)
{
	struct sim_verr v = { json_array() };
	const char *name = sim_str(obj, "metadata.name");
	json_t *st = NULL, *ctrs, *c, *tspec;
	size_t i;
	char *f, *d;

	if (name != NULL && !sim_is_dns_subdomain(name)) {
		d = xprintf("Invalid value: \"%s\": a lowercase RFC 1123 "
		    "subdomain must consist of lower case alphanumeric "
		    "characters, '-' or '.', and must start and end with an "
		    "alphanumeric character (e.g. 'example.com', regex used for "
		    "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]"
		    "([-a-z0-9]*[a-z0-9])?)*')", name);
		sim_verr_add(&v, "FieldValueInvalid", "metadata.name", d);
		free(d);
	}
	tspec = NULL;
	if (rt == SIM_RT_PODS)
		tspec = sim_path(obj, "spec");
	else if (rt == SIM_RT_DEPLOYMENTS || rt == SIM_RT_REPLICASETS ||
	    rt == SIM_RT_JOBS)
		tspec = sim_path(obj, "spec.template.spec");
	if (rt == SIM_RT_PODS || rt == SIM_RT_DEPLOYMENTS ||
	    rt == SIM_RT_REPLICASETS || rt == SIM_RT_JOBS) {
		const char *pre = rt == SIM_RT_PODS ? "spec" :
		    "spec.template.spec";

		ctrs = json_object_get(tspec, "containers");
		if (json_array_size(ctrs) == 0) {
			f = xprintf("%s.containers", pre);
			sim_verr_add(&v, "FieldValueRequired", f,
			    "Required value");
			free(f);
		}
		json_array_foreach(ctrs, i, c) {
			if (sim_str(c, "name") == NULL) {
				f = xprintf("%s.containers[%zu].name", pre, i);
				sim_verr_add(&v, "FieldValueRequired", f,
				    "Required value");
				free(f);
			}
			if (sim_str(c, "image") == NULL) {
				f = xprintf("%s.containers[%zu].image", pre, i);
				sim_verr_add(&v, "FieldValueRequired", f,
				    "Required value");
				free(f);
			}
		}
	}
	if (rt == SIM_RT_JOBS) {
		const char *rp = sim_str(tspec, "restartPolicy");
		const char *mode = sim_str(obj, "spec.completionMode");

		if (rp == NULL || (strcmp(rp, "Never") != 0 &&
		    strcmp(rp, "OnFailure") != 0)) {
			if (rp == NULL)
				sim_verr_add(&v, "FieldValueRequired",
				    "spec.template.spec.restartPolicy",
				    "Required value: valid values: \"OnFailure\", "
				    "\"Never\"");
			else {
				d = xprintf("Unsupported value: \"%s\": supported "
				    "values: \"OnFailure\", \"Never\"", rp);
				sim_verr_add(&v, "FieldValueNotSupported",
				    "spec.template.spec.restartPolicy", d);
				free(d);
			}
		}
		if (mode != NULL && strcmp(mode, "Indexed") == 0 &&
		    !json_is_integer(sim_path(obj, "spec.completions")))
			sim_verr_add(&v, "FieldValueRequired", "spec.completions",
			    "Required value: when completion mode is Indexed");
	}
	if (rt == SIM_RT_DEPLOYMENTS || rt == SIM_RT_REPLICASETS) {
		json_t *sel = sim_path(obj, "spec.selector");
		json_t *r = sim_path(obj, "spec.replicas");

		if (sel == NULL)
			sim_verr_add(&v, "FieldValueRequired", "spec.selector",
			    "Required value");
		else {
			struct sim_selector *s = sim_selector_from_json(sel, NULL);

			if (s == NULL || !sim_selector_matches(s, sim_path(obj,
			    "spec.template.metadata.labels")))
				sim_verr_add(&v, "FieldValueInvalid",
				    "spec.template.metadata.labels",
				    "Invalid value: `selector` does not match "
				    "template `labels`");
			sim_selector_free(s);
		}
		if (r != NULL && (!json_is_integer(r) ||
		    json_integer_value(r) < 0))
			sim_verr_add(&v, "FieldValueInvalid", "spec.replicas",
			    "Invalid value: must be greater than or equal to 0");
	}
	sim_valid_resources(v.causes, rt, obj);
	if (json_array_size(v.causes) > 0)
		st = sim_invalid_status(rt, name, v.causes);
	json_decref(v.causes);
	return st;
}

/* Sets a member only when absent (defaulting). */
static void
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
static json_t *
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

/* Creates through validation, defaulting and quota admission. */
json_t *
sim_admit_create(struct sim *sim, enum sim_rt rt, json_t *obj,
    json_t **status)
{
	const char *ns = sim_str(obj, "metadata.namespace");
	const char *gen = sim_str(obj, "metadata.generateName");
	json_t *st, *meta, *quotas, *delta, *stored;
	char *q, *m, suffix[8];
	const char *name;
	int tries;

	*status = NULL;
	meta = json_object_get(obj, "metadata");
	if (!json_is_object(meta)) {
		meta = json_object();
		json_object_set_new(obj, "metadata", meta);
	}
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
		q = sim_qualified(rt);
		m = xprintf("%s \"%s\" already exists", q, name);
		*status = sim_status_new(409, "AlreadyExists", m,
		    json_pack("{ssss}", "name", name, "kind", sim_rtypes[rt].name));
		if (*sim_rtypes[rt].group)
			json_object_set_new(json_object_get(*status, "details"),
			    "group", json_string(sim_rtypes[rt].group));
		free(m);
		free(q);
		json_decref(obj);
		return NULL;
	}
	/* Defaults. */
	switch (rt) {
	case SIM_RT_PODS:
		if (!json_is_object(json_object_get(obj, "spec")))
			json_object_set_new(obj, "spec", json_object());
		sim_pod_defaults(json_object_get(obj, "spec"));
		json_object_set_new(obj, "status", json_pack("{ss}", "phase",
		    "Pending"));
		sim_pod_admit(obj);
		if (sim_path(obj, "spec.nodeName") != NULL) {
			char *ts = sim_time_str(sim_now(sim));

			sim_set(obj, "status.conditions", json_pack(
			    "[{ssssss?ss}]", "type", "PodScheduled", "status",
			    "True", "lastProbeTime", NULL, "lastTransitionTime",
			    ts));
			free(ts);
		}
		break;
	case SIM_RT_DEPLOYMENTS:
		sim_default(obj, "spec.replicas", json_integer(1));
		sim_default(obj, "spec.revisionHistoryLimit", json_integer(10));
		sim_default(obj, "spec.progressDeadlineSeconds", json_integer(600));
		sim_default(obj, "spec.strategy", json_pack("{sss{ssss}}", "type",
		    "RollingUpdate", "rollingUpdate", "maxUnavailable", "25%",
		    "maxSurge", "25%"));
		sim_pod_defaults(sim_path(obj, "spec.template.spec"));
		json_object_set_new(obj, "status", json_object());
		break;
	case SIM_RT_REPLICASETS:
		sim_default(obj, "spec.replicas", json_integer(1));
		json_object_set_new(obj, "status", json_pack("{si}", "replicas", 0));
		break;
	case SIM_RT_JOBS: {
		char uid[64];
		uint64_t a = sim_rand(sim), b = sim_rand(sim);
		json_t *labels;

		snprintf(uid, sizeof uid, "%08x-%04x-4%03x-%04x-%012llx",
		    (unsigned)(a >> 32), (unsigned)(a >> 16) & 0xffff,
		    (unsigned)a & 0xfff,
		    (unsigned)(0x8000 | ((b >> 48) & 0x3fff)),
		    (unsigned long long)(b & 0xffffffffffffULL));
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
			    "matchLabels", "batch.kubernetes.io/controller-uid",
			    uid));
		labels = sim_path(obj, "spec.template.metadata.labels");
		if (!json_is_object(labels)) {
			labels = json_object();
			sim_set(obj, "spec.template.metadata.labels", labels);
		}
		json_object_set_new(labels, "batch.kubernetes.io/controller-uid",
		    json_string(uid));
		json_object_set_new(labels, "controller-uid", json_string(uid));
		json_object_set_new(labels, "batch.kubernetes.io/job-name",
		    json_string(name));
		json_object_set_new(labels, "job-name", json_string(name));
		if (!json_is_object(sim_path(obj, "metadata.labels")))
			sim_set(obj, "metadata.labels", json_pack("{ssss}",
			    "batch.kubernetes.io/controller-uid", uid,
			    "batch.kubernetes.io/job-name", name));
		sim_pod_defaults(sim_path(obj, "spec.template.spec"));
		json_object_set_new(obj, "status", json_object());
		break;
	}
	case SIM_RT_NAMESPACES:
		sim_set(obj, "status.phase", json_string("Active"));
		sim_set(obj, "spec.finalizers", json_pack("[s]", "kubernetes"));
		if (!json_is_object(sim_path(obj, "metadata.labels")))
			sim_set(obj, "metadata.labels", json_object());
		json_object_set_new(sim_path(obj, "metadata.labels"),
		    "kubernetes.io/metadata.name", json_string(name));
		break;
	case SIM_RT_RESOURCEQUOTAS:
		sim_set(obj, "status", json_pack("{sO}", "hard",
		    sim_path(obj, "spec.hard") ? sim_path(obj, "spec.hard") :
		    json_object()));
		break;
	case SIM_RT_SERVICES:
		sim_default(obj, "spec.type", json_string("ClusterIP"));
		if (sim_path(obj, "spec.clusterIP") == NULL) {
			char ip[32];

			snprintf(ip, sizeof ip, "10.96.%u.%u",
			    (unsigned)(sim_rand(sim) % 250),
			    (unsigned)(sim_rand(sim) % 250 + 1));
			sim_set(obj, "spec.clusterIP", json_string(ip));
		}
		sim_service_defaults(obj);
		break;
	case SIM_RT_PVCS:
	case SIM_RT_PVS:
	case SIM_RT_STORAGECLASSES:
		if ((*status = sim_storage_admit(sim, rt, obj)) != NULL) {
			json_decref(obj);
			return NULL;
		}
		break;
	default:
		break;
	}
	if (sim_rtypes[rt].namespaced && ns != NULL) {
		quotas = sim_ns_quotas(sim, ns);
		delta = sim_new_usage(rt, obj);
		m = NULL;
		if (sim_quota_admit(quotas, json_object_get(sim->ns_use, ns),
		    delta, rt == SIM_RT_PODS ? obj : NULL, &m) != 0) {
			char *full;

			q = sim_qualified(rt);
			full = xprintf("%s \"%s\" is forbidden: %s", q, name, m);
			*status = sim_status_new(403, "Forbidden", full,
			    json_pack("{ssss}", "name", name, "kind",
			    sim_rtypes[rt].name));
			free(full);
			free(q);
			free(m);
			json_decref(quotas);
			json_decref(delta);
			json_decref(obj);
			return NULL;
		}
		json_decref(quotas);
		json_decref(delta);
	}
	stored = sim_create_obj(sim, rt, obj);
	return stored;
}

/* Splits an index key "rt/ns/name"; -1 when malformed. */
static int
sim_key_split(const char *key, int *rt, char **ns, char **name)
{
	const char *a = strchr(key, '/'), *b;

	if (a == NULL || (b = strchr(a + 1, '/')) == NULL)
		return -1;
	*rt = atoi(key);
	*ns = xstrndup(a + 1, b - a - 1);
	*name = xstrdup(b + 1);
	return 0;
}

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
	char *ns, *name;
	int rt;

	json_array_foreach(keys, i, k) {
		if (sim_key_split(json_string_value(k), &rt, &ns, &name) != 0)
			continue;
		o = sim_get(sim, rt, ns[0] ? ns : NULL, name);
		if (o != NULL) {
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
		free(ns);
		free(name);
	}
	json_decref(keys);
}

/* Deletes the dependents of uid with a policy (background GC). */
static void
sim_delete_dependents(struct sim *sim, const char *uid, const char *policy)
{
	json_t *keys = sim_keys(json_object_get(sim->owners, uid)), *k, *o;
	size_t i;
	char *ns, *name;
	int rt;

	json_array_foreach(keys, i, k) {
		if (sim_key_split(json_string_value(k), &rt, &ns, &name) != 0)
			continue;
		o = sim_get(sim, rt, ns[0] ? ns : NULL, name);
		if (o != NULL &&
		    sim_path(o, "metadata.deletionTimestamp") == NULL) {
			json_t *res = NULL;

			sim_delete(sim, rt, ns[0] ? ns : NULL, name, policy, -1,
			    &res);
			json_decref(res);
		}
		free(ns);
		free(name);
	}
	json_decref(keys);
}

/* Deletes an object as the apiserver and garbage collector would. */
int
sim_delete(struct sim *sim, enum sim_rt rt, const char *ns, const char *name,
    const char *policy, int64_t grace, json_t **result)
{
	json_t *obj = sim_get(sim, rt, ns, name), *cp;
	const char *uid;
	char *ts, *uidc;

	*result = NULL;
	if (obj == NULL)
		return 0;
	if (policy == NULL)
		policy = rt == SIM_RT_JOBS ? "Orphan" : "Background";
	uidc = xstrdup(sim_str(obj, "metadata.uid"));
	uid = uidc;
	if (sim_path(obj, "metadata.deletionTimestamp") != NULL) {
		/* Already going; a zero grace period for a pod ends it now. */
		if (rt == SIM_RT_PODS && grace == 0) {
			*result = json_deep_copy(obj);
			sim_remove(sim, rt, ns, name);
			free(uidc);
			return 0;
		}
		*result = json_incref(obj);
		free(uidc);
		return 1;
	}
	if (strcmp(policy, "Orphan") == 0)
		sim_orphan(sim, uid);
	ts = sim_time_str(sim_now(sim));
	if (rt == SIM_RT_PODS) {
		bool graceful = sim_str(obj, "spec.nodeName") != NULL &&
		    !sim_pod_is_terminal(obj) && grace != 0;

		if (graceful) {
			json_t *g = sim_path(obj,
			    "spec.terminationGracePeriodSeconds");
			int64_t gs = grace > 0 ? grace : (json_is_integer(g) ?
			    json_integer_value(g) : 30);
			char *pk = xprintf("%s/%s", ns, name);
			int64_t delay = gs < 1 ? 0 : 1000;

			/* As the apiserver: the time after which the pod
			 * may be killed, now plus its grace. */
			cp = json_deep_copy(obj);
			free(ts);
			ts = sim_time_str(sim_now(sim) + (gs > 0 ? gs : 0) *
			    1000);
			sim_set(cp, "metadata.deletionTimestamp", json_string(ts));
			sim_set(cp, "metadata.deletionGracePeriodSeconds",
			    json_integer(gs));
			*result = json_incref(sim_put(sim, rt, cp));
			sim_kubelet_arm(sim, pk, sim_now(sim) + delay);
			free(pk);
			free(ts);
			free(uidc);
			return 1;
		}
		*result = json_deep_copy(obj);
		sim_remove(sim, rt, ns, name);
		sim_delete_dependents(sim, uid, "Background");
		free(ts);
		free(uidc);
		return 0;
	}
	if (strcmp(policy, "Foreground") == 0 &&
	    json_object_get(sim->owners, uid) != NULL) {
		json_t *fin;

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
		free(ts);
		free(uidc);
		return 1;
	}
	if (json_array_size(sim_path(obj, "metadata.finalizers")) > 0) {
		cp = json_deep_copy(obj);
		sim_set(cp, "metadata.deletionTimestamp", json_string(ts));
		*result = json_incref(sim_put(sim, rt, cp));
		free(ts);
		free(uidc);
		return 1;
	}
	*result = json_deep_copy(obj);
	sim_remove(sim, rt, ns, name);
	if (rt == SIM_RT_NODES)
		sim_node_gone(sim, name);
	if (strcmp(policy, "Orphan") != 0)
		sim_delete_dependents(sim, uid, "Background");
	if (rt == SIM_RT_NAMESPACES) {
		int t;

		for (t = 0; t < SIM_RT_MAX; t++) {
			json_t *m = json_object_get(sim->objs[t], name), *keys, *k;
			size_t i;

			if (!sim_rtypes[t].namespaced || m == NULL)
				continue;
			keys = sim_keys(m);
			json_array_foreach(keys, i, k) {
				json_t *res = NULL;

				sim_delete(sim, t, name, json_string_value(k),
				    "Background", 0, &res);
				json_decref(res);
			}
			json_decref(keys);
		}
	}
	free(ts);
	free(uidc);
	return 0;
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
	ts = sim_time_str(sim_now(sim));
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
		    "involvedObject", "kind", sim_str(inv, "kind") ?
		    sim_str(inv, "kind") : "", "namespace", ns, "name",
		    iname ? iname : "", "apiVersion", sim_str(inv, "apiVersion") ?
		    sim_str(inv, "apiVersion") : "v1", "uid", uid,
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
static void
sim_cond_set(json_t *obj, const char *type, const char *status,
    const char *reason, const char *msg, int64_t now)
{
	json_t *conds = sim_path(obj, "status.conditions"), *c;
	char *ts = sim_time_str(now);
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
static void
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

/* Stores a copy only when its status changed (no RV churn otherwise). */
static void
sim_put_if_changed(struct sim *sim, enum sim_rt rt, json_t *old, json_t *cp)
{
	if (json_equal(old, cp))
		json_decref(cp);
	else
		sim_put(sim, rt, cp);
}

/* The owned objects of a type (array of borrowed objects, new array). */
static json_t *
sim_owned(struct sim *sim, const char *uid, enum sim_rt want)
{
	json_t *set = json_object_get(sim->owners, uid), *v, *out = json_array();
	const char *k;
	char *ns, *name;
	int rt;

	json_object_foreach(set, k, v) {
		if (sim_key_split(k, &rt, &ns, &name) == 0) {
			json_t *o = rt == (int)want ? sim_get(sim, rt,
			    ns[0] ? ns : NULL, name) : NULL;

			if (o != NULL)
				json_array_append(out, o);
			free(ns);
			free(name);
		}
	}
	return out;
}

/* An ownerReferences entry pointing at obj as controller. */
static json_t *
sim_owner_ref(json_t *obj)
{
	return json_pack("[{sOsOsOsOsbsb}]", "apiVersion",
	    json_object_get(obj, "apiVersion"), "kind",
	    json_object_get(obj, "kind"), "name", sim_path(obj, "metadata.name"),
	    "uid", sim_path(obj, "metadata.uid"), "controller", 1,
	    "blockOwnerDeletion", 1);
}

/* True if the controller with uid may try creating again (1 s backoff). */
static bool
sim_may_try(struct sim *sim, const char *uid)
{
	json_t *v = json_object_get(sim->backoff, uid);

	return v == NULL || now_ms() >= json_integer_value(v);
}

/* Delays the next creation attempt after a refusal. */
static void
sim_hold_off(struct sim *sim, const char *uid)
{
	json_object_set_new(sim->backoff, uid, json_integer(now_ms() + 1000));
}

/* True if a pod counts as ready. */
bool
sim_pod_ready(json_t *pod)
{
	const char *r = sim_cond_status(pod, "Ready");

	return r != NULL && strcmp(r, "True") == 0;
}

/* Reconciles a ReplicaSet: pod count, FailedCreate, status. */
static void
sim_rs_sync(struct sim *sim, json_t *rs)
{
	const char *uid = sim_str(rs, "metadata.uid");
	const char *ns = sim_str(rs, "metadata.namespace");
	json_t *pods = sim_owned(sim, uid, SIM_RT_PODS), *p, *cp, *st = NULL;
	json_int_t want = json_integer_value(sim_path(rs, "spec.replicas"));
	json_int_t active = 0, ready = 0, n;
	size_t i;
	bool failed = false;

	json_array_foreach(pods, i, p) {
		if (!sim_pod_is_terminal(p) &&
		    sim_path(p, "metadata.deletionTimestamp") == NULL) {
			active++;
			if (sim_pod_ready(p))
				ready++;
		}
	}
	cp = json_deep_copy(rs);
	if (sim_path(rs, "metadata.deletionTimestamp") == NULL &&
	    active < want && sim_may_try(sim, uid)) {
		for (n = 0; n < want - active && n < 500; n++) {
			json_t *pod = json_object(), *meta = json_object();
			json_t *made, *x;

			json_object_set_new(meta, "generateName", json_sprintf(
			    "%s-", sim_str(rs, "metadata.name")));
			json_object_set_new(meta, "namespace", json_string(ns));
			x = sim_path(rs, "spec.template.metadata.labels");
			if (x != NULL)
				json_object_set_new(meta, "labels",
				    json_deep_copy(x));
			x = sim_path(rs, "spec.template.metadata.annotations");
			if (x != NULL)
				json_object_set_new(meta, "annotations",
				    json_deep_copy(x));
			json_object_set_new(meta, "ownerReferences",
			    sim_owner_ref(rs));
			json_object_set_new(pod, "metadata", meta);
			json_object_set_new(pod, "spec", json_deep_copy(
			    sim_path(rs, "spec.template.spec")));
			made = sim_admit_create(sim, SIM_RT_PODS, pod, &st);
			if (made == NULL) {
				char *m = xprintf("Error creating: %s",
				    sim_str(st, "message"));

				sim_event_record(sim, rs, "Warning",
				    "FailedCreate", m);
				sim_cond_set(cp, "ReplicaFailure", "True",
				    "FailedCreate", sim_str(st, "message"),
				    sim_now(sim));
				free(m);
				json_decref(st);
				sim_hold_off(sim, uid);
				failed = true;
				break;
			}
			active++;
		}
		if (!failed)
			sim_cond_del(cp, "ReplicaFailure");
	} else if (active > want) {
		json_t *res;

		json_array_foreach(pods, i, p) {
			if (active <= want)
				break;
			if (sim_pod_is_terminal(p) ||
			    sim_path(p, "metadata.deletionTimestamp") != NULL)
				continue;
			res = NULL;
			sim_delete(sim, SIM_RT_PODS, ns,
			    sim_str(p, "metadata.name"), NULL, -1, &res);
			json_decref(res);
			active--;
		}
	} else if (active == want)
		sim_cond_del(cp, "ReplicaFailure");
	json_decref(pods);
	sim_set(cp, "status.replicas", json_integer(active));
	sim_set(cp, "status.fullyLabeledReplicas", json_integer(active));
	sim_set(cp, "status.readyReplicas", json_integer(ready));
	sim_set(cp, "status.availableReplicas", json_integer(ready));
	sim_set(cp, "status.observedGeneration", json_integer(
	    json_integer_value(sim_path(rs, "metadata.generation"))));
	if (json_array_size(sim_path(cp, "status.conditions")) == 0)
		json_object_del(json_object_get(cp, "status"), "conditions");
	sim_put_if_changed(sim, SIM_RT_REPLICASETS, rs, cp);
}

/* The pod-template-hash: FNV-1a of the template, safely encoded. */
static char *
sim_template_hash(json_t *tmpl)
{
	static const char alpha[] = "bcdfghjklmnpqrstvwxz2456789";
	char *s = json_dumps(tmpl, JSON_COMPACT | JSON_SORT_KEYS), num[16];
	uint32_t h = 2166136261u;
	const char *p;
	size_t i;

	for (p = s; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	free(s);
	snprintf(num, sizeof num, "%u", h);
	for (i = 0; num[i]; i++)
		num[i] = alpha[(unsigned char)num[i] % (sizeof alpha - 1)];
	return xstrdup(num);
}

/* Reconciles a Deployment: its ReplicaSets and status conditions. */
static void
sim_deploy_sync(struct sim *sim, json_t *d)
{
	const char *uid = sim_str(d, "metadata.uid");
	const char *ns = sim_str(d, "metadata.namespace");
	const char *name = sim_str(d, "metadata.name");
	json_t *rss, *rs, *newrs = NULL, *cp, *fail = NULL, *c;
	json_int_t want = json_integer_value(sim_path(d, "spec.replicas"));
	json_int_t tot = 0, ready = 0, upd = 0, avail;
	char *hash, *m;
	size_t i;
	int64_t now = sim_now(sim);

	if (sim_path(d, "metadata.deletionTimestamp") != NULL)
		return;
	hash = sim_template_hash(sim_path(d, "spec.template"));
	rss = sim_owned(sim, uid, SIM_RT_REPLICASETS);
	json_array_foreach(rss, i, rs) {
		const char *h = sim_str(rs,
		    "metadata.labels.pod-template-hash");

		(void)h;
		if (json_string_value(json_object_get(sim_path(rs,
		    "metadata.labels"), "pod-template-hash")) != NULL &&
		    strcmp(json_string_value(json_object_get(sim_path(rs,
		    "metadata.labels"), "pod-template-hash")), hash) == 0)
			newrs = rs;
	}
	if (newrs == NULL) {
		json_t *tmpl = json_deep_copy(sim_path(d, "spec.template"));
		json_t *sel = json_deep_copy(sim_path(d, "spec.selector"));
		json_t *labels, *obj, *st = NULL;
		char *rsname = xprintf("%s-%s", name, hash);

		labels = sim_path(tmpl, "metadata.labels");
		if (!json_is_object(labels)) {
			labels = json_object();
			sim_set(tmpl, "metadata.labels", labels);
		}
		json_object_set_new(labels, "pod-template-hash",
		    json_string(hash));
		sim_set(sel, "matchLabels.pod-template-hash", json_string(hash));
		obj = json_pack("{s{sssssOso s{ss}}s{sIsoso}}", "metadata",
		    "name", rsname, "namespace", ns, "labels", labels,
		    "ownerReferences", sim_owner_ref(d), "annotations",
		    "deployment.kubernetes.io/revision", "1", "spec", "replicas",
		    want, "selector", sel, "template", tmpl);
		free(rsname);
		newrs = obj ? sim_admit_create(sim, SIM_RT_REPLICASETS, obj,
		    &st) : NULL;
		if (newrs == NULL) {
			m = xprintf("Failed to create new replica set: %s",
			    st ? sim_str(st, "message") : "error");
			sim_event_record(sim, d, "Warning", "FailedCreate", m);
			free(m);
			json_decref(st);
			/* Try again next pass, as when every pass synced all. */
			m = xprintf("%d/%s/%s", (int)SIM_RT_DEPLOYMENTS, ns, name);
			sim_ctrl_mark(sim, m);
			free(m);
		}
	}
	json_array_foreach(rss, i, rs) {
		json_int_t r = json_integer_value(sim_path(rs, "spec.replicas"));
		json_int_t target = rs == newrs ? want : 0;

		if (r != target) {
			cp = json_deep_copy(rs);
			sim_set(cp, "spec.replicas", json_integer(target));
			sim_put(sim, SIM_RT_REPLICASETS, cp);
		}
	}
	json_decref(rss);
	rss = sim_owned(sim, uid, SIM_RT_REPLICASETS);
	json_array_foreach(rss, i, rs) {
		tot += json_integer_value(sim_path(rs, "status.replicas"));
		ready += json_integer_value(sim_path(rs, "status.readyReplicas"));
		if (newrs != NULL && strcmp(sim_str(rs, "metadata.name"),
		    sim_str(newrs, "metadata.name")) == 0) {
			upd = json_integer_value(sim_path(rs, "status.replicas"));
			json_array_foreach(sim_path(rs, "status.conditions"), i,
			    c) {
				if (strcmp(sim_str(c, "type"), "ReplicaFailure") == 0)
					fail = c;
			}
			break;
		}
	}
	avail = ready;
	cp = json_deep_copy(d);
	sim_set(cp, "status.observedGeneration", json_integer(
	    json_integer_value(sim_path(d, "metadata.generation"))));
	sim_set(cp, "status.replicas", json_integer(tot));
	sim_set(cp, "status.updatedReplicas", json_integer(upd));
	sim_set(cp, "status.readyReplicas", json_integer(ready));
	sim_set(cp, "status.availableReplicas", json_integer(avail));
	if (want - avail > 0)
		sim_set(cp, "status.unavailableReplicas",
		    json_integer(want - avail));
	else
		json_object_del(json_object_get(cp, "status"),
		    "unavailableReplicas");
	if (avail >= want)
		sim_cond_set(cp, "Available", "True", "MinimumReplicasAvailable",
		    "Deployment has minimum availability.", now);
	else
		sim_cond_set(cp, "Available", "False",
		    "MinimumReplicasUnavailable",
		    "Deployment does not have minimum availability.", now);
	if (newrs != NULL) {
		if (upd == want && avail >= want)
			m = xprintf("ReplicaSet \"%s\" has successfully "
			    "progressed.", sim_str(newrs, "metadata.name"));
		else
			m = xprintf("ReplicaSet \"%s\" is progressing.",
			    sim_str(newrs, "metadata.name"));
		sim_cond_set(cp, "Progressing", "True", upd == want &&
		    avail >= want ? "NewReplicaSetAvailable" : "ReplicaSetUpdated",
		    m, now);
		free(m);
	}
	if (fail != NULL)
		sim_cond_set(cp, "ReplicaFailure", "True", "FailedCreate",
		    sim_str(fail, "message"), now);
	else
		sim_cond_del(cp, "ReplicaFailure");
	json_decref(rss);
	free(hash);
	/* A refreshed lastUpdateTime alone is not worth an update. */
	sim_put_if_changed(sim, SIM_RT_DEPLOYMENTS, d, cp);
}

/* "0-2,5" from a sorted list of indexes. */
static char *
sim_ranges(const unsigned char *done, long n)
{
	char *out = xstrdup(""), *t;
	long i, j;

	for (i = 0; i < n; i++) {
		if (!done[i])
			continue;
		for (j = i; j + 1 < n && done[j + 1]; j++)
			;
		if (j > i)
			t = xprintf("%s%s%ld-%ld", out, *out ? "," : "", i, j);
		else
			t = xprintf("%s%s%ld", out, *out ? "," : "", i);
		free(out);
		out = t;
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

/* Reconciles a Job: pods per index or count, backoff, conditions. */
static void
sim_job_sync(struct sim *sim, json_t *job)
{
	const char *uid = sim_str(job, "metadata.uid");
	const char *ns = sim_str(job, "metadata.namespace");
	json_t *pods, *p, *seen, *cp, *st = NULL, *v, *present;
	json_int_t comps, par, blim, active = 0, ready = 0, succ = 0, fail = 0;
	json_int_t terminating = 0;
	bool indexed, pr_failed, finished, suspend;
	unsigned char *done = NULL, *busy = NULL;
	const char *k, *was;
	size_t i;
	long idx;
	int64_t now = sim_now(sim);
	char *ts;

	if (sim_path(job, "metadata.deletionTimestamp") != NULL &&
	    json_object_get(sim->owners, uid) == NULL)
		return;
	finished = (sim_cond_status(job, "Complete") &&
	    strcmp(sim_cond_status(job, "Complete"), "True") == 0) ||
	    (sim_cond_status(job, "Failed") &&
	    strcmp(sim_cond_status(job, "Failed"), "True") == 0);
	if (finished) {
		json_t *ttl = sim_path(job, "spec.ttlSecondsAfterFinished");
		const char *ct = sim_str(job, "status.completionTime");

		if (ct == NULL)
			ct = sim_str(job, "metadata.creationTimestamp");
		if (json_is_integer(ttl) && sim_time_parse(ct) >= 0 &&
		    sim_time_parse(ct) + json_integer_value(ttl) * 1000 <= now) {
			json_t *res = NULL;

			sim_delete(sim, SIM_RT_JOBS, ns,
			    sim_str(job, "metadata.name"), "Background", -1,
			    &res);
			json_decref(res);
		}
		return;
	}
	comps = json_integer_value(sim_path(job, "spec.completions"));
	par = json_integer_value(sim_path(job, "spec.parallelism"));
	blim = json_integer_value(sim_path(job, "spec.backoffLimit"));
	indexed = sim_str(job, "spec.completionMode") != NULL &&
	    strcmp(sim_str(job, "spec.completionMode"), "Indexed") == 0;
	pr_failed = sim_str(job, "spec.podReplacementPolicy") != NULL &&
	    strcmp(sim_str(job, "spec.podReplacementPolicy"), "Failed") == 0;
	suspend = json_is_true(sim_path(job, "spec.suspend"));
	seen = json_object_get(sim->job_seen, uid);
	if (seen == NULL) {
		seen = json_object();
		json_object_set_new(sim->job_seen, uid, seen);
	}
	if (comps > 0 && comps <= 100000) {
		done = xcalloc(comps, 1);
		busy = xcalloc(comps, 1);
	}
	pods = sim_owned(sim, uid, SIM_RT_PODS);
	present = json_object();
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
			    pr_failed ? 't' : 'f', idx));
		if (!term && deleting)
			terminating++;
		if (!term && !deleting) {
			active++;
			if (sim_pod_ready(p))
				ready++;
		}
		if (busy != NULL && idx >= 0 && idx < comps && !term &&
		    (!deleting || pr_failed))
			busy[idx] = 1;
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
			succ++;
			idx = strtol(s + 2, NULL, 10);
			if (done != NULL && idx >= 0 && idx < comps)
				done[idx] = 1;
		} else
			fail++;
	}
	json_decref(present);
	cp = json_deep_copy(job);
	if (!suspend && sim_path(cp, "status.startTime") == NULL) {
		ts = sim_time_str(now);
		sim_set(cp, "status.startTime", json_string(ts));
		free(ts);
	}
	if (fail > blim) {
		sim_cond_set(cp, "FailureTarget", "True", "BackoffLimitExceeded",
		    "Job has reached the specified backoff limit", now);
		sim_cond_set(cp, "Failed", "True", "BackoffLimitExceeded",
		    "Job has reached the specified backoff limit", now);
		finished = true;
	} else if (json_is_integer(sim_path(job, "spec.activeDeadlineSeconds")) &&
	    sim_str(cp, "status.startTime") != NULL &&
	    sim_time_parse(sim_str(cp, "status.startTime")) +
	    json_integer_value(sim_path(job, "spec.activeDeadlineSeconds")) *
	    1000 <= now) {
		sim_cond_set(cp, "FailureTarget", "True", "DeadlineExceeded",
		    "Job was active longer than specified deadline", now);
		sim_cond_set(cp, "Failed", "True", "DeadlineExceeded",
		    "Job was active longer than specified deadline", now);
		finished = true;
	} else {
		bool complete;

		if (indexed) {
			complete = done != NULL;
			for (idx = 0; done != NULL && idx < comps; idx++)
				if (!done[idx])
					complete = false;
		} else
			complete = comps > 0 ? succ >= comps : succ > 0;
		if (complete) {
			sim_cond_set(cp, "SuccessCriteriaMet", "True",
			    "CompletionsReached",
			    "Reached expected number of succeeded pods", now);
			sim_cond_set(cp, "Complete", "True", "CompletionsReached",
			    "Reached expected number of succeeded pods", now);
			ts = sim_time_str(now);
			sim_set(cp, "status.completionTime", json_string(ts));
			free(ts);
			finished = true;
		}
	}
	if (finished || suspend) {
		json_array_foreach(pods, i, p) {
			json_t *res = NULL;

			if (sim_pod_is_terminal(p) ||
			    sim_path(p, "metadata.deletionTimestamp") != NULL)
				continue;
			sim_delete(sim, SIM_RT_PODS, ns,
			    sim_str(p, "metadata.name"), NULL, -1, &res);
			json_decref(res);
			active--;
		}
	} else if (sim_may_try(sim, uid)) {
		json_int_t slots = par - active - (pr_failed ? terminating : 0);
		int rc = 0;

		if (indexed) {
			for (idx = 0; idx < comps && slots > 0 && busy; idx++) {
				if (done[idx] || busy[idx])
					continue;
				rc = sim_job_create_pod(sim, job, idx, &st);
				if (rc != 0)
					break;
				active++;
				slots--;
			}
		} else {
			json_int_t left = (comps > 0 ? comps : 1) - succ - active;

			for (; slots > 0 && left > 0; slots--, left--) {
				rc = sim_job_create_pod(sim, job, -1, &st);
				if (rc != 0)
					break;
				active++;
			}
		}
		if (rc != 0) {
			char *m = xprintf("Error creating: %s",
			    sim_str(st, "message"));

			sim_event_record(sim, job, "Warning", "FailedCreate", m);
			free(m);
			json_decref(st);
			sim_hold_off(sim, uid);
		}
	}
	json_decref(pods);
	sim_set(cp, "status.active", json_integer(active < 0 ? 0 : active));
	sim_set(cp, "status.ready", json_integer(ready));
	sim_set(cp, "status.succeeded", json_integer(succ));
	sim_set(cp, "status.failed", json_integer(fail));
	sim_set(cp, "status.terminating", json_integer(terminating));
	sim_set(cp, "status.uncountedTerminatedPods", json_object());
	if (indexed && done != NULL) {
		char *r = sim_ranges(done, comps);

		if (*r)
			sim_set(cp, "status.completedIndexes", json_string(r));
		free(r);
	}
	free(done);
	free(busy);
	sim_put_if_changed(sim, SIM_RT_JOBS, job, cp);
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

/* Completes foreground deletions whose dependents are gone. */
static void
sim_gc_foreground(struct sim *sim, enum sim_rt rt)
{
	json_t *o, *fin, *cp, *todo = json_array(), *x, *v;
	const char *k;
	char *ns, *name;
	size_t i;
	int t;

	json_object_foreach(sim->fg_pending, k, v) {
		if (sim_key_split(k, &t, &ns, &name) != 0)
			continue;
		o = t == (int)rt ? sim_get(sim, rt, ns[0] ? ns : NULL, name) :
		    NULL;
		free(ns);
		free(name);
		if (o == NULL ||
		    sim_path(o, "metadata.deletionTimestamp") == NULL)
			continue;
		if (json_object_get(sim->owners,
		    sim_str(o, "metadata.uid")) != NULL)
			continue;
		fin = sim_path(o, "metadata.finalizers");
		for (i = 0; i < json_array_size(fin); i++) {
			if (strcmp(json_string_value(json_array_get(fin,
			    i)), "foregroundDeletion") == 0)
				json_array_append(todo, o);
		}
	}
	sim_index_sort(sim, rt, todo);
	json_array_foreach(todo, i, x) {
		cp = json_deep_copy(x);
		fin = sim_path(cp, "metadata.finalizers");
		for (size_t j = json_array_size(fin); j-- > 0;) {
			if (strcmp(json_string_value(json_array_get(fin, j)),
			    "foregroundDeletion") == 0)
				json_array_remove(fin, j);
		}
		if (json_array_size(fin) == 0)
			sim_remove(sim, rt, sim_str(x, "metadata.namespace"),
			    sim_str(x, "metadata.name"));
		else
			sim_put(sim, rt, cp);
		json_decref(cp);
	}
	json_decref(todo);
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
	char *ns, *name;
	int t;

	sim->ctrl_dirty[rt] = json_object();
	json_object_foreach(set, k, v) {
		if (sim_key_split(k, &t, &ns, &name) != 0)
			continue;
		o = sim_get(sim, rt, ns[0] ? ns : NULL, name);
		if (o != NULL)
			json_array_append(arr, o);
		free(ns);
		free(name);
	}
	json_decref(set);
	sim_index_sort(sim, rt, arr);
	return arr;
}

/* Marks what the clock wakes: deadlines, TTLs and ended back-offs. */
static void
sim_ctrl_wake(struct sim *sim)
{
	json_t *v, *drop = json_array(), *x;
	int64_t now = now_ms();
	const char *k;
	size_t i;

	json_object_foreach(sim->ctrl_timed, k, v)
		sim_ctrl_mark(sim, k);
	json_object_foreach(sim->backoff, k, v) {
		const char *key;

		if (now < json_integer_value(v))
			continue;
		key = json_string_value(json_object_get(sim->uids, k));
		if (key != NULL)
			sim_ctrl_mark(sim, key);
		json_array_append_new(drop, json_string(k));
	}
	json_array_foreach(drop, i, x)
		json_object_del(sim->backoff, json_string_value(x));
	json_decref(drop);
}

/* One pass of every controller. */
void
sim_ctrl_pass(struct sim *sim)
{
	json_t *arr, *o, *cur;
	size_t i;

	sim_ctrl_wake(sim);
	arr = sim_ctrl_take(sim, SIM_RT_DEPLOYMENTS);
	json_array_foreach(arr, i, o) {
		cur = sim_get(sim, SIM_RT_DEPLOYMENTS, sim_str(o,
		    "metadata.namespace"), sim_str(o, "metadata.name"));
		if (cur == o)
			sim_deploy_sync(sim, o);
	}
	json_decref(arr);
	arr = sim_ctrl_take(sim, SIM_RT_REPLICASETS);
	json_array_foreach(arr, i, o) {
		cur = sim_get(sim, SIM_RT_REPLICASETS, sim_str(o,
		    "metadata.namespace"), sim_str(o, "metadata.name"));
		if (cur == o)
			sim_rs_sync(sim, o);
	}
	json_decref(arr);
	arr = sim_ctrl_take(sim, SIM_RT_JOBS);
	json_array_foreach(arr, i, o) {
		cur = sim_get(sim, SIM_RT_JOBS, sim_str(o, "metadata.namespace"),
		    sim_str(o, "metadata.name"));
		if (cur == o)
			sim_job_sync(sim, o);
	}
	json_decref(arr);
	sim_gc_foreground(sim, SIM_RT_JOBS);
	sim_gc_foreground(sim, SIM_RT_DEPLOYMENTS);
	sim_gc_foreground(sim, SIM_RT_REPLICASETS);
	sim_node_pass(sim);
	sim_endpoints_pass(sim);
	sim_quota_release(sim);
	sim_quota_sync(sim);
}
