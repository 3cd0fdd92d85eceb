/*
 * demo: the whole tool in under a minute.  Starts ailab-kubesim with the
 * built-in ailab cluster at high speed, submits the demo specs as alice (the
 * kubeconfig's first user), runs the scheduler with her credentials and a
 * live progress line until every job has ended, prints a summary and stops
 * what it started.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cli-jobs.h"
#include "kube.h"
#include "sched-loop.h"
#include "spec.h"

extern char **environ;

static const struct cli_opt cmd_demo_opts[] = {
	{ "examples", 0, CLI_OPT_STRING, "DIR",
	  "the specs to submit (default: the installed demo examples)" },
	{ "speed", 0, CLI_OPT_STRING, "N",
	  "simulated seconds per real second (default 300)" },
	{ "kubesim", 0, CLI_OPT_STRING, "PATH",
	  "the ailab-kubesim program (default: beside ailab-queue)" },
	{ "keep", 0, CLI_OPT_FLAG, NULL,
	  "keep the demo's directory (queue, kubeconfig) afterwards" },
	{ "set", 0, CLI_OPT_LIST, "KEY=VALUE",
	  "override a field of every demo spec" },
	{ NULL, 0, 0, NULL, NULL }
};

struct cmd_demo {
	struct cli_ctx *ctx;
	int64_t start;
	bool tty;
	char last[128];
};

/* What the demo runs and reads (ailab-kubesim, the example specs): the
 * option's path, else $env's (env NULL: none), else rel beside the
 * program when access allows mode there, else fallback. */
static char *
cmd_demo_find(struct cli_ctx *ctx, const char *opt, const char *env,
    const char *rel, int mode, const char *fallback)
{
	const char *p = cli_string(ctx, opt);
	char *path;

	if (p == NULL && env != NULL)
		p = getenv(env);
	if (p != NULL)
		return xstrdup(p);
	if ((path = cli_beside_self(rel, mode)) != NULL)
		return path;
	return xstrdup(fallback);
}

/* Starts the simulator on a free port; its pid, or -1. */
static pid_t
cmd_demo_start_sim(struct cli_ctx *ctx, const char *sim, const char *dir,
    const char *speed)
{
	posix_spawn_file_actions_t fa;
	char *kc = xprintf("%s/kubeconfig", dir), *logf;
	char *argv[] = { (char *)"ailab-kubesim", (char *)"--listen",
		(char *)"127.0.0.1:0", (char *)"--kubeconfig-out", kc,
		(char *)"--speed", (char *)speed, (char *)"--seed", (char *)"1",
		/* What the Deployment wrapper does, in the simulator's
		 * generic knobs (docs/kubesim.md). */
		(char *)"--pod-default=after-exit=idle",
		(char *)"--pod-default=termination-message=" SPEC_EXIT_MARKER
		"$(EXIT_CODE)",
		(char *)"--pod-default=exit-codes-label=" SPEC_LABEL_ATTEMPT,
		NULL };
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	struct stat st;
	pid_t pid;
	int i, status;

	logf = xprintf("%s/kubesim.log", dir);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, logf,
	    O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, logf,
	    O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (posix_spawnp(&pid, sim, &fa, NULL, argv, environ) != 0) {
		cli_error(ctx, "cannot start '%s': %s", sim, strerror(errno));
		pid = -1;
		goto out;
	}
	/* Ready once it has written the kubeconfig (after binding). */
	for (i = 0; i < 200; i++) {
		if (stat(kc, &st) == 0 && st.st_size > 0)
			goto out;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			cli_error(ctx, "'%s' exited at start (see %s)", sim, logf);
			pid = -1;
			goto out;
		}
		nanosleep(&ts, NULL);
	}
	cli_error(ctx, "'%s' did not start within 10s (see %s)", sim, logf);
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	pid = -1;
out:
	posix_spawn_file_actions_destroy(&fa);
	free(kc);
	free(logf);
	return pid;
}

/* The live progress line (or a plain line a pass when not a terminal). */
static void
cmd_demo_progress(const struct sched_loop_stats *st, void *arg)
{
	struct cmd_demo *d = arg;
	double secs = (double)(now_ms() - d->start) / 1000.0;
	char now[128];

	if (d->ctx->quiet)
		return;
	snprintf(now, sizeof now, "%zu queued, %zu starting, %zu running, "
	    "%zu succeeded, %zu failed", st->queued, st->admitted, st->running,
	    st->succeeded, st->failed);
	/* A line per change when not on a terminal. */
	if (!d->tty && strcmp(now, d->last) == 0)
		return;
	snprintf(d->last, sizeof d->last, "%s", now);
	fprintf(stderr, "%s[%5.1fs] %s%s", d->tty ? "\r" : "", secs, now,
	    d->tty ? "   " : "\n");
}

/*
 * Says whose account the demo runs as and under which quota, read from the
 * cluster: the built-in cluster gives alice the quota every ailab user has,
 * so the demo shows what fits in it.
 */
static void
cmd_demo_account(struct cli_ctx *ctx, struct kube_client *kube)
{
	static const char *const keys[][2] = {
		{ "requests.nvidia.com/gpu", "GPUs" },
		{ "requests.cpu", "CPUs" },
		{ "requests.memory", "of memory" },
		{ "count/pods", "pods" },
	};
	const struct kube_config *cfg = kube_client_config(kube);
	const char *ns = kube_config_namespace(cfg), *name = NULL, *v;
	struct kube_response *r;
	char *what = xstrdup("");
	json_t *q, *hard;
	size_t i, k;

	r = kube_wait(kube, kube_list(kube, KUBE_RESOURCEQUOTAS, ns, NULL,
	    NULL, NULL));
	if (r->error == NULL) {
		json_array_foreach(kube_list_items(r->body), i, q) {
			hard = json_object_get(json_object_get(q, "spec"),
			    "hard");
			name = kube_obj_name(q);
			for (k = 0; k < nitems(keys); k++) {
				v = json_string_value(json_object_get(hard,
				    keys[k][0]));
				if (v == NULL)
					continue;
				xappendf(&what, "%s%s %s", *what ? ", " : "",
				    v, keys[k][1]);
			}
			break;
		}
	}
	if (name != NULL)
		cli_info(ctx, "running as user '%s' in namespace '%s', under "
		    "the quota ailab gives every user (%s: %s)",
		    kube_config_user(cfg), ns, name, what);
	else
		cli_info(ctx, "running as user '%s' in namespace '%s'",
		    kube_config_user(cfg), ns);
	free(what);
	kube_response_free(r);
}

/* Submits every .yaml of the examples directory, in name order. */
static int
cmd_demo_submit(struct cli_ctx *ctx, const char *dir)
{
	struct dirent **ents;
	char **files;
	int n, i, k = 0, ret;

	if ((n = scandir(dir, &ents, NULL, alphasort)) < 0) {
		cli_error(ctx, "%s: %s", dir, strerror(errno));
		return CLI_EXIT_FAIL;
	}
	files = xcalloc((size_t)n + 1, sizeof *files);
	for (i = 0; i < n; i++) {
		size_t len = strlen(ents[i]->d_name);

		if (len > 5 && strcmp(ents[i]->d_name + len - 5, ".yaml") == 0)
			files[k++] = xprintf("%s/%s", dir, ents[i]->d_name);
		free(ents[i]);
	}
	free(ents);
	ret = k == 0 ? CLI_EXIT_FAIL : cli_submit_files(ctx, k, files, NULL,
	    NULL);
	if (k == 0)
		cli_error(ctx, "%s: no .yaml specs", dir);
	for (i = 0; i < k; i++)
		free(files[i]);
	free(files);
	return ret;
}

/* The summary: one line a job. */
static void
cmd_demo_summary(struct cli_ctx *ctx)
{
	static const char *const hdr[] = { "ID", "NAME", "STATE", "GPU",
		"RAN ON", "ATTEMPTS", "REASON" };
	struct store_filter f = { .all = true };
	struct store_job **jobs = NULL;
	struct cli_table *t;
	char *id, *gpu, *att;
	size_t n = 0, i;

	if (store_list(cli_store(ctx), &f, &jobs, &n, NULL) != 0)
		return;
	t = cli_table_new(hdr, 7);
	for (i = 0; i < n; i++) {
		id = xprintf("%lld", (long long)jobs[i]->id);
		gpu = cli_gpu_text(jobs[i]->gpu_type, jobs[i]->gpu_count,
		    jobs[i]->replicas);
		att = xprintf("%d", jobs[i]->attempts);
		cli_table_add(t, (const char *const[]){ id, jobs[i]->name,
		    store_state_name(jobs[i]->state), gpu,
		    jobs[i]->run_gpu_type, att, jobs[i]->reason });
		free(id);
		free(gpu);
		free(att);
	}
	printf("\n");
	cli_table_print(t, stdout);
	cli_table_free(t);
	store_jobs_free(jobs, n);
}

/* The loop ran every job (or was stopped): the demo goes on to its
 * summary. */
static void
cmd_demo_stopped(enum sched_stop why, void *arg)
{
	struct cmd_demo *d = arg;

	(void)why;
	event_base_loopbreak(cli_base(d->ctx));
}

/* Runs the demo end to end; exit 0 only if every job succeeded. */
static int
cmd_demo_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct kube_config_opts ko = { 0 };
	struct kube_client_opts copts;
	struct sched_loop_opts o = { 0 };
	struct cmd_demo d = { .ctx = ctx };
	struct kube_config *cfg;
	struct kube_client *kube = NULL;
	struct sched_loop *loop;
	struct store_filter f = { .all = true, .states =
	    STORE_STATE_BIT(STORE_SUCCEEDED) };
	struct store_job **ok = NULL;
	size_t nok = 0, total;
	const char *speed = cli_string(ctx, "speed");
	char tmpl[] = "/tmp/ailab-queue-demo.XXXXXX", *dir, *sim, *ex, *kc;
	char *cause = NULL, *rm;
	pid_t pid;
	int ret = CLI_EXIT_FAIL, status, fd = -1;

	(void)argc;
	(void)argv;
	if (speed == NULL)
		speed = "300";
	if (atof(speed) <= 0) {
		cli_error(ctx, "invalid value for '--speed': '%s'", speed);
		return CLI_EXIT_USAGE;
	}
	if ((dir = mkdtemp(tmpl)) == NULL) {
		cli_error(ctx, "mkdtemp: %s", strerror(errno));
		return CLI_EXIT_FAIL;
	}
	sim = cmd_demo_find(ctx, "kubesim", "AILAB_KUBESIM", "ailab-kubesim",
	    X_OK, "ailab-kubesim");
	ex = cmd_demo_find(ctx, "examples", NULL, "examples/demo", R_OK,
	    PKGDATADIR "/examples/demo");
	kc = xprintf("%s/kubeconfig", dir);
	if (cli_string(ctx, "db") == NULL) {
		free(ctx->db_path);
		ctx->db_path = xprintf("%s/queue.db", dir);
	}
	cli_info(ctx, "starting the simulated ailab cluster (%s, speed %sx)",
	    sim, speed);
	if ((pid = cmd_demo_start_sim(ctx, sim, dir, speed)) == -1)
		goto out;
	/* The demo's jobs go to the namespace of the simulated user. */
	setenv("KUBECONFIG", kc, 1);
	cli_info(ctx, "submitting %s", ex);
	if (cmd_demo_submit(ctx, ex) != CLI_EXIT_OK)
		goto stop;
	if (cli_kube_opts(ctx, &copts) != 0)
		goto stop;
	ko.kubeconfig = kc;
	ko.context = cli_string(ctx, "context");
	if (kube_config_load(&ko, &cfg, &cause) != 0 ||
	    (kube = ctx->kube = kube_client_new(cli_base(ctx), cfg, &copts,
	    &cause)) == NULL) {
		cli_error_take(ctx, cause);
		goto stop;
	}
	cmd_demo_account(ctx, kube);
	if (store_lock_scheduler(cli_store(ctx), &fd, &cause) != 0) {
		cli_error_take(ctx, cause);
		goto stop;
	}
	o.interval_ms = 500;
	o.until_empty = true;
	o.gang_timeout_s = 600;
	o.on_pass = cmd_demo_progress;
	o.on_stop = cmd_demo_stopped;
	o.cb_arg = &d;
	d.start = now_ms();
	d.tty = isatty(STDERR_FILENO);
	loop = sched_loop_new(ctx->base, cli_store(ctx), kube, &o);
	sched_loop_start(loop);
	event_base_dispatch(ctx->base);
	sched_loop_free(loop);
	if (d.tty && !ctx->quiet)
		fputc('\n', stderr);
	cmd_demo_summary(ctx);
	if (store_list(cli_store(ctx), &f, &ok, &nok, NULL) == 0) {
		f.states = 0;
		store_jobs_free(ok, nok);
		ok = NULL;
		if (store_list(cli_store(ctx), &f, &ok, &total, NULL) == 0) {
			printf("\n%zu of %zu jobs succeeded in %.1fs\n", nok,
			    total, (double)(now_ms() - d.start) / 1000.0);
			ret = nok == total ? CLI_EXIT_OK : CLI_EXIT_FAIL;
			store_jobs_free(ok, total);
		}
	}
stop:
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
out:
	if (fd != -1)
		close(fd);
	if (!cli_flag(ctx, "keep")) {
		store_close(ctx->store);
		ctx->store = NULL;
		rm = xprintf("%s", dir);
		cli_remove_tree(rm);
		free(rm);
	} else
		cli_info(ctx, "kept %s", dir);
	free(sim);
	free(ex);
	free(kc);
	return ret;
}

const struct cli_cmd cli_cmd_demo = {
	.name = "demo",
	.usage = "[--speed N] [--examples DIR] [--keep]",
	.summary = "run a sweep, a distributed job and a CPU job on a "
	    "simulated ailab cluster",
	.help = "Starts ailab-kubesim with the built-in cluster (ailab as\n"
	    "published: 50 GPU workers, a quota of 4 GPUs and 10 pods per\n"
	    "user) on a free loopback port, submits the demo specs as user\n"
	    "alice to a throw-away queue, schedules them to completion with\n"
	    "her credentials and a live progress line, prints a summary and\n"
	    "stops everything it started.\n",
	.opts = cmd_demo_opts,
	.flags = CLI_LOCAL_ONLY,
	.exec = cmd_demo_exec,
};
