/* store-after.c: a submission's dependencies checked against the queue
 * before it is submitted, so a misspelt name is an error at submit (with the
 * closest name the owner has) instead of a job that waits a pass and then
 * fails on "not found". */
#include "store-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum store_after_q {
	Q_ENTRIES,               /* the "after" entries of a spec text */
	Q_NAME,                  /* another job of that name, owner, ns */
	Q_ID,                    /* the owner's job of that id */
	Q_GROUP,                 /* a job of the owner in that group */
	Q_NAMES,                 /* candidates for did-you-mean */
	Q_GROUPS,
	Q_COUNT
};

static const char *const store_after_sql[Q_COUNT] = {
	[Q_ENTRIES] = "SELECT value FROM json_each(?1, '$.after')",
	[Q_NAME] = "SELECT 1 FROM jobs WHERE owner = ?1 AND namespace = ?2 "
	    "AND name = ?3 LIMIT 1",
	[Q_ID] = "SELECT 1 FROM jobs WHERE id = ?3 AND owner = ?1",
	[Q_GROUP] = "SELECT 1 FROM jobs j JOIN groups g ON g.id = j.group_id "
	    "WHERE g.owner = ?1 AND g.name = ?3 AND j.owner = ?1 LIMIT 1",
	[Q_NAMES] = "SELECT DISTINCT name FROM jobs WHERE owner = ?1 AND "
	    "namespace = ?2 LIMIT 2000",
	[Q_GROUPS] = "SELECT name FROM groups WHERE owner = ?1 LIMIT 2000",
};

/* The statements of one check, prepared only when a job has entries. */
struct store_after {
	struct store *s;
	sqlite3_stmt *q[Q_COUNT];
};

/* Runs q with owner, namespace and target bound; the number of rows (0
 * or 1) or -1. */
static int
store_after_exists(struct store_after *a, enum store_after_q q,
    const struct store_job_new *j, const char *target)
{
	sqlite3_stmt *st = a->q[q];
	int rc;

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	sqlite3_bind_text(st, 1, j->owner != NULL ? j->owner : "", -1,
	    SQLITE_TRANSIENT);
	if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_text(st, 2, j->namespace != NULL ? j->namespace :
		    "", -1, SQLITE_TRANSIENT);
	if (sqlite3_bind_parameter_count(st) >= 3)
		sqlite3_bind_text(st, 3, target, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* The owner's name (or group) closest to target, allocated, or NULL. */
static char *
store_after_near(struct store_after *a, enum store_after_q q,
    const struct store_job_new *j, const char *target)
{
	sqlite3_stmt *st = a->q[q];
	const char **words = NULL, *best;
	size_t n = 0, i;
	char *out = NULL;

	if (store_after_exists(a, q, j, target) < 0)
		return NULL;
	sqlite3_reset(st);
	while (sqlite3_step(st) == SQLITE_ROW) {
		words = xreallocarray(words, n + 1, sizeof *words);
		words[n++] = xstrdup((const char *)sqlite3_column_text(st, 0));
	}
	if ((best = closest_word(target, words, n)) != NULL)
		out = xstrdup(best);
	for (i = 0; i < n; i++)
		free((char *)words[i]);
	free(words);
	return out;
}

/* True when another job of the submission is what r names for j. */
static bool
store_after_within(const struct store_job_new *jobs, size_t n, size_t self,
    const struct after_ref *r)
{
	const struct store_job_new *j = &jobs[self];
	size_t k;

	if (r->id > 0)
		return false;            /* ids are the queue's, not yet given */
	for (k = 0; k < n; k++) {
		if (r->group && jobs[k].group != NULL &&
		    strcmp(jobs[k].group, r->target) == 0)
			return true;
		if (!r->group && k != self && strcmp(jobs[k].name,
		    r->target) == 0 && strcmp(jobs[k].namespace ?
		    jobs[k].namespace : "", j->namespace ? j->namespace :
		    "") == 0)
			return true;
	}
	return false;
}

/* Checks one entry of jobs[self]; 0, or -1 with *cause. */
static int
store_after_entry(struct store_after *a, const struct store_job_new *jobs,
    size_t n, size_t self, const char *entry, char **cause)
{
	const struct store_job_new *j = &jobs[self];
	struct after_ref r;
	enum store_after_q q;
	char *near = NULL;
	int found;

	if (after_parse(entry, &r) != 0) {
		*cause = xprintf("job '%s': %s: an empty entry", j->name,
		    after_kind_field(r.kind));
		return -1;
	}
	if (store_after_within(jobs, n, self, &r))
		return 0;
	q = r.group ? Q_GROUP : r.id > 0 ? Q_ID : Q_NAME;
	if ((found = store_after_exists(a, q, j, r.target)) < 0)
		return store_error(a->s, cause, "checking dependencies");
	if (found)
		return 0;
	if (q != Q_ID)
		near = store_after_near(a, r.group ? Q_GROUPS : Q_NAMES, j,
		    r.target);
	if (r.group)
		*cause = xprintf("job '%s': %s: 'group:%s' is not one of your "
		    "groups%s%s%s", j->name, after_kind_field(r.kind),
		    r.target, near ? " (did you mean 'group:" : "",
		    near ? near : "", near ? "'?)" : "");
	else if (q == Q_ID)
		*cause = xprintf("job '%s': %s: job %s is not one of your "
		    "jobs", j->name, after_kind_field(r.kind), r.target);
	else
		*cause = xprintf("job '%s': %s: '%s' is not one of your jobs "
		    "in namespace '%s'%s%s%s", j->name,
		    after_kind_field(r.kind), r.target, j->namespace,
		    near ? " (did you mean '" : "", near ? near : "",
		    near ? "'?)" : "");
	free(near);
	return -1;
}

/* See store.h.  The entries of a sweep's or roster's jobs are the same
 * for every job of a template: a job whose namespace and entries are those
 * of the job before it is not checked again. */
int
store_check_after(struct store *s, const struct store_job_new *jobs,
    size_t n, char **cause)
{
	struct store_after a = { .s = s };
	sqlite3_stmt *st;
	const char *list, *prev = NULL, *end, *shared = NULL;
	const char *shared_list = NULL;
	char *whole;
	size_t i, k, len = 0, plen = 0;
	int ret = -1, rc;

	for (i = 0; i < n; i++) {
		/* A sweep's entries are in the text its jobs share, looked at
		 * once for them all. */
		if (jobs[i].spec_shared != shared) {
			shared = jobs[i].spec_shared;
			shared_list = shared != NULL ? strstr(shared,
			    "\"after\":[\"") : NULL;
		}
		list = shared_list;
		if (list == NULL && jobs[i].spec_json != NULL)
			list = strstr(jobs[i].spec_json, "\"after\":[\"");
		if (list == NULL)
			continue;
		end = strstr(list, "\"],");
		len = end != NULL ? (size_t)(end - list) : strlen(list);
		if (prev != NULL && len == plen && memcmp(prev, list,
		    len) == 0 && i > 0 && strcmp(jobs[i - 1].namespace ?
		    jobs[i - 1].namespace : "", jobs[i].namespace ?
		    jobs[i].namespace : "") == 0)
			continue;
		prev = list;
		plen = len;
		if (a.q[0] == NULL)
			for (k = 0; k < Q_COUNT; k++)
				if (sqlite3_prepare_v2(s->db,
				    store_after_sql[k], -1, &a.q[k],
				    NULL) != SQLITE_OK) {
					store_error(s, cause,
					    "checking dependencies");
					goto out;
				}
		st = a.q[Q_ENTRIES];
		sqlite3_reset(st);
		whole = store_job_new_spec(&jobs[i]);
		sqlite3_bind_text(st, 1, whole, -1, free);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			if (store_after_entry(&a, jobs, n, i,
			    (const char *)sqlite3_column_text(st, 0),
			    cause) != 0)
				goto out;
		if (rc != SQLITE_DONE) {
			store_error(s, cause, "checking dependencies");
			goto out;
		}
	}
	ret = 0;
out:
	for (k = 0; k < Q_COUNT; k++)
		sqlite3_finalize(a.q[k]);
	return ret;
}

/* See store.h.  Only rosters: a class resubmitted by mistake would add a
 * second job per student under the same names; a sweep resubmitted is
 * more often meant (another seed), and its names number on. */
int
store_check_groups(struct store *s, const struct store_job_new *jobs,
    size_t n, char **cause)
{
	static const char sql[] = "SELECT count(*) FROM jobs j JOIN groups g "
	    "ON g.id = j.group_id WHERE g.name = ?1 AND g.owner = ?2";
	sqlite3_stmt *st = NULL;
	const char *last = NULL;
	int64_t count;
	size_t i;
	int ret = -1;

	for (i = 0; i < n; i++) {
		if (jobs[i].group == NULL || jobs[i].group_kind == NULL ||
		    strcmp(jobs[i].group_kind, "roster") != 0 ||
		    (last != NULL && strcmp(last, jobs[i].group) == 0))
			continue;
		last = jobs[i].group;
		if (st == NULL && sqlite3_prepare_v2(s->db, sql, -1, &st,
		    NULL) != SQLITE_OK) {
			store_error(s, cause, "checking groups");
			goto out;
		}
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, jobs[i].group, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, jobs[i].group_owner != NULL ?
		    jobs[i].group_owner : jobs[i].owner != NULL ?
		    jobs[i].owner : "", -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_ROW) {
			store_error(s, cause, "checking groups");
			goto out;
		}
		if ((count = sqlite3_column_int64(st, 0)) > 0) {
			*cause = xprintf("the roster's group '%s' already has "
			    "%lld of your jobs: submitting it again would add "
			    "a second job per row under the same names; give "
			    "--append to add these, or --group NAME for a new "
			    "group", jobs[i].group, (long long)count);
			goto out;
		}
	}
	ret = 0;
out:
	sqlite3_finalize(st);
	return ret;
}
