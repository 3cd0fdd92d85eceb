/*
 * What a job's pods and workload objects say about it, read from their
 * Kubernetes JSON: whether the gang runs, has ended and how, or waits and
 * why.  Pure: objects in, an observation out; the loop acts on it.
 */
#ifndef SCHED_OBSERVE_H
#define SCHED_OBSERVE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

enum sched_obs_state {
	SCHED_OBS_PENDING,       /* not every replica runs yet */
	SCHED_OBS_RUNNING,       /* every replica runs or has finished */
	SCHED_OBS_SUCCEEDED,     /* every replica exited 0 */
	SCHED_OBS_FAILED,        /* a replica failed: exit code and reason */
	SCHED_OBS_LOST,          /* a pod was evicted or lost: run it again */
};

struct sched_obs_replica {
	bool seen;               /* a pod exists for this rank */
	bool running;
	bool done;
	bool has_exit_code;
	int exit_code;
	const char *pod;         /* borrowed from the pod JSON */
	const char *node;
	const char *reason;      /* terminated reason, e.g. OOMKilled */
};

struct sched_obs {
	enum sched_obs_state state;
	int replicas;
	int running;             /* replicas running or done */
	int done;
	bool has_exit_code;
	int exit_code;           /* the failed replica's, or 0 on success */
	bool unschedulable;
	/* A pod is Unschedulable for lack of GPUs ("Insufficient
	 * nvidia.com/gpu" in the scheduler's message), since this time (the
	 * condition's lastTransitionTime, cluster clock; 0: not said). */
	bool unschedulable_gpu;
	int64_t unschedulable_since;
	bool image_pull_failing;
	bool quota_refused;
	char *reason;            /* allocated; why it waits, failed or was lost */
	struct sched_obs_replica *ranks;   /* replicas entries */
};

/*
 * Reads the pods of one job (a JSON array, any order, possibly with old
 * pods being deleted) and its workload objects (Deployments or the Job, a
 * JSON array, may be empty).  deployment says which workload the job uses.
 * Fills out; release it with sched_obs_release.
 */
int sched_observe(const json_t *pods, const json_t *workloads, int replicas,
    bool deployment, struct sched_obs *out);
void sched_obs_release(struct sched_obs *);

#endif
