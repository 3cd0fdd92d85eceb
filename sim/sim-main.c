/*
 * ailab-kubesim: a simulated ailab Kubernetes cluster on one event loop.
 * main owns the event base, parses the options and stops on SIGTERM/SIGINT.
 */
#include "sim.h"

#include <event2/event.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

/* The option table: name, argument, help; --help is generated from it. */
static const struct {
	const char *name;
	const char *arg;
	const char *help;
} sim_opts[] = {
	{ "listen", "HOST:PORT", "address to serve (default 127.0.0.1:0; "
	    "port 0 picks a free port)" },
	{ "cluster", "FILE", "cluster description (YAML, docs/kubesim.md)" },
	{ "builtin", NULL, "use the built-in ailab cluster (the default)" },
	{ "kubeconfig-out", "FILE", "write a kubeconfig, one context per user" },
	{ "speed", "N", "simulated seconds per real second (default 1)" },
	{ "seed", "S", "seed for every random choice (default 1)" },
	{ "tls-cert", "FILE", "serve HTTPS with this certificate (PEM)" },
	{ "tls-key", "FILE", "private key of --tls-cert (PEM)" },
	{ "client-ca", "FILE", "CA that signs client certificates" },
	{ "tls-ca", "FILE", "CA of --tls-cert, written into --kubeconfig-out" },
	{ "watch-cache", "N", "events kept for watches (default 10000)" },
	{ "faults", "JSON", "faults at start, as POST /sim/faults takes them" },
	{ "namespace-only-users", NULL, "clusterRead: false for every "
	    "non-admin user" },
	{ "audit-log", "FILE", "append every audit entry to FILE, one JSON "
	    "line each" },
	{ "pod-default", "KNOB=VALUE", "a pod knob's value for pods that do "
	    "not set it (repeatable; docs/kubesim.md)" },
	{ "verbose", NULL, "log each request" },
	{ "help", NULL, "show this help" },
};

/* Prints the usage generated from the option table. */
static void
sim_usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: ailab-kubesim [options]\n\n");
	for (i = 0; i < nitems(sim_opts); i++) {
		char left[64];

		snprintf(left, sizeof left, "--%s%s%s", sim_opts[i].name,
		    sim_opts[i].arg ? " " : "",
		    sim_opts[i].arg ? sim_opts[i].arg : "");
		fprintf(f, "  %-26s %s\n", left, sim_opts[i].help);
	}
}

/* Stops the loop on SIGTERM or SIGINT so everything is freed. */
static void
sim_on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	event_base_loopbreak(arg);
}

/* Parses the options, builds the simulation and runs the loop until a signal. */
int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "cluster", required_argument, NULL, 'c' },
		{ "builtin", no_argument, NULL, 'b' },
		{ "kubeconfig-out", required_argument, NULL, 'k' },
		{ "speed", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'S' },
		{ "tls-cert", required_argument, NULL, 'C' },
		{ "tls-key", required_argument, NULL, 'K' },
		{ "client-ca", required_argument, NULL, 'A' },
		{ "tls-ca", required_argument, NULL, 'a' },
		{ "watch-cache", required_argument, NULL, 'w' },
		{ "faults", required_argument, NULL, 'f' },
		{ "namespace-only-users", no_argument, NULL, 'n' },
		{ "audit-log", required_argument, NULL, 'L' },
		{ "pod-default", required_argument, NULL, 'P' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sim_options opt;
	struct event_base *base;
	struct event *sigterm, *sigint;
	struct sim *sim;
	char *cause = NULL, *end;
	const char *pod_defaults[32];
	size_t npod_defaults = 0;
	int ch, verbose = 0;

	memset(&opt, 0, sizeof opt);
	opt.listen = "127.0.0.1:0";
	opt.speed = 1;
	opt.seed = 1;
	log_init("ailab-kubesim", LOG_LEVEL_WARN);
	while ((ch = getopt_long(argc, argv, "hv", longopts, NULL)) != -1) {
		switch (ch) {
		case 'l':
			opt.listen = optarg;
			break;
		case 'c':
			opt.cluster_file = optarg;
			break;
		case 'b':
			opt.cluster_file = NULL;
			break;
		case 'k':
			opt.kubeconfig_out = optarg;
			break;
		case 's':
			opt.speed = strtod(optarg, &end);
			if (*end != '\0' || opt.speed <= 0 || opt.speed > 1e6) {
				fprintf(stderr, "ailab-kubesim: bad --speed "
				    "'%s'\n", optarg);
				return 2;
			}
			break;
		case 'S':
			opt.seed = strtoull(optarg, &end, 10);
			if (*end != '\0') {
				fprintf(stderr, "ailab-kubesim: bad --seed "
				    "'%s'\n", optarg);
				return 2;
			}
			break;
		case 'C':
			opt.tls_cert = optarg;
			break;
		case 'K':
			opt.tls_key = optarg;
			break;
		case 'A':
			opt.client_ca = optarg;
			break;
		case 'a':
			opt.tls_ca = optarg;
			break;
		case 'w':
			opt.watch_cache = atoi(optarg);
			if (opt.watch_cache < 10) {
				fprintf(stderr, "ailab-kubesim: bad "
				    "--watch-cache '%s'\n", optarg);
				return 2;
			}
			break;
		case 'f':
			opt.faults = optarg;
			break;
		case 'n':
			opt.namespace_only = true;
			break;
		case 'L':
			opt.audit_log = optarg;
			break;
		case 'P':
			if (!sim_is_pod_knob(optarg) ||
			    npod_defaults == nitems(pod_defaults)) {
				fprintf(stderr, "ailab-kubesim: bad --pod-default "
				    "'%s'\n", optarg);
				return 2;
			}
			pod_defaults[npod_defaults++] = optarg;
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			sim_usage(stdout);
			return 0;
		default:
			sim_usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "ailab-kubesim: unexpected argument '%s'\n",
		    argv[optind]);
		return 2;
	}
	opt.pod_defaults = pod_defaults;
	opt.npod_defaults = npod_defaults;
	if (verbose)
		log_init("ailab-kubesim", verbose > 1 ? LOG_LEVEL_DEBUG :
		    LOG_LEVEL_INFO);
	signal(SIGPIPE, SIG_IGN);
	base = event_base_new();
	if (base == NULL)
		fatalx("cannot create the event base");
	sim = sim_new(base, &opt, &cause);
	if (sim == NULL) {
		fprintf(stderr, "ailab-kubesim: %s\n", cause);
		free(cause);
		event_base_free(base);
		return 1;
	}
	printf("listening on %s\n", sim_url(sim) + (strncmp(sim_url(sim),
	    "https", 5) == 0 ? 8 : 7));
	printf("url %s\n", sim_url(sim));
	fflush(stdout);
	sigterm = evsignal_new(base, SIGTERM, sim_on_signal, base);
	sigint = evsignal_new(base, SIGINT, sim_on_signal, base);
	evsignal_add(sigterm, NULL);
	evsignal_add(sigint, NULL);
	event_base_dispatch(base);
	sim_free(sim);
	event_free(sigterm);
	event_free(sigint);
	event_base_free(base);
	return 0;
}
