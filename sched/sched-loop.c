/*
 * sched-loop.c: the scheduling loop.  A pass reads the queue from the
 * store and the cluster from the watch-fed cache (sched-cache.c), then
 * acts: it follows every admitted job to its end (sched-follow.c), runs
 * the policy over the queued ones and applies its decisions
 * (sched-snap.c, sched-apply.c).  The next pass starts when every request
 * of this one has finished, after a delay, or earlier when something
 * changes.  This file holds the loop itself: the timers and wake-ups, the
 * phases of a pass, the periodic chores with their periods, and the
 * lifecycle; when the loop stops it tells its owner why (on_stop) and
 * never stops the owner's event base.
 *
 * Crash safety comes from order and names: a job is admitted in the store
 * before its objects are created under deterministic names, so a restarted
 * loop re-creates what is missing (AlreadyExists is success) and never
 * duplicates; a job is re-queued only after its objects are deleted; an
 * ended job is marked cleaned only after its deletes succeeded.
 */
#include "sched-loop-int.h"

#include <event2/event.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common.h"
#include "sched-estimate.h"

/* What a pass admits at most by default: it creates all of it at once. */
#define SCHED_MAX_ADMIT 256
/* How long a pass waits for a list the cache started to answer. */
#define SCHED_LIST_WAIT_MS (60 * 1000)
/* The cluster's clock is read again (GET /version) when the last Date
 * header is older than this: watches alone bring no new one.  Between
 * reads it is extrapolated at our rate, so a clock that runs faster (a
 * simulated cluster at --speed 60) falls behind by up to this much times
 * the rate.  A pass then saw "now" before the stamped start of the job it
 * had just backfilled and planned the next one to end with it, a chain
 * sliding a reservation back (t0403 saw six); ends are now planned from
 * the admission (sched.h, admitted_at), which makes the chain impossible
 * at any lag, and 100 ms (a few GETs a second at most; passes every
 * --interval read it anyway) keeps timeouts and expected starts close to
 * the cluster's time. */
#define SCHED_CLOCK_MAX_AGE_MS 100
/* ... and waited for at most this long. */
#define SCHED_CLOCK_WAIT_MS 2000
/* A pass's now never steps back from the last by this much or less: a
 * Date's resolution (1 s) and what extrapolating it at our rate adds. */
#define SCHED_CLOCK_HOLD_MS 2000
/* Fair-share usage is written at least this often whatever --interval is
 * (and at once when an owner joins or an owner's GPUs change). */
#define SCHED_USAGE_PERIOD_MS (30 * 1000)
/* A kick's pass comes this much later: a few ms gather a burst of events
 * (a watch storm, a cancel of many) into one pass without delaying a lone
 * one. */
#define SCHED_KICK_MS 5
/*
 * Submissions (sched_loop_submitted) come in streams: a script calling
 * `submit` in a loop hands the intake one job every 2 to 20 ms, and a
 * pass kicked by each (SCHED_KICK_MS) read the growing queue again and
 * again: 300 submits made 190 to 220 passes, 1.1 to 1.5 ms of the
 * scheduler's CPU a submit (docs/performance.md, "pass19").  A
 * submission that follows another within SCHED_STREAM_QUIET_MS waits for
 * the stream to pause that long, but never more than SCHED_STREAM_MAX_MS
 * after the first submission no pass has read.  30 ms is above the gaps
 * measured between sequential submits at load 3 (median 7 ms, 99th
 * percentile 17, most 26); 250 ms keeps a steady stream's jobs admitted
 * within a quarter of a second, an eighth of the default --interval,
 * while a pass over a queue of thousands (several ms) costs a stream
 * well under 5% of a core.  A lone submission (none in the
 * SCHED_STREAM_QUIET_MS before it) is kicked as before.
 */
#define SCHED_STREAM_QUIET_MS 30
#define SCHED_STREAM_MAX_MS 250

static void sched_pass_start(struct sched_loop *);
static void sched_pass_act(struct sched_loop *);
static void sched_pass_end(struct sched_loop *);

/* Says what happened, to the caller's reporter or the log; counts failures.
 */
void
sched_note(struct sched_loop *loop, bool error, const char *fmt, ...)
{
	va_list ap;
	char *line;

	va_start(ap, fmt);
	xvasprintf(&line, fmt, ap);
	va_end(ap);
	if (error)
		loop->stats.failures++;
	if (loop->opts.report != NULL)
		loop->opts.report(error, line, loop->opts.cb_arg);
	else if (error)
		log_warnx("%s", line);
	else
		log_info("%s", line);
	free(line);
}

/* Counts a request done; the last ends the pass (none once aborted). */
void
sched_req_done(struct sched_loop *loop)
{
	if (loop->aborted)
		return;
	if (--loop->inflight > 0)
		return;
	sched_pass_end(loop);
}

/* Milliseconds since the phase mark, moving the mark to now. */
int64_t
sched_phase(struct sched_loop *loop)
{
	int64_t t = now_ms(), d = t - loop->t_mark;

	loop->t_mark = t;
	return d;
}

/* Frees a memo of the jobs an `after` names. */
static void
sched_depmemo_free(void *p)
{
	struct sched_depmemo *m = p;

	free(m->ids);
	free(m->states);
	free(m);
}

/* See sched-loop-int.h: CPU time, which a machine shared with other
 * work does not stretch as it does the phases' wall-clock times. */
int64_t
sched_pass_cpu(const struct sched_loop *loop)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 -
	    loop->pass_cpu;
}

/* Forgets the table of namespaces: the next pass builds it from every
 * job of the queue. */
static void
sched_ns_drop(struct sched_loop *loop)
{
	size_t i;

	for (i = 0; i < loop->nns; i++) {
		free(loop->ns[i].name);
		free(loop->ns[i].error);
	}
	free(loop->ns);
	loop->ns = NULL;
	loop->nns = 0;
	loop->nns_failed = 0;
	sched_map_release(&loop->nsmap, NULL);
	sched_map_init(&loop->nsmap);
}

/* Frees what one pass gathered; the namespaces stay, without what this
 * pass learned of them (a table rebuilt from 100,000 jobs each pass cost
 * tens of ms with nothing changed). */
static void
sched_pass_release(struct sched_loop *loop)
{
	size_t i;

	if (loop->opts.dry_run || loop->queue_stale)
		sched_jobs_drop(loop);
	loop->queue_stale = false;
	for (i = 0; i < loop->nns; i++) {
		free(loop->ns[i].error);
		loop->ns[i].error = NULL;
		loop->ns[i].failed = loop->ns[i].forbidden = false;
	}
	loop->nns_failed = 0;
	sched_map_release(&loop->depmemo, sched_depmemo_free);
	sched_reasons_free(loop, loop->waits, loop->nwaits);
	loop->waits = NULL;
	loop->nwaits = 0;
	free(loop->started);
	loop->started = NULL;
	loop->nstarted = 0;
}

/* The namespace entry of a pass, or NULL. */
struct sched_ns *
sched_ns_find(struct sched_loop *loop, const char *name)
{
	size_t i = sched_map_get_index(&loop->nsmap, name);

	return i != (size_t)-1 ? &loop->ns[i] : NULL;
}

/* The namespace entry of a pass, added on first use. */
struct sched_ns *
sched_ns_get(struct sched_loop *loop, const char *name)
{
	struct sched_ns *ns;

	if ((ns = sched_ns_find(loop, name)) != NULL)
		return ns;
	loop->ns = xreallocarray(loop->ns, loop->nns + 1, sizeof *loop->ns);
	memset(&loop->ns[loop->nns], 0, sizeof *loop->ns);
	loop->ns[loop->nns].name = xstrdup(name);
	sched_map_put_index(&loop->nsmap, name, loop->nns);
	sched_cache_want(loop->cc, name);
	return &loop->ns[loop->nns++];
}

/* Says whether the pass may act now: run from the event loop, never
 * inside a watch's callback. */
static void
sched_gather_poke(struct sched_loop *loop, int64_t ms)
{
	struct timeval tv = time_tv_ms(ms);

	evtimer_add(loop->gather_ev, &tv);
}

/* The clock's answer came back (whatever it was: its Date is what
 * counts, and a failure leaves the last one). */
static void
sched_clock_cb(struct kube_response *r, void *arg)
{
	struct sched_loop *loop = arg;

	(void)r;
	loop->clock_req = NULL;
	sched_gather_poke(loop, 0);
}

/*
 * Reads the cluster's clock again when the last Date seen is old: passes
 * judge timeouts by it, and a watch brings no new Date (the cluster's
 * clock may even run at another rate than ours, as a simulated one does).
 */
static void
sched_clock_refresh(struct sched_loop *loop)
{
	int64_t age = kube_client_server_time_age(loop->kube);

	if (loop->clock_req != NULL ||
	    (age >= 0 && age < SCHED_CLOCK_MAX_AGE_MS))
		return;
	loop->clock_req = kube_request_raw(loop->kube, "GET", "/version",
	    NULL, NULL, sched_clock_cb, loop);
}

/*
 * The pass's now: the cluster's clock, never behind the last pass's by a
 * step as small as SCHED_CLOCK_HOLD_MS.  A Date is to the second, so a new
 * one often reads up to a second before what the last one extrapolated
 * to; a now that stepped back so would let a pass plan with an earlier
 * now than the admissions it planned from before (sched.h, admitted_at).
 * A larger step is the clock being set, and is taken as it comes.
 */
static int64_t
sched_clock_now(const struct sched_loop *loop)
{
	int64_t t = kube_client_server_time(loop->kube);

	if (t == 0)
		t = now_ms();
	if (t < loop->now && loop->now - t <= SCHED_CLOCK_HOLD_MS)
		return loop->now;
	return t;
}

/* Begins a pass: reads the queue, then waits for the cache and the clock. */
static void
sched_pass_start(struct sched_loop *loop)
{
	size_t i;
	char *cause = NULL;

	if (loop->in_pass)
		return;
	loop->in_pass = true;
	loop->kicked = false;
	/* The queue read below sees every submission made until now. */
	loop->sub_first = 0;
	loop->cluster_failed = false;
	loop->pass_start = loop->t_mark = now_ms();
	loop->pass_cpu = 0;
	loop->pass_cpu = sched_pass_cpu(loop);

	/* Jobs that are waiting, on the cluster, or not yet cleaned: what
	 * changed since the last pass. */
	sched_reasons_drop(loop);
	if (sched_jobs_update(loop, &cause) != 0) {
		sched_note(loop, true, "reading the queue: %s", cause);
		free(cause);
		sched_pass_end(loop);
		return;
	}
	/* Jobs joining the queue added their namespaces; one leaving it
	 * may take the last job of its namespace with it. */
	if (loop->ns_stale || loop->opts.mode == SCHED_MODE_CLEANUP) {
		sched_ns_drop(loop);
		loop->ns_stale = false;
		for (i = 0; i < loop->njobs; i++)
			sched_ns_get(loop, loop->jobs[i]->namespace);
	} else
		for (i = 0; i < loop->nns; i++)
			sched_cache_want(loop->cc, loop->ns[i].name);
	if (loop->opts.mode == SCHED_MODE_CLEANUP) {
		/* Orphans may be anywhere the queue has ever run jobs. */
		char **names;
		size_t nnames;

		if (store_namespaces(loop->store, &names, &nnames, &cause) != 0) {
			sched_note(loop, true, "reading the queue: %s", cause);
			free(cause);
		} else {
			for (i = 0; i < nnames; i++) {
				sched_ns_get(loop, names[i]);
				free(names[i]);
			}
			free(names);
		}
	}
	loop->stats.read_ms = sched_phase(loop);
	loop->gathering = true;
	loop->gather_start = now_ms();
	sched_clock_refresh(loop);
	sched_gather_poke(loop, 0);
}

/* Timer: acts once the cache has answered (or was waited for long
 * enough) and the clock is fresh. */
static void
sched_gather_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct sched_loop *loop = arg;

	(void)fd;
	(void)ev;
	if (!loop->gathering)
		return;
	/* A clock that does not answer soon (the API server in trouble)
	 * is estimated from the last Date instead. */
	if (loop->clock_req != NULL &&
	    now_ms() - loop->gather_start < SCHED_CLOCK_WAIT_MS) {
		sched_gather_poke(loop, 100);
		return;
	}
	if (!sched_cache_settled(loop->cc, SCHED_LIST_WAIT_MS)) {
		sched_gather_poke(loop, 1000);
		return;
	}
	loop->gathering = false;
	sched_pass_act(loop);
}

/* Notes that one scope of the cluster cannot be read this pass. */
static void
sched_ns_unreadable(struct sched_loop *loop, struct sched_ns *ns,
    enum sched_scope sc, const char *error)
{
	if (ns->failed)
		return;
	ns->failed = true;
	loop->nns_failed++;
	ns->forbidden = sc == SCHED_SCOPE_FORBIDDEN;
	ns->error = xstrdup(error != NULL ? error : "not listed yet");
	if (!ns->forbidden) {
		sched_note(loop, true, "listing: %s", ns->error);
		loop->stats.api_errors++;
	}
}

/*
 * What the cache lets this pass see: nodes and every pod (the sight), and
 * per namespace whether our objects (and quotas) are listed.  A scope not
 * listed yet, or whose watch failed, is left alone this pass, as a failed
 * list was.
 */
static void
sched_view(struct sched_loop *loop)
{
	bool cleanup = loop->opts.mode == SCHED_MODE_CLEANUP;
	enum sched_scope nsc, psc, sc;
	const char *err, *perr;
	size_t i;
	int k;

	if (!cleanup) {
		nsc = sched_cache_scope(loop->cc, SCHED_CK_NODES, NULL, &err);
		psc = sched_cache_scope(loop->cc, SCHED_CK_PODS, NULL, &perr);
		loop->nodes_ok = nsc == SCHED_SCOPE_OK;
		loop->pods_ok = psc == SCHED_SCOPE_OK;
		if (nsc == SCHED_SCOPE_PENDING || nsc == SCHED_SCOPE_FAILED ||
		    psc == SCHED_SCOPE_PENDING || psc == SCHED_SCOPE_FAILED) {
			if (nsc != SCHED_SCOPE_PENDING &&
			    nsc != SCHED_SCOPE_FAILED)
				err = perr;
			sched_note(loop, true, "listing: %s", err != NULL ?
			    err : "nodes and pods not listed yet");
			loop->cluster_failed = true;
			loop->stats.api_errors++;
		}
	}
	for (i = 0; i < loop->nns; i++) {
		for (k = cleanup ? SCHED_CK_DEPLOYMENTS : SCHED_CK_QUOTAS;
		    k < SCHED_CK_COUNT; k++) {
			sc = sched_cache_scope(loop->cc, (enum sched_ck)k,
			    loop->ns[i].name, &err);
			if (sc == SCHED_SCOPE_OK || (k == SCHED_CK_QUOTAS &&
			    sc == SCHED_SCOPE_FORBIDDEN))
				continue;
			sched_ns_unreadable(loop, &loop->ns[i], sc, err);
		}
	}
}

/* Counts the queue for the progress display, in one query. */
static void
sched_count(struct sched_loop *loop)
{
	struct store_counts c;

	if (store_count(loop->store, &c, NULL) != 0)
		return;
	loop->stats.queued = c.n[STORE_QUEUED];
	loop->stats.held = c.n[STORE_HELD];
	loop->stats.admitted = c.n[STORE_ADMITTED];
	loop->stats.running = c.n[STORE_RUNNING];
	loop->stats.succeeded = c.n[STORE_SUCCEEDED];
	loop->stats.failed = c.n[STORE_FAILED] + c.n[STORE_CANCELLED] +
	    c.n[STORE_TIMED_OUT];
	loop->stats.uncleaned = c.uncleaned;
}

/* Where in a pass a chore runs. */
enum sched_chore_at {
	SCHED_CHORE_VIEWED,          /* the cache read, before following */
	SCHED_CHORE_FOLLOWED,        /* after following, before the policy */
};

/*
 * The loop's periodic chores, in one place, each with its own period
 * (0: every pass of its mode), as Redis' serverCron runs its
 * run_with_period blocks.  Each pass, every --interval, reads what
 * changed in the store and the cache and follows only the running jobs
 * whose objects changed or whose deadline is due; the resync, the
 * safety net under the change events, adds a slice of them each pass so
 * that every one is followed each SCHED_RESYNC_INTERVALS intervals
 * (sched-follow.c); the cluster's clock is read before a pass when older than
 * SCHED_CLOCK_MAX_AGE_MS (sched_clock_refresh); fair-share usage decays
 * with every snapshot, in memory, and the usage chore writes it to the
 * store every SCHED_USAGE_PERIOD_MS (sched-usage.c).
 */
static const struct sched_chore {
	const char *name;
	enum sched_chore_at at;
	enum sched_mode mode;
	bool cluster;                /* needs nodes and pods listed */
	int64_t period_ms;
	int intervals;               /* ... plus this many --interval */
	void (*run)(struct sched_loop *);
} sched_chores[] = {
	{ "resync", SCHED_CHORE_VIEWED, SCHED_MODE_SCHEDULE, false, 0,
	  0, sched_follow_resync },
	{ "usage", SCHED_CHORE_VIEWED, SCHED_MODE_SCHEDULE, false,
	  SCHED_USAGE_PERIOD_MS, 0, sched_usage_due },
	{ "sight", SCHED_CHORE_VIEWED, SCHED_MODE_SCHEDULE, true, 0,
	  0, sched_sight_update },
	{ "full types", SCHED_CHORE_VIEWED, SCHED_MODE_SCHEDULE, true, 0,
	  0, sched_blocks_probe },
	{ "orphans", SCHED_CHORE_FOLLOWED, SCHED_MODE_CLEANUP, false, 0,
	  0, sched_orphans },
	{ "prune", SCHED_CHORE_FOLLOWED, SCHED_MODE_CLEANUP, false, 0,
	  0, sched_prune },
};

/* Runs the chores due at this point of the pass. */
static void
sched_chores_run(struct sched_loop *loop, enum sched_chore_at at)
{
	const struct sched_chore *c;
	int64_t now = now_ms();
	size_t i;

	for (i = 0; i < nitems(sched_chores); i++) {
		c = &sched_chores[i];
		if (c->at != at || c->mode != loop->opts.mode ||
		    (c->cluster && loop->cluster_failed) ||
		    (loop->chore_at[i] != 0 &&
		    now - loop->chore_at[i] < c->period_ms +
		    c->intervals * loop->opts.interval_ms))
			continue;
		loop->chore_at[i] = now;
		c->run(loop);
	}
}

/* Second half of a pass: follow admitted jobs, then admit new ones. */
static void
sched_pass_act(struct sched_loop *loop)
{
	int64_t next;

	loop->stats.list_ms = sched_phase(loop);
	loop->now = sched_clock_now(loop);
	sched_view(loop);
	sched_chores_run(loop, SCHED_CHORE_VIEWED);
	loop->inflight = 1;
	sched_follow(loop);
	loop->stats.follow_ms = sched_phase(loop);
	sched_chores_run(loop, SCHED_CHORE_FOLLOWED);
	if (loop->opts.mode == SCHED_MODE_CLEANUP || loop->cluster_failed) {
		loop->next_ms = loop->opts.interval_ms;
		sched_req_done(loop);
		return;
	}
	next = sched_apply(loop);
	loop->next_ms = next >= 0 && next < loop->opts.interval_ms ?
	    (next < 50 ? 50 : next) : loop->opts.interval_ms;
	sched_req_done(loop);
}

/* When the submissions no pass has read want their pass (see
 * SCHED_STREAM_QUIET_MS), or INT64_MAX when there are none. */
static int64_t
sched_stream_due(const struct sched_loop *loop)
{
	int64_t quiet, max;

	if (loop->sub_first == 0)
		return INT64_MAX;
	quiet = loop->sub_last + loop->opts.stream_quiet_ms;
	max = loop->sub_first + loop->opts.stream_max_ms;
	return quiet < max ? quiet : max;
}

/* Sets the timer for the earliest pass asked for: by a kick, the policy
 * or the interval (due_at, which only comes nearer), or by a stream of
 * submissions (which a later one in the stream may push back). */
static void
sched_timer_set(struct sched_loop *loop)
{
	int64_t at = loop->due_at, s = sched_stream_due(loop), ms;
	struct timeval tv;

	if (s < at)
		at = s;
	if (at == INT64_MAX ||
	    (evtimer_pending(loop->timer, NULL) && loop->armed_at == at))
		return;
	loop->armed_at = at;
	ms = at - now_ms();
	if (ms < 0)
		ms = 0;
	tv = time_tv_ms(ms);
	evtimer_add(loop->timer, &tv);
}

/* Asks for a pass ms from now. */
static void
sched_arm(struct sched_loop *loop, int64_t ms)
{
	int64_t at;

	if (ms < 0)
		ms = 0;
	/* A pass due sooner stays due: a burst of kicks must not keep
	 * pushing it back. */
	at = now_ms() + ms;
	if (loop->due_at <= at)
		return;
	loop->due_at = at;
	sched_timer_set(loop);
}

/* The loop is done: nothing more happens, and the owner hears why. */
static void
sched_stopped(struct sched_loop *loop, enum sched_stop why)
{
	loop->stopped = true;
	evtimer_del(loop->timer);
	sched_reasons_drop(loop);
	sched_usage_flush(loop);
	if (loop->opts.on_stop != NULL)
		loop->opts.on_stop(why, loop->opts.cb_arg);
}

/* After the last request of a pass: report, then schedule the next. */
static void
sched_pass_end(struct sched_loop *loop)
{
	bool empty;

	loop->stats.passes++;
	loop->stats.pass_ms = now_ms() - loop->pass_start;
	loop->stats.effects_ms = sched_phase(loop);
	log_info("pass: effects %lld ms, whole pass %lld ms, cpu %lld ms",
	    (long long)loop->stats.effects_ms, (long long)loop->stats.pass_ms,
	    (long long)sched_pass_cpu(loop));
	sched_count(loop);
	sched_pass_release(loop);
	loop->in_pass = false;
	if (loop->opts.on_pass != NULL)
		loop->opts.on_pass(&loop->stats, loop->opts.cb_arg);
	empty = loop->stats.queued + loop->stats.admitted +
	    loop->stats.running + loop->stats.uncleaned == 0;
	if (loop->stopping)
		sched_stopped(loop, SCHED_STOP_ASKED);
	else if (loop->opts.once)
		sched_stopped(loop, SCHED_STOP_ONCE);
	else if (loop->opts.until_empty && empty)
		sched_stopped(loop, SCHED_STOP_EMPTY);
	else
		sched_arm(loop, loop->kicked ? 20 : loop->next_ms > 0 ?
		    loop->next_ms : loop->opts.interval_ms);
}

/* The timer: time for a pass. */
static void
sched_timer_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct sched_loop *loop = arg;

	(void)fd;
	(void)ev;
	loop->due_at = INT64_MAX;
	sched_pass_start(loop);
}

/* The cache changed: a failure to report, a pass to bring forward, or the
 * answer a gathering pass waits for. */
static void
sched_cache_changed(bool kick, const char *error, void *arg)
{
	struct sched_loop *loop = arg;

	if (error != NULL) {
		sched_note(loop, true, "%s", error);
		loop->stats.api_errors++;
	}
	if (loop->gathering)
		sched_gather_poke(loop, 0);
	else if (kick)
		sched_loop_kick(loop);
}

/* The site's per-user GPU limits, as the policy reads them (every owner). */
static void
sched_loop_limits(struct sched_loop *loop)
{
	const char *name;
	size_t i;
	int max;

	for (i = 0; (name = spec_site_gpu_name(loop->opts.site, i)) != NULL;
	    i++) {
		loop->site_types = xreallocarray(loop->site_types,
		    loop->nsite_types + 1, sizeof *loop->site_types);
		loop->site_types[loop->nsite_types++] = name;
		if ((max = spec_site_user_max_gpus(loop->opts.site, name)) <= 0)
			continue;
		loop->limits = xreallocarray(loop->limits, loop->nlimits + 1,
		    sizeof *loop->limits);
		loop->limits[loop->nlimits].owner = NULL;
		loop->limits[loop->nlimits].gpu_type = name;
		loop->limits[loop->nlimits++].max_gpus = max;
	}
}

/* Reads the runs the queue remembers into the estimates, once at start
 * (later ends are added as they happen). */
static void
sched_est_load(struct sched_loop *loop)
{
	struct store_run *r = NULL;
	char *cause = NULL;
	size_t i, n = 0;

	loop->est = sched_est_new();
	loop->est_gen = 1;
	if (store_runs(loop->store, 0, &r, &n, &cause) != 0) {
		log_warnx("%s", cause);
		free(cause);
		return;
	}
	for (i = 0; i < n; i++)
		sched_est_add(loop->est, r[i].owner, r[i].name, r[i].group,
		    r[i].run_ms);
	store_runs_free(r, n);
}

/* See sched-loop.h. */
struct sched_loop *
sched_loop_new(struct event_base *base, struct store *store,
    struct kube_client *kube, const struct sched_loop_opts *opts)
{
	struct sched_loop *loop = xcalloc(1, sizeof *loop);

	loop->base = base;
	loop->store = store;
	loop->kube = kube;
	loop->opts = *opts;
	if (loop->opts.interval_ms <= 0)
		loop->opts.interval_ms = 2000;
	if (loop->opts.stream_quiet_ms <= 0)
		loop->opts.stream_quiet_ms = SCHED_STREAM_QUIET_MS;
	if (loop->opts.stream_max_ms <= 0)
		loop->opts.stream_max_ms = SCHED_STREAM_MAX_MS;
	if (loop->opts.gang_timeout_s <= 0)
		loop->opts.gang_timeout_s = 600;
	if (loop->opts.pull_limit_s <= 0)
		loop->opts.pull_limit_s = 300;
	if (loop->opts.half_life_s <= 0)
		loop->opts.half_life_s = 7 * 86400;
	if (loop->opts.backoff_s <= 0)
		loop->opts.backoff_s = 10;
	if (loop->opts.log_limit == 0)
		loop->opts.log_limit = 256 * 1024;
	if (loop->opts.grace_s < 0)
		loop->opts.grace_s = 600;
	if (loop->opts.max_age_s <= 0)
		loop->opts.max_age_s = 30 * 86400;
	if (loop->opts.max_admit == 0)
		loop->opts.max_admit = SCHED_MAX_ADMIT;
	if (loop->opts.site == NULL) {
		struct spec_diags diags = { 0 };
		char *msg;
		size_t i;

		if (spec_site_load(&loop->own_site, &diags) != 0) {
			for (i = 0; i < diags.n; i++) {
				msg = spec_diag_format(&diags.v[i]);
				log_warnx("site profile: %s", msg);
				free(msg);
			}
		}
		spec_diags_release(&diags);
		loop->opts.site = loop->own_site;
	}
	loop->ops = loop->opts.dry_run ? &sched_ops_dry : &sched_ops_real;
	loop->chore_at = xcalloc(nitems(sched_chores), sizeof *loop->chore_at);
	sched_map_init(&loop->nsmap);
	sched_map_init(&loop->depmemo);
	sched_map_init(&loop->gusage);
	sched_strs_init(&loop->strs);
	loop->jtab.strs = &loop->strs;
	sched_map_init(&loop->ousage.map);
	sched_loop_limits(loop);
	sched_est_load(loop);
	sched_blocks_load(loop);
	loop->timer = evtimer_new(base, sched_timer_cb, loop);
	loop->due_at = INT64_MAX;
	loop->gather_ev = evtimer_new(base, sched_gather_cb, loop);
	loop->wr_ev = evtimer_new(base, sched_reasons_cb, loop);
	return loop;
}

/*
 * Starts the cache's lists and watches (each resumes from its
 * resourceVersion and relists on 410; see sched-cache.h), then the first
 * pass, which waits for the lists.
 */
void
sched_loop_start(struct sched_loop *loop)
{
	struct sched_cache_opts co = {
		.queue = store_queue_id(loop->store),
		.cleanup = loop->opts.mode == SCHED_MODE_CLEANUP,
		.on_change = sched_cache_changed,
		.arg = loop };

	loop->cc = sched_cache_new(loop->kube, &co);
	sched_arm(loop, 0);
}

/* Runs a pass soon, or right after the one in progress. */
void
sched_loop_kick(struct sched_loop *loop)
{
	if (loop->stopped)
		return;
	if (loop->in_pass) {
		loop->kicked = true;
		return;
	}
	if (!loop->stopping)
		sched_arm(loop, SCHED_KICK_MS);
}

/* See sched-loop.h: a stream of submissions gets a pass once it pauses,
 * or now and then while it lasts (SCHED_STREAM_QUIET_MS). */
void
sched_loop_submitted(struct sched_loop *loop)
{
	int64_t now = now_ms();
	bool lone;

	if (loop->stopped)
		return;
	lone = loop->sub_last == 0 ||
	    now - loop->sub_last >= loop->opts.stream_quiet_ms;
	loop->sub_last = now;
	if (loop->sub_first == 0)
		loop->sub_first = now;
	/* A pass in progress arms the next one when it ends. */
	if (loop->in_pass || loop->stopping)
		return;
	if (lone)
		sched_arm(loop, SCHED_KICK_MS);
	else
		sched_timer_set(loop);
}

/* Stops after the pass in progress (or now, between passes). */
void
sched_loop_stop(struct sched_loop *loop)
{
	if (loop->stopped || loop->stopping)
		return;
	loop->stopping = true;
	if (!loop->in_pass)
		sched_stopped(loop, SCHED_STOP_ASKED);
}

/*
 * Stops now, as a crash would: a replica that lost its Lease must not send
 * one more request.  The store stays as a kill leaves it, for the next
 * loop's recovery (the top of this file).  Only fair-share usage is
 * written, under the scheduler lock this loop still holds.
 */
void
sched_loop_abort(struct sched_loop *loop)
{
	size_t n;

	if (loop->stopped)
		return;
	loop->aborted = true;
	n = sched_req_cancel_all(loop);
	if (loop->clock_req != NULL) {
		kube_request_cancel(loop->clock_req);
		loop->clock_req = NULL;
	}
	sched_cache_free(loop->cc);
	loop->cc = NULL;
	evtimer_del(loop->gather_ev);
	evtimer_del(loop->wr_ev);
	if (loop->in_pass)
		log_warnx("pass aborted: %zu request%s in flight cancelled", n,
		    n == 1 ? "" : "s");
	loop->in_pass = loop->gathering = false;
	loop->inflight = 0;
	sched_stopped(loop, SCHED_STOP_ABORTED);
}

/* Whether the loop gave up. */
bool
sched_loop_failed(const struct sched_loop *loop)
{
	return loop->failed;
}

/* How many actions failed. */
int64_t
sched_loop_failures(const struct sched_loop *loop)
{
	return loop->stats.failures;
}

/* See sched-loop.h. */
json_t *
sched_loop_dump_cache(const struct sched_loop *loop)
{
	return loop->cc != NULL ? sched_cache_dump(loop->cc) : json_object();
}

/* Frees the loop (after the event loop has returned). */
void
sched_loop_free(struct sched_loop *loop)
{
	if (loop == NULL)
		return;
	loop->aborted = true;
	sched_req_cancel_all(loop);
	if (loop->clock_req != NULL)
		kube_request_cancel(loop->clock_req);
	sched_cache_free(loop->cc);
	event_free(loop->timer);
	event_free(loop->gather_ev);
	event_free(loop->wr_ev);
	sched_reasons_release(loop);
	sched_pass_release(loop);
	sched_jobs_drop(loop);
	sched_ns_drop(loop);
	if (loop->ss != NULL)
		sched_snap_release(loop->ss, true);
	free(loop->ss);
	sched_map_release(&loop->gusage, sched_gusage_free);
	sched_usage_free(loop);
	free(loop->limits);
	free(loop->site_types);
	sched_est_free(loop->est);
	sched_blocks_free(loop);
	free(loop->chore_at);
	spec_site_free(loop->own_site);
	sched_strs_release(&loop->strs);
	free(loop);
}
