/*
 * Server-side printing: the meta.k8s.io/v1 Table that kubectl asks for with
 * "Accept: application/json;as=Table", with the columns the real printers
 * use for the types kubectl users look at.
 */
#include "sim-int.h"
#include "sim-ctrl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

/* duration.HumanDuration from apimachinery, for AGE and DURATION cells. */
static char *
sim_human(int64_t ms)
{
	int64_t s = ms / 1000, m, h;

	if (s < 0)
		return xstrdup("0s");
	if (s < 120)
		return xprintf("%llds", (long long)s);
	m = s / 60;
	if (m < 10)
		return s % 60 ? xprintf("%lldm%llds", (long long)m,
		    (long long)(s % 60)) : xprintf("%lldm", (long long)m);
	if (m < 180)
		return xprintf("%lldm", (long long)m);
	h = m / 60;
	if (h < 8)
		return m % 60 ? xprintf("%lldh%lldm", (long long)h,
		    (long long)(m % 60)) : xprintf("%lldh", (long long)h);
	if (h < 48)
		return xprintf("%lldh", (long long)h);
	if (h < 24 * 8)
		return h % 24 ? xprintf("%lldd%lldh", (long long)(h / 24),
		    (long long)(h % 24)) : xprintf("%lldd", (long long)(h / 24));
	if (h < 24 * 365 * 2)
		return xprintf("%lldd", (long long)(h / 24));
	return xprintf("%lldy", (long long)(h / 24 / 365));
}

/* The AGE cell of an object. */
static json_t *
sim_age(struct sim *sim, json_t *o)
{
	int64_t t = sim_time_parse(sim_str(o, "metadata.creationTimestamp"));
	char *s = t < 0 ? xstrdup("<unknown>") : sim_human(sim_now(sim) - t);
	json_t *j = json_string(s);

	free(s);
	return j;
}

/*
 * The columns of the types kubectl users look at, as the real printers
 * name them: "|" between columns, a column of ":i" an integer, of ":d" a
 * date, of ":w" only in wide output (priority 1).  Other types get
 * Name and Age.
 */
static const struct {
	enum sim_rt rt;
	const char *cols;
} sim_cols[] = {
	{ SIM_RT_PODS, "Name|Ready|Status|Restarts|Age|IP:w|Node:w|"
	    "Nominated Node:w|Readiness Gates:w" },
	{ SIM_RT_NODES, "Name|Status|Roles|Age|Version|Internal-IP:w|"
	    "External-IP:w|OS-Image:w|Kernel-Version:w|Container-Runtime:w" },
	{ SIM_RT_DEPLOYMENTS, "Name|Ready|Up-to-date:i|Available:i|Age|"
	    "Containers:w|Images:w|Selector:w" },
	{ SIM_RT_REPLICASETS, "Name|Desired:i|Current:i|Ready:i|Age" },
	{ SIM_RT_JOBS, "Name|Status|Completions|Duration|Age" },
	{ SIM_RT_RESOURCEQUOTAS, "Name|Age|Request|Limit" },
	{ SIM_RT_NAMESPACES, "Name|Status|Age" },
	{ SIM_RT_SERVICES, "Name|Type|Cluster-IP|External-IP|Port(s)|Age" },
	{ SIM_RT_EVENTS, "Last Seen|Type|Reason|Object|Message" },
	{ SIM_RT_STORAGECLASSES, "Name|Provisioner|ReclaimPolicy|"
	    "VolumeBindingMode|AllowVolumeExpansion|Age" },
	{ SIM_RT_PVCS, "Name|Status|Volume|Capacity|Access Modes|"
	    "StorageClass|VolumeAttributesClass|Age|VolumeMode:w" },
	{ SIM_RT_PVS, "Name|Capacity|Access Modes|Reclaim Policy|Status|Claim|"
	    "StorageClass|VolumeAttributesClass|Reason|Age|VolumeMode:w" },
	{ SIM_RT_LIMITRANGES, "Name|Created At:d" },
	{ SIM_RT_ENDPOINTS, "Name|Endpoints|Age" },
	{ SIM_RT_ENDPOINTSLICES, "Name|AddressType|Ports|Endpoints|Age" },
};

/* The column definitions of a type's Table. */
static json_t *
sim_columns(enum sim_rt rt)
{
	const char *cols = "Name|Age", *p, *e, *c;
	json_t *arr = json_array();
	char name[32];
	size_t i;

	for (i = 0; i < nitems(sim_cols); i++)
		if (sim_cols[i].rt == rt)
			cols = sim_cols[i].cols;
	for (p = cols; *p != '\0'; p = *e ? e + 1 : e) {
		e = p + strcspn(p, "|");
		c = memchr(p, ':', e - p);
		snprintf(name, sizeof name, "%.*s", (int)((c ? c : e) - p), p);
		json_array_append_new(arr, json_pack("{sssssssssi}", "name",
		    name, "type", c && c[1] == 'i' ? "integer" : c &&
		    c[1] == 'd' ? "date" : "string", "format",
		    strcmp(name, "Name") == 0 ? "name" : "", "description",
		    name, "priority", c && c[1] == 'w'));
	}
	return arr;
}

/* The STATUS cell of a pod, as kubectl's printer derives it. */
static const char *
sim_pod_status(json_t *pod)
{
	json_t *cs = sim_path(pod, "status.containerStatuses"), *c;
	const char *r = sim_str(pod, "status.reason"), *x;
	size_t i;

	if (sim_path(pod, "metadata.deletionTimestamp") != NULL)
		return "Terminating";
	json_array_foreach(cs, i, c) {
		if ((x = sim_str(c, "state.waiting.reason")) != NULL)
			return x;
		if ((x = sim_str(c, "state.terminated.reason")) != NULL &&
		    r == NULL)
			return x;
	}
	if (r != NULL)
		return r;
	return sim_str_or(pod, "status.phase", "Pending");
}

/*
 * The ROLES cell of a node, as kubectl's printer finds them: the suffixes of
 * node-role.kubernetes.io/<role> labels and a kubernetes.io/role value,
 * sorted, without duplicates; caller frees.
 */
static char *
sim_node_roles(json_t *node)
{
	json_t *roles = json_object(), *v;
	const char *k, *x, **keys;
	char *out = NULL;
	size_t n, i;

	json_object_foreach(sim_path(node, "metadata.labels"), k, v) {
		if (has_prefix(k, "node-role.kubernetes.io/"))
			x = k + strlen("node-role.kubernetes.io/");
		else if (strcmp(k, "kubernetes.io/role") == 0)
			x = json_string_value(v);
		else
			x = NULL;
		if (x != NULL && *x != '\0')
			json_object_set_new(roles, x, json_true());
	}
	keys = sim_sorted_keys(roles, &n);
	for (i = 0; i < n; i++)
		xappendf(&out, "%s%s", i ? "," : "", keys[i]);
	free(keys);
	json_decref(roles);
	return out != NULL ? out : xstrdup("<none>");
}

/* Joins the string values of a container field with commas. */
static char *
sim_join_ctr(json_t *spec, const char *field)
{
	json_t *c;
	size_t i;
	char *out = xstrdup("");

	json_array_foreach(json_object_get(spec, "containers"), i, c)
		xappendf(&out, "%s%s", i ? "," : "",
		    sim_str_or(c, field, ""));
	return out;
}

/* "k: used/hard" pairs of a quota, sorted as kubectl prints them. */
static char *
sim_quota_cell(json_t *q, bool limits)
{
	json_t *hard = sim_path(q, "status.hard");
	json_t *used = sim_path(q, "status.used");
	const char **keys, *u, *h;
	char *out = xstrdup("");
	size_t n, i;

	keys = sim_sorted_keys(hard, &n);
	for (i = 0; i < n; i++) {
		if (has_prefix(keys[i], "limits.") != limits)
			continue;
		u = json_string_value(json_object_get(used, keys[i]));
		h = json_string_value(json_object_get(hard, keys[i]));
		xappendf(&out, "%s%s: %s/%s", *out ? ", " : "", keys[i],
		    u ? u : "0", h ? h : "");
	}
	free(keys);
	return out;
}

/* Appends a string cell, "" when the value is absent. */
static void
sim_cell_str(json_t *cells, const char *v)
{
	json_array_append_new(cells, json_string(v ? v : ""));
}

/* Appends a cell of an allocated string, which it frees. */
static void
sim_cell_take(json_t *cells, char *s)
{
	sim_cell_str(cells, s);
	free(s);
}

static void sim_cell_fmt(json_t *, const char *, ...) printflike(2, 3);

/* Appends a cell of formatted text. */
static void
sim_cell_fmt(json_t *cells, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	xvasprintf(&s, fmt, ap);
	va_end(ap);
	sim_cell_take(cells, s);
}

/* Access modes as kubectl abbreviates them ("RWO,RWX"). */
static char *
sim_access_modes(json_t *modes)
{
	static const char *abbr[][2] = { { "ReadWriteOnce", "RWO" },
		{ "ReadOnlyMany", "ROX" }, { "ReadWriteMany", "RWX" },
		{ "ReadWriteOncePod", "RWOP" } };
	char *out = xstrdup("");
	size_t i;

	for (i = 0; i < nitems(abbr); i++) {
		json_t *m;
		size_t j;
		bool has = false;

		json_array_foreach(modes, j, m)
			has = has || (json_is_string(m) &&
			    strcmp(json_string_value(m), abbr[i][0]) == 0);
		if (!has)
			continue;
		xappendf(&out, "%s%s", *out ? "," : "", abbr[i][1]);
	}
	return out;
}

/* A StorageClass row; the default class is named "(default)". */
static void
sim_cells_sc(struct sim *sim, json_t *o, json_t *cells)
{
	json_t *ann = sim_path(o, "metadata.annotations");
	const char *d = json_string_value(json_object_get(ann,
	    "storageclass.kubernetes.io/is-default-class"));

	sim_cell_fmt(cells, "%s%s", sim_str(o, "metadata.name"),
	    d != NULL && strcmp(d, "true") == 0 ? " (default)" : "");
	sim_cell_str(cells, sim_str(o, "provisioner"));
	sim_cell_str(cells, sim_str(o, "reclaimPolicy"));
	sim_cell_str(cells, sim_str(o, "volumeBindingMode"));
	sim_cell_str(cells, json_is_true(json_object_get(o,
	    "allowVolumeExpansion")) ? "true" : "false");
	json_array_append_new(cells, sim_age(sim, o));
}

/* A PersistentVolumeClaim row. */
static void
sim_cells_pvc(struct sim *sim, json_t *o, json_t *cells)
{
	sim_cell_str(cells, sim_str(o, "metadata.name"));
	sim_cell_str(cells, sim_path(o, "metadata.deletionTimestamp") ?
	    "Terminating" : sim_str(o, "status.phase"));
	sim_cell_str(cells, sim_str(o, "spec.volumeName"));
	sim_cell_str(cells, sim_str(o, "status.capacity.storage"));
	sim_cell_take(cells, sim_access_modes(sim_path(o,
	    "status.accessModes")));
	sim_cell_str(cells, sim_str(o, "spec.storageClassName"));
	sim_cell_str(cells, "<unset>");
	json_array_append_new(cells, sim_age(sim, o));
	sim_cell_str(cells, sim_str(o, "spec.volumeMode"));
}

/* A PersistentVolume row. */
static void
sim_cells_pv(struct sim *sim, json_t *o, json_t *cells)
{
	const char *claim = sim_str(o, "spec.claimRef.name");

	sim_cell_str(cells, sim_str(o, "metadata.name"));
	sim_cell_str(cells, sim_str(o, "spec.capacity.storage"));
	sim_cell_take(cells, sim_access_modes(sim_path(o, "spec.accessModes")));
	sim_cell_str(cells, sim_str(o, "spec.persistentVolumeReclaimPolicy"));
	sim_cell_str(cells, sim_path(o, "metadata.deletionTimestamp") ?
	    "Terminating" : sim_str(o, "status.phase"));
	sim_cell_fmt(cells, "%s%s%s", claim ? sim_str(o,
	    "spec.claimRef.namespace") : "", claim ? "/" : "", claim ? claim :
	    "");
	sim_cell_str(cells, sim_str(o, "spec.storageClassName"));
	sim_cell_str(cells, "<unset>");
	sim_cell_str(cells, sim_str(o, "status.reason"));
	json_array_append_new(cells, sim_age(sim, o));
	sim_cell_str(cells, sim_str(o, "spec.volumeMode"));
}

/* Appends to a "a,b,c + N more..." list of at most 3 (listWithMore). */
static void
sim_list_more(char **out, size_t *count, const char *item)
{
	if ((*count)++ < 3)
		xappendf(out, "%s%s", **out ? "," : "", item);
}

/* Ends such a list: "+ N more...", or empty as the printer says it. */
static json_t *
sim_list_end(char *out, size_t count, const char *empty)
{
	json_t *j;

	if (count > 3)
		xappendf(&out, " + %zu more...", count - 3);
	j = json_string(*out || count > 0 ? out : empty);
	free(out);
	return j;
}

/* formatEndpoints: ready "ip:port" pairs, or bare IPs without ports. */
static json_t *
sim_endpoints_cell(json_t *o)
{
	json_t *ss, *a, *p;
	size_t i, j, k, count = 0;
	char *out = xstrdup(""), buf[128];

	if (json_array_size(json_object_get(o, "subsets")) == 0) {
		free(out);
		return json_string("<none>");
	}
	json_array_foreach(json_object_get(o, "subsets"), i, ss) {
		json_array_foreach(json_object_get(ss, "addresses"), j, a) {
			if (json_array_size(json_object_get(ss, "ports")) == 0)
				sim_list_more(&out, &count, sim_str(a, "ip"));
			json_array_foreach(json_object_get(ss, "ports"), k, p) {
				snprintf(buf, sizeof buf, "%s:%lld",
				    sim_str_or(a, "ip", ""),
				    (long long)json_integer_value(
				    json_object_get(p, "port")));
				sim_list_more(&out, &count, buf);
			}
		}
	}
	return sim_list_end(out, count, "");
}

/* The PORTS and ENDPOINTS cells of an EndpointSlice. */
static void
sim_slice_cells(json_t *cells, json_t *o)
{
	json_t *p, *e, *a;
	size_t i, j, count = 0;
	char *out = xstrdup(""), buf[32];

	json_array_foreach(json_object_get(o, "ports"), i, p) {
		snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(
		    json_object_get(p, "port")));
		sim_list_more(&out, &count, buf);
	}
	json_array_append_new(cells, sim_list_end(out, count, "<unset>"));
	out = xstrdup("");
	count = 0;
	json_array_foreach(json_object_get(o, "endpoints"), i, e) {
		json_array_foreach(json_object_get(e, "addresses"), j, a)
			sim_list_more(&out, &count, json_string_value(a));
	}
	json_array_append_new(cells, sim_list_end(out, count, "<unset>"));
}

/* A Pod row, as kubectl's wide output. */
static void
sim_cells_pod(struct sim *sim, json_t *o, json_t *cells)
{
	json_t *c;
	size_t i;
	int ready = 0, restarts = 0;

	json_array_foreach(sim_path(o, "status.containerStatuses"), i, c) {
		if (json_is_true(json_object_get(c, "ready")))
			ready++;
		restarts += (int)json_integer_value(json_object_get(c,
		    "restartCount"));
	}
	sim_cell_str(cells, sim_str(o, "metadata.name"));
	sim_cell_fmt(cells, "%d/%zu", ready, json_array_size(sim_path(o,
	    "spec.containers")));
	sim_cell_str(cells, sim_pod_status(o));
	json_array_append_new(cells, json_integer(restarts));
	json_array_append_new(cells, sim_age(sim, o));
	sim_cell_str(cells, sim_str_or(o, "status.podIP", "<none>"));
	sim_cell_str(cells, sim_str_or(o, "spec.nodeName", "<none>"));
	sim_cell_str(cells, "<none>");
	sim_cell_str(cells, "<none>");
}

/* A Node row: Ready or NotReady, cordoned or not, roles, node info. */
static void
sim_cells_node(struct sim *sim, json_t *o, json_t *cells)
{
	sim_cell_str(cells, sim_str(o, "metadata.name"));
	sim_cell_fmt(cells, "%s%s", sim_cond_true(o, "Ready") ? "Ready" :
	    "NotReady", json_is_true(sim_path(o, "spec.unschedulable")) ?
	    ",SchedulingDisabled" : "");
	sim_cell_take(cells, sim_node_roles(o));
	json_array_append_new(cells, sim_age(sim, o));
	sim_cell_str(cells, sim_str(o, "status.nodeInfo.kubeletVersion"));
	sim_cell_str(cells, sim_str(json_array_get(sim_path(o,
	    "status.addresses"), 0), "address"));
	sim_cell_str(cells, "<none>");
	sim_cell_str(cells, sim_str(o, "status.nodeInfo.osImage"));
	sim_cell_str(cells, sim_str(o, "status.nodeInfo.kernelVersion"));
	sim_cell_str(cells, sim_str(o,
	    "status.nodeInfo.containerRuntimeVersion"));
}

/* A Deployment row: ready of desired, updated, available, containers. */
static void
sim_cells_deploy(struct sim *sim, json_t *o, json_t *cells)
{
	sim_cell_str(cells, sim_str(o, "metadata.name"));
	sim_cell_fmt(cells, "%lld/%lld", (long long)json_integer_value(
	    sim_path(o, "status.readyReplicas")), (long long)
	    json_integer_value(sim_path(o, "spec.replicas")));
	json_array_append_new(cells, json_integer(json_integer_value(
	    sim_path(o, "status.updatedReplicas"))));
	json_array_append_new(cells, json_integer(json_integer_value(
	    sim_path(o, "status.availableReplicas"))));
	json_array_append_new(cells, sim_age(sim, o));
	sim_cell_take(cells, sim_join_ctr(sim_path(o, "spec.template.spec"),
	    "name"));
	sim_cell_take(cells, sim_join_ctr(sim_path(o, "spec.template.spec"),
	    "image"));
	sim_cell_str(cells, "");
}

/* A Job row: its state from the conditions, completions, duration. */
static void
sim_cells_job(struct sim *sim, json_t *o, json_t *cells)
{
	const char *st = sim_cond_true(o, "Failed") ? "Failed" :
	    sim_cond_true(o, "Complete") ? "Complete" : "Running";
	int64_t a = sim_time_parse(sim_str(o, "status.startTime"));
	int64_t b = sim_time_parse(sim_str(o, "status.completionTime"));

	if (json_is_true(sim_path(o, "spec.suspend")))
		st = "Suspended";
	sim_cell_str(cells, sim_str(o, "metadata.name"));
	sim_cell_str(cells, st);
	sim_cell_fmt(cells, "%lld/%lld", (long long)json_integer_value(
	    sim_path(o, "status.succeeded")), (long long)json_integer_value(
	    sim_path(o, "spec.completions")));
	sim_cell_take(cells, a < 0 ? xstrdup("") : sim_human((b >= 0 ? b :
	    sim_now(sim)) - a));
	json_array_append_new(cells, sim_age(sim, o));
}

/* A Service row: type, cluster IP, ports as port/protocol. */
static void
sim_cells_svc(struct sim *sim, json_t *o, json_t *cells)
{
	json_t *c;
	char *s;
	size_t i;

	sim_cell_str(cells, sim_str(o, "metadata.name"));
	sim_cell_str(cells, sim_str_or(o, "spec.type", "ClusterIP"));
	sim_cell_str(cells, sim_str(o, "spec.clusterIP"));
	sim_cell_str(cells, "<none>");
	s = xstrdup("");
	json_array_foreach(sim_path(o, "spec.ports"), i, c) {
		xappendf(&s, "%s%lld/%s", i ? "," : "",
		    (long long)json_integer_value(json_object_get(c, "port")),
		    sim_str_or(c, "protocol", "TCP"));
	}
	sim_cell_str(cells, *s ? s : "<none>");
	free(s);
	json_array_append_new(cells, sim_age(sim, o));
}

/* An Event row: last seen, type, reason, object as kind/name, message. */
static void
sim_cells_event(struct sim *sim, json_t *o, json_t *cells)
{
	int64_t ts = sim_time_parse(sim_str(o, "lastTimestamp"));
	char *t = xprintf("%s/%s", sim_str_or(o, "involvedObject.kind", ""),
	    sim_str_or(o, "involvedObject.name", ""));

	for (char *p = t; *p && *p != '/'; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	sim_cell_take(cells, ts < 0 ? xstrdup("<unknown>") :
	    sim_human(sim_now(sim) - ts));
	sim_cell_str(cells, sim_str(o, "type"));
	sim_cell_str(cells, sim_str(o, "reason"));
	sim_cell_take(cells, t);
	sim_cell_str(cells, sim_str(o, "message"));
}

/* The cells of one row. */
static json_t *
sim_cells(struct sim *sim, enum sim_rt rt, json_t *o)
{
	const char *name = sim_str(o, "metadata.name");
	json_t *cells = json_array();

	switch (rt) {
	case SIM_RT_PODS:
		sim_cells_pod(sim, o, cells);
		break;
	case SIM_RT_NODES:
		sim_cells_node(sim, o, cells);
		break;
	case SIM_RT_DEPLOYMENTS:
		sim_cells_deploy(sim, o, cells);
		break;
	case SIM_RT_REPLICASETS:
		sim_cell_str(cells, name);
		json_array_append_new(cells, json_integer(json_integer_value(
		    sim_path(o, "spec.replicas"))));
		json_array_append_new(cells, json_integer(json_integer_value(
		    sim_path(o, "status.replicas"))));
		json_array_append_new(cells, json_integer(json_integer_value(
		    sim_path(o, "status.readyReplicas"))));
		json_array_append_new(cells, sim_age(sim, o));
		break;
	case SIM_RT_JOBS:
		sim_cells_job(sim, o, cells);
		break;
	case SIM_RT_RESOURCEQUOTAS:
		sim_cell_str(cells, name);
		json_array_append_new(cells, sim_age(sim, o));
		sim_cell_take(cells, sim_quota_cell(o, false));
		sim_cell_take(cells, sim_quota_cell(o, true));
		break;
	case SIM_RT_NAMESPACES:
		sim_cell_str(cells, name);
		sim_cell_str(cells, sim_str_or(o, "status.phase", "Active"));
		json_array_append_new(cells, sim_age(sim, o));
		break;
	case SIM_RT_SERVICES:
		sim_cells_svc(sim, o, cells);
		break;
	case SIM_RT_EVENTS:
		sim_cells_event(sim, o, cells);
		break;
	case SIM_RT_STORAGECLASSES:
		sim_cells_sc(sim, o, cells);
		break;
	case SIM_RT_PVCS:
		sim_cells_pvc(sim, o, cells);
		break;
	case SIM_RT_PVS:
		sim_cells_pv(sim, o, cells);
		break;
	case SIM_RT_LIMITRANGES:
		sim_cell_str(cells, name);
		sim_cell_str(cells, sim_str(o, "metadata.creationTimestamp"));
		break;
	case SIM_RT_ENDPOINTS:
		sim_cell_str(cells, name);
		json_array_append_new(cells, sim_endpoints_cell(o));
		json_array_append_new(cells, sim_age(sim, o));
		break;
	case SIM_RT_ENDPOINTSLICES:
		sim_cell_str(cells, name);
		sim_cell_str(cells, sim_str(o, "addressType"));
		sim_slice_cells(cells, o);
		json_array_append_new(cells, sim_age(sim, o));
		break;
	default:
		sim_cell_str(cells, name);
		json_array_append_new(cells, sim_age(sim, o));
		break;
	}
	return cells;
}

/* Builds a Table of items; headers=false for later watch events. */
json_t *
sim_table(struct sim *sim, enum sim_rt rt, json_t *items, bool headers,
    bool full)
{
	json_t *rows = json_array(), *o, *t;
	size_t i;

	json_array_foreach(items, i, o) {
		json_t *obj;

		if (full)
			obj = json_incref(o);
		else
			obj = json_pack("{sssssO}", "kind", "PartialObjectMetadata",
			    "apiVersion", "meta.k8s.io/v1", "metadata",
			    json_object_get(o, "metadata"));
		json_array_append_new(rows, json_pack("{soso}", "cells",
		    sim_cells(sim, rt, o), "object", obj));
	}
	t = json_pack("{sssss{}soso}", "kind", "Table", "apiVersion",
	    "meta.k8s.io/v1", "metadata", "columnDefinitions", headers ?
	    sim_columns(rt) : json_array(), "rows", rows);
	return t;
}
