/* Unit tests for server/server-metrics.c: the class of a waiting job's
 * reason, on the sentences the scheduler writes (sched-policy-visit.c). */
#include "unit.h"
#include "common.h"
#include "server.h"

static void
test_classify(void **state)
{
	static const struct {
		bool held;
		const char *reason;
		enum server_wait_class want;
	} cases[] = {
		{ true, "quota quota-cpu-mem-gpu-pvc: needs 2 GPUs",
		    SERVER_WAIT_HELD },
		{ false, "held", SERVER_WAIT_HELD },
		{ false, NULL, SERVER_WAIT_OTHER },
		{ false, "", SERVER_WAIT_OTHER },
		{ false, "quota quota-cpu-mem-gpu-pvc: needs 4 GPUs, 2 of 4 "
		    "used", SERVER_WAIT_QUOTA },
		{ false, "group sweep-1 max_running 2 reached",
		    SERVER_WAIT_QUOTA },
		{ false, "RTX4090: user limit, bob holds 16 of 16 GPUs, "
		    "needs 2",
		    SERVER_WAIT_QUOTA },
		{ false, "RTX4090: needs 24 GPUs, user limit 16 (can never "
		    "fit)",
		    SERVER_WAIT_QUOTA },
		{ false, "waiting for job 12 (after)", SERVER_WAIT_DEPENDENCY },
		{ false, "after: 'x' is not one of your jobs",
		    SERVER_WAIT_DEPENDENCY },
		{ false, "dependency job 7 did not succeed",
		    SERVER_WAIT_DEPENDENCY },
		{ false, "reserved on RTX4090, expected start "
		    "2026-12-04T12:00Z; RTX4090: needs 1 node with 4 free, "
		    "best has 2",
		    SERVER_WAIT_RESERVATION },
		{ false, "RTX4090: reserved for job 3 (RTX4090) from 12:00",
		    SERVER_WAIT_RESERVATION },
		{ false, "RTX4090: needs 1 node with 4 free, best has 2",
		    SERVER_WAIT_CAPACITY },
		{ false, "RTX4090: needs 2 nodes with 8 free, room for 1, best "
		    "has 8; RTX3090: needs 2 nodes with 8 free, room for 0, "
		    "best has 4", SERVER_WAIT_CAPACITY },
		{ false, "no start expected within the window; RTX3090: "
		    "needs 1 node with 8 free, best has 0",
		    SERVER_WAIT_CAPACITY },
		{ false, "cpu: needs 1 node with 64 CPU and 1Ti memory free, "
		    "room for 0", SERVER_WAIT_CAPACITY },
		{ false, "needs 2 GPUs per replica, none of the 3 nodes has a "
		    "GPU (can never fit)", SERVER_WAIT_CAPACITY },
		{ false, "RTX4090: judged full at 8 GPUs of ours until 12:00",
		    SERVER_WAIT_CAPACITY },
		{ false, "retry backoff until 12:00 (in 30s)",
		    SERVER_WAIT_OTHER },
		{ false, "not tried this pass: 500 jobs before it",
		    SERVER_WAIT_OTHER },
		{ false, "invalid request: 3 replicas of 9 GPUs",
		    SERVER_WAIT_OTHER },
	};
	size_t i;

	(void)state;
	for (i = 0; i < nitems(cases); i++) {
		if (server_wait_classify(cases[i].held, cases[i].reason) !=
		    cases[i].want)
			fail_msg("'%s': %s, want %s", cases[i].reason != NULL ?
			    cases[i].reason : "(null)", server_wait_class_name(
			    server_wait_classify(cases[i].held,
			    cases[i].reason)),
			    server_wait_class_name(cases[i].want));
	}
	assert_string_equal(server_wait_class_name(SERVER_WAIT_RESERVATION),
	    "reservation");
	assert_string_equal(server_wait_class_name(SERVER_WAIT_NCLASSES),
	    "other");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
