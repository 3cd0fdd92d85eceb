/* help: the list of commands, or one command's usage. */
#include <stdlib.h>

#include "cli.h"

/* Prints help for a command (found by prefix too) or the command list. */
static int
cmd_help_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	const struct cli_cmd *cmd;
	char *cause = NULL;

	if (cli_flag(ctx, "man")) {
		if (argc != 0) {
			cli_error(ctx, "help --man: the page covers every "
			    "command; name none");
			return CLI_EXIT_USAGE;
		}
		cli_man(stdout);
		return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
	}
	if (argc == 0) {
		cli_list_commands(stdout);
		return CLI_EXIT_OK;
	}
	if ((cmd = cli_find(argv[0], &cause)) == NULL) {
		cli_error_take(ctx, cause);
		return CLI_EXIT_USAGE;
	}
	cli_usage(stdout, cmd);
	return CLI_EXIT_OK;
}

static const struct cli_opt cmd_help_opts[] = {
	{ "man", 0, CLI_OPT_FLAG, NULL,
	  "write the manual page (roff) of every command" },
	{ NULL, 0, 0, NULL, NULL }
};

const struct cli_cmd cli_cmd_help = {
	.name = "help",
	.usage = "[COMMAND]",
	.opts = cmd_help_opts,
	.summary = "show the commands, or the options of one",
	.max_args = 1,
	.exec = cmd_help_exec,
};
