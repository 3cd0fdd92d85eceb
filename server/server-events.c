/*
 * The queue's event log over HTTP: a list with a cursor, or a chunked
 * NDJSON watch like a Kubernetes watch (one line per state change, a
 * BOOKMARK line to keep the connection and the cursor alive).  The same
 * tick follows the log for the wait-time histogram of /metrics.
 */
#include "server-int.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "store-server.h"

#define SERVER_BOOKMARK_MS 10000
#define SERVER_STREAM_BATCH 1000
#define SERVER_MAX_STREAMS 256

/* Upper bounds of the wait-time histogram, seconds. */
const double server_wait_bounds[SERVER_WAIT_BUCKETS] = { 1, 5, 10, 30, 60,
	300, 600, 1800, 3600, 7200, 21600, 86400 };

struct server_stream {
	struct server_req *r;
	struct evhttp_connection *evcon;
	int64_t cursor;
	int64_t job;                 /* 0: every visible job */
	int64_t last_sent;           /* ms */
	bool sse;                    /* text/event-stream, for EventSource */
	struct server_stream *next;
};

/* Does this entry of the log belong to what the caller may see? */
static bool
server_entry_visible(const struct server_user *u,
    const struct store_log_entry *e)
{
	struct store_job j = { .owner = e->owner, .namespace = e->namespace };

	return server_auth_can_see(u, &j);
}

/* One line (or list item) of the stream. */
static json_t *
server_entry_json(struct server *srv, const struct store_log_entry *e)
{
	struct store_job *j = NULL;
	char *cause = NULL, cur[32];
	json_t *o;

	snprintf(cur, sizeof cur, "%" PRId64, e->seq);
	o = json_pack("{s:s,s:s,s:I,s:o}", "type", "EVENT", "cursor", cur,
	    "id", (json_int_t)e->job_id, "event", api_event_encode(&e->ev));
	if (store_get(srv->store, e->job_id, &j, &cause) == 0 && j != NULL)
		json_object_set_new(o, "job", api_job_encode(j));
	free(cause);
	store_job_free(j);
	return o;
}

/* Unlinks a stream from the server's list. */
static void
server_stream_unlink(struct server *srv, struct server_stream *st)
{
	struct server_stream **pp;

	for (pp = &srv->streams; *pp != NULL; pp = &(*pp)->next)
		if (*pp == st) {
			*pp = st->next;
			break;
		}
}

/* Ends a stream the server stops (shutdown). */
static void
server_stream_end(struct server *srv, struct server_stream *st)
{
	struct evhttp_connection *evcon;

	server_stream_unlink(srv, st);
	evcon = evhttp_request_get_connection(st->r->req);
	evhttp_send_reply_end(st->r->req);
	server_conn_replied(srv, evcon);
	server_req_done(st->r);
	free(st);
}

/* See server-int.h: libevent frees the request of a closed connection
 * unless it already took it off the connection. */
void
server_events_closed(struct server *srv, struct evhttp_connection *evcon)
{
	struct server_stream *st;

	for (st = srv->streams; st != NULL; st = st->next)
		if (st->evcon == evcon)
			break;
	if (st == NULL)
		return;
	server_stream_unlink(srv, st);
	if (evhttp_request_get_connection(st->r->req) == NULL)
		evhttp_request_free(st->r->req);
	server_req_done(st->r);
	free(st);
}

/* Sends one JSON line on a stream (as an SSE event with the cursor as
 * its id, for a browser's EventSource). */
static void
server_stream_send(struct server_stream *st, json_t *o)
{
	struct evbuffer *buf = evbuffer_new();
	char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);

	if (st->sse)
		evbuffer_add_printf(buf, "id: %s\ndata: ", json_string_value(
		    json_object_get(o, "cursor")));
	evbuffer_add(buf, text, strlen(text));
	if (st->sse)
		evbuffer_add(buf, "\n", 1);
	evbuffer_add(buf, "\n", 1);
	st->r->bytes += evbuffer_get_length(buf);
	evhttp_send_reply_chunk(st->r->req, buf);
	evbuffer_free(buf);
	free(text);
	json_decref(o);
	st->last_sent = now_ms();
}

/* Sends what happened since the stream's cursor, and a bookmark when
 * nothing did for a while. */
static void
server_stream_pump(struct server *srv, struct server_stream *st)
{
	struct store_log_entry *v = NULL;
	size_t n = 0, i;
	char *cause = NULL, cur[32];

	if (store_log_since(srv->store, st->cursor, SERVER_STREAM_BATCH, &v,
	    &n, &cause) != 0) {
		log_warnx("%s", cause);
		free(cause);
		return;
	}
	for (i = 0; i < n; i++) {
		st->cursor = v[i].seq;
		if ((st->job != 0 && v[i].job_id != st->job) ||
		    !server_entry_visible(st->r->user, &v[i]))
			continue;
		server_stream_send(st, server_entry_json(srv, &v[i]));
	}
	store_log_free(v, n);
	if (now_ms() - st->last_sent >= SERVER_BOOKMARK_MS) {
		snprintf(cur, sizeof cur, "%" PRId64, st->cursor);
		server_stream_send(st, json_pack("{s:s,s:s}", "type",
		    "BOOKMARK", "cursor", cur));
	}
}

/* Observes the wait of jobs that started running since the last tick. */
static void
server_wait_follow(struct server *srv)
{
	struct store_log_entry *v = NULL;
	size_t n = 0, i;
	int b;
	char *cause = NULL;
	double s;

	if (store_log_since(srv->store, srv->m.log_seq, 5000, &v, &n,
	    &cause) != 0) {
		free(cause);
		return;
	}
	for (i = 0; i < n; i++) {
		srv->m.log_seq = v[i].seq;
		if (v[i].ev.to != STORE_RUNNING)
			continue;
		s = (double)(v[i].ev.at - v[i].submitted_at) / 1000.0;
		if (s < 0)
			s = 0;
		for (b = 0; b < SERVER_WAIT_BUCKETS; b++)
			if (s <= server_wait_bounds[b])
				break;
		srv->m.wait_count[b]++;
		srv->m.wait_sum += s;
		srv->m.wait_n++;
	}
	store_log_free(v, n);
}

/* See server-int.h: once a second. */
void
server_events_tick(struct server *srv)
{
	struct server_stream *st, *next;
	int64_t first, last;
	char *cause = NULL;

	if (srv->m.log_seq < 0) {
		if (store_log_bounds(srv->store, &first, &last, &cause) != 0) {
			free(cause);
			return;
		}
		srv->m.log_seq = last;
	}
	server_wait_follow(srv);
	for (st = srv->streams; st != NULL; st = next) {
		next = st->next;
		/* A dashboard's stream ends with its session. */
		if (st->r->session[0] != '\0' &&
		    !server_session_is_live(srv, st->r->session))
			server_stream_end(srv, st);
		else
			server_stream_pump(srv, st);
	}
}

/* See server-int.h. */
void
server_events_free_all(struct server *srv)
{
	while (srv->streams != NULL)
		server_stream_end(srv, srv->streams);
}

/* Does the client ask for Server-Sent Events (a browser's EventSource)? */
static bool
server_event_stream_wanted(struct server_req *r)
{
	const char *a = evhttp_find_header(evhttp_request_get_input_headers(
	    r->req), "Accept");

	return a != NULL && strstr(a, "text/event-stream") != NULL;
}

/* The cursor an EventSource resumes from (Last-Event-ID), or -1. */
static int64_t
server_last_event_id(struct server_req *r)
{
	const char *v = evhttp_find_header(evhttp_request_get_input_headers(
	    r->req), "Last-Event-ID");
	char *end;
	long long n;

	if (v == NULL || *v < '0' || *v > '9')
		return -1;
	n = strtoll(v, &end, 10);
	return *end == '\0' && n >= 0 && n < INT64_MAX ? n : -1;
}

/* GET /v1/events: a list after a cursor, or a watch. */
void
server_events_handle(struct server_req *r)
{
	struct server *srv = r->srv;
	struct store_log_entry *v = NULL;
	struct server_stream *st;
	int64_t since, job, limit, first, last;
	size_t n = 0, i, nstreams = 0;
	char *cause = NULL, cur[32];
	json_t *items;
	bool watch;

	if (server_query_bool(r, "watch", &watch) != 0 ||
	    server_query_int(r, "since", 0, INT64_MAX - 1, -1, &since) != 0 ||
	    server_query_int(r, "job", 1, INT64_MAX - 1, 0, &job) != 0 ||
	    server_query_int(r, "limit", 1, API_MAX_PAGE, API_DEFAULT_PAGE,
	    &limit) != 0)
		return;
	if (store_log_bounds(srv->store, &first, &last, &cause) != 0) {
		server_reply_store(r, cause, "reading the queue");
		return;
	}
	if (since < 0 && watch && server_event_stream_wanted(r))
		since = server_last_event_id(r);
	if (since < 0)
		since = watch ? last : 0;
	if (since > 0 && first > 0 && since < first - 1) {
		server_reply_error(r, 410, "Expired", "cursor %" PRId64 " is "
		    "older than the oldest event kept (%" PRId64 "): list again",
		    since, first);
		return;
	}
	if (!watch) {
		if (store_log_since(srv->store, since, (size_t)limit, &v, &n,
		    &cause) != 0) {
			server_reply_store(r, cause, "reading the queue");
			return;
		}
		items = json_array();
		for (i = 0; i < n; i++) {
			since = v[i].seq;
			if ((job != 0 && v[i].job_id != job) ||
			    !server_entry_visible(r->user, &v[i]))
				continue;
			json_array_append_new(items, server_entry_json(srv,
			    &v[i]));
		}
		store_log_free(v, n);
		snprintf(cur, sizeof cur, "%" PRId64, since);
		server_reply_json(r, 200, json_pack("{s:o,s:s}", "items", items,
		    "cursor", cur));
		return;
	}
	for (st = srv->streams; st != NULL; st = st->next)
		nstreams++;
	if (nstreams >= SERVER_MAX_STREAMS) {
		server_reply_error(r, 503, NULL, "too many event streams open; "
		    "retry later");
		return;
	}
	st = xcalloc(1, sizeof *st);
	st->r = r;
	st->cursor = since;
	st->job = job;
	st->last_sent = now_ms();
	st->sse = server_event_stream_wanted(r);
	st->next = srv->streams;
	srv->streams = st;
	evhttp_add_header(evhttp_request_get_output_headers(r->req),
	    "Content-Type", st->sse ? "text/event-stream" :
	    "application/x-ndjson");
	evhttp_add_header(evhttp_request_get_output_headers(r->req),
	    "Cache-Control", "no-store");
	srv->m.requests[200]++;
	r->status = 200;
	st->evcon = evhttp_request_get_connection(r->req);
	evhttp_send_reply_start(r->req, 200, "OK");
	/* A watcher only reads: no read timeout, but one that stops reading
	 * is still dropped by the write timeout. */
	if (st->evcon != NULL) {
		struct timeval wtv = { srv->cfg.timeout_s, 0 };

		event_base_update_cache_time(srv->base);
		bufferevent_set_timeouts(evhttp_connection_get_bufferevent(
		    st->evcon), NULL, &wtv);
	}
	server_stream_pump(srv, st);
}
