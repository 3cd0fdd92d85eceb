/* cancel: stops jobs; queued ones at once, running ones by the scheduler. */
#include "cli.h"
#include "cli-jobs.h"

static const struct cli_opt cmd_cancel_opts[] = {
	CLI_SELECT_OPTS("jobs"),
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
	.usage = CLI_SELECT_USAGE,
	.summary = "cancel jobs: queued ones at once, running ones are stopped",
	.help = "Queued and held jobs are cancelled at once; running ones are\n"
	    "stopped by the scheduler. Filters alone pick jobs still active\n"
	    "(queued, held, admitted, running) unless --state says otherwise.\n"
	    CLI_ACT_HELP,
	.opts = cmd_cancel_opts,
	.flags = CLI_NEEDS_STORE | CLI_REMOTE,
	.min_args = 0,
	.max_args = -1,
	.exec = cmd_cancel_exec,
};
