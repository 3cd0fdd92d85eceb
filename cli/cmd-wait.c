/* wait: follows jobs until they end; exits 0 only if all succeeded. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "cli.h"
#include "cli-jobs.h"

static const struct cli_opt cmd_wait_opts[] = {
	CLI_SELECT_OPTS("jobs"),
	{ "timeout", 0, CLI_OPT_STRING, "DURATION",
	  "give up after this long (exit 3)" },
	{ NULL, 0, 0, NULL, NULL }
};

#define CLI_EXIT_TIMEOUT 3

/* One pass of the follow loop: what it has seen of each job. */
struct cli_wait_pass {
	struct cli_ctx *ctx;
	const int64_t *ids;      /* as given */
	size_t *order;           /* indexes of ids, by id */
	size_t n;
	enum store_state *last;  /* per index of ids */
	bool *seen;
	bool tty;
	size_t counts[STORE_NSTATES], ended, ok;
};

/* qsort: indexes of ids by id. */
static const int64_t *cli_wait_sort_ids;
static int
cli_wait_cmp(const void *a, const void *b)
{
	int64_t x = cli_wait_sort_ids[*(const size_t *)a];
	int64_t y = cli_wait_sort_ids[*(const size_t *)b];

	return x < y ? -1 : x > y;
}

/* store_row_fn: counts one job's state, saying when it changed; a job
 * named twice counts twice, as it always has. */
static int
cli_wait_row(const struct store_row *r, void *arg)
{
	struct cli_wait_pass *p = arg;
	const struct store_job *j = &r->job;
	size_t lo = 0, hi = p->n, mid, k;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (p->ids[p->order[mid]] < j->id)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < p->n && p->ids[k = p->order[lo]] == j->id; lo++) {
		p->seen[k] = true;
		p->counts[j->state]++;
		if (store_state_is_terminal(j->state)) {
			p->ended++;
			if (j->state == STORE_SUCCEEDED)
				p->ok++;
		}
		/* Plain lines when not on a terminal: one a change. */
		if (!p->tty && !p->ctx->quiet && j->state != p->last[k])
			cli_info(p->ctx, "job %lld %s%s%s", (long long)j->id,
			    store_state_name(j->state), *j->reason ? ": " : "",
			    j->reason);
		p->last[k] = j->state;
	}
	return 0;
}

/* One look at every job, in one query on a local queue; -1 after
 * printing when one has gone. */
static int
cli_wait_look(struct cli_wait_pass *p, int *ret)
{
	struct store_filter f = { .ids = p->ids, .nids = p->n };
	size_t i;

	memset(p->counts, 0, sizeof p->counts);
	memset(p->seen, 0, p->n * sizeof *p->seen);
	p->ended = p->ok = 0;
	if ((*ret = cli_queue(p->ctx)->each(p->ctx, &f, STORE_ROW_BRIEF,
	    cli_wait_row,
	    p)) != CLI_EXIT_OK)
		return -1;
	for (i = 0; i < p->n; i++)
		if (!p->seen[i]) {
			cli_error(p->ctx, "a job disappeared from the queue");
			*ret = CLI_EXIT_FAIL;
			return -1;
		}
	return 0;
}

/* How a wait ended: the jobs' last states, for the summary. */
struct cli_wait_result {
	size_t n, ended, counts[STORE_NSTATES];
	enum store_state *last;  /* per id given; the caller frees it */
};

/* The follow loop of wait and submit --wait: an exit status (0 all
 * succeeded, 1 not, 3 --timeout), what it saw in *res. */
static int
cli_wait_follow(struct cli_ctx *ctx, const int64_t *ids, size_t n,
    int64_t timeout_s, struct cli_wait_result *res)
{
	const struct cli_queue_ops *q = cli_queue(ctx);
	struct cli_wait_pass p = { .ctx = ctx, .ids = ids, .n = n };
	int64_t start = now_ms(), pause_ms = 500;
	struct timespec ts;
	size_t i;
	int ret;

	p.tty = isatty(STDERR_FILENO) && !ctx->quiet;
	/* A server is asked once a job a pass: spare its rate limit. */
	if (q != &cli_queue_local && (int64_t)n * 100 > pause_ms)
		pause_ms = (int64_t)n * 100 > 10000 ? 10000 : (int64_t)n * 100;
	ts.tv_sec = (time_t)(pause_ms / 1000);
	ts.tv_nsec = (long)(pause_ms % 1000) * 1000 * 1000;
	p.last = xcalloc(n + 1, sizeof *p.last);
	p.seen = xcalloc(n + 1, sizeof *p.seen);
	p.order = xcalloc(n + 1, sizeof *p.order);
	for (i = 0; i < n; i++) {
		p.last[i] = STORE_NSTATES;
		p.order[i] = i;
	}
	cli_wait_sort_ids = ids;
	qsort(p.order, n, sizeof *p.order, cli_wait_cmp);
	for (;;) {
		if (cli_wait_look(&p, &ret) != 0)
			goto out;
		if (p.tty)
			fprintf(stderr, "\r%zu/%zu ended: %zu succeeded, %zu "
			    "running, %zu waiting, %zu failed   ", p.ended, n,
			    p.ok, p.counts[STORE_RUNNING] +
			    p.counts[STORE_ADMITTED], p.counts[STORE_QUEUED] +
			    p.counts[STORE_HELD], p.ended - p.ok);
		if (p.ended == n) {
			ret = p.ok == n ? CLI_EXIT_OK : CLI_EXIT_FAIL;
			break;
		}
		if (timeout_s > 0 && now_ms() - start > timeout_s * 1000) {
			ret = CLI_EXIT_TIMEOUT;
			break;
		}
		nanosleep(&ts, NULL);
	}
	if (p.tty)
		fputc('\n', stderr);
out:
	res->n = n;
	res->ended = p.ended;
	memcpy(res->counts, p.counts, sizeof res->counts);
	res->last = p.last;
	free(p.seen);
	free(p.order);
	return ret;
}

/* The one line on stderr when the wait did not end in success: a
 * timeout, or jobs that ended otherwise (a failed look says its own). */
static void
cli_wait_error(struct cli_ctx *ctx, int ret, const struct cli_wait_result *r,
    size_t n)
{
	if (ret == CLI_EXIT_TIMEOUT)
		cli_error(ctx, "timed out waiting: %zu of %zu jobs ended",
		    r->ended, n);
	else if (ret == CLI_EXIT_FAIL && r->ended == n)
		cli_error(ctx, "%zu of %zu jobs did not succeed",
		    n - r->counts[STORE_SUCCEEDED], n);
}

/* See cli-jobs.h: the follow loop as submit --wait prints it. */
int
cli_wait_jobs(struct cli_ctx *ctx, const int64_t *ids, size_t n,
    int64_t timeout_s)
{
	struct cli_wait_result res;
	int ret;

	ret = cli_wait_follow(ctx, ids, n, timeout_s, &res);
	cli_wait_error(ctx, ret, &res, n);
	free(res.last);
	return ret;
}

/* "24 ended: 6 succeeded, 6 failed, 12 cancelled": each way a job ends
 * counted apart, and what has not ended yet. */
static char *
cli_wait_summary(const struct cli_wait_result *r)
{
	static const enum store_state ends[] = { STORE_SUCCEEDED,
		STORE_FAILED, STORE_TIMED_OUT, STORE_CANCELLED };
	static const char *const words[] = { "succeeded", "failed",
		"timed out", "cancelled" };
	char *s;
	size_t i, k = 0;

	s = r->ended == r->n ? xprintf("%zu ended", r->n) :
	    xprintf("%zu of %zu ended", r->ended, r->n);
	for (i = 0; i < nitems(ends); i++) {
		if (r->counts[ends[i]] == 0)
			continue;
		xappendf(&s, "%s %zu %s", k++ == 0 ? ":" : ",",
		    r->counts[ends[i]], words[i]);
	}
	return s;
}

/* The result object of -o json|yaml: counts, and each job's last state. */
static json_t *
cli_wait_object(const struct cli_wait_result *r, const int64_t *ids,
    int ret)
{
	json_t *o, *items = json_array();
	size_t i;

	for (i = 0; i < r->n; i++)
		json_array_append_new(items, json_pack("{s:I,s:s}", "id",
		    (json_int_t)ids[i], "state", r->last[i] < STORE_NSTATES ?
		    store_state_name(r->last[i]) : "unknown"));
	o = json_pack("{s:b,s:b,s:I,s:I,s:I,s:I,s:I,s:I,s:o}", "ok",
	    ret == CLI_EXIT_OK, "timed_out_waiting", ret == CLI_EXIT_TIMEOUT,
	    "jobs", (json_int_t)r->n, "ended", (json_int_t)r->ended,
	    "succeeded", (json_int_t)r->counts[STORE_SUCCEEDED],
	    "failed", (json_int_t)r->counts[STORE_FAILED],
	    "timed_out", (json_int_t)r->counts[STORE_TIMED_OUT],
	    "cancelled", (json_int_t)r->counts[STORE_CANCELLED],
	    "items", items);
	return o;
}

/* Waits for the selected jobs, then says how each kind of end counted:
 * the summary, the result object, or under -o name the ids of the jobs
 * that did not succeed. */
static int
cmd_wait_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_select sel;
	struct cli_wait_result res = { 0 };
	int64_t *ids = NULL, timeout = 0;
	size_t n = 0, i;
	char *line;
	json_t *items, *o;
	int ret;

	if (cli_duration(ctx, "timeout", true, &timeout) != 0)
		return CLI_EXIT_USAGE;
	if ((ret = cli_select_acting(ctx, argc, argv, &sel)) != CLI_EXIT_OK)
		return ret;
	items = json_array();
	if (!cli_select_has_filter(&sel)) {
		ids = sel.ids;
		n = sel.nids;
		sel.ids = NULL;
	} else if ((ret = cli_select_resolve(ctx, &sel, "waited for", 0,
	    false, &ids, &n, items)) != CLI_EXIT_OK)
		goto out;
	/* A named job that is not there is an error, as it always was. */
	for (i = 0; i < json_array_size(items); i++) {
		o = json_array_get(items, i);
		if (!json_is_true(json_object_get(o, "ok"))) {
			cli_error(ctx, "%s", json_string_value(
			    json_object_get(o, "message")));
			ret = CLI_EXIT_FAIL;
		}
	}
	if (ret != CLI_EXIT_OK)
		goto out;
	if (n == 0 && !cli_output_is_machine(ctx))
		cli_info(ctx, "no jobs match the selection");
	ret = cli_wait_follow(ctx, ids, n, timeout, &res);
	if (res.last == NULL)
		goto out;
	if (cli_output_is_machine(ctx)) {
		o = cli_wait_object(&res, ids, ret);
		if (cli_print_value(ctx, o) != 0 && ret == CLI_EXIT_OK)
			ret = CLI_EXIT_FAIL;
		json_decref(o);
	} else if (ctx->output == CLI_OUTPUT_NAME) {
		for (i = 0; i < n; i++)
			if (res.last[i] != STORE_SUCCEEDED)
				printf("%lld\n", (long long)ids[i]);
	} else if (!ctx->quiet) {
		line = cli_wait_summary(&res);
		puts(line);
		free(line);
	}
	cli_wait_error(ctx, ret, &res, n);
out:
	free(res.last);
	json_decref(items);
	free(ids);
	cli_select_release(&sel);
	return ret;
}

const struct cli_cmd cli_cmd_wait = {
	.name = "wait",
	.usage = CLI_SELECT_USAGE " [--timeout DURATION]",
	.summary = "wait for jobs to end; exit 0 only if all succeeded",
	.help = "Follows the selected jobs (any state) until each has ended,\n"
	    "then prints how they ended, each way apart: '24 ended: 6\n"
	    "succeeded, 6 failed, 12 cancelled' (and 'timed out').\n"
	    "-o json|yaml prints the counts and each job's last state;\n"
	    "-o name the ids of the jobs that did not succeed.\n"
	    "Exit status:\n"
	    "  0  every job succeeded\n"
	    "  1  a job failed, timed out or was cancelled, or is not there\n"
	    "  2  usage: a bad id, state or option, or nothing selected\n"
	    "  3  --timeout passed before every job ended\n"
	    CLI_SELECT_HELP,
	.opts = cmd_wait_opts,
	.flags = CLI_NEEDS_STORE | CLI_REMOTE | CLI_READS,
	.max_args = -1,
	.exec = cmd_wait_exec,
};
