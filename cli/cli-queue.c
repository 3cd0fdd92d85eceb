/*
 * cli-queue.c: the queue commands' operations on the local queue (an
 * SQLite file through store/), the counterpart of cli-remote.c's; see
 * struct cli_queue_ops in cli.h.
 */
#include "cli.h"

#include <stdlib.h>

#include "api.h"

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
	cli_error_take(ctx, cause);
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
	if (*j == NULL) {
		cli_error(ctx, "job %lld not found", (long long)id);
		return CLI_EXIT_FAIL;
	}
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
	int ret;

	*ev = NULL;
	*rep = NULL;
	*nev = *nrep = 0;
	if ((ret = cli_queue_local_get(ctx, id, j)) != CLI_EXIT_OK)
		return ret;
	s = cli_store(ctx);
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
	/* Groups are scoped by owner: --owner's (the selection has it),
	 * else the local user's. */
	if (store_group_ids(s, cli_string(ctx, "owner") != NULL ?
	    cli_string(ctx, "owner") : cli_owner(), group, ids, n,
	    &cause) != 0)
		return cli_queue_fail(ctx, cause);
	return CLI_EXIT_OK;
}

/*
 * The jobs acted on by the store in transactions of many (store_act), a
 * refusal an item like the others; jobs a failed transaction left
 * undone are refused with its cause.  A scheduler of the queue is woken
 * once if anything changed.
 */
static int
cli_queue_local_act(struct cli_ctx *ctx, enum cli_queue_act act,
    const int64_t *ids, size_t n, json_t *items)
{
	static const char *const verbs[] = { "cancelled", "held", "released",
		"retried" };
	static const enum store_act acts[] = {
		[CLI_QUEUE_CANCEL] = STORE_ACT_CANCEL,
		[CLI_QUEUE_HOLD] = STORE_ACT_HOLD,
		[CLI_QUEUE_RELEASE] = STORE_ACT_RELEASE,
		[CLI_QUEUE_RETRY] = STORE_ACT_RETRY,
	};
	struct store_act_item *res;
	struct store *s;
	size_t i, done = 0;
	char *reason, *cause = NULL;
	bool changed = false;

	if ((s = cli_store(ctx)) == NULL)
		return CLI_EXIT_FAIL;
	reason = xprintf("%s by %s", verbs[act], cli_owner());
	res = xcalloc(n + 1, sizeof *res);
	(void)store_act(s, acts[act], ids, n, reason, res, &done, &cause);
	for (i = 0; i < n; i++) {
		if (i >= done) {
			json_array_append_new(items, api_action_item(ids[i],
			    false, "conflict", cause != NULL ? cause :
			    "not done"));
			continue;
		}
		if (res[i].result == STORE_ACT_DONE ||
		    res[i].result == STORE_ACT_REQUESTED)
			changed = true;
		json_array_append_new(items, api_act_item(acts[act],
		    &res[i]));
	}
	if (changed)
		store_wake(s);
	store_act_items_release(res, n);
	free(res);
	free(cause);
	free(reason);
	return CLI_EXIT_OK;
}

const struct cli_queue_ops cli_queue_local = {
	.name = "local",
	.each = cli_queue_local_each,
	.get = cli_queue_local_get,
	.why = cli_queue_local_get,
	.detail = cli_queue_local_detail,
	.group_ids = cli_queue_local_group_ids,
	.act = cli_queue_local_act,
};
