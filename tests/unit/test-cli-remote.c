/* Unit tests of the queue server client's answer parsing (cli-remote.c,
 * cli-remote-http.c). */
#include "unit.h"
#include "api.h"
#include "cli-remote.h"
#include "kube.h"

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

/* An answer of kube's client as the operations read it: the text moves,
 * the log headers the API defines are picked out (names in any case,
 * values trimmed and bounded), the rest ignored. */
static void
test_resp_from(void **state)
{
	struct kube_response *kr = xcalloc(1, sizeof *kr);
	struct cli_remote_resp resp;
	char node[400];

	(void)state;
	memset(node, 'n', sizeof node - 1);
	node[sizeof node - 1] = '\0';
	kr->status = 200;
	kr->text = xstrdup("line 1\nline 2\n");
	kr->text_len = strlen(kr->text);
	kr->headers = xcalloc(6, sizeof *kr->headers);
	kr->headers[kr->nheaders++] = xstrdup("Content-Type: text/plain");
	kr->headers[kr->nheaders++] = xstrdup("x-ailab-log-source:   live");
	kr->headers[kr->nheaders++] = xstrdup("X-Ailab-Log-Pod: train-0");
	kr->headers[kr->nheaders++] = xstrdup("X-Ailab-Log-Attempt: 2");
	kr->headers[kr->nheaders++] = xstrdup("X-Ailab-Log-Truncated: true");
	kr->headers[kr->nheaders++] = xprintf("X-Ailab-Log-Node: %s", node);
	assert_string_equal(kube_response_header(kr, "content-type"),
	    "text/plain");
	assert_null(kube_response_header(kr, "X-Ailab-Log"));
	cli_remote_resp_from(kr, &resp);
	assert_null(kr->text);
	assert_int_equal(resp.status, 200);
	assert_int_equal(resp.len, 14);
	assert_string_equal(resp.body, "line 1\nline 2\n");
	assert_string_equal(resp.source, "live");
	assert_string_equal(resp.pod, "train-0");
	assert_string_equal(resp.attempt, "2");
	assert_string_equal(resp.truncated, "true");
	assert_int_equal(strlen(resp.node), sizeof resp.node - 1);
	cli_remote_resp_release(&resp);
	kube_response_free(kr);

	/* No body, no headers: nothing invented. */
	kr = xcalloc(1, sizeof *kr);
	kr->status = 404;
	cli_remote_resp_from(kr, &resp);
	assert_int_equal(resp.status, 404);
	assert_null(resp.body);
	assert_string_equal(resp.source, "");
	kube_response_free(kr);
}

/* A request that got no answer: one line naming the server and why, the
 * bound when the answer was too large, a credential's failure as it is. */
static void
test_transport_error(void **state)
{
	char too[] = "TooLarge", conn[] = "ConnectionFailed",
	    unauth[] = "Unauthorized";
	char big[] = "the response from 127.0.0.1 is larger than 10 bytes";
	char tls[] = "GET https://127.0.0.1:4443/v1/jobs: SSL certificate "
	    "problem: unable to get local issuer certificate (1 attempt)";
	char plugin[] = "exec plugin 'get-token' exited with status 1";
	struct kube_error e = { 0 };
	char *m;

	(void)state;
	e.reason = conn;
	e.message = tls;
	assert_string_take(cli_remote_transport_error("https://q.example:4443",
	    &e, 10), "cannot reach the queue server at "
	    "https://q.example:4443: GET https://127.0.0.1:4443/v1/jobs: SSL "
	    "certificate problem: unable to get local issuer certificate "
	    "(1 attempt)");
	e.reason = too;
	e.message = big;
	assert_string_take(cli_remote_transport_error("https://q.example", &e,
	    10), "the answer of the queue server at "
	    "https://q.example is larger than 10 bytes");
	e.code = 401;
	e.reason = unauth;
	e.message = plugin;
	assert_string_take(cli_remote_transport_error("https://q.example", &e,
	    10), plugin);
	m = cli_remote_transport_error("https://q.example", NULL, 10);
	assert_non_null(strstr(m, "https://q.example"));
	free(m);
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
		cmocka_unit_test(test_resp_from),
		cmocka_unit_test(test_transport_error),
		cmocka_unit_test(test_error_body),
		cmocka_unit_test(test_error_not_api),
		cmocka_unit_test(test_page),
		cmocka_unit_test(test_page_last_and_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
