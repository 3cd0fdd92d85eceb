/* Helpers for the commands that act on lists of job ids. */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli-jobs.h"
#include "spec.h"

/* Reads the job id arguments; a usage error when there are none and no
 * --group either. */
static int
cli_jobs_args(struct cli_ctx *ctx, int argc, char **argv, const char *group,
    int64_t **out, size_t *nout)
{
	int64_t *ids;
	int a;

	if (argc == 0 && group == NULL) {
		cli_error(ctx, "%s: give job ids or --group NAME",
		    ctx->cmd->name);
		return CLI_EXIT_USAGE;
	}
	ids = xcalloc((size_t)argc + 1, sizeof *ids);
	for (a = 0; a < argc; a++) {
		if (cli_parse_id(ctx, argv[a], &ids[a]) != 0) {
			free(ids);
			return CLI_EXIT_USAGE;
		}
	}
	*out = ids;
	*nout = (size_t)argc;
	return CLI_EXIT_OK;
}

/* Collects job ids from arguments and from --group, in order. */
int
cli_jobs_ids(struct cli_ctx *ctx, int argc, char **argv, const char *group,
    int64_t **out, size_t *nout)
{
	int64_t *ids, *gids = NULL;
	size_t n = 0, ng = 0, i;
	int ret;

	if ((ret = cli_jobs_args(ctx, argc, argv, group, &ids, &n)) !=
	    CLI_EXIT_OK)
		return ret;
	if (group != NULL) {
		if ((ret = cli_queue(ctx)->group_ids(ctx, group, &gids,
		    &ng)) != CLI_EXIT_OK) {
			free(ids);
			return ret;
		}
		ids = xreallocarray(ids, n + ng + 1, sizeof *ids);
		for (i = 0; i < ng; i++)
			ids[n++] = gids[i];
		free(gids);
	}
	*out = ids;
	*nout = n;
	return CLI_EXIT_OK;
}

/* See cli-jobs.h: the ids named, and --group, to the queue's action. */
int
cli_jobs_act(struct cli_ctx *ctx, int argc, char **argv,
    enum cli_queue_act act)
{
	const char *group = cli_string(ctx, "group");
	int64_t *ids = NULL;
	size_t n = 0;
	int ret;

	if ((ret = cli_jobs_args(ctx, argc, argv, group, &ids, &n)) !=
	    CLI_EXIT_OK)
		return ret;
	ret = cli_queue(ctx)->act(ctx, act, ids, n, group);
	free(ids);
	return ret;
}

/* nftw callback: removes one entry, children first. */
static int
cli_remove_one(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

/* rm -rf of a directory the command created itself. */
void
cli_remove_tree(const char *path)
{
	nftw(path, cli_remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* The store's view of every job of loaded spec sets; the array is the
 * caller's, its strings still belong to the sets. */
struct store_job_new *
cli_jobs_from_sets(struct spec_set **sets, int nsets, bool held, size_t *np)
{
	struct store_job_new *jobs;
	struct spec_job *sj;
	size_t n = 0, k = 0, i;
	int f;

	for (f = 0; f < nsets; f++)
		n += sets[f]->n;
	jobs = xcalloc(n + 1, sizeof *jobs);
	for (f = 0; f < nsets; f++) {
		for (i = 0; i < sets[f]->n; i++, k++) {
			sj = sets[f]->jobs[i];
			jobs[k].name = sj->name;
			jobs[k].namespace = sj->namespace;
			jobs[k].owner = cli_owner();
			jobs[k].group = sj->group;
			jobs[k].group_kind = sj->group_kind;
			jobs[k].priority = sj->priority;
			jobs[k].gpu_type = sj->gpu_type;
			jobs[k].gpu_count = sj->gpu_count;
			jobs[k].replicas = sj->replicas;
			jobs[k].cpu_milli = sj->cpu_milli;
			jobs[k].memory_bytes = sj->memory_bytes;
			jobs[k].spec_json = sj->spec_json;
			jobs[k].held = held;
		}
	}
	*np = n;
	return jobs;
}

/* Validates every file, then queues all their jobs in one transaction. */
int
cli_submit_files(struct cli_ctx *ctx, int argc, char **argv, int64_t **idsp,
    size_t *np)
{
	struct spec_set **sets = NULL;
	struct store_job_new *jobs = NULL;
	struct store *s;
	int64_t *ids = NULL;
	size_t n = 0;
	char *cause = NULL;
	int ret = CLI_EXIT_USAGE;

	if (cli_spec_load(ctx, argc, argv, NULL, &sets) != 0) {
		cli_error(ctx, "nothing queued");
		goto out;
	}
	jobs = cli_jobs_from_sets(sets, argc, false, &n);
	ret = CLI_EXIT_FAIL;
	if ((s = cli_store(ctx)) == NULL)
		goto out;
	ids = xcalloc(n + 1, sizeof *ids);
	if (store_submit(s, jobs, n, ids, &cause) != 0) {
		cli_error(ctx, "nothing queued: %s", cause);
		free(cause);
		goto out;
	}
	if (idsp != NULL) {
		*idsp = ids;
		*np = n;
		ids = NULL;
	}
	ret = CLI_EXIT_OK;
out:
	free(jobs);
	free(ids);
	cli_spec_free(sets, argc);
	return ret;
}
