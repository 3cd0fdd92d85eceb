/*
 * api: the JSON of the shared queue's HTTP API (docs/api.md), the one
 * encoding that both the server and the CLI client link.
 *
 * Pure: no I/O, no store, no cluster.  Encoders return a new reference the
 * caller json_decref()s; decoders fill caller structs and return 0, or -1
 * with an allocated *cause naming the member that is wrong.  Decoded
 * structs are released with the store's own free functions
 * (store_job_free, store_events_free, store_replicas_free) or
 * api_error_release.
 */
#ifndef API_H
#define API_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "store.h"

/* The path prefix of the API version this build speaks. */
#define API_PREFIX "/v1"

/* Bounds every side enforces (docs/api.md, "Conventions"). */
#define API_MAX_BODY (1024 * 1024)
#define API_MAX_HEADERS (16 * 1024)
#define API_MAX_IDS 10000
#define API_MAX_SUBMIT_JOBS 10000    /* jobs one submission may expand to */
#define API_MAX_SETS 100
#define API_MAX_PAGE 5000
#define API_DEFAULT_PAGE 500

/* Is s (len bytes) valid UTF-8, as JSON text must be? */
bool api_is_utf8(const char *s, size_t len);
/* How many leading bytes of s are valid UTF-8. */
size_t api_utf8_prefix(const char *s, size_t len);

/* A job as `ls -o json` and the server print it; run_gpu_type and
 * exit_code only once known, estimated_start always (null: none). */
json_t *api_job_encode(const struct store_job *);
/* The reverse; *job is the caller's (store_job_free). */
int api_job_decode(const json_t *, struct store_job **job, char **cause);

/* One event of a job's log, as `show -o json` prints it. */
json_t *api_event_encode(const struct store_event *);
/* A job with its events and archived replicas (member
 * "archived_replicas"): the body of GET /v1/jobs/{id}. */
json_t *api_job_detail_encode(const struct store_job *,
    const struct store_event *, size_t, const struct store_replica *, size_t);
/* The reverse: *ev and *rep arrays are the caller's (store_*_free). */
int api_job_detail_decode(const json_t *, struct store_job **,
    struct store_event **ev, size_t *nev, struct store_replica **rep,
    size_t *nrep, char **cause);

/* The stable error body {"error": {code, reason, message, ...}}. */
struct api_error {
	int code;
	char *reason;
	char *message;
	char **diagnostics;      /* file:line:col: message, or NULL */
	size_t ndiagnostics;
	int retry_after;         /* seconds; -1 when absent */
};
/* The reason word of an HTTP status (docs/api.md, "Errors"). */
const char *api_reason_for_code(int code);
/* reason NULL: api_reason_for_code(code). */
json_t *api_error_encode(int code, const char *reason, const char *message);
/* Adds the diagnostics of a refused submission (strings, borrowed). */
void api_error_add_diagnostic(json_t *, const char *);
void api_error_set_retry_after(json_t *, int seconds);
int api_error_decode(const json_t *, struct api_error *, char **cause);
void api_error_release(struct api_error *);

/* One item of an action's answer (cancel, hold, release, retry). */
json_t *api_action_item(int64_t id, bool ok, const char *result,
    const char *message);
/* The item for what store_act did to one job, in the words every front
 * prints (the CLI's local queue and the server alike). */
json_t *api_act_item(enum store_act, const struct store_act_item *);
/* The same, its message formatted. */
json_t *api_action_itemf(int64_t id, bool ok, const char *result,
    const char *fmt, ...) printflike(4, 5);

/* Checks that an object has only the given members (NULL-terminated):
 * 0, or -1 with *cause naming the first unknown one. */
int api_check_members(const json_t *, const char *const *known,
    char **cause);

/*
 * api-intake.c: a local submit handed to the running scheduler of its
 * queue over the Unix socket beside the queue file (docs/operations.md):
 * one request, one reply.  A frame is two four-byte big-endian lengths, a
 * JSON document and a section of texts (of at most API_INTAKE_MAX bytes
 * together, the bound of a spec file).  The request's document holds the
 * validated jobs as the store records them (store_job_new), each spec
 * part as [offset, length] in the texts, where it is as it is (no JSON
 * escaping: most of a request's bytes), followed by a NUL; a part shared
 * by a sweep's jobs is there once.  The reply: {"ids": [...]} once
 * committed, or the error body above (code 400: the submission was
 * refused as a user's mistake; 403: not the scheduler's user; others: it
 * failed), and no texts.
 */
#define API_INTAKE_VERSION 1
#define API_INTAKE_HEADER 8
#define API_INTAKE_MAX API_MAX_BODY
/* The frame of doc and ntexts bytes of texts (allocated, *len bytes), or
 * NULL when doc cannot be encoded or both are longer than
 * API_INTAKE_MAX. */
char *api_intake_frame(const json_t *doc, const char *texts, size_t ntexts,
    size_t *len);
/* The lengths an API_INTAKE_HEADER-byte header announces; -1 when they
 * are past the bound or the document is empty. */
int api_intake_frame_lens(const unsigned char *hdr, size_t *doc,
    size_t *texts);
/* The request of n jobs (a new reference) and its texts (*texts, the
 * caller's, *ntexts bytes), or NULL if a string is not UTF-8 text. */
json_t *api_intake_request_encode(const struct store_job_new *, size_t n,
    bool append, char **texts, size_t *ntexts);
/* The reverse: *jobs (the caller frees the array) borrows every string
 * from req and texts, which must outlive it.  0, or -1 with *cause. */
int api_intake_request_decode(json_t *req, const char *texts, size_t ntexts,
    struct store_job_new **jobs, size_t *n, bool *append, char **cause);
json_t *api_intake_reply_encode(const int64_t *ids, size_t n);
/* The n ids of a reply into ids; 0, or -1 with *cause. */
int api_intake_reply_decode(const json_t *, int64_t *ids, size_t n,
    char **cause);

#endif
