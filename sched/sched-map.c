/*
 * sched-map.c: the loop's string-keyed hash table (see sched-map.h).
 */
#include "sched-map.h"

#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "sched-int.h"

/* An empty map that allocates on first use. */
void
sched_map_init(struct sched_map *m)
{
	memset(m, 0, sizeof *m);
}

/* Frees keys, the table and (through free_value) the values. */
void
sched_map_release(struct sched_map *m, void (*free_value)(void *))
{
	size_t i;

	for (i = 0; i < m->cap; i++) {
		if (m->v[i].key == NULL)
			continue;
		free(m->v[i].key);
		if (free_value != NULL)
			free_value(m->v[i].value);
	}
	free(m->v);
	memset(m, 0, sizeof *m);
}

/* The slot holding key, or the empty slot where it would go. */
static size_t
sched_map_find(const struct sched_map *m, const char *key, uint32_t h)
{
	size_t i = h & (m->cap - 1);

	while (m->v[i].key != NULL && (m->v[i].hash != h ||
	    strcmp(m->v[i].key, key) != 0))
		i = (i + 1) & (m->cap - 1);
	return i;
}

/* Doubles the table (or makes the first one) keeping every entry. */
static void
sched_map_grow(struct sched_map *m)
{
	struct sched_map_slot *old = m->v;
	size_t oldcap = m->cap, i, k;

	m->cap = oldcap == 0 ? 16 : oldcap * 2;
	m->v = xcalloc(m->cap, sizeof *m->v);
	for (i = 0; i < oldcap; i++) {
		if (old[i].key == NULL)
			continue;
		k = old[i].hash & (m->cap - 1);
		while (m->v[k].key != NULL)
			k = (k + 1) & (m->cap - 1);
		m->v[k] = old[i];
	}
	free(old);
}

/* The value of key, or NULL. */
void *
sched_map_get(const struct sched_map *m, const char *key)
{
	size_t i;

	if (m->cap == 0)
		return NULL;
	i = sched_map_find(m, key, sched_hash(key));
	return m->v[i].key != NULL ? m->v[i].value : NULL;
}

/* Sets a value, keeping the table at most half full. */
void *
sched_map_put(struct sched_map *m, const char *key, void *value)
{
	uint32_t h = sched_hash(key);
	void *old;
	size_t i;

	if ((m->n + 1) * 2 > m->cap)
		sched_map_grow(m);
	i = sched_map_find(m, key, h);
	if (m->v[i].key != NULL) {
		old = m->v[i].value;
		m->v[i].value = value;
		return old;
	}
	m->v[i].key = xstrdup(key);
	m->v[i].hash = h;
	m->v[i].value = value;
	m->n++;
	return NULL;
}

/* Empties slot i and moves later entries of its probe run back into the
 * hole, so that lookups never need tombstones. */
static void *
sched_map_remove(struct sched_map *m, size_t i)
{
	void *value = m->v[i].value;
	size_t j = i, k;

	free(m->v[i].key);
	m->v[i].key = NULL;
	m->n--;
	for (;;) {
		j = (j + 1) & (m->cap - 1);
		if (m->v[j].key == NULL)
			break;
		k = m->v[j].hash & (m->cap - 1);
		/* Leave j if its home lies cyclically in (i, j]. */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		m->v[i] = m->v[j];
		m->v[j].key = NULL;
		i = j;
	}
	return value;
}

/* Removes key; its value goes back to the caller. */
void *
sched_map_del(struct sched_map *m, const char *key)
{
	size_t i;

	if (m->cap == 0)
		return NULL;
	i = sched_map_find(m, key, sched_hash(key));
	if (m->v[i].key == NULL)
		return NULL;
	return sched_map_remove(m, i);
}

/* Walks the entries in table order. */
struct sched_map_slot *
sched_map_next(const struct sched_map *m, size_t *i)
{
	for (; *i < m->cap; (*i)++) {
		if (m->v[*i].key != NULL)
			return &m->v[(*i)++];
	}
	return NULL;
}

/*
 * Removes the entry a walk just returned.  An entry shifted back into its
 * slot is one the walk has not seen yet (or, wrapping, one it has: seen
 * twice is harmless for the loop's uses, which delete what they match),
 * so the walk resumes at that slot.
 */
void *
sched_map_del_at(struct sched_map *m, size_t *i)
{
	void *v = sched_map_remove(m, *i - 1);

	(*i)--;
	return v;
}

/* How many entries the map holds. */
size_t
sched_map_count(const struct sched_map *m)
{
	return m->n;
}
