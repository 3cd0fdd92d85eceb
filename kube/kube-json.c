/*
 * kube-json.c: typed accessors over the objects ailab-queue reads (pods,
 * nodes, quotas, deployments, jobs, services) and Status errors.
 */
#include "kube-int.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An error made here (transport failures, local problems). */
struct kube_error *
kube_error_new(int code, const char *reason, const char *fmt, ...)
{
	struct kube_error *e = xcalloc(1, sizeof *e);
	va_list ap;

	e->code = code;
	e->reason = xstrdup(reason);
	va_start(ap, fmt);
	xvasprintf(&e->message, fmt, ap);
	va_end(ap);
	e->retry_after = -1;
	return e;
}

/* The reason Kubernetes gives a bare status code. */
static const char *
kj_reason_for(int code)
{
	switch (code) {
	case 400: return "BadRequest";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "NotFound";
	case 405: return "MethodNotAllowed";
	case 406: return "NotAcceptable";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 413: return "RequestEntityTooLarge";
	case 415: return "UnsupportedMediaType";
	case 422: return "Invalid";
	case 429: return "TooManyRequests";
	case 500: return "InternalError";
	case 503: return "ServiceUnavailable";
	case 504: return "Timeout";
	default: return "Unknown";
	}
}

/* Copies a Status body into a kube_error callers can test. */
struct kube_error *
kube_error_from_status(const json_t *st, int code)
{
	struct kube_error *e = xcalloc(1, sizeof *e);
	const char *reason, *msg, *kind;
	json_t *details, *causes, *c;
	size_t i;

	e->retry_after = -1;
	e->code = code;
	kind = json_string_value(json_object_get(st, "kind"));
	if (kind != NULL && strcmp(kind, "Status") == 0) {
		if (json_is_integer(json_object_get(st, "code")) &&
		    json_integer_value(json_object_get(st, "code")) > 0)
			e->code = (int)json_integer_value(json_object_get(st,
			    "code"));
		reason = json_string_value(json_object_get(st, "reason"));
		msg = json_string_value(json_object_get(st, "message"));
		e->reason = xstrdup(reason != NULL && *reason != '\0' ? reason :
		    kj_reason_for(e->code));
		e->message = xstrdup(msg != NULL ? msg : "");
		details = json_object_get(st, "details");
		if (json_is_integer(json_object_get(details,
		    "retryAfterSeconds")))
			e->retry_after = (int)json_integer_value(
			    json_object_get(details, "retryAfterSeconds"));
		causes = json_object_get(details, "causes");
		if (json_is_array(causes) && json_array_size(causes) > 0) {
			e->causes = xcalloc(json_array_size(causes),
			    sizeof *e->causes);
			json_array_foreach(causes, i, c) {
				const char *r = json_string_value(
				    json_object_get(c, "reason"));
				const char *m = json_string_value(
				    json_object_get(c, "message"));
				const char *f = json_string_value(
				    json_object_get(c, "field"));

				e->causes[i].reason = xstrdup(r ? r : "");
				e->causes[i].message = xstrdup(m ? m : "");
				e->causes[i].field = xstrdup(f ? f : "");
			}
			e->ncauses = json_array_size(causes);
		}
	} else {
		e->reason = xstrdup(kj_reason_for(code));
		e->message = xprintf("the server answered HTTP %d", code);
	}
	return e;
}

/* Frees an error and its causes. */
void
kube_error_free(struct kube_error *e)
{
	size_t i;

	if (e == NULL)
		return;
	for (i = 0; i < e->ncauses; i++) {
		free(e->causes[i].reason);
		free(e->causes[i].message);
		free(e->causes[i].field);
	}
	free(e->causes);
	free(e->reason);
	free(e->message);
	free(e);
}

/* True if the Status reason is exactly reason. */
bool
kube_error_is(const struct kube_error *e, const char *reason)
{
	return e != NULL && e->reason != NULL && strcmp(e->reason, reason) == 0;
}

/* The object does not exist (404 NotFound). */
bool
kube_is_not_found(const struct kube_error *e)
{
	return e != NULL && (kube_error_is(e, "NotFound") ||
	    (e->code == 404 && strcmp(e->reason, "Unknown") == 0));
}

/* A create met an existing object of the name (409). */
bool
kube_is_already_exists(const struct kube_error *e)
{
	return kube_error_is(e, "AlreadyExists");
}

/* A stale resourceVersion or failed precondition (409). */
bool
kube_is_conflict(const struct kube_error *e)
{
	return kube_error_is(e, "Conflict");
}

/* RBAC or admission said no (403), quota included. */
bool
kube_is_forbidden(const struct kube_error *e)
{
	return e != NULL && (kube_error_is(e, "Forbidden") || e->code == 403);
}

/* A ResourceQuota refused the object (403 "exceeded quota"). */
bool
kube_is_quota_exceeded(const struct kube_error *e)
{
	return kube_is_forbidden(e) && e->message != NULL &&
	    strstr(e->message, "exceeded quota") != NULL;
}

/* The resourceVersion or continue token expired (410): relist. */
bool
kube_is_gone(const struct kube_error *e)
{
	return e != NULL && (e->code == 410 || kube_error_is(e, "Gone") ||
	    kube_error_is(e, "Expired"));
}

/* The credentials were refused (401). */
bool
kube_is_unauthorized(const struct kube_error *e)
{
	return e != NULL && (e->code == 401 || kube_error_is(e, "Unauthorized"));
}

/* Failures worth another try: throttling, server errors, the network. */
bool
kube_error_retryable(const struct kube_error *e)
{
	return e != NULL && (e->code == 0 || e->code == 429 ||
	    e->code >= 500);
}

/* "NotFound: ...; field: message" for people. */
char *
kube_error_string(const struct kube_error *e)
{
	char *s, *t;
	size_t i;

	if (e == NULL)
		return xstrdup("no error");
	if (e->message != NULL && *e->message != '\0')
		s = xstrdup(e->message);
	else
		s = xprintf("%s (HTTP %d)", e->reason, e->code);
	for (i = 0; i < e->ncauses; i++) {
		if (e->message != NULL && strstr(e->message,
		    e->causes[i].message) != NULL)
			continue;
		t = xprintf("%s; %s%s%s", s, e->causes[i].field,
		    *e->causes[i].field != '\0' ? ": " : "",
		    e->causes[i].message);
		free(s);
		s = t;
	}
	return s;
}

/* A string at metadata.<key>. */
static const char *
kj_meta(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(json_object_get(o,
	    "metadata"), key));
}

/* metadata.name, or NULL. */
const char *
kube_obj_name(const json_t *o)
{
	return kj_meta(o, "name");
}

/* metadata.namespace, or NULL. */
const char *
kube_obj_namespace(const json_t *o)
{
	return kj_meta(o, "namespace");
}

/* metadata.resourceVersion, an opaque string, or NULL. */
const char *
kube_obj_resource_version(const json_t *o)
{
	return kj_meta(o, "resourceVersion");
}

/* One label's value, or NULL. */
const char *
kube_obj_label(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(json_object_get(
	    json_object_get(o, "metadata"), "labels"), key));
}

/* The status of status.conditions[type=T], the way every object reports
 * progress, or NULL. */
static const char *
kube_obj_condition(const json_t *o, const char *type)
{
	json_t *conds = json_object_get(json_object_get(o, "status"),
	    "conditions"), *c;
	const char *t;
	size_t i;

	json_array_foreach(conds, i, c) {
		t = json_string_value(json_object_get(c, "type"));
		if (t != NULL && strcmp(t, type) == 0)
			return json_string_value(json_object_get(c, "status"));
	}
	return NULL;
}

/* The items array of a list, so callers never test for NULL. */
json_t *
kube_list_items(const json_t *list)
{
	static json_t *empty;
	json_t *items = json_object_get(list, "items");

	if (json_is_array(items))
		return items;
	if (empty == NULL)
		empty = json_array();
	return empty;
}

/* status.phase; a pod without one is Pending. */
static const char *
kube_pod_phase(const json_t *p)
{
	const char *s = json_string_value(json_object_get(json_object_get(p,
	    "status"), "phase"));

	return s != NULL ? s : "Pending";
}

/* spec.nodeName, or NULL while unscheduled. */
const char *
kube_pod_node(const json_t *p)
{
	return json_string_value(json_object_get(json_object_get(p, "spec"),
	    "nodeName"));
}

/* Succeeded and Failed pods hold no resources. */
bool
kube_pod_is_terminal(const json_t *p)
{
	const char *ph = kube_pod_phase(p);

	return strcmp(ph, "Succeeded") == 0 || strcmp(ph, "Failed") == 0;
}

/* One container's request of a resource (its limit if no request). */
static int
kj_container_request(const json_t *c, const char *resource, int scale,
    int64_t *out, char **cause)
{
	json_t *res = json_object_get(c, "resources");
	const char *q;

	*out = 0;
	q = json_string_value(json_object_get(json_object_get(res, "requests"),
	    resource));
	if (q == NULL)
		q = json_string_value(json_object_get(json_object_get(res,
		    "limits"), resource));
	if (q == NULL)
		return 0;
	return quantity_parse(q, scale, out, cause);
}

/* A pod's effective request: max(sum(containers), max(init)). */
int
kube_pod_request(const json_t *p, const char *resource, int scale,
    int64_t *out, char **cause)
{
	json_t *spec = json_object_get(p, "spec"), *c;
	int64_t sum = 0, init = 0, v;
	size_t i;

	json_array_foreach(json_object_get(spec, "containers"), i, c) {
		if (kj_container_request(c, resource, scale, &v, cause) != 0)
			return -1;
		sum += v;
	}
	json_array_foreach(json_object_get(spec, "initContainers"), i, c) {
		if (kj_container_request(c, resource, scale, &v, cause) != 0)
			return -1;
		if (v > init)
			init = v;
	}
	*out = sum > init ? sum : init;
	return 0;
}

/* status.allocatable of a resource, 0 if absent. */
int
kube_node_allocatable(const json_t *n, const char *resource, int scale,
    int64_t *out, char **cause)
{
	const char *q = json_string_value(json_object_get(json_object_get(
	    json_object_get(n, "status"), "allocatable"), resource));

	*out = 0;
	if (q == NULL)
		return 0;
	return quantity_parse(q, scale, out, cause);
}

/* True if the Ready condition is True. */
bool
kube_node_is_ready(const json_t *n)
{
	const char *st = kube_obj_condition(n, "Ready");

	return st != NULL && strcmp(st, "True") == 0;
}

/* True if the node is cordoned. */
bool
kube_node_is_unschedulable(const json_t *n)
{
	return json_is_true(json_object_get(json_object_get(n, "spec"),
	    "unschedulable"));
}

/* cpu quotas count millicores; everything else whole units. */
static int
kube_quota_scale(const char *key)
{
	return strcmp(key, "cpu") == 0 || strcmp(key, "requests.cpu") == 0 ||
	    strcmp(key, "limits.cpu") == 0 ? QUANTITY_MILLI : QUANTITY_UNITS;
}

/* One quota key's hard and used values, parsed. */
int
kube_quota_get(const json_t *q, const char *key, int64_t *hard,
    int64_t *used, char **cause)
{
	json_t *st = json_object_get(q, "status");
	const char *h = json_string_value(json_object_get(json_object_get(st,
	    "hard"), key));
	const char *u = json_string_value(json_object_get(json_object_get(st,
	    "used"), key));
	int scale = kube_quota_scale(key);

	*hard = *used = 0;
	if (h == NULL) {
		*cause = xprintf("quota has no hard limit for '%s'", key);
		return -1;
	}
	if (quantity_parse(h, scale, hard, cause) != 0)
		return -1;
	if (u != NULL && quantity_parse(u, scale, used, cause) != 0)
		return -1;
	return 0;
}

/* A quota value for people: cores for cpu keys, bytes as Mi/Gi. */
static char *
kube_quota_format(const char *key, int64_t v)
{
	if (kube_quota_scale(key) == QUANTITY_MILLI)
		return quantity_format_milli(v);
	if (strstr(key, "memory") != NULL || strstr(key, "storage") != NULL)
		return quantity_format_bytes(v);
	return xprintf("%" PRId64, v);
}

/*
 * Each ResourceQuota of a list as [{name, resources: [{resource, used,
 * hard, free}]}]: the shape `quota -o json` prints and the server
 * answers.  free is empty where hard or used does not parse.
 */
json_t *
kube_quotas_json(const json_t *list)
{
	json_t *out = json_array(), *q, *res, *hard, *v;
	const char *key, *used;
	int64_t h, u;
	char *cause = NULL, *f;
	size_t i;

	json_array_foreach(kube_list_items(list), i, q) {
		res = json_array();
		hard = json_object_get(json_object_get(q, "status"), "hard");
		if (json_object_size(hard) == 0)
			hard = json_object_get(json_object_get(q, "spec"),
			    "hard");
		json_object_foreach(hard, key, v) {
			used = json_string_value(json_object_get(
			    json_object_get(json_object_get(q, "status"),
			    "used"), key));
			f = NULL;
			if (kube_quota_get(q, key, &h, &u, &cause) == 0)
				f = kube_quota_format(key, h > u ? h - u : 0);
			free(cause);
			cause = NULL;
			json_array_append_new(res, json_pack("{s:s,s:s,s:s,s:s}",
			    "resource", key, "used", used != NULL ? used : "0",
			    "hard", json_string_value(v) != NULL ?
			    json_string_value(v) : "", "free",
			    f != NULL ? f : ""));
			free(f);
		}
		json_array_append_new(out, json_pack("{s:s,s:o}", "name",
		    kube_obj_name(q) != NULL ? kube_obj_name(q) : "",
		    "resources", res));
	}
	return out;
}

