/*
 * sched-strs.c: shared, counted strings (see sched-strs.h).  Chained
 * buckets, so that a string leaves without disturbing the others; the
 * table doubles at one string a bucket and never shrinks.
 */
#include "sched-strs.h"

#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "sched-int.h"

struct sched_str {
	struct sched_str *next;
	uint32_t hash;
	uint32_t refs;
	char s[];
};

/* The header of a string the set handed out. */
static struct sched_str *
sched_str_of(const char *s)
{
	return (struct sched_str *)(void *)((char *)(uintptr_t)s -
	    offsetof(struct sched_str, s));
}

/* An empty set that allocates on first use. */
void
sched_strs_init(struct sched_strs *t)
{
	memset(t, 0, sizeof *t);
}

/* Frees the strings and the table. */
void
sched_strs_release(struct sched_strs *t)
{
	struct sched_str *e, *next;
	size_t i;

	for (i = 0; i < t->cap; i++)
		for (e = t->v[i]; e != NULL; e = next) {
			next = e->next;
			free(e);
		}
	free(t->v);
	memset(t, 0, sizeof *t);
}

/* Doubles the buckets (or makes the first ones), rehooking each string. */
static void
sched_strs_grow(struct sched_strs *t)
{
	struct sched_str **old = t->v, *e, *next;
	size_t oldcap = t->cap, i, k;

	t->cap = oldcap == 0 ? 64 : oldcap * 2;
	t->v = xcalloc(t->cap, sizeof *t->v);
	for (i = 0; i < oldcap; i++)
		for (e = old[i]; e != NULL; e = next) {
			next = e->next;
			k = e->hash & (t->cap - 1);
			e->next = t->v[k];
			t->v[k] = e;
		}
	free(old);
}

/* See sched-strs.h: found, or added with a count of one. */
const char *
sched_strs_get(struct sched_strs *t, const char *s)
{
	struct sched_str *e;
	uint32_t h;
	size_t len, k;

	if (s == NULL)
		return NULL;
	h = sched_hash(s);
	if (t->cap > 0)
		for (e = t->v[h & (t->cap - 1)]; e != NULL; e = e->next)
			if (e->hash == h && strcmp(e->s, s) == 0) {
				e->refs++;
				return e->s;
			}
	if (t->n >= t->cap)
		sched_strs_grow(t);
	len = strlen(s);
	e = xmalloc(sizeof *e + len + 1);
	memcpy(e->s, s, len + 1);
	e->hash = h;
	e->refs = 1;
	k = h & (t->cap - 1);
	e->next = t->v[k];
	t->v[k] = e;
	t->n++;
	return e->s;
}

/* See sched-strs.h: the last reference unhooks the string and frees it. */
void
sched_strs_put(struct sched_strs *t, const char *s)
{
	struct sched_str *e, **p;

	if (s == NULL)
		return;
	e = sched_str_of(s);
	if (e->refs == 0)
		fatalx("%s: a string given back once too often", __func__);
	if (--e->refs > 0)
		return;
	for (p = &t->v[e->hash & (t->cap - 1)]; *p != NULL; p = &(*p)->next)
		if (*p == e) {
			*p = e->next;
			t->n--;
			free(e);
			return;
		}
	fatalx("%s: a string not of this set", __func__);
}
