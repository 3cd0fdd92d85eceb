/*
 * serve: the shared queue.  One process owns the queue, serves the HTTP API
 * (server/) and, while it holds the Lease, runs the scheduler loop, all on
 * the one event base of main.
 */
#include <sys/resource.h>

#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "kube.h"
#include "sched-loop.h"
#include "server.h"
#include "spec.h"

/* A setting's option takes a list, is a switch, or takes one value. */
#define CMD_SERVE_CLI_STRING CLI_OPT_STRING
#define CMD_SERVE_CLI_PATH CLI_OPT_STRING
#define CMD_SERVE_CLI_INT CLI_OPT_STRING
#define CMD_SERVE_CLI_SECONDS CLI_OPT_STRING
#define CMD_SERVE_CLI_MS CLI_OPT_STRING
#define CMD_SERVE_CLI_RATE CLI_OPT_STRING
#define CMD_SERVE_CLI_BOOL CLI_OPT_FLAG
#define CMD_SERVE_CLI_MODE CLI_OPT_STRING
#define CMD_SERVE_CLI_PRIORITY CLI_OPT_STRING
#define CMD_SERVE_CLI_GROUPS CLI_OPT_LIST
#define CMD_SERVE_CLI_TA CLI_OPT_LIST
#define CMD_SERVE_CLI_PRIORITIES CLI_OPT_LIST
/* Every server setting's option, its help from the table (server.h). */
#define CMD_SERVE_OPT(name, opt, arg, type, field, def, shown, lo, hi,	   \
    unit, help)								   \
	{ opt, 0, CMD_SERVE_CLI_##type, arg, help " (default " shown ")" },

static const struct cli_opt cmd_serve_opts[] = {
	{ "config", 0, CLI_OPT_STRING, "FILE",
	  "settings file (YAML; see docs/operations.md)" },
	SERVER_SETTINGS(CMD_SERVE_OPT)
	{ "no-schedule", 0, CLI_OPT_FLAG, NULL,
	  "serve the API only; never run the scheduler here" },
	{ "interval", 0, CLI_OPT_STRING, "DURATION",
	  "time between scheduler passes when nothing happens, 50ms to 1h "
	  "(default 2s)" },
	{ "gang-timeout", 0, CLI_OPT_STRING, "DURATION",
	  "re-queue a gang not fully running after this (default 10m)" },
	{ "settings", 0, CLI_OPT_FLAG, NULL,
	  "print the settings as the table of docs/operations.md and exit" },
	{ NULL, 0, 0, NULL, NULL }
};

/* What main keeps between dispatches of the base. */
struct cmd_serve {
	struct event_base *base;
	struct store *store;
	struct kube_client *kube;
	struct kube_client *api_kube;        /* the server's, for clients */
	struct server *srv;
	struct server_lease *lease;
	struct sched_loop *loop;
	struct sched_loop_opts opts;
	struct event *retry;
	struct event *reap;          /* frees a loop that stopped */
	struct cli_ctx *ctx;
	/* Impersonate mode: a client per job owner, made on first use. */
	struct cmd_serve_as {
		char *owner;
		struct kube_client *kube;
	} *as;
	size_t nas;
	int lock_fd;
	bool want_sched;
	bool terminating;
};

static void cmd_serve_start_sched(struct cmd_serve *);

/*
 * Impersonate mode: the client that creates and deletes an owner's objects
 * acts as the owner, so the cluster applies the user's own RBAC and quota
 * and records the user in its audit log.  If one cannot be made the loop's
 * own client is used, and the failure is logged.
 */
static struct kube_client *
cmd_serve_client_for(const char *owner, void *arg)
{
	struct cmd_serve *sv = arg;
	struct kube_client *kc;
	char *cause = NULL;
	size_t i;

	for (i = 0; i < sv->nas; i++)
		if (strcmp(sv->as[i].owner, owner) == 0)
			return sv->as[i].kube;
	if ((kc = cli_kube_as(sv->ctx, owner, &cause)) == NULL) {
		log_warnx("cannot act as '%s': %s", owner, cause);
		free(cause);
		return NULL;
	}
	sv->as = xreallocarray(sv->as, sv->nas + 1, sizeof *sv->as);
	sv->as[sv->nas].owner = xstrdup(owner);
	sv->as[sv->nas++].kube = kc;
	return kc;
}

/* After each pass: the counts for /metrics. */
static void
cmd_serve_on_pass(const struct sched_loop_stats *st, void *arg)
{
	struct cmd_serve *sv = arg;

	server_sched_pass(sv->srv, st);
}

/* Retries taking the queue's scheduler lock. */
static void
cmd_serve_retry(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	cmd_serve_start_sched(arg);
}

/* Starts the scheduler loop on the base (the leader's work). */
static void
cmd_serve_start_sched(struct cmd_serve *sv)
{
	struct timeval tv = { 2, 0 };
	char *cause = NULL;

	if (sv->loop != NULL || !sv->want_sched || sv->terminating)
		return;
	if (store_lock_scheduler(sv->store, &sv->lock_fd, &cause) != 0) {
		log_warnx("not scheduling yet: %s", cause);
		free(cause);
		evtimer_add(sv->retry, &tv);
		return;
	}
	sv->loop = sched_loop_new(sv->base, sv->store, sv->kube, &sv->opts);
	server_set_sched(sv->srv, sv->loop);
	log_info("scheduling %s", store_path(sv->store));
	sched_loop_start(sv->loop);
}

/*
 * After the loop stopped (leadership lost, a signal): frees it, then
 * starts another if this replica should still schedule, or leaves.
 */
static void
cmd_serve_reap(evutil_socket_t fd, short ev, void *arg)
{
	struct cmd_serve *sv = arg;

	(void)fd;
	(void)ev;
	if (sv->loop != NULL) {
		if (sched_loop_failed(sv->loop))
			log_warnx("the scheduler loop failed; restarting it");
		server_set_sched(sv->srv, NULL);
		sched_loop_free(sv->loop);
		sv->loop = NULL;
		close(sv->lock_fd);
		sv->lock_fd = -1;
	}
	if (sv->terminating)
		event_base_loopbreak(sv->base);
	else
		cmd_serve_start_sched(sv);
}

/*
 * The client the server asks the cluster with on behalf of its clients:
 * a connection pool and rate limit of its own, so that a scheduler pass
 * stuck on a slow cluster never queues a review behind its creates, and a
 * deadline on every call (review_timeout), so that a client gets an answer
 * rather than silence.  NULL after printing why.
 */
static struct kube_client *
cmd_serve_api_client(struct cli_ctx *ctx, const struct server_config *cfg)
{
	struct kube_client_opts opts;
	struct kube_config *kcfg;
	struct kube_client *kc;
	char *cause = NULL;

	if (cli_kube_opts(ctx, &opts) != 0)
		return NULL;
	opts.deadline_ms = cfg->review_timeout_s * 1000;
	opts.request_timeout_ms = opts.deadline_ms;
	opts.retry_budget_ms = opts.deadline_ms;
	if (opts.connect_timeout_ms <= 0 || opts.connect_timeout_ms >
	    opts.deadline_ms)
		opts.connect_timeout_ms = opts.deadline_ms;
	if (cli_kube_config_load(ctx, &kcfg, &cause) != 0 ||
	    (kc = kube_client_new(cli_base(ctx), kcfg, &opts, &cause)) ==
	    NULL) {
		cli_error_take(ctx, cause);
		return NULL;
	}
	return kc;
}

/* The loop says it stopped; it is freed from the event loop, not from
 * inside its own callback. */
static void
cmd_serve_stopped(enum sched_stop why, void *arg)
{
	struct cmd_serve *sv = arg;
	struct timeval tv = { 0, 0 };

	(void)why;
	evtimer_add(sv->reap, &tv);
}

/*
 * The Lease says whether this replica schedules.  A replica that lost it
 * stops at once, its pass's requests cancelled (sched_loop_abort), not
 * after the pass: another replica may take the Lease over a third of its
 * duration later, and two schedulers must never both send creates.
 */
static void
cmd_serve_leader(bool leader, void *arg)
{
	struct cmd_serve *sv = arg;

	sv->want_sched = leader;
	if (leader)
		cmd_serve_start_sched(sv);
	else if (sv->loop != NULL)
		sched_loop_abort(sv->loop);
}

/* SIGTERM and SIGINT: stop accepting, finish the pass, then leave. */
static void
cmd_serve_signal(evutil_socket_t sig, short ev, void *arg)
{
	struct cmd_serve *sv = arg;

	(void)ev;
	log_info("signal %d: stopping after this pass", (int)sig);
	sv->terminating = true;
	server_shutdown(sv->srv);
	if (sv->loop != NULL)
		sched_loop_stop(sv->loop);
	else
		event_base_loopbreak(sv->base);
}

/*
 * The server caps connections below the descriptor limit: ask for what
 * max_connections needs (up to the hard limit) rather than have it
 * lowered, as daemons that hold many sockets do.
 */
static void
cmd_serve_raise_nofile(const struct server_config *cfg)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)cfg->max_connections + 512;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 ||
	    rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want ?
	    rl.rlim_max : want;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
		log_warnx("cannot raise the descriptor limit to %llu: %s",
		    (unsigned long long)rl.rlim_cur, strerror(errno));
}

/* One setting's option over the config file: a switch "no-X" sets it
 * false; a list sets each value; else the one value. */
static int
cmd_serve_setting(struct cli_ctx *ctx, struct server_config *cfg,
    const struct server_setting *st)
{
	char **vals, *cause = NULL;
	const char *v;
	int n, k;

	if (st->type == SERVER_SET_BOOL) {
		if (cli_flag(ctx, st->option) &&
		    server_config_set(cfg, st->name, "false", &cause) != 0)
			goto bad;
		return 0;
	}
	if (st->type == SERVER_SET_GROUPS || st->type == SERVER_SET_TA ||
	    st->type == SERVER_SET_PRIORITIES) {
		vals = cli_list(ctx, st->option, &n);
		for (k = 0; k < n; k++)
			if (server_config_set(cfg, st->name, vals[k],
			    &cause) != 0)
				goto bad;
		return 0;
	}
	if ((v = cli_string(ctx, st->option)) == NULL)
		return 0;
	if (server_config_set(cfg, st->name, v, &cause) == 0)
		return 0;
	cli_error(ctx, "--%s: %s", st->option, cause);
	free(cause);
	return -1;
bad:
	cli_error_take(ctx, cause);
	return -1;
}

/* The command line over the config file: each option is one setting. */
static int
cmd_serve_config(struct cli_ctx *ctx, struct server_config *cfg)
{
	const struct server_setting *st;
	char *cause = NULL;
	size_t i, n;

	if (server_config_init(cfg, cli_string(ctx, "config"), &cause) != 0) {
		cli_error_take(ctx, cause);
		return -1;
	}
	st = server_settings(&n);
	for (i = 0; i < n; i++)
		if (st[i].option != NULL &&
		    cmd_serve_setting(ctx, cfg, &st[i]) != 0)
			return -1;
	if (cfg->ui_dir == NULL)
		cfg->ui_dir = xstrdup(PKGDATADIR "/ui");
	if ((cfg->tls_cert == NULL) != (cfg->tls_key == NULL)) {
		cli_error(ctx, "--tls-cert and --tls-key go together");
		return -1;
	}
	return 0;
}

/*
 * Prints the URL clients use (the address listened on; the host's name
 * for the wildcard) and warns when bearer tokens would cross the network
 * in clear.
 */
static void
cmd_serve_announce(struct cli_ctx *ctx, struct cmd_serve *sv,
    const struct server_config *cfg)
{
	char host[256] = "", *url;
	bool any = server_listen_is_any(cfg->listen);

	if (any && gethostname(host, sizeof host - 1) != 0)
		host[0] = '\0';
	url = server_listen_url(cfg->listen, cfg->tls_cert != NULL,
	    server_port(sv->srv), host);
	if (cfg->tls_cert == NULL && !server_listen_is_loopback(cfg->listen))
		cli_error(ctx, "warning: serving plain HTTP at %s%s: users' "
		    "bearer tokens travel in clear over the network; give "
		    "--tls-cert and --tls-key, or listen on 127.0.0.1 behind a "
		    "TLS proxy or the SSH tunnel", url != NULL ? url : "?",
		    any ? " (all interfaces)" : "");
	printf("url %s\n", url != NULL ? url : "?");
	fflush(stdout);
	free(url);
	log_info("serving the queue %s on %s%s (mode %s, %s)",
	    store_path(sv->store), cfg->listen, any ? ", all interfaces" : "",
	    server_mode_name(cfg->mode), cfg->lease ? "leader election on" :
	    "no leader election");
}

/* Serves until SIGTERM; the base is dispatched again whenever the
 * scheduler loop stops because this replica lost the Lease. */
static int
cmd_serve_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cmd_serve sv = { .lock_fd = -1 };
	struct server_config cfg = { 0 };
	struct spec_diags diags = { 0 };
	struct spec_site *site = NULL;
	struct event *sigterm = NULL, *sigint = NULL;
	char *cause = NULL, *d;
	bool unreachable = false;
	size_t i;
	int ret = CLI_EXIT_FAIL;

	(void)argc;
	(void)argv;
	if (cli_flag(ctx, "settings")) {
		d = server_settings_markdown();
		fputs(d, stdout);
		free(d);
		return CLI_EXIT_OK;
	}
	if (cmd_serve_config(ctx, &cfg) != 0 ||
	    cli_duration_ms(ctx, "interval", CLI_INTERVAL_MIN_MS,
	    CLI_INTERVAL_MAX_MS, &sv.opts.interval_ms) != 0 ||
	    cli_duration(ctx, "gang-timeout", false,
	    &sv.opts.gang_timeout_s) != 0) {
		server_config_release(&cfg);
		return CLI_EXIT_USAGE;
	}
	sv.opts.on_pass = cmd_serve_on_pass;
	sv.opts.on_stop = cmd_serve_stopped;
	sv.opts.cb_arg = &sv;
	sv.ctx = ctx;
	if (cfg.mode == SERVER_MODE_IMPERSONATE) {
		sv.opts.client_for = cmd_serve_client_for;
		sv.opts.client_arg = &sv;
	}
	if (spec_site_load(&site, &diags) != 0) {
		for (i = 0; i < diags.n; i++)
			cli_error_take(ctx, spec_diag_format(&diags.v[i]));
		spec_diags_release(&diags);
		server_config_release(&cfg);
		return CLI_EXIT_USAGE;
	}
	spec_diags_release(&diags);
	if ((sv.store = cli_store(ctx)) == NULL ||
	    (sv.kube = cli_kube(ctx)) == NULL ||
	    (sv.api_kube = cmd_serve_api_client(ctx, &cfg)) == NULL)
		goto out;
	/* What the server answered must survive a power loss. */
	if (store_set_use(sv.store, STORE_USE_SERVER, &cause) != 0) {
		cli_error_take(ctx, cause);
		goto out;
	}
	sv.base = ctx->base;
	/* Credentials that cannot review tokens or run jobs would fail every
	 * request later: refuse now, naming what is missing.  A cluster that
	 * does not answer may come back: a daemon carries on. */
	if (server_rights_check(sv.api_kube, &cfg, !cli_flag(ctx, "no-schedule"),
	    &unreachable, &cause) != 0) {
		if (!unreachable) {
			cli_error_take(ctx, cause);
			goto out;
		}
		log_warnx("%s; starting without checking the server's rights",
		    cause);
		free(cause);
		cause = NULL;
	}
	cmd_serve_raise_nofile(&cfg);
	sv.srv = server_new(sv.base, sv.store, sv.api_kube, site, &cfg,
	    &cause);
	if (sv.srv == NULL) {
		cli_error_take(ctx, cause);
		goto out;
	}
	sv.retry = evtimer_new(sv.base, cmd_serve_retry, &sv);
	sv.reap = evtimer_new(sv.base, cmd_serve_reap, &sv);
	sigterm = evsignal_new(sv.base, SIGTERM, cmd_serve_signal, &sv);
	sigint = evsignal_new(sv.base, SIGINT, cmd_serve_signal, &sv);
	evsignal_add(sigterm, NULL);
	evsignal_add(sigint, NULL);
	signal(SIGPIPE, SIG_IGN);
	cmd_serve_announce(ctx, &sv, &cfg);
	if (cli_flag(ctx, "no-schedule"))
		log_info("API only: this replica never schedules");
	else if (cfg.lease)
		sv.lease = server_lease_new(sv.base, sv.kube, &cfg,
		    cmd_serve_leader, &sv);
	else
		cmd_serve_leader(true, &sv);
	event_base_dispatch(sv.base);
	ret = CLI_EXIT_OK;
out:
	if (sv.lease != NULL)
		server_lease_free(sv.lease);
	server_free(sv.srv);
	kube_client_free(sv.api_kube);
	if (sigterm != NULL)
		event_free(sigterm);
	if (sigint != NULL)
		event_free(sigint);
	if (sv.retry != NULL)
		event_free(sv.retry);
	if (sv.reap != NULL)
		event_free(sv.reap);
	for (i = 0; i < sv.nas; i++) {
		kube_client_free(sv.as[i].kube);
		free(sv.as[i].owner);
	}
	free(sv.as);
	spec_site_free(site);
	server_config_release(&cfg);
	log_info("stopped");
	return ret;
}

const struct cli_cmd cli_cmd_serve = {
	.name = "serve",
	.usage = "[--listen ADDR] [--tls-cert FILE --tls-key FILE] "
	    "[--config FILE]",
	.summary = "serve the queue to the cluster's users over HTTP(S)",
	.help = "Users authenticate with the bearer credential of their\n"
	    "kubeconfig; the server checks it with a TokenReview and their\n"
	    "rights with SubjectAccessReviews, using its own kubeconfig\n"
	    "(--kubeconfig, --context). Replicas elect a leader with a Lease:\n"
	    "only the leader schedules, every replica serves. SIGTERM finishes\n"
	    "the pass in progress, then exits. See docs/api.md and\n"
	    "docs/operations.md.\n",
	.opts = cmd_serve_opts,
	.flags = CLI_NEEDS_STORE,
	.exec = cmd_serve_exec,
};
