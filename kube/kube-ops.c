/*
 * kube-ops.c: the operations ailab-queue performs on resources: get, paged
 * list, create, delete (never orphaning), logs, reviews and
 * the list-then-watch loop of client-go's reflector.
 */
#include "kube-int.h"

#include <curl/curl.h>
#include <event2/event.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KO_LIST_LIMIT 500
#define KO_LIST_RESTARTS 3
#define KO_WATCH_FAILURES 10

static const struct {
	const char *group_version;  /* "v1" for core */
	const char *plural;
	bool namespaced;
} ko_kinds[] = {
	[KUBE_PODS] = { "v1", "pods", true },
	[KUBE_NODES] = { "v1", "nodes", false },
	[KUBE_NAMESPACES] = { "v1", "namespaces", false },
	[KUBE_SERVICES] = { "v1", "services", true },
	[KUBE_RESOURCEQUOTAS] = { "v1", "resourcequotas", true },
	[KUBE_EVENTS] = { "v1", "events", true },
	[KUBE_DEPLOYMENTS] = { "apps/v1", "deployments", true },
	[KUBE_JOBS] = { "batch/v1", "jobs", true },
	[KUBE_LEASES] = { "coordination.k8s.io/v1", "leases", true },
};

/* The plural resource name of a kind. */
const char *
kube_kind_name(enum kube_kind k)
{
	return ko_kinds[k].plural;
}

/* Percent-encodes one path segment or query value (libcurl's rules). */
char *
kube_escape(const char *s)
{
	char *e = curl_easy_escape(NULL, s, 0), *r;

	if (e == NULL)
		fatalx("curl_easy_escape failed");
	r = xstrdup(e);
	curl_free(e);
	return r;
}

/* /api/v1/namespaces/NS/pods/NAME and its group forms. */
char *
kube_path(enum kube_kind k, const char *ns, const char *name)
{
	const char *gv = ko_kinds[k].group_version;
	char *ens = NULL, *ename = NULL, *p;

	if (ns != NULL && ko_kinds[k].namespaced)
		ens = kube_escape(ns);
	if (name != NULL)
		ename = kube_escape(name);
	p = xprintf("%s%s%s%s/%s%s%s", strcmp(gv, "v1") == 0 ? "/api/" :
	    "/apis/", gv, ens != NULL ? "/namespaces/" : "",
	    ens != NULL ? ens : "", ko_kinds[k].plural,
	    ename != NULL ? "/" : "", ename != NULL ? ename : "");
	free(ens);
	free(ename);
	return p;
}

/* Appends "&k=v" (or "?k=v") with the value escaped. */
static void
ko_query(char **path, const char *k, const char *v)
{
	char *e, *p;

	if (v == NULL)
		return;
	e = kube_escape(v);
	p = xprintf("%s%c%s=%s", *path, strchr(*path, '?') != NULL ? '&' : '?',
	    k, e);
	free(e);
	free(*path);
	*path = p;
}

/* Starts a request by method and path. */
struct kube_request *
kube_request_raw(struct kube_client *c, const char *method, const char *path,
    json_t *body, const char *content_type, kube_done_cb cb, void *arg)
{
	struct kube_request *r = kube_request_new(c, method, path, body,
	    content_type, cb, arg);

	kube_request_submit(r);
	return r;
}

/* GETs one object. */
struct kube_request *
kube_get(struct kube_client *c, enum kube_kind k, const char *ns,
    const char *name, kube_done_cb cb, void *arg)
{
	char *path = kube_path(k, ns, name);
	struct kube_request *r = kube_request_raw(c, "GET", path, NULL, NULL,
	    cb, arg);

	free(path);
	return r;
}

/* What a paged list carries between pages. */
struct ko_list {
	char *first;                /* path of the first page */
	json_t *items;
	char *rv;
	int restarts;
	json_t *(*keep)(const json_t *, void *);
	void *keep_arg;
};

/* Frees the state of a paged list. */
static void
ko_list_free(void *p)
{
	struct ko_list *l = p;

	if (l == NULL)
		return;
	free(l->first);
	json_decref(l->items);
	free(l->rv);
	free(l);
}

/* Restarts the same logical request on a new path. */
static void
ko_resubmit(struct kube_request *r, const char *path)
{
	free(r->path);
	r->path = xstrdup(path);
	r->attempts = 0;
	r->started_ms = now_ms();
	kube_request_submit(r);
}

/* One page arrived: gather it and fetch the next, or hand over all. */
static bool
ko_list_page(struct kube_request *r, struct kube_response *resp)
{
	struct ko_list *l = r->hook_state;
	json_t *meta, *it, *kept;
	const char *cont, *rv;
	char *next;
	size_t i;

	if (resp->error != NULL) {
		/* An expired continue token: start the snapshot again. */
		if (kube_is_gone(resp->error) && strcmp(r->path, l->first) != 0 &&
		    l->restarts++ < KO_LIST_RESTARTS) {
			json_array_clear(l->items);
			kube_response_free(resp);
			ko_resubmit(r, l->first);
			return true;
		}
		return false;
	}
	meta = json_object_get(resp->body, "metadata");
	json_array_foreach(kube_list_items(resp->body), i, it) {
		if (l->keep == NULL)
			json_array_append(l->items, it);
		else if ((kept = l->keep(it, l->keep_arg)) != NULL)
			json_array_append_new(l->items, kept);
	}
	if ((rv = json_string_value(json_object_get(meta,
	    "resourceVersion"))) != NULL) {
		free(l->rv);
		l->rv = xstrdup(rv);
	}
	cont = json_string_value(json_object_get(meta, "continue"));
	if (cont != NULL && *cont != '\0') {
		next = xstrdup(l->first);
		ko_query(&next, "continue", cont);
		kube_response_free(resp);
		ko_resubmit(r, next);
		free(next);
		return true;
	}
	json_decref(resp->body);
	resp->body = json_pack("{s:s,s:s,s:{s:s},s:O}", "kind", "List",
	    "apiVersion", "v1", "metadata", "resourceVersion",
	    l->rv != NULL ? l->rv : "", "items", l->items);
	return false;
}

/* The collection path with selectors (and limit) applied. */
static char *
ko_collection(enum kube_kind k, const char *ns,
    const struct kube_list_opts *o, bool paged)
{
	char *path = kube_path(k, ns, NULL), num[32];

	if (o != NULL) {
		ko_query(&path, "labelSelector", o->label_selector);
		ko_query(&path, "fieldSelector", o->field_selector);
	}
	if (paged) {
		snprintf(num, sizeof num, "%d", o != NULL && o->limit > 0 ?
		    o->limit : KO_LIST_LIMIT);
		ko_query(&path, "limit", num);
	}
	return path;
}

/* Lists a collection page by page into one body. */
struct kube_request *
kube_list(struct kube_client *c, enum kube_kind k, const char *ns,
    const struct kube_list_opts *o, kube_done_cb cb, void *arg)
{
	struct ko_list *l = xcalloc(1, sizeof *l);
	struct kube_request *r;

	l->first = ko_collection(k, ns, o, true);
	l->items = json_array();
	if (o != NULL) {
		l->keep = o->keep;
		l->keep_arg = o->keep_arg;
	}
	r = kube_request_new(c, "GET", l->first, NULL, NULL, cb, arg);
	r->hook = ko_list_page;
	r->hook_state = l;
	r->hook_free = ko_list_free;
	kube_request_submit(r);
	return r;
}

/* POSTs an object, remembering its name and the labels (copied) that
 * decide, on AlreadyExists, whether the object there is ours. */
static struct kube_request *
ko_create(struct kube_client *c, enum kube_kind k, const char *ns,
    json_t *obj, const json_t *labels, bool check_owner, kube_done_cb cb,
    void *arg)
{
	char *path = kube_path(k, ns, NULL);
	struct kube_request *r = kube_request_new(c, "POST", path, obj, NULL,
	    cb, arg);
	const char *name = json_string_value(json_object_get(
	    json_object_get(obj, "metadata"), "name"));

	r->is_create = true;
	r->check_owner = check_owner;
	if (name != NULL)
		r->create_name = xstrdup(name);
	if (labels != NULL)
		r->create_labels = json_deep_copy(labels);
	free(path);
	kube_request_submit(r);
	return r;
}

/* POSTs an object, remembering its labels: a retried create that meets
 * AlreadyExists takes the object if it carries them all. */
struct kube_request *
kube_create(struct kube_client *c, enum kube_kind k, const char *ns,
    json_t *obj, kube_done_cb cb, void *arg)
{
	json_t *labels = json_object_get(json_object_get(obj, "metadata"),
	    "labels");

	return ko_create(c, k, ns, obj, json_is_object(labels) ? labels : NULL,
	    false, cb, arg);
}

/* POSTs an object whose name another owner may hold: the identity labels
 * decide, on every AlreadyExists, whether the object there is ours. */
struct kube_request *
kube_create_owned(struct kube_client *c, enum kube_kind k, const char *ns,
    json_t *obj, const json_t *identity, kube_done_cb cb, void *arg)
{
	return ko_create(c, k, ns, obj, identity, true, cb, arg);
}

/* DELETEs with an explicit propagationPolicy and preconditions. */
struct kube_request *
kube_delete(struct kube_client *c, enum kube_kind k, const char *ns,
    const char *name, const struct kube_delete_opts *o, kube_done_cb cb,
    void *arg)
{
	static const struct kube_delete_opts defaults = { .grace_seconds = -1 };
	char *path = kube_path(k, ns, name);
	struct kube_request *r;
	json_t *body, *pre;

	if (o == NULL)
		o = &defaults;
	/* Always explicit: batch/v1 Jobs would otherwise orphan their pods. */
	body = json_pack("{s:s,s:s,s:s}", "apiVersion", "v1", "kind",
	    "DeleteOptions", "propagationPolicy",
	    o->propagation == KUBE_PROPAGATION_FOREGROUND ? "Foreground" :
	    "Background");
	if (o->grace_seconds >= 0)
		json_object_set_new(body, "gracePeriodSeconds",
		    json_integer(o->grace_seconds));
	if (o->uid != NULL || o->resource_version != NULL) {
		pre = json_object();
		if (o->uid != NULL)
			json_object_set_new(pre, "uid", json_string(o->uid));
		if (o->resource_version != NULL)
			json_object_set_new(pre, "resourceVersion",
			    json_string(o->resource_version));
		json_object_set_new(body, "preconditions", pre);
	}
	r = kube_request_raw(c, "DELETE", path, body, NULL, cb, arg);
	json_decref(body);
	free(path);
	return r;
}

/* GETs a pod's log, buffered or streamed. */
struct kube_request *
kube_pod_logs(struct kube_client *c, const char *ns, const char *pod,
    const struct kube_log_opts *o, kube_data_cb on_data, kube_done_cb cb,
    void *arg)
{
	char *base = kube_path(KUBE_PODS, ns, pod), *path, num[32];
	struct kube_request *r;

	path = xprintf("%s/log", base);
	free(base);
	if (o != NULL) {
		ko_query(&path, "container", o->container);
		if (o->tail_lines >= 0) {
			snprintf(num, sizeof num, "%d", o->tail_lines);
			ko_query(&path, "tailLines", num);
		}
		if (o->limit_bytes > 0) {
			snprintf(num, sizeof num, "%lld",
			    (long long)o->limit_bytes);
			ko_query(&path, "limitBytes", num);
		}
		if (o->follow)
			ko_query(&path, "follow", "true");
		if (o->previous)
			ko_query(&path, "previous", "true");
	}
	r = kube_request_new(c, "GET", path, NULL, NULL, cb, arg);
	free(path);
	if (on_data != NULL) {
		r->stream = true;
		r->on_data = on_data;
	}
	kube_request_submit(r);
	return r;
}

/* Asks who the credentials belong to (kubectl auth whoami). */
struct kube_request *
kube_self_subject_review(struct kube_client *c, kube_done_cb cb, void *arg)
{
	json_t *body = json_pack("{s:s,s:s}", "apiVersion",
	    "authentication.k8s.io/v1", "kind", "SelfSubjectReview");
	struct kube_request *r = kube_request_raw(c, "POST",
	    "/apis/authentication.k8s.io/v1/selfsubjectreviews", body, NULL,
	    cb, arg);

	json_decref(body);
	return r;
}

/* Asks whether the user may do verb on a resource. */
struct kube_request *
kube_access_review(struct kube_client *c, const char *verb, const char *group,
    const char *resource, const char *ns, kube_done_cb cb, void *arg)
{
	json_t *attrs = json_pack("{s:s,s:s,s:s}", "verb", verb, "group",
	    group != NULL ? group : "", "resource", resource);
	json_t *body;
	struct kube_request *r;

	if (ns != NULL)
		json_object_set_new(attrs, "namespace", json_string(ns));
	body = json_pack("{s:s,s:s,s:{s:o}}", "apiVersion",
	    "authorization.k8s.io/v1", "kind", "SelfSubjectAccessReview",
	    "spec", "resourceAttributes", attrs);
	r = kube_request_raw(c, "POST",
	    "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", body,
	    NULL, cb, arg);
	json_decref(body);
	return r;
}

/* ---- watches ---- */

struct kube_watch {
	struct kube_client *client;
	enum kube_kind kind;
	char *ns;
	char *label_selector, *field_selector;
	int limit;
	int timeout_seconds;
	kube_watch_cb cb;
	void *arg;
	json_t *(*keep)(const json_t *, void *);
	void *keep_arg;
	char *rv;
	struct kube_request *req;
	char *line;
	size_t llen, lcap;
	int streams, relists, failures, bookmarks;
	struct event *ev;
	bool gone;
	bool got_data;              /* the current stream sent something */
	struct kube_error *stream_err;
	bool in_cb;
	bool stopped;
	bool failed;
};

static void kw_relist(struct kube_watch *);
static void kw_watch(struct kube_watch *);

/* Frees a watch; the caller has taken care of its request. */
static void
kw_free(struct kube_watch *w)
{
	if (w->req != NULL)
		kube_request_cancel(w->req);
	if (w->ev != NULL)
		event_free(w->ev);
	kube_error_free(w->stream_err);
	free(w->ns);
	free(w->label_selector);
	free(w->field_selector);
	free(w->rv);
	free(w->line);
	free(w);
}

/* Calls the user; true if the user stopped the watch meanwhile. */
static bool
kw_emit(struct kube_watch *w, enum kube_event_type t, json_t *obj,
    const struct kube_error *err)
{
	w->in_cb = true;
	w->cb(t, obj, err, w->arg);
	w->in_cb = false;
	return w->stopped;
}

/* Gives up for good and says so once. */
static void
kw_fail(struct kube_watch *w, const struct kube_error *err)
{
	w->failed = true;
	if (kw_emit(w, KUBE_EVENT_FAILED, NULL, err))
		kw_free(w);
}

/* Timer: the backoff before a re-watch or relist is over. */
static void
kw_timer_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct kube_watch *w = arg;

	(void)fd;
	(void)kind;
	if (w->rv == NULL)
		kw_relist(w);
	else
		kw_watch(w);
}

/* Waits before trying again, longer after each failure in a row. */
static void
kw_backoff(struct kube_watch *w, const struct kube_error *err)
{
	int64_t ms = 250LL << (w->failures > 6 ? 6 : w->failures);
	struct timeval tv;

	if (++w->failures > KO_WATCH_FAILURES) {
		kw_fail(w, err);
		return;
	}
	if (ms > 10000)
		ms = 10000;
	ms = (int64_t)((double)ms * (0.5 + kube_random() * 0.5));
	if (err != NULL && err->retry_after > 0 &&
	    err->retry_after * 1000LL > ms)
		ms = err->retry_after * 1000LL;
	if (w->ev == NULL)
		w->ev = evtimer_new(kube_client_base(w->client), kw_timer_cb, w);
	tv = time_tv_ms(ms);
	evtimer_add(w->ev, &tv);
}

/* The list that starts (or restarts) the watch. */
static void
kw_list_done(struct kube_response *resp, void *arg)
{
	struct kube_watch *w = arg;
	const char *rv;

	w->req = NULL;
	if (resp->error != NULL) {
		if (kube_error_retryable(resp->error))
			kw_backoff(w, resp->error);
		else
			kw_fail(w, resp->error);
		return;
	}
	rv = json_string_value(json_object_get(json_object_get(resp->body,
	    "metadata"), "resourceVersion"));
	free(w->rv);
	w->rv = xstrdup(rv != NULL ? rv : "");
	w->relists++;
	if (kw_emit(w, KUBE_EVENT_SYNC, resp->body, NULL)) {
		kw_free(w);
		return;
	}
	kw_watch(w);
}

/* Lists afresh; the watch resumes from the list's resourceVersion. */
static void
kw_relist(struct kube_watch *w)
{
	struct kube_list_opts o = { w->label_selector, w->field_selector,
	    w->limit, 0, w->keep, w->keep_arg };

	free(w->rv);
	w->rv = NULL;
	w->req = kube_list(w->client, w->kind, w->ns, &o, kw_list_done, w);
}

/* One line of the NDJSON stream: an event. */
static bool
kw_event(struct kube_watch *w, struct kube_request *r, const char *line,
    size_t len)
{
	enum kube_event_type t;
	const char *type, *rv;
	json_t *ev, *obj;
	bool stop = false;

	if ((ev = json_loadb(line, len, 0, NULL)) == NULL) {
		w->stream_err = kube_error_new(0, "BadWatchEvent", "the watch "
		    "stream of %s sent a line that is not JSON",
		    kube_kind_name(w->kind));
		r->stream_abort = true;
		return false;
	}
	type = json_string_value(json_object_get(ev, "type"));
	obj = json_object_get(ev, "object");
	if (type == NULL || !json_is_object(obj)) {
		json_decref(ev);
		return false;
	}
	if (strcmp(type, "ERROR") == 0) {
		struct kube_error *e = kube_error_from_status(obj, 0);

		if (kube_is_gone(e)) {
			w->gone = true;
			kube_error_free(e);
		} else {
			kube_error_free(w->stream_err);
			w->stream_err = e;
		}
		r->stream_abort = true;
		json_decref(ev);
		return false;
	}
	if ((rv = kube_obj_resource_version(obj)) != NULL) {
		free(w->rv);
		w->rv = xstrdup(rv);
	}
	if (strcmp(type, "BOOKMARK") == 0) {
		w->bookmarks++;
		json_decref(ev);
		return false;
	}
	if (strcmp(type, "ADDED") == 0)
		t = KUBE_EVENT_ADDED;
	else if (strcmp(type, "MODIFIED") == 0)
		t = KUBE_EVENT_MODIFIED;
	else if (strcmp(type, "DELETED") == 0)
		t = KUBE_EVENT_DELETED;
	else {
		json_decref(ev);
		return false;
	}
	stop = kw_emit(w, t, obj, NULL);
	json_decref(ev);
	return stop;
}

/* The line buffer a watch keeps between bursts (a partial event). */
#define KW_LINE_KEEP (64 * 1024)

/* Stream bytes: split into lines; a partial line waits for the rest. */
static void
kw_on_stream(struct kube_request *r, const char *data, size_t len)
{
	struct kube_watch *w = r->arg;
	size_t start = 0, i;

	w->got_data = true;
	if (w->llen + len > (size_t)kube_client_opts(w->client)->max_body) {
		/* One event larger than any response may be: give up on it. */
		kube_error_free(w->stream_err);
		w->stream_err = kube_error_new(0, "TooLarge", "a watch event "
		    "of %s is larger than %d bytes", kube_kind_name(w->kind),
		    kube_client_opts(w->client)->max_body);
		r->stream_abort = true;
		return;
	}
	if (w->llen + len + 1 > w->lcap) {
		w->lcap = w->llen + len + 1 + 4096;
		w->line = xreallocarray(w->line, 1, w->lcap);
	}
	memcpy(w->line + w->llen, data, len);
	w->llen += len;
	for (i = 0; i < w->llen && !r->stream_abort; i++) {
		if (w->line[i] != '\n')
			continue;
		if (i > start && kw_event(w, r, w->line + start, i - start)) {
			/* Stopped by the user inside the callback. */
			kube_request_cancel(r);
			w->req = NULL;
			kw_free(w);
			return;
		}
		start = i + 1;
	}
	memmove(w->line, w->line + start, w->llen - start);
	w->llen -= start;
	/* A burst's worth of lines is not held for the watch's life. */
	if (w->lcap > KW_LINE_KEEP && w->llen < KW_LINE_KEEP) {
		w->lcap = KW_LINE_KEEP;
		w->line = xreallocarray(w->line, 1, w->lcap);
	}
}

/* The stream ended: re-watch from the last RV, relist on 410, back off. */
static void
kw_stream_done(struct kube_response *resp, void *arg)
{
	struct kube_watch *w = arg;
	struct kube_error *err;

	w->req = NULL;
	w->llen = 0;            /* a cut-off event comes again after rv */
	if (w->gone || kube_is_gone(resp->error)) {
		w->gone = false;
		w->got_data = false;
		kube_error_free(w->stream_err);
		w->stream_err = NULL;
		kw_relist(w);
		return;
	}
	err = resp->error != NULL ? resp->error : w->stream_err;
	/* A stream that worked for a while, or went quiet past the idle
	 * timeout, is not a failure in a row. */
	if (w->got_data || kube_error_is(err, "Timeout"))
		w->failures = 0;
	w->got_data = false;
	if (err != NULL && kube_error_is(err, "Timeout")) {
		kube_error_free(w->stream_err);
		w->stream_err = NULL;
		kw_watch(w);
		return;
	}
	if (err != NULL) {
		/* Ours to free after the callback, which may stop the watch. */
		struct kube_error *own = w->stream_err;

		w->stream_err = NULL;
		if (kube_error_retryable(err))
			kw_backoff(w, err);
		else
			kw_fail(w, err);
		kube_error_free(own);
		return;
	}
	w->failures = 0;
	kw_watch(w);
}

/* Opens a watch stream from the last resourceVersion seen. */
static void
kw_watch(struct kube_watch *w)
{
	struct kube_list_opts o = { w->label_selector, w->field_selector, 0,
	    0, NULL, NULL };
	char *path = ko_collection(w->kind, w->ns, &o, false), num[32];
	int timeout = w->timeout_seconds > 0 ? w->timeout_seconds :
	    300 + (int)(kube_random() * 300);
	struct kube_request *r;

	ko_query(&path, "watch", "1");
	ko_query(&path, "resourceVersion", w->rv);
	ko_query(&path, "allowWatchBookmarks", "true");
	snprintf(num, sizeof num, "%d", timeout);
	ko_query(&path, "timeoutSeconds", num);
	r = kube_request_new(w->client, "GET", path, NULL, NULL,
	    kw_stream_done, w);
	free(path);
	r->stream = true;
	r->on_stream = kw_on_stream;
	w->req = r;
	w->streams++;
	kube_request_submit(r);
}

/* Starts the list-then-watch loop. */
struct kube_watch *
kube_watch_start(struct kube_client *c, enum kube_kind k, const char *ns,
    const struct kube_list_opts *o, kube_watch_cb cb, void *arg)
{
	struct kube_watch *w = xcalloc(1, sizeof *w);

	w->client = c;
	w->kind = k;
	w->ns = ns != NULL ? xstrdup(ns) : NULL;
	if (o != NULL) {
		w->label_selector = o->label_selector != NULL ?
		    xstrdup(o->label_selector) : NULL;
		w->field_selector = o->field_selector != NULL ?
		    xstrdup(o->field_selector) : NULL;
		w->limit = o->limit;
		w->timeout_seconds = o->timeout_seconds;
		w->keep = o->keep;
		w->keep_arg = o->keep_arg;
	}
	w->cb = cb;
	w->arg = arg;
	kw_relist(w);
	return w;
}

/* Stops a watch; safe inside its own callback. */
void
kube_watch_stop(struct kube_watch *w)
{
	if (w == NULL)
		return;
	if (w->in_cb) {
		w->stopped = true;
		return;
	}
	kw_free(w);
}

/* The last resourceVersion seen, "" before the first list. */
const char *
kube_watch_resource_version(const struct kube_watch *w)
{
	return w->rv != NULL ? w->rv : "";
}

/* How many watch streams were opened. */
int
kube_watch_streams(const struct kube_watch *w)
{
	return w->streams;
}

/* How many lists were made (1 + relists). */
int
kube_watch_relists(const struct kube_watch *w)
{
	return w->relists;
}

/* How many BOOKMARK events arrived. */
int
kube_watch_bookmarks(const struct kube_watch *w)
{
	return w->bookmarks;
}
