/* cancel: stops jobs; queued ones at once, running ones by the scheduler. */
#include <stdlib.h>

#include "cli.h"
#include "cli-jobs.h"

static const struct cli_opt cmd_cancel_opts[] = {
	{ "group", 'g', CLI_OPT_STRING, "NAME", "cancel every job of a group" },
	{ NULL, 0, 0, NULL, NULL }
};

/* Cancels each job, saying what happened to it. */
static int
cmd_cancel_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	enum store_cancel_result r;
	struct store *s;
	int64_t *ids = NULL;
	size_t n = 0, i;
	char *cause = NULL, *reason;
	int ret;

	if ((ret = cli_jobs_ids(ctx, argc, argv, cli_string(ctx, "group"),
	    &ids, &n)) != CLI_EXIT_OK)
		return ret;
	if ((s = cli_store(ctx)) == NULL) {
		free(ids);
		return CLI_EXIT_FAIL;
	}
	reason = xprintf("cancelled by %s", cli_owner());
	for (i = 0; i < n; i++) {
		if (store_cancel(s, ids[i], reason, &r, &cause) != 0) {
			cli_error(ctx, "%s", cause);
			free(cause);
			cause = NULL;
			ret = CLI_EXIT_FAIL;
			continue;
		}
		switch (r) {
		case STORE_CANCEL_DONE:
			cli_info(ctx, "job %lld cancelled", (long long)ids[i]);
			break;
		case STORE_CANCEL_REQUESTED:
			cli_info(ctx, "job %lld: cancel requested; the scheduler "
			    "stops it", (long long)ids[i]);
			break;
		case STORE_CANCEL_ALREADY:
			cli_info(ctx, "job %lld already ended or is being "
			    "cancelled", (long long)ids[i]);
			break;
		case STORE_CANCEL_NOT_FOUND:
			cli_error(ctx, "job %lld not found", (long long)ids[i]);
			ret = CLI_EXIT_FAIL;
			break;
		}
	}
	free(reason);
	free(ids);
	return ret;
}

const struct cli_cmd cli_cmd_cancel = {
	.name = "cancel",
	.usage = "ID... | --group NAME",
	.summary = "cancel jobs: queued ones at once, running ones are stopped",
	.opts = cmd_cancel_opts,
	.flags = CLI_NEEDS_STORE,
	.min_args = 0,
	.max_args = -1,
	.exec = cmd_cancel_exec,
};
