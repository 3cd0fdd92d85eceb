/*
 * Routing: the table of the API server's paths (discovery, OpenAPI, the
 * admin endpoints, the resources of each group version), the table of
 * what each method does to a collection or an object and the verb it
 * needs, and discovery's answers.  Every unknown path gets one 404.
 */
#include "sim-api.h"

/* GET /version. */
static void
sim_version(struct sim_call *c)
{
	sim_reply_json(c, 200, json_pack("{ssssssssssssssssss}", "major", "1",
	    "minor", "32", "gitVersion", "v1.32.4", "gitCommit",
	    "ailab-kubesim", "gitTreeState", "clean", "buildDate",
	    "2026-01-01T00:00:00Z", "goVersion", "go1.23.8", "compiler", "gc",
	    "platform", "linux/amd64"));
}

/* The verbs a type serves, for discovery. */
static json_t *
sim_verbs(enum sim_rt rt)
{
	if (!sim_rtypes[rt].stored)
		return json_pack("[s]", "create");
	if (rt == SIM_RT_NODES || rt == SIM_RT_NAMESPACES)
		return json_pack("[ssssssss]", "create", "delete", "get", "list",
		    "patch", "update", "watch", "deletecollection");
	return json_pack("[ssssssss]", "create", "delete", "deletecollection",
	    "get", "list", "patch", "update", "watch");
}

/* APIResourceList for one group version. */
static void
sim_discovery_resources(struct sim_call *c)
{
	const char *group = c->group;
	json_t *list = json_array(), *r;
	char *gv;
	int i;

	for (i = 0; i < SIM_RT_MAX; i++) {
		const struct sim_rtype *t = &sim_rtypes[i];

		if (strcmp(t->group, group) != 0)
			continue;
		r = json_pack("{sssssbssso}", "name", t->name, "singularName",
		    t->singular, "namespaced", t->namespaced, "kind", t->kind,
		    "verbs", sim_verbs(i));
		if (*t->short_names != '\0')
			json_object_set_new(r, "shortNames", json_pack("[s]",
			    t->short_names));
		if (i == SIM_RT_PODS || i == SIM_RT_DEPLOYMENTS ||
		    i == SIM_RT_JOBS)
			json_object_set_new(r, "categories", json_pack("[s]",
			    "all"));
		json_array_append_new(list, r);
		if (t->has_status) {
			char *n = xprintf("%s/status", t->name);

			json_array_append_new(list, json_pack("{sssssbsss[sss]}",
			    "name", n, "singularName", "", "namespaced",
			    t->namespaced, "kind", t->kind, "verbs", "get",
			    "patch", "update"));
			free(n);
		}
		if (i == SIM_RT_PODS)
			json_array_append_new(list, json_pack("{sssssbsss[s]}",
			    "name", "pods/log", "singularName", "", "namespaced",
			    1, "kind", "Pod", "verbs", "get"));
	}
	gv = *group ? xprintf("%s/v1", group) : xstrdup("v1");
	sim_reply_json(c, 200, json_pack("{sssssssO}", "kind", "APIResourceList",
	    "apiVersion", "v1", "groupVersion", gv, "resources", list));
	json_decref(list);
	free(gv);
}

/* APIGroupList for /apis. */
static void
sim_discovery_groups(struct sim_call *c)
{
	static const char *groups[] = { "apps", "batch", "coordination.k8s.io",
		"discovery.k8s.io", "authentication.k8s.io",
		"authorization.k8s.io", "storage.k8s.io" };
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < nitems(groups); i++) {
		char *gv = xprintf("%s/v1", groups[i]);

		json_array_append_new(arr, json_pack("{sss[{ssss}]s{ssss}}",
		    "name", groups[i], "versions", "groupVersion", gv, "version",
		    "v1", "preferredVersion", "groupVersion", gv, "version",
		    "v1"));
		free(gv);
	}
	sim_reply_json(c, 200, json_pack("{sssssO}", "kind", "APIGroupList",
	    "apiVersion", "v1", "groups", arr));
	json_decref(arr);
}

/* /openapi/v3 and its group-version documents: only what kubectl reads
 * to learn that the server validates fields itself (fieldValidation). */
static void
sim_openapi(struct sim_call *c)
{
	static const char *gvs[] = { "api/v1", "apis/apps/v1", "apis/batch/v1",
		"apis/coordination.k8s.io/v1", "apis/discovery.k8s.io/v1",
		"apis/authentication.k8s.io/v1", "apis/authorization.k8s.io/v1",
		"apis/storage.k8s.io/v1" };
	json_t *paths = json_object(), *doc;
	char gv[128], *url, *p;
	size_t i;
	int n;

	if (c->nsegs == 2) {
		for (i = 0; i < nitems(gvs); i++) {
			url = xprintf("/openapi/v3/%s?hash=00000000", gvs[i]);
			json_object_set_new(paths, gvs[i], json_pack("{ss}",
			    "serverRelativeURL", url));
			free(url);
		}
		sim_reply_json(c, 200, json_pack("{so}", "paths", paths));
		return;
	}
	gv[0] = '\0';
	for (n = 2; n < c->nsegs; n++) {
		size_t used = strlen(gv);

		snprintf(gv + used, sizeof gv - used, "%s%s", c->segs[n],
		    n + 1 < c->nsegs ? "/" : "");
	}
	p = strchr(gv, '?');
	if (p != NULL)
		*p = '\0';
	for (i = 0; i < SIM_RT_MAX; i++) {
		const struct sim_rtype *t = &sim_rtypes[i];
		char *want = *t->group ? xprintf("apis/%s/v1", t->group) :
		    xstrdup("api/v1");
		json_t *op;

		if (strcmp(want, gv) != 0 || !t->stored) {
			free(want);
			continue;
		}
		op = json_pack("{s{ssssss}s[{sssss{ss}}]s{s{ss}}}",
		    "x-kubernetes-group-version-kind", "group", t->group,
		    "version", "v1", "kind", t->kind, "parameters", "name",
		    "fieldValidation", "in", "query", "schema", "type", "string",
		    "responses", "200", "description", "OK");
		url = t->namespaced ?
		    xprintf("/%s/namespaces/{namespace}/%s/{name}", want,
		    t->name) : xprintf("/%s/%s/{name}", want, t->name);
		json_object_set_new(paths, url, json_pack("{sososo}", "patch",
		    json_deep_copy(op), "put", json_deep_copy(op), "get", op));
		free(url);
		free(want);
	}
	if (json_object_size(paths) == 0) {
		json_decref(paths);
		sim_no_route(c);
		return;
	}
	doc = json_pack("{sss{ssss}sos{s{}}}", "openapi", "3.0.0", "info",
	    "title", "Kubernetes", "version", "v1.32.4", "paths", paths,
	    "components", "schemas");
	sim_reply_json(c, 200, doc);
}

/* GET /healthz, /readyz, /livez. */
static void
sim_healthz(struct sim_call *c)
{
	struct evbuffer *b = evbuffer_new();

	evbuffer_add(b, "ok", 2);
	evhttp_send_reply(c->req, 200, "OK", b);
	evbuffer_free(b);
}

/* GET /api: the core group's versions. */
static void
sim_api_versions(struct sim_call *c)
{
	char *addr = xprintf("%s:%d", c->sim->host, c->sim->port);

	sim_reply_json(c, 200, json_pack("{sss[s]s[{ssss}]}", "kind",
	    "APIVersions", "versions", "v1", "serverAddressByClientCIDRs",
	    "clientCIDR", "0.0.0.0/0", "serverAddress", addr));
	free(addr);
}

/* A single object: its log, a table row for kubectl, or the object. */
static void
sim_get_one(struct sim_call *c, json_t *obj)
{
	json_t *one;

	if (c->sub != NULL && strcmp(c->sub, "log") == 0)
		sim_logs(c, obj);
	else if (sim_wants_table(c)) {
		one = json_pack("[O]", obj);
		sim_reply_json(c, 200, sim_table(c->sim, c->rt, one, true,
		    false));
		json_decref(one);
	} else
		sim_reply_json(c, 200, json_incref(obj));
}

/*
 * What each method does to a collection or to one object (/NAME and its
 * status or log), and the verb RBAC checks.  The first entry that fits
 * wins: a watch entry fits only with ?watch.  An object entry marked
 * existing answers 404 when the object is absent (a patch may apply one).
 */
static const struct sim_action {
	enum evhttp_cmd_type method;
	bool object;
	bool watch;
	bool existing;
	const char *verb;
	void (*fn)(struct sim_call *, json_t *obj);
} sim_actions[] = {
	{ EVHTTP_REQ_GET, false, true, false, "watch", sim_watch_start },
	{ EVHTTP_REQ_GET, false, false, false, "list", sim_list },
	{ EVHTTP_REQ_POST, false, false, false, "create", sim_create },
	{ EVHTTP_REQ_DELETE, false, false, false, "deletecollection",
	    sim_delete_collection },
	{ EVHTTP_REQ_GET, true, true, false, "get", sim_watch_start },
	{ EVHTTP_REQ_GET, true, false, true, "get", sim_get_one },
	{ EVHTTP_REQ_PUT, true, false, true, "update", sim_update },
	{ EVHTTP_REQ_PATCH, true, false, false, "patch", sim_patch },
	{ EVHTTP_REQ_DELETE, true, false, true, "delete", sim_delete_one },
};

/* The action for the request's method on its collection or object. */
static const struct sim_action *
sim_action_find(struct sim_call *c)
{
	bool watch = sim_qbool(c, "watch");
	size_t i;

	for (i = 0; i < nitems(sim_actions); i++) {
		const struct sim_action *a = &sim_actions[i];

		if (a->method == c->method && a->object == (c->name != NULL) &&
		    (!a->watch || watch))
			return a;
	}
	return NULL;
}

/*
 * Reads [namespaces/NS/]RESOURCE[/NAME[/SUB]] into the call; -1 when the
 * path names no resource of the group or puts one in the wrong scope.
 */
static int
sim_resource_path(struct sim_call *c, char **s, int n)
{
	int rt;

	c->ns = NULL;
	if (n >= 3 && strcmp(s[0], "namespaces") == 0) {
		c->ns = s[1];
		s += 2;
		n -= 2;
	}
	if (n < 1 || n > 3 || (rt = sim_rt_find(c->group, s[0])) < 0)
		return -1;
	c->rt = rt;
	c->name = n >= 2 ? s[1] : NULL;
	c->sub = n >= 3 ? s[2] : NULL;
	if (sim_rtypes[rt].namespaced && c->ns == NULL && c->name != NULL)
		return -1;
	/* A namespaced review (LocalSubjectAccessReview) only in one. */
	if (sim_rtypes[rt].namespaced && !sim_rtypes[rt].stored &&
	    c->ns == NULL)
		return -1;
	if (!sim_rtypes[rt].namespaced && c->ns != NULL)
		return -1;
	return 0;
}

/*
 * Checks what the apiserver checks before a verb runs: a review type only
 * takes POST, a create needs its namespace, a subresource must exist.
 * -1 after answering.
 */
static int
sim_resource_check(struct sim_call *c)
{
	int rt = c->rt;
	char *m;

	if (!sim_rtypes[rt].stored) {
		if (c->method != EVHTTP_REQ_POST)
			sim_no_method(c);
		else if (sim_authorize(c, "create", rt, c->ns, NULL) == 0)
			sim_review(c);
		return -1;
	}
	if (c->ns != NULL && rt != SIM_RT_NAMESPACES &&
	    c->method == EVHTTP_REQ_POST &&
	    sim_get(c->sim, SIM_RT_NAMESPACES, NULL, c->ns) == NULL) {
		if (sim_authorize(c, "create", rt, c->ns, NULL) != 0)
			return -1;
		m = xprintf("namespaces \"%s\" not found", c->ns);
		sim_reply_status(c, 404, "NotFound", m, json_pack("{ssss}",
		    "name", c->ns, "kind", "namespaces"));
		free(m);
		return -1;
	}
	if (c->name != NULL && rt == SIM_RT_PODS && c->sub != NULL &&
	    strcmp(c->sub, "exec") == 0) {
		sim_exec_route(c);
		return -1;
	}
	if (c->sub != NULL && strcmp(c->sub, "status") != 0 &&
	    !(rt == SIM_RT_PODS && strcmp(c->sub, "log") == 0)) {
		sim_no_route(c);
		return -1;
	}
	return 0;
}

/* Serves a resource path of a group version through sim_actions. */
static void
sim_resource(struct sim_call *c)
{
	const struct sim_action *a;
	json_t *obj = NULL;

	if (sim_resource_path(c, c->segs + c->rest, c->nsegs - c->rest) != 0) {
		sim_no_route(c);
		return;
	}
	if (c->user == NULL) {
		sim_reply_status(c, 401, "Unauthorized", "Unauthorized", NULL);
		return;
	}
	if (sim_resource_check(c) != 0)
		return;
	if ((a = sim_action_find(c)) == NULL) {
		sim_no_method(c);
		return;
	}
	if (sim_authorize(c, a->verb, c->rt, c->ns, c->name) != 0)
		return;
	if (c->name != NULL) {
		obj = sim_get(c->sim, c->rt, c->ns, c->name);
		sim_audit_object(c, obj);
		if (obj == NULL && a->existing) {
			sim_not_found(c, c->rt, c->name);
			return;
		}
	}
	a->fn(c, obj);
}

/*
 * The API server's paths.  A pattern's segments are literals, {group}
 * (an API group the simulator serves) or a final ** (any rest, even
 * none).  The first match wins; no match is the one 404.
 */
static const struct sim_route {
	const char *pattern;
	void (*fn)(struct sim_call *);
} sim_routes[] = {
	{ "version", sim_version },
	{ "healthz", sim_healthz },
	{ "readyz", sim_healthz },
	{ "livez", sim_healthz },
	{ "openapi/v3/**", sim_openapi },
	{ "sim/**", sim_admin },
	{ "api", sim_api_versions },
	{ "apis", sim_discovery_groups },
	{ "api/v1", sim_discovery_resources },
	{ "api/v1/**", sim_resource },
	{ "apis/{group}/v1", sim_discovery_resources },
	{ "apis/{group}/v1/**", sim_resource },
};

/* True if s is an API group some type belongs to ("" is not one). */
static bool
sim_is_group(const char *s)
{
	int i;

	for (i = 0; i < SIM_RT_MAX; i++)
		if (*s != '\0' && strcmp(sim_rtypes[i].group, s) == 0)
			return true;
	return false;
}

/* True if the path matches a pattern; sets c->group and c->rest. */
static bool
sim_route_matches(struct sim_call *c, const char *pattern)
{
	const char *p = pattern, *e;
	size_t len;
	int i = 0;

	c->group = "";
	for (;; i++) {
		e = strchr(p, '/');
		len = e != NULL ? (size_t)(e - p) : strlen(p);
		if (len == 2 && strncmp(p, "**", 2) == 0) {
			c->rest = i;
			return true;
		}
		if (i == c->nsegs)
			return false;
		if (len == 7 && strncmp(p, "{group}", 7) == 0) {
			if (!sim_is_group(c->segs[i]))
				return false;
			c->group = c->segs[i];
		} else if (strlen(c->segs[i]) != len ||
		    strncmp(c->segs[i], p, len) != 0)
			return false;
		if (e == NULL)
			return i + 1 == c->nsegs;
		p = e + 1;
	}
}

/*
 * The verb a request asks for, from its path and query alone, so that a
 * fault can be scoped to it before the request is served: the verb RBAC
 * checks for a resource (get, list, create, update, patch, delete,
 * deletecollection), "watch" for every watch (a collection's or one
 * object's, as the apiserver's metrics count them), and the lower-case
 * method for a path that names no resource (discovery, /version), as
 * RBAC's non-resource rules name it.
 */
const char *
sim_route_verb(struct sim_call *c)
{
	static const struct {
		enum evhttp_cmd_type method;
		const char *verb;
	} plain[] = {
		{ EVHTTP_REQ_GET, "get" }, { EVHTTP_REQ_POST, "post" },
		{ EVHTTP_REQ_PUT, "put" }, { EVHTTP_REQ_PATCH, "patch" },
		{ EVHTTP_REQ_DELETE, "delete" }, { EVHTTP_REQ_HEAD, "head" },
	};
	const struct sim_action *a;
	size_t i;

	for (i = 0; i < nitems(sim_routes); i++) {
		if (!sim_route_matches(c, sim_routes[i].pattern))
			continue;
		if (sim_routes[i].fn == sim_resource &&
		    sim_resource_path(c, c->segs + c->rest,
		    c->nsegs - c->rest) == 0 &&
		    (a = sim_action_find(c)) != NULL)
			return a->watch ? "watch" : a->verb;
		break;
	}
	for (i = 0; i < nitems(plain); i++)
		if (plain[i].method == c->method)
			return plain[i].verb;
	return "";
}

/* Routes a request through sim_routes. */
void
sim_route(struct sim_call *c)
{
	size_t i;

	for (i = 0; i < nitems(sim_routes); i++) {
		if (sim_route_matches(c, sim_routes[i].pattern)) {
			sim_routes[i].fn(c);
			return;
		}
	}
	sim_no_route(c);
}
