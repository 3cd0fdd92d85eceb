/*
 * sched-usage.c: fair share's usage: each owner's GPU-hours (kept in the
 * queue) and each group's (in memory), decayed to now and charged for the
 * GPUs their running jobs hold.
 */
#include "sched-loop-int.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

/* Frees a group's usage record. */
void
sched_gusage_free(void *p)
{
	struct sched_gusage *g = p;

	free(g->owner);
	free(g->group);
	free(g);
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
	struct sched_map_slot *s;
	struct sched_gusage *g, *last = NULL;
	struct store_job *j;
	size_t i;
	char *k;

	for (i = 0; (s = sched_map_next(&loop->gusage, &i)) != NULL;) {
		g = s->value;
		g->seen = false;
		g->live = 0;
	}
	for (i = 0; i < loop->njobs; i++) {
		j = loop->jobs[i];
		if (j->group == NULL || store_state_is_terminal(j->state))
			continue;
		/* A sweep's jobs come one after another: the last job's
		 * group is most often this one's, found without a key. */
		if (last != NULL && strcmp(last->group, j->group) == 0 &&
		    strcmp(last->owner, j->owner) == 0) {
			if (j->state == STORE_RUNNING)
				last->live += (double)j->gpu_count *
				    j->replicas;
			continue;
		}
		k = xprintf("%s\t%s", j->owner, j->group);
		if ((g = sched_map_get(&loop->gusage, k)) == NULL) {
			g = xcalloc(1, sizeof *g);
			g->owner = xstrdup(j->owner);
			g->group = xstrdup(j->group);
			g->at = loop->now;
			sched_map_put(&loop->gusage, k, g);
		}
		g->seen = true;
		if (j->state == STORE_RUNNING)
			g->live += (double)j->gpu_count * j->replicas;
		free(k);
		last = g;
	}
	/* Groups with nothing left waiting or running are forgotten. */
	for (i = 0; (s = sched_map_next(&loop->gusage, &i)) != NULL;) {
		if (!((struct sched_gusage *)s->value)->seen)
			sched_gusage_free(sched_map_del_at(&loop->gusage, &i));
	}
	ss->usage = xreallocarray(ss->usage, ss->nusage +
	    sched_map_count(&loop->gusage) + 1, sizeof *ss->usage);
	for (i = 0; (s = sched_map_next(&loop->gusage, &i)) != NULL;) {
		g = s->value;
		g->gpu_ms = sched_usage_update(g->gpu_ms / 3.6e6, g->live,
		    loop->now > g->at ? loop->now - g->at : 0,
		    loop->opts.half_life_s * 1000) * 3.6e6;
		g->at = loop->now;
		ss->usage[ss->nusage].owner = g->owner;
		ss->usage[ss->nusage].group = g->group;
		ss->usage[ss->nusage++].gpu_hours = g->gpu_ms / 3.6e6;
	}
}

/* GPUs held by each owner's running jobs (0 for owners with only
 * admitted jobs), for fair share: a map from owner to a double. */
static void
sched_owner_gpus(struct sched_loop *loop, struct sched_map *gpus)
{
	const struct store_job *j, *last = NULL;
	double *v = NULL;
	size_t i;

	sched_map_init(gpus);
	for (i = 0; i < loop->njobs; i++) {
		j = loop->jobs[i];
		if (!store_state_is_active(j->state))
			continue;
		/* Owners are shared strings: the last job's is most often
		 * this one's, found without a lookup. */
		if (last == NULL || last->owner != j->owner) {
			if ((v = sched_map_get(gpus, j->owner)) == NULL) {
				v = xcalloc(1, sizeof *v);
				sched_map_put(gpus, j->owner, v);
			}
			last = j;
		}
		if (j->state == STORE_RUNNING)
			*v += (double)j->gpu_count * j->replicas;
	}
}

/* Reads the owners' usage from the store, once (again after a failure). */
static void
sched_usage_load(struct sched_loop *loop)
{
	struct sched_ousage *u = &loop->ousage;
	char *cause = NULL;
	size_t k;

	if (u->loaded)
		return;
	if (store_usage_list(loop->store, &u->v, &u->n, &cause) != 0) {
		log_warnx("%s", cause);
		free(cause);
		u->v = NULL;
		u->n = 0;
		return;
	}
	u->live = xcalloc(u->n + 1, sizeof *u->live);
	for (k = 0; k < u->n; k++)
		sched_map_put_index(&u->map, u->v[k].owner, k);
	u->loaded = true;
}

/* An owner of active jobs the store has no usage for: a new row. */
static void
sched_usage_add(struct sched_loop *loop, const char *owner)
{
	struct sched_ousage *u = &loop->ousage;

	u->v = xreallocarray(u->v, u->n + 1, sizeof *u->v);
	u->live = xreallocarray(u->live, u->n + 1, sizeof *u->live);
	u->v[u->n].owner = xstrdup(owner);
	u->v[u->n].gpu_ms = 0;
	u->v[u->n].at = loop->now;
	u->live[u->n] = 0;
	sched_map_put_index(&u->map, owner, u->n);
	u->n++;
	u->dirty = true;
}

/* See sched-loop-int.h: one transaction, when there is news to keep. */
void
sched_usage_flush(struct sched_loop *loop)
{
	struct sched_ousage *u = &loop->ousage;
	char *cause = NULL;

	if (!u->loaded || !u->dirty)
		return;
	if (store_usage_set_many(loop->store, u->v, u->n, &cause) != 0) {
		log_warnx("%s", cause);
		free(cause);
		return;
	}
	u->dirty = false;
}

/* See sched-loop-int.h: the usage chore. */
void
sched_usage_due(struct sched_loop *loop)
{
	loop->ousage.dirty = true;
}

/* See sched-loop-int.h. */
void
sched_usage_free(struct sched_loop *loop)
{
	struct sched_ousage *u = &loop->ousage;

	store_usage_free(u->v, u->n);
	free(u->live);
	sched_map_release(&u->map, NULL);
	memset(u, 0, sizeof *u);
}

/*
 * Fair share: each owner's GPU-hours, decayed to now and charged for the
 * GPUs its running jobs hold.  Kept in memory across passes: the store is
 * read once and written when an owner joins or the GPUs charged to one
 * change (a job started or ended), else by the usage chore, instead of
 * one read and one write transaction every pass.  Between writes the
 * stored row is at most a chore period old, and a scheduler that starts
 * from it charges the running jobs from its time on.
 */
void
sched_snap_usage(struct sched_loop *loop, struct sched_snap_store *ss)
{
	struct sched_ousage *u = &loop->ousage;
	struct sched_map gpus;
	struct sched_map_slot *s;
	double hours, live, *v;
	size_t i, k;

	sched_usage_load(loop);
	if (!u->loaded) {
		/* Unread: no owner's usage this pass (rows added now would
		 * hide the stored ones), read again by the next. */
		ss->usage = NULL;
		ss->nusage = 0;
		sched_snap_group_usage(loop, ss);
		return;
	}
	/* Every owner of active jobs gets a usage row. */
	sched_owner_gpus(loop, &gpus);
	for (i = 0; (s = sched_map_next(&gpus, &i)) != NULL;)
		if (sched_map_get_index(&u->map, s->key) == (size_t)-1)
			sched_usage_add(loop, s->key);
	ss->usage = xcalloc(u->n + 1, sizeof *ss->usage);
	for (k = 0; k < u->n; k++) {
		v = sched_map_get(&gpus, u->v[k].owner);
		live = v != NULL ? *v : 0;
		hours = sched_usage_update(u->v[k].gpu_ms / 3.6e6, live,
		    loop->now > u->v[k].at ? loop->now - u->v[k].at : 0,
		    loop->opts.half_life_s * 1000);
		ss->usage[k].owner = u->v[k].owner;
		ss->usage[k].gpu_hours = hours;
		u->v[k].gpu_ms = hours * 3.6e6;
		u->v[k].at = loop->now;
		if (live != u->live[k])
			u->dirty = true;
		u->live[k] = live;
	}
	ss->nusage = u->n;
	sched_map_release(&gpus, free);
	sched_snap_group_usage(loop, ss);
	sched_usage_flush(loop);
}
