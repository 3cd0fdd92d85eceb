/* retry: puts ended jobs back in the queue by hand. */
#include "cli.h"
#include "cli-jobs.h"

static const struct cli_opt cmd_retry_opts[] = {
	CLI_SELECT_OPTS("jobs"),
	{ NULL, 0, 0, NULL, NULL }
};

/* Re-queues each named job that has ended and whose objects are gone. */
static int
cmd_retry_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	return cli_jobs_act(ctx, argc, argv, CLI_QUEUE_RETRY);
}

const struct cli_cmd cli_cmd_retry = {
	.name = "retry",
	.usage = CLI_SELECT_USAGE,
	.summary = "queue failed or timed-out jobs again",
	.help = "Only failed and timed-out jobs are retried, named or picked\n"
	    "by filters: a job a user cancelled (or one that succeeded) is\n"
	    "queued again only when --state names its state (--state\n"
	    "cancelled).\n"
	    "A job is retried once its cluster objects are gone.\n"
	    CLI_ACT_HELP,
	.opts = cmd_retry_opts,
	.flags = CLI_NEEDS_STORE | CLI_REMOTE,
	.min_args = 0,
	.max_args = -1,
	.exec = cmd_retry_exec,
};
