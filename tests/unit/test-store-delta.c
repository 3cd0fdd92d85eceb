/* Unit tests for the scheduler's delta read (store-delta.c): the whole
 * queue once, then only what any connection inserted, changed or deleted
 * since, with the scheduler's own reason writes left out. */
#include "unit.h"
#include "store.h"
#include "store-fixture.h"
#include "store-int.h"
#include "common.h"

struct fixture {
	struct store_fixture q;             /* the scheduler's connection */
	struct store *t;             /* another process's */
	int64_t ids[4];
};

/* Submits n one-GPU jobs through a connection. */
static void
submit(struct store *s, size_t n, int64_t *ids)
{
	struct store_job_new j[8];
	char *cause = NULL;

	store_fixture_jobs(j, n);
	assert_int_equal(store_submit(s, j, n, ids, &cause), 0);
}

/* Two connections to one new queue, four jobs queued by the second. */
static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	char *cause = NULL;

	if (store_fixture_open(&f->q, "queue.db") != 0)
		return -1;
	if (store_open(f->q.path, &f->t, &cause) != 0) {
		fprintf(stderr, "%s\n", cause);
		return -1;
	}
	submit(f->t, 4, f->ids);
	*state = f;
	return 0;
}

/* Both connections, the queue and its directory gone. */
static int
teardown(void **state)
{
	struct fixture *f = *state;
	int rc;

	store_close(f->t);
	rc = store_fixture_close(&f->q);
	free(f);
	return rc;
}

/* One delta read through the scheduler's connection. */
static void
changes(struct fixture *f, struct store_cursor *c, struct store_job ***jobs,
    size_t *n, int64_t **gone, size_t *ngone)
{
	char *cause = NULL;

	if (store_sched_changes(f->q.s, c, NULL, NULL, jobs, n, gone, ngone,
	    &cause) != 0)
		fail_msg("%s", cause);
}

/* How many deletions the queue keeps for its reader. */
static int
count_gone(struct store *s)
{
	return store_fixture_int(s, "SELECT count(*) FROM jobs_gone");
}

/* The first read is the whole queue; a second with nothing changed is
 * empty, and so is one after only reasons, positions and estimated starts
 * were written. */
static void
test_first_then_nothing(void **state)
{
	struct fixture *f = *state;
	struct store_cursor c = { 0 };
	struct store_job **jobs;
	int64_t *gone, pos[1] = { 7 }, start[1] = { 1700000000000 };
	const char *why[1] = { "waiting behind job 1" };
	size_t n, ngone, i;
	char *cause = NULL;

	changes(f, &c, &jobs, &n, &gone, &ngone);
	assert_true(c.valid);
	assert_int_equal(n, 4);
	for (i = 0; i < n; i++)
		assert_int_equal(jobs[i]->id, f->ids[i]);
	assert_string_equal(jobs[0]->spec_json, "{}");
	store_jobs_free(jobs, n);
	free(gone);

	changes(f, &c, &jobs, &n, &gone, &ngone);
	assert_int_equal(n, 0);
	assert_int_equal(ngone, 0);

	assert_int_equal(store_set_reasons(f->t, &f->ids[2], why, pos, start,
	    1, &cause), 0);
	changes(f, &c, &jobs, &n, &gone, &ngone);
	assert_int_equal(n, 0);
	assert_int_equal(ngone, 0);
}

/* A sweep's jobs share one spec text but for their ends (schema 6): read
 * as a change, each comes back whole, a multi-byte character cut at the
 * shared prefix included. */
static void
test_sweep_whole(void **state)
{
	struct fixture *f = *state;
	static const char *const specs[3] = {
		"{\"image\":\"x\",\"name\":\"caf\xc3\xa9\",\"p\":1}",
		"{\"image\":\"x\",\"name\":\"caf\xc3\xa8\",\"p\":2}",
		"{\"image\":\"x\",\"name\":\"caf\xc3\xa8\",\"p\":3}",
	};
	struct store_cursor c = { 0 };
	struct store_job_new j[3];
	struct store_job **jobs;
	int64_t *gone, ids[3];
	size_t n, ngone, i;
	char *cause = NULL;

	changes(f, &c, &jobs, &n, &gone, &ngone);
	store_jobs_free(jobs, n);
	free(gone);
	memset(j, 0, sizeof j);
	for (i = 0; i < 3; i++) {
		j[i].name = "s";
		j[i].namespace = "alice";
		j[i].owner = "alice";
		j[i].group = "sweep";
		j[i].priority = 500;
		j[i].replicas = 1;
		j[i].spec_json = specs[i];
	}
	assert_int_equal(store_submit(f->t, j, 3, ids, &cause), 0);
	changes(f, &c, &jobs, &n, &gone, &ngone);
	assert_int_equal(n, 3);
	for (i = 0; i < n; i++) {
		assert_int_equal(jobs[i]->id, ids[i]);
		assert_string_equal(jobs[i]->spec_json, specs[i]);
	}
	store_jobs_free(jobs, n);
	free(gone);
}

/* Submissions, holds, cancels, retries and prunes by another connection
 * are all seen, each job once, in its new state; deletions come as ids
 * until forgotten. */
static void
test_other_writes(void **state)
{
	struct fixture *f = *state;
	struct store_cursor c = { 0 };
	struct store_job **jobs;
	struct store_act_item it;
	int64_t *gone, id5;
	size_t n, ngone, pruned = 0;
	char *cause = NULL;

	changes(f, &c, &jobs, &n, &gone, &ngone);
	store_jobs_free(jobs, n);
	free(gone);

	submit(f->t, 1, &id5);
	store_fixture_move(f->t, f->ids[0], STORE_HELD, "held");
	assert_int_equal(store_act(f->t, STORE_ACT_CANCEL, &f->ids[1], 1,
	    "by alice", &it, &n, &cause), 0);
	assert_int_equal(it.result, STORE_ACT_DONE);
	store_fixture_move(f->t, f->ids[2], STORE_FAILED, "failed");
	store_fixture_move(f->t, f->ids[2], STORE_QUEUED, "retried");
	changes(f, &c, &jobs, &n, &gone, &ngone);
	assert_int_equal(n, 4);
	assert_int_equal(ngone, 0);
	assert_int_equal(jobs[0]->id, f->ids[0]);
	assert_int_equal(jobs[0]->state, STORE_HELD);
	assert_int_equal(jobs[1]->id, f->ids[1]);
	assert_int_equal(jobs[1]->state, STORE_CANCELLED);
	assert_int_equal(jobs[2]->id, f->ids[2]);
	assert_int_equal(jobs[2]->state, STORE_QUEUED);
	assert_string_equal(jobs[2]->reason, "retried");
	assert_int_equal(jobs[3]->id, id5);
	assert_int_equal(jobs[3]->state, STORE_QUEUED);
	store_jobs_free(jobs, n);
	free(gone);

	/* The cancelled job is ended and cleaned: pruned, it is gone. */
	assert_int_equal(store_prune(f->t, now_ms() + 60000, false, &pruned,
	    &cause), 0);
	assert_int_equal(pruned, 1);
	changes(f, &c, &jobs, &n, &gone, &ngone);
	assert_int_equal(n, 0);
	assert_int_equal(ngone, 1);
	assert_int_equal(gone[0], f->ids[1]);
	free(gone);
	assert_int_equal(store_sched_forget(f->q.s, &c, &cause), 0);
	assert_int_equal(count_gone(f->q.s), 0);
	changes(f, &c, &jobs, &n, &gone, &ngone);
	assert_int_equal(n + ngone, 0);
}

/* A job changed and then deleted between two reads is only gone; one
 * inserted and pruned between them is gone too (never seen). */
static void
test_changed_then_deleted(void **state)
{
	struct fixture *f = *state;
	struct store_cursor c = { 0 };
	struct store_job **jobs;
	int64_t *gone;
	size_t n, ngone, pruned = 0;
	char *cause = NULL;

	changes(f, &c, &jobs, &n, &gone, &ngone);
	store_jobs_free(jobs, n);
	free(gone);
	store_fixture_move(f->t, f->ids[3], STORE_CANCELLED, "cancelled");
	assert_int_equal(store_prune(f->t, now_ms() + 60000, false, &pruned,
	    &cause), 0);
	changes(f, &c, &jobs, &n, &gone, &ngone);
	assert_int_equal(n, 0);
	assert_int_equal(ngone, 1);
	assert_int_equal(gone[0], f->ids[3]);
	free(gone);
}

/* A queue made by the previous schema gains the counter when opened, and
 * its jobs' changes count from then on. */
static void
test_migrated(void **state)
{
	struct fixture *f = *state;
	struct store_cursor c = { 0 };
	struct store *old = NULL;
	struct store_job **jobs;
	int64_t *gone, ids[2];
	char *path, *cause = NULL;
	size_t n, ngone;

	path = xprintf("%s/old.db", f->q.dir);
	assert_int_equal(store_open_version(path, STORE_SCHEMA_VERSION - 1,
	    &old, &cause), 0);
	submit(old, 2, ids);
	store_close(old);
	assert_int_equal(store_open(path, &old, &cause), 0);
	assert_int_equal(store_sched_changes(old, &c, NULL, NULL, &jobs, &n,
	    &gone, &ngone, &cause), 0);
	assert_int_equal(n, 2);
	store_jobs_free(jobs, n);
	free(gone);
	store_fixture_move(old, ids[1], STORE_HELD, "held");
	assert_int_equal(store_sched_changes(old, &c, NULL, NULL, &jobs, &n,
	    &gone, &ngone, &cause), 0);
	assert_int_equal(n, 1);
	assert_int_equal(jobs[0]->id, ids[1]);
	assert_int_equal(jobs[0]->state, STORE_HELD);
	store_jobs_free(jobs, n);
	free(gone);
	store_close(old);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sweep_whole, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_first_then_nothing, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_other_writes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_changed_then_deleted, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_migrated, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
