/* Internals shared by the files of store/; nothing outside store/ but its
 * own unit tests includes this. */
#ifndef STORE_INT_H
#define STORE_INT_H

#include <sqlite3.h>
#include <stddef.h>

#include "common.h"
#include "store.h"

enum store_stmt_id {
	STMT_BEGIN_IMMEDIATE,
	STMT_BEGIN,
	STMT_COMMIT,
	STMT_ROLLBACK,
	STMT_GROUP_FIND,
	STMT_GROUP_INSERT,
	STMT_JOB_INSERT,
	STMT_JOB_INSERT_MANY,
	STMT_JOB_INSERT_SOME,
	STMT_SPEC_INSERT,
	STMT_SPEC_REFS,
	STMT_SPEC_BASE,
	STMT_EVENT_INSERT,
	STMT_EVENTS_SUBMITTED,
	STMT_JOB_GET,
	STMT_JOB_LIST,
	STMT_JOB_STATE,
	STMT_JOB_SET_STATE,
	STMT_JOB_SET_CANCEL,
	STMT_EVENTS,
	STMT_GROUP_IDS,
	STMT_JOB_SET_CLEANED,
	STMT_JOB_SET_REASON,
	STMT_RUNS,
	STMT_META_GET,
	STMT_META_SET,
	STMT_USAGE_LIST,
	STMT_USAGE_SET,
	STMT_REPLICA_SAVE,
	STMT_REPLICAS,
	STMT_NAMESPACES,
	STMT_PRUNE_COUNT,
	STMT_PRUNE,
	STMT_PRUNE_GROUPS,
	STMT_SCHED_JOBS,
	STMT_SPECS,
	STMT_SPEC_FIELDS,
	STMT_COUNTS,
	STMT_DELTA_HEAD,
	STMT_DELTA_JOBS,
	STMT_DELTA_GONE,
	STMT_DELTA_FORGET,
	STMT_COUNT
};

/* The jobs a submission inserts with one statement (STMT_JOB_INSERT_MANY,
 * in a submission of STORE_INSERT_BIG jobs or more; STMT_JOB_INSERT_SOME),
 * and the values each takes. */
#define STORE_INSERT_ROWS 128
#define STORE_INSERT_SOME 32
#define STORE_INSERT_BIG 2048
#define STORE_INSERT_PARAMS 16

/*
 * The active states in SQL, for a job aliased j, in the words of
 * jobs_active's predicate (schema 10), so that a query naming them may
 * read that index.
 */
#define STORE_ACTIVE_SQL \
	"(j.state = 'queued' OR j.state = 'held' OR j.state = 'admitted' " \
	"OR j.state = 'running')"

/*
 * A job's whole spec text in SQL, for a job aliased j: its own spec, or
 * (schema 6) the first spec_prefix characters of the text it shares
 * with its group (specs) followed by its own.
 */
#define STORE_SPEC_SQL \
	"(CASE WHEN j.spec_base IS NULL THEN j.spec ELSE " \
	"(SELECT substr(b.spec, 1, j.spec_prefix) FROM specs b " \
	"WHERE b.id = j.spec_base) || j.spec END)"

struct store {
	sqlite3 *db;
	char *path;
	char *real_path;         /* the database's own name (symlinks
				  * resolved): the wake FIFO and the lock */
	sqlite3_stmt *stmts[STMT_COUNT];
	char *queue_id;
	bool long_lived;         /* store_set_use: not a command */
	bool ckpt_defer;         /* store_checkpoint_defer */
	bool ckpt_due;           /* ... and a commit left one due */
	int64_t retry_total_ms;  /* how long a busy statement is retried */
	bool busy;               /* the last statement gave up busy */
	bool read_only;          /* store_open_read found it not writable */
	char *damaged;           /* why a statement did not prepare */
};

/* store-db.c */
/* NULL (the reason kept for store_error) when the statement does not
 * prepare: the schema is damaged. */
sqlite3_stmt *store_stmt(struct store *, enum store_stmt_id);
/* A text column copied, "" for NULL. */
char *store_column_dup(sqlite3_stmt *, int);
int store_begin(struct store *, char **);
int store_commit(struct store *, char **);
void store_rollback(struct store *);
/* Binds text, or NULL for a NULL pointer (SQLite copies it). */
void store_bind_text(sqlite3_stmt *, int, const char *);
int store_step(struct store *, sqlite3_stmt *);
int store_error(struct store *, char **, const char *);
/* The error of a value no version of this module wrote (detail says
 * which): "damaged (SQLITE_CORRUPT)"; -1. */
int store_damaged(struct store *, char **, const char *what,
    const char *detail);
/* Opens and migrates only up to the given schema version: for tests of
 * migrations from older files. */
int store_open_version(const char *, int, struct store **, char **);
/* Runs SQL text directly: for tests that build old or damaged files. */
int store_exec(struct store *, const char *, char **);
int store_user_version(struct store *);
/* store-job.c: store_list_each with more conditions: extra, SQL text
 * after the filter's (" AND ..."), reads its values from ?18 to ?21,
 * bound from extra_vals (STORE_ROWS_EXTRA strings, NULL ones as NULL). */
#define STORE_ROWS_EXTRA 4
int store_rows_each(struct store *, const struct store_filter *, int what,
    const char *extra, const char *const *extra_vals, store_row_fn,
    void *arg, char **cause);

/* store-sched.c: steps a bound write statement, resets it; -1 with
 * *cause (what failed: what) unless it ran to its end. */
int store_write1(struct store *, sqlite3_stmt *, const char *what,
    char **cause);

/* store-state.c */
/* ",queued,running," for a mask of states, as the list statements
 * match them; the caller frees it. */
char *store_state_set(unsigned int mask);

/* store-job.c */
/* The damage error of a job row whose state no version wrote (its id in
 * column 0); -1. */
int store_bad_state(struct store *, sqlite3_stmt *, char **cause,
    const char *what);
/* A job from a row of the columns STMT_JOB_GET selects (the spec copied
 * only with with_spec); NULL when its state is damaged. */
struct store_job *store_job_from_row(sqlite3_stmt *, bool with_spec);

/* store-job.c: the steps of a state change, inside the caller's
 * transaction (store-act.c uses them too).  store_read_state: 0 found,
 * 1 absent, -1 error; store_move_refusal: why a move from one state to
 * another is refused (allocated), NULL when allowed. */
int store_event_add(struct store *, int64_t id, int from,
    enum store_state to, const char *reason, int64_t at, char **cause);
int store_read_state(struct store *, int64_t id, enum store_state *,
    bool *cancel_requested, bool *cleaned, char **cause);
char *store_move_refusal(int64_t id, enum store_state from,
    unsigned int from_mask, enum store_state to);
int store_set_state(struct store *, int64_t id, enum store_state from,
    enum store_state to, const char *reason, const struct store_change *,
    int64_t at, char **cause);

/* The shared text the scheduler's read last needed (a sweep's jobs come
 * one after another). */
struct store_base_cache {
	int64_t id;
	char *text;
};
int store_sched_spec(struct store *, sqlite3_stmt *,
    struct store_base_cache *, char **);

/* store-rows.c: how a column of a row becomes a member of a record. */
enum store_col_type {
	STORE_COL_END,           /* ends a table */
	/* Read as text: */
	STORE_COL_TEXT,          /* char *, "" for NULL */
	STORE_COL_TEXT_NULL,     /* char *, NULL for NULL */
	STORE_COL_STATE,         /* enum store_state, queued if unknown */
	STORE_COL_STATE_CHECKED, /* enum store_state, damage if unknown */
	STORE_COL_FROM,          /* int: a state, -1 if NULL or unknown */
	/* Read as what they are: */
	STORE_COL_INT,
	STORE_COL_INT64,
	STORE_COL_DOUBLE,
	STORE_COL_BOOL,          /* non-zero */
	STORE_COL_IS_SET,        /* bool: the column is not NULL */
	STORE_COL_BLOB           /* char *, NUL-terminated; length at len */
};
struct store_col {
	int col;
	enum store_col_type type;
	size_t off;
	size_t len;              /* STORE_COL_BLOB: the size_t's offset */
};
/* Column i of a row to a member of struct rec, as type (TEXT, INT...). */
#define STORE_COL(i, type, rec, member) \
	{ (i), STORE_COL_##type, offsetof(struct rec, member), 0 }
/* A record's columns (ending with STORE_COL_END) and what a failure is
 * called: reading failed (what), or a state was unknown (damage). */
struct store_rows {
	size_t size;
	const char *what;
	const char *damage;
	struct store_col cols[10];
};
/* Steps stmt through its rows (a NULL stmt is a failed one) into a new
 * array of records, each zeroed then filled by the table, and resets it:
 * the array (never NULL on success; the caller frees it with the
 * record's free function), its length in *n; NULL with *cause on an
 * error or damage, having freed what it read. */
void *store_rows_read(struct store *, sqlite3_stmt *,
    const struct store_rows *, size_t *n, char **cause);
/* Frees the text members (TEXT, TEXT_NULL, BLOB) of n records of an
 * array read by the table, and the array: the records' free functions. */
void store_rows_free(const struct store_rows *, void *, size_t n);
/* store_rows_read of a statement of the cache with ?1 bound to key. */
void *store_rows_of(struct store *, enum store_stmt_id, int64_t key,
    const struct store_rows *, size_t *n, char **cause);

#endif
