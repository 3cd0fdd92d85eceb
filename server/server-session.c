/*
 * Dashboard sessions (docs/api.md, "Session"): a browser signs in once
 * with a bearer token, reviewed by the cluster like any API request, and
 * gets a random session id in an HttpOnly, SameSite=Strict cookie.  The
 * server keeps, in memory only, who the session is and until when, and a
 * second random value the page must send back in X-CSRF-Token with every
 * request that changes something.  Neither value is derived from the
 * token, and the token itself is never kept.
 */
#include "server-int.h"

#include <event2/buffer.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"

/* Sessions kept at most, in all and per user: the oldest go first. */
#define SERVER_MAX_SESSIONS 10000
#define SERVER_MAX_USER_SESSIONS 32

/* Hex of SERVER_SESSION_BYTES random bytes, or -1 if OpenSSL has none. */
static int
server_session_random(char out[SERVER_SESSION_ID_LEN + 1])
{
	unsigned char b[SERVER_SESSION_ID_LEN / 2];
	size_t i;

	if (RAND_bytes(b, (int)sizeof b) != 1)
		return -1;
	for (i = 0; i < sizeof b; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
	out[SERVER_SESSION_ID_LEN] = '\0';
	OPENSSL_cleanse(b, sizeof b);
	return 0;
}

/* Forgets a session. */
static void
server_session_del(struct server *srv, struct server_session *s)
{
	server_hash_del(&srv->sessions, &s->hnode);
	TAILQ_REMOVE(&srv->session_list, s, entry);
	srv->nsessions--;
	server_user_free(s->user);
	OPENSSL_cleanse(s->id, sizeof s->id);
	OPENSSL_cleanse(s->csrf, sizeof s->csrf);
	free(s);
}

/* The live session of an id, or NULL (an expired one is dropped). */
static struct server_session *
server_session_find(struct server *srv, const char *id)
{
	struct server_hnode *n;
	struct server_session *s;
	uint64_t hv;

	if (strlen(id) != SERVER_SESSION_ID_LEN)
		return NULL;
	hv = server_hash_key(id, SERVER_SESSION_ID_LEN);
	for (n = server_hash_chain(&srv->sessions, hv); n != NULL;
	    n = n->hnext) {
		s = server_container(n, struct server_session, hnode);
		if (n->hv != hv || CRYPTO_memcmp(s->id, id,
		    SERVER_SESSION_ID_LEN) != 0)
			continue;
		if (s->expires <= now_ms()) {
			server_session_del(srv, s);
			return NULL;
		}
		return s;
	}
	return NULL;
}

/* See server-int.h. */
void
server_session_init(struct server *srv)
{
	server_hash_init(&srv->sessions);
	TAILQ_INIT(&srv->session_list);
}

/* See server-int.h. */
void
server_session_free_all(struct server *srv)
{
	while (!TAILQ_EMPTY(&srv->session_list))
		server_session_del(srv, TAILQ_FIRST(&srv->session_list));
	server_hash_release(&srv->sessions);
}

/* See server-int.h: the list is in order of creation, so of expiry. */
void
server_session_tick(struct server *srv)
{
	struct server_session *s;
	int64_t now = now_ms();

	while ((s = TAILQ_FIRST(&srv->session_list)) != NULL &&
	    s->expires <= now)
		server_session_del(srv, s);
}

/* See server-int.h. */
bool
server_session_is_live(struct server *srv, const char *id)
{
	return server_session_find(srv, id) != NULL;
}

/* See server-int.h: the value of our cookie in a Cookie header. */
const char *
server_session_cookie(struct server_req *r, char *out, size_t len)
{
	const char *h = evhttp_find_header(evhttp_request_get_input_headers(
	    r->req), "Cookie"), *p, *end;
	size_t nlen = strlen(SERVER_SESSION_COOKIE), vlen;

	if (h == NULL)
		return NULL;
	for (p = h; *p != '\0'; p = *end == ';' ? end + 1 : end) {
		while (*p == ' ' || *p == '\t')
			p++;
		end = p + strcspn(p, ";");
		if ((size_t)(end - p) <= nlen || strncmp(p,
		    SERVER_SESSION_COOKIE, nlen) != 0 || p[nlen] != '=')
			continue;
		vlen = (size_t)(end - p) - nlen - 1;
		while (vlen > 0 && (p[nlen + vlen] == ' ' ||
		    p[nlen + vlen] == '\t'))
			vlen--;
		if (vlen >= len)
			return NULL;
		memcpy(out, p + nlen + 1, vlen);
		out[vlen] = '\0';
		return out;
	}
	return NULL;
}

/*
 * See server-int.h: a request that carries our cookie and no bearer token
 * is the session's user; one that changes something must also carry the
 * session's CSRF value, which a page of another site cannot read.
 */
int
server_session_auth(struct server_req *r, const char *id)
{
	struct server_session *s;
	const char *csrf;

	if ((s = server_session_find(r->srv, id)) == NULL) {
		server_reply_error(r, 401, NULL, "the session has ended or "
		    "expired: sign in again");
		return -1;
	}
	if (r->method != EVHTTP_REQ_GET && r->method != EVHTTP_REQ_HEAD) {
		csrf = evhttp_find_header(evhttp_request_get_input_headers(
		    r->req), "X-CSRF-Token");
		if (csrf == NULL || strlen(csrf) != SERVER_SESSION_ID_LEN ||
		    CRYPTO_memcmp(csrf, s->csrf, SERVER_SESSION_ID_LEN) != 0) {
			server_reply_error(r, 403, NULL, "a request that "
			    "changes something needs the session's "
			    "X-CSRF-Token header");
			return -1;
		}
	}
	memcpy(r->session, s->id, sizeof r->session);
	r->user = server_user_dup(s->user);
	return 0;
}

/* Makes room for one more session of a user: the user's oldest beyond
 * their share, then the server's oldest beyond its cap. */
static void
server_session_room(struct server *srv, const char *user)
{
	struct server_session *s, *oldest = NULL;
	int n = 0;

	TAILQ_FOREACH(s, &srv->session_list, entry) {
		if (strcmp(s->user->name, user) != 0)
			continue;
		if (oldest == NULL)
			oldest = s;
		n++;
	}
	if (n >= SERVER_MAX_USER_SESSIONS)
		server_session_del(srv, oldest);
	if (srv->nsessions >= SERVER_MAX_SESSIONS)
		server_session_del(srv, TAILQ_FIRST(&srv->session_list));
}

/* The session's description: who (as whoami says), its CSRF value, its
 * end. */
static json_t *
server_session_json(const struct server_session *s)
{
	char *exp = time_format_rfc3339(s->expires);
	json_t *o;

	o = json_pack("{s:s,s:b,s:o,s:s,s:s}", "username", s->user->name,
	    "admin", s->user->admin, "ta_namespaces",
	    server_user_tas_json(s->user), "csrf_token", s->csrf,
	    "expires_at", exp);
	free(exp);
	return o;
}

/* Sets (or, with max_age 0, clears) the session cookie. */
static void
server_session_set_cookie(struct server_req *r, const char *id, int max_age)
{
	char *c;

	c = xprintf("%s=%s; Path=/; Max-Age=%d; HttpOnly; SameSite=Strict%s",
	    SERVER_SESSION_COOKIE, id, max_age, r->srv->ssl != NULL ?
	    "; Secure" : "");
	evhttp_add_header(evhttp_request_get_output_headers(r->req),
	    "Set-Cookie", c);
	free(c);
}

/* POST /v1/session with a bearer token: a new session for its user. */
static void
server_session_create(struct server_req *r)
{
	struct server *srv = r->srv;
	struct evbuffer *body = evhttp_request_get_input_buffer(r->req);
	struct server_session *s;
	size_t len = evbuffer_get_length(body);

	if (r->session[0] != '\0') {
		server_reply_error(r, 400, NULL, "sign in with a bearer token "
		    "(Authorization: Bearer TOKEN), not with a session");
		return;
	}
	if (len != 0 && (len != 2 || memcmp(evbuffer_pullup(body, 2), "{}",
	    2) != 0)) {
		server_reply_error(r, 400, NULL, "a sign-in takes no body");
		return;
	}
	s = xcalloc(1, sizeof *s);
	if (server_session_random(s->id) != 0 ||
	    server_session_random(s->csrf) != 0) {
		free(s);
		log_warnx("no random bytes for a session");
		server_reply_error(r, 500, NULL, "cannot make a session");
		return;
	}
	server_session_room(srv, r->user->name);
	s->user = server_user_dup(r->user);
	s->expires = now_ms() + (int64_t)srv->cfg.session_ttl_s * 1000;
	server_hash_add(&srv->sessions, &s->hnode, server_hash_key(s->id,
	    SERVER_SESSION_ID_LEN));
	TAILQ_INSERT_TAIL(&srv->session_list, s, entry);
	srv->nsessions++;
	log_info("user '%s' signed in to the dashboard", s->user->name);
	server_session_set_cookie(r, s->id, srv->cfg.session_ttl_s);
	server_reply_json(r, 201, server_session_json(s));
}

/* See server-int.h: /v1/session (POST signs in, GET describes the
 * caller's session, DELETE signs out). */
void
server_session_handle(struct server_req *r)
{
	struct server_session *s;

	if (r->method == EVHTTP_REQ_POST) {
		server_session_create(r);
		return;
	}
	if (r->method != EVHTTP_REQ_GET && r->method != EVHTTP_REQ_HEAD &&
	    r->method != EVHTTP_REQ_DELETE) {
		evhttp_add_header(evhttp_request_get_output_headers(r->req),
		    "Allow", "GET, POST, DELETE");
		server_reply_error(r, 405, NULL, "use POST (sign in), GET or "
		    "DELETE (sign out) for '%s'", r->path);
		return;
	}
	if (r->session[0] == '\0' || (s = server_session_find(r->srv,
	    r->session)) == NULL) {
		server_reply_error(r, 404, NULL, "this request has no session "
		    "(it came with a bearer token)");
		return;
	}
	if (r->method == EVHTTP_REQ_DELETE) {
		log_info("user '%s' signed out of the dashboard",
		    s->user->name);
		server_session_del(r->srv, s);
		server_session_set_cookie(r, "", 0);
		server_reply_json(r, 200, json_pack("{s:b}", "signed_out", 1));
		return;
	}
	server_reply_json(r, 200, server_session_json(s));
}
