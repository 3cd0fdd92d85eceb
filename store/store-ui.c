/* store-ui: the dashboard's queries (see store-ui.h). */
#include "store-ui.h"

#include <stdlib.h>
#include <string.h>

#include "store-int.h"

/* GPU-milliseconds one owner's jobs of one group on one GPU type used. */
struct store_gpu_use {
	char *owner;
	char *group;             /* or NULL */
	char *gpu_type;          /* the type run on */
	double gpu_ms;
};

/* The columns of store_gpu_use's query. */
static const struct store_rows store_gpu_use_rows = {
	sizeof(struct store_gpu_use), "reading GPU use", NULL, {
		STORE_COL(0, TEXT, store_gpu_use, owner),
		STORE_COL(1, TEXT_NULL, store_gpu_use, group),
		STORE_COL(2, TEXT, store_gpu_use, gpu_type),
		STORE_COL(3, DOUBLE, store_gpu_use, gpu_ms),
	}
};

/*
 * The GPU time of jobs that ran in [since, until), per owner, group and
 * type, in one grouped read: each job's GPUs (count times replicas) from
 * its start to its end (or until, while it runs), clipped to the window.
 * A retried job counts from its last start.
 */
static int
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
	sqlite3_stmt *stmt;

	if (sqlite3_prepare_v2(s->db, sql, -1, &stmt, NULL) != SQLITE_OK)
		return store_error(s, cause, "preparing a query");
	sqlite3_bind_int64(stmt, 1, since);
	sqlite3_bind_int64(stmt, 2, until);
	if (viewer != NULL)
		sqlite3_bind_text(stmt, 3, viewer, -1, SQLITE_TRANSIENT);
	if (viewer_namespaces != NULL)
		sqlite3_bind_text(stmt, 4, viewer_namespaces, -1,
		    SQLITE_TRANSIENT);
	*out = store_rows_read(s, stmt, &store_gpu_use_rows, nout, cause);
	sqlite3_finalize(stmt);
	return *out != NULL ? 0 : -1;
}

/* Frees what store_gpu_use returned. */
static void
store_gpu_use_free(struct store_gpu_use *v, size_t n)
{
	store_rows_free(&store_gpu_use_rows, v, n);
}

#define STORE_HOUR_MS 3600000.0

/* Adds hours to the member "gpu_hours" of the object of an array whose
 * members match (k1 = v1 and, if k2, k2 = v2), made if need be. */
static void
store_usage_j_add(json_t *arr, const char *k1, const char *v1, const char *k2,
    const char *v2, double hours)
{
	json_t *o = NULL;
	size_t i;

	json_array_foreach(arr, i, o) {
		if (strcmp(json_string_value(json_object_get(o, k1)), v1) != 0)
			continue;
		if (k2 == NULL || strcmp(json_string_value(json_object_get(o,
		    k2)), v2) == 0)
			break;
	}
	if (i == json_array_size(arr)) {
		o = json_pack("{s:s,s:f}", k1, v1, "gpu_hours", 0.0);
		if (k2 != NULL)
			json_object_set_new(o, k2, json_string(v2));
		json_array_append_new(arr, o);
	}
	json_object_set_new(o, "gpu_hours", json_real(json_real_value(
	    json_object_get(o, "gpu_hours")) + hours));
}

/* Orders by GPU-hours, most first. */
static int
store_usage_j_cmp(const void *a, const void *b)
{
	double x = json_real_value(json_object_get(*(json_t *const *)a,
	    "gpu_hours"));
	double y = json_real_value(json_object_get(*(json_t *const *)b,
	    "gpu_hours"));

	return x < y ? 1 : x > y ? -1 : 0;
}

/* Sorts an array of objects by GPU-hours, most first. */
static void
store_usage_j_sort(json_t *arr)
{
	size_t n = json_array_size(arr), i;
	json_t **v = xcalloc(n + 1, sizeof *v);

	for (i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(arr, i));
	qsort(v, n, sizeof *v, store_usage_j_cmp);
	json_array_clear(arr);
	for (i = 0; i < n; i++)
		json_array_append_new(arr, v[i]);
	free(v);
}

/*
 * The scheduler's fair-share usage of the owners the viewer may see (all
 * for a NULL viewer), of owner only if not NULL.  Each entry's share of
 * the decayed usage and its order (1: least usage, first to be admitted)
 * are computed over every owner, so a user who sees only themselves still
 * sees where they stand, and nothing of the others but their count
 * (*owners).
 */
static int
store_usage_j_fair(struct store *s, const char *viewer, const char *owner,
    json_t **out, int64_t *owners, char **cause)
{
	struct store_usage *u = NULL;
	size_t n = 0, i, k, less;
	double sum = 0;
	char *at;
	json_t *arr;

	if (store_usage_list(s, &u, &n, cause) != 0)
		return -1;
	for (i = 0; i < n; i++)
		sum += u[i].gpu_ms;
	arr = json_array();
	for (i = 0; i < n; i++) {
		if ((viewer != NULL && strcmp(u[i].owner, viewer) != 0) ||
		    (owner != NULL && strcmp(u[i].owner, owner) != 0))
			continue;
		for (k = 0, less = 0; k < n; k++)
			if (u[k].gpu_ms < u[i].gpu_ms || (u[k].gpu_ms ==
			    u[i].gpu_ms && strcmp(u[k].owner, u[i].owner) < 0))
				less++;
		at = time_format_rfc3339(u[i].at);
		json_array_append_new(arr, json_pack("{s:s,s:f,s:s,s:f,s:I}",
		    "user", u[i].owner, "gpu_hours", u[i].gpu_ms /
		    STORE_HOUR_MS, "at", at, "share", sum > 0 ? u[i].gpu_ms /
		    sum : 0.0, "order", (json_int_t)(less + 1)));
		free(at);
	}
	*owners = (int64_t)n;
	store_usage_free(u, n);
	store_usage_j_sort(arr);
	*out = arr;
	return 0;
}

/* See store-ui.h. */
const char *
store_usage_window(const char *name, int64_t *ms)
{
	static const struct {
		const char *name;
		int64_t ms;
	} windows[] = { { "24h", 86400000LL }, { "7d", 7 * 86400000LL },
		{ "30d", 30 * 86400000LL } };
	size_t k;

	for (k = 0; k < sizeof windows / sizeof windows[0]; k++)
		if (strcmp(name, windows[k].name) == 0) {
			*ms = windows[k].ms;
			return windows[k].name;
		}
	return NULL;
}

/* See store-ui.h: the one place GPU-hours are summed per owner, group and
 * type, for the server's GET /v1/usage and the CLI's usage alike. */
int
store_usage_report(struct store *s, const char *window, int64_t since,
    int64_t until, const char *viewer, const char *viewer_namespaces,
    const char *owner, json_t **out, char **cause)
{
	struct store_gpu_use *v = NULL;
	size_t n = 0, i;
	char *s1, *s2;
	json_t *users, *groups, *types, *fair;
	double total = 0, h;
	int64_t owners = 0;

	if (store_gpu_use(s, since, until, viewer, viewer_namespaces, &v, &n,
	    cause) != 0)
		return -1;
	if (store_usage_j_fair(s, viewer, owner, &fair, &owners,
	    cause) != 0) {
		store_gpu_use_free(v, n);
		return -1;
	}
	users = json_array();
	groups = json_array();
	types = json_array();
	for (i = 0; i < n; i++) {
		if (owner != NULL && strcmp(v[i].owner, owner) != 0)
			continue;
		h = v[i].gpu_ms / STORE_HOUR_MS;
		total += h;
		store_usage_j_add(users, "user", v[i].owner, NULL, NULL, h);
		if (v[i].group != NULL)
			store_usage_j_add(groups, "group", v[i].group, "owner",
			    v[i].owner, h);
		store_usage_j_add(types, "type", v[i].gpu_type, NULL, NULL, h);
	}
	store_gpu_use_free(v, n);
	store_usage_j_sort(users);
	store_usage_j_sort(groups);
	store_usage_j_sort(types);
	s1 = time_format_rfc3339(since);
	s2 = time_format_rfc3339(until);
	*out = json_pack("{s:s,s:s,s:s,s:f,s:o,s:o,s:o,s:o,s:I}", "window",
	    window, "since", s1, "until", s2, "total_gpu_hours", total,
	    "users", users, "groups", groups, "types", types, "fair_share",
	    fair, "fair_share_owners", (json_int_t)owners);
	free(s1);
	free(s2);
	return 0;
}
