/*
 * The hash tables of the server (connections, client addresses, review
 * answers): intrusive chains keyed by SipHash-2-4 under a key drawn at
 * start, so that clients who choose addresses or tokens cannot choose
 * collisions and turn a lookup into a walk.
 */
#include "server-int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

static uint8_t server_hash_secret[16];
static bool server_hash_seeded;

/* Rotates a 64-bit word left. */
static uint64_t
server_rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

/* Reads 8 bytes as a little-endian word. */
static uint64_t
server_le64(const uint8_t *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
	    (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 |
	    (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
	    (uint64_t)p[7] << 56;
}

/* One SipRound over the state. */
static void
server_sipround(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = server_rotl(v[1], 13);
	v[1] ^= v[0];
	v[0] = server_rotl(v[0], 32);
	v[2] += v[3];
	v[3] = server_rotl(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = server_rotl(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = server_rotl(v[1], 17);
	v[1] ^= v[2];
	v[2] = server_rotl(v[2], 32);
}

/* Draws the key once; a clock and pid stand in if the kernel has none. */
static void
server_hash_seed(void)
{
	uint64_t t;

	if (server_hash_seeded)
		return;
	if (getrandom(server_hash_secret, sizeof server_hash_secret, 0) !=
	    (ssize_t)sizeof server_hash_secret) {
		t = (uint64_t)now_ms() ^ ((uint64_t)getpid() << 32) ^
		    (uint64_t)clock();
		memcpy(server_hash_secret, &t, sizeof t);
	}
	server_hash_seeded = true;
}

/* See server-int.h: SipHash-2-4 of the bytes under the process's key. */
uint64_t
server_hash_key(const void *data, size_t len)
{
	const uint8_t *in = data, *end;
	uint64_t k0, k1, v[4], m, b;
	int i;

	server_hash_seed();
	k0 = server_le64(server_hash_secret);
	k1 = server_le64(server_hash_secret + 8);
	v[0] = 0x736f6d6570736575ULL ^ k0;
	v[1] = 0x646f72616e646f6dULL ^ k1;
	v[2] = 0x6c7967656e657261ULL ^ k0;
	v[3] = 0x7465646279746573ULL ^ k1;
	end = in + len - (len % 8);
	for (; in != end; in += 8) {
		m = server_le64(in);
		v[3] ^= m;
		server_sipround(v);
		server_sipround(v);
		v[0] ^= m;
	}
	b = (uint64_t)len << 56;
	for (i = (int)(len & 7) - 1; i >= 0; i--)
		b |= (uint64_t)in[i] << (8 * i);
	v[3] ^= b;
	server_sipround(v);
	server_sipround(v);
	v[0] ^= b;
	v[2] ^= 0xff;
	for (i = 0; i < 4; i++)
		server_sipround(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

/* See server-int.h. */
void
server_hash_init(struct server_hash *h)
{
	h->nb = 64;
	h->n = 0;
	h->b = xcalloc(h->nb, sizeof *h->b);
}

/* See server-int.h: the nodes are the caller's. */
void
server_hash_release(struct server_hash *h)
{
	free(h->b);
	memset(h, 0, sizeof *h);
}

/* Doubles the buckets once the chains would average more than one. */
static void
server_hash_grow(struct server_hash *h)
{
	struct server_hnode **nb, *e, *next;
	size_t n = h->nb * 2, i;

	nb = xcalloc(n, sizeof *nb);
	for (i = 0; i < h->nb; i++)
		for (e = h->b[i]; e != NULL; e = next) {
			next = e->hnext;
			e->hnext = nb[e->hv & (n - 1)];
			nb[e->hv & (n - 1)] = e;
		}
	free(h->b);
	h->b = nb;
	h->nb = n;
}

/* See server-int.h. */
void
server_hash_add(struct server_hash *h, struct server_hnode *e, uint64_t hv)
{
	if (h->n >= h->nb)
		server_hash_grow(h);
	e->hv = hv;
	e->hnext = h->b[hv & (h->nb - 1)];
	h->b[hv & (h->nb - 1)] = e;
	h->n++;
}

/* See server-int.h. */
void
server_hash_del(struct server_hash *h, struct server_hnode *e)
{
	struct server_hnode **pp = &h->b[e->hv & (h->nb - 1)];

	for (; *pp != NULL; pp = &(*pp)->hnext)
		if (*pp == e) {
			*pp = e->hnext;
			h->n--;
			return;
		}
	fatalx("%s: a node not in its table", __func__);
}

/* See server-int.h. */
struct server_hnode *
server_hash_chain(const struct server_hash *h, uint64_t hv)
{
	return h->b[hv & (h->nb - 1)];
}
