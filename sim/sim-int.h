/* Internals shared between the files of sim/. */
#ifndef SIM_INT_H
#define SIM_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "common.h"
#include "sim.h"

struct evhttp;
struct evhttp_request;
struct event;
struct event_base;
struct ssl_ctx_st;
struct sim_storage;

/* The resource types the server knows. */
enum sim_rt {
	SIM_RT_NAMESPACES = 0,
	SIM_RT_NODES,
	SIM_RT_PODS,
	SIM_RT_SERVICES,
	SIM_RT_RESOURCEQUOTAS,
	SIM_RT_EVENTS,
	SIM_RT_PVCS,
	SIM_RT_CONFIGMAPS,
	SIM_RT_SECRETS,
	SIM_RT_SERVICEACCOUNTS,
	SIM_RT_DEPLOYMENTS,
	SIM_RT_REPLICASETS,
	SIM_RT_JOBS,
	SIM_RT_LEASES,
	SIM_RT_LIMITRANGES,
	SIM_RT_ENDPOINTS,
	SIM_RT_ENDPOINTSLICES,
	SIM_RT_STORAGECLASSES,
	SIM_RT_PVS,
	SIM_RT_SELFSUBJECTREVIEWS,
	SIM_RT_SSAR,
	SIM_RT_SAR,
	SIM_RT_TOKENREVIEWS,
	SIM_RT_LSAR,
	SIM_RT_MAX
};

struct sim_rtype {
	const char *name;	/* "pods" */
	const char *singular;	/* "pod" */
	const char *kind;	/* "Pod" */
	const char *group;	/* "" for core */
	bool namespaced;
	bool stored;		/* false for review types (create only) */
	bool has_status;	/* status is a subresource */
	const char *short_names; /* comma separated, may be "" */
};
extern const struct sim_rtype sim_rtypes[SIM_RT_MAX];

/* Parsed label selector: a list of requirements ANDed together. */
enum sim_sel_op {
	SIM_SEL_EQ,
	SIM_SEL_NE,
	SIM_SEL_IN,
	SIM_SEL_NOTIN,
	SIM_SEL_EXISTS,
	SIM_SEL_NOTEXISTS,
};
struct sim_req {
	char *key;
	enum sim_sel_op op;
	char **values;
	int nvalues;
};
struct sim_selector {
	struct sim_req *reqs;
	int nreqs;
};

/* sim-select.c: label and field selectors. */
struct sim_selector *sim_selector_parse(const char *, char **cause);
struct sim_selector *sim_field_selector_parse(const char *, char **cause);
/* Builds a selector from an apps/v1 LabelSelector object. */
struct sim_selector *sim_selector_from_json(json_t *, char **cause);
void sim_selector_free(struct sim_selector *);
/* True if the labels object (may be NULL) satisfies the selector. */
bool sim_selector_matches(const struct sim_selector *, json_t *labels);
/* True if the object's fields satisfy a field selector (values by path). */
bool sim_field_matches(const struct sim_selector *, json_t *obj);
/* Checks the field names a field selector may use for a type; -1 if not. */
int sim_field_check(const struct sim_selector *, enum sim_rt, char **cause);

/* sim-res.c: resource arithmetic (usage vectors are JSON objects of ints). */
/* Adds sign * every entry of delta into acc. */
void sim_use_add(json_t *acc, json_t *delta, int sign);
/* What a pod counts against quota and node: requests/limits, gpu, pods. */
json_t *sim_pod_usage(json_t *pod, bool terminal_counts);
void sim_quota_release(struct sim *);
/* Normalises a quota key ("cpu" -> "requests.cpu"). */
const char *sim_quota_key(const char *);
/* Parses a quantity for a key; 0 or -1. */
int sim_key_parse(const char *key, json_t *val, int64_t *out);
/* Formats a value for a key as Kubernetes prints it; caller frees. */
char *sim_key_format(const char *key, int64_t v);
/*
 * Quota admission: checks delta against every quota in quotas (array of
 * ResourceQuota objects) given usage; on refusal, *msg gets the Kubernetes
 * message (without the "<res> is forbidden: " prefix).
 */
int sim_quota_admit(json_t *quotas, json_t *usage, json_t *delta, json_t *pod,
    char **msg);
/* Orders C strings for qsort (an array of char *). */
int sim_strcmp(const void *, const void *);

/* Users and their rights. */
struct sim_user {
	char *name;
	char *token;
	json_t *groups;		/* array of strings */
	json_t *namespaces;	/* array of strings */
	json_t *resources;	/* namespace rights only on these; NULL: all */
	bool admin;
	bool cluster_read;	/* get/list/watch nodes and namespaces */
	bool read_all;		/* get/list/watch all but secrets, anywhere */
	char *uid;		/* Impersonate-Uid, or NULL */
	json_t *extra;		/* Impersonate-Extra-*: { key: [values] } */
};

void sim_user_release(struct sim_user *);

/* A watch stream in progress. */
struct sim_watch {
	struct sim *sim;
	struct evhttp_request *req;
	enum sim_rt rt;
	char *ns;
	struct sim_selector *labels;
	struct sim_selector *fields;
	bool bookmarks;
	bool table;		/* events carry one-row Tables */
	bool table_sent;	/* column definitions already sent */
	struct event *timer;	/* timeout */
	struct event *bookmark_ev;
	int64_t last_rv;
	struct sim_watch *next;
};

/* One change kept for watches. */
struct sim_event {
	int64_t rv;
	enum sim_rt rt;
	int type;		/* 0 added, 1 modified, 2 deleted */
	json_t *old;		/* previous version or NULL */
	json_t *obj;
};

struct sim_faults {
	double p500;
	double p429;
	int retry_after;
	int latency_ms;
	double pdrop;
	unsigned methods;	/* EVHTTP_REQ_* the three above hit; 0: all */
	unsigned latency_methods; /* EVHTTP_REQ_* latency_ms holds; 0: all */
	unsigned latency_verbs;	/* sim_fault_verb() bits it holds; 0: all */
	int64_t n500, n429, ndrop;	/* faults injected so far */
};

/* Sets the faults a JSON object names (sim-admin.c): POST /sim/faults and
 * --faults. */
int sim_faults_set(struct sim *, const json_t *, char **cause);
/* The bit of a Kubernetes verb in sim_faults.latency_verbs, or 0. */
unsigned sim_fault_verb(const char *verb);

/* The object of a key "ns/name" (borrowed), or NULL. */
json_t *sim_get_at(struct sim *, enum sim_rt, const char *key);
#define sim_pod_at(sim, key) sim_get_at(sim, SIM_RT_PODS, key)
/* The object of an index key "rt/ns/name" and its type, or NULL. */
json_t *sim_get_key(struct sim *, const char *key, int *rt);

/* A node as the scheduler sees it: allocatable and what bound pods use. */
struct sim_node {
	json_t *obj;		/* borrowed from the store */
	const char *name;	/* borrowed from the store's key */
	int64_t cpu, mem, gpu, pods;
	int64_t ucpu, umem, ugpu, upods;
	int cls;		/* nodes of one class filter pods alike */
	bool ready, unschedulable;
	uint64_t pin_gen;	/* the ask whose hostname pins took it */
};

/* A kubelet timer: the pod "ns/name" is due at sim time due. */
struct sim_due {
	int64_t due;
	uint64_t seq;
	char *key;
};

/* Mutating requests kept for GET /sim/audit. */
#define SIM_AUDIT_MAX 10000

struct sim {
	struct event_base *base;
	json_t *audit;			/* sim_audit's entries, oldest first */
	FILE *audit_log;		/* --audit-log, one JSON line an entry */
	int64_t audit_seq;		/* entries made so far */
	struct sim_options opt;
	struct evhttp *http;
	struct ssl_ctx_st *ssl;
	char *host;
	int port;
	char *url;
	struct event *tick;
	struct event *restart_ev;

	/* Virtual clock. */
	int64_t real0_ms;
	int64_t sim0_ms;
	uint64_t rng;

	/* Store: objs[rt] = { ns: { name: obj } }, cluster scope under "". */
	json_t *objs[SIM_RT_MAX];
	int64_t rv;
	json_t *uids;		/* uid -> "rt/ns/name" */
	json_t *owners;		/* owner uid -> { "rt/ns/name": true } */
	json_t *by_node;	/* node -> { "ns/name": true } */
	json_t *node_use;	/* node -> usage */
	json_t *ns_use;		/* ns -> usage */
	json_t *unscheduled;	/* "ns/name" -> true */
	json_t *kubelet;	/* "ns/name" -> due sim ms */
	json_t *job_seen;	/* job uid -> { pod uid: "s"|"f"|"f:i"|"s:i" } */
	json_t *dirty_ns;	/* ns -> true: quota status to refresh */
	json_t *terminating;	/* "ns/name" -> sim ms its charge ends */
	json_t *uncharged;	/* "ns/name" -> true: quota no longer charged */
	int64_t sched_gen;	/* bumped when capacity frees */
	int64_t sched_gen_done;

	struct sim_event *events;
	int nevents;		/* capacity */
	int ev_head;		/* next slot */
	int ev_count;

	struct sim_watch *watches;
	struct sim_user *users;
	int nusers;
	json_t *cluster;	/* the cluster description as JSON */
	struct sim_faults faults;
	int64_t compacted_rv;	/* watches from before this get 410 */
	json_t *backoff;	/* controller uid -> real ms of next try */
	json_t *sched_tried;	/* "ns/name" -> sched_gen last tried */
	json_t *ser;		/* "rt/ns/name" -> compact JSON of the object */

	/* Indexes kept by sim_index (sim-index.c). */
	json_t *pos[SIM_RT_MAX];	/* "ns/name" -> insertion sequence */
	int64_t pos_seq;
	json_t *label_idx[SIM_RT_MAX];	/* "ns\x1fkey=value" -> { name } */
	int nwatch[SIM_RT_MAX];		/* open watches per type */
	int64_t unsched_adds;		/* pods that joined the queue */
	int64_t sched_adds_seen;
	json_t *ctrl_dirty[SIM_RT_MAX];	/* "rt/ns/name" -> true: to sync */
	json_t *ctrl_timed;		/* "rt/ns/name": synced every pass */
	json_t *fg_pending;		/* "rt/ns/name": foreground deletion */

	/* The scheduler's node table, rebuilt when a node changes. */
	struct sim_node *nodes;
	size_t nnodes;
	bool nodes_stale;
	json_t *node_idx;		/* name -> index in nodes */
	json_t *host_idx;		/* hostname label -> [index in nodes] */
	uint64_t pin_gen;		/* asks that pinned nodes so far */
	int *class_rep;			/* class -> index of its first node */
	int nclasses;

	/* Kubelet timers: a min-heap over (due, seq); sim->kubelet decides. */
	struct sim_due *heap;
	size_t nheap, heapcap;
	uint64_t heap_seq;

	/* Canonical shared subtrees of stored objects (sim_intern). */
	json_t *interned;		/* identity key -> canonical value */
	char *sweep_at;			/* key the next sweep starts at */
	size_t intern_adds;		/* canonical values added since */
	int64_t intern_released;	/* holders let go outside the store */
	int64_t sweep_round;		/* sim_intern_epoch at this round's start */
	int64_t sweep_clean;		/* ... at the last whole round's start */
	size_t sweep_drops;		/* values dropped in this round */
	int64_t intern_rv;		/* history interned up to here */
	int64_t interned_objs;		/* objects interned since the trim */
	int64_t trim_ms;		/* real time of the next malloc trim */

	/* Lost nodes (sim-node.c): node -> { since, evictAfter, conditions }. */
	json_t *lost_nodes;
	/* Endpoints (sim-endpoints.c): Services to sync, a selector index. */
	json_t *ep_dirty;		/* "ns/service" -> true */
	json_t *ep_index;		/* "ns\x1fk=v" -> { service: seq } */
	json_t *ep_pairs;		/* "ns\x1fk=v" -> Services selecting on it */
	json_t *ep_svcs;		/* "ns/service" -> { key, pairs } */
	int64_t ep_seq;			/* Services indexed so far */
	struct sim_storage *storage;	/* sim-storage.c's work sets */
};

/* sim-main glue: clock and randomness. */
int64_t sim_now(struct sim *);
uint64_t sim_rand(struct sim *);
/* Random lowercase string from Kubernetes' safe alphabet. */
void sim_rand_suffix(struct sim *, char *buf, int n);

/* sim-cluster.c: building the cluster from YAML or the built-in default. */
int sim_cluster_load(struct sim *, const char *file, char **cause);
/* Converts a YAML document to JSON; NULL with *cause on error. */
json_t *sim_yaml_to_json(const char *text, size_t len, char **cause);
int sim_kubeconfig_write(struct sim *, const char *path, char **cause);

/* sim-store.c */
int sim_rt_find(const char *group, const char *name);
json_t *sim_get(struct sim *, enum sim_rt, const char *ns, const char *name);
/*
 * Stores obj (taking the reference), bumping resourceVersion; type is the
 * watch event type to emit.  Returns the stored object (borrowed).
 */
json_t *sim_put(struct sim *, enum sim_rt, json_t *obj);
/* Removes an object for good and emits DELETED. */
void sim_remove(struct sim *, enum sim_rt, const char *ns, const char *name);
/* Fills what the apiserver sets on a new object (kind, uid, times). */
void sim_create_meta(struct sim *, enum sim_rt, json_t *obj);
/* Fills metadata for a new object and stores it. */
json_t *sim_create_obj(struct sim *, enum sim_rt, json_t *obj);
void sim_store_init(struct sim *);
void sim_store_free(struct sim *);
int64_t sim_oldest_rv(struct sim *);
/* The compact JSON of a stored object, kept from its last write. */
const char *sim_serialized(struct sim *, enum sim_rt, json_t *obj,
    size_t *len);
/* Sends one event to a watch (NDJSON). */
void sim_watch_send(struct sim_watch *, const char *type, json_t *obj);
/* One change of the history to one watch, through its filters (sim-store.c):
 * the live fan-out and a watch's replay from a resourceVersion alike. */
void sim_watch_deliver(struct sim_watch *, const struct sim_event *);
void sim_watch_close(struct sim_watch *, bool end);
const char *sim_str(json_t *, const char *path);
const char *sim_str_or(json_t *, const char *path, const char *def);
json_t *sim_path(json_t *, const char *path);
/* The object under a key (not a path), made when absent. */
json_t *sim_child(json_t *, const char *key);
/* Sets a member by dotted path only when absent; takes v (sim-admit.c). */
void sim_default(json_t *, const char *path, json_t *v);
/* Sets an annotation (sim-storage.c). */
void sim_annotate(json_t *obj, const char *k, const char *v);
/* True if a list holds the string s (sim-storage.c). */
bool sim_list_has(json_t *list, const char *s);
/* Drops a finalizer; true if none is left (sim-storage.c). */
bool sim_finalizer_drop(json_t *obj, const char *f);
/* Sets a nested member by dotted path, creating objects; takes value. */
void sim_set(json_t *, const char *path, json_t *value);

/* sim-index.c: indexes by position, label and owner; kubelet timers. */
void sim_index_free(struct sim *);
/* Keeps the position and label indexes in step with one change. */
void sim_index_labels(struct sim *, enum sim_rt, json_t *old, json_t *new);
/*
 * Collects matching objects through an index, in the order a scan gives;
 * returns NULL when no index applies (the caller scans).
 */
json_t *sim_index_collect(struct sim *, enum sim_rt, const char *ns,
    const struct sim_selector *ls, const struct sim_selector *fs,
    const char *start_ns, const char *start_name, long limit, char **next_ns,
    char **next_name, bool *start_missing);
/* Sorts an array of stored objects of one type into scan order. */
void sim_index_sort(struct sim *, enum sim_rt, json_t *items);
/* Arms the kubelet timer of pod key ("ns/name") at sim time due. */
void sim_kubelet_arm(struct sim *, const char *key, int64_t due);
/* The keys whose kubelet timers are due at now, earliest first. */
json_t *sim_kubelet_due(struct sim *, int64_t now);
/* Marks a controller object for the next controller pass. */
void sim_ctrl_mark(struct sim *, const char *objkey);
/* Interns what was stored a while ago and has not changed since. */
void sim_intern_pass(struct sim *);
/* Drops a slice of canonical values that nothing uses any more. */
void sim_intern_sweep(struct sim *);
/*
 * Tells the sweep that something other than a store write let go of
 * shared values (an audit entry, a lost node's record), so the values
 * may be garbage now.
 */
void sim_intern_released(struct sim *);
/* A copy of an object with only what watch filters read (new ref). */
json_t *sim_project(json_t *obj);

/* sim-ctrl.c: controllers, garbage collection, quota status, events. */
void sim_ctrl_pass(struct sim *);
/*
 * Creates an object through admission as the API does (quota, validation);
 * returns the stored object or NULL with an HTTP code and message.
 */
json_t *sim_admit_create(struct sim *, enum sim_rt, json_t *obj,
    json_t **status);
/* What a create would store, not stored (new reference), or NULL. */
json_t *sim_admit_dry_run(struct sim *, enum sim_rt, json_t *obj,
    json_t **status);
/* A failure Status object as apimachinery's errors package builds it. */
json_t *sim_status_new(int code, const char *reason, const char *msg,
    json_t *details);
/* "pods", "jobs.batch": how apiserver messages name a resource. */
const char *sim_qualified(enum sim_rt);
/* "v1", "batch/v1". */
const char *sim_api_version(enum sim_rt);
/* Details {name, group, kind} for a Status. */
json_t *sim_details(enum sim_rt, const char *name);
/* RFC 3339 to ms; -1 if unparsable. */
int64_t sim_time_parse(const char *);
/* Deletes with a propagation policy; returns the object's final state. */
int sim_delete(struct sim *, enum sim_rt, const char *ns, const char *name,
    const char *policy, int64_t grace, json_t **result);
void sim_event_record(struct sim *, json_t *involved, const char *type,
    const char *reason, const char *msg);
/* Fills pod spec defaults (of a pod or a template) as the apiserver does. */
void sim_pod_defaults(json_t *spec);
/* The container a log or exec request means, or -1 with why (sim-logs.c). */
int sim_pod_container(json_t *pod, const char **ctr, char **msg);
/* The quota objects of a namespace as an array (new reference). */
json_t *sim_ns_quotas(struct sim *, const char *ns);
/* Pod helpers. */
bool sim_pod_is_terminal(json_t *pod);
/* True if the pod's Ready condition is True. */
bool sim_pod_ready(json_t *pod);

/* sim-kubelet.c: scheduler and kubelets. */
void sim_sched_pass(struct sim *);
/* Adds sign * a pod's usage to its node in the scheduler's table. */
void sim_sched_use(struct sim *, const char *node, json_t *use, int sign);
void sim_sched_free(struct sim *);
/*
 * How many copies of a pod (defaults applied) the nodes still take, as the
 * scheduler's filters judge them, counting up to max; with none, *why gets
 * the FailedScheduling message (caller frees).
 */
int64_t sim_sched_room(struct sim *, json_t *pod, int64_t max, char **why);
void sim_kubelet_pass(struct sim *);

/* sim-program.c: what a container's program does, from the pod knobs. */
/* Run time in ms of the run after restarts restarts; -1: forever. */
int64_t sim_pod_duration(struct sim *, json_t *pod, int64_t restarts);
/* The exit code of that run. */
int sim_pod_exit_code(struct sim *, json_t *pod, int64_t restarts);
/* True if a restarted container of the pod only waits (after-exit idle). */
bool sim_pod_is_idle_after_exit(struct sim *, json_t *pod);
/* The termination message a run exiting with code wrote, or NULL;
 * allocated. */
char *sim_term_message(struct sim *, json_t *pod, int code);
/* Under FallbackToLogsOnError, sets term's message to the end of the
 * run's log (previous: the run is the container's lastState). */
void sim_term_fallback(struct sim *, json_t *pod, json_t *status,
    json_t *term, bool previous);
/* Log text of a pod's container for the logs endpoint, the lines written
 * at or after since (sim ms; 0: all); caller frees. */
char *sim_pod_log(struct sim *, json_t *pod, const char *container,
    bool previous, bool timestamps, int64_t since, bool *running);

/*
 * sim-storage.c: StorageClasses, PersistentVolumes, the volume controllers
 * (binding and provisioning, ephemeral claims, claim protection) and the
 * scheduler's volume checks.
 */
void sim_storage_init(struct sim *);
void sim_storage_free(struct sim *);
/* Creates the cluster file's StorageClasses, or ailab's when it has none. */
int sim_storage_start(struct sim *, char **cause);
/* Notes one change for the volume controllers; never writes the store. */
void sim_storage_index(struct sim *, enum sim_rt, json_t *old, json_t *new);
/* Defaults and validation of claims, volumes and classes; NULL or a Status. */
json_t *sim_storage_admit(struct sim *, enum sim_rt, json_t *obj);
/* What a claim counts against quota (new reference). */
json_t *sim_pvc_usage(json_t *pvc);
/* One pass of the volume controllers over what changed. */
void sim_storage_pass(struct sim *);
/* True if a pod mounts a claim (persistentVolumeClaim or ephemeral). */
bool sim_pod_has_claims(json_t *pod);
/*
 * The scheduler's volume PreFilter: why no node can take the pod (caller
 * frees), or NULL with *nodes the set of node names its local volumes
 * narrow it to and *affinity the NodeSelectors of its bound volumes (new
 * references, each NULL when there is none).
 */
char *sim_storage_prefilter(struct sim *, json_t *pod, json_t **nodes,
    json_t **affinity);
/* Binds the pod's WaitForFirstConsumer claims on the node it goes to. */
void sim_storage_bind_pod(struct sim *, json_t *pod, const char *node);

/* sim-table.c: server-side printing for kubectl. */
json_t *sim_table(struct sim *, enum sim_rt, json_t *items, bool headers,
    bool full);

/* sim-proto.c: protobuf review requests as JSON; NULL if unreadable. */
json_t *sim_proto_review(const void *, size_t, enum sim_rt);

/* sim-http.c */
int sim_http_start(struct sim *, char **cause);
void sim_http_stop(struct sim *);
/* Frees a request whose client went away while it was held or streamed
 * (libevent detaches it and leaves it to the server); one still on its
 * connection goes with the connection. */
void sim_req_left(struct evhttp_request *);

/* sim-tls.c */
int sim_tls_init(struct sim *, char **cause);
/* Makes the server's connections TLS. */
void sim_tls_setup_http(struct sim *);
/* User from a client certificate of the request's connection; or NULL. */
char *sim_tls_peer(struct evhttp_request *, json_t **groups);

/* sim-schema.c (generated): the JSON fields of the API's struct types. */
struct sim_stype {
	const char *name;	/* "PodSpec", "apps.DeploymentSpec" */
	const char *fields;	/* "name name:Type name:[]Type@key name@ ..." */
};
extern const struct sim_stype sim_stypes[];
extern const size_t sim_nstypes;

#define SIM_SCHEMA_TYPE_MAX 96
/* What the schema says of one field of a struct type. */
struct sim_sfield {
	char type[SIM_SCHEMA_TYPE_MAX];	/* struct held, "" for none */
	char kind;		/* '\0' the value, '[' list items, '{' map values */
	bool merge;		/* a strategic merge patch merges this list */
	char key[32];		/* ... by this key ("": a set of scalars) */
};

/* sim-fields.c: fieldValidation, and values printed as Go prints them. */
/*
 * Finds the fields of a request body the strict decoder does not know and
 * acts on the request's fieldValidation directive: Strict refuses (-1 with
 * *status; a patch's value text makes it the patch handler's Status), Warn
 * sends a Warning header per field and drops them, Ignore drops them.  A
 * bad directive is refused too.  verb: "create", "update" or "patch".
 */
int sim_fields_admit(struct evhttp_request *, enum sim_rt, json_t *obj,
    const char *directive, const char *verb, const char *patch,
    json_t **status);
/* The schema type of a served kind ("apps.Deployment"). */
void sim_schema_root(enum sim_rt, char *buf, size_t sz);
/* Looks a field of a schema type up; false if the type has no such field. */
bool sim_schema_field(const char *type, const char *name,
    struct sim_sfield *);
/* The patch as the patch handler quotes it (strategic: Go's %+v). */
char *sim_patch_text(const char *content_type, json_t *patch,
    json_t *patched);
/* Go's %#v of a *metav1.LabelSelector, as immutable-field errors show. */
char *sim_go_selector(json_t *sel);
/* The keys of an object in byte order (borrowed; the array the caller's). */
const char **sim_sorted_keys(json_t *obj, size_t *n);
/* Go's %q of a string. */
char *sim_go_quote(const char *);
/* Go's %#v of a []string (NULL or not an array: a nil slice). */
char *sim_go_strings(json_t *);

/* sim-patch.c: strategic merge patch, lists merged by the schema's keys. */
json_t *sim_strategic_patch(enum sim_rt, json_t *orig, json_t *patch);

/* sim-valid.c: resources, defaults, QoS and updates as the apiserver. */
/* Appends one field error {reason, message, field} to causes. */
void sim_cause(json_t *causes, const char *reason, const char *field,
    const char *fmt, ...) printflike(4, 5);
/* The 422 Status of field errors ({reason, field, message} causes). */
json_t *sim_invalid_status(enum sim_rt, const char *name, json_t *causes);
/* ... of a kind that is no served type ("ListOptions", "meta.k8s.io"). */
json_t *sim_invalid_new(const char *kind, const char *group,
    const char *name, json_t *causes);
/* Appends the field errors of a pod spec's resources to causes. */
void sim_valid_resources(json_t *causes, enum sim_rt, json_t *obj);
/* Defaults and admission of a new pod: requests, tolerations, QoS. */
void sim_pod_admit(json_t *pod);
/* The defaults of a container of a pod or template (pull policy...). */
void sim_container_defaults(json_t *ctr);
/* The defaults of a new Service (cluster IPs, ports, session affinity). */
void sim_service_defaults(json_t *svc);
/*
 * An update as the registry prepares it (template defaults, allocated
 * cluster IPs kept) and validates it: a 422 Status when it changes what
 * may not change or is invalid, else NULL.
 */
json_t *sim_prepare_update(enum sim_rt, json_t *old, json_t *new);

/* sim-node.c: nodes lost and back, taint eviction, pod GC, the clock. */
/*
 * A node stops reporting: Ready Unknown, unreachable taints, its pods not
 * ready; they are evicted when their toleration runs out (evict_after >= 0
 * overrides tolerations, in simulated seconds).
 */
void sim_node_lost(struct sim *, const char *node, int64_t evict_after);
/* A lost node reports again: Ready, taints gone, its kubelet resumes. */
void sim_node_back(struct sim *, const char *node);
/* True if the kubelet of a node cannot report (its pods stand still). */
bool sim_node_is_lost(struct sim *, const char *node);
/* Taint eviction of the pods on lost nodes whose tolerations ran out. */
void sim_node_pass(struct sim *);
/* Pod GC: the pods of a node object that is gone are deleted. */
void sim_node_gone(struct sim *, const char *node);
/* Moves the simulated clock forward by ms. */
void sim_clock_advance(struct sim *, int64_t ms);

/* sim-endpoints.c: the endpoints and EndpointSlice controllers. */
/* Notes a change of a pod or Service for the endpoints it may move. */
void sim_endpoints_note(struct sim *, enum sim_rt, json_t *old, json_t *new);
/* Syncs the Endpoints and EndpointSlices of the Services noted. */
void sim_endpoints_pass(struct sim *);

/* sim-exec.c: pods/exec over WebSocket (v5/v4.channel.k8s.io). */
#define SIM_EXEC_MAX_ARGS 256
int sim_exec_start(struct evhttp_request *, json_t *pod, const char *ctr,
    char **argv, size_t argc, int *code, char **msg);

#endif
