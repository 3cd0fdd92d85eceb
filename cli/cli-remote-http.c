/*
 * cli-remote-http.c: the queue commands' requests to a shared queue server
 * (docs/api.md), made on kube's client (kube/kube-http.c) on the run's one
 * event base, so that TLS, credentials, retries and body bounds live in
 * one place.  The client sends the bearer credential of the user's
 * kubeconfig, refreshed once after a 401; it is never logged, shown or
 * written anywhere.  A command makes a few requests, one after the other,
 * and a person waits for each: each runs the base until it is answered.
 */
#include "cli-remote.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "api.h"
#include "kube.h"

struct cli_remote {
	struct kube_client *kc;
	/* Why no credential is sent (no kubeconfig), for a 401; or NULL. */
	char *no_config;
};

/* Frees the client when the run ends, before the event base goes. */
static void
cli_remote_release(struct cli_ctx *ctx)
{
	struct cli_remote *r = ctx->remote;

	if (r == NULL)
		return;
	kube_client_free(r->kc);
	free(r->no_config);
	free(r);
	ctx->remote = NULL;
}

/* Tells a person why the command waits: the server asked it to. */
static void
cli_remote_on_retry(int status, int64_t wait_ms, void *arg)
{
	(void)arg;
	log_info("the queue server is %s: waiting %lld s", status == 429 ?
	    "rate-limiting" : "busy", (long long)((wait_ms + 999) / 1000));
}

/*
 * The run's client, made on first use with the credential of the same
 * kubeconfig kubectl would use, or none when there is no kubeconfig (the
 * reason kept for a 401).  NULL after printing when the kubeconfig or
 * server_ca is broken.
 */
static struct cli_remote *
cli_remote(struct cli_ctx *ctx)
{
	struct kube_client_opts o = { 0 };
	struct kube_config *kcfg = NULL;
	struct cli_remote *r;
	char *cause = NULL;
	struct stat st;

	if (ctx->remote != NULL)
		return ctx->remote;
	if (ctx->server_ca != NULL && stat(ctx->server_ca, &st) != 0) {
		cli_error(ctx, "server_ca '%s': %s", ctx->server_ca,
		    strerror(errno));
		return NULL;
	}
	r = xcalloc(1, sizeof *r);
	if (cli_kube_config_load(ctx, &kcfg, &cause) != 0) {
		if (!kube_config_is_absent_error(cause)) {
			cli_error_take(ctx, cause);
			free(r);
			return NULL;
		}
		r->no_config = cause;
		kcfg = NULL;
	}
	o.service_url = ctx->server;
	o.service_ca = ctx->server_ca;
	o.max_retries = CLI_REMOTE_MAX_RETRIES;
	o.retry_wait_max_ms = CLI_REMOTE_MAX_WAIT * 1000;
	o.retry_budget_ms = (CLI_REMOTE_MAX_RETRIES + 1) * CLI_REMOTE_MAX_WAIT *
	    1000;
	o.max_body = CLI_REMOTE_MAX_ANSWER;
	o.on_retry = cli_remote_on_retry;
	if ((r->kc = kube_client_new(cli_base(ctx), kcfg, &o, &cause)) ==
	    NULL) {
		cli_error(ctx, "queue server '%s': %s", ctx->server, cause);
		free(cause);
		free(r->no_config);
		free(r);
		return NULL;
	}
	ctx->remote = r;
	ctx->release_remote = cli_remote_release;
	return r;
}

/* See cli-remote.h: usage-type refusals are 2, the rest 1. */
int
cli_remote_exit_status(long status)
{
	if (status == 400 || status == 413 || status == 415 || status == 422)
		return CLI_EXIT_USAGE;
	return CLI_EXIT_FAIL;
}

/* See cli-remote.h. */
void
cli_remote_parse_error(long status, const char *body, size_t len,
    struct api_error *err)
{
	json_t *o = NULL;
	char *cause = NULL;
	size_t n;

	if (body != NULL && len > 0)
		o = json_loadb(body, len, 0, NULL);
	if (o != NULL && api_error_decode(o, err, &cause) == 0 &&
	    *err->message != '\0') {
		json_decref(o);
		return;
	}
	free(cause);
	json_decref(o);
	api_error_release(err);
	memset(err, 0, sizeof *err);
	err->code = (int)status;
	err->retry_after = -1;
	err->reason = xstrdup(api_reason_for_code((int)status));
	/* Not the API's error body (a proxy's page): its first line. */
	n = body != NULL ? strcspn(body, "\r\n") : 0;
	if (n > len)
		n = len;
	if (n > 200)
		n = 200;
	if (n > 0)
		err->message = xprintf("the queue server answered %ld: %.*s",
		    status, (int)n, body);
	else
		err->message = xprintf("the queue server answered %ld", status);
}

/* Whether the kubeconfig's user sends the server a bearer token at all
 * (client certificates and passwords are for the cluster only). */
static bool
cli_remote_has_bearer(const struct kube_config *kcfg)
{
	const char *k = kube_config_auth_kind(kcfg);

	return strcmp(k, "token") == 0 || strcmp(k, "tokenFile") == 0 ||
	    strcmp(k, "exec") == 0 || strcmp(k, "oidc") == 0;
}

/* See cli-remote.h: a 401 says which credential was refused and where it
 * came from. */
int
cli_remote_fail(struct cli_ctx *ctx, const struct cli_remote_resp *resp)
{
	struct cli_remote *r = ctx->remote;
	const struct kube_config *kcfg = r != NULL ? kube_client_config(r->kc) :
	    NULL;
	struct api_error err;

	memset(&err, 0, sizeof err);
	cli_remote_parse_error(resp->status, resp->body, resp->len, &err);
	if (resp->status == 401 && r != NULL && kcfg == NULL)
		cli_error(ctx, "the queue server at %s needs your cluster "
		    "credential, and there is none: %s; check the credentials "
		    "in your kubeconfig", ctx->server, r->no_config);
	else if (resp->status == 401 && kcfg != NULL &&
	    !cli_remote_has_bearer(kcfg))
		cli_error(ctx, "the queue server at %s needs your cluster "
		    "credential, and there is none: user '%s' of context '%s' "
		    "has no bearer token (client certificates are not sent to "
		    "the queue server); check the credentials in your "
		    "kubeconfig", ctx->server, kube_config_user(kcfg),
		    kube_config_context(kcfg));
	else if (resp->status == 401 && kcfg != NULL)
		cli_error(ctx, "the queue server at %s refused the credentials "
		    "of user '%s' in context '%s' (%s); check them in your "
		    "kubeconfig", ctx->server, kube_config_user(kcfg),
		    kube_config_context(kcfg), err.message);
	else if (resp->status == 401)
		cli_error(ctx, "%s: check the credentials in your kubeconfig",
		    err.message);
	else
		cli_error(ctx, "%s", err.message);
	api_error_release(&err);
	return cli_remote_exit_status(resp->status);
}

/* See cli-remote.h. */
void
cli_remote_resp_from(struct kube_response *kr, struct cli_remote_resp *resp)
{
	static const struct {
		const char *name;
		size_t off, size;
	} known[] = {
		{ "X-Ailab-Log-Source", offsetof(struct cli_remote_resp,
		    source), sizeof ((struct cli_remote_resp *)0)->source },
		{ "X-Ailab-Log-Pod", offsetof(struct cli_remote_resp, pod),
		    sizeof ((struct cli_remote_resp *)0)->pod },
		{ "X-Ailab-Log-Node", offsetof(struct cli_remote_resp, node),
		    sizeof ((struct cli_remote_resp *)0)->node },
		{ "X-Ailab-Log-Attempt", offsetof(struct cli_remote_resp,
		    attempt), sizeof ((struct cli_remote_resp *)0)->attempt },
		{ "X-Ailab-Log-Truncated", offsetof(struct cli_remote_resp,
		    truncated), sizeof ((struct cli_remote_resp *)0)->truncated },
	};
	const char *v;
	size_t i;

	memset(resp, 0, sizeof *resp);
	resp->status = kr->status;
	resp->body = kr->text;
	resp->len = kr->text_len;
	kr->text = NULL;
	kr->text_len = 0;
	for (i = 0; i < nitems(known); i++) {
		if ((v = kube_response_header(kr, known[i].name)) != NULL)
			snprintf((char *)resp + known[i].off, known[i].size,
			    "%s", v);
	}
}

/* See cli-remote.h. */
char *
cli_remote_transport_error(const char *server, const struct kube_error *e,
    size_t max)
{
	if (e == NULL)
		return xprintf("the queue server at %s sent no answer", server);
	if (kube_error_is(e, "TooLarge"))
		return xprintf("the answer of the queue server at %s is larger "
		    "than %zu bytes", server, max);
	if (e->code == 401)
		/* The credential could not be had (an exec plugin failed):
		 * the message says why, and holds no credential. */
		return xstrdup(e->message);
	return xprintf("cannot reach the queue server at %s: %s", server,
	    e->message);
}

/* See cli-remote.h. */
void
cli_remote_resp_release(struct cli_remote_resp *resp)
{
	free(resp->body);
	memset(resp, 0, sizeof *resp);
}

/* See cli-remote.h: the content type is the API's (YAML for a spec). */
int
cli_remote_call(struct cli_ctx *ctx, const char *method, const char *path,
    const char *query, const char *body, size_t blen, size_t max,
    long timeout_s, struct cli_remote_resp *resp)
{
	struct kube_bytes_opts o = { 0 };
	struct kube_response *kr;
	struct cli_remote *r;
	char *p, *msg;

	memset(resp, 0, sizeof *resp);
	if ((r = cli_remote(ctx)) == NULL)
		return CLI_EXIT_FAIL;
	p = xprintf("%s%s%s", path, query != NULL && *query != '\0' ? "?" : "",
	    query != NULL ? query : "");
	o.body = body;
	o.len = blen;
	o.content_type = body != NULL && strcmp(path, API_PREFIX "/jobs") == 0 ?
	    "application/yaml" : "application/json";
	o.timeout_ms = (int)(timeout_s * 1000);
	o.max_body = max;
	log_debug("%s %s%s", method, ctx->server, path);
	kr = kube_wait(r->kc, kube_request_bytes(r->kc, method, p, &o, NULL,
	    NULL));
	free(p);
	if (kr->status == 0) {
		msg = cli_remote_transport_error(ctx->server, kr->error, max);
		cli_error_take(ctx, msg);
		kube_response_free(kr);
		return CLI_EXIT_FAIL;
	}
	cli_remote_resp_from(kr, resp);
	kube_response_free(kr);
	return CLI_EXIT_OK;
}

/* See cli-remote.h. */
int
cli_remote_json_take(struct cli_ctx *ctx, struct cli_remote_resp *resp,
    json_t **out)
{
	json_error_t jerr;
	int ret = CLI_EXIT_OK;

	*out = NULL;
	if (resp->status < 200 || resp->status > 299)
		ret = cli_remote_fail(ctx, resp);
	else if (resp->body == NULL || (*out = json_loadb(resp->body,
	    resp->len, 0, &jerr)) == NULL) {
		cli_error(ctx, "the queue server at %s sent malformed JSON: %s",
		    ctx->server, resp->body == NULL ? "no body" : jerr.text);
		ret = CLI_EXIT_FAIL;
	}
	cli_remote_resp_release(resp);
	return ret;
}

/* See cli-remote.h. */
int
cli_remote_get_json(struct cli_ctx *ctx, const char *path, const char *query,
    json_t **out)
{
	struct cli_remote_resp resp;
	int ret;

	*out = NULL;
	if ((ret = cli_remote_call(ctx, "GET", path, query, NULL, 0,
	    CLI_REMOTE_MAX_ANSWER, 120, &resp)) != CLI_EXIT_OK)
		return ret;
	return cli_remote_json_take(ctx, &resp, out);
}

/* See cli-remote.h. */
void
cli_remote_query_add(struct cli_ctx *ctx, char **q, const char *key,
    const char *value)
{
	char *esc, *tmp;

	(void)ctx;
	esc = kube_escape(value);
	tmp = xprintf("%s%s%s=%s", *q != NULL ? *q : "", *q != NULL &&
	    **q != '\0' ? "&" : "", key, esc);
	free(esc);
	free(*q);
	*q = tmp;
}
