/*
 * cli: the ailab-queue command.  One file per subcommand (cmd-*.c), each
 * exporting a struct cli_cmd; cli.c holds the table, parses options from
 * the tables (so --help and the docs come from the same place) and sets up
 * what a command's flags say it needs.
 */
#ifndef CLI_H
#define CLI_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "common.h"
#include "store.h"

/* Exit statuses, the same for every command (documented in README). */
#define CLI_EXIT_OK 0
#define CLI_EXIT_FAIL 1          /* the command ran and something failed */
#define CLI_EXIT_USAGE 2         /* bad command line or unusable input */

enum cli_opt_type {
	CLI_OPT_FLAG,            /* --x, may repeat (counted) */
	CLI_OPT_STRING,          /* --x VALUE, last one wins */
	CLI_OPT_LIST,            /* --x VALUE, repeatable, all kept */
};

struct cli_opt {
	const char *name;
	int shortopt;            /* 0 for none */
	enum cli_opt_type type;
	const char *arg;         /* metavariable in help */
	const char *help;
};

enum cli_output {
	CLI_OUTPUT_TABLE,
	CLI_OUTPUT_WIDE,
	CLI_OUTPUT_JSON,
	CLI_OUTPUT_YAML,
	CLI_OUTPUT_CSV,
	CLI_OUTPUT_NAME,         /* job ids only, one a line */
};

/* What a command needs set up before it runs. */
#define CLI_NEEDS_STORE 0x1
#define CLI_REMOTE 0x2           /* runs against a queue server when named */
#define CLI_LOCAL_ONLY 0x4       /* refused when a queue server is named */
#define CLI_READS 0x8            /* only reads the queue: a database it may
				  * not write is opened read-only */

struct cli_ctx;
struct cli_queue_ops;
struct cli_remote;
struct event_base;
struct kube_client;
struct kube_config;

struct cli_cmd {
	const char *name;
	const char *alias;
	const char *usage;       /* arguments after the name */
	const char *summary;     /* one line */
	const char *help;        /* paragraphs after the usage, or NULL */
	const struct cli_opt *opts;  /* terminated by a zeroed entry */
	int flags;
	int min_args;
	int max_args;            /* -1: no limit */
	int (*exec)(struct cli_ctx *, int, char **);
};

struct cli_optval {
	const struct cli_opt *opt;
	int count;
	char **values;
};

struct cli_ctx {
	const struct cli_cmd *cmd;
	char *db_path;
	enum cli_output output;
	bool output_set;
	int verbose;
	bool quiet;
	bool color;
	struct store *store;
	struct cli_optval *vals;
	size_t nvals;
	/* The cluster, loaded on first use (cli_kube, cli_default_namespace). */
	struct kube_config *kube_config;       /* owned until a client is made */
	const struct kube_config *kube_config_used;  /* then the client's */
	bool kube_config_tried;
	struct event_base *base;
	struct kube_client *kube;
	/* Set by cli_kube (cli-kube.c) so that cli.c, which the queue front
	 * links too, never refers to the cluster client itself. */
	void (*release_cluster)(struct cli_ctx *);
	/* The queue server, when --server, $AILAB_QUEUE_SERVER or the config
	 * file names one (cli-config.c); NULL for the local queue. */
	char *server;
	char *server_ca;              /* CA file for its certificate, or NULL */
	const char *server_from;      /* where it was named, for messages */
	/* Where queue commands read and write: cli_queue_local or the
	 * remote ops (cli-remote.c), set by cli_main. */
	const struct cli_queue_ops *queue;
	struct cli_remote *remote;    /* cli-remote.c's state, made on use */
	/* A spec read from standard input ('-'), once a run (cli_stdin),
	 * or made by submit --wrap; what diagnostics call it (NULL:
	 * CLI_STDIN_NAME). */
	char *stdin_buf;
	size_t stdin_len;
	const char *stdin_name;
	void (*release_remote)(struct cli_ctx *);
};

/*
 * The queue commands' access to a queue, local (cli-queue.c, over store/)
 * or a shared server (cli-remote.c, over HTTP): each operation prints its
 * own error, one line, and returns an exit status (CLI_EXIT_OK, _FAIL or
 * _USAGE), so that a command prints the same thing whichever queue it
 * talks to.  Returned jobs, events and replicas are the caller's, freed
 * with the store's free functions.
 */
enum cli_queue_act {
	CLI_QUEUE_CANCEL,
	CLI_QUEUE_HOLD,
	CLI_QUEUE_RELEASE,
	CLI_QUEUE_RETRY,
};

struct cli_queue_ops {
	const char *name;                       /* "local" or "server" */
	/*
	 * Calls fn for each job matching the filter (every page), by id, as
	 * it comes, with what store_list_each reads for what; the row is
	 * borrowed.  When fn returns -1 the walk stops: CLI_EXIT_FAIL, and
	 * fn prints what went wrong.
	 */
	int (*each)(struct cli_ctx *, const struct store_filter *, int what,
	    store_row_fn fn, void *arg);
	/* One job; "job N not found" (CLI_EXIT_FAIL) if there is none to
	 * see. */
	int (*get)(struct cli_ctx *, int64_t, struct store_job **);
	/* get with the job's position in the queue filled in (why). */
	int (*why)(struct cli_ctx *, int64_t, struct store_job **);
	/* A job with its events and archived replicas, as get. */
	int (*detail)(struct cli_ctx *, int64_t, struct store_job **,
	    struct store_event **, size_t *, struct store_replica **, size_t *);
	/* The ids of a group's jobs (none: the caller says "not found"). */
	int (*group_ids)(struct cli_ctx *, const char *, int64_t **, size_t *);
	/* An action on the jobs named: an item a job appended to items,
	 * {id, ok, result, message} as docs/api.md's actions answer; the
	 * exit status says whether the queue could be asked at all. */
	int (*act)(struct cli_ctx *, enum cli_queue_act, const int64_t *,
	    size_t, json_t *items);
	/*
	 * Submits spec files as they are (the server validates them); NULL
	 * for the local queue, where submit validates and stores itself.
	 * *out: an array of {id, name}, or with dry_run the specs that
	 * would be queued, each with its namespace (the caller's).
	 */
	int (*submit)(struct cli_ctx *, int, char **, bool dry_run,
	    json_t **out);
};
extern const struct cli_queue_ops cli_queue_local;
/* cli-table.c: the server's ops in the whole program; NULL in the queue
 * front, which runs the whole program when a server is named. */
extern const struct cli_queue_ops *const cli_remote_ops;
/* The queue this run works on (cli_main chooses it). */
const struct cli_queue_ops *cli_queue(struct cli_ctx *);

/* cli-config.c: finds the queue server named by --server, else
 * $AILAB_QUEUE_SERVER, else the user's config file; 0 (ctx->server NULL
 * when none is named) or -1 after printing the error. */
int cli_config_server(struct cli_ctx *);

/*
 * cli-table.c, built twice: the whole program (ailab-queue-cluster) has
 * every command; the queue front (ailab-queue) has the queue commands and,
 * for the others, entries with only a name and no exec, which it hands to
 * the whole program (cli.c).
 */
extern const struct cli_cmd *const cli_cmds[];
void cli_man(FILE *);
extern const bool cli_is_front;

/* cli.c; the options every command takes (help, man, completion). */
extern const struct cli_opt cli_global_opts[];
int cli_main(int, char **);
const struct cli_cmd *cli_find(const char *, char **);
/* Values of the command's own options and the global ones. */
int cli_flag(struct cli_ctx *, const char *);
const char *cli_string(struct cli_ctx *, const char *);
char **cli_list(struct cli_ctx *, const char *, int *);
/* The queue, opened on first use; prints the error and returns NULL. */
struct store *cli_store(struct cli_ctx *);
void cli_error(struct cli_ctx *, const char *, ...) printflike(2, 3);
/* cli_error of a cause (the whole message), which it frees. */
void cli_error_take(struct cli_ctx *, char *cause);
void cli_info(struct cli_ctx *, const char *, ...) printflike(2, 3);
void cli_usage(FILE *, const struct cli_cmd *);
void cli_list_commands(FILE *);
int cli_parse_id(struct cli_ctx *, const char *, int64_t *);
/* A duration option in seconds; 0 when absent, -1 (printed) if bad. */
int cli_duration(struct cli_ctx *, const char *, bool zero_ok, int64_t *);
/* A duration option in milliseconds ("500ms", "0.5s", "2s"), from min_ms
 * to max_ms; 0 when absent, -1 (printed, naming the option) if bad. */
int cli_duration_ms(struct cli_ctx *, const char *, int64_t min_ms,
    int64_t max_ms, int64_t *);
/* An integer option from min to CLI_NUMBER_MAX; *out def when absent,
 * -1 (printed, naming the option) if bad. */
#define CLI_NUMBER_MAX 100000000L
int cli_number(struct cli_ctx *, const char *, long min, long def, long *);
/* The bounds of the scheduler's --interval (sched, serve). */
#define CLI_INTERVAL_MIN_MS 50
#define CLI_INTERVAL_MAX_MS (3600 * 1000)
/* The path of name in the running program's directory when access(2)
 * allows mode on it, else NULL; the caller frees it. */
char *cli_beside_self(const char *name, int mode);
/* Owner of new jobs: the local user name. */
const char *cli_owner(void);
/* The home directory: $HOME when absolute, else the password
 * database's; NULL without one. */
const char *cli_home(void);
/*
 * cli-passwd.c, built into each program: the caller's user name and home
 * directory in the password database (kept for the run), NULL when it has
 * none.  The queue front linked whole never uses NSS (cli_front_no_nss):
 * it reads /etc/passwd where glibc would answer from it first, and hands
 * the command to the whole program for any other user.
 */
extern const bool cli_front_no_nss;
const char *cli_passwd_name(void);
const char *cli_passwd_home(void);
/*
 * Runs the command again, argv unchanged, as ailab-queue-dynamic (the
 * queue front linked against the shared libc), which may use the
 * password database; what the command read from standard
 * input is its standard input.  Call it only before the command printed
 * anything to stdout or changed the queue; it returns only by exiting 1
 * after saying why the program could not run.
 */
deadfunc void cli_front_handoff(void);
/*
 * Namespace for jobs whose spec names none: -n, else $AILAB_QUEUE_NAMESPACE,
 * else the kubeconfig context's, else "default".  Never fails.
 */
const char *cli_default_namespace(struct cli_ctx *);
/* cli-kube.c: the Kubernetes client on ctx->base, made on first use;
 * prints the error and returns NULL if the kubeconfig is missing or
 * broken. */
struct kube_client *cli_kube(struct cli_ctx *);
/* cli-kube.c: the pod of a rank of a job's current attempt on the
 * cluster, as logs and exec find it: 0 with *pod (a copy to decref, NULL
 * when there is none), or -1 after printing why the list failed. */
int cli_job_pod(struct cli_ctx *, const struct store_job *, int rank,
    json_t **pod);
/* cli-kube.c: a client acting as user (Impersonate-User); NULL, *cause. */
struct kube_client *cli_kube_as(struct cli_ctx *, const char *user,
    char **cause);
/* cli.c: a new copy of the kubeconfig the options name; 0 or -1. */
int cli_kube_config_load(struct cli_ctx *, struct kube_config **, char **);
/* cli.c: the kubeconfig, loaded once, to read; NULL with *cause. */
const struct kube_config *cli_kube_config(struct cli_ctx *, char **);
/* cli.c: the kubeconfig, loaded if need be, for a client to own (cli_kube,
 * demo); NULL with *cause. */
struct kube_config *cli_kube_config_take(struct cli_ctx *, char **);
/* cli-kube.c: the one event base of the run, made on first use. */
struct event_base *cli_base(struct cli_ctx *);
/* The client options the command line sets (--qps); 0 or -1 (printed). */
struct kube_client_opts;
int cli_kube_opts(struct cli_ctx *, struct kube_client_opts *);

/* cli-output.c */
/*
 * Text for people (tables, messages, headers): a copy (the caller frees it)
 * in which what a terminal would act on is shown escaped: C0 controls and
 * DEL as \xHH (\t, \n, \r), C1 controls, line separators and bidi
 * overrides as \uHHHH, and bytes that are not UTF-8 as \xHH; so a job's
 * name or a roster cell can neither move the cursor nor start a line of
 * its own.  -o json and -o yaml stay exact.
 */
char *cli_text(const char *);
void cli_put_text(FILE *, const char *);
/* One CSV field then ',' or a newline: quoted as RFC 4180 says, and with a
 * leading ' when a spreadsheet would run it as a formula. */
void cli_csv_field(FILE *, const char *, bool last);
/* Tables escape every header and cell as cli_text does. */
struct cli_table;
struct cli_table *cli_table_new(const char *const *headers, int ncols);
void cli_table_add(struct cli_table *, const char *const *cells);
/* Colours a cell of the last row added: pre and post (static strings,
 * cli_state_color and cli_color_reset) are printed around it as they are. */
void cli_table_style_last(struct cli_table *, int col, const char *pre,
    const char *post);
void cli_table_print(struct cli_table *, FILE *);
void cli_table_free(struct cli_table *);
/* The -o formats (one table, in cli-output.c): a name to a format, 0 or
 * -1 with *cause naming every format; whether a command honours one, 0 or
 * -1 with *cause naming those it does; -o json or yaml. */
int cli_output_parse(const char *, enum cli_output *, char **cause);
int cli_output_check(const char *cmd, enum cli_output, char **cause);
bool cli_output_is_machine(const struct cli_ctx *);
/* "table, json or yaml": what a command prints, for its help (freed by
 * the caller). */
char *cli_output_help(const char *cmd);
/* Prints a JSON value as JSON or YAML, per the output format. */
int cli_print_value(struct cli_ctx *, json_t *);
/* A JSON or YAML array on stdout, an item at a time (the text
 * cli_print_value prints for the whole array): start, items (each
 * reference taken), end (frees it; 0 or -1). */
struct cli_stream;
struct cli_stream *cli_stream_start(struct cli_ctx *);
void cli_stream_item(struct cli_stream *, json_t *);
int cli_stream_end(struct cli_stream *);
char *cli_age(int64_t ms);
/* A waiting job's estimated start (ms, the cluster's clock) from now on
 * this machine's: "~2h", "~15m", "~now" once due; "-" for 0 (none). */
char *cli_start_text(int64_t est_ms);
char *cli_gpu_text(const char *type, int count, int replicas);
const char *cli_state_color(struct cli_ctx *, enum store_state);
const char *cli_color_reset(struct cli_ctx *);

/* The subcommands, one per file. */
extern const struct cli_cmd cli_cmd_cancel;
extern const struct cli_cmd cli_cmd_help;
extern const struct cli_cmd cli_cmd_hold;
extern const struct cli_cmd cli_cmd_ls;
extern const struct cli_cmd cli_cmd_release;
extern const struct cli_cmd cli_cmd_show;
extern const struct cli_cmd cli_cmd_submit;
extern const struct cli_cmd cli_cmd_version;
extern const struct cli_cmd cli_cmd_sched;
extern const struct cli_cmd cli_cmd_why;
extern const struct cli_cmd cli_cmd_retry;
extern const struct cli_cmd cli_cmd_wait;
extern const struct cli_cmd cli_cmd_logs;
extern const struct cli_cmd cli_cmd_exec;
extern const struct cli_cmd cli_cmd_shell;
extern const struct cli_cmd cli_cmd_cleanup;
extern const struct cli_cmd cli_cmd_demo;
extern const struct cli_cmd cli_cmd_report;
extern const struct cli_cmd cli_cmd_quota;
extern const struct cli_cmd cli_cmd_usage;
extern const struct cli_cmd cli_cmd_whoami;
extern const struct cli_cmd cli_cmd_validate;
extern const struct cli_cmd cli_cmd_render;
extern const struct cli_cmd cli_cmd_serve;
extern const struct cli_cmd cli_cmd_completion;

/* cli-jobs.c: a spec file given as '-', read from standard input once a
 * run (up to max bytes) and kept in ctx; 0, or -1 with *cause (the
 * caller's). */
#define CLI_STDIN_NAME "<stdin>"
#define cli_stdin_name(ctx) \
	((ctx)->stdin_name != NULL ? (ctx)->stdin_name : CLI_STDIN_NAME)
int cli_stdin(struct cli_ctx *, size_t max, const char **buf, size_t *len,
    char **cause);

/* cmd-validate.c: how validate, render and submit load spec files. */
struct spec_set;
struct spec_diags;
int cli_spec_load(struct cli_ctx *, int, char **, const char *group,
    struct spec_set ***);
void cli_spec_free(struct spec_set **, int);

#endif
