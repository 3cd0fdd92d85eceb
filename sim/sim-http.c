/*
 * The API server's transport: evhttp on the program's event base, the
 * replies (JSON, Status errors as the apiserver writes them), request
 * parsing, the injected faults (errors, latency, dropped connections) and
 * the listener.  What a path means is sim-route.c's.
 */
#include "sim-api.h"

#include <arpa/inet.h>
#include <event2/bufferevent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <time.h>
#include <sys/socket.h>

#define SIM_MAX_BODY (3 << 20)

/* A request held back by the latency fault. */
struct sim_delayed {
	struct sim *sim;
	struct evhttp_request *req;
	struct event *ev;
};

static void sim_serve(struct sim *, struct evhttp_request *);

/* The reason phrase for a status code. */
static const char *
sim_phrase(int code)
{
	switch (code) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	}
	return "Unknown";
}

/*
 * The Date header in simulated time: a cluster's clock is what its API
 * server says, and clients that measure timeouts against object
 * timestamps read it from here (evhttp would add the real time).
 */
static void
sim_date_header(struct sim *sim, struct evhttp_request *req)
{
	time_t t = (time_t)(sim_now(sim) / 1000);
	struct tm tm;
	char buf[64];

	gmtime_r(&t, &tm);
	strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	evhttp_remove_header(evhttp_request_get_output_headers(req), "Date");
	evhttp_add_header(evhttp_request_get_output_headers(req), "Date", buf);
}

/* Streams serialised JSON straight into the reply buffer. */
int
sim_dump_cb(const char *data, size_t len, void *arg)
{
	return evbuffer_add(arg, data, len);
}

/* See sim-api.h: a request left by its client has no connection. */
void
sim_req_left(struct evhttp_request *req)
{
	if (evhttp_request_get_connection(req) == NULL)
		evhttp_request_free(req);
}

/* Sends a JSON body and frees it. */
void
sim_reply_json(struct sim_call *c, int code, json_t *obj)
{
	struct evbuffer *buf;

	if (obj == NULL)
		fatalx("reply without a body (a json_pack format is wrong)");
	buf = evbuffer_new();

	evhttp_add_header(evhttp_request_get_output_headers(c->req),
	    "Content-Type", "application/json");
	evhttp_add_header(evhttp_request_get_output_headers(c->req),
	    "Audit-Id", "00000000-0000-0000-0000-000000000000");
	json_dump_callback(obj, sim_dump_cb, buf, JSON_COMPACT);
	json_decref(obj);
	sim_audit_code(c, code);
	evhttp_send_reply(c->req, code, sim_phrase(code), buf);
	evbuffer_free(buf);
}

/* Sends a failure Status. */
void
sim_reply_status(struct sim_call *c, int code, const char *reason,
    const char *msg, json_t *details)
{
	sim_reply_json(c, code, sim_status_new(code, reason, msg, details));
}

/* 404 NotFound with the apiserver's message. */
void
sim_not_found(struct sim_call *c, enum sim_rt rt, const char *name)
{
	char *m = xprintf("%s \"%s\" not found", sim_qualified(rt), name);

	sim_reply_status(c, 404, "NotFound", m, sim_details(rt, name));
	free(m);
}

/* The one answer to a path the server does not serve. */
void
sim_no_route(struct sim_call *c)
{
	sim_reply_status(c, 404, "NotFound",
	    "the server could not find the requested resource", NULL);
}

/* The one answer to a method a path does not take. */
void
sim_no_method(struct sim_call *c)
{
	sim_reply_status(c, 405, "MethodNotAllowed", "the server does not "
	    "allow this method on the requested resource", NULL);
}

/* A query parameter, or NULL. */
const char *
sim_q(struct sim_call *c, const char *k)
{
	return evhttp_find_header(&c->q, k);
}

/* A boolean query parameter as Go's strconv.ParseBool reads it. */
bool
sim_qbool(struct sim_call *c, const char *k)
{
	const char *v = evhttp_find_header(&c->q, k);

	return v != NULL && (strcmp(v, "1") == 0 || strcmp(v, "t") == 0 ||
	    strcmp(v, "T") == 0 || strcmp(v, "true") == 0 ||
	    strcmp(v, "TRUE") == 0 || strcmp(v, "True") == 0);
}

/* A request header, or NULL. */
const char *
sim_h(struct sim_call *c, const char *k)
{
	return evhttp_find_header(evhttp_request_get_input_headers(c->req), k);
}

/* Reads the request body as JSON (or YAML); NULL after answering 400. */
json_t *
sim_body(struct sim_call *c, bool yaml)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(c->req);
	size_t len = evbuffer_get_length(in);
	const char *data = (const char *)evbuffer_pullup(in, -1);
	json_error_t err;
	json_t *j;
	char *cause = NULL, *m;

	if (len == 0) {
		sim_reply_status(c, 400, "BadRequest", "request body is empty",
		    NULL);
		return NULL;
	}
	if (yaml) {
		j = sim_yaml_to_json(data, len, &cause);
		if (j == NULL) {
			m = xprintf("error decoding YAML: %s", cause);
			sim_reply_status(c, 400, "BadRequest", m, NULL);
			free(m);
			free(cause);
		}
		return j;
	}
	j = json_loadb(data, len, 0, &err);
	if (j == NULL || !json_is_object(j)) {
		m = xprintf("couldn't get version/kind; json parse error: %s",
		    j ? "not an object" : err.text);
		sim_reply_status(c, 400, "BadRequest", m, NULL);
		free(m);
		json_decref(j);
		return NULL;
	}
	return j;
}

/* Splits the path into segments (at most nitems(c->segs)). */
static int
sim_split(struct sim_call *c, const char *path)
{
	const char *p = path, *e;

	while (*p == '/')
		p++;
	while (*p != '\0') {
		if (c->nsegs == (int)nitems(c->segs))
			return -1;
		e = strchr(p, '/');
		if (e == NULL)
			e = p + strlen(p);
		c->segs[c->nsegs++] = xstrndup(p, e - p);
		p = e;
		while (*p == '/')
			p++;
	}
	return 0;
}

/* A dropped connection: cut it after a partial reply has gone out. */
struct sim_drop {
	struct evhttp_connection *evcon;
	struct event *ev;
};

/* The client left first; nothing to cut. */
static void
sim_drop_closed(struct evhttp_connection *evcon, void *arg)
{
	struct sim_drop *d = arg;

	(void)evcon;
	event_free(d->ev);
	free(d);
}

/* Cuts the connection. */
static void
sim_drop_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sim_drop *d = arg;

	(void)fd;
	(void)what;
	evhttp_connection_set_closecb(d->evcon, NULL, NULL);
	evhttp_connection_free(d->evcon);
	event_free(d->ev);
	free(d);
}

/* Injects the configured faults; true if the request was answered. */
static bool
sim_fault(struct sim *sim, struct evhttp_request *req, const char *path)
{
	struct sim_call c = { .sim = sim, .req = req };
	double r;

	if (has_prefix(path, "/sim/"))
		return false;
	if (sim->faults.methods != 0 &&
	    (evhttp_request_get_command(req) & sim->faults.methods) == 0)
		return false;
	r = (double)(sim_rand(sim) % 1000000) / 1000000.0;
	if (r < sim->faults.p500) {
		sim->faults.n500++;
		sim_reply_status(&c, 500, "InternalError", "Internal error "
		    "occurred: simulated fault", json_pack("{s[{ss}]}", "causes",
		    "message", "simulated fault"));
		return true;
	}
	r -= sim->faults.p500;
	if (r >= 0 && r < sim->faults.p429) {
		char ra[16];
		int s = sim->faults.retry_after > 0 ? sim->faults.retry_after : 1;

		sim->faults.n429++;
		snprintf(ra, sizeof ra, "%d", s);
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Retry-After", ra);
		sim_reply_status(&c, 429, "TooManyRequests", "Too many requests, "
		    "please try again later.", json_pack("{si}",
		    "retryAfterSeconds", s));
		return true;
	}
	r = (double)(sim_rand(sim) % 1000000) / 1000000.0;
	if (r < sim->faults.pdrop) {
		struct evhttp_connection *evcon =
		    evhttp_request_get_connection(req);
		struct sim_drop *d = xcalloc(1, sizeof *d);
		struct evbuffer *b = evbuffer_new();
		struct timeval tv = { 0, 20000 };

		sim->faults.ndrop++;
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Content-Type", "application/json");
		evhttp_send_reply_start(req, 200, "OK");
		evbuffer_add_printf(b, "{\"kind\":\"Status\",\"apiVer");
		evhttp_send_reply_chunk(req, b);
		evbuffer_free(b);
		d->evcon = evcon;
		d->ev = evtimer_new(sim->base, sim_drop_cb, d);
		evtimer_add(d->ev, &tv);
		evhttp_connection_set_closecb(evcon, sim_drop_closed, d);
		return true;
	}
	return false;
}

/* The client of a delayed request went away: it is not served. */
static void
sim_delayed_closed(struct evhttp_connection *evcon, void *arg)
{
	struct sim_delayed *d = arg;

	(void)evcon;
	event_free(d->ev);
	sim_req_left(d->req);
	free(d);
}

/* Serves a request held back by the latency fault. */
static void
sim_delayed_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sim_delayed *d = arg;

	(void)fd;
	(void)what;
	evhttp_connection_set_closecb(evhttp_request_get_connection(d->req),
	    NULL, NULL);
	event_free(d->ev);
	sim_serve(d->sim, d->req);
	free(d);
}

/* A call of no route yet: its query and path are read by the caller. */
static void
sim_call_init(struct sim_call *c, struct sim *sim, struct evhttp_request *req)
{
	memset(c, 0, sizeof *c);
	c->sim = sim;
	c->req = req;
	c->rt = -1;
	c->method = evhttp_request_get_command(req);
	TAILQ_INIT(&c->q);
}

/*
 * True if the latency fault holds this request back: never /sim/, and
 * only the methods and verbs it is scoped to, so that a test can slow
 * down only PATCHes or only watches.
 */
static bool
sim_delays(struct sim *sim, struct evhttp_request *req)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = evhttp_uri_get_path(uri);
	const char *query = evhttp_uri_get_query(uri);
	struct sim_call c;
	bool hit = false;
	int i;

	if (sim->faults.latency_ms <= 0 || path == NULL ||
	    has_prefix(path, "/sim/"))
		return false;
	if (sim->faults.latency_methods != 0 &&
	    (evhttp_request_get_command(req) &
	    sim->faults.latency_methods) == 0)
		return false;
	if (sim->faults.latency_verbs == 0)
		return true;
	sim_call_init(&c, sim, req);
	/* A request that does not parse is served (and refused) at once. */
	if ((query == NULL || evhttp_parse_query_str(query, &c.q) == 0) &&
	    sim_split(&c, path) == 0)
		hit = (sim_fault_verb(sim_route_verb(&c)) &
		    sim->faults.latency_verbs) != 0;
	evhttp_clear_headers(&c.q);
	for (i = 0; i < c.nsegs; i++)
		free(c.segs[i]);
	return hit;
}

/* Entry point for every request. */
static void
sim_http_cb(struct evhttp_request *req, void *arg)
{
	struct sim *sim = arg;

	if (sim_delays(sim, req)) {
		struct sim_delayed *d = xcalloc(1, sizeof *d);
		struct timeval tv = time_tv_ms(sim->faults.latency_ms);

		d->sim = sim;
		d->req = req;
		d->ev = evtimer_new(sim->base, sim_delayed_cb, d);
		evtimer_add(d->ev, &tv);
		evhttp_connection_set_closecb(evhttp_request_get_connection(req),
		    sim_delayed_closed, d);
		return;
	}
	sim_serve(sim, req);
}

/* Turns Nagle off: a reply written in pieces must not wait for the
 * client's delayed ACK (44 ms per response over TLS otherwise). */
static void
sim_nodelay(struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct bufferevent *bev;
	evutil_socket_t fd;
	int one = 1;

	if (evcon == NULL ||
	    (bev = evhttp_connection_get_bufferevent(evcon)) == NULL)
		return;
	fd = bufferevent_getfd(bev);
	if (fd >= 0)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/* Parses, authenticates and routes one request. */
static void
sim_serve(struct sim *sim, struct evhttp_request *req)
{
	sim_date_header(sim, req);
	struct sim_call c;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = evhttp_uri_get_path(uri);
	const char *query = evhttp_uri_get_query(uri);
	int i;

	sim_call_init(&c, sim, req);
	if (path == NULL)
		path = "/";
	log_debug("%d %s", (int)c.method, evhttp_request_get_uri(req));
	sim_nodelay(req);
	if (sim_fault(sim, req, path))
		return;
	if (query != NULL && evhttp_parse_query_str(query, &c.q) != 0) {
		sim_reply_status(&c, 400, "BadRequest", "malformed query", NULL);
		goto out;
	}
	if (sim_split(&c, path) != 0) {
		sim_no_route(&c);
		goto out;
	}
	if (sim_authenticate(&c) != 0)
		goto out;
	sim_route(&c);
out:
	sim_audit_commit(&c);
	evhttp_clear_headers(&c.q);
	for (i = 0; i < c.nsegs; i++)
		free(c.segs[i]);
	if (c.imp_used)
		sim_user_release(&c.imp);
}

/* Binds the listener (again after a restart, on the same port). */
int
sim_http_start(struct sim *sim, char **cause)
{
	struct evhttp_bound_socket *bs;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	const char *colon;
	char *host;
	int port;

	colon = strrchr(sim->opt.listen, ':');
	if (colon == NULL) {
		*cause = xprintf("--listen '%s': expected HOST:PORT",
		    sim->opt.listen);
		return -1;
	}
	host = xstrndup(sim->opt.listen, colon - sim->opt.listen);
	if (host[0] == '[') {
		char *h = xstrndup(host + 1, strlen(host) - 2);

		free(host);
		host = h;
	}
	port = sim->port ? sim->port : atoi(colon + 1);
	sim->http = evhttp_new(sim->base);
	evhttp_set_allowed_methods(sim->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_PUT | EVHTTP_REQ_PATCH | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_OPTIONS);
	evhttp_set_max_body_size(sim->http, SIM_MAX_BODY);
	evhttp_set_max_headers_size(sim->http, 64 * 1024);
	evhttp_set_timeout(sim->http, 3600);
	evhttp_set_gencb(sim->http, sim_http_cb, sim);
	if (sim->ssl != NULL)
		sim_tls_setup_http(sim);
	bs = evhttp_bind_socket_with_handle(sim->http, host, (uint16_t)port);
	if (bs == NULL) {
		*cause = xprintf("cannot listen on %s:%d", host, port);
		free(host);
		evhttp_free(sim->http);
		sim->http = NULL;
		return -1;
	}
	if (getsockname(evhttp_bound_socket_get_fd(bs), (struct sockaddr *)&ss,
	    &sl) == 0) {
		if (ss.ss_family == AF_INET)
			port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		else if (ss.ss_family == AF_INET6)
			port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	sim->port = port;
	free(sim->host);
	sim->host = host;
	free(sim->url);
	sim->url = xprintf("%s://%s%s%s:%d", sim->ssl ? "https" : "http",
	    strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "",
	    port);
	return 0;
}

/* Closes the listener and every connection, forgetting streams first. */
void
sim_http_stop(struct sim *sim)
{
	if (sim->http == NULL)
		return;
	while (sim->watches != NULL) {
		evhttp_connection_set_closecb(evhttp_request_get_connection(
		    sim->watches->req), NULL, NULL);
		sim_watch_close(sim->watches, false);
	}
	sim_logs_stop();
	evhttp_free(sim->http);
	sim->http = NULL;
}
