/*
 * fieldValidation as the apiserver's strict decoder does it: the fields of
 * a request body its API types do not know (sim-schema.c) are refused,
 * warned about or dropped; and the few values its error messages print
 * with Go's fmt (%q, %+v, %#v), printed the same way.
 */
#include "sim-int.h"

#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

#define SIM_FIELD_PATH_MAX 512
#define SIM_FIELDS_MAX 100	/* unknown fields reported per request */

/* Orders schema types by name for bsearch. */
static int
sim_stype_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct sim_stype *)elem)->name);
}

/* The field list of a schema type, or NULL when the schema has none. */
static const char *
sim_stype_fields(const char *name)
{
	const struct sim_stype *t;

	t = bsearch(name, sim_stypes, sim_nstypes, sizeof *sim_stypes,
	    sim_stype_cmp);
	return t != NULL ? t->fields : NULL;
}

/* Looks a field of a schema type up; false if the type has no such field. */
bool
sim_schema_field(const char *type, const char *name, struct sim_sfield *f)
{
	const char *p = sim_stype_fields(type), *e, *end, *colon, *at;
	size_t n = strlen(name), tl;

	if (p == NULL)
		return false;
	while (*p != '\0') {
		e = strchr(p, ' ');
		if (e == NULL)
			e = p + strlen(p);
		colon = memchr(p, ':', e - p);
		at = memchr(p, '@', e - p);
		end = colon ? colon : at ? at : e;
		if ((size_t)(end - p) != n || memcmp(p, name, n) != 0) {
			p = *e ? e + 1 : e;
			continue;
		}
		memset(f, 0, sizeof *f);
		f->merge = at != NULL;
		if (at != NULL && (size_t)(e - at - 1) < sizeof f->key)
			memcpy(f->key, at + 1, e - at - 1);
		if (colon == NULL)
			return true;
		colon++;
		if (colon[0] == '[' || colon[0] == '{') {
			f->kind = colon[0];
			colon += 2;
		}
		tl = (size_t)((at ? at : e) - colon);
		if (tl >= sizeof f->type)
			tl = sizeof f->type - 1;
		memcpy(f->type, colon, tl);
		return true;
	}
	return false;
}

static void sim_fields_walk(json_t *, const char *, const char *, json_t *,
    bool);

/* Walks the value of a known field by the struct type it holds. */
static void
sim_fields_value(json_t *v, const char *type, char kind, const char *path,
    json_t *unknown, bool drop)
{
	char sub[SIM_FIELD_PATH_MAX];
	const char *k;
	json_t *x;
	size_t i;

	if (*type == '\0')
		return;
	if (kind == '\0') {
		sim_fields_walk(v, type, path, unknown, drop);
		return;
	}
	if (kind == '[' && json_is_array(v)) {
		json_array_foreach(v, i, x) {
			if (snprintf(sub, sizeof sub, "%s[%zu]", path, i) <
			    (int)sizeof sub)
				sim_fields_walk(x, type, sub, unknown, drop);
		}
	} else if (kind == '{' && json_is_object(v)) {
		json_object_foreach(v, k, x) {
			if (snprintf(sub, sizeof sub, "%s[%s]", path, k) <
			    (int)sizeof sub)
				sim_fields_walk(x, type, sub, unknown, drop);
		}
	}
}

/*
 * Collects the paths of unknown fields of an object of a schema type into
 * unknown ("spec.containers[0].imagee", as sigs.k8s.io/json names them),
 * removing them when drop is set.
 */
static void
sim_fields_walk(json_t *obj, const char *type, const char *path,
    json_t *unknown, bool drop)
{
	char sub[SIM_FIELD_PATH_MAX];
	struct sim_sfield f;
	const char *k;
	json_t *v;
	void *tmp;

	if (sim_stype_fields(type) == NULL || !json_is_object(obj))
		return;
	json_object_foreach_safe(obj, tmp, k, v) {
		snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", k);
		if (!sim_schema_field(type, k, &f)) {
			if (json_array_size(unknown) < SIM_FIELDS_MAX)
				json_array_append_new(unknown,
				    json_string(sub));
			if (drop)
				json_object_del(obj, k);
			continue;
		}
		sim_fields_value(v, f.type, f.kind, sub, unknown, drop);
	}
}

/* The schema type of a served kind ("apps.Deployment"). */
void
sim_schema_root(enum sim_rt rt, char *buf, size_t sz)
{
	const char *g = sim_rtypes[rt].group, *pre = "";

	if (strcmp(g, "apps") == 0)
		pre = "apps.";
	else if (strcmp(g, "batch") == 0)
		pre = "batch.";
	else if (strcmp(g, "coordination.k8s.io") == 0)
		pre = "coord.";
	else if (strcmp(g, "discovery.k8s.io") == 0)
		pre = "disc.";
	snprintf(buf, sz, "%s%s", pre, sim_rtypes[rt].kind);
}

/* "strict decoding error: unknown field "a", unknown field "b"". */
static char *
sim_strict_text(json_t *unknown)
{
	char *out = xstrdup("strict decoding error: "), *q;
	json_t *v;
	size_t i;

	json_array_foreach(unknown, i, v) {
		q = sim_go_quote(json_string_value(v));
		xappendf(&out, "%sunknown field %s", i ? ", " : "", q);
		free(q);
	}
	return out;
}

/* The 422 the options' validation gives a directive it does not know. */
static json_t *
sim_directive_status(const char *verb, const char *directive)
{
	const char *kind = strcmp(verb, "create") == 0 ? "CreateOptions" :
	    strcmp(verb, "update") == 0 ? "UpdateOptions" : "PatchOptions";
	char *q = sim_go_quote(directive);
	json_t *causes = json_array(), *st;

	sim_cause(causes, "FieldValueNotSupported", "fieldValidation",
	    "Unsupported value: %s: supported values: \"\", \"Ignore\", "
	    "\"Strict\", \"Warn\"", q);
	st = sim_invalid_new(kind, "meta.k8s.io", "", causes);
	json_decref(causes);
	free(q);
	return st;
}

/*
 * The Status of a strict decoding error: create and update answer 400
 * from the decoder; a patch answers 422 naming the patch (patch handler).
 */
static json_t *
sim_strict_status(enum sim_rt rt, json_t *unknown, const char *patch)
{
	char *text = sim_strict_text(unknown), *m, *q;
	json_t *st, *causes;

	if (patch == NULL) {
		m = xprintf("%s in version \"v1\" cannot be handled as a "
		    "%s: %s", sim_rtypes[rt].kind, sim_rtypes[rt].kind, text);
		st = sim_status_new(400, "BadRequest", m, NULL);
		free(m);
	} else {
		q = sim_go_quote(patch);
		causes = json_array();
		sim_cause(causes, "FieldValueInvalid", "patch",
		    "Invalid value: %s: %s", q, text);
		st = sim_invalid_new("", "", "", causes);
		json_decref(causes);
		free(q);
	}
	free(text);
	return st;
}

/* Adds the apiserver's warning header for one unknown field. */
static void
sim_warn_field(struct evhttp_request *req, const char *path)
{
	char *q = sim_go_quote(path), *text, *h, *p;
	size_t n = 0;

	text = xprintf("unknown field %s", q);
	/* makeQuotedString: a backslash before every '"' and '\'. */
	h = xmalloc(2 * strlen(text) + 16);
	n = (size_t)snprintf(h, 16, "299 - \"");
	for (p = text; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			h[n++] = '\\';
		h[n++] = *p;
	}
	h[n++] = '"';
	h[n] = '\0';
	evhttp_add_header(evhttp_request_get_output_headers(req), "Warning", h);
	free(h);
	free(text);
	free(q);
}

/* Checks a body's fields per fieldValidation; see sim-int.h. */
int
sim_fields_admit(struct evhttp_request *req, enum sim_rt rt, json_t *obj,
    const char *directive, const char *verb, const char *patch,
    json_t **status)
{
	char type[SIM_SCHEMA_TYPE_MAX];
	json_t *unknown, *v;
	bool strict;
	size_t i;

	*status = NULL;
	if (directive == NULL)
		directive = "Warn";	/* the default since 1.27 */
	if (*directive != '\0' && strcmp(directive, "Warn") != 0 &&
	    strcmp(directive, "Strict") != 0 &&
	    strcmp(directive, "Ignore") != 0) {
		*status = sim_directive_status(verb, directive);
		return -1;
	}
	strict = strcmp(directive, "Strict") == 0;
	sim_schema_root(rt, type, sizeof type);
	unknown = json_array();
	sim_fields_walk(obj, type, "", unknown, !strict);
	if (strict && json_array_size(unknown) > 0) {
		*status = sim_strict_status(rt, unknown, patch);
		json_decref(unknown);
		return -1;
	}
	if (strcmp(directive, "Ignore") != 0) {
		json_array_foreach(unknown, i, v)
			sim_warn_field(req, json_string_value(v));
	}
	json_decref(unknown);
	return 0;
}

/* Go's strconv.Quote, as %q prints a string (UTF-8 passes through). */
char *
sim_go_quote(const char *s)
{
	size_t n = strlen(s), o = 0;
	char *out = xmalloc(4 * n + 3);
	const unsigned char *p;

	out[o++] = '"';
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		switch (*p) {
		case '"': case '\\':
			out[o++] = '\\';
			out[o++] = (char)*p;
			break;
		case '\n': out[o++] = '\\'; out[o++] = 'n'; break;
		case '\t': out[o++] = '\\'; out[o++] = 't'; break;
		case '\r': out[o++] = '\\'; out[o++] = 'r'; break;
		case '\a': out[o++] = '\\'; out[o++] = 'a'; break;
		case '\b': out[o++] = '\\'; out[o++] = 'b'; break;
		case '\f': out[o++] = '\\'; out[o++] = 'f'; break;
		case '\v': out[o++] = '\\'; out[o++] = 'v'; break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				o += (size_t)snprintf(out + o, 5, "\\x%02x",
				    *p);
			else
				out[o++] = (char)*p;
		}
	}
	out[o++] = '"';
	out[o] = '\0';
	return out;
}

/*
 * Go's %v of a float64: the shortest digits that read back, with an
 * exponent when it is below -4 or from 6 on (strconv's 'g', shortest).
 */
static char *
sim_go_float(double d)
{
	char buf[64], *e;
	int prec, x;

	for (prec = 1; prec < 17; prec++) {
		snprintf(buf, sizeof buf, "%.*e", prec - 1, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	snprintf(buf, sizeof buf, "%.*e", prec - 1, d);
	e = strchr(buf, 'e');
	x = e != NULL ? atoi(e + 1) : 0;
	if (x >= -4 && x < 6)
		snprintf(buf, sizeof buf, "%.*f", prec - 1 - x > 0 ?
		    prec - 1 - x : 0, d);
	return xstrdup(buf);
}

/* The keys of an object in byte order, as fmt prints a map (borrowed). */
const char **
sim_sorted_keys(json_t *obj, size_t *n)
{
	const char **keys, *k;
	json_t *v;
	size_t i = 0, j;

	*n = json_object_size(obj);
	keys = xcalloc(*n + 1, sizeof *keys);
	json_object_foreach(obj, k, v)
		keys[i++] = k;
	for (i = 1; i < *n; i++)
		for (j = i; j > 0 && strcmp(keys[j - 1], keys[j]) > 0; j--) {
			k = keys[j];
			keys[j] = keys[j - 1];
			keys[j - 1] = k;
		}
	return keys;
}

/* Appends Go's %+v of a decoded JSON value (map[string]interface{}). */
static void
sim_go_value(json_t *v, char **out)
{
	const char **keys;
	char *s;
	size_t i, n;
	json_t *x;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		keys = sim_sorted_keys(v, &n);
		xappendf(out, "map[");
		for (i = 0; i < n; i++) {
			xappendf(out, "%s%s:", i ? " " : "", keys[i]);
			sim_go_value(json_object_get(v, keys[i]), out);
		}
		free(keys);
		s = xstrdup("]");
		break;
	case JSON_ARRAY:
		xappendf(out, "[");
		json_array_foreach(v, i, x) {
			xappendf(out, "%s", i > 0 ? " " : "");
			sim_go_value(x, out);
		}
		s = xstrdup("]");
		break;
	case JSON_STRING:
		s = xstrdup(json_string_value(v));
		break;
	case JSON_INTEGER:
		s = xprintf("%lld", (long long)json_integer_value(v));
		break;
	case JSON_REAL:
		s = sim_go_float(json_real_value(v));
		break;
	case JSON_TRUE:
		s = xstrdup("true");
		break;
	case JSON_FALSE:
		s = xstrdup("false");
		break;
	default:
		s = xstrdup("<nil>");
		break;
	}
	xappendf(out, "%s", s);
	free(s);
}

/* The patch as the patch handler quotes it in a strict decoding error. */
char *
sim_patch_text(const char *content_type, json_t *patch, json_t *patched)
{
	char *out;

	if (content_type != NULL && strstr(content_type, "strategic") != NULL) {
		out = xstrdup("");
		sim_go_value(patch, &out);
		return out;
	}
	/* JSON and merge patches: the patched object as JSON. */
	return json_dumps(patched, JSON_COMPACT | JSON_SORT_KEYS);
}

/* Go's %#v of a []string (a JSON array, or NULL for a nil slice). */
char *
sim_go_strings(json_t *arr)
{
	char *out, *q;
	json_t *x;
	size_t i;

	if (!json_is_array(arr))
		return xstrdup("[]string(nil)");
	out = xstrdup("[]string{");
	json_array_foreach(arr, i, x) {
		q = sim_go_quote(json_string_value(x) ? json_string_value(x) :
		    "");
		xappendf(&out, "%s%s", i ? ", " : "", q);
		free(q);
	}
	xappendf(&out, "}");
	return out;
}

/* Go's %#v of a map[string]string, keys sorted as fmt sorts them. */
static char *
sim_go_string_map(json_t *m)
{
	const char **keys, *v;
	char *out, *kq, *vq;
	size_t i, n;

	if (!json_is_object(m))
		return xstrdup("map[string]string(nil)");
	out = xstrdup("map[string]string{");
	keys = sim_sorted_keys(m, &n);
	for (i = 0; i < n; i++) {
		v = json_string_value(json_object_get(m, keys[i]));
		kq = sim_go_quote(keys[i]);
		vq = sim_go_quote(v ? v : "");
		xappendf(&out, "%s%s:%s", i ? ", " : "", kq, vq);
		free(kq);
		free(vq);
	}
	free(keys);
	xappendf(&out, "}");
	return out;
}

/* Go's %#v of a *metav1.LabelSelector once dereferenced (or "null"). */
char *
sim_go_selector(json_t *sel)
{
	json_t *exprs, *e;
	char *labels, *out, *t, *kq, *oq, *vals;
	size_t i;

	if (!json_is_object(sel))
		return xstrdup("\"null\"");
	labels = sim_go_string_map(json_object_get(sel, "matchLabels"));
	exprs = json_object_get(sel, "matchExpressions");
	if (!json_is_array(exprs))
		out = xstrdup("[]v1.LabelSelectorRequirement(nil)");
	else {
		out = xstrdup("[]v1.LabelSelectorRequirement{");
		json_array_foreach(exprs, i, e) {
			kq = sim_go_quote(sim_str_or(e, "key", ""));
			oq = sim_go_quote(sim_str_or(e, "operator", ""));
			vals = sim_go_strings(json_object_get(e, "values"));
			xappendf(&out, "%sv1.LabelSelectorRequirement{"
			    "Key:%s, Operator:%s, Values:%s}", i ? ", " : "",
			    kq, oq, vals);
			free(kq);
			free(oq);
			free(vals);
		}
		xappendf(&out, "}");
	}
	t = xprintf("v1.LabelSelector{MatchLabels:%s, MatchExpressions:%s}",
	    labels, out);
	free(labels);
	free(out);
	return t;
}
