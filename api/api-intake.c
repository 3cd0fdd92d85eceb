/*
 * api-intake.c: the request and reply of a local submit handed to the
 * running scheduler of its queue (cli/cli-intake.c, cli/cli-intake-serve.c),
 * one JSON document each behind a four-byte length.  Both sides link this
 * file, so the two never disagree on a member.
 */
#include "api.h"

#include <stdlib.h>
#include <string.h>

#include "common.h"

/* See api.h: the length prefix, then the compact document. */
char *
api_intake_frame(const json_t *doc, size_t *len)
{
	char *text, *out;
	size_t n;

	if ((text = json_dumps(doc, JSON_COMPACT)) == NULL)
		return NULL;
	n = strlen(text);
	if (n > API_INTAKE_MAX) {
		free(text);
		return NULL;
	}
	out = xmalloc(n + API_INTAKE_HEADER);
	out[0] = (char)(n >> 24);
	out[1] = (char)(n >> 16);
	out[2] = (char)(n >> 8);
	out[3] = (char)n;
	memcpy(out + API_INTAKE_HEADER, text, n);
	free(text);
	*len = n + API_INTAKE_HEADER;
	return out;
}

/* See api.h. */
size_t
api_intake_frame_len(const unsigned char *hdr)
{
	return (size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 |
	    (size_t)hdr[2] << 8 | (size_t)hdr[3];
}

/* A string member when s is set (borrowed by the caller's object). */
static void
api_intake_set_str(json_t *o, const char *key, const char *s)
{
	if (s != NULL)
		json_object_set_new(o, key, json_string(s));
}

/* One job of a request: its record, its own spec part and, when it has
 * one, the index of its shared part in the request's "shared". */
static json_t *
api_intake_job(const struct store_job_new *j, json_int_t shared)
{
	json_t *o;

	o = json_pack("{s:s,s:s,s:I,s:i,s:i,s:I,s:I,s:s,s:b}", "name",
	    j->name, "namespace", j->namespace != NULL ? j->namespace : "",
	    "priority", (json_int_t)j->priority, "gpu_count", j->gpu_count,
	    "replicas", j->replicas, "cpu_milli", (json_int_t)j->cpu_milli,
	    "memory_bytes", (json_int_t)j->memory_bytes, "spec",
	    j->spec_json != NULL ? j->spec_json : "", "held", j->held);
	if (o == NULL)
		return NULL;
	api_intake_set_str(o, "owner", j->owner);
	api_intake_set_str(o, "group", j->group);
	api_intake_set_str(o, "group_kind", j->group_kind);
	api_intake_set_str(o, "group_owner", j->group_owner);
	api_intake_set_str(o, "gpu_type", j->gpu_type);
	if (shared >= 0)
		json_object_set_new(o, "shared", json_integer(shared));
	return o;
}

/* See api.h: the jobs of a sweep given one shared text (one pointer)
 * send it once. */
json_t *
api_intake_request_encode(const struct store_job_new *jobs, size_t n,
    bool append)
{
	json_t *req, *arr, *shared, *o, *s;
	const char *last = NULL;
	size_t i, last_len = 0;

	arr = json_array();
	shared = json_array();
	req = json_pack("{s:i,s:b,s:o,s:o}", "v", API_INTAKE_VERSION, "append",
	    append, "shared", shared, "jobs", arr);
	for (i = 0; i < n; i++) {
		if (jobs[i].spec_shared != NULL && (jobs[i].spec_shared !=
		    last || jobs[i].spec_shared_len != last_len)) {
			s = json_stringn(jobs[i].spec_shared,
			    jobs[i].spec_shared_len);
			if (s == NULL || json_array_append_new(shared, s) != 0)
				goto fail;
			last = jobs[i].spec_shared;
			last_len = jobs[i].spec_shared_len;
		}
		o = api_intake_job(&jobs[i], jobs[i].spec_shared != NULL ?
		    (json_int_t)json_array_size(shared) - 1 : -1);
		if (o == NULL || json_array_append_new(arr, o) != 0)
			goto fail;
	}
	return req;
fail:
	json_decref(req);
	return NULL;
}

/* Whether v is in lo..hi. */
static bool
api_intake_in(json_int_t v, json_int_t lo, json_int_t hi)
{
	return v >= lo && v <= hi;
}

/* One job of a request into *j, its strings borrowed from o. */
static int
api_intake_job_decode(json_t *o, json_t *shared, struct store_job_new *j,
    char **cause)
{
	json_int_t prio, gpus, reps, cpu, mem, sh = -1;
	json_error_t e;
	int held;

	if (json_unpack_ex(o, &e, JSON_STRICT,
	    "{s:s,s:s,s?s,s?s,s?s,s?s,s:I,s?s,s:I,s:I,s:I,s:I,s?I,s:s,s:b}",
	    "name", &j->name, "namespace", &j->namespace, "owner", &j->owner,
	    "group", &j->group, "group_kind", &j->group_kind, "group_owner",
	    &j->group_owner, "priority", &prio, "gpu_type", &j->gpu_type,
	    "gpu_count", &gpus, "replicas", &reps, "cpu_milli", &cpu,
	    "memory_bytes", &mem, "shared", &sh, "spec", &j->spec_json,
	    "held", &held) != 0) {
		*cause = xprintf("%s", e.text);
		return -1;
	}
	if (*j->name == '\0' || !api_intake_in(prio, 0, 1000) ||
	    !api_intake_in(gpus, 0, 1 << 20) ||
	    !api_intake_in(reps, 1, 1 << 20) || cpu < 0 || mem < 0 ||
	    (j->group == NULL) != (j->group_kind == NULL)) {
		*cause = xprintf("job '%s': a field out of its range",
		    j->name);
		return -1;
	}
	if (sh >= 0) {
		if (!json_is_string(json_array_get(shared, (size_t)sh))) {
			*cause = xprintf("job '%s': no shared text %lld",
			    j->name, (long long)sh);
			return -1;
		}
		j->spec_shared = json_string_value(json_array_get(shared,
		    (size_t)sh));
		j->spec_shared_len = json_string_length(json_array_get(shared,
		    (size_t)sh));
	}
	j->priority = (int)prio;
	j->gpu_count = (int)gpus;
	j->replicas = (int)reps;
	j->cpu_milli = cpu;
	j->memory_bytes = mem;
	j->held = held != 0;
	return 0;
}

/* See api.h. */
int
api_intake_request_decode(json_t *req, struct store_job_new **out,
    size_t *n, bool *append, char **cause)
{
	struct store_job_new *jobs;
	json_t *arr, *shared;
	json_error_t e;
	int v, app;
	size_t i;

	*out = NULL;
	*n = 0;
	if (json_unpack_ex(req, &e, JSON_STRICT, "{s:i,s:b,s:o,s:o}", "v", &v,
	    "append", &app, "shared", &shared, "jobs", &arr) != 0) {
		*cause = xprintf("%s", e.text);
		return -1;
	}
	if (v != API_INTAKE_VERSION || !json_is_array(arr) ||
	    !json_is_array(shared) || json_array_size(arr) == 0 ||
	    json_array_size(arr) > API_MAX_SUBMIT_JOBS) {
		*cause = xprintf("version %d, or not 1 to %d jobs", v,
		    API_MAX_SUBMIT_JOBS);
		return -1;
	}
	jobs = xcalloc(json_array_size(arr), sizeof *jobs);
	for (i = 0; i < json_array_size(arr); i++)
		if (api_intake_job_decode(json_array_get(arr, i), shared,
		    &jobs[i], cause) != 0) {
			free(jobs);
			return -1;
		}
	*out = jobs;
	*n = i;
	*append = app != 0;
	return 0;
}

/* See api.h. */
json_t *
api_intake_reply_encode(const int64_t *ids, size_t n)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(arr, json_integer(ids[i]));
	return json_pack("{s:o}", "ids", arr);
}

/* See api.h. */
int
api_intake_reply_decode(const json_t *reply, int64_t *ids, size_t n,
    char **cause)
{
	json_t *arr = json_object_get(reply, "ids");
	size_t i;

	if (!json_is_array(arr) || json_array_size(arr) != n) {
		*cause = xprintf("the reply does not hold %zu id%s", n,
		    n == 1 ? "" : "s");
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (!json_is_integer(json_array_get(arr, i)) ||
		    json_integer_value(json_array_get(arr, i)) <= 0) {
			*cause = xprintf("id %zu of the reply is not a job id",
			    i + 1);
			return -1;
		}
		ids[i] = json_integer_value(json_array_get(arr, i));
	}
	return 0;
}
