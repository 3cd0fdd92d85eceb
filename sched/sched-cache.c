/*
 * sched-cache.c: the watch-fed cache of the cluster (see sched-cache.h).
 *
 * One informer per kind and scope: kube_watch_start lists, then watches
 * from the list's resourceVersion; its SYNC replaces the informer's store,
 * its events change one object.  A watch that gives up (after ten failures
 * in a row) is started again after a back-off, relisting that kind only;
 * a kind refused cluster-wide is kept per namespace.  Beside the stores
 * the cache keeps what passes ask most: this queue's objects by job, and
 * the pods' requests summed per node.
 */
#include "sched-cache-int.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

#define SCHED_CACHE_MANAGED "app.kubernetes.io/managed-by=ailab-queue"
/* A watch that gave up is started again after this, doubling to the cap. */
#define SCHED_CACHE_RETRY_MS 1000
#define SCHED_CACHE_RETRY_MAX_MS 60000
/* A scope the credentials may not list is asked again this seldom. */
#define SCHED_CACHE_FORBIDDEN_RETRY_MS (300 * 1000)

const struct sched_ck_info sched_ck_info[SCHED_CK_COUNT] = {
	[SCHED_CK_NODES] = { KUBE_NODES, NULL, NULL, false, -1 },
	[SCHED_CK_PODS] = { KUBE_PODS, NULL,
	    "status.phase!=Succeeded,status.phase!=Failed", false, -1 },
	[SCHED_CK_QUOTAS] = { KUBE_RESOURCEQUOTAS, NULL, NULL, true, -1 },
	[SCHED_CK_DEPLOYMENTS] = { KUBE_DEPLOYMENTS, SCHED_CACHE_MANAGED,
	    NULL, true, SCHED_OBJ_DEPLOYMENTS },
	[SCHED_CK_JOBS] = { KUBE_JOBS, SCHED_CACHE_MANAGED, NULL, true,
	    SCHED_OBJ_JOBS },
	[SCHED_CK_SERVICES] = { KUBE_SERVICES, SCHED_CACHE_MANAGED, NULL,
	    true, SCHED_OBJ_SERVICES },
	[SCHED_CK_OURPODS] = { KUBE_PODS, SCHED_CACHE_MANAGED, NULL, true,
	    SCHED_OBJ_PODS },
};

static void sched_inf_start(struct sched_inf *);
static struct sched_inf *sched_inf_new(struct sched_cache *, enum sched_ck,
    const char *ns);

/* Tells the loop; kick asks for a pass soon. */
static void
sched_cache_notify(struct sched_cache *c, bool kick, const char *error)
{
	if (c->opts.on_change != NULL)
		c->opts.on_change(kick, error, c->opts.arg);
}

/* The store key of an object: "ns/name", or the name of a node. */
char *
sched_obj_key(const json_t *obj)
{
	const char *ns = kube_obj_namespace(obj), *name = kube_obj_name(obj);

	if (ns == NULL || *ns == '\0')
		return xstrdup(name != NULL ? name : "");
	return xprintf("%s/%s", ns, name != NULL ? name : "");
}

/* Adds or replaces one object of an informer's store. */
void
sched_inf_put(struct sched_inf *inf, json_t *obj)
{
	struct sched_cache *c = inf->c;
	int slot = sched_ck_info[inf->kind].obj;
	char *key;
	json_t *old;

	if (inf->kind == SCHED_CK_PODS) {
		sched_cpod_put(c, inf, obj);
		return;
	}
	if (inf->kind == SCHED_CK_NODES) {
		sched_cnode_put(c, inf, obj);
		return;
	}
	obj = sched_obj_slim(obj, inf);
	key = sched_obj_key(obj);
	old = sched_map_put(&inf->objs, key, json_incref(obj));
	if (old != NULL) {
		sched_cjob_del(c, slot, old);
		json_decref(old);
	}
	sched_cjob_add(c, slot, obj);
	if (inf->kind == SCHED_CK_QUOTAS)
		sched_qgen_bump(c, obj);
	else if (inf->kind == SCHED_CK_OURPODS)
		sched_seen_add(c, key, obj, inf->syncing);
	json_decref(obj);
	free(key);
}

/* Undoes what keeping one object did (the store no longer holds it). */
static void
sched_inf_drop(struct sched_inf *inf, const char *key, void *value)
{
	struct sched_cache *c = inf->c;

	if (value == NULL)
		return;
	switch (inf->kind) {
	case SCHED_CK_NODES:
		sched_cnode_free(value);
		c->nodes_dirty = true;
		break;
	case SCHED_CK_PODS:
		sched_cpod_drop(c, key, value);
		break;
	default:
		sched_cjob_del(c, sched_ck_info[inf->kind].obj, value);
		json_decref(value);
		break;
	}
}

/* Removes one object (by its key) from an informer's store. */
static void
sched_inf_del_key(struct sched_inf *inf, const char *key)
{
	void *v = sched_map_del(&inf->objs, key);

	if (v != NULL && inf->kind == SCHED_CK_QUOTAS)
		sched_qgen_bump(inf->c, v);
	if (inf->kind == SCHED_CK_OURPODS)
		free(sched_map_del(&inf->c->seen, key));
	sched_inf_drop(inf, key, v);
}

/* Empties an informer's store (before a list replaces it). */
static void
sched_inf_clear(struct sched_inf *inf)
{
	struct sched_map_slot *s;
	size_t i = 0;

	while ((s = sched_map_next(&inf->objs, &i)) != NULL)
		sched_inf_drop(inf, s->key, s->value);
	sched_map_release(&inf->objs, NULL);
	sched_map_init(&inf->objs);
}

/* Whether an event should bring a pass forward. */
static bool
sched_inf_kicks(const struct sched_inf *inf, enum kube_event_type t,
    const json_t *obj)
{
	if (inf->kind != SCHED_CK_PODS)
		return true;
	/* Another's pod matters to a pass only when it frees room. */
	return t == KUBE_EVENT_DELETED || json_object_get(json_object_get(obj,
	    "metadata"), "deletionTimestamp") != NULL;
}

/* Keeps the counters of a watch about to be stopped. */
static void
sched_inf_stop_watch(struct sched_inf *inf)
{
	if (inf->w == NULL)
		return;
	inf->lists += kube_watch_relists(inf->w);
	inf->streams += kube_watch_streams(inf->w);
	inf->bookmarks += kube_watch_bookmarks(inf->w);
	kube_watch_stop(inf->w);
	inf->w = NULL;
}

/* Timer: starts a watch that gave up (or was refused) again. */
static void
sched_inf_retry_cb(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	sched_inf_start(arg);
}

/* Arms the restart of an informer after ms. */
static void
sched_inf_later(struct sched_inf *inf, int64_t ms)
{
	struct timeval tv = { (time_t)(ms / 1000),
	    (suseconds_t)((ms % 1000) * 1000) };

	if (inf->retry == NULL)
		inf->retry = evtimer_new(kube_client_base(inf->c->kube),
		    sched_inf_retry_cb, inf);
	evtimer_add(inf->retry, &tv);
}

/* A kind refused cluster-wide: keep it per namespace instead. */
static void
sched_cache_fall_back(struct sched_cache *c, enum sched_ck kind)
{
	struct sched_map_slot *s;
	struct sched_cns *cns;
	size_t i = 0;

	if (!sched_ck_info[kind].namespaced)
		return;
	while ((s = sched_map_next(&c->nss, &i)) != NULL) {
		cns = s->value;
		if (cns->inf[kind] == NULL)
			cns->inf[kind] = sched_inf_new(c, kind, s->key);
	}
}

/* The watch gave up for good, or the list was refused. */
static void
sched_inf_failed(struct sched_inf *inf, const struct kube_error *err)
{
	struct sched_cache *c = inf->c;
	bool forbidden = err != NULL && (kube_is_forbidden(err) ||
	    kube_is_unauthorized(err));
	char *msg;
	int64_t ms;

	sched_inf_stop_watch(inf);
	free(inf->error);
	inf->error = err != NULL ? kube_error_string(err) :
	    xstrdup("the watch failed");
	if (forbidden) {
		inf->state = SCHED_INF_FORBIDDEN;
		sched_inf_later(inf, SCHED_CACHE_FORBIDDEN_RETRY_MS);
		if (inf->ns == NULL)
			sched_cache_fall_back(c, inf->kind);
		sched_cache_notify(c, true, NULL);
		return;
	}
	inf->state = SCHED_INF_FAILED;
	ms = (int64_t)SCHED_CACHE_RETRY_MS << (inf->failures < 6 ?
	    inf->failures : 6);
	if (ms > SCHED_CACHE_RETRY_MAX_MS)
		ms = SCHED_CACHE_RETRY_MAX_MS;
	inf->failures++;
	sched_inf_later(inf, ms);
	msg = xprintf("watching %s%s%s: %s; listing again in %llds",
	    kube_kind_name(sched_ck_info[inf->kind].kind),
	    inf->ns != NULL ? " in " : "", inf->ns != NULL ? inf->ns : "",
	    inf->error, (long long)(ms / 1000));
	sched_cache_notify(c, true, msg);
	free(msg);
}

/* A list (again) replaced the store. */
static void
sched_inf_synced(struct sched_inf *inf, json_t *body)
{
	struct sched_cache *c = inf->c;
	struct sched_map_slot *s;
	struct sched_cns *cns;
	json_t *obj;
	size_t i = 0;

	sched_inf_clear(inf);
	/* What the watch missed while it was away is not known by job. */
	c->changed_all = true;
	c->nchanged = 0;
	inf->syncing = true;
	json_array_foreach(kube_list_items(body), i, obj)
		sched_inf_put(inf, obj);
	inf->syncing = false;
	if (inf->kind == SCHED_CK_QUOTAS)
		c->qepoch++;
	/* Pods gone while the watch was away are forgotten. */
	i = 0;
	while (inf->kind == SCHED_CK_OURPODS &&
	    (s = sched_map_next(&c->seen, &i)) != NULL) {
		if (sched_map_get(&inf->objs, s->key) == NULL &&
		    (inf->ns == NULL || (has_prefix(s->key, inf->ns) &&
		    s->key[strlen(inf->ns)] == '/')))
			free(sched_map_del_at(&c->seen, &i));
	}
	inf->state = SCHED_INF_SYNCED;
	inf->failures = 0;
	free(inf->error);
	inf->error = NULL;
	/* Readable cluster-wide after all: the namespaces' own copies would
	 * count twice. */
	i = 0;
	while (inf->ns == NULL && (s = sched_map_next(&c->nss, &i)) != NULL) {
		cns = s->value;
		if (cns->inf[inf->kind] == NULL)
			continue;
		sched_inf_stop_watch(cns->inf[inf->kind]);
		sched_inf_clear(cns->inf[inf->kind]);
		cns->inf[inf->kind]->state = SCHED_INF_FORBIDDEN;
		if (cns->inf[inf->kind]->retry != NULL)
			evtimer_del(cns->inf[inf->kind]->retry);
	}
}

/* The watch's events. */
static void
sched_inf_cb(enum kube_event_type t, json_t *obj, const struct kube_error *err,
    void *arg)
{
	struct sched_inf *inf = arg;
	char *key;

	inf->c->churn += t == KUBE_EVENT_SYNC ?
	    json_array_size(kube_list_items(obj)) + 1 : 1;
	switch (t) {
	case KUBE_EVENT_SYNC:
		sched_inf_synced(inf, obj);
		sched_cache_notify(inf->c, true, NULL);
		break;
	case KUBE_EVENT_ADDED:
	case KUBE_EVENT_MODIFIED:
		sched_inf_put(inf, obj);
		sched_cache_notify(inf->c, sched_inf_kicks(inf, t, obj), NULL);
		break;
	case KUBE_EVENT_DELETED:
		key = sched_obj_key(obj);
		sched_inf_del_key(inf, key);
		free(key);
		sched_cache_notify(inf->c, sched_inf_kicks(inf, t, obj), NULL);
		break;
	case KUBE_EVENT_FAILED:
		sched_inf_failed(inf, err);
		break;
	}
}

/* Lists and watches (again). */
static void
sched_inf_start(struct sched_inf *inf)
{
	struct kube_list_opts lo = {
		.label_selector = sched_ck_info[inf->kind].labels,
		.field_selector = sched_ck_info[inf->kind].fields,
		.keep = inf->kind == SCHED_CK_PODS ? sched_cpod_slim :
		    sched_obj_slim,
		.keep_arg = inf };

	sched_inf_stop_watch(inf);
	if (inf->started == 0)
		inf->started = now_ms();
	inf->w = kube_watch_start(inf->c->kube, sched_ck_info[inf->kind].kind,
	    inf->ns, &lo, sched_inf_cb, inf);
}

/* An informer of a kind in a scope, started. */
static struct sched_inf *
sched_inf_new(struct sched_cache *c, enum sched_ck kind, const char *ns)
{
	struct sched_inf *inf = xcalloc(1, sizeof *inf);

	inf->c = c;
	inf->kind = kind;
	inf->ns = ns != NULL ? xstrdup(ns) : NULL;
	sched_map_init(&inf->objs);
	sched_inf_start(inf);
	return inf;
}

/* Stops and frees an informer. */
static void
sched_inf_free(struct sched_inf *inf)
{
	if (inf == NULL)
		return;
	sched_inf_stop_watch(inf);
	if (inf->retry != NULL)
		event_free(inf->retry);
	sched_inf_clear(inf);
	sched_map_release(&inf->objs, NULL);
	free(inf->error);
	free(inf->ns);
	free(inf);
}

/* See sched-cache.h. */
struct sched_cache *
sched_cache_new(struct kube_client *kube, const struct sched_cache_opts *o)
{
	struct sched_cache *c = xcalloc(1, sizeof *c);
	int k;

	c->kube = kube;
	c->opts = *o;
	c->queue = xstrdup(o->queue);
	sched_map_init(&c->nss);
	sched_map_init(&c->jobs);
	sched_map_init(&c->ntots);
	sched_map_init(&c->deleting);
	sched_map_init(&c->nsnames);
	sched_map_init(&c->qgen);
	sched_map_init(&c->seen);
	for (k = 0; k < SCHED_CK_COUNT; k++) {
		if (o->cleanup && (k == SCHED_CK_NODES || k == SCHED_CK_PODS ||
		    k == SCHED_CK_QUOTAS))
			continue;
		c->all[k] = sched_inf_new(c, (enum sched_ck)k, NULL);
	}
	return c;
}

/* Frees a namespace's informers. */
static void
sched_cns_free(void *p)
{
	struct sched_cns *cns = p;
	int k;

	for (k = 0; k < SCHED_CK_COUNT; k++)
		sched_inf_free(cns->inf[k]);
	free(cns);
}

/* See sched-cache.h. */
void
sched_cache_free(struct sched_cache *c)
{
	int k;

	if (c == NULL)
		return;
	sched_map_release(&c->nss, sched_cns_free);
	for (k = 0; k < SCHED_CK_COUNT; k++)
		sched_inf_free(c->all[k]);
	sched_map_release(&c->jobs, sched_cjob_free);
	sched_map_release(&c->deleting, NULL);
	sched_map_release(&c->ntots, sched_ntot_free);
	sched_map_release(&c->nsnames, free);
	sched_map_release(&c->qgen, NULL);
	sched_map_release(&c->seen, free);
	free(c->changed);
	free(c->nodes);
	free(c->queue);
	free(c);
}

/* See sched-cache.h. */
void
sched_cache_want(struct sched_cache *c, const char *ns)
{
	struct sched_cns *cns;
	int k;

	if ((cns = sched_map_get(&c->nss, ns)) == NULL) {
		cns = xcalloc(1, sizeof *cns);
		sched_map_put(&c->nss, ns, cns);
	}
	for (k = 0; k < SCHED_CK_COUNT; k++) {
		if (c->all[k] != NULL && sched_ck_info[k].namespaced &&
		    c->all[k]->state == SCHED_INF_FORBIDDEN &&
		    cns->inf[k] == NULL)
			cns->inf[k] = sched_inf_new(c, (enum sched_ck)k, ns);
	}
}

/* True if an informer has not answered yet and may still. */
static bool
sched_inf_waiting(const struct sched_inf *inf, int64_t now, int64_t wait_ms)
{
	return inf != NULL && inf->state == SCHED_INF_STARTING &&
	    now - inf->started < wait_ms;
}

/* See sched-cache.h. */
bool
sched_cache_settled(const struct sched_cache *c, int64_t wait_ms)
{
	const struct sched_map_slot *s;
	const struct sched_cns *cns;
	int64_t now = now_ms();
	size_t i = 0;
	int k;

	for (k = 0; k < SCHED_CK_COUNT; k++)
		if (sched_inf_waiting(c->all[k], now, wait_ms))
			return false;
	while ((s = sched_map_next(&c->nss, &i)) != NULL) {
		cns = s->value;
		for (k = 0; k < SCHED_CK_COUNT; k++)
			if (sched_inf_waiting(cns->inf[k], now, wait_ms))
				return false;
	}
	return true;
}
