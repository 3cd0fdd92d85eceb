/* show: one job, what it asked for, its attempts and its history. */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "cli.h"

/* One "Label:      value" line, the value escaped for a terminal. */
static void
cmd_show_line(const char *label, const char *v)
{
	fputs(label, stdout);
	cli_put_text(stdout, v != NULL && *v != '\0' ? v : "-");
	fputc('\n', stdout);
}

/* A line whose value the caller allocated, printed as cmd_show_line
 * prints it and then freed. */
static void
cmd_show_take(const char *label, char *v)
{
	cmd_show_line(label, v);
	free(v);
}

/* A time as people read it: "2026-01-02T03:04:05Z, 5m ago", or "-". */
static char *
cmd_show_when(int64_t ms)
{
	char *t, *age, *s;

	if (ms == 0)
		return xstrdup("-");
	t = time_format_rfc3339(ms);
	age = cli_age(ms);
	s = xprintf("%s, %s ago", t, age);
	free(t);
	free(age);
	return s;
}

/* The priority by the name the spec language gives it, else the number. */
static char *
cmd_show_priority(int p)
{
	switch (p) {
	case 250:
		return xstrdup("low");
	case 500:
		return xstrdup("normal");
	case 750:
		return xstrdup("high");
	default:
		return xprintf("%d", p);
	}
}

/* The GPUs asked for, "2x RTX4090D x1", every acceptable type named. */
static char *
cmd_show_gpus(const struct store_job *j, const json_t *spec)
{
	json_t *types = json_object_get(json_object_get(spec, "gpu"), "types");
	json_t *v;
	char *list = NULL, *s;
	size_t i;

	if (json_array_size(types) < 2)
		return cli_gpu_text(j->gpu_type, j->gpu_count, j->replicas);
	json_array_foreach(types, i, v)
		xappendf(&list, "%s%s", list != NULL ? "|" : "",
		    json_string_value(v) != NULL ? json_string_value(v) : "?");
	s = cli_gpu_text(list, j->gpu_count, j->replicas);
	free(list);
	return s;
}

/* Prints the fields of the job that say what it asked for and where it
 * stands, read from its columns and its validated spec. */
static void
cmd_show_fields(struct cli_ctx *ctx, const struct store_job *j,
    const json_t *spec)
{
	json_t *cmd = json_object_get(spec, "command"), *v;
	int64_t timeout = json_integer_value(json_object_get(spec,
	    "timeout_s"));
	int retries = (int)json_integer_value(json_object_get(spec,
	    "retries"));
	char *s;
	size_t i;

	printf("ID:         %lld\n", (long long)j->id);
	cmd_show_line("Name:       ", j->name);
	printf("State:      %s%s%s%s\n", cli_state_color(ctx, j->state),
	    store_state_name(j->state), cli_color_reset(ctx),
	    j->cancel_requested && !store_state_is_terminal(j->state) ?
	    " (cancel requested)" : "");
	cmd_show_line("Reason:     ", j->reason);
	if (j->state == STORE_QUEUED) {
		char *start = cli_start_text(j->est_start);

		printf("Start:      %s (%s)\n", start, j->est_start != 0 ?
		    "estimated" : "none expected yet: see 'why'");
		free(start);
	}
	cmd_show_line("Owner:      ", j->owner);
	cmd_show_line("Namespace:  ", j->namespace);
	cmd_show_line("Group:      ", j->group);
	cmd_show_line("Image:      ", json_string_value(json_object_get(spec,
	    "image")));
	fputs("Command:    ", stdout);
	json_array_foreach(cmd, i, v) {
		if (i > 0)
			fputc(' ', stdout);
		cli_put_text(stdout, json_string_value(v) != NULL ?
		    json_string_value(v) : "");
	}
	fputs(json_array_size(cmd) == 0 ? "-\n" : "\n", stdout);
	cmd_show_take("GPUs:       ", cmd_show_gpus(j, spec));
	if (j->run_gpu_type != NULL && *j->run_gpu_type != '\0')
		cmd_show_line("Ran on:     ", j->run_gpu_type);
	s = quantity_format_milli(j->cpu_milli);
	printf("CPU:        %s per replica\n", s);
	free(s);
	s = quantity_format_bytes(j->memory_bytes);
	printf("Memory:     %s per replica\n", s);
	free(s);
	cmd_show_take("Priority:   ", cmd_show_priority(j->priority));
	cmd_show_take("Timeout:    ", timeout > 0 ?
	    duration_format_ms(timeout * 1000) : xstrdup("none"));
	printf("Retries:    %d of %d used\n", j->attempts > 1 ?
	    j->attempts - 1 : 0, retries);
	cmd_show_take("Submitted:  ", cmd_show_when(j->submitted_at));
	cmd_show_take("Started:    ", cmd_show_when(j->started_at));
	cmd_show_take("Ended:      ", cmd_show_when(j->finished_at));
	if (j->has_exit_code)
		printf("Exit code:  %d\n", j->exit_code);
	else
		printf("Exit code:  -\n");
}

/* Appends one rank's value to a comma-separated cell. */
static void
cmd_show_append(char **cell, const char *v)
{
	xappendf(cell, "%s%s", *cell != NULL ? "," : "", v);
}

/*
 * One row per attempt: its start is its admission in the event log and
 * its end the next move back to the queue or to an end, whose reason says
 * how it ended; the nodes and exit codes of its ranks come from its
 * archived replicas (the current attempt's nodes from the job).
 */
static void
cmd_show_attempts(const struct store_job *j, const struct store_event *ev,
    size_t nev, const struct store_replica *rep, size_t nrep)
{
	static const char *const hdr[] = { "ATTEMPT", "STARTED", "ENDED",
		"NODES", "EXIT", "HOW IT ENDED" };
	struct cli_table *t;
	char *num, *start, *end, *nodes, *exits, buf[16];
	size_t i, k, e;
	int a = 0;

	printf("Attempts:\n");
	if (j->attempts == 0) {
		printf("  none: it has not been admitted\n");
		return;
	}
	t = cli_table_new(hdr, 6);
	for (i = 0; i < nev; i++) {
		if (ev[i].to != STORE_ADMITTED)
			continue;
		a++;
		for (e = i + 1; e < nev; e++)
			if (ev[e].to == STORE_QUEUED ||
			    store_state_is_terminal(ev[e].to))
				break;
		nodes = exits = NULL;
		for (k = 0; k < nrep; k++) {
			if (rep[k].attempt != a)
				continue;
			cmd_show_append(&nodes, rep[k].node != NULL &&
			    *rep[k].node != '\0' ? rep[k].node : "?");
			if (rep[k].has_exit_code)
				snprintf(buf, sizeof buf, "%d",
				    rep[k].exit_code);
			else
				snprintf(buf, sizeof buf, "-");
			cmd_show_append(&exits, buf);
		}
		if (nodes == NULL && e == nev && a == j->attempts &&
		    j->run_nodes != NULL && *j->run_nodes != '\0')
			nodes = xstrdup(j->run_nodes);
		num = xprintf("%d", a);
		start = time_format_rfc3339(ev[i].at);
		end = e < nev ? time_format_rfc3339(ev[e].at) : xstrdup("-");
		cli_table_add(t, (const char *const[]){ num, start, end,
		    nodes != NULL ? nodes : "-", exits != NULL ? exits : "-",
		    e < nev ? ev[e].reason : store_state_name(j->state) });
		free(num);
		free(start);
		free(end);
		free(nodes);
		free(exits);
	}
	cli_table_print(t, stdout);
	cli_table_free(t);
}

/* Prints the job for people: fields, attempts, then the events. */
static void
cmd_show_text(struct cli_ctx *ctx, const struct store_job *j,
    const struct store_event *ev, size_t nev, const struct store_replica *rep,
    size_t nrep)
{
	static const char *const hdr[] = { "TIME", "FROM", "TO", "REASON" };
	struct cli_table *t;
	json_t *spec;
	char *when;
	size_t i;

	spec = j->spec_json != NULL ? json_loads(j->spec_json, 0, NULL) : NULL;
	cmd_show_fields(ctx, j, spec);
	json_decref(spec);
	cmd_show_attempts(j, ev, nev, rep, nrep);
	printf("Events:\n");
	t = cli_table_new(hdr, 4);
	for (i = 0; i < nev; i++) {
		when = time_format_rfc3339(ev[i].at);
		cli_table_add(t, (const char *const[]){ when, ev[i].from < 0 ?
		    "-" : store_state_name((enum store_state)ev[i].from),
		    store_state_name(ev[i].to), ev[i].reason });
		free(when);
	}
	cli_table_print(t, stdout);
	cli_table_free(t);
}

/* Shows one job, or says it does not exist; -o json and -o yaml print the
 * whole record as the server's GET /v1/jobs/{id} does, from either queue. */
static int
cmd_show_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct store_job *j = NULL;
	struct store_event *ev = NULL;
	struct store_replica *rep = NULL;
	size_t nev = 0, nrep = 0;
	int64_t id;
	json_t *o;
	int ret;

	(void)argc;
	if (cli_parse_id(ctx, argv[0], &id) != 0)
		return CLI_EXIT_USAGE;
	if ((ret = cli_queue(ctx)->detail(ctx, id, &j, &ev, &nev, &rep,
	    &nrep)) != CLI_EXIT_OK)
		return ret;
	if (cli_output_is_machine(ctx)) {
		o = api_job_detail_encode(j, ev, nev, rep, nrep);
		if (cli_print_value(ctx, o) != 0)
			ret = CLI_EXIT_FAIL;
		json_decref(o);
	} else
		cmd_show_text(ctx, j, ev, nev, rep, nrep);
	store_replicas_free(rep, nrep);
	store_events_free(ev, nev);
	store_job_free(j);
	return ret;
}

const struct cli_cmd cli_cmd_show = {
	.name = "show",
	.alias = "describe",
	.usage = "ID",
	.summary = "show a job: what it asked for, its attempts and its "
	    "history",
	.flags = CLI_NEEDS_STORE | CLI_REMOTE | CLI_READS,
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_show_exec,
};
