/*
 * GET /v1/cluster: the cluster's GPUs as the server sees them with its own
 * credentials (per GPU type and per node, kube_gpus_json, the same figures
 * `quota` prints) and, per GPU type, how many of the queue's jobs wait for
 * it.  Only counts and node names: nothing of any user, so every
 * authenticated user may read it.  One listing of the cluster answers the
 * requests of the next 2 s.
 */
#include "server-int.h"

#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "kube.h"
#include "store-server.h"

/* How long one listing of the cluster answers every request: a page of
 * many users, reloaded, must not list every pod of the cluster each time. */
#define SERVER_CLUSTER_TTL_MS 2000

/* Adds "waiting" (queued jobs) to each type, and types that only jobs
 * name; CPU jobs are counted apart. */
static int
server_cluster_waiting(struct server *srv, json_t *gpus, char **cause)
{
	struct store_count *c = NULL;
	json_t *types = json_object_get(gpus, "types"), *t = NULL;
	size_t n = 0, i, k;
	json_int_t cpu = 0;

	if (store_counts(srv->store, &c, &n, cause) != 0)
		return -1;
	json_array_foreach(types, k, t)
		json_object_set_new(t, "waiting", json_integer(0));
	for (i = 0; i < n; i++) {
		if (c[i].state != STORE_QUEUED)
			continue;
		if (c[i].gpu_type == NULL || *c[i].gpu_type == '\0') {
			cpu += c[i].n;
			continue;
		}
		json_array_foreach(types, k, t)
			if (strcmp(json_string_value(json_object_get(t, "type")),
			    c[i].gpu_type) == 0)
				break;
		if (k == json_array_size(types)) {
			t = json_pack("{s:s,s:i,s:i,s:i,s:i,s:i}", "type",
			    c[i].gpu_type, "nodes", 0, "allocatable", 0, "used",
			    0, "free", 0, "waiting", 0);
			json_array_append_new(types, t);
		}
		json_object_set_new(t, "waiting", json_integer(
		    json_integer_value(json_object_get(t, "waiting")) + c[i].n));
	}
	json_object_set_new(gpus, "waiting_cpu", json_integer(cpu));
	store_counts_free(c, n);
	return 0;
}

/* Answers from the cluster's GPUs (not stolen), with the queue's
 * waiting jobs added to a copy. */
static void
server_cluster_reply(struct server_req *r, json_t *listed)
{
	json_t *gpus = json_deep_copy(listed);
	char *cause = NULL;

	if (server_cluster_waiting(r->srv, gpus, &cause) != 0) {
		json_decref(gpus);
		server_reply_store(r, cause, "reading the queue");
		return;
	}
	server_reply_json(r, 200, gpus);
}

/* Releases the node list kept between the two requests. */
static void
server_cluster_free(void *arg)
{
	json_decref(arg);
}

/* A list arrived: the nodes first (kept as the request's work), then
 * the pods that are not finished, and the answer, kept for the next
 * requests. */
static void
server_cluster_listed(struct kube_response *resp, void *arg)
{
	static const struct kube_list_opts live = { .field_selector =
	    "status.phase!=Succeeded,status.phase!=Failed" };
	struct server_req *r = arg;
	struct server *srv = r->srv;
	char *msg;

	r->kreq = NULL;
	if (resp->error != NULL) {
		msg = kube_error_string(resp->error);
		server_reply_error(r, 502, NULL, "cannot list the cluster's "
		    "%s: %s", r->work == NULL ? "nodes" : "pods", msg);
		free(msg);
		return;
	}
	if (r->work == NULL) {
		r->work = json_incref(resp->body);
		r->work_free = server_cluster_free;
		r->kreq = kube_list(srv->kube, KUBE_PODS, NULL, &live,
		    server_cluster_listed, r);
		return;
	}
	json_decref(srv->cluster_gpus);
	srv->cluster_gpus = kube_gpus_json(r->work, resp->body);
	json_object_del(srv->cluster_gpus, "allowed");
	srv->cluster_at = now_ms();
	server_cluster_reply(r, srv->cluster_gpus);
}

/* See server-int.h. */
void
server_cluster_handle(struct server_req *r)
{
	if (r->srv->cluster_gpus != NULL &&
	    now_ms() - r->srv->cluster_at < SERVER_CLUSTER_TTL_MS) {
		server_cluster_reply(r, r->srv->cluster_gpus);
		return;
	}
	r->kreq = kube_list(r->srv->kube, KUBE_NODES, NULL, NULL,
	    server_cluster_listed, r);
}
