/*
 * store: the queue's durable state in one SQLite file.
 *
 * The only module that includes sqlite3.h.  Every public call is one short
 * transaction that retries while another process holds the lock, so callers
 * never see "database is locked".  The job state machine lives here, in
 * store-state.c, and every change of state appends to the job's event log.
 *
 * Ownership: functions that return allocated objects say who frees them;
 * store_job_free and store_events_free release what store_get, store_list
 * and store_events return.
 */
#ifndef STORE_H
#define STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum store_state {
	STORE_QUEUED = 0,
	STORE_HELD,
	STORE_ADMITTED,
	STORE_RUNNING,
	STORE_SUCCEEDED,
	STORE_FAILED,
	STORE_CANCELLED,
	STORE_TIMED_OUT,
	STORE_NSTATES
};

/* store-state.c: the one definition of the job state machine. */
const char *store_state_name(enum store_state);
int store_state_parse(const char *, enum store_state *);
bool store_state_is_terminal(enum store_state);
bool store_state_is_active(enum store_state);
bool store_transition_is_allowed(enum store_state, enum store_state);

struct store;

/* The schema version this build writes; older files are migrated on open. */
#define STORE_SCHEMA_VERSION 10

/*
 * Opens (creating if needed, directory 0700 and file 0600) and migrates the
 * queue at path.  A file that is not an ailab-queue database, or cannot be
 * written, is refused without being modified.  A new database is built
 * under a temporary name and linked into place whole, so processes that
 * open a path that did not exist at once all find the same complete queue.
 * A damaged file gives an error naming it and the SQLite code
 * ("SQLITE_CORRUPT") from whichever call meets the damage, never an abort.
 */
int store_open(const char *path, struct store **, char **cause);
/*
 * store_open for commands that only read (ls, show, why, report, wait,
 * logs): a file this process may not write is opened read-only instead of
 * refused (it must then be at the current schema version); writes through
 * it fail with SQLITE_READONLY.
 */
int store_open_read(const char *path, struct store **, char **cause);
void store_close(struct store *);
const char *store_path(const struct store *);
/*
 * Who uses an open queue.  By default (a command) commits reach the log,
 * safe from any process crash, but are synced to disk only at checkpoints
 * (synchronous=NORMAL), and the checkpoint truncates the log for the next
 * process.  The scheduler lives long: its checkpoints never wait for other
 * processes' readers, and what a power loss undoes it derives again from
 * the cluster.  The server also lives long, and syncs every commit: a power
 * loss must not undo what it answered to a user.  0 or -1.
 */
enum store_use {
	STORE_USE_COMMAND = 0,
	STORE_USE_SCHEDULER,
	STORE_USE_SERVER,
};
int store_set_use(struct store *, enum store_use, char **cause);
/*
 * Leaves the checkpoint that a commit filling the log would run (two
 * syncs, about a millisecond) for store_checkpoint_due, which runs it if
 * one is due: the scheduler's intake replies to a submit between the two.
 * A commit is in the log either way (a process crash loses nothing), so
 * this moves no durability guarantee, only when the log is copied.
 */
void store_checkpoint_defer(struct store *, bool defer);
void store_checkpoint_due(struct store *);
/* True if the last call failed because another process held the queue
 * locked for longer than this use waits (a second for the server). */
bool store_is_busy(const struct store *);

/* A job as submitted: the validated spec as JSON plus the columns the
 * queue filters, orders and schedules by. */
struct store_job_new {
	const char *name;
	const char *namespace;
	const char *owner;
	const char *group;       /* NULL: no group */
	const char *group_kind;  /* "sweep", "roster", "batch" */
	/* Groups are scoped by owner (a name is unique per owner): the
	 * owner of the group the job joins, NULL for the job's own.  A TA
	 * adding jobs to a co-TA's class group names the co-TA. */
	const char *group_owner;
	int priority;            /* 0..1000, higher first */
	const char *gpu_type;    /* "" or NULL for a CPU job */
	int gpu_count;           /* per replica */
	int replicas;
	int64_t cpu_milli;       /* per replica */
	int64_t memory_bytes;    /* per replica */
	/*
	 * The job's spec: spec_json alone, or, when spec_shared is set, the
	 * spec_shared_len bytes of spec_shared (a string that long) followed
	 * by spec_json.  The jobs of a sweep or roster given one text to
	 * share (the same pointer) are stored with it once, no byte of it
	 * compared per job.  Its "after" is looked for in each part.
	 */
	const char *spec_shared;
	size_t spec_shared_len;
	const char *spec_json;
	bool held;
};
/* A new job's whole spec (allocated; the caller frees it), or NULL when
 * it has none. */
char *store_job_new_spec(const struct store_job_new *);

/*
 * Checks a submission's dependencies before store_submit: every entry of
 * its jobs' after, after_any and after_failed names a job (by name in the
 * same namespace, or by id) or a group ("group:NAME") of the same owner,
 * in the queue or among the jobs themselves.  Reads only.  0, or -1 with
 * *cause naming the job, the field and the closest name the owner has
 * ("did you mean"), for the caller to refuse the submission.
 */
int store_check_after(struct store *, const struct store_job_new *, size_t,
    char **cause);
/* A roster's group (of its group owner) that already holds jobs: -1 with
 * *cause (resubmitting a class would duplicate every student's job), for
 * the caller to refuse unless asked to append; 0 when none. */
int store_check_groups(struct store *, const struct store_job_new *, size_t,
    char **cause);


/*
 * Records n jobs in one transaction: all or none.  ids (n entries, caller's
 * array) receives the new ids in order.  The jobs of one group given one
 * after another (a sweep, a roster) keep one shared spec text and each
 * only what differs past their common prefix; every call that reads a
 * spec returns it whole, as it was given.
 */
int store_submit(struct store *, const struct store_job_new *, size_t,
    int64_t *ids, char **cause);

struct store_job {
	int64_t id;
	char *name;
	char *namespace;
	char *owner;
	char *group;             /* NULL if none */
	enum store_state state;
	char *reason;
	bool cleaned;
	bool cancel_requested;
	int priority;
	char *gpu_type;
	int gpu_count;
	int replicas;
	int64_t cpu_milli;
	int64_t memory_bytes;
	char *spec_json;
	int attempts;
	int64_t submitted_at;    /* ms since the epoch */
	int64_t updated_at;
	int64_t started_at;      /* 0 if never */
	int64_t finished_at;     /* 0 if not yet */
	/* Set by the scheduler: */
	char *run_gpu_type;      /* the GPU type it was admitted on, or "" */
	bool has_exit_code;
	int exit_code;
	int64_t not_before;      /* retry backoff: not admitted before this */
	int64_t admitted_at;     /* 0 if never */
	int64_t position;        /* place in the last pass's order; 0: none */
	char *run_nodes;         /* admitted: node per rank, comma-separated,
				  * "" when placed without seeing nodes */
	int64_t run_ms;          /* the last run's length, cluster clock; 0 */
	int64_t est_start;       /* queued: the scheduler's estimated start
				  * (ms, cluster clock); 0: none expected */
};
void store_job_free(struct store_job *);
void store_jobs_free(struct store_job **, size_t);

struct store_filter {
	unsigned int states;     /* bit (1 << state); 0: see all */
	bool all;                /* include terminal jobs when states == 0 */
	const char *name;        /* glob, or NULL */
	const char *group;       /* exact group name, or NULL */
	/* The owner whose group 'group' names (groups are scoped by owner);
	 * NULL: that name among every owner's groups. */
	const char *group_owner;
	int64_t after_id;        /* paging: ids greater than this */
	size_t limit;            /* 0: no limit */
	bool not_cleaned;        /* only jobs whose cluster objects remain */
	const int64_t *ids;      /* store_list_each: only these jobs (nids,
				  * at most STORE_MAX_IDS), any state; NULL:
				  * no such filter */
	size_t nids;
	/* store_list_each only (store_list ignores them): an exact
	 * namespace and owner, or NULL. */
	const char *namespace;
	const char *owner;
};
#define STORE_MAX_IDS 100000

/* Jobs matching the filter, by id; *jobs is the caller's (store_jobs_free). */
int store_list(struct store *, const struct store_filter *,
    struct store_job ***jobs, size_t *n, char **cause);

/*
 * What store_list_each reads besides the columns a job table prints:
 * the spec text (for -o json), the spec's "params" member, and where
 * rank 0 of the job's latest archived attempt ran.
 */
#define STORE_ROW_SPEC 0x1
#define STORE_ROW_PARAMS 0x2
#define STORE_ROW_NODE 0x4
/* Only the columns `ls` prints (id, name, namespace, owner, group,
 * state, reason, cancel_requested, priority, gpu_type, gpu_count,
 * replicas, submitted_at, est_start), the others 0 or "": read from the index of
 * active jobs alone for the default view.  Not with the flags above. */
#define STORE_ROW_BRIEF 0x8
struct store_row {
	/* Everything api_job_encode prints, run_ms included; not_before,
	 * admitted_at and position are 0, run_nodes "" and spec_json NULL
	 * without STORE_ROW_SPEC. */
	struct store_job job;
	const char *params;      /* JSON text, NULL if none or not asked */
	const char *node;        /* NULL if none or not asked */
};
typedef int (*store_row_fn)(const struct store_row *, void *arg);
/*
 * Calls fn for each job matching the filter, by id, as SQLite reads it,
 * in one read transaction: only the columns asked for are read, and
 * nothing is kept, so a listing's memory does not grow with the queue.
 * The row and its strings are borrowed: valid during the call only.  The
 * default view (active jobs) reads an index of active jobs by id, which
 * holds the STORE_ROW_BRIEF columns.  When fn returns -1 the walk stops
 * and store_list_each returns -1 with *cause left NULL.
 */
int store_list_each(struct store *, const struct store_filter *, int what,
    store_row_fn fn, void *arg, char **cause);

/* One job, or *job = NULL (and 0) when there is no such id. */
int store_get(struct store *, int64_t id, struct store_job **job,
    char **cause);

struct store_event {
	int64_t at;
	int from;                /* enum store_state, or -1 at submission */
	enum store_state to;
	char *reason;
};
/* The event log of a job, oldest first; free with store_events_free. */
int store_events(struct store *, int64_t id, struct store_event **, size_t *,
    char **cause);
void store_events_free(struct store_event *, size_t);

/*
 * Moves a job from the state it is in to another, if the state machine
 * allows it and (when from is not 0) the job is in one of the states of the
 * mask from (bits 1 << state), appending to its event log.  Refused (-1,
 * with cause) for an unknown job or an illegal transition; nothing is
 * changed then.
 */
#define STORE_STATE_BIT(s) (1u << (s))
int store_transition(struct store *, int64_t id, unsigned int from,
    enum store_state to, const char *reason, char **cause);

/*
 * What a transition records besides the state, for the scheduler.  The
 * state itself implies the rest: admitted counts an attempt and clears the
 * exit code, running sets started_at, an end sets finished_at, a move back
 * to queued clears the exit code, started_at and finished_at (the attempt
 * that ended keeps its exit code in its archived replicas).  A job that
 * ends straight from admitted (it ran and ended between two passes) gets a
 * started_at too, so it has a run time: the end less run_ms when the run's
 * length is known (never before its admission), else, if it succeeded,
 * its admission.
 */
struct store_change {
	const char *run_gpu_type;   /* NULL: unchanged */
	bool set_exit_code;
	int exit_code;
	int64_t not_before;         /* for a move to queued; 0: none */
	const char *run_nodes;      /* NULL: unchanged ("" on a move to
				     * queued) */
	int64_t run_ms;             /* > 0: the run's length, recorded */
};
int store_transition_with(struct store *, int64_t id, unsigned int from,
    enum store_state to, const char *reason, const struct store_change *,
    char **cause);

/*
 * The scheduler's bulk read: every job that is waiting or on the cluster,
 * or ended but not cleaned, by id, in one query.  A job's spec_json is
 * copied only when want (NULL: always) returns true for it (the job's
 * other fields are filled when it is called); otherwise it is NULL, for a
 * caller that keeps parsed specs (the spec text never changes after
 * submission).  *jobs is the caller's (store_jobs_free).
 */
typedef bool (*store_want_spec_fn)(const struct store_job *, void *arg);
int store_sched_jobs(struct store *, store_want_spec_fn want, void *arg,
    struct store_job ***jobs, size_t *n, char **cause);

/*
 * The scheduler's queue kept in memory across passes (store-delta.c).  A
 * cursor marks what a reader has seen: the change counter and the highest
 * id at its last read.  store_sched_changes with a cursor not yet valid
 * reads what store_sched_jobs reads (every job waiting, on the cluster,
 * or ended but not cleaned); with a valid one, only the jobs inserted or
 * changed since, in any state, by any process (every column counts but
 * the reason and queue position, which store_set_reasons writes for the
 * scheduler itself), and in *gone (ascending) the ids of jobs deleted
 * since.  Both in one read transaction, after which the cursor moves to
 * it; when nothing changed the read costs one row.  Jobs come by id, with
 * spec_json as store_sched_jobs fills it; *jobs and *gone are the
 * caller's (store_jobs_free, free).  A reader that has acted on the ids
 * gone calls store_sched_forget with its cursor so that they are not kept
 * for ever (one reader a queue: the scheduler, under its lock).
 */
struct store_cursor {
	bool valid;
	int64_t seq;
	int64_t max_id;
};
int store_sched_changes(struct store *, struct store_cursor *,
    store_want_spec_fn want, void *arg, struct store_job ***jobs, size_t *n,
    int64_t **gone, size_t *ngone, char **cause);
int store_sched_forget(struct store *, const struct store_cursor *,
    char **cause);

/* The spec texts of n jobs (ids sorted ascending) in one query: (*specs)[i]
 * is ids[i]'s, NULL for an unknown id.  The caller frees each and the
 * array (n + 1 entries). */
int store_specs(struct store *, const int64_t *ids, size_t n, char ***specs,
    char **cause);

/*
 * Values at JSON paths ("$.gpu.types") inside the specs of n jobs (ids
 * sorted ascending), extracted by SQLite in one query, so that a caller
 * needing a few fields of many specs parses none of them: (*values)[i *
 * npaths + p] is path p of ids[i] as text (JSON text for arrays and
 * objects, 1 or 0 for booleans), NULL where absent or null.  The caller
 * frees each and the array.
 */
#define STORE_MAX_SPEC_FIELDS 15
int store_spec_fields(struct store *, const int64_t *ids, size_t n,
    const char *const *paths, size_t npaths, char ***values, char **cause);

/* How many jobs are in each state, and how many ended but not cleaned. */
struct store_counts {
	size_t n[STORE_NSTATES];
	size_t uncleaned;
};
int store_count(struct store *, struct store_counts *, char **cause);

/*
 * Many transitions in one transaction, each checked as store_transition_with
 * checks it: result 0 if made, else -1 with cause (allocated, the caller
 * frees it) and nothing changed for that job.  Returns -1 with *cause, and
 * no transition made, only if the transaction itself fails.
 */
struct store_move {
	int64_t id;
	unsigned int from;          /* mask of states, 0: any */
	enum store_state to;
	const char *reason;
	const struct store_change *chg;     /* NULL: none */
	int result;                 /* out */
	char *cause;                /* out */
};
int store_transitions(struct store *, struct store_move *, size_t n,
    char **cause);

/*
 * What a user does to queued jobs (store-act.c), many at once: cancel (a
 * job that has not started ends at once, one on the cluster is marked for
 * the scheduler to stop); hold a queued job; release a held one; retry an
 * ended one whose cluster objects are gone.  Each job is checked by the
 * state machine and its move appended to its event log, as one job's
 * call would; the jobs go in transactions of up to STORE_ACT_CHUNK, so a
 * selection of 10,000 takes ten commits, not 10,000.  items (n entries,
 * the caller's) gets each id's result; a refusal's cause (allocated,
 * store_act_items_release frees it) says why.  -1 with *cause when a
 * transaction fails: the first *ndone items were committed, the others
 * (their chunk rolled back) were not made.
 */
enum store_act {
	STORE_ACT_CANCEL,
	STORE_ACT_HOLD,
	STORE_ACT_RELEASE,
	STORE_ACT_RETRY,
};
enum store_act_result {
	STORE_ACT_DONE,          /* cancelled, held, released, queued again */
	STORE_ACT_REQUESTED,     /* cancel: admitted or running, the
				  * scheduler stops it */
	STORE_ACT_ALREADY,       /* cancel: already ended or requested */
	STORE_ACT_NOT_FOUND,
	STORE_ACT_REFUSED,       /* the state machine refused: see cause */
	STORE_ACT_UNCLEANED,     /* retry: its cluster objects remain */
};
struct store_act_item {
	int64_t id;
	enum store_act_result result;
	char *cause;             /* STORE_ACT_REFUSED: why */
};
#define STORE_ACT_CHUNK 1000
int store_act(struct store *, enum store_act, const int64_t *ids, size_t n,
    const char *reason, struct store_act_item *items, size_t *ndone,
    char **cause);
void store_act_items_release(struct store_act_item *, size_t);

/* The namespaces any job of this queue has used; *ns is the caller's
 * (free each, then the array). */
int store_namespaces(struct store *, char ***ns, size_t *n, char **cause);

/*
 * Deletes ended, cleaned jobs that finished before cutoff (ms), with their
 * events and archived logs, and groups left empty; *n gets the count.
 */
int store_prune(struct store *, int64_t cutoff, bool dry_run, size_t *n,
    char **cause);

/* This queue's identity, made once and kept (labels its objects so that
 * cleanup never touches another queue's). */
const char *store_queue_id(struct store *);

/* Records that a job's cluster objects are gone. */
int store_set_cleaned(struct store *, int64_t id, char **cause);

/* Updates the reasons, queue positions (NULL: unchanged) and estimated
 * starts (ms, 0: none; NULL: unchanged) of many waiting jobs in one
 * transaction, writing only those that changed.  A job no longer queued
 * keeps no estimate. */
int store_set_reasons(struct store *, const int64_t *ids,
    const char *const *reasons, const int64_t *positions,
    const int64_t *starts, size_t n, char **cause);

/* One ended run, for run-time estimates. */
struct store_run {
	char *owner;
	char *name;
	char *group;             /* NULL: none */
	int64_t run_ms;
	int64_t finished_at;
};
/* The runs that finished after a time, oldest first; free with
 * store_runs_free. */
int store_runs(struct store *, int64_t after, struct store_run **, size_t *,
    char **cause);
void store_runs_free(struct store_run *, size_t);

/* Small persistent key/value state (watch resourceVersions and the like);
 * *value is the caller's, NULL if unset. */
int store_meta_get(struct store *, const char *key, char **value,
    char **cause);
int store_meta_set(struct store *, const char *key, const char *value,
    char **cause);

/* Fair-share usage: GPU-milliseconds per owner as last decayed at a time. */
struct store_usage {
	char *owner;
	double gpu_ms;
	int64_t at;
};
int store_usage_list(struct store *, struct store_usage **, size_t *,
    char **cause);
void store_usage_free(struct store_usage *, size_t);
/* Records many owners' usage (owner, gpu_ms, at) in one transaction. */
int store_usage_set_many(struct store *, const struct store_usage *, size_t,
    char **cause);

/* What remains of one replica of one attempt after its pods are gone. */
struct store_replica {
	int attempt;
	int rank;
	char *node;
	bool has_exit_code;
	int exit_code;
	char *reason;
	char *log;               /* the kept tail */
	size_t log_len;
	bool log_truncated;
	int64_t archived_at;
};
int store_replica_save(struct store *, int64_t id,
    const struct store_replica *, char **cause);
/* A job's archived replicas, by attempt then rank; free with
 * store_replicas_free. */
int store_replicas(struct store *, int64_t id, struct store_replica **,
    size_t *, char **cause);
void store_replicas_free(struct store_replica *, size_t);

/*
 * Takes the scheduler lock of a queue (an flock on
 * ".ailab-queue.<inode>.sched.lock" beside the database file, symbolic
 * links resolved, released by the kernel if the holder dies): 0 and *fd,
 * or -1 with a cause naming the holder's pid when another scheduler has it
 * (through whatever name), or when the file has more than one hard link.
 */
int store_lock_scheduler(const struct store *, int *fd, char **cause);

/*
 * A wake-up beside the database.  SQLite tells no other process of a
 * commit, so a command that changed what the scheduler acts on (submit,
 * cancel, hold, release, retry) calls store_wake after its commit, and a
 * scheduler of the same queue on the same machine starts a pass at once
 * instead of at its interval.  It is a FIFO, "<db>.wake" (store_wake_path,
 * the caller frees it; <db> with symbolic links resolved), made 0600 beside
 * the database by the listener.
 *
 * store_wake (store-wake.c; plain POSIX, which the queue front links
 * without libevent): best effort.  It never blocks, never fails and
 * prints nothing: with no listener (no FIFO, or one left by a scheduler
 * that died) it does nothing, and wakes sent while one is pending merge
 * into one.  It writes only to a FIFO and follows no symbolic link.
 *
 * store_wake_listen (store-wake-listen.c; libevent): makes the FIFO
 * afresh, replacing one a dead scheduler left, and calls cb(arg) on base
 * after one or more wakes, from the event loop.  Call it only while
 * holding the scheduler lock (store_lock_scheduler): one listener a
 * queue.  Refused (-1, cause) when anything but a FIFO is at the path (a
 * regular file, a symbolic link: left alone) or the FIFO cannot be made.
 * *out is the caller's: store_wake_free stops listening and removes the
 * FIFO, if it is still the one it made.
 */
struct event_base;
struct store_wake;
char *store_wake_path(const struct store *);
void store_wake(const struct store *);
int store_wake_listen(const struct store *, struct event_base *,
    void (*cb)(void *), void *arg, struct store_wake **out, char **cause);
void store_wake_free(struct store_wake *);

/* The ids of the jobs of owner's group (groups are scoped by owner; NULL:
 * that name among every owner's groups), for commands that act on a whole
 * group. */
int store_group_ids(struct store *, const char *owner, const char *group,
    int64_t **ids, size_t *n, char **cause);

#endif
