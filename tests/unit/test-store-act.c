/* Unit tests for the store at size: store_act, a user's action on many
 * jobs at once, checked and logged job by job, committed in chunks; and
 * store_submit's inserts of many rows a statement, specs given whole or
 * in two parts. */
#include "unit.h"
#include "store-fixture.h"
#include "store-int.h"

/* More than two chunks, so that a selection spans three transactions. */
#define NJOBS (2 * STORE_ACT_CHUNK + 500)

struct fixture {
	struct store_fixture q;
	int64_t ids[NJOBS];
};

/* A queue of NJOBS queued jobs of one sweep. */
static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	struct store_job_new *jobs;
	char *cause = NULL;
	int i, rc;

	if (store_fixture_open(&f->q, "queue.db") != 0)
		return -1;
	jobs = xcalloc(NJOBS, sizeof *jobs);
	store_fixture_jobs(jobs, NJOBS);
	for (i = 0; i < NJOBS; i++) {
		jobs[i].group = "g";
		jobs[i].group_kind = "sweep";
		jobs[i].spec_json = "{\"name\":\"j\"}";
	}
	rc = store_submit(f->q.s, jobs, NJOBS, f->ids, &cause);
	free(jobs);
	if (rc != 0) {
		fprintf(stderr, "%s\n", cause);
		return -1;
	}
	*state = f;
	return 0;
}

/* The state and the number of events of a job. */
static enum store_state
job_state(struct fixture *f, int64_t id, size_t *nev)
{
	struct store_job *j = NULL;
	struct store_event *ev = NULL;
	enum store_state st;
	char *cause = NULL;

	assert_int_equal(store_get(f->q.s, id, &j, &cause), 0);
	assert_non_null(j);
	st = j->state;
	store_job_free(j);
	assert_int_equal(store_events(f->q.s, id, &ev, nev, &cause), 0);
	store_events_free(ev, *nev);
	return st;
}

/* A hold over a selection spanning three chunks holds every queued job,
 * refuses the others with the state machine's words, logs each move, and
 * reports an unknown id as not found. */
static void
test_hold_many(void **state)
{
	struct fixture *f = *state;
	struct store_act_item *items;
	int64_t *ids;
	size_t n = NJOBS + 1, ndone, nev, i;
	char *cause = NULL;

	/* Job 0 is cancelled already: a hold must refuse it. */
	store_fixture_move(f->q.s, f->ids[0], STORE_CANCELLED, "test");
	ids = xcalloc(n, sizeof *ids);
	memcpy(ids, f->ids, NJOBS * sizeof *ids);
	ids[NJOBS] = f->ids[NJOBS - 1] + 1000;
	items = xcalloc(n, sizeof *items);
	assert_int_equal(store_act(f->q.s, STORE_ACT_HOLD, ids, n, "held by t",
	    items, &ndone, &cause), 0);
	assert_int_equal(ndone, n);
	assert_int_equal(items[0].result, STORE_ACT_REFUSED);
	assert_non_null(strstr(items[0].cause, "is cancelled"));
	for (i = 1; i < NJOBS; i++) {
		assert_int_equal(items[i].id, ids[i]);
		assert_int_equal(items[i].result, STORE_ACT_DONE);
	}
	assert_int_equal(items[NJOBS].result, STORE_ACT_NOT_FOUND);
	/* submitted, held: one event each; the cancelled job: two. */
	assert_int_equal(job_state(f, ids[1], &nev), STORE_HELD);
	assert_int_equal(nev, 2);
	assert_int_equal(job_state(f, ids[NJOBS - 1], &nev), STORE_HELD);
	assert_int_equal(nev, 2);
	assert_int_equal(job_state(f, ids[0], &nev), STORE_CANCELLED);
	assert_int_equal(nev, 2);
	store_act_items_release(items, n);

	/* Release, then cancel: every job moves again. */
	assert_int_equal(store_act(f->q.s, STORE_ACT_RELEASE, ids + 1, NJOBS - 1,
	    "released by t", items, &ndone, &cause), 0);
	for (i = 0; i < NJOBS - 1; i++)
		assert_int_equal(items[i].result, STORE_ACT_DONE);
	assert_int_equal(store_act(f->q.s, STORE_ACT_CANCEL, ids, NJOBS,
	    "cancelled by t", items, &ndone, &cause), 0);
	assert_int_equal(items[0].result, STORE_ACT_ALREADY);
	for (i = 1; i < NJOBS; i++)
		assert_int_equal(items[i].result, STORE_ACT_DONE);
	assert_int_equal(job_state(f, ids[NJOBS / 2], &nev), STORE_CANCELLED);
	assert_int_equal(nev, 4);
	store_act_items_release(items, n);
	free(items);
	free(ids);
}

/* A retry queues ended jobs whose objects are gone; one still on the
 * cluster is refused, and a running job's cancel is a request. */
static void
test_retry_and_request(void **state)
{
	struct fixture *f = *state;
	struct store_act_item items[3];
	size_t ndone, nev;
	char *cause = NULL;

	/* 0: queued → cancelled (nothing to clean); 1: admitted → failed
	 * (objects remain); 2: admitted → running. */
	store_fixture_move(f->q.s, f->ids[0], STORE_CANCELLED, "t");
	store_fixture_move(f->q.s, f->ids[1], STORE_ADMITTED, "t");
	store_fixture_move(f->q.s, f->ids[1], STORE_FAILED, "t");
	store_fixture_move(f->q.s, f->ids[2], STORE_ADMITTED, "t");
	store_fixture_move(f->q.s, f->ids[2], STORE_RUNNING, "t");
	assert_int_equal(store_act(f->q.s, STORE_ACT_RETRY, f->ids, 3,
	    "retried by t", items, &ndone, &cause), 0);
	assert_int_equal(items[0].result, STORE_ACT_DONE);
	assert_int_equal(items[1].result, STORE_ACT_UNCLEANED);
	assert_int_equal(items[2].result, STORE_ACT_REFUSED);
	assert_int_equal(job_state(f, f->ids[0], &nev), STORE_QUEUED);
	assert_int_equal(job_state(f, f->ids[1], &nev), STORE_FAILED);
	store_act_items_release(items, 3);
	assert_int_equal(store_act(f->q.s, STORE_ACT_CANCEL, f->ids + 2, 1,
	    "cancelled by t", items, &ndone, &cause), 0);
	assert_int_equal(items[0].result, STORE_ACT_REQUESTED);
	assert_int_equal(job_state(f, f->ids[2], &nev), STORE_RUNNING);
	assert_int_equal(store_act(f->q.s, STORE_ACT_CANCEL, f->ids + 2, 1,
	    "cancelled by t", items, &ndone, &cause), 0);
	assert_int_equal(items[0].result, STORE_ACT_ALREADY);
}

/* Enough jobs for statements of STORE_INSERT_ROWS, then one of
 * STORE_INSERT_SOME, then one by one, in three groups changing
 * mid-statement, one job alone: each id gets its own job back, whole spec
 * and all, and a "submitted" event. */
#define NROWS (STORE_INSERT_BIG + STORE_INSERT_SOME + 6)
static void
test_submit_rows(void **state)
{
	struct fixture *f = *state;
	static struct store_job_new jobs[NROWS];
	static char names[NROWS][16], specs[NROWS][96];
	struct store_event *ev;
	struct store_job *j;
	int64_t ids[NROWS];
	char *cause = NULL;
	static const char *const groups[] = { "ga", "gb", "gc" };
	size_t i, nev;

	store_fixture_jobs(jobs, NROWS);
	for (i = 0; i < NROWS; i++) {
		snprintf(names[i], sizeof names[i], "r%zu", i);
		/* A shared head, and a tail of a length that varies. */
		snprintf(specs[i], sizeof specs[i], "{\"name\":\"%s\","
		    "\"x\":\"%0*zu\"}", names[i], (int)(i % 7) + 1, i);
		jobs[i].name = names[i];
		jobs[i].group = i == 50 ? NULL : groups[i * 3 / NROWS];
		jobs[i].group_kind = "sweep";
		jobs[i].priority = (int)i;
		jobs[i].spec_json = specs[i];
		jobs[i].held = i % 2 == 1;
	}
	assert_int_equal(store_submit(f->q.s, jobs, NROWS, ids, &cause), 0);
	for (i = 0; i < NROWS; i++) {
		if (i > 0)
			assert_true(ids[i] > ids[i - 1]);
		assert_int_equal(store_get(f->q.s, ids[i], &j, &cause), 0);
		assert_non_null(j);
		assert_string_equal(j->name, names[i]);
		assert_string_equal(j->spec_json, specs[i]);
		assert_int_equal(j->priority, (int)i);
		assert_int_equal(j->state, i % 2 == 1 ? STORE_HELD :
		    STORE_QUEUED);
		assert_string_or_null_equal(j->group, jobs[i].group);
		store_job_free(j);
		assert_int_equal(store_events(f->q.s, ids[i], &ev, &nev, &cause),
		    0);
		assert_int_equal(nev, 1);
		assert_int_equal(ev[0].from, -1);
		assert_int_equal(ev[0].to, i % 2 == 1 ? STORE_HELD :
		    STORE_QUEUED);
		assert_string_equal(ev[0].reason, "submitted");
		store_events_free(ev, nev);
	}
}

/*
 * Jobs given their spec in two parts (spec_shared, then spec_json): one
 * group whose jobs share one pointer, others given equal bytes elsewhere,
 * a shared part that differs inside, a job given whole, own parts that
 * differ inside a UTF-8 character, and a job alone.  Each id reads back
 * its whole text, as given.
 */
static void
test_submit_split(void **state)
{
	struct fixture *f = *state;
	static const char shared[] = "{\"v\":1,\"note\":\"\xc3\xa9\xe2\x82\xac\"";
	static const char other[] = "{\"v\":1,\"note\":\"\xc3\xa9\xe2\x82\xac\"";
	static const char differs[] = "{\"v\":1,\"note\":\"\xc3\xa8\"";
	struct store_job_new jobs[70];
	struct store_job *j;
	int64_t ids[70];
	char own[70][64], whole[70][128], *cause = NULL;
	size_t i;

	memset(jobs, 0, sizeof jobs);
	for (i = 0; i < 70; i++) {
		/* \xc3\xa9 or \xc3\xa8: a character that differs in its
		 * second byte, after a common first. */
		snprintf(own[i], sizeof own[i], ",\"name\":\"s%zu\xc3%s\","
		    "\"i\":%zu}", i % 3, i % 2 ? "\xa9" : "\xa8", i);
		jobs[i].name = "s";
		jobs[i].namespace = "alice";
		jobs[i].owner = "alice";
		jobs[i].group = i == 69 ? NULL : i < 40 ? "one" : "two";
		jobs[i].group_kind = "sweep";
		jobs[i].gpu_type = "";
		jobs[i].replicas = 1;
		jobs[i].spec_shared = i % 10 == 7 ? other : i % 10 == 8 ?
		    differs : shared;
		jobs[i].spec_shared_len = strlen(jobs[i].spec_shared);
		jobs[i].spec_json = own[i];
		snprintf(whole[i], sizeof whole[i], "%s%s",
		    jobs[i].spec_shared, own[i]);
		if (i % 10 == 9) {
			/* Given whole, as before the split. */
			jobs[i].spec_shared = NULL;
			jobs[i].spec_shared_len = 0;
			jobs[i].spec_json = whole[i];
		}
	}
	/* The second group opens with a job whose shared part is not the
	 * one its others have. */
	jobs[40].spec_shared = differs;
	jobs[40].spec_shared_len = strlen(differs);
	snprintf(whole[40], sizeof whole[40], "%s%s", differs, own[40]);
	assert_int_equal(store_submit(f->q.s, jobs, 70, ids, &cause), 0);
	for (i = 0; i < 70; i++) {
		assert_int_equal(store_get(f->q.s, ids[i], &j, &cause), 0);
		assert_non_null(j);
		assert_string_equal(j->spec_json, whole[i]);
		store_job_free(j);
	}
}

/* store_row_fn: each job's params, in the order listed. */
static int
params_row(const struct store_row *r, void *arg)
{
	char **out = arg;
	size_t i;

	for (i = 0; out[i] != NULL; i++)
		;
	out[i] = xstrdup(r->params != NULL ? r->params : "-");
	return 0;
}

/*
 * A sweep stored in the layout before spec-emit.c moved the members no
 * row changes (shell, the maps, the group) before the name, as a queue
 * made by an older ailab-queue holds it, and the same sweep in the
 * layout after: each job reads back its whole text and its params (as
 * report reads them, from the job's own tail), and a job of the new
 * layout keeps only its name, command and params of its own.
 */
static void
test_submit_layouts(void **state)
{
	struct fixture *f = *state;
	static const char head[] = "{\"v\":1,\"image\":\"x\"";
	static const char fixed[] = ",\"shell\":true,\"env\":{},"
	    "\"labels\":{},\"annotations\":{},\"group\":\"%s\","
	    "\"group_kind\":\"sweep\"";
	struct store_filter flt = { .all = true };
	struct store_job_new jobs[40];
	struct store_job *j;
	sqlite3_stmt *st;
	int64_t ids[40];
	char own[40][192], whole[40][384], moved[2][160], *params[41];
	char *cause = NULL;
	const char *g, *tail;
	size_t i, k;

	memset(jobs, 0, sizeof jobs);
	snprintf(moved[0], sizeof moved[0], fixed, "old");
	snprintf(moved[1], sizeof moved[1], "%s", head);
	snprintf(moved[1] + strlen(head), sizeof moved[1] - strlen(head),
	    fixed, "new");
	for (i = 0; i < 40; i++) {
		g = i < 20 ? "old" : "new";
		/* Old: the name, the command, the fixed members; new:
		 * the command, the name. */
		if (i < 20)
			k = (size_t)snprintf(own[i], sizeof own[i], ",\"name\":"
			    "\"s-%zu\",\"command\":[\"run %zu\"]%s", i, i,
			    moved[0]);
		else
			k = (size_t)snprintf(own[i], sizeof own[i],
			    ",\"command\":[\"run %zu\"],\"name\":\"s-%zu\"",
			    i - 20, i - 20);
		assert_true(k < sizeof own[i]);
		assert_true(snprintf(own[i] + k, sizeof own[i] - k,
		    ",\"index\":%zu,\"params\":{\"a\":\"%zu\"}}", i % 20,
		    i % 20) < (int)(sizeof own[i] - k));
		jobs[i].name = "s";
		jobs[i].namespace = "alice";
		jobs[i].owner = "alice";
		jobs[i].group = g;
		jobs[i].group_kind = "sweep";
		jobs[i].gpu_type = "";
		jobs[i].replicas = 1;
		if (i < 20) {
			/* Given whole, as the older ailab-queue gave it. */
			assert_true(snprintf(whole[i], sizeof whole[i],
			    "%s%s", head, own[i]) < (int)sizeof whole[i]);
			jobs[i].spec_json = whole[i];
		} else {
			jobs[i].spec_shared = moved[1];
			jobs[i].spec_shared_len = strlen(moved[1]);
			jobs[i].spec_json = own[i];
			assert_true(snprintf(whole[i], sizeof whole[i],
			    "%s%s", moved[1], own[i]) < (int)sizeof whole[i]);
		}
	}
	assert_int_equal(store_submit(f->q.s, jobs, 40, ids, &cause), 0);
	assert_int_equal(sqlite3_prepare_v2(f->q.s->db, "SELECT spec FROM "
	    "jobs WHERE id = ?1", -1, &st, NULL), SQLITE_OK);
	for (i = 0; i < 40; i++) {
		assert_int_equal(store_get(f->q.s, ids[i], &j, &cause), 0);
		assert_non_null(j);
		assert_string_equal(j->spec_json, whole[i]);
		store_job_free(j);
		if (i % 20 == 0)
			continue;
		/* The tail stored: the old layout repeats the fixed
		 * members a job, the new one keeps them in the shared
		 * text alone. */
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, ids[i]);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		tail = (const char *)sqlite3_column_text(st, 0);
		if (i < 20)
			assert_non_null(strstr(tail, "\"group_kind\""));
		else {
			assert_null(strstr(tail, "\"group_kind\""));
			assert_null(strstr(tail, "\"shell\""));
			assert_true(strlen(tail) < 60);
		}
	}
	sqlite3_finalize(st);
	/* Each job's params, whichever layout, as report lists them. */
	for (g = "old"; g != NULL; g = strcmp(g, "old") == 0 ? "new" : NULL) {
		memset(params, 0, sizeof params);
		flt.group = g;
		assert_int_equal(store_list_each(f->q.s, &flt,
		    STORE_ROW_PARAMS, params_row, params, &cause), 0);
		for (i = 0; i < 20; i++) {
			snprintf(own[i], sizeof own[i], "{\"a\":\"%zu\"}", i);
			assert_non_null(params[i]);
			assert_string_equal(params[i], own[i]);
			free(params[i]);
		}
		assert_null(params[20]);
	}
}

/*
 * Statements of STORE_INSERT_ROWS and more, whose rows hold jobs that
 * differ from the job the same row held in the statement before
 * (the values a sweep's jobs share are bound again only when they
 * change): another owner, namespace, state, priority, GPU type, memory,
 * a job without a group among jobs with one, another group and its
 * shared text.  Each job reads back as given.
 */
#define NSLOTS (STORE_INSERT_BIG + 40)
static void
test_submit_slots(void **state)
{
	struct fixture *f = *state;
	static struct store_job_new jobs[NSLOTS];
	static char names[NSLOTS][16], own[NSLOTS][48], whole[NSLOTS][96];
	static const char shared[] = "{\"v\":1,\"image\":\"x\"";
	struct store_job *j;
	int64_t ids[NSLOTS];
	char *cause = NULL;
	size_t i, r;

	memset(jobs, 0, sizeof jobs);
	for (i = 0; i < NSLOTS; i++) {
		/* In the second statement, rows 3, 7, 9, 20, 30 and 40
		 * hold a job unlike the one they held in the first. */
		r = i > STORE_INSERT_ROWS && i < 2 * STORE_INSERT_ROWS ?
		    i % STORE_INSERT_ROWS : 0;
		snprintf(names[i], sizeof names[i], "s%zu", i);
		snprintf(own[i], sizeof own[i], ",\"name\":\"%s\"}", names[i]);
		jobs[i].name = names[i];
		jobs[i].namespace = r == 40 ? "bob" : "alice";
		jobs[i].owner = r == 7 ? "carol" : "alice";
		jobs[i].group_owner = "alice";
		/* A job without a group, then another group (and its
		 * shared text), in the second and third. */
		jobs[i].group = i == 250 || i == 380 ? NULL : i < 300 ? "ga" :
		    "gb";
		jobs[i].group_kind = "sweep";
		jobs[i].priority = r == 20 ? 7 : 5;
		jobs[i].gpu_type = r == 9 ? "" : "RTX4090D";
		jobs[i].gpu_count = 1;
		jobs[i].replicas = 1;
		jobs[i].memory_bytes = r == 30 ? 2 : 1;
		jobs[i].held = r == 3;
		jobs[i].spec_shared = shared;
		jobs[i].spec_shared_len = strlen(shared);
		jobs[i].spec_json = own[i];
		snprintf(whole[i], sizeof whole[i], "%s%s", shared, own[i]);
	}
	assert_int_equal(store_submit(f->q.s, jobs, NSLOTS, ids, &cause), 0);
	for (i = 0; i < NSLOTS; i++) {
		assert_int_equal(store_get(f->q.s, ids[i], &j, &cause), 0);
		assert_non_null(j);
		assert_string_equal(j->name, names[i]);
		assert_string_equal(j->namespace, jobs[i].namespace);
		assert_string_equal(j->owner, jobs[i].owner);
		assert_string_or_null_equal(j->group, jobs[i].group);
		assert_int_equal(j->state, jobs[i].held ? STORE_HELD :
		    STORE_QUEUED);
		assert_int_equal(j->priority, jobs[i].priority);
		assert_string_equal(j->gpu_type, jobs[i].gpu_type);
		assert_int_equal(j->memory_bytes, jobs[i].memory_bytes);
		assert_string_equal(j->spec_json, whole[i]);
		store_job_free(j);
	}
	/* Each shared text counts the jobs that point at it. */
	assert_int_equal(store_fixture_int(f->q.s, "SELECT count(*) FROM "
	    "specs s WHERE refs <> (SELECT count(*) FROM jobs WHERE "
	    "spec_base = s.id)"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		store_fixture_test_with(test_hold_many, setup),
		store_fixture_test_with(test_retry_and_request, setup),
		store_fixture_test_with(test_submit_rows, setup),
		store_fixture_test_with(test_submit_split, setup),
		store_fixture_test_with(test_submit_layouts, setup),
		store_fixture_test_with(test_submit_slots, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
