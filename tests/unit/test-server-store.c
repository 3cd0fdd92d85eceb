/* Unit tests for store/store-server.c: what the server reads from the
 * queue (visible jobs with paging, waiting counts, the event log). */
#include "unit.h"
#include "common.h"
#include "store-fixture.h"
#include "store-server.h"

static struct store_fixture q;

/* A queue with jobs of alice (ns alice and ml101) and bob (ns bob). */
static struct store *
make_store(void)
{
	struct store_job_new j[4] = {
		{ .name = "a1", .namespace = "alice", .owner = "alice",
		  .gpu_type = "RTX4090", .gpu_count = 1, .replicas = 1,
		  .spec_json = "{}" },
		{ .name = "a2", .namespace = "ml101", .owner = "alice",
		  .gpu_type = "", .replicas = 1, .spec_json = "{}" },
		{ .name = "b1", .namespace = "bob", .owner = "bob",
		  .gpu_type = "RTX4090", .gpu_count = 2, .replicas = 1,
		  .spec_json = "{}", .held = true },
		{ .name = "b2", .namespace = "bob", .owner = "bob",
		  .gpu_type = "", .replicas = 1, .spec_json = "{}" },
	};
	struct store *s;
	int64_t ids[4];
	char *cause = NULL;

	assert_int_equal(store_fixture_open(&q, "q.db"), 0);
	s = q.s;
	assert_int_equal(store_submit(s, j, 4, ids, &cause), 0);
	store_fixture_move(s, ids[3], STORE_CANCELLED, "cancelled by bob");
	return s;
}

/* Closes and removes the queue. */
static void
drop_store(struct store *s)
{
	assert_ptr_equal(s, q.s);
	assert_int_equal(store_fixture_close(&q), 0);
}

/* The ids of a view's jobs, gathered from store_view_each. */
struct view_ids {
	int64_t ids[8];
	size_t n;
};

/* Keeps one row's id. */
static int
view_take(const struct store_row *r, void *arg)
{
	struct view_ids *v = arg;

	assert_true(v->n < 8);
	v->ids[v->n++] = r->job.id;
	return 0;
}

/* Reads a view's ids; fails the test on an error. */
static struct view_ids
view_ids(struct store *s, const struct store_view *v)
{
	struct view_ids out = { .n = 0 };
	char *cause = NULL;

	assert_int_equal(store_view_each(s, v, 0, view_take,
	    &out, &cause), 0);
	return out;
}

static void
test_view(void **state)
{
	struct store *s = make_store();
	struct store_view v = { .all = true };
	struct view_ids got;

	(void)state;
	assert_int_equal(view_ids(s, &v).n, 4);
	/* bob sees his own; as a TA of ml101 also alice's a2. */
	v.viewer = "bob";
	assert_int_equal(view_ids(s, &v).n, 2);
	v.viewer_namespaces = ",ml101,";
	got = view_ids(s, &v);
	assert_int_equal(got.n, 3);
	assert_int_equal(got.ids[0], 2);
	/* Active only (the default), paging after id 2, limit 1. */
	v.all = false;
	v.after_id = 2;
	v.limit = 1;
	got = view_ids(s, &v);
	assert_int_equal(got.n, 1);
	assert_int_equal(got.ids[0], 3);
	/* Filters: owner and namespace. */
	memset(&v, 0, sizeof v);
	v.all = true;
	v.owner = "alice";
	v.namespace = "ml101";
	got = view_ids(s, &v);
	assert_int_equal(got.n, 1);
	assert_int_equal(got.ids[0], 2);
	drop_store(s);
}

static void
test_counts_and_log(void **state)
{
	struct store *s = make_store();
	struct store_log_entry *log = NULL;
	struct store_count *c = NULL;
	int64_t waiting, first, last;
	size_t n = 0, i, total = 0;
	char *cause = NULL;

	(void)state;
	assert_int_equal(store_owner_waiting(s, "alice", &waiting, &cause), 0);
	assert_int_equal(waiting, 2);
	assert_int_equal(store_owner_waiting(s, "bob", &waiting, &cause), 0);
	assert_int_equal(waiting, 1);
	assert_int_equal(store_counts(s, &c, &n, &cause), 0);
	for (i = 0; i < n; i++)
		total += (size_t)c[i].n;
	assert_int_equal(total, 4);
	store_counts_free(c, n);
	assert_int_equal(store_log_bounds(s, &first, &last, &cause), 0);
	assert_int_equal(first, 1);
	assert_int_equal(last, 5);
	assert_int_equal(store_log_since(s, 3, 0, &log, &n, &cause), 0);
	assert_int_equal(n, 2);
	assert_int_equal(log[0].seq, 4);
	assert_string_equal(log[0].owner, "bob");
	assert_int_equal(log[1].job_id, 4);
	assert_int_equal(log[1].ev.from, STORE_QUEUED);
	assert_int_equal(log[1].ev.to, STORE_CANCELLED);
	assert_string_equal(log[1].ev.reason, "cancelled by bob");
	store_log_free(log, n);
	drop_store(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_view),
		cmocka_unit_test(test_counts_and_log),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
