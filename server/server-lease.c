/*
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go's
 * leaderelection does it: the holder renews the Lease every retry period
 * with an update guarded by its resourceVersion; a candidate takes it over
 * only after it has seen the same record unchanged for a whole lease
 * duration (judged by its own clock, so clock skew between replicas does
 * not matter); a holder that cannot renew for two thirds of the duration
 * steps down before anyone may take over.  Each call has a deadline (a
 * third of the duration, and never past the holder's step-down), and the
 * step-down has a timer of its own: the scheduler's client it shares may
 * wait a minute for a slow cluster, far longer than the Lease lasts, and
 * a holder must stop before another replica may start, not when its
 * renewal finally fails.  Stopping is the owner's callback (cmd-serve.c):
 * it aborts the scheduler's pass in flight, cancelling its requests.
 */
#include "server-int.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kube.h"

struct server_lease {
	struct event_base *base;
	struct kube_client *kube;
	char *name;
	char *ns;
	char *identity;
	int64_t duration_ms;
	server_lease_cb cb;
	void *arg;
	struct event *timer;
	struct event *deadline;      /* of the call in flight */
	struct event *stepdown;      /* the holder's, 2/3 of the duration on */
	struct kube_request *req;
	bool leader;
	int64_t sent_at;             /* when the call in flight was sent */
	int64_t renewed_at;          /* when our last successful write was
	                              * sent: the record is no older */
	char *seen;                  /* the record last seen: holder|renew|rv */
	int64_t seen_at;             /* when it last changed */
	json_t *lease;               /* the last Lease read */
};

static void server_lease_arm(struct server_lease *, int64_t);
static void server_lease_timer_add(struct event *, int64_t);

/* Now as a MicroTime ("2026-11-29T08:30:00.123456Z"). */
static char *
server_lease_time(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return time_format_rfc3339_micro((int64_t)ts.tv_sec * 1000000 +
	    ts.tv_nsec / 1000);
}

/* Becomes, or stops being, the leader, and says so once. */
static void
server_lease_set(struct server_lease *l, bool leader)
{
	if (l->leader == leader)
		return;
	l->leader = leader;
	if (!leader)
		evtimer_del(l->stepdown);
	log_info("lease %s/%s: %s", l->ns, l->name, leader ?
	    "acquired: this replica schedules" :
	    "lost: this replica stops scheduling");
	l->cb(leader, l->arg);
}

/*
 * A call goes out: its deadline is a third of the duration, and for the
 * holder never later than its step-down, so that the answer to a call
 * still counts when it comes and a slow cluster costs a retry, not the
 * client's request timeout.
 */
static void
server_lease_sent(struct server_lease *l)
{
	int64_t ms = l->duration_ms / 3;

	l->sent_at = now_ms();
	if (l->leader && l->renewed_at + l->duration_ms * 2 / 3 - l->sent_at <
	    ms)
		ms = l->renewed_at + l->duration_ms * 2 / 3 - l->sent_at;
	server_lease_timer_add(l->deadline, ms);
}

/* The call in flight got no answer in time: cancelled (its callback is
 * not called) and counted as failed; the next look comes a period on. */
static void
server_lease_deadline(evutil_socket_t fd, short ev, void *arg)
{
	struct server_lease *l = arg;

	(void)fd;
	(void)ev;
	if (l->req == NULL)
		return;
	kube_request_cancel(l->req);
	l->req = NULL;
	log_warnx("lease %s/%s: the cluster did not answer within %" PRId64
	    " ms", l->ns, l->name, now_ms() - l->sent_at);
	if (l->leader && now_ms() - l->renewed_at >= l->duration_ms * 2 / 3)
		server_lease_set(l, false);
	server_lease_arm(l, l->duration_ms / 5);
}

/*
 * Two thirds of the duration since the holder's last renewal was sent,
 * and none has succeeded since: it stops scheduling now, whatever call is
 * still in flight, a third of the duration before any other replica may
 * take over.  It keeps looking: a record still its own is renewed (the
 * guarded update fails if anyone else wrote it).
 */
static void
server_lease_stepdown(evutil_socket_t fd, short ev, void *arg)
{
	struct server_lease *l = arg;

	(void)fd;
	(void)ev;
	if (!l->leader)
		return;
	log_warnx("lease %s/%s: not renewed for %" PRId64 " ms", l->ns,
	    l->name, now_ms() - l->renewed_at);
	if (l->req != NULL) {
		kube_request_cancel(l->req);
		l->req = NULL;
		evtimer_del(l->deadline);
		server_lease_arm(l, 0);
	}
	server_lease_set(l, false);
}

/* The answer to a create or an update: ours now, or not. */
static void
server_lease_written(struct kube_response *resp, void *arg)
{
	struct server_lease *l = arg;
	char *msg;

	l->req = NULL;
	evtimer_del(l->deadline);
	if (resp->error == NULL) {
		/* Another replica judges the record from when it saw it
		 * change, which is after we sent it. */
		l->renewed_at = l->sent_at;
		json_decref(l->lease);
		l->lease = kube_response_take_body(resp);
		server_lease_timer_add(l->stepdown, l->renewed_at +
		    l->duration_ms * 2 / 3 - now_ms());
		server_lease_set(l, true);
		server_lease_arm(l, l->duration_ms / 5);
		return;
	}
	if (!kube_is_conflict(resp->error) &&
	    !kube_is_already_exists(resp->error)) {
		msg = kube_error_string(resp->error);
		log_warnx("lease %s/%s: %s", l->ns, l->name, msg);
		free(msg);
	}
	if (l->leader && now_ms() - l->renewed_at > l->duration_ms * 2 / 3)
		server_lease_set(l, false);
	server_lease_arm(l, kube_is_conflict(resp->error) ? 200 :
	    l->duration_ms / 5);
}

/* Writes the Lease with us as holder (update when rv, else create). */
static void
server_lease_write(struct server_lease *l, const json_t *cur, bool renew)
{
	json_t *obj, *spec;
	char *t = server_lease_time(), *path;
	json_int_t transitions;

	spec = json_object_get(cur, "spec");
	transitions = json_integer_value(json_object_get(spec,
	    "leaseTransitions"));
	obj = json_pack("{s:s,s:s,s:{s:s,s:s},s:{s:s,s:i,s:s,s:I}}",
	    "apiVersion", "coordination.k8s.io/v1", "kind", "Lease",
	    "metadata", "name", l->name, "namespace", l->ns,
	    "spec", "holderIdentity", l->identity, "leaseDurationSeconds",
	    (int)(l->duration_ms / 1000), "renewTime", t, "leaseTransitions",
	    renew ? transitions : transitions + (cur != NULL ? 1 : 0));
	if (renew && json_string_value(json_object_get(spec,
	    "acquireTime")) != NULL)
		json_object_set(json_object_get(obj, "spec"), "acquireTime",
		    json_object_get(spec, "acquireTime"));
	else
		json_object_set_new(json_object_get(obj, "spec"), "acquireTime",
		    json_string(t));
	free(t);
	server_lease_sent(l);
	if (cur == NULL) {
		l->req = kube_create(l->kube, KUBE_LEASES, l->ns, obj,
		    server_lease_written, l);
	} else {
		json_object_set_new(json_object_get(obj, "metadata"),
		    "resourceVersion", json_string(
		    kube_obj_resource_version(cur)));
		path = kube_path(KUBE_LEASES, l->ns, l->name);
		l->req = kube_request_raw(l->kube, "PUT", path, obj,
		    "application/json", server_lease_written, l);
		free(path);
	}
	json_decref(obj);
}

/* The Lease as read: renew it, wait, or take it over. */
static void
server_lease_read(struct kube_response *resp, void *arg)
{
	struct server_lease *l = arg;
	const char *holder, *renew;
	json_t *spec;
	char *seen, *msg;
	int64_t now = now_ms();

	l->req = NULL;
	evtimer_del(l->deadline);
	if (resp->error != NULL && kube_is_not_found(resp->error)) {
		server_lease_write(l, NULL, false);
		return;
	}
	if (resp->error != NULL) {
		msg = kube_error_string(resp->error);
		log_warnx("lease %s/%s: %s", l->ns, l->name, msg);
		free(msg);
		if (l->leader && now - l->renewed_at > l->duration_ms * 2 / 3)
			server_lease_set(l, false);
		server_lease_arm(l, l->duration_ms / 5);
		return;
	}
	spec = json_object_get(resp->body, "spec");
	holder = json_string_value(json_object_get(spec, "holderIdentity"));
	renew = json_string_value(json_object_get(spec, "renewTime"));
	if (holder != NULL && strcmp(holder, l->identity) == 0) {
		server_lease_write(l, resp->body, true);
		return;
	}
	server_lease_set(l, false);
	seen = xprintf("%s|%s|%s", holder != NULL ? holder : "",
	    renew != NULL ? renew : "",
	    kube_obj_resource_version(resp->body) != NULL ?
	    kube_obj_resource_version(resp->body) : "");
	if (l->seen == NULL || strcmp(seen, l->seen) != 0) {
		free(l->seen);
		l->seen = seen;
		l->seen_at = now;
	} else
		free(seen);
	if (holder == NULL || *holder == '\0' ||
	    now - l->seen_at >= l->duration_ms) {
		if (holder != NULL && *holder != '\0')
			log_info("lease %s/%s: holder '%s' stopped renewing; "
			    "taking over", l->ns, l->name, holder);
		server_lease_write(l, resp->body, false);
		return;
	}
	server_lease_arm(l, l->duration_ms / 5);
}

/* Time to look at the Lease again. */
static void
server_lease_timer(evutil_socket_t fd, short ev, void *arg)
{
	struct server_lease *l = arg;

	(void)fd;
	(void)ev;
	server_lease_sent(l);
	l->req = kube_get(l->kube, KUBE_LEASES, l->ns, l->name,
	    server_lease_read, l);
}

/* Arms a timer ms from now (at once when ms is not positive). */
static void
server_lease_timer_add(struct event *ev, int64_t ms)
{
	struct timeval tv;

	if (ms < 0)
		ms = 0;
	tv = time_tv_ms(ms);
	evtimer_add(ev, &tv);
}

/* Arms the timer of the next look at the Lease. */
static void
server_lease_arm(struct server_lease *l, int64_t ms)
{
	server_lease_timer_add(l->timer, ms);
}

/* See server.h. */
struct server_lease *
server_lease_new(struct event_base *base, struct kube_client *kube,
    const struct server_config *cfg, server_lease_cb cb, void *arg)
{
	struct server_lease *l = xcalloc(1, sizeof *l);
	char host[256];

	l->base = base;
	l->kube = kube;
	l->name = xstrdup(cfg->lease_name);
	l->ns = xstrdup(cfg->lease_namespace);
	if (cfg->identity != NULL)
		l->identity = xstrdup(cfg->identity);
	else {
		if (gethostname(host, sizeof host) != 0)
			snprintf(host, sizeof host, "%s", "ailab-queue");
		host[sizeof host - 1] = '\0';
		l->identity = xprintf("%s-%ld", host, (long)getpid());
	}
	l->duration_ms = (int64_t)cfg->lease_duration_s * 1000;
	l->cb = cb;
	l->arg = arg;
	l->timer = evtimer_new(base, server_lease_timer, l);
	l->deadline = evtimer_new(base, server_lease_deadline, l);
	l->stepdown = evtimer_new(base, server_lease_stepdown, l);
	log_info("lease %s/%s: candidate '%s'", l->ns, l->name, l->identity);
	server_lease_arm(l, 0);
	return l;
}

/*
 * Empties holderIdentity in a copy of the record cur and writes it back;
 * the answer's status.  A renewal cancelled in flight may have reached the
 * cluster, making cur one version old: the caller reads it again then.
 */
static int
server_lease_release(struct server_lease *l, const json_t *cur)
{
	struct kube_response *resp;
	json_t *obj = json_deep_copy(cur);
	char *path = kube_path(KUBE_LEASES, l->ns, l->name);
	int status;

	json_object_set_new(json_object_get(obj, "spec"), "holderIdentity",
	    json_string(""));
	resp = kube_wait(l->kube, kube_request_raw(l->kube, "PUT", path, obj,
	    "application/json", NULL, NULL));
	status = resp->error == NULL ? 200 : resp->status;
	if (resp->error == NULL)
		log_info("lease %s/%s: released", l->ns, l->name);
	kube_response_free(resp);
	free(path);
	json_decref(obj);
	return status;
}

/* See server.h: a holder empties holderIdentity so that the next replica
 * need not wait a whole duration (as client-go's ReleaseOnCancel); on a
 * conflict, once more with the record read again, if it is still ours. */
void
server_lease_free(struct server_lease *l)
{
	struct kube_response *resp;
	const char *holder;
	char *path;

	if (l == NULL)
		return;
	if (l->req != NULL)
		kube_request_cancel(l->req);
	event_free(l->timer);
	event_free(l->deadline);
	event_free(l->stepdown);
	if (l->leader && l->lease != NULL &&
	    server_lease_release(l, l->lease) == 409) {
		path = kube_path(KUBE_LEASES, l->ns, l->name);
		resp = kube_wait(l->kube, kube_request_raw(l->kube, "GET",
		    path, NULL, NULL, NULL, NULL));
		holder = json_string_value(json_object_get(json_object_get(
		    resp->body, "spec"), "holderIdentity"));
		if (resp->error == NULL && holder != NULL &&
		    strcmp(holder, l->identity) == 0)
			(void)server_lease_release(l, resp->body);
		kube_response_free(resp);
		free(path);
	}
	json_decref(l->lease);
	free(l->seen);
	free(l->name);
	free(l->ns);
	free(l->identity);
	free(l);
}
