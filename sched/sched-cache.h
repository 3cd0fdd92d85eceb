/*
 * sched-cache: what the cluster has, as the loop knows it.  Each kind the
 * passes read (nodes, pods, ResourceQuotas, and this queue's Deployments,
 * Jobs, Services and pods) is listed once and then kept by a watch with
 * bookmarks from the list's resourceVersion, into a store keyed by
 * namespace/name, as client-go's informers keep theirs (kube_watch_start
 * does the reflector's part: a broken stream resumes from the last
 * resourceVersion, a 410 relists that kind only).  A kind the credentials
 * cannot list cluster-wide is kept per namespace instead, for the
 * namespaces the loop asks for: in namespace-only sight the cache holds
 * what the user can read.  Passes read the cache, never the API.
 *
 * Objects handed out are borrowed: valid until the event loop runs again
 * (a watch event may replace them).
 */
#ifndef SCHED_CACHE_H
#define SCHED_CACHE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "sched.h"

struct kube_client;
struct kube_error;
struct sched_cache;

/* The kinds the cache keeps. */
enum sched_ck {
	SCHED_CK_NODES,          /* every node; cluster-wide only */
	SCHED_CK_PODS,           /* every pod not ended, cluster-wide only,
				  * kept as its requests and node */
	SCHED_CK_QUOTAS,
	SCHED_CK_DEPLOYMENTS,    /* managed by ailab-queue */
	SCHED_CK_JOBS,
	SCHED_CK_SERVICES,
	SCHED_CK_OURPODS,        /* pods managed by ailab-queue */
	SCHED_CK_COUNT
};

/* A job's objects, by kind (the arrays sched_cache_job_objects gives). */
enum sched_obj {
	SCHED_OBJ_DEPLOYMENTS,
	SCHED_OBJ_JOBS,
	SCHED_OBJ_SERVICES,
	SCHED_OBJ_PODS,
	SCHED_OBJ_COUNT
};

/* How a kind reads in a scope. */
enum sched_scope {
	SCHED_SCOPE_OK,          /* listed and watched */
	SCHED_SCOPE_PENDING,     /* not listed yet */
	SCHED_SCOPE_FORBIDDEN,   /* the credentials may not list it */
	SCHED_SCOPE_FAILED,      /* the list or watch failed; retried */
};

struct sched_cache_opts {
	const char *queue;       /* store_queue_id: whose objects are ours */
	bool cleanup;            /* keep only our objects (no nodes, quotas) */
	/*
	 * Something changed: kick says whether a pass should follow soon
	 * (our objects, a pod ending, a node, a list); error, when not NULL,
	 * is a failure to report (a list or watch that gave up).
	 */
	void (*on_change)(bool kick, const char *error, void *arg);
	void *arg;
};

/* A node as the policy reads it, parsed once per change: its strings
 * (name, labels, taints) in one block, no JSON kept. */
struct sched_cnode {
	char *strs;
	const char *rv;          /* its resourceVersion */
	struct sched_node node;  /* the requested amounts are left 0 */
	struct sched_taint *taints;
	struct sched_label *labels;
	uint64_t seq;            /* the order the API listed it in */
};

/* A pod being deleted: it holds its node until it is gone. */
struct sched_cdeleting {
	const char *ns;
	const char *node;
	int64_t cpu_milli;
	int64_t memory_bytes;
	int64_t gpus;
};

/* Starts the lists and watches on kc (not owned). */
struct sched_cache *sched_cache_new(struct kube_client *,
    const struct sched_cache_opts *);
void sched_cache_free(struct sched_cache *);
/* Keeps namespace ns readable (per-namespace watches where needed). */
void sched_cache_want(struct sched_cache *, const char *ns);
/* True when every list started has answered (listed, refused or failed),
 * or has been waited for longer than wait_ms. */
bool sched_cache_settled(const struct sched_cache *, int64_t wait_ms);
/* How kind reads in namespace ns (NULL: cluster-wide), with the error the
 * cluster gave (borrowed; NULL if none). */
enum sched_scope sched_cache_scope(const struct sched_cache *, enum sched_ck,
    const char *ns, const char **error);

/* This queue's objects of job id in ns, of one kind: a JSON array
 * (borrowed), or NULL when there are none. */
json_t *sched_cache_job_objects(const struct sched_cache *, const char *ns,
    int64_t id, enum sched_obj);
/* Walks the jobs that have objects of this queue: the next one from *i
 * (start at 0), filling *ns and *id; false at the end. */
bool sched_cache_next_job(const struct sched_cache *, size_t *i,
    const char **ns, int64_t *id);
/*
 * The jobs whose objects of this queue came, changed or went since the
 * last call: *ids (the caller frees it; ids may repeat), or *all when the
 * cache cannot say which (a list replaced a store, or too many changed):
 * the loop follows only these, not every running job every pass.  After
 * a burst of events or a list, it also gives the heap's free pages back
 * to the system (once a pass at most, never in an idle one).
 */
void sched_cache_take_changed(struct sched_cache *, int64_t **ids, size_t *n,
    bool *all);
/* Takes an object this loop just created as seen, until its watch says
 * more (so that the next pass does not create it again). */
void sched_cache_assume(struct sched_cache *, enum sched_ck, const json_t *);

/* The nodes in the API's order; *n of them. */
struct sched_cnode *const *sched_cache_nodes(struct sched_cache *, size_t *n);
/* What the pods bound to a node and not ended request, summed. */
void sched_cache_node_requests(const struct sched_cache *, const char *node,
    int64_t *cpu_milli, int64_t *memory_bytes, int64_t *gpus);
/* True if the pod is bound and counted in its node's requests. */
bool sched_cache_pod_booked(const struct sched_cache *, const char *ns,
    const char *name);
/*
 * True once the quota status of a pod's namespace may be trusted to count
 * this pod of ours: it came in a list (as it did when every pass listed
 * both), or a quota of that namespace changed (or was listed) since the
 * pod's watch brought it, or grace_ms passed.  The pod and its quota come
 * on two watches in no set order, so until then the pod is counted as
 * the loop's own in-flight use.
 */
bool sched_cache_pod_in_quota(const struct sched_cache *, const json_t *pod,
    int64_t grace_ms);
/* Walks the pods being deleted. */
bool sched_cache_next_deleting(const struct sched_cache *, size_t *i,
    struct sched_cdeleting *);
/* Every ResourceQuota readable, as a new array (the caller decrefs it). */
json_t *sched_cache_quotas(const struct sched_cache *);

/* What the cache holds, for tests (`sched --dump-cache`): per kind, each
 * object's namespace/name and resourceVersion, and the watches' counters.
 * The caller decrefs it. */
json_t *sched_cache_dump(const struct sched_cache *);

#endif
