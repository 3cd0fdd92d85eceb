/* Resource arithmetic: what pods use, and ResourceQuota admission. */
#include "sim-int.h"

#include <stdlib.h>
#include <string.h>

#include "common.h"

/* Adds sign * delta into acc, key by key. */
void
sim_use_add(json_t *acc, json_t *delta, int sign)
{
	const char *k;
	json_t *v;

	json_object_foreach(delta, k, v) {
		json_int_t cur = json_integer_value(json_object_get(acc, k));

		json_object_set_new(acc, k,
		    json_integer(cur + sign * json_integer_value(v)));
	}
}

/* Adds n to one key of a usage vector. */
static void
sim_use_addk(json_t *acc, const char *k, int64_t n)
{
	json_int_t cur = json_integer_value(json_object_get(acc, k));

	json_object_set_new(acc, k, json_integer(cur + n));
}

/* True for keys measured in millis (cpu). */
static bool
sim_key_is_milli(const char *key)
{
	return strcmp(key, "cpu") == 0 || strcmp(key, "requests.cpu") == 0 ||
	    strcmp(key, "limits.cpu") == 0;
}

/* Maps the quota aliases onto the names usage is kept under. */
const char *
sim_quota_key(const char *key)
{
	if (strcmp(key, "cpu") == 0)
		return "requests.cpu";
	if (strcmp(key, "memory") == 0)
		return "requests.memory";
	if (strcmp(key, "ephemeral-storage") == 0)
		return "requests.ephemeral-storage";
	if (strcmp(key, "count/services") == 0)
		return "services";
	if (strcmp(key, "count/persistentvolumeclaims") == 0)
		return "persistentvolumeclaims";
	return key;
}

/* Parses a JSON quantity (string or number) for a key. */
int
sim_key_parse(const char *key, json_t *val, int64_t *out)
{
	int scale = sim_key_is_milli(key) ? QUANTITY_MILLI : QUANTITY_UNITS;
	char buf[64];

	if (json_is_integer(val)) {
		*out = json_integer_value(val) * scale;
		return 0;
	}
	if (json_is_real(val)) {
		snprintf(buf, sizeof buf, "%g", json_real_value(val));
		return quantity_parse(buf, scale, out, NULL);
	}
	if (!json_is_string(val))
		return -1;
	return quantity_parse(json_string_value(val), scale, out, NULL);
}

/* True if key ends with suffix. */
static bool
sim_key_ends(const char *key, const char *suffix)
{
	size_t a = strlen(key), b = strlen(suffix);

	return a >= b && strcmp(key + a - b, suffix) == 0;
}

/*
 * Claim sizes as Kubernetes prints them: claims are written both ways
 * ("100Gi", "40T"); a sum keeps the first claim's form, on ailab the
 * standing claims' decimal one.  So: a short exact binary form, else an
 * exact decimal one, else the plain number.
 */
static char *
sim_format_storage(int64_t v)
{
	static const char *bin[] = { "Ei", "Pi", "Ti", "Gi", "Mi", "Ki" };
	static const char *dec[] = { "E", "P", "T", "G", "M", "k" };
	int64_t p = 1000000000000000000LL;
	size_t i;
	int shift;

	for (i = 0; i < nitems(bin) && v != 0; i++) {
		shift = 60 - 10 * (int)i;
		if (v % ((int64_t)1 << shift) == 0 && (v >> shift) < (1 << 20))
			return xprintf("%lld%s", (long long)(v >> shift),
			    bin[i]);
	}
	for (i = 0; i < nitems(dec) && v != 0; i++, p /= 1000) {
		if (v % p == 0)
			return xprintf("%lld%s", (long long)(v / p), dec[i]);
	}
	return xprintf("%lld", (long long)v);
}

/* Formats a value as Kubernetes prints quantities of that key. */
char *
sim_key_format(const char *key, int64_t v)
{
	if (sim_key_is_milli(key))
		return quantity_format_milli(v);
	if (sim_key_ends(key, "requests.storage"))
		return sim_format_storage(v);
	if (strstr(key, "memory") != NULL ||
	    sim_key_ends(key, "ephemeral-storage"))
		return quantity_format_bytes(v);
	return xprintf("%lld", (long long)v);
}

/* Adds one container's resource of a class ("requests"/"limits"). */
static void
sim_ctr_add(json_t *use, json_t *ctr, const char *class)
{
	json_t *res = sim_path(ctr, "resources");
	json_t *req = json_object_get(res, "requests");
	json_t *lim = json_object_get(res, "limits");
	json_t *src = strcmp(class, "limits") == 0 ? lim : req;
	const char *k;
	json_t *v;
	int64_t n;
	char key[256];

	json_object_foreach(src, k, v) {
		snprintf(key, sizeof key, "%s.%s", class, k);
		if (sim_key_parse(key, v, &n) == 0)
			sim_use_addk(use, key, n);
	}
	/* Requests default to limits when only limits are given. */
	if (strcmp(class, "requests") == 0) {
		json_object_foreach(lim, k, v) {
			if (json_object_get(req, k) != NULL)
				continue;
			snprintf(key, sizeof key, "requests.%s", k);
			if (sim_key_parse(key, v, &n) == 0)
				sim_use_addk(use, key, n);
		}
	}
}

/* Usage a pod counts: pods, requests.*, limits.*; terminal pods count less. */
json_t *
sim_pod_usage(json_t *pod, bool terminal_counts)
{
	json_t *use = json_object(), *ctrs, *c;
	size_t i;

	json_object_set_new(use, "count/pods", json_integer(1));
	if (sim_pod_is_terminal(pod)) {
		if (!terminal_counts)
			json_object_clear(use);
		return use;
	}
	json_object_set_new(use, "pods", json_integer(1));
	ctrs = sim_path(pod, "spec.containers");
	json_array_foreach(ctrs, i, c) {
		sim_ctr_add(use, c, "requests");
		sim_ctr_add(use, c, "limits");
	}
	return use;
}

/* Container names lacking a resource, for the "must specify" message. */
static char *
sim_missing(json_t *pod, const char *class, const char *res)
{
	json_t *ctrs = sim_path(pod, "spec.containers"), *c;
	char *out = NULL;
	size_t i;

	json_array_foreach(ctrs, i, c) {
		json_t *r = sim_path(c, "resources");
		bool has = json_object_get(json_object_get(r, class), res) != NULL;

		if (!has && strcmp(class, "requests") == 0)
			has = json_object_get(json_object_get(r, "limits"), res) !=
			    NULL;
		if (has)
			continue;
		xappendf(&out, "%s%s", out ? "," : "",
		    sim_str_or(c, "name", ""));
	}
	return out;
}

/* Orders C strings for qsort (an array of char *). */
int
sim_strcmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Appends "k=v" to a comma list. */
static char *
sim_kv_append(char *list, const char *k, const char *v)
{
	char *t = xprintf("%s%s%s=%s", list ? list : "", list ? "," : "", k, v);

	free(list);
	return t;
}

/* Checks delta against each quota as the apiserver's admission does. */
int
sim_quota_admit(json_t *quotas, json_t *usage, json_t *delta, json_t *pod,
    char **msg)
{
	static const char *tracked[][2] = { { "limits", "cpu" },
		{ "limits", "memory" }, { "requests", "cpu" },
		{ "requests", "memory" } };
	json_t *q, *hard, *v;
	const char *k;
	size_t i, j, nk;

	json_array_foreach(quotas, i, q) {
		const char *qname = sim_str(q, "metadata.name");
		const char *keys[128];
		char *req = NULL, *used = NULL, *lim = NULL, *miss = NULL;

		hard = sim_path(q, "spec.hard");
		if (pod != NULL) {
			for (j = 0; j < nitems(tracked); j++) {
				char full[64], *m;
				bool t;

				snprintf(full, sizeof full, "%s.%s",
				    tracked[j][0], tracked[j][1]);
				t = json_object_get(hard, full) != NULL ||
				    (strcmp(tracked[j][0], "requests") == 0 &&
				    json_object_get(hard, tracked[j][1]));
				if (!t)
					continue;
				m = sim_missing(pod, tracked[j][0],
				    tracked[j][1]);
				if (m != NULL)
					xappendf(&miss, "%s%s for: %s",
					    miss ? "; " : "", full, m);
				free(m);
			}
			if (miss != NULL) {
				*msg = xprintf("failed quota: %s: must specify %s",
				    qname, miss);
				free(miss);
				return -1;
			}
		}
		nk = 0;
		json_object_foreach(hard, k, v) {
			if (nk < nitems(keys))
				keys[nk++] = k;
		}
		qsort(keys, nk, sizeof *keys, sim_strcmp);
		for (j = 0; j < nk; j++) {
			const char *ck = sim_quota_key(keys[j]);
			int64_t h, u, d;
			char *a, *b, *c;

			d = json_integer_value(json_object_get(delta, ck));
			if (d <= 0)
				continue;
			if (sim_key_parse(keys[j], json_object_get(hard, keys[j]),
			    &h) != 0)
				continue;
			u = json_integer_value(json_object_get(usage, ck));
			if (u + d <= h)
				continue;
			a = sim_key_format(keys[j], d);
			b = sim_key_format(keys[j], u);
			c = sim_key_format(keys[j], h);
			req = sim_kv_append(req, keys[j], a);
			used = sim_kv_append(used, keys[j], b);
			lim = sim_kv_append(lim, keys[j], c);
			free(a);
			free(b);
			free(c);
		}
		if (req != NULL) {
			*msg = xprintf("exceeded quota: %s, requested: %s, used: "
			    "%s, limited: %s", qname, req, used, lim);
			free(req);
			free(used);
			free(lim);
			return -1;
		}
	}
	return 0;
}
