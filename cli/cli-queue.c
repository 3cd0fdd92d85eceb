/*
 * cli-queue.c: the queue commands' operations on the local queue (an
 * SQLite file through store/), the counterpart of cli-remote.c's; see
 * struct cli_queue_ops in cli.h.
 */
#include "cli.h"

#include <stdlib.h>

#define CLI_RETRY_FROM (STORE_STATE_BIT(STORE_SUCCEEDED) | \
    STORE_STATE_BIT(STORE_FAILED) | STORE_STATE_BIT(STORE_CANCELLED) | \
    STORE_STATE_BIT(STORE_TIMED_OUT))

/* See cli.h: the run's queue; the local one unless cli_main chose. */
const struct cli_queue_ops *
cli_queue(struct cli_ctx *ctx)
{
	return ctx->queue != NULL ? ctx->queue : &cli_queue_local;
}

/* Prints a store failure; the exit status of one. */
static int
cli_queue_fail(struct cli_ctx *ctx, char *cause)
{
	cli_error(ctx, "%s", cause);
	free(cause);
	return CLI_EXIT_FAIL;
}

/* Every matching job, in one query, streamed. */
static int
cli_queue_local_each(struct cli_ctx *ctx, const struct store_filter *f,
    int what, store_row_fn fn, void *arg)
{
	struct store *s;
	char *cause = NULL;

	if ((s = cli_store(ctx)) == NULL)
		return CLI_EXIT_FAIL;
	if (store_list_each(s, f, what, fn, arg, &cause) != 0)
		return cause != NULL ? cli_queue_fail(ctx, cause) :
		    CLI_EXIT_FAIL;
	return CLI_EXIT_OK;
}

/* One job; the store keeps its position in the queue too (why). */
static int
cli_queue_local_get(struct cli_ctx *ctx, int64_t id, struct store_job **j)
{
	struct store *s;
	char *cause = NULL;

	*j = NULL;
	if ((s = cli_store(ctx)) == NULL)
		return CLI_EXIT_FAIL;
	if (store_get(s, id, j, &cause) != 0)
		return cli_queue_fail(ctx, cause);
	return CLI_EXIT_OK;
}

/* A job with its event log and its archived replicas. */
static int
cli_queue_local_detail(struct cli_ctx *ctx, int64_t id, struct store_job **j,
    struct store_event **ev, size_t *nev, struct store_replica **rep,
    size_t *nrep)
{
	struct store *s;
	char *cause = NULL;

	*j = NULL;
	*ev = NULL;
	*rep = NULL;
	*nev = *nrep = 0;
	if ((s = cli_store(ctx)) == NULL)
		return CLI_EXIT_FAIL;
	if (store_get(s, id, j, &cause) != 0)
		return cli_queue_fail(ctx, cause);
	if (*j == NULL)
		return CLI_EXIT_OK;
	if (store_events(s, id, ev, nev, &cause) != 0 ||
	    store_replicas(s, id, rep, nrep, &cause) != 0) {
		store_events_free(*ev, *nev);
		store_job_free(*j);
		*j = NULL;
		*ev = NULL;
		*nev = 0;
		return cli_queue_fail(ctx, cause);
	}
	return CLI_EXIT_OK;
}

/* The ids of a group, in id order. */
static int
cli_queue_local_group_ids(struct cli_ctx *ctx, const char *group,
    int64_t **ids, size_t *n)
{
	struct store *s;
	char *cause = NULL;

	*ids = NULL;
	*n = 0;
	if ((s = cli_store(ctx)) == NULL)
		return CLI_EXIT_FAIL;
	if (store_group_ids(s, group, ids, n, &cause) != 0)
		return cli_queue_fail(ctx, cause);
	if (*n == 0) {
		free(*ids);
		*ids = NULL;
		cli_error(ctx, "group '%s' not found", group);
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

/* Cancels one job, saying what happened to it; *changed if it did. */
static int
cli_queue_local_cancel(struct cli_ctx *ctx, struct store *s, int64_t id,
    const char *reason, bool *changed)
{
	enum store_cancel_result r;
	char *cause = NULL;

	if (store_cancel(s, id, reason, &r, &cause) != 0)
		return cli_queue_fail(ctx, cause);
	switch (r) {
	case STORE_CANCEL_DONE:
		*changed = true;
		cli_info(ctx, "job %lld cancelled", (long long)id);
		break;
	case STORE_CANCEL_REQUESTED:
		*changed = true;
		cli_info(ctx, "job %lld: cancel requested; the scheduler stops "
		    "it", (long long)id);
		break;
	case STORE_CANCEL_ALREADY:
		cli_info(ctx, "job %lld already ended or is being cancelled",
		    (long long)id);
		break;
	case STORE_CANCEL_NOT_FOUND:
		cli_error(ctx, "job %lld not found", (long long)id);
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

/* Re-queues one ended job whose objects are gone; with a group, what did
 * not succeed and has ended.  *changed if it did. */
static int
cli_queue_local_retry(struct cli_ctx *ctx, struct store *s, int64_t id,
    const char *reason, bool group, bool *changed)
{
	struct store_job *j = NULL;
	char *cause = NULL;

	if (store_get(s, id, &j, &cause) != 0)
		return cli_queue_fail(ctx, cause);
	if (j == NULL) {
		cli_error(ctx, "job %lld not found", (long long)id);
		return CLI_EXIT_FAIL;
	}
	if (group && (j->state == STORE_SUCCEEDED ||
	    !store_state_is_terminal(j->state))) {
		store_job_free(j);
		return CLI_EXIT_OK;
	}
	if (store_state_is_terminal(j->state) && !j->cleaned) {
		cli_error(ctx, "job %lld: its cluster objects are still being "
		    "removed; retry it in a moment", (long long)j->id);
		store_job_free(j);
		return CLI_EXIT_FAIL;
	}
	store_job_free(j);
	if (store_transition(s, id, CLI_RETRY_FROM, STORE_QUEUED, reason,
	    &cause) != 0)
		return cli_queue_fail(ctx, cause);
	*changed = true;
	cli_info(ctx, "job %lld queued again", (long long)id);
	return CLI_EXIT_OK;
}

/* The named jobs, then the group's, each acted on and reported in turn;
 * a refusal is reported and the others go on.  A scheduler of the queue
 * is woken once if anything changed. */
static int
cli_queue_local_act(struct cli_ctx *ctx, enum cli_queue_act act,
    const int64_t *ids, size_t n, const char *group)
{
	static const char *const verbs[] = { "cancelled", "held", "released",
		"retried" };
	struct store *s;
	int64_t *all, *gids = NULL;
	size_t ng = 0, i;
	char *cause = NULL, *reason;
	int ret = CLI_EXIT_OK, r;
	bool changed = false;

	if (group != NULL && (ret = cli_queue_local_group_ids(ctx, group,
	    &gids, &ng)) != CLI_EXIT_OK)
		return ret;
	if ((s = cli_store(ctx)) == NULL) {
		free(gids);
		return CLI_EXIT_FAIL;
	}
	all = xcalloc(n + ng + 1, sizeof *all);
	for (i = 0; i < n; i++)
		all[i] = ids[i];
	for (i = 0; i < ng; i++)
		all[n + i] = gids[i];
	free(gids);
	reason = xprintf("%s by %s", verbs[act], cli_owner());
	for (i = 0; i < n + ng; i++) {
		switch (act) {
		case CLI_QUEUE_CANCEL:
			r = cli_queue_local_cancel(ctx, s, all[i], reason,
			    &changed);
			break;
		case CLI_QUEUE_RETRY:
			r = cli_queue_local_retry(ctx, s, all[i], reason,
			    group != NULL, &changed);
			break;
		case CLI_QUEUE_HOLD:
		case CLI_QUEUE_RELEASE:
		default:
			r = CLI_EXIT_OK;
			if (store_transition(s, all[i], act == CLI_QUEUE_HOLD ?
			    STORE_STATE_BIT(STORE_QUEUED) :
			    STORE_STATE_BIT(STORE_HELD), act == CLI_QUEUE_HOLD ?
			    STORE_HELD : STORE_QUEUED, reason, &cause) != 0)
				r = cli_queue_fail(ctx, cause);
			else {
				changed = true;
				cli_info(ctx, "job %lld %s", (long long)all[i],
				    verbs[act]);
			}
			cause = NULL;
			break;
		}
		if (r != CLI_EXIT_OK)
			ret = r;
	}
	if (changed)
		store_wake(s);
	free(reason);
	free(all);
	return ret;
}

const struct cli_queue_ops cli_queue_local = {
	.name = "local",
	.each = cli_queue_local_each,
	.get = cli_queue_local_get,
	.why = cli_queue_local_get,
	.detail = cli_queue_local_detail,
	.group_ids = cli_queue_local_group_ids,
	.act = cli_queue_local_act,
	.submit = NULL,
};
