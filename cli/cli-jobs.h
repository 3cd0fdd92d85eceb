/* Shared by the commands that act on job ids (cancel, hold, release). */
#ifndef CLI_JOBS_H
#define CLI_JOBS_H

#include "cli.h"

/* The ids named by arguments and --group; *ids is the caller's. */
int cli_jobs_ids(struct cli_ctx *, int, char **, const char *, int64_t **,
    size_t *);
/* Cancels, holds, releases or retries the jobs named by arguments and
 * --group on the run's queue; returns an exit status. */
int cli_jobs_act(struct cli_ctx *, int, char **, enum cli_queue_act);

struct spec_set;
/* The store's view of the jobs of loaded spec sets (see cli-jobs.c). */
struct store_job_new *cli_jobs_from_sets(struct spec_set **, int, bool,
    size_t *);
/* Removes a directory tree the command made (no shell involved). */
void cli_remove_tree(const char *);
/*
 * Validates and queues every job of the files, all or nothing, printing
 * diagnostics; with ids non-NULL, *ids (the caller's) and *n get the new
 * ids.  Returns an exit status.
 */
int cli_submit_files(struct cli_ctx *, int, char **, int64_t **, size_t *);

/* Follows jobs until all end, with progress on a terminal; returns 0 if
 * all succeeded, 1 if not, 3 on timeout (timeout_s 0: none). */
int cli_wait_jobs(struct cli_ctx *, const int64_t *, size_t, int64_t);

#endif
