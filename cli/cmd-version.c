/* version: the program's version, as --version prints it. */
#include "cli.h"

#include "config.h"

/* Prints "ailab-queue VERSION". */
static int
cmd_version_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	printf("ailab-queue %s\n", PACKAGE_VERSION);
	return CLI_EXIT_OK;
}

const struct cli_cmd cli_cmd_version = {
	.name = "version",
	.usage = "",
	.summary = "print the version",
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_version_exec,
};
