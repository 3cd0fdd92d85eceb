/* Helpers for the commands that act on lists of job ids. */
#include <errno.h>
#include <ftw.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli-jobs.h"
#include "spec.h"

/* Up to this many jobs an action prints a line for each that went well;
 * past it, the summary (-v for every line). */
#define CLI_JOBS_LINES 10

/* What each action is called, and the states its filters pick by
 * default: cancel what is still active, hold what waits, release what
 * is held, retry what failed or timed out (never what a user
 * cancelled, unless --state cancelled says so). */
static const struct {
	const char *name;
	const char *done;
	unsigned int states;
} cli_jobs_acts[] = {
	[CLI_QUEUE_CANCEL] = { "cancel", "cancelled",
	    STORE_STATE_BIT(STORE_QUEUED) | STORE_STATE_BIT(STORE_HELD) |
	    STORE_STATE_BIT(STORE_ADMITTED) | STORE_STATE_BIT(STORE_RUNNING) },
	[CLI_QUEUE_HOLD] = { "hold", "held", STORE_STATE_BIT(STORE_QUEUED) },
	[CLI_QUEUE_RELEASE] = { "release", "released",
	    STORE_STATE_BIT(STORE_HELD) },
	[CLI_QUEUE_RETRY] = { "retry", "retried",
	    STORE_STATE_BIT(STORE_FAILED) | STORE_STATE_BIT(STORE_TIMED_OUT) },
};

/* The results of docs/api.md's actions as a summary says them, in the
 * order it says them. */
static const struct {
	const char *result;
	const char *words;
} cli_jobs_results[] = {
	{ "cancelled", "cancelled" },
	{ "cancel_requested", "cancel requested" },
	{ "held", "held" }, { "released", "released" },
	{ "queued", "queued again" }, { "already", "already ended" },
	{ "skipped", "left alone" }, { "not_found", "not found" },
	{ "conflict", "refused" }, { "limit_exceeded", "over the limit" },
};

/* The items counted by result: the summary line, or for -o json|yaml an
 * object of counts. */
static json_t *
cli_jobs_counts(json_t *items, char **line)
{
	json_t *counts = json_object(), *item;
	const char *res;
	size_t i, k, n;

	json_array_foreach(items, i, item) {
		res = json_string_value(json_object_get(item, "result"));
		if (res == NULL)
			res = "unknown";
		n = (size_t)json_integer_value(json_object_get(counts, res));
		json_object_set_new(counts, res, json_integer((json_int_t)n +
		    1));
	}
	*line = xprintf("%zu job%s:", json_array_size(items),
	    json_array_size(items) == 1 ? "" : "s");
	for (k = 0, n = 0; k < nitems(cli_jobs_results); k++) {
		i = (size_t)json_integer_value(json_object_get(counts,
		    cli_jobs_results[k].result));
		if (i == 0)
			continue;
		xappendf(line, "%s %zu %s", n++ == 0 ? "" : ",", i,
		    cli_jobs_results[k].words);
	}
	return counts;
}

/*
 * Prints what an action did: a line a job (those that went wrong always,
 * the others when there are few or -v) and a summary for people; the
 * result object for -o json|yaml; the ids changed for -o name.
 */
static int
cli_jobs_report(struct cli_ctx *ctx, enum cli_queue_act act, json_t *items,
    int ret)
{
	json_t *item, *counts, *o;
	const char *msg, *res;
	char *line;
	size_t i, n = json_array_size(items);
	bool ok;

	json_array_foreach(items, i, item)
		if (!json_is_true(json_object_get(item, "ok")) &&
		    ret == CLI_EXIT_OK)
			ret = CLI_EXIT_FAIL;
	counts = cli_jobs_counts(items, &line);
	if (cli_output_is_machine(ctx)) {
		o = json_pack("{s:s,s:b,s:I,s:o,s:O}", "action",
		    cli_jobs_acts[act].name, "ok", ret == CLI_EXIT_OK, "jobs",
		    (json_int_t)n, "counts", counts, "items", items);
		if (cli_print_value(ctx, o) != 0 && ret == CLI_EXIT_OK)
			ret = CLI_EXIT_FAIL;
		json_decref(o);
		free(line);
		return ret;
	}
	json_decref(counts);
	json_array_foreach(items, i, item) {
		ok = json_is_true(json_object_get(item, "ok"));
		msg = json_string_value(json_object_get(item, "message"));
		res = json_string_value(json_object_get(item, "result"));
		if (ctx->output == CLI_OUTPUT_NAME) {
			if (ok && res != NULL && strcmp(res, "already") != 0 &&
			    strcmp(res, "skipped") != 0)
				printf("%lld\n", (long long)json_integer_value(
				    json_object_get(item, "id")));
			if (!ok)
				cli_error(ctx, "%s", msg != NULL ? msg : "");
		} else if (!ok)
			cli_error(ctx, "%s", msg != NULL ? msg : "");
		else if (n <= CLI_JOBS_LINES || ctx->verbose > 0)
			cli_info(ctx, "%s", msg != NULL ? msg : "");
	}
	if (n > 1 && ctx->output != CLI_OUTPUT_NAME)
		cli_info(ctx, "%s", line);
	free(line);
	return ret;
}

/* See cli-jobs.h: every action selects jobs the same way. */
const struct cli_opt cli_jobs_act_opts[] = {
	CLI_SELECT_OPTS("jobs"),
	{ NULL, 0, 0, NULL, NULL }
};

/* See cli-jobs.h: the selection, resolved where filters or retry's
 * default need the jobs' states, to the queue's action. */
int
cli_jobs_act(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_select sel;
	enum cli_queue_act act;
	int64_t *ids = NULL;
	size_t n = 0, i = 0;
	json_t *items;
	int ret;

	while (strcmp(cli_jobs_acts[i].name, ctx->cmd->name) != 0)
		if (++i == nitems(cli_jobs_acts))
			fatalx("cli: no action '%s'", ctx->cmd->name);
	act = (enum cli_queue_act)i;
	if ((ret = cli_select_acting(ctx, argc, argv, &sel)) != CLI_EXIT_OK)
		return ret;
	items = json_array();
	if (!cli_select_has_filter(&sel) && act != CLI_QUEUE_RETRY) {
		ids = sel.ids;
		n = sel.nids;
		sel.ids = NULL;
	} else if ((ret = cli_select_resolve(ctx, &sel,
	    cli_jobs_acts[act].done, cli_jobs_acts[act].states,
	    act == CLI_QUEUE_RETRY, &ids, &n, items)) != CLI_EXIT_OK)
		goto out;
	if (n == 0 && json_array_size(items) == 0 &&
	    !cli_output_is_machine(ctx))
		cli_info(ctx, "no jobs match the selection");
	if (n > 0)
		ret = cli_queue(ctx)->act(ctx, act, ids, n, items);
	ret = cli_jobs_report(ctx, act, items, ret);
out:
	json_decref(items);
	free(ids);
	cli_select_release(&sel);
	return ret;
}

/* See cli.h: standard input as a spec file, bounded like a file. */
int
cli_stdin(struct cli_ctx *ctx, size_t max, const char **buf, size_t *len,
    char **cause)
{
	size_t n = 0, r;
	char *b;

	if (ctx->stdin_buf == NULL) {
		b = xmalloc(max + 2);
		while (n <= max && (r = fread(b + n, 1, max + 1 - n,
		    stdin)) > 0)
			n += r;
		if (ferror(stdin)) {
			*cause = xprintf("cannot read standard input: %s",
			    strerror(errno));
			free(b);
			return -1;
		}
		if (n > max) {
			*cause = xprintf("standard input is larger than %zu "
			    "bytes", max);
			free(b);
			return -1;
		}
		b[n] = '\0';
		ctx->stdin_buf = b;
		ctx->stdin_len = n;
	}
	*buf = ctx->stdin_buf;
	*len = ctx->stdin_len;
	return 0;
}

/* nftw callback: removes one entry, children first. */
static int
cli_remove_one(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

/* rm -rf of a directory the command created itself. */
void
cli_remove_tree(const char *path)
{
	nftw(path, cli_remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* The store's view of every job of loaded spec sets, owned by owner
 * (NULL: none yet); the array is the caller's, its strings still belong
 * to the sets. */
struct store_job_new *
cli_jobs_from_sets(struct spec_set **sets, int nsets, bool held,
    const char *owner, size_t *np)
{
	struct store_job_new *jobs;
	struct spec_job *sj;
	size_t n = 0, k = 0, i;
	int f;

	for (f = 0; f < nsets; f++)
		n += sets[f]->n;
	jobs = xcalloc(n + 1, sizeof *jobs);
	for (f = 0; f < nsets; f++) {
		for (i = 0; i < sets[f]->n; i++, k++) {
			sj = sets[f]->jobs[i];
			jobs[k].name = sj->name;
			jobs[k].namespace = sj->namespace;
			jobs[k].owner = owner;
			jobs[k].group = sj->group;
			jobs[k].group_kind = sj->group_kind;
			jobs[k].priority = sj->priority;
			jobs[k].gpu_type = sj->gpu_type;
			jobs[k].gpu_count = sj->gpu_count;
			jobs[k].replicas = sj->replicas;
			jobs[k].cpu_milli = sj->cpu_milli;
			jobs[k].memory_bytes = sj->memory_bytes;
			jobs[k].spec_shared = sj->spec_shared;
			jobs[k].spec_shared_len = sj->spec_shared_len;
			jobs[k].spec_json = sj->spec_own;
			jobs[k].held = held;
		}
	}
	*np = n;
	return jobs;
}

/* Validates every file, then queues all their jobs in one transaction. */
int
cli_submit_files(struct cli_ctx *ctx, int argc, char **argv, int64_t **idsp,
    size_t *np)
{
	struct spec_set **sets = NULL;
	struct store_job_new *jobs = NULL;
	struct store *s;
	int64_t *ids = NULL;
	size_t n = 0;
	char *cause = NULL;
	int ret = CLI_EXIT_USAGE;

	if (cli_spec_load(ctx, argc, argv, NULL, &sets) != 0) {
		cli_error(ctx, "nothing queued");
		goto out;
	}
	jobs = cli_jobs_from_sets(sets, argc, false, cli_owner(), &n);
	ret = CLI_EXIT_FAIL;
	if ((s = cli_store(ctx)) == NULL)
		goto out;
	if (store_check_after(s, jobs, n, &cause) != 0) {
		cli_error(ctx, "nothing queued: %s", cause);
		free(cause);
		ret = CLI_EXIT_USAGE;
		goto out;
	}
	ids = xcalloc(n + 1, sizeof *ids);
	if (store_submit(s, jobs, n, ids, &cause) != 0) {
		cli_error(ctx, "nothing queued: %s", cause);
		free(cause);
		goto out;
	}
	if (idsp != NULL) {
		*idsp = ids;
		*np = n;
		ids = NULL;
	}
	ret = CLI_EXIT_OK;
out:
	free(jobs);
	free(ids);
	cli_spec_free(sets, argc);
	return ret;
}

/* Adds one roster, read relative to the spec, to a bundle's rosters;
 * 0, or -1 after printing why. */
static int
cli_submit_roster(const char *path, const char *ref, size_t max,
    json_t *rosters)
{
	char *text = NULL, *cause = NULL;
	size_t len = 0;
	json_t *v;

	if (spec_roster_read(path, ref, max, &text, &len, &cause) != 0) {
		fprintf(stderr, "%s: %s\n", path, cause);
		free(cause);
		return -1;
	}
	if ((v = json_stringn(text, len)) == NULL) {
		fprintf(stderr, "%s: roster '%s' is not UTF-8 text\n", path,
		    ref);
		free(text);
		return -1;
	}
	free(text);
	json_object_set_new(rosters, ref, v);
	return 0;
}

/* See cli-jobs.h. */
int
cli_submit_body(const char *path, size_t max, char **buf, size_t *len,
    bool *bundle, size_t *ndiags)
{
	json_t *doc = NULL, *rosters, *spec;
	char **refs = NULL, *out = NULL;
	size_t n = 0, i;
	int ret = -1;

	*bundle = false;
	spec_roster_refs(path, *buf, *len, &refs, &n);
	if (n == 0)
		return 0;
	if (n > SPEC_MAX_ROSTERS) {
		fprintf(stderr, "%s: more than %d rosters in one file\n", path,
		    SPEC_MAX_ROSTERS);
		goto out;
	}
	if ((spec = json_stringn(*buf, *len)) == NULL) {
		fprintf(stderr, "%s: the spec is not UTF-8 text\n", path);
		goto out;
	}
	rosters = json_object();
	doc = json_pack("{s:o,s:o}", "spec", spec, "rosters", rosters);
	for (i = 0; i < n; i++)
		if (cli_submit_roster(path, refs[i], max, rosters) != 0)
			goto out;
	out = json_dumps(doc, JSON_COMPACT);
	if (strlen(out) > max) {
		fprintf(stderr, "%s: the spec and its rosters are larger than "
		    "%zu bytes, what a server takes\n", path, max);
		goto out;
	}
	free(*buf);
	*len = strlen(out);
	*buf = out;
	out = NULL;
	*bundle = true;
	ret = 0;
out:
	if (ret != 0)
		(*ndiags)++;
	for (i = 0; i < n; i++)
		free(refs[i]);
	free(refs);
	free(out);
	json_decref(doc);
	return ret;
}

/* See cli-jobs.h: one order of checks for both ways a submit is
 * recorded, so that the scheduler's intake refuses what the direct path
 * refuses. */
int
cli_jobs_record(struct store *s, struct store_job_new *jobs, size_t n,
    bool append, int64_t *ids, bool *refused, char **cause)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (jobs[i].owner == NULL)
			jobs[i].owner = cli_owner();
	*refused = true;
	if ((!append && store_check_groups(s, jobs, n, cause) != 0) ||
	    store_check_after(s, jobs, n, cause) != 0)
		return -1;
	*refused = false;
	return store_submit(s, jobs, n, ids, cause);
}
