/*
 * cli-remote.c: the queue commands' operations on a shared queue server
 * (docs/api.md), the counterpart of cli-queue.c's: the request of each
 * verb and the reading of its answer.  The requests go through
 * cli-remote-http.c, on kube's client.
 */
#include "cli-remote.h"
#include "cli-jobs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

#define CLI_REMOTE_PAGE 500
#define CLI_REMOTE_MAX_PAGES 100000

/* What a job's JSON may say beyond api_job_decode's members (a newer
 * server's exit code and GPU type), kept when present. */
static void
cli_remote_job_extras(const json_t *o, struct store_job *j)
{
	json_t *v;

	if (json_is_string(v = json_object_get(o, "run_gpu_type"))) {
		free(j->run_gpu_type);
		j->run_gpu_type = xstrdup(json_string_value(v));
	}
	if (json_is_integer(v = json_object_get(o, "exit_code"))) {
		j->has_exit_code = true;
		j->exit_code = (int)json_integer_value(v);
	}
}

/* See cli-remote.h. */
int
cli_remote_parse_page(const char *body, size_t len, struct store_job ***jobsp,
    size_t *np, char **next, char **cause)
{
	struct store_job **jobs;
	json_error_t jerr;
	json_t *o, *items, *c;
	size_t i, n;

	*jobsp = NULL;
	*np = 0;
	*next = NULL;
	if ((o = json_loadb(body, len, 0, &jerr)) == NULL) {
		*cause = xprintf("malformed JSON: %s", jerr.text);
		return -1;
	}
	items = json_object_get(o, "items");
	if (!json_is_array(items)) {
		*cause = xstrdup("a list without 'items'");
		json_decref(o);
		return -1;
	}
	n = json_array_size(items);
	jobs = xcalloc(n + 1, sizeof *jobs);
	for (i = 0; i < n; i++) {
		if (api_job_decode(json_array_get(items, i), &jobs[i],
		    cause) != 0) {
			store_jobs_free(jobs, i);
			json_decref(o);
			return -1;
		}
		cli_remote_job_extras(json_array_get(items, i), jobs[i]);
	}
	c = json_object_get(o, "continue");
	if (json_is_string(c) && *json_string_value(c) != '\0')
		*next = xstrdup(json_string_value(c));
	json_decref(o);
	*jobsp = jobs;
	*np = n;
	return 0;
}

/* GET /v1/jobs page by page, the filter as query parameters: take(job,
 * arg) owns each job as its page arrives; a take that fails (-1) stops
 * the walk with CLI_EXIT_FAIL, having printed its error. */
static int
cli_remote_pages(struct cli_ctx *ctx, const struct store_filter *f,
    int (*take)(struct store_job *, void *), void *arg)
{
	struct cli_remote_resp resp;
	struct store_job **page;
	size_t pn, i, pages = 0;
	char *base = NULL, *q, *next = NULL, *cause = NULL, *states = NULL;
	char limit[16];
	int ret = CLI_EXIT_OK, s;

	for (s = 0; s < STORE_NSTATES; s++) {
		if ((f->states & (1u << s)) == 0)
			continue;
		xappendf(&states, "%s%s", states != NULL ? "," : "",
		    store_state_name((enum store_state)s));
	}
	if (states != NULL)
		cli_remote_query_add(ctx, &base, "state", states);
	free(states);
	if (f->all)
		cli_remote_query_add(ctx, &base, "all", "true");
	if (f->name != NULL)
		cli_remote_query_add(ctx, &base, "name", f->name);
	if (f->group != NULL)
		cli_remote_query_add(ctx, &base, "group", f->group);
	if (f->namespace != NULL)
		cli_remote_query_add(ctx, &base, "namespace", f->namespace);
	if (f->owner != NULL)
		cli_remote_query_add(ctx, &base, "owner", f->owner);
	snprintf(limit, sizeof limit, "%d", CLI_REMOTE_PAGE);
	cli_remote_query_add(ctx, &base, "limit", limit);
	do {
		q = xstrdup(base);
		if (next != NULL)
			cli_remote_query_add(ctx, &q, "continue", next);
		ret = cli_remote_call(ctx, "GET", API_PREFIX "/jobs", q, NULL,
		    0, CLI_REMOTE_MAX_ANSWER, 120, &resp);
		free(q);
		if (ret != CLI_EXIT_OK)
			break;
		if (resp.status != 200) {
			ret = cli_remote_fail(ctx, &resp);
			cli_remote_resp_release(&resp);
			break;
		}
		free(next);
		next = NULL;
		if (cli_remote_parse_page(resp.body != NULL ? resp.body : "",
		    resp.len, &page, &pn, &next, &cause) != 0) {
			cli_error(ctx, "the queue server at %s sent a bad list: "
			    "%s", ctx->server, cause);
			free(cause);
			cli_remote_resp_release(&resp);
			ret = CLI_EXIT_FAIL;
			break;
		}
		cli_remote_resp_release(&resp);
		for (i = 0; i < pn; i++) {
			if (ret == CLI_EXIT_OK && take(page[i], arg) != 0)
				ret = CLI_EXIT_FAIL;
			else if (ret != CLI_EXIT_OK)
				store_job_free(page[i]);
		}
		free(page);
		if (ret != CLI_EXIT_OK)
			break;
		if (++pages > CLI_REMOTE_MAX_PAGES) {
			cli_error(ctx, "the queue server at %s sent more than "
			    "%d pages", ctx->server, CLI_REMOTE_MAX_PAGES);
			ret = CLI_EXIT_FAIL;
			break;
		}
	} while (next != NULL);
	free(next);
	free(base);
	return ret;
}

/* What cli_remote_each hands to its take: the caller's walk. */
struct cli_remote_walk {
	struct cli_ctx *ctx;
	int what;
	store_row_fn fn;
	void *arg;
};

/* The row of a job the server sent: params from its spec and, when
 * asked, the node from its archive (a request a job: a list leaves it
 * out). */
static int
cli_remote_take_row(struct store_job *j, void *arg)
{
	struct cli_remote_walk *w = arg;
	struct store_row r = { .job = *j };
	struct store_job *d = NULL;
	struct store_event *ev = NULL;
	struct store_replica *rep = NULL;
	size_t nev = 0, nrep = 0, i, best = (size_t)-1;
	json_t *spec = NULL;
	char *params = NULL;
	int ret;

	if ((w->what & STORE_ROW_PARAMS) != 0 && j->spec_json != NULL &&
	    (spec = json_loads(j->spec_json, 0, NULL)) != NULL &&
	    json_object_get(spec, "params") != NULL)
		r.params = params = json_dumps(json_object_get(spec, "params"),
		    JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(spec);
	if ((w->what & STORE_ROW_NODE) != 0 &&
	    cli_queue_remote.detail(w->ctx, j->id, &d, &ev, &nev, &rep,
	    &nrep) == CLI_EXIT_OK && d != NULL) {
		for (i = 0; i < nrep; i++)
			if (rep[i].rank == 0 && (best == (size_t)-1 ||
			    rep[i].attempt > rep[best].attempt))
				best = i;
		if (best != (size_t)-1)
			r.node = rep[best].node;
		r.job = *d;
	}
	ret = w->fn(&r, w->arg);
	store_job_free(d);
	store_events_free(ev, nev);
	store_replicas_free(rep, nrep);
	free(params);
	store_job_free(j);
	return ret;
}

/* The jobs of a filter given by ids: one request a job, as `wait` has
 * always asked a server. */
static int
cli_remote_each_id(struct cli_ctx *ctx, const struct store_filter *f,
    struct cli_remote_walk *w)
{
	struct store_job *j;
	size_t i;
	int ret;

	for (i = 0; i < f->nids; i++) {
		if ((ret = cli_queue_remote.get(ctx, f->ids[i], &j)) !=
		    CLI_EXIT_OK)
			return ret;
		if (j != NULL && cli_remote_take_row(j, w) != 0)
			return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

/* See cli.h: the server's pages, a job at a time. */
static int
cli_remote_each(struct cli_ctx *ctx, const struct store_filter *f, int what,
    store_row_fn fn, void *arg)
{
	struct cli_remote_walk w = { ctx, what, fn, arg };

	if (f->ids != NULL)
		return cli_remote_each_id(ctx, f, &w);
	return cli_remote_pages(ctx, f, cli_remote_take_row, &w);
}

/* What cli_remote_list collects. */
struct cli_remote_jobs {
	struct store_job **jobs;
	size_t n, cap;
};

/* Keeps one job of a page. */
static int
cli_remote_take_job(struct store_job *j, void *arg)
{
	struct cli_remote_jobs *a = arg;

	if (a->n == a->cap) {
		a->cap = a->cap == 0 ? 64 : a->cap * 2;
		a->jobs = xreallocarray(a->jobs, a->cap, sizeof *a->jobs);
	}
	a->jobs[a->n++] = j;
	return 0;
}

/* Every job matching the filter, all pages, by id. */
static int
cli_remote_list(struct cli_ctx *ctx, const struct store_filter *f,
    struct store_job ***jobsp, size_t *np)
{
	struct cli_remote_jobs a = { NULL, 0, 0 };
	int ret;

	*jobsp = NULL;
	*np = 0;
	if ((ret = cli_remote_pages(ctx, f, cli_remote_take_job, &a)) !=
	    CLI_EXIT_OK) {
		store_jobs_free(a.jobs, a.n);
		return ret;
	}
	*jobsp = a.jobs != NULL ? a.jobs : xcalloc(1, sizeof **jobsp);
	*np = a.n;
	return CLI_EXIT_OK;
}

/*
 * The exit code the scheduler records for a job (the first replica of
 * its last attempt that failed, else 0 when all ended), for a server
 * whose jobs do not carry it.
 */
static void
cli_remote_exit_from_replicas(struct store_job *j,
    const struct store_replica *rep, size_t n)
{
	int last = 0;
	size_t i;
	bool all = n > 0;

	if (j->has_exit_code || !store_state_is_terminal(j->state))
		return;
	for (i = 0; i < n; i++)
		if (rep[i].attempt > last)
			last = rep[i].attempt;
	for (i = 0; i < n; i++) {
		if (rep[i].attempt != last)
			continue;
		if (!rep[i].has_exit_code)
			all = false;
		else if (rep[i].exit_code != 0 && (!j->has_exit_code ||
		    j->exit_code == 0)) {
			j->has_exit_code = true;
			j->exit_code = rep[i].exit_code;
		}
	}
	if (!j->has_exit_code && all) {
		j->has_exit_code = true;
		j->exit_code = 0;
	}
}

/* GET /v1/jobs/{id}: the job, its events and replicas; 404 is none. */
static int
cli_remote_detail(struct cli_ctx *ctx, int64_t id, struct store_job **j,
    struct store_event **ev, size_t *nev, struct store_replica **rep,
    size_t *nrep)
{
	struct cli_remote_resp resp;
	char path[64], *cause = NULL;
	json_t *o;
	int ret;

	*j = NULL;
	*ev = NULL;
	*rep = NULL;
	*nev = *nrep = 0;
	snprintf(path, sizeof path, API_PREFIX "/jobs/%lld", (long long)id);
	if ((ret = cli_remote_call(ctx, "GET", path, NULL, NULL, 0,
	    CLI_REMOTE_MAX_ANSWER, 120, &resp)) != CLI_EXIT_OK)
		return ret;
	if (resp.status == 404) {
		cli_remote_resp_release(&resp);
		cli_error(ctx, "job %lld not found", (long long)id);
		return CLI_EXIT_FAIL;
	}
	if ((ret = cli_remote_json_take(ctx, &resp, &o)) != CLI_EXIT_OK)
		return ret;
	if (api_job_detail_decode(o, j, ev, nev, rep, nrep, &cause) != 0) {
		cli_error(ctx, "the queue server at %s sent a bad job: %s",
		    ctx->server, cause);
		free(cause);
		json_decref(o);
		return CLI_EXIT_FAIL;
	}
	cli_remote_job_extras(o, *j);
	cli_remote_exit_from_replicas(*j, *rep, *nrep);
	json_decref(o);
	return CLI_EXIT_OK;
}

/* One job (from its detail). */
static int
cli_remote_get(struct cli_ctx *ctx, int64_t id, struct store_job **j)
{
	struct store_event *ev;
	struct store_replica *rep;
	size_t nev, nrep;
	int ret;

	ret = cli_remote_detail(ctx, id, j, &ev, &nev, &rep, &nrep);
	store_events_free(ev, nev);
	store_replicas_free(rep, nrep);
	return ret;
}

/* The job, then GET /v1/jobs/{id}/why for its place in the queue. */
static int
cli_remote_why(struct cli_ctx *ctx, int64_t id, struct store_job **j)
{
	char path[64];
	const char *s, *when;
	enum store_state st;
	json_t *o, *v;
	int ret;
	int64_t t;

	if ((ret = cli_remote_get(ctx, id, j)) != CLI_EXIT_OK)
		return ret;
	snprintf(path, sizeof path, API_PREFIX "/jobs/%lld/why", (long long)id);
	if ((ret = cli_remote_get_json(ctx, path, NULL, &o)) != CLI_EXIT_OK) {
		store_job_free(*j);
		*j = NULL;
		return ret;
	}
	/* The why answer is the later look: it wins. */
	if ((s = json_string_value(json_object_get(o, "state"))) != NULL &&
	    store_state_parse(s, &st) == 0)
		(*j)->state = st;
	if ((s = json_string_value(json_object_get(o, "reason"))) != NULL) {
		free((*j)->reason);
		(*j)->reason = xstrdup(s);
	}
	when = json_string_value(json_object_get(o, "updated_at"));
	if (when != NULL && time_parse_rfc3339(when, &t) == 0)
		(*j)->updated_at = t;
	v = json_object_get(o, "position");
	(*j)->position = json_is_integer(v) ? json_integer_value(v) : 0;
	json_decref(o);
	return CLI_EXIT_OK;
}

/* A group's visible jobs, from the list. */
static int
cli_remote_group_ids(struct cli_ctx *ctx, const char *group, int64_t **ids,
    size_t *n)
{
	struct store_filter f = { .all = true, .group = group };
	struct store_job **jobs;
	size_t nj, i;
	int ret;

	*ids = NULL;
	*n = 0;
	if ((ret = cli_remote_list(ctx, &f, &jobs, &nj)) != CLI_EXIT_OK)
		return ret;
	*ids = xcalloc(nj + 1, sizeof **ids);
	for (i = 0; i < nj; i++)
		(*ids)[i] = jobs[i]->id;
	*n = nj;
	store_jobs_free(jobs, nj);
	return CLI_EXIT_OK;
}

/* POST /v1/jobs/ACTION with the ids, in batches; the answer's items are
 * appended as they are. */
static int
cli_remote_act(struct cli_ctx *ctx, enum cli_queue_act act,
    const int64_t *ids, size_t n, json_t *items)
{
	static const char *const paths[] = { API_PREFIX "/jobs/cancel",
		API_PREFIX "/jobs/hold", API_PREFIX "/jobs/release",
		API_PREFIX "/jobs/retry" };
	struct cli_remote_resp resp;
	size_t off = 0, k, i;
	json_t *body, *arr, *o;
	char *text;
	int r;

	while (off < n) {
		k = n - off > API_MAX_IDS ? API_MAX_IDS : n - off;
		arr = json_array();
		for (i = 0; i < k; i++)
			json_array_append_new(arr, json_integer(ids[off + i]));
		body = json_pack("{s:o}", "ids", arr);
		text = json_dumps(body, JSON_COMPACT);
		json_decref(body);
		r = cli_remote_call(ctx, "POST", paths[act], NULL, text,
		    strlen(text), CLI_REMOTE_MAX_ANSWER, 300, &resp);
		free(text);
		if (r != CLI_EXIT_OK)
			return r;
		if ((r = cli_remote_json_take(ctx, &resp, &o)) != CLI_EXIT_OK)
			return r;
		if (json_is_array(json_object_get(o, "items")))
			json_array_extend(items, json_object_get(o, "items"));
		json_decref(o);
		off += k;
	}
	return CLI_EXIT_OK;
}

/* Reads a spec file for the body, bounded as the server bounds it; a
 * file that cannot be sent is a diagnostic, as the local validation
 * prints it, counted into *ndiags. */
static char *
cli_remote_read_file(const char *path, size_t *lenp, size_t *ndiags)
{
	FILE *f;
	char *buf;
	size_t len;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		(*ndiags)++;
		return NULL;
	}
	buf = xmalloc(API_MAX_BODY + 2);
	len = fread(buf, 1, API_MAX_BODY + 1, f);
	if (ferror(f)) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		(*ndiags)++;
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	if (len > API_MAX_BODY) {
		fprintf(stderr, "%s: file is larger than %d bytes\n", path,
		    API_MAX_BODY);
		(*ndiags)++;
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	*lenp = len;
	return buf;
}

/* Prints a refused file's diagnostics under the path the user gave (the
 * server only knows its base name); counts them into *ndiags. */
static void
cli_remote_diags(const char *path, const char *base, const struct api_error *e,
    size_t *ndiags)
{
	size_t i, bl = strlen(base);
	const char *d, *at;

	for (i = 0; i < e->ndiagnostics; i++) {
		d = e->diagnostics[i];
		if (strncmp(d, base, bl) == 0 && d[bl] == ':') {
			fprintf(stderr, "%s", path);
			d += bl;
		}
		/* A roster's cell points back at the spec: "at BASE:L:C". */
		while ((at = strstr(d, " at ")) != NULL) {
			at += 4;
			fwrite(d, 1, (size_t)(at - d), stderr);
			if (strncmp(at, base, bl) == 0 && at[bl] == ':') {
				fputs(path, stderr);
				at += bl;
			}
			d = at;
		}
		fprintf(stderr, "%s\n", d);
	}
	*ndiags += e->ndiagnostics;
}

/*
 * POSTs one file; a 422's diagnostics are printed and counted (*ndiags)
 * and CLI_EXIT_USAGE returned without the one-line error, as the local
 * validation prints them.
 */
static int
cli_remote_submit_file(struct cli_ctx *ctx, const char *path, bool dry_run,
    size_t *ndiags, json_t **items)
{
	struct cli_remote_resp resp;
	struct api_error err;
	const char *base = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 :
	    path, *group = cli_string(ctx, "group"), *in;
	char *buf, *q = NULL, **sets, *cause = NULL;
	size_t len = 0;
	int nsets = 0, i, ret;
	bool bundle;
	json_t *o;

	*items = NULL;
	if (strcmp(path, "-") == 0) {
		/* Standard input: read once, for the dry run and the real
		 * one alike; its errors named as local ones are. */
		path = cli_stdin_name(ctx);
		base = "stdin";      /* the server takes plain file names */
		if (cli_stdin(ctx, API_MAX_BODY, &in, &len, &cause) != 0) {
			fprintf(stderr, "%s: %s\n", path, cause);
			free(cause);
			(*ndiags)++;
			return CLI_EXIT_USAGE;
		}
		buf = xmalloc(len + 1);
		memcpy(buf, in, len + 1);
	} else if ((buf = cli_remote_read_file(path, &len, ndiags)) == NULL)
		return CLI_EXIT_USAGE;
	if (cli_submit_body(path, API_MAX_BODY, &buf, &len, &bundle,
	    ndiags) != 0) {
		free(buf);
		return CLI_EXIT_USAGE;
	}
	if (bundle)
		cli_remote_query_add(ctx, &q, "bundle", "true");
	if (cli_flag(ctx, "append"))
		cli_remote_query_add(ctx, &q, "append", "true");
	if (cli_string(ctx, "owner") != NULL)
		cli_remote_query_add(ctx, &q, "group_owner", cli_string(ctx,
		    "owner"));
	cli_remote_query_add(ctx, &q, "filename", base);
	cli_remote_query_add(ctx, &q, "namespace", cli_default_namespace(ctx));
	if (group != NULL)
		cli_remote_query_add(ctx, &q, "group", group);
	sets = cli_list(ctx, "set", &nsets);
	for (i = 0; i < nsets; i++)
		cli_remote_query_add(ctx, &q, "set", sets[i]);
	if (cli_flag(ctx, "hold"))
		cli_remote_query_add(ctx, &q, "hold", "true");
	if (dry_run)
		cli_remote_query_add(ctx, &q, "dry_run", "true");
	ret = cli_remote_call(ctx, "POST", API_PREFIX "/jobs", q, buf, len,
	    CLI_REMOTE_MAX_ANSWER, 120, &resp);
	free(q);
	free(buf);
	if (ret != CLI_EXIT_OK)
		return ret;
	if (resp.status == 422) {
		memset(&err, 0, sizeof err);
		cli_remote_parse_error(resp.status, resp.body, resp.len, &err);
		if (err.ndiagnostics > 0) {
			cli_remote_diags(path, base, &err, ndiags);
			api_error_release(&err);
			cli_remote_resp_release(&resp);
			return CLI_EXIT_USAGE;
		}
		api_error_release(&err);
	}
	if ((ret = cli_remote_json_take(ctx, &resp, &o)) != CLI_EXIT_OK)
		return ret;
	if (!json_is_array(json_object_get(o, "items"))) {
		cli_error(ctx, "the queue server at %s sent no 'items'",
		    ctx->server);
		json_decref(o);
		return CLI_EXIT_FAIL;
	}
	*items = json_incref(json_object_get(o, "items"));
	json_decref(o);
	return CLI_EXIT_OK;
}

/*
 * Submits the files: with more than one, each is first checked with a dry
 * run, so that one bad file queues nothing, as locally.  *out holds
 * {id, name} of each queued job, or the specs of a dry run.
 */
static int
cli_remote_submit(struct cli_ctx *ctx, int argc, char **argv, bool dry_run,
    json_t **out)
{
	json_t *all = json_array(), *items, *v;
	size_t ndiags = 0, i;
	int f, ret = CLI_EXIT_OK, r;
	char *done;

	*out = NULL;
	if (dry_run || argc > 1) {
		for (f = 0; f < argc; f++) {
			r = cli_remote_submit_file(ctx, argv[f], true, &ndiags,
			    &items);
			if (r != CLI_EXIT_OK) {
				ret = ret == CLI_EXIT_OK ? r : ret;
				if (ndiags == 0 && r != CLI_EXIT_USAGE)
					break;
				continue;
			}
			json_array_extend(all, items);
			json_decref(items);
		}
		if (ret != CLI_EXIT_OK) {
			if (ndiags > 1)
				cli_error(ctx, "nothing queued: %zu errors",
				    ndiags);
			json_decref(all);
			return ret;
		}
		if (dry_run) {
			*out = all;
			return CLI_EXIT_OK;
		}
		json_array_clear(all);
	}
	for (f = 0; f < argc; f++) {
		if ((ret = cli_remote_submit_file(ctx, argv[f], false, &ndiags,
		    &items)) != CLI_EXIT_OK) {
			if (ndiags > 1)
				cli_error(ctx, "nothing queued: %zu errors",
				    ndiags);
			if (json_array_size(all) > 0) {
				done = NULL;
				json_array_foreach(all, i, v)
					xappendf(&done, "%s%lld", i > 0 ?
					    " " : "", (long long)
					    json_integer_value(json_object_get(
					    v, "id")));
				cli_error(ctx, "the files before '%s' were "
				    "queued: jobs %s", argv[f], done);
				free(done);
			}
			json_decref(all);
			return ret;
		}
		json_array_foreach(items, i, v)
			json_array_append_new(all, json_pack("{s:O,s:O}", "id",
			    json_object_get(v, "id"), "name",
			    json_object_get(v, "name")));
		json_decref(items);
	}
	*out = all;
	return CLI_EXIT_OK;
}

/* See cli-remote.h. */
int
cli_remote_logs(struct cli_ctx *ctx, int64_t id, int rank, int attempt,
    long tail, struct cli_remote_log *log)
{
	struct cli_remote_resp resp;
	char path[64], num[32], *q = NULL;
	int ret;

	memset(log, 0, sizeof *log);
	snprintf(path, sizeof path, API_PREFIX "/jobs/%lld/logs",
	    (long long)id);
	snprintf(num, sizeof num, "%d", rank);
	cli_remote_query_add(ctx, &q, "rank", num);
	if (attempt > 0) {
		snprintf(num, sizeof num, "%d", attempt);
		cli_remote_query_add(ctx, &q, "attempt", num);
	}
	if (tail >= 0) {
		snprintf(num, sizeof num, "%ld", tail);
		cli_remote_query_add(ctx, &q, "tail", num);
	}
	ret = cli_remote_call(ctx, "GET", path, q, NULL, 0,
	    CLI_REMOTE_MAX_ANSWER, 300, &resp);
	free(q);
	if (ret != CLI_EXIT_OK)
		return ret;
	if (resp.status != 200) {
		ret = cli_remote_fail(ctx, &resp);
		cli_remote_resp_release(&resp);
		return ret;
	}
	log->live = strcmp(resp.source, "live") == 0;
	snprintf(log->pod, sizeof log->pod, "%s", resp.pod);
	snprintf(log->node, sizeof log->node, "%s", resp.node);
	log->attempt = atoi(resp.attempt);
	log->truncated = strcmp(resp.truncated, "true") == 0;
	log->text = resp.body != NULL ? resp.body : xstrdup("");
	log->len = resp.len;
	resp.body = NULL;
	cli_remote_resp_release(&resp);
	return CLI_EXIT_OK;
}

const struct cli_queue_ops cli_queue_remote = {
	.name = "server",
	.each = cli_remote_each,
	.get = cli_remote_get,
	.why = cli_remote_why,
	.detail = cli_remote_detail,
	.group_ids = cli_remote_group_ids,
	.act = cli_remote_act,
	.submit = cli_remote_submit,
};
