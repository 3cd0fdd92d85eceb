/* submit: validates job specs and records them in the queue. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli-intake.h"
#include "cli-jobs.h"
#include "spec.h"

static const struct cli_opt cmd_submit_opts[] = {
	{ "dry-run", 0, CLI_OPT_FLAG, NULL,
	  "validate and print what would be queued; queue nothing" },
	{ "hold", 0, CLI_OPT_FLAG, NULL, "queue the jobs held" },
	{ "group", 'g', CLI_OPT_STRING, "NAME",
	  "put the jobs in this group (see ls --group, cancel --group)" },
	{ "set", 0, CLI_OPT_LIST, "KEY=VALUE",
	  "override a field of every spec (dotted keys, YAML values)" },
	{ "owner", 0, CLI_OPT_STRING, "NAME",
	  "local queue: the jobs' owner; server: whose groups they join" },
	{ "wait", 'w', CLI_OPT_FLAG, NULL,
	  "follow the jobs until they end; exit 0 only if all succeeded" },
	{ "append", 0, CLI_OPT_FLAG, NULL,
	  "add a roster's jobs to its group even if it has some already" },
	{ "wrap", 0, CLI_OPT_STRING, "COMMAND",
	  "queue one job running this shell command (no FILE; add --set)" },
	{ "name", 0, CLI_OPT_STRING, "NAME",
	  "the --wrap job's name (default 'wrap')" },
	{ NULL, 0, 0, NULL, NULL }
};

/* The ids of a submission, one a line, formatted here rather than by a
 * printf each: a 10,000-job sweep prints 10,000 of them. */
static void
cmd_submit_print_ids(const int64_t *ids, size_t n)
{
	char buf[4096], tmp[24];
	size_t used = 0, k, d;
	uint64_t v;

	for (k = 0; k < n; k++) {
		if (used + 24 > sizeof buf) {
			fwrite(buf, 1, used, stdout);
			used = 0;
		}
		if (ids[k] < 0)
			buf[used++] = '-';
		v = ids[k] < 0 ? -(uint64_t)ids[k] : (uint64_t)ids[k];
		d = 0;
		do {
			tmp[d++] = (char)('0' + v % 10);
			v /= 10;
		} while (v > 0);
		while (d > 0)
			buf[used++] = tmp[--d];
		buf[used++] = '\n';
	}
	fwrite(buf, 1, used, stdout);
}

/* What --dry-run prints: the jobs as they would be queued. */
static int
cmd_submit_show(struct cli_ctx *ctx, struct store_job_new *jobs, size_t n)
{
	static const char *const hdr[] = { "NAME", "NAMESPACE", "GPU", "CPU",
		"MEMORY", "PRIORITY" };
	struct cli_table *t;
	char *gpu, *cpu, *mem, *prio;
	json_t *arr, *o;
	char *spec;
	size_t i;

	if (cli_output_is_machine(ctx)) {
		arr = json_array();
		for (i = 0; i < n; i++) {
			spec = store_job_new_spec(&jobs[i]);
			o = json_loads(spec, 0, NULL);
			free(spec);
			json_object_set_new(o, "namespace",
			    json_string(jobs[i].namespace));
			json_array_append_new(arr, o);
		}
		cli_print_value(ctx, arr);
		json_decref(arr);
		return 0;
	}
	t = cli_table_new(hdr, 6);
	for (i = 0; i < n; i++) {
		gpu = cli_gpu_text(jobs[i].gpu_type, jobs[i].gpu_count,
		    jobs[i].replicas);
		cpu = quantity_format_milli(jobs[i].cpu_milli);
		mem = quantity_format_bytes(jobs[i].memory_bytes);
		prio = xprintf("%d", jobs[i].priority);
		cli_table_add(t, (const char *const[]){ jobs[i].name,
		    jobs[i].namespace, gpu, cpu, mem, prio });
		free(gpu);
		free(cpu);
		free(mem);
		free(prio);
	}
	cli_table_print(t, stdout);
	cli_table_free(t);
	cli_info(ctx, "%zu job%s would be queued (dry run)", n,
	    n == 1 ? "" : "s");
	return 0;
}

/* An owner name given with --owner: 1 to 64 letters, digits, '.', '_',
 * '-' or '@', as user names are; true if it is one. */
static bool
cmd_submit_is_owner(const char *v)
{
	size_t i, n = strlen(v);

	if (n == 0 || n > 64)
		return false;
	for (i = 0; i < n; i++)
		if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' &&
		    v[i] <= 'Z') || (v[i] >= '0' && v[i] <= '9') ||
		    strchr("._-@", v[i]) != NULL))
			return false;
	return true;
}

/* The dry-run view of a spec a server sent back: its strings stay the
 * spec's, the GPU column is the caller's (*gpu). */
static void
cmd_submit_from_spec(json_t *spec, struct store_job_new *j, char **gpu)
{
	json_t *g = json_object_get(spec, "gpu"), *t;
	size_t i;

	j->name = json_string_value(json_object_get(spec, "name"));
	j->namespace = json_string_value(json_object_get(spec, "namespace"));
	j->gpu_count = (int)json_integer_value(json_object_get(g, "count"));
	j->replicas = (int)json_integer_value(json_object_get(spec,
	    "replicas"));
	j->cpu_milli = json_integer_value(json_object_get(spec, "cpu_milli"));
	j->memory_bytes = json_integer_value(json_object_get(spec,
	    "memory_bytes"));
	j->priority = (int)json_integer_value(json_object_get(spec,
	    "priority"));
	*gpu = xstrdup("");
	if (j->gpu_count > 0 && json_is_true(json_object_get(g, "any"))) {
		free(*gpu);
		*gpu = xstrdup("any");
	} else if (j->gpu_count > 0) {
		json_array_foreach(json_object_get(g, "types"), i, t) {
			xappendf(gpu, "%s%s", i > 0 ? "," : "",
			    json_string_value(t) != NULL ?
			    json_string_value(t) : "");
		}
	}
	j->gpu_type = *gpu;
	if (j->name == NULL)
		j->name = "";
	if (j->namespace == NULL)
		j->namespace = "";
}

/*
 * submit on a queue server: it validates the files and queues the jobs as
 * the authenticated user; prints what the local submit prints.
 */
static int
cmd_submit_remote(struct cli_ctx *ctx, int argc, char **argv)
{
	struct store_job_new *jobs;
	bool dry = cli_flag(ctx, "dry-run") > 0;
	json_t *out = NULL;
	int64_t *ids;
	char **gpus;
	size_t n, k;
	int ret;

	if (cli_string(ctx, "owner") != NULL)
		cli_info(ctx, "warning: --owner is not sent to a queue server: "
		    "the jobs' owner is the user it authenticates");
	if ((ret = cli_queue(ctx)->submit(ctx, argc, argv, dry, &out)) !=
	    CLI_EXIT_OK)
		return ret;
	n = json_array_size(out);
	if (dry) {
		jobs = xcalloc(n + 1, sizeof *jobs);
		gpus = xcalloc(n + 1, sizeof *gpus);
		for (k = 0; k < n; k++) {
			cmd_submit_from_spec(json_array_get(out, k), &jobs[k],
			    &gpus[k]);
			jobs[k].spec_json = json_dumps(json_array_get(out, k),
			    JSON_COMPACT | JSON_PRESERVE_ORDER);
		}
		ret = cmd_submit_show(ctx, jobs, n) == 0 ? CLI_EXIT_OK :
		    CLI_EXIT_FAIL;
		for (k = 0; k < n; k++) {
			free(gpus[k]);
			free((char *)jobs[k].spec_json);
		}
		free(gpus);
		free(jobs);
		json_decref(out);
		return ret;
	}
	ids = xcalloc(n + 1, sizeof *ids);
	for (k = 0; k < n; k++)
		ids[k] = json_integer_value(json_object_get(json_array_get(out,
		    k), "id"));
	if (cli_output_is_machine(ctx))
		cli_print_value(ctx, out);
	else
		cmd_submit_print_ids(ids, n);
	if (ctx->verbose)
		cli_info(ctx, "queued %zu job%s in %s", n, n == 1 ? "" : "s",
		    ctx->server);
	fflush(stdout);
	json_decref(out);
	if (cli_flag(ctx, "wait"))
		ret = cli_wait_jobs(ctx, ids, n, 0);
	free(ids);
	return ret;
}

/*
 * submit --wrap COMMAND: sbatch --wrap's one-liner, a spec of a name and
 * a shell command made here and read as '-' is (--set adds the rest).
 * Both values are written as JSON strings, which YAML reads back as
 * written, so no text of the user's can become a key.
 */
static int
cmd_submit_wrap(struct cli_ctx *ctx, const char *command, const char *name)
{
	json_t *c = json_string(command), *n = json_string(name);
	char *cs = NULL, *ns = NULL;
	int ret = -1;

	if (c == NULL || n == NULL || *command == '\0') {
		cli_error(ctx, "invalid value for '--%s': %s", c == NULL ||
		    *command == '\0' ? "wrap" : "name", c == NULL ||
		    n == NULL ? "not UTF-8 text" : "empty");
		goto out;
	}
	cs = json_dumps(c, JSON_ENCODE_ANY);
	ns = json_dumps(n, JSON_ENCODE_ANY);
	free(ctx->stdin_buf);
	ctx->stdin_buf = xprintf("name: %s\ncommand: %s\n", ns, cs);
	ctx->stdin_len = strlen(ctx->stdin_buf);
	ctx->stdin_name = "--wrap";
	ret = 0;
out:
	free(cs);
	free(ns);
	json_decref(c);
	json_decref(n);
	return ret;
}

/*
 * Queues the jobs: through the running scheduler of the queue when one
 * takes them over fd (cli-intake.h: no SQLite started here), else into
 * the queue file itself, then a wake for a scheduler.  An exit status,
 * errors printed; on success *via (the caller's) says where, for -v.
 */
static int
cmd_submit_queue(struct cli_ctx *ctx, int fd, long pid,
    struct store_job_new *jobs, size_t n, int64_t *ids, char **via)
{
	bool append = cli_flag(ctx, "append") > 0;
	char *cause = NULL;
	struct store *s;
	bool refused;
	int ret;

	if (cli_intake_submit(ctx, fd, jobs, n, append, ids, &ret, pid) == 0) {
		*via = xprintf("%s (through its scheduler, pid %ld)",
		    ctx->db_path, pid);
		return ret;
	}
	/* The owner before the queue is opened: the queue front linked
	 * whole hands the command to the whole program here (a scheduler
	 * that stopped since cli_intake_connect). */
	if (n > 0 && jobs[0].owner == NULL)
		(void)cli_owner();
	if ((s = cli_store(ctx)) == NULL)
		return CLI_EXIT_FAIL;
	if (cli_jobs_record(s, jobs, n, append, ids, &refused, &cause) != 0) {
		cli_error(ctx, "nothing queued: %s", cause);
		free(cause);
		return refused ? CLI_EXIT_USAGE : CLI_EXIT_FAIL;
	}
	/* Committed: a scheduler of this queue need not wait for its
	 * interval. */
	store_wake(s);
	*via = xstrdup(store_path(s));
	return CLI_EXIT_OK;
}

/* Loads every file first, so one bad file queues nothing; a sweep or a
 * roster becomes one group. */
static int
cmd_submit_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct spec_set **sets = NULL;
	struct store_job_new *jobs = NULL;
	const char *group = cli_string(ctx, "group");
	const char *owner = cli_string(ctx, "owner");
	const char *wrap = cli_string(ctx, "wrap");
	char *wrap_argv[] = { (char *)"-", NULL };
	bool dry = cli_flag(ctx, "dry-run") > 0;
	int64_t *ids = NULL;
	size_t n = 0, k;
	char *via = NULL;
	int ret = CLI_EXIT_USAGE, fd = -1;
	long pid = 0;
	json_t *arr;

	if (owner != NULL && !cmd_submit_is_owner(owner)) {
		cli_error(ctx, "invalid value for '--owner': '%s' (1 to 64 "
		    "letters, digits, '.', '_', '-' or '@')", owner);
		goto out;
	}
	if (wrap != NULL && argc > 0) {
		cli_error(ctx, "'--wrap' takes no FILE: the command is the job");
		goto out;
	}
	if (wrap == NULL && cli_string(ctx, "name") != NULL) {
		cli_error(ctx, "'--name' goes with '--wrap' (a spec names its "
		    "jobs)");
		goto out;
	}
	if (wrap == NULL && argc == 0) {
		cli_error(ctx, "give a spec FILE, '-' for standard input, or "
		    "--wrap COMMAND");
		goto out;
	}
	if (wrap != NULL) {
		if (cmd_submit_wrap(ctx, wrap, cli_string(ctx, "name") != NULL ?
		    cli_string(ctx, "name") : "wrap") != 0)
			goto out;
		argc = 1;
		argv = wrap_argv;
	}
	if (cli_queue(ctx)->submit != NULL)
		return cmd_submit_remote(ctx, argc, argv);
	if (!dry)
		fd = cli_intake_connect(ctx, &pid);
	/* No scheduler to take the jobs: the owner is looked up now, for
	 * in the queue front linked whole a user that /etc/passwd does not
	 * answer for hands the submit to the whole program, before a file
	 * or standard input is read here. */
	if (fd == -1 && !dry && owner == NULL && cli_front_no_nss)
		(void)cli_passwd_name();
	if (cli_spec_load(ctx, argc, argv, group, &sets) != 0)
		goto out;
	jobs = cli_jobs_from_sets(sets, argc, cli_flag(ctx, "hold") > 0, owner,
	    &n);
	if (dry) {
		ret = cmd_submit_show(ctx, jobs, n) == 0 ? CLI_EXIT_OK :
		    CLI_EXIT_FAIL;
		goto out;
	}
	ids = xcalloc(n + 1, sizeof *ids);
	ret = cmd_submit_queue(ctx, fd, pid, jobs, n, ids, &via);
	fd = -1;
	if (ret != CLI_EXIT_OK)
		goto out;
	if (cli_output_is_machine(ctx)) {
		arr = json_array();
		for (k = 0; k < n; k++)
			json_array_append_new(arr, json_pack("{s:I,s:s}", "id",
			    (json_int_t)ids[k], "name", jobs[k].name));
		cli_print_value(ctx, arr);
		json_decref(arr);
	} else
		cmd_submit_print_ids(ids, n);
	if (ctx->verbose)
		cli_info(ctx, "queued %zu job%s in %s", n, n == 1 ? "" : "s",
		    via);
	fflush(stdout);
	if (cli_flag(ctx, "wait"))
		ret = cli_wait_jobs(ctx, ids, n, 0);
out:
	if (fd != -1)
		close(fd);
	free(via);
	free(jobs);
	free(ids);
	cli_spec_free(sets, argc);
	return ret;
}

const struct cli_cmd cli_cmd_submit = {
	.name = "submit",
	.usage = "[--dry-run] [--hold] [--group NAME] [--owner NAME] "
	    "[--set KEY=VALUE]... FILE... | --wrap COMMAND [--name NAME]",
	.summary = "validate job spec files and add their jobs to the queue",
	.help = "Each YAML document of each FILE is one job spec (a sweep or a\n"
	    "roster is one group of jobs; a helm values file is one job).\n"
	    "Every file is read and checked before anything is queued: one\n"
	    "error anywhere queues nothing. Prints the new job ids, one a\n"
	    "line. While the queue's scheduler runs on this machine (sched),\n"
	    "the jobs are handed to it and it records them; otherwise, or\n"
	    "with AILAB_QUEUE_INTAKE=0, submit writes the queue itself.\n"
	    "The jobs' owner (whose fair share and per-user limits they\n"
	    "count against) is the local user; --owner NAME records another\n"
	    "name on a local queue (for an admin submitting on someone's\n"
	    "behalf, or a test). On a shared server the owner is the\n"
	    "authenticated user, and --owner names whose group the jobs\n"
	    "join (groups are scoped by owner): a TA adds to the class\n"
	    "group a co-TA made (--owner THAT_TA --append). A roster's file\n"
	    "is read here and its rows sent with the spec.\n"
	    "--wrap COMMAND queues one job running a shell command with the\n"
	    "site's defaults, as sbatch --wrap does; --set gives the rest:\n"
	    "  ailab-queue submit --wrap 'python train.py' \\\n      --set gpu.type=RTX4090D --set gpu.count=1\n",
	.opts = cmd_submit_opts,
	.flags = CLI_NEEDS_STORE | CLI_REMOTE,
	.min_args = 0,
	.max_args = -1,
	.exec = cmd_submit_exec,
};
