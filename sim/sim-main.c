/*
 * ailab-kubesim: a simulated ailab Kubernetes cluster on one event loop.
 * main owns the event base, parses the options and stops on SIGTERM/SIGINT.
 */
#include "sim.h"

#include <event2/event.h>
#include <getopt.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

/* A string option's member of struct sim_options, or none. */
#define SIM_STR(f) offsetof(struct sim_options, f)
#define SIM_NONE ((size_t)-1)

/*
 * The option table: name, getopt_long's code, the member a string option
 * sets, argument and help; getopt_long's options and --help are generated
 * from it.
 */
static const struct {
	const char *name;
	int code;
	size_t str;
	const char *arg;
	const char *help;
} sim_opts[] = {
	{ "listen", 'l', SIM_STR(listen), "HOST:PORT", "address to serve "
	    "(default 127.0.0.1:0; port 0 picks a free port)" },
	{ "cluster", 'c', SIM_STR(cluster_file), "FILE",
	    "cluster description (YAML, docs/kubesim.md)" },
	{ "builtin", 'b', SIM_NONE, NULL,
	    "use the built-in ailab cluster (the default)" },
	{ "kubeconfig-out", 'k', SIM_STR(kubeconfig_out), "FILE",
	    "write a kubeconfig, one context per user" },
	{ "speed", 's', SIM_NONE, "N",
	    "simulated seconds per real second (default 1)" },
	{ "seed", 'S', SIM_NONE, "S",
	    "seed for every random choice (default 1)" },
	{ "tls-cert", 'C', SIM_STR(tls_cert), "FILE",
	    "serve HTTPS with this certificate (PEM)" },
	{ "tls-key", 'K', SIM_STR(tls_key), "FILE",
	    "private key of --tls-cert (PEM)" },
	{ "client-ca", 'A', SIM_STR(client_ca), "FILE",
	    "CA that signs client certificates" },
	{ "tls-ca", 'a', SIM_STR(tls_ca), "FILE",
	    "CA of --tls-cert, written into --kubeconfig-out" },
	{ "watch-cache", 'w', SIM_NONE, "N",
	    "events kept for watches (default 10000)" },
	{ "faults", 'f', SIM_STR(faults), "JSON",
	    "faults at start, as POST /sim/faults takes them" },
	{ "namespace-only-users", 'n', SIM_NONE, NULL,
	    "clusterRead: false for every non-admin user" },
	{ "audit-log", 'L', SIM_STR(audit_log), "FILE",
	    "append every audit entry to FILE, one JSON line each" },
	{ "pod-default", 'P', SIM_NONE, "KNOB=VALUE", "a pod knob's value for "
	    "pods that do not set it (repeatable; docs/kubesim.md)" },
	{ "verbose", 'v', SIM_NONE, NULL, "log each request" },
	{ "help", 'h', SIM_NONE, NULL, "show this help" },
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
	struct option longopts[nitems(sim_opts) + 1];
	struct sim_options opt;
	struct event_base *base;
	struct event *sigterm, *sigint;
	struct sim *sim;
	char *cause = NULL, *end;
	const char *pod_defaults[32];
	size_t npod_defaults = 0;
	int ch, verbose = 0;
	bool bad = false;
	size_t i;

	memset(longopts, 0, sizeof longopts);
	for (i = 0; i < nitems(sim_opts); i++)
		longopts[i] = (struct option){ sim_opts[i].name,
		    sim_opts[i].arg ? required_argument : no_argument, NULL,
		    sim_opts[i].code };
	memset(&opt, 0, sizeof opt);
	opt.listen = "127.0.0.1:0";
	opt.speed = 1;
	opt.seed = 1;
	log_init("ailab-kubesim", LOG_LEVEL_WARN);
	while ((ch = getopt_long(argc, argv, "hv", longopts, NULL)) != -1) {
		for (i = 0; i < nitems(sim_opts) && sim_opts[i].code != ch; i++)
			;
		if (i < nitems(sim_opts) && sim_opts[i].str != SIM_NONE) {
			*(const char **)((char *)&opt + sim_opts[i].str) = optarg;
			continue;
		}
		switch (ch) {
		case 'b':
			opt.cluster_file = NULL;
			break;
		case 's':
			opt.speed = strtod(optarg, &end);
			bad = *end != '\0' || opt.speed <= 0 || opt.speed > 1e6;
			break;
		case 'S':
			opt.seed = strtoull(optarg, &end, 10);
			bad = *end != '\0';
			break;
		case 'w':
			opt.watch_cache = atoi(optarg);
			bad = opt.watch_cache < 10;
			break;
		case 'n':
			opt.namespace_only = true;
			break;
		case 'P':
			bad = !sim_is_pod_knob(optarg) ||
			    npod_defaults == nitems(pod_defaults);
			if (!bad)
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
		if (bad) {
			fprintf(stderr, "ailab-kubesim: bad --%s '%s'\n",
			    sim_opts[i].name, optarg);
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
