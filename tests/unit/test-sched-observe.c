/* Unit tests for sched-observe: reading a job's end from its pods. */
#include "unit.h"
#include "common.h"
#include "sched-observe.h"

/* A pod of rank r with the given status JSON text. */
static json_t *
pod(int r, const char *status, bool deleting)
{
	json_t *p;
	char *txt;

	txt = xprintf("{\"metadata\":{\"name\":\"j-%d-abc\",%s\"labels\":"
	    "{\"ailab-queue.io/rank\":\"%d\"}},\"spec\":{\"nodeName\":"
	    "\"node-%d\"},\"status\":%s}", r, deleting ?
	    "\"deletionTimestamp\":\"2026-01-01T00:00:00Z\"," : "", r, r,
	    status);
	p = json_loads(txt, 0, NULL);
	if (p == NULL)
		fail_msg("bad fixture %s", txt);
	free(txt);
	return p;
}

#define RUNNING "{\"phase\":\"Running\",\"containerStatuses\":[{\"name\":" \
	"\"main\",\"restartCount\":0,\"state\":{\"running\":{}}}]}"
#define PENDING "{\"phase\":\"Pending\",\"containerStatuses\":[{\"name\":" \
	"\"main\",\"state\":{\"waiting\":{\"reason\":\"ContainerCreating\"}}}]}"
#define UNSCHED "{\"phase\":\"Pending\",\"conditions\":[{\"type\":" \
	"\"PodScheduled\",\"status\":\"False\",\"reason\":\"Unschedulable\"," \
	"\"message\":\"0/50 nodes are available: 50 Insufficient " \
	"nvidia.com/gpu.\"}]}"
#define DONE(code, why) "{\"phase\":\"Running\",\"containerStatuses\":[{" \
	"\"name\":\"main\",\"restartCount\":1,\"state\":{\"running\":{}}," \
	"\"lastState\":{\"terminated\":{\"exitCode\":" #code ",\"reason\":\"" \
	why "\",\"message\":\"ailab-queue-exit=" #code "\"}}}]}"
#define OOM "{\"phase\":\"Running\",\"containerStatuses\":[{\"name\":" \
	"\"main\",\"restartCount\":1,\"state\":{\"running\":{}},\"lastState\":" \
	"{\"terminated\":{\"exitCode\":137,\"reason\":\"OOMKilled\"}}}]}"
#define PULL "{\"phase\":\"Pending\",\"containerStatuses\":[{\"name\":" \
	"\"main\",\"state\":{\"waiting\":{\"reason\":\"ImagePullBackOff\"," \
	"\"message\":\"Back-off pulling image x\"}}}]}"
#define EVICTED "{\"phase\":\"Failed\",\"reason\":\"Evicted\",\"message\":" \
	"\"The node was low on resource: memory.\"}"

#define DISRUPTED "{\"phase\":\"Running\",\"conditions\":[{\"type\":" \
	"\"DisruptionTarget\",\"status\":\"True\",\"reason\":" \
	"\"DeletionByTaintManager\",\"message\":\"Taint manager: deleting " \
	"due to NoExecute taint\"}],\"containerStatuses\":[{\"name\":" \
	"\"main\",\"restartCount\":0,\"state\":{\"running\":{}}}]}"

/* The objects of the last observation: it borrows from them. */
static json_t *kept[2];

static void
observe(json_t *pods, json_t *wl, int n, bool dep, struct sched_obs *o)
{
	assert_int_equal(sched_observe(pods, wl, n, dep, o), 0);
	kept[0] = pods;
	kept[1] = wl;
}

/* Releases an observation and the objects it borrowed from. */
static void
release(struct sched_obs *o)
{
	sched_obs_release(o);
	json_decref(kept[0]);
	json_decref(kept[1]);
}

static void
test_gang_running(void **state)
{
	struct sched_obs o;

	(void)state;
	observe(json_pack("[oo]", pod(0, RUNNING, false), pod(1, PENDING,
	    false)), json_array(), 2, true, &o);
	assert_int_equal(o.state, SCHED_OBS_PENDING);
	assert_int_equal(o.running, 1);
	assert_string_equal(o.reason, "1 of 2 replicas running");
	release(&o);

	observe(json_pack("[oo]", pod(0, RUNNING, false), pod(1, RUNNING,
	    false)), json_array(), 2, true, &o);
	assert_int_equal(o.state, SCHED_OBS_RUNNING);
	assert_string_equal(o.ranks[1].node, "node-1");
	release(&o);

	/* A missing rank keeps the gang pending. */
	observe(json_pack("[o]", pod(0, RUNNING, false)), json_array(), 2,
	    true, &o);
	assert_int_equal(o.state, SCHED_OBS_PENDING);
	release(&o);
}

static void
test_wrapper_completion(void **state)
{
	struct sched_obs o;

	(void)state;
	observe(json_pack("[oo]", pod(0, DONE(0, "Completed"), false),
	    pod(1, RUNNING, false)), json_array(), 2, true, &o);
	assert_int_equal(o.state, SCHED_OBS_RUNNING);
	assert_int_equal(o.done, 1);
	release(&o);

	observe(json_pack("[oo]", pod(0, DONE(0, "Completed"), false),
	    pod(1, DONE(0, "Completed"), false)), json_array(), 2, true, &o);
	assert_int_equal(o.state, SCHED_OBS_SUCCEEDED);
	assert_int_equal(o.exit_code, 0);
	release(&o);

	observe(json_pack("[oo]", pod(0, DONE(0, "Completed"), false),
	    pod(1, DONE(3, "Error"), false)), json_array(), 2, true, &o);
	assert_int_equal(o.state, SCHED_OBS_FAILED);
	assert_int_equal(o.exit_code, 3);
	assert_string_equal(o.reason, "rank 1 exited 3 (Error)");
	release(&o);

	/* OOM kills the wrapper too: no marker, the restart is the end. */
	observe(json_pack("[o]", pod(0, OOM, false)), json_array(), 1, true,
	    &o);
	assert_int_equal(o.state, SCHED_OBS_FAILED);
	assert_int_equal(o.exit_code, 137);
	assert_non_null(strstr(o.reason, "OOMKilled"));
	release(&o);
}

/* The wrapper's termination message says the command's exit code, and it
 * wins over the container's (the contract, spec-contract.h). */
#define MARKED "{\"phase\":\"Running\",\"containerStatuses\":[{" \
	"\"name\":\"main\",\"restartCount\":1,\"state\":{\"running\":{}}," \
	"\"lastState\":{\"terminated\":{\"exitCode\":1,\"reason\":" \
	"\"Error\",\"message\":\"ailab-queue-exit=42\\n\"}}}]}"
#define BADMARK "{\"phase\":\"Running\",\"containerStatuses\":[{" \
	"\"name\":\"main\",\"restartCount\":1,\"state\":{\"running\":{}}," \
	"\"lastState\":{\"terminated\":{\"exitCode\":5,\"reason\":" \
	"\"Error\",\"message\":\"ailab-queue-exit=x\"}}}]}"
static void
test_exit_marker(void **state)
{
	struct sched_obs o;

	(void)state;
	observe(json_pack("[o]", pod(0, MARKED, false)), json_array(), 1, true,
	    &o);
	assert_int_equal(o.state, SCHED_OBS_FAILED);
	assert_int_equal(o.exit_code, 42);
	release(&o);

	/* A marker without a number: the container's exit code. */
	observe(json_pack("[o]", pod(0, BADMARK, false)), json_array(), 1, true,
	    &o);
	assert_int_equal(o.state, SCHED_OBS_FAILED);
	assert_int_equal(o.exit_code, 5);
	release(&o);
}

static void
test_waiting_reasons(void **state)
{
	struct sched_obs o;
	json_t *dep;

	(void)state;
	observe(json_pack("[oo]", pod(0, RUNNING, false), pod(1, UNSCHED,
	    false)), json_array(), 2, true, &o);
	assert_true(o.unschedulable);
	assert_non_null(strstr(o.reason, "0/50 nodes are available"));
	release(&o);

	observe(json_pack("[o]", pod(0, PULL, false)), json_array(), 1, true,
	    &o);
	assert_true(o.image_pull_failing);
	assert_non_null(strstr(o.reason, "ImagePullBackOff"));
	release(&o);

	dep = json_loads("{\"status\":{\"conditions\":[{\"type\":"
	    "\"ReplicaFailure\",\"status\":\"True\",\"reason\":"
	    "\"FailedCreate\",\"message\":\"pods \\\"x\\\" is forbidden: "
	    "exceeded quota: q, requested: requests.nvidia.com/gpu=8\"}]}}", 0,
	    NULL);
	observe(json_array(), json_pack("[o]", dep), 1, true, &o);
	assert_true(o.quota_refused);
	assert_non_null(strstr(o.reason, "FailedCreate: pods"));
	release(&o);
}

static void
test_lost_and_replaced(void **state)
{
	struct sched_obs o;

	(void)state;
	observe(json_pack("[oo]", pod(0, RUNNING, false), pod(1, EVICTED,
	    false)), json_array(), 2, true, &o);
	assert_int_equal(o.state, SCHED_OBS_LOST);
	assert_non_null(strstr(o.reason, "Evicted"));
	release(&o);

	/* A pod being deleted does not speak for a rank a live pod has. */
	observe(json_pack("[oo]", pod(0, EVICTED, true), pod(0, RUNNING,
	    false)), json_array(), 1, true, &o);
	assert_int_equal(o.state, SCHED_OBS_RUNNING);
	release(&o);
}

/*
 * A rank whose pod the taint manager deleted (its node stopped reporting)
 * is lost even though the Deployment already runs a replacement: the
 * other ranks cannot take a restarted peer.  A rank already done is not.
 */
static void
test_disrupted(void **state)
{
	struct sched_obs o;

	(void)state;
	observe(json_pack("[ooo]", pod(0, RUNNING, false), pod(1, DISRUPTED,
	    true), pod(1, RUNNING, false)), json_array(), 2, true, &o);
	assert_int_equal(o.state, SCHED_OBS_LOST);
	assert_non_null(strstr(o.reason, "rank 1: pod j-1-abc "
	    "DeletionByTaintManager on node node-1: Taint manager"));
	release(&o);

	observe(json_pack("[oo]", pod(0, DONE(0, "Completed"), false),
	    pod(0, DISRUPTED, true)), json_array(), 1, true, &o);
	assert_int_equal(o.state, SCHED_OBS_SUCCEEDED);
	release(&o);
}

static void
test_indexed_job(void **state)
{
	struct sched_obs o;
	json_t *job, *p0, *p1;

	(void)state;
	p0 = pod(0, "{\"phase\":\"Succeeded\",\"containerStatuses\":[{"
	    "\"state\":{\"terminated\":{\"exitCode\":0,\"reason\":"
	    "\"Completed\"}}}]}", false);
	p1 = pod(1, "{\"phase\":\"Failed\",\"containerStatuses\":[{"
	    "\"state\":{\"terminated\":{\"exitCode\":2,\"reason\":"
	    "\"Error\"}}}]}", false);
	job = json_loads("{\"status\":{\"conditions\":[{\"type\":\"Failed\","
	    "\"status\":\"True\",\"reason\":\"BackoffLimitExceeded\"}]}}", 0,
	    NULL);
	observe(json_pack("[oo]", p0, p1), json_pack("[o]", job), 2, false,
	    &o);
	assert_int_equal(o.state, SCHED_OBS_FAILED);
	assert_int_equal(o.exit_code, 2);
	release(&o);

	job = json_loads("{\"status\":{\"conditions\":[{\"type\":\"Complete\","
	    "\"status\":\"True\"}]}}", 0, NULL);
	observe(json_array(), json_pack("[o]", job), 2, false, &o);
	assert_int_equal(o.state, SCHED_OBS_SUCCEEDED);
	release(&o);

	/* The Job's own conditions, from kube_job_state's tests: a Failed
	 * one (after a FailureTarget) says why; Complete False is still
	 * running. */
	job = json_loads("{\"status\":{\"active\":2,\"conditions\":[{"
	    "\"type\":\"FailureTarget\",\"status\":\"True\"},{\"type\":"
	    "\"Failed\",\"status\":\"True\",\"reason\":"
	    "\"BackoffLimitExceeded\"}]}}", 0, NULL);
	observe(json_array(), json_pack("[o]", job), 2, false, &o);
	assert_int_equal(o.state, SCHED_OBS_FAILED);
	assert_string_equal(o.reason, "job failed: BackoffLimitExceeded");
	release(&o);
	job = json_loads("{\"status\":{\"conditions\":[{\"type\":\"Complete\","
	    "\"status\":\"False\"}]}}", 0, NULL);
	observe(json_array(), json_pack("[o]", job), 2, false, &o);
	assert_int_equal(o.state, SCHED_OBS_PENDING);
	release(&o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gang_running),
		cmocka_unit_test(test_wrapper_completion),
		cmocka_unit_test(test_exit_marker),
		cmocka_unit_test(test_waiting_reasons),
		cmocka_unit_test(test_lost_and_replaced),
		cmocka_unit_test(test_disrupted),
		cmocka_unit_test(test_indexed_job),
	};

	return cmocka_run_group_tests_name("sched-observe", tests, NULL, NULL);
}
