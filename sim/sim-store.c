/*
 * The in-memory object store: objects by type, namespace and name, one
 * global resourceVersion counter as etcd keeps, indexes kept by one hook on
 * every change, and the event history that feeds watches.
 */
#include "sim-int.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

const struct sim_rtype sim_rtypes[SIM_RT_MAX] = {
	[SIM_RT_NAMESPACES] = { "namespaces", "namespace", "Namespace", "",
	    false, true, true, "ns" },
	[SIM_RT_NODES] = { "nodes", "node", "Node", "", false, true, true,
	    "no" },
	[SIM_RT_PODS] = { "pods", "pod", "Pod", "", true, true, true, "po" },
	[SIM_RT_SERVICES] = { "services", "service", "Service", "", true, true,
	    true, "svc" },
	[SIM_RT_RESOURCEQUOTAS] = { "resourcequotas", "resourcequota",
	    "ResourceQuota", "", true, true, true, "quota" },
	[SIM_RT_EVENTS] = { "events", "event", "Event", "", true, true, false,
	    "ev" },
	[SIM_RT_PVCS] = { "persistentvolumeclaims", "persistentvolumeclaim",
	    "PersistentVolumeClaim", "", true, true, true, "pvc" },
	[SIM_RT_CONFIGMAPS] = { "configmaps", "configmap", "ConfigMap", "",
	    true, true, false, "cm" },
	[SIM_RT_SECRETS] = { "secrets", "secret", "Secret", "", true, true,
	    false, "" },
	[SIM_RT_SERVICEACCOUNTS] = { "serviceaccounts", "serviceaccount",
	    "ServiceAccount", "", true, true, false, "sa" },
	[SIM_RT_DEPLOYMENTS] = { "deployments", "deployment", "Deployment",
	    "apps", true, true, true, "deploy" },
	[SIM_RT_REPLICASETS] = { "replicasets", "replicaset", "ReplicaSet",
	    "apps", true, true, true, "rs" },
	[SIM_RT_JOBS] = { "jobs", "job", "Job", "batch", true, true, true, "" },
	[SIM_RT_LEASES] = { "leases", "lease", "Lease", "coordination.k8s.io",
	    true, true, false, "" },
	[SIM_RT_LIMITRANGES] = { "limitranges", "limitrange", "LimitRange", "",
	    true, true, false, "limits" },
	[SIM_RT_ENDPOINTS] = { "endpoints", "endpoints", "Endpoints", "", true,
	    true, false, "ep" },
	[SIM_RT_ENDPOINTSLICES] = { "endpointslices", "endpointslice",
	    "EndpointSlice", "discovery.k8s.io", true, true, false, "" },
	[SIM_RT_STORAGECLASSES] = { "storageclasses", "storageclass",
	    "StorageClass", "storage.k8s.io", false, true, false, "sc" },
	[SIM_RT_PVS] = { "persistentvolumes", "persistentvolume",
	    "PersistentVolume", "", false, true, true, "pv" },
	[SIM_RT_SELFSUBJECTREVIEWS] = { "selfsubjectreviews",
	    "selfsubjectreview", "SelfSubjectReview", "authentication.k8s.io",
	    false, false, false, "" },
	[SIM_RT_SSAR] = { "selfsubjectaccessreviews", "selfsubjectaccessreview",
	    "SelfSubjectAccessReview", "authorization.k8s.io", false, false,
	    false, "" },
	[SIM_RT_SAR] = { "subjectaccessreviews", "subjectaccessreview",
	    "SubjectAccessReview", "authorization.k8s.io", false, false, false,
	    "" },
	[SIM_RT_TOKENREVIEWS] = { "tokenreviews", "tokenreview", "TokenReview",
	    "authentication.k8s.io", false, false, false, "" },
	[SIM_RT_LSAR] = { "localsubjectaccessreviews",
	    "localsubjectaccessreview", "LocalSubjectAccessReview",
	    "authorization.k8s.io", true, false, false, "" },
};

/* Builds a failure Status object. */
json_t *
sim_status_new(int code, const char *reason, const char *msg, json_t *details)
{
	json_t *st = json_pack("{sssss{}sssssssi}", "kind", "Status",
	    "apiVersion", "v1", "metadata", "status", "Failure", "message", msg,
	    "reason", reason, "code", code);

	if (details != NULL)
		json_object_set_new(st, "details", details);
	return st;
}

/* The resource as apiserver messages name it (static, per type). */
const char *
sim_qualified(enum sim_rt rt)
{
	static char buf[SIM_RT_MAX][96];

	snprintf(buf[rt], sizeof buf[rt], "%s%s%s", sim_rtypes[rt].name,
	    *sim_rtypes[rt].group ? "." : "", sim_rtypes[rt].group);
	return buf[rt];
}

/* apiVersion of a type (static, per type). */
const char *
sim_api_version(enum sim_rt rt)
{
	static char buf[SIM_RT_MAX][64];

	snprintf(buf[rt], sizeof buf[rt], "%s%sv1", sim_rtypes[rt].group,
	    *sim_rtypes[rt].group ? "/" : "");
	return buf[rt];
}

/* Details {name, group, kind} for a Status. */
json_t *
sim_details(enum sim_rt rt, const char *name)
{
	return json_pack("{s:s*,s:s*,s:s}", "name", name, "group",
	    *sim_rtypes[rt].group ? sim_rtypes[rt].group : NULL, "kind",
	    sim_rtypes[rt].name);
}

/* Finds a type by API group and plural name; -1 if unknown. */
int
sim_rt_find(const char *group, const char *name)
{
	int i;

	for (i = 0; i < SIM_RT_MAX; i++) {
		if (strcmp(sim_rtypes[i].group, group) == 0 &&
		    strcmp(sim_rtypes[i].name, name) == 0)
			return i;
	}
	return -1;
}

/* Follows a dotted path of object members; NULL when absent. */
json_t *
sim_path(json_t *obj, const char *path)
{
	char part[128];
	const char *p = path, *e;

	while (obj != NULL && *p != '\0') {
		e = strchr(p, '.');
		if (e == NULL)
			e = p + strlen(p);
		if ((size_t)(e - p) >= sizeof part)
			return NULL;
		memcpy(part, p, e - p);
		part[e - p] = '\0';
		obj = json_object_get(obj, part);
		p = *e ? e + 1 : e;
	}
	return obj;
}

/* A string member by dotted path, or NULL. */
const char *
sim_str(json_t *obj, const char *path)
{
	return json_string_value(sim_path(obj, path));
}

/* A string member by dotted path, or def. */
const char *
sim_str_or(json_t *obj, const char *path, const char *def)
{
	const char *s = sim_str(obj, path);

	return s != NULL ? s : def;
}

/* The object under a key (borrowed), made when absent or not an object. */
json_t *
sim_child(json_t *parent, const char *key)
{
	json_t *v = json_object_get(parent, key);

	if (!json_is_object(v)) {
		v = json_object();
		json_object_set_new(parent, key, v);
	}
	return v;
}

/* Sets a member by dotted path, creating objects on the way; takes value. */
void
sim_set(json_t *obj, const char *path, json_t *value)
{
	char part[128];
	const char *p = path, *e;

	if (value == NULL)
		fatalx("sim_set %s: no value (a json_pack format is wrong)", path);
	for (;;) {
		e = strchr(p, '.');
		if (e == NULL) {
			json_object_set_new(obj, p, value);
			return;
		}
		if ((size_t)(e - p) >= sizeof part)
			fatalx("path too long: %s", path);
		memcpy(part, p, e - p);
		part[e - p] = '\0';
		obj = sim_child(obj, part);
		p = e + 1;
	}
}

/* The name map of one namespace of a type (borrowed), created on first
 * use. */
static json_t *
sim_ns_map(struct sim *sim, enum sim_rt rt, const char *ns)
{
	return sim_child(sim->objs[rt], ns ? ns : "");
}

/* Looks an object up by namespace and name (borrowed). */
json_t *
sim_get(struct sim *sim, enum sim_rt rt, const char *ns, const char *name)
{
	json_t *m = json_object_get(sim->objs[rt], ns ? ns : "");

	if (m == NULL || name == NULL)
		return NULL;
	return json_object_get(m, name);
}

/* Looks an object up by its key "ns/name" (borrowed). */
json_t *
sim_get_at(struct sim *sim, enum sim_rt rt, const char *key)
{
	const char *slash = strchr(key, '/');
	char *ns;
	json_t *o;

	if (slash == NULL)
		return NULL;
	ns = xstrndup(key, slash - key);
	o = sim_get(sim, rt, ns, slash + 1);
	free(ns);
	return o;
}

/* The object of an index key "rt/ns/name" (borrowed) and its type, or
 * NULL. */
json_t *
sim_get_key(struct sim *sim, const char *key, int *rt)
{
	const char *a = strchr(key, '/'), *b;
	char *ns;
	json_t *o;

	if (a == NULL || (b = strchr(a + 1, '/')) == NULL)
		return NULL;
	*rt = atoi(key);
	ns = xstrndup(a + 1, b - a - 1);
	o = sim_get(sim, *rt, ns, b + 1);
	free(ns);
	return o;
}

/* "rt/ns/name", the key under which indexes name an object. */
static char *
sim_objkey(enum sim_rt rt, json_t *obj)
{
	const char *ns = sim_str(obj, "metadata.namespace");

	return xprintf("%d/%s/%s", (int)rt, ns ? ns : "",
	    sim_str(obj, "metadata.name"));
}

/* True if the pod holds resources on its node. */
static bool
sim_pod_holds_node(json_t *pod)
{
	return pod != NULL && sim_str(pod, "spec.nodeName") != NULL &&
	    !sim_pod_is_terminal(pod);
}

/* Adjusts a usage map under name by a usage vector. */
static void
sim_use_bump(json_t *map, const char *name, json_t *use, int sign)
{
	sim_use_add(sim_child(map, name), use, sign);
}

/* Usage a non-pod object counts against quota ("count/jobs.batch"). */
static json_t *
sim_obj_usage(enum sim_rt rt)
{
	char *k = xprintf("count/%s", sim_qualified(rt));
	json_t *u = json_pack("{si}", k, 1);

	free(k);
	if (rt == SIM_RT_SERVICES)
		json_object_set_new(u, "services", json_integer(1));
	return u;
}

/* Keeps a namespace's usage in step with a claim: size and class may change. */
static void
sim_index_pvc_use(struct sim *sim, const char *ns, json_t *old, json_t *new)
{
	json_t *a = old ? sim_pvc_usage(old) : json_object();
	json_t *b = new ? sim_pvc_usage(new) : json_object();

	if (!json_equal(a, b)) {
		sim_use_bump(sim->ns_use, ns, a, -1);
		sim_use_bump(sim->ns_use, ns, b, 1);
		json_object_set_new(sim->dirty_ns, ns, json_true());
	}
	json_decref(a);
	json_decref(b);
}

/* True if a deleted object waits for its dependents (foreground). */
static bool
sim_is_foreground(json_t *obj)
{
	return sim_path(obj, "metadata.deletionTimestamp") != NULL &&
	    sim_list_has(sim_path(obj, "metadata.finalizers"),
	    "foregroundDeletion");
}

/* Keeps the controllers' work sets in step with a change of one of them. */
static void
sim_index_ctrl(struct sim *sim, const char *key, json_t *new)
{
	if (new == NULL) {
		json_object_del(sim->ctrl_timed, key);
		json_object_del(sim->fg_pending, key);
		return;
	}
	sim_ctrl_mark(sim, key);
	/* Deadlines and TTLs depend on the clock, not only on changes. */
	if (atoi(key) == SIM_RT_JOBS &&
	    (sim_path(new, "spec.activeDeadlineSeconds") != NULL ||
	    sim_path(new, "spec.ttlSecondsAfterFinished") != NULL))
		json_object_set_new(sim->ctrl_timed, key, json_true());
	else
		json_object_del(sim->ctrl_timed, key);
	if (sim_is_foreground(new))
		json_object_set_new(sim->fg_pending, key, json_true());
	else
		json_object_del(sim->fg_pending, key);
}

/*
 * What a pod charges its namespace's quota: all it requests, until the
 * quota controller finds it stuck terminating past its grace (below).
 */
static json_t *
sim_pod_charge(struct sim *sim, const char *pk, json_t *pod)
{
	json_t *u = sim_pod_usage(pod, true);

	if (json_object_get(sim->uncharged, pk) != NULL) {
		json_t *n = json_object_get(u, "count/pods");

		json_incref(n);
		json_object_clear(u);
		json_object_set_new(u, "count/pods", n);
	}
	return u;
}

/* Follows the pods being deleted gracefully and when their charge ends:
 * deletionTimestamp (already now + grace) plus the grace once more, as
 * the pod evaluator's QuotaV1Pod reads it. */
static void
sim_index_terminating(struct sim *sim, const char *pk, json_t *new)
{
	const char *dt = new ? sim_str(new, "metadata.deletionTimestamp") :
	    NULL;
	json_t *g = new ? sim_path(new, "metadata.deletionGracePeriodSeconds") :
	    NULL;

	if (dt == NULL || !json_is_integer(g) || sim_pod_is_terminal(new)) {
		json_object_del(sim->terminating, pk);
		if (new == NULL)
			json_object_del(sim->uncharged, pk);
		return;
	}
	if (json_object_get(sim->terminating, pk) == NULL)
		json_object_set_new(sim->terminating, pk, json_integer(
		    sim_time_parse(dt) + json_integer_value(g) * 1000));
}

/*
 * The quota controller's recalculation for pods stuck terminating (a lost
 * node's, whose kubelet cannot finish the deletion): past deletionTimestamp
 * plus the grace period a pod is no longer charged but for count/pods, so
 * a lost node does not hold a user's quota for ever (KK
 * pkg/quota/v1/evaluator/core/pods.go, QuotaV1Pod).
 */
void
sim_quota_release(struct sim *sim)
{
	json_t *pod, *full, *left, *v;
	const char *pk, *k;
	void *tmp;
	int64_t now = sim_now(sim);
	char *ns, *slash;

	json_object_foreach_safe(sim->terminating, tmp, pk, v) {
		if (json_integer_value(v) >= now ||
		    json_object_get(sim->uncharged, pk) != NULL)
			continue;
		ns = xstrdup(pk);
		if ((slash = strchr(ns, '/')) != NULL)
			*slash = '\0';
		if (slash == NULL ||
		    (pod = sim_get(sim, SIM_RT_PODS, ns, slash + 1)) == NULL) {
			free(ns);
			json_object_del(sim->terminating, pk);
			continue;
		}
		full = sim_pod_charge(sim, pk, pod);
		json_object_set_new(sim->uncharged, pk, json_true());
		left = sim_pod_charge(sim, pk, pod);
		json_object_foreach(left, k, v)
			json_object_del(full, k);
		sim_use_bump(sim->ns_use, ns, full, -1);
		json_object_set_new(sim->dirty_ns, ns, json_true());
		json_decref(full);
		json_decref(left);
		free(ns);
	}
}

/* Keeps every index in step with one change (old -> new, either NULL). */
static void
sim_index(struct sim *sim, enum sim_rt rt, json_t *old, json_t *new)
{
	json_t *refs, *r, *set;
	const char *ns;
	char *key, *pk;
	size_t i;

	key = sim_objkey(rt, new ? new : old);
	if (old != NULL && new == NULL)
		json_object_del(sim->uids, sim_str(old, "metadata.uid"));
	if (new != NULL && sim_str(new, "metadata.uid") != NULL)
		json_object_set_new(sim->uids, sim_str(new, "metadata.uid"),
		    json_string(key));
	sim_index_labels(sim, rt, old, new);
	refs = sim_path(old, "metadata.ownerReferences");
	json_array_foreach(refs, i, r) {
		const char *okey = json_string_value(json_object_get(sim->uids,
		    sim_str_or(r, "uid", "")));

		if (okey != NULL)
			sim_ctrl_mark(sim, okey);
		set = json_object_get(sim->owners, sim_str(r, "uid"));
		json_object_del(set, key);
		if (set != NULL && json_object_size(set) == 0)
			json_object_del(sim->owners, sim_str(r, "uid"));
	}
	refs = sim_path(new, "metadata.ownerReferences");
	json_array_foreach(refs, i, r) {
		const char *ou = sim_str(r, "uid"), *okey;

		if (ou == NULL)
			continue;
		okey = json_string_value(json_object_get(sim->uids, ou));
		if (okey != NULL)
			sim_ctrl_mark(sim, okey);
		json_object_set_new(sim_child(sim->owners, ou), key,
		    json_true());
	}
	ns = sim_str(new ? new : old, "metadata.namespace");
	if (rt == SIM_RT_PODS) {
		json_t *u;

		pk = xprintf("%s/%s", ns, sim_str(new ? new : old,
		    "metadata.name"));
		if (old != NULL && sim_str(old, "spec.nodeName") != NULL)
			json_object_del(json_object_get(sim->by_node,
			    sim_str(old, "spec.nodeName")), pk);
		if (new != NULL && sim_str(new, "spec.nodeName") != NULL)
			json_object_set_new(sim_child(sim->by_node,
			    sim_str(new, "spec.nodeName")), pk, json_true());
		if (sim_pod_holds_node(old)) {
			u = sim_pod_usage(old, false);
			sim_use_bump(sim->node_use, sim_str(old, "spec.nodeName"),
			    u, -1);
			sim_sched_use(sim, sim_str(old, "spec.nodeName"), u, -1);
			json_decref(u);
			if (!sim_pod_holds_node(new))
				sim->sched_gen++;
		}
		if (sim_pod_holds_node(new)) {
			u = sim_pod_usage(new, false);
			sim_use_bump(sim->node_use, sim_str(new, "spec.nodeName"),
			    u, 1);
			sim_sched_use(sim, sim_str(new, "spec.nodeName"), u, 1);
			json_decref(u);
		}
		if (old != NULL) {
			u = sim_pod_charge(sim, pk, old);
			sim_use_bump(sim->ns_use, ns, u, -1);
			json_decref(u);
		}
		sim_index_terminating(sim, pk, new);
		if (new != NULL) {
			u = sim_pod_charge(sim, pk, new);
			sim_use_bump(sim->ns_use, ns, u, 1);
			json_decref(u);
		}
		if (new != NULL && sim_str(new, "spec.nodeName") == NULL &&
		    sim_path(new, "metadata.deletionTimestamp") == NULL) {
			if (json_object_get(sim->unscheduled, pk) == NULL)
				sim->unsched_adds++;
			json_object_set_new(sim->unscheduled, pk, json_true());
		} else
			json_object_del(sim->unscheduled, pk);
		if (new == NULL)
			json_object_del(sim->kubelet, pk);
		free(pk);
		json_object_set_new(sim->dirty_ns, ns, json_true());
	} else if (rt == SIM_RT_PVCS) {
		sim_index_pvc_use(sim, ns, old, new);
	} else if (ns != NULL && (old == NULL || new == NULL) &&
	    sim_rtypes[rt].namespaced && rt != SIM_RT_EVENTS) {
		json_t *u = sim_obj_usage(rt);

		sim_use_bump(sim->ns_use, ns, u, new ? 1 : -1);
		json_decref(u);
		json_object_set_new(sim->dirty_ns, ns, json_true());
	}
	if (rt == SIM_RT_NODES) {
		sim->sched_gen++;
		sim->nodes_stale = true;
	}
	if (rt == SIM_RT_DEPLOYMENTS || rt == SIM_RT_REPLICASETS ||
	    rt == SIM_RT_JOBS)
		sim_index_ctrl(sim, key, new);
	if (rt == SIM_RT_RESOURCEQUOTAS && new != NULL && old == NULL)
		json_object_set_new(sim->dirty_ns, ns, json_true());
	sim_endpoints_note(sim, rt, old, new);
	sim_storage_index(sim, rt, old, new);
	free(key);
}

/* True if a watch's filters accept the object. */
static bool
sim_watch_accepts(struct sim_watch *w, json_t *obj)
{
	if (obj == NULL)
		return false;
	if (w->ns != NULL && (sim_str(obj, "metadata.namespace") == NULL ||
	    strcmp(w->ns, sim_str(obj, "metadata.namespace")) != 0))
		return false;
	return sim_selector_matches(w->labels, sim_path(obj, "metadata.labels")) &&
	    sim_field_matches(w->fields, obj);
}

/* Sends one NDJSON event line to a watch; closes it if the client lags. */
void
sim_watch_send(struct sim_watch *w, const char *type, json_t *obj)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(w->req);
	struct bufferevent *bev;
	struct evbuffer *buf;
	json_t *ev;
	char *s;

	bev = evcon ? evhttp_connection_get_bufferevent(evcon) : NULL;
	if (bev != NULL &&
	    evbuffer_get_length(bufferevent_get_output(bev)) > 64u << 20) {
		log_warnx("watch client too slow, closing");
		sim_watch_close(w, true);
		return;
	}
	if (w->table && strcmp(type, "ERROR") != 0 &&
	    strcmp(type, "BOOKMARK") != 0) {
		json_t *one = json_pack("[O]", obj);

		ev = json_pack("{ssso}", "type", type, "object", sim_table(w->sim,
		    w->rt, one, !w->table_sent, false));
		w->table_sent = true;
		json_decref(one);
	} else
		ev = json_pack("{sssO}", "type", type, "object", obj);
	s = json_dumps(ev, JSON_COMPACT);
	json_decref(ev);
	buf = evbuffer_new();
	evbuffer_add(buf, s, strlen(s));
	evbuffer_add(buf, "\n", 1);
	free(s);
	evhttp_send_reply_chunk(w->req, buf);
	evbuffer_free(buf);
}

/* See sim-int.h: a change as one watch sees it, by its filters before and
 * after: an object that came into view is ADDED, one that left it
 * DELETED, as the API server's watch cache reports them. */
void
sim_watch_deliver(struct sim_watch *w, const struct sim_event *e)
{
	static const char *names[] = { "ADDED", "MODIFIED", "DELETED" };
	bool nm = sim_watch_accepts(w, e->obj);
	bool om = e->type == 1 && sim_watch_accepts(w, e->old);

	if (e->type == 1 && nm && !om)
		sim_watch_send(w, "ADDED", e->obj);
	else if (e->type == 1 && !nm && om)
		sim_watch_send(w, "DELETED", e->obj);
	else if (nm)
		sim_watch_send(w, names[e->type], e->obj);
}

/* Delivers one change to every watch whose filters see it. */
static void
sim_fanout(struct sim *sim, struct sim_event *e)
{
	struct sim_watch *w, *next;

	if (sim->nwatch[e->rt] == 0)
		return;
	for (w = sim->watches; w != NULL; w = next) {
		next = w->next;
		if (w->rt != e->rt)
			continue;
		w->last_rv = e->rv;
		sim_watch_deliver(w, e);
	}
}

/* Records a change in the history and fans it out. */
static void
sim_emit(struct sim *sim, enum sim_rt rt, int type, json_t *old, json_t *obj)
{
	struct sim_event *e = &sim->events[sim->ev_head];

	if (sim->ev_count == sim->nevents) {
		json_decref(e->old);
		json_decref(e->obj);
	} else
		sim->ev_count++;
	e->rv = sim->rv;
	e->rt = rt;
	e->type = type;
	/* Only watch filters read the old version: keep what they need. */
	e->old = old ? sim_project(old) : NULL;
	e->obj = json_incref(obj);
	sim->ev_head = (sim->ev_head + 1) % sim->nevents;
	sim_fanout(sim, e);
}

/* The oldest resourceVersion a watch can still start after. */
int64_t
sim_oldest_rv(struct sim *sim)
{
	int64_t r = 0;

	if (sim->ev_count == sim->nevents)
		r = sim->events[sim->ev_head].rv - 1;
	return r > sim->compacted_rv ? r : sim->compacted_rv;
}

/* Gives a write's object the next resourceVersion and forgets the cached
 * serialisation of the version it replaces (lists redo it once). */
static void
sim_bump(struct sim *sim, enum sim_rt rt, json_t *obj)
{
	char *key = sim_objkey(rt, obj);

	json_object_del(sim->ser, key);
	free(key);
	sim_set(obj, "metadata.resourceVersion", json_sprintf("%lld",
	    (long long)++sim->rv));
}

/* Stores a new version of an object, bumping resourceVersion. */
json_t *
sim_put(struct sim *sim, enum sim_rt rt, json_t *obj)
{
	const char *ns = sim_str(obj, "metadata.namespace");
	const char *name = sim_str(obj, "metadata.name");
	json_t *m = sim_ns_map(sim, rt, ns), *old;

	old = json_object_get(m, name);
	if (old != NULL)
		json_incref(old);
	sim_bump(sim, rt, obj);
	json_object_set_new(m, name, obj);
	sim_index(sim, rt, old, obj);
	sim_emit(sim, rt, old ? 1 : 0, old, obj);
	json_decref(old);
	return obj;
}

/* Removes an object; the DELETED event carries its last state. */
void
sim_remove(struct sim *sim, enum sim_rt rt, const char *ns, const char *name)
{
	json_t *m = json_object_get(sim->objs[rt], ns ? ns : ""), *old, *fin;
	char *n;

	old = json_object_get(m, name);
	if (old == NULL)
		return;
	n = xstrdup(name);
	fin = json_deep_copy(old);
	sim_bump(sim, rt, fin);
	json_incref(old);
	json_object_del(m, n);
	sim_index(sim, rt, old, NULL);
	sim_emit(sim, rt, 2, NULL, fin);
	json_decref(old);
	json_decref(fin);
	free(n);
}

/* Fills what the apiserver sets on a new object: kind, uid, times. */
void
sim_create_meta(struct sim *sim, enum sim_rt rt, json_t *obj)
{
	const struct sim_rtype *t = &sim_rtypes[rt];
	char uid[40], *ts;
	uint64_t a = sim_rand(sim), b = sim_rand(sim);

	snprintf(uid, sizeof uid, "%08x-%04x-4%03x-%04x-%012llx",
	    (unsigned)(a >> 32), (unsigned)(a >> 16) & 0xffff,
	    (unsigned)a & 0xfff, (unsigned)(0x8000 | ((b >> 48) & 0x3fff)),
	    (unsigned long long)(b & 0xffffffffffffULL));
	json_object_set_new(obj, "apiVersion", json_string(
	    sim_api_version(rt)));
	json_object_set_new(obj, "kind", json_string(t->kind));
	if (sim_str(obj, "metadata.uid") == NULL)
		sim_set(obj, "metadata.uid", json_string(uid));
	ts = time_format_rfc3339(sim_now(sim));
	sim_set(obj, "metadata.creationTimestamp", json_string(ts));
	free(ts);
	if (rt == SIM_RT_DEPLOYMENTS || rt == SIM_RT_REPLICASETS ||
	    rt == SIM_RT_JOBS || rt == SIM_RT_PODS)
		sim_set(obj, "metadata.generation", json_integer(1));
}

/* Gives a new object what the apiserver fills in, then stores it. */
json_t *
sim_create_obj(struct sim *sim, enum sim_rt rt, json_t *obj)
{
	sim_create_meta(sim, rt, obj);
	return sim_put(sim, rt, obj);
}

/* The compact JSON of a stored object (borrowed), made on first use. */
const char *
sim_serialized(struct sim *sim, enum sim_rt rt, json_t *obj, size_t *len)
{
	char *key = sim_objkey(rt, obj), *text;
	json_t *v = json_object_get(sim->ser, key);

	if (v == NULL) {
		text = json_dumps(obj, JSON_COMPACT);
		v = json_stringn_nocheck(text, strlen(text));
		json_object_set_new(sim->ser, key, v);
		free(text);
	}
	free(key);
	*len = json_string_length(v);
	return json_string_value(v);
}

/* The maps kept beside the objects, each a JSON object from start to exit;
 * n > 1 for the arrays of one map per type. */
static const struct {
	size_t off;
	int n;
} sim_maps[] = {
#define SIM_MAP(f, n) { offsetof(struct sim, f), n }
	SIM_MAP(objs, SIM_RT_MAX), SIM_MAP(pos, SIM_RT_MAX),
	SIM_MAP(label_idx, SIM_RT_MAX), SIM_MAP(ctrl_dirty, SIM_RT_MAX),
	SIM_MAP(uids, 1), SIM_MAP(owners, 1), SIM_MAP(by_node, 1),
	SIM_MAP(node_use, 1), SIM_MAP(ns_use, 1), SIM_MAP(unscheduled, 1),
	SIM_MAP(kubelet, 1), SIM_MAP(job_seen, 1), SIM_MAP(dirty_ns, 1),
	SIM_MAP(terminating, 1), SIM_MAP(uncharged, 1), SIM_MAP(backoff, 1),
	SIM_MAP(sched_tried, 1), SIM_MAP(ser, 1), SIM_MAP(ctrl_timed, 1),
	SIM_MAP(fg_pending, 1), SIM_MAP(node_idx, 1), SIM_MAP(host_idx, 1),
	SIM_MAP(interned, 1), SIM_MAP(lost_nodes, 1), SIM_MAP(ep_dirty, 1),
	SIM_MAP(ep_index, 1), SIM_MAP(ep_pairs, 1), SIM_MAP(ep_svcs, 1),
#undef SIM_MAP
};

/* Allocates the maps and the event history. */
void
sim_store_init(struct sim *sim)
{
	size_t i;
	int j;

	for (i = 0; i < nitems(sim_maps); i++)
		for (j = 0; j < sim_maps[i].n; j++)
			((json_t **)((char *)sim + sim_maps[i].off))[j] =
			    json_object();
	sim->nodes_stale = true;
	sim_storage_init(sim);
	if (sim->opt.watch_cache <= 0)
		sim->opt.watch_cache = 10000;
	sim->nevents = sim->opt.watch_cache;
	sim->events = xcalloc(sim->nevents, sizeof *sim->events);
}

/* Releases the store. */
void
sim_store_free(struct sim *sim)
{
	size_t i;
	int j;

	for (i = 0; i < nitems(sim_maps); i++)
		for (j = 0; j < sim_maps[i].n; j++)
			json_decref(((json_t **)((char *)sim +
			    sim_maps[i].off))[j]);
	sim_index_free(sim);
	sim_storage_free(sim);
	for (j = 0; j < sim->nevents; j++) {
		json_decref(sim->events[j].old);
		json_decref(sim->events[j].obj);
	}
	free(sim->events);
}

/* Ends or forgets a watch; end=false when its connection already closed. */
void
sim_watch_close(struct sim_watch *w, bool end)
{
	struct sim_watch **p;
	struct evhttp_connection *evcon;

	for (p = &w->sim->watches; *p != NULL; p = &(*p)->next) {
		if (*p == w) {
			*p = w->next;
			w->sim->nwatch[w->rt]--;
			break;
		}
	}
	if (w->timer != NULL)
		event_free(w->timer);
	if (w->bookmark_ev != NULL)
		event_free(w->bookmark_ev);
	evcon = evhttp_request_get_connection(w->req);
	if (end) {
		if (evcon != NULL)
			evhttp_connection_set_closecb(evcon, NULL, NULL);
		evhttp_send_reply_end(w->req);
	} else
		sim_req_left(w->req);
	sim_selector_free(w->labels);
	sim_selector_free(w->fields);
	free(w->ns);
	free(w);
}
