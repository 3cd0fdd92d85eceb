/* Unit tests for store/'s database file: migrations from every older
 * schema, files that are not ours, damage, concurrent writers and
 * openers, the scheduler lock across links, which processes map it,
 * checkpoints deferred. */
#include <sys/stat.h>
#include <sys/wait.h>
#include "unit.h"
#include "store-int.h"
#include "store-fixture.h"

/* A file that schema VERSION wrote, SQL run on it at that version, then
 * opened (migrated) by this build: the store, at the current version. */
static struct store *
migrated(struct store_fixture *f, int version, const char *sql)
{
	char *cause = NULL, *path = xprintf("%s/v%d.db", f->dir, version);
	struct store *s;

	assert_int_equal(store_open_version(path, version, &s, &cause), 0);
	assert_int_equal(store_user_version(s), version);
	assert_int_equal(store_exec(s, sql, &cause), 0);
	store_close(s);
	assert_int_equal(store_open(path, &s, &cause), 0);
	assert_int_equal(store_user_version(s), STORE_SCHEMA_VERSION);
	free(path);
	return s;
}

/* A file written by schema version 1 is migrated with its jobs intact. */
static void
test_migrate_from_v1(void **state)
{
	struct store_fixture *f = *state;
	struct store *s;
	struct store_job *j;
	struct store_event *ev;
	size_t nev;
	char *cause = NULL;

	/* As version 1 wrote them: this build's insert needs later columns. */
	s = migrated(f, 1, "INSERT INTO jobs (name, namespace, "
	    "owner, state, priority, gpu_type, gpu_count, replicas, cpu_milli, "
	    "memory_bytes, spec, submitted_at, updated_at) VALUES "
	    "('old1', 'alice', 'alice', 'queued', 500, 'RTX4090D', 1, 2, 8000, "
	    "17179869184, '{\"v\":1}', 1, 1), ('old2', 'alice', 'alice', "
	    "'queued', 500, 'RTX4090D', 1, 2, 8000, 17179869184, "
	    "'{\"v\":2}', 1, 1); INSERT INTO events (job_id, at, from_state, "
	    "to_state, reason) VALUES (1, 1, NULL, 'queued', 'submitted'), "
	    "(2, 1, NULL, 'queued', 'submitted')");
	assert_int_equal(store_get(s, 2, &j, &cause), 0);
	assert_non_null(j);
	assert_string_equal(j->name, "old2");
	assert_string_equal(j->spec_json, "{\"v\":2}");
	assert_int_equal(j->attempts, 0);
	assert_int_equal(j->started_at, 0);
	store_job_free(j);
	assert_int_equal(store_events(s, 2, &ev, &nev, &cause), 0);
	assert_int_equal(nev, 1);
	store_events_free(ev, nev);
	/* And it keeps working at the new version. */
	store_fixture_move(s, 2, STORE_HELD, "h");
	store_close(s);
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
	struct store_fixture *f = *state;
	struct store_job_new jn[3] = {
		store_fixture_job("a"), store_fixture_job("b"),
		store_fixture_job("c") };
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
	store_fixture_move(s, ids[2], STORE_HELD, "h");
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
	store_fixture_move(s, ids[0], STORE_ADMITTED, "a");
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
	struct store_fixture *f = *state;
	struct store_job_new more[1] = { store_fixture_job("d") };
	struct store_filter flt = { .all = true, .group = "hw1" };
	struct store_job **jobs;
	struct store *s;
	size_t n, i;
	int64_t id;
	char *cause = NULL;

	/* As version 8 wrote them: a group found by name alone, so bob's
	 * job joined alice's "hw1". */
	s = migrated(f, 8, "INSERT INTO groups (id, name, kind, "
	    "created_at) VALUES (1, 'hw1', 'roster', 1), (2, 'gone', 'batch', "
	    "1); INSERT INTO jobs (name, namespace, owner, group_id, state, "
	    "priority, gpu_type, gpu_count, replicas, cpu_milli, memory_bytes, "
	    "spec, submitted_at, updated_at) VALUES "
	    "('a', 'alice', 'alice', 1, 'queued', 500, '', 0, 1, 1, 1, '{}', "
	    "1, 1), ('b', 'alice', 'alice', 1, 'queued', 500, '', 0, 1, 1, 1, "
	    "'{}', 1, 1), ('c', 'bob', 'bob', 1, 'queued', 500, '', 0, 1, 1, "
	    "1, '{}', 1, 1)");
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
	assert_cause(cause, "'hw1' already has 1 of your jobs");
	/* Naming another group owner (a co-TA's class group) checks and
	 * joins theirs. */
	more[0].group_owner = "bob";
	assert_int_equal(store_check_groups(s, more, 1, &cause), -1);
	assert_cause(cause, "already has 1 ");
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
	assert_int_equal(store_fixture_count(s, &flt), 5);

	/* after: group:hw1 resolves within the submitter's own groups. */
	more[0] = store_fixture_job("e");
	more[0].owner = "dave";
	more[0].spec_json = "{\"after\":[\"group:hw1\"],\"v\":1}";
	assert_int_equal(store_check_after(s, more, 1, &cause), -1);
	assert_cause(cause, "'group:hw1' is not one of your "
	    "groups");
	more[0].owner = "bob";
	assert_int_equal(store_check_after(s, more, 1, &cause), 0);
	store_close(s);
}

/* Migration 10: a version 9 file, two groups sharing a spec text each
 * and jobs in every cleanup state, gains the count of each text's jobs
 * (a text deleted with its last job, not before), the index of jobs not
 * cleaned only (counts and the scheduler's read unchanged), and no
 * index of spec_base. */
static void
test_migrate_spec_refs(void **state)
{
	struct store_fixture *f = *state;
	struct store_counts c;
	struct store_job *j;
	struct store *s;
	size_t n;
	char *cause = NULL;

	/* As version 9 wrote them: texts 1 (jobs 1-3) and 2 (job 4), job 5
	 * with its whole spec; 1 and 4 ended and cleaned, 2 running, 3
	 * failed and not cleaned. */
	s = migrated(f, 9, "INSERT INTO specs (id, spec) VALUES "
	    "(1, '{\"a\":1,\"b\":'), (2, '{\"c\":'); "
	    "INSERT INTO jobs (name, namespace, owner, state, cleaned, "
	    "priority, gpu_type, gpu_count, replicas, cpu_milli, "
	    "memory_bytes, spec, submitted_at, updated_at, spec_base, "
	    "spec_prefix) VALUES "
	    "('a', 'alice', 'alice', 'succeeded', 1, 500, '', 0, 1, 1, 1, "
	    "'1}', 1, 1, 1, 11), "
	    "('b', 'alice', 'alice', 'running', 0, 500, '', 0, 1, 1, 1, "
	    "'2}', 1, 1, 1, 11), "
	    "('c', 'alice', 'alice', 'failed', 0, 500, '', 0, 1, 1, 1, "
	    "'3}', 1, 1, 1, 11), "
	    "('d', 'alice', 'alice', 'cancelled', 1, 500, '', 0, 1, 1, 1, "
	    "'4}', 1, 1, 2, 5), "
	    "('e', 'alice', 'alice', 'queued', 1, 500, '', 0, 1, 1, 1, "
	    "'{\"e\":5}', 1, 1, NULL, 0)");
	assert_int_equal(store_fixture_int(s, "SELECT refs FROM specs "
	    "WHERE id = 1"), 3);
	assert_int_equal(store_fixture_int(s, "SELECT refs FROM specs "
	    "WHERE id = 2"), 1);
	assert_int_equal(store_fixture_int(s, "SELECT count(*) FROM "
	    "sqlite_schema WHERE name IN ('jobs_spec_base', "
	    "'jobs_spec_gone')"), 0);
	assert_int_equal(store_fixture_int(s, "SELECT count(*) FROM "
	    "sqlite_schema WHERE name = 'jobs_cleanup' AND sql LIKE "
	    "'%WHERE cleaned = 0'"), 1);
	/* The IN lists of the state CHECK and of jobs_active's predicate
	 * said with ORs; the CHECK still refuses a state no version
	 * writes, and the file is sound. */
	assert_int_equal(store_fixture_int(s, "SELECT count(*) FROM "
	    "sqlite_schema WHERE sql LIKE '%state IN (%'"), 0);
	assert_int_equal(store_fixture_int(s, "SELECT count(*) FROM "
	    "sqlite_schema WHERE name = 'jobs' AND sql LIKE '%CHECK (state = "
	    "''queued'' OR %'"), 1);
	assert_int_equal(store_exec(s, "UPDATE jobs SET state = 'lost' "
	    "WHERE id = 5", &cause), -1);
	assert_cause(cause, "CHECK constraint failed");
	assert_int_equal(store_fixture_int(s, "SELECT count(*) FROM "
	    "pragma_integrity_check WHERE integrity_check = 'ok'"), 1);
	assert_int_equal(store_get(s, 3, &j, &cause), 0);
	assert_string_equal(j->spec_json, "{\"a\":1,\"b\":3}");
	store_job_free(j);
	assert_int_equal(store_count(s, &c, &cause), 0);
	assert_int_equal(c.n[STORE_SUCCEEDED], 1);
	assert_int_equal(c.n[STORE_RUNNING], 1);
	assert_int_equal(c.n[STORE_FAILED], 1);
	assert_int_equal(c.n[STORE_CANCELLED], 1);
	assert_int_equal(c.n[STORE_QUEUED], 1);
	assert_int_equal(c.uncleaned, 1);

	/* Jobs 1 and 4 are pruned: text 2 goes with its one job, text 1
	 * stays for jobs 2 and 3, then goes with the last of them. */
	assert_int_equal(store_prune(s, now_ms() + 1000, false, &n, &cause),
	    0);
	assert_int_equal(n, 2);
	assert_int_equal(store_fixture_int(s, "SELECT count(*) FROM specs "
	    "WHERE id = 2"), 0);
	assert_int_equal(store_fixture_int(s, "SELECT refs FROM specs "
	    "WHERE id = 1"), 2);
	assert_int_equal(store_get(s, 2, &j, &cause), 0);
	assert_string_equal(j->spec_json, "{\"a\":1,\"b\":2}");
	store_job_free(j);
	assert_int_equal(store_exec(s, "DELETE FROM jobs WHERE id = 2",
	    &cause), 0);
	assert_int_equal(store_fixture_int(s, "SELECT refs FROM specs "
	    "WHERE id = 1"), 1);
	assert_int_equal(store_exec(s, "DELETE FROM jobs WHERE id = 3",
	    &cause), 0);
	assert_int_equal(store_fixture_int(s, "SELECT count(*) FROM specs"),
	    0);
	store_close(s);
}

/* A migration that fails part way (here a version 9 file whose
 * jobs_spec_base someone dropped, which step 10 drops after it has
 * already rewritten the state CHECK, remade jobs_active and
 * jobs_cleanup and added specs.refs) leaves the file at version 9 as it
 * was: each step is one transaction. */
static void
test_migrate_fails_whole(void **state)
{
	struct store_fixture *f = *state;
	struct store *s;
	char *cause = NULL, *path;

	path = xprintf("%s/v9.db", f->dir);
	assert_int_equal(store_open_version(path, 9, &s, &cause), 0);
	assert_int_equal(store_exec(s, "DROP INDEX jobs_spec_base", &cause),
	    0);
	store_close(s);
	assert_int_equal(store_open(path, &s, &cause), -1);
	assert_cause(cause, "jobs_spec_base");
	assert_int_equal(store_open_version(path, 9, &s, &cause), 0);
	assert_int_equal(store_user_version(s), 9);
	assert_int_equal(store_fixture_int(s, "SELECT count(*) FROM "
	    "pragma_table_info('specs') WHERE name = 'refs'"), 0);
	assert_int_equal(store_fixture_int(s, "SELECT count(*) FROM "
	    "sqlite_schema WHERE name = 'jobs_cleanup' AND sql = 'CREATE "
	    "INDEX jobs_cleanup ON jobs(cleaned, state)'"), 1);
	assert_int_equal(store_fixture_int(s, "SELECT count(*) FROM "
	    "sqlite_schema WHERE name IN ('jobs', 'jobs_active') AND sql "
	    "LIKE '%state IN (%'"), 2);
	store_close(s);
	free(path);
}

/* An empty file and a fresh path both become a current database, 0600. */
static void
test_migrate_from_empty(void **state)
{
	struct store_fixture *f = *state;
	struct stat st;
	struct store *s;
	char *cause = NULL, *path;

	path = xprintf("%s/empty.db", f->dir);
	unit_write(path, "");
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
	struct store_fixture *f = *state;
	struct store *s = NULL, *other;
	char *cause = NULL, *path, *path2, buf[64];
	FILE *fp;

	path = xprintf("%s/text.db", f->dir);
	unit_write(path, "this is not a database, just some text\n");
	assert_int_equal(store_open(path, &s, &cause), -1);
	assert_null(s);
	assert_cause(cause, "not an ailab-queue database");
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
	assert_cause(cause, "another program");
	free(path);
	free(path2);
}

/* Writers in several processes at once: every job recorded, ids unique. */
static void
test_concurrent_writers(void **state)
{
	struct store_fixture *f = *state;
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
			struct store_job_new j = store_fixture_job("w");
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


/* Whether this process has the file mapped (from /proc/self/maps). */
static int
maps_file(const char *path)
{
	char line[4096], *at;
	size_t n = strlen(path);
	FILE *f = fopen("/proc/self/maps", "r");
	int found = 0;

	assert_non_null(f);
	while (fgets(line, sizeof line, f) != NULL) {
		if ((at = strchr(line, '/')) != NULL &&
		    strncmp(at, path, n) == 0 && (at[n] == '\n' || at[n] == ' '))
			found = 1;
	}
	fclose(f);
	return found;
}

/* A command reads the queue through a map; a scheduler or server, which
 * lives long and keeps what it needs in memory, does not map it: every
 * page it touched would stay resident for its lifetime. */
static void
test_long_lived_unmapped(void **state)
{
	struct store_fixture *f = *state;
	struct store_filter flt = { .all = true };
	struct store_job_new j = store_fixture_job("m");
	enum store_use uses[] = { STORE_USE_SCHEDULER, STORE_USE_SERVER };
	size_t n, u;
	int64_t id;

	for (n = 0; n < 20; n++)
		assert_int_equal(store_submit(f->s, &j, 1, &id, NULL), 0);
	store_fixture_count(f->s, &flt);
	assert_int_equal(maps_file(f->path), 1);
	for (u = 0; u < nitems(uses); u++) {
		store_close(f->s);
		f->s = NULL;
		assert_int_equal(maps_file(f->path), 0);
		assert_int_equal(store_open(f->path, &f->s, NULL), 0);
		assert_int_equal(store_set_use(f->s, uses[u], NULL), 0);
		assert_int_equal(store_fixture_count(f->s, &flt), 20);
		assert_int_equal(maps_file(f->path), 0);
	}
}

/* The bytes of the queue's write-ahead log. */
static off_t
wal_size(const char *path)
{
	struct stat st;
	char wal[128];

	snprintf(wal, sizeof wal, "%s-wal", path);
	return stat(wal, &st) == 0 ? st.st_size : -1;
}

/* A checkpoint deferred (the scheduler's intake replies first) is not run
 * by the commits that fill the log, and store_checkpoint_due runs it; a
 * store that does not defer runs it at the commit, as before. */
static void
test_checkpoint_deferred(void **state)
{
	struct store_fixture *f = *state;
	struct store_job_new j = store_fixture_job("c");
	off_t grown;
	int64_t id;
	size_t n;

	store_checkpoint_defer(f->s, true);
	for (n = 0; n < 40; n++)
		assert_int_equal(store_submit(f->s, &j, 1, &id, NULL), 0);
	store_checkpoint_defer(f->s, false);
	grown = wal_size(f->path);
	/* Past the 64 frames of 4 KiB at which a commit checkpoints. */
	assert_true(grown > 64 * 4096);
	store_checkpoint_due(f->s);
	assert_int_equal(wal_size(f->path), 0);
	store_checkpoint_due(f->s);
	for (n = 0; n < 40; n++)
		assert_int_equal(store_submit(f->s, &j, 1, &id, NULL), 0);
	assert_true(wal_size(f->path) < grown);
	assert_int_equal(store_fixture_int(f->s,
	    "SELECT count(*) FROM jobs"), 80);
}

/* The scheduler lock belongs to the database file, not to a name: a
 * symbolic link finds it held; a second hard link is refused. */
static void
test_lock_links(void **state)
{
	struct store_fixture *f = *state;
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
	assert_cause(cause, "has 2 names (hard links)");
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
	struct store_fixture *f = *state;
	struct store_job_new j = store_fixture_job("a");
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
	assert_cause(cause, "queue.db: listing jobs: the queue "
	    "database is damaged: job 1 has no valid state (SQLITE_CORRUPT)");
	assert_int_equal(store_get(f->s, id, &job, &cause), -1);
	assert_null(job);
	free(cause);
	assert_int_equal(store_events(f->s, id, &ev, &n, &cause), -1);
	free(cause);
	assert_int_equal(store_count(f->s, &c, &cause), -1);
	free(cause);
	assert_int_equal(store_transition(f->s, id, 0, STORE_HELD, "x",
	    &cause), -1);
	assert_cause(cause, "SQLITE_CORRUPT");

	/* A column the statements name is gone. */
	assert_int_equal(store_exec(f->s, "ALTER TABLE jobs RENAME COLUMN "
	    "position TO place", &cause), 0);
	store_close(f->s);
	assert_int_equal(store_open(f->path, &f->s, &cause), 0);
	assert_int_equal(store_list(f->s, &all, &jobs, &n, &cause), -1);
	assert_cause(cause, "listing jobs: the queue database is "
	    "damaged: no such column: j.position (SQLITE_CORRUPT)");
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
	struct store_fixture *f = *state;
	struct store_job_new j = store_fixture_job("r");
	struct store_filter all = { .all = true };
	struct store *s;
	struct stat sb;
	char *path, *cause = NULL;
	int64_t id;
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
		assert_int_equal(store_fixture_count(s, &all), 20);
		store_close(s);
		assert_int_equal(stat(path, &sb), 0);
		assert_int_equal(sb.st_mode & 0777, 0600);
		free(path);
	}
	assert_int_equal(bad, 0);
}

/* Runs the tests of the database file. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		store_fixture_test(test_migrate_from_v1),
		store_fixture_test(test_migrate_est_start),
		store_fixture_test(test_migrate_group_owner),
		store_fixture_test(test_migrate_spec_refs),
		store_fixture_test(test_migrate_fails_whole),
		store_fixture_test(test_migrate_from_empty),
		store_fixture_test(test_refuse_foreign),
		store_fixture_test(test_concurrent_writers),
		store_fixture_test(test_long_lived_unmapped),
		store_fixture_test(test_checkpoint_deferred),
		store_fixture_test(test_lock_links),
		store_fixture_test(test_damaged),
		store_fixture_test(test_create_race),
	};

	return cmocka_run_group_tests_name("store-file", tests, NULL, NULL);
}
