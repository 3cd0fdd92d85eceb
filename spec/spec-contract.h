/*
 * spec-contract: the object contract between ailab-queue and its cluster,
 * in one place.  The labels and annotations every rendered object carries,
 * the selector of a job's objects, how a pod says its rank and attempt,
 * and how a finished run reports its exit code (the Deployment wrapper's
 * termination message).  The scheduler, `logs`, `exec` and the server
 * find a job's pods with these functions and nothing else.
 *
 * Pure: JSON objects in, answers out.  Nothing here is known to
 * ailab-kubesim, which tests drive through its own generic pod knobs
 * (docs/kubesim.md).
 */
#ifndef SPEC_CONTRACT_H
#define SPEC_CONTRACT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* The labels that tie an object to a queue and a job. */
#define SPEC_LABEL_MANAGED "app.kubernetes.io/managed-by"
#define SPEC_MANAGER "ailab-queue"       /* SPEC_LABEL_MANAGED's value */
#define SPEC_LABEL_QUEUE "ailab-queue.io/queue"
#define SPEC_LABEL_JOB "ailab-queue.io/job-id"
#define SPEC_LABEL_RANK "ailab-queue.io/rank"
#define SPEC_LABEL_ATTEMPT "ailab-queue.io/attempt"
#define SPEC_LABEL_GROUP "ailab-queue.io/group"
#define SPEC_LABEL_OWNER "ailab-queue.io/owner"
/* The attempt, also as a pod annotation (for the Downward API). */
#define SPEC_ANNOTATION_ATTEMPT "ailab-queue.io/attempt"
/* An Indexed Job pod's rank (an annotation; a label since 1.28). */
#define SPEC_INDEX_ANNOTATION "batch.kubernetes.io/job-completion-index"

/*
 * The Deployment wrapper's completion contract: it runs the command once,
 * keeps "exit" in the emptyDir SPEC_STATE_VOLUME (mounted at
 * SPEC_STATE_DIR) so that a restarted container only waits, and writes
 * SPEC_EXIT_MARKER<code> to the container's termination message, which
 * the kubelet reports in status.containerStatuses[].lastState.terminated.
 */
#define SPEC_EXIT_MARKER "ailab-queue-exit="
#define SPEC_STATE_VOLUME "ailab-state"
#define SPEC_STATE_DIR "/ailab-state"
#define SPEC_TERMINATION_LOG "/dev/termination-log"

/* The shell script a Deployment's container runs around the user's command
 * (passed as "$@"): runs it once, records its exit code, then only waits. */
extern const char spec_wrapper_script[];

/* The label selector of every object of one job of one queue
 * (allocated): what logs, cleanup and the scheduler list by. */
char *spec_job_selector(const char *queue, int64_t job_id);
/* The rank a pod of ours runs: its rank label (Deployments) or its
 * completion index (Indexed Jobs); -1 when it has neither. */
int spec_pod_rank(const json_t *pod);
/* The pods of one attempt among a job's pods, in their order, as a new
 * array (the caller json_decref()s it). */
json_t *spec_attempt_pods(const json_t *pods, int attempt);
/* Among a job's pods, the one of this rank in this attempt (the newest
 * when several); NULL when there is none.  Borrowed from pods. */
json_t *spec_pick_pod(const json_t *pods, int rank, int attempt);
/* True if the pod's container has a finished run kept as its previous
 * one (the wrapper's command ended and it restarted): its log is the
 * previous container's. */
bool spec_pod_has_previous_run(const json_t *pod);
/* The exit code of a finished run (a containerStatuses[].state.terminated
 * or lastState.terminated object): the wrapper's marker in its message,
 * else its exitCode; 0, or -1 when term says no exit. */
int spec_run_exit_code(const json_t *term, int *code);

#endif
