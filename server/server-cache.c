/*
 * The cluster's answers, remembered briefly: a hash for lookups and a
 * list in order of use, so that a full cache forgets the answer used
 * least recently, one at a time, instead of everything at once.  The
 * server keeps refused tokens in a cache of their own, so that a flood
 * of junk tokens can only push out other junk.
 */
#include "server-int.h"

#include <stdlib.h>
#include <string.h>

/* See server-int.h. */
void
server_cache_init(struct server_cache *c, size_t max)
{
	server_hash_init(&c->h);
	TAILQ_INIT(&c->lru);
	c->max = max > 0 ? max : 1;
}

/* Forgets one entry. */
static void
server_cache_del(struct server_cache *c, struct server_cache_entry *e)
{
	server_hash_del(&c->h, &e->hnode);
	TAILQ_REMOVE(&c->lru, e, lru);
	server_user_free(e->user);
	free(e->message);
	free(e);
}

/* See server-int.h: drops what has expired (everything with all). */
void
server_cache_prune(struct server_cache *c, bool all)
{
	struct server_cache_entry *e, *next;
	int64_t now = now_ms();

	for (e = TAILQ_FIRST(&c->lru); e != NULL; e = next) {
		next = TAILQ_NEXT(e, lru);
		if (all || e->expires <= now)
			server_cache_del(c, e);
	}
}

/* See server-int.h: the tables too. */
void
server_cache_release(struct server_cache *c)
{
	if (c->h.b == NULL)
		return;
	server_cache_prune(c, true);
	server_hash_release(&c->h);
}

/* The entry of key, live or not. */
static struct server_cache_entry *
server_cache_lookup(struct server_cache *c, const char *key, uint64_t hv)
{
	struct server_hnode *n;
	struct server_cache_entry *e;

	for (n = server_hash_chain(&c->h, hv); n != NULL; n = n->hnext) {
		e = server_container(n, struct server_cache_entry, hnode);
		if (n->hv == hv && strcmp(e->key, key) == 0)
			return e;
	}
	return NULL;
}

/* See server-int.h: a live entry, now the most recently used; an expired
 * one is dropped on the way. */
struct server_cache_entry *
server_cache_find(struct server_cache *c, const char *key)
{
	uint64_t hv = server_hash_key(key, strlen(key));
	struct server_cache_entry *e;

	if ((e = server_cache_lookup(c, key, hv)) == NULL)
		return NULL;
	if (e->expires <= now_ms()) {
		server_cache_del(c, e);
		return NULL;
	}
	TAILQ_REMOVE(&c->lru, e, lru);
	TAILQ_INSERT_HEAD(&c->lru, e, lru);
	return e;
}

/* See server-int.h: a new entry for key (replacing one there was); when
 * the cache is full the least recently used entry goes. */
struct server_cache_entry *
server_cache_add(struct server_cache *c, const char *key, int64_t ttl_ms)
{
	uint64_t hv = server_hash_key(key, strlen(key));
	struct server_cache_entry *e;

	if ((e = server_cache_lookup(c, key, hv)) != NULL)
		server_cache_del(c, e);
	while (c->h.n >= c->max)
		server_cache_del(c, TAILQ_LAST(&c->lru, server_cache_lru));
	e = xcalloc(1, sizeof *e);
	snprintf(e->key, sizeof e->key, "%s", key);
	e->expires = now_ms() + ttl_ms;
	server_hash_add(&c->h, &e->hnode, hv);
	TAILQ_INSERT_HEAD(&c->lru, e, lru);
	return e;
}

/* See server-int.h: an answer the cluster has since contradicted. */
void
server_cache_forget(struct server_cache *c, const char *key)
{
	struct server_cache_entry *e;

	e = server_cache_lookup(c, key, server_hash_key(key, strlen(key)));
	if (e != NULL)
		server_cache_del(c, e);
}
