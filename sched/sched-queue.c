/*
 * sched-queue.c: the queue as the loop keeps it across passes.  The first
 * pass reads it whole; each later one merges in only the jobs that any
 * process inserted, changed or deleted since (store_sched_changes), so an
 * idle pass reads one row.  Beside the jobs, by id, a table keeps what is
 * derived of each (the scheduler's part of its spec, its estimate) until
 * the job changes.
 */
#include "sched-loop-int.h"

#include <stdlib.h>
#include <string.h>

#include "common.h"

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

/* What a removed entry's slot holds, keeping probe chains whole. */
static struct sched_centry sched_jtab_gone = { .id = -1 };

/*
 * The slot of an id in a table: its entry, or the empty slot for it.  Ids
 * are the queue's, dense and growing, and passes visit them in order: the
 * id itself as the hash keeps neighbours in neighbouring slots, where a
 * scattering hash cost a cache and TLB miss per job (13% of an idle pass
 * at 10,000 jobs).  Slots hold pointers, so that the table's slack costs
 * 8 bytes a slot, not an entry's 192 (the table is at most half full:
 * at 100,000 jobs 262,144 slots, 50 MB of entries inline).
 */
static struct sched_centry **
sched_jtab_slot(const struct sched_jtab *c, int64_t id)
{
	size_t i;

	if (c->cap == 0 || id <= 0)
		return NULL;
	i = (size_t)id & (c->cap - 1);
	while (c->v[i] != NULL && c->v[i]->id != id)
		i = (i + 1) & (c->cap - 1);
	return &c->v[i];
}

/* Whether a slot holds an entry (not empty, not a removed one's). */
static bool
sched_jtab_live(const struct sched_centry *e)
{
	return e != NULL && e != &sched_jtab_gone;
}

/* The entry of a job of the queue, or NULL. */
struct sched_centry *
sched_jtab_find(const struct sched_jtab *c, int64_t id)
{
	struct sched_centry **s = sched_jtab_slot(c, id);

	return s != NULL && sched_jtab_live(*s) ? *s : NULL;
}

/* See sched-loop-int.h. */
void
sched_centry_unsteady(struct sched_centry *e)
{
	int r;

	e->steady = false;
	if (e->run == NULL)
		return;
	for (r = 0; r < e->run->replicas; r++)
		free(e->run->nodes[r]);
	free(e->run->nodes);
	free(e->run);
	e->run = NULL;
}

/* Frees the parsed parts of an entry and empties it, but for the plan
 * of its admission: the row changes with every move, the plan does not. */
static void
sched_centry_release(struct sched_jtab *c, struct sched_centry *e)
{
	int64_t plan_at = e->plan_at;
	int plan_attempt = e->plan_attempt;

	sched_centry_unsteady(e);
	sched_strs_put(c->strs, e->est_basis);
	if (e->parsed && e->ok)
		sched_spec_release(&e->sp);
	free(e->cause);
	memset(e, 0, sizeof *e);
	e->plan_at = plan_at;
	e->plan_attempt = plan_attempt;
}

/* Frees a table and its entries. */
static void
sched_jtab_free(struct sched_jtab *c)
{
	size_t i;

	for (i = 0; i < c->cap; i++) {
		if (sched_jtab_live(c->v[i])) {
			sched_centry_release(c, c->v[i]);
			free(c->v[i]);
		}
	}
	free(c->v);
	c->v = NULL;
	c->cap = c->used = 0;
}

/* Makes room for one more entry: a table at most half used, removed
 * slots dropped when it is rebuilt. */
static void
sched_jtab_room(struct sched_jtab *c)
{
	struct sched_jtab nc = { NULL, 64, 0, c->strs };
	size_t i, live = 0;

	if ((c->used + 1) * 2 <= c->cap)
		return;
	for (i = 0; i < c->cap; i++)
		if (sched_jtab_live(c->v[i]))
			live++;
	while (nc.cap < (live + 1) * 4)
		nc.cap *= 2;
	nc.v = xcalloc(nc.cap, sizeof *nc.v);
	for (i = 0; i < c->cap; i++) {
		if (!sched_jtab_live(c->v[i]))
			continue;
		*sched_jtab_slot(&nc, c->v[i]->id) = c->v[i];
		nc.used++;
	}
	free(c->v);
	*c = nc;
}

/* Points a job's entry at its new copy, forgetting what was derived of
 * the old one if the job changed (its revision, updated_at). */
static void
sched_jtab_put(struct sched_jtab *c, struct store_job *j)
{
	struct sched_centry *e = sched_jtab_find(c, j->id);

	if (e == NULL) {
		sched_jtab_room(c);
		e = *sched_jtab_slot(c, j->id) = xcalloc(1, sizeof *e);
		c->used++;
	} else if (e->rev != j->updated_at)
		sched_centry_release(c, e);
	e->id = j->id;
	e->rev = j->updated_at;
	e->job = j;
	/* A row that changed (a cancel, another process's move) is
	 * followed again. */
	sched_centry_unsteady(e);
}

/* Removes a job's entry, leaving a mark that keeps probe chains whole. */
static void
sched_jtab_del(struct sched_jtab *c, int64_t id)
{
	struct sched_centry **s = sched_jtab_slot(c, id);

	if (s == NULL || !sched_jtab_live(*s))
		return;
	sched_centry_release(c, *s);
	free(*s);
	*s = &sched_jtab_gone;
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

/* Parses the specs of jobs new to the table: from their text when read,
 * else from the fields of the waiting ones, in one query. */
static void
sched_jtab_fill(struct sched_loop *loop, struct store_job **fresh, size_t n)
{
	struct sched_centry *e;
	int64_t *ids;
	char **v = NULL, *cause = NULL;
	size_t i, k, m = 0;

	ids = xcalloc(n + 1, sizeof *ids);
	for (i = 0; i < n; i++) {
		e = sched_jtab_find(&loop->jtab, fresh[i]->id);
		if (e->parsed)
			continue;
		if (fresh[i]->spec_json != NULL) {
			e->parsed = true;
			e->ok = sched_spec_read(fresh[i], &e->sp,
			    &e->cause) == 0;
		} else if (!store_state_is_terminal(fresh[i]->state))
			ids[m++] = fresh[i]->id;
	}
	if (m > 0 && store_spec_fields(loop->store, ids, m, sched_spec_paths,
	    SCHED_SPEC_NFIELDS, &v, &cause) != 0) {
		log_warnx("%s", cause);
		free(cause);
		m = 0;
	}
	for (i = 0; i < m; i++) {
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

/* Takes a changed job into the queue being built (or frees it when it no
 * longer belongs), with its table entry. */
static void
sched_jobs_take(struct sched_loop *loop, struct store_job *j,
    struct store_job **out, size_t *n, struct store_job **fresh,
    size_t *nfresh)
{
	if (!sched_job_kept(j)) {
		sched_jtab_del(&loop->jtab, j->id);
		store_job_free(j);
		loop->ns_stale = true;
		return;
	}
	sched_job_own(loop, j);
	sched_ns_get(loop, j->namespace);
	sched_jtab_put(&loop->jtab, j);
	out[(*n)++] = j;
	fresh[(*nfresh)++] = j;
}

/*
 * Merges what changed into the queue, all three by id: a changed job
 * replaces its old copy (or joins), unless it no longer belongs; a
 * deleted one leaves.  The changed jobs are taken or freed; the specs of
 * those kept are parsed where they are new or changed.
 */
static void
sched_jobs_merge(struct sched_loop *loop, struct store_job **ch, size_t nch,
    const int64_t *gone, size_t ngone)
{
	struct store_job **out, **fresh, *j;
	size_t i = 0, c = 0, g = 0, n = 0, nfresh = 0;

	out = xcalloc(loop->njobs + nch + 1, sizeof *out);
	fresh = xcalloc(nch + 1, sizeof *fresh);
	while (i < loop->njobs || c < nch) {
		if (c == nch || (i < loop->njobs &&
		    loop->jobs[i]->id < ch[c]->id)) {
			j = loop->jobs[i++];
			if (!sched_ids_take(gone, ngone, &g, j->id)) {
				out[n++] = j;
				continue;
			}
			sched_jtab_del(&loop->jtab, j->id);
			sched_job_free(loop, j);
			loop->ns_stale = true;
			continue;
		}
		if (i < loop->njobs && loop->jobs[i]->id == ch[c]->id)
			sched_job_free(loop, loop->jobs[i++]);
		sched_jobs_take(loop, ch[c++], out, &n, fresh, &nfresh);
	}
	free(loop->jobs);
	loop->jobs = out;
	loop->njobs = n;
	sched_jtab_fill(loop, fresh, nfresh);
	free(fresh);
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
	bool whole = !loop->cursor.valid;

	if (store_sched_changes(loop->store, &loop->cursor, sched_want_spec,
	    loop, &ch, &nch, &gone, &ngone, cause) != 0)
		return -1;
	log_info("pass: queue: %zu read, %zu gone (%s)", nch, ngone,
	    whole ? "whole" : "changed since the last pass");
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
 * moves were made, so it reads the queue whole every pass (and what was
 * derived of the jobs goes with them). */
void
sched_jobs_drop(struct sched_loop *loop)
{
	size_t i;

	sched_jtab_free(&loop->jtab);
	for (i = 0; i < loop->njobs; i++)
		sched_job_free(loop, loop->jobs[i]);
	free(loop->jobs);
	loop->jobs = NULL;
	loop->njobs = 0;
	loop->ns_stale = true;
	memset(&loop->cursor, 0, sizeof loop->cursor);
}

/* See sched-loop-int.h: the store now holds these reasons, and so does
 * the queue in memory, which compares the next pass's with them. */
void
sched_reasons_written(struct sched_loop *loop, struct sched_reason *r,
    size_t n, bool positions)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (r[i].job == NULL)
			continue;
		sched_strs_put(&loop->strs, r[i].job->reason);
		r[i].job->reason = (char *)(uintptr_t)r[i].text;
		r[i].text = NULL;
		if (positions)
			r[i].job->position = r[i].position;
	}
}

/* See sched-loop-int.h. */
void
sched_reasons_free(struct sched_loop *loop, struct sched_reason *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		sched_strs_put(&loop->strs, r[i].text);
	free(r);
}

/* The fields of a job of the queue that hold shared strings. */
#define SCHED_JOB_SHARED(j) { &(j)->namespace, &(j)->owner, &(j)->group, \
	&(j)->gpu_type, &(j)->run_gpu_type, &(j)->run_nodes, &(j)->reason }

/*
 * See sched-loop-int.h: 100,000 jobs of a sweep held nine heap strings
 * each, most of them the same few (and every job behind the backfill
 * depth the same reason): each is now held once in loop->strs.
 */
void
sched_job_own(struct sched_loop *loop, struct store_job *j)
{
	char **f[] = SCHED_JOB_SHARED(j);
	const char *p;
	size_t i;

	for (i = 0; i < nitems(f); i++) {
		p = sched_strs_get(&loop->strs, *f[i]);
		free(*f[i]);
		*f[i] = (char *)(uintptr_t)p;
	}
}

/* See sched-loop-int.h. */
void
sched_job_free(struct sched_loop *loop, struct store_job *j)
{
	char **f[] = SCHED_JOB_SHARED(j);
	size_t i;

	if (j == NULL)
		return;
	for (i = 0; i < nitems(f); i++) {
		sched_strs_put(&loop->strs, *f[i]);
		*f[i] = NULL;
	}
	store_job_free(j);
}

/* See sched-loop-int.h: the new value is taken before the old one is
 * given back, so that s may be the old value itself. */
void
sched_job_set(struct sched_loop *loop, char **field, const char *s)
{
	const char *p = sched_strs_get(&loop->strs, s);

	sched_strs_put(&loop->strs, *field);
	*field = (char *)(uintptr_t)p;
}
