/*
 * sched-loop internals, shared by the loop's rooms:
 *
 *	sched-loop.c      the loop: timers, wake-ups, lifecycle, the pass's
 *	                  phases and the periodic chores, in one place
 *	sched-cache.c     the cluster, as watches keep it (sched-cache.h)
 *	sched-queue.c     the queue in memory across passes, kept by what
 *	                  changed in the store, and a table by job id
 *	sched-jobs.c      what is derived of each job: specs, estimates,
 *	                  its objects in the cache
 *	sched-snap.c      the snapshot: cache + store -> the policy's input
 *	sched-snap-run.c  its entries of the jobs holding room, steady ones kept
 *	sched-usage.c     fair-share usage, decayed and charged
 *	sched-apply.c     the policy's decisions -> store moves and creates
 *	sched-follow.c    observed pods -> job states
 *	sched-teardown.c  teardown, orphans, pruning
 *	sched-blocks.c    the sight, and GPU types judged full without it
 *	sched-ops.c       effects, real or reported (dry run)
 *
 * Every effect on the store or the cluster that a dry run must not make
 * goes through loop->ops.
 */
#ifndef SCHED_LOOP_INT_H
#define SCHED_LOOP_INT_H

#include <event2/util.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common.h"
#include "kube.h"
#include "sched.h"
#include "sched-adapt.h"
#include "sched-cache.h"
#include "sched-loop.h"
#include "sched-map.h"
#include "sched-observe.h"
#include "sched-strs.h"
#include "spec.h"
#include "store.h"

#define SCHED_ATTEMPT_LABEL SPEC_LABEL_ATTEMPT
#define SCHED_QUEUE_LABEL SPEC_LABEL_QUEUE
#define SCHED_JOB_LABEL SPEC_LABEL_JOB
#define SCHED_LOG_TAIL_LINES 100000
/* A gang with a pod Unschedulable for GPUs this long (cluster clock) is
 * given back: it holds quota and runs nothing. */
#define SCHED_UNSCHED_GRACE_MS (30 * 1000)
/* A pod of ours seen before its quota's change is counted as in flight
 * at most this long (the two come on separate watches). */
#define SCHED_QUOTA_GRACE_MS 2000

/* What the loop can see of the cluster. */
enum sched_sight {
	SCHED_SIGHT_UNKNOWN = 0,
	SCHED_SIGHT_INFORMED,        /* nodes and every pod */
	SCHED_SIGHT_NAMESPACE        /* a user's own namespaces only */
};

/* A GPU type judged full without seeing nodes. */
struct sched_block {
	char *type;                  /* short name */
	int64_t until;               /* cluster ms */
	char *why;
	int strikes;                 /* judgements in a row */
	int64_t max_gpus;            /* ours that ran there when judged */
	int probes;                  /* widenings since the judgement */
};

/*
 * What the loop keeps of one job across passes: the scheduler's part of its
 * spec, parsed once (the spec text never changes after submission; the
 * revision is the job's updated_at, so a changed job is read again), and
 * where the job sits in this pass's list.
 */
struct sched_centry {
	int64_t id;
	int64_t rev;
	struct store_job *job;       /* in loop->jobs */
	bool parsed;                 /* sp (or cause) is filled */
	bool ok;
	struct sched_spec sp;
	char *cause;                 /* why the spec cannot be read */
	uint64_t est_gen;            /* estimate below is of this generation */
	int64_t est_s;
	const char *est_basis;       /* a reference of loop->strs */
	/* A running job found running whole, with nothing to do: not
	 * followed again until its objects or its row change, its deadline
	 * (cluster ms; 0: none) is due, or a resync. */
	bool steady;
	int64_t due;
	struct sched_crun *run;      /* its snapshot entry, while steady */
	/* The pass's now when this process admitted attempt plan_attempt
	 * (0: it did not): the policy plans the run's end from it
	 * (sched.h, admitted_at).  Kept when the entry is read again. */
	int64_t plan_at;
	int plan_attempt;
};

/* Every running job is followed at least every this many intervals
 * (30 s at the default 2 s), whatever the change events said: each pass
 * follows a slice of them, in order of id, sized to that pace. */
#define SCHED_RESYNC_INTERVALS 15
/* ... in slices of at least this many (all of them at once when fewer
 * than twice as many run, as before the slices). */
#define SCHED_RESYNC_MIN 8

/* The resync's sweep over the running jobs by id: what this pass takes,
 * the ids in (lo, hi], or above lo and up to hi when it wraps round. */
struct sched_resync {
	int64_t at;                  /* when the last pass counted, local ms */
	double owed;                 /* jobs behind the pace (< 0: ahead) */
	size_t nrun;                 /* running jobs this pass */
	size_t n;                    /* in this pass's slice; 0: none */
	int64_t lo, hi;
	bool wrap;
};

/* A steady running job's snapshot entry, kept until it is followed
 * again: where each replica runs (bound, counted in its node) and when
 * it started, as the last snapshot found them. */
struct sched_crun {
	int replicas;
	char **nodes;
	int64_t started_at;
};

/* An open-addressing table of entries by job id, kept across passes
 * with the queue. */
struct sched_jtab {
	struct sched_centry **v;     /* NULL: empty */
	size_t cap;                  /* 0 or a power of two */
	size_t used;                 /* slots not empty, removed ones too */
	struct sched_strs *strs;     /* the loop's, for est_basis */
};

/* What a pass learned about one namespace. */
struct sched_ns {
	char *name;
	bool failed;                 /* not (yet) readable: do not act here */
	bool forbidden;              /* ... because the user may not */
	char *error;
};

/* What the store knows of the jobs an `after` names, asked once a pass. */
struct sched_depmemo {
	size_t n;
	int64_t *ids;                /* oldest first */
	enum store_state *states;
};

/* A group's decayed GPU usage, kept in memory across passes. */
struct sched_gusage {
	char *owner;
	char *group;
	double gpu_ms;
	int64_t at;                  /* cluster ms of the last decay */
	double live;                 /* GPUs its running jobs hold now */
	bool seen;                   /* has a waiting or running job */
};

/* Each owner's decayed usage, read from the store by the first pass and
 * kept across passes (see sched_snap_usage). */
struct sched_ousage {
	struct store_usage *v;       /* gpu_ms decayed to at */
	double *live;                /* GPUs charged to each last pass */
	size_t n;
	struct sched_map map;        /* owner -> index */
	bool loaded;
	bool dirty;                  /* news the store has not got */
};

/* A reason to write for a job (and its place in the order, or 0, and
 * its reservation's planned start, or 0). */
struct sched_reason {
	struct store_job *job;       /* takes text once it is written */
	int64_t id;
	int64_t position;
	int64_t start;
	const char *text;            /* a reference of loop->strs */
};

/* What follows a teardown's deletes. */
enum sched_after {
	SCHED_AFTER_CLEANED,         /* mark the job cleaned */
	SCHED_AFTER_REQUEUE,         /* back to the queue, then cleaned */
};

struct sched_loop;

/*
 * The loop's effects that a dry run (cleanup --dry-run) reports instead
 * of making: sched_ops_real makes them, sched_ops_dry says what it would
 * do.  Functions returning int give 0 or -1 (with *cause, or NULL when
 * nothing was done for want of trying: a dry run).
 */
struct sched_ops {
	/* Records moves in one transaction, each with its result. */
	int (*transitions)(struct sched_loop *, struct store_move *, size_t,
	    char **cause);
	/* Records one move with its extra fields. */
	int (*transition)(struct sched_loop *, const struct store_job *,
	    enum store_state to, const char *reason,
	    const struct store_change *, char **cause);
	/* Keeps a piece of the loop's state in the queue (store meta). */
	void (*meta_set)(struct sched_loop *, const char *key,
	    const char *value);
	/* Tears a job down: logs kept, objects deleted, then recorded. */
	void (*teardown)(struct sched_loop *, const struct store_job *,
	    const struct sched_obs *, enum sched_after, const char *reason,
	    int64_t not_before);
	/* Deletes one of our objects whose job is gone (what: its kind). */
	void (*delete_orphan)(struct sched_loop *, enum kube_kind,
	    const char *what, const json_t *obj, const char *ns, int64_t id);
	/* Removes the records of jobs that ended before cutoff, and says
	 * how many. */
	void (*prune)(struct sched_loop *, int64_t cutoff);
};
extern const struct sched_ops sched_ops_real;
extern const struct sched_ops sched_ops_dry;

struct sched_loop {
	struct event_base *base;
	struct store *store;
	struct kube_client *kube;
	struct sched_loop_opts opts;
	const struct sched_ops *ops;
	struct spec_site *own_site;  /* loaded when opts.site is NULL */
	struct sched_user_limit *limits; /* from the site, for every owner */
	size_t nlimits;
	struct event *timer;
	int64_t armed_at;            /* when the timer fires, local ms */
	int64_t due_at;              /* the pass a kick, the policy or the
				      * interval asked for (INT64_MAX: none) */
	int64_t sub_first;           /* the first submission no pass has
				      * read yet, local ms (0: none) */
	int64_t sub_last;            /* the last submission, local ms */
	struct sched_cache *cc;      /* the cluster, as the watches keep it */
	struct event *gather_ev;     /* checks whether the pass may act */
	struct kube_request *clock_req; /* GET /version in flight, or NULL */
	int64_t *chore_at;           /* per chore: when it last ran, local ms */

	bool in_pass;
	bool gathering;              /* waiting for the cache or the clock */
	bool kicked;
	bool stopping;
	bool stopped;
	bool aborted;                /* sched_loop_abort: callbacks dropped */
	bool failed;
	int inflight;
	struct sched_req *reqs;      /* this pass's requests in flight */
	int64_t pass_start;
	int64_t pass_cpu;            /* process CPU ms at its start */
	int64_t gather_start;
	bool cluster_failed;         /* nodes or pods: no admissions */
	bool nodes_ok;               /* nodes readable and listed */
	bool pods_ok;                /* every pod readable and listed */
	/* Why this pass follows every running job ("resync", "relist"),
	 * or NULL: only those changed or due, and the resync's slice. */
	const char *follow_all;
	struct sched_resync resync;

	/* The queue, kept across passes by id and brought up to date at
	 * the start of each from what changed in the store since the last
	 * (cursor). */
	struct store_job **jobs;
	size_t njobs;
	struct store_cursor cursor;
	/* The strings the queue's jobs repeat (owner, namespace, group,
	 * GPU types, reason, nodes), held once: a job's own are swapped for
	 * these as it joins (sched_job_own) and given back as it leaves. */
	struct sched_strs strs;
	bool queue_stale;            /* a write failed: read it all again */
	struct sched_jtab jtab;      /* an entry per job of jobs[] */
	/* Decayed usage of each owner's groups, in memory only (groups are
	 * short-lived): "owner\tgroup" -> struct sched_gusage. */
	struct sched_map gusage;
	struct sched_ousage ousage;  /* each owner's */
	/* The namespaces of the jobs in the queue, kept across passes
	 * (what a pass learns of each is reset at its end); rebuilt when a
	 * job leaves the queue (ns_stale) and in cleanup mode. */
	struct sched_ns *ns;
	size_t nns;
	struct sched_map nsmap;      /* namespace name -> index in ns */
	bool ns_stale;
	size_t nns_failed;           /* entries failed this pass */
	/* "owner\t#id" or "owner\tns/name" -> struct sched_depmemo */
	struct sched_map depmemo;
	/* Reasons of admitted jobs waiting for their pods, written at once. */
	struct sched_reason *waits;
	size_t nwaits;
	/* Waiting jobs' reasons and places still to write: a chunk each
	 * turn of the event loop once the pass's requests are sent, so that
	 * thousands of them hold neither the requests nor the event loop,
	 * nor (wr_waited false) the next pass, which drops what is left. */
	struct sched_reason *wr;
	size_t nwr;
	size_t wr_next;
	struct event *wr_ev;
	int64_t wr_start;
	bool wr_refresh;             /* of a pass that refreshed */
	bool wr_waited;              /* the pass ends when all are written */
	/* Local ms of the last pass that wrote every change of the reasons
	 * behind the head of the queue (sched-apply.c); 0: none yet. */
	int64_t reasons_refreshed;
	/* Admitted jobs now fully running, recorded at once. */
	struct store_job **started;
	size_t nstarted;
	int64_t t_mark;              /* start of the phase being timed */
	int64_t now;                 /* the cluster's clock, ms */
	int64_t next_ms;             /* the policy's wish for the next pass */

	struct sched_est *est;       /* run-time estimates from past runs */
	uint64_t est_gen;            /* grows with every run added */
	const char **site_types;     /* the site's GPU types, short names */
	size_t nsite_types;
	struct sched_block *blocks;  /* GPU types judged full */
	size_t nblocks;
	enum sched_sight sight;

	struct sched_loop_stats stats;
	struct sched_snap_store *ss; /* the snapshot's arrays, kept */
};

/* Storage behind one pass's snapshot, freed together but for the arrays,
 * which the loop keeps for the next pass. */
struct sched_snap_store {
	struct sched_job *jobs;
	size_t njobs;
	size_t capjobs;               /* of jobs, sjobs and sspecs */
	struct store_job **sjobs;     /* the store job of each sched job */
	const struct sched_spec **sspecs; /* and its spec */
	struct sched_quota *quotas;
	size_t nquotas;
	struct sched_quota_item **qitems;
	json_t *qobjs;                /* the quotas the items point into */
	struct sched_pending *pending;
	size_t npending;
	size_t cappending;
	struct sched_node *nodes;
	size_t nnodes;
	size_t capnodes;
	struct sched_running *running;
	size_t nrunning;
	size_t caprunning;
	const char ***rnodes;
	bool **rcounted;              /* per running job, per replica */
	char **rplaced;               /* per running job: run_nodes copy */
	struct sched_type_block *blocked;
	size_t nblocked;
	struct sched_usage *usage;
	size_t nusage;
};

/* sched-loop.c */
/* Says what happened, to the caller's reporter or the log; counts
 * failures. */
void sched_note(struct sched_loop *, bool error, const char *, ...)
    printflike(3, 4);
/* Counts a request of this pass done; ends the pass when all are. */
void sched_req_done(struct sched_loop *);
/* sched-req.c:
 *
 * A request of this pass, known to the loop until its callback runs so
 * that sched_loop_abort can cancel it: w = sched_req_new(loop, cb, arg,
 * drop, ctx), then the request made with (sched_req_cb, w), then
 * sched_req_sent(w, request).  On abort the callback never runs; drop(ctx)
 * (once per ctx, when drop is not NULL) frees what it would have freed.
 */
struct sched_req *sched_req_new(struct sched_loop *, kube_done_cb, void *arg,
    void (*drop)(void *), void *ctx);
void sched_req_cb(struct kube_response *, void *);
void sched_req_sent(struct sched_req *, struct kube_request *);
/* sched-req.c: cancels every request of the pass in flight (no callback
 * runs), dropping their contexts; how many there were. */
size_t sched_req_cancel_all(struct sched_loop *);
/* The namespace entry of this pass, or NULL. */
struct sched_ns *sched_ns_find(struct sched_loop *, const char *);
/* The namespace entry of a job joining the queue, added if new. */
struct sched_ns *sched_ns_get(struct sched_loop *, const char *);
/* Milliseconds since the phase mark, moving the mark to now. */
int64_t sched_phase(struct sched_loop *);
/* The process's CPU milliseconds since the pass began. */
int64_t sched_pass_cpu(const struct sched_loop *);

/* sched-queue.c */
/* Brings loop->jobs up to date with the store; 0 or -1 with *cause. */
int sched_jobs_update(struct sched_loop *, char **cause);
/* Forgets the queue kept in memory: the next update reads it whole. */
void sched_jobs_drop(struct sched_loop *);
/* Records in memory the reasons just written to the store (each job
 * takes its text's reference). */
void sched_reasons_written(struct sched_loop *, struct sched_reason *, size_t,
    bool positions);
/* Gives back the references of reasons not written. */
void sched_reasons_free(struct sched_loop *, struct sched_reason *, size_t);
/* A job joining the queue: its repeated strings swapped for loop->strs'. */
void sched_job_own(struct sched_loop *, struct store_job *);
/* Frees a job of the queue, giving its shared strings back. */
void sched_job_free(struct sched_loop *, struct store_job *);
/* Sets one of a queue job's shared strings (*field) to a copy of s. */
void sched_job_set(struct sched_loop *, char **field, const char *s);
struct sched_centry *sched_jtab_find(const struct sched_jtab *, int64_t id);
/* A job to follow (and snapshot) afresh: no longer steady. */
void sched_centry_unsteady(struct sched_centry *);

/* sched-jobs.c */
int64_t sched_estimate(struct sched_loop *, const struct store_job *,
    const char **basis);
const struct sched_spec *sched_spec_of(struct sched_loop *,
    const struct store_job *, const char **cause);
json_t *sched_job_objects(struct sched_loop *, const struct store_job *,
    enum sched_obj);
size_t sched_job_object_count(struct sched_loop *, const struct store_job *);
json_t *sched_attempt_pods(struct sched_loop *, const struct store_job *);
int64_t sched_job_created(struct sched_loop *, const struct store_job *);
int64_t sched_job_started(const json_t *pods);
int64_t sched_job_run_ms(const struct sched_loop *, const json_t *pods);
int64_t sched_cluster_time(const struct sched_loop *, int64_t local);

/* sched-blocks.c */
void sched_blocks_load(struct sched_loop *);
void sched_blocks_free(struct sched_loop *);
void sched_type_full(struct sched_loop *, const struct store_job *,
    const char *why);
void sched_blocks_probe(struct sched_loop *);
void sched_type_freed(struct sched_loop *, const char *type);
void sched_sight_update(struct sched_loop *);

/* sched-snap.c */
void sched_snap_build(struct sched_loop *, struct sched_snap_store *,
    struct sched_snapshot *);
void sched_snap_release(struct sched_snap_store *, bool all);
/* The snapshot's next running entry, zeroed, with its nodes and counted
 * arrays for n replicas; nrunning is the caller's to advance. */
struct sched_running *sched_snap_entry(struct sched_snap_store *, size_t n);
bool sched_pod_is_deleting(const json_t *pod);

/* sched-snap-run.c */
/* An admitted or running job's entry: what it holds, and where. */
void sched_snap_running(struct sched_loop *, struct store_job *,
    struct sched_snap_store *);
/* An ended job whose pods are still being deleted. */
void sched_snap_ending(struct sched_loop *, const struct store_job *,
    struct sched_snap_store *);

/* sched-usage.c */
void sched_snap_usage(struct sched_loop *, struct sched_snap_store *);
void sched_gusage_free(void *);
/* Writes the owners' usage if the store lacks news of it. */
void sched_usage_flush(struct sched_loop *);
/* The usage chore: the next pass writes the owners' usage. */
void sched_usage_due(struct sched_loop *);
void sched_usage_free(struct sched_loop *);

/* sched-apply.c */
/* Runs the policy and applies its decisions; returns its next delay. */
int64_t sched_apply(struct sched_loop *);
/* The timer that writes the next chunk of waiting jobs' reasons. */
void sched_reasons_cb(evutil_socket_t, short, void *);
/* Frees the reasons not written (the loop is going away). */
void sched_reasons_release(struct sched_loop *);
/* Stops writing a pass's reasons before the next pass reads the queue
 * (or the loop stops, or the queue is read again): the jobs they point
 * to may go. */
void sched_reasons_drop(struct sched_loop *);
/* Creates the objects of a job the cache does not hold; -1 if it cannot
 * be rendered, else the number of creates started. */
int sched_ensure_objects(struct sched_loop *, const struct store_job *,
    char **cause);
/* How many of a job's objects the cache does not hold; -1 if it cannot be
 * rendered. */
int sched_count_missing(struct sched_loop *, const struct store_job *,
    char **cause);
struct kube_client *sched_client(struct sched_loop *, const char *owner);

/* sched-follow.c */
bool sched_move(struct sched_loop *, const struct store_job *,
    enum store_state, const char *, const struct store_change *);
void sched_end(struct sched_loop *, struct store_job *,
    const struct sched_obs *, enum store_state, const char *);
/* The resync, every pass: picks the slice of running jobs the next
 * follow takes whatever the cache's change events said (all of them when
 * few run), so that each is followed every SCHED_RESYNC_INTERVALS
 * intervals without one pass paying for all. */
void sched_follow_resync(struct sched_loop *);
/* Follows every job of the pass on the cluster (or still to clean). */
void sched_follow(struct sched_loop *);

/* sched-teardown.c */
bool sched_teardown_begun(struct sched_loop *, const struct store_job *);
bool sched_attempt_torn(struct sched_loop *, const struct store_job *);
void sched_teardown_start(struct sched_loop *, const struct store_job *,
    const struct sched_obs *, enum sched_after, const char *reason,
    int64_t not_before);
void sched_delete_orphan(struct sched_loop *, enum kube_kind,
    const char *what, const json_t *obj, const char *ns, int64_t id);
void sched_orphans(struct sched_loop *);
void sched_prune(struct sched_loop *);

#endif
