/*
 * sched-policy-util.c: the small pure helpers of the policy: interning,
 * GPU type names, quota keys, decayed usage and the formatting of numbers
 * in reasons.
 */
#include "sched-int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* FNV-1a: names are short and few collide, so a plain hash is enough. */
uint32_t
sched_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

/* Sizes the table for expected keys so that a pass never rehashes twice. */
void
sched_intern_init(struct sched_intern *t, size_t expected)
{
	size_t cap = 16;

	while (cap < expected * 2)
		cap <<= 1;
	t->cap = cap;
	t->n = 0;
	t->keys = xcalloc(cap, sizeof *t->keys);
	t->tags = xcalloc(cap, sizeof *t->tags);
	t->hashes = xcalloc(cap, sizeof *t->hashes);
	t->values = xcalloc(cap, sizeof *t->values);
}

/* Frees the table; the keys belong to the snapshot. */
void
sched_intern_release(struct sched_intern *t)
{
	free(t->keys);
	free(t->tags);
	free(t->hashes);
	free(t->values);
	memset(t, 0, sizeof *t);
}

/* One hash for a key and its tag. */
static uint32_t
sched_hash_tag(const char *key, int32_t tag)
{
	return sched_hash(key) ^ ((uint32_t)tag * 2654435761u);
}

/* Looks a (tag, key) pair up without adding it. */
int32_t
sched_intern_find_tag(const struct sched_intern *t, const char *key,
    int32_t tag)
{
	uint32_t h = sched_hash_tag(key, tag);
	size_t i = h & (t->cap - 1);

	while (t->keys[i] != NULL) {
		if (t->hashes[i] == h && t->tags[i] == tag &&
		    strcmp(t->keys[i], key) == 0)
			return t->values[i];
		i = (i + 1) & (t->cap - 1);
	}
	return -1;
}

/* Looks a key up without adding it. */
int32_t
sched_intern_find(const struct sched_intern *t, const char *key)
{
	return sched_intern_find_tag(t, key, 0);
}

/* Doubles the table so that probes stay short. */
static void
sched_intern_grow(struct sched_intern *t)
{
	struct sched_intern n;
	size_t i, j;

	n.cap = t->cap * 2;
	n.n = t->n;
	n.keys = xcalloc(n.cap, sizeof *n.keys);
	n.tags = xcalloc(n.cap, sizeof *n.tags);
	n.hashes = xcalloc(n.cap, sizeof *n.hashes);
	n.values = xcalloc(n.cap, sizeof *n.values);
	for (i = 0; i < t->cap; i++) {
		if (t->keys[i] == NULL)
			continue;
		j = t->hashes[i] & (n.cap - 1);
		while (n.keys[j] != NULL)
			j = (j + 1) & (n.cap - 1);
		n.keys[j] = t->keys[i];
		n.tags[j] = t->tags[i];
		n.hashes[j] = t->hashes[i];
		n.values[j] = t->values[i];
	}
	sched_intern_release(t);
	*t = n;
}

/* Gives every distinct (tag, key) one index, in order of first appearance. */
int32_t
sched_intern_add_tag(struct sched_intern *t, const char *key, int32_t tag,
    int32_t next, bool *added)
{
	uint32_t h;
	size_t i;

	if ((t->n + 1) * 2 > t->cap)
		sched_intern_grow(t);
	h = sched_hash_tag(key, tag);
	i = h & (t->cap - 1);
	while (t->keys[i] != NULL) {
		if (t->hashes[i] == h && t->tags[i] == tag &&
		    strcmp(t->keys[i], key) == 0) {
			if (added != NULL)
				*added = false;
			return t->values[i];
		}
		i = (i + 1) & (t->cap - 1);
	}
	t->keys[i] = key;
	t->tags[i] = tag;
	t->hashes[i] = h;
	t->values[i] = next;
	t->n++;
	if (added != NULL)
		*added = true;
	return next;
}

/* Gives every distinct name one index, in order of first appearance. */
int32_t
sched_intern_add(struct sched_intern *t, const char *key, int32_t next,
    bool *added)
{
	return sched_intern_add_tag(t, key, 0, next, added);
}

/* Users write "RTX4090D", nodes say "NVIDIA-GeForce-RTX-4090-D": one form. */
void
sched_gpu_type_normalize(const char *in, char *buf, size_t len)
{
	static const char *const drop[] = { "NVIDIA", "GeForce" };
	size_t o = 0, i, n;
	const char *p = in;
	bool again = true;

	if (len == 0)
		return;
	while (again) {
		again = false;
		while (*p == '-' || *p == ' ' || *p == '_')
			p++;
		for (i = 0; i < nitems(drop); i++) {
			n = strlen(drop[i]);
			if (strncasecmp(p, drop[i], n) == 0 &&
			    (p[n] == '-' || p[n] == ' ' || p[n] == '_')) {
				p += n;
				again = true;
			}
		}
	}
	for (; *p != '\0' && o + 1 < len; p++) {
		if (*p == '-' || *p == ' ' || *p == '_')
			continue;
		buf[o++] = (char)((*p >= 'a' && *p <= 'z') ? *p - 'a' + 'A' :
		    *p);
	}
	buf[o] = '\0';
}

/* Quota keys come in aliases; the policy counts by resource. */
int
sched_res_of_key(const char *key)
{
	static const struct {
		const char *key;
		enum sched_res res;
	} map[] = {
		{ "requests.cpu", SCHED_RES_REQ_CPU },
		{ "cpu", SCHED_RES_REQ_CPU },
		{ "requests.memory", SCHED_RES_REQ_MEMORY },
		{ "memory", SCHED_RES_REQ_MEMORY },
		{ "limits.cpu", SCHED_RES_LIM_CPU },
		{ "limits.memory", SCHED_RES_LIM_MEMORY },
		{ "requests.nvidia.com/gpu", SCHED_RES_GPU },
		{ "pods", SCHED_RES_PODS },
		{ "count/pods", SCHED_RES_PODS },
		{ "count/deployments.apps", SCHED_RES_DEPLOYMENTS },
		{ "count/replicasets.apps", SCHED_RES_REPLICASETS },
		{ "count/jobs.batch", SCHED_RES_JOBS },
		{ "services", SCHED_RES_SERVICES },
		{ "count/services", SCHED_RES_SERVICES },
		{ "requests.storage", SCHED_RES_STORAGE },
		{ "persistentvolumeclaims", SCHED_RES_PVCS },
		{ "count/persistentvolumeclaims", SCHED_RES_PVCS },
	};
	size_t i;

	for (i = 0; i < nitems(map); i++) {
		if (strcmp(map[i].key, key) == 0)
			return (int)map[i].res;
	}
	return -1;
}

/* The one definition of what a job's objects count against quota. */
void
sched_job_quota_need(const struct sched_job *j, int64_t need[SCHED_NRES])
{
	int64_t r = j->replicas > 0 ? j->replicas : 0;

	memset(need, 0, sizeof(int64_t) * SCHED_NRES);
	need[SCHED_RES_REQ_CPU] = r * j->cpu_milli;
	need[SCHED_RES_REQ_MEMORY] = r * j->memory_bytes;
	need[SCHED_RES_LIM_CPU] = r * (j->cpu_limit_milli > 0 ?
	    j->cpu_limit_milli : j->cpu_milli);
	need[SCHED_RES_LIM_MEMORY] = r * (j->memory_limit_bytes > 0 ?
	    j->memory_limit_bytes : j->memory_bytes);
	need[SCHED_RES_GPU] = r * (j->gpus > 0 ? j->gpus : 0);
	need[SCHED_RES_PODS] = r;
	if (j->workload == SCHED_WORKLOAD_DEPLOYMENT) {
		need[SCHED_RES_DEPLOYMENTS] = r;
		need[SCHED_RES_REPLICASETS] = r;
	} else
		need[SCHED_RES_JOBS] = 1;
	need[SCHED_RES_SERVICES] = j->service ? 1 : 0;
	if (j->nscratch > 0 && j->scratch_bytes > 0) {
		need[SCHED_RES_PVCS] = r * j->nscratch;
		need[SCHED_RES_STORAGE] = r * j->nscratch * j->scratch_bytes;
	}
}

/* Fair share needs usage that fades: exact integral under a half-life. */
double
sched_usage_update(double gpu_hours, double gpus, int64_t elapsed_ms,
    int64_t half_life_ms)
{
	double dt_h = (double)elapsed_ms / 3600000.0, h_h, f;

	if (elapsed_ms <= 0)
		return gpu_hours;
	if (half_life_ms <= 0)
		return gpu_hours + gpus * dt_h;
	h_h = (double)half_life_ms / 3600000.0;
	f = exp2(-dt_h / h_h);
	return gpu_hours * f + gpus * (h_h / M_LN2) * (1.0 - f);
}

/* Times plus untrusted durations must not overflow: they saturate. */
int64_t
sched_after(int64_t ms, int64_t seconds)
{
	if (seconds <= 0)
		return ms;
	if (seconds > (INT64_MAX - (ms > 0 ? ms : 0)) / 1000)
		return INT64_MAX;
	return ms + seconds * 1000;
}

/* Reasons show CPU as Kubernetes writes it ("8", "500m"). */
size_t
sched_fmt_cpu(char *buf, size_t len, int64_t milli)
{
	int n;

	if (milli % 1000 == 0)
		n = snprintf(buf, len, "%lld", (long long)(milli / 1000));
	else
		n = snprintf(buf, len, "%lldm", (long long)milli);
	return n < 0 ? 0 : (size_t)n;
}

/* Reasons show memory with the largest exact binary suffix ("64Gi"). */
size_t
sched_fmt_bytes(char *buf, size_t len, int64_t b)
{
	static const char *const bsuf[] = { "", "Ki", "Mi", "Gi", "Ti", "Pi" };
	static const char *const dsuf[] = { "", "k", "M", "G", "T", "P" };
	int64_t x = b, y = b;
	size_t i = 0, k = 0;
	int n;

	/* The shorter exact form: quotas are written both ways ("40T"). */
	while (x != 0 && x % 1024 == 0 && i + 1 < nitems(bsuf)) {
		x /= 1024;
		i++;
	}
	while (y != 0 && y % 1000 == 0 && k + 1 < nitems(dsuf)) {
		y /= 1000;
		k++;
	}
	if (k > i)
		n = snprintf(buf, len, "%lld%s", (long long)y, dsuf[k]);
	else
		n = snprintf(buf, len, "%lld%s", (long long)x, bsuf[i]);
	/* No short exact form (a sum of decimal and binary sizes, as used
	 * storage is): about so much, in the decimal unit ailab's quotas
	 * are written in, rather than 24608421148Ki. */
	if (n > 0 && (x >= 100000 || x <= -100000) &&
	    (y >= 100000 || y <= -100000)) {
		double v = (double)b;

		for (k = 0; k + 1 < nitems(dsuf) && (v >= 1000 || v <= -1000);
		    k++)
			v /= 1000;
		n = snprintf(buf, len, "~%.1f%s", v, dsuf[k]);
	}
	return n < 0 ? 0 : (size_t)n;
}

/* Each quota resource in its natural unit. */
size_t
sched_fmt_res(char *buf, size_t len, int res, int64_t v)
{
	int n;

	switch (res) {
	case SCHED_RES_REQ_CPU:
	case SCHED_RES_LIM_CPU:
		return sched_fmt_cpu(buf, len, v);
	case SCHED_RES_REQ_MEMORY:
	case SCHED_RES_LIM_MEMORY:
	case SCHED_RES_STORAGE:
		return sched_fmt_bytes(buf, len, v);
	default:
		n = snprintf(buf, len, "%lld", (long long)v);
		return n < 0 ? 0 : (size_t)n;
	}
}

/* Times in reasons are UTC, from the snapshot's clock, never the system's. */
size_t
sched_fmt_time(char *buf, size_t len, int64_t ms)
{
	struct tm tm;
	time_t t = (time_t)(ms / 1000);

	if (gmtime_r(&t, &tm) == NULL || len == 0) {
		if (len > 0)
			buf[0] = '\0';
		return 0;
	}
	return strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
