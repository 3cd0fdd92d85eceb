/* kube: internals shared between the module's files and its unit tests. */
#ifndef KUBE_INT_H
#define KUBE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <jansson.h>

#include "common.h"
#include "kube.h"

/* Bytes that may hold secrets; wiped when freed. */
struct kube_blob {
	unsigned char *data;
	size_t len;
	/* A kubeconfig *-data field not decoded yet (kube_config_decode):
	 * data holds its base64 text, written at line:col of its file. */
	bool encoded;
	int line, col;
};

struct kube_cluster {
	char *name;
	char *file;                 /* kubeconfig that defined it */
	char *server;
	char *ca_file;              /* absolute */
	struct kube_blob ca_data;   /* PEM once decoded */
	bool insecure;
	char *tls_server_name;
	char *proxy_url;
	bool disable_compression;
	char *exec_config;          /* extensions client.authentication... JSON */
};

struct kube_exec {
	char *api_version;
	char *command;              /* absolute if it had a '/' */
	char **args;
	size_t nargs;
	char **env;                 /* "NAME=value" */
	size_t nenv;
	char *install_hint;
	bool provide_cluster_info;
	char *interactive_mode;     /* Never, IfAvailable, Always */
};

struct kube_oidc {
	char *issuer;
	char *client_id;
	char *id_token;
	bool has_refresh;
};

struct kube_user {
	char *name;
	char *file;
	char *token;
	char *token_file;           /* absolute */
	char *cert_file, *key_file; /* absolute */
	struct kube_blob cert_data, key_data;
	char *username, *password;
	struct kube_exec *exec;
	struct kube_oidc *oidc;
	char *auth_provider;        /* name of an unsupported provider */
	char *as;
};

struct kube_context {
	char *name;
	char *file;
	char *cluster;
	char *user;
	char *namespace;
};

/* Credentials for one request: what curl needs. */
struct kube_creds {
	char *token;                /* bearer, or NULL */
	struct kube_blob cert, key; /* PEM, from exec (else the user's) */
	int64_t expires;            /* exec/oidc expiry in seconds, 0 = never */
	bool from_exec;
};

struct kube_config {
	char **files;               /* files loaded, in order */
	size_t nfiles;
	struct kube_cluster *clusters;
	size_t nclusters;
	struct kube_user *users;
	size_t nusers;
	struct kube_context *contexts;
	size_t ncontexts;
	char *current_context;

	/* The selection. */
	bool in_cluster;
	char *context_name;
	char *namespace;
	struct kube_cluster *cluster;
	struct kube_user *user;

	/* Caches: the exec credential and the tokenFile read. */
	struct kube_creds exec_creds;
	bool exec_valid;
	char *file_token;
	int64_t file_token_read;    /* seconds */
};

/* The largest kubeconfig, CA or client certificate file read. */
#define KUBE_MAX_FILE (4 * 1024 * 1024)

/* kube-config.c */
/*
 * kube_config_load and kube_config_load_context: the files chosen, read
 * and merged, decode (when not NULL) called on cfg after each file, the
 * context selected and validated.
 */
int kube_config_load_with(const struct kube_config_opts *,
    int (*decode)(struct kube_config *, char **), struct kube_config **,
    char **cause);

/* kube-config-read.c */
/* Reads one kubeconfig file into cfg, keeping the stanzas an earlier file
 * did not name and the first current-context; 0, or -1 with *cause at
 * FILE:LINE:COL.  What was read before a failure is cfg's to free.  The
 * *-data fields are kept as their base64 text (kube_blob.encoded). */
int kube_config_read(struct kube_config *, const char *file, char **cause);
/* An array of n strings (exec args, file names, kept header lines):
 * freed (kube-config.c). */
void kube_strv_free(char **, size_t);
/* The merged stanza of that name, or NULL (name NULL: NULL). */
struct kube_cluster *kube_config_find_cluster(struct kube_config *,
    const char *name);
struct kube_user *kube_config_find_user(struct kube_config *, const char *);
struct kube_context *kube_config_find_context(struct kube_config *,
    const char *);

/* kube-config-tls.c */
/* Decodes the *-data fields still encoded, of every stanza; 0, or -1 with
 * *cause at FILE:LINE:COL (the fields that fail stay encoded).  The
 * cluster client calls it before it uses cfg; a no-op once done. */
int kube_config_decode(struct kube_config *, char **cause);
/* Base64 (standard, padded or not) to bytes; -1 if malformed. */
int kube_base64_decode(const char *, size_t, struct kube_blob *);

/* kube-config-secret.c */
void kube_blob_free(struct kube_blob *);
void kube_creds_release(struct kube_creds *);
/* Wipes and frees a string that may be secret; NULL is a no-op. */
void kube_secret_free(char *);
/* A copy of a blob (NUL-terminated past len) that outlives the original. */
void kube_blob_copy(struct kube_blob *dst, const struct kube_blob *src);
/* A whole file of at most max bytes (any kind of file: a pipe, a
 * process substitution), NUL-terminated; NULL with errno set. */
char *kube_read_file(const char *path, size_t max, size_t *len);
/* A whole CA or client certificate file as a blob; -1 with errno set. */
int kube_read_blob(const char *path, struct kube_blob *);

/* kube-config-exec.c */
/*
 * Fills creds for the next request: token, tokenFile (re-read every
 * minute), exec plugin (cached until expiry; force re-runs it after a 401),
 * oidc id-token (an error once expired).  creds are copies the caller
 * releases.
 */
int kube_config_credentials(struct kube_config *, bool force,
    struct kube_creds *, char **cause);
/* Drops the cached tokenFile contents so the next request re-reads it. */
void kube_config_forget_token_file(struct kube_config *);
/* True if a 401 may be retried once with fresh exec credentials. */
bool kube_config_can_refresh(const struct kube_config *);
/* RFC 3339 time to seconds since the epoch; -1 if malformed. */
int64_t kube_parse_time(const char *);

/* kube-http.c: a client (opaque outside the module). */
struct kube_client {
	struct event_base *base;
	struct kube_config *cfg;
	struct kube_client_opts opts;
	CURLM *multi;
	struct event *timer;
	struct event *rate_ev;
	struct event *flush_ev;
	double tokens;
	int64_t refill_us;
	struct kube_request *queue_head, *queue_tail;   /* rate limited */
	struct kube_request *reqs;                      /* all live */
	struct kube_request *pending;                   /* stream data */

	/* From the server URL. */
	char *scheme, *host, *port, *prefix;
	char *url_base;             /* scheme://host-or-tls-name:port+prefix */
	struct curl_slist *connect_to;
	bool send_creds;

	/* The server's Date, and when (monotonic, us) it was seen. */
	int64_t server_ms;
	int64_t server_seen_us;
	char *impersonate;      /* opts.impersonate_user, or NULL */
	/* A service beside the cluster (opts.service_url): no kubeconfig
	 * cluster settings, a bearer token only, cautious retries. */
	bool service;
	char *service_ca;
};

/* kube-http.c: one logical request (all its retries and pages). */
struct kube_request {
	struct kube_client *client;
	struct kube_request *prev, *next;       /* client's list */
	struct kube_request *wnext;             /* rate-limit queue */
	char *method;
	char *path;                 /* API path with query */
	char *body;
	size_t body_len;
	char *content_type;
	kube_done_cb cb;
	void *arg;
	bool sync;                  /* for kube_wait */
	bool done;
	bool in_callback;
	bool cancelled;
	struct kube_response *resp; /* sync result */

	/* Streams (watch, logs with follow): no retries, idle timeout. */
	bool stream;
	/* Called outside curl's callbacks with data received so far. */
	void (*on_stream)(struct kube_request *, const char *, size_t);
	bool stream_abort;          /* set by on_stream to stop the stream */
	kube_data_cb on_data;

	/*
	 * Called when an attempt finished for good; returns true if it
	 * restarted the request (next page, relist), false to deliver resp.
	 */
	bool (*hook)(struct kube_request *, struct kube_response *);
	void *hook_state;
	void (*hook_free)(void *);

	/* kube_request_bytes: body kept as bytes, headers kept. */
	bool raw;
	int timeout_ms;             /* 0: the client's */
	size_t max_body;            /* 0: the client's */
	char **hdrs;                /* the attempt's answer's header lines */
	size_t nhdrs;

	/* Create: labels we sent, to recognise our object after a retry. */
	bool is_create;
	bool maybe_created;
	bool check_owner;            /* AlreadyExists: always look whose */
	json_t *create_labels;
	char *create_name;
	bool adopting;

	/* The attempt in flight. */
	void *easy;
	struct curl_slist *headers;
	struct kube_creds creds;
	char *buf;
	size_t len, cap;
	bool too_large;
	bool pending;               /* stream data not yet handed on */
	struct kube_request *pnext; /* pending list */
	int attempts;
	int64_t started_ms;
	bool auth_refreshed;
	char errbuf[256];
	struct event *retry_ev;
	struct event *deadline_ev;  /* opts.deadline_ms, from the submit */
	enum { KUBE_REQ_NEW, KUBE_REQ_QUEUED, KUBE_REQ_RUNNING,
	    KUBE_REQ_WAITING, KUBE_REQ_FINISHED } state;
};

/* kube-http.c */
int64_t kube_mono_us(void);
struct kube_request *kube_request_new(struct kube_client *, const char *method,
    const char *path, json_t *body, const char *content_type, kube_done_cb,
    void *);
/* Queues the request behind the rate limit. */
void kube_request_submit(struct kube_request *);
const struct kube_client_opts *kube_client_opts(const struct kube_client *);
/* Jitter in [0, 1). */
double kube_random(void);
/*
 * Milliseconds before retry n (1-based): 250 ms doubling to 8 s, times a
 * jitter in [0.5, 1), and never less than a Retry-After of retry_after s.
 */
int64_t kube_backoff_ms(int n, int retry_after);

/* kube-easy.c */
/* A new easy handle for the next attempt of r (r->easy), with the
 * credentials read for it; -1 with *cause when they cannot be had. */
int kube_easy_setup(struct kube_request *r, char **cause);
/* A header line kept for a byte request: its value by name
 * (case-insensitive, trimmed) or NULL. */
const char *kube_header_find(char *const *, size_t, const char *name);

/* kube-json.c */
bool kube_error_retryable(const struct kube_error *);
struct kube_error *kube_error_new(int code, const char *reason,
    const char *fmt, ...) printflike(3, 4);

#endif
