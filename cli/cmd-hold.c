/* hold: keeps queued jobs from being scheduled until released. */
#include "cli.h"
#include "cli-jobs.h"

const struct cli_cmd cli_cmd_hold = {
	.name = "hold",
	.usage = CLI_SELECT_USAGE,
	.summary = "keep queued jobs from being scheduled",
	.help = "Filters alone pick queued jobs unless --state says "
	    "otherwise.\n"
	    CLI_ACT_HELP,
	.opts = cli_jobs_act_opts,
	.flags = CLI_NEEDS_STORE | CLI_REMOTE,
	.max_args = -1,
	.exec = cli_jobs_act,
};
