/*
 * Who may do what: authentication (bearer tokens, client certificates,
 * impersonation), RBAC as ailab binds it, 403s in the apiserver's words,
 * the audit log, and the review types (TokenReview, SubjectAccessReview
 * and the self reviews).
 */
#include "sim-api.h"

#include <ctype.h>
#include <strings.h>

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
	/* "s*": a member whose value is NULL is left out. */
	e = json_pack("{s:I,s:s,s:s,s:s,s:s*,s:s*,s:s*,s:s*,s:s*}", "seq",
	    (json_int_t)++c->sim->audit_seq, "user", c->user->name, "verb",
	    verb, "resource", resource, "impersonatedBy", c->impersonator,
	    "subresource", c->sub, "namespace", ns, "name", name, "userAgent",
	    ua);
	c->audit = e;
}

/* Adds the object a request acts on (its name and labels) to its entry. */
void
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
void
sim_audit_code(struct sim_call *c, int code)
{
	if (c->audit != NULL && json_object_get(c->audit, "code") == NULL)
		json_object_set_new(c->audit, "code", json_integer(code));
}

/*
 * Keeps a finished entry: the last SIM_AUDIT_MAX in memory, every one in
 * --audit-log (flushed, so a reader sees it while the simulator runs).
 */
void
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
	if (json_array_size(sim->audit) >= SIM_AUDIT_MAX) {
		/* The entry's labels may be the last user of shared values. */
		json_array_remove(sim->audit, 0);
		sim_intern_released(sim);
	}
	json_array_append_new(sim->audit, c->audit);
	c->audit = NULL;
}

/* Checks access and answers 403 in the apiserver's words when refused. */
int
sim_authorize(struct sim_call *c, const char *verb, enum sim_rt rt,
    const char *ns, const char *name)
{
	const struct sim_rtype *t = &sim_rtypes[rt];
	/* The apiserver names a subresource it refuses, as "pods/exec". */
	const char *res = rt == SIM_RT_PODS && c->sub != NULL &&
	    strcmp(c->sub, "exec") == 0 ? "pods/exec" : t->name;
	const char *q = sim_qualified(rt);
	char *m, *where;

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
	c->imp.uid = NULL;
	c->imp.extra = NULL;
	if (sim_has_str(groups, "system:masters", false))
		c->imp.admin = true;
	c->imp_used = true;
	c->user = &c->imp;
}

/*
 * Gives the impersonated user the uid of Impersonate-Uid and the extra
 * values of each Impersonate-Extra-<key> header (the key lower-cased and
 * percent-decoded, a value per header), as the apiserver's impersonation
 * filter does; SelfSubjectReview shows them.
 */
static void
sim_imp_uid_extra(struct sim_call *c)
{
	static const char pfx[] = "Impersonate-Extra-";
	struct evkeyval *h;
	const char *uid = sim_h(c, "Impersonate-Uid");
	char *key, *p;
	json_t *vals;

	if (uid != NULL)
		c->imp.uid = xstrdup(uid);
	TAILQ_FOREACH(h, evhttp_request_get_input_headers(c->req), next) {
		if (strncasecmp(h->key, pfx, sizeof pfx - 1) != 0 ||
		    h->key[sizeof pfx - 1] == '\0')
			continue;
		if ((key = evhttp_uridecode(h->key + sizeof pfx - 1, 0,
		    NULL)) == NULL)
			continue;
		for (p = key; *p != '\0'; p++)
			*p = (char)tolower((unsigned char)*p);
		if (c->imp.extra == NULL)
			c->imp.extra = json_object();
		if ((vals = json_object_get(c->imp.extra, key)) == NULL) {
			vals = json_array();
			if (json_object_set_new(c->imp.extra, key, vals) != 0)
				vals = NULL;	/* not UTF-8: no such key */
		}
		if (vals != NULL)
			json_array_append_new(vals, json_string(h->value));
		free(key);
	}
}

/* Authenticates by bearer token or client certificate, then impersonation. */
int
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
	if (c->imp_used)
		sim_user_release(&c->imp);
	c->impersonator = c->user->name;
	sim_set_imp(c, iu, groups);
	sim_imp_uid_extra(c);
	return 0;
}

/* The userInfo object of a user. */
static json_t *
sim_user_info(struct sim_user *u)
{
	json_t *info = json_pack("{sssO}", "username", u->name, "groups",
	    u->groups);

	if (u->uid != NULL)
		json_object_set_new(info, "uid", json_string(u->uid));
	if (u->extra != NULL)
		json_object_set(info, "extra", u->extra);
	return info;
}

/*
 * What the apiserver checks of a LocalSubjectAccessReview before judging
 * it (pkg/registry/authorization/localsubjectaccessreview, its
 * validation): the object lands in the path's namespace, asks about that
 * namespace only, and about no non-resource path.  -1 after answering.
 */
static int
sim_lsar_check(struct sim_call *c, json_t *out)
{
	json_t *causes = json_array(), *ra, *spec = json_object_get(out, "spec");
	const char *ons = sim_str(out, "metadata.namespace");
	const char *rns;

	if (ons != NULL && *ons != '\0' && strcmp(ons, c->ns) != 0) {
		json_decref(causes);
		sim_reply_status(c, 400, "BadRequest", "the namespace of the "
		    "provided object does not match the namespace sent on the "
		    "request", NULL);
		return -1;
	}
	sim_set(out, "metadata.namespace", json_string(c->ns));
	ra = json_object_get(spec, "resourceAttributes");
	rns = sim_str(ra, "namespace");
	if (ra != NULL && strcmp(rns ? rns : "", c->ns) != 0)
		sim_cause(causes, "FieldValueInvalid",
		    "spec.resourceAttributes.namespace", "Invalid value: \"%s\": "
		    "must match metadata.namespace", rns ? rns : "");
	if (json_object_get(spec, "nonResourceAttributes") != NULL)
		sim_cause(causes, "FieldValueInvalid", "spec.nonResourceAttributes",
		    "Invalid value: \"nonResourceAttributes\": disallowed on "
		    "this kind of request");
	if (json_array_size(causes) > 0) {
		sim_reply_json(c, 422, sim_invalid_status(SIM_RT_LSAR, "",
		    causes));
		json_decref(causes);
		return -1;
	}
	json_decref(causes);
	return 0;
}

/* The review types: who am I, may I, may they, whose token. */
void
sim_review(struct sim_call *c)
{
	enum sim_rt rt = c->rt;
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
	if (rt == SIM_RT_LSAR && sim_lsar_check(c, out) != 0) {
		json_decref(out);
		return;
	}
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
	case SIM_RT_SAR:
	case SIM_RT_LSAR: {
		struct sim_user tmp;
		json_t *g = NULL;

		if (rt != SIM_RT_SSAR) {
			const char *un = sim_str(spec, "user");
			struct sim_user *known = un ?
			    sim_user_by_name(c->sim, un) : NULL;

			/* The rights of the user named, if known. */
			memset(&tmp, 0, sizeof tmp);
			if (known != NULL)
				tmp = *known;
			tmp.name = (char *)(un ? un : "");
			g = json_is_array(json_object_get(spec, "groups")) ?
			    json_incref(json_object_get(spec, "groups")) :
			    json_array();
			tmp.groups = g;
			u = &tmp;
		}
		ra = json_object_get(spec, "resourceAttributes");
		if (ra != NULL) {
			const char *ns = sim_str(ra, "namespace");
			const char *res = sim_str(ra, "resource");

			allowed = sim_can(u, sim_str_or(ra, "verb", "get"),
			    sim_str_or(ra, "group", ""), res ? res : "",
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
