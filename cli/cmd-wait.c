/* wait: follows jobs until they end; exits 0 only if all succeeded. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cli-jobs.h"

static const struct cli_opt cmd_wait_opts[] = {
	{ "group", 'g', CLI_OPT_STRING, "NAME", "wait for every job of a group" },
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

/* See cli.h: the shared follow loop of wait and submit --wait. */
int
cli_wait_jobs(struct cli_ctx *ctx, const int64_t *ids, size_t n,
    int64_t timeout_s)
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
	if (ret == CLI_EXIT_TIMEOUT)
		cli_error(ctx, "timed out waiting: %zu of %zu jobs ended",
		    p.ended, n);
	else if (ret != CLI_EXIT_OK)
		cli_error(ctx, "%zu of %zu jobs did not succeed", n - p.ok, n);
out:
	free(p.last);
	free(p.seen);
	free(p.order);
	return ret;
}

/* Waits for jobs named by id or group. */
static int
cmd_wait_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *t = cli_string(ctx, "timeout");
	int64_t *ids = NULL, timeout = 0;
	size_t n = 0;
	char *cause = NULL;
	int ret;

	if (t != NULL && duration_parse(t, &timeout, &cause) != 0) {
		cli_error(ctx, "invalid value for '--timeout': %s", cause);
		free(cause);
		return CLI_EXIT_USAGE;
	}
	if ((ret = cli_jobs_ids(ctx, argc, argv, cli_string(ctx, "group"),
	    &ids, &n)) != CLI_EXIT_OK)
		return ret;
	ret = cli_wait_jobs(ctx, ids, n, timeout);
	free(ids);
	return ret;
}

const struct cli_cmd cli_cmd_wait = {
	.name = "wait",
	.usage = "ID... | --group NAME [--timeout DURATION]",
	.summary = "wait for jobs to end; exit 0 only if all succeeded",
	.help = "Exit status: 0 all succeeded, 1 some failed, were cancelled or\n"
	    "timed out, 3 --timeout passed first.\n",
	.opts = cmd_wait_opts,
	.flags = CLI_NEEDS_STORE | CLI_REMOTE | CLI_READS,
	.min_args = 0,
	.max_args = -1,
	.exec = cmd_wait_exec,
};
