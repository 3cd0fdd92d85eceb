/* logs: a job's output, live while it runs, archived after. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli-remote.h"
#include "kube.h"
#include "spec.h"

static const struct cli_opt cmd_logs_opts[] = {
	{ "rank", 'r', CLI_OPT_STRING, "N", "the replica (default 0)" },
	{ "follow", 'f', CLI_OPT_FLAG, NULL, "keep streaming while it runs" },
	{ "tail", 0, CLI_OPT_STRING, "N", "only the last N lines" },
	{ NULL, 0, 0, NULL, NULL }
};

/* Prints the last n lines of text (all when n < 0). */
static void
cmd_logs_tail(const char *text, size_t len, long n)
{
	const char *p = text + len;
	long lines = 0;

	if (n >= 0) {
		if (len > 0 && p[-1] == '\n')
			p--;
		while (p > text) {
			if (p[-1] == '\n' && ++lines == n)
				break;
			p--;
		}
	} else
		p = text;
	fwrite(p, 1, (size_t)(text + len - p), stdout);
}

/* Streams log bytes to stdout as they arrive. */
static void
cmd_logs_data(const char *buf, size_t len, void *arg)
{
	(void)arg;
	fwrite(buf, 1, len, stdout);
	fflush(stdout);
}

/* The archived log of a rank of the job's last attempt. */
static int
cmd_logs_archived(struct cli_ctx *ctx, const struct store_job *j, int rank,
    long tail)
{
	struct store_replica *r = NULL, *best = NULL;
	size_t n = 0, i;
	char *cause = NULL;

	if (store_replicas(cli_store(ctx), j->id, &r, &n, &cause) != 0) {
		cli_error(ctx, "%s", cause);
		free(cause);
		return CLI_EXIT_FAIL;
	}
	for (i = 0; i < n; i++)
		if (r[i].rank == rank && (best == NULL ||
		    r[i].attempt > best->attempt))
			best = &r[i];
	if (best == NULL) {
		cli_error(ctx, "job %lld has no log for rank %d%s",
		    (long long)j->id, rank, j->state == STORE_QUEUED ||
		    j->state == STORE_HELD ? " (it has not run yet)" : "");
		store_replicas_free(r, n);
		return CLI_EXIT_FAIL;
	}
	cli_info(ctx, "archived log of job %lld rank %d, attempt %d%s%s "
	    "(its pods are gone)%s", (long long)j->id, rank, best->attempt,
	    *best->node ? ", node " : "", best->node,
	    best->log_truncated ? "; only the end of the log was kept" : "");
	cmd_logs_tail(best->log, best->log_len, tail);
	store_replicas_free(r, n);
	return CLI_EXIT_OK;
}

/* The live log of a rank, from the pod of the job's current attempt. */
static int
cmd_logs_live(struct cli_ctx *ctx, const struct store_job *j, int rank,
    long tail, bool follow)
{
	struct kube_client *kube;
	struct kube_list_opts lo = { 0 };
	struct kube_log_opts opts = { .tail_lines = (int)tail };
	struct kube_response *resp, *logs;
	json_t *pod, *cs;
	char *sel, *err;
	int ret = CLI_EXIT_FAIL;

	if ((kube = cli_kube(ctx)) == NULL)
		return -1;
	/* The rank is picked from the answer: Indexed Job pods carry it in
	 * an annotation, which a selector cannot match. */
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
	pod = spec_pick_pod(kube_list_items(resp->body), rank, j->attempts);
	if (pod == NULL) {
		kube_response_free(resp);
		return -1;
	}
	/* The wrapper's first run is the previous container once it ended. */
	cs = json_array_get(json_object_get(json_object_get(pod, "status"),
	    "containerStatuses"), 0);
	opts.previous = json_object_get(json_object_get(cs, "lastState"),
	    "terminated") != NULL;
	opts.follow = follow && !opts.previous;
	cli_info(ctx, "live log of job %lld rank %d (pod %s)", (long long)j->id,
	    rank, kube_obj_name(pod));
	logs = kube_wait(kube, kube_pod_logs(kube, j->namespace,
	    kube_obj_name(pod), &opts, cmd_logs_data, NULL, NULL));
	if (logs->error != NULL) {
		err = kube_error_string(logs->error);
		cli_error(ctx, "reading the log: %s", err);
		free(err);
	} else
		ret = CLI_EXIT_OK;
	kube_response_free(logs);
	kube_response_free(resp);
	return ret;
}

/* The log as a queue server read it, introduced as the local one is. */
static int
cmd_logs_remote(struct cli_ctx *ctx, const struct store_job *j, int rank,
    long tail, bool follow)
{
	struct cli_remote_log log;
	int ret;

	if ((ret = cli_remote_logs(ctx, j->id, rank, tail, &log)) !=
	    CLI_EXIT_OK)
		return ret;
	if (log.live) {
		cli_info(ctx, "live log of job %lld rank %d (pod %s)",
		    (long long)j->id, rank, log.pod);
		if (follow)
			cli_info(ctx, "warning: the queue server does not stream "
			    "logs: this is the log so far");
	} else
		cli_info(ctx, "archived log of job %lld rank %d, attempt %d%s%s "
		    "(its pods are gone)%s", (long long)j->id, rank,
		    log.attempt, *log.node ? ", node " : "", log.node,
		    log.truncated ? "; only the end of the log was kept" : "");
	fwrite(log.text, 1, log.len, stdout);
	free(log.text);
	return CLI_EXIT_OK;
}

/* Shows live logs while the job is on the cluster, else the archive. */
static int
cmd_logs_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct store_job *j = NULL;
	const char *r = cli_string(ctx, "rank"), *t = cli_string(ctx, "tail");
	int64_t id;
	long tail = -1;
	int rank = 0, ret;
	char *end;

	(void)argc;
	if (cli_parse_id(ctx, argv[0], &id) != 0)
		return CLI_EXIT_USAGE;
	if (r != NULL) {
		rank = (int)strtol(r, &end, 10);
		if (*r == '\0' || *end != '\0' || rank < 0) {
			cli_error(ctx, "invalid value for '--rank': '%s'", r);
			return CLI_EXIT_USAGE;
		}
	}
	if (t != NULL) {
		tail = strtol(t, &end, 10);
		if (*t == '\0' || *end != '\0' || tail < 0) {
			cli_error(ctx, "invalid value for '--tail': '%s'", t);
			return CLI_EXIT_USAGE;
		}
	}
	if ((ret = cli_queue(ctx)->get(ctx, id, &j)) != CLI_EXIT_OK)
		return ret;
	if (j == NULL) {
		cli_error(ctx, "job %lld not found", (long long)id);
		return CLI_EXIT_FAIL;
	}
	if (rank >= j->replicas) {
		cli_error(ctx, "job %lld has %d replica%s: no rank %d",
		    (long long)id, j->replicas, j->replicas == 1 ? "" : "s",
		    rank);
		store_job_free(j);
		return CLI_EXIT_USAGE;
	}
	if (cli_queue(ctx) != &cli_queue_local) {
		ret = cmd_logs_remote(ctx, j, rank, tail, cli_flag(ctx,
		    "follow"));
		store_job_free(j);
		return ret;
	}
	ret = -1;
	if (store_state_is_active(j->state))
		ret = cmd_logs_live(ctx, j, rank, tail, cli_flag(ctx, "follow"));
	if (ret == -1)
		ret = cmd_logs_archived(ctx, j, rank, tail);
	store_job_free(j);
	return ret;
}

const struct cli_cmd cli_cmd_logs = {
	.name = "logs",
	.usage = "ID [--rank N] [-f] [--tail N]",
	.summary = "print a job's log: live while it runs, archived after",
	.opts = cmd_logs_opts,
	.flags = CLI_NEEDS_STORE | CLI_REMOTE | CLI_READS,
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_logs_exec,
};
