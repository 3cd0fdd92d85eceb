#include "cli.h"

#include <sys/mman.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "kube.h"

/* See cli.h: options every command accepts, before or after its name. */
const struct cli_opt cli_global_opts[] = {
	{ "db", 0, CLI_OPT_STRING, "PATH",
	  "queue database (default $AILAB_QUEUE_DB, else "
	  "$XDG_STATE_HOME/ailab-queue/queue.db)" },
	{ "output", 'o', CLI_OPT_STRING, "FORMAT",
	  "output format: table, wide, json, yaml, csv or name (ids); "
	  "each command says which it prints" },
	{ "quiet", 'q', CLI_OPT_FLAG, NULL, "print only errors and data" },
	{ "verbose", 'v', CLI_OPT_FLAG, NULL, "say more; repeat for debug" },
	{ "kubeconfig", 0, CLI_OPT_STRING, "FILE",
	  "kubeconfig to use (default $KUBECONFIG, else ~/.kube/config)" },
	{ "context", 0, CLI_OPT_STRING, "NAME", "kubeconfig context to use" },
	{ "namespace", 'n', CLI_OPT_STRING, "NS",
	  "namespace (default: the context's, else 'default')" },
	{ "qps", 0, CLI_OPT_STRING, "N",
	  "requests per second to the API server (default 50, burst 2N)" },
	{ "server", 0, CLI_OPT_STRING, "URL",
	  "shared queue server (default $AILAB_QUEUE_SERVER, else the "
	  "config file's; '' for the local queue)" },
	{ "help", 'h', CLI_OPT_FLAG, NULL, "show help and exit" },
	{ NULL, 0, 0, NULL, NULL }
};

/* Prints a user-facing error: "ailab-queue: message", on one line
 * whatever text of a job or a server it quotes (cli_text). */
void
cli_error(struct cli_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	(void)ctx;
	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	fputs("ailab-queue: ", stderr);
	cli_put_text(stderr, msg);
	fputc('\n', stderr);
	free(msg);
}

/* A library's cause is the whole message: printed, then freed. */
void
cli_error_take(struct cli_ctx *ctx, char *cause)
{
	cli_error(ctx, "%s", cause);
	free(cause);
}

/* Prints a message for people to stderr, unless -q; escaped as
 * cli_error's. */
void
cli_info(struct cli_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (ctx->quiet)
		return;
	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	cli_put_text(stderr, msg);
	fputc('\n', stderr);
	free(msg);
}

/* Finds a command by name, alias or unique prefix, like tmux does. */
const struct cli_cmd *
cli_find(const char *name, char **cause)
{
	const struct cli_cmd *const *c, *found = NULL;
	const char *names[64], *near;
	size_t n = 0, len = strlen(name);
	char *amb = NULL, *tmp;

	*cause = NULL;
	for (c = cli_cmds; *c != NULL; c++) {
		if (strcmp((*c)->name, name) == 0 ||
		    ((*c)->alias != NULL && strcmp((*c)->alias, name) == 0))
			return *c;
		if (n < nitems(names))
			names[n++] = (*c)->name;
	}
	for (c = cli_cmds; *c != NULL; c++) {
		if (len == 0 || strncmp((*c)->name, name, len) != 0)
			continue;
		if (found != NULL) {
			if (amb == NULL)
				amb = xstrdup(found->name);
			tmp = xprintf("%s, %s", amb, (*c)->name);
			free(amb);
			amb = tmp;
		}
		found = *c;
	}
	if (amb != NULL) {
		*cause = xprintf("ambiguous command '%s' (could be %s)", name,
		    amb);
		free(amb);
		return NULL;
	}
	if (found != NULL)
		return found;
	near = closest_word(name, names, n);
	if (near != NULL)
		*cause = xprintf("unknown command '%s' (did you mean '%s'? "
		    "see 'ailab-queue help')", name, near);
	else
		*cause = xprintf("unknown command '%s' (see 'ailab-queue "
		    "help')", name);
	return NULL;
}

/* Prints one options table for help. */
static void
cli_usage_opts(FILE *f, const struct cli_opt *o)
{
	char left[64];

	for (; o != NULL && o->name != NULL; o++) {
		if (o->shortopt != 0)
			snprintf(left, sizeof left, "-%c, --%s%s%s",
			    o->shortopt, o->name, o->arg ? " " : "",
			    o->arg ? o->arg : "");
		else
			snprintf(left, sizeof left, "    --%s%s%s", o->name,
			    o->arg ? " " : "", o->arg ? o->arg : "");
		fprintf(f, "  %-26s %s\n", left, o->help);
	}
}

/* The help of one command, generated from its table entry. */
void
cli_usage(FILE *f, const struct cli_cmd *cmd)
{
	char *formats;

	fprintf(f, "usage: ailab-queue %s%s%s\n\n%s\n", cmd->name,
	    *cmd->usage ? " " : "", cmd->usage, cmd->summary);
	if (cmd->help != NULL)
		fprintf(f, "\n%s", cmd->help);
	formats = cli_output_help(cmd->name);
	fprintf(f, "\noutput (-o): %s\n", formats);
	free(formats);
	if (cmd->opts != NULL && cmd->opts->name != NULL) {
		fprintf(f, "\noptions:\n");
		cli_usage_opts(f, cmd->opts);
	}
	fprintf(f, "\nglobal options:\n");
	cli_usage_opts(f, cli_global_opts);
}

/* The list of commands, for 'help' with no argument. */
void
cli_list_commands(FILE *f)
{
	const struct cli_cmd *const *c;

	fprintf(f, "usage: ailab-queue [global options] COMMAND [ARGS]\n\n"
	    "A batch queue for the ailab GPU Kubernetes cluster.\n\n"
	    "commands:\n");
	for (c = cli_cmds; *c != NULL; c++)
		fprintf(f, "  %-10s %s\n", (*c)->name, (*c)->summary);
	fprintf(f, "\nglobal options:\n");
	cli_usage_opts(f, cli_global_opts);
	fprintf(f, "\nUnique prefixes of commands work ('ailab-queue sub' is "
	    "submit). 'ailab-queue help COMMAND' shows a command's options.\n");
}

/* Finds the parsed values of an option by long name. */
static struct cli_optval *
cli_val(struct cli_ctx *ctx, const char *name)
{
	size_t i;

	for (i = 0; i < ctx->nvals; i++)
		if (strcmp(ctx->vals[i].opt->name, name) == 0)
			return &ctx->vals[i];
	fatalx("cli: no option '%s' for %s", name,
	    ctx->cmd != NULL ? ctx->cmd->name : "ailab-queue");
}

/* How many times a flag was given. */
int
cli_flag(struct cli_ctx *ctx, const char *name)
{
	return cli_val(ctx, name)->count;
}

/* The last value of an option, or NULL. */
const char *
cli_string(struct cli_ctx *ctx, const char *name)
{
	struct cli_optval *v = cli_val(ctx, name);

	return v->count == 0 ? NULL : v->values[v->count - 1];
}

/* Every value of a repeatable option. */
char **
cli_list(struct cli_ctx *ctx, const char *name, int *n)
{
	struct cli_optval *v = cli_val(ctx, name);

	*n = v->count;
	return v->values;
}

/* Builds the value slots for the global and the command's options. */
static void
cli_setup_vals(struct cli_ctx *ctx, const struct cli_cmd *cmd)
{
	const struct cli_opt *o;
	size_t n = 0, i = 0;

	for (o = cli_global_opts; o->name != NULL; o++)
		n++;
	for (o = cmd != NULL ? cmd->opts : NULL; o != NULL && o->name != NULL;
	    o++)
		n++;
	ctx->vals = xcalloc(n, sizeof *ctx->vals);
	ctx->nvals = n;
	for (o = cli_global_opts; o->name != NULL; o++)
		ctx->vals[i++].opt = o;
	for (o = cmd != NULL ? cmd->opts : NULL; o != NULL && o->name != NULL;
	    o++)
		ctx->vals[i++].opt = o;
}

/* Parses options with getopt_long over a table built from ctx->vals. */
static int
cli_parse_opts(struct cli_ctx *ctx, int argc, char **argv, bool stop_at_arg,
    int *next)
{
	struct option *lo;
	struct cli_optval *v;
	char shortopts[128];
	size_t i, sl;
	int c, idx, ret = -1;

	/* '+' stops at the command name; ':' reports missing values. */
	sl = (size_t)snprintf(shortopts, sizeof shortopts, "%s",
	    stop_at_arg ? "+:" : ":");
	lo = xcalloc(ctx->nvals + 1, sizeof *lo);
	for (i = 0; i < ctx->nvals; i++) {
		lo[i].name = ctx->vals[i].opt->name;
		lo[i].has_arg = ctx->vals[i].opt->type == CLI_OPT_FLAG ?
		    no_argument : required_argument;
		lo[i].val = 256 + (int)i;
		if (ctx->vals[i].opt->shortopt != 0 && sl + 3 < sizeof shortopts) {
			shortopts[sl++] = (char)ctx->vals[i].opt->shortopt;
			if (lo[i].has_arg == required_argument)
				shortopts[sl++] = ':';
		}
	}
	shortopts[sl] = '\0';
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, lo, &idx)) != -1) {
		if (c == '?' || c == ':') {
			const char *what = argv[optind - 1];
			char sbuf[3] = { '-', (char)optopt, '\0' };

			if (optopt != 0 && strncmp(what, "--", 2) != 0)
				what = sbuf;
			cli_error(ctx, "%s option '%s' (see 'ailab-queue help%s%s')",
			    c == ':' ? "missing value for" : "unknown", what,
			    ctx->cmd != NULL ? " " : "",
			    ctx->cmd != NULL ? ctx->cmd->name : "");
			goto out;
		}
		v = NULL;
		if (c >= 256)
			v = &ctx->vals[c - 256];
		else {
			for (i = 0; i < ctx->nvals; i++)
				if (ctx->vals[i].opt->shortopt == c)
					v = &ctx->vals[i];
		}
		if (v == NULL)
			fatalx("cli: option %d without a slot", c);
		if (v->opt->type != CLI_OPT_FLAG) {
			v->values = xreallocarray(v->values, (size_t)v->count + 1,
			    sizeof *v->values);
			v->values[v->count] = optarg;
		}
		v->count++;
	}
	*next = optind;
	ret = 0;
out:
	free(lo);
	return ret;
}

/* Reads an output format name, and refuses one the command cannot print
 * rather than ignoring it. */
static int
cli_parse_output(struct cli_ctx *ctx, const char *s)
{
	char *cause = NULL;

	if (cli_output_parse(s, &ctx->output, &cause) != 0 ||
	    (ctx->cmd != NULL && cli_output_check(ctx->cmd->name, ctx->output,
	    &cause) != 0)) {
		cli_error_take(ctx, cause);
		return -1;
	}
	ctx->output_set = true;
	return 0;
}

/* See cli.h: $HOME, else the password database's. */
const char *
cli_home(void)
{
	const char *home = getenv("HOME");

	if (home != NULL && *home == '/')
		return home;
	return cli_passwd_home();
}

/* Resolves the database path: --db, $AILAB_QUEUE_DB, XDG, ~/.local/state. */
static char *
cli_db_path(struct cli_ctx *ctx)
{
	const char *p, *home;

	if ((p = cli_string(ctx, "db")) != NULL && *p != '\0')
		return xstrdup(p);
	if ((p = getenv("AILAB_QUEUE_DB")) != NULL && *p != '\0')
		return xstrdup(p);
	if ((p = getenv("XDG_STATE_HOME")) != NULL && *p == '/')
		return xprintf("%s/ailab-queue/queue.db", p);
	if ((home = cli_home()) == NULL)
		return NULL;
	return xprintf("%s/.local/state/ailab-queue/queue.db", home);
}

/* Opens the queue on first use; read-only for a command that only reads
 * when the file may not be written. */
struct store *
cli_store(struct cli_ctx *ctx)
{
	char *cause = NULL;
	int rc;

	if (ctx->store != NULL)
		return ctx->store;
	if (ctx->db_path == NULL) {
		cli_error(ctx, "cannot find a home directory: use --db PATH");
		return NULL;
	}
	if (ctx->cmd != NULL && (ctx->cmd->flags & CLI_READS))
		rc = store_open_read(ctx->db_path, &ctx->store, &cause);
	else
		rc = store_open(ctx->db_path, &ctx->store, &cause);
	if (rc != 0) {
		cli_error_take(ctx, cause);
		return NULL;
	}
	return ctx->store;
}

/*
 * Reads a duration option (e.g. 90s, 10m) into seconds: 0 when absent, -1
 * (printed) when malformed, or 0 given where zero makes no sense.
 */
int
cli_duration(struct cli_ctx *ctx, const char *name, bool zero_ok,
    int64_t *out)
{
	const char *v = cli_string(ctx, name);
	char *cause = NULL;

	*out = 0;
	if (v == NULL)
		return 0;
	if (duration_parse(v, out, &cause) != 0) {
		cli_error(ctx, "invalid value for '--%s': %s", name, cause);
		free(cause);
		return -1;
	}
	if (*out <= 0 && !zero_ok) {
		cli_error(ctx, "invalid value for '--%s': '%s' (must be more "
		    "than 0)", name, v);
		return -1;
	}
	return 0;
}

/* See cli.h: a bounded duration option in milliseconds. */
int
cli_duration_ms(struct cli_ctx *ctx, const char *name, int64_t min_ms,
    int64_t max_ms, int64_t *out)
{
	const char *v = cli_string(ctx, name);
	char *cause = NULL, *lo, *hi;

	*out = 0;
	if (v == NULL)
		return 0;
	if (duration_parse_ms(v, out, &cause) != 0) {
		cli_error(ctx, "invalid value for '--%s': %s", name, cause);
		free(cause);
		return -1;
	}
	if (*out < min_ms || *out > max_ms) {
		lo = duration_format_ms(min_ms);
		hi = duration_format_ms(max_ms);
		cli_error(ctx, "invalid value for '--%s': '%s' (from %s to %s)",
		    name, v, lo, hi);
		free(lo);
		free(hi);
		return -1;
	}
	return 0;
}

/* Reads a job id argument. */
int
cli_parse_id(struct cli_ctx *ctx, const char *s, int64_t *id)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v <= 0) {
		cli_error(ctx, "invalid job id '%s'", s);
		return -1;
	}
	*id = v;
	return 0;
}

/* See cli.h: one reading of integer options (--rank, --tail, --id). */
int
cli_number(struct cli_ctx *ctx, const char *name, long min, long def,
    long *out)
{
	const char *v = cli_string(ctx, name);
	char *end;

	*out = def;
	if (v == NULL)
		return 0;
	errno = 0;
	*out = strtol(v, &end, 10);
	if (*v == '\0' || *end != '\0' || errno != 0 || *out < min ||
	    *out > CLI_NUMBER_MAX) {
		cli_error(ctx, "invalid value for '--%s': '%s'", name, v);
		return -1;
	}
	return 0;
}

/* The local user, recorded as the owner of submitted jobs. */
const char *
cli_owner(void)
{
	static char name[256];
	const char *u;

	if (*name != '\0')
		return name;
	if ((u = cli_passwd_name()) == NULL && (u = getenv("USER")) == NULL)
		u = "unknown";
	snprintf(name, sizeof name, "%s", u);
	return name;
}

/*
 * A new copy of the kubeconfig --kubeconfig, --context and -n name, its
 * certificates left encoded until a client is made (kube_client_new): so
 * the queue front, which reads it for the namespace, links no TLS code.
 */
int
cli_kube_config_load(struct cli_ctx *ctx, struct kube_config **out,
    char **cause)
{
	struct kube_config_opts o = { 0 };

	o.kubeconfig = cli_string(ctx, "kubeconfig");
	o.context = cli_string(ctx, "context");
	o.namespace = cli_string(ctx, "namespace");
	return kube_config_load_context(&o, out, cause);
}

/* Loads the kubeconfig once; NULL (with *cause) if there is none usable. */
const struct kube_config *
cli_kube_config(struct cli_ctx *ctx, char **cause)
{
	*cause = NULL;
	if (ctx->kube_config_used != NULL)
		return ctx->kube_config_used;
	if (ctx->kube_config != NULL)
		return ctx->kube_config;
	if (cli_kube_config_load(ctx, &ctx->kube_config, cause) != 0)
		return NULL;
	return ctx->kube_config;
}

/* The kubeconfig for a client to own; it stays readable through ctx. */
struct kube_config *
cli_kube_config_take(struct cli_ctx *ctx, char **cause)
{
	struct kube_config *cfg;

	if (ctx->kube_config_used != NULL) {
		*cause = xstrdup("the cluster client is already made");
		return NULL;
	}
	if (cli_kube_config(ctx, cause) == NULL)
		return NULL;
	cfg = ctx->kube_config;
	ctx->kube_config = NULL;
	ctx->kube_config_used = cfg;
	return cfg;
}

/* The namespace of jobs that name none. */
const char *
cli_default_namespace(struct cli_ctx *ctx)
{
	const char *ns = cli_string(ctx, "namespace");
	const struct kube_config *cfg;
	char *cause = NULL;

	if (ns != NULL && *ns != '\0')
		return ns;
	ns = getenv("AILAB_QUEUE_NAMESPACE");
	if (ns != NULL && *ns != '\0')
		return ns;
	if ((cfg = cli_kube_config(ctx, &cause)) != NULL)
		return kube_config_namespace(cfg);
	/* Local commands work without a cluster; a broken file is worth a
	 * word, once. */
	if (!ctx->kube_config_tried && !kube_config_is_absent_error(cause))
		cli_info(ctx, "warning: %s (using namespace 'default')", cause);
	ctx->kube_config_tried = true;
	free(cause);
	return "default";
}

/* Frees what cli_main allocated for a run. */
static void
cli_ctx_release(struct cli_ctx *ctx)
{
	size_t i;

	for (i = 0; i < ctx->nvals; i++)
		free(ctx->vals[i].values);
	free(ctx->vals);
	free(ctx->db_path);
	free(ctx->stdin_buf);
	store_close(ctx->store);
	if (ctx->release_remote != NULL)
		ctx->release_remote(ctx);
	free(ctx->server);
	free(ctx->server_ca);
	if (ctx->release_cluster != NULL)
		ctx->release_cluster(ctx);
	kube_config_free(ctx->kube_config);
}

/* See cli.h: what a build tree or an installation keeps beside the
 * program that runs. */
char *
cli_beside_self(const char *name, int mode)
{
	char self[PATH_MAX], *slash, *path;
	ssize_t n;

	if ((n = readlink("/proc/self/exe", self, sizeof self - 1)) <= 0)
		return NULL;
	self[n] = '\0';
	if ((slash = strrchr(self, '/')) == NULL)
		return NULL;
	*slash = '\0';
	path = xprintf("%s/%s", self, name);
	if (access(path, mode) == 0)
		return path;
	free(path);
	return NULL;
}

/*
 * Runs another program of the package in place of this one, with the same
 * arguments: next to this binary first (a build tree), else where it is
 * installed.  Returns only after saying why it could not.
 */
static int
cli_exec_program(const char *name, char **argv)
{
	char *path;

	if ((path = cli_beside_self(name, X_OK)) == NULL)
		path = xprintf("%s/%s", PKGLIBEXECDIR, name);
	execv(path, argv);
	fprintf(stderr, "ailab-queue: cannot run %s: %s (is ailab-queue "
	    "installed completely?)\n", path, strerror(errno));
	free(path);
	return CLI_EXIT_FAIL;
}

/*
 * Runs the whole program in place of this one.  The installed
 * 'ailab-queue' is the queue front: it leaves out the cluster client, whose
 * libcurl and the thirty libraries it loads cost more at start-up than a
 * whole submit, and hands every command that needs the cluster (and help,
 * which lists them all) to ailab-queue-cluster with the same arguments.
 */
static int
cli_exec_cluster(char **argv)
{
	return cli_exec_program("ailab-queue-cluster", argv);
}

/* The run's arguments and context, for cli_front_handoff. */
static char **cli_run_argv;
static struct cli_ctx *cli_run_ctx;

/* See cli.h. */
void
cli_front_handoff(void)
{
	struct cli_ctx *ctx = cli_run_ctx;
	int fd = -1;

	/* Standard input read as a spec ('-') goes along in a memory
	 * file; --wrap's spec is made again from argv. */
	if (ctx != NULL && ctx->stdin_buf != NULL && ctx->stdin_name == NULL &&
	    ((fd = memfd_create("ailab-queue-stdin", 0)) == -1 ||
	    write_all(fd, ctx->stdin_buf, ctx->stdin_len) != 0 ||
	    lseek(fd, 0, SEEK_SET) != 0 || dup2(fd, STDIN_FILENO) == -1)) {
		fprintf(stderr, "ailab-queue: cannot pass standard input to "
		    "ailab-queue-dynamic: %s\n", strerror(errno));
		exit(CLI_EXIT_FAIL);
	}
	if (fd > STDIN_FILENO)
		close(fd);
	fflush(stderr);
	exit(cli_exec_program("ailab-queue-dynamic", cli_run_argv));
}

/* Parses the command line, sets up what the command needs and runs it. */
int
cli_main(int argc, char **argv)
{
	struct cli_ctx ctx = { 0 };
	const struct cli_cmd *cmd;
	const char *out, *nc;
	char *cause = NULL, **argv0 = argv;
	int next, nargs, ret = CLI_EXIT_USAGE;

	cli_run_argv = argv;
	cli_run_ctx = &ctx;

	if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
		printf("ailab-queue %s\n", PACKAGE_VERSION);
		return CLI_EXIT_OK;
	}
	cli_setup_vals(&ctx, NULL);
	if (cli_parse_opts(&ctx, argc, argv, true, &next) != 0)
		goto out;
	if (next >= argc) {
		if (cli_is_front) {
			cli_ctx_release(&ctx);
			return cli_exec_cluster(argv);
		}
		cli_list_commands(cli_flag(&ctx, "help") ? stdout : stderr);
		ret = cli_flag(&ctx, "help") ? CLI_EXIT_OK : CLI_EXIT_USAGE;
		goto out;
	}
	if ((cmd = cli_find(argv[next], &cause)) == NULL) {
		cli_error_take(&ctx, cause);
		goto out;
	}
	if (cmd->exec == NULL) {
		cli_ctx_release(&ctx);
		return cli_exec_cluster(argv);
	}

	/* Parse again from the command on, with its options added. */
	cli_ctx_release(&ctx);
	memset(&ctx, 0, sizeof ctx);
	ctx.cmd = cmd;
	cli_setup_vals(&ctx, cmd);
	if (cli_parse_opts(&ctx, next, argv, true, &next) != 0)
		goto out;
	argc -= next;
	argv += next;
	if (cli_parse_opts(&ctx, argc, argv, false, &next) != 0)
		goto out;
	argc -= next;
	argv += next;
	if (cli_flag(&ctx, "help")) {
		cli_usage(stdout, cmd);
		ret = CLI_EXIT_OK;
		goto out;
	}
	nargs = argc;
	if (nargs < cmd->min_args || (cmd->max_args >= 0 &&
	    nargs > cmd->max_args)) {
		cli_error(&ctx, "%s: %s (usage: ailab-queue %s %s)", cmd->name,
		    nargs < cmd->min_args ? "missing arguments" :
		    "too many arguments", cmd->name, cmd->usage);
		goto out;
	}
	if ((out = cli_string(&ctx, "output")) != NULL &&
	    cli_parse_output(&ctx, out) != 0)
		goto out;
	ctx.quiet = cli_flag(&ctx, "quiet") > 0;
	ctx.verbose = cli_flag(&ctx, "verbose");
	nc = getenv("NO_COLOR");
	ctx.color = isatty(STDOUT_FILENO) && (nc == NULL || *nc == '\0') &&
	    ctx.output == CLI_OUTPUT_TABLE;
	log_init("ailab-queue", ctx.verbose >= 2 ? LOG_LEVEL_DEBUG :
	    ctx.verbose == 1 ? LOG_LEVEL_INFO : LOG_LEVEL_WARN);
	/* A queue server named: the whole program talks to it. */
	if ((cmd->flags & (CLI_REMOTE | CLI_LOCAL_ONLY)) != 0) {
		if (cli_config_server(&ctx) != 0)
			goto out;
		if (ctx.server != NULL && (cmd->flags & CLI_LOCAL_ONLY)) {
			cli_error(&ctx, "'%s' runs on the queue server itself, not "
			    "against it (%s names %s; --server '' for the "
			    "local queue)", cmd->name, ctx.server_from,
			    ctx.server);
			goto out;
		}
		if (ctx.server != NULL && cli_is_front) {
			cli_ctx_release(&ctx);
			return cli_exec_cluster(argv0);
		}
		if (ctx.server != NULL) {
			if (cli_remote_ops == NULL)
				fatalx("cli: no queue server client");
			ctx.queue = cli_remote_ops;
		}
	}
	ctx.db_path = cli_db_path(&ctx);
	if ((cmd->flags & CLI_NEEDS_STORE) && ctx.server == NULL &&
	    ctx.db_path == NULL) {
		cli_error(&ctx, "cannot find a home directory: use --db PATH");
		goto out;
	}
	ret = cmd->exec(&ctx, argc, argv);
out:
	cli_ctx_release(&ctx);
	return ret;
}
