/*
 * exec and shell: a command in a running job's pod, through the real
 * kubectl.  Debian 12's libcurl (7.88) has no WebSocket client, and exec
 * is a WebSocket (v5.channel.k8s.io, SPDY as kubectl's fallback), so
 * ailab-queue finds the pod and hands over to kubectl with an argv array:
 * no shell, the user's words only as separate entries after "--".
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli-remote.h"
#include "kube.h"
#include "spec.h"

#define CMD_EXEC_MAX_ARGS 4096	/* words of the remote command, bounded */

/* What shell runs in the container: bash where there is one, else sh.
 * Fixed text, run by the container's sh; nothing of the user's in it. */
static const char cmd_exec_shell_script[] =
    "if [ -x /bin/bash ]; then exec /bin/bash; else exec /bin/sh; fi";

/* Which pod and container, for exec and shell alike. */
#define CMD_EXEC_POD_OPTS \
	{ "rank", 'r', CLI_OPT_STRING, "N", "the replica (default 0)" }, \
	{ "container", 'c', CLI_OPT_STRING, "NAME", \
	  "the container (default the pod's first)" }

static const struct cli_opt cmd_exec_opts[] = {
	CMD_EXEC_POD_OPTS,
	{ "stdin", 'i', CLI_OPT_FLAG, NULL, "pass stdin to the command" },
	{ "tty", 't', CLI_OPT_FLAG, NULL, "allocate a terminal" },
	{ NULL, 0, 0, NULL, NULL }
};

static const struct cli_opt cmd_shell_opts[] = {
	CMD_EXEC_POD_OPTS,
	{ NULL, 0, 0, NULL, NULL }
};

/* True if name is an executable file in $PATH, for a clear error before
 * the process is replaced. */
static bool
cmd_exec_has_program(const char *name)
{
	const char *path = getenv("PATH"), *p, *colon;
	char buf[PATH_MAX];
	int n;

	if (path == NULL)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path; ; p = colon + 1) {
		colon = strchr(p, ':');
		n = snprintf(buf, sizeof buf, "%.*s/%s", colon != NULL ?
		    (int)(colon - p) : (int)strlen(p), p, name);
		if (n > 0 && (size_t)n < sizeof buf && access(buf, X_OK) == 0)
			return true;
		if (colon == NULL)
			return false;
	}
}

/*
 * The pod of a rank of the job's current attempt, picked as logs picks it
 * (spec_pick_pod over the job's label-selected pods), and its first
 * container's name.  Prints its own error; the pod is a copy to decref.
 */
static json_t *
cmd_exec_local_pod(struct cli_ctx *ctx, const struct store_job *j, int rank)
{
	json_t *pod;

	if (cli_job_pod(ctx, j, rank, &pod) != 0)
		return NULL;
	if (pod == NULL)
		cli_error(ctx, "job %lld has no pod for rank %d in attempt %d",
		    (long long)j->id, rank, j->attempts);
	return pod;
}

/*
 * Replaces this process with kubectl exec; returns only on failure.  The
 * kubeconfig and context are the ones ailab-queue resolved, the namespace
 * the job's; kubectl's exit status is the remote command's.
 */
static int
cmd_exec_kubectl(struct cli_ctx *ctx, const char *ns, const char *pod,
    const char *ctr, bool in, bool tty, int argc, char **argv)
{
	const struct kube_config *cfg;
	const char *kc = cli_string(ctx, "kubeconfig"), *context;
	char **av, *cause = NULL;
	int n = 0, i;

	if ((cfg = cli_kube_config(ctx, &cause)) == NULL) {
		cli_error_take(ctx, cause);
		return CLI_EXIT_FAIL;
	}
	if (!cmd_exec_has_program("kubectl")) {
		cli_error(ctx, "'kubectl' is not on PATH: exec and shell run "
		    "'kubectl exec' (install kubectl)");
		return CLI_EXIT_FAIL;
	}
	context = kube_config_context(cfg);
	av = xcalloc((size_t)argc + 16, sizeof *av);
	av[n++] = xstrdup("kubectl");
	if (kc != NULL)
		av[n++] = xprintf("--kubeconfig=%s", kc);
	/* In a pod kubectl finds the service account itself. */
	if (strcmp(context, "in-cluster") != 0)
		av[n++] = xprintf("--context=%s", context);
	av[n++] = xprintf("--namespace=%s", ns);
	av[n++] = xstrdup("exec");
	av[n++] = xstrdup(pod);
	av[n++] = xprintf("--container=%s", ctr);
	if (in)
		av[n++] = xstrdup("--stdin");
	if (tty)
		av[n++] = xstrdup("--tty");
	av[n++] = xstrdup("--");
	for (i = 0; i < argc; i++)
		av[n++] = argv[i];
	av[n] = NULL;
	log_debug("running kubectl exec in pod %s, container %s", pod, ctr);
	fflush(stdout);
	fflush(stderr);
	execvp("kubectl", av);
	cli_error(ctx, "running 'kubectl': %s", strerror(errno));
	return CLI_EXIT_FAIL;
}

/* Checks that the job runs and has the rank; the job is the caller's. */
static int
cmd_exec_job(struct cli_ctx *ctx, const char *ids, int rank,
    struct store_job **jp)
{
	struct store_job *j = NULL;
	int64_t id;
	int ret;

	*jp = NULL;
	if (cli_parse_id(ctx, ids, &id) != 0)
		return CLI_EXIT_USAGE;
	if ((ret = cli_queue(ctx)->get(ctx, id, &j)) != CLI_EXIT_OK)
		return ret;
	if (j->state != STORE_RUNNING) {
		cli_error(ctx, "job %lld is %s, not running: there is no "
		    "container to exec into", (long long)id,
		    store_state_name(j->state));
		store_job_free(j);
		return CLI_EXIT_FAIL;
	}
	if (rank >= j->replicas) {
		cli_error(ctx, "job %lld has %d replica%s: no rank %d",
		    (long long)id, j->replicas, j->replicas == 1 ? "" : "s",
		    rank);
		store_job_free(j);
		return CLI_EXIT_FAIL;
	}
	*jp = j;
	return CLI_EXIT_OK;
}

/*
 * The pod of the rank: from the cluster for the local queue; through a
 * queue server, the pod its log names (the server knows its queue's
 * labels), and only with a kubeconfig of the user's own, since the server
 * does not proxy exec.  *name and *ctr are the caller's.
 */
static int
cmd_exec_find(struct cli_ctx *ctx, const struct store_job *j, int rank,
    char **name, char **ctr)
{
	struct cli_remote_log log;
	const char *c = cli_string(ctx, "container");
	json_t *pod;
	int ret;

	if (cli_queue(ctx) != &cli_queue_local) {
		if ((ret = cli_remote_logs(ctx, j->id, rank, 0, 0, &log)) !=
		    CLI_EXIT_OK)
			return ret;
		free(log.text);
		if (!log.live || log.pod[0] == '\0') {
			cli_error(ctx, "job %lld has no pod for rank %d",
			    (long long)j->id, rank);
			return CLI_EXIT_FAIL;
		}
		*name = xstrdup(log.pod);
		*ctr = c != NULL ? xstrdup(c) : NULL;
		return CLI_EXIT_OK;
	}
	if ((pod = cmd_exec_local_pod(ctx, j, rank)) == NULL)
		return CLI_EXIT_FAIL;
	*name = xstrdup(kube_obj_name(pod));
	if (c == NULL)
		c = json_string_value(json_object_get(json_array_get(
		    json_object_get(json_object_get(pod, "spec"), "containers"),
		    0), "name"));
	*ctr = c != NULL ? xstrdup(c) : NULL;
	json_decref(pod);
	return CLI_EXIT_OK;
}

/* exec and shell: argv[0] the job, the rest the command (exec only);
 * shell is exec -it of bash, or sh without bash. */
static int
cmd_exec_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	static char *shell_argv[] = { (char *)"/bin/sh", (char *)"-c",
	    (char *)cmd_exec_shell_script };
	bool shell = strcmp(ctx->cmd->name, "shell") == 0;
	struct store_job *j = NULL;
	char *pod = NULL, *ctr = NULL, *cause = NULL;
	long rank;
	int ret;
	bool in, tty;

	if (cli_number(ctx, "rank", 0, 0, &rank) != 0)
		return CLI_EXIT_USAGE;
	if (argc - 1 > CMD_EXEC_MAX_ARGS) {
		cli_error(ctx, "too many words in the command (at most %d)",
		    CMD_EXEC_MAX_ARGS);
		return CLI_EXIT_USAGE;
	}
	if (cli_queue(ctx) != &cli_queue_local &&
	    cli_kube_config(ctx, &cause) == NULL) {
		cli_error(ctx, "the queue server ('%s', from %s) does not proxy "
		    "exec: it needs a kubeconfig of your own (%s)", ctx->server,
		    ctx->server_from, cause);
		free(cause);
		return CLI_EXIT_USAGE;
	}
	if ((ret = cmd_exec_job(ctx, argv[0], rank, &j)) != CLI_EXIT_OK)
		return ret;
	ret = cmd_exec_find(ctx, j, rank, &pod, &ctr);
	if (ret == CLI_EXIT_OK && ctr == NULL) {
		cli_error(ctx, "pod %s has no container: name one with '-c'",
		    pod);
		ret = CLI_EXIT_FAIL;
	}
	if (ret == CLI_EXIT_OK) {
		if (shell) {
			in = true;
			tty = isatty(STDIN_FILENO) != 0;
			ret = cmd_exec_kubectl(ctx, j->namespace, pod, ctr, in,
			    tty, 3, shell_argv);
		} else {
			in = cli_flag(ctx, "stdin");
			tty = cli_flag(ctx, "tty");
			ret = cmd_exec_kubectl(ctx, j->namespace, pod, ctr, in,
			    tty, argc - 1, argv + 1);
		}
	}
	free(pod);
	free(ctr);
	store_job_free(j);
	return ret;
}

const struct cli_cmd cli_cmd_exec = {
	.name = "exec",
	.usage = "ID [--rank N] [-c CONTAINER] [-i] [-t] -- CMD [ARG...]",
	.summary = "run a command in a running job's pod (through kubectl)",
	.help = "Runs 'kubectl exec' on the pod of the rank (default 0) of the\n"
	    "job's current attempt, with the kubeconfig, context and\n"
	    "namespace ailab-queue uses; kubectl speaks WebSocket\n"
	    "(v5.channel.k8s.io, SPDY as its fallback) to the API server. The\n"
	    "command's words go to kubectl as separate arguments after '--',\n"
	    "never through a shell. The exit status is the command's. The job\n"
	    "must be running. Through a queue server exec needs a kubeconfig\n"
	    "of your own: the server does not proxy it.",
	.opts = cmd_exec_opts,
	.flags = CLI_NEEDS_STORE | CLI_REMOTE | CLI_READS,
	.min_args = 2,
	.max_args = -1,
	.exec = cmd_exec_exec,
};

const struct cli_cmd cli_cmd_shell = {
	.name = "shell",
	.usage = "ID [--rank N] [-c CONTAINER]",
	.summary = "an interactive shell in a running job's pod",
	.help = "exec -i (and -t when stdin is a terminal) of /bin/bash in the\n"
	    "container, or /bin/sh when it has no /bin/bash: the container's\n"
	    "sh runs 'if [ -x /bin/bash ]; then exec /bin/bash; else exec\n"
	    "/bin/sh; fi'. Everything else is as for exec.",
	.opts = cmd_shell_opts,
	.flags = CLI_NEEDS_STORE | CLI_REMOTE | CLI_READS,
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_exec_exec,
};
