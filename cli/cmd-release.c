/* release: puts held jobs back in the queue. */
#include "cli.h"
#include "cli-jobs.h"

const struct cli_cmd cli_cmd_release = {
	.name = "release",
	.usage = CLI_SELECT_USAGE,
	.summary = "queue held jobs again",
	.help = "Filters alone pick held jobs unless --state says otherwise.\n"
	    CLI_ACT_HELP,
	.opts = cli_jobs_act_opts,
	.flags = CLI_NEEDS_STORE | CLI_REMOTE,
	.max_args = -1,
	.exec = cli_jobs_act,
};
