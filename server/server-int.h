/* Internals shared by the files of server/. */
#ifndef SERVER_INT_H
#define SERVER_INT_H

#include <sys/queue.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <openssl/ssl.h>

#include "common.h"
#include "server.h"
#include "store.h"

struct kube_error;
struct kube_response;
struct kube_request;
struct bufferevent;
struct evbuffer;

/* server-hash.c: intrusive chained hash tables, keyed by SipHash under a
 * secret drawn at start.  A node is embedded in its record; a lookup
 * walks the chain of a hash and compares keys itself. */
struct server_hnode {
	struct server_hnode *hnext;
	uint64_t hv;
};
struct server_hash {
	struct server_hnode **b;
	size_t nb;                   /* a power of two */
	size_t n;
};
#define server_container(p, type, member) \
	((type *)(void *)((char *)(p) - offsetof(type, member)))
uint64_t server_hash_key(const void *, size_t);
void server_hash_init(struct server_hash *);
void server_hash_release(struct server_hash *);
void server_hash_add(struct server_hash *, struct server_hnode *, uint64_t);
void server_hash_del(struct server_hash *, struct server_hnode *);
/* The first node whose hash falls in hv's chain (then ->hnext). */
struct server_hnode *server_hash_chain(const struct server_hash *, uint64_t);

/* A client address (an IPv6 one by its /64): its connections and its
 * bucket of failed authentications. */
#define SERVER_ADDR_LEN 64
struct server_peer {
	struct server_hnode hnode;
	TAILQ_ENTRY(server_peer) lru;
	char addr[SERVER_ADDR_LEN];
	int nconns;
	int reviews;                 /* token reviews in flight */
	double fail_tokens;
	int64_t fail_at;             /* ms of the last refill */
	int64_t used;                /* ms */
};
TAILQ_HEAD(server_peers, server_peer);

/* Where a connection is: each phase but WORKING has a deadline. */
enum server_conn_phase {
	SERVER_CONN_HEADERS = 0,     /* TLS handshake, request line, headers */
	SERVER_CONN_BODY,
	SERVER_CONN_IDLE,            /* kept alive between requests */
	SERVER_CONN_WORKING,         /* the server has the request */
};

/* What validating a submitted spec gave (server-parse.c). */
enum server_parsed_kind {
	SERVER_PARSED_JOBS = 0,      /* the jobs */
	SERVER_PARSED_INVALID,       /* a message and diagnostics: 422 */
	SERVER_PARSED_BUDGET,        /* over its CPU budget: 422 */
	SERVER_PARSED_BUSY,          /* over the wall-clock bound: 503 */
	SERVER_PARSED_FAILED,        /* the worker died: 500 */
	SERVER_PARSED_NKINDS,
};
/* One buffer holds every string; the pointers are into it. */
struct server_parsed {
	enum server_parsed_kind kind;
	char *buf;
	struct store_job_new *jobs;  /* owner and held left for the caller */
	bool *is_job;                /* an Indexed Job, not Deployments */
	size_t njobs;
	const char *message;
	const char **diags;
	size_t ndiags;
};

/* Who made a request, as the cluster said (TokenReview). */
struct server_user {
	char *name;
	char *uid;                   /* or NULL */
	char **groups;
	size_t ngroups;
	bool admin;                  /* in an admin group: sees everything */
	char *ta_namespaces;         /* ",ns1,ns2," of TA groups, or NULL */
};

/* A cached answer of the cluster, keyed by a SHA-256 (hex) of what was
 * asked: a token review or an access review. */
struct server_cache_entry {
	struct server_hnode hnode;
	TAILQ_ENTRY(server_cache_entry) lru;
	char key[65];
	int64_t expires;             /* ms */
	int64_t fresh_until;         /* ms; then used only while the
	                                cluster does not answer */
	int code;                    /* 0 ok; else the HTTP error to give */
	char *message;               /* for errors */
	struct server_user *user;    /* token reviews */
	bool allowed;                /* access reviews */
};
TAILQ_HEAD(server_cache_lru, server_cache_entry);

/* server-cache.c: answers by key, forgotten least recently used first;
 * refused tokens are kept apart, at most this many. */
#define SERVER_NEGATIVE_ENTRIES 4096
struct server_cache {
	struct server_hash h;
	struct server_cache_lru lru; /* most recently used first */
	size_t max;
};
void server_cache_init(struct server_cache *, size_t max);
void server_cache_release(struct server_cache *);
/* A live entry (which becomes the most recently used), or NULL. */
struct server_cache_entry *server_cache_find(struct server_cache *,
    const char *key);
/* A new entry, living ttl_ms, its answer for the caller to fill. */
struct server_cache_entry *server_cache_add(struct server_cache *,
    const char *key, int64_t ttl_ms);
/* Drops the entry of key, if any. */
void server_cache_forget(struct server_cache *, const char *key);
/* Drops expired entries (every one with all). */
void server_cache_prune(struct server_cache *, bool all);

/* A dashboard session (server-session.c): a random id (the cookie's
 * value) and CSRF value, in hex, never derived from the token. */
#define SERVER_SESSION_ID_LEN 64
#define SERVER_SESSION_COOKIE "ailab_queue_session"
struct server_session {
	struct server_hnode hnode;
	TAILQ_ENTRY(server_session) entry;
	char id[SERVER_SESSION_ID_LEN + 1];
	char csrf[SERVER_SESSION_ID_LEN + 1];
	struct server_user *user;
	int64_t expires;             /* ms */
};
TAILQ_HEAD(server_sessions, server_session);

/* A per-user token bucket. */
struct server_bucket {
	char *user;
	double tokens;
	int64_t at;                  /* ms of the last refill */
	struct server_bucket *next;
};

#define SERVER_NCODES 600
#define SERVER_WAIT_BUCKETS 12

/* The cluster's two reviews, as /metrics labels them. */
enum server_review_kind {
	SERVER_REVIEW_TOKEN,         /* TokenReview */
	SERVER_REVIEW_ACCESS,        /* SubjectAccessReview */
	SERVER_REVIEW_NKINDS
};

struct server_metrics {
	int64_t requests[SERVER_NCODES];
	int64_t submitted;
	int64_t passes;
	int64_t admissions;
	int64_t pass_ms;
	/* Wait time (submission to running), a histogram in seconds. */
	int64_t wait_count[SERVER_WAIT_BUCKETS + 1];
	double wait_sum;
	int64_t wait_n;
	int64_t log_seq;             /* events read so far for the wait time */
	/* TokenReviews by outcome; requests refused for failed ones. */
	int64_t reviews_ok, reviews_refused, reviews_failed;
	int64_t auth_limited;
	/* Reviews the cluster did not answer within review_timeout, and
	 * answers served from a cached one past token_cache (in its
	 * grace), by review (SERVER_REVIEW_*). */
	int64_t review_timeouts[SERVER_REVIEW_NKINDS];
	int64_t grace_answers[SERVER_REVIEW_NKINDS];
	/* Specs refused (a user's share, the queue), ended by their
	 * worker's budget, the wall-clock bound or a crash. */
	int64_t parse_refused_user, parse_refused_queue;
	int64_t parse_killed[SERVER_PARSED_NKINDS];
	/* Connections closed at a deadline, by phase; refused at a cap. */
	int64_t conn_timeouts[SERVER_CONN_WORKING];
	int64_t conn_refused_cap;
	int64_t conn_refused_addr;
};

struct server_req;
typedef void (*server_handler)(struct server_req *);

/* One API request from arrival to reply. */
struct server_req {
	struct server *srv;
	struct evhttp_request *req;
	enum evhttp_cmd_type method;
	char *path;                  /* decoded path, no query */
	struct evkeyvalq query;
	bool query_parsed;
	struct server_user *user;    /* borrowed from the cache, refcounted */
	char session[SERVER_SESSION_ID_LEN + 1];     /* or "": a bearer */
	char token_key[65];
	char *token;                 /* only until the review is sent */
	struct kube_request *kreq;   /* a cluster request in flight */
	void *review;                /* its context, freed with the request */
	bool token_review;           /* kreq is a TokenReview (counted) */
	bool fail_token;             /* holds a token of its peer's bucket */
	struct server_pjob *parse;   /* a spec with the workers */
	/* Submissions: the work between the reviews. */
	void *work;
	void (*work_free)(void *);
	server_handler handler;
	int64_t id;                  /* from /v1/jobs/{id}/... */
	const char *action;          /* from .../ACTION */
	int64_t started;
	int status;                  /* the answer's, once sent; 0 before */
	size_t bytes;                /* of the answer's body (a stream's too) */
	char peer[SERVER_ADDR_LEN];  /* the client's address, as counted */
	struct server_req *next, *prev;   /* the server's list in flight */
};

struct server_stream;

struct server {
	struct event_base *base;
	struct store *store;
	struct kube_client *kube;
	const struct spec_site *site;
	struct server_config cfg;
	int access_fd;               /* --access-log, or -1 */
	int64_t access_err_logged;   /* ms */
	struct evhttp *http;
	struct evhttp_bound_socket *bound;
	SSL_CTX *ssl;
	int port;
	int nreviews;                /* TokenReviews in flight */
	int64_t cluster_down_until;  /* ms: a review went unanswered */
	/* Connections (server-conn.c): by evcon, and the client addresses. */
	struct server_hash conns;
	struct server_hash peers;
	struct server_peers peer_lru;
	int conn_cap;                /* max_connections, under the fd limit */
	struct bufferevent **newbevs;        /* accepted, to adopt */
	size_t nnewbevs;
	struct event *adopt;
	struct event *resume;
	int refused_cap, refused_addr;       /* since the last log line */
	char refused_last[SERVER_ADDR_LEN];
	int64_t refused_logged, accept_err_logged;
	bool listening;
	bool stopping;
	struct sched_loop *sched;
	struct server_cache cache;   /* users and access reviews */
	struct server_cache negcache;        /* refused tokens */
	struct server_bucket *buckets;
	struct server_req *reqs;     /* in flight */
	struct server_stream *streams;
	struct server_pool *pool;    /* the parse workers */
	struct event *tick;
	/* Submissions waiting for the next group commit (server-jobs.c). */
	struct server_req **pending;
	size_t npending;
	struct event *flush;
	struct server_metrics m;
	int64_t started;
	/* Dashboard sessions, oldest first (server-session.c). */
	struct server_hash sessions;
	struct server_sessions session_list;
	size_t nsessions;
	/* The cluster's GPUs as last listed (server-cluster.c), or NULL. */
	json_t *cluster_gpus;
	int64_t cluster_at;          /* ms */
};

/* server-http.c */
void server_reply_json(struct server_req *, int code, json_t *);
void server_reply_error(struct server_req *, int code, const char *reason,
    const char *fmt, ...) printflike(4, 5);
/* Says in Retry-After when a refused request may be sent again. */
void server_retry_after(struct server_req *, int seconds);
/* A refusal to send again after seconds: Retry-After, and the error with
 * the message and retry_after (docs/api.md). */
void server_reply_retry(struct server_req *, int code, int seconds,
    const char *fmt, ...) printflike(4, 5);
/* The queue failed: its cause logged (taken; NULL: what) and a 500
 * "cannot read the queue", which tells the client nothing internal. */
void server_reply_store(struct server_req *, char *cause, const char *what);
void server_reply_text(struct server_req *, int code, const char *type,
    const char *text, size_t len);
/* Sends buf (not freed) as the body, with the usual headers. */
void server_reply_buffer(struct server_req *, int code, const char *type,
    struct evbuffer *);
void server_req_done(struct server_req *);
/* A query parameter (the last if repeated), or NULL. */
const char *server_query(struct server_req *, const char *);
/* Refuses (400, replied) query parameters not in the list; -1 then. */
int server_query_check(struct server_req *, const char *const *known);
/* A query boolean: 0 and *out, or -1 after a 400 reply. */
int server_query_bool(struct server_req *, const char *, bool *out);
/* A query integer within bounds; absent gives def. */
int server_query_int(struct server_req *, const char *, int64_t lo,
    int64_t hi, int64_t def, int64_t *out);

/* server-conn.c */
/* Sets the bevcb and the connection cap (under RLIMIT_NOFILE); then
 * server_conn_listening once the socket is bound. */
void server_conn_init(struct server *);
void server_conn_listening(struct server *);
void server_conn_release(struct server *);
/* A request arrived whole on evcon: no deadline while the server works;
 * the client's address (as counted) is returned. */
const char *server_conn_request(struct server *, struct evhttp_connection *);
/* The answer is on its way: the connection idles or reads the next. */
void server_conn_replied(struct server *, struct evhttp_connection *);
void server_conn_tick(struct server *);
struct server_peer *server_peer_find(struct server *, const char *key);
struct server_peer *server_peer_get(struct server *, const char *key);

/* server-frame.c: the fields of a parse worker's frames. */
struct evbuffer;
/* Reads a frame's fields in place; any overrun marks it bad. */
struct server_rd {
	const char *p;
	size_t len, off;
	bool bad;
};
/* Appends a 64-bit integer. */
void server_wr_u64(struct evbuffer *, uint64_t);
/* Appends len bytes as a string (NULL: the absent string). */
void server_wr_bytes(struct evbuffer *, const char *, size_t len);
/* Appends a C string (or the absent one). */
void server_wr_str(struct evbuffer *, const char *);
/* The next 64-bit integer (0 once bad). */
uint64_t server_rd_u64(struct server_rd *);
/* The next string, NUL-ended in the frame (NULL if absent or bad; *len
 * its length). */
const char *server_rd_bytes(struct server_rd *, size_t *len);
/* The next C string: no NUL inside (NULL if absent or bad). */
const char *server_rd_str(struct server_rd *);
/* The next string, which must be present. */
const char *server_rd_need(struct server_rd *);

/* server-parse.c: specs validated by worker processes. */
struct server_parse_args {
	const char *filename;
	const char *default_namespace;       /* or NULL */
	const char *group;           /* or NULL */
	const char *const *sets;
	size_t nsets;
	bool bundle;                 /* body: {"spec", "rosters"} (JSON) */
	struct evbuffer *body;       /* emptied */
};
/* Gets the result (the callback's to free) once a worker is done. */
typedef void (*server_parse_cb)(struct server_req *, struct server_parsed *);
/* Queues a spec for the workers: 0, or -1 after a reply (429: the user
 * has parse_queue_per_user specs there; 503: the queue is full). */
int server_parse_start(struct server_req *, const struct server_parse_args *,
    server_parse_cb);
/* The request goes unanswered: its spec leaves the queue or the worker. */
void server_parse_cancel(struct server_req *);
void server_parsed_free(struct server_parsed *);
void server_parse_init(struct server *);
void server_parse_free(struct server *);
void server_parse_tick(struct server *);
void server_parse_counts(const struct server *, int *queued, int *running);
/* Are specs waiting for or in the workers? */
bool server_parse_busy(const struct server *);

/* server-groups.c */
/* The groups a submission's jobs join: owner's (a co-TA's class group,
 * which an admin, or a TA whose class namespaces hold all its jobs, may
 * join; NULL: the caller's own), and a roster's group refused when it has
 * jobs already, unless append.  0, or -1 after a reply (403, 404, 422). */
int server_groups_check(struct server_req *, struct store_job_new *, size_t,
    const char *owner, bool append);

/* server-auth.c */
/* Authenticates, then calls req->handler (or replies 401/502). */
void server_auth_start(struct server_req *);
/* Asks whether the user may do verb on group/resource in ns; cb gets
 * whether it is allowed, or an error to reply; a cluster that does not
 * answer in time gets the request a 503 here and cb is not called. */
typedef void (*server_review_cb)(struct server_req *, bool allowed,
    const char *error);
void server_auth_review(struct server_req *, const char *verb,
    const char *group, const char *resource, const char *ns,
    server_review_cb);
/* Refuses (400, replied) jobs with a priority above what the user may
 * give (priority_max, priority_groups; admins any): 0, or -1. */
int server_auth_priority_check(struct server_req *,
    const struct store_job_new *, size_t);
/* May the user see (and act on) this job? */
bool server_auth_can_see(const struct server_user *, const struct store_job *);
/* A review in flight ends (answered or not): the peer's counts. */
void server_auth_review_done(struct server_req *, bool refund);
/* Did the cluster not answer (in review_timeout, at all, or overloaded)
 * rather than answer with an error? */
bool server_cluster_unavailable(const struct kube_error *);
/* Replies 503 with a Retry-After: the cluster did not answer what (a
 * phrase: "the token review") within review_timeout. */
void server_reply_unavailable(struct server_req *, const char *what);
void server_user_free(struct server_user *);
struct server_user *server_user_dup(const struct server_user *);
/* The namespaces of the user's TA groups, as a JSON array. */
json_t *server_user_tas_json(const struct server_user *);
void server_buckets_free(struct server *);

/* server-jobs.c: the /v1/ handlers. */
void server_jobs_route(struct server_req *);
void server_submit_flush_now(struct server *);
/* The per-user limit of waiting jobs; 0 for none. */
int64_t server_max_queued(const struct server *);

/* server-actions.c: POST /v1/jobs/{id}/ACTION and /v1/jobs/ACTION. */
void server_action_one(struct server_req *);
void server_action_batch(struct server_req *);

/* server-events.c: the event stream and what the tick does. */
void server_events_handle(struct server_req *);
void server_events_tick(struct server *);
void server_events_free_all(struct server *);
/* A connection closed: its stream, if any, ends. */
void server_events_closed(struct server *, struct evhttp_connection *);

/* server-session.c: dashboard sign-in by cookie. */
void server_session_init(struct server *);
void server_session_free_all(struct server *);
/* Drops expired sessions. */
void server_session_tick(struct server *);
/* The session cookie's value (copied into out), or NULL. */
const char *server_session_cookie(struct server_req *, char *out, size_t);
/* Authenticates by a session id (and CSRF value for a request that is not
 * GET/HEAD): 0 with r->user and r->session set, or -1 after a 401/403. */
int server_session_auth(struct server_req *, const char *id);
/* Is this session still there (not signed out, not expired)? */
bool server_session_is_live(struct server *, const char *id);
/* /v1/session. */
void server_session_handle(struct server_req *);

/* server-cluster.c: GET /v1/cluster, GPUs per type and node. */
void server_cluster_handle(struct server_req *);

/* server-usage.c: GET /v1/usage, GPU-hours over a window. */
void server_usage_handle(struct server_req *);

/* server-ui.c: the dashboard's files under /ui/. */
void server_ui_handle(struct server_req *);
/* May this name below /ui/ be opened (no '..', no hidden file)? */
bool server_ui_is_safe_name(const char *);

/* server-metrics.c */
void server_metrics_handle(struct server_req *);

#endif
