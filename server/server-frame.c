/*
 * server-frame.c: the frames the server and its parse workers exchange
 * (server-parse.c): 64-bit integers in host order and length-prefixed,
 * NUL-ended strings, read in place with every length checked.
 */
#include "server-int.h"

#include <event2/buffer.h>
#include <string.h>

/* Appends a 64-bit integer. */
void
server_wr_u64(struct evbuffer *b, uint64_t v)
{
	evbuffer_add(b, &v, sizeof v);
}

/* Appends len bytes as a string (NULL: the absent string). */
void
server_wr_bytes(struct evbuffer *b, const char *s, size_t len)
{
	if (s == NULL) {
		server_wr_u64(b, UINT64_MAX);
		return;
	}
	server_wr_u64(b, len);
	evbuffer_add(b, s, len);
	evbuffer_add(b, "", 1);
}

/* Appends a C string (or the absent one). */
void
server_wr_str(struct evbuffer *b, const char *s)
{
	server_wr_bytes(b, s, s != NULL ? strlen(s) : 0);
}


/* The next 64-bit integer (0 once bad). */
uint64_t
server_rd_u64(struct server_rd *rd)
{
	uint64_t v;

	if (rd->bad || rd->len - rd->off < sizeof v) {
		rd->bad = true;
		return 0;
	}
	memcpy(&v, rd->p + rd->off, sizeof v);
	rd->off += sizeof v;
	return v;
}

/* The next string, NUL-ended in the frame (NULL if absent or bad; *len
 * its length). */
const char *
server_rd_bytes(struct server_rd *rd, size_t *len)
{
	uint64_t n = server_rd_u64(rd);
	const char *s;

	*len = 0;
	if (rd->bad || n == UINT64_MAX)
		return NULL;
	if (n >= rd->len - rd->off || rd->p[rd->off + n] != '\0') {
		rd->bad = true;
		return NULL;
	}
	s = rd->p + rd->off;
	rd->off += n + 1;
	*len = n;
	return s;
}

/* The next C string: no NUL inside (NULL if absent or bad). */
const char *
server_rd_str(struct server_rd *rd)
{
	const char *s;
	size_t n;

	s = server_rd_bytes(rd, &n);
	if (s != NULL && strlen(s) != n) {
		rd->bad = true;
		return NULL;
	}
	return s;
}

/* The next string, which must be present. */
const char *
server_rd_need(struct server_rd *rd)
{
	const char *s = server_rd_str(rd);

	if (s == NULL)
		rd->bad = true;
	return s;
}
