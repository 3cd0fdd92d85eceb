/*
 * The rights `serve` needs in the cluster, checked once at start with
 * SelfSubjectAccessReviews, so that a server whose credentials cannot
 * review tokens or create workloads refuses to start with a message naming
 * what is missing, instead of failing every request (or every admission)
 * later.  Which rights are needed is a pure list (server_rights_needed);
 * asking the cluster is the only effect.
 */
#include "server-int.h"

#include <stdlib.h>
#include <string.h>

#include "kube.h"

/* Missing rights named in the message at most. */
#define SERVER_RIGHTS_SHOWN 8

/* The workload kinds the scheduler creates and deletes in every namespace
 * it serves. */
static const struct {
	const char *group, *resource;
} server_workloads[] = {
	{ "apps", "deployments" },
	{ "batch", "jobs" },
	{ "", "services" },
};
/* Rights per namespace served: create and delete of each kind. */
#define SERVER_WORKLOAD_RIGHTS (2 * nitems(server_workloads))

/* Appends one right. */
static void
server_rights_add(struct server_right **v, size_t *n, const char *verb,
    const char *group, const char *resource, const char *ns,
    const char *why)
{
	struct server_right *r;

	*v = xreallocarray(*v, *n + 1, sizeof **v);
	r = &(*v)[(*n)++];
	r->verb = verb;
	r->group = group;
	r->resource = resource;
	r->ns = ns != NULL ? xstrdup(ns) : NULL;
	r->why = why;
}

/* See server.h: the policy, no I/O. */
void
server_rights_needed(const struct server_config *cfg, bool schedule,
    const char *const *namespaces, size_t nns, struct server_right **out,
    size_t *nout)
{
	static const char *const reads[] = { "pods", "nodes",
	    "resourcequotas" };
	static const char *const lease_verbs[] = { "get", "create",
	    "update" };
	static const char *const verbs[] = { "create", "delete" };
	size_t i, k, w;

	*out = NULL;
	*nout = 0;
	/* Every request is authenticated by its bearer token, and every
	 * submission's rights are asked of the cluster. */
	server_rights_add(out, nout, "create", "authentication.k8s.io",
	    "tokenreviews", NULL, "to authenticate users by their tokens");
	server_rights_add(out, nout, "create", "authorization.k8s.io",
	    "subjectaccessreviews", NULL, "to check what users may do");
	if (cfg->mode == SERVER_MODE_IMPERSONATE) {
		server_rights_add(out, nout, "impersonate", "", "users", NULL,
		    "to act as the jobs' owners (--mode impersonate)");
		server_rights_add(out, nout, "impersonate", "", "groups", NULL,
		    "to act as the jobs' owners (--mode impersonate)");
	}
	if (!schedule)
		return;
	for (i = 0; i < nitems(reads); i++) {
		server_rights_add(out, nout, "list", "", reads[i], NULL,
		    "for the scheduler to see the cluster");
		server_rights_add(out, nout, "watch", "", reads[i], NULL,
		    "for the scheduler to see the cluster");
	}
	if (cfg->lease)
		for (i = 0; i < nitems(lease_verbs); i++)
			server_rights_add(out, nout, lease_verbs[i],
			    "coordination.k8s.io", "leases",
			    cfg->lease_namespace, "to hold the leader's Lease "
			    "(--no-lease goes without)");
	/* NULL: cluster-wide, which covers every namespace. */
	for (k = 0; k < (namespaces == NULL ? 1 : nns); k++)
		for (w = 0; w < nitems(server_workloads); w++)
			for (i = 0; i < nitems(verbs); i++)
				server_rights_add(out, nout, verbs[i],
				    server_workloads[w].group,
				    server_workloads[w].resource,
				    namespaces == NULL ? NULL : namespaces[k],
				    "for the scheduler to run and clean up "
				    "jobs");
}

/* See server.h. */
void
server_rights_free(struct server_right *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].ns);
	free(v);
}

/* See server.h: "create jobs.batch in 'alice'". */
char *
server_right_string(const struct server_right *r)
{
	return xprintf("%s %s%s%s %s%s%s", r->verb, r->resource,
	    *r->group != '\0' ? "." : "", r->group, r->ns != NULL ?
	    "in namespace '" : "cluster-wide", r->ns != NULL ? r->ns : "",
	    r->ns != NULL ? "'" : "");
}

/* The cluster asked, and whether it could not be reached. */
struct server_rights_q {
	struct kube_client *kc;
	bool unreachable;
};

/* Asks the cluster one question: 0 with *allowed, or -1 with *cause. */
static int
server_rights_ask(struct server_rights_q *q, const struct server_right *r,
    bool *allowed, char **cause)
{
	struct kube_response *resp;
	char *msg, *what;

	resp = kube_wait(q->kc, kube_access_review(q->kc, r->verb, r->group,
	    r->resource, r->ns, NULL, NULL));
	if (resp->error != NULL) {
		msg = kube_error_string(resp->error);
		what = server_right_string(r);
		/* Refused credentials are the operator's to fix; a cluster
		 * that does not answer may be back soon. */
		q->unreachable = !kube_is_unauthorized(resp->error) &&
		    !kube_is_forbidden(resp->error);
		*cause = xprintf("cannot ask the cluster whether this server "
		    "may %s: %s", what, msg);
		free(what);
		free(msg);
		kube_response_free(resp);
		return -1;
	}
	*allowed = json_is_true(json_object_get(json_object_get(resp->body,
	    "status"), "allowed"));
	kube_response_free(resp);
	return 0;
}

/*
 * The namespaces the server serves: every namespace of the cluster but
 * those Kubernetes keeps for itself (kube-*).  NULL with *cause (the
 * listing is itself a right the server needs).
 */
static char **
server_rights_namespaces(struct server_rights_q *q, size_t *n, char **cause)
{
	struct kube_response *resp;
	json_t *items, *o;
	const char *name;
	char **v, *msg;
	size_t i;

	resp = kube_wait(q->kc, kube_list(q->kc, KUBE_NAMESPACES, NULL, NULL,
	    NULL, NULL));
	if (resp->error != NULL) {
		msg = kube_error_string(resp->error);
		q->unreachable = !kube_is_unauthorized(resp->error) &&
		    !kube_is_forbidden(resp->error);
		*cause = xprintf("the server's credentials lack a right serve "
		    "needs: list namespaces cluster-wide (to know where to "
		    "run jobs): %s", msg);
		free(msg);
		kube_response_free(resp);
		return NULL;
	}
	items = json_object_get(resp->body, "items");
	v = xcalloc(json_array_size(items) + 1, sizeof *v);
	*n = 0;
	json_array_foreach(items, i, o) {
		name = kube_obj_name(o);
		if (name != NULL && strncmp(name, "kube-", 5) != 0)
			v[(*n)++] = xstrdup(name);
	}
	kube_response_free(resp);
	return v;
}

/* Appends one missing right, with the namespaces it lacks ("" for
 * cluster-wide). */
static void
server_rights_missing(char **missing, size_t *nmissing,
    const struct server_right *r, const char *nslist)
{
	char *tmp, *where;

	if (++*nmissing > SERVER_RIGHTS_SHOWN)
		return;
	if (*nslist != '\0')
		where = xstrdup(nslist);
	else if (r->ns != NULL)
		where = xprintf("in namespace '%s'", r->ns);
	else
		where = xstrdup("cluster-wide");
	tmp = xprintf("%s%s%s %s%s%s %s (%s)", *missing != NULL ? *missing :
	    "", *missing != NULL ? "; " : "", r->verb, r->resource,
	    *r->group != '\0' ? "." : "", r->group, where, r->why);
	free(where);
	free(*missing);
	*missing = tmp;
}

/* Asks every right of a list; the missing ones are appended to *missing
 * (at most SERVER_RIGHTS_SHOWN named, *nmissing counts all). */
static int
server_rights_ask_all(struct server_rights_q *q, const struct server_right *v,
    size_t n, char **missing, size_t *nmissing, char **cause)
{
	bool allowed;
	size_t i;

	for (i = 0; i < n; i++) {
		if (server_rights_ask(q, &v[i], &allowed, cause) != 0)
			return -1;
		if (allowed)
			continue;
		server_rights_missing(missing, nmissing, &v[i], "");
	}
	return 0;
}

/*
 * The workload rights in each namespace served (v holds
 * SERVER_WORKLOAD_RIGHTS a namespace, namespace after namespace): one
 * missing entry per right, naming the namespaces that lack it.
 */
static int
server_rights_ask_served(struct server_rights_q *q,
    const struct server_right *v, size_t nns, char **missing,
    size_t *nmissing, char **cause)
{
	const struct server_right *r;
	char *nslist, *tmp;
	bool allowed;
	size_t j, k, lacking;

	for (j = 0; j < SERVER_WORKLOAD_RIGHTS; j++) {
		nslist = xstrdup("");
		for (k = lacking = 0; k < nns; k++) {
			r = &v[k * SERVER_WORKLOAD_RIGHTS + j];
			if (server_rights_ask(q, r, &allowed, cause) != 0) {
				free(nslist);
				return -1;
			}
			if (allowed)
				continue;
			tmp = xprintf("%s%s'%s'", nslist, lacking++ == 0 ? "" :
			    ", ", r->ns);
			free(nslist);
			nslist = tmp;
		}
		if (lacking > 0) {
			tmp = xprintf("in namespace%s %s", lacking > 1 ? "s" :
			    "", nslist);
			server_rights_missing(missing, nmissing, &v[j], tmp);
			free(tmp);
		}
		free(nslist);
	}
	return 0;
}

/* See server.h. */
int
server_rights_check(struct kube_client *kc, const struct server_config *cfg,
    bool schedule, bool *unreachable, char **cause)
{
	struct server_rights_q q = { kc, false };
	struct server_right *v = NULL, *w = NULL;
	size_t n = 0, nw = 0, i, nns = 0, nmissing = 0, nfixed;
	char **nss = NULL, *missing = NULL;
	bool cluster_wide = true, allowed;
	int ret = -1;

	server_rights_needed(cfg, schedule, NULL, 0, &v, &n);
	/* The workload rights come last: cluster-wide (a ClusterRoleBinding)
	 * or else in each namespace served (RoleBindings). */
	nfixed = schedule ? n - SERVER_WORKLOAD_RIGHTS : n;
	if (server_rights_ask_all(&q, v, nfixed, &missing, &nmissing,
	    cause) != 0)
		goto out;
	for (i = nfixed; i < n && cluster_wide; i++) {
		if (server_rights_ask(&q, &v[i], &allowed, cause) != 0)
			goto out;
		cluster_wide = allowed;
	}
	if (!cluster_wide) {
		if ((nss = server_rights_namespaces(&q, &nns, cause)) == NULL)
			goto out;
		server_rights_needed(cfg, schedule, (const char *const *)nss,
		    nns, &w, &nw);
		if (server_rights_ask_served(&q, w + nfixed, nns, &missing,
		    &nmissing, cause) != 0)
			goto out;
	}
	if (nmissing == 0) {
		ret = 0;
		goto out;
	}
	*cause = xprintf("the server's credentials lack %s serve needs: %s%s "
	    "(see examples/serve/rbac.yaml)", nmissing == 1 ? "a right" :
	    "rights", missing, nmissing > SERVER_RIGHTS_SHOWN ?
	    "; and more" : "");
out:
	*unreachable = q.unreachable;
	free(missing);
	for (i = 0; nss != NULL && i < nns; i++)
		free(nss[i]);
	free(nss);
	server_rights_free(v, n);
	server_rights_free(w, nw);
	return ret;
}
