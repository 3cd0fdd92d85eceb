/* Unit tests for sim/: selectors, quota arithmetic and messages, YAML. */
#include "unit.h"
#include "common.h"
#include "sim-int.h"

/* Matches a label selector string against labels given as JSON. */
static bool
sel_match(const char *sel, const char *labels)
{
	struct sim_selector *s = sim_selector_parse(sel, NULL);
	json_t *l = json_loads(labels, 0, NULL);
	bool r;

	if (s == NULL)
		fail_msg("selector '%s' refused", sel);
	r = sim_selector_matches(s, l);
	sim_selector_free(s);
	json_decref(l);
	return r;
}

static void
test_label_selectors(void **state)
{
	const char *l = "{\"app\":\"web\",\"tier\":\"x\",\"gpu\":\"4090\"}";

	(void)state;
	assert_true(sel_match("", l));
	assert_true(sel_match("app=web", l));
	assert_true(sel_match("app==web", l));
	assert_false(sel_match("app!=web", l));
	assert_true(sel_match("app!=db", l));
	assert_true(sel_match("missing!=x", l));
	assert_true(sel_match("gpu in (3090, 4090)", l));
	assert_false(sel_match("gpu notin (3090,4090)", l));
	assert_true(sel_match("tier", l));
	assert_false(sel_match("!tier", l));
	assert_true(sel_match("!nope", l));
	assert_true(sel_match("app=web,tier=x, gpu in (4090)", l));
	assert_false(sel_match("app=web,tier=y", l));
	assert_true(sel_match("nvidia.com/gpu.product notin (A)", l));
}

static void
test_label_selector_errors(void **state)
{
	char *cause = NULL;

	(void)state;
	assert_null(sim_selector_parse("a in b", &cause));
	assert_non_null(cause);
	free(cause);
	cause = NULL;
	assert_null(sim_selector_parse("a in (b", &cause));
	free(cause);
	cause = NULL;
	assert_null(sim_selector_parse("=x", &cause));
	free(cause);
}

static void
test_field_selectors(void **state)
{
	struct sim_selector *s;
	json_t *pod = json_loads("{\"metadata\":{\"name\":\"p\",\"namespace\":"
	    "\"a\"},\"spec\":{\"nodeName\":\"n1\"},\"status\":{\"phase\":"
	    "\"Running\"}}", 0, NULL);
	char *cause = NULL;

	(void)state;
	s = sim_field_selector_parse("spec.nodeName=n1,status.phase!=Failed",
	    NULL);
	assert_non_null(s);
	assert_int_equal(sim_field_check(s, SIM_RT_PODS, NULL), 0);
	assert_true(sim_field_matches(s, pod));
	sim_selector_free(s);
	s = sim_field_selector_parse("status.phase==Succeeded", NULL);
	assert_false(sim_field_matches(s, pod));
	sim_selector_free(s);
	s = sim_field_selector_parse("spec.nodeName=n1", NULL);
	assert_int_equal(sim_field_check(s, SIM_RT_NODES, &cause), -1);
	assert_string_take(cause, "field label not supported: spec.nodeName");
	sim_selector_free(s);
	json_decref(pod);
}

static void
test_pod_usage(void **state)
{
	json_t *pod = json_loads("{\"spec\":{\"containers\":[{\"name\":\"a\","
	    "\"resources\":{\"requests\":{\"cpu\":\"1.5\",\"memory\":\"1Gi\"},"
	    "\"limits\":{\"nvidia.com/gpu\":2}}},{\"name\":\"b\",\"resources\":"
	    "{\"limits\":{\"cpu\":\"500m\"}}}]},\"status\":{\"phase\":"
	    "\"Running\"}}", 0, NULL);
	json_t *u = sim_pod_usage(pod, true);

	(void)state;
	assert_json_int(u, "requests.cpu", 2000);
	assert_json_int(u, "requests.memory", 1024 * 1024 * 1024);
	assert_json_int(u, "requests.nvidia.com/gpu", 2);
	assert_json_int(u, "limits.cpu", 500);
	assert_json_int(u, "pods", 1);
	json_decref(u);
	json_object_set_new(json_object_get(pod, "status"), "phase",
	    json_string("Succeeded"));
	u = sim_pod_usage(pod, true);
	assert_null(json_object_get(u, "pods"));
	assert_json_int(u, "count/pods", 1);
	json_decref(u);
	json_decref(pod);
}

static void
test_quota_admission(void **state)
{
	json_t *quotas = json_loads("[{\"metadata\":{\"name\":\"q\"},\"spec\":"
	    "{\"hard\":{\"requests.nvidia.com/gpu\":\"4\",\"pods\":\"10\"}}}]",
	    0, NULL);
	json_t *used = json_loads("{\"requests.nvidia.com/gpu\":3,\"pods\":2}",
	    0, NULL);
	json_t *delta = json_loads("{\"requests.nvidia.com/gpu\":2,\"pods\":1}",
	    0, NULL);
	json_t *small = json_loads("{\"requests.nvidia.com/gpu\":1,\"pods\":1}",
	    0, NULL);
	char *msg = NULL;

	(void)state;
	assert_int_equal(sim_quota_admit(quotas, used, delta, NULL, &msg), -1);
	assert_string_take(msg, "exceeded quota: q, requested: "
	    "requests.nvidia.com/gpu=2, used: requests.nvidia.com/gpu=3, "
	    "limited: requests.nvidia.com/gpu=4");
	msg = NULL;
	assert_int_equal(sim_quota_admit(quotas, used, small, NULL, &msg), 0);
	assert_null(msg);
	json_decref(quotas);
	json_decref(used);
	json_decref(delta);
	json_decref(small);
}

static void
test_quota_requires_requests(void **state)
{
	json_t *quotas = json_loads("[{\"metadata\":{\"name\":\"cq\"},\"spec\":"
	    "{\"hard\":{\"cpu\":\"8\",\"limits.memory\":\"8Gi\"}}}]", 0, NULL);
	json_t *pod = json_loads("{\"spec\":{\"containers\":[{\"name\":\"a\"},"
	    "{\"name\":\"b\",\"resources\":{\"requests\":{\"cpu\":\"1\"}}}]}}",
	    0, NULL);
	json_t *u = json_object(), *d = sim_pod_usage(pod, true);
	char *msg = NULL;

	(void)state;
	assert_int_equal(sim_quota_admit(quotas, u, d, pod, &msg), -1);
	assert_string_equal(msg, "failed quota: cq: must specify limits.memory "
	    "for: a,b; requests.cpu for: a");
	free(msg);
	json_decref(quotas);
	json_decref(pod);
	json_decref(u);
	json_decref(d);
}

static void
test_quota_keys(void **state)
{
	int64_t v;
	json_t *j;

	(void)state;
	assert_string_equal(sim_quota_key("cpu"), "requests.cpu");
	assert_string_equal(sim_quota_key("memory"), "requests.memory");
	assert_string_equal(sim_quota_key("requests.nvidia.com/gpu"),
	    "requests.nvidia.com/gpu");
	assert_string_take(sim_key_format("requests.cpu", 1500), "1500m");
	assert_string_take(sim_key_format("requests.memory", 16LL << 30),
	    "16Gi");
	assert_string_take(sim_key_format("pods", 12), "12");
	j = json_string("250m");
	assert_int_equal(sim_key_parse("cpu", j, &v), 0);
	assert_int_equal(v, 250);
	json_decref(j);
	j = json_integer(3);
	assert_int_equal(sim_key_parse("pods", j, &v), 0);
	assert_int_equal(v, 3);
	json_decref(j);
}

/* A claim counts itself, its size and both under its class. */
static void
test_claim_usage(void **state)
{
	json_t *pvc = json_loads("{\"spec\":{\"storageClassName\":\"fast\","
	    "\"resources\":{\"requests\":{\"storage\":\"2Ti\"}}}}", 0, NULL);
	json_t *u = sim_pvc_usage(pvc);

	(void)state;
	assert_json_int(u, "requests.storage", 2LL << 40);
	assert_json_int(u, "persistentvolumeclaims", 1);
	assert_json_int(u, "fast.storageclass.storage.k8s.io/requests.storage",
	    2LL << 40);
	assert_int_equal(json_integer_value(json_object_get(u,
	    "fast.storageclass.storage.k8s.io/persistentvolumeclaims")), 1);
	json_decref(u);
	json_object_del(json_object_get(pvc, "spec"), "storageClassName");
	u = sim_pvc_usage(pvc);
	assert_int_equal(json_object_size(u), 3);
	json_decref(u);
	json_decref(pvc);
	assert_string_take(sim_key_format("requests.storage", 40000000000000LL),
	    "40T");
	assert_string_take(sim_key_format("requests.storage", 2LL << 40),
	    "2Ti");
	assert_string_take(sim_key_format("requests.storage", 1000000000000LL),
	    "1T");
	assert_string_take(sim_key_format("fast.storageclass.storage.k8s.io/"
	    "persistentvolumeclaims", 3), "3");
	assert_string_take(sim_key_format("requests.storage",
	    23000000000000LL + (100LL << 30)), "23107374182400");
	assert_string_take(sim_key_format("requests.storage", 200LL << 30),
	    "200Gi");
	assert_string_take(sim_key_format("requests.storage", 0), "0");
}

static void
test_yaml(void **state)
{
	const char *y = "a: 1\nb: [x, 'y', true]\nc: {d: null, e: 1.5}\n"
	    "f: \"007\"\n";
	char *cause = NULL;
	json_t *j = sim_yaml_to_json(y, strlen(y), &cause);

	(void)state;
	assert_non_null(j);
	assert_json_int(j, "a", 1);
	assert_true(json_is_true(json_array_get(json_object_get(j, "b"), 2)));
	assert_string_equal(json_string_value(json_array_get(
	    json_object_get(j, "b"), 1)), "y");
	assert_true(json_is_null(sim_path(j, "c.d")));
	assert_json_string(j, "f", "007");
	json_decref(j);
	j = sim_yaml_to_json("a: [1\n", 6, &cause);
	assert_null(j);
	assert_non_null(cause);
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_label_selectors),
		cmocka_unit_test(test_label_selector_errors),
		cmocka_unit_test(test_field_selectors),
		cmocka_unit_test(test_pod_usage),
		cmocka_unit_test(test_quota_admission),
		cmocka_unit_test(test_quota_requires_requests),
		cmocka_unit_test(test_quota_keys),
		cmocka_unit_test(test_claim_usage),
		cmocka_unit_test(test_yaml),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
