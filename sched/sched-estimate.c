/*
 * Run-time estimates: a table from "owner, family" (and "owner" alone) to
 * a ring of the last runs, answered as a percentile (Tsafrir et al. found
 * a user's recent runs predict the next better than the limits users give;
 * a high percentile keeps reservations from slipping on every short run).
 */
#include "sched-estimate.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

struct sched_est_ring {
	char *key;                   /* NULL: empty slot */
	int64_t ms[SCHED_EST_KEEP];
	size_t n;                    /* runs seen, capped at the ring */
	size_t next;
};

struct sched_est {
	struct sched_est_ring *v;
	size_t cap;                  /* power of two */
	size_t n;
};

/* FNV-1a: keys are short and few; any spread will do. */
static uint32_t
sched_est_hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s != '\0')
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

/* An empty table. */
struct sched_est *
sched_est_new(void)
{
	struct sched_est *e = xcalloc(1, sizeof *e);

	e->cap = 64;
	e->v = xcalloc(e->cap, sizeof *e->v);
	return e;
}

/* Frees the table and its keys. */
void
sched_est_free(struct sched_est *e)
{
	size_t i;

	if (e == NULL)
		return;
	for (i = 0; i < e->cap; i++)
		free(e->v[i].key);
	free(e->v);
	free(e);
}

/* The slot of key, or the empty slot where it would go. */
static struct sched_est_ring *
sched_est_slot(const struct sched_est *e, const char *key)
{
	size_t i = sched_est_hash(key) & (e->cap - 1);

	while (e->v[i].key != NULL && strcmp(e->v[i].key, key) != 0)
		i = (i + 1) & (e->cap - 1);
	return &e->v[i];
}

/* Doubles the table when it is half full, so probes stay short. */
static void
sched_est_grow(struct sched_est *e)
{
	struct sched_est_ring *old = e->v, *r;
	size_t i, ocap = e->cap;

	e->cap *= 2;
	e->v = xcalloc(e->cap, sizeof *e->v);
	for (i = 0; i < ocap; i++) {
		if (old[i].key == NULL)
			continue;
		r = sched_est_slot(e, old[i].key);
		*r = old[i];
	}
	free(old);
}

/* Pushes a run into the ring of key, making the ring if new. */
static void
sched_est_push(struct sched_est *e, const char *key, int64_t ms)
{
	struct sched_est_ring *r;

	if (2 * (e->n + 1) > e->cap)
		sched_est_grow(e);
	r = sched_est_slot(e, key);
	if (r->key == NULL) {
		r->key = xstrdup(key);
		e->n++;
	}
	r->ms[r->next] = ms;
	r->next = (r->next + 1) % SCHED_EST_KEEP;
	if (r->n < SCHED_EST_KEEP)
		r->n++;
}

/* A sweep's jobs are "<name>-<index>": the name without its index. */
char *
sched_est_family(const char *name, const char *group)
{
	size_t n;

	if (group != NULL && *group != '\0')
		return xprintf("g:%s", group);
	n = name != NULL ? strlen(name) : 0;
	while (n > 0 && isdigit((unsigned char)name[n - 1]))
		n--;
	while (n > 0 && (name[n - 1] == '-' || name[n - 1] == '_' ||
	    name[n - 1] == '.'))
		n--;
	if (n == 0)
		return xprintf("n:%s", name != NULL ? name : "");
	return xprintf("n:%.*s", (int)n, name);
}

/* See sched-estimate.h. */
void
sched_est_add(struct sched_est *e, const char *owner, const char *name,
    const char *group, int64_t run_ms)
{
	char *fam, *key;

	if (run_ms <= 0 || owner == NULL)
		return;
	fam = sched_est_family(name, group);
	key = xprintf("%s\037%s", owner, fam);
	sched_est_push(e, key, run_ms);
	free(key);
	key = xprintf("%s\037", owner);
	sched_est_push(e, key, run_ms);
	free(key);
	free(fam);
}

/* Orders run lengths for the percentile. */
static int
sched_est_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* The percentile of a ring's runs, in ms (nearest rank). */
static int64_t
sched_est_pct(const struct sched_est_ring *r)
{
	int64_t v[SCHED_EST_KEEP];
	size_t k;

	memcpy(v, r->ms, r->n * sizeof *v);
	qsort(v, r->n, sizeof *v, sched_est_cmp);
	k = (r->n * SCHED_EST_PERCENTILE + 99) / 100;
	return v[k > 0 ? k - 1 : 0];
}

/* See sched-estimate.h. */
int64_t
sched_est_get(const struct sched_est *e, const char *owner, const char *name,
    const char *group, char *basis, size_t len)
{
	const struct sched_est_ring *r;
	char *fam, *key;
	int64_t ms = 0;
	bool family = true;

	if (basis != NULL && len > 0)
		*basis = '\0';
	if (owner == NULL)
		return 0;
	fam = sched_est_family(name, group);
	key = xprintf("%s\037%s", owner, fam);
	r = sched_est_slot(e, key);
	free(key);
	if (r->key == NULL || r->n < SCHED_EST_MIN_RUNS) {
		family = false;
		key = xprintf("%s\037", owner);
		r = sched_est_slot(e, key);
		free(key);
	}
	if (r->key != NULL && r->n >= SCHED_EST_MIN_RUNS) {
		ms = sched_est_pct(r);
		if (basis != NULL && family)
			snprintf(basis, len, "p%d of %zu runs of %s '%s'",
			    SCHED_EST_PERCENTILE, r->n, fam[0] == 'g' ?
			    "group" : "jobs named", fam + 2);
		else if (basis != NULL)
			snprintf(basis, len, "p%d of %s's last %zu runs",
			    SCHED_EST_PERCENTILE, owner, r->n);
	}
	free(fam);
	return ms > 0 ? (ms + 999) / 1000 : 0;
}
