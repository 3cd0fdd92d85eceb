/*
 * spec-sweep.c: a spec's 'sweep' (a grid, a zip or a list of parameter
 * sets) or 'for_each' (a roster's rows) read into the template's
 * parameter table, one row per job of the group.
 */
#include "spec-int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads the values of one sweep parameter: a list of scalars. */
static int
spec_sweep_values(struct spec_ctx *c, const struct ytree_node *v,
    const char *key)
{
	size_t i;

	if (v->type != YTREE_SEQ || v->n == 0) {
		spec_error(c, v, "sweep parameter '%s' must be a non-empty "
		    "list of values", key);
		return -1;
	}
	for (i = 0; i < v->n; i++) {
		if (v->kids[i]->type != YTREE_SCALAR) {
			spec_error(c, v->kids[i], "sweep values must be single "
			    "values");
			return -1;
		}
	}
	return 0;
}

/* True for a parameter name usable as ${name}: not ${index} or ${group},
 * which every job of a group has. */
static bool
spec_is_param_name(const char *s)
{
	if ((!isalpha((unsigned char)*s) && *s != '_') ||
	    strcmp(s, "index") == 0 || strcmp(s, "group") == 0)
		return false;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
			return false;
	return true;
}

/* The most parameters one sweep may have, so that finding a ${name}
 * stays cheap. */
#define SPEC_MAX_PARAMS 256

/* Checks the names of a grid or zip mapping's parameters. */
static int
spec_sweep_names(struct spec_ctx *c, const struct ytree_node *m)
{
	size_t i;

	if (m->n / 2 > SPEC_MAX_PARAMS) {
		spec_error(c, m, "a sweep takes at most %d parameters",
		    SPEC_MAX_PARAMS);
		return -1;
	}
	for (i = 0; i < m->n; i += 2) {
		if (!spec_is_param_name(m->kids[i]->s)) {
			spec_error(c, m->kids[i], "'%s' cannot be a parameter "
			    "name", m->kids[i]->s);
			return -1;
		}
		if (spec_sweep_values(c, m->kids[i + 1], m->kids[i]->s) != 0)
			return -1;
	}
	return 0;
}

/* The sizes of a grid's axes for a message: "100 x 100 x 10". */
static char *
spec_sweep_axes(const struct ytree_node *m)
{
	char *s = xstrdup(""), *n;
	size_t i;

	for (i = 1; i < m->n; i += 2) {
		if (strlen(s) > 200) {
			n = xprintf("%s x ...", s);
			free(s);
			return n;
		}
		n = xprintf("%s%s%zu", s, i > 1 ? " x " : "", m->kids[i]->n);
		free(s);
		s = n;
	}
	return s;
}

/* Sets up the table of a grid or zip of rows rows: its keys are the
 * mapping's names, its values borrowed from the tree. */
static void
spec_sweep_table(const struct ytree_node *m, size_t rows,
    struct spec_params *p)
{
	size_t nk = m->n / 2, i;

	p->nkeys = nk;
	p->keys = xcalloc(nk, sizeof *p->keys);
	for (i = 0; i < nk; i++)
		p->keys[i] = xstrdup(m->kids[2 * i]->s);
	p->nrows = rows;
	p->borrowed = true;
	p->vals = xcalloc(rows * nk, sizeof *p->vals);
}

/* Builds the rows of a grid: the product, the last parameter varying
 * fastest. */
static int
spec_sweep_grid(struct spec_ctx *c, const struct ytree_node *m,
    struct spec_params *p)
{
	size_t nk = m->n / 2, i, r, rem;
	uint64_t total = 1;

	if (m->type != YTREE_MAP || m->n == 0) {
		spec_error(c, m, "'sweep.grid' must map parameter names to "
		    "lists of values");
		return -1;
	}
	if (spec_sweep_names(c, m) != 0)
		return -1;
	/* The product is counted (saturating) before any row is made. */
	for (i = 0; i < nk; i++) {
		rem = m->kids[2 * i + 1]->n;
		total = total > UINT64_MAX / rem ? UINT64_MAX : total * rem;
	}
	if (total > spec_max_jobs(c)) {
		char *axes = spec_sweep_axes(m);

		spec_error(c, m, "'sweep.grid' makes %s%llu jobs (%s): at "
		    "most %zu may be submitted at once", total == UINT64_MAX ?
		    "more than " : "", (unsigned long long)total, axes,
		    spec_max_jobs(c));
		free(axes);
		return -1;
	}
	spec_sweep_table(m, (size_t)total, p);
	for (r = 0; r < p->nrows; r++) {
		rem = r;
		for (i = nk; i-- > 0;) {
			const struct ytree_node *l = m->kids[2 * i + 1];

			p->vals[r * nk + i] = l->kids[rem % l->n]->s;
			rem /= l->n;
		}
	}
	return 0;
}

/* Builds the rows of a zip: the i-th values of every parameter. */
static int
spec_sweep_zip(struct spec_ctx *c, const struct ytree_node *m,
    struct spec_params *p)
{
	size_t nk = m->n / 2, i, r, len;

	if (m->type != YTREE_MAP || m->n == 0) {
		spec_error(c, m, "'sweep.zip' must map parameter names to "
		    "lists of values");
		return -1;
	}
	if (spec_sweep_names(c, m) != 0)
		return -1;
	len = m->kids[1]->n;
	for (i = 1; i < nk; i++) {
		if (m->kids[2 * i + 1]->n != len) {
			spec_error(c, m->kids[2 * i + 1], "zip lists must have "
			    "the same length: '%s' has %zu values, '%s' has "
			    "%zu", m->kids[2 * i]->s, m->kids[2 * i + 1]->n,
			    m->kids[0]->s, len);
			return -1;
		}
	}
	if (len > spec_max_jobs(c)) {
		spec_error(c, m, "'sweep.zip' makes %zu jobs: at most %zu may "
		    "be submitted at once", len, spec_max_jobs(c));
		return -1;
	}
	spec_sweep_table(m, len, p);
	for (r = 0; r < len; r++)
		for (i = 0; i < nk; i++)
			p->vals[r * nk + i] = m->kids[2 * i + 1]->kids[r]->s;
	return 0;
}

/* Builds the rows of an explicit list of parameter sets. */
static int
spec_sweep_list(struct spec_ctx *c, const struct ytree_node *l,
    struct spec_params *p)
{
	const struct ytree_node *r;
	size_t i, j, k;

	if (l->type != YTREE_SEQ || l->n == 0) {
		spec_error(c, l, "'sweep.list' must be a non-empty list of "
		    "parameter sets");
		return -1;
	}
	if (l->n > spec_max_jobs(c)) {
		spec_error(c, l, "'sweep.list' makes %zu jobs: at most %zu may "
		    "be submitted at once", l->n, spec_max_jobs(c));
		return -1;
	}
	for (i = 0; i < l->n; i++) {
		r = l->kids[i];
		if (r->type != YTREE_MAP) {
			spec_error(c, r, "a parameter set must be a mapping");
			return -1;
		}
		for (j = 0; j < r->n; j += 2) {
			if (r->kids[j + 1]->type != YTREE_SCALAR ||
			    !spec_is_param_name(r->kids[j]->s)) {
				spec_error(c, r->kids[j], "parameter '%s' must "
				    "be a name with a single value",
				    r->kids[j]->s);
				return -1;
			}
			for (k = 0; k < p->nkeys; k++)
				if (strcmp(p->keys[k], r->kids[j]->s) == 0)
					break;
			if (k == p->nkeys) {
				if (p->nkeys >= SPEC_MAX_PARAMS) {
					spec_error(c, r, "a sweep takes at most "
					    "%d parameters", SPEC_MAX_PARAMS);
					return -1;
				}
				p->keys = xreallocarray(p->keys, p->nkeys + 1,
				    sizeof *p->keys);
				p->keys[p->nkeys++] = xstrdup(r->kids[j]->s);
			}
		}
	}
	p->nrows = l->n;
	p->borrowed = true;
	p->vals = xcalloc(l->n * (p->nkeys ? p->nkeys : 1), sizeof *p->vals);
	for (i = 0; i < l->n; i++) {
		r = l->kids[i];
		for (j = 0; j < r->n; j += 2) {
			for (k = 0; k < p->nkeys; k++)
				if (strcmp(p->keys[k], r->kids[j]->s) == 0)
					break;
			p->vals[i * p->nkeys + k] = r->kids[j + 1]->s;
		}
	}
	return 0;
}

/* Reads sweep: one of grid, list, zip, and max_running. */
void
spec_sweep(struct spec_ctx *c, const struct ytree_node *n, struct spec_tmpl *t)
{
	static const char *const sk[] = { "grid", "list", "zip",
		"max_running", "max_gpus" };
	const struct ytree_node *k, *v, *form = NULL;
	size_t i;

	if (n->type != YTREE_MAP) {
		spec_error(c, n, "'sweep' must be a mapping with 'grid', "
		    "'list' or 'zip'");
		return;
	}
	for (i = 0; i + 1 < n->n; i += 2) {
		k = n->kids[i];
		v = n->kids[i + 1];
		if (strcmp(k->s, "max_running") == 0)
			spec_int(c, v, "sweep.max_running", 1, SPEC_MAX_JOBS,
			    &t->max_running);
		else if (strcmp(k->s, "max_gpus") == 0)
			spec_int(c, v, "sweep.max_gpus", 1, 1000000,
			    &t->max_gpus);
		else if (strcmp(k->s, "grid") == 0 || strcmp(k->s, "list") == 0 ||
		    strcmp(k->s, "zip") == 0) {
			if (form != NULL) {
				spec_error(c, k, "'sweep' takes one of 'grid', "
				    "'list' or 'zip'");
				continue;
			}
			form = k;
			if (k->s[0] == 'g')
				spec_sweep_grid(c, v, &t->params);
			else if (k->s[0] == 'l')
				spec_sweep_list(c, v, &t->params);
			else
				spec_sweep_zip(c, v, &t->params);
		} else
			spec_unknown_key(c, k, "sweep.", sk, nitems(sk));
	}
	if (form == NULL)
		spec_error(c, n, "'sweep' needs 'grid', 'list' or 'zip'");
	t->kind = "sweep";
}

/* Reads for_each: {roster, as}. */
void
spec_for_each(struct spec_ctx *c, const struct ytree_node *n,
    struct spec_tmpl *t)
{
	static const char *const fk[] = { "roster", "as", "max_running",
		"max_gpus" };
	const struct ytree_node *k, *v, *roster = NULL;
	const char *as = "row";
	size_t i;

	t->kind = "roster";
	if (n->type != YTREE_MAP) {
		spec_error(c, n, "'for_each' must be a mapping such as "
		    "{roster: students.csv, as: student}");
		return;
	}
	for (i = 0; i + 1 < n->n; i += 2) {
		k = n->kids[i];
		v = n->kids[i + 1];
		if (strcmp(k->s, "roster") == 0) {
			if (spec_scalar(c, v, "for_each.roster") != NULL)
				roster = v;
		} else if (strcmp(k->s, "as") == 0) {
			if (spec_scalar(c, v, "for_each.as") == NULL)
				continue;
			if (!spec_is_param_name(v->s)) {
				spec_error(c, v, "'for_each.as' must be a "
				    "name such as student");
				continue;
			}
			as = v->s;
		} else if (strcmp(k->s, "max_running") == 0)
			spec_int(c, v, "for_each.max_running", 1,
			    SPEC_MAX_JOBS, &t->max_running);
		else if (strcmp(k->s, "max_gpus") == 0)
			spec_int(c, v, "for_each.max_gpus", 1, 1000000,
			    &t->max_gpus);
		else
			spec_unknown_key(c, k, "for_each.", fk, nitems(fk));
	}
	if (roster == NULL) {
		spec_error(c, n, "'for_each.roster' is required");
		return;
	}
	if (spec_roster_load(c, roster, roster->s, as, &t->params) != 0)
		return;
	if (t->params.nrows == 0)
		spec_error(c, roster, "roster '%s' has no rows", roster->s);
}
