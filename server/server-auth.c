/*
 * Who a request comes from and what they may do: the cluster's TokenReview
 * and SubjectAccessReview, asked with the server's own credentials and
 * remembered briefly under a SHA-256 of the question (never the token
 * itself), the server's own rules (owners, admin and TA groups), the
 * per-user token bucket, and a bucket per client address of failed
 * authentications, so that junk tokens cannot make the server flood the
 * cluster with TokenReviews.
 */
#include "server-int.h"

#include <math.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "kube.h"

/* Bounds: a bearer token. */
#define SERVER_MAX_TOKEN 8192
/* How long a refused token is remembered, so that a bad client cannot
 * make the server hammer the cluster. */
#define SERVER_NEGATIVE_TTL_MS 10000
/* TokenReviews in flight at once: unknown tokens cannot queue unbounded
 * work for the cluster (or memory here). */
#define SERVER_MAX_REVIEWS 64
/* After a review the cluster did not answer, answers past their TTL (but
 * in their grace) are used this long without asking again, so that known
 * users do not each wait out the review timeout while the cluster is
 * down; then one request asks again. */
#define SERVER_CLUSTER_DOWN_MS 15000
/* What a 503 for a cluster that did not answer tells the client. */
#define SERVER_CLUSTER_RETRY_S 5

/* Hex SHA-256 of a byte string. */
static void
server_sha256(const void *data, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;

	EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
	for (i = 0; i < n && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[64] = '\0';
	explicit_bzero(md, sizeof md);
}

/* Frees a user. */
void
server_user_free(struct server_user *u)
{
	size_t i;

	if (u == NULL)
		return;
	free(u->name);
	free(u->uid);
	for (i = 0; i < u->ngroups; i++)
		free(u->groups[i]);
	free(u->groups);
	free(u->ta_namespaces);
	free(u);
}

/* A copy the request owns, so that a cache expiry never pulls it away. */
struct server_user *
server_user_dup(const struct server_user *u)
{
	struct server_user *c = xcalloc(1, sizeof *c);
	size_t i;

	c->name = xstrdup(u->name);
	c->uid = u->uid != NULL ? xstrdup(u->uid) : NULL;
	c->groups = xcalloc(u->ngroups + 1, sizeof *c->groups);
	for (i = 0; i < u->ngroups; i++)
		c->groups[i] = xstrdup(u->groups[i]);
	c->ngroups = u->ngroups;
	c->admin = u->admin;
	c->ta_namespaces = u->ta_namespaces != NULL ?
	    xstrdup(u->ta_namespaces) : NULL;
	return c;
}

/* See server-int.h: the names between the commas of ",ns1,ns2,". */
json_t *
server_user_tas_json(const struct server_user *u)
{
	const char *p = u->ta_namespaces, *e;
	json_t *a = json_array();

	while (p != NULL && *p != '\0' && (e = strchr(++p, ',')) != NULL) {
		if (e > p)
			json_array_append_new(a, json_stringn(p,
			    (size_t)(e - p)));
		p = e;
	}
	return a;
}

/* The user as the server's rules see them: admin and TA groups. */
static struct server_user *
server_user_from_review(struct server *srv, json_t *ui)
{
	struct server_user *u = xcalloc(1, sizeof *u);
	json_t *groups = json_object_get(ui, "groups"), *g;
	const char *uid = json_string_value(json_object_get(ui, "uid"));
	char *tas = NULL, *tmp;
	size_t i, a, k;

	u->name = xstrdup(json_string_value(json_object_get(ui, "username")));
	u->uid = uid != NULL && *uid != '\0' ? xstrdup(uid) : NULL;
	u->groups = xcalloc(json_array_size(groups) + 1, sizeof *u->groups);
	json_array_foreach(groups, i, g) {
		if (!json_is_string(g))
			continue;
		u->groups[u->ngroups++] = xstrdup(json_string_value(g));
	}
	for (i = 0; i < u->ngroups; i++) {
		for (a = 0; a < srv->cfg.nadmin_groups; a++)
			if (strcmp(u->groups[i], srv->cfg.admin_groups[a]) == 0)
				u->admin = true;
		for (a = 0; a < srv->cfg.ntas; a++) {
			if (strcmp(u->groups[i], srv->cfg.tas[a].group) != 0)
				continue;
			for (k = 0; k < srv->cfg.tas[a].n; k++) {
				tmp = xprintf("%s%s,", tas != NULL ? tas : ",",
				    srv->cfg.tas[a].namespaces[k]);
				free(tas);
				tas = tmp;
			}
		}
	}
	u->ta_namespaces = tas;
	return u;
}

/* A priority's name where it has one, for messages. */
static const char *
server_priority_word(int p)
{
	return p == 250 ? " (low)" : p == 500 ? " (normal)" : p == 750 ?
	    " (high)" : "";
}

/* See server-int.h: a site decides who may jump the queue. */
int
server_auth_priority_check(struct server_req *r,
    const struct store_job_new *jobs, size_t n)
{
	const struct server_user *u = r->user;
	int max;
	size_t i;

	if (u->admin)
		return 0;
	max = server_config_priority_max(&r->srv->cfg, u->name,
	    (const char *const *)u->groups, u->ngroups);
	for (i = 0; i < n; i++) {
		if (jobs[i].priority <= max)
			continue;
		server_reply_error(r, 400, NULL, "job '%s' asks for priority "
		    "%d%s, above the limit of %d%s for user '%s' on this "
		    "server (priority_max; priority_groups allows more to some "
		    "groups): nothing queued", jobs[i].name, jobs[i].priority,
		    server_priority_word(jobs[i].priority), max,
		    server_priority_word(max), u->name);
		return -1;
	}
	return 0;
}

/* See server-int.h: no answer in time, no connection, or overloaded,
 * rather than a refusal or a bad request. */
bool
server_cluster_unavailable(const struct kube_error *err)
{
	if (err->code == 0)
		return !kube_error_is(err, "TooLarge");
	return err->code == 429 || err->code >= 500;
}

/* Remembers an answer of the cluster: fresh for token_cache, then kept
 * for token_cache_grace in case the cluster stops answering. */
static struct server_cache_entry *
server_auth_cache_add(struct server *srv, const char *key)
{
	struct server_cache_entry *e;

	e = server_cache_add(&srv->cache, key,
	    (int64_t)srv->cfg.token_ttl_s * 1000);
	e->fresh_until = e->expires;
	e->expires += (int64_t)srv->cfg.token_grace_s * 1000;
	return e;
}

/* Is a cached answer fresh, or may a stale one be used without asking
 * (the cluster did not answer a moment ago)? */
static bool
server_auth_cache_usable(struct server *srv, const struct server_cache_entry *e)
{
	int64_t now = now_ms();

	return e->fresh_until > now || srv->cluster_down_until > now;
}

/* Counts, for /metrics, a review the cluster did not answer within
 * review_timeout (the deadline of the server's client). */
static void
server_auth_count_timeout(struct server *srv, const struct kube_error *err,
    enum server_review_kind kind)
{
	if (err->code == 0 && kube_error_is(err, "Timeout"))
		srv->m.review_timeouts[kind]++;
}

/* A cached answer of the cluster about to be used: counted, for
 * /metrics, when it is past token_cache (served in its grace). */
static struct server_cache_entry *
server_auth_count_grace(struct server *srv, struct server_cache_entry *e,
    enum server_review_kind kind)
{
	if (e != NULL && e->fresh_until <= now_ms())
		srv->m.grace_answers[kind]++;
	return e;
}

/* The cluster did not answer a review: remembered for a while, and the
 * client told to come back (when no stale answer can stand in). */
static void
server_auth_cluster_down(struct server *srv, const struct kube_error *err,
    const char *what)
{
	char *msg = kube_error_string(err);

	if (srv->cluster_down_until <= now_ms())
		log_warnx("%s: the cluster did not answer (%s); known users "
		    "are served from the cache", what, msg);
	srv->cluster_down_until = now_ms() + SERVER_CLUSTER_DOWN_MS;
	free(msg);
}

/* See server-int.h: nothing was done, asking again later is safe. */
void
server_reply_unavailable(struct server_req *r, const char *what)
{
	server_retry_after(r, SERVER_CLUSTER_RETRY_S);
	server_reply_error(r, 503, NULL, "the cluster did not answer %s "
	    "within %d s: nothing was done; retry in %d s", what,
	    r->srv->cfg.review_timeout_s, SERVER_CLUSTER_RETRY_S);
}

/* The token bucket, one per user, refilled at rate up to burst: 0, or -1
 * with *retry_after seconds. */
static int
server_rate_take(struct server *srv, const char *user, int *retry_after)
{
	struct server_bucket *b;
	int64_t now = now_ms();
	double rate = srv->cfg.rate;

	*retry_after = 0;
	if (rate <= 0)
		return 0;
	for (b = srv->buckets; b != NULL; b = b->next)
		if (strcmp(b->user, user) == 0)
			break;
	if (b == NULL) {
		b = xcalloc(1, sizeof *b);
		b->user = xstrdup(user);
		b->tokens = srv->cfg.burst;
		b->at = now;
		b->next = srv->buckets;
		srv->buckets = b;
	}
	b->tokens += (double)(now - b->at) / 1000.0 * rate;
	if (b->tokens > srv->cfg.burst)
		b->tokens = srv->cfg.burst;
	b->at = now;
	if (b->tokens >= 1.0) {
		b->tokens -= 1.0;
		return 0;
	}
	*retry_after = (int)ceil((1.0 - b->tokens) / rate);
	if (*retry_after < 1)
		*retry_after = 1;
	return -1;
}

/* The user is known: the rate limit, then the handler. */
static void
server_auth_done(struct server_req *r)
{
	int retry;

	if (server_rate_take(r->srv, r->user->name, &retry) != 0) {
		server_reply_retry(r, 429, retry, "too many requests from user "
		    "'%s': retry in %d s", r->user->name, retry);
		return;
	}
	r->handler(r);
}

/* Answers from a cache entry of a token review. */
static void
server_auth_from_entry(struct server_req *r, struct server_cache_entry *e)
{
	if (e->code != 0) {
		server_reply_error(r, e->code, NULL, "%s", e->message);
		return;
	}
	r->user = server_user_dup(e->user);
	server_auth_done(r);
}

/* The cluster answered the TokenReview. */
static void
server_auth_reviewed(struct kube_response *resp, void *arg)
{
	struct server_req *r = arg;
	struct server *srv = r->srv;
	struct server_cache_entry *e;
	json_t *st, *ui;
	char *msg;

	r->kreq = NULL;
	if (resp->error != NULL &&
	    server_cluster_unavailable(resp->error)) {
		/* The cluster's failure, not the client's: no token spent;
		 * a token it accepted before stands in its grace. */
		server_auth_review_done(r, true);
		srv->m.reviews_failed++;
		server_auth_count_timeout(srv, resp->error, SERVER_REVIEW_TOKEN);
		server_auth_cluster_down(srv, resp->error, "TokenReview");
		if ((e = server_auth_count_grace(srv, server_cache_find(
		    &srv->cache, r->token_key), SERVER_REVIEW_TOKEN)) != NULL)
			server_auth_from_entry(r, e);
		else
			server_reply_unavailable(r, "the token review");
		return;
	}
	if (resp->error != NULL) {
		/* The cluster's failure, not the client's: no token spent. */
		server_auth_review_done(r, true);
		srv->m.reviews_failed++;
		msg = kube_error_string(resp->error);
		log_warnx("TokenReview failed: %s", msg);
		server_reply_error(r, 502, NULL, "cannot review the token with "
		    "the cluster: %s", msg);
		free(msg);
		return;
	}
	st = json_object_get(resp->body, "status");
	ui = json_object_get(st, "user");
	if (!json_is_true(json_object_get(st, "authenticated")) ||
	    json_string_value(json_object_get(ui, "username")) == NULL) {
		server_auth_review_done(r, false);
		srv->m.reviews_refused++;
		srv->cluster_down_until = 0;
		server_cache_forget(&srv->cache, r->token_key);
		e = server_cache_add(&srv->negcache, r->token_key,
		    SERVER_NEGATIVE_TTL_MS);
		e->code = 401;
		e->message = xstrdup("the cluster does not accept this token "
		    "(expired or unknown: log in to the cluster again)");
		server_auth_from_entry(r, e);
		return;
	}
	server_auth_review_done(r, true);
	srv->m.reviews_ok++;
	srv->cluster_down_until = 0;
	e = server_auth_cache_add(srv, r->token_key);
	e->user = server_user_from_review(srv, ui);
	server_auth_from_entry(r, e);
}

/* Refills a client address's bucket of failed authentications. */
static void
server_auth_fail_refill(struct server *srv, struct server_peer *p)
{
	int64_t now = now_ms();

	p->fail_tokens += (double)(now - p->fail_at) / 1000.0 *
	    srv->cfg.auth_fail_rate;
	if (p->fail_tokens > srv->cfg.auth_fail_burst)
		p->fail_tokens = srv->cfg.auth_fail_burst;
	p->fail_at = now;
}

/*
 * Before a token unknown to the caches is reviewed, its client address
 * gives a token of its bucket, returned if the cluster accepts it: only
 * failed authentications spend the bucket, so a user behind the same
 * address as a flood is not refused once known, and the reviews one
 * address has in flight are bounded by its burst.  0, or -1 after a 429.
 */
static int
server_auth_fail_take(struct server_req *r)
{
	struct server *srv = r->srv;
	struct server_peer *p;
	int retry;

	if ((p = server_peer_find(srv, r->peer)) == NULL)
		p = server_peer_get(srv, r->peer);
	if (srv->cfg.auth_fail_rate > 0) {
		server_auth_fail_refill(srv, p);
		if (p->fail_tokens < 1.0) {
			retry = (int)ceil((1.0 - p->fail_tokens) /
			    srv->cfg.auth_fail_rate);
			if (retry < 1)
				retry = 1;
			srv->m.auth_limited++;
			server_reply_retry(r, 429, retry, "too many failed "
			    "authentications from %s: retry in %d s", p->addr,
			    retry);
			return -1;
		}
		p->fail_tokens -= 1.0;
		r->fail_token = true;
	}
	p->reviews++;
	return 0;
}

/* See server-int.h: refund gives the bucket its token back (the token
 * was good, or the cluster did not answer). */
void
server_auth_review_done(struct server_req *r, bool refund)
{
	struct server *srv = r->srv;
	struct server_peer *p;

	if (!r->token_review)
		return;
	r->token_review = false;
	srv->nreviews--;
	if ((p = server_peer_find(srv, r->peer)) == NULL)
		return;
	if (p->reviews > 0)
		p->reviews--;
	if (refund && r->fail_token) {
		server_auth_fail_refill(srv, p);
		p->fail_tokens += 1.0;
		if (p->fail_tokens > srv->cfg.auth_fail_burst)
			p->fail_tokens = srv->cfg.auth_fail_burst;
	}
	r->fail_token = false;
}

/* See server-int.h. */
void
server_auth_start(struct server_req *r)
{
	struct evkeyvalq *h = evhttp_request_get_input_headers(r->req);
	const char *auth = evhttp_find_header(h, "Authorization");
	struct server_cache_entry *e;
	const char *tok, *sid;
	char cookie[SERVER_SESSION_ID_LEN + 2];
	json_t *body;

	if (auth == NULL && (sid = server_session_cookie(r, cookie,
	    sizeof cookie)) != NULL) {
		if (server_session_auth(r, sid) == 0)
			server_auth_done(r);
		return;
	}
	if (auth == NULL || strncasecmp(auth, "Bearer ", 7) != 0) {
		server_reply_error(r, 401, NULL, "no bearer token: send "
		    "'Authorization: Bearer TOKEN' with the credential of your "
		    "kubeconfig");
		return;
	}
	tok = auth + 7;
	while (*tok == ' ')
		tok++;
	if (*tok == '\0' || strlen(tok) > SERVER_MAX_TOKEN) {
		server_reply_error(r, 401, NULL, "empty or oversized bearer "
		    "token");
		return;
	}
	server_sha256(tok, strlen(tok), r->token_key);
	if ((e = server_cache_find(&r->srv->cache, r->token_key)) != NULL &&
	    server_auth_cache_usable(r->srv, e)) {
		server_auth_from_entry(r, server_auth_count_grace(r->srv, e,
		    SERVER_REVIEW_TOKEN));
		return;
	}
	if ((e = server_cache_find(&r->srv->negcache, r->token_key)) != NULL) {
		server_auth_from_entry(r, e);
		return;
	}
	if (r->srv->nreviews >= SERVER_MAX_REVIEWS) {
		if ((e = server_cache_find(&r->srv->cache, r->token_key)) !=
		    NULL) {
			server_auth_from_entry(r, server_auth_count_grace(
			    r->srv, e, SERVER_REVIEW_TOKEN));
			return;
		}
		server_retry_after(r, 1);
		server_reply_error(r, 503, NULL, "too many token reviews in "
		    "flight; retry in a second");
		return;
	}
	if (server_auth_fail_take(r) != 0)
		return;
	r->srv->nreviews++;
	r->token_review = true;
	body = json_pack("{s:s,s:s,s:{s:s}}", "apiVersion",
	    "authentication.k8s.io/v1", "kind", "TokenReview", "spec",
	    "token", tok);
	r->kreq = kube_request_raw(r->srv->kube, "POST",
	    "/apis/authentication.k8s.io/v1/tokenreviews", body,
	    "application/json", server_auth_reviewed, r);
	json_decref(body);
}

/* An access review in flight. */
struct server_review {
	struct server_req *r;
	server_review_cb cb;
	char key[65];
};

/* The cluster answered a SubjectAccessReview. */
static void
server_review_done(struct kube_response *resp, void *arg)
{
	struct server_review *rv = arg;
	struct server_req *r = rv->r;
	struct server_cache_entry *e;
	server_review_cb cb = rv->cb;
	json_t *st;
	char *msg;

	r->kreq = NULL;
	r->review = NULL;
	if (resp->error != NULL &&
	    server_cluster_unavailable(resp->error)) {
		/* An answer given before stands in its grace. */
		server_auth_count_timeout(r->srv, resp->error,
		    SERVER_REVIEW_ACCESS);
		server_auth_cluster_down(r->srv, resp->error,
		    "SubjectAccessReview");
		e = server_auth_count_grace(r->srv, server_cache_find(
		    &r->srv->cache, rv->key), SERVER_REVIEW_ACCESS);
		free(rv);
		if (e != NULL)
			cb(r, e->allowed, NULL);
		else
			server_reply_unavailable(r, "the access review");
		return;
	}
	if (resp->error != NULL) {
		msg = kube_error_string(resp->error);
		log_warnx("SubjectAccessReview failed: %s", msg);
		free(msg);
		free(rv);
		cb(r, false, "the cluster did not answer an access review");
		return;
	}
	st = json_object_get(resp->body, "status");
	r->srv->cluster_down_until = 0;
	e = server_auth_cache_add(r->srv, rv->key);
	e->allowed = json_is_true(json_object_get(st, "allowed"));
	free(rv);
	cb(r, e->allowed, NULL);
}

/* See server-int.h. */
void
server_auth_review(struct server_req *r, const char *verb, const char *group,
    const char *resource, const char *ns, server_review_cb cb)
{
	struct server_cache_entry *e;
	struct server_review *rv;
	json_t *body, *groups, *ra;
	char *q;
	size_t i;

	q = xprintf("%s|%s|%s|%s|%s|%s", r->user->name, verb, group,
	    resource, ns, r->user->uid != NULL ? r->user->uid : "");
	for (i = 0; i < r->user->ngroups; i++) {
		char *tmp = xprintf("%s|%s", q, r->user->groups[i]);

		free(q);
		q = tmp;
	}
	rv = xcalloc(1, sizeof *rv);
	server_sha256(q, strlen(q), rv->key);
	free(q);
	if ((e = server_cache_find(&r->srv->cache, rv->key)) != NULL &&
	    server_auth_cache_usable(r->srv, e)) {
		free(rv);
		(void)server_auth_count_grace(r->srv, e, SERVER_REVIEW_ACCESS);
		cb(r, e->allowed, NULL);
		return;
	}
	rv->r = r;
	rv->cb = cb;
	groups = json_array();
	for (i = 0; i < r->user->ngroups; i++)
		json_array_append_new(groups, json_string(r->user->groups[i]));
	ra = json_pack("{s:s,s:s,s:s,s:s}", "namespace", ns, "verb", verb,
	    "group", group, "resource", resource);
	body = json_pack("{s:s,s:s,s:{s:s,s:o,s:o}}", "apiVersion",
	    "authorization.k8s.io/v1", "kind", "SubjectAccessReview", "spec",
	    "user", r->user->name, "groups", groups, "resourceAttributes", ra);
	if (r->user->uid != NULL)
		json_object_set_new(json_object_get(body, "spec"), "uid",
		    json_string(r->user->uid));
	r->review = rv;
	r->kreq = kube_request_raw(r->srv->kube, "POST",
	    "/apis/authorization.k8s.io/v1/subjectaccessreviews", body,
	    "application/json", server_review_done, rv);
	json_decref(body);
}

/* See server-int.h. */
bool
server_auth_can_see(const struct server_user *u, const struct store_job *j)
{
	char *needle;
	bool ok;

	if (u->admin || strcmp(u->name, j->owner) == 0)
		return true;
	if (u->ta_namespaces == NULL)
		return false;
	needle = xprintf(",%s,", j->namespace);
	ok = strstr(u->ta_namespaces, needle) != NULL;
	free(needle);
	return ok;
}

/* Frees the buckets. */
void
server_buckets_free(struct server *srv)
{
	struct server_bucket *b;

	while ((b = srv->buckets) != NULL) {
		srv->buckets = b->next;
		free(b->user);
		free(b);
	}
}
