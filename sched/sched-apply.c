/*
 * sched-apply.c: the policy's decisions applied.  One record per decision
 * (sched_decided), one switch on its verdict: an admission becomes a store
 * move to admitted with its placement, then the creates of its objects;
 * a job that can never run fails; a waiting job's reason and place are
 * written when they changed.  Moves are recorded in one transaction
 * before any object exists, so that a crash in between re-creates rather
 * than duplicates.
 */
#include "sched-loop-int.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

/* What a create's answer needs to know. */
struct sched_create {
	struct sched_loop *loop;
	const struct store_job *job;  /* lives until the pass ends */
	enum kube_kind kind;
	char *what;                   /* "Deployment train-3-0-ab12c" */
};

/*
 * The client that creates and deletes a job's objects: the one the caller
 * gives for its owner (the shared server impersonating them), else ours.
 */
struct kube_client *
sched_client(struct sched_loop *loop, const char *owner)
{
	struct kube_client *kc = NULL;

	if (loop->opts.client_for != NULL && owner != NULL)
		kc = loop->opts.client_for(owner, loop->opts.client_arg);
	return kc != NULL ? kc : loop->kube;
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
	enum sched_obj key = kind == KUBE_DEPLOYMENTS ? SCHED_OBJ_DEPLOYMENTS :
	    kind == KUBE_JOBS ? SCHED_OBJ_JOBS : kind == KUBE_SERVICES ?
	    SCHED_OBJ_SERVICES : SCHED_OBJ_PODS;
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
		/* One being deleted is an earlier attempt's, going. */
		if (json_object_get(json_object_get(o, "metadata"),
		    "deletionTimestamp") != NULL)
			continue;
		if (strcmp(kube_obj_name(o), name) == 0 || (legacy != NULL &&
		    strcmp(kube_obj_name(o), legacy) == 0))
			found = true;
	}
	free(legacy);
	free(tag);
	return found;
}

/* The cache's kind of an object this loop creates. */
static enum sched_ck
sched_created_kind(enum kube_kind kind)
{
	switch (kind) {
	case KUBE_DEPLOYMENTS:
		return SCHED_CK_DEPLOYMENTS;
	case KUBE_JOBS:
		return SCHED_CK_JOBS;
	case KUBE_SERVICES:
		return SCHED_CK_SERVICES;
	default:
		return SCHED_CK_OURPODS;
	}
}

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

	if (r->error != NULL && kube_is_already_exists(r->error) &&
	    r->leaving) {
		/* The last attempt's object, still going: the next pass
		 * creates what is missing. */
		sched_note(loop, false, "job %lld: %s is still being deleted; "
		    "created on a later pass", (long long)sc->job->id,
		    sc->what);
	} else if (r->error != NULL && kube_is_already_exists(r->error)) {
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
	} else if (json_is_object(r->body)) {
		/* Seen from now on, before its watch event comes. */
		sched_cache_assume(loop->cc, sched_created_kind(sc->kind),
		    r->body);
	}
	free(sc->what);
	free(sc);
	sched_req_done(loop);
}

/* A create cancelled by an abort: what its callback would free. */
static void
sched_create_drop(void *arg)
{
	struct sched_create *sc = arg;

	free(sc->what);
	free(sc);
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
	static const struct {
		const char *name;
		enum kube_kind kind;
	} kinds[] = { { "Deployment", KUBE_DEPLOYMENTS }, { "Job", KUBE_JOBS },
		{ "Service", KUBE_SERVICES }, { "Pod", KUBE_PODS } };
	const char *k = json_string_value(json_object_get(o, "kind"));
	size_t i;

	for (i = 0; k != NULL && i < nitems(kinds); i++)
		if (strcmp(k, kinds[i].name) == 0) {
			*kind = kinds[i].kind;
			return 0;
		}
	return -1;
}

/*
 * The objects of a job the pass did not see, created when create is set,
 * else only counted; the number, or -1 if the job cannot be rendered.
 */
static int
sched_objects_missing(struct sched_loop *loop, const struct store_job *j,
    bool create, char **cause)
{
	struct sched_create *sc;
	struct sched_req *w;
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
		n++;
		if (!create)
			continue;
		sc = xcalloc(1, sizeof *sc);
		sc->loop = loop;
		sc->job = j;
		sc->kind = kind;
		sc->what = xprintf("%s %s", json_string_value(
		    json_object_get(o, "kind")), name);
		loop->inflight++;
		w = sched_req_new(loop, sched_create_cb, sc, sched_create_drop,
		    sc);
		sched_req_sent(w, kube_create_owned(sched_client(loop,
		    j->owner), kind, j->namespace, o, id, sched_req_cb, w));
	}
	json_decref(id);
	json_decref(objs);
	return n;
}

/*
 * Creates whatever of a job's objects the pass did not see: all of them
 * after an admission, the missing ones after a crash or when something
 * deleted one while the job ran.  Returns the number of creates started,
 * or -1 if the job cannot be rendered.
 */
int
sched_ensure_objects(struct sched_loop *loop, const struct store_job *j,
    char **cause)
{
	return sched_objects_missing(loop, j, true, cause);
}

/* See sched-loop-int.h: the count alone, so that a caller can look at
 * why objects are missing before it makes them again. */
int
sched_count_missing(struct sched_loop *loop, const struct store_job *j,
    char **cause)
{
	return sched_objects_missing(loop, j, false, cause);
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

/* The head of the queue: places where every change is written at once. */
#define SCHED_HEAD 100

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
	return now <= SCHED_HEAD || was <= SCHED_HEAD || d * 100 > was;
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
    const struct sched_spec *sp, const struct sched_decision *d)
{
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

/* One decision of the policy on its way to the store. */
struct sched_decided {
	struct store_job *job;
	enum store_state to;
	char *why;                   /* the move's reason */
	struct store_change chg;     /* an admission's type and nodes */
	bool moved;                  /* the store took it */
};

/* What a pass applies: moves (admissions first, in the policy's order,
 * so that objects are created owner by owner and group by group as it
 * alternated them), then the waiting jobs' reasons. */
struct sched_applied {
	struct sched_decided *moves;
	size_t nmoves;
	struct sched_reason *reasons;
	size_t nreasons;
	bool refresh;                /* changes behind the head are due */
	size_t nrefreshed;           /* of reasons, those changes */
	size_t nheld;                /* those changes held back */
};

/*
 * Whether a waiting job's new reason and place are written this pass: a
 * change of place that matters, and any change of the reason at the head
 * of the queue, at once; a change of the reason further back (the
 * reservation the backfill depth is counted from, a count, a planned
 * start; around a teardown, seen changing its kind for one pass),
 * which one admission makes for nearly every job behind it, only on a
 * pass where the refresh is due, so that the stored reasons there lag the
 * policy's by at most SCHED_REASONS_REFRESH_MS and a pass.
 */
static bool
sched_reason_due(struct sched_applied *a, const struct store_job *j,
    const char *text, int64_t position)
{
	if (sched_position_moved(j->position, position))
		return true;
	if (strcmp(j->reason, text) == 0)
		return false;
	if (j->position <= SCHED_HEAD || position <= SCHED_HEAD)
		return true;
	if (a->refresh) {
		a->nrefreshed++;
		return true;
	}
	a->nheld++;
	return false;
}

/* One decision: a move for an admission or a refusal, a reason (when it
 * changed) for a wait. */
static void
sched_apply_decision(struct sched_loop *loop, struct store_job *j,
    const struct sched_spec *sp, const struct sched_decision *d,
    struct sched_applied *a)
{
	struct sched_decided *m;
	const char *text;
	char *why;

	switch (d->verdict) {
	case SCHED_VERDICT_ADMIT:
		m = &a->moves[a->nmoves++];
		m->job = j;
		m->to = STORE_ADMITTED;
		sched_admission(loop, j, d, &m->chg, &m->why);
		break;
	case SCHED_VERDICT_NEVER:
		m = &a->moves[a->nmoves++];
		m->job = j;
		m->to = STORE_FAILED;
		m->why = xstrdup(d->reason);
		break;
	case SCHED_VERDICT_WAIT:
		why = sched_wait_reason(loop, j, sp, d);
		text = why != NULL ? why : d->reason;
		if (!sched_reason_due(a, j, text, (int64_t)d->position)) {
			free(why);
			break;
		}
		a->reasons[a->nreasons++] = (struct sched_reason){
		    .job = j, .id = j->id, .position = (int64_t)d->position,
		    .start = d->reserved_start, .text = sched_strs_get(
		    &loop->strs, text) };
		free(why);
		break;
	}
}

/* Records the moves in one transaction; each says whether it took (a
 * cleanup or a user may have got there first). */
static void
sched_apply_moves(struct sched_loop *loop, struct sched_applied *a)
{
	struct store_move *mv = xcalloc(a->nmoves + 1, sizeof *mv);
	struct sched_decided *m;
	char *cause = NULL;
	size_t i;

	for (i = 0; i < a->nmoves; i++) {
		m = &a->moves[i];
		mv[i].id = m->job->id;
		mv[i].from = STORE_STATE_BIT(m->job->state);
		mv[i].to = m->to;
		mv[i].reason = m->why;
		mv[i].chg = m->to == STORE_ADMITTED ? &m->chg : NULL;
	}
	if (loop->ops->transitions(loop, mv, a->nmoves, &cause) != 0) {
		sched_note(loop, true, "recording admissions: %s", cause);
		free(cause);
		free(mv);
		return;
	}
	for (i = 0; i < a->nmoves; i++) {
		m = &a->moves[i];
		if (mv[i].result != 0) {
			if (mv[i].cause != NULL)
				sched_note(loop, false, "job %lld: %s",
				    (long long)m->job->id, mv[i].cause);
			free(mv[i].cause);
			continue;
		}
		log_info("job %lld: %s -> %s: %s", (long long)m->job->id,
		    store_state_name(m->job->state), store_state_name(m->to),
		    m->why);
		m->job->state = m->to;
		m->moved = true;
	}
	free(mv);
}

/* Keeps the now this attempt was admitted at: the policy plans its end
 * from it (sched.h, admitted_at), never from a later stamped start. */
static void
sched_plan_admitted(struct sched_loop *loop, const struct store_job *j)
{
	struct sched_centry *e = sched_jtab_find(&loop->jtab, j->id);

	if (e == NULL)
		return;
	e->plan_at = loop->now;
	e->plan_attempt = j->attempts;
}

/* Creates the objects of the jobs the store now has admitted; returns how
 * many were admitted. */
static size_t
sched_apply_creates(struct sched_loop *loop, struct sched_applied *a)
{
	struct store_job **js = xcalloc(a->nmoves + 1, sizeof *js), *j;
	struct sched_decided *m;
	char *cause = NULL, *why;
	size_t i, n = 0;

	for (i = 0; i < a->nmoves; i++)
		if (a->moves[i].moved && a->moves[i].to == STORE_ADMITTED)
			js[n++] = a->moves[i].job;
	sched_load_specs(loop, js, n);
	for (i = 0; i < a->nmoves; i++) {
		m = &a->moves[i];
		if (!m->moved || m->to != STORE_ADMITTED)
			continue;
		j = m->job;
		j->attempts++;
		sched_plan_admitted(loop, j);
		sched_job_set(loop, &j->run_gpu_type, m->chg.run_gpu_type);
		sched_job_set(loop, &j->run_nodes, m->chg.run_nodes);
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
	free(js);
	return n;
}

/*
 * How long, at most, a reason behind the head of the queue (and its
 * planned start) may lag what the policy says, in ms: changes there are
 * written together, at most once a minute.
 */
#define SCHED_REASONS_REFRESH_MS 60000

/* Whether this pass writes the reasons' changes behind the head: the
 * first pass, then the first a refresh period after the last that did. */
static bool
sched_reasons_refresh_due(const struct sched_loop *loop, int64_t now)
{
	return loop->reasons_refreshed == 0 ||
	    now - loop->reasons_refreshed >= SCHED_REASONS_REFRESH_MS;
}

/* The policy's delay to the next pass, shortened so that the changes held
 * back are written when the refresh is due even if nothing else wakes the
 * loop before then. */
static int64_t
sched_reasons_next(struct sched_loop *loop, struct sched_applied *a,
    int64_t now, int64_t next)
{
	int64_t left;

	if (a->refresh)
		loop->reasons_refreshed = now;
	if (a->nheld == 0)
		return next;
	left = loop->reasons_refreshed + SCHED_REASONS_REFRESH_MS - now;
	if (left < 1)
		left = 1;
	return next < 0 || next > left ? left : next;
}

/* How many reasons one turn of the event loop writes, in one transaction. */
#define SCHED_REASONS_CHUNK 1000

/* See sched-loop-int.h: frees the reasons not written. */
void
sched_reasons_release(struct sched_loop *loop)
{
	sched_reasons_free(loop, loop->wr, loop->nwr);
	loop->wr = NULL;
	loop->nwr = loop->wr_next = 0;
}

/* See sched-loop-int.h: one chunk of reasons, then the next turn's, and
 * when all are written the pass may end. */
void
sched_reasons_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct sched_loop *loop = arg;
	struct timeval tv = { 0, 0 };
	size_t i, n = loop->nwr - loop->wr_next;
	struct sched_reason *r = &loop->wr[loop->wr_next];
	const char **texts;
	int64_t *ids, *pos, *start;
	char *cause = NULL;

	(void)fd;
	(void)ev;
	if (n > SCHED_REASONS_CHUNK)
		n = SCHED_REASONS_CHUNK;
	texts = xcalloc(n + 1, sizeof *texts);
	ids = xcalloc(n + 1, sizeof *ids);
	pos = xcalloc(n + 1, sizeof *pos);
	start = xcalloc(n + 1, sizeof *start);
	for (i = 0; i < n; i++) {
		ids[i] = r[i].id;
		pos[i] = r[i].position;
		start[i] = r[i].start;
		texts[i] = r[i].text;
	}
	if (store_set_reasons(loop->store, ids, texts, pos, start, n,
	    &cause) != 0) {
		log_warnx("%s", cause);
		free(cause);
		loop->wr_next = loop->nwr;
	} else {
		sched_reasons_written(loop, r, n, true);
		loop->wr_next += n;
	}
	free(texts);
	free(ids);
	free(pos);
	free(start);
	if (loop->wr_next < loop->nwr) {
		evtimer_add(loop->wr_ev, &tv);
		return;
	}
	log_info("pass: reasons %lld ms (%zu written)", (long long)(now_ms() -
	    loop->wr_start), loop->nwr);
	sched_reasons_release(loop);
	if (loop->wr_waited) {
		loop->wr_waited = false;
		sched_req_done(loop);
	}
}

/* See sched-loop-int.h: what a next pass takes again from the written
 * copies (the rule compares with them); a refresh it must do again. */
void
sched_reasons_drop(struct sched_loop *loop)
{
	bool waited = loop->wr_waited;

	if (loop->wr_next >= loop->nwr)
		return;
	evtimer_del(loop->wr_ev);
	log_info("pass: reasons %lld ms (%zu of %zu written, the rest left "
	    "to the next pass)", (long long)(now_ms() - loop->wr_start),
	    loop->wr_next, loop->nwr);
	if (loop->wr_refresh)
		loop->reasons_refreshed = 0;
	loop->wr_waited = false;
	sched_reasons_release(loop);
	if (waited)
		sched_req_done(loop);
}

/*
 * Hands the waiting jobs' reasons and places that changed to the writer,
 * which starts once the pass's requests are on their way.  A loop that
 * goes on ends the pass without waiting for it, so that a wake (a pod
 * ended) starts the next pass between two chunks; a run that stops after
 * this pass (once, until empty) or only pretends (a dry run) waits.
 */
static void
sched_apply_reasons(struct sched_loop *loop, struct sched_applied *a)
{
	struct timeval tv = { 0, 0 };

	if (a->nreasons == 0)
		return;
	sched_reasons_release(loop);
	loop->wr = a->reasons;
	loop->nwr = a->nreasons;
	loop->wr_start = now_ms();
	loop->wr_refresh = a->refresh;
	loop->wr_waited = loop->opts.once || loop->opts.until_empty ||
	    loop->opts.dry_run;
	a->reasons = NULL;
	a->nreasons = 0;
	if (loop->wr_waited)
		loop->inflight++;
	evtimer_add(loop->wr_ev, &tv);
}

/* Frees what a pass applied. */
static void
sched_applied_release(struct sched_loop *loop, struct sched_applied *a)
{
	size_t i;

	for (i = 0; i < a->nmoves; i++) {
		free(a->moves[i].why);
		free((char *)a->moves[i].chg.run_gpu_type);
		free((char *)a->moves[i].chg.run_nodes);
	}
	sched_reasons_free(loop, a->reasons, a->nreasons);
	free(a->moves);
}

/* Runs the policy over this pass's snapshot; 0, or -1 with the result
 * released. */
static int
sched_apply_policy(struct sched_loop *loop, struct sched_snap_store *ss,
    struct sched_snapshot *snap, struct sched_result *res)
{
	struct sched_config cfg;
	char *cause = NULL;

	memset(res, 0, sizeof *res);
	sched_snap_build(loop, ss, snap);
	loop->stats.snapshot_ms = sched_phase(loop);
	sched_config_default(&cfg);
	cfg.max_admit = loop->opts.max_admit;
	if (sched_pass(snap, &cfg, res, &cause) != 0) {
		log_warnx("policy: %s", cause);
		free(cause);
		sched_result_release(res);
		return -1;
	}
	loop->stats.policy_ms = sched_phase(loop);
	return 0;
}

/* Runs the policy and applies its decisions; returns its next delay. */
int64_t
sched_apply(struct sched_loop *loop)
{
	struct sched_snap_store *ss;
	struct sched_snapshot snap;
	struct sched_result res;
	struct sched_applied a;
	size_t i, nadmitted, nreasons, nmoves;
	int64_t next, now = now_ms();

	if (loop->ss == NULL)
		loop->ss = xcalloc(1, sizeof *loop->ss);
	ss = loop->ss;
	if (sched_apply_policy(loop, ss, &snap, &res) != 0) {
		sched_snap_release(ss, false);
		return loop->opts.interval_ms;
	}
	/* Moves are admissions and refusals only: sized for those, not for
	 * every job of the queue (7 MB a pass at 100,000). */
	for (i = 0, nmoves = 0; i < res.ndecisions; i++)
		if (res.decisions[i].verdict != SCHED_VERDICT_WAIT)
			nmoves++;
	memset(&a, 0, sizeof a);
	a.moves = xcalloc(nmoves + 1, sizeof *a.moves);
	a.reasons = xcalloc(res.ndecisions + 1, sizeof *a.reasons);
	a.refresh = sched_reasons_refresh_due(loop, now);
	for (i = 0; i < res.nadmitted; i++)
		sched_apply_decision(loop, ss->sjobs[res.admitted[i]],
		    ss->sspecs[res.admitted[i]],
		    &res.decisions[res.admitted[i]], &a);
	for (i = 0; i < res.ndecisions; i++)
		if (res.decisions[i].verdict != SCHED_VERDICT_ADMIT)
			sched_apply_decision(loop, ss->sjobs[i],
			    ss->sspecs[i], &res.decisions[i], &a);
	sched_apply_moves(loop, &a);
	nadmitted = sched_apply_creates(loop, &a);
	nreasons = a.nreasons;
	sched_apply_reasons(loop, &a);
	loop->stats.record_ms = sched_phase(loop);
	log_info("pass: %zu jobs read (%zu waiting), %zu nodes; read %lld ms, "
	    "cache %lld ms, follow %lld ms, snapshot %lld ms, policy %lld ms, "
	    "record %lld ms (%zu admitted, %zu reasons to write (%zu behind "
	    "the head), %zu held back; cpu %lld ms)",
	    loop->njobs,
	    snap.njobs, snap.nnodes, (long long)loop->stats.read_ms,
	    (long long)loop->stats.list_ms, (long long)loop->stats.follow_ms,
	    (long long)loop->stats.snapshot_ms,
	    (long long)loop->stats.policy_ms, (long long)loop->stats.record_ms,
	    nadmitted, nreasons, a.nrefreshed, a.nheld,
	    (long long)sched_pass_cpu(loop));
	next = sched_reasons_next(loop, &a, now, res.next_pass_ms);
	sched_applied_release(loop, &a);
	sched_result_release(&res);
	sched_snap_release(ss, false);
	return next;
}
