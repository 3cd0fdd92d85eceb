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
#include <limits.h>
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

/* The kinds of value a setting takes; each has one parser and one
 * wording of its errors. */
enum server_setting_type {
	SERVER_SET_STRING = 0,       /* any text */
	SERVER_SET_PATH,             /* a file or directory */
	SERVER_SET_INT,              /* an integer within [min, max] */
	SERVER_SET_SECONDS,          /* a duration, whole seconds */
	SERVER_SET_MS,               /* a duration in milliseconds */
	SERVER_SET_RATE,             /* a number per second, 0 to 1e6 */
	SERVER_SET_BOOL,             /* true/on or false/off */
	SERVER_SET_MODE,             /* on-behalf or impersonate */
	SERVER_SET_PRIORITY,         /* low, normal, high or 0..1000 */
	SERVER_SET_GROUPS,           /* a list of groups (admin_groups) */
	SERVER_SET_TA,               /* GROUP=NS[,NS] (ta_groups) */
	SERVER_SET_PRIORITIES,       /* WHO=PRIORITY (priority_groups) */
};

/*
 * Every setting of `serve`, once: X(name in the file, command-line option
 * (NULL: none), its metavariable, type, field of struct server_config,
 * default given to the parser (NULL: none), the default as people read
 * it, min, max, unit (rates: the error's words), help).  The file reader,
 * the setter, `serve`'s options and --help, and the table in
 * docs/operations.md (t0623) all come from it.  A BOOL's option "no-X"
 * sets it false.
 */
#define SERVER_SETTINGS(X)						\
	X("listen", "listen", "ADDR", STRING, listen, "127.0.0.1:8443",	\
	    "127.0.0.1:8443", 0, 0, NULL,					\
	    "HOST:PORT to serve on (port 0: any)")			\
	X("tls_cert", "tls-cert", "FILE", PATH, tls_cert, NULL,		\
	    "none (plain HTTP)", 0, 0, NULL,				\
	    "serve HTTPS with this certificate chain (PEM; TLS 1.2 or later)") \
	X("tls_key", "tls-key", "FILE", PATH, tls_key, NULL,		\
	    "none (plain HTTP)", 0, 0, NULL, "the certificate's key (PEM)") \
	X("mode", "mode", "MODE", MODE, mode, "on-behalf", "on-behalf",	\
	    0, 0, NULL,							\
	    "who creates the workloads: on-behalf or impersonate")	\
	X("admin_groups", "admin-group", "GROUP", GROUPS, admin_groups,	\
	    NULL, "system:masters", 0, 0, NULL,				\
	    "members see and act on every job (a list; the option repeats)") \
	X("ta_groups", "ta", "GROUP=NS[,NS]", TA, tas, NULL, "none",	\
	    0, 0, NULL,							\
	    "members see and act on the jobs in these class namespaces " \
	    "(the file: {group: [namespace, ...]})")			\
	X("rate", "rate", "N", RATE, rate, "20", "20", 0, 1000000,	\
	    "requests per second per user",				\
	    "requests per second per user, 429 with Retry-After beyond " \
	    "(0: no limit)")						\
	X("burst", "burst", "N", INT, burst, "100", "100", 1, 1000000,	\
	    NULL, "requests in a burst")				\
	X("max_connections", "max-connections", "N", INT, max_connections, \
	    "1000", "1000", 1, 100000, NULL,				\
	    "connections served at once, lowered to stay 256 under the " \
	    "descriptor limit")						\
	X("max_connections_per_address", "max-connections-per-address",	\
	    "N", INT, max_connections_per_address, "128", "128", 1,	\
	    100000, NULL,						\
	    "connections open at once from one client address (IPv6: " \
	    "one /64)")							\
	X("timeout", "timeout", "DURATION", SECONDS, timeout_s, "30s",	\
	    "30s", 1, 3600, NULL,					\
	    "close a kept-alive connection with no request, or one on " \
	    "which nothing arrives or is read, after this long") \
	X("header_timeout", "header-timeout", "DURATION", SECONDS,	\
	    header_timeout_s, "10s", "10s", 1, 3600, NULL,		\
	    "the TLS handshake, request line and headers must arrive " \
	    "within this of the accept (or of a later request's first " \
	    "byte)")						\
	X("body_timeout", "body-timeout", "DURATION", SECONDS,		\
	    body_timeout_s, "30s", "30s", 1, 3600, NULL,			\
	    "a request's body must arrive within this of its headers")	\
	X("auth_fail_rate", "auth-fail-rate", "N", RATE, auth_fail_rate, \
	    "1", "1", 0, 1000000, "a number per second",			\
	    "failed authentications per second per client address (0: no " \
	    "limit)")							\
	X("auth_fail_burst", "auth-fail-burst", "N", INT, auth_fail_burst, \
	    "20", "20", 1, 1000000, NULL,				\
	    "failed authentications in a burst")			\
	X("token_cache", "token-cache", "DURATION", SECONDS, token_ttl_s, \
	    "60s", "60s", 1, 3600, NULL,					\
	    "how long the cluster's review answers are kept")		\
	X("token_cache_grace", "token-cache-grace", "DURATION", SECONDS, \
	    token_grace_s, "10m", "10m", 0, 86400, NULL,		\
	    "how much longer an answer still serves while the cluster does " \
	    "not answer a review (0: never)")					\
	X("token_cache_entries", "token-cache-entries", "N", INT,	\
	    token_cache_entries, "10000", "10000", 1, 10000000, NULL,	\
	    "cluster answers kept at most, least recently used forgotten " \
	    "first")							\
	X("review_timeout", "review-timeout", "DURATION", SECONDS,	\
	    review_timeout_s, "10s", "10s", 1, 300, NULL,		\
	    "how long a request waits for the cluster (token and access " \
	    "reviews, logs, quotas, /v1/cluster) before a 503 with " \
	    "Retry-After (/v1/cluster: 502)")			\
	X("parse_workers", "parse-workers", "N", INT, parse_workers, "2", \
	    "2", 1, 64, NULL, "processes that validate submitted specs") \
	X("parse_timeout", "parse-timeout", "DURATION", MS,		\
	    parse_timeout_ms, "10s", "10s", 1, 3600 * 1000, NULL,	\
	    "CPU time one spec may take to validate (422 beyond; three " \
	    "times it, at least 5s, of wall-clock time and the worker is " \
	    "killed: 503)")	\
	X("parse_queue", "parse-queue", "N", INT, parse_queue, "64", "64", \
	    0, 100000, NULL,						\
	    "specs waiting for a worker, in all (503 with Retry-After " \
	    "beyond)")		\
	X("parse_queue_per_user", "parse-queue-per-user", "N", INT,	\
	    parse_queue_per_user, "16", "16", 1, 100000, NULL,		\
	    "specs of one user waiting or being validated (429 with " \
	    "Retry-After beyond)") \
	X("user_max_queued", "user-max-queued", "N", INT,		\
	    user_max_queued, NULL, "site profile", 0, INT_MAX, NULL, \
	    "waiting jobs per user (0: no limit)")			\
	X("lease", "no-lease", NULL, BOOL, lease, "true", "true", 0, 0,	\
	    NULL, "leader election (--no-lease: none, schedule whenever " \
	    "the queue's lock is free)")				\
	X("lease_name", "lease-name", "NAME", STRING, lease_name,	\
	    "ailab-queue-scheduler", "ailab-queue-scheduler", 0, 0, NULL, \
	    "Lease for leader election")				\
	X("lease_namespace", "lease-namespace", "NS", STRING,		\
	    lease_namespace, "default", "default", 0, 0, NULL,		\
	    "namespace of the Lease")					\
	X("lease_duration", "lease-duration", "DURATION", SECONDS,	\
	    lease_duration_s, "15s", "15s", 3, 3600, NULL,		\
	    "how long a silent leader keeps the Lease")			\
	X("identity", "identity", "NAME", STRING, identity, NULL,	\
	    "HOST-PID", 0, 0, NULL, "this replica's name in the Lease")	\
	X("ui_dir", "ui-dir", "DIR", PATH, ui_dir, NULL,		\
	    "PKGDATADIR/ui", 0, 0, NULL,				\
	    "the dashboard's files, served under /ui/ (docs/dashboard.md)")		\
	X("session_ttl", "session-ttl", "DURATION", SECONDS,		\
	    session_ttl_s, "8h", "8h", 60, 7 * 86400, NULL,		\
	    "how long a dashboard sign-in lasts")			\
	X("priority_max", "priority-max", "PRIORITY", PRIORITY,	\
	    priority_max, "normal", "normal", 0, 1000, NULL,		\
	    "highest priority users may give jobs")							\
	X("priority_groups", "priority-group", "GROUP=PRIORITY",	\
	    PRIORITIES, priorities, NULL, "none", 0, 1000, NULL,	\
	    "members (or user:NAME) may give jobs up to this priority " \
	    "(the file: {group: priority})")				\
	X("access_log", "access-log", "FILE", PATH, access_log, NULL,	\
	    "stderr at -v", 0, 0, NULL,					\
	    "append a line per request to FILE (made 0600)")

/* One entry of SERVER_SETTINGS as data. */
struct server_setting {
	const char *name;
	const char *option;
	const char *arg;
	enum server_setting_type type;
	size_t offset;
	size_t size;                 /* of the field */
	const char *def;
	const char *shown;
	long long min;
	long long max;
	const char *unit;
	const char *help;
};
/* The table, n entries; static, never freed. */
const struct server_setting *server_settings(size_t *n);
/* The setting of a name in the file, or NULL. */
const struct server_setting *server_setting_find(const char *name);
/* The table as the markdown table of docs/operations.md; the caller
 * frees it. */
char *server_settings_markdown(void);

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
