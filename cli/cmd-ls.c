/* ls: lists the jobs of the queue. */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "cli.h"

static const struct cli_opt cmd_ls_opts[] = {
	{ "state", 's', CLI_OPT_LIST, "STATE",
	  "only jobs in this state (repeatable, or comma-separated)" },
	{ "name", 0, CLI_OPT_STRING, "GLOB", "only jobs whose name matches" },
	{ "group", 'g', CLI_OPT_STRING, "NAME", "only the jobs of this group" },
	{ "all", 'a', CLI_OPT_FLAG, NULL, "include ended jobs" },
	{ NULL, 0, 0, NULL, NULL }
};

/* Reads --state values into a mask; -1 on an unknown state. */
static int
cmd_ls_states(struct cli_ctx *ctx, unsigned int *mask)
{
	enum store_state st;
	char **vals, *copy, *tok, *save;
	int n, i, ret = 0;

	*mask = 0;
	vals = cli_list(ctx, "state", &n);
	for (i = 0; i < n; i++) {
		copy = xstrdup(vals[i]);
		for (tok = strtok_r(copy, ",", &save); tok != NULL;
		    tok = strtok_r(NULL, ",", &save)) {
			if (store_state_parse(tok, &st) != 0) {
				cli_error(ctx, "invalid value for '--state': "
				    "'%s' (use queued, held, admitted, running, "
				    "succeeded, failed, cancelled or timed_out)",
				    tok);
				ret = -1;
				break;
			}
			*mask |= 1u << st;
		}
		free(copy);
		if (ret != 0)
			break;
	}
	return ret;
}

/* Where rows go as they are read: a table, or a JSON or YAML array. */
struct cmd_ls_out {
	struct cli_ctx *ctx;
	struct cli_table *table;
	struct cli_stream *stream;  /* started at the first item */
	bool machine;
	size_t n;
};

/* One table row, kubectl style, from the columns read (no spec). */
static void
cmd_ls_row(struct cmd_ls_out *o, const struct store_job *j)
{
	const char *cells[11];
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
	cells[0] = id;
	cells[1] = j->name;
	cells[2] = state;
	cells[3] = gpu;
	cells[4] = age;
	cells[5] = start;
	cells[6] = j->reason;
	cells[7] = j->namespace;
	cells[8] = j->owner;
	cells[9] = j->group;
	cells[10] = prio;
	cli_table_add(o->table, cells);
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

	if (o->machine) {
		if (o->stream == NULL)
			o->stream = cli_stream_start(o->ctx);
		cli_stream_item(o->stream, api_job_encode(&r->job));
	}
	else
		cmd_ls_row(o, &r->job);
	o->n++;
	return 0;
}

/* Lists jobs, hiding ended ones unless --all or --state asks for them:
 * rows go out as they are read (a table is aligned once all are in). */
static int
cmd_ls_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	static const char *const hdr[] = { "ID", "NAME", "STATE", "GPU", "AGE",
		"START", "REASON", "NAMESPACE", "OWNER", "GROUP", "PRIORITY" };
	struct store_filter f = { 0 };
	struct cmd_ls_out o = { .ctx = ctx };
	int ret;

	(void)argc;
	(void)argv;
	if (cmd_ls_states(ctx, &f.states) != 0)
		return CLI_EXIT_USAGE;
	f.all = cli_flag(ctx, "all") > 0;
	f.name = cli_string(ctx, "name");
	f.group = cli_string(ctx, "group");
	o.machine = ctx->output == CLI_OUTPUT_JSON ||
	    ctx->output == CLI_OUTPUT_YAML;
	if (!o.machine)
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
	} else if (ret == CLI_EXIT_OK && o.n == 0)
		cli_info(ctx, "no jobs%s", f.all || f.states ? "" :
		    " (ended jobs are hidden: use --all)");
	else if (ret == CLI_EXIT_OK)
		cli_table_print(o.table, stdout);
	cli_table_free(o.table);
	return ret;
}

const struct cli_cmd cli_cmd_ls = {
	.name = "ls",
	.alias = "list",
	.usage = "[--state STATE] [--name GLOB] [--group NAME] [--all]",
	.summary = "list jobs",
	.help = "Columns: ID, NAME, STATE (a '*' marks a requested cancel), GPU\n"
	    "('2x RTX4090D x1' is two RTX4090D per replica, one replica), AGE\n"
	    "since submission, START (a waiting job's estimated start, '~2h' from\n"
	    "now, '-' when the scheduler expects none; -o json gives the time)\n"
	    "and REASON. -o wide adds NAMESPACE, OWNER, GROUP\n"
	    "and PRIORITY. Ended jobs are hidden unless --all or --state.\n",
	.opts = cmd_ls_opts,
	.flags = CLI_NEEDS_STORE | CLI_REMOTE | CLI_READS,
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_ls_exec,
};
