/* Unit tests for spec: objects of a job in a queue say whose they are, in
 * labels, selectors and names, so that queues sharing a namespace never
 * select, adopt or delete each other's objects. */
#include "unit.h"
#include "common.h"
#include "spec.h"
#include "spec-whole.h"

#define QUEUE "0123456789abcdef"

/* A label of an object's metadata (or a template's). */
static const char *
label(const json_t *meta, const char *key)
{
	return json_string_value(json_object_get(json_object_get(meta,
	    "labels"), key));
}

/* Every selector of every object picks the queue and the job. */
static void
check_selector(const json_t *sel)
{
	assert_non_null(sel);
	assert_string_equal(json_string_value(json_object_get(sel,
	    SPEC_LABEL_QUEUE)), QUEUE);
	assert_string_equal(json_string_value(json_object_get(sel,
	    SPEC_LABEL_JOB)), "7");
}

/* Deployments of a queued job: tagged names, queue in labels, template
 * labels and both kinds of selector. */
static void
test_queue_identity(void **state)
{
	struct spec_diags d = { 0 };
	struct spec_run run = { .queue = QUEUE, .job_id = 7, .attempt = 1,
	    .owner = "alice" };
	struct spec_set *set;
	json_t *objs, *o, *spec;
	char *cause = NULL;
	size_t i;

	(void)state;
	set = load("name: ddp\ncommand: [python, x.py]\nreplicas: 2\n"
	    "ports: [8080]\n", &d);
	assert_non_null(set);
	objs = spec_render_job_json(whole(set->jobs[0]), &run, &cause);
	assert_non_null(objs);
	json_array_foreach(objs, i, o) {
		const json_t *meta = json_object_get(o, "metadata");
		const char *kind = json_string_value(json_object_get(o, "kind"));

		spec = json_object_get(o, "spec");
		assert_non_null(strstr(json_string_value(json_object_get(meta,
		    "name")), "ddp-7-01234"));
		assert_string_equal(label(meta, SPEC_LABEL_QUEUE), QUEUE);
		if (strcmp(kind, "Service") == 0)
			check_selector(json_object_get(spec, "selector"));
		else {
			check_selector(json_object_get(json_object_get(spec,
			    "selector"), "matchLabels"));
			assert_string_equal(label(json_object_get(
			    json_object_get(spec, "template"), "metadata"),
			    SPEC_LABEL_QUEUE), QUEUE);
		}
	}
	json_decref(objs);
	assert_string_take(spec_job_selector(QUEUE, 7),
	    SPEC_LABEL_MANAGED "=ailab-queue," SPEC_LABEL_QUEUE "=" QUEUE ","
	    SPEC_LABEL_JOB "=7");
	spec_set_free(set);
	spec_diags_release(&d);
}

/* A render outside a queue (`render`) keeps the plain names. */
static void
test_no_queue(void **state)
{
	struct spec_diags d = { 0 };
	struct spec_run run = { .job_id = 7, .attempt = 1, .owner = "alice" };
	struct spec_set *set;
	json_t *objs;
	char *cause = NULL;

	(void)state;
	set = load("name: one\ncommand: [true]\n", &d);
	assert_non_null(set);
	objs = spec_render_job_json(whole(set->jobs[0]), &run, &cause);
	assert_non_null(objs);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    json_array_get(objs, 0), "metadata"), "name")), "one-7");
	assert_null(label(json_object_get(json_array_get(objs, 0),
	    "metadata"), SPEC_LABEL_QUEUE));
	json_decref(objs);
	spec_set_free(set);
	spec_diags_release(&d);
}

/* A pod as the API returns it. */
static json_t *
pod(const char *name, const char *rank, const char *index,
    const char *attempt, const char *created)
{
	json_t *p = json_pack("{s:{s:s,s:s,s:{},s:{}}}", "metadata", "name",
	    name, "creationTimestamp", created, "labels", "annotations");
	json_t *meta = json_object_get(p, "metadata");

	if (rank != NULL)
		json_object_set_new(json_object_get(meta, "labels"),
		    SPEC_LABEL_RANK, json_string(rank));
	if (index != NULL)
		json_object_set_new(json_object_get(meta, "annotations"),
		    SPEC_INDEX_ANNOTATION, json_string(index));
	json_object_set_new(json_object_get(meta, "labels"),
	    SPEC_LABEL_ATTEMPT, json_string(attempt));
	return p;
}

/* Indexed Job pods have no rank label: the completion index says it; the
 * rank's newest pod of the attempt is the one. */
static void
test_pick_pod(void **state)
{
	json_t *pods = json_array();

	(void)state;
	json_array_append_new(pods, pod("a", NULL, "0", "1",
	    "2026-01-01T00:00:00Z"));
	json_array_append_new(pods, pod("b", NULL, "1", "1",
	    "2026-01-01T00:00:00Z"));
	json_array_append_new(pods, pod("c", NULL, "1", "2",
	    "2026-01-01T00:00:01Z"));
	json_array_append_new(pods, pod("d", NULL, "1", "2",
	    "2026-01-01T00:00:05Z"));
	json_array_append_new(pods, pod("e", "3", NULL, "2",
	    "2026-01-01T00:00:05Z"));
	json_array_append_new(pods, pod("f", NULL, "x1", "2",
	    "2026-01-01T00:00:05Z"));
	assert_int_equal(spec_pod_rank(json_array_get(pods, 0)), 0);
	assert_int_equal(spec_pod_rank(json_array_get(pods, 4)), 3);
	assert_int_equal(spec_pod_rank(json_array_get(pods, 5)), -1);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    spec_pick_pod(pods, 1, 1), "metadata"), "name")), "b");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    spec_pick_pod(pods, 1, 2), "metadata"), "name")), "d");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    spec_pick_pod(pods, 3, 2), "metadata"), "name")), "e");
	assert_null(spec_pick_pod(pods, 0, 2));
	assert_null(spec_pick_pod(pods, 2, 1));
	json_decref(pods);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_queue_identity),
		cmocka_unit_test(test_no_queue),
		cmocka_unit_test(test_pick_pod),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
