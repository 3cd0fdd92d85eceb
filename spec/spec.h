/*
 * spec: job specs, from YAML text to validated jobs and to the Kubernetes
 * objects that run them.
 *
 * Pure: no database, no cluster, no scheduler.  Errors are collected, each
 * with the file, line and column libyaml saw, so a user sees every mistake
 * at once.  A validated job is recorded as one JSON text (the "stored
 * spec") holding everything the scheduler needs; spec_render_job_json turns
 * that text back into the exact objects `ailab-queue render` shows.
 */
#ifndef SPEC_H
#define SPEC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spec-contract.h"

/* Bounds on input, so that any file is read in bounded time and memory. */
#define SPEC_MAX_FILE_SIZE (1024 * 1024)
#define SPEC_MAX_DOCUMENTS 100000
#define SPEC_MAX_DEPTH 64
#define SPEC_MAX_STRING (64 * 1024)
#define SPEC_MAX_JOBS 100000
/* What one file may expand to, in bytes of stored spec JSON. */
#define SPEC_MAX_EXPANDED (256 * 1024 * 1024)
/* Diagnostics kept for one load; more are counted, not kept. */
#define SPEC_MAX_DIAGS 1000
/* How deep a chain of 'after' may be within one submission. */
#define SPEC_MAX_AFTER_DEPTH 10000
/* A job's base name is "<name>-<id>"; ids up to 10 digits and ranks up to 2
 * keep every object name and hostname within 63 characters. */
#define SPEC_MAX_NAME 48

/* The version of the stored spec JSON this build writes and reads. */
#define SPEC_JSON_VERSION 1

struct spec_diag {
	char *file;
	int line;                /* 1-based; 0 when the error has no place */
	int col;
	char *msg;
};

struct spec_diags {
	struct spec_diag *v;
	size_t n;
};
void spec_diags_release(struct spec_diags *);
/* "file:line:col: message", allocated; the caller frees it. */
char *spec_diag_format(const struct spec_diag *);

/*
 * The site profile: the cluster's conventions (GPU types and their node
 * labels, volumes, scratch, defaults and maxima).  Built in for ailab and
 * overridden key by key by site files.
 */
struct spec_site;
/* The built-in profile, then /etc/ailab-queue/site.yaml, then
 * $XDG_CONFIG_HOME/ailab-queue/site.yaml (~/.config when unset); a missing
 * file is skipped, a bad one is -1 with diags.  Free with spec_site_free. */
int spec_site_load(struct spec_site **, struct spec_diags *);
/* The built-in profile alone (never NULL); free with spec_site_free. */
struct spec_site *spec_site_builtin(void);
/* Applies one site file over a profile; 0 or -1 with diags. */
int spec_site_apply_file(struct spec_site *, const char *path,
    struct spec_diags *);
void spec_site_free(struct spec_site *);
/* limits.per_user.queued_jobs: the jobs one user may have queued (enforced
 * by the shared server at submit); 0: no limit. */
int64_t spec_site_user_max_queued(const struct spec_site *);
/* limits.per_user.running_gpus.<type> (also gpu_types.<type>.max_per_user):
 * the GPUs of that type one owner's admitted and running jobs may hold
 * together (enforced by the scheduler; a single job asking more is refused
 * at validation); 0: no limit, also for a type the site does not know. */
int spec_site_user_max_gpus(const struct spec_site *, const char *gpu_type);
/* The name of the site's i-th GPU type ("RTX4090D"), or NULL past the last,
 * for callers that walk the types (the scheduler's per-user limits). */
const char *spec_site_gpu_name(const struct spec_site *, size_t i);

/* What a caller adds to the spec files. */
struct spec_options {
	const char *default_namespace;   /* for specs that name none */
	const char *group;               /* --group: overrides the group name */
	const char *const *sets;         /* --set key=value, dotted keys */
	size_t nsets;
	const struct spec_site *site;    /* NULL: the built-in profile */
	/*
	 * The most jobs the file may expand to (0: SPEC_MAX_JOBS): a sweep's
	 * size (the product of its axes), a roster's rows and the jobs of
	 * every document are counted before any job is made, so a small file
	 * that would make too many is refused at the field that makes them.
	 */
	size_t max_jobs;
	/*
	 * Read no file besides the spec (a server): any file reference
	 * ('for_each.roster') is refused at its place, unless rosters
	 * gives its text under the name the spec writes, read by the client
	 * that had the file (spec_roster_refs, spec_roster_read).  Errors
	 * a row causes name that file as locally: file.csv:line:col.
	 */
	bool no_files;
	const struct spec_roster_data *rosters;
	size_t nrosters;
};

/* A roster given as data: the name for_each.roster writes, its text. */
struct spec_roster_data {
	const char *name;
	const char *text;
	size_t len;
};
/* The most rosters one submission may give as data. */
#define SPEC_MAX_ROSTERS 16
/* The largest roster file read (locally or for a server). */
#define SPEC_MAX_ROSTER_SIZE (8 * SPEC_MAX_FILE_SIZE)

/*
 * The files a spec text refers to (each for_each.roster, as written, each
 * once), so that a client can read them for a server that reads none:
 * *refs (allocated, its strings too; the caller frees both) gets at most
 * SPEC_MAX_ROSTERS + 1 of them.  A text that does not parse has none
 * (whoever parses it reports why).
 */
void spec_roster_refs(const char *name, const char *buf, size_t len,
    char ***refs, size_t *n);
/* Reads the roster ref names, relative to the spec file spec_path (as a
 * local load does), at most max bytes: 0 with *text (allocated, NUL
 * ended), or -1 with *cause naming the file. */
int spec_roster_read(const char *spec_path, const char *ref, size_t max,
    char **text, size_t *len, char **cause);

/* One validated, expanded job. */
struct spec_job {
	char *name;
	char *namespace;
	char *group;             /* NULL: not in a group */
	char *group_kind;        /* "sweep", "roster" or NULL */
	int priority;            /* 0..1000 */
	char *gpu_type;          /* "" (CPU), a type, "A,B" (a list), "any" */
	int gpu_count;           /* per replica */
	int replicas;
	int64_t cpu_milli;       /* per replica */
	int64_t memory_bytes;    /* per replica */
	/*
	 * The stored spec (compact JSON) is the spec_shared_len bytes of
	 * spec_shared followed by spec_own.  The fields every job of a
	 * template shares are written once and shared by its jobs (a
	 * 10,000-job sweep holds one 1 KB text, not 10,000 copies), so that
	 * the store keeps them once without looking for them; spec_shared is
	 * NULL (and spec_shared_len 0) when the job's text is all its own.
	 * Both are NUL-ended and the set's.  spec_job_json joins them.
	 */
	const char *spec_shared;
	size_t spec_shared_len;
	char *spec_own;
	char *file;              /* where it came from */
	int line;
};
/* A job's whole stored spec (allocated; the caller frees it). */
char *spec_job_json(const struct spec_job *);

struct spec_set {
	struct spec_job **jobs;
	size_t n;
	size_t bytes;            /* of stored spec, bounded by
				  * SPEC_MAX_EXPANDED */
	struct spec_chunk *mem;  /* the jobs' memory: spec-expand.c's alone */
};

/*
 * Reads every YAML document of a file as one job spec (a helm values file
 * included), expanding sweeps and rosters; options may be NULL (no
 * default namespace, the built-in site).  On any error returns -1 with
 * diags filled (and *out NULL); the caller releases diags either way and
 * frees *out with spec_set_free.  Rosters are read relative to path.
 *
 * spec_load_buffer is pure with no_files set: it touches no global state,
 * prints nothing and reads no file, and its time and memory are linear in
 * len (at most SPEC_MAX_FILE_SIZE) and in max_jobs.  Calls with their own
 * options and diags may run at once on several threads (the site is only
 * read); jansson's hash seed is set on the first JSON object made, so a
 * program that calls it from threads calls json_object_seed(0) first.
 */
int spec_load_file(const char *path, const struct spec_options *,
    struct spec_set **out, struct spec_diags *diags);
int spec_load_buffer(const char *name, const char *buf, size_t len,
    const struct spec_options *, struct spec_set **out,
    struct spec_diags *diags);
void spec_set_free(struct spec_set *);

/*
 * Checks `after` across the jobs of several sets (names within the same
 * submission): adds a diagnostic per cycle; 0 or -1.
 */
int spec_check_after(struct spec_set *const *, size_t, struct spec_diags *);

/* Is s a DNS label (RFC 1123: a namespace's or a Service's name) of at
 * most max characters?  The one check the spec, the CLI and the server
 * share. */
bool spec_is_dns_label(const char *s, size_t max);

/* What identifies one run of a stored job on the cluster. */
struct spec_run {
	/*
	 * The queue the job belongs to (its id in the store's meta), or NULL
	 * for a render outside any queue.  Objects carry it as a label, every
	 * selector includes it and names end with a tag taken from it, so
	 * two queues in one namespace never see or take each other's objects.
	 */
	const char *queue;
	int64_t job_id;
	int attempt;             /* 1 for the first run */
	const char *owner;
	const char *group;       /* NULL or "" for none */
	const char *gpu_type;    /* the type admitted on; NULL: any acceptable */
	/*
	 * Where the scheduler placed each rank (nnodes entries, NULL or ""
	 * where it did not say): pods are held there by a required node
	 * affinity on kubernetes.io/hostname, so the cluster runs the gang
	 * where the capacity was counted.  NULL: no placement.
	 */
	const char *const *nodes;
	size_t nnodes;
};

/*
 * The Kubernetes objects of one run of a stored job, in creation order (the
 * headless Service first, then the Deployments, one per rank, or the
 * Indexed Job), as a new JSON array the caller json_decref()s; NULL with
 * *cause (allocated) when spec_json is not a stored spec.
 */
json_t *spec_render_job_json(const char *spec_json, const struct spec_run *,
    char **cause);

#endif
