/*
 * cli-select.c: which jobs a command means.  One parser for ids, ranges
 * and the filters (--state, --name, --group, --owner, -n) and one
 * selector over the run's queue, local or a server, so that cancel, hold,
 * release, retry, wait and ls read a selection the same way.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "cli.h"
#include "cli-jobs.h"

/* qsort: ids ascending. */
static int
cli_select_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Reads one id ("19") or range ("19-24") into the list; an exit status,
 * the error printed.  A range is bounded by what one selection may name. */
static int
cli_select_token(struct cli_ctx *ctx, const char *tok, struct cli_select *s,
    size_t *cap)
{
	char *copy, *dash;
	int64_t lo, hi, id;
	int ret = CLI_EXIT_USAGE;

	copy = xstrdup(tok);
	dash = strchr(copy, '-');
	if (dash != NULL && dash != copy)
		*dash++ = '\0';
	else
		dash = NULL;
	if (cli_parse_id(ctx, copy, &lo) != 0 ||
	    (dash != NULL && cli_parse_id(ctx, dash, &hi) != 0))
		goto out;
	if (dash == NULL)
		hi = lo;
	if (hi < lo) {
		cli_error(ctx, "invalid job id range '%s' (the first id is "
		    "greater than the last)", tok);
		goto out;
	}
	if (hi - lo >= (int64_t)(STORE_MAX_IDS - s->nids)) {
		cli_error(ctx, "the selection names more than %d job ids",
		    STORE_MAX_IDS);
		goto out;
	}
	for (id = lo; id <= hi; id++) {
		if (s->nids == *cap) {
			*cap = *cap == 0 ? 16 : *cap * 2;
			s->ids = xreallocarray(s->ids, *cap, sizeof *s->ids);
		}
		s->ids[s->nids++] = id;
	}
	ret = CLI_EXIT_OK;
out:
	free(copy);
	return ret;
}

/* Reads --state values ("queued,held", repeatable) into a mask; an exit
 * status, errors printed. */
static int
cli_select_states(struct cli_ctx *ctx, unsigned int *mask)
{
	enum store_state st;
	char **vals, *copy, *tok, *save;
	int n, i, ret = CLI_EXIT_OK;

	*mask = 0;
	vals = cli_list(ctx, "state", &n);
	for (i = 0; i < n && ret == CLI_EXIT_OK; i++) {
		copy = xstrdup(vals[i]);
		for (tok = strtok_r(copy, ",", &save); tok != NULL;
		    tok = strtok_r(NULL, ",", &save)) {
			if (store_state_parse(tok, &st) != 0) {
				cli_error(ctx, "invalid value for '--state': "
				    "'%s' (use queued, held, admitted, "
				    "running, succeeded, failed, cancelled or "
				    "timed_out)", tok);
				ret = CLI_EXIT_USAGE;
				break;
			}
			*mask |= STORE_STATE_BIT(st);
		}
		free(copy);
	}
	return ret;
}

/* See cli-jobs.h: the arguments and the selection options. */
int
cli_select_parse(struct cli_ctx *ctx, int argc, char **argv,
    struct cli_select *s)
{
	char *copy, *tok, *save;
	size_t cap = 0, i, k;
	int a, ret = CLI_EXIT_OK;

	memset(s, 0, sizeof *s);
	for (a = 0; a < argc && ret == CLI_EXIT_OK; a++) {
		if (strspn(argv[a], ",") == strlen(argv[a])) {
			cli_error(ctx, "invalid job id '%s'", argv[a]);
			ret = CLI_EXIT_USAGE;
			break;
		}
		copy = xstrdup(argv[a]);
		for (tok = strtok_r(copy, ",", &save); tok != NULL &&
		    ret == CLI_EXIT_OK; tok = strtok_r(NULL, ",", &save))
			ret = cli_select_token(ctx, tok, s, &cap);
		free(copy);
	}
	if (ret == CLI_EXIT_OK)
		ret = cli_select_states(ctx, &s->states);
	if (ret != CLI_EXIT_OK) {
		cli_select_release(s);
		return ret;
	}
	if (s->nids > 0)
		qsort(s->ids, s->nids, sizeof *s->ids, cli_select_cmp);
	for (i = k = 0; i < s->nids; i++)
		if (k == 0 || s->ids[k - 1] != s->ids[i])
			s->ids[k++] = s->ids[i];
	s->nids = k;
	s->name = cli_string(ctx, "name");
	s->group = cli_string(ctx, "group");
	s->owner = cli_string(ctx, "owner");
	/* -n filters only when given: $AILAB_QUEUE_NAMESPACE and the
	 * context say where new jobs go, not which old ones are meant. */
	s->namespace = cli_string(ctx, "namespace");
	if (s->namespace != NULL && *s->namespace == '\0')
		s->namespace = NULL;
	return CLI_EXIT_OK;
}

/* See cli-jobs.h. */
void
cli_select_release(struct cli_select *s)
{
	free(s->ids);
	s->ids = NULL;
	s->nids = 0;
}

/* See cli-jobs.h. */
bool
cli_select_has_filter(const struct cli_select *s)
{
	return s->states != 0 || s->name != NULL || s->group != NULL ||
	    s->owner != NULL || s->namespace != NULL;
}

/* See cli-jobs.h. */
int
cli_select_acting(struct cli_ctx *ctx, int argc, char **argv,
    struct cli_select *s)
{
	int ret;

	if ((ret = cli_select_parse(ctx, argc, argv, s)) != CLI_EXIT_OK ||
	    s->nids > 0 || cli_select_has_filter(s))
		return ret;
	cli_error(ctx, "%s: no jobs selected: give ids (19, 19-24, "
	    "19,21,30-32) or a filter (--state, --name, --group, --owner, -n)",
	    ctx->cmd->name);
	return CLI_EXIT_USAGE;
}

/*
 * Whether a glob means the same to SQLite's GLOB (what the store and the
 * server filter with) as to fnmatch (what the selection means): without
 * brackets or backslashes the two agree, so the queue may narrow the
 * list; otherwise only fnmatch decides.
 */
static bool
cli_select_glob_portable(const char *g)
{
	return strpbrk(g, "[]\\") == NULL;
}

/* See cli-jobs.h: what the queue can filter itself. */
void
cli_select_store_filter(const struct cli_select *s, unsigned int states,
    struct store_filter *f)
{
	f->states = states;
	f->all = states == 0;
	if (s->name != NULL && cli_select_glob_portable(s->name))
		f->name = s->name;
	f->group = s->group;
	/* Groups are scoped by owner: --owner's, else the local user's
	 * (a server scopes its own by the caller); looked up only for a
	 * group, the one filter it scopes. */
	f->group_owner = s->group == NULL ? NULL : s->owner != NULL ?
	    s->owner : cli_owner();
	f->namespace = s->namespace;
	f->owner = s->owner;
}

/* See cli-jobs.h: the filters (not the ids) on one job. */
bool
cli_select_match(const struct cli_select *s, unsigned int states,
    const struct store_job *j)
{
	if (states != 0 && (states & STORE_STATE_BIT(j->state)) == 0)
		return false;
	if (s->name != NULL && fnmatch(s->name, j->name, 0) != 0)
		return false;
	if (s->group != NULL && (j->group == NULL ||
	    strcmp(s->group, j->group) != 0))
		return false;
	if (s->owner != NULL && strcmp(s->owner, j->owner) != 0)
		return false;
	if (s->namespace != NULL && strcmp(s->namespace, j->namespace) != 0)
		return false;
	return true;
}

/* See cli-jobs.h: whether the id is one the arguments named. */
bool
cli_select_has_id(const struct cli_select *s, int64_t id)
{
	return s->nids > 0 && bsearch(&id, s->ids, s->nids, sizeof *s->ids,
	    cli_select_cmp) != NULL;
}

/* What the walk of a resolution keeps. */
struct cli_select_walk {
	const struct cli_select *sel;
	const char *verb;
	unsigned int states;     /* the --state or default mask to match */
	bool strict;             /* named jobs outside the default: errors */
	bool *seen;              /* per named id */
	int64_t *ids;
	size_t n, cap;
	json_t *items;
};

/* A state mask as "failed or timed_out", for messages. */
static char *
cli_select_state_names(unsigned int mask)
{
	char *s = xstrdup("");
	int i;

	for (i = 0; i < STORE_NSTATES; i++) {
		if ((mask & STORE_STATE_BIT(i)) == 0)
			continue;
		mask &= ~STORE_STATE_BIT(i);
		xappendf(&s, "%s%s", *s == '\0' ? "" : mask == 0 ?
		    " or " : ", ", store_state_name((enum store_state)i));
	}
	return s;
}

/* store_row_fn: keeps a matching job; a named one that does not match is
 * an item saying why it is left alone. */
static int
cli_select_row(const struct store_row *r, void *arg)
{
	struct cli_select_walk *w = arg;
	const struct cli_select *s = w->sel;
	const struct store_job *j = &r->job;
	const int64_t *at = NULL;
	char *msg, *names;

	if (s->nids > 0) {
		at = bsearch(&j->id, s->ids, s->nids, sizeof *s->ids,
		    cli_select_cmp);
		if (at == NULL)
			return 0;
		w->seen[at - s->ids] = true;
	}
	if (!cli_select_match(s, w->states, j)) {
		if (at == NULL)
			return 0;
		if (w->strict && s->states == 0 &&
		    cli_select_match(s, 0, j)) {
			names = cli_select_state_names(w->states);
			msg = xprintf("job %lld is %s: not %s (only %s jobs "
			    "are, unless --state %s is given)",
			    (long long)j->id, store_state_name(j->state),
			    w->verb, names, store_state_name(j->state));
			json_array_append_new(w->items, api_action_item(j->id,
			    false, "skipped", msg));
			free(names);
		} else {
			msg = xprintf("job %lld (%s) does not match the "
			    "selection: left alone", (long long)j->id,
			    store_state_name(j->state));
			json_array_append_new(w->items, api_action_item(j->id,
			    true, "skipped", msg));
		}
		free(msg);
		return 0;
	}
	if (w->n == w->cap) {
		w->cap = w->cap == 0 ? 64 : w->cap * 2;
		w->ids = xreallocarray(w->ids, w->cap, sizeof *w->ids);
	}
	w->ids[w->n++] = j->id;
	return 0;
}

/* A server is asked one request a named job up to this many, else for
 * its whole list (both are what the caller may see). */
#define CLI_SELECT_REMOTE_GETS 64

/* See cli-jobs.h: the selection's jobs on the run's queue. */
int
cli_select_resolve(struct cli_ctx *ctx, const struct cli_select *s,
    const char *verb, unsigned int default_states, bool strict,
    int64_t **idsp, size_t *np, json_t *items)
{
	struct cli_select_walk w = { .sel = s, .verb = verb, .strict = strict,
		.items = items };
	struct store_filter f = { 0 };
	int64_t *gids = NULL;
	size_t i, ng = 0;
	char *msg;
	int ret;

	*idsp = NULL;
	*np = 0;
	w.states = s->states != 0 ? s->states :
	    s->nids == 0 || strict ? default_states : 0;
	if (s->nids == 0)
		cli_select_store_filter(s, w.states, &f);
	else if (cli_queue(ctx) == &cli_queue_local ||
	    s->nids <= CLI_SELECT_REMOTE_GETS) {
		f.ids = s->ids;
		f.nids = s->nids;
	} else
		f.all = true;
	w.seen = xcalloc(s->nids + 1, sizeof *w.seen);
	ret = cli_queue(ctx)->each(ctx, &f, STORE_ROW_BRIEF, cli_select_row,
	    &w);
	if (ret != CLI_EXIT_OK)
		goto out;
	for (i = 0; i < s->nids; i++) {
		if (w.seen[i])
			continue;
		msg = xprintf("job %lld not found", (long long)s->ids[i]);
		json_array_append_new(items, api_action_item(s->ids[i], false,
		    "not_found", msg));
		free(msg);
	}
	/* A group that has no job at all is a mistake worth its name. */
	if (w.n == 0 && s->nids == 0 && s->group != NULL) {
		ret = cli_queue(ctx)->group_ids(ctx, s->group, &gids, &ng);
		free(gids);
		if (ret == CLI_EXIT_OK && ng == 0) {
			cli_error(ctx, "group '%s' not found", s->group);
			ret = CLI_EXIT_FAIL;
		}
		if (ret != CLI_EXIT_OK)
			goto out;
	}
	*idsp = w.ids;
	*np = w.n;
	w.ids = NULL;
out:
	free(w.ids);
	free(w.seen);
	return ret;
}
