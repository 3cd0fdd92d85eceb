/* report: one row per job of a sweep or class assignment, with totals. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* One job's row: its parameters, its end and where it ran; of job only
 * name, reason and run_gpu_type are set among the strings (copies). */
struct cmd_report_row {
	struct store_job job;
	json_t *params;          /* object, or NULL */
	char *node;
	int64_t run_ms;
};

/* What the walk over a group's rows collects. */
struct cmd_report_rows {
	struct cmd_report_row *rows;
	size_t n, cap;
};

/* The parameter names of the group, in first-seen order. */
static json_t *
cmd_report_keys(struct cmd_report_row *rows, size_t n)
{
	json_t *keys = json_array(), *v, *k;
	const char *key;
	size_t i, x;
	bool seen;

	for (i = 0; i < n; i++) {
		json_object_foreach(rows[i].params, key, v) {
			seen = false;
			json_array_foreach(keys, x, k)
				if (strcmp(json_string_value(k), key) == 0)
					seen = true;
			if (!seen)
				json_array_append_new(keys, json_string(key));
		}
	}
	return keys;
}

/* A parameter's value as text. */
static const char *
cmd_report_param(const struct cmd_report_row *r, const char *key)
{
	const char *v = json_string_value(json_object_get(r->params, key));

	return v != NULL ? v : "";
}

/* Prints the rows in the chosen format, then the totals. */
static void
cmd_report_print(struct cli_ctx *ctx, struct cmd_report_row *rows, size_t n,
    const char *group)
{
	static const char *const fixed[] = { "STATE", "EXIT", "ATTEMPTS",
		"RUNTIME", "GPU", "NODE", "REASON" };
	json_t *keys = cmd_report_keys(rows, n), *k, *arr, *o;
	size_t nk = json_array_size(keys), ncol = 2 + nk + nitems(fixed), i, x;
	size_t counts[STORE_NSTATES] = { 0 };
	const char **hdr, **cells;
	char *id, *exitc, *att, *rt;
	struct cli_table *t = NULL;
	int64_t total_ms = 0;

	for (i = 0; i < n; i++) {
		counts[rows[i].job.state]++;
		total_ms += rows[i].run_ms;
	}
	if (cli_output_is_machine(ctx)) {
		arr = json_array();
		for (i = 0; i < n; i++) {
			const struct store_job *j = &rows[i].job;

			/* "o" takes a reference: the row keeps its own
			 * params, which the caller frees. */
			o = json_pack("{s:I,s:s,s:o,s:s,s:o,s:i,s:I,s:s,s:s,"
			    "s:s}", "id", (json_int_t)j->id, "name", j->name,
			    "params", rows[i].params != NULL ?
			    json_incref(rows[i].params) : json_object(),
			    "state", store_state_name(j->state),
			    "exit_code", j->has_exit_code ?
			    json_integer(j->exit_code) : json_null(), "attempts",
			    j->attempts, "run_seconds",
			    (json_int_t)(rows[i].run_ms / 1000), "gpu_type",
			    j->run_gpu_type, "node", rows[i].node, "reason",
			    j->reason);
			json_array_append_new(arr, o);
		}
		o = json_pack("{s:s,s:o,s:{s:I,s:I,s:I,s:I}}", "group", group,
		    "jobs", arr, "totals", "jobs", (json_int_t)n, "succeeded",
		    (json_int_t)counts[STORE_SUCCEEDED], "failed",
		    (json_int_t)(counts[STORE_FAILED] +
		    counts[STORE_TIMED_OUT] + counts[STORE_CANCELLED]),
		    "run_seconds", (json_int_t)(total_ms / 1000));
		cli_print_value(ctx, o);
		json_decref(o);
		json_decref(keys);
		return;
	}
	hdr = xcalloc(ncol, sizeof *hdr);
	cells = xcalloc(ncol, sizeof *cells);
	hdr[0] = "ID";
	hdr[1] = "NAME";
	/* The parameters' columns are named by keys, alive until the end. */
	json_array_foreach(keys, x, k)
		hdr[2 + x] = json_string_value(k);
	for (x = 0; x < nitems(fixed); x++)
		hdr[2 + nk + x] = fixed[x];
	if (ctx->output == CLI_OUTPUT_CSV) {
		for (x = 0; x < ncol; x++)
			cli_csv_field(stdout, hdr[x], x == ncol - 1);
	} else
		t = cli_table_new(hdr, (int)ncol);
	for (i = 0; i < n; i++) {
		const struct store_job *j = &rows[i].job;

		id = xprintf("%lld", (long long)j->id);
		exitc = j->has_exit_code ? xprintf("%d", j->exit_code) :
		    xstrdup("");
		att = xprintf("%d", j->attempts);
		rt = rows[i].run_ms > 0 ? duration_format(rows[i].run_ms / 1000) :
		    xstrdup("");
		cells[0] = id;
		cells[1] = j->name;
		json_array_foreach(keys, x, k)
			cells[2 + x] = cmd_report_param(&rows[i],
			    json_string_value(k));
		cells[2 + nk] = store_state_name(j->state);
		cells[3 + nk] = exitc;
		cells[4 + nk] = att;
		cells[5 + nk] = rt;
		cells[6 + nk] = j->run_gpu_type;
		cells[7 + nk] = rows[i].node;
		cells[8 + nk] = j->reason;
		if (t != NULL)
			cli_table_add(t, cells);
		else
			for (x = 0; x < ncol; x++)
				cli_csv_field(stdout, cells[x], x == ncol - 1);
		free(id);
		free(exitc);
		free(att);
		free(rt);
	}
	if (t != NULL) {
		cli_table_print(t, stdout);
		cli_table_free(t);
		rt = duration_format(total_ms / 1000);
		printf("\n%zu jobs: %zu succeeded, %zu failed, %zu timed out, "
		    "%zu cancelled, %zu running, %zu waiting; run time %s\n", n,
		    counts[STORE_SUCCEEDED], counts[STORE_FAILED],
		    counts[STORE_TIMED_OUT], counts[STORE_CANCELLED],
		    counts[STORE_RUNNING] + counts[STORE_ADMITTED],
		    counts[STORE_QUEUED] + counts[STORE_HELD], rt);
		free(rt);
	}
	free(hdr);
	free(cells);
	json_decref(keys);
}

/*
 * How long a job ran, as its timeout counts it: an ended run's length on
 * the cluster's clock, which the scheduler recorded from its pods (the
 * local clock, and so the times it recorded, may run at another pace);
 * only when it recorded none, its end less its start.  A job on the
 * cluster has run since its start; a waiting one has not run (a retried
 * job's earlier attempts are in its history, not its current run).
 */
static int64_t
cmd_report_run_ms(const struct store_job *j, int64_t now)
{
	int64_t end;

	if (store_state_is_terminal(j->state) && j->run_ms > 0)
		return j->run_ms;
	if (j->state == STORE_QUEUED || j->state == STORE_HELD ||
	    j->started_at == 0)
		return 0;
	end = store_state_is_terminal(j->state) ? j->finished_at : now;
	return end > j->started_at ? end - j->started_at : 0;
}

/* store_row_fn: keeps what a report prints of one job, its parameters
 * read from the spec by the store and its node from the archive. */
static int
cmd_report_add(const struct store_row *r, void *arg)
{
	struct cmd_report_rows *a = arg;
	struct cmd_report_row *row;
	const struct store_job *j = &r->job;

	if (a->n == a->cap) {
		a->cap = a->cap == 0 ? 256 : a->cap * 2;
		a->rows = xreallocarray(a->rows, a->cap, sizeof *a->rows);
	}
	row = &a->rows[a->n++];
	memset(row, 0, sizeof *row);
	row->job = *j;
	row->job.name = xstrdup(j->name);
	row->job.reason = xstrdup(j->reason);
	row->job.run_gpu_type = xstrdup(j->run_gpu_type);
	row->job.namespace = row->job.owner = row->job.group = NULL;
	row->job.gpu_type = row->job.spec_json = row->job.run_nodes = NULL;
	row->params = r->params != NULL ? json_loads(r->params, 0, NULL) :
	    NULL;
	if (row->params != NULL && !json_is_object(row->params)) {
		json_decref(row->params);
		row->params = NULL;
	}
	row->node = xstrdup(r->node != NULL ? r->node : "");
	row->run_ms = cmd_report_run_ms(j, now_ms());
	return 0;
}

/* Reports every job of a group, ended or not, read in one query. */
static int
cmd_report_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct store_filter f = { .all = true };
	struct cmd_report_rows a = { NULL, 0, 0 };
	size_t i;
	int ret;

	(void)argc;
	f.group = argv[0];
	ret = cli_queue(ctx)->each(ctx, &f, STORE_ROW_PARAMS | STORE_ROW_NODE,
	    cmd_report_add, &a);
	if (ret == CLI_EXIT_OK && a.n == 0) {
		cli_error(ctx, "group '%s' not found", argv[0]);
		ret = CLI_EXIT_FAIL;
	} else if (ret == CLI_EXIT_OK)
		cmd_report_print(ctx, a.rows, a.n, argv[0]);
	for (i = 0; i < a.n; i++) {
		json_decref(a.rows[i].params);
		free(a.rows[i].node);
		free(a.rows[i].job.name);
		free(a.rows[i].job.reason);
		free(a.rows[i].job.run_gpu_type);
	}
	free(a.rows);
	return ret;
}

const struct cli_cmd cli_cmd_report = {
	.name = "report",
	.usage = "GROUP [-o table|csv|json|yaml]",
	.summary = "one row per job of a sweep or class: parameters, state, "
	    "exit code, run time",
	.help = "For a sweep the parameter columns are its parameters; for a\n"
	    "class assignment, the roster's columns. Totals follow the table.\n",
	.flags = CLI_NEEDS_STORE | CLI_REMOTE | CLI_READS,
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_report_exec,
};
