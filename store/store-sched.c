#include "store-int.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* See store-int.h: one prepared write statement run in its own
 * transaction. */
int
store_write1(struct store *s, sqlite3_stmt *stmt, const char *what,
    char **cause)
{
	if (store_step(s, stmt) != SQLITE_DONE) {
		store_error(s, cause, what);
		sqlite3_reset(stmt);
		return -1;
	}
	sqlite3_reset(stmt);
	return 0;
}

/* Marks a job's cluster objects as gone. */
int
store_set_cleaned(struct store *s, int64_t id, char **cause)
{
	sqlite3_stmt *stmt = store_stmt(s, STMT_JOB_SET_CLEANED);

	if (stmt == NULL)
		return store_error(s, cause, "marking job cleaned");
	sqlite3_bind_int64(stmt, 1, id);
	return store_write1(s, stmt, "marking job cleaned", cause);
}

/* Writes the reasons that changed, in one transaction. */
int
store_set_reasons(struct store *s, const int64_t *ids,
    const char *const *reasons, const int64_t *positions,
    const int64_t *starts, size_t n, char **cause)
{
	sqlite3_stmt *stmt;
	size_t i;

	if (n == 0)
		return 0;
	if (store_begin(s, cause) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		if ((stmt = store_stmt(s, STMT_JOB_SET_REASON)) == NULL)
			goto fail;
		sqlite3_bind_int64(stmt, 1, ids[i]);
		sqlite3_bind_text(stmt, 2, reasons[i], -1, SQLITE_STATIC);
		if (positions != NULL)
			sqlite3_bind_int64(stmt, 3, positions[i]);
		if (starts != NULL && starts[i] != 0)
			sqlite3_bind_int64(stmt, 4, starts[i]);
		sqlite3_bind_int(stmt, 5, starts != NULL);
		if (store_step(s, stmt) != SQLITE_DONE)
			goto fail;
	}
	return store_commit(s, cause);
fail:
	store_error(s, cause, "recording reasons");
	store_rollback(s);
	return -1;
}

/* Reads one meta value; *value is NULL when the key is unset. */
int
store_meta_get(struct store *s, const char *key, char **value, char **cause)
{
	sqlite3_stmt *stmt = store_stmt(s, STMT_META_GET);
	int rc;

	if (stmt == NULL)
		return store_error(s, cause, "reading meta");
	*value = NULL;
	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	rc = store_step(s, stmt);
	if (rc == SQLITE_ROW)
		*value = store_column_dup(stmt, 0);
	else if (rc != SQLITE_DONE)
		return store_error(s, cause, "reading meta");
	sqlite3_reset(stmt);
	return 0;
}

/* Sets one meta value. */
int
store_meta_set(struct store *s, const char *key, const char *value,
    char **cause)
{
	sqlite3_stmt *stmt = store_stmt(s, STMT_META_SET);

	if (stmt == NULL)
		return store_error(s, cause, "writing meta");
	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, value, -1, SQLITE_STATIC);
	return store_write1(s, stmt, "writing meta", cause);
}

/* The columns of STMT_USAGE_LIST. */
static const struct store_rows store_usage_rows = {
	sizeof(struct store_usage), "reading usage", NULL, {
		STORE_COL(0, TEXT, store_usage, owner),
		STORE_COL(1, DOUBLE, store_usage, gpu_ms),
		STORE_COL(2, INT64, store_usage, at),
	}
};

/* Every owner's recorded usage. */
int
store_usage_list(struct store *s, struct store_usage **out, size_t *nout,
    char **cause)
{
	*out = store_rows_read(s, store_stmt(s, STMT_USAGE_LIST),
	    &store_usage_rows, nout, cause);
	return *out != NULL ? 0 : -1;
}

/* The columns of STMT_RUNS. */
static const struct store_rows store_run_rows = {
	sizeof(struct store_run), "reading run times", NULL, {
		STORE_COL(0, TEXT, store_run, owner),
		STORE_COL(1, TEXT, store_run, name),
		STORE_COL(2, TEXT_NULL, store_run, group),
		STORE_COL(3, INT64, store_run, run_ms),
		STORE_COL(4, INT64, store_run, finished_at),
	}
};

/* Ended runs with a recorded length, for the scheduler's estimates; the
 * partial index on finished_at keeps an incremental read cheap. */
int
store_runs(struct store *s, int64_t after, struct store_run **out,
    size_t *nout, char **cause)
{
	*out = store_rows_of(s, STMT_RUNS, after, &store_run_rows, nout, cause);
	return *out != NULL ? 0 : -1;
}

/* Frees what store_runs returned. */
void
store_runs_free(struct store_run *r, size_t n)
{
	store_rows_free(&store_run_rows, r, n);
}

/* Frees what store_usage_list returned. */
void
store_usage_free(struct store_usage *u, size_t n)
{
	store_rows_free(&store_usage_rows, u, n);
}

/* Records many owners' usage in one transaction. */
int
store_usage_set_many(struct store *s, const struct store_usage *u, size_t n,
    char **cause)
{
	sqlite3_stmt *stmt;
	size_t i;

	if (n == 0)
		return 0;
	if (store_begin(s, cause) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		if ((stmt = store_stmt(s, STMT_USAGE_SET)) == NULL)
			goto fail;
		sqlite3_bind_text(stmt, 1, u[i].owner, -1, SQLITE_STATIC);
		sqlite3_bind_double(stmt, 2, u[i].gpu_ms);
		sqlite3_bind_int64(stmt, 3, u[i].at);
		if (store_step(s, stmt) != SQLITE_DONE)
			goto fail;
	}
	return store_commit(s, cause);
fail:
	store_error(s, cause, "writing usage");
	store_rollback(s);
	return -1;
}

/* Keeps one replica's end: node, exit code, reason and log tail. */
int
store_replica_save(struct store *s, int64_t id, const struct store_replica *r,
    char **cause)
{
	sqlite3_stmt *stmt = store_stmt(s, STMT_REPLICA_SAVE);

	if (stmt == NULL)
		return store_error(s, cause, "archiving replica");
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int(stmt, 2, r->attempt);
	sqlite3_bind_int(stmt, 3, r->rank);
	sqlite3_bind_text(stmt, 4, r->node != NULL ? r->node : "", -1,
	    SQLITE_STATIC);
	if (r->has_exit_code)
		sqlite3_bind_int(stmt, 5, r->exit_code);
	sqlite3_bind_text(stmt, 6, r->reason != NULL ? r->reason : "", -1,
	    SQLITE_STATIC);
	if (r->log != NULL)
		sqlite3_bind_blob64(stmt, 7, r->log, r->log_len, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 8, r->log_truncated);
	sqlite3_bind_int64(stmt, 9, r->archived_at != 0 ? r->archived_at :
	    now_ms());
	return store_write1(s, stmt, "archiving replica", cause);
}

/* The columns of STMT_REPLICAS. */
static const struct store_rows store_replica_rows = {
	sizeof(struct store_replica), "reading replicas", NULL, {
		STORE_COL(0, INT, store_replica, attempt),
		STORE_COL(1, INT, store_replica, rank),
		STORE_COL(2, TEXT, store_replica, node),
		STORE_COL(3, IS_SET, store_replica, has_exit_code),
		STORE_COL(3, INT, store_replica, exit_code),
		STORE_COL(4, TEXT, store_replica, reason),
		{ 5, STORE_COL_BLOB, offsetof(struct store_replica, log),
		    offsetof(struct store_replica, log_len) },
		STORE_COL(6, BOOL, store_replica, log_truncated),
		STORE_COL(7, INT64, store_replica, archived_at),
	}
};

/* A job's archived replicas. */
int
store_replicas(struct store *s, int64_t id, struct store_replica **out,
    size_t *nout, char **cause)
{
	*out = store_rows_of(s, STMT_REPLICAS, id, &store_replica_rows, nout, cause);
	return *out != NULL ? 0 : -1;
}

/*
 * One scheduler per queue: an flock the kernel drops if the holder dies,
 * on a lock file named after the database file itself rather than the name
 * it was opened by: ".ailab-queue.<inode>.sched.lock" in the directory
 * that really holds it (symbolic links resolved), so a scheduler started
 * through a symbolic link, or after a rename in place, finds the lock of
 * the one already running (flock works across NFS clients too).  A file
 * with a second hard link is refused: its other name could sit in another
 * directory, out of the lock's sight, and SQLite keeps a separate log per
 * name.
 */
int
store_lock_scheduler(const struct store *s, int *fdp, char **cause)
{
	struct stat st;
	char *path, *dir, buf[32];
	ssize_t n;
	int fd;

	if (stat(s->real_path, &st) != 0) {
		*cause = xprintf("%s: %s", s->path, strerror(errno));
		return -1;
	}
	if (st.st_nlink > 1) {
		*cause = xprintf("%s: the database file has %ju names (hard "
		    "links): a scheduler needs it to have one, so that no "
		    "second scheduler can run on it under another name; "
		    "remove the other links", s->path, (uintmax_t)st.st_nlink);
		return -1;
	}
	dir = xstrdup(s->real_path);
	*strrchr(dir, '/') = '\0';
	path = xprintf("%s/.ailab-queue.%ju.sched.lock", dir,
	    (uintmax_t)st.st_ino);
	free(dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd == -1) {
		*cause = xprintf("%s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		n = pread(fd, buf, sizeof buf - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		*cause = xprintf("another scheduler is running on %s%s%s%s",
		    s->path, *buf ? " (pid " : "", buf, *buf ? ")" : "");
		close(fd);
		free(path);
		return -1;
	}
	snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 ||
	    pwrite(fd, buf, strlen(buf), 0) != (ssize_t)strlen(buf))
		log_warnx("%s: cannot record pid", path);
	free(path);
	*fdp = fd;
	return 0;
}

/* The one column of STMT_NAMESPACES. */
static const struct store_rows store_namespace_rows = {
	sizeof(char *), "listing namespaces", NULL, {
		{ 0, STORE_COL_TEXT, 0, 0 },
	}
};

/* Every namespace the queue's jobs have named. */
int
store_namespaces(struct store *s, char ***out, size_t *nout, char **cause)
{
	*out = store_rows_read(s, store_stmt(s, STMT_NAMESPACES),
	    &store_namespace_rows, nout, cause);
	return *out != NULL ? 0 : -1;
}

/* Removes old ended jobs in one transaction (or counts them). */
int
store_prune(struct store *s, int64_t cutoff, bool dry_run, size_t *n,
    char **cause)
{
	sqlite3_stmt *stmt;

	if (store_begin(s, cause) != 0)
		return -1;
	stmt = store_stmt(s, STMT_PRUNE_COUNT);
	if (stmt == NULL)
		goto fail;
	sqlite3_bind_int64(stmt, 1, cutoff);
	if (store_step(s, stmt) != SQLITE_ROW)
		goto fail;
	*n = (size_t)sqlite3_column_int64(stmt, 0);
	sqlite3_reset(stmt);
	if (dry_run || *n == 0) {
		store_rollback(s);
		return 0;
	}
	stmt = store_stmt(s, STMT_PRUNE);
	if (stmt == NULL)
		goto fail;
	sqlite3_bind_int64(stmt, 1, cutoff);
	if (store_step(s, stmt) != SQLITE_DONE)
		goto fail;
	if (store_step(s, store_stmt(s, STMT_PRUNE_GROUPS)) != SQLITE_DONE)
		goto fail;
	return store_commit(s, cause);
fail:
	store_error(s, cause, "pruning");
	store_rollback(s);
	return -1;
}

/* The queue's id from meta, created on first use. */
const char *
store_queue_id(struct store *s)
{
	char *v = NULL, buf[17];
	FILE *f;
	unsigned char raw[8];
	size_t i;

	if (s->queue_id != NULL)
		return s->queue_id;
	if (store_meta_get(s, "queue-id", &v, NULL) == 0 && v != NULL) {
		s->queue_id = v;
		return v;
	}
	if ((f = fopen("/dev/urandom", "re")) == NULL ||
	    fread(raw, 1, sizeof raw, f) != sizeof raw)
		fatal("reading /dev/urandom");
	fclose(f);
	for (i = 0; i < sizeof raw; i++)
		snprintf(buf + 2 * i, 3, "%02x", raw[i]);
	/* Two processes may race to create it: keep whichever landed. */
	if (store_begin(s, NULL) == 0) {
		if (store_meta_get(s, "queue-id", &v, NULL) == 0 && v == NULL)
			store_meta_set(s, "queue-id", buf, NULL);
		store_commit(s, NULL);
	}
	free(v);
	if (store_meta_get(s, "queue-id", &v, NULL) != 0 || v == NULL)
		v = xstrdup(buf);
	s->queue_id = v;
	return v;
}
