/*
 * kube-probe: drives kube/ for the integration tests (tests/integration/
 * t02*.sh).  Not installed.
 *
 *   kube-probe [options] raw METHOD PATH [JSON]
 *   kube-probe [options] list KIND NS [LIMIT]
 *   kube-probe [options] create-svc NS NAME
 *   kube-probe [options] delete KIND NS NAME [uid=U] [rv=R] [foreground]
 *   kube-probe [options] logs NS POD [tail=N] [limit=B] [follow]
 *   kube-probe [options] watch-check NS COUNT ADMIN-CONTEXT
 *   kube-probe [options] patch KIND NS NAME JSON
 *   kube-probe [options] gets NS COUNT      (concurrent, prints seconds)
 *   kube-probe [options] watch-idle NS SECONDS
 *   kube-probe [options] faults NS COUNT ADMIN-CONTEXT
 *
 * options: --kubeconfig F --context C --retries N --budget-ms MS
 *   --watch-timeout S --connect-timeout-ms MS --qps Q --idle-timeout-ms MS
 */
#include <event2/event.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "kube.h"

static struct kube_config_opts copts;
static struct kube_client_opts kopts;
static int watch_timeout;

/* A client on base for a context (NULL: the options' one). */
static struct kube_client *
probe_client(struct event_base *base, const char *context)
{
	struct kube_config_opts o = copts;
	struct kube_config *cfg;
	struct kube_client *c;
	char *cause = NULL;

	if (context != NULL)
		o.context = context;
	if (kube_config_load(&o, &cfg, &cause) != 0 ||
	    (c = kube_client_new(base, cfg, &kopts, &cause)) == NULL) {
		fprintf(stderr, "kube-probe: %s\n", cause);
		exit(2);
	}
	return c;
}

/* Prints a response (JSON body to stdout, status and error to stderr)
 * and frees it; the probe's exit status, 1 for an error. */
static int
probe_report_take(struct kube_response *r)
{
	int ret = r->error != NULL;
	char *s;

	fprintf(stderr, "status=%d attempts=%d%s%s\n", r->status, r->attempts,
	    r->adopted ? " adopted" : "", r->leaving ? " leaving" : "");
	if (r->error != NULL) {
		s = kube_error_string(r->error);
		fprintf(stderr, "error: code=%d reason=%s message=%s\n",
		    r->error->code, r->error->reason, s);
		if (kube_is_quota_exceeded(r->error))
			fprintf(stderr, "quota-exceeded\n");
		free(s);
	} else if (r->body != NULL) {
		json_dumpf(r->body, stdout, JSON_COMPACT | JSON_SORT_KEYS);
		fputc('\n', stdout);
	} else if (r->text != NULL)
		fwrite(r->text, 1, r->text_len, stdout);
	kube_response_free(r);
	return ret;
}

/* A kind from its plural name. */
static enum kube_kind
probe_kind(const char *s)
{
	static const struct { const char *n; enum kube_kind k; } t[] = {
		{ "pods", KUBE_PODS }, { "nodes", KUBE_NODES },
		{ "namespaces", KUBE_NAMESPACES }, { "services", KUBE_SERVICES },
		{ "resourcequotas", KUBE_RESOURCEQUOTAS },
		{ "events", KUBE_EVENTS }, { "deployments", KUBE_DEPLOYMENTS },
		{ "jobs", KUBE_JOBS }, { "leases", KUBE_LEASES },
	};
	size_t i;

	for (i = 0; i < nitems(t); i++)
		if (strcmp(t[i].n, s) == 0)
			return t[i].k;
	fprintf(stderr, "kube-probe: unknown kind '%s'\n", s);
	exit(2);
}

/* A headless Service: cheap to create, no controller touches it. */
static json_t *
probe_svc(const char *name)
{
	return json_pack("{s:s,s:s,s:{s:s,s:{s:s,s:s}},s:{s:s,s:{s:s},"
	    "s:[{s:i}]}}", "apiVersion", "v1", "kind", "Service", "metadata",
	    "name", name, "labels", "app", "kube-probe", "probe-name", name,
	    "spec", "clusterIP", "None", "selector", "app", "none", "ports",
	    "port", 80);
}

/* Sets the simulator's faults through its admin endpoint. */
static void
probe_faults(struct kube_client *admin, const char *json)
{
	json_t *body = json_loads(json, 0, NULL);
	struct kube_response *r;

	r = kube_wait(admin, kube_request_raw(admin, "POST", "/sim/faults",
	    body, NULL, NULL, NULL));
	if (r->error != NULL) {
		fprintf(stderr, "kube-probe: setting faults %s failed\n", json);
		exit(1);
	}
	kube_response_free(r);
	json_decref(body);
}

/* Fails the probe if the simulator refused the faults. */
static void
probe_faults_done(struct kube_response *r, void *arg)
{
	if (r->error != NULL) {
		fprintf(stderr, "kube-probe: setting faults %s failed\n",
		    (const char *)arg);
		exit(1);
	}
}

/* The same from inside the loop: no kube_wait there. */
static void
probe_faults_async(struct kube_client *admin, const char *json)
{
	json_t *body = json_loads(json, 0, NULL);

	kube_request_raw(admin, "POST", "/sim/faults", body, NULL,
	    probe_faults_done, (void *)json);
	json_decref(body);
}

/* ---- watch-check: every object seen exactly once, none lost ---- */

struct wc {
	struct event_base *base;
	struct kube_client *c, *admin;
	struct kube_watch *w;
	const char *ns;
	int count, created, create_done, failures, adopted;
	char **have;                /* names in the watched state */
	char **have_rv;
	size_t nhave;
	int doubled, lost_delete, syncs, events, stale;
	struct event *tick;
	bool failed;
};

/* The index of a name in the watched state, or -1. */
static ssize_t
wc_find(struct wc *wc, const char *name)
{
	size_t i;

	for (i = 0; i < wc->nhave; i++)
		if (strcmp(wc->have[i], name) == 0)
			return (ssize_t)i;
	return -1;
}

/* Empties the watched state (before a SYNC). */
static void
wc_clear(struct wc *wc)
{
	size_t i;

	for (i = 0; i < wc->nhave; i++) {
		free(wc->have[i]);
		free(wc->have_rv[i]);
	}
	wc->nhave = 0;
}

/* Adds an object to the watched state. */
static void
wc_add(struct wc *wc, const char *name, const char *rv)
{
	wc->have = xreallocarray(wc->have, wc->nhave + 1, sizeof *wc->have);
	wc->have_rv = xreallocarray(wc->have_rv, wc->nhave + 1,
	    sizeof *wc->have_rv);
	wc->have[wc->nhave] = xstrdup(name);
	wc->have_rv[wc->nhave++] = xstrdup(rv != NULL ? rv : "");
}

/* Applies events as a cache would, flagging doubles and gaps. */
static void
wc_event(enum kube_event_type t, json_t *obj, const struct kube_error *err,
    void *arg)
{
	struct wc *wc = arg;
	const char *name = obj != NULL ? kube_obj_name(obj) : NULL;
	const char *rv = obj != NULL ? kube_obj_resource_version(obj) : NULL;
	json_t *it;
	ssize_t i;
	size_t k;

	switch (t) {
	case KUBE_EVENT_SYNC:
		wc->syncs++;
		wc_clear(wc);
		json_array_foreach(kube_list_items(obj), k, it)
			if (kube_obj_label(it, "app") != NULL && strcmp(
			    kube_obj_label(it, "app"), "kube-probe") == 0)
				wc_add(wc, kube_obj_name(it),
				    kube_obj_resource_version(it));
		printf("SYNC %zu rv=%s\n", wc->nhave,
		    kube_obj_resource_version(obj));
		return;
	case KUBE_EVENT_ADDED:
		wc->events++;
		if (wc_find(wc, name) >= 0) {
			printf("DOUBLED %s rv=%s\n", name, rv);
			wc->doubled++;
		} else
			wc_add(wc, name, rv);
		return;
	case KUBE_EVENT_MODIFIED:
		wc->events++;
		if ((i = wc_find(wc, name)) < 0)
			wc->stale++;
		else if (strcmp(wc->have_rv[i], rv) == 0) {
			printf("DOUBLED-MOD %s rv=%s\n", name, rv);
			wc->doubled++;
		}
		return;
	case KUBE_EVENT_DELETED:
		wc->events++;
		if ((i = wc_find(wc, name)) < 0)
			wc->lost_delete++;
		return;
	case KUBE_EVENT_FAILED:
		printf("FAILED %s\n", err != NULL ? err->message : "?");
		wc->failed = true;
		event_base_loopbreak(wc->base);
		return;
	}
}

/* Counts a finished create. */
static void
wc_created(struct kube_response *r, void *arg)
{
	struct wc *wc = arg;

	wc->create_done++;
	if (r->adopted)
		wc->adopted++;
	if (r->error != NULL) {
		char *s = kube_error_string(r->error);

		printf("CREATE-FAILED %s\n", s);
		free(s);
		wc->failures++;
	}
}

/* Creates the next object and switches faults at set points. */
static void
wc_tick(evutil_socket_t fd, short kind, void *arg)
{
	struct wc *wc = arg;
	struct timeval tv = { 0, 30000 };
	char name[64];
	json_t *o;

	(void)fd;
	(void)kind;
	if (wc->created < wc->count) {
		if (wc->created == wc->count / 4) {
			printf("FAULT expireWatches\n");
			probe_faults_async(wc->admin,
			    "{\"expireWatches\":true}");
		}
		if (wc->created == wc->count / 2) {
			printf("FAULT drop 0.3\n");
			probe_faults_async(wc->admin, "{\"drop\":0.3}");
		}
		if (wc->created == wc->count * 5 / 8) {
			printf("FAULT restart\n");
			probe_faults_async(wc->admin, "{\"restart\":true}");
		}
		if (wc->created == wc->count * 3 / 4) {
			printf("FAULT none\n");
			probe_faults_async(wc->admin, "{\"drop\":0}");
		}
		snprintf(name, sizeof name, "probe-%04d", wc->created++);
		o = probe_svc(name);
		kube_create(wc->c, KUBE_SERVICES, wc->ns, o, wc_created, wc);
		json_decref(o);
	} else if (wc->create_done == wc->count &&
	    wc->nhave >= (size_t)(wc->count - wc->failures)) {
		event_base_loopbreak(wc->base);
		return;
	}
	evtimer_add(wc->tick, &tv);
}

/* Watches while creating objects and switching faults. */
static int
probe_watch_check(struct event_base *base, struct kube_client *c,
    const char *ns, int count, const char *admin_ctx)
{
	struct kube_list_opts lo = { .label_selector = "app=kube-probe",
	    .timeout_seconds = watch_timeout > 0 ? watch_timeout : 2 };
	struct wc wc = { .base = base, .c = c, .ns = ns, .count = count };
	struct timeval tv = { 0, 100000 }, limit = { 60, 0 };
	int ret;

	wc.admin = probe_client(base, admin_ctx);
	wc.w = kube_watch_start(c, KUBE_SERVICES, ns, &lo, wc_event, &wc);
	wc.tick = evtimer_new(base, wc_tick, &wc);
	evtimer_add(wc.tick, &tv);
	event_base_loopexit(base, &limit);
	event_base_dispatch(base);
	printf("adopted=%d\n", wc.adopted);
	printf("created=%d create_failures=%d seen=%zu doubled=%d "
	    "lost_delete=%d stale=%d syncs=%d streams=%d relists=%d "
	    "bookmarks=%d rv=%s\n",
	    wc.created, wc.failures, wc.nhave, wc.doubled, wc.lost_delete,
	    wc.stale, wc.syncs, kube_watch_streams(wc.w),
	    kube_watch_relists(wc.w), kube_watch_bookmarks(wc.w),
	    kube_watch_resource_version(wc.w));
	ret = !wc.failed && wc.doubled == 0 && wc.failures == 0 &&
	    wc.nhave == (size_t)count ? 0 : 1;
	probe_faults(wc.admin, "{\"drop\":0}");
	kube_watch_stop(wc.w);
	event_free(wc.tick);
	wc_clear(&wc);
	free(wc.have);
	free(wc.have_rv);
	kube_client_free(wc.admin);
	return ret;
}

/* ---- watch-idle: a quiet watch, for bookmarks ---- */

/* Reports a failed quiet watch. */
static void
wi_event(enum kube_event_type t, json_t *obj, const struct kube_error *err,
    void *arg)
{
	(void)obj;
	(void)arg;
	if (t == KUBE_EVENT_FAILED)
		printf("FAILED %s\n", err != NULL ? err->message : "?");
}

/* Keeps a quiet watch open and counts its bookmarks. */
static int
probe_watch_idle(struct event_base *base, struct kube_client *c,
    const char *ns, int seconds)
{
	struct kube_list_opts lo = { .label_selector = "app=nothing-here",
	    .timeout_seconds = watch_timeout > 0 ? watch_timeout : 60 };
	struct timeval limit = { seconds, 0 };
	struct kube_watch *w;
	char *first;
	int ret;

	w = kube_watch_start(c, KUBE_SERVICES, ns, &lo, wi_event, NULL);
	while (*kube_watch_resource_version(w) == '\0')
		event_base_loop(base, EVLOOP_ONCE);
	first = xstrdup(kube_watch_resource_version(w));
	event_base_loopexit(base, &limit);
	event_base_dispatch(base);
	printf("bookmarks=%d streams=%d relists=%d first_rv=%s rv=%s\n",
	    kube_watch_bookmarks(w), kube_watch_streams(w),
	    kube_watch_relists(w), first, kube_watch_resource_version(w));
	ret = kube_watch_bookmarks(w) > 0 ? 0 : 1;
	free(first);
	kube_watch_stop(w);
	return ret;
}

/* ---- faults: GETs and creates under 500s, 429s and drops ---- */

struct fc {
	int done, ok, failed, adopted, attempts;
};

/* Counts a finished request under faults. */
static void
fc_done(struct kube_response *r, void *arg)
{
	struct fc *fc = arg;

	fc->done++;
	fc->attempts += r->attempts;
	if (r->adopted)
		fc->adopted++;
	if (r->error == NULL)
		fc->ok++;
	else {
		char *s = kube_error_string(r->error);

		printf("FAILED code=%d reason=%s: %s\n", r->error->code,
		    r->error->reason, s);
		free(s);
		fc->failed++;
	}
}

/* Runs GETs and creates under 500s, 429s and drops. */
static int
probe_fault_run(struct event_base *base, struct kube_client *c,
    const char *ns, int count, const char *admin_ctx)
{
	struct kube_client *admin = probe_client(base, admin_ctx);
	struct fc gets = { 0 }, creates = { 0 };
	char name[64];
	json_t *o;
	int i;

	probe_faults(admin, "{\"error500\":0.2,\"error429\":0.1,"
	    "\"retryAfterSeconds\":1,\"drop\":0.05}");
	for (i = 0; i < count; i++) {
		kube_get(c, KUBE_NAMESPACES, NULL, ns, fc_done, &gets);
		snprintf(name, sizeof name, "fault-%04d", i);
		o = probe_svc(name);
		kube_create(c, KUBE_SERVICES, ns, o, fc_done, &creates);
		json_decref(o);
	}
	while (gets.done + creates.done < 2 * count)
		event_base_loop(base, EVLOOP_ONCE);
	probe_faults(admin, "{\"error500\":0,\"error429\":0,\"drop\":0}");
	printf("gets ok=%d failed=%d attempts=%d\n", gets.ok, gets.failed,
	    gets.attempts);
	printf("creates ok=%d failed=%d attempts=%d adopted=%d\n", creates.ok,
	    creates.failed, creates.attempts, creates.adopted);
	kube_client_free(admin);
	return gets.failed == 0 && creates.failed == 0 ? 0 : 1;
}

/* Prints streamed log bytes as they arrive. */
static void
probe_log_data(const char *p, size_t n, void *arg)
{
	(void)arg;
	fwrite(p, 1, n, stdout);
	fflush(stdout);
}

/* Parses the command line and runs one probe. */
int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "kubeconfig", required_argument, NULL, 'k' },
		{ "context", required_argument, NULL, 'c' },
		{ "retries", required_argument, NULL, 'r' },
		{ "budget-ms", required_argument, NULL, 'b' },
		{ "watch-timeout", required_argument, NULL, 'w' },
		{ "connect-timeout-ms", required_argument, NULL, 't' },
		{ "qps", required_argument, NULL, 'q' },
		{ "idle-timeout-ms", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 }
	};
	struct event_base *base;
	struct kube_client *c;
	struct kube_response *r;
	struct kube_request *req;
	json_t *body = NULL;
	int ch, ret = 2, i;

	log_init("kube-probe", LOG_LEVEL_WARN);
	while ((ch = getopt_long(argc, argv, "+", lo, NULL)) != -1) {
		switch (ch) {
		case 'k': copts.kubeconfig = optarg; break;
		case 'c': copts.context = optarg; break;
		case 'r': kopts.max_retries = atoi(optarg); break;
		case 'b': kopts.retry_budget_ms = atoi(optarg); break;
		case 'w': watch_timeout = atoi(optarg); break;
		case 't': kopts.connect_timeout_ms = atoi(optarg); break;
		case 'q': kopts.qps = atof(optarg); kopts.burst = 1; break;
		case 'i': kopts.idle_timeout_ms = atoi(optarg); break;
		default: return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		return 2;
	base = event_base_new();
	c = probe_client(base, NULL);
	if (strcmp(argv[0], "raw") == 0 && argc >= 3) {
		if (argc >= 4 && (body = json_loads(argv[3], 0, NULL)) == NULL)
			return 2;
		r = kube_wait(c, kube_request_raw(c, argv[1], argv[2], body,
		    NULL, NULL, NULL));
		ret = probe_report_take(r);
		json_decref(body);
	} else if (strcmp(argv[0], "list") == 0 && argc >= 3) {
		struct kube_list_opts o = { .limit = argc >= 4 ?
		    atoi(argv[3]) : 0 };

		r = kube_wait(c, kube_list(c, probe_kind(argv[1]),
		    strcmp(argv[2], "-") == 0 ? NULL : argv[2], &o, NULL,
		    NULL));
		if (r->error == NULL)
			printf("items=%zu rv=%s\n", json_array_size(
			    kube_list_items(r->body)),
			    kube_obj_resource_version(r->body));
		ret = probe_report_take(r);
	} else if (strcmp(argv[0], "create-svc") == 0 && argc >= 3) {
		body = probe_svc(argv[2]);
		r = kube_wait(c, kube_create(c, KUBE_SERVICES, argv[1], body,
		    NULL, NULL));
		ret = probe_report_take(r);
		json_decref(body);
	} else if (strcmp(argv[0], "create-svc-owned") == 0 && argc >= 3) {
		/* Identity: the probe's labels; "hold" adds a finalizer. */
		body = probe_svc(argv[2]);
		if (argc >= 4 && strcmp(argv[3], "hold") == 0)
			json_object_set_new(json_object_get(body, "metadata"),
			    "finalizers", json_pack("[s]", "example.com/hold"));
		r = kube_wait(c, kube_create_owned(c, KUBE_SERVICES, argv[1],
		    body, json_object_get(json_object_get(body, "metadata"),
		    "labels"), NULL, NULL));
		ret = probe_report_take(r);
		json_decref(body);
	} else if (strcmp(argv[0], "delete") == 0 && argc >= 4) {
		struct kube_delete_opts o = { .grace_seconds = -1 };

		for (i = 4; i < argc; i++) {
			if (has_prefix(argv[i], "uid="))
				o.uid = argv[i] + 4;
			else if (has_prefix(argv[i], "rv="))
				o.resource_version = argv[i] + 3;
			else if (strcmp(argv[i], "foreground") == 0)
				o.propagation = KUBE_PROPAGATION_FOREGROUND;
		}
		r = kube_wait(c, kube_delete(c, probe_kind(argv[1]), argv[2],
		    argv[3], &o, NULL, NULL));
		ret = probe_report_take(r);
	} else if (strcmp(argv[0], "patch") == 0 && argc >= 5) {
		char *path = kube_path(probe_kind(argv[1]), argv[2], argv[3]);

		if ((body = json_loads(argv[4], 0, NULL)) == NULL)
			return 2;
		r = kube_wait(c, kube_request_raw(c, "PATCH", path, body,
		    "application/merge-patch+json", NULL, NULL));
		free(path);
		ret = probe_report_take(r);
		json_decref(body);
	} else if (strcmp(argv[0], "gets") == 0 && argc >= 3) {
		struct fc fc = { 0 };
		int64_t t0 = now_ms();

		for (i = 0; i < atoi(argv[2]); i++)
			kube_get(c, KUBE_NAMESPACES, NULL, argv[1], fc_done, &fc);
		while (fc.done < atoi(argv[2]))
			event_base_loop(base, EVLOOP_ONCE);
		printf("ok=%d failed=%d seconds=%.2f\n", fc.ok, fc.failed,
		    (double)(now_ms() - t0) / 1000.0);
		ret = fc.failed == 0 ? 0 : 1;
	} else if (strcmp(argv[0], "logs") == 0 && argc >= 3) {
		struct kube_log_opts o = { .tail_lines = -1 };

		for (i = 3; i < argc; i++) {
			if (has_prefix(argv[i], "tail="))
				o.tail_lines = atoi(argv[i] + 5);
			else if (has_prefix(argv[i], "limit="))
				o.limit_bytes = atoll(argv[i] + 6);
			else if (strcmp(argv[i], "follow") == 0)
				o.follow = true;
		}
		req = kube_pod_logs(c, argv[1], argv[2], &o,
		    o.follow ? probe_log_data : NULL, NULL, NULL);
		r = kube_wait(c, req);
		ret = probe_report_take(r);
	} else if (strcmp(argv[0], "watch-check") == 0 && argc >= 4)
		ret = probe_watch_check(base, c, argv[1], atoi(argv[2]),
		    argv[3]);
	else if (strcmp(argv[0], "watch-idle") == 0 && argc >= 3)
		ret = probe_watch_idle(base, c, argv[1], atoi(argv[2]));
	else if (strcmp(argv[0], "faults") == 0 && argc >= 4)
		ret = probe_fault_run(base, c, argv[1], atoi(argv[2]), argv[3]);
	else
		fprintf(stderr, "kube-probe: bad command line\n");
	kube_client_free(c);
	event_base_free(base);
	return ret;
}
