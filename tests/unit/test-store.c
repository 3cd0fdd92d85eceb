/* Unit tests for store/: the state machine, submissions, listings, shared
 * spec texts, what the scheduler records, pruning.  test-store-file.c
 * holds the database file: migrations, foreign files, concurrency. */
#include <sys/stat.h>
#include <sys/wait.h>
#include "unit.h"
#include "store-int.h"
#include "store-fixture.h"

/* The transitions the state machine allows and refuses. */
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
	struct store_fixture *f = *state;
	struct store_job_new jobs[3] = {
		store_fixture_job("a"), store_fixture_job("b"),
		store_fixture_job("c") };
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
	assert_cause(cause, "cannot become running");
	assert_int_equal(store_get(f->s, ids[0], &j, &cause), 0);
	assert_int_equal(j->state, STORE_QUEUED);
	assert_string_equal(j->group == NULL ? "" : j->group, "");
	store_job_free(j);

	store_fixture_move(f->s, ids[0], STORE_ADMITTED, "admitted");
	store_fixture_move(f->s, ids[0], STORE_RUNNING, "running");
	store_fixture_move(f->s, ids[0], STORE_SUCCEEDED, "exit 0");
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
	assert_cause(cause, "not found");

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

/* What store_act did cancelling one job. */
static enum store_act_result
cancel_one(struct store *s, int64_t id, const char *reason)
{
	struct store_act_item it;
	size_t ndone;
	char *cause = NULL;

	assert_int_equal(store_act(s, STORE_ACT_CANCEL, &id, 1, reason, &it,
	    &ndone, &cause), 0);
	assert_int_equal(ndone, 1);
	return it.result;
}

static void
test_cancel(void **state)
{
	struct store_fixture *f = *state;
	struct store_job_new jobs[2] = {
		store_fixture_job("q"), store_fixture_job("r") };
	struct store_job *j;
	int64_t ids[2];
	char *cause = NULL;

	assert_int_equal(store_submit(f->s, jobs, 2, ids, &cause), 0);
	assert_int_equal(cancel_one(f->s, ids[0], "by test"), STORE_ACT_DONE);
	assert_int_equal(store_get(f->s, ids[0], &j, &cause), 0);
	assert_int_equal(j->state, STORE_CANCELLED);
	assert_true(j->cleaned);     /* never reached the cluster */
	store_job_free(j);

	store_fixture_move(f->s, ids[1], STORE_ADMITTED, "a");
	assert_int_equal(cancel_one(f->s, ids[1], "by test"),
	    STORE_ACT_REQUESTED);
	assert_int_equal(store_get(f->s, ids[1], &j, &cause), 0);
	assert_int_equal(j->state, STORE_ADMITTED);
	assert_true(j->cancel_requested);
	store_job_free(j);
	assert_int_equal(cancel_one(f->s, ids[1], "again"), STORE_ACT_ALREADY);
	assert_int_equal(cancel_one(f->s, 4242, "x"), STORE_ACT_NOT_FOUND);
}

static void
test_list_filters(void **state)
{
	struct store_fixture *f = *state;
	struct store_job_new jobs[4] = {
		store_fixture_job("resnet-1"), store_fixture_job("resnet-2"),
		store_fixture_job("bert"), store_fixture_job("gpt") };
	struct store_filter flt = { 0 };
	struct store_job **out;
	size_t n;
	int64_t ids[4];
	char *cause = NULL;

	jobs[0].group = jobs[1].group = "g";
	assert_int_equal(store_submit(f->s, jobs, 4, ids, &cause), 0);
	store_fixture_move(f->s, ids[3], STORE_CANCELLED, "x");

	/* The cancelled job is hidden. */
	assert_int_equal(store_fixture_count(f->s, &flt), 3);
	flt.all = true;
	assert_int_equal(store_fixture_count(f->s, &flt), 4);
	flt.name = "resnet-*";
	assert_int_equal(store_fixture_count(f->s, &flt), 2);
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
	struct store_fixture *f = *state;
	struct store_job_new jobs[4] = {
		store_fixture_job("resnet-1"), store_fixture_job("resnet-2"),
		store_fixture_job("bert"), store_fixture_job("gpt") };
	struct store_filter flt = { 0 };
	struct walk w = { .n = 0 };
	int64_t ids[4], some[2];
	char *cause = NULL;

	jobs[0].group = jobs[1].group = "g";
	jobs[2].spec_json = "{\"params\":{\"lr\":\"0.1\"}}";
	assert_int_equal(store_submit(f->s, jobs, 4, ids, &cause), 0);
	store_fixture_move(f->s, ids[3], STORE_CANCELLED, "x");

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
	return store_fixture_int(s, "SELECT count(*) FROM specs");
}

/* The jobs of a group share one spec text but read back whole and exact
 * through every call that reads specs, a character split where they
 * differ included; the shared text goes with the last of its jobs. */
static void
test_shared_spec(void **state)
{
	struct store_fixture *f = *state;
	static const char *const specs[3] = {
		"{\"image\":\"x\",\"name\":\"caf\xc3\xa9\",\"p\":1}",
		"{\"image\":\"x\",\"name\":\"caf\xc3\xa8\",\"p\":2}",
		"{\"image\":\"y\",\"p\":3}",
	};
	static const char *const paths[1] = { "$.p" };
	struct store_job_new jobs[4] = {
		store_fixture_job("a"), store_fixture_job("b"),
		store_fixture_job("c"), store_fixture_job("alone") };
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
	assert_int_equal(store_fixture_int(f->s, "SELECT refs FROM specs"), 3);
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
		store_fixture_move(f->s, ids[i], STORE_CANCELLED, "x");
	assert_int_equal(store_exec(f->s, "DELETE FROM jobs WHERE name = 'a'",
	    &cause), 0);
	assert_int_equal(count_shared(f->s), 1);
	assert_int_equal(store_fixture_int(f->s, "SELECT refs FROM specs"), 2);
	assert_int_equal(store_get(f->s, ids[2], &j, &cause), 0);
	assert_string_equal(j->spec_json, specs[2]);
	store_job_free(j);
	assert_int_equal(store_prune(f->s, now_ms() + 1000, false, &n,
	    &cause), 0);
	assert_int_equal(n, 2);
	assert_int_equal(count_shared(f->s), 0);
}

/*
 * A group's parameters read from each job's own tail of a shared spec,
 * as report asks: right for a tail whose earlier maps have a key
 * "params", for a job of the group without any, for a job alone, and
 * when two owners each have a group of that name (read in id order).
 */
static void
test_shared_params(void **state)
{
	struct store_fixture *f = *state;
	static const char *const specs[5] = {
		"{\"image\":\"x\",\"name\":\"s-0\",\"env\":{\"params\":"
		    "\"{no\"},\"index\":0,\"params\":{\"lr\":\"0.1\"}}",
		"{\"image\":\"x\",\"name\":\"s-1\",\"env\":{\"params\":"
		    "\"{no\"},\"index\":1,\"params\":{\"lr\":\"0.2\"},"
		    "\"z\":1}",
		"{\"image\":\"x\",\"name\":\"s-2\"}",
		"{\"image\":\"y\",\"params\":{\"lr\":\"9\"}}",
		"{\"image\":\"x\",\"name\":\"t-0\",\"index\":0,"
		    "\"params\":{\"k\":\"v\"}}",
	};
	struct store_job_new jobs[5];
	struct store_filter flt = { .all = true, .group = "sw" };
	struct walk w = { .n = 0 };
	int64_t ids[5];
	char *cause = NULL;
	size_t i;

	for (i = 0; i < 5; i++) {
		jobs[i] = store_fixture_job("s");
		jobs[i].spec_json = specs[i];
		jobs[i].group = i == 3 ? NULL : "sw";
	}
	jobs[4].owner = "bob";
	assert_int_equal(store_submit(f->s, jobs, 5, ids, &cause), 0);
	/* Two owners' groups "sw": every job of both, in id order. */
	assert_int_equal(walk_list(f->s, &flt, STORE_ROW_PARAMS, &w), 4);
	assert_int_equal(w.ids[0], ids[0]);
	assert_int_equal(w.ids[3], ids[4]);
	assert_string_equal(w.params[0], "{\"lr\":\"0.1\"}");
	assert_string_equal(w.params[1], "{\"lr\":\"0.2\"}");
	assert_null(w.params[2]);
	assert_string_equal(w.params[3], "{\"k\":\"v\"}");
	/* One owner's group: the same rows of it. */
	flt.group_owner = "alice";
	assert_int_equal(walk_list(f->s, &flt, STORE_ROW_PARAMS, &w), 3);
	assert_string_equal(w.params[1], "{\"lr\":\"0.2\"}");
	/* The only group of its name, named without its owner. */
	store_fixture_move(f->s, ids[4], STORE_CANCELLED, "x");
	assert_int_equal(store_exec(f->s, "DELETE FROM jobs WHERE owner = "
	    "'bob'; DELETE FROM groups WHERE owner = 'bob'", &cause), 0);
	flt.group_owner = NULL;
	assert_int_equal(walk_list(f->s, &flt, STORE_ROW_PARAMS, &w), 3);
	assert_int_equal(w.ids[2], ids[2]);
	assert_string_equal(w.params[0], "{\"lr\":\"0.1\"}");
	flt.group = NULL;
	flt.ids = &ids[3];
	flt.nids = 1;
	assert_int_equal(walk_list(f->s, &flt, STORE_ROW_PARAMS, &w), 1);
	assert_string_equal(w.params[0], "{\"lr\":\"9\"}");
	flt.ids = NULL;
	flt.nids = 0;
	walk_list(f->s, &flt, 0, &w);
	walk_list(f->s, &flt, 0, &w);
}

/* What the scheduler records on transitions, and its side tables. */
static void
test_scheduler_records(void **state)
{
	struct store_fixture *f = *state;
	struct store_job_new jn = store_fixture_job("s");
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
	store_fixture_move(f->s, id, STORE_RUNNING, "r");
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
	store_fixture_move(f->s, id, STORE_ADMITTED, "a");
	assert_int_equal(store_get(f->s, id, &j, &cause), 0);
	assert_int_equal(j->attempts, 2);
	assert_false(j->has_exit_code);
	assert_int_equal(j->not_before, 12345);
	assert_int_equal(j->finished_at, 0);
	store_job_free(j);
	assert_int_equal(store_set_cleaned(f->s, id, &cause), 0);
	assert_int_equal(store_fixture_count(f->s, &(struct store_filter){
	    .all = true, .not_cleaned = true }), 0);

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

	assert_int_equal(store_usage_set_many(f->s, &(struct store_usage){
	    (char *)"alice", 1.5e6, 10 }, 1, &cause), 0);
	assert_int_equal(store_usage_set_many(f->s, &(struct store_usage){
	    (char *)"alice", 2.5e6, 20 }, 1, &cause), 0);
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
	struct store_fixture *f = *state;
	struct store_job_new jobs[3] = {
		store_fixture_job("a"), store_fixture_job("b"),
		store_fixture_job("c") };
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
	store_fixture_move(f->s, ids[0], STORE_CANCELLED, "x");
	store_fixture_move(f->s, ids[1], STORE_ADMITTED, "x");
	store_fixture_move(f->s, ids[1], STORE_FAILED, "x");
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


/* A job that ran and ended between two passes (admitted, then ended) has
 * a start, so a run time; one that never ran (cancelled) has none. */
static void
test_started_between_passes(void **state)
{
	struct store_fixture *f = *state;
	struct store_job_new jn[3] = {
		store_fixture_job("a"), store_fixture_job("b"),
		store_fixture_job("c") };
	struct store_change ran = { .run_ms = 5000 }, none = { 0 };
	struct store_job *j;
	char *cause = NULL;
	int64_t ids[3];
	int i;

	assert_int_equal(store_submit(f->s, jn, 3, ids, &cause), 0);
	for (i = 0; i < 3; i++)
		store_fixture_move(f->s, ids[i], STORE_ADMITTED, "admitted");
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

/* Runs the tests of the queue's contents. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_machine),
		store_fixture_test(test_submit_and_transitions),
		store_fixture_test(test_cancel),
		store_fixture_test(test_list_filters),
		store_fixture_test(test_list_each),
		store_fixture_test(test_shared_spec),
		store_fixture_test(test_shared_params),
		store_fixture_test(test_scheduler_records),
		store_fixture_test(test_prune),
		store_fixture_test(test_started_between_passes),
	};

	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
