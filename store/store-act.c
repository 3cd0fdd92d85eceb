/*
 * store-act.c: what a user does to jobs already queued (cancel, hold,
 * release, retry), one job or a selection of thousands, with the state
 * machine's checks and an event-log entry for each job either way.
 */
#include "store-int.h"

#include <stdlib.h>

/* The states a retry takes a job from: any end. */
#define STORE_RETRY_FROM (STORE_STATE_BIT(STORE_SUCCEEDED) | \
    STORE_STATE_BIT(STORE_FAILED) | STORE_STATE_BIT(STORE_CANCELLED) | \
    STORE_STATE_BIT(STORE_TIMED_OUT))

/*
 * Cancels a job inside the caller's transaction: a job that has not
 * started ends at once; one on the cluster is marked for the scheduler
 * to stop (its state unchanged, the request in its event log).
 */
static int
store_cancel_in(struct store *s, int64_t id, const char *reason, int64_t at,
    enum store_act_result *result, char **cause)
{
	sqlite3_stmt *stmt;
	enum store_state from;
	bool requested;
	int rc;

	rc = store_read_state(s, id, &from, &requested, NULL, cause);
	if (rc == -1)
		return -1;
	if (rc == 1) {
		*result = STORE_ACT_NOT_FOUND;
		return 0;
	}
	if (from == STORE_QUEUED || from == STORE_HELD) {
		*result = STORE_ACT_DONE;
		return store_set_state(s, id, from, STORE_CANCELLED, reason,
		    NULL, at, cause);
	}
	if (!store_state_is_active(from) || requested) {
		*result = STORE_ACT_ALREADY;
		return 0;
	}
	if ((stmt = store_stmt(s, STMT_JOB_SET_CANCEL)) == NULL)
		return store_error(s, cause, "requesting cancel");
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_text(stmt, 2, "cancel requested", -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, at);
	if (store_step(s, stmt) != SQLITE_DONE)
		return store_error(s, cause, "requesting cancel");
	*result = STORE_ACT_REQUESTED;
	return store_event_add(s, id, (int)from, from, reason, at, cause);
}

/* One job of store_act inside the caller's transaction: its result in
 * *it; -1 only when the transaction itself failed. */
static int
store_act_one(struct store *s, enum store_act act, const char *reason,
    int64_t at, struct store_act_item *it, char **cause)
{
	enum store_state from, to;
	unsigned int mask;
	bool cleaned;
	int rc;

	if (act == STORE_ACT_CANCEL)
		return store_cancel_in(s, it->id, reason, at, &it->result,
		    cause);
	rc = store_read_state(s, it->id, &from, NULL, &cleaned, cause);
	if (rc == -1)
		return -1;
	if (rc == 1) {
		it->result = STORE_ACT_NOT_FOUND;
		return 0;
	}
	/* An ended job whose objects remain would meet them again on its
	 * next admission: it waits for cleanup first. */
	if (act == STORE_ACT_RETRY && store_state_is_terminal(from) &&
	    !cleaned) {
		it->result = STORE_ACT_UNCLEANED;
		return 0;
	}
	mask = act == STORE_ACT_HOLD ? STORE_STATE_BIT(STORE_QUEUED) :
	    act == STORE_ACT_RELEASE ? STORE_STATE_BIT(STORE_HELD) :
	    STORE_RETRY_FROM;
	to = act == STORE_ACT_HOLD ? STORE_HELD : STORE_QUEUED;
	if ((it->cause = store_move_refusal(it->id, from, mask, to)) != NULL) {
		it->result = STORE_ACT_REFUSED;
		return 0;
	}
	if (store_set_state(s, it->id, from, to, reason, NULL, at, cause) != 0)
		return -1;
	it->result = STORE_ACT_DONE;
	return 0;
}

/*
 * See store.h.  A transaction a chunk of jobs: one commit (the WAL write
 * a commit costs) for up to STORE_ACT_CHUNK jobs instead of one each,
 * while the write lock is never held long enough to stall a submit or
 * the scheduler for more than a chunk's work.
 */
int
store_act(struct store *s, enum store_act act, const int64_t *ids, size_t n,
    const char *reason, struct store_act_item *items, size_t *ndone,
    char **cause)
{
	size_t i, start, end;
	int64_t at;

	*ndone = 0;
	for (i = 0; i < n; i++) {
		items[i].id = ids[i];
		items[i].result = STORE_ACT_NOT_FOUND;
		items[i].cause = NULL;
	}
	for (start = 0; start < n; start = end) {
		end = n - start > STORE_ACT_CHUNK ? start + STORE_ACT_CHUNK : n;
		if (store_begin(s, cause) != 0)
			return -1;
		at = now_ms();
		for (i = start; i < end; i++)
			if (store_act_one(s, act, reason, at, &items[i],
			    cause) != 0)
				goto fail;
		if (store_commit(s, cause) != 0)
			goto fail;
		*ndone = end;
	}
	return 0;
fail:
	store_rollback(s);     /* a failed commit has rolled back already */
	for (i = start; i < end; i++) {
		free(items[i].cause);
		items[i].cause = NULL;
		items[i].result = STORE_ACT_NOT_FOUND;
	}
	return -1;
}

/* See store.h. */
void
store_act_items_release(struct store_act_item *items, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(items[i].cause);
		items[i].cause = NULL;
	}
}
