/*
 * The writes: create, update (and the status subresource), the patch
 * types (merge, strategic, JSON patch, server-side apply) and deletes of
 * one object or a collection, with the apiserver's conflicts and
 * preconditions.
 */
#include "sim-api.h"

#include <stdarg.h>

/* Copies what the server owns from the stored object into an update. */
static void
sim_keep_meta(json_t *new, json_t *old)
{
	static const char *keep[] = { "uid", "creationTimestamp", "namespace",
		"name", "generation", "deletionTimestamp",
		"deletionGracePeriodSeconds" };
	json_t *nm = sim_child(new, "metadata"), *om, *v;
	size_t i;

	om = json_object_get(old, "metadata");
	for (i = 0; i < nitems(keep); i++) {
		v = json_object_get(om, keep[i]);
		if (v != NULL)
			json_object_set(nm, keep[i], v);
		else
			json_object_del(nm, keep[i]);
	}
	json_object_set(new, "apiVersion", json_object_get(old, "apiVersion"));
	json_object_set(new, "kind", json_object_get(old, "kind"));
}

static void sim_conflict(struct sim_call *, const char *, ...)
    printflike(2, 3);

/* 409 Conflict on the call's object, in the apiserver's words. */
static void
sim_conflict(struct sim_call *c, const char *fmt, ...)
{
	char *why, *m;
	va_list ap;

	va_start(ap, fmt);
	xvasprintf(&why, fmt, ap);
	va_end(ap);
	m = xprintf("Operation cannot be fulfilled on %s \"%s\": %s",
	    sim_qualified(c->rt), c->name, why);
	sim_reply_status(c, 409, "Conflict", m, sim_details(c->rt, c->name));
	free(m);
	free(why);
}

/* Stores an update with the apiserver's checks: conflict, status rules. */
static void
sim_apply_update(struct sim_call *c, enum sim_rt rt, json_t *old, json_t *new)
{
	const char *brv = sim_str(new, "metadata.resourceVersion");
	const char *orv = sim_str(old, "metadata.resourceVersion");
	json_t *stored;

	if (brv != NULL && *brv != '\0' && strcmp(brv, orv) != 0) {
		sim_conflict(c, "the object has been modified; please apply "
		    "your changes to the latest version and try again");
		json_decref(new);
		return;
	}
	sim_keep_meta(new, old);
	if (c->sub == NULL && (stored = sim_prepare_update(rt, old, new)) !=
	    NULL) {
		json_decref(new);
		sim_reply_json(c, (int)json_integer_value(json_object_get(stored,
		    "code")), stored);
		return;
	}
	if (c->sub != NULL && strcmp(c->sub, "status") == 0) {
		json_t *st = json_incref(json_object_get(new, "status"));

		json_decref(new);
		new = json_deep_copy(old);
		if (st != NULL)
			json_object_set_new(new, "status", st);
	} else if (sim_rtypes[rt].has_status) {
		json_t *st = json_object_get(old, "status");

		if (st != NULL)
			json_object_set(new, "status", st);
		else
			json_object_del(new, "status");
		if (!json_equal(json_object_get(new, "spec"),
		    json_object_get(old, "spec")) &&
		    sim_path(old, "metadata.generation") != NULL)
			sim_set(new, "metadata.generation", json_integer(
			    json_integer_value(sim_path(old,
			    "metadata.generation")) + 1));
	}
	if (rt == SIM_RT_DEPLOYMENTS || rt == SIM_RT_REPLICASETS) {
		json_t *r = sim_path(new, "spec.replicas");

		if (r != NULL && (!json_is_integer(r) ||
		    json_integer_value(r) < 0)) {
			stored = json_array();
			sim_cause(stored, "FieldValueInvalid", "spec.replicas",
			    "Invalid value: %lld: must be greater than or equal "
			    "to 0", (long long)json_integer_value(r));
			sim_reply_json(c, 422, sim_invalid_status(rt, c->name,
			    stored));
			json_decref(stored);
			json_decref(new);
			return;
		}
	}
	if (sim_q(c, "dryRun") != NULL) {
		/* Every check passed: answer what would be stored. */
		sim_reply_json(c, 200, new);
		return;
	}
	/* Removing the last finalizer of a deleted object completes it. */
	if (sim_path(new, "metadata.deletionTimestamp") != NULL &&
	    json_array_size(sim_path(new, "metadata.finalizers")) == 0 &&
	    rt != SIM_RT_PODS) {
		json_t *fin = json_deep_copy(new);

		json_decref(new);
		sim_remove(c->sim, rt, c->ns, c->name);
		sim_reply_json(c, 200, fin);
		return;
	}
	stored = sim_put(c->sim, rt, new);
	sim_reply_json(c, 200, json_incref(stored));
}

/* RFC 7386 merge patch; strategic-merge directives ("$...") are dropped. */
static json_t *
sim_merge_patch(json_t *target, json_t *patch)
{
	const char *k;
	json_t *v;

	if (!json_is_object(patch))
		return json_deep_copy(patch);
	if (!json_is_object(target))
		target = json_object();
	else
		target = json_deep_copy(target);
	json_object_foreach(patch, k, v) {
		if (k[0] == '$')
			continue;
		if (json_is_null(v))
			json_object_del(target, k);
		else {
			json_t *m = sim_merge_patch(json_object_get(target, k), v);

			json_object_set_new(target, k, m);
		}
	}
	return target;
}

/* Resolves a JSON pointer's parent and last token for JSON patch. */
static json_t *
sim_pointer_parent(json_t *doc, const char *ptr, char *last, size_t lastsz)
{
	char tok[256];
	const char *p = ptr, *e;
	json_t *cur = doc;

	if (*p != '/')
		return NULL;
	for (;;) {
		size_t n, i, j = 0;

		p++;
		e = strchr(p, '/');
		n = e ? (size_t)(e - p) : strlen(p);
		if (n >= sizeof tok)
			return NULL;
		for (i = 0; i < n; i++) {
			if (p[i] == '~' && i + 1 < n && p[i + 1] == '1')
				tok[j++] = '/', i++;
			else if (p[i] == '~' && i + 1 < n && p[i + 1] == '0')
				tok[j++] = '~', i++;
			else
				tok[j++] = p[i];
		}
		tok[j] = '\0';
		if (e == NULL) {
			snprintf(last, lastsz, "%s", tok);
			return cur;
		}
		if (json_is_object(cur))
			cur = json_object_get(cur, tok);
		else if (json_is_array(cur))
			cur = json_array_get(cur, strtoul(tok, NULL, 10));
		else
			return NULL;
		if (cur == NULL)
			return NULL;
		p = e;
	}
}

/* RFC 6902 JSON patch: add, remove, replace, test; NULL on failure. */
static json_t *
sim_json_patch(json_t *target, json_t *ops)
{
	json_t *doc = json_deep_copy(target), *op, *parent, *val;
	char last[256];
	size_t i;

	json_array_foreach(ops, i, op) {
		const char *o = sim_str(op, "op"), *path = sim_str(op, "path");

		if (o == NULL || path == NULL)
			goto fail;
		parent = sim_pointer_parent(doc, path, last, sizeof last);
		if (parent == NULL)
			goto fail;
		val = json_object_get(op, "value");
		if (strcmp(o, "add") == 0 || strcmp(o, "replace") == 0) {
			if (val == NULL)
				goto fail;
			if (json_is_object(parent))
				json_object_set(parent, last, val);
			else if (json_is_array(parent) && strcmp(last, "-") == 0)
				json_array_append(parent, val);
			else if (json_is_array(parent) && strcmp(o, "add") == 0)
				json_array_insert(parent, strtoul(last, NULL, 10),
				    val);
			else if (json_is_array(parent))
				json_array_set(parent, strtoul(last, NULL, 10),
				    val);
			else
				goto fail;
		} else if (strcmp(o, "remove") == 0) {
			if (json_is_object(parent)) {
				if (json_object_del(parent, last) != 0)
					goto fail;
			} else if (json_is_array(parent)) {
				if (json_array_remove(parent,
				    strtoul(last, NULL, 10)) != 0)
					goto fail;
			} else
				goto fail;
		} else if (strcmp(o, "test") == 0) {
			json_t *cur = json_is_object(parent) ?
			    json_object_get(parent, last) :
			    json_array_get(parent, strtoul(last, NULL, 10));

			if (!json_equal(cur, val))
				goto fail;
		} else
			goto fail;
	}
	return doc;
fail:
	json_decref(doc);
	return NULL;
}

/* Answers a failed admission with its Status. */
static void
sim_reply_admit_error(struct sim_call *c, json_t *st)
{
	sim_reply_json(c, (int)json_integer_value(json_object_get(st, "code")),
	    st);
}

/* Creates an object through admission (a POST, or an apply of an absent
 * object), or with dryRun answers what would be stored; takes obj. */
static void
sim_create_admitted(struct sim_call *c, json_t *obj)
{
	json_t *stored, *st = NULL;

	if (sim_q(c, "dryRun") != NULL)
		stored = sim_admit_dry_run(c->sim, c->rt, obj, &st);
	else if ((stored = sim_admit_create(c->sim, c->rt, obj, &st)) != NULL) {
		sim_audit_object(c, stored);
		json_incref(stored);
	}
	if (stored == NULL)
		sim_reply_admit_error(c, st);
	else
		sim_reply_json(c, 201, stored);
}

/* POST to a collection: create. */
void
sim_create(struct sim_call *c, json_t *unused)
{
	enum sim_rt rt = c->rt;
	const char *ns = c->ns;
	json_t *obj, *st = NULL;
	const char *bns;

	(void)unused;
	if ((obj = sim_body(c, false)) == NULL)
		return;
	sim_audit_object(c, obj);
	if (sim_fields_admit(c->req, rt, obj, sim_q(c, "fieldValidation"),
	    "create", NULL, &st) != 0) {
		json_decref(obj);
		sim_reply_admit_error(c, st);
		return;
	}
	bns = sim_str(obj, "metadata.namespace");
	if (ns != NULL && bns != NULL && *bns != '\0' && strcmp(bns, ns) != 0) {
		sim_reply_status(c, 400, "BadRequest", "the namespace of the "
		    "provided object does not match the namespace sent on the "
		    "request", NULL);
		json_decref(obj);
		return;
	}
	if (ns != NULL)
		sim_set(obj, "metadata.namespace", json_string(ns));
	else if (json_is_object(json_object_get(obj, "metadata")))
		json_object_del(json_object_get(obj, "metadata"), "namespace");
	sim_create_admitted(c, obj);
}

/* PUT of an object (or its status) whose URL names it. */
void
sim_update(struct sim_call *c, json_t *old)
{
	json_t *body = sim_body(c, false), *st = NULL;
	const char *bn;
	char *m;

	if (body == NULL)
		return;
	if (sim_fields_admit(c->req, c->rt, body, sim_q(c, "fieldValidation"),
	    "update", NULL, &st) != 0) {
		json_decref(body);
		sim_reply_admit_error(c, st);
		return;
	}
	bn = sim_str(body, "metadata.name");
	if (bn != NULL && strcmp(bn, c->name) != 0) {
		m = xprintf("the name of the object (%s) does not match the name "
		    "on the URL (%s)", bn, c->name);
		sim_reply_status(c, 400, "BadRequest", m, NULL);
		free(m);
		json_decref(body);
		return;
	}
	sim_apply_update(c, c->rt, old, body);
}

/*
 * Checks the PATCH options as the apiserver's PatchOptions validation
 * does: an apply names its fieldManager, force is for applies only, and
 * dryRun can only be All.  -1 after answering 422.
 */
static int
sim_patch_opts_check(struct sim_call *c, bool apply)
{
	const char *fm = sim_q(c, "fieldManager"), *dry = sim_q(c, "dryRun");
	json_t *causes = json_array();
	int ret = -1;

	if (apply && (fm == NULL || *fm == '\0'))
		sim_cause(causes, "FieldValueRequired", "fieldManager",
		    "Required value: is required for apply patch");
	else if (!apply && sim_q(c, "force") != NULL)
		sim_cause(causes, "FieldValueForbidden", "force",
		    "Forbidden: may not be specified for non-apply patch");
	else if (dry != NULL && strcmp(dry, "All") != 0)
		sim_cause(causes, "FieldValueNotSupported", "dryRun",
		    "Unsupported value: supported values: \"All\"");
	else
		ret = 0;
	if (ret != 0)
		sim_reply_json(c, 422, sim_invalid_new("PatchOptions",
		    "meta.k8s.io", "", causes));
	json_decref(causes);
	return ret;
}

/* Reads delete options from the body and the query. */
static json_t *
sim_delete_options(struct sim_call *c)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(c->req);
	size_t len = evbuffer_get_length(in);
	json_t *o = NULL;

	if (len > 0)
		o = json_loadb((const char *)evbuffer_pullup(in, -1), len, 0,
		    NULL);
	if (!json_is_object(o)) {
		json_decref(o);
		o = json_object();
	}
	if (sim_q(c, "propagationPolicy") != NULL)
		json_object_set_new(o, "propagationPolicy",
		    json_string(sim_q(c, "propagationPolicy")));
	if (sim_q(c, "gracePeriodSeconds") != NULL)
		json_object_set_new(o, "gracePeriodSeconds", json_integer(
		    strtoll(sim_q(c, "gracePeriodSeconds"), NULL, 10)));
	if (json_is_boolean(json_object_get(o, "orphanDependents")) &&
	    json_object_get(o, "propagationPolicy") == NULL)
		json_object_set_new(o, "propagationPolicy", json_string(
		    json_is_true(json_object_get(o, "orphanDependents")) ?
		    "Orphan" : "Background"));
	return o;
}

/* DELETE of one object with policy and preconditions. */
void
sim_delete_one(struct sim_call *c, json_t *obj)
{
	enum sim_rt rt = c->rt;
	json_t *opts = sim_delete_options(c), *res = NULL, *pre;
	const char *pol = sim_str(opts, "propagationPolicy");
	json_t *gp = json_object_get(opts, "gracePeriodSeconds");
	int64_t grace = json_is_integer(gp) ? json_integer_value(gp) : -1;
	const char *puid, *prv;
	int r;

	pre = json_object_get(opts, "preconditions");
	puid = sim_str(pre, "uid");
	prv = sim_str(pre, "resourceVersion");
	if ((puid != NULL && strcmp(puid, sim_str(obj, "metadata.uid")) != 0) ||
	    (prv != NULL && strcmp(prv,
	    sim_str(obj, "metadata.resourceVersion")) != 0)) {
		if (puid != NULL && strcmp(puid, sim_str(obj, "metadata.uid")))
			sim_conflict(c, "Precondition failed: UID in "
			    "precondition: %s, UID in object meta: %s", puid,
			    sim_str(obj, "metadata.uid"));
		else
			sim_conflict(c, "Precondition failed: ResourceVersion in "
			    "precondition: %s, ResourceVersion in object meta: "
			    "%s", prv, sim_str(obj, "metadata.resourceVersion"));
		json_decref(opts);
		return;
	}
	if (pol != NULL && strcmp(pol, "Background") != 0 &&
	    strcmp(pol, "Foreground") != 0 && strcmp(pol, "Orphan") != 0) {
		sim_reply_status(c, 422, "Invalid", "propagationPolicy: "
		    "Unsupported value", NULL);
		json_decref(opts);
		return;
	}
	if (pol == NULL && rt == SIM_RT_JOBS)
		evhttp_add_header(evhttp_request_get_output_headers(c->req),
		    "Warning", "299 - \"child pods are preserved by default when "
		    "jobs are deleted; set propagationPolicy=Background to remove "
		    "them or set propagationPolicy=Orphan to suppress this "
		    "warning\"");
	if (sim_q(c, "dryRun") != NULL || json_object_get(opts, "dryRun")) {
		/* Every check passed: answer the object, delete nothing. */
		json_decref(opts);
		sim_reply_json(c, 200, json_incref(obj));
		return;
	}
	json_incref(obj);
	r = sim_delete(c->sim, rt, c->ns, c->name, pol, grace, &res);
	json_decref(opts);
	if (r == 1 || rt == SIM_RT_PODS) {
		json_decref(obj);
		sim_reply_json(c, 200, res);
		return;
	}
	json_decref(res);
	sim_reply_json(c, 200, json_pack("{sssss{}sss{ssssssss}}", "kind",
	    "Status", "apiVersion", "v1", "metadata", "status", "Success",
	    "details", "name", c->name, "group", sim_rtypes[rt].group, "kind",
	    sim_rtypes[rt].name, "uid", sim_str(obj, "metadata.uid")));
	json_decref(obj);
}

/* DELETE on a collection. */
void
sim_delete_collection(struct sim_call *c, json_t *unused)
{
	enum sim_rt rt = c->rt;
	const char *ns = c->ns;
	struct sim_selector *ls, *fs;
	json_t *items, *o, *opts, *res, *out;
	char *a = NULL, *b = NULL;
	bool missing;
	size_t i;

	(void)unused;
	if (sim_selectors(c, rt, &ls, &fs) != 0)
		return;
	out = json_array();
	opts = sim_delete_options(c);
	items = sim_collect(c->sim, rt, ns, ls, fs, NULL, NULL, 0, &a, &b,
	    &missing);
	json_array_foreach(items, i, o) {
		json_t *gp = json_object_get(opts, "gracePeriodSeconds");

		res = NULL;
		sim_delete(c->sim, rt, sim_str(o, "metadata.namespace"),
		    sim_str(o, "metadata.name"),
		    sim_str(opts, "propagationPolicy"),
		    json_is_integer(gp) ? json_integer_value(gp) : -1, &res);
		if (res != NULL)
			json_array_append_new(out, res);
	}
	json_decref(items);
	json_decref(opts);
	sim_selector_free(ls);
	sim_selector_free(fs);
	sim_reply_json(c, 200, json_pack("{ss+sss{so}so}", "kind",
	    sim_rtypes[rt].kind, "List", "apiVersion", sim_api_version(rt),
	    "metadata", "resourceVersion", json_sprintf("%lld",
	    (long long)c->sim->rv), "items", out));
}

/* PATCH: merge, strategic (as merge), JSON patch, or apply. */
void
sim_patch(struct sim_call *c, json_t *old)
{
	enum sim_rt rt = c->rt;
	const char *ct = sim_h(c, "Content-Type");
	const char *fv = sim_q(c, "fieldValidation");
	bool apply = ct != NULL && strstr(ct, "apply-patch") != NULL;
	json_t *body, *new, *st = NULL;
	char *text;

	if (ct == NULL || (strstr(ct, "merge-patch") == NULL &&
	    strstr(ct, "json-patch") == NULL && !apply)) {
		sim_reply_status(c, 415, "UnsupportedMediaType", "the body of "
		    "the request was in an unknown format - accepted media "
		    "types include: application/json-patch+json, "
		    "application/merge-patch+json, application/apply-patch+yaml",
		    NULL);
		return;
	}
	if (sim_patch_opts_check(c, apply) != 0)
		return;
	if (strstr(ct, "json-patch") != NULL) {
		struct evbuffer *in = evhttp_request_get_input_buffer(c->req);

		body = json_loadb((const char *)evbuffer_pullup(in, -1),
		    evbuffer_get_length(in), 0, NULL);
		if (!json_is_array(body)) {
			json_decref(body);
			sim_reply_status(c, 400, "BadRequest",
			    "json patch must be an array", NULL);
			return;
		}
	} else if ((body = sim_body(c, apply)) == NULL)
		return;
	if (apply && sim_path(body, "metadata.managedFields") != NULL &&
	    !json_is_null(sim_path(body, "metadata.managedFields"))) {
		json_decref(body);
		sim_reply_status(c, 400, "BadRequest",
		    "metadata.managedFields must be nil", NULL);
		return;
	}
	if (old == NULL) {
		if (!apply) {
			json_decref(body);
			sim_not_found(c, rt, c->name);
			return;
		}
		if (sim_fields_admit(c->req, rt, body, fv, "patch", NULL,
		    &st) != 0) {
			json_decref(body);
			sim_reply_admit_error(c, st);
			return;
		}
		sim_set(body, "metadata.name", json_string(c->name));
		if (c->ns != NULL)
			sim_set(body, "metadata.namespace", json_string(c->ns));
		sim_create_admitted(c, body);
		return;
	}
	if (json_is_array(body))
		new = sim_json_patch(old, body);
	else if (strstr(ct, "strategic") != NULL)
		new = sim_strategic_patch(rt, old, body);
	else
		new = sim_merge_patch(old, body);
	if (new == NULL) {
		json_decref(body);
		sim_reply_status(c, 422, "Invalid",
		    "the server rejected our request due to an error in our "
		    "request", NULL);
		return;
	}
	/* The patch handler's strict error quotes the patch. */
	text = fv != NULL && strcmp(fv, "Strict") == 0 ?
	    sim_patch_text(ct, body, new) : NULL;
	json_decref(body);
	if (sim_fields_admit(c->req, rt, new, fv, "patch", text ? text : "",
	    &st) != 0) {
		free(text);
		json_decref(new);
		sim_reply_admit_error(c, st);
		return;
	}
	free(text);
	/* A patch without resourceVersion never conflicts. */
	if (json_equal(sim_path(new, "metadata.resourceVersion"),
	    sim_path(old, "metadata.resourceVersion")))
		sim_set(new, "metadata.resourceVersion", json_string(""));
	sim_apply_update(c, rt, old, new);
}
