/*
 * sched internals shared between the policy's files: the working state of
 * one pass (interned names, node buckets, reservations, failure memo, the
 * pass's context).
 */
#ifndef SCHED_INT_H
#define SCHED_INT_H

#include "sched.h"

#include "common.h"

/* An open-addressing table from a string (and a tag) to a small index. */
struct sched_intern {
	const char **keys;
	int32_t *tags;           /* e.g. the owner of a group name */
	uint32_t *hashes;
	int32_t *values;
	size_t cap;              /* power of two */
	size_t n;
};
void sched_intern_init(struct sched_intern *, size_t expected);
void sched_intern_release(struct sched_intern *);
/* The index of key, or -1. */
int32_t sched_intern_find(const struct sched_intern *, const char *);
/* The index of key, adding it with value next if absent (*added true). */
int32_t sched_intern_add(struct sched_intern *, const char *, int32_t next,
    bool *added);
/* The same for a (tag, key) pair. */
int32_t sched_intern_find_tag(const struct sched_intern *, const char *,
    int32_t tag);
int32_t sched_intern_add_tag(struct sched_intern *, const char *, int32_t tag,
    int32_t next, bool *added);

#define SCHED_TYPE_NAME_MAX 64
#define SCHED_ALL_TYPE 0         /* pseudo-type of every node, for CPU jobs */
#define SCHED_MAX_BUCKETS 1024

/* A GPU type (or the pseudo-type of all nodes), with nodes by free GPUs. */
struct sched_type {
	char name[SCHED_TYPE_NAME_MAX]; /* normalised */
	const char *product;     /* a node's label value */
	int32_t *nodes;          /* every node of the type */
	size_t nnodes;
	int nbuckets;
	int32_t *head;           /* per bucket: first usable node, or -1 */
	int first_res;           /* the first reservation on it, or -1 */
};

/* A node's working state during the pass. */
struct sched_nstate {
	int64_t free_cpu;
	int64_t free_mem;
	int64_t free_gpu;
	int type;                /* its GPU type, or -1 */
	bool usable;             /* schedulable, Ready, no taint against us */
	bool tainted;            /* a lasting NoSchedule/NoExecute taint */
	int res;                 /* reservation holding it, or -1 */
	int64_t spare_cpu;       /* room left at the reservation's start */
	int64_t spare_mem;
	int64_t spare_gpu;
	int32_t next[2];         /* bucket links: [0] own type, [1] all */
	int32_t prev[2];
	int bucket[2];
};

/* A release of resources on a node at a time (expected end of a job). */
struct sched_event {
	int64_t at;
	int32_t node;
	int32_t gpu;
	int64_t cpu;
	int64_t mem;
};

struct sched_resv {
	int64_t job_id;
	int type;
	int64_t start;
	size_t nnodes;
};

/* The shape of a gang; equal shapes fail alike within a pass. */
struct sched_shape {
	int type;
	int gpus;
	int replicas;
	int64_t cpu;
	int64_t mem;
};

/* Why a placement failed, with the numbers reasons show. */
struct sched_fail {
	int64_t room;            /* replicas that fit now, reservations kept */
	int64_t room_nores;      /* replicas that fit now, ignoring them */
	int64_t room_gpu;        /* replicas that fit by GPUs alone */
	int64_t room_ever;       /* replicas that fit the type when empty */
	int64_t best_gpu;        /* most free GPUs on a usable node */
	int resv;                /* the reservation in the way, or -1 */
};

struct sched_memo {
	struct sched_shape shape;
	int64_t min_end;         /* jobs ending at or after this fail too */
	struct sched_fail fail;
	bool failed;             /* a job of this shape failed this pass */
	bool used;
};

struct sched_pass_state {
	const struct sched_snapshot *snap;
	const struct sched_config *cfg;
	int64_t now;

	struct sched_type *types;
	size_t ntypes;
	struct sched_intern type_names;
	int32_t *types_by_name;  /* GPU types (not ALL) sorted by name */

	struct sched_nstate *ns;
	size_t nnodes;

	struct sched_event *events; /* running jobs' releases, sorted */
	size_t nevents;
	struct sched_event *pevents; /* this pass's admissions' releases */
	size_t npevents;
	size_t pevents_cap;
	size_t pevents_sorted;

	struct sched_resv *resv;
	size_t nresv;

	struct sched_memo *memo;
	size_t memo_cap;         /* power of two */
	size_t memo_n;

	/* scratch for placement and sweeps, sized by nodes */
	int32_t *pick;           /* node per replica */
	int32_t *cand;
	int64_t *cand_k;
	int64_t *sw_gpu;
	int64_t *sw_cpu;
	int64_t *sw_mem;
	uint32_t *sw_stamp;
	uint32_t stamp;

	size_t placements;
	size_t memo_hits;
};

/* sched-policy-nodes.c */
void sched_nodes_init(struct sched_pass_state *);
void sched_nodes_release(struct sched_pass_state *);
int sched_type_find(const struct sched_pass_state *, const char *);
/*
 * Places a gang on a type for a job ending at end (INT64_MAX: never) into
 * st->pick; 0 on success, else -1 with *fail filled.
 */
int sched_place(struct sched_pass_state *, const struct sched_shape *,
    int64_t end, struct sched_fail *fail);
/*
 * Takes the resources of the placement in st->pick; end is the job's kill
 * time (INT64_MAX: none), release when planning expects them back.
 */
void sched_commit(struct sched_pass_state *, const struct sched_shape *,
    int64_t end, int64_t release);
/*
 * The earliest time the gang fits on the type's unreserved nodes, from the
 * expected ends of running jobs; -1 if not within the window.  With commit,
 * records the reservation for job_id.
 */
int64_t sched_reserve(struct sched_pass_state *, const struct sched_shape *,
    int64_t job_id, bool commit);

/* A pass's working state beyond the nodes (sched-policy*.c). */
struct sched_qitem {
	int res;
	int64_t hard;
	int64_t used;
	const char *key;
};

struct sched_nsinfo {
	size_t qfirst;           /* in ctx->qorder */
	size_t nq;
	int64_t pending[SCHED_NRES];
	int64_t pass[SCHED_NRES];
};

struct sched_ord {
	int priority;
	int32_t owner;
	int32_t grp;
	int64_t submitted;
	int64_t id;
	uint32_t idx;
	bool starving;
};

/* An owner's jobs of one priority, waiting in submission order. */
struct sched_run {
	size_t pos;
	size_t end;
	int32_t owner;
	int32_t grp;
	bool starving;           /* the head job's key, kept here to compare */
	int64_t submitted;
	int64_t id;
};

struct sched_ctx {
	struct sched_pass_state st;
	const struct sched_snapshot *snap;
	const struct sched_config *cfg;
	struct sched_result *out;

	struct sched_intern owners;
	struct sched_intern groups;
	struct sched_intern nss;
	double *usage;           /* per owner, GPU-hours incl. commitments */
	double *gusage;          /* per (owner, group), likewise */
	int *group_admitted;
	int *group_gpus_admitted;  /* GPUs admitted this pass, per group */
	struct sched_nsinfo *ns;
	size_t *qorder;          /* quota indexes grouped by namespace */
	struct sched_qitem **qitems; /* per quota */
	int32_t *job_owner;
	int32_t *job_group;
	int32_t *job_ns;

	int64_t *lim;            /* owners x types, -1: none */
	int64_t *lim_used;
	size_t nowners;

	size_t *slot_off;        /* per decision, SIZE_MAX: none */
	size_t nslots;
	size_t slots_cap;
	int32_t *slots;          /* node index per admitted replica */

	struct sched_ord *ord;
	struct sched_run *heap;
	size_t nheap;

	size_t position;
	size_t tested;           /* placements tried since the 1st reservation */
	int64_t wake;            /* earliest time worth a pass */
	char untested[SCHED_REASON_MAX]; /* the reason past the depth */
	bool waiting;
	int64_t *blk_used;       /* per snapshot block: GPUs held on its type */
};

/* sched-policy.c */
/* Strings of the snapshot may be NULL; they then count as "". */
const char *sched_str(const char *);
/* Appends formatted text to a reason, truncating at its size. */
void sched_say(char *buf, size_t *off, const char *fmt, ...)
    printflike(3, 4);
/* Candidate times for the next pass; only the earliest counts. */
void sched_wake_at(struct sched_ctx *, int64_t at);

/* sched-policy-visit.c */
/* What runs on each blocked type now, against its max_gpus. */
void sched_blocks_init(struct sched_ctx *);
/* One job of the pass, in order: the checks, placement, reservation. */
void sched_visit(struct sched_ctx *, size_t idx, bool starving);

/* sched-policy-util.c */
int64_t sched_after(int64_t ms, int64_t seconds);
size_t sched_fmt_cpu(char *, size_t, int64_t);
size_t sched_fmt_bytes(char *, size_t, int64_t);
size_t sched_fmt_res(char *, size_t, int, int64_t);
size_t sched_fmt_time(char *, size_t, int64_t ms);
uint32_t sched_hash(const char *);

#endif
