/*
 * usage: GPU-hours per owner, group or GPU type over a window, and the
 * fair-share standing the scheduler keeps, like Slurm's sreport and
 * sshare.  The numbers come from store_usage_report, locally or through
 * a queue server's GET /v1/usage, so both print the same.
 */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "cli.h"
#include "cli-remote.h"
#include "store-ui.h"

static const struct cli_opt cmd_usage_opts[] = {
	{ "period", 0, CLI_OPT_STRING, "24h|7d|30d",
	    "the window, ending now (default 7d)" },
	{ "by", 0, CLI_OPT_STRING, "owner|group|type",
	    "what to sum GPU-hours per (default owner)" },
	{ "owner", 0, CLI_OPT_STRING, "USER", "only this owner's usage" },
	{ NULL, 0, 0, NULL, NULL }
};

/* The --by choices: the document's list, its key, and the table's head. */
static const struct {
	const char *by;
	const char *list;
	const char *key;
	const char *head;
} cmd_usage_bys[] = {
	{ "owner", "users", "user", "OWNER" },
	{ "group", "groups", "group", "GROUP" },
	{ "type", "types", "type", "GPU TYPE" },
};

/* GPU-hours as printed in tables and CSV: the same rounding for both. */
static void
cmd_usage_hours(char *buf, size_t len, json_t *o)
{
	snprintf(buf, len, "%.3f", json_number_value(json_object_get(o,
	    "gpu_hours")));
}

/* The --by list as CSV: key, owner (groups only), GPU-hours. */
static void
cmd_usage_csv(json_t *doc, size_t b)
{
	bool grp = strcmp(cmd_usage_bys[b].by, "group") == 0;
	char h[64];
	json_t *o;
	size_t i;

	cli_csv_field(stdout, cmd_usage_bys[b].by, false);
	if (grp)
		cli_csv_field(stdout, "owner", false);
	cli_csv_field(stdout, "gpu_hours", true);
	json_array_foreach(json_object_get(doc, cmd_usage_bys[b].list), i, o) {
		cli_csv_field(stdout, json_string_value(json_object_get(o,
		    cmd_usage_bys[b].key)), false);
		if (grp)
			cli_csv_field(stdout, json_string_value(
			    json_object_get(o, "owner")), false);
		cmd_usage_hours(h, sizeof h, o);
		cli_csv_field(stdout, h, true);
	}
}

/*
 * The fair-share table: decayed GPU-hours, each owner's share of all the
 * decayed usage and the order the scheduler gives their waiting jobs
 * (sched-policy.c: among owners not starving, less usage goes first).
 * Both come in the document, computed over every owner, so that a user
 * who may see only themselves sees their real standing ("3 of 7").
 */
static void
cmd_usage_fair(json_t *fair, json_int_t owners)
{
	struct cli_table *t;
	char h[64], share[32], rank[32];
	size_t i, n = json_array_size(fair);
	json_t *o;

	if (n == 0) {
		printf("No fair-share usage recorded.\n");
		return;
	}
	t = cli_table_new((const char *const[]){ "OWNER", "DECAYED GPU-H",
	    "SHARE", "ORDER" }, 4);
	json_array_foreach(fair, i, o) {
		cmd_usage_hours(h, sizeof h, o);
		snprintf(share, sizeof share, "%.1f%%", 100 *
		    json_number_value(json_object_get(o, "share")));
		snprintf(rank, sizeof rank, "%lld of %lld", (long long)
		    json_integer_value(json_object_get(o, "order")),
		    (long long)owners);
		cli_table_add(t, (const char *const[]){ json_string_value(
		    json_object_get(o, "user")), h, share, rank });
	}
	cli_table_print(t, stdout);
	cli_table_free(t);
	printf("ORDER: where the scheduler puts the owner's waiting jobs "
	    "(1 first: least\ndecayed usage), unless a job is starving.  "
	    "SHARE and ORDER count all %lld\nowners with usage.\n",
	    (long long)owners);
}

/* The human form: the --by table with its total, then fair share. */
static void
cmd_usage_print(json_t *doc, size_t b)
{
	bool grp = strcmp(cmd_usage_bys[b].by, "group") == 0;
	struct cli_table *t;
	char h[64];
	json_t *o;
	size_t i;

	printf("GPU-hours over %s (%s to %s)\n\n", json_string_value(
	    json_object_get(doc, "window")), json_string_value(
	    json_object_get(doc, "since")), json_string_value(
	    json_object_get(doc, "until")));
	t = grp ? cli_table_new((const char *const[]){ "GROUP", "OWNER",
	    "GPU-HOURS" }, 3) : cli_table_new((const char *const[]){
	    cmd_usage_bys[b].head, "GPU-HOURS" }, 2);
	json_array_foreach(json_object_get(doc, cmd_usage_bys[b].list), i, o) {
		cmd_usage_hours(h, sizeof h, o);
		cli_table_add(t, (const char *const[]){ json_string_value(
		    json_object_get(o, cmd_usage_bys[b].key)), grp ?
		    json_string_value(json_object_get(o, "owner")) : h, h });
	}
	snprintf(h, sizeof h, "%.3f", json_number_value(json_object_get(doc,
	    "total_gpu_hours")));
	cli_table_add(t, (const char *const[]){ "TOTAL", grp ? "" : h, h });
	cli_table_print(t, stdout);
	printf("\n");
	cli_table_free(t);
	cmd_usage_fair(json_object_get(doc, "fair_share"), json_integer_value(
	    json_object_get(doc, "fair_share_owners")));
}

/* The document from a queue server: GET /v1/usage. */
static int
cmd_usage_remote(struct cli_ctx *ctx, const char *window, const char *owner,
    json_t **out)
{
	char *q = NULL;
	int ret;

	cli_remote_query_add(ctx, &q, "window", window);
	if (owner != NULL)
		cli_remote_query_add(ctx, &q, "owner", owner);
	ret = cli_remote_get_json(ctx, API_PREFIX "/usage", q, out);
	free(q);
	return ret;
}

/* Reads the usage document (store or server) and prints it. */
static int
cmd_usage_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *period = cli_string(ctx, "period"), *by = cli_string(ctx,
	    "by"), *owner = cli_string(ctx, "owner"), *window;
	int64_t len, until;
	size_t b;
	char *cause = NULL;
	json_t *doc = NULL;
	int ret;

	(void)argc;
	(void)argv;
	if ((window = store_usage_window(period != NULL ? period : "7d",
	    &len)) == NULL) {
		cli_error(ctx, "--period must be 24h, 7d or 30d");
		return CLI_EXIT_USAGE;
	}
	for (b = 0; b < nitems(cmd_usage_bys); b++)
		if (strcmp(by != NULL ? by : "owner", cmd_usage_bys[b].by) == 0)
			break;
	if (b == nitems(cmd_usage_bys)) {
		cli_error(ctx, "--by must be owner, group or type");
		return CLI_EXIT_USAGE;
	}
	if (owner != NULL && (*owner == '\0' ||
	    strlen(owner) > STORE_USAGE_MAX_OWNER)) {
		cli_error(ctx, "--owner must be 1 to %d characters",
		    STORE_USAGE_MAX_OWNER);
		return CLI_EXIT_USAGE;
	}
	if (cli_queue(ctx) != &cli_queue_local) {
		if ((ret = cmd_usage_remote(ctx, window, owner, &doc)) !=
		    CLI_EXIT_OK)
			return ret;
	} else {
		until = now_ms();
		if (store_usage_report(cli_store(ctx), window, until - len,
		    until, NULL, NULL, owner, &doc, &cause) != 0) {
			cli_error(ctx, "cannot read the queue: %s", cause);
			free(cause);
			return CLI_EXIT_FAIL;
		}
	}
	ret = CLI_EXIT_OK;
	if (cli_output_is_machine(ctx))
		ret = cli_print_value(ctx, doc) == 0 ? CLI_EXIT_OK :
		    CLI_EXIT_FAIL;
	else if (ctx->output == CLI_OUTPUT_CSV)
		cmd_usage_csv(doc, b);
	else
		cmd_usage_print(doc, b);
	json_decref(doc);
	return ret;
}

const struct cli_cmd cli_cmd_usage = {
	.name = "usage",
	.usage = "[--period 24h|7d|30d] [--by owner|group|type] [--owner U]",
	.summary = "show GPU-hours per owner, group or type, and fair share",
	.help = "Sums the GPU-hours of the jobs that ran in the window (GPUs\n"
	    "times replicas, from each job's last start to its end or now,\n"
	    "clipped to the window) per owner, group or GPU type, then shows\n"
	    "the fair-share usage the scheduler keeps: each owner's GPU-hours\n"
	    "decayed with its half-life, their share of it, and the order it\n"
	    "gives their waiting jobs (least usage first, unless a job is\n"
	    "starving).  With --server the server's GET /v1/usage gives the\n"
	    "same numbers for what you may see.  -o json|yaml print the whole\n"
	    "document; -o csv the --by list.\n",
	.opts = cmd_usage_opts,
	.flags = CLI_NEEDS_STORE | CLI_REMOTE | CLI_READS,
	.exec = cmd_usage_exec,
};
