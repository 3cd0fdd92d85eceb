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
#include "sched-cache.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "kube.h"
#include "sched-map.h"
#include "spec.h"

#define SCHED_CACHE_MANAGED "app.kubernetes.io/managed-by=ailab-queue"
/* A watch that gave up is started again after this, doubling to the cap. */
#define SCHED_CACHE_RETRY_MS 1000
#define SCHED_CACHE_RETRY_MAX_MS 60000
/* A scope the credentials may not list is asked again this seldom. */
#define SCHED_CACHE_FORBIDDEN_RETRY_MS (300 * 1000)

enum sched_inf_state {
	SCHED_INF_STARTING,
	SCHED_INF_SYNCED,
	SCHED_INF_FORBIDDEN,
	SCHED_INF_FAILED,
};

/* One kind in one scope: its watch and its store. */
struct sched_inf {
	struct sched_cache *c;
	enum sched_ck kind;
	char *ns;                    /* NULL: cluster-wide */
	struct kube_watch *w;
	enum sched_inf_state state;
	char *error;                 /* the cluster's last refusal */
	int failures;                /* give-ups in a row */
	struct event *retry;
	int64_t started;             /* local ms of the first list */
	int lists, streams, bookmarks;  /* of watches stopped before */
	/* "ns/name" (nodes: name) -> json_t *; for SCHED_CK_NODES a struct
	 * sched_cnode, for SCHED_CK_PODS a struct sched_cpod. */
	struct sched_map objs;
};

/* What the pods bound to one node request. */
struct sched_ntot {
	char *name;
	int64_t cpu;
	int64_t mem;
	int64_t gpu;
};

/* A pod of the cluster-wide store: just what node accounting needs. */
struct sched_cpod {
	struct sched_ntot *at;       /* its node's totals; NULL: not counted */
	const char *ns;              /* interned */
	char *rv;
	int64_t cpu;
	int64_t mem;
	int64_t gpu;
	bool deleting;
};

/* A namespace's own informers, where cluster-wide ones are refused. */
struct sched_cns {
	struct sched_inf *inf[SCHED_CK_COUNT];
};

/* When one of our pods was first seen, against the quotas' changes. */
struct sched_cseen {
	uint64_t qgen;               /* its namespace's quota changes then */
	uint64_t qepoch;             /* the quota lists made by then */
	int64_t at;                  /* local ms */
};

/* One job's objects of this queue. */
struct sched_cjob {
	char *ns;
	int64_t id;                  /* 0 if the label is not a number */
	json_t *items[SCHED_OBJ_COUNT];
};

struct sched_cache {
	struct kube_client *kube;
	struct sched_cache_opts opts;
	char *queue;
	struct sched_inf *all[SCHED_CK_COUNT];  /* NULL: kind not kept */
	struct sched_map nss;        /* ns -> struct sched_cns */
	struct sched_map jobs;       /* "ns/id" -> struct sched_cjob */
	struct sched_map ntots;      /* node name -> struct sched_ntot */
	struct sched_map deleting;   /* "ns/name" -> struct sched_cpod */
	struct sched_map nsnames;    /* ns -> its interned copy */
	struct sched_map qgen;       /* ns -> quota events seen (index) */
	uint64_t qepoch;             /* quota lists (SYNCs) made */
	struct sched_map seen;       /* "ns/name" of our pods -> cseen */
	struct sched_cnode **nodes;  /* in API order; rebuilt when dirty */
	size_t nnodes;
	bool nodes_dirty;
	uint64_t node_seq;
};

static const struct {
	enum kube_kind kind;
	const char *labels;
	const char *fields;
	bool namespaced;
	int obj;                     /* enum sched_obj, or -1 */
} sched_ck_info[SCHED_CK_COUNT] = {
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

/* Tells the loop; kick asks for a pass soon. */
static void
sched_cache_notify(struct sched_cache *c, bool kick, const char *error)
{
	if (c->opts.on_change != NULL)
		c->opts.on_change(kick, error, c->opts.arg);
}

/* The store key of an object: "ns/name", or the name of a node. */
static char *
sched_obj_key(const json_t *obj)
{
	const char *ns = kube_obj_namespace(obj), *name = kube_obj_name(obj);

	if (ns == NULL || *ns == '\0')
		return xstrdup(name != NULL ? name : "");
	return xprintf("%s/%s", ns, name != NULL ? name : "");
}

/* A namespace name shared by every pod of it. */
static const char *
sched_cache_intern(struct sched_cache *c, const char *ns)
{
	char *s = sched_map_get(&c->nsnames, ns);

	if (s == NULL) {
		s = xstrdup(ns);
		sched_map_put(&c->nsnames, ns, s);
	}
	return s;
}

/* ---- this queue's objects by job ---- */

/* The job key of one of our objects, or NULL if it is not this queue's. */
static char *
sched_cjob_key(const struct sched_cache *c, const json_t *obj)
{
	const char *id = kube_obj_label(obj, SPEC_LABEL_JOB);
	const char *q = kube_obj_label(obj, SPEC_LABEL_QUEUE);

	/* Another queue's job of the same id, or an object no queue
	 * labelled: not ours. */
	if (id == NULL || q == NULL || strcmp(q, c->queue) != 0)
		return NULL;
	return xprintf("%s/%s", kube_obj_namespace(obj), id);
}

/* Files an object under its job. */
static void
sched_cjob_add(struct sched_cache *c, int slot, json_t *obj)
{
	struct sched_cjob *j;
	char *key;
	int k;

	if (slot < 0 || (key = sched_cjob_key(c, obj)) == NULL)
		return;
	if ((j = sched_map_get(&c->jobs, key)) == NULL) {
		j = xcalloc(1, sizeof *j);
		j->ns = xstrdup(kube_obj_namespace(obj));
		j->id = strtoll(kube_obj_label(obj, SPEC_LABEL_JOB), NULL, 10);
		for (k = 0; k < SCHED_OBJ_COUNT; k++)
			j->items[k] = json_array();
		sched_map_put(&c->jobs, key, j);
	}
	json_array_append(j->items[slot], obj);
	free(key);
}

/* Frees a job's entry. */
static void
sched_cjob_free(void *p)
{
	struct sched_cjob *j = p;
	int k;

	for (k = 0; k < SCHED_OBJ_COUNT; k++)
		json_decref(j->items[k]);
	free(j->ns);
	free(j);
}

/* Takes an object (this very one) out of its job's entry. */
static void
sched_cjob_del(struct sched_cache *c, int slot, json_t *obj)
{
	struct sched_cjob *j;
	size_t i, left = 0;
	char *key;
	int k;

	if (slot < 0 || (key = sched_cjob_key(c, obj)) == NULL)
		return;
	if ((j = sched_map_get(&c->jobs, key)) != NULL) {
		for (i = 0; i < json_array_size(j->items[slot]); i++) {
			if (json_array_get(j->items[slot], i) == obj) {
				json_array_remove(j->items[slot], i);
				break;
			}
		}
		for (k = 0; k < SCHED_OBJ_COUNT; k++)
			left += json_array_size(j->items[k]);
		if (left == 0)
			sched_cjob_free(sched_map_del(&c->jobs, key));
	}
	free(key);
}

/* ---- nodes ---- */

/* Frees what a node's parse allocated. */
static void
sched_cnode_release(struct sched_cnode *n)
{
	json_decref(n->obj);
	free(n->taints);
	free(n->labels);
	n->obj = NULL;
	n->taints = NULL;
	n->labels = NULL;
}

/* Reads one node's capacity, taints and labels for the policy. */
static void
sched_cnode_parse(struct sched_cnode *cn, json_t *n)
{
	struct sched_node *sn = &cn->node;
	const json_t *t, *lab, *e;
	const char *k, *eff;
	json_t *v;
	size_t i, nt;
	int64_t g = 0;

	cn->obj = json_incref(n);
	memset(sn, 0, sizeof *sn);
	sn->name = kube_obj_name(n);
	sn->gpu_product = kube_obj_label(n, SCHED_GPU_LABEL);
	if (sn->gpu_product == NULL)
		sn->gpu_product = kube_obj_label(n, SCHED_GPU_LABEL_GFD);
	kube_node_allocatable(n, "cpu", QUANTITY_MILLI, &sn->alloc_cpu_milli,
	    NULL);
	kube_node_allocatable(n, "memory", QUANTITY_UNITS,
	    &sn->alloc_memory_bytes, NULL);
	if (kube_node_allocatable(n, "nvidia.com/gpu", QUANTITY_UNITS, &g,
	    NULL) == 0)
		sn->alloc_gpus = (int)g;
	sn->unschedulable = kube_node_is_unschedulable(n);
	sn->ready = kube_node_is_ready(n);
	t = json_object_get(json_object_get(n, "spec"), "taints");
	nt = json_array_size(t);
	cn->taints = xcalloc(nt + 1, sizeof *cn->taints);
	for (i = 0; i < nt; i++) {
		e = json_array_get(t, i);
		eff = json_string_value(json_object_get(e, "effect"));
		cn->taints[i].key = json_string_value(json_object_get(e, "key"));
		cn->taints[i].value = json_string_value(json_object_get(e,
		    "value"));
		cn->taints[i].effect = eff == NULL ? SCHED_TAINT_NO_SCHEDULE :
		    strcmp(eff, "NoExecute") == 0 ? SCHED_TAINT_NO_EXECUTE :
		    strcmp(eff, "PreferNoSchedule") == 0 ?
		    SCHED_TAINT_PREFER_NO_SCHEDULE : SCHED_TAINT_NO_SCHEDULE;
	}
	sn->taints = cn->taints;
	sn->ntaints = nt;
	lab = json_object_get(json_object_get(n, "metadata"), "labels");
	cn->labels = xcalloc(json_object_size(lab) + 1, sizeof *cn->labels);
	i = 0;
	json_object_foreach((json_t *)lab, k, v) {
		cn->labels[i].key = k;
		cn->labels[i].value = json_string_value(v);
		i++;
	}
	sn->labels = cn->labels;
	sn->nlabels = i;
}

/* Frees a node entry. */
static void
sched_cnode_free(void *p)
{
	if (p != NULL)
		sched_cnode_release(p);
	free(p);
}

/* ---- pods ---- */

/* The totals of a node, made on first use and kept. */
static struct sched_ntot *
sched_ntot_get(struct sched_cache *c, const char *node)
{
	struct sched_ntot *t = sched_map_get(&c->ntots, node);

	if (t == NULL) {
		t = xcalloc(1, sizeof *t);
		t->name = xstrdup(node);
		sched_map_put(&c->ntots, node, t);
	}
	return t;
}

/* Frees a node's totals. */
static void
sched_ntot_free(void *p)
{
	struct sched_ntot *t = p;

	free(t->name);
	free(t);
}

/* Takes a pod, already out of its store, off its node's books; frees it. */
static void
sched_cpod_drop(struct sched_cache *c, const char *key, struct sched_cpod *p)
{
	if (p == NULL)
		return;
	if (p->at != NULL) {
		p->at->cpu -= p->cpu;
		p->at->mem -= p->mem;
		p->at->gpu -= p->gpu;
	}
	if (p->deleting)
		sched_map_del(&c->deleting, key);
	free(p->rv);
	free(p);
}

/* Keeps a pod's requests on its node's books (bound and not ended). */
static void
sched_cpod_add(struct sched_cache *c, struct sched_inf *inf, const char *key,
    const json_t *obj)
{
	struct sched_cpod *p = xcalloc(1, sizeof *p);
	const char *node = kube_pod_node(obj);

	p->ns = sched_cache_intern(c, kube_obj_namespace(obj));
	p->rv = xstrdup(kube_obj_resource_version(obj) != NULL ?
	    kube_obj_resource_version(obj) : "");
	kube_pod_request(obj, "cpu", QUANTITY_MILLI, &p->cpu, NULL);
	kube_pod_request(obj, "memory", QUANTITY_UNITS, &p->mem, NULL);
	kube_pod_request(obj, "nvidia.com/gpu", QUANTITY_UNITS, &p->gpu, NULL);
	if (node != NULL && !kube_pod_is_terminal(obj)) {
		p->at = sched_ntot_get(c, node);
		p->at->cpu += p->cpu;
		p->at->mem += p->mem;
		p->at->gpu += p->gpu;
		p->deleting = json_object_get(json_object_get(obj, "metadata"),
		    "deletionTimestamp") != NULL;
		if (p->deleting)
			sched_map_put(&c->deleting, key, p);
	}
	sched_map_put(&inf->objs, key, p);
}

/* ---- quotas and our pods ---- */

/* How many quota events a namespace has seen. */
static uint64_t
sched_qgen(const struct sched_cache *c, const char *ns)
{
	size_t n = sched_map_get_index(&c->qgen, ns != NULL ? ns : "");

	return n == (size_t)-1 ? 0 : (uint64_t)n;
}

/* A quota of ns changed: pods seen before are in its status now. */
static void
sched_qgen_bump(struct sched_cache *c, const json_t *quota)
{
	const char *ns = kube_obj_namespace(quota);

	sched_map_put_index(&c->qgen, ns != NULL ? ns : "",
	    (size_t)sched_qgen(c, ns) + 1);
}

/* Notes when one of our pods was first seen. */
static void
sched_seen_add(struct sched_cache *c, const char *key, const json_t *pod)
{
	struct sched_cseen *e;

	if (sched_map_get(&c->seen, key) != NULL)
		return;
	e = xcalloc(1, sizeof *e);
	e->qgen = sched_qgen(c, kube_obj_namespace(pod));
	e->qepoch = c->qepoch;
	e->at = now_ms();
	sched_map_put(&c->seen, key, e);
}

/* ---- the informers' stores ---- */

/* Adds or replaces one object of an informer's store. */
static void
sched_inf_put(struct sched_inf *inf, json_t *obj)
{
	struct sched_cache *c = inf->c;
	int slot = sched_ck_info[inf->kind].obj;
	struct sched_cnode *cn;
	char *key = sched_obj_key(obj);
	json_t *old;

	switch (inf->kind) {
	case SCHED_CK_NODES:
		if ((cn = sched_map_get(&inf->objs, key)) == NULL) {
			cn = xcalloc(1, sizeof *cn);
			cn->seq = ++c->node_seq;
			sched_map_put(&inf->objs, key, cn);
		} else
			sched_cnode_release(cn);
		sched_cnode_parse(cn, obj);
		c->nodes_dirty = true;
		break;
	case SCHED_CK_PODS:
		sched_cpod_drop(c, key, sched_map_del(&inf->objs, key));
		sched_cpod_add(c, inf, key, obj);
		break;
	default:
		old = sched_map_put(&inf->objs, key, json_incref(obj));
		if (old != NULL) {
			sched_cjob_del(c, slot, old);
			json_decref(old);
		}
		sched_cjob_add(c, slot, obj);
		if (inf->kind == SCHED_CK_QUOTAS)
			sched_qgen_bump(c, obj);
		else if (inf->kind == SCHED_CK_OURPODS)
			sched_seen_add(c, key, obj);
		break;
	}
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

static struct sched_inf *sched_inf_new(struct sched_cache *, enum sched_ck,
    const char *ns);

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
	json_array_foreach(kube_list_items(body), i, obj)
		sched_inf_put(inf, obj);
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
		.field_selector = sched_ck_info[inf->kind].fields };

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

/* ---- the cache ---- */

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

/* An informer's state as a scope. */
static enum sched_scope
sched_inf_scope(const struct sched_inf *inf, const char **error)
{
	*error = inf->error;
	switch (inf->state) {
	case SCHED_INF_SYNCED:
		return SCHED_SCOPE_OK;
	case SCHED_INF_FORBIDDEN:
		return SCHED_SCOPE_FORBIDDEN;
	case SCHED_INF_FAILED:
		return SCHED_SCOPE_FAILED;
	case SCHED_INF_STARTING:
		break;
	}
	return SCHED_SCOPE_PENDING;
}

/* See sched-cache.h. */
enum sched_scope
sched_cache_scope(const struct sched_cache *c, enum sched_ck kind,
    const char *ns, const char **error)
{
	const struct sched_inf *inf = c->all[kind];
	const struct sched_cns *cns;

	*error = NULL;
	if (inf == NULL)
		return SCHED_SCOPE_FORBIDDEN;
	if (inf->state != SCHED_INF_FORBIDDEN || ns == NULL ||
	    !sched_ck_info[kind].namespaced)
		return sched_inf_scope(inf, error);
	if ((cns = sched_map_get(&c->nss, ns)) == NULL ||
	    cns->inf[kind] == NULL)
		return SCHED_SCOPE_PENDING;
	return sched_inf_scope(cns->inf[kind], error);
}

/* See sched-cache.h. */
json_t *
sched_cache_job_objects(const struct sched_cache *c, const char *ns,
    int64_t id, enum sched_obj kind)
{
	struct sched_cjob *j;
	char key[512];

	snprintf(key, sizeof key, "%s/%lld", ns, (long long)id);
	j = sched_map_get(&c->jobs, key);
	return j != NULL && json_array_size(j->items[kind]) > 0 ?
	    j->items[kind] : NULL;
}

/* See sched-cache.h. */
bool
sched_cache_next_job(const struct sched_cache *c, size_t *i, const char **ns,
    int64_t *id)
{
	struct sched_map_slot *s = sched_map_next(&c->jobs, i);
	struct sched_cjob *j;

	if (s == NULL)
		return false;
	j = s->value;
	*ns = j->ns;
	*id = j->id;
	return true;
}

/* See sched-cache.h. */
void
sched_cache_assume(struct sched_cache *c, enum sched_ck kind, const json_t *obj)
{
	struct sched_inf *inf = c->all[kind];
	struct sched_cns *cns;
	const char *ns = kube_obj_namespace(obj);
	char *key;

	if (inf != NULL && inf->state == SCHED_INF_FORBIDDEN && ns != NULL &&
	    (cns = sched_map_get(&c->nss, ns)) != NULL)
		inf = cns->inf[kind];
	if (inf == NULL || inf->state != SCHED_INF_SYNCED ||
	    kube_obj_name(obj) == NULL)
		return;
	key = sched_obj_key(obj);
	if (sched_map_get(&inf->objs, key) == NULL)
		sched_inf_put(inf, (json_t *)obj);
	free(key);
}

/* Orders nodes as the API listed them. */
static int
sched_cnode_cmp(const void *a, const void *b)
{
	const struct sched_cnode *x = *(struct sched_cnode *const *)a;
	const struct sched_cnode *y = *(struct sched_cnode *const *)b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* See sched-cache.h. */
struct sched_cnode *const *
sched_cache_nodes(struct sched_cache *c, size_t *n)
{
	struct sched_map_slot *s;
	size_t i = 0;

	if (c->all[SCHED_CK_NODES] == NULL) {
		*n = 0;
		return NULL;
	}
	if (c->nodes_dirty) {
		free(c->nodes);
		c->nnodes = 0;
		c->nodes = xcalloc(sched_map_count(&c->all[SCHED_CK_NODES]->objs)
		    + 1, sizeof *c->nodes);
		while ((s = sched_map_next(&c->all[SCHED_CK_NODES]->objs,
		    &i)) != NULL)
			c->nodes[c->nnodes++] = s->value;
		qsort(c->nodes, c->nnodes, sizeof *c->nodes, sched_cnode_cmp);
		c->nodes_dirty = false;
	}
	*n = c->nnodes;
	return c->nodes;
}

/* See sched-cache.h. */
void
sched_cache_node_requests(const struct sched_cache *c, const char *node,
    int64_t *cpu, int64_t *mem, int64_t *gpu)
{
	const struct sched_ntot *t = sched_map_get(&c->ntots, node);

	*cpu = t != NULL ? t->cpu : 0;
	*mem = t != NULL ? t->mem : 0;
	*gpu = t != NULL ? t->gpu : 0;
}

/* See sched-cache.h. */
bool
sched_cache_pod_booked(const struct sched_cache *c, const char *ns,
    const char *name)
{
	const struct sched_cpod *p;
	char *key;

	if (c->all[SCHED_CK_PODS] == NULL)
		return false;
	key = xprintf("%s/%s", ns, name);
	p = sched_map_get(&c->all[SCHED_CK_PODS]->objs, key);
	free(key);
	return p != NULL && p->at != NULL;
}

/* See sched-cache.h. */
bool
sched_cache_pod_in_quota(const struct sched_cache *c, const json_t *pod,
    int64_t grace_ms)
{
	const struct sched_cseen *e;
	char *key = sched_obj_key(pod);

	e = sched_map_get(&c->seen, key);
	free(key);
	if (e == NULL)
		return false;
	return sched_qgen(c, kube_obj_namespace(pod)) > e->qgen ||
	    c->qepoch > e->qepoch || now_ms() - e->at >= grace_ms;
}

/* See sched-cache.h. */
bool
sched_cache_next_deleting(const struct sched_cache *c, size_t *i,
    struct sched_cdeleting *d)
{
	struct sched_map_slot *s = sched_map_next(&c->deleting, i);
	const struct sched_cpod *p;

	if (s == NULL)
		return false;
	p = s->value;
	d->ns = p->ns;
	d->node = p->at->name;
	d->cpu_milli = p->cpu;
	d->memory_bytes = p->mem;
	d->gpus = p->gpu;
	return true;
}

/* Appends an informer's quotas to an array. */
static void
sched_inf_quotas(const struct sched_inf *inf, json_t *out)
{
	struct sched_map_slot *s;
	size_t i = 0;

	if (inf == NULL || inf->state == SCHED_INF_FORBIDDEN)
		return;
	while ((s = sched_map_next(&inf->objs, &i)) != NULL)
		json_array_append(out, s->value);
}

/* See sched-cache.h. */
json_t *
sched_cache_quotas(const struct sched_cache *c)
{
	const struct sched_map_slot *s;
	json_t *out = json_array();
	size_t i = 0;

	sched_inf_quotas(c->all[SCHED_CK_QUOTAS], out);
	while ((s = sched_map_next(&c->nss, &i)) != NULL)
		sched_inf_quotas(((struct sched_cns *)s->value)->
		    inf[SCHED_CK_QUOTAS], out);
	return out;
}

/* The counters of an informer's watches, stopped ones included. */
static void
sched_inf_counters(const struct sched_inf *inf, int *lists, int *streams,
    int *bookmarks)
{
	*lists = inf->lists + (inf->w != NULL ? kube_watch_relists(inf->w) : 0);
	*streams = inf->streams + (inf->w != NULL ?
	    kube_watch_streams(inf->w) : 0);
	*bookmarks = inf->bookmarks + (inf->w != NULL ?
	    kube_watch_bookmarks(inf->w) : 0);
}

/* Adds one informer's objects, state and counters to a kind's dump. */
static void
sched_inf_dump(const struct sched_inf *inf, json_t *kind)
{
	static const char *const states[] = { "starting", "synced",
	    "forbidden", "failed" };
	json_t *objs = json_object_get(kind, "objects");
	const struct sched_map_slot *s;
	const char *rv;
	int lists, streams, bookmarks;
	size_t i = 0;

	if (inf == NULL)
		return;
	while ((s = sched_map_next(&inf->objs, &i)) != NULL) {
		if (inf->kind == SCHED_CK_PODS)
			rv = ((struct sched_cpod *)s->value)->rv;
		else if (inf->kind == SCHED_CK_NODES)
			rv = kube_obj_resource_version(
			    ((struct sched_cnode *)s->value)->obj);
		else
			rv = kube_obj_resource_version(s->value);
		json_object_set_new(objs, s->key, json_string(rv != NULL ?
		    rv : ""));
	}
	sched_inf_counters(inf, &lists, &streams, &bookmarks);
	json_array_append_new(json_object_get(kind, "scopes"), json_pack(
	    "{s:s?,s:s,s:i,s:i,s:i}", "namespace", inf->ns, "state",
	    states[inf->state], "lists", lists, "streams", streams,
	    "bookmarks", bookmarks));
}

/* See sched-cache.h. */
json_t *
sched_cache_dump(const struct sched_cache *c)
{
	static const char *const names[SCHED_CK_COUNT] = { "nodes", "pods",
	    "resourcequotas", "deployments", "jobs", "services", "ourpods" };
	const struct sched_map_slot *s;
	json_t *out = json_object(), *kind;
	size_t i;
	int k;

	for (k = 0; k < SCHED_CK_COUNT; k++) {
		if (c->all[k] == NULL)
			continue;
		kind = json_pack("{s:{},s:[]}", "objects", "scopes");
		sched_inf_dump(c->all[k], kind);
		i = 0;
		while ((s = sched_map_next(&c->nss, &i)) != NULL)
			sched_inf_dump(((struct sched_cns *)s->value)->inf[k],
			    kind);
		json_object_set_new(out, names[k], kind);
	}
	return out;
}

/* See sched-cache.h. */
int
sched_cache_relists(const struct sched_cache *c)
{
	const struct sched_map_slot *s;
	int n = 0, lists, streams, bookmarks, k;
	size_t i = 0;

	for (k = 0; k < SCHED_CK_COUNT; k++) {
		if (c->all[k] == NULL)
			continue;
		sched_inf_counters(c->all[k], &lists, &streams, &bookmarks);
		n += lists;
	}
	while ((s = sched_map_next(&c->nss, &i)) != NULL) {
		for (k = 0; k < SCHED_CK_COUNT; k++) {
			const struct sched_inf *inf =
			    ((struct sched_cns *)s->value)->inf[k];

			if (inf == NULL)
				continue;
			sched_inf_counters(inf, &lists, &streams, &bookmarks);
			n += lists;
		}
	}
	return n;
}
