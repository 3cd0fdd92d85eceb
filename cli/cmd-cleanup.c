/* cleanup: removes what ended jobs left on the cluster; made for cron. */
#include <event2/event.h>
#include <stdlib.h>

#include "cli.h"
#include "sched-loop.h"

static const struct cli_opt cmd_cleanup_opts[] = {
	{ "dry-run", 0, CLI_OPT_FLAG, NULL, "say what would be done; do nothing" },
	{ "max-age", 0, CLI_OPT_STRING, "DURATION",
	  "prune records of jobs ended longer ago (default 30d)" },
	{ "grace", 0, CLI_OPT_STRING, "DURATION",
	  "leave orphaned objects younger than this (default 10m)" },
	{ NULL, 0, 0, NULL, NULL }
};

/* What cleanup says: failures always, actions with -v or --dry-run. */
static void
cmd_cleanup_report(bool error, const char *line, void *arg)
{
	struct cli_ctx *ctx = arg;

	if (error)
		cli_error(ctx, "cleanup: %s", line);
	else if (cli_flag(ctx, "dry-run") || ctx->verbose > 0) {
		cli_put_text(stdout, line);
		fputc('\n', stdout);
	}
}

/* The pass and its effects are done: back to main. */
static void
cmd_cleanup_stopped(enum sched_stop why, void *arg)
{
	(void)why;
	event_base_loopbreak(cli_base(arg));
}

/* One cleanup pass: exit 0 all done, 1 some actions failed, 2 no run. */
static int
cmd_cleanup_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct sched_loop_opts o = { 0 };
	struct sched_loop *loop;
	struct kube_client *kube;
	struct store *s;
	int failures;

	(void)argc;
	(void)argv;
	if (cli_duration(ctx, "max-age", true, &o.max_age_s) != 0 ||
	    cli_duration(ctx, "grace", true, &o.grace_s) != 0)
		return CLI_EXIT_USAGE;
	if (cli_string(ctx, "grace") == NULL)
		o.grace_s = -1;
	if ((s = cli_store(ctx)) == NULL || (kube = cli_kube(ctx)) == NULL)
		return CLI_EXIT_USAGE;
	o.once = true;
	o.mode = SCHED_MODE_CLEANUP;
	o.dry_run = cli_flag(ctx, "dry-run") > 0;
	o.report = cmd_cleanup_report;
	o.on_stop = cmd_cleanup_stopped;
	o.cb_arg = ctx;
	loop = sched_loop_new(ctx->base, s, kube, &o);
	sched_loop_start(loop);
	event_base_dispatch(ctx->base);
	failures = (int)sched_loop_failures(loop);
	sched_loop_free(loop);
	return failures == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

const struct cli_cmd cli_cmd_cleanup = {
	.name = "cleanup",
	.usage = "[--dry-run] [--max-age DURATION] [--grace DURATION]",
	.summary = "delete what ended jobs left behind, stop overdue jobs, "
	    "prune old records",
	.help = "Made for cron: prints nothing when all went well (unless -v),\n"
	    "one line per failure on stderr. Exit status: 0 done, 1 some\n"
	    "actions failed (the next run retries them), 2 could not run.\n"
	    "Safe beside a running scheduler and beside another cleanup.\n",
	.opts = cmd_cleanup_opts,
	.flags = CLI_NEEDS_STORE | CLI_LOCAL_ONLY,
	.exec = cmd_cleanup_exec,
};
