/*
 * The transport of the API: evhttp on the caller's base, TLS through
 * OpenSSL bufferevents, bounds on connections, headers and bodies, the one
 * error shape, and the dispatch of a request to its handler.
 */
#include "server-int.h"

#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/listener.h>
#include <openssl/err.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <fcntl.h>
#include <unistd.h>

#include "api.h"
#include "kube.h"

/* How long the API may work on one request before its connection is
 * given up (a review of a slow cluster, a big sweep). */
#define SERVER_WORK_TIMEOUT 600

/* Loads the certificate and key (TLS 1.2 or later). */
static int
server_tls_init(struct server *srv, char **cause)
{
	char buf[256];
	SSL_CTX *ctx;

	if (srv->cfg.tls_key == NULL) {
		*cause = xstrdup("--tls-cert needs --tls-key");
		return -1;
	}
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		*cause = xstrdup("cannot create a TLS context");
		return -1;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	if (SSL_CTX_use_certificate_chain_file(ctx, srv->cfg.tls_cert) != 1) {
		ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
		*cause = xprintf("cannot load certificate '%s': %s",
		    srv->cfg.tls_cert, buf);
		SSL_CTX_free(ctx);
		return -1;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, srv->cfg.tls_key,
	    SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
		ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
		*cause = xprintf("cannot load key '%s': %s", srv->cfg.tls_key,
		    buf);
		SSL_CTX_free(ctx);
		return -1;
	}
	srv->ssl = ctx;
	return 0;
}

/*
 * The connection's idle timeout guards reading a request; while the API
 * works on one (a review, a big sweep) it must not drop the connection,
 * so it is lifted on arrival and set again just before the answer.
 */
static void
server_conn_timeouts(struct server_req *r, bool idle)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(r->req);

	if (evcon == NULL)
		return;
	/* The loop's cached clock is as old as this turn of the loop, which
	 * long work makes stale: a timeout counted from it would fire at
	 * once. */
	event_base_update_cache_time(r->srv->base);
	/* Idle, the connection's own deadline (server-conn.c) closes it
	 * first; this one still drops a client that stops reading. */
	evhttp_connection_set_timeout(evcon, idle ? r->srv->cfg.timeout_s + 1 :
	    SERVER_WORK_TIMEOUT);
}

/* Counts a reply for /metrics and keeps what the access log says. */
static void
server_count(struct server_req *r, int code, size_t bytes)
{
	r->status = code;
	r->bytes = bytes;
	if (code >= 0 && code < SERVER_NCODES)
		r->srv->m.requests[code]++;
	if (code >= 400)
		log_debug("%s %s: %d", r->method == EVHTTP_REQ_GET ? "GET" :
		    "POST", r->path != NULL ? r->path : "?", code);
}

/* Headers every answer carries (Cache-Control unless already set). */
static void
server_common_headers(struct evhttp_request *req, const char *type)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	evhttp_add_header(h, "Content-Type", type);
	if (evhttp_find_header(h, "Cache-Control") == NULL)
		evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
}

/* See server-int.h: sends and finishes the request. */
void
server_reply_json(struct server_req *r, int code, json_t *body)
{
	struct evbuffer *buf = evbuffer_new();
	char *text;

	/* An encoder that failed (it should not: strings go through
	 * api_string) costs this request, never the server. */
	if (body == NULL) {
		log_warnx("%s: an answer could not be encoded", r->path != NULL ?
		    r->path : "?");
		code = 500;
		body = api_error_encode(500, NULL, "the server could not encode "
		    "its answer");
	}
	text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
	evbuffer_add(buf, text, strlen(text));
	evbuffer_add(buf, "\n", 1);
	free(text);
	json_decref(body);
	server_reply_buffer(r, code, "application/json", buf);
	evbuffer_free(buf);
}

/* See server-int.h. */
void
server_reply_buffer(struct server_req *r, int code, const char *type,
    struct evbuffer *buf)
{
	struct evhttp_connection *evcon;

	server_common_headers(r->req, type);
	server_count(r, code, evbuffer_get_length(buf));
	server_conn_timeouts(r, true);
	evcon = evhttp_request_get_connection(r->req);
	evhttp_send_reply(r->req, code, NULL, buf);
	server_conn_replied(r->srv, evcon);
	server_req_done(r);
}

/* See server-int.h. */
void
server_reply_text(struct server_req *r, int code, const char *type,
    const char *text, size_t len)
{
	struct evbuffer *buf = evbuffer_new();

	evbuffer_add(buf, text, len);
	server_reply_buffer(r, code, type, buf);
	evbuffer_free(buf);
}

/* See server-int.h: the one error shape of docs/api.md. */
void
server_reply_error(struct server_req *r, int code, const char *reason,
    const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	server_reply_json(r, code, api_error_encode(code, reason, msg));
	free(msg);
}

/* See server-int.h. */
void
server_retry_after(struct server_req *r, int seconds)
{
	char buf[16];

	snprintf(buf, sizeof buf, "%d", seconds);
	evhttp_add_header(evhttp_request_get_output_headers(r->req),
	    "Retry-After", buf);
}

/* See server-int.h. */
void
server_reply_retry(struct server_req *r, int code, int seconds,
    const char *fmt, ...)
{
	json_t *body;
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	server_retry_after(r, seconds);
	body = api_error_encode(code, NULL, msg);
	api_error_set_retry_after(body, seconds);
	free(msg);
	server_reply_json(r, code, body);
}

/* See server-int.h. */
void
server_reply_store(struct server_req *r, char *cause, const char *what)
{
	log_warnx("%s", cause != NULL ? cause : what);
	free(cause);
	server_reply_error(r, 500, NULL, "cannot read the queue");
}

/*
 * One access log line, without its time: the client's address, method,
 * path (no query: it may hold secrets), status, body bytes, duration and
 * user ("-" if none); bytes outside printable ASCII, spaces and quotes as
 * %XX, so a client cannot forge lines.  The caller frees it.
 */
static char *
server_access_line(const char *peer, const char *method, const char *path,
    int status, size_t bytes, int64_t ms, const char *user)
{
	const char *fields[3] = { peer, path, user };
	char *esc[3], *line;
	size_t f, i, k, n;
	unsigned char ch;

	for (f = 0; f < nitems(fields); f++) {
		n = strnlen(fields[f], 1024);
		esc[f] = xmalloc(3 * n + 1);
		for (i = k = 0; i < n; i++) {
			ch = (unsigned char)fields[f][i];
			if (ch > 0x20 && ch < 0x7f && ch != '"' && ch != '%' &&
			    ch != '\\')
				esc[f][k++] = (char)ch;
			else
				k += (size_t)snprintf(esc[f] + k, 4, "%%%02X",
				    ch);
		}
		esc[f][k] = '\0';
	}
	line = xprintf("%s %s %s %d %zu %lldms %s", esc[0], method, esc[1],
	    status, bytes, (long long)ms, esc[2]);
	for (f = 0; f < nitems(fields); f++)
		free(esc[f]);
	return line;
}

/* The name of a request's method, for the access log. */
static const char *
server_method_name(enum evhttp_cmd_type m)
{
	switch (m) {
	case EVHTTP_REQ_GET:
		return "GET";
	case EVHTTP_REQ_POST:
		return "POST";
	case EVHTTP_REQ_HEAD:
		return "HEAD";
	case EVHTTP_REQ_PUT:
		return "PUT";
	case EVHTTP_REQ_DELETE:
		return "DELETE";
	case EVHTTP_REQ_OPTIONS:
		return "OPTIONS";
	case EVHTTP_REQ_PATCH:
		return "PATCH";
	default:
		return "OTHER";
	}
}

/*
 * A line per answered request, for operators: to --access-log (one
 * write, so lines of concurrent servers never interleave) or, without
 * one, to the log at -v.  Never a header: tokens and cookies stay out.
 */
static void
server_access_log(struct server_req *r)
{
	struct server *srv = r->srv;
	char *line, *full, *ts;
	int64_t now = now_ms();
	size_t len;

	if (r->status == 0 || (srv->access_fd < 0 &&
	    log_get_level() < LOG_LEVEL_INFO))
		return;
	line = server_access_line(r->peer[0] != '\0' ? r->peer : "-",
	    server_method_name(r->method), r->path != NULL ? r->path : "-",
	    r->status, r->bytes, now - r->started, r->user != NULL ?
	    r->user->name : "-");
	if (srv->access_fd < 0) {
		log_info("access %s", line);
		free(line);
		return;
	}
	ts = time_format_rfc3339(now);
	full = xprintf("%s %s\n", ts, line);
	len = strlen(full);
	if (write(srv->access_fd, full, len) != (ssize_t)len &&
	    now - srv->access_err_logged > 60000) {
		srv->access_err_logged = now;
		log_warnx("cannot write the access log '%s': %s",
		    srv->cfg.access_log, strerror(errno));
	}
	free(ts);
	free(full);
	free(line);
}

/* Opens --access-log for appending, made 0600 (it names users). */
static int
server_access_open(struct server *srv, char **cause)
{
	struct stat st;
	int fd;

	fd = open(srv->cfg.access_log, O_WRONLY | O_CREAT | O_APPEND |
	    O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		*cause = xprintf("cannot open the access log '%s': %s",
		    srv->cfg.access_log, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    ((st.st_mode & 077) != 0 && fchmod(fd, 0600) != 0)) {
		*cause = xprintf("the access log '%s' is not a regular file "
		    "this user can make 0600", srv->cfg.access_log);
		close(fd);
		return -1;
	}
	srv->access_fd = fd;
	return 0;
}

/* Frees a request's state once it has been answered. */
void
server_req_done(struct server_req *r)
{
	struct server *srv = r->srv;

	server_access_log(r);
	if (r->prev != NULL)
		r->prev->next = r->next;
	else if (srv->reqs == r)
		srv->reqs = r->next;
	if (r->next != NULL)
		r->next->prev = r->prev;
	if (r->query_parsed)
		evhttp_clear_headers(&r->query);
	if (r->kreq != NULL)
		kube_request_cancel(r->kreq);
	if (r->token_review)
		server_auth_review_done(r, true);
	if (r->parse != NULL)
		server_parse_cancel(r);
	free(r->review);
	if (r->work_free != NULL)
		r->work_free(r->work);
	server_user_free(r->user);
	if (r->token != NULL) {
		explicit_bzero(r->token, strlen(r->token));
		free(r->token);
	}
	free(r->path);
	free(r);
}

/* See server-int.h. */
const char *
server_query(struct server_req *r, const char *key)
{
	struct evkeyval *kv;
	const char *v = NULL;

	TAILQ_FOREACH(kv, &r->query, next)
		if (strcmp(kv->key, key) == 0)
			v = kv->value;
	return v;
}

/* See server-int.h. */
int
server_query_check(struct server_req *r, const char *const *known)
{
	struct evkeyval *kv;
	size_t i;

	TAILQ_FOREACH(kv, &r->query, next) {
		for (i = 0; known[i] != NULL; i++)
			if (strcmp(kv->key, known[i]) == 0)
				break;
		if (known[i] == NULL) {
			server_reply_error(r, 400, NULL, "unknown query "
			    "parameter '%.64s'", kv->key);
			return -1;
		}
	}
	return 0;
}

/* See server-int.h. */
int
server_query_bool(struct server_req *r, const char *key, bool *out)
{
	const char *v = server_query(r, key);

	*out = false;
	if (v == NULL)
		return 0;
	if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0 || *v == '\0')
		*out = true;
	else if (strcmp(v, "false") != 0 && strcmp(v, "0") != 0) {
		server_reply_error(r, 400, NULL, "'%s' must be true or false",
		    key);
		return -1;
	}
	return 0;
}

/* See server-int.h. */
int
server_query_int(struct server_req *r, const char *key, int64_t lo,
    int64_t hi, int64_t def, int64_t *out)
{
	const char *v = server_query(r, key);
	char *end;
	long long n;

	*out = def;
	if (v == NULL)
		return 0;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (*v == '\0' || *end != '\0' || errno != 0 || n < lo || n > hi) {
		server_reply_error(r, 400, NULL, "'%s' must be an integer from "
		    "%lld to %lld", key, (long long)lo, (long long)hi);
		return -1;
	}
	*out = n;
	return 0;
}

/* Refuses (400, replied) a query whose names or values are not UTF-8:
 * they would reach job records and JSON answers that cannot hold them. */
static int
server_query_check_utf8(struct server_req *r)
{
	struct evkeyval *kv;

	TAILQ_FOREACH(kv, &r->query, next) {
		if (!api_is_utf8(kv->key, strlen(kv->key))) {
			server_reply_error(r, 400, NULL, "the name of a query "
			    "parameter is not valid UTF-8");
			return -1;
		}
		if (!api_is_utf8(kv->value, strlen(kv->value))) {
			server_reply_error(r, 400, NULL, "query parameter "
			    "'%.64s' is not valid UTF-8", kv->key);
			return -1;
		}
	}
	return 0;
}

/* Refuses impersonation headers a client sends: only the server may ever
 * choose whom it acts as. */
static bool
server_has_forged_header(struct evhttp_request *req)
{
	struct evkeyvalq *h = evhttp_request_get_input_headers(req);
	struct evkeyval *kv;

	TAILQ_FOREACH(kv, h, next)
		if (strncasecmp(kv->key, "Impersonate-", 12) == 0)
			return true;
	return false;
}

/* /healthz: no authentication, for probes. */
static void
server_healthz(struct server_req *r)
{
	bool verbose = false;

	if (server_query_bool(r, "verbose", &verbose) != 0)
		return;
	if (verbose) {
		server_reply_json(r, r->srv->stopping ? 503 : 200, json_pack(
		    "{s:s,s:b,s:s}", "status", r->srv->stopping ?
		    "stopping" : "ok", "leader", r->srv->sched != NULL,
		    "version", PACKAGE_VERSION));
		return;
	}
	if (r->srv->stopping)
		server_reply_text(r, 503, "text/plain", "stopping\n", 9);
	else
		server_reply_text(r, 200, "text/plain", "ok\n", 3);
}

/* Every request arrives here: bounds and forged headers first, then the
 * unauthenticated paths, then authentication and the API. */
static void
server_http_cb(struct evhttp_request *req, void *arg)
{
	struct server *srv = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	struct server_req *r;
	const char *path, *q;
	size_t plen = 0;

	r = xcalloc(1, sizeof *r);
	r->srv = srv;
	r->req = req;
	r->method = evhttp_request_get_command(req);
	r->started = now_ms();
	TAILQ_INIT(&r->query);
	snprintf(r->peer, sizeof r->peer, "%s", server_conn_request(srv,
	    evhttp_request_get_connection(req)));
	server_conn_timeouts(r, false);
	r->next = srv->reqs;
	if (srv->reqs != NULL)
		srv->reqs->prev = r;
	srv->reqs = r;
	path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	if (path == NULL || (r->path = evhttp_uridecode(path, 0, &plen)) ==
	    NULL || plen > 1024 || strlen(r->path) != plen) {
		server_reply_error(r, 400, NULL, "bad request path");
		return;
	}
	if (!api_is_utf8(r->path, plen)) {
		server_reply_error(r, 400, NULL, "the request path is not valid "
		    "UTF-8");
		return;
	}
	q = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
	if (q != NULL && evhttp_parse_query_str(q, &r->query) != 0) {
		r->query_parsed = true;
		server_reply_error(r, 400, NULL, "bad query string");
		return;
	}
	r->query_parsed = true;
	if (server_query_check_utf8(r) != 0)
		return;
	if (server_has_forged_header(req)) {
		log_warnx("refused a request with an Impersonate-* header");
		server_reply_error(r, 400, NULL, "Impersonate-* headers are "
		    "not accepted: the server decides whom it acts as");
		return;
	}
	if (evbuffer_get_length(evhttp_request_get_input_buffer(req)) >
	    API_MAX_BODY) {
		server_reply_error(r, 413, NULL, "the request body is larger "
		    "than %d bytes", API_MAX_BODY);
		return;
	}
	if (strcmp(r->path, "/healthz") == 0) {
		server_healthz(r);
		return;
	}
	if (strcmp(r->path, "/metrics") == 0) {
		server_metrics_handle(r);
		return;
	}
	if (srv->stopping) {
		server_reply_error(r, 503, NULL, "the server is shutting down");
		return;
	}
	if (strcmp(r->path, "/") == 0 || strcmp(r->path, "/ui") == 0) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Location", "/ui/");
		server_reply_text(r, 302, "text/plain", "/ui/\n", 5);
		return;
	}
	if (strncmp(r->path, "/ui/", 4) == 0) {
		server_ui_handle(r);
		return;
	}
	if (strncmp(r->path, API_PREFIX "/", strlen(API_PREFIX) + 1) != 0) {
		server_reply_error(r, 404, NULL, "no such path '%.128s' (the "
		    "API is under " API_PREFIX "/)", r->path);
		return;
	}
	r->handler = server_jobs_route;
	server_auth_start(r);
}

/* Splits HOST:PORT ([v6]:PORT too). */
static int
server_parse_listen(const char *s, char **host, int *port, char **cause)
{
	const char *colon = strrchr(s, ':');
	char *end;
	long p;

	if (colon == NULL || colon == s) {
		*cause = xprintf("invalid listen address '%s' (HOST:PORT)", s);
		return -1;
	}
	p = strtol(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || p < 0 || p > 65535) {
		*cause = xprintf("invalid port in listen address '%s'", s);
		return -1;
	}
	if (s[0] == '[' && colon[-1] == ']')
		*host = xstrndup(s + 1, (size_t)(colon - s - 2));
	else
		*host = xstrndup(s, (size_t)(colon - s));
	*port = (int)p;
	return 0;
}

/* 127.0.0.0/8, ::1 and localhost reach no other machine. */
static bool
server_is_loopback_host(const char *host)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (strcasecmp(host, "localhost") == 0)
		return true;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6) ||
		    (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
	return false;
}

/* 0.0.0.0 and :: are every interface. */
static bool
server_is_any_host(const char *host)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (inet_pton(AF_INET, host, &a4) == 1)
		return a4.s_addr == htonl(INADDR_ANY);
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_UNSPECIFIED(&a6);
	return false;
}

/* Whether the host of a --listen value passes a test; false when the
 * value does not parse. */
static bool
server_listen_host_is(const char *listen, bool (*test)(const char *))
{
	char *host = NULL, *cause = NULL;
	int p;
	bool yes;

	if (server_parse_listen(listen, &host, &p, &cause) != 0) {
		free(cause);
		return false;
	}
	yes = test(host);
	free(host);
	return yes;
}

/* See server.h. */
bool
server_listen_is_loopback(const char *listen)
{
	return server_listen_host_is(listen, server_is_loopback_host);
}

/* See server.h. */
bool
server_listen_is_any(const char *listen)
{
	return server_listen_host_is(listen, server_is_any_host);
}

/* See server.h. */
char *
server_listen_url(const char *listen, bool tls, int port,
    const char *hostname)
{
	char *host = NULL, *cause = NULL, *url;
	const char *shown;
	int p;

	if (server_parse_listen(listen, &host, &p, &cause) != 0) {
		free(cause);
		return NULL;
	}
	shown = server_is_any_host(host) && hostname != NULL &&
	    *hostname != '\0' ? hostname : host;
	url = xprintf("%s://%s%s%s:%d", tls ? "https" : "http",
	    strchr(shown, ':') != NULL ? "[" : "", shown,
	    strchr(shown, ':') != NULL ? "]" : "", port);
	free(host);
	return url;
}

/* The port a bound socket has. */
static int
server_bound_port(struct evhttp_bound_socket *b)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	evutil_socket_t fd = evhttp_bound_socket_get_fd(b);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
		return -1;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* The periodic work: expire caches, follow the event log. */
static void
server_tick_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct server *srv = arg;

	(void)fd;
	(void)ev;
	server_cache_prune(&srv->cache, false);
	server_cache_prune(&srv->negcache, false);
	server_session_tick(srv);
	server_conn_tick(arg);
	server_parse_tick(arg);
	server_events_tick(arg);
}

/* See server.h. */
struct server *
server_new(struct event_base *base, struct store *store,
    struct kube_client *kube, const struct spec_site *site,
    const struct server_config *cfg, char **cause)
{
	struct server *srv = xcalloc(1, sizeof *srv);
	struct timeval tv = { 0, 0 };
	char *host = NULL;
	int port, i;

	srv->base = base;
	srv->store = store;
	srv->kube = kube;
	srv->site = site;
	srv->started = now_ms();
	srv->m.log_seq = -1;
	server_cache_init(&srv->cache, (size_t)cfg->token_cache_entries);
	server_cache_init(&srv->negcache, SERVER_NEGATIVE_ENTRIES);
	server_session_init(srv);
	/* A deep copy, so that the caller may release its own. */
	srv->cfg = *cfg;
	srv->cfg.listen = xstrdup(cfg->listen);
	srv->cfg.tls_cert = cfg->tls_cert ? xstrdup(cfg->tls_cert) : NULL;
	srv->cfg.tls_key = cfg->tls_key ? xstrdup(cfg->tls_key) : NULL;
	srv->cfg.lease_name = xstrdup(cfg->lease_name);
	srv->cfg.lease_namespace = xstrdup(cfg->lease_namespace);
	srv->cfg.identity = cfg->identity ? xstrdup(cfg->identity) : NULL;
	srv->cfg.ui_dir = cfg->ui_dir ? xstrdup(cfg->ui_dir) : NULL;
	srv->cfg.access_log = cfg->access_log ? xstrdup(cfg->access_log) :
	    NULL;
	srv->access_fd = -1;
	srv->cfg.priorities = xcalloc(cfg->npriorities + 1,
	    sizeof *srv->cfg.priorities);
	for (i = 0; i < (int)cfg->npriorities; i++) {
		srv->cfg.priorities[i].who = xstrdup(cfg->priorities[i].who);
		srv->cfg.priorities[i].max = cfg->priorities[i].max;
	}
	srv->cfg.admin_groups = xcalloc(cfg->nadmin_groups + 1,
	    sizeof (char *));
	for (i = 0; i < (int)cfg->nadmin_groups; i++)
		srv->cfg.admin_groups[i] = xstrdup(cfg->admin_groups[i]);
	srv->cfg.tas = xcalloc(cfg->ntas + 1, sizeof *srv->cfg.tas);
	for (i = 0; i < (int)cfg->ntas; i++) {
		size_t k;

		srv->cfg.tas[i].group = xstrdup(cfg->tas[i].group);
		srv->cfg.tas[i].n = cfg->tas[i].n;
		srv->cfg.tas[i].namespaces = xcalloc(cfg->tas[i].n + 1,
		    sizeof (char *));
		for (k = 0; k < cfg->tas[i].n; k++)
			srv->cfg.tas[i].namespaces[k] =
			    xstrdup(cfg->tas[i].namespaces[k]);
	}
	if (srv->cfg.tls_cert != NULL && server_tls_init(srv, cause) != 0)
		goto fail;
	if (srv->cfg.access_log != NULL && server_access_open(srv, cause) != 0)
		goto fail;
	if (server_parse_listen(srv->cfg.listen, &host, &port, cause) != 0)
		goto fail;
	srv->http = evhttp_new(base);
	server_conn_init(srv);
	evhttp_set_max_body_size(srv->http, API_MAX_BODY);
	evhttp_set_max_headers_size(srv->http, API_MAX_HEADERS);
	evhttp_set_timeout(srv->http, srv->cfg.timeout_s);
	/* Every method reaches the router, which answers 405 with Allow. */
	evhttp_set_allowed_methods(srv->http, EVHTTP_REQ_GET |
	    EVHTTP_REQ_POST | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT |
	    EVHTTP_REQ_DELETE | EVHTTP_REQ_PATCH | EVHTTP_REQ_OPTIONS);
	evhttp_set_gencb(srv->http, server_http_cb, srv);
	srv->bound = evhttp_bind_socket_with_handle(srv->http, host,
	    (ev_uint16_t)port);
	if (srv->bound == NULL) {
		*cause = xprintf("cannot listen on '%s': %s", srv->cfg.listen,
		    strerror(errno));
		goto fail;
	}
	srv->listening = true;
	server_conn_listening(srv);
	server_parse_init(srv);
	srv->port = server_bound_port(srv->bound);
	srv->tick = event_new(base, -1, EV_PERSIST, server_tick_cb, srv);
	tv.tv_sec = 1;
	event_add(srv->tick, &tv);
	free(host);
	return srv;
fail:
	free(host);
	server_free(srv);
	return NULL;
}

/* See server.h. */
int
server_port(const struct server *srv)
{
	return srv->port;
}

/* See server.h. */
void
server_set_sched(struct server *srv, struct sched_loop *loop)
{
	srv->sched = loop;
}

/* See server.h. */
void
server_shutdown(struct server *srv)
{
	srv->stopping = true;
	server_submit_flush_now(srv);
	if (srv->bound != NULL) {
		evhttp_del_accept_socket(srv->http, srv->bound);
		srv->bound = NULL;
	}
	srv->listening = false;
}

/* See server.h: pending requests are dropped unanswered. */
void
server_free(struct server *srv)
{
	size_t i, k;

	if (srv == NULL)
		return;
	server_events_free_all(srv);
	server_parse_free(srv);
	srv->bound = NULL;
	srv->listening = false;
	srv->stopping = true;
	if (srv->tick != NULL)
		event_free(srv->tick);
	/* Submissions not yet committed are dropped with their requests. */
	free(srv->pending);
	srv->pending = NULL;
	srv->npending = 0;
	if (srv->flush != NULL)
		event_free(srv->flush);
	/* Closes every connection (their close callbacks run now). */
	if (srv->http != NULL)
		evhttp_free(srv->http);
	server_conn_release(srv);
	while (srv->reqs != NULL)
		server_req_done(srv->reqs);
	server_cache_release(&srv->cache);
	server_cache_release(&srv->negcache);
	server_session_free_all(srv);
	json_decref(srv->cluster_gpus);
	server_buckets_free(srv);
	if (srv->ssl != NULL)
		SSL_CTX_free(srv->ssl);
	for (i = 0; i < srv->cfg.ntas && srv->cfg.tas != NULL; i++) {
		for (k = 0; k < srv->cfg.tas[i].n; k++)
			free(srv->cfg.tas[i].namespaces[k]);
		free(srv->cfg.tas[i].namespaces);
		free(srv->cfg.tas[i].group);
	}
	free(srv->cfg.tas);
	for (i = 0; i < srv->cfg.nadmin_groups && srv->cfg.admin_groups; i++)
		free(srv->cfg.admin_groups[i]);
	free(srv->cfg.admin_groups);
	free(srv->cfg.listen);
	free(srv->cfg.tls_cert);
	free(srv->cfg.tls_key);
	free(srv->cfg.lease_name);
	free(srv->cfg.lease_namespace);
	free(srv->cfg.identity);
	free(srv->cfg.ui_dir);
	free(srv->cfg.access_log);
	for (i = 0; i < srv->cfg.npriorities && srv->cfg.priorities; i++)
		free(srv->cfg.priorities[i].who);
	free(srv->cfg.priorities);
	if (srv->access_fd >= 0)
		close(srv->access_fd);
	free(srv);
}
