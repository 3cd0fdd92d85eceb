/*
 * sched-cache-store.c: what the cache keeps beside each kind's objects, as
 * they come and go: this queue's objects by job, nodes parsed for the
 * policy, the requests of pods bound to each node (and those being
 * deleted), and when each pod of ours was first seen against its
 * namespace's quota changes.
 */
#include "sched-cache-int.h"

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
		for (k = 0; k < SCHED_OBJ_COUNT; k++)
			left += json_array_size(j->items[k]);
		if (left == 0)
			sched_cjob_free(sched_map_del(&c->jobs, key));
	}
	free(key);
}

/* Frees what a node's parse allocated. */
void
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
void
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
	free(p->rv);
	free(p);
}

/* Keeps a pod's requests on its node's books (bound and not ended). */
void
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

/* Notes when one of our pods was first seen. */
void
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

/* Copies one member of an object, if present, into another. */
static void
sched_slim_copy(json_t *to, const json_t *from, const char *key)
{
	json_t *v = json_object_get(from, key);

	if (v != NULL)
		json_object_set(to, key, v);
}

/*
 * What the store of every pod keeps of a listed pod (kube_list_opts.keep):
 * its name, namespace, resourceVersion and deletion, its node and phase,
 * and its containers' resources; the rest of each page is freed as the
 * list goes, so that listing 100,000 pods holds little more than that.
 */
json_t *
sched_cpod_slim(const json_t *pod, void *arg)
{
	static const char *const lists[] = { "containers", "initContainers" };
	const json_t *md = json_object_get(pod, "metadata");
	const json_t *spec = json_object_get(pod, "spec"), *c;
	json_t *out = json_object(), *m = json_object(), *sp = json_object();
	json_t *st = json_object(), *a;
	size_t i, k;

	(void)arg;
	sched_slim_copy(m, md, "name");
	sched_slim_copy(m, md, "namespace");
	sched_slim_copy(m, md, "resourceVersion");
	sched_slim_copy(m, md, "deletionTimestamp");
	sched_slim_copy(sp, spec, "nodeName");
	for (k = 0; k < nitems(lists); k++) {
		if (json_object_get(spec, lists[k]) == NULL)
			continue;
		a = json_array();
		json_array_foreach(json_object_get(spec, lists[k]), i, c)
			json_array_append_new(a, json_pack("{s:O?}",
			    "resources", json_object_get(c, "resources")));
		json_object_set_new(sp, lists[k], a);
	}
	sched_slim_copy(st, json_object_get(pod, "status"), "phase");
	json_object_set_new(out, "metadata", m);
	json_object_set_new(out, "spec", sp);
	json_object_set_new(out, "status", st);
	return out;
}
