/*
 * store-ui: the queries behind the dashboard's aggregates beyond
 * store-server.h: GPU time used in a window of time.  Additions only.
 */
#ifndef STORE_UI_H
#define STORE_UI_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* GPU-milliseconds one owner's jobs of one group on one GPU type used. */
struct store_gpu_use {
	char *owner;
	char *group;             /* or NULL */
	char *gpu_type;          /* the type run on */
	double gpu_ms;
};

/*
 * The GPU time of jobs that ran in [since, until), per owner, group and
 * type: each job's GPUs (count times replicas) from its start to its end
 * (or until, while it runs), clipped to the window.  A retried job counts
 * from its last start.  viewer and viewer_namespaces as in struct
 * store_view (NULL viewer: every job).  *out is freed with
 * store_gpu_use_free.
 */
int store_gpu_use(struct store *, int64_t since, int64_t until,
    const char *viewer, const char *viewer_namespaces,
    struct store_gpu_use **out, size_t *n, char **cause);
void store_gpu_use_free(struct store_gpu_use *, size_t);

#endif
