/* Unit tests for the pure parts of server/server-rights.c and of the
 * listen address (server-http.c): which rights serve asks for, and the
 * URL and warning it prints. */
#include "unit.h"
#include "common.h"
#include "server.h"

/* The rights as "verb resource.group ns" lines, joined by '|'. */
static char *
rights_text(const struct server_config *c, bool schedule,
    const char *const *nss, size_t nns)
{
	struct server_right *v;
	char *s = xstrdup(""), *t, *one;
	size_t n, i;

	server_rights_needed(c, schedule, nss, nns, &v, &n);
	for (i = 0; i < n; i++) {
		one = server_right_string(&v[i]);
		t = xprintf("%s%s%s", s, *s != '\0' ? "|" : "", one);
		free(one);
		free(s);
		s = t;
	}
	server_rights_free(v, n);
	return s;
}

static void
test_needed(void **state)
{
	static const char *const nss[] = { "alice", "bob" };
	struct server_config c;
	char *cause = NULL, *s;

	(void)state;
	assert_int_equal(server_config_init(&c, NULL, &cause), 0);
	assert_string_take(rights_text(&c, false, NULL, 0),
	    "create tokenreviews.authentication.k8s.io "
	    "cluster-wide|create subjectaccessreviews.authorization.k8s.io "
	    "cluster-wide");
	s = rights_text(&c, true, NULL, 0);
	assert_non_null(strstr(s, "|list pods cluster-wide|watch pods "
	    "cluster-wide|list nodes cluster-wide|"));
	assert_non_null(strstr(s, "|watch resourcequotas cluster-wide|"));
	assert_non_null(strstr(s, "|update leases.coordination.k8s.io in "
	    "namespace 'default'|"));
	/* The workloads last, cluster-wide; never pods. */
	assert_non_null(strstr(s, "|create deployments.apps cluster-wide|"
	    "delete deployments.apps cluster-wide|create jobs.batch "
	    "cluster-wide|delete jobs.batch cluster-wide|create services "
	    "cluster-wide|delete services cluster-wide"));
	assert_null(strstr(s, "create pods"));
	assert_null(strstr(s, "impersonate"));
	free(s);
	/* Per namespace, in the order the namespaces come. */
	c.lease = false;
	c.mode = SERVER_MODE_IMPERSONATE;
	s = rights_text(&c, true, nss, 2);
	assert_null(strstr(s, "leases"));
	assert_non_null(strstr(s, "|impersonate users cluster-wide|"
	    "impersonate groups cluster-wide|"));
	assert_non_null(strstr(s, "|create deployments.apps in namespace "
	    "'alice'|"));
	assert_non_null(strstr(s, "|delete services in namespace 'alice'|"
	    "create deployments.apps in namespace 'bob'|"));
	assert_null(strstr(s, "deployments.apps cluster-wide"));
	free(s);
	server_config_release(&c);
}

static void
test_listen(void **state)
{
	(void)state;
	assert_true(server_listen_is_loopback("127.0.0.1:8443"));
	assert_true(server_listen_is_loopback("127.3.2.1:0"));
	assert_true(server_listen_is_loopback("[::1]:8443"));
	assert_true(server_listen_is_loopback("localhost:8443"));
	assert_false(server_listen_is_loopback("0.0.0.0:8443"));
	assert_false(server_listen_is_loopback("[::]:8443"));
	assert_false(server_listen_is_loopback("10.0.0.5:8443"));
	assert_false(server_listen_is_loopback("queue.example.org:8443"));
	assert_true(server_listen_is_any("0.0.0.0:1"));
	assert_true(server_listen_is_any("[::]:1"));
	assert_false(server_listen_is_any("10.0.0.5:1"));
	assert_string_take(server_listen_url("0.0.0.0:0", false, 4321,
	    "gpu-login"), "http://gpu-login:4321");
	assert_string_take(server_listen_url("[::]:0", true, 4321, NULL),
	    "https://[::]:4321");
	assert_string_take(server_listen_url("10.0.0.5:8443", true, 8443,
	    "gpu-login"), "https://10.0.0.5:8443");
	assert_string_take(server_listen_url("[fe80::1]:0", false, 80, "h"),
	    "http://[fe80::1]:80");
	assert_null(server_listen_url("nocolon", false, 1, NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_needed),
		cmocka_unit_test(test_listen),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
