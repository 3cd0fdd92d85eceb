/* Shared by the commands that act on jobs (cancel, hold, release, retry,
 * wait) and by ls: which jobs a command line means, and acting on them. */
#ifndef CLI_JOBS_H
#define CLI_JOBS_H

#include "cli.h"

/* The options of a selection, for a command's table (-n is global). */
#define CLI_SELECT_OPTS(what) \
	{ "state", 's', CLI_OPT_LIST, "STATE", \
	  "only " what " in this state (repeatable, or comma-separated)" }, \
	{ "name", 0, CLI_OPT_STRING, "GLOB", \
	  "only " what " whose name matches the glob (fnmatch)" }, \
	{ "group", 'g', CLI_OPT_STRING, "NAME", \
	  "only the " what " of a group" }, \
	{ "owner", 0, CLI_OPT_STRING, "USER", \
	  "only the " what " of a user (others': admins and TAs, on a server)" }

/* The usage and help every selecting command shares. */
#define CLI_SELECT_USAGE "[ID|FROM-TO[,...]]... [--state S[,S]] " \
	"[--name GLOB] [--group G] [--owner U] [-n NS]"
#define CLI_SELECT_HELP \
	"Selection: ids (19), ranges (19-24) and lists (19,21,30-32), and\n" \
	"the filters --state, --name, --group, --owner and -n: a job must\n" \
	"pass every filter given. Nothing selected is a usage error (exit\n" \
	"2), never every job.\n"
#define CLI_ACT_HELP CLI_SELECT_HELP \
	"Prints a line a job (each error; every job when there are at most\n" \
	"10, or with -v), then a summary; -o json|yaml prints the result\n" \
	"object, -o name the ids of the jobs changed.\n" \
	"Exit status: 0 done, 1 a job was not found or was refused, 2 usage.\n"

/*
 * A selection: ids and ranges from the arguments ("19", "19-24",
 * "19,21,30-32"), sorted and unique, at most STORE_MAX_IDS; and filters,
 * all of which a job must pass.  The strings are the options' own.
 */
struct cli_select {
	int64_t *ids;
	size_t nids;
	unsigned int states;     /* --state; 0 when not given */
	const char *name;        /* --name, an fnmatch glob */
	const char *group;
	const char *owner;
	const char *namespace;   /* -n, only when given on the command line */
};
/* Reads the arguments and the options; an exit status, errors printed. */
int cli_select_parse(struct cli_ctx *, int argc, char **argv,
    struct cli_select *);
/* cli_select_parse for a command that acts on jobs: it also refuses a
 * selection of neither ids nor filters. */
int cli_select_acting(struct cli_ctx *, int argc, char **argv,
    struct cli_select *);
void cli_select_release(struct cli_select *);
bool cli_select_has_filter(const struct cli_select *);
bool cli_select_has_id(const struct cli_select *, int64_t);
/* The filters the queue (store or server) can apply itself; states is
 * the mask to ask for (0: every state). */
void cli_select_store_filter(const struct cli_select *, unsigned int states,
    struct store_filter *);
/* Whether a job passes the filters and is in states (0: any). */
bool cli_select_match(const struct cli_select *, unsigned int states,
    const struct store_job *);
/*
 * The ids of the selected jobs on the run's queue, in id order (*ids the
 * caller's).  Jobs picked by filters alone are those in --state, else in
 * default_states (0: any); named jobs are taken in any state unless
 * --state is given or strict (then default_states applies to them too).
 * A named job that is missing, or left out, becomes an item of items
 * ({id, ok, result, message}: "not_found", or "skipped", not ok when
 * strict left it out).  A --group with no job at all is "not found".
 * Returns an exit status; errors printed.
 */
int cli_select_resolve(struct cli_ctx *, const struct cli_select *,
    const char *verb, unsigned int default_states, bool strict,
    int64_t **ids, size_t *n, json_t *items);

/* The exec and the options of cancel, hold, release and retry: the
 * action the command's name says on the selected jobs of the run's
 * queue, printing a line a job, a summary, or the result object under
 * -o json|yaml (ids under -o name); returns an exit status. */
int cli_jobs_act(struct cli_ctx *, int, char **);
extern const struct cli_opt cli_jobs_act_opts[];

struct spec_set;
/* The store's view of the jobs of loaded spec sets (see cli-jobs.c), of
 * owner (NULL: left for the caller to fill). */
struct store_job_new *cli_jobs_from_sets(struct spec_set **, int, bool,
    const char *owner, size_t *);
/*
 * Records jobs in the queue as a submit does, directly or for a submit
 * handed to the scheduler: owners left NULL filled with this process's
 * user, the groups (unless append) and `after` checked, then one
 * store_submit.  0; -1 with *cause, *refused true when a check refused
 * them (the user's to fix) and false when the store failed.
 */
int cli_jobs_record(struct store *, struct store_job_new *, size_t, bool,
    int64_t *, bool *, char **);
/* Removes a directory tree the command made (no shell involved). */
void cli_remove_tree(const char *);
/*
 * Validates and queues every job of the files, all or nothing, printing
 * diagnostics; with ids non-NULL, *ids (the caller's) and *n get the new
 * ids.  Returns an exit status.
 */
int cli_submit_files(struct cli_ctx *, int, char **, int64_t **, size_t *);

/*
 * The body of a submission to a server, which reads no file of a user:
 * the spec text *buf (len bytes, read from path) as it is, or, when it
 * names rosters, a bundle {"spec", "rosters"} with each roster read here,
 * relative to path as a local queue reads it (*buf and *len replaced,
 * *bundle set).  0, or -1 after printing why (counted in *ndiags).
 */
int cli_submit_body(const char *path, size_t max, char **buf, size_t *len,
    bool *bundle, size_t *ndiags);

/* Follows jobs until all end, with progress on a terminal; returns 0 if
 * all succeeded, 1 if not, 3 on timeout (timeout_s 0: none). */
int cli_wait_jobs(struct cli_ctx *, const int64_t *, size_t, int64_t);

#endif
