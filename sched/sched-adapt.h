/*
 * The loop's view of a stored job: what the policy needs from its spec, and
 * the objects to create for it.  Kept apart so that the loop does not know
 * the spec's JSON and the spec does not know the scheduler.
 */
#ifndef SCHED_ADAPT_H
#define SCHED_ADAPT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "sched.h"
#include "store.h"

/* What the loop reads from a job's spec, besides the store's columns. */
struct sched_spec {
	bool deployment;         /* workload: deployment, else a batch Job */
	bool interactive;        /* runs until cancelled or timed out */
	int64_t timeout_s;       /* 0: none */
	int64_t gang_timeout_s;  /* 0: the site default */
	int retries;
	int max_running;         /* of its group; 0: no limit */
	int max_gpus;            /* of its group at once; 0: no limit */
	char **types;            /* acceptable GPU types in order; NULL: any */
	size_t ntypes;
	char **after;            /* names or ids; NULL: none */
	size_t nafter;
	int64_t cpu_limit_milli;
	int64_t memory_limit_bytes;
	int nscratch;            /* scratch claims per pod */
	int nservices;           /* the headless one, and one for ports */
	int64_t scratch_bytes;   /* each */
};

/* Reads a stored job's spec; -1 with cause when it cannot be read. */
int sched_spec_read(const struct store_job *, struct sched_spec *,
    char **cause);
void sched_spec_release(struct sched_spec *);

/*
 * The same read from values at these JSON paths of the spec (as
 * store_spec_fields extracts them: text, 1/0 for booleans, JSON text for
 * arrays, NULL when absent), so that many jobs are read without parsing
 * their whole specs; v holds SCHED_SPEC_NFIELDS values in path order.
 */
#define SCHED_SPEC_NFIELDS 13
extern const char *const sched_spec_paths[SCHED_SPEC_NFIELDS];
int sched_spec_from_fields(const char *const *v, struct sched_spec *,
    char **cause);

/*
 * The objects to create for an attempt of a job on a GPU type, in creation
 * order (a JSON array of Kubernetes objects, the caller's), as `ailab-queue
 * render` shows them plus the placement: run_nodes (a node per rank,
 * comma-separated; NULL or "": none) holds each rank's pods on its node;
 * queue (the store's id) tags the objects as this queue's.
 */
json_t *sched_spec_render(const char *queue, const struct store_job *,
    int attempt, const char *gpu_type, const char *run_nodes, char **cause);

#endif
