/*
 * The scheduling loop.  A pass lists what it needs (the queue from the
 * store; nodes, pods, quotas and our objects from the cluster, all in
 * parallel), then acts: it follows every admitted job to its end, runs the
 * policy over the queued ones and creates what the policy admits.  The next
 * pass starts when every request of this one has finished, after a delay,
 * or earlier when something changes.
 *
 * Crash safety comes from order and names: a job is admitted in the store
 * before its objects are created under deterministic names, so a restarted
 * loop re-creates what is missing (AlreadyExists is success) and never
 * duplicates; a job is re-queued only after its objects are deleted; an
 * ended job is marked cleaned only after its deletes succeeded.
 */
#include "sched-loop.h"

#include <event2/event.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "kube.h"
#include "sched.h"
#include "sched-adapt.h"
#include "sched-estimate.h"
#include "sched-observe.h"
#include "spec.h"
#include "store.h"

#define SCHED_MANAGED "app.kubernetes.io/managed-by=ailab-queue"
#define SCHED_JOB_LABEL SPEC_LABEL_JOB
#define SCHED_ATTEMPT_LABEL SPEC_LABEL_ATTEMPT
#define SCHED_QUEUE_LABEL SPEC_LABEL_QUEUE
#define SCHED_LOG_TAIL_LINES 100000
/* A gang with a pod Unschedulable for GPUs this long (cluster clock) is
 * given back: it holds quota and runs nothing. */
#define SCHED_UNSCHED_GRACE_MS (30 * 1000)
/* A GPU type judged full stays so this long at first, doubling on each
 * judgement in a row up to the cap (cluster clock). */
#define SCHED_FULL_BACKOFF_MS (60 * 1000)
#define SCHED_FULL_BACKOFF_MAX_MS (15 * 60 * 1000)
/* Quiet widenings after which a judgement is forgotten. */
#define SCHED_FULL_PROBES 8
/* What a pass admits at most by default: it creates all of it at once. */
#define SCHED_MAX_ADMIT 256

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

enum sched_slot {
	SLOT_QUOTAS,
	SLOT_DEPLOYMENTS,
	SLOT_JOBS,
	SLOT_SERVICES,
	SLOT_PODS,
	SLOT_COUNT
};

static const enum kube_kind sched_slot_kind[SLOT_COUNT] = {
	KUBE_RESOURCEQUOTAS, KUBE_DEPLOYMENTS, KUBE_JOBS, KUBE_SERVICES,
	KUBE_PODS
};

/*
 * What the loop keeps of one job across passes: the scheduler's part of its
 * spec, parsed once (the spec text never changes after submission; the
 * revision is the job's updated_at, so a changed job is read again), and
 * where the job sits in this pass's list.
 */
struct sched_centry {
	int64_t id;                  /* 0: empty slot */
	int64_t rev;
	size_t idx;                  /* in loop->jobs this pass */
	bool parsed;                 /* sp (or cause) is filled */
	bool ok;
	struct sched_spec sp;
	char *cause;                 /* why the spec cannot be read */
	uint64_t est_gen;            /* estimate below is of this generation */
	int64_t est_s;
	char *est_basis;
};

/* An open-addressing table of entries by job id. */
struct sched_cache {
	struct sched_centry *v;
	size_t cap;                  /* 0 or a power of two */
};

/* What a pass learned about one namespace. */
struct sched_ns {
	char *name;
	json_t *items[SLOT_COUNT];   /* arrays; NULL if the list failed */
	bool failed;                 /* a list failed: do not act here */
	bool forbidden;              /* ... because the user may not */
	char *error;
};

struct sched_loop {
	struct event_base *base;
	struct store *store;
	struct kube_client *kube;
	struct sched_loop_opts opts;
	struct spec_site *own_site;  /* loaded when opts.site is NULL */
	struct sched_user_limit *limits; /* from the site, for every owner */
	size_t nlimits;
	struct event *timer;
	int64_t armed_at;            /* when the timer fires, local ms */
	struct kube_watch *watches[3];  /* pods, deployments, jobs */

	bool in_pass;
	bool kicked;
	bool stopping;
	bool failed;
	int inflight;
	int64_t pass_start;
	bool cluster_failed;         /* nodes or pods: no admissions */

	/* The pass's snapshot. */
	struct store_job **jobs;
	size_t njobs;
	struct sched_cache cache;    /* an entry per job of jobs[] */
	/* Decayed usage of each owner's groups, in memory only (groups are
	 * short-lived): "owner\tgroup" -> {owner, group, gpu_ms, at}. */
	json_t *gusage;
	struct sched_ns *ns;
	size_t nns;
	json_t *nsmap;               /* namespace name -> index in ns */
	json_t *depmemo;   /* "owner\t#id" or "owner\tns/name" -> [id, state] */
	/* Reasons of admitted jobs waiting for their pods, written at once. */
	int64_t *wait_ids;
	char **wait_reasons;
	size_t nwait;
	/* Admitted jobs now fully running, recorded at once. */
	struct store_job **started;
	size_t nstarted;
	int64_t t_mark;              /* start of the phase being timed */
	json_t *nodes;               /* NULL: not readable */
	json_t *allpods;             /* NULL: not readable */
	json_t *byjob;    /* "ns/id" -> {deployments,jobs,...,pods}: ours only */
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
};

/* One request of a pass, and where its answer goes. */
struct sched_req {
	struct sched_loop *loop;
	json_t **slot;
	size_t ns;                   /* index in loop->ns, or (size_t)-1 */
	bool optional;               /* 403 means unreadable, not failure */
};

static void sched_pass_start(struct sched_loop *);

/* Says what happened, to the caller's reporter or the log; counts failures.
 */
static void printflike(3, 4)
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
static void sched_pass_act(struct sched_loop *);
static void sched_pass_end(struct sched_loop *);

/* Counts a request of this pass done; acts or ends when all are. */
static void
sched_req_done(struct sched_loop *loop, bool listing)
{
	if (--loop->inflight > 0)
		return;
	if (listing)
		sched_pass_act(loop);
	else
		sched_pass_end(loop);
}

/* Stores a list answer in its slot. */
static void
sched_list_cb(struct kube_response *r, void *arg)
{
	struct sched_req *req = arg;
	struct sched_loop *loop = req->loop;
	struct sched_ns *ns;
	json_t *body;
	char *err;
	bool forbidden;

	if (r->error != NULL) {
		forbidden = kube_is_forbidden(r->error) ||
		    kube_is_unauthorized(r->error);
		if (req->optional && forbidden)
			;       /* unreadable: the pass does without */
		else if (req->ns == (size_t)-1) {
			err = kube_error_string(r->error);
			sched_note(loop, true, "listing: %s", err);
			free(err);
			loop->cluster_failed = true;
			loop->stats.api_errors++;
		} else if (!loop->ns[req->ns].failed) {
			ns = &loop->ns[req->ns];
			ns->failed = true;
			ns->forbidden = forbidden;
			ns->error = kube_error_string(r->error);
			if (!forbidden) {
				sched_note(loop, true, "listing: %s", ns->error);
				loop->stats.api_errors++;
			}
		}
	} else if ((body = kube_response_take_body(r)) != NULL) {
		*req->slot = json_incref(kube_list_items(body));
		json_decref(body);
	}
	free(req);
	sched_req_done(loop, true);
}

/* Starts one list request of the pass. */
static void
sched_list(struct sched_loop *loop, enum kube_kind kind, size_t ns,
    const char *labels, const char *fields, json_t **slot, bool optional)
{
	struct sched_req *req = xcalloc(1, sizeof *req);
	struct kube_list_opts lo = { .label_selector = labels,
		.field_selector = fields };

	req->loop = loop;
	req->slot = slot;
	req->ns = ns;
	req->optional = optional;
	loop->inflight++;
	kube_list(loop->kube, kind, ns == (size_t)-1 ? NULL :
	    loop->ns[ns].name, &lo, sched_list_cb, req);
}

/* The slot of an id in a table: its entry, or the empty slot for it. */
static struct sched_centry *
sched_cache_slot(const struct sched_cache *c, int64_t id)
{
	size_t i;

	if (c->cap == 0)
		return NULL;
	i = (size_t)((uint64_t)id * 0x9e3779b97f4a7c15ull >> 20) &
	    (c->cap - 1);
	while (c->v[i].id != 0 && c->v[i].id != id)
		i = (i + 1) & (c->cap - 1);
	return &c->v[i];
}

/* The entry of a job of this pass, or NULL. */
static struct sched_centry *
sched_cache_find(const struct sched_cache *c, int64_t id)
{
	struct sched_centry *e = sched_cache_slot(c, id);

	return e != NULL && e->id == id ? e : NULL;
}

/* Frees the parsed parts of an entry. */
static void
sched_centry_release(struct sched_centry *e)
{
	free(e->est_basis);
	if (e->parsed && e->ok)
		sched_spec_release(&e->sp);
	free(e->cause);
	memset(e, 0, sizeof *e);
}

/* Frees a table and its entries. */
static void
sched_cache_free(struct sched_cache *c)
{
	size_t i;

	for (i = 0; i < c->cap; i++)
		if (c->v[i].id != 0)
			sched_centry_release(&c->v[i]);
	free(c->v);
	c->v = NULL;
	c->cap = 0;
}

/* The bulk read asks: does this job's spec text need reading?  Only for a
 * job on the cluster, whose objects are rendered from it; waiting jobs'
 * fields come from the cache or from store_spec_fields. */
static bool
sched_want_spec(const struct store_job *j, void *arg)
{
	(void)arg;
	return store_state_is_active(j->state);
}

/* Reads the fields of the waiting jobs not cached yet, in one query. */
static void
sched_cache_fill(struct sched_loop *loop)
{
	struct sched_centry *e;
	int64_t *ids;
	char **v = NULL, *cause = NULL;
	size_t i, k, n = 0;

	ids = xcalloc(loop->njobs + 1, sizeof *ids);
	for (i = 0; i < loop->njobs; i++) {
		e = sched_cache_find(&loop->cache, loop->jobs[i]->id);
		if (!e->parsed && loop->jobs[i]->spec_json == NULL &&
		    !store_state_is_terminal(loop->jobs[i]->state))
			ids[n++] = loop->jobs[i]->id;
	}
	if (n > 0 && store_spec_fields(loop->store, ids, n, sched_spec_paths,
	    SCHED_SPEC_NFIELDS, &v, &cause) != 0) {
		log_warnx("%s", cause);
		free(cause);
		n = 0;
	}
	for (i = 0; i < n; i++) {
		e = sched_cache_find(&loop->cache, ids[i]);
		e->parsed = true;
		e->ok = sched_spec_from_fields((const char *const *)&v[i *
		    SCHED_SPEC_NFIELDS], &e->sp, &e->cause) == 0;
		for (k = 0; k < SCHED_SPEC_NFIELDS; k++)
			free(v[i * SCHED_SPEC_NFIELDS + k]);
	}
	free(v);
	free(ids);
}

/*
 * Builds this pass's table from the jobs just read: entries still valid
 * move over from the last pass's table, others are parsed now; entries of
 * jobs no longer listed are freed.
 */
static void
sched_cache_rebuild(struct sched_loop *loop)
{
	struct sched_cache old = loop->cache, nc;
	struct sched_centry *e, *o;
	struct store_job *j;
	size_t i;

	nc.cap = 64;
	while (nc.cap < loop->njobs * 2)
		nc.cap *= 2;
	nc.v = xcalloc(nc.cap, sizeof *nc.v);
	for (i = 0; i < loop->njobs; i++) {
		j = loop->jobs[i];
		e = sched_cache_slot(&nc, j->id);
		o = sched_cache_find(&old, j->id);
		if (o != NULL && o->parsed && o->rev == j->updated_at) {
			*e = *o;
			memset(o, 0, sizeof *o);
			o->id = -1;  /* moved; keeps the probe chain intact */
		} else {
			e->id = j->id;
			e->rev = j->updated_at;
		}
		e->idx = i;
		if (!e->parsed && j->spec_json != NULL) {
			e->parsed = true;
			e->ok = sched_spec_read(j, &e->sp, &e->cause) == 0;
		}
	}
	for (i = 0; i < old.cap; i++)
		if (old.v[i].id > 0)
			sched_centry_release(&old.v[i]);
	free(old.v);
	loop->cache = nc;
	log_debug("pass: cache rebuilt %lld ms", (long long)(now_ms() -
	    loop->t_mark));
	sched_cache_fill(loop);
	log_debug("pass: cache filled %lld ms", (long long)(now_ms() -
	    loop->t_mark));
}

/*
 * A job's run-time estimate in seconds (0: the queue knows too little) and
 * what it rests on (NULL with none), kept per job until more runs end.
 */
static int64_t
sched_estimate(struct sched_loop *loop, const struct store_job *j,
    const char **basis)
{
	struct sched_centry *e = sched_cache_find(&loop->cache, j->id);
	char buf[128];
	int64_t est;

	if (basis != NULL)
		*basis = NULL;
	if (e != NULL && e->est_gen == loop->est_gen) {
		if (basis != NULL)
			*basis = e->est_basis;
		return e->est_s;
	}
	est = sched_est_get(loop->est, j->owner, j->name, j->group, buf,
	    sizeof buf);
	if (e == NULL)
		return est;
	free(e->est_basis);
	e->est_basis = est > 0 ? xstrdup(buf) : NULL;
	e->est_s = est;
	e->est_gen = loop->est_gen;
	if (basis != NULL)
		*basis = e->est_basis;
	return est;
}

/* The scheduler's part of a job's spec, or NULL with *cause (not to be
 * freed) when it cannot be read. */
static const struct sched_spec *
sched_spec_of(struct sched_loop *loop, const struct store_job *j,
    const char **cause)
{
	struct sched_centry *e = sched_cache_find(&loop->cache, j->id);

	if (e != NULL && !e->parsed && j->spec_json != NULL) {
		e->parsed = true;
		e->ok = sched_spec_read(j, &e->sp, &e->cause) == 0;
	}
	if (e == NULL || !e->parsed || !e->ok) {
		if (cause != NULL)
			*cause = e != NULL && e->cause != NULL ? e->cause :
			    "spec not read";
		return NULL;
	}
	return &e->sp;
}

/* Milliseconds since the phase mark, moving the mark to now. */
static int64_t
sched_phase(struct sched_loop *loop)
{
	int64_t t = now_ms(), d = t - loop->t_mark;

	loop->t_mark = t;
	return d;
}

/* Frees what one pass gathered. */
static void
sched_pass_release(struct sched_loop *loop)
{
	size_t i;
	int s;

	store_jobs_free(loop->jobs, loop->njobs);
	loop->jobs = NULL;
	loop->njobs = 0;
	for (i = 0; i < loop->nns; i++) {
		free(loop->ns[i].name);
		free(loop->ns[i].error);
		for (s = 0; s < SLOT_COUNT; s++)
			json_decref(loop->ns[i].items[s]);
	}
	free(loop->ns);
	loop->ns = NULL;
	loop->nns = 0;
	json_decref(loop->nsmap);
	json_decref(loop->depmemo);
	loop->nsmap = loop->depmemo = NULL;
	for (i = 0; i < loop->nwait; i++)
		free(loop->wait_reasons[i]);
	free(loop->wait_ids);
	free(loop->wait_reasons);
	loop->wait_ids = NULL;
	loop->wait_reasons = NULL;
	loop->nwait = 0;
	free(loop->started);
	loop->started = NULL;
	loop->nstarted = 0;
	json_decref(loop->nodes);
	json_decref(loop->allpods);
	json_decref(loop->byjob);
	loop->nodes = loop->allpods = loop->byjob = NULL;
}

/* Writes the GPU types judged full where `why` and `quota` read them. */
static void
sched_blocks_save(struct sched_loop *loop)
{
	json_t *a = json_array();
	char *text, *cause = NULL;
	size_t i;

	for (i = 0; i < loop->nblocks; i++)
		json_array_append_new(a, json_pack("{s:s,s:I,s:s,s:i,s:I}",
		    "type", loop->blocks[i].type, "until",
		    (json_int_t)loop->blocks[i].until, "why",
		    loop->blocks[i].why != NULL ? loop->blocks[i].why : "",
		    "strikes", loop->blocks[i].strikes, "max_gpus",
		    (json_int_t)loop->blocks[i].max_gpus));
	text = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	if (!loop->opts.dry_run && text != NULL &&
	    store_meta_set(loop->store, "sched.full", text, &cause) != 0) {
		log_warnx("%s", cause);
		free(cause);
	}
	free(text);
}

/* Takes up the judgements of an earlier run (sched --once from cron). */
static void
sched_blocks_load(struct sched_loop *loop)
{
	char *text = NULL, *cause = NULL;
	json_t *a, *b;
	size_t i;

	if (store_meta_get(loop->store, "sched.full", &text, &cause) != 0) {
		log_warnx("%s", cause);
		free(cause);
		return;
	}
	a = text != NULL ? json_loads(text, 0, NULL) : NULL;
	free(text);
	json_array_foreach(a, i, b) {
		const char *t = json_string_value(json_object_get(b, "type"));
		const char *w = json_string_value(json_object_get(b, "why"));

		if (t == NULL)
			continue;
		loop->blocks = xreallocarray(loop->blocks, loop->nblocks + 1,
		    sizeof *loop->blocks);
		loop->blocks[loop->nblocks++] = (struct sched_block){
		    .type = xstrdup(t), .why = w != NULL ? xstrdup(w) : NULL,
		    .until = json_integer_value(json_object_get(b, "until")),
		    .strikes = (int)json_integer_value(json_object_get(b,
		    "strikes")),
		    .max_gpus = json_integer_value(json_object_get(b,
		    "max_gpus")) };
	}
	json_decref(a);
}

/* The block of a GPU type, added (not in force) if absent. */
static struct sched_block *
sched_block_get(struct sched_loop *loop, const char *type)
{
	size_t i;

	for (i = 0; i < loop->nblocks; i++)
		if (strcmp(loop->blocks[i].type, type) == 0)
			return &loop->blocks[i];
	loop->blocks = xreallocarray(loop->blocks, loop->nblocks + 1,
	    sizeof *loop->blocks);
	memset(&loop->blocks[loop->nblocks], 0, sizeof *loop->blocks);
	loop->blocks[loop->nblocks].type = xstrdup(type);
	return &loop->blocks[loop->nblocks++];
}

/*
 * Without sight of nodes, one of our pods Unschedulable for GPUs is the
 * cluster saying the type is full at what we run there now: until the
 * back-off (doubling while it keeps happening) passes, jobs go there only
 * as ours on it end and leave room.
 */
static void
sched_type_full(struct sched_loop *loop, const struct store_job *j,
    const char *why)
{
	struct sched_block *b;
	int64_t backoff;
	size_t i;
	int shift;

	if (loop->sight != SCHED_SIGHT_NAMESPACE || j->run_gpu_type == NULL ||
	    *j->run_gpu_type == '\0')
		return;
	b = sched_block_get(loop, j->run_gpu_type);
	/* Judged already, and not widened since: the same news. */
	if (b->until > loop->now && b->probes == 0)
		return;
	b->max_gpus = 0;
	b->probes = 0;
	for (i = 0; i < loop->njobs; i++)
		if (loop->jobs[i]->state == STORE_RUNNING &&
		    strcmp(loop->jobs[i]->run_gpu_type, b->type) == 0)
			b->max_gpus += (int64_t)loop->jobs[i]->gpu_count *
			    loop->jobs[i]->replicas;
	b->strikes++;
	shift = b->strikes - 1 < 8 ? b->strikes - 1 : 8;
	backoff = SCHED_FULL_BACKOFF_MS << shift;
	if (backoff > SCHED_FULL_BACKOFF_MAX_MS)
		backoff = SCHED_FULL_BACKOFF_MAX_MS;
	b->until = loop->now + backoff;
	free(b->why);
	b->why = xprintf("job %lld's pod found no room (%s)",
	    (long long)j->id, why != NULL ? why : "Unschedulable");
	sched_note(loop, false, "GPU type %s judged full at %lld GPUs of ours "
	    "for %llds: %s", b->type, (long long)b->max_gpus,
	    (long long)(backoff / 1000), b->why);
	sched_blocks_save(loop);
}

/*
 * A judgement's back-off passed without another: widen what may run on the
 * type by a quarter (at least a GPU) for one more back-off period, as a
 * congestion window grows, rather than flooding it at once; after a few
 * quiet widenings the judgement is forgotten.
 */
static void
sched_blocks_probe(struct sched_loop *loop)
{
	struct sched_block *b;
	bool changed = false;
	size_t i;

	for (i = 0; i < loop->nblocks; i++) {
		b = &loop->blocks[i];
		if (b->until == 0 || b->until > loop->now)
			continue;
		changed = true;
		if (++b->probes > SCHED_FULL_PROBES) {
			b->until = 0;
			continue;
		}
		b->max_gpus += b->max_gpus / 4 > 1 ? b->max_gpus / 4 : 1;
		b->until = loop->now + SCHED_FULL_BACKOFF_MS;
	}
	if (changed)
		sched_blocks_save(loop);
}

/* One of our jobs on a type ended after running: the next judgement
 * starts the back-off over. */
static void
sched_type_freed(struct sched_loop *loop, const char *type)
{
	size_t i;

	if (type == NULL || *type == '\0')
		return;
	for (i = 0; i < loop->nblocks; i++) {
		if (strcmp(loop->blocks[i].type, type) != 0 ||
		    loop->blocks[i].strikes == 0 ||
		    loop->blocks[i].until > loop->now)
			continue;
		loop->blocks[i].strikes = 0;
		sched_blocks_save(loop);
	}
}

/*
 * Says once, and again when it changes, what the loop can see of the
 * cluster and what it does instead (docs/operations.md, "Two modes").
 */
static void
sched_sight_update(struct sched_loop *loop)
{
	enum sched_sight now = loop->nodes != NULL && loop->allpods != NULL ?
	    SCHED_SIGHT_INFORMED : SCHED_SIGHT_NAMESPACE;
	char *text, *cause = NULL;

	if (now == loop->sight)
		return;
	loop->sight = now;
	if (now == SCHED_SIGHT_INFORMED)
		text = xstrdup("informed: nodes and every pod are readable; "
		    "gangs are admitted only where they fit");
	else
		text = xprintf("namespace-only: the credentials cannot list "
		    "%s%s%s; jobs are admitted on quota alone, a GPU type is "
		    "judged full when one of our pods is Unschedulable for "
		    "GPUs, and such a gang is given back after %ds",
		    loop->nodes == NULL ? "nodes" : "",
		    loop->nodes == NULL && loop->allpods == NULL ? " and " : "",
		    loop->allpods == NULL ? "pods of other namespaces" : "",
		    SCHED_UNSCHED_GRACE_MS / 1000);
	if (loop->opts.mode == SCHED_MODE_SCHEDULE) {
		if (now == SCHED_SIGHT_NAMESPACE)
			log_warnx("%s", text);
		else
			log_info("%s", text);
	}
	if (!loop->opts.dry_run && store_meta_set(loop->store, "sched.sight",
	    text, &cause) != 0) {
		log_warnx("%s", cause);
		free(cause);
	}
	free(text);
}

/* The namespace entry of a pass, or NULL. */
static struct sched_ns *
sched_ns_find(struct sched_loop *loop, const char *name)
{
	json_t *v = json_object_get(loop->nsmap, name);

	return v != NULL ? &loop->ns[json_integer_value(v)] : NULL;
}

/* The namespace entry of a pass, added on first use. */
static struct sched_ns *
sched_ns_get(struct sched_loop *loop, const char *name)
{
	struct sched_ns *ns;

	if (loop->nsmap == NULL)
		loop->nsmap = json_object();
	if ((ns = sched_ns_find(loop, name)) != NULL)
		return ns;
	loop->ns = xreallocarray(loop->ns, loop->nns + 1, sizeof *loop->ns);
	memset(&loop->ns[loop->nns], 0, sizeof *loop->ns);
	loop->ns[loop->nns].name = xstrdup(name);
	json_object_set_new(loop->nsmap, name, json_integer((json_int_t)
	    loop->nns));
	return &loop->ns[loop->nns++];
}

/* Begins a pass: reads the queue, then lists the cluster in parallel. */
static void
sched_pass_start(struct sched_loop *loop)
{
	struct store_job **all = NULL;
	struct sched_ns *ns;
	size_t n = 0, i;
	char *cause = NULL;
	bool cleanup;
	int s;

	if (loop->in_pass)
		return;
	loop->in_pass = true;
	loop->kicked = false;
	loop->cluster_failed = false;
	loop->pass_start = loop->t_mark = now_ms();

	/* Jobs that are waiting, on the cluster, or not yet cleaned. */
	if (store_sched_jobs(loop->store, sched_want_spec, loop, &all, &n,
	    &cause) != 0) {
		sched_note(loop, true, "reading the queue: %s", cause);
		free(cause);
		loop->in_pass = false;
		sched_pass_end(loop);
		return;
	}
	loop->jobs = all;
	loop->njobs = n;
	log_debug("pass: store read %lld ms", (long long)(now_ms() -
	    loop->t_mark));
	sched_cache_rebuild(loop);
	for (i = 0; i < n; i++)
		sched_ns_get(loop, all[i]->namespace);
	loop->stats.read_ms = sched_phase(loop);
	cleanup = loop->opts.mode == SCHED_MODE_CLEANUP;
	if (cleanup) {
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

	loop->inflight = 1;      /* held until every request is started */
	if (!cleanup) {
		sched_list(loop, KUBE_NODES, (size_t)-1, NULL, NULL,
		    &loop->nodes, true);
		sched_list(loop, KUBE_PODS, (size_t)-1, NULL,
		    "status.phase!=Succeeded,status.phase!=Failed",
		    &loop->allpods, true);
	}
	for (i = 0; i < loop->nns; i++) {
		ns = &loop->ns[i];
		for (s = cleanup ? SLOT_DEPLOYMENTS : 0; s < SLOT_COUNT; s++)
			sched_list(loop, sched_slot_kind[s], i,
			    s == SLOT_QUOTAS ? NULL : SCHED_MANAGED, NULL,
			    &ns->items[s], s == SLOT_QUOTAS);
	}
	sched_req_done(loop, true);
}

/* Files every object of ours under its job id, for the reconcile step. */
static void
sched_index_objects(struct sched_loop *loop)
{
	static const char *const keys[SLOT_COUNT] = { "quotas", "deployments",
		"jobs", "services", "pods" };
	const char *queue = store_queue_id(loop->store), *id, *q;
	json_t *obj, *entry;
	char *key;
	size_t i, k;
	int s;

	loop->byjob = json_object();
	for (i = 0; i < loop->nns; i++) {
		for (s = SLOT_DEPLOYMENTS; s < SLOT_COUNT; s++) {
			json_array_foreach(loop->ns[i].items[s], k, obj) {
				id = kube_obj_label(obj, SCHED_JOB_LABEL);
				q = kube_obj_label(obj, SCHED_QUEUE_LABEL);
				/* Another queue's job of the same id, or an
				 * object no queue labelled: not ours. */
				if (id == NULL || q == NULL || strcmp(q, queue))
					continue;
				key = xprintf("%s/%s", kube_obj_namespace(obj),
				    id);
				entry = json_object_get(loop->byjob, key);
				if (entry == NULL) {
					entry = json_pack("{s:[],s:[],s:[],s:[]}",
					    "deployments", "jobs", "services",
					    "pods");
					json_object_set_new(loop->byjob, key,
					    entry);
				}
				free(key);
				json_array_append(json_object_get(entry,
				    keys[s]), obj);
			}
		}
	}
}

/* The objects of one job found this pass, by kind ("pods", "jobs", ...):
 * this queue's, in the job's namespace. */
static json_t *
sched_job_objects(struct sched_loop *loop, const struct store_job *j,
    const char *kind)
{
	char *key = xprintf("%s/%lld", j->namespace, (long long)j->id);
	json_t *o;

	o = json_object_get(json_object_get(loop->byjob, key), kind);
	free(key);
	return o;
}

/* The number of objects of ours a job still has. */
static size_t
sched_job_object_count(struct sched_loop *loop, const struct store_job *j)
{
	return json_array_size(sched_job_objects(loop, j, "deployments")) +
	    json_array_size(sched_job_objects(loop, j, "jobs")) +
	    json_array_size(sched_job_objects(loop, j, "services")) +
	    json_array_size(sched_job_objects(loop, j, "pods"));
}

/* Pods of the job's current attempt (older attempts' pods are ignored). */
static json_t *
sched_attempt_pods(struct sched_loop *loop, const struct store_job *j)
{
	json_t *pods = json_array(), *p;
	const char *a;
	size_t i;
	char want[16];

	snprintf(want, sizeof want, "%d", j->attempts);
	json_array_foreach(sched_job_objects(loop, j, "pods"), i, p) {
		a = kube_obj_label(p, SCHED_ATTEMPT_LABEL);
		if (a == NULL || strcmp(a, want) == 0)
			json_array_append(pods, p);
	}
	return pods;
}

/* ---- effects: each one an asynchronous chain of requests ---- */

enum sched_after {
	SCHED_AFTER_CLEANED,         /* mark the job cleaned */
	SCHED_AFTER_REQUEUE,         /* back to the queue, then cleaned */
};

/*
 * The client that creates and deletes a job's objects: the one the caller
 * gives for its owner (the shared server impersonating them), else ours.
 */
static struct kube_client *
sched_client(struct sched_loop *loop, const char *owner)
{
	struct kube_client *kc = NULL;

	if (loop->opts.client_for != NULL && owner != NULL)
		kc = loop->opts.client_for(owner, loop->opts.client_arg);
	return kc != NULL ? kc : loop->kube;
}

/* A job's teardown: archive logs, delete objects, then record. */
struct sched_teardown {
	struct sched_loop *loop;
	int64_t id;
	int attempt;
	char *ns;
	char *owner;
	enum sched_after after;
	char *reason;
	int64_t not_before;
	json_t *objects;             /* [{kind, name}] to delete */
	json_t *replicas;            /* [{pod, rank, node, exit, reason, prev}] */
	int pending;
	bool failed;
};

static void sched_teardown_delete(struct sched_teardown *);

/* Finishes a teardown: records the outcome if every step worked. */
static void
sched_teardown_finish(struct sched_teardown *t)
{
	struct store_change chg = { .not_before = t->not_before };
	char *cause = NULL;

	if (!t->failed) {
		if (t->after == SCHED_AFTER_REQUEUE &&
		    store_transition_with(t->loop->store, t->id,
		    STORE_STATE_BIT(STORE_ADMITTED) |
		    STORE_STATE_BIT(STORE_RUNNING), STORE_QUEUED, t->reason,
		    &chg, &cause) != 0) {
			sched_note(t->loop, true, "job %lld: %s",
			    (long long)t->id, cause);
			free(cause);
			cause = NULL;
		}
		if (store_set_cleaned(t->loop->store, t->id, &cause) != 0) {
			sched_note(t->loop, true, "job %lld: %s",
			    (long long)t->id, cause);
			free(cause);
		} else if (json_array_size(t->objects) > 0)
			sched_note(t->loop, false, "job %lld: deleted %zu "
			    "object%s", (long long)t->id,
			    json_array_size(t->objects),
			    json_array_size(t->objects) == 1 ? "" : "s");
	}
	json_decref(t->objects);
	json_decref(t->replicas);
	free(t->reason);
	free(t->ns);
	free(t->owner);
	sched_req_done(t->loop, false);
	free(t);
}

/* True if a replica of an attempt already has its end archived. */
static bool
sched_replica_archived(struct sched_loop *loop, int64_t id, int attempt,
    int rank)
{
	struct store_replica *r = NULL;
	size_t n = 0, i;
	bool found = false;

	if (store_replicas(loop->store, id, &r, &n, NULL) != 0)
		return false;
	for (i = 0; i < n; i++)
		if (r[i].attempt == attempt && r[i].rank == rank)
			found = true;
	store_replicas_free(r, n);
	return found;
}

/* One archived log came back: keep its tail with the replica's end. */
static void
sched_teardown_log_cb(struct kube_response *r, void *arg)
{
	struct sched_teardown *t = *(struct sched_teardown **)arg;
	json_t *rep = ((json_t **)arg)[1];
	struct store_replica sr;
	size_t limit = t->loop->opts.log_limit, len = 0;
	const char *text = NULL;
	char *cause = NULL;

	memset(&sr, 0, sizeof sr);
	if (r->error == NULL && r->text != NULL) {
		text = r->text;
		len = r->text_len;
	} else if (r->error != NULL && !kube_is_not_found(r->error))
		t->loop->stats.api_errors++;
	if (len > limit) {
		text += len - limit;
		len = limit;
		sr.log_truncated = true;
	}
	sr.attempt = t->attempt;
	sr.rank = (int)json_integer_value(json_object_get(rep, "rank"));
	sr.node = (char *)json_string_value(json_object_get(rep, "node"));
	sr.has_exit_code = json_object_get(rep, "exit") != NULL;
	sr.exit_code = (int)json_integer_value(json_object_get(rep, "exit"));
	sr.reason = (char *)json_string_value(json_object_get(rep, "reason"));
	sr.log = (char *)text;
	sr.log_len = len;
	/* A second teardown (after a failed delete) finds no log: keep what
	 * the first one archived. */
	if (text == NULL && sched_replica_archived(t->loop, t->id, sr.attempt,
	    sr.rank))
		goto out;
	if (store_replica_save(t->loop->store, t->id, &sr, &cause) != 0) {
		sched_note(t->loop, true, "job %lld: %s", (long long)t->id,
		    cause);
		free(cause);
	}
out:
	free(arg);
	if (--t->pending == 0)
		sched_teardown_delete(t);
}

/* One delete came back; NotFound is success. */
static void
sched_teardown_delete_cb(struct kube_response *r, void *arg)
{
	struct sched_teardown *t = arg;
	char *err;

	if (r->error != NULL && !kube_is_not_found(r->error)) {
		err = kube_error_string(r->error);
		sched_note(t->loop, true, "job %lld: deleting: %s",
		    (long long)t->id, err);
		free(err);
		t->failed = true;
		t->loop->stats.api_errors++;
	}
	if (--t->pending == 0)
		sched_teardown_finish(t);
}

/* Deletes every object of the job (Background: pods go with them). */
static void
sched_teardown_delete(struct sched_teardown *t)
{
	struct kube_delete_opts dopts = {
		.propagation = KUBE_PROPAGATION_BACKGROUND,
		.grace_seconds = -1 };
	json_t *o;
	size_t i;

	if (json_array_size(t->objects) == 0) {
		sched_teardown_finish(t);
		return;
	}
	t->pending = (int)json_array_size(t->objects);
	json_array_foreach(t->objects, i, o) {
		kube_delete(sched_client(t->loop, t->owner),
		    (enum kube_kind)json_integer_value(
		    json_object_get(o, "kind")), t->ns, json_string_value(
		    json_object_get(o, "name")), &dopts,
		    sched_teardown_delete_cb, t);
	}
}

/* Adds the job's objects of one kind to a teardown's delete list. */
static void
sched_teardown_add(struct sched_teardown *t, json_t *objs,
    enum kube_kind kind)
{
	json_t *o;
	size_t i;

	json_array_foreach(objs, i, o)
		json_array_append_new(t->objects, json_pack("{s:i,s:s}",
		    "kind", (int)kind, "name", kube_obj_name(o)));
}

/*
 * Tears a job down: keeps each replica's log tail and end, deletes its
 * objects, then re-queues it (after = REQUEUE) and marks it cleaned.
 */
static void
sched_teardown(struct sched_loop *loop, const struct store_job *j,
    const struct sched_obs *obs, enum sched_after after, const char *reason,
    int64_t not_before)
{
	struct sched_teardown *t;
	struct kube_log_opts lo = { .tail_lines = SCHED_LOG_TAIL_LINES };
	json_t *pods, *p, *rep, *cs, **arg;
	size_t i, nobj;
	int r;

	if (loop->opts.dry_run) {
		nobj = sched_job_object_count(loop, j);
		sched_note(loop, false, "job %lld: would %s%s%zu object%s",
		    (long long)j->id, after == SCHED_AFTER_REQUEUE ?
		    "re-queue it and " : "", nobj > 0 ? "delete " :
		    "mark it cleaned: no ", nobj, nobj == 1 ? "" : "s");
		return;
	}
	t = xcalloc(1, sizeof *t);
	t->loop = loop;
	t->id = j->id;
	t->attempt = j->attempts;
	t->ns = xstrdup(j->namespace);
	t->owner = xstrdup(j->owner);
	t->after = after;
	t->reason = xstrdup(reason != NULL ? reason : "");
	t->not_before = not_before;
	t->objects = json_array();
	t->replicas = json_array();
	/* Workloads first, so that no controller re-creates the pods. */
	sched_teardown_add(t, sched_job_objects(loop, j, "deployments"),
	    KUBE_DEPLOYMENTS);
	sched_teardown_add(t, sched_job_objects(loop, j, "jobs"),
	    KUBE_JOBS);
	sched_teardown_add(t, sched_job_objects(loop, j, "services"),
	    KUBE_SERVICES);
	loop->inflight++;

	/* One log per rank of the current attempt: the first run's. */
	pods = sched_attempt_pods(loop, j);
	json_array_foreach(pods, i, p) {
		if ((r = spec_pod_rank(p)) < 0)
			continue;
		rep = json_pack("{s:i,s:s,s:s}", "rank", r, "pod",
		    kube_obj_name(p), "node", kube_pod_node(p) ?
		    kube_pod_node(p) : "");
		if (obs != NULL && r >= 0 && r < obs->replicas) {
			if (obs->ranks[r].has_exit_code)
				json_object_set_new(rep, "exit",
				    json_integer(obs->ranks[r].exit_code));
			if (obs->ranks[r].reason != NULL)
				json_object_set_new(rep, "reason", json_string(
				    obs->ranks[r].reason));
		}
		cs = json_array_get(json_object_get(json_object_get(p,
		    "status"), "containerStatuses"), 0);
		json_object_set_new(rep, "previous", json_boolean(
		    json_integer_value(json_object_get(cs, "restartCount")) > 0
		    && json_object_get(json_object_get(cs, "lastState"),
		    "terminated") != NULL));
		json_array_append_new(t->replicas, rep);
	}
	json_decref(pods);
	if (json_array_size(t->replicas) == 0) {
		sched_teardown_delete(t);
		return;
	}
	t->pending = (int)json_array_size(t->replicas);
	json_array_foreach(t->replicas, i, rep) {
		arg = xcalloc(2, sizeof *arg);
		*(struct sched_teardown **)arg = t;
		arg[1] = rep;
		lo.previous = json_is_true(json_object_get(rep, "previous"));
		kube_pod_logs(loop->kube, j->namespace, json_string_value(
		    json_object_get(rep, "pod")), &lo, NULL,
		    sched_teardown_log_cb, arg);
	}
}

/*
 * True if the pass saw an object of this kind and name for the job.  Jobs
 * started before names carried the queue's tag have objects named
 * "<name>-<id>...": those count too, or an upgrade would start such a
 * running job a second time.
 */
static bool
sched_object_exists(struct sched_loop *loop, const struct store_job *j,
    enum kube_kind kind, const char *name)
{
	const char *key = kind == KUBE_DEPLOYMENTS ? "deployments" :
	    kind == KUBE_JOBS ? "jobs" : kind == KUBE_SERVICES ? "services" :
	    "pods";
	char *tag, *legacy = NULL, *at;
	bool found = false;
	json_t *o;
	size_t i;

	tag = xprintf("-%lld-%.5s", (long long)j->id,
	    store_queue_id(loop->store));
	if ((at = strstr(name, tag)) != NULL)
		legacy = xprintf("%.*s-%lld%s", (int)(at - name), name,
		    (long long)j->id, at + strlen(tag));
	json_array_foreach(sched_job_objects(loop, j, key), i, o) {
		if (strcmp(kube_obj_name(o), name) == 0 || (legacy != NULL &&
		    strcmp(kube_obj_name(o), legacy) == 0))
			found = true;
	}
	free(legacy);
	free(tag);
	return found;
}

static bool sched_move(struct sched_loop *, const struct store_job *,
    enum store_state, const char *, const struct store_change *);

/* What a create's answer needs to know. */
struct sched_create {
	struct sched_loop *loop;
	const struct store_job *job;  /* lives until the pass ends */
	char *what;                   /* "Deployment train-3-0-ab12c" */
};

/*
 * A create came back.  AlreadyExists of an object with this queue's and
 * job's labels is ours from an earlier try; any other holder of the name
 * is not, and the job fails saying so rather than run without an object
 * or take someone else's.
 */
static void
sched_create_cb(struct kube_response *r, void *arg)
{
	struct sched_create *sc = arg;
	struct sched_loop *loop = sc->loop;
	char *err, *why;

	if (r->error != NULL && kube_is_already_exists(r->error)) {
		why = xprintf("%s exists in namespace '%s' and is not this "
		    "job's (another queue's or made by hand): delete it or "
		    "rename the job", sc->what, sc->job->namespace);
		sched_note(loop, true, "job %lld: %s", (long long)sc->job->id,
		    why);
		sched_move(loop, sc->job, STORE_FAILED, why, NULL);
		free(why);
	} else if (r->error != NULL) {
		err = kube_error_string(r->error);
		sched_note(loop, true, "creating %s: %s", sc->what, err);
		free(err);
		loop->stats.api_errors++;
	}
	free(sc->what);
	free(sc);
	sched_req_done(loop, false);
}

/* The labels that say an object is this job's of this queue. */
static json_t *
sched_identity(struct sched_loop *loop, const struct store_job *j)
{
	return json_pack("{s:s,s:s,s:o}", SPEC_LABEL_MANAGED, "ailab-queue",
	    SCHED_QUEUE_LABEL, store_queue_id(loop->store), SCHED_JOB_LABEL,
	    json_sprintf("%lld", (long long)j->id));
}

/* The kind of a rendered object, from its "kind" field. */
static int
sched_object_kind(const json_t *o, enum kube_kind *kind)
{
	const char *k = json_string_value(json_object_get(o, "kind"));

	if (k == NULL)
		return -1;
	if (strcmp(k, "Deployment") == 0)
		*kind = KUBE_DEPLOYMENTS;
	else if (strcmp(k, "Job") == 0)
		*kind = KUBE_JOBS;
	else if (strcmp(k, "Service") == 0)
		*kind = KUBE_SERVICES;
	else if (strcmp(k, "Pod") == 0)
		*kind = KUBE_PODS;
	else
		return -1;
	return 0;
}

/*
 * Creates whatever of a job's objects the pass did not see: all of them
 * after an admission, the missing ones after a crash or when something
 * deleted one while the job ran.  Returns the number of creates started,
 * or -1 if the job cannot be rendered.
 */
static int
sched_ensure_objects(struct sched_loop *loop, const struct store_job *j,
    char **cause)
{
	struct sched_create *sc;
	json_t *objs, *o, *id;
	enum kube_kind kind;
	const char *name;
	size_t i;
	int n = 0;

	objs = sched_spec_render(store_queue_id(loop->store), j, j->attempts,
	    j->run_gpu_type, j->run_nodes, cause);
	if (objs == NULL)
		return -1;
	id = sched_identity(loop, j);
	json_array_foreach(objs, i, o) {
		name = json_string_value(json_object_get(json_object_get(o,
		    "metadata"), "name"));
		if (sched_object_kind(o, &kind) != 0 || name == NULL)
			continue;
		if (sched_object_exists(loop, j, kind, name))
			continue;
		sc = xcalloc(1, sizeof *sc);
		sc->loop = loop;
		sc->job = j;
		sc->what = xprintf("%s %s", json_string_value(
		    json_object_get(o, "kind")), name);
		loop->inflight++;
		kube_create_owned(sched_client(loop, j->owner), kind,
		    j->namespace, o, id, sched_create_cb, sc);
		n++;
	}
	json_decref(id);
	json_decref(objs);
	return n;
}

/* The earliest creation time among a job's workload objects, or 0. */
static int64_t
sched_job_created(struct sched_loop *loop, const struct store_job *j)
{
	static const char *const kinds[] = { "deployments", "jobs" };
	const char *ts;
	int64_t t, best = 0;
	json_t *o;
	size_t i, k;

	for (k = 0; k < nitems(kinds); k++) {
		json_array_foreach(sched_job_objects(loop, j, kinds[k]), i, o) {
			ts = json_string_value(json_object_get(json_object_get(o,
			    "metadata"), "creationTimestamp"));
			if (time_parse_rfc3339(ts, &t) == 0 &&
			    (best == 0 || t < best))
				best = t;
		}
	}
	return best;
}

/* When the gang started running: the latest container start, or 0. */
static int64_t
sched_job_started(const json_t *pods)
{
	const json_t *p, *cs;
	const char *ts;
	int64_t t, best = 0;
	size_t i;

	json_array_foreach(pods, i, p) {
		cs = json_array_get(json_object_get(json_object_get(p,
		    "status"), "containerStatuses"), 0);
		ts = json_string_value(json_object_get(json_object_get(
		    json_object_get(cs, "state"), "running"), "startedAt"));
		if (ts == NULL)
			ts = json_string_value(json_object_get(json_object_get(
			    json_object_get(cs, "lastState"), "terminated"),
			    "startedAt"));
		if (time_parse_rfc3339(ts, &t) == 0 && t > best)
			best = t;
	}
	return best;
}

/* Records a state change, logging instead of failing the pass. */
static bool
sched_move(struct sched_loop *loop, const struct store_job *j,
    enum store_state to, const char *reason, const struct store_change *chg)
{
	char *cause = NULL;

	if (loop->opts.dry_run) {
		sched_note(loop, false, "job %lld: would become %s: %s",
		    (long long)j->id, store_state_name(to), reason);
		return false;
	}
	if (store_transition_with(loop->store, j->id, STORE_STATE_BIT(j->state),
	    to, reason, chg, &cause) != 0) {
		/* Another process (a cleanup, a user) got there first. */
		sched_note(loop, false, "job %lld: %s", (long long)j->id, cause);
		free(cause);
		return false;
	}
	log_info("job %lld: %s -> %s: %s", (long long)j->id,
	    store_state_name(j->state), store_state_name(to), reason);
	return true;
}

/*
 * How long a gang ran, on the cluster's clock: from its first container
 * start to its last end (the wrapper's first run, kept in lastState once
 * it sleeps), for the run-time estimates; 0 when unknown.
 */
static int64_t
sched_job_run_ms(const struct sched_loop *loop, const json_t *pods)
{
	const json_t *p, *cs, *st, *t;
	int64_t a, b, first = 0, last = 0;
	size_t i;

	json_array_foreach(pods, i, p) {
		cs = json_array_get(json_object_get(json_object_get(p,
		    "status"), "containerStatuses"), 0);
		st = json_object_get(cs, "state");
		if ((t = json_object_get(json_object_get(cs, "lastState"),
		    "terminated")) == NULL)
			t = json_object_get(st, "terminated");
		if (t != NULL) {
			if (time_parse_rfc3339(json_string_value(
			    json_object_get(t, "startedAt")), &a) != 0 ||
			    time_parse_rfc3339(json_string_value(
			    json_object_get(t, "finishedAt")), &b) != 0)
				continue;
		} else if (time_parse_rfc3339(json_string_value(json_object_get(
		    json_object_get(st, "running"), "startedAt")), &a) == 0)
			b = loop->now;
		else
			continue;
		if (first == 0 || a < first)
			first = a;
		if (b > last)
			last = b;
	}
	return first != 0 && last > first ? last - first : 0;
}

/* Ends a job in a final state, then tears it down; run_ms > 0 records how
 * long it ran, for the estimates of its owner's next jobs. */
static void
sched_end_run(struct sched_loop *loop, struct store_job *j,
    const struct sched_obs *obs, enum store_state to, const char *reason,
    int64_t run_ms)
{
	struct store_change chg = { .run_ms = run_ms };
	bool ran = j->state == STORE_RUNNING;

	if (obs != NULL && obs->has_exit_code) {
		chg.set_exit_code = true;
		chg.exit_code = obs->exit_code;
	}
	if (!sched_move(loop, j, to, reason, &chg))
		return;
	j->state = to;
	if (run_ms > 0) {
		sched_est_add(loop->est, j->owner, j->name, j->group, run_ms);
		loop->est_gen++;
	}
	/* A gang that ran leaves room on its type. */
	if (ran)
		sched_type_freed(loop, j->run_gpu_type);
	sched_teardown(loop, j, obs, SCHED_AFTER_CLEANED, reason, 0);
}

/* Ends a job in a final state, then tears it down. */
static void
sched_end(struct sched_loop *loop, struct store_job *j,
    const struct sched_obs *obs, enum store_state to, const char *reason)
{
	sched_end_run(loop, j, obs, to, reason, 0);
}

/* Sends a job back to the queue after a backoff that doubles per attempt. */
static void
sched_requeue(struct sched_loop *loop, struct store_job *j,
    const struct sched_obs *obs, const char *why)
{
	int64_t delay = loop->opts.backoff_s * 1000;
	int shift = j->attempts > 1 ? j->attempts - 1 : 0;
	char *reason;

	delay <<= shift < 10 ? shift : 10;
	reason = xprintf("%s; retry in %llds", why, (long long)(delay / 1000));
	/* In the cluster's clock, as the policy compares it. */
	sched_teardown(loop, j, obs, SCHED_AFTER_REQUEUE, reason,
	    loop->now + delay);
	free(reason);
}

/*
 * A gang one of whose pods finds no GPUs holds quota and runs nothing: the
 * type is judged full (without sight of nodes), and past a short grace
 * the gang goes back to the queue, keeping its place, long before the
 * gang timeout would.  True if it was given back.
 */
static bool
sched_give_back(struct sched_loop *loop, struct store_job *j,
    const struct sched_obs *obs, int64_t created)
{
	int64_t since = obs->unschedulable_since != 0 ?
	    obs->unschedulable_since : created;
	const char *msg = obs->reason != NULL ? obs->reason : "Unschedulable";
	char *reason;

	sched_type_full(loop, j, msg);
	if (since == 0 || loop->now - since <= SCHED_UNSCHED_GRACE_MS)
		return false;
	reason = xprintf("given back after %llds without room: %s",
	    (long long)((loop->now - since) / 1000), msg);
	if (loop->sight == SCHED_SIGHT_NAMESPACE)
		sched_teardown(loop, j, obs, SCHED_AFTER_REQUEUE, reason, 0);
	else
		sched_requeue(loop, j, obs, reason);
	free(reason);
	return true;
}

/* Stops a job that ran past its timeout (interactive ones included);
 * true if it did. */
static bool
sched_check_timeout(struct sched_loop *loop, struct store_job *j,
    const struct sched_spec *sp, const json_t *pods,
    const struct sched_obs *obs)
{
	int64_t started;
	char *reason;

	started = sched_job_started(pods);
	if (sp->timeout_s <= 0 || started == 0 ||
	    loop->now - started <= sp->timeout_s * 1000)
		return false;
	reason = xprintf("ran longer than its timeout of %llds",
	    (long long)sp->timeout_s);
	sched_end_run(loop, j, obs, STORE_TIMED_OUT, reason,
	    sp->timeout_s * 1000);
	free(reason);
	return true;
}

/* Cleanup's view of an active job: only its timeout. */
static void
sched_cleanup_active(struct sched_loop *loop, struct store_job *j)
{
	const struct sched_spec *sp;
	json_t *pods;

	if ((sp = sched_spec_of(loop, j, NULL)) == NULL)
		return;
	pods = sched_attempt_pods(loop, j);
	sched_check_timeout(loop, j, sp, pods, NULL);
	json_decref(pods);
}

/* Deletes one orphan object (NotFound is success). */
static void
sched_orphan_cb(struct kube_response *r, void *arg)
{
	struct sched_loop *loop = arg;
	char *err;

	if (r->error != NULL && !kube_is_not_found(r->error)) {
		err = kube_error_string(r->error);
		sched_note(loop, true, "deleting an orphan: %s", err);
		free(err);
	}
	sched_req_done(loop, false);
}

/*
 * Finds this queue's objects whose job is unknown or already cleaned, and
 * deletes those older than the grace period.  Objects of other queues and
 * objects without our labels are never touched.
 */
static void
sched_orphans(struct sched_loop *loop)
{
	static const struct {
		const char *key;
		enum kube_kind kind;
	} kinds[] = { { "deployments", KUBE_DEPLOYMENTS },
		{ "jobs", KUBE_JOBS }, { "services", KUBE_SERVICES },
		{ "pods", KUBE_PODS } };
	struct kube_delete_opts dopts = {
		.propagation = KUBE_PROPAGATION_BACKGROUND, .grace_seconds = -1 };
	const char *key, *ts;
	json_t *entry, *o;
	int64_t id, created;
	size_t i, k;

	json_object_foreach(loop->byjob, key, entry) {
		/* The pass read every job that is not both ended and cleaned:
		 * any other id is unknown or done with. */
		id = strchr(key, '/') != NULL ? strtoll(strchr(key, '/') + 1,
		    NULL, 10) : 0;
		if (id > 0 && sched_cache_find(&loop->cache, id) != NULL)
			continue;
		for (k = 0; k < nitems(kinds); k++) {
			json_array_foreach(json_object_get(entry, kinds[k].key),
			    i, o) {
				if (kinds[k].kind == KUBE_PODS &&
				    json_object_get(json_object_get(o,
				    "metadata"), "ownerReferences") != NULL)
					continue;   /* goes with its owner */
				ts = json_string_value(json_object_get(
				    json_object_get(o, "metadata"),
				    "creationTimestamp"));
				if (time_parse_rfc3339(ts, &created) != 0 ||
				    loop->now - created <
				    loop->opts.grace_s * 1000)
					continue;
				if (loop->opts.dry_run) {
					sched_note(loop, false, "would delete "
					    "orphan %s %s/%s (job %s)",
					    kinds[k].key, kube_obj_namespace(o),
					    kube_obj_name(o), key);
					continue;
				}
				sched_note(loop, false, "deleting orphan %s "
				    "%s/%s (job %s)", kinds[k].key,
				    kube_obj_namespace(o), kube_obj_name(o), key);
				loop->inflight++;
				kube_delete(loop->kube, kinds[k].kind,
				    kube_obj_namespace(o), kube_obj_name(o),
				    &dopts, sched_orphan_cb, loop);
			}
		}
	}
}

/* Removes records of jobs that ended long ago. */
static void
sched_prune(struct sched_loop *loop)
{
	size_t n = 0;
	char *cause = NULL;

	if (store_prune(loop->store, now_ms() - loop->opts.max_age_s * 1000,
	    loop->opts.dry_run, &n, &cause) != 0) {
		sched_note(loop, true, "pruning: %s", cause);
		free(cause);
		return;
	}
	if (n > 0)
		sched_note(loop, false, "%s %zu job record%s older than %llds",
		    loop->opts.dry_run ? "would prune" : "pruned", n,
		    n == 1 ? "" : "s", (long long)loop->opts.max_age_s);
}

/*
 * A running job's objects, checked every pass: something other than the
 * queue may delete them.  A lost Service is made again (a distributed job
 * needs its rendezvous name); a lost workload cannot be, as the gang's
 * other ranks ran on without it, so the job runs again from the start.
 * True if the job was requeued.
 */
static bool
sched_running_objects(struct sched_loop *loop, struct store_job *j,
    const struct sched_spec *sp, const json_t *workloads,
    const struct sched_obs *obs)
{
	size_t want = sp->deployment ? (size_t)j->replicas : 1;
	size_t have = json_array_size(workloads);
	char *cause = NULL, *reason;

	if (obs->state == SCHED_OBS_SUCCEEDED || obs->state == SCHED_OBS_FAILED)
		return false;
	if (have < want) {
		reason = have == 0 ? xstrdup("its objects disappeared") :
		    xprintf("%zu of its %zu %s were deleted while it ran",
		    want - have, want, sp->deployment ? "Deployments" :
		    "Jobs");
		sched_requeue(loop, j, obs, reason);
		free(reason);
		return true;
	}
	if (json_array_size(sched_job_objects(loop, j, "services")) <
	    (size_t)sp->nservices) {
		if (sched_ensure_objects(loop, j, &cause) < 0) {
			sched_note(loop, true, "job %lld: %s", (long long)j->id,
			    cause);
			free(cause);
		} else
			sched_note(loop, false, "job %lld: re-creating its "
			    "lost Service", (long long)j->id);
	}
	return false;
}

/* Follows one admitted or running job: start, end, failure, timeouts. */
static void
sched_reconcile(struct sched_loop *loop, struct store_job *j)
{
	const struct sched_spec *sp;
	struct sched_obs obs;
	json_t *pods, *workloads;
	int64_t created, gang;
	const char *bad = NULL;
	char *cause = NULL, *reason;

	if ((sp = sched_spec_of(loop, j, &bad)) == NULL) {
		reason = xprintf("unreadable spec: %s", bad);
		sched_end(loop, j, NULL, STORE_FAILED, reason);
		free(reason);
		return;
	}
	if (j->cancel_requested) {
		sched_end(loop, j, NULL, STORE_CANCELLED, "cancelled");
		return;
	}
	if (j->state == STORE_ADMITTED &&
	    sched_ensure_objects(loop, j, &cause) < 0) {
		reason = xprintf("cannot render: %s", cause);
		sched_end(loop, j, NULL, STORE_FAILED, reason);
		free(reason);
		free(cause);
		return;
	}
	pods = sched_attempt_pods(loop, j);
	workloads = json_deep_copy(sched_job_objects(loop, j,
	    sp->deployment ? "deployments" : "jobs"));
	if (workloads == NULL)
		workloads = json_array();
	sched_observe(pods, workloads, j->replicas, sp->deployment, &obs);

	if (j->state == STORE_RUNNING && sched_running_objects(loop, j, sp,
	    workloads, &obs))
		goto done;
	switch (obs.state) {
	case SCHED_OBS_SUCCEEDED:
		sched_end_run(loop, j, &obs, STORE_SUCCEEDED, obs.reason,
		    sched_job_run_ms(loop, pods));
		goto done;
	case SCHED_OBS_FAILED:
		if (j->attempts <= sp->retries) {
			reason = xprintf("attempt %d failed: %s", j->attempts,
			    obs.reason);
			sched_requeue(loop, j, &obs, reason);
			free(reason);
		} else
			sched_end_run(loop, j, &obs, STORE_FAILED, obs.reason,
			    sched_job_run_ms(loop, pods));
		goto done;
	case SCHED_OBS_LOST:
		sched_requeue(loop, j, &obs, obs.reason);
		goto done;
	case SCHED_OBS_RUNNING:
		/* Recorded with the others at the end of this step. */
		if (j->state == STORE_ADMITTED) {
			loop->started = xreallocarray(loop->started,
			    loop->nstarted + 1, sizeof *loop->started);
			loop->started[loop->nstarted++] = j;
		}
		break;
	case SCHED_OBS_PENDING:
		created = sched_job_created(loop, j);
		gang = sp->gang_timeout_s > 0 ? sp->gang_timeout_s :
		    loop->opts.gang_timeout_s;
		if (created != 0 && obs.image_pull_failing &&
		    loop->now - created > loop->opts.pull_limit_s * 1000) {
			sched_end(loop, j, &obs, STORE_FAILED, obs.reason);
			goto done;
		}
		if (obs.unschedulable_gpu &&
		    sched_give_back(loop, j, &obs, created))
			goto done;
		if (created != 0 && loop->now - created > gang * 1000) {
			reason = xprintf("gang did not start within %llds: %s",
			    (long long)gang, obs.reason);
			sched_requeue(loop, j, &obs, reason);
			free(reason);
			goto done;
		}
		/* Written with the others at the end of this step. */
		if (j->state == STORE_ADMITTED && obs.reason != NULL &&
		    strcmp(obs.reason, j->reason) != 0) {
			loop->wait_ids = xreallocarray(loop->wait_ids,
			    loop->nwait + 1, sizeof *loop->wait_ids);
			loop->wait_reasons = xreallocarray(loop->wait_reasons,
			    loop->nwait + 1, sizeof *loop->wait_reasons);
			loop->wait_ids[loop->nwait] = j->id;
			loop->wait_reasons[loop->nwait++] = xstrdup(obs.reason);
		}
		break;
	}

	sched_check_timeout(loop, j, sp, pods, &obs);
done:
	sched_obs_release(&obs);
	json_decref(pods);
	json_decref(workloads);
}

/* ---- the policy's snapshot ---- */

/* Storage behind one pass's snapshot, freed together. */
struct sched_snap_store {
	struct sched_job *jobs;
	size_t njobs;
	struct store_job **sjobs;     /* the store job of each sched job */
	struct sched_quota *quotas;
	size_t nquotas;
	struct sched_quota_item **qitems;
	struct sched_pending *pending;
	size_t npending;
	struct sched_node *nodes;
	size_t nnodes;
	struct sched_taint **taints;
	struct sched_label **labels;
	struct sched_running *running;
	size_t nrunning;
	const char ***rnodes;
	bool **rcounted;              /* per running job, per replica */
	char **rplaced;               /* per running job: run_nodes copy */
	struct sched_type_block *blocked;
	size_t nblocked;
	struct sched_usage *usage;
	size_t nusage;
	struct store_usage *susage;
	size_t nsusage;
};

/* Reads one node's capacity, taints and labels for the policy. */
static void
sched_snap_node(const json_t *n, struct sched_node *sn,
    struct sched_taint **taints, struct sched_label **labels)
{
	const json_t *t, *lab;
	const char *k;
	json_t *v;
	size_t i, nt;
	int64_t g = 0;

	memset(sn, 0, sizeof *sn);
	sn->name = kube_obj_name(n);
	sn->gpu_product = kube_obj_label(n, SCHED_GPU_LABEL);
	if (sn->gpu_product == NULL)
		sn->gpu_product = kube_obj_label(n, SCHED_GPU_LABEL_GFD);
	kube_node_allocatable(n, "cpu", QUANTITY_MILLI, &sn->alloc_cpu_milli,
	    NULL);
	kube_node_allocatable(n, "memory", QUANTITY_UNITS,
	    &sn->alloc_memory_bytes, NULL);
	if (kube_node_allocatable(n, "nvidia.com/gpu", QUANTITY_UNITS, &g,
	    NULL) == 0)
		sn->alloc_gpus = (int)g;
	sn->unschedulable = kube_node_is_unschedulable(n);
	sn->ready = kube_node_is_ready(n);
	t = json_object_get(json_object_get(n, "spec"), "taints");
	nt = json_array_size(t);
	*taints = xcalloc(nt + 1, sizeof **taints);
	for (i = 0; i < nt; i++) {
		const json_t *e = json_array_get(t, i);
		const char *eff = json_string_value(json_object_get(e,
		    "effect"));

		(*taints)[i].key = json_string_value(json_object_get(e, "key"));
		(*taints)[i].value = json_string_value(json_object_get(e,
		    "value"));
		(*taints)[i].effect = eff == NULL ? SCHED_TAINT_NO_SCHEDULE :
		    strcmp(eff, "NoExecute") == 0 ? SCHED_TAINT_NO_EXECUTE :
		    strcmp(eff, "PreferNoSchedule") == 0 ?
		    SCHED_TAINT_PREFER_NO_SCHEDULE : SCHED_TAINT_NO_SCHEDULE;
	}
	sn->taints = *taints;
	sn->ntaints = nt;
	lab = json_object_get(json_object_get(n, "metadata"), "labels");
	*labels = xcalloc(json_object_size(lab) + 1, sizeof **labels);
	i = 0;
	json_object_foreach((json_t *)lab, k, v) {
		(*labels)[i].key = k;
		(*labels)[i].value = json_string_value(v);
		i++;
	}
	sn->labels = *labels;
	sn->nlabels = i;
}

/* Makes room for n more running entries in the snapshot. */
static void
sched_snap_room(struct sched_snap_store *ss, size_t n)
{
	size_t cap = ss->nrunning + n;

	ss->running = xreallocarray(ss->running, cap, sizeof *ss->running);
	ss->rnodes = xreallocarray(ss->rnodes, cap, sizeof *ss->rnodes);
	ss->rcounted = xreallocarray(ss->rcounted, cap, sizeof *ss->rcounted);
	ss->rplaced = xreallocarray(ss->rplaced, cap, sizeof *ss->rplaced);
	memset(ss->running + ss->nrunning, 0, n * sizeof *ss->running);
	memset(ss->rnodes + ss->nrunning, 0, n * sizeof *ss->rnodes);
	memset(ss->rcounted + ss->nrunning, 0, n * sizeof *ss->rcounted);
	memset(ss->rplaced + ss->nrunning, 0, n * sizeof *ss->rplaced);
}

/* True for a pod being deleted (it holds its node until it is gone). */
static bool
sched_pod_is_deleting(const json_t *p)
{
	return json_object_get(json_object_get(p, "metadata"),
	    "deletionTimestamp") != NULL;
}

/*
 * A pod being deleted, anyone's: it holds its node a little longer, and
 * the policy expects the room back now (an entry that only takes and
 * releases room), so reservations are not pushed away while it goes.
 */
static void
sched_snap_deleting(struct sched_snap_store *ss, const json_t *p,
    const char *node, int64_t now, int64_t cpu, int64_t mem, int64_t gpu)
{
	struct sched_running *sr;

	sched_snap_room(ss, 1);
	sr = &ss->running[ss->nrunning];
	ss->rnodes[ss->nrunning] = xcalloc(2, sizeof **ss->rnodes);
	ss->rcounted[ss->nrunning] = xcalloc(2, sizeof **ss->rcounted);
	ss->rnodes[ss->nrunning][0] = node;
	ss->rcounted[ss->nrunning][0] = true;
	sr->id = 0;
	sr->owner = kube_obj_namespace(p);
	sr->replicas = 1;
	sr->gpus = (int)gpu;
	sr->cpu_milli = cpu;
	sr->memory_bytes = mem;
	sr->nodes = ss->rnodes[ss->nrunning];
	sr->counted = ss->rcounted[ss->nrunning];
	sr->started_at = now;
	sr->ends_at = now;
	ss->nrunning++;
}

/*
 * Adds every non-terminal pod's requests to the node it is bound to, pods
 * being deleted included: they hold the node until they are gone
 * (sched_snap_deleting and sched_snap_ending tell the policy when it gets
 * the room back).
 */
static void
sched_snap_requests(struct sched_loop *loop, struct sched_snap_store *ss)
{
	json_t *p, *q, *bynode;
	const char *node;
	int64_t cpu, mem, gpu;
	size_t i, k;

	bynode = json_object();
	for (k = 0; k < ss->nnodes; k++)
		if (ss->nodes[k].name != NULL)
			json_object_set_new(bynode, ss->nodes[k].name,
			    json_integer((json_int_t)k));
	/* Every pod bound and not ended counts, an ended job's too: its
	 * GPUs are taken until the pod is gone, as kube-scheduler sees it. */
	json_array_foreach(loop->allpods, i, p) {
		if ((node = kube_pod_node(p)) == NULL || kube_pod_is_terminal(p))
			continue;
		if ((q = json_object_get(bynode, node)) == NULL)
			continue;
		k = (size_t)json_integer_value(q);
		cpu = mem = gpu = 0;
		kube_pod_request(p, "cpu", QUANTITY_MILLI, &cpu, NULL);
		kube_pod_request(p, "memory", QUANTITY_UNITS, &mem, NULL);
		kube_pod_request(p, "nvidia.com/gpu", QUANTITY_UNITS, &gpu,
		    NULL);
		ss->nodes[k].req_cpu_milli += cpu;
		ss->nodes[k].req_memory_bytes += mem;
		ss->nodes[k].req_gpus += (int)gpu;
		if (sched_pod_is_deleting(p))
			sched_snap_deleting(ss, p, node, loop->now, cpu, mem,
			    gpu);
	}
	json_decref(bynode);
}

/* Reads each namespace's quotas: status.hard and status.used per key. */
static void
sched_snap_quotas(struct sched_loop *loop, struct sched_snap_store *ss)
{
	struct sched_quota_item *items;
	json_t *q, *hard, *v;
	const char *key;
	size_t i, k, n;

	for (i = 0; i < loop->nns; i++) {
		json_array_foreach(loop->ns[i].items[SLOT_QUOTAS], k, q) {
			hard = json_object_get(json_object_get(q, "status"),
			    "hard");
			items = xcalloc(json_object_size(hard) + 1,
			    sizeof *items);
			n = 0;
			json_object_foreach(hard, key, v) {
				if (kube_quota_get(q, key, &items[n].hard,
				    &items[n].used, NULL) != 0)
					continue;
				items[n++].key = key;
			}
			ss->quotas = xreallocarray(ss->quotas, ss->nquotas + 1,
			    sizeof *ss->quotas);
			ss->qitems = xreallocarray(ss->qitems, ss->nquotas + 1,
			    sizeof *ss->qitems);
			ss->qitems[ss->nquotas] = items;
			ss->quotas[ss->nquotas].namespace = loop->ns[i].name;
			ss->quotas[ss->nquotas].name = kube_obj_name(q);
			ss->quotas[ss->nquotas].items = items;
			ss->quotas[ss->nquotas].nitems = n;
			ss->nquotas++;
		}
	}
}

/* The state of the job an `after` entry names (an id, or a name): from
 * this pass's jobs when it is one of them, else from the store, asked once
 * a pass per name or id.  Only the submitter's own jobs resolve: another
 * owner's job is "not found" like one that never was, so `after` neither
 * tells whether it exists nor lets one user gate on another's. */
static enum sched_deps
sched_dep_state(struct sched_loop *loop, const struct store_job *j,
    const char *ref, int64_t *dep)
{
	struct store_filter f = { .all = true };
	struct store_job **found = NULL, *d = NULL;
	struct sched_centry *e;
	json_t *cands, *c;
	enum store_state st = STORE_FAILED;
	bool known = false;
	size_t n = 0, i;
	char *end, *key;
	long long id;

	if (loop->depmemo == NULL)
		loop->depmemo = json_object();
	id = strtoll(ref, &end, 10);
	if (*ref != '\0' && *end == '\0' && id > 0) {
		if ((e = sched_cache_find(&loop->cache, id)) != NULL) {
			known = strcmp(loop->jobs[e->idx]->owner,
			    j->owner) == 0;
			st = loop->jobs[e->idx]->state;
		} else {
			key = xprintf("%s\t#%lld", j->owner, id);
			if ((cands = json_object_get(loop->depmemo, key)) ==
			    NULL) {
				cands = json_array();
				if (store_get(loop->store, id, &d, NULL) == 0 &&
				    d != NULL && strcmp(d->owner, j->owner) == 0)
					json_array_append_new(cands, json_pack(
					    "[I,i]", (json_int_t)d->id,
					    (int)d->state));
				store_job_free(d);
				json_object_set_new(loop->depmemo, key, cands);
			}
			free(key);
			if ((c = json_array_get(cands, 0)) != NULL) {
				known = true;
				st = (enum store_state)json_integer_value(
				    json_array_get(c, 1));
			}
		}
	} else {
		/* Every job of that name in the namespace, oldest first. */
		key = xprintf("%s\t%s/%s", j->owner, j->namespace, ref);
		if ((cands = json_object_get(loop->depmemo, key)) == NULL) {
			cands = json_array();
			f.name = ref;
			if (store_list(loop->store, &f, &found, &n, NULL) == 0) {
				for (i = 0; i < n; i++)
					if (strcmp(found[i]->namespace,
					    j->namespace) == 0 &&
					    strcmp(found[i]->owner,
					    j->owner) == 0)
						json_array_append_new(cands,
						    json_pack("[I,i]", (json_int_t)
						    found[i]->id,
						    (int)found[i]->state));
				store_jobs_free(found, n);
			}
			json_object_set_new(loop->depmemo, key, cands);
		}
		free(key);
		/* The latest job of that name in the same namespace. */
		for (i = json_array_size(cands); i > 0; i--) {
			c = json_array_get(cands, i - 1);
			id = json_integer_value(json_array_get(c, 0));
			if (id == j->id)
				continue;
			known = true;
			/* This pass's view is the newer one. */
			if ((e = sched_cache_find(&loop->cache, id)) != NULL)
				st = loop->jobs[e->idx]->state;
			else
				st = (enum store_state)json_integer_value(
				    json_array_get(c, 1));
			break;
		}
	}
	if (!known) {
		*dep = 0;
		return SCHED_DEPS_FAILED;
	}
	*dep = id;
	if (st == STORE_SUCCEEDED)
		return SCHED_DEPS_SATISFIED;
	if (store_state_is_terminal(st))
		return SCHED_DEPS_FAILED;
	return SCHED_DEPS_PENDING;
}

/*
 * A time the store recorded on this host's clock, moved onto the cluster's
 * clock that the policy's now and the pods' timestamps use, so that a
 * skewed (or simulated) cluster clock cannot make running jobs look
 * overdue and push reservations back for ever; 0 stays 0.
 */
static int64_t
sched_cluster_time(const struct sched_loop *loop, int64_t local)
{
	if (local == 0)
		return 0;
	return local + (loop->now - now_ms());
}

/* Builds the policy's job from a queued store job. */
static void
sched_snap_job(struct sched_loop *loop, struct store_job *j,
    const struct sched_spec *sp, struct sched_job *sj,
    const size_t *group_running)
{
	enum sched_deps d;
	size_t i;
	int64_t dep;

	memset(sj, 0, sizeof *sj);
	sj->id = j->id;
	sj->owner = j->owner;
	sj->namespace = j->namespace;
	sj->group = j->group;
	sj->group_max_running = sp->max_running;
	sj->group_running = (int)*group_running;
	sj->priority = j->priority;
	sj->submitted_at = j->submitted_at;
	sj->gpu_types = (const char *const *)sp->types;
	sj->ngpu_types = sp->ntypes;
	sj->gpus = j->gpu_count;
	sj->replicas = j->replicas;
	sj->cpu_milli = j->cpu_milli;
	sj->memory_bytes = j->memory_bytes;
	sj->cpu_limit_milli = sp->cpu_limit_milli;
	sj->memory_limit_bytes = sp->memory_limit_bytes;
	sj->nscratch = sp->nscratch;
	sj->scratch_bytes = sp->scratch_bytes;
	sj->workload = sp->deployment ? SCHED_WORKLOAD_DEPLOYMENT :
	    SCHED_WORKLOAD_JOB;
	sj->service = true;
	sj->timeout_s = sp->timeout_s;
	sj->est_s = sp->timeout_s > 0 ? 0 : sched_estimate(loop, j, NULL);
	sj->held = j->state == STORE_HELD;
	sj->not_before = j->not_before;
	sj->deps = sp->nafter == 0 ? SCHED_DEPS_NONE : SCHED_DEPS_SATISFIED;
	for (i = 0; i < sp->nafter; i++) {
		d = sched_dep_state(loop, j, sp->after[i], &dep);
		if (d == SCHED_DEPS_SATISFIED)
			continue;
		if (sj->deps == SCHED_DEPS_SATISFIED ||
		    d == SCHED_DEPS_FAILED) {
			sj->deps = d;
			sj->dep_job = dep;
			sj->dep_ref = sp->after[i];
		}
	}
}

/* Frees a snapshot's storage. */
static void
sched_snap_release(struct sched_snap_store *ss)
{
	size_t i;

	free(ss->jobs);
	free(ss->sjobs);
	for (i = 0; i < ss->nquotas; i++)
		free(ss->qitems[i]);
	free(ss->qitems);
	free(ss->quotas);
	free(ss->pending);
	for (i = 0; i < ss->nnodes; i++) {
		free(ss->taints[i]);
		free(ss->labels[i]);
	}
	free(ss->taints);
	free(ss->labels);
	free(ss->nodes);
	for (i = 0; i < ss->nrunning; i++) {
		free(ss->rnodes[i]);
		free(ss->rcounted[i]);
		free(ss->rplaced[i]);
	}
	free(ss->rnodes);
	free(ss->rcounted);
	free(ss->rplaced);
	free(ss->blocked);
	free(ss->running);
	free(ss->usage);
	store_usage_free(ss->susage, ss->nsusage);
	memset(ss, 0, sizeof *ss);
}

/* Counts each group's admitted and running jobs, once a pass (a map from
 * "owner\tgroup" to count; the caller decrefs it).  A group is its
 * owner's: a class where everyone submits "lab1" has one limit each. */
static json_t *
sched_groups_running(struct sched_loop *loop)
{
	json_t *counts = json_object();
	const struct store_job *j;
	char *k;
	size_t i;

	for (i = 0; i < loop->njobs; i++) {
		j = loop->jobs[i];
		if (j->group == NULL || !store_state_is_active(j->state))
			continue;
		k = xprintf("%s\t%s", j->owner, j->group);
		json_object_set_new(counts, k, json_integer(1 +
		    json_integer_value(json_object_get(counts, k))));
		free(k);
	}
	return counts;
}

/*
 * Fair share inside an owner's queue: each group's GPU-hours, decayed and
 * charged like an owner's, appended to the snapshot's usage (entries with
 * a group); kept in memory across passes, dropped with the group's last
 * active job.
 */
static void
sched_snap_group_usage(struct sched_loop *loop, struct sched_snap_store *ss)
{
	json_t *live, *e, *v;
	const char *key;
	struct store_job *j;
	double gpus, ms;
	int64_t at;
	size_t i, n;
	char *k;

	if (loop->gusage == NULL)
		loop->gusage = json_object();
	live = json_object();
	for (i = 0; i < loop->njobs; i++) {
		j = loop->jobs[i];
		if (j->group == NULL || store_state_is_terminal(j->state))
			continue;
		k = xprintf("%s\t%s", j->owner, j->group);
		if ((e = json_object_get(loop->gusage, k)) == NULL) {
			e = json_pack("{s:s,s:s,s:f,s:I}", "owner", j->owner,
			    "group", j->group, "gpu_ms", 0.0, "at",
			    (json_int_t)loop->now);
			json_object_set_new(loop->gusage, k, e);
		}
		if ((v = json_object_get(live, k)) == NULL)
			json_object_set_new(live, k, v = json_real(0));
		if (j->state == STORE_RUNNING)
			json_real_set(v, json_real_value(v) +
			    (double)j->gpu_count * j->replicas);
		free(k);
	}
	/* Groups with nothing left waiting or running are forgotten. */
	{
		void *tmp;

		json_object_foreach_safe(loop->gusage, tmp, key, e) {
			if (json_object_get(live, key) == NULL)
				json_object_del(loop->gusage, key);
		}
	}
	n = json_object_size(loop->gusage);
	ss->usage = xreallocarray(ss->usage, ss->nusage + n + 1,
	    sizeof *ss->usage);
	json_object_foreach(loop->gusage, key, e) {
		gpus = json_real_value(json_object_get(live, key));
		ms = json_real_value(json_object_get(e, "gpu_ms"));
		at = json_integer_value(json_object_get(e, "at"));
		ms = sched_usage_update(ms / 3.6e6, gpus, loop->now > at ?
		    loop->now - at : 0, loop->opts.half_life_s * 1000) * 3.6e6;
		json_object_set_new(e, "gpu_ms", json_real(ms));
		json_object_set_new(e, "at", json_integer((json_int_t)
		    loop->now));
		ss->usage[ss->nusage].owner = json_string_value(
		    json_object_get(e, "owner"));
		ss->usage[ss->nusage].group = json_string_value(
		    json_object_get(e, "group"));
		ss->usage[ss->nusage++].gpu_hours = ms / 3.6e6;
	}
	json_decref(live);
}

/* Fair share: each owner's GPU-hours, decayed to now and charged for the
 * GPUs its running jobs hold; recorded in one transaction. */
static void
sched_snap_usage(struct sched_loop *loop, struct sched_snap_store *ss)
{
	json_t *gpus, *v;
	double hours;
	size_t i, k;
	char *cause = NULL;
	const char *owner;

	if (store_usage_list(loop->store, &ss->susage, &ss->nsusage,
	    &cause) != 0) {
		log_warnx("%s", cause);
		free(cause);
		cause = NULL;
		ss->susage = NULL;
		ss->nsusage = 0;
	}
	/* GPUs held by each owner's running jobs; 0 for owners with active
	 * jobs, so that each of them gets a usage row. */
	gpus = json_object();
	for (i = 0; i < loop->njobs; i++) {
		if (!store_state_is_active(loop->jobs[i]->state))
			continue;
		owner = loop->jobs[i]->owner;
		v = json_object_get(gpus, owner);
		if (v == NULL)
			json_object_set_new(gpus, owner, v = json_real(0));
		if (loop->jobs[i]->state == STORE_RUNNING)
			json_real_set(v, json_real_value(v) +
			    (double)loop->jobs[i]->gpu_count *
			    loop->jobs[i]->replicas);
	}
	/* Owners of active jobs that have no usage row yet. */
	{
		json_t *have = json_object();
		const char *o;

		for (k = 0; k < ss->nsusage; k++)
			json_object_set_new(have, ss->susage[k].owner,
			    json_true());
		json_object_foreach(gpus, o, v) {
			if (json_object_get(have, o) != NULL)
				continue;
			ss->susage = xreallocarray(ss->susage, ss->nsusage + 1,
			    sizeof *ss->susage);
			ss->susage[ss->nsusage].owner = xstrdup(o);
			ss->susage[ss->nsusage].gpu_ms = 0;
			ss->susage[ss->nsusage].at = loop->now;
			ss->nsusage++;
		}
		json_decref(have);
	}
	ss->usage = xcalloc(ss->nsusage + 1, sizeof *ss->usage);
	for (k = 0; k < ss->nsusage; k++) {
		v = json_object_get(gpus, ss->susage[k].owner);
		hours = sched_usage_update(ss->susage[k].gpu_ms / 3.6e6,
		    v != NULL ? json_real_value(v) : 0,
		    loop->now > ss->susage[k].at ? loop->now -
		    ss->susage[k].at : 0, loop->opts.half_life_s * 1000);
		ss->usage[k].owner = ss->susage[k].owner;
		ss->usage[k].gpu_hours = hours;
		ss->susage[k].gpu_ms = hours * 3.6e6;
		ss->susage[k].at = loop->now;
	}
	ss->nusage = ss->nsusage;
	json_decref(gpus);
	sched_snap_group_usage(loop, ss);
	if (store_usage_set_many(loop->store, ss->susage, ss->nsusage,
	    &cause) != 0) {
		log_warnx("%s", cause);
		free(cause);
	}
}

/* The key of a pod in the set of pods on the nodes' books. */
static char *
sched_pod_key(const json_t *p)
{
	return xprintf("%s/%s", kube_obj_namespace(p), kube_obj_name(p));
}

/* True if the cluster-wide listing counted this pod on its node. */
static bool
sched_pod_booked(const json_t *booked, const json_t *p)
{
	char *k = sched_pod_key(p);
	bool b = json_object_get(booked, k) != NULL;

	free(k);
	return b;
}

/* The pods whose requests the nodes' amounts include (bound, not ended,
 * in the cluster-wide listing), as a set. */
static json_t *
sched_booked_pods(struct sched_loop *loop)
{
	json_t *set = json_object(), *p;
	char *k;
	size_t i;

	json_array_foreach(loop->allpods, i, p) {
		if (kube_pod_node(p) == NULL || kube_pod_is_terminal(p))
			continue;
		k = sched_pod_key(p);
		json_object_set_new(set, k, json_true());
		free(k);
	}
	return set;
}

/*
 * Where each replica of an admitted job is, for the policy: a bound pod's
 * node (already in the node's requested amounts), else the node the job
 * was placed on at admission (taken by the policy itself, so that
 * capacity is never handed out twice while pods are being made).  *buf
 * keeps the placement's text the names point into.
 */
static void
sched_snap_placement(const struct store_job *j, const json_t *pods,
    const json_t *booked, const char **nodes, bool *counted, char **buf)
{
	const json_t *p;
	const char *node;
	char *s, *next;
	size_t k;
	int r;

	json_array_foreach(pods, k, p) {
		r = spec_pod_rank(p);
		node = kube_pod_node(p);
		if (r < 0 || r >= j->replicas || node == NULL)
			continue;
		nodes[r] = node;
		/* Counted only if the listing the nodes' requests come from
		 * saw it bound: the lists of a pass are not one instant. */
		counted[r] = booked == NULL || sched_pod_booked(booked, p);
	}
	*buf = NULL;
	if (j->run_nodes == NULL || *j->run_nodes == '\0')
		return;
	*buf = xstrdup(j->run_nodes);
	for (s = *buf, r = 0; s != NULL && r < j->replicas; s = next, r++) {
		if ((next = strchr(s, ',')) != NULL)
			*next++ = '\0';
		if (!counted[r] && *s != '\0')
			nodes[r] = s;
	}
}

/*
 * An ended job whose pods are still being deleted: they hold their nodes
 * (kube-scheduler places nothing there until they are gone), and the
 * policy expects the room back now, so reservations are not pushed away.
 */
static void
sched_snap_ending(struct sched_loop *loop, const struct store_job *j,
    const json_t *booked, struct sched_snap_store *ss)
{
	struct sched_running *sr = &ss->running[ss->nrunning];
	json_t *pods = sched_job_objects(loop, j, "pods"), *p;
	size_t k, n = 0;

	/* Pods already being deleted are entries of their own. */
	json_array_foreach(pods, k, p) {
		if (kube_pod_node(p) != NULL && !kube_pod_is_terminal(p) &&
		    !sched_pod_is_deleting(p))
			n++;
	}
	if (n == 0)
		return;
	memset(sr, 0, sizeof *sr);
	ss->rnodes[ss->nrunning] = xcalloc(n + 1, sizeof **ss->rnodes);
	ss->rcounted[ss->nrunning] = xcalloc(n + 1, sizeof **ss->rcounted);
	json_array_foreach(pods, k, p) {
		if (kube_pod_node(p) == NULL || kube_pod_is_terminal(p) ||
		    sched_pod_is_deleting(p))
			continue;
		ss->rcounted[ss->nrunning][sr->replicas] = booked == NULL ||
		    sched_pod_booked(booked, p);
		ss->rnodes[ss->nrunning][sr->replicas++] = kube_pod_node(p);
	}
	sr->id = j->id;
	sr->owner = j->owner;
	sr->group = j->group;
	sr->gpu_type = *j->run_gpu_type ? j->run_gpu_type : NULL;
	sr->gpus = j->gpu_count;
	sr->cpu_milli = j->cpu_milli;
	sr->memory_bytes = j->memory_bytes;
	sr->nodes = ss->rnodes[ss->nrunning];
	sr->counted = ss->rcounted[ss->nrunning];
	sr->started_at = loop->now;
	sr->ends_at = loop->now;
	ss->nrunning++;
}

/* Builds the snapshot the policy reads from this pass's listings. */
static void
sched_snap_build(struct sched_loop *loop, struct sched_snap_store *ss,
    struct sched_snapshot *snap)
{
	const struct sched_spec *sp;
	struct store_job *j;
	struct sched_ns *ns;
	json_t *pods, *groups, *booked;
	size_t i, k, gr;
	const char *cause = NULL;
	char *gkey;

	memset(snap, 0, sizeof *snap);
	groups = sched_groups_running(loop);
	booked = loop->allpods != NULL ? sched_booked_pods(loop) : NULL;
	snap->now = loop->now;
	ss->jobs = xcalloc(loop->njobs + 1, sizeof *ss->jobs);
	ss->sjobs = xcalloc(loop->njobs + 1, sizeof *ss->sjobs);
	sched_snap_room(ss, loop->njobs + 1);
	ss->pending = xcalloc(loop->nns + 1, sizeof *ss->pending);
	for (i = 0; i < loop->njobs; i++) {
		j = loop->jobs[i];
		ns = sched_ns_find(loop, j->namespace);
		if (ns != NULL && ns->failed)
			continue;
		if (j->state == STORE_QUEUED || j->state == STORE_HELD) {
			if ((sp = sched_spec_of(loop, j, &cause)) == NULL) {
				log_warnx("job %lld: %s", (long long)j->id,
				    cause);
				continue;
			}
			gr = 0;
			if (j->group != NULL) {
				gkey = xprintf("%s\t%s", j->owner, j->group);
				gr = (size_t)json_integer_value(
				    json_object_get(groups, gkey));
				free(gkey);
			}
			sched_snap_job(loop, j, sp, &ss->jobs[ss->njobs], &gr);
			ss->sjobs[ss->njobs++] = j;
			continue;
		}
		if (store_state_is_terminal(j->state) && !j->cleaned) {
			sched_snap_ending(loop, j, booked, ss);
			continue;
		}
		if (!store_state_is_active(j->state))
			continue;
		/* Admitted or running: what it holds, and where. */
		struct sched_running *sr = &ss->running[ss->nrunning];
		sr->id = j->id;
		sr->owner = j->owner;
		sr->group = j->group;
		sr->gpu_type = *j->run_gpu_type ? j->run_gpu_type : NULL;
		sr->gpus = j->gpu_count;
		sr->replicas = j->replicas;
		sr->cpu_milli = j->cpu_milli;
		sr->memory_bytes = j->memory_bytes;
		ss->rnodes[ss->nrunning] = xcalloc((size_t)j->replicas + 1,
		    sizeof **ss->rnodes);
		ss->rcounted[ss->nrunning] = xcalloc((size_t)j->replicas + 1,
		    sizeof **ss->rcounted);
		pods = sched_attempt_pods(loop, j);
		sched_snap_placement(j, pods, booked, ss->rnodes[ss->nrunning],
		    ss->rcounted[ss->nrunning], &ss->rplaced[ss->nrunning]);
		sr->counted = ss->rcounted[ss->nrunning];
		sr->in_nodes = false;
		/*
		 * The start on the cluster's own clock, as the timeout is
		 * enforced: the store's times are this host's, and a fast
		 * or skewed cluster clock would make the planned ends drift.
		 */
		sr->started_at = sched_job_started(pods);
		if (sr->started_at == 0)
			sr->started_at = sched_job_created(loop, j);
		if (sr->started_at == 0)
			sr->started_at = sched_cluster_time(loop,
			    j->started_at != 0 ? j->started_at :
			    j->admitted_at);
		json_decref(pods);
		sr->nodes = ss->rnodes[ss->nrunning];
		if ((sp = sched_spec_of(loop, j, NULL)) != NULL)
			sr->timeout_s = sp->timeout_s;
		sr->est_s = sched_estimate(loop, j, NULL);
		/* Not yet in the quota's used: pods not created yet. */
		if (json_array_size(sched_job_objects(loop, j, "pods")) ==
		    0) {
			struct sched_job tmp;
			int64_t need[SCHED_NRES];
			struct sched_pending *pe = NULL;
			int x;

			memset(&tmp, 0, sizeof tmp);
			tmp.gpus = j->gpu_count;
			tmp.replicas = j->replicas;
			tmp.cpu_milli = j->cpu_milli;
			tmp.memory_bytes = j->memory_bytes;
			if (sp != NULL) {
				tmp.nscratch = sp->nscratch;
				tmp.scratch_bytes = sp->scratch_bytes;
			}
			sched_job_quota_need(&tmp, need);
			for (k = 0; k < ss->npending; k++)
				if (strcmp(ss->pending[k].namespace,
				    j->namespace) == 0)
					pe = &ss->pending[k];
			if (pe == NULL) {
				pe = &ss->pending[ss->npending++];
				pe->namespace = j->namespace;
			}
			/* Count only pods; the objects exist already. */
			for (x = 0; x < SCHED_NRES; x++)
				if (x != SCHED_RES_DEPLOYMENTS &&
				    x != SCHED_RES_JOBS &&
				    x != SCHED_RES_SERVICES)
					pe->amount[x] += need[x];
		}
		ss->nrunning++;
	}
	json_decref(groups);
	json_decref(booked);
	sched_snap_quotas(loop, ss);
	snap->nodes_readable = loop->nodes != NULL && loop->allpods != NULL;
	if (snap->nodes_readable) {
		ss->nnodes = json_array_size(loop->nodes);
		ss->nodes = xcalloc(ss->nnodes + 1, sizeof *ss->nodes);
		ss->taints = xcalloc(ss->nnodes + 1, sizeof *ss->taints);
		ss->labels = xcalloc(ss->nnodes + 1, sizeof *ss->labels);
		for (i = 0; i < ss->nnodes; i++)
			sched_snap_node(json_array_get(loop->nodes, i),
			    &ss->nodes[i], &ss->taints[i], &ss->labels[i]);
		sched_snap_requests(loop, ss);
	}
	sched_snap_usage(loop, ss);
	snap->jobs = ss->jobs;
	snap->njobs = ss->njobs;
	snap->quotas = ss->quotas;
	snap->nquotas = ss->nquotas;
	snap->pending = ss->pending;
	snap->npending = ss->npending;
	snap->nodes = ss->nodes;
	snap->nnodes = ss->nnodes;
	snap->running = ss->running;
	snap->nrunning = ss->nrunning;
	snap->usage = ss->usage;
	snap->nusage = ss->nusage;
	snap->limits = loop->limits;
	snap->nlimits = loop->nlimits;
	snap->site_types = loop->site_types;
	snap->nsite_types = loop->nsite_types;
	ss->blocked = xcalloc(loop->nblocks + 1, sizeof *ss->blocked);
	for (i = 0; i < loop->nblocks; i++)
		ss->blocked[ss->nblocked++] = (struct sched_type_block){
		    .gpu_type = loop->blocks[i].type,
		    .until = loop->blocks[i].until,
		    .max_gpus = loop->blocks[i].max_gpus,
		    .why = loop->blocks[i].why };
	snap->blocked = ss->blocked;
	snap->nblocked = ss->nblocked;
}

/* Orders job ids ascending. */
static int
sched_id_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Gives the jobs about to be admitted their spec text, which the bulk read
 * skips for cached queued jobs, in one query.
 */
static void
sched_load_specs(struct sched_loop *loop, struct store_job **js, size_t n)
{
	int64_t *ids, *hit;
	char **specs = NULL, *cause = NULL;
	size_t i, k = 0;

	ids = xcalloc(n + 1, sizeof *ids);
	for (i = 0; i < n; i++)
		if (js[i]->spec_json == NULL)
			ids[k++] = js[i]->id;
	/* Admissions come in the policy's order; store_specs wants ids
	 * ascending, and answers in that order. */
	qsort(ids, k, sizeof *ids, sched_id_cmp);
	if (k > 0 && store_specs(loop->store, ids, k, &specs, &cause) != 0) {
		log_warnx("%s", cause);
		free(cause);
		specs = NULL;
	}
	for (i = 0; specs != NULL && i < n; i++) {
		if (js[i]->spec_json != NULL)
			continue;
		hit = bsearch(&js[i]->id, ids, k, sizeof *ids, sched_id_cmp);
		if (hit != NULL) {
			js[i]->spec_json = specs[hit - ids];
			specs[hit - ids] = NULL;
		}
	}
	for (i = 0; specs != NULL && i < k; i++)
		free(specs[i]);
	free(specs);
	free(ids);
}

/*
 * Whether a waiting job's recorded place in the queue is worth rewriting:
 * always within the first 100, further back only once it moved by more
 * than 1%, so that one admission at the head of a long queue does not
 * rewrite every row behind it.
 */
static bool
sched_position_moved(int64_t was, int64_t now)
{
	int64_t d = was > now ? was - now : now - was;

	if (d == 0)
		return false;
	return now <= 100 || was <= 100 || d * 100 > was;
}

/*
 * What the store records of an admission: the GPU type as the site names it
 * (so that "any" renders the selector of the type chosen), the node of each
 * rank, and a reason that says where and on what run-time plan.
 */
static void
sched_admission(struct sched_loop *loop, const struct store_job *j,
    const struct sched_decision *d, struct store_change *chg, char **why)
{
	char type[64], *nodes = NULL, *where, *plan = NULL, *d_s;
	const struct sched_spec *sp = sched_spec_of(loop, j, NULL);
	const char *basis;
	int64_t est;
	size_t k;

	type[0] = '\0';
	if (d->gpu_type != NULL)
		sched_gpu_type_normalize(d->gpu_type, type, sizeof type);
	if (type[0] == '\0' && d->gpu_type != NULL)
		snprintf(type, sizeof type, "%s", d->gpu_type);
	for (k = 0; d->nodes != NULL && k < (size_t)j->replicas; k++) {
		char *more = xprintf("%s%s%s", nodes != NULL ? nodes : "",
		    k > 0 ? "," : "", d->nodes[k] != NULL ? d->nodes[k] : "");

		free(nodes);
		nodes = more;
	}
	chg->run_gpu_type = xstrdup(type);
	chg->run_nodes = nodes != NULL ? nodes : xstrdup("");
	if (nodes != NULL && j->replicas == 1)
		where = xprintf(" on node %s", nodes);
	else if (nodes != NULL)
		where = xprintf(" on nodes %s", nodes);
	else if (j->gpu_count > 0 && loop->sight == SCHED_SIGHT_NAMESPACE)
		where = xstrdup(" (nodes not visible: the cluster places it)");
	else
		where = xstrdup("");
	est = sched_estimate(loop, j, &basis);
	if (sp != NULL && sp->timeout_s == 0 && est > 0 && basis != NULL) {
		d_s = duration_format(est);
		plan = xprintf("; expected to run %s (%s)", d_s, basis);
		free(d_s);
	}
	*why = xprintf("admitted on %s%s%s", type[0] != '\0' ? type :
	    "CPU nodes", where, plan != NULL ? plan : "");
	free(where);
	free(plan);
}

/*
 * A waiting job's reason with the run-time estimate planning used for it
 * (`why` shows which), or NULL when the policy's reason says it all (a
 * timeout was given, or nothing is known yet).
 */
static char *
sched_wait_reason(struct sched_loop *loop, const struct store_job *j,
    const struct sched_decision *d)
{
	const struct sched_spec *sp = sched_spec_of(loop, j, NULL);
	const char *basis;
	char *dur, *out;
	int64_t est;

	if (sp == NULL || sp->timeout_s > 0 || j->state == STORE_HELD)
		return NULL;
	if ((est = sched_estimate(loop, j, &basis)) <= 0 || basis == NULL)
		return NULL;
	dur = duration_format(est);
	out = xprintf("%s; expected to run %s (%s)", d->reason, dur, basis);
	free(dur);
	return out;
}

/* Runs the policy and applies its decisions; returns its next delay. */
static int64_t
sched_policy(struct sched_loop *loop)
{
	struct sched_snap_store ss;
	struct sched_snapshot snap;
	struct sched_config cfg;
	struct sched_result res;
	struct sched_decision *d;
	struct store_change *chg;
	struct store_move *mv;
	struct store_job *j, **mj;
	const char **reasons;
	char **whys, **wown, *why;
	int64_t *ids, *pos, next;
	size_t i, n = 0, nmv = 0, nowned = 0;
	char *cause = NULL, **owned;

	memset(&ss, 0, sizeof ss);
	memset(&res, 0, sizeof res);
	sched_snap_build(loop, &ss, &snap);
	loop->stats.snapshot_ms = sched_phase(loop);
	sched_config_default(&cfg);
	cfg.max_admit = loop->opts.max_admit;
	if (sched_pass(&snap, &cfg, &res, &cause) != 0) {
		log_warnx("policy: %s", cause);
		free(cause);
		sched_result_release(&res);
		sched_snap_release(&ss);
		return loop->opts.interval_ms;
	}
	loop->stats.policy_ms = sched_phase(loop);

	/* Admissions and refusals: one transaction, then the creates of the
	 * jobs that moved (admitted in the store before any object exists,
	 * so that a crash in between re-creates rather than duplicates). */
	mv = xcalloc(res.ndecisions + 1, sizeof *mv);
	mj = xcalloc(res.ndecisions + 1, sizeof *mj);
	chg = xcalloc(res.ndecisions + 1, sizeof *chg);
	whys = xcalloc(res.ndecisions + 1, sizeof *whys);
	wown = xcalloc(res.ndecisions + 1, sizeof *wown);
	ids = xcalloc(res.ndecisions + 1, sizeof *ids);
	reasons = xcalloc(res.ndecisions + 1, sizeof *reasons);
	pos = xcalloc(res.ndecisions + 1, sizeof *pos);
	/* Admissions in the policy's order, so that their objects are
	 * created owner by owner and group by group as it alternated them. */
	owned = xcalloc(2 * res.nadmitted + 1, sizeof *owned);
	for (i = 0; i < res.nadmitted; i++) {
		d = &res.decisions[res.admitted[i]];
		j = ss.sjobs[res.admitted[i]];
		sched_admission(loop, j, d, &chg[nmv], &whys[nmv]);
		owned[nowned++] = (char *)chg[nmv].run_gpu_type;
		owned[nowned++] = (char *)chg[nmv].run_nodes;
		mv[nmv].chg = &chg[nmv];
		mv[nmv].to = STORE_ADMITTED;
		mv[nmv].id = j->id;
		mv[nmv].from = STORE_STATE_BIT(j->state);
		mv[nmv].reason = whys[nmv];
		mj[nmv++] = j;
	}
	for (i = 0; i < res.ndecisions; i++) {
		d = &res.decisions[i];
		j = ss.sjobs[i];
		switch (d->verdict) {
		case SCHED_VERDICT_ADMIT:
			continue;
		case SCHED_VERDICT_NEVER:
			whys[nmv] = xstrdup(d->reason);
			mv[nmv].to = STORE_FAILED;
			break;
		case SCHED_VERDICT_WAIT:
			why = sched_wait_reason(loop, j, d);
			/* Only what changed is written. */
			if (strcmp(j->reason, why != NULL ? why : d->reason) ==
			    0 && !sched_position_moved(j->position,
			    (int64_t)d->position)) {
				free(why);
				continue;
			}
			ids[n] = j->id;
			pos[n] = (int64_t)d->position;
			wown[n] = why;
			reasons[n++] = why != NULL ? why : d->reason;
			continue;
		}
		mv[nmv].id = j->id;
		mv[nmv].from = STORE_STATE_BIT(j->state);
		mv[nmv].reason = whys[nmv];
		mj[nmv++] = j;
	}
	if (loop->opts.dry_run) {
		for (i = 0; i < nmv; i++)
			sched_note(loop, false, "job %lld: would become %s: %s",
			    (long long)mv[i].id, store_state_name(mv[i].to),
			    mv[i].reason);
		nmv = 0;
	} else if (store_transitions(loop->store, mv, nmv, &cause) != 0) {
		sched_note(loop, true, "recording admissions: %s", cause);
		free(cause);
		cause = NULL;
		nmv = 0;
	}
	for (i = 0; i < nmv; i++) {
		if (mv[i].result != 0) {
			/* Another process (a cleanup, a user) got there
			 * first. */
			sched_note(loop, false, "job %lld: %s",
			    (long long)mv[i].id, mv[i].cause);
			free(mv[i].cause);
			mj[i] = NULL;
			continue;
		}
		log_info("job %lld: %s -> %s: %s", (long long)mv[i].id,
		    store_state_name(mj[i]->state), store_state_name(mv[i].to),
		    mv[i].reason);
		mj[i]->state = mv[i].to;
		if (mv[i].to != STORE_ADMITTED)
			mj[i] = NULL;
	}
	{
		size_t k = 0;

		/* The store has recorded them: keep each job with its type. */
		for (i = 0; i < nmv; i++)
			if (mj[i] != NULL) {
				chg[k] = chg[i];
				mj[k++] = mj[i];
			}
		nmv = k;
	}
	sched_load_specs(loop, mj, nmv);
	for (i = 0; i < nmv; i++) {
		j = mj[i];
		j->attempts++;
		free(j->run_gpu_type);
		j->run_gpu_type = xstrdup(chg[i].run_gpu_type != NULL ?
		    chg[i].run_gpu_type : "");
		free(j->run_nodes);
		j->run_nodes = xstrdup(chg[i].run_nodes != NULL ?
		    chg[i].run_nodes : "");
		loop->stats.admissions++;
		/* Its spec could not be read just now: the next pass, which
		 * reads every admitted job's spec, creates its objects. */
		if (j->spec_json == NULL)
			continue;
		if (sched_ensure_objects(loop, j, &cause) < 0) {
			why = xprintf("cannot render: %s", cause);
			sched_end(loop, j, NULL, STORE_FAILED, why);
			free(why);
			free(cause);
			cause = NULL;
		}
	}
	if (store_set_reasons(loop->store, ids, reasons, pos, n, &cause) != 0) {
		log_warnx("%s", cause);
		free(cause);
	}
	loop->stats.record_ms = sched_phase(loop);
	log_info("pass: %zu jobs read (%zu waiting), %zu nodes; read %lld ms, "
	    "list %lld ms, follow %lld ms, snapshot %lld ms, policy %lld ms, "
	    "record %lld ms (%zu admitted, %zu reasons written)", loop->njobs,
	    snap.njobs, snap.nnodes, (long long)loop->stats.read_ms,
	    (long long)loop->stats.list_ms, (long long)loop->stats.follow_ms,
	    (long long)loop->stats.snapshot_ms,
	    (long long)loop->stats.policy_ms, (long long)loop->stats.record_ms,
	    nmv, n);
	next = res.next_pass_ms;
	for (i = 0; i < nowned; i++)
		free(owned[i]);
	free(owned);
	for (i = 0; i < res.ndecisions; i++)
		free(whys[i]);
	for (i = 0; i < n; i++)
		free(wown[i]);
	free(wown);
	free(whys);
	free(chg);
	free(mv);
	free(mj);
	free(ids);
	free(pos);
	free(reasons);
	sched_result_release(&res);
	sched_snap_release(&ss);
	return next;
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

/* Records that the admitted jobs whose replicas all run are running, in
 * one transaction. */
static void
sched_record_started(struct sched_loop *loop)
{
	struct store_move *mv;
	struct store_job *j;
	char *cause = NULL;
	size_t i;

	if (loop->nstarted == 0 || loop->opts.dry_run)
		return;
	mv = xcalloc(loop->nstarted, sizeof *mv);
	for (i = 0; i < loop->nstarted; i++) {
		j = loop->started[i];
		mv[i].id = j->id;
		mv[i].from = STORE_STATE_BIT(STORE_ADMITTED);
		mv[i].to = STORE_RUNNING;
		mv[i].reason = xprintf("all %d replicas running", j->replicas);
	}
	if (store_transitions(loop->store, mv, loop->nstarted, &cause) != 0) {
		sched_note(loop, true, "recording starts: %s", cause);
		free(cause);
	}
	for (i = 0; i < loop->nstarted; i++) {
		j = loop->started[i];
		if (mv[i].result == 0) {
			log_info("job %lld: admitted -> running: %s",
			    (long long)j->id, mv[i].reason);
			j->state = STORE_RUNNING;
		} else if (mv[i].cause != NULL) {
			/* It ended (a timeout) or was changed meanwhile. */
			sched_note(loop, false, "job %lld: %s", (long long)j->id,
			    mv[i].cause);
			free(mv[i].cause);
		}
		free((char *)mv[i].reason);
	}
	free(mv);
}

/* Second half of a pass: follow admitted jobs, then admit new ones. */
static void
sched_pass_act(struct sched_loop *loop)
{
	struct store_job *j;
	struct sched_ns *ns;
	char *cause = NULL;
	size_t i;
	int64_t next;

	loop->stats.list_ms = sched_phase(loop);
	loop->now = kube_client_server_time(loop->kube);
	if (loop->now == 0)
		loop->now = now_ms();
	if (loop->opts.mode == SCHED_MODE_SCHEDULE && !loop->cluster_failed) {
		sched_sight_update(loop);
		sched_blocks_probe(loop);
	}
	sched_index_objects(loop);
	loop->inflight = 1;
	for (i = 0; i < loop->njobs; i++) {
		j = loop->jobs[i];
		/* Acting on a partial view could re-create or re-queue by
		 * mistake: leave a namespace alone until it lists. */
		ns = sched_ns_find(loop, j->namespace);
		if (ns != NULL && ns->failed) {
			if (ns->forbidden && (j->state == STORE_QUEUED ||
			    j->state == STORE_HELD) &&
			    loop->opts.mode == SCHED_MODE_SCHEDULE) {
				char *why = xprintf("cannot use namespace "
				    "'%s': %s", j->namespace, ns->error);

				if (sched_move(loop, j, STORE_FAILED, why, NULL))
					j->state = STORE_FAILED;
				free(why);
			}
			continue;
		}
		if (store_state_is_terminal(j->state)) {
			if (!j->cleaned)
				sched_teardown(loop, j, NULL,
				    SCHED_AFTER_CLEANED, NULL, 0);
			continue;
		}
		if (!store_state_is_active(j->state))
			continue;
		if (loop->opts.mode == SCHED_MODE_CLEANUP)
			sched_cleanup_active(loop, j);
		else
			sched_reconcile(loop, j);
	}
	sched_record_started(loop);
	if (loop->nwait > 0 && store_set_reasons(loop->store, loop->wait_ids,
	    (const char *const *)loop->wait_reasons, NULL, loop->nwait,
	    &cause) != 0) {
		log_warnx("%s", cause);
		free(cause);
	}
	loop->stats.follow_ms = sched_phase(loop);
	if (loop->opts.mode == SCHED_MODE_CLEANUP) {
		sched_orphans(loop);
		sched_prune(loop);
		loop->next_ms = loop->opts.interval_ms;
		sched_req_done(loop, false);
		return;
	}
	if (loop->cluster_failed) {
		loop->next_ms = loop->opts.interval_ms;
		sched_req_done(loop, false);
		return;
	}
	next = sched_policy(loop);
	loop->next_ms = next >= 0 && next < loop->opts.interval_ms ?
	    (next < 50 ? 50 : next) : loop->opts.interval_ms;
	sched_req_done(loop, false);
}

/* Re-arms the timer for the next pass. */
static void
sched_arm(struct sched_loop *loop, int64_t ms)
{
	struct timeval tv;
	int64_t at;

	if (ms < 0)
		ms = 0;
	/* A pass due sooner stays due: a burst of kicks must not keep
	 * pushing it back. */
	at = now_ms() + ms;
	if (evtimer_pending(loop->timer, NULL) && loop->armed_at <= at)
		return;
	loop->armed_at = at;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(loop->timer, &tv);
}

/* After the last request of a pass: report, then schedule the next. */
static void
sched_pass_end(struct sched_loop *loop)
{
	bool empty;

	loop->stats.passes++;
	loop->stats.pass_ms = now_ms() - loop->pass_start;
	loop->stats.effects_ms = sched_phase(loop);
	log_info("pass: effects %lld ms, whole pass %lld ms",
	    (long long)loop->stats.effects_ms, (long long)loop->stats.pass_ms);
	sched_count(loop);
	sched_pass_release(loop);
	loop->in_pass = false;
	if (loop->opts.on_pass != NULL)
		loop->opts.on_pass(&loop->stats, loop->opts.cb_arg);
	empty = loop->stats.queued + loop->stats.admitted +
	    loop->stats.running + loop->stats.uncleaned == 0;
	if (loop->stopping || loop->opts.once ||
	    (loop->opts.until_empty && empty)) {
		event_base_loopbreak(loop->base);
		return;
	}
	sched_arm(loop, loop->kicked ? 20 : loop->next_ms > 0 ? loop->next_ms :
	    loop->opts.interval_ms);
}

/* The timer: time for a pass. */
static void
sched_timer_cb(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	sched_pass_start(arg);
}

/* Something changed on the cluster: run a pass soon. */
static void
sched_watch_cb(enum kube_event_type type, json_t *obj,
    const struct kube_error *err, void *arg)
{
	(void)obj;
	(void)err;
	if (type != KUBE_EVENT_SYNC)
		sched_loop_kick(arg);
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
	sched_loop_limits(loop);
	sched_est_load(loop);
	sched_blocks_load(loop);
	loop->timer = evtimer_new(base, sched_timer_cb, loop);
	return loop;
}

/*
 * Starts the first pass, and watches on the pods, Deployments and Jobs we
 * manage that kick passes (each resumes from its resourceVersion and
 * relists on 410; see kube_watch_start).  Passes still list what they read:
 * the watches only make a change seen at once instead of at the resync.
 */
void
sched_loop_start(struct sched_loop *loop)
{
	static const enum kube_kind kinds[] = { KUBE_PODS,
	    KUBE_DEPLOYMENTS, KUBE_JOBS };
	struct kube_list_opts lo = { .label_selector = SCHED_MANAGED };
	size_t i;

	for (i = 0; !loop->opts.once && i < nitems(kinds); i++)
		loop->watches[i] = kube_watch_start(loop->kube, kinds[i], NULL,
		    &lo, sched_watch_cb, loop);
	sched_arm(loop, 0);
}

/* Runs a pass soon, or right after the one in progress. */
void
sched_loop_kick(struct sched_loop *loop)
{
	if (loop->in_pass) {
		loop->kicked = true;
		return;
	}
	/* A few ms gather a burst of events (a sweep's submit, a watch
	 * storm) into one pass without delaying a lone one. */
	if (!loop->stopping)
		sched_arm(loop, 5);
}

/* Stops after the pass in progress (or now, between passes). */
void
sched_loop_stop(struct sched_loop *loop)
{
	loop->stopping = true;
	if (!loop->in_pass)
		event_base_loopbreak(loop->base);
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

/* Frees the loop (after the event loop has returned). */
void
sched_loop_free(struct sched_loop *loop)
{
	size_t i;

	if (loop == NULL)
		return;
	for (i = 0; i < nitems(loop->watches); i++)
		if (loop->watches[i] != NULL)
			kube_watch_stop(loop->watches[i]);
	event_free(loop->timer);
	sched_pass_release(loop);
	sched_cache_free(&loop->cache);
	json_decref(loop->gusage);
	free(loop->limits);
	free(loop->site_types);
	sched_est_free(loop->est);
	for (i = 0; i < loop->nblocks; i++) {
		free(loop->blocks[i].type);
		free(loop->blocks[i].why);
	}
	free(loop->blocks);
	spec_site_free(loop->own_site);
	free(loop);
}
