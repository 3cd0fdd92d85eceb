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
	const struct store_job *j;
	double *v;
	size_t i;

	sched_map_init(gpus);
	for (i = 0; i < loop->njobs; i++) {
		j = loop->jobs[i];
		if (!store_state_is_active(j->state))
			continue;
		if ((v = sched_map_get(gpus, j->owner)) == NULL) {
			v = xcalloc(1, sizeof *v);
			sched_map_put(gpus, j->owner, v);
		}
		if (j->state == STORE_RUNNING)
			*v += (double)j->gpu_count * j->replicas;
	}
}

/* Fair share: each owner's GPU-hours, decayed to now and charged for the
 * GPUs its running jobs hold; recorded in one transaction. */
void
sched_snap_usage(struct sched_loop *loop, struct sched_snap_store *ss)
{
	struct sched_map gpus, have;
	struct sched_map_slot *s;
	double hours, *v;
	size_t i, k;
	char *cause = NULL;

	if (store_usage_list(loop->store, &ss->susage, &ss->nsusage,
	    &cause) != 0) {
		log_warnx("%s", cause);
		free(cause);
		cause = NULL;
		ss->susage = NULL;
		ss->nsusage = 0;
	}
	/* Every owner of active jobs gets a usage row. */
	sched_owner_gpus(loop, &gpus);
	sched_map_init(&have);
	for (k = 0; k < ss->nsusage; k++)
		sched_map_put_index(&have, ss->susage[k].owner, k);
	for (i = 0; (s = sched_map_next(&gpus, &i)) != NULL;) {
		if (sched_map_get_index(&have, s->key) != (size_t)-1)
			continue;
		ss->susage = xreallocarray(ss->susage, ss->nsusage + 1,
		    sizeof *ss->susage);
		ss->susage[ss->nsusage].owner = xstrdup(s->key);
		ss->susage[ss->nsusage].gpu_ms = 0;
		ss->susage[ss->nsusage].at = loop->now;
		ss->nsusage++;
	}
	sched_map_release(&have, NULL);
	ss->usage = xcalloc(ss->nsusage + 1, sizeof *ss->usage);
	for (k = 0; k < ss->nsusage; k++) {
		v = sched_map_get(&gpus, ss->susage[k].owner);
		hours = sched_usage_update(ss->susage[k].gpu_ms / 3.6e6,
		    v != NULL ? *v : 0, loop->now > ss->susage[k].at ?
		    loop->now - ss->susage[k].at : 0,
		    loop->opts.half_life_s * 1000);
		ss->usage[k].owner = ss->susage[k].owner;
		ss->usage[k].gpu_hours = hours;
		ss->susage[k].gpu_ms = hours * 3.6e6;
		ss->susage[k].at = loop->now;
	}
	ss->nusage = ss->nsusage;
	sched_map_release(&gpus, free);
	sched_snap_group_usage(loop, ss);
	if (store_usage_set_many(loop->store, ss->susage, ss->nsusage,
	    &cause) != 0) {
		log_warnx("%s", cause);
		free(cause);
	}
}
