/* retry: puts ended jobs back in the queue by hand. */
#include "cli.h"
#include "cli-jobs.h"

static const struct cli_opt cmd_retry_opts[] = {
	{ "group", 'g', CLI_OPT_STRING, "NAME",
	  "retry every ended job of a group that did not succeed" },
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
	.usage = "ID... | --group NAME",
	.summary = "queue ended jobs again",
	.opts = cmd_retry_opts,
	.flags = CLI_NEEDS_STORE | CLI_REMOTE,
	.min_args = 0,
	.max_args = -1,
	.exec = cmd_retry_exec,
};
