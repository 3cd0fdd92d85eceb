/*
 * kube-gpus.c: the GPUs of a cluster per node and GPU type, from a list of
 * its nodes and one of its pods, as `quota` prints them and the shared
 * queue's GET /v1/cluster serves them: one computation for both, so that
 * they always agree.
 */
#include "kube-int.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define KUBE_GPU_RESOURCE "nvidia.com/gpu"
/* ailab's label of a node's GPU type, else GPU Feature Discovery's. */
#define KUBE_GPU_LABEL "gpu-model"
#define KUBE_GPU_LABEL_GFD "nvidia.com/gpu.product"

struct kube_gpu_node {
	const char *name;
	const char *type;
	int64_t allocatable;
	int64_t used;
	bool usable;                /* Ready and schedulable */
};

struct kube_gpu_type {
	const char *type;
	int nodes;
	int64_t allocatable, used, free;
};

/* Orders nodes by name for the pod lookup and the output. */
static int
kube_gpu_node_cmp(const void *a, const void *b)
{
	return strcmp(((const struct kube_gpu_node *)a)->name,
	    ((const struct kube_gpu_node *)b)->name);
}

/* Orders GPU types by name. */
static int
kube_gpu_type_cmp(const void *a, const void *b)
{
	return strcmp(((const struct kube_gpu_type *)a)->type,
	    ((const struct kube_gpu_type *)b)->type);
}

/* See kube.h. */
json_t *
kube_gpus_json(const json_t *nodes, const json_t *pods)
{
	struct kube_gpu_node *qn, key = { 0 }, *hit;
	struct kube_gpu_type *qt = NULL;
	size_t nn = 0, nt = 0, i, j;
	json_t *n, *p, *jn, *jt, *out;
	int64_t v, tot_a = 0, tot_u = 0, tot_f = 0, f;
	char *cause = NULL;

	qn = xcalloc(json_array_size(kube_list_items(nodes)) + 1, sizeof *qn);
	json_array_foreach(kube_list_items(nodes), i, n) {
		if (kube_node_allocatable(n, KUBE_GPU_RESOURCE, QUANTITY_UNITS,
		    &v, &cause) != 0) {
			log_debug("node %s: %s", kube_obj_name(n), cause);
			free(cause);
			cause = NULL;
			continue;
		}
		if (v == 0 || kube_obj_name(n) == NULL)
			continue;
		qn[nn].name = kube_obj_name(n);
		qn[nn].type = kube_obj_label(n, KUBE_GPU_LABEL);
		if (qn[nn].type == NULL)
			qn[nn].type = kube_obj_label(n, KUBE_GPU_LABEL_GFD);
		if (qn[nn].type == NULL)
			qn[nn].type = "unknown";
		qn[nn].allocatable = v;
		qn[nn].usable = kube_node_is_ready(n) &&
		    !kube_node_is_unschedulable(n);
		nn++;
	}
	qsort(qn, nn, sizeof *qn, kube_gpu_node_cmp);
	json_array_foreach(kube_list_items(pods), i, p) {
		if (kube_pod_is_terminal(p) || kube_pod_node(p) == NULL)
			continue;
		key.name = kube_pod_node(p);
		if ((hit = bsearch(&key, qn, nn, sizeof *qn,
		    kube_gpu_node_cmp)) == NULL)
			continue;
		if (kube_pod_request(p, KUBE_GPU_RESOURCE, QUANTITY_UNITS, &v,
		    &cause) != 0) {
			log_debug("pod %s: %s", kube_obj_name(p), cause);
			free(cause);
			cause = NULL;
			continue;
		}
		hit->used += v;
	}
	jn = json_array();
	for (i = 0; i < nn; i++) {
		f = qn[i].usable && qn[i].allocatable > qn[i].used ?
		    qn[i].allocatable - qn[i].used : 0;
		json_array_append_new(jn, json_pack("{s:s,s:s,s:I,s:I,s:I,s:b}",
		    "name", qn[i].name, "type", qn[i].type, "allocatable",
		    (json_int_t)qn[i].allocatable, "used",
		    (json_int_t)qn[i].used, "free", (json_int_t)f, "ready",
		    qn[i].usable));
		for (j = 0; j < nt; j++)
			if (strcmp(qt[j].type, qn[i].type) == 0)
				break;
		if (j == nt) {
			qt = xreallocarray(qt, nt + 1, sizeof *qt);
			memset(&qt[nt], 0, sizeof *qt);
			qt[nt++].type = qn[i].type;
		}
		qt[j].nodes++;
		qt[j].allocatable += qn[i].allocatable;
		qt[j].used += qn[i].used;
		qt[j].free += f;
		tot_a += qn[i].allocatable;
		tot_u += qn[i].used;
		tot_f += f;
	}
	qsort(qt, nt, sizeof *qt, kube_gpu_type_cmp);
	jt = json_array();
	for (j = 0; j < nt; j++)
		json_array_append_new(jt, json_pack("{s:s,s:i,s:I,s:I,s:I}",
		    "type", qt[j].type, "nodes", qt[j].nodes, "allocatable",
		    (json_int_t)qt[j].allocatable, "used",
		    (json_int_t)qt[j].used, "free", (json_int_t)qt[j].free));
	out = json_pack("{s:b,s:o,s:o,s:{s:i,s:I,s:I,s:I}}", "allowed", 1,
	    "types", jt, "nodes", jn, "total", "nodes", (int)nn,
	    "allocatable", (json_int_t)tot_a, "used", (json_int_t)tot_u,
	    "free", (json_int_t)tot_f);
	free(qt);
	free(qn);
	return out;
}
