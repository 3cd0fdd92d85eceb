/*
 * Connection hygiene from the first byte: every accepted connection is
 * counted and given a deadline at once, whether it ever completes a TLS
 * handshake or a request.  The request line and headers must arrive
 * within header_timeout of the accept (or of the first byte of a later
 * request), the body within body_timeout of the headers' end, and a
 * kept-alive connection with nothing to do is closed after the idle
 * timeout; none of these is extended by bytes trickling in.  Connections
 * are capped per client address and in total, below the process's
 * descriptor limit; beyond a cap a new connection is closed at once.
 *
 * evhttp (libevent 2.1) says nothing when it accepts a connection but
 * asks the bevcb for its bufferevent; the connection is adopted in the
 * same turn of the loop, before any of its bytes are read.
 */
#include "server-int.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/listener.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

/* Descriptors kept for everything but clients: the store, the cluster
 * client's connections, the parse workers, logs. */
#define SERVER_FD_RESERVE 256
/* Client addresses remembered at most (those with open connections are
 * never forgotten). */
#define SERVER_MAX_PEERS 65536
/* How often refusals are logged, at most (ms). */
#define SERVER_REFUSE_LOG_MS 10000

/* Where the scan for the end of a request's headers is. */
enum server_scan {
	SERVER_SCAN_LINE_START = 0,  /* after a newline */
	SERVER_SCAN_CR,              /* a CR at the start of a line */
	SERVER_SCAN_IN_LINE,
};

/* One accepted connection. */
struct server_conn {
	struct server_hnode hnode;           /* keyed by evcon */
	struct server *srv;
	struct evhttp_connection *evcon;
	struct bufferevent *bev;
	struct evbuffer_cb_entry *incb;
	struct server_peer *peer;
	struct event *deadline;
	enum server_conn_phase phase;
	enum server_scan scan;
	bool seen_line;              /* the request line has begun */
};

/* The key of a pointer in the connection table. */
static uint64_t
server_conn_hv(const struct evhttp_connection *evcon)
{
	return server_hash_key(&evcon, sizeof evcon);
}

/* The connection record of evcon, or NULL. */
static struct server_conn *
server_conn_find(struct server *srv, const struct evhttp_connection *evcon)
{
	uint64_t hv = server_conn_hv(evcon);
	struct server_hnode *e;
	struct server_conn *c;

	for (e = server_hash_chain(&srv->conns, hv); e != NULL; e = e->hnext) {
		c = server_container(e, struct server_conn, hnode);
		if (e->hv == hv && c->evcon == evcon)
			return c;
	}
	return NULL;
}

/*
 * The address a client is counted under: an IPv4 address as it is, an
 * IPv6 address by its /64 (what one host or site is usually given), an
 * IPv4-mapped IPv6 address as the IPv4 one.
 */
static void
server_peer_key(const char *addr, char out[SERVER_ADDR_LEN])
{
	unsigned char a6[16];
	char buf[SERVER_ADDR_LEN], text[INET6_ADDRSTRLEN];
	char *pct;

	snprintf(buf, sizeof buf, "%s", addr != NULL ? addr : "?");
	if ((pct = strchr(buf, '%')) != NULL)
		*pct = '\0';
	if (strchr(buf, ':') == NULL ||
	    inet_pton(AF_INET6, buf, a6) != 1) {
		snprintf(out, SERVER_ADDR_LEN, "%s", buf);
		return;
	}
	if (memcmp(a6, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0) {
		inet_ntop(AF_INET, a6 + 12, text, sizeof text);
		snprintf(out, SERVER_ADDR_LEN, "%s", text);
		return;
	}
	memset(a6 + 8, 0, 8);
	inet_ntop(AF_INET6, a6, text, sizeof text);
	snprintf(out, SERVER_ADDR_LEN, "%s/64", text);
}

/* See server-int.h. */
struct server_peer *
server_peer_find(struct server *srv, const char *key)
{
	uint64_t hv = server_hash_key(key, strlen(key));
	struct server_hnode *e;
	struct server_peer *p;

	for (e = server_hash_chain(&srv->peers, hv); e != NULL; e = e->hnext) {
		p = server_container(e, struct server_peer, hnode);
		if (e->hv == hv && strcmp(p->addr, key) == 0)
			return p;
	}
	return NULL;
}

/* Forgets a client address. */
static void
server_peer_free(struct server *srv, struct server_peer *p)
{
	server_hash_del(&srv->peers, &p->hnode);
	TAILQ_REMOVE(&srv->peer_lru, p, lru);
	free(p);
}

/* The address was just seen (the LRU's order). */
static void
server_peer_touch(struct server *srv, struct server_peer *p)
{
	TAILQ_REMOVE(&srv->peer_lru, p, lru);
	TAILQ_INSERT_HEAD(&srv->peer_lru, p, lru);
	p->used = now_ms();
}

/* See server-int.h: the record of a client address, made on first use
 * (when the table is full, the least recently seen address without
 * connections is forgotten first), and marked as just used. */
struct server_peer *
server_peer_get(struct server *srv, const char *key)
{
	struct server_peer *p, *old;

	if ((p = server_peer_find(srv, key)) != NULL) {
		server_peer_touch(srv, p);
		return p;
	}
	if (srv->peers.n >= SERVER_MAX_PEERS) {
		TAILQ_FOREACH_REVERSE(old, &srv->peer_lru, server_peers, lru)
			if (old->nconns == 0 && old->reviews == 0)
				break;
		if (old != NULL)
			server_peer_free(srv, old);
	}
	p = xcalloc(1, sizeof *p);
	snprintf(p->addr, sizeof p->addr, "%s", key);
	p->fail_tokens = srv->cfg.auth_fail_burst;
	p->fail_at = p->used = now_ms();
	server_hash_add(&srv->peers, &p->hnode, server_hash_key(p->addr,
	    strlen(p->addr)));
	TAILQ_INSERT_HEAD(&srv->peer_lru, p, lru);
	return p;
}

/* Logs what was refused since the last time, at most every 10 s. */
static void
server_conn_log_refusals(struct server *srv, bool force)
{
	int64_t now = now_ms();

	if (srv->refused_cap + srv->refused_addr == 0)
		return;
	if (!force && now - srv->refused_logged < SERVER_REFUSE_LOG_MS)
		return;
	log_warnx("refused %d connection%s since the last report: %d at the "
	    "cap of %d open, %d over %d per address (the last from %s)",
	    srv->refused_cap + srv->refused_addr, srv->refused_cap +
	    srv->refused_addr == 1 ? "" : "s", srv->refused_cap,
	    srv->conn_cap, srv->refused_addr,
	    srv->cfg.max_connections_per_address, srv->refused_last);
	srv->refused_cap = srv->refused_addr = 0;
	srv->refused_logged = now;
}

/* (Re)arms a connection's deadline, seconds from now. */
static void
server_conn_arm(struct server_conn *c, enum server_conn_phase phase,
    int seconds)
{
	struct timeval tv = { seconds, 0 };

	c->phase = phase;
	event_base_update_cache_time(c->srv->base);
	evtimer_add(c->deadline, &tv);
}

/* Feeds bytes to the scan for the empty line that ends the headers; true
 * when it is found.  Empty lines before the request line do not count. */
static bool
server_conn_scan(struct server_conn *c, const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		switch (c->scan) {
		case SERVER_SCAN_LINE_START:
			if (p[i] == '\n') {
				if (c->seen_line)
					return true;
			} else if (p[i] == '\r')
				c->scan = SERVER_SCAN_CR;
			else {
				c->seen_line = true;
				c->scan = SERVER_SCAN_IN_LINE;
			}
			break;
		case SERVER_SCAN_CR:
			if (p[i] == '\n') {
				if (c->seen_line)
					return true;
				c->scan = SERVER_SCAN_LINE_START;
			} else {
				c->seen_line = true;
				c->scan = SERVER_SCAN_IN_LINE;
			}
			break;
		case SERVER_SCAN_IN_LINE:
			if (p[i] == '\n')
				c->scan = SERVER_SCAN_LINE_START;
			break;
		}
	}
	return false;
}

/* Scans the input from byte off on; moves to the body phase at the end
 * of the headers. */
static void
server_conn_scan_input(struct server_conn *c, struct evbuffer *in, size_t off)
{
	struct evbuffer_ptr ptr;
	unsigned char buf[2048];
	size_t len = evbuffer_get_length(in);
	ev_ssize_t got;

	if (off >= len || evbuffer_ptr_set(in, &ptr, off,
	    EVBUFFER_PTR_SET) != 0)
		return;
	while (off < len) {
		got = evbuffer_copyout_from(in, &ptr, buf, sizeof buf);
		if (got <= 0)
			return;
		if (server_conn_scan(c, buf, (size_t)got)) {
			server_conn_arm(c, SERVER_CONN_BODY,
			    c->srv->cfg.body_timeout_s);
			return;
		}
		off += (size_t)got;
		if (evbuffer_ptr_set(in, &ptr, (size_t)got,
		    EVBUFFER_PTR_ADD) != 0)
			return;
	}
}

/* Starts reading a new request: its headers' deadline starts now. */
static void
server_conn_begin_request(struct server_conn *c)
{
	c->scan = SERVER_SCAN_LINE_START;
	c->seen_line = false;
	server_conn_arm(c, SERVER_CONN_HEADERS, c->srv->cfg.header_timeout_s);
}

/* Bytes arrived (or were consumed) on a connection's input. */
static void
server_conn_input_cb(struct evbuffer *in, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct server_conn *c = arg;

	if (info->n_added == 0)
		return;
	if (c->phase == SERVER_CONN_IDLE)
		server_conn_begin_request(c);
	if (c->phase == SERVER_CONN_HEADERS)
		server_conn_scan_input(c, in, evbuffer_get_length(in) -
		    info->n_added);
}

/* A deadline passed: the connection is closed, unless the server itself
 * is still working on its request or writing its answer. */
static void
server_conn_deadline_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct server_conn *c = arg;
	struct server *srv = c->srv;
	const char *what;

	(void)fd;
	(void)ev;
	switch (c->phase) {
	case SERVER_CONN_WORKING:
		return;
	case SERVER_CONN_IDLE:
		/* The answer is still being written: the write timeout
		 * (a reader that stops) bounds that. */
		if (evbuffer_get_length(bufferevent_get_output(c->bev)) > 0) {
			server_conn_arm(c, SERVER_CONN_IDLE,
			    srv->cfg.timeout_s);
			return;
		}
		srv->m.conn_timeouts[SERVER_CONN_IDLE]++;
		what = "idle";
		break;
	case SERVER_CONN_HEADERS:
		srv->m.conn_timeouts[SERVER_CONN_HEADERS]++;
		what = "no complete request headers";
		break;
	case SERVER_CONN_BODY:
	default:
		srv->m.conn_timeouts[SERVER_CONN_BODY]++;
		what = "no complete request body";
		break;
	}
	log_debug("closing a connection from %s: %s in time", c->peer->addr,
	    what);
	evhttp_connection_free(c->evcon);
}

/* A connection closed, whoever closed it: its stream ends and it is no
 * longer counted. */
static void
server_conn_closed_cb(struct evhttp_connection *evcon, void *arg)
{
	struct server *srv = arg;
	struct server_conn *c;

	server_events_closed(srv, evcon);
	if ((c = server_conn_find(srv, evcon)) == NULL)
		return;
	server_hash_del(&srv->conns, &c->hnode);
	if (c->incb != NULL)
		evbuffer_remove_cb_entry(bufferevent_get_input(c->bev), c->incb);
	event_free(c->deadline);
	c->peer->nconns--;
	server_peer_touch(srv, c->peer);
	free(c);
}

/* Closes a new connection beyond a cap (it is counted until then). */
static void
server_conn_refuse(struct server *srv, struct server_conn *c, bool per_addr)
{
	if (per_addr) {
		srv->refused_addr++;
		srv->m.conn_refused_addr++;
	} else {
		srv->refused_cap++;
		srv->m.conn_refused_cap++;
	}
	snprintf(srv->refused_last, sizeof srv->refused_last, "%s",
	    c->peer->addr);
	server_conn_log_refusals(srv, false);
	evhttp_connection_free(c->evcon);
}

/* Takes one accepted connection into account: caps, then a deadline. */
static void
server_conn_adopt(struct server *srv, struct bufferevent *bev)
{
	struct evhttp_connection *evcon;
	struct server_conn *c;
	char key[SERVER_ADDR_LEN], *addr = NULL;
	void *arg = NULL;
	ev_uint16_t port;

	/* evhttp's callbacks on the bufferevent carry its connection. */
	bufferevent_getcb(bev, NULL, NULL, NULL, &arg);
	evcon = arg;
	if (evcon == NULL || evhttp_connection_get_bufferevent(evcon) != bev)
		fatalx("%s: libevent did not set up an accepted connection "
		    "as 2.1 does", __func__);
	evhttp_connection_get_peer(evcon, &addr, &port);
	server_peer_key(addr, key);
	c = xcalloc(1, sizeof *c);
	c->srv = srv;
	c->evcon = evcon;
	c->bev = bev;
	c->peer = server_peer_get(srv, key);
	c->peer->nconns++;
	c->deadline = evtimer_new(srv->base, server_conn_deadline_cb, c);
	server_hash_add(&srv->conns, &c->hnode, server_conn_hv(evcon));
	evhttp_connection_set_closecb(evcon, server_conn_closed_cb, srv);
	if (srv->conns.n > (size_t)srv->conn_cap || srv->stopping) {
		server_conn_refuse(srv, c, false);
		return;
	}
	if (c->peer->nconns > srv->cfg.max_connections_per_address) {
		server_conn_refuse(srv, c, true);
		return;
	}
	c->incb = evbuffer_add_cb(bufferevent_get_input(bev),
	    server_conn_input_cb, c);
	/* From the accept: the TLS handshake counts against the headers. */
	server_conn_begin_request(c);
}

/* The turn after accepts: evhttp has finished setting them up. */
static void
server_conn_adopt_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct server *srv = arg;
	size_t i, n = srv->nnewbevs;
	struct bufferevent **v = srv->newbevs;

	(void)fd;
	(void)ev;
	srv->newbevs = NULL;
	srv->nnewbevs = 0;
	for (i = 0; i < n; i++)
		server_conn_adopt(srv, v[i]);
	free(v);
}

/* evhttp's bevcb: every accepted connection, TLS or plain, is counted
 * here and adopted before its first byte is read. */
static struct bufferevent *
server_conn_bevcb(struct event_base *base, void *arg)
{
	struct server *srv = arg;
	struct bufferevent *bev;
	SSL *ssl;

	if (srv->ssl != NULL) {
		ssl = SSL_new(srv->ssl);
		bev = bufferevent_openssl_socket_new(base, -1, ssl,
		    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	} else
		bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL)
		fatalx("%s: cannot make a bufferevent", __func__);
	/* evhttp frees it before the adoption only if an allocation of its
	 * own fails while it sets the connection up. */
	srv->newbevs = xreallocarray(srv->newbevs, srv->nnewbevs + 1,
	    sizeof *srv->newbevs);
	srv->newbevs[srv->nnewbevs++] = bev;
	if (srv->nnewbevs == 1)
		event_active(srv->adopt, EV_TIMEOUT, 0);
	return bev;
}

/* Accepting again after a pause for descriptors. */
static void
server_conn_resume_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct server *srv = arg;

	(void)fd;
	(void)ev;
	if (srv->bound != NULL && srv->listening && !srv->stopping)
		evconnlistener_enable(evhttp_bound_socket_get_listener(
		    srv->bound));
}

/* accept() failed: out of descriptors (despite the cap, if something
 * else took them) pauses accepting for a second instead of spinning. */
static void
server_conn_accept_error_cb(struct evconnlistener *l, void *arg)
{
	struct server *srv = arg;
	struct timeval tv = { 1, 0 };
	int err = errno;
	int64_t now = now_ms();

	if (now - srv->accept_err_logged >= SERVER_REFUSE_LOG_MS) {
		log_warnx("cannot accept connections: %s (%zu open)",
		    strerror(err), srv->conns.n);
		srv->accept_err_logged = now;
	}
	if (err == EMFILE || err == ENFILE || err == ENOBUFS ||
	    err == ENOMEM) {
		evconnlistener_disable(l);
		evtimer_add(srv->resume, &tv);
	}
}

/* See server-int.h: the caps, the hooks and the tables. */
void
server_conn_init(struct server *srv)
{
	struct rlimit rl;
	long long cap = srv->cfg.max_connections, room;

	server_hash_init(&srv->conns);
	server_hash_init(&srv->peers);
	TAILQ_INIT(&srv->peer_lru);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
		room = (long long)rl.rlim_cur - SERVER_FD_RESERVE;
		if (room < (long long)rl.rlim_cur / 2)
			room = (long long)rl.rlim_cur / 2;
		if (room < 1)
			room = 1;
		if (room < cap) {
			log_warnx("max_connections %lld lowered to %lld: the "
			    "descriptor limit (ulimit -n) is %llu", cap, room,
			    (unsigned long long)rl.rlim_cur);
			cap = room;
		}
	}
	srv->conn_cap = (int)cap;
	srv->refused_logged = now_ms() - SERVER_REFUSE_LOG_MS;
	srv->adopt = event_new(srv->base, -1, 0, server_conn_adopt_cb, srv);
	srv->resume = evtimer_new(srv->base, server_conn_resume_cb, srv);
	evhttp_set_bevcb(srv->http, server_conn_bevcb, srv);
}

/* See server-int.h: called once the listener exists. */
void
server_conn_listening(struct server *srv)
{
	evconnlistener_set_error_cb(evhttp_bound_socket_get_listener(
	    srv->bound), server_conn_accept_error_cb);
}

/* See server-int.h. */
void
server_conn_release(struct server *srv)
{
	struct server_peer *p;

	while ((p = TAILQ_FIRST(&srv->peer_lru)) != NULL)
		server_peer_free(srv, p);
	if (srv->conns.b != NULL && srv->conns.n != 0)
		log_warnx("%zu connections outlived the server", srv->conns.n);
	server_hash_release(&srv->conns);
	server_hash_release(&srv->peers);
	free(srv->newbevs);
	srv->newbevs = NULL;
	srv->nnewbevs = 0;
	if (srv->adopt != NULL)
		event_free(srv->adopt);
	if (srv->resume != NULL)
		event_free(srv->resume);
	srv->adopt = srv->resume = NULL;
}

/* See server-int.h: a request arrived whole; the server works on it. */
const char *
server_conn_request(struct server *srv, struct evhttp_connection *evcon)
{
	struct server_conn *c;

	if (evcon == NULL || (c = server_conn_find(srv, evcon)) == NULL)
		return "?";
	c->phase = SERVER_CONN_WORKING;
	evtimer_del(c->deadline);
	return c->peer->addr;
}

/* See server-int.h: the answer is on its way; the connection idles, or
 * starts the next request if its bytes are already here. */
void
server_conn_replied(struct server *srv, struct evhttp_connection *evcon)
{
	struct server_conn *c;
	struct evbuffer *in;

	if (evcon == NULL || (c = server_conn_find(srv, evcon)) == NULL)
		return;
	in = bufferevent_get_input(c->bev);
	if (evbuffer_get_length(in) > 0) {
		server_conn_begin_request(c);
		server_conn_scan_input(c, in, 0);
	} else
		server_conn_arm(c, SERVER_CONN_IDLE, srv->cfg.timeout_s);
}

/* See server-int.h: refusals not yet logged; addresses with nothing left
 * to remember (no connections, no review in flight, a full bucket). */
void
server_conn_tick(struct server *srv)
{
	struct server_peer *p, *prev;
	int64_t now = now_ms(), refill;

	server_conn_log_refusals(srv, false);
	refill = srv->cfg.auth_fail_rate > 0 ? (int64_t)(1000.0 *
	    srv->cfg.auth_fail_burst / srv->cfg.auth_fail_rate) + 1000 : 0;
	for (p = TAILQ_LAST(&srv->peer_lru, server_peers); p != NULL;
	    p = prev) {
		prev = TAILQ_PREV(p, server_peers, lru);
		if (now - p->used < refill)
			break;
		if (p->nconns == 0 && p->reviews == 0)
			server_peer_free(srv, p);
	}
}
