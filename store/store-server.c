/* store-server: the server's queries (see store-server.h). */
#include "store-server.h"

#include <stdlib.h>
#include <string.h>

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

/* See store-server.h: one read of ids only, so a page costs one query. */
int
store_view_ids(struct store *s, const struct store_view *v, int64_t **out,
    size_t *nout, char **cause)
{
	static const char sql[] =
	    "SELECT j.id FROM jobs j LEFT JOIN groups g ON g.id = j.group_id "
	    "WHERE (?1 IS NULL OR instr(?1, ',' || j.state || ',') > 0) "
	    "AND (?2 IS NULL OR j.name GLOB ?2) "
	    "AND (?3 IS NULL OR (g.name = ?3 AND "
	    "     (?10 IS NULL OR g.owner = ?10))) "
	    "AND (?4 IS NULL OR j.owner = ?4) "
	    "AND (?5 IS NULL OR j.namespace = ?5) "
	    "AND (?6 IS NULL OR j.owner = ?6 OR "
	    "     instr(coalesce(?7, ''), ',' || j.namespace || ',') > 0) "
	    "AND j.id > ?8 ORDER BY j.id LIMIT ?9";
	sqlite3_stmt *stmt;
	unsigned int mask = v->states;
	int64_t *ids = NULL;
	size_t n = 0, cap = 0;
	char *set = NULL;
	int rc, ret = -1;

	if (mask == 0 && !v->all)
		mask = (1u << STORE_QUEUED) | (1u << STORE_HELD) |
		    (1u << STORE_ADMITTED) | (1u << STORE_RUNNING);
	if (mask != 0)
		set = store_state_set(mask);
	if (store_server_prepare(s, sql, &stmt, cause) != 0) {
		free(set);
		return -1;
	}
	store_bind_text(stmt, 1, set);
	store_bind_text(stmt, 2, v->name);
	store_bind_text(stmt, 3, v->group);
	store_bind_text(stmt, 4, v->owner);
	store_bind_text(stmt, 5, v->namespace);
	store_bind_text(stmt, 6, v->viewer);
	store_bind_text(stmt, 7, v->viewer_namespaces);
	sqlite3_bind_int64(stmt, 8, v->after_id);
	sqlite3_bind_int64(stmt, 9, v->limit == 0 ? -1 : (int64_t)v->limit);
	store_bind_text(stmt, 10, v->group_owner);
	while ((rc = store_step(s, stmt)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap == 0 ? 64 : cap * 2;
			ids = xreallocarray(ids, cap, sizeof *ids);
		}
		ids[n++] = sqlite3_column_int64(stmt, 0);
	}
	if (rc != SQLITE_DONE) {
		store_error(s, cause, "listing jobs");
		free(ids);
		goto out;
	}
	*out = ids;
	*nout = n;
	ret = 0;
out:
	sqlite3_finalize(stmt);
	free(set);
	return ret;
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

/* A text column, copied ("" for NULL). */
static char *
store_server_text(sqlite3_stmt *stmt, int i)
{
	const unsigned char *t = sqlite3_column_text(stmt, i);

	return xstrdup(t != NULL ? (const char *)t : "");
}

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
	struct store_log_entry *v = NULL, *e;
	sqlite3_stmt *stmt;
	enum store_state st;
	const char *from;
	size_t n = 0, cap = 0;
	int rc;

	if (store_server_prepare(s, sql, &stmt, cause) != 0)
		return -1;
	sqlite3_bind_int64(stmt, 1, after);
	sqlite3_bind_int64(stmt, 2, limit == 0 ? -1 : (int64_t)limit);
	while ((rc = store_step(s, stmt)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap == 0 ? 64 : cap * 2;
			v = xreallocarray(v, cap, sizeof *v);
		}
		e = &v[n++];
		memset(e, 0, sizeof *e);
		e->seq = sqlite3_column_int64(stmt, 0);
		e->job_id = sqlite3_column_int64(stmt, 1);
		e->ev.at = sqlite3_column_int64(stmt, 2);
		from = (const char *)sqlite3_column_text(stmt, 3);
		e->ev.from = -1;
		if (from != NULL && store_state_parse(from, &st) == 0)
			e->ev.from = (int)st;
		e->ev.to = STORE_QUEUED;
		if (sqlite3_column_text(stmt, 4) != NULL)
			(void)store_state_parse((const char *)
			    sqlite3_column_text(stmt, 4), &e->ev.to);
		e->ev.reason = store_server_text(stmt, 5);
		e->owner = store_server_text(stmt, 6);
		e->namespace = store_server_text(stmt, 7);
		e->submitted_at = sqlite3_column_int64(stmt, 8);
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE) {
		store_log_free(v, n);
		return store_error(s, cause, "reading events");
	}
	*out = v;
	*nout = n;
	return 0;
}

/* Frees what store_log_since returned. */
void
store_log_free(struct store_log_entry *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].ev.reason);
		free(v[i].owner);
		free(v[i].namespace);
	}
	free(v);
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

/* See store-server.h. */
int
store_counts(struct store *s, struct store_count **out, size_t *nout,
    char **cause)
{
	static const char sql[] = "SELECT state, gpu_type, count(*) FROM jobs "
	    "GROUP BY state, gpu_type ORDER BY state, gpu_type";
	struct store_count *v = NULL;
	sqlite3_stmt *stmt;
	size_t n = 0, cap = 0;
	int rc;

	if (store_server_prepare(s, sql, &stmt, cause) != 0)
		return -1;
	while ((rc = store_step(s, stmt)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			v = xreallocarray(v, cap, sizeof *v);
		}
		v[n].state = STORE_QUEUED;
		if (sqlite3_column_text(stmt, 0) != NULL)
			(void)store_state_parse((const char *)
			    sqlite3_column_text(stmt, 0), &v[n].state);
		v[n].gpu_type = store_server_text(stmt, 1);
		v[n].n = sqlite3_column_int64(stmt, 2);
		n++;
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE) {
		store_counts_free(v, n);
		return store_error(s, cause, "counting jobs");
	}
	*out = v;
	*nout = n;
	return 0;
}

/* Frees what store_counts returned. */
void
store_counts_free(struct store_count *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].gpu_type);
	free(v);
}
