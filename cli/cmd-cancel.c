/* cancel: stops jobs; queued ones at once, running ones by the scheduler. */
#include "cli.h"
#include "cli-jobs.h"

const struct cli_cmd cli_cmd_cancel = {
	.name = "cancel",
	.usage = CLI_SELECT_USAGE,
	.summary = "cancel jobs: queued ones at once, running ones are stopped",
	.help = "Queued and held jobs are cancelled at once; running ones are\n"
	    "stopped by the scheduler. Filters alone pick jobs still active\n"
	    "(queued, held, admitted, running) unless --state says otherwise.\n"
	    CLI_ACT_HELP,
	.opts = cli_jobs_act_opts,
	.flags = CLI_NEEDS_STORE | CLI_REMOTE,
	.max_args = -1,
	.exec = cli_jobs_act,
};
