/*
 * The pod subresources that stream: pods/log (with tailLines, limitBytes
 * and follow as simulated time passes) and the entry to pods/exec, whose
 * stream is sim-exec.c's.
 */
#include "sim-api.h"

/* A log follower: emits new lines as simulated time passes. */
struct sim_follow {
	struct sim *sim;
	struct evhttp_request *req;
	struct event *ev;
	char *ns, *name, *container;
	bool timestamps;	/* as the request asked */
	int64_t since;		/* sim ms of sinceSeconds/sinceTime, or 0 */
	size_t sent;
	struct sim_follow *next;
};
static struct sim_follow *sim_follows;

/* Closes a log follower. */
static void
sim_follow_free(struct sim_follow *f, bool end)
{
	struct sim_follow **p;

	for (p = &sim_follows; *p != NULL; p = &(*p)->next) {
		if (*p == f) {
			*p = f->next;
			break;
		}
	}
	if (end) {
		evhttp_connection_set_closecb(evhttp_request_get_connection(
		    f->req), NULL, NULL);
		evhttp_send_reply_end(f->req);
	}
	event_free(f->ev);
	free(f->ns);
	free(f->name);
	free(f->container);
	free(f);
}

/* Called when a follower's client goes away. */
static void
sim_follow_closed(struct evhttp_connection *evcon, void *arg)
{
	struct sim_follow *f = arg;
	struct evhttp_request *req = f->req;

	(void)evcon;
	sim_follow_free(f, false);
	sim_req_left(req);
}

/* Sends new log text to a follower; ends when the container stops. */
static void
sim_follow_tick(evutil_socket_t fd, short what, void *arg)
{
	struct sim_follow *f = arg;
	json_t *pod = sim_get(f->sim, SIM_RT_PODS, f->ns, f->name);
	struct evbuffer *buf;
	bool running = false;
	char *text;

	(void)fd;
	(void)what;
	if (pod == NULL) {
		sim_follow_free(f, true);
		return;
	}
	text = sim_pod_log(f->sim, pod, f->container, false, f->timestamps,
	    f->since, &running);
	if (text != NULL && strlen(text) > f->sent) {
		buf = evbuffer_new();
		evbuffer_add(buf, text + f->sent, strlen(text) - f->sent);
		evhttp_send_reply_chunk(f->req, buf);
		evbuffer_free(buf);
		f->sent = strlen(text);
	}
	free(text);
	if (!running)
		sim_follow_free(f, true);
}

/* Ends every log follower without a reply: the listener is closing. */
void
sim_logs_stop(void)
{
	while (sim_follows != NULL) {
		evhttp_connection_set_closecb(evhttp_request_get_connection(
		    sim_follows->req), NULL, NULL);
		sim_follow_free(sim_follows, false);
	}
}

/*
 * Reads sinceSeconds or sinceTime into the simulated time from which log
 * lines are shown (0: all), refusing what PodLogOptions validation
 * refuses (both given, a count under 1); -1 after answering.
 */
static int
sim_log_since(struct sim_call *c, int64_t *since)
{
	const char *ss = sim_q(c, "sinceSeconds"), *st = sim_q(c, "sinceTime");
	const char *field = NULL, *why = NULL, *reason = "FieldValueInvalid";
	char *end = NULL, *m, *cause;
	long long n = 0;

	*since = 0;
	if (ss != NULL && st != NULL) {
		field = "sinceTime";
		reason = "FieldValueForbidden";
		why = "Forbidden: at most one of `sinceTime` or `sinceSeconds` "
		    "may be specified";
	} else if (ss != NULL) {
		n = strtoll(ss, &end, 10);
		if (*ss == '\0' || *end != '\0') {
			sim_reply_status(c, 400, "BadRequest", "sinceSeconds: "
			    "not an integer", NULL);
			return -1;
		}
		if (n < 1) {
			field = "sinceSeconds";
			why = "Invalid value: must be greater than 0";
		} else
			*since = sim_now(c->sim) - (n > 315360000 ? 315360000 :
			    n) * 1000;
	} else if (st != NULL && (*since = sim_time_parse(st)) < 0) {
		sim_reply_status(c, 400, "BadRequest", "sinceTime: not an RFC "
		    "3339 time", NULL);
		return -1;
	}
	if (field == NULL)
		return 0;
	cause = xprintf("%s: %s", field, why);
	m = xprintf("PodLogOptions \"%s\" is invalid: %s", c->name, cause);
	sim_reply_json(c, 422, sim_status_new(422, "Invalid", m, json_pack(
	    "{sssss[{ssssss}]}", "name", c->name, "kind", "PodLogOptions",
	    "causes", "reason", reason, "message", why, "field", field)));
	free(m);
	free(cause);
	return -1;
}

/*
 * The container a pods/log or pods/exec request means: the one it names
 * or the pod's only one; -1 with the apiserver's message when a pod of
 * several is not told which.
 */
int
sim_pod_container(json_t *pod, const char **ctr, char **msg)
{
	json_t *ctrs = sim_path(pod, "spec.containers"), *x;
	size_t i;

	if (*ctr == NULL && json_array_size(ctrs) <= 1)
		*ctr = sim_str(json_array_get(ctrs, 0), "name");
	if (*ctr != NULL || json_array_size(ctrs) <= 1)
		return 0;
	*msg = xprintf("a container name must be specified for pod %s, "
	    "choose one of: [", sim_str(pod, "metadata.name"));
	json_array_foreach(ctrs, i, x)
		xappendf(msg, "%s%s", i ? " " : "", sim_str(x, "name"));
	xappendf(msg, "]");
	return -1;
}

/* GET pods/NAME/log. */
void
sim_logs(struct sim_call *c, json_t *pod)
{
	const char *ctr = sim_q(c, "container"), *tl = sim_q(c, "tailLines");
	const char *lb = sim_q(c, "limitBytes");
	struct evbuffer *buf;
	bool running = false, follow = sim_qbool(c, "follow");
	char *text, *m;
	const char *start;
	size_t len;
	int64_t since;

	if (sim_pod_container(pod, &ctr, &m) != 0) {
		sim_reply_status(c, 400, "BadRequest", m, NULL);
		free(m);
		return;
	}
	if (sim_log_since(c, &since) != 0)
		return;
	text = sim_pod_log(c->sim, pod, ctr, sim_qbool(c, "previous"),
	    sim_qbool(c, "timestamps"), since, &running);
	if (text == NULL) {
		const char *why = sim_str(json_array_get(sim_path(pod,
		    "status.containerStatuses"), 0), "state.waiting.reason");

		m = xprintf("container \"%s\" in pod \"%s\" is waiting to start: "
		    "%s", ctr ? ctr : "", c->name, why ? why :
		    "ContainerCreating");
		sim_reply_status(c, 400, "BadRequest", m, NULL);
		free(m);
		return;
	}
	start = text;
	len = strlen(text);
	if (tl != NULL && !follow) {
		long n = strtol(tl, NULL, 10);
		const char *p = text + len;

		if (len > 0 && p[-1] == '\n')
			p--;
		while (n > 0 && p > text) {
			p--;
			if (*p == '\n' && --n == 0) {
				p++;
				break;
			}
		}
		if (n > 0)
			p = text;
		start = p;
		len = strlen(start);
	}
	if (lb != NULL && strtol(lb, NULL, 10) > 0 &&
	    (size_t)strtol(lb, NULL, 10) < len)
		len = (size_t)strtol(lb, NULL, 10);
	evhttp_add_header(evhttp_request_get_output_headers(c->req),
	    "Content-Type", "text/plain");
	buf = evbuffer_new();
	evbuffer_add(buf, start, len);
	if (follow && running) {
		struct sim_follow *f = xcalloc(1, sizeof *f);
		struct timeval tv = { 0, 200000 };

		f->sim = c->sim;
		f->req = c->req;
		f->ns = xstrdup(c->ns);
		f->name = xstrdup(c->name);
		f->container = xstrdup(ctr);
		f->timestamps = sim_qbool(c, "timestamps");
		f->since = since;
		f->sent = strlen(text);
		f->ev = event_new(c->sim->base, -1, EV_PERSIST, sim_follow_tick, f);
		event_add(f->ev, &tv);
		f->next = sim_follows;
		sim_follows = f;
		sim_audit_code(c, 200);
		evhttp_send_reply_start(c->req, 200, "OK");
		evhttp_send_reply_chunk(c->req, buf);
		evhttp_connection_set_closecb(evhttp_request_get_connection(
		    c->req), sim_follow_closed, f);
	} else {
		sim_audit_code(c, 200);
		evhttp_send_reply(c->req, 200, "OK", buf);
	}
	evbuffer_free(buf);
	free(text);
}

/*
 * pods/exec: "create" on pods/exec for GET (the WebSocket upgrade, as
 * since Kubernetes 1.31) and POST; the stream itself is sim-exec.c's.
 */
void
sim_exec_route(struct sim_call *c)
{
	struct evkeyval *kv;
	char *argv[SIM_EXEC_MAX_ARGS], *msg = NULL;
	size_t argc = 0;
	json_t *pod;
	int code;

	if (c->method != EVHTTP_REQ_GET && c->method != EVHTTP_REQ_POST) {
		sim_no_method(c);
		return;
	}
	if (sim_authorize(c, "create", SIM_RT_PODS, c->ns, c->name) != 0)
		return;
	if ((pod = sim_get(c->sim, SIM_RT_PODS, c->ns, c->name)) == NULL) {
		sim_not_found(c, SIM_RT_PODS, c->name);
		return;
	}
	sim_audit_object(c, pod);
	TAILQ_FOREACH(kv, &c->q, next)
		if (strcmp(kv->key, "command") == 0) {
			if (argc == SIM_EXEC_MAX_ARGS) {
				sim_reply_status(c, 400, "BadRequest",
				    "too many command arguments", NULL);
				return;
			}
			argv[argc++] = kv->value;
		}
	if (sim_exec_start(c->req, pod, sim_q(c, "container"), argv, argc,
	    &code, &msg) != 0) {
		sim_reply_status(c, code, code == 400 ? "BadRequest" :
		    "InternalError", msg, NULL);
		free(msg);
		return;
	}
	sim_audit_code(c, 101);
}
