/* retry: puts ended jobs back in the queue by hand. */
#include "cli.h"
#include "cli-jobs.h"

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
	.opts = cli_jobs_act_opts,
	.flags = CLI_NEEDS_STORE | CLI_REMOTE,
	.max_args = -1,
	.exec = cli_jobs_act,
};
