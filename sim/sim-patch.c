/*
 * Strategic merge patch as k8s.io/apimachinery's strategicpatch applies
 * it, driven by the schema (sim-schema.c): lists with a merge key merge by
 * it (containers by name, ports by containerPort...), lists merged as sets
 * take the union, other lists are replaced; and the $patch,
 * $setElementOrder, $retainKeys and $deleteFromPrimitiveList directives
 * kubectl apply and kubectl patch send.  Fields the schema does not know
 * merge as in a JSON merge patch.
 */
#include "sim-int.h"

#include <string.h>

#include "common.h"

static json_t *sim_smp_map(json_t *, json_t *, const char *);

/* The "$patch" directive of a patch object, or "". */
static const char *
sim_smp_directive(json_t *v)
{
	const char *d = json_string_value(json_object_get(v, "$patch"));

	return d != NULL ? d : "";
}

/* The index of a list item by merge key value (or scalar), or -1. */
static long
sim_smp_find(json_t *list, const char *key, json_t *want)
{
	json_t *x;
	size_t i;

	json_array_foreach(list, i, x) {
		if (*key != '\0' ? json_equal(json_object_get(x, key), want) :
		    json_equal(x, want))
			return (long)i;
	}
	return -1;
}

/* Merges a patch list into a list by merge key (new reference). */
static json_t *
sim_smp_keyed(json_t *orig, json_t *patch, const char *key, const char *type)
{
	json_t *out = json_is_array(orig) ? json_deep_copy(orig) : json_array();
	json_t *e, *m;
	long at;
	size_t i;

	json_array_foreach(patch, i, e) {
		if (strcmp(sim_smp_directive(e), "replace") == 0) {
			/* The whole list is the patch's, less the marker. */
			json_decref(out);
			out = json_array();
			json_array_foreach(patch, i, e) {
				if (strcmp(sim_smp_directive(e),
				    "replace") != 0)
					json_array_append_new(out,
					    sim_smp_map(NULL, e, type));
			}
			return out;
		}
		at = sim_smp_find(out, key, json_object_get(e, key));
		if (strcmp(sim_smp_directive(e), "delete") == 0) {
			if (at >= 0)
				json_array_remove(out, (size_t)at);
			continue;
		}
		m = sim_smp_map(at >= 0 ? json_array_get(out, (size_t)at) :
		    NULL, e, type);
		if (m == NULL)
			continue;
		if (at >= 0)
			json_array_set_new(out, (size_t)at, m);
		else
			json_array_append_new(out, m);
	}
	return out;
}

/* Merges a list of scalars as a set (new reference). */
static json_t *
sim_smp_union(json_t *orig, json_t *patch)
{
	json_t *out = json_is_array(orig) ? json_deep_copy(orig) : json_array();
	json_t *v;
	size_t i;

	json_array_foreach(patch, i, v) {
		if (sim_smp_find(out, "", v) < 0)
			json_array_append(out, v);
	}
	return out;
}

/* $setElementOrder/<field>: the patch's order first, then the rest. */
static void
sim_smp_order(json_t *obj, const char *field, json_t *order,
    const char *key)
{
	json_t *list = json_object_get(obj, field), *out, *o;
	long at;
	size_t i;

	if (!json_is_array(list) || !json_is_array(order))
		return;
	list = json_deep_copy(list);
	out = json_array();
	json_array_foreach(order, i, o) {
		at = sim_smp_find(list, key, *key != '\0' ?
		    json_object_get(o, key) : o);
		if (at < 0)
			continue;
		json_array_append(out, json_array_get(list, (size_t)at));
		json_array_remove(list, (size_t)at);
	}
	json_array_extend(out, list);
	json_decref(list);
	json_object_set_new(obj, field, out);
}

/* $deleteFromPrimitiveList/<field>: removes values from a scalar list. */
static void
sim_smp_delete_values(json_t *obj, const char *field, json_t *values)
{
	json_t *list = json_object_get(obj, field), *v;
	long at;
	size_t i;

	if (!json_is_array(list))
		return;
	json_array_foreach(values, i, v) {
		while ((at = sim_smp_find(list, "", v)) >= 0)
			json_array_remove(list, (size_t)at);
	}
}

/* $retainKeys: only the keys listed stay. */
static void
sim_smp_retain(json_t *obj, json_t *keys)
{
	const char *k;
	json_t *v;
	void *tmp;

	if (!json_is_array(keys))
		return;
	json_object_foreach_safe(obj, tmp, k, v) {
		json_t *kj = json_string(k);

		if (sim_smp_find(keys, "", kj) < 0)
			json_object_del(obj, k);
		json_decref(kj);
	}
}

/* Merges one member of a patch into out, per the field's schema. */
static void
sim_smp_member(json_t *out, const char *type, const char *k, json_t *v)
{
	struct sim_sfield f;
	json_t *cur = json_object_get(out, k), *m;
	bool known = sim_schema_field(type, k, &f);

	if (json_is_null(v)) {
		json_object_del(out, k);
		return;
	}
	if (json_is_object(v) && (!known || f.kind == '\0')) {
		m = sim_smp_map(cur, v, known ? f.type : "");
		if (m != NULL)
			json_object_set_new(out, k, m);
		else
			json_object_del(out, k);
	} else if (json_is_array(v) && known && f.merge)
		json_object_set_new(out, k, *f.key != '\0' ?
		    sim_smp_keyed(cur, v, f.key, f.type) :
		    sim_smp_union(cur, v));
	else
		json_object_set_new(out, k, json_deep_copy(v));
}

/*
 * Merges a patch object into an original (either may be NULL) as a
 * struct of a schema type ("" for a free-form map); NULL for
 * "$patch": "delete".
 */
static json_t *
sim_smp_map(json_t *orig, json_t *patch, const char *type)
{
	const char *d = sim_smp_directive(patch), *k, *field;
	struct sim_sfield f;
	json_t *out, *v;

	if (!json_is_object(patch))
		return json_deep_copy(patch);
	if (strcmp(d, "delete") == 0)
		return NULL;
	out = json_is_object(orig) && strcmp(d, "replace") != 0 ?
	    json_deep_copy(orig) : json_object();
	sim_smp_retain(out, json_object_get(patch, "$retainKeys"));
	json_object_foreach(patch, k, v) {
		if (k[0] != '$')
			sim_smp_member(out, type, k, v);
		else if (has_prefix(k, "$deleteFromPrimitiveList/"))
			sim_smp_delete_values(out, strchr(k, '/') + 1, v);
	}
	json_object_foreach(patch, k, v) {
		if (!has_prefix(k, "$setElementOrder/"))
			continue;
		field = strchr(k, '/') + 1;
		sim_smp_order(out, field, v, sim_schema_field(type, field, &f) ?
		    f.key : "");
	}
	return out;
}

/* Applies a strategic merge patch to an object of a type (new reference). */
json_t *
sim_strategic_patch(enum sim_rt rt, json_t *orig, json_t *patch)
{
	char root[SIM_SCHEMA_TYPE_MAX];
	json_t *out;

	sim_schema_root(rt, root, sizeof root);
	out = sim_smp_map(orig, patch, root);
	return out != NULL ? out : json_object();
}
