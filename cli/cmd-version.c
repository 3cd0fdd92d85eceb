/* version: the program's version, as --version prints it. */
#include "cli.h"

#include "config.h"

/* Prints "ailab-queue VERSION", or {"version": ...} for scripts. */
static int
cmd_version_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	json_t *o;
	int ret = CLI_EXIT_OK;

	(void)argc;
	(void)argv;
	if (!cli_output_is_machine(ctx)) {
		printf("ailab-queue %s\n", PACKAGE_VERSION);
		return CLI_EXIT_OK;
	}
	o = json_pack("{s:s,s:s}", "program", "ailab-queue", "version",
	    PACKAGE_VERSION);
	if (cli_print_value(ctx, o) != 0)
		ret = CLI_EXIT_FAIL;
	json_decref(o);
	return ret;
}

const struct cli_cmd cli_cmd_version = {
	.name = "version",
	.usage = "",
	.summary = "print the version",
	.help = "-o json|yaml prints {program, version}.\n",
	.exec = cmd_version_exec,
};
