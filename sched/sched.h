/*
 * sched: the scheduler of ailab-queue.
 *
 * This header holds the policy part: a pure function from a snapshot of the
 * queue and the cluster to decisions (sched_pass).  It does no I/O, reads no
 * clock (the snapshot carries "now") and keeps no state between passes, so
 * it is tested with plain structs.  The loop that fills snapshots and
 * applies decisions lives beside it (sched-loop.c).
 *
 * Units: time in milliseconds since the epoch, durations in seconds where
 * the name says _s, CPU in millicores, memory in bytes, GPUs as integers.
 *
 * Ownership: every pointer in a snapshot belongs to the caller and must stay
 * valid while the result is used, since decisions point into it (node names,
 * GPU type names).  sched_pass allocates only the result, released by
 * sched_result_release; its scratch memory is freed before it returns.
 */
#ifndef SCHED_H
#define SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The node labels carrying a node's GPU type: ailab's own (the operators'
 * chart selects nodes by it, "RTX4090D"), else GPU Feature Discovery's
 * product name ("NVIDIA-GeForce-RTX-4090-D"); both normalise alike.
 */
#define SCHED_GPU_LABEL "gpu-model"
#define SCHED_GPU_LABEL_GFD "nvidia.com/gpu.product"

/*
 * The resources a ResourceQuota may count that ailab-queue's objects use.
 * A quota key maps to one of these (aliases included); other keys are not
 * touched by our objects and are ignored.
 */
enum sched_res {
	SCHED_RES_REQ_CPU = 0,   /* requests.cpu, cpu (millicores) */
	SCHED_RES_REQ_MEMORY,    /* requests.memory, memory (bytes) */
	SCHED_RES_LIM_CPU,       /* limits.cpu (millicores) */
	SCHED_RES_LIM_MEMORY,    /* limits.memory (bytes) */
	SCHED_RES_GPU,           /* requests.nvidia.com/gpu */
	SCHED_RES_PODS,          /* pods, count/pods */
	SCHED_RES_DEPLOYMENTS,   /* count/deployments.apps */
	SCHED_RES_REPLICASETS,   /* count/replicasets.apps (one per Deployment) */
	SCHED_RES_JOBS,          /* count/jobs.batch */
	SCHED_RES_SERVICES,      /* services, count/services */
	SCHED_RES_STORAGE,       /* requests.storage (bytes): scratch claims */
	SCHED_RES_PVCS,          /* persistentvolumeclaims, count/pvcs */
	SCHED_NRES
};

/* What a job is rendered as; decides which object counts it uses. */
enum sched_workload {
	SCHED_WORKLOAD_DEPLOYMENT = 0, /* one Deployment per replica set */
	SCHED_WORKLOAD_JOB             /* one batch Job */
};

/* The `after` dependencies of a job, resolved by the caller. */
enum sched_deps {
	SCHED_DEPS_NONE = 0,     /* no dependencies */
	SCHED_DEPS_SATISFIED,    /* every dependency succeeded */
	SCHED_DEPS_PENDING,      /* dep_job has not ended yet */
	SCHED_DEPS_FAILED        /* dep_job failed or was cancelled */
};

/* A queued (or held) job. */
struct sched_job {
	int64_t id;
	const char *owner;
	const char *namespace;
	const char *group;       /* NULL: no group */
	int group_max_running;   /* 0: no limit */
	int group_running;       /* the group's admitted or running jobs now */
	int group_max_gpus;      /* GPUs the group may hold at once; 0: no limit */
	int group_gpus;          /* GPUs its admitted or running jobs hold now */
	int priority;            /* 0..1000, higher first */
	int64_t submitted_at;    /* ms */
	/*
	 * Acceptable GPU types, in the user's order, as short names
	 * ("RTX4090D") or product labels ("NVIDIA-GeForce-RTX-4090-D"); both
	 * compare after sched_gpu_type_normalize.  ngpu_types 0 with gpus > 0
	 * means any type.  Ignored when gpus is 0 (a CPU job fits any node).
	 */
	const char *const *gpu_types;
	size_t ngpu_types;
	int gpus;                /* per replica */
	int replicas;            /* >= 1 */
	int64_t cpu_milli;       /* requests per replica */
	int64_t memory_bytes;    /* requests per replica */
	int64_t cpu_limit_milli; /* limits per replica; 0: as requested */
	int64_t memory_limit_bytes; /* limits per replica; 0: as requested */
	/* Claims made with each pod (generic ephemeral scratch volumes):
	 * nscratch of scratch_bytes each, per replica. */
	int nscratch;
	int64_t scratch_bytes;
	enum sched_workload workload;
	bool service;            /* rendered with a Service (distributed) */
	int64_t timeout_s;       /* hard run-time limit; 0: none */
	/*
	 * Estimated run time from the queue's history (the caller's choice
	 * of statistic); 0: none.  Without a timeout, a job whose estimate
	 * ends before a reservation starts may use the reserved room, and
	 * planning expects it back then.
	 */
	int64_t est_s;
	bool held;
	enum sched_deps deps;
	int64_t dep_job;         /* the dependency the reason names; 0: none
	                          * of the owner's jobs is dep_ref */
	const char *dep_ref;     /* the `after` entry as written */
	int64_t not_before;      /* ms; retry backoff, 0: none */
};

/* One key of a ResourceQuota, in canonical units (see enum sched_res). */
struct sched_quota_item {
	const char *key;         /* as in status.hard: "requests.cpu", "pods" */
	int64_t hard;
	int64_t used;
};

/* One ResourceQuota of a namespace (a namespace may have several). */
struct sched_quota {
	const char *namespace;
	const char *name;
	const struct sched_quota_item *items;
	size_t nitems;
};

/*
 * What this scheduler admitted in a namespace that the quota status may not
 * show yet; sched_job_quota_need gives one job's share.
 */
struct sched_pending {
	const char *namespace;
	int64_t amount[SCHED_NRES];
};

/* A site limit: at most max_gpus GPUs of a type held by one user. */
struct sched_user_limit {
	const char *owner;       /* NULL: applies to every owner */
	const char *gpu_type;
	int64_t max_gpus;
};

enum sched_taint_effect {
	SCHED_TAINT_NO_SCHEDULE = 0,
	SCHED_TAINT_PREFER_NO_SCHEDULE,
	SCHED_TAINT_NO_EXECUTE
};

struct sched_taint {
	const char *key;
	const char *value;
	enum sched_taint_effect effect;
};

struct sched_label {
	const char *key;
	const char *value;
};

/* A node as the API shows it; "requested" sums non-terminal pods on it. */
struct sched_node {
	const char *name;
	const char *gpu_product; /* label SCHED_GPU_LABEL; NULL: no GPUs */
	int64_t alloc_cpu_milli;
	int64_t alloc_memory_bytes;
	int alloc_gpus;
	int64_t req_cpu_milli;
	int64_t req_memory_bytes;
	int req_gpus;
	bool unschedulable;      /* spec.unschedulable (cordoned) */
	bool ready;              /* condition Ready is True */
	const struct sched_taint *taints;
	size_t ntaints;
	const struct sched_label *labels;
	size_t nlabels;
};

/*
 * A job this scheduler admitted that has not ended.  nodes[i] is the node of
 * replica i (NULL: not bound yet).  in_nodes false means its pods are not yet
 * in the nodes' requested amounts, so the policy subtracts them itself.
 */
struct sched_running {
	int64_t id;
	const char *owner;
	const char *gpu_type;    /* product label or short name; NULL: CPU */
	int gpus;                /* per replica */
	int replicas;
	int64_t cpu_milli;
	int64_t memory_bytes;
	const char *const *nodes;
	bool in_nodes;
	/*
	 * Per replica (NULL: in_nodes for all): true when that replica's pod
	 * is bound and so already in its node's requested amounts; false
	 * when the policy must subtract it at nodes[i] itself (admitted,
	 * pod not created or not bound yet: the capacity is assumed taken
	 * where the policy placed it, never handed out twice).
	 */
	const bool *counted;
	int64_t started_at;      /* ms (admission time if not started) */
	/*
	 * The now of the pass that admitted it (ms); 0: not known (another
	 * process admitted it).  Its planned end counts from the earlier of
	 * this and started_at, so it is fixed when it is admitted and only
	 * ever moves earlier: a start the cluster stamps later (to the
	 * second, and after the admission) never moves a reservation back,
	 * or each job backfilled to end with the last one would let the
	 * next do the same, a chain sliding the reservation back for as
	 * long as jobs keep coming (see docs/operations.md).
	 */
	int64_t admitted_at;
	int64_t timeout_s;       /* 0: none; the end is then estimated */
	int64_t est_s;           /* estimated run time; 0: none */
	/*
	 * > 0: the job has ended and its pods are being deleted; they hold
	 * their nodes until then, expected at this time (ms).  Such an
	 * entry only takes and releases room: no fair-share charge, no
	 * user limit.
	 */
	int64_t ends_at;
	const char *group;       /* NULL: none */
};

/*
 * Decayed usage in GPU-hours (see sched_usage_update): of an owner when
 * group is NULL, else of that group of the owner, which orders the owner's
 * groups among themselves (jobs without a group form one more group).
 */
struct sched_usage {
	const char *owner;
	double gpu_hours;
	const char *group;
};

/*
 * A GPU type the caller judged full without seeing nodes (one of its pods
 * asking for it was Unschedulable for GPUs).  Until then, jobs go on it
 * only while the GPUs of the running entries and admissions on the type
 * stay within max_gpus (what ran there when it was judged full: a job of
 * ours that ends makes room for one more); after until, it is tried
 * freely again.
 */
struct sched_type_block {
	const char *gpu_type;    /* short name or product label */
	int64_t until;           /* ms */
	int64_t max_gpus;
	const char *why;         /* for reasons; may be NULL */
};

struct sched_snapshot {
	int64_t now;             /* ms */
	const struct sched_job *jobs;
	size_t njobs;
	const struct sched_quota *quotas;
	size_t nquotas;
	const struct sched_pending *pending;
	size_t npending;
	const struct sched_user_limit *limits;
	size_t nlimits;
	/*
	 * false (namespace-only credentials): admit on quota alone, choosing
	 * a concrete GPU type for "any" among site_types in order, and
	 * skipping the types in blocked until their time.
	 */
	bool nodes_readable;
	const char *const *site_types; /* short names, the site's order */
	size_t nsite_types;
	const struct sched_type_block *blocked;
	size_t nblocked;
	const struct sched_node *nodes;
	size_t nnodes;
	const struct sched_running *running;
	size_t nrunning;
	const struct sched_usage *usage;
	size_t nusage;
};

/* Tunables; sched_config_default fills the recommended values. */
struct sched_config {
	int64_t tau_commit_s;    /* usage charged per running GPU, as seconds */
	int64_t default_duration_s; /* planned run time of a job w/o timeout */
	int64_t window_s;        /* no reservation starts later than this */
	int64_t starve_s;        /* waiting longer moves a job up; 0: off */
	size_t max_reservations; /* K_RES */
	size_t max_job_test;     /* placements tried after the 1st reservation */
	size_t max_admit;        /* admissions per pass (what the caller can
				  * create at once); 0: no limit */
};
void sched_config_default(struct sched_config *);

enum sched_verdict {
	SCHED_VERDICT_ADMIT = 0, /* create it now, on nodes[] */
	SCHED_VERDICT_WAIT,      /* keep it queued; reason says why */
	SCHED_VERDICT_NEVER      /* can never run as asked; caller may fail it */
};

#define SCHED_REASON_MAX 200

struct sched_decision {
	int64_t job_id;
	enum sched_verdict verdict;
	size_t position;         /* 1-based place in this pass's order */
	/*
	 * Admitted: the type chosen, as the job spelled it (for "any", the
	 * node's label), and the product label to select nodes with (NULL
	 * for CPU jobs and when nodes are unreadable).
	 */
	const char *gpu_type;
	const char *gpu_product;
	/* Admitted: node name per replica; NULL when nodes are unreadable. */
	const char *const *nodes;
	/* Waiting with a reservation: its planned start (ms); else 0. */
	int64_t reserved_start;
	char reason[SCHED_REASON_MAX];
};

struct sched_reservation {
	int64_t job_id;
	const char *gpu_product;
	int64_t start;           /* ms, the shadow time */
	size_t nnodes;
};

struct sched_result {
	/* One decision per snapshot job, in snapshot order. */
	struct sched_decision *decisions;
	size_t ndecisions;
	/* Indexes into decisions of admitted jobs, in admission order. */
	size_t *admitted;
	size_t nadmitted;
	struct sched_reservation *reservations;
	size_t nreservations;
	/* Delay in ms until a pass may admit more; -1: only on an event. */
	int64_t next_pass_ms;
	/* Placements tried (not memoised) and memo hits, for benchmarks. */
	size_t placements;
	size_t memo_hits;
	const char **node_slots; /* storage behind decisions[].nodes */
};

/*
 * One scheduling pass: fills *out (the caller releases it with
 * sched_result_release, also after -1).  Returns -1 with *cause (allocated,
 * caller frees) only for a snapshot that breaks the contract above.  A NULL
 * config means sched_config_default.
 *
 * Order: priority; then the owner's decayed GPU-hours plus tau_commit_s
 * per running GPU (charged again at each admission, so owners alternate);
 * then the group's among the owner's groups; then submission and id.  A
 * job older than starve_s goes first within its priority.
 * Checks, in order: held, dependencies, backoff, group max_running, every
 * ResourceQuota of the namespace (hard - used - pending - this pass), then
 * per type in the user's order the site's per-user limit and an exact gang
 * fit on usable nodes (Ready, schedulable, no NoSchedule/NoExecute taint).
 * Reservations: each of the first max_reservations jobs blocked by
 * capacity (never by quota) reserves nodes at the earliest time running
 * jobs' ends (their timeout, else an estimate, from admitted_at when
 * known) free enough room.  A later
 * job may use a reserved node only if its timeout ends before that time or
 * it fits beside what the reservation needs; a job without a timeout thus
 * never takes reserved room.  After the first reservation at most
 * max_job_test jobs try placement; the rest say so.
 * At most max_admit jobs are admitted; the rest wait for the next pass,
 * which is asked for at once.
 * NEVER: invalid request, failed dependency, more than a quota's hard
 * limit or a user limit, no node of its types, or a gang larger than the
 * type holds when empty (NotReady and cordoned nodes count, as they return).
 */
int sched_pass(const struct sched_snapshot *, const struct sched_config *,
    struct sched_result *out, char **cause);
void sched_result_release(struct sched_result *);

/* What one job adds to its namespace's quota usage, all replicas. */
void sched_job_quota_need(const struct sched_job *, int64_t need[SCHED_NRES]);

/* The resource a quota key counts, or -1 for keys our objects never use. */
int sched_res_of_key(const char *key);

/*
 * Writes the comparable form of a GPU type into buf: "NVIDIA-GeForce-RTX-
 * 4090-D" and "RTX4090D" both become "RTX4090D", never "RTX4090".
 */
void sched_gpu_type_normalize(const char *, char *buf, size_t len);

/*
 * Decayed usage after elapsed_ms, charging gpus held throughout: the exact
 * integral of gpus * 2^(-age/half_life), in GPU-hours.
 */
double sched_usage_update(double gpu_hours, double gpus, int64_t elapsed_ms,
    int64_t half_life_ms);

#endif
