/* Helpers for the commands that act on lists of job ids. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli-jobs.h"

/* Collects job ids from arguments and from --group, in order. */
int
cli_jobs_ids(struct cli_ctx *ctx, int argc, char **argv, const char *group,
    int64_t **out, size_t *nout)
{
	struct store *s;
	int64_t *ids, *gids = NULL;
	size_t n = 0, ng = 0, i;
	char *cause = NULL;
	int a;

	if (argc == 0 && group == NULL) {
		cli_error(ctx, "%s: give job ids or --group NAME",
		    ctx->cmd->name);
		return CLI_EXIT_USAGE;
	}
	ids = xcalloc((size_t)argc + 1, sizeof *ids);
	for (a = 0; a < argc; a++) {
		if (cli_parse_id(ctx, argv[a], &ids[n++]) != 0) {
			free(ids);
			return CLI_EXIT_USAGE;
		}
	}
	if (group != NULL) {
		if ((s = cli_store(ctx)) == NULL) {
			free(ids);
			return CLI_EXIT_FAIL;
		}
		if (store_group_ids(s, group, &gids, &ng, &cause) != 0) {
			cli_error(ctx, "%s", cause);
			free(cause);
			free(ids);
			return CLI_EXIT_FAIL;
		}
		if (ng == 0) {
			cli_error(ctx, "group '%s' not found", group);
			free(ids);
			free(gids);
			return CLI_EXIT_FAIL;
		}
		ids = xreallocarray(ids, n + ng, sizeof *ids);
		for (i = 0; i < ng; i++)
			ids[n++] = gids[i];
		free(gids);
	}
	*out = ids;
	*nout = n;
	return CLI_EXIT_OK;
}

/* Moves each job to one state; reports each refusal and goes on. */
int
cli_jobs_transition(struct cli_ctx *ctx, int argc, char **argv,
    unsigned int from, enum store_state to, const char *verb)
{
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
	reason = xprintf("%s by %s", verb, cli_owner());
	for (i = 0; i < n; i++) {
		if (store_transition(s, ids[i], from, to, reason, &cause) != 0) {
			cli_error(ctx, "%s", cause);
			free(cause);
			cause = NULL;
			ret = CLI_EXIT_FAIL;
			continue;
		}
		cli_info(ctx, "job %lld %s", (long long)ids[i], verb);
	}
	free(reason);
	free(ids);
	return ret;
}
