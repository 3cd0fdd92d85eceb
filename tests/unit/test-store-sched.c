/* Unit tests for the scheduler's bulk store calls: one read of the queue,
 * specs and spec fields by id, counts, many transitions at once. */
#include "unit.h"
#include "store.h"
#include "store-fixture.h"
#include "common.h"

struct fixture {
	struct store_fixture q;
	int64_t ids[6];
};

#define SPEC(n) "{\"n\":" #n ",\"gpu\":{\"any\":false,\"types\":" \
	"[\"RTX4090D\",\"RTX4090\"]},\"after\":[],\"timeout_s\":" #n "00}"

/* A queue of six jobs: 1-4 queued, 5 admitted, 6 succeeded and cleaned. */
static int
setup(void **state)
{
	static const char *const specs[] = { SPEC(1), SPEC(2), SPEC(3),
		SPEC(4), SPEC(5), SPEC(6) };
	struct fixture *f = xcalloc(1, sizeof *f);
	struct store_job_new j[6];
	char *cause = NULL;
	size_t i;

	if (store_fixture_open(&f->q, "queue.db") != 0)
		return -1;
	store_fixture_jobs(j, 6);
	for (i = 0; i < 6; i++) {
		j[i].owner = i < 3 ? "alice" : "bob";
		j[i].group = i < 2 ? "sweep" : NULL;
		j[i].spec_json = specs[i];
	}
	if (store_submit(f->q.s, j, 6, f->ids, &cause) != 0 ||
	    store_transition(f->q.s, f->ids[4], 0, STORE_ADMITTED, "a",
	    &cause) != 0 ||
	    store_transition(f->q.s, f->ids[5], 0, STORE_ADMITTED, "a",
	    &cause) != 0 ||
	    store_transition(f->q.s, f->ids[5], 0, STORE_RUNNING, "r",
	    &cause) != 0 ||
	    store_transition(f->q.s, f->ids[5], 0, STORE_SUCCEEDED, "s",
	    &cause) != 0 ||
	    store_set_cleaned(f->q.s, f->ids[5], &cause) != 0) {
		fprintf(stderr, "%s\n", cause);
		return -1;
	}
	*state = f;
	return 0;
}

/* Asks for the spec text of active jobs only. */
static bool
want_active(const struct store_job *j, void *arg)
{
	(*(int *)arg)++;
	return store_state_is_active(j->state);
}

/* One read: waiting and active jobs (not the cleaned one), in id order,
 * spec text only where asked. */
static void
test_sched_jobs(void **state)
{
	struct fixture *f = *state;
	struct store_job **jobs = NULL;
	char *cause = NULL;
	size_t n = 0, i;
	int asked = 0;

	assert_int_equal(store_sched_jobs(f->q.s, want_active, &asked, &jobs,
	    &n, &cause), 0);
	assert_int_equal(n, 5);
	assert_int_equal(asked, 5);
	for (i = 0; i < n; i++)
		assert_int_equal(jobs[i]->id, f->ids[i]);
	assert_null(jobs[0]->spec_json);
	assert_string_equal(jobs[0]->group, "sweep");
	assert_null(jobs[2]->group);
	assert_int_equal(jobs[4]->state, STORE_ADMITTED);
	assert_string_equal(jobs[4]->spec_json, SPEC(5));
	store_jobs_free(jobs, n);
	assert_int_equal(store_sched_jobs(f->q.s, NULL, NULL, &jobs, &n,
	    &cause), 0);
	assert_string_equal(jobs[0]->spec_json, SPEC(1));
	store_jobs_free(jobs, n);
}

/* Specs and spec fields of several jobs in one query each. */
static void
test_specs_and_fields(void **state)
{
	static const char *const paths[] = { "$.timeout_s", "$.gpu.types",
		"$.gpu.any", "$.missing", "$.after" };
	struct fixture *f = *state;
	int64_t ids[3] = { f->ids[1], f->ids[3], 999 };
	char **v = NULL, *cause = NULL;
	size_t i;

	assert_int_equal(store_specs(f->q.s, ids, 3, &v, &cause), 0);
	assert_string_equal(v[0], SPEC(2));
	assert_string_equal(v[1], SPEC(4));
	assert_null(v[2]);
	for (i = 0; i < 3; i++)
		free(v[i]);
	free(v);

	assert_int_equal(store_spec_fields(f->q.s, ids, 3, paths, 5, &v,
	    &cause), 0);
	assert_string_equal(v[0], "200");
	assert_string_equal(v[1], "[\"RTX4090D\",\"RTX4090\"]");
	assert_string_equal(v[2], "0");
	assert_null(v[3]);
	assert_string_equal(v[4], "[]");
	assert_string_equal(v[5], "400");
	for (i = 10; i < 15; i++)
		assert_null(v[i]);
	for (i = 0; i < 15; i++)
		free(v[i]);
	free(v);
}

/* Counts per state, and the ended jobs not cleaned. */
static void
test_count(void **state)
{
	struct fixture *f = *state;
	struct store_counts c;
	char *cause = NULL;

	assert_int_equal(store_count(f->q.s, &c, &cause), 0);
	assert_int_equal(c.n[STORE_QUEUED], 4);
	assert_int_equal(c.n[STORE_ADMITTED], 1);
	assert_int_equal(c.n[STORE_SUCCEEDED], 1);
	assert_int_equal(c.uncleaned, 0);
	store_fixture_move(f->q.s, f->ids[0], STORE_CANCELLED, "c");
	store_fixture_move(f->q.s, f->ids[4], STORE_FAILED, "f");
	assert_int_equal(store_count(f->q.s, &c, &cause), 0);
	assert_int_equal(c.n[STORE_QUEUED], 3);
	/* Never ran: nothing to clean; the admitted one has objects. */
	assert_int_equal(c.uncleaned, 1);
}

/* Many transitions in one transaction: each checked on its own. */
static void
test_transitions(void **state)
{
	struct fixture *f = *state;
	struct store_change chg = { .run_gpu_type = "RTX4090D" };
	struct store_move mv[4];
	struct store_event *ev = NULL;
	struct store_job *j = NULL;
	char *cause = NULL;
	size_t n = 0;

	memset(mv, 0, sizeof mv);
	mv[0] = (struct store_move){ .id = f->ids[0],
	    .from = STORE_STATE_BIT(STORE_QUEUED), .to = STORE_ADMITTED,
	    .reason = "admitted on RTX4090D", .chg = &chg };
	mv[1] = (struct store_move){ .id = f->ids[5],
	    .from = STORE_STATE_BIT(STORE_QUEUED), .to = STORE_ADMITTED,
	    .reason = "x" };
	mv[2] = (struct store_move){ .id = 12345, .to = STORE_FAILED,
	    .reason = "x" };
	mv[3] = (struct store_move){ .id = f->ids[1], .to = STORE_FAILED,
	    .reason = "never fits" };
	assert_int_equal(store_transitions(f->q.s, mv, 4, &cause), 0);
	assert_int_equal(mv[0].result, 0);
	assert_null(mv[0].cause);
	assert_int_equal(mv[1].result, -1);
	assert_non_null(strstr(mv[1].cause, "is succeeded"));
	assert_int_equal(mv[2].result, -1);
	assert_string_equal(mv[2].cause, "job 12345 not found");
	assert_int_equal(mv[3].result, 0);
	free(mv[1].cause);
	free(mv[2].cause);

	assert_int_equal(store_get(f->q.s, f->ids[0], &j, &cause), 0);
	assert_int_equal(j->state, STORE_ADMITTED);
	assert_int_equal(j->attempts, 1);
	assert_string_equal(j->run_gpu_type, "RTX4090D");
	store_job_free(j);
	assert_int_equal(store_events(f->q.s, f->ids[0], &ev, &n, &cause), 0);
	assert_int_equal(n, 2);
	assert_string_equal(ev[1].reason, "admitted on RTX4090D");
	store_events_free(ev, n);
	assert_int_equal(store_get(f->q.s, f->ids[1], &j, &cause), 0);
	assert_int_equal(j->state, STORE_FAILED);
	store_job_free(j);
	assert_int_equal(store_transitions(f->q.s, mv, 0, &cause), 0);
}

/* Usage of many owners in one transaction. */
static void
test_usage_many(void **state)
{
	struct fixture *f = *state;
	struct store_usage in[2] = { { (char *)"alice", 1e6, 10 },
		{ (char *)"bob", 2e6, 20 } }, *u = NULL;
	char *cause = NULL;
	size_t n = 0;

	assert_int_equal(store_usage_set_many(f->q.s, in, 2, &cause), 0);
	in[0].gpu_ms = 3e6;
	assert_int_equal(store_usage_set_many(f->q.s, in, 1, &cause), 0);
	assert_int_equal(store_usage_list(f->q.s, &u, &n, &cause), 0);
	assert_int_equal(n, 2);
	assert_true(u[0].gpu_ms == 3e6 && u[1].gpu_ms == 2e6 &&
	    u[1].at == 20);
	store_usage_free(u, n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		store_fixture_test_with(test_sched_jobs, setup),
		store_fixture_test_with(test_specs_and_fields, setup),
		store_fixture_test_with(test_count, setup),
		store_fixture_test_with(test_transitions, setup),
		store_fixture_test_with(test_usage_many, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
