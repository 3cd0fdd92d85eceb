/*
 * /metrics: the queue, the scheduler and the API in the Prometheus text
 * format (0.0.4).  No user or job names: it is served without
 * authentication.
 */
#include "server-int.h"

#include <event2/buffer.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "sched-loop.h"
#include "store-server.h"

extern const double server_wait_bounds[SERVER_WAIT_BUCKETS];

/* See server.h: the counts of the last pass. */
void
server_sched_pass(struct server *srv, const struct sched_loop_stats *st)
{
	srv->m.passes = st->passes;
	srv->m.admissions = st->admissions;
	srv->m.pass_ms = st->pass_ms;
	/* Watchers hear of the pass's changes now, not at the next tick. */
	server_events_tick(srv);
}

/* Appends a HELP and TYPE header. */
static void
server_metric_head(struct evbuffer *b, const char *name, const char *type,
    const char *help)
{
	evbuffer_add_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help,
	    name, type);
}

/* A label value, escaped as the format wants (GPU types are plain, but
 * the store holds what specs said). */
static char *
server_label(const char *s)
{
	size_t n = strlen(s), i, k = 0;
	char *out = xmalloc(2 * n + 1);

	for (i = 0; i < n; i++) {
		if (s[i] == '\\' || s[i] == '"') {
			out[k++] = '\\';
			out[k++] = s[i];
		} else if (s[i] == '\n') {
			out[k++] = '\\';
			out[k++] = 'n';
		} else
			out[k++] = s[i];
	}
	out[k] = '\0';
	return out;
}

/* See server.h: the names are the metric's label values. */
const char *
server_wait_class_name(enum server_wait_class c)
{
	static const char *const names[SERVER_WAIT_NCLASSES] = { "quota",
	    "capacity", "dependency", "held", "reservation", "other" };

	return c < SERVER_WAIT_NCLASSES ? names[c] : "other";
}

/*
 * See server.h.  The reasons are the scheduler's sentences
 * (sched-policy-visit.c): a gate's reason stands alone at the start; a
 * placement's is "reserved on ..." or "no start expected ..." followed by
 * one "TYPE: ..." segment per type tried, and the first segment tells.
 */
enum server_wait_class
server_wait_classify(bool held, const char *reason)
{
	static const char *const capacity[] = { "needs 1 node with",
	    "nodes with", "free beside the GPUs", "free, room for",
	    "can never fit", "none of the ", "judged full" };
	const char *seg;
	size_t i;

	if (held || (reason != NULL && strcmp(reason, "held") == 0))
		return SERVER_WAIT_HELD;
	if (reason == NULL || *reason == '\0')
		return SERVER_WAIT_OTHER;
	if (has_prefix(reason, "waiting for job ") ||
	    has_prefix(reason, "after: ") ||
	    has_prefix(reason, "dependency job "))
		return SERVER_WAIT_DEPENDENCY;
	if (has_prefix(reason, "quota ") || (has_prefix(reason, "group ") &&
	    strstr(reason, " max_running ") != NULL))
		return SERVER_WAIT_QUOTA;
	if (has_prefix(reason, "reserved on "))
		return SERVER_WAIT_RESERVATION;
	/* The first type's segment, past "no start expected ...; ". */
	seg = reason;
	if (has_prefix(seg, "no start expected") &&
	    (seg = strstr(seg, "; ")) != NULL)
		seg += 2;
	else
		seg = reason;
	if ((seg = strstr(seg, ": ")) != NULL)
		seg += 2;
	else
		seg = reason;
	if (has_prefix(seg, "reserved for job "))
		return SERVER_WAIT_RESERVATION;
	if (has_prefix(seg, "user limit") ||
	    (has_prefix(seg, "needs ") && strstr(seg, "user limit") != NULL))
		return SERVER_WAIT_QUOTA;
	for (i = 0; i < nitems(capacity); i++)
		if (strstr(seg, capacity[i]) != NULL)
			return SERVER_WAIT_CAPACITY;
	return SERVER_WAIT_OTHER;
}

/* GPUs by type (a label value) with a count. */
struct server_gpu_tally {
	char **types;
	int64_t *n;
	size_t len;
};

/* Adds n GPUs of a type to a tally. */
static void
server_tally_add(struct server_gpu_tally *t, const char *type, int64_t n)
{
	size_t i;

	for (i = 0; i < t->len; i++)
		if (strcmp(t->types[i], type) == 0) {
			t->n[i] += n;
			return;
		}
	t->types = xreallocarray(t->types, t->len + 1, sizeof *t->types);
	t->n = xreallocarray(t->n, t->len + 1, sizeof *t->n);
	t->types[t->len] = xstrdup(type);
	t->n[t->len++] = n;
}

/* Prints a tally as one metric, a line per type. */
static void
server_tally_print(struct evbuffer *b, const char *name,
    struct server_gpu_tally *t)
{
	char *lab;
	size_t i;

	for (i = 0; i < t->len; i++) {
		lab = server_label(t->types[i]);
		evbuffer_add_printf(b, "%s{gpu_type=\"%s\"} %" PRId64 "\n",
		    name, lab, t->n[i]);
		free(lab);
		free(t->types[i]);
	}
	free(t->types);
	free(t->n);
	memset(t, 0, sizeof *t);
}

/* What one pass over the unended jobs gathers for /metrics. */
struct server_gpu_usage {
	struct server_gpu_tally used;        /* admitted, running: by the
	                                        type admitted on */
	struct server_gpu_tally wanted;      /* waiting: by the type asked */
	int64_t waiting[SERVER_WAIT_NCLASSES];
};

/* One unended job into the usage. */
static int
server_usage_row(const struct store_row *row, void *arg)
{
	struct server_gpu_usage *u = arg;
	const struct store_job *j = &row->job;
	int64_t gpus = (int64_t)j->gpu_count * (j->replicas > 0 ?
	    j->replicas : 1);

	switch (j->state) {
	case STORE_ADMITTED:
	case STORE_RUNNING:
		if (gpus > 0)
			server_tally_add(&u->used, j->run_gpu_type != NULL &&
			    *j->run_gpu_type != '\0' ? j->run_gpu_type :
			    "unknown", gpus);
		break;
	case STORE_QUEUED:
	case STORE_HELD:
		if (gpus > 0)
			server_tally_add(&u->wanted, j->gpu_type != NULL &&
			    *j->gpu_type != '\0' ? j->gpu_type : "any",
			    gpus);
		u->waiting[server_wait_classify(j->state == STORE_HELD,
		    j->reason)]++;
		break;
	default:
		break;
	}
	return 0;
}

/* GPUs in use by the type jobs were admitted on (the nodes their pods run
 * on), GPUs wanted by waiting jobs, and waiting jobs by reason class. */
static void
server_metrics_gpus(struct server *srv, struct evbuffer *b)
{
	struct server_gpu_usage u;
	struct store_filter f;
	char *cause = NULL;
	int c;

	memset(&u, 0, sizeof u);
	memset(&f, 0, sizeof f);
	f.states = 1u << STORE_QUEUED | 1u << STORE_HELD |
	    1u << STORE_ADMITTED | 1u << STORE_RUNNING;
	if (store_list_each(srv->store, &f, 0, server_usage_row, &u,
	    &cause) != 0) {
		log_warnx("%s", cause != NULL ? cause : "metrics: cannot read "
		    "the queue");
		free(cause);
	}
	server_metric_head(b, "ailab_queue_gpus_in_use", "gauge",
	    "GPUs held by admitted and running jobs, by the GPU type they "
	    "were admitted on (the nodes their pods run on).");
	server_tally_print(b, "ailab_queue_gpus_in_use", &u.used);
	server_metric_head(b, "ailab_queue_gpus_requested_waiting", "gauge",
	    "GPUs asked for by waiting (queued or held) jobs, by the GPU "
	    "type they ask for (a list as the spec gives it).");
	server_tally_print(b, "ailab_queue_gpus_requested_waiting",
	    &u.wanted);
	server_metric_head(b, "ailab_queue_waiting_jobs", "gauge",
	    "Waiting (queued or held) jobs by the class of their reason.");
	for (c = 0; c < SERVER_WAIT_NCLASSES; c++)
		evbuffer_add_printf(b,
		    "ailab_queue_waiting_jobs{reason=\"%s\"} %" PRId64 "\n",
		    server_wait_class_name((enum server_wait_class)c),
		    u.waiting[c]);
}

#define SERVER_M(f) offsetof(struct server_metrics, f)

/*
 * The counters that are plain fields of struct server_metrics, a family
 * an entry, so that each name, help and label is said once; an entry
 * with no name ends a run that server_metrics_counters prints.
 */
static const struct server_counter {
	const char *name;
	const char *help;
	const char *key;             /* the label's name; NULL: no label */
	struct {
		const char *value;
		size_t off;
	} s[3];
} server_counters[] = {
	{ "ailab_queue_passes_total", "Scheduler passes run by this replica.",
	  NULL, { { NULL, SERVER_M(passes) } } },
	{ "ailab_queue_admissions_total",
	  "Jobs admitted by this replica's scheduler.",
	  NULL, { { NULL, SERVER_M(admissions) } } },
	{ NULL, NULL, NULL, { { NULL, 0 } } },
	{ "ailab_queue_submitted_jobs_total",
	  "Jobs queued through this replica's API.",
	  NULL, { { NULL, SERVER_M(submitted) } } },
	{ NULL, NULL, NULL, { { NULL, 0 } } },
	{ "ailab_queue_parse_refused_total", "Specs refused before parsing: "
	  "the user's share (429) or the queue (503) was full.", "reason",
	  { { "user", SERVER_M(parse_refused_user) },
	    { "queue", SERVER_M(parse_refused_queue) } } },
	{ "ailab_queue_parse_stopped_total", "Specs whose parse worker "
	  "stopped: out of CPU budget, past the wall-clock bound (killed), "
	  "or crashed.", "reason",
	  { { "cpu_budget", SERVER_M(parse_killed[SERVER_PARSED_BUDGET]) },
	    { "deadline", SERVER_M(parse_killed[SERVER_PARSED_BUSY]) },
	    { "crash", SERVER_M(parse_killed[SERVER_PARSED_FAILED]) } } },
	{ "ailab_queue_token_reviews_total", "TokenReviews the cluster "
	  "answered (or failed to), by outcome.", "result",
	  { { "authenticated", SERVER_M(reviews_ok) },
	    { "refused", SERVER_M(reviews_refused) },
	    { "error", SERVER_M(reviews_failed) } } },
	{ "ailab_queue_review_timeouts_total", "Token and access reviews the "
	  "cluster did not answer within review_timeout, by review.", "review",
	  { { "token", SERVER_M(review_timeouts[SERVER_REVIEW_TOKEN]) },
	    { "access", SERVER_M(review_timeouts[SERVER_REVIEW_ACCESS]) } } },
	{ "ailab_queue_review_grace_answers_total", "Requests authenticated "
	  "or authorized by a cached review answer past token_cache, within "
	  "token_cache_grace, because the cluster did not answer, by review.",
	  "review",
	  { { "token", SERVER_M(grace_answers[SERVER_REVIEW_TOKEN]) },
	    { "access", SERVER_M(grace_answers[SERVER_REVIEW_ACCESS]) } } },
	{ "ailab_queue_auth_limited_total", "Requests refused (429) because "
	  "their address failed to authenticate too often.",
	  NULL, { { NULL, SERVER_M(auth_limited) } } },
	{ NULL, NULL, NULL, { { NULL, 0 } } },
	{ "ailab_queue_connections_closed_total", "Client connections closed "
	  "by the server at a deadline, by the phase they were in.", "reason",
	  { { "header_timeout", SERVER_M(conn_timeouts[SERVER_CONN_HEADERS]) },
	    { "body_timeout", SERVER_M(conn_timeouts[SERVER_CONN_BODY]) },
	    { "idle_timeout", SERVER_M(conn_timeouts[SERVER_CONN_IDLE]) } } },
	{ "ailab_queue_connections_refused_total", "New client connections "
	  "closed at once, by the cap they were over.", "reason",
	  { { "max_connections", SERVER_M(conn_refused_cap) },
	    { "per_address", SERVER_M(conn_refused_addr) } } },
	{ NULL, NULL, NULL, { { NULL, 0 } } },
};

/* Prints server_counters' run from entry i; returns the next run's. */
static size_t
server_metrics_counters(const struct server_metrics *m, struct evbuffer *b,
    size_t i)
{
	const struct server_counter *c;
	const int64_t *v;
	size_t k;

	for (; server_counters[i].name != NULL; i++) {
		c = &server_counters[i];
		server_metric_head(b, c->name, "counter", c->help);
		for (k = 0; k == 0 || (k < 3 && c->s[k].value != NULL); k++) {
			v = (const int64_t *)((const char *)m + c->s[k].off);
			if (c->key == NULL)
				evbuffer_add_printf(b, "%s %" PRId64 "\n",
				    c->name, *v);
			else
				evbuffer_add_printf(b, "%s{%s=\"%s\"} %" PRId64
				    "\n", c->name, c->key, c->s[k].value, *v);
		}
	}
	return i + 1;
}

/* GET /metrics. */
void
server_metrics_handle(struct server_req *r)
{
	struct server *srv = r->srv;
	struct store_count *c = NULL;
	struct evbuffer *b = evbuffer_new();
	size_t n = 0, i;
	int64_t cum = 0;
	char *cause = NULL, *lab;
	int code, k, queued, running;

	server_metric_head(b, "ailab_queue_jobs", "gauge",
	    "Jobs in the queue by state and GPU type.");
	if (store_counts(srv->store, &c, &n, &cause) == 0) {
		for (i = 0; i < n; i++) {
			lab = server_label(*c[i].gpu_type != '\0' ?
			    c[i].gpu_type : "cpu");
			evbuffer_add_printf(b, "ailab_queue_jobs{state=\"%s\","
			    "gpu_type=\"%s\"} %" PRId64 "\n",
			    store_state_name(c[i].state), lab, c[i].n);
			free(lab);
		}
		store_counts_free(c, n);
	} else {
		log_warnx("%s", cause);
		free(cause);
	}
	server_metrics_gpus(srv, b);
	server_metric_head(b, "ailab_queue_leader", "gauge",
	    "1 if this replica runs the scheduler.");
	evbuffer_add_printf(b, "ailab_queue_leader %d\n", srv->sched != NULL);
	i = server_metrics_counters(&srv->m, b, 0);
	server_metric_head(b, "ailab_queue_pass_duration_seconds", "gauge",
	    "Duration of the last scheduler pass.");
	evbuffer_add_printf(b, "ailab_queue_pass_duration_seconds %.3f\n",
	    (double)srv->m.pass_ms / 1000.0);
	i = server_metrics_counters(&srv->m, b, i);
	server_metric_head(b, "ailab_queue_api_requests_total", "counter",
	    "API requests answered, by HTTP status.");
	for (code = 100; code < SERVER_NCODES; code++)
		if (srv->m.requests[code] != 0)
			evbuffer_add_printf(b, "ailab_queue_api_requests_total"
			    "{code=\"%d\"} %" PRId64 "\n", code,
			    srv->m.requests[code]);
	server_metric_head(b, "ailab_queue_api_errors_total", "counter",
	    "API requests answered with an error (4xx, 5xx), by status.");
	for (code = 400; code < SERVER_NCODES; code++)
		if (srv->m.requests[code] != 0)
			evbuffer_add_printf(b, "ailab_queue_api_errors_total"
			    "{code=\"%d\"} %" PRId64 "\n", code,
			    srv->m.requests[code]);
	server_parse_counts(srv, &queued, &running);
	server_metric_head(b, "ailab_queue_parse_specs", "gauge",
	    "Submitted specs waiting for a parse worker, or in one.");
	evbuffer_add_printf(b, "ailab_queue_parse_specs{state=\"queued\"} "
	    "%d\n", queued);
	evbuffer_add_printf(b, "ailab_queue_parse_specs{state=\"running\"} "
	    "%d\n", running);
	i = server_metrics_counters(&srv->m, b, i);
	server_metric_head(b, "ailab_queue_connections", "gauge",
	    "Client connections open now.");
	evbuffer_add_printf(b, "ailab_queue_connections %zu\n",
	    srv->conns.n);
	server_metrics_counters(&srv->m, b, i);
	server_metric_head(b, "ailab_queue_wait_seconds", "histogram",
	    "Time from submission to running, of jobs that started.");
	for (k = 0; k < SERVER_WAIT_BUCKETS; k++) {
		cum += srv->m.wait_count[k];
		evbuffer_add_printf(b, "ailab_queue_wait_seconds_bucket"
		    "{le=\"%g\"} %" PRId64 "\n", server_wait_bounds[k], cum);
	}
	cum += srv->m.wait_count[SERVER_WAIT_BUCKETS];
	evbuffer_add_printf(b, "ailab_queue_wait_seconds_bucket{le=\"+Inf\"} "
	    "%" PRId64 "\n", cum);
	evbuffer_add_printf(b, "ailab_queue_wait_seconds_sum %.3f\n",
	    srv->m.wait_sum);
	evbuffer_add_printf(b, "ailab_queue_wait_seconds_count %" PRId64 "\n",
	    srv->m.wait_n);
	server_reply_buffer(r, 200, "text/plain; version=0.0.4", b);
	evbuffer_free(b);
}
