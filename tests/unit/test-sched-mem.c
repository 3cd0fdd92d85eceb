/*
 * Unit tests for what the scheduler's loop holds per job of its queue
 * (sched/sched-strs.c, sched/sched-queue.c): repeated strings held once
 * with a count of references, given back as jobs leave and as reasons
 * replace each other, so that a queue of 100,000 jobs holds each owner,
 * namespace and shared reason once, and nothing stays behind.
 */
#include "unit.h"
#include "sched-loop-int.h"

/* Equal strings share one copy; each get is a reference, and the last
 * put frees the string. */
static void
test_strs_shared(void **state)
{
	struct sched_strs t;
	const char *a, *b, *c;
	char buf[16];

	(void)state;
	sched_strs_init(&t);
	a = sched_strs_get(&t, "bench");
	snprintf(buf, sizeof buf, "%s", "bench");
	b = sched_strs_get(&t, buf);
	assert_ptr_equal(a, b);
	assert_ptr_not_equal(b, buf);
	assert_string_equal(a, "bench");
	c = sched_strs_get(&t, "alice");
	assert_ptr_not_equal(a, c);
	assert_int_equal(t.n, 2);
	assert_ptr_equal(sched_strs_get(&t, "bench"), a);
	sched_strs_put(&t, a);
	sched_strs_put(&t, b);
	assert_int_equal(t.n, 2);
	sched_strs_put(&t, a);
	assert_int_equal(t.n, 1);
	sched_strs_put(&t, c);
	assert_int_equal(t.n, 0);
	assert_null(sched_strs_get(&t, NULL));
	sched_strs_put(&t, NULL);
	sched_strs_release(&t);
}

/* Many strings through growth of the table: each found again, each gone
 * after its last reference, whatever bucket it shared. */
static void
test_strs_many(void **state)
{
	struct sched_strs t;
	const char **v;
	char buf[32];
	size_t i, n = 5000;

	(void)state;
	sched_strs_init(&t);
	v = calloc(n, sizeof *v);
	for (i = 0; i < n; i++) {
		snprintf(buf, sizeof buf, "reason %zu", i);
		v[i] = sched_strs_get(&t, buf);
	}
	assert_int_equal(t.n, n);
	for (i = 0; i < n; i += 7) {
		snprintf(buf, sizeof buf, "reason %zu", i);
		assert_ptr_equal(sched_strs_get(&t, buf), v[i]);
		sched_strs_put(&t, v[i]);
	}
	for (i = 0; i < n; i += 2)
		sched_strs_put(&t, v[i]);
	assert_int_equal(t.n, n / 2);
	for (i = 1; i < n; i += 2) {
		assert_string_equal(v[i], (snprintf(buf, sizeof buf,
		    "reason %zu", i), buf));
		sched_strs_put(&t, v[i]);
	}
	assert_int_equal(t.n, 0);
	free(v);
	sched_strs_release(&t);
}

/* A job of the queue with these strings, as the store reads it. */
static struct store_job *
job(int64_t id, const char *owner, const char *reason)
{
	struct store_job *j = calloc(1, sizeof *j);

	j->id = id;
	j->name = strdup("lr-1");
	j->namespace = strdup("bench");
	j->owner = strdup(owner);
	j->group = strdup("sweep");
	j->reason = strdup(reason);
	j->gpu_type = strdup("RTX4090D");
	j->run_gpu_type = strdup("");
	j->run_nodes = strdup("");
	return j;
}

/* Jobs joining the queue share their repeated strings; reasons written
 * move a reference into the job and give the old one back; jobs leaving
 * give theirs back, so an empty queue holds no string. */
static void
test_jobs_share(void **state)
{
	struct sched_loop *loop = calloc(1, sizeof *loop);
	struct store_job *a = job(1, "ann", "waiting"), *b = job(2, "ann",
	    "waiting");
	struct sched_reason r[2];

	(void)state;
	sched_strs_init(&loop->strs);
	sched_job_own(loop, a);
	sched_job_own(loop, b);
	assert_ptr_equal(a->owner, b->owner);
	assert_ptr_equal(a->namespace, b->namespace);
	assert_ptr_equal(a->reason, b->reason);
	assert_ptr_not_equal(a->name, b->name);
	/* ann bench sweep waiting RTX4090D "" */
	assert_int_equal(loop->strs.n, 6);

	memset(r, 0, sizeof r);
	r[0].job = a;
	r[0].position = 3;
	r[0].text = sched_strs_get(&loop->strs, "behind job 7");
	r[1].job = b;
	r[1].position = 4;
	r[1].text = sched_strs_get(&loop->strs, "behind job 7");
	sched_reasons_written(loop, r, 2, true);
	assert_string_equal(a->reason, "behind job 7");
	assert_ptr_equal(a->reason, b->reason);
	assert_null(r[0].text);
	assert_int_equal(a->position, 3);
	/* "waiting" went with its last job. */
	assert_int_equal(loop->strs.n, 6);

	sched_job_set(loop, &a->run_nodes, "n-01");
	assert_string_equal(a->run_nodes, "n-01");
	assert_string_equal(b->run_nodes, "");
	sched_job_set(loop, &a->run_nodes, a->run_nodes);
	assert_string_equal(a->run_nodes, "n-01");
	assert_int_equal(loop->strs.n, 7);

	sched_job_free(loop, a);
	assert_int_equal(loop->strs.n, 6);
	sched_job_free(loop, b);
	assert_int_equal(loop->strs.n, 0);
	sched_strs_release(&loop->strs);
	free(loop);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strs_shared),
		cmocka_unit_test(test_strs_many),
		cmocka_unit_test(test_jobs_share),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
