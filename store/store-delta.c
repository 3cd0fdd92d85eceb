/*
 * store-delta.c: the queue as a long-lived scheduler keeps it, read whole
 * once and then only as it changes.  Migration 6 keeps the change counter
 * (job_seq), each job's change_seq and the ids of deleted jobs (jobs_gone)
 * by triggers, so writes of every process and of every code path count,
 * and reading "what changed since" is an index range.
 */
#include "store-int.h"

#include <stdlib.h>
#include <string.h>

/* A growing array of jobs. */
struct store_jobv {
	struct store_job **v;
	size_t n;
	size_t cap;
};

/* Reads the rows of a job query into v, with the spec text where want
 * asks for it; -1 with *cause on damage or an error. */
static int
store_delta_rows(struct store *s, sqlite3_stmt *stmt, store_want_spec_fn want,
    void *arg, struct store_jobv *v, char **cause)
{
	struct store_base_cache cache = { 0, NULL };
	struct store_job *j;
	int rc;

	while ((rc = store_step(s, stmt)) == SQLITE_ROW) {
		if ((j = store_job_from_row(stmt, false)) == NULL) {
			free(cache.text);
			return store_bad_state(s, stmt, cause,
			    "reading changes");
		}
		/* A sweep's job keeps the end of a shared text: joined here. */
		if ((want == NULL || want(j, arg)) &&
		    store_sched_spec(s, stmt, &cache, &j->spec_json) != 0) {
			free(cache.text);
			store_job_free(j);
			return store_error(s, cause, "reading changes");
		}
		if (v->n == v->cap) {
			v->cap = v->cap == 0 ? 64 : v->cap * 2;
			v->v = xreallocarray(v->v, v->cap, sizeof *v->v);
		}
		v->v[v->n++] = j;
	}
	free(cache.text);
	if (rc != SQLITE_DONE)
		return store_error(s, cause, "reading changes");
	return 0;
}

/* The one column of STMT_DELTA_GONE. */
static const struct store_rows store_gone_rows = {
	sizeof(int64_t), "reading deletions", NULL, {
		{ 0, STORE_COL_INT64, 0, 0 },
	}
};

/* The ids deleted since seq, ascending. */
static int
store_delta_gone(struct store *s, int64_t seq, int64_t **gone, size_t *ngone,
    char **cause)
{
	*gone = store_rows_of(s, STMT_DELTA_GONE, seq, &store_gone_rows, ngone, cause);
	return *gone != NULL ? 0 : -1;
}

/* Reads the counter and the highest id of the transaction's snapshot. */
static int
store_delta_head(struct store *s, int64_t *seq, int64_t *max_id, char **cause)
{
	sqlite3_stmt *stmt = store_stmt(s, STMT_DELTA_HEAD);

	if (stmt == NULL || store_step(s, stmt) != SQLITE_ROW)
		return store_error(s, cause, "reading the change counter");
	*seq = sqlite3_column_int64(stmt, 0);
	*max_id = sqlite3_column_int64(stmt, 1);
	sqlite3_reset(stmt);
	return 0;
}

/* The reads of store_sched_changes, inside its transaction. */
static int
store_delta_read(struct store *s, struct store_cursor *c,
    store_want_spec_fn want, void *arg, struct store_jobv *v, int64_t **gone,
    size_t *ngone, char **cause)
{
	sqlite3_stmt *stmt;
	int64_t seq = 0, max_id = 0;

	if (store_delta_head(s, &seq, &max_id, cause) != 0)
		return -1;
	/* Nothing changed, nothing inserted: the idle pass's whole read. */
	if (c->valid && seq == c->seq && max_id <= c->max_id)
		return 0;
	if (c->valid) {
		stmt = store_stmt(s, STMT_DELTA_JOBS);
		if (stmt != NULL) {
			sqlite3_bind_int64(stmt, 1, c->seq);
			sqlite3_bind_int64(stmt, 2, c->max_id);
		}
	} else
		stmt = store_stmt(s, STMT_SCHED_JOBS);
	if (stmt == NULL)
		return store_error(s, cause, "reading changes");
	if (store_delta_rows(s, stmt, want, arg, v, cause) != 0 ||
	    (c->valid && store_delta_gone(s, c->seq, gone, ngone, cause) != 0))
		return -1;
	/* max_id may have fallen (the newest jobs pruned): ids still grow. */
	if (!c->valid || max_id > c->max_id)
		c->max_id = max_id;
	c->seq = seq;
	c->valid = true;
	return 0;
}

/* Orders jobs by id. */
static int
store_job_cmp(const void *a, const void *b)
{
	const struct store_job *x = *(struct store_job *const *)a;
	const struct store_job *y = *(struct store_job *const *)b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* See store.h: the whole queue once, then what changed. */
int
store_sched_changes(struct store *s, struct store_cursor *c,
    store_want_spec_fn want, void *arg, struct store_job ***jobs, size_t *n,
    int64_t **gone, size_t *ngone, char **cause)
{
	struct store_jobv v = { NULL, 0, 0 };
	struct store_cursor was = *c;
	int ret;

	*jobs = NULL;
	*n = 0;
	*gone = NULL;
	*ngone = 0;
	if (store_step(s, store_stmt(s, STMT_BEGIN)) != SQLITE_DONE)
		return store_error(s, cause, "begin");
	ret = store_delta_read(s, c, want, arg, &v, gone, ngone, cause);
	store_rollback(s);
	if (ret != 0) {
		*c = was;
		store_jobs_free(v.v, v.n);
		free(*gone);
		*gone = NULL;
		*ngone = 0;
		return -1;
	}
	/* The new jobs, then the changed ones (each by its own index). */
	if (v.n > 1)
		qsort(v.v, v.n, sizeof *v.v, store_job_cmp);
	*jobs = v.v;
	*n = v.n;
	return 0;
}

/* See store.h: deletions the reader has seen are dropped. */
int
store_sched_forget(struct store *s, const struct store_cursor *c,
    char **cause)
{
	sqlite3_stmt *stmt = store_stmt(s, STMT_DELTA_FORGET);

	if (!c->valid)
		return 0;
	if (stmt == NULL)
		return store_error(s, cause, "forgetting deletions");
	sqlite3_bind_int64(stmt, 1, c->seq);
	return store_write1(s, stmt, "forgetting deletions", cause);
}
