/*
 * sched-ops.c: the loop's effects, made (sched_ops_real) or only reported
 * (sched_ops_dry, for `cleanup --dry-run`), so that the rest of the loop
 * never asks which: a dry run walks the same paths and says "would".
 */
#include "sched-loop-int.h"

#include <stdlib.h>

#include "common.h"

/* Records moves in one transaction. */
static int
sched_real_transitions(struct sched_loop *loop, struct store_move *mv,
    size_t n, char **cause)
{
	/* The transaction failed: what the pass changed in memory may not
	 * be what the store holds, so the next pass reads it all again. */
	if (store_transitions(loop->store, mv, n, cause) != 0) {
		loop->queue_stale = true;
		sched_reasons_drop(loop);
		return -1;
	}
	return 0;
}

/* Records one move. */
static int
sched_real_transition(struct sched_loop *loop, const struct store_job *j,
    enum store_state to, const char *reason, const struct store_change *chg,
    char **cause)
{
	return store_transition_with(loop->store, j->id,
	    STORE_STATE_BIT(j->state), to, reason, chg, cause);
}

/* Keeps state in the queue; a failure is logged, the loop goes on. */
static void
sched_real_meta_set(struct sched_loop *loop, const char *key,
    const char *value)
{
	char *cause = NULL;

	if (store_meta_set(loop->store, key, value, &cause) != 0) {
		log_warnx("%s", cause);
		free(cause);
	}
}

/* Removes old records, or with dry only counts them, and says how many. */
static void
sched_ops_prune(struct sched_loop *loop, int64_t cutoff, bool dry)
{
	size_t n = 0;
	char *cause = NULL;

	if (store_prune(loop->store, cutoff, dry, &n, &cause) != 0) {
		sched_note(loop, true, "pruning: %s", cause);
		free(cause);
		return;
	}
	if (n > 0)
		sched_note(loop, false, "%s %zu job record%s older than %llds",
		    dry ? "would prune" : "pruned", n, n == 1 ? "" : "s",
		    (long long)loop->opts.max_age_s);
}

/* Removes old records. */
static void
sched_real_prune(struct sched_loop *loop, int64_t cutoff)
{
	sched_ops_prune(loop, cutoff, false);
}

const struct sched_ops sched_ops_real = {
	.transitions = sched_real_transitions,
	.transition = sched_real_transition,
	.meta_set = sched_real_meta_set,
	.teardown = sched_teardown_start,
	.delete_orphan = sched_delete_orphan,
	.prune = sched_real_prune,
};

/* Says what each move would be; none is made (result -1, no cause). */
static int
sched_dry_transitions(struct sched_loop *loop, struct store_move *mv,
    size_t n, char **cause)
{
	size_t i;

	(void)cause;
	for (i = 0; i < n; i++) {
		sched_note(loop, false, "job %lld: would become %s: %s",
		    (long long)mv[i].id, store_state_name(mv[i].to),
		    mv[i].reason);
		mv[i].result = -1;
		mv[i].cause = NULL;
	}
	return 0;
}

/* Says what the move would be. */
static int
sched_dry_transition(struct sched_loop *loop, const struct store_job *j,
    enum store_state to, const char *reason, const struct store_change *chg,
    char **cause)
{
	(void)chg;
	sched_note(loop, false, "job %lld: would become %s: %s",
	    (long long)j->id, store_state_name(to), reason);
	*cause = NULL;
	return -1;
}

/* A dry run keeps nothing. */
static void
sched_dry_meta_set(struct sched_loop *loop, const char *key,
    const char *value)
{
	(void)loop;
	(void)key;
	(void)value;
}

/* Says what the teardown would do. */
static void
sched_dry_teardown(struct sched_loop *loop, const struct store_job *j,
    const struct sched_obs *obs, enum sched_after after, const char *reason,
    int64_t not_before)
{
	size_t nobj = sched_job_object_count(loop, j);

	(void)obs;
	(void)reason;
	(void)not_before;
	sched_note(loop, false, "job %lld: would %s%s%zu object%s",
	    (long long)j->id, after == SCHED_AFTER_REQUEUE ?
	    "re-queue it and " : "", nobj > 0 ? "delete " :
	    "mark it cleaned: no ", nobj, nobj == 1 ? "" : "s");
}

/* Says which orphan it would delete. */
static void
sched_dry_delete_orphan(struct sched_loop *loop, enum kube_kind kind,
    const char *what, const json_t *o, const char *ns, int64_t id)
{
	(void)kind;
	sched_note(loop, false, "would delete orphan %s %s/%s (job %s/%lld)",
	    what, kube_obj_namespace(o), kube_obj_name(o), ns, (long long)id);
}

/* Counts what pruning would remove. */
static void
sched_dry_prune(struct sched_loop *loop, int64_t cutoff)
{
	sched_ops_prune(loop, cutoff, true);
}

const struct sched_ops sched_ops_dry = {
	.transitions = sched_dry_transitions,
	.transition = sched_dry_transition,
	.meta_set = sched_dry_meta_set,
	.teardown = sched_dry_teardown,
	.delete_orphan = sched_dry_delete_orphan,
	.prune = sched_dry_prune,
};
