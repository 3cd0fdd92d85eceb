/* show: one job, its spec and its history. */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "cli.h"

/* One "Label:      value" line, the value escaped for a terminal. */
static void
cmd_show_line(const char *label, const char *v)
{
	fputs(label, stdout);
	cli_put_text(stdout, v);
	fputc('\n', stdout);
}

/* Prints the job for people: fields, the spec as YAML, then the events. */
static void
cmd_show_text(struct cli_ctx *ctx, const struct store_job *j,
    const struct store_event *ev, size_t nev)
{
	static const char *const hdr[] = { "TIME", "FROM", "TO", "REASON" };
	struct cli_table *t;
	const char *cells[4];
	char *when, *gpu, *cpu, *mem, *start;
	json_t *spec;
	size_t i;

	when = time_format_rfc3339(j->submitted_at);
	gpu = cli_gpu_text(j->gpu_type, j->gpu_count, j->replicas);
	cpu = quantity_format_milli(j->cpu_milli);
	mem = quantity_format_bytes(j->memory_bytes);
	start = cli_start_text(j->est_start);
	printf("ID:         %lld\n", (long long)j->id);
	cmd_show_line("Name:       ", j->name);
	printf("State:      %s%s%s%s\n", cli_state_color(ctx, j->state),
	    store_state_name(j->state), cli_color_reset(ctx),
	    j->cancel_requested && !store_state_is_terminal(j->state) ?
	    " (cancel requested)" : "");
	cmd_show_line("Reason:     ", *j->reason ? j->reason : "-");
	if (j->state == STORE_QUEUED)
		printf("Start:      %s (%s)\n", start, j->est_start != 0 ?
		    "estimated" : "none expected yet: see 'why'");
	cmd_show_line("Namespace:  ", j->namespace);
	cmd_show_line("Owner:      ", j->owner);
	cmd_show_line("Group:      ", j->group != NULL ? j->group : "-");
	printf("Priority:   %d\n", j->priority);
	cmd_show_line("GPU:        ", gpu);
	printf("Resources:  cpu %s, memory %s per replica\n", cpu, mem);
	printf("Attempts:   %d\n", j->attempts);
	printf("Submitted:  %s\n", when);
	printf("Spec:\n");
	fflush(stdout);
	spec = json_loads(j->spec_json, 0, NULL);
	if (spec != NULL) {
		cli_emit_yaml(stdout, spec);
		json_decref(spec);
	}
	printf("Events:\n");
	t = cli_table_new(hdr, 4);
	for (i = 0; i < nev; i++) {
		free(when);
		when = time_format_rfc3339(ev[i].at);
		cells[0] = when;
		cells[1] = ev[i].from < 0 ? "-" :
		    store_state_name((enum store_state)ev[i].from);
		cells[2] = store_state_name(ev[i].to);
		cells[3] = ev[i].reason;
		cli_table_add(t, cells);
	}
	cli_table_print(t, stdout);
	cli_table_free(t);
	free(when);
	free(gpu);
	free(cpu);
	free(mem);
	free(start);
}

/* Shows one job, or says it does not exist. */
static int
cmd_show_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct store_job *j = NULL;
	struct store_event *ev = NULL;
	struct store_replica *rep = NULL;
	size_t nev = 0, nrep = 0, i;
	int64_t id;
	char *t;
	json_t *o, *arr, *e;
	int ret;

	(void)argc;
	if (cli_parse_id(ctx, argv[0], &id) != 0)
		return CLI_EXIT_USAGE;
	if ((ret = cli_queue(ctx)->detail(ctx, id, &j, &ev, &nev, &rep,
	    &nrep)) != CLI_EXIT_OK)
		return ret;
	if (j == NULL) {
		cli_error(ctx, "job %lld not found", (long long)id);
		return CLI_EXIT_FAIL;
	}
	if (ctx->output == CLI_OUTPUT_JSON || ctx->output == CLI_OUTPUT_YAML) {
		o = api_job_encode(j);
		arr = json_array();
		for (i = 0; i < nev; i++) {
			t = time_format_rfc3339(ev[i].at);
			e = json_pack("{s:s,s:o,s:s,s:s}", "time", t, "from",
			    ev[i].from < 0 ? json_null() : json_string(
			    store_state_name((enum store_state)ev[i].from)),
			    "to", store_state_name(ev[i].to), "reason",
			    ev[i].reason);
			json_array_append_new(arr, e);
			free(t);
		}
		json_object_set_new(o, "events", arr);
		cli_print_value(ctx, o);
		json_decref(o);
	} else
		cmd_show_text(ctx, j, ev, nev);
	store_replicas_free(rep, nrep);
	store_events_free(ev, nev);
	store_job_free(j);
	return ret;
}

const struct cli_cmd cli_cmd_show = {
	.name = "show",
	.alias = "describe",
	.usage = "ID",
	.summary = "show a job: its spec and its state history",
	.opts = NULL,
	.flags = CLI_NEEDS_STORE | CLI_REMOTE | CLI_READS,
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_show_exec,
};
