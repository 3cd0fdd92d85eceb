/*
 * Unit tests for the run-time estimates (sched/sched-estimate.c): job
 * families, the percentile, the owner fallback and what a reason says.
 */
#include "unit.h"
#include "sched-estimate.h"

/* A sweep's jobs share a family; a group names it outright. */
static void
test_family(void **state)
{
	(void)state;
	assert_string_take(sched_est_family("lr-12", NULL), "n:lr");
	assert_string_take(sched_est_family("train_7", NULL), "n:train");
	assert_string_take(sched_est_family("123", NULL), "n:123");
	assert_string_take(sched_est_family("lr-12", "sweep1"), "g:sweep1");
}

/* Too little history says nothing; then the 75th percentile, in seconds
 * rounded up, of the family's last runs, then of the owner's. */
static void
test_percentile_and_fallback(void **state)
{
	struct sched_est *e = sched_est_new();
	char basis[128];
	int i;

	(void)state;
	assert_int_equal(sched_est_get(e, "ann", "lr-1", NULL, basis,
	    sizeof basis), 0);
	assert_string_equal(basis, "");
	sched_est_add(e, "ann", "lr-1", NULL, 60000);
	assert_int_equal(sched_est_get(e, "ann", "lr-2", NULL, NULL, 0), 0);
	for (i = 2; i <= 4; i++)
		sched_est_add(e, "ann", "lr-1", NULL, (int64_t)i * 60000);
	/* 1, 2, 3, 4 minutes: p75 is the third. */
	assert_int_equal(sched_est_get(e, "ann", "lr-9", NULL, basis,
	    sizeof basis), 180);
	assert_string_equal(basis, "p75 of 4 runs of jobs named 'lr'");
	/* Another family of ann's: her runs as a whole. */
	assert_int_equal(sched_est_get(e, "ann", "other", NULL, basis,
	    sizeof basis), 180);
	assert_string_equal(basis, "p75 of ann's last 4 runs");
	/* Nobody else's. */
	assert_int_equal(sched_est_get(e, "ben", "lr-1", NULL, NULL, 0), 0);
	/* Only the last SCHED_EST_KEEP runs count. */
	for (i = 0; i < SCHED_EST_KEEP; i++)
		sched_est_add(e, "ann", "x", "g", 1500);
	assert_int_equal(sched_est_get(e, "ann", "x", "g", basis,
	    sizeof basis), 2);
	assert_string_equal(basis, "p75 of 16 runs of group 'g'");
	assert_int_equal(sched_est_get(e, "ann", "zz", NULL, NULL, 0), 2);
	sched_est_free(e);
}

/* Many families: the table grows and keeps every one apart. */
static void
test_many(void **state)
{
	struct sched_est *e = sched_est_new();
	char name[32];
	int i;

	(void)state;
	for (i = 0; i < 5000; i++) {
		snprintf(name, sizeof name, "f%dx", i);
		sched_est_add(e, "ann", name, NULL, (int64_t)(i + 1) * 1000);
		sched_est_add(e, "ann", name, NULL, (int64_t)(i + 1) * 1000);
	}
	for (i = 0; i < 5000; i += 499) {
		snprintf(name, sizeof name, "f%dx", i);
		assert_int_equal(sched_est_get(e, "ann", name, NULL, NULL, 0),
		    i + 1);
	}
	sched_est_free(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_family),
		cmocka_unit_test(test_percentile_and_fallback),
		cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
