/*
 * sched-cache-read.c: what passes ask of the cache: how each kind reads in
 * a scope, a job's objects, the nodes and what their pods request, which
 * pods the quotas count, the quotas, and a dump for tests.  It also takes
 * in what the loop just created (sched_cache_assume).
 */
#include "sched-cache-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

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
	return e->listed || sched_qgen(c, kube_obj_namespace(pod)) > e->qgen ||
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
			rv = ((struct sched_cnode *)s->value)->rv;
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
