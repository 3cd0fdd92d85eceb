/* release: puts held jobs back in the queue. */
#include "cli.h"
#include "cli-jobs.h"

static const struct cli_opt cmd_release_opts[] = {
	CLI_SELECT_OPTS("jobs"),
	{ NULL, 0, 0, NULL, NULL }
};

/* Moves held jobs to queued. */
static int
cmd_release_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	return cli_jobs_act(ctx, argc, argv, CLI_QUEUE_RELEASE);
}

const struct cli_cmd cli_cmd_release = {
	.name = "release",
	.usage = CLI_SELECT_USAGE,
	.summary = "queue held jobs again",
	.help = "Filters alone pick held jobs unless --state says otherwise.\n"
	    CLI_ACT_HELP,
	.opts = cmd_release_opts,
	.flags = CLI_NEEDS_STORE | CLI_REMOTE,
	.min_args = 0,
	.max_args = -1,
	.exec = cmd_release_exec,
};
