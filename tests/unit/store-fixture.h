/*
 * A queue in a temporary directory for the unit tests of store/: made,
 * filled and removed in one place, so that each test states only the jobs
 * and the checks of its own topic.
 */
#ifndef STORE_FIXTURE_H
#define STORE_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct store_fixture {
	char dir[64];                /* the temporary directory */
	char path[96];               /* the queue's file, under dir */
	struct store *s;             /* open on path; NULL once closed */
};

/* Makes a new temporary directory and opens a new queue at FILE under it
 * ("sub/queue.db": the store makes the subdirectory); 0 or -1, with the
 * cause printed. */
int store_fixture_open(struct store_fixture *q, const char *file);

/* Closes the queue if open and removes the directory and all in it. */
int store_fixture_close(struct store_fixture *q);

/* cmocka's setup and teardown for a test whose state is a queue alone (a
 * struct store_fixture at sub/queue.db); the teardown also serves a
 * test's own fixture allocated whole, a struct store_fixture its first
 * member. */
int store_fixture_setup(void **state);
int store_fixture_teardown(void **state);

/* A cmocka test whose state is a queue of its own. */
#define store_fixture_test(f)						\
	cmocka_unit_test_setup_teardown(f, store_fixture_setup,		\
	    store_fixture_teardown)

/* A cmocka test whose state is its file's own fixture made by setup, a
 * struct store_fixture its first member. */
#define store_fixture_test_with(f, setup)				\
	cmocka_unit_test_setup_teardown(f, setup, store_fixture_teardown)

/* A queued job of alice in her namespace: 2 replicas of one RTX4090D, 8
 * CPUs and 16Gi each, priority 500, spec "{}". */
struct store_job_new store_fixture_job(const char *name);

/* N one-replica jobs "j" of alice on one RTX4090D each, priority 500,
 * spec "{}", every other field zero. */
void store_fixture_jobs(struct store_job_new *j, size_t n);

/* Moves job id to state to for reason; the move must be allowed. */
void store_fixture_move(struct store *s, int64_t id, enum store_state to,
    const char *reason);

/* How many jobs the filter lists; the listing must succeed. */
size_t store_fixture_count(struct store *s, const struct store_filter *flt);

/* The integer of the first row of a query (a count); -1 without a row. */
int store_fixture_int(struct store *s, const char *sql);

#endif
