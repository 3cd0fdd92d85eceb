/* Shared by the commands that act on job ids (cancel, hold, release). */
#ifndef CLI_JOBS_H
#define CLI_JOBS_H

#include "cli.h"

/* The ids named by arguments and --group; *ids is the caller's. */
int cli_jobs_ids(struct cli_ctx *, int, char **, const char *, int64_t **,
    size_t *);
/* Moves every named job to a state; returns an exit status. */
int cli_jobs_transition(struct cli_ctx *, int, char **, unsigned int,
    enum store_state, const char *);

#endif
