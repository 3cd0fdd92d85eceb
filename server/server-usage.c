/*
 * GET /v1/usage: GPU-hours of the jobs the caller may see over a window
 * (24h, 7d or 30d), per user, per group and per GPU type, and the
 * fair-share usage the scheduler keeps (decayed GPU-hours) of the users
 * the caller may see: everyone for an admin, else only themselves.
 */
#include "server-int.h"

#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "store-ui.h"

#define SERVER_HOUR_MS 3600000.0

/* Adds hours to the member "gpu_hours" of the object of an array whose
 * members match (k1 = v1 and, if k2, k2 = v2), made if need be. */
static void
server_usage_add(json_t *arr, const char *k1, const char *v1, const char *k2,
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
server_usage_cmp(const void *a, const void *b)
{
	double x = json_real_value(json_object_get(*(json_t *const *)a,
	    "gpu_hours"));
	double y = json_real_value(json_object_get(*(json_t *const *)b,
	    "gpu_hours"));

	return x < y ? 1 : x > y ? -1 : 0;
}

/* Sorts an array of objects by GPU-hours, most first. */
static void
server_usage_sort(json_t *arr)
{
	size_t n = json_array_size(arr), i;
	json_t **v = xcalloc(n + 1, sizeof *v);

	for (i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(arr, i));
	qsort(v, n, sizeof *v, server_usage_cmp);
	json_array_clear(arr);
	for (i = 0; i < n; i++)
		json_array_append_new(arr, v[i]);
	free(v);
}

/* The scheduler's fair-share usage of the users the caller may see. */
static json_t *
server_usage_fair(struct server_req *r)
{
	struct store_usage *u = NULL;
	size_t n = 0, i;
	char *cause = NULL, *at;
	json_t *arr = json_array();

	if (store_usage_list(r->srv->store, &u, &n, &cause) != 0) {
		log_warnx("%s", cause);
		free(cause);
		return arr;
	}
	for (i = 0; i < n; i++) {
		if (!r->user->admin && strcmp(u[i].owner, r->user->name) != 0)
			continue;
		at = time_format_rfc3339(u[i].at);
		json_array_append_new(arr, json_pack("{s:s,s:f,s:s}", "user",
		    u[i].owner, "gpu_hours", u[i].gpu_ms / SERVER_HOUR_MS,
		    "at", at));
		free(at);
	}
	store_usage_free(u, n);
	server_usage_sort(arr);
	return arr;
}

/* The window of the query (its name and length): 0, or -1 after a 400. */
static int
server_usage_window(struct server_req *r, const char **name, int64_t *ms)
{
	static const char *const known[] = { "window", NULL };
	static const struct {
		const char *name;
		int64_t ms;
	} windows[] = { { "24h", 86400000LL }, { "7d", 7 * 86400000LL },
		{ "30d", 30 * 86400000LL } };
	const char *w;
	size_t k;

	if (server_query_check(r, known) != 0)
		return -1;
	if ((w = server_query(r, "window")) == NULL)
		w = "7d";
	for (k = 0; k < nitems(windows); k++)
		if (strcmp(w, windows[k].name) == 0) {
			*name = windows[k].name;
			*ms = windows[k].ms;
			return 0;
		}
	server_reply_error(r, 400, NULL, "'window' must be 24h, 7d or 30d");
	return -1;
}

/* See server-int.h. */
void
server_usage_handle(struct server_req *r)
{
	struct store_gpu_use *v = NULL;
	const char *w;
	size_t n = 0, i;
	int64_t until = now_ms(), since, len;
	char *cause = NULL, *s1, *s2;
	json_t *users, *groups, *types, *o;
	double total = 0, h;

	if (server_usage_window(r, &w, &len) != 0)
		return;
	since = until - len;
	if (store_gpu_use(r->srv->store, since, until, r->user->admin ? NULL :
	    r->user->name, r->user->admin ? NULL : r->user->ta_namespaces, &v,
	    &n, &cause) != 0) {
		log_warnx("%s", cause);
		free(cause);
		server_reply_error(r, 500, NULL, "cannot read the queue");
		return;
	}
	users = json_array();
	groups = json_array();
	types = json_array();
	for (i = 0; i < n; i++) {
		h = v[i].gpu_ms / SERVER_HOUR_MS;
		total += h;
		server_usage_add(users, "user", v[i].owner, NULL, NULL, h);
		if (v[i].group != NULL)
			server_usage_add(groups, "group", v[i].group, "owner",
			    v[i].owner, h);
		server_usage_add(types, "type", v[i].gpu_type, NULL, NULL, h);
	}
	store_gpu_use_free(v, n);
	server_usage_sort(users);
	server_usage_sort(groups);
	server_usage_sort(types);
	s1 = time_format_rfc3339(since);
	s2 = time_format_rfc3339(until);
	o = json_pack("{s:s,s:s,s:s,s:f,s:o,s:o,s:o,s:o}", "window", w, "since",
	    s1, "until", s2, "total_gpu_hours", total, "users", users,
	    "groups", groups, "types", types, "fair_share",
	    server_usage_fair(r));
	free(s1);
	free(s2);
	server_reply_json(r, 200, o);
}
