/* Unit tests for kube/kube-json.c and the paths of kube-ops.c. */
#include "unit.h"
#include "kube-int.h"

static json_t *
js(const char *s)
{
	json_error_t e;
	json_t *v = json_loads(s, 0, &e);

	if (v == NULL)
		fail_msg("bad test JSON: %s", e.text);
	return v;
}

/* The error kube_error_from_status makes of a Status body (JSON text)
 * and an HTTP code; the caller frees it. */
static struct kube_error *
status_error(const char *body, int code)
{
	json_t *st = js(body);
	struct kube_error *e = kube_error_from_status(st, code);

	json_decref(st);
	return e;
}

static void
test_status_errors(void **state)
{
	struct kube_error *e;
	char *s;

	(void)state;
	e = status_error("{\"kind\":\"Status\",\"apiVersion\":\"v1\","
	    "\"status\":\"Failure\",\"message\":\"deployments.apps \\\"x\\\" "
	    "already exists\",\"reason\":\"AlreadyExists\",\"code\":409,"
	    "\"details\":{\"name\":\"x\",\"group\":\"apps\",\"kind\":"
	    "\"deployments\"}}", 409);
	assert_true(kube_is_already_exists(e));
	assert_false(kube_is_conflict(e));
	assert_false(kube_is_not_found(e));
	assert_int_equal(e->code, 409);
	kube_error_free(e);

	e = status_error("{\"kind\":\"Status\",\"status\":\"Failure\","
	    "\"message\":\"pods \\\"p\\\" is forbidden: exceeded quota: q, "
	    "requested: requests.nvidia.com/gpu=4, used: "
	    "requests.nvidia.com/gpu=8, limited: requests.nvidia.com/gpu=8\","
	    "\"reason\":\"Forbidden\",\"code\":403}", 403);
	assert_true(kube_is_forbidden(e));
	assert_true(kube_is_quota_exceeded(e));
	kube_error_free(e);

	e = status_error("{\"kind\":\"Status\",\"message\":\"pods \\\"p\\\" is "
	    "forbidden: User \\\"bob\\\" cannot get resource\",\"reason\":"
	    "\"Forbidden\",\"code\":403}", 403);
	assert_true(kube_is_forbidden(e));
	assert_false(kube_is_quota_exceeded(e));
	kube_error_free(e);

	e = status_error("{\"kind\":\"Status\",\"message\":\"Operation "
	    "cannot be fulfilled on jobs.batch \\\"x\\\": the object has been "
	    "modified\",\"reason\":\"Conflict\",\"code\":409}", 409);
	assert_true(kube_is_conflict(e));
	assert_false(kube_is_already_exists(e));
	kube_error_free(e);

	e = status_error("{\"kind\":\"Status\",\"message\":\"too old "
	    "resource version: 1 (5)\",\"reason\":\"Expired\",\"code\":410}",
	    0);
	assert_true(kube_is_gone(e));
	assert_int_equal(e->code, 410);
	kube_error_free(e);

	e = status_error("{\"kind\":\"Status\",\"message\":\"Job.batch "
	    "\\\"x\\\" is invalid: spec.completions: Required value\","
	    "\"reason\":\"Invalid\",\"code\":422,\"details\":{\"causes\":[{"
	    "\"reason\":\"FieldValueRequired\",\"message\":\"Required value\","
	    "\"field\":\"spec.completions\"},{\"reason\":\"FieldValueInvalid\","
	    "\"message\":\"must be positive\",\"field\":\"spec.parallelism\"}]"
	    ",\"retryAfterSeconds\":3}}", 422);
	assert_int_equal(e->ncauses, 2);
	assert_string_equal(e->causes[0].field, "spec.completions");
	assert_int_equal(e->retry_after, 3);
	s = kube_error_string(e);
	assert_non_null(strstr(s, "spec.parallelism: must be positive"));
	free(s);
	kube_error_free(e);

	/* No Status body: the code alone decides. */
	e = kube_error_from_status(NULL, 404);
	assert_true(kube_is_not_found(e));
	kube_error_free(e);
	e = kube_error_from_status(NULL, 503);
	assert_true(kube_error_retryable(e));
	kube_error_free(e);
	e = kube_error_from_status(NULL, 400);
	assert_false(kube_error_retryable(e));
	kube_error_free(e);
}

static void
test_pod_accessors(void **state)
{
	json_t *p;
	int64_t v;
	char *cause = NULL;

	(void)state;
	p = js("{\"metadata\":{\"name\":\"p\",\"labels\":{\"a\":\"b\"}},"
	    "\"spec\":{\"nodeName\":\"n1\",\"containers\":["
	    "{\"resources\":{\"limits\":{\"nvidia.com/gpu\":\"2\","
	    "\"cpu\":\"1\"},\"requests\":{\"cpu\":\"500m\"}}},"
	    "{\"resources\":{\"requests\":{\"nvidia.com/gpu\":\"1\","
	    "\"cpu\":\"1.5\"}}}],\"initContainers\":[{\"resources\":"
	    "{\"requests\":{\"cpu\":\"4\"}}}]},\"status\":{\"phase\":"
	    "\"Running\"}}");
	assert_string_equal(kube_obj_name(p), "p");
	assert_string_equal(kube_obj_label(p, "a"), "b");
	assert_null(kube_obj_label(p, "zz"));
	assert_string_equal(kube_pod_node(p), "n1");
	assert_false(kube_pod_is_terminal(p));
	assert_int_equal(kube_pod_request(p, "nvidia.com/gpu", QUANTITY_UNITS,
	    &v, &cause), 0);
	assert_int_equal(v, 3);
	/* max(0.5 + 1.5, init 4) = 4 cores. */
	assert_int_equal(kube_pod_request(p, "cpu", QUANTITY_MILLI, &v,
	    &cause), 0);
	assert_int_equal(v, 4000);
	json_decref(p);
	p = js("{\"status\":{\"phase\":\"Succeeded\"}}");
	assert_true(kube_pod_is_terminal(p));
	json_decref(p);
}

static void
test_node_quota_job(void **state)
{
	json_t *n, *q;
	int64_t v, h, u;
	char *cause = NULL;

	(void)state;
	n = js("{\"metadata\":{\"labels\":{\"nvidia.com/gpu.product\":"
	    "\"NVIDIA-GeForce-RTX-4090\"}},\"status\":{\"allocatable\":"
	    "{\"nvidia.com/gpu\":\"8\",\"memory\":\"512Gi\"},\"conditions\":"
	    "[{\"type\":\"Ready\",\"status\":\"True\"}]}}");
	assert_int_equal(kube_node_allocatable(n, "nvidia.com/gpu",
	    QUANTITY_UNITS, &v, &cause), 0);
	assert_int_equal(v, 8);
	assert_int_equal(kube_node_allocatable(n, "memory", QUANTITY_UNITS,
	    &v, &cause), 0);
	assert_int_equal(v, 512LL << 30);
	assert_true(kube_node_is_ready(n));
	assert_false(kube_node_is_unschedulable(n));
	json_decref(n);

	q = js("{\"status\":{\"hard\":{\"requests.cpu\":\"128\","
	    "\"requests.nvidia.com/gpu\":\"16\"},\"used\":{\"requests.cpu\":"
	    "\"1500m\",\"requests.nvidia.com/gpu\":\"4\"}}}");
	assert_int_equal(kube_quota_get(q, "requests.cpu", &h, &u, &cause), 0);
	assert_int_equal(h, 128000);
	assert_int_equal(u, 1500);
	assert_int_equal(kube_quota_get(q, "requests.nvidia.com/gpu", &h, &u,
	    &cause), 0);
	assert_int_equal(h, 16);
	assert_int_equal(u, 4);
	assert_int_equal(kube_quota_get(q, "pods", &h, &u, &cause), -1);
	free(cause);
	json_decref(q);

}

static void
test_paths(void **state)
{
	(void)state;
	assert_string_take(kube_path(KUBE_PODS, "alice", "p-1"),
	    "/api/v1/namespaces/alice/pods/p-1");
	assert_string_take(kube_path(KUBE_PODS, NULL, NULL), "/api/v1/pods");
	assert_string_take(kube_path(KUBE_NODES, "ignored", "n"),
	    "/api/v1/nodes/n");
	assert_string_take(kube_path(KUBE_JOBS, "ml101", NULL),
	    "/apis/batch/v1/namespaces/ml101/jobs");
	assert_string_take(kube_path(KUBE_DEPLOYMENTS, "a b", "x"),
	    "/apis/apps/v1/namespaces/a%20b/deployments/x");
	assert_string_take(kube_path(KUBE_LEASES, "ns", "l"),
	    "/apis/coordination.k8s.io/v1/namespaces/ns/leases/l");
}

/* Retries back off exponentially with jitter and honour Retry-After. */
static void
test_backoff(void **state)
{
	int64_t d;
	int i, n;

	(void)state;
	for (i = 0; i < 200; i++) {
		d = kube_backoff_ms(1, -1);
		assert_true(d >= 125 && d <= 250);
		d = kube_backoff_ms(3, 0);
		assert_true(d >= 500 && d <= 1000);
		for (n = 6; n < 40; n += 7) {
			d = kube_backoff_ms(n, -1);
			assert_true(d >= 4000 && d <= 8000);
		}
		d = kube_backoff_ms(1, 3);
		assert_int_equal(d, 3000);
		d = kube_backoff_ms(8, 1);
		assert_true(d >= 4000 && d <= 8000);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_errors),
		cmocka_unit_test(test_pod_accessors),
		cmocka_unit_test(test_node_quota_job),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_backoff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
