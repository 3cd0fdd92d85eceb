/* report: one row per job of a sweep or class assignment, with totals. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/*
 * One job's row, kept as little as a report prints: a group of 10,000
 * jobs held whole records and a parsed object of parameters each, 10 MB
 * of heap faulted in a page at a time (2,500 faults, most of report's
 * time).  A table needs only each parameter's text: vals[k] is the value
 * of the group's k-th key (NULL: none); JSON and YAML print the object.
 */
struct cmd_report_row {
	int64_t id;
	int64_t run_ms;
	enum store_state state;
	int exit_code;
	int attempts;
	bool has_exit_code;
	char *name;
	char *reason;
	char *gpu;               /* the GPU type it ran on, or "" */
	char *node;
	json_t *params;          /* object, -o json and yaml only, or NULL */
	char **vals;             /* nvals, by key index */
	size_t nvals;
	char text[];             /* name, reason, gpu and node */
};

/* What the walk over a group's rows collects: the rows (one allocation
 * each, never moved) and the parameter names of the group, in first-seen
 * order. */
struct cmd_report_rows {
	struct cmd_report_row **rows;
	size_t n, cap;
	char **keys;
	size_t nkeys;
	bool machine;
};

/* The index of a parameter's name, added when first seen. */
static size_t
cmd_report_key(struct cmd_report_rows *a, const char *key)
{
	size_t k;

	for (k = 0; k < a->nkeys; k++)
		if (strcmp(a->keys[k], key) == 0)
			return k;
	a->keys = xreallocarray(a->keys, a->nkeys + 1, sizeof *a->keys);
	a->keys[a->nkeys] = xstrdup(key);
	return a->nkeys++;
}

/* Takes a row's parameters: their names for the header, and for a table
 * the text of each (a value that is not a string prints empty, as it
 * always did); the object itself only for JSON and YAML. */
static void
cmd_report_params(struct cmd_report_rows *a, struct cmd_report_row *row,
    const char *text)
{
	json_t *params, *v;
	const char *key, *s;
	size_t k;

	params = text != NULL ? json_loads(text, 0, NULL) : NULL;
	if (params != NULL && !json_is_object(params)) {
		json_decref(params);
		params = NULL;
	}
	if (a->machine) {
		row->params = params;
		return;
	}
	json_object_foreach(params, key, v) {
		k = cmd_report_key(a, key);
		if ((s = json_string_value(v)) == NULL)
			continue;
		if (k >= row->nvals) {
			row->vals = xreallocarray(row->vals, k + 1,
			    sizeof *row->vals);
			memset(row->vals + row->nvals, 0,
			    (k + 1 - row->nvals) * sizeof *row->vals);
			row->nvals = k + 1;
		}
		row->vals[k] = xstrdup(s);
	}
	json_decref(params);
}

/* A parameter's value as text. */
static const char *
cmd_report_param(const struct cmd_report_row *r, size_t k)
{
	return k < r->nvals && r->vals[k] != NULL ? r->vals[k] : "";
}

/* Prints the rows in the chosen format, then the totals. */
static void
cmd_report_print(struct cli_ctx *ctx, const struct cmd_report_rows *a,
    const char *group)
{
	static const char *const fixed[] = { "STATE", "EXIT", "ATTEMPTS",
		"RUNTIME", "GPU", "NODE", "REASON" };
	const struct cmd_report_row *r;
	size_t nk = a->nkeys, ncol = 2 + nk + nitems(fixed), i, x;
	size_t counts[STORE_NSTATES] = { 0 };
	const char **hdr, **cells;
	char *id, *exitc, *att, *rt;
	struct cli_table *t = NULL;
	int64_t total_ms = 0;
	json_t *arr, *o;

	for (i = 0; i < a->n; i++) {
		counts[a->rows[i]->state]++;
		total_ms += a->rows[i]->run_ms;
	}
	if (cli_output_is_machine(ctx)) {
		arr = json_array();
		for (i = 0; i < a->n; i++) {
			r = a->rows[i];
			/* "o" takes a reference: the row keeps its own
			 * params, which the caller frees. */
			o = json_pack("{s:I,s:s,s:o,s:s,s:o,s:i,s:I,s:s,s:s,"
			    "s:s}", "id", (json_int_t)r->id, "name", r->name,
			    "params", r->params != NULL ?
			    json_incref(r->params) : json_object(),
			    "state", store_state_name(r->state),
			    "exit_code", r->has_exit_code ?
			    json_integer(r->exit_code) : json_null(), "attempts",
			    r->attempts, "run_seconds",
			    (json_int_t)(r->run_ms / 1000), "gpu_type",
			    r->gpu, "node", r->node, "reason", r->reason);
			json_array_append_new(arr, o);
		}
		o = json_pack("{s:s,s:o,s:{s:I,s:I,s:I,s:I}}", "group", group,
		    "jobs", arr, "totals", "jobs", (json_int_t)a->n,
		    "succeeded", (json_int_t)counts[STORE_SUCCEEDED], "failed",
		    (json_int_t)(counts[STORE_FAILED] +
		    counts[STORE_TIMED_OUT] + counts[STORE_CANCELLED]),
		    "run_seconds", (json_int_t)(total_ms / 1000));
		cli_print_value(ctx, o);
		json_decref(o);
		return;
	}
	hdr = xcalloc(ncol, sizeof *hdr);
	cells = xcalloc(ncol, sizeof *cells);
	hdr[0] = "ID";
	hdr[1] = "NAME";
	for (x = 0; x < nk; x++)
		hdr[2 + x] = a->keys[x];
	for (x = 0; x < nitems(fixed); x++)
		hdr[2 + nk + x] = fixed[x];
	if (ctx->output == CLI_OUTPUT_CSV) {
		for (x = 0; x < ncol; x++)
			cli_csv_field(stdout, hdr[x], x == ncol - 1);
	} else
		t = cli_table_new(hdr, (int)ncol);
	for (i = 0; i < a->n; i++) {
		r = a->rows[i];
		id = xprintf("%lld", (long long)r->id);
		exitc = r->has_exit_code ? xprintf("%d", r->exit_code) :
		    xstrdup("");
		att = xprintf("%d", r->attempts);
		rt = r->run_ms > 0 ? duration_format(r->run_ms / 1000) :
		    xstrdup("");
		cells[0] = id;
		cells[1] = r->name;
		for (x = 0; x < nk; x++)
			cells[2 + x] = cmd_report_param(r, x);
		cells[2 + nk] = store_state_name(r->state);
		cells[3 + nk] = exitc;
		cells[4 + nk] = att;
		cells[5 + nk] = rt;
		cells[6 + nk] = r->gpu;
		cells[7 + nk] = r->node;
		cells[8 + nk] = r->reason;
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
		    "%zu cancelled, %zu running, %zu waiting; run time %s\n",
		    a->n, counts[STORE_SUCCEEDED], counts[STORE_FAILED],
		    counts[STORE_TIMED_OUT], counts[STORE_CANCELLED],
		    counts[STORE_RUNNING] + counts[STORE_ADMITTED],
		    counts[STORE_QUEUED] + counts[STORE_HELD], rt);
		free(rt);
	}
	free(hdr);
	free(cells);
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

/* A row with its four strings copied into its own allocation. */
static struct cmd_report_row *
cmd_report_row_new(const char *name, const char *reason, const char *gpu,
    const char *node)
{
	const char *src[] = { name, reason, gpu, node };
	size_t len[nitems(src)], total = 0, i;
	struct cmd_report_row *row;
	char *p, **dst[nitems(src)];

	for (i = 0; i < nitems(src); i++) {
		if (src[i] == NULL)
			src[i] = "";
		len[i] = strlen(src[i]) + 1;
		total += len[i];
	}
	row = xcalloc(1, sizeof *row + total);
	dst[0] = &row->name;
	dst[1] = &row->reason;
	dst[2] = &row->gpu;
	dst[3] = &row->node;
	for (p = row->text, i = 0; i < nitems(src); p += len[i], i++) {
		memcpy(p, src[i], len[i]);
		*dst[i] = p;
	}
	return row;
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
	row = cmd_report_row_new(j->name, j->reason, j->run_gpu_type,
	    r->node != NULL ? r->node : "");
	a->rows[a->n++] = row;
	row->id = j->id;
	row->state = j->state;
	row->has_exit_code = j->has_exit_code;
	row->exit_code = j->exit_code;
	row->attempts = j->attempts;
	row->run_ms = cmd_report_run_ms(j, now_ms());
	cmd_report_params(a, row, r->params);
	return 0;
}

/* Reports every job of a group, ended or not, read in one query. */
static int
cmd_report_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct store_filter f = { .all = true };
	struct cmd_report_rows a = { 0 };
	size_t i, k;
	int ret;

	(void)argc;
	f.group = argv[0];
	a.machine = cli_output_is_machine(ctx);
	ret = cli_queue(ctx)->each(ctx, &f, STORE_ROW_PARAMS | STORE_ROW_NODE,
	    cmd_report_add, &a);
	if (ret == CLI_EXIT_OK && a.n == 0) {
		cli_error(ctx, "group '%s' not found", argv[0]);
		ret = CLI_EXIT_FAIL;
	} else if (ret == CLI_EXIT_OK)
		cmd_report_print(ctx, &a, argv[0]);
	for (i = 0; i < a.n; i++) {
		json_decref(a.rows[i]->params);
		for (k = 0; k < a.rows[i]->nvals; k++)
			free(a.rows[i]->vals[k]);
		free(a.rows[i]->vals);
		free(a.rows[i]);
	}
	for (k = 0; k < a.nkeys; k++)
		free(a.keys[k]);
	free(a.keys);
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
