/* store-server: the server's queries (see store-server.h). */
#include "store-server.h"

#include <stdlib.h>

#include "store-int.h"

/* Prepares a statement of this file; -1 with cause on failure. */
static int
store_server_prepare(struct store *s, const char *sql, sqlite3_stmt **stmt,
    char **cause)
{
	if (sqlite3_prepare_v2(s->db, sql, -1, stmt, NULL) != SQLITE_OK)
		return store_error(s, cause, "preparing a query");
	return 0;
}

/* See store-server.h: a page of the server's list in one query. */
int
store_view_each(struct store *s, const struct store_view *v, int what,
    store_row_fn fn, void *arg, char **cause)
{
	struct store_filter f = { .states = v->states, .all = v->all,
		.name = v->name, .group = v->group, .group_owner =
		v->group_owner, .after_id = v->after_id, .limit = v->limit };
	const char *vals[STORE_ROWS_EXTRA] = { v->owner, v->namespace,
		v->viewer, v->viewer_namespaces };

	return store_rows_each(s, &f, what,
	    " AND (?18 IS NULL OR j.owner = ?18) "
	    "AND (?19 IS NULL OR j.namespace = ?19) "
	    "AND (?20 IS NULL OR j.owner = ?20 OR "
	    "     instr(coalesce(?21, ''), ',' || j.namespace || ',') > 0)",
	    vals, fn, arg, cause);
}

/* See store-server.h. */
int
store_owner_waiting(struct store *s, const char *owner, int64_t *n,
    char **cause)
{
	static const char sql[] = "SELECT count(*) FROM jobs WHERE owner = ?1 "
	    "AND state IN ('queued', 'held')";
	sqlite3_stmt *stmt;
	int ret = -1;

	if (store_server_prepare(s, sql, &stmt, cause) != 0)
		return -1;
	store_bind_text(stmt, 1, owner);
	if (store_step(s, stmt) != SQLITE_ROW) {
		store_error(s, cause, "counting jobs");
		goto out;
	}
	*n = sqlite3_column_int64(stmt, 0);
	ret = 0;
out:
	sqlite3_finalize(stmt);
	return ret;
}

/* The columns of store_log_since's query. */
static const struct store_rows store_log_rows = {
	sizeof(struct store_log_entry), "reading events", NULL, {
		STORE_COL(0, INT64, store_log_entry, seq),
		STORE_COL(1, INT64, store_log_entry, job_id),
		STORE_COL(2, INT64, store_log_entry, ev.at),
		STORE_COL(3, FROM, store_log_entry, ev.from),
		STORE_COL(4, STATE, store_log_entry, ev.to),
		STORE_COL(5, TEXT, store_log_entry, ev.reason),
		STORE_COL(6, TEXT, store_log_entry, owner),
		STORE_COL(7, TEXT, store_log_entry, namespace),
		STORE_COL(8, INT64, store_log_entry, submitted_at),
	}
};

/* See store-server.h. */
int
store_log_since(struct store *s, int64_t after, size_t limit,
    struct store_log_entry **out, size_t *nout, char **cause)
{
	static const char sql[] =
	    "SELECT e.id, e.job_id, e.at, e.from_state, e.to_state, e.reason, "
	    "j.owner, j.namespace, j.submitted_at FROM events e "
	    "JOIN jobs j ON j.id = e.job_id WHERE e.id > ?1 "
	    "ORDER BY e.id LIMIT ?2";
	sqlite3_stmt *stmt;

	if (store_server_prepare(s, sql, &stmt, cause) != 0)
		return -1;
	sqlite3_bind_int64(stmt, 1, after);
	sqlite3_bind_int64(stmt, 2, limit == 0 ? -1 : (int64_t)limit);
	*out = store_rows_read(s, stmt, &store_log_rows, nout, cause);
	sqlite3_finalize(stmt);
	return *out != NULL ? 0 : -1;
}

/* Frees what store_log_since returned. */
void
store_log_free(struct store_log_entry *v, size_t n)
{
	store_rows_free(&store_log_rows, v, n);
}

/* See store-server.h. */
int
store_log_bounds(struct store *s, int64_t *first, int64_t *last,
    char **cause)
{
	static const char sql[] = "SELECT coalesce(min(id), 0), "
	    "coalesce(max(id), 0) FROM events";
	sqlite3_stmt *stmt;
	int ret = -1;

	if (store_server_prepare(s, sql, &stmt, cause) != 0)
		return -1;
	if (store_step(s, stmt) != SQLITE_ROW) {
		store_error(s, cause, "reading events");
		goto out;
	}
	*first = sqlite3_column_int64(stmt, 0);
	*last = sqlite3_column_int64(stmt, 1);
	ret = 0;
out:
	sqlite3_finalize(stmt);
	return ret;
}

/* The columns of store_counts's query. */
static const struct store_rows store_count_rows = {
	sizeof(struct store_count), "counting jobs", NULL, {
		STORE_COL(0, STATE, store_count, state),
		STORE_COL(1, TEXT, store_count, gpu_type),
		STORE_COL(2, INT64, store_count, n),
	}
};

/* See store-server.h. */
int
store_counts(struct store *s, struct store_count **out, size_t *nout,
    char **cause)
{
	static const char sql[] = "SELECT state, gpu_type, count(*) FROM jobs "
	    "GROUP BY state, gpu_type ORDER BY state, gpu_type";
	sqlite3_stmt *stmt;

	if (store_server_prepare(s, sql, &stmt, cause) != 0)
		return -1;
	*out = store_rows_read(s, stmt, &store_count_rows, nout, cause);
	sqlite3_finalize(stmt);
	return *out != NULL ? 0 : -1;
}

/* Frees what store_counts returned. */
void
store_counts_free(struct store_count *v, size_t n)
{
	store_rows_free(&store_count_rows, v, n);
}
