/*
 * sched-jobs.c: the queue's jobs as the loop keeps them across passes: the
 * scheduler's part of each spec, parsed once, run-time estimates, and each
 * job's objects and pods as the cache holds them.
 */
#include "sched-loop-int.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "sched-estimate.h"

/* Whether a job belongs in the scheduler's queue: waiting, on the
 * cluster, or ended with objects still to delete (store_sched_jobs). */
static bool
sched_job_kept(const struct store_job *j)
{
	return !store_state_is_terminal(j->state) || !j->cleaned;
}

/* Whether id is among the sorted ids from *k on, moving *k past it. */
static bool
sched_ids_take(const int64_t *ids, size_t n, size_t *k, int64_t id)
{
	while (*k < n && ids[*k] < id)
		(*k)++;
	return *k < n && ids[*k] == id;
}

/*
 * Merges what changed into the queue, all three by id: a changed job
 * replaces its old copy (or joins), unless it no longer belongs; a
 * deleted one leaves.  The changed jobs are taken or freed.
 */
static void
sched_jobs_merge(struct sched_loop *loop, struct store_job **ch, size_t nch,
    const int64_t *gone, size_t ngone)
{
	struct store_job **out, *j;
	size_t i = 0, c = 0, g = 0, n = 0;

	out = xcalloc(loop->njobs + nch + 1, sizeof *out);
	while (i < loop->njobs || c < nch) {
		if (c == nch || (i < loop->njobs &&
		    loop->jobs[i]->id < ch[c]->id)) {
			j = loop->jobs[i++];
			if (sched_ids_take(gone, ngone, &g, j->id))
				store_job_free(j);
			else
				out[n++] = j;
			continue;
		}
		if (i < loop->njobs && loop->jobs[i]->id == ch[c]->id)
			store_job_free(loop->jobs[i++]);
		j = ch[c++];
		if (sched_job_kept(j))
			out[n++] = j;
		else
			store_job_free(j);
	}
	free(loop->jobs);
	loop->jobs = out;
	loop->njobs = n;
}

/* See sched-loop-int.h: reads only what changed since the last pass, by
 * any process; the first pass (or one after a drop) reads it all. */
int
sched_jobs_update(struct sched_loop *loop, char **cause)
{
	struct store_job **ch = NULL;
	int64_t *gone = NULL;
	size_t nch = 0, ngone = 0;
	char *why = NULL;

	if (store_sched_changes(loop->store, &loop->cursor, sched_want_spec,
	    loop, &ch, &nch, &gone, &ngone, cause) != 0)
		return -1;
	if (nch + ngone > 0)
		sched_jobs_merge(loop, ch, nch, gone, ngone);
	free(ch);
	free(gone);
	if (ngone > 0 && !loop->opts.dry_run &&
	    store_sched_forget(loop->store, &loop->cursor, &why) != 0) {
		log_warnx("%s", why);
		free(why);
	}
	return 0;
}

/* See sched-loop-int.h: a dry run changes the jobs in memory as if its
 * moves were made, so it reads the queue whole every pass. */
void
sched_jobs_drop(struct sched_loop *loop)
{
	store_jobs_free(loop->jobs, loop->njobs);
	loop->jobs = NULL;
	loop->njobs = 0;
	memset(&loop->cursor, 0, sizeof loop->cursor);
}

/* See sched-loop-int.h: the store now holds these reasons, and so does
 * the queue in memory, which compares the next pass's with them. */
void
sched_reasons_written(struct sched_reason *r, size_t n, bool positions)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (r[i].job == NULL)
			continue;
		free(r[i].job->reason);
		r[i].job->reason = r[i].text;
		r[i].text = NULL;
		if (positions)
			r[i].job->position = r[i].position;
	}
}

/* The slot of an id in a table: its entry, or the empty slot for it. */
static struct sched_centry *
sched_jtab_slot(const struct sched_jtab *c, int64_t id)
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
struct sched_centry *
sched_jtab_find(const struct sched_jtab *c, int64_t id)
{
	struct sched_centry *e = sched_jtab_slot(c, id);

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
void
sched_jtab_free(struct sched_jtab *c)
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
bool
sched_want_spec(const struct store_job *j, void *arg)
{
	(void)arg;
	return store_state_is_active(j->state);
}

/* Reads the fields of the waiting jobs not cached yet, in one query. */
static void
sched_jtab_fill(struct sched_loop *loop)
{
	struct sched_centry *e;
	int64_t *ids;
	char **v = NULL, *cause = NULL;
	size_t i, k, n = 0;

	ids = xcalloc(loop->njobs + 1, sizeof *ids);
	for (i = 0; i < loop->njobs; i++) {
		e = sched_jtab_find(&loop->jtab, loop->jobs[i]->id);
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
		e = sched_jtab_find(&loop->jtab, ids[i]);
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
void
sched_jtab_rebuild(struct sched_loop *loop)
{
	struct sched_jtab old = loop->jtab, nc;
	struct sched_centry *e, *o;
	struct store_job *j;
	size_t i;

	nc.cap = 64;
	while (nc.cap < loop->njobs * 2)
		nc.cap *= 2;
	nc.v = xcalloc(nc.cap, sizeof *nc.v);
	for (i = 0; i < loop->njobs; i++) {
		j = loop->jobs[i];
		e = sched_jtab_slot(&nc, j->id);
		o = sched_jtab_find(&old, j->id);
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
	loop->jtab = nc;
	log_debug("pass: cache rebuilt %lld ms", (long long)(now_ms() -
	    loop->t_mark));
	sched_jtab_fill(loop);
	log_debug("pass: cache filled %lld ms", (long long)(now_ms() -
	    loop->t_mark));
}

/*
 * A job's run-time estimate in seconds (0: the queue knows too little) and
 * what it rests on (NULL with none), kept per job until more runs end.
 */
int64_t
sched_estimate(struct sched_loop *loop, const struct store_job *j,
    const char **basis)
{
	struct sched_centry *e = sched_jtab_find(&loop->jtab, j->id);
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
const struct sched_spec *
sched_spec_of(struct sched_loop *loop, const struct store_job *j,
    const char **cause)
{
	struct sched_centry *e = sched_jtab_find(&loop->jtab, j->id);

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

/* The objects of one job of this queue, of one kind (NULL: none). */
json_t *
sched_job_objects(struct sched_loop *loop, const struct store_job *j,
    enum sched_obj kind)
{
	return sched_cache_job_objects(loop->cc, j->namespace, j->id, kind);
}

/* The number of objects of ours a job still has. */
size_t
sched_job_object_count(struct sched_loop *loop, const struct store_job *j)
{
	size_t n = 0;
	int k;

	for (k = 0; k < SCHED_OBJ_COUNT; k++)
		n += json_array_size(sched_job_objects(loop, j,
		    (enum sched_obj)k));
	return n;
}

/* Pods of the job's current attempt (older attempts' pods are ignored). */
json_t *
sched_attempt_pods(struct sched_loop *loop, const struct store_job *j)
{
	json_t *pods = json_array(), *p;
	const char *a;
	size_t i;
	char want[16];

	snprintf(want, sizeof want, "%d", j->attempts);
	json_array_foreach(sched_job_objects(loop, j, SCHED_OBJ_PODS), i, p) {
		a = kube_obj_label(p, SCHED_ATTEMPT_LABEL);
		if (a == NULL || strcmp(a, want) == 0)
			json_array_append(pods, p);
	}
	return pods;
}

/* The earliest creation time among a job's workload objects, or 0. */
int64_t
sched_job_created(struct sched_loop *loop, const struct store_job *j)
{
	static const enum sched_obj kinds[] = { SCHED_OBJ_DEPLOYMENTS,
	    SCHED_OBJ_JOBS };
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
int64_t
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

/*
 * How long a gang ran, on the cluster's clock: from its first container
 * start to its last end (the wrapper's first run, kept in lastState once
 * it sleeps), for the run-time estimates; 0 when unknown.
 */
int64_t
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

/*
 * A time the store recorded on this host's clock, moved onto the cluster's
 * clock that the policy's now and the pods' timestamps use, so that a
 * skewed (or simulated) cluster clock cannot make running jobs look
 * overdue and push reservations back for ever; 0 stays 0.
 */
int64_t
sched_cluster_time(const struct sched_loop *loop, int64_t local)
{
	if (local == 0)
		return 0;
	return local + (loop->now - now_ms());
}
