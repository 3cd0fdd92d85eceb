/*
 * api-intake.c: the request and reply of a local submit handed to the
 * running scheduler of its queue (cli/cli-intake.c, cli/cli-intake-serve.c):
 * a JSON document and a section of raw texts behind two four-byte
 * lengths.  Both sides link this file, so the two never disagree on a
 * member.
 */
#include "api.h"

#include <stdlib.h>
#include <string.h>

#include "common.h"

/* The texts section of a request as it is built. */
struct api_intake_texts {
	char *p;
	size_t len;
	size_t cap;
};

/* A big-endian length at p. */
static void
api_intake_put32(char *p, size_t v)
{
	p[0] = (char)(v >> 24);
	p[1] = (char)(v >> 16);
	p[2] = (char)(v >> 8);
	p[3] = (char)v;
}

/* See api.h: the two lengths, the compact document, the texts. */
char *
api_intake_frame(const json_t *doc, const char *texts, size_t ntexts,
    size_t *len)
{
	char *text, *out;
	size_t n;

	if ((text = json_dumps(doc, JSON_COMPACT)) == NULL)
		return NULL;
	n = strlen(text);
	if (n + ntexts > API_INTAKE_MAX) {
		free(text);
		return NULL;
	}
	out = xmalloc(API_INTAKE_HEADER + n + ntexts);
	api_intake_put32(out, n);
	api_intake_put32(out + 4, ntexts);
	memcpy(out + API_INTAKE_HEADER, text, n);
	if (ntexts > 0)
		memcpy(out + API_INTAKE_HEADER + n, texts, ntexts);
	free(text);
	*len = API_INTAKE_HEADER + n + ntexts;
	return out;
}

/* See api.h. */
int
api_intake_frame_lens(const unsigned char *hdr, size_t *doc, size_t *texts)
{
	*doc = (size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 |
	    (size_t)hdr[2] << 8 | (size_t)hdr[3];
	*texts = (size_t)hdr[4] << 24 | (size_t)hdr[5] << 16 |
	    (size_t)hdr[6] << 8 | (size_t)hdr[7];
	return *doc == 0 || *doc > API_INTAKE_MAX || *texts > API_INTAKE_MAX ||
	    *doc + *texts > API_INTAKE_MAX ? -1 : 0;
}

/* A string member when s is set (borrowed by the caller's object). */
static void
api_intake_set_str(json_t *o, const char *key, const char *s)
{
	if (s != NULL)
		json_object_set_new(o, key, json_string(s));
}

/* Adds len bytes of s and a NUL to the texts; [offset, length]. */
static json_t *
api_intake_text(struct api_intake_texts *b, const char *s, size_t len)
{
	json_t *ref = json_pack("[I,I]", (json_int_t)b->len,
	    (json_int_t)len);

	if (b->len + len + 1 > b->cap) {
		b->cap = (b->len + len + 1) * 2;
		b->p = xreallocarray(b->p, b->cap, 1);
	}
	memcpy(b->p + b->len, s, len);
	b->p[b->len + len] = '\0';
	b->len += len + 1;
	return ref;
}

/* One job of a request: its record, where its own spec part is in the
 * texts and, when it has one, where its shared part is. */
static json_t *
api_intake_job(const struct store_job_new *j, struct api_intake_texts *b,
    json_t *shared)
{
	const char *spec = j->spec_json != NULL ? j->spec_json : "";
	json_t *o;

	o = json_pack("{s:s,s:s,s:I,s:i,s:i,s:I,s:I,s:o,s:b}", "name",
	    j->name, "namespace", j->namespace != NULL ? j->namespace : "",
	    "priority", (json_int_t)j->priority, "gpu_count", j->gpu_count,
	    "replicas", j->replicas, "cpu_milli", (json_int_t)j->cpu_milli,
	    "memory_bytes", (json_int_t)j->memory_bytes, "spec",
	    api_intake_text(b, spec, strlen(spec)), "held", j->held);
	if (o == NULL)
		return NULL;
	api_intake_set_str(o, "owner", j->owner);
	api_intake_set_str(o, "group", j->group);
	api_intake_set_str(o, "group_kind", j->group_kind);
	api_intake_set_str(o, "group_owner", j->group_owner);
	api_intake_set_str(o, "gpu_type", j->gpu_type);
	if (shared != NULL)
		json_object_set(o, "shared", shared);
	return o;
}

/* See api.h: the specs go as they are, unescaped, into the texts; the
 * jobs of a sweep given one shared text (one pointer) send it once. */
json_t *
api_intake_request_encode(const struct store_job_new *jobs, size_t n,
    bool append, char **texts, size_t *ntexts)
{
	struct api_intake_texts b = { NULL, 0, 0 };
	json_t *req, *arr, *o, *shared = NULL;
	const char *last = NULL;
	size_t i, last_len = 0;

	arr = json_array();
	req = json_pack("{s:i,s:b,s:o}", "v", API_INTAKE_VERSION, "append",
	    append, "jobs", arr);
	for (i = 0; i < n; i++) {
		if (jobs[i].spec_shared == NULL) {
			json_decref(shared);
			shared = NULL;
			last = NULL;
		} else if (jobs[i].spec_shared != last ||
		    jobs[i].spec_shared_len != last_len) {
			json_decref(shared);
			shared = api_intake_text(&b, jobs[i].spec_shared,
			    jobs[i].spec_shared_len);
			last = jobs[i].spec_shared;
			last_len = jobs[i].spec_shared_len;
		}
		o = api_intake_job(&jobs[i], &b, shared);
		if (o == NULL || json_array_append_new(arr, o) != 0)
			goto fail;
	}
	json_decref(shared);
	*ntexts = b.len;
	*texts = b.p;
	return req;
fail:
	json_decref(shared);
	free(b.p);
	json_decref(req);
	return NULL;
}

/* Whether v is in lo..hi. */
static bool
api_intake_in(json_int_t v, json_int_t lo, json_int_t hi)
{
	return v >= lo && v <= hi;
}

/* The text [offset, length] names in texts (ntexts bytes): UTF-8, no
 * NUL inside, a NUL after; NULL if it is not one. */
static const char *
api_intake_text_at(const json_t *ref, const char *texts, size_t ntexts,
    size_t *len)
{
	json_int_t off, n;

	if (json_unpack((json_t *)ref, "[I,I!]", &off, &n) != 0 || off < 0 ||
	    n < 0 || (size_t)off >= ntexts || (size_t)n >= ntexts -
	    (size_t)off || texts[off + n] != '\0' ||
	    memchr(texts + off, '\0', (size_t)n) != NULL ||
	    !api_is_utf8(texts + off, (size_t)n))
		return NULL;
	*len = (size_t)n;
	return texts + off;
}

/* One job of a request into *j, its strings borrowed from o and from
 * the texts. */
static int
api_intake_job_decode(json_t *o, const char *texts, size_t ntexts,
    struct store_job_new *j, char **cause)
{
	json_int_t prio, gpus, reps, cpu, mem;
	json_t *spec, *shared = NULL;
	json_error_t e;
	size_t len;
	int held;

	if (json_unpack_ex(o, &e, JSON_STRICT,
	    "{s:s,s:s,s?s,s?s,s?s,s?s,s:I,s?s,s:I,s:I,s:I,s:I,s?o,s:o,s:b}",
	    "name", &j->name, "namespace", &j->namespace, "owner", &j->owner,
	    "group", &j->group, "group_kind", &j->group_kind, "group_owner",
	    &j->group_owner, "priority", &prio, "gpu_type", &j->gpu_type,
	    "gpu_count", &gpus, "replicas", &reps, "cpu_milli", &cpu,
	    "memory_bytes", &mem, "shared", &shared, "spec", &spec,
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
	if ((j->spec_json = api_intake_text_at(spec, texts, ntexts,
	    &len)) == NULL || (shared != NULL && (j->spec_shared =
	    api_intake_text_at(shared, texts, ntexts,
	    &j->spec_shared_len)) == NULL)) {
		*cause = xprintf("job '%s': no spec text where it says",
		    j->name);
		return -1;
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
api_intake_request_decode(json_t *req, const char *texts, size_t ntexts,
    struct store_job_new **out, size_t *n, bool *append, char **cause)
{
	struct store_job_new *jobs;
	json_error_t e;
	json_t *arr;
	int v, app;
	size_t i;

	*out = NULL;
	*n = 0;
	if (json_unpack_ex(req, &e, JSON_STRICT, "{s:i,s:b,s:o}", "v", &v,
	    "append", &app, "jobs", &arr) != 0) {
		*cause = xprintf("%s", e.text);
		return -1;
	}
	if (v != API_INTAKE_VERSION || !json_is_array(arr) ||
	    json_array_size(arr) == 0 ||
	    json_array_size(arr) > API_MAX_SUBMIT_JOBS) {
		*cause = xprintf("version %d, or not 1 to %d jobs", v,
		    API_MAX_SUBMIT_JOBS);
		return -1;
	}
	jobs = xcalloc(json_array_size(arr), sizeof *jobs);
	for (i = 0; i < json_array_size(arr); i++)
		if (api_intake_job_decode(json_array_get(arr, i), texts,
		    ntexts, &jobs[i], cause) != 0) {
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
