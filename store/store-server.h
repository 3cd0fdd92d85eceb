/*
 * store-server: the queries the shared queue's server needs beyond store.h:
 * the jobs a user may see (with paging), how many jobs a user has waiting,
 * the queue's event log across jobs (for the event stream and metrics), and
 * counts by state and GPU type.  Additions only; store.h is unchanged.
 */
#ifndef STORE_SERVER_H
#define STORE_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct store_view {
	/* What the caller asked for, as in struct store_filter. */
	unsigned int states;     /* bits (1 << state); 0: see all */
	bool all;                /* include ended jobs when states == 0 */
	const char *name;        /* glob or NULL */
	const char *group;       /* exact or NULL */
	const char *group_owner; /* whose group 'group' is, or NULL: any */
	const char *owner;       /* exact or NULL */
	const char *namespace;   /* exact or NULL */
	int64_t after_id;        /* paging: ids greater than this */
	size_t limit;            /* 0: no limit */
	/* Who may see what: NULL viewer sees every job; otherwise the
	 * viewer's own jobs and those in the comma-separated namespaces. */
	const char *viewer;
	const char *viewer_namespaces;   /* ",ns1,ns2," or NULL */
};

/* The jobs matching a view, by id, streamed to fn as store_list_each
 * does (what: STORE_ROW_*), in one query. */
int store_view_each(struct store *, const struct store_view *, int what,
    store_row_fn fn, void *arg, char **cause);

/* How many jobs of an owner wait (queued or held). */
int store_owner_waiting(struct store *, const char *owner, int64_t *n,
    char **cause);

/* One entry of the queue's event log, with what filters and metrics need. */
struct store_log_entry {
	int64_t seq;             /* the event's id: a cursor */
	int64_t job_id;
	struct store_event ev;
	char *owner;
	char *namespace;
	int64_t submitted_at;
};
/* Entries after seq (at most limit), oldest first; free with
 * store_log_free. */
int store_log_since(struct store *, int64_t after, size_t limit,
    struct store_log_entry **, size_t *n, char **cause);
void store_log_free(struct store_log_entry *, size_t);
/* The smallest and largest seq still kept (0, 0 when none). */
int store_log_bounds(struct store *, int64_t *first, int64_t *last,
    char **cause);

/* Jobs per state and GPU type ("" for CPU jobs). */
struct store_count {
	enum store_state state;
	char *gpu_type;
	int64_t n;
};
int store_counts(struct store *, struct store_count **, size_t *,
    char **cause);
void store_counts_free(struct store_count *, size_t);

#endif
