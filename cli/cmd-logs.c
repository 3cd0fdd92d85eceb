/* logs: a job's output, live while it runs, archived after. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli-remote.h"
#include "kube.h"
#include "spec.h"

static const struct cli_opt cmd_logs_opts[] = {
	{ "rank", 'r', CLI_OPT_STRING, "N", "the replica (default 0)" },
	{ "attempt", 'a', CLI_OPT_STRING, "N",
	  "that attempt's log (default the latest)" },
	{ "follow", 'f', CLI_OPT_FLAG, NULL, "keep streaming while it runs" },
	{ "tail", 0, CLI_OPT_STRING, "N", "only the last N lines" },
	{ "group", 'g', CLI_OPT_STRING, "NAME",
	  "every job of a group, each rank to a file in --out" },
	{ "out", 0, CLI_OPT_STRING, "DIR",
	  "with --group: write DIR/<name>-<id>-<rank>.log" },
	{ "force", 0, CLI_OPT_FLAG, NULL, "with --out: overwrite files" },
	{ NULL, 0, 0, NULL, NULL }
};

/* What to read of a job and where to write it. */
struct cmd_logs_req {
	int rank;
	int attempt;                 /* 0: the latest */
	long tail;                   /* < 0: all */
	bool follow;
	bool quiet;                  /* no header line (files of a group) */
	FILE *out;
};

/* A job with what its log depends on: events and archived replicas. */
struct cmd_logs_job {
	struct store_job *j;
	struct store_event *ev;
	size_t nev;
	struct store_replica *rep;
	size_t nrep;
};

/* Releases what cmd_logs_detail read. */
static void
cmd_logs_job_release(struct cmd_logs_job *d)
{
	store_replicas_free(d->rep, d->nrep);
	store_events_free(d->ev, d->nev);
	store_job_free(d->j);
	memset(d, 0, sizeof *d);
}

/* Writes the last n lines of text (all when n < 0). */
static void
cmd_logs_tail(FILE *out, const char *text, size_t len, long n)
{
	const char *p = text + len;
	long lines = 0;

	if (n >= 0) {
		if (len > 0 && p[-1] == '\n')
			p--;
		while (p > text) {
			if (p[-1] == '\n' && ++lines == n)
				break;
			p--;
		}
	} else
		p = text;
	fwrite(p, 1, (size_t)(text + len - p), out);
}

/* Streams log bytes to the output as they arrive. */
static void
cmd_logs_data(const char *buf, size_t len, void *arg)
{
	FILE *out = arg;

	fwrite(buf, 1, len, out);
	fflush(out);
}

/*
 * Whether an attempt's containers started: the event log has it running,
 * or one of its archived replicas logged something or exited (a job that
 * ran and ended between two passes goes from admitted to its end).
 */
static bool
cmd_logs_attempt_started(const struct cmd_logs_job *d, int attempt)
{
	size_t i;
	int a = 0;

	for (i = 0; i < d->nev; i++) {
		if (d->ev[i].to == STORE_ADMITTED)
			a++;
		else if (a == attempt && d->ev[i].to == STORE_RUNNING)
			return true;
	}
	for (i = 0; i < d->nrep; i++)
		if (d->rep[i].attempt == attempt && (d->rep[i].log_len > 0 ||
		    d->rep[i].has_exit_code))
			return true;
	return false;
}

/* The archived log of a rank in the asked attempt, else the last one. */
static int
cmd_logs_archived(struct cli_ctx *ctx, const struct cmd_logs_job *d,
    const struct cmd_logs_req *q)
{
	const struct store_replica *best = NULL;
	size_t i;

	for (i = 0; i < d->nrep; i++)
		if (d->rep[i].rank == q->rank && (q->attempt == 0 ||
		    d->rep[i].attempt == q->attempt) && (best == NULL ||
		    d->rep[i].attempt > best->attempt))
			best = &d->rep[i];
	if (best == NULL) {
		cli_error(ctx, "job %lld has no log for rank %d%s",
		    (long long)d->j->id, q->rank, q->attempt > 0 ?
		    " in that attempt" : "");
		return CLI_EXIT_FAIL;
	}
	if (!q->quiet)
		cli_info(ctx, "archived log of job %lld rank %d, attempt %d%s%s "
		    "(its pods are gone)%s", (long long)d->j->id, q->rank,
		    best->attempt, *best->node ? ", node " : "", best->node,
		    best->log_truncated ? "; only the end of the log was "
		    "kept" : "");
	cmd_logs_tail(q->out, best->log, best->log_len, q->tail);
	return CLI_EXIT_OK;
}

/* The live log of a rank, from the pod of the job's current attempt;
 * -1 (nothing printed but errors) when there is no such pod to read. */
static int
cmd_logs_live(struct cli_ctx *ctx, const struct store_job *j,
    const struct cmd_logs_req *q)
{
	struct kube_client *kube;
	struct kube_log_opts opts = { .tail_lines = (int)q->tail };
	struct kube_response *logs;
	json_t *pod;
	char *err;
	int ret = CLI_EXIT_FAIL;

	if (cli_job_pod(ctx, j, q->rank, &pod) != 0 || pod == NULL)
		return -1;
	kube = cli_kube(ctx);
	opts.previous = spec_pod_has_previous_run(pod);
	opts.follow = q->follow && !opts.previous;
	if (!q->quiet)
		cli_info(ctx, "live log of job %lld rank %d (pod %s)",
		    (long long)j->id, q->rank, kube_obj_name(pod));
	logs = kube_wait(kube, kube_pod_logs(kube, j->namespace,
	    kube_obj_name(pod), &opts, cmd_logs_data, NULL, q->out));
	if (logs->error != NULL) {
		err = kube_error_string(logs->error);
		cli_error(ctx, "reading the log: %s", err);
		free(err);
	} else
		ret = CLI_EXIT_OK;
	kube_response_free(logs);
	json_decref(pod);
	return ret;
}

/* The log as a queue server read it, introduced as the local one is. */
static int
cmd_logs_remote(struct cli_ctx *ctx, const struct store_job *j,
    const struct cmd_logs_req *q)
{
	struct cli_remote_log log;
	int ret;

	if ((ret = cli_remote_logs(ctx, j->id, q->rank, q->attempt, q->tail,
	    &log)) != CLI_EXIT_OK)
		return ret;
	if (!q->quiet && log.live) {
		cli_info(ctx, "live log of job %lld rank %d (pod %s)",
		    (long long)j->id, q->rank, log.pod);
		if (q->follow)
			cli_info(ctx, "warning: the queue server does not stream "
			    "logs: this is the log so far");
	} else if (!q->quiet)
		cli_info(ctx, "archived log of job %lld rank %d, attempt %d%s%s "
		    "(its pods are gone)%s", (long long)j->id, q->rank,
		    log.attempt, *log.node ? ", node " : "", log.node,
		    log.truncated ? "; only the end of the log was kept" : "");
	fwrite(log.text, 1, log.len, q->out);
	free(log.text);
	return CLI_EXIT_OK;
}

/*
 * Says why a job's asked attempt has no log, when it has none: it was
 * never admitted, or its containers never started; then its state and
 * reason (why it waits), last, as people read them in ls.  NULL when
 * there may be a log; else the caller's.
 */
static char *
cmd_logs_no_log(const struct cmd_logs_job *d, int attempt)
{
	const struct store_job *j = d->j;
	const char *st = store_state_name(j->state);
	bool current = attempt == j->attempts;

	if (j->attempts == 0)
		return *j->reason != '\0' ? xprintf("job %lld has not started: "
		    "it has no log; %s: %s", (long long)j->id, st, j->reason) :
		    xprintf("job %lld has not started: it has no log (%s)",
		    (long long)j->id, st);
	if (cmd_logs_attempt_started(d, attempt))
		return NULL;
	/* The current attempt of a job on the cluster may be starting. */
	if (current && store_state_is_active(j->state) &&
	    j->state != STORE_ADMITTED)
		return NULL;
	if (current && store_state_is_active(j->state))
		return xprintf("job %lld has not started yet: it has no log; "
		    "%s: %s", (long long)j->id, st, j->reason);
	return xprintf("attempt %d of job %lld never started: it has no log",
	    attempt, (long long)j->id);
}

/* One rank's log of one attempt to q->out, from wherever it is now. */
static int
cmd_logs_one(struct cli_ctx *ctx, const struct cmd_logs_job *d,
    const struct cmd_logs_req *q)
{
	const struct store_job *j = d->j;
	int attempt = q->attempt > 0 ? q->attempt : j->attempts, ret = -1;
	char *why;

	if ((why = cmd_logs_no_log(d, attempt)) != NULL) {
		cli_error_take(ctx, why);
		return CLI_EXIT_FAIL;
	}
	if (cli_queue(ctx) != &cli_queue_local)
		return cmd_logs_remote(ctx, j, q);
	if (store_state_is_active(j->state) && attempt == j->attempts)
		ret = cmd_logs_live(ctx, j, q);
	if (ret == -1)
		ret = cmd_logs_archived(ctx, d, q);
	return ret;
}

/* A job with its events and replicas, from either queue; an exit status,
 * with d->j NULL (and the error printed) when there is no such job. */
static int
cmd_logs_detail(struct cli_ctx *ctx, int64_t id, struct cmd_logs_job *d)
{
	memset(d, 0, sizeof *d);
	return cli_queue(ctx)->detail(ctx, id, &d->j, &d->ev, &d->nev, &d->rep,
	    &d->nrep);
}

/* The ids of a group's jobs and what their file names need. */
struct cmd_logs_list {
	struct cmd_logs_item {
		int64_t id;
		char *name;
		int replicas;
		int attempts;
	} *items;
	size_t n, cap;
};

/* store_row_fn: keeps one job of the group. */
static int
cmd_logs_list_add(const struct store_row *r, void *arg)
{
	struct cmd_logs_list *l = arg;
	struct cmd_logs_item *it;

	if (l->n == l->cap) {
		l->cap = l->cap == 0 ? 64 : l->cap * 2;
		l->items = xreallocarray(l->items, l->cap, sizeof *l->items);
	}
	it = &l->items[l->n++];
	it->id = r->job.id;
	it->name = xstrdup(r->job.name);
	it->replicas = r->job.replicas;
	it->attempts = r->job.attempts;
	return 0;
}

/* DIR/<name>-<id>-<rank>.log, the name reduced to characters that are
 * safe in a file name; the caller frees it. */
static char *
cmd_logs_path(const char *dir, const struct cmd_logs_item *it, int rank)
{
	char *name = xstrdup(it->name), *p, *s;

	for (p = name; *p != '\0'; p++)
		if (strchr("abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", *p) == NULL)
			*p = '_';
	if (*name == '.')
		*name = '_';
	s = xprintf("%s/%s-%lld-%d.log", dir, name, (long long)it->id, rank);
	free(name);
	return s;
}

/* Opens a log file 0600 for writing, never through a symbolic link and,
 * without force, never over an existing file; NULL after the error. */
static FILE *
cmd_logs_create(struct cli_ctx *ctx, const char *path, bool force)
{
	FILE *f;
	int fd;

	if (force && unlink(path) != 0 && errno != ENOENT) {
		cli_error(ctx, "cannot replace '%s': %s", path,
		    strerror(errno));
		return NULL;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1) {
		cli_error(ctx, "cannot create '%s': %s%s", path,
		    strerror(errno), errno == EEXIST ? " (--force overwrites "
		    "it)" : "");
		return NULL;
	}
	if ((f = fdopen(fd, "w")) == NULL) {
		close(fd);
		cli_error(ctx, "cannot write '%s': %s", path, strerror(errno));
	}
	return f;
}

/* Writes every rank of one job of a group to its file; a job that never
 * started is counted, not written.  An exit status. */
static int
cmd_logs_group_job(struct cli_ctx *ctx, const char *dir, bool force,
    const struct cmd_logs_item *it, struct cmd_logs_req *q, size_t *files,
    size_t *unstarted)
{
	struct cmd_logs_job d;
	char *path, *why;
	int ret, r, rc;

	if ((ret = cmd_logs_detail(ctx, it->id, &d)) != CLI_EXIT_OK)
		return ret;
	if ((why = cmd_logs_no_log(&d, d.j->attempts)) != NULL) {
		free(why);
		(*unstarted)++;
		cmd_logs_job_release(&d);
		return CLI_EXIT_OK;
	}
	for (r = 0; r < d.j->replicas && ret == CLI_EXIT_OK; r++) {
		path = cmd_logs_path(dir, it, r);
		if ((q->out = cmd_logs_create(ctx, path, force)) == NULL)
			ret = CLI_EXIT_FAIL;
		else {
			q->rank = r;
			ret = cmd_logs_one(ctx, &d, q);
			rc = fclose(q->out);
			if (ret == CLI_EXIT_OK && rc != 0) {
				cli_error(ctx, "cannot write '%s': %s", path,
				    strerror(errno));
				ret = CLI_EXIT_FAIL;
			}
			if (ret == CLI_EXIT_OK)
				(*files)++;
		}
		free(path);
	}
	cmd_logs_job_release(&d);
	return ret;
}

/*
 * logs --group G --out DIR: one file per job and rank, the latest
 * attempt's log.  Files already there are refused before any is written,
 * unless --force; a progress line on a terminal.
 */
static int
cmd_logs_group(struct cli_ctx *ctx, const char *group, const char *dir,
    struct cmd_logs_req *q)
{
	struct store_filter f = { .all = true, .group = group };
	struct cmd_logs_list l = { NULL, 0, 0 };
	bool force = cli_flag(ctx, "force") != 0, tty;
	size_t i, files = 0, unstarted = 0;
	struct stat st;
	char *path;
	int ret, r;

	if ((ret = cli_queue(ctx)->each(ctx, &f, 0, cmd_logs_list_add, &l)) !=
	    CLI_EXIT_OK)
		goto out;
	if (l.n == 0) {
		cli_error(ctx, "group '%s' not found", group);
		ret = CLI_EXIT_FAIL;
		goto out;
	}
	if (mkdir_p(dir, 0700) != 0) {
		cli_error(ctx, "cannot create '%s': %s", dir, strerror(errno));
		ret = CLI_EXIT_FAIL;
		goto out;
	}
	for (i = 0; i < l.n && !force; i++)
		for (r = 0; r < l.items[i].replicas && l.items[i].attempts > 0;
		    r++) {
			path = cmd_logs_path(dir, &l.items[i], r);
			if (lstat(path, &st) == 0) {
				cli_error(ctx, "'%s' exists: --force "
				    "overwrites it", path);
				ret = CLI_EXIT_FAIL;
			}
			free(path);
			if (ret != CLI_EXIT_OK)
				goto out;
		}
	tty = isatty(STDERR_FILENO) && !ctx->quiet;
	q->quiet = true;
	for (i = 0; i < l.n && ret == CLI_EXIT_OK; i++) {
		if (tty)
			fprintf(stderr, "\rlogs of group %s: job %zu of %zu",
			    group, i + 1, l.n);
		ret = cmd_logs_group_job(ctx, dir, force, &l.items[i], q,
		    &files, &unstarted);
	}
	if (tty)
		fputc('\n', stderr);
	if (ret == CLI_EXIT_OK)
		cli_info(ctx, "wrote %zu log file%s to %s; %zu of %zu jobs "
		    "have not started", files, files == 1 ? "" : "s", dir,
		    unstarted, l.n);
out:
	for (i = 0; i < l.n; i++)
		free(l.items[i].name);
	free(l.items);
	return ret;
}

/* Shows live logs while the job is on the cluster, else the archive; or
 * writes a whole group's to files. */
static int
cmd_logs_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cmd_logs_req q = { .out = stdout };
	struct cmd_logs_job d;
	const char *group = cli_string(ctx, "group");
	const char *dir = cli_string(ctx, "out");
	long rank, attempt;
	int64_t id;
	int ret;

	if (cli_number(ctx, "rank", 0, 0, &rank) != 0 ||
	    cli_number(ctx, "attempt", 1, 0, &attempt) != 0 ||
	    cli_number(ctx, "tail", 0, -1, &q.tail) != 0)
		return CLI_EXIT_USAGE;
	q.rank = (int)rank;
	q.attempt = (int)attempt;
	q.follow = cli_flag(ctx, "follow") != 0;
	if (group != NULL || dir != NULL) {
		if (group == NULL || dir == NULL || argc != 0 || q.follow ||
		    cli_string(ctx, "rank") != NULL || q.attempt != 0) {
			cli_error(ctx, "--group and --out go together, without "
			    "an ID, --rank, --attempt or --follow");
			return CLI_EXIT_USAGE;
		}
		return cmd_logs_group(ctx, group, dir, &q);
	}
	if (argc != 1) {
		cli_error(ctx, "logs needs a job ID, or --group and --out");
		return CLI_EXIT_USAGE;
	}
	if (cli_parse_id(ctx, argv[0], &id) != 0)
		return CLI_EXIT_USAGE;
	if ((ret = cmd_logs_detail(ctx, id, &d)) != CLI_EXIT_OK)
		return ret;
	if (q.rank >= d.j->replicas) {
		cli_error(ctx, "job %lld has %d replica%s: no rank %d",
		    (long long)id, d.j->replicas, d.j->replicas == 1 ? "" : "s",
		    q.rank);
		ret = CLI_EXIT_USAGE;
	} else if (q.attempt > d.j->attempts && d.j->attempts > 0) {
		cli_error(ctx, "job %lld has had %d attempt%s: no attempt %d",
		    (long long)id, d.j->attempts, d.j->attempts == 1 ? "" : "s",
		    q.attempt);
		ret = CLI_EXIT_USAGE;
	} else
		ret = cmd_logs_one(ctx, &d, &q);
	cmd_logs_job_release(&d);
	return ret;
}

const struct cli_cmd cli_cmd_logs = {
	.name = "logs",
	.usage = "ID [--rank N] [--attempt N] [-f] [--tail N] | "
	    "--group NAME --out DIR [--force]",
	.summary = "print a job's log: live while it runs, archived after",
	.help = "A job that has not started has no log: logs says so and exits "
	    "1.\nWith --group and --out, each rank of each job of the group "
	    "that\nstarted is written to DIR/<name>-<id>-<rank>.log (mode "
	    "0600).\n",
	.opts = cmd_logs_opts,
	.flags = CLI_NEEDS_STORE | CLI_REMOTE | CLI_READS,
	.max_args = 1,
	.exec = cmd_logs_exec,
};
