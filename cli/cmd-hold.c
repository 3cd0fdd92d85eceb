/* hold: keeps queued jobs from being scheduled until released. */
#include "cli.h"
#include "cli-jobs.h"

static const struct cli_opt cmd_hold_opts[] = {
	CLI_SELECT_OPTS("jobs"),
	{ NULL, 0, 0, NULL, NULL }
};

/* Moves queued jobs to held. */
static int
cmd_hold_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	return cli_jobs_act(ctx, argc, argv, CLI_QUEUE_HOLD);
}

const struct cli_cmd cli_cmd_hold = {
	.name = "hold",
	.usage = CLI_SELECT_USAGE,
	.summary = "keep queued jobs from being scheduled",
	.help = "Filters alone pick queued jobs unless --state says "
	    "otherwise.\n"
	    CLI_ACT_HELP,
	.opts = cmd_hold_opts,
	.flags = CLI_NEEDS_STORE | CLI_REMOTE,
	.min_args = 0,
	.max_args = -1,
	.exec = cmd_hold_exec,
};
