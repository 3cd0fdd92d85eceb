/*
 * kube-bench: requests per second of the kube/ client against a server
 * (ailab-kubesim), with K requests in flight on one event base.
 *
 *   kube-bench --kubeconfig F [--context C] --op get|create --inflight K
 *       --count N --namespace NS
 */
#include <event2/event.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "common.h"
#include "kube.h"

struct bench {
	struct kube_client *c;
	const char *op, *ns;
	int count, started, done, failed, inflight;
};

static void bench_next(struct bench *);

/* Counts a finished request and starts the next. */
static void
bench_done(struct kube_response *r, void *arg)
{
	struct bench *b = arg;

	b->done++;
	if (r->error != NULL)
		b->failed++;
	bench_next(b);
}

/* Keeps K requests in flight until N have been started. */
static void
bench_next(struct bench *b)
{
	char name[64];
	json_t *o;

	while (b->started < b->count && b->started - b->done < b->inflight) {
		if (strcmp(b->op, "get") == 0)
			kube_get(b->c, KUBE_NAMESPACES, NULL, b->ns, bench_done,
			    b);
		else {
			snprintf(name, sizeof name, "bench-%d-%d", (int)getpid(),
			    b->started);
			o = json_pack("{s:s,s:s,s:{s:s},s:{s:s,s:[{s:i}]}}",
			    "apiVersion", "v1", "kind", "Service", "metadata",
			    "name", name, "spec", "clusterIP", "None", "ports",
			    "port", 80);
			kube_create(b->c, KUBE_SERVICES, b->ns, o, bench_done,
			    b);
			json_decref(o);
		}
		b->started++;
	}
}

/* Runs N requests with K in flight and prints the rate. */
int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "kubeconfig", required_argument, NULL, 'k' },
		{ "context", required_argument, NULL, 'c' },
		{ "op", required_argument, NULL, 'o' },
		{ "inflight", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'n' },
		{ "namespace", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	struct kube_config_opts co = { 0 };
	struct kube_client_opts ko = { .qps = 1e6, .burst = 1000000 };
	struct bench b = { .op = "get", .inflight = 1, .count = 1000 };
	struct kube_config *cfg;
	struct event_base *base;
	char *cause = NULL;
	double t0, t;
	int ch;

	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'k': co.kubeconfig = optarg; break;
		case 'c': co.context = optarg; break;
		case 'o': b.op = optarg; break;
		case 'i': b.inflight = atoi(optarg); break;
		case 'n': b.count = atoi(optarg); break;
		case 's': b.ns = optarg; break;
		default: return 2;
		}
	}
	if (b.inflight < 1 || b.count < 1 || (strcmp(b.op, "get") != 0 &&
	    strcmp(b.op, "create") != 0))
		return 2;
	base = event_base_new();
	if (kube_config_load(&co, &cfg, &cause) != 0 ||
	    (b.c = kube_client_new(base, cfg, &ko, &cause)) == NULL) {
		fprintf(stderr, "kube-bench: %s\n", cause);
		return 1;
	}
	if (b.ns == NULL)
		b.ns = kube_config_namespace(cfg);
	t0 = bench_now();
	bench_next(&b);
	while (b.done < b.count)
		event_base_loop(base, EVLOOP_ONCE);
	t = bench_now() - t0;
	printf("op=%s inflight=%d count=%d failed=%d seconds=%.3f rps=%.0f\n",
	    b.op, b.inflight, b.count, b.failed, t, (double)b.count / t);
	kube_client_free(b.c);
	event_base_free(base);
	return b.failed == 0 ? 0 : 1;
}
