/* Label and field selectors, in the grammar of k8s.io/apimachinery/labels. */
#include "sim-int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

/* Frees a selector; NULL is a no-op. */
void
sim_selector_free(struct sim_selector *s)
{
	int i, j;

	if (s == NULL)
		return;
	for (i = 0; i < s->nreqs; i++) {
		free(s->reqs[i].key);
		for (j = 0; j < s->reqs[i].nvalues; j++)
			free(s->reqs[i].values[j]);
		free(s->reqs[i].values);
	}
	free(s->reqs);
	free(s);
}

/* Appends a requirement so the parsers stay short. */
static struct sim_req *
sim_sel_add(struct sim_selector *s, const char *key, size_t klen,
    enum sim_sel_op op)
{
	struct sim_req *r;

	s->reqs = xreallocarray(s->reqs, s->nreqs + 1, sizeof *s->reqs);
	r = &s->reqs[s->nreqs++];
	r->key = xstrndup(key, klen);
	r->op = op;
	r->values = NULL;
	r->nvalues = 0;
	return r;
}

/* Adds one value to a requirement. */
static void
sim_sel_value(struct sim_req *r, const char *v, size_t len)
{
	r->values = xreallocarray(r->values, r->nvalues + 1, sizeof *r->values);
	r->values[r->nvalues++] = xstrndup(v, len);
}

/* True for characters a label key or value may hold. */
static bool
sim_sel_is_word(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '_' || c == '.' ||
	    c == '/';
}

/* Sets *cause to the apiserver's wording for a selector error. */
static void
sim_sel_error(char **cause, const char *sel, const char *why)
{
	if (cause != NULL)
		*cause = xprintf("unable to parse requirement: %s: '%s'", why,
		    sel);
}

/* Parses a label selector string ("a=b,c in (d,e),!f"). */
struct sim_selector *
sim_selector_parse(const char *str, char **cause)
{
	struct sim_selector *s = xcalloc(1, sizeof *s);
	const char *p = str, *k, *v;
	struct sim_req *r;
	size_t klen;
	bool neg;

	if (str == NULL)
		return s;
	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		neg = false;
		if (*p == '!') {
			neg = true;
			p++;
			while (*p == ' ')
				p++;
		}
		k = p;
		while (sim_sel_is_word(*p))
			p++;
		klen = p - k;
		if (klen == 0) {
			sim_sel_error(cause, str, "found '', expected: identifier");
			goto fail;
		}
		while (*p == ' ')
			p++;
		if (neg) {
			sim_sel_add(s, k, klen, SIM_SEL_NOTEXISTS);
		} else if (*p == '\0' || *p == ',') {
			sim_sel_add(s, k, klen, SIM_SEL_EXISTS);
		} else if (*p == '=' || (p[0] == '!' && p[1] == '=')) {
			if (*p == '!')
				r = sim_sel_add(s, k, klen, SIM_SEL_NE), p += 2;
			else {
				r = sim_sel_add(s, k, klen, SIM_SEL_EQ);
				p += (p[1] == '=') ? 2 : 1;
			}
			while (*p == ' ')
				p++;
			v = p;
			while (sim_sel_is_word(*p))
				p++;
			sim_sel_value(r, v, p - v);
		} else if (strncmp(p, "in", 2) == 0 || strncmp(p, "notin", 5) == 0) {
			bool in = p[0] == 'i';

			r = sim_sel_add(s, k, klen, in ? SIM_SEL_IN : SIM_SEL_NOTIN);
			p += in ? 2 : 5;
			while (*p == ' ')
				p++;
			if (*p != '(') {
				sim_sel_error(cause, str,
				    "found '', expected: '('");
				goto fail;
			}
			p++;
			for (;;) {
				while (*p == ' ')
					p++;
				v = p;
				while (sim_sel_is_word(*p))
					p++;
				sim_sel_value(r, v, p - v);
				while (*p == ' ')
					p++;
				if (*p == ',') {
					p++;
					continue;
				}
				if (*p == ')') {
					p++;
					break;
				}
				sim_sel_error(cause, str,
				    "found '', expected: ',', or ')'");
				goto fail;
			}
		} else {
			sim_sel_error(cause, str,
			    "found '', expected: in, notin, =, ==, !=, gt, lt");
			goto fail;
		}
		while (*p == ' ')
			p++;
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p != '\0') {
			sim_sel_error(cause, str, "found unexpected character");
			goto fail;
		}
	}
	return s;
fail:
	sim_selector_free(s);
	return NULL;
}

/* Parses a field selector: only =, == and != with comma as AND. */
struct sim_selector *
sim_field_selector_parse(const char *str, char **cause)
{
	struct sim_selector *s = xcalloc(1, sizeof *s);
	const char *p = str, *k, *e;
	struct sim_req *r;

	if (str == NULL)
		return s;
	while (*p != '\0') {
		k = p;
		e = p + strcspn(p, ",");
		while (p < e && *p != '=' && *p != '!')
			p++;
		if (p == e || p == k) {
			if (cause != NULL)
				*cause = xprintf("invalid selector: '%s'; can't "
				    "understand '%.*s'", str, (int)(e - k), k);
			goto fail;
		}
		if (*p == '!') {
			if (p[1] != '=')
				goto bad;
			r = sim_sel_add(s, k, p - k, SIM_SEL_NE);
			p += 2;
		} else {
			r = sim_sel_add(s, k, p - k, SIM_SEL_EQ);
			p += (p[1] == '=') ? 2 : 1;
		}
		sim_sel_value(r, p, e - p);
		p = (*e == ',') ? e + 1 : e;
	}
	return s;
bad:
	if (cause != NULL)
		*cause = xprintf("invalid selector: '%s'", str);
fail:
	sim_selector_free(s);
	return NULL;
}

/* Turns {matchLabels, matchExpressions} into the parsed form. */
struct sim_selector *
sim_selector_from_json(json_t *js, char **cause)
{
	struct sim_selector *s = xcalloc(1, sizeof *s);
	json_t *ml, *me, *v, *e, *vals;
	const char *k, *op;
	struct sim_req *r;
	size_t i, j;

	ml = json_object_get(js, "matchLabels");
	json_object_foreach(ml, k, v) {
		r = sim_sel_add(s, k, strlen(k), SIM_SEL_EQ);
		sim_sel_value(r, json_string_value(v) ? json_string_value(v) : "",
		    strlen(json_string_value(v) ? json_string_value(v) : ""));
	}
	me = json_object_get(js, "matchExpressions");
	json_array_foreach(me, i, e) {
		const char *key = json_string_value(json_object_get(e, "key"));
		enum sim_sel_op o;

		op = json_string_value(json_object_get(e, "operator"));
		if (key == NULL || op == NULL)
			goto bad;
		if (strcmp(op, "In") == 0)
			o = SIM_SEL_IN;
		else if (strcmp(op, "NotIn") == 0)
			o = SIM_SEL_NOTIN;
		else if (strcmp(op, "Exists") == 0)
			o = SIM_SEL_EXISTS;
		else if (strcmp(op, "DoesNotExist") == 0)
			o = SIM_SEL_NOTEXISTS;
		else
			goto bad;
		r = sim_sel_add(s, key, strlen(key), o);
		vals = json_object_get(e, "values");
		json_array_foreach(vals, j, v) {
			if (json_is_string(v))
				sim_sel_value(r, json_string_value(v),
				    strlen(json_string_value(v)));
		}
	}
	return s;
bad:
	if (cause != NULL)
		*cause = xstrdup("invalid label selector operator");
	sim_selector_free(s);
	return NULL;
}

/* Evaluates one requirement against a value that may be absent. */
static bool
sim_req_matches(const struct sim_req *r, const char *val)
{
	int j;

	switch (r->op) {
	case SIM_SEL_EXISTS:
		return val != NULL;
	case SIM_SEL_NOTEXISTS:
		return val == NULL;
	case SIM_SEL_EQ:
		return val != NULL && strcmp(val, r->values[0]) == 0;
	case SIM_SEL_NE:
		return val == NULL || strcmp(val, r->values[0]) != 0;
	case SIM_SEL_IN:
	case SIM_SEL_NOTIN:
		for (j = 0; j < r->nvalues; j++) {
			if (val != NULL && strcmp(val, r->values[j]) == 0)
				return r->op == SIM_SEL_IN;
		}
		return r->op == SIM_SEL_NOTIN;
	}
	return false;
}

/* True if the labels satisfy every requirement. */
bool
sim_selector_matches(const struct sim_selector *s, json_t *labels)
{
	int i;

	if (s == NULL)
		return true;
	for (i = 0; i < s->nreqs; i++) {
		json_t *v = json_object_get(labels, s->reqs[i].key);

		if (!sim_req_matches(&s->reqs[i], json_string_value(v)))
			return false;
	}
	return true;
}

/* True if the object's fields (by dotted path) satisfy the selector. */
bool
sim_field_matches(const struct sim_selector *s, json_t *obj)
{
	int i;

	if (s == NULL)
		return true;
	for (i = 0; i < s->nreqs; i++) {
		json_t *v = sim_path(obj, s->reqs[i].key);
		const char *str = json_string_value(v);
		char buf[32];

		if (json_is_boolean(v))
			str = json_is_true(v) ? "true" : "false";
		else if (v == NULL &&
		    strcmp(s->reqs[i].key, "spec.hostNetwork") == 0)
			str = "false";	/* a Go bool is never absent */
		else if (str == NULL) {
			if (json_is_integer(v)) {
				snprintf(buf, sizeof buf, "%lld",
				    (long long)json_integer_value(v));
				str = buf;
			} else
				str = "";
		}
		if (!sim_req_matches(&s->reqs[i], str))
			return false;
	}
	return true;
}

/* Refuses field names the real apiserver refuses, with its message. */
int
sim_field_check(const struct sim_selector *s, enum sim_rt rt, char **cause)
{
	static const char *pod_fields[] = { "spec.nodeName",
		"spec.restartPolicy", "spec.schedulerName",
		"spec.serviceAccountName", "spec.hostNetwork", "status.phase",
		"status.podIP", "status.nominatedNodeName" };
	size_t j;
	int i;

	if (s == NULL)
		return 0;
	for (i = 0; i < s->nreqs; i++) {
		const char *k = s->reqs[i].key;
		bool okf = strcmp(k, "metadata.name") == 0 ||
		    strcmp(k, "metadata.namespace") == 0;

		if (rt == SIM_RT_PODS) {
			for (j = 0; j < nitems(pod_fields); j++)
				if (strcmp(k, pod_fields[j]) == 0)
					okf = true;
		}
		if (rt == SIM_RT_EVENTS && has_prefix(k, "involvedObject."))
			okf = true;
		if (rt == SIM_RT_EVENTS && (strcmp(k, "reason") == 0 ||
		    strcmp(k, "type") == 0))
			okf = true;
		if (rt == SIM_RT_NODES && strcmp(k, "spec.unschedulable") == 0)
			okf = true;
		if (rt == SIM_RT_JOBS && strcmp(k, "status.successful") == 0)
			okf = true;
		if (!okf) {
			if (cause != NULL)
				*cause = xprintf("field label not supported: %s",
				    k);
			return -1;
		}
	}
	return 0;
}
