/*
 * store-ui: the queries behind the dashboard's aggregates beyond
 * store-server.h: GPU time used in a window of time.  Additions only.
 */
#ifndef STORE_UI_H
#define STORE_UI_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "store.h"

/* The longest owner name a usage report is asked for. */
#define STORE_USAGE_MAX_OWNER 253

/* A usage window's canonical name ("24h", "7d", "30d") and length in
 * *ms, or NULL if name is none of them. */
const char *store_usage_window(const char *name, int64_t *ms);

/*
 * The usage document of GET /v1/usage (docs/api.md) over [since, until):
 * GPU-hours per user, per (group, owner) and per GPU type, their total,
 * and the fair-share record (decayed GPU-hours) of the owners the viewer
 * may see.  viewer and viewer_namespaces as in struct store_view (NULL
 * viewer: everyone); owner, if not NULL, keeps that owner's rows only.
 * Shared by the server and `ailab-queue usage` so both count alike.
 */
int store_usage_report(struct store *, const char *window, int64_t since,
    int64_t until, const char *viewer, const char *viewer_namespaces,
    const char *owner, json_t **out, char **cause);

#endif
