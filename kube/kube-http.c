/*
 * kube-http.c: HTTP to the API server (or a service beside it) on
 * libcurl's multi-socket interface, driven by the caller's libevent base;
 * rate limit, retries, credentials.  Each attempt's easy handle is set up
 * in kube-easy.c.
 */
#include "kube-int.h"

#include <curl/curl.h>
#include <errno.h>
#include <event2/event.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define KH_BACKOFF_BASE_MS 250
#define KH_BACKOFF_MAX_MS 8000

/* One socket curl asked us to watch. */
struct kube_sock {
	struct event *ev;
	struct kube_client *client;
};

static void kh_start(struct kube_request *);
static void kh_check_multi(struct kube_client *);

/* A pseudo-random number for jitter; quality does not matter. */
double
kube_random(void)
{
	static uint64_t s;

	if (s == 0)
		s = (uint64_t)now_ms() ^ ((uint64_t)getpid() << 32) ^ 0x9e3779b9;
	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	return (double)(s >> 11) / (double)(1ULL << 53);
}

/* Microseconds on the monotonic clock, for the rate limiter and the
 * server's clock. */
int64_t
kube_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* libevent saw activity on a socket: tell curl. */
static void
kh_event_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct kube_client *c = arg;
	int running, action = 0;

	if (kind & EV_READ)
		action |= CURL_CSELECT_IN;
	if (kind & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	curl_multi_socket_action(c->multi, fd, action, &running);
	kh_check_multi(c);
}

/* curl's timer expired. */
static void
kh_timeout_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct kube_client *c = arg;
	int running;

	(void)fd;
	(void)kind;
	curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	kh_check_multi(c);
}

/* CURLMOPT_TIMERFUNCTION: arm or disarm the one timer. */
static int
kh_timer_cb(CURLM *multi, long timeout_ms, void *arg)
{
	struct kube_client *c = arg;
	struct timeval tv;

	(void)multi;
	if (timeout_ms < 0) {
		evtimer_del(c->timer);
		return 0;
	}
	tv = time_tv_ms(timeout_ms);
	evtimer_add(c->timer, &tv);
	return 0;
}

/* CURLMOPT_SOCKETFUNCTION: mirror curl's interest in a socket. */
static int
kh_socket_cb(CURL *e, curl_socket_t s, int what, void *arg, void *sockp)
{
	struct kube_client *c = arg;
	struct kube_sock *ks = sockp;
	short kind;

	(void)e;
	if (what == CURL_POLL_REMOVE) {
		if (ks != NULL) {
			event_free(ks->ev);
			free(ks);
			curl_multi_assign(c->multi, s, NULL);
		}
		return 0;
	}
	kind = EV_PERSIST | ((what & CURL_POLL_IN) ? EV_READ : 0) |
	    ((what & CURL_POLL_OUT) ? EV_WRITE : 0);
	if (ks == NULL) {
		ks = xcalloc(1, sizeof *ks);
		ks->client = c;
		curl_multi_assign(c->multi, s, ks);
	} else
		event_free(ks->ev);
	ks->ev = event_new(c->base, s, kind, kh_event_cb, c);
	event_add(ks->ev, NULL);
	return 0;
}

/* True for hosts where plain-http credentials cannot leave the machine. */
static bool
kh_is_loopback(const char *host)
{
	return strcmp(host, "localhost") == 0 || has_prefix(host, "127.") ||
	    strcmp(host, "[::1]") == 0 || strcmp(host, "::1") == 0;
}

/* Splits the server URL once, and prepares tls-server-name routing. */
static int
kh_parse_server(struct kube_client *c, const char *server, char **cause)
{
	const struct kube_cluster *cl = c->service ? NULL : c->cfg->cluster;
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL, *ct;
	size_t n;
	int ret = -1;

	if (u == NULL)
		fatalx("curl_url failed");
	if (curl_url_set(u, CURLUPART_URL, server, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) !=
	    CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK) {
		if (cl != NULL)
			*cause = xprintf("%s: clusters[name=%s].cluster.server: "
			    "'%s' is not a valid URL", cl->file, cl->name,
			    server);
		else
			*cause = xprintf("'%s' is not a valid URL", server);
		goto out;
	}
	c->scheme = xstrdup(scheme);
	c->host = xstrdup(host);
	c->port = xstrdup(port);
	n = strlen(path);
	while (n > 0 && path[n - 1] == '/')
		n--;
	c->prefix = xstrndup(path, n);
	if (cl != NULL && cl->tls_server_name != NULL &&
	    strcmp(scheme, "https") == 0) {
		/* The name goes in the URL (SNI, verification); we connect to
		 * the real host. */
		c->url_base = xprintf("https://%s:%s%s", cl->tls_server_name,
		    port, c->prefix);
		ct = xprintf("%s:%s:%s:%s", cl->tls_server_name, port, host,
		    port);
		c->connect_to = curl_slist_append(NULL, ct);
		free(ct);
	} else
		c->url_base = xprintf("%s://%s:%s%s", scheme, host, port,
		    c->prefix);
	c->send_creds = strcmp(scheme, "https") == 0 || kh_is_loopback(host);
	ret = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_url_cleanup(u);
	return ret;
}

/* Whether a string may go into a header value as it is. */
static bool
kh_header_safe(const char *v)
{
	size_t n = 0;

	for (; *v != '\0'; v++, n++)
		if ((unsigned char)*v < 0x20 || *v == 0x7f || n >= 256)
			return false;
	return true;
}

/* Makes a client on the caller's base; the config becomes the client's. */
struct kube_client *
kube_client_new(struct event_base *base, struct kube_config *cfg,
    const struct kube_client_opts *opts, char **cause)
{
	static bool curl_ready;
	struct kube_client *c;

	/* A kubeconfig read by kube_config_load_context: its CA and client
	 * certificate are decoded (and a malformed one refused) here. */
	if (cfg != NULL && kube_config_decode(cfg, cause) != 0) {
		kube_config_free(cfg);
		return NULL;
	}
	c = xcalloc(1, sizeof *c);
	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
			fatalx("curl_global_init failed");
		curl_ready = true;
	}
	c->base = base;
	c->cfg = cfg;
	if (opts != NULL)
		c->opts = *opts;
	c->opts.impersonate_user = NULL;
	c->opts.service_url = c->opts.service_ca = NULL;
	c->service = opts != NULL && opts->service_url != NULL;
	if (c->service && opts->service_ca != NULL)
		c->service_ca = xstrdup(opts->service_ca);
	if (cfg == NULL && !c->service)
		fatalx("a cluster client without a kubeconfig");
	if (!c->service && opts != NULL && opts->impersonate_user != NULL) {
		/* A header value: no control characters, bounded. */
		if (!kh_header_safe(opts->impersonate_user)) {
			*cause = xstrdup("cannot impersonate a user name with "
			    "control characters or over 256 bytes");
			kube_config_free(cfg);
			free(c);
			return NULL;
		}
		c->impersonate = xstrdup(opts->impersonate_user);
	}
	if (c->opts.qps <= 0)
		c->opts.qps = 50;
	if (c->opts.burst <= 0)
		c->opts.burst = 100;
	if (c->opts.max_retries == 0)
		c->opts.max_retries = 8;
	if (c->opts.max_retries < 0)
		c->opts.max_retries = 0;
	if (c->opts.retry_budget_ms <= 0)
		c->opts.retry_budget_ms = 30000;
	if (c->opts.connect_timeout_ms <= 0)
		c->opts.connect_timeout_ms = 10000;
	if (c->opts.request_timeout_ms <= 0)
		c->opts.request_timeout_ms = 60000;
	if (c->opts.idle_timeout_ms <= 0)
		c->opts.idle_timeout_ms = 120000;
	if (c->opts.max_body <= 0)
		c->opts.max_body = 256 << 20;
	c->tokens = c->opts.burst;
	c->refill_us = kube_mono_us();
	if (kh_parse_server(c, c->service ? opts->service_url :
	    cfg->cluster->server, cause) != 0) {
		kube_client_free(c);
		return NULL;
	}
	if ((c->multi = curl_multi_init()) == NULL)
		fatalx("curl_multi_init failed");
	c->timer = evtimer_new(base, kh_timeout_cb, c);
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, kh_socket_cb);
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, kh_timer_cb);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
	curl_multi_setopt(c->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
	curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 64L);
	/* Keep every connection for reuse: the default cache follows the
	 * number of handles attached, which comes and goes per request. */
	curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, 128L);
	return c;
}

/* The client's configuration, for messages and namespaces. */
const struct kube_config *
kube_client_config(const struct kube_client *c)
{
	return c->cfg;
}

/* The event base the client runs on. */
struct event_base *
kube_client_base(const struct kube_client *c)
{
	return c->base;
}

/* The options in force, defaults filled in. */
const struct kube_client_opts *
kube_client_opts(const struct kube_client *c)
{
	return &c->opts;
}

/* Frees a response, wherever it came from. */
void
kube_response_free(struct kube_response *r)
{
	if (r == NULL)
		return;
	json_decref(r->body);
	free(r->text);
	kube_error_free(r->error);
	kube_strv_free(r->headers, r->nheaders);
	free(r);
}

/* Lets a callback keep the body beyond the callback. */
json_t *
kube_response_take_body(struct kube_response *r)
{
	json_t *b = r->body;

	r->body = NULL;
	return b;
}

/* Undoes what an attempt set up (easy handle, headers, buffers). */
static void
kh_attempt_release(struct kube_request *r)
{
	struct kube_client *c = r->client;
	struct kube_request **pp;
	struct curl_slist *h;

	if (r->easy != NULL) {
		curl_multi_remove_handle(c->multi, r->easy);
		curl_easy_cleanup(r->easy);
		r->easy = NULL;
	}
	if (r->headers != NULL) {
		/* One of them holds the bearer token: wiped, as creds are. */
		for (h = r->headers; h != NULL; h = h->next)
			explicit_bzero(h->data, strlen(h->data));
		curl_slist_free_all(r->headers);
		r->headers = NULL;
	}
	kube_creds_release(&r->creds);
	kube_strv_free(r->hdrs, r->nhdrs);
	r->hdrs = NULL;
	r->nhdrs = 0;
	free(r->buf);
	r->buf = NULL;
	r->len = r->cap = 0;
	r->too_large = false;
	r->stream_abort = false;
	if (r->pending) {
		for (pp = &c->pending; *pp != NULL; pp = &(*pp)->pnext) {
			if (*pp == r) {
				*pp = r->pnext;
				break;
			}
		}
		r->pending = false;
	}
}

/* Takes a request off the rate-limit queue. */
static void
kh_unqueue(struct kube_request *r)
{
	struct kube_client *c = r->client;
	struct kube_request *p, *prev = NULL;

	for (p = c->queue_head; p != NULL; prev = p, p = p->wnext) {
		if (p != r)
			continue;
		if (prev == NULL)
			c->queue_head = p->wnext;
		else
			prev->wnext = p->wnext;
		if (c->queue_tail == p)
			c->queue_tail = prev;
		break;
	}
	r->wnext = NULL;
}

/* Frees a request and everything it holds. */
static void
kh_request_free(struct kube_request *r)
{
	struct kube_client *c = r->client;

	kh_attempt_release(r);
	if (r->state == KUBE_REQ_QUEUED)
		kh_unqueue(r);
	if (r->retry_ev != NULL)
		event_free(r->retry_ev);
	if (r->deadline_ev != NULL)
		event_free(r->deadline_ev);
	if (r->prev != NULL)
		r->prev->next = r->next;
	else if (c->reqs == r)
		c->reqs = r->next;
	if (r->next != NULL)
		r->next->prev = r->prev;
	if (r->hook_free != NULL)
		r->hook_free(r->hook_state);
	json_decref(r->create_labels);
	free(r->create_name);
	free(r->method);
	free(r->path);
	free(r->body);
	free(r->content_type);
	kube_response_free(r->resp);
	free(r);
}

/* Cancels a request; its callback will not be called. */
void
kube_request_cancel(struct kube_request *r)
{
	if (r == NULL)
		return;
	if (r->in_callback) {
		r->cancelled = true;
		return;
	}
	kh_request_free(r);
}

/* Cancels everything and frees the client and its configuration. */
void
kube_client_free(struct kube_client *c)
{
	if (c == NULL)
		return;
	while (c->reqs != NULL)
		kh_request_free(c->reqs);
	if (c->multi != NULL)
		curl_multi_cleanup(c->multi);
	if (c->timer != NULL)
		event_free(c->timer);
	if (c->rate_ev != NULL)
		event_free(c->rate_ev);
	if (c->flush_ev != NULL)
		event_free(c->flush_ev);
	curl_slist_free_all(c->connect_to);
	free(c->scheme);
	free(c->host);
	free(c->port);
	free(c->prefix);
	free(c->url_base);
	free(c->impersonate);
	free(c->service_ca);
	kube_config_free(c->cfg);
	free(c);
}

/* A request not yet started; the ops in kube-ops.c fill it in. */
struct kube_request *
kube_request_new(struct kube_client *c, const char *method, const char *path,
    json_t *body, const char *content_type, kube_done_cb cb, void *arg)
{
	struct kube_request *r = xcalloc(1, sizeof *r);

	r->client = c;
	r->method = xstrdup(method);
	r->path = xstrdup(path);
	if (body != NULL) {
		if ((r->body = json_dumps(body, JSON_COMPACT)) == NULL)
			fatalx("json_dumps failed");
		r->body_len = strlen(r->body);
		r->content_type = xstrdup(content_type != NULL ? content_type :
		    "application/json");
	}
	r->cb = cb;
	r->arg = arg;
	r->sync = cb == NULL;
	r->next = c->reqs;
	if (c->reqs != NULL)
		c->reqs->prev = r;
	c->reqs = r;
	r->started_ms = now_ms();
	return r;
}

/* See kube.h: bytes out, bytes and headers back. */
struct kube_request *
kube_request_bytes(struct kube_client *c, const char *method,
    const char *path, const struct kube_bytes_opts *o, kube_done_cb cb,
    void *arg)
{
	struct kube_request *r = kube_request_new(c, method, path, NULL, NULL,
	    cb, arg);

	r->raw = true;
	if (o != NULL && o->body != NULL) {
		r->body = xmalloc(o->len + 1);
		memcpy(r->body, o->body, o->len);
		r->body[o->len] = '\0';
		r->body_len = o->len;
		r->content_type = xstrdup(o->content_type != NULL ?
		    o->content_type : "application/json");
	}
	if (o != NULL) {
		r->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 0;
		r->max_body = o->max_body;
	}
	kube_request_submit(r);
	return r;
}

/* Hands the response to the caller and frees the request (unless sync). */
static void
kh_deliver(struct kube_request *r, struct kube_response *resp)
{
	r->state = KUBE_REQ_FINISHED;
	kh_attempt_release(r);
	if (r->hook != NULL && r->hook(r, resp))
		return;
	if (r->sync) {
		r->resp = resp;
		r->done = true;
		return;
	}
	r->in_callback = true;
	r->cb(resp, r->arg);
	r->in_callback = false;
	kube_response_free(resp);
	kh_request_free(r);
}

/* Refills the token bucket and starts what the rate limit allows. */
static void
kh_rate_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct kube_client *c = arg;
	struct kube_request *r;
	struct timeval tv;
	int64_t now = kube_mono_us();
	double wait;

	(void)fd;
	(void)kind;
	c->tokens += (double)(now - c->refill_us) / 1e6 * c->opts.qps;
	if (c->tokens > c->opts.burst)
		c->tokens = c->opts.burst;
	c->refill_us = now;
	while (c->queue_head != NULL && c->tokens >= 1.0) {
		r = c->queue_head;
		c->queue_head = r->wnext;
		if (c->queue_head == NULL)
			c->queue_tail = NULL;
		r->wnext = NULL;
		c->tokens -= 1.0;
		kh_start(r);
	}
	if (c->queue_head != NULL) {
		wait = (1.0 - c->tokens) / c->opts.qps;
		tv.tv_sec = (time_t)wait;
		tv.tv_usec = (suseconds_t)((wait - (double)tv.tv_sec) * 1e6) + 1;
		evtimer_add(c->rate_ev, &tv);
	}
}

/*
 * The request's deadline passed (opts.deadline_ms): whatever it waits for
 * (the rate limit, an attempt, a backoff) is dropped and the caller gets a
 * Timeout now, so that a slow cluster costs the caller a bounded time.  A
 * create checking whether an earlier attempt made its object waits for
 * that check, which has a deadline of its own.
 */
static void
kh_deadline_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct kube_request *r = arg;
	struct kube_client *c = r->client;
	struct kube_response *resp;

	(void)fd;
	(void)kind;
	if (r->state == KUBE_REQ_FINISHED || r->adopting)
		return;
	if (r->state == KUBE_REQ_QUEUED)
		kh_unqueue(r);
	if (r->retry_ev != NULL) {
		event_free(r->retry_ev);
		r->retry_ev = NULL;
	}
	kube_response_free(r->resp);
	r->resp = NULL;
	resp = xcalloc(1, sizeof *resp);
	resp->attempts = r->attempts;
	resp->error = kube_error_new(0, "Timeout", "%s %s%s: no answer within "
	    "%d ms (%d attempt%s)", r->method, c->url_base, r->path,
	    c->opts.deadline_ms, r->attempts, r->attempts == 1 ? "" : "s");
	kh_deliver(r, resp);
}

/* Queues a request for its turn under the QPS/burst limit. */
void
kube_request_submit(struct kube_request *r)
{
	struct kube_client *c = r->client;
	struct timeval tv = { 0, 0 }, dl;

	if (c->opts.deadline_ms > 0 && !r->stream && r->deadline_ev == NULL) {
		r->deadline_ev = evtimer_new(c->base, kh_deadline_cb, r);
		dl = time_tv_ms(c->opts.deadline_ms);
		evtimer_add(r->deadline_ev, &dl);
	}
	r->state = KUBE_REQ_QUEUED;
	if (c->queue_tail != NULL)
		c->queue_tail->wnext = r;
	else
		c->queue_head = r;
	c->queue_tail = r;
	if (c->rate_ev == NULL)
		c->rate_ev = evtimer_new(c->base, kh_rate_cb, c);
	/* Started from the loop, never from inside the caller's call. */
	if (!evtimer_pending(c->rate_ev, NULL))
		evtimer_add(c->rate_ev, &tv);
}

/* A local failure delivered like a response. */
static void
kh_fail_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct kube_request *r = arg;
	struct kube_response *resp = r->resp;

	(void)fd;
	(void)kind;
	r->resp = NULL;
	kh_deliver(r, resp);
}

/* Delivers a response made locally (no HTTP) from the loop, so callbacks
 * never run re-entrantly. */
static void
kube_request_fail(struct kube_request *r, struct kube_error *err)
{
	struct kube_response *resp = xcalloc(1, sizeof *resp);
	struct timeval tv = { 0, 0 };

	kh_attempt_release(r);
	resp->error = err;
	resp->attempts = r->attempts;
	kube_response_free(r->resp);
	r->resp = resp;
	r->state = KUBE_REQ_WAITING;
	if (r->retry_ev != NULL)
		event_free(r->retry_ev);
	r->retry_ev = evtimer_new(r->client->base, kh_fail_cb, r);
	evtimer_add(r->retry_ev, &tv);
}

/* A stream's buffer larger than this after a flush is given back: a burst
 * of events (a relist's worth) would otherwise stay allocated while the
 * watch lasts (6 MB of the scheduler's 22 MB at 400 nodes). */
#define KH_STREAM_KEEP (64 * 1024)

/* Runs queued stream data through the requests' handlers. */
static void
kh_flush_streams(struct kube_client *c)
{
	struct kube_request *r;

	while ((r = c->pending) != NULL) {
		c->pending = r->pnext;
		r->pnext = NULL;
		r->pending = false;
		if (r->len == 0)
			continue;
		r->in_callback = true;
		if (r->on_stream != NULL)
			r->on_stream(r, r->buf, r->len);
		else if (r->on_data != NULL)
			r->on_data(r->buf, r->len, r->arg);
		r->in_callback = false;
		r->len = 0;
		/* A burst's buffer is not held for the stream's life. */
		if (r->cap > KH_STREAM_KEEP) {
			free(r->buf);
			r->buf = NULL;
			r->cap = 0;
		}
		if (r->cancelled) {
			kh_request_free(r);
			continue;
		}
		if (r->stream_abort && r->easy != NULL) {
			/* Finish it now as if the server had closed it. */
			struct kube_response *resp = xcalloc(1, sizeof *resp);

			resp->status = 200;
			resp->attempts = r->attempts;
			kh_deliver(r, resp);
		}
	}
}

/* Starts one attempt of a request. */
static void
kh_start(struct kube_request *r)
{
	struct kube_client *c = r->client;
	char *cause = NULL;

	r->state = KUBE_REQ_RUNNING;
	r->attempts++;
	if (kube_easy_setup(r, &cause) != 0) {
		kube_request_fail(r, kube_error_new(401, "Unauthorized", "%s",
		    cause));
		free(cause);
		return;
	}
	if (curl_multi_add_handle(c->multi, r->easy) != CURLM_OK)
		fatalx("curl_multi_add_handle failed");
}

/* Fires a retry after its backoff. */
static void
kh_retry_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct kube_request *r = arg;

	(void)fd;
	(void)kind;
	kh_start(r);
}

/* The delay before retry number n: exponential, jittered, capped. */
int64_t
kube_backoff_ms(int n, int retry_after)
{
	double d = KH_BACKOFF_BASE_MS * pow(2, n > 10 ? 10 : n - 1);

	if (d > KH_BACKOFF_MAX_MS)
		d = KH_BACKOFF_MAX_MS;
	d = d * (0.5 + kube_random() * 0.5);
	if (retry_after > 0 && retry_after * 1000.0 > d)
		d = retry_after * 1000.0;
	return (int64_t)d;
}

/* Schedules the next attempt if the count and time budgets allow it;
 * status is the answer's (0: a transport failure). */
static bool
kh_maybe_retry(struct kube_request *r, int status, int retry_after)
{
	struct kube_client *c = r->client;
	int64_t delay = kube_backoff_ms(r->attempts, retry_after);
	struct timeval tv;

	if (c->opts.retry_wait_max_ms > 0 && delay > c->opts.retry_wait_max_ms)
		delay = c->opts.retry_wait_max_ms;
	if (r->stream || r->attempts > c->opts.max_retries)
		return false;
	if (now_ms() + delay - r->started_ms > c->opts.retry_budget_ms)
		return false;
	if (c->opts.on_retry != NULL)
		c->opts.on_retry(status, delay, c->opts.on_retry_arg);
	kh_attempt_release(r);
	r->state = KUBE_REQ_WAITING;
	if (r->retry_ev != NULL)
		event_free(r->retry_ev);
	r->retry_ev = evtimer_new(c->base, kh_retry_cb, r);
	tv = time_tv_ms(delay);
	evtimer_add(r->retry_ev, &tv);
	return true;
}

/* Whether a curl failure may be retried: the request never got through. */
static bool
kh_curl_retryable(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return true;
	default:
		return false;
	}
}

/*
 * A 401 with credentials that may have turned over since they were
 * read: an exec plugin's (run again once, unless already rotated) or a
 * service-account tokenFile (read again).  True if the request restarted.
 */
static bool
kh_refresh_auth(struct kube_request *r)
{
	struct kube_client *c = r->client;
	const struct kube_user *u;

	if (r->auth_refreshed || c->cfg == NULL)
		return false;
	u = c->cfg->user;
	if (kube_config_can_refresh(c->cfg) && r->creds.from_exec) {
		kube_creds_release(&c->cfg->exec_creds);
		c->cfg->exec_valid = false;
	} else if (u != NULL && u->token == NULL && u->token_file != NULL)
		kube_config_forget_token_file(c->cfg);
	else
		return false;
	r->auth_refreshed = true;
	kh_attempt_release(r);
	r->attempts--;
	kh_start(r);
	return true;
}

/*
 * Whether an answer may be asked for again: for the API server, overload
 * and failures of what stands in front of it; for a service, only what it
 * refused without acting on (429, and a 503 that names a time: busy, not
 * shutting down).
 */
static bool
kh_status_retryable(const struct kube_request *r, long code)
{
	if (r->client->service)
		return code == 429 || (code == 503 && kube_header_find(r->hdrs,
		    r->nhdrs, "Retry-After") != NULL);
	return code == 429 || code == 500 || code == 502 || code == 503 ||
	    code == 504;
}

/* The response of a finished attempt: a JSON body (the text when a 2xx
 * is not JSON), or for a byte request the bytes and headers as they came. */
static struct kube_response *
kh_response(struct kube_request *r, long code, curl_off_t ra)
{
	struct kube_response *resp = xcalloc(1, sizeof *resp);
	json_t *body = NULL;

	resp->status = (int)code;
	resp->attempts = r->attempts;
	if (r->raw) {
		resp->headers = r->hdrs;
		resp->nheaders = r->nhdrs;
		r->hdrs = NULL;
		r->nhdrs = 0;
	} else if (r->len > 0 && !r->stream)
		body = json_loadb(r->buf, r->len, 0, NULL);
	if (code >= 200 && code < 300 && body != NULL)
		resp->body = body;
	else if ((r->raw || (code >= 200 && code < 300)) && r->len > 0 &&
	    !r->stream) {
		resp->text = r->buf;
		resp->text_len = r->len;
		r->buf = NULL;
		r->len = r->cap = 0;
	}
	if (code < 200 || code > 299) {
		resp->error = kube_error_from_status(body, (int)code);
		if (resp->error->retry_after < 0 && ra >= 0)
			resp->error->retry_after = (int)ra;
		resp->body = body;
	}
	return resp;
}

/* After a create was retried and met AlreadyExists: is it ours? */
static void kh_adopt_done(struct kube_response *, void *);

/* One attempt ended: retry, refresh credentials, or deliver. */
static void
kh_finish(struct kube_request *r, CURLcode rc)
{
	struct kube_client *c = r->client;
	struct kube_response *resp;
	curl_off_t ra = -1;
	long code = 0;
	char *gpath;

	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_getinfo(r->easy, CURLINFO_RETRY_AFTER, &ra);
	if (rc != CURLE_OK && !r->stream_abort) {
		if (r->too_large) {
			kube_request_fail(r, kube_error_new(0, "TooLarge",
			    "the response from %s is larger than %zu bytes",
			    c->host, r->max_body > 0 ? r->max_body :
			    (size_t)c->opts.max_body));
			return;
		}
		/* A service is not asked again: a POST may have been taken. */
		if (!c->service && kh_curl_retryable(rc)) {
			/* A create may have been applied before the drop. */
			if (r->is_create && rc != CURLE_COULDNT_CONNECT &&
			    rc != CURLE_COULDNT_RESOLVE_HOST)
				r->maybe_created = true;
			if (kh_maybe_retry(r, 0, -1))
				return;
		}
		kube_request_fail(r, kube_error_new(0,
		    rc == CURLE_OPERATION_TIMEDOUT ? "Timeout" :
		    "ConnectionFailed", "%s %s%s: %s (%d attempt%s)", r->method,
		    c->url_base, r->path, r->errbuf[0] != '\0' ? r->errbuf :
		    curl_easy_strerror(rc), r->attempts,
		    r->attempts == 1 ? "" : "s"));
		return;
	}
	if (code == 401 && kh_refresh_auth(r))
		return;
	if (kh_status_retryable(r, code)) {
		if (r->is_create && code != 429)
			r->maybe_created = true;
		if (kh_maybe_retry(r, (int)code, (int)ra))
			return;
	}
	resp = kh_response(r, code, ra);
	if (r->is_create && (r->maybe_created || r->check_owner) &&
	    code == 409 &&
	    kube_is_already_exists(resp->error) && r->create_name != NULL &&
	    r->create_labels != NULL && !r->adopting) {
		struct kube_request *g;

		/* Look at the object to see whether our earlier try made it. */
		r->adopting = true;
		kh_attempt_release(r);
		gpath = xprintf("%s/%s", r->path, r->create_name);
		g = kube_request_new(c, "GET", gpath, NULL, NULL, kh_adopt_done,
		    r);
		free(gpath);
		kube_response_free(r->resp);
		r->resp = resp;
		r->state = KUBE_REQ_WAITING;
		kube_request_submit(g);
		return;
	}
	kh_deliver(r, resp);
}

/* The GET after a retried create: ours if it carries every label we sent. */
static void
kh_adopt_done(struct kube_response *got, void *arg)
{
	struct kube_request *r = arg;
	struct kube_response *resp = r->resp;
	json_t *labels, *v;
	const char *k;
	bool ours = false;

	r->resp = NULL;
	if (got->error == NULL && got->body != NULL) {
		labels = json_object_get(json_object_get(got->body, "metadata"),
		    "labels");
		ours = json_object_size(r->create_labels) > 0;
		json_object_foreach(r->create_labels, k, v) {
			if (!json_equal(v, json_object_get(labels, k)))
				ours = false;
		}
		/* Ours but on its way out (a torn-down attempt's): not to be
		 * taken, and not another owner's either. */
		if (ours && json_object_get(json_object_get(got->body,
		    "metadata"), "deletionTimestamp") != NULL) {
			ours = false;
			resp->leaving = true;
		}
	} else if (got->status == 404)
		resp->leaving = true;	/* deleted between the POST and GET */
	else if (got->error != NULL) {
		/* Not read, so not known to be someone else's: the read's
		 * error stands, which callers retry, where AlreadyExists
		 * would have them give the object up as another's. */
		kube_error_free(resp->error);
		resp->error = got->error;
		got->error = NULL;
		resp->status = got->status;
	}
	if (ours) {
		kube_error_free(resp->error);
		resp->error = NULL;
		json_decref(resp->body);
		resp->body = kube_response_take_body(got);
		resp->status = 200;
		resp->adopted = true;
	}
	kh_deliver(r, resp);
}

/* Finished transfers: collect each and act on it. */
static void
kh_check_multi(struct kube_client *c)
{
	struct kube_request *r;
	CURLMsg *m;
	int left;

	kh_flush_streams(c);
	while ((m = curl_multi_info_read(c->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
		kh_finish(r, m->data.result);
	}
}

/* Runs the base until the request completes: the blocking helper. */
struct kube_response *
kube_wait(struct kube_client *c, struct kube_request *r)
{
	struct kube_response *resp;

	if (!r->sync)
		fatalx("kube_wait on a request with a callback");
	while (!r->done) {
		if (event_base_loop(c->base, EVLOOP_ONCE) == -1)
			fatalx("event_base_loop failed");
	}
	resp = r->resp;
	r->resp = NULL;
	kh_request_free(r);
	return resp;
}
