/*
 * quota: the namespace's ResourceQuotas (used and hard per resource) and,
 * where the user may list nodes and pods, the free GPUs per GPU type.
 */
#include "cli.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "cli-remote.h"
#include "kube.h"

/* True if a SelfSubjectAccessReview came back allowed. */
static bool
quota_allowed(struct kube_response *r)
{
	return r != NULL && r->error == NULL && json_is_true(json_object_get(
	    json_object_get(r->body, "status"), "allowed"));
}

/*
 * One row of GPU counts: a node's (name, type, ready) or a type's and the
 * total's (name, then the count of nodes), then allocatable, used, free.
 */
static void
quota_gpu_row(struct cli_table *t, json_t *x, const char *name,
    const char *type, const char *ready)
{
	static const char *const keys[] = { "nodes", "allocatable", "used",
	    "free" };
	const char *cells[6];
	char num[4][32];
	size_t i, n = 0, k = type != NULL ? 1 : 0;

	cells[n++] = name;
	if (type != NULL) {
		cells[n++] = type;
		cells[n++] = ready;
	}
	for (i = k; i < nitems(keys); i++) {
		snprintf(num[i], sizeof num[i], "%" JSON_INTEGER_FORMAT,
		    json_integer_value(json_object_get(x, keys[i])));
		cells[n++] = num[i];
	}
	cli_table_add(t, cells);
}

/* The human form: one table of quotas, one of GPUs (per node if wide). */
static void
quota_print(struct cli_ctx *ctx, json_t *out)
{
	static const char *const rk[] = { "resource", "used", "hard",
		"free" };
	json_t *q, *r, *gpus = json_object_get(out, "gpus"), *x;
	struct cli_table *t;
	const char *cells[5];
	size_t i, j, k;

	fputs("Namespace: ", stdout);
	cli_put_text(stdout, json_string_value(json_object_get(out,
	    "namespace")));
	fputs("\n\n", stdout);
	if (json_array_size(json_object_get(out, "quotas")) == 0)
		printf("No ResourceQuota in this namespace.\n");
	else {
		t = cli_table_new((const char *const[]){ "QUOTA", "RESOURCE",
		    "USED", "HARD", "FREE" }, 5);
		json_array_foreach(json_object_get(out, "quotas"), i, q) {
			cells[0] = json_string_value(json_object_get(q,
			    "name"));
			json_array_foreach(json_object_get(q, "resources"), j,
			    r) {
				for (k = 0; k < nitems(rk); k++)
					cells[k + 1] = json_string_value(
					    json_object_get(r, rk[k]));
				cli_table_add(t, cells);
			}
		}
		cli_table_print(t, stdout);
		cli_table_free(t);
	}
	printf("\n");
	if (!json_is_true(json_object_get(gpus, "allowed"))) {
		fputs("Free GPUs: not shown: ", stdout);
		cli_put_text(stdout, json_string_value(json_object_get(gpus,
		    "reason")));
		fputc('\n', stdout);
		printf("A scheduler with these credentials admits on quota "
		    "alone (namespace-only\nsight): it judges a GPU type full "
		    "when one of its pods is Unschedulable for\nGPUs, and gives "
		    "such a gang back after 30s.  A shared queue ('--server')\n"
		    "sees every node.\n");
		return;
	}
	if (ctx->output == CLI_OUTPUT_WIDE) {
		t = cli_table_new((const char *const[]){ "NODE", "GPU TYPE",
		    "READY", "ALLOCATABLE", "USED", "FREE" }, 6);
		json_array_foreach(json_object_get(gpus, "nodes"), i, x)
			quota_gpu_row(t, x, json_string_value(
			    json_object_get(x, "name")), json_string_value(
			    json_object_get(x, "type")), json_is_true(
			    json_object_get(x, "ready")) ? "yes" : "no");
		cli_table_print(t, stdout);
		cli_table_free(t);
		printf("\n");
	}
	t = cli_table_new((const char *const[]){ "GPU TYPE", "NODES",
	    "ALLOCATABLE", "USED", "FREE" }, 5);
	json_array_foreach(json_object_get(gpus, "types"), i, x)
		quota_gpu_row(t, x, json_string_value(json_object_get(x,
		    "type")), NULL, NULL);
	quota_gpu_row(t, json_object_get(gpus, "total"), "TOTAL", NULL, NULL);
	cli_table_print(t, stdout);
	cli_table_free(t);
}

/* The free GPUs, if the user may list nodes and pods; else why not. */
static json_t *
quota_gpus(struct kube_client *kc)
{
	struct kube_list_opts live = { .field_selector =
	    "status.phase!=Succeeded,status.phase!=Failed" };
	struct kube_response *an, *ap, *rn = NULL, *rp = NULL;
	struct kube_request *nreq, *preq;
	json_t *gpus;
	char *msg;

	nreq = kube_access_review(kc, "list", "", "nodes", NULL, NULL, NULL);
	preq = kube_access_review(kc, "list", "", "pods", NULL, NULL, NULL);
	an = kube_wait(kc, nreq);
	ap = kube_wait(kc, preq);
	if (quota_allowed(an) && quota_allowed(ap)) {
		nreq = kube_list(kc, KUBE_NODES, NULL, NULL, NULL, NULL);
		preq = kube_list(kc, KUBE_PODS, NULL, &live, NULL, NULL);
		rn = kube_wait(kc, nreq);
		rp = kube_wait(kc, preq);
	}
	if (rn != NULL && rn->error == NULL && rp != NULL && rp->error == NULL)
		gpus = kube_gpus_json(rn->body, rp->body);
	else {
		const struct kube_error *e = an->error != NULL ? an->error :
		    ap->error != NULL ? ap->error : rn != NULL &&
		    rn->error != NULL ? rn->error : rp != NULL ? rp->error :
		    NULL;

		msg = e != NULL ? kube_error_string(e) : xprintf("user '%s' "
		    "may not list nodes and pods in all namespaces",
		    kube_config_user(kube_client_config(kc)));
		gpus = json_pack("{s:b,s:s}", "allowed", 0, "reason", msg);
		free(msg);
	}
	kube_response_free(an);
	kube_response_free(ap);
	kube_response_free(rn);
	kube_response_free(rp);
	return gpus;
}

/* The namespace's quotas as a queue server reads them for the user. */
static int
quota_remote(struct cli_ctx *ctx, const char *ns, json_t **out)
{
	char *q = NULL;
	int ret;

	cli_remote_query_add(ctx, &q, "namespace", ns);
	ret = cli_remote_get_json(ctx, API_PREFIX "/quota", q, out);
	free(q);
	return ret;
}

/* Shows quota and free GPUs; the quota list is in flight meanwhile. */
static int
cmd_quota_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct kube_response *rq = NULL;
	struct kube_request *qreq = NULL;
	struct kube_client *kc = NULL;
	const char *ns;
	json_t *out = NULL, *gpus;
	char *msg, *cause = NULL;
	int ret = CLI_EXIT_FAIL;

	(void)argc;
	(void)argv;
	ns = cli_default_namespace(ctx);
	if (cli_queue(ctx) != &cli_queue_local) {
		/* The quotas from the server; the free GPUs, which the
		 * server does not serve, from the cluster when reachable. */
		if ((ret = quota_remote(ctx, ns, &out)) != CLI_EXIT_OK)
			return ret;
		ret = CLI_EXIT_FAIL;
		if (cli_kube_config(ctx, &cause) == NULL) {
			gpus = json_pack("{s:b,s:s}", "allowed", 0, "reason",
			    cause);
			free(cause);
		} else if ((kc = cli_kube(ctx)) == NULL)
			goto out;
		else
			gpus = quota_gpus(kc);
	} else {
		if ((kc = cli_kube(ctx)) == NULL)
			return CLI_EXIT_FAIL;
		qreq = kube_list(kc, KUBE_RESOURCEQUOTAS, ns, NULL, NULL, NULL);
		gpus = quota_gpus(kc);
		rq = kube_wait(kc, qreq);
		if (rq->error != NULL) {
			msg = kube_error_string(rq->error);
			cli_error(ctx, "cannot list the ResourceQuotas of "
			    "namespace '%s': %s", ns, msg);
			free(msg);
			json_decref(gpus);
			goto out;
		}
		out = json_pack("{s:s,s:o}", "namespace", ns, "quotas",
		    kube_quotas_json(rq->body));
	}
	json_object_set_new(out, "gpus", gpus);
	if (cli_output_is_machine(ctx))
		ret = cli_print_value(ctx, out) == 0 ? CLI_EXIT_OK :
		    CLI_EXIT_FAIL;
	else {
		quota_print(ctx, out);
		ret = CLI_EXIT_OK;
	}
out:
	json_decref(out);
	kube_response_free(rq);
	return ret;
}

const struct cli_cmd cli_cmd_quota = {
	.name = "quota",
	.usage = "",
	.summary = "show the namespace's quota and the free GPUs per type",
	.help = "Shows each ResourceQuota of the namespace (used, hard and free\n"
	    "per resource) and, if you may list nodes and pods, the free GPUs\n"
	    "per GPU type (node label gpu-model, else nvidia.com/gpu.product):\n"
	    "allocatable minus the requests of pods that are not finished,\n"
	    "counting only nodes that are Ready and schedulable.  -o wide\n"
	    "adds one line per node; -o json and -o yaml print everything.\n",
	.flags = CLI_REMOTE,
	.exec = cmd_quota_exec,
};
