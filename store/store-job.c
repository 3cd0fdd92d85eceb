#include "store-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A text column copied, NULL for NULL. */
static char *
column_dup_null(sqlite3_stmt *stmt, int i)
{
	return sqlite3_column_type(stmt, i) != SQLITE_NULL ?
	    store_column_dup(stmt, i) : NULL;
}

/* Reads a state column written by this module; anything else is damage:
 * -1, and *st is left alone. */
static int
column_state(sqlite3_stmt *stmt, int i, enum store_state *st)
{
	const char *v = (const char *)sqlite3_column_text(stmt, i);

	if (v == NULL || store_state_parse(v, st) != 0)
		return -1;
	return 0;
}

/* See store-int.h: the damage error of a row whose state no version
 * wrote. */
int
store_bad_state(struct store *s, sqlite3_stmt *stmt, char **cause,
    const char *what)
{
	char detail[64];

	snprintf(detail, sizeof detail, "job %lld has no valid state",
	    (long long)sqlite3_column_int64(stmt, 0));
	return store_damaged(s, cause, what, detail);
}

/* See store-int.h: one entry of a job's event log, inside the caller's
 * transaction. */
int
store_event_add(struct store *s, int64_t id, int from, enum store_state to,
    const char *reason, int64_t at, char **cause)
{
	sqlite3_stmt *stmt = store_stmt(s, STMT_EVENT_INSERT);

	if (stmt == NULL)
		return store_error(s, cause, "recording event");
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, at);
	if (from < 0)
		sqlite3_bind_null(stmt, 3);
	else
		store_bind_text(stmt, 3, store_state_name((enum store_state)from));
	store_bind_text(stmt, 4, store_state_name(to));
	store_bind_text(stmt, 5, reason != NULL ? reason : "");
	if (store_step(s, stmt) != SQLITE_DONE)
		return store_error(s, cause, "recording event");
	return 0;
}

/* Builds a job from a row of STMT_JOB_GET or STMT_JOB_LIST (but its
 * est_start, column 28, which the scheduler's reads have not); NULL when
 * its state is damaged (store-int.h: store-delta.c reads such rows too). */
struct store_job *
store_job_from_row(sqlite3_stmt *stmt, bool with_spec)
{
	struct store_job *j;
	enum store_state st;

	if (column_state(stmt, 5, &st) != 0)
		return NULL;
	j = xcalloc(1, sizeof *j);
	j->state = st;
	j->id = sqlite3_column_int64(stmt, 0);
	j->name = store_column_dup(stmt, 1);
	j->namespace = store_column_dup(stmt, 2);
	j->owner = store_column_dup(stmt, 3);
	j->group = column_dup_null(stmt, 4);
	j->reason = store_column_dup(stmt, 6);
	j->cleaned = sqlite3_column_int(stmt, 7) != 0;
	j->cancel_requested = sqlite3_column_int(stmt, 8) != 0;
	j->priority = sqlite3_column_int(stmt, 9);
	j->gpu_type = store_column_dup(stmt, 10);
	j->gpu_count = sqlite3_column_int(stmt, 11);
	j->replicas = sqlite3_column_int(stmt, 12);
	j->cpu_milli = sqlite3_column_int64(stmt, 13);
	j->memory_bytes = sqlite3_column_int64(stmt, 14);
	j->spec_json = with_spec ? store_column_dup(stmt, 15) : NULL;
	j->attempts = sqlite3_column_int(stmt, 16);
	j->submitted_at = sqlite3_column_int64(stmt, 17);
	j->updated_at = sqlite3_column_int64(stmt, 18);
	j->started_at = sqlite3_column_int64(stmt, 19);
	j->finished_at = sqlite3_column_int64(stmt, 20);
	j->run_gpu_type = store_column_dup(stmt, 21);
	j->has_exit_code = sqlite3_column_type(stmt, 22) != SQLITE_NULL;
	j->exit_code = sqlite3_column_int(stmt, 22);
	j->not_before = sqlite3_column_int64(stmt, 23);
	j->admitted_at = sqlite3_column_int64(stmt, 24);
	j->position = sqlite3_column_int64(stmt, 25);
	j->run_nodes = store_column_dup(stmt, 26);
	j->run_ms = sqlite3_column_int64(stmt, 27);
	return j;
}

/* Jobs matching a filter, in id order; see store.h. */
int
store_list(struct store *s, const struct store_filter *f,
    struct store_job ***out, size_t *nout, char **cause)
{
	sqlite3_stmt *stmt;
	struct store_job **jobs = NULL;
	size_t n = 0, cap = 0;
	unsigned int mask = f->states;
	char *set = NULL;
	int rc, ret = -1;

	if (mask == 0 && !f->all)
		mask = (1u << STORE_QUEUED) | (1u << STORE_HELD) |
		    (1u << STORE_ADMITTED) | (1u << STORE_RUNNING);
	if (mask != 0)
		set = store_state_set(mask);
	if (store_step(s, store_stmt(s, STMT_BEGIN)) != SQLITE_DONE)
		return store_error(s, cause, "begin");
	stmt = store_stmt(s, STMT_JOB_LIST);
	if (stmt == NULL) {
		store_error(s, cause, "listing jobs");
		goto out;
	}
	store_bind_text(stmt, 1, set);
	store_bind_text(stmt, 2, f->name);
	store_bind_text(stmt, 3, f->group);
	store_bind_text(stmt, 7, f->group_owner);
	sqlite3_bind_int64(stmt, 4, f->after_id);
	sqlite3_bind_int64(stmt, 5, f->limit == 0 ? -1 : (int64_t)f->limit);
	sqlite3_bind_int(stmt, 6, f->not_cleaned);
	while ((rc = store_step(s, stmt)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap == 0 ? 64 : cap * 2;
			jobs = xreallocarray(jobs, cap, sizeof *jobs);
		}
		if ((jobs[n] = store_job_from_row(stmt, true)) == NULL)
			break;
		jobs[n++]->est_start = sqlite3_column_int64(stmt, 28);
	}
	if (rc == SQLITE_ROW) {
		store_bad_state(s, stmt, cause, "listing jobs");
		store_jobs_free(jobs, n);
		goto out;
	}
	if (rc != SQLITE_DONE) {
		store_error(s, cause, "listing jobs");
		store_jobs_free(jobs, n);
		goto out;
	}
	*out = jobs;
	*nout = n;
	ret = 0;
out:
	sqlite3_reset(stmt);
	store_rollback(s);
	free(set);
	return ret;
}

/* One job by id; *out is NULL if there is none. */
int
store_get(struct store *s, int64_t id, struct store_job **out, char **cause)
{
	sqlite3_stmt *stmt = store_stmt(s, STMT_JOB_GET);
	int rc;

	if (stmt == NULL)
		return store_error(s, cause, "reading job");
	*out = NULL;
	sqlite3_bind_int64(stmt, 1, id);
	rc = store_step(s, stmt);
	if (rc == SQLITE_ROW && (*out = store_job_from_row(stmt, true)) ==
	    NULL) {
		store_bad_state(s, stmt, cause, "reading job");
		sqlite3_reset(stmt);
		return -1;
	}
	if (rc == SQLITE_ROW)
		(*out)->est_start = sqlite3_column_int64(stmt, 28);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_error(s, cause, "reading job");
	sqlite3_reset(stmt);
	return 0;
}

/* The columns of STMT_EVENTS. */
static const struct store_rows store_event_rows = {
	sizeof(struct store_event), "reading events",
	"an event has no valid state", {
		STORE_COL(0, INT64, store_event, at),
		STORE_COL(1, FROM, store_event, from),
		STORE_COL(3, TEXT, store_event, reason),
		STORE_COL(2, STATE_CHECKED, store_event, to),
	}
};

/* A job's event log, oldest first. */
int
store_events(struct store *s, int64_t id, struct store_event **out,
    size_t *nout, char **cause)
{
	*out = store_rows_of(s, STMT_EVENTS, id, &store_event_rows, nout, cause);
	return *out != NULL ? 0 : -1;
}

/* Reads a job's state inside the caller's transaction; 0 found, 1 absent. */
int
store_read_state(struct store *s, int64_t id, enum store_state *st,
    bool *cancel_requested, bool *cleaned, char **cause)
{
	sqlite3_stmt *stmt = store_stmt(s, STMT_JOB_STATE);
	int rc;

	if (stmt == NULL)
		return store_error(s, cause, "reading job");
	sqlite3_bind_int64(stmt, 1, id);
	rc = store_step(s, stmt);
	if (rc == SQLITE_DONE)
		return 1;
	if (rc != SQLITE_ROW)
		return store_error(s, cause, "reading job");
	if (column_state(stmt, 0, st) != 0) {
		sqlite3_reset(stmt);
		return store_damaged(s, cause, "reading job", "the job has no "
		    "valid state");
	}
	if (cancel_requested != NULL)
		*cancel_requested = sqlite3_column_int(stmt, 1) != 0;
	if (cleaned != NULL)
		*cleaned = sqlite3_column_int(stmt, 2) != 0;
	sqlite3_reset(stmt);
	return 0;
}

/* See store-int.h: a checked transition, inside the caller's
 * transaction. */
int
store_set_state(struct store *s, int64_t id, enum store_state from,
    enum store_state to, const char *reason, const struct store_change *chg,
    int64_t at, char **cause)
{
	sqlite3_stmt *stmt = store_stmt(s, STMT_JOB_SET_STATE);
	bool never_ran = from == STORE_QUEUED || from == STORE_HELD;

	if (stmt == NULL)
		return store_error(s, cause, "updating job");
	sqlite3_bind_int64(stmt, 1, id);
	store_bind_text(stmt, 2, store_state_name(to));
	store_bind_text(stmt, 3, reason != NULL ? reason : "");
	sqlite3_bind_int64(stmt, 4, at);
	/* A job that never reached the cluster has nothing to clean up; an
	 * admitted one is about to have objects; a job that goes back to the
	 * queue starts over: its last attempt's exit code and start stay in
	 * its history (events, archived replicas), not in its current state. */
	sqlite3_bind_int(stmt, 5, never_ran && store_state_is_terminal(to));
	sqlite3_bind_int(stmt, 6, to == STORE_ADMITTED);
	sqlite3_bind_int(stmt, 7, to == STORE_QUEUED);
	sqlite3_bind_int(stmt, 8, chg != NULL && chg->set_exit_code);
	sqlite3_bind_int(stmt, 9, chg != NULL ? chg->exit_code : 0);
	sqlite3_bind_int(stmt, 10, store_state_is_terminal(to));
	store_bind_text(stmt, 11, chg != NULL ? chg->run_gpu_type : NULL);
	sqlite3_bind_int64(stmt, 12, chg != NULL ? chg->not_before : 0);
	store_bind_text(stmt, 13, chg != NULL ? chg->run_nodes : NULL);
	sqlite3_bind_int64(stmt, 14, chg != NULL ? chg->run_ms : 0);
	if (store_step(s, stmt) != SQLITE_DONE)
		return store_error(s, cause, "updating job");
	return store_event_add(s, id, (int)from, to, reason, at, cause);
}

/* Moves a job to another state if the state machine allows it. */
int
store_transition(struct store *s, int64_t id, unsigned int from_mask,
    enum store_state to, const char *reason, char **cause)
{
	return store_transition_with(s, id, from_mask, to, reason, NULL, cause);
}

/* See store-int.h: why the state machine or the caller's mask refuses a
 * move (allocated), NULL when it allows it. */
char *
store_move_refusal(int64_t id, enum store_state from, unsigned int from_mask,
    enum store_state to)
{
	if (from_mask != 0 && (from_mask & STORE_STATE_BIT(from)) == 0)
		return xprintf("job %lld is %s: it cannot become %s from "
		    "there", (long long)id, store_state_name(from),
		    store_state_name(to));
	if (!store_transition_is_allowed(from, to))
		return xprintf("job %lld is %s: it cannot become %s",
		    (long long)id, store_state_name(from),
		    store_state_name(to));
	return NULL;
}

/* A transition that also records what the scheduler learned. */
int
store_transition_with(struct store *s, int64_t id, unsigned int from_mask,
    enum store_state to, const char *reason, const struct store_change *chg,
    char **cause)
{
	enum store_state from;
	char *why;
	int rc;

	if (store_begin(s, cause) != 0)
		return -1;
	rc = store_read_state(s, id, &from, NULL, NULL, cause);
	if (rc != 0) {
		if (rc == 1 && cause != NULL)
			*cause = xprintf("job %lld not found", (long long)id);
		goto fail;
	}
	if ((why = store_move_refusal(id, from, from_mask, to)) != NULL) {
		if (cause != NULL)
			*cause = why;
		else
			free(why);
		goto fail;
	}
	if (store_set_state(s, id, from, to, reason, chg, now_ms(), cause) != 0)
		goto fail;
	return store_commit(s, cause);
fail:
	store_rollback(s);
	return -1;
}

/* The one column of an id list. */
static const struct store_rows store_id_rows = {
	sizeof(int64_t), "listing group", NULL, {
		{ 0, STORE_COL_INT64, 0, 0 },
	}
};

/* The ids of a group's jobs; *ids is the caller's to free. */
int
store_group_ids(struct store *s, const char *owner, const char *group,
    int64_t **out, size_t *nout, char **cause)
{
	sqlite3_stmt *stmt = store_stmt(s, STMT_GROUP_IDS);

	if (stmt == NULL)
		return store_error(s, cause, "listing group");
	store_bind_text(stmt, 1, group);
	store_bind_text(stmt, 2, owner);
	*out = store_rows_read(s, stmt, &store_id_rows, nout, cause);
	return *out != NULL ? 0 : -1;
}

/*
 * The whole spec of the current row of STMT_SCHED_JOBS (its own text in
 * column 15, its shared text's id and prefix in 28 and 29), joined here
 * and only for the jobs the scheduler asks for, so that the read of a
 * pass does not rebuild every spec in SQL; NULL (-1) on a read error.
 */
int
store_sched_spec(struct store *s, sqlite3_stmt *row,
    struct store_base_cache *c, char **out)
{
	sqlite3_stmt *stmt;
	const char *tail = (const char *)sqlite3_column_text(row, 15), *p;
	int64_t base = sqlite3_column_int64(row, 28);
	int64_t chars = sqlite3_column_int64(row, 29);

	if (tail == NULL)
		tail = "";
	if (sqlite3_column_type(row, 28) == SQLITE_NULL) {
		*out = xstrdup(tail);
		return 0;
	}
	if (c->text == NULL || c->id != base) {
		free(c->text);
		c->text = NULL;
		if ((stmt = store_stmt(s, STMT_SPEC_BASE)) == NULL)
			return -1;
		sqlite3_bind_int64(stmt, 1, base);
		if (store_step(s, stmt) != SQLITE_ROW) {
			sqlite3_reset(stmt);
			return -1;
		}
		c->text = store_column_dup(stmt, 0);
		c->id = base;
		sqlite3_reset(stmt);
	}
	/* substr's characters, as bytes. */
	for (p = c->text; *p != '\0' && chars > 0; chars--)
		for (p++; ((unsigned char)*p & 0xc0) == 0x80; p++)
			;
	*out = xprintf("%.*s%s", (int)(p - c->text), c->text, tail);
	return 0;
}

/* The scheduler's whole read of the queue (store-delta.c's first read,
 * from a cursor not yet valid): every job it may act on, copying the spec
 * text only where the caller still needs it. */
int
store_sched_jobs(struct store *s, store_want_spec_fn want, void *arg,
    struct store_job ***out, size_t *nout, char **cause)
{
	struct store_cursor c = { .valid = false };
	int64_t *gone = NULL;
	size_t ngone = 0;
	int ret;

	ret = store_sched_changes(s, &c, want, arg, out, nout, &gone, &ngone,
	    cause);
	free(gone);
	return ret;
}

/* A JSON array of ids, bound as one parameter for json_each. */
static char *
store_ids_json(const int64_t *ids, size_t n)
{
	char *text = xmalloc(n * 21 + 3);
	size_t i, len = 0;

	text[len++] = '[';
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, 22, "%s%lld",
		    i > 0 ? "," : "", (long long)ids[i]);
	text[len++] = ']';
	text[len] = '\0';
	return text;
}

/* The index of id in a sorted array, or n. */
static size_t
store_id_index(const int64_t *ids, size_t n, int64_t id)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && ids[lo] == id ? lo : n;
}

/*
 * Reads the rows (id, value...) of a statement over a JSON array of ids
 * (?1) into a new vector of width values a job, v[k * width + c] for
 * ids[k]: with paths (bound from ?2), the values asked of each spec, NULL
 * stays NULL; without, its one value, "" for NULL.  NULL-terminated; NULL
 * on failure.
 */
static int
store_by_ids(struct store *s, enum store_stmt_id id, const int64_t *ids,
    size_t n, const char *const *paths, size_t width, char ***out,
    const char *what, char **cause)
{
	sqlite3_stmt *stmt;
	char **v, *text;
	size_t i, k, c;
	int rc;

	v = xcalloc(n * width + 1, sizeof *v);
	*out = v;
	if (n == 0)
		return 0;
	if ((stmt = store_stmt(s, id)) == NULL) {
		free(v);
		*out = NULL;
		return store_error(s, cause, what);
	}
	text = store_ids_json(ids, n);
	sqlite3_bind_text(stmt, 1, text, -1, SQLITE_STATIC);
	/* Unused slots extract nothing (a NULL path gives NULL). */
	for (c = 0; paths != NULL && c < width; c++)
		sqlite3_bind_text(stmt, 2 + (int)c, paths[c], -1,
		    SQLITE_STATIC);
	while ((rc = store_step(s, stmt)) == SQLITE_ROW) {
		k = store_id_index(ids, n, sqlite3_column_int64(stmt, 0));
		for (c = 0; k < n && c < width; c++)
			if (v[k * width + c] == NULL)
				v[k * width + c] = paths != NULL ?
				    column_dup_null(stmt, 1 + (int)c) :
				    store_column_dup(stmt, 1);
	}
	sqlite3_reset(stmt);
	free(text);
	if (rc != SQLITE_DONE) {
		for (i = 0; i < n * width; i++)
			free(v[i]);
		free(v);
		*out = NULL;
		return store_error(s, cause, what);
	}
	return 0;
}

/* The spec texts of many jobs in one query. */
int
store_specs(struct store *s, const int64_t *ids, size_t n, char ***out,
    char **cause)
{
	return store_by_ids(s, STMT_SPECS, ids, n, NULL, 1, out,
	    "reading specs", cause);
}

/* Values inside many jobs' specs, extracted by SQLite in one query. */
int
store_spec_fields(struct store *s, const int64_t *ids, size_t n,
    const char *const *paths, size_t npaths, char ***out, char **cause)
{
	if (npaths > STORE_MAX_SPEC_FIELDS) {
		*out = NULL;
		*cause = xprintf("%zu spec fields asked, at most %d", npaths,
		    STORE_MAX_SPEC_FIELDS);
		return -1;
	}
	return store_by_ids(s, STMT_SPEC_FIELDS, ids, n, paths, npaths, out,
	    "reading spec fields", cause);
}

/* How many jobs are in each state, and how many ended but not cleaned,
 * in one query (STMT_COUNTS: a row's second column 1 for all jobs of its
 * state, 0 for those not cleaned). */
int
store_count(struct store *s, struct store_counts *c, char **cause)
{
	sqlite3_stmt *stmt = store_stmt(s, STMT_COUNTS);
	enum store_state st;
	size_t k;
	int rc;

	if (stmt == NULL)
		return store_error(s, cause, "counting jobs");
	memset(c, 0, sizeof *c);
	while ((rc = store_step(s, stmt)) == SQLITE_ROW) {
		if (column_state(stmt, 0, &st) != 0) {
			sqlite3_reset(stmt);
			return store_damaged(s, cause, "counting jobs",
			    "a job has no valid state");
		}
		k = (size_t)sqlite3_column_int64(stmt, 2);
		if (sqlite3_column_int(stmt, 1) != 0)
			c->n[st] += k;
		else if (store_state_is_terminal(st))
			c->uncleaned += k;
	}
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE)
		return store_error(s, cause, "counting jobs");
	return 0;
}

/* Many transitions in one transaction, each checked on its own. */
int
store_transitions(struct store *s, struct store_move *mv, size_t n,
    char **cause)
{
	enum store_state from;
	int64_t at = now_ms();
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		mv[i].result = -1;
		mv[i].cause = NULL;
	}
	if (n == 0)
		return 0;
	if (store_begin(s, cause) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		rc = store_read_state(s, mv[i].id, &from, NULL, NULL, cause);
		if (rc < 0)
			goto fail;
		if (rc == 1) {
			mv[i].cause = xprintf("job %lld not found",
			    (long long)mv[i].id);
			continue;
		}
		mv[i].cause = store_move_refusal(mv[i].id, from, mv[i].from,
		    mv[i].to);
		if (mv[i].cause != NULL)
			continue;
		if (store_set_state(s, mv[i].id, from, mv[i].to, mv[i].reason,
		    mv[i].chg, at, cause) != 0)
			goto fail;
		mv[i].result = 0;
	}
	if (store_commit(s, cause) == 0)
		return 0;
fail:
	store_rollback(s);     /* a failed commit has rolled back already */
	for (i = 0; i < n; i++) {
		free(mv[i].cause);
		mv[i].cause = NULL;
		mv[i].result = -1;
	}
	return -1;
}

/*
 * A job's parameters.  A job of a shared spec keeps its own tail, which
 * begins at its name (or, in jobs stored since spec-emit.c writes a
 * command that varies first, inside that command) and so holds its
 * "params" object whole (written last; the members no job changes are in
 * the shared text before them; env, labels and annotations map names to
 * strings, and a string holds no bare '"', so '"params":{' can only be
 * that key): parsing '{' and that tail reads 30 bytes, not the 1 KB of
 * the spec put together again.  A tail without the key gives '{' and the whole tail, which is
 * not JSON (or, should the tail start at a key, the same object), so
 * anything else is read whole, as before.
 */
#define STORE_PARAMS_TAIL "('{' || substr(j.spec, instr(j.spec, " \
	"'\"params\":{')))"
#define STORE_PARAMS_SQL \
	"(CASE WHEN j.spec_base IS NOT NULL AND json_valid(" \
	STORE_PARAMS_TAIL ") THEN " \
	"json_extract(" STORE_PARAMS_TAIL ", '$.params') ELSE " \
	"json_extract(" STORE_SPEC_SQL ", '$.params') END)"

/* The columns of a job row (store_list_each), then what it asks for. */
#define STORE_ROW_COLUMNS \
	"SELECT j.id, j.name, j.namespace, j.owner, g.name, j.state, " \
	"j.reason, j.cleaned, j.cancel_requested, j.priority, j.gpu_type, " \
	"j.gpu_count, j.replicas, j.cpu_milli, j.memory_bytes, j.attempts, " \
	"j.submitted_at, j.updated_at, j.started_at, j.finished_at, " \
	"j.run_gpu_type, j.exit_code, " \
	"CASE WHEN ?7 & 1 THEN " STORE_SPEC_SQL " END, " \
	"CASE WHEN ?7 & 2 THEN " STORE_PARAMS_SQL " END, " \
	"CASE WHEN ?7 & 4 THEN (SELECT r.node FROM replicas r WHERE " \
	"  r.job_id = j.id AND r.rank = 0 ORDER BY r.attempt DESC LIMIT 1) END, " \
	"j.run_ms, j.est_start "
/* The same places with only what jobs_active holds (STORE_ROW_BRIEF), so
 * that SQLite reads the index alone, never the rows and their specs. */
#define STORE_ROW_BRIEF_COLUMNS \
	"SELECT j.id, j.name, j.namespace, j.owner, g.name, j.state, " \
	"j.reason, 0, j.cancel_requested, j.priority, j.gpu_type, " \
	"j.gpu_count, j.replicas, 0, 0, 0, j.submitted_at, 0, 0, 0, '', " \
	"NULL, NULL, NULL, NULL, 0, j.est_start "

#define STORE_ACTIVE_MASK (STORE_STATE_BIT(STORE_QUEUED) | \
    STORE_STATE_BIT(STORE_HELD) | STORE_STATE_BIT(STORE_ADMITTED) | \
    STORE_STATE_BIT(STORE_RUNNING))

/*
 * The statement text of a listing: fixed fragments for the filters
 * present, so that SQLite picks the index each needs (active jobs by id,
 * a group's jobs, given ids); every value is bound.  The caller frees it.
 */
static char *
store_rows_sql(const struct store_filter *f, unsigned int mask, int what,
    const char *extra)
{
	bool active = mask == STORE_ACTIVE_MASK;

	return xprintf("%s FROM jobs j %s LEFT JOIN groups g ON "
	    "g.id = j.group_id WHERE j.id > ?4%s%s%s%s%s%s "
	    "ORDER BY j.id LIMIT ?5", (what & STORE_ROW_BRIEF) != 0 ?
	    STORE_ROW_BRIEF_COLUMNS : STORE_ROW_COLUMNS,
	    active && f->group == NULL && f->ids == NULL ?
	    "INDEXED BY jobs_active" : "",
	    active ? " AND " STORE_ACTIVE_SQL :
	    mask != 0 ? " AND j.state IN (?10, ?11, ?12, ?13, ?14, ?15, ?16, "
	    "?17)" : "",
	    f->name != NULL ? " AND j.name GLOB ?2" : "",
	    f->group == NULL ? "" : f->group_owner != NULL ?
	    " AND j.group_id = (SELECT id FROM groups WHERE owner = ?6 AND "
	    "name = ?3)" : " AND j.group_id IN (SELECT id FROM groups WHERE "
	    "name = ?3)",
	    f->not_cleaned ? " AND j.cleaned = 0" : "",
	    f->ids != NULL ? " AND j.id IN (SELECT value FROM "
	    "json_each(?8))" : "", extra);
}

/* Binds a listing's values; the state names go to ?10 onwards. */
static void
store_rows_bind(sqlite3_stmt *stmt, const struct store_filter *f,
    unsigned int mask, int what, const char *ids)
{
	int i, k = 10;

	store_bind_text(stmt, 2, f->name);
	store_bind_text(stmt, 3, f->group);
	store_bind_text(stmt, 6, f->group_owner);
	sqlite3_bind_int64(stmt, 4, f->after_id);
	sqlite3_bind_int64(stmt, 5, f->limit == 0 ? -1 : (int64_t)f->limit);
	sqlite3_bind_int(stmt, 7, what);
	if (ids != NULL)
		sqlite3_bind_text(stmt, 8, ids, -1, SQLITE_STATIC);
	if (mask == STORE_ACTIVE_MASK)
		return;
	for (i = 0; i < STORE_NSTATES; i++)
		if ((mask & STORE_STATE_BIT(i)) != 0)
			store_bind_text(stmt, k++, store_state_name((enum store_state)i));
}

/* A text column, borrowed; NULL stays NULL unless or_empty. */
static char *
column_borrow(sqlite3_stmt *stmt, int i, bool or_empty)
{
	const unsigned char *v = sqlite3_column_text(stmt, i);

	if (v == NULL)
		return or_empty ? (char *)"" : NULL;
	return (char *)v;
}

/* Fills a row from the current result of a listing; -1 when its state is
 * damaged. */
static int
store_row_read(sqlite3_stmt *stmt, struct store_row *r)
{
	struct store_job *j = &r->job;

	memset(r, 0, sizeof *r);
	if (column_state(stmt, 5, &j->state) != 0)
		return -1;
	j->id = sqlite3_column_int64(stmt, 0);
	j->name = column_borrow(stmt, 1, true);
	j->namespace = column_borrow(stmt, 2, true);
	j->owner = column_borrow(stmt, 3, true);
	j->group = column_borrow(stmt, 4, false);
	j->reason = column_borrow(stmt, 6, true);
	j->cleaned = sqlite3_column_int(stmt, 7) != 0;
	j->cancel_requested = sqlite3_column_int(stmt, 8) != 0;
	j->priority = sqlite3_column_int(stmt, 9);
	j->gpu_type = column_borrow(stmt, 10, true);
	j->gpu_count = sqlite3_column_int(stmt, 11);
	j->replicas = sqlite3_column_int(stmt, 12);
	j->cpu_milli = sqlite3_column_int64(stmt, 13);
	j->memory_bytes = sqlite3_column_int64(stmt, 14);
	j->attempts = sqlite3_column_int(stmt, 15);
	j->submitted_at = sqlite3_column_int64(stmt, 16);
	j->updated_at = sqlite3_column_int64(stmt, 17);
	j->started_at = sqlite3_column_int64(stmt, 18);
	j->finished_at = sqlite3_column_int64(stmt, 19);
	j->run_gpu_type = column_borrow(stmt, 20, true);
	j->has_exit_code = sqlite3_column_type(stmt, 21) != SQLITE_NULL;
	j->exit_code = sqlite3_column_int(stmt, 21);
	j->spec_json = column_borrow(stmt, 22, false);
	j->run_nodes = (char *)"";
	r->params = column_borrow(stmt, 23, false);
	r->node = column_borrow(stmt, 24, false);
	j->run_ms = sqlite3_column_int64(stmt, 25);
	j->est_start = sqlite3_column_int64(stmt, 26);
	return 0;
}

/* Walks the rows of a prepared listing; see store_list_each. */
static int
store_rows_walk(struct store *s, sqlite3_stmt *stmt, store_row_fn fn,
    void *arg, char **cause)
{
	struct store_row r;
	int rc;

	while ((rc = store_step(s, stmt)) == SQLITE_ROW) {
		if (store_row_read(stmt, &r) != 0)
			return store_bad_state(s, stmt, cause, "listing jobs");
		if (fn(&r, arg) != 0)
			return -1;
	}
	if (rc != SQLITE_DONE)
		return store_error(s, cause, "listing jobs");
	return 0;
}

/* Jobs matching a filter, streamed to fn; see store.h. */
int
store_list_each(struct store *s, const struct store_filter *f, int what,
    store_row_fn fn, void *arg, char **cause)
{
	const char *vals[STORE_ROWS_EXTRA] = { f->namespace, f->owner };

	if (f->namespace == NULL && f->owner == NULL)
		return store_rows_each(s, f, what, "", NULL, fn, arg, cause);
	return store_rows_each(s, f, what,
	    " AND (?18 IS NULL OR j.namespace = ?18) "
	    "AND (?19 IS NULL OR j.owner = ?19)", vals, fn, arg, cause);
}

/*
 * The owner of the only group of a name, when only one owner has one (the
 * usual case): the listing then names that group by (owner, name), so
 * SQLite walks its jobs in id order from jobs_group, where a set of
 * groups would make it sort every row, spec and all, in a temporary
 * B-tree first.  NULL when none or several have it (the caller's
 * transaction is open).
 */
static char *
store_group_sole_owner(struct store *s, const char *group)
{
	sqlite3_stmt *stmt = NULL;
	char *owner = NULL;

	if (sqlite3_prepare_v2(s->db, "SELECT owner FROM groups WHERE "
	    "name = ?1 LIMIT 2", -1, &stmt, NULL) != SQLITE_OK)
		return NULL;
	store_bind_text(stmt, 1, group);
	if (store_step(s, stmt) == SQLITE_ROW) {
		owner = store_column_dup(stmt, 0);
		if (store_step(s, stmt) != SQLITE_DONE) {
			free(owner);
			owner = NULL;
		}
	}
	sqlite3_finalize(stmt);
	return owner;
}

/* See store-int.h: store_list_each with more conditions. */
int
store_rows_each(struct store *s, const struct store_filter *f, int what,
    const char *extra, const char *const *extra_vals, store_row_fn fn,
    void *arg, char **cause)
{
	int i;
	sqlite3_stmt *stmt = NULL;
	unsigned int mask = f->states;
	struct store_filter one;
	char *sql = NULL, *ids = NULL, *owner = NULL;
	int ret = -1;

	if (f->ids != NULL && f->nids > STORE_MAX_IDS) {
		*cause = xprintf("%zu ids asked, at most %d", f->nids,
		    STORE_MAX_IDS);
		return -1;
	}
	if (mask == 0 && !f->all && f->ids == NULL)
		mask = STORE_ACTIVE_MASK;
	if (f->ids != NULL)
		ids = store_ids_json(f->ids, f->nids);
	if (store_step(s, store_stmt(s, STMT_BEGIN)) != SQLITE_DONE) {
		store_error(s, cause, "begin");
		goto out;
	}
	if (f->group != NULL && f->group_owner == NULL &&
	    (owner = store_group_sole_owner(s, f->group)) != NULL) {
		one = *f;
		one.group_owner = owner;
		f = &one;
	}
	sql = store_rows_sql(f, mask, what, extra);
	if (sqlite3_prepare_v2(s->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		/* Our own statement: the schema is not one we made. */
		free(s->damaged);
		s->damaged = xstrdup(sqlite3_errmsg(s->db));
		store_error(s, cause, "listing jobs");
		goto out;
	}
	store_rows_bind(stmt, f, mask, what, ids);
	for (i = 0; extra_vals != NULL && i < STORE_ROWS_EXTRA; i++)
		store_bind_text(stmt, 18 + i, extra_vals[i]);
	ret = store_rows_walk(s, stmt, fn, arg, cause);
out:
	sqlite3_finalize(stmt);
	store_rollback(s);
	free(sql);
	free(ids);
	free(owner);
	return ret;
}
