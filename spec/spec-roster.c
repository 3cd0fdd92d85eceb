/* spec-roster.c: class rosters (CSV with a header, or a YAML list) as
 * parameter rows for for_each. */
#include "spec-int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* Frees a parameter table. */
void
spec_params_release(struct spec_params *p)
{
	size_t i;

	for (i = 0; i < p->nkeys; i++)
		free(p->keys[i]);
	for (i = 0; !p->borrowed && i < p->nkeys * p->nrows; i++)
		free(p->vals[i]);
	free(p->keys);
	free(p->vals);
	free(p->file);
	free(p->lines);
	free(p->cols);
	memset(p, 0, sizeof *p);
}

/* True for a column name usable as ${as.column}. */
static bool
spec_is_column_name(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
			return false;
	return true;
}

/* The most columns a roster may have (as a YAML roster's fields). */
#define SPEC_MAX_COLUMNS 256

/*
 * Reads one CSV field (RFC 4180 quoting), advancing *pp; *end_row is set
 * when the field ends its row.  The field is measured first and copied
 * into a buffer of its own size, so reading a file is linear in its length
 * and holds no more than the row being read.
 */
static int
spec_csv_field(const char **pp, const char *end, char **out, bool *end_row,
    char **cause)
{
	const char *p = *pp, *q;
	char *buf;
	size_t n = 0, len = 0;

	*end_row = false;
	if (p < end && *p == '"') {
		for (q = p + 1;; q++) {
			if (q >= end) {
				*cause = xstrdup("unterminated quoted field");
				return -1;
			}
			if (*q == '"') {
				if (q + 1 < end && q[1] == '"') {
					q++;
					len++;
					continue;
				}
				break;
			}
			len++;
		}
		buf = xmalloc(len + 1);
		for (p++; p < q; p++) {
			buf[n++] = *p;
			if (*p == '"')
				p++;
		}
		p = q + 1;
	} else {
		for (q = p; q < end && *q != ',' && *q != '\n' && *q != '\r';
		    q++)
			;
		len = (size_t)(q - p);
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		buf = xmalloc(len + 1);
		memcpy(buf, p, len);
		n = len;
		p = q;
	}
	if (p < end && *p == ',')
		p++;
	else if (p < end && (*p == '\r' || *p == '\n')) {
		if (*p == '\r' && p + 1 < end && p[1] == '\n')
			p++;
		p++;
		*end_row = true;
	} else if (p >= end)
		*end_row = true;
	else {
		free(buf);
		*cause = xstrdup("text after a closing quote");
		return -1;
	}
	buf[n] = '\0';
	*pp = p;
	*out = buf;
	return 0;
}

/*
 * Parses CSV with a header line into rows of "<prefix>.<column>" keys, at
 * most max_rows of them: time linear in len, and besides the table it
 * returns, memory for one row.
 */
int
spec_csv_parse(const char *buf, size_t len, const char *prefix,
    size_t max_rows, struct spec_params *out, char **cause)
{
	const char *p = buf, *end = buf + len, *bol = buf, *at;
	char **row = NULL, *f, *why = NULL;
	size_t n = 0, line = 1, i, cap = 0, rowcap = 0;
	bool eor, header = true;
	int ret = -1, *cols = NULL;

	memset(out, 0, sizeof *out);
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		bol = p += 3;
	while (p < end) {
		if (n == 0 && (*p == '\n' || *p == '\r')) {
			p++;
			line++;
			bol = p;
			continue;
		}
		at = p;
		if (spec_csv_field(&p, end, &f, &eor, &why) != 0) {
			*cause = xprintf("line %zu: %s", line, why);
			free(why);
			goto out;
		}
		if (n == rowcap) {
			if (header && n >= SPEC_MAX_COLUMNS) {
				free(f);
				*cause = xprintf("line %zu: more than %d "
				    "columns", line, SPEC_MAX_COLUMNS);
				goto out;
			}
			if (!header && n >= out->nkeys) {
				free(f);
				*cause = xprintf("line %zu: more fields than "
				    "the header's %zu", line, out->nkeys);
				goto out;
			}
			rowcap = rowcap == 0 ? 8 : rowcap * 2;
			row = xreallocarray(row, rowcap, sizeof *row);
			cols = xreallocarray(cols, rowcap, sizeof *cols);
		}
		cols[n] = (int)(at - bol) + 1;
		row[n++] = f;
		if (!eor)
			continue;
		if (header) {
			out->keys = xcalloc(n, sizeof *out->keys);
			for (i = 0; i < n; i++) {
				if (!spec_is_column_name(row[i])) {
					*cause = xprintf("line %zu: bad column "
					    "name '%s'", line, row[i]);
					goto out;
				}
				out->keys[i] = xprintf("%s.%s", prefix,
				    row[i]);
				out->nkeys = i + 1;
			}
			header = false;
		} else {
			if (n != out->nkeys) {
				*cause = xprintf("line %zu: %zu fields, the "
				    "header has %zu", line, n, out->nkeys);
				goto out;
			}
			if (out->nrows >= max_rows) {
				*cause = xprintf("more than %zu rows: at most "
				    "%zu jobs may be submitted at once",
				    max_rows, max_rows);
				goto out;
			}
			if (out->nrows == cap) {
				cap = cap == 0 ? 64 : cap * 2;
				out->vals = xreallocarray(out->vals, cap,
				    out->nkeys * sizeof *out->vals);
				out->cols = xreallocarray(out->cols, cap,
				    out->nkeys * sizeof *out->cols);
				out->lines = xreallocarray(out->lines, cap,
				    sizeof *out->lines);
			}
			memcpy(&out->vals[out->nrows * out->nkeys], row,
			    n * sizeof *row);
			memcpy(&out->cols[out->nrows * out->nkeys], cols,
			    n * sizeof *cols);
			out->lines[out->nrows] = (int)line;
			out->nrows++;
			n = 0;
		}
		for (i = 0; i < n; i++)
			free(row[i]);
		n = 0;
		/* A quoted field may hold line breaks: count them all. */
		for (; bol < p; bol++)
			if (*bol == '\n')
				line++;
		bol = p;
	}
	if (header) {
		*cause = xstrdup("no header line");
		goto out;
	}
	ret = 0;
out:
	for (i = 0; i < n; i++)
		free(row[i]);
	free(row);
	free(cols);
	if (ret != 0)
		spec_params_release(out);
	return ret;
}

/* The index of a column among keys "<as>.<column>" (nkeys if absent),
 * trying first where rows that list their fields in one order have it. */
static size_t
spec_roster_column(const struct spec_params *p, size_t aslen,
    const char *name, size_t hint)
{
	size_t k;

	if (hint < p->nkeys && strcmp(p->keys[hint] + aslen + 1, name) == 0)
		return hint;
	for (k = 0; k < p->nkeys; k++)
		if (strcmp(p->keys[k] + aslen + 1, name) == 0)
			return k;
	return p->nkeys;
}

/* Reads a YAML roster: a list of mappings of scalars. */
static int
spec_roster_yaml(struct spec_ctx *c, const struct ytree_node *at,
    const char *path, const char *buf, size_t len, const char *as,
    struct spec_params *out)
{
	struct spec_ctx rc = { .file = path, .diags = c->diags };
	struct ytree_node **docs = NULL, *l, *r;
	size_t ndocs = 0, i, j, k;
	int ret = -1;

	if (spec_yaml_parse(&rc, buf, len, &docs, &ndocs) != 0) {
		c->errors += rc.errors;
		return -1;
	}
	if (ndocs != 1 || (l = docs[0])->type != YTREE_SEQ) {
		spec_error(c, at, "roster '%s' must be CSV with a header or a "
		    "YAML list of mappings", path);
		goto out;
	}
	if (l->n > spec_max_jobs(c)) {
		spec_error(c, at, "roster '%s' has %zu rows: at most %zu jobs "
		    "may be submitted at once", path, l->n, spec_max_jobs(c));
		goto out;
	}
	/* The keys are the union of every row's keys, in first-seen order. */
	for (i = 0; i < l->n; i++) {
		r = l->kids[i];
		if (r->type != YTREE_MAP) {
			spec_error(&rc, r, "a roster row must be a mapping");
			c->errors++;
			goto out;
		}
		for (j = 0; j < r->n; j += 2) {
			if (r->kids[j + 1]->type != YTREE_SCALAR ||
			    !spec_is_column_name(r->kids[j]->s)) {
				spec_error(&rc, r->kids[j], "roster fields "
				    "must be simple names with single values");
				c->errors++;
				goto out;
			}
			if (spec_roster_column(out, strlen(as), r->kids[j]->s,
			    j / 2) < out->nkeys)
				continue;
			if (out->nkeys >= SPEC_MAX_COLUMNS) {
				spec_error(c, at, "roster has too many fields");
				goto out;
			}
			out->keys = xreallocarray(out->keys, out->nkeys + 1,
			    sizeof *out->keys);
			out->keys[out->nkeys++] = xprintf("%s.%s", as,
			    r->kids[j]->s);
		}
	}
	out->nrows = l->n;
	out->vals = xcalloc(l->n * (out->nkeys ? out->nkeys : 1),
	    sizeof *out->vals);
	for (i = 0; i < l->n; i++) {
		r = l->kids[i];
		for (j = 0; j < r->n; j += 2) {
			k = spec_roster_column(out, strlen(as), r->kids[j]->s,
			    j / 2);
			out->vals[i * out->nkeys + k] =
			    xstrdup(r->kids[j + 1]->s);
		}
	}
	ret = 0;
out:
	ytree_docs_free(docs, ndocs);
	if (ret != 0)
		spec_params_release(out);
	return ret;
}

/* The path of a roster ref relative to the spec file (allocated). */
static char *
spec_roster_path(const char *spec_path, const char *ref)
{
	const char *slash = strrchr(spec_path, '/');

	if (ref[0] == '/' || slash == NULL)
		return xstrdup(ref);
	return xprintf("%.*s/%s", (int)(slash - spec_path), spec_path, ref);
}

/* See spec.h. */
int
spec_roster_read(const char *spec_path, const char *ref, size_t max,
    char **text, size_t *len, char **cause)
{
	char *full = spec_roster_path(spec_path, ref), *why = NULL;

	if (ytree_read_file(full, max, text, len, &why) != 0) {
		*cause = xprintf("roster '%s': %s", full, why);
		free(why);
		free(full);
		return -1;
	}
	free(full);
	return 0;
}

/* Adds the for_each.roster of one document to refs, once each. */
static void
spec_roster_ref_add(const struct ytree_node *d, char ***refs, size_t *n)
{
	const struct ytree_node *fe, *r;
	size_t i;

	if (d->type != YTREE_MAP ||
	    (fe = ytree_get(d, "for_each")) == NULL ||
	    fe->type != YTREE_MAP ||
	    (r = ytree_get(fe, "roster")) == NULL ||
	    r->type != YTREE_SCALAR)
		return;
	for (i = 0; i < *n; i++)
		if (strcmp((*refs)[i], r->s) == 0)
			return;
	if (*n > SPEC_MAX_ROSTERS)
		return;
	*refs = xreallocarray(*refs, *n + 1, sizeof **refs);
	(*refs)[(*n)++] = xstrdup(r->s);
}

/* See spec.h. */
void
spec_roster_refs(const char *name, const char *buf, size_t len,
    char ***refs, size_t *n)
{
	struct spec_diags diags = { 0 };
	struct spec_ctx c = { .file = name, .diags = &diags };
	struct ytree_node **docs = NULL;
	size_t ndocs = 0, i;

	*refs = NULL;
	*n = 0;
	if (len <= SPEC_MAX_FILE_SIZE &&
	    spec_yaml_parse(&c, buf, len, &docs, &ndocs) == 0)
		for (i = 0; i < ndocs; i++)
			spec_roster_ref_add(docs[i], refs, n);
	ytree_docs_free(docs, ndocs);
	spec_diags_release(&diags);
}

/*
 * The text of the roster a for_each names: read relative to the spec
 * file, or, where no file is read (a server), the text given as data
 * under that name; -1 after an error at the roster's place.
 */
static int
spec_roster_text(struct spec_ctx *c, const struct ytree_node *at,
    const char *path, char **full, char **buf, size_t *len)
{
	char *cause = NULL;
	size_t i;

	if (!c->no_files) {
		*full = spec_roster_path(c->file, path);
		if (ytree_read_file(*full, SPEC_MAX_ROSTER_SIZE, buf, len,
		    &cause) == 0)
			return 0;
		spec_error(c, at, "roster '%s': %s", *full, cause);
		free(cause);
		return -1;
	}
	*full = xstrdup(path);
	for (i = 0; i < c->nrosters; i++) {
		if (strcmp(c->rosters[i].name, path) != 0)
			continue;
		*buf = xmalloc(c->rosters[i].len + 1);
		memcpy(*buf, c->rosters[i].text, c->rosters[i].len);
		(*buf)[c->rosters[i].len] = '\0';
		*len = c->rosters[i].len;
		return 0;
	}
	spec_error(c, at, "'for_each.roster' names a file ('%s'), and files "
	    "are not read here: its rows must come with the spec (ailab-queue "
	    "submit sends them)", path);
	return -1;
}

/* Loads the roster a for_each names, relative to the spec file. */
int
spec_roster_load(struct spec_ctx *c, const struct ytree_node *at,
    const char *path, const char *as, struct spec_params *out)
{
	const char *ext;
	char *full = NULL, *buf = NULL, *cause = NULL;
	size_t len;
	int ret = -1;

	memset(out, 0, sizeof *out);
	if (spec_roster_text(c, at, path, &full, &buf, &len) != 0)
		goto out;
	ext = strrchr(path, '.');
	if (ext != NULL && (strcmp(ext, ".yaml") == 0 ||
	    strcmp(ext, ".yml") == 0)) {
		ret = spec_roster_yaml(c, at, full, buf, len, as, out);
		goto out;
	}
	if (spec_csv_parse(buf, len, as, spec_max_jobs(c), out, &cause) != 0) {
		spec_error(c, at, "roster '%s': %s", full, cause);
		goto out;
	}
	out->file = xstrdup(path);
	ret = 0;
out:
	free(cause);
	free(buf);
	free(full);
	return ret;
}
