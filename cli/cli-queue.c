/*
 * cli-queue.c: the queue commands' operations on the local queue (an
 * SQLite file through store/), the counterpart of cli-remote.c's; see
 * struct cli_queue_ops in cli.h.
 */
#include "cli.h"

#include <stdarg.h>
#include <stdlib.h>

#include "api.h"

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
	/* Groups are scoped by owner: --owner's (the selection has it),
	 * else the local user's. */
	if (store_group_ids(s, cli_string(ctx, "owner") != NULL ?
	    cli_string(ctx, "owner") : cli_owner(), group, ids, n,
	    &cause) != 0)
		return cli_queue_fail(ctx, cause);
	if (*n == 0) {
		free(*ids);
		*ids = NULL;
		cli_error(ctx, "group '%s' not found", group);
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

/* An action's item for a job, its message formatted. */
static json_t *
cli_queue_item(int64_t id, bool ok, const char *result, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	json_t *item;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	item = api_action_item(id, ok, result, msg);
	free(msg);
	return item;
}

/* Cancels one job: its item, with the words the server uses. */
static json_t *
cli_queue_local_cancel(struct store *s, int64_t id, const char *reason,
    bool *changed)
{
	enum store_cancel_result r;
	char *cause = NULL;
	json_t *item;

	if (store_cancel(s, id, reason, &r, &cause) != 0) {
		item = api_action_item(id, false, "conflict", cause);
		free(cause);
		return item;
	}
	switch (r) {
	case STORE_CANCEL_DONE:
		*changed = true;
		return cli_queue_item(id, true, "cancelled", "job %lld "
		    "cancelled", (long long)id);
	case STORE_CANCEL_REQUESTED:
		*changed = true;
		return cli_queue_item(id, true, "cancel_requested", "job %lld: "
		    "cancel requested; the scheduler stops it", (long long)id);
	case STORE_CANCEL_ALREADY:
		return cli_queue_item(id, true, "already", "job %lld already "
		    "ended or is being cancelled", (long long)id);
	case STORE_CANCEL_NOT_FOUND:
	default:
		return cli_queue_item(id, false, "not_found", "job %lld not "
		    "found", (long long)id);
	}
}

/* Holds, releases or re-queues one job: its item.  A retry waits until
 * the job's cluster objects are gone. */
static json_t *
cli_queue_local_move(struct store *s, enum cli_queue_act act, int64_t id,
    const char *reason, bool *changed)
{
	struct store_job *j = NULL;
	char *cause = NULL;
	json_t *item;
	const char *word = act == CLI_QUEUE_HOLD ? "held" :
	    act == CLI_QUEUE_RELEASE ? "released" : "queued";

	if (store_get(s, id, &j, &cause) != 0 || j == NULL) {
		item = cause != NULL ? api_action_item(id, false, "conflict",
		    cause) : cli_queue_item(id, false, "not_found", "job %lld "
		    "not found", (long long)id);
		free(cause);
		return item;
	}
	if (act == CLI_QUEUE_RETRY && store_state_is_terminal(j->state) &&
	    !j->cleaned) {
		store_job_free(j);
		return cli_queue_item(id, false, "conflict", "job %lld: its "
		    "cluster objects are still being removed; retry it in a "
		    "moment", (long long)id);
	}
	store_job_free(j);
	if (store_transition(s, id, act == CLI_QUEUE_HOLD ?
	    STORE_STATE_BIT(STORE_QUEUED) : act == CLI_QUEUE_RELEASE ?
	    STORE_STATE_BIT(STORE_HELD) : CLI_RETRY_FROM,
	    act == CLI_QUEUE_HOLD ? STORE_HELD : STORE_QUEUED, reason,
	    &cause) != 0) {
		item = api_action_item(id, false, "conflict", cause);
		free(cause);
		return item;
	}
	*changed = true;
	return cli_queue_item(id, true, word, "job %lld %s", (long long)id,
	    act == CLI_QUEUE_RETRY ? "queued again" : word);
}

/* Each job acted on in turn, a refusal an item like the others; a
 * scheduler of the queue is woken once if anything changed. */
static int
cli_queue_local_act(struct cli_ctx *ctx, enum cli_queue_act act,
    const int64_t *ids, size_t n, json_t *items)
{
	static const char *const verbs[] = { "cancelled", "held", "released",
		"retried" };
	struct store *s;
	size_t i;
	char *reason;
	bool changed = false;

	if ((s = cli_store(ctx)) == NULL)
		return CLI_EXIT_FAIL;
	reason = xprintf("%s by %s", verbs[act], cli_owner());
	for (i = 0; i < n; i++)
		json_array_append_new(items, act == CLI_QUEUE_CANCEL ?
		    cli_queue_local_cancel(s, ids[i], reason, &changed) :
		    cli_queue_local_move(s, act, ids[i], reason, &changed));
	if (changed)
		store_wake(s);
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
	.submit = NULL,
};
