/*
 * The simulator's admin endpoints under /sim/ for tests and operators:
 * the whole state, the audit log, the clock, the faults (errors,
 * latency, drops, expired watches, lost nodes, restarts) and the bulk
 * preload of pods (sim-preload.c).
 */
#include "sim-api.h"

/* Whole-cluster state for tests: every object of every stored type. */
static json_t *
sim_state(struct sim *sim)
{
	json_t *out = json_object(), *items, *m, *o;
	const char *nsk, *nk;
	int i;

	for (i = 0; i < SIM_RT_MAX; i++) {
		if (!sim_rtypes[i].stored)
			continue;
		items = json_array();
		json_object_foreach(sim->objs[i], nsk, m) {
			json_object_foreach(m, nk, o)
				json_array_append(items, o);
		}
		json_object_set_new(out, sim_rtypes[i].name, items);
	}
	json_object_set_new(out, "resourceVersion", json_integer(sim->rv));
	json_object_set_new(out, "now", json_integer(sim_now(sim)));
	return out;
}

/* A name and its bit in a mask that scopes faults. */
struct sim_bitname {
	const char *name;
	unsigned bit;
};

/* The HTTP methods a fault may be scoped to, by name. */
static const struct sim_bitname sim_fault_methods[] = {
	{ "GET", EVHTTP_REQ_GET }, { "POST", EVHTTP_REQ_POST },
	{ "PUT", EVHTTP_REQ_PUT }, { "PATCH", EVHTTP_REQ_PATCH },
	{ "DELETE", EVHTTP_REQ_DELETE },
};

/* The Kubernetes verbs latencyVerbs may name (sim_route_verb's). */
static const struct sim_bitname sim_fault_verbs[] = {
	{ "get", 1u << 0 }, { "list", 1u << 1 }, { "watch", 1u << 2 },
	{ "create", 1u << 3 }, { "update", 1u << 4 }, { "patch", 1u << 5 },
	{ "delete", 1u << 6 }, { "deletecollection", 1u << 7 },
};

/* The bit of a name in a table, or 0 for a name it does not hold. */
static unsigned
sim_bit_of(const struct sim_bitname *t, size_t n, const char *name)
{
	size_t k;

	for (k = 0; k < n; k++)
		if (name != NULL && strcmp(t[k].name, name) == 0)
			return t[k].bit;
	return 0;
}

/* The bit of a verb in a verb mask, or 0 for one no fault scopes to. */
unsigned
sim_fault_verb(const char *verb)
{
	return sim_bit_of(sim_fault_verbs, nitems(sim_fault_verbs), verb);
}

/* A mask as the JSON list of the names of its bits. */
static json_t *
sim_mask_json(const struct sim_bitname *t, size_t n, unsigned bits)
{
	json_t *out = json_array();
	size_t k;

	for (k = 0; k < n; k++)
		if (bits & t[k].bit)
			json_array_append_new(out, json_string(t[k].name));
	return out;
}

/* Reads a list of a table's names into a mask; -1 if it is not one. */
static int
sim_mask_parse(const struct sim_bitname *t, size_t n, const json_t *v,
    unsigned *bits)
{
	json_t *m;
	size_t i;
	unsigned b;

	*bits = 0;
	if (!json_is_array(v))
		return -1;
	json_array_foreach(v, i, m) {
		if ((b = sim_bit_of(t, n, json_string_value(m))) == 0)
			return -1;
		*bits |= b;
	}
	return 0;
}

/* The faults in force and how many of each were injected, as JSON. */
static json_t *
sim_faults_json(struct sim *sim)
{
	json_t *o;

	o = json_pack("{sfsfsisisfs{sIsIsI}}", "error500", sim->faults.p500,
	    "error429", sim->faults.p429, "retryAfterSeconds",
	    sim->faults.retry_after, "latencyMs", sim->faults.latency_ms, "drop",
	    sim->faults.pdrop, "injected", "error500",
	    (json_int_t)sim->faults.n500, "error429",
	    (json_int_t)sim->faults.n429, "drop",
	    (json_int_t)sim->faults.ndrop);
	json_object_set_new(o, "methods", sim_mask_json(sim_fault_methods,
	    nitems(sim_fault_methods), sim->faults.methods));
	json_object_set_new(o, "latencyMethods", sim_mask_json(
	    sim_fault_methods, nitems(sim_fault_methods),
	    sim->faults.latency_methods));
	json_object_set_new(o, "latencyVerbs", sim_mask_json(sim_fault_verbs,
	    nitems(sim_fault_verbs), sim->faults.latency_verbs));
	return o;
}

/* Restarts the listener after the reply to the admin request is out. */
static void
sim_restart_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sim *sim = arg;
	char *cause = NULL;

	(void)fd;
	(void)what;
	log_info("simulated API server restart");
	sim_http_stop(sim);
	if (sim_http_start(sim, &cause) != 0) {
		log_warnx("restart failed: %s", cause);
		free(cause);
	}
}

/*
 * GET /sim/clock: the simulated now and speed; POST {"advanceSeconds": N}
 * moves the clock forward, so tests wait out simulated timeouts at once.
 */
static void
sim_admin_clock(struct sim_call *c)
{
	json_t *body, *v;

	if (c->method == EVHTTP_REQ_POST) {
		if ((body = sim_body(c, false)) == NULL)
			return;
		v = json_object_get(body, "advanceSeconds");
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > 10LL * 365 * 86400) {
			json_decref(body);
			sim_reply_status(c, 400, "BadRequest", "advanceSeconds: "
			    "an integer from 0 to 315360000", NULL);
			return;
		}
		sim_clock_advance(c->sim, json_integer_value(v) * 1000);
		json_decref(body);
	}
	sim_reply_json(c, 200, json_pack("{sIsf}", "now",
	    (json_int_t)sim_now(c->sim), "speed", c->sim->opt.speed));
}

/*
 * Ends every watch with 410 Expired and forgets the watch history, as a
 * compaction would: clients must list again.
 */
static void
sim_admin_expire(struct sim *sim)
{
	struct sim_watch *w, *next;
	json_t *st;
	char *m;
	int idx;

	for (w = sim->watches; w != NULL; w = next) {
		m = xprintf("too old resource version: %lld (%lld)",
		    (long long)w->last_rv, (long long)sim->rv);
		st = sim_status_new(410, "Expired", m, NULL);
		next = w->next;
		sim_watch_send(w, "ERROR", st);
		json_decref(st);
		free(m);
		sim_watch_close(w, true);
	}
	/* Old resourceVersions are gone too, as after compaction. */
	while (sim->ev_count > 0) {
		idx = (sim->ev_head - sim->ev_count + sim->nevents) %
		    sim->nevents;
		json_decref(sim->events[idx].old);
		json_decref(sim->events[idx].obj);
		sim->events[idx].old = sim->events[idx].obj = NULL;
		sim->ev_count--;
	}
	sim->ev_head = 0;
	/* A gap marks the compaction; lists return the new version. */
	sim->rv++;
	sim->compacted_rv = sim->rv;
}

/* GET /sim/state: every stored object, the resourceVersion and the clock. */
static void
sim_admin_state(struct sim_call *c)
{
	sim_reply_json(c, 200, sim_state(c->sim));
}

/* GET /sim/audit: the last SIM_AUDIT_MAX audit entries. */
static void
sim_admin_audit(struct sim_call *c)
{
	if (c->sim->audit == NULL)
		c->sim->audit = json_array();
	sim_reply_json(c, 200, json_pack("{s:O}", "items", c->sim->audit));
}

/*
 * Sets the faults a JSON object names, leaving the others as they are:
 * POST /sim/faults and --faults share it.  "methods" scopes error500,
 * error429 and drop to some HTTP methods, so that a test can fail the
 * read after a write (an empty list or none: every method);
 * "latencyMethods" and "latencyVerbs" scope latencyMs the same way, so
 * that a test can slow down only PATCHes or only watches.  Nothing
 * changes when a key is bad.
 */
int
sim_faults_set(struct sim *sim, const json_t *f, char **cause)
{
	json_t *v;
	unsigned bits = sim->faults.methods;
	unsigned lbits = sim->faults.latency_methods;
	unsigned vbits = sim->faults.latency_verbs;

	if (!json_is_object(f)) {
		*cause = xstrdup("faults: a JSON object is expected");
		return -1;
	}
	if ((v = json_object_get(f, "methods")) != NULL &&
	    sim_mask_parse(sim_fault_methods, nitems(sim_fault_methods), v,
	    &bits) != 0) {
		*cause = xstrdup("faults: 'methods' is a list of GET, POST, "
		    "PUT, PATCH and DELETE");
		return -1;
	}
	if ((v = json_object_get(f, "latencyMethods")) != NULL &&
	    sim_mask_parse(sim_fault_methods, nitems(sim_fault_methods), v,
	    &lbits) != 0) {
		*cause = xstrdup("faults: 'latencyMethods' is a list of GET, "
		    "POST, PUT, PATCH and DELETE");
		return -1;
	}
	if ((v = json_object_get(f, "latencyVerbs")) != NULL &&
	    sim_mask_parse(sim_fault_verbs, nitems(sim_fault_verbs), v,
	    &vbits) != 0) {
		*cause = xstrdup("faults: 'latencyVerbs' is a list of get, "
		    "list, watch, create, update, patch, delete and "
		    "deletecollection");
		return -1;
	}
	sim->faults.methods = bits;
	sim->faults.latency_methods = lbits;
	sim->faults.latency_verbs = vbits;
	if ((v = json_object_get(f, "error500")) != NULL)
		sim->faults.p500 = json_number_value(v);
	if ((v = json_object_get(f, "error429")) != NULL)
		sim->faults.p429 = json_number_value(v);
	if ((v = json_object_get(f, "retryAfterSeconds")) != NULL)
		sim->faults.retry_after = (int)json_integer_value(v);
	if ((v = json_object_get(f, "latencyMs")) != NULL)
		sim->faults.latency_ms = (int)json_integer_value(v);
	if ((v = json_object_get(f, "drop")) != NULL)
		sim->faults.pdrop = json_number_value(v);
	return 0;
}

/* GET /sim/faults, or POST faults, node loss and restarts to inject. */
static void
sim_admin_faults(struct sim_call *c)
{
	struct sim *sim = c->sim;
	json_t *body, *v;
	const char *node;
	char *cause = NULL;

	if (c->method == EVHTTP_REQ_GET) {
		sim_reply_json(c, 200, sim_faults_json(sim));
		return;
	}
	if (c->method != EVHTTP_REQ_POST) {
		sim_reply_status(c, 405, "MethodNotAllowed", "use GET or POST",
		    NULL);
		return;
	}
	if ((body = sim_body(c, false)) == NULL)
		return;
	if (sim_faults_set(sim, body, &cause) != 0) {
		sim_reply_status(c, 400, "BadRequest", cause, NULL);
		free(cause);
		json_decref(body);
		return;
	}
	if (json_is_true(json_object_get(body, "expireWatches")))
		sim_admin_expire(sim);
	if ((node = sim_str(body, "nodeNotReady")) != NULL) {
		v = json_object_get(body, "evictAfter");
		sim_node_lost(sim, node, json_is_integer(v) &&
		    json_integer_value(v) >= 0 ? json_integer_value(v) : -1);
	}
	if ((node = sim_str(body, "nodeReady")) != NULL)
		sim_node_back(sim, node);
	if (json_is_true(json_object_get(body, "restart"))) {
		struct timeval tv = { 0, 50000 };

		if (sim->restart_ev == NULL)
			sim->restart_ev = evtimer_new(sim->base, sim_restart_cb,
			    sim);
		evtimer_add(sim->restart_ev, &tv);
	}
	json_decref(body);
	sim_reply_json(c, 200, sim_faults_json(sim));
}

/* The admin endpoints, /sim/NAME. */
static const struct {
	const char *name;
	void (*fn)(struct sim_call *);
} sim_admin_routes[] = {
	{ "state", sim_admin_state },
	{ "audit", sim_admin_audit },
	{ "clock", sim_admin_clock },
	{ "faults", sim_admin_faults },
	{ "preload", sim_admin_preload },
};

/* Serves /sim/... to cluster admins only, whatever the path. */
void
sim_admin(struct sim_call *c)
{
	size_t i;

	if (c->user == NULL) {
		sim_reply_status(c, 401, "Unauthorized", "Unauthorized", NULL);
		return;
	}
	if (!c->user->admin) {
		sim_reply_status(c, 403, "Forbidden", "the simulator's admin "
		    "endpoints are for cluster admins", NULL);
		return;
	}
	for (i = 0; c->nsegs == 2 && i < nitems(sim_admin_routes); i++) {
		if (strcmp(c->segs[1], sim_admin_routes[i].name) == 0) {
			sim_admin_routes[i].fn(c);
			return;
		}
	}
	sim_no_route(c);
}
