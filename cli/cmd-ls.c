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

/* Prints the jobs as a table, kubectl style. */
static void
cmd_ls_table(struct cli_ctx *ctx, struct store_job **jobs, size_t n)
{
	static const char *const hdr[] = { "ID", "NAME", "STATE", "GPU", "AGE",
		"REASON", "NAMESPACE", "OWNER", "GROUP", "PRIORITY" };
	struct cli_table *t;
	const char *cells[nitems(hdr)];
	char *id, *state, *gpu, *age, *prio;
	bool wide = ctx->output == CLI_OUTPUT_WIDE;
	size_t i;

	t = cli_table_new(hdr, wide ? (int)nitems(hdr) : 6);
	for (i = 0; i < n; i++) {
		id = xprintf("%lld", (long long)jobs[i]->id);
		state = xprintf("%s%s", store_state_name(jobs[i]->state),
		    jobs[i]->cancel_requested &&
		    !store_state_is_terminal(jobs[i]->state) ? "*" : "");
		gpu = cli_gpu_text(jobs[i]->gpu_type, jobs[i]->gpu_count,
		    jobs[i]->replicas);
		age = cli_age(jobs[i]->submitted_at);
		prio = xprintf("%d", jobs[i]->priority);
		cells[0] = id;
		cells[1] = jobs[i]->name;
		cells[2] = state;
		cells[3] = gpu;
		cells[4] = age;
		cells[5] = jobs[i]->reason;
		cells[6] = jobs[i]->namespace;
		cells[7] = jobs[i]->owner;
		cells[8] = jobs[i]->group;
		cells[9] = prio;
		cli_table_add(t, cells);
		cli_table_style_last(t, 2, cli_state_color(ctx, jobs[i]->state),
		    cli_color_reset(ctx));
		free(id);
		free(state);
		free(gpu);
		free(age);
		free(prio);
	}
	cli_table_print(t, stdout);
	cli_table_free(t);
}

/* Lists jobs, hiding ended ones unless --all or --state asks for them. */
static int
cmd_ls_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct store_filter f = { 0 };
	struct store_job **jobs = NULL;
	size_t n = 0, i;
	json_t *arr;
	int ret;

	(void)argc;
	(void)argv;
	if (cmd_ls_states(ctx, &f.states) != 0)
		return CLI_EXIT_USAGE;
	f.all = cli_flag(ctx, "all") > 0;
	f.name = cli_string(ctx, "name");
	f.group = cli_string(ctx, "group");
	if ((ret = cli_queue(ctx)->list(ctx, &f, &jobs, &n)) != CLI_EXIT_OK)
		return ret;
	if (ctx->output == CLI_OUTPUT_JSON || ctx->output == CLI_OUTPUT_YAML) {
		arr = json_array();
		for (i = 0; i < n; i++)
			json_array_append_new(arr, api_job_encode(jobs[i]));
		cli_print_value(ctx, arr);
		json_decref(arr);
	} else if (n == 0)
		cli_info(ctx, "no jobs%s", f.all || f.states ? "" :
		    " (ended jobs are hidden: use --all)");
	else
		cmd_ls_table(ctx, jobs, n);
	store_jobs_free(jobs, n);
	return CLI_EXIT_OK;
}

const struct cli_cmd cli_cmd_ls = {
	.name = "ls",
	.alias = "list",
	.usage = "[--state STATE] [--name GLOB] [--group NAME] [--all]",
	.summary = "list jobs",
	.help = "Columns: ID, NAME, STATE (a '*' marks a requested cancel), GPU\n"
	    "('2x RTX4090D x1' is two RTX4090D per replica, one replica), AGE\n"
	    "since submission and REASON. -o wide adds NAMESPACE, OWNER, GROUP\n"
	    "and PRIORITY. Ended jobs are hidden unless --all or --state.\n",
	.opts = cmd_ls_opts,
	.flags = CLI_NEEDS_STORE | CLI_REMOTE | CLI_READS,
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_ls_exec,
};
