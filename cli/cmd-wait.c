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

/* See cli.h: the shared follow loop of wait and submit --wait. */
int
cli_wait_jobs(struct cli_ctx *ctx, const int64_t *ids, size_t n,
    int64_t timeout_s)
{
	const struct cli_queue_ops *q = cli_queue(ctx);
	struct store_job *j;
	enum store_state *last;
	size_t i, ended, ok, counts[STORE_NSTATES];
	int64_t start = now_ms(), pause_ms = 500;
	bool tty = isatty(STDERR_FILENO) && !ctx->quiet;
	struct timespec ts;
	int ret;

	/* A server is asked once a job a pass: spare its rate limit. */
	if (q != &cli_queue_local && (int64_t)n * 100 > pause_ms)
		pause_ms = (int64_t)n * 100 > 10000 ? 10000 : (int64_t)n * 100;
	ts.tv_sec = (time_t)(pause_ms / 1000);
	ts.tv_nsec = (long)(pause_ms % 1000) * 1000 * 1000;
	last = xcalloc(n, sizeof *last);
	for (i = 0; i < n; i++)
		last[i] = STORE_NSTATES;
	for (;;) {
		memset(counts, 0, sizeof counts);
		ended = ok = 0;
		for (i = 0; i < n; i++) {
			if ((ret = q->get(ctx, ids[i], &j)) != CLI_EXIT_OK) {
				free(last);
				return ret;
			}
			if (j == NULL) {
				cli_error(ctx, "a job disappeared from the "
				    "queue");
				free(last);
				return CLI_EXIT_FAIL;
			}
			counts[j->state]++;
			if (store_state_is_terminal(j->state)) {
				ended++;
				if (j->state == STORE_SUCCEEDED)
					ok++;
			}
			/* Plain lines when not on a terminal: one a change. */
			if (!tty && !ctx->quiet && j->state != last[i])
				cli_info(ctx, "job %lld %s%s%s",
				    (long long)j->id, store_state_name(j->state),
				    *j->reason ? ": " : "", j->reason);
			last[i] = j->state;
			store_job_free(j);
		}
		if (tty)
			fprintf(stderr, "\r%zu/%zu ended: %zu succeeded, %zu "
			    "running, %zu waiting, %zu failed   ", ended, n,
			    ok, counts[STORE_RUNNING] + counts[STORE_ADMITTED],
			    counts[STORE_QUEUED] + counts[STORE_HELD],
			    ended - ok);
		if (ended == n) {
			ret = ok == n ? CLI_EXIT_OK : CLI_EXIT_FAIL;
			break;
		}
		if (timeout_s > 0 && now_ms() - start > timeout_s * 1000) {
			ret = CLI_EXIT_TIMEOUT;
			break;
		}
		nanosleep(&ts, NULL);
	}
	if (tty)
		fputc('\n', stderr);
	if (ret == CLI_EXIT_TIMEOUT)
		cli_error(ctx, "timed out waiting: %zu of %zu jobs ended",
		    ended, n);
	else if (ret != CLI_EXIT_OK)
		cli_error(ctx, "%zu of %zu jobs did not succeed", n - ok, n);
	free(last);
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
