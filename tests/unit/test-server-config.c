/* Unit tests for server/server-config.c: defaults, the file, the setter. */
#include "unit.h"
#include "common.h"
#include "server.h"

/* Writes text to a temporary file; the caller unlinks and frees it. */
static char *
write_tmp(const char *text)
{
	char *path = xstrdup("/tmp/test-server-config.XXXXXX");

	unit_write_tmp(path, text);
	return path;
}

/* Reads a config file of this text that must be good. */
static void
init_from(struct server_config *c, const char *text)
{
	char *cause = NULL, *path = write_tmp(text);

	if (server_config_init(c, path, &cause) != 0)
		fail_msg("'%s' refused: %s", text, cause);
	unlink(path);
	free(path);
}

/* A setting the setter must refuse, its cause saying want (if not NULL). */
static void
set_bad(struct server_config *c, const char *name, const char *value,
    const char *want)
{
	char *cause = NULL;

	if (server_config_set(c, name, value, &cause) != -1)
		fail_msg("%s=%s accepted", name, value);
	if (want != NULL && strstr(cause, want) == NULL)
		fail_msg("%s=%s: '%s' does not say '%s'", name, value, cause,
		    want);
	free(cause);
}

static void
test_defaults(void **state)
{
	struct server_config c;
	char *cause = NULL;

	(void)state;
	assert_int_equal(server_config_init(&c, NULL, &cause), 0);
	assert_string_equal(c.listen, "127.0.0.1:8443");
	assert_int_equal(c.mode, SERVER_MODE_ON_BEHALF);
	assert_int_equal(c.nadmin_groups, 1);
	assert_string_equal(c.admin_groups[0], "system:masters");
	assert_true(c.lease);
	assert_string_equal(c.lease_name, "ailab-queue-scheduler");
	assert_int_equal(c.lease_duration_s, 15);
	assert_int_equal(c.user_max_queued, -1);
	assert_int_equal(c.header_timeout_s, 10);
	assert_int_equal(c.body_timeout_s, 30);
	assert_int_equal(c.max_connections_per_address, 128);
	assert_int_equal(c.token_cache_entries, 10000);
	assert_int_equal(c.auth_fail_burst, 20);
	assert_int_equal(c.parse_workers, 2);
	assert_int_equal(c.parse_timeout_ms, 10000);
	assert_int_equal(c.parse_queue, 64);
	assert_int_equal(c.parse_queue_per_user, 16);
	server_config_release(&c);
}

/* The hardening settings (issue 18): deadlines, caps, budgets. */
static void
test_hardening(void **state)
{
	struct server_config c;

	(void)state;
	init_from(&c, "header_timeout: 5s\n"
	    "body_timeout: 1m\n"
	    "max_connections_per_address: 8\n"
	    "token_cache_entries: 50\n"
	    "auth_fail_rate: 0.5\n"
	    "auth_fail_burst: 3\n"
	    "parse_workers: 4\n"
	    "parse_timeout: 250ms\n"
	    "parse_queue: 0\n"
	    "parse_queue_per_user: 2\n");
	assert_int_equal(c.header_timeout_s, 5);
	assert_int_equal(c.body_timeout_s, 60);
	assert_int_equal(c.max_connections_per_address, 8);
	assert_int_equal(c.token_cache_entries, 50);
	assert_true(c.auth_fail_rate == 0.5);
	assert_int_equal(c.auth_fail_burst, 3);
	assert_int_equal(c.parse_workers, 4);
	assert_int_equal(c.parse_timeout_ms, 250);
	assert_int_equal(c.parse_queue, 0);
	assert_int_equal(c.parse_queue_per_user, 2);
	set_bad(&c, "parse_workers", "0", NULL);
	set_bad(&c, "parse_timeout", "0.1ms", NULL);
	set_bad(&c, "auth_fail_rate", "nan", NULL);
	set_bad(&c, "header_timeout", "0s", NULL);
	server_config_release(&c);
}

/* A slow cluster: how long a request waits for it, and how long cached
 * answers stand in for it. */
static void
test_slow_cluster(void **state)
{
	struct server_config c;
	char *cause = NULL;

	(void)state;
	assert_int_equal(server_config_init(&c, NULL, &cause), 0);
	assert_int_equal(c.review_timeout_s, 10);
	assert_int_equal(c.token_grace_s, 600);
	assert_int_equal(c.token_ttl_s, 60);
	server_config_release(&c);
	init_from(&c, "review_timeout: 2s\n"
	    "token_cache: 30s\n"
	    "token_cache_grace: 1h\n");
	assert_int_equal(c.review_timeout_s, 2);
	assert_int_equal(c.token_ttl_s, 30);
	assert_int_equal(c.token_grace_s, 3600);
	assert_int_equal(server_config_set(&c, "token_cache_grace", "0",
	    &cause), 0);
	assert_int_equal(c.token_grace_s, 0);
	set_bad(&c, "review_timeout", "0s", "review_timeout");
	set_bad(&c, "review_timeout", "6m", NULL);
	set_bad(&c, "token_cache_grace", "2d", NULL);
	assert_int_equal(c.review_timeout_s, 2);
	server_config_release(&c);
}

static void
test_file(void **state)
{
	struct server_config c;
	char *cause = NULL;

	(void)state;
	init_from(&c, "listen: 0.0.0.0:9443\n"
	    "mode: on-behalf\n"
	    "admin_groups: [ailab-admins, system:masters]\n"
	    "ta_groups:\n"
	    "  ml101-tas: [ml101, ml102]\n"
	    "rate: 5\n"
	    "burst: 10\n"
	    "timeout: 1m\n"
	    "lease_namespace: ailab-queue\n"
	    "lease_duration: 30s\n"
	    "user_max_queued: 500\n");
	assert_string_equal(c.listen, "0.0.0.0:9443");
	assert_int_equal(c.nadmin_groups, 2);
	assert_string_equal(c.admin_groups[0], "ailab-admins");
	assert_int_equal(c.ntas, 1);
	assert_string_equal(c.tas[0].group, "ml101-tas");
	assert_int_equal(c.tas[0].n, 2);
	assert_string_equal(c.tas[0].namespaces[1], "ml102");
	assert_true(c.rate == 5.0);
	assert_int_equal(c.burst, 10);
	assert_int_equal(c.timeout_s, 60);
	assert_string_equal(c.lease_namespace, "ailab-queue");
	assert_int_equal(c.lease_duration_s, 30);
	assert_int_equal(c.user_max_queued, 500);
	assert_int_equal(server_config_set(&c, "ta", "ml101-tas=ml103",
	    &cause), 0);
	assert_int_equal(c.tas[0].n, 3);
	server_config_release(&c);
}

/* A config file that must fail with exactly this message after its path. */
static void
file_bad(const char *text, const char *want)
{
	struct server_config c;
	char *cause = NULL, *path, *full;

	path = write_tmp(text);
	if (server_config_init(&c, path, &cause) == 0)
		fail_msg("'%s' accepted", text);
	full = xprintf("%s%s", path, want);
	if (cause == NULL || strcmp(cause, full) != 0)
		fail_msg("got '%s', want '%s'", cause, full);
	free(full);
	free(cause);
	server_config_release(&c);
	unlink(path);
	free(path);
}

/* A config file that must fail, its cause saying a and b (if not NULL). */
static void
file_says(const char *text, const char *a, const char *b)
{
	struct server_config c;
	char *cause = NULL, *path = write_tmp(text);

	if (server_config_init(&c, path, &cause) == 0)
		fail_msg("'%s' accepted", text);
	if (strstr(cause, a) == NULL || (b != NULL && strstr(cause, b) == NULL))
		fail_msg("'%s': got '%s', want '%s' and '%s'", text, cause, a,
		    b != NULL ? b : "");
	free(cause);
	server_config_release(&c);
	unlink(path);
	free(path);
}

/* The file goes through the common YAML reader: every error at
 * FILE:LINE:COL, the value's place when the value is wrong. */
static void
test_file_marks(void **state)
{
	(void)state;
	file_bad("listen: 127.0.0.1:1\nta_groups:\n  tas: cs101\n",
	    ":3:8: wrong kind of value for 'ta_groups'");
	file_bad("ta_groups:\n  tas: [cs101, [x]]\n",
	    ":2:16: wrong kind of value for 'ta_groups'");
	file_bad("priority_groups:\n  tas: top\n",
	    ":2:8: invalid value for 'priority_groups': 'top' (low, "
	    "normal, high or an integer from 0 to 1000)");
	file_bad("admin_groups: [a, {b: c}]\n",
	    ":1:15: wrong kind of value for 'admin_groups'");
	file_bad("burst: 1\nburst: 2\n", ":2:1: duplicate key 'burst'");
	file_bad("burst: *x\n", ":1:8: unknown anchor 'x' (an alias must "
	    "follow its anchor in the same document)");
	file_bad("- listen\n", ":1:1: the configuration is a mapping of "
	    "settings");
	file_bad("listen: [\n", ":2:1: not valid YAML: did not find "
	    "expected node content");
}

static void
test_errors(void **state)
{
	struct server_config c;
	char *cause = NULL;

	(void)state;
	file_says("listen: 127.0.0.1:1\nburst: lots\n", ":2:", "burst");
	file_says("listne: 127.0.0.1:1\n", "unknown setting 'listne'", NULL);
	assert_int_equal(server_config_init(&c, NULL, &cause), 0);
	set_bad(&c, "mode", "root", NULL);
	set_bad(&c, "ta", "nogroup", NULL);
	set_bad(&c, "lease_duration", "1s", NULL);
	server_config_release(&c);
}

/* Who may jump the queue: the default, groups and users allowed more,
 * from the file and the setter, and refusals naming the key. */
static void
test_priority(void **state)
{
	static const char *const students[] = { "students",
	    "system:authenticated" };
	static const char *const staff[] = { "staff" };
	struct server_config c;
	char *cause = NULL;

	(void)state;
	assert_int_equal(server_config_init(&c, NULL, &cause), 0);
	assert_int_equal(c.priority_max, 500);
	assert_int_equal(server_config_priority_max(&c, "bob", students, 2),
	    500);
	server_config_release(&c);

	init_from(&c, "priority_max: low\n"
	    "priority_groups:\n  staff: high\n  user:alice: 900\n"
	    "  students: 100\n");
	assert_int_equal(c.priority_max, 250);
	/* A group allowed less than everyone does not lower the limit. */
	assert_int_equal(server_config_priority_max(&c, "bob", students, 2),
	    250);
	assert_int_equal(server_config_priority_max(&c, "bob", staff, 1),
	    750);
	assert_int_equal(server_config_priority_max(&c, "alice", staff, 1),
	    900);
	/* "user:" names a user, never a group of that name. */
	assert_int_equal(server_config_priority_max(&c, "carol",
	    (const char *const[]){ "user:alice" }, 1), 250);
	assert_int_equal(server_config_set(&c, "priority_groups", "staff=1000",
	    &cause), 0);
	assert_int_equal(server_config_priority_max(&c, "bob", staff, 1),
	    1000);
	set_bad(&c, "priority_max", "urgent", "'priority_max'");
	set_bad(&c, "priority_groups", "staff=1001", NULL);
	set_bad(&c, "priority_groups", "=10", NULL);
	server_config_release(&c);
	file_says("priority_groups:\n  staff: [1]\n", ":2:", NULL);
}

/* A value each setting accepts, other than its default. */
static char *
sample(const struct server_setting *st)
{
	switch (st->type) {
	case SERVER_SET_INT:
		return xprintf("%lld", st->max);
	case SERVER_SET_SECONDS:
		return xprintf("%llds", st->max);
	case SERVER_SET_MS:
		return xprintf("%lldms", st->max);
	case SERVER_SET_RATE:
		return xstrdup("5.5");
	case SERVER_SET_BOOL:
		return xstrdup("false");
	case SERVER_SET_MODE:
		return xstrdup("impersonate");
	case SERVER_SET_PRIORITY:
		return xstrdup("high");
	case SERVER_SET_GROUPS:
		return xstrdup("g1,g2");
	case SERVER_SET_TA:
		return xstrdup("g=ns1,ns2");
	case SERVER_SET_PRIORITIES:
		return xstrdup("g=high");
	default:
		return xstrdup("some/text");
	}
}

/* The same setting by the setter and by the file: the same fields. */
static void
same_by_file_and_setter(const struct server_setting *st)
{
	struct server_config a, b;
	char *v = sample(st), *text, *path, *cause = NULL;
	const char *eq = strchr(v, '=');

	if (st->type == SERVER_SET_TA)
		text = xprintf("%s:\n  g: [ns1, ns2]\n", st->name);
	else if (st->type == SERVER_SET_PRIORITIES)
		text = xprintf("%s:\n  g: high\n", st->name);
	else
		text = xprintf("%s: \"%s\"\n", st->name, v);
	path = write_tmp(text);
	assert_int_equal(server_config_init(&a, NULL, &cause), 0);
	assert_int_equal(server_config_set(&a, st->name, v, &cause), 0);
	if (server_config_init(&b, path, &cause) != 0)
		fail_msg("%s: %s", st->name, cause);
	switch (st->type) {
	case SERVER_SET_STRING:
	case SERVER_SET_PATH:
		assert_string_equal(*(char **)((char *)&a + st->offset), v);
		assert_string_equal(*(char **)((char *)&b + st->offset), v);
		break;
	case SERVER_SET_GROUPS:
		/* The default group is added only when none is given. */
		assert_int_equal(b.nadmin_groups, 2);
		assert_string_equal(b.admin_groups[0], "g1");
		assert_string_equal(a.admin_groups[a.nadmin_groups - 1], "g2");
		break;
	case SERVER_SET_TA:
		assert_int_equal(a.ntas, 1);
		assert_int_equal(b.ntas, 1);
		assert_int_equal(b.tas[0].n, 2);
		assert_string_equal(b.tas[0].namespaces[1], "ns2");
		break;
	case SERVER_SET_PRIORITIES:
		assert_non_null(eq);
		assert_int_equal(b.npriorities, 1);
		assert_int_equal(a.priorities[0].max, 750);
		assert_int_equal(b.priorities[0].max, 750);
		break;
	default:
		if (memcmp((char *)&a + st->offset, (char *)&b + st->offset,
		    st->size) != 0)
			fail_msg("%s: the file and the setter differ",
			    st->name);
		server_config_release(&a);
		assert_int_equal(server_config_init(&a, NULL, &cause), 0);
		if (memcmp((char *)&a + st->offset, (char *)&b + st->offset,
		    st->size) == 0)
			fail_msg("%s: the sample is the default", st->name);
	}
	server_config_release(&a);
	server_config_release(&b);
	unlink(path);
	free(path);
	free(text);
	free(v);
}

/* Every setting of the table: its default parses and is what people read,
 * bounds are refused, and the file and the setter agree. */
static void
test_table(void **state)
{
	const struct server_setting *t;
	struct server_config c;
	char *cause = NULL, *md, *v;
	size_t i, n, rows = 0;

	(void)state;
	t = server_settings(&n);
	assert_true(n >= 30);
	for (i = 0; i < n; i++) {
		assert_ptr_equal(server_setting_find(t[i].name), &t[i]);
		assert_non_null(t[i].shown);
		assert_non_null(t[i].help);
		if (t[i].def != NULL &&
		    strncmp(t[i].shown, t[i].def, strlen(t[i].def)) != 0)
			fail_msg("%s: default '%s' shown as '%s'", t[i].name,
			    t[i].def, t[i].shown);
		if (t[i].type == SERVER_SET_INT) {
			assert_int_equal(server_config_init(&c, NULL, &cause),
			    0);
			v = xprintf("%lld", t[i].max + 1);
			set_bad(&c, t[i].name, v, "an integer from");
			free(v);
			server_config_release(&c);
		}
		same_by_file_and_setter(&t[i]);
	}
	md = server_settings_markdown();
	for (v = md; (v = strchr(v, '\n')) != NULL; v++)
		rows++;
	assert_int_equal(rows, n + 2);
	free(md);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_file_marks),
		cmocka_unit_test(test_hardening),
		cmocka_unit_test(test_slow_cluster),
		cmocka_unit_test(test_priority),
		cmocka_unit_test(test_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
