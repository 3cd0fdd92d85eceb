/* store-ui: the dashboard's queries (see store-ui.h). */
#include "store-ui.h"

#include <stdlib.h>
#include <string.h>

#include "store-int.h"

/* A text column, copied, or NULL. */
static char *
store_ui_text(sqlite3_stmt *stmt, int col)
{
	const unsigned char *t = sqlite3_column_text(stmt, col);

	return t != NULL ? xstrdup((const char *)t) : NULL;
}

/* See store-ui.h: one grouped read over the jobs that ran. */
int
store_gpu_use(struct store *s, int64_t since, int64_t until,
    const char *viewer, const char *viewer_namespaces,
    struct store_gpu_use **out, size_t *nout, char **cause)
{
	static const char sql[] =
	    "SELECT j.owner, g.name, CASE WHEN j.run_gpu_type != '' "
	    "  THEN j.run_gpu_type ELSE j.gpu_type END, "
	    "  sum(j.gpu_count * j.replicas * (min(CASE WHEN j.finished_at > 0 "
	    "    THEN j.finished_at ELSE ?2 END, ?2) - max(j.started_at, ?1))) "
	    "FROM jobs j LEFT JOIN groups g ON g.id = j.group_id "
	    "WHERE j.gpu_count > 0 AND j.started_at > 0 AND j.started_at < ?2 "
	    "AND (j.finished_at > ?1 OR (j.finished_at = 0 AND "
	    "     j.state IN ('admitted', 'running'))) "
	    "AND (?3 IS NULL OR j.owner = ?3 OR "
	    "     instr(coalesce(?4, ''), ',' || j.namespace || ',') > 0) "
	    "GROUP BY 1, 2, 3 ORDER BY 1, 2, 3";
	struct store_gpu_use *v = NULL;
	sqlite3_stmt *stmt;
	size_t n = 0, cap = 0;
	int rc;

	if (sqlite3_prepare_v2(s->db, sql, -1, &stmt, NULL) != SQLITE_OK)
		return store_error(s, cause, "preparing a query");
	sqlite3_bind_int64(stmt, 1, since);
	sqlite3_bind_int64(stmt, 2, until);
	if (viewer != NULL)
		sqlite3_bind_text(stmt, 3, viewer, -1, SQLITE_TRANSIENT);
	if (viewer_namespaces != NULL)
		sqlite3_bind_text(stmt, 4, viewer_namespaces, -1,
		    SQLITE_TRANSIENT);
	while ((rc = store_step(s, stmt)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			v = xreallocarray(v, cap, sizeof *v);
		}
		v[n].owner = store_ui_text(stmt, 0);
		v[n].group = store_ui_text(stmt, 1);
		v[n].gpu_type = store_ui_text(stmt, 2);
		v[n].gpu_ms = sqlite3_column_double(stmt, 3);
		if (v[n].owner == NULL)
			v[n].owner = xstrdup("");
		if (v[n].gpu_type == NULL)
			v[n].gpu_type = xstrdup("");
		n++;
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE) {
		store_gpu_use_free(v, n);
		return store_error(s, cause, "reading GPU use");
	}
	*out = v;
	*nout = n;
	return 0;
}

/* Frees what store_gpu_use returned. */
void
store_gpu_use_free(struct store_gpu_use *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].owner);
		free(v[i].group);
		free(v[i].gpu_type);
	}
	free(v);
}
