#include "store-int.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* 'AQLQ': marks a SQLite file as an ailab-queue database. */
#define STORE_APPLICATION_ID 0x41514c51
/* How long a call keeps retrying while other processes hold the lock. */
#define STORE_BUSY_TIMEOUT_MS 5000
#define STORE_RETRY_TOTAL_MS 120000
#define STORE_SERVER_BUSY_MS 1000
/* WAL frames (pages) that trigger a checkpoint: about 256 KiB. */
#define STORE_WAL_FRAMES 64

/*
 * The schema, one migration per version.  Never edit a released step: add
 * the next one.  Each runs inside the transaction that bumps user_version.
 */
static const char *const store_migrations[] = {
	/* 1: jobs, groups and the append-only event log. */
	"CREATE TABLE groups ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  name TEXT NOT NULL UNIQUE,"
	"  kind TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL);"
	"CREATE TABLE jobs ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  name TEXT NOT NULL,"
	"  namespace TEXT NOT NULL,"
	"  owner TEXT NOT NULL,"
	"  group_id INTEGER REFERENCES groups(id),"
	"  state TEXT NOT NULL CHECK (state IN ('queued','held','admitted',"
	"    'running','succeeded','failed','cancelled','timed_out')),"
	"  reason TEXT NOT NULL DEFAULT '',"
	"  cleaned INTEGER NOT NULL DEFAULT 0,"
	"  cancel_requested INTEGER NOT NULL DEFAULT 0,"
	"  priority INTEGER NOT NULL,"
	"  gpu_type TEXT NOT NULL,"
	"  gpu_count INTEGER NOT NULL,"
	"  replicas INTEGER NOT NULL,"
	"  cpu_milli INTEGER NOT NULL,"
	"  memory_bytes INTEGER NOT NULL,"
	"  spec TEXT NOT NULL,"
	"  submitted_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL);"
	"CREATE TABLE events ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,"
	"  at INTEGER NOT NULL,"
	"  from_state TEXT,"
	"  to_state TEXT NOT NULL,"
	"  reason TEXT NOT NULL DEFAULT '');",

	/* 2: run times and attempts for the scheduler; indexes for lists. */
	"ALTER TABLE jobs ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE jobs ADD COLUMN started_at INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE jobs ADD COLUMN finished_at INTEGER NOT NULL DEFAULT 0;"
	"CREATE INDEX jobs_state ON jobs(state, priority DESC, id);"
	"CREATE INDEX jobs_group ON jobs(group_id);"
	"CREATE INDEX events_job ON events(job_id, id);",

	/* 3: what the scheduler records: the type run on, exit codes, retry
	 * backoff, archived replicas and logs, fair-share usage, watch
	 * positions. */
	"ALTER TABLE jobs ADD COLUMN run_gpu_type TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE jobs ADD COLUMN exit_code INTEGER;"
	"ALTER TABLE jobs ADD COLUMN not_before INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE jobs ADD COLUMN admitted_at INTEGER NOT NULL DEFAULT 0;"
	"CREATE INDEX jobs_cleanup ON jobs(cleaned, state);"
	"CREATE TABLE replicas ("
	"  job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,"
	"  attempt INTEGER NOT NULL,"
	"  rank INTEGER NOT NULL,"
	"  node TEXT NOT NULL DEFAULT '',"
	"  exit_code INTEGER,"
	"  reason TEXT NOT NULL DEFAULT '',"
	"  log BLOB,"
	"  log_truncated INTEGER NOT NULL DEFAULT 0,"
	"  archived_at INTEGER NOT NULL,"
	"  PRIMARY KEY (job_id, attempt, rank));"
	"CREATE TABLE usage ("
	"  owner TEXT PRIMARY KEY,"
	"  gpu_ms REAL NOT NULL,"
	"  at INTEGER NOT NULL);"
	"CREATE TABLE meta ("
	"  key TEXT PRIMARY KEY,"
	"  value TEXT NOT NULL);",

	/* 4: each waiting job's place in the scheduler's order, for 'why'. */
	"ALTER TABLE jobs ADD COLUMN position INTEGER NOT NULL DEFAULT 0;",

	/* 5: where an admitted job was placed (a node per rank, so that its
	 * capacity stays taken before its pods exist) and how long its last
	 * run took on the cluster's clock (run-time estimates). */
	"ALTER TABLE jobs ADD COLUMN run_nodes TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE jobs ADD COLUMN run_ms INTEGER NOT NULL DEFAULT 0;"
	"CREATE INDEX jobs_runs ON jobs(finished_at) WHERE run_ms > 0;",

	/* 6: the default listing (active jobs by id, what `ls` and a server
	 * page show) read in id order from an index of active jobs alone,
	 * not sorted out of every job the queue ever held; it holds the
	 * columns `ls` prints, so its table never reads a row (and its
	 * spec).  The jobs of a sweep or roster share one spec text but
	 * for their last bytes: a job may keep only what follows the first
	 * spec_prefix characters of a shared text in specs (STORE_SPEC_SQL
	 * joins them); the last job to go takes the shared text along.
	 * Older jobs keep their whole spec, and read as before. */
	"CREATE INDEX jobs_active ON jobs(id, state, name, namespace, owner, "
	"group_id, reason, cancel_requested, priority, gpu_type, gpu_count, "
	"replicas, submitted_at) "
	"WHERE state IN ('queued','held','admitted','running');"
	"CREATE TABLE specs ("
	"  id INTEGER PRIMARY KEY,"
	"  spec TEXT NOT NULL);"
	"ALTER TABLE jobs ADD COLUMN spec_base INTEGER REFERENCES specs(id);"
	"ALTER TABLE jobs ADD COLUMN spec_prefix INTEGER NOT NULL DEFAULT 0;"
	"CREATE INDEX jobs_spec_base ON jobs(spec_base) "
	"WHERE spec_base IS NOT NULL;"
	"CREATE TRIGGER jobs_spec_gone AFTER DELETE ON jobs "
	"WHEN old.spec_base IS NOT NULL AND NOT EXISTS (SELECT 1 FROM jobs "
	"  WHERE spec_base = old.spec_base) "
	"BEGIN DELETE FROM specs WHERE id = old.spec_base; END;",

	/* 7: a change counter, so that a long-lived scheduler reads only the
	 * jobs changed since its last pass, by whatever process changed them:
	 * every update of a job (but of its reason and queue position alone,
	 * which the scheduler writes itself) takes the next value of
	 * job_seq.seq into change_seq, and every deletion leaves its id in
	 * jobs_gone with the value it took.  Inserts need none: ids only
	 * grow, so a new job is one above the highest id already read. */
	"ALTER TABLE jobs ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;"
	"CREATE INDEX jobs_change ON jobs(change_seq) WHERE change_seq > 0;"
	"CREATE TABLE job_seq ("
	"  one INTEGER PRIMARY KEY CHECK (one = 1),"
	"  seq INTEGER NOT NULL);"
	"INSERT INTO job_seq (one, seq) VALUES (1, 0);"
	"CREATE TABLE jobs_gone ("
	"  id INTEGER PRIMARY KEY,"
	"  seq INTEGER NOT NULL);"
	"CREATE TRIGGER jobs_changed AFTER UPDATE OF name, namespace, owner,"
	"  group_id, state, cleaned, cancel_requested, priority, gpu_type,"
	"  gpu_count, replicas, cpu_milli, memory_bytes, spec, submitted_at,"
	"  updated_at, attempts, started_at, finished_at, run_gpu_type,"
	"  exit_code, not_before, admitted_at, run_nodes, run_ms ON jobs "
	"BEGIN"
	"  UPDATE job_seq SET seq = seq + 1;"
	"  UPDATE jobs SET change_seq = (SELECT seq FROM job_seq)"
	"    WHERE id = NEW.id;"
	"END;"
	"CREATE TRIGGER jobs_deleted AFTER DELETE ON jobs "
	"BEGIN"
	"  UPDATE job_seq SET seq = seq + 1;"
	"  INSERT OR REPLACE INTO jobs_gone (id, seq)"
	"    SELECT OLD.id, seq FROM job_seq;"
	"END;",

	/* 8: a waiting job's estimated start (ms, the cluster's clock as the
	 * scheduler reads it), NULL when the scheduler expects none: written
	 * with the reason and position (so, like them, it counts no change),
	 * cleared when the job leaves the queue.  The index of active jobs
	 * is made again to hold it, so that `ls` still reads no row.  A
	 * reservation's reason is emptied, so that the next pass, finding
	 * it changed, writes its estimate too. */
	"ALTER TABLE jobs ADD COLUMN est_start INTEGER;"
	"DROP INDEX jobs_active;"
	"CREATE INDEX jobs_active ON jobs(id, state, name, namespace, owner, "
	"group_id, reason, cancel_requested, priority, gpu_type, gpu_count, "
	"replicas, submitted_at, est_start) "
	"WHERE state IN ('queued','held','admitted','running');"
	"UPDATE jobs SET reason = '' WHERE state = 'queued' AND "
	"reason LIKE 'reserved on %';",

	/* 9: groups scoped by owner: two owners may each have a group "hw1",
	 * unique per (owner, name).  The table is made again (SQLite cannot
	 * drop a column's UNIQUE); foreign keys are deferred so that the
	 * jobs pointing at it are checked at commit, when every id is back.
	 * A group's owner is its first job's; a group that held jobs of
	 * several owners (names collided) is split, one group per owner,
	 * each keeping the name, kind and creation time. */
	"PRAGMA defer_foreign_keys = ON;"
	"CREATE TABLE groups_v8 AS SELECT * FROM groups;"
	"DROP TABLE groups;"
	"CREATE TABLE groups ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  owner TEXT NOT NULL,"
	"  name TEXT NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  UNIQUE (owner, name));"
	"CREATE INDEX groups_name ON groups(name);"
	"INSERT INTO groups (id, owner, name, kind, created_at) "
	"  SELECT g.id, coalesce((SELECT j.owner FROM jobs j WHERE "
	"  j.group_id = g.id ORDER BY j.id LIMIT 1), ''), g.name, g.kind, "
	"  g.created_at FROM groups_v8 g;"
	"INSERT INTO groups (owner, name, kind, created_at) "
	"  SELECT DISTINCT j.owner, g.name, g.kind, g.created_at FROM jobs j "
	"  JOIN groups g ON g.id = j.group_id WHERE j.owner <> g.owner;"
	"UPDATE jobs SET group_id = (SELECT n.id FROM groups n WHERE "
	"  n.owner = jobs.owner AND n.name = (SELECT o.name FROM groups o "
	"  WHERE o.id = jobs.group_id)) "
	"  WHERE group_id IS NOT NULL AND owner <> (SELECT o.owner FROM "
	"  groups o WHERE o.id = jobs.group_id);"
	"DROP TABLE groups_v8;",

	/* 10: less work a job inserted, as a submission does it 10,000
	 * times a sweep.  A list after IN in a CHECK constraint or an
	 * index's WHERE is built into a temporary b-tree for every row
	 * written (four to eight inserts, then a page cleared), where a
	 * WHERE clause builds it once: the state CHECK and the predicate
	 * of jobs_active say the same with ORs.  The CHECK is rewritten in
	 * the schema text, as SQLite documents for a change that leaves
	 * the stored rows as they are (lang_altertable.html, "Making Other
	 * Kinds Of Table Schema Changes"), before the DDL below bumps the
	 * schema cookie; the index is made again (its rows are the same).
	 * Readers name the predicate as STORE_ACTIVE_SQL does.  And fewer
	 * index entries a job: jobs_cleanup holds only the jobs whose
	 * cluster objects remain (cleaned = 0: admitted and not yet cleaned
	 * up), which a new job, inserted with cleaned = 1, is not; what it
	 * served for every job (counts by state, prune) jobs_state serves;
	 * cleaned stays its first column, so that a term "cleaned = 0" in
	 * an OR (the scheduler's read) still finds it.  jobs_spec_base
	 * gives way to a count of the jobs sharing a spec text
	 * (specs.refs, raised once a submission, lowered by the deletion
	 * of each), so the last job to go still takes the text along
	 * without a search; that is done by jobs_deleted, one trigger
	 * fewer to parse at each process's first statement (a job without
	 * a shared text matches no row of specs). */
	"PRAGMA writable_schema = ON;"
	"UPDATE sqlite_schema SET sql = replace(sql, 'CHECK (state IN "
	"(''queued'',''held'',''admitted'',    ''running'',''succeeded'',"
	"''failed'',''cancelled'',''timed_out''))', 'CHECK (state = "
	"''queued'' OR state = ''held'' OR state = ''admitted'' OR "
	"state = ''running'' OR state = ''succeeded'' OR state = "
	"''failed'' OR state = ''cancelled'' OR state = ''timed_out'')') "
	"WHERE type = 'table' AND name = 'jobs';"
	"PRAGMA writable_schema = OFF;"
	"DROP INDEX jobs_active;"
	"CREATE INDEX jobs_active ON jobs(id, state, name, namespace, owner, "
	"group_id, reason, cancel_requested, priority, gpu_type, gpu_count, "
	"replicas, submitted_at, est_start) "
	"WHERE state = 'queued' OR state = 'held' OR state = 'admitted' OR "
	"state = 'running';"
	"DROP INDEX jobs_cleanup;"
	"CREATE INDEX jobs_cleanup ON jobs(cleaned, state) WHERE cleaned = 0;"
	"ALTER TABLE specs ADD COLUMN refs INTEGER NOT NULL DEFAULT 0;"
	"UPDATE specs SET refs = (SELECT count(*) FROM jobs "
	"  WHERE spec_base = specs.id);"
	"DELETE FROM specs WHERE refs = 0;"
	"DROP TRIGGER jobs_spec_gone;"
	"DROP INDEX jobs_spec_base;"
	"DROP TRIGGER jobs_deleted;"
	"CREATE TRIGGER jobs_deleted AFTER DELETE ON jobs "
	"BEGIN"
	"  UPDATE job_seq SET seq = seq + 1;"
	"  INSERT OR REPLACE INTO jobs_gone (id, seq)"
	"    SELECT OLD.id, seq FROM job_seq;"
	"  UPDATE specs SET refs = refs - 1 WHERE id = OLD.spec_base;"
	"  DELETE FROM specs WHERE id = OLD.spec_base AND refs <= 0;"
	"END;",
};

/* The scheduler's columns of a job, for its whole read (STMT_SCHED_JOBS)
 * and both halves of the delta read. */
#define STORE_DELTA_SELECT \
	"SELECT j.id, j.name, j.namespace, j.owner, g.name, j.state, " \
	"j.reason, j.cleaned, j.cancel_requested, j.priority, j.gpu_type, " \
	"j.gpu_count, j.replicas, j.cpu_milli, j.memory_bytes, j.spec, " \
	"j.attempts, j.submitted_at, j.updated_at, j.started_at, " \
	"j.finished_at, j.run_gpu_type, j.exit_code, j.not_before, " \
	"j.admitted_at, j.position, j.run_nodes, j.run_ms, j.spec_base, " \
	"j.spec_prefix FROM jobs j LEFT JOIN groups g ON g.id = j.group_id "

/* A whole job (store_job_from_row's columns, in order), for one job or a
 * listing. */
#define STORE_JOB_SELECT \
	"SELECT j.id, j.name, j.namespace, j.owner, g.name, j.state, " \
	"j.reason, j.cleaned, j.cancel_requested, j.priority, j.gpu_type, " \
	"j.gpu_count, j.replicas, j.cpu_milli, j.memory_bytes, " \
	STORE_SPEC_SQL ", " \
	"j.attempts, j.submitted_at, j.updated_at, j.started_at, " \
	"j.finished_at, j.run_gpu_type, j.exit_code, j.not_before, " \
	"j.admitted_at, j.position, j.run_nodes, j.run_ms, j.est_start " \
	"FROM jobs j LEFT JOIN groups g ON g.id = j.group_id "

/* A submission's insert of one job, of STORE_INSERT_SOME or of
 * STORE_INSERT_ROWS: the values of a row, STORE_INSERT_PARAMS of them
 * (store_submit_bind), in order. */
#define STORE_JOB_INSERT \
	"INSERT INTO jobs (name, namespace, owner, group_id, state, " \
	"priority, gpu_type, gpu_count, replicas, cpu_milli, memory_bytes, " \
	"spec, submitted_at, updated_at, spec_base, spec_prefix, cleaned) " \
	"VALUES "
#define STORE_JOB_ROW "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,1)"
#define STORE_JOB_ROWS4 STORE_JOB_ROW "," STORE_JOB_ROW "," STORE_JOB_ROW \
	"," STORE_JOB_ROW
#define STORE_JOB_ROWS16 STORE_JOB_ROWS4 "," STORE_JOB_ROWS4 "," \
	STORE_JOB_ROWS4 "," STORE_JOB_ROWS4
#define STORE_JOB_ROWS32 STORE_JOB_ROWS16 "," STORE_JOB_ROWS16
#define STORE_JOB_ROWS64 STORE_JOB_ROWS32 "," STORE_JOB_ROWS32
#define STORE_JOB_ROWS128 STORE_JOB_ROWS64 "," STORE_JOB_ROWS64
#if STORE_INSERT_ROWS != 128 || STORE_INSERT_SOME != 32 || \
    STORE_INSERT_PARAMS != 16
#error "STORE_JOB_ROWS128 is not STORE_INSERT_ROWS rows of STORE_INSERT_PARAMS"
#endif

static const char *const store_sql[STMT_COUNT] = {
	[STMT_BEGIN_IMMEDIATE] = "BEGIN IMMEDIATE",
	[STMT_BEGIN] = "BEGIN",
	[STMT_COMMIT] = "COMMIT",
	[STMT_ROLLBACK] = "ROLLBACK",
	[STMT_GROUP_FIND] =
	    "SELECT id FROM groups WHERE owner = ?4 AND name = ?1",
	[STMT_GROUP_INSERT] = "INSERT INTO groups (name, kind, created_at, "
	    "owner) VALUES (?1, ?2, ?3, ?4)",
	[STMT_JOB_INSERT] = STORE_JOB_INSERT STORE_JOB_ROW,
	[STMT_JOB_INSERT_MANY] = STORE_JOB_INSERT STORE_JOB_ROWS128,
	[STMT_JOB_INSERT_SOME] = STORE_JOB_INSERT STORE_JOB_ROWS32,
	[STMT_SPEC_INSERT] = "INSERT INTO specs (spec) VALUES (?1)",
	[STMT_SPEC_REFS] = "UPDATE specs SET refs = refs + ?2 WHERE id = ?1",
	[STMT_EVENT_INSERT] =
	    "INSERT INTO events (job_id, at, from_state, to_state, reason) "
	    "VALUES (?1, ?2, ?3, ?4, ?5)",
	/* The submission's entry in the event log of each job a submission
	 * inserted (ids ?1 to ?3: the writer holds the lock, so none is
	 * another's), in one statement rather than one a job. */
	[STMT_EVENTS_SUBMITTED] =
	    "INSERT INTO events (job_id, at, from_state, to_state, reason) "
	    "SELECT id, ?2, NULL, state, 'submitted' FROM jobs "
	    "WHERE id BETWEEN ?1 AND ?3 ORDER BY id",
	[STMT_JOB_GET] =
	    STORE_JOB_SELECT
	    "WHERE j.id = ?1",
	[STMT_JOB_LIST] =
	    STORE_JOB_SELECT
	    "WHERE (?1 IS NULL OR instr(?1, ',' || j.state || ',') > 0) "
	    "AND (?2 IS NULL OR j.name GLOB ?2) "
	    "AND (?3 IS NULL OR (g.name = ?3 AND "
	    "  (?7 IS NULL OR g.owner = ?7))) "
	    "AND (?6 = 0 OR j.cleaned = 0) "
	    "AND j.id > ?4 ORDER BY j.id LIMIT ?5",
	[STMT_JOB_STATE] = "SELECT state, cancel_requested, cleaned FROM jobs "
	    "WHERE id = ?1",
	[STMT_JOB_SET_STATE] =
	    "UPDATE jobs SET state = ?2, reason = ?3, updated_at = ?4, "
	    "cleaned = CASE WHEN ?5 THEN 1 WHEN ?6 THEN 0 ELSE cleaned END, "
	    "cancel_requested = CASE WHEN ?7 THEN 0 ELSE cancel_requested END, "
	    "attempts = attempts + ?6, "
	    "admitted_at = CASE WHEN ?6 THEN ?4 ELSE admitted_at END, "
	    "exit_code = CASE WHEN ?6 OR ?7 THEN NULL WHEN ?8 THEN ?9 "
	    "  ELSE exit_code END, "
	    "started_at = CASE WHEN ?2 = 'running' THEN ?4 "
	    "  WHEN ?6 OR ?7 THEN 0 "
	    "  WHEN ?10 AND started_at = 0 AND state = 'admitted' AND ?14 > 0 "
	    "    THEN max(admitted_at, ?4 - ?14) "
	    "  WHEN ?10 AND started_at = 0 AND state = 'admitted' AND "
	    "    ?2 = 'succeeded' THEN admitted_at "
	    "  ELSE started_at END, "
	    "finished_at = CASE WHEN ?10 THEN ?4 WHEN ?7 THEN 0 "
	    "  ELSE finished_at END, "
	    "run_gpu_type = coalesce(?11, run_gpu_type), "
	    "not_before = CASE WHEN ?7 THEN ?12 ELSE not_before END, "
	    "run_nodes = coalesce(?13, CASE WHEN ?7 THEN '' "
	    "  ELSE run_nodes END), "
	    "run_ms = CASE WHEN ?14 > 0 THEN ?14 WHEN ?6 THEN 0 "
	    "  ELSE run_ms END, "
	    "est_start = CASE WHEN ?2 = 'queued' THEN est_start END "
	    "WHERE id = ?1",
	[STMT_JOB_SET_CLEANED] = "UPDATE jobs SET cleaned = 1 WHERE id = ?1",
	[STMT_JOB_SET_REASON] = "UPDATE jobs SET reason = ?2, "
	    "position = coalesce(?3, position), "
	    "est_start = CASE WHEN NOT ?5 THEN est_start "
	    "  WHEN state = 'queued' THEN ?4 END "
	    "WHERE id = ?1 AND (reason != ?2 OR "
	    "position != coalesce(?3, position) OR "
	    "(?5 AND est_start IS NOT (CASE WHEN state = 'queued' THEN ?4 END)))",
	[STMT_RUNS] = "SELECT j.owner, j.name, g.name, j.run_ms, j.finished_at "
	    "FROM jobs j LEFT JOIN groups g ON g.id = j.group_id "
	    "WHERE j.run_ms > 0 AND j.finished_at > ?1 "
	    "ORDER BY j.finished_at, j.id",
	[STMT_META_GET] = "SELECT value FROM meta WHERE key = ?1",
	[STMT_META_SET] = "INSERT INTO meta (key, value) VALUES (?1, ?2) "
	    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
	[STMT_USAGE_LIST] = "SELECT owner, gpu_ms, at FROM usage ORDER BY owner",
	[STMT_USAGE_SET] = "INSERT INTO usage (owner, gpu_ms, at) "
	    "VALUES (?1, ?2, ?3) ON CONFLICT (owner) DO UPDATE SET "
	    "gpu_ms = excluded.gpu_ms, at = excluded.at",
	[STMT_REPLICA_SAVE] = "INSERT INTO replicas (job_id, attempt, rank, "
	    "node, exit_code, reason, log, log_truncated, archived_at) VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (job_id, attempt, "
	    "rank) DO UPDATE SET node = excluded.node, exit_code = "
	    "excluded.exit_code, reason = excluded.reason, log = excluded.log, "
	    "log_truncated = excluded.log_truncated, archived_at = "
	    "excluded.archived_at",
	[STMT_NAMESPACES] = "SELECT DISTINCT namespace FROM jobs ORDER BY 1",
	[STMT_PRUNE_COUNT] = "SELECT count(*) FROM jobs WHERE cleaned = 1 AND "
	    "state IN ('succeeded','failed','cancelled','timed_out') AND "
	    "finished_at < ?1 AND updated_at < ?1",
	[STMT_PRUNE] = "DELETE FROM jobs WHERE cleaned = 1 AND "
	    "state IN ('succeeded','failed','cancelled','timed_out') AND "
	    "finished_at < ?1 AND updated_at < ?1",
	[STMT_PRUNE_GROUPS] = "DELETE FROM groups WHERE NOT EXISTS "
	    "(SELECT 1 FROM jobs WHERE jobs.group_id = groups.id)",
	[STMT_REPLICAS] = "SELECT attempt, rank, node, exit_code, reason, log, "
	    "log_truncated, archived_at FROM replicas WHERE job_id = ?1 "
	    "ORDER BY attempt, rank",
	[STMT_JOB_SET_CANCEL] =
	    "UPDATE jobs SET cancel_requested = 1, reason = ?2, updated_at = ?3 "
	    "WHERE id = ?1",
	[STMT_EVENTS] = "SELECT at, from_state, to_state, reason FROM events "
	    "WHERE job_id = ?1 ORDER BY id",
	[STMT_SCHED_JOBS] =
	    STORE_DELTA_SELECT
	    "WHERE j.state IN ('queued','held','admitted','running') "
	    "OR j.cleaned = 0 ORDER BY j.id",
	[STMT_SPEC_BASE] = "SELECT spec FROM specs WHERE id = ?1",
	[STMT_SPECS] = "SELECT j.id, " STORE_SPEC_SQL " FROM jobs j "
	    "WHERE j.id IN (SELECT value FROM json_each(?1))",
	[STMT_SPEC_FIELDS] = "WITH x AS MATERIALIZED (SELECT j.id AS id, "
	    STORE_SPEC_SQL " AS spec FROM jobs j WHERE j.id IN "
	    "(SELECT value FROM json_each(?1))) "
	    "SELECT id, json_extract(spec, ?2), "
	    "json_extract(spec, ?3), json_extract(spec, ?4), "
	    "json_extract(spec, ?5), json_extract(spec, ?6), "
	    "json_extract(spec, ?7), json_extract(spec, ?8), "
	    "json_extract(spec, ?9), json_extract(spec, ?10), "
	    "json_extract(spec, ?11), json_extract(spec, ?12), "
	    "json_extract(spec, ?13), json_extract(spec, ?14), "
	    "json_extract(spec, ?15), json_extract(spec, ?16) FROM x",
	/* Every job by state (jobs_state), then those not cleaned
	 * (jobs_cleanup): each half read from an index alone. */
	[STMT_COUNTS] = "SELECT state, 1, count(*) FROM jobs GROUP BY state "
	    "UNION ALL SELECT state, 0, count(*) FROM jobs WHERE cleaned = 0 "
	    "GROUP BY state",
	[STMT_GROUP_IDS] = "SELECT j.id FROM jobs j JOIN groups g ON "
	    "g.id = j.group_id WHERE g.name = ?1 AND "
	    "(?2 IS NULL OR g.owner = ?2) ORDER BY j.id",
	[STMT_DELTA_HEAD] = "SELECT (SELECT seq FROM job_seq), "
	    "(SELECT coalesce(max(id), 0) FROM jobs)",
	[STMT_DELTA_JOBS] =
	    STORE_DELTA_SELECT
	    "WHERE j.id > ?2 UNION ALL\n"
	    STORE_DELTA_SELECT
	    "WHERE j.change_seq > ?1 AND j.change_seq > 0 AND +j.id <= ?2",
	[STMT_DELTA_GONE] = "SELECT id FROM jobs_gone WHERE seq > ?1 "
	    "ORDER BY id",
	[STMT_DELTA_FORGET] = "DELETE FROM jobs_gone WHERE seq <= ?1",
};

/* The name of a SQLite result code's primary code, for messages a user
 * can search for ("SQLITE_CORRUPT"). */
static const char *
store_code_name(int rc)
{
	static const char *const names[] = {
		[SQLITE_ERROR] = "SQLITE_ERROR",
		[SQLITE_INTERNAL] = "SQLITE_INTERNAL",
		[SQLITE_PERM] = "SQLITE_PERM",
		[SQLITE_ABORT] = "SQLITE_ABORT",
		[SQLITE_BUSY] = "SQLITE_BUSY",
		[SQLITE_LOCKED] = "SQLITE_LOCKED",
		[SQLITE_NOMEM] = "SQLITE_NOMEM",
		[SQLITE_READONLY] = "SQLITE_READONLY",
		[SQLITE_INTERRUPT] = "SQLITE_INTERRUPT",
		[SQLITE_IOERR] = "SQLITE_IOERR",
		[SQLITE_CORRUPT] = "SQLITE_CORRUPT",
		[SQLITE_NOTFOUND] = "SQLITE_NOTFOUND",
		[SQLITE_FULL] = "SQLITE_FULL",
		[SQLITE_CANTOPEN] = "SQLITE_CANTOPEN",
		[SQLITE_PROTOCOL] = "SQLITE_PROTOCOL",
		[SQLITE_SCHEMA] = "SQLITE_SCHEMA",
		[SQLITE_TOOBIG] = "SQLITE_TOOBIG",
		[SQLITE_CONSTRAINT] = "SQLITE_CONSTRAINT",
		[SQLITE_MISMATCH] = "SQLITE_MISMATCH",
		[SQLITE_MISUSE] = "SQLITE_MISUSE",
		[SQLITE_NOLFS] = "SQLITE_NOLFS",
		[SQLITE_AUTH] = "SQLITE_AUTH",
		[SQLITE_RANGE] = "SQLITE_RANGE",
		[SQLITE_NOTADB] = "SQLITE_NOTADB",
	};
	rc &= 0xff;
	if (rc > 0 && (size_t)rc < nitems(names) && names[rc] != NULL)
		return names[rc];
	return "SQLITE_ERROR";
}

/* True for a result code that means the file's contents are damaged. */
static bool
store_is_damage(int rc)
{
	rc &= 0xff;
	return rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB ||
	    rc == SQLITE_FORMAT;
}

/* See store-int.h: what store_error says of damage found by this module
 * (a value no version of it wrote); always returns -1. */
int
store_damaged(struct store *s, char **cause, const char *what,
    const char *detail)
{
	if (cause != NULL)
		*cause = xprintf("%s: %s: the queue database is damaged: %s "
		    "(SQLITE_CORRUPT); see \"A damaged queue database\" in "
		    "docs/operations.md", s->path, what, detail);
	return -1;
}

/*
 * Formats the connection's last error into *cause, with its code's name,
 * and what to do when the file is damaged; always returns -1.  A
 * statement of this build that does not prepare (s->damaged) means the
 * schema is not the one the migrations made: damage as well.
 */
int
store_error(struct store *s, char **cause, const char *what)
{
	int rc = sqlite3_extended_errcode(s->db);

	if (s->damaged != NULL)
		return store_damaged(s, cause, what, s->damaged);
	if (cause == NULL)
		return -1;
	*cause = xprintf("%s: %s: %s (%s)%s", s->path, what,
	    sqlite3_errmsg(s->db), store_code_name(rc), store_is_damage(rc) ?
	    ": the queue database is damaged; see \"A damaged queue "
	    "database\" in docs/operations.md" : "");
	return -1;
}

/* See store-int.h: a text column, "" for NULL (damage can null any). */
char *
store_column_dup(sqlite3_stmt *stmt, int i)
{
	const unsigned char *v = sqlite3_column_text(stmt, i);

	return xstrdup(v != NULL ? (const char *)v : "");
}

/* Sleeps a little, longer each time, with jitter, between lock retries. */
static void
store_backoff(int attempt)
{
	struct timespec ts;
	long ms;

	ms = 1L << (attempt < 6 ? attempt : 6);
	ms += random() % (ms + 1);
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
}

/*
 * Steps a statement, retrying while the database is busy beyond SQLite's
 * own busy handler (which does not cover every case in WAL mode), so that
 * "database is locked" never reaches a user.
 */
int
store_step(struct store *s, sqlite3_stmt *stmt)
{
	int rc, attempt = 0;
	int64_t start = now_ms();

	if (stmt == NULL)
		return SQLITE_ERROR;
	s->busy = false;
	for (;;) {
		rc = sqlite3_step(stmt);
		if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
			return rc;
		if (now_ms() - start > s->retry_total_ms) {
			s->busy = true;
			return rc;
		}
		sqlite3_reset(stmt);
		store_backoff(attempt++);
	}
}

/*
 * The cached prepared statement, reset and with its bindings cleared; NULL
 * when it does not prepare, which on a file this build migrated means its
 * schema was damaged: the reason is kept for store_error, and callers
 * return it as any other error.
 */
sqlite3_stmt *
store_stmt(struct store *s, enum store_stmt_id id)
{
	sqlite3_stmt *stmt = s->stmts[id];

	if (stmt == NULL) {
		if (sqlite3_prepare_v3(s->db, store_sql[id], -1,
		    SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK) {
			free(s->damaged);
			s->damaged = xstrdup(sqlite3_errmsg(s->db));
			return NULL;
		}
		s->stmts[id] = stmt;
	}
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	return stmt;
}

/* Starts a write transaction, taking the write lock at once. */
int
store_begin(struct store *s, char **cause)
{
	if (store_step(s, store_stmt(s, STMT_BEGIN_IMMEDIATE)) != SQLITE_DONE)
		return store_error(s, cause, "begin");
	return 0;
}

/* Commits; on failure the transaction is rolled back. */
int
store_commit(struct store *s, char **cause)
{
	if (store_step(s, store_stmt(s, STMT_COMMIT)) != SQLITE_DONE) {
		store_error(s, cause, "commit");
		store_rollback(s);
		return -1;
	}
	return 0;
}

/* Abandons the open transaction, if any. */
void
store_rollback(struct store *s)
{
	sqlite3_stmt *stmt;

	if (!sqlite3_get_autocommit(s->db) &&
	    (stmt = store_stmt(s, STMT_ROLLBACK)) != NULL)
		sqlite3_step(stmt);
}

/* See store-int.h. */
void
store_bind_text(sqlite3_stmt *stmt, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(stmt, i);
	else
		sqlite3_bind_text(stmt, i, v, -1, SQLITE_TRANSIENT);
}

/* Runs SQL text with no parameters (schema and pragmas only). */
int
store_exec(struct store *s, const char *sql, char **cause)
{
	char *err = NULL;
	int rc, attempt = 0;
	int64_t start = now_ms();

	for (;;) {
		rc = sqlite3_exec(s->db, sql, NULL, NULL, &err);
		if (rc == SQLITE_OK)
			return 0;
		if (((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
		    || now_ms() - start > STORE_RETRY_TOTAL_MS)
			break;
		sqlite3_free(err);
		err = NULL;
		store_backoff(attempt++);
	}
	if (cause != NULL)
		*cause = xprintf("%s: %s", s->path,
		    err != NULL ? err : sqlite3_errstr(rc));
	sqlite3_free(err);
	return -1;
}

/* Reads an integer pragma; -1 if the file cannot be read as a database. */
static int
store_pragma_int(struct store *s, const char *pragma)
{
	sqlite3_stmt *stmt;
	char *sql;
	int v = -1;

	sql = xprintf("PRAGMA %s", pragma);
	if (sqlite3_prepare_v2(s->db, sql, -1, &stmt, NULL) == SQLITE_OK) {
		if (store_step(s, stmt) == SQLITE_ROW)
			v = sqlite3_column_int(stmt, 0);
		sqlite3_finalize(stmt);
	}
	free(sql);
	return v;
}

/* The schema version recorded in the file. */
int
store_user_version(struct store *s)
{
	return store_pragma_int(s, "user_version");
}

/*
 * Reads the application id, the schema version and the number of schema
 * objects in one read transaction, so all three come from one snapshot:
 * read in turn, a file another process was creating could show no id and
 * then its tables, and look like another program's.  Plain pragmas, not
 * the pragma_* table-valued functions, each of which declares a virtual
 * table (a CREATE TABLE parsed) at every process start.  -1 if the file
 * cannot be read as a database, with the connection's error set (and
 * the read transaction left for store_close).
 */
static int
store_identity(struct store *s, int *id, int *version, int *objects)
{
	static const char *const sql[] = { "PRAGMA application_id",
		"PRAGMA user_version", "SELECT count(*) FROM sqlite_schema" };
	int *out[] = { id, version, objects };
	sqlite3_stmt *stmt;
	size_t i;
	int rc;

	if (sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	for (i = 0; i < nitems(sql); i++) {
		if (sqlite3_prepare_v2(s->db, sql[i], -1, &stmt, NULL) !=
		    SQLITE_OK)
			return -1;
		rc = store_step(s, stmt);
		if (rc == SQLITE_ROW)
			*out[i] = sqlite3_column_int(stmt, 0);
		sqlite3_finalize(stmt);
		if (rc != SQLITE_ROW)
			return -1;
	}
	return sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK ?
	    0 : -1;
}

/* Brings the schema up to target, one version per transaction. */
static int
store_migrate(struct store *s, int target, char **cause)
{
	int version;
	char *sql;

	for (;;) {
		if (store_exec(s, "BEGIN IMMEDIATE", cause) != 0)
			return -1;
		version = store_user_version(s);
		if (version < 0) {
			store_rollback(s);
			return store_error(s, cause, "reading schema version");
		}
		if (version > (int)nitems(store_migrations)) {
			store_rollback(s);
			if (cause != NULL)
				*cause = xprintf("%s: schema version %d is newer "
				    "than this ailab-queue (%d): upgrade it",
				    s->path, version,
				    (int)nitems(store_migrations));
			return -1;
		}
		if (version >= target) {
			store_rollback(s);
			return 0;
		}
		if (store_exec(s, store_migrations[version], cause) != 0)
			goto fail;
		sql = xprintf("PRAGMA user_version = %d; "
		    "PRAGMA application_id = %d", version + 1,
		    STORE_APPLICATION_ID);
		if (store_exec(s, sql, cause) != 0) {
			free(sql);
			goto fail;
		}
		free(sql);
		if (store_exec(s, "COMMIT", cause) != 0)
			goto fail;
	}
fail:
	store_rollback(s);
	return -1;
}

/*
 * Makes a new database at path, whole or not at all: the schema is built
 * in a temporary file of the same directory (0600, the directory made
 * 0700) and linked to path only when complete, so no process ever opens a
 * half-made queue (twenty first submits at once used to find one and call
 * it another program's).  When another process links first, its file is
 * kept and this one dropped.  0 (path exists) or -1 with *cause.
 */
static int
store_create(const char *path, int target, char **cause)
{
	static const char *const sides[] = { "", "-wal", "-shm" };
	struct store *t = NULL;
	char *copy, *dir, *tmp, *side;
	int fd, i, ret = -1;

	copy = xstrdup(path);
	dir = dirname(copy);
	if (mkdir_p(dir, 0700) != 0) {
		*cause = xprintf("%s: %s", dir, strerror(errno));
		free(copy);
		return -1;
	}
	free(copy);
	tmp = xprintf("%s.new.XXXXXX", path);
	if ((fd = mkstemp(tmp)) == -1) {
		*cause = xprintf("%s: %s", path, strerror(errno));
		free(tmp);
		return -1;
	}
	close(fd);
	t = xcalloc(1, sizeof *t);
	t->retry_total_ms = STORE_RETRY_TOTAL_MS;
	t->path = xstrdup(path);
	if (sqlite3_open_v2(tmp, &t->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		store_error(t, cause, "creating");
		goto out;
	}
	sqlite3_extended_result_codes(t->db, 1);
	if (store_exec(t, "PRAGMA journal_mode = WAL", cause) != 0 ||
	    store_migrate(t, target, cause) != 0)
		goto out;
	/* The last close copies the log into the file and removes it; it
	 * must not be left open (busy) by a cached statement. */
	for (i = 0; i < STMT_COUNT; i++) {
		sqlite3_finalize(t->stmts[i]);
		t->stmts[i] = NULL;
	}
	if (sqlite3_close(t->db) != SQLITE_OK) {
		store_error(t, cause, "creating");
		goto out;
	}
	t->db = NULL;
	if (link(tmp, path) != 0 && errno != EEXIST) {
		if ((errno != EPERM && errno != ENOTSUP && errno != ENOSYS) ||
		    renameat2(AT_FDCWD, tmp, AT_FDCWD, path,
		    RENAME_NOREPLACE) != 0) {
			if (errno != EEXIST) {
				*cause = xprintf("%s: %s", path,
				    strerror(errno));
				goto out;
			}
		}
	}
	ret = 0;
out:
	store_close(t);
	for (i = 0; i < (int)nitems(sides); i++) {
		side = xprintf("%s%s", tmp, sides[i]);
		unlink(side);
		free(side);
	}
	free(tmp);
	return ret;
}

/*
 * After each commit: once the WAL holds STORE_WAL_FRAMES frames, copy them
 * into the database and truncate it.  A plain (passive) checkpoint is not
 * enough for processes that live for one commit: the next one to open the
 * file rebuilds the WAL index from the log, forgets what was copied, and
 * the log never restarts; every open then reads the whole of it.  Truncating
 * here bounds that read to STORE_WAL_FRAMES frames.  A busy checkpoint is
 * left for a later commit.
 */
static int
store_wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct store *s = arg;

	/* A long-lived process restarts the log at its own next commit, and
	 * must not wait for other processes' readers. */
	if (frames < STORE_WAL_FRAMES)
		return SQLITE_OK;
	if (s->ckpt_defer) {
		s->ckpt_due = true;
		return SQLITE_OK;
	}
	sqlite3_wal_checkpoint_v2(db, name, s->long_lived ?
	    SQLITE_CHECKPOINT_PASSIVE : SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	return SQLITE_OK;
}

/* See store.h: the scheduler's intake answers before the checkpoint. */
void
store_checkpoint_defer(struct store *s, bool defer)
{
	s->ckpt_defer = defer;
}

/* See store.h. */
void
store_checkpoint_due(struct store *s)
{
	if (!s->ckpt_due)
		return;
	s->ckpt_due = false;
	sqlite3_wal_checkpoint_v2(s->db, "main", s->long_lived ?
	    SQLITE_CHECKPOINT_PASSIVE : SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
}

/*
 * A WAL database opened read-only needs its -shm file, which SQLite cannot
 * make in a directory this process may not write (a copy on a read-only
 * mount, a queue another user keeps): when there is no -shm and the log
 * holds nothing, nobody is writing it and the file alone is the whole
 * queue, so it is reopened as immutable.  0 if reopened, -1 if not.
 */
static int
store_open_immutable(struct store *s, const char *path)
{
	struct stat st;
	char *side, *uri, *u;
	const char *p;
	bool written;
	int ret = -1;

	side = xprintf("%s-shm", path);
	written = stat(side, &st) == 0;
	free(side);
	side = xprintf("%s-wal", path);
	written = written || (stat(side, &st) == 0 && st.st_size > 0);
	free(side);
	if (written)
		return -1;
	/* A URI: the path with '%', '?' and '#' escaped. */
	u = uri = xmalloc(strlen(path) * 3 + 32);
	u += sprintf(u, "file:");
	for (p = path; *p != '\0'; p++) {
		if (*p == '%' || *p == '?' || *p == '#')
			u += sprintf(u, "%%%02X", (unsigned int)(unsigned char)*p);
		else
			*u++ = *p;
	}
	sprintf(u, "?immutable=1");
	sqlite3_close(s->db);
	s->db = NULL;
	if (sqlite3_open_v2(uri, &s->db, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI, NULL) == SQLITE_OK) {
		sqlite3_extended_result_codes(s->db, 1);
		ret = 0;
	}
	free(uri);
	return ret;
}

/*
 * A multi-row insert (store_submit) keeps each statement's undo pages for
 * as long as the statement runs: in memory, not in a temporary file
 * written and read back a page at a time.  Page caches grow a page at a
 * time, with no first block of 20 pages written through: a one-job submit
 * opens three caches (the queue and the two temporary b-trees of its
 * INSERT's IN lists) and used to fault in 37 pages of heap for them.
 * No memory statistics: nothing reads them (sqlite3_status, a heap
 * limit), and keeping them took a global mutex and a count at every
 * allocation, 11% of a one-job submit's instructions.  These are
 * settings of the library, before its first open (SQLITE_MISUSE,
 * ignored, after).
 */
static void
store_library_init(void)
{
	(void)sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, -1);
	(void)sqlite3_config(SQLITE_CONFIG_PAGECACHE, NULL, 0, 0);
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/*
 * Opens the queue at path, creating it (store_create) when there is none,
 * and migrates it up to target.  With read, a file this process may not
 * write (permissions, a read-only mount) is opened read-only instead of
 * refused, for commands that only read; it is never migrated then.
 */
static int
store_open_at(const char *path, int target, bool read, struct store **out,
    char **cause)
{
	struct store *s;
	struct stat st;
	char *real;
	int id, version, objects, persist, flags, rc;

	store_library_init();
	*out = NULL;
	if (stat(path, &st) != 0) {
		if (errno != ENOENT) {
			*cause = xprintf("%s: %s", path, strerror(errno));
			return -1;
		}
		if (store_create(path, target, cause) != 0)
			return -1;
		if (stat(path, &st) != 0) {
			*cause = xprintf("%s: %s", path, strerror(errno));
			return -1;
		}
	}
	if (!S_ISREG(st.st_mode)) {
		*cause = xprintf("%s: not a regular file", path);
		return -1;
	}

	s = xcalloc(1, sizeof *s);
	s->path = xstrdup(path);
	real = realpath(path, NULL);
	s->real_path = xstrdup(real != NULL ? real : path);
	free(real);
	s->read_only = read && access(path, W_OK) != 0 &&
	    (errno == EACCES || errno == EROFS || errno == EPERM);
	flags = (s->read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) |
	    SQLITE_OPEN_NOMUTEX;
	if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
		store_error(s, cause, "open");
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT_MS);
	s->retry_total_ms = STORE_RETRY_TOTAL_MS;
	if (!s->read_only && sqlite3_db_readonly(s->db, "main") == 1) {
		*cause = xprintf("%s: the queue database is read-only", path);
		goto fail;
	}

	/* Refuse a file that is not ours before writing anything to it. */
	rc = store_identity(s, &id, &version, &objects);
	if (rc != 0 && s->read_only && store_open_immutable(s, path) == 0)
		rc = store_identity(s, &id, &version, &objects);
	if (rc != 0) {
		if ((sqlite3_extended_errcode(s->db) & 0xff) == SQLITE_CORRUPT)
			store_error(s, cause, "opening");
		else
			*cause = xprintf("%s: not an ailab-queue database (%s, "
			    "%s)", path, sqlite3_errmsg(s->db),
			    store_code_name(sqlite3_extended_errcode(s->db)));
		goto fail;
	}
	if (id != STORE_APPLICATION_ID && !(id == 0 && objects == 0)) {
		*cause = xprintf("%s: not an ailab-queue database (a SQLite "
		    "file of another program)", path);
		goto fail;
	}
	if (s->read_only) {
		if (version != STORE_SCHEMA_VERSION) {
			*cause = xprintf("%s: the queue database is read-only "
			    "and its schema is version %d, not %d: open it "
			    "once where it can be written", path, version,
			    STORE_SCHEMA_VERSION);
			goto fail;
		}
		/* Pages read from a map, not copied by a call each. */
		(void)store_exec(s, "PRAGMA mmap_size = 1073741824", NULL);
		*out = s;
		return 0;
	}

	/*
	 * WAL with synchronous=NORMAL, as SQLite advises for WAL: a commit is
	 * in the log when the call returns, so a crash of any process loses
	 * nothing and nothing is ever corrupted; only an OS crash or a power
	 * loss within the kernel's writeback interval may undo the last
	 * commits.  That spares a one-job submit the log and directory syncs
	 * that were most of its time.  The server syncs each commit
	 * (store_set_use).  Closing does not checkpoint: store_wal_hook does,
	 * now and then.  A file already at this schema version was made WAL
	 * by this code (the mode is kept in the file) and needs no
	 * migration: its open is the identity read above and these pragmas.
	 */
	if ((version != target && store_exec(s, "PRAGMA journal_mode = WAL",
	    cause) != 0) || store_exec(s, "PRAGMA foreign_keys = ON; "
	    "PRAGMA synchronous = NORMAL; PRAGMA journal_size_limit = 1048576; "
	    "PRAGMA mmap_size = 1073741824",
	    cause) != 0)
		goto fail;
	sqlite3_db_config(s->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	sqlite3_wal_hook(s->db, store_wal_hook, s);
	if (version != target && store_migrate(s, target, cause) != 0)
		goto fail;
	/*
	 * Short-lived CLI processes open the queue many times a second: keep
	 * the WAL file between them (truncated by journal_size_limit) rather
	 * than unlinking and recreating it, with a directory sync, each time.
	 */
	persist = 1;
	sqlite3_file_control(s->db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
	*out = s;
	return 0;
fail:
	store_close(s);
	return -1;
}

/* See store-int.h: target limits migrations, for tests. */
int
store_open_version(const char *path, int target, struct store **out,
    char **cause)
{
	return store_open_at(path, target, false, out, cause);
}

/* See store.h: for commands that only read. */
int
store_open_read(const char *path, struct store **out, char **cause)
{
	return store_open_at(path, STORE_SCHEMA_VERSION, true, out, cause);
}

/* Opens and migrates to the current schema. */
int
store_open(const char *path, struct store **out, char **cause)
{
	return store_open_version(path, STORE_SCHEMA_VERSION, out, cause);
}

/* Finalises the cached statements and closes the file. */
void
store_close(struct store *s)
{
	int i;

	if (s == NULL)
		return;
	for (i = 0; i < STMT_COUNT; i++)
		sqlite3_finalize(s->stmts[i]);
	sqlite3_close(s->db);
	free(s->queue_id);
	free(s->damaged);
	free(s->real_path);
	free(s->path);
	free(s);
}

/* See store.h: the sync and checkpoint behaviour for a kind of process. */
int
store_set_use(struct store *s, enum store_use use, char **cause)
{
	if (store_exec(s, use == STORE_USE_SERVER ?
	    "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL",
	    cause) != 0)
		return -1;
	s->long_lived = use != STORE_USE_COMMAND;
	/* A long-lived process reads the file through SQLite's page cache,
	 * not a map: every page it ever touched would stay in its resident
	 * set for its lifetime (74 MiB of a scheduler's 336 at 100,000 jobs,
	 * which keeps the queue it needs in memory of its own); a command
	 * exits before that matters. */
	if (s->long_lived &&
	    store_exec(s, "PRAGMA mmap_size = 0", cause) != 0)
		return -1;
	/* The server's one thread answers every user: a queue another
	 * process keeps locked is reported (store_is_busy) within a second
	 * or two rather than waited for with every request stalled. */
	if (use == STORE_USE_SERVER) {
		sqlite3_busy_timeout(s->db, STORE_SERVER_BUSY_MS);
		s->retry_total_ms = STORE_SERVER_BUSY_MS;
	}
	return 0;
}

/* See store.h. */
bool
store_is_busy(const struct store *s)
{
	return s->busy;
}

/* The file this store was opened on. */
const char *
store_path(const struct store *s)
{
	return s->path;
}

