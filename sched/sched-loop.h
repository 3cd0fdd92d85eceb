/*
 * The scheduling loop: reads the queue and the cluster (kept by watches),
 * runs the policy (sched.h) and applies its decisions, then follows the
 * jobs it started until they end and their objects are gone.  Runs on the
 * caller's event_base; never blocks it, never stops it: when the loop
 * stops it says why (on_stop), and its owner decides what comes next.
 */
#ifndef SCHED_LOOP_H
#define SCHED_LOOP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct kube_client;
struct spec_site;
struct store;
struct sched_loop;

/* Counts the loop reports after each pass (for progress displays). */
struct sched_loop_stats {
	int64_t passes;
	size_t queued;
	size_t held;
	size_t admitted;
	size_t running;
	size_t succeeded;
	size_t failed;           /* failed, cancelled and timed out */
	size_t uncleaned;
	int64_t pass_ms;         /* duration of the last pass */
	int64_t admissions;      /* total jobs admitted */
	int64_t api_errors;      /* total failed API calls */
	int64_t failures;        /* actions that failed (cleanup's exit 1) */
	/* Phases of the last pass, in ms (also logged at -v): reading the
	 * queue, listing the cluster (until the last list came back),
	 * (list_ms: waiting for the cache's first lists and the cluster's
	 * clock), following admitted jobs, building the policy's snapshot, the
	 * policy, recording its admissions and the waiting jobs' reasons,
	 * and the effects (creates, deletes) after that. */
	int64_t read_ms;
	int64_t list_ms;
	int64_t follow_ms;
	int64_t snapshot_ms;
	int64_t policy_ms;
	int64_t record_ms;
	int64_t effects_ms;
};

typedef void (*sched_loop_cb)(const struct sched_loop_stats *, void *);

/* Why the loop stopped. */
enum sched_stop {
	SCHED_STOP_ONCE,         /* opts.once: its pass and effects are done */
	SCHED_STOP_EMPTY,        /* opts.until_empty: nothing left to do */
	SCHED_STOP_ASKED,        /* sched_loop_stop, after the pass */
	SCHED_STOP_ABORTED,      /* sched_loop_abort: the pass cut short */
};
/* The loop stopped; it does nothing more.  Free it (sched_loop_free) only
 * after the callback has returned. */
typedef void (*sched_stop_cb)(enum sched_stop, void *);
/* One line about an action: a failure (error) or what was (or would be)
 * done. */
typedef void (*sched_report_cb)(bool error, const char *line, void *);

enum sched_mode {
	SCHED_MODE_SCHEDULE = 0, /* admit, follow and clean up */
	SCHED_MODE_CLEANUP,      /* only: ended jobs, timeouts, orphans, prune */
};

struct sched_loop_opts {
	bool once;               /* one pass (and its effects), then stop */
	bool until_empty;        /* stop when no job is left to run or clean */
	int64_t interval_ms;     /* resync period; default 2000 */
	int64_t gang_timeout_s;  /* default for jobs without one; 600 */
	int64_t pull_limit_s;    /* image pull failures fail a job after; 300 */
	int64_t half_life_s;     /* fair-share usage decay; 7 days */
	int64_t backoff_s;       /* first retry delay, doubled each time; 10 */
	size_t max_admit;        /* jobs one pass admits (and creates) at
				  * most; the rest wait for the next; 256 */
	size_t log_limit;        /* bytes of log kept per replica; 256 KiB */
	/* A stream of submissions (sched_loop_submitted) gets its pass once
	 * it pauses stream_quiet_ms, at most stream_max_ms after the first
	 * one no pass has read; 0: 30 and 250 (sched-loop.c says why). */
	int64_t stream_quiet_ms;
	int64_t stream_max_ms;
	sched_loop_cb on_pass;   /* after each pass, or NULL */
	sched_stop_cb on_stop;   /* when it stopped, or NULL */
	void *cb_arg;
	enum sched_mode mode;
	bool dry_run;            /* cleanup: report, change nothing */
	int64_t grace_s;         /* cleanup: orphans younger stay; -1: 600 */
	int64_t max_age_s;       /* cleanup: prune older ended jobs; 30 days */
	sched_report_cb report;  /* NULL: log instead */
	/* The site profile whose per-user GPU limits the policy enforces
	 * (limits.per_user.running_gpus), not owned; NULL: the loop loads
	 * the usual profile (spec_site_load) itself. */
	const struct spec_site *site;
	/* The client that creates and deletes a job's objects, given its
	 * owner (the server's impersonate mode); NULL, or a NULL answer:
	 * the loop's own.  Lists, watches and logs always use the loop's. */
	struct kube_client *(*client_for)(const char *owner, void *arg);
	void *client_arg;
};

/* A loop over an open queue (whose scheduler lock the caller holds) and a
 * Kubernetes client on base.  Neither is owned by the loop. */
struct sched_loop *sched_loop_new(struct event_base *, struct store *,
    struct kube_client *, const struct sched_loop_opts *);
/* Starts the cache's watches and the first pass. */
void sched_loop_start(struct sched_loop *);
/* Asks for a pass soon (an event, a change to the queue). */
void sched_loop_kick(struct sched_loop *);
/*
 * Says that jobs were just queued (the intake's submissions): a lone
 * submission is kicked as sched_loop_kick does, but one of a stream waits
 * for the stream to pause, or for a bounded time while it lasts, so that a
 * script submitting in a loop gets a pass every few hundred ms rather
 * than one a job.
 */
void sched_loop_submitted(struct sched_loop *);
/* Finishes the pass in progress, then stops (on_stop, SCHED_STOP_ASKED). */
void sched_loop_stop(struct sched_loop *);
/*
 * Stops now, as a crash would at this point (on_stop, SCHED_STOP_ABORTED):
 * every request of the pass in flight is cancelled (none is sent again,
 * no callback runs), the cache's watches and lists end, and nothing more
 * is written but the fair-share usage.  For a replica that lost its
 * Lease: another may be scheduling already.  The store is left as a kill
 * leaves it, which the next loop's recovery handles (sched-loop.c).
 */
void sched_loop_abort(struct sched_loop *);
/* True once the loop stopped with errors it could not carry on from. */
bool sched_loop_failed(const struct sched_loop *);
/* Actions that failed so far (see sched_loop_stats.failures). */
int64_t sched_loop_failures(const struct sched_loop *);
/*
 * What the loop's cache of the cluster holds, for tests: per kind, each
 * object's namespace/name and resourceVersion and the watches' counters
 * (sched-cache.h, sched_cache_dump).  The caller decrefs it.
 */
json_t *sched_loop_dump_cache(const struct sched_loop *);
void sched_loop_free(struct sched_loop *);

#endif
