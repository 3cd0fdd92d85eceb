/*
 * Just enough Kubernetes protobuf to read the review requests kubectl
 * sends as application/vnd.kubernetes.protobuf: the "k8s\0" envelope
 * (runtime.Unknown) and the few string fields of the review specs.
 */
#include "sim-int.h"

#include <string.h>

#include "common.h"

/* One field of a message schema: number, JSON name, nested schema. */
struct sim_pfield {
	int num;
	const char *name;
	const struct sim_pfield *sub; /* NULL: a string */
	bool repeated;
};

static const struct sim_pfield sim_p_resattrs[] = {
	{ 1, "namespace", NULL, false }, { 2, "verb", NULL, false },
	{ 3, "group", NULL, false }, { 4, "version", NULL, false },
	{ 5, "resource", NULL, false }, { 6, "subresource", NULL, false },
	{ 7, "name", NULL, false }, { 0, NULL, NULL, false },
};
static const struct sim_pfield sim_p_nonres[] = {
	{ 1, "path", NULL, false }, { 2, "verb", NULL, false },
	{ 0, NULL, NULL, false },
};
static const struct sim_pfield sim_p_sarspec[] = {
	{ 1, "resourceAttributes", sim_p_resattrs, false },
	{ 2, "nonResourceAttributes", sim_p_nonres, false },
	{ 3, "user", NULL, false }, { 4, "groups", NULL, true },
	{ 6, "uid", NULL, false }, { 0, NULL, NULL, false },
};
static const struct sim_pfield sim_p_trspec[] = {
	{ 1, "token", NULL, false }, { 2, "audiences", NULL, true },
	{ 0, NULL, NULL, false },
};
static const struct sim_pfield sim_p_sar[] = {
	{ 2, "spec", sim_p_sarspec, false }, { 0, NULL, NULL, false },
};
static const struct sim_pfield sim_p_tr[] = {
	{ 2, "spec", sim_p_trspec, false }, { 0, NULL, NULL, false },
};

/* Reads a varint; -1 past the end. */
static int
sim_pvarint(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
	int shift = 0;

	*v = 0;
	while (*p < end && shift < 64) {
		unsigned char b = *(*p)++;

		*v |= (uint64_t)(b & 0x7f) << shift;
		if ((b & 0x80) == 0)
			return 0;
		shift += 7;
	}
	return -1;
}

/* Decodes a message by schema into a JSON object; -1 if malformed. */
static int
sim_pdecode(const unsigned char *p, const unsigned char *end,
    const struct sim_pfield *schema, json_t *out, int depth)
{
	uint64_t key, v;
	const struct sim_pfield *f;

	if (depth > 8)
		return -1;
	while (p < end) {
		if (sim_pvarint(&p, end, &key) != 0)
			return -1;
		switch (key & 7) {
		case 0:
			if (sim_pvarint(&p, end, &v) != 0)
				return -1;
			continue;
		case 1:
			p += 8;
			continue;
		case 5:
			p += 4;
			continue;
		case 2:
			break;
		default:
			return -1;
		}
		if (sim_pvarint(&p, end, &v) != 0 || v > (uint64_t)(end - p))
			return -1;
		for (f = schema; f != NULL && f->name != NULL; f++) {
			if ((uint64_t)f->num == key >> 3)
				break;
		}
		if (f != NULL && f->name != NULL) {
			if (f->sub != NULL) {
				json_t *o = json_object();

				if (sim_pdecode(p, p + v, f->sub, o,
				    depth + 1) != 0) {
					json_decref(o);
					return -1;
				}
				json_object_set_new(out, f->name, o);
			} else if (f->repeated) {
				json_t *a = json_object_get(out, f->name);

				if (a == NULL) {
					a = json_array();
					json_object_set_new(out, f->name, a);
				}
				json_array_append_new(a,
				    json_stringn((const char *)p, v));
			} else
				json_object_set_new(out, f->name,
				    json_stringn((const char *)p, v));
		}
		p += v;
	}
	return 0;
}

/* Turns a protobuf review request into its JSON form; NULL if unreadable. */
json_t *
sim_proto_review(const void *data, size_t len, enum sim_rt rt)
{
	const unsigned char *p = data, *end = p + len;
	const struct sim_pfield *schema;
	const unsigned char *raw = NULL;
	uint64_t key, v;
	json_t *out;

	if (len < 4 || memcmp(p, "k8s\0", 4) != 0)
		return NULL;
	p += 4;
	/* The envelope: field 2 holds the object's bytes. */
	while (p < end) {
		if (sim_pvarint(&p, end, &key) != 0 || (key & 7) != 2 ||
		    sim_pvarint(&p, end, &v) != 0 || v > (uint64_t)(end - p))
			return NULL;
		if (key >> 3 == 2) {
			raw = p;
			end = p + v;
			break;
		}
		p += v;
	}
	out = json_object();
	if (raw == NULL)
		return out;
	schema = rt == SIM_RT_TOKENREVIEWS ? sim_p_tr : sim_p_sar;
	if (rt == SIM_RT_SELFSUBJECTREVIEWS)
		return out;
	if (sim_pdecode(raw, end, schema, out, 0) != 0) {
		json_decref(out);
		return NULL;
	}
	return out;
}
