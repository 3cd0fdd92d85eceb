/* Unit tests of the queue server client's answer parsing (cli-remote.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api.h"
#include "cli-remote.h"

/* Usage-type refusals exit 2, everything else 1. */
static void
test_exit_status(void **state)
{
	(void)state;
	assert_int_equal(cli_remote_exit_status(400), CLI_EXIT_USAGE);
	assert_int_equal(cli_remote_exit_status(422), CLI_EXIT_USAGE);
	assert_int_equal(cli_remote_exit_status(413), CLI_EXIT_USAGE);
	assert_int_equal(cli_remote_exit_status(401), CLI_EXIT_FAIL);
	assert_int_equal(cli_remote_exit_status(403), CLI_EXIT_FAIL);
	assert_int_equal(cli_remote_exit_status(404), CLI_EXIT_FAIL);
	assert_int_equal(cli_remote_exit_status(500), CLI_EXIT_FAIL);
}

/* Retry-After in seconds; HTTP dates and junk are not seconds. */
static void
test_retry_after(void **state)
{
	(void)state;
	assert_int_equal(cli_remote_retry_after("3"), 3);
	assert_int_equal(cli_remote_retry_after("0"), 0);
	assert_int_equal(cli_remote_retry_after("Wed, 21 Oct 2026 07:28:00 GMT"),
	    -1);
	assert_int_equal(cli_remote_retry_after("-1"), -1);
	assert_int_equal(cli_remote_retry_after("5x"), -1);
	assert_int_equal(cli_remote_retry_after("99999999999999999999"), -1);
	assert_int_equal(cli_remote_retry_after(""), -1);
	assert_int_equal(cli_remote_retry_after(NULL), -1);
}

/* The API's error body gives the message and the diagnostics. */
static void
test_error_body(void **state)
{
	const char *body = "{\"error\": {\"code\": 422, \"reason\": \"Invalid\","
	    " \"message\": \"the spec does not validate\", \"diagnostics\": "
	    "[\"a.yaml:3:1: unknown key 'bogus'\"]}}";
	struct api_error e;

	(void)state;
	memset(&e, 0, sizeof e);
	cli_remote_parse_error(422, body, strlen(body), &e);
	assert_int_equal(e.code, 422);
	assert_string_equal(e.reason, "Invalid");
	assert_string_equal(e.message, "the spec does not validate");
	assert_int_equal(e.ndiagnostics, 1);
	assert_string_equal(e.diagnostics[0], "a.yaml:3:1: unknown key 'bogus'");
	api_error_release(&e);
}

/* A proxy's page or nothing at all still gives one line. */
static void
test_error_not_api(void **state)
{
	const char *html = "<html>bad gateway</html>\r\nmore";
	struct api_error e;

	(void)state;
	memset(&e, 0, sizeof e);
	cli_remote_parse_error(502, html, strlen(html), &e);
	assert_int_equal(e.code, 502);
	assert_string_equal(e.message,
	    "the queue server answered 502: <html>bad gateway</html>");
	assert_null(strchr(e.message, '\n'));
	api_error_release(&e);
	memset(&e, 0, sizeof e);
	cli_remote_parse_error(503, NULL, 0, &e);
	assert_string_equal(e.message, "the queue server answered 503");
	assert_string_equal(e.reason, "Unavailable");
	api_error_release(&e);
}

/* A page of jobs and its continue token. */
static void
test_page(void **state)
{
	const char *body = "{\"items\": [{\"id\": 12, \"name\": \"a\", "
	    "\"state\": \"queued\", \"namespace\": \"alice\", \"owner\": "
	    "\"alice\", \"group\": null, \"reason\": \"\", \"priority\": 500, "
	    "\"gpu\": {\"type\": \"RTX4090\", \"count\": 2}, \"replicas\": 1, "
	    "\"cpu_milli\": 8000, \"memory_bytes\": 1024, \"attempts\": 0, "
	    "\"cancel_requested\": false, \"cleaned\": false, "
	    "\"submitted_at\": \"2026-11-29T08:30:00Z\", \"updated_at\": "
	    "\"2026-11-29T08:30:00Z\", \"exit_code\": 3, \"run_gpu_type\": "
	    "\"RTX4090\", \"spec\": {\"name\": \"a\"}}], \"continue\": \"12\"}";
	struct store_job **jobs;
	size_t n;
	char *next, *cause = NULL;

	(void)state;
	assert_int_equal(cli_remote_parse_page(body, strlen(body), &jobs, &n,
	    &next, &cause), 0);
	assert_int_equal(n, 1);
	assert_int_equal(jobs[0]->id, 12);
	assert_string_equal(jobs[0]->gpu_type, "RTX4090");
	assert_int_equal(jobs[0]->gpu_count, 2);
	assert_true(jobs[0]->has_exit_code);
	assert_int_equal(jobs[0]->exit_code, 3);
	assert_string_equal(jobs[0]->run_gpu_type, "RTX4090");
	assert_null(jobs[0]->group);
	assert_string_equal(next, "12");
	store_jobs_free(jobs, n);
	free(next);
}

/* The last page has no token; broken answers are refused with a cause. */
static void
test_page_last_and_bad(void **state)
{
	const char *last = "{\"items\": []}";
	const char *bad[] = { "{\"items\": 3}", "not json",
	    "{\"items\": [{\"id\": 1}]}" };
	struct store_job **jobs;
	size_t n, i;
	char *next, *cause = NULL;

	(void)state;
	assert_int_equal(cli_remote_parse_page(last, strlen(last), &jobs, &n,
	    &next, &cause), 0);
	assert_int_equal(n, 0);
	assert_null(next);
	store_jobs_free(jobs, n);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cause = NULL;
		assert_int_equal(cli_remote_parse_page(bad[i], strlen(bad[i]),
		    &jobs, &n, &next, &cause), -1);
		assert_non_null(cause);
		assert_null(next);
		free(cause);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_status),
		cmocka_unit_test(test_retry_after),
		cmocka_unit_test(test_error_body),
		cmocka_unit_test(test_error_not_api),
		cmocka_unit_test(test_page),
		cmocka_unit_test(test_page_last_and_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
