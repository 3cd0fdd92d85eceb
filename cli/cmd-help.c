/* help: the list of commands, or one command's usage. */
#include <stdlib.h>

#include "cli.h"

/* Prints help for a command (found by prefix too) or the command list. */
static int
cmd_help_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	const struct cli_cmd *cmd;
	char *cause = NULL;

	if (argc == 0) {
		cli_list_commands(stdout);
		return CLI_EXIT_OK;
	}
	if ((cmd = cli_find(argv[0], &cause)) == NULL) {
		cli_error(ctx, "%s", cause);
		free(cause);
		return CLI_EXIT_USAGE;
	}
	cli_usage(stdout, cmd);
	return CLI_EXIT_OK;
}

const struct cli_cmd cli_cmd_help = {
	.name = "help",
	.usage = "[COMMAND]",
	.summary = "show the commands, or the options of one",
	.min_args = 0,
	.max_args = 1,
	.exec = cmd_help_exec,
};
