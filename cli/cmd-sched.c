/* sched: the scheduling loop, as a service or one pass for cron. */
#include <event2/event.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli-intake.h"
#include "sched-loop.h"

static const struct cli_opt cmd_sched_opts[] = {
	{ "once", 0, CLI_OPT_FLAG, NULL,
	  "run one pass and its effects, then exit (for cron)" },
	{ "until-empty", 0, CLI_OPT_FLAG, NULL,
	  "exit once no job is left to run or clean up" },
	{ "interval", 0, CLI_OPT_STRING, "DURATION",
	  "time between passes when nothing happens, 50ms to 1h "
	  "(default 2s)" },
	{ "stream-pause", 0, CLI_OPT_STRING, "DURATION",
	  "submits through the socket that follow each other closer than "
	  "this are a stream, passed over when it pauses this long, 1ms to "
	  "10s (default 30ms)" },
	{ "stream-bound", 0, CLI_OPT_STRING, "DURATION",
	  "but a stream's jobs get a pass at most this long after the first, "
	  "1ms to 1h (default 250ms)" },
	{ "gang-timeout", 0, CLI_OPT_STRING, "DURATION",
	  "re-queue a gang not fully running after this (default 10m)" },
	{ "log-limit", 0, CLI_OPT_STRING, "SIZE",
	  "bytes of each replica's log kept after it ends (default 256Ki)" },
	{ "dump-cache", 0, CLI_OPT_STRING, "FILE",
	  "on SIGUSR1, write what the scheduler's cache of the cluster "
	  "holds to FILE (JSON, for tests)" },
	{ NULL, 0, 0, NULL, NULL }
};

/* What the signal handlers need. */
struct cmd_sched {
	struct cli_ctx *ctx;
	struct sched_loop *loop;
	const char *dump;            /* --dump-cache FILE, or NULL */
};

/* SIGTERM and SIGINT: finish the pass, then leave. */
static void
cmd_sched_signal(evutil_socket_t sig, short ev, void *arg)
{
	(void)ev;
	struct cmd_sched *cs = arg;

	log_info("signal %d: stopping after this pass", (int)sig);
	sched_loop_stop(cs->loop);
}

/* SIGUSR1 with --dump-cache: the cache's content, written whole (a
 * temporary file renamed over FILE) so that a reader never sees half. */
static void
cmd_sched_dump(evutil_socket_t sig, short ev, void *arg)
{
	struct cmd_sched *cs = arg;
	json_t *d;
	char *tmp;

	(void)sig;
	(void)ev;
	if (cs->dump == NULL)
		return;
	d = sched_loop_dump_cache(cs->loop);
	tmp = xprintf("%s.tmp", cs->dump);
	if (json_dump_file(d, tmp, JSON_COMPACT) != 0 ||
	    rename(tmp, cs->dump) != 0)
		log_warnx("cannot write '%s'", cs->dump);
	else
		log_info("cache written to %s", cs->dump);
	free(tmp);
	json_decref(d);
}

/* The loop stopped (--once, --until-empty, a signal): main returns. */
static void
cmd_sched_stopped(enum sched_stop why, void *arg)
{
	struct cmd_sched *cs = arg;

	(void)why;
	event_base_loopbreak(cs->ctx->base);
}

/* A command changed the queue (store_wake): a pass now, not at the
 * interval. */
static void
cmd_sched_wake(void *arg)
{
	sched_loop_kick(arg);
}

/* The intake queued jobs: a pass once their stream pauses (a script
 * submitting in a loop must not cost a pass a job). */
static void
cmd_sched_submitted(void *arg)
{
	sched_loop_submitted(arg);
}

/* Takes the scheduler lock and runs the loop until stopped. */
static int
cmd_sched_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct sched_loop_opts o = { 0 };
	struct cmd_sched cs = { .ctx = ctx };
	struct kube_client *kube;
	struct event *sigterm, *sigint, *sigusr1;
	struct store_wake *wake = NULL;
	struct cli_intake *intake = NULL;
	struct store *s;
	int64_t limit;
	const char *v;
	char *cause = NULL;
	int fd = -1, ret = CLI_EXIT_FAIL;

	(void)argc;
	(void)argv;
	if (cli_duration_ms(ctx, "interval", CLI_INTERVAL_MIN_MS,
	    CLI_INTERVAL_MAX_MS, &o.interval_ms) != 0 ||
	    cli_duration_ms(ctx, "stream-pause", 1, 10 * 1000,
	    &o.stream_quiet_ms) != 0 ||
	    cli_duration_ms(ctx, "stream-bound", 1, CLI_INTERVAL_MAX_MS,
	    &o.stream_max_ms) != 0 ||
	    cli_duration(ctx, "gang-timeout", false, &o.gang_timeout_s) != 0)
		return CLI_EXIT_USAGE;
	if ((v = cli_string(ctx, "log-limit")) != NULL) {
		if (quantity_parse(v, QUANTITY_UNITS, &limit, &cause) != 0 ||
		    limit <= 0 || limit > 64 * 1024 * 1024) {
			cli_error(ctx, "invalid value for '--log-limit': '%s' "
			    "(a size up to 64Mi, as in 256Ki)", v);
			free(cause);
			return CLI_EXIT_USAGE;
		}
		o.log_limit = (size_t)limit;
	}
	o.once = cli_flag(ctx, "once") > 0;
	o.until_empty = cli_flag(ctx, "until-empty") > 0;
	o.on_stop = cmd_sched_stopped;
	o.cb_arg = &cs;
	cs.dump = cli_string(ctx, "dump-cache");
	if ((s = cli_store(ctx)) == NULL)
		return CLI_EXIT_FAIL;
	/* A pass commits often; what a power loss undoes, it redoes. */
	if (store_lock_scheduler(s, &fd, &cause) != 0 ||
	    store_set_use(s, STORE_USE_SCHEDULER, &cause) != 0) {
		cli_error(ctx, "%s", cause);
		goto out;
	}
	if ((kube = cli_kube(ctx)) == NULL)
		goto out;
	cs.loop = sched_loop_new(ctx->base, s, kube, &o);
	/* One pass needs no wake-up; a service does. */
	if (!o.once && store_wake_listen(s, ctx->base, cmd_sched_wake,
	    cs.loop, &wake, &cause) != 0) {
		cli_error(ctx, "cannot listen for the queue's changes: %s",
		    cause);
		goto out;
	}
	/* Submits on this machine hand their jobs over (cli-intake.h); made
	 * under the scheduler lock, as the FIFO is. */
	if (!o.once && cli_intake_listen(s, ctx->base, cmd_sched_submitted,
	    cs.loop, &intake, &cause) != 0) {
		cli_error(ctx, "cannot take submissions: %s", cause);
		goto out;
	}
	sigterm = evsignal_new(ctx->base, SIGTERM, cmd_sched_signal, &cs);
	sigint = evsignal_new(ctx->base, SIGINT, cmd_sched_signal, &cs);
	sigusr1 = evsignal_new(ctx->base, SIGUSR1, cmd_sched_dump, &cs);
	evsignal_add(sigterm, NULL);
	evsignal_add(sigint, NULL);
	if (cs.dump != NULL)
		evsignal_add(sigusr1, NULL);
	log_info("scheduling %s", store_path(s));
	sched_loop_start(cs.loop);
	event_base_dispatch(ctx->base);
	event_free(sigterm);
	event_free(sigint);
	event_free(sigusr1);
	ret = CLI_EXIT_OK;
out:
	free(cause);
	cli_intake_free(intake);
	store_wake_free(wake);
	sched_loop_free(cs.loop);
	if (fd != -1)
		close(fd);
	return ret;
}

const struct cli_cmd cli_cmd_sched = {
	.name = "sched",
	.usage = "[--once] [--until-empty] [--interval DURATION] "
	    "[--stream-pause DURATION] [--stream-bound DURATION] "
	    "[--dump-cache FILE]",
	.summary = "run the scheduler: admit, start, follow and clean up jobs",
	.help = "Only one scheduler acts on a queue at a time; a second one\n"
	    "says which process holds the queue and exits 1. SIGTERM finishes\n"
	    "the pass in progress, then exits. A submit, cancel, hold, release\n"
	    "or retry of the queue on this machine starts a pass at once\n"
	    "(through the FIFO <db>.wake); otherwise passes come every\n"
	    "--interval.\n"
	    "Unless --once, it also takes the jobs of every submit of its own\n"
	    "user to the queue on this machine through the socket <db>.sock\n"
	    "(0600), recording them in its open queue: such a submit never\n"
	    "opens the database. AILAB_QUEUE_INTAKE=0 in a submit's\n"
	    "environment makes it write the queue itself.\n",
	.opts = cmd_sched_opts,
	.flags = CLI_NEEDS_STORE | CLI_LOCAL_ONLY,
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_sched_exec,
};
