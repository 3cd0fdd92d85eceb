/*
 * store-submit.c: new jobs recorded, a submission in one transaction.  The
 * jobs of a sweep or roster keep one shared spec text (schema 6: specs)
 * and each only its own last bytes; a caller that gives the text they
 * share apart (spec_shared) saves the store looking for it.
 */
#include "store-int.h"

#include <stdlib.h>
#include <string.h>

/* The id of owner's group of that name, created on first use: groups
 * are scoped by owner, so two owners' "hw1" are two groups. */
static int
store_group_id(struct store *s, const char *owner, const char *name,
    const char *kind, int64_t at, int64_t *id, char **cause)
{
	sqlite3_stmt *stmt = store_stmt(s, STMT_GROUP_FIND);
	int rc;

	if (stmt == NULL)
		return store_error(s, cause, "finding group");
	store_bind_text(stmt, 1, name);
	store_bind_text(stmt, 4, owner != NULL ? owner : "");
	rc = store_step(s, stmt);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(stmt, 0);
		return 0;
	}
	if (rc != SQLITE_DONE)
		return store_error(s, cause, "finding group");
	stmt = store_stmt(s, STMT_GROUP_INSERT);
	if (stmt == NULL)
		return store_error(s, cause, "creating group");
	store_bind_text(stmt, 1, name);
	store_bind_text(stmt, 2, kind != NULL ? kind : "batch");
	sqlite3_bind_int64(stmt, 3, at);
	store_bind_text(stmt, 4, owner != NULL ? owner : "");
	if (store_step(s, stmt) != SQLITE_DONE)
		return store_error(s, cause, "creating group");
	*id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

/* The shared spec text of the jobs of a group of several in one
 * submission (schema 6: see STORE_SPEC_SQL). */
static int
store_spec_base(struct store *s, const char *spec, int64_t *id, char **cause)
{
	sqlite3_stmt *stmt = store_stmt(s, STMT_SPEC_INSERT);

	if (stmt == NULL)
		return store_error(s, cause, "recording spec");
	store_bind_text(stmt, 1, spec);
	if (store_step(s, stmt) != SQLITE_DONE)
		return store_error(s, cause, "recording spec");
	*id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

/* The jobs of this submission that share a spec text, counted in it
 * (schema 10: specs.refs) once its last job is inserted, so that the
 * deletion of the last job sharing it finds it unshared. */
static int
store_spec_refs(struct store *s, int64_t id, size_t refs, char **cause)
{
	sqlite3_stmt *stmt;

	if (refs == 0)
		return 0;
	if ((stmt = store_stmt(s, STMT_SPEC_REFS)) == NULL)
		return store_error(s, cause, "recording spec");
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, (int64_t)refs);
	if (store_step(s, stmt) != SQLITE_DONE)
		return store_error(s, cause, "recording spec");
	return 0;
}

/* Whose group a new job joins: its group owner, else its own owner. */
static const char *
store_job_group_owner(const struct store_job_new *j)
{
	return j->group_owner != NULL ? j->group_owner : j->owner != NULL ?
	    j->owner : "";
}

/* True if jobs[i] opens a group that has more of its jobs after it. */
static bool
store_group_shares(const struct store_job_new *jobs, size_t n, size_t i)
{
	return jobs[i].spec_json != NULL && i + 1 < n &&
	    jobs[i + 1].group != NULL && jobs[i + 1].spec_json != NULL &&
	    strcmp(jobs[i + 1].group, jobs[i].group) == 0;
}

/* See store.h: the two parts of a new job's spec joined. */
char *
store_job_new_spec(const struct store_job_new *j)
{
	size_t a = j->spec_shared != NULL ? j->spec_shared_len : 0, b;
	char *s;

	if (j->spec_json == NULL)
		return NULL;
	b = strlen(j->spec_json);
	s = xmalloc(a + b + 1);
	if (a > 0)
		memcpy(s, j->spec_shared, a);
	memcpy(s + a, j->spec_json, b + 1);
	return s;
}

/* What one row of a many-row insert holds from its last run in this
 * submission (a statement's bindings outlive its reset). */
struct store_submit_slot {
	const struct store_job_new *j;   /* NULL: not bound in this one */
	int64_t gid;
	int64_t base_id;         /* 0: no shared text */
};

/* What store_submit keeps from one job to the next: its group, the
 * group's shared text (stored once in specs) and the part of it given to
 * the group's first job as its shared text (spec_shared), which the jobs
 * given the same pointer have too, uncompared; and what each row of the
 * many-row statement was bound to. */
struct store_submit_at {
	int64_t at;
	const char *last_group;
	const char *last_owner;  /* the group's owner: groups are per owner */
	int64_t gid;
	char *base;              /* NULL: the job keeps its whole spec */
	size_t base_len;
	int64_t base_id;
	size_t base_refs;        /* jobs inserted pointing at base_id */
	const char *shared;      /* the first job's spec_shared, or NULL */
	size_t shared_len;
	size_t shared_chars;     /* its characters, as SQL's substr counts */
	char *tmp;               /* a job's text made for its bind, until
				  * the bind takes it */
	sqlite3_stmt *many;      /* the many-row insert run last, whose
				  * rows slot describes */
	struct store_submit_slot slot[STORE_INSERT_ROWS];
};

/* The characters (as SQL's substr counts them: UTF-8 sequences) of n
 * bytes. */
static size_t
store_chars(const char *s, size_t n)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			c++;
	return c;
}

/* The bytes x and y (at most max each) share at their start. */
static size_t
store_common(const char *x, const char *y, size_t max)
{
	size_t n = 0;

	while (n + 64 <= max && memcmp(x + n, y + n, 64) == 0)
		n += 64;
	while (n < max && x[n] == y[n])
		n++;
	return n;
}

/*
 * The text a job of a submission stores and, in *chars, how many
 * characters of its group's shared text (w->base) come before it: the
 * job's spec is its spec_shared part then its spec_json part, and the
 * stored text what follows their common prefix with the base, cut where
 * a character starts.  A job given the base's own shared part (the same
 * pointer) compares only its own part; any other compares its whole text.
 * The result is the job's, or w->tmp when it starts inside the shared
 * part.
 */
static const char *
store_submit_spec(struct store_submit_at *w, const struct store_job_new *j,
    size_t *chars)
{
	const char *a = j->spec_shared != NULL ? j->spec_shared : "";
	const char *b = j->spec_json;
	size_t alen = j->spec_shared != NULL ? j->spec_shared_len : 0, blen;
	size_t n, skip;

	*chars = 0;
	blen = strlen(b);
	if (w->base == NULL)
		skip = 0;
	else if (alen > 0 && a == w->shared && alen == w->shared_len) {
		n = store_common(w->base + alen, b, blen < w->base_len - alen ?
		    blen : w->base_len - alen);
		while (n > 0 && ((unsigned char)b[n] & 0xc0) == 0x80)
			n--;
		skip = alen + n;
		*chars = w->shared_chars + store_chars(b, n);
	} else {
		n = store_common(w->base, a, alen < w->base_len ? alen :
		    w->base_len);
		if (n == alen)
			n += store_common(w->base + alen, b, blen <
			    w->base_len - alen ? blen : w->base_len - alen);
		while (n > 0 && ((unsigned char)(n < alen ? a[n] :
		    b[n - alen]) & 0xc0) == 0x80)
			n--;
		skip = n;
		*chars = store_chars(a, n < alen ? n : alen) + (n > alen ?
		    store_chars(b, n - alen) : 0);
	}
	if (skip >= alen)
		return b + (skip - alen);
	w->tmp = xmalloc(alen - skip + blen + 1);
	memcpy(w->tmp, a + skip, alen - skip);
	memcpy(w->tmp + alen - skip, b, blen + 1);
	return w->tmp;
}

/* True when two strings of new jobs (NULL as "") are the same. */
static bool
store_same_str(const char *a, const char *b)
{
	return a == b || strcmp(a != NULL ? a : "", b != NULL ? b : "") == 0;
}

/* True when a row bound to job a (with its group and shared text, in sl)
 * holds job b's values but its name and spec: the same namespace, owner,
 * group, state and resources, as the jobs of one sweep have. */
static bool
store_slot_same(const struct store_submit_slot *sl,
    const struct store_job_new *b, const struct store_submit_at *w)
{
	const struct store_job_new *a = sl->j;

	return a != NULL && sl->gid == (b->group != NULL ? w->gid : 0) &&
	    sl->base_id == (w->base != NULL ? w->base_id : 0) &&
	    a->held == b->held && a->priority == b->priority &&
	    a->gpu_count == b->gpu_count && a->replicas == b->replicas &&
	    a->cpu_milli == b->cpu_milli &&
	    a->memory_bytes == b->memory_bytes &&
	    (a->group == NULL) == (b->group == NULL) &&
	    store_same_str(a->namespace, b->namespace) &&
	    store_same_str(a->owner, b->owner) &&
	    store_same_str(a->gpu_type, b->gpu_type);
}

/* Binds text the submission's caller keeps until the statement runs. */
static void
bind_static(sqlite3_stmt *stmt, int i, const char *v)
{
	sqlite3_bind_text(stmt, i, v, -1, SQLITE_STATIC);
}

/*
 * Binds one job of a submission to the STORE_INSERT_PARAMS values from
 * o + 1 of an insert statement; its spec, when it has a group's shared
 * text, only past the prefix they share.  Its strings are bound without a
 * copy (they outlive the statement's run); a text made for the bind is
 * handed to SQLite.  With sl (a row of the many-row statement, bound
 * before in this submission), the values a sweep's jobs share are bound
 * again only when they differ from the job the row held.
 */
static void
store_submit_bind(sqlite3_stmt *stmt, int o, const struct store_job_new *j,
    struct store_submit_at *w, struct store_submit_slot *sl)
{
	const char *spec;
	size_t chars = 0;

	bind_static(stmt, o + 1, j->name);
	if (sl == NULL || !store_slot_same(sl, j, w)) {
		bind_static(stmt, o + 2, j->namespace != NULL ? j->namespace :
		    "");
		bind_static(stmt, o + 3, j->owner != NULL ? j->owner : "");
		if (j->group != NULL)
			sqlite3_bind_int64(stmt, o + 4, w->gid);
		else
			sqlite3_bind_null(stmt, o + 4);
		bind_static(stmt, o + 5, store_state_name(j->held ?
		    STORE_HELD : STORE_QUEUED));
		sqlite3_bind_int(stmt, o + 6, j->priority);
		bind_static(stmt, o + 7, j->gpu_type != NULL ? j->gpu_type :
		    "");
		sqlite3_bind_int(stmt, o + 8, j->gpu_count);
		sqlite3_bind_int(stmt, o + 9, j->replicas);
		sqlite3_bind_int64(stmt, o + 10, j->cpu_milli);
		sqlite3_bind_int64(stmt, o + 11, j->memory_bytes);
		sqlite3_bind_int64(stmt, o + 13, w->at);
		sqlite3_bind_int64(stmt, o + 14, w->at);
		if (w->base != NULL)
			sqlite3_bind_int64(stmt, o + 15, w->base_id);
		else
			sqlite3_bind_null(stmt, o + 15);
	}
	if (sl != NULL) {
		sl->j = j;
		sl->gid = j->group != NULL ? w->gid : 0;
		sl->base_id = w->base != NULL ? w->base_id : 0;
	}
	if (j->spec_json != NULL) {
		spec = store_submit_spec(w, j, &chars);
		if (spec == w->tmp) {
			/* SQLite frees it once the statement is done. */
			sqlite3_bind_text(stmt, o + 12, w->tmp, -1, free);
			w->tmp = NULL;
		} else
			bind_static(stmt, o + 12, spec);
		if (w->base != NULL)
			w->base_refs++;
	} else
		sqlite3_bind_null(stmt, o + 12);
	sqlite3_bind_int64(stmt, o + 16, (int64_t)chars);
}

/* The group of jobs[i] (made on first use) and, when it opens a group of
 * several, their shared text, kept in w for the jobs that follow. */
static int
store_submit_group(struct store *s, const struct store_job_new *jobs,
    size_t n, size_t i, struct store_submit_at *w, char **cause)
{
	const struct store_job_new *j = &jobs[i];

	if (j->group != NULL && w->last_group != NULL &&
	    strcmp(w->last_group, j->group) == 0 &&
	    strcmp(w->last_owner, store_job_group_owner(j)) == 0)
		return 0;
	/* The group before is over: its shared text's count is written. */
	if (store_spec_refs(s, w->base_id, w->base_refs, cause) != 0)
		return -1;
	w->base_refs = 0;
	free(w->base);
	w->base = NULL;
	if (j->group == NULL)
		return 0;
	if (store_group_id(s, store_job_group_owner(j), j->group,
	    j->group_kind, w->at, &w->gid, cause) != 0)
		return -1;
	w->last_group = j->group;
	w->last_owner = store_job_group_owner(j);
	if (store_group_shares(jobs, n, i)) {
		w->base = store_job_new_spec(j);
		w->base_len = strlen(w->base);
		w->shared = j->spec_shared;
		w->shared_len = j->spec_shared != NULL ? j->spec_shared_len : 0;
		w->shared_chars = store_chars(w->base, w->shared_len);
		if (store_spec_base(s, w->base, &w->base_id, cause) != 0)
			return -1;
	}
	return 0;
}

/*
 * The insert statement for the next left jobs of a submission of n, and
 * in *rows how many it takes.  A statement of more rows costs more to
 * prepare, about as much a row as its journal and set-up cost a statement
 * of 32: STORE_INSERT_ROWS pays from STORE_INSERT_BIG jobs on.  A
 * many-row statement run again is reset with its bindings kept (w->slot
 * says what they are).
 */
static sqlite3_stmt *
store_submit_stmt(struct store *s, size_t n, size_t left,
    struct store_submit_at *w, size_t *rows)
{
	enum store_stmt_id id;
	sqlite3_stmt *stmt;

	*rows = n >= STORE_INSERT_BIG && left >= STORE_INSERT_ROWS ?
	    STORE_INSERT_ROWS : left >= STORE_INSERT_SOME ?
	    STORE_INSERT_SOME : 1;
	id = *rows == STORE_INSERT_ROWS ? STMT_JOB_INSERT_MANY :
	    *rows == STORE_INSERT_SOME ? STMT_JOB_INSERT_SOME : STMT_JOB_INSERT;
	if (*rows > 1 && w->many != NULL && w->many == s->stmts[id]) {
		sqlite3_reset(w->many);
		return w->many;
	}
	stmt = store_stmt(s, id);
	if (*rows > 1) {
		w->many = stmt;
		memset(w->slot, 0, sizeof w->slot);
	}
	return stmt;
}

/* The event-log entry "submitted" of the jobs first to last, just
 * inserted, in one statement. */
static int
store_submitted(struct store *s, int64_t first, int64_t last, int64_t at,
    char **cause)
{
	sqlite3_stmt *stmt = store_stmt(s, STMT_EVENTS_SUBMITTED);

	if (stmt == NULL)
		return store_error(s, cause, "recording event");
	sqlite3_bind_int64(stmt, 1, first);
	sqlite3_bind_int64(stmt, 2, at);
	sqlite3_bind_int64(stmt, 3, last);
	if (store_step(s, stmt) != SQLITE_DONE)
		return store_error(s, cause, "recording event");
	return 0;
}

/*
 * Records a batch of jobs atomically; see store.h.  One transaction; the
 * jobs go many to a statement (one statement's set-up, index cursors,
 * AUTOINCREMENT update and statement journal for many rows: see
 * store_submit_stmt), the rest one by one, and their "submitted" events
 * in one statement.  A many-row statement keeps its
 * bindings from one run to the next, so a sweep's jobs bind their name,
 * spec and prefix, not the values they share, a row.  The ids of one
 * statement's rows follow one another: the transaction holds the write
 * lock and AUTOINCREMENT gives each row one more than the last.  The jobs
 * of a sweep or roster keep one shared spec text and each only its own
 * last bytes.
 */
int
store_submit(struct store *s, const struct store_job_new *jobs, size_t n,
    int64_t *ids, char **cause)
{
	struct store_submit_at w = { .at = now_ms() };
	sqlite3_stmt *stmt = NULL;
	size_t i, k = 0, rows = 1;
	int64_t last;

	if (store_begin(s, cause) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (store_submit_group(s, jobs, n, i, &w, cause) != 0)
			goto fail;
		if (k == 0 && (stmt = store_submit_stmt(s, n, n - i, &w,
		    &rows)) == NULL) {
			store_error(s, cause, "recording job");
			goto fail;
		}
		store_submit_bind(stmt, (int)k * STORE_INSERT_PARAMS, &jobs[i],
		    &w, stmt == w.many ? &w.slot[k] : NULL);
		if (++k < rows)
			continue;
		if (store_step(s, stmt) != SQLITE_DONE) {
			store_error(s, cause, "recording job");
			goto fail;
		}
		last = sqlite3_last_insert_rowid(s->db);
		for (; k > 0; k--)
			ids[i + 1 - k] = last + 1 - (int64_t)k;
	}
	if (n > 0 && store_submitted(s, ids[0], ids[n - 1], w.at, cause) != 0)
		goto fail;
	if (store_spec_refs(s, w.base_id, w.base_refs, cause) != 0)
		goto fail;
	free(w.base);
	free(w.tmp);
	return store_commit(s, cause);
fail:
	free(w.base);
	free(w.tmp);
	store_rollback(s);
	return -1;
}
