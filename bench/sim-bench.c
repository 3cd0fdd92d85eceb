/*
 * sim-bench: requests per second ailab-kubesim serves.  Keeps CONC
 * keep-alive connections busy with the same request until N have been
 * answered, on one libevent loop, and prints the rate and the latency
 * percentiles.
 *
 * usage: sim-bench HOST PORT TOKEN METHOD PATH N CONC [BODY [FIRST]]
 *
 * In PATH and BODY, "{n}" becomes the request's number (FIRST, FIRST+1,
 * ...), "{n/K}" that number divided by K and "{n%K}" its remainder, so
 * one run can create many differently named and labelled objects.
 */
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "common.h"

struct bench {
	struct event_base *base;
	const char *host, *token, *path, *body;
	enum evhttp_cmd_type method;
	long n, sent, done, ok, bytes, first;
	double *lat;		/* seconds, one per answered request */
};

struct slot {
	struct bench *b;
	struct evhttp_connection *conn;
	struct timespec t0;
};

static void bench_send(struct slot *);

/* Expands "{n}", "{n/K}" and "{n%K}" in a template; caller frees. */
static char *
bench_expand(const char *tmpl, long n)
{
	size_t cap = strlen(tmpl) + 64, len = 0;
	char *out = xmalloc(cap);
	const char *p = tmpl;

	while (*p != '\0') {
		long v = n, k;
		char *end, num[32];
		int w;

		if (strncmp(p, "{n", 2) != 0) {
			if (len + 2 > cap)
				out = xreallocarray(out, cap *= 2, 1);
			out[len++] = *p++;
			continue;
		}
		end = NULL;
		k = 0;
		if (p[2] == '/' || p[2] == '%')
			k = strtol(p + 3, &end, 10);
		else
			end = (char *)p + 2;
		if (end == NULL || *end != '}' || (p[2] != '}' && k <= 0)) {
			out[len++] = *p++;
			continue;
		}
		if (p[2] == '/')
			v = n / k;
		else if (p[2] == '%')
			v = n % k;
		w = snprintf(num, sizeof num, "%ld", v);
		while (len + (size_t)w + 2 > cap)
			out = xreallocarray(out, cap *= 2, 1);
		memcpy(out + len, num, (size_t)w);
		len += (size_t)w;
		p = end + 1;
	}
	out[len] = '\0';
	return out;
}

/* Counts an answer and sends the next request on the same connection. */
static void
bench_done(struct evhttp_request *req, void *arg)
{
	struct slot *s = arg;
	struct bench *b = s->b;
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	b->lat[b->done] = (double)(t1.tv_sec - s->t0.tv_sec) +
	    (double)(t1.tv_nsec - s->t0.tv_nsec) / 1e9;
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
	char auth[256], *path;

	if (b->sent >= b->n)
		return;
	req = evhttp_request_new(bench_done, s);
	snprintf(auth, sizeof auth, "Bearer %s", b->token);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Host",
	    b->host);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Authorization", auth);
	if (b->body != NULL) {
		char *body = bench_expand(b->body, b->first + b->sent);

		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Content-Type", "application/json");
		evbuffer_add(evhttp_request_get_output_buffer(req), body,
		    strlen(body));
		free(body);
	}
	path = bench_expand(b->path, b->first + b->sent);
	b->sent++;
	clock_gettime(CLOCK_MONOTONIC, &s->t0);
	evhttp_make_request(s->conn, req, b->method, path);
	free(path);
}

/* Opens the connections, runs the loop until N answers, prints the rate. */
int
main(int argc, char **argv)
{
	struct bench b;
	struct slot *slots;
	double t0, secs;
	long conc, i;

	if (argc < 8) {
		fprintf(stderr, "usage: sim-bench HOST PORT TOKEN METHOD PATH N "
		    "CONC [BODY [FIRST]]\n");
		return 2;
	}
	memset(&b, 0, sizeof b);
	b.base = event_base_new();
	b.host = argv[1];
	b.token = argv[3];
	b.path = argv[5];
	b.n = atol(argv[6]);
	conc = atol(argv[7]);
	b.body = argc > 8 && *argv[8] != '\0' ? argv[8] : NULL;
	b.first = argc > 9 ? atol(argv[9]) : 0;
	b.method = strcmp(argv[4], "POST") == 0 ? EVHTTP_REQ_POST :
	    EVHTTP_REQ_GET;
	if (b.n <= 0 || conc <= 0)
		return 2;
	b.lat = xcalloc(b.n, sizeof *b.lat);
	slots = xcalloc(conc, sizeof *slots);
	t0 = bench_now();
	for (i = 0; i < conc; i++) {
		slots[i].b = &b;
		slots[i].conn = evhttp_connection_base_new(b.base, NULL, b.host,
		    (unsigned short)atoi(argv[2]));
		evhttp_connection_set_timeout(slots[i].conn, 600);
		bench_send(&slots[i]);
	}
	event_base_dispatch(b.base);
	secs = bench_now() - t0;
	qsort(b.lat, b.done, sizeof *b.lat, bench_cmp);
	printf("%s %s: %ld requests (%ld ok) in %.3f s, %.0f req/s, "
	    "%.1f MB received, concurrency %ld, latency p50 %.2f ms "
	    "p99 %.2f ms\n", argv[4], b.path, b.done, b.ok, secs,
	    (double)b.done / secs, (double)b.bytes / 1e6, conc,
	    b.lat[b.done / 2] * 1e3, b.lat[(b.done * 99) / 100] * 1e3);
	for (i = 0; i < conc; i++)
		evhttp_connection_free(slots[i].conn);
	free(slots);
	free(b.lat);
	event_base_free(b.base);
	return b.ok == b.n ? 0 : 1;
}
