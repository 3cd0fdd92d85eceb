/* retry: puts ended jobs back in the queue by hand. */
#include <stdlib.h>

#include "cli.h"
#include "cli-jobs.h"

static const struct cli_opt cmd_retry_opts[] = {
	{ "group", 'g', CLI_OPT_STRING, "NAME",
	  "retry every ended job of a group that did not succeed" },
	{ NULL, 0, 0, NULL, NULL }
};

#define RETRY_FROM (STORE_STATE_BIT(STORE_SUCCEEDED) | \
    STORE_STATE_BIT(STORE_FAILED) | STORE_STATE_BIT(STORE_CANCELLED) | \
    STORE_STATE_BIT(STORE_TIMED_OUT))

/* Re-queues each named job that has ended and whose objects are gone. */
static int
cmd_retry_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct store_job *j;
	struct store *s;
	const char *group = cli_string(ctx, "group");
	int64_t *ids = NULL;
	size_t n = 0, i;
	char *cause = NULL, *reason;
	int ret;

	if ((ret = cli_jobs_ids(ctx, argc, argv, group, &ids, &n)) !=
	    CLI_EXIT_OK)
		return ret;
	if ((s = cli_store(ctx)) == NULL) {
		free(ids);
		return CLI_EXIT_FAIL;
	}
	reason = xprintf("retried by %s", cli_owner());
	for (i = 0; i < n; i++) {
		if (store_get(s, ids[i], &j, &cause) != 0 || j == NULL) {
			cli_error(ctx, "%s", cause != NULL ? cause :
			    "job not found");
			if (j == NULL && cause == NULL)
				cli_error(ctx, "job %lld not found",
				    (long long)ids[i]);
			free(cause);
			cause = NULL;
			ret = CLI_EXIT_FAIL;
			continue;
		}
		/* With --group, retry what did not succeed. */
		if (group != NULL && (j->state == STORE_SUCCEEDED ||
		    !store_state_is_terminal(j->state))) {
			store_job_free(j);
			continue;
		}
		if (store_state_is_terminal(j->state) && !j->cleaned) {
			cli_error(ctx, "job %lld: its cluster objects are still "
			    "being removed; retry it in a moment",
			    (long long)j->id);
			store_job_free(j);
			ret = CLI_EXIT_FAIL;
			continue;
		}
		store_job_free(j);
		if (store_transition(s, ids[i], RETRY_FROM, STORE_QUEUED, reason,
		    &cause) != 0) {
			cli_error(ctx, "%s", cause);
			free(cause);
			cause = NULL;
			ret = CLI_EXIT_FAIL;
			continue;
		}
		cli_info(ctx, "job %lld queued again", (long long)ids[i]);
	}
	free(reason);
	free(ids);
	return ret;
}

const struct cli_cmd cli_cmd_retry = {
	.name = "retry",
	.usage = "ID... | --group NAME",
	.summary = "queue ended jobs again",
	.opts = cmd_retry_opts,
	.flags = CLI_NEEDS_STORE,
	.min_args = 0,
	.max_args = -1,
	.exec = cmd_retry_exec,
};
