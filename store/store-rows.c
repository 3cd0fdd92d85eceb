/*
 * store-rows.c: the one loop that reads a statement's rows into an array
 * of plain records, driven by a table of the record's columns, so that
 * each query says only which column goes to which member.
 */
#include "store-int.h"

#include <stdlib.h>
#include <string.h>

/* Reads one column into a record's member; -1 for a state no version of
 * this module wrote (STORE_COL_STATE_CHECKED). */
static int
store_col_read(sqlite3_stmt *stmt, const struct store_col *c, char *rec)
{
	void *p = rec + c->off;
	const char *t = c->type > STORE_COL_FROM ? NULL :
	    (const char *)sqlite3_column_text(stmt, c->col);
	enum store_state st = STORE_QUEUED;
	const void *blob;
	int len;

	switch (c->type) {
	case STORE_COL_TEXT:
		*(char **)p = xstrdup(t != NULL ? t : "");
		break;
	case STORE_COL_TEXT_NULL:
		*(char **)p = t != NULL ? xstrdup(t) : NULL;
		break;
	case STORE_COL_INT:
		*(int *)p = sqlite3_column_int(stmt, c->col);
		break;
	case STORE_COL_INT64:
		*(int64_t *)p = sqlite3_column_int64(stmt, c->col);
		break;
	case STORE_COL_DOUBLE:
		*(double *)p = sqlite3_column_double(stmt, c->col);
		break;
	case STORE_COL_BOOL:
		*(bool *)p = sqlite3_column_int(stmt, c->col) != 0;
		break;
	case STORE_COL_IS_SET:
		*(bool *)p = sqlite3_column_type(stmt, c->col) != SQLITE_NULL;
		break;
	case STORE_COL_STATE:
		if (t != NULL)
			(void)store_state_parse(t, &st);
		*(enum store_state *)p = st;
		break;
	case STORE_COL_STATE_CHECKED:
		if (t == NULL || store_state_parse(t, &st) != 0)
			return -1;
		*(enum store_state *)p = st;
		break;
	case STORE_COL_FROM:
		*(int *)p = t != NULL && store_state_parse(t, &st) == 0 ?
		    (int)st : -1;
		break;
	case STORE_COL_BLOB:
		/* Text of a known length, NUL-terminated, its length at len. */
		blob = sqlite3_column_blob(stmt, c->col);
		len = sqlite3_column_bytes(stmt, c->col);
		*(char **)p = xmalloc((size_t)len + 1);
		if (len > 0)
			memcpy(*(char **)p, blob, (size_t)len);
		(*(char **)p)[len] = '\0';
		*(size_t *)(void *)(rec + c->len) = (size_t)len;
		break;
	case STORE_COL_END:
		break;
	}
	return 0;
}

/* See store-int.h. */
void
store_rows_free(const struct store_rows *t, void *array, size_t n)
{
	const struct store_col *c;
	char *v = array;
	size_t i;

	for (i = 0; i < n; i++)
		for (c = t->cols; c->type != STORE_COL_END; c++)
			if (c->type == STORE_COL_TEXT ||
			    c->type == STORE_COL_TEXT_NULL ||
			    c->type == STORE_COL_BLOB)
				free(*(char **)(void *)(v + i * t->size +
				    c->off));
	free(v);
}

/* See store-int.h. */
void *
store_rows_read(struct store *s, sqlite3_stmt *stmt,
    const struct store_rows *t, size_t *nout, char **cause)
{
	const struct store_col *c;
	char *v = NULL, *rec;
	size_t n = 0, cap = 0;
	int rc;

	while ((rc = store_step(s, stmt)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			v = xreallocarray(v, cap, t->size);
		}
		rec = v + n++ * t->size;
		memset(rec, 0, t->size);
		for (c = t->cols; c->type != STORE_COL_END; c++)
			if (store_col_read(stmt, c, rec) != 0)
				break;
		if (c->type != STORE_COL_END)
			break;
	}
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE) {
		store_rows_free(t, v, n);
		if (rc == SQLITE_ROW)
			store_damaged(s, cause, t->what, t->damage);
		else
			store_error(s, cause, t->what);
		return NULL;
	}
	*nout = n;
	return v != NULL ? v : xcalloc(1, t->size);
}

/* See store-int.h. */
void *
store_rows_of(struct store *s, enum store_stmt_id id, int64_t key,
    const struct store_rows *t, size_t *nout, char **cause)
{
	sqlite3_stmt *stmt = store_stmt(s, id);

	if (stmt != NULL)
		sqlite3_bind_int64(stmt, 1, key);
	return store_rows_read(s, stmt, t, nout, cause);
}
