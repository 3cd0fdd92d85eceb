/*
 * The /v1/ handlers: whoami, submit, list, show, why, logs and quota
 * (docs/api.md; the actions are in server-actions.c).  Every handler runs
 * after authentication, with r->user set; every job a handler touches is
 * first checked against server_auth_can_see, and a job the caller may not
 * see is "not found".
 */
#include "server-int.h"

#include <ctype.h>
#include <event2/buffer.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "kube.h"
#include "sched-loop.h"
#include "spec.h"
#include "store-server.h"

/* Is s a plain file name, safe to show in diagnostics? */
static bool
server_is_file_name(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 255 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (i = 0; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '.' ||
		    s[i] == '-' || s[i] == '_'))
			return false;
	return true;
}

/* A query parameter of free text (a group, its owner): 0 with *out (NULL
 * when absent), or -1 after a 400 when it is empty, over 253 bytes or
 * holds a control character (a newline, an escape). */
static int
server_query_text(struct server_req *r, const char *key, const char **out)
{
	const char *v = server_query(r, key), *s;

	if ((*out = v) == NULL)
		return 0;
	for (s = v; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			break;
	if (*v != '\0' && *s == '\0' && s - v <= 253)
		return 0;
	server_reply_error(r, 400, NULL, "'%s' must be 1 to 253 bytes of "
	    "printable text", key);
	return -1;
}

/* GET /v1/whoami. */
static void
server_whoami(struct server_req *r)
{
	json_t *o, *groups = json_array();
	size_t i;

	for (i = 0; i < r->user->ngroups; i++)
		json_array_append_new(groups, json_string(r->user->groups[i]));
	o = json_pack("{s:s,s:o,s:b,s:o,s:s}", "username", r->user->name,
	    "groups", groups, "admin", r->user->admin, "ta_namespaces",
	    server_user_tas_json(r->user), "server", "ailab-queue serve "
	    PACKAGE_VERSION);
	if (r->user->uid != NULL)
		json_object_set_new(o, "uid", json_string(r->user->uid));
	server_reply_json(r, 200, o);
}

/* ---- submit ---- */

/* How long a ready submission may wait for others to share its commit
 * while specs are still being parsed (ms). */
#define SERVER_COMMIT_DELAY_MS 5

/* The work of one submission between its access reviews. */
struct server_submit {
	char *filename;
	struct server_parsed *parsed;        /* owns what jobs point to */
	struct store_job_new *jobs;
	size_t n;
	char **ns;                   /* distinct namespace/workload pairs */
	bool *is_job;
	size_t nchecks, next;
	bool dry_run;
	bool hold;
	bool append;                 /* a roster may join a group with jobs */
	char *group_owner;           /* whose groups the jobs join, or NULL */
};

/* Frees a submission's work. */
static void
server_submit_free(void *arg)
{
	struct server_submit *w = arg;
	size_t i;

	if (w == NULL)
		return;
	for (i = 0; i < w->nchecks; i++)
		free(w->ns[i]);
	free(w->ns);
	free(w->is_job);
	server_parsed_free(w->parsed);
	free(w->filename);
	free(w->group_owner);
	free(w);
}

static void server_submit_next(struct server_req *);

/* The answer of one access review of a submission. */
static void
server_submit_reviewed(struct server_req *r, bool allowed, const char *error)
{
	struct server_submit *w = r->work;
	const char *res = w->is_job[w->next] ? "jobs.batch" :
	    "deployments.apps";

	if (error != NULL) {
		server_reply_error(r, 502, NULL, "cannot check your rights in "
		    "namespace '%s': %s", w->ns[w->next], error);
		return;
	}
	if (!allowed) {
		server_reply_error(r, 403, NULL, "user '%s' may not create %s "
		    "in namespace '%s' (the cluster's RBAC says no): nothing "
		    "queued", r->user->name, res, w->ns[w->next]);
		return;
	}
	w->next++;
	server_submit_next(r);
}

/* The per-user limit of waiting jobs, from the server's configuration or
 * else the site's; 0 for none. */
int64_t
server_max_queued(const struct server *srv)
{
	return srv->cfg.user_max_queued >= 0 ? srv->cfg.user_max_queued :
	    spec_site_user_max_queued(srv->site);
}

/* The per-user limit of waiting jobs, counting what this flush already
 * accepted (pending, per user); 0, or -1 after a reply. */
static int
server_submit_limit(struct server_req *r, int64_t pending)
{
	struct server_submit *w = r->work;
	struct server *srv = r->srv;
	int64_t waiting = 0, max;
	char *cause = NULL;

	if ((max = server_max_queued(srv)) <= 0)
		return 0;
	if (store_owner_waiting(srv->store, r->user->name, &waiting,
	    &cause) != 0) {
		server_reply_store(r, cause, "reading the queue");
		return -1;
	}
	waiting += pending;
	if (waiting + (int64_t)w->n > max) {
		server_reply_error(r, 403, "LimitExceeded", "user '%s' may have "
		    "at most %" PRId64 " waiting jobs (queued or held) and has "
		    "%" PRId64 ": %zu more refused, nothing queued",
		    r->user->name, max, waiting, w->n);
		return -1;
	}
	return 0;
}

/* Answers one submission of a flush with its new jobs. */
static void
server_submit_reply(struct server_req *r, const int64_t *ids)
{
	struct server_submit *w = r->work;
	struct store_job *j;
	json_t *items = json_array();
	char *cause = NULL;
	size_t i;

	for (i = 0; i < w->n; i++) {
		j = NULL;
		if (store_get(r->srv->store, ids[i], &j, &cause) != 0 ||
		    j == NULL) {
			free(cause);
			cause = NULL;
			json_array_append_new(items, json_pack("{s:I,s:s}",
			    "id", (json_int_t)ids[i], "name", w->jobs[i].name));
			continue;
		}
		json_array_append_new(items, api_job_encode(j));
		store_job_free(j);
	}
	log_info("user %s queued %zu job%s (%" PRId64 "..%" PRId64 ")",
	    r->user->name, w->n, w->n == 1 ? "" : "s", ids[0], ids[w->n - 1]);
	server_reply_json(r, 201, json_pack("{s:o}", "items", items));
}

/*
 * Group commit: the submissions that became ready in one turn of the event
 * loop are recorded in one transaction (one fsync instead of one each).
 * Each keeps its all-or-nothing promise: the limits are checked per
 * submission first, and the transaction records all of them or none.
 */
static void
server_submit_flush(evutil_socket_t fd, short ev, void *arg)
{
	struct server *srv = arg;
	struct server_req **batch = srv->pending, *r;
	struct server_submit *w;
	struct store_job_new *all;
	size_t nb = srv->npending, i, k, n = 0, off;
	int64_t *ids, pending;
	char *cause = NULL;

	(void)fd;
	(void)ev;
	srv->pending = NULL;
	srv->npending = 0;
	for (i = 0, k = 0; i < nb; i++) {
		r = batch[i];
		w = r->work;
		for (pending = 0, off = 0; off < k; off++)
			if (strcmp(batch[off]->user->name, r->user->name) == 0)
				pending += (int64_t)((struct server_submit *)
				    batch[off]->work)->n;
		if (server_submit_limit(r, pending) != 0)
			continue;
		batch[k++] = r;
		n += w->n;
	}
	nb = k;
	if (nb == 0) {
		free(batch);
		return;
	}
	all = xcalloc(n + 1, sizeof *all);
	ids = xcalloc(n + 1, sizeof *ids);
	for (i = 0, off = 0; i < nb; i++) {
		w = batch[i]->work;
		memcpy(all + off, w->jobs, w->n * sizeof *all);
		off += w->n;
	}
	if (store_submit(srv->store, all, n, ids, &cause) != 0) {
		log_warnx("submit of %zu jobs: %s", n, cause);
		free(cause);
		for (i = 0; i < nb && store_is_busy(srv->store); i++) {
			/* Another process held the queue: asked again. */
			server_retry_after(batch[i], 1);
			server_reply_error(batch[i], 503, NULL, "nothing "
			    "queued: the queue is busy (another process holds "
			    "it locked); retry in a moment");
		}
		for (; i < nb; i++)
			server_reply_error(batch[i], 500, NULL, "nothing queued: "
			    "the queue refused the jobs");
	} else {
		srv->m.submitted += (int64_t)n;
		if (srv->sched != NULL)
			sched_loop_kick(srv->sched);
		for (i = 0, off = 0; i < nb; i++) {
			k = ((struct server_submit *)batch[i]->work)->n;
			server_submit_reply(batch[i], ids + off);
			off += k;
		}
	}
	free(all);
	free(ids);
	free(batch);
}

/* See server-int.h: at shutdown, what waits for a group commit is
 * committed and answered now. */
void
server_submit_flush_now(struct server *srv)
{
	if (srv->npending > 0)
		server_submit_flush(-1, 0, srv);
}

/* After every review: a dry run answers now; a real one joins the next
 * group commit. */
static void
server_submit_finish(struct server_req *r)
{
	struct server_submit *w = r->work;
	struct server *srv = r->srv;
	struct timeval tv;
	json_t *items, *o;
	char *spec;
	size_t i;

	if (w->dry_run) {
		if (server_submit_limit(r, 0) != 0)
			return;
		items = json_array();
		for (i = 0; i < w->n; i++) {
			spec = store_job_new_spec(&w->jobs[i]);
			o = json_loads(spec, 0, NULL);
			free(spec);
			if (o == NULL)
				o = json_object();
			json_object_set_new(o, "namespace",
			    json_string(w->jobs[i].namespace));
			json_array_append_new(items, o);
		}
		server_reply_json(r, 200, json_pack("{s:b,s:o}", "dry_run", 1,
		    "items", items));
		return;
	}
	if (srv->flush == NULL)
		srv->flush = event_new(srv->base, -1, 0, server_submit_flush,
		    srv);
	srv->pending = xreallocarray(srv->pending, srv->npending + 1,
	    sizeof *srv->pending);
	srv->pending[srv->npending++] = r;
	if (srv->npending > 1)
		return;
	/* Other specs still with the workers are likely to be ready within
	 * the delay: wait for them, so that one sync commits them all (the
	 * workers answer one by one, not in one turn of the loop). */
	if (server_parse_busy(srv)) {
		tv = time_tv_ms(SERVER_COMMIT_DELAY_MS);
		event_base_update_cache_time(srv->base);
		evtimer_add(srv->flush, &tv);
	} else
		event_active(srv->flush, EV_TIMEOUT, 0);
}

/* The next access review, or the end of them. */
static void
server_submit_next(struct server_req *r)
{
	struct server_submit *w = r->work;

	if (w->next >= w->nchecks) {
		server_submit_finish(r);
		return;
	}
	if (w->is_job[w->next])
		server_auth_review(r, "create", "batch", "jobs", w->ns[w->next],
		    server_submit_reviewed);
	else
		server_auth_review(r, "create", "apps", "deployments",
		    w->ns[w->next], server_submit_reviewed);
}

/* A worker validated the spec: refuse it, or review the rights of the
 * namespaces its jobs use. */
static void
server_submit_parsed(struct server_req *r, struct server_parsed *p)
{
	struct server_submit *w = r->work;
	json_t *err;
	size_t i, k;
	char *cause = NULL;
	int retry;

	w->parsed = p;
	switch (p->kind) {
	case SERVER_PARSED_JOBS:
		break;
	case SERVER_PARSED_INVALID:
		err = api_error_encode(422, NULL, p->message);
		for (i = 0; i < p->ndiags; i++)
			api_error_add_diagnostic(err, p->diags[i]);
		server_reply_json(r, 422, err);
		return;
	case SERVER_PARSED_BUDGET:
		server_reply_error(r, 422, NULL, "%s took more than the "
		    "server's budget of %lld ms of CPU to validate and expand: "
		    "nothing queued; make it smaller or split it", w->filename,
		    (long long)r->srv->cfg.parse_timeout_ms);
		return;
	case SERVER_PARSED_BUSY:
		retry = (int)(r->srv->cfg.parse_timeout_ms / 1000) + 1;
		server_retry_after(r, retry > 60 ? 60 : retry);
		server_reply_error(r, 503, NULL, "the server could not "
		    "validate %s in time (it is busy): nothing queued; retry "
		    "later", w->filename);
		return;
	default:
		server_reply_error(r, 500, NULL, "the server failed to "
		    "validate %s: nothing queued", w->filename);
		return;
	}
	if (server_auth_priority_check(r, p->jobs, p->njobs) != 0)
		return;
	w->n = p->njobs;
	w->jobs = p->jobs;
	w->ns = xcalloc(w->n + 1, sizeof *w->ns);
	w->is_job = xcalloc(w->n + 1, sizeof *w->is_job);
	for (i = 0; i < w->n; i++) {
		w->jobs[i].owner = r->user->name;
		w->jobs[i].held = w->hold;
		for (k = 0; k < w->nchecks; k++)
			if (w->is_job[k] == p->is_job[i] &&
			    strcmp(w->ns[k], w->jobs[i].namespace) == 0)
				break;
		if (k == w->nchecks) {
			w->ns[w->nchecks] = xstrdup(w->jobs[i].namespace);
			w->is_job[w->nchecks++] = p->is_job[i];
		}
	}
	if (server_groups_check(r, w->jobs, w->n, w->group_owner,
	    w->append) != 0)
		return;
	/* A misspelt dependency is the submitter's error now, not a job
	 * that fails a pass later. */
	if (store_check_after(r->srv->store, w->jobs, w->n, &cause) != 0) {
		server_reply_error(r, 422, NULL, "nothing queued: %s", cause);
		free(cause);
		return;
	}
	server_submit_next(r);
}

/* POST /v1/jobs: validate, review, limit, queue (all or nothing). */
static void
server_submit(struct server_req *r)
{
	static const char *const types[] = { "application/yaml", "text/yaml",
		"application/x-yaml", "text/plain", "application/json",
		"application/octet-stream" };
	struct evbuffer *in = evhttp_request_get_input_buffer(r->req);
	struct server_parse_args args = { 0 };
	struct server_submit *w;
	struct evkeyval *kv;
	const char *fn, *ns, *group, *ct, *sets[API_MAX_SETS], *owner;
	size_t len, nsets = 0, i;
	bool hold, bundle;

	ct = evhttp_find_header(evhttp_request_get_input_headers(r->req),
	    "Content-Type");
	for (i = 0; ct != NULL && i < nitems(types); i++)
		if (strncmp(ct, types[i], strlen(types[i])) == 0)
			break;
	if (ct != NULL && i == nitems(types)) {
		server_reply_error(r, 415, NULL, "a submission is a YAML spec "
		    "file (application/yaml), not '%.64s'", ct);
		return;
	}
	fn = server_query(r, "filename");
	if (fn == NULL)
		fn = "spec.yaml";
	if (!server_is_file_name(fn)) {
		server_reply_error(r, 400, NULL, "'filename' must be a plain "
		    "file name (letters, digits, '.', '-', '_')");
		return;
	}
	ns = server_query(r, "namespace");
	if (ns != NULL && !spec_is_dns_label(ns, 63)) {
		server_reply_error(r, 400, NULL, "'namespace' must be a "
		    "namespace name, not '%.64s'", ns);
		return;
	}
	if (server_query_text(r, "group", &group) != 0 ||
	    server_query_text(r, "group_owner", &owner) != 0 ||
	    server_query_bool(r, "hold", &hold) != 0 ||
	    server_query_bool(r, "bundle", &bundle) != 0)
		return;
	w = xcalloc(1, sizeof *w);
	r->work = w;
	r->work_free = server_submit_free;
	if (server_query_bool(r, "dry_run", &w->dry_run) != 0 ||
	    server_query_bool(r, "append", &w->append) != 0)
		return;
	w->group_owner = owner != NULL ? xstrdup(owner) : NULL;
	TAILQ_FOREACH(kv, &r->query, next) {
		if (strcmp(kv->key, "set") != 0)
			continue;
		if (nsets == API_MAX_SETS || strchr(kv->value, '=') == NULL) {
			server_reply_error(r, 400, NULL, "'set' must be "
			    "KEY=VALUE, at most %d of them", API_MAX_SETS);
			return;
		}
		sets[nsets++] = kv->value;
	}
	len = evbuffer_get_length(in);
	if (len > API_MAX_BODY) {
		server_reply_error(r, 413, NULL, "the spec is larger than %d "
		    "bytes", API_MAX_BODY);
		return;
	}
	if (len == 0) {
		server_reply_error(r, 400, NULL, "empty body: send a spec file");
		return;
	}
	w->filename = xstrdup(fn);
	w->hold = hold;
	args.filename = fn;
	args.default_namespace = ns;
	args.group = group;
	args.sets = sets;
	args.nsets = nsets;
	args.bundle = bundle;
	args.body = in;
	/* Parsing and expanding happen in a worker process: the event
	 * loop goes on serving meanwhile. */
	server_parse_start(r, &args, server_submit_parsed);
}

/* ---- list, show, why ---- */

/* Parses "queued,running" into a state mask; -1 after a 400 reply. */
static int
server_parse_states(struct server_req *r, const char *s, unsigned int *mask)
{
	char *copy = xstrdup(s), *tok, *save = NULL;
	enum store_state st;

	*mask = 0;
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (store_state_parse(tok, &st) != 0) {
			server_reply_error(r, 400, NULL, "unknown state '%.32s' "
			    "(queued, held, admitted, running, succeeded, "
			    "failed, cancelled, timed_out)", tok);
			free(copy);
			return -1;
		}
		*mask |= 1u << st;
	}
	free(copy);
	return 0;
}

/* What a page of GET /v1/jobs collects as the store reads it. */
struct server_page {
	json_t *items;
	size_t limit;
	size_t n;
	int64_t last;            /* the id of the page's last job */
	bool more;
};

/* store_row_fn: one job onto the page; the one past the limit only says
 * that there is more. */
static int
server_list_row(const struct store_row *row, void *arg)
{
	struct server_page *p = arg;

	if (p->n == p->limit) {
		p->more = true;
		return -1;
	}
	json_array_append_new(p->items, api_job_encode(&row->job));
	p->last = row->job.id;
	p->n++;
	return 0;
}

/* GET /v1/jobs: the visible jobs matching the filters, a page at a time,
 * read in one query; "continue" is the last id of the page. */
static void
server_list(struct server_req *r)
{
	struct store_view v = { 0 };
	struct server_page p = { 0 };
	int64_t limit, after;
	const char *s;
	char *cause = NULL, tok[32];
	json_t *o;

	if (server_query_bool(r, "all", &v.all) != 0 ||
	    server_query_int(r, "limit", 1, API_MAX_PAGE, API_DEFAULT_PAGE,
	    &limit) != 0 ||
	    server_query_int(r, "continue", 0, INT64_MAX - 1, 0, &after) != 0)
		return;
	if ((s = server_query(r, "state")) != NULL &&
	    server_parse_states(r, s, &v.states) != 0)
		return;
	v.name = server_query(r, "name");
	v.group = server_query(r, "group");
	v.namespace = server_query(r, "namespace");
	v.owner = server_query(r, "owner");
	/* Groups are scoped by owner: the one named, else the caller's. */
	v.group_owner = v.owner != NULL ? v.owner : r->user->name;
	if (v.owner != NULL && !r->user->admin &&
	    r->user->ta_namespaces == NULL &&
	    strcmp(v.owner, r->user->name) != 0) {
		server_reply_error(r, 403, NULL, "user '%s' may list only "
		    "their own jobs, not those of '%.64s'", r->user->name,
		    v.owner);
		return;
	}
	if (!r->user->admin) {
		v.viewer = r->user->name;
		v.viewer_namespaces = r->user->ta_namespaces;
	}
	v.after_id = after;
	v.limit = (size_t)limit + 1;
	p.items = json_array();
	p.limit = (size_t)limit;
	if (store_view_each(r->srv->store, &v, STORE_ROW_SPEC,
	    server_list_row, &p, &cause) != 0 && !p.more) {
		json_decref(p.items);
		server_reply_store(r, cause, "listing jobs");
		return;
	}
	o = json_pack("{s:o}", "items", p.items);
	if (p.more) {
		snprintf(tok, sizeof tok, "%" PRId64, p.last);
		json_object_set_new(o, "continue", json_string(tok));
	}
	server_reply_json(r, 200, o);
}

/* The job of /v1/jobs/{id}, if the caller may see it; NULL after a 404. */
static struct store_job *
server_visible_job(struct server_req *r, int64_t id)
{
	struct store_job *j = NULL;
	char *cause = NULL;

	if (store_get(r->srv->store, id, &j, &cause) != 0) {
		server_reply_store(r, cause, "reading the queue");
		return NULL;
	}
	if (j == NULL || !server_auth_can_see(r->user, j)) {
		store_job_free(j);
		server_reply_error(r, 404, NULL, "job %" PRId64 " not found",
		    id);
		return NULL;
	}
	return j;
}

/* GET /v1/jobs/{id}: the job, its events and its archived replicas. */
static void
server_show(struct server_req *r)
{
	struct store_event *ev = NULL;
	struct store_replica *rep = NULL;
	struct store_job *j;
	size_t nev = 0, nrep = 0;
	char *cause = NULL;

	if ((j = server_visible_job(r, r->id)) == NULL)
		return;
	if (store_events(r->srv->store, j->id, &ev, &nev, &cause) != 0 ||
	    store_replicas(r->srv->store, j->id, &rep, &nrep, &cause) != 0) {
		store_events_free(ev, nev);
		store_job_free(j);
		server_reply_store(r, cause, "reading the queue");
		return;
	}
	server_reply_json(r, 200, api_job_detail_encode(j, ev, nev, rep, nrep));
	store_events_free(ev, nev);
	store_replicas_free(rep, nrep);
	store_job_free(j);
}

/* GET /v1/jobs/{id}/why: as `why -o json`. */
static void
server_why(struct server_req *r)
{
	struct store_job *j;
	json_t *o;
	char *when;

	if ((j = server_visible_job(r, r->id)) == NULL)
		return;
	when = time_format_rfc3339(j->updated_at);
	o = json_pack("{s:I,s:s,s:s,s:s}", "id", (json_int_t)j->id, "state",
	    store_state_name(j->state), "reason", j->reason, "updated_at",
	    when);
	if (j->position > 0)
		json_object_set_new(o, "position", json_integer(j->position));
	free(when);
	when = j->est_start != 0 && j->state == STORE_QUEUED ?
	    time_format_rfc3339(j->est_start) : NULL;
	json_object_set_new(o, "estimated_start", when != NULL ?
	    json_string(when) : json_null());
	free(when);
	store_job_free(j);
	server_reply_json(r, 200, o);
}

/* ---- logs ---- */

struct server_logs {
	struct store_job *job;
	int rank;
	int attempt;                 /* archived only; 0: the last */
	int64_t tail;
	char *pod;
};

/* Frees the work of a logs request. */
static void
server_logs_free(void *arg)
{
	struct server_logs *w = arg;

	store_job_free(w->job);
	free(w->pod);
	free(w);
}

/* The last n lines of a text (all when n < 0). */
static const char *
server_tail(const char *text, size_t len, int64_t n, size_t *out)
{
	const char *p = text + len;

	if (n < 0) {
		*out = len;
		return text;
	}
	if (p > text && p[-1] == '\n')
		p--;
	while (p > text && n > 0) {
		p--;
		if (*p == '\n')
			n--;
	}
	if (p > text || (p == text && *p == '\n' && n == 0))
		p++;
	*out = (size_t)(text + len - p);
	return p;
}

/* The archived log of the rank's last attempt, or 404. */
static void
server_logs_archived(struct server_req *r)
{
	struct server_logs *w = r->work;
	struct store_replica *rep = NULL, *best = NULL;
	size_t n = 0, i, len;
	const char *text;
	char *cause = NULL, buf[32];
	struct evkeyvalq *h;

	if (store_replicas(r->srv->store, w->job->id, &rep, &n, &cause) != 0) {
		server_reply_store(r, cause, "reading the queue");
		return;
	}
	for (i = 0; i < n; i++)
		if (rep[i].rank == w->rank && (w->attempt == 0 ||
		    rep[i].attempt == w->attempt) && (best == NULL ||
		    rep[i].attempt > best->attempt))
			best = &rep[i];
	if (best == NULL) {
		server_reply_error(r, 404, NULL, "job %" PRId64 " has no log "
		    "for rank %d%s%s", w->job->id, w->rank, w->attempt > 0 ?
		    " in that attempt" : "",
		    w->job->state == STORE_QUEUED || w->job->state ==
		    STORE_HELD ? " (it has not run yet)" : "");
		store_replicas_free(rep, n);
		return;
	}
	h = evhttp_request_get_output_headers(r->req);
	evhttp_add_header(h, "X-Ailab-Log-Source", "archived");
	snprintf(buf, sizeof buf, "%d", best->attempt);
	evhttp_add_header(h, "X-Ailab-Log-Attempt", buf);
	evhttp_add_header(h, "X-Ailab-Log-Truncated", best->log_truncated ?
	    "true" : "false");
	if (best->node != NULL && *best->node != '\0')
		evhttp_add_header(h, "X-Ailab-Log-Node", best->node);
	text = server_tail(best->log, best->log_len, w->tail, &len);
	server_reply_text(r, 200, "text/plain; charset=utf-8", text, len);
	store_replicas_free(rep, n);
}

/* The job's pods listed, then the current attempt's pod's log read: the
 * live log, else the archive. */
static void
server_logs_live(struct kube_response *resp, void *arg)
{
	struct server_req *r = arg;
	struct server_logs *w = r->work;
	struct kube_log_opts opts = { .tail_lines = -1,
	    .limit_bytes = 16 * 1024 * 1024 };
	struct evkeyvalq *h;
	json_t *pod;

	r->kreq = NULL;
	if (resp->error != NULL && server_cluster_unavailable(resp->error)) {
		server_reply_unavailable(r, w->pod == NULL ?
		    "the list of the job's pods" : "the live log's read");
		return;
	}
	if (resp->error != NULL) {
		server_logs_archived(r);
		return;
	}
	if (w->pod != NULL) {
		h = evhttp_request_get_output_headers(r->req);
		evhttp_add_header(h, "X-Ailab-Log-Source", "live");
		evhttp_add_header(h, "X-Ailab-Log-Pod", w->pod);
		server_reply_text(r, 200, "text/plain; charset=utf-8",
		    resp->text != NULL ? resp->text : "", resp->text != NULL ?
		    resp->text_len : 0);
		return;
	}
	pod = spec_pick_pod(kube_list_items(resp->body), w->rank,
	    w->job->attempts);
	if (pod == NULL) {
		server_logs_archived(r);
		return;
	}
	opts.previous = spec_pod_has_previous_run(pod);
	if (w->tail >= 0)
		opts.tail_lines = (int)w->tail;
	w->pod = xstrdup(kube_obj_name(pod));
	r->kreq = kube_pod_logs(r->srv->kube, w->job->namespace, w->pod, &opts,
	    NULL, server_logs_live, r);
}

/* GET /v1/jobs/{id}/logs. */
static void
server_logs(struct server_req *r)
{
	struct kube_list_opts lo = { 0 };
	struct server_logs *w;
	struct store_job *j;
	int64_t rank, tail, attempt;
	char *sel;

	if (server_query_int(r, "rank", 0, 10000, 0, &rank) != 0 ||
	    server_query_int(r, "attempt", 1, 1000000, 0, &attempt) != 0 ||
	    server_query_int(r, "tail", 0, 100000000, -1, &tail) != 0)
		return;
	if ((j = server_visible_job(r, r->id)) == NULL)
		return;
	if (rank >= j->replicas) {
		server_reply_error(r, 400, NULL, "job %" PRId64 " has %d "
		    "replica%s: no rank %d", j->id, j->replicas,
		    j->replicas == 1 ? "" : "s", (int)rank);
		store_job_free(j);
		return;
	}
	w = xcalloc(1, sizeof *w);
	w->job = j;
	w->rank = (int)rank;
	w->tail = tail;
	w->attempt = (int)attempt;
	r->work = w;
	r->work_free = server_logs_free;
	if (!store_state_is_active(j->state) || (attempt > 0 &&
	    attempt != j->attempts)) {
		server_logs_archived(r);
		return;
	}
	/* The rank is picked from the answer: Indexed Job pods carry it in
	 * an annotation, which a selector cannot match. */
	sel = spec_job_selector(store_queue_id(r->srv->store), j->id);
	lo.label_selector = sel;
	r->kreq = kube_list(r->srv->kube, KUBE_PODS, j->namespace, &lo,
	    server_logs_live, r);
	free(sel);
}

/* ---- quota ---- */

/* The namespace's quotas arrived. */
static void
server_quota_listed(struct kube_response *resp, void *arg)
{
	struct server_req *r = arg;
	const char *ns = server_query(r, "namespace");
	char *msg;

	r->kreq = NULL;
	if (resp->error != NULL && server_cluster_unavailable(resp->error)) {
		server_reply_unavailable(r, "the list of the quotas");
		return;
	}
	if (resp->error != NULL) {
		msg = kube_error_string(resp->error);
		server_reply_error(r, 502, NULL, "cannot list the "
		    "ResourceQuotas of namespace '%s': %s", ns, msg);
		free(msg);
		return;
	}
	server_reply_json(r, 200, json_pack("{s:s,s:o}", "namespace", ns,
	    "quotas", kube_quotas_json(resp->body)));
}

/* The caller may (or may not) read the namespace's quotas. */
static void
server_quota_reviewed(struct server_req *r, bool allowed, const char *error)
{
	const char *ns = server_query(r, "namespace");

	if (error != NULL) {
		server_reply_error(r, 502, NULL, "%s", error);
		return;
	}
	if (!allowed) {
		server_reply_error(r, 403, NULL, "user '%s' may not list "
		    "resourcequotas in namespace '%s'", r->user->name, ns);
		return;
	}
	r->kreq = kube_list(r->srv->kube, KUBE_RESOURCEQUOTAS, ns, NULL,
	    server_quota_listed, r);
}

/* GET /v1/quota?namespace=NS. */
static void
server_quota(struct server_req *r)
{
	const char *ns = server_query(r, "namespace");

	if (ns == NULL || !spec_is_dns_label(ns, 63)) {
		server_reply_error(r, 400, NULL, "'namespace' is required and "
		    "must be a namespace name");
		return;
	}
	server_auth_review(r, "list", "", "resourcequotas", ns,
	    server_quota_reviewed);
}

/* ---- routing ---- */

/* Reads "{id}" of a path segment; -1 if it is not a job id. */
static int
server_parse_id(const char *s, size_t len, int64_t *id)
{
	int64_t v = 0;
	size_t i;

	if (len == 0 || len > 18)
		return -1;
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v <= 0)
		return -1;
	*id = v;
	return 0;
}

/* Is s one of the actions? */
static const char *
server_action_name(const char *s)
{
	static const char *const actions[] = { "cancel", "hold", "release",
		"retry" };
	size_t i;

	for (i = 0; i < nitems(actions); i++)
		if (strcmp(s, actions[i]) == 0)
			return actions[i];
	return NULL;
}

/* The query parameters a route takes (no other is accepted). */
#define SERVER_Q(...) ((const char *const []){ __VA_ARGS__, NULL })
#define SERVER_Q_NONE ((const char *const []){ NULL })

/*
 * The API under /v1/, once: a path pattern (segments after /v1/; "{id}" a
 * job id, "{action}" one of the actions), the method it takes (GET also
 * answers HEAD; 0: the handler takes every method), its handler and the
 * query parameters it takes (NULL: the handler checks them, if at all).
 * A path no pattern matches is 404; a method no route of a matching path
 * takes is 405 with Allow; an unknown parameter is 400.
 */
static const struct server_route {
	enum evhttp_cmd_type method;
	const char *pattern;
	void (*handler)(struct server_req *);
	const char *const *query;
} server_routes[] = {
	{ EVHTTP_REQ_GET, "whoami", server_whoami, NULL },
	{ EVHTTP_REQ_GET, "quota", server_quota, SERVER_Q("namespace") },
	{ 0, "session", server_session_handle, NULL },
	{ EVHTTP_REQ_GET, "cluster", server_cluster_handle, SERVER_Q_NONE },
	{ EVHTTP_REQ_GET, "usage", server_usage_handle,
	  SERVER_Q("window", "owner") },
	{ EVHTTP_REQ_GET, "events", server_events_handle,
	  SERVER_Q("since", "watch", "job", "limit") },
	{ EVHTTP_REQ_GET, "jobs", server_list, SERVER_Q("state", "all",
	  "name", "group", "owner", "namespace", "limit", "continue") },
	{ EVHTTP_REQ_POST, "jobs", server_submit, SERVER_Q("filename",
	  "namespace", "group", "set", "hold", "dry_run", "bundle", "append",
	  "group_owner") },
	{ EVHTTP_REQ_POST, "jobs/{action}", server_action_batch, NULL },
	{ EVHTTP_REQ_GET, "jobs/{id}", server_show, SERVER_Q_NONE },
	{ EVHTTP_REQ_GET, "jobs/{id}/why", server_why, SERVER_Q_NONE },
	{ EVHTTP_REQ_GET, "jobs/{id}/logs", server_logs,
	  SERVER_Q("rank", "tail", "attempt") },
	{ EVHTTP_REQ_POST, "jobs/{id}/{action}", server_action_one, NULL },
};

/* Does path match a route's pattern?  Sets r->id and r->action from
 * the segments that name them. */
static bool
server_route_match(struct server_req *r, const char *pattern,
    const char *path)
{
	size_t pl, sl;
	char seg[32];

	for (;;) {
		pl = strcspn(pattern, "/");
		sl = strcspn(path, "/");
		if (pl == 4 && strncmp(pattern, "{id}", 4) == 0) {
			if (server_parse_id(path, sl, &r->id) != 0)
				return false;
		} else if (pl == 8 && strncmp(pattern, "{action}", 8) == 0) {
			if (sl >= sizeof seg)
				return false;
			memcpy(seg, path, sl);
			seg[sl] = '\0';
			if ((r->action = server_action_name(seg)) == NULL)
				return false;
		} else if (pl != sl || strncmp(pattern, path, pl) != 0)
			return false;
		pattern += pl;
		path += sl;
		if (*pattern == '\0' || *path == '\0')
			return *pattern == *path;
		pattern++;
		path++;
	}
}

/* The one 405: the methods the path takes in Allow and in the words. */
static void
server_route_405(struct server_req *r, bool get, bool post)
{
	const char *allow = get && post ? "GET, POST" : get ? "GET" : "POST";

	evhttp_add_header(evhttp_request_get_output_headers(r->req), "Allow",
	    allow);
	server_reply_error(r, 405, NULL, "use %s for '%.128s'", get && post ?
	    "GET or POST" : allow, r->path);
}

/* See server-int.h: dispatches an authenticated /v1/ request. */
void
server_jobs_route(struct server_req *r)
{
	const char *p = r->path + strlen(API_PREFIX "/");
	const struct server_route *rt;
	bool get = false, post = false;
	size_t i;

	for (i = 0; i < nitems(server_routes); i++) {
		rt = &server_routes[i];
		if (!server_route_match(r, rt->pattern, p))
			continue;
		if (rt->method == 0 || rt->method == r->method ||
		    (rt->method == EVHTTP_REQ_GET &&
		    r->method == EVHTTP_REQ_HEAD)) {
			if (rt->query == NULL ||
			    server_query_check(r, rt->query) == 0)
				rt->handler(r);
			return;
		}
		if (rt->method == EVHTTP_REQ_GET)
			get = true;
		else
			post = true;
	}
	if (get || post)
		server_route_405(r, get, post);
	else
		server_reply_error(r, 404, NULL, "no such path '%.128s'",
		    r->path);
}
