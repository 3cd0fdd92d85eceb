/* cancel: stops jobs; queued ones at once, running ones by the scheduler. */
#include "cli.h"
#include "cli-jobs.h"

static const struct cli_opt cmd_cancel_opts[] = {
	{ "group", 'g', CLI_OPT_STRING, "NAME", "cancel every job of a group" },
	{ NULL, 0, 0, NULL, NULL }
};

/* Cancels each job, saying what happened to it. */
static int
cmd_cancel_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	return cli_jobs_act(ctx, argc, argv, CLI_QUEUE_CANCEL);
}

const struct cli_cmd cli_cmd_cancel = {
	.name = "cancel",
	.usage = "ID... | --group NAME",
	.summary = "cancel jobs: queued ones at once, running ones are stopped",
	.opts = cmd_cancel_opts,
	.flags = CLI_NEEDS_STORE | CLI_REMOTE,
	.min_args = 0,
	.max_args = -1,
	.exec = cmd_cancel_exec,
};
