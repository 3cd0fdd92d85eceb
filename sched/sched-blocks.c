/*
 * sched-blocks.c: what the loop can see of the cluster (its sight), and,
 * without sight of nodes, the GPU types judged full because one of our
 * pods found no room there: judged, widened as a congestion window grows,
 * forgotten; kept in the queue so that `sched --once` from cron goes on
 * where the last run left off.
 */
#include "sched-loop-int.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

/* A GPU type judged full stays so this long at first, doubling on each
 * judgement in a row up to the cap (cluster clock). */
#define SCHED_FULL_BACKOFF_MS (60 * 1000)
#define SCHED_FULL_BACKOFF_MAX_MS (15 * 60 * 1000)
/* Quiet widenings after which a judgement is forgotten. */
#define SCHED_FULL_PROBES 8

/* Writes the GPU types judged full where `why` and `quota` read them. */
static void
sched_blocks_save(struct sched_loop *loop)
{
	json_t *a = json_array();
	char *text;
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
	if (text != NULL)
		loop->ops->meta_set(loop, "sched.full", text);
	free(text);
}

/* Takes up the judgements of an earlier run (sched --once from cron). */
void
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
void
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
void
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
void
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
void
sched_sight_update(struct sched_loop *loop)
{
	enum sched_sight now = loop->nodes_ok && loop->pods_ok ?
	    SCHED_SIGHT_INFORMED : SCHED_SIGHT_NAMESPACE;
	char *text;

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
		    !loop->nodes_ok ? "nodes" : "",
		    !loop->nodes_ok && !loop->pods_ok ? " and " : "",
		    !loop->pods_ok ? "pods of other namespaces" : "",
		    SCHED_UNSCHED_GRACE_MS / 1000);
	if (loop->opts.mode == SCHED_MODE_SCHEDULE) {
		if (now == SCHED_SIGHT_NAMESPACE)
			log_warnx("%s", text);
		else
			log_info("%s", text);
	}
	loop->ops->meta_set(loop, "sched.sight", text);
	free(text);
}

/* Frees the judgements (the loop is going away; the queue keeps them). */
void
sched_blocks_free(struct sched_loop *loop)
{
	size_t i;

	for (i = 0; i < loop->nblocks; i++) {
		free(loop->blocks[i].type);
		free(loop->blocks[i].why);
	}
	free(loop->blocks);
	loop->blocks = NULL;
	loop->nblocks = 0;
}
