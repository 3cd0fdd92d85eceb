/*
 * cli-remote.h: the queue commands against a shared queue server
 * (`ailab-queue serve`, docs/api.md).  Linked by the whole program only:
 * it needs kube's client and libcurl, which the queue front leaves out.
 */
#ifndef CLI_REMOTE_H
#define CLI_REMOTE_H

#include "cli.h"

/* Bounds of what the client reads back. */
#define CLI_REMOTE_MAX_ANSWER (64 * 1024 * 1024)
#define CLI_REMOTE_MAX_RETRIES 5         /* 429s waited for per request */
#define CLI_REMOTE_MAX_WAIT 60           /* seconds, per Retry-After */

extern const struct cli_queue_ops cli_queue_remote;

/* GET a path under the server's URL (query already escaped, or NULL);
 * *out is the caller's.  Prints errors; returns an exit status. */
int cli_remote_get_json(struct cli_ctx *, const char *path, const char *query,
    json_t **out);

/* A job's log as the server read it (GET /v1/jobs/{id}/logs). */
struct cli_remote_log {
	bool live;                   /* read from the pod now, else archived */
	char pod[256];
	char node[256];
	int attempt;
	bool truncated;
	char *text;                  /* the caller's (free) */
	size_t len;
};
/* The log of a rank in an attempt (0: the latest); tail < 0 for all of
 * it.  Prints errors (a missing log is the server's message); returns an
 * exit status. */
int cli_remote_logs(struct cli_ctx *, int64_t id, int rank, int attempt,
    long tail, struct cli_remote_log *);

/*
 * Pure pieces, unit-tested: the exit status of an HTTP error status; the
 * error of an answer (the API's error body, else a line of its text;
 * release with api_error_release); a page of jobs from a list, with the
 * next page's token (*next NULL on the last) — 0, or -1 with *cause.
 */
struct api_error;
int cli_remote_exit_status(long status);
void cli_remote_parse_error(long status, const char *body, size_t len,
    struct api_error *);
int cli_remote_parse_page(const char *body, size_t len,
    struct store_job ***jobs, size_t *n, char **next, char **cause);

/*
 * Between the operations (cli-remote.c) and the transport
 * (cli-remote-http.c, on kube's client).
 */

/* One answer: status, body (bounded; the caller's) and the headers the
 * API defines. */
struct cli_remote_resp {
	long status;
	char *body;
	size_t len;
	char source[16];
	char pod[256];
	char node[256];
	char attempt[16];
	char truncated[8];
};

/*
 * One request with the user's credential (query already escaped, or
 * NULL; a body of blen bytes, or NULL), its answer at most max bytes,
 * within timeout_s; 429s (and 503s that name a Retry-After) are waited
 * out a few times and an expired credential refreshed once after a 401.
 * CLI_EXIT_OK when an answer came, whatever its status (*resp to
 * release); a transport failure is printed.
 */
int cli_remote_call(struct cli_ctx *, const char *method, const char *path,
    const char *query, const char *body, size_t blen, size_t max,
    long timeout_s, struct cli_remote_resp *);
void cli_remote_resp_release(struct cli_remote_resp *);
/* Prints an error answer as one line and gives its exit status. */
int cli_remote_fail(struct cli_ctx *, const struct cli_remote_resp *);
/* Parses a JSON answer of a 2xx into *out (the caller's); prints why
 * when it is not one and gives the exit status.  Releases the answer. */
int cli_remote_json_take(struct cli_ctx *, struct cli_remote_resp *,
    json_t **out);
/* Appends key=value (the value escaped) to the query string *q. */
void cli_remote_query_add(struct cli_ctx *, char **q, const char *key,
    const char *value);

/* Pure, unit-tested: an answer of kube's client as the operations read
 * it (its text moves to resp->body); the message of a request that got no
 * answer, naming the server and never a credential (the caller frees). */
struct kube_response;
struct kube_error;
void cli_remote_resp_from(struct kube_response *, struct cli_remote_resp *);
char *cli_remote_transport_error(const char *server, const struct kube_error *,
    size_t max);

#endif
