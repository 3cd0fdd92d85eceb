/*
 * POST /sim/preload: many Running pods at once, for benchmarks and tests
 * that need a full cluster without creating it one HTTP request a pod.
 * Each pod goes the way a created pod goes (admission with defaults and
 * quota, the scheduler's binding, the kubelet's start), in one call; the
 * request is refused before anything is created when the namespaces, the
 * names, the quotas or the nodes' room cannot take every pod.
 */
#include "sim-api.h"

#include <ctype.h>

#define SIM_PRELOAD_MAX 100000		/* pods in one request */
#define SIM_PRELOAD_NS_MAX 1000		/* namespaces in one request */
#define SIM_PRELOAD_PREFIX_MAX 200	/* leaves room for the index */

/* What a preload request asks for. */
struct sim_preload {
	int64_t count;
	int64_t first;		/* index of the first pod's name */
	const char *prefix;	/* borrowed from the body */
	json_t *namespaces;	/* array of names (new reference) */
	json_t *tmpl;		/* the pod template (new reference) */
};

/* The template when the request gives none: a small pod that runs for ever. */
static json_t *
sim_preload_default_template(void)
{
	return json_pack("{s{s{ss}s{ss}}s{s[{sssss{s{ssss}}}]}}",
	    "metadata", "labels", "app", "preload", "annotations",
	    "ailab-kubesim.io/duration", "forever",
	    "spec", "containers", "name", "c", "image", "preload",
	    "resources", "requests", "cpu", "100m", "memory", "128Mi");
}

/* True if a name prefix gives valid pod names once an index follows it. */
static bool
sim_preload_prefix_ok(const char *p)
{
	size_t i, n = strlen(p);

	if (n > SIM_PRELOAD_PREFIX_MAX ||
	    (n > 0 && !isalnum((unsigned char)p[0])))
		return false;
	for (i = 0; i < n; i++) {
		if (!islower((unsigned char)p[i]) && !isdigit((unsigned char)p[i]) &&
		    p[i] != '-' && p[i] != '.')
			return false;
	}
	return true;
}

/* A 400 BadRequest Status naming the field at fault. */
static json_t *
sim_preload_bad(const char *msg)
{
	return sim_status_new(400, "BadRequest", msg, NULL);
}

/*
 * Reads the request's fields, each bounded: count, firstIndex, namePrefix,
 * namespaces and template; 0, or -1 with the Status to answer.
 */
static int
sim_preload_parse(json_t *body, struct sim_preload *p, json_t **status)
{
	json_t *v = json_object_get(body, "count"), *ns;
	const char *k;
	size_t i;

	memset(p, 0, sizeof *p);
	json_object_foreach(body, k, v) {
		if (strcmp(k, "count") != 0 && strcmp(k, "firstIndex") != 0 &&
		    strcmp(k, "namePrefix") != 0 &&
		    strcmp(k, "namespaces") != 0 && strcmp(k, "template") != 0) {
			char *m = xprintf("unknown field \"%s\"", k);

			*status = sim_preload_bad(m);
			free(m);
			return -1;
		}
	}
	v = json_object_get(body, "count");
	if (!json_is_integer(v) || json_integer_value(v) < 1 ||
	    json_integer_value(v) > SIM_PRELOAD_MAX) {
		*status = sim_preload_bad("count: an integer from 1 to 100000");
		return -1;
	}
	p->count = json_integer_value(v);
	v = json_object_get(body, "firstIndex");
	if (v != NULL && (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > 1000000000)) {
		*status = sim_preload_bad("firstIndex: an integer from 0 to "
		    "1000000000");
		return -1;
	}
	p->first = v != NULL ? json_integer_value(v) : 0;
	v = json_object_get(body, "namePrefix");
	p->prefix = v != NULL ? json_string_value(v) : "preload-";
	if (p->prefix == NULL || !sim_preload_prefix_ok(p->prefix)) {
		*status = sim_preload_bad("namePrefix: at most 200 lowercase "
		    "letters, digits, '-' or '.', starting with a letter or "
		    "digit");
		return -1;
	}
	v = json_object_get(body, "namespaces");
	if (v == NULL)
		v = json_pack("[s]", "default");
	else if (!json_is_array(v) || json_array_size(v) == 0 ||
	    json_array_size(v) > SIM_PRELOAD_NS_MAX) {
		*status = sim_preload_bad("namespaces: a list of 1 to 1000 "
		    "namespace names");
		return -1;
	} else
		json_incref(v);
	p->namespaces = v;
	json_array_foreach(v, i, ns) {
		size_t j;

		for (j = 0; j < i && json_is_string(ns); j++) {
			if (json_equal(ns, json_array_get(v, j)))
				break;
		}
		if (!json_is_string(ns) || j < i) {
			*status = sim_preload_bad("namespaces: a list of 1 to "
			    "1000 different namespace names");
			return -1;
		}
	}
	v = json_object_get(body, "template");
	if (v != NULL && !json_is_object(v)) {
		*status = sim_preload_bad("template: a pod object");
		return -1;
	}
	p->tmpl = v != NULL ? json_deep_copy(v) : sim_preload_default_template();
	return 0;
}

/* The namespace of pod i: the list in turn, so they share pods evenly. */
static const char *
sim_preload_ns(const struct sim_preload *p, int64_t i)
{
	return json_string_value(json_array_get(p->namespaces,
	    (size_t)(i % (int64_t)json_array_size(p->namespaces))));
}

/* Pod i of the request, as a client would send it (new reference). */
static json_t *
sim_preload_pod(const struct sim_preload *p, int64_t i)
{
	json_t *pod = json_deep_copy(p->tmpl);
	char *name = xprintf("%s%lld", p->prefix, (long long)(p->first + i));

	sim_set(pod, "metadata.name", json_string(name));
	sim_set(pod, "metadata.namespace", json_string(sim_preload_ns(p, i)));
	free(name);
	return pod;
}

/*
 * Every namespace exists and takes new content, no name is taken, and the
 * template leaves placement to the scheduler; 0, or -1 with a Status.
 */
static int
sim_preload_check_names(struct sim *sim, const struct sim_preload *p,
    json_t **status)
{
	const char *ns, *tmpl_ns = sim_str(p->tmpl, "metadata.namespace");
	json_t *nso, *v;
	int64_t i;
	size_t j;
	char *m, *name;

	if (sim_path(p->tmpl, "metadata.name") != NULL ||
	    sim_path(p->tmpl, "metadata.generateName") != NULL ||
	    (tmpl_ns != NULL && *tmpl_ns != '\0')) {
		*status = sim_preload_bad("template: the preload names the pods "
		    "and picks their namespaces (namePrefix, namespaces)");
		return -1;
	}
	if (sim_path(p->tmpl, "spec.nodeName") != NULL ||
	    sim_pod_has_claims(p->tmpl)) {
		*status = sim_status_new(422, "Invalid", "template: pods are "
		    "placed by the scheduler (no spec.nodeName) and mount no "
		    "claims", NULL);
		return -1;
	}
	json_array_foreach(p->namespaces, j, v) {
		ns = json_string_value(v);
		if ((nso = sim_get(sim, SIM_RT_NAMESPACES, NULL, ns)) == NULL) {
			m = xprintf("namespaces \"%s\" not found", ns);
			*status = sim_status_new(404, "NotFound", m, json_pack(
			    "{ssss}", "name", ns, "kind", "namespaces"));
			free(m);
			return -1;
		}
		if (sim_path(nso, "metadata.deletionTimestamp") != NULL) {
			m = xprintf("unable to create new content in namespace "
			    "%s because it is being terminated", ns);
			*status = sim_status_new(403, "Forbidden", m, NULL);
			free(m);
			return -1;
		}
	}
	for (i = 0; i < p->count; i++) {
		name = xprintf("%s%lld", p->prefix, (long long)(p->first + i));
		ns = sim_preload_ns(p, i);
		if (sim_get(sim, SIM_RT_PODS, ns, name) != NULL) {
			m = xprintf("pods \"%s\" already exists in namespace %s",
			    name, ns);
			*status = sim_status_new(409, "AlreadyExists", m,
			    json_pack("{ssss}", "name", name, "kind", "pods"));
			free(m);
			free(name);
			return -1;
		}
		free(name);
	}
	return 0;
}

/* Multiplies every entry of a usage vector by n (in place). */
static void
sim_preload_scale(json_t *use, int64_t n)
{
	const char *k;
	json_t *v;

	json_object_foreach(use, k, v)
		json_integer_set(v, json_integer_value(v) * n);
}

/*
 * Quota admission of all the pods of each namespace at once, as the
 * apiserver would admit them one after another: 0, or -1 with the 403.
 */
static int
sim_preload_check_quota(struct sim *sim, const struct sim_preload *p,
    json_t *proto, json_t **status)
{
	int64_t k = (int64_t)json_array_size(p->namespaces), n;
	json_t *v, *quotas, *use;
	const char *ns;
	char *m = NULL, *full;
	size_t i;
	int rc = 0;

	json_array_foreach(p->namespaces, i, v) {
		ns = json_string_value(v);
		n = p->count / k + ((int64_t)i < p->count % k ? 1 : 0);
		if (n == 0)
			continue;
		quotas = sim_ns_quotas(sim, ns);
		use = sim_pod_usage(proto, true);
		sim_preload_scale(use, n);
		rc = sim_quota_admit(quotas, json_object_get(sim->ns_use, ns),
		    use, proto, &m);
		json_decref(quotas);
		json_decref(use);
		if (rc != 0) {
			full = xprintf("pods \"%s\" is forbidden: %s (%lld pods "
			    "in namespace %s)", sim_str(proto, "metadata.name"),
			    m, (long long)n, ns);
			*status = sim_status_new(403, "Forbidden", full, NULL);
			free(full);
			free(m);
			return -1;
		}
	}
	return 0;
}

/*
 * Refuses what could not be created and run whole: namespaces, names,
 * quotas, then the nodes' room for the template's requests; 0 or -1 with
 * a Status.
 */
static int
sim_preload_check(struct sim *sim, const struct sim_preload *p,
    json_t **status)
{
	json_t *proto;
	int64_t room;
	char *why, *m;
	int rc = -1;

	if (sim_preload_check_names(sim, p, status) != 0)
		return -1;
	/* The first pod with the apiserver's defaults, as the scheduler sees. */
	proto = sim_preload_pod(p, 0);
	sim_pod_defaults(sim_child(proto, "spec"));
	sim_pod_admit(proto);
	if (sim_preload_check_quota(sim, p, proto, status) != 0)
		goto out;
	room = sim_sched_room(sim, proto, p->count, &why);
	if (room < p->count) {
		m = xprintf("the nodes have room for %lld of the %lld pods%s%s",
		    (long long)room, (long long)p->count, why ? ": " : "",
		    why ? why : "");
		*status = sim_status_new(409, "Conflict", m, NULL);
		free(m);
		free(why);
		goto out;
	}
	free(why);
	rc = 0;
out:
	json_decref(proto);
	return rc;
}

/*
 * Takes the new pods through the scheduler and straight to their kubelet's
 * start (no ContainerCreating wait), then lets the quota controller write
 * status.used; returns how many run.
 */
static int64_t
sim_preload_start(struct sim *sim, json_t *keys)
{
	json_t *k, *pod;
	int64_t now, running = 0;
	const char *s;
	size_t i;

	sim_sched_pass(sim);
	now = sim_now(sim);
	json_array_foreach(keys, i, k) {
		s = json_string_value(k);
		pod = sim_pod_at(sim, s);
		if (pod != NULL && sim_str(pod, "spec.nodeName") != NULL &&
		    json_object_get(sim->kubelet, s) != NULL)
			sim_kubelet_arm(sim, s, now);
	}
	sim_kubelet_pass(sim);
	sim_ctrl_pass(sim);
	json_array_foreach(keys, i, k) {
		pod = sim_pod_at(sim, json_string_value(k));
		if (pod != NULL && sim_str(pod, "status.phase") != NULL &&
		    strcmp(sim_str(pod, "status.phase"), "Running") == 0)
			running++;
	}
	return running;
}

/* Undoes the pods created so far when a later one was refused after all. */
static void
sim_preload_undo(struct sim *sim, json_t *keys)
{
	const char *s, *slash;
	json_t *k;
	size_t i;
	char *ns;

	json_array_foreach(keys, i, k) {
		s = json_string_value(k);
		slash = strchr(s, '/');
		ns = xstrndup(s, (size_t)(slash - s));
		sim_remove(sim, SIM_RT_PODS, ns, slash + 1);
		free(ns);
	}
}

/*
 * Creates the pods through admission, then starts them; the keys of the
 * created pods land in keys.  0, or -1 with the refusal's Status (the
 * first pod's when the template is invalid: nothing is left behind).
 */
static int
sim_preload_create(struct sim *sim, const struct sim_preload *p, json_t *keys,
    json_t **status)
{
	json_t *pod, *stored, *st = NULL;
	int64_t i;

	for (i = 0; i < p->count; i++) {
		pod = sim_preload_pod(p, i);
		if ((stored = sim_admit_create(sim, SIM_RT_PODS, pod, &st)) ==
		    NULL) {
			/* Checked before: only an invalid template gets here. */
			sim_preload_undo(sim, keys);
			json_array_clear(keys);
			*status = st;
			return -1;
		}
		json_array_append_new(keys, json_sprintf("%s/%s",
		    sim_str(stored, "metadata.namespace"),
		    sim_str(stored, "metadata.name")));
	}
	return 0;
}

/* POST /sim/preload: see docs/kubesim.md, "Preloading pods". */
void
sim_admin_preload(struct sim_call *c)
{
	struct sim *sim = c->sim;
	struct sim_preload p;
	json_t *body, *st = NULL, *keys = NULL, *out, *per;
	char rv0[32], rv1[32];
	int64_t running, i;

	if (c->method != EVHTTP_REQ_POST) {
		sim_reply_status(c, 405, "MethodNotAllowed", "use POST", NULL);
		return;
	}
	if ((body = sim_body(c, false)) == NULL)
		return;
	snprintf(rv0, sizeof rv0, "%lld", (long long)sim->rv);
	if (sim_preload_parse(body, &p, &st) != 0 ||
	    sim_fields_admit(c->req, SIM_RT_PODS, p.tmpl, "Strict", "create",
	    NULL, &st) != 0 || sim_preload_check(sim, &p, &st) != 0)
		goto fail;
	keys = json_array();
	if (sim_preload_create(sim, &p, keys, &st) != 0)
		goto fail;
	log_info("preload: %lld pods created", (long long)p.count);
	running = sim_preload_start(sim, keys);
	snprintf(rv1, sizeof rv1, "%lld", (long long)sim->rv);
	per = json_object();
	for (i = 0; i < p.count && i < (int64_t)json_array_size(p.namespaces);
	    i++)
		json_object_set_new(per, sim_preload_ns(&p, i), json_integer(
		    p.count / (int64_t)json_array_size(p.namespaces) +
		    (i < p.count % (int64_t)json_array_size(p.namespaces))));
	out = json_pack("{sIsIsIsossss}", "created", (json_int_t)p.count,
	    "running", (json_int_t)running, "pending",
	    (json_int_t)(p.count - running), "namespaces", per,
	    "fromResourceVersion", rv0, "resourceVersion", rv1);
	sim_reply_json(c, 201, out);
	goto out;
fail:
	sim_reply_json(c, (int)json_integer_value(json_object_get(st, "code")),
	    st);
out:
	json_decref(keys);
	json_decref(p.namespaces);
	json_decref(p.tmpl);
	json_decref(body);
}
