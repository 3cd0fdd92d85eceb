/* Unit tests for api/api-json.c: every object survives a round trip. */
#include "unit.h"
#include "api.h"
#include "common.h"

/* A job with every field set, as the store would return it. */
static struct store_job *
sample_job(void)
{
	struct store_job *j = xcalloc(1, sizeof *j);

	j->id = 42;
	j->name = xstrdup("resnet-lr0.1");
	j->namespace = xstrdup("alice");
	j->owner = xstrdup("alice");
	j->group = xstrdup("resnet");
	j->state = STORE_RUNNING;
	j->reason = xstrdup("running on ailab-4090-03");
	j->cancel_requested = true;
	j->priority = 100;
	j->gpu_type = xstrdup("RTX4090");
	j->gpu_count = 2;
	j->replicas = 3;
	j->cpu_milli = 8000;
	j->memory_bytes = 34359738368LL;
	j->spec_json = xstrdup("{\"version\":1,\"name\":\"resnet-lr0.1\","
	    "\"command\":[\"python\",\"train.py\"]}");
	j->attempts = 1;
	j->submitted_at = 1795940000000LL;
	j->updated_at = 1795940100000LL;
	j->started_at = 1795940050000LL;
	j->run_gpu_type = xstrdup("");
	return j;
}

static void
test_job_round_trip(void **state)
{
	struct store_job *j = sample_job(), *d = NULL;
	json_t *o, *o2;
	char *cause = NULL, *a, *b;

	(void)state;
	o = api_job_encode(j);
	assert_non_null(o);
	assert_null(json_object_get(o, "finished_at"));
	assert_json_string(o, "state", "running");
	assert_true(json_is_null(json_object_get(o, "estimated_start")));
	assert_int_equal(api_job_decode(o, &d, &cause), 0);
	assert_int_equal(d->id, 42);
	assert_string_equal(d->name, j->name);
	assert_string_equal(d->namespace, j->namespace);
	assert_string_equal(d->owner, j->owner);
	assert_string_equal(d->group, j->group);
	assert_int_equal(d->state, STORE_RUNNING);
	assert_string_equal(d->reason, j->reason);
	assert_true(d->cancel_requested);
	assert_false(d->cleaned);
	assert_int_equal(d->priority, 100);
	assert_string_equal(d->gpu_type, "RTX4090");
	assert_int_equal(d->gpu_count, 2);
	assert_int_equal(d->replicas, 3);
	assert_int_equal(d->cpu_milli, 8000);
	assert_int_equal(d->memory_bytes, 34359738368LL);
	assert_int_equal(d->attempts, 1);
	assert_int_equal(d->submitted_at, j->submitted_at);
	assert_int_equal(d->updated_at, j->updated_at);
	assert_int_equal(d->started_at, j->started_at);
	assert_int_equal(d->finished_at, 0);
	/* Encoding the decoded job gives the same JSON text. */
	o2 = api_job_encode(d);
	a = json_dumps(o, JSON_PRESERVE_ORDER);
	b = json_dumps(o2, JSON_PRESERVE_ORDER);
	assert_string_equal(a, b);
	free(a);
	free(b);
	json_decref(o);
	json_decref(o2);
	store_job_free(d);
	store_job_free(j);
}

static void
test_job_no_group(void **state)
{
	struct store_job *j = sample_job(), *d = NULL;
	json_t *o;
	char *cause = NULL;

	(void)state;
	free(j->group);
	j->group = NULL;
	j->finished_at = 1795940200000LL;
	j->state = STORE_SUCCEEDED;
	o = api_job_encode(j);
	assert_true(json_is_null(json_object_get(o, "group")));
	assert_int_equal(api_job_decode(o, &d, &cause), 0);
	assert_null(d->group);
	assert_int_equal(d->finished_at, j->finished_at);
	assert_int_equal(d->state, STORE_SUCCEEDED);
	json_decref(o);
	store_job_free(d);
	store_job_free(j);
}

/* A waiting job's estimated start: RFC 3339 UTC out, the same ms back;
 * anything but a time or null refused. */
static void
test_job_estimated_start(void **state)
{
	struct store_job *j = sample_job(), *d = NULL;
	json_t *o;
	char *cause = NULL;

	(void)state;
	j->state = STORE_QUEUED;
	j->est_start = 1795947250000LL;
	o = api_job_encode(j);
	assert_json_string(o, "estimated_start", "2026-11-29T10:14:10Z");
	assert_int_equal(api_job_decode(o, &d, &cause), 0);
	assert_int_equal(d->est_start, j->est_start);
	store_job_free(d);
	json_object_set_new(o, "estimated_start", json_integer(5));
	assert_int_equal(api_job_decode(o, &d, &cause), -1);
	assert_cause(cause, "'estimated_start'");
	json_decref(o);
	store_job_free(j);
}

static void
test_job_bad(void **state)
{
	struct store_job *d = NULL;
	json_t *o;
	char *cause = NULL;

	(void)state;
	o = json_pack("{s:I,s:s}", "id", (json_int_t)1, "name", "x");
	assert_int_equal(api_job_decode(o, &d, &cause), -1);
	assert_null(d);
	assert_cause(cause, "namespace");
	json_decref(o);
	o = json_string("nope");
	cause = NULL;
	assert_int_equal(api_job_decode(o, &d, &cause), -1);
	free(cause);
	json_decref(o);
}

static void
test_detail_round_trip(void **state)
{
	struct store_job *j = sample_job(), *d = NULL;
	struct store_event ev[2] = {
		{ 1795940000000LL, -1, STORE_QUEUED, (char *)"submitted" },
		{ 1795940050000LL, STORE_QUEUED, STORE_ADMITTED,
		  (char *)"admitted on RTX4090" },
	};
	struct store_replica rep[1] = { {
		.attempt = 1, .rank = 0, .node = (char *)"ailab-4090-03",
		.has_exit_code = true, .exit_code = 3,
		.reason = (char *)"Error", .log = (char *)"hello\n",
		.log_len = 6, .log_truncated = true,
		.archived_at = 1795940100000LL } };
	struct store_event *dev = NULL;
	struct store_replica *drep = NULL;
	size_t nev, nrep;
	json_t *o;
	char *cause = NULL;

	(void)state;
	o = api_job_detail_encode(j, ev, 2, rep, 1);
	if (api_job_detail_decode(o, &d, &dev, &nev, &drep, &nrep,
	    &cause) != 0)
		fail_msg("decode: %s", cause);
	assert_int_equal(nev, 2);
	assert_int_equal(dev[0].from, -1);
	assert_int_equal(dev[0].to, STORE_QUEUED);
	assert_int_equal(dev[0].at, ev[0].at);
	assert_string_equal(dev[0].reason, "submitted");
	assert_int_equal(dev[1].from, STORE_QUEUED);
	assert_int_equal(dev[1].to, STORE_ADMITTED);
	assert_string_equal(dev[1].reason, ev[1].reason);
	assert_int_equal(nrep, 1);
	assert_int_equal(drep[0].attempt, 1);
	assert_int_equal(drep[0].rank, 0);
	assert_string_equal(drep[0].node, "ailab-4090-03");
	assert_true(drep[0].has_exit_code);
	assert_int_equal(drep[0].exit_code, 3);
	assert_string_equal(drep[0].reason, "Error");
	assert_int_equal(drep[0].log_len, 6);
	assert_true(drep[0].log_truncated);
	assert_int_equal(drep[0].archived_at, rep[0].archived_at);
	assert_int_equal(d->id, 42);
	store_events_free(dev, nev);
	store_replicas_free(drep, nrep);
	store_job_free(d);
	store_job_free(j);
	json_decref(o);
}

static void
test_error_round_trip(void **state)
{
	struct api_error e;
	json_t *o;
	char *cause = NULL, *text;

	(void)state;
	o = api_error_encode(422, NULL, "spec.yaml does not validate");
	api_error_add_diagnostic(o, "spec.yaml:3:7: unknown field 'gpux'");
	api_error_add_diagnostic(o, "spec.yaml:9:1: missing 'image'");
	api_error_set_retry_after(o, 2);
	text = json_dumps(o, JSON_PRESERVE_ORDER | JSON_COMPACT);
	assert_non_null(strstr(text, "{\"error\":{\"code\":422,\"reason\":"
	    "\"Invalid\",\"message\":"));
	free(text);
	assert_int_equal(api_error_decode(o, &e, &cause), 0);
	assert_int_equal(e.code, 422);
	assert_string_equal(e.reason, "Invalid");
	assert_string_equal(e.message, "spec.yaml does not validate");
	assert_int_equal(e.ndiagnostics, 2);
	assert_string_equal(e.diagnostics[1], "spec.yaml:9:1: missing 'image'");
	assert_int_equal(e.retry_after, 2);
	api_error_release(&e);
	json_decref(o);
	assert_string_equal(api_reason_for_code(429), "TooManyRequests");
	assert_string_equal(api_reason_for_code(401), "Unauthorized");
	o = json_pack("{s:s}", "message", "x");
	assert_int_equal(api_error_decode(o, &e, &cause), -1);
	free(cause);
	api_error_release(&e);
	json_decref(o);
}

/* Text a client sent that is not UTF-8 never makes an encoder fail. */
static void
test_utf8(void **state)
{
	json_t *o;
	char *text;

	(void)state;
	assert_true(api_is_utf8("caf\xc3\xa9 \xf0\x9f\x98\x80", 10));
	assert_false(api_is_utf8("\xff\xfe", 2));
	assert_false(api_is_utf8("\xc3", 1));           /* cut in two */
	assert_false(api_is_utf8("\xc0\xaf", 2));       /* overlong */
	assert_false(api_is_utf8("\xed\xa0\x80", 3));   /* a surrogate */
	assert_false(api_is_utf8("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
	assert_int_equal(api_utf8_prefix("ab\xc3", 3), 2);
	o = api_error_encode(400, NULL, "unknown 'x\xc3' and \xff\xfe");
	assert_non_null(o);
	text = json_dumps(o, JSON_COMPACT);
	assert_non_null(strstr(text, "unknown 'x\xef\xbf\xbd' and "
	    "\xef\xbf\xbd\xef\xbf\xbd"));
	free(text);
	json_decref(o);
	o = api_action_item(1, false, "conflict", "\x80");
	assert_json_string(o, "message", "\xef\xbf\xbd");
	json_decref(o);
}

static void
test_members(void **state)
{
	static const char *const known[] = { "ids", "group", NULL };
	json_t *o;
	char *cause = NULL;

	(void)state;
	o = json_pack("{s:[i],s:s}", "ids", 1, "group", "g");
	assert_int_equal(api_check_members(o, known, &cause), 0);
	json_object_set_new(o, "owner", json_string("bob"));
	assert_int_equal(api_check_members(o, known, &cause), -1);
	assert_string_take(cause, "unknown field 'owner'");
	json_decref(o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_job_round_trip),
		cmocka_unit_test(test_job_no_group),
		cmocka_unit_test(test_job_estimated_start),
		cmocka_unit_test(test_job_bad),
		cmocka_unit_test(test_detail_round_trip),
		cmocka_unit_test(test_error_round_trip),
		cmocka_unit_test(test_members),
		cmocka_unit_test(test_utf8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
