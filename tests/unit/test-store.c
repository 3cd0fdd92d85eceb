/* Unit tests for store/: state machine, migrations, concurrent writers. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "store-int.h"

struct fixture {
	char dir[64];
	char path[96];
	struct store *s;
};

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	char *cause = NULL;

	snprintf(f->dir, sizeof f->dir, "/tmp/aq-store-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof f->path, "%s/sub/queue.db", f->dir);
	if (store_open(f->path, &f->s, &cause) != 0) {
		fprintf(stderr, "%s\n", cause);
		return -1;
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char *cmd;

	store_close(f->s);
	cmd = xprintf("rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(cmd);
	free(f);
	return 0;
}

static struct store_job_new
new_job(const char *name)
{
	struct store_job_new j = {
		.name = name, .namespace = "alice", .owner = "alice",
		.priority = 500, .gpu_type = "RTX4090D", .gpu_count = 1,
		.replicas = 2, .cpu_milli = 8000,
		.memory_bytes = (int64_t)16 << 30, .spec_json = "{}",
	};
	return j;
}

static void
test_state_machine(void **state)
{
	(void)state;
	assert_true(store_transition_is_allowed(STORE_QUEUED, STORE_ADMITTED));
	assert_true(store_transition_is_allowed(STORE_QUEUED, STORE_HELD));
	assert_true(store_transition_is_allowed(STORE_HELD, STORE_QUEUED));
	assert_true(store_transition_is_allowed(STORE_ADMITTED, STORE_RUNNING));
	assert_true(store_transition_is_allowed(STORE_RUNNING,
	    STORE_SUCCEEDED));
	assert_true(store_transition_is_allowed(STORE_RUNNING, STORE_QUEUED));
	assert_true(store_transition_is_allowed(STORE_FAILED, STORE_QUEUED));
	assert_false(store_transition_is_allowed(STORE_QUEUED,
	    STORE_RUNNING));
	assert_false(store_transition_is_allowed(STORE_QUEUED,
	    STORE_SUCCEEDED));
	assert_false(store_transition_is_allowed(STORE_HELD, STORE_ADMITTED));
	assert_false(store_transition_is_allowed(STORE_SUCCEEDED,
	    STORE_RUNNING));
	assert_false(store_transition_is_allowed(STORE_CANCELLED,
	    STORE_HELD));
	assert_false(store_transition_is_allowed(STORE_RUNNING,
	    STORE_ADMITTED));
	assert_false(store_transition_is_allowed(STORE_RUNNING, STORE_HELD));
	assert_true(store_state_is_terminal(STORE_TIMED_OUT));
	assert_false(store_state_is_terminal(STORE_HELD));
}

static void
test_submit_and_transitions(void **state)
{
	struct fixture *f = *state;
	struct store_job_new jobs[3] = { new_job("a"), new_job("b"),
		new_job("c") };
	struct store_job *j;
	struct store_event *ev;
	size_t nev;
	int64_t ids[3];
	char *cause = NULL;

	jobs[1].group = "sweep1";
	jobs[2].group = "sweep1";
	assert_int_equal(store_submit(f->s, jobs, 3, ids, &cause), 0);
	assert_true(ids[0] < ids[1] && ids[1] < ids[2]);

	/* An illegal transition is refused and changes nothing. */
	assert_int_equal(store_transition(f->s, ids[0], 0, STORE_RUNNING, "x",
	    &cause), -1);
	assert_non_null(strstr(cause, "cannot become running"));
	free(cause);
	cause = NULL;
	assert_int_equal(store_get(f->s, ids[0], &j, &cause), 0);
	assert_int_equal(j->state, STORE_QUEUED);
	assert_string_equal(j->group == NULL ? "" : j->group, "");
	store_job_free(j);

	assert_int_equal(store_transition(f->s, ids[0], 0, STORE_ADMITTED,
	    "admitted", &cause), 0);
	assert_int_equal(store_transition(f->s, ids[0], 0, STORE_RUNNING,
	    "running", &cause), 0);
	assert_int_equal(store_transition(f->s, ids[0], 0, STORE_SUCCEEDED,
	    "exit 0", &cause), 0);
	assert_int_equal(store_get(f->s, ids[0], &j, &cause), 0);
	assert_int_equal(j->state, STORE_SUCCEEDED);
	assert_false(j->cleaned);    /* it ran: objects to clean */
	store_job_free(j);

	assert_int_equal(store_events(f->s, ids[0], &ev, &nev, &cause), 0);
	assert_int_equal(nev, 4);
	assert_int_equal(ev[0].from, -1);
	assert_int_equal(ev[0].to, STORE_QUEUED);
	assert_int_equal(ev[3].from, STORE_RUNNING);
	assert_int_equal(ev[3].to, STORE_SUCCEEDED);
	assert_string_equal(ev[3].reason, "exit 0");
	store_events_free(ev, nev);

	/* Unknown job. */
	assert_int_equal(store_transition(f->s, 99999, 0, STORE_HELD, "x",
	    &cause), -1);
	assert_non_null(strstr(cause, "not found"));
	free(cause);
	cause = NULL;

	/* Group membership. */
	{
		int64_t *gids;
		size_t ng;

		assert_int_equal(store_group_ids(f->s, NULL, "sweep1", &gids,
		    &ng, &cause), 0);
		assert_int_equal(ng, 2);
		assert_int_equal(gids[0], ids[1]);
		free(gids);
	}
}

static void
test_cancel(void **state)
{
	struct fixture *f = *state;
	struct store_job_new jobs[2] = { new_job("q"), new_job("r") };
	enum store_cancel_result r;
	struct store_job *j;
	int64_t ids[2];
	char *cause = NULL;

	assert_int_equal(store_submit(f->s, jobs, 2, ids, &cause), 0);
	assert_int_equal(store_cancel(f->s, ids[0], "by test", &r, &cause), 0);
	assert_int_equal(r, STORE_CANCEL_DONE);
	assert_int_equal(store_get(f->s, ids[0], &j, &cause), 0);
	assert_int_equal(j->state, STORE_CANCELLED);
	assert_true(j->cleaned);     /* never reached the cluster */
	store_job_free(j);

	assert_int_equal(store_transition(f->s, ids[1], 0, STORE_ADMITTED, "a",
	    &cause), 0);
	assert_int_equal(store_cancel(f->s, ids[1], "by test", &r, &cause), 0);
	assert_int_equal(r, STORE_CANCEL_REQUESTED);
	assert_int_equal(store_get(f->s, ids[1], &j, &cause), 0);
	assert_int_equal(j->state, STORE_ADMITTED);
	assert_true(j->cancel_requested);
	store_job_free(j);
	assert_int_equal(store_cancel(f->s, ids[1], "again", &r, &cause), 0);
	assert_int_equal(r, STORE_CANCEL_ALREADY);
	assert_int_equal(store_cancel(f->s, 4242, "x", &r, &cause), 0);
	assert_int_equal(r, STORE_CANCEL_NOT_FOUND);
}

static void
test_list_filters(void **state)
{
	struct fixture *f = *state;
	struct store_job_new jobs[4] = { new_job("resnet-1"),
		new_job("resnet-2"), new_job("bert"), new_job("gpt") };
	struct store_filter flt = { 0 };
	struct store_job **out;
	size_t n;
	int64_t ids[4];
	char *cause = NULL;

	jobs[0].group = jobs[1].group = "g";
	assert_int_equal(store_submit(f->s, jobs, 4, ids, &cause), 0);
	assert_int_equal(store_transition(f->s, ids[3], 0, STORE_CANCELLED, "x",
	    &cause), 0);

	assert_int_equal(store_list(f->s, &flt, &out, &n, &cause), 0);
	assert_int_equal(n, 3);      /* the cancelled job is hidden */
	store_jobs_free(out, n);
	flt.all = true;
	assert_int_equal(store_list(f->s, &flt, &out, &n, &cause), 0);
	assert_int_equal(n, 4);
	store_jobs_free(out, n);
	flt.name = "resnet-*";
	assert_int_equal(store_list(f->s, &flt, &out, &n, &cause), 0);
	assert_int_equal(n, 2);
	store_jobs_free(out, n);
	flt.name = NULL;
	flt.group = "g";
	assert_int_equal(store_list(f->s, &flt, &out, &n, &cause), 0);
	assert_int_equal(n, 2);
	assert_string_equal(out[0]->group, "g");
	store_jobs_free(out, n);
	flt.group = NULL;
	flt.states = 1u << STORE_CANCELLED;
	assert_int_equal(store_list(f->s, &flt, &out, &n, &cause), 0);
	assert_int_equal(n, 1);
	assert_string_equal(out[0]->name, "gpt");
	store_jobs_free(out, n);
	flt.states = 0;
	flt.limit = 2;
	flt.after_id = ids[0];
	assert_int_equal(store_list(f->s, &flt, &out, &n, &cause), 0);
	assert_int_equal(n, 2);
	assert_int_equal(out[0]->id, ids[1]);
	store_jobs_free(out, n);
}

/* What a walk of store_list_each saw. */
struct walk {
	int64_t ids[16];
	char *specs[16];
	char *params[16];
	size_t n;
	size_t stop_at;          /* 0: never */
};

/* store_row_fn: keeps ids, specs and params; stops when told. */
static int
walk_row(const struct store_row *r, void *arg)
{
	struct walk *w = arg;

	if (w->stop_at != 0 && w->n == w->stop_at)
		return -1;
	assert_true(w->n < 16);
	w->ids[w->n] = r->job.id;
	w->specs[w->n] = r->job.spec_json != NULL ?
	    xstrdup(r->job.spec_json) : NULL;
	w->params[w->n] = r->params != NULL ? xstrdup(r->params) : NULL;
	w->n++;
	return 0;
}

/* Walks a filter afresh; the count of rows seen. */
static size_t
walk_list(struct store *s, const struct store_filter *flt, int what,
    struct walk *w)
{
	char *cause = NULL;
	size_t i, stop = w->stop_at;

	for (i = 0; i < w->n; i++) {
		free(w->specs[i]);
		free(w->params[i]);
	}
	memset(w, 0, sizeof *w);
	w->stop_at = stop;
	if (store_list_each(s, flt, what, walk_row, w, &cause) != 0) {
		assert_null(cause);  /* only a stop, never an error */
		return (size_t)-1;
	}
	return w->n;
}

/* The streamed listing filters as store_list does, in id order, reads
 * only what it is asked, and stops when its callback says so. */
static void
test_list_each(void **state)
{
	struct fixture *f = *state;
	struct store_job_new jobs[4] = { new_job("resnet-1"),
		new_job("resnet-2"), new_job("bert"), new_job("gpt") };
	struct store_filter flt = { 0 };
	struct walk w = { .n = 0 };
	int64_t ids[4], some[2];
	char *cause = NULL;

	jobs[0].group = jobs[1].group = "g";
	jobs[2].spec_json = "{\"params\":{\"lr\":\"0.1\"}}";
	assert_int_equal(store_submit(f->s, jobs, 4, ids, &cause), 0);
	assert_int_equal(store_transition(f->s, ids[3], 0, STORE_CANCELLED, "x",
	    &cause), 0);

	/* The default view: active jobs, by id, from the index alone. */
	assert_int_equal(walk_list(f->s, &flt, STORE_ROW_BRIEF, &w), 3);
	assert_int_equal(w.ids[0], ids[0]);
	assert_int_equal(w.ids[2], ids[2]);
	assert_null(w.specs[0]);
	assert_int_equal(walk_list(f->s, &flt, STORE_ROW_SPEC |
	    STORE_ROW_PARAMS, &w), 3);
	assert_string_equal(w.specs[0], "{}");
	assert_null(w.params[0]);
	assert_string_equal(w.params[2], "{\"lr\":\"0.1\"}");
	flt.all = true;
	assert_int_equal(walk_list(f->s, &flt, 0, &w), 4);
	flt.name = "resnet-*";
	assert_int_equal(walk_list(f->s, &flt, 0, &w), 2);
	flt.name = NULL;
	flt.group = "g";
	assert_int_equal(walk_list(f->s, &flt, STORE_ROW_BRIEF, &w), 2);
	flt.group = "none";
	assert_int_equal(walk_list(f->s, &flt, 0, &w), 0);
	flt.group = NULL;
	flt.all = false;
	flt.states = 1u << STORE_CANCELLED;
	assert_int_equal(walk_list(f->s, &flt, 0, &w), 1);
	assert_int_equal(w.ids[0], ids[3]);
	/* Given ids: any state, and nothing else. */
	flt.states = 0;
	some[0] = ids[3];
	some[1] = ids[1];
	flt.ids = some;
	flt.nids = 2;
	assert_int_equal(walk_list(f->s, &flt, STORE_ROW_BRIEF, &w), 2);
	assert_int_equal(w.ids[0], ids[1]);
	assert_int_equal(w.ids[1], ids[3]);
	flt.ids = NULL;
	flt.nids = 0;
	flt.limit = 1;
	flt.after_id = ids[0];
	assert_int_equal(walk_list(f->s, &flt, 0, &w), 1);
	assert_int_equal(w.ids[0], ids[1]);
	flt.limit = 0;
	flt.after_id = 0;
	w.stop_at = 2;
	assert_int_equal(walk_list(f->s, &flt, 0, &w), (size_t)-1);
	assert_int_equal(w.n, 2);
	w.stop_at = 0;
	walk_list(f->s, &flt, 0, &w);
	walk_list(f->s, &flt, 0, &w);
}

/* How many shared spec texts the queue keeps. */
static int
count_shared(struct store *s)
{
	sqlite3_stmt *stmt;
	int n = -1;

	assert_int_equal(sqlite3_prepare_v2(s->db, "SELECT count(*) FROM "
	    "specs", -1, &stmt, NULL), SQLITE_OK);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		n = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	return n;
}

/* The jobs of a group share one spec text but read back whole and exact
 * through every call that reads specs, a character split where they
 * differ included; the shared text goes with the last of its jobs. */
static void
test_shared_spec(void **state)
{
	struct fixture *f = *state;
	static const char *const specs[3] = {
		"{\"image\":\"x\",\"name\":\"caf\xc3\xa9\",\"p\":1}",
		"{\"image\":\"x\",\"name\":\"caf\xc3\xa8\",\"p\":2}",
		"{\"image\":\"y\",\"p\":3}",
	};
	static const char *const paths[1] = { "$.p" };
	struct store_job_new jobs[4] = { new_job("a"), new_job("b"),
		new_job("c"), new_job("alone") };
	struct store_job *j, **all;
	int64_t ids[4];
	char **texts, **vals, *cause = NULL;
	size_t i, n;

	for (i = 0; i < 3; i++) {
		jobs[i].group = "sweep";
		jobs[i].spec_json = specs[i];
	}
	jobs[3].spec_json = "{\"q\":4}";
	assert_int_equal(store_submit(f->s, jobs, 4, ids, &cause), 0);
	assert_int_equal(count_shared(f->s), 1);
	for (i = 0; i < 4; i++) {
		assert_int_equal(store_get(f->s, ids[i], &j, &cause), 0);
		assert_string_equal(j->spec_json, jobs[i].spec_json);
		store_job_free(j);
	}
	assert_int_equal(store_specs(f->s, ids, 4, &texts, &cause), 0);
	for (i = 0; i < 4; i++) {
		assert_string_equal(texts[i], jobs[i].spec_json);
		free(texts[i]);
	}
	free(texts);
	assert_int_equal(store_spec_fields(f->s, ids, 3, paths, 1, &vals,
	    &cause), 0);
	for (i = 0; i < 3; i++) {
		assert_int_equal(atoi(vals[i]), (int)i + 1);
		free(vals[i]);
	}
	free(vals);
	assert_int_equal(store_sched_jobs(f->s, NULL, NULL, &all, &n,
	    &cause), 0);
	assert_int_equal(n, 4);
	for (i = 0; i < 4; i++)
		assert_string_equal(all[i]->spec_json, jobs[i].spec_json);
	store_jobs_free(all, n);

	/* Pruned one by one: the text stays while a job needs it. */
	for (i = 0; i < 3; i++)
		assert_int_equal(store_transition(f->s, ids[i], 0,
		    STORE_CANCELLED, "x", &cause), 0);
	assert_int_equal(store_exec(f->s, "DELETE FROM jobs WHERE name = 'a'",
	    &cause), 0);
	assert_int_equal(count_shared(f->s), 1);
	assert_int_equal(store_get(f->s, ids[2], &j, &cause), 0);
	assert_string_equal(j->spec_json, specs[2]);
	store_job_free(j);
	assert_int_equal(store_prune(f->s, now_ms() + 1000, false, &n,
	    &cause), 0);
	assert_int_equal(n, 2);
	assert_int_equal(count_shared(f->s), 0);
}

/* A file written by schema version 1 is migrated with its jobs intact. */
static void
test_migrate_from_v1(void **state)
{
	struct fixture *f = *state;
	struct store *old, *s;
	struct store_job_new jobs[2] = { new_job("old1"), new_job("old2") };
	struct store_job *j;
	struct store_event *ev;
	size_t nev;
	int64_t ids[2];
	char *cause = NULL, *path;

	path = xprintf("%s/old.db", f->dir);
	assert_int_equal(store_open_version(path, 1, &old, &cause), 0);
	assert_int_equal(store_user_version(old), 1);
	/* As version 1 wrote them: this build's insert needs later columns. */
	assert_int_equal(store_exec(old, "INSERT INTO jobs (name, namespace, "
	    "owner, state, priority, gpu_type, gpu_count, replicas, cpu_milli, "
	    "memory_bytes, spec, submitted_at, updated_at) VALUES "
	    "('old1', 'alice', 'alice', 'queued', 500, 'RTX4090D', 1, 2, 8000, "
	    "17179869184, '{\"v\":1}', 1, 1), ('old2', 'alice', 'alice', "
	    "'queued', 500, 'RTX4090D', 1, 2, 8000, 17179869184, "
	    "'{\"v\":2}', 1, 1); INSERT INTO events (job_id, at, from_state, "
	    "to_state, reason) VALUES (1, 1, NULL, 'queued', 'submitted'), "
	    "(2, 1, NULL, 'queued', 'submitted')", &cause), 0);
	ids[0] = 1;
	ids[1] = 2;
	(void)jobs;
	store_close(old);

	assert_int_equal(store_open(path, &s, &cause), 0);
	assert_int_equal(store_user_version(s), STORE_SCHEMA_VERSION);
	assert_int_equal(store_get(s, ids[1], &j, &cause), 0);
	assert_non_null(j);
	assert_string_equal(j->name, "old2");
	assert_string_equal(j->spec_json, "{\"v\":2}");
	assert_int_equal(j->attempts, 0);
	assert_int_equal(j->started_at, 0);
	store_job_free(j);
	assert_int_equal(store_events(s, ids[1], &ev, &nev, &cause), 0);
	assert_int_equal(nev, 1);
	store_events_free(ev, nev);
	/* And it keeps working at the new version. */
	assert_int_equal(store_transition(s, ids[1], 0, STORE_HELD, "h", &cause),
	    0);
	store_close(s);
	free(path);
}

/* store_row_fn: keeps the estimated start of each row, by place. */
static int
row_start(const struct store_row *r, void *arg)
{
	int64_t *starts = arg;

	starts[r->job.id - 1] = r->job.est_start;
	return 0;
}

/* Migration 8: a version 7 file gains the estimated start (none at
 * first, a reservation's reason emptied so that the scheduler writes it
 * again); it is written with the reasons, read back by every listing,
 * and gone once the job leaves the queue. */
static void
test_migrate_est_start(void **state)
{
	struct fixture *f = *state;
	struct store_job_new jn[3] = { new_job("a"), new_job("b"),
		new_job("c") };
	struct store_filter all = { .all = true };
	struct store *s;
	struct store_job *j;
	int64_t ids[3], pos[3] = { 1, 2, 3 };
	int64_t start[3] = { 1767225600000, 0, 1767229200000 };
	int64_t got[3], brief[3];
	const char *why[3] = { "reserved on RTX4090D, expected start x",
		"no start expected within the window; RTX4090D: ...",
		"reserved on RTX4090D, expected start y" };
	char *cause = NULL, *path;
	int what;

	path = xprintf("%s/v7.db", f->dir);
	assert_int_equal(store_open_version(path, 7, &s, &cause), 0);
	assert_int_equal(store_submit(s, jn, 3, ids, &cause), 0);
	assert_int_equal(store_exec(s, "UPDATE jobs SET reason = 'reserved on "
	    "RTX4090D, expected start 2026-01-01T00:00:00Z' WHERE id = 1; "
	    "UPDATE jobs SET reason = 'quota' WHERE id = 2", &cause), 0);
	store_close(s);

	assert_int_equal(store_open_version(path, 8, &s, &cause), 0);
	assert_int_equal(store_user_version(s), 8);
	assert_int_equal(store_get(s, ids[0], &j, &cause), 0);
	assert_int_equal(j->est_start, 0);
	assert_string_equal(j->reason, "");
	store_job_free(j);
	assert_int_equal(store_get(s, ids[1], &j, &cause), 0);
	assert_string_equal(j->reason, "quota");
	store_job_free(j);

	/* Job 3 is held before the write: it keeps no estimate. */
	assert_int_equal(store_transition(s, ids[2], 0, STORE_HELD, "h",
	    &cause), 0);
	assert_int_equal(store_set_reasons(s, ids, why, pos, start, 3, &cause),
	    0);
	assert_int_equal(store_get(s, ids[0], &j, &cause), 0);
	assert_int_equal(j->est_start, start[0]);
	assert_int_equal(j->position, 1);
	store_job_free(j);
	for (what = 0; what <= STORE_ROW_BRIEF; what += STORE_ROW_BRIEF) {
		memset(got, 0xff, sizeof got);
		assert_int_equal(store_list_each(s, what ? &(struct store_filter)
		    { 0 } : &all, what, row_start, got, &cause), 0);
		assert_int_equal(got[0], start[0]);
		assert_int_equal(got[1], 0);
		assert_int_equal(got[2], 0);
		if (what)
			memcpy(brief, got, sizeof brief);
	}
	assert_int_equal(brief[0], start[0]);

	/* Unchanged text and place but a new estimate: written. */
	start[0] += 60000;
	assert_int_equal(store_set_reasons(s, ids, why, pos, start, 1, &cause),
	    0);
	assert_int_equal(store_get(s, ids[0], &j, &cause), 0);
	assert_int_equal(j->est_start, start[0]);
	store_job_free(j);
	/* Without estimates (NULL) the recorded one stays. */
	assert_int_equal(store_set_reasons(s, ids, why, NULL, NULL, 1, &cause),
	    0);
	assert_int_equal(store_get(s, ids[0], &j, &cause), 0);
	assert_int_equal(j->est_start, start[0]);
	store_job_free(j);
	/* Leaving the queue clears it. */
	assert_int_equal(store_transition(s, ids[0], 0, STORE_ADMITTED, "a",
	    &cause), 0);
	assert_int_equal(store_get(s, ids[0], &j, &cause), 0);
	assert_int_equal(j->est_start, 0);
	store_job_free(j);
	store_close(s);
	free(path);
}

/* A group's jobs' ids (of owner's group, NULL: any owner's), as a count. */
static size_t
group_count(struct store *s, const char *owner, const char *group)
{
	int64_t *gids = NULL;
	size_t ng = 0;
	char *cause = NULL;

	assert_int_equal(store_group_ids(s, owner, group, &gids, &ng, &cause),
	    0);
	free(gids);
	return ng;
}

/* Migration 9: groups are scoped by owner.  A version 8 file whose group
 * "hw1" holds two owners' jobs (names used to collide) is split, one
 * group per owner; afterwards two owners each make their own "hw1", and
 * every lookup by name (ids, listing, the roster check, dependencies)
 * is by owner. */
static void
test_migrate_group_owner(void **state)
{
	struct fixture *f = *state;
	struct store_job_new jn[3] = { new_job("a"), new_job("b"),
		new_job("c") }, more[1] = { new_job("d") };
	struct store_filter flt = { .all = true, .group = "hw1" };
	struct store_job **jobs;
	struct store *s;
	size_t n, i;
	int64_t ids[3], id;
	char *cause = NULL, *path;

	path = xprintf("%s/v8.db", f->dir);
	assert_int_equal(store_open_version(path, 8, &s, &cause), 0);
	/* As version 8 wrote them: a group found by name alone, so bob's
	 * job joined alice's "hw1". */
	assert_int_equal(store_exec(s, "INSERT INTO groups (id, name, kind, "
	    "created_at) VALUES (1, 'hw1', 'roster', 1), (2, 'gone', 'batch', "
	    "1); INSERT INTO jobs (name, namespace, owner, group_id, state, "
	    "priority, gpu_type, gpu_count, replicas, cpu_milli, memory_bytes, "
	    "spec, submitted_at, updated_at) VALUES "
	    "('a', 'alice', 'alice', 1, 'queued', 500, '', 0, 1, 1, 1, '{}', "
	    "1, 1), ('b', 'alice', 'alice', 1, 'queued', 500, '', 0, 1, 1, 1, "
	    "'{}', 1, 1), ('c', 'bob', 'bob', 1, 'queued', 500, '', 0, 1, 1, "
	    "1, '{}', 1, 1)", &cause), 0);
	(void)jn;
	(void)ids;
	store_close(s);

	assert_int_equal(store_open(path, &s, &cause), 0);
	assert_int_equal(store_user_version(s), STORE_SCHEMA_VERSION);
	assert_int_equal(group_count(s, "alice", "hw1"), 2);
	assert_int_equal(group_count(s, "bob", "hw1"), 1);
	assert_int_equal(group_count(s, NULL, "hw1"), 3);
	assert_int_equal(group_count(s, "carol", "hw1"), 0);

	/* A new submission of carol's "hw1" is a third group, and the
	 * roster check (resubmission) is per owner. */
	more[0].owner = "carol";
	more[0].group = "hw1";
	more[0].group_kind = "roster";
	assert_int_equal(store_check_groups(s, more, 1, &cause), 0);
	assert_int_equal(store_submit(s, more, 1, &id, &cause), 0);
	assert_int_equal(group_count(s, "carol", "hw1"), 1);
	assert_int_equal(group_count(s, "alice", "hw1"), 2);
	assert_int_equal(store_check_groups(s, more, 1, &cause), -1);
	assert_non_null(strstr(cause, "'hw1' already has 1 of your jobs"));
	free(cause);
	cause = NULL;
	/* Naming another group owner (a co-TA's class group) checks and
	 * joins theirs. */
	more[0].group_owner = "bob";
	assert_int_equal(store_check_groups(s, more, 1, &cause), -1);
	assert_non_null(strstr(cause, "already has 1 "));
	free(cause);
	cause = NULL;
	assert_int_equal(store_submit(s, more, 1, &id, &cause), 0);
	assert_int_equal(group_count(s, "bob", "hw1"), 2);
	assert_int_equal(group_count(s, "carol", "hw1"), 1);

	/* Listing by group: the owner's, or every owner's. */
	flt.group_owner = "alice";
	assert_int_equal(store_list(s, &flt, &jobs, &n, &cause), 0);
	assert_int_equal(n, 2);
	for (i = 0; i < n; i++)
		assert_string_equal(jobs[i]->owner, "alice");
	store_jobs_free(jobs, n);
	flt.group_owner = NULL;
	assert_int_equal(store_list(s, &flt, &jobs, &n, &cause), 0);
	assert_int_equal(n, 5);
	store_jobs_free(jobs, n);

	/* after: group:hw1 resolves within the submitter's own groups. */
	more[0] = new_job("e");
	more[0].owner = "dave";
	more[0].spec_json = "{\"after\":[\"group:hw1\"],\"v\":1}";
	assert_int_equal(store_check_after(s, more, 1, &cause), -1);
	assert_non_null(strstr(cause, "'group:hw1' is not one of your "
	    "groups"));
	free(cause);
	cause = NULL;
	more[0].owner = "bob";
	assert_int_equal(store_check_after(s, more, 1, &cause), 0);
	store_close(s);
	free(path);
}

/* An empty file and a fresh path both become a current database, 0600. */
static void
test_migrate_from_empty(void **state)
{
	struct fixture *f = *state;
	struct stat st;
	struct store *s;
	char *cause = NULL, *path;
	FILE *fp;

	path = xprintf("%s/empty.db", f->dir);
	fp = fopen(path, "w");
	fclose(fp);
	assert_int_equal(store_open(path, &s, &cause), 0);
	assert_int_equal(store_user_version(s), STORE_SCHEMA_VERSION);
	store_close(s);
	free(path);

	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	path = xprintf("%s/sub", f->dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	free(path);
}

/* Files that are not ours are refused and left byte for byte as they were. */
static void
test_refuse_foreign(void **state)
{
	struct fixture *f = *state;
	struct store *s = NULL, *other;
	char *cause = NULL, *path, *path2, buf[64];
	FILE *fp;

	path = xprintf("%s/text.db", f->dir);
	fp = fopen(path, "w");
	fputs("this is not a database, just some text\n", fp);
	fclose(fp);
	assert_int_equal(store_open(path, &s, &cause), -1);
	assert_null(s);
	assert_non_null(strstr(cause, "not an ailab-queue database"));
	free(cause);
	cause = NULL;
	fp = fopen(path, "r");
	assert_non_null(fgets(buf, sizeof buf, fp));
	fclose(fp);
	assert_string_equal(buf, "this is not a database, just some text\n");

	/* A SQLite file of another program. */
	path2 = xprintf("%s/other.db", f->dir);
	assert_int_equal(store_open_version(path2, 0, &other, &cause), 0);
	assert_int_equal(store_exec(other, "CREATE TABLE t (x)", &cause), 0);
	store_close(other);
	assert_int_equal(store_open(path2, &s, &cause), -1);
	assert_non_null(strstr(cause, "another program"));
	free(cause);
	free(path);
	free(path2);
}

/* Writers in several processes at once: every job recorded, ids unique. */
static void
test_concurrent_writers(void **state)
{
	struct fixture *f = *state;
	struct store_filter flt = { .all = true };
	struct store_job **out;
	size_t n, i;
	pid_t pids[8];
	int p, k, status;

	store_close(f->s);
	f->s = NULL;
	for (p = 0; p < 8; p++) {
		if ((pids[p] = fork()) == 0) {
			struct store *s;
			struct store_job_new j = new_job("w");
			int64_t id;
			char *cause = NULL;

			if (store_open(f->path, &s, &cause) != 0)
				_exit(10);
			for (k = 0; k < 50; k++)
				if (store_submit(s, &j, 1, &id, &cause) != 0)
					_exit(11);
			store_close(s);
			_exit(0);
		}
	}
	for (p = 0; p < 8; p++) {
		assert_int_equal(waitpid(pids[p], &status, 0), pids[p]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	assert_int_equal(store_open(f->path, &f->s, NULL), 0);
	assert_int_equal(store_list(f->s, &flt, &out, &n, NULL), 0);
	assert_int_equal(n, 400);
	for (i = 1; i < n; i++)
		assert_true(out[i]->id > out[i - 1]->id);
	store_jobs_free(out, n);
}

/* What the scheduler records on transitions, and its side tables. */
static void
test_scheduler_records(void **state)
{
	struct fixture *f = *state;
	struct store_job_new jn = new_job("s");
	struct store_change chg = { .run_gpu_type = "RTX4090" };
	struct store_replica rep = { .attempt = 1, .rank = 0, .node = (char *)"n1",
		.has_exit_code = true, .exit_code = 137, .reason = (char *)"OOMKilled",
		.log = (char *)"line1\nline2\n", .log_len = 12 };
	struct store_replica *reps;
	struct store_usage *u;
	struct store_job *j;
	const char *reasons[2] = { "quota", "quota" };
	int64_t id, ids[2];
	size_t n;
	char *cause = NULL, *v;
	int fd, fd2;

	assert_int_equal(store_submit(f->s, &jn, 1, &id, &cause), 0);
	assert_int_equal(store_transition_with(f->s, id, 0, STORE_ADMITTED,
	    "admitted", &chg, &cause), 0);
	assert_int_equal(store_transition(f->s, id, 0, STORE_RUNNING, "r",
	    &cause), 0);
	chg.run_gpu_type = NULL;
	chg.set_exit_code = true;
	chg.exit_code = 137;
	assert_int_equal(store_transition_with(f->s, id, 0, STORE_FAILED,
	    "OOMKilled", &chg, &cause), 0);
	assert_int_equal(store_get(f->s, id, &j, &cause), 0);
	assert_int_equal(j->attempts, 1);
	assert_string_equal(j->run_gpu_type, "RTX4090");
	assert_true(j->has_exit_code);
	assert_int_equal(j->exit_code, 137);
	assert_true(j->started_at > 0 && j->finished_at >= j->started_at);
	assert_false(j->cleaned);
	store_job_free(j);

	/* A retry: back to the queue with a backoff, a second attempt. */
	memset(&chg, 0, sizeof chg);
	chg.not_before = 12345;
	assert_int_equal(store_transition_with(f->s, id, 0, STORE_QUEUED,
	    "retry", &chg, &cause), 0);
	/* Queued again, it has no current exit code or start: the failed
	 * attempt's are history. */
	assert_int_equal(store_get(f->s, id, &j, &cause), 0);
	assert_int_equal(j->state, STORE_QUEUED);
	assert_false(j->has_exit_code);
	assert_int_equal(j->started_at, 0);
	assert_int_equal(j->finished_at, 0);
	store_job_free(j);
	assert_int_equal(store_transition(f->s, id, 0, STORE_ADMITTED, "a",
	    &cause), 0);
	assert_int_equal(store_get(f->s, id, &j, &cause), 0);
	assert_int_equal(j->attempts, 2);
	assert_false(j->has_exit_code);
	assert_int_equal(j->not_before, 12345);
	assert_int_equal(j->finished_at, 0);
	store_job_free(j);
	assert_int_equal(store_set_cleaned(f->s, id, &cause), 0);
	{
		struct store_filter flt = { .all = true, .not_cleaned = true };
		struct store_job **out;

		assert_int_equal(store_list(f->s, &flt, &out, &n, &cause), 0);
		assert_int_equal(n, 0);
		store_jobs_free(out, n);
	}

	jn.name = "w";
	assert_int_equal(store_submit(f->s, &jn, 1, &ids[0], &cause), 0);
	assert_int_equal(store_submit(f->s, &jn, 1, &ids[1], &cause), 0);
	assert_int_equal(store_set_reasons(f->s, ids, reasons, NULL, NULL, 2,
	    &cause), 0);
	assert_int_equal(store_get(f->s, ids[1], &j, &cause), 0);
	assert_string_equal(j->reason, "quota");
	store_job_free(j);

	assert_int_equal(store_meta_get(f->s, "rv", &v, &cause), 0);
	assert_null(v);
	assert_int_equal(store_meta_set(f->s, "rv", "100", &cause), 0);
	assert_int_equal(store_meta_set(f->s, "rv", "200", &cause), 0);
	assert_int_equal(store_meta_get(f->s, "rv", &v, &cause), 0);
	assert_string_equal(v, "200");
	free(v);

	assert_int_equal(store_usage_set(f->s, "alice", 1.5e6, 10, &cause), 0);
	assert_int_equal(store_usage_set(f->s, "alice", 2.5e6, 20, &cause), 0);
	assert_int_equal(store_usage_list(f->s, &u, &n, &cause), 0);
	assert_int_equal(n, 1);
	assert_true(u[0].gpu_ms == 2.5e6 && u[0].at == 20);
	store_usage_free(u, n);

	assert_int_equal(store_replica_save(f->s, id, &rep, &cause), 0);
	rep.rank = 1;
	rep.reason = (char *)"Completed";
	assert_int_equal(store_replica_save(f->s, id, &rep, &cause), 0);
	assert_int_equal(store_replicas(f->s, id, &reps, &n, &cause), 0);
	assert_int_equal(n, 2);
	assert_string_equal(reps[0].reason, "OOMKilled");
	assert_string_equal(reps[0].log, "line1\nline2\n");
	assert_int_equal(reps[1].rank, 1);
	store_replicas_free(reps, n);

	/* One scheduler at a time. */
	assert_int_equal(store_lock_scheduler(f->s, &fd, &cause), 0);
	if (fork() == 0) {
		struct store *s2;

		if (store_open(f->path, &s2, NULL) != 0)
			_exit(3);
		_exit(store_lock_scheduler(s2, &fd2, &cause) == 0 ? 1 :
		    strstr(cause, "another scheduler") != NULL ? 0 : 2);
	}
	{
		int st;

		wait(&st);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 0);
	}
	close(fd);
}

/* Pruning old ended jobs, the namespaces used, the queue's id. */
static void
test_prune(void **state)
{
	struct fixture *f = *state;
	struct store_job_new jobs[3] = { new_job("a"), new_job("b"),
		new_job("c") };
	struct store_job *j;
	int64_t ids[3];
	size_t n;
	char **ns, *cause = NULL, id1[32];

	jobs[2].namespace = "bob";
	jobs[0].group = jobs[1].group = "old";
	assert_int_equal(store_submit(f->s, jobs, 3, ids, &cause), 0);
	assert_int_equal(store_namespaces(f->s, &ns, &n, &cause), 0);
	assert_int_equal(n, 2);
	assert_string_equal(ns[0], "alice");
	assert_string_equal(ns[1], "bob");
	free(ns[0]);
	free(ns[1]);
	free(ns);

	/* Cancelled from the queue: ended and clean. Admitted: not clean. */
	assert_int_equal(store_transition(f->s, ids[0], 0, STORE_CANCELLED,
	    "x", &cause), 0);
	assert_int_equal(store_transition(f->s, ids[1], 0, STORE_ADMITTED,
	    "x", &cause), 0);
	assert_int_equal(store_transition(f->s, ids[1], 0, STORE_FAILED, "x",
	    &cause), 0);
	assert_int_equal(store_prune(f->s, now_ms() + 1000, true, &n, &cause),
	    0);
	assert_int_equal(n, 1);
	assert_int_equal(store_get(f->s, ids[0], &j, &cause), 0);
	assert_non_null(j);          /* a dry run deletes nothing */
	store_job_free(j);
	assert_int_equal(store_prune(f->s, now_ms() - 60000, false, &n,
	    &cause), 0);
	assert_int_equal(n, 0);      /* too recent */
	assert_int_equal(store_prune(f->s, now_ms() + 1000, false, &n,
	    &cause), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_get(f->s, ids[0], &j, &cause), 0);
	assert_null(j);
	assert_int_equal(store_get(f->s, ids[1], &j, &cause), 0);
	assert_non_null(j);          /* its objects are not cleaned yet */
	store_job_free(j);

	/* The queue id is made once and kept. */
	snprintf(id1, sizeof id1, "%s", store_queue_id(f->s));
	assert_int_equal(strlen(id1), 16);
	store_close(f->s);
	assert_int_equal(store_open(f->path, &f->s, &cause), 0);
	assert_string_equal(store_queue_id(f->s), id1);
}

/* The scheduler lock belongs to the database file, not to a name: a
 * symbolic link finds it held; a second hard link is refused. */
static void
test_lock_links(void **state)
{
	struct fixture *f = *state;
	struct store *s2;
	char *cause = NULL, *link1, *link2;
	int fd, fd2, st;

	link1 = xprintf("%s/sym.db", f->dir);
	link2 = xprintf("%s/hard.db", f->dir);
	assert_int_equal(symlink(f->path, link1), 0);
	assert_int_equal(store_lock_scheduler(f->s, &fd, &cause), 0);
	if (fork() == 0) {
		if (store_open(link1, &s2, NULL) != 0)
			_exit(3);
		_exit(store_lock_scheduler(s2, &fd2, &cause) == 0 ? 1 :
		    strstr(cause, "another scheduler is running") != NULL ? 0 :
		    2);
	}
	wait(&st);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	/* Its wake-up FIFO is the one beside the file itself. */
	assert_int_equal(store_open(link1, &s2, &cause), 0);
	{
		char *w1 = store_wake_path(f->s), *w2 = store_wake_path(s2);

		assert_string_equal(w1, w2);
		free(w1);
		free(w2);
	}
	store_close(s2);
	close(fd);

	assert_int_equal(link(f->path, link2), 0);
	assert_int_equal(store_open(link2, &s2, &cause), 0);
	assert_int_equal(store_lock_scheduler(s2, &fd2, &cause), -1);
	assert_non_null(strstr(cause, "has 2 names (hard links)"));
	free(cause);
	cause = NULL;
	assert_int_equal(store_lock_scheduler(f->s, &fd, &cause), -1);
	free(cause);
	store_close(s2);
	free(link1);
	free(link2);
}

/* Damage this module can see (a schema not the migrations', a state no
 * version wrote) is an error naming the file and SQLITE_CORRUPT, never an
 * abort. */
static void
test_damaged(void **state)
{
	struct fixture *f = *state;
	struct store_job_new j = new_job("a");
	struct store_counts c;
	struct store_job **jobs = NULL, *job = NULL;
	struct store_event *ev = NULL;
	struct store_filter all = { .all = true };
	char *cause = NULL;
	int64_t id;
	size_t n = 0;

	assert_int_equal(store_submit(f->s, &j, 1, &id, &cause), 0);
	assert_int_equal(store_exec(f->s, "PRAGMA ignore_check_constraints = 1;"
	    "UPDATE jobs SET state = 'qu\x01eued';"
	    "UPDATE events SET to_state = 'nowhere'", &cause), 0);
	assert_int_equal(store_list(f->s, &all, &jobs, &n, &cause), -1);
	assert_non_null(strstr(cause, "queue.db: listing jobs: the queue "
	    "database is damaged: job 1 has no valid state (SQLITE_CORRUPT)"));
	free(cause);
	assert_int_equal(store_get(f->s, id, &job, &cause), -1);
	assert_null(job);
	free(cause);
	assert_int_equal(store_events(f->s, id, &ev, &n, &cause), -1);
	free(cause);
	assert_int_equal(store_count(f->s, &c, &cause), -1);
	free(cause);
	assert_int_equal(store_transition(f->s, id, 0, STORE_HELD, "x",
	    &cause), -1);
	assert_non_null(strstr(cause, "SQLITE_CORRUPT"));
	free(cause);
	cause = NULL;

	/* A column the statements name is gone. */
	assert_int_equal(store_exec(f->s, "ALTER TABLE jobs RENAME COLUMN "
	    "position TO place", &cause), 0);
	store_close(f->s);
	assert_int_equal(store_open(f->path, &f->s, &cause), 0);
	assert_int_equal(store_list(f->s, &all, &jobs, &n, &cause), -1);
	assert_non_null(strstr(cause, "listing jobs: the queue database is "
	    "damaged: no such column: j.position (SQLITE_CORRUPT)"));
	free(cause);
	assert_int_equal(store_submit(f->s, &j, 1, &id, &cause), 0);
	assert_int_equal(store_sched_jobs(f->s, NULL, NULL, &jobs, &n,
	    &cause), -1);
	free(cause);
}

/* Twenty processes opening a queue that does not exist yet all find it
 * whole: none sees a half-made file. */
static void
test_create_race(void **state)
{
	struct fixture *f = *state;
	struct store_job_new j = new_job("r");
	struct store_filter all = { .all = true };
	struct store_job **jobs = NULL;
	struct store *s;
	struct stat sb;
	char *path, *cause = NULL;
	int64_t id;
	size_t n = 0;
	int i, st, trial, bad = 0;

	for (trial = 0; trial < 5; trial++) {
		path = xprintf("%s/race%d/queue.db", f->dir, trial);
		for (i = 0; i < 20; i++)
			if (fork() == 0) {
				if (store_open(path, &s, &cause) != 0) {
					fprintf(stderr, "%s\n", cause);
					_exit(1);
				}
				_exit(store_submit(s, &j, 1, &id, &cause) == 0 ?
				    0 : 2);
			}
		for (i = 0; i < 20; i++) {
			wait(&st);
			if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
				bad++;
		}
		assert_int_equal(store_open(path, &s, &cause), 0);
		assert_int_equal(store_list(s, &all, &jobs, &n, &cause), 0);
		assert_int_equal(n, 20);
		store_jobs_free(jobs, n);
		store_close(s);
		assert_int_equal(stat(path, &sb), 0);
		assert_int_equal(sb.st_mode & 0777, 0600);
		free(path);
	}
	assert_int_equal(bad, 0);
}

/* A job that ran and ended between two passes (admitted, then ended) has
 * a start, so a run time; one that never ran (cancelled) has none. */
static void
test_started_between_passes(void **state)
{
	struct fixture *f = *state;
	struct store_job_new jn[3] = { new_job("a"), new_job("b"),
		new_job("c") };
	struct store_change ran = { .run_ms = 5000 }, none = { 0 };
	struct store_job *j;
	char *cause = NULL;
	int64_t ids[3];
	int i;

	assert_int_equal(store_submit(f->s, jn, 3, ids, &cause), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(store_transition(f->s, ids[i], 0,
		    STORE_ADMITTED, "admitted", &cause), 0);
	/* Admitted long ago: the run's length places its start. */
	assert_int_equal(store_exec(f->s, "UPDATE jobs SET admitted_at = "
	    "admitted_at - 60000", &cause), 0);
	assert_int_equal(store_transition_with(f->s, ids[0], 0, STORE_FAILED,
	    "exit 1", &ran, &cause), 0);
	assert_int_equal(store_get(f->s, ids[0], &j, &cause), 0);
	assert_int_equal(j->finished_at - j->started_at, 5000);
	store_job_free(j);
	/* Succeeded with no length seen: from its admission. */
	assert_int_equal(store_transition_with(f->s, ids[1], 0,
	    STORE_SUCCEEDED, "done", &none, &cause), 0);
	assert_int_equal(store_get(f->s, ids[1], &j, &cause), 0);
	assert_int_equal(j->started_at, j->admitted_at);
	assert_true(j->finished_at - j->started_at >= 60000);
	store_job_free(j);
	/* Cancelled before it ran: no start. */
	assert_int_equal(store_transition_with(f->s, ids[2], 0,
	    STORE_CANCELLED, "cancelled", &none, &cause), 0);
	assert_int_equal(store_get(f->s, ids[2], &j, &cause), 0);
	assert_int_equal(j->started_at, 0);
	store_job_free(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_machine),
		cmocka_unit_test_setup_teardown(test_submit_and_transitions,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_filters, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_list_each, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_shared_spec, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_migrate_from_v1, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_migrate_est_start, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_migrate_group_owner, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_migrate_from_empty, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_refuse_foreign, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_writers, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_scheduler_records, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_prune, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_links, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_damaged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_race, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_started_between_passes,
		    setup, teardown),
	};

	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
