/*
 * server: the shared queue's HTTP API (docs/api.md) on the caller's event
 * base, authenticated by the users' own cluster credentials.
 *
 * The program's main owns the event base, the store and the Kubernetes
 * client (the server's own identity) and hands them in; the server owns
 * nothing else but its listener, its connections, its caches and the
 * worker processes that parse submitted specs (forked by server_new,
 * killed by server_free; they touch neither the store nor the base).  Leader
 * election (server-lease.c) tells main when to run the scheduler loop; the
 * server itself only serves, on every replica.  Nothing here prints:
 * runtime failures are logged (common-log) and the server carries on.
 */
#ifndef SERVER_H
#define SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct kube_client;
struct sched_loop;
struct sched_loop_stats;
struct spec_site;
struct store;

enum server_mode {
	SERVER_MODE_ON_BEHALF = 0,   /* the server's identity creates */
	SERVER_MODE_IMPERSONATE,     /* the user's identity, impersonated */
};

/* A TA group and the class namespaces its members may see and act in. */
struct server_ta {
	char *group;
	char **namespaces;
	size_t n;
};

/* A group (or "user:NAME") allowed a higher priority than everyone. */
struct server_priority {
	char *who;
	int max;                     /* 0..1000 */
};

/* Everything `serve` can be told, from --config FILE and the options. */
struct server_config {
	char *listen;                /* HOST:PORT; default 127.0.0.1:8443 */
	char *tls_cert;              /* NULL: plain HTTP */
	char *tls_key;
	enum server_mode mode;
	char **admin_groups;         /* see every job; default system:masters */
	size_t nadmin_groups;
	struct server_ta *tas;
	size_t ntas;
	double rate;                 /* requests per second per user; 20 */
	int burst;                   /* 100 */
	int max_connections;         /* 1000, lowered under RLIMIT_NOFILE */
	int max_connections_per_address;     /* 128 */
	int timeout_s;               /* idle (kept alive) and inactivity; 30 */
	int header_timeout_s;        /* handshake + headers from accept; 10 */
	int body_timeout_s;          /* the body from the headers' end; 30 */
	double auth_fail_rate;       /* failed authentications per second and
	                                client address; 1 */
	int auth_fail_burst;         /* 20 */
	int parse_workers;           /* processes that validate specs; 2 */
	int64_t parse_timeout_ms;    /* CPU per spec; 10 s */
	int parse_queue;             /* specs waiting for a worker; 64 */
	int parse_queue_per_user;    /* a user's specs waiting or parsed; 16 */
	int token_ttl_s;             /* review cache lifetime; 60 */
	int token_grace_s;           /* past it, answers still used while
	                                the cluster does not answer; 600 */
	int review_timeout_s;        /* a cluster call made for a client
	                                (reviews, logs, quota); 10 */
	int token_cache_entries;     /* answers kept at most; 10000 */
	int64_t user_max_queued;     /* -1: the site profile's */
	bool lease;                  /* leader election; default on */
	char *lease_name;            /* ailab-queue-scheduler */
	char *lease_namespace;       /* default */
	int lease_duration_s;        /* 15 */
	char *identity;              /* holder identity; default host-pid */
	char *ui_dir;                /* the dashboard's files; NULL: none */
	int session_ttl_s;           /* a dashboard sign-in lasts; 8 h */
	char *access_log;            /* a line per request; NULL: at -v */
	int priority_max;            /* highest priority a user may ask for;
	                                500 (normal) */
	struct server_priority *priorities;  /* groups and users allowed
	                                        more */
	size_t npriorities;
};

/* Defaults, then FILE (YAML, see docs/operations.md) if path is not NULL;
 * -1 with a cause naming the file, line and key. */
int server_config_init(struct server_config *, const char *path,
    char **cause);
/* Applies one "key=value" the command line gives (same keys as the file). */
int server_config_set(struct server_config *, const char *key,
    const char *value, char **cause);
void server_config_release(struct server_config *);
/* The highest priority a user of these groups may give a job: the
 * config's priority_max, or more for a listed group or user; pure. */
int server_config_priority_max(const struct server_config *,
    const char *user, const char *const *groups, size_t ngroups);
/* The mode's name, "on-behalf" or "impersonate". */
const char *server_mode_name(enum server_mode);

struct server;

/*
 * A server on base over an open store and the server's own cluster client
 * (neither owned), with a copy of the config; listens at once.  NULL with
 * *cause (address in use, bad certificate, ...).
 */
struct server *server_new(struct event_base *, struct store *,
    struct kube_client *, const struct spec_site *,
    const struct server_config *, char **cause);
/* Is the host of a --listen HOST:PORT a loopback address or localhost?
 * Every other address may carry tokens over the network. */
bool server_listen_is_loopback(const char *listen);
/* Is it the wildcard address, 0.0.0.0 or ::, every interface? */
bool server_listen_is_any(const char *listen);
/*
 * The URL clients use for a --listen address and the port bound: the
 * address as given, or hostname for the wildcard (NULL: the wildcard
 * itself).  NULL if listen is not HOST:PORT; the caller frees.
 */
char *server_listen_url(const char *listen, bool tls, int port,
    const char *hostname);
/*
 * One access log line, without its time: the client's address, method,
 * path (no query: it may hold secrets), status, body bytes, duration and
 * user ("-" if none); bytes outside printable ASCII, spaces and quotes as
 * %XX, so a client cannot forge lines.  The caller frees it.
 */
char *server_access_line(const char *peer, const char *method,
    const char *path, int status, size_t bytes, int64_t ms,
    const char *user);
/* The port actually bound (for --listen ...:0). */
int server_port(const struct server *);
/* Tells the server which scheduler loop runs now (NULL: none, this replica
 * is not the leader), for kicks after submissions and for /metrics. */
void server_set_sched(struct server *, struct sched_loop *);
/* The scheduler's counts after a pass (the loop's on_pass callback). */
void server_sched_pass(struct server *, const struct sched_loop_stats *);
/* Stops accepting; requests in flight are answered 503 from now on. */
void server_shutdown(struct server *);
void server_free(struct server *);

/* ---- server-metrics.c ---- */

/* Why a job waits, in the classes /metrics counts. */
enum server_wait_class {
	SERVER_WAIT_QUOTA = 0,       /* namespace quota, user or group limit */
	SERVER_WAIT_CAPACITY,        /* no room on the nodes of its types */
	SERVER_WAIT_DEPENDENCY,      /* after: another job */
	SERVER_WAIT_HELD,
	SERVER_WAIT_RESERVATION,     /* holds, or is kept out by, a
	                                reservation */
	SERVER_WAIT_OTHER,           /* backoff, not tried yet, no reason */
	SERVER_WAIT_NCLASSES,
};
/* The class of a waiting job from its stored reason (held: its state
 * says so whatever the reason); pure. */
enum server_wait_class server_wait_classify(bool held, const char *reason);
/* The class's label value ("quota", ...). */
const char *server_wait_class_name(enum server_wait_class);

/* ---- server-rights.c: the rights serve needs, checked at start ---- */

/* One right: verb on group/resource, in ns (NULL: cluster-wide). */
struct server_right {
	const char *verb;
	const char *group;           /* "" for the core group */
	const char *resource;
	char *ns;                    /* owned; NULL: cluster-wide */
	const char *why;             /* what serve needs it for */
};
/*
 * The rights serve needs with this config (schedule: this replica may run
 * the scheduler), workloads in each of namespaces (NULL: cluster-wide);
 * pure.  Free with server_rights_free.
 */
void server_rights_needed(const struct server_config *, bool schedule,
    const char *const *namespaces, size_t nns, struct server_right **,
    size_t *);
void server_rights_free(struct server_right *, size_t);
/* "create jobs.batch in namespace 'alice'" (the caller frees). */
char *server_right_string(const struct server_right *);
/*
 * Asks the cluster (SelfSubjectAccessReview, blocking on the client's
 * base: call it before dispatching) whether the client has every right
 * needed: 0, or -1 with a cause naming the missing rights or why the
 * cluster could not be asked (*unreachable then true if it did not
 * answer, after the client's retries, rather than refuse).
 */
int server_rights_check(struct kube_client *, const struct server_config *,
    bool schedule, bool *unreachable, char **cause);

/* ---- server-lease.c: leader election on a coordination.k8s.io Lease ---- */

struct server_lease;
/* Called when this replica becomes the leader (true) or stops being it. */
typedef void (*server_lease_cb)(bool leader, void *);
/* Starts trying to hold the Lease; renews every duration/3. */
struct server_lease *server_lease_new(struct event_base *,
    struct kube_client *, const struct server_config *, server_lease_cb,
    void *);
/* Gives the Lease up (if held) and stops; the callback is not called. */
void server_lease_free(struct server_lease *);

#endif
