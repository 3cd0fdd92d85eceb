/*
 * Submitted specs are parsed and expanded off the event loop, in a small
 * pool of worker processes forked at start (OpenSMTPD's way), so that one
 * body never stalls /healthz, other users or the scheduler.
 *
 * Processes rather than threads: a worker whose spec runs past its CPU
 * budget (parse_timeout, counted by ITIMER_PROF) answers "over budget"
 * from its signal handler and exits, one stuck past three times that is
 * killed, and a parser that crashes takes only its worker down; a
 * thread could be neither stopped nor isolated.  The worker inherits the
 * site profile at fork, closes every descriptor but its socket and never
 * touches the store, the event base or the cluster client.
 *
 * The parent speaks to each worker over a socketpair on a bufferevent of
 * the one event base: a request frame (file name, options, the body), then
 * a result frame (the jobs, or the diagnostics).  Frames are a 64-bit
 * length and fields of 64-bit integers and length-prefixed, NUL-ended
 * strings; the parent decodes a result in place, its strings pointing
 * into the one buffer.  A user has at most parse_queue_per_user specs
 * waiting or parsed and runs at most all workers but one, so another user
 * always finds one; users are served round robin, so a deep queue of one
 * delays another by one spec at most; parse_queue bounds the specs
 * waiting in all.
 */
#include "server-int.h"

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "spec.h"

#define SERVER_PARSE_MAGIC 0x41515031u          /* "AQP1" */
/* A request: the body and the query strings around it. */
#define SERVER_PARSE_MAX_REQUEST (API_MAX_BODY + 256 * 1024)
/* A result: what expansion may make, and its framing. */
#define SERVER_PARSE_MAX_RESULT ((uint64_t)SPEC_MAX_EXPANDED + \
	64 * 1024 * 1024)
/* A spec refused with 429 or 503 may come back in a second: most specs
 * take milliseconds, and a client told to wait longer would see its
 * kept-alive connection closed meanwhile. */
#define SERVER_PARSE_RETRY_S 1
/* Diagnostics sent back at most. */
#define SERVER_PARSE_MAX_DIAGS 1000
/* The worker's socket, and the address space it may add (when not under
 * a sanitizer, whose shadow memory a limit would starve). */
#define SERVER_PARSE_FD 3
/* A result above which the worker gives its memory back. */
#define SERVER_PARSE_TRIM (4 * 1024 * 1024)
#define SERVER_PARSE_MAX_MEMORY (1024LL * 1024 * 1024)

enum server_parse_result {
	SERVER_PARSE_JOBS = 1,
	SERVER_PARSE_INVALID,
	SERVER_PARSE_BUDGET,
};

/* A spec waiting for, or in, a worker. */
struct server_pjob {
	TAILQ_ENTRY(server_pjob) entry;
	struct server_req *r;
	char *user;
	struct evbuffer *frame;
	server_parse_cb cb;
	struct server_worker *w;
};
TAILQ_HEAD(server_pjobs, server_pjob);

/* One worker process. */
struct server_worker {
	struct server_pool *pool;
	int idx;
	pid_t pid;                   /* -1: none (spawning failed) */
	struct bufferevent *bev;
	struct event *deadline;
	struct server_pjob *job;
};

/* When a user last had a spec dispatched (a sequence number). */
struct server_served {
	char *user;
	uint64_t seq;
};

struct server_pool {
	struct server *srv;
	struct server_worker *w;
	int n;
	struct server_pjobs queue;
	size_t nqueued;
	struct server_served *served;        /* users with specs here */
	size_t nserved;
	uint64_t seq;
	pid_t *zombies;              /* killed, not yet reaped */
	size_t nzombies;
	struct event *respawn;
	bool stopping;
};

/* ---- the worker ---- */

/* The worker's over-budget answer, ready before the budget is armed. */
static int server_worker_fd = -1;
static uint64_t server_worker_budget_frame[2] = { sizeof(uint64_t),
	SERVER_PARSE_BUDGET };

/* SIGPROF: the spec used up its CPU budget.  The answer is written with
 * write(2) alone (async-signal-safe); the worker's state is abandoned. */
static void
server_worker_budget(int sig)
{
	ssize_t n;

	(void)sig;
	n = write(server_worker_fd, server_worker_budget_frame,
	    sizeof server_worker_budget_frame);
	(void)n;
	_exit(0);
}

/*
 * Opens a submission bundle, {"spec": TEXT, "rosters": {NAME: TEXT}}:
 * the spec and the rosters its client read for it (docs/api.md), each
 * within the body's bound.  0, or -1 with *cause (allocated).  The
 * strings point into *doc, the caller's to json_decref.
 */
static int
server_worker_bundle(const char *body, size_t blen, json_t **doc,
    const char **spec, size_t *slen, struct spec_roster_data **rosters,
    size_t *nrosters, char **cause)
{
	json_error_t jerr;
	json_t *r, *v;
	const char *k;
	size_t i = 0;

	*rosters = NULL;
	*nrosters = 0;
	if ((*doc = json_loadb(body, blen, JSON_REJECT_DUPLICATES,
	    &jerr)) == NULL) {
		*cause = xprintf("the submission bundle is not JSON: line %d "
		    "column %d: %s", jerr.line, jerr.column, jerr.text);
		return -1;
	}
	r = json_object_get(*doc, "rosters");
	if (api_check_members(*doc, (const char *const[]){ "spec", "rosters",
	    NULL }, cause) != 0)
		return -1;
	if (!json_is_string(json_object_get(*doc, "spec")) ||
	    (r != NULL && !json_is_object(r)) ||
	    json_object_size(r) > SPEC_MAX_ROSTERS) {
		*cause = xprintf("the submission bundle is {\"spec\": TEXT, "
		    "\"rosters\": {NAME: TEXT}} with at most %d rosters",
		    SPEC_MAX_ROSTERS);
		return -1;
	}
	*spec = json_string_value(json_object_get(*doc, "spec"));
	*slen = json_string_length(json_object_get(*doc, "spec"));
	*rosters = xcalloc(json_object_size(r) + 1, sizeof **rosters);
	json_object_foreach(r, k, v) {
		if (!json_is_string(v) || *k == '\0' || strlen(k) > 1024) {
			*cause = xprintf("roster '%.64s' of the submission "
			    "bundle must be a name and a text", k);
			return -1;
		}
		(*rosters)[i].name = k;
		(*rosters)[i].text = json_string_value(v);
		(*rosters)[i++].len = json_string_length(v);
	}
	*nrosters = i;
	return 0;
}

/* Whether a stored spec runs as an Indexed Job rather than Deployments. */
static bool
server_spec_is_job(const char *spec_json)
{
	json_t *o = json_loads(spec_json, 0, NULL);
	const char *w = json_string_value(json_object_get(o, "workload"));
	bool is_job = w != NULL && strcmp(w, "job") == 0;

	json_decref(o);
	return is_job;
}

/* The shared texts a result has sent so far: a sweep's jobs send theirs
 * once, then its number.  last and its is_job: the most recent one. */
struct server_sent {
	const char *last;
	uint64_t n;
	bool is_job;
};

/*
 * Appends one job of a result: its fields, the number of the text it
 * shares with others (0: none; one more than the last: a new one, which
 * follows), its own text, and whether it runs as a Job.  The workload is
 * among the fields a template's jobs share, so it is read once for them.
 */
static void
server_worker_job(struct evbuffer *out, const struct spec_job *sj,
    struct server_sent *sent)
{
	char *whole;
	bool is_job;

	server_wr_str(out, sj->name);
	server_wr_str(out, sj->namespace);
	server_wr_str(out, sj->group);
	server_wr_str(out, sj->group_kind);
	server_wr_u64(out, (uint64_t)(int64_t)sj->priority);
	server_wr_str(out, sj->gpu_type != NULL ? sj->gpu_type : "");
	server_wr_u64(out, (uint64_t)(int64_t)sj->gpu_count);
	server_wr_u64(out, (uint64_t)(int64_t)sj->replicas);
	server_wr_u64(out, (uint64_t)sj->cpu_milli);
	server_wr_u64(out, (uint64_t)sj->memory_bytes);
	if (sj->spec_shared != NULL && sj->spec_shared == sent->last &&
	    strstr(sj->spec_shared, "\"workload\":") != NULL) {
		server_wr_u64(out, sent->n);
		server_wr_str(out, sj->spec_own);
		server_wr_u64(out, sent->is_job);
		return;
	}
	whole = spec_job_json(sj);
	is_job = server_spec_is_job(whole);
	free(whole);
	if (sj->spec_shared == NULL)
		server_wr_u64(out, 0);
	else if (sj->spec_shared == sent->last)
		server_wr_u64(out, sent->n);
	else {
		server_wr_u64(out, ++sent->n);
		server_wr_bytes(out, sj->spec_shared, sj->spec_shared_len);
		sent->last = sj->spec_shared;
		sent->is_job = is_job;
	}
	server_wr_str(out, sj->spec_own);
	server_wr_u64(out, is_job);
}

/* An INVALID result: a message and diagnostics. */
static void
server_worker_invalid(struct evbuffer *out, const char *msg,
    const char *const *diags, size_t n)
{
	size_t i;

	server_wr_u64(out, SERVER_PARSE_INVALID);
	server_wr_str(out, msg);
	server_wr_u64(out, n);
	for (i = 0; i < n; i++)
		server_wr_str(out, diags[i]);
}

/* The work of one request, its result appended to out. */
static void
server_worker_parse(const struct spec_site *site, struct server_rd *rd,
    struct evbuffer *out)
{
	struct spec_options opts = { 0 };
	struct spec_diags diags = { 0 };
	struct spec_set *set = NULL;
	const char **sets = NULL, *fn, *body, *one;
	struct spec_roster_data *rosters = NULL;
	char **texts, *text, *cause = NULL;
	size_t nsets, i, blen;
	uint64_t k, bundle;
	json_t *doc = NULL;
	struct server_sent sent = { NULL, 0, false };

	fn = server_rd_need(rd);
	opts.default_namespace = server_rd_str(rd);
	opts.group = server_rd_str(rd);
	nsets = (size_t)server_rd_u64(rd);
	if (rd->bad || nsets > API_MAX_SETS)
		_exit(2);
	sets = xcalloc(nsets + 1, sizeof *sets);
	for (i = 0; i < nsets; i++)
		sets[i] = server_rd_need(rd);
	bundle = server_rd_u64(rd);
	body = server_rd_bytes(rd, &blen);
	if (rd->bad || body == NULL)
		_exit(2);
	opts.sets = sets;
	opts.nsets = nsets;
	opts.site = site;
	/* Refused before anything is expanded: a small sweep may stand for
	 * 100,000 jobs, and the server reads no file for a user. */
	opts.max_jobs = API_MAX_SUBMIT_JOBS;
	opts.no_files = true;
	if (bundle && server_worker_bundle(body, blen, &doc, &body, &blen,
	    &rosters, &opts.nrosters, &cause) != 0) {
		server_worker_invalid(out, cause, NULL, 0);
		free(cause);
		goto out;
	}
	opts.rosters = rosters;
	if (spec_load_buffer(fn, body, blen, &opts, &set, &diags) != 0 ||
	    spec_check_after(&set, 1, &diags) != 0 || diags.n > 0) {
		k = diags.n < SERVER_PARSE_MAX_DIAGS ? diags.n :
		    SERVER_PARSE_MAX_DIAGS;
		texts = xcalloc(k + 1, sizeof *texts);
		for (i = 0; i < k; i++)
			texts[i] = spec_diag_format(&diags.v[i]);
		server_worker_invalid(out, "the spec does not validate: "
		    "nothing queued", (const char *const *)texts, k);
		for (i = 0; i < k; i++)
			free(texts[i]);
		free(texts);
		goto out;
	}
	if (set->n == 0) {
		text = xprintf("%s: no job spec in file", fn);
		one = text;
		server_worker_invalid(out, "the spec does not validate: "
		    "nothing queued", &one, 1);
		free(text);
		goto out;
	}
	if (set->n > API_MAX_SUBMIT_JOBS) {
		text = xprintf("%s expands to %zu jobs; a submission may hold "
		    "at most %d: split it", fn, set->n, API_MAX_SUBMIT_JOBS);
		server_worker_invalid(out, text, NULL, 0);
		free(text);
		goto out;
	}
	server_wr_u64(out, SERVER_PARSE_JOBS);
	server_wr_u64(out, set->n);
	for (i = 0; i < set->n; i++)
		server_worker_job(out, set->jobs[i], &sent);
out:
	spec_diags_release(&diags);
	spec_set_free(set);
	free(sets);
	free(rosters);
	json_decref(doc);
}

/* The worker's life: one request at a time until the parent goes. */
static void deadfunc
server_worker_main(const struct spec_site *site, int64_t budget_ms)
{
	struct itimerval it = { { 0, 0 }, { 0, 0 } };
	struct evbuffer *out;
	struct server_rd rd;
	uint64_t len, magic;
	char *buf;

	server_worker_fd = SERVER_PARSE_FD;
	for (;;) {
		if (read_all(SERVER_PARSE_FD, &len, sizeof len) != 0 ||
		    len < sizeof magic || len > SERVER_PARSE_MAX_REQUEST)
			_exit(0);
		buf = xmalloc((size_t)len);
		if (read_all(SERVER_PARSE_FD, buf, (size_t)len) != 0)
			_exit(0);
		memset(&rd, 0, sizeof rd);
		rd.p = buf;
		rd.len = (size_t)len;
		magic = server_rd_u64(&rd);
		if (magic != SERVER_PARSE_MAGIC)
			_exit(2);
		out = evbuffer_new();
		server_wr_u64(out, 0);   /* the length, set below */
		it.it_value = time_tv_ms(budget_ms);
		setitimer(ITIMER_PROF, &it, NULL);
		server_worker_parse(site, &rd, out);
		it.it_value.tv_sec = it.it_value.tv_usec = 0;
		setitimer(ITIMER_PROF, &it, NULL);
		len = evbuffer_get_length(out) - sizeof len;
		memcpy(evbuffer_pullup(out, sizeof len), &len, sizeof len);
		while (evbuffer_get_length(out) > 0)
			if (evbuffer_write(out, SERVER_PARSE_FD) < 0 &&
			    errno != EINTR)
				_exit(0);
		evbuffer_free(out);
		free(buf);
		/* What a big spec took goes back to the system (not after
		 * every small one: trimming costs more than parsing). */
		if (len > SERVER_PARSE_TRIM)
			malloc_trim(0);
	}
}

/* In the child after fork: nothing of the server but the site. */
static void deadfunc
server_worker_start(int fd, pid_t parent, int idx, const struct spec_site *site,
    int64_t budget_ms)
{
	struct sigaction sa;
	struct rlimit rl = { 0, 0 };
	sigset_t all;
	char name[16];
	long pages;
	FILE *f;
	int sig;

	if (fd != SERVER_PARSE_FD) {
		if (dup2(fd, SERVER_PARSE_FD) < 0)
			_exit(2);
		close(fd);
	}
	fcntl(SERVER_PARSE_FD, F_SETFD, 0);
	closefrom(SERVER_PARSE_FD + 1);
#ifdef __linux__
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	snprintf(name, sizeof name, "aq-parse-%d", idx);
	prctl(PR_SET_NAME, name);
#else
	(void)idx;
	(void)name;
#endif
	if (getppid() != parent)
		_exit(0);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &sa, NULL);
	sa.sa_handler = server_worker_budget;
	sigaction(SIGPROF, &sa, NULL);
	sigfillset(&all);
	sigprocmask(SIG_UNBLOCK, &all, NULL);
	setrlimit(RLIMIT_CORE, &rl);
#if !defined(__SANITIZE_ADDRESS__)
	if ((f = fopen("/proc/self/statm", "r")) != NULL) {
		if (fscanf(f, "%ld", &pages) == 1 && pages > 0) {
			rl.rlim_cur = rl.rlim_max = (rlim_t)pages *
			    (rlim_t)sysconf(_SC_PAGESIZE) +
			    SERVER_PARSE_MAX_MEMORY;
			setrlimit(RLIMIT_AS, &rl);
		}
		fclose(f);
	}
#else
	(void)f;
	(void)pages;
#endif
	server_worker_main(site, budget_ms);
}

/* ---- the parent ---- */

static void server_pool_dispatch(struct server_pool *);
static void server_worker_spawn(struct server_worker *);
static struct server *server_pool_srv(const struct server_worker *);

/* The wall-clock bound of a spec in a worker: three times its CPU
 * budget, and at least 5 s, so that a busy machine does not turn a
 * small budget into refusals. */
static int64_t
server_parse_wall_ms(const struct server *srv)
{
	int64_t ms = 3 * srv->cfg.parse_timeout_ms;

	return ms < 5000 ? 5000 : ms;
}

/* Frees a job (its request is the caller's). */
static void
server_pjob_free(struct server_pjob *j)
{
	if (j == NULL)
		return;
	if (j->r != NULL)
		j->r->parse = NULL;
	evbuffer_free(j->frame);
	free(j->user);
	free(j);
}

/* Ends a job with a result (or an error already set in it): its
 * request's callback runs after the job is freed. */
static void
server_pjob_finish(struct server_pjob *j, struct server_parsed *p)
{
	struct server_req *r = j->r;
	server_parse_cb cb = j->cb;

	server_pjob_free(j);
	if (r != NULL)
		cb(r, p);
	else
		server_parsed_free(p);
}

/* A result that is an error of the server's, not of the spec. */
static struct server_parsed *
server_parsed_error(enum server_parsed_kind kind)
{
	struct server_parsed *p = xcalloc(1, sizeof *p);

	p->kind = kind;
	return p;
}

/* See server-int.h. */
void
server_parsed_free(struct server_parsed *p)
{
	if (p == NULL)
		return;
	free(p->jobs);
	free(p->is_job);
	free(p->diags);
	free(p->buf);
	free(p);
}

/* Decodes a result frame (buf is taken); NULL if it is malformed. */
static struct server_parsed *
server_parsed_decode(char *buf, size_t len)
{
	struct server_parsed *p = xcalloc(1, sizeof *p);
	struct server_rd rd = { buf, len, 0, false };
	struct store_job_new *j;
	uint64_t kind, n, i, k, nshared = 0;
	const char **shared = NULL;
	size_t *lens = NULL;

	p->buf = buf;
	kind = server_rd_u64(&rd);
	if (kind == SERVER_PARSE_BUDGET) {
		p->kind = SERVER_PARSED_BUDGET;
		return p;
	}
	if (kind == SERVER_PARSE_INVALID) {
		p->kind = SERVER_PARSED_INVALID;
		p->message = server_rd_need(&rd);
		n = server_rd_u64(&rd);
		if (rd.bad || n > SERVER_PARSE_MAX_DIAGS)
			goto bad;
		p->diags = xcalloc((size_t)n + 1, sizeof *p->diags);
		for (i = 0; i < n; i++)
			p->diags[i] = server_rd_need(&rd);
		p->ndiags = (size_t)n;
		if (rd.bad)
			goto bad;
		return p;
	}
	if (kind != SERVER_PARSE_JOBS)
		goto bad;
	p->kind = SERVER_PARSED_JOBS;
	n = server_rd_u64(&rd);
	if (rd.bad || n == 0 || n > API_MAX_SUBMIT_JOBS)
		goto bad;
	p->jobs = xcalloc((size_t)n, sizeof *p->jobs);
	p->is_job = xcalloc((size_t)n, sizeof *p->is_job);
	p->njobs = (size_t)n;
	for (i = 0; i < n && !rd.bad; i++) {
		j = &p->jobs[i];
		j->name = server_rd_need(&rd);
		j->namespace = server_rd_need(&rd);
		j->group = server_rd_str(&rd);
		j->group_kind = server_rd_str(&rd);
		j->priority = (int)(int64_t)server_rd_u64(&rd);
		j->gpu_type = server_rd_need(&rd);
		j->gpu_count = (int)(int64_t)server_rd_u64(&rd);
		j->replicas = (int)(int64_t)server_rd_u64(&rd);
		j->cpu_milli = (int64_t)server_rd_u64(&rd);
		j->memory_bytes = (int64_t)server_rd_u64(&rd);
		if ((k = server_rd_u64(&rd)) == nshared + 1 && k <= n) {
			shared = xreallocarray(shared, k, sizeof *shared);
			lens = xreallocarray(lens, k, sizeof *lens);
			shared[nshared] = server_rd_need(&rd);
			lens[nshared] = shared[nshared] != NULL ?
			    strlen(shared[nshared]) : 0;
			nshared++;
		} else if (k > nshared)
			rd.bad = true;
		if (k > 0 && !rd.bad) {
			j->spec_shared = shared[k - 1];
			j->spec_shared_len = lens[k - 1];
		}
		j->spec_json = server_rd_need(&rd);
		p->is_job[i] = server_rd_u64(&rd) != 0;
	}
	free(shared);
	free(lens);
	if (rd.bad || rd.off != rd.len)
		goto bad;
	return p;
bad:
	server_parsed_free(p);
	return NULL;
}

/* Reaps what can be reaped of the killed workers. */
static void
server_pool_reap(struct server_pool *pool)
{
	size_t i = 0;

	while (i < pool->nzombies) {
		if (waitpid(pool->zombies[i], NULL, WNOHANG) != 0)
			pool->zombies[i] = pool->zombies[--pool->nzombies];
		else
			i++;
	}
}

/* Stops a worker for good (kill, close, reap later); its job, if any,
 * is the caller's to end. */
static void
server_worker_stop(struct server_worker *w)
{
	struct server_pool *pool = w->pool;

	if (w->bev != NULL) {
		bufferevent_free(w->bev);
		w->bev = NULL;
	}
	evtimer_del(w->deadline);
	if (w->pid > 0) {
		kill(w->pid, SIGKILL);
		pool->zombies = xreallocarray(pool->zombies, pool->nzombies + 1,
		    sizeof *pool->zombies);
		pool->zombies[pool->nzombies++] = w->pid;
		w->pid = -1;
	}
	server_pool_reap(pool);
}

/* A worker is gone or must go: its job ends with kind, a new worker
 * takes its place, and the queue moves on. */
static void
server_worker_fail(struct server_worker *w, enum server_parsed_kind kind)
{
	struct server_pool *pool = w->pool;
	struct server_pjob *j = w->job;

	w->job = NULL;
	server_worker_stop(w);
	if (j != NULL) {
		j->w = NULL;
		server_pjob_finish(j, server_parsed_error(kind));
	}
	if (!pool->stopping) {
		server_worker_spawn(w);
		server_pool_dispatch(pool);
	}
}

/* A worker's result frame is (perhaps) complete. */
static void
server_worker_read_cb(struct bufferevent *bev, void *arg)
{
	struct server_worker *w = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct server_pjob *j = w->job;
	struct server_parsed *p;
	uint64_t len;
	char *buf;

	if (evbuffer_get_length(in) < sizeof len)
		return;
	evbuffer_copyout(in, &len, sizeof len);
	if (j == NULL || len > SERVER_PARSE_MAX_RESULT) {
		log_warnx("parse worker %d sent %s; restarting it", w->idx,
		    j == NULL ? "an answer nobody asked for" :
		    "an answer too large");
		server_worker_fail(w, SERVER_PARSED_FAILED);
		return;
	}
	if (evbuffer_get_length(in) - sizeof len < len)
		return;
	evbuffer_drain(in, sizeof len);
	buf = xmalloc((size_t)len + 1);
	evbuffer_remove(in, buf, (size_t)len);
	buf[len] = '\0';
	if ((p = server_parsed_decode(buf, (size_t)len)) == NULL) {
		log_warnx("parse worker %d sent a malformed answer; restarting "
		    "it", w->idx);
		server_worker_fail(w, SERVER_PARSED_FAILED);
		return;
	}
	w->job = NULL;
	evtimer_del(w->deadline);
	j->w = NULL;
	if (p->kind == SERVER_PARSED_BUDGET) {
		/* It exits after saying so: a fresh one takes its place. */
		log_info("a spec of user %s ran out of its %lld ms of CPU",
		    j->user, (long long)server_pool_srv(w)->cfg.parse_timeout_ms);
		server_pool_srv(w)->m.parse_killed[SERVER_PARSED_BUDGET]++;
		server_worker_stop(w);
		server_worker_spawn(w);
	}
	server_pjob_finish(j, p);
	server_pool_dispatch(w->pool);
}

/* The worker's socket closed or failed: it died. */
static void
server_worker_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct server_worker *w = arg;
	int status = 0;
	pid_t pid = w->pid;

	(void)bev;
	(void)what;
	if (pid > 0 && waitpid(pid, &status, WNOHANG) == pid) {
		w->pid = -1;
		if (WIFSIGNALED(status))
			log_warnx("parse worker %d (pid %ld) died of signal "
			    "%d%s", w->idx, (long)pid, WTERMSIG(status),
			    w->job != NULL ? " while validating a spec" : "");
		else
			log_warnx("parse worker %d (pid %ld) exited %d",
			    w->idx, (long)pid, WEXITSTATUS(status));
	} else
		log_warnx("parse worker %d (pid %ld) closed its socket%s",
		    w->idx, (long)pid, w->job != NULL ?
		    " while validating a spec" : "");
	if (w->job != NULL)
		server_pool_srv(w)->m.parse_killed[SERVER_PARSED_FAILED]++;
	server_worker_fail(w, SERVER_PARSED_FAILED);
}

/* A spec outlived three times its CPU budget in wall-clock time (a
 * worker starved of CPU, or stopped): the worker is killed. */
static void
server_worker_deadline_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct server_worker *w = arg;

	(void)fd;
	(void)ev;
	if (w->job == NULL)
		return;
	log_warnx("a spec of user %s took more than %lld ms to validate; "
	    "killing parse worker %d (pid %ld)", w->job->user,
	    (long long)server_parse_wall_ms(server_pool_srv(w)), w->idx,
	    (long)w->pid);
	server_pool_srv(w)->m.parse_killed[SERVER_PARSED_BUSY]++;
	server_worker_fail(w, SERVER_PARSED_BUSY);
}

/* Forks a worker into slot w; on failure the slot stays empty and a
 * timer tries again. */
static void
server_worker_spawn(struct server_worker *w)
{
	struct server_pool *pool = w->pool;
	struct server *srv = pool->srv;
	struct timeval tv = { 1, 0 };
	int sv[2];
	pid_t pid, parent = getpid();

	w->pid = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		log_warnx("cannot start parse worker %d: %s", w->idx,
		    strerror(errno));
		evtimer_add(pool->respawn, &tv);
		return;
	}
	switch (pid = fork()) {
	case -1:
		log_warnx("cannot start parse worker %d: %s", w->idx,
		    strerror(errno));
		close(sv[0]);
		close(sv[1]);
		evtimer_add(pool->respawn, &tv);
		return;
	case 0:
		close(sv[0]);
		server_worker_start(sv[1], parent, w->idx, srv->site,
		    srv->cfg.parse_timeout_ms);
	default:
		break;
	}
	close(sv[1]);
	evutil_make_socket_nonblocking(sv[0]);
	w->pid = pid;
	w->bev = bufferevent_socket_new(srv->base, sv[0],
	    BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(w->bev, server_worker_read_cb, NULL,
	    server_worker_event_cb, w);
	bufferevent_enable(w->bev, EV_READ);
	log_debug("parse worker %d is pid %ld", w->idx, (long)pid);
}

/* Retries starting the workers that could not be. */
static void
server_pool_respawn_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct server_pool *pool = arg;
	struct server_pjob *j;
	int i, alive = 0;

	(void)fd;
	(void)ev;
	for (i = 0; i < pool->n; i++) {
		if (pool->w[i].pid <= 0 && !pool->stopping)
			server_worker_spawn(&pool->w[i]);
		if (pool->w[i].pid > 0)
			alive++;
	}
	/* No worker at all (the system refuses processes): what waits
	 * would wait for ever; it is answered 503 instead. */
	while (alive == 0 && (j = TAILQ_FIRST(&pool->queue)) != NULL) {
		TAILQ_REMOVE(&pool->queue, j, entry);
		pool->nqueued--;
		server_pjob_finish(j, server_parsed_error(SERVER_PARSED_BUSY));
	}
	server_pool_dispatch(pool);
}

/* How many of user's specs the workers are validating. */
static int
server_pool_running(struct server_pool *pool, const char *user)
{
	int i, n = 0;

	for (i = 0; i < pool->n; i++)
		if (pool->w[i].job != NULL &&
		    strcmp(pool->w[i].job->user, user) == 0)
			n++;
	return n;
}

/* The slot of when user was last served (0 for never), made if need be. */
static struct server_served *
server_pool_served(struct server_pool *pool, const char *user, bool make)
{
	size_t i;

	for (i = 0; i < pool->nserved; i++)
		if (strcmp(pool->served[i].user, user) == 0)
			return &pool->served[i];
	if (!make)
		return NULL;
	pool->served = xreallocarray(pool->served, pool->nserved + 1,
	    sizeof *pool->served);
	pool->served[pool->nserved].user = xstrdup(user);
	pool->served[pool->nserved].seq = 0;
	return &pool->served[pool->nserved++];
}

/* Forgets when users with nothing left here were served. */
static void
server_pool_forget_served(struct server_pool *pool)
{
	struct server_pjob *j;
	size_t i = 0;
	bool busy;

	while (i < pool->nserved) {
		busy = server_pool_running(pool, pool->served[i].user) > 0;
		TAILQ_FOREACH(j, &pool->queue, entry)
			if (strcmp(j->user, pool->served[i].user) == 0)
				busy = true;
		if (busy) {
			i++;
			continue;
		}
		free(pool->served[i].user);
		pool->served[i] = pool->served[--pool->nserved];
	}
}

/*
 * Gives idle workers the specs of users under their share (all workers
 * but one, so that another user always finds one), round robin: the
 * user served longest ago first, then in order of arrival.  A user with
 * many specs queued delays another by one spec at most.
 */
static void
server_pool_dispatch(struct server_pool *pool)
{
	struct server *srv = pool->srv;
	struct server_worker *w;
	struct server_pjob *j, *best;
	struct server_served *sv;
	struct timeval tv;
	int64_t wall = server_parse_wall_ms(srv);
	uint64_t best_seq = 0, seq;
	int share = pool->n > 1 ? pool->n - 1 : 1, i;

	for (i = 0; i < pool->n && pool->nqueued > 0; i++) {
		w = &pool->w[i];
		if (w->job != NULL || w->pid <= 0 || w->bev == NULL)
			continue;
		best = NULL;
		TAILQ_FOREACH(j, &pool->queue, entry) {
			if (server_pool_running(pool, j->user) >= share)
				continue;
			sv = server_pool_served(pool, j->user, false);
			seq = sv != NULL ? sv->seq : 0;
			if (best == NULL || seq < best_seq) {
				best = j;
				best_seq = seq;
			}
		}
		if ((j = best) == NULL)
			break;
		server_pool_served(pool, j->user, true)->seq = ++pool->seq;
		TAILQ_REMOVE(&pool->queue, j, entry);
		pool->nqueued--;
		w->job = j;
		j->w = w;
		bufferevent_write_buffer(w->bev, j->frame);
		tv = time_tv_ms(wall);
		event_base_update_cache_time(srv->base);
		evtimer_add(w->deadline, &tv);
	}
	server_pool_forget_served(pool);
}

/* The struct server of a worker's pool. */
static struct server *
server_pool_srv(const struct server_worker *w)
{
	return w->pool->srv;
}

/* See server-int.h. */
int
server_parse_start(struct server_req *r, const struct server_parse_args *a,
    server_parse_cb cb)
{
	struct server *srv = r->srv;
	struct server_pool *pool = srv->pool;
	struct server_pjob *j;
	const char *user = r->user->name;
	int n = server_pool_running(pool, user);
	uint64_t len;
	size_t i;

	TAILQ_FOREACH(j, &pool->queue, entry)
		if (strcmp(j->user, user) == 0)
			n++;
	if (n >= srv->cfg.parse_queue_per_user) {
		srv->m.parse_refused_user++;
		server_reply_retry(r, 429, SERVER_PARSE_RETRY_S, "user '%s' "
		    "already has %d spec%s being validated: retry when they "
		    "are done", user, n, n == 1 ? "" : "s");
		return -1;
	}
	j = xcalloc(1, sizeof *j);
	j->r = r;
	j->user = xstrdup(user);
	j->cb = cb;
	j->frame = evbuffer_new();
	server_wr_u64(j->frame, SERVER_PARSE_MAGIC);
	server_wr_str(j->frame, a->filename);
	server_wr_str(j->frame, a->default_namespace);
	server_wr_str(j->frame, a->group);
	server_wr_u64(j->frame, a->nsets);
	for (i = 0; i < a->nsets; i++)
		server_wr_str(j->frame, a->sets[i]);
	server_wr_u64(j->frame, a->bundle);
	server_wr_u64(j->frame, evbuffer_get_length(a->body));
	evbuffer_add_buffer(j->frame, a->body);
	evbuffer_add(j->frame, "", 1);
	len = evbuffer_get_length(j->frame);
	evbuffer_prepend(j->frame, &len, sizeof len);
	r->parse = j;
	TAILQ_INSERT_TAIL(&pool->queue, j, entry);
	pool->nqueued++;
	server_pool_dispatch(pool);
	if (j->w == NULL && pool->nqueued > (size_t)srv->cfg.parse_queue) {
		TAILQ_REMOVE(&pool->queue, j, entry);
		pool->nqueued--;
		server_pjob_free(j);
		srv->m.parse_refused_queue++;
		server_reply_retry(r, 503, SERVER_PARSE_RETRY_S, "%zu specs "
		    "are waiting to be validated: the server is busy, retry "
		    "later", pool->nqueued);
		return -1;
	}
	return 0;
}

/* See server-int.h: a request that goes away unanswered (the server
 * stops) takes its spec out of the queue, or its worker down. */
void
server_parse_cancel(struct server_req *r)
{
	struct server_pjob *j = r->parse;
	struct server_pool *pool = r->srv->pool;
	struct server_worker *w;

	if (j == NULL)
		return;
	j->r = NULL;
	r->parse = NULL;
	if ((w = j->w) == NULL) {
		TAILQ_REMOVE(&pool->queue, j, entry);
		pool->nqueued--;
		server_pjob_free(j);
		return;
	}
	server_worker_fail(w, SERVER_PARSED_FAILED);
}

/* See server-int.h: forks the workers. */
void
server_parse_init(struct server *srv)
{
	struct server_pool *pool = xcalloc(1, sizeof *pool);
	int i;

	pool->srv = srv;
	pool->n = srv->cfg.parse_workers > 0 ? srv->cfg.parse_workers : 1;
	pool->w = xcalloc((size_t)pool->n, sizeof *pool->w);
	TAILQ_INIT(&pool->queue);
	pool->respawn = evtimer_new(srv->base, server_pool_respawn_cb, pool);
	srv->pool = pool;
	for (i = 0; i < pool->n; i++) {
		pool->w[i].pool = pool;
		pool->w[i].idx = i;
		pool->w[i].pid = -1;
		pool->w[i].deadline = evtimer_new(srv->base,
		    server_worker_deadline_cb, &pool->w[i]);
		server_worker_spawn(&pool->w[i]);
	}
}

/* See server-int.h: kills and reaps the workers; specs in them or
 * waiting are dropped, their requests unanswered. */
void
server_parse_free(struct server *srv)
{
	struct server_pool *pool = srv->pool;
	struct server_pjob *j;
	size_t i;
	int k;

	if (pool == NULL)
		return;
	pool->stopping = true;
	while ((j = TAILQ_FIRST(&pool->queue)) != NULL) {
		TAILQ_REMOVE(&pool->queue, j, entry);
		server_pjob_free(j);
	}
	for (k = 0; k < pool->n; k++) {
		server_pjob_free(pool->w[k].job);
		pool->w[k].job = NULL;
		server_worker_stop(&pool->w[k]);
		event_free(pool->w[k].deadline);
	}
	for (i = 0; i < pool->nzombies; i++)
		waitpid(pool->zombies[i], NULL, 0);
	free(pool->zombies);
	for (i = 0; i < pool->nserved; i++)
		free(pool->served[i].user);
	free(pool->served);
	event_free(pool->respawn);
	free(pool->w);
	free(pool);
	srv->pool = NULL;
}

/* See server-int.h: reaps killed workers; counts for /metrics. */
void
server_parse_tick(struct server *srv)
{
	if (srv->pool != NULL)
		server_pool_reap(srv->pool);
}

/* See server-int.h. */
void
server_parse_counts(const struct server *srv, int *queued, int *running)
{
	const struct server_pool *pool = srv->pool;
	int i;

	*queued = *running = 0;
	if (pool == NULL)
		return;
	*queued = (int)pool->nqueued;
	for (i = 0; i < pool->n; i++)
		if (pool->w[i].job != NULL)
			(*running)++;
}

/* See server-int.h. */
bool
server_parse_busy(const struct server *srv)
{
	int queued, running;

	server_parse_counts(srv, &queued, &running);
	return queued + running > 0;
}
