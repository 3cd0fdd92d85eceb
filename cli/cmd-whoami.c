/* whoami: the user the cluster sees (SelfSubjectReview) and the namespace. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "cli-remote.h"
#include "kube.h"

/* Explains a failed request in one line, without credentials. */
static void
cmd_whoami_error(struct cli_ctx *ctx, const struct kube_config *cfg,
    const struct kube_response *r)
{
	const struct kube_error *e = r->error;
	char *msg = kube_error_string(e);

	if (e->code == 0)
		cli_error(ctx, "cannot reach the cluster: %s", msg);
	else if (r->status == 0)
		cli_error(ctx, "%s", msg);     /* credentials failed here */
	else if (kube_is_unauthorized(e))
		cli_error(ctx, "the cluster at %s refused the credentials of "
		    "user '%s' in context '%s' (%s)", kube_config_server(cfg),
		    kube_config_user(cfg), kube_config_context(cfg), msg);
	else
		cli_error(ctx, "cannot ask %s who you are: %s",
		    kube_config_server(cfg), msg);
	free(msg);
}

/* Prints who the user is (a SelfSubjectReview's userInfo, or the queue
 * server's answer) with the kubeconfig's context and server. */
static int
cmd_whoami_print(struct cli_ctx *ctx, const struct kube_config *cfg,
    json_t *ui)
{
	static const char *const names[] = { "Username", "Groups",
	    "Namespace", "Context", "Server" };
	struct cli_table *t;
	json_t *out, *groups, *g;
	const char *user, *context, *server, *rows[5];
	char *gs = NULL;
	size_t i;
	int ret;

	user = json_string_value(json_object_get(ui, "username"));
	groups = json_object_get(ui, "groups");
	context = cfg != NULL ? kube_config_context(cfg) : "";
	server = cfg != NULL ? kube_config_server(cfg) : "";
	if (user == NULL) {
		cli_error(ctx, "the %s at %s sent no username", cfg != NULL &&
		    ctx->server == NULL ? "cluster" : "queue server",
		    ctx->server != NULL ? ctx->server : server);
		return CLI_EXIT_FAIL;
	}
	if (cli_output_is_machine(ctx)) {
		out = json_pack("{s:s,s:o,s:s,s:s,s:s}", "username", user,
		    "groups", json_is_array(groups) ? json_incref(groups) :
		    json_array(),
		    "namespace", cli_default_namespace(ctx), "context",
		    context, "server", server);
		if (json_object_get(ui, "uid") != NULL)
			json_object_set(out, "uid", json_object_get(ui, "uid"));
		ret = cli_print_value(ctx, out) == 0 ? CLI_EXIT_OK :
		    CLI_EXIT_FAIL;
		json_decref(out);
		return ret;
	}
	json_array_foreach(groups, i, g) {
		xappendf(&gs, "%s%s", gs != NULL ? "," : "",
		    json_string_value(g) ? json_string_value(g) : "");
	}
	rows[0] = user;
	rows[1] = gs;
	rows[2] = cli_default_namespace(ctx);
	rows[3] = context;
	rows[4] = server;
	t = cli_table_new((const char *const[]){ "ATTRIBUTE", "VALUE" }, 2);
	for (i = 0; i < nitems(rows); i++)
		cli_table_add(t, (const char *[]){ names[i], rows[i] });
	cli_table_print(t, stdout);
	cli_table_free(t);
	free(gs);
	return CLI_EXIT_OK;
}

/* Asks the cluster who the credentials belong to, as kubectl auth whoami;
 * with a queue server, asks the server, which asks the cluster. */
static int
cmd_whoami_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct kube_client *kc;
	const struct kube_config *cfg;
	struct kube_response *resp;
	json_t *ui;
	char *cause = NULL;
	int ret = CLI_EXIT_FAIL;

	(void)argc;
	(void)argv;
	if (cli_queue(ctx) != &cli_queue_local) {
		if ((ret = cli_remote_get_json(ctx, API_PREFIX "/whoami", NULL,
		    &ui)) != CLI_EXIT_OK)
			return ret;
		cfg = cli_kube_config(ctx, &cause);
		free(cause);
		ret = cmd_whoami_print(ctx, cfg, ui);
		json_decref(ui);
		return ret;
	}
	if ((kc = cli_kube(ctx)) == NULL)
		return CLI_EXIT_FAIL;
	cfg = kube_client_config(kc);
	resp = kube_wait(kc, kube_self_subject_review(kc, NULL, NULL));
	if (resp->error != NULL) {
		cmd_whoami_error(ctx, cfg, resp);
		goto out;
	}
	ui = json_object_get(json_object_get(resp->body, "status"), "userInfo");
	ret = cmd_whoami_print(ctx, cfg, ui);
out:
	kube_response_free(resp);
	return ret;
}

const struct cli_cmd cli_cmd_whoami = {
	.name = "whoami",
	.usage = "",
	.summary = "show the user the cluster sees and the namespace in use",
	.help = "Asks the cluster (SelfSubjectReview, as 'kubectl auth whoami')\n"
	    "who the kubeconfig's credentials belong to.\n",
	.flags = CLI_REMOTE,
	.exec = cmd_whoami_exec,
};
