/*
 * The endpoints and EndpointSlice controllers: for each Service with a
 * selector, an Endpoints object of its name and EndpointSlices
 * ("<service>-xxxxx", owned by it) listing the pods it selects that have
 * an IP, ready or not.  A change of a pod or a Service marks the Services
 * it concerns, found through an index of each Service under the one pair
 * of its selector the fewest Services share, and the next controller pass
 * syncs only those.
 */
#include "sim-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

#define SIM_SLICE_MAX 100	/* endpoints per EndpointSlice */
#define SIM_EP_MAX 1000		/* addresses an Endpoints object keeps */

/* The index key of one selector pair of a Service in a namespace. */
static char *
sim_ep_pair_key(const char *ns, const char *k, json_t *v)
{
	return xprintf("%s\x1f%s=%s", ns, k, json_string_value(v) ?
	    json_string_value(v) : "");
}

/* Adds n to the number of Services whose selector holds a pair. */
static json_int_t
sim_ep_pair_count(struct sim *sim, const char *key, int n)
{
	json_int_t c = json_integer_value(json_object_get(sim->ep_pairs,
	    key)) + n;

	if (c > 0)
		json_object_set_new(sim->ep_pairs, key, json_integer(c));
	else
		json_object_del(sim->ep_pairs, key);
	return c;
}

/*
 * Indexes a Service under the one pair of its selector that the fewest
 * Services share, so that a pod's change looks at few Services even when
 * every Service selects on the same label keys; a pod the Service selects
 * has every pair, that one too.  The sequence number of the indexing
 * keeps the order in which the changes of a pod mark its Services.
 */
static void
sim_ep_index_add(struct sim *sim, json_t *svc)
{
	json_t *sel = sim_path(svc, "spec.selector"), *v, *pairs;
	const char *ns = sim_str(svc, "metadata.namespace"), *k;
	const char *name = sim_str(svc, "metadata.name");
	char *key, *best = NULL, *sk;
	json_int_t c, best_c = 0, seq = ++sim->ep_seq;

	if (json_object_size(sel) == 0 || ns == NULL || name == NULL)
		return;
	pairs = json_array();
	json_object_foreach(sel, k, v) {
		key = sim_ep_pair_key(ns, k, v);
		c = sim_ep_pair_count(sim, key, 1);
		if (best == NULL || c < best_c) {
			free(best);
			best = xstrdup(key);
			best_c = c;
		}
		json_array_append_new(pairs, json_string(key));
		free(key);
	}
	json_object_set_new(sim_child(sim->ep_index, best), name,
	    json_integer(seq));
	sk = xprintf("%s/%s", ns, name);
	json_object_set_new(sim->ep_svcs, sk, json_pack("{ssso}", "key", best,
	    "pairs", pairs));
	free(sk);
	free(best);
}

/* Takes a Service out of the selector index, as sim_ep_index_add put it. */
static void
sim_ep_index_del(struct sim *sim, json_t *svc)
{
	const char *ns = sim_str(svc, "metadata.namespace"), *key;
	const char *name = sim_str(svc, "metadata.name");
	char *sk;
	json_t *ent, *set, *p;
	size_t i;

	if (ns == NULL || name == NULL)
		return;
	sk = xprintf("%s/%s", ns, name);
	if ((ent = json_object_get(sim->ep_svcs, sk)) != NULL) {
		json_array_foreach(json_object_get(ent, "pairs"), i, p)
			sim_ep_pair_count(sim, json_string_value(p), -1);
		key = json_string_value(json_object_get(ent, "key"));
		set = json_object_get(sim->ep_index, key);
		json_object_del(set, name);
		if (set != NULL && json_object_size(set) == 0)
			json_object_del(sim->ep_index, key);
		json_object_del(sim->ep_svcs, sk);
	}
	free(sk);
}

/* Queues the sync of one Service. */
static void
sim_ep_mark(struct sim *sim, const char *ns, const char *name)
{
	char *k = xprintf("%s/%s", ns, name);

	if (sim->ep_dirty == NULL)
		sim->ep_dirty = json_object();
	json_object_set_new(sim->ep_dirty, k, json_true());
	free(k);
}

/* True if labels hold every pair of a Service's selector. */
static bool
sim_ep_selects(json_t *selector, json_t *labels)
{
	json_t *v;
	const char *k;

	if (json_object_size(selector) == 0)
		return false;
	json_object_foreach(selector, k, v) {
		if (!json_is_string(v) || !json_equal(v, json_object_get(labels,
		    k)))
			return false;
	}
	return true;
}

/* A Service a pod's change concerns, with where its marking goes. */
struct sim_ep_hit {
	size_t pos;		/* its selector's first key among the labels */
	json_int_t seq;		/* when it was indexed */
	const char *name;	/* borrowed from the index */
};

/* Orders hits as label order, then indexing order. */
static int
sim_ep_hit_cmp(const void *a, const void *b)
{
	const struct sim_ep_hit *x = a, *y = b;

	if (x->pos != y->pos)
		return x->pos < y->pos ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

/* Where a Service's first selector key comes among a pod's labels. */
static size_t
sim_ep_label_pos(json_t *selector, json_t *labels)
{
	const char *first = json_object_iter_key(json_object_iter(selector));
	const char *k;
	json_t *v;
	size_t i = 0;

	json_object_foreach(labels, k, v) {
		if (first != NULL && strcmp(k, first) == 0)
			return i;
		i++;
	}
	return i;
}

/*
 * Marks the Services of a namespace whose selector the labels satisfy,
 * in the order of the labels holding each one's first selector pair,
 * then of indexing: the order the Services are synced in, and so their
 * objects' resourceVersions, stay what they were when each Service was
 * indexed under that first pair.
 */
static void
sim_ep_mark_pod(struct sim *sim, json_t *pod)
{
	const char *ns = sim_str(pod, "metadata.namespace"), *k, *name;
	json_t *labels = sim_path(pod, "metadata.labels"), *v, *set, *x, *svc;
	struct sim_ep_hit *hits = NULL;
	size_t n = 0, cap = 0, i;
	char *key;

	if (json_object_size(sim->ep_index) == 0 || ns == NULL)
		return;
	json_object_foreach(labels, k, v) {
		key = sim_ep_pair_key(ns, k, v);
		set = json_object_get(sim->ep_index, key);
		free(key);
		json_object_foreach(set, name, x) {
			svc = sim_get(sim, SIM_RT_SERVICES, ns, name);
			if (svc == NULL || !sim_ep_selects(sim_path(svc,
			    "spec.selector"), labels))
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 4;
				hits = xreallocarray(hits, cap, sizeof *hits);
			}
			hits[n].pos = sim_ep_label_pos(sim_path(svc,
			    "spec.selector"), labels);
			hits[n].seq = json_integer_value(x);
			hits[n++].name = name;
		}
	}
	if (n > 1)
		qsort(hits, n, sizeof *hits, sim_ep_hit_cmp);
	for (i = 0; i < n; i++)
		sim_ep_mark(sim, ns, hits[i].name);
	free(hits);
}

/* Notes a change of a pod or Service; see sim-int.h. */
void
sim_endpoints_note(struct sim *sim, enum sim_rt rt, json_t *old, json_t *new)
{
	json_t *o = new != NULL ? new : old;

	if (rt == SIM_RT_SERVICES) {
		if (old != NULL)
			sim_ep_index_del(sim, old);
		if (new != NULL)
			sim_ep_index_add(sim, new);
		sim_ep_mark(sim, sim_str(o, "metadata.namespace"),
		    sim_str(o, "metadata.name"));
	} else if (rt == SIM_RT_PODS) {
		if (old != NULL)
			sim_ep_mark_pod(sim, old);
		if (new != NULL)
			sim_ep_mark_pod(sim, new);
	}
}

/* The pods a Service selects, in store order (new array, borrowed). */
static json_t *
sim_ep_pods(struct sim *sim, json_t *svc)
{
	const char *ns = sim_str(svc, "metadata.namespace"), *k;
	json_t *sel = json_pack("{sO}", "matchLabels", sim_path(svc,
	    "spec.selector")), *items, *p;
	struct sim_selector *ls = sim_selector_from_json(sel, NULL);
	char *a = NULL, *b = NULL;
	bool missing;

	json_decref(sel);
	items = ls ? sim_index_collect(sim, SIM_RT_PODS, ns, ls, NULL, NULL,
	    NULL, 0, &a, &b, &missing) : NULL;
	if (items == NULL) {
		items = json_array();
		json_object_foreach(json_object_get(sim->objs[SIM_RT_PODS],
		    ns), k, p) {
			if (sim_ep_selects(sim_path(svc, "spec.selector"),
			    sim_path(p, "metadata.labels")))
				json_array_append(items, p);
		}
	}
	free(a);
	free(b);
	sim_selector_free(ls);
	return items;
}

/* ShouldPodBeInEndpoints: an IP, and not finished for good. */
static bool
sim_ep_pod_counts(json_t *pod, bool terminating_too)
{
	const char *rp = sim_str(pod, "spec.restartPolicy");
	const char *ph = sim_str(pod, "status.phase");

	if (sim_str(pod, "status.podIP") == NULL)
		return false;
	if (!terminating_too &&
	    sim_path(pod, "metadata.deletionTimestamp") != NULL)
		return false;
	ph = ph ? ph : "";
	if (rp != NULL && strcmp(rp, "Never") == 0)
		return strcmp(ph, "Failed") != 0 &&
		    strcmp(ph, "Succeeded") != 0;
	if (rp != NULL && strcmp(rp, "OnFailure") == 0)
		return strcmp(ph, "Succeeded") != 0;
	return true;
}

/* FindPort: a Service port's target on a pod, or -1. */
static json_int_t
sim_ep_find_port(json_t *pod, json_t *sport)
{
	json_t *tp = json_object_get(sport, "targetPort"), *c, *p;
	size_t i, j;

	if (tp == NULL)
		tp = json_object_get(sport, "port");
	if (json_is_integer(tp))
		return json_integer_value(tp);
	json_array_foreach(sim_path(pod, "spec.containers"), i, c) {
		json_array_foreach(json_object_get(c, "ports"), j, p) {
			if (json_is_string(tp) && json_equal(tp,
			    json_object_get(p, "name")))
				return json_integer_value(json_object_get(p,
				    "containerPort"));
		}
	}
	return -1;
}

/* The ports of a Service as a pod resolves them (new array). */
static json_t *
sim_ep_ports(json_t *svc, json_t *pod)
{
	json_t *out = json_array(), *sp, *e;
	json_int_t port;
	size_t i;

	json_array_foreach(sim_path(svc, "spec.ports"), i, sp) {
		if ((port = sim_ep_find_port(pod, sp)) < 0)
			continue;
		e = json_pack("{sIss}", "port", port, "protocol",
		    sim_str_or(sp, "protocol", "TCP"));
		if (sim_str(sp, "name") != NULL && *sim_str(sp, "name") != '\0')
			json_object_set_new(e, "name", json_string(sim_str(sp,
			    "name")));
		json_object_update_new(e, json_pack("{s:s*}", "appProtocol",
		    sim_str(sp, "appProtocol")));
		json_array_append_new(out, e);
	}
	return out;
}

/* An Endpoints address or EndpointSlice endpoint's pod reference. */
static json_t *
sim_ep_target(json_t *pod)
{
	return json_pack("{ssssssss?}", "kind", "Pod", "namespace",
	    sim_str(pod, "metadata.namespace"), "name",
	    sim_str(pod, "metadata.name"), "uid", sim_str(pod, "metadata.uid"));
}

/* ShouldSetHostname: the pod names the Service as its subdomain. */
static const char *
sim_ep_hostname(json_t *pod, json_t *svc)
{
	const char *h = sim_str(pod, "spec.hostname");
	const char *sd = sim_str(pod, "spec.subdomain");

	if (h == NULL || sd == NULL || strcmp(sd, sim_str(svc,
	    "metadata.name")) != 0)
		return NULL;
	return h;
}

/* Adds a pod's address to the subset of its ports (RepackSubsets). */
static void
sim_ep_add_subset(json_t *subsets, json_t *ports, json_t *addr, bool ready)
{
	json_t *s = NULL, *x;
	size_t i;

	json_array_foreach(subsets, i, x) {
		if (json_equal(json_object_get(x, "ports"), ports) ||
		    (json_object_get(x, "ports") == NULL &&
		    json_array_size(ports) == 0)) {
			s = x;
			break;
		}
	}
	if (s == NULL) {
		s = json_object();
		if (json_array_size(ports) > 0)
			json_object_set(s, "ports", ports);
		json_array_append_new(subsets, s);
	}
	if (json_object_get(s, ready ? "addresses" : "notReadyAddresses") ==
	    NULL)
		json_object_set_new(s, ready ? "addresses" :
		    "notReadyAddresses", json_array());
	json_array_append(json_object_get(s, ready ? "addresses" :
	    "notReadyAddresses"), addr);
}

/* The subsets of a Service's Endpoints (new array). */
static json_t *
sim_ep_subsets(json_t *svc, json_t *pods)
{
	bool pub = json_is_true(sim_path(svc, "spec.publishNotReadyAddresses"));
	bool headless = sim_str(svc, "spec.clusterIP") != NULL &&
	    strcmp(sim_str(svc, "spec.clusterIP"), "None") == 0;
	json_t *subsets = json_array(), *p, *addr, *ports;
	size_t i, n = 0;

	json_array_foreach(pods, i, p) {
		if (!sim_ep_pod_counts(p, pub) || n >= SIM_EP_MAX)
			continue;
		ports = sim_ep_ports(svc, p);
		if (json_array_size(ports) == 0 && (!headless ||
		    json_array_size(sim_path(svc, "spec.ports")) > 0)) {
			json_decref(ports);
			continue;
		}
		addr = json_pack("{sss:s*s:s*so}", "ip", sim_str(p,
		    "status.podIP"), "hostname", sim_ep_hostname(p, svc),
		    "nodeName", sim_str(p, "spec.nodeName"), "targetRef",
		    sim_ep_target(p));
		sim_ep_add_subset(subsets, ports, addr, pub ||
		    sim_pod_ready(p));
		json_decref(addr);
		json_decref(ports);
		n++;
	}
	return subsets;
}

/* The labels the controllers give what they make for a Service. */
static json_t *
sim_ep_labels(json_t *svc, bool slice)
{
	json_t *l = json_deep_copy(sim_path(svc, "metadata.labels"));
	const char *ip = sim_str(svc, "spec.clusterIP");

	if (!json_is_object(l)) {
		json_decref(l);
		l = json_object();
	}
	if (ip != NULL && strcmp(ip, "None") == 0)
		json_object_set_new(l, "service.kubernetes.io/headless",
		    json_string(""));
	if (slice) {
		json_object_set_new(l, "kubernetes.io/service-name",
		    json_string(sim_str(svc, "metadata.name")));
		json_object_set_new(l, "endpointslice.kubernetes.io/managed-by",
		    json_string("endpointslice-controller.k8s.io"));
	}
	return l;
}

/* Stamps when the controller last changed what an object lists. */
static void
sim_ep_stamp(struct sim *sim, json_t *obj)
{
	char *ts = time_format_rfc3339(sim_now(sim));

	sim_annotate(obj, "endpoints.kubernetes.io/last-change-trigger-time",
	    ts);
	free(ts);
}

/* Whether a stored value and a wanted one agree, both absent included
 * (json_equal calls two NULLs unequal, which rewrote the Endpoints of a
 * Service without labels at every sync). */
static bool
sim_ep_same(json_t *a, json_t *b)
{
	return (a == NULL && b == NULL) || json_equal(a, b);
}

/*
 * Stores what a controller wants (obj, taken) over the stored version
 * (cur, or NULL to create) when its labels or listed fields changed.
 */
static void
sim_ep_store(struct sim *sim, enum sim_rt rt, json_t *cur, json_t *obj,
    const char *const *fields)
{
	json_t *cp;
	bool same;
	size_t i;

	if (cur == NULL) {
		sim_ep_stamp(sim, obj);
		sim_create_obj(sim, rt, obj);
		return;
	}
	same = sim_ep_same(sim_path(cur, "metadata.labels"), sim_path(obj,
	    "metadata.labels"));
	for (i = 0; same && fields[i] != NULL; i++)
		same = sim_ep_same(json_object_get(cur, fields[i]),
		    json_object_get(obj, fields[i]));
	if (same) {
		json_decref(obj);
		return;
	}
	cp = json_deep_copy(cur);
	if (sim_path(obj, "metadata.labels") != NULL)
		sim_set(cp, "metadata.labels", json_incref(sim_path(obj,
		    "metadata.labels")));
	else
		json_object_del(json_object_get(cp, "metadata"), "labels");
	for (i = 0; fields[i] != NULL; i++) {
		if (json_object_get(obj, fields[i]) != NULL)
			json_object_set(cp, fields[i], json_object_get(obj,
			    fields[i]));
		else
			json_object_del(cp, fields[i]);
	}
	json_decref(obj);
	sim_ep_stamp(sim, cp);
	sim_put(sim, rt, cp);
}

/* Syncs the Endpoints object of a Service (NULL: the Service is gone). */
static void
sim_ep_sync_endpoints(struct sim *sim, const char *ns, const char *name,
    json_t *svc, json_t *pods)
{
	static const char *const fields[] = { "subsets", NULL };
	json_t *cur = sim_get(sim, SIM_RT_ENDPOINTS, ns, name), *obj, *subsets;
	json_t *labels;

	if (svc == NULL) {
		if (cur != NULL)
			sim_remove(sim, SIM_RT_ENDPOINTS, ns, name);
		return;
	}
	obj = json_pack("{s{ssss}}", "metadata", "name", name, "namespace",
	    ns);
	labels = sim_ep_labels(svc, false);
	if (json_object_size(labels) > 0)
		json_object_set(json_object_get(obj, "metadata"), "labels",
		    labels);
	json_decref(labels);
	subsets = sim_ep_subsets(svc, pods);
	if (json_array_size(subsets) > 0)
		json_object_set(obj, "subsets", subsets);
	json_decref(subsets);
	sim_ep_store(sim, SIM_RT_ENDPOINTS, cur, obj, fields);
}

/* The EndpointSlice endpoints of a Service's pods (new array). */
static json_t *
sim_ep_endpoints(struct sim *sim, json_t *svc, json_t *pods)
{
	bool pub = json_is_true(sim_path(svc, "spec.publishNotReadyAddresses"));
	json_t *out = json_array(), *p, *e, *node;
	const char *zone;
	bool ready, term;
	size_t i;

	json_array_foreach(pods, i, p) {
		if (!sim_ep_pod_counts(p, true))
			continue;
		ready = pub || sim_pod_ready(p);
		term = sim_path(p, "metadata.deletionTimestamp") != NULL;
		e = json_pack("{s[s]s{sbsbsb}}", "addresses", sim_str(p,
		    "status.podIP"), "conditions", "ready", pub || (ready &&
		    !term), "serving", ready, "terminating", term);
		node = sim_get(sim, SIM_RT_NODES, NULL, sim_str(p,
		    "spec.nodeName"));
		zone = json_string_value(json_object_get(sim_path(node,
		    "metadata.labels"), "topology.kubernetes.io/zone"));
		json_object_update_new(e, json_pack("{s:s*sos:s*s:s*}",
		    "hostname", sim_ep_hostname(p, svc), "targetRef",
		    sim_ep_target(p), "nodeName", sim_str(p, "spec.nodeName"),
		    "zone", zone));
		json_array_append_new(out, e);
	}
	return out;
}

/* The EndpointSlices a Service owns, by name (new array, borrowed). */
static json_t *
sim_ep_slices(struct sim *sim, json_t *svc)
{
	json_t *set = json_object_get(sim->owners, sim_str(svc,
	    "metadata.uid")), *v, *out = json_array(), *o;
	char prefix[32];
	const char *k, *slash;

	snprintf(prefix, sizeof prefix, "%d/", (int)SIM_RT_ENDPOINTSLICES);
	json_object_foreach(set, k, v) {
		if (!has_prefix(k, prefix) ||
		    (slash = strchr(k + strlen(prefix), '/')) == NULL)
			continue;
		o = sim_get(sim, SIM_RT_ENDPOINTSLICES, sim_str(svc,
		    "metadata.namespace"), slash + 1);
		if (o != NULL)
			json_array_append(out, o);
	}
	sim_index_sort(sim, SIM_RT_ENDPOINTSLICES, out);
	return out;
}

/* One EndpointSlice as the controller wants it (new reference). */
static json_t *
sim_ep_slice(struct sim *sim, json_t *svc, json_t *cur, json_t *eps,
    json_t *ports)
{
	json_t *obj, *meta;
	char suffix[8];

	meta = json_pack("{sssoso}", "namespace", sim_str(svc,
	    "metadata.namespace"), "labels", sim_ep_labels(svc, true),
	    "ownerReferences", json_pack("[{sssssOsOsbsb}]", "apiVersion", "v1",
	    "kind", "Service", "name", sim_path(svc, "metadata.name"), "uid",
	    sim_path(svc, "metadata.uid"), "controller", 1,
	    "blockOwnerDeletion", 1));
	if (cur != NULL)
		json_object_set(meta, "name", sim_path(cur, "metadata.name"));
	else {
		sim_rand_suffix(sim, suffix, 5);
		json_object_set_new(meta, "generateName", json_sprintf("%s-",
		    sim_str(svc, "metadata.name")));
		json_object_set_new(meta, "name", json_sprintf("%s-%s",
		    sim_str(svc, "metadata.name"), suffix));
	}
	obj = json_pack("{sosssOsO}", "metadata", meta, "addressType", "IPv4",
	    "endpoints", eps, "ports", ports);
	return obj;
}

/* Syncs the EndpointSlices of a Service, 100 endpoints to a slice. */
static void
sim_ep_sync_slices(struct sim *sim, json_t *svc, json_t *pods)
{
	static const char *const fields[] = { "addressType", "endpoints",
		"ports", NULL };
	json_t *eps = sim_ep_endpoints(sim, svc, pods), *slices, *chunk, *cur;
	json_t *ports, *p, *res;
	size_t i, n = 0, total = json_array_size(eps);

	slices = sim_ep_slices(sim, svc);
	/* The ports of the first pod that resolves them, else unresolved. */
	ports = json_array();
	json_array_foreach(pods, i, p) {
		if (sim_ep_pod_counts(p, true)) {
			json_decref(ports);
			ports = sim_ep_ports(svc, p);
			json_array_foreach(ports, n, cur) {
				if (json_object_get(cur, "name") == NULL)
					json_object_set_new(cur, "name",
					    json_string(""));
			}
			break;
		}
	}
	for (i = 0, n = 0; n < total || i == 0; i++, n += SIM_SLICE_MAX) {
		chunk = json_array();
		for (size_t j = n; j < total && j < n + SIM_SLICE_MAX; j++)
			json_array_append(chunk, json_array_get(eps, j));
		cur = json_array_get(slices, i);
		sim_ep_store(sim, SIM_RT_ENDPOINTSLICES, cur, sim_ep_slice(sim,
		    svc, cur, chunk, ports), fields);
		json_decref(chunk);
	}
	for (; i < json_array_size(slices); i++) {
		res = NULL;
		sim_delete(sim, SIM_RT_ENDPOINTSLICES, sim_str(svc,
		    "metadata.namespace"), sim_str(json_array_get(slices, i),
		    "metadata.name"), NULL, -1, &res);
		json_decref(res);
	}
	json_decref(ports);
	json_decref(slices);
	json_decref(eps);
}

/* Syncs the Endpoints and EndpointSlices of one Service ("ns/name"). */
static void
sim_ep_sync(struct sim *sim, const char *key)
{
	const char *slash = strchr(key, '/');
	char *ns;
	json_t *svc, *pods;

	if (slash == NULL)
		return;
	ns = xstrndup(key, slash - key);
	svc = sim_get(sim, SIM_RT_SERVICES, ns, slash + 1);
	if (svc != NULL && json_object_size(sim_path(svc, "spec.selector")) ==
	    0)
		svc = NULL;	/* no selector: the user's own endpoints */
	if (svc == NULL) {
		if (sim_get(sim, SIM_RT_SERVICES, ns, slash + 1) == NULL)
			sim_ep_sync_endpoints(sim, ns, slash + 1, NULL, NULL);
		free(ns);
		return;
	}
	json_incref(svc);
	pods = sim_ep_pods(sim, svc);
	sim_ep_sync_endpoints(sim, ns, slash + 1, svc, pods);
	sim_ep_sync_slices(sim, svc, pods);
	json_decref(pods);
	json_decref(svc);
	free(ns);
}

/* Syncs the Services noted since the last pass; see sim-int.h. */
void
sim_endpoints_pass(struct sim *sim)
{
	json_t *dirty = sim->ep_dirty, *v;
	const char *k;

	if (dirty == NULL || json_object_size(dirty) == 0)
		return;
	sim->ep_dirty = NULL;
	json_object_foreach(dirty, k, v)
		sim_ep_sync(sim, k);
	json_decref(dirty);
}
