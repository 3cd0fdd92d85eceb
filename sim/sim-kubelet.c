/*
 * The scheduler and the kubelets in simulated time: binding pending pods to
 * nodes that fit, then taking each bound pod through ContainerCreating,
 * Running, exit, restarts and graceful deletion.  What each run does (its
 * length, exit code, message and log) is sim-program.c's.
 */
#include "sim-int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"


/* Reads a resource of a node's allocatable. */
static int64_t
sim_alloc(json_t *node, const char *res, int scale)
{
	json_t *v = json_object_get(sim_path(node, "status.allocatable"), res);
	int64_t out = 0;

	if (json_is_string(v))
		quantity_parse(json_string_value(v), scale, &out, NULL);
	else if (json_is_integer(v))
		out = json_integer_value(v) * scale;
	return out;
}

/* True if a NoSchedule/NoExecute taint is tolerated by the pod. */
static bool
sim_tolerates(json_t *pod, json_t *taint)
{
	json_t *tols = sim_path(pod, "spec.tolerations"), *t;
	const char *tk = sim_str(taint, "key"), *tv = sim_str(taint, "value");
	const char *te = sim_str(taint, "effect");
	size_t i;

	json_array_foreach(tols, i, t) {
		const char *k = sim_str(t, "key"), *op = sim_str(t, "operator");
		const char *v = sim_str(t, "value"), *e = sim_str(t, "effect");

		if (e != NULL && *e && te != NULL && strcmp(e, te) != 0)
			continue;
		if (k == NULL || *k == '\0') {
			if (op != NULL && strcmp(op, "Exists") == 0)
				return true;
			continue;
		}
		if (tk == NULL || strcmp(k, tk) != 0)
			continue;
		if (op != NULL && strcmp(op, "Exists") == 0)
			return true;
		if (strcmp(v ? v : "", tv ? tv : "") == 0)
			return true;
	}
	return false;
}

/* Evaluates one nodeSelectorTerm's matchExpressions against labels. */
static bool
sim_term_matches(json_t *term, json_t *labels)
{
	json_t *exprs = json_object_get(term, "matchExpressions"), *e, *vals, *v;
	size_t i, j;

	json_array_foreach(exprs, i, e) {
		const char *k = sim_str(e, "key"), *op = sim_str(e, "operator");
		const char *lv = json_string_value(json_object_get(labels,
		    k ? k : ""));
		bool in = false;

		if (k == NULL || op == NULL)
			return false;
		vals = json_object_get(e, "values");
		json_array_foreach(vals, j, v) {
			if (lv != NULL && json_is_string(v) &&
			    strcmp(lv, json_string_value(v)) == 0)
				in = true;
		}
		if (strcmp(op, "In") == 0 && !in)
			return false;
		if (strcmp(op, "NotIn") == 0 && in)
			return false;
		if (strcmp(op, "Exists") == 0 && lv == NULL)
			return false;
		if (strcmp(op, "DoesNotExist") == 0 && lv != NULL)
			return false;
		if ((strcmp(op, "Gt") == 0 || strcmp(op, "Lt") == 0)) {
			long long a, b;

			if (lv == NULL || json_array_size(vals) != 1)
				return false;
			a = strtoll(lv, NULL, 10);
			b = strtoll(json_string_value(json_array_get(vals, 0)) ?
			    json_string_value(json_array_get(vals, 0)) : "0",
			    NULL, 10);
			if (strcmp(op, "Gt") == 0 ? !(a > b) : !(a < b))
				return false;
		}
	}
	return true;
}

/* nodeSelector and required node affinity. */
static bool
sim_node_selected(json_t *pod, json_t *node)
{
	json_t *labels = sim_path(node, "metadata.labels");
	json_t *sel = sim_path(pod, "spec.nodeSelector"), *v, *terms, *t;
	const char *k;
	size_t i;
	bool any;

	json_object_foreach(sel, k, v) {
		const char *lv = json_string_value(json_object_get(labels, k));

		if (lv == NULL || !json_is_string(v) ||
		    strcmp(lv, json_string_value(v)) != 0)
			return false;
	}
	terms = sim_path(pod, "spec.affinity.nodeAffinity."
	    "requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms");
	if (json_array_size(terms) == 0)
		return true;
	any = false;
	json_array_foreach(terms, i, t) {
		if (sim_term_matches(t, labels))
			any = true;
	}
	return any;
}

/* Adds n to a reason's node count when n is not zero. */
static void
sim_reason_add(json_t *reasons, const char *r, int64_t n)
{
	if (n > 0)
		json_object_set_new(reasons, r, json_integer(
		    json_integer_value(json_object_get(reasons, r)) + n));
}

/* The "0/N nodes are available: ..." message of an unschedulable pod. */
static char *
sim_fit_message(json_t *reasons, size_t nnodes)
{
	char **parts = xcalloc(json_object_size(reasons) + 1, sizeof *parts);
	const char *k;
	json_t *v;
	size_t n = 0, i;
	char *out, *t;

	json_object_foreach(reasons, k, v)
		parts[n++] = xprintf("%lld %s", (long long)json_integer_value(v),
		    k);
	qsort(parts, n, sizeof *parts, sim_strcmp);
	out = xprintf("0/%zu nodes are available: ", nnodes);
	for (i = 0; i < n; i++) {
		xappendf(&out, "%s%s", i ? ", " : "", parts[i]);
		free(parts[i]);
	}
	free(parts);
	t = xprintf("%s. preemption: 0/%zu nodes are available: %zu Preemption "
	    "is not helpful for scheduling.", out, nnodes, nnodes);
	free(out);
	return t;
}

/* The class key of a node: what pod filters read, less its hostname. */
static char *
sim_node_class_key(json_t *node, bool ready, bool unschedulable)
{
	json_t *labels = json_deep_copy(sim_path(node, "metadata.labels"));
	json_t *k;
	char *s;

	if (labels == NULL)
		labels = json_object();
	json_object_del(labels, "kubernetes.io/hostname");
	k = json_pack("{sosO?sbsb}", "l", labels, "t",
	    sim_path(node, "spec.taints"), "r", ready, "u", unschedulable);
	s = json_dumps(k, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(k);
	return s;
}

/* Frees the scheduler's node table. */
void
sim_sched_free(struct sim *sim)
{
	free(sim->nodes);
	free(sim->class_rep);
	sim->nodes = NULL;
	sim->class_rep = NULL;
	sim->nnodes = 0;
	sim->nclasses = 0;
}

/* Files a node under its hostname label, for pods pinned to a host. */
static void
sim_host_index(struct sim *sim, json_t *node, size_t i)
{
	const char *h = json_string_value(json_object_get(sim_path(node,
	    "metadata.labels"), "kubernetes.io/hostname"));
	json_t *list;

	if (h == NULL)
		return;
	if ((list = json_object_get(sim->host_idx, h)) == NULL) {
		list = json_array();
		json_object_set_new(sim->host_idx, h, list);
	}
	json_array_append_new(list, json_integer((json_int_t)i));
}

/* Adds sign * a usage vector to what the scheduler counts used on a node. */
static void
sim_node_use(struct sim_node *f, json_t *use, int sign)
{
	f->ucpu += sign * json_integer_value(json_object_get(use,
	    "requests.cpu"));
	f->umem += sign * json_integer_value(json_object_get(use,
	    "requests.memory"));
	f->ugpu += sign * json_integer_value(json_object_get(use,
	    "requests.nvidia.com/gpu"));
	f->upods += sign * json_integer_value(json_object_get(use, "pods"));
}

/* Rebuilds the node table after a node changed, in the store's order. */
static void
sim_nodes_refresh(struct sim *sim)
{
	json_t *m = json_object_get(sim->objs[SIM_RT_NODES], ""), *node, *c;
	json_t *classes;
	const char *name;
	size_t i = 0, j;

	if (!sim->nodes_stale)
		return;
	sim_sched_free(sim);
	json_object_clear(sim->node_idx);
	json_object_clear(sim->host_idx);
	classes = json_object();
	sim->nodes = xcalloc(json_object_size(m) + 1, sizeof *sim->nodes);
	sim->class_rep = xcalloc(json_object_size(m) + 1,
	    sizeof *sim->class_rep);
	json_object_foreach(m, name, node) {
		struct sim_node *f = &sim->nodes[i];
		json_t *use = json_object_get(sim->node_use, name), *cl;
		char *ck;

		f->obj = node;
		f->name = name;
		f->cpu = sim_alloc(node, "cpu", QUANTITY_MILLI);
		f->mem = sim_alloc(node, "memory", QUANTITY_UNITS);
		f->gpu = sim_alloc(node, "nvidia.com/gpu", QUANTITY_UNITS);
		f->pods = sim_alloc(node, "pods", QUANTITY_UNITS);
		sim_node_use(f, use, 1);
		f->unschedulable = json_is_true(sim_path(node,
		    "spec.unschedulable"));
		json_array_foreach(sim_path(node, "status.conditions"), j, c) {
			if (strcmp(sim_str(c, "type"), "Ready") == 0)
				f->ready = strcmp(sim_str(c, "status"), "True") == 0;
		}
		ck = sim_node_class_key(node, f->ready, f->unschedulable);
		cl = json_object_get(classes, ck);
		if (cl == NULL) {
			sim->class_rep[sim->nclasses] = (int)i;
			cl = json_integer(sim->nclasses++);
			json_object_set_new(classes, ck, cl);
		}
		f->cls = (int)json_integer_value(cl);
		free(ck);
		json_object_set_new(sim->node_idx, name, json_integer((json_int_t)i));
		sim_host_index(sim, node, i);
		i++;
	}
	sim->nnodes = i;
	sim->nodes_stale = false;
	json_decref(classes);
}

/* Keeps a node's used resources current as pods bind and stop. */
void
sim_sched_use(struct sim *sim, const char *node, json_t *use, int sign)
{
	json_t *ix;

	if (!sim->nodes_stale && node != NULL &&
	    (ix = json_object_get(sim->node_idx, node)) != NULL)
		sim_node_use(&sim->nodes[json_integer_value(ix)], use, sign);
}

/* True if the pod's node filters name a node's hostname label. */
static bool
sim_pod_names_host(json_t *pod)
{
	static const char host[] = "kubernetes.io/hostname";
	json_t *terms, *t, *e;
	size_t i, j;

	if (json_object_get(sim_path(pod, "spec.nodeSelector"), host) != NULL)
		return true;
	terms = sim_path(pod, "spec.affinity.nodeAffinity."
	    "requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms");
	json_array_foreach(terms, i, t) {
		json_array_foreach(json_object_get(t, "matchExpressions"), j, e) {
			if (sim_str(e, "key") && strcmp(sim_str(e, "key"), host) == 0)
				return true;
		}
	}
	return false;
}

/* Why a whole class of nodes refuses the pod, or NULL; caller frees. */
static char *
sim_class_reason(json_t *pod, struct sim_node *rep, bool names_host)
{
	json_t *taints = sim_path(rep->obj, "spec.taints"), *t;
	size_t j;

	if (rep->unschedulable)
		return xstrdup("node(s) were unschedulable");
	json_array_foreach(taints, j, t) {
		const char *e = sim_str(t, "effect");

		if (e != NULL && strcmp(e, "PreferNoSchedule") != 0 &&
		    !sim_tolerates(pod, t))
			return xprintf("node(s) had untolerated taint {%s: %s}",
			    sim_str_or(t, "key", ""), sim_str_or(t, "value", ""));
	}
	if (!rep->ready)
		return xstrdup("node(s) had untolerated taint "
		    "{node.kubernetes.io/not-ready: }");
	if (!names_host && !sim_node_selected(pod, rep->obj))
		return xstrdup(
		    "node(s) didn't match Pod's node affinity/selector");
	return NULL;
}

/*
 * What the outcome of scheduling a pod depends on, as a string key: with
 * claims, its namespace and volumes too, since claims decide its nodes.
 */
static char *
sim_pod_shape(json_t *pod, int64_t cpu, int64_t mem, int64_t gpu)
{
	json_t *k = json_pack("[IIIO?O?O?]", (json_int_t)cpu, (json_int_t)mem,
	    (json_int_t)gpu, sim_path(pod, "spec.tolerations"),
	    sim_path(pod, "spec.nodeSelector"), sim_path(pod, "spec.affinity"));
	char *s;

	if (sim_pod_has_claims(pod)) {
		json_array_append_new(k, json_string(sim_str(pod,
		    "metadata.namespace")));
		json_array_append(k, sim_path(pod, "spec.volumes"));
	}
	s = json_dumps(k, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(k);
	return s;
}

/* What a pod asks of a node, worked out once per scheduling attempt. */
struct sim_ask {
	int64_t cpu, mem, gpu;
	bool names_host;	/* its selectors name a node's hostname */
	size_t *pin;		/* the only nodes they can select, or NULL */
	size_t npin;
	uint64_t pin_gen;	/* marks those nodes (sim_node.pin_gen) */
	char **why;		/* per node class: why it refuses, or NULL */
	json_t *nodes;		/* the nodes its local volumes allow, or NULL */
	json_t *affinity;	/* its bound volumes' node affinities, or NULL */
};

/* True if every bound volume's node affinity admits the node. */
static bool
sim_volumes_fit(json_t *affinity, json_t *node)
{
	json_t *labels, *sel, *t;
	size_t i, j;
	bool any;

	/* Most pods bind no volume: no label lookup per node for them. */
	if (json_array_size(affinity) == 0)
		return true;
	labels = sim_path(node, "metadata.labels");
	json_array_foreach(affinity, i, sel) {
		any = false;
		json_array_foreach(json_object_get(sel, "nodeSelectorTerms"), j, t)
			any = any || sim_term_matches(t, labels);
		if (!any)
			return false;
	}
	return true;
}

/*
 * True if a node refuses the pod, counting why into reasons (if not
 * NULL) as the filters report it: the nodes a PreFilter left out, then
 * taints and selectors, resources, and last the volumes' node affinity.
 */
static bool
sim_node_refuses(json_t *pod, struct sim_node *f, struct sim_ask *a,
    json_t *reasons)
{
	bool pods = f->upods + 1 > f->pods, cpu = f->ucpu + a->cpu > f->cpu;
	bool mem = f->umem + a->mem > f->mem;
	bool gpu = a->gpu > 0 && f->ugpu + a->gpu > f->gpu;
	const char *r = NULL;

	if (a->nodes != NULL && json_object_get(a->nodes, f->name) == NULL)
		r = "node(s) didn't satisfy plugin(s) [VolumeBinding]";
	else if (a->why[f->cls] != NULL)
		r = a->why[f->cls];
	else if (a->names_host && ((a->pin != NULL &&
	    f->pin_gen != a->pin_gen) || !sim_node_selected(pod, f->obj)))
		r = "node(s) didn't match Pod's node affinity/selector";
	else if (pods || cpu || mem || gpu) {
		if (reasons != NULL) {
			sim_reason_add(reasons, "Too many pods", pods);
			sim_reason_add(reasons, "Insufficient cpu", cpu);
			sim_reason_add(reasons, "Insufficient memory", mem);
			sim_reason_add(reasons, "Insufficient nvidia.com/gpu",
			    gpu);
		}
		return true;
	} else if (!sim_volumes_fit(a->affinity, f->obj))
		r = "node(s) had volume node affinity conflict";
	if (r != NULL && reasons != NULL)
		sim_reason_add(reasons, r, 1);
	return r != NULL;
}

/* Binds a pod to a node: conditions, waiting containers, kubelet timer. */
static void
sim_pod_bind(struct sim *sim, json_t *pod, struct sim_node *best)
{
	json_t *cp = json_deep_copy(pod), *cs = json_array(), *c;
	int64_t delay = 1000 + (int64_t)(sim_rand(sim) % 2000);
	char *ts = time_format_rfc3339(sim_now(sim)), *pk;
	size_t i;

	if (sim_pod_has_claims(pod))
		sim_storage_bind_pod(sim, pod, best->name);
	sim_set(cp, "spec.nodeName", json_string(best->name));
	sim_set(cp, "status.conditions", json_pack("[{ssssss?ss}"
	    "{ssssss?ss}{ssssss?ssssss}{ssssss?ssssss}{ssssss?ss}]",
	    "type", "PodReadyToStartContainers", "status", "False",
	    "lastProbeTime", NULL, "lastTransitionTime", ts,
	    "type", "Initialized", "status", "True", "lastProbeTime",
	    NULL, "lastTransitionTime", ts,
	    "type", "Ready", "status", "False", "lastProbeTime", NULL,
	    "lastTransitionTime", ts, "reason", "ContainersNotReady",
	    "message", "containers with unready status",
	    "type", "ContainersReady", "status", "False", "lastProbeTime",
	    NULL, "lastTransitionTime", ts, "reason",
	    "ContainersNotReady", "message",
	    "containers with unready status",
	    "type", "PodScheduled", "status", "True", "lastProbeTime",
	    NULL, "lastTransitionTime", ts));
	sim_set(cp, "status.hostIP", json_string(sim_str(json_array_get(
	    sim_path(best->obj, "status.addresses"), 0), "address")));
	sim_set(cp, "status.startTime", json_string(ts));
	json_array_foreach(sim_path(cp, "spec.containers"), i, c) {
		json_array_append_new(cs, json_pack("{sssssssbsbsis{s{ss}}}",
		    "name", sim_str(c, "name"), "image",
		    sim_str_or(c, "image", ""),
		    "imageID", "", "ready", 0, "started", 0,
		    "restartCount", 0, "state", "waiting", "reason",
		    "ContainerCreating"));
	}
	sim_set(cp, "status.containerStatuses", cs);
	pk = xprintf("%s/%s", sim_str(pod, "metadata.namespace"),
	    sim_str(pod, "metadata.name"));
	sim_kubelet_arm(sim, pk, sim_now(sim) + delay);
	json_object_del(sim->sched_tried, pk);
	free(pk);
	/* Storing the bound pod charges its node (sim_sched_use). */
	sim_put(sim, SIM_RT_PODS, cp);
	free(ts);
}

/* Marks a pod unschedulable, with an event when the message changes. */
static void
sim_pod_unschedulable(struct sim *sim, json_t *pod, const char *m)
{
	json_t *cp = json_deep_copy(pod);
	const char *was = sim_str(json_array_get(sim_path(pod,
	    "status.conditions"), 0), "message");
	char *ts = time_format_rfc3339(sim_now(sim));

	sim_set(cp, "status.conditions", json_pack("[{ssssss?ssssss}]",
	    "type", "PodScheduled", "status", "False", "lastProbeTime",
	    NULL, "lastTransitionTime", ts, "reason", "Unschedulable",
	    "message", m));
	if (!json_equal(sim_path(cp, "status.conditions"),
	    sim_path(pod, "status.conditions")) &&
	    !(was != NULL && strcmp(was, m) == 0)) {
		sim_put(sim, SIM_RT_PODS, cp);
		sim_event_record(sim, pod, "Warning", "FailedScheduling", m);
	} else
		json_decref(cp);
	free(ts);
}

/* The FailedScheduling message when a PreFilter rules out every node. */
static char *
sim_prefilter_message(const char *why, size_t nnodes)
{
	return xprintf("0/%zu nodes are available: %s. preemption: 0/%zu nodes "
	    "are available: %zu Preemption is not helpful for scheduling.",
	    nnodes, why, nnodes, nnodes);
}

/* The message of a pod no node takes: its twin's, or a walk's. */
static char *
sim_refusal(struct sim *sim, json_t *pod, struct sim_ask *a, size_t n,
    json_t *memo, const char *shape)
{
	json_t *reasons, *m = json_object_get(memo, shape);
	size_t i;
	char *out;

	if (m != NULL)
		return xstrdup(json_string_value(m));
	reasons = json_object();
	for (i = 0; i < n; i++)
		sim_node_refuses(pod, &sim->nodes[i], a, reasons);
	out = sim_fit_message(reasons, n);
	json_object_set_new(memo, shape, json_string(out));
	json_decref(reasons);
	return out;
}

/* Adds the nodes of one hostname label value to a pin list. */
static void
sim_pin_host(struct sim *sim, json_t *host, json_t *pin)
{
	json_t *ix;
	size_t i;

	if (!json_is_string(host))
		return;
	json_array_foreach(json_object_get(sim->host_idx,
	    json_string_value(host)), i, ix)
		json_array_append(pin, ix);
}

/*
 * The nodes a pod's hostname selector or hostname In affinity (in every
 * term) leave it, as a new array of node indexes holding every node that
 * sim_node_selected could accept; NULL when they leave any node.
 */
static json_t *
sim_pin_list(struct sim *sim, json_t *pod)
{
	static const char host[] = "kubernetes.io/hostname";
	json_t *terms, *t, *e, *pin, *v, *hit;
	size_t i, j, k;

	pin = json_array();
	if ((v = json_object_get(sim_path(pod, "spec.nodeSelector"), host))) {
		sim_pin_host(sim, v, pin);
		return pin;
	}
	terms = sim_path(pod, "spec.affinity.nodeAffinity."
	    "requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms");
	json_array_foreach(terms, i, t) {
		hit = NULL;
		json_array_foreach(json_object_get(t, "matchExpressions"), j, e) {
			if (sim_str(e, "key") && strcmp(sim_str(e, "key"),
			    host) == 0 && sim_str(e, "operator") &&
			    strcmp(sim_str(e, "operator"), "In") == 0) {
				hit = e;
				break;
			}
		}
		if (hit == NULL) {	/* a term any host may satisfy */
			json_decref(pin);
			return NULL;
		}
		json_array_foreach(json_object_get(hit, "values"), k, v)
			sim_pin_host(sim, v, pin);
	}
	if (json_array_size(terms) == 0) {	/* no term: any node */
		json_decref(pin);
		return NULL;
	}
	return pin;
}

/* Compares node indexes, to walk pinned nodes in the table's order. */
static int
sim_cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return (x > y) - (x < y);
}

/*
 * Pins an ask to the nodes its hostname selectors leave, so that the
 * scheduler looks those up instead of judging every node's labels; the
 * decisions stay those of the walk, which these nodes alone could pass.
 */
static void
sim_ask_pin(struct sim *sim, json_t *pod, struct sim_ask *a)
{
	json_t *list = sim_pin_list(sim, pod), *ix;
	size_t i, n = 0;

	if (list == NULL)
		return;
	a->pin_gen = ++sim->pin_gen;
	a->pin = xcalloc(json_array_size(list) + 1, sizeof *a->pin);
	json_array_foreach(list, i, ix) {
		size_t x = (size_t)json_integer_value(ix);

		if (x < sim->nnodes && sim->nodes[x].pin_gen != a->pin_gen) {
			sim->nodes[x].pin_gen = a->pin_gen;
			a->pin[n++] = x;
		}
	}
	a->npin = n;
	qsort(a->pin, n, sizeof *a->pin, sim_cmp_size);
	json_decref(list);
}

/* Reads a pod's requests and its volumes' constraints; NULL or a reason. */
static char *
sim_ask_init(struct sim *sim, json_t *pod, struct sim_ask *a)
{
	json_t *use = sim_pod_usage(pod, false);
	char *why, *m = NULL;

	memset(a, 0, sizeof *a);
	a->cpu = json_integer_value(json_object_get(use, "requests.cpu"));
	a->mem = json_integer_value(json_object_get(use, "requests.memory"));
	a->gpu = json_integer_value(json_object_get(use,
	    "requests.nvidia.com/gpu"));
	json_decref(use);
	a->names_host = sim_pod_names_host(pod);
	if (a->names_host)
		sim_ask_pin(sim, pod, a);
	a->why = xcalloc(sim->nclasses + 1, sizeof *a->why);
	if (sim_pod_has_claims(pod) && (why = sim_storage_prefilter(sim, pod,
	    &a->nodes, &a->affinity)) != NULL) {
		m = sim_prefilter_message(why, sim->nnodes);
		free(why);
	}
	return m;
}

/* Frees what sim_ask_init made. */
static void
sim_ask_release(struct sim *sim, struct sim_ask *a)
{
	int k;

	for (k = 0; k < sim->nclasses; k++)
		free(a->why[k]);
	free(a->why);
	free(a->pin);
	json_decref(a->nodes);
	json_decref(a->affinity);
}

/*
 * Tries one pod on every node; binds it or records why it cannot run.
 * Taints, readiness and selectors are judged once per class of alike
 * nodes, so a binding costs a few integer compares per node; within a
 * pass, pods shaped like one that found no node since the last binding
 * get its message without another walk (memo: shape -> message).
 */
static void
sim_schedule_pod(struct sim *sim, json_t *pod, json_t *memo)
{
	struct sim_node *best = NULL, *f;
	struct sim_ask a;
	int64_t best_score = 0, score;
	size_t i, n = sim->nnodes;
	char *shape, *m;
	int k;

	if ((m = sim_ask_init(sim, pod, &a)) != NULL) {
		sim_pod_unschedulable(sim, pod, m);
		sim_ask_release(sim, &a);
		free(m);
		return;
	}
	shape = sim_pod_shape(pod, a.cpu, a.mem, a.gpu);
	if (json_object_get(memo, shape) != NULL)
		n = 0;	/* fails as its twin did: skip the walk */
	for (k = 0; k < sim->nclasses && n > 0; k++)
		a.why[k] = sim_class_reason(pod, &sim->nodes[sim->class_rep[k]],
		    a.names_host);
	/* Pinned by hostname: only its nodes can take it, in table order. */
	for (i = 0; i < (a.pin != NULL && n > 0 ? a.npin : n); i++) {
		f = &sim->nodes[a.pin != NULL ? a.pin[i] : i];
		if (sim_node_refuses(pod, f, &a, NULL))
			continue;
		/* Least allocated GPUs first, then CPU: spread like the default. */
		score = (f->gpu - f->ugpu - a.gpu) * 1000000 +
		    (f->cpu - f->ucpu - a.cpu) / 1000;
		if (best == NULL || score > best_score) {
			best = f;
			best_score = score;
		}
	}
	if (best != NULL) {
		sim_pod_bind(sim, pod, best);
		json_object_clear(memo);
	} else {
		m = sim_refusal(sim, pod, &a, n, memo, shape);
		sim_pod_unschedulable(sim, pod, m);
		free(m);
	}
	sim_ask_release(sim, &a);
	free(shape);
}

/* How many copies of a pod fit on a node that takes one (its free room). */
static int64_t
sim_node_copies(const struct sim_node *f, const struct sim_ask *a)
{
	int64_t n = f->pods - f->upods;

	if (a->cpu > 0 && (f->cpu - f->ucpu) / a->cpu < n)
		n = (f->cpu - f->ucpu) / a->cpu;
	if (a->mem > 0 && (f->mem - f->umem) / a->mem < n)
		n = (f->mem - f->umem) / a->mem;
	if (a->gpu > 0 && (f->gpu - f->ugpu) / a->gpu < n)
		n = (f->gpu - f->ugpu) / a->gpu;
	return n > 0 ? n : 0;
}

/*
 * How many copies of a pod the nodes still take, judged by the filters
 * this scheduler binds with, so a bulk preload can refuse what would not
 * all run before creating anything; at most max is counted, and *why
 * (caller frees) gets the FailedScheduling message when no node takes one.
 */
int64_t
sim_sched_room(struct sim *sim, json_t *pod, int64_t max, char **why)
{
	struct sim_ask a;
	json_t *reasons;
	int64_t room = 0;
	size_t i;
	int k;

	*why = NULL;
	sim_nodes_refresh(sim);
	if ((*why = sim_ask_init(sim, pod, &a)) != NULL) {
		sim_ask_release(sim, &a);
		return 0;
	}
	for (k = 0; k < sim->nclasses; k++)
		a.why[k] = sim_class_reason(pod, &sim->nodes[sim->class_rep[k]],
		    a.names_host);
	for (i = 0; i < (a.pin != NULL ? a.npin : sim->nnodes) && room < max;
	    i++) {
		size_t x = a.pin != NULL ? a.pin[i] : i;

		if (!sim_node_refuses(pod, &sim->nodes[x], &a, NULL))
			room += sim_node_copies(&sim->nodes[x], &a);
	}
	if (room == 0) {
		reasons = json_object();
		for (i = 0; i < sim->nnodes; i++)
			sim_node_refuses(pod, &sim->nodes[i], &a, reasons);
		*why = sim_fit_message(reasons, sim->nnodes);
		json_decref(reasons);
	}
	sim_ask_release(sim, &a);
	return room;
}

/* One scheduling pass over pending pods, retrying only after changes. */
void
sim_sched_pass(struct sim *sim)
{
	json_t *keys, *k, *v, *pod, *memo;
	const char *key;
	void *tmp;
	size_t i;

	if (json_object_size(sim->unscheduled) == 0)
		return;
	/* Nothing joined the queue and no capacity freed: all were tried. */
	if (sim->unsched_adds == sim->sched_adds_seen &&
	    sim->sched_gen == sim->sched_gen_done)
		return;
	sim->sched_adds_seen = sim->unsched_adds;
	sim->sched_gen_done = sim->sched_gen;
	keys = json_array();
	json_object_foreach(sim->unscheduled, key, v) {
		json_t *tried = json_object_get(sim->sched_tried, key);

		if (tried != NULL && json_integer_value(tried) == sim->sched_gen)
			continue;
		json_array_append_new(keys, json_string(key));
	}
	if (json_array_size(keys) == 0) {
		json_decref(keys);
		return;
	}
	memo = json_object();
	json_array_foreach(keys, i, k) {
		const char *s = json_string_value(k);
		int64_t gen = sim->sched_gen;

		if ((pod = sim_pod_at(sim, s)) != NULL) {
			json_incref(pod);
			if (sim->nodes_stale) {
				sim_nodes_refresh(sim);
				json_object_clear(memo);
			}
			sim_schedule_pod(sim, pod, memo);
			json_decref(pod);
			pod = sim_pod_at(sim, s);
			if (pod != NULL && sim_str(pod, "spec.nodeName") == NULL)
				json_object_set_new(sim->sched_tried, s,
				    json_integer(gen));
		}
	}
	/* Forget pods that left the queue. */
	json_object_foreach_safe(sim->sched_tried, tmp, key, v) {
		if (json_object_get(sim->unscheduled, key) == NULL)
			json_object_del(sim->sched_tried, key);
	}
	json_decref(memo);
	json_decref(keys);
}

/* True if the pod's first container image is named to fail pulling. */
static bool
sim_pod_pull_fails(json_t *pod)
{
	json_t *c;
	size_t i;

	json_array_foreach(sim_path(pod, "spec.containers"), i, c) {
		if (sim_str(c, "image") && strstr(sim_str(c, "image"),
		    "fail-pull") != NULL)
			return true;
	}
	return false;
}

/* Sets pod conditions Ready/ContainersReady. */
static void
sim_pod_ready_set(json_t *pod, bool ready, const char *ts, const char *why)
{
	json_t *conds = sim_path(pod, "status.conditions"), *c;
	size_t i;

	json_array_foreach(conds, i, c) {
		const char *t = sim_str(c, "type");

		if (strcmp(t, "Ready") != 0 && strcmp(t, "ContainersReady") != 0 &&
		    strcmp(t, "PodReadyToStartContainers") != 0)
			continue;
		if (strcmp(t, "PodReadyToStartContainers") == 0) {
			json_object_set_new(c, "status", json_string("True"));
			continue;
		}
		if (strcmp(sim_str(c, "status"), ready ? "True" : "False") != 0)
			json_object_set_new(c, "lastTransitionTime",
			    json_string(ts));
		json_object_set_new(c, "status", json_string(ready ? "True" :
		    "False"));
		if (ready) {
			json_object_del(c, "reason");
			json_object_del(c, "message");
		} else {
			json_object_set_new(c, "reason", json_string(why));
			if (strcmp(why, "PodCompleted") == 0)
				json_object_del(c, "message");
		}
	}
}

/* The restart back-off in ms: 10 s doubling to 5 min. */
static int64_t
sim_backoff_ms(int64_t restarts)
{
	int64_t b = 10000;

	while (restarts-- > 1 && b < 300000)
		b *= 2;
	return b > 300000 ? 300000 : b;
}

/*
 * A container's run ended: its exit code and termination message, then what
 * its restart policy (and the after-exit knob) makes of the pod.  Returns
 * when the kubelet looks at the pod next, -1 for never.
 */
static int64_t
sim_kubelet_exit(struct sim *sim, json_t *pod, json_t *cp, int64_t restarts,
    const char *ts, int64_t now)
{
	json_t *cs = sim_path(cp, "status.containerStatuses"), *c;
	const char *rp = sim_str(pod, "spec.restartPolicy");
	int code = sim_pod_exit_code(sim, pod, restarts);
	bool idle = sim_pod_is_idle_after_exit(sim, pod);
	bool restart = rp == NULL || strcmp(rp, "Always") == 0 ||
	    (strcmp(rp, "OnFailure") == 0 && code != 0);
	char *msg = sim_term_message(sim, pod, code);
	size_t i;

	idle = idle && restart;
	json_array_foreach(cs, i, c) {
		json_t *term = json_pack("{sisssOsssO?s:s*}", "exitCode", code,
		    "reason", code == 0 ? "Completed" : "Error",
		    "startedAt", sim_path(c, "state.running.startedAt"),
		    "finishedAt", ts, "containerID",
		    json_object_get(c, "containerID"), "message", msg);

		if (term == NULL)
			continue;
		json_object_set_new(c, "ready", json_false());
		if (restart) {
			json_object_set_new(c, "lastState", json_pack(
			    "{so}", "terminated", term));
			json_object_set_new(c, "restartCount",
			    json_integer(restarts + 1));
			if (idle) {
				json_object_set_new(c, "state", json_pack(
				    "{s{ss}}", "running", "startedAt", ts));
				json_object_set_new(c, "ready",
				    json_true());
			} else {
				char *m = xprintf("back-off %llds "
				    "restarting failed container=%s "
				    "pod=%s_%s(%s)", (long long)
				    sim_backoff_ms(restarts + 1) / 1000,
				    sim_str(c, "name"),
				    sim_str(pod, "metadata.name"),
				    sim_str(pod, "metadata.namespace"),
				    sim_str(pod, "metadata.uid"));

				json_object_set_new(c, "state", json_pack(
				    "{s{ssss}}", "waiting", "reason",
				    "CrashLoopBackOff", "message", m));
				json_object_set_new(c, "started",
				    json_false());
				free(m);
			}
		} else {
			json_object_set_new(c, "state", json_pack("{so}",
			    "terminated", term));
			json_object_set_new(c, "started", json_false());
		}
		if (msg == NULL && code != 0)
			sim_term_fallback(sim, cp, c, term, restart);
	}
	free(msg);
	if (idle)	/* The restarted program only waits. */
		return -1;
	if (restart) {
		sim_pod_ready_set(cp, false, ts, "ContainersNotReady");
		return now + sim_backoff_ms(restarts + 1);
	}
	sim_set(cp, "status.phase", json_string(code == 0 ? "Succeeded" :
	    "Failed"));
	sim_pod_ready_set(cp, false, ts, "PodCompleted");
	return -1;
}

/* Advances one pod whose kubelet timer is due. */
static void
sim_kubelet_step(struct sim *sim, const char *key, json_t *pod, int64_t now)
{
	json_t *cp = json_deep_copy(pod), *cs = sim_path(cp,
	    "status.containerStatuses"), *c;
	const char *reason = sim_str(json_array_get(cs, 0),
	    "state.waiting.reason");
	int64_t restarts = json_integer_value(json_object_get(json_array_get(cs,
	    0), "restartCount"));
	int64_t due = -1, dur;
	char *ts = time_format_rfc3339(now), ip[32];
	size_t i;

	if (sim_path(pod, "metadata.deletionTimestamp") != NULL) {
		json_decref(cp);
		free(ts);
		sim_remove(sim, SIM_RT_PODS, sim_str(pod, "metadata.namespace"),
		    sim_str(pod, "metadata.name"));
		return;
	}
	if (sim_pod_is_terminal(pod)) {
		json_decref(cp);
		free(ts);
		json_object_del(sim->kubelet, key);
		return;
	}
	if (reason != NULL && sim_pod_pull_fails(pod)) {
		bool err = strcmp(reason, "ErrImagePull") != 0;

		json_array_foreach(cs, i, c) {
			char *m = err ? xprintf("Failed to pull image \"%s\": rpc "
			    "error: code = NotFound desc = failed to pull and "
			    "unpack image \"%s\": not found", sim_str(c, "image"),
			    sim_str(c, "image")) : xprintf("Back-off pulling "
			    "image \"%s\"", sim_str(c, "image"));

			json_object_set_new(c, "state", json_pack("{s{ssss}}",
			    "waiting", "reason", err ? "ErrImagePull" :
			    "ImagePullBackOff", "message", m));
			free(m);
		}
		due = now + (err ? 2000 : 10000);
	} else if (reason != NULL) {
		/* Start (or restart) the containers. */
		if (sim_str(cp, "status.podIP") == NULL) {
			snprintf(ip, sizeof ip, "10.244.%u.%u",
			    (unsigned)(sim_rand(sim) % 250),
			    (unsigned)(sim_rand(sim) % 250 + 2));
			sim_set(cp, "status.podIP", json_string(ip));
			sim_set(cp, "status.podIPs", json_pack("[{ss}]", "ip", ip));
		}
		json_array_foreach(cs, i, c) {
			json_object_set_new(c, "state", json_pack("{s{ss}}",
			    "running", "startedAt", ts));
			json_object_set_new(c, "ready", json_true());
			json_object_set_new(c, "started", json_true());
			json_object_set_new(c, "containerID", json_sprintf(
			    "containerd://%016llx%016llx",
			    (unsigned long long)sim_rand(sim),
			    (unsigned long long)sim_rand(sim)));
			json_object_set_new(c, "imageID", json_sprintf(
			    "docker.io/library/%s", sim_str(c, "image")));
		}
		sim_set(cp, "status.phase", json_string("Running"));
		sim_pod_ready_set(cp, true, ts, "");
		dur = sim_pod_duration(sim, pod, restarts);
		due = dur < 0 ? -1 : now + dur;
	} else {
		due = sim_kubelet_exit(sim, pod, cp, restarts, ts, now);
	}
	if (due >= 0)
		sim_kubelet_arm(sim, key, due);
	else
		json_object_del(sim->kubelet, key);
	sim_put(sim, SIM_RT_PODS, cp);
	free(ts);
}

/* Runs every kubelet timer that is due in simulated time. */
void
sim_kubelet_pass(struct sim *sim)
{
	int64_t now = sim_now(sim);
	json_t *due = sim_kubelet_due(sim, now), *k, *pod;
	size_t i;

	json_array_foreach(due, i, k) {
		const char *s = json_string_value(k);

		if ((pod = sim_pod_at(sim, s)) == NULL)
			json_object_del(sim->kubelet, s);
		else if (sim_node_is_lost(sim, sim_str(pod, "spec.nodeName")))
			/* Its kubelet is silent: the step waits for the node. */
			;
		else {
			json_incref(pod);
			sim_kubelet_step(sim, s, pod, now);
			json_decref(pod);
		}
	}
	json_decref(due);
}
