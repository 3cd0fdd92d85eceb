/*
 * sim-bench: requests per second ailab-kubesim serves.  Keeps CONC
 * keep-alive connections busy with the same request until N have been
 * answered, on one libevent loop, and prints the rate.
 *
 * usage: sim-bench HOST PORT TOKEN METHOD PATH N CONC [BODY]
 */
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common.h"

struct bench {
	struct event_base *base;
	const char *host, *token, *path, *body;
	enum evhttp_cmd_type method;
	long n, sent, done, ok, bytes;
};

struct slot {
	struct bench *b;
	struct evhttp_connection *conn;
};

static void bench_send(struct slot *);

/* Counts an answer and sends the next request on the same connection. */
static void
bench_done(struct evhttp_request *req, void *arg)
{
	struct slot *s = arg;
	struct bench *b = s->b;

	b->done++;
	if (req != NULL && evhttp_request_get_response_code(req) / 100 == 2) {
		b->ok++;
		b->bytes += (long)evbuffer_get_length(
		    evhttp_request_get_input_buffer(req));
	}
	if (b->done == b->n)
		event_base_loopbreak(b->base);
	else
		bench_send(s);
}

/* Sends one request if any are left. */
static void
bench_send(struct slot *s)
{
	struct bench *b = s->b;
	struct evhttp_request *req;
	char auth[256];

	if (b->sent >= b->n)
		return;
	b->sent++;
	req = evhttp_request_new(bench_done, s);
	snprintf(auth, sizeof auth, "Bearer %s", b->token);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Host",
	    b->host);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Authorization", auth);
	if (b->body != NULL) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Content-Type", "application/json");
		evbuffer_add(evhttp_request_get_output_buffer(req), b->body,
		    strlen(b->body));
	}
	evhttp_make_request(s->conn, req, b->method, b->path);
}

/* Opens the connections, runs the loop until N answers, prints the rate. */
int
main(int argc, char **argv)
{
	struct bench b;
	struct slot *slots;
	struct timespec t0, t1;
	double secs;
	long conc, i;

	if (argc < 8) {
		fprintf(stderr, "usage: sim-bench HOST PORT TOKEN METHOD PATH N "
		    "CONC [BODY]\n");
		return 2;
	}
	memset(&b, 0, sizeof b);
	b.base = event_base_new();
	b.host = argv[1];
	b.token = argv[3];
	b.path = argv[5];
	b.n = atol(argv[6]);
	conc = atol(argv[7]);
	b.body = argc > 8 ? argv[8] : NULL;
	b.method = strcmp(argv[4], "POST") == 0 ? EVHTTP_REQ_POST :
	    EVHTTP_REQ_GET;
	if (b.n <= 0 || conc <= 0)
		return 2;
	slots = xcalloc(conc, sizeof *slots);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < conc; i++) {
		slots[i].b = &b;
		slots[i].conn = evhttp_connection_base_new(b.base, NULL, b.host,
		    (unsigned short)atoi(argv[2]));
		evhttp_connection_set_timeout(slots[i].conn, 120);
		bench_send(&slots[i]);
	}
	event_base_dispatch(b.base);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%s %s: %ld requests (%ld ok) in %.3f s, %.0f req/s, "
	    "%.1f MB received, concurrency %ld\n", argv[4], b.path, b.done, b.ok,
	    secs, (double)b.done / secs, (double)b.bytes / 1e6, conc);
	for (i = 0; i < conc; i++)
		evhttp_connection_free(slots[i].conn);
	free(slots);
	event_base_free(b.base);
	return b.ok == b.n ? 0 : 1;
}
