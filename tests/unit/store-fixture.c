/* The store's unit tests' queue (store-fixture.h). */
#include "unit.h"
#include "store-fixture.h"
#include "store-int.h"
#include "common.h"

/* A new queue in a new directory, as each test wants it. */
int
store_fixture_open(struct store_fixture *q, const char *file)
{
	char *cause = NULL;

	memset(q, 0, sizeof *q);
	snprintf(q->dir, sizeof q->dir, "/tmp/aq-store-XXXXXX");
	if (mkdtemp(q->dir) == NULL)
		return -1;
	snprintf(q->path, sizeof q->path, "%s/%s", q->dir, file);
	if (store_open(q->path, &q->s, &cause) != 0) {
		fprintf(stderr, "%s\n", cause);
		free(cause);
		return -1;
	}
	return 0;
}

/* Leaves nothing of the test behind in /tmp. */
int
store_fixture_close(struct store_fixture *q)
{
	store_close(q->s);
	q->s = NULL;
	if (q->dir[0] == '\0')
		return 0;
	return unit_rmtree(q->dir);
}

/* cmocka: a new queue for each test. */
int
store_fixture_setup(void **state)
{
	struct store_fixture *q = xcalloc(1, sizeof *q);

	if (store_fixture_open(q, "sub/queue.db") != 0) {
		free(q);
		return -1;
	}
	*state = q;
	return 0;
}

/* cmocka: the queue of the test gone. */
int
store_fixture_teardown(void **state)
{
	struct store_fixture *q = *state;
	int rc;

	rc = store_fixture_close(q);
	free(q);
	return rc;
}

/* The job most tests submit, changed where a test needs it. */
struct store_job_new
store_fixture_job(const char *name)
{
	struct store_job_new j = {
		.name = name, .namespace = "alice", .owner = "alice",
		.priority = 500, .gpu_type = "RTX4090D", .gpu_count = 1,
		.replicas = 2, .cpu_milli = 8000,
		.memory_bytes = (int64_t)16 << 30, .spec_json = "{}",
	};
	return j;
}

/* The many small jobs the bulk tests submit. */
void
store_fixture_jobs(struct store_job_new *j, size_t n)
{
	size_t i;

	memset(j, 0, n * sizeof *j);
	for (i = 0; i < n; i++) {
		j[i].name = "j";
		j[i].namespace = "alice";
		j[i].owner = "alice";
		j[i].priority = 500;
		j[i].gpu_type = "RTX4090D";
		j[i].gpu_count = 1;
		j[i].replicas = 1;
		j[i].spec_json = "{}";
	}
}

/* The transitions that set a test's scene, each one line. */
void
store_fixture_move(struct store *s, int64_t id, enum store_state to,
    const char *reason)
{
	char *cause = NULL;

	if (store_transition(s, id, 0, to, reason, &cause) != 0)
		fail_msg("job %lld: %s", (long long)id, cause);
}

/* The count most listing checks want, the jobs freed. */
size_t
store_fixture_count(struct store *s, const struct store_filter *flt)
{
	struct store_job **jobs;
	size_t n;
	char *cause = NULL;

	if (store_list(s, flt, &jobs, &n, &cause) != 0)
		fail_msg("listing: %s", cause);
	store_jobs_free(jobs, n);
	return n;
}

/* Reads what no public call shows (a count of a side table). */
int
store_fixture_int(struct store *s, const char *sql)
{
	sqlite3_stmt *stmt;
	int n = -1;

	assert_int_equal(sqlite3_prepare_v2(s->db, sql, -1, &stmt, NULL),
	    SQLITE_OK);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		n = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	return n;
}
