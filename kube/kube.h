/*
 * kube: the Kubernetes API client of ailab-queue.
 *
 * Credentials are loaded exactly as kubectl loads them (--kubeconfig, else
 * the $KUBECONFIG list merged with client-go's rules, else ~/.kube/config,
 * else the in-cluster service account).  Requests run on libcurl's
 * multi-socket interface driven by the caller's libevent base: many in
 * flight, each finishing in one callback.  Short commands may use
 * kube_wait(), which runs the same base until one request completes.  The
 * same client speaks to a service that trusts the cluster's tokens (the
 * shared queue server: kube_client_opts.service_url), so that TLS,
 * credentials, retries and bounds are written once.
 *
 *	struct kube_config *cfg;
 *	struct kube_client *kc;
 *
 *	if (kube_config_load(&(struct kube_config_opts){ 0 }, &cfg, &cause) != 0 ||
 *	    (kc = kube_client_new(base, cfg, NULL, &cause)) == NULL)
 *		... report cause ...
 *	kube_create(kc, KUBE_JOBS, ns, job, created_cb, arg);    (async)
 *	w = kube_watch_start(kc, KUBE_PODS, ns, &lo, pod_event_cb, arg);
 *	r = kube_wait(kc, kube_get(kc, KUBE_JOBS, ns, name, NULL, NULL));
 *
 * Ownership: the config, client, request and watch are opaque; errors and
 * responses are plain structs.  A response handed to a kube_done_cb is
 * owned by the library and valid only during the callback (take the body with
 * kube_response_take_body()); a response returned by kube_wait() is owned by
 * the caller (kube_response_free()).  Nothing here prints; failures come back
 * as a struct kube_error or an allocated *cause the caller frees.  No error
 * text ever contains a credential.
 */
#ifndef KUBE_H
#define KUBE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct kube_config;
struct kube_client;
struct kube_request;
struct kube_watch;

/* ---- kube-config.c: kubeconfig loading and selection ---- */

struct kube_config_opts {
	const char *kubeconfig;      /* --kubeconfig: only this file */
	const char *context;         /* --context */
	const char *namespace;       /* -n/--namespace */
	/* Root prefixed to /var/run/secrets/... for in-cluster; NULL is "". */
	const char *incluster_root;
};

/*
 * Loads and validates the kubeconfig chosen by opts and the environment.
 * On success *out is set (free with kube_config_free).  Returns -1 with a
 * message naming the file and field in *cause.
 */
int kube_config_load(const struct kube_config_opts *, struct kube_config **,
    char **cause);
/*
 * The same, for a program that reads the kubeconfig only for its context
 * and namespace (the queue front): the *-data fields (CA, client
 * certificate and key) stay encoded, and a malformed one is reported by
 * kube_client_new, which decodes them; so this links no TLS or base64
 * code.  Free with kube_config_free.
 */
int kube_config_load_context(const struct kube_config_opts *,
    struct kube_config **, char **cause);
void kube_config_free(struct kube_config *);
/* True if a kube_config_load cause means "no kubeconfig and not in a
 * pod" rather than a broken file: local commands may go on without one. */
bool kube_config_is_absent_error(const char *cause);
/* The namespace in use: --namespace, else the context's, else "default". */
const char *kube_config_namespace(const struct kube_config *);
/* Server URL (with any path prefix), context and user names; never NULL. */
const char *kube_config_server(const struct kube_config *);
const char *kube_config_context(const struct kube_config *);
const char *kube_config_user(const struct kube_config *);
/* How the user authenticates ("token", "exec", ...), safe to show. */
const char *kube_config_auth_kind(const struct kube_config *);

/* ---- errors ---- */

struct kube_status_cause {
	char *reason;
	char *message;
	char *field;
};

/*
 * A failed request: the server's Status, or a transport failure (code 0:
 * reason ConnectionFailed, Timeout or TooLarge).  Credentials that cannot be
 * obtained (exec plugin failed, oidc id-token expired) are code 401, reason
 * Unauthorized, with the reason in the message.
 */
struct kube_error {
	int code;                   /* HTTP status; 0 for transport errors */
	char *reason;               /* "NotFound", "AlreadyExists", ... */
	char *message;              /* the server's message or ours */
	struct kube_status_cause *causes;
	size_t ncauses;
	int retry_after;            /* seconds, from details or header; -1 */
};

bool kube_error_is(const struct kube_error *, const char *reason);
bool kube_is_not_found(const struct kube_error *);
bool kube_is_already_exists(const struct kube_error *);
bool kube_is_conflict(const struct kube_error *);
bool kube_is_forbidden(const struct kube_error *);
/* Forbidden by a ResourceQuota ("exceeded quota: ..."). */
bool kube_is_quota_exceeded(const struct kube_error *);
/* 410 Gone or Expired: relist. */
bool kube_is_gone(const struct kube_error *);
bool kube_is_unauthorized(const struct kube_error *);
/* Text for people: "NotFound: pods \"x\" not found"; caller frees. */
char *kube_error_string(const struct kube_error *);

/* ---- kube-http.c: the client ---- */

struct kube_client_opts {
	double qps;                 /* client-side rate; 0 = default 50 */
	int burst;                  /* 0 = default 100 */
	int max_retries;            /* 0 = default 8; -1 = none */
	int retry_budget_ms;        /* 0 = default 30000 */
	int connect_timeout_ms;     /* 0 = default 10000 */
	int request_timeout_ms;     /* 0 = default 60000 (not streams) */
	int idle_timeout_ms;        /* streams: 0 = default 120000 */
	/* A request (its wait for the rate limit, attempts, retries and
	 * pages) not done this long after it was submitted fails with
	 * reason Timeout; not streams.  0 = none: each attempt has its
	 * request_timeout_ms. */
	int deadline_ms;
	int max_body;               /* 0 = default 256 MiB */
	/* Act as this user (Impersonate-User on every request), over the
	 * kubeconfig's 'as'; NULL: as the credentials say.  Copied. */
	const char *impersonate_user;
	/*
	 * A service that trusts the cluster's tokens (the shared queue
	 * server) in place of the API server: its URL (with any path
	 * prefix), checked against service_ca (NULL: the system's CAs),
	 * never the kubeconfig's cluster settings.  Only the user's bearer
	 * token is sent (no client certificate, password or impersonation),
	 * and the config may be NULL (no credential at all).  Only what the
	 * service refused without acting on is retried: 429, and 503 with a
	 * Retry-After; never a transport failure or another 5xx, which a
	 * POST may have outlived.  Its requests are kube_request_bytes and
	 * kube_request_raw (the operations on resources are the cluster's).
	 * Copied.
	 */
	const char *service_url;
	const char *service_ca;
	/* The longest wait before a retry, whatever a Retry-After asks;
	 * 0 = no bound. */
	int retry_wait_max_ms;
	/* Told of each retry before its wait (HTTP status, 0 for a transport
	 * failure; the wait), so that a person learns why nothing happens;
	 * it must not call into the client. */
	void (*on_retry)(int status, int64_t wait_ms, void *arg);
	void *on_retry_arg;
};

/*
 * A client on the caller's event base, taking ownership of config.  Returns
 * NULL with *cause on failure (config is then freed too), among them a
 * malformed *-data field that kube_config_load_context left encoded.
 */
struct kube_client *kube_client_new(struct event_base *, struct kube_config *,
    const struct kube_client_opts *, char **cause);
/*
 * Cancels requests in flight (their callbacks are not called) and frees the
 * client.  Stop watches first; never call it from a kube callback.
 */
void kube_client_free(struct kube_client *);
const struct kube_config *kube_client_config(const struct kube_client *);
/*
 * The cluster's clock in ms since the epoch, from the Date header of the
 * latest response plus the local time elapsed since; 0 before any response.
 * Judge ages of server timestamps with it, not with the local clock.
 */
int64_t kube_client_server_time(const struct kube_client *);
/*
 * Milliseconds since the Date header that estimate rests on arrived; -1
 * before any.  A client that only watches sees no new Date (a stream's
 * headers come once), so it refreshes the clock with a request when this
 * grows (the cluster's clock need not run at the local one's rate).
 */
int64_t kube_client_server_time_age(const struct kube_client *);
struct event_base *kube_client_base(const struct kube_client *);

struct kube_response {
	int status;                 /* HTTP status, 0 if none was received */
	json_t *body;               /* parsed JSON body, or NULL */
	char *text;                 /* raw body when not JSON (logs) */
	size_t text_len;
	struct kube_error *error;   /* NULL on success (2xx) */
	int attempts;               /* tries made, 1 without retries */
	/* A retried create met AlreadyExists with our labels: taken as ours. */
	bool adopted;
	/* A create met AlreadyExists from an object on its way out: ours
	 * but being deleted (an earlier attempt's), or gone when read. The
	 * AlreadyExists error stands; the name frees soon: try again. */
	bool leaving;
	/* kube_request_bytes only: the answer's header lines ("Name:
	 * value"), at most KUBE_MAX_HEADERS; see kube_response_header(). */
	char **headers;
	size_t nheaders;
};
#define KUBE_MAX_HEADERS 64
#define KUBE_MAX_HEADER_LEN 4096

typedef void (*kube_done_cb)(struct kube_response *, void *arg);
typedef void (*kube_data_cb)(const char *, size_t, void *arg);

/* Detaches the body from a response in a callback; caller decrefs it. */
json_t *kube_response_take_body(struct kube_response *);
void kube_response_free(struct kube_response *);
/* The value of a header of the answer (name case-insensitive, value
 * trimmed), borrowed from the response; NULL when absent. */
const char *kube_response_header(const struct kube_response *,
    const char *name);

/*
 * Runs the client's base until req completes and returns its response (the
 * caller frees it).  req must have been started with a NULL callback.
 */
struct kube_response *kube_wait(struct kube_client *, struct kube_request *);
/* Cancels a request in flight; its callback is not called. */
void kube_request_cancel(struct kube_request *);

/* ---- kube-ops.c: operations on resources ---- */

enum kube_kind {
	KUBE_PODS,
	KUBE_NODES,
	KUBE_NAMESPACES,
	KUBE_SERVICES,
	KUBE_RESOURCEQUOTAS,
	KUBE_EVENTS,
	KUBE_DEPLOYMENTS,
	KUBE_JOBS,
	KUBE_LEASES,
};

/* The plural resource name ("pods", "jobs"), for messages. */
const char *kube_kind_name(enum kube_kind);
/* The API path of a collection or object; ns NULL for all namespaces. */
char *kube_path(enum kube_kind, const char *ns, const char *name);
/* A path segment or query value percent-encoded; the caller frees it. */
char *kube_escape(const char *);

struct kube_list_opts {
	const char *label_selector;
	const char *field_selector;
	int limit;                  /* page size; 0 = 500 */
	int timeout_seconds;        /* watch streams; 0 = random 300-600 */
	/*
	 * What of each listed item to keep (kube_list, and the lists of
	 * kube_watch_start): a new reference, or NULL to drop it; NULL keeps
	 * items whole.  Applied page by page, so that a large list costs the
	 * memory of what the caller keeps, not of every object whole.
	 */
	json_t *(*keep)(const json_t *item, void *arg);
	void *keep_arg;
};

/*
 * Every call below starts a request and returns it; it never fails to start
 * (failures, even local ones, reach the callback).  With cb NULL the request
 * is for kube_wait().
 */
struct kube_request *kube_get(struct kube_client *, enum kube_kind,
    const char *ns, const char *name, kube_done_cb, void *);
/* All pages (limit/continue) merged: body {"metadata":{rv},"items":[..]}. */
struct kube_request *kube_list(struct kube_client *, enum kube_kind,
    const char *ns, const struct kube_list_opts *, kube_done_cb, void *);
/* POST; obj is not stolen.  See kube_response.adopted for retries. */
struct kube_request *kube_create(struct kube_client *, enum kube_kind,
    const char *ns, json_t *obj, kube_done_cb, void *);
/*
 * POST, where an object of that name may belong to someone else: on
 * AlreadyExists (first try or retry) the object is read and taken as ours
 * (kube_response.adopted) only if it carries every label of identity and
 * is not being deleted; else the AlreadyExists error stands, with
 * kube_response.leaving when the name is about to be free.  If the object
 * cannot be read, the read's error is the answer instead (a 5xx or a
 * transport error to retry, not a sign that someone else holds the name).
 */
struct kube_request *kube_create_owned(struct kube_client *, enum kube_kind,
    const char *ns, json_t *obj, const json_t *identity, kube_done_cb,
    void *);

enum kube_propagation {
	KUBE_PROPAGATION_BACKGROUND = 0,   /* default: never orphan */
	KUBE_PROPAGATION_FOREGROUND,
};

struct kube_delete_opts {
	enum kube_propagation propagation;
	const char *uid;            /* precondition, or NULL */
	const char *resource_version; /* precondition, or NULL */
	int grace_seconds;          /* -1 = server default */
};

struct kube_request *kube_delete(struct kube_client *, enum kube_kind,
    const char *ns, const char *name, const struct kube_delete_opts *,
    kube_done_cb, void *);

struct kube_log_opts {
	const char *container;
	int tail_lines;             /* -1 = all */
	int64_t limit_bytes;        /* 0 = no limit */
	bool follow;
	bool previous;
};

/*
 * Pod logs: with on_data set, bytes are streamed to it as they arrive and
 * response text stays empty; otherwise the text is in the response.
 */
struct kube_request *kube_pod_logs(struct kube_client *, const char *ns,
    const char *pod, const struct kube_log_opts *, kube_data_cb on_data,
    kube_done_cb, void *);

/* SelfSubjectReview: body status.userInfo{username,groups,...}. */
struct kube_request *kube_self_subject_review(struct kube_client *,
    kube_done_cb, void *);
/* SelfSubjectAccessReview for a resource; body status.allowed. */
struct kube_request *kube_access_review(struct kube_client *,
    const char *verb, const char *group, const char *resource,
    const char *ns, kube_done_cb, void *);
/* Any request by method and API path (with query); body may be NULL. */
struct kube_request *kube_request_raw(struct kube_client *, const char *method,
    const char *path, json_t *body, const char *content_type, kube_done_cb,
    void *);

/* A request whose body is bytes of any type, and its timeout. */
struct kube_bytes_opts {
	const char *body;           /* copied; NULL for none */
	size_t len;
	const char *content_type;   /* NULL: application/json */
	int timeout_ms;             /* 0: the client's request_timeout_ms */
	size_t max_body;            /* of the answer; 0: the client's */
};
/*
 * Any request, for a peer that does not speak Kubernetes Status (the
 * queue server): the answer is kept as bytes in text whatever its status
 * (never parsed), with its headers (kube_response_header); error is still
 * set for a status out of 2xx, with the code and Retry-After only.
 */
struct kube_request *kube_request_bytes(struct kube_client *,
    const char *method, const char *path, const struct kube_bytes_opts *,
    kube_done_cb, void *);

/* ---- watches ---- */

enum kube_event_type {
	/*
	 * The full state (a list body): the caller replaces what it holds.
	 * Sent first, and again after every relist (410 Gone/Expired).
	 */
	KUBE_EVENT_SYNC,
	KUBE_EVENT_ADDED,
	KUBE_EVENT_MODIFIED,
	KUBE_EVENT_DELETED,
	/* The watch failed for good (obj NULL; err set). */
	KUBE_EVENT_FAILED,
};

typedef void (*kube_watch_cb)(enum kube_event_type, json_t *obj,
    const struct kube_error *err, void *arg);

/*
 * Lists, then watches from the list's resourceVersion (as client-go's
 * reflector does): bookmarks advance the resourceVersion, a stream that
 * ends or drops is watched again from the last one, a 410 (status or ERROR
 * event) relists.  Each event is delivered exactly once; obj is borrowed.
 */
struct kube_watch *kube_watch_start(struct kube_client *, enum kube_kind,
    const char *ns, const struct kube_list_opts *, kube_watch_cb, void *);
void kube_watch_stop(struct kube_watch *);
/* The last resourceVersion seen (bookmarks included). */
const char *kube_watch_resource_version(const struct kube_watch *);
/* Counters for tests and -v: streams opened, relists, bookmarks seen. */
int kube_watch_streams(const struct kube_watch *);
int kube_watch_relists(const struct kube_watch *);
int kube_watch_bookmarks(const struct kube_watch *);

/* ---- kube-json.c: typed accessors over borrowed objects ---- */

const char *kube_obj_name(const json_t *);
const char *kube_obj_namespace(const json_t *);
const char *kube_obj_resource_version(const json_t *);
const char *kube_obj_label(const json_t *, const char *key);
/* Items of a list body; never NULL for a list (an empty array otherwise). */
json_t *kube_list_items(const json_t *);

/* Pods. */
const char *kube_pod_node(const json_t *);
/* Succeeded or Failed. */
bool kube_pod_is_terminal(const json_t *);
/*
 * The pod's effective request of a resource as Kubernetes computes it:
 * max(sum of containers, largest init container); a container's limit
 * stands for its request when the request is absent.  scale as in
 * quantity_parse (QUANTITY_MILLI for cpu).
 */
int kube_pod_request(const json_t *, const char *resource, int scale,
    int64_t *, char **cause);

/* Nodes. */
int kube_node_allocatable(const json_t *, const char *resource, int scale,
    int64_t *, char **cause);
bool kube_node_is_ready(const json_t *);
bool kube_node_is_unschedulable(const json_t *);

/* ResourceQuotas: status.hard and status.used of one key; -1 if the key
 * is not hard. */
int kube_quota_get(const json_t *, const char *key, int64_t *hard,
    int64_t *used, char **cause);
/* A list's quotas as [{name, resources: [{resource, used, hard, free}]}],
 * values as people write them. */
json_t *kube_quotas_json(const json_t *list);
/*
 * GPUs (nvidia.com/gpu) per node and per type (node label gpu-model, else
 * nvidia.com/gpu.product) from a node list and a pod list:
 * {allowed: true, types: [{type, nodes, allocatable, used, free}], nodes:
 * [{name, type, allocatable, used, free, ready}], total: {nodes,
 * allocatable, used, free}}; used counts the requests of pods not
 * finished, free only nodes Ready and schedulable.  The caller decrefs.
 */
json_t *kube_gpus_json(const json_t *nodes, const json_t *pods);

/* A Status body (or none) and HTTP code as a kube_error; caller frees. */
struct kube_error *kube_error_from_status(const json_t *, int code);
void kube_error_free(struct kube_error *);

#endif
