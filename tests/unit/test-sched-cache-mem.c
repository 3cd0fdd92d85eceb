/*
 * Unit tests for what the scheduler's cache keeps of each object
 * (sched/sched-cache-store.c, sched_obj_slim): of a running job's pods and
 * workloads only the metadata, status and conditions that passes read, so
 * that 5,000 running jobs do not hold their templates, IPs, images and
 * every condition; and that what it keeps reads the same as the whole
 * object wherever a pass reads it (sched_observe, orphans, deletes, nodes).
 */
#include "unit.h"
#include "common.h"
#include "sched-cache-int.h"
#include "sched-observe.h"

/* A pod of ours as the API server sends it (ailab-kubesim's, trimmed),
 * with its status filled in by each test. */
static const char pod_text[] =
    "{\"metadata\":{\"generateName\":\"j-0-7c8f74959-\",\"namespace\":"
    "\"bench\",\"name\":\"j-0-7c8f74959-2p759\",\"uid\":\"992d8813\","
    "\"creationTimestamp\":\"2026-12-04T21:13:45Z\",\"generation\":1,"
    "\"resourceVersion\":\"61402\",\"labels\":{\"app.kubernetes.io/"
    "managed-by\":\"ailab-queue\",\"ailab-queue.io/queue\":\"q1\","
    "\"ailab-queue.io/job-id\":\"7\",\"ailab-queue.io/attempt\":\"1\","
    "\"ailab-queue.io/rank\":\"0\"},\"annotations\":{\"ailab-queue.io/"
    "attempt\":\"1\"},\"ownerReferences\":[{\"apiVersion\":\"apps/v1\","
    "\"kind\":\"ReplicaSet\",\"name\":\"j-0-7c8f74959\",\"uid\":\"8564\","
    "\"controller\":true,\"blockOwnerDeletion\":true}],\"managedFields\":"
    "[{\"manager\":\"kube-controller-manager\",\"operation\":\"Update\"}]},"
    "\"spec\":{\"containers\":[{\"name\":\"main\",\"image\":\"x:latest\","
    "\"command\":[\"/bin/sh\",\"-c\",\"sleep 1\"],\"env\":[{\"name\":"
    "\"RANK\",\"value\":\"0\"}]}],\"nodeName\":\"n-01\",\"hostname\":"
    "\"j-0\"},\"status\":{\"phase\":\"Running\",\"qosClass\":"
    "\"Guaranteed\",\"hostIP\":\"10.1.0.1\",\"podIP\":\"10.244.0.9\","
    "\"podIPs\":[{\"ip\":\"10.244.0.9\"}],\"startTime\":"
    "\"2026-12-04T21:13:47Z\",\"conditions\":[{\"type\":\"Initialized\","
    "\"status\":\"True\",\"lastProbeTime\":null,\"lastTransitionTime\":"
    "\"2026-12-04T21:13:47Z\"},{\"type\":\"Ready\",\"status\":\"True\","
    "\"lastProbeTime\":null,\"lastTransitionTime\":"
    "\"2026-12-04T21:13:52Z\"},{\"type\":\"PodScheduled\",\"status\":"
    "\"True\",\"lastProbeTime\":null,\"lastTransitionTime\":"
    "\"2026-12-04T21:13:47Z\"}],\"containerStatuses\":[{\"name\":\"main\","
    "\"image\":\"x:latest\",\"imageID\":\"docker.io/x\",\"containerID\":"
    "\"containerd://87fa\",\"ready\":true,\"started\":true,"
    "\"restartCount\":0,\"state\":{\"running\":{\"startedAt\":"
    "\"2026-12-04T21:13:52Z\"}}}]}}";

/* The pod above with its status members replaced by those of st (a JSON
 * object text; a null member removes one). */
static json_t *
pod_with(const char *st)
{
	json_t *p = json_loads(pod_text, 0, NULL), *s, *v;
	const char *k;

	assert_non_null(p);
	s = json_loads(st, 0, NULL);
	assert_non_null(s);
	json_object_foreach(s, k, v) {
		if (json_is_null(v))
			json_object_del(json_object_get(p, "status"), k);
		else
			json_object_set(json_object_get(p, "status"), k, v);
	}
	json_decref(s);
	return p;
}

/* What the cache would keep of obj in an informer of kind. */
static json_t *
slim(const json_t *obj, enum sched_ck kind)
{
	struct sched_inf inf;

	memset(&inf, 0, sizeof inf);
	inf.kind = kind;
	return sched_obj_slim(obj, &inf);
}

/* Both observations say the same about the job. */
static void
assert_obs_equal(const struct sched_obs *a, const struct sched_obs *b)
{
	int r;

	assert_int_equal(a->state, b->state);
	assert_int_equal(a->running, b->running);
	assert_int_equal(a->done, b->done);
	assert_int_equal(a->has_exit_code, b->has_exit_code);
	assert_int_equal(a->exit_code, b->exit_code);
	assert_int_equal(a->unschedulable, b->unschedulable);
	assert_int_equal(a->unschedulable_gpu, b->unschedulable_gpu);
	assert_int_equal(a->unschedulable_since, b->unschedulable_since);
	assert_int_equal(a->image_pull_failing, b->image_pull_failing);
	assert_int_equal(a->quota_refused, b->quota_refused);
	assert_string_or_null_equal(a->reason, b->reason);
	for (r = 0; r < a->replicas; r++) {
		assert_int_equal(a->ranks[r].seen, b->ranks[r].seen);
		assert_int_equal(a->ranks[r].running, b->ranks[r].running);
		assert_int_equal(a->ranks[r].done, b->ranks[r].done);
		assert_int_equal(a->ranks[r].exit_code, b->ranks[r].exit_code);
		assert_string_or_null_equal(a->ranks[r].reason,
		    b->ranks[r].reason);
		assert_string_equal(a->ranks[r].node, b->ranks[r].node);
		assert_string_equal(a->ranks[r].pod, b->ranks[r].pod);
	}
}

/* Observes one pod (and workload w, may be NULL) whole and as kept, and
 * checks that both say the same; returns the kept one's state. */
static enum sched_obs_state
observe_both(json_t *pod, const json_t *w, bool deployment)
{
	json_t *pods = json_array(), *kept = json_array();
	json_t *ws = json_array(), *kws = json_array();
	struct sched_obs a, b;
	enum sched_obs_state st;

	json_array_append(pods, pod);
	json_array_append_new(kept, slim(pod, SCHED_CK_OURPODS));
	if (w != NULL) {
		json_array_append(ws, (json_t *)w);
		json_array_append_new(kws, slim(w, deployment ?
		    SCHED_CK_DEPLOYMENTS : SCHED_CK_JOBS));
	}
	assert_int_equal(sched_observe(pods, ws, 1, deployment, &a), 0);
	assert_int_equal(sched_observe(kept, kws, 1, deployment, &b), 0);
	assert_obs_equal(&a, &b);
	st = b.state;
	sched_obs_release(&a);
	sched_obs_release(&b);
	json_decref(pods);
	json_decref(kept);
	json_decref(ws);
	json_decref(kws);
	json_decref(pod);
	return st;
}

/* A running pod: kept without its template, IPs, images and conditions
 * nobody reads, with what deletes, orphans and the dump read. */
static void
test_pod_kept(void **state)
{
	json_t *p = pod_with("{}"), *k = slim(p, SCHED_CK_OURPODS);
	const json_t *md = json_object_get(k, "metadata");
	const json_t *st = json_object_get(k, "status");
	const json_t *cs = json_array_get(json_object_get(st,
	    "containerStatuses"), 0);

	(void)state;
	assert_string_equal(kube_obj_name(k), "j-0-7c8f74959-2p759");
	assert_string_equal(kube_obj_namespace(k), "bench");
	assert_string_equal(kube_obj_resource_version(k), "61402");
	assert_string_equal(kube_obj_label(k, "ailab-queue.io/job-id"), "7");
	assert_string_equal(kube_pod_node(k), "n-01");
	assert_json_string(md, "uid", "992d8813");
	assert_json_string(md, "creationTimestamp", "2026-12-04T21:13:45Z");
	assert_non_null(json_object_get(json_object_get(md, "annotations"),
	    "ailab-queue.io/attempt"));
	assert_non_null(json_object_get(md, "ownerReferences"));
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(json_object_get(md, "ownerReferences"), 0),
	    "kind")), "ReplicaSet");
	assert_null(json_object_get(json_array_get(json_object_get(md,
	    "ownerReferences"), 0), "apiVersion"));
	assert_null(json_object_get(md, "managedFields"));
	assert_null(json_object_get(md, "generateName"));
	assert_null(json_object_get(json_object_get(k, "spec"),
	    "containers"));
	assert_null(json_object_get(st, "podIP"));
	assert_null(json_object_get(st, "hostIP"));
	assert_null(json_object_get(st, "conditions"));
	assert_null(json_object_get(cs, "image"));
	assert_null(json_object_get(cs, "containerID"));
	assert_non_null(json_object_get(json_object_get(cs, "state"),
	    "running"));
	assert_false(kube_pod_is_terminal(k));
	json_decref(k);
	assert_int_equal(observe_both(p, NULL, true), SCHED_OBS_RUNNING);
}

/* Every state sched_observe tells from a pod reads the same from what the
 * cache keeps: exit codes and messages, evictions, unschedulable gangs,
 * disruptions, image pulls. */
static void
test_pod_states(void **state)
{
	(void)state;
	assert_int_equal(observe_both(pod_with("{\"containerStatuses\":[{"
	    "\"name\":\"main\",\"image\":\"x\",\"restartCount\":1,\"state\":{"
	    "\"running\":{\"startedAt\":\"2026-12-04T21:14:00Z\"}},"
	    "\"lastState\":{\"terminated\":{\"exitCode\":3,\"reason\":"
	    "\"Error\",\"message\":\"ailab-queue-exit=3\",\"startedAt\":"
	    "\"2026-12-04T21:13:52Z\",\"finishedAt\":"
	    "\"2026-12-04T21:13:59Z\"}}}]}"), NULL, true), SCHED_OBS_FAILED);
	assert_int_equal(observe_both(pod_with("{\"phase\":\"Failed\","
	    "\"reason\":\"Evicted\",\"message\":\"The node was low on "
	    "resource: memory.\",\"containerStatuses\":null}"), NULL, true),
	    SCHED_OBS_LOST);
	assert_int_equal(observe_both(pod_with("{\"phase\":\"Pending\","
	    "\"containerStatuses\":null,\"conditions\":[{\"type\":"
	    "\"PodScheduled\",\"status\":\"False\",\"reason\":"
	    "\"Unschedulable\",\"message\":\"0/3 nodes are available: 3 "
	    "Insufficient nvidia.com/gpu.\",\"lastProbeTime\":null,"
	    "\"lastTransitionTime\":\"2026-12-04T21:13:47Z\"}]}"), NULL, true),
	    SCHED_OBS_PENDING);
	assert_int_equal(observe_both(pod_with("{\"conditions\":[{\"type\":"
	    "\"DisruptionTarget\",\"status\":\"True\",\"reason\":"
	    "\"PreemptionByScheduler\",\"message\":\"preempted\"},{\"type\":"
	    "\"Ready\",\"status\":\"False\"}]}"), NULL, true),
	    SCHED_OBS_LOST);
	assert_int_equal(observe_both(pod_with("{\"phase\":\"Pending\","
	    "\"containerStatuses\":[{\"name\":\"main\",\"image\":\"x\","
	    "\"state\":{\"waiting\":{\"reason\":\"ImagePullBackOff\","
	    "\"message\":\"Back-off pulling image x\"}}}]}"), NULL, true),
	    SCHED_OBS_PENDING);
	assert_int_equal(observe_both(pod_with("{\"phase\":\"Succeeded\","
	    "\"containerStatuses\":[{\"name\":\"main\",\"state\":{"
	    "\"terminated\":{\"exitCode\":0,\"reason\":\"Completed\","
	    "\"startedAt\":\"2026-12-04T21:13:52Z\",\"finishedAt\":"
	    "\"2026-12-04T21:14:52Z\"}}}]}"), NULL, false),
	    SCHED_OBS_SUCCEEDED);
}

/* A workload keeps the conditions observations read (a Job failed, a
 * Deployment's ReplicaFailure from the quota), not its other status. */
static void
test_workloads(void **state)
{
	json_t *job = json_loads("{\"metadata\":{\"name\":\"j-0\","
	    "\"namespace\":\"bench\",\"labels\":{\"ailab-queue.io/job-id\":"
	    "\"7\"}},\"spec\":{\"template\":{\"spec\":{\"containers\":[]}}},"
	    "\"status\":{\"active\":1,\"startTime\":\"2026-12-04T21:13:47Z\","
	    "\"conditions\":[{\"type\":\"Failed\",\"status\":\"True\","
	    "\"reason\":\"DeadlineExceeded\",\"message\":\"Job was active "
	    "longer than specified deadline\"}]}}", 0, NULL);
	json_t *dep = json_loads("{\"metadata\":{\"name\":\"j-0\","
	    "\"namespace\":\"bench\"},\"status\":{\"replicas\":1,"
	    "\"conditions\":[{\"type\":\"Available\",\"status\":\"False\","
	    "\"message\":\"Deployment does not have minimum availability.\"},"
	    "{\"type\":\"ReplicaFailure\",\"status\":\"True\",\"reason\":"
	    "\"FailedCreate\",\"message\":\"pods \\\"j-0-x\\\" is forbidden: "
	    "exceeded quota: q, requested: requests.nvidia.com/gpu=8\"}]}}",
	    0, NULL);
	json_t *k = slim(job, SCHED_CK_JOBS);

	(void)state;
	assert_null(json_object_get(k, "spec"));
	assert_null(json_object_get(json_object_get(k, "status"), "active"));
	assert_int_equal(json_array_size(json_object_get(json_object_get(k,
	    "status"), "conditions")), 1);
	json_decref(k);
	k = slim(dep, SCHED_CK_DEPLOYMENTS);
	assert_int_equal(json_array_size(json_object_get(json_object_get(k,
	    "status"), "conditions")), 1);
	json_decref(k);
	assert_int_equal(observe_both(pod_with("{\"phase\":\"Pending\","
	    "\"containerStatuses\":null}"), job, false), SCHED_OBS_FAILED);
	assert_int_equal(observe_both(pod_with("{\"phase\":\"Pending\","
	    "\"containerStatuses\":null}"), dep, true), SCHED_OBS_PENDING);
	json_decref(job);
	json_decref(dep);
}

/* A node keeps its labels, taints, cordon, allocatable and readiness, not
 * its annotations or its other conditions. */
static void
test_node_kept(void **state)
{
	json_t *n = json_loads("{\"metadata\":{\"name\":\"n-01\","
	    "\"resourceVersion\":\"5\",\"labels\":{\"gpu-model\":"
	    "\"RTX4090D\"},\"annotations\":{\"node.alpha.kubernetes.io/ttl\":"
	    "\"0\",\"volumes.kubernetes.io/controller-managed-attach-detach\":"
	    "\"true\"}},\"spec\":{\"unschedulable\":true,\"taints\":[{\"key\":"
	    "\"k\",\"effect\":\"NoSchedule\"}],\"podCIDR\":\"10.244.1.0/24\"},"
	    "\"status\":{\"allocatable\":{\"nvidia.com/gpu\":\"8\"},"
	    "\"capacity\":{\"nvidia.com/gpu\":\"8\"},\"conditions\":[{\"type\":"
	    "\"MemoryPressure\",\"status\":\"False\"},{\"type\":\"Ready\","
	    "\"status\":\"True\",\"reason\":\"KubeletReady\"}],\"images\":[]}}",
	    0, NULL);
	json_t *k = slim(n, SCHED_CK_NODES);
	int64_t g = 0;

	(void)state;
	assert_string_equal(kube_obj_name(k), "n-01");
	assert_string_equal(kube_obj_resource_version(k), "5");
	assert_string_equal(kube_obj_label(k, "gpu-model"), "RTX4090D");
	assert_null(json_object_get(json_object_get(k, "metadata"),
	    "annotations"));
	assert_true(kube_node_is_ready(k));
	assert_true(kube_node_is_unschedulable(k));
	assert_int_equal(kube_node_allocatable(k, "nvidia.com/gpu",
	    QUANTITY_UNITS, &g, NULL), 0);
	assert_int_equal(g, 8);
	assert_int_equal(json_array_size(json_object_get(json_object_get(k,
	    "spec"), "taints")), 1);
	assert_int_equal(json_array_size(json_object_get(json_object_get(k,
	    "status"), "conditions")), 1);
	assert_null(json_object_get(json_object_get(k, "status"),
	    "capacity"));
	json_decref(k);
	json_decref(n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pod_kept),
		cmocka_unit_test(test_pod_states),
		cmocka_unit_test(test_workloads),
		cmocka_unit_test(test_node_kept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
