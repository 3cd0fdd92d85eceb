/*
 * Node loss as a cluster lives it: the node lifecycle controller marks a
 * node that stopped reporting Unknown, taints it unreachable and marks its
 * pods not ready; taint eviction deletes each pod when its NoExecute
 * toleration runs out (300 s from DefaultTolerationSeconds); the pods then
 * stay Terminating, since no kubelet confirms, until the node returns, a
 * client force-deletes them or pod GC removes them with the node object.
 * Also the simulated clock, which tests move forward.
 */
#include "sim-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

static const char sim_unreachable[] = "node.kubernetes.io/unreachable";
static const char sim_not_ready[] = "node.kubernetes.io/not-ready";

/* True if a node's kubelet cannot report (its pods stand still). */
bool
sim_node_is_lost(struct sim *sim, const char *node)
{
	return node != NULL && json_object_get(sim->lost_nodes, node) != NULL;
}

/* The pod keys ("ns/name") bound to a node, copied so pods may change. */
static json_t *
sim_node_pods(struct sim *sim, const char *node)
{
	json_t *out = json_array(), *v;
	const char *k;

	json_object_foreach(json_object_get(sim->by_node, node), k, v)
		json_array_append_new(out, json_string(k));
	return out;
}

/* Sets a pod condition's status, moving its transition time on change. */
static void
sim_pod_cond(json_t *pod, const char *type, const char *status,
    const char *reason, const char *msg, int64_t now)
{
	json_t *conds = sim_path(pod, "status.conditions"), *c, *nc;
	char *ts = time_format_rfc3339(now);
	size_t i;

	json_array_foreach(conds, i, c) {
		if (strcmp(sim_str_or(c, "type", ""), type) != 0)
			continue;
		if (strcmp(sim_str_or(c, "status", ""), status) != 0)
			json_object_set_new(c, "lastTransitionTime",
			    json_string(ts));
		json_object_update_new(c, json_pack("{s:s,s:s*,s:s*}", "status",
		    status, "reason", reason, "message", msg));
		free(ts);
		return;
	}
	if (!json_is_array(conds)) {
		conds = json_array();
		sim_set(pod, "status.conditions", conds);
	}
	nc = json_pack("{ssssss?sss:s*s:s*}", "type", type, "status", status,
	    "lastProbeTime", NULL, "lastTransitionTime", ts, "reason", reason,
	    "message", msg);
	json_array_append_new(conds, nc);
	free(ts);
}

/* A node's taints without the node lifecycle controller's. */
static json_t *
sim_user_taints(json_t *node)
{
	json_t *out = json_array(), *t;
	const char *k;
	size_t i;

	json_array_foreach(sim_path(node, "spec.taints"), i, t) {
		k = sim_str(t, "key");
		if (k != NULL && (strcmp(k, sim_unreachable) == 0 ||
		    strcmp(k, sim_not_ready) == 0))
			continue;
		json_array_append(out, t);
	}
	return out;
}

/* MarkPodsNotReady: the Ready condition of each pod of the node is False. */
static void
sim_node_pods_not_ready(struct sim *sim, const char *node, int64_t now)
{
	json_t *keys = sim_node_pods(sim, node), *k, *pod, *cp;
	size_t i;

	json_array_foreach(keys, i, k) {
		pod = sim_pod_at(sim, json_string_value(k));
		if (pod == NULL || sim_pod_is_terminal(pod))
			continue;
		cp = json_deep_copy(pod);
		sim_pod_cond(cp, "Ready", "False", NULL, NULL, now);
		if (json_equal(cp, pod)) {
			json_decref(cp);
			continue;
		}
		sim_put(sim, SIM_RT_PODS, cp);
		sim_event_record(sim, cp, "Warning", "NodeNotReady",
		    "Node is not ready");
	}
	json_decref(keys);
}

/* A node stops reporting; see sim-int.h. */
void
sim_node_lost(struct sim *sim, const char *node, int64_t evict_after)
{
	json_t *n = sim_get(sim, SIM_RT_NODES, NULL, node), *cp, *c, *taints;
	int64_t now = sim_now(sim);
	char *ts;
	size_t i;

	if (n == NULL || sim_node_is_lost(sim, node))
		return;
	ts = time_format_rfc3339(now);
	json_object_set_new(sim->lost_nodes, node, json_pack("{sIsIsO?}",
	    "since", (json_int_t)now, "evictAfter", (json_int_t)evict_after,
	    "conditions", sim_path(n, "status.conditions")));
	cp = json_deep_copy(n);
	json_array_foreach(sim_path(cp, "status.conditions"), i, c) {
		if (strcmp(sim_str_or(c, "status", ""), "Unknown") != 0)
			json_object_set_new(c, "lastTransitionTime",
			    json_string(ts));
		json_object_set_new(c, "status", json_string("Unknown"));
		json_object_set_new(c, "reason",
		    json_string("NodeStatusUnknown"));
		json_object_set_new(c, "message",
		    json_string("Kubelet stopped posting node status."));
	}
	taints = sim_user_taints(n);
	json_array_append_new(taints, json_pack("{ssss}", "key",
	    sim_unreachable, "effect", "NoSchedule"));
	json_array_append_new(taints, json_pack("{ssssss}", "key",
	    sim_unreachable, "effect", "NoExecute", "timeAdded", ts));
	sim_set(cp, "spec.taints", taints);
	sim_put(sim, SIM_RT_NODES, cp);
	sim_node_pods_not_ready(sim, node, now);
	free(ts);
}

/* The kubelet of a returning node: timers resume, ready pods are Ready. */
static void
sim_node_pods_resume(struct sim *sim, const char *node, int64_t now)
{
	json_t *keys = sim_node_pods(sim, node), *k, *pod, *cp, *due, *cs;
	const char *key;
	bool ready;
	size_t i, j;

	json_array_foreach(keys, i, k) {
		key = json_string_value(k);
		due = json_object_get(sim->kubelet, key);
		if (due != NULL)
			sim_kubelet_arm(sim, key, json_integer_value(due) >
			    now ? json_integer_value(due) : now);
		pod = sim_pod_at(sim, key);
		if (pod == NULL || sim_pod_is_terminal(pod) ||
		    sim_path(pod, "metadata.deletionTimestamp") != NULL)
			continue;
		ready = json_array_size(sim_path(pod,
		    "status.containerStatuses")) > 0;
		json_array_foreach(sim_path(pod, "status.containerStatuses"), j,
		    cs) {
			if (!json_is_true(json_object_get(cs, "ready")))
				ready = false;
		}
		cp = json_deep_copy(pod);
		sim_pod_cond(cp, "Ready", ready ? "True" : "False", NULL, NULL,
		    now);
		if (json_equal(cp, pod))
			json_decref(cp);
		else
			sim_put(sim, SIM_RT_PODS, cp);
	}
	json_decref(keys);
}

/* A lost node reports again; see sim-int.h. */
void
sim_node_back(struct sim *sim, const char *node)
{
	json_t *n = sim_get(sim, SIM_RT_NODES, NULL, node), *cp, *conds, *c;
	json_t *rec = json_object_get(sim->lost_nodes, node);
	int64_t now = sim_now(sim);
	char *ts;
	size_t i;

	if (n == NULL)
		return;
	ts = time_format_rfc3339(now);
	cp = json_deep_copy(n);
	conds = json_deep_copy(json_object_get(rec, "conditions"));
	if (json_is_array(conds))
		sim_set(cp, "status.conditions", conds);
	else
		json_decref(conds);
	json_array_foreach(sim_path(cp, "status.conditions"), i, c) {
		if (strcmp(sim_str_or(c, "type", ""), "Ready") != 0)
			continue;
		json_object_set_new(c, "status", json_string("True"));
		json_object_set_new(c, "reason", json_string("KubeletReady"));
		json_object_set_new(c, "message",
		    json_string("kubelet is posting ready status"));
		json_object_set_new(c, "lastTransitionTime", json_string(ts));
	}
	sim_set(cp, "spec.taints", sim_user_taints(n));
	if (json_array_size(sim_path(cp, "spec.taints")) == 0)
		json_object_del(json_object_get(cp, "spec"), "taints");
	sim_put(sim, SIM_RT_NODES, cp);
	if (rec != NULL) {
		json_object_del(sim->lost_nodes, node);
		sim_intern_released(sim);
		sim_node_pods_resume(sim, node, now);
	}
	free(ts);
}

/* Toleration.ToleratesTaint. */
static bool
sim_toleration_matches(json_t *tol, json_t *taint)
{
	const char *e = sim_str(tol, "effect"), *k = sim_str(tol, "key");
	const char *op = sim_str(tol, "operator"), *v = sim_str(tol, "value");
	const char *tv = sim_str(taint, "value");

	if (e != NULL && *e != '\0' &&
	    strcmp(e, sim_str_or(taint, "effect", "")) != 0)
		return false;
	if (k != NULL && *k != '\0' &&
	    strcmp(k, sim_str_or(taint, "key", "")) != 0)
		return false;
	if (op != NULL && strcmp(op, "Exists") == 0)
		return true;
	if (op != NULL && *op != '\0' && strcmp(op, "Equal") != 0)
		return false;
	return strcmp(v ? v : "", tv ? tv : "") == 0;
}

/*
 * How long a pod tolerates a node's NoExecute taints, in seconds: 0 when
 * one is not tolerated, -1 forever (getMinTolerationTime over the first
 * toleration matching each taint).
 */
static int64_t
sim_toleration_seconds(json_t *pod, json_t *node)
{
	json_t *taint, *tol, *secs;
	int64_t min = -1, s;
	size_t i, j;
	bool matched;

	json_array_foreach(sim_path(node, "spec.taints"), i, taint) {
		if (strcmp(sim_str_or(taint, "effect", ""), "NoExecute") != 0)
			continue;
		matched = false;
		json_array_foreach(sim_path(pod, "spec.tolerations"), j, tol) {
			if (!sim_toleration_matches(tol, taint))
				continue;
			matched = true;
			secs = json_object_get(tol, "tolerationSeconds");
			if (json_is_integer(secs)) {
				s = json_integer_value(secs);
				if (s <= 0)
					return 0;
				if (min < 0 || s < min)
					min = s;
			}
			break;
		}
		if (!matched)
			return 0;
	}
	return min;
}

/* Taint eviction: the DisruptionTarget condition, then a delete. */
static void
sim_node_evict(struct sim *sim, json_t *pod, int64_t now)
{
	const char *ns = sim_str(pod, "metadata.namespace");
	const char *name = sim_str(pod, "metadata.name");
	json_t *cp = json_deep_copy(pod), *res = NULL;
	char *m = xprintf("Marking for deletion Pod %s/%s", ns, name);

	sim_event_record(sim, pod, "Normal", "TaintManagerEviction", m);
	free(m);
	sim_pod_cond(cp, "DisruptionTarget", "True", "DeletionByTaintManager",
	    "Taint manager: deleting due to NoExecute taint", now);
	cp = json_incref(sim_put(sim, SIM_RT_PODS, cp));
	sim_delete(sim, SIM_RT_PODS, ns, name, NULL, -1, &res);
	json_decref(res);
	json_decref(cp);
}

/* Evicts the pods of one lost node whose tolerations ran out. */
static void
sim_node_evict_due(struct sim *sim, const char *node, json_t *rec,
    int64_t now)
{
	json_t *n = sim_get(sim, SIM_RT_NODES, NULL, node), *keys, *k, *pod;
	int64_t since = json_integer_value(json_object_get(rec, "since"));
	int64_t after = json_integer_value(json_object_get(rec, "evictAfter"));
	int64_t secs;
	size_t i;

	if (n == NULL)
		return;
	keys = sim_node_pods(sim, node);
	json_array_foreach(keys, i, k) {
		pod = sim_pod_at(sim, json_string_value(k));
		if (pod == NULL || sim_pod_is_terminal(pod) ||
		    sim_path(pod, "metadata.deletionTimestamp") != NULL)
			continue;
		secs = after >= 0 ? after : sim_toleration_seconds(pod, n);
		if (secs >= 0 && now >= since + secs * 1000)
			sim_node_evict(sim, pod, now);
	}
	json_decref(keys);
}

/* Taint eviction on every lost node; see sim-int.h. */
void
sim_node_pass(struct sim *sim)
{
	json_t *rec;
	const char *node;
	void *tmp;
	int64_t now;

	if (json_object_size(sim->lost_nodes) == 0)
		return;
	now = sim_now(sim);
	json_object_foreach_safe(sim->lost_nodes, tmp, node, rec)
		sim_node_evict_due(sim, node, rec, now);
}

/* A Job counts a pod that pod GC removed as failed (its tracking). */
static void
sim_job_count_failed(struct sim *sim, json_t *pod)
{
	json_t *refs = sim_path(pod, "metadata.ownerReferences"), *r, *seen;
	const char *uid = sim_str(pod, "metadata.uid"), *was;
	const char *ix = json_string_value(json_object_get(sim_path(pod,
	    "metadata.annotations"),
	    "batch.kubernetes.io/job-completion-index"));
	size_t i;

	json_array_foreach(refs, i, r) {
		if (strcmp(sim_str_or(r, "kind", ""), "Job") != 0 ||
		    sim_str(r, "uid") == NULL)
			continue;
		seen = sim_child(sim->job_seen, sim_str(r, "uid"));
		was = json_string_value(json_object_get(seen, uid));
		if (was == NULL || was[0] == 't')
			json_object_set_new(seen, uid, json_sprintf("f:%ld",
			    ix ? strtol(ix, NULL, 10) : -1L));
	}
}

/*
 * Pod GC of orphans: the pods bound to a node object that is gone fail
 * (DisruptionTarget, DeletionByPodGC) and are deleted at once.
 */
void
sim_node_gone(struct sim *sim, const char *node)
{
	json_t *keys = sim_node_pods(sim, node), *k, *pod, *res;
	int64_t now = sim_now(sim);
	size_t i;

	json_object_del(sim->lost_nodes, node);
	sim_intern_released(sim);
	json_array_foreach(keys, i, k) {
		pod = sim_pod_at(sim, json_string_value(k));
		if (pod == NULL)
			continue;
		if (!sim_pod_is_terminal(pod)) {
			json_t *cp = json_deep_copy(pod);

			sim_set(cp, "status.phase", json_string("Failed"));
			sim_pod_cond(cp, "DisruptionTarget", "True",
			    "DeletionByPodGC", "PodGC: node no longer exists",
			    now);
			pod = sim_put(sim, SIM_RT_PODS, cp);
			sim_job_count_failed(sim, pod);
		}
		res = NULL;
		sim_delete(sim, SIM_RT_PODS, sim_str(pod, "metadata.namespace"),
		    sim_str(pod, "metadata.name"), NULL, 0, &res);
		json_decref(res);
	}
	json_decref(keys);
}

/* Moves the simulated clock forward; timers due meanwhile fire next pass. */
void
sim_clock_advance(struct sim *sim, int64_t ms)
{
	if (ms > 0)
		sim->sim0_ms += ms;
}
