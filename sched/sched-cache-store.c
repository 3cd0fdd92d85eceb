/*
 * sched-cache-store.c: what the cache keeps beside each kind's objects, as
 * they come and go: this queue's objects by job, nodes parsed for the
 * policy, the requests of pods bound to each node (and those being
 * deleted), and when each pod of ours was first seen against its
 * namespace's quota changes.
 */
#include "sched-cache-int.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "spec.h"

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

/* At most this many changed jobs are remembered between passes; past it
 * the next pass follows every job (a relist, a storm of events). */
#define SCHED_CHANGED_MAX 65536

/* Notes that a job's objects changed, for sched_cache_take_changed. */
static void
sched_cache_changed_job(struct sched_cache *c, int64_t id)
{
	if (c->changed_all)
		return;
	if (c->nchanged == SCHED_CHANGED_MAX) {
		c->changed_all = true;
		c->nchanged = 0;
		return;
	}
	if (c->nchanged == c->capchanged) {
		c->capchanged = c->capchanged == 0 ? 64 : c->capchanged * 2;
		c->changed = xreallocarray(c->changed, c->capchanged,
		    sizeof *c->changed);
	}
	c->changed[c->nchanged++] = id;
}

/* After this many objects put or dropped, and a quarter of those kept,
 * the heap is given back. */
#define SCHED_CACHE_TRIM_CHURN 256

/* The objects the cache holds, over every informer (NULL: not kept). */
static size_t
sched_cache_count(const struct sched_cache *c)
{
	const struct sched_map_slot *s;
	struct sched_inf *const *inf = c->all;
	size_t i = 0, k, n = 0;

	for (;;) {
		for (k = 0; k < SCHED_CK_COUNT; k++)
			if (inf[k] != NULL)
				n += sched_map_count(&inf[k]->objs);
		if ((s = sched_map_next(&c->nss, &i)) == NULL)
			return n;
		inf = ((struct sched_cns *)s->value)->inf;
	}
}

/*
 * Gives the heap's free pages back to the system after a burst of watch
 * events or a list.  Each event's object is parsed whole (a pod of ours
 * is about 14 KB as jansson values), kept in part and freed, and a list
 * of 100,000 pods holds its pages until the store has them: malloc keeps
 * what was freed in the middle of the heap resident, so the RSS climbed
 * with every burst of the fill-up and never came down.  malloc_trim
 * returns those pages; it waits for a burst as large as a quarter of
 * what the cache holds, for a trim also returns the pages every pass
 * reuses (main's M_TRIM_THRESHOLD keeps them): a trickle of events that
 * trimmed before every pass cost it 98 against 72 ms at 100,000 jobs.
 */
static void
sched_cache_trim(struct sched_cache *c)
{
	if (c->churn < SCHED_CACHE_TRIM_CHURN ||
	    c->churn < sched_cache_count(c) / 4)
		return;
	c->churn = 0;
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}

/* See sched-cache.h. */
void
sched_cache_take_changed(struct sched_cache *c, int64_t **ids, size_t *n,
    bool *all)
{
	*all = c->changed_all;
	*n = c->nchanged;
	*ids = c->changed;
	c->changed = NULL;
	c->nchanged = c->capchanged = 0;
	c->changed_all = false;
	sched_cache_trim(c);
}

/* Files an object under its job. */
void
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
	sched_cache_changed_job(c, j->id);
	free(key);
}

/* Frees a job's entry. */
void
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
void
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
		sched_cache_changed_job(c, j->id);
		for (k = 0; k < SCHED_OBJ_COUNT; k++)
			left += json_array_size(j->items[k]);
		if (left == 0)
			sched_cjob_free(sched_map_del(&c->jobs, key));
	}
	free(key);
}

/* Frees what a node's parse allocated. */
static void
sched_cnode_release(struct sched_cnode *n)
{
	free(n->strs);
	free(n->taints);
	free(n->labels);
	n->strs = NULL;
	n->rv = NULL;
	n->taints = NULL;
	n->labels = NULL;
}

/* The room a string takes in a node's block; none for NULL. */
static size_t
sched_cnode_len(const char *s)
{
	return s != NULL ? strlen(s) + 1 : 0;
}

/* Copies s into a node's block at *off; NULL stays NULL. */
static const char *
sched_cnode_copy(char *blk, size_t *off, const char *s)
{
	size_t n;

	if (s == NULL)
		return NULL;
	n = strlen(s) + 1;
	memcpy(blk + *off, s, n);
	*off += n;
	return blk + *off - n;
}

/* The size of the block a node's strings need. */
static size_t
sched_cnode_size(const json_t *n, const json_t *taints, const json_t *labels)
{
	const json_t *e;
	const char *k;
	json_t *v;
	size_t i, size = sched_cnode_len(kube_obj_name(n)) +
	    sched_cnode_len(kube_obj_resource_version(n));

	json_array_foreach(taints, i, e)
		size += sched_cnode_len(json_string_value(json_object_get(e,
		    "key"))) + sched_cnode_len(json_string_value(
		    json_object_get(e, "value")));
	json_object_foreach((json_t *)labels, k, v)
		size += sched_cnode_len(k) + sched_cnode_len(
		    json_string_value(v));
	return size;
}

/* A taint's effect as the policy knows it. */
static enum sched_taint_effect
sched_cnode_effect(const char *eff)
{
	if (eff != NULL && strcmp(eff, "NoExecute") == 0)
		return SCHED_TAINT_NO_EXECUTE;
	if (eff != NULL && strcmp(eff, "PreferNoSchedule") == 0)
		return SCHED_TAINT_PREFER_NO_SCHEDULE;
	return SCHED_TAINT_NO_SCHEDULE;
}

/*
 * Reads one node's capacity, taints and labels for the policy, copying
 * its strings into one block: 5,000 nodes kept as jansson values (about
 * a dozen labels, allocatable, a condition each) took far more than
 * their strings.
 */
static void
sched_cnode_parse(struct sched_cnode *cn, const json_t *n)
{
	struct sched_node *sn = &cn->node;
	const json_t *t, *lab, *e;
	const char *k, *gfd = NULL;
	json_t *v;
	size_t i, nt, off = 0;
	int64_t g = 0;

	memset(sn, 0, sizeof *sn);
	t = json_object_get(json_object_get(n, "spec"), "taints");
	lab = json_object_get(json_object_get(n, "metadata"), "labels");
	cn->strs = xmalloc(sched_cnode_size(n, t, lab) + 1);
	sn->name = sched_cnode_copy(cn->strs, &off, kube_obj_name(n));
	cn->rv = sched_cnode_copy(cn->strs, &off,
	    kube_obj_resource_version(n));
	kube_node_allocatable(n, "cpu", QUANTITY_MILLI, &sn->alloc_cpu_milli,
	    NULL);
	kube_node_allocatable(n, "memory", QUANTITY_UNITS,
	    &sn->alloc_memory_bytes, NULL);
	if (kube_node_allocatable(n, "nvidia.com/gpu", QUANTITY_UNITS, &g,
	    NULL) == 0)
		sn->alloc_gpus = (int)g;
	sn->unschedulable = kube_node_is_unschedulable(n);
	sn->ready = kube_node_is_ready(n);
	nt = json_array_size(t);
	cn->taints = xcalloc(nt + 1, sizeof *cn->taints);
	for (i = 0; i < nt; i++) {
		e = json_array_get(t, i);
		cn->taints[i].key = sched_cnode_copy(cn->strs, &off,
		    json_string_value(json_object_get(e, "key")));
		cn->taints[i].value = sched_cnode_copy(cn->strs, &off,
		    json_string_value(json_object_get(e, "value")));
		cn->taints[i].effect = sched_cnode_effect(json_string_value(
		    json_object_get(e, "effect")));
	}
	sn->taints = cn->taints;
	sn->ntaints = nt;
	cn->labels = xcalloc(json_object_size(lab) + 1, sizeof *cn->labels);
	i = 0;
	json_object_foreach((json_t *)lab, k, v) {
		cn->labels[i].key = sched_cnode_copy(cn->strs, &off, k);
		cn->labels[i].value = sched_cnode_copy(cn->strs, &off,
		    json_string_value(v));
		if (strcmp(k, SCHED_GPU_LABEL) == 0)
			sn->gpu_product = cn->labels[i].value;
		else if (strcmp(k, SCHED_GPU_LABEL_GFD) == 0)
			gfd = cn->labels[i].value;
		i++;
	}
	if (sn->gpu_product == NULL)
		sn->gpu_product = gfd;
	sn->labels = cn->labels;
	sn->nlabels = i;
}

/* See sched-cache-int.h. */
void
sched_cnode_put(struct sched_cache *c, struct sched_inf *inf,
    const json_t *obj)
{
	struct sched_cnode *cn;
	char *key = sched_obj_key(obj);

	if ((cn = sched_map_get(&inf->objs, key)) == NULL) {
		cn = xcalloc(1, sizeof *cn);
		cn->seq = ++c->node_seq;
		sched_map_put(&inf->objs, key, cn);
	} else
		sched_cnode_release(cn);
	sched_cnode_parse(cn, obj);
	c->nodes_dirty = true;
	free(key);
}

/* Frees a node entry. */
void
sched_cnode_free(void *p)
{
	if (p != NULL)
		sched_cnode_release(p);
	free(p);
}

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
void
sched_ntot_free(void *p)
{
	struct sched_ntot *t = p;

	free(t->name);
	free(t);
}

/* Takes a pod, already out of its store, off its node's books; frees it. */
void
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
	free(p);
}

/* What the store of every pod keeps of one: from a watch event's object,
 * or from the line a list kept (sched_cpod_slim). */
struct sched_podf {
	const char *ns;
	const char *name;
	const char *rv;
	const char *node;            /* NULL: not bound */
	int64_t cpu;
	int64_t mem;
	int64_t gpu;
	bool deleting;
	bool terminal;
};

/* A pod's fields from its object. */
static void
sched_podf_from_obj(const json_t *p, struct sched_podf *f)
{
	memset(f, 0, sizeof *f);
	f->ns = kube_obj_namespace(p);
	f->name = kube_obj_name(p);
	f->rv = kube_obj_resource_version(p);
	f->node = kube_pod_node(p);
	kube_pod_request(p, "cpu", QUANTITY_MILLI, &f->cpu, NULL);
	kube_pod_request(p, "memory", QUANTITY_UNITS, &f->mem, NULL);
	kube_pod_request(p, "nvidia.com/gpu", QUANTITY_UNITS, &f->gpu, NULL);
	f->deleting = json_object_get(json_object_get(p, "metadata"),
	    "deletionTimestamp") != NULL;
	f->terminal = kube_pod_is_terminal(p);
}

/* A pod's fields from a kept line (buf is a copy, cut in place); -1 if
 * it is not one. */
static int
sched_podf_from_line(char *buf, struct sched_podf *f)
{
	char *v[8], *next;
	size_t n = 0;

	for (; buf != NULL && n < nitems(v); buf = next) {
		if ((next = strchr(buf, '\037')) != NULL)
			*next++ = '\0';
		v[n++] = buf;
	}
	if (n != nitems(v))
		return -1;
	memset(f, 0, sizeof *f);
	f->ns = v[0];
	f->name = v[1];
	f->rv = v[2];
	f->node = *v[3] != '\0' ? v[3] : NULL;
	f->cpu = strtoll(v[4], NULL, 10);
	f->mem = strtoll(v[5], NULL, 10);
	f->gpu = strtoll(v[6], NULL, 10);
	f->deleting = strchr(v[7], 'd') != NULL;
	f->terminal = strchr(v[7], 't') != NULL;
	return 0;
}

/* Keeps a pod's requests on its node's books (bound and not ended). */
static void
sched_cpod_keep(struct sched_cache *c, struct sched_inf *inf, const char *key,
    const struct sched_podf *f)
{
	const char *rv = f->rv != NULL ? f->rv : "";
	size_t n = strlen(rv) + 1;
	struct sched_cpod *p = xmalloc(sizeof *p + n);

	memset(p, 0, sizeof *p);
	memcpy(p->rv, rv, n);
	p->ns = sched_cache_intern(c, f->ns != NULL ? f->ns : "");
	p->cpu = f->cpu;
	p->mem = f->mem;
	p->gpu = f->gpu;
	if (f->node != NULL && !f->terminal) {
		p->at = sched_ntot_get(c, f->node);
		p->at->cpu += p->cpu;
		p->at->mem += p->mem;
		p->at->gpu += p->gpu;
		p->deleting = f->deleting;
		if (p->deleting)
			sched_map_put(&c->deleting, key, p);
	}
	sched_map_put(&inf->objs, key, p);
}

/* Adds (or replaces) a pod in the store of every pod, from a watch
 * event's object or a list's kept line. */
void
sched_cpod_put(struct sched_cache *c, struct sched_inf *inf,
    const json_t *obj)
{
	struct sched_podf f;
	char *line = NULL, *key;

	if (json_is_string(obj)) {
		line = xstrdup(json_string_value(obj));
		if (sched_podf_from_line(line, &f) != 0) {
			free(line);
			return;
		}
	} else
		sched_podf_from_obj(obj, &f);
	key = xprintf("%s/%s", f.ns != NULL ? f.ns : "",
	    f.name != NULL ? f.name : "");
	sched_cpod_drop(c, key, sched_map_del(&inf->objs, key));
	sched_cpod_keep(c, inf, key, &f);
	free(key);
	free(line);
}

/* How many quota events a namespace has seen. */
uint64_t
sched_qgen(const struct sched_cache *c, const char *ns)
{
	size_t n = sched_map_get_index(&c->qgen, ns != NULL ? ns : "");

	return n == (size_t)-1 ? 0 : (uint64_t)n;
}

/* A quota of ns changed: pods seen before are in its status now. */
void
sched_qgen_bump(struct sched_cache *c, const json_t *quota)
{
	const char *ns = kube_obj_namespace(quota);

	sched_map_put_index(&c->qgen, ns != NULL ? ns : "",
	    (size_t)sched_qgen(c, ns) + 1);
}

/* Notes when one of our pods was first seen: in a list (counted by the
 * quotas as a list of both always was) or from its watch. */
void
sched_seen_add(struct sched_cache *c, const char *key, const json_t *pod,
    bool listed)
{
	struct sched_cseen *e;

	if (sched_map_get(&c->seen, key) != NULL)
		return;
	e = xcalloc(1, sizeof *e);
	e->qgen = sched_qgen(c, kube_obj_namespace(pod));
	e->qepoch = c->qepoch;
	e->at = now_ms();
	e->listed = listed;
	sched_map_put(&c->seen, key, e);
}

/*
 * What a list of every pod keeps of each (kube_list_opts.keep): one line
 * of the fields the store keeps, so that listing 100,000 pods holds one
 * short string a pod until the store has them, not their objects.
 */
json_t *
sched_cpod_slim(const json_t *pod, void *arg)
{
	struct sched_podf f;
	json_t *out;
	char *line;

	(void)arg;
	sched_podf_from_obj(pod, &f);
	line = xprintf("%s\037%s\037%s\037%s\037%lld\037%lld\037%lld\037%s%s",
	    f.ns != NULL ? f.ns : "", f.name != NULL ? f.name : "",
	    f.rv != NULL ? f.rv : "", f.node != NULL ? f.node : "",
	    (long long)f.cpu, (long long)f.mem, (long long)f.gpu,
	    f.deleting ? "d" : "", f.terminal ? "t" : "-");
	out = json_string(line);
	free(line);
	return out;
}

/* Copies one member of an object, if present, into another. */
static void
sched_slim_copy(json_t *to, const json_t *from, const char *key)
{
	json_t *v = json_object_get(from, key);

	if (v != NULL)
		json_object_set(to, key, v);
}

/* A new object of the members of from named in keys (NULL-ended) that it
 * has, sharing their values; NULL if from is not an object. */
static json_t *
sched_slim_pick(const json_t *from, const char *const *keys)
{
	json_t *to;

	if (!json_is_object(from))
		return NULL;
	to = json_object();
	for (; *keys != NULL; keys++)
		sched_slim_copy(to, from, *keys);
	return to;
}

/* Sets key of to to a new value v unless v is NULL. */
static void
sched_slim_set_new(json_t *to, const char *key, json_t *v)
{
	if (v != NULL)
		json_object_set_new(to, key, v);
}

/* The members of each element of an array of objects named in keys; NULL
 * if from is not an array. */
static json_t *
sched_slim_each(const json_t *from, const char *const *keys)
{
	const json_t *e;
	json_t *to;
	size_t i;

	if (!json_is_array(from))
		return NULL;
	to = json_array();
	json_array_foreach(from, i, e)
		if (json_is_object(e))
			json_array_append_new(to, sched_slim_pick(e, keys));
	return to;
}

/*
 * The labels and annotations of our objects that passes read: the queue
 * and job (sched_cjob_key), the attempt (teardown, spec_attempt_pods) and
 * a pod's rank (spec_pod_rank: our label, or an Indexed Job's completion
 * index).  The others (group, owner, pod-template-hash, and whatever the
 * user's spec adds) are read by no pass, and 5,000 running jobs kept them
 * three times each.
 */
static const char *const sched_slim_labels[] = { SPEC_LABEL_MANAGED,
    SPEC_LABEL_QUEUE, SPEC_LABEL_JOB, SPEC_LABEL_ATTEMPT, SPEC_LABEL_RANK,
    SPEC_INDEX_ANNOTATION, NULL };
static const char *const sched_slim_annotations[] = {
    SPEC_ANNOTATION_ATTEMPT, SPEC_INDEX_ANNOTATION, NULL };

/* The members of map named in keys, as a new object; none if it has none
 * of them. */
static void
sched_slim_map(json_t *to, const json_t *md, const char *map,
    const char *const *keys)
{
	json_t *m = sched_slim_pick(json_object_get(md, map), keys);

	if (m != NULL && json_object_size(m) == 0) {
		json_decref(m);
		m = NULL;
	}
	sched_slim_set_new(to, map, m);
}

/*
 * The metadata passes read: names, labels (all of a node's, for the
 * policy's selectors; of our objects those above), annotations (of our
 * objects, those above), times, version and uid (preconditions of
 * deletes), and whether an owner holds the object (orphans); not managed
 * fields, generateName or generation, nor a node's annotations.
 */
static json_t *
sched_slim_meta(const json_t *obj, bool ours)
{
	static const char *const keys[] = { "name", "namespace", "uid",
	    "resourceVersion", "creationTimestamp", "deletionTimestamp",
	    NULL };
	static const char *const owner[] = { "kind", "name", "uid", NULL };
	const json_t *md = json_object_get(obj, "metadata");
	json_t *out = sched_slim_pick(md, keys);

	if (out == NULL)
		return json_object();
	if (ours) {
		sched_slim_map(out, md, "labels", sched_slim_labels);
		sched_slim_map(out, md, "annotations", sched_slim_annotations);
	} else
		sched_slim_copy(out, md, "labels");
	sched_slim_set_new(out, "ownerReferences", sched_slim_each(
	    json_object_get(md, "ownerReferences"), owner));
	return out;
}

/* Whether a condition is one a pass reads (sched-observe.c): a pod not
 * scheduled or about to be disrupted, a workload failed or complete, a
 * node ready. */
static bool
sched_slim_cond_read(const json_t *c, bool node)
{
	const char *t = json_string_value(json_object_get(c, "type"));
	const char *st = json_string_value(json_object_get(c, "status"));

	if (t == NULL)
		return false;
	if (node)
		return strcmp(t, "Ready") == 0;
	if (strcmp(t, "PodScheduled") == 0)
		return st == NULL || strcmp(st, "True") != 0;
	return strcmp(t, "DisruptionTarget") == 0 ||
	    strcmp(t, "ReplicaFailure") == 0 || strcmp(t, "Complete") == 0 ||
	    strcmp(t, "Failed") == 0;
}

/* The conditions passes read, each without its probe time; NULL if none. */
static json_t *
sched_slim_conds(const json_t *st, bool node)
{
	static const char *const keys[] = { "type", "status", "reason",
	    "message", "lastTransitionTime", NULL };
	const json_t *c;
	json_t *out = NULL;
	size_t i;

	json_array_foreach(json_object_get(st, "conditions"), i, c) {
		if (!sched_slim_cond_read(c, node))
			continue;
		if (out == NULL)
			out = json_array();
		json_array_append_new(out, sched_slim_pick(c, keys));
	}
	return out;
}

/*
 * The status passes read: a pod's phase, reason and message, its
 * containers' states (exit codes, times, waiting reasons), and the
 * conditions above; a workload's conditions; NULL if it has none.
 */
static json_t *
sched_slim_status(const json_t *obj, bool pod)
{
	static const char *const pkeys[] = { "phase", "reason", "message",
	    NULL };
	static const char *const ckeys[] = { "name", "state", "lastState",
	    "restartCount", NULL };
	const json_t *st = json_object_get(obj, "status");
	json_t *out;

	if (!json_is_object(st))
		return NULL;
	out = pod ? sched_slim_pick(st, pkeys) : json_object();
	if (pod)
		sched_slim_set_new(out, "containerStatuses", sched_slim_each(
		    json_object_get(st, "containerStatuses"), ckeys));
	sched_slim_set_new(out, "conditions", sched_slim_conds(st, false));
	return out;
}

/*
 * A kept object as values of its own, not shared with the event it came
 * from: shared, the few values kept would pin small pieces all over the
 * memory of each parsed event, pages that malloc_trim cannot give back
 * (sched_cache_trim).  Takes out.
 */
static json_t *
sched_slim_own(json_t *out)
{
	json_t *copy = json_deep_copy(out);

	json_decref(out);
	return copy;
}

/*
 * What the cache keeps of a node or of one of our objects: what passes
 * read, as values of its own (sched_slim_own).  A pod's
 * template or containers, its IPs, images and the conditions nobody
 * reads are most of its memory (a running job's pod, Deployment and
 * Service took about 23 KB as jansson values with their whole metadata
 * and status), and no pass reads them.  Nodes keep their labels, taints,
 * cordon, allocatable and Ready condition (not their annotations); pods
 * the metadata, node and status above; Deployments, Jobs and Services
 * that metadata and their conditions.  A new reference; other kinds are
 * kept whole.
 */
json_t *
sched_obj_slim(const json_t *obj, void *arg)
{
	const struct sched_inf *inf = arg;
	const json_t *spec = json_object_get(obj, "spec");
	const json_t *st = json_object_get(obj, "status");
	json_t *out, *sp, *ss;

	switch (inf->kind) {
	case SCHED_CK_NODES:
		sp = json_object();
		sched_slim_copy(sp, spec, "taints");
		sched_slim_copy(sp, spec, "unschedulable");
		ss = json_object();
		sched_slim_copy(ss, st, "allocatable");
		sched_slim_set_new(ss, "conditions", sched_slim_conds(st,
		    true));
		out = json_pack("{s:o,s:o,s:o}", "metadata",
		    sched_slim_meta(obj, false), "spec", sp, "status", ss);
		return sched_slim_own(out);
	case SCHED_CK_OURPODS:
		sp = json_object();
		sched_slim_copy(sp, spec, "nodeName");
		out = json_pack("{s:o,s:o}", "metadata",
		    sched_slim_meta(obj, true), "spec", sp);
		break;
	case SCHED_CK_DEPLOYMENTS:
	case SCHED_CK_JOBS:
	case SCHED_CK_SERVICES:
		out = json_pack("{s:o}", "metadata", sched_slim_meta(obj,
		    true));
		break;
	default:
		return json_incref((json_t *)obj);
	}
	sched_slim_set_new(out, "status", sched_slim_status(obj,
	    inf->kind == SCHED_CK_OURPODS));
	return sched_slim_own(out);
}
