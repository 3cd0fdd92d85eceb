/* Unit tests for server/server-cache.c and server-hash.c: lookups, the
 * least recently used answer goes first, expiry. */
#include "unit.h"
#include "server-int.h"

/* Fills a cache of 100 and adds one more after using the first: the
 * second (the least recently used) goes, the first stays. */
static void
test_lru(void **state)
{
	struct server_cache c;
	struct server_cache_entry *e;
	char key[65];
	int i;

	(void)state;
	server_cache_init(&c, 100);
	for (i = 0; i < 100; i++) {
		snprintf(key, sizeof key, "k%d", i);
		e = server_cache_add(&c, key, 60000);
		e->allowed = true;
	}
	assert_int_equal(c.h.n, 100);
	assert_non_null(server_cache_find(&c, "k0"));
	server_cache_add(&c, "new", 60000);
	assert_int_equal(c.h.n, 100);
	assert_non_null(server_cache_find(&c, "k0"));
	assert_null(server_cache_find(&c, "k1"));
	assert_non_null(server_cache_find(&c, "k2"));
	assert_non_null(server_cache_find(&c, "new"));
	/* A key added again replaces its answer, counted once. */
	e = server_cache_add(&c, "k2", 60000);
	assert_false(e->allowed);
	assert_int_equal(c.h.n, 100);
	server_cache_release(&c);
}

/* Expired answers are not found and are pruned. */
static void
test_expiry(void **state)
{
	struct server_cache c;

	(void)state;
	server_cache_init(&c, 10);
	server_cache_add(&c, "old", -1);
	server_cache_add(&c, "live", 60000);
	assert_null(server_cache_find(&c, "old"));
	assert_int_equal(c.h.n, 1);
	server_cache_add(&c, "old2", -1);
	server_cache_prune(&c, false);
	assert_int_equal(c.h.n, 1);
	assert_non_null(server_cache_find(&c, "live"));
	server_cache_prune(&c, true);
	assert_int_equal(c.h.n, 0);
	server_cache_release(&c);
}

/* The hash is keyed: the same bytes, the same value; a table grows and
 * finds every node. */
/* An answer the cluster contradicts (a token refused after it was
 * accepted) is forgotten; forgetting an unknown key does nothing. */
static void
test_forget(void **state)
{
	struct server_cache c;

	(void)state;
	server_cache_init(&c, 10);
	server_cache_add(&c, "alice", 60000);
	server_cache_add(&c, "bob", 60000);
	server_cache_forget(&c, "alice");
	server_cache_forget(&c, "nobody");
	assert_null(server_cache_find(&c, "alice"));
	assert_non_null(server_cache_find(&c, "bob"));
	assert_int_equal(c.h.n, 1);
	server_cache_release(&c);
}

static void
test_hash(void **state)
{
	struct node {
		struct server_hnode hn;
		int v;
	} nodes[1000];
	struct server_hash h;
	struct server_hnode *e;
	int i, found;
	uint64_t hv;

	(void)state;
	assert_true(server_hash_key("abc", 3) == server_hash_key("abc", 3));
	assert_true(server_hash_key("abc", 3) != server_hash_key("abd", 3));
	server_hash_init(&h);
	for (i = 0; i < 1000; i++) {
		nodes[i].v = i;
		server_hash_add(&h, &nodes[i].hn, server_hash_key(&i,
		    sizeof i));
	}
	assert_true(h.nb >= 1000);
	for (i = 0; i < 1000; i += 7) {
		hv = server_hash_key(&i, sizeof i);
		found = 0;
		for (e = server_hash_chain(&h, hv); e != NULL; e = e->hnext)
			if (e->hv == hv && server_container(e, struct node,
			    hn)->v == i)
				found++;
		assert_int_equal(found, 1);
	}
	for (i = 0; i < 1000; i++)
		server_hash_del(&h, &nodes[i].hn);
	assert_int_equal(h.n, 0);
	server_hash_release(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lru),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_forget),
		cmocka_unit_test(test_hash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
