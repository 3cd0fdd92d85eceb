/*
 * Reads of collections: list with selectors, limit and continue tokens,
 * server-side tables, and watches (initial events, replay from a
 * resourceVersion, bookmarks, timeouts).
 */
#include "sim-api.h"

/* Encodes a continue token (hex of "rv\nns\nname"). */
static char *
sim_continue_encode(int64_t rv, const char *ns, const char *name)
{
	char *raw = xprintf("%lld\n%s\n%s", (long long)rv, ns ? ns : "", name);
	size_t n = strlen(raw), i;
	char *out = xmalloc(2 * n + 1);

	for (i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", (unsigned char)raw[i]);
	free(raw);
	return out;
}

/* Decodes a continue token; -1 if malformed. */
static int
sim_continue_decode(const char *tok, int64_t *rv, char **ns, char **name)
{
	size_t n = strlen(tok), i;
	char *raw, *a, *b;
	unsigned int x;
	long long r;

	if (n % 2 != 0 || n > 2048)
		return -1;
	raw = xmalloc(n / 2 + 1);
	for (i = 0; i < n / 2; i++) {
		if (sscanf(tok + 2 * i, "%2x", &x) != 1) {
			free(raw);
			return -1;
		}
		raw[i] = (char)x;
	}
	raw[n / 2] = '\0';
	a = strchr(raw, '\n');
	b = a ? strchr(a + 1, '\n') : NULL;
	if (b == NULL || sscanf(raw, "%lld", &r) != 1 || r <= 0) {
		free(raw);
		return -1;
	}
	*rv = r;
	*ns = xstrndup(a + 1, b - a - 1);
	*name = xstrdup(b + 1);
	free(raw);
	return 0;
}

/*
 * Checks resourceVersionMatch and sendInitialEvents as the apiserver's
 * ListOptions validation does, for a list or a watch: 422 Invalid
 * (ListOptions.meta.k8s.io) with one cause per refusal; -1 after
 * answering.  A list's NotOlderThan newer than the store is 504, as
 * the apiserver answers once it gave up waiting for it.
 */
static int
sim_list_opts_check(struct sim_call *c, bool watch)
{
	const char *match = sim_q(c, "resourceVersionMatch");
	const char *rvq = sim_q(c, "resourceVersion");
	const char *cont = sim_q(c, "continue");
	bool sie = sim_q(c, "sendInitialEvents") != NULL, bad;
	json_t *causes = json_array();

#define SIM_FORBID(f, msg) sim_cause(causes, "FieldValueForbidden", f, \
	"Forbidden: %s", msg)
	if (watch && sie && (match == NULL ||
	    strcmp(match, "NotOlderThan") != 0))
		SIM_FORBID("resourceVersionMatch", "sendInitialEvents requires "
		    "setting resourceVersionMatch to NotOlderThan");
	if (!watch && sie)
		SIM_FORBID("sendInitialEvents",
		    "sendInitialEvents is forbidden for list");
	if (match != NULL && *match != '\0') {
		if (watch && !sie)
			SIM_FORBID("resourceVersionMatch", "resourceVersionMatch "
			    "is forbidden for watch unless sendInitialEvents is "
			    "provided");
		if (!watch && (rvq == NULL || *rvq == '\0'))
			SIM_FORBID("resourceVersionMatch", "resourceVersionMatch "
			    "is forbidden unless resourceVersion is provided");
		if (cont != NULL && *cont != '\0')
			SIM_FORBID("resourceVersionMatch", "resourceVersionMatch "
			    "is forbidden when continue is provided");
		if (strcmp(match, "NotOlderThan") != 0 &&
		    (watch || strcmp(match, "Exact") != 0))
			sim_cause(causes, "FieldValueNotSupported",
			    "resourceVersionMatch", "Unsupported value: \"%s\": "
			    "supported values: %s", match, watch ?
			    "\"NotOlderThan\"" :
			    "\"Exact\", \"NotOlderThan\", \"\"");
		if (!watch && strcmp(match, "Exact") == 0 && rvq != NULL &&
		    strcmp(rvq, "0") == 0)
			SIM_FORBID("resourceVersionMatch", "resourceVersionMatch "
			    "\"exact\" is forbidden for resourceVersion \"0\"");
	}
#undef SIM_FORBID
	bad = json_array_size(causes) > 0;
	if (bad)
		sim_reply_json(c, 422, sim_invalid_new("ListOptions",
		    "meta.k8s.io", "", causes));
	json_decref(causes);
	return bad ? -1 : 0;
}

/*
 * What a list with resourceVersionMatch may answer: NotOlderThan N is
 * any state from N on (the current one), Exact N only the current one
 * (the simulator keeps no older snapshots: an older N is 410 Expired, as
 * a compacted one is); an N newer than the store is 504 Too large
 * resourceVersion.  -1 after answering.
 */
static int
sim_list_rv_check(struct sim_call *c)
{
	const char *match = sim_q(c, "resourceVersionMatch");
	const char *rvq = sim_q(c, "resourceVersion");
	long long rv = rvq ? strtoll(rvq, NULL, 10) : 0;
	char *m;

	if (match == NULL || *match == '\0' || rv <= 0)
		return 0;
	if (rv > c->sim->rv) {
		m = xprintf("Too large resource version: %lld, current: %lld",
		    rv, (long long)c->sim->rv);
		sim_reply_json(c, 504, sim_status_new(504, "Timeout", m,
		    json_pack("{s[{ssss}]si}", "causes", "reason",
		    "ResourceVersionTooLarge", "message",
		    "Too large resource version", "retryAfterSeconds", 1)));
		free(m);
		return -1;
	}
	if (strcmp(match, "Exact") == 0 && rv != c->sim->rv) {
		sim_reply_status(c, 410, "Expired", "The resourceVersion for "
		    "the provided list is too old.", NULL);
		return -1;
	}
	return 0;
}

/* True if the client asked for server-side printing (kubectl). */
bool
sim_wants_table(struct sim_call *c)
{
	const char *a = sim_h(c, "Accept");

	return a != NULL && strstr(a, "as=Table") != NULL;
}

/* Parses label and field selectors of the request; -1 after a 400. */
int
sim_selectors(struct sim_call *c, enum sim_rt rt, struct sim_selector **ls,
    struct sim_selector **fs)
{
	char *cause = NULL;

	*ls = sim_selector_parse(sim_q(c, "labelSelector"), &cause);
	if (*ls == NULL) {
		sim_reply_status(c, 400, "BadRequest", cause, NULL);
		free(cause);
		return -1;
	}
	*fs = sim_field_selector_parse(sim_q(c, "fieldSelector"), &cause);
	if (*fs == NULL || sim_field_check(*fs, rt, &cause) != 0) {
		sim_reply_status(c, 400, "BadRequest", cause, NULL);
		free(cause);
		sim_selector_free(*ls);
		sim_selector_free(*fs);
		return -1;
	}
	return 0;
}

/* Collects matching objects in key order from a (ns, name) position. */
json_t *
sim_collect(struct sim *sim, enum sim_rt rt, const char *ns,
    struct sim_selector *ls, struct sim_selector *fs, const char *start_ns,
    const char *start_name, long limit, char **next_ns, char **next_name,
    bool *start_missing)
{
	json_t *items, *m, *o;
	void *nsit, *it;
	bool started = start_ns == NULL;

	items = sim_index_collect(sim, rt, ns, ls, fs, start_ns, start_name,
	    limit, next_ns, next_name, start_missing);
	if (items != NULL)
		return items;
	items = json_array();
	*start_missing = false;
	for (nsit = json_object_iter(sim->objs[rt]); nsit != NULL;
	    nsit = json_object_iter_next(sim->objs[rt], nsit)) {
		const char *nsk = json_object_iter_key(nsit);

		if (ns != NULL && strcmp(ns, nsk) != 0)
			continue;
		m = json_object_iter_value(nsit);
		it = json_object_iter(m);
		if (!started) {
			if (strcmp(nsk, start_ns) != 0)
				continue;
			it = json_object_iter_at(m, start_name);
			started = true;
			if (it == NULL) {
				*start_missing = true;
				return items;
			}
		}
		for (; it != NULL; it = json_object_iter_next(m, it)) {
			o = json_object_iter_value(it);
			if (!sim_selector_matches(ls, sim_path(o,
			    "metadata.labels")) || !sim_field_matches(fs, o))
				continue;
			if (limit > 0 && (long)json_array_size(items) >= limit) {
				*next_ns = xstrdup(nsk);
				*next_name = xstrdup(json_object_iter_key(it));
				return items;
			}
			json_array_append(items, o);
		}
	}
	if (!started)
		*start_missing = true;
	return items;
}

/* Sends a list from the objects' cached serialisations. */
static void
sim_reply_list(struct sim_call *c, enum sim_rt rt, json_t *meta,
    json_t *items)
{
	struct evbuffer *buf = evbuffer_new();
	json_t *o;
	size_t i, len;
	const char *text;

	evbuffer_add_printf(buf, "{\"kind\":\"%sList\",\"apiVersion\":"
	    "\"%s\",\"metadata\":", sim_rtypes[rt].kind, sim_api_version(rt));
	json_dump_callback(meta, sim_dump_cb, buf, JSON_COMPACT);
	evbuffer_add(buf, ",\"items\":[", 10);
	json_array_foreach(items, i, o) {
		if (i > 0)
			evbuffer_add(buf, ",", 1);
		text = sim_serialized(c->sim, rt, o, &len);
		if (text != NULL)
			evbuffer_add(buf, text, len);
		else
			json_dump_callback(o, sim_dump_cb, buf, JSON_COMPACT);
	}
	evbuffer_add(buf, "]}", 2);
	json_decref(meta);
	json_decref(items);
	evhttp_add_header(evhttp_request_get_output_headers(c->req),
	    "Content-Type", "application/json");
	evhttp_send_reply(c->req, 200, "OK", buf);
	evbuffer_free(buf);
}

/*
 * Answers a list, with limit/continue.  Every page of a paged list says
 * the resourceVersion of its first page, which its continue token
 * carries, as the apiserver's pages of one snapshot do: a client that
 * watches from the last page's version then sees every change made while
 * it paged (an object of an early page changed meanwhile included).  A
 * token from before a compaction (expireWatches) is 410 Expired.
 */
void
sim_list(struct sim_call *c, json_t *unused)
{
	enum sim_rt rt = c->rt;
	const char *ns = c->ns;
	struct sim_selector *ls, *fs;
	const char *lim = sim_q(c, "limit"), *cont = sim_q(c, "continue");
	char *sns = NULL, *sname = NULL, *nns = NULL, *nname = NULL;
	json_t *items, *meta;
	bool missing;
	long limit = lim ? strtol(lim, NULL, 10) : 0;
	int64_t snap = c->sim->rv;

	(void)unused;
	if (sim_list_opts_check(c, false) != 0 || sim_list_rv_check(c) != 0)
		return;
	if (sim_selectors(c, rt, &ls, &fs) != 0)
		return;
	if (cont != NULL && *cont != '\0' &&
	    sim_continue_decode(cont, &snap, &sns, &sname) != 0) {
		sim_reply_status(c, 400, "BadRequest",
		    "continue key is not valid: incorrect encoded start "
		    "resourceVersion (version meta.k8s.io/v1)", NULL);
		goto out;
	}
	items = sim_collect(c->sim, rt, ns, ls, fs, sns, sname, limit, &nns,
	    &nname, &missing);
	if (sns != NULL && (missing || snap < c->sim->compacted_rv)) {
		json_decref(items);
		sim_reply_status(c, 410, "Expired", "The provided continue "
		    "parameter is too old to display a consistent list result. "
		    "You can start a new list without the continue parameter.",
		    NULL);
		goto out;
	}
	meta = json_pack("{so}", "resourceVersion", json_sprintf("%lld",
	    (long long)snap));
	if (nns != NULL) {
		char *tok = sim_continue_encode(snap, nns, nname);

		json_object_set_new(meta, "continue", json_string(tok));
		free(tok);
	}
	if (sim_wants_table(c)) {
		json_t *t = sim_table(c->sim, rt, items, true,
		    sim_q(c, "includeObject") != NULL &&
		    strcmp(sim_q(c, "includeObject"), "Object") == 0);

		json_object_set_new(t, "metadata", meta);
		json_decref(items);
		sim_reply_json(c, 200, t);
	} else
		sim_reply_list(c, rt, meta, items);
out:
	free(sns);
	free(sname);
	free(nns);
	free(nname);
	sim_selector_free(ls);
	sim_selector_free(fs);
}

/* Called by libevent when a watch client goes away. */
static void
sim_watch_closed(struct evhttp_connection *evcon, void *arg)
{
	(void)evcon;
	sim_watch_close(arg, false);
}

/* Ends a watch at its timeoutSeconds. */
static void
sim_watch_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	sim_watch_close(arg, true);
}

/*
 * Sends a BOOKMARK with the current resourceVersion; the one that ends a
 * watch's initial events when the client asked for them with
 * sendInitialEvents (the streaming list of client-go's WatchListClient)
 * carries the annotation k8s.io/initial-events-end.
 */
static void
sim_watch_bookmark_send(struct sim_watch *w, bool end)
{
	json_t *o = json_pack("{sssss{sos:o*}}", "kind", sim_rtypes[w->rt].kind,
	    "apiVersion", sim_api_version(w->rt), "metadata",
	    "resourceVersion", json_sprintf("%lld", (long long)w->sim->rv),
	    "annotations", end ? json_pack("{ss}", "k8s.io/initial-events-end",
	    "true") : NULL);

	sim_watch_send(w, "BOOKMARK", o);
	json_decref(o);
}

/* The bookmark timer of a watch that allows them. */
static void
sim_watch_bookmark(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	sim_watch_bookmark_send(arg, false);
}

/* Starts a watch: initial or replayed events, then live changes. */
void
sim_watch_start(struct sim_call *c, json_t *unused)
{
	enum sim_rt rt = c->rt;
	const char *ns = c->ns;
	struct sim *sim = c->sim;
	const char *rvq = sim_q(c, "resourceVersion");
	const char *to = sim_q(c, "timeoutSeconds");
	struct sim_selector *ls, *fs;
	struct sim_watch *w;
	struct timeval tv;
	long long rv = rvq ? strtoll(rvq, NULL, 10) : 0;
	long secs;
	int i;
	/* sendInitialEvents defaults to true for RV unset or "0" only. */
	bool initial = sim_q(c, "sendInitialEvents") != NULL ?
	    sim_qbool(c, "sendInitialEvents") : rv == 0;

	(void)unused;
	if (sim_list_opts_check(c, true) != 0)
		return;
	if (sim_selectors(c, rt, &ls, &fs) != 0)
		return;
	if (c->name != NULL) {
		struct sim_req *r;

		fs->reqs = xreallocarray(fs->reqs, fs->nreqs + 1,
		    sizeof *fs->reqs);
		r = &fs->reqs[fs->nreqs++];
		r->key = xstrdup("metadata.name");
		r->op = SIM_SEL_EQ;
		r->values = xcalloc(1, sizeof *r->values);
		r->values[0] = xstrdup(c->name);
		r->nvalues = 1;
	}
	w = xcalloc(1, sizeof *w);
	w->sim = sim;
	w->req = c->req;
	w->rt = rt;
	w->ns = ns ? xstrdup(ns) : NULL;
	w->labels = ls;
	w->fields = fs;
	w->bookmarks = sim_qbool(c, "allowWatchBookmarks");
	w->table = sim_wants_table(c);
	evhttp_add_header(evhttp_request_get_output_headers(c->req),
	    "Content-Type", "application/json");
	evhttp_send_reply_start(c->req, 200, "OK");
	w->next = sim->watches;
	sim->watches = w;
	sim->nwatch[rt]++;
	evhttp_connection_set_closecb(evhttp_request_get_connection(c->req),
	    sim_watch_closed, w);
	if (!initial && rv > 0 && rv < sim_oldest_rv(sim)) {
		char *m = xprintf("too old resource version: %lld (%lld)", rv,
		    (long long)sim_oldest_rv(sim) + 1);
		json_t *st = sim_status_new(410, "Expired", m, NULL);

		sim_watch_send(w, "ERROR", st);
		json_decref(st);
		free(m);
		sim_watch_close(w, true);
		return;
	}
	if (initial) {
		json_t *items, *o;
		char *a = NULL, *b = NULL;
		bool missing;
		size_t k;

		items = sim_collect(sim, rt, ns, ls, fs, NULL, NULL, 0, &a, &b,
		    &missing);
		json_array_foreach(items, k, o)
			sim_watch_send(w, "ADDED", o);
		json_decref(items);
		if (sim_qbool(c, "sendInitialEvents") && w->bookmarks)
			sim_watch_bookmark_send(w, true);
	} else if (rv > 0) {
		int start = (sim->ev_head - sim->ev_count + sim->nevents) %
		    sim->nevents;

		for (i = 0; i < sim->ev_count; i++) {
			struct sim_event *e = &sim->events[(start + i) %
			    sim->nevents];

			if (e->rv > rv && e->rt == rt)
				sim_watch_deliver(w, e);
		}
	}
	secs = to ? strtol(to, NULL, 10) : 0;
	if (secs <= 0)
		secs = 1800 + (long)(sim_rand(sim) % 1800);
	tv.tv_sec = secs;
	tv.tv_usec = 0;
	w->timer = evtimer_new(sim->base, sim_watch_timeout, w);
	evtimer_add(w->timer, &tv);
	if (w->bookmarks) {
		struct timeval bt = { 5, 0 };

		w->bookmark_ev = event_new(sim->base, -1, EV_PERSIST,
		    sim_watch_bookmark, w);
		event_add(w->bookmark_ev, &bt);
	}
}
