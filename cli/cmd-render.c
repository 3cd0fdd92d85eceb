/* render: shows the Kubernetes objects a spec's jobs would create. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "spec.h"

static const struct cli_opt cmd_render_opts[] = {
	{ "set", 0, CLI_OPT_LIST, "KEY=VALUE",
	  "override a field of every spec (dotted keys, YAML values)" },
	{ "id", 0, CLI_OPT_STRING, "N",
	  "job id to render the first job with (default 1; later jobs "
	  "count up)" },
	{ "attempt", 0, CLI_OPT_STRING, "N", "attempt number (default 1)" },
	{ "group", 'g', CLI_OPT_STRING, "NAME",
	  "render as submit --group NAME would queue them" },
	{ "gpu-type", 0, CLI_OPT_STRING, "TYPE",
	  "the GPU type the job is admitted on (default: any it accepts)" },
	{ NULL, 0, 0, NULL, NULL }
};

/* Renders every job of the file as the scheduler would create it. */
static int
cmd_render_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct spec_set **sets = NULL;
	struct spec_run run = { 0 };
	struct spec_job *j;
	long id, attempt;
	json_t *all, *objs, *list;
	char *cause = NULL, *text;
	size_t i, k;
	int f, ret = CLI_EXIT_USAGE;

	if (cli_number(ctx, "id", 0, 1, &id) != 0 ||
	    cli_number(ctx, "attempt", 0, 1, &attempt) != 0)
		return CLI_EXIT_USAGE;
	if (cli_spec_load(ctx, argc, argv, cli_string(ctx, "group"),
	    &sets) != 0)
		goto out;
	/* -o is json or yaml: cli_main refuses the others. */
	if (!ctx->output_set)
		ctx->output = CLI_OUTPUT_YAML;
	all = json_array();
	for (f = 0, k = 0; f < argc; f++) {
		for (i = 0; i < sets[f]->n; i++, k++) {
			j = sets[f]->jobs[i];
			run.job_id = id + (long long)k;
			run.attempt = (int)attempt;
			run.owner = cli_owner();
			run.group = j->group;
			run.gpu_type = cli_string(ctx, "gpu-type");
			text = spec_job_json(j);
			objs = spec_render_job_json(text, &run, &cause);
			free(text);
			if (objs == NULL) {
				cli_error(ctx, "%s: %s", j->name, cause);
				free(cause);
				json_decref(all);
				ret = CLI_EXIT_FAIL;
				goto out;
			}
			json_array_extend(all, objs);
			json_decref(objs);
		}
	}
	/* A v1 List, which kubectl apply -f and create -f accept. */
	list = json_pack("{s:s,s:s,s:o}", "apiVersion", "v1", "kind", "List",
	    "items", all);
	cli_print_value(ctx, list);
	json_decref(list);
	ret = CLI_EXIT_OK;
out:
	cli_spec_free(sets, argc);
	return ret;
}

const struct cli_cmd cli_cmd_render = {
	.name = "render",
	.usage = "[-o yaml|json] [--set KEY=VALUE]... [--id N] FILE...",
	.summary = "print the Kubernetes objects a spec's jobs would create",
	.help = "Prints, for each job, the headless Service and the\n"
	    "Deployments (one per rank) or Indexed Job exactly as the\n"
	    "scheduler creates them, named <name>-<id>. Job ids are not known\n"
	    "before submit: --id sets the first (default 1).\n",
	.opts = cmd_render_opts,
	.min_args = 1,
	.max_args = -1,
	.exec = cmd_render_exec,
};
