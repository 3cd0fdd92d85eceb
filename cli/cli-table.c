/*
 * cli-table.c: the command table, in the order help lists it.  Built twice
 * (see cli.h): with CLI_FRONT it is the table of the queue front, where a
 * command that needs the cluster client is a name without exec, and
 * cli_main hands it, arguments unchanged, to ailab-queue-cluster.  Both
 * tables name the same commands in the same order, so prefixes and
 * did-you-mean hints are the same in both programs.
 */
#include "cli.h"

#ifdef CLI_FRONT
#define CLI_CLUSTER_CMD(var, cmdname) \
	(&(const struct cli_cmd){ .name = cmdname, .usage = "", .summary = "" })
const bool cli_is_front = true;
/* A queue server named: the front runs the whole program (cli_main). */
const struct cli_queue_ops *const cli_remote_ops = NULL;
#else
#include "cli-remote.h"

#define CLI_CLUSTER_CMD(var, cmdname) (&(var))
const bool cli_is_front = false;
const struct cli_queue_ops *const cli_remote_ops = &cli_queue_remote;
#endif

const struct cli_cmd *const cli_cmds[] = {
	&cli_cmd_submit,
	&cli_cmd_validate,
	&cli_cmd_render,
	&cli_cmd_ls,
	&cli_cmd_show,
	&cli_cmd_cancel,
	&cli_cmd_hold,
	&cli_cmd_release,
	/* help lists every command with its summary: the whole program's. */
	CLI_CLUSTER_CMD(cli_cmd_help, "help"),
	&cli_cmd_version,
	CLI_CLUSTER_CMD(cli_cmd_quota, "quota"),
	CLI_CLUSTER_CMD(cli_cmd_whoami, "whoami"),
	CLI_CLUSTER_CMD(cli_cmd_sched, "sched"),
	&cli_cmd_why,
	&cli_cmd_retry,
	&cli_cmd_wait,
	CLI_CLUSTER_CMD(cli_cmd_logs, "logs"),
	CLI_CLUSTER_CMD(cli_cmd_exec, "exec"),
	CLI_CLUSTER_CMD(cli_cmd_shell, "shell"),
	CLI_CLUSTER_CMD(cli_cmd_cleanup, "cleanup"),
	&cli_cmd_report,
	CLI_CLUSTER_CMD(cli_cmd_demo, "demo"),
	CLI_CLUSTER_CMD(cli_cmd_usage, "usage"),
	CLI_CLUSTER_CMD(cli_cmd_serve, "serve"),
	CLI_CLUSTER_CMD(cli_cmd_completion, "completion"),
	NULL
};
