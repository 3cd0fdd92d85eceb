/*
 * sched-map: a hash table from strings to the loop's own records, used
 * where a jansson object once served as a map.  Each user wraps it for its
 * value type (a struct, or an index), so what a map holds is a C type, not
 * JSON.  Open addressing with linear probing; deletion shifts entries back,
 * so there are no tombstones.  Keys are copied; values are the caller's.
 */
#ifndef SCHED_MAP_H
#define SCHED_MAP_H

#include <stddef.h>
#include <stdint.h>

struct sched_map_slot {
	char *key;               /* NULL: empty */
	uint32_t hash;
	void *value;
};

struct sched_map {
	struct sched_map_slot *v;
	size_t cap;              /* 0 or a power of two */
	size_t n;
};

void sched_map_init(struct sched_map *);
/* Frees the keys and the table; free_value (NULL: none) takes each value. */
void sched_map_release(struct sched_map *, void (*free_value)(void *));
void *sched_map_get(const struct sched_map *, const char *key);
/* Sets key's value; returns the value it replaced, or NULL. */
void *sched_map_put(struct sched_map *, const char *key, void *value);
/* Removes key; returns its value, or NULL if it was absent. */
void *sched_map_del(struct sched_map *, const char *key);
/*
 * The next entry from *i on (start at 0), or NULL at the end.  The map
 * must not change during a walk, except by sched_map_del of the entry just
 * returned followed by a walk from the same *i minus one: use
 * sched_map_del_at for that.
 */
struct sched_map_slot *sched_map_next(const struct sched_map *, size_t *i);
/* Removes the entry a walk just returned; the walk goes on from *i. */
void *sched_map_del_at(struct sched_map *, size_t *i);
size_t sched_map_count(const struct sched_map *);

/* A string to an index, stored as index + 1 so that 0 means absent. */
static inline void
sched_map_put_index(struct sched_map *m, const char *key, size_t idx)
{
	sched_map_put(m, key, (void *)(uintptr_t)(idx + 1));
}

/* The index stored for key, or (size_t)-1. */
static inline size_t
sched_map_get_index(const struct sched_map *m, const char *key)
{
	uintptr_t v = (uintptr_t)sched_map_get(m, key);

	return v == 0 ? (size_t)-1 : (size_t)(v - 1);
}

#endif
