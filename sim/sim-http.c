/*
 * The API server: evhttp on the program's event base, routing of the
 * Kubernetes REST paths, authentication, authorization, the verbs, Status
 * errors as the apiserver writes them, watches, logs and the admin
 * endpoints.
 */
#include "sim-int.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <sys/queue.h>
#include <event2/keyvalq_struct.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>

#include "common.h"

#define SIM_MAX_BODY (3 << 20)

/* One request being served. */
struct sim_call {
	struct sim *sim;
	struct evhttp_request *req;
	struct sim_user *user;
	struct sim_user imp;	/* an impersonated or certificate user */
	bool imp_used;
	const char *impersonator;	/* who sent Impersonate-User, or NULL */
	enum evhttp_cmd_type method;
	struct evkeyvalq q;
	char *segs[12];
	int nsegs;
	const char *group;	/* API group of the path, "" for core */
	const char *version;
	int rt;
	const char *ns;
	const char *name;
	const char *sub;
	json_t *audit;		/* this request's audit entry, or NULL */
};

/* A log follower: emits new lines as simulated time passes. */
struct sim_follow {
	struct sim *sim;
	struct evhttp_request *req;
	struct event *ev;
	char *ns, *name, *container;
	size_t sent;
	struct sim_follow *next;
};
static struct sim_follow *sim_follows;

/* A request held back by the latency fault. */
struct sim_delayed {
	struct sim *sim;
	struct evhttp_request *req;
	struct event *ev;
};

static void sim_http_cb(struct evhttp_request *, void *);
static void sim_audit_code(struct sim_call *, int);
static void sim_audit_commit(struct sim_call *);
static void sim_serve(struct sim *, struct evhttp_request *);
static void sim_exec_route(struct sim_call *);

/* The reason phrase for a status code. */
static const char *
sim_phrase(int code)
{
	switch (code) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	}
	return "Unknown";
}

/*
 * The Date header in simulated time: a cluster's clock is what its API
 * server says, and clients that measure timeouts against object
 * timestamps read it from here (evhttp would add the real time).
 */
static void
sim_date_header(struct sim *sim, struct evhttp_request *req)
{
	time_t t = (time_t)(sim_now(sim) / 1000);
	struct tm tm;
	char buf[64];

	gmtime_r(&t, &tm);
	strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	evhttp_remove_header(evhttp_request_get_output_headers(req), "Date");
	evhttp_add_header(evhttp_request_get_output_headers(req), "Date", buf);
}

/* Streams serialised JSON straight into the reply buffer. */
static int
sim_dump_cb(const char *data, size_t len, void *arg)
{
	return evbuffer_add(arg, data, len);
}

/* Sends a JSON body and frees it. */
static void
sim_reply_json(struct sim_call *c, int code, json_t *obj)
{
	struct evbuffer *buf;

	if (obj == NULL)
		fatalx("reply without a body (a json_pack format is wrong)");
	buf = evbuffer_new();

	evhttp_add_header(evhttp_request_get_output_headers(c->req),
	    "Content-Type", "application/json");
	evhttp_add_header(evhttp_request_get_output_headers(c->req),
	    "Audit-Id", "00000000-0000-0000-0000-000000000000");
	json_dump_callback(obj, sim_dump_cb, buf, JSON_COMPACT);
	json_decref(obj);
	sim_audit_code(c, code);
	evhttp_send_reply(c->req, code, sim_phrase(code), buf);
	evbuffer_free(buf);
}

/* Sends a failure Status. */
static void
sim_reply_status(struct sim_call *c, int code, const char *reason,
    const char *msg, json_t *details)
{
	sim_reply_json(c, code, sim_status_new(code, reason, msg, details));
}

/* Details {name, group, kind} for a Status. */
static json_t *
sim_details(enum sim_rt rt, const char *name)
{
	json_t *d = json_object();

	if (name != NULL)
		json_object_set_new(d, "name", json_string(name));
	if (*sim_rtypes[rt].group != '\0')
		json_object_set_new(d, "group", json_string(sim_rtypes[rt].group));
	json_object_set_new(d, "kind", json_string(sim_rtypes[rt].name));
	return d;
}

/* 404 NotFound with the apiserver's message. */
static void
sim_not_found(struct sim_call *c, enum sim_rt rt, const char *name)
{
	char *q = sim_qualified(rt), *m;

	m = xprintf("%s \"%s\" not found", q, name);
	sim_reply_status(c, 404, "NotFound", m, sim_details(rt, name));
	free(m);
	free(q);
}

/* A query parameter, or NULL. */
static const char *
sim_q(struct sim_call *c, const char *k)
{
	return evhttp_find_header(&c->q, k);
}

/* A boolean query parameter as Go's strconv.ParseBool reads it. */
static bool
sim_qbool(struct sim_call *c, const char *k)
{
	const char *v = evhttp_find_header(&c->q, k);

	return v != NULL && (strcmp(v, "1") == 0 || strcmp(v, "t") == 0 ||
	    strcmp(v, "T") == 0 || strcmp(v, "true") == 0 ||
	    strcmp(v, "TRUE") == 0 || strcmp(v, "True") == 0);
}

/* A request header, or NULL. */
static const char *
sim_h(struct sim_call *c, const char *k)
{
	return evhttp_find_header(evhttp_request_get_input_headers(c->req), k);
}

/* True for the read verbs: get, list, watch. */
static bool
sim_is_read(const char *verb)
{
	return strcmp(verb, "get") == 0 || strcmp(verb, "list") == 0 ||
	    strcmp(verb, "watch") == 0;
}

/* True if a list holds the string s (or "*" when star); skips non-strings. */
static bool
sim_has_str(json_t *list, const char *s, bool star)
{
	const char *e;
	size_t i;
	json_t *v;

	json_array_foreach(list, i, v) {
		if ((e = json_string_value(v)) == NULL)
			continue;
		if (strcmp(e, s) == 0 || (star && strcmp(e, "*") == 0))
			return true;
	}
	return false;
}

/* Answers sim_can: sets *why (if asked for) when allowed. */
static bool
sim_allow(bool allowed, const char *reason, const char **why)
{
	if (allowed && why != NULL)
		*why = reason;
	return allowed;
}

/*
 * True if a user may act on resource in ns (NULL: cluster scope), as RBAC
 * would answer: the rights of an admin, of the system:auth-delegator role,
 * of cluster reads (clusterRead, readAll) and of the ClusterRole admin bound
 * in each of the user's namespaces (narrowed to `resources` when the user
 * has them).  The caller judges a namespace object in its own namespace,
 * as the apiserver does.  *why, if not NULL, names what allowed it.
 */
static bool
sim_can(struct sim_user *u, const char *verb, const char *group,
    const char *resource, const char *ns, const char **why)
{
	bool read = sim_is_read(verb);
	int rt;

	if (u == NULL)
		return false;
	if (u->admin || sim_has_str(u->groups, "system:masters", false))
		return sim_allow(true, "allowed by cluster admin", why);
	/* Servers that delegate authentication and authorization. */
	if ((strcmp(resource, "tokenreviews") == 0 ||
	    strcmp(resource, "subjectaccessreviews") == 0) &&
	    strcmp(verb, "create") == 0 &&
	    sim_has_str(u->groups, "system:auth-delegator", false))
		return sim_allow(true, "allowed by system:auth-delegator", why);
	if (strcmp(resource, "selfsubjectreviews") == 0 ||
	    strcmp(resource, "selfsubjectaccessreviews") == 0 ||
	    strcmp(resource, "selfsubjectrulesreviews") == 0)
		return sim_allow(strcmp(verb, "create") == 0,
		    "allowed for every authenticated user", why);
	rt = sim_rt_find(group, resource);
	if (read && ((u->read_all && rt != SIM_RT_SECRETS) ||
	    (u->cluster_read && (rt == SIM_RT_NODES ||
	    rt == SIM_RT_NAMESPACES || rt == SIM_RT_STORAGECLASSES))))
		return sim_allow(true, "allowed by cluster read rights", why);
	/* ailab binds every user to a ClusterRole for PersistentVolumes. */
	if (read && rt == SIM_RT_PVS && json_array_size(u->namespaces) > 0)
		return sim_allow(true, "allowed by the user's PersistentVolume "
		    "role", why);
	if (ns == NULL || *ns == '\0' || !sim_has_str(u->namespaces, ns, true))
		return false;
	/* Namespace rights never reach a cluster-scoped type. */
	if (rt >= 0 && !sim_rtypes[rt].namespaced && rt != SIM_RT_NAMESPACES)
		return false;
	/* The admin role reads its namespace and its quota. */
	if (rt == SIM_RT_RESOURCEQUOTAS || rt == SIM_RT_NAMESPACES)
		return sim_allow(read, "allowed by namespace rights", why);
	return sim_allow(u->resources == NULL ||
	    sim_has_str(u->resources, resource, false),
	    "allowed by namespace rights", why);
}

/*
 * Keeps who changed what, as an API server's audit log does: the user the
 * request acted as, who impersonated them, the client's User-Agent, the
 * object's name and labels and the answer's code.  Tests read it at
 * GET /sim/audit to tell whose identity created an object.  The entry is
 * completed while the request is served and kept by sim_audit_commit.
 */
static void
sim_audit(struct sim_call *c, const char *verb, const char *resource,
    const char *ns, const char *name)
{
	const char *ua = sim_h(c, "User-Agent");
	json_t *e;

	sim_audit_commit(c);
	e = json_pack("{s:I,s:s,s:s,s:s}", "seq", (json_int_t)
	    ++c->sim->audit_seq, "user", c->user->name, "verb", verb,
	    "resource", resource);
	if (c->impersonator != NULL)
		json_object_set_new(e, "impersonatedBy",
		    json_string(c->impersonator));
	if (c->sub != NULL)
		json_object_set_new(e, "subresource", json_string(c->sub));
	if (ns != NULL)
		json_object_set_new(e, "namespace", json_string(ns));
	if (name != NULL)
		json_object_set_new(e, "name", json_string(name));
	if (ua != NULL)
		json_object_set_new(e, "userAgent", json_string(ua));
	c->audit = e;
}

/* Adds the object a request acts on (its name and labels) to its entry. */
static void
sim_audit_object(struct sim_call *c, json_t *obj)
{
	json_t *labels;
	const char *name;

	if (c->audit == NULL || obj == NULL)
		return;
	name = sim_str(obj, "metadata.name");
	if (json_object_get(c->audit, "name") == NULL && name != NULL)
		json_object_set_new(c->audit, "name", json_string(name));
	labels = sim_path(obj, "metadata.labels");
	if (json_object_get(c->audit, "labels") == NULL &&
	    json_is_object(labels))
		json_object_set_new(c->audit, "labels", json_deep_copy(labels));
}

/* Records the first status code answered to an audited request. */
static void
sim_audit_code(struct sim_call *c, int code)
{
	if (c->audit != NULL && json_object_get(c->audit, "code") == NULL)
		json_object_set_new(c->audit, "code", json_integer(code));
}

/*
 * Keeps a finished entry: the last SIM_AUDIT_MAX in memory, every one in
 * --audit-log (flushed, so a reader sees it while the simulator runs).
 */
static void
sim_audit_commit(struct sim_call *c)
{
	struct sim *sim = c->sim;

	if (c->audit == NULL)
		return;
	if (sim->audit == NULL)
		sim->audit = json_array();
	if (sim->audit_log != NULL) {
		json_dumpf(c->audit, sim->audit_log, JSON_COMPACT);
		fputc('\n', sim->audit_log);
		fflush(sim->audit_log);
	}
	if (json_array_size(sim->audit) >= SIM_AUDIT_MAX)
		json_array_remove(sim->audit, 0);
	json_array_append_new(sim->audit, c->audit);
	c->audit = NULL;
}

/* Checks access and answers 403 in the apiserver's words when refused. */
static int
sim_authorize(struct sim_call *c, const char *verb, enum sim_rt rt,
    const char *ns, const char *name)
{
	const struct sim_rtype *t = &sim_rtypes[rt];
	/* The apiserver names a subresource it refuses, as "pods/exec". */
	const char *res = rt == SIM_RT_PODS && c->sub != NULL &&
	    strcmp(c->sub, "exec") == 0 ? "pods/exec" : t->name;
	char *q, *m, *where;

	/* The apiserver's RequestInfo puts a namespace in itself. */
	if (rt == SIM_RT_NAMESPACES && ns == NULL && name != NULL)
		ns = name;
	if (sim_can(c->user, verb, t->group, t->name, ns, NULL)) {
		/* Log reads too: whose process read which pod's log. */
		if (!sim_is_read(verb) || (rt == SIM_RT_PODS &&
		    c->sub != NULL && strcmp(c->sub, "log") == 0))
			sim_audit(c, verb, t->name, ns, name);
		return 0;
	}
	q = sim_qualified(rt);
	where = ns != NULL ? xprintf("in the namespace \"%s\"", ns) :
	    xstrdup("at the cluster scope");
	if (name != NULL)
		m = xprintf("%s \"%s\" is forbidden: User \"%s\" cannot %s "
		    "resource \"%s\" in API group \"%s\" %s", q, name,
		    c->user->name, verb, res, t->group, where);
	else
		m = xprintf("%s is forbidden: User \"%s\" cannot %s resource "
		    "\"%s\" in API group \"%s\" %s", q, c->user->name, verb,
		    res, t->group, where);
	sim_reply_status(c, 403, "Forbidden", m, sim_details(rt, name));
	free(m);
	free(q);
	free(where);
	return -1;
}

/* Finds the user of a bearer token. */
static struct sim_user *
sim_user_by_token(struct sim *sim, const char *tok)
{
	int i;

	for (i = 0; i < sim->nusers; i++) {
		if (sim->users[i].token != NULL &&
		    strcmp(sim->users[i].token, tok) == 0)
			return &sim->users[i];
	}
	return NULL;
}

/* Finds a configured user by name. */
static struct sim_user *
sim_user_by_name(struct sim *sim, const char *name)
{
	int i;

	for (i = 0; i < sim->nusers; i++) {
		if (strcmp(sim->users[i].name, name) == 0)
			return &sim->users[i];
	}
	return NULL;
}

/* Sets c->imp from a name and groups, taking rights from the user table. */
static void
sim_set_imp(struct sim_call *c, const char *name, json_t *groups)
{
	struct sim_user *known = sim_user_by_name(c->sim, name);

	c->imp.name = xstrdup(name);
	c->imp.token = NULL;
	c->imp.groups = groups;
	c->imp.resources = known ? json_incref(known->resources) : NULL;
	c->imp.namespaces = known ? json_incref(known->namespaces) :
	    json_array();
	c->imp.admin = known ? known->admin : false;
	c->imp.read_all = known ? known->read_all : false;
	c->imp.cluster_read = known != NULL && known->cluster_read;
	if (sim_has_str(groups, "system:masters", false))
		c->imp.admin = true;
	c->imp_used = true;
	c->user = &c->imp;
}

/* Authenticates by bearer token or client certificate, then impersonation. */
static int
sim_authenticate(struct sim_call *c)
{
	const char *auth = sim_h(c, "Authorization"), *iu;
	struct evkeyval *h;
	json_t *groups;
	char *cn;

	c->user = NULL;
	if (auth != NULL) {
		if (strncasecmp(auth, "Bearer ", 7) != 0 ||
		    (c->user = sim_user_by_token(c->sim, auth + 7)) == NULL) {
			sim_reply_status(c, 401, "Unauthorized", "Unauthorized",
			    NULL);
			return -1;
		}
	} else if (c->sim->ssl != NULL &&
	    (cn = sim_tls_peer(c->req, &groups)) != NULL) {
		json_array_append_new(groups,
		    json_string("system:authenticated"));
		sim_set_imp(c, cn, groups);
		free(cn);
	}
	iu = sim_h(c, "Impersonate-User");
	if (iu == NULL)
		return 0;
	if (c->user == NULL || !c->user->admin) {
		char *m = xprintf("users \"%s\" is forbidden: User \"%s\" cannot "
		    "impersonate resource \"users\" in API group \"\" at the "
		    "cluster scope", iu, c->user ? c->user->name :
		    "system:anonymous");

		sim_reply_status(c, 403, "Forbidden", m,
		    json_pack("{ssss}", "name", iu, "kind", "users"));
		free(m);
		return -1;
	}
	groups = json_array();
	TAILQ_FOREACH(h, evhttp_request_get_input_headers(c->req), next) {
		if (strcasecmp(h->key, "Impersonate-Group") == 0)
			json_array_append_new(groups, json_string(h->value));
	}
	json_array_append_new(groups, json_string("system:authenticated"));
	if (c->imp_used) {
		free(c->imp.name);
		json_decref(c->imp.groups);
		json_decref(c->imp.namespaces);
		json_decref(c->imp.resources);
	}
	c->impersonator = c->user->name;
	sim_set_imp(c, iu, groups);
	return 0;
}

/* Reads the request body as JSON (or YAML); NULL after answering 400. */
static json_t *
sim_body(struct sim_call *c, bool yaml)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(c->req);
	size_t len = evbuffer_get_length(in);
	const char *data = (const char *)evbuffer_pullup(in, -1);
	json_error_t err;
	json_t *j;
	char *cause = NULL, *m;

	if (len == 0) {
		sim_reply_status(c, 400, "BadRequest", "request body is empty",
		    NULL);
		return NULL;
	}
	if (yaml) {
		j = sim_yaml_to_json(data, len, &cause);
		if (j == NULL) {
			m = xprintf("error decoding YAML: %s", cause);
			sim_reply_status(c, 400, "BadRequest", m, NULL);
			free(m);
			free(cause);
		}
		return j;
	}
	j = json_loadb(data, len, 0, &err);
	if (j == NULL || !json_is_object(j)) {
		m = xprintf("couldn't get version/kind; json parse error: %s",
		    j ? "not an object" : err.text);
		sim_reply_status(c, 400, "BadRequest", m, NULL);
		free(m);
		json_decref(j);
		return NULL;
	}
	return j;
}

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
sim_discovery_resources(struct sim_call *c, const char *group)
{
	json_t *list = json_array(), *r, *sn;
	char *gv;
	int i;

	for (i = 0; i < SIM_RT_MAX; i++) {
		const struct sim_rtype *t = &sim_rtypes[i];

		if (strcmp(t->group, group) != 0)
			continue;
		r = json_pack("{sssssbsssosO}", "name", t->name, "singularName",
		    t->singular, "namespaced", t->namespaced, "kind", t->kind,
		    "verbs", sim_verbs(i), "storageVersionHash", json_null());
		json_object_del(r, "storageVersionHash");
		if (*t->short_names != '\0') {
			sn = json_array();
			json_array_append_new(sn, json_string(t->short_names));
			json_object_set_new(r, "shortNames", sn);
		}
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
		sim_reply_status(c, 404, "NotFound",
		    "the server could not find the requested resource", NULL);
		return;
	}
	doc = json_pack("{sss{ssss}sos{s{}}}", "openapi", "3.0.0", "info",
	    "title", "Kubernetes", "version", "v1.32.4", "paths", paths,
	    "components", "schemas");
	sim_reply_json(c, 200, doc);
}

/* Encodes a continue token (hex of "rv\nns\nname"). */
static char *
sim_continue_encode(int64_t rv, const char *ns, const char *name)
{
	char *raw = xprintf("%lld\n%s\n%s", (long long)rv, ns ? ns : "", name);
	size_t n = strlen(raw), i;
	char *out = xmalloc(2 * n + 1);

	for (i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", (unsigned char)raw[i]);
	free(raw);
	return out;
}

/* Decodes a continue token; -1 if malformed. */
static int
sim_continue_decode(const char *tok, char **ns, char **name)
{
	size_t n = strlen(tok), i;
	char *raw, *a, *b;
	unsigned int x;

	if (n % 2 != 0 || n > 2048)
		return -1;
	raw = xmalloc(n / 2 + 1);
	for (i = 0; i < n / 2; i++) {
		if (sscanf(tok + 2 * i, "%2x", &x) != 1) {
			free(raw);
			return -1;
		}
		raw[i] = (char)x;
	}
	raw[n / 2] = '\0';
	a = strchr(raw, '\n');
	b = a ? strchr(a + 1, '\n') : NULL;
	if (b == NULL) {
		free(raw);
		return -1;
	}
	*ns = xstrndup(a + 1, b - a - 1);
	*name = xstrdup(b + 1);
	free(raw);
	return 0;
}

/* The list kind of a type ("PodList"). */
static char *
sim_list_kind(enum sim_rt rt)
{
	return xprintf("%sList", sim_rtypes[rt].kind);
}

/* apiVersion of a type. */
static char *
sim_api_version(enum sim_rt rt)
{
	if (*sim_rtypes[rt].group == '\0')
		return xstrdup("v1");
	return xprintf("%s/v1", sim_rtypes[rt].group);
}

/* True if the client asked for server-side printing (kubectl). */
static bool
sim_wants_table(struct sim_call *c)
{
	const char *a = sim_h(c, "Accept");

	return a != NULL && strstr(a, "as=Table") != NULL;
}

/* Parses label and field selectors of the request; -1 after a 400. */
static int
sim_selectors(struct sim_call *c, enum sim_rt rt, struct sim_selector **ls,
    struct sim_selector **fs)
{
	char *cause = NULL;

	*ls = sim_selector_parse(sim_q(c, "labelSelector"), &cause);
	if (*ls == NULL) {
		sim_reply_status(c, 400, "BadRequest", cause, NULL);
		free(cause);
		return -1;
	}
	*fs = sim_field_selector_parse(sim_q(c, "fieldSelector"), &cause);
	if (*fs == NULL || sim_field_check(*fs, rt, &cause) != 0) {
		sim_reply_status(c, 400, "BadRequest", cause, NULL);
		free(cause);
		sim_selector_free(*ls);
		sim_selector_free(*fs);
		return -1;
	}
	return 0;
}

/* Collects matching objects in key order from a (ns, name) position. */
static json_t *
sim_collect(struct sim *sim, enum sim_rt rt, const char *ns,
    struct sim_selector *ls, struct sim_selector *fs, const char *start_ns,
    const char *start_name, long limit, char **next_ns, char **next_name,
    bool *start_missing)
{
	json_t *items, *m, *o;
	void *nsit, *it;
	bool started = start_ns == NULL;

	items = sim_index_collect(sim, rt, ns, ls, fs, start_ns, start_name,
	    limit, next_ns, next_name, start_missing);
	if (items != NULL)
		return items;
	items = json_array();
	*start_missing = false;
	for (nsit = json_object_iter(sim->objs[rt]); nsit != NULL;
	    nsit = json_object_iter_next(sim->objs[rt], nsit)) {
		const char *nsk = json_object_iter_key(nsit);

		if (ns != NULL && strcmp(ns, nsk) != 0)
			continue;
		m = json_object_iter_value(nsit);
		it = json_object_iter(m);
		if (!started) {
			if (strcmp(nsk, start_ns) != 0)
				continue;
			it = json_object_iter_at(m, start_name);
			started = true;
			if (it == NULL) {
				*start_missing = true;
				return items;
			}
		}
		for (; it != NULL; it = json_object_iter_next(m, it)) {
			o = json_object_iter_value(it);
			if (!sim_selector_matches(ls, sim_path(o,
			    "metadata.labels")) || !sim_field_matches(fs, o))
				continue;
			if (limit > 0 && (long)json_array_size(items) >= limit) {
				*next_ns = xstrdup(nsk);
				*next_name = xstrdup(json_object_iter_key(it));
				return items;
			}
			json_array_append(items, o);
		}
	}
	if (!started)
		*start_missing = true;
	return items;
}

/* Sends a list from the objects' cached serialisations. */
static void
sim_reply_list(struct sim_call *c, enum sim_rt rt, const char *kind,
    const char *av, json_t *meta, json_t *items)
{
	struct evbuffer *buf = evbuffer_new();
	json_t *o;
	size_t i, len;
	const char *text;

	evbuffer_add_printf(buf, "{\"kind\":\"%s\",\"apiVersion\":\"%s\","
	    "\"metadata\":", kind, av);
	json_dump_callback(meta, sim_dump_cb, buf, JSON_COMPACT);
	evbuffer_add(buf, ",\"items\":[", 10);
	json_array_foreach(items, i, o) {
		if (i > 0)
			evbuffer_add(buf, ",", 1);
		text = sim_serialized(c->sim, rt, o, &len);
		if (text != NULL)
			evbuffer_add(buf, text, len);
		else
			json_dump_callback(o, sim_dump_cb, buf, JSON_COMPACT);
	}
	evbuffer_add(buf, "]}", 2);
	json_decref(meta);
	json_decref(items);
	evhttp_add_header(evhttp_request_get_output_headers(c->req),
	    "Content-Type", "application/json");
	evhttp_send_reply(c->req, 200, "OK", buf);
	evbuffer_free(buf);
}

/* Answers a list, with limit/continue. */
static void
sim_list(struct sim_call *c, enum sim_rt rt, const char *ns)
{
	struct sim_selector *ls, *fs;
	const char *lim = sim_q(c, "limit"), *cont = sim_q(c, "continue");
	char *sns = NULL, *sname = NULL, *nns = NULL, *nname = NULL, *kind, *av;
	char rvs[32];
	json_t *items, *meta;
	bool missing;
	long limit = lim ? strtol(lim, NULL, 10) : 0;

	if (sim_selectors(c, rt, &ls, &fs) != 0)
		return;
	if (cont != NULL && *cont != '\0' &&
	    sim_continue_decode(cont, &sns, &sname) != 0) {
		sim_reply_status(c, 400, "BadRequest",
		    "continue key is not valid: incorrect encoded start "
		    "resourceVersion (version meta.k8s.io/v1)", NULL);
		goto out;
	}
	items = sim_collect(c->sim, rt, ns, ls, fs, sns, sname, limit, &nns,
	    &nname, &missing);
	if (sns != NULL && missing) {
		json_decref(items);
		sim_reply_status(c, 410, "Expired", "The provided continue "
		    "parameter is too old to display a consistent list result. "
		    "You can start a new list without the continue parameter.",
		    NULL);
		goto out;
	}
	snprintf(rvs, sizeof rvs, "%lld", (long long)c->sim->rv);
	meta = json_pack("{ss}", "resourceVersion", rvs);
	if (nns != NULL) {
		char *tok = sim_continue_encode(c->sim->rv, nns, nname);

		json_object_set_new(meta, "continue", json_string(tok));
		free(tok);
	}
	kind = sim_list_kind(rt);
	av = sim_api_version(rt);
	if (sim_wants_table(c)) {
		json_t *t = sim_table(c->sim, rt, items, true,
		    sim_q(c, "includeObject") != NULL &&
		    strcmp(sim_q(c, "includeObject"), "Object") == 0);

		json_object_set_new(t, "metadata", meta);
		json_decref(items);
		sim_reply_json(c, 200, t);
	} else
		sim_reply_list(c, rt, kind, av, meta, items);
	free(kind);
	free(av);
out:
	free(sns);
	free(sname);
	free(nns);
	free(nname);
	sim_selector_free(ls);
	sim_selector_free(fs);
}

/* Called by libevent when a watch client goes away. */
static void
sim_watch_closed(struct evhttp_connection *evcon, void *arg)
{
	(void)evcon;
	sim_watch_close(arg, false);
}

/* Ends a watch at its timeoutSeconds. */
static void
sim_watch_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	sim_watch_close(arg, true);
}

/* Sends a BOOKMARK with the current resourceVersion. */
static void
sim_watch_bookmark(evutil_socket_t fd, short what, void *arg)
{
	struct sim_watch *w = arg;
	char rvs[32], *av;
	json_t *o;

	(void)fd;
	(void)what;
	snprintf(rvs, sizeof rvs, "%lld", (long long)w->sim->rv);
	av = sim_api_version(w->rt);
	o = json_pack("{sssss{ss}}", "kind", sim_rtypes[w->rt].kind,
	    "apiVersion", av, "metadata", "resourceVersion", rvs);
	sim_watch_send(w, "BOOKMARK", o);
	json_decref(o);
	free(av);
}

/* Starts a watch: initial or replayed events, then live changes. */
static void
sim_watch_start(struct sim_call *c, enum sim_rt rt, const char *ns)
{
	struct sim *sim = c->sim;
	const char *rvq = sim_q(c, "resourceVersion");
	const char *to = sim_q(c, "timeoutSeconds");
	struct sim_selector *ls, *fs;
	struct sim_watch *w;
	struct timeval tv;
	long long rv = rvq ? strtoll(rvq, NULL, 10) : 0;
	long secs;
	int i;

	if (sim_selectors(c, rt, &ls, &fs) != 0)
		return;
	if (c->name != NULL) {
		struct sim_req *r;

		fs->reqs = xreallocarray(fs->reqs, fs->nreqs + 1,
		    sizeof *fs->reqs);
		r = &fs->reqs[fs->nreqs++];
		r->key = xstrdup("metadata.name");
		r->op = SIM_SEL_EQ;
		r->values = xcalloc(1, sizeof *r->values);
		r->values[0] = xstrdup(c->name);
		r->nvalues = 1;
	}
	w = xcalloc(1, sizeof *w);
	w->sim = sim;
	w->req = c->req;
	w->rt = rt;
	w->ns = ns ? xstrdup(ns) : NULL;
	w->labels = ls;
	w->fields = fs;
	w->bookmarks = sim_qbool(c, "allowWatchBookmarks");
	w->table = sim_wants_table(c);
	evhttp_add_header(evhttp_request_get_output_headers(c->req),
	    "Content-Type", "application/json");
	evhttp_send_reply_start(c->req, 200, "OK");
	w->next = sim->watches;
	sim->watches = w;
	sim->nwatch[rt]++;
	evhttp_connection_set_closecb(evhttp_request_get_connection(c->req),
	    sim_watch_closed, w);
	if (rv > 0 && rv < sim_oldest_rv(sim)) {
		char *m = xprintf("too old resource version: %lld (%lld)", rv,
		    (long long)sim_oldest_rv(sim) + 1);
		json_t *st = sim_status_new(410, "Expired", m, NULL);

		sim_watch_send(w, "ERROR", st);
		json_decref(st);
		free(m);
		sim_watch_close(w, true);
		return;
	}
	if (rv == 0) {
		json_t *items, *o;
		char *a = NULL, *b = NULL;
		bool missing;
		size_t k;

		items = sim_collect(sim, rt, ns, ls, fs, NULL, NULL, 0, &a, &b,
		    &missing);
		json_array_foreach(items, k, o)
			sim_watch_send(w, "ADDED", o);
		json_decref(items);
	} else {
		int start = (sim->ev_head - sim->ev_count + sim->nevents) %
		    sim->nevents;
		static const char *names[] = { "ADDED", "MODIFIED", "DELETED" };

		for (i = 0; i < sim->ev_count; i++) {
			struct sim_event *e = &sim->events[(start + i) %
			    sim->nevents];
			bool nm, om;

			if (e->rv <= rv || e->rt != rt)
				continue;
			nm = (w->ns == NULL || (sim_str(e->obj,
			    "metadata.namespace") && strcmp(w->ns,
			    sim_str(e->obj, "metadata.namespace")) == 0)) &&
			    sim_selector_matches(ls, sim_path(e->obj,
			    "metadata.labels")) && sim_field_matches(fs, e->obj);
			om = e->old != NULL && (w->ns == NULL ||
			    (sim_str(e->old, "metadata.namespace") &&
			    strcmp(w->ns, sim_str(e->old,
			    "metadata.namespace")) == 0)) &&
			    sim_selector_matches(ls, sim_path(e->old,
			    "metadata.labels")) && sim_field_matches(fs, e->old);
			if (e->type == 1 && nm && !om)
				sim_watch_send(w, "ADDED", e->obj);
			else if (e->type == 1 && !nm && om)
				sim_watch_send(w, "DELETED", e->obj);
			else if (nm)
				sim_watch_send(w, names[e->type], e->obj);
		}
	}
	secs = to ? strtol(to, NULL, 10) : 0;
	if (secs <= 0)
		secs = 1800 + (long)(sim_rand(sim) % 1800);
	tv.tv_sec = secs;
	tv.tv_usec = 0;
	w->timer = evtimer_new(sim->base, sim_watch_timeout, w);
	evtimer_add(w->timer, &tv);
	if (w->bookmarks) {
		struct timeval bt = { 5, 0 };

		w->bookmark_ev = event_new(sim->base, -1, EV_PERSIST,
		    sim_watch_bookmark, w);
		event_add(w->bookmark_ev, &bt);
	}
}

/* Copies what the server owns from the stored object into an update. */
static void
sim_keep_meta(json_t *new, json_t *old)
{
	static const char *keep[] = { "uid", "creationTimestamp", "namespace",
		"name", "generation", "deletionTimestamp",
		"deletionGracePeriodSeconds" };
	json_t *nm = json_object_get(new, "metadata"), *om, *v;
	size_t i;

	if (!json_is_object(nm)) {
		nm = json_object();
		json_object_set_new(new, "metadata", nm);
	}
	om = json_object_get(old, "metadata");
	for (i = 0; i < nitems(keep); i++) {
		v = json_object_get(om, keep[i]);
		if (v != NULL)
			json_object_set(nm, keep[i], v);
		else
			json_object_del(nm, keep[i]);
	}
	json_object_set(new, "apiVersion", json_object_get(old, "apiVersion"));
	json_object_set(new, "kind", json_object_get(old, "kind"));
}

/* Stores an update with the apiserver's checks: conflict, status rules. */
static void
sim_apply_update(struct sim_call *c, enum sim_rt rt, json_t *old, json_t *new)
{
	const char *brv = sim_str(new, "metadata.resourceVersion");
	const char *orv = sim_str(old, "metadata.resourceVersion");
	json_t *stored;
	char *q, *m;

	if (brv != NULL && *brv != '\0' && strcmp(brv, orv) != 0) {
		q = sim_qualified(rt);
		m = xprintf("Operation cannot be fulfilled on %s \"%s\": the "
		    "object has been modified; please apply your changes to the "
		    "latest version and try again", q, c->name);
		sim_reply_status(c, 409, "Conflict", m, sim_details(rt, c->name));
		free(m);
		free(q);
		json_decref(new);
		return;
	}
	sim_keep_meta(new, old);
	if (c->sub == NULL && (stored = sim_prepare_update(rt, old, new)) !=
	    NULL) {
		json_decref(new);
		sim_reply_json(c, (int)json_integer_value(json_object_get(stored,
		    "code")), stored);
		return;
	}
	if (c->sub != NULL && strcmp(c->sub, "status") == 0) {
		json_t *st = json_incref(json_object_get(new, "status"));

		json_decref(new);
		new = json_deep_copy(old);
		if (st != NULL)
			json_object_set_new(new, "status", st);
	} else if (sim_rtypes[rt].has_status) {
		json_t *st = json_object_get(old, "status");

		if (st != NULL)
			json_object_set(new, "status", st);
		else
			json_object_del(new, "status");
		if (!json_equal(json_object_get(new, "spec"),
		    json_object_get(old, "spec")) &&
		    sim_path(old, "metadata.generation") != NULL)
			sim_set(new, "metadata.generation", json_integer(
			    json_integer_value(sim_path(old,
			    "metadata.generation")) + 1));
	}
	if (rt == SIM_RT_DEPLOYMENTS || rt == SIM_RT_REPLICASETS) {
		json_t *r = sim_path(new, "spec.replicas");

		if (r != NULL && (!json_is_integer(r) ||
		    json_integer_value(r) < 0)) {
			q = xprintf("%s.%s \"%s\" is invalid: spec.replicas: "
			    "Invalid value: %lld: must be greater than or equal "
			    "to 0", sim_rtypes[rt].kind, sim_rtypes[rt].group,
			    c->name, (long long)json_integer_value(r));
			sim_reply_status(c, 422, "Invalid", q,
			    sim_details(rt, c->name));
			free(q);
			json_decref(new);
			return;
		}
	}
	/* Removing the last finalizer of a deleted object completes it. */
	if (sim_path(new, "metadata.deletionTimestamp") != NULL &&
	    json_array_size(sim_path(new, "metadata.finalizers")) == 0 &&
	    rt != SIM_RT_PODS) {
		json_t *fin = json_deep_copy(new);

		json_decref(new);
		sim_remove(c->sim, rt, c->ns, c->name);
		sim_reply_json(c, 200, fin);
		return;
	}
	stored = sim_put(c->sim, rt, new);
	sim_reply_json(c, 200, json_incref(stored));
}

/* RFC 7386 merge patch; strategic-merge directives ("$...") are dropped. */
static json_t *
sim_merge_patch(json_t *target, json_t *patch)
{
	const char *k;
	json_t *v;

	if (!json_is_object(patch))
		return json_deep_copy(patch);
	if (!json_is_object(target))
		target = json_object();
	else
		target = json_deep_copy(target);
	json_object_foreach(patch, k, v) {
		if (k[0] == '$')
			continue;
		if (json_is_null(v))
			json_object_del(target, k);
		else {
			json_t *m = sim_merge_patch(json_object_get(target, k), v);

			json_object_set_new(target, k, m);
		}
	}
	return target;
}

/* Resolves a JSON pointer's parent and last token for JSON patch. */
static json_t *
sim_pointer_parent(json_t *doc, const char *ptr, char *last, size_t lastsz)
{
	char tok[256];
	const char *p = ptr, *e;
	json_t *cur = doc;

	if (*p != '/')
		return NULL;
	for (;;) {
		size_t n, i, j = 0;

		p++;
		e = strchr(p, '/');
		n = e ? (size_t)(e - p) : strlen(p);
		if (n >= sizeof tok)
			return NULL;
		for (i = 0; i < n; i++) {
			if (p[i] == '~' && i + 1 < n && p[i + 1] == '1')
				tok[j++] = '/', i++;
			else if (p[i] == '~' && i + 1 < n && p[i + 1] == '0')
				tok[j++] = '~', i++;
			else
				tok[j++] = p[i];
		}
		tok[j] = '\0';
		if (e == NULL) {
			snprintf(last, lastsz, "%s", tok);
			return cur;
		}
		if (json_is_object(cur))
			cur = json_object_get(cur, tok);
		else if (json_is_array(cur))
			cur = json_array_get(cur, strtoul(tok, NULL, 10));
		else
			return NULL;
		if (cur == NULL)
			return NULL;
		p = e;
	}
}

/* RFC 6902 JSON patch: add, remove, replace, test; NULL on failure. */
static json_t *
sim_json_patch(json_t *target, json_t *ops)
{
	json_t *doc = json_deep_copy(target), *op, *parent, *val;
	char last[256];
	size_t i;

	json_array_foreach(ops, i, op) {
		const char *o = sim_str(op, "op"), *path = sim_str(op, "path");

		if (o == NULL || path == NULL)
			goto fail;
		parent = sim_pointer_parent(doc, path, last, sizeof last);
		if (parent == NULL)
			goto fail;
		val = json_object_get(op, "value");
		if (strcmp(o, "add") == 0 || strcmp(o, "replace") == 0) {
			if (val == NULL)
				goto fail;
			if (json_is_object(parent))
				json_object_set(parent, last, val);
			else if (json_is_array(parent) && strcmp(last, "-") == 0)
				json_array_append(parent, val);
			else if (json_is_array(parent) && strcmp(o, "add") == 0)
				json_array_insert(parent, strtoul(last, NULL, 10),
				    val);
			else if (json_is_array(parent))
				json_array_set(parent, strtoul(last, NULL, 10),
				    val);
			else
				goto fail;
		} else if (strcmp(o, "remove") == 0) {
			if (json_is_object(parent)) {
				if (json_object_del(parent, last) != 0)
					goto fail;
			} else if (json_is_array(parent)) {
				if (json_array_remove(parent,
				    strtoul(last, NULL, 10)) != 0)
					goto fail;
			} else
				goto fail;
		} else if (strcmp(o, "test") == 0) {
			json_t *cur = json_is_object(parent) ?
			    json_object_get(parent, last) :
			    json_array_get(parent, strtoul(last, NULL, 10));

			if (!json_equal(cur, val))
				goto fail;
		} else
			goto fail;
	}
	return doc;
fail:
	json_decref(doc);
	return NULL;
}

/* Answers a failed admission with its Status. */
static void
sim_reply_admit_error(struct sim_call *c, json_t *st)
{
	sim_reply_json(c, (int)json_integer_value(json_object_get(st, "code")),
	    st);
}

/* POST to a collection: create. */
static void
sim_create(struct sim_call *c, enum sim_rt rt, const char *ns)
{
	json_t *obj, *stored, *st = NULL;
	const char *bns;

	if ((obj = sim_body(c, false)) == NULL)
		return;
	sim_audit_object(c, obj);
	if (sim_fields_admit(c->req, rt, obj, sim_q(c, "fieldValidation"),
	    "create", NULL, &st) != 0) {
		json_decref(obj);
		sim_reply_admit_error(c, st);
		return;
	}
	bns = sim_str(obj, "metadata.namespace");
	if (ns != NULL && bns != NULL && *bns != '\0' && strcmp(bns, ns) != 0) {
		sim_reply_status(c, 400, "BadRequest", "the namespace of the "
		    "provided object does not match the namespace sent on the "
		    "request", NULL);
		json_decref(obj);
		return;
	}
	if (ns != NULL)
		sim_set(obj, "metadata.namespace", json_string(ns));
	else if (json_is_object(json_object_get(obj, "metadata")))
		json_object_del(json_object_get(obj, "metadata"), "namespace");
	if (sim_q(c, "dryRun") != NULL) {
		/* Validation only: answer with the object as it would be. */
		sim_reply_json(c, 201, obj);
		return;
	}
	stored = sim_admit_create(c->sim, rt, obj, &st);
	if (stored == NULL) {
		sim_reply_admit_error(c, st);
		return;
	}
	sim_audit_object(c, stored);
	sim_reply_json(c, 201, json_incref(stored));
}

/* Reads delete options from the body and the query. */
static json_t *
sim_delete_options(struct sim_call *c)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(c->req);
	size_t len = evbuffer_get_length(in);
	json_t *o = NULL;

	if (len > 0)
		o = json_loadb((const char *)evbuffer_pullup(in, -1), len, 0,
		    NULL);
	if (!json_is_object(o)) {
		json_decref(o);
		o = json_object();
	}
	if (sim_q(c, "propagationPolicy") != NULL)
		json_object_set_new(o, "propagationPolicy",
		    json_string(sim_q(c, "propagationPolicy")));
	if (sim_q(c, "gracePeriodSeconds") != NULL)
		json_object_set_new(o, "gracePeriodSeconds", json_integer(
		    strtoll(sim_q(c, "gracePeriodSeconds"), NULL, 10)));
	if (json_is_false(json_object_get(o, "orphanDependents")) &&
	    json_object_get(o, "propagationPolicy") == NULL)
		json_object_set_new(o, "propagationPolicy",
		    json_string("Background"));
	if (json_is_true(json_object_get(o, "orphanDependents")) &&
	    json_object_get(o, "propagationPolicy") == NULL)
		json_object_set_new(o, "propagationPolicy",
		    json_string("Orphan"));
	return o;
}

/* DELETE of one object with policy and preconditions. */
static void
sim_delete_one(struct sim_call *c, enum sim_rt rt, json_t *obj)
{
	json_t *opts = sim_delete_options(c), *res = NULL, *pre;
	const char *pol = sim_str(opts, "propagationPolicy");
	json_t *gp = json_object_get(opts, "gracePeriodSeconds");
	int64_t grace = json_is_integer(gp) ? json_integer_value(gp) : -1;
	const char *puid, *prv;
	char *q, *m;
	int r;

	pre = json_object_get(opts, "preconditions");
	puid = sim_str(pre, "uid");
	prv = sim_str(pre, "resourceVersion");
	if ((puid != NULL && strcmp(puid, sim_str(obj, "metadata.uid")) != 0) ||
	    (prv != NULL && strcmp(prv,
	    sim_str(obj, "metadata.resourceVersion")) != 0)) {
		q = sim_qualified(rt);
		if (puid != NULL && strcmp(puid, sim_str(obj, "metadata.uid")))
			m = xprintf("Operation cannot be fulfilled on %s \"%s\": "
			    "Precondition failed: UID in precondition: %s, UID "
			    "in object meta: %s", q, c->name, puid,
			    sim_str(obj, "metadata.uid"));
		else
			m = xprintf("Operation cannot be fulfilled on %s \"%s\": "
			    "Precondition failed: ResourceVersion in "
			    "precondition: %s, ResourceVersion in object meta: "
			    "%s", q, c->name, prv,
			    sim_str(obj, "metadata.resourceVersion"));
		sim_reply_status(c, 409, "Conflict", m, sim_details(rt, c->name));
		free(q);
		free(m);
		json_decref(opts);
		return;
	}
	if (pol != NULL && strcmp(pol, "Background") != 0 &&
	    strcmp(pol, "Foreground") != 0 && strcmp(pol, "Orphan") != 0) {
		sim_reply_status(c, 422, "Invalid", "propagationPolicy: "
		    "Unsupported value", NULL);
		json_decref(opts);
		return;
	}
	if (pol == NULL && rt == SIM_RT_JOBS)
		evhttp_add_header(evhttp_request_get_output_headers(c->req),
		    "Warning", "299 - \"child pods are preserved by default when "
		    "jobs are deleted; set propagationPolicy=Background to remove "
		    "them or set propagationPolicy=Orphan to suppress this "
		    "warning\"");
	json_incref(obj);
	r = sim_delete(c->sim, rt, c->ns, c->name, pol, grace, &res);
	json_decref(opts);
	if (r == 1 || rt == SIM_RT_PODS) {
		json_decref(obj);
		sim_reply_json(c, 200, res);
		return;
	}
	json_decref(res);
	sim_reply_json(c, 200, json_pack("{sssss{}sss{ssssssss}}", "kind",
	    "Status", "apiVersion", "v1", "metadata", "status", "Success",
	    "details", "name", c->name, "group", sim_rtypes[rt].group, "kind",
	    sim_rtypes[rt].name, "uid", sim_str(obj, "metadata.uid")));
	json_decref(obj);
}

/* DELETE on a collection. */
static void
sim_delete_collection(struct sim_call *c, enum sim_rt rt, const char *ns)
{
	struct sim_selector *ls, *fs;
	json_t *items, *o, *opts, *res, *out = json_array();
	char *a = NULL, *b = NULL, *kind, *av, rvs[32];
	bool missing;
	size_t i;

	if (sim_selectors(c, rt, &ls, &fs) != 0) {
		json_decref(out);
		return;
	}
	opts = sim_delete_options(c);
	items = sim_collect(c->sim, rt, ns, ls, fs, NULL, NULL, 0, &a, &b,
	    &missing);
	json_array_foreach(items, i, o) {
		json_t *gp = json_object_get(opts, "gracePeriodSeconds");

		res = NULL;
		sim_delete(c->sim, rt, sim_str(o, "metadata.namespace"),
		    sim_str(o, "metadata.name"),
		    sim_str(opts, "propagationPolicy"),
		    json_is_integer(gp) ? json_integer_value(gp) : -1, &res);
		if (res != NULL)
			json_array_append_new(out, res);
	}
	json_decref(items);
	json_decref(opts);
	sim_selector_free(ls);
	sim_selector_free(fs);
	kind = sim_list_kind(rt);
	av = sim_api_version(rt);
	snprintf(rvs, sizeof rvs, "%lld", (long long)c->sim->rv);
	sim_reply_json(c, 200, json_pack("{sssss{ss}so}", "kind", kind,
	    "apiVersion", av, "metadata", "resourceVersion", rvs, "items", out));
	free(kind);
	free(av);
}

/* PATCH: merge, strategic (as merge), JSON patch, or apply. */
static void
sim_patch(struct sim_call *c, enum sim_rt rt, json_t *old)
{
	const char *ct = sim_h(c, "Content-Type");
	const char *fv = sim_q(c, "fieldValidation");
	bool apply = ct != NULL && strstr(ct, "apply-patch") != NULL;
	json_t *body, *new, *st = NULL;
	char *text;

	if (ct == NULL || (strstr(ct, "merge-patch") == NULL &&
	    strstr(ct, "json-patch") == NULL && !apply)) {
		char *m = xprintf("the body of the request was in an unknown "
		    "format - accepted media types include: "
		    "application/json-patch+json, application/merge-patch+json, "
		    "application/apply-patch+yaml");

		sim_reply_status(c, 415, "UnsupportedMediaType", m, NULL);
		free(m);
		return;
	}
	if (strstr(ct, "json-patch") != NULL) {
		struct evbuffer *in = evhttp_request_get_input_buffer(c->req);

		body = json_loadb((const char *)evbuffer_pullup(in, -1),
		    evbuffer_get_length(in), 0, NULL);
		if (!json_is_array(body)) {
			json_decref(body);
			sim_reply_status(c, 400, "BadRequest",
			    "json patch must be an array", NULL);
			return;
		}
	} else if ((body = sim_body(c, apply)) == NULL)
		return;
	if (old == NULL) {
		if (!apply) {
			json_decref(body);
			sim_not_found(c, rt, c->name);
			return;
		}
		{
			json_t *stored;

			if (sim_fields_admit(c->req, rt, body, fv, "patch",
			    NULL, &st) != 0) {
				json_decref(body);
				sim_reply_admit_error(c, st);
				return;
			}
			sim_set(body, "metadata.name", json_string(c->name));
			if (c->ns != NULL)
				sim_set(body, "metadata.namespace",
				    json_string(c->ns));
			stored = sim_admit_create(c->sim, rt, body, &st);
			if (stored == NULL) {
				sim_reply_admit_error(c, st);
				return;
			}
			sim_reply_json(c, 201, json_incref(stored));
			return;
		}
	}
	if (json_is_array(body))
		new = sim_json_patch(old, body);
	else if (strstr(ct, "strategic") != NULL)
		new = sim_strategic_patch(rt, old, body);
	else
		new = sim_merge_patch(old, body);
	if (new == NULL) {
		json_decref(body);
		sim_reply_status(c, 422, "Invalid",
		    "the server rejected our request due to an error in our "
		    "request", NULL);
		return;
	}
	/* The patch handler's strict error quotes the patch. */
	text = fv != NULL && strcmp(fv, "Strict") == 0 ?
	    sim_patch_text(ct, body, new) : NULL;
	json_decref(body);
	if (sim_fields_admit(c->req, rt, new, fv, "patch", text ? text : "",
	    &st) != 0) {
		free(text);
		json_decref(new);
		sim_reply_admit_error(c, st);
		return;
	}
	free(text);
	/* A patch without resourceVersion never conflicts. */
	if (json_equal(sim_path(new, "metadata.resourceVersion"),
	    sim_path(old, "metadata.resourceVersion")))
		sim_set(new, "metadata.resourceVersion", json_string(""));
	sim_apply_update(c, rt, old, new);
}

/* Closes a log follower. */
static void
sim_follow_free(struct sim_follow *f, bool end)
{
	struct sim_follow **p;

	for (p = &sim_follows; *p != NULL; p = &(*p)->next) {
		if (*p == f) {
			*p = f->next;
			break;
		}
	}
	if (end) {
		evhttp_connection_set_closecb(evhttp_request_get_connection(
		    f->req), NULL, NULL);
		evhttp_send_reply_end(f->req);
	}
	event_free(f->ev);
	free(f->ns);
	free(f->name);
	free(f->container);
	free(f);
}

/* Called when a follower's client goes away. */
static void
sim_follow_closed(struct evhttp_connection *evcon, void *arg)
{
	(void)evcon;
	sim_follow_free(arg, false);
}

/* Sends new log text to a follower; ends when the container stops. */
static void
sim_follow_tick(evutil_socket_t fd, short what, void *arg)
{
	struct sim_follow *f = arg;
	json_t *pod = sim_get(f->sim, SIM_RT_PODS, f->ns, f->name);
	struct evbuffer *buf;
	bool running = false;
	char *text;

	(void)fd;
	(void)what;
	if (pod == NULL) {
		sim_follow_free(f, true);
		return;
	}
	text = sim_pod_log(f->sim, pod, f->container, false, false, &running);
	if (text != NULL && strlen(text) > f->sent) {
		buf = evbuffer_new();
		evbuffer_add(buf, text + f->sent, strlen(text) - f->sent);
		evhttp_send_reply_chunk(f->req, buf);
		evbuffer_free(buf);
		f->sent = strlen(text);
	}
	free(text);
	if (!running)
		sim_follow_free(f, true);
}

/* GET pods/NAME/log. */
static void
sim_logs(struct sim_call *c, json_t *pod)
{
	const char *ctr = sim_q(c, "container"), *tl = sim_q(c, "tailLines");
	const char *lb = sim_q(c, "limitBytes");
	json_t *ctrs = sim_path(pod, "spec.containers");
	struct evbuffer *buf;
	bool running = false, follow = sim_qbool(c, "follow");
	char *text, *m;
	const char *start;
	size_t i, len;
	json_t *x;

	if (ctr == NULL) {
		if (json_array_size(ctrs) > 1) {
			m = xprintf("a container name must be specified for pod "
			    "%s, choose one of: [", c->name);
			json_array_foreach(ctrs, i, x) {
				char *t = xprintf("%s%s%s", m, i ? " " : "",
				    sim_str(x, "name"));

				free(m);
				m = t;
			}
			text = xprintf("%s]", m);
			sim_reply_status(c, 400, "BadRequest", text, NULL);
			free(text);
			free(m);
			return;
		}
		ctr = sim_str(json_array_get(ctrs, 0), "name");
	}
	text = sim_pod_log(c->sim, pod, ctr, sim_qbool(c, "previous"),
	    sim_qbool(c, "timestamps"), &running);
	if (text == NULL) {
		const char *why = sim_str(json_array_get(sim_path(pod,
		    "status.containerStatuses"), 0), "state.waiting.reason");

		m = xprintf("container \"%s\" in pod \"%s\" is waiting to start: "
		    "%s", ctr ? ctr : "", c->name, why ? why :
		    "ContainerCreating");
		sim_reply_status(c, 400, "BadRequest", m, NULL);
		free(m);
		return;
	}
	start = text;
	len = strlen(text);
	if (tl != NULL && !follow) {
		long n = strtol(tl, NULL, 10);
		const char *p = text + len;

		if (len > 0 && p[-1] == '\n')
			p--;
		while (n > 0 && p > text) {
			p--;
			if (*p == '\n' && --n == 0) {
				p++;
				break;
			}
		}
		if (n > 0)
			p = text;
		start = p;
		len = strlen(start);
	}
	if (lb != NULL && strtol(lb, NULL, 10) > 0 &&
	    (size_t)strtol(lb, NULL, 10) < len)
		len = (size_t)strtol(lb, NULL, 10);
	evhttp_add_header(evhttp_request_get_output_headers(c->req),
	    "Content-Type", "text/plain");
	buf = evbuffer_new();
	evbuffer_add(buf, start, len);
	if (follow && running) {
		struct sim_follow *f = xcalloc(1, sizeof *f);
		struct timeval tv = { 0, 200000 };

		f->sim = c->sim;
		f->req = c->req;
		f->ns = xstrdup(c->ns);
		f->name = xstrdup(c->name);
		f->container = xstrdup(ctr);
		f->sent = strlen(text);
		f->ev = event_new(c->sim->base, -1, EV_PERSIST, sim_follow_tick, f);
		event_add(f->ev, &tv);
		f->next = sim_follows;
		sim_follows = f;
		sim_audit_code(c, 200);
		evhttp_send_reply_start(c->req, 200, "OK");
		evhttp_send_reply_chunk(c->req, buf);
		evhttp_connection_set_closecb(evhttp_request_get_connection(
		    c->req), sim_follow_closed, f);
	} else {
		sim_audit_code(c, 200);
		evhttp_send_reply(c->req, 200, "OK", buf);
	}
	evbuffer_free(buf);
	free(text);
}

/* The userInfo object of a user. */
static json_t *
sim_user_info(struct sim_user *u)
{
	return json_pack("{sssO}", "username", u->name, "groups", u->groups);
}

/* The review types: who am I, may I, may they, whose token. */
static void
sim_review(struct sim_call *c, enum sim_rt rt)
{
	json_t *body, *out, *ra, *spec;
	struct sim_user *u = c->user;
	const char *why;
	bool allowed;

	if (sim_h(c, "Content-Type") != NULL &&
	    strstr(sim_h(c, "Content-Type"), "protobuf") != NULL) {
		struct evbuffer *in = evhttp_request_get_input_buffer(c->req);

		body = sim_proto_review(evbuffer_pullup(in, -1),
		    evbuffer_get_length(in), rt);
		if (body == NULL) {
			sim_reply_status(c, 415, "UnsupportedMediaType",
			    "the body of the request was in an unknown format",
			    NULL);
			return;
		}
	} else if ((body = sim_body(c, false)) == NULL)
		return;
	out = json_deep_copy(body);
	json_decref(body);
	json_object_set_new(out, "apiVersion", json_string(rt ==
	    SIM_RT_SELFSUBJECTREVIEWS || rt == SIM_RT_TOKENREVIEWS ?
	    "authentication.k8s.io/v1" : "authorization.k8s.io/v1"));
	json_object_set_new(out, "kind", json_string(sim_rtypes[rt].kind));
	sim_set(out, "metadata.creationTimestamp", json_null());
	spec = json_object_get(out, "spec");
	switch (rt) {
	case SIM_RT_SELFSUBJECTREVIEWS:
		json_object_set_new(out, "status", json_pack("{so}", "userInfo",
		    sim_user_info(u)));
		break;
	case SIM_RT_TOKENREVIEWS: {
		const char *tok = sim_str(spec, "token");
		struct sim_user *tu = tok ? sim_user_by_token(c->sim, tok) : NULL;

		if (tu != NULL)
			json_object_set_new(out, "status", json_pack(
			    "{sbso}", "authenticated", 1, "user",
			    sim_user_info(tu)));
		else
			json_object_set_new(out, "status", json_pack(
			    "{sbss}", "authenticated", 0, "error",
			    "invalid bearer token"));
		break;
	}
	case SIM_RT_SSAR:
	case SIM_RT_SAR: {
		struct sim_user tmp;
		json_t *g = NULL;

		if (rt == SIM_RT_SAR) {
			const char *un = sim_str(spec, "user");
			struct sim_user *known = un ?
			    sim_user_by_name(c->sim, un) : NULL;

			memset(&tmp, 0, sizeof tmp);
			tmp.name = (char *)(un ? un : "");
			g = json_is_array(json_object_get(spec, "groups")) ?
			    json_incref(json_object_get(spec, "groups")) :
			    json_array();
			tmp.groups = g;
			tmp.namespaces = known ? known->namespaces : NULL;
			tmp.resources = known ? known->resources : NULL;
			tmp.admin = known ? known->admin : false;
			tmp.read_all = known ? known->read_all : false;
			tmp.cluster_read = known != NULL &&
			    known->cluster_read;
			u = &tmp;
		}
		ra = json_object_get(spec, "resourceAttributes");
		if (ra != NULL) {
			const char *ns = sim_str(ra, "namespace");
			const char *res = sim_str(ra, "resource");

			allowed = sim_can(u, sim_str(ra, "verb") ?
			    sim_str(ra, "verb") : "get", sim_str(ra, "group") ?
			    sim_str(ra, "group") : "", res ? res : "",
			    ns && *ns ? ns : NULL, &why);
		} else {
			allowed = true;
			why = u->admin ? "allowed by cluster admin" :
			    "allowed by namespace rights";
		}
		if (allowed)
			json_object_set_new(out, "status", json_pack("{sbss}",
			    "allowed", 1, "reason", why));
		else
			json_object_set_new(out, "status", json_pack("{sb}",
			    "allowed", 0));
		json_decref(g);
		break;
	}
	default:
		break;
	}
	sim_reply_json(c, 201, out);
}

/* The admin endpoints: GET/POST /sim/faults, GET /sim/state. */
static void sim_admin(struct sim_call *);

/* Splits the path into segments (at most nitems(c->segs)). */
static int
sim_split(struct sim_call *c, const char *path)
{
	const char *p = path, *e;

	while (*p == '/')
		p++;
	while (*p != '\0') {
		if (c->nsegs == (int)nitems(c->segs))
			return -1;
		e = strchr(p, '/');
		if (e == NULL)
			e = p + strlen(p);
		c->segs[c->nsegs++] = xstrndup(p, e - p);
		p = e;
		while (*p == '/')
			p++;
	}
	return 0;
}

/* Dispatches a resource path after discovery has been ruled out. */
static void
sim_resource(struct sim_call *c, char **s, int n)
{
	const char *verb;
	json_t *obj;
	int rt;

	c->ns = NULL;
	if (n >= 3 && strcmp(s[0], "namespaces") == 0) {
		c->ns = s[1];
		s += 2;
		n -= 2;
	} else if (n == 2 && strcmp(s[0], "namespaces") == 0) {
		/* The namespace object itself. */
	}
	if (n < 1 || n > 3) {
		sim_reply_status(c, 404, "NotFound",
		    "the server could not find the requested resource", NULL);
		return;
	}
	rt = sim_rt_find(c->group, s[0]);
	if (rt < 0) {
		sim_reply_status(c, 404, "NotFound",
		    "the server could not find the requested resource", NULL);
		return;
	}
	c->rt = rt;
	c->name = n >= 2 ? s[1] : NULL;
	c->sub = n >= 3 ? s[2] : NULL;
	if (sim_rtypes[rt].namespaced && c->ns == NULL && c->name != NULL) {
		sim_reply_status(c, 404, "NotFound",
		    "the server could not find the requested resource", NULL);
		return;
	}
	if (!sim_rtypes[rt].namespaced && c->ns != NULL) {
		sim_reply_status(c, 404, "NotFound",
		    "the server could not find the requested resource", NULL);
		return;
	}
	if (c->user == NULL) {
		sim_reply_status(c, 401, "Unauthorized", "Unauthorized", NULL);
		return;
	}
	if (!sim_rtypes[rt].stored) {
		if (c->method != EVHTTP_REQ_POST) {
			sim_reply_status(c, 405, "MethodNotAllowed",
			    "the server does not allow this method on the "
			    "requested resource", NULL);
			return;
		}
		if (sim_authorize(c, "create", rt, NULL, NULL) != 0)
			return;
		sim_review(c, rt);
		return;
	}
	if (c->ns != NULL && rt != SIM_RT_NAMESPACES &&
	    sim_get(c->sim, SIM_RT_NAMESPACES, NULL, c->ns) == NULL &&
	    c->method == EVHTTP_REQ_POST) {
		if (sim_authorize(c, "create", rt, c->ns, NULL) != 0)
			return;
		{
			char *m = xprintf("namespaces \"%s\" not found", c->ns);

			sim_reply_status(c, 404, "NotFound", m, json_pack(
			    "{ssss}", "name", c->ns, "kind", "namespaces"));
			free(m);
		}
		return;
	}
	if (c->name == NULL) {
		bool watch = sim_qbool(c, "watch");

		switch (c->method) {
		case EVHTTP_REQ_GET:
			verb = watch ? "watch" : "list";
			if (sim_authorize(c, verb, rt, c->ns, NULL) != 0)
				return;
			if (watch)
				sim_watch_start(c, rt, c->ns);
			else
				sim_list(c, rt, c->ns);
			return;
		case EVHTTP_REQ_POST:
			if (sim_authorize(c, "create", rt, c->ns, NULL) != 0)
				return;
			sim_create(c, rt, c->ns);
			return;
		case EVHTTP_REQ_DELETE:
			if (sim_authorize(c, "deletecollection", rt, c->ns,
			    NULL) != 0)
				return;
			sim_delete_collection(c, rt, c->ns);
			return;
		default:
			break;
		}
		sim_reply_status(c, 405, "MethodNotAllowed",
		    "the server does not allow this method on the requested "
		    "resource", NULL);
		return;
	}
	if (rt == SIM_RT_PODS && c->sub != NULL && strcmp(c->sub, "exec") == 0) {
		sim_exec_route(c);
		return;
	}
	if (c->sub != NULL && strcmp(c->sub, "status") != 0 &&
	    !(rt == SIM_RT_PODS && strcmp(c->sub, "log") == 0)) {
		sim_reply_status(c, 404, "NotFound",
		    "the server could not find the requested resource", NULL);
		return;
	}
	switch (c->method) {
	case EVHTTP_REQ_GET:
		verb = "get";
		break;
	case EVHTTP_REQ_PUT:
		verb = "update";
		break;
	case EVHTTP_REQ_PATCH:
		verb = "patch";
		break;
	case EVHTTP_REQ_DELETE:
		verb = "delete";
		break;
	default:
		sim_reply_status(c, 405, "MethodNotAllowed",
		    "the server does not allow this method on the requested "
		    "resource", NULL);
		return;
	}
	if (sim_authorize(c, verb, rt, c->ns, c->name) != 0)
		return;
	obj = sim_get(c->sim, rt, c->ns, c->name);
	sim_audit_object(c, obj);
	if (c->method == EVHTTP_REQ_GET && sim_qbool(c, "watch")) {
		sim_watch_start(c, rt, c->ns);
		return;
	}
	if (obj == NULL && !(c->method == EVHTTP_REQ_PATCH)) {
		sim_not_found(c, rt, c->name);
		return;
	}
	switch (c->method) {
	case EVHTTP_REQ_GET:
		if (c->sub != NULL && strcmp(c->sub, "log") == 0)
			sim_logs(c, obj);
		else if (sim_wants_table(c)) {
			json_t *one = json_pack("[O]", obj);

			sim_reply_json(c, 200, sim_table(c->sim, rt, one, true,
			    false));
			json_decref(one);
		} else
			sim_reply_json(c, 200, json_incref(obj));
		return;
	case EVHTTP_REQ_PUT: {
		json_t *body = sim_body(c, false), *st = NULL;
		const char *bn;

		if (body == NULL)
			return;
		if (sim_fields_admit(c->req, rt, body, sim_q(c,
		    "fieldValidation"), "update", NULL, &st) != 0) {
			json_decref(body);
			sim_reply_admit_error(c, st);
			return;
		}
		bn = sim_str(body, "metadata.name");
		if (bn != NULL && strcmp(bn, c->name) != 0) {
			char *m = xprintf("the name of the object (%s) does not "
			    "match the name on the URL (%s)", bn, c->name);

			sim_reply_status(c, 400, "BadRequest", m, NULL);
			free(m);
			json_decref(body);
			return;
		}
		sim_apply_update(c, rt, obj, body);
		return;
	}
	case EVHTTP_REQ_PATCH:
		sim_patch(c, rt, obj);
		return;
	case EVHTTP_REQ_DELETE:
		sim_delete_one(c, rt, obj);
		return;
	default:
		return;
	}
}

/* Routes a request: discovery, admin, resources. */
static void
sim_route(struct sim_call *c)
{
	char **s = c->segs;
	int n = c->nsegs;

	if (n == 1 && strcmp(s[0], "version") == 0) {
		sim_version(c);
		return;
	}
	if (n == 1 && (strcmp(s[0], "healthz") == 0 ||
	    strcmp(s[0], "readyz") == 0 || strcmp(s[0], "livez") == 0)) {
		struct evbuffer *b = evbuffer_new();

		evbuffer_add(b, "ok", 2);
		evhttp_send_reply(c->req, 200, "OK", b);
		evbuffer_free(b);
		return;
	}
	if (n >= 2 && strcmp(s[0], "openapi") == 0 && strcmp(s[1], "v3") == 0) {
		sim_openapi(c);
		return;
	}
	if (n >= 1 && strcmp(s[0], "sim") == 0) {
		sim_admin(c);
		return;
	}
	if (n == 1 && strcmp(s[0], "api") == 0) {
		char *addr = xprintf("%s:%d", c->sim->host, c->sim->port);

		sim_reply_json(c, 200, json_pack("{sss[s]s[{ssss}]}", "kind",
		    "APIVersions", "versions", "v1",
		    "serverAddressByClientCIDRs", "clientCIDR", "0.0.0.0/0",
		    "serverAddress", addr));
		free(addr);
		return;
	}
	if (n == 1 && strcmp(s[0], "apis") == 0) {
		sim_discovery_groups(c);
		return;
	}
	if (n >= 2 && strcmp(s[0], "api") == 0 && strcmp(s[1], "v1") == 0) {
		c->group = "";
		c->version = "v1";
		if (n == 2)
			sim_discovery_resources(c, "");
		else
			sim_resource(c, s + 2, n - 2);
		return;
	}
	if (n >= 3 && strcmp(s[0], "apis") == 0 && strcmp(s[2], "v1") == 0) {
		int i;
		bool known = false;

		for (i = 0; i < SIM_RT_MAX; i++)
			if (strcmp(sim_rtypes[i].group, s[1]) == 0)
				known = true;
		if (known) {
			c->group = s[1];
			c->version = "v1";
			if (n == 3)
				sim_discovery_resources(c, s[1]);
			else
				sim_resource(c, s + 3, n - 3);
			return;
		}
	}
	sim_reply_status(c, 404, "NotFound",
	    "the server could not find the requested resource", NULL);
}

/* Whole-cluster state for tests: every object of every stored type. */
static json_t *
sim_state(struct sim *sim)
{
	json_t *out = json_object(), *items, *m, *o;
	const char *nsk, *nk;
	int i;

	for (i = 0; i < SIM_RT_MAX; i++) {
		if (!sim_rtypes[i].stored)
			continue;
		items = json_array();
		json_object_foreach(sim->objs[i], nsk, m) {
			json_object_foreach(m, nk, o)
				json_array_append(items, o);
		}
		json_object_set_new(out, sim_rtypes[i].name, items);
	}
	json_object_set_new(out, "resourceVersion", json_integer(sim->rv));
	json_object_set_new(out, "now", json_integer(sim_now(sim)));
	return out;
}

/* The faults in force and how many of each were injected, as JSON. */
static json_t *
sim_faults_json(struct sim *sim)
{
	return json_pack("{sfsfsisisfs{sIsIsI}}", "error500", sim->faults.p500,
	    "error429", sim->faults.p429, "retryAfterSeconds",
	    sim->faults.retry_after, "latencyMs", sim->faults.latency_ms, "drop",
	    sim->faults.pdrop, "injected", "error500",
	    (json_int_t)sim->faults.n500, "error429",
	    (json_int_t)sim->faults.n429, "drop",
	    (json_int_t)sim->faults.ndrop);
}

/* Restarts the listener after the reply to the admin request is out. */
static void
sim_restart_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sim *sim = arg;
	char *cause = NULL;

	(void)fd;
	(void)what;
	log_info("simulated API server restart");
	sim_http_stop(sim);
	if (sim_http_start(sim, &cause) != 0) {
		log_warnx("restart failed: %s", cause);
		free(cause);
	}
}

/*
 * GET /sim/clock: the simulated now and speed; POST {"advanceSeconds": N}
 * moves the clock forward, so tests wait out simulated timeouts at once.
 */
static void
sim_admin_clock(struct sim_call *c)
{
	json_t *body, *v;

	if (c->method == EVHTTP_REQ_POST) {
		if ((body = sim_body(c, false)) == NULL)
			return;
		v = json_object_get(body, "advanceSeconds");
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > 10LL * 365 * 86400) {
			json_decref(body);
			sim_reply_status(c, 400, "BadRequest", "advanceSeconds: "
			    "an integer from 0 to 315360000", NULL);
			return;
		}
		sim_clock_advance(c->sim, json_integer_value(v) * 1000);
		json_decref(body);
	}
	sim_reply_json(c, 200, json_pack("{sIsf}", "now",
	    (json_int_t)sim_now(c->sim), "speed", c->sim->opt.speed));
}

/* The admin endpoints. */
static void
sim_admin(struct sim_call *c)
{
	struct sim *sim = c->sim;
	json_t *body, *v;
	const char *node;

	if (c->user == NULL) {
		sim_reply_status(c, 401, "Unauthorized", "Unauthorized", NULL);
		return;
	}
	if (!c->user->admin) {
		sim_reply_status(c, 403, "Forbidden", "the simulator's admin "
		    "endpoints are for cluster admins", NULL);
		return;
	}
	if (c->nsegs == 2 && strcmp(c->segs[1], "state") == 0) {
		sim_reply_json(c, 200, sim_state(sim));
		return;
	}
	if (c->nsegs == 2 && strcmp(c->segs[1], "audit") == 0) {
		if (sim->audit == NULL)
			sim->audit = json_array();
		sim_reply_json(c, 200, json_pack("{s:O}", "items",
		    sim->audit));
		return;
	}
	if (c->nsegs == 2 && strcmp(c->segs[1], "clock") == 0) {
		sim_admin_clock(c);
		return;
	}
	if (c->nsegs != 2 || strcmp(c->segs[1], "faults") != 0) {
		sim_reply_status(c, 404, "NotFound",
		    "the server could not find the requested resource", NULL);
		return;
	}
	if (c->method == EVHTTP_REQ_GET) {
		sim_reply_json(c, 200, sim_faults_json(sim));
		return;
	}
	if (c->method != EVHTTP_REQ_POST ||
	    (body = sim_body(c, false)) == NULL) {
		if (c->method != EVHTTP_REQ_POST)
			sim_reply_status(c, 405, "MethodNotAllowed",
			    "use GET or POST", NULL);
		return;
	}
	if ((v = json_object_get(body, "error500")) != NULL)
		sim->faults.p500 = json_number_value(v);
	if ((v = json_object_get(body, "error429")) != NULL)
		sim->faults.p429 = json_number_value(v);
	if ((v = json_object_get(body, "retryAfterSeconds")) != NULL)
		sim->faults.retry_after = (int)json_integer_value(v);
	if ((v = json_object_get(body, "latencyMs")) != NULL)
		sim->faults.latency_ms = (int)json_integer_value(v);
	if ((v = json_object_get(body, "drop")) != NULL)
		sim->faults.pdrop = json_number_value(v);
	if (json_is_true(json_object_get(body, "expireWatches"))) {
		struct sim_watch *w, *next;

		for (w = sim->watches; w != NULL; w = next) {
			char *m = xprintf("too old resource version: %lld (%lld)",
			    (long long)w->last_rv, (long long)sim->rv);
			json_t *st = sim_status_new(410, "Expired", m, NULL);

			next = w->next;
			sim_watch_send(w, "ERROR", st);
			json_decref(st);
			free(m);
			sim_watch_close(w, true);
		}
		/* Old resourceVersions are gone too, as after compaction. */
		while (sim->ev_count > 0) {
			int idx = (sim->ev_head - sim->ev_count + sim->nevents) %
			    sim->nevents;

			json_decref(sim->events[idx].old);
			json_decref(sim->events[idx].obj);
			sim->events[idx].old = sim->events[idx].obj = NULL;
			sim->ev_count--;
		}
		sim->ev_count = 0;
		sim->ev_head = 0;
		/* A gap marks the compaction; lists return the new version. */
		sim->rv++;
		sim->compacted_rv = sim->rv;
	}
	if ((node = sim_str(body, "nodeNotReady")) != NULL) {
		v = json_object_get(body, "evictAfter");
		sim_node_lost(sim, node, json_is_integer(v) &&
		    json_integer_value(v) >= 0 ? json_integer_value(v) : -1);
	}
	if ((node = sim_str(body, "nodeReady")) != NULL)
		sim_node_back(sim, node);
	if (json_is_true(json_object_get(body, "restart"))) {
		struct timeval tv = { 0, 50000 };

		if (sim->restart_ev == NULL)
			sim->restart_ev = evtimer_new(sim->base, sim_restart_cb,
			    sim);
		evtimer_add(sim->restart_ev, &tv);
	}
	json_decref(body);
	sim_reply_json(c, 200, sim_faults_json(sim));
}

/* A dropped connection: cut it after a partial reply has gone out. */
struct sim_drop {
	struct evhttp_connection *evcon;
	struct event *ev;
};

/* The client left first; nothing to cut. */
static void
sim_drop_closed(struct evhttp_connection *evcon, void *arg)
{
	struct sim_drop *d = arg;

	(void)evcon;
	event_free(d->ev);
	free(d);
}

/* Cuts the connection. */
static void
sim_drop_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sim_drop *d = arg;

	(void)fd;
	(void)what;
	evhttp_connection_set_closecb(d->evcon, NULL, NULL);
	evhttp_connection_free(d->evcon);
	event_free(d->ev);
	free(d);
}

/* Injects the configured faults; true if the request was answered. */
static bool
sim_fault(struct sim *sim, struct evhttp_request *req, const char *path)
{
	double r;

	if (has_prefix(path, "/sim/"))
		return false;
	r = (double)(sim_rand(sim) % 1000000) / 1000000.0;
	if (r < sim->faults.p500) {
		struct sim_call c = { .sim = sim, .req = req };

		sim->faults.n500++;
		sim_reply_status(&c, 500, "InternalError", "Internal error "
		    "occurred: simulated fault", json_pack("{s[{ss}]}", "causes",
		    "message", "simulated fault"));
		return true;
	}
	r -= sim->faults.p500;
	if (r >= 0 && r < sim->faults.p429) {
		struct sim_call c = { .sim = sim, .req = req };
		char ra[16];
		int s = sim->faults.retry_after > 0 ? sim->faults.retry_after : 1;

		sim->faults.n429++;
		snprintf(ra, sizeof ra, "%d", s);
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Retry-After", ra);
		sim_reply_status(&c, 429, "TooManyRequests", "Too many requests, "
		    "please try again later.", json_pack("{si}",
		    "retryAfterSeconds", s));
		return true;
	}
	r = (double)(sim_rand(sim) % 1000000) / 1000000.0;
	if (r < sim->faults.pdrop) {
		struct evhttp_connection *evcon =
		    evhttp_request_get_connection(req);
		struct sim_drop *d = xcalloc(1, sizeof *d);
		struct evbuffer *b = evbuffer_new();
		struct timeval tv = { 0, 20000 };

		sim->faults.ndrop++;
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Content-Type", "application/json");
		evhttp_send_reply_start(req, 200, "OK");
		evbuffer_add_printf(b, "{\"kind\":\"Status\",\"apiVer");
		evhttp_send_reply_chunk(req, b);
		evbuffer_free(b);
		d->evcon = evcon;
		d->ev = evtimer_new(sim->base, sim_drop_cb, d);
		evtimer_add(d->ev, &tv);
		evhttp_connection_set_closecb(evcon, sim_drop_closed, d);
		return true;
	}
	return false;
}

/* The client of a delayed request went away. */
static void
sim_delayed_closed(struct evhttp_connection *evcon, void *arg)
{
	struct sim_delayed *d = arg;

	(void)evcon;
	event_free(d->ev);
	free(d);
}

/* Serves a request held back by the latency fault. */
static void
sim_delayed_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sim_delayed *d = arg;

	(void)fd;
	(void)what;
	evhttp_connection_set_closecb(evhttp_request_get_connection(d->req),
	    NULL, NULL);
	event_free(d->ev);
	sim_serve(d->sim, d->req);
	free(d);
}

/* Entry point for every request. */
static void
sim_http_cb(struct evhttp_request *req, void *arg)
{
	struct sim *sim = arg;

	if (sim->faults.latency_ms > 0 &&
	    !has_prefix(evhttp_request_get_uri(req), "/sim/")) {
		struct sim_delayed *d = xcalloc(1, sizeof *d);
		struct timeval tv;

		tv.tv_sec = sim->faults.latency_ms / 1000;
		tv.tv_usec = (sim->faults.latency_ms % 1000) * 1000;
		d->sim = sim;
		d->req = req;
		d->ev = evtimer_new(sim->base, sim_delayed_cb, d);
		evtimer_add(d->ev, &tv);
		evhttp_connection_set_closecb(evhttp_request_get_connection(req),
		    sim_delayed_closed, d);
		return;
	}
	sim_serve(sim, req);
}

/* Turns Nagle off: a reply written in pieces must not wait for the
 * client's delayed ACK (44 ms per response over TLS otherwise). */
static void
sim_nodelay(struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct bufferevent *bev;
	evutil_socket_t fd;
	int one = 1;

	if (evcon == NULL ||
	    (bev = evhttp_connection_get_bufferevent(evcon)) == NULL)
		return;
	fd = bufferevent_getfd(bev);
	if (fd >= 0)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/*
 * pods/exec: "create" on pods/exec for GET (the WebSocket upgrade, as
 * since Kubernetes 1.31) and POST; the stream itself is sim-exec.c's.
 */
static void
sim_exec_route(struct sim_call *c)
{
	struct evkeyval *kv;
	char *argv[SIM_EXEC_MAX_ARGS], *msg = NULL;
	size_t argc = 0;
	json_t *pod;
	int code;

	if (c->method != EVHTTP_REQ_GET && c->method != EVHTTP_REQ_POST) {
		sim_reply_status(c, 405, "MethodNotAllowed", "the server does "
		    "not allow this method on the requested resource", NULL);
		return;
	}
	if (sim_authorize(c, "create", SIM_RT_PODS, c->ns, c->name) != 0)
		return;
	if ((pod = sim_get(c->sim, SIM_RT_PODS, c->ns, c->name)) == NULL) {
		sim_not_found(c, SIM_RT_PODS, c->name);
		return;
	}
	sim_audit_object(c, pod);
	TAILQ_FOREACH(kv, &c->q, next)
		if (strcmp(kv->key, "command") == 0) {
			if (argc == SIM_EXEC_MAX_ARGS) {
				sim_reply_status(c, 400, "BadRequest",
				    "too many command arguments", NULL);
				return;
			}
			argv[argc++] = kv->value;
		}
	if (sim_exec_start(c->req, pod, sim_q(c, "container"), argv, argc,
	    &code, &msg) != 0) {
		sim_reply_status(c, code, code == 400 ? "BadRequest" :
		    "InternalError", msg, NULL);
		free(msg);
		return;
	}
	sim_audit_code(c, 101);
}

/* Parses, authenticates and routes one request. */
static void
sim_serve(struct sim *sim, struct evhttp_request *req)
{
	sim_date_header(sim, req);
	struct sim_call c;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = evhttp_uri_get_path(uri);
	const char *query = evhttp_uri_get_query(uri);
	int i;

	memset(&c, 0, sizeof c);
	c.sim = sim;
	c.req = req;
	c.rt = -1;
	c.method = evhttp_request_get_command(req);
	TAILQ_INIT(&c.q);
	if (path == NULL)
		path = "/";
	log_debug("%d %s", (int)c.method, evhttp_request_get_uri(req));
	sim_nodelay(req);
	if (sim_fault(sim, req, path))
		return;
	if (query != NULL && evhttp_parse_query_str(query, &c.q) != 0) {
		sim_reply_status(&c, 400, "BadRequest", "malformed query", NULL);
		goto out;
	}
	if (sim_split(&c, path) != 0) {
		sim_reply_status(&c, 404, "NotFound",
		    "the server could not find the requested resource", NULL);
		goto out;
	}
	if (sim_authenticate(&c) != 0)
		goto out;
	sim_route(&c);
out:
	sim_audit_commit(&c);
	evhttp_clear_headers(&c.q);
	for (i = 0; i < c.nsegs; i++)
		free(c.segs[i]);
	if (c.imp_used) {
		free(c.imp.name);
		json_decref(c.imp.groups);
		json_decref(c.imp.namespaces);
		json_decref(c.imp.resources);
	}
}

/* Binds the listener (again after a restart, on the same port). */
int
sim_http_start(struct sim *sim, char **cause)
{
	struct evhttp_bound_socket *bs;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	const char *colon;
	char *host;
	int port;

	colon = strrchr(sim->opt.listen, ':');
	if (colon == NULL) {
		*cause = xprintf("--listen '%s': expected HOST:PORT",
		    sim->opt.listen);
		return -1;
	}
	host = xstrndup(sim->opt.listen, colon - sim->opt.listen);
	if (host[0] == '[') {
		char *h = xstrndup(host + 1, strlen(host) - 2);

		free(host);
		host = h;
	}
	port = sim->port ? sim->port : atoi(colon + 1);
	sim->http = evhttp_new(sim->base);
	evhttp_set_allowed_methods(sim->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_PUT | EVHTTP_REQ_PATCH | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_OPTIONS);
	evhttp_set_max_body_size(sim->http, SIM_MAX_BODY);
	evhttp_set_max_headers_size(sim->http, 64 * 1024);
	evhttp_set_timeout(sim->http, 3600);
	evhttp_set_gencb(sim->http, sim_http_cb, sim);
	if (sim->ssl != NULL)
		sim_tls_setup_http(sim);
	bs = evhttp_bind_socket_with_handle(sim->http, host, (uint16_t)port);
	if (bs == NULL) {
		*cause = xprintf("cannot listen on %s:%d", host, port);
		free(host);
		evhttp_free(sim->http);
		sim->http = NULL;
		return -1;
	}
	if (getsockname(evhttp_bound_socket_get_fd(bs), (struct sockaddr *)&ss,
	    &sl) == 0) {
		if (ss.ss_family == AF_INET)
			port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		else if (ss.ss_family == AF_INET6)
			port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	sim->port = port;
	free(sim->host);
	sim->host = host;
	free(sim->url);
	sim->url = xprintf("%s://%s%s%s:%d", sim->ssl ? "https" : "http",
	    strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "",
	    port);
	return 0;
}

/* Closes the listener and every connection, forgetting streams first. */
void
sim_http_stop(struct sim *sim)
{
	if (sim->http == NULL)
		return;
	while (sim->watches != NULL) {
		evhttp_connection_set_closecb(evhttp_request_get_connection(
		    sim->watches->req), NULL, NULL);
		sim_watch_close(sim->watches, false);
	}
	while (sim_follows != NULL) {
		evhttp_connection_set_closecb(evhttp_request_get_connection(
		    sim_follows->req), NULL, NULL);
		sim_follow_free(sim_follows, false);
	}
	evhttp_free(sim->http);
	sim->http = NULL;
}
