/* ls: lists the jobs of the queue. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "cli.h"
#include "cli-jobs.h"

static const struct cli_opt cmd_ls_opts[] = {
	CLI_SELECT_OPTS("jobs"),
	{ "all", 'a', CLI_OPT_FLAG, NULL, "include ended jobs" },
	{ "watch", 'w', CLI_OPT_FLAG, NULL,
	  "list again every --interval until interrupted" },
	{ "interval", 0, CLI_OPT_STRING, "DURATION",
	  "how often --watch lists (default 2s, at least 500ms)" },
	{ NULL, 0, 0, NULL, NULL }
};

/* Where rows go as they are read: a table, or a JSON or YAML array. */
struct cmd_ls_out {
	struct cli_ctx *ctx;
	const struct cli_select *sel;   /* what the queue cannot filter */
	unsigned int states;
	struct cli_table *table;
	struct cli_stream *stream;  /* started at the first item */
	bool machine;
	bool ids;                /* -q or -o name: ids only */
	bool csv;
	size_t n;
};

/* One CSV record: the columns of -o wide, times as epoch milliseconds. */
static void
cmd_ls_csv(const struct store_job *j)
{
	char id[24], prio[16], gc[16], rep[16], at[24], est[24];
	const char *f[] = { id, j->name, store_state_name(j->state),
		j->gpu_type, gc, rep, at, est, j->reason, j->namespace,
		j->owner, j->group != NULL ? j->group : "", prio };
	size_t i;

	snprintf(id, sizeof id, "%lld", (long long)j->id);
	snprintf(prio, sizeof prio, "%d", j->priority);
	snprintf(gc, sizeof gc, "%d", j->gpu_count);
	snprintf(rep, sizeof rep, "%d", j->replicas);
	snprintf(at, sizeof at, "%lld", (long long)j->submitted_at);
	/* No estimate is an empty field, not 0. */
	if (j->est_start != 0 && j->state == STORE_QUEUED)
		snprintf(est, sizeof est, "%lld", (long long)j->est_start);
	else
		est[0] = '\0';
	for (i = 0; i < nitems(f); i++)
		cli_csv_field(stdout, f[i], i + 1 == nitems(f));
}

/* One table row, kubectl style, from the columns read (no spec). */
static void
cmd_ls_row(struct cmd_ls_out *o, const struct store_job *j)
{
	char id[24], state[24], gpu[160], prio[16], *age, *start;

	snprintf(id, sizeof id, "%lld", (long long)j->id);
	snprintf(state, sizeof state, "%s%s", store_state_name(j->state),
	    j->cancel_requested && !store_state_is_terminal(j->state) ?
	    "*" : "");
	if (j->gpu_count == 0 || *j->gpu_type == '\0')
		snprintf(gpu, sizeof gpu, "cpu x%d", j->replicas);
	else
		snprintf(gpu, sizeof gpu, "%dx %.120s x%d", j->gpu_count,
		    j->gpu_type, j->replicas);
	snprintf(prio, sizeof prio, "%d", j->priority);
	age = cli_age(j->submitted_at);
	start = cli_start_text(j->state == STORE_QUEUED ? j->est_start : 0);
	cli_table_add(o->table, (const char *const[]){ id, j->name, state,
	    gpu, age, start, j->reason, j->namespace, j->owner, j->group,
	    prio });
	cli_table_style_last(o->table, 2, cli_state_color(o->ctx, j->state),
	    cli_color_reset(o->ctx));
	free(age);
	free(start);
}

/* store_row_fn: a row to the table, or an item to the array. */
static int
cmd_ls_add(const struct store_row *r, void *arg)
{
	struct cmd_ls_out *o = arg;

	if ((o->sel->nids > 0 && !cli_select_has_id(o->sel, r->job.id)) ||
	    !cli_select_match(o->sel, o->states, &r->job))
		return 0;
	if (o->ids)
		printf("%lld\n", (long long)r->job.id);
	else if (o->csv)
		cmd_ls_csv(&r->job);
	else if (o->machine) {
		if (o->stream == NULL)
			o->stream = cli_stream_start(o->ctx);
		cli_stream_item(o->stream, api_job_encode(&r->job));
	}
	else
		cmd_ls_row(o, &r->job);
	o->n++;
	return 0;
}

/* Lists jobs, hiding ended ones unless --all, --state or ids ask for
 * them: rows go out as they are read (a table is aligned once all are
 * in); the queue filters what it can, the selection the rest. */
static int
cmd_ls_list(struct cli_ctx *ctx, struct cli_select *sel)
{
	static const char *const hdr[] = { "ID", "NAME", "STATE", "GPU", "AGE",
		"START", "REASON", "NAMESPACE", "OWNER", "GROUP", "PRIORITY" };
	static const char *const csv_hdr[] = { "id", "name", "state",
		"gpu_type", "gpu_count", "replicas", "submitted_at_ms",
		"estimated_start_ms", "reason", "namespace", "owner", "group",
		"priority" };
	struct store_filter f = { 0 };
	struct cmd_ls_out o = { .ctx = ctx, .sel = sel };
	size_t i;
	int ret;

	o.states = sel->states;
	cli_select_store_filter(sel, sel->states, &f);
	f.all = cli_flag(ctx, "all") > 0 || sel->nids > 0;
	/* A server is asked a request a named job: past a few, its list. */
	if (sel->nids > 0 && (cli_queue(ctx) == &cli_queue_local ||
	    sel->nids <= 64)) {
		f.ids = sel->ids;
		f.nids = sel->nids;
	}
	o.ids = ctx->output == CLI_OUTPUT_NAME || (ctx->quiet &&
	    !ctx->output_set);
	o.csv = ctx->output == CLI_OUTPUT_CSV;
	o.machine = cli_output_is_machine(ctx);
	if (o.csv)
		for (i = 0; i < nitems(csv_hdr); i++)
			cli_csv_field(stdout, csv_hdr[i],
			    i + 1 == nitems(csv_hdr));
	if (!o.machine && !o.ids && !o.csv)
		o.table = cli_table_new(hdr, ctx->output == CLI_OUTPUT_WIDE ?
		    (int)nitems(hdr) : 7);
	ret = cli_queue(ctx)->each(ctx, &f, o.machine ? STORE_ROW_SPEC :
	    STORE_ROW_BRIEF,
	    cmd_ls_add, &o);
	if (o.machine) {
		/* A failure is printed; what was already out is closed. */
		if (o.stream == NULL && ret == CLI_EXIT_OK)
			o.stream = cli_stream_start(ctx);
		if (o.stream != NULL && cli_stream_end(o.stream) != 0 &&
		    ret == CLI_EXIT_OK)
			ret = CLI_EXIT_FAIL;
	} else if (o.ids || o.csv)
		;
	else if (ret == CLI_EXIT_OK && o.n == 0)
		cli_info(ctx, "no jobs%s", f.all || f.states ? "" :
		    " (ended jobs are hidden: use --all)");
	else if (ret == CLI_EXIT_OK)
		cli_table_print(o.table, stdout);
	cli_table_free(o.table);
	return ret;
}

/* ls --watch: the listing again every interval, as watch(1) or squeue
 * --iterate give it: a terminal is redrawn under a line naming the time,
 * a pipe gets each listing after such a line (JSON, YAML, CSV and ids
 * one listing after another, with no line between).  Ends on a signal or
 * when a listing fails. */
static int
cmd_ls_watch(struct cli_ctx *ctx, struct cli_select *sel)
{
	bool tty = isatty(STDOUT_FILENO), table = !cli_output_is_machine(ctx) &&
	    ctx->output != CLI_OUTPUT_NAME && ctx->output != CLI_OUTPUT_CSV &&
	    !(ctx->quiet && !ctx->output_set);
	int64_t every = 2000;
	struct timespec ts;
	char when[64];
	time_t now;
	int ret;

	if (cli_string(ctx, "interval") != NULL && cli_duration_ms(ctx,
	    "interval", 500, 3600 * 1000, &every) != 0)
		return CLI_EXIT_USAGE;
	for (;;) {
		now = time(NULL);
		strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S %Z",
		    localtime(&now));
		if (tty)
			fputs("\033[H\033[2J", stdout);
		if (table)
			printf("Every %lld.%llds: ailab-queue ls    %s\n\n",
			    (long long)(every / 1000),
			    (long long)(every % 1000 / 100), when);
		if ((ret = cmd_ls_list(ctx, sel)) != CLI_EXIT_OK)
			return ret;
		if (table && !tty)
			putchar('\n');
		fflush(stdout);
		ts.tv_sec = every / 1000;
		ts.tv_nsec = (long)(every % 1000) * 1000000;
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
	}
}

/* ls: once, or again and again with --watch. */
static int
cmd_ls_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_select sel;
	int ret;

	if ((ret = cli_select_parse(ctx, argc, argv, &sel)) != CLI_EXIT_OK)
		return ret;
	if (cli_flag(ctx, "watch"))
		ret = cmd_ls_watch(ctx, &sel);
	else if (cli_string(ctx, "interval") != NULL) {
		cli_error(ctx, "'--interval' goes with '--watch'");
		ret = CLI_EXIT_USAGE;
	} else
		ret = cmd_ls_list(ctx, &sel);
	cli_select_release(&sel);
	return ret;
}

const struct cli_cmd cli_cmd_ls = {
	.name = "ls",
	.alias = "list",
	.usage = CLI_SELECT_USAGE " [--all] [--watch [--interval D]]",
	.summary = "list jobs",
	.help = "Columns: ID, NAME, STATE (a '*' marks a requested cancel), GPU\n"
	    "('2x RTX4090D x1' is two RTX4090D per replica, one replica), AGE\n"
	    "since submission, START (a waiting job's estimated start, '~2h' from\n"
	    "now, '-' when the scheduler expects none; -o json gives the time)\n"
	    "and REASON. -o wide adds NAMESPACE, OWNER, GROUP\n"
	    "and PRIORITY. Ended jobs are hidden unless --all, --state or ids.\n"
	    "-n NS lists one namespace, --owner USER one user's jobs (on a\n"
	    "server, others' for admins and TAs). -q or -o name prints the ids\n"
	    "alone, one a line; -o csv the wide columns as CSV.\n"
	    "--watch lists again every --interval (2s) until interrupted, as\n"
	    "watch(1) would: a terminal is redrawn, a pipe gets each listing.\n"
	    CLI_SELECT_HELP,
	.opts = cmd_ls_opts,
	.flags = CLI_NEEDS_STORE | CLI_REMOTE | CLI_READS,
	.max_args = -1,
	.exec = cmd_ls_exec,
};
