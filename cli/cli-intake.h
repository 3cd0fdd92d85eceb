/*
 * A local submit handed to the running scheduler of its queue.  Starting
 * SQLite costs a one-job submit more than everything else it does (the
 * open, the WAL index rebuilt when no other process holds it, the schema
 * read): a scheduler that runs as a loop has it all open, so it also
 * listens on a Unix socket beside the queue file, "<db>.sock" (<db> with
 * symbolic links resolved, as "<db>.wake"), and submit hands it the jobs
 * it validated, as sbatch hands slurmctld its job.  The scheduler runs the
 * store's checks and store_submit, replies the ids once committed, and
 * starts a pass.  The frame and the JSON: api/api-intake.c.
 */
#ifndef CLI_INTAKE_H
#define CLI_INTAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"

/* The socket's path beside a queue file's real path (the caller frees
 * it). */
char *cli_intake_path(const char *real_path);

/*
 * cli-intake.c, the queue front's half.  cli_intake_connect: a connection
 * to the scheduler of ctx's queue, or -1 when none takes submissions (no
 * socket, nobody listening, another user's, $AILAB_QUEUE_INTAKE=0); *pid
 * is the scheduler's.  Made before the files are read, so that the queue
 * front linked whole knows at once whether it needs the owner's name
 * (cli-passwd.c).  cli_intake_submit hands n validated jobs (a NULL owner
 * is the scheduler's own user, who is the caller's) to it over fd, which
 * it closes.  -1 when it took nothing (fd -1, the scheduler gone, a
 * request too large): nothing was sent, and the caller writes the queue
 * itself.  0 when the scheduler had the request: *status is CLI_EXIT_OK
 * with ids (n entries, the caller's) filled, or the exit status of the
 * error printed, which after a request sent and no reply says the jobs
 * may have been queued.
 */
int cli_intake_connect(struct cli_ctx *, long *pid);
int cli_intake_submit(struct cli_ctx *, int fd, const struct store_job_new *,
    size_t n, bool append, int64_t *ids, int *status, long pid);

/*
 * cli-intake-serve.c, the scheduler's half, on base: listens on the
 * socket of s's queue, made afresh 0600 (one a dead scheduler left is
 * replaced: call it only while holding the scheduler lock), takes a
 * request a connection from the scheduler's own user (others refused,
 * logged), and calls kick(arg) after each commit.  0 with *out (NULL when
 * the path is too long for a socket: logged, submits write the queue
 * themselves), or -1 with *cause when anything but a socket is at the
 * path or it cannot be made.  cli_intake_free closes every connection
 * and removes the socket if it is still the one made.
 */
struct cli_intake;
struct event_base;
int cli_intake_listen(struct store *, struct event_base *,
    void (*kick)(void *), void *arg, struct cli_intake **out, char **cause);
void cli_intake_free(struct cli_intake *);

#endif
