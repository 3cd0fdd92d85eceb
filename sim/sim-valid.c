/*
 * What the apiserver checks and fills in beyond names and required
 * fields: container resources (pkg/apis/core/validation), the defaults of
 * pkg/apis/core/v1/defaults.go that clients see (requests from limits,
 * imagePullPolicy, ports, probes), the DefaultTolerationSeconds and
 * Priority admission plugins, the QoS class (pkg/apis/core/helper/qos),
 * and the fields an update may not change.
 */
#include "sim-int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

#define SIM_DEFAULT_TOLERATION_S 300

/* Appends one field error, as field.Error's ErrorBody words it. */
void
sim_cause(json_t *causes, const char *reason, const char *field,
    const char *fmt, ...)
{
	va_list ap;
	char *m;

	va_start(ap, fmt);
	xvasprintf(&m, fmt, ap);
	va_end(ap);
	json_array_append_new(causes, json_pack("{ssssss}", "reason", reason,
	    "message", m, "field", field));
	free(m);
}

/* The 422 Status of field errors about a kind of a group ("" for core),
 * as errors.NewInvalid builds it. */
json_t *
sim_invalid_new(const char *kind, const char *group, const char *name,
    json_t *causes)
{
	char *text = xstrdup(""), *msg;
	json_t *c, *st;
	size_t i;

	json_array_foreach(causes, i, c)
		xappendf(&text, "%s%s: %s", i ? ", " : "", sim_str(c,
		    "field"), sim_str(c, "message"));
	msg = xprintf(json_array_size(causes) > 1 ? "%s%s%s \"%s\" is invalid: "
	    "[%s]" : "%s%s%s \"%s\" is invalid: %s", kind, *group ? "." : "",
	    group, name ? name : "", text);
	st = sim_status_new(422, "Invalid", msg, json_pack("{sssssO}", "name",
	    name ? name : "", "kind", kind, "causes", causes));
	if (*group)
		json_object_set_new(json_object_get(st, "details"), "group",
		    json_string(group));
	free(msg);
	free(text);
	return st;
}

/* The 422 Status of field errors about an object of a served type. */
json_t *
sim_invalid_status(enum sim_rt rt, const char *name, json_t *causes)
{
	return sim_invalid_new(sim_rtypes[rt].kind, sim_rtypes[rt].group, name,
	    causes);
}

/* True for names without a domain or in kubernetes.io (IsNativeResource). */
static bool
sim_res_is_native(const char *name)
{
	return strchr(name, '/') == NULL || strstr(name, "kubernetes.io/") !=
	    NULL;
}

/* True for hugepages-<size>, which may not be overcommitted either. */
static bool
sim_res_is_hugepages(const char *name)
{
	return has_prefix(name, "hugepages-");
}

/* IsOvercommitAllowed: requests may differ from limits. */
static bool
sim_res_overcommits(const char *name)
{
	return sim_res_is_native(name) && !sim_res_is_hugepages(name);
}

/* IsExtendedResourceName, enough for container resources. */
static bool
sim_res_is_extended(const char *name)
{
	return !sim_res_is_native(name) && !has_prefix(name, "requests.");
}

/* The format a quantity keeps when printed: BinarySI, exponent, SI. */
static char
sim_qty_format(json_t *v)
{
	const char *s = json_string_value(v), *p;

	if (s == NULL)
		return 'd';
	for (p = s; *p != '\0' && (isdigit((unsigned char)*p) || *p == '.' ||
	    *p == '+' || *p == '-'); p++)
		;
	if (p[0] != '\0' && p[1] == 'i')
		return 'b';
	if ((p[0] == 'e' || p[0] == 'E') && p[1] != '\0')
		return 'e';
	return 'd';
}

/*
 * Quantity.String() of a value held in millis: the canonical form in the
 * quantity's own format (1024Mi is 1Gi, 0.5 is 500m, 1000 is 1k).
 */
static char *
sim_qty_string(int64_t milli, char format)
{
	static const char *si[] = { "m", "", "k", "M", "G", "T", "P", "E" };
	static const char *bin[] = { "", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei" };
	int64_t v, a = milli < 0 ? -milli : milli, div = 1;
	int e, best = 0;

	if (milli == 0)
		return xstrdup("0");
	if (format == 'b' && a % 1000 == 0 && a / 1000 >= 1024) {
		v = milli / 1000;
		for (e = 1; e < 7 && v % ((int64_t)1 << (10 * e)) == 0; e++)
			best = e;
		return xprintf("%lld%s", (long long)(v >> (10 * best)),
		    bin[best]);
	}
	for (e = 1; e < 8 && div <= INT64_MAX / 1000 && a % (div * 1000) == 0;
	    e++) {
		div *= 1000;
		best = e;
	}
	if (format == 'e')
		return best == 1 ? xprintf("%lld", (long long)(milli / div)) :
		    xprintf("%llde%d", (long long)(milli / div),
		    3 * (best - 1));
	return xprintf("%lld%s", (long long)(milli / div), si[best]);
}

/* Reads a quantity in millis; -1 when it does not parse. */
static int
sim_qty_milli(json_t *v, int64_t *out)
{
	return sim_key_parse("cpu", v, out);
}

/* Checks one quantity of limits or requests: sign, whole extended units. */
static void
sim_valid_qty(json_t *causes, const char *path, const char *name,
    json_t *v)
{
	char field[512], *s;
	int64_t m;

	if (sim_qty_milli(v, &m) != 0)
		return;
	snprintf(field, sizeof field, "%s[%s]", path, name);
	s = sim_qty_string(m, sim_qty_format(v));
	if (m < 0)
		sim_cause(causes, "FieldValueInvalid", field,
		    "Invalid value: \"%s\": must be greater than or equal to 0",
		    s);
	if (sim_res_is_extended(name) && m % 1000 != 0)
		sim_cause(causes, "FieldValueInvalid", field,
		    "Invalid value: \"%s\": must be an integer", s);
	free(s);
}

/* ValidateResourceRequirements for one container's resources. */
static void
sim_valid_ctr(json_t *causes, const char *path, json_t *res)
{
	json_t *lim = json_object_get(res, "limits");
	json_t *req = json_object_get(res, "requests"), *v, *l;
	char lp[512], rp[512], *qs, *ls;
	int64_t q, lq;
	const char *k;

	snprintf(lp, sizeof lp, "%s.resources.limits", path);
	snprintf(rp, sizeof rp, "%s.resources.requests", path);
	json_object_foreach(lim, k, v)
		sim_valid_qty(causes, lp, k, v);
	json_object_foreach(req, k, v) {
		sim_valid_qty(causes, rp, k, v);
		if (sim_qty_milli(v, &q) != 0)
			continue;
		l = json_object_get(lim, k);
		if (l == NULL) {
			if (!sim_res_overcommits(k))
				sim_cause(causes, "FieldValueRequired", lp,
				    "Required value: Limit must be set for "
				    "non overcommitable resources");
			continue;
		}
		if (sim_qty_milli(l, &lq) != 0 || q == lq ||
		    (sim_res_overcommits(k) && q < lq))
			continue;
		qs = sim_qty_string(q, sim_qty_format(v));
		ls = sim_qty_string(lq, sim_qty_format(l));
		sim_cause(causes, "FieldValueInvalid", rp, "Invalid value: "
		    "\"%s\": must be %s to %s limit of %s", qs,
		    sim_res_overcommits(k) ? "less than or equal" : "equal", k,
		    ls);
		free(qs);
		free(ls);
	}
}

/* The pod spec of a pod or of a workload's template, and its path. */
static json_t *
sim_spec_of(enum sim_rt rt, json_t *obj, const char **path)
{
	if (rt == SIM_RT_PODS) {
		*path = "spec";
		return sim_path(obj, "spec");
	}
	if (rt == SIM_RT_DEPLOYMENTS || rt == SIM_RT_REPLICASETS ||
	    rt == SIM_RT_JOBS) {
		*path = "spec.template.spec";
		return sim_path(obj, "spec.template.spec");
	}
	return NULL;
}

/* The resources of every container and init container, as validated. */
void
sim_valid_resources(json_t *causes, enum sim_rt rt, json_t *obj)
{
	static const char *lists[] = { "containers", "initContainers" };
	const char *pre = NULL;
	json_t *spec = sim_spec_of(rt, obj, &pre), *c;
	char path[256];
	size_t i, l;

	for (l = 0; spec != NULL && l < nitems(lists); l++) {
		json_array_foreach(json_object_get(spec, lists[l]), i, c) {
			snprintf(path, sizeof path, "%s.%s[%zu]", pre, lists[l],
			    i);
			sim_valid_ctr(causes, path, json_object_get(c,
			    "resources"));
		}
	}
}

/* The imagePullPolicy an image gets by default, from the tag of its
 * reference ("latest" when it has none nor digest). */
static const char *
sim_pull_policy(const char *image)
{
	const char *slash, *colon, *at;

	if (image == NULL)
		return "IfNotPresent";
	at = strchr(image, '@');
	slash = strrchr(image, '/');
	colon = strrchr(image, ':');
	if (colon != NULL && (slash == NULL || colon > slash) &&
	    (at == NULL || colon < at)) {
		size_t n = (size_t)((at ? at : image + strlen(image)) - colon) -
		    1;

		return n == 6 && strncmp(colon + 1, "latest", 6) == 0 ?
		    "Always" : "IfNotPresent";
	}
	/* No tag: "latest" unless a digest names the image. */
	return at == NULL ? "Always" : "IfNotPresent";
}

/* The probe defaults: 1 s timeout, every 10 s, 1 success, 3 failures. */
static void
sim_probe_defaults(json_t *p)
{
	if (!json_is_object(p))
		return;
	sim_default(p, "timeoutSeconds", json_integer(1));
	sim_default(p, "periodSeconds", json_integer(10));
	sim_default(p, "successThreshold", json_integer(1));
	sim_default(p, "failureThreshold", json_integer(3));
}

/* Quantities as the apiserver stores them: canonical strings. */
static void
sim_canonical_quantities(json_t *list)
{
	const char *k;
	int64_t m;
	json_t *v;
	char *q;

	json_object_foreach(list, k, v) {
		if (sim_qty_milli(v, &m) != 0 || m <= -INT64_MAX / 2 ||
		    m >= INT64_MAX / 2)
			continue;
		q = sim_qty_string(m, sim_qty_format(v));
		json_object_set_new(list, k, json_string(q));
		free(q);
	}
}

/* The container defaults of a pod or template (SetDefaults_Container...). */
void
sim_container_defaults(json_t *c)
{
	json_t *x, *env;
	size_t i;

	sim_canonical_quantities(sim_path(c, "resources.limits"));
	sim_canonical_quantities(sim_path(c, "resources.requests"));

	sim_default(c, "imagePullPolicy", json_string(sim_pull_policy(
	    sim_str(c, "image"))));
	json_array_foreach(json_object_get(c, "ports"), i, x)
		sim_default(x, "protocol", json_string("TCP"));
	sim_probe_defaults(json_object_get(c, "livenessProbe"));
	sim_probe_defaults(json_object_get(c, "readinessProbe"));
	sim_probe_defaults(json_object_get(c, "startupProbe"));
	json_array_foreach(json_object_get(c, "env"), i, env) {
		x = sim_path(env, "valueFrom.fieldRef");
		if (json_is_object(x))
			sim_default(x, "apiVersion", json_string("v1"));
	}
}

/* Requests default to limits, per resource, on a Pod (not a template). */
static void
sim_requests_default(json_t *ctrs)
{
	json_t *c, *res, *lim, *req, *v;
	const char *k;
	size_t i;

	json_array_foreach(ctrs, i, c) {
		res = json_object_get(c, "resources");
		lim = json_object_get(res, "limits");
		if (json_object_size(lim) == 0)
			continue;
		req = sim_child(res, "requests");
		json_object_foreach(lim, k, v) {
			if (json_object_get(req, k) == NULL)
				json_object_set(req, k, v);
		}
	}
}

/*
 * DefaultTolerationSeconds: every pod tolerates not-ready and unreachable
 * nodes for 300 s unless it says otherwise for NoExecute.
 */
static void
sim_default_tolerations(json_t *spec)
{
	static const char *keys[] = { "node.kubernetes.io/not-ready",
		"node.kubernetes.io/unreachable" };
	json_t *tols = json_object_get(spec, "tolerations"), *t;
	bool has[2] = { false, false };
	const char *k, *e;
	size_t i, j;

	json_array_foreach(tols, i, t) {
		k = sim_str(t, "key");
		e = sim_str(t, "effect");
		if (e != NULL && *e != '\0' && strcmp(e, "NoExecute") != 0)
			continue;
		for (j = 0; j < 2; j++)
			if (k == NULL || *k == '\0' || strcmp(k, keys[j]) == 0)
				has[j] = true;
	}
	if (!json_is_array(tols)) {
		tols = json_array();
		json_object_set_new(spec, "tolerations", tols);
	}
	for (j = 0; j < 2; j++) {
		if (!has[j])
			json_array_append_new(tols, json_pack("{sssssssi}",
			    "key", keys[j], "operator", "Exists", "effect",
			    "NoExecute", "tolerationSeconds",
			    SIM_DEFAULT_TOLERATION_S));
	}
}

/* Adds one container's cpu and memory (above zero) to a sum. */
static void
sim_qos_add(json_t *sum, json_t *list, bool *both)
{
	static const char *keys[] = { "cpu", "memory" };
	int64_t m;
	size_t i;
	int found = 0;

	for (i = 0; i < nitems(keys); i++) {
		json_t *v = json_object_get(list, keys[i]);

		if (v == NULL || sim_qty_milli(v, &m) != 0 || m <= 0)
			continue;
		found++;
		json_object_set_new(sum, keys[i], json_integer(m +
		    json_integer_value(json_object_get(sum, keys[i]))));
	}
	if (both != NULL && found < 2)
		*both = false;
}

/* ComputePodQOS over containers and init containers: Guaranteed,
 * Burstable or BestEffort. */
static const char *
sim_pod_qos(json_t *pod)
{
	static const char *lists[] = { "spec.containers",
		"spec.initContainers" };
	json_t *req = json_object(), *lim = json_object(), *c, *v;
	bool guaranteed = true;
	const char *k, *out;
	size_t i, l;

	for (l = 0; l < nitems(lists); l++) {
		json_array_foreach(sim_path(pod, lists[l]), i, c) {
			sim_qos_add(req, sim_path(c, "resources.requests"),
			    NULL);
			sim_qos_add(lim, sim_path(c, "resources.limits"),
			    &guaranteed);
		}
	}
	if (json_object_size(req) == 0 && json_object_size(lim) == 0)
		out = "BestEffort";
	else {
		json_object_foreach(req, k, v) {
			if (!json_equal(v, json_object_get(lim, k)))
				guaranteed = false;
		}
		out = guaranteed && json_object_size(req) ==
		    json_object_size(lim) ? "Guaranteed" : "Burstable";
	}
	json_decref(req);
	json_decref(lim);
	return out;
}

/*
 * A new pod as defaulting and admission leave it: requests from limits,
 * enableServiceLinks, priority, the default tolerations, its QoS class.
 */
void
sim_pod_admit(json_t *pod)
{
	json_t *spec = json_object_get(pod, "spec");

	if (!json_is_object(spec))
		return;
	sim_requests_default(json_object_get(spec, "containers"));
	sim_requests_default(json_object_get(spec, "initContainers"));
	sim_default(spec, "enableServiceLinks", json_true());
	if (json_object_get(spec, "priorityClassName") == NULL)
		sim_default(spec, "priority", json_integer(0));
	sim_default(spec, "preemptionPolicy",
	    json_string("PreemptLowerPriority"));
	sim_default_tolerations(spec);
	sim_set(pod, "status.qosClass", json_string(sim_pod_qos(pod)));
}

/* Service defaults: cluster IPs and families, ports, session affinity. */
void
sim_service_defaults(json_t *svc)
{
	json_t *spec = json_object_get(svc, "spec"), *p;
	const char *ip = sim_str(svc, "spec.clusterIP");
	size_t i;

	if (!json_is_object(spec) ||
	    strcmp(sim_str_or(svc, "spec.type", ""), "ExternalName") == 0)
		return;
	if (ip != NULL && !json_is_array(json_object_get(spec, "clusterIPs")))
		json_object_set_new(spec, "clusterIPs", json_pack("[s]", ip));
	if (ip != NULL && strcmp(ip, "None") != 0) {
		sim_default(spec, "ipFamilies", json_pack("[s]", "IPv4"));
		sim_default(spec, "ipFamilyPolicy",
		    json_string("SingleStack"));
	}
	sim_default(spec, "sessionAffinity", json_string("None"));
	sim_default(spec, "internalTrafficPolicy", json_string("Cluster"));
	json_array_foreach(json_object_get(spec, "ports"), i, p) {
		sim_default(p, "protocol", json_string("TCP"));
		if (json_object_get(p, "port") != NULL)
			sim_default(p, "targetPort",
			    json_incref(json_object_get(p, "port")));
	}
}

/* A copy without null members and empty maps and lists (nil == empty). */
static json_t *
sim_semantic(json_t *v)
{
	json_t *out, *x, *y;
	const char *k;
	size_t i;

	if (json_is_object(v)) {
		out = json_object();
		json_object_foreach(v, k, x) {
			y = sim_semantic(x);
			if (y != NULL)
				json_object_set_new(out, k, y);
		}
	} else if (json_is_array(v)) {
		out = json_array();
		json_array_foreach(v, i, x)
			json_array_append_new(out, (y = sim_semantic(x)) ? y :
			    json_null());
	} else
		return json_is_null(v) || v == NULL ? NULL : json_incref(v);
	if ((json_is_object(out) && json_object_size(out) == 0) ||
	    (json_is_array(out) && json_array_size(out) == 0)) {
		json_decref(out);
		return NULL;
	}
	return out;
}

/* apiequality.Semantic.DeepEqual, near enough for JSON. */
static bool
sim_semantic_equal(json_t *a, json_t *b)
{
	json_t *x = sim_semantic(a), *y = sim_semantic(b);
	bool eq = (x == NULL && y == NULL) || json_equal(x, y);

	json_decref(x);
	json_decref(y);
	return eq;
}

/* How an immutable field's new value prints ("null" when unset). */
static char *
sim_go_field(json_t *v, const char *gotype)
{
	if (v == NULL || json_is_null(v))
		return xstrdup("\"null\"");
	if (json_is_string(v))
		return sim_go_quote(json_string_value(v));
	if (json_is_integer(v))
		return xprintf("%lld", (long long)json_integer_value(v));
	if (json_is_boolean(v))
		return xstrdup(json_is_true(v) ? "true" : "false");
	/* A struct: Go dumps it in full; its type and an ellipsis here. */
	return xprintf("%s{...}", gotype);
}

/* ValidateImmutableField: "field is immutable" when the value changed. */
static void
sim_immutable(json_t *causes, json_t *old, json_t *new, const char *path,
    const char *gotype)
{
	char *v;

	if (sim_semantic_equal(sim_path(old, path), sim_path(new, path)))
		return;
	if (strcmp(gotype, "v1.LabelSelector") == 0)
		v = sim_go_selector(sim_path(new, path));
	else
		v = sim_go_field(sim_path(new, path), gotype);
	sim_cause(causes, "FieldValueInvalid", path,
	    "Invalid value: %s: field is immutable", v);
	free(v);
}

/*
 * A Job's template is immutable, but for the scheduling directives of a
 * suspended Job that never started (JobMutableNodeSchedulingDirectives).
 */
static void
sim_job_template_update(json_t *causes, json_t *old, json_t *new)
{
	static const char *mutable[] = { "metadata.labels",
		"metadata.annotations", "spec.nodeSelector", "spec.tolerations",
		"spec.affinity", "spec.schedulingGates" };
	json_t *ot = json_deep_copy(sim_path(old, "spec.template")), *v;
	json_t *holder;
	size_t i;

	if (json_is_true(sim_path(old, "spec.suspend")) &&
	    sim_path(old, "status.startTime") == NULL && json_is_object(ot)) {
		for (i = 0; i < nitems(mutable); i++) {
			v = sim_path(new, "spec.template");
			v = sim_path(v, mutable[i]);
			if (v != NULL)
				sim_set(ot, mutable[i], json_incref(v));
			else if ((holder = sim_path(ot, strncmp(mutable[i],
			    "metadata", 8) == 0 ? "metadata" : "spec")) != NULL)
				json_object_del(holder, strchr(mutable[i],
				    '.') + 1);
		}
	}
	holder = json_pack("{s{sO?}}", "spec", "template", ot);
	sim_immutable(causes, holder, new, "spec.template",
	    "core.PodTemplateSpec");
	json_decref(holder);
	json_decref(ot);
}

/* ValidateJobSpecUpdate: what a Job keeps for life. */
static void
sim_job_update(json_t *causes, json_t *old, json_t *new)
{
	json_t *c = sim_path(new, "spec.completions");
	const char *mode = sim_str(new, "spec.completionMode");

	if (mode != NULL && strcmp(mode, "Indexed") == 0) {
		if (!json_equal(c, sim_path(old, "spec.completions")) &&
		    json_is_integer(c) && !json_equal(c, sim_path(new,
		    "spec.parallelism")))
			sim_cause(causes, "FieldValueInvalid",
			    "spec.completions", "Invalid value: %lld: can only "
			    "be modified in tandem with spec.parallelism",
			    (long long)json_integer_value(c));
	} else
		sim_immutable(causes, old, new, "spec.completions", "int32");
	sim_immutable(causes, old, new, "spec.selector", "v1.LabelSelector");
	sim_job_template_update(causes, old, new);
	sim_immutable(causes, old, new, "spec.completionMode", "string");
	sim_immutable(causes, old, new, "spec.podFailurePolicy",
	    "batch.PodFailurePolicy");
	sim_immutable(causes, old, new, "spec.backoffLimitPerIndex", "int32");
	sim_immutable(causes, old, new, "spec.managedBy", "string");
	sim_immutable(causes, old, new, "spec.successPolicy",
	    "batch.SuccessPolicy");
	sim_immutable(causes, old, new, "spec.podReplacementPolicy", "string");
}

/* A spec's string member, "" when unset. */
static const char *
sim_spec_str(json_t *spec, const char *key)
{
	const char *v = json_string_value(json_object_get(spec, key));

	return v != NULL ? v : "";
}

/*
 * A Service keeps its allocated cluster IPs when an update leaves them
 * out, and clusterIP and clusterIPs follow each other
 * (patchAllocatedValues, normalizeClusterIPs).
 */
static void
sim_service_ips(json_t *ospec, json_t *nspec)
{
	json_t *oips = json_object_get(ospec, "clusterIPs");
	json_t *nips = json_object_get(nspec, "clusterIPs");
	const char *oip = sim_spec_str(ospec, "clusterIP");
	bool same;

	if (*sim_spec_str(nspec, "clusterIP") == '\0')
		json_object_set_new(nspec, "clusterIP", json_string(oip));
	if (json_array_size(nips) == 0 && json_array_size(oips) > 0) {
		nips = json_deep_copy(oips);
		json_object_set_new(nspec, "clusterIPs", nips);
	}
	same = json_equal(oips, nips) || (json_array_size(oips) == 0 &&
	    json_array_size(nips) == 0);
	if (strcmp(oip, sim_spec_str(nspec, "clusterIP")) != 0 && same) {
		if (json_array_size(nips) > 0)
			json_array_set_new(nips, 0, json_string(
			    sim_spec_str(nspec, "clusterIP")));
		else
			json_object_set_new(nspec, "clusterIPs",
			    json_pack("[s]", sim_spec_str(nspec, "clusterIP")));
	} else if (strcmp(oip, sim_spec_str(nspec, "clusterIP")) == 0 && !same)
		json_object_set_new(nspec, "clusterIP", json_string(
		    json_string_value(json_array_get(nips, 0)) ?
		    json_string_value(json_array_get(nips, 0)) : ""));
}

/* validateUpgradeDowngradeClusterIPs, for single-stack Services. */
static void
sim_service_update(json_t *causes, json_t *old, json_t *new)
{
	json_t *ospec = json_object_get(old, "spec");
	json_t *nspec = json_object_get(new, "spec"), *oips, *nips;
	char *v, field[64];
	size_t i;

	if (!json_is_object(nspec) || strcmp(sim_spec_str(ospec, "type"),
	    "ExternalName") == 0 || strcmp(sim_spec_str(nspec, "type"),
	    "ExternalName") == 0 || *sim_spec_str(ospec, "clusterIP") == '\0')
		return;
	sim_service_ips(ospec, nspec);
	oips = json_object_get(ospec, "clusterIPs");
	nips = json_object_get(nspec, "clusterIPs");
	if (json_array_size(oips) == 0 || strcmp(sim_spec_str(ospec,
	    "clusterIP"), "None") == 0)
		return;
	v = sim_go_strings(nips);
	if (json_array_size(nips) == 0)
		sim_cause(causes, "FieldValueInvalid", "spec.clusterIPs[0]",
		    "Invalid value: %s: primary clusterIP can not be unset", v);
	for (i = 0; i < json_array_size(oips) && i < json_array_size(nips);
	    i++) {
		if (json_equal(json_array_get(oips, i),
		    json_array_get(nips, i)))
			continue;
		snprintf(field, sizeof field, "spec.clusterIPs[%zu]", i);
		sim_cause(causes, "FieldValueInvalid", field,
		    "Invalid value: %s: may not change once set", v);
	}
	free(v);
}

/*
 * An update as the registry prepares and validates it: template defaults,
 * what the object keeps, and a 422 Status (or NULL) for what may not
 * change or is not valid.
 */
json_t *
sim_prepare_update(enum sim_rt rt, json_t *old, json_t *new)
{
	json_t *causes = json_array(), *st = NULL, *spec;
	const char *path;

	spec = sim_spec_of(rt, new, &path);
	if (rt != SIM_RT_PODS && json_is_object(spec))
		sim_pod_defaults(spec);
	switch (rt) {
	case SIM_RT_DEPLOYMENTS:
	case SIM_RT_REPLICASETS:
		sim_immutable(causes, old, new, "spec.selector",
		    "v1.LabelSelector");
		sim_valid_resources(causes, rt, new);
		break;
	case SIM_RT_JOBS:
		sim_job_update(causes, old, new);
		sim_valid_resources(causes, rt, new);
		break;
	case SIM_RT_SERVICES:
		sim_service_update(causes, old, new);
		break;
	default:
		break;
	}
	if (json_array_size(causes) > 0)
		st = sim_invalid_status(rt, sim_str(old, "metadata.name"),
		    causes);
	json_decref(causes);
	return st;
}
