/*
 * cli-kube.c: the cluster client of the commands that talk to Kubernetes.
 * Only the whole program (ailab-queue-cluster) links this file, and with it
 * libcurl; the queue front never does (see cli_exec_cluster in cli.c).
 */
#include "cli.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "kube.h"
#include "spec.h"

/* Frees the client and the event base when the run ends. */
static void
cli_kube_release(struct cli_ctx *ctx)
{
	kube_client_free(ctx->kube);
	ctx->kube = NULL;
	if (ctx->base != NULL)
		event_base_free(ctx->base);
	ctx->base = NULL;
}

/* The one event base of this run, made on first use. */
struct event_base *
cli_base(struct cli_ctx *ctx)
{
	if (ctx->base == NULL && (ctx->base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	ctx->release_cluster = cli_kube_release;
	return ctx->base;
}

/* The client options the command line sets (--qps). */
int
cli_kube_opts(struct cli_ctx *ctx, struct kube_client_opts *o)
{
	const char *v = cli_string(ctx, "qps");
	char *end;
	double qps;

	memset(o, 0, sizeof *o);
	if (v == NULL)
		return 0;
	qps = strtod(v, &end);
	if (*v == '\0' || *end != '\0' || qps < 1 || qps > 100000) {
		cli_error(ctx, "invalid value for '--qps': '%s' (1 to 100000)",
		    v);
		return -1;
	}
	o->qps = qps;
	o->burst = (int)(2 * qps);
	return 0;
}

/* The cluster client on the one event base of this run. */
struct kube_client *
cli_kube(struct cli_ctx *ctx)
{
	struct kube_client_opts opts;
	struct kube_config *cfg;
	char *cause = NULL;

	if (ctx->kube != NULL)
		return ctx->kube;
	if (cli_kube_opts(ctx, &opts) != 0)
		return NULL;
	if ((cfg = cli_kube_config_take(ctx, &cause)) == NULL) {
		cli_error_take(ctx, cause);
		return NULL;
	}
	log_info("cluster %s, context '%s', user '%s' (%s), namespace '%s'",
	    kube_config_server(cfg), kube_config_context(cfg),
	    kube_config_user(cfg), kube_config_auth_kind(cfg),
	    kube_config_namespace(cfg));
	/* A person is waiting: give up on an unreachable cluster sooner. */
	opts.retry_budget_ms = 10000;
	if ((ctx->kube = kube_client_new(cli_base(ctx), cfg, &opts,
	    &cause)) == NULL) {
		/* kube_client_new frees cfg on failure too; forget it. */
		ctx->kube_config_used = NULL;
		cli_error_take(ctx, cause);
		return NULL;
	}
	return ctx->kube;
}

/*
 * Another client on the run's base, from the same kubeconfig, that acts as
 * user (Impersonate-User): the shared server's impersonate mode creates a
 * user's objects with it, so the cluster's own rules and audit log see the
 * user.  NULL with *cause.
 */
struct kube_client *
cli_kube_as(struct cli_ctx *ctx, const char *user, char **cause)
{
	struct kube_client_opts opts;
	struct kube_config *cfg;

	if (cli_kube_opts(ctx, &opts) != 0) {
		*cause = xstrdup("invalid --qps");
		return NULL;
	}
	if (cli_kube_config_load(ctx, &cfg, cause) != 0)
		return NULL;
	opts.impersonate_user = user;
	return kube_client_new(cli_base(ctx), cfg, &opts, cause);
}

/* See cli.h.  The rank is picked from the answer, not the selector:
 * Indexed Job pods carry it in an annotation, which a selector cannot
 * match. */
int
cli_job_pod(struct cli_ctx *ctx, const struct store_job *j, int rank,
    json_t **pod)
{
	struct kube_client *kube;
	struct kube_list_opts lo = { 0 };
	struct kube_response *resp;
	char *sel, *err;

	*pod = NULL;
	if ((kube = cli_kube(ctx)) == NULL)
		return -1;
	sel = spec_job_selector(store_queue_id(cli_store(ctx)), j->id);
	lo.label_selector = sel;
	resp = kube_wait(kube, kube_list(kube, KUBE_PODS, j->namespace, &lo,
	    NULL, NULL));
	free(sel);
	if (resp->error != NULL) {
		err = kube_error_string(resp->error);
		cli_error(ctx, "listing the job's pods: %s", err);
		free(err);
		kube_response_free(resp);
		return -1;
	}
	*pod = json_deep_copy(spec_pick_pod(kube_list_items(resp->body), rank,
	    j->attempts));
	kube_response_free(resp);
	return 0;
}
